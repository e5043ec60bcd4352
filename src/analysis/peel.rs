//! After clustering: accounts only loosely tied to their cluster are left
//! on their own. Modularity optimisation puts an account whose only link
//! goes into a cluster into that cluster however light the link, so one
//! residential proxy exit shared with a campaign account (or one relayed
//! prompt) would pull an ordinary user into a campaign's cluster. An
//! account keeps its cluster only if its links into it weigh at least a
//! share of what the cluster's well-tied members' do.

/// The corrections after Leiden, in order: split at bridges, peel loosely
/// tied accounts, shed light address-only ties in small clusters, and split
/// at bridges again (loners peeled off can leave two groups that only they
/// had tied together).
///
/// `places` says, per edge, whether it rests only on shared places, and
/// which (see [`peel`]).
pub fn refine(
    n: usize,
    edges: &[(u32, u32, f64)],
    address_only: &[bool],
    places: &[Option<u64>],
    membership: &[u32],
    params: &super::Params,
) -> Vec<u32> {
    let bridges = |m: &[u32]| split_bridges(n, edges, m, params.bridge_conductance, params.seed);
    let split = bridges(membership);
    let peeled = peel(
        n,
        edges,
        places,
        &split,
        params.peel_share,
        params.peel_floor,
    );
    let shed = split_address_pairs(edges, address_only, &peeled, params.pair_min_address_weight);
    dense(&bridges(&shed))
}

/// Labels renumbered 0, 1, 2, … in order of first appearance (splitting
/// hands out labels above the largest).
fn dense(membership: &[u32]) -> Vec<u32> {
    let mut map: rustc_hash::FxHashMap<u32, u32> = Default::default();
    membership
        .iter()
        .map(|&c| {
            let next = map.len() as u32;
            *map.entry(c).or_insert(next)
        })
        .collect()
}

/// Splits off every account of a cluster of three or more whose total
/// link weight into its cluster is below `share` × that of the cluster's
/// well-tied members (the 90th percentile) and below `floor` in absolute
/// terms, so that groups of equals stay whole. Repeats until nothing moves (at most 4 rounds).
/// Split-off accounts become clusters of one, numbered after the others.
///
/// `places` holds, per edge, `Some(signature)` when the edge rests only on
/// shared places (an e-mail domain, addresses, a client; equal signatures:
/// the same places) and `None` when it rests on anything more (an empty
/// slice: every edge does). An account's place links with one signature
/// count once, at the strongest: a student whose only tie to forty accounts
/// is the university's e-mail domain is tied by one fact, not forty. And
/// in a cluster most of whose members are tied by more than places (by
/// their work, a card, their timing), a member tied to it by places alone
/// is split off: that is someone whose home is a campaign's proxy exit, or
/// who studies where a campaign registers its fake students. A cluster
/// tied mostly by places (a household, a company, a campus) keeps them.
pub fn peel(
    n: usize,
    edges: &[(u32, u32, f64)],
    places: &[Option<u64>],
    membership: &[u32],
    share: f64,
    floor: f64,
) -> Vec<u32> {
    let mut out = membership.to_vec();
    let mut next = out.iter().copied().max().map_or(0, |m| m + 1);
    // Rounds by weight until nothing moves, then one round for members tied
    // by places alone (after the others, so that their leaving does not
    // make a campaign account tied by its work look loose).
    for _ in 0..4 {
        if !peel_round(n, edges, places, &mut out, &mut next, |members, ties| {
            let mut strengths: Vec<f64> =
                members.iter().map(|&a| ties.weight[a as usize]).collect();
            strengths.sort_by(f64::total_cmp);
            // The reference is the cluster's well-tied core (its 90th
            // percentile): a cluster can be half loners, and their median
            // would excuse them.
            let core = strengths[(strengths.len() * 9 / 10).min(strengths.len() - 1)];
            let limit = (share * core).min(floor.max(0.0)).max(0.0);
            members
                .iter()
                .copied()
                .filter(|&a| ties.weight[a as usize] < limit)
                .collect()
        }) {
            break;
        }
    }
    if !places.is_empty() {
        peel_round(n, edges, places, &mut out, &mut next, |members, ties| {
            let by_work = members
                .iter()
                .filter(|&&a| ties.more_than_places[a as usize])
                .count();
            if 2 * by_work <= members.len() {
                return Vec::new();
            }
            members
                .iter()
                .copied()
                .filter(|&a| !ties.more_than_places[a as usize])
                .collect()
        });
    }
    out
}

