//! Indicators of a group of accounts (a cluster, or a campaign of
//! clusters), their evidence in plain numbers, and the combined
//! distillation score. The formulas are written out in `docs/analysis.md`.
//!
//! Each indicator is a function of its own (`coordination`, `extraction`,
//! …) over a [`Group`], pushing the sentences behind it into a [`Reasons`].

use rustc_hash::FxHashMap;

use super::evidence::EvidenceGraph;
use super::{Cluster, EvidenceKind, Indicators, Params, Reason};
use crate::base::text::thousands;
use crate::facts::{AccountFacts, Activity, CaseFeatures, ReleaseWindow};
use crate::logs::Capability;

const DAY_MS: i64 = 86_400_000;
/// Days between creation and first use past which an account is long-standing.
const LONG_STANDING_DAYS: i64 = 90;
/// A family used by at least this share of a group's members is its common work.
const WORK_FAMILY_MEMBERS: f64 = 0.3;

fn clamp01(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// 1 - Π(1 - weight × value): any one strong component suffices, several
/// weak ones add up, and the result stays in 0..1.
pub fn any_of(parts: &[(f64, f64)]) -> f64 {
    1.0 - parts
        .iter()
        .map(|(w, v)| 1.0 - w * clamp01(*v))
        .product::<f64>()
}

fn pct(x: f64) -> String {
    format!("{:.0}%", 100.0 * x)
}

/// The sentences behind a group's indicators.
#[derive(Default)]
struct Reasons(Vec<Reason>);

impl Reasons {
    fn push(&mut self, indicator: &str, strength: f64, text: String) {
        if strength > 0.0 {
            self.0.push(Reason {
                indicator: indicator.to_string(),
                strength: clamp01(strength),
                text,
            });
        }
    }

    /// A sentence that explains why something did not count (strength 0).
    fn note(&mut self, indicator: &str, text: String) {
        self.0.push(Reason {
            indicator: indicator.to_string(),
            strength: 0.0,
            text,
        });
    }

    /// `any_of` over weighted parts, recording each part's sentence with
    /// the strength it contributes.
    fn explained(&mut self, indicator: &str, parts: Vec<(f64, f64, String)>) -> f64 {
        let value = any_of(&parts.iter().map(|(w, v, _)| (*w, *v)).collect::<Vec<_>>());
        for (weight, part, text) in parts {
            self.push(indicator, weight * clamp01(part), text);
        }
        value
    }
}

/// Per-account facts the indicators use.
struct AccountSignals {
    /// Share of exchanges in the account's 8 quietest hours of the day.
    quiet_share: Option<f64>,
    /// Coefficient of variation of the gaps between active minutes (gaps
    /// over 6 hours, i.e. breaks, left out).
    gap_cv: Option<f64>,
    young: bool,
    farmed: bool,
    banned: bool,
    proxied: bool,
    /// Created long before first use and KYC-verified.
    established: bool,
    /// Days (since the epoch) with traffic.
    days: Vec<u32>,
    /// The client fingerprint it used most (0: none).
    main_client: u32,
    /// Its stable home network: the /24 (or /48) that carries at least
    /// half of its traffic, when it uses fewer than 6 networks (an id, the
    /// same for the same network).
    home: Option<u32>,
    /// Its home is a public network: more accounts of the case use it than
    /// a place may have and still be evidence, more than that many at
    /// once (a campus's or an office's NAT, a carrier's gateway).
    public_home: bool,
    /// Its diurnal phase, as a unit vector on the 24-hour clock (from 20
    /// exchanges on; `None` for a flat load with no peak).
    phase: Option<(f64, f64)>,
}

fn account_signals(
    f: &CaseFeatures,
    activity: &Activity,
    graph: &EvidenceGraph,
    params: &Params,
) -> Vec<AccountSignals> {
    let mut banned = vec![false; f.accounts.len()];
    for e in &f.events {
        if e.kind == "account_banned"
            && let Some(slot) = e.account.and_then(|a| banned.get_mut(a as usize))
        {
            *slot = true;
        }
    }
    let (homes, public) = home_networks(f, graph, params);
    // The most used client; a tie goes to the first fingerprint in text
    // order, not by dictionary id (ids follow the order the logs were read
    // in, which must not change the answer).
    let fp_text = |fp: u32| f.client_fps.get(fp as usize).map_or("", String::as_str);
    let mut main_client = vec![(0u64, 0u32); f.accounts.len()];
    for &(account, fp, n) in &f.account_client_fps {
        if let Some(slot) = main_client.get_mut(account as usize)
            && (n > slot.0 || (n == slot.0 && fp_text(fp) < fp_text(slot.1)))
        {
            *slot = (n, fp);
        }
    }
    f.accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let total: u64 = a.hour_of_day.iter().sum();
            let quiet_share = (total >= 24).then(|| {
                let mut hours = a.hour_of_day;
                hours.sort_unstable();
                hours[..8].iter().sum::<u64>() as f64 / total as f64
            });
            let minutes = activity.minutes.get(i).map_or(&[][..], Vec::as_slice);
            let gaps: Vec<f64> = minutes
                .windows(2)
                .map(|w| f64::from(w[1] - w[0]))
                .filter(|g| *g <= 360.0)
                .collect();
            let gap_cv = (gaps.len() >= 20).then(|| {
                let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
                let var = gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64;
                var.sqrt() / mean.max(1e-9)
            });
            let lead_ms = a.first_ms.map(|first| first - a.created_ms);
            let young = lead_ms.is_some_and(|lead| lead < 30 * DAY_MS);
            let program = matches!(
                a.access_path.as_deref(),
                Some("education" | "startup_program" | "research_program")
            );
            let kyc = a.verification.as_deref() == Some("kyc");
            let farmed = program && (young || !kyc);
            let established =
                kyc && lead_ms.is_some_and(|lead| lead >= LONG_STANDING_DAYS * DAY_MS);
            // Rotating over many networks; a crowded egress alone (a company's,
            // a carrier's, a relay's) is not evasion.
            let proxied = graph
                .accounts
                .distinct_prefixes
                .get(i)
                .copied()
                .unwrap_or(0)
                >= ROTATING_NETWORKS;
            let mut days: Vec<u32> = minutes.iter().map(|m| m / 1440).collect();
            days.dedup();
            let phase = diurnal_phase(&a.hour_of_day);
            AccountSignals {
                quiet_share,
                gap_cv,
                young,
                farmed,
                banned: banned[i],
                proxied,
                established,
                days,
                main_client: main_client[i].1,
                home: homes[i],
                public_home: public[i],
                phase,
            }
        })
        .collect()
}

/// Each account's stable home network (see [`AccountSignals::home`]), and
/// whether that network is a public one (see
/// [`AccountSignals::public_home`]).
fn home_networks(
    f: &CaseFeatures,
    graph: &EvidenceGraph,
    params: &Params,
) -> (Vec<Option<u32>>, Vec<bool>) {
    let mut ids: FxHashMap<&str, u32> = FxHashMap::default();
    let mut best: Vec<(u64, u32)> = vec![(0, u32::MAX); f.accounts.len()];
    let mut per_prefix: FxHashMap<(u32, u32), u64> = FxHashMap::default();
    for &(account, origin, n) in &f.account_origins {
        let Some(prefix) = f
            .origins
            .get(origin as usize)
            .and_then(|o| o.prefix.as_deref())
        else {
            continue;
        };
        let next = ids.len() as u32;
        let id = *ids.entry(prefix).or_insert(next);
        *per_prefix.entry((account, id)).or_default() += n;
    }
    for (&(account, id), &n) in &per_prefix {
        if let Some(slot) = best.get_mut(account as usize)
            && (n > slot.0 || (n == slot.0 && id < slot.1))
        {
            *slot = (n, id);
        }
    }
    let homes: Vec<Option<u32>> = best
        .iter()
        .enumerate()
        .map(|(i, &(n, id))| {
            let total = f.accounts[i].exchanges;
            let networks = graph
                .accounts
                .distinct_prefixes
                .get(i)
                .copied()
                .unwrap_or(0);
            (id != u32::MAX && total > 0 && 2 * n >= total && networks < ROTATING_NETWORKS)
                .then_some(id)
        })
        .collect();
    // A network everyone uses is no evidence (as the evidence graph says of
    // a prefix shared beyond its crowd limit): the accounts of the case on
    // each home network, any share of their traffic.
    let limit = super::evidence::max_members(params, EvidenceKind::Prefix, f.accounts.len());
    let mut users: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for &(account, id) in per_prefix.keys() {
        users.entry(id).or_default().push(account);
    }
    let mut public_ids: FxHashMap<u32, bool> = FxHashMap::default();
    let public = homes
        .iter()
        .map(|home| {
            home.is_some_and(|h| {
                *public_ids.entry(h).or_insert_with(|| {
                    users.get(&h).is_some_and(|u| {
                        u.len() > limit && super::evidence::most_at_once(u, &f.accounts) > limit
                    })
                })
            })
        })
        .collect();
    (homes, public)
}

/// An account that used this many networks or more rotates over them.
const ROTATING_NETWORKS: u32 = 6;

/// The peak of an account's day as a unit vector on the 24-hour clock:
/// the direction of its exchanges' mean hour, when they have one (a flat
/// load's vectors cancel out).
fn diurnal_phase(hours: &[u64; 24]) -> Option<(f64, f64)> {
    let total: u64 = hours.iter().sum();
    if total < 20 {
        return None;
    }
    let (mut x, mut y) = (0.0f64, 0.0f64);
    for (h, &n) in hours.iter().enumerate() {
        let angle = std::f64::consts::TAU * (h as f64 + 0.5) / 24.0;
        x += n as f64 * angle.cos();
        y += n as f64 * angle.sin();
    }
    let length = (x * x + y * y).sqrt() / total as f64;
    (length >= 0.2).then(|| {
        let norm = (x * x + y * y).sqrt();
        (x / norm, y / norm)
    })
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some(values[values.len() / 2])
}

