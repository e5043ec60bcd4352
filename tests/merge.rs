//! Merging another analyst's case: where their tags land, what is skipped,
//! conflicts and their resolution, their history, and what is refused.

mod common;

use std::path::{Path, PathBuf};

use common::analysed_case;
use hydrascope::case::casework::{MoveTarget, Origin, Tag, TagPatch, TagStatus, Who};
use hydrascope::case::merge::{ConflictStatus, Resolution};
use hydrascope::case::{Case, CaseError, SCHEMA_VERSION};
use hydrascope::generate::Scenario;

fn alice() -> Who {
    Who::named("alice", Origin::Workbench)
}

fn bob() -> Who {
    Who::named("bob", Origin::Cli)
}

fn patch(label: &str, status: TagStatus, notes: &str) -> TagPatch {
    TagPatch {
        label: Some(label.into()),
        capability: Some("agentic coding".into()),
        status: Some(status),
        confidence: Some(0.8),
        actor: Some("Lab C".into()),
        notes: Some(notes.into()),
    }
}

/// Alice's analysed case and bob's copy of it (copied while closed).
fn two_cases(dir: &Path, seed: u64) -> (PathBuf, PathBuf) {
    let ours = analysed_case(dir, Scenario::Demo, seed);
    let theirs = dir.join("bob.hcase");
    std::fs::copy(&ours, &theirs).unwrap();
    (ours, theirs)
}

/// The `n` largest clusters of two accounts or more, by id.
fn big_clusters(case: &Case, n: usize) -> Vec<String> {
    let mut clusters = case.stored_clusters().unwrap().unwrap();
    clusters.retain(|c| c.members.len() >= 2);
    clusters.sort_by_key(|c| (std::cmp::Reverse(c.members.len()), c.id.clone()));
    assert!(clusters.len() >= n, "the demo case has {n} clusters");
    clusters.into_iter().take(n).map(|c| c.id).collect()
}

fn members(case: &Case, cluster: &str) -> Vec<u32> {
    case.stored_clusters()
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|c| c.id == cluster)
        .map(|c| c.members)
        .unwrap_or_default()
}

fn tags(case: &Case) -> Vec<Tag> {
    case.casework_state().unwrap().tags
}

fn tag_one(case: &Case, who: &Who, cluster: &str, patch: &TagPatch) -> Tag {
    let recorded = case
        .tag_clusters(who, &[cluster.to_string()], patch, None)
        .unwrap();
    tags(case)
        .into_iter()
        .find(|t| t.id == recorded.tags[0])
        .unwrap()
}

