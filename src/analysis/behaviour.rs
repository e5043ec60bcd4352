//! Behavioural fingerprints: how each account uses the API, as numbers that
//! evasion does not erase. A campaign can give every account its own card
//! and route it through residential proxies, but the accounts still run the
//! same job: the same hours and weekdays, the same volume per day, the same
//! capability mix and token shapes, the same share of chain-of-thought
//! prompts, the same churn of networks, the same day they moved to a new
//! model, and the same few prompt-template families.
//!
//! [`similarity`] compares two fingerprints; [`family_overlap`] the share of
//! traffic two accounts put on the same template families. Both are what the
//! `cohort` evidence and the hand-off evidence are built from
//! (`docs/analysis.md`).

use rustc_hash::FxHashSet;

use crate::facts::{Activity, CAPABILITIES, CaseFeatures};

/// Exchanges below which an account's profile is too noisy to compare.
pub const MIN_EXCHANGES: u64 = 20;

/// A family must carry this share of an account's exchanges to be one of
/// its families.
pub const MIN_FAMILY_SHARE: f64 = 0.02;

/// How one account uses the API.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fingerprint {
    /// Exchanges in the case.
    pub exchanges: u64,
    /// Share of exchanges per hour of the day (UTC).
    pub hours: [f32; 24],
    /// Share of exchanges per day of the week (UTC, Monday first).
    pub weekdays: [f32; 7],
    /// Share of exchanges per capability code.
    pub capabilities: [f32; CAPABILITIES],
    /// Days (UTC) with at least one exchange.
    pub active_days: u32,
    /// log10 of exchanges per active day.
    pub rate_log10: f32,
    /// log2 of output tokens over input tokens.
    pub ratio_log2: f32,
    /// Share of scored exchanges with chain-of-thought elicitation ≥ 0.5.
    pub cot_share: f32,
    /// Distinct /24 (or /48) networks requests came from.
    pub networks: u32,
    /// Distinct ASNs requests came from.
    pub asns: u32,
    /// Share of the account's exchanges on the released model in the
    /// first release window it was active in, if any.
    pub adoption: Option<f32>,
    /// Template families carrying at least [`MIN_FAMILY_SHARE`] of its
    /// exchanges: (family, share), by family.
    pub families: Vec<(u32, f32)>,
}

impl Fingerprint {
    /// Whether the account has enough traffic for its profile to mean something.
    pub fn is_reliable(&self) -> bool {
        self.exchanges >= MIN_EXCHANGES
    }
}

fn shares<const N: usize>(counts: &[u64; N]) -> [f32; N] {
    let total: u64 = counts.iter().sum();
    let mut out = [0f32; N];
    if total > 0 {
        for (o, c) in out.iter_mut().zip(counts) {
            *o = *c as f32 / total as f32;
        }
    }
    out
}

