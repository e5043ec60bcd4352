//! Campaigns above clusters: one campaign on screen for one campaign in the
//! world. A campaign that gives every account its own card shows as many
//! clusters (each the accounts Leiden found densely tied); what ties those
//! clusters together is the job they all do — the same template families in
//! the same proportions, the same behaviour — and the links that cross
//! between them: cohorts, hand-offs, lock-step minutes.
//!
//! Clusters of two or more accounts are joined when their template-family
//! mixes overlap and their members behave alike, or when enough
//! campaign-level links cross between them on shared families; the
//! campaigns are the connected groups (union-find), each scored as one
//! group of accounts with the cluster indicators and given reasons of its
//! own. Every cluster is in at most one campaign. `docs/analysis.md` has the
//! rules.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use super::behaviour::{
    Fingerprint, Similarity, WorkingWindow, family_overlap, fullest_window, hours_beyond,
    population_hours, shared_hours, similarity, working_window,
};
use super::evidence::EvidenceGraph;
use super::families::UnionFind;
use super::score::Scorer;
use super::{Cluster, EvidenceKind, Indicators, Params, Reason};

/// A group of clusters with a verdict of its own.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Campaign {
    /// Stable id: `k` and the case's `accounts.id` of its first account.
    pub id: String,
    /// Its clusters' ids, highest score first.
    pub clusters: Vec<String>,
    /// Account indices, ascending.
    pub members: Vec<u32>,
    /// Exchanges of all members.
    pub exchanges: u64,
    /// Combined score of the campaign as one group, 0..1.
    pub score: f64,
    /// The tool's verdict on the campaign.
    pub suspected: bool,
    /// Sub-scores of the campaign as one group.
    pub indicators: Indicators,
    /// How strongly its clusters are tied to each other (0..1; 1 for a
    /// campaign of one cluster).
    pub cohesion: f64,
    /// The numbers behind the indicators and the ties, strongest first.
    pub reasons: Vec<Reason>,
}

/// A cluster as the grouping sees it: its template-family mix and the
/// behaviour of its typical member.
struct Profile {
    /// (family, share of the cluster's exchanges), by family.
    families: Vec<(u32, f32)>,
    /// Fingerprint of the typical member (means of profiles and shares,
    /// medians of volumes and counts).
    typical: Fingerprint,
}

/// The cluster's profile, pooled over its members weighted by their
/// exchanges (so that many short-lived accounts of one job, each too small
/// to profile alone, still add up to one clear picture).
fn profile(members: &[u32], prints: &[Fingerprint]) -> Profile {
    let mut families: FxHashMap<u32, f64> = FxHashMap::default();
    let mut total = 0.0f64;
    let mut hours = [0f64; 24];
    let mut weekdays = [0f64; 7];
    let mut capabilities = [0f64; 11];
    let mut cot = 0.0f64;
    let mut rates = Vec::new();
    let mut ratios = Vec::new();
    let mut networks = Vec::new();
    let mut asns = Vec::new();
    let mut adoption = (0.0f64, 0.0f64);
    for &a in members {
        let Some(p) = prints.get(a as usize) else {
            continue;
        };
        let w = p.exchanges as f64;
        if w == 0.0 {
            continue;
        }
        total += w;
        for &(family, share) in &p.families {
            *families.entry(family).or_default() += f64::from(share) * w;
        }
        for (t, x) in hours.iter_mut().zip(&p.hours) {
            *t += f64::from(*x) * w;
        }
        for (t, x) in weekdays.iter_mut().zip(&p.weekdays) {
            *t += f64::from(*x) * w;
        }
        for (t, x) in capabilities.iter_mut().zip(&p.capabilities) {
            *t += f64::from(*x) * w;
        }
        cot += f64::from(p.cot_share) * w;
        if p.exchanges >= 5 {
            rates.push(p.rate_log10);
            ratios.push(p.ratio_log2);
            networks.push(p.networks);
            asns.push(p.asns);
        }
        if let Some(x) = p.adoption {
            adoption.0 += f64::from(x) * w;
            adoption.1 += w;
        }
    }
    let mid_f = |mut v: Vec<f32>| -> f32 {
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(0.0)
    };
    let mid_u = |mut v: Vec<u32>| -> u32 {
        v.sort_unstable();
        v.get(v.len() / 2).copied().unwrap_or(0)
    };
    let norm = |x: f64| (x / total.max(1.0)) as f32;
    let mut typical = Fingerprint {
        exchanges: total as u64,
        cot_share: norm(cot),
        rate_log10: mid_f(rates),
        ratio_log2: mid_f(ratios),
        networks: mid_u(networks),
        asns: mid_u(asns),
        adoption: (adoption.1 > 0.0).then(|| (adoption.0 / adoption.1) as f32),
        ..Fingerprint::default()
    };
    for (t, x) in typical.hours.iter_mut().zip(hours) {
        *t = norm(x);
    }
    for (t, x) in typical.weekdays.iter_mut().zip(weekdays) {
        *t = norm(x);
    }
    for (t, x) in typical.capabilities.iter_mut().zip(capabilities) {
        *t = norm(x);
    }
    let mut families: Vec<(u32, f32)> = families
        .into_iter()
        .map(|(f, n)| (f, norm(n)))
        .filter(|(_, share)| *share >= 0.02)
        .collect();
    families.sort_unstable_by_key(|(f, _)| *f);
    typical.families = families.clone();
    Profile { families, typical }
}

/// Campaign-level links that cross between two clusters.
#[derive(Default, Clone, Copy)]
struct Crossing {
    cohort: u32,
    hand_off: u32,
    synchrony: u32,
    other: u32,
    /// Links (not evidence items) carrying a card, a sign-up or request
    /// address, or an e-mail domain.
    infrastructure: u32,
    /// Links carrying a card or an e-mail domain (an owner's).
    owner: u32,
}

/// Why two clusters were joined.
#[derive(Clone)]
struct Tie {
    overlap: f64,
    similarity: f64,
    crossing: Crossing,
    /// The working window both work, when that alone tied them.
    shift: Option<WorkingWindow>,
    /// Accounts that moved from one's shift to the other's, when that tied
    /// them: how many, and one move (from, to).
    moved: Option<(u32, WorkingWindow, WorkingWindow)>,
    /// The hours both work beyond what everyone does, when that tied them.
    beyond: Option<Beyond>,
}

/// Two suspected campaigns' hours of the day beyond the population's.
#[derive(Clone, Copy)]
struct Beyond {
    /// The share of each one's traffic (the smaller of the two, hour by
    /// hour, summed) above what all accounts put in the same hours.
    shared: f64,
    /// The window that holds most of it, when one of at most six hours does.
    window: Option<WorkingWindow>,
    /// The share of all accounts' traffic in that window.
    population: f64,
    /// How alike the two groups' typical members' work is (all of it
    /// between clusters, its content between suspected campaigns).
    alike: f64,
}

/// Whether two working windows are one shift: they share half the hours
/// of the longer one, the typical members' hours of the day are
/// [`SAME_SHIFT_HOURS`] alike and their work `min_work` alike.
fn one_shift(a: &WorkingWindow, b: &WorkingWindow, sim: &Similarity, min_work: f64) -> bool {
    shares_hours(a, b) && sim.hours >= SAME_SHIFT_HOURS && sim.work() >= min_work
}

/// Whether two working windows share half the hours of the longer one.
fn shares_hours(a: &WorkingWindow, b: &WorkingWindow) -> bool {
    2 * a.common_hours(b) >= a.hours.max(b.hours)
}

/// When the candidate clusters work: each one's working window if its
/// typical member works a shift, and the clusters by the hour their window
/// starts; for clusters of no independence, the hours they stand out from
/// the population in, and those clusters by the hour they stand out most.
struct Shifts {
    windows: FxHashMap<usize, WorkingWindow>,
    by_start: Vec<Vec<u32>>,
    /// Cluster → its typical member's hours beyond the population's.
    beyond: FxHashMap<usize, [f32; 24]>,
    beyond_by_peak: Vec<Vec<u32>>,
    /// All accounts' share of traffic per hour of the day.
    population: [f32; 24],
}

impl Shifts {
    fn new(
        candidates: &[usize],
        profiles: &FxHashMap<usize, Profile>,
        beyond: FxHashMap<usize, [f32; 24]>,
        population: [f32; 24],
    ) -> Self {
        let windows: FxHashMap<usize, WorkingWindow> = candidates
            .iter()
            .filter_map(|&i| Some((i, working_window(&profiles[&i].typical.hours)?)))
            .collect();
        let mut by_start: Vec<Vec<u32>> = vec![Vec::new(); 24];
        for &i in candidates {
            if let Some(w) = windows.get(&i) {
                by_start[usize::from(w.start)].push(i as u32);
            }
        }
        let beyond_by_peak = peak_index(beyond.iter().map(|(&i, b)| (i as u32, b)));
        Self {
            windows,
            by_start,
            beyond,
            beyond_by_peak,
            population,
        }
    }

    /// Clusters whose window starts within an hour of `w`'s, with their
    /// windows.
    fn near<'a>(&'a self, w: &WorkingWindow) -> impl Iterator<Item = (u32, &'a WorkingWindow)> {
        let start = usize::from(w.start);
        [23, 0, 1]
            .into_iter()
            .flat_map(move |d| &self.by_start[(start + d) % 24])
            .map(|&c| (c, &self.windows[&(c as usize)]))
    }

    /// Clusters that stand out from the population in the same hours as
    /// `beyond` (a profile's hours beyond the population's): peaking within
    /// three hours of its peak, with [`SHARED_HOURS_BEYOND`] or more in
    /// common ([`shared_hours`]); with what they have in common.
    fn beyond_near<'a>(&'a self, beyond: &'a [f32; 24]) -> impl Iterator<Item = (u32, f64)> + 'a {
        let peak = peak_hour(beyond);
        (0..7)
            .flat_map(move |d| &self.beyond_by_peak[(peak + 21 + d) % 24])
            .map(move |&c| (c, shared_hours(beyond, &self.beyond[&(c as usize)])))
            .filter(|(_, shared)| *shared >= SHARED_HOURS_BEYOND)
    }
}

