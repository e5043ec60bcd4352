//! The opened case as the workbench holds it in memory: summary, clusters,
//! one row per account, the links, and the all-traffic series. Built on the
//! loader thread; read-only afterwards (the layout arrives separately).

use std::path::{Path, PathBuf};

use crate::case::analysis_store::StoredCluster;
use crate::case::workbench::{AccountRow, GraphLinks, HourTraffic};
use crate::case::{Case, CaseError, CaseSummary};
use crate::import::Progress;

/// No cluster (the case was never analysed).
pub const NO_CLUSTER: u32 = u32::MAX;

/// An opened case, ready to draw.
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
}

impl Loaded {
    /// Reads everything the workbench shows up front from `path`.
    pub fn read(path: &Path, progress: &Progress) -> Result<Self, CaseError> {
        progress.set_phase("reading summary");
        let case = Case::open(path)?;
        let summary = case.summary()?;
        progress.set_phase("reading clusters");
        let stored = case.stored_clusters()?;
        let analysed = stored.is_some();
        let params_json = case.last_analysis_params()?;
        let clusters = stored.unwrap_or_default();
        progress.set_phase("reading accounts");
        let accounts = case.workbench_accounts()?;
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
        })
    }

    /// The cluster an account belongs to.
    pub fn cluster_of_account(&self, account: u32) -> Option<&StoredCluster> {
        let c = *self.cluster_of.get(account as usize)?;
        self.clusters.get(c as usize)
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
