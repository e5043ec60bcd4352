//! The rows of notes and saved views: their types, and reading and
//! writing one row (with its accounts) inside a transaction. Case work on
//! them (`notes.rs`) and the audit snapshots (`casework.rs`) both use these.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::CaseError;
use super::guard::{MAX_NOTES_BYTES, MAX_TAG_FIELD_BYTES};

/// What a note is on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum NoteOn {
    /// One account (index).
    Account {
        /// Account index (0-based).
        account: u32,
    },
    /// The link between two accounts (indices, the smaller first).
    Link {
        /// One end.
        a: u32,
        /// The other end.
        b: u32,
    },
    /// A cluster, by the id it had when the note was written.
    Cluster {
        /// Cluster id.
        id: String,
    },
    /// A campaign, by the id it had when the note was written.
    Campaign {
        /// Campaign id.
        id: String,
    },
    /// A time range, `from_ms` inclusive to `to_ms` exclusive (UTC).
    Time {
        /// Start, milliseconds since the epoch.
        from_ms: i64,
        /// End (exclusive).
        to_ms: i64,
    },
}

impl NoteOn {
    /// The `notes.target` name.
    pub fn kind(&self) -> &'static str {
        match self {
            NoteOn::Account { .. } => "account",
            NoteOn::Link { .. } => "link",
            NoteOn::Cluster { .. } => "cluster",
            NoteOn::Campaign { .. } => "campaign",
            NoteOn::Time { .. } => "time",
        }
    }
}

/// An analyst's note.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    /// Note id (never reused).
    pub id: i64,
    /// What it is on.
    pub on: NoteOn,
    /// For a note on a cluster or a campaign: its accounts when the note
    /// was written (indices, ascending); empty otherwise.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<u32>,
    /// The note.
    pub text: String,
    /// Who wrote it.
    pub analyst: String,
    /// When (RFC 3339, UTC).
    pub created_at: String,
    /// When it last changed.
    pub updated_at: String,
    /// Who changed it last.
    pub updated_by: String,
    /// The merge that brought it from another analyst's case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<i64>,
}

/// A note as listed: with the cluster or campaign that holds most of its
/// accounts now (for a note on one).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ListedNote {
    /// The note.
    #[serde(flatten)]
    pub note: Note,
    /// The cluster or campaign that now holds most of the note's accounts
    /// (`None`: none does, or the note is on something else).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now_on: Option<String>,
}

/// A named view of the case.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SavedView {
    /// View id (never reused).
    pub id: i64,
    /// Its name (unique in the case).
    pub name: String,
    /// What it shows, as the views layer describes it (JSON).
    pub view_json: String,
    /// The accounts it selects (indices, ascending).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<u32>,
    /// Who saved it.
    pub analyst: String,
    /// When (RFC 3339, UTC).
    pub created_at: String,
    /// When it was last saved over.
    pub updated_at: String,
    /// Who saved it last.
    pub updated_by: String,
    /// The merge that brought it from another analyst's case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merged_from: Option<i64>,
}

/// One note slot in an audit snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoteSlot {
    /// Note id.
    pub id: i64,
    /// The row, or `None` when it does not exist.
    pub note: Option<Note>,
}

/// One saved-view slot in an audit snapshot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ViewSlot {
    /// View id.
    pub id: i64,
    /// The row, or `None` when it does not exist.
    pub view: Option<SavedView>,
}

/// The longest view name.
pub const MAX_VIEW_NAME_BYTES: usize = 200;

pub(super) const NOTE_COLUMNS: &str = "id, target, account, other, cluster, campaign, from_ms, to_ms, text, \
     analyst, created_at, updated_at, updated_by, merged_from";
pub(super) const VIEW_COLUMNS: &str =
    "id, name, view_json, analyst, created_at, updated_at, updated_by, merged_from";

/// Text cut to `max` bytes with a marker (a case made elsewhere may hold
/// more than the documented maximum).
pub(super) fn bounded(mut text: String, max: usize) -> String {
    crate::base::text::truncate_in_place(&mut text, max);
    text
}

fn account_index(key: Option<i64>) -> rusqlite::Result<u32> {
    key.and_then(|k| u32::try_from(k - 1).ok()).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            2,
            rusqlite::types::Type::Integer,
            "a note's account is missing or out of range".into(),
        )
    })
}

pub(super) fn note_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Note> {
    let target: String = r.get(1)?;
    let text = |i: usize| -> rusqlite::Result<String> {
        Ok(bounded(r.get::<_, String>(i)?, MAX_TAG_FIELD_BYTES))
    };
    let on = match target.as_str() {
        "account" => NoteOn::Account {
            account: account_index(r.get(2)?)?,
        },
        "link" => NoteOn::Link {
            a: account_index(r.get(2)?)?,
            b: account_index(r.get(3)?)?,
        },
        "cluster" => NoteOn::Cluster { id: text(4)? },
        "campaign" => NoteOn::Campaign { id: text(5)? },
        _ => NoteOn::Time {
            from_ms: r.get::<_, Option<i64>>(6)?.unwrap_or(0),
            to_ms: r.get::<_, Option<i64>>(7)?.unwrap_or(0),
        },
    };
    Ok(Note {
        id: r.get(0)?,
        on,
        accounts: Vec::new(),
        text: bounded(r.get(8)?, MAX_NOTES_BYTES),
        analyst: text(9)?,
        created_at: text(10)?,
        updated_at: text(11)?,
        updated_by: text(12)?,
        merged_from: r.get(13)?,
    })
}