/// Groups the scored `clusters` into campaigns, scores each, and lets a
/// cluster's verdict follow its campaign's: a cluster in a suspected
/// campaign is suspected; any other keeps its own verdict.
pub fn group_campaigns(
    clusters: &mut [Cluster],
    graph: &EvidenceGraph,
    scorer: &Scorer<'_>,
    accounts: usize,
    params: &Params,
) -> Vec<Campaign> {
    let prints = &graph.accounts.prints;
    let candidates: Vec<usize> = (0..clusters.len())
        .filter(|&i| clusters[i].members.len() >= params.campaign_min_cluster.max(2))
        .collect();
    let mut cluster_of = vec![u32::MAX; accounts];
    for &i in &candidates {
        for &a in &clusters[i].members {
            if let Some(slot) = cluster_of.get_mut(a as usize) {
                *slot = i as u32;
            }
        }
    }
    let profiles: FxHashMap<usize, Profile> = candidates
        .iter()
        .map(|&i| (i, profile(&clusters[i].members, prints)))
        .collect();
    // Links that cross between candidate clusters, by kind.
    let mut crossings: FxHashMap<(u32, u32), Crossing> = FxHashMap::default();
    for link in graph.links.iter() {
        let (ca, cb) = (
            cluster_of.get(link.a as usize).copied().unwrap_or(u32::MAX),
            cluster_of.get(link.b as usize).copied().unwrap_or(u32::MAX),
        );
        if ca == u32::MAX || cb == u32::MAX || ca == cb {
            continue;
        }
        let slot = crossings.entry((ca.min(cb), ca.max(cb))).or_default();
        for e in &link.evidence {
            match e.kind {
                EvidenceKind::Cohort => slot.cohort += 1,
                EvidenceKind::HandOff => slot.hand_off += 1,
                EvidenceKind::Synchrony => slot.synchrony += 1,
                _ => slot.other += 1,
            }
        }
        if carries_infrastructure(link) {
            slot.infrastructure += 1;
        }
        if carries_owner(link) {
            slot.owner += 1;
        }
    }
    // Candidate pairs: clusters that put 5% or more of their traffic on one
    // family, and clusters that links cross between.
    let mut by_family: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for &i in &candidates {
        for &(family, share) in &profiles[&i].families {
            if share >= 0.05 {
                by_family.entry(family).or_default().push(i as u32);
            }
        }
    }
    let mut pairs: Vec<(u32, u32)> = crossings.keys().copied().collect();
    let mut families: Vec<u32> = by_family.keys().copied().collect();
    families.sort_unstable();
    for family in families {
        let list = &by_family[&family];
        super::pairs::for_each_pair(list, 24, u64::from(family), |a, b| pairs.push((a, b)));
    }
    // Clusters of no independence (most members disposable or hiding)
    // stand out from the population in the hours they work, whatever cover
    // traffic spreads over the rest of the day.
    let population = population_hours(prints);
    let beyond_of: FxHashMap<usize, [f32; 24]> = candidates
        .iter()
        .filter(|&&i| {
            let m = &clusters[i].members;
            let dependent = m
                .iter()
                .filter(|&&a| scorer.is_disposable(a) || scorer.is_hiding(a))
                .count();
            2 * dependent >= m.len()
        })
        .map(|&i| (i, hours_beyond(&profiles[&i].typical.hours, &population)))
        .filter(|(_, b)| b.iter().map(|&x| f64::from(x)).sum::<f64>() >= SHARED_HOURS_BEYOND)
        .collect();
    // And clusters that work the same shift: same start of their working
    // window, give or take an hour.
    let shifts = Shifts::new(&candidates, &profiles, beyond_of, population);
    // Work on shared prompts and work on none are two jobs, whatever hours
    // they keep: a shift, or the hours beyond everyone's, does not join a
    // cluster that shares no prompt to one whose work is on shared prompts
    // (two operations may well work the same hours).
    let on_prompts: FxHashMap<usize, f64> = shifts
        .windows
        .keys()
        .chain(shifts.beyond.keys())
        .map(|&i| (i, work_on_shared_families(&clusters[i].members, prints)))
        .collect();
    let other_job = |a: u32, b: u32| {
        let (x, y) = (on_prompts.get(&(a as usize)), on_prompts.get(&(b as usize)));
        match (x, y) {
            (Some(&x), Some(&y)) => {
                let (low, high) = (x.min(y), x.max(y));
                low < PROMPT_FREE_WORK && high >= PROMPT_WORK
            }
            _ => false,
        }
    };
    for h in 0..24 {
        let mut list = shifts.by_start[h].clone();
        list.extend_from_slice(&shifts.by_start[(h + 1) % 24]);
        list.sort_unstable();
        super::pairs::for_each_pair(&list, 24, SHIFT_SALT ^ h as u64, |a, b| pairs.push((a, b)));
    }
    // And those clusters that stand out in the same hours: by the hour
    // they stand out most, give or take three.
    pair_by_peak(
        &shifts.beyond_by_peak,
        |h| BEYOND_SALT ^ h as u64,
        &mut pairs,
    );
    pairs.sort_unstable();
    pairs.dedup();
    let mut uf = UnionFind::new(clusters.len());
    let mut ties: Vec<(u32, u32, Tie)> = Vec::new();
    for (a, b) in pairs {
        let (pa, pb) = (&profiles[&(a as usize)], &profiles[&(b as usize)]);
        let (overlap, _) = family_overlap(&pa.typical, &pb.typical);
        let parts = similarity(&pa.typical, &pb.typical);
        let alike = parts.combined;
        let crossing = crossings.get(&(a, b)).copied().unwrap_or_default();
        let smaller = clusters[a as usize]
            .members
            .len()
            .min(clusters[b as usize].members.len()) as u32;
        let strong_links = crossing.cohort + 2 * crossing.hand_off + crossing.synchrony;
        let by_profile = overlap >= params.campaign_min_family_overlap
            && alike >= params.campaign_min_similarity;
        let by_links = overlap >= params.campaign_min_family_overlap / 2.0
            && strong_links >= 3.max(smaller.div_ceil(10));
        // A campaign that shares no prompt (a fresh template per request)
        // still works in crews: the same windows, accounts swapping between
        // crews, replacements taking over. Lock-step minutes and hand-offs
        // crossing between two clusters whose members behave alike join
        // them without any shared family.
        let timing_links = crossing.synchrony + 2 * crossing.hand_off;
        let by_timing =
            alike >= params.campaign_min_similarity && timing_links >= 3.max(smaller.div_ceil(10));
        // Nor does it share its prompts between crews; what is left is the
        // same work done the same way (typical members' work very alike,
        // whatever their shifts) over shared infrastructure: a card, an
        // address, a throw-away domain crossing between the crews.
        let by_infrastructure = parts.work() >= SAME_WORK_SIMILARITY
            && crossing.infrastructure >= 1.max(smaller.div_ceil(10));
        // A card or a domain crossing is one owner holding accounts in
        // both: what it asks of the work is its content (capabilities,
        // token shape, chain-of-thought), not the volume or the networks
        // seen, which differ with crews' sizes and accounts' lifetimes.
        let by_owner = parts.content() >= SAME_WORK_SIMILARITY
            && crossing.owner >= 1.max(smaller.div_ceil(10));
        let by_infrastructure = by_infrastructure || by_owner;
        // A campaign that shares no prompt and no infrastructure between
        // the pieces Leiden found of one crew still works the crew's shift:
        // the same few hours of the day, the same work done the same way.
        let shift = match (
            shifts.windows.get(&(a as usize)),
            shifts.windows.get(&(b as usize)),
        ) {
            (Some(wa), Some(wb))
                if one_shift(wa, wb, &parts, SAME_WORK_SIMILARITY) && !other_job(a, b) =>
            {
                Some(*wa)
            }
            _ => None,
        };
        let same_shift = shift.is_some();
        // Nor, when cover traffic spreads over the rest of the day, a
        // window of its own: what is left is the hours both stand out in.
        let beyond = match (
            shifts.beyond.get(&(a as usize)),
            shifts.beyond.get(&(b as usize)),
        ) {
            (Some(x), Some(y)) if !same_shift && !other_job(a, b) => {
                beyond_tie(x, y, &parts, Similarity::content, &shifts.population)
            }
            _ => None,
        };
        if by_profile
            || by_links
            || by_timing
            || by_infrastructure
            || same_shift
            || beyond.is_some()
        {
            uf.union(a, b);
            ties.push((
                a,
                b,
                Tie {
                    overlap,
                    similarity: alike,
                    crossing,
                    shift: shift
                        .filter(|_| !(by_profile || by_links || by_timing || by_infrastructure)),
                    moved: None,
                    beyond: beyond
                        .filter(|_| !(by_profile || by_links || by_timing || by_infrastructure)),
                },
            ));
        }
    }
    // Accounts that moved from one crew's shift to another's tie the
    // crews: an account of no independence (disposable, or hiding behind
    // rotating proxies) whose first half works one cluster's shift and
    // second half another's, doing the work of both. Where cover traffic
    // hides the shifts, what each half adds to everyone's day is compared
    // with what each cluster does (the hours beyond the population).
    let mut moved: FxHashMap<(u32, u32), (u32, WorkingWindow, WorkingWindow)> =
        FxHashMap::default();
    for (a, halves) in graph.accounts.halves.iter().enumerate() {
        let Some(halves) = halves else {
            continue;
        };
        let Some(p) = prints.get(a).filter(|p| p.is_reliable()) else {
            continue;
        };
        if !(scorer.is_disposable(a as u32) || scorer.is_hiding(a as u32)) {
            continue;
        }
        let on_shift = |w: &WorkingWindow| -> Option<u32> {
            shifts
                .near(w)
                .filter(|(_, cw)| shares_hours(w, cw))
                .map(|(c, _)| (c, similarity(p, &profiles[&(c as usize)].typical).work()))
                .filter(|(_, work)| *work >= LONE_SAME_WORK)
                .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)))
                .map(|(c, _)| c)
        };
        let found = match halves.shift_change() {
            Some((early, late)) => on_shift(&early)
                .zip(on_shift(&late))
                .map(|(x, y)| (x, y, early, late)),
            None => moved_beyond(halves, p, &shifts, |c| &profiles[&(c as usize)].typical),
        };
        if let Some((x, y, early, late)) = found
            && x != y
        {
            let slot = moved
                .entry((x.min(y), x.max(y)))
                .or_insert((0, early, late));
            slot.0 += 1;
        }
    }
    let mut moved: Vec<_> = moved.into_iter().collect();
    moved.sort_unstable_by_key(|(pair, _)| *pair);
    for ((a, b), (movers, from, to)) in moved {
        let smaller = clusters[a as usize]
            .members
            .len()
            .min(clusters[b as usize].members.len()) as u32;
        if movers < 1.max(smaller / 10) || uf.find(a) == uf.find(b) {
            continue;
        }
        uf.union(a, b);
        let (pa, pb) = (&profiles[&(a as usize)], &profiles[&(b as usize)]);
        ties.push((
            a,
            b,
            Tie {
                overlap: family_overlap(&pa.typical, &pb.typical).0,
                similarity: similarity(&pa.typical, &pb.typical).combined,
                crossing: crossings.get(&(a, b)).copied().unwrap_or_default(),
                shift: None,
                moved: Some((movers, from, to)),
                beyond: None,
            },
        ));
    }
    let mut components: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for &i in &candidates {
        components.entry(uf.find(i as u32)).or_default().push(i);
    }
    let mut groups: Vec<Vec<usize>> = components
        .into_values()
        .filter(|list| list.len() >= 2 || clusters[list[0]].suspected)
        .collect();
    // A fixed order (by first account) before anything depends on it.
    groups.sort_by_key(|list| list.iter().map(|&i| clusters[i].members[0]).min());
    // Each round of joiners makes the campaign's families more its own.
    for _ in 0..3 {
        if !attach_lone_accounts(
            &mut groups,
            clusters,
            graph,
            scorer,
            &profiles,
            &shifts,
            &mut ties,
        ) {
            break;
        }
    }
    join_by_owner(&mut groups, clusters, graph, &mut ties);
    for list in &mut groups {
        list.sort_by(|&x, &y| {
            clusters[y]
                .score
                .total_cmp(&clusters[x].score)
                .then(clusters[x].members[0].cmp(&clusters[y].members[0]))
        });
    }
    groups.sort_by_key(|list| list.iter().map(|&i| clusters[i].members[0]).min());
    let (mut campaigns, mut campaign_of_cluster) =
        score_campaigns(&groups, clusters, scorer, accounts, &ties);
    if join_by_hours_beyond(
        &mut groups,
        &campaigns,
        clusters,
        prints,
        &population,
        &mut ties,
    ) {
        (campaigns, campaign_of_cluster) =
            score_campaigns(&groups, clusters, scorer, accounts, &ties);
    }
    if join_by_crew_shift(&mut groups, &campaigns, clusters, prints, scorer, &mut ties) {
        (campaigns, campaign_of_cluster) =
            score_campaigns(&groups, clusters, scorer, accounts, &ties);
    }
    // (A reserve, never used, comes last in its campaign's list.)
    if attach_reserves(&mut groups, clusters, graph) {
        (campaigns, campaign_of_cluster) =
            score_campaigns(&groups, clusters, scorer, accounts, &ties);
    }
    for (i, cluster) in clusters.iter_mut().enumerate() {
        if let Some(c) = campaigns.get(campaign_of_cluster[i])
            && c.suspected
            && !cluster.suspected
        {
            cluster.suspected = true;
            cluster.reasons.insert(
                0,
                Reason {
                    indicator: "campaign".into(),
                    strength: c.score,
                    text: format!(
                        "part of suspected campaign {} ({} clusters, {} accounts, score {:.2})",
                        c.id,
                        c.clusters.len(),
                        c.members.len(),
                        c.score
                    ),
                },
            );
        }
    }
    campaigns.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.members[0].cmp(&b.members[0]))
    });
    campaigns
}

