//! Co-activity as evidence of its own: accounts that fire in the same
//! minutes far beyond what their own daily rhythm explains (lock-step
//! schedulers), and accounts that take over each other's work (one stops,
//! another starts within minutes on the same job: load-balanced hand-offs
//! and ban-and-replace successors).
//!
//! Candidate pairs never come from comparing all accounts: lock-step pairs
//! come from MinHash signatures of each account's set of active minutes,
//! banded for locality-sensitive hashing (pairs with a high Jaccard share a
//! band); hand-offs from a sorted join of the moments accounts stop and
//! start.

use rustc_hash::FxHashMap;

use super::behaviour::{Fingerprint, family_overlap, hour_counts, similarity_without_adoption};
use crate::base::rng::mix64;

/// Bands × rows of the minute MinHash: a pair whose minute sets have a
/// Jaccard of J becomes a candidate with probability 1 − (1 − J³)¹²:
/// ~0.98 at J = 0.7 (a shared scheduler), ~0.1 at J = 0.2, ~10⁻⁴ at 0.02
/// (strangers).
const BANDS: usize = 12;
const ROWS: usize = 3;
/// A band bucket larger than this is sampled (each member against its
/// next neighbours in a shuffled order), keeping the pairs linear.
const MAX_BUCKET_PAIRS_PER_MEMBER: usize = 12;

/// Per account: active minutes per hour of the day (UTC).
pub fn minutes_by_hour(minutes: &[Vec<u32>]) -> Vec<[u32; 24]> {
    minutes.iter().map(|list| hour_counts(list)).collect()
}

/// Shared minutes of two sorted minute lists.
pub fn shared_minutes(a: &[u32], b: &[u32]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// Each account's active minutes in the form two of them intersect
/// fastest: a bitmap over the account's own span of minutes when it is
/// dense (at least one active minute per 64 of its span, so the bitmap is
/// no larger than the list), else the sorted list itself. Counting shared
/// minutes is then a popcount of ANDed words, a bit test per minute of the
/// sparser one, or a merge of two short lists; the count is the same as
/// [`shared_minutes`]'s.
pub struct MinuteSets<'a> {
    minutes: &'a [Vec<u32>],
    /// Per account: its bitmap, if dense and with at least the minimum of minutes.
    bitmaps: Vec<Option<Bitmap>>,
}

struct Bitmap {
    /// Index of the first word (minute / 64).
    first: u32,
    words: Vec<u64>,
}

impl Bitmap {
    fn contains(&self, minute: u32) -> bool {
        let word = minute / 64;
        word >= self.first
            && self
                .words
                .get((word - self.first) as usize)
                .is_some_and(|w| w >> (minute % 64) & 1 == 1)
    }
}

impl<'a> MinuteSets<'a> {
    /// Bitmaps for the dense accounts of `minutes` (sorted lists) that have
    /// at least `min_minutes` active minutes (the others are never tested).
    pub fn new(minutes: &'a [Vec<u32>], min_minutes: usize) -> Self {
        use rayon::prelude::*;
        let bitmaps = minutes
            .par_iter()
            .map(|list| {
                let (&first, &last) = (list.first()?, list.last()?);
                let (first, last) = (first / 64, last / 64);
                let words = (last - first) as usize + 1;
                if list.len() < min_minutes || words > list.len() {
                    return None;
                }
                let mut bits = vec![0u64; words];
                for &m in list {
                    bits[(m / 64 - first) as usize] |= 1 << (m % 64);
                }
                Some(Bitmap { first, words: bits })
            })
            .collect();
        Self { minutes, bitmaps }
    }

    /// Minutes in which both `a` and `b` were active.
    pub fn shared(&self, a: u32, b: u32) -> usize {
        let (a, b) = (a as usize, b as usize);
        match (&self.bitmaps[a], &self.bitmaps[b]) {
            (Some(x), Some(y)) => {
                let from = x.first.max(y.first);
                let to = (x.first as usize + x.words.len()).min(y.first as usize + y.words.len());
                if to <= from as usize {
                    return 0;
                }
                let xs = &x.words[(from - x.first) as usize..to - x.first as usize];
                let ys = &y.words[(from - y.first) as usize..to - y.first as usize];
                super::families::and_count(xs, ys)
            }
            (Some(x), None) => self.minutes[b].iter().filter(|&&m| x.contains(m)).count(),
            (None, Some(y)) => self.minutes[a].iter().filter(|&&m| y.contains(m)).count(),
            (None, None) => shared_minutes(&self.minutes[a], &self.minutes[b]),
        }
    }
}

