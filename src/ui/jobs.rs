//! Long jobs the workbench runs on their own threads: the graph layout
//! (progressive, cancelable, stored in the case when done), re-running the
//! analysis with new parameters, and the case-work writer (tags, edits,
//! undo and redo, and watching for other writers). Results come back over
//! channels.

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::Instant;

use crate::analysis::Params;
use crate::analysis::layout::{LayoutInput, LayoutStage, layout};
use crate::base::Progress;
use crate::case::Case;
use crate::case::analysis_store::StoredCluster;
use crate::case::casework::{AuditEntry, CaseworkState, MoveTarget, Recorded, Tag, TagPatch, Who};
use crate::case::merge::{MergeConflict, Resolution};

/// A message from the layout thread.
pub enum LayoutUpdate {
    /// Positions so far (more will come).
    Progress(LayoutStage, Arc<Vec<[f32; 2]>>),
    /// The final positions; `stored` says whether they were saved in the case.
    Done(Arc<Vec<[f32; 2]>>, Result<(), String>),
}

/// A running layout.
pub struct LayoutJob {
    /// Updates, in order.
    pub updates: Receiver<LayoutUpdate>,
    cancel: Arc<AtomicBool>,
    /// When it started.
    pub started: Instant,
}

impl LayoutJob {
    /// Lays out `cluster_of`/`links` on a thread and stores the result in
    /// the case at `path`.
    pub fn start(
        path: PathBuf,
        cluster_of: Vec<u32>,
        links: Vec<(u32, u32, f32)>,
        wake: impl Fn() + Send + 'static,
    ) -> Self {
        let (sender, updates) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let stop = cancel.clone();
        let spawned = std::thread::Builder::new()
            .name("graph-layout".into())
            .spawn(move || {
                let input = LayoutInput {
                    cluster_of: &cluster_of,
                    links: &links,
                };
                let mut report = |stage: LayoutStage, positions: &[[f32; 2]]| {
                    if stop.load(Ordering::Relaxed) {
                        return ControlFlow::Break(());
                    }
                    if stage != LayoutStage::Done {
                        let _ = sender
                            .send(LayoutUpdate::Progress(stage, Arc::new(positions.to_vec())));
                        wake();
                    }
                    ControlFlow::Continue(())
                };
                let Some(positions) = layout(&input, &mut report) else {
                    return;
                };
                let stored = Case::open(&path)
                    .and_then(|case| case.store_layout(&positions))
                    .map_err(|e| e.to_string());
                let _ = sender.send(LayoutUpdate::Done(Arc::new(positions), stored));
                wake();
            });
        if spawned.is_err() {
            cancel.store(true, Ordering::Relaxed);
        }
        Self {
            updates,
            cancel,
            started: Instant::now(),
        }
    }

    /// Asks the layout to stop; it sends nothing more.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }
}

impl Drop for LayoutJob {
    fn drop(&mut self) {
        self.cancel();
    }
}

/// What the last re-run read and built (the facts and the evidence
/// graph), kept so that a re-run with another resolution, threshold or
/// campaign rule clusters and scores it again without reading the case
/// or building the graph ([`crate::pipeline::Prepared`]).
pub type PreparedCache = Arc<std::sync::Mutex<Option<crate::pipeline::Prepared>>>;

/// How a re-analysis ended.
pub enum AnalysisOutcome {
    /// Stored: a one-line summary.
    Done(String),
    /// Stopped by the analyst before storing anything.
    Cancelled,
    /// Failed: why.
    Failed(String),
}

/// A running re-analysis.
pub struct AnalysisJob {
    /// Phase text.
    pub progress: Arc<Progress>,
    /// The outcome.
    pub result: Receiver<AnalysisOutcome>,
    cancel: Arc<AtomicBool>,
    /// When it started.
    pub started: Instant,
}

