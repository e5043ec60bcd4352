//! `hydrascope import`: round trips, formats, and every class of bad input.

mod common;

use std::borrow::Cow;
use std::net::IpAddr;
use std::path::Path;

use common::{
    assert_same_case, colliding_request_ids, exchange_lines, files_containing, generate_cli,
    import_cli, tiny_folder,
};
use hydrascope::base::Progress;
use hydrascope::case::Case;
use hydrascope::import::{ImportOptions, import_folder};
use hydrascope::logs::record::{
    Account, Capability, Event, EventKind, Exchange, Indicator, IndicatorKind,
};
use hydrascope::logs::{Format, LogWriter};

fn account(id: &str) -> Account {
    Account {
        account_id: id.to_string(),
        created_ms: 1_767_225_600_123,
        org_name: Some("Acme \"Research\", Inc.".into()),
        email_domain: Some("acme.example".into()),
        payment_fingerprint: Some("pm_7f2a".into()),
        signup_ip: Some("2001:db8:0:1::7".parse().unwrap()),
        billing_country: Some("DE".into()),
        access_path: Some("reseller:hydrarelay".into()),
        verification: Some("kyc".into()),
        extra_json: None,
    }
}

fn full_exchange<'a>(request_id: &'a str, account_id: &'a str) -> Exchange<'a> {
    Exchange {
        request_id: Cow::Borrowed(request_id),
        account_id: Cow::Borrowed(account_id),
        ts_ms: 1_770_122_096_789,
        model: Cow::Borrowed("aurora-3-large"),
        input_tokens: hydrascope::logs::section::MAX_TOKENS,
        output_tokens: 0,
        ip: Some("203.0.113.9".parse::<IpAddr>().unwrap()),
        asn: Some(4_294_967_295),
        api_key_id: Some(Cow::Borrowed("key_1")),
        client_fingerprint: Some(Cow::Borrowed("cf_ab")),
        prompt_template: Some(0xfedc_ba98_7654_3210),
        capability: Some(Capability::SensitiveRewrite),
        cot_elicitation: Some(0.123_456_789),
        prompt_excerpt: Some(Cow::Borrowed("Line one,\n\"quoted\" — ünïcode, tab\there")),
        extra_json: None,
    }
}

fn sparse_exchange<'a>(request_id: &'a str, account_id: &'a str) -> Exchange<'a> {
    Exchange {
        request_id: Cow::Borrowed(request_id),
        account_id: Cow::Borrowed(account_id),
        ts_ms: 1_770_000_000_000,
        model: Cow::Borrowed("aurora-2-mid"),
        input_tokens: 1,
        output_tokens: 2,
        ip: None,
        asn: None,
        api_key_id: None,
        client_fingerprint: None,
        prompt_template: None,
        capability: None,
        cot_elicitation: None,
        prompt_excerpt: None,
        extra_json: None,
    }
}

fn events_and_indicators() -> (Vec<Event>, Vec<Indicator>) {
    let events = vec![
        Event {
            ts_ms: 1_770_000_000_000,
            kind: EventKind::ModelRelease,
            model: Some("aurora-3-large".into()),
            account_id: None,
            text: Some("released".into()),
            extra_json: None,
        },
        Event {
            ts_ms: 1_770_100_000_000,
            kind: EventKind::AccountBanned,
            model: None,
            account_id: Some("acct-b".into()),
            text: None,
            extra_json: None,
        },
    ];
    let indicators = vec![
        Indicator {
            kind: IndicatorKind::Cidr,
            value: "45.146.12.0/24".into(),
            source: Some("partner".into()),
            note: Some("egress".into()),
            extra_json: None,
        },
        Indicator {
            kind: IndicatorKind::PromptTemplate,
            value: "fedcba9876543210".into(),
            source: None,
            note: None,
            extra_json: None,
        },
    ];
    (events, indicators)
}

