//! The app shell: lays the panels, views and dialogs out and applies the
//! [`Command`]s they return in one place ([`App::apply`]), the only code
//! that changes the [`AppState`]. It holds no domain logic: cases are read
//! off the UI thread, queries go to the worker, layout, analysis and
//! sharing to jobs, tags and edits to the case-work writer, search and the
//! demo case to the library; it keeps this session's undo and redo stacks.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use super::app_state::AppState;
use super::campaign_table::{CampaignTable, CampaignTableInput};
use super::cluster_table::{ClusterTable, ClusterTableInput};
use super::command::Command;
use super::conflicts_window::ConflictsWindow;
use super::dialog::DialogOutcome;
use super::file_dialogs;
use super::filter_panel::{FilterInput, FilterPanel};
use super::history_panel::{HistoryInput, HistoryPanel};
use super::inspector::{Inspector, InspectorInput, WhyAnswer};
use super::jobs::{
    AnalysisJob, AnalysisOutcome, CaseworkJob, CaseworkRequest, CaseworkUpdate, External,
    LayoutJob, LayoutUpdate, PreparedCache, ShareDone, ShareJob, ShareJobRequest,
};
use super::menu::{self, MenuState};
use super::navigation::{Navigation, Selected};
use super::panel::Panel;
use super::rerun_dialog::RerunDialog;
use super::share_dialog::{ShareDialog, ShareKind, ShareRequest};
use super::summary_panel::SummaryPanel;
use super::tag_dialog::{TagDialog, TagDialogOutcome};
use super::worker::{Answer, Query, Worker};
use crate::analysis::Params;
use crate::analysis::layout::LayoutStage;
use crate::base::Progress;
use crate::base::paths;
use crate::case::casework::{AuditEntry, Origin, Who};
use crate::case::merge::{ConflictStatus, MergeConflict};
use crate::case::workbench::AccountLink;
use crate::render::{CAPTION_HEIGHT, PictureSize, ViewKind, ViewPicture};
use crate::views::graph_view::{GraphInput, GraphView};
use crate::views::model::{Loaded, NO_CLUSTER};
use crate::views::palette;
use crate::views::series::SelectionSeries;
use crate::views::state::{BottomTab, CaseView, ViewSettings};
use crate::views::timeline::{Timeline, TimelineInput};

/// How the app is started.
#[derive(Clone, Debug, Default)]
pub struct AppOptions {
    /// The case to open (else the last one, else the demo case).
    pub case: Option<PathBuf>,
    /// Remember opened cases in the recent list (off in tests).
    pub remember: bool,
    /// View settings to start from.
    pub settings: ViewSettings,
}

/// The state of the case being shown.
enum CaseState {
    Loading {
        path: Option<PathBuf>,
        progress: Arc<Progress>,
        result: Receiver<Result<Loaded, String>>,
    },
    /// Shared with picture jobs, so saving a view copies nothing on the UI
    /// thread; case work changes it copy-on-write.
    Loaded(Arc<Loaded>),
    Failed {
        message: String,
    },
}

/// Latest ticket of each kind of query, so stale answers are dropped.
#[derive(Default)]
struct Tickets {
    selection: u64,
    networks: u64,
    journeys: u64,
    account: u64,
    active: u64,
    why: u64,
}

/// The work running off the UI thread, and what it keeps between runs.
#[derive(Default)]
struct Jobs {
    worker: Option<Worker>,
    tickets: Tickets,
    layout: Option<LayoutJob>,
    layout_stage: Option<LayoutStage>,
    analysis: Option<AnalysisJob>,
    /// The facts and evidence graph of the last re-run, for the next.
    prepared: PreparedCache,
    casework: Option<CaseworkJob>,
    /// Requests sent to the case-work writer and not answered yet.
    casework_pending: usize,
    share: Option<ShareJob>,
}

/// What is read or computed for the view and kept until it changes.
#[derive(Default)]
struct Caches {
    selection_series: Option<SelectionSeries>,
    account_links: Option<(u32, Vec<AccountLink>)>,
    /// The last "Why related to…" question and its answer.
    why: Option<WhyAnswer>,
    /// The Networks tab's columns, what they were made from, and the
    /// matrix once read.
    networks: Option<NetworksCache>,
    /// The journeys asked for, and the answer.
    journeys: Option<JourneysCache>,
    positions: Arc<Vec<[f32; 2]>>,
    positions_version: u64,
}

/// The journeys of the selection, and what they were asked for.
struct JourneysCache {
    /// The selection and the account in focus.
    key: (Vec<u32>, Option<u32>),
    /// The answer, once read.
    journeys: Option<crate::views::journey::Journeys>,
}

/// The Networks tab's columns and matrix, and what they were made from
/// (the axis, the selection, the case's campaigns).
struct NetworksCache {
    key: (crate::views::networks::Axis, Vec<u32>, Vec<String>),
    columns: Vec<crate::views::networks::NetworkColumn>,
    matrix: Option<crate::views::networks::Matrix>,
}

/// The docked panels and the views, each with its own state.
#[derive(Default)]
struct Panels {
    summary: SummaryPanel,
    filter: FilterPanel,
    campaigns: CampaignTable,
    clusters: ClusterTable,
    inspector: Inspector,
    timeline: Timeline,
    graph: GraphView,
    history: HistoryPanel,
    playback: super::playback::Playback,
    journeys: super::journey_panel::JourneyPanel,
    networks: super::networks_panel::NetworksPanel,
    notes: super::notes_panel::NotesPanel,
}

/// The dialogs and windows open, and the system dialogs waited for.
#[derive(Default)]
struct Dialogs {
    tag: Option<TagDialog>,
    export: Option<Receiver<Result<PathBuf, String>>>,
    share: Option<ShareDialog>,
    conflicts: Option<ConflictsWindow>,
    repair: Option<super::repair_window::RepairWindow>,
    /// A case dropped on the window, waiting for the analyst's answer.
    dropped_case: Option<PathBuf>,
    /// A folder of logs dropped on an open case, waiting for the answer.
    dropped_logs: Option<PathBuf>,
    open: Option<Receiver<Option<PathBuf>>>,
    rerun: Option<RerunDialog>,
}

/// The workbench application.
pub struct App {
    ctx: egui::Context,
    options: AppOptions,
    case: CaseState,
    /// What the analyst is looking at; only [`App::apply`] changes it.
    state: AppState,
    /// Bumped whenever `state` or the loaded case change (the graph's
    /// cache key).
    revision: u64,
    commands: Vec<Command>,
    /// The audit log, oldest first.
    history: Vec<AuditEntry>,
    /// This session's actions that can be undone (audit ids), newest last.
    undo_stack: Vec<i64>,
    /// Undos that can be redone (their audit ids), newest last.
    redo_stack: Vec<i64>,
    /// Merge conflicts of the open case, open and resolved.
    conflicts: Vec<MergeConflict>,
    status: Option<String>,
    recent: Vec<PathBuf>,
    opened_at: Instant,
    first_frame: Option<Duration>,
    /// Back and Forward through the selections.
    navigation: Navigation,
    /// The docked panels and the views, each with its own state.
    panels: Panels,
    /// The dialogs and windows open, and the system dialogs waited for.
    dialogs: Dialogs,
    /// The work running off the UI thread, and what it keeps between runs.
    jobs: Jobs,
    /// What is read or computed for the view and kept until it changes.
    caches: Caches,
}

impl App {
    /// Starts opening the case of `options` (or the last / demo case) in
    /// the background.
    pub fn new(ctx: egui::Context, options: AppOptions) -> Self {
        let case = start_loading(&ctx, options.case.clone());
        Self {
            ctx,
            state: AppState {
                settings: options.settings.clone(),
                view: CaseView::default(),
            },
            recent: if options.remember {
                paths::recent_cases()
            } else {
                Vec::new()
            },
            options,
            case,
            revision: 1,
            commands: Vec::new(),
            history: Vec::new(),
            undo_stack: Vec::new(),
            redo_stack: Vec::new(),
            conflicts: Vec::new(),
            status: None,
            opened_at: Instant::now(),
            first_frame: None,
            navigation: Navigation::default(),
            panels: Panels::default(),
            dialogs: Dialogs::default(),
            jobs: Jobs::default(),
            caches: Caches::default(),
        }
    }

    /// The open case, once loaded.
    pub fn loaded(&self) -> Option<&Loaded> {
        match &self.case {
            CaseState::Loaded(loaded) => Some(loaded),
            _ => None,
        }
    }

    /// The error shown instead of a case, if any.
    pub fn failure(&self) -> Option<&str> {
        match &self.case {
            CaseState::Failed { message } => Some(message),
            _ => None,
        }
    }

    /// The last message in the status bar, if any.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// Selection, filters and time range of the open case.
    pub fn view(&self) -> &CaseView {
        &self.state.view
    }

    /// The view settings.
    pub fn settings(&self) -> &ViewSettings {
        &self.state.settings
    }

    /// Whether the graph has positions for every account.
    pub fn has_layout(&self) -> bool {
        self.loaded().is_some_and(|l| {
            !l.accounts.is_empty() && self.caches.positions.len() == l.accounts.len()
        })
    }