/// Every account's fingerprint. `template_family` maps a template id to its
/// family (see [`super::families`]).
pub fn fingerprints(
    f: &CaseFeatures,
    activity: &Activity,
    template_family: &[u32],
) -> Vec<Fingerprint> {
    let n = f.accounts.len();
    let mut networks: Vec<FxHashSet<&str>> = vec![FxHashSet::default(); n];
    let mut asns: Vec<FxHashSet<i64>> = vec![FxHashSet::default(); n];
    for &(account, origin, _) in &f.account_origins {
        if let Some(o) = f.origins.get(origin as usize) {
            if let Some(prefix) = o.prefix.as_deref() {
                networks[account as usize].insert(prefix);
            }
            if let Some(asn) = o.asn {
                asns[account as usize].insert(asn);
            }
        }
    }
    let mut families: Vec<Vec<(u32, u64)>> = vec![Vec::new(); n];
    for &(account, template, count) in &f.account_templates {
        let family = template_family
            .get(template as usize)
            .copied()
            .unwrap_or(template);
        families[account as usize].push((family, count));
    }
    f.accounts
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let minutes = activity.minutes.get(i).map_or(&[][..], Vec::as_slice);
            let mut days: Vec<u32> = minutes.iter().map(|m| m / 1440).collect();
            days.dedup();
            let active_days = days.len() as u32;
            let rate = a.exchanges as f64 / f64::from(active_days.max(1));
            let ratio = (a.output_tokens.max(1) as f64) / (a.input_tokens.max(1) as f64);
            let cot_share = if a.cot_scored == 0 {
                0.0
            } else {
                a.cot_high as f32 / a.cot_scored as f32
            };
            let adoption = activity
                .release_windows
                .iter()
                .map(|w| w.get(i).copied().unwrap_or((0, 0)))
                .find(|(total, _)| *total >= 10)
                .map(|(total, on_model)| on_model as f32 / total as f32);
            let mut fam = std::mem::take(&mut families[i]);
            fam.sort_unstable();
            let mut merged: Vec<(u32, u64)> = Vec::with_capacity(fam.len());
            for (family, count) in fam {
                match merged.last_mut() {
                    Some(last) if last.0 == family => last.1 += count,
                    _ => merged.push((family, count)),
                }
            }
            let templated: u64 = merged.iter().map(|(_, c)| c).sum();
            let total = a.exchanges.max(templated).max(1) as f64;
            let families = merged
                .into_iter()
                .map(|(family, count)| (family, (count as f64 / total) as f32))
                .filter(|(_, share)| f64::from(*share) >= MIN_FAMILY_SHARE)
                .collect();
            Fingerprint {
                exchanges: a.exchanges,
                hours: shares(&a.hour_of_day),
                weekdays: shares(&a.weekday),
                capabilities: shares(&a.capabilities),
                active_days,
                rate_log10: rate.max(1.0).log10() as f32,
                ratio_log2: ratio.log2() as f32,
                cot_share,
                networks: networks[i].len() as u32,
                asns: asns[i].len() as u32,
                adoption,
                families,
            }
        })
        .collect()
}

/// Bhattacharyya coefficient of two distributions: 1 when equal, 0 when
/// they never overlap.
fn overlap(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (f64::from(*x) * f64::from(*y)).sqrt())
        .sum::<f64>()
        .min(1.0)
}

/// A working window: the hours of the day (UTC) that hold most of an
/// account's (or a cluster's typical member's) traffic.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WorkingWindow {
    /// First hour (0..24).
    pub start: u8,
    /// Length in hours (1..=[`SHIFT_MAX_HOURS`]).
    pub hours: u8,
    /// Share of the traffic inside it.
    pub share: f32,
}

impl WorkingWindow {
    /// Whether `hour` (0..24) is inside the window (which may wrap past midnight).
    pub fn contains(&self, hour: u8) -> bool {
        (hour + 24 - self.start) % 24 < self.hours
    }

    /// Hours the two windows have in common.
    pub fn common_hours(&self, other: &WorkingWindow) -> u8 {
        (0..24u8)
            .filter(|&h| self.contains(h) && other.contains(h))
            .count() as u8
    }

    /// "14:00–17:00 UTC".
    pub fn label(&self) -> String {
        format!(
            "{:02}:00–{:02}:00 UTC",
            self.start,
            (u32::from(self.start) + u32::from(self.hours)) % 24
        )
    }
}

/// A shift is at most this many hours long…
pub const SHIFT_MAX_HOURS: u8 = 6;
/// …and holds at least this share of the traffic: a person's day spreads
/// over waking hours (a flat 9-to-5 puts 75% in its best six hours, a
/// diurnal curve far less), a crew's shift of a few hours holds nearly all
/// of its work and what cover traffic leaves.
pub const SHIFT_MIN_SHARE: f32 = 0.8;

/// The shortest window of at most [`SHIFT_MAX_HOURS`] hours that holds
/// [`SHIFT_MIN_SHARE`] of the traffic in `hours` (shares per hour of the
/// day), the fullest one of that length; `None` when the traffic spreads
/// wider (or there is none).
pub fn working_window(hours: &[f32; 24]) -> Option<WorkingWindow> {
    let total: f32 = hours.iter().sum();
    if total <= 0.0 {
        return None;
    }
    for len in 1..=SHIFT_MAX_HOURS {
        let mut best: Option<WorkingWindow> = None;
        for start in 0..24u8 {
            let share = (0..len)
                .map(|i| hours[usize::from((start + i) % 24)])
                .sum::<f32>()
                / total;
            if share >= SHIFT_MIN_SHARE && best.is_none_or(|b| share > b.share) {
                best = Some(WorkingWindow {
                    start,
                    hours: len,
                    share,
                });
            }
        }
        if best.is_some() {
            return best;
        }
    }
    None
}

