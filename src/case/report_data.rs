//! What a briefing report holds, read from the case in one go: facts about
//! the case and its latest analysis, the tagged campaigns with their
//! clusters, traffic and evidence, and the suspected clusters nobody has
//! tagged. Formatting lives in [`crate::export::report`]; this module only
//! gathers, reusing the case's other readers wherever one fits.

use std::cmp::Ordering;

use rusqlite::OptionalExtension;

use super::analysis_store::{StoredCampaign, StoredCluster};
use super::casework::{Tag, TagStatus};
use super::workbench::Counts;
use super::{Case, CaseError};

/// Everything a report shows, ordered as it is shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportData {
    /// The case's name: its file name without the extension.
    pub case_name: String,
    /// Where the data came from (`meta.source`).
    pub source: Option<String>,
    /// The case's short fingerprint ([`Case::fingerprint`]), which ties the
    /// report to the exact state of the case it shows.
    pub fingerprint: String,
    /// Whether the case is a redacted export (`meta.redacted` is `1`).
    pub redacted: bool,
    /// The public id of the key it was redacted with, when known.
    pub redaction_key_id: Option<String>,
    /// The latest analysis run, `None` before any analysis.
    pub run: Option<AnalysisRun>,
    /// Sizes of the case, its clustering and its case work.
    pub counts: ReportCounts,
    /// Earliest exchange in the case, ms since the epoch (UTC).
    pub first_ms: Option<i64>,
    /// Latest exchange in the case, ms since the epoch (UTC).
    pub last_ms: Option<i64>,
    /// Tagged campaigns that are not dismissed: confirmed before open, then
    /// by confidence (highest first), label and tag id.
    pub campaigns: Vec<Campaign>,
    /// Dismissed tags, by confidence (highest first), label and tag id.
    pub dismissed: Vec<Campaign>,
    /// Suspected clusters that carry no tag of any status, highest score
    /// first.
    pub untagged_suspected: Vec<StoredCluster>,
    /// Suspected campaigns of the analysis with at least one suspected
    /// cluster that carries no tag, highest score first: what an analyst
    /// has not looked at yet, a campaign at a time.
    pub untagged_campaigns: Vec<StoredCampaign>,
    /// The campaign the report is about, when it is about one
    /// ([`ReportData::keep_campaign`]).
    pub scope: Option<StoredCampaign>,
    /// The analysts' notes, oldest first.
    pub notes: Vec<ReportNote>,
    /// The saved views, by name (none in a report about one campaign).
    pub views: Vec<super::notes::SavedView>,
}

/// A note as a report shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportNote {
    /// What it is on, in words (account ids, cluster and campaign ids, UTC
    /// times).
    pub on: String,
    /// The note.
    pub note: super::notes::Note,
    /// The clusters it concerns now (its accounts' clusters, or the
    /// cluster that holds most of a cluster note's accounts).
    pub clusters: Vec<String>,
    /// The campaign that holds most of a campaign note's accounts now.
    pub campaign: Option<String>,
}

/// One analysis run as the report names it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnalysisRun {
    /// Run number (`analysis_runs.id`).
    pub id: i64,
    /// When it finished (RFC 3339, UTC).
    pub finished_at: String,
    /// Its parameters, as JSON.
    pub params_json: String,
}

/// Counts shown in a report's header.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReportCounts {
    /// Accounts in the case.
    pub accounts: u64,
    /// Exchanges in the case.
    pub exchanges: u64,
    /// Clusters of the latest analysis (clusters of one account included).
    pub clusters: u64,
    /// Clusters the analysis suspects.
    pub suspected: u64,
    /// Clusters carrying a tag that is not dismissed.
    pub tagged_clusters: u64,
    /// Tags of every status, on clusters and on sets of accounts.
    pub tags: u64,
}