fn count(path: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn their_tags_arrive_with_their_analyst_and_times_on_the_exact_cluster_or_on_their_accounts() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = two_cases(tmp.path(), 1);
    let ids = big_clusters(&Case::open(&ours).unwrap(), 4);
    let their_tags = {
        let bob_case = Case::open(&theirs).unwrap();
        // On a cluster both cases have: lands on it.
        tag_one(
            &bob_case,
            &bob(),
            &ids[0],
            &patch("on a", TagStatus::Open, ""),
        );
        // Ad hoc, but exactly a cluster's members: lands on that cluster.
        let b = members(&bob_case, &ids[1]);
        bob_case
            .tag_accounts(&bob(), &b, &patch("b's accounts", TagStatus::Open, ""))
            .unwrap();
        // Ad hoc on part of a cluster: stays on those accounts.
        let part: Vec<u32> = members(&bob_case, &ids[2]).into_iter().take(2).collect();
        bob_case
            .tag_accounts(&bob(), &part, &patch("part of c", TagStatus::Open, ""))
            .unwrap();
        // A cluster bob edited: no cluster here has its accounts.
        let d = members(&bob_case, &ids[3]);
        bob_case
            .move_accounts(&bob(), &d[..1], &MoveTarget::NewCluster)
            .unwrap();
        tag_one(
            &bob_case,
            &bob(),
            &ids[3],
            &patch("edited d", TagStatus::Open, ""),
        );
        tags(&bob_case)
    };
    let case = Case::open(&ours).unwrap();
    let report = case.merge_from(&alice(), &theirs).unwrap();
    assert_eq!(report.tags_on_clusters.len(), 2, "{report:?}");
    assert_eq!(report.tags_on_accounts.len(), 2, "{report:?}");
    assert_eq!(report.analysts, vec!["bob".to_string()]);
    assert!(report.conflicts.is_empty());
    let merged = tags(&case);
    assert_eq!(merged.len(), 4);
    let mut d_members = members(&case, &ids[3]);
    let moved = d_members.remove(0);
    d_members.sort();
    assert!(!d_members.contains(&moved));
    for (mine, theirs) in merged.iter().zip(&their_tags) {
        assert_eq!(mine.label, theirs.label);
        assert_eq!(
            (
                mine.analyst.as_str(),
                mine.updated_by.as_str(),
                mine.created_at.as_str(),
                mine.updated_at.as_str()
            ),
            (
                "bob",
                "bob",
                theirs.created_at.as_str(),
                theirs.updated_at.as_str()
            ),
            "{}",
            mine.label
        );
        assert_eq!(mine.merged_from, report.merge);
    }
    let on = |label: &str| merged.iter().find(|t| t.label == label).unwrap().clone();
    assert_eq!(on("on a").cluster.as_deref(), Some(ids[0].as_str()));
    assert_eq!(on("b's accounts").cluster.as_deref(), Some(ids[1].as_str()));
    assert!(on("b's accounts").accounts.is_empty());
    assert_eq!(on("part of c").cluster, None);
    assert_eq!(
        on("part of c").accounts,
        members(&case, &ids[2])[..2].to_vec()
    );
    // Bob's d lost one account; here d still has it: the tag keeps bob's
    // accounts exactly.
    assert_eq!(on("edited d").cluster, None);
    assert_eq!(on("edited d").accounts, d_members);
    let summary = &report.recorded.as_ref().unwrap().summary;
    assert!(
        summary.starts_with(
            "Merged bob's case bob.hcase: 4 tags (2 on an exact cluster, 2 on accounts), "
        ) && summary.contains("0 conflicts"),
        "{summary}"
    );
    let entry = case.audit_entries().unwrap().pop().unwrap();
    assert_eq!(
        (entry.action.as_str(), entry.analyst.as_str()),
        ("merge", "alice")
    );
}

#[test]
fn a_conflicting_pair_is_reported_with_both_sides_and_the_differing_fields_and_nothing_is_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = two_cases(tmp.path(), 2);
    let ids = big_clusters(&Case::open(&ours).unwrap(), 2);
    let (bob_a, bob_b) = {
        let bob_case = Case::open(&theirs).unwrap();
        let a = tag_one(
            &bob_case,
            &bob(),
            &ids[0],
            &patch(
                "Lab D",
                TagStatus::Dismissed,
                "shared proxy, not a campaign",
            ),
        );
        let b = tag_one(
            &bob_case,
            &bob(),
            &ids[1],
            &patch("same", TagStatus::Open, "agreed"),
        );
        (a, b)
    };
    let case = Case::open(&ours).unwrap();
    let alice_a = tag_one(
        &case,
        &alice(),
        &ids[0],
        &patch("Lab C", TagStatus::Confirmed, "rubric prompts"),
    );
    // Same words on b: both are kept, and that is no conflict.
    tag_one(
        &case,
        &alice(),
        &ids[1],
        &patch("same", TagStatus::Open, "agreed"),
    );
    let report = case.merge_from(&alice(), &theirs).unwrap();
    assert_eq!(report.conflicts.len(), 1, "{report:?}");
    assert_eq!(report.tags_added(), 2);
    let conflicts = case.merge_conflicts().unwrap();
    assert_eq!(conflicts.len(), 1);
    let c = &conflicts[0];
    assert_eq!(c.id, report.conflicts[0]);
    assert_eq!(Some(c.merge), report.merge);
    assert_eq!(c.source_name, "bob.hcase");
    assert_eq!(c.ours, alice_a);
    let mut expected_theirs = bob_a.clone();
    expected_theirs.id = c.theirs.id;
    expected_theirs.merged_from = report.merge;
    assert_eq!(c.theirs, expected_theirs);
    assert_eq!(c.overlap, members(&case, &ids[0]).len());
    assert_eq!(c.fields, vec!["label", "status", "notes"]);
    assert_eq!(c.status, ConflictStatus::Open);
    assert_eq!(
        (c.resolved_by.as_ref(), c.resolved_at.as_ref()),
        (None, None)
    );
    assert!(!c.changed_since && !c.ours_removed && !c.theirs_removed);
    // Nothing of either side is lost: all four tags are in the case.
    let labels: Vec<(String, String)> = tags(&case)
        .into_iter()
        .map(|t| (t.analyst, t.label))
        .collect();
    for (analyst, label) in [
        ("alice", "Lab C"),
        ("alice", "same"),
        ("bob", "Lab D"),
        ("bob", bob_b.label.as_str()),
    ] {
        assert!(
            labels.contains(&(analyst.to_string(), label.to_string())),
            "{labels:?}"
        );
    }
    assert!(report.summary.contains("1 conflict"), "{}", report.summary);
}

