//! The opened case as the workbench holds it in memory: summary, clusters
//! and the campaigns above them, one row per account, the links, the
//! all-traffic series and the case work (tags). Built on the loader thread;
//! afterwards only case work changes it (the layout arrives separately).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::analysis::Reason;
use crate::base::Progress;
use crate::base::text::count;
use crate::case::analysis_store::{StoredCampaign, StoredCluster};
use crate::case::casework::{CaseworkState, Tag};
use crate::case::workbench::{AccountRow, GraphLinks, HourTraffic};
use crate::case::{Case, CaseError, CaseSummary};

/// No cluster (the case was never analysed).
pub const NO_CLUSTER: u32 = u32::MAX;

/// No tag covers the account.
pub const NO_TAG: u32 = u32::MAX;

/// The cluster is in no campaign.
pub const NO_CAMPAIGN: u32 = u32::MAX;

/// Campaigns over the current clusters, indexed for the table, the graph
/// and the inspector. Built from each cluster's campaign, so after a hand
/// edit a campaign holds the clusters that are still there (a cluster split
/// off by hand is in none until the next analysis).
#[derive(Clone, Debug, Default)]
pub struct CampaignIndex {
    /// Per cluster index: its campaign (index into the campaigns), or
    /// [`NO_CAMPAIGN`].
    pub campaign_of_cluster: Vec<u32>,
    /// Per campaign: its clusters (indices), highest score first.
    pub clusters: Vec<Vec<usize>>,
    /// Per campaign: the accounts of its clusters, ascending.
    pub members: Vec<Vec<u32>>,
    /// Per campaign: the exchanges of those accounts.
    pub exchanges: Vec<u64>,
    /// Per campaign: its reasons, strongest first (parsed once).
    pub reasons: Vec<Vec<Reason>>,
    /// Per campaign: its rank among the suspected campaigns (0 for the
    /// highest score), which picks its colour; `None` if not suspected.
    pub suspected_rank: Vec<Option<usize>>,
}

impl CampaignIndex {
    /// Indexes `campaigns` over `clusters`.
    pub fn build(campaigns: &[StoredCampaign], clusters: &[StoredCluster]) -> Self {
        let by_id: std::collections::HashMap<&str, usize> = campaigns
            .iter()
            .enumerate()
            .map(|(i, k)| (k.id.as_str(), i))
            .collect();
        let mut campaign_of_cluster = vec![NO_CAMPAIGN; clusters.len()];
        let mut of_campaign = vec![Vec::new(); campaigns.len()];
        // Clusters come highest score first, so each list does too.
        for (i, c) in clusters.iter().enumerate() {
            if let Some(&k) = c.campaign.as_deref().and_then(|id| by_id.get(id)) {
                campaign_of_cluster[i] = k as u32;
                of_campaign[k].push(i);
            }
        }
        let members: Vec<Vec<u32>> = of_campaign
            .iter()
            .map(|list| {
                let mut m: Vec<u32> = list
                    .iter()
                    .flat_map(|&i| clusters[i].members.iter().copied())
                    .collect();
                m.sort_unstable();
                m
            })
            .collect();
        let exchanges = of_campaign
            .iter()
            .map(|list| list.iter().map(|&i| clusters[i].exchanges).sum())
            .collect();
        let reasons = campaigns
            .iter()
            .map(|k| serde_json::from_str(&k.reasons_json).unwrap_or_default())
            .collect();
        let mut next = 0;
        let suspected_rank = campaigns
            .iter()
            .map(|k| {
                k.suspected.then(|| {
                    next += 1;
                    next - 1
                })
            })
            .collect();
        Self {
            campaign_of_cluster,
            clusters: of_campaign,
            members,
            exchanges,
            reasons,
            suspected_rank,
        }
    }

    /// The campaign of cluster index `cluster`, if any.
    pub fn of_cluster(&self, cluster: usize) -> Option<usize> {
        match self.campaign_of_cluster.get(cluster) {
            Some(&k) if k != NO_CAMPAIGN => Some(k as usize),
            _ => None,
        }
    }
}

