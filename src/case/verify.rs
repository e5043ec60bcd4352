//! `hydrascope verify` and `hydrascope repair`: every check a case from
//! someone else must pass, and a clean copy of what passes.
//!
//! Both look at the case through a connection on which triggers and views
//! are off as well as hardened ([`guard::harden_for_inspection`]), and read
//! only real tables of the names the format defines, so a case that fails
//! its checks is inspected without anything in it running.
//!
//! The rules for rows are derived from the reference schema of the case's
//! format version (every column's declared type and `NOT NULL`), plus the
//! ids that name rows of other tables ([`REFERENCES`]) and the documented
//! maxima of values ([`max_bytes`]). A table a later migration adds gets the
//! type and size rules without any edit here.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use super::guard::{
    self, MAX_EXCERPT_BYTES, MAX_NOTES_BYTES, MAX_TAG_FIELD_BYTES, MAX_TEXT_BYTES, MAX_VALUE_BYTES,
    Reference, SchemaProblem, TableShape,
};
use super::{APPLICATION_ID, CaseError, SCHEMA_VERSION, schema};

pub use super::schema::REFERENCES;

/// Integer columns with a documented range: (table, column, min, max).
const RANGES: &[(&str, &str, i64, i64)] = &[
    (
        "exchanges",
        "input_tokens",
        0,
        crate::logs::section::MAX_TOKENS,
    ),
    (
        "exchanges",
        "output_tokens",
        0,
        crate::logs::section::MAX_TOKENS,
    ),
];

/// The schema's CHECK constraints, checked row by row: SQLite lets a
/// sender switch them off (`PRAGMA ignore_check_constraints`) before
/// writing, and a command that rewrites such a row (a merge, a redacted
/// export) would then fail. (table, column, SQL true for a valid `{c}`,
/// what is wrong.)
const CHECKS: &[(&str, &str, &str, &str)] = &[
    (
        "request_keys",
        "hashes",
        "typeof({c}) = 'blob' AND length({c}) % 6 = 0",
        "is not a blob of whole 6-byte hashes",
    ),
    (
        "request_keys",
        "bucket",
        "{c} BETWEEN 0 AND 65535",
        "is outside 0..=65535",
    ),
    (
        "notes",
        "target",
        "{c} IN ('account', 'link', 'cluster', 'campaign', 'time')",
        "is not account, link, cluster, campaign or time",
    ),
    (
        "tags",
        "status",
        "{c} IN ('open', 'confirmed', 'dismissed')",
        "is not open, confirmed or dismissed",
    ),
    (
        "tags",
        "confidence",
        "{c} >= 0 AND {c} <= 1",
        "is outside 0..1",
    ),
    (
        "merge_conflicts",
        "status",
        "{c} IN ('open', 'kept_ours', 'kept_theirs', 'kept_both')",
        "is not open, kept_ours, kept_theirs or kept_both",
    ),
    (
        "account_minutes",
        "minutes_json",
        // CASE, not AND: json_type() fails on malformed text.
        "CASE WHEN json_valid({c}) THEN json_type({c}) = 'array' ELSE 0 END",
        "is not a JSON array",
    ),
];

/// Integer columns that count rows, exchanges or tokens: never negative,
/// and below 2^53 (sums of them must not overflow).
fn is_count(column: &str) -> bool {
    matches!(
        column,
        "exchanges" | "input_tokens" | "output_tokens" | "size" | "accounts" | "clusters"
    )
}

/// The largest count a column may hold (2^53 − 1).
const MAX_COUNT: i64 = (1 << 53) - 1;

/// The documented maximum size in bytes of a text column's values.
pub fn max_bytes(table: &str, column: &str) -> usize {
    match (table, column) {
        ("tags", "label" | "capability" | "actor" | "analyst" | "updated_by")
        | ("audit_log", "analyst" | "origin" | "session" | "action" | "at")
        | ("merges", "analyst" | "session" | "at")
        | ("merge_conflicts", "resolved_by" | "resolved_at") => MAX_TAG_FIELD_BYTES,
        ("tags", "notes") | ("audit_log", "summary") => MAX_NOTES_BYTES,
        ("excerpts", "text") => MAX_EXCERPT_BYTES,
        (_, c) if c.ends_with("_json") => MAX_VALUE_BYTES,
        _ => MAX_TEXT_BYTES,
    }
}

/// How deeply `PRAGMA integrity_check` looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Integrity {
    /// `integrity_check`: pages, records, and that every index matches its
    /// table.
    Full,
    /// `quick_check`: pages and records, not the indexes (much faster on a
    /// large case; what `merge` runs).
    Quick,
}

/// One thing wrong with a case.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Finding {
    /// Which check found it: `schema`, `integrity`, `types`, `ids`,
    /// `sizes`, `ranges` or `accounts`.
    pub check: &'static str,
    /// The table or object concerned, if one.
    pub table: Option<String>,
    /// The column concerned, if one.
    pub column: Option<String>,
    /// How many rows break the rule (0 when not about rows).
    pub rows: u64,
    /// What is wrong, in words (safe to print on a terminal).
    pub message: String,
}

/// What `verify` found.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct VerifyReport {
    /// The case.
    pub path: PathBuf,
    /// Its format version.
    pub format_version: i32,
    /// Everything wrong, schema first.
    pub findings: Vec<Finding>,
}

