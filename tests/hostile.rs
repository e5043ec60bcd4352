//! Case files from someone else, made hostile or careless by hand: each is
//! run through every command that takes a case, and must give the expected
//! exit status, never a panic (exit 101), never a trigger's effect, and
//! never a change to the receiving case of a merge that failed.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use hydrascope::case::Case;
use hydrascope::generate::Scenario;

/// One analysed tiny case with a tag and history, made once per test run.
fn base_case() -> &'static Path {
    static BASE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, path) = BASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = common::analysed_case(dir.path(), Scenario::Tiny, 3);
        let (code, _, err) = common::run(&[
            "tag",
            path.to_str().unwrap(),
            "--cluster",
            &first_cluster(&path),
            "--label",
            "Lab A",
            "--analyst",
            "alice",
        ]);
        assert_eq!(code, 0, "{err}");
        (dir, path)
    });
    path
}

fn first_cluster(path: &Path) -> String {
    let case = Case::open_read_only(path).unwrap();
    let mut clusters = case.stored_clusters().unwrap().unwrap();
    clusters.sort_by_key(|c| std::cmp::Reverse(c.members.len()));
    clusters[0].id.clone()
}

/// Runs the binary with a time limit (a hang is a failure, not a stuck CI)
/// and holds every run of the hostile corpus to the bounds of issue 21:
/// 60 s and 2 GiB.
fn run_limited(args: &[&str]) -> (i32, String, String) {
    let (code, stdout, stderr, cost) = run_measured(args);
    assert!(
        cost.seconds <= 60.0 && cost.peak_mib <= 2048,
        "hydrascope {}: {:.1} s and {} MiB",
        args.first().unwrap_or(&""),
        cost.seconds,
        cost.peak_mib
    );
    (code, stdout, stderr)
}

/// What a run cost: wall time and peak resident memory.
struct Cost {
    seconds: f64,
    peak_mib: u64,
}

/// The child's peak resident memory so far (`VmHWM`), in KiB.
fn peak_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// [`run_limited`], measuring the run: its peak resident memory is sampled
/// every 20 ms until it exits (the high-water mark, so only growth in the
/// last 20 ms could be missed).
fn run_measured(args: &[&str]) -> (i32, String, String, Cost) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
        .args(args)
        .env("HYDRASCOPE_ANALYST", "tester")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Drain both pipes while waiting: a child blocked on a full pipe
    // would look like a hang.
    let drain = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            bytes
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let started = Instant::now();
    let mut peak = 0u64;
    let status = loop {
        // Before reaping: a finished child's status is still readable.
        peak = peak.max(peak_kib(child.id()).unwrap_or(0));
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("hydrascope {args:?} did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let cost = Cost {
        seconds: started.elapsed().as_secs_f64(),
        peak_mib: peak / 1024,
    };
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout.join().unwrap()).into_owned(),
        String::from_utf8_lossy(&stderr.join().unwrap()).into_owned(),
        cost,
    )
}

fn hash(path: &Path) -> Option<String> {
    // Never read a named pipe: that would wait for a writer.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    std::fs::read(path)
        .ok()
        .map(|bytes| blake3::hash(&bytes).to_hex().to_string())
}

/// What a hostile case must give.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Refused by every command with exit 2, file untouched.
    Refused,
    /// Commands may work (0) or refuse (2), never anything else; `verify`
    /// and a merge from it refuse.
    Damaged,
    /// Odd but within the rules: every command works.
    Works,
    /// Passes `verify`: every command works or refuses with a reason
    /// (exit 0 or 2: a merge of a case of other accounts is refused),
    /// never fails otherwise.
    Handled,
}

/// Every command that takes a case, run on `case`; checks exit statuses,
/// bounded output, and what a failed merge left.
fn through_every_command(name: &str, case: &Path, expect: Expect) {
    let dir = case.parent().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let c = s(case);
    let cluster = "c1".to_string();
    let before = hash(case);
    let case_size = std::fs::metadata(case).map_or(0, |m| m.len() as usize);
    let good = dir.join(format!("{name}-good.hcase"));
    std::fs::copy(base_case(), &good).unwrap();
    let good_hash = hash(&good);
    let out = |ext: &str| s(&dir.join(format!("{name}-out.{ext}")));
    let commands: Vec<(&str, Vec<String>)> = vec![
        ("info", vec!["info".into(), c.clone()]),
        ("verify", vec!["verify".into(), c.clone()]),
        (
            "verify --json",
            vec!["verify".into(), c.clone(), "--json".into()],
        ),
        ("tags", vec!["tags".into(), c.clone()]),
        (
            "tags --json",
            vec!["tags".into(), c.clone(), "--json".into()],
        ),
        ("history", vec!["history".into(), c.clone()]),
        (
            "history csv",
            vec!["history".into(), c.clone(), "--format".into(), "csv".into()],
        ),
        (
            "export",
            vec![
                "export".into(),
                c.clone(),
                "--out".into(),
                out("hcase"),
                "--force".into(),
            ],
        ),
        (
            "export --redact",
            vec![
                "export".into(),
                c.clone(),
                "--out".into(),
                out("r.hcase"),
                "--redact".into(),
                "--force".into(),
            ],
        ),
        (
            "render",
            vec![
                "render".into(),
                c.clone(),
                "--view".into(),
                "graph".into(),
                "--out".into(),
                out("png"),
                "--width".into(),
                "400".into(),
                "--height".into(),
                "300".into(),
                "--force".into(),
            ],
        ),
        (
            "report",
            vec![
                "report".into(),
                c.clone(),
                "--out".into(),
                out("html"),
                "--force".into(),
            ],
        ),
        (
            "merge from it",
            vec!["merge".into(), s(&good), "--from".into(), c.clone()],
        ),
        (
            "merge into it",
            vec!["merge".into(), c.clone(), "--from".into(), s(&good)],
        ),
        (
            "tag",
            vec![
                "tag".into(),
                c.clone(),
                "--cluster".into(),
                cluster,
                "--label".into(),
                "Lab B".into(),
            ],
        ),
        ("analyze", vec!["analyze".into(), c.clone()]),
    ];
    for (what, args) in &commands {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stdout, stderr, cost) = run_measured(&args);
        assert_ne!(code, 101, "{name}: {what} panicked: {stderr}");
        assert!(
            cost.seconds <= 60.0 && cost.peak_mib <= 2048,
            "{name}: {what} took {:.1} s and {} MiB",
            cost.seconds,
            cost.peak_mib
        );
        // A command that writes a file and says it worked has written it.
        if code == 0
            && let Some(at) = args.iter().position(|a| *a == "--out")
        {
            let written = std::fs::metadata(args[at + 1]).map_or(0, |m| m.len());
            assert!(written > 0, "{name}: {what} exited 0 and wrote nothing");
        }
        // Output in proportion to the case, never amplified: 2 MiB, or as
        // much as the case holds (a JSON listing of megabyte-long ids
        // carries them whole).
        assert!(
            stdout.len() < (2 << 20).max(case_size),
            "{name}: {what} printed {} bytes from a case of {case_size}",
            stdout.len()
        );
        assert!(
            !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
            "{name}: {what} printed an escape character"
        );
        if code != 0 {
            assert_eq!(
                stderr.trim_end().lines().count(),
                1,
                "{name}: {what}: one line on stderr, not {stderr:?}"
            );
        }
        match expect {
            Expect::Refused => {
                assert_eq!(code, 2, "{name}: {what}: {stderr}");
            }
            Expect::Works => {
                assert_eq!(code, 0, "{name}: {what}: {stderr}");
            }
            Expect::Handled => {
                assert!(
                    code == 0 || code == 2,
                    "{name}: {what}: exit {code}: {stderr}"
                );
                if what.starts_with("verify") {
                    assert_eq!(code, 0, "{name}: {what}: {stdout}{stderr}");
                }
            }
            Expect::Damaged => {
                assert!(
                    code == 0 || code == 2,
                    "{name}: {what}: exit {code}: {stderr}"
                );
                if *what == "verify" || *what == "merge from it" {
                    assert_eq!(code, 2, "{name}: {what} must refuse: {stdout}{stderr}");
                }
            }
        }
        if *what == "merge from it" && code != 0 {
            assert_eq!(
                hash(&good),
                good_hash,
                "{name}: a failed merge changed the receiving case"
            );
        }
    }
    if expect == Expect::Refused {
        assert_eq!(hash(case), before, "{name}: a refused case was changed");
    }
    let _ = std::fs::remove_file(&good);
}