impl AnalysisJob {
    /// Re-runs the analysis of the case at `path` with `params`, reusing
    /// and refilling `cache`.
    pub fn start(
        path: PathBuf,
        params: Params,
        who: Who,
        cache: PreparedCache,
        wake: impl Fn() + Send + 'static,
    ) -> Self {
        let (sender, result) = mpsc::channel();
        let progress = Arc::new(Progress::default());
        let cancel = Arc::new(AtomicBool::new(false));
        let worker_progress = progress.clone();
        let stop = cancel.clone();
        let spawned = std::thread::Builder::new()
            .name("analysis".into())
            .spawn(move || {
                worker_progress.set_phase("opening the case");
                // A poisoned lock only means an earlier run panicked: what
                // it held is taken (and checked against the case like any).
                let mut prepared = cache
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .take();
                let outcome = Case::open(&path)
                    .and_then(|case| {
                        crate::pipeline::analyze_case_reusing(
                            &case,
                            &params,
                            &who,
                            &worker_progress,
                            &stop,
                            &mut prepared,
                        )
                    })
                    .map(|r| match r {
                        Some(r) => {
                            let suspected = r.clusters.iter().filter(|c| c.suspected).count();
                            AnalysisOutcome::Done(format!(
                                "{suspected} suspected clusters among {} (resolution {})",
                                r.clusters.len(),
                                params.resolution
                            ))
                        }
                        None => AnalysisOutcome::Cancelled,
                    })
                    .unwrap_or_else(|e| AnalysisOutcome::Failed(e.to_string()));
                *cache
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = prepared;
                let _ = sender.send(outcome);
                wake();
            });
        if let Err(err) = spawned {
            let (sender, failed) = mpsc::channel();
            let _ = sender.send(AnalysisOutcome::Failed(format!(
                "could not start the analysis: {err}"
            )));
            return Self {
                progress,
                result: failed,
                cancel,
                started: Instant::now(),
            };
        }
        Self {
            progress,
            result,
            cancel,
            started: Instant::now(),
        }
    }

    /// Asks the run to stop at the end of its current phase; it stores
    /// nothing then.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether [`Self::cancel`] was asked.
    pub fn is_cancelling(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// An analyst action for the case-work writer.
#[derive(Clone, Debug, PartialEq)]
pub enum CaseworkRequest {
    /// Tag clusters (by id) as last seen (their newest tags).
    TagClusters {
        /// Cluster ids.
        clusters: Vec<String>,
        /// What to set.
        patch: TagPatch,
        /// Their newest tags as shown.
        seen: Vec<Option<Tag>>,
    },
    /// Tag all clusters of a campaign (as shown) in one action.
    TagCampaign {
        /// The campaign's id.
        campaign: String,
        /// Its cluster ids.
        clusters: Vec<String>,
        /// What to set.
        patch: TagPatch,
        /// Their newest tags as shown.
        seen: Vec<Option<Tag>>,
    },
    /// Tag a set of accounts.
    TagAccounts {
        /// Account indices.
        accounts: Vec<u32>,
        /// What to set.
        patch: TagPatch,
    },
    /// Change a tag as shown.
    UpdateTag(Box<Tag>, TagPatch),
    /// Remove a tag as shown.
    RemoveTag(Box<Tag>),
    /// Move accounts to a cluster or a new one.
    Move(Vec<u32>, MoveTarget),
    /// Merge clusters into one.
    Merge {
        /// Merged away.
        sources: Vec<String>,
        /// Kept.
        into: String,
    },
    /// Undo an audit-log action.
    Undo(i64),
    /// Redo what an undo reverted.
    Redo(i64),
    /// Merge another analyst's case into this one.
    MergeCase(PathBuf),
    /// Resolve a merge conflict.
    ResolveConflict(i64, Resolution),
    /// Write a note.
    AddNote(crate::case::notes::NoteOn, String),
    /// Change a note's text, as shown.
    UpdateNote(Box<crate::case::notes::Note>, String),
    /// Remove a note, as shown.
    RemoveNote(Box<crate::case::notes::Note>),
    /// Save a view by name (over one of that name).
    SaveView {
        /// Its name.
        name: String,
        /// Its description (`SavedViewSpec` as JSON).
        view_json: String,
        /// The accounts it selects.
        accounts: Vec<u32>,
    },
    /// Remove a saved view, as shown.
    RemoveView(Box<crate::case::notes::SavedView>),
}

/// What the case-work writer reports.
pub struct CaseworkUpdate {
    /// The outcome of a request (none for a change seen from elsewhere).
    pub outcome: Option<(CaseworkRequest, Result<Recorded, CaseworkFailure>)>,
    /// The case work as it is now (`None` if it could not be read: keep
    /// what is shown).
    pub state: Option<CaseworkState>,
    /// The clusters, when membership may have changed.
    pub clusters: Option<Vec<StoredCluster>>,
    /// The audit log without snapshots, oldest first (`None`: unreadable).
    pub history: Option<Vec<AuditEntry>>,
    /// Merge conflicts, open and resolved (`None`: unreadable).
    pub conflicts: Option<Vec<MergeConflict>>,
    /// Another writer (a workbench, `hydrascope tag`) changed the case; a
    /// new analysis means a reload.
    pub external: Option<External>,
    /// Why the case could not be read back, if it could not.
    pub read_error: Option<String>,
}

/// Why a request was not written.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseworkFailure {
    /// What to tell the analyst.
    pub message: String,
    /// Someone else changed the rows (retrying the same will not help).
    pub conflict: bool,
}

/// A change some other writer made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum External {
    /// Tags or edits.
    Casework,
    /// A new analysis run.
    Analysis,
}

