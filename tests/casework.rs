//! Case work: tags, membership edits, undo and redo, the audit log, carrying
//! it all over a re-analysis, and writers that crash or run side by side.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::{analysed_case, run};
use hydrascope::analysis::Params;
use hydrascope::case::casework::{MoveTarget, Origin, Tag, TagPatch, TagStatus, Who};
use hydrascope::case::{Case, CaseError};
use hydrascope::generate::Scenario;
use hydrascope::pipeline::analyze_case;

fn alice() -> Who {
    Who::named("alice", Origin::Workbench)
}

fn patch(label: &str) -> TagPatch {
    TagPatch {
        label: Some(label.into()),
        capability: Some("agentic coding".into()),
        status: Some(TagStatus::Confirmed),
        confidence: Some(0.9),
        actor: Some("Lab C".into()),
        notes: Some("moved half its traffic within 24 h".into()),
    }
}

/// The largest suspected clusters, by id.
fn suspected_clusters(case: &Case, n: usize) -> Vec<String> {
    let mut clusters = case.stored_clusters().unwrap().unwrap();
    clusters.retain(|c| c.suspected);
    clusters.sort_by_key(|c| std::cmp::Reverse(c.members.len()));
    clusters.into_iter().take(n).map(|c| c.id).collect()
}

fn tags(case: &Case) -> Vec<Tag> {
    case.casework_state().unwrap().tags
}

fn members(case: &Case, cluster: &str) -> Vec<u32> {
    let clusters = case.stored_clusters().unwrap().unwrap();
    clusters
        .into_iter()
        .find(|c| c.id == cluster)
        .map(|c| c.members)
        .unwrap_or_default()
}

fn cluster_of(case: &Case, account: u32) -> String {
    case.stored_clusters()
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|c| c.members.contains(&account))
        .map(|c| c.id)
        .unwrap()
}

