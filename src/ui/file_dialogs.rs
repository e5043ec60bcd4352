//! The system's file dialogs (through `rfd`), each on a thread of its own
//! so the UI never waits for one: choosing a case to open, and where to
//! export the history.

use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver};

use crate::case::casework::HistoryExport;

/// Asks where to save the audit log (of `cluster`, or all) and writes it
/// as CSV, on a thread: the UI never waits for the dialog.
pub fn spawn_export_dialog(
    ctx: &egui::Context,
    case: PathBuf,
    cluster: Option<String>,
) -> Receiver<Result<PathBuf, String>> {
    let (sender, receiver) = mpsc::channel();
    let ctx = ctx.clone();
    let stem = case
        .file_stem()
        .map_or("case".to_string(), |s| s.to_string_lossy().into_owned());
    let name = match &cluster {
        Some(c) => format!("{stem}-history-{c}.csv"),
        None => format!("{stem}-history.csv"),
    };
    let spawned = std::thread::Builder::new()
        .name("export-dialog".into())
        .spawn(move || {
            let result = match rfd::FileDialog::new()
                .set_title("Export the history")
                .set_file_name(&name)
                .add_filter("CSV", &["csv"])
                .save_file()
            {
                None => Err(format!(
                    "History not exported (no file chosen; without a file dialog, run `hydrascope history {} --format csv{} > {name}`)",
                    case.display(),
                    cluster.as_ref().map(|c| format!(" --cluster {c}")).unwrap_or_default()
                )),
                Some(path) => crate::case::casework::export_history(
                    &case,
                    cluster.as_deref(),
                    HistoryExport::Csv,
                    &path,
                )
                .map(|()| path)
                .map_err(|e| e.to_string()),
            };
            let _ = sender.send(result);
            ctx.request_repaint();
        });
    if spawned.is_err() {
        let (sender, failed) = mpsc::channel();
        let _ = sender.send(Err("could not start the export".into()));
        return failed;
    }
    receiver
}

/// Asks for a case file to open with the system dialog, on a thread.
pub fn spawn_open_dialog(ctx: &egui::Context) -> Receiver<Option<PathBuf>> {
    let (sender, receiver) = mpsc::channel();
    let ctx = ctx.clone();
    let spawned = std::thread::Builder::new()
        .name("open-dialog".into())
        .spawn(move || {
            let picked = rfd::FileDialog::new()
                .set_title("Open a Hydrascope case")
                .add_filter("Hydrascope case", &["hcase"])
                .pick_file();
            let _ = sender.send(picked);
            ctx.request_repaint();
        });
    if spawned.is_err() {
        let (sender, failed) = mpsc::channel();
        let _ = sender.send(None);
        return failed;
    }
    receiver
}
