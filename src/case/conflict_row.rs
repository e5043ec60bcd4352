//! A `merge_conflicts` row as case work reads and writes it: the part of
//! merging that undo and redo also need, kept apart from the merge itself so
//! that case work and merging do not import each other.

use rusqlite::{OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use super::CaseError;

/// The `audit_log.action` of a merge (which `undo` refuses).
pub const MERGE_ACTION: &str = "merge";

/// Where a merge conflict stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictStatus {
    /// Not resolved yet: both tags are in the case.
    #[default]
    Open,
    /// Resolved by keeping the tag that was here and removing theirs.
    KeptOurs,
    /// Resolved by keeping their tag and removing the one that was here.
    KeptTheirs,
    /// Resolved by keeping both tags.
    KeptBoth,
}

impl ConflictStatus {
    /// Every status.
    pub const ALL: [ConflictStatus; 4] = [
        ConflictStatus::Open,
        ConflictStatus::KeptOurs,
        ConflictStatus::KeptTheirs,
        ConflictStatus::KeptBoth,
    ];

    /// The name stored in `merge_conflicts.status`.
    pub fn name(self) -> &'static str {
        match self {
            ConflictStatus::Open => "open",
            ConflictStatus::KeptOurs => "kept_ours",
            ConflictStatus::KeptTheirs => "kept_theirs",
            ConflictStatus::KeptBoth => "kept_both",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// A `merge_conflicts` row as the audit log's snapshots keep it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConflictRow {
    /// The merge that found it (`merges.id`).
    pub merge: i64,
    /// The tag that was here (`tags.id`).
    pub ours: i64,
    /// The tag the merge brought (`tags.id`).
    pub theirs: i64,
    /// Accounts the two tags share.
    pub overlap: i64,
    /// The tag fields that differ (`label`, `capability`, `status`,
    /// `confidence`, `actor`, `notes`).
    pub fields: Vec<String>,
    /// Where it stands.
    pub status: ConflictStatus,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// When (RFC 3339, UTC).
    pub resolved_at: Option<String>,
}

/// A `merge_conflicts` row, or `None` when there is none with `id`.
pub(super) fn read_conflict_row(
    tx: &Transaction<'_>,
    id: i64,
) -> Result<Option<ConflictRow>, CaseError> {
    let row = tx
        .query_row(
            "SELECT merge, ours, theirs, overlap, fields, status, resolved_by, resolved_at \
             FROM merge_conflicts WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, Option<String>>(7)?,
                ))
            },
        )
        .optional()?;
    let Some((merge, ours, theirs, overlap, fields, status, resolved_by, resolved_at)) = row else {
        return Ok(None);
    };
    Ok(Some(ConflictRow {
        merge,
        ours,
        theirs,
        overlap,
        fields: split_fields(&fields),
        status: parse_status(id, &status)?,
        resolved_by,
        resolved_at,
    }))
}

pub(super) fn split_fields(text: &str) -> Vec<String> {
    text.split(',')
        .filter(|f| !f.is_empty())
        .map(str::to_string)
        .collect()
}

pub(super) fn parse_status(id: i64, status: &str) -> Result<ConflictStatus, CaseError> {
    ConflictStatus::parse(status).ok_or_else(|| {
        CaseError::Invalid(format!(
            "merge conflict #{id} has an unknown status \"{status}\""
        ))
    })
}

/// Writes a conflict's resolution state back (undo and redo of a
/// resolution).
pub(super) fn write_conflict_state(
    tx: &Transaction<'_>,
    id: i64,
    row: &ConflictRow,
) -> Result<(), CaseError> {
    tx.execute(
        "UPDATE merge_conflicts SET status = ?2, resolved_by = ?3, resolved_at = ?4 WHERE id = ?1",
        params![id, row.status.name(), row.resolved_by, row.resolved_at],
    )?;
    Ok(())
}
