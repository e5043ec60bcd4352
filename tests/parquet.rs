//! Parquet sections as a data lake writes them: part folders with Hive
//! partitions, Spark's marker files, every integer width, dictionary
//! strings, timestamps of any unit, and bad rows named by part, row group
//! and row.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{StringDictionaryBuilder, TimestampMicrosecondBuilder};
use arrow_array::types::Int32Type;
use arrow_array::{
    ArrayRef, Date32Array, Float32Array, Int32Array, Int64Array, ListArray, RecordBatch,
    StringArray, TimestampNanosecondArray, UInt16Array, UInt32Array, UInt64Array,
};
use common::{assert_same_case, import_cli};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;

/// Writes `columns` as one Parquet file, `group_rows` rows per row group.
fn write_parquet(path: &Path, columns: Vec<(&str, ArrayRef)>, group_rows: usize) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(group_rows))
        .build();
    let mut writer = ArrowWriter::try_new(
        std::fs::File::create(path).unwrap(),
        batch.schema(),
        Some(props),
    )
    .unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

fn strings(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

const ACCOUNTS_JSONL: &str = "\
{\"account_id\":\"a1\",\"created_at\":\"2026-01-01T00:00:00Z\",\"org_name\":\"Acme\"}
{\"account_id\":\"a2\",\"created_at\":\"2026-01-02T00:00:00Z\",\"org_name\":\"Acme\"}
{\"account_id\":\"a3\",\"created_at\":\"2026-01-03T00:00:00Z\"}
";

/// The lake's exchanges, in the order its parts are read (by path).
const EXCHANGES_JSONL: &str = "\
{\"request_id\":\"r1\",\"account_id\":\"a1\",\"ts\":\"2026-02-01T10:00:00.123Z\",\"model\":\"m:1\",\"input_tokens\":100,\"output_tokens\":2000,\"asn\":64500,\"cot_elicitation\":0.5,\"region\":\"eu\"}
{\"request_id\":\"r2\",\"account_id\":\"a2\",\"ts\":\"2026-02-01T11:00:00Z\",\"model\":\"m:1\",\"input_tokens\":120,\"output_tokens\":1800,\"asn\":4294967295,\"cot_elicitation\":0.25}
{\"request_id\":\"r3\",\"account_id\":\"a3\",\"ts\":\"2026-02-02T08:30:00Z\",\"model\":\"m:2\",\"input_tokens\":7,\"output_tokens\":65535,\"region\":\"us\"}
";

fn write_lake(dir: &Path) {
    // accounts: created_at as RFC 3339 strings, org_name dictionary-encoded.
    let mut orgs = StringDictionaryBuilder::<Int32Type>::new();
    orgs.append_value("Acme");
    orgs.append_value("Acme");
    orgs.append_null();
    write_parquet(
        &dir.join("accounts.parquet"),
        vec![
            ("account_id", strings(&[Some("a1"), Some("a2"), Some("a3")])),
            (
                "created_at",
                strings(&[
                    Some("2026-01-01T00:00:00Z"),
                    Some("2026-01-02T00:00:00Z"),
                    Some("2026-01-03T00:00:00Z"),
                ]),
            ),
            ("org_name", Arc::new(orgs.finish())),
        ],
        1024,
    );
    // exchanges as Spark writes `df.write.partitionBy("day", "model")
    // .parquet("exchanges.parquet")`: the model only in the folder names
    // (escaped), marker files beside the parts.
    let root = dir.join("exchanges.parquet");
    let first = root.join("day=2026-02-01").join("model=m%3A1");
    let mut ts = TimestampMicrosecondBuilder::new();
    ts.append_value(1_769_940_000_123_456); // 2026-02-01T10:00:00.123456, no zone: UTC
    ts.append_value(1_769_943_600_000_000);
    write_parquet(
        &first.join("part-00000-abc.snappy.parquet"),
        vec![
            ("request_id", strings(&[Some("r1"), Some("r2")])),
            ("account_id", strings(&[Some("a1"), Some("a2")])),
            ("ts", Arc::new(ts.finish())),
            ("input_tokens", Arc::new(Int32Array::from(vec![100, 120]))),
            (
                "output_tokens",
                Arc::new(UInt16Array::from(vec![2000, 1800])),
            ),
            (
                "asn",
                Arc::new(UInt32Array::from(vec![64_500, u32::MAX])) as ArrayRef,
            ),
            (
                "cot_elicitation",
                Arc::new(Float32Array::from(vec![0.5, 0.25])),
            ),
            ("region", strings(&[Some("eu"), None])),
            (
                "tool_calls",
                Arc::new(ListArray::from_iter_primitive::<Int32Type, _, _>(vec![
                    Some(vec![Some(1)]),
                    None,
                ])),
            ),
        ],
        1024,
    );
    std::fs::write(first.join(".part-00000-abc.snappy.parquet.crc"), b"crc").unwrap();
    let second = root.join("day=2026-02-02").join("model=m%3A2");
    write_parquet(
        &second.join("part-00001-abc.snappy.parquet"),
        vec![
            ("request_id", strings(&[Some("r3")])),
            ("account_id", strings(&[Some("a3")])),
            (
                "ts",
                Arc::new(
                    TimestampNanosecondArray::from(vec![1_770_021_000_000_000_000])
                        .with_timezone("+02:00"),
                ),
            ),
            ("input_tokens", Arc::new(Int64Array::from(vec![7]))),
            ("output_tokens", Arc::new(UInt64Array::from(vec![65_535]))),
            ("region", strings(&[Some("us")])),
        ],
        1024,
    );
    std::fs::write(root.join("_SUCCESS"), b"").unwrap();
}

#[test]
fn a_spark_style_lake_imports_to_the_same_case_as_its_json_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let lake = tmp.path().join("lake");
    write_lake(&lake);
    let text = tmp.path().join("text");
    std::fs::create_dir_all(&text).unwrap();
    std::fs::write(text.join("accounts.jsonl"), ACCOUNTS_JSONL).unwrap();
    std::fs::write(text.join("exchanges.jsonl"), EXCHANGES_JSONL).unwrap();

    let (from_lake, from_text) = (tmp.path().join("l.hcase"), tmp.path().join("t.hcase"));
    let (code, out, err) = import_cli(&lake, &from_lake, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3 accounts, 3 exchanges"), "{out}");
    // The partition key that names no field, and the column a case cannot
    // keep, are each said once; the marker files are not.
    assert!(
        err.contains("partition key `day` is not a field of exchanges"),
        "{err}"
    );
    assert!(err.contains("column `tool_calls`"), "{err}");
    assert!(!err.contains("_SUCCESS") && !err.contains(".crc"), "{err}");
    let (code, out, err) = import_cli(&text, &from_text, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_same_case(&from_lake, &from_text);
}

#[test]
fn bad_parquet_rows_are_named_by_part_row_group_and_row_and_rejected_as_json() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("accounts.jsonl"), ACCOUNTS_JSONL).unwrap();
    write_parquet(
        &dir.join("exchanges.parquet"),
        vec![
            ("request_id", strings(&[Some("r1"), Some("r2"), Some("r3")])),
            ("account_id", strings(&[Some("a1"), Some("a2"), Some("a3")])),
            (
                "ts",
                strings(&[
                    Some("2026-02-01T10:00:00Z"),
                    Some("2026-02-01T11:00:00Z"),
                    Some("yesterday"),
                ]),
            ),
            ("model", strings(&[Some("m"), Some("m"), Some("m")])),
            ("input_tokens", Arc::new(Int64Array::from(vec![1, 2, 3]))),
            ("output_tokens", Arc::new(Int64Array::from(vec![1, 2, 3]))),
        ],
        2,
    );
    let case = tmp.path().join("c.hcase");
    let (code, _, err) = import_cli(&dir, &case, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("exchanges.parquet (row group 1), row 3: field `ts`:")
            && err.contains("yesterday"),
        "{err}"
    );
    assert!(!case.exists());

    let (code, out, err) = import_cli(&dir, &case, &["--skip-invalid"]);
    assert_eq!(code, 0, "{out}{err}");
    let rejects = std::fs::read_to_string(tmp.path().join("c.hcase.rejects.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(rejects.trim()).unwrap();
    assert_eq!(record["file"], "exchanges.parquet (row group 1)");
    assert_eq!(record["line"], 3);
    assert_eq!(record["field"], "ts");
    let row: serde_json::Value = serde_json::from_str(record["row"].as_str().unwrap()).unwrap();
    assert_eq!(row["request_id"], "r3");
    assert_eq!(row["ts"], "yesterday");
    assert_eq!(row["input_tokens"], 3);

    // A duplicate found by the case builder is rendered from the exchange.
    std::fs::remove_file(dir.join("exchanges.parquet")).unwrap();
    write_parquet(
        &dir.join("exchanges").join("part-0.parquet"),
        vec![
            ("request_id", strings(&[Some("r1"), Some("r1")])),
            ("account_id", strings(&[Some("a1"), Some("a1")])),
            (
                "ts",
                strings(&[Some("2026-02-01T10:00:00Z"), Some("2026-02-01T10:00:01Z")]),
            ),
            ("model", strings(&[Some("m"), Some("m")])),
            ("input_tokens", Arc::new(Int64Array::from(vec![1, 2]))),
            ("output_tokens", Arc::new(Int64Array::from(vec![1, 2]))),
        ],
        1024,
    );
    let (code, _, err) = import_cli(&dir, &case, &["--force"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("exchanges/part-0.parquet (row group 0), row 2: field `request_id`:"),
        "{err}"
    );
}

#[test]
fn unusable_parquet_is_refused_with_what_and_where() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("logs");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("accounts.jsonl"), ACCOUNTS_JSONL).unwrap();
    let case = tmp.path().join("c.hcase");
    let base = |ts: ArrayRef| {
        vec![
            ("request_id", strings(&[Some("r1")])),
            ("account_id", strings(&[Some("a1")])),
            ("ts", ts),
            ("model", strings(&[Some("m")])),
            (
                "input_tokens",
                Arc::new(Int64Array::from(vec![1])) as ArrayRef,
            ),
            (
                "output_tokens",
                Arc::new(Int64Array::from(vec![1])) as ArrayRef,
            ),
        ]
    };
    let cases: Vec<(Vec<(&str, ArrayRef)>, &str)> = vec![
        (
            base(Arc::new(Date32Array::from(vec![20_000]))),
            "column `ts` has the Arrow type Date32",
        ),
        (
            base(strings(&[Some("2026-02-01T10:00:00Z")]))
                .into_iter()
                .filter(|(name, _)| *name != "model")
                .collect(),
            "has no column `model`, which the contract requires",
        ),
        (
            base(strings(&[Some("2026-02-01T10:00:00Z")]))
                .into_iter()
                .map(|(name, array)| match name {
                    "input_tokens" => (
                        name,
                        Arc::new(UInt64Array::from(vec![u64::MAX])) as ArrayRef,
                    ),
                    _ => (name, array),
                })
                .collect(),
            "field `input_tokens`: 18446744073709551615 is outside",
        ),
    ];
    for (columns, expected) in cases {
        write_parquet(&dir.join("exchanges.parquet"), columns, 1024);
        let (code, _, err) = import_cli(&dir, &case, &[]);
        assert_eq!(code, 2, "{err}");
        assert!(
            err.contains(expected) && err.contains("exchanges.parquet"),
            "{expected}: {err}"
        );
        assert!(!case.exists());
    }
    std::fs::write(dir.join("exchanges.parquet"), b"PAR1 but not really").unwrap();
    let (code, _, err) = import_cli(&dir, &case, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("exchanges.parquet: not a readable Parquet file"),
        "{err}"
    );
    std::fs::remove_file(dir.join("exchanges.parquet")).unwrap();
    std::fs::create_dir_all(dir.join("exchanges").join("day=2026-02-01")).unwrap();
    let (code, _, err) = import_cli(&dir, &case, &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no .parquet part files"), "{err}");
    assert!(!case.exists());
}

#[test]
fn one_day_partition_of_a_lake_is_appended_to_a_case() {
    let tmp = tempfile::tempdir().unwrap();
    let lake = tmp.path().join("lake");
    write_lake(&lake);
    // The case holds the first day, from JSON Lines.
    let first = tmp.path().join("first");
    std::fs::create_dir_all(&first).unwrap();
    std::fs::write(first.join("accounts.jsonl"), ACCOUNTS_JSONL).unwrap();
    let lines: Vec<&str> = EXCHANGES_JSONL.lines().collect();
    std::fs::write(first.join("exchanges.jsonl"), lines[..2].join("\n") + "\n").unwrap();
    let case = tmp.path().join("case.hcase");
    let (code, _, err) = import_cli(&first, &case, &[]);
    assert_eq!(code, 0, "{err}");
    // The lake's next day is appended straight from its partition folder:
    // the section comes from the folder above (`exchanges.parquet`), the
    // model from `model=m%3A2`.
    let day = lake.join("exchanges.parquet").join("day=2026-02-02");
    let (code, out, err) = common::run(&[
        "import",
        day.to_str().unwrap(),
        "--into",
        case.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(", 1 exchanges,"), "{out}");
    assert!(
        err.contains("partition key `day` is not a field of exchanges"),
        "{err}"
    );
    // The same case as all of it imported from JSON Lines at once.
    let all = tmp.path().join("all");
    std::fs::create_dir_all(&all).unwrap();
    std::fs::write(all.join("accounts.jsonl"), ACCOUNTS_JSONL).unwrap();
    std::fs::write(all.join("exchanges.jsonl"), EXCHANGES_JSONL).unwrap();
    let whole = tmp.path().join("whole.hcase");
    let (code, _, err) = import_cli(&all, &whole, &[]);
    assert_eq!(code, 0, "{err}");
    assert_same_case(&case, &whole);
    // A partition folder is no folder of logs of its own to import.
    let (code, _, err) = import_cli(&day, &tmp.path().join("new.hcase"), &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no accounts file"), "{err}");
}