/// The case-work writer: one read-write connection on its own thread.
pub struct CaseworkJob {
    requests: mpsc::Sender<(String, CaseworkRequest)>,
    /// Updates, in order.
    pub updates: Receiver<CaseworkUpdate>,
}

impl CaseworkJob {
    /// Opens the case at `path` for case work as `who`. Every second it
    /// looks for commits of other writers.
    pub fn start(
        path: PathBuf,
        who: Who,
        wake: impl Fn() + Send + 'static,
    ) -> Result<Self, String> {
        let case = Case::open(&path).map_err(|e| e.to_string())?;
        if case.is_read_only().map_err(|e| e.to_string())? {
            return Err(format!("{}: the file is write-protected", path.display()));
        }
        let (requests, inbox) = mpsc::channel::<(String, CaseworkRequest)>();
        let (sender, updates) = mpsc::channel();
        std::thread::Builder::new()
            .name("casework".into())
            .spawn(move || {
                let mut who = who;
                who.origin = crate::case::casework::Origin::Workbench;
                let mut watch = Watch {
                    stamp: case.change_stamp().ok(),
                    data_version: case.data_version().ok(),
                };
                let send = |update: CaseworkUpdate| {
                    let alive = sender.send(update).is_ok();
                    wake();
                    alive
                };
                // The first update gives the history.
                if !send(read_update(&case, None, true, None)) {
                    return;
                }
                loop {
                    let request = match inbox.recv_timeout(std::time::Duration::from_secs(1)) {
                        Ok(request) => Some(request),
                        Err(mpsc::RecvTimeoutError::Timeout) => None,
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    };
                    // Other writers' commits first, so a request is never
                    // applied to clusters the analyst no longer sees.
                    let external = watch.external(&case);
                    if let Some(external) = external
                        && !send(read_update(&case, None, true, Some(external)))
                    {
                        return;
                    }
                    let Some((analyst, request)) = request else {
                        continue;
                    };
                    let outcome = if external == Some(External::Analysis) {
                        Err(CaseworkFailure {
                            message: "another analysis was stored in this case meanwhile; \
                                      the workbench reloads it, then try again"
                                .into(),
                            conflict: true,
                        })
                    } else {
                        who.analyst = analyst;
                        apply(&case, &who, &request).map_err(|e| CaseworkFailure {
                            conflict: matches!(e, crate::case::CaseError::Conflict(_)),
                            message: e.to_string(),
                        })
                    };
                    let membership = outcome.as_ref().map_or(true, |r| r.membership_changed);
                    // Our own commit does not move `data_version`.
                    watch.stamp = case.change_stamp().ok();
                    if !send(read_update(
                        &case,
                        Some((request, outcome)),
                        membership,
                        None,
                    )) {
                        return;
                    }
                }
            })
            .map_err(|e| format!("could not start the case-work writer: {e}"))?;
        Ok(Self { requests, updates })
    }

    /// Sends an action to the writer, done as `analyst`.
    pub fn send(&self, analyst: &str, request: CaseworkRequest) -> Result<(), String> {
        self.requests
            .send((analyst.to_string(), request))
            .map_err(|_| "the case-work writer stopped; reopen the case".to_string())
    }
}