/// Two suspected campaigns work the same hours when this share of each
/// one's traffic (the smaller, hour by hour, summed) falls in the same hours
/// of the day above what all accounts put there: crews whose cover traffic
/// hides their shift from a window of their own still stand out from the
/// population in the same hours.
const SHARED_HOURS_BEYOND: f64 = 0.25;

/// Pairs of groups whose most standing-out hours are within three of each
/// other (`by_peak`: the groups by the hour they stand out most,
/// [`peak_index`]): per hour of the day the groups peaking in it or the
/// three after, each with at most 24 ring neighbours
/// ([`super::pairs::for_each_pair`], salted by `salt_of(hour)`).
fn pair_by_peak(by_peak: &[Vec<u32>], salt_of: impl Fn(usize) -> u64, pairs: &mut Vec<(u32, u32)>) {
    for h in 0..24 {
        let mut list: Vec<u32> = (0..4).flat_map(|d| by_peak[(h + d) % 24].clone()).collect();
        list.sort_unstable();
        super::pairs::for_each_pair(&list, 24, salt_of(h), |a, b| pairs.push((a, b)));
    }
}

/// Groups (id, hours beyond the population's) by the hour they stand out
/// most, each list ascending.
fn peak_index<'a>(beyond: impl Iterator<Item = (u32, &'a [f32; 24])>) -> Vec<Vec<u32>> {
    let mut by_peak: Vec<Vec<u32>> = vec![Vec::new(); 24];
    for (i, b) in beyond {
        by_peak[peak_hour(b)].push(i);
    }
    for list in &mut by_peak {
        list.sort_unstable();
    }
    by_peak
}

/// The hour of the day `b` is largest in, the earliest on a tie.
fn peak_hour(b: &[f32; 24]) -> usize {
    (0..24)
        .max_by(|&x, &y| b[x].total_cmp(&b[y]).then(y.cmp(&x)))
        .unwrap_or(0)
}

/// Where an account whose halves work no shift of their own (cover traffic
/// spread over the day) moved: each half stands out from the population in
/// [`SHARED_HOURS_BEYOND`] of its minutes, the two halves in different
/// hours (less than that in common), and each half in the same hours as a
/// cluster does ([`Shifts::beyond_near`]), the account's work
/// [`LONE_SAME_WORK`] alike to that cluster's typical member. The two
/// clusters (the most hours in common, the lower id on a tie) and where
/// each half stands out.
fn moved_beyond<'a>(
    halves: &super::behaviour::Halves,
    p: &Fingerprint,
    shifts: &Shifts,
    typical: impl Fn(u32) -> &'a Fingerprint,
) -> Option<(u32, u32, WorkingWindow, WorkingWindow)> {
    let (early, late) = halves.beyond(&shifts.population);
    let stands_out = |b: &[f32; 24]| shared_hours(b, b) >= SHARED_HOURS_BEYOND;
    if !(stands_out(&early) && stands_out(&late))
        || shared_hours(&early, &late) >= SHARED_HOURS_BEYOND
    {
        return None;
    }
    let cluster_of = |half: &[f32; 24]| -> Option<u32> {
        shifts
            .beyond_near(half)
            .filter(|&(c, _)| similarity(p, typical(c)).work() >= LONE_SAME_WORK)
            .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)))
            .map(|(c, _)| c)
    };
    let window = |b: &[f32; 24]| working_window(b).unwrap_or_else(|| fullest_window(b));
    Some((
        cluster_of(&early)?,
        cluster_of(&late)?,
        window(&early),
        window(&late),
    ))
}

/// Whether two groups (their hours beyond the population's, and their
/// typical members compared) work the same hours beyond everyone else on
/// the same work: [`SHARED_HOURS_BEYOND`] of each one's traffic in the same
/// hours above the population's, and `alike` (all of the work, or its
/// content) [`SAME_WORK_SIMILARITY`] or more. The rest of their day is not
/// compared: it is where cover traffic goes, each account's wherever it
/// likes.
fn beyond_tie(
    x: &[f32; 24],
    y: &[f32; 24],
    parts: &Similarity,
    alike: fn(&Similarity) -> f64,
    population: &[f32; 24],
) -> Option<Beyond> {
    let both: [f32; 24] = std::array::from_fn(|h| x[h].min(y[h]));
    let shared: f64 = both.iter().map(|&v| f64::from(v)).sum();
    if shared < SHARED_HOURS_BEYOND || alike(parts) < SAME_WORK_SIMILARITY {
        return None;
    }
    let window = working_window(&both);
    Some(Beyond {
        shared,
        window,
        population: window.map_or(0.0, |w| {
            (0..24u8)
                .filter(|&h| w.contains(h))
                .map(|h| f64::from(population[usize::from(h)]))
                .sum()
        }),
        alike: alike(parts),
    })
}

/// Joins suspected campaigns that work the same hours beyond the
/// population's ([`SHARED_HOURS_BEYOND`]) on work of the same content
/// ([`Similarity::content`], [`SAME_WORK_SIMILARITY`]; volume and networks
/// seen differ with crews' sizes and accounts' lifetimes): the crews of
/// one campaign on one shift, found apart. Only suspected campaigns are
/// joined, so none is made suspected by it (scored again as one, a joined
/// campaign that fell under the threshold would leave its clusters their
/// own verdicts); each join is a tie between their first clusters.
/// Whether any was joined.
fn join_by_hours_beyond(
    groups: &mut Vec<Vec<usize>>,
    campaigns: &[Campaign],
    clusters: &[Cluster],
    prints: &[Fingerprint],
    population: &[f32; 24],
    ties: &mut Vec<(u32, u32, Tie)>,
) -> bool {
    let suspected: Vec<usize> = (0..campaigns.len())
        .filter(|&k| campaigns[k].suspected)
        .collect();
    if suspected.len() < 2 {
        return false;
    }
    let typical: Vec<Fingerprint> = suspected
        .iter()
        .map(|&k| profile(&campaigns[k].members, prints).typical)
        .collect();
    let beyond: Vec<[f32; 24]> = typical
        .iter()
        .map(|t| hours_beyond(&t.hours, population))
        .collect();
    // Candidate pairs: campaigns whose most standing-out hours are within
    // three of each other, each compared with at most 24 ring neighbours
    // per hour (sub-quadratic however many campaigns a case holds).
    let mut pairs: Vec<(u32, u32)> = Vec::new();
    pair_by_peak(
        &peak_index(beyond.iter().enumerate().map(|(i, b)| (i as u32, b))),
        |h| BEYOND_SALT ^ ((h as u64) << 8),
        &mut pairs,
    );
    pairs.sort_unstable();
    pairs.dedup();
    let mut uf = UnionFind::new(groups.len());
    let mut joined = false;
    for (i, j) in pairs {
        let (i, j) = (i as usize, j as usize);
        let (k, l) = (suspected[i], suspected[j]);
        if uf.find(k as u32) == uf.find(l as u32) {
            continue;
        }
        let parts = similarity(&typical[i], &typical[j]);
        let Some(tie) = beyond_tie(
            &beyond[i],
            &beyond[j],
            &parts,
            Similarity::content,
            population,
        ) else {
            continue;
        };
        uf.union(k as u32, l as u32);
        joined = true;
        ties.push((
            groups[k][0] as u32,
            groups[l][0] as u32,
            Tie {
                overlap: family_overlap(&typical[i], &typical[j]).0,
                similarity: parts.combined,
                crossing: Crossing::default(),
                shift: None,
                moved: None,
                beyond: Some(tie),
            },
        ));
    }
    if !joined {
        return false;
    }
    merge_groups(groups, &mut uf, clusters);
    true
}

