//! History keeps its provenance, and nothing is quadratic: what came in by
//! merge is shown as the other case's claim (its fingerprint, who merged it
//! here and when) in `tags`, `history` and the report, never as an action
//! taken here; merging thousands of tags and reporting on them does work
//! linear in tags (counted in steps, not timed).

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hydrascope::case::Case;
use hydrascope::case::casework::{Origin, TagPatch, TagStatus, Who};
use hydrascope::generate::Scenario;
use rusqlite::Connection;

fn alice() -> Who {
    Who::named("alice", Origin::Cli)
}

fn bob() -> Who {
    Who::named("bob", Origin::Cli)
}

/// One analysed tiny case, made once per test run.
fn base_case() -> &'static Path {
    static BASE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = BASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = common::analysed_case(dir.path(), Scenario::Tiny, 4);
        (dir, path)
    });
    path
}

fn copy_of(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(base_case(), &path).unwrap();
    path
}

/// The clusters of the case, largest first.
fn clusters(path: &Path) -> Vec<String> {
    let case = Case::open_read_only(path).unwrap();
    let mut clusters = case.stored_clusters().unwrap().unwrap();
    clusters.sort_by_key(|c| (std::cmp::Reverse(c.members.len()), c.id.clone()));
    clusters.into_iter().map(|c| c.id).collect()
}

fn tag(path: &Path, who: &Who, cluster: &str, label: &str) {
    let patch = TagPatch {
        label: Some(label.into()),
        status: Some(TagStatus::Confirmed),
        ..Default::default()
    };
    Case::open(path)
        .unwrap()
        .tag_clusters(who, &[cluster.to_string()], &patch, None)
        .unwrap();
}

fn run(args: &[&str]) -> (i32, String, String) {
    common::run(args)
}

/// Alice's case with one tag of her own, and bob's copy with a tag of his
/// and a back-dated entry claiming alice removed a tag; bob's case merged
/// into alice's. Returns (alice's case, bob's case, bob's fingerprint).
fn merged(dir: &Path) -> (PathBuf, PathBuf, String) {
    let ours = copy_of(dir, "alice.hcase");
    let theirs = copy_of(dir, "bob.hcase");
    let ids = clusters(&ours);
    tag(&ours, &alice(), &ids[0], "Lab A");
    tag(&theirs, &bob(), &ids[1], "Lab B");
    Connection::open(&theirs)
        .unwrap()
        .execute_batch(
            "INSERT INTO audit_log (at, analyst, origin, session, action, clusters, summary, \
             before_json, after_json) VALUES ('2020-01-01T00:00:00.000Z', 'alice', 'cli', 'forged', \
             'tag.remove', '', 'Removed tag \"Lab A\"', '{}', '{}');",
        )
        .unwrap();
    let fingerprint = Case::open_read_only(&theirs)
        .unwrap()
        .fingerprint()
        .unwrap();
    let (code, _, err) = run(&[
        "merge",
        ours.to_str().unwrap(),
        "--from",
        theirs.to_str().unwrap(),
        "--analyst",
        "alice",
    ]);
    assert_eq!(code, 0, "{err}");
    (ours, theirs, fingerprint)
}

