//! Evidence → links: which accounts share what, weighted by how rare it is,
//! with the number of links bounded however many accounts share a value.
//!
//! See `docs/analysis.md` for the rules in words.

use rustc_hash::{FxHashMap, FxHashSet};

use super::pairs::for_each_pair;
use super::{EvidenceKind, Link, LinkEvidence, Params};
use super::{behaviour, coactivity, families};
use crate::facts::{Activity, CaseFeatures};

/// Big webmail domains: sharing one is no evidence.
const WEBMAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "yahoo.com",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "icloud.com",
    "me.com",
    "qq.com",
    "163.com",
    "126.com",
    "gmx.de",
    "gmx.net",
    "mail.ru",
    "yandex.ru",
];

/// Whether `domain` is a big webmail provider's (sharing one is no evidence).
pub fn is_webmail(domain: &str) -> bool {
    WEBMAIL.iter().any(|w| w.eq_ignore_ascii_case(domain))
}

/// A value shared by several accounts.
struct Shared {
    kind: EvidenceKind,
    example: String,
    members: Vec<u32>,
    /// Per member (same order): the share of its exchanges that carry the
    /// value, for request addresses and prefixes; empty for the rest.
    shares: Vec<f32>,
    /// A template family sent as a pool of paraphrases (see
    /// [`is_paraphrase_pool`]): weighs in full (template families link at
    /// any size).
    paraphrased: bool,
}

impl Shared {
    fn share_of(&self, account: u32) -> f64 {
        match self.members.binary_search(&account) {
            Ok(i) => self.shares.get(i).map_or(1.0, |s| f64::from(*s)),
            Err(_) => 1.0,
        }
    }
}

/// Per-account facts the indicators need that come out of evidence building.
#[derive(Clone, Debug, Default)]
pub struct AccountEvidence {
    /// Behavioural fingerprints, by account.
    pub prints: Vec<behaviour::Fingerprint>,
    /// Hand-offs found (also links, when kept).
    pub hand_offs: Vec<coactivity::HandOff>,
    /// Template family of each template id (index = template id).
    pub template_family: Vec<u32>,
    /// Per account: indicator indices it matches.
    pub indicator_hits: Vec<Vec<u32>>,
    /// Per account: distinct network prefixes it used.
    pub distinct_prefixes: Vec<u32>,
    /// Per account: its active minutes per hour of the day in the first
    /// and the second half of them ([`behaviour::halves`]), for accounts
    /// with enough of them: where it worked early and late, to tell one
    /// that moved between crews' shifts.
    pub halves: Vec<Option<behaviour::Halves>>,
}

/// The links, and the numbers behind them.
pub struct EvidenceGraph {
    /// Kept links, `a < b`, sorted.
    pub links: std::sync::Arc<Vec<Link>>,
    /// Facts for the indicators.
    pub accounts: AccountEvidence,
    /// Candidate pairs before each account kept its strongest.
    pub candidate_pairs: usize,
    /// Shared values that linked accounts, and those too common to.
    pub values_linked: usize,
    /// Shared values too common to be evidence.
    pub values_too_common: usize,
    /// Seconds per phase of building, in order.
    pub phases: Vec<(String, f64)>,
}

/// Seconds per phase.
#[derive(Default)]
struct Phases(Vec<(String, f64)>, Option<std::time::Instant>);

impl Phases {
    fn lap(&mut self, name: &str) {
        let now = std::time::Instant::now();
        let since = self.1.map_or(0.0, |t| now.duration_since(t).as_secs_f64());
        self.0.push((name.to_string(), since));
        self.1 = Some(now);
    }
}

/// A value of `kind` shared by more accounts than this is shared by
/// "everyone": no evidence.
pub fn max_members(params: &Params, kind: EvidenceKind, accounts: usize) -> usize {
    if kind.is_identity() {
        params
            .min_crowd
            .max((params.max_value_share * accounts as f64) as usize)
    } else {
        params
            .min_commodity_crowd
            .max((params.max_commodity_share * accounts as f64) as usize)
    }
}

fn idf(members: usize, accounts: usize) -> f64 {
    if accounts < 3 {
        return 1.0;
    }
    ((accounts as f64 / members as f64).ln() / (accounts as f64).ln()).clamp(0.0, 1.0)
}

/// The most of `members` active at one time: each account counts from its
/// first exchange to its last (its creation when it has none).
pub fn most_at_once(members: &[u32], accounts: &[crate::facts::AccountFacts]) -> usize {
    let mut edges: Vec<(i64, i32)> = Vec::with_capacity(2 * members.len());
    for &a in members {
        let Some(x) = accounts.get(a as usize) else {
            continue;
        };
        let first = x.first_ms.unwrap_or(x.created_ms);
        let last = x.last_ms.unwrap_or(first).max(first);
        edges.push((first, 1));
        edges.push((last, -1));
    }
    // Starts before ends at the same instant: touching lives overlap.
    edges.sort_unstable_by_key(|&(t, d)| (t, -d));
    let (mut now, mut most) = (0i32, 0i32);
    for (_, d) in edges {
        now += d;
        most = most.max(now);
    }
    most as usize
}

