//! The *Re-run analysis…* dialog: the few parameters an analyst changes
//! before running the analysis again.

use super::dialog::DialogOutcome;
use crate::analysis::Params;

/// The dialog, with the parameters being edited.
pub struct RerunDialog {
    params: Params,
}

impl RerunDialog {
    /// Opens the dialog on `params` (the stored run's).
    pub fn new(params: Params) -> Self {
        Self { params }
    }

    /// Draws the dialog; confirmed with the parameters to run with.
    pub fn ui(&mut self, ctx: &egui::Context) -> DialogOutcome<Params> {
        let mut open = true;
        let mut run = false;
        let mut cancel = false;
        egui::Window::new("Re-run analysis")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                ui.label("The new results replace the stored clusters, links and layout");
                egui::Grid::new("params").num_columns(2).show(ui, |ui| {
                    ui.label("Leiden resolution");
                    ui.add(
                        egui::DragValue::new(&mut self.params.resolution)
                            .range(0.05..=20.0)
                            .speed(0.05),
                    );
                    ui.end_row();
                    ui.label("Seed");
                    ui.add(egui::DragValue::new(&mut self.params.seed));
                    ui.end_row();
                    ui.label("Suspect threshold");
                    ui.add(
                        egui::DragValue::new(&mut self.params.suspect_threshold)
                            .range(0.0..=1.0)
                            .speed(0.01),
                    );
                    ui.end_row();
                    ui.label("Links kept per account");
                    ui.add(
                        egui::DragValue::new(&mut self.params.max_links_per_account).range(1..=500),
                    );
                    ui.end_row();
                    ui.label("Release window (hours)");
                    ui.add(
                        egui::DragValue::new(&mut self.params.pivot_window_hours).range(1..=720),
                    );
                    ui.end_row();
                });
                ui.horizontal(|ui| {
                    run = ui.button("Run").clicked();
                    cancel = ui
                        .button("Cancel")
                        .on_hover_text("Close without running (Esc)")
                        .clicked();
                });
            });
        // Escape closes it as Cancel does (before the shell reads Escape as
        // "clear the selection").
        if cancel || ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, egui::Key::Escape)) {
            open = false;
        }
        if run {
            DialogOutcome::Confirmed(self.params.clone())
        } else if !open {
            DialogOutcome::Closed
        } else {
            DialogOutcome::Open
        }
    }
}