/// A cluster shares no prompt when less than this share of its members'
/// traffic (on average) is on template families half of them or more use
/// ([`work_on_shared_families`])…
const PROMPT_FREE_WORK: f64 = 0.1;
/// …and its work is on shared prompts from this share on: a shift, or the
/// hours beyond everyone's, never joins the one to the other. In between
/// (a campaign with much cover traffic) neither is said.
const PROMPT_WORK: f64 = 0.4;

/// A crew shares no prompt when less than this share of its members'
/// traffic (on average) is on template families half of them or more use
/// ([`work_on_shared_families`]).
const CREW_SHARED_WORK: f64 = 0.25;

/// The mean share of `members`' traffic on template families that half of
/// them or more (two at least) put `behaviour::MIN_FAMILY_SHARE` of their own
/// traffic on: the work they share prompts for. A member's own prompts
/// (its cover traffic's personas, a fresh template per request) do not
/// count.
fn work_on_shared_families(members: &[u32], prints: &[Fingerprint]) -> f64 {
    let mut users: FxHashMap<u32, usize> = FxHashMap::default();
    let mut profiled = 0usize;
    for p in members.iter().filter_map(|&a| prints.get(a as usize)) {
        profiled += 1;
        for &(family, _) in &p.families {
            *users.entry(family).or_default() += 1;
        }
    }
    let needed = 2.max(profiled.div_ceil(2));
    let shared = |family: u32| users.get(&family).is_some_and(|&n| n >= needed);
    let total: f64 = members
        .iter()
        .filter_map(|&a| prints.get(a as usize))
        .map(|p| {
            p.families
                .iter()
                .filter(|(f, _)| shared(*f))
                .map(|&(_, share)| f64::from(share))
                .sum::<f64>()
        })
        .sum();
    total / profiled.max(1) as f64
}

/// The fewest members of no independence of each of two suspected
/// campaigns that work one shift, for the shift to join them
/// ([`join_by_crew_shift`]).
const CREW_ON_SHIFT: usize = 2;

/// Joins suspected campaigns that each hold a crew working one shift: two
/// or more members of no independence (disposable, or hiding behind
/// rotating proxies) each, every one with a working window of its own
/// ([`working_window`]: a few hours holding most of its traffic), the two
/// crews' windows sharing half their hours and their hours of the day
/// [`SAME_SHIFT_HOURS`] alike, doing work of the same content
/// ([`Similarity::content`], [`SAME_WORK_SIMILARITY`]). A campaign that
/// shares no prompt works in crews on fixed shifts, and a crew's accounts
/// fall apart when a card or a domain ties some of them to another crew:
/// the pieces still share the shift. Only suspected campaigns are joined
/// (none is made suspected by it); each join is a tie between their first
/// clusters, naming the shift. Whether any was joined.
fn join_by_crew_shift(
    groups: &mut Vec<Vec<usize>>,
    campaigns: &[Campaign],
    clusters: &[Cluster],
    prints: &[Fingerprint],
    scorer: &Scorer<'_>,
    ties: &mut Vec<(u32, u32, Tie)>,
) -> bool {
    let suspected: Vec<usize> = (0..campaigns.len())
        .filter(|&k| campaigns[k].suspected)
        .collect();
    if suspected.len() < 2 {
        return false;
    }
    // Members of no independence with a shift of their own, by the hour
    // their window starts: (suspected campaign, account).
    let mut by_start: Vec<Vec<(usize, u32)>> = vec![Vec::new(); 24];
    for (i, &k) in suspected.iter().enumerate() {
        for &a in &campaigns[k].members {
            let Some(p) = prints.get(a as usize).filter(|p| p.is_reliable()) else {
                continue;
            };
            if !(scorer.is_disposable(a) || scorer.is_hiding(a)) {
                continue;
            }
            if let Some(w) = working_window(&p.hours) {
                by_start[usize::from(w.start)].push((i, a));
            }
        }
    }
    let mut uf = UnionFind::new(groups.len());
    let mut joined = false;
    for h in 0..24 {
        // The crews starting this hour or the next, per campaign.
        let mut crews: BTreeMap<usize, Vec<u32>> = BTreeMap::new();
        for &(i, a) in by_start[h].iter().chain(&by_start[(h + 1) % 24]) {
            crews.entry(i).or_default().push(a);
        }
        // Crews whose work shares prompts are joined by the prompts, not
        // here.
        let crews: Vec<(usize, Fingerprint)> = crews
            .into_iter()
            .filter(|(_, members)| {
                members.len() >= CREW_ON_SHIFT
                    && work_on_shared_families(members, prints) < CREW_SHARED_WORK
            })
            .map(|(i, members)| (i, profile(&members, prints).typical))
            .collect();
        if crews.len() < 2 {
            continue;
        }
        let list: Vec<u32> = (0..crews.len() as u32).collect();
        let mut pairs = Vec::new();
        super::pairs::for_each_pair(&list, 24, CREW_SHIFT_SALT ^ h as u64, |x, y| {
            pairs.push((x as usize, y as usize))
        });
        pairs.sort_unstable();
        for (x, y) in pairs {
            let ((i, px), (j, py)) = (&crews[x], &crews[y]);
            let (k, l) = (suspected[*i], suspected[*j]);
            if uf.find(k as u32) == uf.find(l as u32) {
                continue;
            }
            let (Some(wx), Some(wy)) = (working_window(&px.hours), working_window(&py.hours))
            else {
                continue;
            };
            let parts = similarity(px, py);
            if !(shares_hours(&wx, &wy)
                && parts.hours >= SAME_SHIFT_HOURS
                && parts.content() >= SAME_WORK_SIMILARITY)
            {
                continue;
            }
            uf.union(k as u32, l as u32);
            joined = true;
            ties.push((
                groups[k][0] as u32,
                groups[l][0] as u32,
                Tie {
                    overlap: family_overlap(px, py).0,
                    similarity: parts.combined,
                    crossing: Crossing::default(),
                    shift: Some(wx),
                    moved: None,
                    beyond: None,
                },
            ));
        }
    }
    if !joined {
        return false;
    }
    merge_groups(groups, &mut uf, clusters);
    true
}

/// Scores each group of clusters as one campaign (under the partition the
/// groups make), with the ties that joined its clusters; and each
/// cluster's campaign (`usize::MAX` for none).
fn score_campaigns(
    groups: &[Vec<usize>],
    clusters: &[Cluster],
    scorer: &Scorer<'_>,
    accounts: usize,
    ties: &[(u32, u32, Tie)],
) -> (Vec<Campaign>, Vec<usize>) {
    let mut campaign_of_cluster = vec![usize::MAX; clusters.len()];
    // Score each campaign as one group under the campaign partition.
    let mut membership = vec![u32::MAX; accounts];
    for (k, list) in groups.iter().enumerate() {
        for &i in list {
            campaign_of_cluster[i] = k;
            for &a in &clusters[i].members {
                if let Some(slot) = membership.get_mut(a as usize) {
                    *slot = k as u32;
                }
            }
        }
    }
    let kinds_inside = scorer.kinds_inside(&membership);
    let mut ties_of: FxHashMap<usize, Vec<&Tie>> = FxHashMap::default();
    let mut ties_by_campaign: Vec<Vec<(u32, u32, &Tie)>> = vec![Vec::new(); groups.len()];
    for (a, b, tie) in ties {
        let k = campaign_of_cluster[*a as usize];
        ties_of.entry(k).or_default().push(tie);
        if let Some(slot) = ties_by_campaign.get_mut(k) {
            slot.push((*a, *b, tie));
        }
    }
    // Each campaign on its own, on both cores, collected in order.
    use rayon::prelude::*;
    let campaigns: Vec<Campaign> = groups
        .par_iter()
        .enumerate()
        .map(|(k, list)| {
            let mut members: Vec<u32> = list
                .iter()
                .flat_map(|&i| clusters[i].members.iter().copied())
                .collect();
            members.sort_unstable();
            let timing = timing_dependence(list, clusters, members.len(), &ties_by_campaign[k]);
            let scored = scorer.score_group_with(members, &kinds_inside, timing.as_ref());
            let mine: Vec<&Tie> = ties_of.get(&k).cloned().unwrap_or_default();
            let (cohesion, mut tie_reasons) = cohesion(list.len(), &mine);
            let mut reasons = scored.reasons;
            reasons.append(&mut tie_reasons);
            super::score::sort_reasons(&mut reasons);
            Campaign {
                id: format!("k{}", scored.members[0] + 1),
                clusters: list.iter().map(|&i| clusters[i].id.clone()).collect(),
                members: scored.members,
                exchanges: scored.exchanges,
                score: scored.score,
                suspected: scored.suspected,
                indicators: scored.indicators,
                cohesion,
                reasons,
            }
        })
        .collect();
    (campaigns, campaign_of_cluster)
}

/// What the hours of the day count for in coordination, as a kind of
/// evidence on the links does ([`EvidenceKind::weight`]): as much as a
/// shared request address, less than the same minutes (lock-step, 0.8).
const SHARED_HOURS_WEIGHT: f64 = 0.5;