/// Builds the evidence graph.
pub fn build(features: &CaseFeatures, activity: &Activity, params: &Params) -> EvidenceGraph {
    let mut clock = Phases(Vec::new(), Some(std::time::Instant::now()));
    let n = features.accounts.len();
    let address_limit = max_members(params, EvidenceKind::RequestIp, n);
    let mut shared = collect_shared(features, address_limit);
    let (template_family, families) = template_families(features, params.template_radius);
    shared.extend(families);
    let (indicator_hits, indicator_groups) = indicator_matches(features, &template_family);
    shared.extend(indicator_groups);
    shared.extend(signup_bursts(features, params));

    clock.lap("shared values and template families");
    // Accounts that rotate over many networks (residential proxies): an
    // address they share with someone says little, since their exits are
    // other people's addresses.
    let distinct_prefixes = distinct_prefixes(features);
    let rotating: Vec<bool> = distinct_prefixes
        .iter()
        .zip(&features.accounts)
        .map(|(&p, a)| p >= 6 || (p >= 2 && f64::from(p) >= 0.25 * a.exchanges as f64))
        .collect();

    // Pairs and their evidence: kind → (1 - Π(1 - idf)) accumulators,
    // numbers only (the readable examples are made for the kept links).
    let mut store = PairStore::default();
    let mut values_linked = 0;
    let mut values_too_common = 0;
    // Per account: the corroborating values it has (index into `shared`).
    let mut corroborating: Vec<Vec<u32>> = vec![Vec::new(); n];
    // Per account: the template families it uses (index into `shared`,
    // in order), its share of exchanges on each and the family's weight;
    // and the pairs the families' rings found.
    let mut families_of: Vec<Vec<(u32, f32, f64)>> = vec![Vec::new(); n];
    let mut family_pairs: Vec<(u32, u32)> = Vec::new();
    for (index, value) in shared.iter().enumerate() {
        let m = value.members.len();
        if m < 2 {
            continue;
        }
        // Shared content links at any size: whether a common source (a
        // tool's prompts, a course) explains it is the scoring's to say,
        // from how independent its users are.
        let limit = if value.kind == EvidenceKind::TemplateFamily {
            usize::MAX
        } else {
            max_members(params, value.kind, n)
        };
        // A crowd is many people at once: a place or a card that more
        // accounts than the limit use one after another, no more than the
        // limit at any time (a crew's server, its accounts banned and
        // replaced), is not everyone's.
        if m > limit
            && !(value.kind.is_place_or_payment()
                && most_at_once(&value.members, &features.accounts) <= limit)
        {
            values_too_common += 1;
            continue;
        }
        values_linked += 1;
        if value.kind.is_corroborating() {
            for &a in &value.members {
                if let Some(list) = corroborating.get_mut(a as usize) {
                    list.push(index as u32);
                }
            }
            continue;
        }
        // …and at full weight: their size says how big the job is, not how
        // common the value is among strangers.
        let weight = if value.paraphrased { 1.0 } else { idf(m, n) };
        if value.kind == EvidenceKind::TemplateFamily {
            // Pairs found here; their evidence is every family both use,
            // weighed below (a job spread over many families, a small share
            // of each, would otherwise tie a pair through the one family
            // its ring happened to pair it in).
            for (i, &a) in value.members.iter().enumerate() {
                families_of[a as usize].push((index as u32, value.shares[i], weight));
            }
            for_each_pair(
                &value.members,
                params.ring_neighbours,
                value_salt(value),
                |a, b| family_pairs.push((a, b)),
            );
            continue;
        }
        let weighted = !value.shares.is_empty();
        // Taken in turns (kept above): a base of its own, not a residential
        // exit that strangers' rotations happen to cross.
        let in_turns = m > limit;
        for_each_pair(
            &value.members,
            params.ring_neighbours,
            value_salt(value),
            |a, b| {
                // An address (or a template) one account sends all its
                // traffic from and another one request in twenty (a
                // residential proxy exit that is also someone's home, a
                // relay's customer whose prompts a campaign account carries)
                // says little.
                let mut strength = if weighted {
                    weight * (2.0 * value.share_of(a).min(value.share_of(b))).min(1.0)
                } else {
                    weight
                };
                if matches!(
                    value.kind,
                    EvidenceKind::RequestIp | EvidenceKind::Prefix | EvidenceKind::SignupIp
                ) && (rotating[a as usize] || rotating[b as usize])
                    && !in_turns
                {
                    strength *= ROTATING_ADDRESS_FACTOR;
                }
                store.add((a, b), value.kind, strength, index as u32);
            },
        );
    }

    // Template families: a pair's evidence is each family both use,
    // weighed by the lesser share of the two (a relay's customer whose
    // prompt a campaign account carries once in twenty says little).
    {
        use rayon::prelude::*;
        family_pairs.par_sort_unstable();
        family_pairs.dedup();
        let found: Vec<(f64, u32, u32)> = family_pairs
            .par_iter()
            .map(|&(a, b)| shared_families(&families_of[a as usize], &families_of[b as usize]))
            .collect();
        for (&key, (miss, count, source)) in family_pairs.iter().zip(found) {
            if count > 0 {
                store.add_all(key, EvidenceKind::TemplateFamily, miss, count, source);
            }
        }
    }
    drop(families_of);
    drop(family_pairs);

    clock.lap("pairs of shared values");
    // Behaviour: fingerprints, then cohorts (same families, same behaviour).
    let prints = behaviour::fingerprints(features, activity, &template_family);
    let halves: Vec<_> = {
        use rayon::prelude::*;
        activity
            .minutes
            .par_iter()
            .map(|m| behaviour::halves(m))
            .collect()
    };
    clock.lap("fingerprints");
    let cohorts = Cohorts::new(&prints, params);
    for (a, b, strength) in cohorts.strengths() {
        store.add((a, b), EvidenceKind::Cohort, strength, 0);
    }

    clock.lap("cohorts");
    // Synchrony: minutes both were active, against what each one's own
    // hours of the day explain; on the pairs found so far and on the
    // lock-step candidates of the minute MinHash.
    let span_minutes = features.span_ms.map_or(1.0, |(first, last)| {
        ((last - first) as f64 / 60_000.0).max(1.0)
    });
    let by_hour = coactivity::minutes_by_hour(&activity.minutes);
    let expected = |a: u32, b: u32| {
        coactivity::expected_shared(
            &by_hour[a as usize],
            &by_hour[b as usize],
            span_minutes / 24.0,
        )
        .max(1e-9)
    };
    let mut keys: Vec<(u32, u32)> = store.head.keys().copied().collect();
    {
        use rayon::prelude::*;
        keys.par_sort_unstable();
    }
    let lockstep =
        coactivity::lockstep_candidates(&activity.minutes, params.sync_min_minutes, params.seed);
    // The candidates no other evidence found (both lists are sorted).
    let mut i = 0;
    let mut fresh: Vec<(u32, u32)> = Vec::new();
    for pair in lockstep {
        while i < keys.len() && keys[i] < pair {
            i += 1;
        }
        if keys.get(i) != Some(&pair) {
            fresh.push(pair);
        }
    }
    keys.extend(fresh);
    clock.lap("lock-step candidates (MinHash)");
    let sets = coactivity::MinuteSets::new(&activity.minutes, params.sync_min_minutes);
    // Each pair's test is independent: run them in parallel, in order. The
    // cheap bounds first: the smaller list, then the hours of the day they
    // share (in each hour, the fewer minutes of the two) — neither can be
    // beaten by the count itself, so skipping on them changes nothing.
    let tested: Vec<Option<u32>> = {
        use rayon::prelude::*;
        keys.par_iter()
            .map(|&(a, b)| {
                let (ma, mb) = (&activity.minutes[a as usize], &activity.minutes[b as usize]);
                if ma.len() < params.sync_min_minutes || mb.len() < params.sync_min_minutes {
                    return None;
                }
                let expected = expected(a, b);
                // Even sharing every minute of the smaller list would not do.
                let most = ma.len().min(mb.len()) as f64;
                if most / expected < params.sync_min_lift {
                    return None;
                }
                let bound = coactivity::shared_bound(&by_hour[a as usize], &by_hour[b as usize]);
                if (bound as usize) < params.sync_min_minutes
                    || f64::from(bound) / expected < params.sync_min_lift
                {
                    return None;
                }
                let both = sets.shared(a, b);
                (both >= params.sync_min_minutes
                    && both as f64 / expected >= params.sync_min_lift
                    && coactivity::shared_days(&sets, a, b) >= params.sync_min_days)
                    .then_some(both as u32)
            })
            .collect()
    };
    for (&(a, b), both) in keys.iter().zip(tested) {
        let Some(both) = both else {
            continue;
        };
        let lift = f64::from(both) / expected(a, b);
        let strength =
            ((lift - params.sync_min_lift) / (2.0 * params.sync_min_lift)).clamp(0.1, 1.0);
        store.add((a, b), EvidenceKind::Synchrony, strength, both);
    }
    drop(keys);
    drop(sets);

    clock.lap("synchrony");
    // Hand-offs: one account stops, another starts within minutes on the same work.
    let mut banned = vec![false; n];
    for e in &features.events {
        if e.kind == "account_banned"
            && let Some(slot) = e.account.and_then(|a| banned.get_mut(a as usize))
        {
            *slot = true;
        }
    }
    let lifetimes: Vec<coactivity::Lifetime> = features
        .accounts
        .iter()
        .zip(&banned)
        .map(|(a, &banned)| coactivity::Lifetime {
            created_ms: a.created_ms,
            first_ms: a.first_ms,
            last_ms: a.last_ms,
            banned,
        })
        .collect();
    let hand_offs = match features.span_ms {
        Some(span) => coactivity::hand_offs(
            &lifetimes,
            &prints,
            span,
            params.handoff_max_gap_minutes * 60_000,
            6 * 3_600_000,
        ),
        None => Vec::new(),
    };
    for (index, h) in hand_offs.iter().enumerate() {
        let key = (h.from.min(h.to), h.from.max(h.to));
        store.add(key, EvidenceKind::HandOff, h.strength, index as u32);
    }
    let candidate_pairs = store.head.len();
    clock.lap("hand-offs");

    // The pairs in order, each with its first entry (the map is no longer needed).
    let mut keys: Vec<((u32, u32), u32)> = std::mem::take(&mut store.head).into_iter().collect();
    // Commodity values (a client fingerprint, a network prefix) corroborate
    // a pair that other evidence made; strangers share them all the time.
    // Each pair's are found again from the two accounts' lists when they
    // are needed (its weight, a kept link's evidence), never stored.
    let corroboration = |a: u32, b: u32| -> [Option<Entry>; 2] {
        let mut out: [Option<Entry>; 2] = [None, None];
        let (la, lb) = (&corroborating[a as usize], &corroborating[b as usize]);
        let (mut i, mut j) = (0, 0);
        while i < la.len() && j < lb.len() {
            match la[i].cmp(&lb[j]) {
                std::cmp::Ordering::Less => i += 1,
                std::cmp::Ordering::Greater => j += 1,
                std::cmp::Ordering::Equal => {
                    let value = &shared[la[i] as usize];
                    let mut strength = idf(value.members.len(), n);
                    if !value.shares.is_empty() {
                        strength *= (2.0 * value.share_of(a).min(value.share_of(b))).min(1.0);
                    }
                    if value.kind == EvidenceKind::Prefix
                        && (rotating[a as usize] || rotating[b as usize])
                    {
                        strength *= ROTATING_ADDRESS_FACTOR;
                    }
                    // Prefixes come before client fingerprints in `shared`,
                    // so the kinds come in the order they always did.
                    match out
                        .iter_mut()
                        .find(|e| e.is_none_or(|e| e.kind == value.kind))
                    {
                        Some(Some(e)) => {
                            e.miss *= 1.0 - strength;
                            e.count += 1;
                        }
                        Some(slot) => {
                            *slot = Some(Entry {
                                miss: 1.0 - strength,
                                count: 1,
                                source: la[i],
                                next: NONE,
                                kind: value.kind,
                            });
                        }
                        None => {}
                    }
                    i += 1;
                    j += 1;
                }
            }
        }
        out
    };
    // Σ over kinds of the kind's weight × (1 - Π(1 - strength)), in the
    // order the kinds came.
    let weight_of = |head: u32, extra: &[Option<Entry>; 2]| -> f64 {
        store
            .chain(head)
            .chain(extra.iter().flatten())
            .map(|e| e.kind.weight() * (1.0 - e.miss))
            .sum()
    };
    let weights: Vec<f64> = {
        use rayon::prelude::*;
        keys.par_sort_unstable_by_key(|(k, _)| *k);
        keys.par_iter()
            .map(|&((a, b), head)| weight_of(head, &corroboration(a, b)))
            .collect()
    };

    clock.lap("corroborating values");
    // Each account keeps its strongest links; a link stays if either end
    // keeps it. Links too weak to mean anything are dropped first: they
    // would only pull strangers into a group.
    // Per account, its links heavy enough (weight, other end, pair index),
    // in one array cut at each account's offset.
    // (Not "lighter than the least": what was always kept.)
    let heavy = |w: f64| w.partial_cmp(&params.min_link_weight) != Some(std::cmp::Ordering::Less);
    let mut offsets = vec![0usize; n + 1];
    for (&((a, b), _), &w) in keys.iter().zip(&weights) {
        if heavy(w) {
            offsets[a as usize + 1] += 1;
            offsets[b as usize + 1] += 1;
        }
    }
    for i in 0..n {
        offsets[i + 1] += offsets[i];
    }
    let mut by_account: Vec<(f64, u32, u32)> = vec![(0.0, 0, 0); offsets[n]];
    {
        let mut next = offsets.clone();
        for (index, (&((a, b), _), &w)) in keys.iter().zip(&weights).enumerate() {
            if heavy(w) {
                by_account[next[a as usize]] = (w, b, index as u32);
                next[a as usize] += 1;
                by_account[next[b as usize]] = (w, a, index as u32);
                next[b as usize] += 1;
            }
        }
    }
    let mut lists: Vec<&mut [(f64, u32, u32)]> = Vec::with_capacity(n);
    let mut rest: &mut [(f64, u32, u32)] = &mut by_account;
    for a in 0..n {
        let (list, tail) = std::mem::take(&mut rest).split_at_mut(offsets[a + 1] - offsets[a]);
        lists.push(list);
        rest = tail;
    }
    {
        use rayon::prelude::*;
        lists.par_iter_mut().for_each(|list| {
            list.sort_unstable_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
        });
    }
    let mut kept = vec![false; keys.len()];
    for list in &lists {
        for &(_, _, index) in list.iter().take(params.max_links_per_account) {
            kept[index as usize] = true;
        }
    }
    drop(lists);
    drop(by_account);
    // The kept links' entries, then the candidates are let go before the
    // evidence is put in words.
    let kept: Vec<(u32, u32, f64, Vec<Entry>)> = {
        use rayon::prelude::*;
        let kept: Vec<usize> = (0..keys.len()).filter(|&i| kept[i]).collect();
        kept.par_iter()
            .map(|&i| {
                let ((a, b), head) = keys[i];
                let extra = corroboration(a, b);
                let entries = store.chain(head).chain(extra.iter().flatten()).copied();
                (a, b, weights[i], entries.collect())
            })
            .collect()
    };
    drop(keys);
    drop(weights);
    drop(store);
    drop(corroborating);
    let links: Vec<Link> = {
        use rayon::prelude::*;
        kept.into_par_iter()
            .map(|(a, b, weight, entries)| {
                let mut evidence: Vec<LinkEvidence> = entries
                    .iter()
                    .map(|e| LinkEvidence {
                        kind: e.kind,
                        shared: if e.kind == EvidenceKind::Synchrony {
                            e.source
                        } else {
                            e.count
                        },
                        weight: e.kind.weight() * (1.0 - e.miss),
                        example: match e.kind {
                            EvidenceKind::Cohort => cohorts
                                .test(a, b)
                                .map(|c| cohort_example(&c))
                                .unwrap_or_default(),
                            EvidenceKind::Synchrony => {
                                let lift = f64::from(e.source) / expected(a, b);
                                format!(
                                    "{} shared minutes, {lift:.1}× what their hours of the day explain",
                                    e.source
                                )
                            }
                            EvidenceKind::HandOff => hand_off_example(
                                &hand_offs[e.source as usize],
                                a,
                            ),
                            _ => shared[e.source as usize].example.clone(),
                        },
                    })
                    .collect();
                evidence.sort_by(|x, y| y.weight.total_cmp(&x.weight).then(x.kind.cmp(&y.kind)));
                Link {
                    a,
                    b,
                    weight,
                    evidence,
                }
            })
            .collect()
    };
    clock.lap("strongest links");

    EvidenceGraph {
        phases: clock.0,
        links: std::sync::Arc::new(links),
        accounts: AccountEvidence {
            prints,
            hand_offs,
            template_family,
            indicator_hits,
            distinct_prefixes,
            halves,
        },
        candidate_pairs,
        values_linked,
        values_too_common,
    }
}