/// Tags, and what they cover, indexed for drawing.
#[derive(Clone, Debug, Default)]
pub struct TagIndex {
    /// Every tag, oldest first.
    pub tags: Vec<Tag>,
    /// Per account: the newest tag covering it (its cluster's or an ad-hoc
    /// one), as an index into `tags`, or [`NO_TAG`].
    pub tag_of_account: Vec<u32>,
    /// Per cluster index: its tags (indices into `tags`), oldest first.
    pub tags_of_cluster: Vec<Vec<u32>>,
    /// Clusters whose membership was edited after they were scored.
    pub edited: std::collections::BTreeSet<String>,
    /// Accounts placed by an analyst.
    pub pinned: Vec<u32>,
    /// The analysts' notes, oldest first.
    pub notes: Vec<crate::case::notes::ListedNote>,
    /// The saved views, by name.
    pub views: Vec<crate::case::notes::SavedView>,
    /// Each saved view in a few words, as `views` (read once, not each
    /// frame).
    pub view_descriptions: Vec<String>,
}

impl TagIndex {
    /// Indexes `state` over the clusters and accounts.
    pub fn build(state: CaseworkState, clusters: &[StoredCluster], accounts: usize) -> Self {
        let mut tag_of_account = vec![NO_TAG; accounts];
        let mut tags_of_cluster = vec![Vec::new(); clusters.len()];
        let index: std::collections::HashMap<&str, usize> = clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        for (t, tag) in state.tags.iter().enumerate() {
            let covered: &[u32] = match tag.cluster.as_deref().and_then(|c| index.get(c)) {
                Some(&c) => {
                    tags_of_cluster[c].push(t as u32);
                    &clusters[c].members
                }
                None => &tag.accounts,
            };
            for &a in covered {
                if let Some(slot) = tag_of_account.get_mut(a as usize) {
                    *slot = t as u32;
                }
            }
        }
        Self {
            tags: state.tags,
            tag_of_account,
            tags_of_cluster,
            edited: state.edited_clusters.into_iter().collect(),
            pinned: state.pinned,
            view_descriptions: state
                .views
                .iter()
                .map(|v| {
                    super::saved_view::SavedViewSpec::from_json(&v.view_json)
                        .map_or_else(|e| e, |spec| spec.describe(v.accounts.len()))
                })
                .collect(),
            notes: state.notes,
            views: state.views,
        }
    }

    /// The tag covering `account`, if any.
    pub fn tag_of(&self, account: u32) -> Option<&Tag> {
        let t = *self.tag_of_account.get(account as usize)?;
        self.tags.get(t as usize)
    }

    /// The tags of cluster index `cluster`, oldest first.
    pub fn cluster_tags(&self, cluster: usize) -> impl Iterator<Item = &Tag> {
        self.tags_of_cluster
            .get(cluster)
            .into_iter()
            .flatten()
            .filter_map(|&t| self.tags.get(t as usize))
    }

    /// The newest tag of cluster index `cluster`.
    pub fn newest_cluster_tag(&self, cluster: usize) -> Option<&Tag> {
        self.cluster_tags(cluster).last()
    }

    /// Distinct labels, sorted, for the legend and the table filter.
    pub fn labels(&self) -> Vec<&str> {
        let mut labels: Vec<&str> = self.tags.iter().map(|t| t.label.as_str()).collect();
        labels.sort_unstable();
        labels.dedup();
        labels
    }
}

/// Clusters' reasons, parsed from their stored JSON the first time they are
/// shown (the inspector, a graph tooltip) instead of on every frame.
#[derive(Debug, Default)]
pub struct ReasonsCache(Mutex<HashMap<String, Arc<Vec<Reason>>>>);

