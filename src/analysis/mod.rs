//! The analysis: evidence → relationship graph → clusters → indicators and
//! a distillation score per cluster → campaigns. Pure: it takes a case's
//! [`crate::facts`] and returns results, with no SQL and no files (the run
//! that reads a case and stores the results is [`crate::pipeline`]);
//! `docs/analysis.md` explains every rule in words an analyst can check.

pub mod behaviour;
pub mod campaigns;
pub mod coactivity;
pub mod evidence;
pub mod families;
#[cfg(test)]
mod fixture;
pub mod layout;
pub mod leiden;
pub mod pairs;
pub mod peel;
pub mod reconcile;
pub mod score;
#[cfg(test)]
mod tests;
pub mod why;

use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::facts::{Activity, CaseFeatures, ReleaseWindow};

/// Knobs of a run, stored with its results. A stored run of an older
/// build lacks the newer knobs: they take their defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Params {
    /// Leiden resolution (1.0: modularity; higher: smaller clusters).
    pub resolution: f64,
    /// Seed of the clustering's node orders.
    pub seed: u64,
    /// Leiden iterations (each starts from the previous partition).
    pub iterations: usize,
    /// Links each account keeps (its strongest); a link stays if either end keeps it.
    pub max_links_per_account: usize,
    /// Ring neighbours per member for values shared by many accounts.
    pub ring_neighbours: usize,
    /// An identity value (card, sign-up address, e-mail domain) shared by more
    /// than this share of all accounts is no evidence…
    pub max_value_share: f64,
    /// …unless it is shared by at most this many accounts.
    pub min_crowd: usize,
    /// The same for commodity values (client fingerprint, template family,
    /// request address or prefix, partner indicator), which strangers share.
    pub max_commodity_share: f64,
    /// …unless shared by at most this many accounts.
    pub min_commodity_crowd: usize,
    /// Synchrony: minutes both accounts must share, at least.
    pub sync_min_minutes: usize,
    /// Synchrony: how many times more shared minutes than chance.
    pub sync_min_lift: f64,
    /// Synchrony: distinct days the shared minutes fall on, at least (a
    /// schedule kept day after day, not two runs that overlapped once —
    /// two labs running one public benchmark on release day).
    pub sync_min_days: usize,
    /// Sign-up burst: the most time between consecutive sign-ups, ms.
    pub burst_window_ms: i64,
    /// Sign-up burst: accounts in a burst, at least.
    pub burst_min_accounts: usize,
    /// Hours after a `model_release` counted for the release pivot.
    pub pivot_window_hours: i64,
    /// `suspected` when the score is at least this.
    pub suspect_threshold: f64,
    /// Prompt templates within this many bits (SimHash Hamming distance,
    /// chained) are one family: paraphrases land a few bits from their
    /// skeleton.
    pub template_radius: u32,
    /// Links lighter than this are dropped before clustering.
    pub min_link_weight: f64,
    /// Cohort: each family user is compared with this many neighbours.
    pub cohort_window: usize,
    /// Cohort: share of traffic on common families, at least.
    pub cohort_min_overlap: f64,
    /// Cohort: behavioural similarity, at least.
    pub cohort_min_similarity: f64,
    /// Cohort: a family ties its users only when they are this many times
    /// more often alike than random accounts.
    pub cohort_min_lift: f64,
    /// Hand-off: the most minutes between one account's last request and
    /// the other's first.
    pub handoff_max_gap_minutes: i64,
    /// After clustering, a part of a cluster whose links to the rest weigh
    /// at most this share of its links (a bridge) is a cluster of its own.
    pub bridge_conductance: f64,
    /// After clustering, an account whose links into its cluster weigh less
    /// than this share of the cluster's median member's…
    pub peel_share: f64,
    /// …and less than this in all, is left on its own.
    pub peel_floor: f64,
    /// In a cluster of up to five, an account tied to it only by addresses
    /// (request or sign-up address, prefix; with a client fingerprint at
    /// most) lighter than this is left on
    /// its own: a residential proxy exit shared with someone's home is not
    /// a relationship.
    pub pair_min_address_weight: f64,
    /// Campaigns: clusters of at least this many accounts are grouped.
    pub campaign_min_cluster: usize,
    /// Campaigns: two clusters join when their template-family mixes
    /// overlap at least this much…
    pub campaign_min_family_overlap: f64,
    /// …and their members behave at least this alike.
    pub campaign_min_similarity: f64,
}

