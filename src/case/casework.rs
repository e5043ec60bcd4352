//! Case work: analyst tags, hand edits of cluster membership, undo and redo,
//! and the append-only audit log.
//!
//! Every action is one `BEGIN IMMEDIATE` transaction that reads the rows it
//! is about to touch (a [`Snapshot`]), changes them, reads them again and
//! appends both snapshots to `audit_log`. Undo writes the "before" snapshot
//! back and redo the "after" one, each only after checking that the rows are
//! still exactly as the action left them, so nobody's later change is ever
//! overwritten silently: the caller gets [`CaseError::Conflict`] instead.

use super::guard::{MAX_NOTES_BYTES, MAX_TAG_FIELD_BYTES};
use std::collections::{BTreeMap, BTreeSet};

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use super::conflict_row::{ConflictRow, MERGE_ACTION, read_conflict_row, write_conflict_state};
use super::note_rows::{NoteSlot, ViewSlot, read_note, read_view, write_note, write_view};
use super::schema::INDICATOR_COLUMNS;
use super::{Case, CaseError};
use crate::facts::{Carried, CarryOver};

/// Where an analyst stands on a tagged campaign.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TagStatus {
    /// Under investigation.
    #[default]
    Open,
    /// Confirmed as a distillation campaign.
    Confirmed,
    /// Looked at and dismissed.
    Dismissed,
}

impl TagStatus {
    /// Every status, in workflow order.
    pub const ALL: [TagStatus; 3] = [TagStatus::Open, TagStatus::Confirmed, TagStatus::Dismissed];

    /// The name stored in the case and used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            TagStatus::Open => "open",
            TagStatus::Confirmed => "confirmed",
            TagStatus::Dismissed => "dismissed",
        }
    }

    /// Parses a stored or typed name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A tag as stored: on a cluster (following it through edits and
/// re-analyses) or on an ad-hoc set of accounts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tag {
    /// Tag id (never reused).
    pub id: i64,
    /// The cluster it is on, or `None` for a set of accounts.
    pub cluster: Option<String>,
    /// The accounts of an ad-hoc tag (account indices, ascending); empty for
    /// a cluster's tag, whose accounts are the cluster's members.
    pub accounts: Vec<u32>,
    /// Campaign name.
    pub label: String,
    /// Targeted capability (free text; the workbench offers the usual ones).
    pub capability: String,
    /// Open, confirmed or dismissed.
    pub status: TagStatus,
    /// The analyst's confidence, 0..1.
    pub confidence: f64,
    /// Attributed actor (free text).
    pub actor: String,
    /// Notes.
    pub notes: String,
    /// Who made the tag.
    pub analyst: String,
    /// When it was made (RFC 3339, UTC).
    pub created_at: String,
    /// When it last changed (RFC 3339, UTC).
    pub updated_at: String,
    /// Who changed it last.
    pub updated_by: String,
    /// The merge (`merges.id`) that brought the tag from another analyst's
    /// case; `None` for a tag made in this case. Left out of JSON when
    /// `None`, so snapshots of tags made here read as before format 6.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<i64>,
}

/// The confidence of a new tag nobody has set one for.
pub const DEFAULT_CONFIDENCE: f64 = 0.5;

/// What to set on a tag; `None` keeps the current value (or the default for
/// a new tag: status open, [`DEFAULT_CONFIDENCE`], the rest empty).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TagPatch {
    /// Campaign name (needed for a new tag).
    pub label: Option<String>,
    /// Targeted capability.
    pub capability: Option<String>,
    /// Status.
    pub status: Option<TagStatus>,
    /// Confidence, 0..1.
    pub confidence: Option<f64>,
    /// Attributed actor.
    pub actor: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

/// Which front end an action came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// The workbench window.
    Workbench,
    /// The command line.
    Cli,
}

impl Origin {
    /// The name stored in `audit_log.origin`.
    pub fn name(self) -> &'static str {
        match self {
            Origin::Workbench => "workbench",
            Origin::Cli => "cli",
        }
    }
}

/// Who is acting: written with every action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Who {
    /// The analyst's name.
    pub analyst: String,
    /// The front end.
    pub origin: Origin,
    /// One id per workbench session or command run, to tell sessions apart.
    pub session: String,
}

impl Who {
    /// An analyst named by `HYDRASCOPE_ANALYST`, else the login name, in a
    /// new session.
    pub fn from_env(origin: Origin) -> Self {
        let analyst = ["HYDRASCOPE_ANALYST", "USER", "USERNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
            .unwrap_or_else(|| "unknown analyst".to_string());
        Self::named(analyst.trim(), origin)
    }

    /// `analyst` in a new session.
    pub fn named(analyst: &str, origin: Origin) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        Self {
            analyst: analyst.to_string(),
            origin,
            session: format!("{}-{:x}", std::process::id(), nanos & 0xffff_ffff_ffff),
        }
    }
}

/// A stored cluster row, whole, as the audit log keeps it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterRow {
    /// Cluster id.
    pub id: String,
    /// The analysis run that scored it.
    pub run: i64,
    /// Members.
    pub size: i64,
    /// Exchanges of the members.
    pub exchanges: i64,
    /// Score (from the last analysis).
    pub score: f64,
    /// The tool's verdict.
    pub suspected: bool,
    /// Sub-scores, in [`INDICATOR_COLUMNS`] order.
    pub indicators: Vec<f64>,
    /// Reasons, as JSON.
    pub reasons_json: String,
    /// Membership changed by hand after scoring.
    pub edited: bool,
}

/// Where one account is: its cluster and whether an analyst put it there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// Account index (0-based).
    pub account: u32,
    /// Account id, for people reading the log.
    pub account_id: String,
    /// Its cluster.
    pub cluster: Option<String>,
    /// Placed there by an analyst (a re-analysis keeps it there).
    pub pinned: bool,
}

/// One tag slot in a snapshot: the tag, or `None` when it does not exist.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagSlot {
    /// Tag id.
    pub id: i64,
    /// The row.
    pub tag: Option<Tag>,
}

/// One cluster slot in a snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClusterSlot {
    /// Cluster id.
    pub id: String,
    /// The row.
    pub row: Option<ClusterRow>,
}

/// One merge-conflict slot in a snapshot: its resolution state, or `None`
/// when the conflict does not exist (before the merge that found it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictSlot {
    /// Conflict id (`merge_conflicts.id`).
    pub id: i64,
    /// The row.
    pub row: Option<ConflictRow>,
}

/// The rows an action touches, as they were before or after it
/// (`audit_log.before_json` / `after_json`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// Tags, by id.
    pub tags: Vec<TagSlot>,
    /// Clusters, by id.
    pub clusters: Vec<ClusterSlot>,
    /// Accounts, by index.
    pub placements: Vec<Placement>,
    /// Merge conflicts, by id (a merge, and resolving a conflict); left out
    /// of JSON when empty, as in snapshots written before format 6.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conflicts: Vec<ConflictSlot>,
    /// Notes, by id (format 10; left out of JSON when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<NoteSlot>,
    /// Saved views, by id (format 10; left out of JSON when empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub views: Vec<ViewSlot>,
}

/// The keys of the rows an action touches.
#[derive(Clone, Debug, Default)]
pub(super) struct Keys {
    pub(super) tags: BTreeSet<i64>,
    pub(super) clusters: BTreeSet<String>,
    pub(super) accounts: BTreeSet<u32>,
    pub(super) conflicts: BTreeSet<i64>,
    pub(super) notes: BTreeSet<i64>,
    pub(super) views: BTreeSet<i64>,
}

