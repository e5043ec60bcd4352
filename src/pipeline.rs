//! One analysis run, for every front end: read a case's facts, analyse
//! them, and store the results in the case, carrying the case work on the
//! earlier clustering over and retrying when someone writes to the case
//! meanwhile. The command line and the workbench call [`analyze_case`],
//! each as its own [`Who`], so the audit log says where a run came from.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crate::analysis::evidence::EvidenceGraph;
use crate::analysis::{self, AnalysisResult, Indicators, Params, RunStats, reconcile};
use crate::base::{Progress, paths};
use crate::case::analysis_store::{
    EvidenceRow, LinkSource, LinkVisitor, StoredAnalysis, StoredCampaign, StoredCluster,
};
use crate::case::casework::Who;
use crate::case::{Case, CaseError};
use crate::facts::{Activity, CarryOver, CaseFeatures, ModelHours, ReleaseWindow};
use crate::generate::{GenerateError, GenerateOptions, Scenario};
use crate::logs::Format;

/// How often a run computes its carry-over again when the case keeps
/// changing under it, before it gives up.
const ATTEMPTS: usize = 5;

/// Loads a case's features, runs the analysis and stores the results in the
/// case, replacing an earlier run's. Case work on the earlier clustering is
/// carried over ([`reconcile`]): accounts an analyst placed stay with the
/// successor of their cluster, tags follow theirs, and the run is logged in
/// the audit log as `who`'s.
pub fn analyze_case(case: &Case, params: &Params, who: &Who) -> Result<AnalysisResult, CaseError> {
    let mut prepared = None;
    let never = AtomicBool::new(false);
    // One run: its clusters' series are summed as the exchanges are read,
    // not kept per account for re-runs (which costs memory).
    run(
        case,
        params,
        who,
        &Progress::default(),
        &never,
        &mut prepared,
        false,
    )
    // Nothing cancels it; `None` would mean a run that stored nothing.
    .and_then(|result| result.ok_or_else(|| CaseError::Invalid("the analysis was stopped".into())))
}

/// What an analysis read from a case and built from it that a re-run with
/// other clustering or scoring parameters (resolution, threshold, the
/// campaign rules: see [`analysis::same_evidence`]) can reuse: the
/// facts, the activity and the evidence graph. Kept by the workbench
/// between re-runs; valid while the case's data stamp
/// ([`Case::data_stamp`]) stays the same.
pub struct Prepared {
    stamp: String,
    params: Params,
    features: CaseFeatures,
    activity: Activity,
    windows: Vec<ReleaseWindow>,
    graph: EvidenceGraph,
    /// Every account's traffic per model and hour, read with the first
    /// run's series (a re-run sums its clusters' series from it).
    model_hours: Option<ModelHours>,
    /// The last clustering of this graph (Leiden and peeling), with the
    /// parameters it was made with: a re-run that changes only the scoring
    /// or the campaign parameters reuses it.
    clustered: Option<(Params, Vec<u32>)>,
    load_secs: f64,
    graph_secs: f64,
}

/// [`analyze_case`], reporting its phase in `progress`, stopping between
/// phases when `cancel` is set (then `Ok(None)`: nothing is stored), and
/// reusing `prepared` — the facts and the evidence graph of an earlier run
/// on the same data with the same evidence parameters — instead of reading
/// and building them again; `prepared` is left holding this run's.
pub fn analyze_case_reusing(
    case: &Case,
    params: &Params,
    who: &Who,
    progress: &Progress,
    cancel: &AtomicBool,
    prepared: &mut Option<Prepared>,
) -> Result<Option<AnalysisResult>, CaseError> {
    run(case, params, who, progress, cancel, prepared, true)
}

