//! Notes and saved views: case work like tags (one transaction each,
//! snapshots in the audit log, undo and redo, carried by export, merge and
//! redaction).
//!
//! A note is on an account, a link between two accounts, a cluster, a
//! campaign or a time range. Cluster and campaign ids change when the case
//! is analysed again, so a note on one keeps the accounts it held when the
//! note was written and is shown on the cluster or campaign that now holds
//! most of them.
//!
//! A saved view is a name, the view's description as JSON (which the case
//! does not interpret: the views layer writes and reads it) and the
//! accounts it selected, kept as account rows so that redaction and merge
//! treat them as they treat every other account reference.

use std::collections::BTreeSet;

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::casework::{
    Keys, Recorded, Who, begin_write, check_analyst, finish, now, plural, snapshot,
};
use super::guard::{MAX_NOTES_BYTES, MAX_TAG_FIELD_BYTES, MAX_TEXT_BYTES};
use super::{Case, CaseError};

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

const NOTE_COLUMNS: &str = "id, target, account, other, cluster, campaign, from_ms, to_ms, text, \
     analyst, created_at, updated_at, updated_by, merged_from";
const VIEW_COLUMNS: &str =
    "id, name, view_json, analyst, created_at, updated_at, updated_by, merged_from";

/// Text cut to `max` bytes with a marker (a case made elsewhere may hold
/// more than the documented maximum).
fn bounded(mut text: String, max: usize) -> String {
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

fn view_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SavedView> {
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

fn accounts_of(
    tx: &rusqlite::Connection,
    table: &str,
    key: &str,
    id: i64,
) -> Result<Vec<u32>, CaseError> {
    let mut stmt = tx.prepare_cached(&format!(
        "SELECT account FROM {table} WHERE {key} = ?1 ORDER BY account"
    ))?;
    let accounts = stmt
        .query_map([id], |r| r.get::<_, i64>(0))?
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
    tx.prepare_cached("DELETE FROM note_accounts WHERE note = ?1")?
        .execute([id])?;
    let Some(n) = note else {
        tx.prepare_cached("DELETE FROM notes WHERE id = ?1")?
            .execute([id])?;
        return Ok(());
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
    let mut insert =
        tx.prepare_cached("INSERT INTO note_accounts (note, account) VALUES (?1, ?2)")?;
    for &a in &n.accounts {
        insert.execute(params![id, key(a)])?;
    }
    Ok(())
}

pub(super) fn write_view(
    tx: &Transaction<'_>,
    id: i64,
    view: Option<&SavedView>,
) -> Result<(), CaseError> {
    tx.prepare_cached("DELETE FROM saved_view_accounts WHERE view = ?1")?
        .execute([id])?;
    let Some(v) = view else {
        tx.prepare_cached("DELETE FROM saved_views WHERE id = ?1")?
            .execute([id])?;
        return Ok(());
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
    let mut insert =
        tx.prepare_cached("INSERT INTO saved_view_accounts (view, account) VALUES (?1, ?2)")?;
    for &a in &v.accounts {
        insert.execute(params![id, i64::from(a) + 1])?;
    }
    Ok(())
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

fn check_text(what: &str, text: &str, max: usize) -> Result<(), CaseError> {
    if text.trim().is_empty() {
        return Err(CaseError::Invalid(format!("{what} is empty")));
    }
    if text.len() > max {
        return Err(CaseError::Invalid(format!(
            "{what} is {} bytes long; a case keeps at most {max}",
            text.len()
        )));
    }
    Ok(())
}

fn account_exists(tx: &Transaction<'_>, account: u32) -> Result<String, CaseError> {
    tx.query_row(
        "SELECT account_id FROM accounts WHERE id = ?1",
        [i64::from(account) + 1],
        |r| r.get(0),
    )
    .optional()?
    .ok_or_else(|| CaseError::Invalid(format!("no account #{account} in this case")))
}

/// The accounts a cluster or campaign holds now (indices, ascending).
fn group_accounts(tx: &Transaction<'_>, on: &NoteOn) -> Result<Vec<u32>, CaseError> {
    let (sql, id) = match on {
        NoteOn::Cluster { id } => (
            "SELECT account FROM cluster_members WHERE cluster = ?1 ORDER BY account",
            id,
        ),
        NoteOn::Campaign { id } => (
            "SELECT m.account FROM campaign_clusters c JOIN cluster_members m ON m.cluster = c.cluster \
             WHERE c.campaign = ?1 ORDER BY m.account",
            id,
        ),
        _ => return Ok(Vec::new()),
    };
    let mut stmt = tx.prepare_cached(sql)?;
    let accounts: Vec<u32> = stmt
        .query_map([id], |r| r.get::<_, i64>(0))?
        .filter_map(|k| match k {
            Ok(k) => u32::try_from(k - 1).ok().map(Ok),
            Err(e) => Some(Err(e)),
        })
        .collect::<rusqlite::Result<_>>()?;
    if accounts.is_empty() {
        return Err(CaseError::Invalid(format!(
            "no {} {id} in this case",
            on.kind()
        )));
    }
    Ok(accounts)
}

/// Checks what a new note is on and says it in words.
fn describe_target(tx: &Transaction<'_>, on: &NoteOn) -> Result<String, CaseError> {
    Ok(match on {
        NoteOn::Account { account } => format!("account {}", account_exists(tx, *account)?),
        NoteOn::Link { a, b } => {
            if a == b {
                return Err(CaseError::Invalid(
                    "a link note needs two different accounts".into(),
                ));
            }
            format!(
                "the link {} – {}",
                account_exists(tx, *a)?,
                account_exists(tx, *b)?
            )
        }
        NoteOn::Cluster { id } => format!("cluster {id}"),
        NoteOn::Campaign { id } => format!("campaign {id}"),
        NoteOn::Time { from_ms, to_ms } => {
            if to_ms <= from_ms {
                return Err(CaseError::Invalid(
                    "a time note's end must be after its start".into(),
                ));
            }
            format!(
                "{} to {}",
                crate::base::time::format_rfc3339_ms(*from_ms),
                crate::base::time::format_rfc3339_ms(*to_ms)
            )
        }
    })
}

/// The first words of a note, for the audit log.
fn gist(text: &str) -> String {
    const SHOWN: usize = 60;
    let line = text.lines().next().unwrap_or("").trim();
    let mut cut: String = line.chars().take(SHOWN).collect();
    if cut.len() < line.len() || text.trim().lines().count() > 1 {
        cut.push('…');
    }
    cut
}

impl Case {
    /// Writes a new note on `on` (a link's ends in either order).
    pub fn add_note(&self, who: &Who, on: NoteOn, text: &str) -> Result<Recorded, CaseError> {
        check_analyst(who)?;
        check_text("the note", text, MAX_NOTES_BYTES)?;
        let on = match on {
            NoteOn::Link { a, b } => NoteOn::Link {
                a: a.min(b),
                b: a.max(b),
            },
            on => on,
        };
        let tx = begin_write(self)?;
        let what = describe_target(&tx, &on)?;
        let accounts = group_accounts(&tx, &on)?;
        let at = now();
        let note = Note {
            id: next_id(&tx, "notes")?,
            on,
            accounts,
            text: text.trim().to_string(),
            analyst: who.analyst.clone(),
            created_at: at.clone(),
            updated_at: at,
            updated_by: who.analyst.clone(),
            merged_from: None,
        };
        let keys = Keys {
            notes: [note.id].into(),
            ..Default::default()
        };
        let before = snapshot(&tx, &keys)?;
        write_note(&tx, note.id, Some(&note))?;
        let after = snapshot(&tx, &keys)?;
        let summary = format!("Noted on {what}: \"{}\"", gist(&note.text));
        finish(
            tx,
            who,
            "note.create",
            summary,
            &keys,
            &before,
            &after,
            None,
        )
    }

    /// Changes the text of a note the caller last saw as `seen` (else
    /// [`CaseError::Conflict`], nothing written).
    pub fn update_note(&self, who: &Who, seen: &Note, text: &str) -> Result<Recorded, CaseError> {
        check_text("the note", text, MAX_NOTES_BYTES)?;
        self.change_note(who, seen, Some(text))
    }

    /// Removes a note the caller last saw as `seen`.
    pub fn remove_note(&self, who: &Who, seen: &Note) -> Result<Recorded, CaseError> {
        self.change_note(who, seen, None)
    }

    fn change_note(
        &self,
        who: &Who,
        seen: &Note,
        text: Option<&str>,
    ) -> Result<Recorded, CaseError> {
        check_analyst(who)?;
        let tx = begin_write(self)?;
        let current = read_note(&tx, seen.id)?;
        if current.as_ref() != Some(seen) {
            return Err(CaseError::Conflict(format!(
                "note #{} was changed or removed since it was shown; look again and retry",
                seen.id
            )));
        }
        let changed = text.map(|text| Note {
            text: text.trim().to_string(),
            updated_at: now(),
            updated_by: who.analyst.clone(),
            ..seen.clone()
        });
        let keys = Keys {
            notes: [seen.id].into(),
            ..Default::default()
        };
        let before = snapshot(&tx, &keys)?;
        write_note(&tx, seen.id, changed.as_ref())?;
        let after = snapshot(&tx, &keys)?;
        let (action, summary) = match &changed {
            Some(n) => (
                "note.update",
                format!("Changed note #{}: \"{}\"", n.id, gist(&n.text)),
            ),
            None => (
                "note.remove",
                format!("Removed note #{}: \"{}\"", seen.id, gist(&seen.text)),
            ),
        };
        finish(tx, who, action, summary, &keys, &before, &after, None)
    }

    /// Every note, oldest first, each with the cluster or campaign that
    /// holds most of its accounts now.
    pub fn notes(&self) -> Result<Vec<ListedNote>, CaseError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!("SELECT {NOTE_COLUMNS} FROM notes ORDER BY id"))?;
        let notes: Vec<Note> = stmt
            .query_map([], note_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        let mut listed = Vec::with_capacity(notes.len());
        let mut cluster_now = conn.prepare(
            "SELECT m.cluster FROM note_accounts n JOIN cluster_members m ON m.account = n.account \
             WHERE n.note = ?1 GROUP BY m.cluster ORDER BY count(*) DESC, m.cluster LIMIT 1",
        )?;
        let mut campaign_now = conn.prepare(
            "SELECT c.campaign FROM note_accounts n JOIN cluster_members m ON m.account = n.account \
             JOIN campaign_clusters c ON c.cluster = m.cluster \
             WHERE n.note = ?1 GROUP BY c.campaign ORDER BY count(*) DESC, c.campaign LIMIT 1",
        )?;
        for mut note in notes {
            note.accounts = accounts_of(conn, "note_accounts", "note", note.id)?;
            let now_on = match note.on {
                NoteOn::Cluster { .. } => cluster_now
                    .query_row([note.id], |r| r.get::<_, String>(0))
                    .optional()?,
                NoteOn::Campaign { .. } => campaign_now
                    .query_row([note.id], |r| r.get::<_, String>(0))
                    .optional()?,
                _ => None,
            }
            .map(|id| bounded(id, MAX_TAG_FIELD_BYTES));
            listed.push(ListedNote { note, now_on });
        }
        Ok(listed)
    }

    /// Saves the view `view_json` selecting `accounts` as `name`; a view
    /// of that name is saved over (the audit log keeps the one it
    /// replaces, and undo brings it back).
    pub fn save_view(
        &self,
        who: &Who,
        name: &str,
        view_json: &str,
        accounts: &[u32],
    ) -> Result<Recorded, CaseError> {
        check_analyst(who)?;
        let name = name.trim();
        check_text("the view's name", name, MAX_VIEW_NAME_BYTES)?;
        check_text("the view", view_json, MAX_TEXT_BYTES)?;
        if serde_json::from_str::<serde_json::Value>(view_json).is_err() {
            return Err(CaseError::Invalid("the view is not JSON".into()));
        }
        let tx = begin_write(self)?;
        let accounts: BTreeSet<u32> = accounts.iter().copied().collect();
        for &a in &accounts {
            account_exists(&tx, a)?;
        }
        let existing: Option<i64> = tx
            .query_row("SELECT id FROM saved_views WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        let at = now();
        let view = match existing {
            Some(id) => {
                let Some(old) = read_view(&tx, id)? else {
                    return Err(CaseError::Invalid(format!("view {name:?} vanished")));
                };
                SavedView {
                    view_json: view_json.to_string(),
                    accounts: accounts.iter().copied().collect(),
                    updated_at: at,
                    updated_by: who.analyst.clone(),
                    merged_from: None,
                    ..old
                }
            }
            None => SavedView {
                id: next_id(&tx, "saved_views")?,
                name: name.to_string(),
                view_json: view_json.to_string(),
                accounts: accounts.iter().copied().collect(),
                analyst: who.analyst.clone(),
                created_at: at.clone(),
                updated_at: at,
                updated_by: who.analyst.clone(),
                merged_from: None,
            },
        };
        let keys = Keys {
            views: [view.id].into(),
            ..Default::default()
        };
        let before = snapshot(&tx, &keys)?;
        write_view(&tx, view.id, Some(&view))?;
        let after = snapshot(&tx, &keys)?;
        let (action, summary) = if existing.is_some() {
            ("view.update", format!("Saved over the view \"{name}\""))
        } else {
            ("view.create", format!("Saved the view \"{name}\""))
        };
        finish(tx, who, action, summary, &keys, &before, &after, None)
    }

    /// Removes a saved view the caller last saw as `seen`.
    pub fn remove_view(&self, who: &Who, seen: &SavedView) -> Result<Recorded, CaseError> {
        check_analyst(who)?;
        let tx = begin_write(self)?;
        if read_view(&tx, seen.id)?.as_ref() != Some(seen) {
            return Err(CaseError::Conflict(format!(
                "the view \"{}\" was changed or removed since it was shown; look again and retry",
                seen.name
            )));
        }
        let keys = Keys {
            views: [seen.id].into(),
            ..Default::default()
        };
        let before = snapshot(&tx, &keys)?;
        write_view(&tx, seen.id, None)?;
        let after = snapshot(&tx, &keys)?;
        let summary = format!("Removed the view \"{}\"", seen.name);
        finish(
            tx,
            who,
            "view.remove",
            summary,
            &keys,
            &before,
            &after,
            None,
        )
    }

    /// Every saved view, by name.
    pub fn saved_views(&self) -> Result<Vec<SavedView>, CaseError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT {VIEW_COLUMNS} FROM saved_views ORDER BY name, id"
        ))?;
        let mut views: Vec<SavedView> = stmt
            .query_map([], view_from_row)?
            .collect::<rusqlite::Result<_>>()?;
        for view in &mut views {
            view.accounts = accounts_of(conn, "saved_view_accounts", "view", view.id)?;
        }
        Ok(views)
    }

    /// The saved view named `name`; an unknown name is [`CaseError::Invalid`]
    /// naming the views there are.
    pub fn saved_view(&self, name: &str) -> Result<SavedView, CaseError> {
        let views = self.saved_views()?;
        if let Some(view) = views.iter().find(|v| v.name == name) {
            return Ok(view.clone());
        }
        let names: Vec<String> = views.iter().map(|v| format!("{:?}", v.name)).collect();
        Err(CaseError::Invalid(if names.is_empty() {
            format!("no view named {name:?}: this case has no saved views")
        } else {
            format!(
                "no view named {name:?}; this case has {}: {}",
                plural(names.len(), "saved view", "saved views"),
                names.join(", ")
            )
        }))
    }
}