/// Distinct days (since the epoch) among the minutes in which both `a` and
/// `b` were active: lock-step is a schedule kept day after day, not two
/// runs that once overlapped.
pub fn shared_days(sets: &MinuteSets<'_>, a: u32, b: u32) -> usize {
    let (ia, ib) = (a as usize, b as usize);
    let mut days = 0usize;
    let mut last = u32::MAX;
    let mut count = |minute: u32| {
        let day = minute / 1440;
        if day != last {
            days += 1;
            last = day;
        }
    };
    match (&sets.bitmaps[ia], &sets.bitmaps[ib]) {
        (Some(x), Some(y)) => {
            let from = x.first.max(y.first);
            let to = (x.first as usize + x.words.len()).min(y.first as usize + y.words.len());
            for word in from as usize..to.max(from as usize) {
                let mut both = x.words[word - x.first as usize] & y.words[word - y.first as usize];
                while both != 0 {
                    let bit = both.trailing_zeros();
                    count(word as u32 * 64 + bit);
                    both &= both - 1;
                }
            }
        }
        (Some(x), None) => sets.minutes[ib]
            .iter()
            .filter(|&&m| x.contains(m))
            .for_each(|&m| count(m)),
        (None, Some(y)) => sets.minutes[ia]
            .iter()
            .filter(|&&m| y.contains(m))
            .for_each(|&m| count(m)),
        (None, None) => {
            let (xs, ys) = (&sets.minutes[ia], &sets.minutes[ib]);
            let (mut i, mut j) = (0, 0);
            while i < xs.len() && j < ys.len() {
                match xs[i].cmp(&ys[j]) {
                    std::cmp::Ordering::Less => i += 1,
                    std::cmp::Ordering::Greater => j += 1,
                    std::cmp::Ordering::Equal => {
                        count(xs[i]);
                        i += 1;
                        j += 1;
                    }
                }
            }
        }
    }
    days
}

/// An upper bound on the minutes two accounts share: in each hour of the
/// day, the fewer of their active minutes in it.
pub fn shared_bound(a: &[u32; 24], b: &[u32; 24]) -> u32 {
    a.iter().zip(b).map(|(x, y)| (*x).min(*y)).sum()
}

/// Minutes two accounts would share by chance if each one's active minutes
/// fell at random within its own hours of the day: Σ_h a_h × b_h / M_h,
/// with `minutes_per_hour` = M_h, the minutes of the case in each hour of
/// the day. Two office workers of one timezone share their hours, not their
/// minutes; a shared scheduler shares the minutes.
pub fn expected_shared(a: &[u32; 24], b: &[u32; 24], minutes_per_hour: f64) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64::from(*x) * f64::from(*y))
        .sum::<f64>()
        / minutes_per_hour.max(1.0)
}

/// Candidate lock-step pairs (a < b, sorted): accounts with at least
/// `min_minutes` active minutes whose minute sets are alike, by MinHash LSH.
pub fn lockstep_candidates(minutes: &[Vec<u32>], min_minutes: usize, seed: u64) -> Vec<(u32, u32)> {
    let salts: Vec<u64> = (0..BANDS * ROWS)
        .map(|k| mix64(seed ^ (0x6c6f_636b_7374_6570 + k as u64)))
        .collect();
    // Each account's signature is its own: in parallel, in account order.
    use rayon::prelude::*;
    let signatures: Vec<(u32, [u64; BANDS * ROWS])> = minutes
        .par_iter()
        .enumerate()
        .filter(|(_, list)| list.len() >= min_minutes)
        .map(|(account, list)| {
            let mut sig = [u64::MAX; BANDS * ROWS];
            for &m in list {
                let h = mix64(u64::from(m));
                for (slot, salt) in sig.iter_mut().zip(&salts) {
                    let v = mix64(h ^ salt);
                    if v < *slot {
                        *slot = v;
                    }
                }
            }
            (account as u32, sig)
        })
        .collect();
    // Bands are independent: each one's pairs in parallel, then all of
    // them sorted and deduplicated.
    let mut out: Vec<(u32, u32)> = (0..BANDS)
        .into_par_iter()
        .flat_map_iter(|band| {
            let mut buckets: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
            for (account, sig) in &signatures {
                let rows = &sig[band * ROWS..(band + 1) * ROWS];
                let key = rows
                    .iter()
                    .fold(band as u64, |acc, v| mix64(acc ^ v.rotate_left(17)));
                buckets.entry(key).or_default().push(*account);
            }
            let mut pairs: Vec<(u32, u32)> = Vec::new();
            for (key, members) in &buckets {
                if members.len() < 2 {
                    continue;
                }
                super::pairs::for_each_pair(members, MAX_BUCKET_PAIRS_PER_MEMBER, *key, |a, b| {
                    pairs.push((a, b));
                });
            }
            pairs
        })
        .collect();
    out.par_sort_unstable();
    out.dedup();
    out
}

/// Starts compared with each stopping account, nearest first.
const MAX_STARTS_COMPARED: usize = 64;

