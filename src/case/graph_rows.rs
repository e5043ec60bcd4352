//! The account-relationship graph as graph files carry it (GraphML, GEXF):
//! one node per account with what an analyst filters and colours by, one
//! edge per stored link with its evidence. Identifiers that could name a
//! customer (organisation, e-mail domain, card, sign-up address) are left
//! out on purpose, because graph files get passed around.
//!
//! Everything is read in one read transaction with a fixed number of
//! statements (no query per account or per link), so a case with 50K
//! accounts and 500K links is read in a few scans.

use std::borrow::Cow;
use std::collections::BTreeSet;

use rusqlite::{OptionalExtension, Transaction, TransactionBehavior};
use rustc_hash::FxHashMap;

use super::casework::TagStatus;
use super::{Case, CaseError};
use crate::base::time::format_rfc3339_ms;

/// The graph of a case (or of some of its clusters), ready to be written.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphRows {
    /// One node per exported account, by `accounts.id`.
    pub nodes: Vec<GraphNode>,
    /// The links among exported accounts, by their two `accounts.id`s.
    pub edges: Vec<GraphEdge>,
    /// The evidence kinds found on the exported edges, sorted by name;
    /// [`EdgeEvidence::kind`] is an index into this list.
    pub evidence_kinds: Vec<String>,
}

/// One account.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphNode {
    /// The provider's account id (the node id in graph files).
    pub account_id: String,
    /// When the account was created, RFC 3339 in UTC with milliseconds.
    pub created: String,
    /// Billing country, when known.
    pub billing_country: Option<String>,
    /// How the account reaches the API (direct, reseller, …), when known.
    pub access_path: Option<String>,
    /// Verification level at sign-up, when known.
    pub verification: Option<String>,
    /// Exchanges the account made.
    pub exchanges: i64,
    /// The cluster the account is in; `None` before any analysis.
    pub cluster: Option<NodeCluster>,
    /// The newest tag covering the account (on its cluster or on it by hand).
    pub tag: Option<NodeTag>,
    /// Position in the workbench's graph layout, when one is stored for
    /// every account of the case.
    pub position: Option<[f64; 2]>,
}

/// The cluster of an account, as the last analysis and later edits left it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeCluster {
    /// Cluster id (`c17`).
    pub id: String,
    /// The cluster's score (0..1).
    pub score: f64,
    /// Whether the analysis suspects the cluster of being a campaign.
    pub suspected: bool,
    /// Whether an analyst changed its membership after it was scored.
    pub edited: bool,
}

/// The tag on an account.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeTag {
    /// Tag id.
    pub id: i64,
    /// Campaign name.
    pub label: String,
    /// Open, confirmed or dismissed.
    pub status: TagStatus,
    /// The analyst's confidence, 0..1.
    pub confidence: f64,
}

/// One link between two exported accounts.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GraphEdge {
    /// Index in [`GraphRows::nodes`] of the link's `a` account.
    pub source: u32,
    /// Index in [`GraphRows::nodes`] of the link's `b` account.
    pub target: u32,
    /// The link's weight.
    pub weight: f64,
    /// The kinds of evidence on the link, in [`GraphRows::evidence_kinds`]
    /// order.
    pub evidence: Vec<EdgeEvidence>,
}

/// One kind of evidence on a link.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EdgeEvidence {
    /// Index in [`GraphRows::evidence_kinds`].
    pub kind: u32,
    /// How many values of this kind the two accounts share.
    pub shared: i64,
}

impl GraphRows {
    /// The name of an evidence kind of an edge (empty for an index that is
    /// not in [`GraphRows::evidence_kinds`]).
    pub fn kind_name(&self, evidence: &EdgeEvidence) -> &str {
        self.evidence_kinds
            .get(evidence.kind as usize)
            .map_or("", String::as_str)
    }
}

/// One stored tag, as the graph needs it.
struct TagRow {
    id: i64,
    cluster: Option<String>,
    tag: NodeTag,
}

impl Case {
    /// The relationship graph: every account, or only the members of
    /// `clusters` (an unknown cluster is [`CaseError::Invalid`] naming it),
    /// and the links whose both ends are exported. Nodes come by
    /// `accounts.id`, edges by their `(a, b)`. A case that has not been
    /// analysed gives nodes without clusters and no edges.
    pub fn graph_rows(&self, clusters: Option<&[String]>) -> Result<GraphRows, CaseError> {
        // One read transaction: an analysis stored meanwhile by another
        // program cannot mix its links with the previous clusters.
        let tx = Transaction::new_unchecked(self.conn(), TransactionBehavior::Deferred)?;
        let wanted = match clusters {
            Some(ids) => Some(wanted_clusters(&tx, ids)?),
            None => None,
        };
        let tags = read_tags(&tx)?;
        let (ids, nodes) = read_nodes(&tx, wanted.as_ref(), &tags)?;
        let (edges, evidence_kinds) = read_edges(&tx, &ids)?;
        drop(tx);
        Ok(GraphRows {
            nodes,
            edges,
            evidence_kinds,
        })
    }
}