/// A campaign's crews tied by their timing — clusters of no independence
/// working the same shift, standing out from the population in the same
/// hours, or accounts moving between their shifts — are synchronised, one
/// crew with another: dependence the accounts' own links do not show.
/// It reaches the members of the clusters those ties join (`list`: the
/// campaign's clusters, `members` of them in all), as strongly as the tied
/// clusters' typical members are alike.
fn timing_dependence(
    list: &[usize],
    clusters: &[Cluster],
    members: usize,
    ties: &[(u32, u32, &Tie)],
) -> Option<super::score::Dependence> {
    let timing: Vec<&(u32, u32, &Tie)> = ties
        .iter()
        .filter(|(_, _, t)| t.shift.is_some() || t.moved.is_some() || t.beyond.is_some())
        .collect();
    if timing.is_empty() || list.len() < 2 {
        return None;
    }
    let mut tied: Vec<u32> = timing.iter().flat_map(|(a, b, _)| [*a, *b]).collect();
    tied.sort_unstable();
    tied.dedup();
    let reached: usize = tied
        .iter()
        .map(|&c| clusters[c as usize].members.len())
        .sum();
    let alike = timing.iter().map(|(_, _, t)| t.similarity).sum::<f64>() / timing.len() as f64;
    let share = (reached as f64 / members.max(1) as f64).min(1.0);
    Some(super::score::Dependence {
        weight: SHARED_HOURS_WEIGHT,
        share: share * alike.clamp(0.0, 1.0),
        text: format!(
            "{reached} of {members} accounts in {} of its crews tied by their timing (the same shift, the same hours beyond everyone else, or accounts moving between their shifts), typical members {alike:.2} alike",
            tied.len()
        ),
    })
}

/// Whether a link carries a card, a sign-up or request address or an
/// e-mail domain: infrastructure one account shares with another.
fn carries_infrastructure(link: &super::Link) -> bool {
    link.evidence.iter().any(|e| {
        matches!(
            e.kind,
            EvidenceKind::Card
                | EvidenceKind::SignupIp
                | EvidenceKind::RequestIp
                | EvidenceKind::EmailDomain
        )
    })
}

/// Whether a link carries a card or an e-mail domain: what one owner holds
/// (both held to the crowd limit by how many use them at once).
fn carries_owner(link: &super::Link) -> bool {
    link.evidence
        .iter()
        .any(|e| matches!(e.kind, EvidenceKind::Card | EvidenceKind::EmailDomain))
}

/// Two clusters whose typical members' work is this alike
/// ([`super::behaviour::Similarity::work`]) do the same work the same way,
/// whatever their prompts and shifts: with shared infrastructure crossing
/// between them (one link is enough, a tenth of the smaller cluster's
/// accounts for larger ones), they are tied.
const SAME_WORK_SIMILARITY: f64 = 0.85;

/// Two clusters work the same shift when their working windows
/// ([`working_window`]) share half the hours of the longer one and their
/// typical members' hours of the day are this alike (Bhattacharyya).
const SAME_SHIFT_HOURS: f64 = 0.9;
/// Salt of the shuffled pairing of clusters by their shift's start.
const SHIFT_SALT: u64 = 0x5b1f_7e11;
/// Salt of the shuffled pairing of clusters by the hour they stand out most.
const BEYOND_SALT: u64 = 0x3e70_bd42;
/// Salt of the pairs of crews compared per shift ([`join_by_crew_shift`]).
const CREW_SHIFT_SALT: u64 = 0x7c3e_5a19;

/// A family is a campaign's own when the campaign's accounts carry this
/// share of its use…
const OWNED_FAMILY_USERS: f64 = 0.6;
/// …and at least this many of them.
const OWNED_FAMILY_MIN_USERS: usize = 5;
/// How a family is used: the sum of its users' shares on it, and per
/// campaign that sum and how many of the campaign's accounts use it.
type FamilyUse = (f64, FxHashMap<usize, (f64, usize)>);

/// A lone account this alike to a campaign's typical member (a profile of
/// 20 or more exchanges) is weighed as one of its accounts when the
/// campaign's own families are found, and may join it without looking
/// disposable.
const LONE_ALIKE: f64 = 0.8;

/// A lone disposable account whose work is this alike to the typical
/// member of a campaign it shares infrastructure with joins it (lower than
/// [`SAME_WORK_SIMILARITY`]: one account's few weeks see fewer networks and
/// a noisier volume than a cluster's pooled profile).
const LONE_SAME_WORK: f64 = 0.75;

/// A lone account (or the accounts one owner holds, pooled) that shares a
/// card or an e-mail domain with a campaign's account joins it when its
/// work's content is more alike to the campaign's typical member than
/// this share of the accounts outside campaigns are (strictly: strangers
/// doing the very same work leave it nothing to stand out by)…
const OWNER_CONTENT_QUANTILE: f64 = 0.95;
/// …and at least this alike (a campaign whose work is unlike everyone's
/// still asks this much of its owner's other accounts).
const LONE_OWNER_CONTENT: f64 = 0.6;
/// The most accounts [`population_quantile`] compares (every k-th one).
const POPULATION_SAMPLE: usize = 4096;

/// The `q` quantile of how alike in content ([`Similarity::content`]) the
/// accounts of `population` are to `typical`, over a fixed sample of at
/// most [`POPULATION_SAMPLE`] of them (every k-th); 1 when there are none.
fn population_quantile<'a>(
    population: impl Iterator<Item = &'a Fingerprint>,
    typical: &Fingerprint,
    q: f64,
) -> f64 {
    let all: Vec<&Fingerprint> = population.collect();
    let step = all.len().div_ceil(POPULATION_SAMPLE).max(1);
    let mut alike: Vec<f64> = all
        .iter()
        .step_by(step)
        .map(|p| similarity(p, typical).content())
        .collect();
    if alike.is_empty() {
        return 1.0;
    }
    alike.sort_unstable_by(f64::total_cmp);
    alike[((alike.len() - 1) as f64 * q).round() as usize]
}

/// The fewest exchanges of a lone account (or of the accounts one owner
/// holds, pooled) whose work's content is compared with a campaign's.
const LONE_MIN_CONTENT_EXCHANGES: u64 = 5;

/// Links of the work itself (cohort, hand-off, lock-step) a lone account
/// needs into a campaign to join it by them.
const LONE_MIN_PAIR_LINKS: u32 = 2;

/// The campaign a lone account joins by its links of the work itself:
/// `per` counts them per campaign, `all` in all (to campaigns or not). Two
/// or more into one campaign, and more than half of all it has; the
/// campaign with most, the lower index on a tie.
fn joins_by_pairs(per: &FxHashMap<usize, u32>, all: u32) -> Option<usize> {
    per.iter()
        .filter(|&(_, &n)| n >= LONE_MIN_PAIR_LINKS && 2 * n > all)
        .max_by(|x, y| x.1.cmp(y.1).then(y.0.cmp(x.0)))
        .map(|(&k, _)| k)
}

/// A lone account's share on a family counts only up to this many times
/// the campaign's accounts' mean share on it.
const LONE_MAX_LEAN: f64 = 6.0;
/// A lone account does a campaign's work when this share of its traffic
/// is on the campaign's own families, spread over two or more of them —
/// or half what the campaign's own accounts put on them, when that is
/// less, but never under [`LONE_MIN_WORK_SHARE`].
const LONE_WORK_SHARE: f64 = 0.4;
/// The least share of its traffic a lone account must put on a campaign's
/// own families to join it by them.
const LONE_MIN_WORK_SHARE: f64 = 0.15;

/// The share of its traffic a lone account must put on a campaign's own
/// families to join it by them, given the mean share the campaign's own
/// accounts put on them (when known).
fn lone_work_share(campaign_mean: Option<f64>) -> f64 {
    campaign_mean
        .map_or(LONE_WORK_SHARE, |mean| 0.5 * mean)
        .clamp(LONE_MIN_WORK_SHARE, LONE_WORK_SHARE)
}