/// Alice and bob each tag the same three clusters differently; alice merges.
fn three_conflicts(dir: &Path) -> (Case, Vec<String>) {
    let (ours, theirs) = two_cases(dir, 3);
    let ids = big_clusters(&Case::open(&ours).unwrap(), 3);
    {
        let bob_case = Case::open(&theirs).unwrap();
        for id in &ids {
            tag_one(
                &bob_case,
                &bob(),
                id,
                &patch(&format!("bob {id}"), TagStatus::Dismissed, ""),
            );
        }
    }
    let case = Case::open(&ours).unwrap();
    for id in &ids {
        tag_one(
            &case,
            &alice(),
            id,
            &patch(&format!("alice {id}"), TagStatus::Confirmed, ""),
        );
    }
    let report = case.merge_from(&alice(), &theirs).unwrap();
    assert_eq!(report.conflicts.len(), 3, "{report:?}");
    (case, ids)
}

#[test]
fn resolving_keep_ours_keep_theirs_and_keep_both_do_what_they_say_and_are_audited() {
    let tmp = tempfile::tempdir().unwrap();
    let (case, ids) = three_conflicts(tmp.path());
    let carol = Who::named("carol", Origin::Workbench);
    let conflicts = case.merge_conflicts().unwrap();
    let labels = |case: &Case| -> Vec<String> {
        let mut l: Vec<String> = tags(case).into_iter().map(|t| t.label).collect();
        l.sort();
        l
    };

    let kept_ours = case
        .resolve_conflict(&carol, conflicts[0].id, Resolution::KeepOurs)
        .unwrap();
    assert_eq!(kept_ours.tags, vec![conflicts[0].theirs.id]);
    let kept_theirs = case
        .resolve_conflict(&carol, conflicts[1].id, Resolution::KeepTheirs)
        .unwrap();
    assert_eq!(kept_theirs.tags, vec![conflicts[1].ours.id]);
    case.resolve_conflict(&carol, conflicts[2].id, Resolution::KeepBoth)
        .unwrap();
    let mut expected = vec![
        format!("alice {}", ids[0]),
        format!("bob {}", ids[1]),
        format!("alice {}", ids[2]),
        format!("bob {}", ids[2]),
    ];
    expected.sort();
    assert_eq!(labels(&case), expected);

    let now = case.merge_conflicts().unwrap();
    let statuses: Vec<ConflictStatus> = now.iter().map(|c| c.status).collect();
    assert_eq!(
        statuses,
        vec![
            ConflictStatus::KeptOurs,
            ConflictStatus::KeptTheirs,
            ConflictStatus::KeptBoth
        ]
    );
    assert!(
        now.iter()
            .all(|c| c.resolved_by.as_deref() == Some("carol"))
    );
    // The removed tags are still shown whole, marked removed.
    assert!(now[0].theirs_removed && !now[0].ours_removed);
    assert_eq!(now[0].theirs, conflicts[0].theirs);
    assert!(now[1].ours_removed && !now[1].theirs_removed);

    // Audited like a removal: the removed row is in the entry's snapshot.
    let log = case.audit_log(None).unwrap();
    let entry = log
        .iter()
        .find(|r| r.entry.id == kept_ours.audit_id)
        .unwrap();
    assert_eq!(
        (entry.entry.action.as_str(), entry.entry.analyst.as_str()),
        ("conflict.resolve", "carol")
    );
    let before: serde_json::Value = serde_json::from_str(&entry.before_json).unwrap();
    let after: serde_json::Value = serde_json::from_str(&entry.after_json).unwrap();
    assert_eq!(before["tags"][0]["tag"]["label"], format!("bob {}", ids[0]));
    assert_eq!(before["tags"][0]["tag"]["analyst"], "bob");
    assert!(after["tags"][0]["tag"].is_null());
    assert_eq!(before["conflicts"][0]["row"]["status"], "open");
    assert_eq!(after["conflicts"][0]["row"]["status"], "kept_ours");
    assert!(
        entry.entry.summary.contains("kept alice's")
            && entry.entry.summary.contains("removed bob's"),
        "{}",
        entry.entry.summary
    );

    // Undoing a resolution brings the tag back and reopens the conflict.
    case.undo(&carol, kept_ours.audit_id).unwrap();
    let reopened = &case.merge_conflicts().unwrap()[0];
    assert_eq!(reopened.status, ConflictStatus::Open);
    assert!(!reopened.theirs_removed);
    assert_eq!(reopened.theirs, conflicts[0].theirs);
}

