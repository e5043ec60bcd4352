//! Opening a case from elsewhere: the checks run before the workbench reads
//! a case this machine has not seen at that path ([`verify_if_new`], the
//! library's `hydrascope verify`), and the window shown when a case is
//! refused, with a *Repair…* button that runs the library's repair (the
//! same as `hydrascope repair CASE --out NEW`) on a thread into a new file
//! beside it, then offers to open that file.
//!
//! Which cases this machine has seen is kept in the data folder
//! (`verified_cases.txt`, [`crate::base::paths::remember_known_case`]: a
//! case's canonical path and, on Unix, its file's inode, so a file put in
//! its place — moved in, or saved by a program that writes a new file — is
//! checked again; one overwritten in place keeps its inode and is not,
//! though the schema check of every open still runs). Cases the command
//! line wrote here (`import`, `generate`, `repair`) or checked (`verify`)
//! are in it too.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver};

use super::command::Command;
use crate::base::Progress;
use crate::case::verify::{Integrity, RepairReport, repair_case, verify_case_with};

/// Remembers that the file at `path` passed its checks (or was written
/// here), best effort.
pub fn remember_verified(path: &Path) {
    crate::base::paths::remember_known_case(path);
}

/// Runs every check of `hydrascope verify` (with SQLite's quick check of
/// the pages) on a case this machine has not seen at `path`, before it is
/// read; a case that fails is refused with its first finding and how to
/// repair it. A case that passes is remembered. The demo case, made here,
/// is never checked.
pub fn verify_if_new(path: &Path, progress: &Progress) -> Result<(), String> {
    if path == crate::base::paths::demo_case_path() {
        return Ok(());
    }
    if crate::base::paths::is_known_case(path) {
        return Ok(());
    }
    progress.set_phase("checking a case from elsewhere");
    // What is safe to show meanwhile: the size the case says it has
    // (numbers from `meta`, read after the schema check every open makes).
    if let Ok((Some(accounts), Some(exchanges))) =
        crate::case::Case::open_read_only(path).and_then(|case| case.declared_size())
    {
        progress.set_about(format!(
            "{} accounts, {} exchanges, as it says; being checked",
            crate::base::text::thousands(accounts),
            crate::base::text::thousands(exchanges)
        ));
    }
    let token = crate::base::paths::known_case_token(path);
    // The check says which table it reads in the loading screen's progress.
    let report = verify_case_with(path, Integrity::Quick, progress).map_err(|e| e.to_string())?;
    if let Some(first) = report.findings.first() {
        return Err(format!(
            "{}: refused: {}{}; `hydrascope repair` (the Repair… button) copies what is sound \
             into a new case",
            path.display(),
            crate::base::text::terminal_safe(&first.message),
            match report.findings.len() {
                1 => String::new(),
                n => format!(", and {} more problems", n - 1),
            }
        ));
    }
    crate::base::paths::remember_known_case_if_unchanged(path, token);
    Ok(())
}

/// Where a repair of `source` is written: `<stem>-repaired.hcase` beside
/// it, or `<stem>-repaired-2.hcase` and so on when that exists.
pub fn repaired_path(source: &Path) -> PathBuf {
    let stem = source
        .file_stem()
        .map_or_else(|| "case".to_string(), |s| s.to_string_lossy().into_owned());
    let dir = source.parent().unwrap_or(Path::new("."));
    (1..)
        .map(|n| match n {
            1 => dir.join(format!("{stem}-repaired.hcase")),
            n => dir.join(format!("{stem}-repaired-{n}.hcase")),
        })
        .find(|p| !p.exists())
        .unwrap_or_else(|| dir.join(format!("{stem}-repaired.hcase")))
}

/// The window over a refused case.
pub struct RepairWindow {
    source: PathBuf,
    message: String,
    out: PathBuf,
    job: Option<Receiver<Result<RepairReport, String>>>,
    outcome: Option<Result<RepairReport, String>>,
}