/// Checks that every asked-for cluster exists.
fn wanted_clusters(tx: &Transaction<'_>, ids: &[String]) -> Result<BTreeSet<String>, CaseError> {
    if ids.is_empty() {
        return Err(CaseError::Invalid("no cluster to export".into()));
    }
    let mut stmt = tx.prepare("SELECT 1 FROM clusters WHERE id = ?1")?;
    let mut wanted = BTreeSet::new();
    for id in ids {
        let known = stmt.query_row([id], |_| Ok(())).optional()?.is_some();
        if !known {
            return Err(CaseError::Invalid(format!("no cluster {id} in this case")));
        }
        wanted.insert(id.clone());
    }
    Ok(wanted)
}

/// What tags cover: the newest tag of each cluster and of each account
/// tagged by hand, plus the tags themselves by id.
struct Tags {
    by_id: Vec<TagRow>,
    newest_on_cluster: FxHashMap<String, i64>,
    newest_on_account: FxHashMap<i64, i64>,
}

impl Tags {
    /// The newest tag covering `account` in `cluster`. Tag ids only grow,
    /// so the newest tag is the one with the highest id.
    fn covering(&self, account: i64, cluster: Option<&str>) -> Option<&NodeTag> {
        let on_cluster = cluster.and_then(|c| self.newest_on_cluster.get(c).copied());
        let on_account = self.newest_on_account.get(&account).copied();
        let id = on_cluster.max(on_account)?;
        let i = self.by_id.binary_search_by_key(&id, |t| t.id).ok()?;
        Some(&self.by_id[i].tag)
    }
}

