//! Carrying case work over a re-analysis: each old cluster is matched to its
//! successor (the new cluster holding most of its accounts that no analyst
//! placed), accounts an analyst placed follow their cluster's successor
//! whatever the algorithm says, and tags follow their cluster.

use std::collections::{BTreeMap, BTreeSet};

use crate::facts::{Carried, CarryOver};

use super::Cluster;
use super::campaigns::Campaign;

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
/// `clusters` and grouped into `campaigns`, with a summary for the audit
/// log.
pub fn carried(
    carry: &CarryOver,
    membership: &[u32],
    successors: &Successors,
    clusters: &[Cluster],
    campaigns: &[Campaign],
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
    let (extended, widened) = extend_campaign_tags(carry, &tags, clusters, campaigns);
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
    for line in &widened {
        summary.push_str("; ");
        summary.push_str(line);
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
        extended,
        summary,
    }
}

/// Share of an old campaign's accounts whose clusters must carry one label
/// for the campaign to count as tagged with it (a campaign tagged in one
/// action has all of them).
const TAGGED_CAMPAIGN_SHARE: f64 = 0.9;

/// A tagged campaign's tag carried over to its successor: each old campaign
/// whose clusters (by accounts, at least [`TAGGED_CAMPAIGN_SHARE`]) carry
/// one label has as successor the new campaign holding most of its
/// accounts — when they are also most of that campaign's — and every
/// cluster of the successor left without any tag gets a copy of the
/// campaign's newest tag with that label. Returns the copies (template tag id, new
/// cluster) and a line per widened campaign for the audit log.
fn extend_campaign_tags(
    carry: &CarryOver,
    tags: &[(i64, String)],
    clusters: &[Cluster],
    campaigns: &[Campaign],
) -> (Vec<(i64, String)>, Vec<String>) {
    let mut extended = Vec::new();
    let mut lines = Vec::new();
    if carry.campaigns.is_empty() || campaigns.is_empty() {
        return (extended, lines);
    }
    // Old cluster → its accounts, and the tags on it.
    let mut old_accounts: BTreeMap<&str, Vec<u32>> = BTreeMap::new();
    for (account, cluster) in carry.cluster_of.iter().enumerate() {
        if let Some(cluster) = cluster.as_deref() {
            old_accounts
                .entry(cluster)
                .or_default()
                .push(account as u32);
        }
    }
    let mut old_tags: BTreeMap<&str, Vec<i64>> = BTreeMap::new();
    for (id, cluster) in &carry.cluster_tags {
        old_tags.entry(cluster.as_str()).or_default().push(*id);
    }
    let label_of = |id: &i64| carry.tag_labels.get(id).map(String::as_str);
    // New clusters that a carried tag lands on.
    let tagged_now: BTreeSet<&str> = tags.iter().map(|(_, c)| c.as_str()).collect();
    let mut campaign_of_account: Vec<Option<usize>> = vec![None; carry.cluster_of.len()];
    for (k, campaign) in campaigns.iter().enumerate() {
        for &m in &campaign.members {
            if let Some(slot) = campaign_of_account.get_mut(m as usize) {
                *slot = Some(k);
            }
        }
    }
    let present: BTreeSet<&str> = clusters.iter().map(|c| c.id.as_str()).collect();
    // Clusters given a copy so far: one each, from the first campaign.
    let mut copied: BTreeSet<&str> = BTreeSet::new();
    for old in &carry.campaigns {
        let accounts: Vec<u32> = old
            .iter()
            .flat_map(|c| old_accounts.get(c.as_str()).into_iter().flatten().copied())
            .collect();
        if accounts.is_empty() {
            continue;
        }
        // Accounts per label, and the newest tag with each label.
        let mut per_label: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
        for cluster in old {
            let size = old_accounts.get(cluster.as_str()).map_or(0, Vec::len);
            let mut labels: BTreeMap<&str, i64> = BTreeMap::new();
            for id in old_tags.get(cluster.as_str()).into_iter().flatten() {
                if let Some(label) = label_of(id) {
                    let newest = labels.entry(label).or_insert(*id);
                    *newest = (*newest).max(*id);
                }
            }
            for (label, id) in labels {
                let entry = per_label.entry(label).or_insert((0, id));
                entry.0 += size;
                entry.1 = entry.1.max(id);
            }
        }
        let needed = (TAGGED_CAMPAIGN_SHARE * accounts.len() as f64).ceil() as usize;
        let Some((label, template)) = per_label
            .iter()
            .filter(|(_, (n, _))| *n >= needed)
            .max_by_key(|(label, (n, id))| (*n, *id, std::cmp::Reverse(**label)))
            .map(|(label, (_, id))| (*label, *id))
        else {
            continue;
        };
        // The successor: most of the old campaign's accounts, and they are
        // most of it.
        let mut overlap: BTreeMap<usize, usize> = BTreeMap::new();
        for &a in &accounts {
            if let Some(Some(k)) = campaign_of_account.get(a as usize) {
                *overlap.entry(*k).or_default() += 1;
            }
        }
        let Some((&k, &shared)) = overlap
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
        else {
            continue;
        };
        let successor = &campaigns[k];
        if 2 * shared < accounts.len() || 2 * shared < successor.members.len() {
            continue;
        }
        let mut added = Vec::new();
        for cluster in &successor.clusters {
            // A cluster with a tag of its own (of any label) keeps just
            // that.
            let id = cluster.as_str();
            if !tagged_now.contains(id) && present.contains(id) && copied.insert(id) {
                extended.push((template, cluster.clone()));
                added.push(cluster.clone());
            }
        }
        if !added.is_empty() {
            const NAMED: usize = 8;
            let mut named = added
                .iter()
                .take(NAMED)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            if added.len() > NAMED {
                named.push_str(&format!(" and {} more", added.len() - NAMED));
            }
            lines.push(format!(
                "campaign tag \"{label}\" (tag #{template}) extended to {} cluster{} that joined its campaign {}: {named}",
                added.len(),
                if added.len() == 1 { "" } else { "s" },
                successor.id
            ));
        }
    }
    (extended, lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn carry(cluster_of: &[&str], pins: &[(u32, &str)]) -> CarryOver {
        CarryOver {
            cluster_of: cluster_of.iter().map(|c| Some(c.to_string())).collect(),
            pins: pins.iter().map(|(a, c)| (*a, c.to_string())).collect(),
            ..Default::default()
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

    fn cluster(id: &str, members: &[u32]) -> Cluster {
        Cluster {
            id: id.into(),
            members: members.to_vec(),
            exchanges: 0,
            score: 0.9,
            suspected: true,
            indicators: Default::default(),
            reasons: Vec::new(),
        }
    }

    fn campaign(id: &str, clusters: &[&Cluster]) -> Campaign {
        let mut members: Vec<u32> = clusters.iter().flat_map(|c| c.members.clone()).collect();
        members.sort_unstable();
        Campaign {
            id: id.into(),
            clusters: clusters.iter().map(|c| c.id.clone()).collect(),
            members,
            exchanges: 0,
            score: 0.9,
            suspected: true,
            indicators: Default::default(),
            cohesion: 1.0,
            reasons: Vec::new(),
        }
    }

    /// Old: campaign {c1, c2} tagged "Hydra" in one action (tags 1, 2);
    /// c9 alone, tagged "Other". The re-run splits c2's accounts into a
    /// new cluster c4 inside the same campaign, and puts c9 with two
    /// untagged strangers.
    fn tagged_campaign() -> (CarryOver, Vec<u32>, Vec<Cluster>) {
        let mut carry = carry(&["c1", "c1", "c1", "c2", "c2", "c2", "c9", "c7", "c7"], &[]);
        carry.cluster_tags = vec![(1, "c1".into()), (2, "c2".into()), (3, "c9".into())];
        carry.tag_labels = [(1, "Hydra"), (2, "Hydra"), (3, "Other")]
            .into_iter()
            .map(|(id, l)| (id, l.to_string()))
            .collect();
        carry.campaigns = vec![vec!["c1".into(), "c2".into()], vec!["c9".into()]];
        let algorithm = vec![0, 0, 0, 1, 1, 2, 3, 3, 3];
        let clusters = vec![
            cluster("c1", &[0, 1, 2]),
            cluster("c4", &[3, 4]),
            cluster("c6", &[5]),
            cluster("c7", &[6, 7, 8]),
        ];
        (carry, algorithm, clusters)
    }

    #[test]
    fn a_tagged_campaigns_tag_reaches_clusters_that_joined_its_successor() {
        let (carry, algorithm, clusters) = tagged_campaign();
        let (membership, successors) = membership_with_pins(&algorithm, &carry);
        let campaigns = vec![
            campaign("k1", &[&clusters[0], &clusters[1], &clusters[2]]),
            campaign("k7", &[&clusters[3]]),
        ];
        let carried = carried(&carry, &membership, &successors, &clusters, &campaigns);
        // c2's tag follows it to c4; c6 joined the campaign and gets a copy
        // of its newest "Hydra" tag.
        assert!(
            carried.tags.contains(&(2, "c4".to_string())),
            "{:?}",
            carried.tags
        );
        assert_eq!(carried.extended, vec![(2, "c6".to_string())]);
        assert!(
            carried.summary.contains(
                "campaign tag \"Hydra\" (tag #2) extended to 1 cluster that joined its campaign k1: c6"
            ),
            "{}",
            carried.summary
        );
        // c9's one-cluster campaign is only a third of its successor (k7):
        // "Other" is not spread over strangers.
        assert!(!carried.extended.iter().any(|(t, _)| *t == 3));
    }

    #[test]
    fn a_campaign_with_only_some_clusters_tagged_is_not_widened() {
        let (mut carry, algorithm, clusters) = tagged_campaign();
        // Only c1 (half of the campaign's accounts) is tagged "Hydra".
        carry.cluster_tags.retain(|(id, _)| *id != 2);
        let (membership, successors) = membership_with_pins(&algorithm, &carry);
        let campaigns = vec![campaign("k1", &[&clusters[0], &clusters[1], &clusters[2]])];
        let carried = carried(&carry, &membership, &successors, &clusters, &campaigns);
        assert!(carried.extended.is_empty(), "{:?}", carried.extended);
    }
}
