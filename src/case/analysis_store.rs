//! Storing analysis results in the case: the latest run's clusters, members
//! and links with their evidence, and a log of every run's parameters.
//! A new run replaces the results in one transaction and touches nothing
//! else (tags and notes live in tables of their own).

use rusqlite::params;

use super::casework::{Stamp, Who};
use super::{Case, CaseError};
use crate::facts::{Carried, ModelHour, ModelHours};

/// One kind of evidence on a stored link.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredLinkEvidence {
    /// Evidence kind name.
    pub kind: String,
    /// Values (or minutes) shared.
    pub shared: u32,
    /// Contribution to the link weight.
    pub weight: f64,
    /// One shared value.
    pub example: String,
}

/// A cluster as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredCluster {
    /// Cluster id (`c17`).
    pub id: String,
    /// Account indices (0-based).
    pub members: Vec<u32>,
    /// Exchanges of the members.
    pub exchanges: u64,
    /// Combined score.
    pub score: f64,
    /// The tool's verdict.
    pub suspected: bool,
    /// Named sub-scores.
    pub indicators: Vec<(String, f64)>,
    /// The reasons, as JSON.
    pub reasons_json: String,
    /// The campaign it is part of, if any.
    pub campaign: Option<String>,
    /// Suspected only because its campaign is: its first reason has the
    /// indicator `campaign`, and its own score (a one-account fragment's
    /// is 0) is no verdict. See [`StoredCluster::inherited_from`].
    pub inherited: bool,
}

impl StoredCluster {
    /// The campaign whose verdict this cluster carries, when it is
    /// suspected only as part of it: what the inspector, the tables and the
    /// report say instead of a bare score beside "suspected".
    pub fn inherited_from(&self) -> Option<&str> {
        if self.inherited && self.suspected {
            self.campaign.as_deref()
        } else {
            None
        }
    }
}

/// Whether a cluster's reasons (as stored, JSON) say it is suspected only as
/// part of its campaign: the first reason's indicator is `campaign`.
/// Unreadable reasons say no.
pub fn verdict_from_campaign(reasons_json: &str) -> bool {
    /// A reason's indicator; its other fields are skipped.
    #[derive(serde::Deserialize)]
    struct Indicator {
        indicator: String,
    }
    serde_json::from_str::<Vec<Indicator>>(reasons_json)
        .is_ok_and(|list| list.first().is_some_and(|r| r.indicator == "campaign"))
}

/// One cluster's traffic on one model in one hour (`cluster_model_hourly`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClusterModelHour {
    /// Index of the cluster in [`StoredAnalysis::clusters`].
    pub cluster: u32,
    /// Model id in `models`.
    pub model: u32,
    /// Hour since the epoch (UTC).
    pub hour: i64,
    /// Exchanges.
    pub exchanges: u64,
    /// Prompt tokens.
    pub input_tokens: i64,
    /// Completion tokens.
    pub output_tokens: i64,
}

/// One example excerpt per template: (`templates.id`, `excerpts.id`).
pub type TemplateExamples = Vec<(i64, i64)>;

/// One kind of evidence on a link, as the store writes it: (kind name,
/// values shared, contribution to the link weight, one shared value).
pub type EvidenceRow<'a> = (&'a str, u32, f64, &'a str);

