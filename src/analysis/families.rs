//! Near-duplicate prompt-template families: the SimHashes the import
//! recorded, grouped by a small Hamming distance without comparing every
//! pair (multi-index hashing), and the union-find that joins them.

use rustc_hash::FxHashMap;

/// Union-find over `0..n`.
pub struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    /// `n` singletons.
    pub fn new(n: usize) -> Self {
        Self {
            parent: (0..n as u32).collect(),
        }
    }

    /// The representative of `x`.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand;
            x = grand;
        }
        x
    }

    /// Joins the sets of `a` and `b` (the smaller index becomes the root, so
    /// results do not depend on the order of unions).
    pub fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }
}

/// Largest Hamming radius [`families`] accepts: the index splits a hash
/// into `radius + 1` blocks, which must stay at least 4 bits wide.
pub const MAX_RADIUS: u32 = 15;

/// A block value shared by more hashes than this is skipped: it carries no
/// signal and would cost a quadratic comparison. With 7-bit blocks (radius
/// 8) that is reached only past ~500,000 distinct templates.
const MAX_BUCKET: usize = 4096;

/// For each hash, the index of its family (the smallest index in it): the
/// connected components of "within `radius` bits". Paraphrased prompts land
/// a few bits from their skeleton's hash, so two paraphrases of one
/// skeleton can be twice that apart; chains join them.
///
/// Multi-index hashing: the 64 bits are cut into `radius + 1` blocks, and
/// two hashes within `radius` bits agree exactly on at least one block
/// (pigeonhole), so only hashes sharing a block value are compared.
pub fn families(hashes: &[u64], radius: u32) -> Vec<u32> {
    let radius = radius.min(MAX_RADIUS);
    let blocks = radius + 1;
    let mut uf = UnionFind::new(hashes.len());
    // Distinct hashes only: a value repeated is one node.
    let mut first_of: FxHashMap<u64, u32> = FxHashMap::default();
    let mut distinct: Vec<u32> = Vec::new();
    for (i, h) in hashes.iter().enumerate() {
        match first_of.get(h) {
            Some(&j) => uf.union(i as u32, j),
            None => {
                first_of.insert(*h, i as u32);
                distinct.push(i as u32);
            }
        }
    }
    // Each block's buckets are compared on their own, in parallel; the
    // near pairs found are joined afterwards (the families do not depend
    // on the order of joins: a family's root is its smallest index).
    use rayon::prelude::*;
    let mut ranges: Vec<(u32, u64)> = Vec::new();
    let mut bit = 0u32;
    for block in 0..blocks {
        // Widths differ by at most one bit and sum to 64.
        let width = 64 / blocks + u32::from(block < 64 % blocks);
        let mask = if width >= 64 {
            u64::MAX
        } else {
            (1u64 << width) - 1
        };
        ranges.push((bit, mask));
        bit += width;
    }
    let buckets: Vec<Vec<u32>> = ranges
        .par_iter()
        .flat_map_iter(|&(bit, mask)| {
            let mut buckets: FxHashMap<u64, Vec<u32>> = FxHashMap::default();
            for &i in &distinct {
                buckets
                    .entry((hashes[i as usize] >> bit) & mask)
                    .or_default()
                    .push(i);
            }
            buckets
                .into_values()
                .filter(|members| members.len() >= 2 && members.len() <= MAX_BUCKET)
        })
        .collect();
    let near: Vec<(u32, u32)> = buckets
        .par_iter()
        .flat_map_iter(|members| near_pairs(members, hashes, radius))
        .collect();
    for (i, j) in near {
        uf.union(i, j);
    }
    (0..hashes.len() as u32).map(|i| uf.find(i)).collect()
}

/// The pairs of `members` (indices into `hashes`) within `radius` bits.
fn near_pairs(members: &[u32], hashes: &[u64], radius: u32) -> Vec<(u32, u32)> {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has the popcount instruction (checked just above).
        return unsafe { near_pairs_popcnt(members, hashes, radius) };
    }
    near_pairs_body(members, hashes, radius)
}

