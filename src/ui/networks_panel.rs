//! The Networks tab: where requests come from — ASNs, networks or billing
//! countries (rows) against the suspected campaigns, the selection and
//! everyone else (columns). A cell gives the group's requests from that
//! place, tinted by its share of the group's traffic; hovering says how
//! many accounts sent them, clicking selects those accounts.

use egui_extras::{Column, TableBuilder};

use crate::views::networks::{Axis, Matrix};

use super::command::Command;
use super::panel::Panel;

/// The Networks tab's own state: the axis asked for and whether cells
/// count requests or accounts.
#[derive(Default)]
pub struct NetworksPanel {
    /// What the rows are.
    pub axis: Axis,
    /// Count accounts instead of requests.
    pub accounts: bool,
}

/// A column of the matrix as the panel heads it.
pub struct NetworkColumn {
    /// Its name (`k13`, "selection", "everyone else").
    pub label: String,
    /// Its colour.
    pub color: egui::Color32,
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
        let columns = input.columns.len().min(matrix.column_totals.len());
        let text_height = egui::TextStyle::Body.resolve(ui.style()).size + 6.0;
        TableBuilder::new(ui)
            .striped(true)
            .column(Column::initial(170.0).at_least(110.0).clip(true))
            .columns(Column::initial(92.0).at_least(60.0), columns)
            .header(text_height, |mut header| {
                header.col(|ui| {
                    ui.strong(self.axis.label());
                });
                for column in &input.columns[..columns] {
                    header.col(|ui| {
                        ui.label(egui::RichText::new(&column.label).strong().color(column.color));
                    });
                }
            })
            .body(|body| {
                body.rows(text_height, matrix.rows.len(), |mut row| {
                    let r = row.index();
                    row.col(|ui| {
                        ui.label(egui::RichText::new(&matrix.rows[r]).monospace());
                    });
                    for c in 0..columns {
                        let cell = &matrix.cells[r][c];
                        let total = matrix.column_totals[c].max(1);
                        let share = cell.exchanges as f64 / total as f64;
                        row.col(|ui| {
                            if cell.accounts.is_empty() {
                                ui.weak("·");
                                return;
                            }
                            let rect = ui.max_rect();
                            ui.painter().rect_filled(
                                rect,
                                0.0,
                                input.columns[c].color.gamma_multiply(0.15 + 0.6 * share as f32),
                            );
                            let text = if self.accounts {
                                cell.accounts.len().to_string()
                            } else {
                                cell.exchanges.to_string()
                            };
                            let response = ui
                                .add(egui::Label::new(text).sense(egui::Sense::click()))
                                .on_hover_text(format!(
                                    "{} from {}: {} requests ({:.0}% of its traffic) by {} account(s); click to select them",
                                    input.columns[c].label,
                                    matrix.rows[r],
                                    cell.exchanges,
                                    100.0 * share,
                                    cell.accounts.len()
                                ));
                            if response.clicked() {
                                commands.push(Command::SelectAccounts(cell.accounts.clone()));
                            }
                        });
                    }
                });
            });
        commands
    }
}
