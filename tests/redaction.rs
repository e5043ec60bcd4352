//! Redaction cannot leak: a redacted export is built into a fresh file
//! from the format's tables only, so no raw identifier byte is in it (not
//! in free pages, not in rows of odd types, not in a `.partial` left by a
//! kill), and a case holding objects of anyone else's is refused before
//! anything is written.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Instant;

use hydrascope::case::Case;
use hydrascope::generate::Scenario;
use rusqlite::Connection;

/// One analysed tiny case with a tag whose note quotes raw identifiers.
fn base_case() -> &'static Path {
    static BASE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = BASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = common::analysed_case(dir.path(), Scenario::Tiny, 3);
        (dir, path)
    });
    path
}

fn copy_of(dir: &Path, name: &str, source: &Path) -> PathBuf {
    let path = dir.join(format!("{name}.hcase"));
    std::fs::copy(source, &path).unwrap();
    path
}

/// Every identifier value of the case.
fn identifiers(path: &Path) -> BTreeSet<String> {
    common::raw_identifiers(path)
}

/// The raw identifiers found in the bytes of `file`, in any letter case.
fn leaked(file: &Path, raw: &BTreeSet<String>) -> Vec<String> {
    let Ok(bytes) = std::fs::read(file) else {
        return Vec::new();
    };
    let bytes = bytes.to_ascii_lowercase();
    raw.iter()
        .filter(|v| memchr::memmem::find(&bytes, v.to_ascii_lowercase().as_bytes()).is_some())
        .cloned()
        .collect()
}

fn run(args: &[&str]) -> (i32, String, String) {
    common::run(args)
}

fn export_redacted(case: &Path, out: &Path) -> (i32, String, String) {
    run(&[
        "export",
        case.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--redact",
        "--force",
    ])
}

fn partial_of(out: &Path) -> PathBuf {
    hydrascope::base::paths::partial_path(out)
}