/// One round of [`peel`]: every cluster of three or more loses the members
/// `leaving` picks, each becoming a cluster of one. Whether any moved.
fn peel_round(
    n: usize,
    edges: &[(u32, u32, f64)],
    places: &[Option<u64>],
    out: &mut [u32],
    next: &mut u32,
    leaving: impl Fn(&[u32], &Ties) -> Vec<u32>,
) -> bool {
    let ties = ties_inside(n, edges, places, out);
    let mut by_cluster: rustc_hash::FxHashMap<u32, Vec<u32>> = Default::default();
    for (account, &c) in out.iter().enumerate() {
        by_cluster.entry(c).or_default().push(account as u32);
    }
    let mut clusters: Vec<(u32, Vec<u32>)> = by_cluster.into_iter().collect();
    clusters.sort_unstable_by_key(|(c, _)| *c);
    let mut moved = false;
    for (_, members) in clusters {
        if members.len() < 3 {
            continue;
        }
        for a in leaving(&members, &ties) {
            out[a as usize] = *next;
            *next += 1;
            moved = true;
        }
    }
    moved
}

/// Each account's ties into its own cluster.
struct Ties {
    /// Link weight, place links with one signature counted once.
    weight: Vec<f64>,
    /// Whether some link rests on more than places.
    more_than_places: Vec<bool>,
}

