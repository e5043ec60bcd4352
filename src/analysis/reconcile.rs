//! Carrying case work over a re-analysis: each old cluster is matched to its
//! successor (the new cluster holding most of its accounts that no analyst
//! placed), accounts an analyst placed follow their cluster's successor
//! whatever the algorithm says, and tags follow their cluster.

use std::collections::BTreeMap;

use crate::case::casework::{Carried, CarryOver};

use super::Cluster;

/// The successor of each old cluster, as a group of the new membership.
pub struct Successors {
    /// Old cluster id → new group.
    pub group_of: BTreeMap<String, u32>,
}

/// The effective membership: `algorithm` (a group per account) with every
/// pinned account moved to the successor of the cluster it was placed in.
/// An old cluster made only of pinned accounts (a split) stays a group of
/// its own.
pub fn membership_with_pins(algorithm: &[u32], carry: &CarryOver) -> (Vec<u32>, Successors) {
    let n = algorithm.len();
    let mut pinned = vec![false; n];
    for (account, _) in &carry.pins {
        if let Some(slot) = pinned.get_mut(*account as usize) {
            *slot = true;
        }
    }
    // Overlap of each old cluster's unpinned members with each new group.
    let mut overlap: BTreeMap<&str, BTreeMap<u32, u32>> = BTreeMap::new();
    let mut old_clusters: BTreeMap<&str, ()> = BTreeMap::new();
    for (account, cluster) in carry.cluster_of.iter().enumerate().take(n) {
        let Some(cluster) = cluster.as_deref() else {
            continue;
        };
        old_clusters.insert(cluster, ());
        if !pinned[account] {
            *overlap
                .entry(cluster)
                .or_default()
                .entry(algorithm[account])
                .or_default() += 1;
        }
    }
    let mut next_group = algorithm.iter().map(|&g| g + 1).max().unwrap_or(0);
    let mut group_of = BTreeMap::new();
    for cluster in old_clusters.keys() {
        let best = overlap.get(cluster).and_then(|groups| {
            // Most shared accounts; the lower group on a tie.
            groups
                .iter()
                .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
                .map(|(&g, _)| g)
        });
        let group = best.unwrap_or_else(|| {
            next_group += 1;
            next_group - 1
        });
        group_of.insert(cluster.to_string(), group);
    }
    let mut membership = algorithm.to_vec();
    for (account, cluster) in &carry.pins {
        if let (Some(slot), Some(&group)) =
            (membership.get_mut(*account as usize), group_of.get(cluster))
        {
            *slot = group;
        }
    }
    (membership, Successors { group_of })
}