/// A tagged campaign with what it covers: one tag, or the tags one
/// *Tag campaign* action (or `hydrascope tag --campaign`) put on every
/// cluster of a campaign of the analysis — one entry in the report, not one
/// per cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct Campaign {
    /// The tag as stored; for tags on a campaign's clusters, the first of
    /// them (lowest id), whose fields they all share.
    pub tag: Tag,
    /// Every tag of the entry (ids ascending): `[tag.id]` for a tag on its
    /// own.
    pub tags: Vec<i64>,
    /// The campaign of the analysis the tags' clusters are in, when the
    /// entry holds the tags on two or more of its clusters.
    pub of_campaign: Option<StoredCampaign>,
    /// For a tag that came in by merge: whose claim it is (the case it
    /// came from, who merged it here and when).
    pub claimed: Option<super::provenance::Claim>,
    /// The clusters the tag's accounts are in: its own cluster for a tag on
    /// a cluster (none when that cluster no longer exists), every cluster
    /// holding one of its accounts for an ad-hoc tag; highest score first.
    pub clusters: Vec<CampaignCluster>,
    /// The accounts covered (provider ids), by account index.
    pub account_ids: Vec<String>,
    /// Their exchanges.
    pub exchanges: u64,
    /// Their prompt plus completion tokens.
    pub tokens: i64,
    /// Their earliest exchange, ms since the epoch (UTC).
    pub first_ms: Option<i64>,
    /// Their latest exchange, ms since the epoch (UTC).
    pub last_ms: Option<i64>,
    /// Their exchanges per model, most first.
    pub models: Counts,
    /// Their exchanges per capability, most first.
    pub capabilities: Counts,
}

/// A cluster under a campaign.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignCluster {
    /// The cluster as the latest analysis stored it (members, score,
    /// sub-scores and reasons).
    pub cluster: StoredCluster,
    /// Its members were changed by hand after scoring, so the score and
    /// sub-scores are those of the last analysis.
    pub edited: bool,
    /// How many of the campaign's accounts are in it.
    pub campaign_accounts: usize,
}