impl Default for Params {
    fn default() -> Self {
        Self {
            resolution: 1.0,
            seed: 1,
            iterations: 2,
            max_links_per_account: 30,
            ring_neighbours: 8,
            max_value_share: 0.02,
            min_crowd: 64,
            max_commodity_share: 0.01,
            min_commodity_crowd: 16,
            sync_min_minutes: 20,
            sync_min_lift: 3.0,
            sync_min_days: 3,
            burst_window_ms: 30 * 60_000,
            burst_min_accounts: 4,
            pivot_window_hours: 48,
            suspect_threshold: 0.5,
            template_radius: 8,
            min_link_weight: 0.15,
            cohort_window: 10,
            cohort_min_overlap: 0.2,
            cohort_min_similarity: 0.75,
            cohort_min_lift: 2.0,
            handoff_max_gap_minutes: 60,
            bridge_conductance: 0.1,
            peel_share: 0.25,
            peel_floor: 1.0,
            pair_min_address_weight: 0.35,
            campaign_min_cluster: 2,
            campaign_min_family_overlap: 0.3,
            campaign_min_similarity: 0.7,
        }
    }
}

/// Kinds of evidence that link two accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EvidenceKind {
    /// Same payment fingerprint.
    Card,
    /// Same sign-up address.
    SignupIp,
    /// Same request address.
    RequestIp,
    /// Same /24 (IPv4) or /48 (IPv6) request prefix.
    Prefix,
    /// Same client fingerprint.
    ClientFingerprint,
    /// Same e-mail domain (big webmail excluded).
    EmailDomain,
    /// Prompt templates of one near-duplicate family (SimHash within
    /// `Params::template_radius` bits, chained).
    TemplateFamily,
    /// Active in the same minutes far more often than chance.
    Synchrony,
    /// Created in one burst from one sign-up prefix.
    SignupBurst,
    /// Both match one partner indicator.
    Indicator,
    /// Same template families and the same behaviour (hours, volume,
    /// capability mix, token shapes, churn, adoption).
    Cohort,
    /// One stopped and the other started within minutes on the same work
    /// (a load-balanced hand-off, or a banned account's replacement).
    HandOff,
}

impl EvidenceKind {
    /// Every kind.
    pub const ALL: [EvidenceKind; 12] = [
        EvidenceKind::Card,
        EvidenceKind::SignupIp,
        EvidenceKind::RequestIp,
        EvidenceKind::Prefix,
        EvidenceKind::ClientFingerprint,
        EvidenceKind::EmailDomain,
        EvidenceKind::TemplateFamily,
        EvidenceKind::Synchrony,
        EvidenceKind::SignupBurst,
        EvidenceKind::Indicator,
        EvidenceKind::Cohort,
        EvidenceKind::HandOff,
    ];