#[test]
fn merged_tags_say_whose_claim_they_are_in_tags_text_and_json() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, _, fingerprint) = merged(tmp.path());
    let (code, out, err) = run(&["tags", ours.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tags = doc["tags"].as_array().unwrap();
    let by_label = |label: &str| tags.iter().find(|t| t["label"] == label).unwrap();
    let (local, theirs) = (by_label("Lab A"), by_label("Lab B"));
    // The contract's fields stay; the claim is an addition.
    for field in [
        "cluster",
        "accounts",
        "label",
        "status",
        "confidence",
        "note",
        "analyst",
        "at",
    ] {
        assert!(theirs.get(field).is_some(), "{field}");
    }
    assert!(local["claimed_by"].is_null(), "{local}");
    let claim = &theirs["claimed_by"];
    assert_eq!(claim["case"], "bob.hcase");
    assert_eq!(claim["fingerprint"], fingerprint.as_str());
    assert_eq!(claim["merged_by"], "alice");
    assert!(claim["merged_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(theirs["analyst"], "bob");

    let (code, text, _) = run(&["tags", ours.to_str().unwrap()]);
    assert_eq!(code, 0);
    let heading = text
        .find(&format!(
            "claimed by case {fingerprint} (bob.hcase), merged here by alice"
        ))
        .unwrap_or_else(|| panic!("no claim heading in {text}"));
    assert!(text.find("Lab A").unwrap() < heading, "{text}");
    assert!(text.find("Lab B").unwrap() > heading, "{text}");
}

#[test]
fn merged_history_is_shown_apart_as_a_claim_and_a_forged_entry_cannot_be_undone() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, _, fingerprint) = merged(tmp.path());
    let path = ours.to_str().unwrap();
    let (code, text, _) = run(&["history", path]);
    assert_eq!(code, 0);
    let heading = text
        .find(&format!(
            "Claimed by case {fingerprint} (bob.hcase), merged here by alice"
        ))
        .unwrap_or_else(|| panic!("no claim heading in {text}"));
    let forged = text.find("2020-01-01").unwrap();
    assert!(forged > heading, "the forged entry stands apart: {text}");
    let merge_line = text.find(" merge ").unwrap();
    assert!(
        merge_line < heading,
        "the merge itself is alice's, here: {text}"
    );

    let (code, jsonl, _) = run(&["history", path, "--format", "jsonl"]);
    assert_eq!(code, 0);
    let entries: Vec<serde_json::Value> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let forged = entries.iter().find(|e| e["session"] == "forged").unwrap();
    assert_eq!(forged["claimed"]["fingerprint"], fingerprint.as_str());
    assert_eq!(forged["claimed"]["merged_by"], "alice");
    let merge = entries.iter().find(|e| e["action"] == "merge").unwrap();
    assert!(merge.get("claimed").is_none(), "{merge}");

    let (code, csv, _) = run(&["history", path, "--format", "csv"]);
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let head = reader.headers().unwrap().clone();
    let column = |name: &str| head.iter().position(|h| h == name).unwrap();
    let (claimed, session, action) = (
        column("claimed_by_case"),
        column("session"),
        column("action"),
    );
    let (mut forged_seen, mut merge_seen) = (false, false);
    for record in reader.records() {
        let record = record.unwrap();
        if &record[session] == "forged" {
            assert_eq!(&record[claimed], "bob.hcase");
            forged_seen = true;
        }
        if &record[action] == "merge" {
            assert_eq!(&record[claimed], "");
            merge_seen = true;
        }
    }
    assert!(forged_seen && merge_seen, "{csv}");

    // Undo refuses the copied entry: it is not an action taken here.
    let id = forged["id"].as_i64().unwrap();
    let err = Case::open(&ours).unwrap().undo(&alice(), id).unwrap_err();
    assert!(err.to_string().contains("copied here by merge"), "{err}");
}

#[test]
fn the_report_and_the_history_panel_mark_merged_tags_as_claims() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, _, fingerprint) = merged(tmp.path());
    let case = Case::open_read_only(&ours).unwrap();
    let data = case.report_data().unwrap();
    let theirs = data
        .campaigns
        .iter()
        .find(|c| c.tag.label == "Lab B")
        .unwrap();
    assert_eq!(theirs.claimed.as_ref().unwrap().fingerprint, fingerprint);
    let local = data
        .campaigns
        .iter()
        .find(|c| c.tag.label == "Lab A")
        .unwrap();
    assert!(local.claimed.is_none());
    let out = tmp.path().join("report.md");
    hydrascope::export::report::write_report(
        &case,
        &out,
        hydrascope::export::report::ReportFormat::Markdown,
        "2026-12-01T00:00:00Z",
        &mut |_| Err("no pictures in this test".into()),
    )
    .unwrap();
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains(&format!("claimed by case {fingerprint} (bob.hcase)")),
        "{text}"
    );
    assert!(text.contains("Lab B (merged from bob.hcase)"), "{text}");
    // What the History panel reads carries the claim.
    let entries = case.audit_entries().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.session == "forged" && e.claimed.is_some())
    );
    assert!(
        entries
            .iter()
            .filter(|e| e.merged_from.is_none())
            .all(|e| e.claimed.is_none())
    );
}

#[test]
fn a_format_7_case_is_upgraded_with_empty_fingerprints_for_earlier_merges() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, _, _) = merged(tmp.path());
    Connection::open(&ours)
        .unwrap()
        .execute_batch(
            "DROP TABLE account_api_keys; DROP TABLE request_keys; DELETE FROM meta WHERE key IN ('request_keys', 'request_key_runs'); DROP TABLE account_minutes; DROP TABLE notes; DROP TABLE note_accounts; DROP TABLE saved_views; DROP TABLE saved_view_accounts; \
             ALTER TABLE merges DROP COLUMN notes_added; ALTER TABLE merges DROP COLUMN views_added; \
             ALTER TABLE merges DROP COLUMN source_fingerprint; DROP TABLE account_model_hourly; \
             DROP TABLE template_profiles; ALTER TABLE template_stats DROP COLUMN example; \
             ALTER TABLE account_summary DROP COLUMN cot_scored; \
             ALTER TABLE account_summary DROP COLUMN cot_high; \
             PRAGMA user_version = 7;",
        )
        .unwrap();
    let case = Case::open(&ours).unwrap();
    assert_eq!(
        case.format_version().unwrap(),
        hydrascope::case::SCHEMA_VERSION
    );
    let claims = case.claims().unwrap();
    assert_eq!(claims.len(), 1);
    let claim = claims.values().next().unwrap();
    assert_eq!(claim.fingerprint, "");
    assert!(claim.describe().starts_with("claimed by case bob.hcase"));
}