/// [`near_pairs`] compiled with the popcount instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn near_pairs_popcnt(members: &[u32], hashes: &[u64], radius: u32) -> Vec<(u32, u32)> {
    near_pairs_body(members, hashes, radius)
}

#[inline(always)]
fn near_pairs_body(members: &[u32], hashes: &[u64], radius: u32) -> Vec<(u32, u32)> {
    let mut near = Vec::new();
    for (x, &i) in members.iter().enumerate() {
        let h = hashes[i as usize];
        for &j in &members[x + 1..] {
            if (h ^ hashes[j as usize]).count_ones() <= radius {
                near.push((i, j));
            }
        }
    }
    near
}

/// Σ over word pairs of the bits set in both: with the popcount
/// instruction where the CPU has it (checked at run time).
pub(crate) fn and_count(x: &[u64], y: &[u64]) -> usize {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has the popcount instruction (checked just above).
        return unsafe { and_count_popcnt(x, y) };
    }
    and_count_body(x, y)
}

/// [`and_count`] compiled with the popcount instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
fn and_count_popcnt(x: &[u64], y: &[u64]) -> usize {
    and_count_body(x, y)
}

#[inline(always)]
fn and_count_body(x: &[u64], y: &[u64]) -> usize {
    x.iter()
        .zip(y)
        .map(|(p, q)| (p & q).count_ones() as usize)
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_duplicates_join_and_strangers_do_not() {
        let base = 0xdead_beef_1234_5678u64;
        let hashes = [
            base,
            base ^ 0b101,
            base ^ (1 << 63) ^ (1 << 40) ^ 1,
            !base,
            base ^ 0xf0f0,
        ];
        let fam = families(&hashes, 3);
        assert_eq!(fam[0], fam[1]);
        assert_eq!(fam[0], fam[2]);
        assert_ne!(fam[0], fam[3]);
        assert_ne!(fam[0], fam[4], "8 bits apart");
    }

    #[test]
    fn paraphrases_a_few_bits_from_one_skeleton_join_at_radius_eight() {
        let centre = 0x0123_4567_89ab_cdefu64;
        // Five bits off the centre each, on different bits: 10 bits apart
        // pairwise, but chained through variants that overlap.
        let variants = [
            centre ^ 0b1_1111,
            centre ^ (0b1_1110 << 1),
            centre ^ (0b1_1111 << 4),
            centre ^ (0b1_1111 << 8),
            centre ^ (0b1111 << 11) ^ (1 << 40),
        ];
        let mut hashes = variants.to_vec();
        hashes.push(!centre);
        let fam = families(&hashes, 8);
        assert!(fam[..5].iter().all(|f| *f == 0), "{fam:?}");
        assert_ne!(fam[5], 0, "a stranger stays apart");
        let strict = families(&hashes, 3);
        assert_ne!(strict[0], strict[3], "radius 3 keeps paraphrases apart");
    }

    #[test]
    fn random_hashes_do_not_chain_at_radius_eight() {
        let mut rng = crate::base::rng::Rng::new(7, 1);
        let hashes: Vec<u64> = (0..20_000).map(|_| rng.next_u64()).collect();
        let fam = families(&hashes, 8);
        let joined = fam
            .iter()
            .enumerate()
            .filter(|(i, f)| **f as usize != *i)
            .count();
        assert!(joined <= 2, "{joined} random hashes joined a family");
    }

    #[test]
    fn repeated_hashes_are_one_family() {
        let fam = families(&[5, 9, 5, u64::MAX], 8);
        assert_eq!(fam[0], fam[2]);
    }

    #[test]
    fn chains_of_near_duplicates_form_one_family() {
        let a = 0u64;
        let hashes = [a, a ^ 0b111, a ^ 0b111_000, a ^ 0b111_000_000];
        let fam = families(&hashes, 3);
        assert!(fam.iter().all(|f| *f == 0), "{fam:?}");
    }
}