impl Clone for ReasonsCache {
    /// A copy starts empty: it fills again on use.
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl ReasonsCache {
    /// The reasons of `cluster`, strongest first (none if its JSON is
    /// unreadable).
    pub fn of(&self, cluster: &StoredCluster) -> Arc<Vec<Reason>> {
        let mut parsed = match self.0.lock() {
            Ok(parsed) => parsed,
            Err(poisoned) => poisoned.into_inner(),
        };
        parsed
            .entry(cluster.id.clone())
            .or_insert_with(|| {
                Arc::new(serde_json::from_str(&cluster.reasons_json).unwrap_or_default())
            })
            .clone()
    }

    fn clear(&self) {
        if let Ok(mut parsed) = self.0.lock() {
            parsed.clear();
        }
    }
}

/// An opened case, ready to draw.
#[derive(Clone)]
pub struct Loaded {
    /// Each cluster's reasons, parsed once.
    pub cluster_reasons: ReasonsCache,
    /// Where it is.
    pub path: PathBuf,
    /// Its summary.
    pub summary: CaseSummary,
    /// Whether an analysis is stored.
    pub analysed: bool,
    /// The stored analysis's parameters, as JSON.
    pub params_json: Option<String>,
    /// Stored clusters, highest score first (empty before any analysis).
    pub clusters: Vec<StoredCluster>,
    /// Stored campaigns (groups of clusters), highest score first.
    pub campaigns: Vec<StoredCampaign>,
    /// The campaigns over the current clusters.
    pub campaign_index: CampaignIndex,
    /// Prompt plus completion tokens of each cluster.
    pub cluster_tokens: Vec<i64>,
    /// Cluster index of each account, or [`NO_CLUSTER`].
    pub cluster_of: Vec<u32>,
    /// One row per account, by account index.
    pub accounts: Vec<AccountRow>,
    /// The stored links, strongest first.
    pub links: GraphLinks,
    /// Links carrying each evidence kind, by kind index.
    pub kind_counts: Vec<u64>,
    /// Model names by model index.
    pub model_names: Vec<String>,
    /// All traffic per model and hour: (model, hour, exchanges, tokens).
    pub model_hourly: Vec<(u32, i64, u64, i64)>,
    /// All traffic per hour.
    pub hourly: Vec<HourTraffic>,
    /// The stored layout, if it matches this analysis.
    pub stored_layout: Option<Vec<[f32; 2]>>,
    /// Tags and edits.
    pub casework: TagIndex,
    /// Why the case could not be opened for writing, if it could not.
    pub read_only: Option<String>,
    /// The redaction key id, when the case is a redacted export.
    pub redacted: Option<String>,
    /// Bumped whenever the case work or the clusters change, so panels
    /// can key their caches on it.
    pub generation: u64,
}

impl Loaded {
    /// Case-insensitive search over account id, org, e-mail domain, payment
    /// token and sign-up IP (request IPs are asked of the worker).
    pub fn search(&self, text: &str) -> Vec<u32> {
        let needle = text.trim().to_lowercase();
        if needle.is_empty() {
            return Vec::new();
        }
        let matches = |v: &Option<String>| {
            v.as_deref()
                .is_some_and(|v| v.to_lowercase().contains(&needle))
        };
        self.accounts
            .iter()
            .enumerate()
            .filter(|(_, a)| {
                a.account_id.to_lowercase().contains(&needle)
                    || matches(&a.org_name)
                    || matches(&a.email_domain)
                    || matches(&a.payment_fingerprint)
                    || matches(&a.signup_ip)
            })
            .map(|(i, _)| i as u32)
            .collect()
    }

    /// Reads everything the workbench shows up front from `path`.
    pub fn read(path: &Path, progress: &Progress) -> Result<Self, CaseError> {
        Self::read_as(path, progress, true)
    }