/// Adoption of a released model by accounts in no sizeable group: overall,
/// and per client fingerprint (the users of one SDK or agent move together
/// when its default changes).
struct Baseline {
    overall: f64,
    /// Client id → (exchanges in the window, of them on the model).
    by_client: FxHashMap<u32, (u64, u64, u32)>,
}

/// A client's own baseline counts once this many independent accounts of
/// it were active in the window.
const CLIENT_BASELINE_ACCOUNTS: u32 = 10;

/// What scoring compares a group with, taken from the accounts in no
/// sizeable group (three or fewer) of a partition.
struct Bases {
    /// Per release window: independent accounts' adoption of the model.
    baselines: Vec<Baseline>,
    /// Median exchanges per active day of accounts in no sizeable group.
    ordinary_rate: f64,
    /// What heavy independent users reach: the 95th percentile of
    /// exchanges per active day over accounts in no sizeable group that
    /// were active on 3 days or more, and never under
    /// [`HEAVY_RATE_FLOOR`].
    heavy_rate: f64,
    /// The share of independent accounts (with traffic, not new, not
    /// rotating over networks) the provider banned, smoothed as
    /// (bans + 1) / (accounts + 2): a group's bans are compared with it.
    ban_rate: f64,
    /// Groups of two or more accounts in the partition: how many groups a
    /// count beyond chance is looked for in.
    groups: usize,
}

impl Bases {
    fn new(
        f: &CaseFeatures,
        activity: &Activity,
        windows: &[ReleaseWindow],
        signals: &[AccountSignals],
        membership: &[u32],
    ) -> Self {
        let mut sizes: FxHashMap<u32, usize> = FxHashMap::default();
        for &g in membership {
            *sizes.entry(g).or_default() += 1;
        }
        let independent: Vec<bool> = membership
            .iter()
            .map(|g| sizes.get(g).copied().unwrap_or(0) <= 3)
            .collect();
        let baselines = (0..windows.len())
            .map(|w| {
                let (mut total, mut on_model) = (0u64, 0u64);
                let mut by_client: FxHashMap<u32, (u64, u64, u32)> = FxHashMap::default();
                for (account, &alone) in independent.iter().enumerate() {
                    if !alone {
                        continue;
                    }
                    let (t, m) = activity.release_windows[w][account];
                    if t == 0 {
                        continue;
                    }
                    total += u64::from(t);
                    on_model += u64::from(m);
                    let slot = by_client.entry(signals[account].main_client).or_default();
                    slot.0 += u64::from(t);
                    slot.1 += u64::from(m);
                    slot.2 += 1;
                }
                Baseline {
                    overall: if total == 0 {
                        0.0
                    } else {
                        on_model as f64 / total as f64
                    },
                    by_client,
                }
            })
            .collect();
        let ordinary_rate = median(
            f.accounts
                .iter()
                .zip(signals)
                .zip(&independent)
                .filter(|((a, _), alone)| **alone && a.exchanges > 0)
                .map(|((a, s), _)| a.exchanges as f64 / s.days.len().max(1) as f64)
                .collect(),
        )
        .unwrap_or(1.0)
        .max(1.0);
        let heavy_rate = quantile(
            f.accounts
                .iter()
                .zip(signals)
                .zip(&independent)
                .filter(|((a, s), alone)| **alone && a.exchanges > 0 && s.days.len() >= 3)
                .map(|((a, s), _)| a.exchanges as f64 / s.days.len() as f64)
                .collect(),
            0.95,
        )
        .unwrap_or(HEAVY_RATE_FLOOR)
        .max(HEAVY_RATE_FLOOR);
        let (mut active, mut banned) = (0u64, 0u64);
        for ((a, s), alone) in f.accounts.iter().zip(signals).zip(&independent) {
            // Ordinary standing accounts: a campaign's burners left alone
            // (new, rotating) would raise the rate they are compared with.
            if *alone && a.exchanges > 0 && !s.young && !s.proxied {
                active += 1;
                banned += u64::from(s.banned);
            }
        }
        Self {
            baselines,
            ordinary_rate,
            heavy_rate,
            ban_rate: (banned + 1) as f64 / (active + 2) as f64,
            groups: sizes.values().filter(|&&n| n >= 2).count(),
        }
    }
}

/// Everything scoring needs that does not depend on the group scored.
pub struct Scorer<'a> {
    f: &'a CaseFeatures,
    activity: &'a Activity,
    windows: &'a [ReleaseWindow],
    graph: &'a EvidenceGraph,
    params: &'a Params,
    signals: Vec<AccountSignals>,
    template_rows: Vec<std::ops::Range<usize>>,
    /// The population compared with (of the partition scored).
    bases: Bases,
    /// Per client fingerprint id: accounts whose main client it is.
    client_accounts: FxHashMap<u32, u32>,
}

/// Exchanges per account-day no heavy independent user is held below: a
/// course's 2 a day or a tool user's 6 is never "industrial", even in a
/// case of very light users.
pub const HEAVY_RATE_FLOOR: f64 = 20.0;

/// A group's exchanges in all from which its volume starts to count as
/// industrial…
pub const VOLUME_FROM: f64 = 3_000.0;
/// …and at which it counts in full.
pub const VOLUME_FULL: f64 = 100_000.0;

/// The `q`-quantile (0..1) of `values`.
fn quantile(mut values: Vec<f64>, q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let i = ((values.len() - 1) as f64 * q).round() as usize;
    Some(values[i.min(values.len() - 1)])
}

impl<'a> Scorer<'a> {
    /// Prepares scoring under `membership` (a group per account), which
    /// defines the "independent" accounts (groups of at most 3) the
    /// baselines are taken from.
    pub fn new(
        f: &'a CaseFeatures,
        activity: &'a Activity,
        windows: &'a [ReleaseWindow],
        graph: &'a EvidenceGraph,
        membership: &[u32],
        params: &'a Params,
    ) -> Self {
        let n = f.accounts.len();
        let signals = account_signals(f, activity, graph, params);
        // `account_templates` is sorted by account: each account's rows, by range.
        let mut template_rows = vec![0..0; n];
        let mut start = 0;
        for i in 1..=f.account_templates.len() {
            if i == f.account_templates.len()
                || f.account_templates[i].0 != f.account_templates[start].0
            {
                if let Some(slot) = template_rows.get_mut(f.account_templates[start].0 as usize) {
                    *slot = start..i;
                }
                start = i;
            }
        }
        let bases = Bases::new(f, activity, windows, &signals, membership);
        let mut client_accounts: FxHashMap<u32, u32> = FxHashMap::default();
        for s in &signals {
            if s.main_client != 0 {
                *client_accounts.entry(s.main_client).or_default() += 1;
            }
        }
        Self {
            f,
            activity,
            windows,
            graph,
            params,
            signals,
            template_rows,
            bases,
            client_accounts,
        }
    }

    /// Bases the population's baselines (release adoption, ordinary and
    /// heavy rates: accounts in no sizeable group) on another partition.
    pub fn rebase(&mut self, membership: &[u32]) {
        self.bases = Bases::new(
            self.f,
            self.activity,
            self.windows,
            &self.signals,
            membership,
        );
    }

    /// Accounts at home among strangers passing through: members of a
    /// cluster of three or more on a stable home network of their own (not
    /// rotating, not new, not banned) whose every link into their cluster
    /// rests only on shared addresses (with at most a client or a network
    /// to corroborate them) and leads to a member not at home on that
    /// network (one that signed up or sent requests through it on its way
    /// elsewhere). A residential proxy's exit is somebody's home: sharing
    /// it with accounts that pass through it says nothing of the one who
    /// lives there; two accounts at home on one network (a household) stay
    /// together. Ascending.
    pub fn residents(&self, membership: &[u32]) -> Vec<u32> {
        let mut sizes: FxHashMap<u32, usize> = FxHashMap::default();
        for &g in membership {
            *sizes.entry(g).or_default() += 1;
        }
        let at_home = |a: u32| {
            self.signals
                .get(a as usize)
                .is_some_and(|s| s.home.is_some() && !s.proxied && !s.young && !s.banned)
        };
        // Per account at home in a sizeable cluster (with a link into it):
        // whether every such link so far rests on an address its partner
        // only passes through.
        let mut verdict: FxHashMap<u32, bool> = FxHashMap::default();
        for link in self.graph.links.iter() {
            let (Some(&ga), Some(&gb)) = (
                membership.get(link.a as usize),
                membership.get(link.b as usize),
            ) else {
                continue;
            };
            if ga != gb || sizes.get(&ga).copied().unwrap_or(0) < 3 {
                continue;
            }
            let through_address = link
                .evidence
                .iter()
                .all(|e| e.kind.is_address() || e.kind.is_corroborating());
            for (x, y) in [(link.a, link.b), (link.b, link.a)] {
                if at_home(x) {
                    let home = self.signals[x as usize].home;
                    let passing = through_address
                        && self.signals.get(y as usize).is_some_and(|s| s.home != home);
                    let slot = verdict.entry(x).or_insert(true);
                    *slot &= passing;
                }
            }
        }
        let mut out: Vec<u32> = verdict
            .into_iter()
            .filter(|&(_, resident)| resident)
            .map(|(a, _)| a)
            .collect();
        out.sort_unstable();
        out
    }

