//! Merge conflicts side by side: where a merged case and this one tagged
//! the same accounts differently, both tags are kept and shown here, field
//! by field with the differences marked, until the analyst keeps one side
//! or both. Resolutions go through the case-work writer, so they are
//! audited and can be undone.

use egui::{Color32, RichText};

use super::command::Command;
use super::jobs::CaseworkRequest;
use crate::case::casework::Tag;
use crate::case::merge::{ConflictStatus, MergeConflict, Resolution};

/// The conflicts window.
#[derive(Default)]
pub struct ConflictsWindow {
    /// Also list the conflicts already resolved.
    pub show_resolved: bool,
}

/// A row of the side-by-side grid: its name, the tag field it shows (for
/// marking differences; empty for none) and how to show it.
type Row = (&'static str, &'static str, fn(&Tag) -> String);

const DIFFERS: Color32 = Color32::from_rgb(255, 196, 90);

impl ConflictsWindow {
    /// Draws the window over `conflicts`; returns commands (resolutions)
    /// and whether it should stay open.
    pub fn ui(
        &mut self,
        ctx: &egui::Context,
        conflicts: &[MergeConflict],
        writable: bool,
    ) -> (Vec<Command>, bool) {
        let mut commands = Vec::new();
        let mut open = true;
        let open_count = conflicts
            .iter()
            .filter(|c| c.status == ConflictStatus::Open)
            .count();
        egui::Window::new(format!("Merge conflicts ({open_count} open)"))
            .default_width(760.0)
            .default_height(480.0)
            .open(&mut open)
            .show(ctx, |ui| {
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new(
                            "Both analysts tagged these accounts differently; both tags are kept until you choose",
                        )
                        .weak(),
                    );
                    ui.checkbox(&mut self.show_resolved, "Show resolved");
                });
                ui.separator();
                egui::ScrollArea::vertical().show(ui, |ui| {
                    let shown: Vec<&MergeConflict> = conflicts
                        .iter()
                        .filter(|c| self.show_resolved || c.status == ConflictStatus::Open)
                        .collect();
                    if shown.is_empty() {
                        ui.label("No open merge conflicts");
                    }
                    for conflict in shown {
                        conflict_ui(ui, conflict, writable, &mut commands);
                        ui.separator();
                    }
                });
            });
        (commands, open)
    }
}

fn conflict_ui(ui: &mut egui::Ui, c: &MergeConflict, writable: bool, commands: &mut Vec<Command>) {
    ui.label(
        RichText::new(format!(
            "Conflict #{} · merged from {} · {} shared accounts · differs in {}",
            c.id,
            c.source_name,
            c.overlap,
            c.fields.join(", ")
        ))
        .strong(),
    );
    let differs = |field: &str| c.fields.iter().any(|f| f == field);
    egui::Grid::new(("conflict", c.id))
        .num_columns(3)
        .striped(true)
        .spacing([16.0, 3.0])
        .min_col_width(90.0)
        .show(ui, |ui| {
            ui.label("");
            ui.label(RichText::new(side_title("Ours", &c.ours, c.ours_removed)).strong());
            ui.label(RichText::new(side_title("Theirs", &c.theirs, c.theirs_removed)).strong());
            ui.end_row();
            let rows: [Row; 8] = [
                ("Label", "label", |t| t.label.clone()),
                ("Status", "status", |t| t.status.name().to_string()),
                ("Confidence", "confidence", |t| {
                    format!("{:.2}", t.confidence)
                }),
                ("Capability", "capability", |t| t.capability.clone()),
                ("Actor", "actor", |t| t.actor.clone()),
                ("Notes", "notes", |t| t.notes.clone()),
                ("On", "", |t| match &t.cluster {
                    Some(cluster) => format!("cluster {cluster}"),
                    None => format!("{} accounts", t.accounts.len()),
                }),
                ("By", "", |t| {
                    format!("{} at {}", t.updated_by, t.updated_at)
                }),
            ];
            for (name, field, value) in rows {
                let marked = !field.is_empty() && differs(field);
                ui.label(if marked {
                    RichText::new(name).color(DIFFERS).strong()
                } else {
                    RichText::new(name).weak()
                });
                for tag in [&c.ours, &c.theirs] {
                    let text = RichText::new(value(tag));
                    ui.scope(|ui| {
                        ui.set_min_width(300.0);
                        ui.set_max_width(300.0);
                        ui.add(
                            egui::Label::new(if marked { text.color(DIFFERS) } else { text })
                                .wrap(),
                        );
                    });
                }
                ui.end_row();
            }
        });
    if c.status == ConflictStatus::Open {
        ui.horizontal(|ui| {
            let mut button = |label: &str, hover: &str, resolution: Resolution, ok: bool| {
                if ui
                    .add_enabled(writable && ok, egui::Button::new(label))
                    .on_hover_text(hover)
                    .clicked()
                {
                    commands.push(Command::Casework(CaseworkRequest::ResolveConflict(
                        c.id, resolution,
                    )));
                }
            };
            let one_side = !c.changed_since;
            button(
                "Keep ours",
                "Remove their tag (recoverable from the history)",
                Resolution::KeepOurs,
                one_side,
            );
            button(
                "Keep theirs",
                "Remove our tag (recoverable from the history)",
                Resolution::KeepTheirs,
                one_side,
            );
            button(
                "Keep both",
                "Both tags stay; the conflict is closed",
                Resolution::KeepBoth,
                true,
            );
            if c.changed_since {
                ui.label(
                    RichText::new("a tag changed since the merge: only keeping both is offered")
                        .weak(),
                );
            }
        });
    } else {
        ui.label(
            RichText::new(format!(
                "{} by {} at {}",
                c.status.name().replace('_', " "),
                c.resolved_by.as_deref().unwrap_or("?"),
                c.resolved_at.as_deref().unwrap_or("?")
            ))
            .weak(),
        );
    }
}

fn side_title(side: &str, tag: &Tag, removed: bool) -> String {
    let mut title = format!("{side} (tag #{})", tag.id);
    if removed {
        title.push_str(", removed");
    }
    title
}