impl VerifyReport {
    /// Whether nothing was found.
    pub fn is_clean(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Opens `path` for looking at it only: the file-level checks, the
/// defences with triggers and views off, `application_id` and version; not
/// the schema check (the caller makes it).
fn open_for_inspection(path: &Path) -> Result<(Connection, i32), CaseError> {
    let (conn, version, _) = open_for_inspection_stoppable(path)?;
    Ok((conn, version))
}

/// [`open_for_inspection`], with the step budget that can stop it.
fn open_for_inspection_stoppable(
    path: &Path,
) -> Result<(Connection, i32, super::StepBudget), CaseError> {
    let (mut conn, version) = super::open_identified(path, true)?;
    guard::harden_for_inspection(&conn)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    let budget = super::step_budget_on(&mut conn, super::default_step_budget(path))?;
    Ok((conn, version, budget))
}

/// Stops the statements of every connection in `budgets` once `progress`
/// is cancelled, until `done` is set (looked at every 50 ms).
fn stop_on_cancel(
    progress: &crate::base::Progress,
    budgets: &std::sync::Mutex<Vec<super::StepBudget>>,
    done: &std::sync::atomic::AtomicBool,
) {
    use std::sync::atomic::Ordering;
    while !done.load(Ordering::Relaxed) {
        if progress.is_cancelled()
            && let Ok(budgets) = budgets.lock()
        {
            for budget in budgets.iter() {
                budget.cancel();
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// Runs every check on the case at `path` without changing it: its schema
/// against its format version's, `PRAGMA integrity_check` (or
/// `quick_check`), each column's type, ids naming rows that exist (account
/// numbers within 1..N, cluster members naming existing accounts and
/// clusters, dictionary ids of exchanges), and values within the
/// documented maxima.
///
/// A file that is not a Hydrascope case at all (not SQLite, another
/// application's, a newer format, not a regular file) is an error, not a
/// finding.
pub fn verify_case(path: &Path, integrity: Integrity) -> Result<VerifyReport, CaseError> {
    verify_case_with(path, integrity, &crate::base::Progress::default())
}

/// [`verify_case`], saying in `progress` which check runs (`done` of
/// `total` counts the steps: the schema, the pages, each table, the
/// account numbering), and stopping, with an error saying so, when
/// `progress` is cancelled.
pub fn verify_case_with(
    path: &Path,
    integrity: Integrity,
    progress: &crate::base::Progress,
) -> Result<VerifyReport, CaseError> {
    let budgets = std::sync::Mutex::new(Vec::new());
    let done = std::sync::atomic::AtomicBool::new(false);
    let report = std::thread::scope(|scope| {
        scope.spawn(|| stop_on_cancel(progress, &budgets, &done));
        // Set however the checks end (a panic too: the scope waits for
        // the watcher before it goes on).
        let _finished = SetOnDrop(&done);
        checks(path, integrity, progress, &budgets)
    });
    if progress.is_cancelled() {
        return Err(CaseError::Invalid(format!(
            "{}: the check was cancelled",
            path.display()
        )));
    }
    report
}

/// Sets its flag when dropped.
struct SetOnDrop<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for SetOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// The checks of [`verify_case_with`]; every connection they open puts
/// its step budget in `budgets` (so that a cancel can stop it).
fn checks(
    path: &Path,
    integrity: Integrity,
    progress: &crate::base::Progress,
    budgets: &std::sync::Mutex<Vec<super::StepBudget>>,
) -> Result<VerifyReport, CaseError> {
    use std::sync::atomic::Ordering;
    let open = |path: &Path| -> Result<(Connection, i32), CaseError> {
        let (conn, version, budget) = open_for_inspection_stoppable(path)?;
        if progress.is_cancelled() {
            budget.cancel();
        }
        if let Ok(mut budgets) = budgets.lock() {
            budgets.push(budget);
        }
        Ok((conn, version))
    };
    let step = |phase: String| {
        progress.set_phase(phase);
        progress.done.fetch_add(1, Ordering::Relaxed);
    };
    progress.set_phase("schema");
    let (conn, version) = open(path)?;
    let mut findings = Vec::new();
    let reference = guard::reference(version)?;
    let problems = match guard::schema_problems(&conn, "main", version) {
        Ok(problems) => problems,
        Err(err) => {
            findings.push(finding_from_error("schema", None, &err)?);
            return Ok(VerifyReport {
                path: path.into(),
                format_version: version,
                findings,
            });
        }
    };
    for problem in &problems {
        findings.push(Finding {
            check: "schema",
            table: Some(crate::base::text::terminal_safe(&problem.object().name).into_owned()),
            column: None,
            rows: 0,
            message: problem.to_string(),
        });
    }
    let pragma = match integrity {
        Integrity::Full => "integrity_check",
        Integrity::Quick => "quick_check",
    };
    progress
        .total
        .store(reference.tables.len() as u64 + 3, Ordering::Relaxed);
    // The pages are checked on a connection of their own while this one
    // checks each table's rows: two passes over the file at once, on two
    // cores (each spends its own step budget).
    step(format!(
        "pages and records ({pragma}), beside each table's rows"
    ));
    let readable = readable_tables(&conn, "main", &reference)?;
    let (page_findings, table_findings) = std::thread::scope(|scope| {
        let pages = scope.spawn(|| -> Result<Vec<Finding>, CaseError> {
            let messages =
                open(path).and_then(|(pages_conn, _)| integrity_messages(&pages_conn, pragma));
            Ok(match messages {
                Ok(messages) => messages
                    .into_iter()
                    .map(|m| Finding {
                        check: "integrity",
                        table: None,
                        column: None,
                        rows: 0,
                        message: m,
                    })
                    .collect(),
                Err(err) => vec![finding_from_error("integrity", None, &err)?],
            })
        });
        // Halves by rowid only where the schema is the reference's (no
        // column can stand in for the rowid there).
        let split = problems.is_empty().then_some((path, SPLIT_ROWS));
        let tables = table_findings(&conn, split, &reference, &readable, &step, &open);
        let pages = pages
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (pages, tables)
    });
    findings.extend(page_findings?);
    findings.extend(table_findings?);
    step("account numbering".into());
    if readable.iter().any(|(name, _)| name == "accounts") {
        match account_numbering(&conn, "main") {
            Ok(None) => {}
            Ok(Some(message)) => findings.push(Finding {
                check: "accounts",
                table: Some("accounts".into()),
                column: Some("id".into()),
                rows: 0,
                message,
            }),
            Err(err) => findings.push(finding_from_error("accounts", Some("accounts"), &err)?),
        }
    }
    // Room left in the id sequences: at their maximum, every insert fails.
    let tight: Option<String> = conn
        .query_row(
            "SELECT name FROM sqlite_sequence WHERE seq > (1 << 62) LIMIT 1",
            [],
            |r| r.get(0),
        )
        .ok();
    if let Some(table) = tight {
        let table = crate::base::text::terminal_safe(&table).into_owned();
        findings.push(Finding {
            check: "ranges",
            table: Some("sqlite_sequence".into()),
            column: Some("seq".into()),
            rows: 1,
            message: format!(
                "sqlite_sequence: the id sequence of {table} is near its maximum; new rows could not be added"
            ),
        });
    }
    // A "redacted" mark must be true of the bytes.
    if super::export::marked_redacted(&conn).unwrap_or(false) {
        match super::redact::raw_identifiers(&conn) {
            Ok(0) => {}
            Ok(n) => findings.push(Finding {
                check: "redaction",
                table: Some("meta".into()),
                column: Some("redacted".into()),
                rows: n,
                message: format!(
                    "meta says the case is redacted, but {n} identifier value(s) are not pseudonyms \
                     or prompt excerpts remain: the mark is false (commands treat the case as not redacted)"
                ),
            }),
            Err(err) => findings.push(finding_from_error("redaction", None, &err)?),
        }
    }
    Ok(VerifyReport {
        path: path.into(),
        format_version: version,
        findings,
    })
}

/// Each table's row rules ([`row_rules`]) on `conn`, as findings. Every
/// table is first read once for the rows that break any rule at all
/// ([`broken_sql`]); with `split`, on two connections at once (this one
/// and one opened on that path), the tables shared out between them and a
/// rowid table of more rows than the number given read in two halves of
/// its rowids. Only a table with
/// such rows is read again, here, to count each rule's (a rule that cannot
/// run is then run alone, so that the finding names it).
fn table_findings(
    conn: &Connection,
    split: Option<(&Path, i64)>,
    reference: &Reference,
    readable: &[(String, Vec<String>)],
    step: &(dyn Fn(String) + Sync),
    open: &OpenConnection<'_>,
) -> Result<Vec<Finding>, CaseError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut findings = Vec::new();
    // Each table's rules, in the reference's order.
    let mut tables: Vec<(&TableShape, Vec<RowRule>)> = Vec::new();
    for shape in reference.tables.iter() {
        let Some((_, present)) = readable.iter().find(|(name, _)| name == &shape.name) else {
            continue;
        };
        let mut rules = Vec::new();
        for rule in row_rules(conn, shape, present, "main") {
            match rule {
                Ok(rule) => rules.push(rule),
                Err(err) => findings.push(finding_from_error("ids", Some(&shape.name), &err)?),
            }
        }
        tables.push((shape, rules));
    }
    // The reads: (table, rowid range); a large rowid table in two halves,
    // first, so that the two connections finish together.
    let other = split.and_then(|(path, _)| open(path).ok().map(|(c, _)| c));
    let split_rows = split.map_or(i64::MAX, |(_, rows)| rows);
    let mut reads: Vec<(usize, Option<(i64, i64)>)> = Vec::new();
    for (t, (shape, rules)) in tables.iter().enumerate() {
        if rules.is_empty() {
            continue;
        }
        // None for a table without rowids (or empty): read in one pass.
        let bounds = other
            .as_ref()
            .and_then(|_| super::key_bounds(conn, &shape.name, "rowid").ok().flatten());
        match bounds {
            Some((low, high)) if high.saturating_sub(low) > split_rows => {
                let middle = low + (high - low) / 2;
                reads.insert(0, (t, Some((middle + 1, high))));
                reads.insert(0, (t, Some((low, middle))));
            }
            _ => reads.push((t, None)),
        }
    }
    let sql: Vec<(String, String)> = tables
        .iter()
        .map(|(shape, rules)| {
            let all = broken_sql(&shape.name, rules);
            let ranged = format!("{all} AND t.rowid BETWEEN ?1 AND ?2");
            (all, ranged)
        })
        .collect();
    let next = AtomicUsize::new(0);
    let work = |c: &Connection| -> Vec<(usize, Result<i64, rusqlite::Error>)> {
        let mut out = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(t, range)) = reads.get(i) else {
                return out;
            };
            // Once a table (its second half follows its first).
            if i == 0 || reads[i - 1].0 != t {
                step(format!("table {}", tables[t].0.name));
            }
            let (all, ranged) = &sql[t];
            let got = match range {
                Some((from, to)) => c.query_row(ranged, [from, to], |r| r.get::<_, i64>(0)),
                None => c.query_row(all, [], |r| r.get::<_, i64>(0)),
            };
            out.push((t, got));
        }
    };
    let results = std::thread::scope(|scope| {
        let beside = other.map(|other| {
            let work = &work;
            scope.spawn(move || work(&other))
        });
        let mut results = work(conn);
        if let Some(beside) = beside {
            results.extend(
                beside
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        results
    });
    // Per table: rows broken (the halves summed), or the read's error.
    let mut broken: Vec<Result<i64, rusqlite::Error>> = (0..tables.len()).map(|_| Ok(0)).collect();
    for (t, got) in results {
        broken[t] = match (std::mem::replace(&mut broken[t], Ok(0)), got) {
            (Ok(a), Ok(b)) => Ok(a + b),
            (Err(e), _) | (_, Err(e)) => Err(e),
        };
    }
    for ((shape, rules), broken) in tables.iter().zip(broken) {
        match broken {
            Ok(0) => continue,
            Ok(_) => {}
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::OperationInterrupted =>
            {
                return Err(super::interrupted());
            }
            // Counted rule by rule below, where the finding names it.
            Err(_) => {}
        }
        let counts: Vec<Result<i64, rusqlite::Error>> = match rule_counts(conn, &shape.name, rules)
        {
            Ok(counts) => counts.into_iter().map(Ok).collect(),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::OperationInterrupted =>
            {
                return Err(super::interrupted());
            }
            Err(_) => rules
                .iter()
                .map(|rule| {
                    rule_counts(conn, &shape.name, std::slice::from_ref(rule)).map(|c| c[0])
                })
                .collect(),
        };
        for (rule, count) in rules.iter().zip(counts) {
            match count {
                Ok(0) => {}
                Ok(n) => findings.push(Finding {
                    check: rule.check,
                    table: Some(shape.name.clone()),
                    column: Some(rule.column.clone()),
                    rows: n.max(0) as u64,
                    message: format!(
                        "{}: {} in {} {}",
                        shape.name,
                        rule.what,
                        n,
                        if n == 1 { "row" } else { "rows" }
                    ),
                }),
                Err(err) => findings.push(finding_from_error(
                    rule.check,
                    Some(&shape.name),
                    &CaseError::Sqlite(err),
                )?),
            }
        }
    }
    Ok(findings)
}

/// Opens one more connection on a case for inspection (its format version
/// with it).
type OpenConnection<'a> = dyn Fn(&Path) -> Result<(Connection, i32), CaseError> + 'a;

/// A rowid table with more rows than this (by its rowids) is read in two
/// halves by [`verify_case`].
const SPLIT_ROWS: i64 = 1_000_000;

/// SQL counting the rows of `table` that break at least one of `rules`:
/// each row's rules are tested until the first one it breaks, and a sound
/// row adds nothing (far cheaper than a sum per rule); `0` rules, `0` rows.
fn broken_sql(table: &str, rules: &[RowRule]) -> String {
    if rules.is_empty() {
        return "SELECT 0".into();
    }
    // A column's type rule is implied by its id rule when that tests the
    // type itself (a row breaking one breaks the other): tested once.
    let implied = |rule: &RowRule| {
        let typed = format!("typeof(t.\"{}\") = 'integer'", rule.column);
        rule.check == "types"
            && rule.valid_sql.contains(&typed)
            && rules.iter().any(|other| {
                other.check == "ids"
                    && other.column == rule.column
                    && other.valid_sql.contains(&format!("{typed} AND"))
            })
    };
    let sound = rules
        .iter()
        .filter(|rule| !implied(rule))
        .map(|rule| format!("coalesce(({}), 0)", rule.valid_sql))
        .collect::<Vec<_>>()
        .join(" AND ");
    format!("SELECT count(*) FROM main.\"{table}\" AS t WHERE NOT ({sound})")
}

/// A check that could not run, as a finding; a spent step budget stops
/// the whole verification instead (a case built to hang is not "checked").
fn finding_from_error(
    check: &'static str,
    table: Option<&str>,
    err: &CaseError,
) -> Result<Finding, CaseError> {
    if err.is_interrupted() {
        return Err(super::interrupted());
    }
    let message = match err {
        CaseError::Sqlite(e) => super::one_line(e),
        other => crate::base::text::terminal_safe(&other.to_string()).into_owned(),
    };
    Ok(Finding {
        check,
        table: table.map(str::to_string),
        column: None,
        rows: 0,
        message: match table {
            Some(t) => format!("{t}: cannot be read: {message}"),
            None => format!("cannot be checked: {message}"),
        },
    })
}

/// The first 100 messages of `PRAGMA integrity_check` (or `quick_check`),
/// none when it says `ok`.
fn integrity_messages(conn: &Connection, pragma: &str) -> Result<Vec<String>, CaseError> {
    let mut stmt = conn.prepare(&format!("PRAGMA main.{pragma}(100)"))?;
    let messages = stmt
        .query_map([], |r| r.get::<_, Option<String>>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(messages
        .into_iter()
        .flatten()
        .filter(|m| m != "ok")
        .map(|m| {
            crate::base::text::truncate_for_display(&crate::base::text::terminal_safe(&m), 300)
                .into_owned()
        })
        .collect())
}

/// The tables of the reference that `db` holds as real tables (not views,
/// not virtual tables), each with the names of its columns there.
fn readable_tables(
    conn: &Connection,
    db: &str,
    reference: &Reference,
) -> Result<Vec<(String, Vec<String>)>, CaseError> {
    let objects = guard::read_objects(conn, db)?;
    let mut tables = Vec::new();
    for shape in &reference.tables {
        let Some(object) = objects
            .iter()
            .find(|o| o.kind == "table" && o.name.eq_ignore_ascii_case(&shape.name))
        else {
            continue;
        };
        if object.kind_name() != "table" {
            continue;
        }
        let mut stmt = conn.prepare("SELECT name FROM pragma_table_info(?1, ?2)")?;
        let columns = stmt
            .query_map([&shape.name, &db.to_string()], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        tables.push((shape.name.clone(), columns));
    }
    Ok(tables)
}

/// One rule a column's values must follow, as SQL that is true for a row
/// that follows it.
/// How many rows of `table` break each of `rules`, in one pass over it.
fn rule_counts(
    conn: &Connection,
    table: &str,
    rules: &[RowRule],
) -> Result<Vec<i64>, rusqlite::Error> {
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let columns: Vec<String> = rules
        .iter()
        .map(|rule| format!("coalesce(sum(NOT coalesce(({}), 0)), 0)", rule.valid_sql))
        .collect();
    let sql = format!("SELECT {} FROM main.\"{table}\" AS t", columns.join(", "));
    conn.query_row(&sql, [], |r| {
        (0..rules.len())
            .map(|i| r.get::<_, i64>(i))
            .collect::<Result<Vec<i64>, _>>()
    })
}

struct RowRule {
    check: &'static str,
    column: String,
    valid_sql: String,
    what: String,
}

/// The rules of `shape`'s columns present in the scanned table (`present`),
/// with references checked against the tables of `target_db`.
fn row_rules(
    conn: &Connection,
    shape: &TableShape,
    present: &[String],
    target_db: &str,
) -> Vec<Result<RowRule, CaseError>> {
    let mut rules = Vec::new();
    for column in &shape.columns {
        if !present.iter().any(|p| p.eq_ignore_ascii_case(&column.name)) {
            continue;
        }
        let c = format!("t.\"{}\"", column.name);
        let nullable = |test: String| {
            if column.not_null {
                test
            } else {
                format!("{c} IS NULL OR ({test})")
            }
        };
        let (types, type_name) = match column.decl_type.to_ascii_uppercase().as_str() {
            "INTEGER" => (format!("typeof({c}) = 'integer'"), "integers"),
            "REAL" => (format!("typeof({c}) IN ('real', 'integer')"), "numbers"),
            "TEXT" => (format!("typeof({c}) = 'text'"), "text"),
            _ => (format!("{c} IS NOT NULL"), ""),
        };
        if !type_name.is_empty() || column.not_null {
            rules.push(Ok(RowRule {
                check: "types",
                column: column.name.clone(),
                valid_sql: nullable(types),
                what: format!(
                    "column {} must hold {}{}",
                    column.name,
                    if type_name.is_empty() {
                        "values"
                    } else {
                        type_name
                    },
                    if column.not_null { "" } else { " or NULL" }
                ),
            }));
        }
        if column.decl_type.eq_ignore_ascii_case("TEXT") {
            let max = max_bytes(&shape.name, &column.name);
            rules.push(Ok(RowRule {
                check: "sizes",
                column: column.name.clone(),
                valid_sql: format!("{c} IS NULL OR octet_length({c}) <= {max}"),
                what: format!("column {} is longer than {max} bytes", column.name),
            }));
        }
        // A documented range, else a count's.
        let range = RANGES
            .iter()
            .find(|(t, col, _, _)| *t == shape.name && *col == column.name)
            .map(|&(_, _, min, max)| (min, max))
            .or_else(|| {
                (column.decl_type.eq_ignore_ascii_case("INTEGER") && is_count(&column.name))
                    .then_some((0, MAX_COUNT))
            });
        if let Some((min, max)) = range {
            rules.push(Ok(RowRule {
                check: "ranges",
                column: column.name.clone(),
                valid_sql: format!("{c} IS NULL OR {c} BETWEEN {min} AND {max}"),
                what: format!("column {} is outside {min}..={max}", column.name),
            }));
        }
        for &(_, _, valid, what) in CHECKS
            .iter()
            .filter(|(t, col, _, _)| *t == shape.name && *col == column.name)
        {
            rules.push(Ok(RowRule {
                check: "ranges",
                column: column.name.clone(),
                valid_sql: nullable(valid.replace("{c}", &c)),
                what: format!("column {} {what}", column.name),
            }));
        }
        if let Some(&(_, _, target, key)) = REFERENCES
            .iter()
            .find(|(t, col, _, _)| *t == shape.name && *col == column.name)
        {
            rules.push(
                reference_rule(conn, target_db, &c, target, key).map(|test| RowRule {
                    check: "ids",
                    column: column.name.clone(),
                    valid_sql: nullable(test),
                    what: format!("column {} names no row of {target}", column.name),
                }),
            );
        }
    }
    rules
}

/// SQL true when `column` names a row of `db.target` by `key`: a range
/// test when the target's keys are the integers min..max without gaps
/// (fast), else a lookup.
fn reference_rule(
    conn: &Connection,
    db: &str,
    column: &str,
    target: &str,
    key: &str,
) -> Result<String, CaseError> {
    let exists: bool = conn.query_row(
        &format!("SELECT count(*) FROM \"{db}\".sqlite_schema WHERE type = 'table' AND name = ?1"),
        [target],
        |r| r.get::<_, i64>(0).map(|n| n > 0),
    )?;
    if !exists {
        return Ok("0".into());
    }
    let (count, min, max, integers): (i64, Option<i64>, Option<i64>, i64) = conn.query_row(
        &format!(
            "SELECT count(*), min(\"{key}\"), max(\"{key}\"), \
             sum(typeof(\"{key}\") = 'integer') FROM \"{db}\".\"{target}\""
        ),
        [],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1).ok().flatten(),
                r.get(2).ok().flatten(),
                r.get::<_, Option<i64>>(3)?.unwrap_or(0),
            ))
        },
    )?;
    Ok(match (min, max) {
        (Some(min), Some(max)) if integers == count && max.checked_sub(min) == Some(count - 1) => {
            format!("typeof({column}) = 'integer' AND {column} BETWEEN {min} AND {max}")
        }
        _ if count == 0 => "0".into(),
        _ => format!("EXISTS (SELECT 1 FROM \"{db}\".\"{target}\" WHERE \"{key}\" = {column})"),
    })
}

/// Why `db.accounts` is not numbered 1..N without gaps, if it is not.
fn account_numbering(conn: &Connection, db: &str) -> Result<Option<String>, CaseError> {
    let (count, min, max): (i64, Option<i64>, Option<i64>) = conn.query_row(
        &format!(
            "SELECT count(*), min(id), max(id) FROM \"{db}\".accounts WHERE typeof(id) = 'integer'"
        ),
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(match (min, max) {
        (None, _) | (_, None) => None,
        (Some(1), Some(max)) if max == count => None,
        (Some(min), Some(max)) => Some(format!(
            "accounts: numbered {min}..{max} for {count} accounts; they must be numbered 1..{count} without gaps"
        )),
    })
}

/// What `repair` did.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct RepairReport {
    /// The new case.
    pub path: PathBuf,
    /// The damaged case's format version (the new one has this build's).
    pub format_version: i32,
    /// Objects left out (not Hydrascope's, or defined otherwise), or
    /// missing and made anew, in words.
    pub objects: Vec<String>,
    /// Rows copied, per table.
    pub copied: Vec<(String, u64)>,
    /// Rows left out because they broke a rule, per table (only tables
    /// that lost rows).
    pub dropped: Vec<(String, u64)>,
    /// Text values over their column's bound, cut to it (ending in
    /// [`crate::base::text::TRUNCATION_MARKER`]) rather than losing their
    /// row: ("table.column", values cut, the bound in bytes).
    pub cut: Vec<(String, u64, usize)>,
    /// Tables with damaged pages: their rows were copied around them (the
    /// rows on those pages, and the counts of some, are lost).
    pub damaged: Vec<String>,
}

/// How many keys [`copy_past_damage`] copies per statement, at most…
const DAMAGE_CHUNK: i64 = 1000;
/// …and how many ranges it tries before it leaves the rest of a table.
const DAMAGE_TRIES: usize = 100_000;

/// Copies a table with damaged pages by ranges of its key (the rowid, or
/// the first column of its primary key): each range whole when it reads,
/// else key by key; past a key that cannot be sought, integer keys are
/// probed further ahead (1, 2, 4, … on) until one reads again. `insert` is
/// the table's `INSERT … SELECT … WHERE …` (rows aliased `t`). Returns the
/// rows copied.
fn copy_past_damage(
    conn: &Connection,
    shape: &TableShape,
    insert: &str,
) -> Result<usize, CaseError> {
    use rusqlite::types::Value;
    let table = &shape.name;
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM src.sqlite_schema WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )
        .ok();
    let without_rowid = sql.is_some_and(|sql| sql.to_ascii_uppercase().contains("WITHOUT ROWID"));
    let key = if without_rowid {
        let first: String = conn.query_row(
            "SELECT name FROM pragma_table_info(?1, 'src') WHERE pk = 1",
            [table],
            |r| r.get(0),
        )?;
        format!("t.\"{first}\"")
    } else {
        "t.rowid".to_string()
    };
    let first = format!("SELECT {key} FROM src.\"{table}\" AS t ORDER BY {key} LIMIT 1");
    let after =
        format!("SELECT {key} FROM src.\"{table}\" AS t WHERE {key} > ?1 ORDER BY {key} LIMIT 1");
    let chunk_end = |size: i64| {
        format!(
            "SELECT {key} FROM src.\"{table}\" AS t WHERE {key} >= ?1 ORDER BY {key} LIMIT 1 OFFSET {}",
            size - 1
        )
    };
    let in_range = format!("{insert} AND {key} >= ?1 AND {key} <= ?2");
    let to_end = format!("{insert} AND {key} >= ?1");
    let read = |sql: &str, args: &[&Value]| -> Result<Option<Value>, rusqlite::Error> {
        let mut stmt = conn.prepare_cached(sql)?;
        match stmt.query_row(rusqlite::params_from_iter(args.iter()), |r| r.get(0)) {
            Ok(v) => Ok(Some(v)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Ok(None),
            Err(e) => Err(e),
        }
    };
    // The next readable key after `last` (the first one when `None`):
    // `None` at the end, or when nothing further can be reached.
    let next_after = |last: Option<&Value>| -> Result<Option<Value>, CaseError> {
        let tried = match last {
            None => read(&first, &[]),
            Some(k) => read(&after, &[k]),
        };
        match tried {
            Ok(v) => Ok(v),
            Err(e) if super::is_damage(&e) => {
                let Some(Value::Integer(from)) = last.cloned() else {
                    return Ok(None);
                };
                for step in (0..48).map(|j| 1i64 << j) {
                    let probe = Value::Integer(from.saturating_add(step));
                    match read(&after, &[&probe]) {
                        Ok(v) => return Ok(v),
                        Err(e) if super::is_damage(&e) => continue,
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    };
    // One range of keys copied whole, or nothing of it (a transaction).
    let copy_range = |start: &Value, end: Option<&Value>| -> Result<Option<usize>, CaseError> {
        conn.execute_batch("BEGIN")?;
        let done = match end {
            Some(end) => conn
                .prepare_cached(&in_range)?
                .execute(rusqlite::params![start, end]),
            None => conn.prepare_cached(&to_end)?.execute([start]),
        };
        match done {
            Ok(n) => {
                conn.execute_batch("COMMIT")?;
                Ok(Some(n))
            }
            Err(e) if super::is_damage(&e) => {
                conn.execute_batch("ROLLBACK")?;
                Ok(None)
            }
            Err(e) => Err(e.into()),
        }
    };
    // Ranges of up to DAMAGE_CHUNK keys: a range that does not read is
    // tried in tenths, down to one key, which is left out when it does not
    // read; after a range that reads, ten times as many. A damaged page can
    // give keys out of order: the copy goes only forward, and gives up on
    // the rest of the table after DAMAGE_TRIES statements.
    let forward = |from: &Value, to: &Value| match (from, to) {
        (Value::Integer(a), Value::Integer(b)) => b > a,
        (Value::Text(a), Value::Text(b)) => b > a,
        _ => false,
    };
    let mut copied = 0usize;
    let mut size = DAMAGE_CHUNK;
    let mut tries = 0;
    let mut cursor = next_after(None)?;
    while let Some(start) = cursor.clone() {
        tries += 1;
        if tries > DAMAGE_TRIES {
            break;
        }
        let end = match read(&chunk_end(size), &[&start]) {
            Ok(Some(end)) if end == start || forward(&start, &end) => Some(end),
            Ok(Some(_)) => Some(start.clone()),
            Ok(None) => None,
            Err(e) if super::is_damage(&e) => {
                if size > 1 {
                    size /= 10;
                    continue;
                }
                Some(start.clone())
            }
            Err(e) => return Err(e.into()),
        };
        let copied_now = copy_range(&start, end.as_ref())?;
        let last = match (&copied_now, &end) {
            (Some(_), None) => break,
            (Some(_), Some(end)) => end.clone(),
            (None, _) if size > 1 => {
                size /= 10;
                continue;
            }
            (None, _) => start.clone(),
        };
        if let Some(n) = copied_now {
            copied += n;
            size = (size * 10).min(DAMAGE_CHUNK);
        }
        cursor = next_after(Some(&last))?.filter(|next| forward(&last, next));
    }
    Ok(copied)
}

/// Copies the sound part of the case at `source` into a new case at `out`:
/// Hydrascope's own tables only (never a trigger, view, virtual table or
/// table of anyone else's), and of them only the rows that pass
/// [`verify_case`]'s rules, in an order where a row naming another table's
/// row is copied only if that row was. The new case is written to
/// `<out>.partial` and renamed when complete, then upgraded to this
/// build's format. The source is only read.
///
/// Rollups are copied as they are: when exchanges were left out, re-import
/// the activity logs for exact totals.
pub fn repair_case(source: &Path, out: &Path, force: bool) -> Result<RepairReport, CaseError> {
    if out.exists() {
        if super::export::same_file(source, out) {
            return Err(CaseError::Invalid(format!(
                "{}: repair writes a new case; name another file than the damaged one",
                out.display()
            )));
        }
        if !force {
            return Err(CaseError::Exists(out.to_path_buf()));
        }
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(CaseError::Invalid(format!(
            "{}: no such folder to write the repaired case into",
            dir.display()
        )));
    }
    let (inspect, version) = open_for_inspection(source)?;
    let problems = guard::schema_problems(&inspect, "main", version)?;
    drop(inspect);
    let partial = crate::base::paths::partial_path(out);
    let _ = std::fs::remove_file(&partial);
    let result = write_repaired(source, &partial, version, &problems).and_then(|mut report| {
        std::fs::rename(&partial, out).map_err(|source| CaseError::Io {
            path: out.to_path_buf(),
            source,
        })?;
        report.path = out.to_path_buf();
        Ok(report)
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&partial);
        let _ = std::fs::remove_file(guard::side_file(&partial, "-journal"));
    }
    result
}

fn write_repaired(
    source: &Path,
    partial: &Path,
    version: i32,
    problems: &[SchemaProblem],
) -> Result<RepairReport, CaseError> {
    let reference = guard::reference(version)?;
    let conn = Connection::open(partial)?;
    guard::harden_for_inspection(&conn)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    // `application_id` is set last: a `.partial` left by a kill is no case.
    conn.execute_batch("BEGIN")?;
    schema::create(&conn, version)?;
    conn.execute_batch("COMMIT")?;
    conn.execute("ATTACH DATABASE ?1 AS src", [super::read_only_uri(source)?])?;
    let mut report = RepairReport {
        path: partial.to_path_buf(),
        format_version: version,
        objects: problems
            .iter()
            .map(|p| match p {
                SchemaProblem::Missing(_) => format!("{p}: made anew, empty"),
                SchemaProblem::Changed(o) if o.kind_name() == "table" => {
                    format!("{p}: its columns of the format copied")
                }
                _ => format!("{p}: left out"),
            })
            .collect(),
        ..Default::default()
    };
    let readable = readable_tables(&conn, "src", &reference)?;
    // A table at a time, each in a transaction of its own: a damaged page
    // puts the source in an error state until the transaction ends. The
    // `.partial` is no case until the last step, and is synced at the end.
    conn.pragma_update(None, "synchronous", "OFF")?;
    for shape in copy_order(&reference) {
        let Some((_, present)) = readable.iter().find(|(name, _)| name == &shape.name) else {
            continue;
        };
        if shape.name == "request_keys" {
            // Not copied: rows lost to damage would leave it short; the
            // repaired case's first append writes it anew.
            continue;
        }
        let made: i64 = conn.query_row(
            &format!("SELECT count(*) FROM main.\"{}\"", shape.name),
            [],
            |r| r.get(0),
        )?;
        if made > 0 {
            // Rows the format itself writes (the capability list) stay as
            // this build makes them.
            continue;
        }
        // A damaged page can stop even the count: what is read past it
        // is still copied, and the table is named as damaged.
        let total: Option<i64> = match conn.query_row(
            &format!("SELECT count(*) FROM src.\"{}\"", shape.name),
            [],
            |r| r.get(0),
        ) {
            Ok(n) => Some(n),
            Err(e) if super::is_damage(&e) => None,
            Err(e) => return Err(e.into()),
        };
        let columns: Vec<&str> = shape
            .columns
            .iter()
            .filter(|c| present.iter().any(|p| p.eq_ignore_ascii_case(&c.name)))
            .map(|c| c.name.as_str())
            .collect();
        // A text value over its bound is cut to it, not the reason to lose
        // its row (and with an account, everything that names it); JSON is
        // not text to cut: its row goes.
        let cut: Vec<(&str, usize)> = shape
            .columns
            .iter()
            .filter(|c| {
                columns.contains(&c.name.as_str())
                    && c.decl_type.eq_ignore_ascii_case("TEXT")
                    && !c.name.ends_with("_json")
            })
            .map(|c| (c.name.as_str(), max_bytes(&shape.name, &c.name)))
            .collect();
        let mut conditions = Vec::new();
        for rule in row_rules(&conn, shape, present, "main") {
            let rule = rule?;
            if rule.check == "sizes" && cut.iter().any(|(c, _)| *c == rule.column) {
                continue;
            }
            conditions.push(format!("coalesce(({}), 0)", rule.valid_sql));
        }
        for &(column, max) in &cut {
            let n: i64 = match conn.query_row(
                &format!(
                    "SELECT count(*) FROM src.\"{}\" WHERE octet_length(\"{column}\") > {max}",
                    shape.name
                ),
                [],
                |r| r.get(0),
            ) {
                Ok(n) => n,
                Err(e) if super::is_damage(&e) => 0,
                Err(e) => return Err(e.into()),
            };
            if n > 0 {
                report
                    .cut
                    .push((format!("{}.{column}", shape.name), n as u64, max));
            }
        }
        let list = columns
            .iter()
            .map(|c| format!("\"{c}\""))
            .collect::<Vec<_>>()
            .join(", ");
        let marker = crate::base::text::TRUNCATION_MARKER;
        // Characters of at most 4 bytes each, and the marker, within the bound.
        let select = columns
            .iter()
            .map(|c| match cut.iter().find(|(name, _)| name == c) {
                Some(&(_, max)) => format!(
                    "CASE WHEN octet_length(t.\"{c}\") > {max} THEN substr(t.\"{c}\", 1, {}) || '{marker}' \
                     ELSE t.\"{c}\" END",
                    (max - marker.len()) / 4
                ),
                None => format!("t.\"{c}\""),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let insert = format!(
            "INSERT OR IGNORE INTO main.\"{t}\" ({list}) SELECT {select} FROM src.\"{t}\" AS t WHERE {w}",
            t = shape.name,
            w = if conditions.is_empty() {
                "1".to_string()
            } else {
                conditions.join(" AND ")
            }
        );
        let mut copied = if columns.is_empty() {
            0
        } else {
            conn.execute_batch("BEGIN")?;
            match conn.execute(&insert, []) {
                Ok(n) => {
                    conn.execute_batch("COMMIT")?;
                    n as i64
                }
                Err(e) if super::is_damage(&e) => {
                    // Damaged pages: copy around them, in key order, each
                    // range in a transaction of its own.
                    conn.execute_batch("ROLLBACK")?;
                    report.damaged.push(shape.name.clone());
                    copy_past_damage(&conn, shape, &insert)? as i64
                }
                Err(e) => return Err(e.into()),
            }
        };
        if shape.name == "accounts" {
            // Accounts are numbered 1..N: those after the first gap go.
            copied -= conn.execute(
                "DELETE FROM main.accounts WHERE id > coalesce((SELECT min(a.id) FROM main.accounts a \
                 WHERE NOT EXISTS (SELECT 1 FROM main.accounts b WHERE b.id = a.id + 1)), 0) \
                 OR NOT EXISTS (SELECT 1 FROM main.accounts WHERE id = 1)",
                [],
            )? as i64;
        }
        report
            .copied
            .push((shape.name.clone(), copied.max(0) as u64));
        if let Some(total) = total
            && total > copied
        {
            report
                .dropped
                .push((shape.name.clone(), (total - copied) as u64));
        }
    }
    // AUTOINCREMENT counters: a removed tag's number is never given again.
    // A damaged counter table leaves the counters the copied rows set.
    let has_sequence: i64 = conn.query_row(
        "SELECT count(*) FROM src.sqlite_schema WHERE type = 'table' AND name = 'sqlite_sequence'",
        [],
        |r| r.get(0),
    )?;
    if has_sequence > 0 {
        conn.execute_batch("BEGIN")?;
        match conn.execute_batch(
            "UPDATE main.sqlite_sequence SET seq = max(seq, coalesce((SELECT max(s.seq) FROM src.sqlite_sequence s \
             WHERE s.name = main.sqlite_sequence.name AND typeof(s.seq) = 'integer' AND s.seq BETWEEN 0 AND 9007199254740991), 0))",
        ) {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) if super::is_damage(&e) => {
                conn.execute_batch("ROLLBACK")?;
                report.damaged.push("sqlite_sequence".into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    conn.execute("DETACH DATABASE src", [])?;
    conn.execute_batch("BEGIN")?;
    if version < SCHEMA_VERSION {
        schema::migrate(&conn, version, SCHEMA_VERSION)?;
    }
    super::request_keys::forget(&conn)?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    conn.execute_batch("COMMIT")?;
    let file = conn.path().map(PathBuf::from);
    conn.close().map_err(|(_, e)| e)?;
    if let Some(file) = file
        && let Ok(f) = std::fs::File::open(&file)
    {
        let _ = f.sync_all();
    }
    Ok(report)
}

/// The reference's tables, each after the tables its ids name.
fn copy_order(reference: &Reference) -> Vec<&TableShape> {
    fn visit<'a>(
        shape: &'a TableShape,
        reference: &'a Reference,
        order: &mut Vec<&'a TableShape>,
        visiting: &mut Vec<String>,
    ) {
        if order.iter().any(|t| t.name == shape.name) || visiting.contains(&shape.name) {
            return;
        }
        visiting.push(shape.name.clone());
        for (_, _, target, _) in REFERENCES.iter().filter(|(t, ..)| *t == shape.name) {
            if *target != shape.name
                && let Some(target) = reference.table(target)
            {
                visit(target, reference, order, visiting);
            }
        }
        order.push(shape);
    }
    let mut order = Vec::new();
    let mut visiting = Vec::new();
    for shape in &reference.tables {
        visit(shape, reference, &mut order, &mut visiting);
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The findings of [`table_findings`] on the case at `path`, read in
    /// halves above `split_rows` rows (none: on one connection).
    fn findings_of(path: &Path, split_rows: Option<i64>) -> Vec<Finding> {
        let (conn, version) = open_for_inspection(path).unwrap();
        let reference = guard::reference(version).unwrap();
        let readable = readable_tables(&conn, "main", &reference).unwrap();
        let split = split_rows.map(|rows| (path, rows));
        table_findings(&conn, split, &reference, &readable, &|_| {}, &|p| {
            open_for_inspection(p)
        })
        .unwrap()
    }

    #[test]
    fn rows_read_in_halves_on_two_connections_are_found_as_in_one_pass() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("small.hcase");
        // Three accounts and 60 exchanges, a minute apart.
        crate::case::test_cases::build(
            &path,
            3,
            (0..60i64).map(|k| ((k % 3) as usize, 1_767_229_200_000 + k * 60_000)),
        );
        assert!(findings_of(&path, Some(10)).is_empty(), "a sound case");
        // One broken row wherever it lies (the first, either side of the
        // middle, the last) is found, as in one pass.
        let conn = Connection::open(&path).unwrap();
        let ids: Vec<i64> = conn
            .prepare("SELECT id FROM exchanges ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for &id in &ids {
            conn.execute("UPDATE exchanges SET input_tokens = -4 WHERE id = ?1", [id])
                .unwrap();
            let halves = findings_of(&path, Some(10));
            assert_eq!(halves, findings_of(&path, None), "row {id}");
            assert_eq!(
                halves
                    .iter()
                    .map(|f| f.message.as_str())
                    .collect::<Vec<_>>(),
                ["exchanges: column input_tokens is outside 0..=100000000 in 1 row"],
                "row {id}"
            );
            conn.execute("UPDATE exchanges SET input_tokens = 10 WHERE id = ?1", [id])
                .unwrap();
        }
        // Several at once, in several tables.
        conn.execute_batch(&format!(
            "UPDATE exchanges SET account = 999999 WHERE id = {};
             UPDATE exchanges SET model = 'x' WHERE id = {};
             UPDATE accounts SET created_ms = 'soon' WHERE id = 1;",
            ids[0],
            ids[ids.len() - 1]
        ))
        .unwrap();
        drop(conn);
        let halves = findings_of(&path, Some(10));
        assert_eq!(halves, findings_of(&path, None));
        let said: Vec<&str> = halves.iter().map(|f| f.message.as_str()).collect();
        for expected in [
            "exchanges: column account names no row of accounts in 1 row",
            "exchanges: column model must hold integers in 1 row",
            "accounts: column created_ms must hold integers in 1 row",
        ] {
            assert!(said.contains(&expected), "{expected} not in {said:?}");
        }
    }
}