fn write_full_folder(dir: &Path, format: Format, gzip: bool) {
    let mut w = LogWriter::create(dir, format, gzip).unwrap();
    w.account(&account("acct-a")).unwrap();
    w.account(&Account {
        account_id: "acct-b".into(),
        created_ms: 0,
        ..account("x")
    })
    .unwrap();
    w.exchange(&full_exchange("req-1", "acct-a")).unwrap();
    w.exchange(&sparse_exchange("req-2", "acct-b")).unwrap();
    let (events, indicators) = events_and_indicators();
    for e in &events {
        w.event(e).unwrap();
    }
    for i in &indicators {
        w.indicator(i).unwrap();
    }
    w.finish().unwrap();
}

fn import(dir: &Path, out: &Path) -> hydrascope::import::ImportReport {
    import_folder(dir, out, &ImportOptions::default(), &Progress::default()).expect("import")
}

#[test]
fn import_round_trips_every_field_in_jsonl_csv_gzip_and_parquet() {
    let tmp = tempfile::tempdir().unwrap();
    for (format, gzip) in [
        (Format::Jsonl, false),
        (Format::Csv, false),
        (Format::Jsonl, true),
        (Format::Csv, true),
        (Format::Parquet, false),
    ] {
        let dir = tmp.path().join(format!("{format:?}-{gzip}"));
        write_full_folder(&dir, format, gzip);
        let out = tmp.path().join(format!("{format:?}-{gzip}.hcase"));
        let report = import(&dir, &out);
        assert_eq!((report.stats.accounts, report.stats.exchanges), (2, 2));
        assert_eq!((report.stats.events, report.stats.indicators), (2, 2));
        let case = Case::open(&out).unwrap();
        let mut b = account("x");
        b.account_id = "acct-b".into();
        b.created_ms = 0;
        assert_eq!(case.accounts().unwrap(), vec![account("acct-a"), b]);
        let mut read = Vec::new();
        case.for_each_exchange(|e| read.push(format!("{e:?}")))
            .unwrap();
        assert_eq!(
            read,
            vec![
                format!("{:?}", full_exchange("req-1", "acct-a")),
                format!("{:?}", sparse_exchange("req-2", "acct-b"))
            ],
            "{format:?} gzip={gzip}"
        );
        let (events, indicators) = events_and_indicators();
        assert_eq!(case.events().unwrap(), events);
        assert_eq!(case.indicators().unwrap(), indicators);
    }
}

#[test]
fn import_keeps_unknown_fields_and_normalises_offsets_to_utc() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("accounts.jsonl"),
        "{\"account_id\":\"a1\",\"created_at\":\"2026-01-01T08:00:00+08:00\",\"tier\":\"gold\",\"tags\":[1,2]}\n\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("exchanges.csv"),
        "request_id,account_id,ts,model,input_tokens,output_tokens,region\n\
         r1,a1,2026-02-03T12:34:56.789-05:00,m,10,20,eu-west\n",
    )
    .unwrap();
    let out = tmp.path().join("c.hcase");
    let report = import(&dir, &out);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("tier") && w.contains("tags")),
        "{:?}",
        report.warnings
    );
    let case = Case::open(&out).unwrap();
    let accounts = case.accounts().unwrap();
    assert_eq!(accounts[0].created_ms, 1_767_225_600_000);
    assert_eq!(
        accounts[0].extra_json.as_deref(),
        Some(r#"{"tier":"gold","tags":[1,2]}"#)
    );
    let lines = exchange_lines(&case);
    assert!(lines[0].contains("ts_ms: 1770140096789"), "{}", lines[0]);
    assert!(
        lines[0].contains(r#"extra_json: Some("{\"region\":\"eu-west\"}")"#),
        "{}",
        lines[0]
    );
}

#[test]
fn csv_jsonl_gzip_and_parquet_of_a_scenario_import_to_the_same_case() {
    let tmp = tempfile::tempdir().unwrap();
    let jsonl = tiny_folder(tmp.path(), 5, Format::Jsonl, false);
    let csv = tiny_folder(tmp.path(), 5, Format::Csv, false);
    let gz = tiny_folder(tmp.path(), 5, Format::Jsonl, true);
    let parquet = tiny_folder(tmp.path(), 5, Format::Parquet, false);
    assert!(
        parquet
            .join("exchanges")
            .join("part-00000.parquet")
            .is_file()
    );
    let (a, b, c, d) = (
        tmp.path().join("a.hcase"),
        tmp.path().join("b.hcase"),
        tmp.path().join("c.hcase"),
        tmp.path().join("d.hcase"),
    );
    import(&jsonl, &a);
    import(&csv, &b);
    import(&gz, &c);
    import(&parquet, &d);
    assert_same_case(&a, &b);
    assert_same_case(&a, &c);
    assert_same_case(&a, &d);
}

#[test]
fn generating_a_case_directly_equals_importing_its_logs() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tiny_folder(tmp.path(), 9, Format::Jsonl, false);
    let imported = tmp.path().join("imported.hcase");
    import(&folder, &imported);
    let direct = tmp.path().join("direct.hcase");
    let (code, _, err) = generate_cli("tiny", &direct, &["--seed", "9"]);
    assert_eq!(code, 0, "{err}");
    assert_same_case(&imported, &direct);
}