/// A copy of the base case, changed by `sql` through a plain connection
/// (as the `sqlite3` shell would).
fn variant(dir: &Path, name: &str, sql: &str) -> PathBuf {
    let path = dir.join(format!("{name}.hcase"));
    std::fs::copy(base_case(), &path).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(sql)
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    drop(conn);
    path
}

fn no_trigger_effect(path: &Path) {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let pwned: i64 = conn
        .query_row(
            "SELECT count(*) FROM tags WHERE label = 'PWNED' OR status = 'dismissed'",
            [],
            |r| r.get(0),
        )
        .unwrap_or(0);
    assert_eq!(pwned, 0, "{}: a trigger ran", path.display());
}

#[test]
fn triggers_of_each_kind_refuse_the_case_and_never_run() {
    let tmp = tempfile::tempdir().unwrap();
    let triggers = [
        (
            "trigger-tags-insert",
            "CREATE TRIGGER t AFTER INSERT ON tags BEGIN UPDATE tags SET label = 'PWNED', status = 'dismissed'; END;",
        ),
        (
            "trigger-tags-update",
            "CREATE TRIGGER t AFTER UPDATE ON tags BEGIN UPDATE tags SET label = 'PWNED' WHERE label <> 'PWNED'; END;",
        ),
        (
            "trigger-tags-delete",
            "CREATE TRIGGER t BEFORE DELETE ON tags BEGIN DELETE FROM tag_accounts; END;",
        ),
        (
            "trigger-audit-insert",
            "CREATE TRIGGER t AFTER INSERT ON audit_log BEGIN UPDATE tags SET label = 'PWNED'; END;",
        ),
        (
            "trigger-clusters-insert",
            "CREATE TRIGGER t AFTER INSERT ON clusters BEGIN UPDATE clusters SET suspected = 0; END;",
        ),
        (
            "trigger-cross-join",
            "CREATE TRIGGER t BEFORE INSERT ON audit_log BEGIN SELECT count(*) FROM exchanges a, exchanges b, exchanges c; END;",
        ),
    ];
    for (name, sql) in triggers {
        let path = variant(tmp.path(), name, sql);
        through_every_command(name, &path, Expect::Refused);
        no_trigger_effect(&path);
    }
}

#[test]
fn views_virtual_and_scratch_tables_refuse_the_case() {
    let tmp = tempfile::tempdir().unwrap();
    let variants = [
        (
            "view-for-table",
            "DROP TABLE cluster_members; CREATE VIEW cluster_members AS SELECT id AS account, 'c1' AS cluster FROM accounts;",
        ),
        (
            "recursive-view",
            "DROP TABLE cluster_members; CREATE VIEW cluster_members AS \
             WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT x AS account, 'c1' AS cluster FROM n;",
        ),
        (
            "fts5-table",
            "CREATE VIRTUAL TABLE scratch USING fts5(ip); INSERT INTO scratch SELECT signup_ip FROM accounts;",
        ),
        (
            "scratch-table",
            "CREATE TABLE scratch AS SELECT signup_ip, payment_fingerprint FROM accounts;",
        ),
        ("changed-table", "ALTER TABLE tags ADD COLUMN extra TEXT;"),
        (
            "expression-index",
            "CREATE INDEX odd ON exchanges (abs(account));",
        ),
        ("future-version", "PRAGMA user_version = 99;"),
        ("negative-version", "PRAGMA user_version = -3;"),
        ("foreign-application", "PRAGMA application_id = 1;"),
    ];
    for (name, sql) in variants {
        let path = variant(tmp.path(), name, sql);
        through_every_command(name, &path, Expect::Refused);
    }
}