    /// Name in the case file and the JSON output.
    pub fn name(self) -> &'static str {
        match self {
            EvidenceKind::Card => "card",
            EvidenceKind::SignupIp => "signup_ip",
            EvidenceKind::RequestIp => "request_ip",
            EvidenceKind::Prefix => "prefix",
            EvidenceKind::ClientFingerprint => "client_fingerprint",
            EvidenceKind::EmailDomain => "email_domain",
            EvidenceKind::TemplateFamily => "template_family",
            EvidenceKind::Synchrony => "synchrony",
            EvidenceKind::SignupBurst => "signup_burst",
            EvidenceKind::Indicator => "indicator",
            EvidenceKind::Cohort => "cohort",
            EvidenceKind::HandOff => "hand_off",
        }
    }

    /// Parses [`Self::name`].
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Whether strangers ordinarily do not share values of this kind (a card,
    /// a sign-up address, a domain) as opposed to commodity values (an SDK's
    /// fingerprint, a popular template, a carrier's egress).
    pub fn is_identity(self) -> bool {
        matches!(
            self,
            EvidenceKind::Card
                | EvidenceKind::SignupIp
                | EvidenceKind::EmailDomain
                | EvidenceKind::SignupBurst
        )
    }

    /// Whether evidence of this kind is shared *content* or a shared *place* —
    /// a template family, a cohort on families, a client, an e-mail domain, a
    /// request or sign-up address, a network, a partner's indicator matched
    /// together (a card indicator shows as a shared card too), a sign-up burst
    /// from one network (a class signing up in its first lecture) — which a
    /// common external source explains for independent people (a tool's
    /// prompts, a course's assignments, a campus network), as opposed to
    /// evidence that the accounts are not independent (a card, lock-step
    /// minutes, hand-offs).
    pub fn is_common_source(self) -> bool {
        matches!(
            self,
            EvidenceKind::TemplateFamily
                | EvidenceKind::Cohort
                | EvidenceKind::ClientFingerprint
                | EvidenceKind::EmailDomain
                | EvidenceKind::RequestIp
                | EvidenceKind::SignupIp
                | EvidenceKind::Prefix
                | EvidenceKind::Indicator
                | EvidenceKind::SignupBurst
        )
    }

    /// Whether the kind is about network addresses (request or sign-up
    /// address, prefix).
    pub fn is_address(self) -> bool {
        matches!(
            self,
            EvidenceKind::RequestIp | EvidenceKind::SignupIp | EvidenceKind::Prefix
        )
    }

    /// Whether the kind is a place (a request or sign-up address, a
    /// network, an e-mail domain) or a payment card: something a crowd
    /// shares at once, as opposed to content or a client.
    pub fn is_place_or_payment(self) -> bool {
        self.is_address() || matches!(self, EvidenceKind::Card | EvidenceKind::EmailDomain)
    }

    /// Whether values of this kind only strengthen a pair that other
    /// evidence links (a client fingerprint, a network prefix: strangers
    /// share them all the time) rather than link strangers.
    pub fn is_corroborating(self) -> bool {
        matches!(self, EvidenceKind::ClientFingerprint | EvidenceKind::Prefix)
    }

    /// How much one shared value of this kind says, at most (0..1).
    pub fn weight(self) -> f64 {
        match self {
            EvidenceKind::Card => 1.0,
            EvidenceKind::SignupIp => 0.6,
            EvidenceKind::RequestIp => 0.5,
            EvidenceKind::Prefix => 0.25,
            EvidenceKind::ClientFingerprint => 0.4,
            EvidenceKind::EmailDomain => 0.5,
            EvidenceKind::TemplateFamily => 0.4,
            EvidenceKind::Synchrony => 0.8,
            EvidenceKind::SignupBurst => 0.6,
            EvidenceKind::Indicator => 0.6,
            EvidenceKind::Cohort => 0.7,
            EvidenceKind::HandOff => 0.8,
        }
    }
}

/// One kind of evidence on a link.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LinkEvidence {
    /// The kind.
    pub kind: EvidenceKind,
    /// How many values of that kind the two share (minutes, for synchrony).
    pub shared: u32,
    /// Its contribution to the link weight.
    pub weight: f64,
    /// One shared value, as an analyst would read it.
    pub example: String,
}

/// A link between two accounts (indices into the case's accounts, `a < b`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    /// One account.
    pub a: u32,
    /// The other.
    pub b: u32,
    /// Sum of the evidence weights.
    pub weight: f64,
    /// The evidence, strongest first.
    pub evidence: Vec<LinkEvidence>,
}