/// A minimal valid folder; `exchanges` lines are appended by each test.
fn folder_with_exchanges(dir: &Path, exchanges: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("accounts.jsonl"),
        "{\"account_id\":\"a1\",\"created_at\":\"2026-01-01T00:00:00Z\"}\n\
         {\"account_id\":\"a2\",\"created_at\":\"2026-01-01T00:00:00Z\"}\n",
    )
    .unwrap();
    std::fs::write(dir.join("exchanges.jsonl"), exchanges).unwrap();
}

const GOOD: &str = "{\"request_id\":\"r1\",\"account_id\":\"a1\",\"ts\":\"2026-02-01T00:00:00Z\",\"model\":\"m\",\"input_tokens\":1,\"output_tokens\":2}\n";

fn bad_row(request_id: &str, account: &str, ts: &str, tokens: &str) -> String {
    format!(
        "{{\"request_id\":\"{request_id}\",\"account_id\":\"{account}\",\"ts\":\"{ts}\",\"model\":\"m\",\"input_tokens\":{tokens},\"output_tokens\":2}}\n"
    )
}

#[test]
fn import_rejects_each_bad_input_class_with_exit_2_file_line_and_field_and_leaves_no_case() {
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "missing field",
            format!(
                "{GOOD}{{\"request_id\":\"r2\",\"account_id\":\"a1\",\"model\":\"m\",\"input_tokens\":1,\"output_tokens\":2}}\n"
            ),
            "field `ts`",
        ),
        (
            "bad type",
            format!(
                "{GOOD}{}",
                bad_row("r2", "a1", "2026-02-01T00:00:00Z", "\"many\"")
            ),
            "field `input_tokens`",
        ),
        (
            "negative tokens",
            format!(
                "{GOOD}{}",
                bad_row("r2", "a1", "2026-02-01T00:00:00Z", "-3")
            ),
            "field `input_tokens`",
        ),
        (
            "bad timestamp",
            format!("{GOOD}{}", bad_row("r2", "a1", "2026-02-30T00:00:00Z", "1")),
            "field `ts`",
        ),
        (
            "unknown account",
            format!(
                "{GOOD}{}",
                bad_row("r2", "nobody", "2026-02-01T00:00:00Z", "1")
            ),
            "field `account_id`",
        ),
        (
            "duplicate request id",
            format!("{GOOD}{}", bad_row("r1", "a2", "2026-02-01T00:00:00Z", "1")),
            "field `request_id`",
        ),
        (
            "broken json",
            format!("{GOOD}{{\"request_id\": \n"),
            "not a valid JSON object",
        ),
    ];
    let tmp = tempfile::tempdir().unwrap();
    for (what, exchanges, field) in cases {
        let dir = tmp.path().join(what.replace(' ', "-"));
        folder_with_exchanges(&dir, &exchanges);
        let out = dir.with_extension("hcase");
        let (code, _, err) = import_cli(&dir, &out, &[]);
        assert_eq!(code, 2, "{what}: {err}");
        assert!(err.contains("exchanges.jsonl:2:"), "{what}: {err}");
        assert!(err.contains(field), "{what}: {err}");
        assert_eq!(
            err.trim().lines().count(),
            1,
            "{what}: one line on stderr: {err}"
        );
        assert!(!out.exists(), "{what}: no case file");
        assert!(
            files_containing(tmp.path(), "partial").is_empty(),
            "{what}: no partial file"
        );
    }
}