    /// Whether an account looks disposable: first used within 30 days of
    /// its creation, or banned. (A light user active on a few days is
    /// neither: it signed up long ago.)
    pub fn is_disposable(&self, account: u32) -> bool {
        self.signals
            .get(account as usize)
            .is_some_and(|s| s.young || s.banned)
    }

    /// Whether an account rotates over 6 or more networks: behind
    /// residential proxies, it hides where it is (nothing about it can be
    /// shown independent).
    pub fn is_hiding(&self, account: u32) -> bool {
        self.signals
            .get(account as usize)
            .is_some_and(|s| s.proxied)
    }

    /// Evidence kinds each account has on a link inside its own group, and
    /// the cells that evidence of dependence (not of a common source: see
    /// [`EvidenceKind::is_common_source`]) ties inside each group.
    pub fn kinds_inside(&self, membership: &[u32]) -> Inside {
        let n = self.f.accounts.len();
        let mut kinds = vec![0u16; n];
        let mut cells = super::families::UnionFind::new(n);
        let mut timing = super::families::UnionFind::new(n);
        for link in self.graph.links.iter() {
            let (a, b) = (link.a as usize, link.b as usize);
            if membership.get(a).is_some() && membership.get(a) == membership.get(b) {
                let mut dependent = false;
                let mut in_step = false;
                for e in &link.evidence {
                    let bit = 1u16 << (e.kind as u16);
                    kinds[a] |= bit;
                    kinds[b] |= bit;
                    dependent |= !e.kind.is_common_source();
                    in_step |= matches!(e.kind, EvidenceKind::Synchrony | EvidenceKind::HandOff);
                }
                if dependent {
                    cells.union(link.a, link.b);
                }
                if in_step {
                    timing.union(link.a, link.b);
                }
            }
        }
        let cell = (0..n as u32).map(|a| cells.find(a)).collect();
        let timing = (0..n as u32).map(|a| timing.find(a)).collect();
        Inside {
            kinds,
            cell,
            timing,
        }
    }

    /// Scores one group of accounts (ascending indices); `inside` from
    /// [`Self::kinds_inside`] of the partition the group is part of.
    pub fn score_group(&self, members: Vec<u32>, inside: &Inside) -> Cluster {
        self.score_group_with(members, inside, None)
    }

    /// [`Self::score_group`] with evidence of dependence found above the
    /// accounts' own links (a campaign's crews tied by their timing),
    /// counted in coordination with the kinds on the links.
    pub fn score_group_with(
        &self,
        members: Vec<u32>,
        inside: &Inside,
        above: Option<&Dependence>,
    ) -> Cluster {
        let kinds_inside = inside.kinds.as_slice();
        let s = members.len();
        let mut reasons = Reasons::default();
        let accounts: Vec<&AccountFacts> = members
            .iter()
            .map(|&a| &self.f.accounts[a as usize])
            .collect();
        let signals: Vec<&AccountSignals> =
            members.iter().map(|&a| &self.signals[a as usize]).collect();
        let exchanges: u64 = accounts.iter().map(|a| a.exchanges).sum();
        let group = Group {
            members: &members,
            accounts: &accounts,
            signals: &signals,
            exchanges,
        };
        let (scale, group_volume) = self.scale(&group, &mut reasons);
        let work = self.common_work(&group);
        let mix = self.mix(&group, &work);
        // The shape of a harvest: reasoning asked for, grading and
        // rewrites, answers long against the prompts.
        let harvest = {
            let [cot, grading, _, ratio] = mix.values();
            any_of(&[cot, grading, ratio])
        };
        let independence = independence(
            &group,
            kinds_inside,
            inside.pairs_in_step(&members),
            &mut reasons,
        );
        let common_source =
            common_source_factor(independence, (group_volume, scale), harvest, &mut reasons);
        let reach = inside.reach(&members);
        let (coordination, dependence) = coordination(
            &group,
            kinds_inside,
            common_source,
            reach,
            clamp01(work.share) * group_volume,
            above,
            &mut reasons,
        );
        let extraction = self.extraction(&group, &work, mix, common_source, &mut reasons);
        let automation = automation(&group, kinds_inside, &mut reasons);
        let bans = self.bans(&group, common_source);
        let size = members.len().max(1) as f64;
        // Members that take over from another (a burner dropped before its
        // ban, its successor starting within the hour): they back evasion,
        // and a short life handed on is no few days' job.
        let handed = members_with(&group, kinds_inside, 1u16 << (EvidenceKind::HandOff as u16))
            as f64
            / size;
        let evasion = evasion(&group, (scale, handed), &bans, &mut reasons);
        let (release_pivot, same_client_adoption) =
            self.release_pivot(&group, common_source, &mut reasons);
        // What backs a partner's word about a place: the members are not
        // independent (cards, lock-step, hand-offs), they hide (bans,
        // rotation) — twice as far as those read —, or they harvest at
        // industrial scale (as far as it reads: scale adds to bad faith on
        // its own too).
        let share = |pred: fn(&AccountSignals) -> bool| {
            group.signals.iter().filter(|x| pred(x)).count() as f64 / size
        };
        let backing =
            clamp01((2.0 * dependence.max(bans.reading()).max(share(|x| x.proxied))).max(scale));
        let partner = self.partner(&group, backing, &mut reasons);
        let exculpation = self.exculpation(
            &group,
            same_client_adoption,
            (bans.reading(), handed),
            &mut reasons,
        );
        let indicators = Indicators {
            coordination,
            extraction,
            automation,
            evasion,
            release_pivot,
            partner,
            scale,
            exculpation,
        };
        let score = if s < 2 {
            0.0
        } else {
            score_from_indicators(&indicators)
        };
        let mut reasons = reasons.0;
        sort_reasons(&mut reasons);
        Cluster {
            id: format!("c{}", members[0] + 1),
            members,
            exchanges,
            score: clamp01(score),
            suspected: s >= 2 && score >= self.params.suspect_threshold,
            indicators,
            reasons,
        }
    }

    /// The group's common work: template families used by at least 30% of
    /// its members (and two of them), with the traffic on them.
    fn common_work(&self, g: &Group<'_>) -> Work {
        let mut users: FxHashMap<u32, (u32, u64)> = FxHashMap::default();
        let mut templates_of: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for &a in g.members {
            let mut seen: Vec<u32> = Vec::new();
            let rows = self.template_rows.get(a as usize).cloned().unwrap_or(0..0);
            for &(_, template, n) in &self.f.account_templates[rows] {
                let family = self
                    .graph
                    .accounts
                    .template_family
                    .get(template as usize)
                    .copied()
                    .unwrap_or(template);
                let slot = users.entry(family).or_default();
                slot.1 += n;
                if !seen.contains(&family) {
                    seen.push(family);
                    slot.0 += 1;
                }
                templates_of.entry(family).or_default().push(template);
            }
        }
        let templated: u64 = users.values().map(|(_, n)| n).sum();
        let need = (WORK_FAMILY_MEMBERS * g.members.len() as f64).max(2.0);
        let mut families: Vec<u32> = users
            .iter()
            .filter(|(_, (members, _))| f64::from(*members) >= need)
            .map(|(f, _)| *f)
            .collect();
        families.sort_unstable();
        let on_work: u64 = families.iter().map(|f| users[f].1).sum();
        let mut profile = crate::facts::TemplateProfile::default();
        for family in &families {
            let mut templates = templates_of.remove(family).unwrap_or_default();
            templates.sort_unstable();
            templates.dedup();
            for t in templates {
                if let Some(p) = self.activity.templates.get(t as usize) {
                    profile.exchanges += p.exchanges;
                    for (c, n) in p.capabilities.iter().enumerate() {
                        profile.capabilities[c] += n;
                    }
                    profile.cot_scored += p.cot_scored;
                    profile.cot_high += p.cot_high;
                    profile.input_tokens += p.input_tokens;
                    profile.output_tokens += p.output_tokens;
                }
            }
        }
        Work {
            families: families.len(),
            share: if g.exchanges == 0 {
                0.0
            } else {
                on_work as f64 / g.exchanges.max(templated) as f64
            },
            profile,
        }
    }

    /// What the group's exchanges ask for: over all of them, or over its
    /// common work when that is a good part of the traffic and reads
    /// stronger (cover traffic dilutes the whole, not the work).
    fn mix(&self, g: &Group<'_>, work: &Work) -> Mix {
        let mut caps = [0u64; 11];
        for a in g.accounts {
            for (c, n) in a.capabilities.iter().enumerate() {
                caps[c] += n;
            }
        }
        let cot_scored: u64 = g.accounts.iter().map(|a| a.cot_scored).sum();
        let cot_high: u64 = g.accounts.iter().map(|a| a.cot_high).sum();
        let (input, output): (i64, i64) = g.accounts.iter().fold((0, 0), |(i, o), a| {
            (
                i.saturating_add(a.input_tokens),
                o.saturating_add(a.output_tokens),
            )
        });
        let mut all = Mix::new(&caps, cot_high, cot_scored, input as f64, output as f64);
        all.from_work = false;
        all.concentration_from_work = false;
        let on_work = g.members.len() >= 2 && work.share >= 0.25 && work.profile.exchanges > 0;
        if !on_work {
            return all;
        }
        let p = &work.profile;
        let mut w = Mix::new(
            &p.capabilities,
            p.cot_high,
            p.cot_scored,
            p.input_tokens as f64,
            p.output_tokens as f64,
        );
        // A template asks for one capability, so a few shared families
        // are "concentrated" by construction: concentration is read on
        // all the traffic.
        w.caps = all.caps;
        w.concentration = all.concentration;
        w.concentration_from_work = false;
        if w.strength() > all.strength() {
            w
        } else {
            all
        }
    }