#[test]
fn resolving_a_conflict_twice_or_after_its_tags_changed_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (case, _) = three_conflicts(tmp.path());
    let conflicts = case.merge_conflicts().unwrap();
    case.resolve_conflict(&alice(), conflicts[0].id, Resolution::KeepOurs)
        .unwrap();
    let tags_then = tags(&case);
    for again in [
        Resolution::KeepOurs,
        Resolution::KeepTheirs,
        Resolution::KeepBoth,
    ] {
        let err = case
            .resolve_conflict(&alice(), conflicts[0].id, again)
            .unwrap_err();
        assert!(
            matches!(&err, CaseError::Conflict(m) if m.contains("resolved already") && m.contains("alice")),
            "{err}"
        );
    }
    assert_eq!(tags(&case), tags_then);

    // Alice edits her side after the merge: removing either is refused.
    let ours = conflicts[1].ours.clone();
    case.update_tag(
        &alice(),
        &ours,
        &TagPatch {
            notes: Some("looked again".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(case.merge_conflicts().unwrap()[1].changed_since);
    for side in [Resolution::KeepOurs, Resolution::KeepTheirs] {
        let err = case
            .resolve_conflict(&alice(), conflicts[1].id, side)
            .unwrap_err();
        assert!(
            matches!(&err, CaseError::Conflict(m) if m.contains("was changed by alice")),
            "{err}"
        );
    }
    assert_eq!(tags(&case).len(), tags_then.len());
    // Keeping both removes nothing, so it closes the conflict.
    case.resolve_conflict(&alice(), conflicts[1].id, Resolution::KeepBoth)
        .unwrap();
    let err = case
        .resolve_conflict(&alice(), 9999, Resolution::KeepBoth)
        .unwrap_err();
    assert!(matches!(err, CaseError::Invalid(_)), "{err}");
}

#[test]
fn merging_twice_into_itself_or_from_an_identical_copy_adds_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = two_cases(tmp.path(), 4);
    let ids = big_clusters(&Case::open(&ours).unwrap(), 2);
    {
        let bob_case = Case::open(&theirs).unwrap();
        tag_one(&bob_case, &bob(), &ids[0], &patch("b", TagStatus::Open, ""));
        let part: Vec<u32> = members(&bob_case, &ids[1]).into_iter().take(2).collect();
        bob_case
            .tag_accounts(&bob(), &part, &patch("part", TagStatus::Open, ""))
            .unwrap();
    }
    {
        let case = Case::open(&ours).unwrap();
        tag_one(
            &case,
            &alice(),
            &ids[0],
            &patch("a", TagStatus::Confirmed, ""),
        );
        let first = case.merge_from(&alice(), &theirs).unwrap();
        assert_eq!(first.tags_added(), 2);
    }
    let state = |path: &Path| {
        let case = Case::open(path).unwrap();
        (
            tags(&case),
            case.audit_log(None).unwrap(),
            case.merge_conflicts().unwrap(),
        )
    };
    let after_first = state(&ours);
    let copy = tmp.path().join("copy.hcase");
    std::fs::copy(&ours, &copy).unwrap();
    let case = Case::open(&ours).unwrap();
    for other in [&theirs, &ours, &copy] {
        let again = case.merge_from(&alice(), other).unwrap();
        assert_eq!(
            (again.tags_added(), again.entries_added, again.merge),
            (0, 0, None),
            "{other:?}: {again:?}"
        );
        assert!(again.recorded.is_none() && again.conflicts.is_empty());
        assert!(again.tags_skipped >= 2 && again.entries_skipped > 0);
        assert!(
            again.summary.starts_with("Nothing to merge"),
            "{}",
            again.summary
        );
    }
    drop(case);
    assert_eq!(state(&ours), after_first);
    assert_eq!(count(&ours, "SELECT count(*) FROM merges"), 1);
}

#[test]
fn their_audit_entries_are_copied_attributed_to_them_and_not_duplicated() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = two_cases(tmp.path(), 5);
    let ids = big_clusters(&Case::open(&ours).unwrap(), 1);
    let bob_log = {
        let bob_case = Case::open(&theirs).unwrap();
        let tag = tag_one(&bob_case, &bob(), &ids[0], &patch("b", TagStatus::Open, ""));
        let changed = bob_case
            .update_tag(
                &bob(),
                &tag,
                &TagPatch {
                    status: Some(TagStatus::Confirmed),
                    ..Default::default()
                },
            )
            .unwrap();
        bob_case.undo(&bob(), changed.audit_id).unwrap();
        bob_case.audit_log(None).unwrap()
    };
    // The first entry (the analysis) was in the case before bob's copy.
    assert_eq!(bob_log[0].entry.action, "analysis");
    let case = Case::open(&ours).unwrap();
    let before = case.audit_log(None).unwrap();
    let report = case.merge_from(&alice(), &theirs).unwrap();
    assert_eq!((report.entries_added, report.entries_skipped), (3, 1));
    let log = case.audit_log(None).unwrap();
    assert_eq!(log.len(), before.len() + 3 + 1, "three of bob's, one merge");
    assert_eq!(log[..before.len()], before[..]);
    let copied = &log[before.len()..before.len() + 3];
    for (mine, theirs) in copied.iter().zip(&bob_log[1..]) {
        let (m, t) = (&mine.entry, &theirs.entry);
        assert_eq!(
            (
                &m.analyst, &m.at, &m.origin, &m.session, &m.action, &m.summary
            ),
            (
                &t.analyst, &t.at, &t.origin, &t.session, &t.action, &t.summary
            )
        );
        assert_eq!(
            (&mine.before_json, &mine.after_json),
            (&theirs.before_json, &theirs.after_json)
        );
        assert_eq!(m.merged_from, report.merge);
        assert_eq!(m.source_id, Some(t.id));
    }
    assert_eq!(copied[0].entry.analyst, "bob");
    // Bob's undo names his update by its new id here.
    assert_eq!(copied[2].entry.action, "undo");
    assert_eq!(copied[2].entry.reverts, Some(copied[1].entry.id));
    let merge_entry = &log.last().unwrap().entry;
    assert_eq!(
        (merge_entry.action.as_str(), merge_entry.merged_from),
        ("merge", None)
    );
    assert!(
        merge_entry.summary.contains("3 history entries"),
        "{}",
        merge_entry.summary
    );
    // A case carrying this history back brings none of it twice, and the
    // copied entries do not come back as new.
    drop(case);
    let back = tmp.path().join("back.hcase");
    std::fs::copy(&ours, &back).unwrap();
    {
        let bob_case = Case::open(&theirs).unwrap();
        let report = bob_case.merge_from(&bob(), &back).unwrap();
        assert_eq!(
            report.entries_added, 1,
            "only alice's merge entry is new to bob"
        );
        assert_eq!(report.tags_added(), 0);
    }
    // Back here, only bob's merge is new.
    let case = Case::open(&ours).unwrap();
    let again = case.merge_from(&alice(), &theirs).unwrap();
    assert_eq!((again.entries_added, again.tags_added()), (1, 0));
    let log = case.audit_log(None).unwrap();
    let new = &log[log.len() - 2].entry;
    assert_eq!(
        (new.action.as_str(), new.analyst.as_str()),
        ("merge", "bob")
    );
}

