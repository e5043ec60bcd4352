//! `hydrascope spark`: a case built on Apache Spark (through Spark Connect)
//! holds the same accounts and rollups as a local import of the same logs,
//! and the analysis of the two gives the same clusters, campaigns and
//! scores; bad rows and the population filter behave as documented; a case
//! without single exchanges is analysed as one with them.
//!
//! The Spark tests need a Spark Connect server: `HYDRASCOPE_SPARK_REMOTE`
//! names it (`.ci/run` starts one with `scripts/spark-connect.sh`). Without
//! it they say so and pass, unless `HYDRASCOPE_REQUIRE_SPARK` is set, as CI
//! sets it, when they fail.

mod common;

use std::path::Path;

use common::{generate_cli, import_cli, run};
use rusqlite::Connection;

/// The Spark Connect address to test against, or None (and a note) when
/// none is given and none is required.
fn spark() -> Option<String> {
    match std::env::var("HYDRASCOPE_SPARK_REMOTE") {
        Ok(remote) if !remote.is_empty() => Some(remote),
        _ => {
            assert!(
                std::env::var_os("HYDRASCOPE_REQUIRE_SPARK").is_none(),
                "HYDRASCOPE_REQUIRE_SPARK is set but HYDRASCOPE_SPARK_REMOTE names no Spark Connect server"
            );
            eprintln!(
                "skipped: no Spark Connect server (set HYDRASCOPE_SPARK_REMOTE=sc://HOST:15002; \
                 scripts/spark-connect.sh start runs one here)"
            );
            None
        }
    }
}

/// `hydrascope spark` with a few shuffle partitions (a Spark in local mode).
fn spark_cli(remote: &str, logs: &Path, out: &Path, flags: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "spark",
        "--remote",
        remote,
        "--logs",
        logs.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--shuffle-partitions",
        "4",
    ];
    args.extend_from_slice(flags);
    run(&args)
}

/// One row of a table, its values as read.
type Row = Vec<rusqlite::types::Value>;

/// Every table a case's analysis and workbench read, with dictionary ids
/// replaced by the values they stand for (two cases number them each in
/// their own way), rows sorted by their whole and exact values.
fn readable(case: &Path) -> Vec<(&'static str, Vec<Row>)> {
    const TABLES: &[(&str, &str)] = &[
        (
            "accounts",
            "SELECT id, account_id, created_ms, org_name, email_domain, payment_fingerprint, signup_ip, \
             billing_country, access_path, verification, extra_json FROM accounts",
        ),
        (
            "account_summary",
            "SELECT a.account_id, s.exchanges, s.input_tokens, s.output_tokens, s.first_ms, s.last_ms, \
             s.active_hours, s.distinct_origins, s.distinct_templates, s.distinct_models, \
             s.distinct_api_keys, s.cot_mean, c.name, s.cot_scored, s.cot_high \
             FROM account_summary s JOIN accounts a ON a.id = s.account \
             LEFT JOIN capabilities c ON c.id = s.top_capability",
        ),
        (
            "account_hourly",
            "SELECT a.account_id, h.hour, h.exchanges, h.input_tokens, h.output_tokens \
             FROM account_hourly h JOIN accounts a ON a.id = h.account",
        ),
        (
            "account_model_hourly",
            "SELECT a.account_id, h.hour, m.name, h.exchanges, h.input_tokens, h.output_tokens \
             FROM account_model_hourly h JOIN accounts a ON a.id = h.account JOIN models m ON m.id = h.model",
        ),
        (
            "account_origins",
            "SELECT a.account_id, o.ip, o.asn, o.family, o.prefix, x.exchanges FROM account_origins x \
             JOIN accounts a ON a.id = x.account JOIN origins o ON o.id = x.origin",
        ),
        (
            "account_templates",
            "SELECT a.account_id, t.hex, t.simhash, x.exchanges FROM account_templates x \
             JOIN accounts a ON a.id = x.account JOIN templates t ON t.id = x.template",
        ),
        (
            "account_client_fps",
            "SELECT a.account_id, f.fingerprint, x.exchanges FROM account_client_fps x \
             JOIN accounts a ON a.id = x.account JOIN client_fingerprints f ON f.id = x.client_fp",
        ),
        (
            "account_models",
            "SELECT a.account_id, m.name, x.exchanges FROM account_models x \
             JOIN accounts a ON a.id = x.account JOIN models m ON m.id = x.model",
        ),
        (
            "account_capabilities",
            "SELECT a.account_id, c.name, x.exchanges, x.cot_sum, x.cot_count \
             FROM account_capabilities x JOIN accounts a ON a.id = x.account \
             JOIN capabilities c ON c.id = x.capability",
        ),
        (
            "account_minutes",
            "SELECT a.account_id, x.minutes_json FROM account_minutes x JOIN accounts a ON a.id = x.account",
        ),
        (
            "template_stats",
            "SELECT t.hex, s.exchanges, s.accounts, s.first_ms, s.last_ms, x.text \
             FROM template_stats s JOIN templates t ON t.id = s.template \
             LEFT JOIN excerpts x ON x.id = s.example",
        ),
        (
            "template_profiles",
            "SELECT t.hex, p.capability, p.exchanges, p.cot_scored, p.cot_high, p.input_tokens, \
             p.output_tokens FROM template_profiles p JOIN templates t ON t.id = p.template",
        ),
        (
            "model_hourly",
            "SELECT m.name, h.hour, h.exchanges, h.input_tokens, h.output_tokens \
             FROM model_hourly h JOIN models m ON m.id = h.model",
        ),
        (
            "events",
            "SELECT ts_ms, kind, model, account_id, account, text, extra_json FROM events",
        ),
        (
            "indicators",
            "SELECT kind, value, source, note, extra_json FROM indicators",
        ),
        (
            "meta",
            "SELECT key, value FROM meta WHERE key IN \
             ('accounts', 'exchanges', 'events', 'indicators', 'first_ms', 'last_ms')",
        ),
    ];
    let conn = Connection::open(case).unwrap();
    TABLES
        .iter()
        .map(|&(name, sql)| {
            let mut stmt = conn.prepare(sql).unwrap();
            let columns = stmt.column_count();
            let mut rows: Vec<Row> = stmt
                .query_map([], |r| {
                    (0..columns)
                        .map(|i| r.get::<_, rusqlite::types::Value>(i))
                        .collect::<Result<Vec<_>, _>>()
                })
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            rows.sort_by_key(|row| format!("{row:?}"));
            (name, rows)
        })
        .collect()
}