    /// Extraction intent: the harvest shape of the answers (chain-of-thought,
    /// grading and rewrites, long outputs), and what the group's shared
    /// content says (capability concentration, common work) — the latter
    /// counted `common_source`× (see [`common_source_factor`]).
    fn extraction(
        &self,
        g: &Group<'_>,
        work: &Work,
        mix: Mix,
        common_source: f64,
        reasons: &mut Reasons,
    ) -> f64 {
        let whose = if mix.from_work {
            format!(
                " on the {} template families the members share",
                work.families
            )
        } else {
            String::new()
        };
        let template_part = if g.members.len() >= 2 {
            clamp01((work.share - 0.3) / 0.5)
        } else {
            0.0
        };
        let discounted = if common_source < 1.0 {
            format!(" (counted {common_source:.2}×: a common source explains shared content)")
        } else {
            String::new()
        };
        let mut parts = mix.parts(&whose);
        // Capability concentration.
        parts[2].1 *= common_source;
        if common_source < 1.0 && parts[2].1 > 0.0 {
            parts[2].2.push_str(&discounted);
        }
        parts.push((
            0.6,
            template_part * common_source,
            format!(
                "{} of traffic on {} template families shared by {} or more of the members{discounted}",
                pct(work.share),
                work.families,
                pct(WORK_FAMILY_MEMBERS)
            ),
        ));
        reasons.explained("extraction", parts)
    }

    /// The release pivot; a pivot shared by independent members is a crowd
    /// moving on a common trigger (a tool's default, a benchmark's
    /// evaluation day) and counts `common_source`×.
    fn release_pivot(
        &self,
        g: &Group<'_>,
        common_source: f64,
        reasons: &mut Reasons,
    ) -> (f64, f64) {
        let mut pivot: f64 = 0.0;
        let mut same_client: f64 = 0.0;
        for (w, window) in self.windows.iter().enumerate() {
            let baseline = &self.bases.baselines[w];
            let (mut total, mut on_model) = (0u64, 0u64);
            let mut expected_client = 0.0;
            let mut client_covered = 0u64;
            for (&a, sig) in g.members.iter().zip(g.signals) {
                let (t, m) = self.activity.release_windows[w][a as usize];
                total += u64::from(t);
                on_model += u64::from(m);
                if let Some(&(ct, cm, users)) = baseline.by_client.get(&sig.main_client)
                    && users >= CLIENT_BASELINE_ACCOUNTS
                    && ct > 0
                {
                    expected_client += f64::from(t) * cm as f64 / ct as f64;
                    client_covered += u64::from(t);
                }
            }
            if total < 50 {
                continue;
            }
            let share = on_model as f64 / total as f64;
            let model = self
                .f
                .models
                .get(window.model as usize)
                .map_or("the new model", String::as_str);
            // When the group is its client's population, there is no one
            // independent of it to compare its adoption with.
            // (For members that are not independent — a campaign on a
            // harness of its own — the comparison with all independent
            // accounts stands.)
            if common_source < 1.0
                && let Some((client, held, of)) = self.population_client(g, w, total)
            {
                let name = self
                    .f
                    .client_fps
                    .get(client as usize)
                    .map_or("its client", String::as_str);
                reasons.note(
                    "release_pivot",
                    format!(
                        "{} of traffic on {model} after its release, not counted: the group holds {held} of the {of} accounts of its client {name}, so no independent accounts of that client exist to compare with",
                        pct(share)
                    ),
                );
                continue;
            }
            // Where most of the traffic comes through a client that enough
            // independent accounts use, its users' adoption is the norm.
            let (norm, norm_text) = if client_covered * 2 >= total {
                let uncovered = (total - client_covered) as f64 * baseline.overall;
                (
                    (expected_client + uncovered) / total as f64,
                    "independent accounts of the same client",
                )
            } else {
                (baseline.overall, "independent accounts")
            };
            let raw = clamp01((share - norm) / 0.35);
            let value = raw * common_source;
            let against_all = clamp01((share - baseline.overall) / 0.35);
            if value > pivot {
                pivot = value;
            }
            let hours = self.params.pivot_window_hours;
            let counted = if common_source < 1.0 && raw > 0.0 {
                format!(
                    " (counted {common_source:.2}×: independent members moving together on a common trigger)"
                )
            } else {
                String::new()
            };
            let text = format!(
                "{} of traffic on {model} within {hours} h of its release, against {} for {norm_text}{counted}",
                pct(share),
                pct(norm),
            );
            if value > 0.0 {
                reasons.push("release_pivot", value, text);
            } else if raw > 0.0 {
                reasons.note("release_pivot", text);
            }
            // What the same client's users explain (not what independence
            // discounted: that is not adoption at the client's rate).
            let explained = clamp01(against_all - raw);
            if explained > same_client {
                same_client = explained;
                reasons.push(
                    "exculpation",
                    0.3 * explained,
                    format!(
                        "moved to {model} at the rate of {norm_text} ({} against {}): its default changed",
                        pct(share),
                        pct(norm)
                    ),
                );
            }
        }
        (pivot, same_client)
    }

    /// The client fingerprint that carries at least half of the group's
    /// traffic in release window `w` (by its accounts' main clients), when
    /// the group holds at least half of that client's accounts in the case
    /// and fewer than [`CLIENT_BASELINE_ACCOUNTS`] independent accounts of it
    /// were active in the window: (client, accounts the group holds,
    /// accounts of the client).
    fn population_client(&self, g: &Group<'_>, w: usize, total: u64) -> Option<(u32, u32, u32)> {
        let mut by_client: FxHashMap<u32, (u64, u32)> = FxHashMap::default();
        for (&a, sig) in g.members.iter().zip(g.signals) {
            let slot = by_client.entry(sig.main_client).or_default();
            slot.0 += u64::from(self.activity.release_windows[w][a as usize].0);
            slot.1 += 1;
        }
        let (&client, &(traffic, held)) = by_client
            .iter()
            .filter(|(c, _)| **c != 0)
            .max_by_key(|(c, (t, _))| (*t, std::cmp::Reverse(**c)))?;
        let of = self.client_accounts.get(&client).copied().unwrap_or(0);
        let independent_users = self.bases.baselines[w]
            .by_client
            .get(&client)
            .map_or(0, |&(_, _, users)| users);
        (traffic * 2 >= total && held * 2 >= of && independent_users < CLIENT_BASELINE_ACCOUNTS)
            .then_some((client, held, of))
    }

    /// A third of the members matching partner indicators suffices. An
    /// indicator that names a *place or content* (an address, network or
    /// ASN, an e-mail domain, a client, a prompt template) rather than an
    /// identity (a card) says something happened from there, not who did
    /// it: its hits count `backing`× (see [`Scorer::score_group`]) — a
    /// blocklisted campus address says nothing against the students behind
    /// it.
    fn partner(&self, g: &Group<'_>, backing: f64, reasons: &mut Reasons) -> f64 {
        let hits = self.graph.accounts.indicator_hits.as_slice();
        let identity = |k: &u32| {
            self.f
                .indicators
                .get(*k as usize)
                .is_some_and(|i| i.kind == "payment_fingerprint")
        };
        let (mut by_identity, mut by_place) = (0usize, 0usize);
        for &a in g.members {
            let Some(h) = hits.get(a as usize) else {
                continue;
            };
            if h.iter().any(identity) {
                by_identity += 1;
            } else if !h.is_empty() {
                by_place += 1;
            }
        }
        let count = by_identity + by_place;
        let s = g.members.len().max(1) as f64;
        let partner = any_of(&[
            (1.0, clamp01(3.0 * by_identity as f64 / s)),
            (1.0, clamp01(3.0 * by_place as f64 / s) * backing),
        ]);
        if count > 0 {
            let mut which: Vec<u32> = g
                .members
                .iter()
                .filter_map(|&a| hits.get(a as usize))
                .flatten()
                .copied()
                .collect();
            which.sort_unstable();
            which.dedup();
            let examples: Vec<String> = which
                .iter()
                .take(3)
                .filter_map(|&k| self.f.indicators.get(k as usize))
                .map(|i| {
                    format!(
                        "{} {} from {}",
                        i.kind,
                        i.value,
                        i.source.as_deref().unwrap_or("a partner")
                    )
                })
                .collect();
            let counted = if by_place > 0 && backing < 1.0 {
                format!(
                    "; {by_place} of them only on a place or content, counted {backing:.2}×: being where abuse was seen is no sign of it unless cards, lock-step, hand-offs, hiding or industrial scale back it"
                )
            } else {
                String::new()
            };
            let text = format!(
                "{count} of {} accounts match partner indicators ({}){counted}",
                g.members.len(),
                examples.join("; ")
            );
            if partner > 0.0 {
                reasons.push("partner", partner, text);
            } else {
                reasons.note("partner", text);
            }
        }
        partner
    }

    /// Industrial volume sustained over weeks: the group's exchanges per
    /// account-day against ordinary accounts', over how many days, in all.
    /// Returns the scale and the group's volume sustained over weeks
    /// (`sqrt(sustained × volume)`, without the per-account intensity: many
    /// accounts at a human rate each can still run an industrial harvest
    /// together).
    /// The group's bans against the population's ban rate, `as_one` the
    /// common-source factor.
    fn bans(&self, g: &Group<'_>, as_one: f64) -> Bans {
        let banned = g.signals.iter().filter(|x| x.banned).count();
        let members = g.members.len();
        let expected = self.bases.ban_rate * members as f64;
        let examined = (self.bases.groups.max(1) as f64).log10();
        let surprise = poisson_surprise(banned as u64, expected);
        Bans {
            banned,
            members,
            expected,
            beyond: clamp01((surprise - examined) / BAN_SURPRISE_FULL),
            as_one,
        }
    }

