//! Property tests over untrusted input: the activity-log row parser, and
//! opening a mutated case file. A fixed number of cases runs with the other
//! tests; `PROPTEST_CASES=20000 cargo test --release --test fuzz` runs
//! longer (README, "Run it").

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hydrascope::case::Case;
use hydrascope::case::verify::{Integrity, verify_case};
use hydrascope::generate::Scenario;
use hydrascope::logs::row::RawRow;
use hydrascope::logs::section::{
    EXCHANGE_FIELDS, account_from_row, event_from_row, exchange_from_row, indicator_from_row,
};
use proptest::prelude::*;

fn config(default_cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default_cases);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// JSON values of the kinds a row's cells can hold, odd ones included.
fn cell() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,40}".prop_map(serde_json::Value::from),
        Just(serde_json::json!("2026-01-12T00:00:00Z")),
        Just(serde_json::json!("10.0.0.1")),
        Just(serde_json::json!([1, 2])),
        Just(serde_json::json!({"a": 1})),
    ]
}

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn the_row_parser_never_panics_on_any_text(line in ".{0,300}") {
        for fields in [
            hydrascope::logs::section::ACCOUNT_FIELDS,
            EXCHANGE_FIELDS,
            hydrascope::logs::section::EVENT_FIELDS,
            hydrascope::logs::section::INDICATOR_FIELDS,
        ] {
            if let Ok(mut row) = RawRow::from_json(fields, &line) {
                let _ = exchange_from_row(&mut row);
            }
        }
    }

    #[test]
    fn the_row_parser_never_panics_on_any_object(
        values in proptest::collection::vec(cell(), EXCHANGE_FIELDS.len()),
        extra in proptest::option::of(("[a-z_]{1,12}", cell())),
    ) {
        let mut object = serde_json::Map::new();
        for (name, value) in EXCHANGE_FIELDS.iter().zip(values) {
            object.insert((*name).to_string(), value);
        }
        if let Some((name, value)) = extra {
            object.insert(name, value);
        }
        let line = serde_json::Value::Object(object).to_string();
        for (fields, validate) in [
            (hydrascope::logs::section::ACCOUNT_FIELDS, 0),
            (EXCHANGE_FIELDS, 1),
            (hydrascope::logs::section::EVENT_FIELDS, 2),
            (hydrascope::logs::section::INDICATOR_FIELDS, 3),
        ] {
            let parsed = RawRow::from_json(fields, &line);
            let general = RawRow::from_json_general(fields, &line);
            prop_assert_eq!(parsed.is_ok(), general.is_ok());
            if let Ok(mut row) = parsed {
                match validate {
                    0 => { let _ = account_from_row(&mut row); }
                    1 => {
                        if let Ok(e) = exchange_from_row(&mut row) {
                            prop_assert!(e.input_tokens <= hydrascope::logs::section::MAX_TOKENS);
                            prop_assert!(e.output_tokens >= 0);
                        }
                    }
                    2 => { let _ = event_from_row(&mut row); }
                    _ => { let _ = indicator_from_row(&mut row); }
                }
            }
        }
    }
}

/// The bytes of a small analysed case, made once.
fn case_bytes() -> &'static [u8] {
    static BYTES: OnceLock<Vec<u8>> = OnceLock::new();
    BYTES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = common::analysed_case(dir.path(), Scenario::Tiny, 9);
        std::fs::read(path).unwrap()
    })
}

fn write_mutated(dir: &Path, n: usize, mutations: &[(usize, u8)]) -> PathBuf {
    let mut bytes = case_bytes().to_vec();
    for &(at, value) in mutations {
        let at = at % bytes.len();
        bytes[at] = value;
    }
    let path = dir.join(format!("m{n}.hcase"));
    std::fs::write(&path, bytes).unwrap();
    path
}

proptest! {
    #![proptest_config(config(48))]

    #[test]
    fn opening_and_reading_a_mutated_case_never_panics(
        mutations in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..24),
        header in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut mutations = mutations;
        if header {
            // Aim some at the database header and the schema page.
            for m in mutations.iter_mut().take(4) {
                m.0 %= 8192;
            }
        }
        let path = write_mutated(dir.path(), 0, &mutations);
        let _ = verify_case(&path, Integrity::Quick);
        if let Ok(case) = Case::open_read_only(&path) {
            let _ = case.summary();
            let _ = case.casework_state();
            let _ = case.audit_log(None);
            let _ = case.stored_clusters();
            let _ = case.account_ids();
            let _ = case.merge_conflicts();
        }
    }
}