/// [`analyze_case_reusing`]; with `keep_hours`, every account's traffic per
/// model and hour is read once and kept in `prepared` (a re-run sums its
/// clusters' series from it without reading the exchanges), else each
/// run's clusters' series are summed as the exchanges are read.
fn run(
    case: &Case,
    params: &Params,
    who: &Who,
    progress: &Progress,
    cancel: &AtomicBool,
    prepared: &mut Option<Prepared>,
    keep_hours: bool,
) -> Result<Option<AnalysisResult>, CaseError> {
    let cancelled = || cancel.load(Ordering::Relaxed);
    let stamp = case.data_stamp()?;
    let reusable = prepared
        .as_ref()
        .is_some_and(|p| p.stamp == stamp && analysis::same_evidence(&p.params, params));
    if !reusable {
        *prepared = None;
        progress.set_phase("reading the case");
        let started = Instant::now();
        let mut features = case.features()?;
        let windows = analysis::release_windows(&features, params);
        let activity = case.scan_activity(&mut features, &windows)?;
        let load_secs = started.elapsed().as_secs_f64();
        if cancelled() {
            return Ok(None);
        }
        progress.set_phase("building the evidence graph");
        let started = Instant::now();
        let graph = analysis::evidence::build(&features, &activity, params);
        *prepared = Some(Prepared {
            stamp,
            params: params.clone(),
            features,
            activity,
            windows,
            graph,
            model_hours: None,
            clustered: None,
            load_secs,
            graph_secs: started.elapsed().as_secs_f64(),
        });
        if cancelled() {
            return Ok(None);
        }
    }
    // The accounts' traffic per model and hour, once per prepared graph.
    let mut hours_secs = 0.0;
    if let Some(p) = prepared.as_mut()
        && p.model_hours.is_none()
        && keep_hours
    {
        progress.set_phase("reading each account's traffic per model and hour");
        let started = Instant::now();
        let n = p.features.accounts.len();
        let from_rollup = case.model_hours_from_rollup(n, p.activity.template_examples.clone())?;
        p.model_hours = Some(match from_rollup {
            Some(hours) => hours,
            None => case.model_hours(n)?,
        });
        hours_secs = started.elapsed().as_secs_f64();
        if cancelled() {
            return Ok(None);
        }
    }
    // The clustering, unless this graph was already clustered so.
    let reclustered = match prepared.as_mut() {
        Some(p)
            if !p
                .clustered
                .as_ref()
                .is_some_and(|(last, _)| analysis::same_clustering(last, params)) =>
        {
            progress.set_phase(if reusable {
                "clustering the evidence graph of the last run"
            } else {
                "clustering"
            });
            let mut clustering_stats = RunStats::default();
            let membership =
                analysis::cluster_graph(&p.features, &p.graph, params, &mut clustering_stats);
            p.clustered = Some((params.clone(), membership));
            Some(clustering_stats.cluster_secs)
        }
        _ => None,
    };
    let Some(p) = prepared.as_ref() else {
        return Ok(None);
    };
    let model_hours = p.model_hours.as_ref();
    let (features, activity, windows) = (&p.features, &p.activity, &p.windows);
    let mut stats = RunStats {
        accounts: features.accounts.len(),
        // A reused graph took no time this run.
        load_secs: if reusable { 0.0 } else { p.load_secs },
        graph_secs: if reusable { 0.0 } else { p.graph_secs },
        ..Default::default()
    };
    let graph = &p.graph;
    // The case's links are this graph's when the last stored run was made
    // on the same evidence: a re-run then leaves them in place.
    stats.links_kept = reusable
        && case
            .last_analysis_params()?
            .and_then(|json| serde_json::from_str::<Params>(&json).ok())
            .is_some_and(|last| analysis::same_evidence(&last, params));
    analysis::graph_stats(graph, &mut stats);
    // Leiden and peeling took no time when their result was reused.
    stats.cluster_secs = reclustered.unwrap_or(0.0);
    let algorithm: &[u32] = p.clustered.as_ref().map_or(&[], |(_, m)| m.as_slice());
    if reusable {
        stats.graph_phases.clear();
    }
    if cancelled() {
        return Ok(None);
    }
    progress.set_phase("scoring and storing");
    // Case work written while the analysis ran (another workbench, the
    // command line) makes the carry-over stale: compute it again.
    // Tags written meanwhile only change where tags land (cheap); hand
    // placements change the clusters, which are scored again.
    let mut computed: Option<(CarryOver, Scored)> = None;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let (carry, stamp) = case.carry_over()?;
        let same_membership = computed
            .as_ref()
            .is_some_and(|(old, _)| old.cluster_of == carry.cluster_of && old.pins == carry.pins);
        let scored = match computed.take() {
            Some((_, scored)) if same_membership => scored,
            _ => {
                let (mut membership, successors) =
                    reconcile::membership_with_pins(algorithm, &carry);
                let mut pinned: Vec<u32> = carry.pins.iter().map(|(a, _)| *a).collect();
                pinned.sort_unstable();
                // The partition scored (residents of a proxy's exit left
                // out) is what the case work is carried over onto.
                let mut result = analysis::score_membership(
                    features,
                    activity,
                    windows,
                    graph,
                    &mut membership,
                    &pinned,
                    params,
                    &mut stats,
                );
                let started = std::time::Instant::now();
                let stored = with_series(
                    case,
                    &result,
                    model_hours,
                    activity,
                    features.accounts.len(),
                )?;
                stats.series_secs = hours_secs + started.elapsed().as_secs_f64();
                result.stats.series_secs = stats.series_secs;
                Scored {
                    membership,
                    successors,
                    result,
                    stored,
                }
            }
        };
        let carried = reconcile::carried(
            &carry,
            &scored.membership,
            &scored.successors,
            &scored.result.clusters,
            &scored.result.campaigns,
        );
        // The last moment a cancel can still keep the case as it was.
        if cancelled() {
            return Ok(None);
        }
        let started = std::time::Instant::now();
        match case.store_analysis_carrying(&scored.stored, Some((&carried, stamp, who))) {
            Ok(()) => {
                let mut result = scored.result;
                result.stats.store_secs = started.elapsed().as_secs_f64();
                return Ok(Some(result));
            }
            Err(CaseError::Conflict(_)) if attempt < ATTEMPTS => {
                computed = Some((carry, scored));
            }
            Err(CaseError::Conflict(_)) => {
                return Err(CaseError::Conflict(
                    "the case kept changing while the analysis ran; run it again".into(),
                ));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Why the demo case could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DemoCaseError {
    /// Its folder could not be made.
    #[error("{path}: {source}")]
    Folder {
        /// The folder.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Generating it failed.
    #[error(transparent)]
    Generate(#[from] GenerateError),
    /// Opening or analysing it failed.
    #[error(transparent)]
    Case(#[from] CaseError),
}

/// The demo case at `path` (the workbench's is
/// [`paths::demo_case_path`]), generated and analysed (as `who`'s run) if
/// it is not there yet.
pub fn ensure_demo_case(
    path: &Path,
    progress: &Progress,
    who: &Who,
) -> Result<PathBuf, DemoCaseError> {
    if path.is_file() {
        return Ok(path.to_path_buf());
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|source| DemoCaseError::Folder {
        path: dir.to_path_buf(),
        source,
    })?;
    progress.set_phase("generating the demo case (first run)");
    let options = GenerateOptions {
        // The evasive demo: campaigns that rotate cards and hide behind
        // residential proxies, and the look-alikes they must be told from
        // (a coding agent's users, a hackathon, an evaluation company).
        scenario: Scenario::DemoEvasive,
        seed: paths::DEMO_SEED,
        format: Format::Jsonl,
        gzip: false,
        force: true,
    };
    crate::generate::generate(path, &options, progress)?;
    // The demo shows what the tool concludes from the start.
    progress.set_phase("analysing the demo case");
    let case = Case::open(path)?;
    analyze_case(&case, &Params::default(), who)?;
    Ok(path.to_path_buf())
}

/// A scored membership, kept across a retry whose carry-over places the
/// same accounts.
struct Scored {
    membership: Vec<u32>,
    successors: reconcile::Successors,
    result: AnalysisResult,
    stored: StoredAnalysis,
}

/// The stored form of `result` with what the workbench shows beside it:
/// each cluster's traffic per model and hour, and template excerpts: from
/// the accounts' traffic per model and hour when it is kept
/// ([`Case::model_hours`]), else from the case's rollup of it
/// (`account_model_hourly`, with the excerpts the first pass found).
fn with_series(
    case: &Case,
    result: &AnalysisResult,
    hours: Option<&ModelHours>,
    activity: &Activity,
    accounts: usize,
) -> Result<StoredAnalysis, CaseError> {
    let mut stored = to_stored(result);
    // Series only for clusters of two or more accounts: a lone account's
    // traffic is already in the per-account rollups.
    let mut cluster_of = vec![None; accounts];
    for (i, c) in result.clusters.iter().enumerate() {
        if c.members.len() >= 2 {
            for &a in &c.members {
                if let Some(slot) = cluster_of.get_mut(a as usize) {
                    *slot = Some(i as u32);
                }
            }
        }
    }
    (stored.cluster_series, stored.template_examples) = match hours {
        Some(hours) => crate::case::analysis_store::cluster_series(hours, &cluster_of),
        None => (
            case.cluster_model_hourly_from_rollup(&cluster_of)?,
            crate::case::analysis_store::template_examples(&activity.template_examples),
        ),
    };
    Ok(stored)
}

/// The evidence graph's links, lent to the store as they are.
struct GraphLinks(std::sync::Arc<Vec<analysis::Link>>);

impl LinkSource for GraphLinks {
    fn visit(&self, visit: &mut LinkVisitor<'_>) -> Result<(), CaseError> {
        let mut rows: Vec<EvidenceRow<'_>> = Vec::new();
        for l in self.0.iter() {
            rows.clear();
            rows.extend(
                l.evidence
                    .iter()
                    .map(|e| (e.kind.name(), e.shared, e.weight, e.example.as_str())),
            );
            visit(l.a, l.b, l.weight, &rows)?;
        }
        Ok(())
    }
}

/// The case file's form of a result (without the per-cluster series,
/// which [`analyze_case`] reads from the case).
pub fn to_stored(result: &AnalysisResult) -> StoredAnalysis {
    let named = |i: &Indicators| -> Vec<(String, f64)> {
        i.named().iter().map(|(n, v)| (n.to_string(), *v)).collect()
    };
    let mut campaign_of: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
    for k in &result.campaigns {
        for c in &k.clusters {
            campaign_of.insert(c.as_str(), k.id.as_str());
        }
    }
    StoredAnalysis {
        params_json: serde_json::to_string(&result.params).unwrap_or_default(),
        stats_json: serde_json::to_string(&result.stats).unwrap_or_default(),
        clusters: result
            .clusters
            .iter()
            .map(|c| StoredCluster {
                id: c.id.clone(),
                members: c.members.clone(),
                exchanges: c.exchanges,
                score: c.score,
                suspected: c.suspected,
                indicators: named(&c.indicators),
                reasons_json: serde_json::to_string(&c.reasons).unwrap_or_default(),
                campaign: campaign_of.get(c.id.as_str()).map(|k| k.to_string()),
                inherited: c.suspected
                    && c.reasons.first().is_some_and(|r| r.indicator == "campaign"),
            })
            .collect(),
        campaigns: result
            .campaigns
            .iter()
            .map(|k| StoredCampaign {
                id: k.id.clone(),
                clusters: k.clusters.clone(),
                accounts: k.members.len() as u64,
                exchanges: k.exchanges,
                score: k.score,
                suspected: k.suspected,
                cohesion: k.cohesion,
                indicators: named(&k.indicators),
                reasons_json: serde_json::to_string(&k.reasons).unwrap_or_default(),
            })
            .collect(),
        // A re-run on the same evidence leaves the stored links in place.
        keep_links: result.stats.links_kept,
        links: std::sync::Arc::new(GraphLinks(std::sync::Arc::clone(&result.links))),
        cluster_series: Vec::new(),
        template_examples: Vec::new(),
    }
}
