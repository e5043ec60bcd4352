//! Merging another analyst's case into this one: their tags, landed on the
//! cluster here that has exactly their accounts or else on those accounts;
//! their audit entries, attributed to them; and the conflicts between their
//! tags and the tags here, which an analyst resolves one at a time.
//!
//! The other case is only read. A merge is one `BEGIN IMMEDIATE` transaction
//! and one `merge` entry in the audit log; it cannot be undone, because it
//! removes nothing and the tags it brings can be removed one by one. Every
//! tag and entry it brings carries the merge's id (`merged_from`), and what
//! is here already is skipped, so merging the same case twice adds nothing.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rusqlite::{Connection, params};

use super::casework::{
    AuditRecord, ConflictSlot, Keys, Recorded, Snapshot, TAG_COLUMNS, Tag, TagSlot, Who,
    append_audit, begin_write, check_analyst, cluster_list, finish, next_tag_id, now, plural,
    read_audit, read_tag, snapshot, tag_from_row, write_tag,
};
pub use super::conflict_row::{ConflictRow, ConflictStatus, MERGE_ACTION};
use super::conflict_row::{parse_status, read_conflict_row, split_fields};
use super::note_rows::{Note, NoteOn, NoteSlot, SavedView, ViewSlot, write_note, write_view};
use super::{Case, CaseError};

/// Conflicts a merge may record per new tag (a tag that disagrees with
/// one or two tags here); past that, and past [`MAX_MERGE_CONFLICTS`], the
/// merge is refused, nothing written: conflicts multiplying with the tags
/// here (thousands of tags each disagreeing with dozens) are a flood, not
/// a disagreement.
pub const CONFLICTS_PER_TAG: usize = 2;
/// Conflicts any merge may record, however few its new tags.
pub const MAX_MERGE_CONFLICTS: usize = 1_000;

/// The `audit_log.action` of a conflict's resolution.
pub const RESOLVE_ACTION: &str = "conflict.resolve";

/// How many missing account ids a refusal names.
const IDS_SHOWN: usize = 5;

/// How an analyst settles a merge conflict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// Keep the tag that was here; remove the one the merge brought.
    KeepOurs,
    /// Keep the tag the merge brought; remove the one that was here.
    KeepTheirs,
    /// Keep both tags; only mark the conflict resolved.
    KeepBoth,
}

impl Resolution {
    fn status(self) -> ConflictStatus {
        match self {
            Resolution::KeepOurs => ConflictStatus::KeptOurs,
            Resolution::KeepTheirs => ConflictStatus::KeptTheirs,
            Resolution::KeepBoth => ConflictStatus::KeptBoth,
        }
    }
}

/// A merge conflict with both tags whole, for a side-by-side view.
#[derive(Clone, Debug, PartialEq)]
pub struct MergeConflict {
    /// Conflict id (`merge_conflicts.id`, what [`Case::resolve_conflict`]
    /// takes).
    pub id: i64,
    /// The merge that found it (`merges.id`).
    pub merge: i64,
    /// The file name of the merged case.
    pub source_name: String,
    /// The tag that was here: as it is now, or as it was when the conflict
    /// was found if it has been removed since (see `ours_removed`).
    pub ours: Tag,
    /// The tag the merge brought, likewise.
    pub theirs: Tag,
    /// The tag that was here is no longer in the case.
    pub ours_removed: bool,
    /// The tag the merge brought is no longer in the case.
    pub theirs_removed: bool,
    /// A tag was changed or removed since the merge: keeping one side is
    /// refused, keeping both is not.
    pub changed_since: bool,
    /// Accounts the two tags share.
    pub overlap: usize,
    /// The fields that differ, in column order.
    pub fields: Vec<String>,
    /// Where it stands.
    pub status: ConflictStatus,
    /// Who resolved it.
    pub resolved_by: Option<String>,
    /// When it was resolved (RFC 3339, UTC).
    pub resolved_at: Option<String>,
}

/// What a merge did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MergeReport {
    /// The merge's `merges.id`; `None` when nothing was new, in which case
    /// nothing was written.
    pub merge: Option<i64>,
    /// The merge's audit entry; `None` when nothing was written.
    pub recorded: Option<Recorded>,
    /// The file name of the merged case.
    pub source_name: String,
    /// Whose tags and entries came in, most first.
    pub analysts: Vec<String>,
    /// Tags added on the cluster here that has exactly their accounts.
    pub tags_on_clusters: Vec<i64>,
    /// Tags added as ad-hoc tags on their accounts (no cluster here has
    /// exactly those).
    pub tags_on_accounts: Vec<i64>,
    /// Their tags that were here already, identical.
    pub tags_skipped: usize,
    /// Their audit entries copied here.
    pub entries_added: usize,
    /// Their audit entries that were here already.
    pub entries_skipped: usize,
    /// The conflicts found (`merge_conflicts.id`), each between an added tag
    /// and a tag that was here.
    pub conflicts: Vec<i64>,
    /// Their notes added here (ids here).
    pub notes_added: Vec<i64>,
    /// Their notes that were here already.
    pub notes_skipped: usize,
    /// Their saved views added here (ids here); one whose name was taken by
    /// another view here is added under its name with the analyst's after
    /// it.
    pub views_added: Vec<i64>,
    /// Their saved views that were here already.
    pub views_skipped: usize,
    /// What happened, in words (the audit entry's summary, or why nothing
    /// was written).
    pub summary: String,
    /// Steps of the merge's own comparisons (account sets converted and
    /// hashed, tags looked up, overlaps counted): linear in tags, accounts
    /// and conflicts, never in tags times tags (tests bound it).
    pub work: u64,
}