    /// Whether a layout, analysis or query is still under way.
    pub fn busy(&self) -> bool {
        self.jobs.layout.is_some()
            || self.jobs.analysis.is_some()
            || self.jobs.share.is_some()
            || self.jobs.casework_pending > 0
            || (self.selection_accounts().is_some() && self.caches.selection_series.is_none())
            || self
                .caches
                .journeys
                .as_ref()
                .is_some_and(|c| c.journeys.is_none())
            || self
                .caches
                .networks
                .as_ref()
                .is_some_and(|c| c.matrix.is_none())
            || (self.state.view.account.is_some() && self.caches.account_links.is_none())
            || (self.state.view.time_range.is_some() && self.state.view.active_in_range.is_none())
    }

    /// Where the graph was drawn last (points).
    pub fn graph_rect(&self) -> Option<egui::Rect> {
        self.panels.graph.last_rect
    }

    /// Merge conflicts of the open case, open and resolved.
    pub fn conflicts(&self) -> &[MergeConflict] {
        &self.conflicts
    }

    /// Time from starting to open the case to its first drawn frame.
    pub fn first_frame(&self) -> Option<Duration> {
        self.first_frame
    }

    /// Milliseconds the graph's last mesh build took.
    pub fn graph_build_ms(&self) -> f32 {
        self.panels.graph.last_build_ms
    }

    /// The graph panel as last drawn (its campaign names and outlines).
    pub fn graph_view(&self) -> &GraphView {
        &self.panels.graph
    }

    /// Graph positions by account index (world units), as drawn.
    pub fn positions(&self) -> &[[f32; 2]] {
        &self.caches.positions
    }

    /// The Networks tab's matrix, once read (for tests).
    pub fn networks_matrix(&self) -> Option<&crate::views::networks::Matrix> {
        self.caches
            .networks
            .as_ref()
            .and_then(|c| c.matrix.as_ref())
    }

    /// The last "Why related to…" question and, once answered, its chains.
    pub fn why_answer(&self) -> Option<&WhyAnswer> {
        self.caches.why.as_ref()
    }

    /// The audit log as last read, oldest first.
    pub fn history(&self) -> &[AuditEntry] {
        &self.history
    }

    /// The open Tag dialog, if any.
    pub fn tag_dialog_mut(&mut self) -> Option<&mut TagDialog> {
        self.dialogs.tag.as_mut()
    }

    /// Queues a command as if a panel had given it.
    pub fn push_command(&mut self, command: Command) {
        self.commands.push(command);
    }

    /// The accounts the timelines and mixes describe, and the stored
    /// cluster they are, if any.
    fn selection_accounts(&self) -> Option<(Vec<u32>, Option<usize>)> {
        let loaded = self.loaded()?;
        if !self.state.view.accounts.is_empty() {
            return Some((self.state.view.accounts.clone(), None));
        }
        if let Some(c) = self
            .state
            .view
            .cluster
            .and_then(|c| loaded.clusters.get(c).map(|x| (c, x)))
        {
            return Some((c.1.members.clone(), Some(c.0)));
        }
        if let Some(k) = self
            .state
            .view
            .campaign
            .filter(|&k| k < loaded.campaigns.len())
        {
            return Some((loaded.campaign_members(k).to_vec(), None));
        }
        self.state.view.account.map(|a| (vec![a], None))
    }

    fn selection_label(&self) -> Option<String> {
        let loaded = self.loaded()?;
        let (accounts, cluster) = self.selection_accounts()?;
        if self.state.view.accounts.is_empty()
            && self.state.view.cluster.is_none()
            && let Some(k) = self.state.view.campaign
        {
            return Some(loaded.campaign_label(k));
        }
        Some(match cluster.filter(|&c| c < loaded.clusters.len()) {
            Some(i) => loaded.cluster_label(i),
            None if accounts.len() == 1 => {
                format!("account {}", loaded.account_name(accounts[0]))
            }
            None => format!("{} selected accounts", accounts.len()),
        })
    }

    fn poll(&mut self) {
        if let CaseState::Loading { path, result, .. } = &self.case {
            match result.try_recv() {
                Ok(Ok(loaded)) => self.on_loaded(loaded),
                Ok(Err(message)) => {
                    // The loader opens the case opened last when none was named.
                    let source = path.clone().or_else(crate::base::paths::last_case);
                    self.dialogs.repair = super::repair_window::RepairWindow::for_refusal(
                        source.as_deref(),
                        &message,
                    );
                    self.case = CaseState::Failed { message };
                }
                Err(mpsc::TryRecvError::Empty) => {}
                Err(mpsc::TryRecvError::Disconnected) => {
                    self.case = CaseState::Failed {
                        message: "the case loader stopped unexpectedly".into(),
                    }
                }
            }
        }
        if let Some(worker) = &self.jobs.worker {
            for (ticket, answer) in worker.answers() {
                self.on_answer(ticket, answer);
            }
        }
        let mut layout_done = false;
        if let Some(job) = &self.jobs.layout {
            for update in job.updates.try_iter() {
                match update {
                    LayoutUpdate::Progress(stage, positions) => {
                        let first = self.caches.positions.is_empty();
                        self.caches.positions = positions;
                        self.caches.positions_version += 1;
                        self.jobs.layout_stage = Some(stage);
                        if first {
                            self.panels.graph.request_fit(Vec::new());
                        }
                    }
                    LayoutUpdate::Done(positions, stored) => {
                        self.caches.positions = positions;
                        self.caches.positions_version += 1;
                        layout_done = true;
                        if let Err(err) = stored {
                            self.status = Some(format!("layout not saved in the case: {err}"));
                        }
                    }
                }
            }
        }
        if layout_done {
            self.jobs.layout = None;
            self.jobs.layout_stage = None;
            self.panels.graph.request_fit(Vec::new());
        }
        let analysis_outcome = self.jobs.analysis.as_ref().and_then(|job| {
            match job.result.try_recv() {
                Ok(outcome) => Some(outcome),
                Err(mpsc::TryRecvError::Empty) => None,
                // The thread ended without a word (it panicked).
                Err(mpsc::TryRecvError::Disconnected) => Some(AnalysisOutcome::Failed(
                    "the analysis stopped unexpectedly; the case still holds the earlier run"
                        .into(),
                )),
            }
        });
        if let Some(job) = &self.jobs.analysis
            && let Some(outcome) = analysis_outcome
        {
            let secs = job.started.elapsed().as_secs_f64();
            self.jobs.analysis = None;
            match outcome {
                AnalysisOutcome::Done(summary) => {
                    self.status = Some(format!("Analysis done in {secs:.1} s: {summary}"));
                    if let Some(path) = self.loaded().map(|l| l.path.clone()) {
                        self.commands.push(Command::OpenCase(path));
                    }
                }
                AnalysisOutcome::Cancelled => {
                    self.status =
                        Some("Analysis cancelled; the case still holds the earlier run".into());
                }
                AnalysisOutcome::Failed(err) => {
                    self.status = Some(format!("Analysis failed: {err}"));
                }
            }
        }
        self.poll_casework();
        let share_result = match &self.jobs.share {
            Some(job) => match job.result.try_recv() {
                Ok(result) => Some(result),
                Err(mpsc::TryRecvError::Empty) => None,
                Err(mpsc::TryRecvError::Disconnected) => {
                    Some(Err("the writing thread stopped unexpectedly".to_string()))
                }
            },
            None => None,
        };
        if let Some(result) = share_result {
            self.jobs.share = None;
            if matches!(result, Ok(ShareDone::Appended(_)))
                && let Some(path) = self.loaded().map(|l| l.path.clone())
            {
                // The case's data changed: read it again.
                self.commands.push(Command::OpenCase(path));
            }
            self.status = Some(match result {
                Ok(ShareDone::Saved(message)) | Ok(ShareDone::Appended(message)) => message,
                Ok(ShareDone::Copied(image)) => {
                    let [w, h] = image.size;
                    self.ctx.copy_image(image);
                    format!("Copied the view ({w} x {h} px) to the clipboard")
                }
                Err(message) => format!("Not saved: {message}"),
            });
        }
        if let Some(dialog) = &self.dialogs.export
            && let Ok(result) = dialog.try_recv()
        {
            self.dialogs.export = None;
            self.status = Some(match result {
                Ok(path) => format!("History exported to {}", path.display()),
                Err(message) => message,
            });
        }
        if let Some(dialog) = &self.dialogs.open {
            match dialog.try_recv() {
                Ok(Some(path)) => {
                    self.dialogs.open = None;
                    self.commands.push(Command::OpenCase(path));
                }
                Ok(None) | Err(mpsc::TryRecvError::Disconnected) => {
                    self.dialogs.open = None;
                    self.status = Some(
                        "No file chosen. If no dialog appeared, this desktop has no file-dialog portal: \
                         drop the .hcase on the window or run `hydrascope open CASE`"
                            .into(),
                    );
                }
                Err(mpsc::TryRecvError::Empty) => {}
            }
        }
    }