fn apply(
    case: &Case,
    who: &Who,
    request: &CaseworkRequest,
) -> Result<Recorded, crate::case::CaseError> {
    match request {
        CaseworkRequest::TagClusters {
            clusters,
            patch,
            seen,
        } => case.tag_clusters(who, clusters, patch, Some(seen)),
        CaseworkRequest::TagCampaign {
            campaign,
            clusters,
            patch,
            seen,
        } => case.tag_campaign(who, campaign, clusters, patch, Some(seen)),
        CaseworkRequest::TagAccounts { accounts, patch } => case.tag_accounts(who, accounts, patch),
        CaseworkRequest::UpdateTag(seen, patch) => case.update_tag(who, seen, patch),
        CaseworkRequest::RemoveTag(seen) => case.remove_tag(who, seen),
        CaseworkRequest::Move(accounts, target) => case.move_accounts(who, accounts, target),
        CaseworkRequest::Merge { sources, into } => case.merge_clusters(who, sources, into),
        CaseworkRequest::Undo(id) => case.undo(who, *id),
        CaseworkRequest::Redo(id) => case.redo(who, *id),
        CaseworkRequest::MergeCase(other) => {
            let report = case.merge_from(who, other)?;
            // Nothing new was written: say so, as a refusal that changed nothing.
            report
                .recorded
                .ok_or(crate::case::CaseError::Invalid(report.summary))
        }
        CaseworkRequest::ResolveConflict(id, resolution) => {
            case.resolve_conflict(who, *id, *resolution)
        }
        CaseworkRequest::AddNote(on, text) => case.add_note(who, on.clone(), text),
        CaseworkRequest::UpdateNote(seen, text) => case.update_note(who, seen, text),
        CaseworkRequest::RemoveNote(seen) => case.remove_note(who, seen),
        CaseworkRequest::SaveView {
            name,
            view_json,
            accounts,
        } => case.save_view(who, name, view_json, accounts),
        CaseworkRequest::RemoveView(seen) => case.remove_view(who, seen),
    }
}

/// What the writer last saw of the case, to tell others' commits.
struct Watch {
    stamp: Option<crate::case::casework::Stamp>,
    data_version: Option<i64>,
}

impl Watch {
    /// Whether another connection committed since the last look, and what.
    /// `data_version` moves only when another connection commits: cheap to
    /// ask every second.
    fn external(&mut self, case: &Case) -> Option<External> {
        let version = case.data_version().ok();
        if version == self.data_version {
            return None;
        }
        self.data_version = version;
        let stamp = case.change_stamp().ok();
        let external = match (self.stamp, stamp) {
            (Some(old), Some(new)) if new.last_analysis_run != old.last_analysis_run => {
                Some(External::Analysis)
            }
            // The layout being stored, say: nothing the case work shows.
            (Some(old), Some(new)) if new == old => None,
            _ => Some(External::Casework),
        };
        self.stamp = stamp;
        external
    }
}

fn read_update(
    case: &Case,
    outcome: Option<(CaseworkRequest, Result<Recorded, CaseworkFailure>)>,
    with_clusters: bool,
    external: Option<External>,
) -> CaseworkUpdate {
    let mut errors = Vec::new();
    let state = kept(case.casework_state(), &mut errors);
    let clusters = if with_clusters {
        kept(case.stored_clusters(), &mut errors).flatten()
    } else {
        None
    };
    let history = kept(case.audit_entries(), &mut errors);
    let conflicts = kept(case.merge_conflicts(), &mut errors);
    CaseworkUpdate {
        outcome,
        state,
        clusters,
        history,
        conflicts,
        external,
        read_error: (!errors.is_empty()).then(|| errors.join("; ")),
    }
}

/// The value, or `None` with the error noted.
fn kept<T>(result: Result<T, crate::case::CaseError>, errors: &mut Vec<String>) -> Option<T> {
    result.map_err(|e| errors.push(e.to_string())).ok()
}

/// What a sharing job produced.
pub enum ShareDone {
    /// A file was written; what to tell the analyst.
    Saved(String),
    /// A picture for the clipboard.
    Copied(egui::ColorImage),
    /// Logs were appended to the case; what to tell the analyst (the case
    /// is then opened again).
    Appended(String),
}

/// Work of the sharing dialog, on its own thread: exports, pictures,
/// graph files and reports can take seconds on a large case.
pub struct ShareJob {
    /// The outcome, once.
    pub result: Receiver<Result<ShareDone, String>>,
    /// How far it got (exports and reports count their steps).
    pub progress: Arc<Progress>,
}

impl ShareJob {
    /// Runs `request` on the case at `case`. Pictures come with what the
    /// view shows (`picture`, read on the UI thread) and their size; with
    /// `out` `None` the picture goes to the clipboard.
    pub fn start(
        case: PathBuf,
        request: ShareJobRequest,
        who: Who,
        wake: impl Fn() + Send + 'static,
    ) -> Self {
        let progress = Arc::new(Progress::default());
        let worker_progress = progress.clone();
        let result = super::background::run("share", wake, Err, move || {
            run_share(&case, request, &who, &worker_progress).map_err(|e| e.to_string())
        });
        Self { result, progress }
    }
}

