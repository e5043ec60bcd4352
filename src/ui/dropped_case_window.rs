//! The windows that ask what to do with what was dropped on the
//! workbench: a case file (open it instead, or merge it into the open
//! case), or a folder of activity logs (append it to the open case).

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

/// Draws the window for a folder of logs dropped on the open case `case`;
/// confirmed with the command that appends it.
pub fn dropped_logs_ui(ctx: &egui::Context, dir: &Path, case: &Path) -> DialogOutcome<Command> {
    let mut choice = DialogOutcome::Open;
    egui::Window::new("Folder of logs dropped")
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.label(format!("{}", dir.display()));
            ui.label(format!(
                "Append its exchanges (and any accounts, events and indicators) to {}? \
                 All or nothing: a row that breaks the contract, or a request id the case \
                 holds, appends nothing. Tags and notes stay; re-run the analysis after.",
                case.file_name().map_or_else(
                    || case.display().to_string(),
                    |n| n.to_string_lossy().into_owned()
                )
            ));
            ui.horizontal(|ui| {
                if ui.button("Append to this case").clicked() {
                    choice = DialogOutcome::Confirmed(Command::Share(ShareRequest::AppendLogs {
                        from: dir.to_path_buf(),
                    }));
                }
                if ui.button("Cancel").clicked() {
                    choice = DialogOutcome::Closed;
                }
            });
        });
    choice
}
