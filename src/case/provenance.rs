//! Where merged history came from. A tag or an audit entry that arrived by
//! merge says what another case claims (its analyst, its times): Hydrascope
//! cannot check any of it. Each carries the merge that brought it
//! (`merged_from`), and the merge says which case it read (file name and
//! fingerprint), who merged it here and when: a [`Claim`]. Front ends show
//! claims apart from what was done here, and undo refuses them.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;

use super::guard::MAX_TAG_FIELD_BYTES;
use super::{Case, CaseError};

/// What a merged tag or entry is: a claim of another case, brought here by
/// one merge.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Claim {
    /// The merge that brought it (`merges.id`).
    pub merge: i64,
    /// The file name of the case it came from.
    pub case: String,
    /// That case's fingerprint when it was merged (empty for merges made
    /// before case format 8).
    pub fingerprint: String,
    /// Who merged it here.
    pub merged_by: String,
    /// When it was merged here (RFC 3339, UTC).
    pub merged_at: String,
}

impl Claim {
    /// "claimed by case 1a2b3c4d (bob.hcase), merged here by alice at …".
    pub fn describe(&self) -> String {
        let safe = crate::base::text::terminal_safe;
        let case = if self.fingerprint.is_empty() {
            format!("case {}", safe(&self.case))
        } else {
            format!("case {} ({})", safe(&self.fingerprint), safe(&self.case))
        };
        format!(
            "claimed by {case}, merged here by {} at {}",
            safe(&self.merged_by),
            safe(&self.merged_at)
        )
    }
}

/// Every merge of the case on `conn` as a [`Claim`], by merge id.
pub(super) fn read_claims(conn: &Connection) -> Result<BTreeMap<i64, Claim>, CaseError> {
    let mut stmt = conn.prepare(
        "SELECT id, source_name, source_fingerprint, analyst, at FROM merges ORDER BY id",
    )?;
    let field = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<String> {
        let mut text: String = r.get(i)?;
        crate::base::text::truncate_in_place(&mut text, MAX_TAG_FIELD_BYTES);
        Ok(text)
    };
    let claims = stmt
        .query_map([], |r| {
            Ok(Claim {
                merge: r.get(0)?,
                case: field(r, 1)?,
                fingerprint: field(r, 2)?,
                merged_by: field(r, 3)?,
                merged_at: field(r, 4)?,
            })
        })?
        .map(|c| c.map(|c| (c.merge, c)))
        .collect::<rusqlite::Result<_>>()?;
    Ok(claims)
}

impl Case {
    /// Every merge into this case as the [`Claim`] of what it brought, by
    /// merge id (what `Tag::merged_from` and `AuditEntry::merged_from`
    /// name).
    pub fn claims(&self) -> Result<BTreeMap<i64, Claim>, CaseError> {
        read_claims(self.conn())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_names_the_case_its_fingerprint_and_who_merged_it() {
        let claim = Claim {
            merge: 3,
            case: "bob\u{1b}[2J.hcase".into(),
            fingerprint: "1a2b3c4d".into(),
            merged_by: "alice".into(),
            merged_at: "2026-12-01T10:00:00.000Z".into(),
        };
        let text = claim.describe();
        assert_eq!(
            text,
            "claimed by case 1a2b3c4d (bob[2J.hcase), merged here by alice at 2026-12-01T10:00:00.000Z"
        );
        let old = Claim {
            fingerprint: String::new(),
            ..claim
        };
        assert!(old.describe().starts_with("claimed by case bob"));
    }
}