    fn on_loaded(&mut self, loaded: Loaded) {
        if self.options.remember {
            paths::remember_case(&loaded.path);
            self.recent = paths::recent_cases();
        }
        let ctx = self.ctx.clone();
        self.jobs.worker = Some(Worker::start(
            loaded.path.clone(),
            loaded.accounts.len(),
            move || ctx.request_repaint(),
        ));
        self.state.view = CaseView::default();
        self.caches.selection_series = None;
        // Read from the case as it was: asked again of the new one.
        self.caches.journeys = None;
        self.caches.networks = None;
        self.conflicts.clear();
        self.dialogs.conflicts = None;
        self.dialogs.share = None;
        self.caches.account_links = None;
        // Chains name account indices of the case they were read from.
        self.caches.why = None;
        self.jobs.layout = None;
        self.jobs.layout_stage = None;
        self.revision += 1;
        match &loaded.stored_layout {
            Some(positions) => {
                self.caches.positions = Arc::new(positions.clone());
                self.caches.positions_version += 1;
            }
            None => {
                self.caches.positions = Arc::new(Vec::new());
                self.caches.positions_version += 1;
                if loaded.analysed && !loaded.accounts.is_empty() {
                    self.start_layout(&loaded);
                }
            }
        }
        self.panels.graph = GraphView::default();
        self.undo_stack.clear();
        self.redo_stack.clear();
        self.history.clear();
        self.jobs.casework_pending = 0;
        self.dialogs.tag = None;
        self.jobs.casework = None;
        if loaded.read_only.is_none() {
            let ctx = self.ctx.clone();
            match CaseworkJob::start(loaded.path.clone(), self.who(), move || {
                ctx.request_repaint()
            }) {
                Ok(job) => self.jobs.casework = Some(job),
                Err(err) => self.status = Some(format!("Tags and edits are off: {err}")),
            }
        }
        self.case = CaseState::Loaded(Arc::new(loaded));
    }

    /// The analyst as recorded in the case: the name from the settings,
    /// else the login name.
    fn who(&self) -> Who {
        if self.state.settings.analyst.trim().is_empty() {
            Who::from_env(Origin::Workbench)
        } else {
            Who::named(self.state.settings.analyst.trim(), Origin::Workbench)
        }
    }

    fn poll_casework(&mut self) {
        let Some(job) = &self.jobs.casework else {
            return;
        };
        let updates: Vec<CaseworkUpdate> = job.updates.try_iter().collect();
        for update in updates {
            self.on_casework(update);
        }
    }

    fn on_casework(&mut self, update: CaseworkUpdate) {
        if update.external == Some(External::Analysis) {
            if self.jobs.analysis.is_some() {
                // Our own re-run: its job reloads the case when it is done.
                return;
            }
            self.status = Some(
                "Another analysis was stored in this case (another workbench or the command line): reloading".into(),
            );
            if let Some(path) = self.loaded().map(|l| l.path.clone()) {
                self.commands.push(Command::OpenCase(path));
            }
            return;
        }
        // Whether tags, placements or conflicts differ from what is shown
        // (another writer's export or note changes only the history).
        let casework_changed = match (&update.state, self.loaded()) {
            (Some(state), Some(loaded)) => {
                state.tags != loaded.casework.tags
                    || state.pinned != loaded.casework.pinned
                    || state.edited_clusters.len() != loaded.casework.edited.len()
                    || state
                        .edited_clusters
                        .iter()
                        .any(|c| !loaded.casework.edited.contains(c))
            }
            _ => true,
        } || update
            .conflicts
            .as_ref()
            .is_some_and(|c| *c != self.conflicts);
        if let Some(history) = update.history {
            self.history = history;
        }
        if let Some(conflicts) = update.conflicts {
            let new_open = conflicts
                .iter()
                .filter(|c| c.status == ConflictStatus::Open)
                .any(|c| !self.conflicts.iter().any(|o| o.id == c.id));
            self.conflicts = conflicts;
            if new_open && self.dialogs.conflicts.is_none() {
                self.dialogs.conflicts = Some(ConflictsWindow::default());
            }
        }
        if let Some(error) = &update.read_error {
            self.status = Some(format!("Could not read the case work back: {error}"));
        }
        if let Some((request, outcome)) = update.outcome {
            self.jobs.casework_pending = self.jobs.casework_pending.saturating_sub(1);
            match outcome {
                Ok(recorded) => {
                    match request {
                        CaseworkRequest::Undo(_) => self.redo_stack.push(recorded.audit_id),
                        CaseworkRequest::Redo(_) => self.undo_stack.push(recorded.audit_id),
                        // A merge is undone by removing its tags, not by Ctrl+Z.
                        CaseworkRequest::MergeCase(_) => {}
                        _ => {
                            self.undo_stack.push(recorded.audit_id);
                            self.redo_stack.clear();
                        }
                    }
                    self.status = Some(format!("Saved: {}", recorded.summary));
                }
                Err(failure) => {
                    // An undo that failed for a passing reason (a lock)
                    // stays on its stack; one whose rows someone changed
                    // since can never be done, so the next Ctrl+Z goes on
                    // to the action before it (History still lists both).
                    if !failure.conflict {
                        match request {
                            CaseworkRequest::Undo(id) => self.undo_stack.push(id),
                            CaseworkRequest::Redo(id) => self.redo_stack.push(id),
                            _ => {}
                        }
                    }
                    self.status = Some(format!("Not saved: {}", failure.message));
                }
            }
        } else if update.external == Some(External::Casework) && casework_changed {
            self.status = Some("Tags or edits changed by another writer; showing them".into());
        }
        let selected_id = self
            .state
            .view
            .cluster
            .and_then(|c| Some(self.loaded()?.clusters.get(c)?.id.clone()));
        let membership_changed = update.clusters.is_some();
        if let CaseState::Loaded(loaded) = &mut self.case {
            Arc::make_mut(loaded).apply_casework(update.state, update.clusters);
        }
        if membership_changed {
            // Cluster indices changed: find the selected cluster again.
            let index =
                selected_id.and_then(|id| self.loaded()?.cluster_by_id(&id).map(|(i, _)| i));
            if self.state.view.cluster.is_some() {
                self.state.view.cluster = index;
            }
            self.state.view.focus = None;
            self.ask_selection();
        }
        self.revision += 1;
    }

    /// Runs a sharing request: a merge goes to the case-work writer (one
    /// writer per case), the rest to a thread of their own.
    fn share(&mut self, request: ShareRequest) {
        self.dialogs.share = None;
        match request {
            ShareRequest::Merge { from } => {
                self.status = Some(format!("Merging {}…", from.display()));
                self.send_casework(CaseworkRequest::MergeCase(from));
            }
            ShareRequest::Picture {
                out,
                view,
                scale,
                legend,
            } => {
                match self.view_picture(view, scale) {
                    Some((mut picture, size)) => {
                        picture.legend = legend;
                        self.start_share(ShareJobRequest::Picture {
                        picture: Box::new(picture),
                        view,
                        size,
                        out: Some(out),
                    })
                    }
                    None => {
                        self.status = Some(
                            "Nothing to draw yet: show the view first (the Timelines or Journeys tab for those)"
                                .into(),
                        )
                    }
                }
            }
            other => self.start_share(ShareJobRequest::File(other)),
        }
    }

    fn start_share(&mut self, request: ShareJobRequest) {
        if self.jobs.share.is_some() {
            self.status = Some("Still writing the last file; try again when it is done".into());
            return;
        }
        let Some(path) = self.loaded().map(|l| l.path.clone()) else {
            return;
        };
        let ctx = self.ctx.clone();
        self.status = Some("Writing…".into());
        self.jobs.share = Some(ShareJob::start(path, request, self.who(), move || {
            ctx.request_repaint()
        }));
    }

    /// What `view` shows now, as a picture at `scale` times the screen's
    /// resolution, with its size (the view's size on screen plus the
    /// caption strip).
    fn view_picture(&self, view: ViewKind, scale: f32) -> Option<(ViewPicture, PictureSize)> {
        let CaseState::Loaded(shared) = &self.case else {
            return None;
        };
        let loaded: &Loaded = shared;
        let rect = match view {
            ViewKind::Graph => self.panels.graph.last_rect?,
            ViewKind::Timeline => self.panels.timeline.last_rect?,
            ViewKind::Journeys => self.panels.journeys.last_rect?,
            ViewKind::Networks => self.panels.networks.last_rect?,
        };
        let selection = self.selection_accounts();
        let picture = ViewPicture {
            loaded: Arc::clone(shared),
            positions: self.caches.positions.clone(),
            settings: self.state.settings.clone(),
            view: self.state.view.clone(),
            camera: self.panels.graph.camera_view(),
            chart: self.panels.timeline.chart,
            selection: selection.map(|s| s.0).unwrap_or_default(),
            selection_label: self.selection_label(),
            series: self.caches.selection_series.clone(),
            journeys: self
                .caches
                .journeys
                .as_ref()
                .and_then(|c| c.journeys.clone()),
            networks: self
                .caches
                .networks
                .as_ref()
                .and_then(|c| Some((c.columns.clone(), c.matrix.clone()?))),
            case_name: loaded
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            case_fingerprint: String::new(),
            redacted: loaded.redacted.clone(),
            exported_at: crate::base::time::now_for_caption(),
            legend: false,
        };
        let size = PictureSize {
            width: rect.width().max(200.0),
            height: rect.height().max(120.0) + CAPTION_HEIGHT,
            // Pixels per point as chosen, as `hydrascope render --scale`
            // (the dialog shows that command).
            scale,
        };
        Some((picture, size))
    }