#[test]
fn a_case_with_accounts_this_case_lacks_is_refused_and_nothing_changes() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = two_cases(tmp.path(), 6);
    let ids = big_clusters(&Case::open(&ours).unwrap(), 1);
    {
        let bob_case = Case::open(&theirs).unwrap();
        tag_one(&bob_case, &bob(), &ids[0], &patch("b", TagStatus::Open, ""));
    }
    let conn = rusqlite::Connection::open(&theirs).unwrap();
    conn.execute_batch(
        "INSERT INTO accounts (account_id, created_ms) VALUES ('acct_extra_1', 0), ('acct_extra_2', 0);",
    )
    .unwrap();
    drop(conn);
    let case = Case::open(&ours).unwrap();
    let (tags_before, log_before) = (tags(&case), case.audit_log(None).unwrap());
    let err = case.merge_from(&alice(), &theirs).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, CaseError::Invalid(_)), "{text}");
    assert!(
        text.contains("2 accounts")
            && text.contains("acct_extra_1")
            && text.contains("acct_extra_2")
            && text.contains("same activity data")
            && text.contains("bob.hcase"),
        "{text}"
    );
    assert_eq!(tags(&case), tags_before);
    assert_eq!(case.audit_log(None).unwrap(), log_before);
    assert_eq!(count(&ours, "SELECT count(*) FROM merges"), 0);
}