impl RepairWindow {
    /// The window for `source`, whose opening failed with `message`, when
    /// a repair can help (a refusal or damage that names `hydrascope
    /// repair`); `None` otherwise.
    pub fn for_refusal(source: Option<&Path>, message: &str) -> Option<Self> {
        let source = source?;
        if !message.contains("hydrascope repair") {
            return None;
        }
        Some(Self {
            source: source.to_path_buf(),
            message: message.to_string(),
            out: repaired_path(source),
            job: None,
            outcome: None,
        })
    }

    /// Where the repair writes.
    pub fn out(&self) -> &Path {
        &self.out
    }

    /// Starts the repair on a thread (once); `ctx` is asked to repaint when
    /// it is done.
    pub fn start(&mut self, ctx: &egui::Context) {
        if self.job.is_some() || self.outcome.is_some() {
            return;
        }
        let (source, out, ctx) = (self.source.clone(), self.out.clone(), ctx.clone());
        self.job = Some(super::background::run(
            "case-repair",
            move || ctx.request_repaint(),
            Err,
            move || {
                let result = repair_case(&source, &out, false).map_err(|e| e.to_string());
                if result.is_ok() {
                    remember_verified(&out);
                }
                result
            },
        ));
    }

    /// Takes the repair's result when it has come; whether it is done.
    pub fn poll(&mut self) -> bool {
        if let Some(job) = &self.job {
            match job.try_recv() {
                Ok(result) => {
                    self.outcome = Some(result);
                    self.job = None;
                }
                Err(mpsc::TryRecvError::Empty) => {}
                Err(mpsc::TryRecvError::Disconnected) => {
                    self.outcome = Some(Err("the repair stopped unexpectedly".into()));
                    self.job = None;
                }
            }
        }
        self.outcome.is_some()
    }

    /// What the repair did, once done.
    pub fn outcome(&self) -> Option<&Result<RepairReport, String>> {
        self.outcome.as_ref()
    }

    /// Draws the window; returns a command (open the repaired case) and
    /// whether it stays open.
    pub fn ui(&mut self, ctx: &egui::Context) -> (Option<Command>, bool) {
        self.poll();
        let mut open = true;
        let mut command = None;
        egui::Window::new("Case refused")
            // Below the menu, in the middle: never over the menu bar.
            .anchor(egui::Align2::CENTER_TOP, [0.0, 60.0])
            .collapsible(false)
            .resizable(true)
            .default_width(520.0)
            .open(&mut open)
            .show(ctx, |ui| {
                ui.label(egui::RichText::new(&self.message).color(ui.visuals().error_fg_color));
                ui.separator();
                ui.label(
                    "Repair copies Hydrascope's own tables and the rows that pass every check \
                     into a new case; nothing of anyone else's (triggers, views, other tables) \
                     comes along, and this file is only read",
                );
                ui.label(format!("New case: {}", self.out.display()));
                match &self.outcome {
                    None if self.job.is_some() => {
                        ui.horizontal(|ui| {
                            ui.spinner();
                            ui.label("Repairing…");
                        });
                    }
                    None => {
                        if ui
                            .button("Repair…")
                            .on_hover_text(format!(
                                "hydrascope repair {} --out {}",
                                self.source.display(),
                                self.out.display()
                            ))
                            .clicked()
                        {
                            self.start(ctx);
                        }
                    }
                    Some(Ok(report)) => {
                        for object in &report.objects {
                            ui.label(format!("Left out: {object}"));
                        }
                        for (table, rows) in &report.dropped {
                            ui.label(format!("Dropped {rows} row(s) of {table}"));
                        }
                        if ui.button("Open the repaired case").clicked() {
                            command = Some(Command::OpenCase(report.path.clone()));
                        }
                    }
                    Some(Err(err)) => {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            format!("Repair failed: {err}"),
                        );
                    }
                }
            });
        if command.is_some() {
            open = false;
        }
        (command, open)
    }
}