    fn sharing_windows_ui(&mut self, ctx: &egui::Context) {
        if let Some(window) = &mut self.dialogs.repair {
            let (command, open) = window.ui(ctx);
            self.commands.extend(command);
            if !open {
                self.dialogs.repair = None;
            }
        }
        if let Some(dialog) = &mut self.dialogs.share {
            match dialog.ui(ctx) {
                DialogOutcome::Open => {}
                DialogOutcome::Closed => self.dialogs.share = None,
                DialogOutcome::Confirmed(request) => {
                    self.dialogs.share = None;
                    self.commands.push(Command::Share(request));
                }
            }
        }
        if let Some(window) = &mut self.dialogs.conflicts {
            let (commands, open) = window.ui(ctx, &self.conflicts, self.jobs.casework.is_some());
            self.commands.extend(commands);
            if !open {
                self.dialogs.conflicts = None;
            }
        }
        if let Some(path) = self.dialogs.dropped_case.clone() {
            match super::dropped_case_window::dropped_case_ui(ctx, &path) {
                DialogOutcome::Open => {}
                DialogOutcome::Closed => self.dialogs.dropped_case = None,
                DialogOutcome::Confirmed(command) => {
                    self.dialogs.dropped_case = None;
                    self.commands.push(command);
                }
            }
        }
        if let Some(path) = self.dialogs.dropped_logs.clone() {
            let case = self.loaded().map(|l| l.path.clone()).unwrap_or_default();
            match super::dropped_case_window::dropped_logs_ui(ctx, &path, &case) {
                DialogOutcome::Open => {}
                DialogOutcome::Closed => self.dialogs.dropped_logs = None,
                DialogOutcome::Confirmed(command) => {
                    self.dialogs.dropped_logs = None;
                    self.commands.push(command);
                }
            }
        }
    }

    fn send_casework(&mut self, request: CaseworkRequest) {
        if self.state.settings.analyst.trim().is_empty() {
            // Recorded under the login name from now on; the Tag dialog
            // asks when nothing is known.
            self.state.settings.analyst = self.who().analyst;
        }
        let Some(job) = &self.jobs.casework else {
            self.status = Some(match self.loaded().and_then(|l| l.read_only.clone()) {
                Some(reason) => format!("Read-only case: {reason}"),
                None => "Tags and edits are off for this case".into(),
            });
            return;
        };
        match job.send(&self.state.settings.analyst, request) {
            Ok(()) => self.jobs.casework_pending += 1,
            Err(err) => self.status = Some(err),
        }
    }

    fn start_layout(&mut self, loaded: &Loaded) {
        self.jobs.layout = Some(layout_job(&self.ctx, loaded));
        self.jobs.layout_stage = Some(LayoutStage::Clusters);
    }

    /// Resolves what the analyst named (an account id, then a cluster id,
    /// then a campaign id) and asks the worker for the chains to it.
    /// The selection grown or trimmed by `how` over the links the graph
    /// shows, selected as a set of accounts (Back returns to the one before).
    fn grow_selection(&mut self, how: crate::views::neighbourhood::Grow) {
        use crate::views::neighbourhood;
        let Some(loaded) = self.loaded() else {
            return;
        };
        let Some(from) = loaded.selected_accounts(&self.state.view) else {
            self.status =
                Some("Select an account, a cluster, a campaign or a box of accounts first".into());
            return;
        };
        let shown = neighbourhood::ShownLinks::new(&loaded.links, &self.state.settings);
        let grown = neighbourhood::grow(&shown, loaded.accounts.len(), &from, how);
        self.status = Some(format!(
            "Selection {}: {} accounts (from {})",
            how.label(),
            crate::base::text::thousands(grown.len() as u64),
            crate::base::text::thousands(from.len() as u64)
        ));
        if grown.is_empty() {
            return;
        }
        self.panels.graph.request_fit(grown.clone());
        self.apply_to_state(Command::SelectAccounts(grown));
    }

    fn find_why(&mut self, from: Vec<u32>, to: String) {
        let Some(loaded) = self.loaded() else {
            return;
        };
        let target: Option<Vec<u32>> = loaded
            .accounts
            .iter()
            .position(|a| a.account_id == to)
            .map(|a| vec![a as u32])
            .or_else(|| loaded.cluster_by_id(&to).map(|(_, c)| c.members.clone()))
            .or_else(|| {
                loaded
                    .campaign_by_id(&to)
                    .map(|(k, _)| loaded.campaign_members(k).to_vec())
            });
        let Some(target) = target else {
            self.status = Some(format!(
                "No account, cluster or campaign “{}” in this case",
                crate::base::text::for_drawing(&to)
            ));
            return;
        };
        if let Some(worker) = &mut self.jobs.worker {
            self.jobs.tickets.why = worker.ask(Query::Why {
                from: from.clone(),
                to: target,
                to_label: to.clone(),
            });
            self.caches.why = Some(WhyAnswer {
                from,
                to,
                chains: None,
            });
        }
    }

    fn on_answer(&mut self, ticket: u64, answer: Answer) {
        match answer {
            Answer::AccountLinks(account, links) => {
                if ticket == self.jobs.tickets.account && self.state.view.account == Some(account) {
                    self.caches.account_links = Some((account, links));
                }
            }
            Answer::Selection(series) => {
                if ticket == self.jobs.tickets.selection {
                    self.caches.selection_series = Some(*series);
                }
            }
            Answer::Networks(matrix) => {
                if ticket == self.jobs.tickets.networks
                    && let Some(cache) = &mut self.caches.networks
                {
                    cache.matrix = Some(*matrix);
                }
            }
            Answer::Journeys(journeys) => {
                if ticket == self.jobs.tickets.journeys
                    && let Some(cache) = &mut self.caches.journeys
                {
                    cache.journeys = Some(*journeys);
                }
            }
            Answer::ActiveBetween(range, active) => {
                if self.state.view.time_range == Some(range) {
                    self.state.view.active_in_range = Some(active);
                    self.revision += 1;
                }
            }
            Answer::RequestIp(ip, found) => {
                if self.state.view.search == ip && !found.is_empty() {
                    let mut hits = self.state.view.search_hits.clone();
                    hits.extend(found);
                    hits.sort_unstable();
                    hits.dedup();
                    self.show_search_hits(hits);
                }
            }
            Answer::Why(to, chains) => {
                if ticket == self.jobs.tickets.why
                    && let Some(why) = &mut self.caches.why
                    && why.to == to
                {
                    // Frame the chains: a path across a campaign is a few
                    // nodes among thousands.
                    let mut shown: Vec<u32> = chains
                        .distinct()
                        .flat_map(|c| c.accounts.iter().copied())
                        .collect();
                    shown.sort_unstable();
                    shown.dedup();
                    if shown.len() >= 2 {
                        self.panels.graph.request_fit(shown);
                    }
                    why.chains = Some(*chains);
                }
            }
            Answer::Failed(message) => {
                if ticket == self.jobs.tickets.why {
                    self.caches.why = None;
                    self.status = Some(format!("Could not find the chains: {message}"));
                }
                // Stop waiting for what failed: the panels show it as empty.
                if ticket == self.jobs.tickets.networks
                    && let Some(cache) = &mut self.caches.networks
                {
                    cache.matrix = Some(crate::views::networks::Matrix {
                        axis: cache.key.0,
                        ..Default::default()
                    });
                }
                if ticket == self.jobs.tickets.journeys
                    && let Some(cache) = &mut self.caches.journeys
                {
                    cache.journeys = Some(crate::views::journey::Journeys {
                        unavailable: Some(message.clone()),
                        ..Default::default()
                    });
                }
                if ticket == self.jobs.tickets.selection {
                    self.caches.selection_series = Some(SelectionSeries::default());
                }
                if ticket == self.jobs.tickets.account
                    && let Some(account) = self.state.view.account
                {
                    self.caches.account_links = Some((account, Vec::new()));
                }
                if ticket == self.jobs.tickets.active {
                    self.state.view.time_range = None;
                    self.state.view.active_in_range = None;
                    self.revision += 1;
                }
                // A journey a case without single exchanges cannot give is
                // said in its tab, not as a failure.
                if ticket != self.jobs.tickets.journeys {
                    self.status = Some(format!("Query failed: {message}"));
                }
            }
        }
    }