/// `n` tags of bob's in his copy, spread over the clusters (every cluster
/// here carries a tag of alice's with another label, so each is also a
/// conflict), written straight into the file.
fn many_tags(dir: &Path, n: usize) -> (PathBuf, PathBuf) {
    let ours = copy_of(dir, &format!("ours-{n}.hcase"));
    let theirs = copy_of(dir, &format!("theirs-{n}.hcase"));
    let conn = Connection::open(&ours).unwrap();
    conn.execute_batch(
        "INSERT INTO tags (cluster, label, capability, status, confidence, actor, notes, analyst, \
         created_at, updated_at, updated_by) SELECT id, 'ours ' || id, '', 'open', 0.5, '', '', \
         'alice', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'alice' FROM clusters;",
    )
    .unwrap();
    let conn = Connection::open(&theirs).unwrap();
    conn.execute(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?1), \
         c AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k, count(*) OVER () AS total FROM clusters) \
         INSERT INTO tags (cluster, label, capability, status, confidence, actor, notes, analyst, \
         created_at, updated_at, updated_by) \
         SELECT c.id, 'theirs ' || n.i, '', 'confirmed', 0.9, '', 'note ' || n.i, 'bob', \
         '2026-02-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', 'bob' \
         FROM n JOIN c ON c.k = n.i % c.total",
        [n as i64],
    )
    .unwrap();
    (ours, theirs)
}

/// (merge work, merge steps in thousands, report steps in thousands,
/// tags added, conflicts) for `n` incoming tags.
fn merge_and_report(dir: &Path, n: usize) -> (u64, u64, u64, usize, usize) {
    let (ours, theirs) = many_tags(dir, n);
    let mut case = Case::open(&ours).unwrap();
    let budget = case.set_step_budget(u64::MAX / 4).unwrap();
    let report = case.merge_from(&alice(), &theirs).unwrap();
    let merge_steps = budget.spent_thousands();
    budget.refill();
    let data = case.report_data().unwrap();
    let report_steps = budget.spent_thousands();
    assert!(data.campaigns.len() >= n);
    (
        report.work,
        merge_steps,
        report_steps,
        report.tags_added(),
        report.conflicts.len(),
    )
}

#[test]
fn merging_and_reporting_many_tags_does_work_linear_in_tags() {
    let tmp = tempfile::tempdir().unwrap();
    let (small, large) = (500, 2_000);
    let (work_s, merge_s, report_s, added_s, conflicts_s) = merge_and_report(tmp.path(), small);
    let (work_l, merge_l, report_l, added_l, conflicts_l) = merge_and_report(tmp.path(), large);
    assert_eq!((added_s, added_l), (small, large));
    // Every tag of theirs conflicts with the one tag of alice's on its cluster.
    assert_eq!((conflicts_s, conflicts_l), (small, large));
    // Four times the tags: about four times the work (quadratic would be
    // sixteen), in the merge's own loops and in SQLite's steps alike.
    for (what, s, l) in [
        ("merge comparisons", work_s, work_l),
        ("merge steps", merge_s, merge_l),
        ("report steps", report_s, report_l),
    ] {
        assert!(s > 0, "{what}: nothing counted");
        assert!(
            l * 10 < s * 4 * 15,
            "{what}: {s} for {small} tags, {l} for {large}"
        );
    }
}

#[test]
fn a_report_on_thousands_of_tags_draws_a_bounded_number_of_pictures() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, theirs) = many_tags(tmp.path(), 2_500);
    let case = Case::open(&ours).unwrap();
    case.merge_from(&alice(), &theirs).unwrap();
    let mut asked = 0;
    let out = tmp.path().join("many.md");
    hydrascope::export::report::write_report(
        &case,
        &out,
        hydrascope::export::report::ReportFormat::Markdown,
        "2026-12-01T00:00:00Z",
        &mut |_| {
            asked += 1;
            Err("not drawn".into())
        },
    )
    .unwrap();
    assert!(asked <= 20, "{asked} pictures asked for");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("more tagged campaigns are in the table above"),
        "bounded sections"
    );
}