/// Whether two rows hold the same values; sums and means of scores may
/// differ in their last bits (Spark adds them in another order).
fn same_row(a: &Row, b: &Row) -> bool {
    use rusqlite::types::Value;
    a.len() == b.len()
        && a.iter().zip(b).all(|pair| match pair {
            (Value::Real(x), Value::Real(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
            (x, y) => x == y,
        })
}

/// Asserts that two cases hold the same accounts (in the same order) and
/// rollups.
fn assert_same_rollups(local: &Path, spark: &Path) {
    let (a, b) = (readable(local), readable(spark));
    for ((name, rows_a), (_, rows_b)) in a.iter().zip(&b) {
        assert!(
            !rows_a.is_empty() || *name == "indicators",
            "{name} is empty"
        );
        let same =
            rows_a.len() == rows_b.len() && rows_a.iter().zip(rows_b).all(|(x, y)| same_row(x, y));
        if !same {
            let only_a: Vec<_> = rows_a
                .iter()
                .filter(|r| !rows_b.contains(r))
                .take(3)
                .collect();
            let only_b: Vec<_> = rows_b
                .iter()
                .filter(|r| !rows_a.contains(r))
                .take(3)
                .collect();
            panic!(
                "{name}: {} rows locally, {} from Spark; only local: {only_a:?}; only Spark: {only_b:?}",
                rows_a.len(),
                rows_b.len()
            );
        }
    }
}

/// `analyze --json` of a case, parsed.
fn analysis(case: &Path) -> serde_json::Value {
    let (code, out, err) = run(&["analyze", case.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap()
}

/// Builds `logs` locally and on Spark and checks that the two agree.
fn same_answer(remote: &str, logs: &Path, dir: &Path) {
    let (local, spark) = (dir.join("local.hcase"), dir.join("spark.hcase"));
    let (code, _, err) = import_cli(logs, &local, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = spark_cli(remote, logs, &spark, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("folded into rollups (none stored)"), "{out}");
    assert_same_rollups(&local, &spark);
    let conn = Connection::open(&spark).unwrap();
    let stored: i64 = conn
        .query_row("SELECT count(*) FROM exchanges", [], |r| r.get(0))
        .unwrap();
    assert_eq!(stored, 0, "a case from Spark holds no single exchange");
    let (a, b) = (analysis(&local), analysis(&spark));
    assert!(
        a["clusters"].as_array().unwrap().len() > 10,
        "an analysis worth comparing"
    );
    assert!(
        a["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["suspected"] == true),
        "something suspected"
    );
    assert_eq!(a, b, "the same clusters, campaigns and scores");
}

#[test]
fn the_demo_built_on_spark_holds_the_same_rollups_and_gives_the_same_analysis() {
    let Some(remote) = spark() else { return };
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let (code, _, err) = generate_cli("demo", &logs, &[]);
    assert_eq!(code, 0, "{err}");
    same_answer(&remote, &logs, dir.path());
    // The case says what it is, and a view that needs single exchanges says
    // why it cannot be drawn.
    let spark_case = dir.path().join("spark.hcase");
    let (code, out, _) = run(&["info", spark_case.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("built from rollups on Spark"), "{out}");
    let (code, _, err) = run(&[
        "export",
        spark_case.to_str().unwrap(),
        "--out",
        dir.path().join("part.hcase").to_str().unwrap(),
        "--clusters",
        "c1",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("holds no single exchanges"), "{err}");
    let (code, _, err) = run(&[
        "export",
        spark_case.to_str().unwrap(),
        "--out",
        dir.path().join("whole.hcase").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "a whole export is a copy: {err}");
}

#[test]
fn a_mid_size_lake_in_parquet_built_on_spark_gives_the_same_analysis() {
    let Some(remote) = spark() else { return };
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("lake");
    // 12,046 accounts, 854,369 exchanges in Parquet parts.
    let (code, _, err) = generate_cli(
        "families-large",
        &logs,
        &["--seed", "5", "--format", "parquet"],
    );
    assert_eq!(code, 0, "{err}");
    same_answer(&remote, &logs, dir.path());
}

/// A demo folder whose exchanges carry one row of an unknown account and
/// one with a bad timestamp.
fn demo_with_bad_rows(dir: &Path) -> std::path::PathBuf {
    let logs = dir.join("bad");
    let (code, _, err) = generate_cli("tiny", &logs, &["--seed", "4"]);
    assert_eq!(code, 0, "{err}");
    let path = logs.join("exchanges.jsonl");
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str(
        r#"{"request_id":"bad-1","account_id":"nobody","ts":"2026-02-03T00:00:00Z","model":"m","input_tokens":1,"output_tokens":2}
{"request_id":"bad-2","account_id":"nobody","ts":"yesterday","model":"m","input_tokens":1,"output_tokens":2}
"#,
    );
    std::fs::write(&path, text).unwrap();
    logs
}

#[test]
fn bad_exchanges_stop_the_spark_build_or_are_left_out_and_counted() {
    let Some(remote) = spark() else { return };
    let dir = tempfile::tempdir().unwrap();
    let logs = demo_with_bad_rows(dir.path());
    let out = dir.path().join("bad.hcase");
    let (code, _, err) = spark_cli(&remote, &logs, &out, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown account \"nobody\""), "{err}");
    assert!(err.contains("2 invalid exchange rows"), "{err}");
    assert!(!out.exists(), "no case is left behind");
    // A bad account: refused, or left out with its exchanges.
    let append = |name: &str, line: &str| {
        let path = logs.join(name);
        let mut text = std::fs::read_to_string(&path).unwrap();
        text.push_str(line);
        std::fs::write(&path, text).unwrap();
    };
    append(
        "accounts.jsonl",
        "{\"account_id\":\"late\",\"created_at\":\"soon\"}\n",
    );
    append(
        "exchanges.jsonl",
        r#"{"request_id":"bad-3","account_id":"late","ts":"2026-02-03T00:00:00Z","model":"m","input_tokens":1,"output_tokens":2}
"#,
    );
    let (code, _, err) = spark_cli(&remote, &logs, &out, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("field `created_at`: \"soon\""), "{err}");
    assert!(!out.exists(), "no case is left behind");
    let (code, out_text, err) = spark_cli(&remote, &logs, &out, &["--skip-invalid"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out_text.contains("Spark left out 3 invalid exchanges"),
        "{out_text}"
    );
    assert!(err.contains("is not an RFC 3339 timestamp"), "{err}");
    assert!(err.contains("left out 1 invalid account rows"), "{err}");
    let left_out = |key: &str| -> String {
        Connection::open(&out)
            .unwrap()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(left_out("spark_rejected_exchanges"), "3");
    assert_eq!(left_out("spark_rejected_accounts"), "1");
    // The rest is what a local import with --skip-invalid keeps.
    let local = dir.path().join("local.hcase");
    let (code, _, err) = import_cli(&logs, &local, &["--skip-invalid"]);
    assert_eq!(code, 0, "{err}");
    assert_same_rollups(&local, &out);
}

#[test]
fn the_population_filter_keeps_what_was_asked_for() {
    let Some(remote) = spark() else { return };
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let (code, _, err) = generate_cli("tiny", &logs, &["--seed", "4"]);
    assert_eq!(code, 0, "{err}");
    // The card most accounts share.
    let full = dir.path().join("full.hcase");
    let (code, _, err) = import_cli(&logs, &full, &[]);
    assert_eq!(code, 0, "{err}");
    let conn = Connection::open(&full).unwrap();
    let (card, holders): (String, i64) = conn
        .query_row(
            "SELECT payment_fingerprint, count(*) AS n FROM accounts WHERE payment_fingerprint IS NOT NULL \
             GROUP BY 1 ORDER BY n DESC, 1 LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(holders >= 2);
    let out = dir.path().join("card.hcase");
    let rule = format!("payment_fingerprint={card}");
    let (code, text, err) = spark_cli(&remote, &logs, &out, &["--only", &rule]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains(&format!("{holders} accounts")), "{text}");
    let kept: Vec<String> = Connection::open(&out)
        .unwrap()
        .prepare("SELECT DISTINCT payment_fingerprint FROM accounts")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(kept, vec![card.clone()]);
    // Seeds: one account of that card reaches the others through it.
    let seed: String = conn
        .query_row(
            "SELECT account_id FROM accounts WHERE payment_fingerprint = ?1 ORDER BY id LIMIT 1",
            [&card],
            |r| r.get(0),
        )
        .unwrap();
    let seeds = dir.path().join("seeds.txt");
    std::fs::write(&seeds, format!("# seed\n{seed}\n")).unwrap();
    let linked = dir.path().join("linked.hcase");
    let (code, _, err) = spark_cli(
        &remote,
        &logs,
        &linked,
        &["--seeds", seeds.to_str().unwrap(), "--hops", "1"],
    );
    assert_eq!(code, 0, "{err}");
    let on_card: i64 = Connection::open(&linked)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM accounts WHERE payment_fingerprint = ?1",
            [&card],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        on_card, holders,
        "every holder of the seed's card is one hop away"
    );
    // Bad filters are refused before any work.
    let (code, _, err) = spark_cli(
        &remote,
        &logs,
        &dir.path().join("x.hcase"),
        &["--only", "colour=red"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("colour is not one of"), "{err}");
}

#[test]
fn a_case_without_its_single_exchanges_is_analysed_as_with_them() {
    // What a case from Spark is: rollups without exchanges. No Spark needed.
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let (code, _, err) = generate_cli("demo-evasive", &logs, &["--seed", "2"]);
    assert_eq!(code, 0, "{err}");
    let case = dir.path().join("case.hcase");
    let (code, _, err) = import_cli(&logs, &case, &[]);
    assert_eq!(code, 0, "{err}");
    let with = analysis(&case);
    let conn = Connection::open(&case).unwrap();
    conn.execute_batch(
        "DELETE FROM exchange_extra; DELETE FROM exchanges; \
         INSERT OR REPLACE INTO meta (key, value) VALUES ('exchanges_stored', 'no');",
    )
    .unwrap();
    drop(conn);
    assert_eq!(analysis(&case), with);
    // What needs single exchanges says so, and names the case.
    let (code, _, err) = run(&[
        "render",
        case.to_str().unwrap(),
        "--view",
        "journeys",
        "--cluster",
        with["clusters"][0]["id"].as_str().unwrap(),
        "--out",
        dir.path().join("j.png").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("account journey needs them"), "{err}");
}

#[test]
fn spark_arguments_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c.hcase");
    let keep = dir.path().join("mine");
    // `hydrascope spark` at a Spark that is not there, with `extra`.
    let spark_at = |remote: &str, extra: &[&str]| {
        let mut args = vec![
            "spark",
            "--remote",
            remote,
            "--logs",
            "/nowhere",
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(extra);
        run(&args)
    };
    let (code, _, err) = spark_at("http://localhost:15002", &[]);
    assert_eq!(code, 2);
    assert!(err.contains("sc://HOST:PORT"), "{err}");
    let (code, _, err) = spark_at("sc://localhost:1", &["--min-prescore", "3"]);
    assert_eq!(code, 2);
    assert!(err.contains("from 0 to 1"), "{err}");
    // --keep never empties a folder of the analyst's.
    std::fs::create_dir(&keep).unwrap();
    std::fs::write(keep.join("notes.txt"), "mine").unwrap();
    let (code, _, err) = spark_at("sc://localhost:1", &["--keep", keep.to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already holds files"), "{err}");
    assert!(keep.join("notes.txt").exists());
    // No Python with pyspark: a clear failure (exit 1), no case.
    let (code, _, err) = spark_at("sc://localhost:1", &["--python", "/no/such/python"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("/no/such/python"), "{err}");
    assert!(!out.exists());
}