    fn scale(&self, g: &Group<'_>, reasons: &mut Reasons) -> (f64, f64) {
        let (payer_days, pooled) = Self::payer_days(g);
        let mut days: Vec<u32> = g
            .signals
            .iter()
            .flat_map(|s| s.days.iter().copied())
            .collect();
        days.sort_unstable();
        days.dedup();
        let rate = g.exchanges as f64 / payer_days.max(1) as f64;
        // Against what heavy independent users reach, not the median
        // account (which is tiny): half of it is 0, twice it is 1.
        let intensity = rate / self.bases.heavy_rate;
        let intensity_part = clamp01((2.0 * intensity).max(1e-9).log2() / 2.0);
        // Sustained by the group over weeks, and by its accounts: a
        // script run on a day or two (a benchmark's runners) is not a
        // harvest however dense (members' active days, exchange-weighted).
        let member_days = member_days(g);
        let sustained_part =
            clamp01((days.len() as f64 - 3.0) / 7.0).min(clamp01((member_days - 2.0) / 6.0));
        // In all, absolutely: a few heavy users' worth is nothing; the
        // smallest reported campaign ran 150,000 exchanges.
        let volume_part = clamp01(
            (g.exchanges.max(1) as f64 / VOLUME_FROM).log10() / (VOLUME_FULL / VOLUME_FROM).log10(),
        );
        // All three must hold; a square root, not a cube root, so that one
        // weak part is not carried by two strong ones.
        let scale = (intensity_part * sustained_part * volume_part).sqrt();
        let per = if pooled > 0 {
            format!(
                "payer-day: {pooled} accounts that one card pays for with others counted as one payer per card"
            )
        } else {
            "account-day".to_string()
        };
        reasons.push(
            "scale",
            scale,
            format!(
                "{} exchanges over {} days (each account active on {:.1} of them, traffic-weighted), {:.0} per {per} ({:.1}× what heavy independent users reach, {:.0}; an ordinary account: {:.0})",
                thousands(g.exchanges),
                days.len(),
                member_days,
                rate,
                intensity,
                self.bases.heavy_rate,
                self.bases.ordinary_rate
            ),
        );
        (scale, (sustained_part * volume_part).sqrt())
    }

    /// The group's payer-days: the days each payer was active, a payer being
    /// the accounts of the group that one payment card pays for (one purse,
    /// however many accounts it splits its traffic over), or an account with
    /// a card of its own or none. Accounts of different declared
    /// organisations on one card are apart: a platform billing its tenants
    /// pays for many customers, each its own. Also returns how many accounts
    /// were pooled with another. Without shared cards, the group's
    /// account-days.
    fn payer_days(g: &Group<'_>) -> (usize, usize) {
        fn purse(a: &AccountFacts) -> Option<(&str, &str)> {
            let org = a.org_name.as_deref().unwrap_or("");
            a.payment_fingerprint.as_deref().map(|card| (card, org))
        }
        let mut holders: FxHashMap<(&str, &str), usize> = FxHashMap::default();
        for a in g.accounts {
            if let Some(p) = purse(a) {
                *holders.entry(p).or_default() += 1;
            }
        }
        let mut pooled_days: FxHashMap<(&str, &str), Vec<u32>> = FxHashMap::default();
        let (mut days, mut pooled) = (0usize, 0usize);
        for (s, a) in g.signals.iter().zip(g.accounts) {
            match purse(a) {
                Some(p) if holders[&p] >= 2 => {
                    pooled += 1;
                    pooled_days.entry(p).or_default().extend(&s.days);
                }
                _ => days += s.days.len(),
            }
        }
        for mut d in pooled_days.into_values() {
            d.sort_unstable();
            d.dedup();
            days += d.len();
        }
        (days, pooled)
    }

    /// What speaks for the group: long-standing verified accounts of one
    /// organisation, a short event, work of a few days per account, short
    /// outputs (grading, not harvesting), a small volume, adoption at its
    /// client's usual rate. `banned`: the bans beyond the population's
    /// rate (a burst or a life cut short by bans was stopped, not done);
    /// `handed`: the share of members handing work over to another (an
    /// account's short life is then one shift of a longer job).
    fn exculpation(
        &self,
        g: &Group<'_>,
        same_client: f64,
        (banned, handed): (f64, f64),
        reasons: &mut Reasons,
    ) -> f64 {
        let s = g.members.len() as f64;
        let established = g.signals.iter().filter(|x| x.established).count();
        let (org, org_count) = one_organisation(g.accounts);
        let established_part = established as f64 / s * clamp01((org_count as f64 / s - 0.5) / 0.3);
        // The share of the group's traffic in its busiest three days.
        let mut per_day: FxHashMap<u32, u64> = FxHashMap::default();
        for &a in g.members {
            let minutes = self
                .activity
                .minutes
                .get(a as usize)
                .map_or(&[][..], Vec::as_slice);
            for m in minutes {
                *per_day.entry(m / 1440).or_default() += 1;
            }
        }
        let mut days: Vec<(u32, u64)> = per_day.into_iter().collect();
        days.sort_unstable();
        let total: u64 = days.iter().map(|(_, n)| n).sum();
        let mut best = 0u64;
        let mut j = 0;
        let mut window = 0u64;
        for i in 0..days.len() {
            window += days[i].1;
            while days[i].0 - days[j].0 >= 3 {
                window -= days[j].1;
                j += 1;
            }
            best = best.max(window);
        }
        let burst_share = if total == 0 {
            0.0
        } else {
            best as f64 / total as f64
        };
        // An event ends; a burst that ends in bans was stopped (the bans
        // as far as the population's rate does not explain them).
        let short_event = if s >= 2.0 {
            clamp01((burst_share - 0.6) / 0.3) * (1.0 - banned)
        } else {
            0.0
        };
        let (output, count): (i64, u64) = g.accounts.iter().fold((0, 0), |(o, n), a| {
            (o.saturating_add(a.output_tokens), n + a.exchanges)
        });
        let mean_output = output as f64 / count.max(1) as f64;
        let short_outputs = clamp01((400.0 - mean_output) / 250.0);
        // Work of a few days per account (a benchmark's runners, a
        // hackathon): a harvest is sustained by its accounts over weeks,
        // or, cut short by bans, handed on to the next ones.
        let days = member_days(g);
        let cut_short = banned.max(handed);
        let few_days = if s >= 2.0 {
            clamp01((FEW_DAYS_FROM - days) / (FEW_DAYS_FROM - FEW_DAYS_FULL)) * (1.0 - cut_short)
        } else {
            0.0
        };
        // Small because stopped: bans beyond the population's rate cut a
        // crew's accounts short, as they end a burst.
        let small = clamp01((500.0 - g.exchanges as f64) / 400.0) * (1.0 - banned);
        reasons.explained(
            "exculpation",
            vec![
                (
                    0.8,
                    established_part,
                    format!(
                        "{established} of {} accounts long-standing (first used {LONG_STANDING_DAYS}+ days after sign-up) and KYC-verified; {org_count} of them {org}",
                        g.members.len()
                    ),
                ),
                (
                    0.7,
                    short_event,
                    if banned > 0.0 {
                        format!(
                            "{} of traffic within its busiest 3 days: a short event (counted {:.2}×: bans beyond the population's rate)",
                            pct(burst_share),
                            1.0 - banned
                        )
                    } else {
                        format!("{} of traffic within its busiest 3 days: a short event", pct(burst_share))
                    },
                ),
                (
                    0.7,
                    few_days,
                    if cut_short > 0.0 {
                        format!(
                            "each account active on {days:.1} days (traffic-weighted): work of a few days per account, not a harvest its accounts sustain (counted {:.2}×: bans beyond the population's rate or hand-offs cut them short)",
                            1.0 - cut_short
                        )
                    } else {
                        format!(
                            "each account active on {days:.1} days (traffic-weighted): work of a few days per account, not a harvest its accounts sustain"
                        )
                    },
                ),
                (
                    0.5,
                    short_outputs,
                    format!("short outputs: {mean_output:.0} tokens per answer on average (grading, not harvesting)"),
                ),
                (
                    0.5,
                    small,
                    if banned > 0.0 {
                        format!(
                            "small volume: {} exchanges in all (counted {:.2}×: bans beyond the population's rate)",
                            g.exchanges,
                            1.0 - banned
                        )
                    } else {
                        format!("small volume: {} exchanges in all", g.exchanges)
                    },
                ),
            ],
        );
        any_of(&[
            (0.8, established_part),
            (0.7, short_event),
            (0.7, few_days),
            (0.5, short_outputs),
            (0.5, small),
            (0.3, same_client),
        ])
    }
}

/// Reasons strongest first, ties by text (a fixed order for the screen,
/// the JSON and the tests).
pub fn sort_reasons(reasons: &mut [Reason]) {
    reasons.sort_by(|a, b| {
        b.strength
            .total_cmp(&a.strength)
            .then_with(|| a.text.cmp(&b.text))
    });
}