/// The readable evidence of a cohort.
fn cohort_example(c: &CohortPair) -> String {
    format!(
        "{} template families with {} of traffic in common, whose users are alike {} than random accounts; \
         behaviour {:.2} alike \
         (hours {:.2}, weekdays {:.2}, volume {:.2}, capabilities {:.2}, tokens {:.2}, \
         chain-of-thought {:.2}, network churn {:.2}, adoption {:.2})",
        c.families,
        pct(c.overlap),
        if c.lift.is_finite() {
            format!("{:.1}× more often", c.lift)
        } else {
            "few and more often".to_string()
        },
        c.similarity.combined,
        c.similarity.hours,
        c.similarity.weekdays,
        c.similarity.rate,
        c.similarity.capabilities,
        c.similarity.ratio,
        c.similarity.cot,
        c.similarity.churn,
        c.similarity.adoption,
    )
}

/// The readable evidence of a hand-off on the link whose first account is `first`.
fn hand_off_example(h: &coactivity::HandOff, first: u32) -> String {
    format!(
        "{} {:.0} min after the other's last request{}, {} of traffic on the same template families, behaviour {:.2} alike",
        if h.from == first {
            "second started"
        } else {
            "first started"
        },
        h.gap_minutes,
        if h.replaced_ban {
            " (banned, replaced by a new account)"
        } else {
            ""
        },
        pct(h.family_overlap),
        h.similarity
    )
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// Two accounts of one cohort: what they share.
#[derive(Clone, Debug)]
pub struct CohortPair {
    /// One account.
    pub a: u32,
    /// The other (a < b).
    pub b: u32,
    /// Cohort families both use.
    pub families: u32,
    /// Share of traffic on them both have (Σ of the smaller shares).
    pub overlap: f64,
    /// How many times more alike the users of those families are than
    /// random accounts (the smallest over the shared families).
    pub lift: f64,
    /// How alike they behave.
    pub similarity: behaviour::Similarity,
    /// Strength of the evidence, 0..1.
    pub strength: f64,
}

/// Address evidence (request address, prefix, sign-up address) involving
/// an account that rotates over 6 or more networks (or over a network per
/// four requests) counts this much.
pub const ROTATING_ADDRESS_FACTOR: f64 = 0.25;

/// Pairs of unrelated accounts sampled to measure how alike accounts are
/// at random.
const BASELINE_PAIRS: u64 = 4_000;

/// Accounts that put a good part of their traffic on the same template
/// families *and* behave alike, where the users of those families are far
/// more alike than random accounts are.
///
/// A popular template says nothing by itself: thousands of independent
/// people use an SDK's prompts, and two of them in one timezone with a
/// similar volume are alike by chance. What sets a campaign's families
/// apart is that their users, however many, run one job: sampled pairs of
/// a family's users are alike many times more often than random pairs of
/// accounts (the *lift*). Only families with a lift of `cohort_min_lift`
/// or more (or used by three accounts or fewer, rare by themselves) tie
/// their users, and the overlap counts only those families.
///
/// Candidates: within each such family, its users ordered by volume per
/// day (ties in a family-specific shuffle), each compared with its next
/// `cohort_window` neighbours: O(users × window) per family, never all pairs.
pub fn cohort_pairs(prints: &[behaviour::Fingerprint], params: &Params) -> Vec<CohortPair> {
    let cohorts = Cohorts::new(prints, params);
    use rayon::prelude::*;
    cohorts
        .candidates()
        .par_iter()
        .filter_map(|&(a, b)| cohorts.test(a, b))
        .collect()
}

/// The families that tie their users ([`cohort_pairs`]) and the test of
/// one pair, kept so that a kept link's evidence can be told in words
/// without holding every candidate's numbers.
pub struct Cohorts<'a> {
    prints: &'a [behaviour::Fingerprint],
    params: &'a Params,
    /// Users of each family (accounts with a reliable profile), by family.
    users: FxHashMap<u32, Vec<u32>>,
    /// Families whose users are alike often enough, and their lift.
    lift_of: FxHashMap<u32, f64>,
}

