//! Near-duplicate prompt-template families: SimHashes within a small
//! Hamming distance, found without comparing every pair.
//!
//! Pigeonhole: two 64-bit hashes within distance `d` < 4 agree exactly on at
//! least one of four 16-bit blocks, so only hashes sharing a block are
//! compared. Families are the connected components of "within distance".

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

/// For each hash, the index of its family (the smallest index in it).
/// `max_distance` must be below 4.
pub fn families(hashes: &[u64], max_distance: u32) -> Vec<u32> {
    assert!(max_distance < 4, "block index needs max_distance < 4");
    let mut uf = UnionFind::new(hashes.len());
    for block in 0..4 {
        let shift = block * 16;
        let mut buckets: FxHashMap<u16, Vec<u32>> = FxHashMap::default();
        for (i, h) in hashes.iter().enumerate() {
            buckets
                .entry((h >> shift) as u16)
                .or_default()
                .push(i as u32);
        }
        let mut keys: Vec<u16> = buckets.keys().copied().collect();
        keys.sort_unstable();
        for key in keys {
            let members = &buckets[&key];
            if members.len() > 4096 {
                // A block value shared by thousands of hashes carries no
                // signal and would cost a quadratic comparison.
                continue;
            }
            for (x, &i) in members.iter().enumerate() {
                for &j in &members[x + 1..] {
                    if (hashes[i as usize] ^ hashes[j as usize]).count_ones() <= max_distance {
                        uf.union(i, j);
                    }
                }
            }
        }
    }
    (0..hashes.len() as u32).map(|i| uf.find(i)).collect()
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
    fn chains_of_near_duplicates_form_one_family() {
        let a = 0u64;
        let hashes = [a, a ^ 0b111, a ^ 0b111_000, a ^ 0b111_000_000];
        let fam = families(&hashes, 3);
        assert!(fam.iter().all(|f| *f == 0), "{fam:?}");
    }
}