/// Accounts on their own (clusters of one) that look disposable (first used
/// within 30 days of creation, or banned) and do a
/// campaign's work join it: short-lived accounts of a ban-and-replace
/// campaign send too few
/// requests to profile or link, but what they send is the campaign's own
/// prompts. A family is the campaign's own when five or more of its
/// accounts use it and they carry 60% of the family's use
/// (its users' shares of traffic on it, summed; lone accounts too small to
/// profile not counted); the lone account needs
/// 40% of its traffic on such families, over two or more of them, each
/// used no more than six times as heavily as the campaign's accounts use it
/// (a relay customer whose own prompts a campaign account carries now and
/// then leans on them far more: it is their source), and —
/// when it has enough traffic for a profile — to behave like the
/// campaign's typical member (similarity 0.6 or more).
fn attach_lone_accounts(
    groups: &mut [Vec<usize>],
    clusters: &[Cluster],
    graph: &EvidenceGraph,
    scorer: &Scorer<'_>,
    profiles: &FxHashMap<usize, Profile>,
    shifts: &Shifts,
    ties: &mut Vec<(u32, u32, Tie)>,
) -> bool {
    let prints = &graph.accounts.prints;
    let campaign_of_account = campaign_of_accounts(groups, clusters);
    let mut clusters_of_one: Vec<u32> = clusters
        .iter()
        .filter(|c| c.members.len() == 1)
        .map(|c| c.members[0])
        .collect();
    clusters_of_one.sort_unstable();
    let typical: Vec<Fingerprint> = groups
        .iter()
        .map(|list| {
            let members: Vec<u32> = list
                .iter()
                .flat_map(|&i| clusters[i].members.iter().copied())
                .collect();
            profile(&members, prints).typical
        })
        .collect();
    // Lone accounts that behave like a campaign's typical member: the
    // campaign's own accounts that no link tied to it, or look-alikes.
    let mut alike: FxHashMap<u32, usize> = FxHashMap::default();
    for cluster in clusters.iter().filter(|c| c.members.len() == 1) {
        let a = cluster.members[0];
        let Some(p) = prints.get(a as usize) else {
            continue;
        };
        if campaign_of_account.contains_key(&a) || !p.is_reliable() {
            continue;
        }
        let best = typical
            .iter()
            .enumerate()
            .map(|(k, t)| (k, similarity(p, t).combined))
            .filter(|(_, sim)| *sim >= LONE_ALIKE)
            .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)));
        if let Some((k, _)) = best {
            alike.insert(a, k);
        }
    }
    // Per family: how much its users lean on it (Σ of their shares on it),
    // in all and per campaign, and how many of each campaign's accounts use it.
    // A lone account alike to a campaign counts towards the campaign's
    // weight (not its count): its use of the family is what is being decided.
    let mut users: FxHashMap<u32, FamilyUse> = FxHashMap::default();
    for (a, p) in prints.iter().enumerate() {
        let k = campaign_of_account.get(&(a as u32)).copied();
        // Lone accounts too small to profile are what is being decided:
        // they count neither for nor against a family's owner.
        if k.is_none() && !p.is_reliable() {
            continue;
        }
        let like = alike.get(&(a as u32)).copied();
        for &(family, share) in &p.families {
            let slot = users.entry(family).or_default();
            slot.0 += f64::from(share);
            if let Some(k) = k.or(like) {
                let c = slot.1.entry(k).or_default();
                c.0 += f64::from(share);
                // Only its own accounts count towards the five it needs.
                c.1 += usize::from(campaign_of_account.contains_key(&(a as u32)));
            }
        }
    }
    // Family → (owner, the owner's accounts' mean share on it).
    let mut owner: FxHashMap<u32, (usize, f64)> = FxHashMap::default();
    for (family, (total, by_campaign)) in &users {
        for (&k, &(weight, n)) in by_campaign {
            if n >= OWNED_FAMILY_MIN_USERS && weight >= OWNED_FAMILY_USERS * *total {
                owner.insert(*family, (k, weight / n as f64));
            }
        }
    }
    // How much of its traffic a campaign's typical account puts on the
    // campaign's own families (the mean over its accounts with a profile).
    let mut own_work: FxHashMap<usize, (f64, usize)> = FxHashMap::default();
    for (&a, &k) in &campaign_of_account {
        let Some(p) = prints.get(a as usize).filter(|p| p.is_reliable()) else {
            continue;
        };
        let on: f64 = p
            .families
            .iter()
            .filter(|(f, _)| owner.get(f).is_some_and(|(o, _)| *o == k))
            .map(|(_, share)| f64::from(*share))
            .sum();
        let slot = own_work.entry(k).or_default();
        slot.0 += on;
        slot.1 += 1;
    }
    // A lone account does a campaign's work when it puts on the campaign's
    // families what its accounts put on them (half their mean share, at
    // most [`LONE_WORK_SHARE`]): a campaign that spends most of its traffic
    // on items of its own leaves its lone accounts less to share.
    let work_share =
        |k: usize| lone_work_share(own_work.get(&k).map(|(sum, n)| sum / (*n).max(1) as f64));
    // Lone accounts → the campaigns they share infrastructure with.
    let lone =
        |a: u32| !campaign_of_account.contains_key(&a) && clusters_of_one.binary_search(&a).is_ok();
    // Lone accounts → the campaigns they share a card or a domain with
    // (an owner's), a subset of the former.
    let mut infrastructure: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    let mut owner_ties: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for link in graph.links.iter().filter(|l| carries_infrastructure(l)) {
        for (x, y) in [(link.a, link.b), (link.b, link.a)] {
            if let Some(&k) = campaign_of_account.get(&y)
                && lone(x)
            {
                infrastructure.entry(x).or_default().push(k);
                if carries_owner(link) {
                    owner_ties.entry(x).or_default().push(k);
                }
            }
        }
    }
    // Lone accounts → their links of the work itself (cohort, hand-off,
    // lock-step) per campaign, and in all.
    let mut paired: FxHashMap<u32, (FxHashMap<usize, u32>, u32)> = FxHashMap::default();
    for link in graph.links.iter() {
        let strong = link.evidence.iter().any(|e| {
            matches!(
                e.kind,
                EvidenceKind::Cohort | EvidenceKind::HandOff | EvidenceKind::Synchrony
            )
        });
        if !strong {
            continue;
        }
        for (x, y) in [(link.a, link.b), (link.b, link.a)] {
            if lone(x) {
                let slot = paired.entry(x).or_default();
                slot.1 += 1;
                if let Some(&k) = campaign_of_account.get(&y) {
                    *slot.0.entry(k).or_default() += 1;
                }
            }
        }
    }
    // The campaign of each cluster in one (for clusters working a shift).
    let mut campaign_of_cluster: FxHashMap<u32, usize> = FxHashMap::default();
    for (k, list) in groups.iter().enumerate() {
        for &i in list {
            campaign_of_cluster.insert(i as u32, k);
        }
    }
    if owner.is_empty()
        && infrastructure.is_empty()
        && paired.is_empty()
        && shifts.windows.is_empty()
        && shifts.beyond.is_empty()
    {
        return false;
    }
    let mut joined = false;
    let mut joined_now: FxHashSet<u32> = Default::default();
    let cluster_of_lone: FxHashMap<u32, usize> = clusters
        .iter()
        .enumerate()
        .filter(|(_, c)| c.members.len() == 1)
        .map(|(i, c)| (c.members[0], i))
        .collect();
    for (i, cluster) in clusters.iter().enumerate() {
        if cluster.members.len() != 1 {
            continue;
        }
        let a = cluster.members[0];
        let Some(p) = prints.get(a as usize) else {
            continue;
        };
        // Two requests, each on a different family of the campaign's own,
        // already say whose work it is; one says nothing.
        if p.exchanges < 2 || campaign_of_account.contains_key(&a) {
            continue;
        }
        // Its own links say it does a campaign's work with the campaign's
        // accounts (cohort, hand-off, lock-step: the pair itself, not a
        // place or a prompt they share), two or more of them and most of
        // its links of that kind: it is one of them, however old.
        let by_pairs = paired
            .get(&a)
            .and_then(|(per, all)| joins_by_pairs(per, *all));
        if let Some(k) = by_pairs.filter(|_| p.is_reliable()) {
            groups[k].push(i);
            joined = true;
            joined_now.insert(a);
            continue;
        }
        // A disposable account, or one that behaves like a campaign's
        // typical member, may join it.
        if !(scorer.is_disposable(a) || scorer.is_hiding(a) || alike.contains_key(&a)) {
            continue;
        }
        let by_families = on_own_families(p, &owner, &work_share)
            .filter(|&k| !p.is_reliable() || similarity(p, &typical[k]).combined >= 0.6);
        // A campaign that shares no prompt leaves its lone accounts the
        // job and the infrastructure: the same work done the same way as
        // the typical member of a campaign it shares a card, an address or
        // a domain with.
        let by_infrastructure = || {
            let ks = tied_campaigns(&[a], &infrastructure);
            most_alike(p, ks, &typical, Similarity::work).filter(|_| p.is_reliable())
        };
        // Nor, when it shares neither prompts nor a place, anything but its
        // crew's shift: the same few hours, the same work done the same way
        // — a tie by timing to the cluster whose shift it works, counted
        // with the campaign's other ties by timing.
        let by_shift = || {
            let (k, tie) = on_a_shift(p, shifts, &campaign_of_cluster, profiles)?;
            if let Some((c, tie)) = tie {
                ties.push((i as u32, c, tie));
            }
            Some(k)
        };
        let Some(k) = by_families.or_else(by_infrastructure).or_else(by_shift) else {
            continue;
        };
        groups[k].push(i);
        joined = true;
        joined_now.insert(a);
    }
    // What one account of a few requests cannot show, the accounts one
    // owner holds can: lone accounts tied to one another by a card or an
    // e-mail domain (one owner's, under the crowd limit: they are not
    // independent of each other, however old each is) are judged together
    // on their pooled profile; so is a lone account on its own that looks
    // disposable or hides where it is. A card or a domain they share with a
    // campaign's account is the tie itself; what it asks of their work is
    // the content (capabilities, token shape, chain-of-thought), not the
    // volume or the networks seen, which grow with how long an account
    // lived. The campaign's own families, shared addresses (a proxy's exits
    // serve strangers too) and a crew's shift ask what they ask of one
    // account, of the pooled profile.
    let open = |a: u32| {
        lone(a)
            && !joined_now.contains(&a)
            && prints.get(a as usize).is_some_and(|p| p.exchanges > 0)
    };
    // What an owner's tie asks of the content: more alike to the
    // campaign's typical member than all but a twentieth of the accounts
    // outside campaigns are (a campaign whose work looks like everyone's
    // asks more), and never less than [`LONE_OWNER_CONTENT`].
    let mut bars: FxHashMap<usize, f64> = FxHashMap::default();
    let mut population_bar = |k: usize| -> f64 {
        *bars.entry(k).or_insert_with(|| {
            let outside = prints
                .iter()
                .enumerate()
                .filter(|(a, p)| p.is_reliable() && !campaign_of_account.contains_key(&(*a as u32)))
                .map(|(_, p)| p);
            population_quantile(outside, &typical[k], OWNER_CONTENT_QUANTILE)
        })
    };
    let mut units = registrant_batches(graph, &open);
    let batched: FxHashSet<u32> = units.iter().flatten().copied().collect();
    let mut alone_with_owner: Vec<u32> = owner_ties
        .keys()
        .copied()
        .filter(|&a| {
            open(a) && !batched.contains(&a) && (scorer.is_disposable(a) || scorer.is_hiding(a))
        })
        .collect();
    alone_with_owner.sort_unstable();
    units.extend(alone_with_owner.into_iter().map(|a| vec![a]));
    for unit in units {
        let pooled = profile(&unit, prints).typical;
        // An owner's tie asks only the content of the work, which a few
        // requests already show; the rest needs a profile.
        if pooled.exchanges < LONE_MIN_CONTENT_EXCHANGES {
            continue;
        }
        let tied_to = |map: &FxHashMap<u32, Vec<usize>>| tied_campaigns(&unit, map);
        let by_owner = tied_to(&owner_ties)
            .into_iter()
            .map(|k| (k, similarity(&pooled, &typical[k]).content()))
            .filter(|&(k, x)| x >= LONE_OWNER_CONTENT && x > population_bar(k))
            .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)))
            .map(|(k, _)| k);
        let by_families = || {
            on_own_families(&pooled, &owner, &work_share)
                .filter(|_| unit.len() >= 2 && pooled.is_reliable())
                .filter(|&k| similarity(&pooled, &typical[k]).content() >= LONE_SAME_WORK)
        };
        let by_infrastructure = || {
            most_alike(
                &pooled,
                tied_to(&infrastructure),
                &typical,
                Similarity::work,
            )
            .filter(|_| pooled.is_reliable())
        };
        let mut shift_tie = None;
        let by_shift = || {
            let (k, tie) = on_a_shift(&pooled, shifts, &campaign_of_cluster, profiles)?;
            shift_tie = tie;
            Some(k)
        };
        let Some(k) = by_owner
            .or_else(by_families)
            .or_else(by_infrastructure)
            .or_else(by_shift)
        else {
            continue;
        };
        for a in unit {
            let i = cluster_of_lone[&a];
            if let Some((c, tie)) = &shift_tie {
                ties.push((i as u32, *c, tie.clone()));
            }
            groups[k].push(i);
        }
        joined = true;
    }
    joined
}