/// The named sub-scores of a cluster, each 0..1.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Indicators {
    /// Shared infrastructure, cards, clients inside the cluster.
    pub coordination: f64,
    /// Signs of harvesting answers: chain-of-thought, grading, rewrites,
    /// concentration, output/input ratio.
    pub extraction: f64,
    /// Flat 24/7 load, regular spacing, synchrony.
    pub automation: f64,
    /// Young or farmed accounts, bans, proxy and crowded networks.
    pub evasion: f64,
    /// Traffic moved to a newly released model, beyond ordinary adoption.
    pub release_pivot: f64,
    /// Partner indicators hit.
    pub partner: f64,
    /// Industrial volume sustained over weeks.
    pub scale: f64,
    /// What speaks for the group (established organisation, short event,
    /// short outputs, small volume, adoption at its client's rate); lowers
    /// the score.
    pub exculpation: f64,
}

impl Indicators {
    /// (name, value) pairs in a fixed order.
    pub fn named(&self) -> [(&'static str, f64); 8] {
        [
            ("coordination", self.coordination),
            ("extraction", self.extraction),
            ("automation", self.automation),
            ("evasion", self.evasion),
            ("release_pivot", self.release_pivot),
            ("partner", self.partner),
            ("scale", self.scale),
            ("exculpation", self.exculpation),
        ]
    }
}

/// A number behind an indicator, in words.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    /// Which indicator it explains.
    pub indicator: String,
    /// How much it contributed (0..1).
    pub strength: f64,
    /// The sentence.
    pub text: String,
}

/// A cluster of accounts and its verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    /// Stable id: `c` and the case's `accounts.id` of its first account.
    pub id: String,
    /// Account indices, ascending.
    pub members: Vec<u32>,
    /// Exchanges of all members.
    pub exchanges: u64,
    /// Combined score, 0..1.
    pub score: f64,
    /// The tool's verdict: score at or above the threshold.
    pub suspected: bool,
    /// Sub-scores.
    pub indicators: Indicators,
    /// The numbers behind them, strongest first.
    pub reasons: Vec<Reason>,
}

/// Timings and sizes of a run.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunStats {
    /// Accounts analysed.
    pub accounts: usize,
    /// Candidate pairs before bounding.
    pub candidate_pairs: usize,
    /// Links kept.
    pub links: usize,
    /// Shared values that produced links.
    pub values_linked: usize,
    /// Shared values too common to be evidence.
    pub values_too_common: usize,
    /// Seconds reading the case.
    pub load_secs: f64,
    /// Seconds building the graph.
    pub graph_secs: f64,
    /// Seconds clustering.
    pub cluster_secs: f64,
    /// Seconds scoring.
    pub score_secs: f64,
    /// Seconds grouping clusters into campaigns and scoring those.
    pub campaign_secs: f64,
    /// Seconds per phase of building the graph.
    pub graph_phases: Vec<(String, f64)>,
    /// Seconds of the pass over `exchanges` for each cluster's series.
    #[serde(default)]
    pub series_secs: f64,
    /// Seconds writing the results into the case.
    #[serde(default)]
    pub store_secs: f64,
    /// The links of the previous run were kept in the case (a re-run on
    /// the same evidence graph), not written again.
    #[serde(default)]
    pub links_kept: bool,
}

/// Everything a run produces.
#[derive(Clone, Debug, PartialEq)]
pub struct AnalysisResult {
    /// The parameters used.
    pub params: Params,
    /// Kept links.
    pub links: std::sync::Arc<Vec<Link>>,
    /// Clusters, highest score first (ties by id).
    pub clusters: Vec<Cluster>,
    /// Candidate campaigns (groups of clusters), highest score first.
    pub campaigns: Vec<campaigns::Campaign>,
    /// Sizes and timings.
    pub stats: RunStats,
}

/// Release windows to measure: each `model_release` inside the case's span.
pub fn release_windows(features: &CaseFeatures, params: &Params) -> Vec<ReleaseWindow> {
    let Some((first, last)) = features.span_ms else {
        return Vec::new();
    };
    features
        .events
        .iter()
        .filter(|e| e.kind == "model_release" && e.ts_ms >= first && e.ts_ms < last)
        .filter_map(|e| {
            let model = features
                .models
                .iter()
                .position(|m| Some(m) == e.model.as_ref())?;
            Some(ReleaseWindow {
                start_ms: e.ts_ms,
                end_ms: e.ts_ms + params.pivot_window_hours * 3_600_000,
                model: model as u32,
            })
        })
        .collect()
}