/// One account taking over another's work.
#[derive(Clone, Debug, PartialEq)]
pub struct HandOff {
    /// The account that stopped.
    pub from: u32,
    /// The account that started.
    pub to: u32,
    /// Minutes between the last exchange of `from` and the first of `to`.
    pub gap_minutes: f64,
    /// Whether `from` was banned and `to` created within the gap window of
    /// its last exchange (ban-and-replace).
    pub replaced_ban: bool,
    /// Share of traffic the two put on the same template families.
    pub family_overlap: f64,
    /// Their behavioural similarity (combined).
    pub similarity: f64,
    /// Strength of the evidence, 0..1.
    pub strength: f64,
}

/// What [`hand_offs`] needs of each account.
pub struct Lifetime {
    /// Creation, ms.
    pub created_ms: i64,
    /// First exchange, ms.
    pub first_ms: Option<i64>,
    /// Last exchange, ms.
    pub last_ms: Option<i64>,
    /// Banned (an `account_banned` event).
    pub banned: bool,
}

/// Hand-offs: `from` stops at least `margin_ms` before the case ends, `to`
/// starts at least `margin_ms` after it begins and within `max_gap_ms` of
/// that stop, and the two do the same work — they share template families
/// (overlap ≥ 0.3) and behave alike (similarity ≥ 0.7, adoption aside),
/// with 10 or more exchanges and a reliable profile each. A banned account
/// replaced by one created within `max_gap_ms` of its last request needs
/// only 5 exchanges each, overlap ≥ 0.2 and similarity ≥ 0.55.
pub fn hand_offs(
    lifetimes: &[Lifetime],
    prints: &[Fingerprint],
    span_ms: (i64, i64),
    max_gap_ms: i64,
    margin_ms: i64,
) -> Vec<HandOff> {
    let mut starts: Vec<(i64, u32)> = lifetimes
        .iter()
        .enumerate()
        .filter_map(|(i, l)| Some((l.first_ms?, i as u32)))
        .filter(|(first, _)| *first >= span_ms.0 + margin_ms)
        .collect();
    starts.sort_unstable();
    let mut out = Vec::new();
    for (a, life) in lifetimes.iter().enumerate() {
        let Some(last) = life.last_ms else { continue };
        if last > span_ms.1 - margin_ms {
            continue;
        }
        let pa = &prints[a];
        let min_exchanges = if life.banned { 5 } else { 10 };
        if pa.exchanges < min_exchanges || !(pa.is_reliable() || life.banned) {
            continue;
        }
        let from = starts.partition_point(|(t, _)| *t < last);
        let mut best: Vec<HandOff> = Vec::new();
        // The nearest starts only: a wave of sign-ups costs a bounded
        // number of comparisons per stopping account.
        for &(first, b) in starts[from..]
            .iter()
            .take_while(|(t, _)| *t <= last + max_gap_ms)
            .take(MAX_STARTS_COMPARED)
        {
            if b as usize == a {
                continue;
            }
            let pb = &prints[b as usize];
            if pb.exchanges < min_exchanges || !(pb.is_reliable() || life.banned) {
                continue;
            }
            let (overlap, _) = family_overlap(pa, pb);
            // A successor that started after a release has not "adopted"
            // anything: compare the rest.
            let combined = similarity_without_adoption(pa, pb).combined;
            let gap = (first - last) as f64;
            let created_then = (lifetimes[b as usize].created_ms - last).abs() <= max_gap_ms;
            let replaced_ban = life.banned && created_then;
            // A banned account's replacement, created right then, needs less
            // to show it took over the same work (short lives give noisy
            // profiles); any other hand-off needs both.
            let same_work = if replaced_ban {
                overlap >= 0.2 && combined >= 0.55
            } else {
                overlap >= 0.3 && combined >= 0.7
            };
            if !same_work {
                continue;
            }
            let closeness = 1.0 - 0.5 * gap / max_gap_ms as f64;
            let strength =
                (if replaced_ban { 1.0 } else { 0.7 } * closeness * (overlap / 0.5).min(1.0))
                    .clamp(0.0, 1.0);
            best.push(HandOff {
                from: a as u32,
                to: b,
                gap_minutes: gap / 60_000.0,
                replaced_ban,
                family_overlap: overlap,
                similarity: combined,
                strength,
            });
        }
        best.sort_by(|x, y| y.strength.total_cmp(&x.strength).then(x.to.cmp(&y.to)));
        out.extend(best.into_iter().take(3));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::behaviour::tests::print;

    #[test]
    fn a_shared_scheduler_beats_a_shared_timezone() {
        // Two cron jobs firing at the same ticks, 24/7.
        let ticks: Vec<u32> = (0..3_000).map(|k| k * 10).collect();
        let a: Vec<u32> = ticks.iter().copied().filter(|t| t % 30 != 0).collect();
        let b: Vec<u32> = ticks.iter().copied().filter(|t| t % 40 != 0).collect();
        let span_minutes = 30_000.0;
        let per_hour = span_minutes / 24.0;
        let ha = minutes_by_hour(&[a.clone(), b.clone()]);
        let lift = shared_minutes(&a, &b) as f64 / expected_shared(&ha[0], &ha[1], per_hour);
        assert!(lift > 8.0, "{lift}");
        // Two people active at random minutes of the same office hours.
        let mut rng = crate::base::rng::Rng::new(3, 3);
        let office = |rng: &mut crate::base::rng::Rng| -> Vec<u32> {
            let mut v: Vec<u32> = (0..600)
                .map(|_| {
                    let day = rng.range(0, 20) as u32;
                    day * 1440 + 9 * 60 + rng.range(0, 8 * 60) as u32
                })
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        let (x, y) = (office(&mut rng), office(&mut rng));
        let hx = minutes_by_hour(&[x.clone(), y.clone()]);
        let lift = shared_minutes(&x, &y) as f64 / expected_shared(&hx[0], &hx[1], per_hour);
        assert!(lift < 1.6, "{lift}");
    }

    #[test]
    fn minute_sets_count_what_the_merge_counts() {
        let mut rng = crate::base::rng::Rng::new(9, 9);
        // Dense and sparse accounts, over short and long spans, some apart.
        let mut minutes: Vec<Vec<u32>> = Vec::new();
        for k in 0..60u32 {
            let start = rng.range(0, 5_000) as u32;
            let span = [50, 400, 3_000, 40_000][(k % 4) as usize];
            let count = [10, 30, 300, 2_000][(k / 4 % 4) as usize];
            let mut v: Vec<u32> = (0..count)
                .map(|_| start + rng.range(0, span) as u32)
                .collect();
            v.sort_unstable();
            v.dedup();
            minutes.push(v);
        }
        minutes.push(Vec::new());
        let sets = MinuteSets::new(&minutes, 20);
        let by_hour = minutes_by_hour(&minutes);
        for a in 0..minutes.len() {
            for b in 0..minutes.len() {
                let want = shared_minutes(&minutes[a], &minutes[b]);
                assert_eq!(sets.shared(a as u32, b as u32), want, "{a} {b}");
                assert!(shared_bound(&by_hour[a], &by_hour[b]) as usize >= want);
            }
        }
    }

    #[test]
    fn minhash_finds_lockstep_pairs_and_not_strangers() {
        let mut rng = crate::base::rng::Rng::new(5, 5);
        let mut minutes: Vec<Vec<u32>> = Vec::new();
        // Ten accounts on one scheduler's ticks (each skips a few).
        for _ in 0..10 {
            let v: Vec<u32> = (0..2_000u32)
                .map(|k| k * 10)
                .filter(|_| !rng.chance(0.1))
                .collect();
            minutes.push(v);
        }
        // Two hundred strangers at random minutes.
        for _ in 0..200 {
            let mut v: Vec<u32> = (0..300).map(|_| rng.range(0, 20_000) as u32).collect();
            v.sort_unstable();
            v.dedup();
            minutes.push(v);
        }
        let pairs = lockstep_candidates(&minutes, 20, 1);
        let inside = pairs.iter().filter(|(a, b)| *a < 10 && *b < 10).count();
        assert!(inside >= 40, "{inside} of 45 scheduler pairs found");
        let strangers = pairs.iter().filter(|(_, b)| *b >= 10).count();
        assert!(strangers <= 20, "{strangers} stranger pairs");
    }

    #[test]
    fn a_banned_account_replaced_within_minutes_on_the_same_work_is_a_hand_off() {
        let work = [(1, 0.3), (2, 0.3)];
        let prints = vec![
            print(None, 2.0, &work),
            print(None, 2.0, &work),
            // Starts at the same moment but on other work.
            print(None, 2.0, &[(7, 0.6)]),
            // Same work, but starts hours later.
            print(None, 2.0, &work),
        ];
        let h = 3_600_000;
        let life = |created: i64, first: i64, last: i64, banned: bool| Lifetime {
            created_ms: created,
            first_ms: Some(first),
            last_ms: Some(last),
            banned,
        };
        let lifetimes = vec![
            life(0, 10 * h, 100 * h, true),
            life(100 * h + 5 * 60_000, 100 * h + 9 * 60_000, 300 * h, false),
            life(-1000 * h, 100 * h + 9 * 60_000, 300 * h, false),
            life(100 * h + 5 * 60_000, 105 * h, 300 * h, false),
        ];
        let found = hand_offs(&lifetimes, &prints, (0, 400 * h), 60 * 60_000, 6 * h);
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!((found[0].from, found[0].to), (0, 1));
        assert!(found[0].replaced_ban && found[0].strength > 0.8);
    }
}