impl Snapshot {
    /// Renames the accounts it names (indices) by `map`, leaving out those
    /// `map` does not hold (a subset export numbers its accounts again and
    /// holds only some of them).
    pub fn remap_accounts(&mut self, map: &dyn Fn(u32) -> Option<u32>) {
        use super::note_rows::NoteOn;
        let remap_all = |accounts: &mut Vec<u32>| {
            *accounts = accounts.iter().filter_map(|&a| map(a)).collect();
        };
        self.placements.retain_mut(|p| match map(p.account) {
            Some(a) => {
                p.account = a;
                true
            }
            None => false,
        });
        for tag in self.tags.iter_mut().filter_map(|t| t.tag.as_mut()) {
            remap_all(&mut tag.accounts);
        }
        for note in self.notes.iter_mut().filter_map(|n| n.note.as_mut()) {
            remap_all(&mut note.accounts);
            match &mut note.on {
                NoteOn::Account { account } => *account = map(*account).unwrap_or(*account),
                NoteOn::Link { a, b } => {
                    *a = map(*a).unwrap_or(*a);
                    *b = map(*b).unwrap_or(*b);
                }
                _ => {}
            }
        }
        for view in self.views.iter_mut().filter_map(|v| v.view.as_mut()) {
            remap_all(&mut view.accounts);
        }
    }

    fn keys(&self) -> Keys {
        Keys {
            tags: self.tags.iter().map(|t| t.id).collect(),
            clusters: self.clusters.iter().map(|c| c.id.clone()).collect(),
            accounts: self.placements.iter().map(|p| p.account).collect(),
            conflicts: self.conflicts.iter().map(|c| c.id).collect(),
            notes: self.notes.iter().map(|n| n.id).collect(),
            views: self.views.iter().map(|v| v.id).collect(),
        }
    }
}

/// Where [`Case::move_accounts`] puts accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MoveTarget {
    /// An existing cluster.
    Cluster(String),
    /// A new cluster of their own (a split).
    NewCluster,
}

/// Which accounts a move takes.
enum Moving<'a> {
    /// These.
    Accounts(&'a [u32]),
    /// All members of these clusters (a merge).
    ClustersOf(&'a [String]),
}

/// An action written to the case.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// Its `audit_log` id (what undo and redo name).
    pub audit_id: i64,
    /// What it did, in words.
    pub summary: String,
    /// Whether cluster membership changed (the workbench reloads clusters).
    pub membership_changed: bool,
    /// Tags it created or changed.
    pub tags: Vec<i64>,
}

/// One `audit_log` row without its snapshots.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditEntry {
    /// Id, in the order actions happened.
    pub id: i64,
    /// When (RFC 3339, UTC).
    pub at: String,
    /// Who.
    pub analyst: String,
    /// workbench, cli or analysis.
    pub origin: String,
    /// Session id.
    pub session: String,
    /// Action name (`tag.create`, `members.merge`, `undo`, …).
    pub action: String,
    /// Clusters touched, comma-separated.
    pub clusters: String,
    /// What happened, in words.
    pub summary: String,
    /// The action this one undid or redid.
    pub reverts: Option<i64>,
    /// The merge (`merges.id`) that copied this entry from another
    /// analyst's case; `None` for an entry made here (left out of JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<i64>,
    /// The entry's id in the case it was copied from (left out of JSON
    /// when `None`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<i64>,
    /// For an entry copied by merge: whose claim it is (the case it came
    /// from, who merged it here and when); its analyst and time are what
    /// that case says. `None` for an entry made here (left out of JSON).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed: Option<super::provenance::Claim>,
}

/// One `audit_log` row with its snapshots (as JSON text).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditRecord {
    /// The row.
    #[serde(flatten)]
    pub entry: AuditEntry,
    /// Rows before, JSON.
    pub before_json: String,
    /// Rows after, JSON.
    pub after_json: String,
}

/// Everything case work shows, read in one go.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseworkState {
    /// Every tag, oldest first.
    pub tags: Vec<Tag>,
    /// Accounts placed by an analyst.
    pub pinned: Vec<u32>,
    /// Clusters whose membership was edited after scoring.
    pub edited_clusters: Vec<String>,
    /// Every note, oldest first.
    pub notes: Vec<super::note_rows::ListedNote>,
    /// Every saved view, by name.
    pub views: Vec<super::note_rows::SavedView>,
}

/// What changes whenever case work or an analysis is written: compared
/// before a write to find out whether someone else wrote meanwhile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stamp {
    /// The newest `audit_log.id` (0 when there is none).
    pub last_audit_entry: i64,
    /// The newest `analysis_runs.id` (0 when there is none).
    pub last_analysis_run: i64,
}

pub(super) const TAG_COLUMNS: &str = "id, cluster, label, capability, status, confidence, actor, notes, analyst, \
     created_at, updated_at, updated_by, merged_from";

/// A tag row as read. Text over its documented maximum (a case made by
/// hand or by another program) is cut with a marker, so that nothing
/// downstream (a report, a picture, a merge) handles more: see
/// `MAX_TAG_FIELD_BYTES` and `MAX_NOTES_BYTES` in [`super::guard`].
pub(super) fn tag_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Tag> {
    let status: String = r.get(4)?;
    let field = |i: usize, max: usize| -> rusqlite::Result<String> {
        let mut text: String = r.get(i)?;
        crate::base::text::truncate_in_place(&mut text, max);
        Ok(text)
    };
    let cluster: Option<String> = r.get(1)?;
    Ok(Tag {
        id: r.get(0)?,
        cluster: cluster.map(|mut c| {
            crate::base::text::truncate_in_place(&mut c, MAX_TAG_FIELD_BYTES);
            c
        }),
        accounts: Vec::new(),
        label: field(2, MAX_TAG_FIELD_BYTES)?,
        capability: field(3, MAX_TAG_FIELD_BYTES)?,
        status: TagStatus::parse(&status).unwrap_or_default(),
        confidence: r.get(5)?,
        actor: field(6, MAX_TAG_FIELD_BYTES)?,
        notes: field(7, MAX_NOTES_BYTES)?,
        analyst: field(8, MAX_TAG_FIELD_BYTES)?,
        created_at: field(9, MAX_TAG_FIELD_BYTES)?,
        updated_at: field(10, MAX_TAG_FIELD_BYTES)?,
        updated_by: field(11, MAX_TAG_FIELD_BYTES)?,
        merged_from: r.get(12)?,
    })
}

pub(super) fn begin_write(case: &Case) -> Result<Transaction<'_>, CaseError> {
    Ok(Transaction::new_unchecked(
        case.conn(),
        TransactionBehavior::Immediate,
    )?)
}

pub(super) fn read_tag(tx: &Transaction<'_>, id: i64) -> Result<Option<Tag>, CaseError> {
    let tag = tx
        .prepare_cached(&format!("SELECT {TAG_COLUMNS} FROM tags WHERE id = ?1"))?
        .query_row([id], tag_from_row)
        .optional()?;
    let Some(mut tag) = tag else {
        return Ok(None);
    };
    let mut stmt =
        tx.prepare_cached("SELECT account FROM tag_accounts WHERE tag = ?1 ORDER BY account")?;
    tag.accounts = stmt
        .query_map([id], |r| Ok((r.get::<_, i64>(0)? - 1) as u32))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Some(tag))
}

fn read_cluster(tx: &Transaction<'_>, id: &str) -> Result<Option<ClusterRow>, CaseError> {
    Ok(tx
        .query_row(
            &format!(
                "SELECT id, run, size, exchanges, score, suspected, {}, reasons_json, edited FROM clusters WHERE id = ?1",
                INDICATOR_COLUMNS.join(", ")
            ),
            [id],
            |r| {
                Ok(ClusterRow {
                    id: r.get(0)?,
                    run: r.get(1)?,
                    size: r.get(2)?,
                    exchanges: r.get(3)?,
                    score: r.get(4)?,
                    suspected: r.get(5)?,
                    indicators: (0..INDICATOR_COLUMNS.len())
                        .map(|i| r.get(6 + i))
                        .collect::<rusqlite::Result<_>>()?,
                    reasons_json: r.get(6 + INDICATOR_COLUMNS.len())?,
                    edited: r.get(7 + INDICATOR_COLUMNS.len())?,
                })
            },
        )
        .optional()?)
}