impl<'a> Cohorts<'a> {
    /// Measures each family's lift.
    pub fn new(prints: &'a [behaviour::Fingerprint], params: &'a Params) -> Self {
        let mut users: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        let mut reliable: Vec<u32> = Vec::new();
        for (account, p) in prints.iter().enumerate() {
            if !p.is_reliable() {
                continue;
            }
            reliable.push(account as u32);
            for &(family, _) in &p.families {
                users.entry(family).or_default().push(account as u32);
            }
        }
        let mut cohorts = Self {
            prints,
            params,
            users,
            lift_of: FxHashMap::default(),
        };
        if reliable.len() < 2 {
            return cohorts;
        }
        let alike = |a: u32, b: u32| {
            behaviour::similarity(&prints[a as usize], &prints[b as usize]).combined
                >= params.cohort_min_similarity
        };
        let salt = crate::base::rng::mix64(params.seed ^ 0x636f_686f_7274);
        let pick = |list: &[u32], k: u64| {
            list[(crate::base::rng::mix64(salt ^ k) % list.len() as u64) as usize]
        };
        // How often accounts that share no template family are alike: the
        // similarity that the population's make-up explains (people of one
        // timezone, one client's defaults), not a job.
        let (mut tried, mut hits) = (0u64, 0u64);
        for k in 0..4 * BASELINE_PAIRS {
            if tried >= BASELINE_PAIRS {
                break;
            }
            let (a, b) = (pick(&reliable, 2 * k), pick(&reliable, 2 * k + 1));
            let (pa, pb) = (&prints[a as usize], &prints[b as usize]);
            if a != b && behaviour::family_overlap(pa, pb).1 == 0 {
                tried += 1;
                hits += u64::from(alike(a, b));
            }
        }
        let random_rate = if tried >= BASELINE_PAIRS / 20 {
            (hits as f64 / tried as f64).max(1.0 / BASELINE_PAIRS as f64)
        } else {
            // Too few unrelated accounts to tell: a prior of one in twenty.
            0.05
        };
        let mut families: Vec<u32> = cohorts.users.keys().copied().collect();
        families.sort_unstable();
        // Each family's sample is its own: in parallel, in family order.
        use rayon::prelude::*;
        let lifts: Vec<Option<f64>> = families
            .par_iter()
            .map(|&family| {
                let members = &cohorts.users[&family];
                let m = members.len();
                if m < 2 {
                    return None;
                }
                if m <= 3 {
                    return Some(f64::INFINITY);
                }
                let samples = (4 * m as u64).min(800);
                let (mut tried, mut hits) = (0u64, 0u64);
                for k in 0..samples {
                    let key = (u64::from(family) << 20) ^ k;
                    let (a, b) = (pick(members, 2 * key), pick(members, 2 * key + 1));
                    if a != b {
                        tried += 1;
                        hits += u64::from(alike(a, b));
                    }
                }
                let rate = hits as f64 / tried.max(1) as f64;
                let lift = rate / random_rate;
                (rate >= 0.2 && lift >= params.cohort_min_lift).then_some(lift)
            })
            .collect();
        cohorts.lift_of = families
            .iter()
            .zip(lifts)
            .filter_map(|(&family, lift)| Some((family, lift?)))
            .collect();
        cohorts
    }

