//! The History panel: the case's audit log (who did what, when, from
//! where), filtered by cluster or text, newest first, with an export.
//! Entries that came in by merge are marked as the other case's claims.

use egui_extras::{Column, TableBuilder};

use crate::case::casework::AuditEntry;

use super::command::Command;
use super::panel::Panel;

/// The History panel's own state.
#[derive(Default)]
pub struct HistoryPanel {
    only_selected: bool,
    text: String,
}

/// What the History panel shows.
pub struct HistoryInput<'a> {
    /// The audit log, oldest first.
    pub history: &'a [AuditEntry],
    /// The selected cluster's id.
    pub selected_cluster: Option<&'a str>,
    /// Actions of this session that can be undone, newest last.
    pub undoable: &'a [i64],
}

impl HistoryPanel {}

impl Panel for HistoryPanel {
    type Input<'a> = HistoryInput<'a>;

    /// Draws the log; returns commands (export, select a cluster).
    fn ui(&mut self, ui: &mut egui::Ui, input: &HistoryInput<'_>) -> Vec<Command> {
        let mut commands = Vec::new();
        let cluster_filter = if self.only_selected {
            input.selected_cluster
        } else {
            None
        };
        let needle = self.text.trim().to_lowercase();
        let shown: Vec<&AuditEntry> = input
            .history
            .iter()
            .rev()
            .filter(|e| cluster_filter.is_none_or(|c| e.clusters.split(',').any(|x| x == c)))
            .filter(|e| {
                needle.is_empty()
                    || e.summary.to_lowercase().contains(&needle)
                    || e.analyst.to_lowercase().contains(&needle)
                    || e.action.contains(&needle)
            })
            .collect();
        ui.horizontal(|ui| {
            ui.add_enabled(
                input.selected_cluster.is_some(),
                egui::Checkbox::new(
                    &mut self.only_selected,
                    match input.selected_cluster {
                        Some(c) => format!("Only cluster {c}"),
                        None => "Only the selected cluster".to_string(),
                    },
                ),
            );
            ui.add(
                egui::TextEdit::singleline(&mut self.text)
                    .hint_text("filter: analyst, action, words")
                    .desired_width(220.0),
            );
            ui.label(
                egui::RichText::new(format!("{} of {} actions", shown.len(), input.history.len()))
                    .weak(),
            );
            if ui
                .button("Export…")
                .on_hover_text("CSV with the rows before and after each action (or `hydrascope history CASE --format csv`)")
                .clicked()
            {
                commands.push(Command::ExportHistory(cluster_filter.map(str::to_string)));
            }
        });
        if input.history.is_empty() {
            ui.label(
                egui::RichText::new("Nothing recorded yet: tags, edits and analyses appear here")
                    .weak(),
            );
            return commands;
        }
        TableBuilder::new(ui)
            .striped(true)
            .resizable(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::auto().at_least(40.0))
            .column(Column::auto().at_least(150.0))
            .column(Column::auto().at_least(80.0))
            .column(Column::auto().at_least(70.0))
            .column(Column::auto().at_least(100.0))
            .column(Column::remainder())
            .header(20.0, |mut header| {
                for title in ["#", "When (UTC)", "Analyst", "From", "Action", "What"] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(20.0, shown.len(), |mut row| {
                    let e = shown[row.index()];
                    row.col(|ui| {
                        ui.label(e.id.to_string());
                    });
                    row.col(|ui| {
                        ui.label(e.at.replace('T', " ").trim_end_matches('Z').to_string());
                    });
                    row.col(|ui| {
                        // A merged entry is another case's claim, never
                        // shown as if someone did it here.
                        match &e.claimed {
                            Some(claim) => {
                                ui.label(
                                    egui::RichText::new(format!("{} (claimed)", e.analyst))
                                        .italics()
                                        .weak(),
                                )
                                .on_hover_text(claim.describe());
                            }
                            None => {
                                ui.label(&e.analyst);
                            }
                        }
                    });
                    row.col(|ui| {
                        ui.label(&e.origin);
                    });
                    row.col(|ui| {
                        let text = if input.undoable.contains(&e.id) {
                            format!("{} (undoable)", e.action)
                        } else {
                            e.action.clone()
                        };
                        ui.label(text);
                    });
                    row.col(|ui| {
                        ui.label(&e.summary).on_hover_text(&e.summary);
                    });
                });
            });
        commands
    }
}
