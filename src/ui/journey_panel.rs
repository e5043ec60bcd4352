//! The Journeys tab: a Gantt chart of the selection's accounts (a handful,
//! side by side on one time axis, UTC): each session a bar in its main
//! model's colour, bans and model releases as markers, and a hand-over —
//! one account stopping and another starting within the hour — drawn as a
//! line from the one to the other with its gap. Hovering a bar lists the
//! session's models, capabilities, networks and ASNs; clicking an
//! account's name selects it.

use crate::views::journey::{Journeys, draw};
use crate::views::model::Loaded;

use super::command::Command;
use super::panel::Panel;

/// The Journeys tab: where it was drawn last (for a picture of it).
#[derive(Default)]
pub struct JourneyPanel {
    /// Where the journeys were drawn last (points).
    pub last_rect: Option<egui::Rect>,
}

/// What the Journeys tab shows.
pub struct JourneyInput<'a> {
    /// The open case.
    pub loaded: &'a Loaded,
    /// The journeys of the selection, once read.
    pub journeys: Option<&'a Journeys>,
    /// Whether anything is selected.
    pub selected: bool,
    /// The account in focus (drawn in the selection's colour).
    pub focus: Option<u32>,
}

impl Panel for JourneyPanel {
    type Input<'a> = JourneyInput<'a>;

    fn ui(&mut self, ui: &mut egui::Ui, input: &JourneyInput<'_>) -> Vec<Command> {
        let Some(journeys) = input.journeys else {
            ui.label(if input.selected {
                "Reading the accounts' requests…"
            } else {
                "Select an account, a cluster or a campaign (or box-select a few accounts) to see their journeys: sessions, models, networks, bans and hand-overs side by side."
            });
            return Vec::new();
        };
        if let Some(why) = &journeys.unavailable {
            ui.label(format!("No journeys to show: {why}"));
            return Vec::new();
        }
        self.last_rect = Some(ui.max_rect());
        let clicked = draw(ui, input.loaded, journeys, input.focus);
        clicked
            .map(|a| vec![Command::SelectAccount(Some(a))])
            .unwrap_or_default()
    }
}
