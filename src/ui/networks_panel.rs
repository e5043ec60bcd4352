//! The Networks tab: where requests come from — ASNs, networks or billing
//! countries (rows) against the suspected campaigns, the selection and
//! everyone else (columns). A cell gives the group's requests from that
//! place, tinted by its share of the group's traffic; hovering says how
//! many accounts sent them, clicking selects those accounts.

use crate::views::networks::{Axis, Matrix, NetworkColumn, draw};

use super::command::Command;
use super::panel::Panel;

/// The Networks tab's own state: the axis asked for and whether cells
/// count requests or accounts.
#[derive(Default)]
pub struct NetworksPanel {
    /// Where the matrix was drawn last (points).
    pub last_rect: Option<egui::Rect>,
    /// What the rows are.
    pub axis: Axis,
    /// Count accounts instead of requests.
    pub accounts: bool,
}

/// What the Networks tab shows.
pub struct NetworksInput<'a> {
    /// The columns.
    pub columns: &'a [NetworkColumn],
    /// The matrix, once read.
    pub matrix: Option<&'a Matrix>,
}

impl Panel for NetworksPanel {
    type Input<'a> = NetworksInput<'a>;

    fn ui(&mut self, ui: &mut egui::Ui, input: &NetworksInput<'_>) -> Vec<Command> {
        let mut commands = Vec::new();
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new("Where requests come from").strong());
            for axis in [Axis::Asn, Axis::Network, Axis::Country] {
                ui.selectable_value(&mut self.axis, axis, axis.label());
            }
            ui.separator();
            ui.selectable_value(&mut self.accounts, false, "Requests");
            ui.selectable_value(&mut self.accounts, true, "Accounts");
        });
        let Some(matrix) = input.matrix.filter(|m| m.axis == self.axis) else {
            ui.label("Reading where each account's requests came from…");
            return commands;
        };
        if matrix.rows.is_empty() {
            ui.label("No origins are recorded in this case.");
            return commands;
        }
        if self.axis == Axis::Country {
            ui.label(
                egui::RichText::new(
                    "Billing countries are the accounts' own, with all their requests: where they pay from, not where the requests came from.",
                )
                .weak(),
            );
        }
        self.last_rect = Some(ui.max_rect());
        if let Some(accounts) = draw(ui, matrix, input.columns, self.accounts) {
            commands.push(Command::SelectAccounts(accounts));
        }
        commands
    }
}