pub(super) fn view_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SavedView> {
    let text = |i: usize| -> rusqlite::Result<String> {
        Ok(bounded(r.get::<_, String>(i)?, MAX_TAG_FIELD_BYTES))
    };
    Ok(SavedView {
        id: r.get(0)?,
        name: bounded(r.get(1)?, MAX_VIEW_NAME_BYTES),
        view_json: r.get(2)?,
        accounts: Vec::new(),
        analyst: text(3)?,
        created_at: text(4)?,
        updated_at: text(5)?,
        updated_by: text(6)?,
        merged_from: r.get(7)?,
    })
}

pub(super) fn accounts_of(
    tx: &rusqlite::Connection,
    table: &str,
    key: &str,
    id: i64,
) -> Result<Vec<u32>, CaseError> {
    account_indices(
        tx,
        &format!("SELECT account FROM {table} WHERE {key} = ?1 ORDER BY account"),
        &id,
    )
}

/// The accounts (`accounts.id`) `sql` selects with `param`, as indices
/// (ids out of range are left out).
pub(super) fn account_indices(
    tx: &rusqlite::Connection,
    sql: &str,
    param: &dyn rusqlite::ToSql,
) -> Result<Vec<u32>, CaseError> {
    let mut stmt = tx.prepare_cached(sql)?;
    let accounts = stmt
        .query_map([param], |r| r.get::<_, i64>(0))?
        .filter_map(|k| match k {
            Ok(k) => u32::try_from(k - 1).ok().map(Ok),
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<_>>()?;
    Ok(accounts)
}

pub(super) fn read_note(tx: &Transaction<'_>, id: i64) -> Result<Option<Note>, CaseError> {
    let note = tx
        .prepare_cached(&format!("SELECT {NOTE_COLUMNS} FROM notes WHERE id = ?1"))?
        .query_row([id], note_from_row)
        .optional()?;
    let Some(mut note) = note else {
        return Ok(None);
    };
    note.accounts = accounts_of(tx, "note_accounts", "note", id)?;
    Ok(Some(note))
}

pub(super) fn read_view(tx: &Transaction<'_>, id: i64) -> Result<Option<SavedView>, CaseError> {
    let view = tx
        .prepare_cached(&format!(
            "SELECT {VIEW_COLUMNS} FROM saved_views WHERE id = ?1"
        ))?
        .query_row([id], view_from_row)
        .optional()?;
    let Some(mut view) = view else {
        return Ok(None);
    };
    view.accounts = accounts_of(tx, "saved_view_accounts", "view", id)?;
    Ok(Some(view))
}

pub(super) fn write_note(
    tx: &Transaction<'_>,
    id: i64,
    note: Option<&Note>,
) -> Result<(), CaseError> {
    let Some(n) = note else {
        tx.prepare_cached("DELETE FROM notes WHERE id = ?1")?
            .execute([id])?;
        return set_accounts(tx, "note_accounts", "note", id, &[]);
    };
    let key = |a: u32| i64::from(a) + 1;
    let (account, other, cluster, campaign, from_ms, to_ms) = match &n.on {
        NoteOn::Account { account } => (Some(key(*account)), None, None, None, None, None),
        NoteOn::Link { a, b } => (Some(key(*a)), Some(key(*b)), None, None, None, None),
        NoteOn::Cluster { id } => (None, None, Some(id.as_str()), None, None, None),
        NoteOn::Campaign { id } => (None, None, None, Some(id.as_str()), None, None),
        NoteOn::Time { from_ms, to_ms } => (None, None, None, None, Some(*from_ms), Some(*to_ms)),
    };
    tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO notes ({NOTE_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    ))?
    .execute(params![
        id,
        n.on.kind(),
        account,
        other,
        cluster,
        campaign,
        from_ms,
        to_ms,
        n.text,
        n.analyst,
        n.created_at,
        n.updated_at,
        n.updated_by,
        n.merged_from
    ])?;
    set_accounts(tx, "note_accounts", "note", id, &n.accounts)
}

/// Makes `accounts` (indices) the rows of `id` in `table` (keyed by
/// `key`, the account column `account`), replacing any there were.
fn set_accounts(
    tx: &Transaction<'_>,
    table: &str,
    key: &str,
    id: i64,
    accounts: &[u32],
) -> Result<(), CaseError> {
    tx.prepare_cached(&format!("DELETE FROM {table} WHERE {key} = ?1"))?
        .execute([id])?;
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO {table} ({key}, account) VALUES (?1, ?2)"
    ))?;
    for &a in accounts {
        insert.execute(params![id, i64::from(a) + 1])?;
    }
    Ok(())
}

pub(super) fn write_view(
    tx: &Transaction<'_>,
    id: i64,
    view: Option<&SavedView>,
) -> Result<(), CaseError> {
    let Some(v) = view else {
        tx.prepare_cached("DELETE FROM saved_views WHERE id = ?1")?
            .execute([id])?;
        return set_accounts(tx, "saved_view_accounts", "view", id, &[]);
    };
    tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO saved_views ({VIEW_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    ))?
    .execute(params![
        id,
        v.name,
        v.view_json,
        v.analyst,
        v.created_at,
        v.updated_at,
        v.updated_by,
        v.merged_from
    ])?;
    set_accounts(tx, "saved_view_accounts", "view", id, &v.accounts)
}

/// The next id of `table` (an AUTOINCREMENT table): never one an undo
/// deleted.
pub(super) fn next_id(tx: &Transaction<'_>, table: &str) -> Result<i64, CaseError> {
    let seq: Option<i64> = tx
        .query_row(
            "SELECT seq FROM sqlite_sequence WHERE name = ?1",
            [table],
            |r| r.get(0),
        )
        .optional()?;
    let max: Option<i64> =
        tx.query_row(&format!("SELECT max(id) FROM {table}"), [], |r| r.get(0))?;
    Ok(seq.unwrap_or(0).max(max.unwrap_or(0)) + 1)
}