#[test]
fn an_analysts_plain_index_is_accepted() {
    let tmp = tempfile::tempdir().unwrap();
    let path = variant(
        tmp.path(),
        "plain-index",
        "CREATE INDEX exchanges_by_account ON exchanges (account, ts_ms);",
    );
    let (code, out, err) = run_limited(&["verify", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = run_limited(&["info", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn files_that_are_not_cases_are_refused_at_once() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let zip = dir.join("zip.hcase");
    std::fs::write(
        &zip,
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00 not really a case",
    )
    .unwrap();
    through_every_command("zip", &zip, Expect::Refused);
    let html = dir.join("html.hcase");
    std::fs::write(&html, b"<!doctype html><html><body>hello</body></html>").unwrap();
    through_every_command("html", &html, Expect::Refused);
    let folder = dir.join("folder.hcase");
    std::fs::create_dir(&folder).unwrap();
    through_every_command("folder", &folder, Expect::Refused);
    // An SQLite header on a body that is no database.
    let body = dir.join("body.hcase");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(std::iter::repeat_n(0xA5u8, 8192));
    std::fs::write(&body, bytes).unwrap();
    through_every_command("sqlite-header", &body, Expect::Refused);
    #[cfg(unix)]
    {
        let fifo = dir.join("fifo.hcase");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        through_every_command("fifo", &fifo, Expect::Refused);
        // A named pipe beside a sound case, as its -wal.
        let case = dir.join("piped.hcase");
        std::fs::copy(base_case(), &case).unwrap();
        let made = Command::new("mkfifo")
            .arg(dir.join("piped.hcase-wal"))
            .status()
            .unwrap();
        assert!(made.success());
        let (code, _, err) = run_limited(&["info", case.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("named pipe"), "{err}");
    }
}

#[test]
fn damaged_rows_never_panic_and_fail_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let variants = [
        (
            "huge-label",
            "UPDATE tags SET label = printf('%.*c', 4000000, 'x');",
        ),
        (
            "huge-note-and-summary",
            "UPDATE tags SET notes = printf('%.*c', 3000000, 'n'); \
             CREATE TEMP TABLE x(y); DROP TRIGGER audit_log_is_append_only_update; \
             UPDATE audit_log SET summary = printf('%.*c', 3000000, 's'); \
             CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
        ),
        ("blob-label", "UPDATE tags SET label = X'00FF00FF';"),
        ("text-score", "UPDATE clusters SET score = 'high';"),
        (
            "dangling-member",
            "UPDATE cluster_members SET account = 999999 WHERE rowid = (SELECT min(rowid) FROM cluster_members);",
        ),
        (
            "negative-rollup-account",
            "UPDATE account_summary SET account = -5 WHERE account = 1;",
        ),
        (
            "huge-tag-account",
            "INSERT INTO tag_accounts (tag, account) SELECT min(id), 1000000000000 FROM tags;",
        ),
        (
            "dangling-dictionary",
            "UPDATE exchanges SET model = 777 WHERE id = 1;",
        ),
        (
            "member-of-no-cluster",
            "UPDATE cluster_members SET cluster = 'nowhere' WHERE account = 1;",
        ),
        (
            "overflowing-tokens",
            "UPDATE exchanges SET input_tokens = 9223372036854775807 WHERE id = 1;",
        ),
    ];
    for (name, sql) in variants {
        let path = variant(tmp.path(), name, sql);
        through_every_command(name, &path, Expect::Damaged);
    }
}

#[test]
fn escape_sequences_and_formulas_in_a_case_pass_through_every_command_inert() {
    let tmp = tempfile::tempdir().unwrap();
    let path = variant(
        tmp.path(),
        "escape-sequences",
        "UPDATE tags SET label = char(27) || '[2J' || char(27) || ']0;owned' || char(7) || 'Lab', \
         analyst = '=cmd|'' /C calc''!A0';",
    );
    through_every_command("escape-sequences", &path, Expect::Works);
}

#[test]
fn a_value_over_the_read_bound_stops_the_read_instead_of_loading_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = variant(
        tmp.path(),
        "giant-label",
        "UPDATE tags SET label = printf('%.*c', 70000000, 'x');",
    );
    let (code, out, err) = run_limited(&["tags", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("too big"), "{err}");
    let (code, out, _) = run_limited(&["verify", path.to_str().unwrap(), "--json"]);
    assert_eq!(code, 2);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["check"] == "sizes" && f["table"] == "tags"),
        "{out}"
    );
}

#[test]
fn corrupt_pages_and_a_stale_wal_never_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let corrupt = dir.join("corrupt.hcase");
    std::fs::copy(base_case(), &corrupt).unwrap();
    {
        let mut bytes = std::fs::read(&corrupt).unwrap();
        let page = 4096;
        for p in [3usize, 7, 20, 40] {
            let start = p * page + 100;
            if start + 600 < bytes.len() {
                for (i, b) in bytes[start..start + 600].iter_mut().enumerate() {
                    *b = (i * 131 % 251) as u8;
                }
            }
        }
        std::fs::write(&corrupt, bytes).unwrap();
    }
    through_every_command("corrupt", &corrupt, Expect::Damaged);

    let stale = dir.join("stale.hcase");
    std::fs::copy(base_case(), &stale).unwrap();
    let mut wal = std::fs::File::create(dir.join("stale.hcase-wal")).unwrap();
    wal.write_all(&[0x37, 0x7f, 0x06, 0x82]).unwrap();
    wal.write_all(&vec![0x5a; 40_000]).unwrap();
    drop(wal);
    for args in [["info"], ["tags"], ["verify"]] {
        let (code, _, err) = run_limited(&[args[0], stale.to_str().unwrap()]);
        assert!(code == 0 || code == 2, "{args:?}: {code} {err}");
    }
}

#[test]
fn the_workbench_refuses_or_reads_hostile_cases_without_panicking() {
    use hydrascope::base::Progress;
    use hydrascope::views::model::Loaded;
    let tmp = tempfile::tempdir().unwrap();
    let hostile = variant(
        tmp.path(),
        "wb-trigger",
        "CREATE TRIGGER t AFTER INSERT ON tags BEGIN UPDATE tags SET label = 'PWNED'; END;",
    );
    let err = Loaded::read(&hostile, &Progress::default()).err().unwrap();
    assert!(err.to_string().contains("trigger t on tags"), "{err}");
    for (name, sql) in [
        (
            "wb-dangling",
            "UPDATE cluster_members SET account = 999999 WHERE account = 2;",
        ),
        ("wb-negative", "UPDATE tag_accounts SET account = -7;"),
        (
            "wb-label",
            "UPDATE tags SET label = printf('%.*c', 4000000, 'x');",
        ),
    ] {
        let path = variant(tmp.path(), name, sql);
        if let Ok(loaded) = Loaded::read_as(&path, &Progress::default(), false) {
            for tag in &loaded.casework.tags {
                assert!(tag.label.len() < 2048, "{name}: label cut for display");
            }
        }
    }
}

#[test]
fn repair_keeps_the_sound_part_and_drops_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let path = variant(
        tmp.path(),
        "to-repair",
        "CREATE TRIGGER t AFTER INSERT ON tags BEGIN UPDATE tags SET label = 'PWNED'; END; \
         CREATE TABLE scratch AS SELECT signup_ip FROM accounts; \
         UPDATE cluster_members SET cluster = 'nowhere' WHERE account = 1; \
         UPDATE exchanges SET model = 777 WHERE id = 1;",
    );
    let out = tmp.path().join("repaired.hcase");
    let (code, stdout, err) = run_limited(&[
        "repair",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("trigger t on tags"), "{stdout}");
    assert!(stdout.contains("table scratch"), "{stdout}");
    assert!(
        stdout.contains("dropped 1 row(s) of cluster_members"),
        "{stdout}"
    );
    assert!(stdout.contains("dropped 1 row(s) of exchanges"), "{stdout}");
    assert!(!tmp.path().join("repaired.hcase.partial").exists());
    let (code, out_text, err) = run_limited(&["verify", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{out_text}{err}");
    // It works as a case: tag it, and the trigger is gone.
    let (code, _, err) = run_limited(&[
        "tag",
        out.to_str().unwrap(),
        "--cluster",
        &first_cluster(&out),
        "--label",
        "Lab R",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, tags, _) = run_limited(&["tags", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(tags.contains("Lab R") && !tags.contains("PWNED"), "{tags}");
    // A clean case repairs to an identical-checking one, dropping nothing.
    let again = tmp.path().join("again.hcase");
    let (code, stdout, _) = run_limited(&[
        "repair",
        base_case().to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    assert!(!stdout.contains("dropped"), "{stdout}");
    common::assert_same_case(base_case(), &again);
}

#[test]
fn history_csv_neutralises_formulas_and_the_terminal_gets_no_escapes() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("csv.hcase");
    std::fs::copy(base_case(), &case).unwrap();
    let (code, _, err) = run_limited(&[
        "tag",
        case.to_str().unwrap(),
        "--cluster",
        &first_cluster(&case),
        "--label",
        "\u{1b}[31mred",
        "--analyst",
        "=cmd|' /C calc'!A0",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, csv, _) = run_limited(&["history", case.to_str().unwrap(), "--format", "csv"]);
    assert_eq!(code, 0);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let mut seen = false;
    for record in reader.records() {
        let record = record.unwrap();
        for cell in record.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "bare formula cell {cell:?}"
            );
            seen |= cell == "'=cmd|' /C calc'!A0";
        }
    }
    assert!(seen, "{csv}");
    for args in [vec!["tags"], vec!["history"]] {
        let (code, out, _) = run_limited(&[args[0], case.to_str().unwrap()]);
        assert_eq!(code, 0);
        assert!(!out.contains('\u{1b}'), "{args:?}: {out:?}");
        assert!(out.contains("[31mred"), "{out}");
    }
}

#[test]
fn an_older_case_with_a_foreign_object_is_refused_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let path = variant(
        tmp.path(),
        "old-hostile",
        "PRAGMA user_version = 3; CREATE TABLE extra_stuff (x);",
    );
    let (code, _, err) = run_limited(&["info", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let (code, _, err) = run_limited(&["analyze", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!err.contains("CREATE TABLE"), "{err}");
}

/// A small valid log folder (the tiny scenario as JSON Lines).
fn tiny_logs(dir: &Path) -> PathBuf {
    common::tiny_folder(dir, 5, hydrascope::logs::Format::Jsonl, false)
}

#[test]
fn import_follows_symlinked_section_files_and_refuses_a_link_to_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tiny_logs(tmp.path());
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    for section in ["accounts.jsonl", "events.jsonl"] {
        std::fs::rename(logs.join(section), elsewhere.join(section)).unwrap();
        std::os::unix::fs::symlink(elsewhere.join(section), logs.join(section)).unwrap();
    }
    let out = tmp.path().join("linked.hcase");
    let (code, stdout, err) = common::import_cli(&logs, &out, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(!stdout.contains(" 0 events"), "{stdout}");
    std::fs::remove_file(elsewhere.join("events.jsonl")).unwrap();
    let (code, _, err) = common::import_cli(&logs, &out, &["--force"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("events.jsonl"), "{err}");
}

#[test]
fn import_refuses_an_endless_line_with_its_file_and_line_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tiny_logs(tmp.path());
    // 64 MB of one line, a few hundred kilobytes compressed.
    let file = std::fs::File::create(logs.join("events.jsonl.gz")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
    gz.write_all(b"{\"ts\": \"2026-01-12T00:00:00Z\", \"kind\": \"note\"}\n")
        .unwrap();
    let chunk = vec![b'a'; 1 << 20];
    for _ in 0..64 {
        gz.write_all(&chunk).unwrap();
    }
    gz.finish().unwrap();
    let _ = std::fs::remove_file(logs.join("events.jsonl"));
    let out = tmp.path().join("long.hcase");
    let (code, _, err) = common::import_cli(&logs, &out, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("events.jsonl.gz") && err.contains("line 2 is longer than"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn import_refuses_token_counts_beyond_the_maximum_and_a_missing_output_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tiny_logs(tmp.path());
    let text = std::fs::read_to_string(logs.join("exchanges.jsonl")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut row: serde_json::Value = serde_json::from_str(&lines[2]).unwrap();
    row["input_tokens"] = serde_json::json!(i64::MAX);
    lines[2] = row.to_string();
    std::fs::write(logs.join("exchanges.jsonl"), lines.join("\n") + "\n").unwrap();
    let out = tmp.path().join("tokens.hcase");
    let (code, _, err) = common::import_cli(&logs, &out, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("exchanges.jsonl:3") && err.contains("input_tokens"),
        "{err}"
    );
    let missing = tmp.path().join("no-such-folder").join("x.hcase");
    let logs = common::tiny_folder(tmp.path(), 6, hydrascope::logs::Format::Jsonl, false);
    let (code, _, err) = common::import_cli(&logs, &missing, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no such folder"), "{err}");
}

#[cfg(unix)]
/// A copy of the base case in WAL mode at `dir/wal.hcase`, in a folder
/// made here and then made read-only (0555, its parent 0755): no `-shm`
/// can be made beside it.
fn wal_case_in_read_only(dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir(dir).unwrap();
    let case = dir.join("wal.hcase");
    std::fs::copy(base_case(), &case).unwrap();
    let conn = rusqlite::Connection::open(&case).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    drop(conn);
    assert!(!dir.join("wal.hcase-wal").exists());
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(dir.parent().unwrap(), 0o755).unwrap();
    mode(&case, 0o644).unwrap();
    mode(dir, 0o555).unwrap();
    case
}

/// Runs the binary as someone who cannot write where the read-only
/// folders of these tests are: this user, or `nobody` (through
/// `setpriv`) when this is root, who may write anywhere. `None` when that
/// cannot be arranged here (no `setpriv`, or a build folder `nobody`
/// cannot read: exit 126).
fn run_as_reader(args: &[&str]) -> Option<std::process::Output> {
    let uid = Command::new("id").arg("-u").output().unwrap();
    let bin = env!("CARGO_BIN_EXE_hydrascope");
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some(Command::new(bin).args(args).output().unwrap());
    }
    let output = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", bin])
        .args(args)
        .output()
        .ok()?;
    (output.status.code() != Some(126)).then_some(output)
}

#[test]
fn a_wal_case_in_a_folder_you_cannot_write_still_opens_read_only() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("read-only");
    let case = wal_case_in_read_only(&dir);
    let output = run_as_reader(&["info", case.to_str().unwrap()]);
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
    let Some(output) = output else {
        return; // nothing to learn here
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("accounts"), "{stdout}");
    assert!(!dir.join("wal.hcase-shm").exists());
}

#[test]
fn import_refuses_a_csv_record_that_never_ends_in_bounded_memory() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = common::tiny_folder(tmp.path(), 5, hydrascope::logs::Format::Csv, false);
    let events = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("events")
        })
        .unwrap_or_else(|| logs.join("events.csv"));
    let mut text = std::fs::read_to_string(&events)
        .unwrap_or_else(|_| "ts,kind,model,account_id,text\n".to_string());
    // A quoted field opened and never closed: every line is short, the
    // record is the rest of the file (3 MB).
    text.push_str("2026-01-12T00:00:00Z,note,,,\"an open quote\n");
    for _ in 0..100_000 {
        text.push_str("more text of the same field\n");
    }
    std::fs::write(&events, text).unwrap();
    let out = tmp.path().join("open-quote.hcase");
    let (code, _, err) = common::import_cli(&logs, &out, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("events") && err.contains("record is longer than"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!out.exists());
}

/// Runs the binary with a step budget of `steps` for every case it opens.
fn run_with_budget(steps: u64, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
        .args(args)
        .env("HYDRASCOPE_ANALYST", "tester")
        .env(hydrascope::case::STEP_BUDGET_ENV, steps.to_string())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_spent_step_budget_stops_a_command_with_exit_2_in_one_line() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("budget.hcase");
    std::fs::copy(base_case(), &case).unwrap();
    let c = case.to_str().unwrap();
    // Small work fits a small budget; a whole analysis does not.
    let (code, _, err) = run_with_budget(2_000_000, &["tags", c]);
    assert_eq!(code, 0, "{err}");
    let out = tmp.path().join("budget-out.hcase");
    for args in [
        vec!["analyze", c],
        vec!["verify", c],
        vec!["export", c, "--out", out.to_str().unwrap(), "--redact"],
    ] {
        let (code, _, err) = run_with_budget(20_000, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(
            err.contains("budget") && err.contains(hydrascope::case::STEP_BUDGET_ENV),
            "{args:?}: {err}"
        );
    }
    assert!(!out.exists() && !hydrascope::base::paths::partial_path(&out).exists());
    // The analysis stopped midway changed nothing.
    let (code, _, err) = run_limited(&["verify", c]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn huge_row_counts_in_expected_tables_cost_steps_linear_in_rows() {
    // What the schema check lets through: many rows of Hydrascope's own
    // tables. Reading them is bounded by their count, never worse.
    let tmp = tempfile::tempdir().unwrap();
    let steps_for = |rows: u64| {
        let path = variant(
            tmp.path(),
            &format!("rows-{rows}"),
            &format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {rows}) \
                 INSERT INTO tags (cluster, label, capability, status, confidence, actor, notes, \
                 analyst, created_at, updated_at, updated_by) \
                 SELECT NULL, 'ad hoc ' || i, '', 'open', 0.5, '', '', 'x', 'a', 'a', 'x' FROM n; \
                 INSERT INTO tag_accounts (tag, account) \
                 SELECT t.id, a.id FROM tags t, accounts a WHERE t.cluster IS NULL AND a.id <= 40;"
            ),
        );
        let mut case = Case::open_read_only(&path).unwrap();
        let budget = case.set_step_budget(u64::MAX / 4).unwrap();
        let state = case.casework_state().unwrap();
        assert!(state.tags.len() as u64 >= rows);
        let history = case.audit_log(None).unwrap();
        assert!(!history.is_empty());
        budget.spent_thousands()
    };
    let (small, large) = (steps_for(1_000), steps_for(8_000));
    assert!(small > 0);
    assert!(
        large < small * 8 * 2,
        "{small} thousand steps for 1,000 tags, {large} thousand for 8,000"
    );
}

#[test]
fn a_redaction_key_file_is_read_bounded_and_refused_with_exit_2_when_it_is_not_a_small_file() {
    let dir = tempfile::tempdir().unwrap();
    let case = base_case().to_str().unwrap().to_string();
    let big = dir.path().join("big.key");
    std::fs::write(&big, vec![b'k'; 100 * 1024]).unwrap();
    let fifo = dir.path().join("fifo.key");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let missing = dir.path().join("missing.key");
    for (key, says) in [
        (Path::new("/dev/zero"), "regular file"),
        (fifo.as_path(), "regular file"),
        (dir.path(), "regular file"),
        (big.as_path(), "at most"),
        (missing.as_path(), "cannot read"),
    ] {
        let out = dir.path().join("out.hcase");
        let started = Instant::now();
        let (code, _, err) = run_limited(&[
            "export",
            &case,
            "--out",
            out.to_str().unwrap(),
            "--redact",
            "--redact-key",
            key.to_str().unwrap(),
        ]);
        assert_eq!(code, 2, "{}: {err}", key.display());
        assert!(err.contains(says), "{}: {err}", key.display());
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "{}",
            key.display()
        );
        assert!(!out.exists(), "{}: an export was written", key.display());
    }
}

#[test]
fn a_huge_tag_label_is_cut_in_graph_files_not_repeated_on_every_node() {
    let dir = tempfile::tempdir().unwrap();
    // A label of a megabyte (the largest a value may be) on the biggest
    // cluster's tag.
    let case = variant(
        dir.path(),
        "huge-label",
        "UPDATE tags SET label = printf('%.*c', 1000000, 'L');",
    );
    let members = {
        let c = Case::open_read_only(&case).unwrap();
        let clusters = c.stored_clusters().unwrap().unwrap();
        clusters.iter().map(|k| k.members.len()).max().unwrap()
    };
    assert!(members >= 3, "the tagged cluster has {members} accounts");
    for ext in ["graphml", "gexf"] {
        let out = dir.path().join(format!("graph.{ext}"));
        let (code, _, err) = run_limited(&[
            "export",
            case.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{ext}: {err}");
        let size = std::fs::metadata(&out).unwrap().len();
        assert!(
            size < 2_000_000,
            "{ext}: {size} bytes for {members} tagged accounts"
        );
        let text = std::fs::read_to_string(&out).unwrap();
        assert!(
            text.contains("[truncated]"),
            "{ext}: the label is marked as cut"
        );
    }
}

#[test]
fn account_ids_of_a_megabyte_are_cut_for_drawing_and_render_and_report_succeed() {
    let dir = tempfile::tempdir().unwrap();
    let case = variant(
        dir.path(),
        "huge-ids",
        "UPDATE accounts SET account_id = printf('%.*c', 1000000, 'A') || id WHERE id <= 40;",
    );
    let s = case.to_str().unwrap();
    let out = dir.path().join("tag.png");
    let started = Instant::now();
    let (code, stdout, err) = run_limited(&[
        "render",
        s,
        "--view",
        "graph",
        "--tag",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("px"), "{stdout}");
    assert!(image::open(&out).is_ok());
    let report = dir.path().join("brief.md");
    let (code, stdout, err) = run_limited(&["report", s, "--out", report.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("2 picture(s)"), "{stdout}");
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[test]
fn addresses_written_inside_vocabulary_fields_do_not_survive_redaction() {
    let dir = tempfile::tempdir().unwrap();
    let case = variant(
        dir.path(),
        "ip-in-words",
        "UPDATE accounts SET access_path = 'reseller:203.0.113.77' WHERE id = 1;
         UPDATE accounts SET billing_country = '198.51.100.23' WHERE id = 2;
         UPDATE models SET name = 'relay-192.0.2.201-large' WHERE id = 1;",
    );
    let out = dir.path().join("redacted.hcase");
    let (code, _, err) = run_limited(&[
        "export",
        case.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--redact",
    ]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    for raw in ["203.0.113.77", "198.51.100.23", "192.0.2.201"] {
        assert!(
            !bytes.windows(raw.len()).any(|w| w == raw.as_bytes()),
            "{raw} survived redaction"
        );
    }
    // The words around them are kept.
    let conn = rusqlite::Connection::open(&out).unwrap();
    let path: String = conn
        .query_row("SELECT access_path FROM accounts WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(path.starts_with("reseller:ip-"), "{path}");
}

#[test]
fn a_forged_redacted_mark_is_not_believed_not_carried_on_and_fails_verify() {
    let dir = tempfile::tempdir().unwrap();
    let case = variant(
        dir.path(),
        "forged-mark",
        "INSERT OR REPLACE INTO meta VALUES ('redacted', '1'), ('redaction_key_id', 'deadbeefdead'),
         ('source', '(redacted)');",
    );
    let s = case.to_str().unwrap();
    assert_eq!(
        Case::open_read_only(&case).unwrap().redaction().unwrap(),
        None
    );
    let (code, stdout, _) = run_limited(&["info", s]);
    assert_eq!(code, 0);
    assert!(!stdout.contains("deadbeefdead"), "{stdout}");
    let (code, stdout, err) = run_limited(&["verify", s]);
    assert_ne!(code, 0, "verify passed a forged mark: {stdout}{err}");
    assert!(
        format!("{stdout}{err}").contains("mark is false"),
        "{stdout}{err}"
    );
    // A plain export does not carry the mark on.
    let out = dir.path().join("plain.hcase");
    let (code, _, err) = run_limited(&["export", s, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let conn = rusqlite::Connection::open(&out).unwrap();
    let marks: i64 = conn
        .query_row(
            "SELECT count(*) FROM meta WHERE key IN ('redacted', 'redaction_key_id')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(marks, 0);
    // A real redacted export keeps its mark through a plain export.
    let redacted = dir.path().join("redacted.hcase");
    let (code, _, err) =
        run_limited(&["export", s, "--out", redacted.to_str().unwrap(), "--redact"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        Case::open_read_only(&redacted)
            .unwrap()
            .redaction()
            .unwrap()
            .is_some()
    );
    let again = dir.path().join("again.hcase");
    let (code, _, err) = run_limited(&[
        "export",
        redacted.to_str().unwrap(),
        "--out",
        again.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        Case::open_read_only(&again)
            .unwrap()
            .redaction()
            .unwrap()
            .is_some()
    );
    let (code, stdout, err) = run_limited(&["verify", again.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{err}");
}

#[test]
fn more_own_indexes_than_a_case_may_hold_refuse_it_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let sql: String = (0..40)
        .map(|i| format!("CREATE INDEX extra_{i} ON link_evidence (a, kind DESC, b);"))
        .collect();
    let case = variant(dir.path(), "many-indexes", &sql);
    let s = case.to_str().unwrap();
    let before = std::fs::read(&case).unwrap();
    for args in [vec!["analyze", s], vec!["verify", s], vec!["info", s]] {
        let started = Instant::now();
        let (code, stdout, err) = run_limited(&args);
        assert_eq!(code, 2, "{args:?}: {stdout}{err}");
        assert!(
            format!("{stdout}{err}").contains("indexes of its own"),
            "{args:?}: {stdout}{err}"
        );
        assert!(started.elapsed() < Duration::from_secs(20), "{args:?}");
    }
    assert_eq!(
        std::fs::read(&case).unwrap(),
        before,
        "the refused case was changed"
    );
    // Eight are the analyst's to keep.
    let sql: String = (0..8)
        .map(|i| format!("CREATE INDEX mine_{i} ON exchanges (account, model, ts_ms);"))
        .collect();
    let case = variant(dir.path(), "eight-indexes", &sql);
    let (code, _, err) = run_limited(&["verify", case.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
}

#[test]
fn a_hot_journal_is_rolled_back_before_a_read_only_command_reads_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let live = variant(dir.path(), "live", "PRAGMA journal_mode = DELETE;");
    // A writer stopped mid-transaction: its changed pages already spilled
    // into the file, the journal beside it holding the originals.
    let conn = rusqlite::Connection::open(&live).unwrap();
    conn.execute_batch(
        "PRAGMA cache_size = 1; PRAGMA cache_spill = 1; BEGIN;
         UPDATE tags SET label = 'UNCOMMITTED';
         UPDATE exchanges SET input_tokens = input_tokens + 1;",
    )
    .unwrap();
    let crashed = dir.path().join("crashed.hcase");
    std::fs::copy(&live, &crashed).unwrap();
    let journal = dir.path().join("crashed.hcase-journal");
    std::fs::copy(dir.path().join("live.hcase-journal"), &journal).unwrap();
    drop(conn);
    assert!(std::fs::metadata(&journal).unwrap().len() > 0);
    let s = crashed.to_str().unwrap();
    let (code, stdout, err) = run_limited(&["tags", s]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !stdout.contains("UNCOMMITTED"),
        "read through the journal: {stdout}"
    );
    assert!(stdout.contains("Lab A"), "{stdout}");
    let (code, stdout, err) = run_limited(&["verify", s]);
    assert_eq!(code, 0, "{stdout}{err}");
    // A file named as an unfinished output is no case.
    let partial = dir.path().join("export.hcase.partial");
    std::fs::copy(base_case(), &partial).unwrap();
    for args in [vec!["info"], vec!["verify"], vec!["tags"]] {
        let mut args = args;
        args.push(partial.to_str().unwrap());
        let (code, _, err) = run_limited(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("unfinished output"), "{err}");
    }
}

#[test]
fn verify_fails_what_the_schema_forbids_but_a_sender_can_switch_off() {
    let dir = tempfile::tempdir().unwrap();
    for (name, sql, says) in [
        (
            "evil-status",
            "PRAGMA ignore_check_constraints = 1; UPDATE tags SET status = 'evil';",
            "is not open, confirmed or dismissed",
        ),
        (
            "wild-confidence",
            "PRAGMA ignore_check_constraints = 1; UPDATE tags SET confidence = 7.5;",
            "is outside 0..1",
        ),
        (
            "infinite-confidence",
            "PRAGMA ignore_check_constraints = 1; UPDATE tags SET confidence = 9e999;",
            "is outside 0..1",
        ),
        (
            "negative-count",
            "UPDATE clusters SET exchanges = -5 WHERE rowid = 1;",
            "is outside 0..=",
        ),
        (
            "huge-count",
            "UPDATE clusters SET exchanges = 9223372036854775807 WHERE rowid = 1;",
            "is outside 0..=",
        ),
        (
            "sequence-at-max",
            "UPDATE sqlite_sequence SET seq = 9223372036854775807 WHERE name = 'tags';",
            "near its maximum",
        ),
    ] {
        let case = variant(dir.path(), name, sql);
        let (code, stdout, err) = run_limited(&["verify", case.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {stdout}{err}");
        assert!(
            format!("{stdout}{err}").contains(says),
            "{name}: {stdout}{err}"
        );
    }
}

#[test]
fn a_merge_whose_conflicts_multiply_with_the_tags_here_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // 300 ad-hoc tags from another analyst, each on the accounts of the
    // cluster tagged "Lab A" here, each saying something else ...
    let flood = variant(
        dir.path(),
        "flood",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300)
         INSERT INTO tags (cluster, label, capability, status, confidence, actor, notes, analyst,
                           created_at, updated_at, updated_by)
         SELECT NULL, 'flood ' || i, '', 'open', 0.5, '', '', 'mallory',
                '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', 'mallory' FROM n;
         INSERT INTO tag_accounts (tag, account)
         SELECT t.id, m.account FROM tags t, cluster_members m
         WHERE t.label LIKE 'flood %'
           AND m.cluster = (SELECT cluster FROM tags WHERE label = 'Lab A');",
    );
    // ... against 10 tags here on those accounts: 3,000 conflicts, ten per
    // new tag.
    let here = variant(
        dir.path(),
        "here",
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 9)
         INSERT INTO tags (cluster, label, capability, status, confidence, actor, notes, analyst,
                           created_at, updated_at, updated_by)
         SELECT cluster, 'ours ' || i, '', 'open', 0.5, '', '', 'alice',
                '2026-01-02T00:00:00.000Z', '2026-01-02T00:00:00.000Z', 'alice'
         FROM n, (SELECT cluster FROM tags WHERE label = 'Lab A');",
    );
    let before = std::fs::read(&here).unwrap();
    let started = Instant::now();
    let (code, _, err) = run_limited(&[
        "merge",
        here.to_str().unwrap(),
        "--from",
        flood.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("3000 conflicts") && err.contains("nothing was merged"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
    assert_eq!(
        std::fs::read(&here).unwrap(),
        before,
        "the receiving case changed"
    );
}

#[test]
fn an_output_that_is_a_folder_or_too_long_a_name_is_bad_input_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let case = base_case().to_str().unwrap().to_string();
    let folder = dir.path().join("brief.html");
    std::fs::create_dir(&folder).unwrap();
    let long = dir.path().join(format!("{}.hcase", "n".repeat(249)));
    let logs = dir.path().join("logs");
    let (code, _, err) = run_limited(&[
        "generate",
        "--scenario",
        "tiny",
        "--seed",
        "2",
        "--out",
        logs.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let f = folder.to_str().unwrap();
    let l = long.to_str().unwrap();
    for args in [
        vec!["report", &case, "--out", f],
        vec!["report", &case, "--out", f, "--force"],
        vec!["export", &case, "--out", l],
        vec!["repair", &case, "--out", l],
        vec!["render", &case, "--view", "graph", "--out", f],
        vec!["import", logs.to_str().unwrap(), "--out", f, "--force"],
        vec!["import", logs.to_str().unwrap(), "--out", l],
    ] {
        let started = Instant::now();
        let (code, _, err) = run_limited(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("is a folder") || err.contains("file name is"),
            "{args:?}: {err}"
        );
        assert!(started.elapsed() < Duration::from_secs(10), "{args:?}");
    }
    assert!(!long.exists());
}

#[test]
fn reports_carry_no_control_characters_from_a_case() {
    let tmp = tempfile::tempdir().unwrap();
    let path = variant(
        tmp.path(),
        "controls",
        "UPDATE tags SET label = char(27) || '[2J' || char(27) || ']0;owned' || char(7) || 'Lab'
                                 || char(155) || '31m', notes = 'a' || char(8) || 'b';",
    );
    for ext in ["md", "html"] {
        let out = tmp.path().join(format!("brief.{ext}"));
        let (code, _, err) = run_limited(&[
            "report",
            path.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        let text = std::fs::read_to_string(&out).unwrap();
        let bad: Vec<char> = text
            .chars()
            .filter(|c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
            .collect();
        assert!(bad.is_empty(), "{ext}: {bad:?}");
        assert!(text.contains("Lab"), "{ext}");
    }
}

/// Writes `bytes` (a case) to `path` with 800 bytes of page `p` (of
/// `page` bytes) overwritten by a fixed pattern.
fn write_damaged_page(bytes: &[u8], p: usize, page: usize, path: &Path) {
    let mut damaged = bytes.to_vec();
    for (i, b) in damaged[p * page + 100..(p * page + 900).min((p + 1) * page)]
        .iter_mut()
        .enumerate()
    {
        *b = (i * 173 % 253) as u8;
    }
    std::fs::write(path, &damaged).unwrap();
}

#[test]
fn a_damaged_page_anywhere_is_read_past_or_bad_input_never_exit_1() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(base_case()).unwrap();
    let page = 4096;
    let pages = bytes.len() / page;
    let mut exits = std::collections::BTreeMap::new();
    for p in (1..pages).step_by(3) {
        let path = tmp.path().join(format!("page-{p}.hcase"));
        write_damaged_page(&bytes, p, page, &path);
        for command in ["info", "tags"] {
            let (code, _, err) = run_limited(&[command, path.to_str().unwrap()]);
            assert!(
                code == 0 || code == 2,
                "page {p}, {command}: exit {code}: {err}"
            );
            if code == 2 && err.contains("malformed") {
                assert!(
                    err.contains(path.to_str().unwrap()),
                    "page {p}, {command}: {err}"
                );
            }
            *exits.entry(code).or_insert(0) += 1;
        }
        std::fs::remove_file(&path).unwrap();
    }
    assert!(exits.contains_key(&0), "{exits:?}");
}

#[test]
fn side_files_beside_a_linked_cases_target_are_checked_too() {
    let dir = tempfile::tempdir().unwrap();
    let real_dir = dir.path().join("real");
    std::fs::create_dir(&real_dir).unwrap();
    let target = real_dir.join("case.hcase");
    std::fs::copy(base_case(), &target).unwrap();
    // A FIFO as the journal beside the target, where SQLite would read it.
    let made = Command::new("mkfifo")
        .arg(real_dir.join("case.hcase-journal"))
        .status()
        .unwrap();
    assert!(made.success());
    let link = dir.path().join("linked.hcase");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for command in ["info", "tags", "verify"] {
        let started = Instant::now();
        let (code, _, err) = run_limited(&[command, link.to_str().unwrap()]);
        assert_eq!(code, 2, "{command}: {err}");
        assert!(err.contains("case.hcase-journal"), "{command}: {err}");
        assert!(started.elapsed() < Duration::from_secs(10), "{command}");
    }
}

#[test]
fn every_command_handles_what_verify_passes_within_60_s_and_2_gib() {
    let dir = tempfile::tempdir().unwrap();
    // Odd, at the edge of the rules: values at the 1 MiB bound where ids
    // are drawn and written (a tag label that long is over its own bound,
    // which verify finds), addresses inside vocabulary fields.
    let corpus = [
        (
            "huge-label",
            "UPDATE tags SET label = printf('%.*c', 1000000, 'L');",
        ),
        (
            "huge-ids",
            "UPDATE accounts SET account_id = printf('%.*c', 1000000, 'A') || id WHERE id <= 40;",
        ),
        (
            "ip-in-words",
            "UPDATE accounts SET access_path = 'reseller:203.0.113.77' WHERE id = 1;
             UPDATE models SET name = 'relay-192.0.2.201-large' WHERE id = 1;",
        ),
    ];
    let mut passed = 0;
    for (name, sql) in corpus {
        let case = variant(dir.path(), name, sql);
        let (code, _, err) = run_limited(&["verify", case.to_str().unwrap()]);
        // What verify passes, every command handles; what it refuses, the
        // commands may refuse too.
        let expect = match code {
            0 => Expect::Handled,
            2 => Expect::Damaged,
            _ => panic!("{name}: verify exit {code}: {err}"),
        };
        passed += usize::from(code == 0);
        through_every_command(name, &case, expect);
    }
    assert!(passed >= 2, "the corpus must hold cases verify passes");
}

#[test]
fn a_redaction_that_would_make_two_rows_one_is_bad_input_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // One address in two spellings: two rows here, one row redacted.
    let case = variant(
        dir.path(),
        "two-spellings",
        "INSERT INTO origins (ip, asn, family, prefix) VALUES
           ('2001:db8::1', 64500, 6, '2001:db8::/48'),
           ('2001:DB8:0::1', 64500, 6, '2001:db8::/48');",
    );
    let out = dir.path().join("redacted.hcase");
    let (code, _, err) = run_limited(&[
        "export",
        case.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--redact",
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(
        err.contains("table origins") && err.contains("written two ways"),
        "{err}"
    );
    assert!(!out.exists());
    assert!(
        std::fs::read_dir(dir.path()).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".partial")),
        "no partial file is left"
    );
}

#[test]
fn export_and_repair_read_a_wal_case_in_a_folder_they_cannot_write() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("read-only");
    let out = tmp.path().join("out");
    let case = wal_case_in_read_only(&dir);
    std::fs::create_dir(&out).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).unwrap();
    let before = hash(&case);
    let c = case.to_str().unwrap();
    let target = |name: &str| out.join(name).to_str().unwrap().to_string();
    let (copy, redacted, repaired) = (
        target("copy.hcase"),
        target("redacted.hcase"),
        target("repaired.hcase"),
    );
    for args in [
        vec!["export", c, "--out", &copy],
        vec!["export", c, "--out", &redacted, "--redact"],
        vec!["repair", c, "--out", &repaired],
    ] {
        let Some(output) = run_as_reader(&args) else {
            let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
            return; // nothing to learn here
        };
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(0), "{args:?}: {stderr}");
        let (code, _, err) = run_limited(&["verify", args[3]]);
        assert_eq!(code, 0, "{}: {err}", args[3]);
    }
    let _ = std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755));
    assert_eq!(hash(&case), before, "the source is only read");
    assert!(!dir.join("wal.hcase-shm").exists());
}

#[test]
fn repair_reads_past_what_info_reads_past_and_cuts_an_over_long_value() {
    let tmp = tempfile::tempdir().unwrap();
    // One value over the read bound costs that value, not its account and
    // everything naming it.
    let long = variant(
        tmp.path(),
        "long-value",
        "UPDATE accounts SET org_name = printf('%.*c', 2000000, 'x') WHERE id = 1;",
    );
    let out = tmp.path().join("long-repaired.hcase");
    let (code, stdout, err) = run_limited(&[
        "repair",
        long.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("cut     1 value(s) of accounts.org_name"),
        "{stdout}"
    );
    assert!(!stdout.contains("dropped"), "{stdout}");
    let (code, _, err) = run_limited(&["verify", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let accounts = |p: &Path| -> i64 {
        rusqlite::Connection::open(p)
            .unwrap()
            .query_row("SELECT count(*) FROM accounts", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(accounts(&out), accounts(base_case()));
    // A damaged page: whatever `info` reads past, repair copies around.
    let bytes = std::fs::read(base_case()).unwrap();
    let page = 4096;
    let pages = bytes.len() / page;
    let (mut read_past, mut around) = (0, 0);
    for p in (1..pages).step_by(5) {
        let path = tmp.path().join(format!("page-{p}.hcase"));
        write_damaged_page(&bytes, p, page, &path);
        let (info, _, _) = run_limited(&["info", path.to_str().unwrap()]);
        let fixed = tmp.path().join(format!("page-{p}-repaired.hcase"));
        let (code, stdout, err) = run_limited(&[
            "repair",
            path.to_str().unwrap(),
            "--out",
            fixed.to_str().unwrap(),
        ]);
        assert!(code == 0 || code == 2, "page {p}: exit {code}: {err}");
        if info == 0 {
            read_past += 1;
            assert_eq!(
                code, 0,
                "page {p}: info reads past it, repair gives up: {err}"
            );
        }
        if code == 0 {
            let (v, _, err) = run_limited(&["verify", fixed.to_str().unwrap()]);
            assert_eq!(v, 0, "page {p}: the repaired case fails verify: {err}");
            around += usize::from(stdout.contains("damaged pages"));
            std::fs::remove_file(&fixed).unwrap();
        }
        std::fs::remove_file(&path).unwrap();
    }
    assert!(read_past > 0, "no damaged page was read past");
    assert!(around > 0, "no repair had to copy around a damaged page");
}