fn ties_inside(n: usize, edges: &[(u32, u32, f64)], places: &[Option<u64>], out: &[u32]) -> Ties {
    let mut weight = vec![0.0f64; n];
    let mut more_than_places = vec![false; n];
    let mut strongest: rustc_hash::FxHashMap<(usize, u64), f64> = Default::default();
    for (i, &(a, b, w)) in edges.iter().enumerate() {
        let (a, b) = (a as usize, b as usize);
        if a >= n || b >= n || out[a] != out[b] {
            continue;
        }
        match places.get(i).copied().flatten() {
            None => {
                weight[a] += w;
                weight[b] += w;
                more_than_places[a] = true;
                more_than_places[b] = true;
            }
            Some(signature) => {
                for x in [a, b] {
                    let best = strongest.entry((x, signature)).or_insert(0.0);
                    if w > *best {
                        weight[x] += w - *best;
                        *best = w;
                    }
                }
            }
        }
    }
    Ties {
        weight,
        more_than_places,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Edges = (Vec<(u32, u32, f64)>, Vec<Option<u64>>);

    /// Six accounts tied by their work (links with no place signature),
    /// and `extra` more edges.
    fn job_of_six(extra: &[(u32, u32, f64, Option<u64>)]) -> Edges {
        let mut edges = Vec::new();
        let mut places = Vec::new();
        for a in 0..6u32 {
            for b in a + 1..6 {
                edges.push((a, b, 0.6));
                places.push(None);
            }
        }
        for &(a, b, w, p) in extra {
            edges.push((a, b, w));
            places.push(p);
        }
        (edges, places)
    }

    #[test]
    fn one_shared_place_counts_once_and_a_place_tie_alone_leaves_a_cluster_tied_by_work() {
        // Account 6 shares the university's domain (one place) with four
        // of the job's accounts: 4 × 0.5 would pass as well tied.
        let domain = Some(7);
        let (edges, places) = job_of_six(&[
            (0, 6, 0.5, domain),
            (1, 6, 0.5, domain),
            (2, 6, 0.5, domain),
            (3, 6, 0.5, domain),
        ]);
        let membership = vec![0; 7];
        let peeled = peel(7, &edges, &places, &membership, 0.25, 1.0);
        assert!(peeled[..6].iter().all(|&c| c == 0), "{peeled:?}");
        assert_ne!(peeled[6], 0, "the student leaves: {peeled:?}");
        // Without place signatures the four links add up and it stays.
        let kept = peel(7, &edges, &[], &membership, 0.25, 1.0);
        assert_eq!(kept[6], 0);
        // Tied by work as well (a shared template family), it stays.
        let (edges, places) = job_of_six(&[(0, 6, 0.5, domain), (1, 6, 0.5, None)]);
        let kept = peel(7, &edges, &places, &membership, 0.25, 1.0);
        assert_eq!(kept[6], 0, "{kept:?}");
    }

    #[test]
    fn a_member_heavy_on_distinct_places_alone_leaves_a_cluster_tied_by_work() {
        // Account 6 shares a different address with each of four members
        // (0.9 each: 3.6, well above the weight limit) and nothing else:
        // only the round by places takes it out.
        let (edges, places) = job_of_six(&[
            (0, 6, 0.9, Some(1)),
            (1, 6, 0.9, Some(2)),
            (2, 6, 0.9, Some(3)),
            (3, 6, 0.9, Some(4)),
        ]);
        let membership = vec![0; 7];
        let peeled = peel(7, &edges, &places, &membership, 0.25, 1.0);
        assert!(peeled[..6].iter().all(|&c| c == 0), "{peeled:?}");
        assert_ne!(peeled[6], 0, "{peeled:?}");
        // The same ties marked as more than places keep it.
        let (edges, _) = job_of_six(&[
            (0, 6, 0.9, None),
            (1, 6, 0.9, None),
            (2, 6, 0.9, None),
            (3, 6, 0.9, None),
        ]);
        let kept = peel(7, &edges, &[], &membership, 0.25, 1.0);
        assert_eq!(kept[6], 0, "{kept:?}");
    }

    #[test]
    fn a_cluster_tied_by_places_keeps_its_members() {
        // A household and its neighbours: five accounts on distinct shared
        // addresses only.
        let mut edges = Vec::new();
        let mut places = Vec::new();
        for a in 0..5u32 {
            for b in a + 1..5 {
                edges.push((a, b, 0.8));
                places.push(Some(u64::from(a * 10 + b)));
            }
        }
        let membership = vec![0; 5];
        assert_eq!(peel(5, &edges, &places, &membership, 0.25, 1.0), membership);
    }

    #[test]
    fn a_loner_with_one_light_link_into_a_tight_cluster_is_left_alone() {
        // A tight clique of six, and account 6 with one light link into it.
        let mut edges = Vec::new();
        for a in 0..6u32 {
            for b in a + 1..6 {
                edges.push((a, b, 1.0));
            }
        }
        edges.push((0, 6, 0.2));
        let membership = vec![0, 0, 0, 0, 0, 0, 0];
        let peeled = peel(7, &edges, &[], &membership, 0.15, 2.0);
        assert!(peeled[..6].iter().all(|&c| c == 0));
        assert_ne!(peeled[6], 0);
        // A member with real ties stays.
        edges.push((1, 6, 1.0));
        let kept = peel(7, &edges, &[], &membership, 0.15, 2.0);
        assert_eq!(kept[6], 0);
    }

    #[test]
    fn small_groups_and_chains_of_equals_stay_whole() {
        let edges = vec![(0, 1, 0.3), (1, 2, 0.3), (2, 3, 0.3)];
        let membership = vec![0, 0, 0, 0];
        assert_eq!(peel(4, &edges, &[], &membership, 0.15, 2.0), membership);
    }
}

/// Splits clusters at bridges. Modularity has a resolution limit: two
/// small groups joined by one light link in a large graph score higher
/// merged than apart, so Leiden merges them — two campaigns that once used
/// one proxy exit become one cluster. Each cluster of six or more accounts
/// is clustered again on its own links; every part whose links out to the
/// rest of the cluster weigh at most `max_conductance` of its links (cut /
/// the smaller volume) becomes a cluster of its own, numbered after the
/// others.
pub fn split_bridges(
    n: usize,
    edges: &[(u32, u32, f64)],
    membership: &[u32],
    max_conductance: f64,
    seed: u64,
) -> Vec<u32> {
    let mut out = membership.to_vec();
    let mut next = out.iter().copied().max().map_or(0, |m| m + 1);
    let mut by_cluster: rustc_hash::FxHashMap<u32, Vec<u32>> = Default::default();
    for (account, &c) in membership.iter().enumerate().take(n) {
        by_cluster.entry(c).or_default().push(account as u32);
    }
    let mut inner: rustc_hash::FxHashMap<u32, Vec<(u32, u32, f64)>> = Default::default();
    for &(a, b, w) in edges {
        let (ca, cb) = (membership.get(a as usize), membership.get(b as usize));
        if let (Some(ca), Some(cb)) = (ca, cb)
            && ca == cb
        {
            inner.entry(*ca).or_default().push((a, b, w));
        }
    }
    let mut clusters: Vec<(u32, Vec<u32>)> = by_cluster
        .into_iter()
        .filter(|(_, m)| m.len() >= 6)
        .collect();
    clusters.sort_unstable_by_key(|(c, _)| *c);
    for (c, members) in clusters {
        let local: rustc_hash::FxHashMap<u32, u32> = members
            .iter()
            .enumerate()
            .map(|(i, &a)| (a, i as u32))
            .collect();
        let local_edges: Vec<(u32, u32, f64)> = inner
            .get(&c)
            .map(|list| {
                list.iter()
                    .map(|&(a, b, w)| (local[&a], local[&b], w))
                    .collect()
            })
            .unwrap_or_default();
        if local_edges.is_empty() {
            continue;
        }
        let parts = super::leiden::leiden(members.len(), &local_edges, 1.0, seed, 2);
        let count = parts.iter().copied().max().map_or(0, |m| m as usize + 1);
        if count < 2 {
            continue;
        }
        let mut volume = vec![0.0f64; count];
        let mut cut = vec![0.0f64; count];
        for &(a, b, w) in &local_edges {
            let (pa, pb) = (parts[a as usize] as usize, parts[b as usize] as usize);
            volume[pa] += w;
            volume[pb] += w;
            if pa != pb {
                cut[pa] += w;
                cut[pb] += w;
            }
        }
        let total: f64 = volume.iter().sum();
        // The largest part stays; each other part split off is a bridge's far side.
        let largest = (0..count)
            .max_by(|&x, &y| volume[x].total_cmp(&volume[y]).then(y.cmp(&x)))
            .unwrap_or(0);
        for p in 0..count {
            if p == largest {
                continue;
            }
            let smaller = volume[p].min(total - volume[p]);
            if smaller > 0.0 && cut[p] / smaller <= max_conductance {
                for (i, &a) in members.iter().enumerate() {
                    if parts[i] as usize == p {
                        out[a as usize] = next;
                    }
                }
                next += 1;
            }
        }
    }
    out
}

/// In clusters of up to five accounts, leaves on its own every account
/// whose links into its cluster are made only of address evidence (request
/// or sign-up address, prefix) and weigh less than `min_weight` in all.
/// Two people of one household are tied by more, or more strongly; a
/// campaign account that signed up through a residential proxy exit that is
/// someone's home is not that person's relation. (In larger clusters
/// [`peel`] does this against the cluster's core.)
pub fn split_address_pairs(
    edges: &[(u32, u32, f64)],
    address_only: &[bool],
    membership: &[u32],
    min_weight: f64,
) -> Vec<u32> {
    const SMALL: usize = 5;
    let mut out = membership.to_vec();
    let mut size: rustc_hash::FxHashMap<u32, usize> = Default::default();
    for &c in membership {
        *size.entry(c).or_default() += 1;
    }
    // Per account of a small cluster: (weight into it, all address-only).
    let mut ties: rustc_hash::FxHashMap<u32, (f64, bool)> = Default::default();
    for (i, &(a, b, w)) in edges.iter().enumerate() {
        let (Some(&ca), Some(&cb)) = (membership.get(a as usize), membership.get(b as usize))
        else {
            continue;
        };
        if ca != cb || size.get(&ca).is_none_or(|&s| s > SMALL) {
            continue;
        }
        let only = address_only.get(i).copied().unwrap_or(false);
        for x in [a, b] {
            let slot = ties.entry(x).or_insert((0.0, true));
            slot.0 += w;
            slot.1 &= only;
        }
    }
    let mut loose: Vec<u32> = ties
        .into_iter()
        .filter(|(_, (w, only))| *only && *w < min_weight)
        .map(|(a, _)| a)
        .collect();
    loose.sort_unstable();
    let first = out.iter().copied().max().map_or(0, |m| m + 1);
    for (next, a) in (first..).zip(loose) {
        out[a as usize] = next;
    }
    out
}

#[cfg(test)]
mod bridge_tests {
    use super::*;

    #[test]
    fn two_groups_joined_by_one_light_link_are_split_and_a_dense_group_is_not() {
        let mut edges = Vec::new();
        for (lo, hi) in [(0u32, 8u32), (8, 16)] {
            for a in lo..hi {
                for b in a + 1..hi {
                    edges.push((a, b, 0.8));
                }
            }
        }
        edges.push((3, 12, 0.17));
        let membership = vec![0u32; 16];
        let split = split_bridges(16, &edges, &membership, 0.05, 1);
        assert!(split[..8].iter().all(|&c| c == split[0]));
        assert!(split[8..].iter().all(|&c| c == split[8]));
        assert_ne!(split[0], split[8]);
        // One dense group stays whole.
        let dense: Vec<(u32, u32, f64)> = edges.iter().copied().filter(|e| e.1 < 8).collect();
        let whole = split_bridges(16, &dense, &membership, 0.05, 1);
        assert!(whole[..8].iter().all(|&c| c == whole[0]));
    }

    #[test]
    fn a_member_of_a_small_cluster_tied_only_by_a_light_address_link_is_split() {
        let edges = vec![(0, 1, 0.2), (2, 3, 0.2), (4, 5, 0.6)];
        let membership = vec![0, 0, 1, 1, 2, 2];
        let split = split_address_pairs(&edges, &[true, false, true], &membership, 0.35);
        assert_ne!(split[0], split[1], "light address-only pair");
        // In a triple, the member tied only by a light address link goes.
        let triple = vec![(0, 1, 0.6), (1, 2, 0.2)];
        let kept = split_address_pairs(&triple, &[false, true], &[0, 0, 0], 0.35);
        assert_eq!(kept[0], kept[1]);
        assert_ne!(kept[1], kept[2]);
        assert_eq!(split[2], split[3], "other evidence keeps a pair");
        assert_eq!(split[4], split[5], "a strong address link keeps a pair");
    }
}