/// The combined score of a group of two or more accounts from its
/// indicators: coordination, extraction intent and a sign of bad faith
/// together (a geometric mean: no single one carries a verdict), scaled
/// by automation (0.85–1) and lowered by what speaks for the group.
///
/// Bad faith is evasion, a partner's report or industrial scale; a
/// release pivot counts only as far as one of those backs it.
pub fn score_from_indicators(i: &Indicators) -> f64 {
    // Evasion or a partner's report backs it twice as far as it reads;
    // scale, which adds to bad faith on its own, only as far.
    let backing = clamp01((2.0 * i.evasion.max(i.partner)).max(i.scale));
    let bad_faith = any_of(&[
        (1.0, i.evasion),
        (1.0, i.partner),
        (0.8, i.scale),
        (0.6, i.release_pivot * backing),
    ]);
    let score = (i.coordination * i.extraction * bad_faith).cbrt()
        * (0.85 + 0.15 * i.automation)
        * (1.0 - i.exculpation);
    clamp01(score)
}

/// The most common organisation of a group (org name, else a non-webmail
/// e-mail domain) and how many members have it.
fn one_organisation(accounts: &[&AccountFacts]) -> (String, usize) {
    let mut counts: FxHashMap<&str, usize> = FxHashMap::default();
    for a in accounts {
        if let Some(org) = a.org_name.as_deref().or(a.email_domain.as_deref()) {
            *counts.entry(org).or_default() += 1;
        }
    }
    let mut best: Vec<(&str, usize)> = counts.into_iter().collect();
    best.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    match best.first() {
        Some((org, n)) if !super::evidence::is_webmail(org) => (format!("of {org}"), *n),
        _ => ("of no one organisation".into(), 0),
    }
}

/// A group being scored.
struct Group<'g> {
    members: &'g [u32],
    accounts: &'g [&'g AccountFacts],
    signals: &'g [&'g AccountSignals],
    exchanges: u64,
}

/// A group's common work (see [`Scorer::common_work`]).
struct Work {
    families: usize,
    share: f64,
    profile: crate::facts::TemplateProfile,
}

/// What a stream of exchanges asks for.
struct Mix {
    caps: [u64; 11],
    cot_share: f64,
    grading_share: f64,
    concentration: f64,
    ratio: f64,
    from_work: bool,
    concentration_from_work: bool,
}

impl Mix {
    fn new(caps: &[u64; 11], cot_high: u64, cot_scored: u64, input: f64, output: f64) -> Self {
        let total: u64 = caps.iter().sum();
        let share = |c: Capability| caps[usize::from(c.code())] as f64 / total.max(1) as f64;
        let entropy: f64 = caps
            .iter()
            .filter(|&&n| n > 0)
            .map(|&n| {
                let p = n as f64 / total as f64;
                -p * p.ln()
            })
            .sum();
        Self {
            caps: *caps,
            cot_share: if cot_scored == 0 {
                0.0
            } else {
                cot_high as f64 / cot_scored as f64
            },
            grading_share: share(Capability::RubricGrading) + share(Capability::SensitiveRewrite),
            concentration: if total == 0 {
                0.0
            } else {
                1.0 - entropy / (caps.len() as f64).ln()
            },
            ratio: if input > 0.0 { output / input } else { 0.0 },
            from_work: true,
            concentration_from_work: true,
        }
    }

    fn values(&self) -> [(f64, f64); 4] {
        [
            (0.8, clamp01((self.cot_share - 0.15) / 0.5)),
            (0.7, clamp01(self.grading_share / 0.3)),
            (0.5, clamp01((self.concentration - 0.3) / 0.5)),
            (0.4, clamp01(self.ratio.max(1e-9).log2() / 3.0)),
        ]
    }

    fn strength(&self) -> f64 {
        any_of(&self.values())
    }

    fn parts(&self, whose: &str) -> Vec<(f64, f64, String)> {
        let total: u64 = self.caps.iter().sum();
        let top = (0..self.caps.len())
            .max_by_key(|&c| (self.caps[c], std::cmp::Reverse(c)))
            .unwrap_or(0);
        let top_name = Capability::from_code(top as u8).map_or("other", Capability::as_str);
        let [cot, grading, concentration, ratio] = self.values();
        vec![
            (
                cot.0,
                cot.1,
                format!(
                    "chain-of-thought elicitation in {} of scored exchanges{whose}",
                    pct(self.cot_share)
                ),
            ),
            (
                grading.0,
                grading.1,
                format!(
                    "rubric grading and sensitive rewrites: {} of exchanges{whose}",
                    pct(self.grading_share)
                ),
            ),
            (
                concentration.0,
                concentration.1,
                format!(
                    "capability concentration {:.2}{} (mostly {top_name}: {})",
                    self.concentration,
                    if self.concentration_from_work {
                        whose
                    } else {
                        ""
                    },
                    pct(self.caps[top] as f64 / total.max(1) as f64)
                ),
            ),
            (
                ratio.0,
                ratio.1,
                format!("output/input token ratio {:.1}{whose}", self.ratio),
            ),
        ]
    }
}

/// What the links inside the groups of a partition say, per account.
pub struct Inside {
    /// Evidence kinds the account has on a link inside its group (a bit per
    /// [`EvidenceKind`]).
    kinds: Vec<u16>,
    /// Its cell: the accounts of its group that evidence of dependence ties
    /// it to, directly or through others (an id shared by the cell).
    cell: Vec<u32>,
    /// Its timing web: the accounts of its group that lock-step minutes or
    /// hand-offs tie it to, directly or through others.
    timing: Vec<u32>,
}

impl Inside {
    /// The share of `members` in their largest cell (1 for a group tied
    /// together by dependence; a crowd of small independent cells — a
    /// benchmark's runners, a few accounts per organisation — scores low).
    fn reach(&self, members: &[u32]) -> f64 {
        let mut sizes: FxHashMap<u32, usize> = FxHashMap::default();
        for &a in members {
            if let Some(&c) = self.cell.get(a as usize) {
                *sizes.entry(c).or_default() += 1;
            }
        }
        let largest = sizes.values().copied().max().unwrap_or(0);
        largest as f64 / members.len().max(1) as f64
    }

    /// The share of pairs of `members` that one timing web holds (lock-step
    /// minutes or hand-offs, directly or through others): such a pair
    /// cannot be shown independent, whatever else it keeps apart.
    fn pairs_in_step(&self, members: &[u32]) -> f64 {
        let mut sizes: FxHashMap<u32, f64> = FxHashMap::default();
        for &a in members {
            if let Some(&c) = self.timing.get(a as usize) {
                *sizes.entry(c).or_default() += 1.0;
            }
        }
        let s = members.len() as f64;
        if s < 2.0 {
            return 0.0;
        }
        sizes.values().map(|n| n * (n - 1.0)).sum::<f64>() / (s * (s - 1.0))
    }
}

/// Coordination, and the part of it that says the members are not
/// independent (evidence of kinds other than [`EvidenceKind::is_common_source`]).
/// Evidence of dependence a group shows above its accounts' own links: a
/// campaign's clusters tied by the hours they work. Counted in
/// coordination like a kind of evidence on the links: `weight` × `share`.
#[derive(Clone, Debug, PartialEq)]
pub struct Dependence {
    /// What it counts for, as [`EvidenceKind::weight`] does for a kind.
    pub weight: f64,
    /// How far it reaches: the share of the members it ties, times how
    /// strongly (0..1).
    pub share: f64,
    /// The sentence shown with its numbers.
    pub text: String,
}

fn coordination(
    g: &Group<'_>,
    kinds_inside: &[u16],
    common_source: f64,
    reach: f64,
    sustained_work: f64,
    above: Option<&Dependence>,
    reasons: &mut Reasons,
) -> (f64, f64) {
    let s = g.members.len();
    let mut common_parts = Vec::new();
    let mut dependence = Vec::new();
    if let Some(d) = above.filter(|d| d.share > 0.0) {
        dependence.push((d.weight, d.share));
        reasons.push("coordination", d.weight * d.share, d.text.clone());
    }
    if s >= 2 {
        for kind in EvidenceKind::ALL {
            let bit = 1u16 << (kind as u16);
            let count = members_with(g, kinds_inside, bit);
            if count > 0 {
                let share = count as f64 / s as f64;
                // Dependence ties the group as far as its cells reach: a
                // crowd of small cells (a few accounts per organisation) is
                // independent between them.
                let common = kind.is_common_source();
                let factor = if common { common_source } else { reach };
                // Shared templates say as much as the work done on them,
                // sustained: a few prompts in common, or a day's script,
                // little; a group's whole traffic on the same families over
                // weeks, in volume, as much as a cohort.
                let weight = if kind == EvidenceKind::TemplateFamily {
                    kind.weight() + (EvidenceKind::Cohort.weight() - kind.weight()) * sustained_work
                } else {
                    kind.weight()
                };
                if common {
                    common_parts.push((weight, share));
                } else {
                    dependence.push((weight, share * factor));
                }
                let counted = match (factor < 1.0, common) {
                    (false, _) => String::new(),
                    (true, true) => {
                        format!(" (counted {factor:.2}×: a common source explains it)")
                    }
                    (true, false) => format!(
                        " (counted {factor:.2}×: the largest group such ties join holds {} of the members)",
                        pct(factor)
                    ),
                };
                let text = format!(
                    "{count} of {s} accounts share {} with another member{counted}",
                    kind_phrase(kind)
                );
                if share * factor > 0.0 {
                    reasons.push("coordination", weight * share * factor, text);
                } else {
                    reasons.note("coordination", text);
                }
            }
        }
    }
    // One common source (an organisation, a tool, a benchmark) shows in
    // several kinds at once — its prompts, its client, its network, its
    // domain: what it explains is their union, counted once.
    let mut parts = dependence.clone();
    parts.push((1.0, any_of(&common_parts) * common_source));
    (any_of(&parts), any_of(&dependence))
}