    /// Candidate pairs (a < b, sorted, each once): within each family that
    /// ties its users, each user and its next `cohort_window` in an order
    /// by volume per day (ties in a family-specific shuffle).
    pub fn candidates(&self) -> Vec<(u32, u32)> {
        use rayon::prelude::*;
        let mut families: Vec<u32> = self.lift_of.keys().copied().collect();
        families.sort_unstable();
        let prints = self.prints;
        let window = self.params.cohort_window;
        let mut out: Vec<(u32, u32)> = families
            .par_iter()
            .flat_map_iter(|&family| {
                let mut order = self.users[&family].clone();
                order.sort_unstable_by_key(|&a| {
                    let rate = (prints[a as usize].rate_log10 / 0.05).round() as i64;
                    (
                        rate,
                        crate::base::rng::mix64(u64::from(a) ^ u64::from(family)),
                    )
                });
                let mut pairs = Vec::with_capacity(order.len() * window);
                for i in 0..order.len() {
                    for j in i + 1..order.len().min(i + 1 + window) {
                        pairs.push((order[i].min(order[j]), order[i].max(order[j])));
                    }
                }
                pairs
            })
            .collect();
        out.par_sort_unstable();
        out.dedup();
        out
    }

    /// Whether `a` and `b` (a < b) are a cohort, and what they share.
    pub fn test(&self, a: u32, b: u32) -> Option<CohortPair> {
        let params = self.params;
        let (pa, pb) = (&self.prints[a as usize], &self.prints[b as usize]);
        let (overlap, shared, lift) =
            behaviour::family_overlap_where(pa, pb, |f| self.lift_of.get(&f).copied());
        if overlap < params.cohort_min_overlap {
            return None;
        }
        let similarity = behaviour::similarity(pa, pb);
        if similarity.combined < params.cohort_min_similarity {
            return None;
        }
        let strength = ((overlap - 0.1) / 0.4).clamp(0.0, 1.0)
            * ((similarity.combined - params.cohort_min_similarity)
                / (1.0 - params.cohort_min_similarity).max(1e-6)
                * 2.0)
                .clamp(0.1, 1.0)
            * ((lift - 1.0) / 2.0).clamp(0.25, 1.0);
        Some(CohortPair {
            a,
            b,
            families: shared,
            overlap,
            lift,
            similarity,
            strength,
        })
    }

    /// Every cohort's (a, b, strength), sorted by pair.
    pub fn strengths(&self) -> Vec<(u32, u32, f64)> {
        use rayon::prelude::*;
        self.candidates()
            .par_iter()
            .filter_map(|&(a, b)| self.test(a, b).map(|c| (a, b, c.strength)))
            .collect()
    }
}

/// The order a large group's ring is drawn in. Template families sent as
/// pools of paraphrases share one order, so that two accounts doing
/// several of one job's tasks are neighbours in each family they share and
/// their evidence adds up (a job of many families, each too large to
/// enumerate, would otherwise tie each pair through one family at most);
/// other values each have their own, so that crowds on different values
/// (a relay's customers' own templates) tie different pairs.
fn value_salt(value: &Shared) -> u64 {
    if value.paraphrased {
        return 0x6661_6d69_6c79 ^ value.kind as u64;
    }
    xxhash_rust::xxh3::xxh3_64(value.example.as_bytes()) ^ value.kind as u64
}

/// No entry.
const NONE: u32 = u32::MAX;

/// One kind of evidence on one pair: Π(1 − strength) over its values, how
/// many, and where its example comes from: the first value's index in the
/// shared values, a hand-off's index, the shared minutes of synchrony
/// (cohorts are tested again). A pair's entries are chained in the order
/// their kinds first came, which is the order their weights are summed in.
#[derive(Clone, Copy)]
struct Entry {
    miss: f64,
    count: u32,
    source: u32,
    next: u32,
    kind: EvidenceKind,
}