    /// Builds the Networks tab's columns (the suspected campaigns, the
    /// selection, everyone else) and asks for the matrix when the tab
    /// shows and they, or the axis, changed. Billing countries are the
    /// accounts' own, in memory: counted here.
    fn ask_networks_if_shown(&mut self) {
        use crate::views::networks::{Axis, matrix};
        if self.state.settings.bottom_tab != BottomTab::Networks {
            return;
        }
        let Some(loaded) = self.loaded() else {
            return;
        };
        let axis = self.panels.networks.axis;
        // The selection, unless it is one campaign (its own column).
        let selection: Vec<u32> = match self.selection_accounts() {
            Some(_)
                if self.state.view.accounts.is_empty()
                    && self.state.view.cluster.is_none()
                    && self.state.view.campaign.is_some() =>
            {
                Vec::new()
            }
            Some((accounts, _)) => accounts,
            None => Vec::new(),
        };
        let suspected: Vec<usize> = (0..loaded.campaigns.len())
            .filter(|&k| loaded.campaigns[k].suspected)
            .collect();
        let ids: Vec<String> = suspected
            .iter()
            .map(|&k| loaded.campaigns[k].id.clone())
            .collect();
        let key = (axis, selection.clone(), ids);
        if self.caches.networks.as_ref().is_some_and(|c| c.key == key) {
            return;
        }
        let (columns, column_of, selection) =
            crate::views::networks::columns_for(loaded, &selection);
        let count = columns.len();
        let ready = (axis == Axis::Country).then(|| {
            matrix(
                axis,
                &Default::default(),
                &loaded.accounts,
                &column_of,
                count,
                (&selection, 0),
            )
        });
        self.caches.networks = Some(NetworksCache {
            key,
            columns,
            matrix: ready.clone(),
        });
        if ready.is_none()
            && let Some(worker) = &mut self.jobs.worker
        {
            self.jobs.tickets.networks = worker.ask(Query::Networks {
                axis,
                column_of,
                columns: count,
                selection,
            });
        }
    }

    /// Asks for the journeys of the selection's accounts (a handful of
    /// them) when the Journeys tab shows and they are not those asked for.
    fn ask_journeys_if_shown(&mut self) {
        if self.state.settings.bottom_tab != BottomTab::Journeys {
            return;
        }
        let Some(loaded) = self.loaded() else {
            return;
        };
        let Some((selection, _)) = self.selection_accounts() else {
            self.caches.journeys = None;
            return;
        };
        // Asked again only when the selection or the focus changed: which
        // accounts of a large selection to show takes a sort, not a
        // frame's work.
        let key = (selection, self.state.view.account);
        if self.caches.journeys.as_ref().is_some_and(|c| c.key == key) {
            return;
        }
        let (accounts, left_out) =
            crate::views::journey::pick_accounts(&key.0, &loaded.accounts, key.1);
        let model_names = loaded.model_names.clone();
        self.caches.journeys = Some(JourneysCache {
            key,
            journeys: None,
        });
        if let Some(worker) = &mut self.jobs.worker {
            self.jobs.tickets.journeys = worker.ask(Query::Journeys {
                accounts,
                left_out,
                model_names,
            });
        }
    }

    fn ask_selection(&mut self) {
        self.caches.selection_series = None;
        let Some((accounts, cluster)) = self.selection_accounts() else {
            return;
        };
        // The stored clusters whose model series to read: the selected
        // cluster, or the selected campaign's (a selection of accounts has
        // none). Clusters of one have no stored series.
        let clusters: Vec<String> = self
            .loaded()
            .map(|l| {
                let indices: Vec<usize> = match (cluster, self.state.view.campaign) {
                    (Some(c), _) => vec![c],
                    (None, Some(k)) if self.state.view.accounts.is_empty() => l
                        .campaign_index
                        .clusters
                        .get(k)
                        .cloned()
                        .unwrap_or_default(),
                    _ => Vec::new(),
                };
                indices
                    .into_iter()
                    .filter_map(|c| l.clusters.get(c))
                    .filter(|c| c.members.len() >= 2)
                    .map(|c| c.id.clone())
                    .collect()
            })
            .unwrap_or_default();
        if let Some(worker) = &mut self.jobs.worker {
            self.jobs.tickets.selection = worker.ask(Query::Selection { accounts, clusters });
        }
    }

    fn show_search_hits(&mut self, hits: Vec<u32>) {
        self.state.view.search_hits = hits.clone();
        match hits.as_slice() {
            [] => {}
            [one] => self.apply(Command::SelectAccount(Some(*one))),
            _ => self.apply(Command::SelectAccounts(hits.clone())),
        }
        if !hits.is_empty() {
            self.panels.graph.request_fit(hits);
        }
        self.revision += 1;
    }

    fn apply_commands(&mut self) {
        while !self.commands.is_empty() {
            for command in std::mem::take(&mut self.commands) {
                self.apply(command);
            }
        }
    }

    fn apply(&mut self, command: Command) {
        // The graph rebuilds its scene when the revision moves: only when
        // what the analyst looks at changed, not on every command.
        let before = self.state.clone();
        // A selection the analyst makes is remembered for Back.
        let selecting = matches!(
            command,
            Command::SelectCampaign(_)
                | Command::SelectCluster(_)
                | Command::SelectAccount(_)
                | Command::SelectAccounts(_)
                | Command::Focus(Some(_))
                | Command::Grow(_)
        );
        let selected_before = selecting.then(|| self.selected());
        self.apply_to_state(command);
        if let Some(old) = selected_before
            && old != self.selected()
        {
            self.navigation.moved_from(old);
        }
        if self.state != before {
            self.revision += 1;
        }
    }

    /// Writes the view shown to the case as `name`.
    fn save_view(&mut self, name: String) {
        let Some(loaded) = self.loaded() else {
            return;
        };
        let (spec, accounts) = crate::views::saved_view::SavedViewSpec::capture(
            loaded,
            &self.state.settings,
            &self.state.view,
            self.panels.graph.camera_view(),
            self.panels.timeline.chart,
        );
        self.send_casework(CaseworkRequest::SaveView {
            name,
            view_json: spec.to_json(),
            accounts,
        });
    }

    /// Shows the saved view `id` again: its settings (the analyst's name
    /// and the bottom tab kept), selection, focus, time window, search, camera and chart. A
    /// step Back returns to the selection before it.
    fn show_view(&mut self, id: i64) {
        let Some(loaded) = self.loaded() else {
            return;
        };
        let Some(saved) = loaded.casework.views.iter().find(|v| v.id == id).cloned() else {
            self.status = Some("That view was removed meanwhile".into());
            return;
        };
        let spec = match crate::views::saved_view::SavedViewSpec::from_json(&saved.view_json) {
            Ok(spec) => spec,
            Err(e) => {
                self.status = Some(format!("Cannot show \"{}\": {e}", saved.name));
                return;
            }
        };
        let resolved = spec.resolve(loaded, &saved.accounts, &saved.name);
        let old = self.selected();
        // The analyst's name and the tab they clicked the view in stay.
        let analyst = std::mem::take(&mut self.state.settings.analyst);
        let tab = self.state.settings.bottom_tab;
        self.state.settings = resolved.settings;
        self.state.settings.analyst = analyst;
        self.state.settings.bottom_tab = tab;
        let time_range = resolved.view.time_range;
        let search = resolved.view.search.clone();
        self.state.view = crate::views::state::CaseView {
            time_range: None,
            search: String::new(),
            ..resolved.view
        };
        self.panels.timeline.chart = resolved.chart;
        match resolved.camera {
            Some((center, scale)) => self.panels.graph.set_camera(center, scale),
            None => self.panels.graph.request_fit(resolved.selection.clone()),
        }
        self.caches.account_links = None;
        if let (Some(a), Some(worker)) = (self.state.view.account, &mut self.jobs.worker) {
            self.jobs.tickets.account = worker.ask(Query::AccountLinks(a));
        }
        self.ask_selection();
        self.apply_to_state(Command::SetTimeRange(time_range));
        if !search.is_empty() {
            self.state.view.search = search.clone();
            self.state.view.search_hits =
                self.loaded().map(|l| l.search(&search)).unwrap_or_default();
        }
        if old != self.selected() {
            self.navigation.moved_from(old);
        }
        self.status = Some(if resolved.missing.is_empty() {
            format!("Showing the view \"{}\"", saved.name)
        } else {
            format!(
                "Showing the view \"{}\"; this case no longer holds its {} (its accounts are selected instead)",
                saved.name,
                resolved.missing.join(", ")
            )
        });
    }

    /// What is selected now, as the selection history keeps it.
    fn selected(&self) -> Selected {
        let view = &self.state.view;
        let Some(loaded) = self.loaded() else {
            return Selected::Nothing;
        };
        if let Some(k) = view.campaign.and_then(|k| loaded.campaigns.get(k)) {
            Selected::Campaign(k.id.clone())
        } else if let Some(a) = view.account {
            Selected::Account(a)
        } else if !view.accounts.is_empty() {
            Selected::Accounts(view.accounts.clone())
        } else if let Some(c) = view.cluster.and_then(|c| loaded.clusters.get(c)) {
            Selected::Cluster(c.id.clone())
        } else {
            Selected::Nothing
        }
    }

    /// Selects `to` again (Back or Forward): the same commands a click
    /// gives, without remembering the step.
    fn reselect(&mut self, to: Selected) {
        let command = match to {
            Selected::Nothing => Command::SelectAccount(None),
            Selected::Campaign(id) => Command::SelectCampaign(Some(id)),
            Selected::Cluster(id) => Command::SelectCluster(
                self.loaded()
                    .and_then(|l| l.cluster_by_id(&id))
                    .map(|(i, _)| i),
            ),
            Selected::Account(a) => Command::SelectAccount(Some(a)),
            Selected::Accounts(list) => Command::SelectAccounts(list),
        };
        self.apply_to_state(command);
    }

