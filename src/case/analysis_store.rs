//! Storing analysis results in the case: the latest run's clusters, members
//! and links with their evidence, and a log of every run's parameters.
//! A new run replaces the results in one transaction and touches nothing
//! else (tags and notes live in tables of their own).

use rusqlite::params;

use super::{Case, CaseError};

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
}

/// A run's results as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAnalysis {
    /// Parameters, as JSON.
    pub params_json: String,
    /// Sizes and timings, as JSON.
    pub stats_json: String,
    /// Clusters.
    pub clusters: Vec<StoredCluster>,
    /// Links: account indices a < b, weight, evidence.
    pub links: Vec<(u32, u32, f64, Vec<StoredLinkEvidence>)>,
}

/// Sub-score columns of `clusters`, in order.
pub const INDICATOR_COLUMNS: [&str; 6] = [
    "coordination",
    "extraction",
    "automation",
    "evasion",
    "release_pivot",
    "partner",
];

impl Case {
    /// Replaces the stored analysis results with `analysis`.
    pub fn store_analysis(&self, analysis: &StoredAnalysis) -> Result<(), CaseError> {
        let tx = self.conn().unchecked_transaction()?;
        tx.execute_batch("DELETE FROM link_evidence; DELETE FROM links; DELETE FROM cluster_members; DELETE FROM clusters;")?;
        tx.execute(
            "INSERT INTO analysis_runs (finished_at, params_json, stats_json) VALUES (?1, ?2, ?3)",
            params![
                crate::import::now_rfc3339(),
                analysis.params_json,
                analysis.stats_json
            ],
        )?;
        let run = tx.last_insert_rowid();
        {
            let mut cluster = tx.prepare(
                "INSERT INTO clusters (id, run, size, exchanges, score, suspected, coordination, extraction, \
                 automation, evasion, release_pivot, partner, reasons_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?;
            let mut member =
                tx.prepare("INSERT INTO cluster_members (account, cluster) VALUES (?1, ?2)")?;
            for c in &analysis.clusters {
                let value = |name: &str| {
                    c.indicators
                        .iter()
                        .find(|(n, _)| n == name)
                        .map_or(0.0, |(_, v)| *v)
                };
                let v: Vec<f64> = INDICATOR_COLUMNS.iter().map(|n| value(n)).collect();
                cluster.execute(params![
                    c.id,
                    run,
                    c.members.len(),
                    c.exchanges,
                    c.score,
                    c.suspected,
                    v[0],
                    v[1],
                    v[2],
                    v[3],
                    v[4],
                    v[5],
                    c.reasons_json
                ])?;
                for &a in &c.members {
                    member.execute(params![i64::from(a) + 1, c.id])?;
                }
            }
            let mut link = tx.prepare("INSERT INTO links (a, b, weight) VALUES (?1, ?2, ?3)")?;
            let mut evidence = tx.prepare(
                "INSERT INTO link_evidence (a, b, kind, shared, weight, example) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (a, b, weight, items) in &analysis.links {
                let (a, b) = (i64::from(*a) + 1, i64::from(*b) + 1);
                link.execute(params![a, b, weight])?;
                for e in items {
                    evidence.execute(params![a, b, e.kind, e.shared, e.weight, e.example])?;
                }
            }
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
            "SELECT id, exchanges, score, suspected, {}, reasons_json FROM clusters ORDER BY score DESC, id",
            INDICATOR_COLUMNS.join(", ")
        ))?;
        let mut clusters: Vec<StoredCluster> = stmt
            .query_map([], |r| {
                Ok(StoredCluster {
                    id: r.get(0)?,
                    members: Vec::new(),
                    exchanges: r.get(1)?,
                    score: r.get(2)?,
                    suspected: r.get(3)?,
                    indicators: INDICATOR_COLUMNS
                        .iter()
                        .enumerate()
                        .map(|(i, n)| Ok((n.to_string(), r.get::<_, f64>(4 + i)?)))
                        .collect::<rusqlite::Result<_>>()?,
                    reasons_json: r.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<_>>()?;
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