/// The share of all accounts' traffic in each hour of the day (each
/// account weighted by its exchanges): the population a group's hours are
/// compared with.
pub fn population_hours(prints: &[Fingerprint]) -> [f32; 24] {
    let mut hours = [0f64; 24];
    let mut total = 0f64;
    for p in prints {
        let w = p.exchanges as f64;
        total += w;
        for (t, x) in hours.iter_mut().zip(&p.hours) {
            *t += f64::from(*x) * w;
        }
    }
    std::array::from_fn(|h| (hours[h] / total.max(1.0)) as f32)
}

/// The share of traffic in each hour of the day above what `population`
/// puts there (0 where it is at or under it).
pub fn hours_beyond(hours: &[f32; 24], population: &[f32; 24]) -> [f32; 24] {
    std::array::from_fn(|h| (hours[h] - population[h]).max(0.0))
}

/// How many of `minutes` (since the epoch) fall in each hour of the day (UTC).
pub fn hour_counts(minutes: &[u32]) -> [u32; 24] {
    let mut hours = [0u32; 24];
    for m in minutes {
        hours[((m % 1440) / 60) as usize] += 1;
    }
    hours
}

/// An account needs this many active minutes for [`shift_change`].
pub const SHIFT_CHANGE_MIN_MINUTES: usize = 40;

/// An account's active minutes per hour of the day (UTC), in the first and
/// in the second half of its active minutes: where it worked early in its
/// life and where late, for telling an account that moved between crews'
/// shifts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Halves {
    /// Active minutes per hour of the day, first half.
    pub early: [u32; 24],
    /// Active minutes per hour of the day, second half.
    pub late: [u32; 24],
}

/// The two halves of `minutes` (since the epoch, sorted), when there are
/// [`SHIFT_CHANGE_MIN_MINUTES`] or more.
pub fn halves(minutes: &[u32]) -> Option<Halves> {
    if minutes.len() < SHIFT_CHANGE_MIN_MINUTES {
        return None;
    }
    let mid = minutes.len() / 2;
    Some(Halves {
        early: hour_counts(&minutes[..mid]),
        late: hour_counts(&minutes[mid..]),
    })
}

impl Halves {
    /// Where it moved from one shift to another: the working windows of
    /// the first and of the second half, when each half works a shift and
    /// the two are not one shift (they share less than half the hours of
    /// the longer).
    pub fn shift_change(&self) -> Option<(WorkingWindow, WorkingWindow)> {
        let window = |counts: &[u32; 24]| working_window(&counts.map(|n| n as f32));
        let (early, late) = (window(&self.early)?, window(&self.late)?);
        (2 * early.common_hours(&late) < early.hours.max(late.hours)).then_some((early, late))
    }

    /// Each half's share of its minutes per hour of the day above what
    /// `population` puts there ([`hours_beyond`]): what stands out of each
    /// half however much cover traffic spreads over the rest of the day.
    pub fn beyond(&self, population: &[f32; 24]) -> ([f32; 24], [f32; 24]) {
        let shares = |counts: &[u32; 24]| {
            let total = counts.iter().sum::<u32>().max(1) as f32;
            hours_beyond(&counts.map(|n| n as f32 / total), population)
        };
        (shares(&self.early), shares(&self.late))
    }
}

/// Where an account moved from one shift to another ([`Halves::shift_change`]
/// of the halves of its active minutes, `minutes` since the epoch, sorted).
pub fn shift_change(minutes: &[u32]) -> Option<(WorkingWindow, WorkingWindow)> {
    halves(minutes)?.shift_change()
}

/// The share the two hour profiles (shares per hour of the day) have in
/// common: Σ over hours of the smaller.
pub fn shared_hours(x: &[f32; 24], y: &[f32; 24]) -> f64 {
    x.iter().zip(y).map(|(a, b)| f64::from(a.min(*b))).sum()
}