/// The days each member was active on, traffic-weighted: how long the
/// group's accounts each sustain its work.
fn member_days(g: &Group<'_>) -> f64 {
    g.signals
        .iter()
        .zip(g.accounts)
        .map(|(s, a)| s.days.len() as f64 * a.exchanges as f64)
        .sum::<f64>()
        / g.exchanges.max(1) as f64
}

/// How many of the group's members have evidence of a kind in `mask` (bits
/// of [`EvidenceKind`]) on a link inside the group.
fn members_with(g: &Group<'_>, kinds_inside: &[u16], mask: u16) -> usize {
    g.members
        .iter()
        .filter(|&&a| kinds_inside.get(a as usize).is_some_and(|k| k & mask != 0))
        .count()
}

/// Independence below this counts for nothing against shared content…
const INDEPENDENCE_FROM: f64 = 0.3;
/// …and this much or more counts in full.
const INDEPENDENCE_FULL: f64 = 0.8;

/// Active days per account (traffic-weighted) below which a group's work
/// starts to read as a few days' job rather than a sustained harvest…
const FEW_DAYS_FROM: f64 = 5.0;
/// …and at which it reads so in full.
const FEW_DAYS_FULL: f64 = 3.0;

/// How independent a group's members are on every axis but their content:
/// the mean, over the axes that can be measured, of
///
/// - *payment*: the share of paying members on a card no other member has;
/// - *home*: the share of members on a stable home network (the /24 or /48
///   carrying half their traffic, fewer than 6 networks in all) that no
///   other member calls home;
/// - *clock*: how spread the members' diurnal peaks are over the 24 hours
///   (`clamp((1 − R) / 0.5)`, `R` the length of the mean of their peak
///   directions: 0 all at one hour, 1 spread over time zones or personal
///   schedules);
/// - *age*: how far apart their sign-ups are (median deviation of the
///   creation dates, `clamp(days / 60)`);
/// - *apart*: the share of members with no lock-step minutes or hand-off
///   with another member;
///
/// or the mean over the operational axes alone (payment, home, apart)
/// when that reaches [`INDEPENDENCE_FULL`]: a common source aligns the
/// clock and the sign-ups by itself (a course's term, one campus's time
/// zone).
///
/// 0 for a group of one. Recorded as an `independence` reason with every
/// axis's numbers.
fn independence(
    g: &Group<'_>,
    kinds_inside: &[u16],
    pairs_in_step: f64,
    reasons: &mut Reasons,
) -> f64 {
    let s = g.members.len();
    if s < 2 {
        return 0.0;
    }
    let sf = s as f64;
    // (value, text, operational: who pays, where from, in step or not —
    // against when they work and when they signed up).
    let mut axes: Vec<(f64, String, bool)> = Vec::new();
    // Payment.
    let mut cards: FxHashMap<&str, usize> = FxHashMap::default();
    for a in g.accounts {
        if let Some(card) = a.payment_fingerprint.as_deref() {
            *cards.entry(card).or_default() += 1;
        }
    }
    let paying: usize = cards.values().sum();
    if paying >= 2 {
        let own: usize = cards.values().filter(|&&n| n == 1).count();
        axes.push((
            own as f64 / paying as f64,
            format!("{own} of {paying} paying members on a card of their own"),
            true,
        ));
    }
    // Home networks.
    let mut homes: FxHashMap<u32, usize> = FxHashMap::default();
    for sig in g.signals {
        if let Some(h) = sig.home {
            *homes.entry(h).or_default() += 1;
        }
    }
    let own_home = g
        .signals
        .iter()
        .filter(|sig| sig.home.is_some_and(|h| homes.get(&h) == Some(&1)))
        .count();
    // A public network (a campus's NAT) says nothing of who its users are
    // to one another: its members count as on a home of their own.
    let public_home = g
        .signals
        .iter()
        .filter(|sig| {
            sig.public_home
                && sig
                    .home
                    .is_some_and(|h| homes.get(&h).is_some_and(|&n| n > 1))
        })
        .count();
    let public_text = if public_home > 0 {
        format!(
            " (and {public_home} on a public network that more than a crowd uses, counted as their own)"
        )
    } else {
        String::new()
    };
    axes.push((
        (own_home + public_home) as f64 / sf,
        format!("{own_home} of {s} on a stable home network of their own{public_text}"),
        true,
    ));
    // Diurnal peaks.
    let phases: Vec<(f64, f64)> = g.signals.iter().filter_map(|sig| sig.phase).collect();
    if phases.len() >= 2 {
        // Only a member with a daily rhythm of its own can show one.
        let n = phases.len() as f64;
        let (x, y) = phases
            .iter()
            .fold((0.0, 0.0), |(x, y), (px, py)| (x + px, y + py));
        let r = (x * x + y * y).sqrt() / n;
        axes.push((
            clamp01((1.0 - r) / 0.5) * n / sf,
            format!(
                "diurnal peaks spread {:.2} over the clock, {} of {s} members with a daily rhythm",
                (1.0 - r).max(0.0),
                phases.len()
            ),
            false,
        ));
    }
    // Sign-up dates.
    let created: Vec<f64> = g
        .accounts
        .iter()
        .map(|a| a.created_ms as f64 / DAY_MS as f64)
        .collect();
    if let Some(mid) = median(created.clone()) {
        let deviation = median(created.iter().map(|c| (c - mid).abs()).collect()).unwrap_or(0.0);
        axes.push((
            clamp01(deviation / 60.0),
            format!("sign-ups {deviation:.0} days from the median one (median deviation)"),
            false,
        ));
    }
    // Lock-step minutes and hand-offs (sign-up dates are the age axis).
    let together =
        (1u16 << (EvidenceKind::Synchrony as u16)) | (1u16 << (EvidenceKind::HandOff as u16));
    let tied = members_with(g, kinds_inside, together);
    axes.push((
        1.0 - tied as f64 / sf,
        format!("{tied} of {s} in lock-step minutes or a hand-off with another member"),
        true,
    ));
    let mean = axes.iter().map(|(v, _, _)| v).sum::<f64>() / axes.len() as f64;
    // The operational axes (who pays, where from, in step or not) against
    // the circumstantial ones (when they work, when they signed up), which a
    // common source aligns by itself: a course's students sign up in the
    // term's first week and live in one time zone. Members independent in
    // full on the operational axes are independent, whatever their clock.
    let operational: Vec<f64> = axes
        .iter()
        .filter(|(_, _, operational)| *operational)
        .map(|(v, _, _)| *v)
        .collect();
    let operational = operational.iter().sum::<f64>() / operational.len().max(1) as f64;
    let mean = if operational >= INDEPENDENCE_FULL {
        mean.max(operational)
    } else {
        mean
    };
    // A member that rotates over networks hides where it is: nothing about
    // it can be shown independent.
    let proxied = g.signals.iter().filter(|x| x.proxied).count();
    // Pairs in one timing web are not independent, however many cards
    // and homes keep them apart: only the pairs outside any can be shown so.
    let value = mean * (1.0 - proxied as f64 / sf) * (1.0 - pairs_in_step);
    let mut texts: Vec<String> = axes
        .iter()
        .map(|(v, t, _)| format!("{t} ({v:.2})"))
        .collect();
    if proxied > 0 {
        texts.push(format!(
            "{proxied} of {s} rotate over {ROTATING_NETWORKS} or more networks, hiding where they are (×{:.2})",
            1.0 - proxied as f64 / sf
        ));
    }
    // Named from half a percent of pairs on (less reads as 0%).
    if pairs_in_step >= 0.005 {
        texts.push(format!(
            "{} of member pairs in one web of lock-step minutes or hand-offs, which cannot be shown independent (×{:.2})",
            pct(pairs_in_step),
            1.0 - pairs_in_step
        ));
    }
    // What speaks for a group is not a reason against it: a note, listed
    // after the reasons (its value is in the text).
    reasons.note(
        "independence",
        format!("independence {value:.2}: {}", texts.join("; ")),
    );
    value
}

/// How much shared content and shared places count as coordination:
/// 1 for members that are not independent; down to 0 for independent
/// members (independence from [`INDEPENDENCE_FROM`] to
/// [`INDEPENDENCE_FULL`]) — a common external source explains what they
/// share — unless what they do with it is an industrial harvest: the
/// group's volume sustained over weeks × harvest shape, or, for accounts
/// each working beyond what heavy independent users reach, the
/// geometric mean of their scale (intensity, sustained, volume) and the
/// harvest shape. Independence is no pardon for a paid crowd running one
/// lab's queue.
fn common_source_factor(
    independence: f64,
    (volume, scale): (f64, f64),
    harvest: f64,
    reasons: &mut Reasons,
) -> f64 {
    let independent =
        clamp01((independence - INDEPENDENCE_FROM) / (INDEPENDENCE_FULL - INDEPENDENCE_FROM));
    // Both, not their mean: a strong harvest shape does not make a small
    // volume industrial. Many accounts at a human rate need the group's
    // volume in full; accounts each beyond heavy users' rate (scale holds
    // that) count as far as scale and harvest together reach.
    let as_crowd = clamp01(volume) * clamp01(harvest);
    let as_accounts = (clamp01(scale) * clamp01(harvest)).sqrt();
    let industrial = as_crowd.max(as_accounts);
    let factor = 1.0 - independent * (1.0 - industrial);
    if independent > 0.0 {
        let how = if as_accounts > as_crowd {
            format!(
                "scale of accounts each beyond heavy users' rate {scale:.2}, with harvest shape {harvest:.2}"
            )
        } else {
            format!("volume sustained over weeks {volume:.2} × harvest shape {harvest:.2}")
        };
        reasons.note(
            "independence",
            format!(
                "shared content and places count {factor:.2}×: the members are independent ({independence:.2}), so a common source (a tool's prompts, a course, a network) explains them; an industrial harvest would not be explained ({industrial:.2}: {how})"
            ),
        );
    }
    factor
}