impl MergeReport {
    /// Tags added, on clusters and on accounts.
    pub fn tags_added(&self) -> usize {
        self.tags_on_clusters.len() + self.tags_on_accounts.len()
    }
}

/// What a merge reads from the other case.
struct Source {
    name: String,
    /// Its fingerprint ([`Case::fingerprint`]) as read.
    fingerprint: String,
    /// Their `accounts.id` → `account_id`, by id.
    accounts: Vec<(i64, String)>,
    /// Their tags, oldest first, each with its accounts (their
    /// `accounts.id`): its cluster's members there, or its `tag_accounts`.
    tags: Vec<(Tag, Accounts)>,
    /// Their audit log, oldest first.
    entries: Vec<AuditRecord>,
    /// Their notes, oldest first (account indices theirs).
    notes: Vec<Note>,
    /// Their saved views (account indices theirs).
    views: Vec<SavedView>,
}

/// A copy of an older-format case, migrated, removed when dropped.
struct MigratedCopy {
    path: PathBuf,
}

impl MigratedCopy {
    fn make(from: &Path) -> Result<Self, CaseError> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!(
            "hydrascope-merge-{}-{:x}.hcase",
            std::process::id(),
            nanos & 0xffff_ffff_ffff
        ));
        let Some(target) = path.to_str() else {
            return Err(CaseError::Invalid(format!(
                "{}: the temporary directory's path is not UTF-8; set TMPDIR to another one",
                path.display()
            )));
        };
        let copy = Self { path: path.clone() };
        // `read_source` checked the file (its schema is its version's).
        let conn = super::open_hardened(from, true)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute("VACUUM INTO ?1", [target])?;
        Ok(copy)
    }
}

impl Drop for MigratedCopy {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = self.path.clone().into_os_string();
            name.push(suffix);
            // A leftover temporary file harms nothing: ignore failures.
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }
}

/// Reads what a merge needs from `path`, never writing it: an older format
/// is copied and the copy migrated.
fn read_source(path: &Path) -> Result<Source, CaseError> {
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    // Every check first (`quick_check` for the pages): a damaged or
    // hostile case is refused before anything here is touched.
    let report = super::verify::verify_case(path, super::verify::Integrity::Quick)?;
    if let Some(first) = report.findings.first() {
        return Err(CaseError::Invalid(format!(
            "{}: refused to merge: {}{}; nothing was written (`hydrascope verify {}` lists every problem)",
            path.display(),
            first.message,
            match report.findings.len() {
                1 => String::new(),
                n => format!(", and {} more problems", n - 1),
            },
            path.display()
        )));
    }
    match Case::open_read_only(path) {
        Ok(case) => read_source_from(&case, name),
        Err(CaseError::NeedsMigration { .. }) => {
            let copy = MigratedCopy::make(path)?;
            let case = Case::open(&copy.path)?;
            let source = read_source_from(&case, name);
            // Close the copy before its files are removed.
            drop(case);
            drop(copy);
            source
        }
        Err(e) => Err(e),
    }
}

fn read_source_from(case: &Case, name: String) -> Result<Source, CaseError> {
    // One read transaction: a consistent view even while its owner writes.
    let tx = case.conn().unchecked_transaction()?;
    let fingerprint = case.fingerprint()?;
    let mut stmt = tx.prepare("SELECT id, account_id FROM accounts ORDER BY id")?;
    let accounts = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<(i64, String)>>>()?;
    drop(stmt);
    let members = members_by_cluster(&tx)?;
    let mut stmt = tx.prepare(&format!("SELECT {TAG_COLUMNS} FROM tags ORDER BY id"))?;
    let tags = stmt
        .query_map([], tag_from_row)?
        .collect::<rusqlite::Result<Vec<Tag>>>()?;
    drop(stmt);
    let tags = with_accounts(tags, &members, &tag_accounts(&tx)?);
    let entries = read_audit(&tx, None, true)?;
    let notes = case.notes()?.into_iter().map(|n| n.note).collect();
    let views = case.saved_views()?;
    Ok(Source {
        name,
        fingerprint,
        accounts,
        tags,
        entries,
        notes,
        views,
    })
}

/// Each cluster's members (`accounts.id`).
fn members_by_cluster(conn: &Connection) -> Result<HashMap<String, BTreeSet<i64>>, CaseError> {
    let mut members: HashMap<String, BTreeSet<i64>> = HashMap::new();
    let mut stmt = conn.prepare("SELECT cluster, account FROM cluster_members")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        members.entry(r.get(0)?).or_default().insert(r.get(1)?);
    }
    Ok(members)
}