/// The candidate pairs and their evidence, as numbers: each pair's first
/// entry, and every entry in one arena.
#[derive(Default)]
struct PairStore {
    head: FxHashMap<(u32, u32), u32>,
    entries: Vec<Entry>,
}

impl PairStore {
    fn add(&mut self, key: (u32, u32), kind: EvidenceKind, strength: f64, source: u32) {
        self.add_all(key, kind, 1.0 - strength, 1, source);
    }

    /// Adds `count` values of `kind` whose Π(1 − strength) is `miss`.
    fn add_all(&mut self, key: (u32, u32), kind: EvidenceKind, miss: f64, count: u32, source: u32) {
        let fresh = Entry {
            miss,
            count,
            source,
            next: NONE,
            kind,
        };
        let next = self.entries.len() as u32;
        match self.head.entry(key) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(next);
            }
            std::collections::hash_map::Entry::Occupied(slot) => {
                let mut i = *slot.get() as usize;
                loop {
                    let e = &mut self.entries[i];
                    if e.kind == kind {
                        e.miss *= miss;
                        e.count += count;
                        return;
                    }
                    if e.next == NONE {
                        e.next = next;
                        break;
                    }
                    i = e.next as usize;
                }
            }
        }
        self.entries.push(fresh);
    }

    /// The entries of the pair whose first entry is `head`, in order.
    fn chain(&self, head: u32) -> impl Iterator<Item = &Entry> {
        let mut i = head;
        std::iter::from_fn(move || {
            let e = self.entries.get(i as usize)?;
            i = e.next;
            Some(e)
        })
    }
}

fn group<K: AsRef<str>>(kind: EvidenceKind, by_value: FxHashMap<K, Vec<u32>>) -> Vec<Shared> {
    let mut out: Vec<Shared> = by_value
        .into_iter()
        .filter(|(_, members)| members.len() >= 2)
        .map(|(example, mut members)| {
            members.sort_unstable();
            members.dedup();
            Shared {
                kind,
                example: example.as_ref().to_string(),
                members,
                shares: Vec::new(),
                paraphrased: false,
            }
        })
        .filter(|s| s.members.len() >= 2)
        .collect();
    out.sort_by(|a, b| a.example.cmp(&b.example));
    out
}

/// Like [`group`], for values an account uses for part of its traffic:
/// each member's share of its exchanges on the value is kept.
fn group_weighted<K: AsRef<str>>(
    kind: EvidenceKind,
    by_value: FxHashMap<K, Vec<(u32, u64)>>,
    f: &CaseFeatures,
) -> Vec<Shared> {
    let mut out: Vec<Shared> = by_value
        .into_iter()
        .filter(|(_, members)| members.len() >= 2)
        .filter_map(|(example, mut rows)| {
            rows.sort_unstable();
            let mut members: Vec<u32> = Vec::with_capacity(rows.len());
            let mut counts: Vec<u64> = Vec::with_capacity(rows.len());
            for (account, n) in rows {
                if members.last() == Some(&account) {
                    if let Some(last) = counts.last_mut() {
                        *last += n;
                    }
                } else {
                    members.push(account);
                    counts.push(n);
                }
            }
            if members.len() < 2 {
                return None;
            }
            let shares = members
                .iter()
                .zip(&counts)
                .map(|(&a, &n)| {
                    let total = f
                        .accounts
                        .get(a as usize)
                        .map_or(0, |x| x.exchanges)
                        .max(n)
                        .max(1);
                    (n as f64 / total as f64) as f32
                })
                .collect();
            Some(Shared {
                kind,
                example: example.as_ref().to_string(),
                members,
                shares,
                paraphrased: false,
            })
        })
        .collect();
    out.sort_by(|a, b| a.example.cmp(&b.example));
    out
}

/// Cards, sign-up addresses, e-mail domains, request addresses, prefixes and
/// client fingerprints shared by several accounts. A sign-up address that more
/// than `limit` accounts send requests from (a relay's or a carrier's egress)
/// is no evidence either.
fn collect_shared(f: &CaseFeatures, limit: usize) -> Vec<Shared> {
    // Keyed by the case's own text: a value's text is copied only for the
    // values shared by two or more accounts.
    let mut cards: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    let mut signups: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    let mut domains: FxHashMap<String, Vec<u32>> = FxHashMap::default();
    for (i, a) in f.accounts.iter().enumerate() {
        let i = i as u32;
        if let Some(card) = a.payment_fingerprint.as_deref() {
            cards.entry(card).or_default().push(i);
        }
        if let Some(ip) = a.signup_ip.as_deref() {
            signups.entry(ip).or_default().push(i);
        }
        if let Some(domain) = &a.email_domain {
            let domain = domain.to_ascii_lowercase();
            if !WEBMAIL.contains(&domain.as_str()) {
                domains.entry(domain).or_default().push(i);
            }
        }
    }
    let mut ips: FxHashMap<&str, Vec<(u32, u64)>> = FxHashMap::default();
    let mut prefixes: FxHashMap<&str, Vec<(u32, u64)>> = FxHashMap::default();
    for &(account, origin, n) in &f.account_origins {
        let Some(o) = f.origins.get(origin as usize) else {
            continue;
        };
        if let Some(ip) = o.ip.as_deref() {
            ips.entry(ip).or_default().push((account, n));
        }
        if let Some(prefix) = o.prefix.as_deref() {
            prefixes.entry(prefix).or_default().push((account, n));
        }
    }
    let mut clients: FxHashMap<&str, Vec<u32>> = FxHashMap::default();
    for &(account, fp, _) in &f.account_client_fps {
        if let Some(name) = f.client_fps.get(fp as usize) {
            clients.entry(name.as_str()).or_default().push(account);
        }
    }
    signups.retain(|ip, _| {
        ips.get(ip).is_none_or(|users| {
            let mut accounts: Vec<u32> = users.iter().map(|(a, _)| *a).collect();
            accounts.sort_unstable();
            accounts.dedup();
            accounts.len() <= limit
        })
    });
    // Per account: exchanges per request network, for how much each one
    // uses the network it signed up from.
    let mut by_network: FxHashMap<(u32, &str), u64> = FxHashMap::default();
    for &(account, origin, n) in &f.account_origins {
        if let Some(prefix) = f
            .origins
            .get(origin as usize)
            .and_then(|o| o.prefix.as_deref())
        {
            *by_network.entry((account, prefix)).or_default() += n;
        }
    }
    let mut out = group(EvidenceKind::Card, cards);
    for mut shared in group(EvidenceKind::SignupIp, signups) {
        // A sign-up address counts as far as both accounts also send from
        // its network: a household or a hosting box do, a campaign that
        // signed up through a residential proxy exit (someone's home) and
        // then rotated away does not.
        if let Ok(ip) = shared.example.parse::<std::net::IpAddr>() {
            let (_, network) = crate::base::net::ip_prefix(ip);
            shared.shares = shared
                .members
                .iter()
                .map(|&a| {
                    let total = f.accounts.get(a as usize).map_or(0, |x| x.exchanges);
                    let here = by_network.get(&(a, network.as_str())).copied().unwrap_or(0);
                    if total == 0 {
                        1.0
                    } else {
                        (here as f64 / total as f64) as f32
                    }
                })
                .collect();
        }
        out.push(shared);
    }
    out.extend(group(EvidenceKind::EmailDomain, domains));
    out.extend(group_weighted(EvidenceKind::RequestIp, ips, f));
    out.extend(group_weighted(EvidenceKind::Prefix, prefixes, f));
    out.extend(group(EvidenceKind::ClientFingerprint, clients));
    out
}

