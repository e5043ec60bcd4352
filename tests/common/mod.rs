//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use hydrascope::base::Progress;
use hydrascope::case::Case;
use hydrascope::case::casework::{Origin, Who};
use hydrascope::generate::{GenerateOptions, Scenario, generate};
use hydrascope::logs::Format;

/// Generates `scenario` with `seed` directly as a case file in `dir`.
pub fn generated_case(dir: &Path, scenario: Scenario, seed: u64) -> PathBuf {
    let out = dir.join(format!("{}-{seed}.hcase", scenario.name()));
    let options = GenerateOptions {
        scenario,
        seed,
        format: Format::Jsonl,
        gzip: false,
        force: false,
    };
    generate(&out, &options, &Progress::default()).expect("generate");
    out
}

/// [`generated_case`], analysed with the default parameters.
pub fn analysed_case(dir: &Path, scenario: Scenario, seed: u64) -> PathBuf {
    let out = generated_case(dir, scenario, seed);
    hydrascope::pipeline::analyze_case(
        &Case::open(&out).unwrap(),
        &Default::default(),
        &Who::from_env(Origin::Cli),
    )
    .expect("analyze");
    out
}

/// Runs the `hydrascope` binary; returns (exit code, stdout, stderr).
pub fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_hydrascope"))
        .args(args)
        .output()
        .expect("run hydrascope");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `hydrascope import DIR --out CASE [FLAGS…]`; returns (exit code, stdout, stderr).
pub fn import_cli(dir: &Path, out: &Path, flags: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "import",
        dir.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    run(&args)
}

/// `hydrascope generate --scenario NAME --out OUT [FLAGS…]`; returns (exit code, stdout, stderr).
pub fn generate_cli(scenario: &str, out: &Path, flags: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "generate",
        "--scenario",
        scenario,
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(flags);
    run(&args)
}

/// Generates the tiny scenario as a folder.
pub fn tiny_folder(dir: &Path, seed: u64, format: Format, gzip: bool) -> PathBuf {
    let out = dir.join(format!("logs-{seed}-{format:?}-{gzip}"));
    let options = GenerateOptions {
        scenario: Scenario::Tiny,
        seed,
        format,
        gzip,
        force: false,
    };
    generate(&out, &options, &Progress::default()).expect("generate tiny");
    out
}

/// Every exchange of a case, rendered as text, in stored order.
pub fn exchange_lines(case: &Case) -> Vec<String> {
    let mut lines = Vec::new();
    case.for_each_exchange(|e| lines.push(format!("{e:?}")))
        .expect("read exchanges");
    lines
}

/// The rollup tables a case stores.
pub use hydrascope::case::schema::ROLLUP_TABLES as ROLLUPS;

/// Asserts two cases hold the same records and the same rollups.
pub fn assert_same_case(a: &Path, b: &Path) {
    let a = Case::open_read_only(a).expect("open a");
    let b = Case::open_read_only(b).expect("open b");
    assert_eq!(a.accounts().unwrap(), b.accounts().unwrap());
    assert_eq!(a.events().unwrap(), b.events().unwrap());
    assert_eq!(a.indicators().unwrap(), b.indicators().unwrap());
    let (ea, eb) = (exchange_lines(&a), exchange_lines(&b));
    assert_eq!(ea.len(), eb.len());
    assert!(ea == eb, "exchanges differ");
    for table in ROLLUPS {
        assert_eq!(
            a.table_fingerprint(table).unwrap(),
            b.table_fingerprint(table).unwrap(),
            "{table}"
        );
    }
}

/// Files in a directory whose names contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(needle))
        .collect()
}

/// Turns a closed current-format case back into format 5, as a build from
/// before merges wrote it: without the merge tables and columns.
pub fn downgrade_to_format_5(path: &Path) {
    let conn = rusqlite::Connection::open(path).expect("open to downgrade");
    conn.execute_batch(
        "DROP TABLE account_api_keys; DROP TABLE request_keys; DELETE FROM meta WHERE key IN ('request_keys', 'request_key_runs'); DROP TABLE account_minutes; DROP TABLE notes; DROP TABLE note_accounts; DROP TABLE saved_views; DROP TABLE saved_view_accounts; \
         DROP TABLE account_model_hourly; DROP TABLE template_profiles; \
         ALTER TABLE template_stats DROP COLUMN example; \
         ALTER TABLE account_summary DROP COLUMN cot_scored; \
         ALTER TABLE account_summary DROP COLUMN cot_high; \
         DROP TABLE campaigns; DROP TABLE campaign_clusters; \
         ALTER TABLE clusters DROP COLUMN scale; ALTER TABLE clusters DROP COLUMN exculpation; \
         DROP TABLE merges; DROP TABLE merge_conflicts; \
         ALTER TABLE tags DROP COLUMN merged_from; \
         ALTER TABLE audit_log DROP COLUMN merged_from; \
         ALTER TABLE audit_log DROP COLUMN source_id; \
         PRAGMA user_version = 5;",
    )
    .expect("downgrade to format 5");
}

/// Every identifier value of the case at `path` as the importer stored it
/// (4 characters or more: shorter ones are not replaced inside free text).
pub fn raw_identifiers(path: &Path) -> std::collections::BTreeSet<String> {
    let conn = rusqlite::Connection::open(path).expect("open to read identifiers");
    let mut all = std::collections::BTreeSet::new();
    for sql in [
        "SELECT org_name FROM accounts WHERE org_name IS NOT NULL",
        "SELECT email_domain FROM accounts WHERE email_domain IS NOT NULL",
        "SELECT payment_fingerprint FROM accounts WHERE payment_fingerprint IS NOT NULL",
        "SELECT signup_ip FROM accounts WHERE signup_ip IS NOT NULL",
        "SELECT ip FROM origins WHERE ip IS NOT NULL",
        "SELECT prefix FROM origins WHERE prefix IS NOT NULL",
        "SELECT key_id FROM api_keys",
        "SELECT fingerprint FROM client_fingerprints",
        "SELECT text FROM excerpts",
        "SELECT value FROM indicators WHERE kind IN ('ip', 'cidr', 'payment_fingerprint', 'email_domain', 'client_fingerprint')",
    ] {
        let mut stmt = conn.prepare(sql).expect("identifier query");
        let values = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .expect("identifier rows");
        all.extend(values.map(|v| v.expect("identifier")));
    }
    all.retain(|v| v.len() >= hydrascope::case::export::MIN_REDACTED_SUBSTRING);
    all
}

/// Two request ids whose hashes share the 32 bits duplicate detection keys on.
pub fn colliding_request_ids() -> (String, String) {
    let mut seen = std::collections::HashMap::new();
    for i in 0u64.. {
        let id = format!("req-{i}");
        let fragment = xxhash_rust::xxh3::xxh3_64(id.as_bytes()) >> 32;
        if let Some(earlier) = seen.insert(fragment, id.clone()) {
            return (earlier, id);
        }
    }
    unreachable!()
}
