//! Opening case files: format checks, refusals and migration.

mod common;

use std::path::Path;

use common::{ROLLUPS, run, tiny_folder};
use hydrascope::base::Progress;
use hydrascope::case::{Case, CaseError, SCHEMA_VERSION};
use hydrascope::import::{ImportOptions, import_folder};
use hydrascope::logs::Format;

fn tiny_case(dir: &Path) -> std::path::PathBuf {
    let logs = tiny_folder(dir, 3, Format::Jsonl, false);
    let out = dir.join("tiny.hcase");
    import_folder(&logs, &out, &ImportOptions::default(), &Progress::default()).unwrap();
    out
}

#[test]
fn a_non_sqlite_file_is_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("notes.hcase");
    std::fs::write(&path, "this is not a database").unwrap();
    let err = Case::open(&path).err().unwrap();
    assert!(matches!(err, CaseError::NotSqlite(_)), "{err}");
    assert!(
        err.to_string().contains("not a Hydrascope case file"),
        "{err}"
    );
    let empty = tmp.path().join("empty.hcase");
    std::fs::write(&empty, "").unwrap();
    assert!(matches!(
        Case::open(&empty).err().unwrap(),
        CaseError::NotSqlite(_)
    ));
    let (code, _, err) = run(&["info", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not a Hydrascope case file (not an SQLite database)"),
        "{err}"
    );
}

