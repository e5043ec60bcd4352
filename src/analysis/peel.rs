//! After clustering: accounts only loosely tied to their cluster are left
//! on their own. Modularity optimisation puts an account whose only link
//! goes into a cluster into that cluster however light the link, so one
//! residential proxy exit shared with a campaign account (or one relayed
//! prompt) would pull an ordinary user into a campaign's cluster. An
//! account keeps its cluster only if its links into it weigh at least a
//! share of what the cluster's well-tied members' do.

/// Splits off every account of a cluster of three or more whose total
/// link weight into its cluster is below `share` × that of the cluster's
/// well-tied members (the 90th percentile) and below `floor` in absolute
/// terms, so that groups of equals stay whole. Repeats until nothing moves (at most 4 rounds).
/// Split-off accounts become clusters of one, numbered after the others.
pub fn peel(
    n: usize,
    edges: &[(u32, u32, f64)],
    membership: &[u32],
    share: f64,
    floor: f64,
) -> Vec<u32> {
    let mut out = membership.to_vec();
    let mut next = out.iter().copied().max().map_or(0, |m| m + 1);
    for _ in 0..4 {
        let mut inside = vec![0.0f64; n];
        for &(a, b, w) in edges {
            let (a, b) = (a as usize, b as usize);
            if a < n && b < n && out[a] == out[b] {
                inside[a] += w;
                inside[b] += w;
            }
        }
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
            let mut strengths: Vec<f64> = members.iter().map(|&a| inside[a as usize]).collect();
            strengths.sort_by(f64::total_cmp);
            // The reference is the cluster's well-tied core (its 90th
            // percentile): a cluster can be half loners, and their median
            // would excuse them.
            let core = strengths[(strengths.len() * 9 / 10).min(strengths.len() - 1)];
            let limit = (share * core).min(floor.max(0.0)).max(0.0);
            for &a in &members {
                if inside[a as usize] < limit {
                    out[a as usize] = next;
                    next += 1;
                    moved = true;
                }
            }
        }
        if !moved {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let peeled = peel(7, &edges, &membership, 0.15, 2.0);
        assert!(peeled[..6].iter().all(|&c| c == 0));
        assert_ne!(peeled[6], 0);
        // A member with real ties stays.
        edges.push((1, 6, 1.0));
        let kept = peel(7, &edges, &membership, 0.15, 2.0);
        assert_eq!(kept[6], 0);
    }

    #[test]
    fn small_groups_and_chains_of_equals_stay_whole() {
        let edges = vec![(0, 1, 0.3), (1, 2, 0.3), (2, 3, 0.3)];
        let membership = vec![0, 0, 0, 0];
        assert_eq!(peel(4, &edges, &membership, 0.15, 2.0), membership);
    }
}