#[test]
fn failed_import_with_force_leaves_the_existing_case_unchanged() {
    let tmp = tempfile::tempdir().unwrap();
    let good = tmp.path().join("good");
    folder_with_exchanges(&good, GOOD);
    let out = tmp.path().join("c.hcase");
    import(&good, &out);
    let before = std::fs::read(&out).unwrap();
    let bad = tmp.path().join("bad");
    folder_with_exchanges(
        &bad,
        &format!("{GOOD}{}", bad_row("r2", "a1", "yesterday", "1")),
    );
    let (code, _, err) = import_cli(&bad, &out, &["--force"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(std::fs::read(&out).unwrap(), before);
    let (code, _, err) = import_cli(&good, &out, &[]);
    assert_eq!(code, 2, "refuses to overwrite without --force");
    assert!(err.contains("--force"), "{err}");
}

#[test]
fn skip_invalid_imports_the_rest_and_writes_every_rejected_row_with_its_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    let rows = format!(
        "{GOOD}{}{}{}{}",
        bad_row("r2", "nobody", "2026-02-01T00:00:00Z", "1"),
        bad_row("r1", "a2", "2026-02-01T00:00:00Z", "1"),
        bad_row("r3", "a2", "2026-02-01T00:00:00Z", "1"),
        bad_row("r4", "a2", "not a time", "1"),
    );
    folder_with_exchanges(&dir, &rows);
    let out = tmp.path().join("c.hcase");
    let (code, stdout, err) = import_cli(&dir, &out, &["--skip-invalid"]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("skipped 3 invalid rows"), "{stdout}");
    let rejects = std::fs::read_to_string(tmp.path().join("c.hcase.rejects.jsonl")).unwrap();
    let rejects: Vec<serde_json::Value> = rejects
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut summary: Vec<(u64, String)> = rejects
        .iter()
        .map(|r| {
            (
                r["line"].as_u64().unwrap(),
                r["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    summary.sort();
    assert_eq!(
        summary,
        vec![
            (2, "account_id".to_string()),
            (3, "request_id".to_string()),
            (5, "ts".to_string())
        ]
    );
    assert!(rejects.iter().all(
        |r| r["file"] == "exchanges.jsonl" && r["row"].as_str().unwrap().contains("request_id")
    ));
    let case = Case::open(&out).unwrap();
    assert_eq!(exchange_lines(&case).len(), 2);
}

#[test]
fn missing_required_section_and_csv_header_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("accounts.csv"),
        "account_id,created_at\na1,2026-01-01T00:00:00Z\n",
    )
    .unwrap();
    let out = tmp.path().join("c.hcase");
    let (code, _, err) = import_cli(&dir, &out, &[]);
    assert_eq!(code, 2);
    assert!(err.contains("no exchanges file"), "{err}");
    std::fs::write(
        dir.join("exchanges.csv"),
        "request_id,account_id,model,input_tokens,output_tokens\n",
    )
    .unwrap();
    let (code, _, err) = import_cli(&dir, &out, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("exchanges.csv") && err.contains("`ts`"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn a_doubled_export_rejects_every_repeat_and_keeps_one_copy_of_each_row() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tiny_folder(tmp.path(), 11, Format::Jsonl, false);
    let once = std::fs::read_to_string(dir.join("exchanges.jsonl")).unwrap();
    let n = once.lines().count();
    std::fs::write(dir.join("exchanges.jsonl"), format!("{once}{once}")).unwrap();
    let out = tmp.path().join("c.hcase");
    let options = ImportOptions {
        skip_invalid: true,
        force: false,
    };
    let report = import_folder(&dir, &out, &options, &Progress::default()).unwrap();
    assert_eq!(report.stats.exchanges as usize, n);
    assert_eq!(report.rejected as usize, n);
    let rejects = std::fs::read_to_string(tmp.path().join("c.hcase.rejects.jsonl")).unwrap();
    let lines: Vec<u64> = rejects
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["line"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(lines.len(), n);
    assert!(
        lines.iter().all(|&l| l as usize > n),
        "only the second copy is rejected"
    );
    let case = Case::open(&out).unwrap();
    assert_eq!(case.summary().unwrap().exchanges as usize, n);
    // Strict mode names the first repeated line.
    let strict = tmp.path().join("strict.hcase");
    let (code, _, err) = import_cli(&dir, &strict, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(&format!("exchanges.jsonl:{}:", n + 1)),
        "{err}"
    );
    assert!(!strict.exists());
}

#[test]
fn the_first_bad_row_in_the_file_is_reported_even_when_it_is_a_duplicate() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    let rows = format!(
        "{GOOD}{}{}{}",
        bad_row("r2", "a1", "2026-02-01T00:00:00Z", "1"),
        bad_row("r1", "a2", "2026-02-01T00:00:00Z", "1"),
        bad_row("r4", "a2", "not a time", "1"),
    );
    folder_with_exchanges(&dir, &rows);
    let out = tmp.path().join("c.hcase");
    let (code, _, err) = import_cli(&dir, &out, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("exchanges.jsonl:3:") && err.contains("duplicate request_id"),
        "{err}"
    );
}

#[test]
fn bad_rows_in_accounts_and_events_are_named_too() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("accounts-bad");
    folder_with_exchanges(&dir, GOOD);
    std::fs::write(
        dir.join("accounts.jsonl"),
        "\u{feff}{\"account_id\":\"a1\",\"created_at\":\"2026-01-01T00:00:00Z\"}\n\
         {\"account_id\":\"a2\",\"created_at\":\"2026-01-01T00:00:00Z\",\"billing_country\":\"Germany\"}\n",
    )
    .unwrap();
    let out = tmp.path().join("a.hcase");
    let (code, _, err) = import_cli(&dir, &out, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("accounts.jsonl:2:") && err.contains("field `billing_country`"),
        "{err}"
    );
    assert!(!out.exists());

    let dir = tmp.path().join("events-bad");
    folder_with_exchanges(&dir, GOOD);
    std::fs::write(
        dir.join("events.csv"),
        "ts,kind,model,account_id,text\n2026-02-01T00:00:00Z,account_banned,,ghost,\n",
    )
    .unwrap();
    let out = tmp.path().join("e.hcase");
    let (code, _, err) = import_cli(&dir, &out, &[]);
    assert_eq!(code, 2);
    assert!(
        err.contains("events.csv:2:") && err.contains("field `account_id`"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn a_request_id_that_only_looks_repeated_is_kept_and_numbered_in_write_order() {
    let (first, lookalike) = colliding_request_ids();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    let rows = format!(
        "{}{}{}",
        bad_row(&first, "a1", "2026-02-01T00:00:00Z", "1"),
        bad_row(&lookalike, "a2", "2026-02-01T00:00:01Z", "1"),
        bad_row("plain", "a2", "2026-02-01T00:00:02Z", "1"),
    );
    folder_with_exchanges(&dir, &rows);
    let out = tmp.path().join("c.hcase");
    import(&dir, &out);
    let case = Case::open(&out).unwrap();
    let ids: Vec<String> = exchange_lines(&case)
        .iter()
        .map(|line| line.split('"').nth(1).unwrap().to_string())
        .collect();
    // The look-alike was held back until checked, then admitted: it is
    // stored, and numbered after the rows written before it.
    assert_eq!(ids, vec![first, "plain".to_string(), lookalike]);
}

#[test]
fn a_failed_import_leaves_the_existing_cases_rejects_file_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    folder_with_exchanges(
        &dir,
        &format!(
            "{GOOD}{}",
            bad_row("r2", "ghost", "2026-02-01T00:00:00Z", "1")
        ),
    );
    let out = tmp.path().join("c.hcase");
    let (code, _, err) = import_cli(&dir, &out, &["--skip-invalid"]);
    assert_eq!(code, 0, "{err}");
    let rejects = tmp.path().join("c.hcase.rejects.jsonl");
    let before = std::fs::read(&rejects).unwrap();
    let (code, _, _) = import_cli(&dir, &out, &["--force"]);
    assert_eq!(code, 2);
    assert_eq!(std::fs::read(&rejects).unwrap(), before);
}
