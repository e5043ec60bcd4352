//! The system's file dialogs (through `rfd`), each on a thread of its own
//! so the UI never waits for one: choosing a case to open, and where to
//! export the history.

use std::path::PathBuf;
use std::sync::mpsc::Receiver;

use crate::case::casework::HistoryExport;

/// Asks where to save the audit log (of `cluster`, or all) and writes it
/// as CSV, on a thread: the UI never waits for the dialog.
pub fn spawn_export_dialog(
    ctx: &egui::Context,
    case: PathBuf,
    cluster: Option<String>,
) -> Receiver<Result<PathBuf, String>> {
    let ctx = ctx.clone();
    let stem = case
        .file_stem()
        .map_or("case".to_string(), |s| s.to_string_lossy().into_owned());
    let name = match &cluster {
        Some(c) => format!("{stem}-history-{c}.csv"),
        None => format!("{stem}-history.csv"),
    };
    super::background::run(
        "export-dialog",
        move || ctx.request_repaint(),
        Err,
        move || match rfd::FileDialog::new()
            .set_title("Export the history")
            .set_file_name(&name)
            .add_filter("CSV", &["csv"])
            .save_file()
        {
            None => Err(format!(
                "History not exported (no file chosen; without a file dialog, run `hydrascope history {} --format csv{} > {name}`)",
                case.display(),
                cluster
                    .as_ref()
                    .map(|c| format!(" --cluster {c}"))
                    .unwrap_or_default()
            )),
            Some(path) => crate::case::casework::export_history(
                &case,
                cluster.as_deref(),
                HistoryExport::Csv,
                &path,
            )
            .map(|()| path)
            .map_err(|e| e.to_string()),
        },
    )
}

/// Asks for a case file to open with the system dialog, on a thread.
pub fn spawn_open_dialog(ctx: &egui::Context) -> Receiver<Option<PathBuf>> {
    let ctx = ctx.clone();
    super::background::run(
        "open-dialog",
        move || ctx.request_repaint(),
        |_| None,
        || {
            rfd::FileDialog::new()
                .set_title("Open a Hydrascope case")
                .add_filter("Hydrascope case", &["hcase"])
                .pick_file()
        },
    )
}