    fn apply_to_state(&mut self, command: Command) {
        match command {
            Command::OpenCase(path) => {
                if self.loaded().is_none_or(|l| l.path != path) {
                    // Another case: the last run's facts and graph are of no use.
                    if let Ok(mut prepared) = self.jobs.prepared.lock() {
                        *prepared = None;
                    }
                }
                self.jobs.worker = None;
                self.jobs.casework = None;
                self.jobs.layout = None;
                self.navigation.clear();
                self.opened_at = Instant::now();
                self.first_frame = None;
                self.case = start_loading(&self.ctx, Some(path));
            }
            Command::Back => {
                let here = self.selected();
                if let Some(to) = self.navigation.back(here) {
                    self.reselect(to);
                }
            }
            Command::Forward => {
                let here = self.selected();
                if let Some(to) = self.navigation.forward(here) {
                    self.reselect(to);
                }
            }
            Command::OpenDialog => {
                if self.dialogs.open.is_none() {
                    self.dialogs.open = Some(file_dialogs::spawn_open_dialog(&self.ctx));
                }
            }
            Command::SelectCampaign(id) => {
                let index = id.and_then(|id| self.loaded()?.campaign_by_id(&id).map(|(k, _)| k));
                self.state.view.campaign = index;
                self.state.view.cluster = None;
                self.state.view.account = None;
                self.state.view.accounts.clear();
                if let Some(members) =
                    index.and_then(|k| Some(self.loaded()?.campaign_members(k).to_vec()))
                {
                    self.panels.graph.request_fit(members);
                }
                self.ask_selection();
            }
            Command::SelectCluster(cluster) => {
                self.state.view.campaign = None;
                self.state.view.cluster = cluster;
                self.state.view.account = None;
                self.state.view.accounts.clear();
                if let Some(members) =
                    cluster.and_then(|c| Some(self.loaded()?.clusters.get(c)?.members.clone()))
                {
                    self.panels.graph.request_fit(members);
                }
                self.ask_selection();
            }
            Command::SelectAccount(account) => {
                let before = self.selection_accounts().map(|s| s.0);
                self.state.view.campaign = None;
                self.state.view.account = account;
                self.state.view.accounts.clear();
                self.state.view.cluster = account.and_then(|a| {
                    let c = *self.loaded()?.cluster_of.get(a as usize)?;
                    (c != NO_CLUSTER).then_some(c as usize)
                });
                self.caches.account_links = None;
                if let (Some(a), Some(worker)) = (account, &mut self.jobs.worker) {
                    self.jobs.tickets.account = worker.ask(Query::AccountLinks(a));
                }
                if self.selection_accounts().map(|s| s.0) != before {
                    self.ask_selection();
                }
                if account.is_none() {
                    self.state.view.search_hits.clear();
                }
            }
            Command::SelectAccounts(accounts) => {
                self.state.view.campaign = None;
                self.state.view.accounts = accounts;
                self.state.view.account = None;
                self.state.view.cluster = None;
                self.ask_selection();
            }
            Command::Focus(cluster) => {
                self.state.view.focus = cluster;
                if let Some(c) = cluster {
                    self.apply(Command::SelectCluster(Some(c)));
                } else {
                    self.panels.graph.request_fit(Vec::new());
                }
            }
            Command::SetTimeRange(range) => {
                self.state.view.time_range = range;
                self.state.view.active_in_range = None;
                if let (Some((first, last)), Some(worker)) = (range, &mut self.jobs.worker) {
                    self.jobs.tickets.active = worker.ask(Query::ActiveBetween(first, last));
                }
            }
            Command::Search(text) => {
                self.state.view.search = text.clone();
                let hits = self.loaded().map(|l| l.search(&text)).unwrap_or_default();
                if text.parse::<std::net::IpAddr>().is_ok()
                    && let Some(worker) = &mut self.jobs.worker
                {
                    worker.ask(Query::RequestIp(text.clone()));
                }
                if text.is_empty() {
                    self.state.view.search_hits.clear();
                } else {
                    if hits.is_empty() {
                        self.status = Some(format!(
                            "No account matches “{text}” (request IPs are still being checked)"
                        ));
                    }
                    self.show_search_hits(hits);
                }
            }
            Command::FindWhy { from, to } => self.find_why(from, to),
            Command::Grow(how) => self.grow_selection(how),
            Command::Isolate(on) => self.state.view.isolate = on,
            Command::SaveView(name) => self.save_view(name),
            Command::ShowView(id) => self.show_view(id),
            Command::ClearWhy => {
                self.caches.why = None;
                self.jobs.tickets.why = 0;
            }
            Command::Settings(settings) => self.state.settings = settings,
            Command::Relayout => {
                if let CaseState::Loaded(loaded) = &self.case {
                    self.jobs.layout = Some(layout_job(&self.ctx, loaded));
                    self.jobs.layout_stage = Some(LayoutStage::Clusters);
                }
            }
            Command::CancelLayout => {
                self.jobs.layout = None;
                self.jobs.layout_stage = None;
                self.status =
                    Some("Layout stopped; the graph shows where it got to (not saved)".into());
            }
            Command::CancelAnalysis => {
                if let Some(job) = &self.jobs.analysis {
                    job.cancel();
                }
            }
            Command::CancelOpening => {
                if let CaseState::Loading { progress, .. } = &self.case {
                    progress.cancel();
                }
            }
            Command::RerunAnalysis(params) => {
                // A layout of the old clusters must not land after the new ones.
                self.jobs.layout = None;
                self.jobs.layout_stage = None;
                if let Some(path) = self.loaded().map(|l| l.path.clone()) {
                    let ctx = self.ctx.clone();
                    self.jobs.analysis = Some(AnalysisJob::start(
                        path,
                        params,
                        self.who(),
                        self.jobs.prepared.clone(),
                        move || ctx.request_repaint(),
                    ));
                    self.status = None;
                }
            }
            // One at a time: an undo must name the action that is really last.
            Command::Undo | Command::Redo if self.jobs.casework_pending > 0 => {
                self.status =
                    Some("Still saving the last action; undo and redo wait for it".into());
            }
            Command::Undo => match self.undo_stack.pop() {
                Some(id) => self.send_casework(CaseworkRequest::Undo(id)),
                None => self.status = Some("Nothing to undo in this session".into()),
            },
            Command::Redo => match self.redo_stack.pop() {
                Some(id) => self.send_casework(CaseworkRequest::Redo(id)),
                None => self.status = Some("Nothing to redo".into()),
            },
            Command::OpenTagDialog(target) => {
                self.dialogs.tag = Some(TagDialog::new(target, &self.state.settings.analyst));
            }
            Command::Casework(request) => self.send_casework(request),
            Command::OpenShare(kind) => {
                if let Some(loaded) = self.loaded() {
                    let campaign_clusters = self.state.view.campaign.map(|k| {
                        loaded
                            .campaign_index
                            .clusters
                            .get(k)
                            .into_iter()
                            .flatten()
                            .filter_map(|&c| loaded.clusters.get(c).map(|x| x.id.clone()))
                            .collect::<Vec<String>>()
                    });
                    let selected: Vec<String> = self
                        .state
                        .view
                        .cluster
                        .and_then(|c| loaded.clusters.get(c))
                        .map(|c| vec![c.id.clone()])
                        .or(campaign_clusters)
                        .unwrap_or_default();
                    let view = if self.state.settings.bottom_tab == BottomTab::Timelines
                        && kind == ShareKind::Picture
                        && (self.state.view.cluster.is_some() || self.state.view.campaign.is_some())
                    {
                        ViewKind::Timeline
                    } else if self.state.settings.bottom_tab == BottomTab::Networks
                        && kind == ShareKind::Picture
                    {
                        ViewKind::Networks
                    } else if self.state.settings.bottom_tab == BottomTab::Journeys
                        && kind == ShareKind::Picture
                        && (self.state.view.cluster.is_some() || self.state.view.campaign.is_some())
                    {
                        ViewKind::Journeys
                    } else {
                        ViewKind::Graph
                    };
                    let mut dialog = ShareDialog::new(kind, &loaded.path, &selected, view);
                    dialog.focus = match (self.state.view.campaign, self.state.view.focus) {
                        (Some(k), _) => loaded.campaigns.get(k).map(|c| format!("--campaign {}", c.id)),
                        (None, Some(c)) => loaded.clusters.get(c).map(|c| format!("--cluster {}", c.id)),
                        (None, None) => None,
                    };
                    self.dialogs.share = Some(dialog);
                }
            }
            Command::Share(request) => self.share(request),
            Command::CopyView(view) => match self.view_picture(view, 1.0) {
                Some((picture, size)) => self.start_share(ShareJobRequest::Picture {
                    picture: Box::new(picture),
                    view,
                    size,
                    out: None,
                }),
                None => {
                    self.status = Some(
                        "Nothing to copy yet: show the view first (the Timelines or Journeys tab for those)"
                            .into(),
                    )
                }
            },
            Command::ShowConflicts => self.dialogs.conflicts = Some(ConflictsWindow::default()),
            Command::OpenRerunDialog => {
                if self.loaded().is_some() && self.jobs.analysis.is_none() {
                    self.dialogs.rerun = Some(RerunDialog::new(self.stored_params()));
                }
            }
            Command::ExportHistory(cluster) => {
                if self.dialogs.export.is_none()
                    && let Some(path) = self.loaded().map(|l| l.path.clone())
                {
                    self.dialogs.export =
                        Some(file_dialogs::spawn_export_dialog(&self.ctx, path, cluster));
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
                let current = self.loaded().map(|l| l.path.clone());
                if current.is_some_and(|c| c != path) && self.jobs.casework.is_some() {
                    // Another analyst's case on an open one: open or merge?
                    self.dialogs.dropped_case = Some(path);
                } else {
                    self.commands.push(Command::OpenCase(path));
                }
            } else if path.is_dir() {
                match self.loaded() {
                    Some(loaded) if loaded.read_only.is_none() && self.jobs.casework.is_some() => {
                        self.dialogs.dropped_logs = Some(path);
                    }
                    Some(_) => {
                        self.status = Some(format!(
                            "{}: not appended; this case is read-only",
                            path.display()
                        ));
                    }
                    None => {
                        self.status = Some(format!(
                            "{}: open a case first to append logs to it (or: hydrascope import {} --out NEW.hcase)",
                            path.display(),
                            path.display()
                        ));
                    }
                }
            } else {
                self.status = Some(format!(
                    "{}: not opened; drop a Hydrascope case file (.hcase), or a folder of logs on an open case",
                    path.display()
                ));
            }
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        let open = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O);
        let undo = egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Z);
        let redo = egui::KeyboardShortcut::new(
            egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
            egui::Key::Z,
        );
        // Ctrl+Z in a text field (a tag's notes) undoes typing there, not
        // case work.
        let typing = ctx.egui_wants_keyboard_input() || self.dialogs.tag.is_some();
        // Escape closes an open dialog (it reads the key itself) before it
        // clears the selection.
        let dialog_open = self.dialogs.rerun.is_some();
        ctx.input_mut(|i| {
            if i.consume_shortcut(&open) {
                self.commands.push(Command::OpenDialog);
            }
            if !typing && i.consume_shortcut(&redo) {
                self.commands.push(Command::Redo);
            }
            if !typing && i.consume_shortcut(&undo) {
                self.commands.push(Command::Undo);
            }
            if !dialog_open && i.consume_key(egui::Modifiers::NONE, egui::Key::Escape) {
                self.commands.push(Command::SelectAccount(None));
            }
            // Back and Forward: Alt+arrows, or the mouse's side buttons.
            if (!typing && i.consume_key(egui::Modifiers::ALT, egui::Key::ArrowLeft))
                || i.pointer.button_pressed(egui::PointerButton::Extra1)
            {
                self.commands.push(Command::Back);
            }
            if (!typing && i.consume_key(egui::Modifiers::ALT, egui::Key::ArrowRight))
                || i.pointer.button_pressed(egui::PointerButton::Extra2)
            {
                self.commands.push(Command::Forward);
            }
        });
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui) {
        let state = MenuState {
            recent: &self.recent,
            loaded: self.loaded().is_some(),
            writable: self.jobs.casework.is_some(),
            conflicts: self.conflicts.len(),
            open_conflicts: self
                .conflicts
                .iter()
                .filter(|c| c.status == ConflictStatus::Open)
                .count(),
            sharing: self.jobs.share.is_some(),
            analysing: self.jobs.analysis.is_some(),
            can_relayout: self.has_layout() && self.jobs.layout.is_none(),
            can_back: self.navigation.can_go_back(),
            can_forward: self.navigation.can_go_forward(),
            settings: &self.state.settings,
        };
        let mut commands = menu::bar(ui, &state, |ui| self.status_ui(ui));
        self.commands.append(&mut commands);
    }

