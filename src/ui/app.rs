//! The app shell: what the analyst is looking at (the open case), the worker
//! that opens cases off the UI thread, file drops, and the panel layout.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};

use super::cluster_table::ClusterTable;
use super::inspector::Inspector;
use super::summary_panel::SummaryPanel;
use super::timeline::Timeline;
use crate::case::analysis_store::StoredCluster;
use crate::case::{Case, CaseSummary};
use crate::generate::{GenerateOptions, Scenario};
use crate::import::Progress;
use crate::logs::Format;
use crate::paths;

/// What a panel asks the shell to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Open a case file.
    OpenCase(PathBuf),
    /// Select a cluster by id: the table highlights it, the inspector shows it.
    SelectCluster(String),
}

/// The state of the case being shown.
enum CaseState {
    Loading {
        path: Option<PathBuf>,
        progress: Arc<Progress>,
        result: Receiver<Result<Loaded, String>>,
    },
    Loaded(Box<Loaded>),
    Failed {
        message: String,
    },
}

/// An opened case, ready to draw.
pub struct Loaded {
    /// Where it is.
    pub path: PathBuf,
    /// Its summary.
    pub summary: CaseSummary,
    /// The stored analysis: clusters highest score first, or `None` if the
    /// case was never analysed.
    pub clusters: Option<Vec<StoredCluster>>,
    /// Account ids by account index, for naming cluster members.
    pub account_ids: Vec<String>,
}

/// The workbench application.
pub struct App {
    ctx: egui::Context,
    case: CaseState,
    /// The selected cluster's id.
    selected_cluster: Option<String>,
    summary_panel: SummaryPanel,
    cluster_table: ClusterTable,
    inspector: Inspector,
    timeline: Timeline,
    commands: Vec<Command>,
}

impl App {
    /// Starts opening `case` (or the last / demo case) in the background.
    pub fn new(ctx: egui::Context, case: Option<PathBuf>) -> Self {
        let case = start_loading(&ctx, case);
        Self {
            ctx,
            case,
            selected_cluster: None,
            summary_panel: SummaryPanel::default(),
            cluster_table: ClusterTable::default(),
            inspector: Inspector::default(),
            timeline: Timeline::default(),
            commands: Vec::new(),
        }
    }

    /// Whether a case is open and drawn (for tests).
    pub fn loaded(&self) -> Option<&Loaded> {
        match &self.case {
            CaseState::Loaded(loaded) => Some(loaded),
            _ => None,
        }
    }

    /// The error shown instead of a case, if any (for tests).
    pub fn failure(&self) -> Option<&str> {
        match &self.case {
            CaseState::Failed { message } => Some(message),
            _ => None,
        }
    }

