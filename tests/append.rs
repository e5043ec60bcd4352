//! `hydrascope import DIR --into CASE`: a day appended to a case equals the
//! case imported whole; all or nothing; known accounts updated; repeats
//! refused or skipped; analyst work carried to the next analysis.

mod common;

use std::path::{Path, PathBuf};

use common::{colliding_request_ids, import_cli, run};

/// Splits a generated folder at `cut` (an RFC 3339 prefix): exchanges and
/// events before it, and the accounts created before it, go to `a`; the
/// rest to `b` (which also repeats the indicators and a few of `a`'s
/// events, as a re-export would). `ab` gets both, in that order.
fn split(src: &Path, dir: &Path, cut: &str) -> (PathBuf, PathBuf, PathBuf) {
    let (a, b, ab) = (dir.join("a"), dir.join("b"), dir.join("ab"));
    for d in [&a, &b, &ab] {
        std::fs::create_dir_all(d).unwrap();
    }
    let lines = |name: &str| -> Vec<String> {
        std::fs::read_to_string(src.join(name))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    let before = |line: &String, field: &str| {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        v[field].as_str().unwrap() < cut
    };
    let write = |dir: &Path, name: &str, rows: &[String]| {
        let mut text = rows.join("\n");
        if !rows.is_empty() {
            text.push('\n');
        }
        std::fs::write(dir.join(name), text).unwrap();
    };
    let parts = |name: &str, field: &str| -> (Vec<String>, Vec<String>) {
        lines(name).into_iter().partition(|l| before(l, field))
    };
    let (acc_a, acc_b) = parts("accounts.jsonl", "created_at");
    let (ex_a, ex_b) = parts("exchanges.jsonl", "ts");
    let (ev_a, ev_b) = parts("events.jsonl", "ts");
    assert!(!ex_a.is_empty() && !ex_b.is_empty() && !acc_b.is_empty());
    let indicators = lines("indicators.jsonl");
    write(&a, "accounts.jsonl", &acc_a);
    write(&a, "exchanges.jsonl", &ex_a);
    write(&a, "events.jsonl", &ev_a);
    write(&a, "indicators.jsonl", &indicators);
    write(&b, "accounts.jsonl", &acc_b);
    write(&b, "exchanges.jsonl", &ex_b);
    let mut events_b: Vec<String> = ev_a.iter().take(3).cloned().collect();
    events_b.extend(ev_b.iter().cloned());
    write(&b, "events.jsonl", &events_b);
    write(&b, "indicators.jsonl", &indicators);
    write(&ab, "accounts.jsonl", &[acc_a, acc_b].concat());
    write(&ab, "exchanges.jsonl", &[ex_a, ex_b].concat());
    write(&ab, "events.jsonl", &[ev_a, ev_b].concat());
    write(&ab, "indicators.jsonl", &indicators);
    (a, b, ab)
}

/// The generated logs split at 2026-01-19, and a case imported from the
/// days before: (the days before, the days from it on, the case).
fn case_of_the_first_days(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let logs = generated(dir);
    let (a, b, _) = split(&logs, dir, "2026-01-19");
    let case = dir.join("case.hcase");
    let (code, _, err) = import_cli(&a, &case, &[]);
    assert_eq!(code, 0, "{err}");
    (a, b, case)
}

fn generated(dir: &Path) -> PathBuf {
    let logs = dir.join("logs");
    let (code, _, err) = run(&[
        "generate",
        "--scenario",
        "tiny",
        "--seed",
        "3",
        "--out",
        logs.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    logs
}

/// A table's rows in key order, floats rounded to 9 digits (a mean or sum
/// built in two steps differs from one built at once in the last bits).
fn table(case: &Path, table: &str) -> Vec<String> {
    let conn = rusqlite::Connection::open(case).unwrap();
    let columns = conn
        .prepare(&format!("SELECT * FROM {table}"))
        .unwrap()
        .column_count();
    let order: Vec<String> = (1..=columns).map(|c| c.to_string()).collect();
    let mut stmt = conn
        .prepare(&format!(
            "SELECT * FROM {table} ORDER BY {}",
            order.join(", ")
        ))
        .unwrap();
    stmt.query_map([], |r| {
        let mut cells = Vec::new();
        for c in 0..columns {
            cells.push(match r.get_ref(c)? {
                rusqlite::types::ValueRef::Real(v) => format!("{v:.9}"),
                other => format!("{other:?}"),
            });
        }
        Ok(cells.join("|"))
    })
    .unwrap()
    .map(Result::unwrap)
    .collect()
}

/// The imported data and its dictionaries; with [`common::ROLLUPS`], every
/// table an import writes.
const DATA_TABLES: [&str; 12] = [
    "accounts",
    "exchanges",
    "exchange_extra",
    "events",
    "indicators",
    "models",
    "origins",
    "cot_values",
    "api_keys",
    "client_fingerprints",
    "templates",
    "excerpts",
];

/// Every table an import writes.
fn tables() -> impl Iterator<Item = &'static str> {
    DATA_TABLES
        .into_iter()
        .chain(common::ROLLUPS.iter().copied())
}

#[test]
fn a_day_appended_equals_the_case_imported_whole_and_keeps_the_analysts_work() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = generated(tmp.path());
    let (a, b, ab) = split(&logs, tmp.path(), "2026-01-19");
    let (case, whole) = (
        tmp.path().join("case.hcase"),
        tmp.path().join("whole.hcase"),
    );
    let (code, _, err) = import_cli(&a, &case, &[]);
    assert_eq!(code, 0, "{err}");
    // Analyse and tag the first days, as an analyst would before the next
    // day's logs arrive.
    let (code, out, err) = run(&["analyze", case.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tagged = doc["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["suspected"] == true)
        .expect("a suspected cluster")
        .clone();
    let (code, _, err) = run(&[
        "tag",
        case.to_str().unwrap(),
        "--cluster",
        tagged["id"].as_str().unwrap(),
        "--label",
        "day-one campaign",
    ]);
    assert_eq!(code, 0, "{err}");

    let (code, out, err) = run(&[
        "import",
        b.to_str().unwrap(),
        "--into",
        case.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("appended") && out.contains(" indicators the case held already)"),
        "{out}"
    );
    let (code, _, err) = import_cli(&ab, &whole, &[]);
    assert_eq!(code, 0, "{err}");
    for name in tables() {
        assert!(table(&case, name) == table(&whole, name), "{name} differs");
    }
    let meta = |case: &Path, key: &str| -> String {
        rusqlite::Connection::open(case)
            .unwrap()
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .unwrap()
    };
    for key in [
        "accounts",
        "exchanges",
        "events",
        "indicators",
        "first_ms",
        "last_ms",
    ] {
        assert_eq!(meta(&case, key), meta(&whole, key), "meta {key}");
    }
    // The append is in the audit log.
    let (code, out, err) = run(&["history", case.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("import.append"), "{out}");

    // Until it is analysed again, the case says its analysis is older.
    let info = |case: &Path| run(&["info", case.to_str().unwrap()]).1;
    assert!(
        info(&case).contains("the stored analysis predates it"),
        "{}",
        info(&case)
    );

    // The next analysis sees every day, answers as the whole case does,
    // and the tag is still there.
    let answer = |case: &Path| {
        let (code, out, err) = run(&["analyze", case.to_str().unwrap(), "--json"]);
        assert_eq!(code, 0, "{err}");
        let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
        let mut clusters: Vec<String> = doc["clusters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{} {:.6}", c["accounts"], c["score"].as_f64().unwrap()))
            .collect();
        clusters.sort();
        clusters
    };
    assert_eq!(answer(&case), answer(&whole));
    assert!(!info(&case).contains("predates"), "{}", info(&case));
    let (code, out, err) = run(&["tags", case.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("day-one campaign"), "{out}");
}

#[test]
fn an_append_is_all_or_nothing_and_refuses_a_request_id_the_case_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, case) = case_of_the_first_days(tmp.path());
    let before: Vec<Vec<String>> = tables().map(|t| table(&case, t)).collect();

    // The new day repeats one of the case's exchanges at its end, and
    // brings one known account with new details.
    let first_a = std::fs::read_to_string(a.join("exchanges.jsonl"))
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .to_string();
    let mut day = std::fs::read_to_string(b.join("exchanges.jsonl")).unwrap();
    let lines_b = day.lines().count();
    day.push_str(&first_a);
    day.push('\n');
    std::fs::write(b.join("exchanges.jsonl"), day).unwrap();
    let known: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(a.join("accounts.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let mut changed = known.clone();
    changed["verification"] = "kyc".into();
    let mut accounts = std::fs::read_to_string(b.join("accounts.jsonl")).unwrap();
    accounts.push_str(&format!("{changed}\n"));
    std::fs::write(b.join("accounts.jsonl"), accounts).unwrap();

    let (code, _, err) = run(&[
        "import",
        b.to_str().unwrap(),
        "--into",
        case.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("exchanges.jsonl:{}", lines_b + 1))
            && err.contains("duplicate request_id"),
        "{err}"
    );
    let after: Vec<Vec<String>> = tables().map(|t| table(&case, t)).collect();
    assert!(before == after, "a refused append changed the case");
    let (code, out, _) = run(&["history", case.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(code, 0);
    assert!(!out.contains("import.append"), "{out}");

    // With --skip-invalid the repeat is set aside, the rest comes in, and
    // the case's earlier import keeps its own rejects file name.
    let (code, out, err) = run(&[
        "import",
        b.to_str().unwrap(),
        "--into",
        case.to_str().unwrap(),
        "--skip-invalid",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("(1 known ones updated)"), "{out}");
    assert!(out.contains("skipped 1 invalid rows"), "{out}");
    let rejects: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("case.hcase.append-") && n.ends_with(".rejects.jsonl"))
        .collect();
    assert_eq!(rejects.len(), 1, "{rejects:?}");
    let text = std::fs::read_to_string(tmp.path().join(&rejects[0])).unwrap();
    assert!(text.contains("duplicate request_id"), "{text}");
    let conn = rusqlite::Connection::open(&case).unwrap();
    let verification: String = conn
        .query_row(
            "SELECT verification FROM accounts WHERE account_id = ?1",
            [known["account_id"].as_str().unwrap()],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(verification, "kyc");

    // An append names a case that exists.
    let (code, _, err) = run(&[
        "import",
        b.to_str().unwrap(),
        "--into",
        tmp.path().join("nowhere.hcase").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no such case to append to"), "{err}");
}

#[test]
fn a_repeat_of_the_second_of_two_look_alike_request_ids_is_refused_too() {
    // Two ids whose hash fragments collide: the second is no repeat of the
    // first and comes in; once the case holds both, a day repeating the
    // second (the one duplicate detection's map does not key on) is
    // refused, as is one repeating the first.
    let (first, second) = colliding_request_ids();
    let tmp = tempfile::tempdir().unwrap();
    let row = |id: &str, second: u32| {
        format!(
            "{{\"request_id\":\"{id}\",\"account_id\":\"a1\",\"ts\":\"2026-02-01T00:00:{second:02}Z\",\"model\":\"m\",\"input_tokens\":1,\"output_tokens\":1}}\n"
        )
    };
    let logs = tmp.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(
        logs.join("accounts.jsonl"),
        "{\"account_id\":\"a1\",\"created_at\":\"2026-01-01T00:00:00Z\"}\n",
    )
    .unwrap();
    std::fs::write(logs.join("exchanges.jsonl"), row(&first, 1)).unwrap();
    let case = tmp.path().join("case.hcase");
    let (code, _, err) = import_cli(&logs, &case, &[]);
    assert_eq!(code, 0, "{err}");
    let day = tmp.path().join("day");
    std::fs::create_dir_all(&day).unwrap();
    let append = |rows: String| {
        std::fs::write(day.join("exchanges.jsonl"), rows).unwrap();
        run(&[
            "import",
            day.to_str().unwrap(),
            "--into",
            case.to_str().unwrap(),
        ])
    };
    let (code, out, err) = append(row("fresh", 2) + &row(&second, 3));
    assert_eq!(code, 0, "{out}{err}");
    for repeated in [&second, &first] {
        let (code, _, err) = append(row("fresh-2", 4) + &row(repeated, 5));
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains("exchanges.jsonl:2")
                && err.contains(&format!("duplicate request_id {repeated:?}")),
            "{err}"
        );
    }
}

/// `meta.request_keys` and the number of hashes `request_keys` holds.
fn request_index(case: &Path) -> (Option<String>, i64, i64) {
    let conn = rusqlite::Connection::open(case).unwrap();
    let flag = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'request_keys'",
            [],
            |r| r.get(0),
        )
        .ok();
    let hashes: i64 = conn
        .query_row(
            "SELECT coalesce(sum(length(hashes)), 0) / 6 FROM request_keys",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let exchanges: i64 = conn
        .query_row("SELECT count(*) FROM exchanges", [], |r| r.get(0))
        .unwrap();
    (flag, hashes, exchanges)
}

#[test]
fn a_case_without_the_request_index_gets_it_on_its_first_append_and_refuses_repeats_either_way() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, b, case) = case_of_the_first_days(tmp.path());
    let (flag, hashes, exchanges) = request_index(&case);
    assert_eq!(flag.as_deref(), Some("complete"));
    assert!(
        exchanges > 0 && hashes == exchanges,
        "{hashes} of {exchanges}"
    );

    // A whole export is the case and keeps its index; a subset's would
    // name exchanges it leaves out, and a redacted one is rebuilt row by
    // row, so such an export carries none. A case of format 11 has none.
    // A copy of `from` named `name`, changed by `sql`.
    let altered_copy = |from: &Path, name: &str, sql: &str| {
        let out = tmp.path().join(name);
        std::fs::copy(from, &out).unwrap();
        rusqlite::Connection::open(&out)
            .unwrap()
            .execute_batch(sql)
            .unwrap();
        out
    };
    let export = |source: &Path, name: &str, more: &[&str]| {
        let out = tmp.path().join(name);
        let mut args = vec![
            "export",
            source.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(more);
        let (code, _, err) = run(&args);
        assert_eq!(code, 0, "{err}");
        out
    };
    let exported = export(&case, "exported.hcase", &[]);
    assert_eq!(request_index(&exported), request_index(&case));
    let redacted = export(&case, "redacted.hcase", &["--redact"]);
    assert_eq!(request_index(&redacted), (None, 0, exchanges));
    let old = altered_copy(
        &case,
        "old.hcase",
        "DROP TABLE account_api_keys; DROP TABLE request_keys; \
         DELETE FROM meta WHERE key LIKE 'request_key%'; PRAGMA user_version = 11;",
    );
    // A redacted export of a format 11 case, which lacks each account's
    // API keys, has them from the exchanges it copies.
    let old_redacted = export(&old, "old-redacted.hcase", &["--redact"]);
    let (held, used): (i64, i64) = rusqlite::Connection::open(&old_redacted)
        .unwrap()
        .query_row(
            "SELECT (SELECT count(*) FROM account_api_keys), \
                    (SELECT count(*) FROM (SELECT DISTINCT account, api_key FROM exchanges \
                                           WHERE api_key IS NOT NULL))",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert!(held > 0 && held == used, "{held} of {used}");
    // And of a format 10 case, which lacks each account's active minutes,
    // the minutes from the exchanges.
    let old10 = altered_copy(
        &old,
        "old10.hcase",
        "DROP TABLE account_minutes; PRAGMA user_version = 10;",
    );
    let old10_redacted = export(&old10, "old10-redacted.hcase", &["--redact"]);
    let minutes = |path: &Path| -> Vec<(i64, String)> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut stmt = conn
            .prepare("SELECT account, minutes_json FROM account_minutes ORDER BY account")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let expected = minutes(&old_redacted);
    assert!(!expected.is_empty());
    assert_eq!(minutes(&old10_redacted), expected);

    let append = |case: &Path| {
        run(&[
            "import",
            b.to_str().unwrap(),
            "--into",
            case.to_str().unwrap(),
        ])
    };
    for target in [&case, &exported, &old] {
        let (code, _, err) = append(target);
        assert_eq!(code, 0, "{}: {err}", target.display());
        let (flag, hashes, exchanges) = request_index(target);
        assert_eq!(flag.as_deref(), Some("complete"), "{}", target.display());
        assert_eq!(hashes, exchanges, "{}", target.display());
    }
    for name in tables() {
        let ours = table(&case, name);
        assert!(
            ours == table(&old, name),
            "{name} differs after a format 11 append"
        );
        assert!(
            ours == table(&exported, name),
            "{name} differs in the export"
        );
    }
    // A case built from rollups on Spark keeps no request id: it takes no
    // append, and says why.
    let spark = altered_copy(
        &old,
        "spark.hcase",
        "INSERT OR REPLACE INTO meta (key, value) VALUES ('exchanges_stored', 'no')",
    );
    let (code, _, err) = append(&spark);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("built from rollups on Spark") && err.contains("appending a day"),
        "{err}"
    );
    // The same day again: every case finds the repeat through its index.
    for target in [&case, &exported, &old] {
        let (code, _, err) = append(target);
        assert_eq!(code, 2, "{}: {err}", target.display());
        assert!(err.contains("duplicate request_id"), "{err}");
    }
}