    /// The parameters of the stored analysis, to start the dialog from.
    fn stored_params(&self) -> Params {
        self.loaded()
            .and_then(|l| l.params_json.as_deref())
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default()
    }

    /// The status line; a Cancel of the running re-analysis comes back as
    /// its command.
    fn status_ui(&self, ui: &mut egui::Ui) -> Option<Command> {
        let mut command = None;
        match &self.case {
            CaseState::Loading { path, progress, .. } => {
                ui.spinner();
                let what = path
                    .as_ref()
                    .map_or("the demo case".to_string(), |p| p.display().to_string());
                let about = progress.about();
                if about.is_empty() {
                    ui.label(format!("Opening {what}: {}", progress.phase()));
                } else {
                    ui.label(format!("Opening {what} ({about}): {}", progress.phase()));
                }
                if progress.is_cancelled() {
                    ui.label("cancelling…");
                } else if ui
                    .small_button("Cancel")
                    .on_hover_text("Stop opening this case")
                    .clicked()
                {
                    command = Some(Command::CancelOpening);
                }
            }
            CaseState::Loaded(loaded) => {
                let name = loaded.path.file_name().map_or_else(
                    || loaded.path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                ui.label(egui::RichText::new(name).monospace())
                    .on_hover_text(loaded.path.display().to_string());
            }
            CaseState::Failed { message } => {
                ui.colored_label(ui.visuals().error_fg_color, message);
            }
        }
        if let Some(job) = &self.jobs.analysis {
            ui.separator();
            ui.spinner();
            if job.is_cancelling() {
                ui.label(format!(
                    "Cancelling the analysis after: {}",
                    job.progress.phase()
                ));
            } else {
                ui.label(format!(
                    "Re-running the analysis: {} ({:.0} s)",
                    job.progress.phase(),
                    job.started.elapsed().as_secs_f64()
                ));
                if ui
                    .small_button("Cancel")
                    .on_hover_text("Stop the run at the end of this phase; nothing is stored")
                    .clicked()
                {
                    command = Some(Command::CancelAnalysis);
                }
            }
        }
        if let Some(job) = &self.jobs.share {
            ui.separator();
            ui.spinner();
            let phase = job.progress.phase();
            let total = job
                .progress
                .total
                .load(std::sync::atomic::Ordering::Relaxed);
            let done = job.progress.done.load(std::sync::atomic::Ordering::Relaxed);
            ui.label(match (phase.is_empty(), total) {
                (true, _) => "Sharing…".to_string(),
                (false, 0) => format!("Sharing: {phase}"),
                (false, _) => format!("Sharing: {phase} ({done} of {total})"),
            });
        }
        if self.dialogs.open.is_some() {
            ui.separator();
            ui.spinner();
            ui.label("Waiting for the file dialog…");
        }
        if let Some(status) = &self.status {
            ui.separator();
            ui.label(egui::RichText::new(status).weak());
        }
        command
    }

    fn tag_dialog_ui(&mut self, ctx: &egui::Context) {
        let Some(dialog) = &mut self.dialogs.tag else {
            return;
        };
        match dialog.ui(ctx) {
            TagDialogOutcome::Open => {}
            TagDialogOutcome::Cancelled => self.dialogs.tag = None,
            TagDialogOutcome::Save(request, analyst) => {
                self.dialogs.tag = None;
                if analyst != self.state.settings.analyst {
                    self.state.settings.analyst = analyst;
                }
                self.commands.push(Command::Casework(*request));
            }
        }
    }

    fn rerun_dialog_ui(&mut self, ctx: &egui::Context) {
        let Some(dialog) = &mut self.dialogs.rerun else {
            return;
        };
        match dialog.ui(ctx) {
            DialogOutcome::Open => {}
            DialogOutcome::Closed => self.dialogs.rerun = None,
            DialogOutcome::Confirmed(params) => {
                self.dialogs.rerun = None;
                self.commands.push(Command::RerunAnalysis(params));
            }
        }
    }

    /// Draws the whole workbench into `ui` (the window's root).
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.poll();
        self.handle_dropped_files(&ctx);
        self.shortcuts(&ctx);
        if matches!(self.case, CaseState::Loading { .. })
            || self.dialogs.open.is_some()
            || self.jobs.analysis.is_some()
        {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
        egui::Panel::top("menu").show(ui, |ui| self.menu_ui(ui));
        if let Some(reason) = self.loaded().and_then(|l| l.read_only.clone()) {
            egui::Panel::top("read_only_banner").show(ui, |ui| {
                ui.colored_label(
                    palette::RELEASE,
                    format!("Read-only: {reason}. Tags and edits are off; copy the case somewhere writable to work on it"),
                );
            });
        }
        if let Some(key) = self.loaded().and_then(|l| l.redacted.clone()) {
            egui::Panel::top("redacted_banner").show(ui, |ui| {
                ui.colored_label(
                    palette::RELEASE,
                    format!(
                        "Redacted export (key {key}): addresses, cards, domains, organisations, API keys and client \
                         fingerprints are keyed pseudonyms; prompt excerpts were removed"
                    ),
                );
            });
        }
        if let Some((at, from)) = self
            .loaded()
            .filter(|l| l.summary.analysis_predates_append)
            .and_then(|l| l.summary.last_append.clone())
        {
            egui::Panel::top("stale_analysis_banner").show(ui, |ui| {
                ui.horizontal_wrapped(|ui| {
                    ui.colored_label(
                        palette::RELEASE,
                        format!(
                            "Logs were appended after this analysis ({} from {}): the graph, clusters and \
                             campaigns do not see them yet",
                            at.get(..16).unwrap_or(&at).replace('T', " "),
                            from
                        ),
                    );
                    if self.jobs.analysis.is_none() && ui.button("Re-run the analysis…").clicked() {
                        self.commands.push(Command::OpenRerunDialog);
                    }
                });
            });
        }
        self.rerun_dialog_ui(&ctx);
        self.tag_dialog_ui(&ctx);
        self.sharing_windows_ui(&ctx);
        self.ask_journeys_if_shown();
        self.ask_networks_if_shown();
        let CaseState::Loaded(loaded) = &self.case else {
            let message = self.failure().map(str::to_string);
            egui::CentralPanel::default().show(ui, |ui| {
                ui.centered_and_justified(|ui| match message {
                    Some(message) => {
                        ui.colored_label(ui.visuals().error_fg_color, message);
                    }
                    None => {
                        ui.spinner();
                    }
                });
            });
            self.apply_commands();
            return;
        };
        let loaded: &Loaded = loaded;
        let mut commands = Vec::new();
        egui::Panel::left("filters")
            .resizable(true)
            .default_size(290.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    let input = FilterInput {
                        loaded,
                        settings: &self.state.settings,
                        view: &self.state.view,
                    };
                    commands.extend(self.panels.filter.ui(ui, &input));
                    ui.add_space(8.0);
                    egui::CollapsingHeader::new("Case summary")
                        .default_open(true)
                        .show(ui, |ui| commands.extend(self.panels.summary.ui(ui, loaded)));
                });
            });
        let series = self.caches.selection_series.as_ref();
        egui::Panel::right("inspector")
            .resizable(true)
            .default_size(380.0)
            .show(ui, |ui| {
                let input = InspectorInput {
                    loaded,
                    view: &self.state.view,
                    series,
                    account_links: self
                        .caches
                        .account_links
                        .as_ref()
                        .filter(|(a, _)| Some(*a) == self.state.view.account)
                        .map(|(_, l)| l.as_slice()),
                    read_only: self.jobs.casework.is_none(),
                    why: self.caches.why.as_ref(),
                };
                commands.extend(self.panels.inspector.ui(ui, &input));
            });
        let selection = self.selection_accounts();
        let selection_label = self.selection_label();
        egui::Panel::bottom("bottom")
            .resizable(true)
            .default_size(270.0)
            .min_size(140.0)
            .show(ui, |ui| {
                // A panel shrinks to its content; the plots fill what is there.
                ui.set_min_height(ui.available_height());
                let input = super::playback::PlaybackInput {
                    loaded,
                    view: &self.state.view,
                };
                commands.extend(self.panels.playback.ui(ui, &input));
                ui.separator();
                let mut tab = self.state.settings.bottom_tab;
                ui.horizontal(|ui| {
                    for (which, name) in [
                        (BottomTab::Campaigns, "Campaigns"),
                        (BottomTab::Timelines, "Timelines"),
                        (BottomTab::Clusters, "Clusters"),
                        (BottomTab::Journeys, "Journeys"),
                        (BottomTab::Networks, "Networks"),
                        (BottomTab::History, "History"),
                        (BottomTab::Notes, "Notes and views"),
                    ] {
                        ui.selectable_value(&mut tab, which, egui::RichText::new(name).strong());
                    }
                });
                if tab != self.state.settings.bottom_tab {
                    let mut settings = self.state.settings.clone();
                    settings.bottom_tab = tab;
                    commands.push(Command::Settings(settings));
                }
                ui.separator();
                match tab {
                    BottomTab::Timelines => {
                        let input = TimelineInput {
                            loaded,
                            view: &self.state.view,
                            selection_label,
                            selection: selection.as_ref().map_or(&[], |s| s.0.as_slice()),
                            series,
                            picture: false,
                        };
                        commands.extend(
                            self.panels
                                .timeline
                                .ui(ui, &input)
                                .into_iter()
                                .map(Command::from),
                        );
                    }
                    BottomTab::Journeys => {
                        let input = super::journey_panel::JourneyInput {
                            loaded,
                            journeys: self
                                .caches
                                .journeys
                                .as_ref()
                                .and_then(|c| c.journeys.as_ref()),
                            selected: selection.is_some(),
                            focus: self.state.view.account,
                        };
                        commands.extend(self.panels.journeys.ui(ui, &input));
                    }
                    BottomTab::Networks => {
                        let (columns, matrix) =
                            self.caches.networks.as_ref().map_or((&[][..], None), |c| {
                                (c.columns.as_slice(), c.matrix.as_ref())
                            });
                        let input = super::networks_panel::NetworksInput { columns, matrix };
                        commands.extend(self.panels.networks.ui(ui, &input));
                    }
                    BottomTab::History => {
                        let input = HistoryInput {
                            history: &self.history,
                            selected_cluster: self
                                .state
                                .view
                                .cluster
                                .and_then(|c| loaded.clusters.get(c))
                                .map(|c| c.id.as_str()),
                            undoable: &self.undo_stack,
                        };
                        commands.extend(self.panels.history.ui(ui, &input));
                    }
                    BottomTab::Notes => {
                        let input = super::notes_panel::NotesInput {
                            loaded,
                            view: &self.state.view,
                            read_only: self.jobs.casework.is_none(),
                        };
                        commands.extend(self.panels.notes.ui(ui, &input));
                    }
                    BottomTab::Campaigns => {
                        let input = CampaignTableInput {
                            loaded,
                            selected: self.state.view.campaign,
                            time_range: self.state.view.time_range,
                            active: self.state.view.active_in_range.as_deref(),
                            read_only: self.jobs.casework.is_none(),
                        };
                        commands.extend(self.panels.campaigns.ui(ui, &input));
                    }
                    BottomTab::Clusters => {
                        let input = ClusterTableInput {
                            loaded,
                            selected: self.state.view.cluster,
                            time_range: self.state.view.time_range,
                            active: self.state.view.active_in_range.as_deref(),
                        };
                        commands.extend(self.panels.clusters.ui(ui, &input));
                    }
                }
            });
        egui::CentralPanel::default().show(ui, |ui| {
            let input = GraphInput {
                // The chains of the last "Why related to…" answer.
                chains: self.caches.why.as_ref().and_then(|w| w.chains.as_ref()),
                loaded,
                positions: &self.caches.positions,
                positions_version: self.caches.positions_version,
                settings: &self.state.settings,
                view: &self.state.view,
                revision: self.revision,
                layout_status: self.jobs.layout_stage.map(|stage| {
                    let secs = self.jobs.layout.as_ref().map_or(0.0, |j| j.started.elapsed().as_secs_f32());
                    match stage {
                        LayoutStage::Clusters => format!("Placing clusters… {secs:.0} s"),
                        LayoutStage::Members => format!("Laying out accounts inside clusters… {secs:.0} s"),
                        LayoutStage::Done => "Saving the layout…".to_string(),
                    }
                }),
                picture: false,
            };
            commands.extend(self.panels.graph.ui(ui, &input).into_iter().map(Command::from));
            if !loaded.analysed {
                ui.put(
                    egui::Rect::from_center_size(ui.max_rect().center(), egui::vec2(460.0, 60.0)),
                    egui::Label::new("Not analysed yet: Analysis, Re-run analysis… (or `hydrascope analyze CASE`) finds the links and clusters"),
                );
            }
        });
        if self.first_frame.is_none() {
            self.first_frame = Some(self.opened_at.elapsed());
        }
        self.commands.extend(commands);
        self.apply_commands();
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.state.settings);
    }
}