/// Template families (SimHashes within `radius` bits, chained) and who uses each.
fn template_families(f: &CaseFeatures, radius: u32) -> (Vec<u32>, Vec<Shared>) {
    let family = families::families(&f.templates, radius);
    // By family root (the hex text is made once per family, not per row).
    let mut by_root: FxHashMap<u32, Vec<(u32, u64)>> = FxHashMap::default();
    let mut variants: FxHashMap<u32, FxHashMap<u32, u64>> = FxHashMap::default();
    for &(account, template, n) in &f.account_templates {
        let Some(&root) = family.get(template as usize) else {
            continue;
        };
        if template == 0 {
            continue;
        }
        by_root.entry(root).or_default().push((account, n));
        *variants
            .entry(root)
            .or_default()
            .entry(template)
            .or_default() += n;
    }
    let mut paraphrased: FxHashMap<String, bool> = FxHashMap::default();
    let users: FxHashMap<String, Vec<(u32, u64)>> = by_root
        .into_iter()
        .map(|(root, rows)| {
            let hex = format!("{:016x}", f.templates[root as usize]);
            if let Some(uses) = variants.get(&root) {
                paraphrased.insert(hex.clone(), is_paraphrase_pool(uses, &f.templates));
            }
            (hex, rows)
        })
        .collect();
    let mut shared = group_weighted(EvidenceKind::TemplateFamily, users, f);
    for value in &mut shared {
        value.paraphrased = paraphrased.get(&value.example).copied().unwrap_or(false);
    }
    (family, shared)
}

/// Whether a template family's uses (template id → exchanges) are a pool
/// of paraphrases: its most-sent wording carries under a quarter of its
/// exchanges, and its exchanges lie on average at least 3 bits from that
/// wording. A public tool's or a course's template is sent as written, with
/// a word changed here and there, so one wording dominates and the rest lie
/// a bit or two from it; a generator rewording every request to dodge
/// exact-match detection leaves no wording dominant. Such a family is no
/// popular template but a generator's output: it links its users at any
/// size (as every template family does) and at full weight (no rarity
/// discount), since its
/// size says how big the job is, not how common the value is among
/// strangers; whether its users are one operation or independent people
/// is for the scoring to say.
fn is_paraphrase_pool(uses: &FxHashMap<u32, u64>, hashes: &[u64]) -> bool {
    let total: u64 = uses.values().sum();
    let Some((&top, &top_n)) = uses
        .iter()
        .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
    else {
        return false;
    };
    if total == 0 || top_n as f64 >= 0.25 * total as f64 {
        return false;
    }
    let Some(&top_hash) = hashes.get(top as usize) else {
        return false;
    };
    let spread: f64 = uses
        .iter()
        .map(|(&t, &n)| {
            let h = hashes.get(t as usize).copied().unwrap_or(top_hash);
            n as f64 * f64::from((h ^ top_hash).count_ones())
        })
        .sum::<f64>()
        / total as f64;
    spread >= 3.0
}

/// The template families two accounts both use (lists by index into the
/// shared values, in order), each one's strength on the pair being its
/// weight × twice the lesser of the two shares, at most the weight:
/// Π(1 − strength) over them, how many, and the strongest (the first of
/// equals), whose example the link shows.
fn shared_families(a: &[(u32, f32, f64)], b: &[(u32, f32, f64)]) -> (f64, u32, u32) {
    let (mut miss, mut count, mut best) = (1.0, 0u32, (0.0f64, 0u32));
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                let share = f64::from(a[i].1.min(b[j].1));
                let strength = a[i].2 * (2.0 * share).min(1.0);
                miss *= 1.0 - strength;
                if count == 0 || strength > best.0 {
                    best = (strength, a[i].0);
                }
                count += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (miss, count, best.1)
}

/// Accounts each partner indicator matches, and the groups they form.
fn indicator_matches(f: &CaseFeatures, family: &[u32]) -> (Vec<Vec<u32>>, Vec<Shared>) {
    let n = f.accounts.len();
    let mut hits: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut groups = Vec::new();
    for (k, ind) in f.indicators.iter().enumerate() {
        let mut members: Vec<u32> = Vec::new();
        match ind.kind.as_str() {
            "payment_fingerprint" => accounts_where(f, &mut members, |a| {
                a.payment_fingerprint.as_deref() == Some(&ind.value)
            }),
            "email_domain" => accounts_where(f, &mut members, |a| {
                a.email_domain
                    .as_deref()
                    .is_some_and(|d| d.eq_ignore_ascii_case(&ind.value))
            }),
            "ip" | "cidr" | "asn" => {
                let net = crate::base::net::parse_cidr(&ind.value);
                for &(account, origin, _) in &f.account_origins {
                    let Some(o) = f.origins.get(origin as usize) else {
                        continue;
                    };
                    let hit = match ind.kind.as_str() {
                        "ip" => o.ip.as_deref() == Some(ind.value.as_str()),
                        "asn" => {
                            o.asn.map(|a| a.to_string()).as_deref() == Some(ind.value.as_str())
                        }
                        _ => match (
                            &net,
                            o.ip.as_deref()
                                .and_then(|ip| ip.parse::<std::net::IpAddr>().ok()),
                        ) {
                            (Some(net), Some(ip)) => net.contains(&ip),
                            _ => false,
                        },
                    };
                    if hit {
                        members.push(account);
                    }
                }
                if ind.kind == "ip" {
                    accounts_where(f, &mut members, |a| {
                        a.signup_ip.as_deref() == Some(&ind.value)
                    });
                }
            }
            "client_fingerprint" => {
                for &(account, fp, _) in &f.account_client_fps {
                    if f.client_fps
                        .get(fp as usize)
                        .is_some_and(|name| *name == ind.value)
                    {
                        members.push(account);
                    }
                }
            }
            "prompt_template" => {
                if let Some(target) = crate::logs::record::parse_template_hex(&ind.value) {
                    // The family the indicator's own template belongs to, if the case has it.
                    let target_family = f
                        .templates
                        .iter()
                        .skip(1)
                        .position(|h| *h == target)
                        .map(|t| family[t + 1]);
                    for &(account, template, _) in &f.account_templates {
                        let Some(&hash) = f.templates.get(template as usize) else {
                            continue;
                        };
                        let near = (hash ^ target).count_ones() <= 3;
                        let same_family = target_family.is_some()
                            && target_family == family.get(template as usize).copied();
                        if template != 0 && (near || same_family) {
                            members.push(account);
                        }
                    }
                }
            }
            _ => {}
        }
        members.sort_unstable();
        members.dedup();
        for &a in &members {
            hits[a as usize].push(k as u32);
        }
        let source = ind.source.as_deref().unwrap_or("partner");
        groups.push(Shared {
            kind: EvidenceKind::Indicator,
            example: format!("{} {} ({source})", ind.kind, ind.value),
            members,
            shares: Vec::new(),
            paraphrased: false,
        });
    }
    (hits, groups)
}