#[test]
fn a_foreign_sqlite_database_is_refused_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("other.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(conn);
    let err = Case::open(&path).err().unwrap();
    assert!(
        matches!(
            err,
            CaseError::Foreign {
                application_id: 0,
                ..
            }
        ),
        "{err}"
    );
    let (code, _, err) = run(&["info", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not a Hydrascope case file (an SQLite database"),
        "{err}"
    );
}

#[test]
fn a_case_from_a_newer_hydrascope_is_refused_with_both_versions() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tiny_case(tmp.path());
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let err = Case::open(&path).err().unwrap();
    let text = err.to_string();
    assert!(text.contains("made by a newer Hydrascope"), "{text}");
    assert!(
        text.contains(&format!("v{}", SCHEMA_VERSION + 1))
            && text.contains(&format!("v{SCHEMA_VERSION}"))
    );
    let (code, _, err) = run(&["info", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("made by a newer Hydrascope"), "{err}");
}

#[test]
fn a_format_1_case_migrates_and_its_backfilled_rollups_equal_a_fresh_import() {
    let tmp = tempfile::tempdir().unwrap();
    let fresh = tiny_case(tmp.path());
    let old = tmp.path().join("old.hcase");
    std::fs::copy(&fresh, &old).unwrap();
    // Make the copy a format-1 file: without the tables formats 2 to 9 added.
    let conn = rusqlite::Connection::open(&old).unwrap();
    conn.execute_batch(
        "DROP TABLE account_api_keys; DROP TABLE request_keys; DELETE FROM meta WHERE key IN ('request_keys', 'request_key_runs'); DROP TABLE account_minutes; DROP TABLE notes; DROP TABLE note_accounts; DROP TABLE saved_views; DROP TABLE saved_view_accounts; \
         DROP TABLE template_stats; DROP TABLE model_hourly; DROP TABLE link_evidence; DROP TABLE links; \
         DROP TABLE cluster_members; DROP TABLE clusters; DROP TABLE analysis_runs; \
         DROP TABLE layout; DROP TABLE cluster_model_hourly; DROP TABLE template_examples; \
         DROP TABLE tags; DROP TABLE tag_accounts; DROP TABLE account_pins; DROP TABLE audit_log; \
         DROP TABLE merges; DROP TABLE merge_conflicts; \
         DROP TABLE campaigns; DROP TABLE campaign_clusters; DROP TABLE account_model_hourly; \
         DROP TABLE template_profiles; \
         ALTER TABLE account_summary DROP COLUMN cot_scored; \
         ALTER TABLE account_summary DROP COLUMN cot_high; \
         PRAGMA user_version = 1;",
    )
    .unwrap();
    drop(conn);
    let err = Case::open_read_only(&old).err().unwrap();
    assert!(
        matches!(err, CaseError::NeedsMigration { version: 1, .. }),
        "{err}"
    );
    let migrated = Case::open(&old).unwrap();
    assert_eq!(migrated.format_version().unwrap(), SCHEMA_VERSION);
    let fresh = Case::open_read_only(&fresh).unwrap();
    for table in ROLLUPS {
        assert_eq!(
            migrated.table_fingerprint(table).unwrap(),
            fresh.table_fingerprint(table).unwrap(),
            "{table}"
        );
    }
    assert!(
        !migrated
            .table_fingerprint("model_hourly")
            .unwrap()
            .is_empty()
    );
    assert_eq!(migrated.summary().unwrap(), fresh.summary().unwrap());
}

#[test]
fn a_format_5_case_with_case_work_migrates_to_the_current_format_keeping_its_tags_and_history() {
    use hydrascope::case::casework::{Origin, TagPatch, Who};
    let tmp = tempfile::tempdir().unwrap();
    let path = common::analysed_case(tmp.path(), hydrascope::generate::Scenario::Tiny, 4);
    let (tags, log) = {
        let case = Case::open(&path).unwrap();
        let cluster = case.stored_clusters().unwrap().unwrap()[0].id.clone();
        let patch = TagPatch {
            label: Some("Lab C".into()),
            ..Default::default()
        };
        let who = Who::named("alice", Origin::Cli);
        case.tag_clusters(&who, &[cluster], &patch, None).unwrap();
        case.tag_accounts(&who, &[0, 1], &patch).unwrap();
        (
            case.casework_state().unwrap().tags,
            case.audit_log(None).unwrap(),
        )
    };
    common::downgrade_to_format_5(&path);
    let err = Case::open_read_only(&path).err().unwrap();
    assert!(
        matches!(err, CaseError::NeedsMigration { version: 5, .. }),
        "{err}"
    );
    let case = Case::open(&path).unwrap();
    assert_eq!(case.format_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(case.casework_state().unwrap().tags, tags);
    assert!(tags.iter().all(|t| t.merged_from.is_none()));
    assert_eq!(case.audit_log(None).unwrap(), log);
    assert!(case.merge_conflicts().unwrap().is_empty());
    // Still append-only after the new columns.
    let conn = rusqlite::Connection::open(&path).unwrap();
    let err = conn
        .execute("UPDATE audit_log SET merged_from = 1", [])
        .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[test]
fn an_empty_format_1_file_migrates_to_the_current_schema() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("v1.hcase");
    drop(Case::create_empty_at_version(&path, 1).unwrap());
    let case = Case::open(&path).unwrap();
    assert_eq!(case.format_version().unwrap(), SCHEMA_VERSION);
    assert_eq!(case.summary().unwrap().exchanges, 0);
}

#[test]
fn an_interrupted_build_leaves_nothing_that_opens_as_a_case() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("c.hcase");
    let mut builder = hydrascope::case::CaseBuilder::create(&out, Default::default()).unwrap();
    builder
        .add_accounts(vec![hydrascope::logs::Account {
            account_id: "a".into(),
            created_ms: 0,
            org_name: None,
            email_domain: None,
            payment_fingerprint: None,
            signup_ip: None,
            billing_country: None,
            access_path: None,
            verification: None,
            extra_json: None,
        }])
        .unwrap();
    let partial: Vec<_> = common::files_containing(tmp.path(), ".partial-");
    assert_eq!(partial.len(), 1);
    let err = Case::open(&tmp.path().join(&partial[0])).err().unwrap();
    assert!(
        matches!(err, CaseError::Foreign { .. } | CaseError::NotSqlite(_)),
        "{err}"
    );
    drop(builder);
    assert!(!out.exists());
    assert!(common::files_containing(tmp.path(), ".partial-").is_empty());
}

#[test]
fn summary_reads_counts_models_and_time_span_from_the_rollups() {
    let tmp = tempfile::tempdir().unwrap();
    let case = Case::open(&tiny_case(tmp.path())).unwrap();
    let s = case.summary().unwrap();
    let mut exchanges = 0u64;
    case.for_each_exchange(|_| exchanges += 1).unwrap();
    assert_eq!(s.exchanges, exchanges);
    assert_eq!(s.models.iter().map(|(_, n)| n).sum::<u64>(), exchanges);
    assert_eq!(
        s.capabilities.iter().map(|(_, n)| n).sum::<u64>(),
        exchanges
    );
    assert_eq!(s.hourly.iter().map(|(_, n)| n).sum::<u64>(), exchanges);
    assert!(s.models.iter().any(|(m, _)| m == "aurora-3-large"));
    assert!(s.first_ms < s.last_ms);
}