/// Each ad-hoc tag's accounts (`accounts.id`).
fn tag_accounts(conn: &Connection) -> Result<HashMap<i64, BTreeSet<i64>>, CaseError> {
    let mut accounts: HashMap<i64, BTreeSet<i64>> = HashMap::new();
    let mut stmt = conn.prepare("SELECT tag, account FROM tag_accounts")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        accounts.entry(r.get(0)?).or_default().insert(r.get(1)?);
    }
    Ok(accounts)
}

/// A set of `accounts.id`, shared by every tag that covers the same
/// accounts (all the tags on one cluster): each set is converted, hashed
/// and compared once, however many tags cover it.
type Accounts = Rc<BTreeSet<i64>>;

/// Each tag with the accounts it covers (`accounts.id`): its cluster's
/// members, or its own accounts for an ad-hoc tag.
fn with_accounts(
    tags: Vec<Tag>,
    members: &HashMap<String, BTreeSet<i64>>,
    ad_hoc: &HashMap<i64, BTreeSet<i64>>,
) -> Vec<(Tag, Accounts)> {
    let mut shared: HashMap<String, Accounts> = HashMap::new();
    tags.into_iter()
        .map(|tag| {
            let accounts = match &tag.cluster {
                Some(c) => shared
                    .entry(c.clone())
                    .or_insert_with(|| Rc::new(members.get(c).cloned().unwrap_or_default()))
                    .clone(),
                None => Rc::new(ad_hoc.get(&tag.id).cloned().unwrap_or_default()),
            };
            (tag, accounts)
        })
        .collect()
}

/// A hash of what makes two tags the same (see [`same_tag`]), from the
/// hash of their account set.
fn tag_hash(tag: &Tag, accounts_hash: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (
        &tag.label,
        &tag.capability,
        tag.status.name(),
        tag.confidence.to_bits(),
        &tag.actor,
        &tag.notes,
        &tag.analyst,
        &tag.created_at,
        accounts_hash,
    )
        .hash(&mut h);
    h.finish()
}

/// The hash of an account set, computed once per set.
fn set_hash(cache: &mut HashMap<usize, u64>, set: &Accounts, work: &mut u64) -> u64 {
    use std::hash::{Hash, Hasher};
    *cache.entry(Rc::as_ptr(set) as usize).or_insert_with(|| {
        *work += set.len() as u64 + 1;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for a in set.iter() {
            a.hash(&mut h);
        }
        h.finish()
    })
}

/// The tag fields an analyst sets, compared by name, in column order.
fn differing_fields(a: &Tag, b: &Tag) -> Vec<String> {
    [
        ("label", a.label != b.label),
        ("capability", a.capability != b.capability),
        ("status", a.status != b.status),
        ("confidence", a.confidence != b.confidence),
        ("actor", a.actor != b.actor),
        ("notes", a.notes != b.notes),
    ]
    .into_iter()
    .filter(|(_, differs)| *differs)
    .map(|(name, _)| name.to_string())
    .collect()
}

/// The same tag: same fields, made by the same analyst at the same time.
fn same_tag(a: &Tag, b: &Tag) -> bool {
    differing_fields(a, b).is_empty() && a.analyst == b.analyst && a.created_at == b.created_at
}

/// Whether a tag was changed since `then` (a re-analysis moving it to its
/// cluster's successor does not count).
fn changed_since(then: &Tag, now: &Tag) -> bool {
    !differing_fields(then, now).is_empty()
        || then.updated_at != now.updated_at
        || then.updated_by != now.updated_by
}

/// "bob's", "bob and carol's", "bob, carol and dave's".
fn possessive(names: &[String]) -> String {
    match names {
        [] => "another analyst's".to_string(),
        [one] => format!("{one}'s"),
        [init @ .., last] => format!("{} and {last}'s", init.join(", ")),
    }
}

/// A tag a merge will add, and where it lands.
struct Incoming {
    tag: Tag,
    accounts: Accounts,
}

