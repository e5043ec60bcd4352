//! Bounded pairing of a group of accounts that share something: all pairs
//! of a small group, a shuffled ring of a large one. Used by the evidence
//! graph, co-activity and campaign grouping alike.

/// Calls `f(a, b)` (a < b) for every pair of a small group, and for a large
/// one for each member and its `ring` next members in a value-specific
/// shuffled order: about `ring × m` pairs instead of m²/2, still one
/// connected group.
pub(crate) fn for_each_pair(members: &[u32], ring: usize, salt: u64, mut f: impl FnMut(u32, u32)) {
    let m = members.len();
    if m <= 2 * ring + 1 {
        for (i, &a) in members.iter().enumerate() {
            for &b in &members[i + 1..] {
                f(a.min(b), a.max(b));
            }
        }
        return;
    }
    let mut order: Vec<u32> = members.to_vec();
    order.sort_unstable_by_key(|&a| crate::base::rng::mix64(u64::from(a) ^ salt));
    for i in 0..m {
        for step in 1..=ring {
            let (a, b) = (order[i], order[(i + step) % m]);
            f(a.min(b), a.max(b));
        }
    }
}