#[test]
fn a_merge_and_the_entries_it_copied_cannot_be_undone() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = two_cases(tmp.path(), 7);
    let ids = big_clusters(&Case::open(&ours).unwrap(), 1);
    {
        let bob_case = Case::open(&theirs).unwrap();
        tag_one(&bob_case, &bob(), &ids[0], &patch("b", TagStatus::Open, ""));
    }
    let case = Case::open(&ours).unwrap();
    let report = case.merge_from(&alice(), &theirs).unwrap();
    let merge_id = report.recorded.as_ref().unwrap().audit_id;
    let tags_then = tags(&case);
    let err = case.undo(&alice(), merge_id).unwrap_err();
    assert!(
        matches!(&err, CaseError::Invalid(m) if m.contains("merge") && m.contains("cannot be undone")),
        "{err}"
    );
    let copied = case
        .audit_entries()
        .unwrap()
        .into_iter()
        .find(|e| e.merged_from.is_some())
        .unwrap();
    let err = case.undo(&alice(), copied.id).unwrap_err();
    assert!(
        matches!(&err, CaseError::Invalid(m) if m.contains("bob's action") && m.contains("cannot be undone")),
        "{err}"
    );
    assert_eq!(tags(&case), tags_then);
    // A merged tag is removed like any other, and that removal undone.
    let removed = case.remove_tag(&alice(), &tags_then[0]).unwrap();
    case.undo(&alice(), removed.audit_id).unwrap();
    assert_eq!(tags(&case), tags_then);
}

#[test]
fn an_older_format_case_is_merged_from_a_migrated_copy_and_never_written() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = two_cases(tmp.path(), 8);
    let ids = big_clusters(&Case::open(&ours).unwrap(), 1);
    {
        let bob_case = Case::open(&theirs).unwrap();
        tag_one(&bob_case, &bob(), &ids[0], &patch("b", TagStatus::Open, ""));
    }
    common::downgrade_to_format_5(&theirs);
    let bytes = std::fs::read(&theirs).unwrap();
    let case = Case::open(&ours).unwrap();
    let report = case.merge_from(&alice(), &theirs).unwrap();
    assert_eq!(report.tags_on_clusters.len(), 1, "{report:?}");
    assert_eq!(tags(&case)[0].analyst, "bob");
    assert_eq!(
        std::fs::read(&theirs).unwrap(),
        bytes,
        "bob's file is untouched"
    );
    assert_eq!(count(&theirs, "PRAGMA user_version"), 5);
    assert_eq!(case.format_version().unwrap(), SCHEMA_VERSION);
}