#[test]
fn rows_deleted_from_the_source_leave_no_raw_byte_in_a_redacted_export() {
    let tmp = tempfile::tempdir().unwrap();
    let case = copy_of(tmp.path(), "deleted", base_case());
    let raw = identifiers(&case);
    assert!(raw.len() > 50, "{}", raw.len());
    {
        // Raw values in free pages of the source: written, then deleted
        // without secure_delete (as the sqlite3 shell does by default).
        let conn = Connection::open(&case).unwrap();
        conn.execute_batch(
            "PRAGMA secure_delete = OFF;
             INSERT INTO indicators (kind, value, source, note)
                 SELECT 'ip', signup_ip, 'partner', 'seen ' || signup_ip || ' ' || payment_fingerprint
                 FROM accounts WHERE signup_ip IS NOT NULL;
             DELETE FROM indicators WHERE source = 'partner';
             DELETE FROM excerpts WHERE id NOT IN (SELECT excerpt FROM exchanges WHERE excerpt IS NOT NULL);",
        )
        .unwrap();
    }
    let source_bytes = std::fs::read(&case).unwrap();
    let sample = raw.iter().find(|v| v.contains('.')).unwrap();
    assert!(
        memchr::memmem::find(&source_bytes, sample.as_bytes()).is_some(),
        "the source holds raw bytes, so the scan can fail"
    );
    let out = tmp.path().join("deleted-redacted.hcase");
    let (code, stdout, err) = export_redacted(&case, &out);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("redacted with key"), "{stdout}");
    assert_eq!(leaked(&out, &raw), Vec::<String>::new());
    assert!(!partial_of(&out).exists());
    let (code, _, err) = run(&["verify", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_value_of_another_type_than_its_column_is_left_out_of_a_redacted_export() {
    let tmp = tempfile::tempdir().unwrap();
    let case = copy_of(tmp.path(), "typed", base_case());
    let raw = identifiers(&case);
    let (ip, card): (String, String) = Connection::open(&case)
        .unwrap()
        .query_row(
            "SELECT signup_ip, payment_fingerprint FROM accounts \
             WHERE signup_ip IS NOT NULL AND payment_fingerprint IS NOT NULL LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    {
        // Flexible typing lets text into number columns and blobs into
        // text columns; the schema check cannot see it.
        let conn = Connection::open(&case).unwrap();
        conn.execute(
            "UPDATE clusters SET exchanges = ?1 WHERE id = (SELECT min(id) FROM clusters)",
            [&ip],
        )
        .unwrap();
        conn.execute(
            "UPDATE link_evidence SET example = CAST(?1 AS BLOB) \
             WHERE (a, b, kind) = (SELECT a, b, kind FROM link_evidence ORDER BY a, b, kind LIMIT 1)",
            [&card],
        )
        .unwrap();
        conn.execute(
            "UPDATE links SET weight = ?1 WHERE (a, b) = (SELECT a, b FROM links ORDER BY a, b LIMIT 1)",
            [format!("{ip} {card}")],
        )
        .unwrap();
    }
    let out = tmp.path().join("typed-redacted.hcase");
    let (code, stdout, err) = export_redacted(&case, &out);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("left out 3 row(s)"), "{stdout}");
    assert_eq!(leaked(&out, &raw), Vec::<String>::new());
}

#[test]
fn a_case_with_scratch_fts_or_copying_trigger_is_refused_and_its_repair_redacts_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let variants = [
        (
            "scratch",
            "CREATE TABLE scratch AS SELECT signup_ip, payment_fingerprint, email_domain FROM accounts;",
        ),
        (
            "fts",
            "CREATE VIRTUAL TABLE notes_fts USING fts5(t); \
             INSERT INTO notes_fts SELECT signup_ip || ' ' || org_name FROM accounts WHERE signup_ip IS NOT NULL;",
        ),
        (
            "copying-trigger",
            "CREATE TABLE old_values (v); \
             CREATE TRIGGER keep_old BEFORE UPDATE ON accounts BEGIN \
             INSERT INTO old_values VALUES (old.signup_ip || old.payment_fingerprint); END;",
        ),
    ];
    for (name, sql) in variants {
        let case = copy_of(tmp.path(), name, base_case());
        let raw = identifiers(&case);
        Connection::open(&case).unwrap().execute_batch(sql).unwrap();
        let out = tmp.path().join(format!("{name}-redacted.hcase"));
        let (code, _, err) = export_redacted(&case, &out);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains("refused"), "{name}: {err}");
        assert!(!out.exists() && !partial_of(&out).exists(), "{name}");
        // The way out the message names: repair, then export redacted.
        let repaired = tmp.path().join(format!("{name}-repaired.hcase"));
        let (code, _, err) = run(&[
            "repair",
            case.to_str().unwrap(),
            "--out",
            repaired.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{name}: {err}");
        let (code, _, err) = export_redacted(&repaired, &out);
        assert_eq!(code, 0, "{name}: {err}");
        assert_eq!(leaked(&out, &raw), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn a_stale_partial_and_journal_are_replaced_not_rolled_into_the_export() {
    let tmp = tempfile::tempdir().unwrap();
    let case = copy_of(tmp.path(), "stale", base_case());
    let raw = identifiers(&case);
    let out = tmp.path().join("stale-redacted.hcase");
    // What a killed earlier export could leave: a raw copy and a journal.
    std::fs::copy(&case, partial_of(&out)).unwrap();
    let journal = tmp.path().join("stale-redacted.hcase.partial-journal");
    std::fs::write(&journal, vec![0xd9u8; 4096]).unwrap();
    let (code, _, err) = export_redacted(&case, &out);
    assert_eq!(code, 0, "{err}");
    assert!(!partial_of(&out).exists() && !journal.exists());
    assert_eq!(leaked(&out, &raw), Vec::<String>::new());
    Case::open_read_only(&out).unwrap();
}

#[test]
fn a_killed_redacted_export_never_leaves_a_partial_that_opens_or_holds_raw_identifiers() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = common::analysed_case(tmp.path(), Scenario::Demo, 2);
    let raw = identifiers(&demo);
    let out = tmp.path().join("killed.hcase");
    let args = |out: &Path| {
        vec![
            "export".to_string(),
            demo.to_str().unwrap().to_string(),
            "--out".into(),
            out.to_str().unwrap().to_string(),
            "--redact".into(),
            "--force".into(),
        ]
    };
    // How long a whole export takes here, to kill at points through it.
    let started = Instant::now();
    let (code, _, err) = run(&args(&out).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");
    let whole = started.elapsed();
    std::fs::remove_file(&out).unwrap();
    let mut partials_seen = 0;
    for tenth in 1..=9u32 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
            .args(args(&out))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(whole * tenth / 10);
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        let partial = partial_of(&out);
        let journal = PathBuf::from(format!("{}-journal", partial.display()));
        for file in [&partial, &journal] {
            assert_eq!(
                leaked(file, &raw),
                Vec::<String>::new(),
                "kill at {tenth}/10: {}",
                file.display()
            );
        }
        if partial.exists() {
            partials_seen += 1;
            assert!(
                Case::open_read_only(&partial).is_err(),
                "kill at {tenth}/10: the .partial opens as a case"
            );
        }
        let _ = std::fs::remove_file(&out);
    }
    // Most kills land while the file is being written.
    assert!(partials_seen > 0, "no kill landed mid-export ({whole:?})");
    // The next export starts afresh.
    let (code, _, err) = run(&args(&out).iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(code, 0, "{err}");
    assert!(!partial_of(&out).exists());
}