fn read_tags(tx: &Transaction<'_>) -> Result<Tags, CaseError> {
    let mut stmt =
        tx.prepare("SELECT id, cluster, label, status, confidence FROM tags ORDER BY id")?;
    let by_id: Vec<TagRow> = stmt
        .query_map([], |r| {
            let status: String = r.get(3)?;
            Ok(TagRow {
                id: r.get(0)?,
                cluster: r.get(1)?,
                tag: NodeTag {
                    id: r.get(0)?,
                    label: r.get(2)?,
                    status: TagStatus::parse(&status).unwrap_or_default(),
                    confidence: r.get(4)?,
                },
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut newest_on_cluster: FxHashMap<String, i64> = FxHashMap::default();
    for row in &by_id {
        if let Some(cluster) = &row.cluster {
            // Rows come oldest first, so the last one wins.
            newest_on_cluster.insert(cluster.clone(), row.id);
        }
    }
    let mut newest_on_account: FxHashMap<i64, i64> = FxHashMap::default();
    let mut stmt = tx.prepare("SELECT tag, account FROM tag_accounts")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (tag, account): (i64, i64) = (r.get(0)?, r.get(1)?);
        let newest = newest_on_account.entry(account).or_insert(tag);
        *newest = (*newest).max(tag);
    }
    Ok(Tags {
        by_id,
        newest_on_cluster,
        newest_on_account,
    })
}

/// The exported accounts: their `accounts.id`s (ascending) and their nodes.
fn read_nodes(
    tx: &Transaction<'_>,
    wanted: Option<&BTreeSet<String>>,
    tags: &Tags,
) -> Result<(Vec<i64>, Vec<GraphNode>), CaseError> {
    // Like the workbench, take the layout only when it places every account:
    // anything else is left over from an interrupted layout.
    let whole_layout: bool = tx.query_row(
        "SELECT (SELECT count(*) FROM layout) = (SELECT count(*) FROM accounts)",
        [],
        |r| r.get(0),
    )?;
    let mut stmt = tx.prepare(
        "SELECT a.id, a.account_id, a.created_ms, a.billing_country, a.access_path, \
                a.verification, coalesce(s.exchanges, 0), \
                c.id, c.score, c.suspected, c.edited, l.x, l.y \
         FROM accounts a \
         LEFT JOIN account_summary s ON s.account = a.id \
         LEFT JOIN cluster_members m ON m.account = a.id \
         LEFT JOIN clusters c ON c.id = m.cluster \
         LEFT JOIN layout l ON l.account = a.id \
         ORDER BY a.id",
    )?;
    let mut rows = stmt.query([])?;
    let mut ids = Vec::new();
    let mut nodes = Vec::new();
    while let Some(r) = rows.next()? {
        let cluster_id: Option<String> = r.get(7)?;
        if let Some(wanted) = wanted {
            match &cluster_id {
                Some(id) if wanted.contains(id) => {}
                _ => continue,
            }
        }
        let account: i64 = r.get(0)?;
        let tag = tags.covering(account, cluster_id.as_deref()).cloned();
        let cluster = match cluster_id {
            Some(id) => Some(NodeCluster {
                id,
                score: r.get(8)?,
                suspected: r.get(9)?,
                edited: r.get(10)?,
            }),
            None => None,
        };
        let position = match (r.get::<_, Option<f64>>(11)?, r.get::<_, Option<f64>>(12)?) {
            (Some(x), Some(y)) if whole_layout && x.is_finite() && y.is_finite() => Some([x, y]),
            _ => None,
        };
        ids.push(account);
        nodes.push(GraphNode {
            account_id: r.get(1)?,
            created: format_rfc3339_ms(r.get(2)?),
            billing_country: r.get(3)?,
            access_path: r.get(4)?,
            verification: r.get(5)?,
            exchanges: r.get(6)?,
            cluster,
            tag,
            position,
        });
    }
    Ok((ids, nodes))
}

/// The links among the accounts `ids` (ascending), with their evidence,
/// and the evidence kinds sorted by name.
fn read_edges(
    tx: &Transaction<'_>,
    ids: &[i64],
) -> Result<(Vec<GraphEdge>, Vec<String>), CaseError> {
    let node = |account: i64| ids.binary_search(&account).ok().map(|i| i as u32);
    // (a, b) of each kept link, parallel to `edges`, for the merge below.
    let mut keys: Vec<(i64, i64)> = Vec::new();
    let mut edges: Vec<GraphEdge> = Vec::new();
    let mut stmt = tx.prepare("SELECT a, b, weight FROM links ORDER BY a, b")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let (a, b): (i64, i64) = (r.get(0)?, r.get(1)?);
        let (Some(source), Some(target)) = (node(a), node(b)) else {
            continue;
        };
        keys.push((a, b));
        edges.push(GraphEdge {
            source,
            target,
            weight: r.get(2)?,
            evidence: Vec::new(),
        });
    }
    // Both tables are keyed (a, b, …), so one merge pass joins them.
    let mut kinds: Vec<String> = Vec::new();
    let mut kind_index: FxHashMap<String, u32> = FxHashMap::default();
    let mut stmt =
        tx.prepare("SELECT a, b, kind, shared FROM link_evidence ORDER BY a, b, kind")?;
    let mut rows = stmt.query([])?;
    let mut at = 0usize;
    while let Some(r) = rows.next()? {
        let key: (i64, i64) = (r.get(0)?, r.get(1)?);
        while at < keys.len() && keys[at] < key {
            at += 1;
        }
        if keys.get(at) != Some(&key) {
            continue;
        }
        let kind: Cow<'_, str> = String::from_utf8_lossy(r.get_ref(2)?.as_bytes().unwrap_or(b""));
        let kind = match kind_index.get(kind.as_ref()) {
            Some(&i) => i,
            None => {
                let i = kinds.len() as u32;
                kinds.push(kind.clone().into_owned());
                kind_index.insert(kind.into_owned(), i);
                i
            }
        };
        edges[at].evidence.push(EdgeEvidence {
            kind,
            shared: r.get(3)?,
        });
    }
    // Kinds were numbered as met; renumber them in name order.
    let mut by_name: Vec<u32> = (0..kinds.len() as u32).collect();
    by_name.sort_by(|&x, &y| kinds[x as usize].cmp(&kinds[y as usize]));
    let mut rank = vec![0u32; kinds.len()];
    for (new, &old) in by_name.iter().enumerate() {
        rank[old as usize] = new as u32;
    }
    for edge in &mut edges {
        for e in &mut edge.evidence {
            e.kind = rank[e.kind as usize];
        }
        edge.evidence.sort_unstable_by_key(|e| e.kind);
    }
    let sorted_kinds = by_name
        .iter()
        .map(|&old| kinds[old as usize].clone())
        .collect();
    Ok((edges, sorted_kinds))
}