/// Where pins and tags land once the effective membership is scored into
/// `clusters`, with a summary for the audit log.
pub fn carried(
    carry: &CarryOver,
    membership: &[u32],
    successors: &Successors,
    clusters: &[Cluster],
) -> Carried {
    let mut id_of_group: BTreeMap<u32, &str> = BTreeMap::new();
    for c in clusters {
        if let Some(&first) = c.members.first()
            && let Some(&g) = membership.get(first as usize)
        {
            id_of_group.insert(g, &c.id);
        }
    }
    let new_id = |account: u32| {
        membership
            .get(account as usize)
            .and_then(|g| id_of_group.get(g))
            .map(|s| s.to_string())
    };
    let pins: Vec<(u32, String)> = carry
        .pins
        .iter()
        .filter_map(|(a, _)| Some((*a, new_id(*a)?)))
        .collect();
    // Old size and accounts kept together, per old cluster that has a tag.
    let tagged: BTreeMap<&str, ()> = carry
        .cluster_tags
        .iter()
        .map(|(_, c)| (c.as_str(), ()))
        .collect();
    let mut kept: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    for (account, cluster) in carry.cluster_of.iter().enumerate() {
        let Some(cluster) = cluster.as_deref().filter(|c| tagged.contains_key(c)) else {
            continue;
        };
        let entry = kept.entry(cluster).or_default();
        entry.0 += 1;
        let successor = successors.group_of.get(cluster);
        if successor.is_some() && membership.get(account) == successor {
            entry.1 += 1;
        }
    }
    let mut tags = Vec::new();
    let mut moves = Vec::new();
    let mut lost = Vec::new();
    for (tag, cluster) in &carry.cluster_tags {
        let target = successors
            .group_of
            .get(cluster)
            .and_then(|g| id_of_group.get(g));
        match target {
            Some(target) => {
                tags.push((*tag, target.to_string()));
                let (size, together) = kept.get(cluster.as_str()).copied().unwrap_or_default();
                moves.push(format!(
                    "tag #{tag} {cluster} -> {target} ({together} of {size} accounts)"
                ));
            }
            None => lost.push(format!("tag #{tag} on {cluster}")),
        }
    }
    let suspected = clusters.iter().filter(|c| c.suspected).count();
    let mut summary = format!(
        "Analysis: {} clusters ({suspected} suspected)",
        clusters.len()
    );
    // The snapshots hold every move; the summary names the first few.
    const NAMED: usize = 8;
    if !moves.is_empty() {
        let mut named = moves
            .iter()
            .take(NAMED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if moves.len() > NAMED {
            named.push_str(&format!(" and {} more", moves.len() - NAMED));
        }
        summary.push_str(&format!("; tags followed their clusters: {named}"));
    }
    if !pins.is_empty() {
        summary.push_str(&format!(
            "; {} placed by analysts kept with their clusters",
            if pins.len() == 1 {
                "1 account".to_string()
            } else {
                format!("{} accounts", pins.len())
            }
        ));
    }
    if !lost.is_empty() {
        summary.push_str(&format!(
            "; no successor for {} (the cluster had no accounts)",
            lost.join(", ")
        ));
    }
    Carried {
        pins,
        tags,
        summary,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carry(cluster_of: &[&str], pins: &[(u32, &str)]) -> CarryOver {
        CarryOver {
            stamp: (0, 0),
            cluster_of: cluster_of.iter().map(|c| Some(c.to_string())).collect(),
            pins: pins.iter().map(|(a, c)| (*a, c.to_string())).collect(),
            cluster_tags: Vec::new(),
        }
    }

    #[test]
    fn pinned_accounts_follow_the_successor_of_their_cluster() {
        // Old: c1 = {0,1,2,3} where 3 was merged in by hand; c5 = {4,5}.
        // The algorithm puts 3 with 4 and 5 again.
        let carry = carry(&["c1", "c1", "c1", "c1", "c5", "c5"], &[(3, "c1")]);
        let algorithm = [0, 0, 0, 1, 1, 1];
        let (membership, successors) = membership_with_pins(&algorithm, &carry);
        assert_eq!(membership, vec![0, 0, 0, 0, 1, 1]);
        assert_eq!(successors.group_of["c1"], 0);
        assert_eq!(successors.group_of["c5"], 1);
    }

    #[test]
    fn a_cluster_made_only_of_pinned_accounts_stays_its_own_group() {
        // a3 was split off by hand from c1; the algorithm merges everything.
        let carry = carry(&["c1", "c1", "a3", "a3"], &[(2, "a3"), (3, "a3")]);
        let algorithm = [0, 0, 0, 0];
        let (membership, successors) = membership_with_pins(&algorithm, &carry);
        assert_eq!(membership, vec![0, 0, 1, 1]);
        assert_eq!(successors.group_of["a3"], 1);
    }

    #[test]
    fn the_successor_is_the_group_with_most_of_the_cluster_and_ties_go_low() {
        let carry = carry(&["c1", "c1", "c1", "c1", "c1"], &[]);
        let (_, successors) = membership_with_pins(&[2, 2, 1, 1, 0], &carry);
        assert_eq!(successors.group_of["c1"], 1);
        let (_, successors) = membership_with_pins(&[2, 2, 2, 1, 1], &carry);
        assert_eq!(successors.group_of["c1"], 2);
    }
}