/// A sharing request with what the thread needs.
pub enum ShareJobRequest {
    /// Export the case, write the graph file or the report.
    File(crate::ui::share_dialog::ShareRequest),
    /// Draw a picture of the view to `out` (or the clipboard).
    Picture {
        /// What the view shows.
        picture: Box<crate::render::ViewPicture>,
        /// Which view.
        view: crate::render::ViewKind,
        /// Its size.
        size: crate::render::PictureSize,
        /// The file, or `None` for the clipboard.
        out: Option<PathBuf>,
    },
}

fn run_share(
    case: &std::path::Path,
    request: ShareJobRequest,
    who: &Who,
    progress: &Progress,
) -> anyhow::Result<ShareDone> {
    use crate::render::{PictureFormat, SavedPicture};
    use crate::ui::share_dialog::ShareRequest;
    match request {
        ShareJobRequest::Picture {
            mut picture,
            view,
            size,
            out,
        } => {
            let source = Case::open_read_only(case)?;
            picture.case_fingerprint = source.fingerprint()?;
            picture.redacted = source.redaction()?;
            drop(source);
            let Some(out) = out else {
                let image = crate::render::render_picture(&picture, view, size)?;
                return Ok(ShareDone::Copied(egui::ColorImage::from_rgba_unmultiplied(
                    [image.width() as usize, image.height() as usize],
                    image.as_raw(),
                )));
            };
            // The dialog offers .png and .svg; any other name is saved as PNG.
            let format = PictureFormat::from_path(&out).unwrap_or(PictureFormat::Png);
            let saved = crate::render::save_picture(&picture, view, size, format, &out)?;
            Ok(ShareDone::Saved(match saved {
                SavedPicture::Svg => format!("Saved the graph as {}", out.display()),
                SavedPicture::Png { width, height } => {
                    format!("Saved {} ({width} x {height} px)", out.display())
                }
            }))
        }
        ShareJobRequest::File(ShareRequest::ExportCase {
            out,
            clusters,
            redact,
            key_file,
        }) => {
            use crate::case::export::{ExportOptions, RedactionKey, export_case};
            let key = RedactionKey::chosen(redact, key_file.as_deref())?;
            let options = ExportOptions {
                clusters,
                redact: key,
                force: false,
            };
            let report = export_case(case, &out, &options, who, progress)?;
            Ok(ShareDone::Saved(format!(
                "Exported {} accounts, {} clusters, {} tags to {}{}",
                report.accounts,
                report.clusters,
                report.tags,
                out.display(),
                match report.redaction_key_id {
                    Some(id) => format!(" (redacted, key {id})"),
                    None => String::new(),
                }
            )))
        }
        ShareJobRequest::File(ShareRequest::AppendLogs { from }) => {
            let report = crate::import::append_folder(
                &from,
                case,
                &crate::import::ImportOptions::default(),
                progress,
                who.clone(),
            )?;
            let s = &report.stats;
            Ok(ShareDone::Appended(format!(
                "Appended {} exchanges, {} new accounts ({} updated), {} events from {} in {:.1} s; \
                 re-run the analysis to see them",
                crate::base::text::thousands(s.exchanges),
                s.accounts,
                s.accounts_updated,
                s.events,
                from.display(),
                report.elapsed_secs
            )))
        }
        ShareJobRequest::File(ShareRequest::GraphFile { out, clusters }) => {
            let report =
                crate::export::graph_file::write_case_graph(case, clusters.as_deref(), &out)?;
            Ok(ShareDone::Saved(format!(
                "Wrote {} ({} accounts, {} links)",
                out.display(),
                report.accounts,
                report.links
            )))
        }
        ShareJobRequest::File(ShareRequest::Report { out }) => {
            let summary = crate::export::write_briefing(case, &out, progress)?;
            Ok(ShareDone::Saved(format!(
                "Wrote the report {} ({} campaign(s), {} picture(s){})",
                out.display(),
                summary.campaigns,
                summary.pictures,
                if summary.missing_pictures.is_empty() {
                    String::new()
                } else {
                    format!(", {} left out", summary.missing_pictures.len())
                }
            )))
        }
        ShareJobRequest::File(other) => anyhow::bail!("not a file to write: {other:?}"),
    }
}