/// The relationship graph of a case and the clustering algorithm's
/// partition of it, before the analysts' hand placements are applied.
pub struct Clustering {
    /// The evidence graph.
    pub graph: evidence::EvidenceGraph,
    /// Each account's cluster as the algorithm found it.
    pub algorithm: Vec<u32>,
}

/// Builds the relationship graph and clusters it (Leiden, then peeling),
/// recording sizes and timings in `stats`.
pub fn cluster(
    features: &CaseFeatures,
    activity: &Activity,
    params: &Params,
    stats: &mut RunStats,
) -> Clustering {
    let started = Instant::now();
    let graph = evidence::build(features, activity, params);
    stats.graph_secs = started.elapsed().as_secs_f64();
    let algorithm = cluster_graph(features, &graph, params, stats);
    Clustering { graph, algorithm }
}

/// Whether two parameter sets build the same evidence graph (and read the
/// same release windows): they differ at most in the clustering's and the
/// scoring's knobs (resolution, iterations, the corrections after Leiden,
/// the threshold, the campaign rules), so a re-run can cluster and score
/// the graph it already has. (The seed orders the cohort test's samples as
/// well as Leiden's visits: another seed builds the graph again.)
pub fn same_evidence(a: &Params, b: &Params) -> bool {
    let graph_only = |p: &Params| Params {
        resolution: 0.0,
        iterations: 0,
        bridge_conductance: 0.0,
        peel_share: 0.0,
        peel_floor: 0.0,
        pair_min_address_weight: 0.0,
        suspect_threshold: 0.0,
        campaign_min_cluster: 0,
        campaign_min_family_overlap: 0.0,
        campaign_min_similarity: 0.0,
        ..p.clone()
    };
    graph_only(a) == graph_only(b)
}

/// The evidence graph's sizes and phases, recorded in `stats`.
pub fn graph_stats(graph: &evidence::EvidenceGraph, stats: &mut RunStats) {
    stats.candidate_pairs = graph.candidate_pairs;
    stats.links = graph.links.len();
    stats.values_linked = graph.values_linked;
    stats.values_too_common = graph.values_too_common;
    stats.graph_phases = graph.phases.clone();
}

/// Whether `b` clusters an evidence graph as `a` does (the same evidence,
/// and the same Leiden and peeling parameters): a re-run that changes only
/// how clusters are scored and joined into campaigns (the threshold, the
/// campaign parameters) reuses the clustering it already has.
pub fn same_clustering(a: &Params, b: &Params) -> bool {
    let clustering_only = |p: &Params| Params {
        suspect_threshold: 0.0,
        campaign_min_cluster: 0,
        campaign_min_family_overlap: 0.0,
        campaign_min_similarity: 0.0,
        ..p.clone()
    };
    clustering_only(a) == clustering_only(b)
}

/// Clusters a built evidence graph (Leiden, then peeling), recording its
/// sizes and the clustering's time in `stats`.
pub fn cluster_graph(
    features: &CaseFeatures,
    graph: &evidence::EvidenceGraph,
    params: &Params,
    stats: &mut RunStats,
) -> Vec<u32> {
    graph_stats(graph, stats);
    let started = Instant::now();
    let edges: Vec<(u32, u32, f64)> = graph.links.iter().map(|l| (l.a, l.b, l.weight)).collect();
    let algorithm = leiden::leiden(
        features.accounts.len(),
        &edges,
        params.resolution,
        params.seed,
        params.iterations,
    );
    let address_only: Vec<bool> = graph
        .links
        .iter()
        .map(|l| {
            l.evidence
                .iter()
                .all(|e| e.kind.is_address() || e.kind.is_corroborating())
        })
        .collect();
    let places: Vec<Option<u64>> = graph.links.iter().map(place_signature).collect();
    let algorithm = peel::refine(
        features.accounts.len(),
        &edges,
        &address_only,
        &places,
        &algorithm,
        params,
    );
    stats.cluster_secs = started.elapsed().as_secs_f64();
    algorithm
}

