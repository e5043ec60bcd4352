//! The opened case as the workbench holds it in memory: summary, clusters,
//! one row per account, the links, the all-traffic series and the case work
//! (tags). Built on the loader thread; afterwards only case work changes it
//! (the layout arrives separately).

use std::path::{Path, PathBuf};

use crate::case::analysis_store::StoredCluster;
use crate::case::casework::{CaseworkState, Tag};
use crate::case::workbench::{AccountRow, GraphLinks, HourTraffic};
use crate::case::{Case, CaseError, CaseSummary};
use crate::import::Progress;

/// No cluster (the case was never analysed).
pub const NO_CLUSTER: u32 = u32::MAX;

/// No tag covers the account.
pub const NO_TAG: u32 = u32::MAX;

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

/// An opened case, ready to draw.
#[derive(Clone)]
pub struct Loaded {
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
}

impl Loaded {
    /// Reads everything the workbench shows up front from `path`.
    pub fn read(path: &Path, progress: &Progress) -> Result<Self, CaseError> {
        Self::read_as(path, progress, true)
    }

    /// [`Loaded::read`], without ever writing to the file when `writable` is
    /// false (pictures and reports: an older format is refused, not
    /// upgraded).
    pub fn read_as(path: &Path, progress: &Progress, writable: bool) -> Result<Self, CaseError> {
        progress.set_phase("reading summary");
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
            path: path.to_path_buf(),
            summary,
            analysed,
            params_json,
            clusters,
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
            self.clusters = clusters;
        }
        let state = state.unwrap_or_else(|| CaseworkState {
            tags: std::mem::take(&mut self.casework.tags),
            pinned: std::mem::take(&mut self.casework.pinned),
            edited_clusters: std::mem::take(&mut self.casework.edited)
                .into_iter()
                .collect(),
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