/// The fullest window of [`SHIFT_MAX_HOURS`] hours of `hours` (shares per
/// hour of the day), to name where a profile stands out when no working
/// window holds [`SHIFT_MIN_SHARE`] of it.
pub fn fullest_window(hours: &[f32; 24]) -> WorkingWindow {
    let total = hours.iter().sum::<f32>().max(f32::MIN_POSITIVE);
    let share = |start: u8| {
        (0..SHIFT_MAX_HOURS)
            .map(|i| hours[usize::from((start + i) % 24)])
            .sum::<f32>()
            / total
    };
    let start = (0..24u8)
        .max_by(|&x, &y| share(x).total_cmp(&share(y)).then(y.cmp(&x)))
        .unwrap_or(0);
    WorkingWindow {
        start,
        hours: SHIFT_MAX_HOURS,
        share: share(start),
    }
}

fn close(a: f32, b: f32, scale: f64) -> f64 {
    (-(f64::from(a) - f64::from(b)).abs() / scale).exp()
}

/// How alike two accounts behave, part by part, each 0..1.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Similarity {
    /// Hour-of-day profiles (Bhattacharyya coefficient).
    pub hours: f64,
    /// Weekday profiles.
    pub weekdays: f64,
    /// Capability mixes.
    pub capabilities: f64,
    /// Exchanges per active day (e^-|Δ log10| / 0.25).
    pub rate: f64,
    /// Output/input token ratio (e^-|Δ log2| / 0.75).
    pub ratio: f64,
    /// Chain-of-thought share (e^-|Δ| / 0.15).
    pub cot: f64,
    /// Network churn: distinct networks and ASNs (e^-|Δ ln(1+n)| / 0.8).
    pub churn: f64,
    /// Share on a newly released model (e^-|Δ| / 0.2); 1 when either has none.
    pub adoption: f64,
    /// Weighted geometric mean of the parts.
    pub combined: f64,
}

impl Similarity {
    /// How alike the *work* is, whatever the hours: the weighted geometric
    /// mean of the capability mixes, the volume, the token shapes, the
    /// chain-of-thought share and the network churn (crews of one campaign
    /// work different shifts the same way).
    pub fn work(&self) -> f64 {
        let parts = [
            (1.5, self.capabilities),
            (2.0, self.rate),
            (1.0, self.ratio),
            (1.0, self.cot),
            (1.0, self.churn),
        ];
        weighted_geometric_mean(&parts)
    }

    /// How alike the *content* of the work is: the weighted geometric mean
    /// of the capability mixes, the token shapes and the chain-of-thought
    /// share — the parts that do not grow with how long an account lived
    /// (volume per day and networks seen do).
    pub fn content(&self) -> f64 {
        let parts = [(1.5, self.capabilities), (1.0, self.ratio), (1.0, self.cot)];
        weighted_geometric_mean(&parts)
    }
}

/// Σ-weighted geometric mean of (weight, value) parts (values floored at
/// 10⁻⁶): one part far apart pulls it down however alike the rest is.
fn weighted_geometric_mean(parts: &[(f64, f64)]) -> f64 {
    let weight: f64 = parts.iter().map(|(w, _)| w).sum();
    (parts.iter().map(|(w, v)| w * v.max(1e-6).ln()).sum::<f64>() / weight).exp()
}

/// Compares two fingerprints. The combined value is a weighted geometric
/// mean, so one part far apart (a tenth of the volume, another timezone)
/// pulls it down however alike the rest is: independent people rarely match
/// on all of them at once, the accounts of one job do.
pub fn similarity(a: &Fingerprint, b: &Fingerprint) -> Similarity {
    similarity_parts(a, b, true)
}

/// [`similarity`] without the model-adoption part: for accounts that were
/// not both active when a model came out (a successor started later).
pub fn similarity_without_adoption(a: &Fingerprint, b: &Fingerprint) -> Similarity {
    similarity_parts(a, b, false)
}

fn similarity_parts(a: &Fingerprint, b: &Fingerprint, with_adoption: bool) -> Similarity {
    let churn_a = ((f64::from(a.networks) + 1.0).ln() + (f64::from(a.asns) + 1.0).ln()) as f32;
    let churn_b = ((f64::from(b.networks) + 1.0).ln() + (f64::from(b.asns) + 1.0).ln()) as f32;
    let mut s = Similarity {
        hours: overlap(&a.hours, &b.hours),
        weekdays: overlap(&a.weekdays, &b.weekdays),
        capabilities: overlap(&a.capabilities, &b.capabilities),
        rate: close(a.rate_log10, b.rate_log10, 0.25),
        ratio: close(a.ratio_log2, b.ratio_log2, 0.75),
        cot: close(a.cot_share, b.cot_share, 0.15),
        churn: close(churn_a, churn_b, 0.8),
        adoption: match (a.adoption, b.adoption) {
            (Some(x), Some(y)) if with_adoption => close(x, y, 0.2),
            _ => 1.0,
        },
        combined: 0.0,
    };
    let parts = [
        (2.0, s.hours),
        (1.0, s.weekdays),
        (1.5, s.capabilities),
        (2.0, s.rate),
        (1.0, s.ratio),
        (1.0, s.cot),
        (1.0, s.churn),
        (0.5, s.adoption),
    ];
    s.combined = weighted_geometric_mean(&parts);
    s
}