/// The places a link rests on, for peeling: `Some` (equal values: the same
/// places) when all its evidence is a shared e-mail domain, address,
/// network or client — places crowds of strangers share (a university, a
/// household that is also a proxy exit); `None` when it rests on anything
/// more: the work itself (a template family), a payment card, a partner's
/// indicator, a sign-up burst, or evidence about the pair itself
/// (synchrony, cohort, hand-off).
fn place_signature(link: &Link) -> Option<u64> {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    for e in &link.evidence {
        let place = e.kind.is_address()
            || matches!(
                e.kind,
                EvidenceKind::EmailDomain | EvidenceKind::ClientFingerprint
            );
        if !place {
            return None;
        }
        e.kind.hash(&mut hasher);
        e.shared.hash(&mut hasher);
        e.example.hash(&mut hasher);
    }
    Some(hasher.finish())
}

/// Tells each cluster how many accounts at home on an address its members
/// pass through were left out of it ([`score::Scorer::residents`]; their
/// cluster in `before`), with one of them.
fn note_residents(
    clusters: &mut [Cluster],
    residents: &[u32],
    before: &[u32],
    features: &CaseFeatures,
) {
    let mut left: rustc_hash::FxHashMap<u32, Vec<u32>> = Default::default();
    for &a in residents {
        left.entry(before[a as usize]).or_default().push(a);
    }
    for cluster in clusters.iter_mut().filter(|c| c.members.len() >= 2) {
        let Some(out) = left.get(&before[cluster.members[0] as usize]) else {
            continue;
        };
        cluster.reasons.push(Reason {
            indicator: "exculpation".into(),
            strength: 0.0,
            text: format!(
                "{} account(s) left out (e.g. {}): each on a stable home network of its own, tied to the cluster only by addresses its members pass through on their way elsewhere (a residential proxy's exit is somebody's home)",
                out.len(),
                features.accounts[out[0] as usize].account_id
            ),
        });
    }
}

/// Scores the clusters of `membership` (each account's cluster) and groups
/// them into campaigns. Residents of a proxy's exit
/// ([`score::Scorer::residents`]) are first left out of their clusters,
/// each given a cluster label of its own above the others in `membership`
/// (so that it stays the partition the result was scored on) — but never
/// an account an analyst placed (`pinned`, ascending).
#[allow(clippy::too_many_arguments)]
pub fn score_membership(
    features: &CaseFeatures,
    activity: &Activity,
    windows: &[ReleaseWindow],
    graph: &evidence::EvidenceGraph,
    membership: &mut [u32],
    pinned: &[u32],
    params: &Params,
    stats: &mut RunStats,
) -> AnalysisResult {
    let started = Instant::now();
    let mut scorer = score::Scorer::new(features, activity, windows, graph, membership, params);
    // Residents of a proxy's exit leave the cluster of those passing through.
    let mut residents = scorer.residents(membership);
    residents.retain(|a| pinned.binary_search(a).is_err());
    let before = membership.to_vec();
    if !residents.is_empty() {
        let first_free = membership.iter().copied().max().map_or(0, |m| m + 1);
        for (label, &a) in (first_free..).zip(&residents) {
            membership[a as usize] = label;
        }
        scorer.rebase(membership);
    }
    let membership: &[u32] = membership;
    let mut clusters = scorer.score_partition(membership);
    if !residents.is_empty() {
        note_residents(&mut clusters, &residents, &before, features);
    }
    stats.score_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let campaigns = campaigns::group_campaigns(
        &mut clusters,
        graph,
        &scorer,
        features.accounts.len(),
        params,
    );
    stats.campaign_secs = started.elapsed().as_secs_f64();
    AnalysisResult {
        params: params.clone(),
        // Shared with the graph, not copied (it can be large).
        links: std::sync::Arc::clone(&graph.links),
        clusters,
        campaigns,
        stats: stats.clone(),
    }
}
