//! The window that asks what to do with a case file dropped on the
//! workbench: open it instead, or merge it into the open case.

use std::path::Path;

use super::command::Command;
use super::dialog::DialogOutcome;
use super::share_dialog::ShareRequest;

/// Draws the window for the dropped case at `path`; confirmed with the
/// command to run.
pub fn dropped_case_ui(ctx: &egui::Context, path: &Path) -> DialogOutcome<Command> {
    let mut choice = DialogOutcome::Open;
    egui::Window::new("Case file dropped")
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.label(format!("{}", path.display()));
            ui.horizontal(|ui| {
                if ui.button("Open it").clicked() {
                    choice = DialogOutcome::Confirmed(Command::OpenCase(path.to_path_buf()));
                }
                if ui
                    .button("Merge it into this case")
                    .on_hover_text(
                        "Its tags, notes and history come in, attributed to their analysts",
                    )
                    .clicked()
                {
                    choice = DialogOutcome::Confirmed(Command::Share(ShareRequest::Merge {
                        from: path.to_path_buf(),
                    }));
                }
                if ui.button("Cancel").clicked() {
                    choice = DialogOutcome::Closed;
                }
            });
        });
    choice
}