    /// [`Loaded::read`], without ever writing to the file when `writable` is
    /// false (pictures and reports: an older format is refused, not
    /// upgraded).
    pub fn read_as(path: &Path, progress: &Progress, writable: bool) -> Result<Self, CaseError> {
        progress.set_phase("reading summary");
        // An older format is upgraded as it is opened, which can read every
        // exchange once (format 9's rollups): say so while it runs.
        if writable
            && let Err(CaseError::NeedsMigration {
                version, supported, ..
            }) = Case::open_read_only(path)
        {
            progress.set_phase(format!(
                "upgrading the case from format {version} to {supported} (new rollups from every exchange, once)"
            ));
        }
        let opened = if writable {
            Case::open(path)
        } else {
            Case::open_read_only(path)
        };
        // A file this user cannot write is shown read-only, with a banner.
        let (case, read_only) = match opened {
            Ok(case) if case.is_read_only()? => {
                (case, Some("the file is write-protected".to_string()))
            }
            Ok(case) => (case, None),
            Err(err) if !err.is_bad_input() => match Case::open_read_only(path) {
                Ok(case) => (case, Some(err.to_string())),
                Err(_) => return Err(err),
            },
            Err(err) => return Err(err),
        };
        let summary = case.summary()?;
        let redacted = case.redaction()?;
        progress.set_phase("reading clusters");
        let stored = case.stored_clusters()?;
        let analysed = stored.is_some();
        let params_json = case.last_analysis_params()?;
        let clusters = stored.unwrap_or_default();
        let campaigns = if analysed {
            case.stored_campaigns()?
        } else {
            Vec::new()
        };
        let campaign_index = CampaignIndex::build(&campaigns, &clusters);
        progress.set_phase("reading accounts");
        let accounts = case.workbench_accounts()?;
        let (cluster_of, cluster_tokens) = index_clusters(&clusters, &accounts);
        let casework = TagIndex::build(case.casework_state()?, &clusters, accounts.len());
        progress.set_phase("reading links");
        let mut links = case.graph_links()?;
        // A hand-edited case may name accounts that are not there; such a
        // link cannot be drawn or followed.
        let n = accounts.len() as u32;
        (links.links, links.kinds) = links
            .links
            .iter()
            .copied()
            .zip(links.kinds.iter().copied())
            .filter(|((a, b, _), _)| *a < n && *b < n)
            .unzip();
        let mut kind_counts = vec![0u64; links.kind_names.len()];
        for &kinds in &links.kinds {
            for (i, c) in kind_counts.iter_mut().enumerate() {
                *c += u64::from(kinds >> i & 1);
            }
        }
        let model_names = case.model_names()?;
        let model_hourly = case.model_hourly_all()?;
        let hourly = hourly_totals(&model_hourly);
        progress.set_phase("reading layout");
        let stored_layout = if analysed {
            case.stored_layout(accounts.len())?
        } else {
            None
        };
        Ok(Self {
            cluster_reasons: ReasonsCache::default(),
            path: path.to_path_buf(),
            summary,
            analysed,
            params_json,
            clusters,
            campaigns,
            campaign_index,
            cluster_tokens,
            cluster_of,
            accounts,
            links,
            kind_counts,
            model_names,
            model_hourly,
            hourly,
            stored_layout,
            casework,
            read_only,
            redacted,
            generation: 1,
        })
    }

    /// Takes new case work (`None`: keep the current), and new clusters
    /// when membership changed.
    pub fn apply_casework(
        &mut self,
        state: Option<CaseworkState>,
        clusters: Option<Vec<StoredCluster>>,
    ) {
        if let Some(clusters) = clusters {
            (self.cluster_of, self.cluster_tokens) = index_clusters(&clusters, &self.accounts);
            self.campaign_index = CampaignIndex::build(&self.campaigns, &clusters);
            self.clusters = clusters;
            self.cluster_reasons.clear();
        }
        self.generation += 1;
        let state = state.unwrap_or_else(|| CaseworkState {
            tags: std::mem::take(&mut self.casework.tags),
            pinned: std::mem::take(&mut self.casework.pinned),
            edited_clusters: std::mem::take(&mut self.casework.edited)
                .into_iter()
                .collect(),
            notes: std::mem::take(&mut self.casework.notes),
            views: std::mem::take(&mut self.casework.views),
        });
        self.casework = TagIndex::build(state, &self.clusters, self.accounts.len());
    }

    /// The cluster an account belongs to.
    pub fn cluster_of_account(&self, account: u32) -> Option<&StoredCluster> {
        let c = *self.cluster_of.get(account as usize)?;
        self.clusters.get(c as usize)
    }

    /// "cluster c17 "Label" (confirmed, 732 accounts)": how the workbench
    /// and pictures name a cluster, with its newest tag.
    pub fn cluster_label(&self, index: usize) -> String {
        let Some(c) = self.clusters.get(index) else {
            return String::new();
        };
        match self.casework.newest_cluster_tag(index) {
            Some(t) => format!(
                "cluster {} \"{}\" ({}, {} accounts)",
                c.id,
                t.label,
                t.status.name(),
                c.members.len()
            ),
            None => format!("cluster {} ({} accounts)", c.id, c.members.len()),
        }
    }