fn read_placement(tx: &Transaction<'_>, account: u32) -> Result<Placement, CaseError> {
    let key = i64::from(account) + 1;
    let account_id: Option<String> = tx
        .query_row(
            "SELECT account_id FROM accounts WHERE id = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()?;
    let Some(account_id) = account_id else {
        return Err(CaseError::Invalid(format!(
            "no account #{account} in the case"
        )));
    };
    let cluster: Option<String> = tx
        .query_row(
            "SELECT cluster FROM cluster_members WHERE account = ?1",
            [key],
            |r| r.get(0),
        )
        .optional()?;
    let pinned = tx
        .query_row(
            "SELECT 1 FROM account_pins WHERE account = ?1",
            [key],
            |_| Ok(()),
        )
        .optional()?
        .is_some();
    Ok(Placement {
        account,
        account_id,
        cluster,
        pinned,
    })
}

pub(super) fn snapshot(tx: &Transaction<'_>, keys: &Keys) -> Result<Snapshot, CaseError> {
    Ok(Snapshot {
        tags: keys
            .tags
            .iter()
            .map(|&id| {
                Ok(TagSlot {
                    id,
                    tag: read_tag(tx, id)?,
                })
            })
            .collect::<Result<_, CaseError>>()?,
        clusters: keys
            .clusters
            .iter()
            .map(|id| {
                Ok(ClusterSlot {
                    id: id.clone(),
                    row: read_cluster(tx, id)?,
                })
            })
            .collect::<Result<_, CaseError>>()?,
        placements: keys
            .accounts
            .iter()
            .map(|&a| read_placement(tx, a))
            .collect::<Result<_, CaseError>>()?,
        conflicts: keys
            .conflicts
            .iter()
            .map(|&id| {
                Ok(ConflictSlot {
                    id,
                    row: read_conflict_row(tx, id)?,
                })
            })
            .collect::<Result<_, CaseError>>()?,
        notes: keys
            .notes
            .iter()
            .map(|&id| {
                Ok(NoteSlot {
                    id,
                    note: read_note(tx, id)?,
                })
            })
            .collect::<Result<_, CaseError>>()?,
        views: keys
            .views
            .iter()
            .map(|&id| {
                Ok(ViewSlot {
                    id,
                    view: read_view(tx, id)?,
                })
            })
            .collect::<Result<_, CaseError>>()?,
    })
}

pub(super) fn write_tag(tx: &Transaction<'_>, id: i64, tag: Option<&Tag>) -> Result<(), CaseError> {
    tx.prepare_cached("DELETE FROM tag_accounts WHERE tag = ?1")?
        .execute([id])?;
    let Some(t) = tag else {
        tx.prepare_cached("DELETE FROM tags WHERE id = ?1")?
            .execute([id])?;
        return Ok(());
    };
    tx.prepare_cached(
        &format!(
            "INSERT OR REPLACE INTO tags ({TAG_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        ),
    )?
    .execute(
        params![
            id,
            t.cluster,
            t.label,
            t.capability,
            t.status.name(),
            t.confidence,
            t.actor,
            t.notes,
            t.analyst,
            t.created_at,
            t.updated_at,
            t.updated_by,
            t.merged_from
        ],
    )?;
    let mut insert =
        tx.prepare_cached("INSERT INTO tag_accounts (tag, account) VALUES (?1, ?2)")?;
    for &a in &t.accounts {
        insert.execute(params![id, i64::from(a) + 1])?;
    }
    Ok(())
}

fn write_cluster(
    tx: &Transaction<'_>,
    id: &str,
    row: Option<&ClusterRow>,
) -> Result<(), CaseError> {
    let Some(c) = row else {
        tx.execute("DELETE FROM clusters WHERE id = ?1", [id])?;
        return Ok(());
    };
    let n = INDICATOR_COLUMNS.len();
    let mut values: Vec<rusqlite::types::Value> = vec![
        c.id.clone().into(),
        c.run.into(),
        c.size.into(),
        c.exchanges.into(),
        c.score.into(),
        c.suspected.into(),
    ];
    values.extend((0..n).map(|i| c.indicators.get(i).copied().unwrap_or(0.0).into()));
    values.push(c.reasons_json.clone().into());
    values.push(c.edited.into());
    let placeholders: Vec<String> = (1..=values.len()).map(|i| format!("?{i}")).collect();
    tx.execute(
        &format!(
            "INSERT OR REPLACE INTO clusters (id, run, size, exchanges, score, suspected, {}, reasons_json, edited) \
             VALUES ({})",
            INDICATOR_COLUMNS.join(", "),
            placeholders.join(", ")
        ),
        rusqlite::params_from_iter(values),
    )?;
    Ok(())
}

fn write_placement(tx: &Transaction<'_>, p: &Placement) -> Result<(), CaseError> {
    let key = i64::from(p.account) + 1;
    match &p.cluster {
        Some(cluster) => {
            tx.execute(
                "INSERT OR REPLACE INTO cluster_members (account, cluster) VALUES (?1, ?2)",
                params![key, cluster],
            )?;
            if p.pinned {
                tx.execute(
                    "INSERT OR REPLACE INTO account_pins (account, cluster) VALUES (?1, ?2)",
                    params![key, cluster],
                )?;
            } else {
                tx.execute("DELETE FROM account_pins WHERE account = ?1", [key])?;
            }
        }
        None => {
            tx.execute("DELETE FROM cluster_members WHERE account = ?1", [key])?;
            tx.execute("DELETE FROM account_pins WHERE account = ?1", [key])?;
        }
    }
    Ok(())
}

/// Writes every row of `snapshot` back (missing rows are deleted).
fn restore(tx: &Transaction<'_>, snapshot: &Snapshot) -> Result<(), CaseError> {
    for slot in &snapshot.clusters {
        write_cluster(tx, &slot.id, slot.row.as_ref())?;
    }
    for p in &snapshot.placements {
        write_placement(tx, p)?;
    }
    for slot in &snapshot.tags {
        write_tag(tx, slot.id, slot.tag.as_ref())?;
    }
    for slot in &snapshot.conflicts {
        // Only a merge makes conflict rows, and a merge cannot be undone:
        // what is written back is a resolution state.
        if let Some(row) = &slot.row {
            write_conflict_state(tx, slot.id, row)?;
        }
    }
    for slot in &snapshot.notes {
        write_note(tx, slot.id, slot.note.as_ref())?;
    }
    for slot in &snapshot.views {
        write_view(tx, slot.id, slot.view.as_ref())?;
    }
    Ok(())
}

pub(super) fn now() -> String {
    crate::base::time::now_rfc3339()
}

pub(super) fn cluster_list(keys: &Keys, before: &Snapshot, after: &Snapshot) -> String {
    let mut ids: BTreeSet<String> = keys.clusters.clone();
    for s in [before, after] {
        for t in &s.tags {
            if let Some(c) = t.tag.as_ref().and_then(|t| t.cluster.clone()) {
                ids.insert(c);
            }
        }
        for n in &s.notes {
            if let Some(super::note_rows::NoteOn::Cluster { id }) = n.note.as_ref().map(|n| &n.on) {
                ids.insert(id.clone());
            }
        }
    }
    ids.into_iter().collect::<Vec<_>>().join(",")
}

#[allow(clippy::too_many_arguments)]
pub(super) fn append_audit(
    tx: &Transaction<'_>,
    who: &Who,
    origin: &str,
    action: &str,
    clusters: &str,
    summary: &str,
    before: &Snapshot,
    after: &Snapshot,
    reverts: Option<i64>,
) -> Result<i64, CaseError> {
    let json = |s: &Snapshot| {
        serde_json::to_string(s)
            .map_err(|e| CaseError::Invalid(format!("cannot write the audit log: {e}")))
    };
    tx.execute(
        "INSERT INTO audit_log (at, analyst, origin, session, action, clusters, summary, before_json, after_json, reverts) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            now(),
            who.analyst,
            origin,
            who.session,
            action,
            clusters,
            summary,
            json(before)?,
            json(after)?,
            reverts
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Logs the action, commits it, and says what was done.
#[allow(clippy::too_many_arguments)]
pub(super) fn finish(
    tx: Transaction<'_>,
    who: &Who,
    action: &str,
    summary: String,
    keys: &Keys,
    before: &Snapshot,
    after: &Snapshot,
    reverts: Option<i64>,
) -> Result<Recorded, CaseError> {
    let audit_id = append_audit(
        &tx,
        who,
        who.origin.name(),
        action,
        &cluster_list(keys, before, after),
        &summary,
        before,
        after,
        reverts,
    )?;
    tx.commit()?;
    Ok(Recorded {
        audit_id,
        summary,
        membership_changed: !keys.accounts.is_empty(),
        tags: keys.tags.iter().copied().collect(),
    })
}

pub(super) fn check_analyst(who: &Who) -> Result<(), CaseError> {
    if who.analyst.trim().is_empty() {
        return Err(CaseError::Invalid(
            "an analyst name is needed to record case work".into(),
        ));
    }
    check_size("the analyst name", &who.analyst, MAX_TAG_FIELD_BYTES)
}

/// Refuses a value over its documented maximum (docs/case-file.md).
fn check_size(what: &str, value: &str, max: usize) -> Result<(), CaseError> {
    if value.len() > max {
        return Err(CaseError::Invalid(format!(
            "{what} is {} bytes long; a case keeps at most {max}",
            value.len()
        )));
    }
    Ok(())
}

fn apply_patch(tag: &mut Tag, patch: &TagPatch) -> Result<(), CaseError> {
    if let Some(label) = &patch.label {
        tag.label = label.trim().to_string();
    }
    if let Some(capability) = &patch.capability {
        tag.capability = capability.trim().to_string();
    }
    if let Some(status) = patch.status {
        tag.status = status;
    }
    if let Some(confidence) = patch.confidence {
        if !(0.0..=1.0).contains(&confidence) {
            return Err(CaseError::Invalid(format!(
                "confidence {confidence} is outside 0..1"
            )));
        }
        tag.confidence = confidence;
    }
    if let Some(actor) = &patch.actor {
        tag.actor = actor.trim().to_string();
    }
    if let Some(notes) = &patch.notes {
        tag.notes = notes.clone();
    }
    if tag.label.is_empty() {
        return Err(CaseError::Invalid(
            "a tag needs a label (the campaign name)".into(),
        ));
    }
    check_size("the label", &tag.label, MAX_TAG_FIELD_BYTES)?;
    check_size("the capability", &tag.capability, MAX_TAG_FIELD_BYTES)?;
    check_size("the actor", &tag.actor, MAX_TAG_FIELD_BYTES)?;
    check_size("the notes", &tag.notes, MAX_NOTES_BYTES)
}

fn new_tag(who: &Who, cluster: Option<String>, accounts: Vec<u32>, at: &str) -> Tag {
    Tag {
        id: 0,
        cluster,
        accounts,
        label: String::new(),
        capability: String::new(),
        status: TagStatus::default(),
        confidence: DEFAULT_CONFIDENCE,
        actor: String::new(),
        notes: String::new(),
        analyst: who.analyst.clone(),
        created_at: at.to_string(),
        updated_at: at.to_string(),
        updated_by: who.analyst.clone(),
        merged_from: None,
    }
}

pub(super) fn next_tag_id(tx: &Transaction<'_>) -> Result<i64, CaseError> {
    // AUTOINCREMENT's counter (SQLite raises it for explicit ids too), so
    // the id of a tag an undo deleted is never given to another.
    let seq: Option<i64> = tx
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = 'tags'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    let max: Option<i64> = tx.query_row("SELECT max(id) FROM tags", [], |r| r.get(0))?;
    Ok(seq.unwrap_or(0).max(max.unwrap_or(0)) + 1)
}

/// The newest tag on `cluster`.
fn newest_tag_on(tx: &Transaction<'_>, cluster: &str) -> Result<Option<i64>, CaseError> {
    Ok(tx
        .query_row(
            "SELECT id FROM tags WHERE cluster = ?1 ORDER BY id DESC LIMIT 1",
            [cluster],
            |r| r.get(0),
        )
        .optional()?)
}

fn require_cluster(tx: &Transaction<'_>, id: &str) -> Result<ClusterRow, CaseError> {
    read_cluster(tx, id)?.ok_or_else(|| {
        CaseError::Invalid(format!(
            "no cluster {id} in the case (`hydrascope analyze CASE` lists them)"
        ))
    })
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub(super) fn quoted_list(items: &[String]) -> String {
    const SHOWN: usize = 6;
    let mut text = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        text.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    text
}

impl Case {
    /// Tags each of `clusters`: a cluster with a tag gets its newest tag
    /// changed by `patch`, one without gets a new tag. All of it is one
    /// action. `seen`, when given, is the newest tag of each cluster as the
    /// caller last saw it (`None`: untagged); if any differs from the case
    /// now, nothing is written and the result is [`CaseError::Conflict`].
    /// This is what both the workbench's Tag button and `hydrascope tag` do.
    pub fn tag_clusters(
        &self,
        who: &Who,
        clusters: &[String],
        patch: &TagPatch,
        seen: Option<&[Option<Tag>]>,
    ) -> Result<Recorded, CaseError> {
        self.tag_clusters_of(who, None, clusters, patch, seen)
    }

    /// [`Case::tag_clusters`] on the clusters of campaign `campaign` (as
    /// shown: `clusters`), as one action whose history entry names the
    /// campaign.
    pub fn tag_campaign(
        &self,
        who: &Who,
        campaign: &str,
        clusters: &[String],
        patch: &TagPatch,
        seen: Option<&[Option<Tag>]>,
    ) -> Result<Recorded, CaseError> {
        self.tag_clusters_of(who, Some(campaign), clusters, patch, seen)
    }

    fn tag_clusters_of(
        &self,
        who: &Who,
        campaign: Option<&str>,
        clusters: &[String],
        patch: &TagPatch,
        seen: Option<&[Option<Tag>]>,
    ) -> Result<Recorded, CaseError> {
        check_analyst(who)?;
        if clusters.is_empty() {
            return Err(CaseError::Invalid("no cluster to tag".into()));
        }
        let tx = begin_write(self)?;
        let at = now();
        let mut keys = Keys::default();
        let mut planned: Vec<Tag> = Vec::new();
        let mut next_id = next_tag_id(&tx)?;
        let mut named = BTreeSet::new();
        for (i, cluster) in clusters.iter().enumerate() {
            // A cluster named twice is tagged once.
            if !named.insert(cluster.as_str()) {
                continue;
            }
            require_cluster(&tx, cluster)?;
            let current = match newest_tag_on(&tx, cluster)? {
                Some(id) => read_tag(&tx, id)?,
                None => None,
            };
            if let Some(seen) = seen {
                let expected = seen.get(i).cloned().flatten();
                if expected != current {
                    return Err(CaseError::Conflict(format!(
                        "the tag of {cluster} was changed elsewhere since it was shown{}; \
                         the workbench shows it as it is now, try again",
                        current
                            .as_ref()
                            .map(|t| format!(" (by {} at {})", t.updated_by, t.updated_at))
                            .unwrap_or_default()
                    )));
                }
            }
            let mut tag = match current {
                Some(tag) => tag,
                None => {
                    let mut tag = new_tag(who, Some(cluster.clone()), Vec::new(), &at);
                    tag.id = next_id;
                    next_id += 1;
                    tag
                }
            };
            apply_patch(&mut tag, patch)?;
            tag.updated_at = at.clone();
            tag.updated_by = who.analyst.clone();
            keys.tags.insert(tag.id);
            planned.push(tag);
        }
        let before = snapshot(&tx, &keys)?;
        for tag in &planned {
            write_tag(&tx, tag.id, Some(tag))?;
        }
        let after = snapshot(&tx, &keys)?;
        let created = before.tags.iter().filter(|t| t.tag.is_none()).count();
        let label = planned.first().map(|t| t.label.clone()).unwrap_or_default();
        let what = match campaign {
            Some(id) => format!(
                "campaign {id} ({} cluster{}: {})",
                planned.len(),
                if planned.len() == 1 { "" } else { "s" },
                quoted_list(clusters)
            ),
            None => quoted_list(clusters),
        };
        let (action, summary) = if created == planned.len() {
            ("tag.create", format!("Tagged {what} as \"{label}\""))
        } else if created == 0 {
            (
                "tag.update",
                format!("Changed the tag of {what} (\"{label}\")"),
            )
        } else {
            (
                "tag.create",
                format!(
                    "Tagged {what} as \"{label}\" ({} new, {} changed)",
                    created,
                    planned.len() - created
                ),
            )
        };
        finish(tx, who, action, summary, &keys, &before, &after, None)
    }

    /// Tags an ad-hoc set of accounts (not a cluster) with a new tag.
    pub fn tag_accounts(
        &self,
        who: &Who,
        accounts: &[u32],
        patch: &TagPatch,
    ) -> Result<Recorded, CaseError> {
        check_analyst(who)?;
        let accounts: BTreeSet<u32> = accounts.iter().copied().collect();
        if accounts.is_empty() {
            return Err(CaseError::Invalid("no account to tag".into()));
        }
        let tx = begin_write(self)?;
        for &a in &accounts {
            read_placement(&tx, a)?;
        }
        let at = now();
        let mut tag = new_tag(who, None, accounts.iter().copied().collect(), &at);
        tag.id = next_tag_id(&tx)?;
        apply_patch(&mut tag, patch)?;
        let keys = Keys {
            tags: [tag.id].into(),
            ..Default::default()
        };
        let before = snapshot(&tx, &keys)?;
        write_tag(&tx, tag.id, Some(&tag))?;
        let after = snapshot(&tx, &keys)?;
        let summary = format!(
            "Tagged {} as \"{}\"",
            plural(accounts.len(), "account", "accounts"),
            tag.label
        );
        finish(tx, who, "tag.create", summary, &keys, &before, &after, None)
    }

    /// Changes one tag, which the caller last saw as `seen` (else
    /// [`CaseError::Conflict`], nothing written).
    pub fn update_tag(
        &self,
        who: &Who,
        seen: &Tag,
        patch: &TagPatch,
    ) -> Result<Recorded, CaseError> {
        self.change_tag(who, seen, Some(patch))
    }

    /// Removes one tag, which the caller last saw as `seen`.
    pub fn remove_tag(&self, who: &Who, seen: &Tag) -> Result<Recorded, CaseError> {
        self.change_tag(who, seen, None)
    }

    /// Changes (`Some(patch)`) or removes (`None`) the tag `seen`.
    fn change_tag(
        &self,
        who: &Who,
        seen: &Tag,
        patch: Option<&TagPatch>,
    ) -> Result<Recorded, CaseError> {
        check_analyst(who)?;
        let tx = begin_write(self)?;
        let current = read_tag(&tx, seen.id)?;
        if current.as_ref() != Some(seen) {
            return Err(conflict_on_tag(seen, current.as_ref()));
        }
        let changed = match patch {
            Some(patch) => {
                let mut tag = seen.clone();
                apply_patch(&mut tag, patch)?;
                tag.updated_at = now();
                tag.updated_by = who.analyst.clone();
                Some(tag)
            }
            None => None,
        };
        let keys = Keys {
            tags: [seen.id].into(),
            ..Default::default()
        };
        let before = snapshot(&tx, &keys)?;
        write_tag(&tx, seen.id, changed.as_ref())?;
        let after = snapshot(&tx, &keys)?;
        let (action, summary) = match &changed {
            Some(tag) => (
                "tag.update",
                format!("Changed tag \"{}\"{}", tag.label, on_what(tag)),
            ),
            None => (
                "tag.remove",
                format!("Removed tag \"{}\"{}", seen.label, on_what(seen)),
            ),
        };
        finish(tx, who, action, summary, &keys, &before, &after, None)
    }

    /// Moves accounts into a cluster, or into a new cluster of their own.
    /// The accounts are pinned there: a re-analysis keeps them with that
    /// cluster's successor. A cluster left empty disappears and its tags
    /// follow its accounts. The clusters' sizes and exchanges are counted
    /// again at once; their scores stay those of the last analysis, marked
    /// `edited` until the next one.
    pub fn move_accounts(
        &self,
        who: &Who,
        accounts: &[u32],
        target: &MoveTarget,
    ) -> Result<Recorded, CaseError> {
        self.move_accounts_as(who, Moving::Accounts(accounts), target)
    }

    /// Merges `sources` into `into`: all their accounts move there.
    pub fn merge_clusters(
        &self,
        who: &Who,
        sources: &[String],
        into: &str,
    ) -> Result<Recorded, CaseError> {
        self.move_accounts_as(
            who,
            Moving::ClustersOf(sources),
            &MoveTarget::Cluster(into.to_string()),
        )
    }

    fn move_accounts_as(
        &self,
        who: &Who,
        moving: Moving<'_>,
        target: &MoveTarget,
    ) -> Result<Recorded, CaseError> {
        check_analyst(who)?;
        let tx = begin_write(self)?;
        // A merge reads the members inside the transaction: what another
        // writer moved a moment ago is merged as it is now.
        let (accounts, action): (BTreeSet<u32>, Option<&str>) = match moving {
            Moving::Accounts(accounts) => (accounts.iter().copied().collect(), None),
            Moving::ClustersOf(sources) => {
                let mut accounts = BTreeSet::new();
                let mut members =
                    tx.prepare_cached("SELECT account FROM cluster_members WHERE cluster = ?1")?;
                for id in sources {
                    if MoveTarget::Cluster(id.clone()) == *target {
                        continue;
                    }
                    require_cluster(&tx, id)?;
                    for account in members.query_map([id], |r| r.get::<_, i64>(0))? {
                        accounts.insert((account? - 1) as u32);
                    }
                }
                if accounts.is_empty() {
                    return Err(CaseError::Invalid(
                        "nothing to merge: name clusters other than the one merged into".into(),
                    ));
                }
                (accounts, Some("members.merge"))
            }
        };
        let mut moving = Vec::new();
        for &a in &accounts {
            let p = read_placement(&tx, a)?;
            let Some(cluster) = p.cluster.clone() else {
                return Err(CaseError::Invalid(format!(
                    "account {} is in no cluster: analyse the case first",
                    p.account_id
                )));
            };
            if MoveTarget::Cluster(cluster.clone()) != *target {
                moving.push((a, cluster));
            }
        }
        if moving.is_empty() {
            return Err(CaseError::Invalid(
                "nothing to move: the accounts are already there".into(),
            ));
        }
        let sources: BTreeSet<String> = moving.iter().map(|(_, c)| c.clone()).collect();
        let (target_id, target_row) = match target {
            MoveTarget::Cluster(id) => (id.clone(), require_cluster(&tx, id)?),
            MoveTarget::NewCluster => {
                let first = moving.iter().map(|(a, _)| *a).min().unwrap_or(0);
                let id = format!("a{}", first + 1);
                if read_cluster(&tx, &id)?.is_some() {
                    return Err(CaseError::Invalid(format!(
                        "cluster {id} exists already; move the accounts into it instead"
                    )));
                }
                // A split-off cluster starts with the scores of the cluster
                // it came from (marked edited) until the next analysis.
                let mut row = require_cluster(&tx, &moving[0].1)?;
                row.id = id.clone();
                (id, row)
            }
        };
        let mut keys = Keys {
            clusters: sources.clone(),
            accounts: moving.iter().map(|(a, _)| *a).collect(),
            ..Default::default()
        };
        keys.clusters.insert(target_id.clone());
        // Tags of every cluster involved: those of an emptied cluster follow
        // its accounts to the target.
        let mut tags_on = tx.prepare_cached("SELECT id FROM tags WHERE cluster = ?1")?;
        for c in &sources {
            for id in tags_on.query_map([c], |r| r.get::<_, i64>(0))? {
                keys.tags.insert(id?);
            }
        }
        drop(tags_on);
        let before = snapshot(&tx, &keys)?;
        write_cluster(&tx, &target_id, Some(&target_row))?;
        for (a, _) in &moving {
            let mut p = read_placement(&tx, *a)?;
            p.cluster = Some(target_id.clone());
            p.pinned = true;
            write_placement(&tx, &p)?;
        }
        let mut emptied = Vec::new();
        for id in keys.clusters.iter() {
            let (size, exchanges): (i64, i64) = tx.query_row(
                "SELECT count(*), coalesce(sum(s.exchanges), 0) FROM cluster_members m \
                 LEFT JOIN account_summary s ON s.account = m.account WHERE m.cluster = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if size == 0 {
                write_cluster(&tx, id, None)?;
                emptied.push(id.clone());
            } else {
                tx.execute(
                    "UPDATE clusters SET size = ?2, exchanges = ?3, edited = 1 WHERE id = ?1",
                    params![id, size, exchanges],
                )?;
            }
        }
        let at = now();
        for id in &emptied {
            tx.execute(
                "UPDATE tags SET cluster = ?2, updated_at = ?3, updated_by = ?4 WHERE cluster = ?1",
                params![id, target_id, at, who.analyst],
            )?;
        }
        let after = snapshot(&tx, &keys)?;
        let names: Vec<String> = sources.iter().cloned().collect();
        let n = plural(moving.len(), "account", "accounts");
        let (action, mut summary) = match (target, action) {
            (_, Some("members.merge")) => (
                "members.merge",
                format!("Merged {} into {target_id} ({n})", quoted_list(&names)),
            ),
            (MoveTarget::NewCluster, _) => (
                "members.split",
                format!(
                    "Split {n} from {} into new cluster {target_id}",
                    quoted_list(&names)
                ),
            ),
            _ => (
                "members.move",
                format!("Moved {n} from {} to {target_id}", quoted_list(&names)),
            ),
        };
        let moved_tags = before
            .tags
            .iter()
            .zip(&after.tags)
            .filter(|(b, a)| b != a)
            .count();
        if moved_tags > 0 {
            summary.push_str(&format!(
                "; {} followed to {target_id}",
                plural(moved_tags, "tag", "tags")
            ));
        }
        finish(tx, who, action, summary, &keys, &before, &after, None)
    }

    /// Undoes the action `audit_id`: writes back the rows as they were
    /// before it, if they are still as it left them.
    pub fn undo(&self, who: &Who, audit_id: i64) -> Result<Recorded, CaseError> {
        self.revert(who, audit_id, "undo")
    }

    /// Redoes an action that `undo_id` (an undo) reverted.
    pub fn redo(&self, who: &Who, undo_id: i64) -> Result<Recorded, CaseError> {
        self.revert(who, undo_id, "redo")
    }

    fn revert(&self, who: &Who, audit_id: i64, action: &str) -> Result<Recorded, CaseError> {
        check_analyst(who)?;
        let tx = begin_write(self)?;
        type Row = (
            String,
            String,
            String,
            String,
            Option<i64>,
            Option<i64>,
            String,
        );
        let row: Option<Row> = tx
            .query_row(
                "SELECT action, summary, before_json, after_json, reverts, merged_from, analyst \
                 FROM audit_log WHERE id = ?1",
                [audit_id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((
            original,
            original_summary,
            before_json,
            after_json,
            original_reverts,
            merged_from,
            original_analyst,
        )) = row
        else {
            return Err(CaseError::Invalid(format!(
                "no action #{audit_id} in the audit log"
            )));
        };
        if original.starts_with("analysis") {
            return Err(CaseError::Invalid(
                "an analysis cannot be undone; re-run it with the earlier parameters".into(),
            ));
        }
        if original == MERGE_ACTION {
            return Err(CaseError::Invalid(format!(
                "#{audit_id} is a merge of another analyst's case and cannot be {action}ne; \
                 resolve its conflicts, or remove the tags it brought one by one"
            )));
        }
        if let Some(merge) = merged_from {
            return Err(CaseError::Invalid(format!(
                "#{audit_id} is {original_analyst}'s action in another case, copied here by merge \
                 #{merge}; it describes that case's rows and cannot be {action}ne here"
            )));
        }
        let parse = |text: &str| {
            serde_json::from_str::<Snapshot>(text).map_err(|e| {
                CaseError::Invalid(format!("audit log entry #{audit_id} is unreadable: {e}"))
            })
        };
        let (then_before, then_after) = (parse(&before_json)?, parse(&after_json)?);
        let keys = then_after.keys();
        let now_rows = snapshot(&tx, &keys)?;
        if now_rows != then_after {
            return Err(CaseError::Conflict(format!(
                "cannot {action} \"{original_summary}\": what it changed was changed again since \
                 (see the History panel or `hydrascope history`)"
            )));
        }
        restore(&tx, &then_before)?;
        // A cluster this deletes must not keep members or tags that came
        // after the action (someone tagged the split-off cluster, say).
        for slot in then_before.clusters.iter().filter(|c| c.row.is_none()) {
            let (members, tags): (i64, i64) = tx.query_row(
                "SELECT (SELECT count(*) FROM cluster_members WHERE cluster = ?1), \
                        (SELECT count(*) FROM tags WHERE cluster = ?1)",
                [&slot.id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            if members + tags > 0 {
                return Err(CaseError::Conflict(format!(
                    "cannot {action} \"{original_summary}\": cluster {} got {} since; \
                     move or retag those first (see the History panel or `hydrascope history`)",
                    slot.id,
                    match (members, tags) {
                        (0, t) => plural(t as usize, "tag", "tags"),
                        (m, 0) => plural(m as usize, "account", "accounts"),
                        (m, t) => format!(
                            "{} and {}",
                            plural(m as usize, "account", "accounts"),
                            plural(t as usize, "tag", "tags")
                        ),
                    }
                )));
            }
        }
        let after = snapshot(&tx, &keys)?;
        // Redoing an undo redoes the action it undid: name that one.
        let summary = match (original.as_str(), original_reverts) {
            ("undo", Some(first)) => {
                let what = original_summary
                    .split_once(": ")
                    .map_or(original_summary.as_str(), |(_, what)| what);
                format!("Redid #{first}: {what}")
            }
            _ if action == "undo" => format!("Undid #{audit_id}: {original_summary}"),
            _ => format!("Redid #{audit_id}: {original_summary}"),
        };
        finish(
            tx,
            who,
            action,
            summary,
            &keys,
            &now_rows,
            &after,
            Some(audit_id),
        )
    }

    /// Every tag, oldest first, with the accounts of ad-hoc tags; plus the
    /// pinned accounts and the clusters edited since scoring.
    pub fn casework_state(&self) -> Result<CaseworkState, CaseError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {TAG_COLUMNS} FROM tags ORDER BY id"))?;
        let mut tags: Vec<Tag> = stmt
            .query_map([], tag_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt =
            conn.prepare("SELECT tag, account FROM tag_accounts ORDER BY tag, account")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (tag, account): (i64, i64) = (r.get(0)?, r.get(1)?);
            if let Ok(i) = tags.binary_search_by_key(&tag, |t| t.id) {
                tags[i].accounts.push((account - 1) as u32);
            }
        }
        let mut stmt = conn.prepare("SELECT account FROM account_pins ORDER BY account")?;
        let pinned = stmt
            .query_map([], |r| Ok((r.get::<_, i64>(0)? - 1) as u32))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = conn.prepare("SELECT id FROM clusters WHERE edited = 1 ORDER BY id")?;
        let edited_clusters = stmt
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(CaseworkState {
            tags,
            pinned,
            edited_clusters,
            notes: self.notes()?,
            views: self.saved_views()?,
        })
    }

    /// The members (account ids) of `cluster`, by account.
    pub fn cluster_account_ids(&self, cluster: &str) -> Result<Vec<String>, CaseError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT a.account_id FROM cluster_members m JOIN accounts a ON a.id = m.account \
             WHERE m.cluster = ?1 ORDER BY m.account",
        )?;
        Ok(stmt
            .query_map([cluster], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Account indices of the given account ids; an unknown id is an error
    /// that names it.
    pub fn account_indices(&self, ids: &[String]) -> Result<Vec<u32>, CaseError> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT id FROM accounts WHERE account_id = ?1")?;
        ids.iter()
            .map(|id| {
                stmt.query_row([id], |r| r.get::<_, i64>(0))
                    .optional()?
                    .map(|i| (i - 1) as u32)
                    .ok_or_else(|| CaseError::Invalid(format!("no account {id} in the case")))
            })
            .collect()
    }

    /// The audit log, oldest first; only entries touching `cluster` when
    /// given.
    pub fn audit_log(&self, cluster: Option<&str>) -> Result<Vec<AuditRecord>, CaseError> {
        read_audit(self.conn(), cluster, true)
    }

    /// The audit log without the row snapshots (the History panel).
    pub fn audit_entries(&self) -> Result<Vec<AuditEntry>, CaseError> {
        Ok(read_audit(self.conn(), None, false)?
            .into_iter()
            .map(|r| r.entry)
            .collect())
    }

    /// Changes whenever anything is written to the case: another
    /// connection's commit or this one's.
    pub fn change_stamp(&self) -> Result<Stamp, CaseError> {
        let conn = self.conn();
        let audit: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM audit_log", [], |r| {
            r.get(0)
        })?;
        let runs: i64 =
            conn.query_row("SELECT coalesce(max(id), 0) FROM analysis_runs", [], |r| {
                r.get(0)
            })?;
        Ok(Stamp {
            last_audit_entry: audit,
            last_analysis_run: runs,
        })
    }

    /// Whether SQLite opened the file read-only (a write-protected file
    /// opened for writing is, silently).
    pub fn is_read_only(&self) -> Result<bool, CaseError> {
        Ok(self.conn().is_readonly(rusqlite::MAIN_DB)?)
    }

    /// `PRAGMA data_version`: changes when another connection commits.
    pub fn data_version(&self) -> Result<i64, CaseError> {
        Ok(self
            .conn()
            .pragma_query_value(None, "data_version", |r| r.get(0))?)
    }
}

fn on_what(tag: &Tag) -> String {
    match &tag.cluster {
        Some(c) => format!(" on {c}"),
        None => format!(" on {}", plural(tag.accounts.len(), "account", "accounts")),
    }
}

fn conflict_on_tag(seen: &Tag, current: Option<&Tag>) -> CaseError {
    CaseError::Conflict(match current {
        Some(t) => format!(
            "tag \"{}\" was changed by {} at {} since it was shown; the workbench shows it as it is now, try again",
            seen.label, t.updated_by, t.updated_at
        ),
        None => format!(
            "tag \"{}\" was removed elsewhere since it was shown",
            seen.label
        ),
    })
}

impl Case {
    /// Reads what a re-analysis must carry over, and the case's [`Stamp`]
    /// when it was read: the analysis stores its results only if nothing
    /// was written since.
    pub fn carry_over(&self) -> Result<(CarryOver, Stamp), CaseError> {
        let conn = self.conn();
        let stamp = self.change_stamp()?;
        let accounts: i64 =
            conn.query_row("SELECT coalesce(max(id), 0) FROM accounts", [], |r| {
                r.get(0)
            })?;
        let mut cluster_of = vec![None; accounts.max(0) as usize];
        let mut stmt = conn.prepare("SELECT account, cluster FROM cluster_members")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (account, cluster): (i64, String) = (r.get(0)?, r.get(1)?);
            if let Some(slot) = usize::try_from(account - 1)
                .ok()
                .and_then(|a| cluster_of.get_mut(a))
            {
                *slot = Some(cluster);
            }
        }
        let mut stmt =
            conn.prepare("SELECT account, cluster FROM account_pins ORDER BY account")?;
        let pins = stmt
            .query_map([], |r| Ok(((r.get::<_, i64>(0)? - 1) as u32, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stmt = conn
            .prepare("SELECT id, cluster, label FROM tags WHERE cluster IS NOT NULL ORDER BY id")?;
        let mut cluster_tags = Vec::new();
        let mut tag_labels = BTreeMap::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, cluster, mut label): (i64, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            crate::base::text::truncate_in_place(&mut label, MAX_TAG_FIELD_BYTES);
            cluster_tags.push((id, cluster));
            tag_labels.insert(id, label);
        }
        let mut stmt = conn
            .prepare("SELECT campaign, cluster FROM campaign_clusters ORDER BY campaign, rank")?;
        let mut by_campaign: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            by_campaign.entry(r.get(0)?).or_default().push(r.get(1)?);
        }
        Ok((
            CarryOver {
                cluster_of,
                pins,
                cluster_tags,
                tag_labels,
                campaigns: by_campaign.into_values().collect(),
            },
            stamp,
        ))
    }
}

/// The audit log of the case on `conn`, oldest first; only entries touching
/// `cluster` when given; with the row snapshots or with them left empty.
pub(super) fn read_audit(
    conn: &Connection,
    cluster: Option<&str>,
    with_snapshots: bool,
) -> Result<Vec<AuditRecord>, CaseError> {
    let snapshots = if with_snapshots {
        "before_json, after_json"
    } else {
        "'', ''"
    };
    let claims = super::provenance::read_claims(conn)?;
    let mut stmt = conn.prepare(&format!(
        "SELECT id, at, analyst, origin, session, action, clusters, summary, reverts, merged_from, source_id, {snapshots} \
         FROM audit_log WHERE ?1 IS NULL OR instr(',' || clusters || ',', ',' || ?1 || ',') > 0 ORDER BY id"
    ))?;
    Ok(stmt
        .query_map([cluster], |r| {
            let merged_from: Option<i64> = r.get(9)?;
            // Text over its documented maximum is cut with a marker (see
            // `tag_from_row`).
            let field = |i: usize, max: usize| -> rusqlite::Result<String> {
                let mut text: String = r.get(i)?;
                crate::base::text::truncate_in_place(&mut text, max);
                Ok(text)
            };
            Ok(AuditRecord {
                entry: AuditEntry {
                    id: r.get(0)?,
                    at: field(1, MAX_TAG_FIELD_BYTES)?,
                    analyst: field(2, MAX_TAG_FIELD_BYTES)?,
                    origin: field(3, MAX_TAG_FIELD_BYTES)?,
                    session: field(4, MAX_TAG_FIELD_BYTES)?,
                    action: field(5, MAX_TAG_FIELD_BYTES)?,
                    clusters: field(6, super::guard::MAX_TEXT_BYTES)?,
                    summary: field(7, MAX_NOTES_BYTES)?,
                    reverts: r.get(8)?,
                    merged_from,
                    source_id: r.get(10)?,
                    claimed: merged_from.and_then(|m| claims.get(&m).cloned()),
                },
                before_json: r.get(11)?,
                after_json: r.get(12)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Inside the analysis's store transaction: moves pins and cluster tags to
/// their new clusters and logs it (an `analysis` entry, which cannot be
/// undone).
pub(super) fn record_carried(
    tx: &Transaction<'_>,
    who: &Who,
    carried: &Carried,
) -> Result<(), CaseError> {
    // The copies a tagged campaign's successor gets, with their new ids.
    let mut next_id = next_tag_id(tx)?;
    let mut copies = Vec::new();
    for (template, cluster) in &carried.extended {
        let Some(mut tag) = read_tag(tx, *template)? else {
            continue;
        };
        tag.id = next_id;
        next_id += 1;
        tag.cluster = Some(cluster.clone());
        tag.accounts.clear();
        let at = now();
        tag.analyst = who.analyst.clone();
        tag.created_at = at.clone();
        tag.updated_at = at;
        tag.updated_by = who.analyst.clone();
        tag.merged_from = None;
        copies.push(tag);
    }
    let keys = Keys {
        tags: carried
            .tags
            .iter()
            .map(|(id, _)| *id)
            .chain(copies.iter().map(|t| t.id))
            .collect(),
        ..Default::default()
    };
    let before = snapshot(tx, &keys)?;
    tx.execute("DELETE FROM account_pins", [])?;
    {
        let mut pin = tx.prepare("INSERT INTO account_pins (account, cluster) VALUES (?1, ?2)")?;
        for (account, cluster) in &carried.pins {
            pin.execute(params![i64::from(*account) + 1, cluster])?;
        }
        let mut tag = tx.prepare("UPDATE tags SET cluster = ?2 WHERE id = ?1")?;
        for (id, cluster) in &carried.tags {
            tag.execute(params![id, cluster])?;
        }
    }
    for tag in &copies {
        write_tag(tx, tag.id, Some(tag))?;
    }
    let after = snapshot(tx, &keys)?;
    append_audit(
        tx,
        who,
        who.origin.name(),
        "analysis",
        &cluster_list(&keys, &before, &after),
        &carried.summary,
        &before,
        &after,
        None,
    )?;
    Ok(())
}

/// How [`write_history`] writes the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HistoryExport {
    /// One line per action, for reading.
    Text,
    /// One JSON object per line, with the rows before and after.
    Jsonl,
    /// CSV with a header, with the rows before and after.
    Csv,
}

/// Writes the audit log of the case at `case` (of `cluster`, or all) to
/// `out` in `format`, whole or not at all (see
/// [`crate::base::paths::write_whole`]). The workbench's *Export history…*
/// comes here; `hydrascope history` writes the same to its standard output.
pub fn export_history(
    case: &std::path::Path,
    cluster: Option<&str>,
    format: HistoryExport,
    out: &std::path::Path,
) -> Result<(), CaseError> {
    let records = Case::open_read_only(case)?.audit_log(cluster)?;
    crate::base::paths::write_whole(out, |file| {
        let mut buffered = std::io::BufWriter::new(file);
        write_history(&mut buffered, &records, format)?;
        std::io::Write::flush(&mut buffered)
    })
    .map_err(|source| CaseError::Io {
        path: out.to_path_buf(),
        source,
    })
}

/// Writes audit-log records (the History panel's export and
/// `hydrascope history`).
pub fn write_history(
    out: &mut dyn std::io::Write,
    records: &[AuditRecord],
    format: HistoryExport,
) -> std::io::Result<()> {
    match format {
        HistoryExport::Text => {
            let line = |out: &mut dyn std::io::Write, e: &AuditEntry| {
                let safe = crate::base::text::terminal_safe;
                writeln!(
                    out,
                    "#{:<5} {}  {:<14} {:<10} {:<15} {}",
                    e.id,
                    safe(&e.at),
                    safe(&e.analyst),
                    safe(&e.origin),
                    safe(&e.action),
                    safe(&e.summary)
                )
            };
            // What was done here first; then, apart, each merge's copied
            // entries under what they are: another case's claims.
            for r in records.iter().filter(|r| r.entry.merged_from.is_none()) {
                line(out, &r.entry)?;
            }
            let mut by_merge: BTreeMap<i64, Vec<&AuditEntry>> = BTreeMap::new();
            for r in records {
                if let Some(m) = r.entry.merged_from {
                    by_merge.entry(m).or_default().push(&r.entry);
                }
            }
            for (merge, entries) in by_merge {
                let claim = entries
                    .first()
                    .and_then(|e| e.claimed.as_ref())
                    .map_or_else(
                        || format!("claimed by the case of merge #{merge}"),
                        |c| c.describe(),
                    );
                writeln!(
                    out,
                    "\n{}; analysts and times below are what that case says:",
                    upper_first(&claim)
                )?;
                for e in entries {
                    line(out, e)?;
                }
            }
        }
        HistoryExport::Jsonl => {
            for r in records {
                let before: serde_json::Value =
                    serde_json::from_str(&r.before_json).unwrap_or(serde_json::Value::Null);
                let after: serde_json::Value =
                    serde_json::from_str(&r.after_json).unwrap_or(serde_json::Value::Null);
                let mut doc = serde_json::to_value(&r.entry).map_err(std::io::Error::other)?;
                if let Some(map) = doc.as_object_mut() {
                    map.insert("before".into(), before);
                    map.insert("after".into(), after);
                }
                writeln!(out, "{doc}")?;
            }
        }
        HistoryExport::Csv => {
            let mut w = csv::Writer::from_writer(out);
            w.write_record([
                "id",
                "at",
                "analyst",
                "origin",
                "session",
                "action",
                "clusters",
                "summary",
                "reverts",
                "before_json",
                "after_json",
                "claimed_by_case",
                "claimed_by_fingerprint",
                "merged_by",
                "merged_at",
            ])?;
            for r in records {
                let e = &r.entry;
                // Every cell is neutralised: a spreadsheet must not run a
                // formula that another analyst's case put in a name.
                let reverts = e.reverts.map(|v| v.to_string()).unwrap_or_default();
                let id = e.id.to_string();
                let claim =
                    |f: fn(&super::provenance::Claim) -> &str| e.claimed.as_ref().map_or("", f);
                let cells = [
                    id.as_str(),
                    &e.at,
                    &e.analyst,
                    &e.origin,
                    &e.session,
                    &e.action,
                    &e.clusters,
                    &e.summary,
                    &reverts,
                    &r.before_json,
                    &r.after_json,
                    claim(|c| &c.case),
                    claim(|c| &c.fingerprint),
                    claim(|c| &c.merged_by),
                    claim(|c| &c.merged_at),
                ];
                w.write_record(
                    cells
                        .map(crate::base::text::csv_safe)
                        .iter()
                        .map(|c| c.as_bytes()),
                )?;
            }
            w.flush()?;
        }
    }
    Ok(())
}

/// `text` with its first letter upper-case.
fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