/// Each account of a group's clusters → the group's index.
fn campaign_of_accounts(groups: &[Vec<usize>], clusters: &[Cluster]) -> FxHashMap<u32, usize> {
    let mut campaign_of_account: FxHashMap<u32, usize> = FxHashMap::default();
    for (k, list) in groups.iter().enumerate() {
        for &i in list {
            for &a in &clusters[i].members {
                campaign_of_account.insert(a, k);
            }
        }
    }
    campaign_of_account
}

/// An account that never sent a request has no work to compare; what it
/// has is who registered it. On a card or an e-mail domain whose every
/// other holder that did send requests (two or more) is an account of one
/// campaign, it is that campaign's reserve: the next account a
/// ban-and-replace operation puts to work. Run once the campaigns are
/// joined, so that "one campaign" is the campaign the analyst sees (a
/// card's holders in two crews of one operation are one campaign's).
/// Whether any reserve joined.
fn attach_reserves(groups: &mut [Vec<usize>], clusters: &[Cluster], graph: &EvidenceGraph) -> bool {
    let prints = &graph.accounts.prints;
    let campaign_of_account = campaign_of_accounts(groups, clusters);
    let cluster_of_lone: FxHashMap<u32, usize> = clusters
        .iter()
        .enumerate()
        .filter(|(_, c)| c.members.len() == 1 && !campaign_of_account.contains_key(&c.members[0]))
        .map(|(i, c)| (c.members[0], i))
        .collect();
    let mut joined = false;
    let mut holders: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for link in graph.links.iter().filter(|l| carries_owner(l)) {
        for (x, y) in [(link.a, link.b), (link.b, link.a)] {
            if cluster_of_lone.contains_key(&x)
                && prints.get(x as usize).is_some_and(|p| p.exchanges == 0)
                && prints.get(y as usize).is_some_and(|p| p.exchanges > 0)
            {
                holders.entry(x).or_default().push(y);
            }
        }
    }
    let mut reserves: Vec<(u32, Vec<u32>)> = holders.into_iter().collect();
    reserves.sort_unstable_by_key(|(a, _)| *a);
    for (a, active) in reserves {
        let campaigns: FxHashSet<Option<usize>> = active
            .iter()
            .map(|y| campaign_of_account.get(y).copied())
            .collect();
        if active.len() < RESERVE_MIN_HOLDERS || campaigns.len() != 1 {
            continue;
        }
        if let Some(Some(k)) = campaigns.into_iter().next() {
            groups[k].push(cluster_of_lone[&a]);
            joined = true;
        }
    }
    joined
}

/// The fewest accounts that sent requests an unused account must share a
/// card or an e-mail domain with, all of one campaign, to be counted that
/// campaign's reserve.
const RESERVE_MIN_HOLDERS: usize = 2;

/// Joins campaigns between whose accounts a card or an e-mail domain
/// crosses (one owner holding accounts in both; a tenth of the smaller
/// one's accounts, at least one) when their typical members' work is of
/// the same content ([`Similarity::content`], [`SAME_WORK_SIMILARITY`]):
/// the crews of one campaign, whose disposable accounts joined their own
/// crews one by one, are tied by the owner's accounts that sit in two.
/// Each join is a tie between the clusters of one crossing link's accounts.
fn join_by_owner(
    groups: &mut Vec<Vec<usize>>,
    clusters: &[Cluster],
    graph: &EvidenceGraph,
    ties: &mut Vec<(u32, u32, Tie)>,
) {
    let prints = &graph.accounts.prints;
    let mut campaign_of_account: FxHashMap<u32, usize> = FxHashMap::default();
    let mut cluster_of_account: FxHashMap<u32, usize> = FxHashMap::default();
    for (k, list) in groups.iter().enumerate() {
        for &i in list {
            for &a in &clusters[i].members {
                campaign_of_account.insert(a, k);
                cluster_of_account.insert(a, i);
            }
        }
    }
    // (k, l) with k < l → (owner links, one such link's clusters).
    let mut crossing: FxHashMap<(usize, usize), (u32, (usize, usize))> = FxHashMap::default();
    for link in graph.links.iter().filter(|l| carries_owner(l)) {
        let (Some(&k), Some(&l)) = (
            campaign_of_account.get(&link.a),
            campaign_of_account.get(&link.b),
        ) else {
            continue;
        };
        if k == l {
            continue;
        }
        let slot = crossing.entry((k.min(l), k.max(l))).or_insert((
            0,
            (cluster_of_account[&link.a], cluster_of_account[&link.b]),
        ));
        slot.0 += 1;
    }
    if crossing.is_empty() {
        return;
    }
    let members = |k: usize| -> Vec<u32> {
        groups[k]
            .iter()
            .flat_map(|&i| clusters[i].members.iter().copied())
            .collect()
    };
    let mut pairs: Vec<_> = crossing.into_iter().collect();
    pairs.sort_unstable_by_key(|(pair, _)| *pair);
    let mut uf = UnionFind::new(groups.len());
    for ((k, l), (links, (ca, cb))) in pairs {
        let (mk, ml) = (members(k), members(l));
        let smaller = mk.len().min(ml.len()) as u32;
        if links < 1.max(smaller.div_ceil(10)) || uf.find(k as u32) == uf.find(l as u32) {
            continue;
        }
        let (pk, pl) = (profile(&mk, prints), profile(&ml, prints));
        let parts = similarity(&pk.typical, &pl.typical);
        if parts.content() < SAME_WORK_SIMILARITY {
            continue;
        }
        uf.union(k as u32, l as u32);
        ties.push((
            ca as u32,
            cb as u32,
            Tie {
                overlap: family_overlap(&pk.typical, &pl.typical).0,
                similarity: parts.combined,
                crossing: Crossing {
                    owner: links,
                    ..Crossing::default()
                },
                shift: None,
                moved: None,
                beyond: None,
            },
        ));
    }
    merge_groups(groups, &mut uf, clusters);
}

/// Replaces `groups` by the unions `uf` made of them (indices into
/// `groups`), in a fixed order (by first account).
fn merge_groups(groups: &mut Vec<Vec<usize>>, uf: &mut UnionFind, clusters: &[Cluster]) {
    let mut merged: FxHashMap<u32, Vec<usize>> = FxHashMap::default();
    for (k, list) in groups.iter().enumerate() {
        merged
            .entry(uf.find(k as u32))
            .or_default()
            .extend_from_slice(list);
    }
    let mut out: Vec<Vec<usize>> = merged.into_values().collect();
    out.sort_by_key(|list| list.iter().map(|&i| clusters[i].members[0]).min());
    *groups = out;
}

/// The campaigns `accounts` are tied to in `map` (account → campaigns),
/// ascending, each once.
fn tied_campaigns(accounts: &[u32], map: &FxHashMap<u32, Vec<usize>>) -> Vec<usize> {
    let mut ks: Vec<usize> = accounts
        .iter()
        .filter_map(|a| map.get(a))
        .flatten()
        .copied()
        .collect();
    ks.sort_unstable();
    ks.dedup();
    ks
}

/// Of the campaigns `ks`, the one whose typical member `p` is most alike
/// to by `alike` ([`LONE_SAME_WORK`] or more), the lower index on a tie.
fn most_alike(
    p: &Fingerprint,
    ks: Vec<usize>,
    typical: &[Fingerprint],
    alike: fn(&Similarity) -> f64,
) -> Option<usize> {
    ks.into_iter()
        .map(|k| (k, alike(&similarity(p, &typical[k]))))
        .filter(|(_, x)| *x >= LONE_SAME_WORK)
        .max_by(|x, y| x.1.total_cmp(&y.1).then(y.0.cmp(&x.0)))
        .map(|(k, _)| k)
}

/// The campaign one of whose clusters works the shift `p` works (a
/// working window of its own sharing half its hours, the hours of the day
/// [`SAME_SHIFT_HOURS`] alike), the content of the work
/// [`LONE_SAME_WORK`] alike: the most alike, the lower index on a tie.
/// When cover traffic leaves `p` no window, or no campaign's cluster works
/// its window, the campaign one of whose clusters stands out from the
/// population in the same hours as `p` does ([`Shifts::beyond_near`]), the
/// content [`LONE_SAME_WORK`] alike: the most hours in common, the lower
/// index on a tie. Both ask the content of the work, not its volume or the
/// networks seen, which differ with how long an account lived.
fn on_a_shift(
    p: &Fingerprint,
    shifts: &Shifts,
    campaign_of_cluster: &FxHashMap<u32, usize>,
    profiles: &FxHashMap<usize, Profile>,
) -> Option<(usize, Option<(u32, Tie)>)> {
    if !p.is_reliable() {
        return None;
    }
    let by_window = working_window(&p.hours).and_then(|w| {
        shifts
            .near(&w)
            .filter_map(|(c, cw)| {
                let k = *campaign_of_cluster.get(&c)?;
                Some((k, c, cw, similarity(p, &profiles[&(c as usize)].typical)))
            })
            .filter(|(_, _, cw, sim)| {
                shares_hours(&w, cw)
                    && sim.hours >= SAME_SHIFT_HOURS
                    && sim.content() >= LONE_SAME_WORK
            })
            .max_by(|x, y| x.3.content().total_cmp(&y.3.content()).then(y.0.cmp(&x.0)))
            .map(|(k, c, cw, sim)| {
                let tie = Tie {
                    overlap: family_overlap(p, &profiles[&(c as usize)].typical).0,
                    similarity: sim.combined,
                    crossing: Crossing::default(),
                    shift: Some(*cw),
                    moved: None,
                    beyond: None,
                };
                (k, Some((c, tie)))
            })
    });
    by_window.or_else(|| {
        let beyond = hours_beyond(&p.hours, &shifts.population);
        shifts
            .beyond_near(&beyond)
            .filter_map(|(c, shared)| Some((*campaign_of_cluster.get(&c)?, c, shared)))
            .filter(|&(_, c, _)| {
                similarity(p, &profiles[&(c as usize)].typical).content() >= LONE_SAME_WORK
            })
            .max_by(|x, y| x.2.total_cmp(&y.2).then(y.0.cmp(&x.0)))
            .map(|(k, _, _)| (k, None))
    })
}

