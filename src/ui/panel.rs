//! The one contract of the workbench's docked panels (filters, summary,
//! inspector, campaign and cluster tables, history): a panel draws from
//! what the shell hands it this frame and answers with [`Command`]s; it
//! changes no state but its own (its sort order, its text fields), and the
//! shell carries the commands out in one place. Windows and dialogs answer
//! with their outcome instead ([`super::dialog::DialogOutcome`]).

use super::command::Command;

/// A docked panel.
pub trait Panel {
    /// What the panel reads this frame.
    type Input<'a>;

    /// Draws the panel; returns what the analyst asked for.
    fn ui(&mut self, ui: &mut egui::Ui, input: &Self::Input<'_>) -> Vec<Command>;
}