/// The share of traffic two accounts put on the same template families:
/// Σ over shared families of the smaller share, and how many families.
pub fn family_overlap(a: &Fingerprint, b: &Fingerprint) -> (f64, u32) {
    let (mut i, mut j, mut sum, mut count) = (0, 0, 0.0, 0);
    while i < a.families.len() && j < b.families.len() {
        match a.families[i].0.cmp(&b.families[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                sum += f64::from(a.families[i].1.min(b.families[j].1));
                count += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (sum, count)
}

/// [`family_overlap`] over the families `lift` knows (a number per family):
/// the overlap, how many families, and the smallest of their numbers.
pub fn family_overlap_where(
    a: &Fingerprint,
    b: &Fingerprint,
    lift: impl Fn(u32) -> Option<f64>,
) -> (f64, u32, f64) {
    let (mut i, mut j, mut sum, mut count, mut least) = (0, 0, 0.0, 0, f64::INFINITY);
    while i < a.families.len() && j < b.families.len() {
        match a.families[i].0.cmp(&b.families[j].0) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                if let Some(l) = lift(a.families[i].0) {
                    sum += f64::from(a.families[i].1.min(b.families[j].1));
                    count += 1;
                    least = least.min(l);
                }
                i += 1;
                j += 1;
            }
        }
    }
    (sum, count, least)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fingerprint with a diurnal or flat load at a volume per day.
    pub(crate) fn print(
        peak_hour: Option<usize>,
        rate: f32,
        families: &[(u32, f32)],
    ) -> Fingerprint {
        let mut hours = [0f32; 24];
        match peak_hour {
            Some(peak) => {
                for k in 0..8 {
                    hours[(peak + k) % 24] = 1.0 / 8.0;
                }
            }
            None => hours = [1.0 / 24.0; 24],
        }
        let mut capabilities = [0f32; CAPABILITIES];
        capabilities[2] = 0.6;
        capabilities[3] = 0.4;
        Fingerprint {
            exchanges: 500,
            hours,
            weekdays: [1.0 / 7.0; 7],
            capabilities,
            active_days: 20,
            rate_log10: rate,
            ratio_log2: -2.0,
            cot_share: 0.4,
            networks: 10,
            asns: 6,
            adoption: Some(0.5),
            families: families.to_vec(),
        }
    }

    #[test]
    fn accounts_of_one_job_are_alike_and_people_in_other_timezones_or_volumes_are_not() {
        let a = print(None, 2.0, &[(1, 0.3)]);
        let b = print(None, 2.05, &[(1, 0.3)]);
        assert!(similarity(&a, &b).combined > 0.9);
        let other_tz = print(Some(14), 2.0, &[(1, 0.3)]);
        let day_a = print(Some(2), 2.0, &[(1, 0.3)]);
        assert!(similarity(&day_a, &other_tz).hours < 0.1);
        assert!(similarity(&day_a, &other_tz).combined < 0.6);
        let tenth = print(None, 1.0, &[(1, 0.3)]);
        let s = similarity(&a, &tenth);
        assert!(s.rate < 0.05 && s.combined < 0.6, "{s:?}");
    }

    #[test]
    fn a_shift_of_a_few_hours_is_a_working_window_and_a_working_day_is_not() {
        let mut hours = [0f32; 24];
        // 14:00–17:00 with a tenth of the traffic spread over the day.
        for (h, x) in hours.iter_mut().enumerate() {
            *x = 0.1 / 24.0 + if (14..17).contains(&h) { 0.3 } else { 0.0 };
        }
        let w = working_window(&hours).expect("a shift");
        assert_eq!((w.start, w.hours), (14, 3));
        assert!(w.share > 0.9, "{w:?}");
        assert_eq!(w.label(), "14:00–17:00 UTC");
        // Across midnight: 22:00–02:00.
        let mut night = [0f32; 24];
        for h in [22, 23, 0, 1] {
            night[h] = 0.25;
        }
        let w = working_window(&night).expect("a night shift");
        assert_eq!((w.start, w.hours), (22, 4));
        assert!(w.contains(23) && w.contains(1) && !w.contains(2) && !w.contains(21));
        assert_eq!(
            w.common_hours(&WorkingWindow {
                start: 0,
                hours: 6,
                share: 1.0
            }),
            2
        );
        // A flat nine-to-five puts 75% in its best six hours: no shift.
        let mut office = [0f32; 24];
        for x in &mut office[9..17] {
            *x = 0.125;
        }
        assert_eq!(working_window(&office), None);
        assert_eq!(working_window(&[0.0; 24]), None);
    }

    #[test]
    fn an_account_that_moves_to_another_shift_is_told_from_one_that_keeps_its_own() {
        // 20 days, 6 a day: 14:00–17:00 for ten days, then 02:00–05:00.
        let day = |d: u32, hour: u32| (0..6).map(move |k| d * 1440 + hour * 60 + k * 25);
        let moved: Vec<u32> = (0..10)
            .flat_map(|d| day(d, 14))
            .chain((10..20).flat_map(|d| day(d, 2)))
            .collect();
        let (early, late) = shift_change(&moved).expect("a move");
        assert_eq!((early.start, late.start), (14, 2));
        let kept: Vec<u32> = (0..20).flat_map(|d| day(d, 14)).collect();
        assert_eq!(shift_change(&kept), None);
        // Too little to say.
        assert_eq!(shift_change(&moved[..30]), None);
    }

    #[test]
    fn family_overlap_sums_the_smaller_shares_of_shared_families() {
        let a = print(None, 2.0, &[(1, 0.3), (4, 0.2), (9, 0.1)]);
        let b = print(None, 2.0, &[(1, 0.1), (4, 0.5), (7, 0.4)]);
        let (sum, count) = family_overlap(&a, &b);
        assert!((sum - 0.3).abs() < 1e-6, "{sum}");
        assert_eq!(count, 2);
    }

    #[test]
    fn hours_beyond_the_population_are_what_a_group_adds_to_everyones_day() {
        // Everyone: flat. A crew: 60% in 14:00–17:00, the rest flat.
        let flat = Fingerprint {
            exchanges: 900,
            hours: [1.0 / 24.0; 24],
            ..Fingerprint::default()
        };
        let mut crew = Fingerprint {
            exchanges: 100,
            ..Fingerprint::default()
        };
        for (h, x) in crew.hours.iter_mut().enumerate() {
            *x = if (14..17).contains(&h) {
                0.2
            } else {
                0.4 / 21.0
            };
        }
        let population = population_hours(&[flat.clone(), crew.clone()]);
        // 90% flat and 10% the crew's.
        assert!((population[15] - (0.9 / 24.0 + 0.02)).abs() < 1e-6);
        assert!((population[3] - (0.9 / 24.0 + 0.04 / 21.0)).abs() < 1e-6);
        let beyond = hours_beyond(&crew.hours, &population);
        assert_eq!(beyond[3], 0.0, "under the population's share");
        let sum: f32 = beyond.iter().sum();
        assert!((sum - 3.0 * (0.2 - population[15])).abs() < 1e-5, "{sum}");
        // Everyone else is above it where the crew is not, a little.
        let others = hours_beyond(&flat.hours, &population);
        assert_eq!(others[15], 0.0);
        assert!(others.iter().sum::<f32>() < 0.2 * sum);
    }

    #[test]
    fn the_content_of_work_leaves_out_volume_and_networks_seen() {
        let a = print(Some(14), 1.0, &[]);
        let mut b = a.clone();
        b.rate_log10 += 1.0;
        b.networks = 40;
        b.asns = 20;
        let s = similarity(&a, &b);
        assert!(s.work() < 0.5, "volume and churn apart: {}", s.work());
        assert!((s.content() - 1.0).abs() < 1e-9, "{}", s.content());
        b.cot_share = (a.cot_share + 0.6).min(1.0);
        assert!(similarity(&a, &b).content() < 0.5);
    }
}