    /// The cluster with id `id`, and its index.
    pub fn cluster_by_id(&self, id: &str) -> Option<(usize, &StoredCluster)> {
        self.clusters.iter().enumerate().find(|(_, c)| c.id == id)
    }

    /// The campaign with id `id`, and its index.
    pub fn campaign_by_id(&self, id: &str) -> Option<(usize, &StoredCampaign)> {
        self.campaigns.iter().enumerate().find(|(_, k)| k.id == id)
    }

    /// The campaign (index) an account's cluster is in, if any.
    pub fn campaign_of_account(&self, account: u32) -> Option<usize> {
        let c = *self.cluster_of.get(account as usize)?;
        self.campaign_index.of_cluster(c as usize)
    }

    /// The accounts of what `view` selects (an account, a cluster, a set,
    /// a campaign); `None` with nothing selected.
    pub fn selected_accounts(&self, view: &super::state::CaseView) -> Option<Vec<u32>> {
        if let Some(a) = view.account {
            return Some(vec![a]);
        }
        if let Some(c) = view.cluster.and_then(|c| self.clusters.get(c)) {
            return Some(c.members.clone());
        }
        if !view.accounts.is_empty() {
            return Some(view.accounts.clone());
        }
        view.campaign
            .filter(|&k| k < self.campaigns.len())
            .map(|k| self.campaign_members(k).to_vec())
    }

    /// The accounts of campaign index `campaign` (empty if out of range).
    pub fn campaign_members(&self, campaign: usize) -> &[u32] {
        self.campaign_index
            .members
            .get(campaign)
            .map_or(&[], Vec::as_slice)
    }

    /// The newest tags on campaign index `campaign`'s clusters: each label
    /// and status once, with how many of its clusters carry it, most first.
    pub fn campaign_tags(&self, campaign: usize) -> Vec<(&Tag, usize)> {
        let mut out: Vec<(&Tag, usize)> = Vec::new();
        for &c in self
            .campaign_index
            .clusters
            .get(campaign)
            .into_iter()
            .flatten()
        {
            if let Some(tag) = self.casework.newest_cluster_tag(c) {
                match out
                    .iter_mut()
                    .find(|(t, _)| t.label == tag.label && t.status == tag.status)
                {
                    Some((_, n)) => *n += 1,
                    None => out.push((tag, 1)),
                }
            }
        }
        out.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.label.cmp(&b.0.label)));
        out
    }

    /// "campaign k17 "Label" (12 clusters, 812 accounts)": how the
    /// workbench and pictures name a campaign, with its most common tag.
    pub fn campaign_label(&self, campaign: usize) -> String {
        let Some(k) = self.campaigns.get(campaign) else {
            return String::new();
        };
        let clusters = self.campaign_index.clusters[campaign].len();
        let accounts = self.campaign_index.members[campaign].len();
        let size = format!(
            "{clusters} cluster{}, {accounts} accounts",
            if clusters == 1 { "" } else { "s" }
        );
        match self.campaign_tags(campaign).first() {
            Some((t, _)) => format!(
                "campaign {} \"{}\" ({}, {size})",
                k.id,
                t.label,
                t.status.name()
            ),
            None => format!("campaign {} ({size})", k.id),
        }
    }

    /// The group each account is laid out in: its campaign's, so that a
    /// campaign's clusters are drawn side by side as one group, else its
    /// cluster's (what [`crate::analysis::layout`] takes as `cluster_of`).
    pub fn layout_groups(&self) -> Vec<u32> {
        let offset = self.clusters.len() as u32;
        self.cluster_of
            .iter()
            .map(|&c| match self.campaign_index.of_cluster(c as usize) {
                Some(k) => offset.saturating_add(k as u32),
                None => c,
            })
            .collect()
    }

    /// An account's id, or its index when out of range.
    pub fn account_name(&self, account: u32) -> String {
        self.accounts
            .get(account as usize)
            .map_or_else(|| format!("#{account}"), |a| a.account_id.clone())
    }
}

