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

use rusqlite::{OptionalExtension, Transaction};

use super::casework::{
    Keys, Recorded, Who, begin_write, check_analyst, finish, now, plural, snapshot,
};
use super::guard::{MAX_NOTES_BYTES, MAX_TAG_FIELD_BYTES, MAX_TEXT_BYTES};
pub use super::note_rows::{
    ListedNote, MAX_VIEW_NAME_BYTES, Note, NoteOn, NoteSlot, SavedView, ViewSlot,
};
use super::note_rows::{
    NOTE_COLUMNS, VIEW_COLUMNS, account_indices, accounts_of, bounded, next_id, note_from_row,
    read_note, read_view, view_from_row, write_note, write_view,
};
use super::{Case, CaseError};

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
    let accounts = account_indices(tx, sql, id)?;
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