/// What visiting a link does with it: (account index a < b, weight, its
/// evidence).
pub type LinkVisitor<'v> =
    dyn FnMut(u32, u32, f64, &[EvidenceRow<'_>]) -> Result<(), CaseError> + 'v;

/// A run's links, lent to the store by whoever holds them (the evidence
/// graph), so that storing copies none of them.
pub trait LinkSource: Send + Sync {
    /// Calls `visit` for every link, in order, until it fails.
    fn visit(&self, visit: &mut LinkVisitor<'_>) -> Result<(), CaseError>;
}

/// A run's results as stored.
pub struct StoredAnalysis {
    /// Parameters, as JSON.
    pub params_json: String,
    /// Sizes and timings, as JSON.
    pub stats_json: String,
    /// Clusters.
    pub clusters: Vec<StoredCluster>,
    /// Campaigns (groups of clusters).
    pub campaigns: Vec<StoredCampaign>,
    /// Links: account indices a < b, weight, evidence.
    pub links: std::sync::Arc<dyn LinkSource>,
    /// Per cluster of two or more accounts: its traffic per model and hour.
    pub cluster_series: Vec<ClusterModelHour>,
    /// One example excerpt per template.
    pub template_examples: TemplateExamples,
    /// The links stored by the latest run are this run's (a re-run on the
    /// same evidence graph): they are left in place, and `links` is not read.
    pub keep_links: bool,
}

pub use super::schema::INDICATOR_COLUMNS;

/// A campaign as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredCampaign {
    /// Campaign id (`k17`).
    pub id: String,
    /// Its clusters' ids, highest score first.
    pub clusters: Vec<String>,
    /// Accounts in its clusters.
    pub accounts: u64,
    /// Exchanges of those accounts.
    pub exchanges: u64,
    /// Combined score of the campaign as one group.
    pub score: f64,
    /// The tool's verdict on the campaign.
    pub suspected: bool,
    /// How strongly its clusters are tied (0..1).
    pub cohesion: f64,
    /// Named sub-scores, in [`INDICATOR_COLUMNS`] order.
    pub indicators: Vec<(String, f64)>,
    /// The reasons, as JSON.
    pub reasons_json: String,
}

/// `?from, ?from+1, …` for `count` parameters.
fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Sub-score values in [`INDICATOR_COLUMNS`] order (0 for a missing one).
fn indicator_values(indicators: &[(String, f64)]) -> Vec<rusqlite::types::Value> {
    INDICATOR_COLUMNS
        .iter()
        .map(|name| {
            indicators
                .iter()
                .find(|(n, _)| n == name)
                .map_or(0.0, |(_, v)| *v)
                .into()
        })
        .collect()
}

/// The sub-scores of a row whose [`INDICATOR_COLUMNS`] start at column
/// `first`, named.
fn indicators_at(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<Vec<(String, f64)>> {
    INDICATOR_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, n)| Ok((n.to_string(), r.get::<_, f64>(first + i)?)))
        .collect()
}

impl Case {
    /// The stored campaigns, highest score first; empty before any
    /// analysis or after one by a build without campaigns.
    pub fn stored_campaigns(&self) -> Result<Vec<StoredCampaign>, CaseError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT id, size, exchanges, score, suspected, cohesion, {}, reasons_json FROM campaigns \
             ORDER BY score DESC, id",
            INDICATOR_COLUMNS.join(", ")
        ))?;
        let mut campaigns: Vec<StoredCampaign> = stmt
            .query_map([], |r| {
                Ok(StoredCampaign {
                    id: r.get(0)?,
                    clusters: Vec::new(),
                    accounts: r.get(1)?,
                    exchanges: r.get(2)?,
                    score: r.get(3)?,
                    suspected: r.get(4)?,
                    cohesion: r.get(5)?,
                    indicators: indicators_at(r, 6)?,
                    reasons_json: r.get(6 + INDICATOR_COLUMNS.len())?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        let index: std::collections::HashMap<String, usize> = campaigns
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let mut stmt = self
            .conn()
            .prepare("SELECT cluster, campaign FROM campaign_clusters ORDER BY campaign, rank")?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let (cluster, campaign): (String, String) = (r.get(0)?, r.get(1)?);
            if let Some(&i) = index.get(&campaign) {
                campaigns[i].clusters.push(cluster);
            }
        }
        Ok(campaigns)
    }

    /// Replaces the stored analysis results with `analysis`, with no case
    /// work to carry over (a case nobody has tagged or edited).
    pub fn store_analysis(&self, analysis: &StoredAnalysis) -> Result<(), CaseError> {
        self.store_analysis_carrying(analysis, None)
    }

    /// Replaces the stored analysis results with `analysis` and, in the same
    /// transaction, moves pins and tags to their new clusters and logs the
    /// run. `carry` names the [`Stamp`] the carry-over was computed at: if
    /// anything was written since, nothing is stored and the result is
    /// [`CaseError::Conflict`] (compute the carry-over again).
    pub fn store_analysis_carrying(
        &self,
        analysis: &StoredAnalysis,
        carry: Option<(&Carried, Stamp, &Who)>,
    ) -> Result<(), CaseError> {
        let tx = rusqlite::Transaction::new_unchecked(
            self.conn(),
            rusqlite::TransactionBehavior::Immediate,
        )?;
        if let Some((_, stamp, _)) = carry
            && self.change_stamp()? != stamp
        {
            return Err(CaseError::Conflict(
                "the case changed while the analysis ran".into(),
            ));
        }
        // The layout belongs to the clustering it was drawn for, so it goes too.
        if !analysis.keep_links {
            tx.execute_batch("DELETE FROM link_evidence; DELETE FROM links;")?;
        }
        tx.execute_batch(
            "DELETE FROM cluster_members; DELETE FROM clusters; \
             DELETE FROM campaigns; DELETE FROM campaign_clusters; \
             DELETE FROM cluster_model_hourly; DELETE FROM template_examples; DELETE FROM layout;",
        )?;
        tx.execute(
            "INSERT INTO analysis_runs (finished_at, params_json, stats_json) VALUES (?1, ?2, ?3)",
            params![
                crate::base::time::now_rfc3339(),
                analysis.params_json,
                analysis.stats_json
            ],
        )?;
        let run = tx.last_insert_rowid();
        {
            let mut cluster = tx.prepare(&format!(
                "INSERT INTO clusters (id, run, size, exchanges, score, suspected, {}, reasons_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, {}, ?{})",
                INDICATOR_COLUMNS.join(", "),
                placeholders(7, INDICATOR_COLUMNS.len()),
                7 + INDICATOR_COLUMNS.len()
            ))?;
            let mut member =
                tx.prepare("INSERT INTO cluster_members (account, cluster) VALUES (?1, ?2)")?;
            for c in &analysis.clusters {
                let mut values: Vec<rusqlite::types::Value> = vec![
                    c.id.clone().into(),
                    run.into(),
                    (c.members.len() as i64).into(),
                    (c.exchanges as i64).into(),
                    c.score.into(),
                    i64::from(c.suspected).into(),
                ];
                values.extend(indicator_values(&c.indicators));
                values.push(c.reasons_json.clone().into());
                cluster.execute(rusqlite::params_from_iter(values))?;
                for &a in &c.members {
                    member.execute(params![i64::from(a) + 1, c.id])?;
                }
            }
            let mut campaign = tx.prepare(&format!(
                "INSERT INTO campaigns (id, run, clusters, size, exchanges, score, suspected, cohesion, {}, reasons_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, {}, ?{})",
                INDICATOR_COLUMNS.join(", "),
                placeholders(9, INDICATOR_COLUMNS.len()),
                9 + INDICATOR_COLUMNS.len()
            ))?;
            let mut part = tx.prepare(
                "INSERT INTO campaign_clusters (cluster, campaign, rank) VALUES (?1, ?2, ?3)",
            )?;
            for k in &analysis.campaigns {
                let mut values: Vec<rusqlite::types::Value> = vec![
                    k.id.clone().into(),
                    run.into(),
                    (k.clusters.len() as i64).into(),
                    (k.accounts as i64).into(),
                    (k.exchanges as i64).into(),
                    k.score.into(),
                    i64::from(k.suspected).into(),
                    k.cohesion.into(),
                ];
                values.extend(indicator_values(&k.indicators));
                values.push(k.reasons_json.clone().into());
                campaign.execute(rusqlite::params_from_iter(values))?;
                for (rank, c) in k.clusters.iter().enumerate() {
                    part.execute(params![c, k.id, rank as i64])?;
                }
            }
            let mut link = tx.prepare("INSERT INTO links (a, b, weight) VALUES (?1, ?2, ?3)")?;
            let mut evidence = tx.prepare(
                "INSERT INTO link_evidence (a, b, kind, shared, weight, example) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            if !analysis.keep_links {
                analysis.links.visit(&mut |a, b, weight, items| {
                    let (a, b) = (i64::from(a) + 1, i64::from(b) + 1);
                    link.execute(params![a, b, weight])?;
                    for &(kind, shared, weight, example) in items {
                        evidence.execute(params![a, b, kind, shared, weight, example])?;
                    }
                    Ok(())
                })?;
            }
            let mut series = tx.prepare(
                "INSERT INTO cluster_model_hourly (cluster, model, hour, exchanges, input_tokens, output_tokens) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut example =
                tx.prepare("INSERT INTO template_examples (template, excerpt) VALUES (?1, ?2)")?;
            for (template, excerpt) in &analysis.template_examples {
                example.execute(params![template, excerpt])?;
            }
            for row in &analysis.cluster_series {
                let Some(cluster) = analysis.clusters.get(row.cluster as usize) else {
                    continue;
                };
                series.execute(params![
                    cluster.id,
                    i64::from(row.model) + 1,
                    row.hour,
                    row.exchanges,
                    row.input_tokens,
                    row.output_tokens
                ])?;
            }
        }
        if let Some((carried, _, who)) = carry {
            super::casework::record_carried(&tx, who, carried)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The stored clusters: id, member account ids, score, suspected,
    /// sub-scores; highest score first. `None` before any analysis.
    pub fn stored_clusters(&self) -> Result<Option<Vec<StoredCluster>>, CaseError> {
        let runs: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM analysis_runs", [], |r| r.get(0))?;
        if runs == 0 {
            return Ok(None);
        }
        let mut stmt = self.conn().prepare(&format!(
            "SELECT c.id, c.exchanges, c.score, c.suspected, {}, c.reasons_json, k.campaign \
             FROM clusters c LEFT JOIN campaign_clusters k ON k.cluster = c.id ORDER BY c.score DESC, c.id",
            INDICATOR_COLUMNS.map(|n| format!("c.{n}")).join(", ")
        ))?;
        let mut clusters: Vec<StoredCluster> = stmt
            .query_map([], |r| {
                Ok(StoredCluster {
                    id: r.get(0)?,
                    members: Vec::new(),
                    exchanges: r.get(1)?,
                    score: r.get(2)?,
                    suspected: r.get(3)?,
                    indicators: indicators_at(r, 4)?,
                    reasons_json: r.get(4 + INDICATOR_COLUMNS.len())?,
                    campaign: r.get(5 + INDICATOR_COLUMNS.len())?,
                    inherited: false,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
        for c in clusters.iter_mut().filter(|c| c.suspected) {
            c.inherited = verdict_from_campaign(&c.reasons_json);
        }
        let index: std::collections::HashMap<String, usize> = clusters
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let mut stmt = self
            .conn()
            .prepare("SELECT account, cluster FROM cluster_members ORDER BY account")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (account, cluster): (i64, String) = (r.get(0)?, r.get(1)?);
            if let Some(&i) = index.get(&cluster) {
                clusters[i].members.push((account - 1) as u32);
            }
        }
        Ok(Some(clusters))
    }
}

impl Case {
    /// One pass over `exchanges` (in parts on several threads,
    /// [`Case::scan_exchanges_in_parts`]) for the clusters' series: each
    /// part starts from `new()`, and `add(part, account index, hour, model
    /// index, prompt tokens, completion tokens)` counts one exchange in it;
    /// the parts in id order, and the first excerpt seen with each template
    /// (0: none), by template.
    fn scan_series<T: Send>(
        &self,
        accounts: usize,
        new: impl Fn() -> T + Sync,
        add: impl Fn(&mut T, usize, i64, u32, i64, i64) + Sync,
    ) -> Result<(Vec<T>, Vec<i64>), CaseError> {
        let parts = self.scan_exchanges_in_parts(|case, first, last| {
            let mut part = new();
            let mut examples: Vec<i64> = Vec::new();
            let mut stmt = case.conn().prepare(
                "SELECT account, ts_ms, model, input_tokens, output_tokens, template, excerpt \
                 FROM exchanges WHERE id BETWEEN ?1 AND ?2",
            )?;
            let mut rows = stmt.query([first, last])?;
            while let Some(r) = rows.next()? {
                if let (Some(template), Some(excerpt)) =
                    (r.get::<_, Option<i64>>(5)?, r.get::<_, Option<i64>>(6)?)
                    && let Ok(slot) = usize::try_from(template)
                {
                    if examples.len() <= slot {
                        examples.resize(slot + 1, 0);
                    }
                    if examples[slot] == 0 {
                        examples[slot] = excerpt;
                    }
                }
                let Some(account) = usize::try_from(r.get::<_, i64>(0)? - 1)
                    .ok()
                    .filter(|&a| a < accounts)
                else {
                    continue;
                };
                let hour = crate::case::builder::hour_of_ms(r.get(1)?);
                let model = (r.get::<_, i64>(2)? - 1).max(0) as u32;
                add(&mut part, account, hour, model, r.get(3)?, r.get(4)?);
            }
            Ok((part, examples))
        })?;
        let mut examples: Vec<i64> = Vec::new();
        let mut out = Vec::with_capacity(parts.len());
        for (part, part_examples) in parts {
            if examples.len() < part_examples.len() {
                examples.resize(part_examples.len(), 0);
            }
            for (slot, excerpt) in examples.iter_mut().zip(part_examples) {
                if *slot == 0 {
                    *slot = excerpt;
                }
            }
            out.push(part);
        }
        Ok((out, examples))
    }

    /// One pass over `exchanges`: the traffic per model and hour of every
    /// cluster `cluster_of` names (account index → cluster index, `None`
    /// for accounts whose cluster gets no series), sorted by cluster, model
    /// and hour; and the first excerpt seen with each template, by template.
    /// The analysis sums the same from the rollup instead
    /// ([`Self::cluster_model_hourly_from_rollup`]); this reads what the
    /// rollup was made from (tests check the two agree).
    pub fn cluster_model_hourly(
        &self,
        cluster_of: &[Option<u32>],
    ) -> Result<(Vec<ClusterModelHour>, TemplateExamples), CaseError> {
        let (parts, examples) = self.scan_series(
            cluster_of.len(),
            SeriesSums::default,
            |sums, account, hour, model, input, output| {
                if let Some(cluster) = cluster_of[account] {
                    let slot = sums.entry((cluster, model, hour)).or_default();
                    slot.0 += 1;
                    slot.1 += input;
                    slot.2 += output;
                }
            },
        )?;
        Ok((series_rows(summed(parts)), template_examples(&examples)))
    }

    /// Reads `account_model_hourly` in parts of accounts on several
    /// threads ([`Case::scan_in_parts`]), each into a `T` from `new` by
    /// `add(part, account index, hour, model index, exchanges, prompt
    /// tokens, completion tokens)`, in key order within a part; the parts
    /// in account order. Rows of accounts outside `0..accounts` are skipped.
    fn scan_series_rollup<T: Send>(
        &self,
        accounts: usize,
        new: impl Fn() -> T + Sync,
        add: impl Fn(&mut T, usize, i64, u32, u64, i64, i64) + Sync,
    ) -> Result<Vec<T>, CaseError> {
        // Accounts with few rows are not worth a second connection.
        self.scan_in_parts(
            "account_model_hourly",
            "account",
            1_000,
            8,
            |case, first, last| {
                let mut part = new();
                let mut stmt = case.conn().prepare(
                    "SELECT account, hour, model, exchanges, input_tokens, output_tokens \
                 FROM account_model_hourly WHERE account BETWEEN ?1 AND ?2",
                )?;
                let mut rows = stmt.query([first, last])?;
                while let Some(r) = rows.next()? {
                    let Some(account) = usize::try_from(r.get::<_, i64>(0)? - 1)
                        .ok()
                        .filter(|&a| a < accounts)
                    else {
                        continue;
                    };
                    let model = (r.get::<_, i64>(2)? - 1).max(0) as u32;
                    let exchanges = u64::try_from(r.get::<_, i64>(3)?).unwrap_or(0);
                    add(
                        &mut part,
                        account,
                        r.get(1)?,
                        model,
                        exchanges,
                        r.get(4)?,
                        r.get(5)?,
                    );
                }
                Ok(part)
            },
        )
    }

    /// [`Self::cluster_model_hourly`]'s series summed from the rollup
    /// `account_model_hourly` instead of the exchanges: the same rows.
    pub fn cluster_model_hourly_from_rollup(
        &self,
        cluster_of: &[Option<u32>],
    ) -> Result<Vec<ClusterModelHour>, CaseError> {
        let parts = self.scan_series_rollup(
            cluster_of.len(),
            SeriesSums::default,
            |sums, account, hour, model, exchanges, input, output| {
                if let Some(cluster) = cluster_of[account] {
                    let slot = sums.entry((cluster, model, hour)).or_default();
                    slot.0 += exchanges;
                    slot.1 += input;
                    slot.2 += output;
                }
            },
        )?;
        Ok(series_rows(summed(parts)))
    }

    /// [`Self::model_hours`] from the rollup `account_model_hourly`, with
    /// `template_examples` as
    /// [`crate::facts::Activity::template_examples`] has them; `None` when
    /// a row's counts do not fit the compact form (the caller then reads
    /// the exchanges).
    pub fn model_hours_from_rollup(
        &self,
        n: usize,
        template_examples: Vec<i64>,
    ) -> Result<Option<ModelHours>, CaseError> {
        // Per part (a range of accounts, in order): each row's account and
        // entry in key order, and whether every row fitted.
        type Part = (Vec<u32>, Vec<ModelHour>, bool);
        let parts = self.scan_series_rollup(
            n,
            || -> Part { (Vec::new(), Vec::new(), true) },
            |(accounts, entries, fits), account, hour, model, exchanges, input, output| match (
                i32::try_from(hour),
                u32::try_from(exchanges),
                u32::try_from(input),
                u32::try_from(output),
            ) {
                (Ok(hour), Ok(exchanges), Ok(input_tokens), Ok(output_tokens)) => {
                    accounts.push(account as u32);
                    entries.push(ModelHour {
                        hour,
                        model,
                        exchanges,
                        input_tokens,
                        output_tokens,
                    });
                }
                _ => *fits = false,
            },
        )?;
        if !parts.iter().all(|(_, _, fits)| *fits) {
            return Ok(None);
        }
        // The parts' rows are in account order: one after another, they are
        // each account's entries, laid out account after account.
        let mut counts = vec![0u32; n];
        let mut entries: Vec<ModelHour> =
            Vec::with_capacity(parts.iter().map(|(_, e, _)| e.len()).sum());
        for (accounts, part_entries, _) in parts {
            for &a in &accounts {
                counts[a as usize] += 1;
            }
            entries.extend(part_entries);
        }
        let mut starts = Vec::with_capacity(n + 1);
        starts.push(0u32);
        let mut at = 0u32;
        for count in counts {
            let from = at as usize;
            at = at.saturating_add(count);
            // Each account's entries by model and hour, as the pass over the
            // exchanges lays them out.
            entries[from..at as usize].sort_unstable_by_key(|e| (e.model, e.hour));
            starts.push(at);
        }
        Ok(Some(ModelHours {
            starts,
            entries,
            wide: Vec::new(),
            template_examples,
        }))
    }

    /// One pass over `exchanges`: the traffic per model and hour of each
    /// of the case's `n` accounts ([`ModelHours`]), what [`cluster_series`]
    /// sums any clustering's series from without reading the exchanges
    /// again.
    pub fn model_hours(&self, n: usize) -> Result<ModelHours, CaseError> {
        type Part = (Vec<Vec<ModelHour>>, Vec<(u32, u32, i64, i64, i64)>);
        let (parts, examples) = self.scan_series(
            n,
            || -> Part { (vec![Vec::new(); n], Vec::new()) },
            |(lists, wide), account, hour, model, input, output| {
                let (Ok(h), Ok(i), Ok(o)) = (
                    i32::try_from(hour),
                    u32::try_from(input),
                    u32::try_from(output),
                ) else {
                    wide.push((account as u32, model, hour, input, output));
                    return;
                };
                let entry = ModelHour {
                    hour: h,
                    model,
                    exchanges: 1,
                    input_tokens: i,
                    output_tokens: o,
                };
                let list = &mut lists[account];
                let added = list
                    .last_mut()
                    .is_some_and(|e| (e.hour, e.model) == (h, model) && e.try_add(&entry));
                if !added {
                    list.push(entry);
                }
            },
        )?;
        // The parts in id order, each account's lists joined.
        let mut parts = parts.into_iter();
        let (mut lists, mut wide): Part = parts
            .next()
            .unwrap_or_else(|| (vec![Vec::new(); n], Vec::new()));
        for (part_lists, part_wide) in parts {
            for (to, from) in lists.iter_mut().zip(part_lists) {
                to.extend(from);
            }
            wide.extend(part_wide);
        }
        // Each account's entries sorted by model and hour, those with one
        // key summed as far as the compact form holds them, laid out one
        // account after another (each list freed as it is copied).
        let mut starts = Vec::with_capacity(n + 1);
        let mut entries: Vec<ModelHour> = Vec::with_capacity(lists.iter().map(Vec::len).sum());
        starts.push(0u32);
        for mut list in lists {
            list.sort_unstable_by_key(|e| (e.model, e.hour));
            let from = entries.len();
            for e in list {
                if entries.len() > from
                    && let Some(last) = entries.last_mut()
                    && (last.model, last.hour) == (e.model, e.hour)
                    && last.try_add(&e)
                {
                    continue;
                }
                entries.push(e);
            }
            starts.push(u32::try_from(entries.len()).unwrap_or(u32::MAX));
        }
        entries.shrink_to_fit();
        Ok(ModelHours {
            starts,
            entries,
            wide,
            template_examples: examples,
        })
    }

    /// The parameters of the latest analysis run, as JSON.
    pub fn last_analysis_params(&self) -> Result<Option<String>, CaseError> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn()
            .query_row(
                "SELECT params_json FROM analysis_runs ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores graph positions, one `[x, y]` per account index, replacing
    /// any earlier layout.
    pub fn store_layout(&self, positions: &[[f32; 2]]) -> Result<(), CaseError> {
        let tx = self.conn().unchecked_transaction()?;
        tx.execute("DELETE FROM layout", [])?;
        {
            let mut insert =
                tx.prepare("INSERT INTO layout (account, x, y) VALUES (?1, ?2, ?3)")?;
            for (i, [x, y]) in positions.iter().enumerate() {
                insert.execute(params![i as i64 + 1, f64::from(*x), f64::from(*y)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The stored layout, if it covers exactly the case's `accounts`
    /// accounts (anything else is stale and must be recomputed).
    pub fn stored_layout(&self, accounts: usize) -> Result<Option<Vec<[f32; 2]>>, CaseError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT account, x, y FROM layout ORDER BY account")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::with_capacity(accounts);
        while let Some(r) = rows.next()? {
            let (account, x, y): (i64, f64, f64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            if account != out.len() as i64 + 1 || !x.is_finite() || !y.is_finite() {
                return Ok(None);
            }
            out.push([x as f32, y as f32]);
        }
        Ok((out.len() == accounts && accounts > 0).then_some(out))
    }
}

/// The traffic per model and hour of every cluster `cluster_of` names
/// (account index → cluster index, `None` for accounts whose cluster gets
/// no series), sorted by cluster, model and hour, summed from the
/// accounts' ([`Case::model_hours`]); and each template's example
/// excerpt, by template.
pub fn cluster_series(
    hours: &ModelHours,
    cluster_of: &[Option<u32>],
) -> (Vec<ClusterModelHour>, TemplateExamples) {
    let mut sums = SeriesSums::default();
    for (a, cluster) in cluster_of.iter().enumerate() {
        let Some(cluster) = *cluster else {
            continue;
        };
        for e in hours.of(a) {
            let slot = sums
                .entry((cluster, e.model, i64::from(e.hour)))
                .or_default();
            slot.0 += u64::from(e.exchanges);
            slot.1 += i64::from(e.input_tokens);
            slot.2 += i64::from(e.output_tokens);
        }
    }
    for &(a, model, hour, input, output) in &hours.wide {
        let Some(Some(cluster)) = cluster_of.get(a as usize) else {
            continue;
        };
        let slot = sums.entry((*cluster, model, hour)).or_default();
        slot.0 += 1;
        slot.1 = slot.1.wrapping_add(input);
        slot.2 = slot.2.wrapping_add(output);
    }
    (
        series_rows(sums),
        template_examples(&hours.template_examples),
    )
}

/// Per (cluster, model index, hour): exchanges, prompt and completion tokens.
type SeriesSums = rustc_hash::FxHashMap<(u32, u32, i64), (u64, i64, i64)>;

/// The parts' sums added up.
fn summed(parts: Vec<SeriesSums>) -> SeriesSums {
    let mut sums = SeriesSums::default();
    for part in parts {
        if sums.is_empty() {
            sums = part;
            continue;
        }
        for (key, (n, input, output)) in part {
            let slot = sums.entry(key).or_default();
            slot.0 += n;
            slot.1 += input;
            slot.2 += output;
        }
    }
    sums
}

/// Summed series as rows, sorted by cluster, model and hour.
fn series_rows(sums: SeriesSums) -> Vec<ClusterModelHour> {
    let mut out: Vec<ClusterModelHour> = sums
        .into_iter()
        .map(
            |((cluster, model, hour), (exchanges, input_tokens, output_tokens))| ClusterModelHour {
                cluster,
                model,
                hour,
                exchanges,
                input_tokens,
                output_tokens,
            },
        )
        .collect();
    out.sort_unstable_by_key(|r| (r.cluster, r.model, r.hour));
    out
}

/// (template, excerpt) for every template with an example (0: none).
pub fn template_examples(by_template: &[i64]) -> TemplateExamples {
    by_template
        .iter()
        .enumerate()
        .filter(|(_, excerpt)| **excerpt != 0)
        .map(|(template, excerpt)| (template as i64, *excerpt))
        .collect()
}