    fn poll_loading(&mut self) {
        if let CaseState::Loading { result, .. } = &self.case {
            match result.try_recv() {
                Ok(Ok(loaded)) => {
                    paths::remember_last_case(&loaded.path);
                    self.case = CaseState::Loaded(Box::new(loaded));
                }
                Ok(Err(message)) => self.case = CaseState::Failed { message },
                Err(mpsc::TryRecvError::Empty) => {}
                Err(mpsc::TryRecvError::Disconnected) => {
                    self.case = CaseState::Failed {
                        message: "the case loader stopped unexpectedly".into(),
                    }
                }
            }
        }
    }

    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        for path in dropped {
            if path.extension().is_some_and(|e| e == "hcase") {
                self.commands.push(Command::OpenCase(path));
            } else {
                self.case = CaseState::Failed {
                    message: format!(
                        "{}: drop a Hydrascope case file (.hcase) to open it",
                        path.display()
                    ),
                };
            }
        }
    }

    fn apply_commands(&mut self) {
        for command in std::mem::take(&mut self.commands) {
            match command {
                Command::OpenCase(path) => {
                    self.selected_cluster = None;
                    self.case = start_loading(&self.ctx, Some(path));
                }
                Command::SelectCluster(id) => self.selected_cluster = Some(id),
            }
        }
    }

    fn status_ui(&self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| match &self.case {
            CaseState::Loading { path, progress, .. } => {
                ui.spinner();
                let what = path
                    .as_ref()
                    .map_or("the demo case".to_string(), |p| p.display().to_string());
                ui.label(format!("Opening {what}: {}", progress.phase()));
            }
            CaseState::Loaded(loaded) => {
                ui.label(egui::RichText::new(loaded.path.display().to_string()).monospace());
            }
            CaseState::Failed { message } => {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
        });
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let ctx = ui.ctx().clone();
        self.poll_loading();
        self.handle_dropped_files(&ctx);
        if matches!(self.case, CaseState::Loading { .. }) {
            ctx.request_repaint_after(std::time::Duration::from_millis(100));
        }
        egui::Panel::top("menu").show(ui, |ui| {
            egui::MenuBar::new().ui(ui, |ui| {
                ui.menu_button("Case", |ui| {
                    if ui.button("Open the demo case").clicked() {
                        self.commands
                            .push(Command::OpenCase(paths::demo_case_path()));
                    }
                    ui.label("Drop a .hcase file on the window to open it");
                });
                ui.separator();
                self.status_ui(ui);
            });
        });
        match &self.case {
            CaseState::Loaded(loaded) => {
                let selected = self.selected_cluster.as_deref();
                egui::Panel::left("summary")
                    .resizable(true)
                    .default_size(340.0)
                    .show(ui, |ui| {
                        if let Some(command) = self.summary_panel.ui(ui, loaded) {
                            self.commands.push(command);
                        }
                    });
                egui::Panel::right("inspector")
                    .resizable(true)
                    .default_size(380.0)
                    .show(ui, |ui| {
                        self.inspector.ui(ui, loaded, selected);
                    });
                egui::Panel::bottom("timeline")
                    .resizable(true)
                    .default_size(190.0)
                    .show(ui, |ui| {
                        self.timeline.ui(ui, loaded);
                    });
                egui::CentralPanel::default().show(ui, |ui| {
                    if let Some(command) = self.cluster_table.ui(ui, loaded, selected) {
                        self.commands.push(command);
                    }
                });
            }
            CaseState::Loading { .. } => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.centered_and_justified(|ui| ui.spinner());
                });
            }
            CaseState::Failed { message } => {
                let message = message.clone();
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.centered_and_justified(|ui| {
                        ui.colored_label(ui.visuals().error_fg_color, message);
                    });
                });
            }
        }
        self.apply_commands();
    }
}

fn start_loading(ctx: &egui::Context, path: Option<PathBuf>) -> CaseState {
    let (sender, result) = mpsc::channel();
    let progress = Arc::new(Progress::default());
    let worker_progress = progress.clone();
    let ctx = ctx.clone();
    let requested = path.clone();
    let spawned = std::thread::Builder::new()
        .name("case-loader".into())
        .spawn(move || {
            let loaded = load_case(requested, &worker_progress);
            let _ = sender.send(loaded);
            ctx.request_repaint();
        });
    match spawned {
        Ok(_) => CaseState::Loading {
            path,
            progress,
            result,
        },
        Err(err) => CaseState::Failed {
            message: format!("could not start the case loader: {err}"),
        },
    }
}

/// Opens `path`, or the last case, or the demo case (generating it first).
fn load_case(path: Option<PathBuf>, progress: &Progress) -> Result<Loaded, String> {
    let path = match path.or_else(paths::last_case) {
        Some(path) => path,
        None => ensure_demo_case(progress)?,
    };
    progress.set_phase("reading summary");
    let case = Case::open(&path).map_err(|e| e.to_string())?;
    let summary = case.summary().map_err(|e| e.to_string())?;
    progress.set_phase("reading clusters");
    let clusters = case.stored_clusters().map_err(|e| e.to_string())?;
    let account_ids = case.account_ids().map_err(|e| e.to_string())?;
    Ok(Loaded {
        path,
        summary,
        clusters,
        account_ids,
    })
}

/// The demo case, generated into the data directory on first use.
pub fn ensure_demo_case(progress: &Progress) -> Result<PathBuf, String> {
    let path = paths::demo_case_path();
    if path.is_file() {
        return Ok(path);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    progress.set_phase("generating the demo case (first run)");
    let options = GenerateOptions {
        scenario: Scenario::Demo,
        seed: paths::DEMO_SEED,
        format: Format::Jsonl,
        gzip: false,
        force: true,
    };
    crate::generate::generate(&path, &options, progress).map_err(|e| e.to_string())?;
    // The demo shows what the tool concludes from the start.
    progress.set_phase("analysing the demo case");
    let case = Case::open(&path).map_err(|e| e.to_string())?;
    crate::analysis::analyze_case(&case, &crate::analysis::Params::default())
        .map_err(|e| e.to_string())?;
    Ok(path)
}