/// Each account's cluster index, and each cluster's tokens.
fn index_clusters(clusters: &[StoredCluster], accounts: &[AccountRow]) -> (Vec<u32>, Vec<i64>) {
    let mut cluster_of = vec![NO_CLUSTER; accounts.len()];
    for (i, c) in clusters.iter().enumerate() {
        for &a in &c.members {
            if let Some(slot) = cluster_of.get_mut(a as usize) {
                *slot = i as u32;
            }
        }
    }
    let cluster_tokens = clusters
        .iter()
        .map(|c| {
            c.members
                .iter()
                .filter_map(|&a| accounts.get(a as usize))
                .map(|a| a.tokens)
                .sum()
        })
        .collect();
    (cluster_of, cluster_tokens)
}

/// Sums per-model hours into per-hour totals.
pub fn hourly_totals(model_hourly: &[(u32, i64, u64, i64)]) -> Vec<HourTraffic> {
    let mut out: Vec<HourTraffic> = Vec::new();
    for &(_, hour, exchanges, tokens) in model_hourly {
        match out.last_mut() {
            Some(last) if last.hour == hour => {
                last.exchanges += exchanges;
                last.tokens += tokens;
            }
            _ => out.push(HourTraffic {
                hour,
                exchanges,
                tokens,
            }),
        }
    }
    out
}

/// `c17 (12 accounts, score 0.91, suspected)`: a cluster in one phrase.
pub fn cluster_facts(c: &StoredCluster) -> String {
    let accounts = count(c.members.len() as u64, "account", "accounts");
    match c.inherited_from() {
        Some(k) => format!("{} ({accounts}, suspected as part of {k})", c.id),
        None => format!(
            "{} ({accounts}, score {:.2}{})",
            c.id,
            c.score,
            if c.suspected { ", suspected" } else { "" }
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(id: &str, members: &[u32], campaign: Option<&str>) -> StoredCluster {
        StoredCluster {
            id: id.into(),
            members: members.to_vec(),
            exchanges: 10 * members.len() as u64,
            score: 0.5,
            suspected: campaign.is_some(),
            indicators: Vec::new(),
            reasons_json: "[]".into(),
            campaign: campaign.map(str::to_string),
            inherited: false,
        }
    }

    fn campaign(id: &str, suspected: bool) -> StoredCampaign {
        StoredCampaign {
            id: id.into(),
            clusters: Vec::new(),
            accounts: 0,
            exchanges: 0,
            score: if suspected { 0.9 } else { 0.2 },
            suspected,
            cohesion: 1.0,
            indicators: Vec::new(),
            reasons_json: r#"[{"indicator":"cohesion","strength":0.8,"text":"tied"}]"#.into(),
        }
    }

    #[test]
    fn campaign_index_follows_the_clusters_that_are_there() {
        let campaigns = [
            campaign("k1", true),
            campaign("k9", false),
            campaign("k5", true),
        ];
        // c7 names a campaign the case does not have (a hand-edited case):
        // it is in none.
        let clusters = [
            cluster("c1", &[0, 1], Some("k1")),
            cluster("c3", &[5, 2], Some("k1")),
            cluster("c4", &[3], None),
            cluster("c9", &[4, 6], Some("k9")),
            cluster("c7", &[7, 8], Some("k7")),
        ];
        let index = CampaignIndex::build(&campaigns, &clusters);
        assert_eq!(index.clusters, vec![vec![0, 1], vec![3], vec![]]);
        assert_eq!(index.members[0], vec![0, 1, 2, 5]);
        assert_eq!(index.exchanges, vec![40, 20, 0]);
        assert_eq!(index.of_cluster(2), None);
        assert_eq!(index.of_cluster(4), None);
        assert_eq!(index.of_cluster(3), Some(1));
        assert_eq!(index.of_cluster(99), None);
        assert_eq!(index.suspected_rank, vec![Some(0), None, Some(1)]);
        assert_eq!(index.reasons[1][0].text, "tied");
    }
}