fn accounts_where(
    f: &CaseFeatures,
    members: &mut Vec<u32>,
    pred: impl Fn(&crate::facts::AccountFacts) -> bool,
) {
    members.extend(
        f.accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| pred(a))
            .map(|(i, _)| i as u32),
    );
}

/// Runs of sign-ups each within `burst_window_ms` of the previous, from one
/// provider-sized network (the /16 of an IPv4 address, the /32 of an IPv6
/// one: a hosting provider's ranges span several /24s). Accounts without a
/// sign-up address are in no burst.
fn signup_bursts(f: &CaseFeatures, params: &Params) -> Vec<Shared> {
    let mut by_prefix: FxHashMap<String, Vec<(i64, u32)>> = FxHashMap::default();
    for (i, a) in f.accounts.iter().enumerate() {
        let Some(ip) = a
            .signup_ip
            .as_deref()
            .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
        else {
            continue;
        };
        let prefix = match ip {
            std::net::IpAddr::V4(v4) => {
                let o = v4.octets();
                format!("{}.{}.0.0/16", o[0], o[1])
            }
            std::net::IpAddr::V6(v6) => {
                let s = v6.segments();
                format!("{:x}:{:x}::/32", s[0], s[1])
            }
        };
        by_prefix
            .entry(prefix)
            .or_default()
            .push((a.created_ms, i as u32));
    }
    let mut out = Vec::new();
    let mut prefixes: Vec<_> = by_prefix.into_iter().collect();
    prefixes.sort_by(|a, b| a.0.cmp(&b.0));
    for (prefix, mut accounts) in prefixes {
        accounts.sort_unstable();
        // A burst: a run of sign-ups each within the window of the previous.
        let mut start = 0;
        for i in 1..=accounts.len() {
            let ends =
                i == accounts.len() || accounts[i].0 - accounts[i - 1].0 > params.burst_window_ms;
            if ends {
                if i - start >= params.burst_min_accounts {
                    let members: Vec<u32> = accounts[start..i].iter().map(|(_, a)| *a).collect();
                    let when = crate::base::time::format_rfc3339_ms(accounts[start].0);
                    let mut members: Vec<u32> = members;
                    members.sort_unstable();
                    out.push(Shared {
                        kind: EvidenceKind::SignupBurst,
                        example: format!("{} sign-ups from {prefix} from {when}", i - start),
                        members,
                        shares: Vec::new(),
                        paraphrased: false,
                    });
                }
                start = i;
            }
        }
    }
    out
}

/// Per account: the number of distinct network prefixes it sent from.
fn distinct_prefixes(f: &CaseFeatures) -> Vec<u32> {
    let mut prefixes: Vec<FxHashSet<&str>> = vec![FxHashSet::default(); f.accounts.len()];
    for &(account, origin, _) in &f.account_origins {
        if let Some(prefix) = f
            .origins
            .get(origin as usize)
            .and_then(|o| o.prefix.as_deref())
        {
            prefixes[account as usize].insert(prefix);
        }
    }
    prefixes.iter().map(|p| p.len() as u32).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pool_of_paraphrases_is_told_from_a_template_sent_as_written() {
        let centre = 0x0f0f_3c3c_a5a5_9696u64;
        // Template ids index `hashes`. A generator: 40 wordings, each 4 or
        // 5 bits off a centre that is never sent, a few requests each.
        let mut hashes = vec![0u64];
        let mut pool: FxHashMap<u32, u64> = FxHashMap::default();
        for i in 0..40u32 {
            let flips = 4 + i % 2;
            let mask = (0..flips).fold(0u64, |m, k| m | 1 << ((i * 7 + k * 13) % 64));
            hashes.push(centre ^ mask);
            pool.insert(i + 1, 3 + u64::from(i % 3));
        }
        assert!(is_paraphrase_pool(&pool, &hashes));
        // A public tool's system prompt: one wording for most requests, the
        // rest a bit off it.
        let mut tool: FxHashMap<u32, u64> = FxHashMap::default();
        tool.insert(41, 500);
        hashes.push(centre);
        for i in 0..12u32 {
            hashes.push(centre ^ (1 << i));
            tool.insert(42 + i, 40);
        }
        assert!(!is_paraphrase_pool(&tool, &hashes));
        // Many wordings used evenly but all within a bit of each other
        // (a form with one field filled in): not a pool of paraphrases.
        let form: FxHashMap<u32, u64> = (42..54u32).map(|t| (t, 40)).collect();
        assert!(!is_paraphrase_pool(&form, &hashes));
    }

    #[test]
    fn large_groups_give_linear_not_quadratic_pairs() {
        let members: Vec<u32> = (0..10_000).collect();
        let mut pairs = FxHashSet::default();
        for_each_pair(&members, 4, 7, |a, b| {
            assert!(a < b);
            pairs.insert((a, b));
        });
        assert!(pairs.len() <= 40_000, "{}", pairs.len());
        // Still one connected group.
        let mut uf = families::UnionFind::new(10_000);
        for (a, b) in &pairs {
            uf.union(*a, *b);
        }
        assert!((0..10_000).all(|i| uf.find(i) == 0));
        let mut small = Vec::new();
        for_each_pair(&[3, 1, 2], 4, 7, |a, b| small.push((a, b)));
        assert_eq!(small.len(), 3);
    }

    #[test]
    fn rarer_values_weigh_more() {
        assert!(idf(2, 50_000) > idf(200, 50_000));
        assert!(idf(25_000, 50_000) < 0.1);
    }
}