fn automation(g: &Group<'_>, kinds_inside: &[u16], reasons: &mut Reasons) -> f64 {
    let s = g.members.len();
    let quiet = {
        let weighted: Vec<(f64, f64)> = g
            .signals
            .iter()
            .zip(g.accounts)
            .filter_map(|(sig, a)| sig.quiet_share.map(|q| (q, a.exchanges as f64)))
            .collect();
        let w: f64 = weighted.iter().map(|(_, w)| w).sum();
        if w > 0.0 {
            weighted.iter().map(|(q, x)| q * x).sum::<f64>() / w
        } else {
            0.0
        }
    };
    let flat = clamp01(quiet / 0.25);
    let cv = median(g.signals.iter().filter_map(|s| s.gap_cv).collect());
    let regular = cv.map_or(0.0, |cv| clamp01((1.2 - cv) / 0.8));
    let sync_bit = 1u16 << (EvidenceKind::Synchrony as u16);
    let synced = members_with(g, kinds_inside, sync_bit);
    let synchrony = if s >= 2 {
        synced as f64 / s as f64
    } else {
        0.0
    };
    reasons.push(
        "automation",
        flat,
        format!(
            "flat 24/7 load: {} of exchanges in the 8 quietest hours of the day",
            pct(quiet)
        ),
    );
    if let Some(cv) = cv {
        reasons.push(
            "automation",
            regular,
            format!("regular spacing: median variation of gaps between requests {cv:.2}"),
        );
    }
    reasons.push(
        "automation",
        synchrony,
        format!(
            "{synced} of {s} accounts active in the same minutes as another member far beyond chance"
        ),
    );
    flat.max(regular).max(synchrony)
}

/// A group's bans read against the population's ban rate.
struct Bans {
    /// Members banned, and members.
    banned: usize,
    members: usize,
    /// Bans the population's rate ([`Bases::ban_rate`]) expects of a group
    /// this size.
    expected: f64,
    /// How far beyond chance the bans are, 0 to 1: the surprise
    /// ([`poisson_surprise`]) less what the number of groups examined
    /// explains (one in a thousand groups shows a one-in-a-thousand count),
    /// in full from [`BAN_SURPRISE_FULL`] more.
    beyond: f64,
    /// How far the group counts as one operation: the common-source factor
    /// (1 for members that are not independent; down to 0 for independent
    /// members whose shared work is no industrial harvest).
    as_one: f64,
}

impl Bans {
    fn share(&self) -> f64 {
        self.banned as f64 / self.members.max(1) as f64
    }

    /// What the bans say, 0 to 1: the share of members banned, as far as
    /// chance does not explain them; beyond chance, the provider has judged
    /// this work in several of the group's accounts, which tells of the
    /// whole group as far as it is one operation.
    fn reading(&self) -> f64 {
        (self.share() * self.beyond).max(self.beyond * self.as_one)
    }

    fn text(&self) -> String {
        let (k, s) = (self.banned, self.members);
        if k == 0 {
            return format!("{k} of {s} accounts banned");
        }
        let head = format!(
            "{k} of {s} accounts banned, where the population's ban rate expects {:.1}",
            self.expected
        );
        if self.beyond == 0.0 {
            format!("{head}: within chance over the groups examined")
        } else if self.beyond * self.as_one > self.share() * self.beyond {
            format!(
                "{head}: beyond chance ({:.2}), and the members are one operation as far as {:.2}, so the bans tell of the group",
                self.beyond, self.as_one
            )
        } else {
            format!(
                "{head}: beyond chance ({:.2}), but the members are independent, so the bans tell only of those banned",
                self.beyond
            )
        }
    }
}

/// The surprise (−log10 of the chance) beyond what the number of groups
/// examined explains at which bans count in full: a million times rarer.
const BAN_SURPRISE_FULL: f64 = 6.0;

/// −log10 P(X ≥ k) for X Poisson with mean `lambda`: how surprising `k`
/// events are where `lambda` were expected (0 when k ≤ λ).
pub(super) fn poisson_surprise(k: u64, lambda: f64) -> f64 {
    let kf = k as f64;
    if k == 0 || lambda <= 0.0 || kf <= lambda {
        return 0.0;
    }
    // ln P(X = k), then the tail as P(X = k) × Σ_j λ^j / ((k+1)…(k+j)).
    let ln_fact: f64 = (2..=k).map(|i| (i as f64).ln()).sum();
    let ln_term = -lambda + kf * lambda.ln() - ln_fact;
    let (mut sum, mut term) = (1.0f64, 1.0f64);
    for j in 1..10_000u64 {
        term *= lambda / (kf + j as f64);
        sum += term;
        if term < 1e-15 * sum {
            break;
        }
    }
    (-(ln_term + sum.ln()) / std::f64::consts::LN_10).max(0.0)
}

/// Hiding: bans and rotating networks; young accounts and farmed access
/// (a student's or a start-up's new account is ordinary) count only as far
/// as bans, rotation or industrial scale back them. Bans count as far as
/// the population's ban rate does not explain them ([`Bans::reading`]).
fn evasion(g: &Group<'_>, (scale, handed): (f64, f64), bans: &Bans, reasons: &mut Reasons) -> f64 {
    let s = g.members.len();
    let sf = s as f64;
    let count =
        |pred: &dyn Fn(&AccountSignals) -> bool| g.signals.iter().filter(|x| pred(x)).count();
    let (young, farmed, proxied) = (
        count(&|x| x.young),
        count(&|x| x.farmed),
        count(&|x| x.proxied),
    );
    // A share of members banned (beyond chance), rotating or handing over
    // (`handed`, the share of members in a hand-off)
    // backs them twice as far as it reads (a third banned is already a
    // burner farm); scale, which adds to bad faith on its own, only as far
    // as it reads.
    let backing = clamp01((2.0 * bans.reading().max(proxied as f64 / sf).max(handed)).max(scale));
    let backed = if backing < 1.0 {
        format!(
            " (counted {backing:.2}×: new accounts are ordinary unless bans, rotation, hand-offs or industrial scale back them)"
        )
    } else {
        String::new()
    };
    if backing == 0.0 {
        for (n, what) in [
            (young, "first used within 30 days of creation"),
            (
                farmed,
                "on education, startup or research access without KYC or long standing",
            ),
        ] {
            if n > 0 {
                reasons.note("evasion", format!("{n} of {s} accounts {what}{backed}"));
            }
        }
    }
    // Bans the population's rate explains do not count; the reason says so.
    if bans.banned > 0 && bans.reading() == 0.0 {
        reasons.note("evasion", bans.text());
    }
    reasons.explained(
        "evasion",
        vec![
            (
                0.6,
                young as f64 / sf * backing,
                format!("{young} of {s} accounts first used within 30 days of creation{backed}"),
            ),
            (
                0.5,
                farmed as f64 / sf * backing,
                format!(
                    "{farmed} of {s} accounts on education, startup or research access without KYC or long standing{backed}"
                ),
            ),
            (0.7, bans.reading(), bans.text()),
            (
                0.5,
                proxied as f64 / sf,
                format!(
                    "{proxied} of {s} accounts rotate over 6 or more networks (/24 or /48 prefixes)"
                ),
            ),
        ],
    )
}

/// Groups accounts by `membership` and scores every cluster.
pub fn score_clusters(
    f: &CaseFeatures,
    activity: &Activity,
    windows: &[ReleaseWindow],
    graph: &EvidenceGraph,
    membership: &[u32],
    params: &Params,
) -> Vec<Cluster> {
    let scorer = Scorer::new(f, activity, windows, graph, membership, params);
    scorer.score_partition(membership)
}

impl Scorer<'_> {
    /// Scores every group of `membership`, highest score first (ties by
    /// first member).
    pub fn score_partition(&self, membership: &[u32]) -> Vec<Cluster> {
        let groups = membership
            .iter()
            .map(|&c| c as usize + 1)
            .max()
            .unwrap_or(0);
        let mut members: Vec<Vec<u32>> = vec![Vec::new(); groups];
        for (account, &c) in membership.iter().enumerate() {
            members[c as usize].push(account as u32);
        }
        let kinds_inside = self.kinds_inside(membership);
        // Each group on its own, on both cores, collected in order.
        use rayon::prelude::*;
        let mut clusters: Vec<Cluster> = members
            .into_par_iter()
            .filter(|m| !m.is_empty())
            .map(|m| self.score_group(m, &kinds_inside))
            .collect();
        clusters.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.members[0].cmp(&b.members[0]))
        });
        clusters
    }
}

/// How a kind of evidence reads in a sentence.
pub fn kind_phrase(kind: EvidenceKind) -> &'static str {
    match kind {
        EvidenceKind::Card => "a payment card",
        EvidenceKind::SignupIp => "a sign-up address",
        EvidenceKind::RequestIp => "a request address",
        EvidenceKind::Prefix => "a network prefix",
        EvidenceKind::ClientFingerprint => "a client fingerprint",
        EvidenceKind::EmailDomain => "an e-mail domain",
        EvidenceKind::TemplateFamily => "a prompt-template family",
        EvidenceKind::Synchrony => "active minutes (synchronised)",
        EvidenceKind::SignupBurst => "a sign-up burst",
        EvidenceKind::Indicator => "a partner indicator",
        EvidenceKind::Cohort => "template families and behaviour (a cohort)",
        EvidenceKind::HandOff => "a hand-off of work (one stopped, the other took over)",
    }
}