/// The campaign whose own families (`owner`: family → (campaign, its
/// accounts' mean share on it)) carry `work_share(campaign)` or more of
/// this traffic, over two or more of them, each used no more than
/// [`LONE_MAX_LEAN`] times as heavily as the campaign's accounts use it (a
/// relay customer whose own prompts the campaign carries now and then
/// leans on them far more: it is their source). The campaign with the
/// largest such share, the lower index on a tie.
fn on_own_families(
    p: &Fingerprint,
    owner: &FxHashMap<u32, (usize, f64)>,
    work_share: &dyn Fn(usize) -> f64,
) -> Option<usize> {
    let mut work: FxHashMap<usize, (f64, u32)> = FxHashMap::default();
    for &(family, share) in &p.families {
        // (One request is the least share an account can put on a family:
        // an account of two requests leans on each by half, however
        // lightly it uses them.)
        if let Some(&(k, mean)) = owner.get(&family)
            && f64::from(share) <= (LONE_MAX_LEAN * mean).max(1.0 / p.exchanges.max(1) as f64)
        {
            let slot = work.entry(k).or_default();
            slot.0 += f64::from(share);
            slot.1 += 1;
        }
    }
    work.into_iter()
        .filter(|(k, (share, families))| *share >= work_share(*k) && *families >= 2)
        .max_by(|x, y| x.1.0.total_cmp(&y.1.0).then(y.0.cmp(&x.0)))
        .map(|(k, _)| k)
}

/// Groups of two or more accounts (each passing `eligible`) tied to one
/// another, directly or through each other, by a shared card or e-mail
/// domain: the accounts of one registrant. Each group ascending, groups
/// by their first account.
fn registrant_batches(graph: &EvidenceGraph, eligible: &dyn Fn(u32) -> bool) -> Vec<Vec<u32>> {
    let mut uf = UnionFind::new(graph.accounts.prints.len());
    let mut tied: Vec<u32> = Vec::new();
    for link in graph.links.iter() {
        if carries_owner(link) && eligible(link.a) && eligible(link.b) {
            uf.union(link.a, link.b);
            tied.extend([link.a, link.b]);
        }
    }
    tied.sort_unstable();
    tied.dedup();
    let mut batches: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for a in tied {
        batches.entry(uf.find(a)).or_default().push(a);
    }
    let mut batches: Vec<Vec<u32>> = batches.into_values().filter(|b| b.len() >= 2).collect();
    batches.sort_unstable_by_key(|b| b[0]);
    batches
}

/// A tie between clusters is by the work's families when they put this
/// share of their traffic on the same families.
const FAMILY_TIE: f64 = 0.15;

/// How strongly a campaign's clusters are tied, and the sentences saying by what.
fn cohesion(clusters: usize, ties: &[&Tie]) -> (f64, Vec<Reason>) {
    if clusters <= 1 || ties.is_empty() {
        return (1.0, Vec::new());
    }
    let n = ties.len() as f64;
    // Ties by the work's families count as the families and behaviour
    // say; the rest (a shift, a move, the hours beyond everyone's, an
    // owner's card or domain, the same work without shared prompts) as
    // alike as the typical members are.
    let (shifts, work): (Vec<&Tie>, Vec<&Tie>) = ties.iter().partition(|t| {
        t.shift.is_some() || t.moved.is_some() || t.beyond.is_some() || t.overlap < FAMILY_TIE
    });
    let mean = |list: &[&Tie], f: fn(&Tie) -> f64| {
        list.iter().map(|t| f(t)).sum::<f64>() / list.len().max(1) as f64
    };
    let overlap = mean(&work, |t| t.overlap);
    let alike = mean(&work, |t| t.similarity);
    let total = |f: fn(&Crossing) -> u32| ties.iter().map(|t| f(&t.crossing)).sum::<u32>();
    let (cohort, hand_off, synchrony, other) = (
        total(|c| c.cohort),
        total(|c| c.hand_off),
        total(|c| c.synchrony),
        total(|c| c.other),
    );
    // Ties by the work itself count as its families and behaviour say;
    // ties by a shared shift as alike as their typical members are.
    let by_work = (overlap.min(1.0) * alike).sqrt();
    let by_shift = mean(&shifts, |t| t.similarity);
    let cohesion =
        ((work.len() as f64 * by_work + shifts.len() as f64 * by_shift) / n).clamp(0.0, 1.0);
    let mut reasons = Vec::new();
    if !work.is_empty() {
        reasons.push(Reason {
            indicator: "cohesion".into(),
            strength: by_work.clamp(0.0, 1.0),
            text: format!(
                "{clusters} clusters doing the same work: on average {:.0}% of their traffic on the same template families, typical members {alike:.2} alike in behaviour",
                100.0 * overlap
            ),
        });
    }
    let moves: Vec<(u32, WorkingWindow, WorkingWindow)> =
        shifts.iter().filter_map(|t| t.moved).collect();
    if let Some(&(_, from, to)) = moves.first() {
        let movers: u32 = moves.iter().map(|m| m.0).sum();
        reasons.push(Reason {
            indicator: "cohesion".into(),
            strength: by_shift.clamp(0.0, 1.0),
            text: format!(
                "{movers} account(s) moved from one of its crews' shifts to another's, doing the same work (e.g. {} → {}), tying {} of its clusters together",
                from.label(),
                to.label(),
                moves.len() + 1
            ),
        });
    }
    if let Some(w) = shifts.iter().find_map(|t| t.shift) {
        reasons.push(Reason {
            indicator: "cohesion".into(),
            strength: by_shift.clamp(0.0, 1.0),
            text: format!(
                "{} of its ties between clusters by a shared shift alone: the same working window ({}, {:.0}% of the traffic in it) and the same work, typical members {by_shift:.2} alike",
                shifts.iter().filter(|t| t.shift.is_some()).count(),
                w.label(),
                100.0 * w.share
            ),
        });
    }
    let beyond: Vec<Beyond> = shifts.iter().filter_map(|t| t.beyond).collect();
    if let Some(first) = beyond.first() {
        let strength = mean(&shifts, |t| t.similarity);
        let shared = beyond.iter().map(|b| b.shared).sum::<f64>() / beyond.len() as f64;
        let alike = beyond.iter().map(|b| b.alike).sum::<f64>() / beyond.len() as f64;
        let window = first.window.map_or(String::new(), |w| {
            format!(
                " (e.g. {}, where all accounts put {:.0}% of theirs)",
                w.label(),
                100.0 * first.population
            )
        });
        reasons.push(Reason {
            indicator: "cohesion".into(),
            strength: strength.clamp(0.0, 1.0),
            text: format!(
                "{} of its ties between clusters by the hours they work beyond everyone else: on average {:.0}% of each one's traffic in the same hours above all accounts' share{window}, their work {alike:.2} alike",
                beyond.len(),
                100.0 * shared
            ),
        });
    }
    let unshared: Vec<&&Tie> = shifts
        .iter()
        .filter(|t| t.shift.is_none() && t.moved.is_none() && t.beyond.is_none())
        .collect();
    if !unshared.is_empty() {
        let alike = unshared.iter().map(|t| t.similarity).sum::<f64>() / unshared.len() as f64;
        reasons.push(Reason {
            indicator: "cohesion".into(),
            strength: alike.clamp(0.0, 1.0),
            text: format!(
                "{} of its ties between clusters without shared prompts: the same work over infrastructure they share or an owner's card or domain, typical members {alike:.2} alike",
                unshared.len()
            ),
        });
    }
    // An owner's card or domain, where it (not shared families) tied them.
    let owners: Vec<&&Tie> = unshared
        .iter()
        .filter(|t| t.crossing.owner > 0)
        .copied()
        .collect();
    if !owners.is_empty() {
        reasons.push(Reason {
            indicator: "cohesion".into(),
            strength: (owners.iter().map(|t| t.similarity).sum::<f64>() / owners.len() as f64)
                .clamp(0.0, 1.0),
            text: format!(
                "{} card or e-mail domain link(s) between {} pair(s) of its clusters: one owner holding accounts in both",
                owners.iter().map(|t| t.crossing.owner).sum::<u32>(),
                owners.len()
            ),
        });
    }
    if cohort + hand_off + synchrony + other > 0 {
        reasons.push(Reason {
            indicator: "cohesion".into(),
            strength: (f64::from(cohort + hand_off + synchrony) / (4.0 * n)).min(1.0) * cohesion,
            text: format!(
                "links between its clusters: {cohort} cohort, {hand_off} hand-off, {synchrony} lock-step, {other} other"
            ),
        });
    }
    (cohesion, reasons)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_account_needs_half_the_campaigns_own_share_of_its_work_within_bounds() {
        // Unknown: the fixed share.
        assert_eq!(lone_work_share(None), LONE_WORK_SHARE);
        // A campaign almost all on its families: still 40%, not 45%.
        assert_eq!(lone_work_share(Some(0.9)), LONE_WORK_SHARE);
        // One that spends most of its traffic on items of its own: half
        // what its accounts put on its families…
        assert!((lone_work_share(Some(0.44)) - 0.22).abs() < 1e-9);
        // …but never under 15%.
        assert_eq!(lone_work_share(Some(0.2)), LONE_MIN_WORK_SHARE);
    }

    #[test]
    fn a_lone_account_joins_by_its_work_links_only_with_two_and_a_majority() {
        let per =
            |pairs: &[(usize, u32)]| -> FxHashMap<usize, u32> { pairs.iter().copied().collect() };
        // Two into campaign 3, of two in all.
        assert_eq!(joins_by_pairs(&per(&[(3, 2)]), 2), Some(3));
        // One is not enough.
        assert_eq!(joins_by_pairs(&per(&[(3, 1)]), 1), None);
        // Most of its work links go elsewhere (a crowd it belongs to).
        assert_eq!(joins_by_pairs(&per(&[(3, 2)]), 5), None);
        // Two campaigns: only one can hold more than half.
        assert_eq!(joins_by_pairs(&per(&[(3, 2), (5, 4)]), 6), Some(5));
        assert_eq!(joins_by_pairs(&per(&[(5, 3), (4, 3)]), 6), None);
        assert_eq!(joins_by_pairs(&per(&[(5, 3), (4, 2)]), 5), Some(5));
    }
}