impl Case {
    /// Reads everything a briefing report shows (see [`ReportData`]).
    pub fn report_data(&self) -> Result<ReportData, CaseError> {
        let summary = self.summary()?;
        let casework = self.casework_state()?;
        let clusters = self.stored_clusters()?.unwrap_or_default();
        let accounts = self.workbench_accounts()?;
        let redaction = self.redaction()?;

        let mut cluster_of_account: Vec<Option<usize>> = vec![None; accounts.len()];
        for (i, c) in clusters.iter().enumerate() {
            for &a in &c.members {
                if let Some(slot) = cluster_of_account.get_mut(a as usize) {
                    *slot = Some(i);
                }
            }
        }

        // Nothing below is quadratic in tags or clusters: clusters are
        // found by id, a tag's clusters are counted from its own accounts,
        // and tags on one cluster share its model and capability mix.
        let cluster_index: std::collections::HashMap<&str, usize> = clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.as_str(), i))
            .collect();
        let claims = self.claims()?;
        let edited: std::collections::HashSet<&str> = casework
            .edited_clusters
            .iter()
            .map(String::as_str)
            .collect();
        let mut mixes: std::collections::HashMap<String, (Counts, Counts)> =
            std::collections::HashMap::new();
        let mut campaigns = Vec::new();
        let mut dismissed = Vec::new();
        for tag in &casework.tags {
            let own = tag
                .cluster
                .as_deref()
                .and_then(|id| cluster_index.get(id).copied());
            let members: &[u32] = match (&tag.cluster, own) {
                (Some(_), Some(i)) => &clusters[i].members,
                (Some(_), None) => &[],
                (None, _) => &tag.accounts,
            };
            let mut in_cluster: std::collections::BTreeMap<usize, usize> =
                std::collections::BTreeMap::new();
            if let Some(i) = own {
                in_cluster.insert(i, 0);
            }
            let mut campaign = Campaign {
                tag: tag.clone(),
                tags: vec![tag.id],
                of_campaign: None,
                claimed: tag.merged_from.and_then(|m| claims.get(&m).cloned()),
                clusters: Vec::new(),
                account_ids: Vec::with_capacity(members.len()),
                exchanges: 0,
                tokens: 0,
                first_ms: None,
                last_ms: None,
                models: Vec::new(),
                capabilities: Vec::new(),
            };
            for &a in members {
                let Some(row) = accounts.get(a as usize) else {
                    continue;
                };
                campaign.account_ids.push(row.account_id.clone());
                campaign.exchanges += row.exchanges;
                campaign.tokens += row.tokens;
                campaign.first_ms = min_some(campaign.first_ms, row.first_ms);
                campaign.last_ms = campaign.last_ms.max(row.last_ms);
                if let Some(Some(c)) = cluster_of_account.get(a as usize) {
                    *in_cluster.entry(*c).or_default() += 1;
                }
            }
            // A tag on a cluster covers exactly that cluster; an ad-hoc tag
            // reaches every cluster one of its accounts is in.
            for (i, n) in in_cluster {
                campaign.clusters.push(CampaignCluster {
                    cluster: clusters[i].clone(),
                    edited: edited.contains(clusters[i].id.as_str()),
                    campaign_accounts: n,
                });
            }
            (campaign.models, campaign.capabilities) = match &tag.cluster {
                Some(id) => match mixes.get(id) {
                    Some(mix) => mix.clone(),
                    None => {
                        let mix = self.mix_of(members)?;
                        mixes.insert(id.clone(), mix.clone());
                        mix
                    }
                },
                None => self.mix_of(members)?,
            };
            if tag.status == TagStatus::Dismissed {
                dismissed.push(campaign);
            } else {
                campaigns.push(campaign);
            }
        }
        let stored_campaigns = self.stored_campaigns()?;
        let by_id: std::collections::HashMap<&str, &StoredCampaign> = stored_campaigns
            .iter()
            .map(|k| (k.id.as_str(), k))
            .collect();
        let mut campaigns = group_campaign_tags(campaigns, &by_id);
        let mut dismissed = group_campaign_tags(dismissed, &by_id);
        campaigns.sort_by(report_order);
        dismissed.sort_by(report_order);

        let mut tagged_any: Vec<&str> = casework
            .tags
            .iter()
            .filter_map(|t| t.cluster.as_deref())
            .collect();
        tagged_any.sort_unstable();
        tagged_any.dedup();
        let mut tagged_open: Vec<&str> = casework
            .tags
            .iter()
            .filter(|t| t.status != TagStatus::Dismissed)
            .filter_map(|t| t.cluster.as_deref())
            .filter(|id| cluster_index.contains_key(id))
            .collect();
        tagged_open.sort_unstable();
        tagged_open.dedup();
        let untagged_suspected: Vec<StoredCluster> = clusters
            .iter()
            .filter(|c| c.suspected && tagged_any.binary_search(&c.id.as_str()).is_err())
            .cloned()
            .collect();

        let untagged_ids: std::collections::HashSet<&str> =
            untagged_suspected.iter().map(|c| c.id.as_str()).collect();
        let mut untagged_campaigns: Vec<StoredCampaign> = stored_campaigns
            .into_iter()
            .filter(|k| k.suspected && k.clusters.iter().any(|c| untagged_ids.contains(c.as_str())))
            .collect();
        untagged_campaigns
            .sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.id.cmp(&b.id)));

        let counts = ReportCounts {
            accounts: summary.accounts,
            exchanges: summary.exchanges,
            clusters: clusters.len() as u64,
            suspected: clusters.iter().filter(|c| c.suspected).count() as u64,
            tagged_clusters: tagged_open.len() as u64,
            tags: casework.tags.len() as u64,
        };
        Ok(ReportData {
            case_name: self
                .path()
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            source: summary.source,
            fingerprint: self.fingerprint()?,
            redacted: redaction.is_some(),
            redaction_key_id: redaction.filter(|id| !id.is_empty()),
            run: self.latest_run()?,
            counts,
            first_ms: summary.first_ms,
            last_ms: summary.last_ms,
            campaigns,
            dismissed,
            untagged_suspected,
            untagged_campaigns,
            scope: None,
            notes: report_notes(&casework.notes, &accounts, &clusters, &cluster_of_account),
            views: casework.views,
        })
    }

    /// The latest analysis run, `None` before any.
    fn latest_run(&self) -> Result<Option<AnalysisRun>, CaseError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, finished_at, params_json FROM analysis_runs ORDER BY id DESC LIMIT 1",
                [],
                |r| {
                    Ok(AnalysisRun {
                        id: r.get(0)?,
                        finished_at: r.get(1)?,
                        params_json: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }
}

impl ReportData {
    /// Keeps only what concerns `campaign`: the tags on (or reaching) its
    /// clusters, dismissed or not, and its untagged suspected clusters. The
    /// counts stay the whole case's.
    pub fn keep_campaign(&mut self, campaign: StoredCampaign) {
        let ids: std::collections::HashSet<&str> =
            campaign.clusters.iter().map(String::as_str).collect();
        let touches = |c: &Campaign| {
            c.clusters
                .iter()
                .any(|k| ids.contains(k.cluster.id.as_str()))
                || c.tag.cluster.as_deref().is_some_and(|id| ids.contains(id))
        };
        self.campaigns.retain(|c| touches(c));
        self.dismissed.retain(|c| touches(c));
        self.untagged_suspected
            .retain(|c| ids.contains(c.id.as_str()));
        self.untagged_campaigns.clear();
        self.notes.retain(|n| {
            n.campaign.as_deref() == Some(campaign.id.as_str())
                || n.clusters.iter().any(|c| ids.contains(c.as_str()))
        });
        self.views.clear();
        self.scope = Some(campaign);
    }
}

/// Joins the tags that one action put on a campaign's clusters into one
/// entry: tags on clusters of the same campaign of the analysis with the
/// same label, status, confidence, capability, actor, notes and origin. A
/// tag an analyst changed on one cluster since stands apart (it says
/// something else); tags on sets of accounts are never joined.
fn group_campaign_tags(
    entries: Vec<Campaign>,
    campaigns: &std::collections::HashMap<&str, &StoredCampaign>,
) -> Vec<Campaign> {
    type Key = (
        String,
        String,
        TagStatus,
        u64,
        String,
        String,
        String,
        Option<i64>,
    );
    let key = |c: &Campaign| -> Option<Key> {
        let [only] = c.clusters.as_slice() else {
            return None;
        };
        c.tag.cluster.as_ref()?;
        let k = only.cluster.campaign.clone()?;
        campaigns.contains_key(k.as_str()).then(|| {
            (
                k,
                c.tag.label.clone(),
                c.tag.status,
                c.tag.confidence.to_bits(),
                c.tag.capability.clone(),
                c.tag.actor.clone(),
                c.tag.notes.clone(),
                c.tag.merged_from,
            )
        })
    };
    let mut out: Vec<Campaign> = Vec::with_capacity(entries.len());
    let mut slot_of: std::collections::HashMap<Key, usize> = std::collections::HashMap::new();
    let mut entries = entries;
    entries.sort_by_key(|c| c.tag.id);
    for entry in entries {
        let Some(k) = key(&entry) else {
            out.push(entry);
            continue;
        };
        match slot_of.get(&k) {
            None => {
                slot_of.insert(k, out.len());
                out.push(entry);
            }
            Some(&i) => {
                let into = &mut out[i];
                into.tags.push(entry.tag.id);
                // Two alike tags on one cluster: its accounts count once.
                if entry
                    .clusters
                    .iter()
                    .all(|k| into.clusters.iter().any(|c| c.cluster.id == k.cluster.id))
                {
                    continue;
                }
                into.clusters.extend(entry.clusters);
                into.account_ids.extend(entry.account_ids);
                into.exchanges += entry.exchanges;
                into.tokens += entry.tokens;
                into.first_ms = min_some(into.first_ms, entry.first_ms);
                into.last_ms = into.last_ms.max(entry.last_ms);
                into.models = add_counts(&into.models, &entry.models);
                into.capabilities = add_counts(&into.capabilities, &entry.capabilities);
            }
        }
    }
    for entry in &mut out {
        if entry.tags.len() > 1 {
            entry.of_campaign = entry
                .clusters
                .first()
                .and_then(|k| k.cluster.campaign.as_deref())
                .and_then(|id| campaigns.get(id))
                .map(|k| (*k).clone());
            entry.clusters.sort_by(|a, b| {
                b.cluster
                    .score
                    .total_cmp(&a.cluster.score)
                    .then(b.cluster.members.len().cmp(&a.cluster.members.len()))
                    .then(a.cluster.id.len().cmp(&b.cluster.id.len()))
                    .then_with(|| a.cluster.id.cmp(&b.cluster.id))
            });
        }
    }
    out
}

/// Two mixes added up, most first (then by name).
fn add_counts(a: &Counts, b: &Counts) -> Counts {
    let mut sum: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
    for (name, n) in a.iter().chain(b) {
        *sum.entry(name.as_str()).or_default() += n;
    }
    let mut out: Counts = sum.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
    out.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
    out
}

/// Confirmed before open before dismissed, then by confidence (highest
/// first), label and tag id, so equal inputs always give the same report.
fn report_order(a: &Campaign, b: &Campaign) -> Ordering {
    let rank = |s: TagStatus| match s {
        TagStatus::Confirmed => 0,
        TagStatus::Open => 1,
        TagStatus::Dismissed => 2,
    };
    rank(a.tag.status)
        .cmp(&rank(b.tag.status))
        .then(b.tag.confidence.total_cmp(&a.tag.confidence))
        .then_with(|| a.tag.label.cmp(&b.tag.label))
        .then(a.tag.id.cmp(&b.tag.id))
}

/// The smaller of two optional times, `None` only when both are (unlike
/// `Option::min`, for which `None` is smallest).
fn min_some(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, y) => x.or(y),
    }
}