fn integrity(path: &Path) -> String {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_tag_round_trips_and_undo_and_redo_restore_it_exactly() {
    let tmp = tempfile::tempdir().unwrap();
    let path = analysed_case(tmp.path(), Scenario::Tiny, 4);
    let case = Case::open(&path).unwrap();
    let cluster = suspected_clusters(&case, 1).remove(0);
    let created = case
        .tag_clusters(
            &alice(),
            std::slice::from_ref(&cluster),
            &patch("Lab C coding"),
            None,
        )
        .unwrap();
    let tag = tags(&case).remove(0);
    assert_eq!(tag.cluster.as_deref(), Some(cluster.as_str()));
    assert_eq!(
        (
            tag.label.as_str(),
            tag.capability.as_str(),
            tag.status,
            tag.confidence
        ),
        ("Lab C coding", "agentic coding", TagStatus::Confirmed, 0.9)
    );
    assert_eq!(
        (tag.actor.as_str(), tag.analyst.as_str()),
        ("Lab C", "alice")
    );
    assert_eq!(tag.notes, "moved half its traffic within 24 h");
    assert!(tag.created_at.ends_with('Z') && tag.created_at == tag.updated_at);

    let changed = case
        .update_tag(
            &alice(),
            &tag,
            &TagPatch {
                status: Some(TagStatus::Dismissed),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(tags(&case)[0].status, TagStatus::Dismissed);
    let undo = case.undo(&alice(), changed.audit_id).unwrap();
    assert_eq!(
        tags(&case),
        vec![tag.clone()],
        "undo restores the row exactly"
    );
    let redo = case.redo(&alice(), undo.audit_id).unwrap();
    assert!(
        redo.summary
            .starts_with(&format!("Redid #{}: Changed", changed.audit_id)),
        "{}",
        redo.summary
    );
    assert_eq!(tags(&case)[0].status, TagStatus::Dismissed);
    // Undo the creation too: the tag is gone, and its id is not reused.
    let undo_change = case.undo(&alice(), changed.audit_id + 2).unwrap();
    let undo_create = case.undo(&alice(), created.audit_id).unwrap();
    assert!(tags(&case).is_empty());
    case.redo(&alice(), undo_create.audit_id).unwrap();
    case.redo(&alice(), undo_change.audit_id).unwrap();
    assert_eq!(tags(&case).len(), 1);
    assert_eq!(tags(&case)[0].id, tag.id);
    let other = suspected_clusters(&case, 2).remove(1);
    case.tag_clusters(&alice(), &[other], &patch("another"), None)
        .unwrap();
    assert!(
        tags(&case)
            .iter()
            .all(|t| t.id != tag.id || t.label == "Lab C coding")
    );
    assert_eq!(
        tags(&case).iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![tag.id, tag.id + 1]
    );
}

#[test]
fn the_audit_log_says_who_did_what_with_the_rows_before_and_after_and_cannot_be_edited() {
    let tmp = tempfile::tempdir().unwrap();
    let path = analysed_case(tmp.path(), Scenario::Tiny, 4);
    let case = Case::open(&path).unwrap();
    let cluster = suspected_clusters(&case, 1).remove(0);
    let bob = Who::named("bob", Origin::Cli);
    case.tag_clusters(
        &bob,
        std::slice::from_ref(&cluster),
        &patch("Lab C coding"),
        None,
    )
    .unwrap();
    let tag = tags(&case).remove(0);
    let changed = case
        .update_tag(
            &alice(),
            &tag,
            &TagPatch {
                confidence: Some(0.4),
                ..Default::default()
            },
        )
        .unwrap();
    case.undo(&alice(), changed.audit_id).unwrap();
    let log = case.audit_log(None).unwrap();
    let actions: Vec<(&str, &str, &str, &str)> = log
        .iter()
        .map(|r| {
            (
                r.entry.analyst.as_str(),
                r.entry.origin.as_str(),
                r.entry.action.as_str(),
                r.entry.clusters.as_str(),
            )
        })
        .collect();
    // The first entry is the analysis that made the case.
    assert_eq!(actions[0].2, "analysis");
    assert_eq!(
        &actions[1..],
        &[
            ("bob", "cli", "tag.create", cluster.as_str()),
            ("alice", "workbench", "tag.update", cluster.as_str()),
            ("alice", "workbench", "undo", cluster.as_str()),
        ]
    );
    let update = &log[2];
    assert!(
        update.before_json.contains("\"confidence\":0.9"),
        "{}",
        update.before_json
    );
    assert!(
        update.after_json.contains("\"confidence\":0.4"),
        "{}",
        update.after_json
    );
    assert_eq!(log[3].entry.reverts, Some(changed.audit_id));
    assert!(
        log[3].entry.summary.contains("Undid"),
        "{}",
        log[3].entry.summary
    );
    assert!(
        log[1].entry.summary.contains(&cluster) && log[1].entry.summary.contains("Lab C coding")
    );
    // Filter by cluster.
    assert_eq!(case.audit_log(Some(&cluster)).unwrap().len(), 3);
    assert!(case.audit_log(Some("c999999")).unwrap().is_empty());
    // Append-only, enforced by the file itself.
    let conn = rusqlite::Connection::open(&path).unwrap();
    for sql in [
        "UPDATE audit_log SET analyst = 'mallory'",
        "DELETE FROM audit_log",
    ] {
        let err = conn.execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}

#[test]
fn a_stale_view_cannot_overwrite_someone_elses_change() {
    let tmp = tempfile::tempdir().unwrap();
    let path = analysed_case(tmp.path(), Scenario::Tiny, 4);
    let mine = Case::open(&path).unwrap();
    let theirs = Case::open(&path).unwrap();
    let cluster = suspected_clusters(&mine, 1).remove(0);
    // Both see the cluster untagged; they tag it first.
    let err = {
        theirs
            .tag_clusters(
                &Who::named("bob", Origin::Cli),
                std::slice::from_ref(&cluster),
                &patch("theirs"),
                None,
            )
            .unwrap();
        mine.tag_clusters(
            &alice(),
            std::slice::from_ref(&cluster),
            &patch("mine"),
            Some(&[None]),
        )
        .unwrap_err()
    };
    assert!(matches!(err, CaseError::Conflict(_)), "{err}");
    assert!(err.to_string().contains("bob"), "{err}");
    let seen = tags(&mine).remove(0);
    assert_eq!(seen.label, "theirs");
    // Both edit the same tag: the second edit, made on the old row, is refused.
    theirs
        .update_tag(
            &Who::named("bob", Origin::Cli),
            &seen,
            &TagPatch {
                notes: Some("bob's note".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let err = mine
        .update_tag(
            &alice(),
            &seen,
            &TagPatch {
                notes: Some("alice's note".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, CaseError::Conflict(_)), "{err}");
    assert_eq!(tags(&mine)[0].notes, "bob's note");
    // Undo of an action whose rows changed since is refused too.
    let mine_change = mine
        .update_tag(
            &alice(),
            &tags(&mine)[0],
            &TagPatch {
                confidence: Some(0.1),
                ..Default::default()
            },
        )
        .unwrap();
    theirs
        .update_tag(
            &Who::named("bob", Origin::Cli),
            &tags(&theirs)[0],
            &TagPatch {
                confidence: Some(0.2),
                ..Default::default()
            },
        )
        .unwrap();
    let err = mine.undo(&alice(), mine_change.audit_id).unwrap_err();
    assert!(matches!(err, CaseError::Conflict(_)), "{err}");
    assert_eq!(tags(&mine)[0].confidence, 0.2);
}

#[test]
fn merge_move_and_split_update_the_clusters_and_undo_puts_everything_back() {
    let tmp = tempfile::tempdir().unwrap();
    let path = analysed_case(tmp.path(), Scenario::Demo, 1);
    let case = Case::open(&path).unwrap();
    let before_clusters = case.stored_clusters().unwrap().unwrap();
    let ids = suspected_clusters(&case, 3);
    let (a, b, c) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    let (size_a, size_b) = (members(&case, &a).len(), members(&case, &b).len());
    case.tag_clusters(&alice(), std::slice::from_ref(&b), &patch("on b"), None)
        .unwrap();
    let merge = case
        .merge_clusters(&alice(), std::slice::from_ref(&b), &a)
        .unwrap();
    assert!(merge.membership_changed);
    assert_eq!(members(&case, &a).len(), size_a + size_b);
    assert!(members(&case, &b).is_empty(), "the merged cluster is gone");
    assert_eq!(
        tags(&case)[0].cluster.as_deref(),
        Some(a.as_str()),
        "its tag followed"
    );
    let state = case.casework_state().unwrap();
    assert_eq!(state.pinned.len(), size_b);
    assert_eq!(state.edited_clusters, vec![a.clone()]);
    let stored = case.stored_clusters().unwrap().unwrap();
    let merged = stored.iter().find(|x| x.id == a).unwrap();
    let expected_exchanges: u64 = before_clusters
        .iter()
        .filter(|x| x.id == a || x.id == b)
        .map(|x| x.exchanges)
        .sum();
    assert_eq!(merged.exchanges, expected_exchanges);

    // Split two accounts of c into a cluster of their own.
    let split_off: Vec<u32> = members(&case, &c).into_iter().take(2).collect();
    let split = case
        .move_accounts(&alice(), &split_off, &MoveTarget::NewCluster)
        .unwrap();
    let new_id = format!("a{}", split_off[0] + 1);
    assert_eq!(members(&case, &new_id), split_off);
    assert!(split.summary.contains(&new_id), "{}", split.summary);
    // Move one of them into a.
    case.move_accounts(&alice(), &split_off[..1], &MoveTarget::Cluster(a.clone()))
        .unwrap();
    assert_eq!(cluster_of(&case, split_off[0]), a);

    // Undo all three edits, newest first: back to the analysis's clusters.
    let log = case.audit_log(None).unwrap();
    let edits: Vec<i64> = log
        .iter()
        .filter(|r| r.entry.action.starts_with("members."))
        .map(|r| r.entry.id)
        .collect();
    assert_eq!(edits.len(), 3);
    for id in edits.iter().rev() {
        case.undo(&alice(), *id).unwrap();
    }
    assert_eq!(case.stored_clusters().unwrap().unwrap(), before_clusters);
    assert!(case.casework_state().unwrap().pinned.is_empty());
    assert_eq!(tags(&case)[0].cluster.as_deref(), Some(b.as_str()));
    // Bad requests name what is wrong and change nothing.
    let err = case
        .merge_clusters(&alice(), &["c999999".into()], &a)
        .unwrap_err();
    assert!(
        err.to_string().contains("c999999") && err.is_bad_input(),
        "{err}"
    );
    let err = case
        .move_accounts(&alice(), &split_off, &MoveTarget::Cluster("nope".into()))
        .unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    assert_eq!(case.stored_clusters().unwrap().unwrap(), before_clusters);
}

#[test]
fn tags_and_edits_survive_a_reanalysis_with_other_parameters() {
    let tmp = tempfile::tempdir().unwrap();
    let path = analysed_case(tmp.path(), Scenario::Demo, 1);
    let case = Case::open(&path).unwrap();
    let ids = suspected_clusters(&case, 3);
    let (a, b, t) = (ids[0].clone(), ids[1].clone(), ids[2].clone());
    let tagged_members = members(&case, &t);
    case.tag_clusters(
        &alice(),
        std::slice::from_ref(&t),
        &patch("campaign T"),
        None,
    )
    .unwrap();
    // An analyst decides b belongs with a, and splits two accounts of t off.
    let b_members = members(&case, &b);
    let a_members = members(&case, &a);
    case.merge_clusters(&alice(), std::slice::from_ref(&b), &a)
        .unwrap();
    let split_off: Vec<u32> = tagged_members.iter().rev().take(2).copied().collect();
    case.move_accounts(&alice(), &split_off, &MoveTarget::NewCluster)
        .unwrap();
    let adhoc = case
        .tag_accounts(&alice(), &split_off, &patch("two odd ones"))
        .unwrap();
    assert_eq!(adhoc.tags.len(), 1);

    // Re-analyse with a finer resolution: the algorithm alone splits
    // clusters differently, but the analyst's decisions win.
    let fine = Params {
        resolution: 4.0,
        ..Params::default()
    };
    let result = analyze_case(&case, &fine, &Who::named("carol", Origin::Cli)).unwrap();
    // a's successor: the new cluster holding most of a's own accounts.
    let mut votes: std::collections::BTreeMap<String, usize> = Default::default();
    for &m in &a_members {
        *votes.entry(cluster_of(&case, m)).or_default() += 1;
    }
    // (On a tie the algorithm's own numbering decides: any of the best.)
    let most = votes.values().copied().max().unwrap();
    let anchor_cluster = cluster_of(&case, b_members[0]);
    assert_eq!(
        votes.get(&anchor_cluster).copied(),
        Some(most),
        "merged accounts went to {anchor_cluster}, not to a successor of a: {votes:?}"
    );
    for &m in &b_members {
        assert_eq!(
            cluster_of(&case, m),
            anchor_cluster,
            "merged account {m} stayed with a"
        );
    }
    let split_cluster = cluster_of(&case, split_off[0]);
    assert_eq!(members(&case, &split_cluster), {
        let mut s = split_off.clone();
        s.sort();
        s
    });
    // The tag on t moved to the cluster now holding most of t.
    let tag = tags(&case)
        .into_iter()
        .find(|x| x.label == "campaign T")
        .unwrap();
    let now = tag.cluster.clone().unwrap();
    let kept = members(&case, &now)
        .iter()
        .filter(|m| tagged_members.contains(m))
        .count();
    let best = result
        .clusters
        .iter()
        .map(|c| {
            c.members
                .iter()
                .filter(|m| tagged_members.contains(m))
                .count()
        })
        .max()
        .unwrap();
    assert_eq!(kept, best, "the tag is on the best-overlapping cluster");
    // Ad-hoc tags keep their accounts.
    let adhoc_tag = tags(&case)
        .into_iter()
        .find(|x| x.label == "two odd ones")
        .unwrap();
    assert_eq!(adhoc_tag.cluster, None);
    assert_eq!(adhoc_tag.accounts.len(), 2);
    // The run is in the audit log with what it carried over, and cannot be undone.
    let log = case.audit_log(None).unwrap();
    let run = log.last().unwrap();
    assert_eq!(
        (run.entry.action.as_str(), run.entry.analyst.as_str()),
        ("analysis", "carol")
    );
    assert!(
        run.entry.summary.contains("campaign") || run.entry.summary.contains("tag #"),
        "{}",
        run.entry.summary
    );
    assert!(
        run.entry.summary.contains("kept with their clusters"),
        "{}",
        run.entry.summary
    );
    let err = case.undo(&alice(), run.entry.id).unwrap_err();
    assert!(err.to_string().contains("cannot be undone"), "{err}");
    // Every account is still in exactly one cluster, and pins point at real clusters.
    let stored = case.stored_clusters().unwrap().unwrap();
    let total: usize = stored.iter().map(|c| c.members.len()).sum();
    assert_eq!(total as u64, case.summary().unwrap().accounts);
    let pinned = case.casework_state().unwrap().pinned;
    assert_eq!(pinned.len(), b_members.len() + split_off.len());
    // The same again with the default parameters: the merged accounts stay
    // together, in the successor of the cluster they were placed in.
    let placed_in: Vec<u32> = members(&case, &anchor_cluster)
        .into_iter()
        .filter(|m| !b_members.contains(m))
        .collect();
    analyze_case(&case, &Params::default(), &Who::from_env(Origin::Cli)).unwrap();
    let mut votes: std::collections::BTreeMap<String, usize> = Default::default();
    for &m in &placed_in {
        *votes.entry(cluster_of(&case, m)).or_default() += 1;
    }
    let most = votes.values().copied().max().unwrap();
    let successor = cluster_of(&case, b_members[0]);
    assert_eq!(votes.get(&successor).copied(), Some(most), "{votes:?}");
    for &m in &b_members {
        assert_eq!(cluster_of(&case, m), successor, "merged account {m}");
    }
}

/// Not a test on its own: the writer that
/// `a_writer_killed_mid_burst_loses_nothing_it_committed` starts and kills.
#[test]
#[ignore = "run by a_writer_killed_mid_burst_loses_nothing_it_committed"]
fn writer_burst_child() {
    let Ok(path) = std::env::var("HYDRASCOPE_BURST_CASE") else {
        return;
    };
    let case = Case::open(Path::new(&path)).unwrap();
    let who = Who::named("burst", Origin::Cli);
    let round = std::env::var("HYDRASCOPE_BURST_ROUND").unwrap_or_default();
    let accounts = case.summary().unwrap().accounts as u32;
    for i in 0..100_000u32 {
        case.tag_accounts(&who, &[i % accounts], &patch(&format!("burst-{round}-{i}")))
            .unwrap();
        println!("committed {i}");
    }
}

#[test]
fn a_writer_killed_mid_burst_loses_nothing_it_committed() {
    let tmp = tempfile::tempdir().unwrap();
    let path = analysed_case(tmp.path(), Scenario::Tiny, 5);
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "writer_burst_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("HYDRASCOPE_BURST_CASE", &path)
            .env("HYDRASCOPE_BURST_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut committed = Vec::new();
        // Kill it at a different point each round, while it is writing.
        while committed.len() < 15 + 20 * round {
            let line = lines.next().unwrap().unwrap();
            if let Some(i) = line.strip_prefix("committed ") {
                committed.push(i.parse::<u32>().unwrap());
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        for line in lines.map_while(Result::ok) {
            if let Some(i) = line.strip_prefix("committed ") {
                committed.push(i.parse::<u32>().unwrap());
            }
        }
        assert_eq!(integrity(&path), "ok", "round {round}");
        let case = Case::open(&path).unwrap();
        let labels: std::collections::BTreeSet<String> =
            tags(&case).into_iter().map(|t| t.label).collect();
        for i in &committed {
            assert!(
                labels.contains(&format!("burst-{round}-{i}")),
                "round {round}: burst-{round}-{i} lost"
            );
        }
        let last = committed.last().copied().unwrap();
        // At most the tag in flight went further than the last confirmation.
        assert!(!labels.contains(&format!("burst-{round}-{}", last + 2)));
        let tags_logged = case
            .audit_log(None)
            .unwrap()
            .iter()
            .filter(|r| r.entry.action == "tag.create")
            .count();
        let burst_tags = labels.iter().filter(|l| l.starts_with("burst-")).count();
        assert_eq!(tags_logged, burst_tags, "every tag has its audit entry");
        // The next round starts over, on the tags of this one.
        drop(case);
    }
}

#[test]
fn concurrent_writers_all_land_and_the_file_stays_sound() {
    let tmp = tempfile::tempdir().unwrap();
    let path = analysed_case(tmp.path(), Scenario::Tiny, 4);
    let cluster = suspected_clusters(&Case::open(&path).unwrap(), 1).remove(0);
    const PER_WRITER: usize = 25;
    std::thread::scope(|scope| {
        for w in 0..3 {
            let path = &path;
            scope.spawn(move || {
                let case = Case::open(path).unwrap();
                let who = Who::named(&format!("writer{w}"), Origin::Workbench);
                for i in 0..PER_WRITER {
                    case.tag_accounts(&who, &[(w * 7 + i) as u32], &patch(&format!("w{w}-{i}")))
                        .unwrap();
                }
            });
        }
        // And the command line at the same time, on a cluster.
        let path = &path;
        let cluster = &cluster;
        scope.spawn(move || {
            for i in 0..5 {
                let (code, _, err) = run(&[
                    "tag",
                    path.to_str().unwrap(),
                    "--cluster",
                    cluster,
                    "--label",
                    &format!("cli-{i}"),
                    "--analyst",
                    "dave",
                ]);
                assert_eq!(code, 0, "{err}");
            }
        });
    });
    assert_eq!(integrity(&path), "ok");
    let case = Case::open(&path).unwrap();
    let all = tags(&case);
    assert_eq!(
        all.len(),
        3 * PER_WRITER + 1,
        "one tag per writer action, one on the cluster"
    );
    let on_cluster = all
        .iter()
        .find(|t| t.cluster.as_deref() == Some(cluster.as_str()))
        .unwrap();
    assert_eq!(
        on_cluster.label, "cli-4",
        "the command line changed its tag five times in turn"
    );
    let log = case.audit_log(None).unwrap();
    assert_eq!(log.len(), 1 + 3 * PER_WRITER + 5);
    let ids: Vec<i64> = log.iter().map(|r| r.entry.id).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
}

#[test]
fn tag_and_tags_follow_the_command_line_contract() {
    let tmp = tempfile::tempdir().unwrap();
    let path = analysed_case(tmp.path(), Scenario::Tiny, 4);
    let p = path.to_str().unwrap();
    let cluster = suspected_clusters(&Case::open(&path).unwrap(), 1).remove(0);
    let (code, out, err) = run(&[
        "tag",
        p,
        "--cluster",
        &cluster,
        "--label",
        "Lab A reasoning",
        "--status",
        "confirmed",
        "--confidence",
        "0.8",
        "--note",
        "rubric grading prompts",
        "--analyst",
        "erin",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&cluster) && out.contains("audit log entry"),
        "{out}"
    );
    let (code, out, _) = run(&["tags", p, "--json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tag = &doc["tags"][0];
    assert_eq!(tag["cluster"], cluster.as_str());
    assert_eq!(tag["label"], "Lab A reasoning");
    assert_eq!(tag["status"], "confirmed");
    assert_eq!(tag["confidence"], 0.8);
    assert_eq!(tag["note"], "rubric grading prompts");
    assert_eq!(tag["analyst"], "erin");
    assert!(tag["at"].as_str().unwrap().ends_with('Z'));
    let expected: Vec<String> = Case::open_read_only(&path)
        .unwrap()
        .cluster_account_ids(&cluster)
        .unwrap();
    let accounts: Vec<String> = tag["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(accounts, expected);
    // Tagging it again changes that tag, keeping what is not given.
    let (code, _, err) = run(&[
        "tag",
        p,
        "--cluster",
        &cluster,
        "--label",
        "Lab A",
        "--analyst",
        "erin",
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(&["tags", p, "--json"]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["tags"].as_array().unwrap().len(), 1);
    assert_eq!(doc["tags"][0]["label"], "Lab A");
    assert_eq!(doc["tags"][0]["status"], "confirmed");
    // Bad input: exit 2, one line that says what.
    for (args, needle) in [
        (vec!["--cluster", "c999999", "--label", "x"], "c999999"),
        (
            vec![
                "--cluster",
                cluster.as_str(),
                "--label",
                "x",
                "--status",
                "maybe",
            ],
            "--status",
        ),
        (
            vec![
                "--cluster",
                cluster.as_str(),
                "--label",
                "x",
                "--confidence",
                "1.5",
            ],
            "--confidence",
        ),
        (vec!["--cluster", cluster.as_str(), "--label", " "], "label"),
        (vec!["--accounts", "nobody", "--label", "x"], "nobody"),
    ] {
        let mut full = vec!["tag", p];
        full.extend(args);
        let (code, _, err) = run(&full);
        assert_eq!(code, 2, "{full:?}: {err}");
        assert!(
            err.contains(needle) && err.lines().count() == 1,
            "{full:?}: {err}"
        );
    }
    let (code, _, err) = run(&["tags", tmp.path().join("missing.hcase").to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    // The history, as text and as CSV.
    let (code, out, _) = run(&["history", p]);
    assert_eq!(code, 0);
    assert_eq!(out.lines().count(), 3, "{out}");
    assert!(out.contains("erin") && out.contains("tag.update"), "{out}");
    let (code, out, _) = run(&["history", p, "--format", "csv", "--cluster", &cluster]);
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(reader.records().count(), 2);
}

#[test]
fn undoing_a_split_is_refused_once_someone_tagged_the_new_cluster() {
    let tmp = tempfile::tempdir().unwrap();
    let path = analysed_case(tmp.path(), Scenario::Tiny, 4);
    let case = Case::open(&path).unwrap();
    let cluster = suspected_clusters(&case, 1).remove(0);
    let two: Vec<u32> = members(&case, &cluster).into_iter().take(2).collect();
    let split = case
        .move_accounts(&alice(), &two, &MoveTarget::NewCluster)
        .unwrap();
    let new_id = format!("a{}", two[0] + 1);
    // Bob tags the new cluster from the command line.
    let bob = Who::named("bob", Origin::Cli);
    case.tag_clusters(&bob, std::slice::from_ref(&new_id), &patch("bob's"), None)
        .unwrap();
    let err = case.undo(&alice(), split.audit_id).unwrap_err();
    assert!(matches!(err, CaseError::Conflict(_)), "{err}");
    assert!(
        err.to_string().contains(&new_id) && err.to_string().contains("1 tag"),
        "{err}"
    );
    // Nothing changed: the new cluster and Bob's tag on it are there.
    assert_eq!(members(&case, &new_id), two);
    assert_eq!(tags(&case)[0].cluster.as_deref(), Some(new_id.as_str()));
    // Naming a cluster twice tags it once.
    let other = suspected_clusters(&case, 2).remove(1);
    case.tag_clusters(
        &alice(),
        &[other.clone(), other.clone()],
        &patch("once"),
        None,
    )
    .unwrap();
    assert_eq!(
        tags(&case)
            .iter()
            .filter(|t| t.cluster.as_deref() == Some(other.as_str()))
            .count(),
        1
    );
}

#[test]
fn the_demo_case_made_for_the_workbench_logs_its_first_analysis_as_the_workbenchs() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.hcase");
    let who = Who::named("dana", Origin::Workbench);
    let made =
        hydrascope::pipeline::ensure_demo_case(&path, &hydrascope::base::Progress::default(), &who)
            .unwrap();
    assert_eq!(made, path);
    let runs: Vec<(String, String)> = Case::open_read_only(&path)
        .unwrap()
        .audit_log(None)
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.action == "analysis")
        .map(|r| (r.entry.analyst, r.entry.origin))
        .collect();
    assert_eq!(runs, [("dana".to_string(), "workbench".to_string())]);
    // A second call finds it and changes nothing.
    hydrascope::pipeline::ensure_demo_case(&path, &Default::default(), &who).unwrap();
    assert_eq!(
        Case::open_read_only(&path)
            .unwrap()
            .audit_log(None)
            .unwrap()
            .len(),
        1
    );
}