impl Case {
    /// Merges the case at `other` into this one: its tags and its audit
    /// entries, attributed to their analysts, skipping what is here
    /// already, and recording a conflict for each added tag that shares
    /// accounts with a tag here but says something else about them.
    /// `other` is only read. Both cases must hold the same accounts (this
    /// one may hold more); otherwise nothing is written and the result is
    /// [`CaseError::Invalid`]. When nothing is new, nothing is written.
    pub fn merge_from(&self, who: &Who, other: &Path) -> Result<MergeReport, CaseError> {
        check_analyst(who)?;
        let source = read_source(other)?;
        let tx = begin_write(self)?;

        // Their accounts, as ours.
        let mut stmt = tx.prepare("SELECT account_id, id FROM accounts")?;
        let ours_by_id: HashMap<String, i64> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        let mut key_of: HashMap<i64, i64> = HashMap::new();
        let mut missing = Vec::new();
        for (theirs, account_id) in &source.accounts {
            match ours_by_id.get(account_id) {
                Some(&ours) => {
                    key_of.insert(*theirs, ours);
                }
                None => missing.push(account_id.clone()),
            }
        }
        if !missing.is_empty() {
            let mut shown = missing
                .iter()
                .take(IDS_SHOWN)
                .map(|id| {
                    crate::base::text::terminal_safe(&crate::base::text::for_drawing(id))
                        .into_owned()
                })
                .collect::<Vec<_>>()
                .join(", ");
            if missing.len() > IDS_SHOWN {
                shown.push_str(", …");
            }
            return Err(CaseError::Invalid(format!(
                "cannot merge {}: it holds {} this case lacks ({shown}); a merge needs both \
                 cases built from the same activity data (import the missing logs here first, \
                 or merge this case into that one); nothing was written",
                source.name,
                plural(missing.len(), "account", "accounts"),
            )));
        }

        // The tags here, with their accounts.
        let members = members_by_cluster(&tx)?;
        let mut stmt = tx.prepare(&format!("SELECT {TAG_COLUMNS} FROM tags ORDER BY id"))?;
        let ours = stmt
            .query_map([], tag_from_row)?
            .collect::<rusqlite::Result<Vec<Tag>>>()?;
        drop(stmt);
        let ours = with_accounts(ours, &members, &tag_accounts(&tx)?);
        let cluster_with: HashMap<&BTreeSet<i64>, &String> =
            members.iter().map(|(c, m)| (m, c)).collect();

        // Their tags: skipped when here, else landed and checked for
        // conflicts. Nothing below compares every tag with every other:
        // tags are found by a hash of what makes them the same, and
        // conflicts through the tags each account has here.
        let mut work: u64 = 0;
        let mut hashes: HashMap<usize, u64> = HashMap::new();
        // Where a tag is: 0..ours.len() here, then incoming.
        let mut known: HashMap<u64, Vec<usize>> = HashMap::new();
        for (o, (tag, accounts)) in ours.iter().enumerate() {
            let h = tag_hash(tag, set_hash(&mut hashes, accounts, &mut work));
            known.entry(h).or_default().push(o);
            work += 1;
        }
        // Their account sets as ours, with the cluster here that has
        // exactly those accounts: once per set.
        let mut converted: HashMap<usize, (Accounts, Option<String>)> = HashMap::new();
        let mut next_id = next_tag_id(&tx)?;
        let mut incoming: Vec<Incoming> = Vec::new();
        let mut tags_skipped = 0;
        for (theirs, their_accounts) in &source.tags {
            let key = Rc::as_ptr(their_accounts) as usize;
            if let std::collections::hash_map::Entry::Vacant(slot) = converted.entry(key) {
                work += their_accounts.len() as u64 + 1;
                let set: BTreeSet<i64> = their_accounts
                    .iter()
                    .filter_map(|a| key_of.get(a).copied())
                    .collect();
                let lands_on = (!set.is_empty())
                    .then(|| cluster_with.get(&set).map(|c| (*c).clone()))
                    .flatten();
                slot.insert((Rc::new(set), lands_on));
            }
            let Some((accounts, lands_on)) = converted.get(&key).cloned() else {
                continue;
            };
            let h = tag_hash(theirs, set_hash(&mut hashes, &accounts, &mut work));
            let candidates = known.get(&h).map_or(&[][..], Vec::as_slice);
            work += candidates.len() as u64 + 1;
            let here = candidates.iter().any(|&k| {
                let (t, a) = match k.checked_sub(ours.len()) {
                    None => (&ours[k].0, &ours[k].1),
                    Some(i) => (&incoming[i].tag, &incoming[i].accounts),
                };
                **a == *accounts && same_tag(t, theirs)
            });
            if here {
                tags_skipped += 1;
                continue;
            }
            let mut tag = theirs.clone();
            tag.id = next_id;
            next_id += 1;
            match lands_on {
                Some(cluster) => {
                    tag.cluster = Some(cluster);
                    tag.accounts = Vec::new();
                }
                None => {
                    tag.cluster = None;
                    tag.accounts = accounts.iter().map(|&k| (k - 1) as u32).collect();
                }
            }
            known
                .entry(h)
                .or_default()
                .push(ours.len() + incoming.len());
            incoming.push(Incoming { tag, accounts });
        }
        // The tags here on each account, then each incoming account set's
        // overlap with them (once per set).
        let mut tags_on_account: HashMap<i64, Vec<usize>> = HashMap::new();
        for (o, (_, accounts)) in ours.iter().enumerate() {
            for &a in accounts.iter() {
                tags_on_account.entry(a).or_default().push(o);
                work += 1;
            }
        }
        let mut overlaps_of: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        let mut conflicts: Vec<(usize, usize, usize, Vec<String>)> = Vec::new();
        for (i, inc) in incoming.iter().enumerate() {
            let key = Rc::as_ptr(&inc.accounts) as usize;
            if let std::collections::hash_map::Entry::Vacant(slot) = overlaps_of.entry(key) {
                let mut counts: BTreeMap<usize, usize> = BTreeMap::new();
                for a in inc.accounts.iter() {
                    work += 1;
                    for &o in tags_on_account.get(a).map_or(&[][..], Vec::as_slice) {
                        *counts.entry(o).or_default() += 1;
                        work += 1;
                    }
                }
                slot.insert(counts.into_iter().collect());
            }
            for &(o, overlap) in overlaps_of.get(&key).map_or(&[][..], Vec::as_slice) {
                work += 1;
                let fields = differing_fields(&ours[o].0, &inc.tag);
                if !fields.is_empty() {
                    conflicts.push((o, i, overlap, fields));
                }
            }
        }

        // A merge records conflicts in proportion to what is new; past the
        // cap it is refused before anything is written (each conflict keeps
        // both tags whole, so thousands would grow this case by the
        // incoming tags times the tags here).
        let cap = MAX_MERGE_CONFLICTS.max(CONFLICTS_PER_TAG * incoming.len());
        if conflicts.len() > cap {
            let tags_in_conflict: BTreeSet<usize> = conflicts.iter().map(|c| c.1).collect();
            return Err(CaseError::Invalid(format!(
                "{}: merging it would record {} conflicts ({} of its {} new tags disagree with \
                 tags here on shared accounts), more than the {cap} a merge of it may record \
                 ({CONFLICTS_PER_TAG} per new tag, at least {MAX_MERGE_CONFLICTS}); nothing was \
                 merged. Export fewer of its tags (hydrascope export --clusters) or settle them \
                 with its analyst first",
                other.display(),
                conflicts.len(),
                tags_in_conflict.len(),
                incoming.len()
            )));
        }

        // Their entries: skipped when here (same session, time, action and
        // summary), e.g. the history a copy of this case carried back.
        let mut stmt = tx.prepare("SELECT session, at, action, summary, id FROM audit_log")?;
        let mut entry_here: HashMap<(String, String, String, String), i64> = stmt
            .query_map([], |r| {
                Ok(((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?), r.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        let entry_key = |r: &AuditRecord| {
            let e = &r.entry;
            (
                e.session.clone(),
                e.at.clone(),
                e.action.clone(),
                e.summary.clone(),
            )
        };
        let new_entries: Vec<&AuditRecord> = source
            .entries
            .iter()
            .filter(|e| !entry_here.contains_key(&entry_key(e)))
            .collect();
        let entries_skipped = source.entries.len() - new_entries.len();

        // Whose work comes in, most first.
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for name in incoming
            .iter()
            .map(|i| i.tag.analyst.as_str())
            .chain(new_entries.iter().map(|r| r.entry.analyst.as_str()))
        {
            *counts.entry(name).or_default() += 1;
        }
        let mut analysts: Vec<(&str, usize)> = counts.into_iter().collect();
        analysts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let analysts: Vec<String> = analysts.into_iter().map(|(a, _)| a.to_string()).collect();

        let mut report = MergeReport {
            work,
            source_name: source.name.clone(),
            analysts: analysts.clone(),
            tags_skipped,
            entries_added: new_entries.len(),
            entries_skipped,
            ..Default::default()
        };
        // Their notes and views, with their accounts as ours.
        let as_ours = |a: u32| -> Option<u32> {
            key_of
                .get(&(i64::from(a) + 1))
                .and_then(|&k| u32::try_from(k - 1).ok())
        };
        let (notes_here, views_here) = (self.notes()?, self.saved_views()?);
        let note_key = |n: &Note| {
            (
                serde_json::to_string(&n.on).unwrap_or_default(),
                n.accounts.clone(),
                n.text.clone(),
                n.analyst.clone(),
                n.created_at.clone(),
            )
        };
        let mut known_notes: HashSet<_> = notes_here.iter().map(|n| note_key(&n.note)).collect();
        let mut new_notes: Vec<Note> = Vec::new();
        for theirs in &source.notes {
            let on = match &theirs.on {
                NoteOn::Account { account } => {
                    as_ours(*account).map(|account| NoteOn::Account { account })
                }
                NoteOn::Link { a, b } => as_ours(*a).zip(as_ours(*b)).map(|(a, b)| NoteOn::Link {
                    a: a.min(b),
                    b: a.max(b),
                }),
                on => Some(on.clone()),
            };
            let Some(on) = on else { continue };
            let mut accounts: Vec<u32> =
                theirs.accounts.iter().filter_map(|&a| as_ours(a)).collect();
            accounts.sort_unstable();
            let note = Note {
                on,
                accounts,
                ..theirs.clone()
            };
            if known_notes.insert(note_key(&note)) {
                new_notes.push(note);
            }
        }
        let notes_skipped = source.notes.len() - new_notes.len();
        let mut names: HashSet<String> = views_here.iter().map(|v| v.name.clone()).collect();
        let mut new_views: Vec<SavedView> = Vec::new();
        let mut views_skipped = 0;
        for theirs in &source.views {
            let mut accounts: Vec<u32> =
                theirs.accounts.iter().filter_map(|&a| as_ours(a)).collect();
            accounts.sort_unstable();
            // The same view, whatever name it came in under.
            let same = |v: &SavedView| {
                v.view_json == theirs.view_json
                    && v.accounts == accounts
                    && v.analyst == theirs.analyst
                    && v.created_at == theirs.created_at
            };
            if views_here.iter().any(same) || new_views.iter().any(same) {
                views_skipped += 1;
                continue;
            }
            let mut name = theirs.name.clone();
            let mut n = 1;
            while names.contains(&name) {
                name = if n == 1 {
                    format!("{} ({})", theirs.name, theirs.analyst)
                } else {
                    format!("{} ({} {n})", theirs.name, theirs.analyst)
                };
                n += 1;
            }
            names.insert(name.clone());
            new_views.push(SavedView {
                name,
                accounts,
                ..theirs.clone()
            });
        }
        report.notes_skipped = notes_skipped;
        report.views_skipped = views_skipped;

        if incoming.is_empty()
            && new_entries.is_empty()
            && new_notes.is_empty()
            && new_views.is_empty()
        {
            report.summary = format!(
                "Nothing to merge from {}: its {}, {}, {} and {} are here already",
                source.name,
                plural(source.tags.len(), "tag", "tags"),
                plural(source.notes.len(), "note", "notes"),
                plural(source.views.len(), "saved view", "saved views"),
                plural(source.entries.len(), "history entry", "history entries"),
            );
            return Ok(report);
        }

        let at = now();
        let on_clusters = incoming.iter().filter(|i| i.tag.cluster.is_some()).count();
        tx.execute(
            "INSERT INTO merges (at, analyst, session, source_name, source_analysts, tags_added, \
             tags_on_clusters, tags_skipped, entries_added, entries_skipped, conflicts, \
             source_fingerprint) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                at,
                who.analyst,
                who.session,
                source.name,
                analysts.join(","),
                incoming.len() as i64,
                on_clusters as i64,
                tags_skipped as i64,
                new_entries.len() as i64,
                entries_skipped as i64,
                conflicts.len() as i64,
                source.fingerprint,
            ],
        )?;
        let merge = tx.last_insert_rowid();
        for inc in &mut incoming {
            inc.tag.merged_from = Some(merge);
            write_tag(&tx, inc.tag.id, Some(&inc.tag))?;
            if inc.tag.cluster.is_some() {
                report.tags_on_clusters.push(inc.tag.id);
            } else {
                report.tags_on_accounts.push(inc.tag.id);
            }
        }
        let json = |t: &Tag| {
            serde_json::to_string(t)
                .map_err(|e| CaseError::Invalid(format!("cannot write a merge conflict: {e}")))
        };
        for (o, i, overlap, fields) in &conflicts {
            let (ours_tag, theirs_tag) = (&ours[*o].0, &incoming[*i].tag);
            // The stored form of both, with an ad-hoc tag's accounts.
            let ours_now = read_tag(&tx, ours_tag.id)?;
            tx.execute(
                "INSERT INTO merge_conflicts (merge, ours, theirs, ours_json, theirs_json, \
                 overlap, fields, status) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    merge,
                    ours_tag.id,
                    theirs_tag.id,
                    json(ours_now.as_ref().unwrap_or(ours_tag))?,
                    json(theirs_tag)?,
                    *overlap as i64,
                    fields.join(","),
                    ConflictStatus::Open.name(),
                ],
            )?;
            report.conflicts.push(tx.last_insert_rowid());
        }
        {
            let mut insert = tx.prepare(
                "INSERT INTO audit_log (at, analyst, origin, session, action, clusters, summary, \
                 before_json, after_json, reverts, merged_from, source_id) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
            // Their id → the same entry's id here, copied or already here.
            let mut id_here: HashMap<i64, i64> = HashMap::new();
            for record in &source.entries {
                let key = entry_key(record);
                let e = &record.entry;
                if let Some(&here) = entry_here.get(&key) {
                    id_here.insert(e.id, here);
                    continue;
                }
                insert.execute(params![
                    e.at,
                    e.analyst,
                    e.origin,
                    e.session,
                    e.action,
                    e.clusters,
                    e.summary,
                    record.before_json,
                    record.after_json,
                    e.reverts.and_then(|r| id_here.get(&r).copied()),
                    merge,
                    e.id,
                ])?;
                let id = tx.last_insert_rowid();
                id_here.insert(e.id, id);
                entry_here.insert(key, id);
            }
        }

        for mut note in new_notes {
            note.id = super::note_rows::next_id(&tx, "notes")?;
            note.merged_from = Some(merge);
            write_note(&tx, note.id, Some(&note))?;
            report.notes_added.push(note.id);
        }
        for mut view in new_views {
            view.id = super::note_rows::next_id(&tx, "saved_views")?;
            view.merged_from = Some(merge);
            write_view(&tx, view.id, Some(&view))?;
            report.views_added.push(view.id);
        }
        tx.execute(
            "UPDATE merges SET notes_added = ?2, views_added = ?3 WHERE id = ?1",
            params![
                merge,
                report.notes_added.len() as i64,
                report.views_added.len() as i64
            ],
        )?;
        let keys = Keys {
            tags: incoming.iter().map(|i| i.tag.id).collect(),
            conflicts: report.conflicts.iter().copied().collect(),
            notes: report.notes_added.iter().copied().collect(),
            views: report.views_added.iter().copied().collect(),
            ..Default::default()
        };
        let before = Snapshot {
            tags: keys
                .tags
                .iter()
                .map(|&id| TagSlot { id, tag: None })
                .collect(),
            conflicts: keys
                .conflicts
                .iter()
                .map(|&id| ConflictSlot { id, row: None })
                .collect(),
            notes: keys
                .notes
                .iter()
                .map(|&id| NoteSlot { id, note: None })
                .collect(),
            views: keys
                .views
                .iter()
                .map(|&id| ViewSlot { id, view: None })
                .collect(),
            ..Default::default()
        };
        let after = snapshot(&tx, &keys)?;
        let mut summary = format!(
            "Merged {} case {}: {} ({} on an exact cluster, {} on accounts), {}, {}",
            possessive(&analysts),
            source.name,
            plural(incoming.len(), "tag", "tags"),
            on_clusters,
            incoming.len() - on_clusters,
            plural(new_entries.len(), "history entry", "history entries"),
            plural(conflicts.len(), "conflict", "conflicts"),
        );
        if !report.notes_added.is_empty() || !report.views_added.is_empty() {
            summary.push_str(&format!(
                ", {} and {}",
                plural(report.notes_added.len(), "note", "notes"),
                plural(report.views_added.len(), "saved view", "saved views"),
            ));
        }
        if tags_skipped + entries_skipped > 0 {
            summary.push_str(&format!(
                "; {} and {} were here already",
                plural(tags_skipped, "tag", "tags"),
                plural(entries_skipped, "entry", "entries"),
            ));
        }
        let audit_id = append_audit(
            &tx,
            who,
            who.origin.name(),
            MERGE_ACTION,
            &cluster_list(&keys, &before, &after),
            &summary,
            &before,
            &after,
            None,
        )?;
        tx.execute(
            "UPDATE merges SET audit_id = ?2 WHERE id = ?1",
            params![merge, audit_id],
        )?;
        tx.commit()?;
        report.merge = Some(merge);
        report.recorded = Some(Recorded {
            audit_id,
            summary: summary.clone(),
            membership_changed: false,
            tags: keys.tags.iter().copied().collect(),
        });
        report.summary = summary;
        Ok(report)
    }

    /// Every merge conflict, oldest first, with both tags whole: as they
    /// are now, or as they were when the conflict was found for a tag
    /// removed since.
    pub fn merge_conflicts(&self) -> Result<Vec<MergeConflict>, CaseError> {
        let tx = self.conn().unchecked_transaction()?;
        let mut stmt = tx.prepare(
            "SELECT c.id, c.merge, m.source_name, c.ours, c.theirs, c.ours_json, c.theirs_json, \
             c.overlap, c.fields, c.status, c.resolved_by, c.resolved_at \
             FROM merge_conflicts c JOIN merges m ON m.id = c.merge ORDER BY c.id",
        )?;
        type Row = (
            i64,
            i64,
            String,
            i64,
            i64,
            String,
            String,
            i64,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                    r.get(9)?,
                    r.get(10)?,
                    r.get(11)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<Row>>>()?;
        drop(stmt);
        let mut conflicts = Vec::with_capacity(rows.len());
        for (
            id,
            merge,
            source_name,
            ours,
            theirs,
            ours_json,
            theirs_json,
            overlap,
            fields,
            status,
            resolved_by,
            resolved_at,
        ) in rows
        {
            let recorded = |text: &str| {
                serde_json::from_str::<Tag>(text).map_err(|e| {
                    CaseError::Invalid(format!("merge conflict #{id} is unreadable: {e}"))
                })
            };
            let (ours_then, theirs_then) = (recorded(&ours_json)?, recorded(&theirs_json)?);
            let (ours_now, theirs_now) = (read_tag(&tx, ours)?, read_tag(&tx, theirs)?);
            let changed = |then: &Tag, now: &Option<Tag>| {
                now.as_ref().is_none_or(|now| changed_since(then, now))
            };
            conflicts.push(MergeConflict {
                id,
                merge,
                source_name,
                changed_since: changed(&ours_then, &ours_now) || changed(&theirs_then, &theirs_now),
                ours_removed: ours_now.is_none(),
                theirs_removed: theirs_now.is_none(),
                ours: ours_now.unwrap_or(ours_then),
                theirs: theirs_now.unwrap_or(theirs_then),
                overlap: overlap.max(0) as usize,
                fields: split_fields(&fields),
                status: parse_status(id, &status)?,
                resolved_by,
                resolved_at,
            });
        }
        Ok(conflicts)
    }

    /// Resolves merge conflict `conflict`: removes the losing tag (as
    /// [`Case::remove_tag`] does, with its row in the audit entry's
    /// snapshot) and marks the conflict resolved, in one action. Other open
    /// conflicts of the removed tag are resolved with it, in favour of
    /// their other tag. Refused with [`CaseError::Conflict`] when the
    /// conflict is resolved already, or, when a tag would be removed, when
    /// either tag was changed or removed since the merge.
    pub fn resolve_conflict(
        &self,
        who: &Who,
        conflict: i64,
        resolution: Resolution,
    ) -> Result<Recorded, CaseError> {
        check_analyst(who)?;
        let tx = begin_write(self)?;
        let Some(row) = read_conflict_row(&tx, conflict)? else {
            return Err(CaseError::Invalid(format!(
                "no merge conflict #{conflict} in the case"
            )));
        };
        if row.status != ConflictStatus::Open {
            return Err(CaseError::Conflict(format!(
                "merge conflict #{conflict} was resolved already ({}) by {} at {}",
                row.status.name().replace('_', " "),
                row.resolved_by.as_deref().unwrap_or("someone"),
                row.resolved_at.as_deref().unwrap_or("an unknown time"),
            )));
        }
        let (ours_json, theirs_json): (String, String) = tx.query_row(
            "SELECT ours_json, theirs_json FROM merge_conflicts WHERE id = ?1",
            [conflict],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let recorded = |text: &str| {
            serde_json::from_str::<Tag>(text).map_err(|e| {
                CaseError::Invalid(format!("merge conflict #{conflict} is unreadable: {e}"))
            })
        };
        let (ours_then, theirs_then) = (recorded(&ours_json)?, recorded(&theirs_json)?);
        let ours_now = read_tag(&tx, row.ours)?;
        let theirs_now = read_tag(&tx, row.theirs)?;
        let loser = match resolution {
            Resolution::KeepOurs => Some(row.theirs),
            Resolution::KeepTheirs => Some(row.ours),
            Resolution::KeepBoth => None,
        };
        if loser.is_some() {
            for (side, then, now) in [
                ("the tag that was here", &ours_then, &ours_now),
                ("the merged tag", &theirs_then, &theirs_now),
            ] {
                let problem = match now {
                    None => Some(format!("{side}, \"{}\", was removed", then.label)),
                    Some(now) if changed_since(then, now) => Some(format!(
                        "{side}, \"{}\", was changed by {} at {}",
                        now.label, now.updated_by, now.updated_at
                    )),
                    Some(_) => None,
                };
                if let Some(problem) = problem {
                    return Err(CaseError::Conflict(format!(
                        "cannot resolve merge conflict #{conflict}: {problem} since the merge; \
                         look at both tags again, edit or remove them by hand, and keep both \
                         to close the conflict"
                    )));
                }
            }
        }

        let mut keys = Keys {
            conflicts: [conflict].into(),
            ..Default::default()
        };
        // The removed tag's other open conflicts go to their other tag.
        let mut siblings: Vec<(i64, ConflictStatus)> = Vec::new();
        if let Some(loser) = loser {
            keys.tags.insert(loser);
            let mut stmt = tx.prepare(
                "SELECT id, ours = ?1 FROM merge_conflicts \
                 WHERE status = 'open' AND id <> ?2 AND (ours = ?1 OR theirs = ?1) ORDER BY id",
            )?;
            siblings = stmt
                .query_map(params![loser, conflict], |r| {
                    let lost_ours: bool = r.get(1)?;
                    Ok((
                        r.get(0)?,
                        if lost_ours {
                            ConflictStatus::KeptTheirs
                        } else {
                            ConflictStatus::KeptOurs
                        },
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            drop(stmt);
            keys.conflicts.extend(siblings.iter().map(|(id, _)| *id));
        }
        let before = snapshot(&tx, &keys)?;
        let at = now();
        if let Some(loser) = loser {
            write_tag(&tx, loser, None)?;
        }
        let mut mark = tx.prepare(
            "UPDATE merge_conflicts SET status = ?2, resolved_by = ?3, resolved_at = ?4 WHERE id = ?1",
        )?;
        mark.execute(params![
            conflict,
            resolution.status().name(),
            who.analyst,
            at
        ])?;
        for (id, status) in &siblings {
            mark.execute(params![id, status.name(), who.analyst, at])?;
        }
        drop(mark);
        let after = snapshot(&tx, &keys)?;
        let (ours_tag, theirs_tag) = (
            ours_now.unwrap_or(ours_then),
            theirs_now.unwrap_or(theirs_then),
        );
        let describe = |t: &Tag| format!("{}'s \"{}\"", t.analyst, t.label);
        let mut summary = match resolution {
            Resolution::KeepOurs => format!(
                "Resolved merge conflict #{conflict}: kept {}, removed {}",
                describe(&ours_tag),
                describe(&theirs_tag)
            ),
            Resolution::KeepTheirs => format!(
                "Resolved merge conflict #{conflict}: kept {}, removed {}",
                describe(&theirs_tag),
                describe(&ours_tag)
            ),
            Resolution::KeepBoth => format!(
                "Resolved merge conflict #{conflict}: kept both {} and {}",
                describe(&ours_tag),
                describe(&theirs_tag)
            ),
        };
        if !siblings.is_empty() {
            summary.push_str(&format!(
                " (and {} of the removed tag)",
                plural(siblings.len(), "other conflict", "other conflicts")
            ));
        }
        finish(
            tx,
            who,
            RESOLVE_ACTION,
            summary,
            &keys,
            &before,
            &after,
            None,
        )
    }
}