/// The notes as a report shows them: what each is on in words, and the
/// clusters and campaign it concerns now.
fn report_notes(
    notes: &[super::notes::ListedNote],
    accounts: &[super::workbench::AccountRow],
    clusters: &[StoredCluster],
    cluster_of_account: &[Option<usize>],
) -> Vec<ReportNote> {
    use super::notes::NoteOn;
    let id = |a: u32| {
        accounts
            .get(a as usize)
            .map_or_else(|| format!("#{a}"), |r| r.account_id.clone())
    };
    let cluster = |a: u32| {
        cluster_of_account
            .get(a as usize)
            .copied()
            .flatten()
            .and_then(|c| clusters.get(c))
            .map(|c| c.id.clone())
    };
    notes
        .iter()
        .map(|n| {
            let time = |ms: i64| crate::base::time::format_rfc3339_ms(ms);
            let (on, clusters, campaign) = match &n.note.on {
                NoteOn::Account { account } => (
                    format!("account {}", id(*account)),
                    cluster(*account).into_iter().collect(),
                    None,
                ),
                NoteOn::Link { a, b } => (
                    format!("link {} – {}", id(*a), id(*b)),
                    cluster(*a).into_iter().chain(cluster(*b)).collect(),
                    None,
                ),
                NoteOn::Cluster { id } => (
                    match &n.now_on {
                        Some(now) if now != id => format!("cluster {id} (now {now})"),
                        Some(_) => format!("cluster {id}"),
                        None => format!("cluster {id} (no longer in the case)"),
                    },
                    n.now_on.clone().into_iter().collect(),
                    None,
                ),
                NoteOn::Campaign { id } => (
                    match &n.now_on {
                        Some(now) if now != id => format!("campaign {id} (now {now})"),
                        Some(_) => format!("campaign {id}"),
                        None => format!("campaign {id} (no longer in the case)"),
                    },
                    Vec::new(),
                    n.now_on.clone(),
                ),
                NoteOn::Time { from_ms, to_ms } => (
                    format!("{} to {}", time(*from_ms), time(*to_ms)),
                    Vec::new(),
                    None,
                ),
            };
            ReportNote {
                on,
                note: n.note.clone(),
                clusters,
                campaign,
            }
        })
        .collect()
}