/// Where the view settings are kept in eframe's storage.
pub const SETTINGS_KEY: &str = "hydrascope.view_settings";

/// Lays out `loaded` on a thread; the result is stored in its case.
fn layout_job(ctx: &egui::Context, loaded: &Loaded) -> LayoutJob {
    let ctx = ctx.clone();
    LayoutJob::start(
        loaded.path.clone(),
        loaded.layout_groups(),
        loaded.links.links.clone(),
        move || ctx.request_repaint(),
    )
}

fn start_loading(ctx: &egui::Context, path: Option<PathBuf>) -> CaseState {
    let progress = Arc::new(Progress::default());
    let worker_progress = progress.clone();
    let ctx = ctx.clone();
    let requested = path.clone();
    let result = super::background::run(
        "case-loader",
        move || ctx.request_repaint(),
        Err,
        move || load_case(requested, &worker_progress).map_err(|e| e.to_string()),
    );
    CaseState::Loading {
        path,
        progress,
        result,
    }
}

/// Opens `path`, or the last case, or the demo case (generating it first).
fn load_case(path: Option<PathBuf>, progress: &Progress) -> anyhow::Result<Loaded> {
    let path = match path.or_else(paths::last_case) {
        Some(path) => path,
        None => crate::pipeline::ensure_demo_case(
            &paths::demo_case_path(),
            progress,
            &Who::from_env(Origin::Workbench),
        )?,
    };
    super::repair_window::verify_if_new(&path, progress).map_err(anyhow::Error::msg)?;
    let cancelled = || anyhow::anyhow!("{}: opening cancelled", path.display());
    if progress.is_cancelled() {
        return Err(cancelled());
    }
    let loaded = Loaded::read(&path, progress)?;
    // Asked while it was read: what was read is dropped, as asked.
    if progress.is_cancelled() {
        return Err(cancelled());
    }
    Ok(loaded)
}
