//! Exporting a case to share: the whole case or chosen clusters, written to
//! a new self-contained case file from one consistent snapshot of the
//! source (so an export taken while a workbench writes is never torn), and
//! optionally redacted.
//!
//! A whole-case export is `VACUUM INTO`. A subset or a redacted export is
//! built into a new, empty file that reads the source through `ATTACH`
//! inside one transaction, table by table, only the tables the format
//! defines, each with its own rule (see [`table_rule`]); a table without a
//! rule stops a subset export rather than leaking or dropping rows
//! silently.
//!
//! Redaction ([`super::redact`]) replaces every identifier (request and
//! sign-up addresses and their prefixes, payment fingerprints, e-mail
//! domains, organisation names, API key ids, client fingerprints) by a
//! keyed pseudonym, the same value always giving the same pseudonym, so the
//! links between accounts still hold; prompt excerpts and unknown imported
//! fields are left out; the same values are also replaced inside free text
//! (tag notes, evidence sentences, the audit log). Each row is
//! pseudonymised before it is written, so no raw byte ever reaches the new
//! file, its journal or its free pages.
//!
//! The new file is written as `<out>.partial` and renamed when complete. Its
//! `application_id` is set in the last transaction, so a `.partial` left by
//! a killed export does not open as a case. (A whole unredacted copy is made
//! by `VACUUM INTO`, which carries the source's `application_id` until the
//! next statement clears it: a kill in between leaves a `.partial` that
//! opens as the source's plain copy, never a redacted file holding raw
//! values.)

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::casework::{Snapshot, Who};
use super::redact::{Redactor, Scrubber};
use super::{APPLICATION_ID, CaseError, SCHEMA_VERSION, check_file, guard, schema};
use crate::base::Progress;

pub use super::redact::MIN_REDACTED_SUBSTRING;

/// What to export.
#[derive(Debug, Default)]
pub struct ExportOptions {
    /// Only these clusters (their current members, with everything that
    /// belongs to them); `None` exports the whole case.
    pub clusters: Option<Vec<String>>,
    /// Replace identifiers by keyed pseudonyms with this key.
    pub redact: Option<RedactionKey>,
    /// Overwrite an existing output file.
    pub force: bool,
}

/// The secret behind redaction pseudonyms. Two exports made with the same
/// key give the same pseudonym for the same value, so their links line up;
/// the key itself is never written into a case.
#[derive(Clone)]
pub struct RedactionKey {
    key: [u8; 32],
}

impl std::fmt::Debug for RedactionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RedactionKey({})", self.id())
    }
}

/// The largest redaction key file read (bytes): a secret is a line.
pub const MAX_KEY_FILE: u64 = 64 * 1024;

impl RedactionKey {
    /// A fresh random key (from the operating system), for a one-off export.
    pub fn random() -> Result<Self, CaseError> {
        let path = Path::new("/dev/urandom");
        let mut key = [0u8; 32];
        std::fs::File::open(path)
            .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut key))
            .map_err(|source| CaseError::Io {
                path: path.into(),
                source,
            })?;
        Ok(Self { key })
    }

    /// A key derived from a secret kept in a file, so that a team's exports
    /// line up with each other.
    ///
    /// The file is named on the command line, so it is read as input from
    /// anyone: a regular file of at most [`MAX_KEY_FILE`] bytes; a missing
    /// or unreadable file, a device, a pipe or a larger file is bad input
    /// (never read without end, never waited on).
    pub fn from_file(path: &Path) -> Result<Self, CaseError> {
        let refuse = |why: String| CaseError::Invalid(format!("{}: {why}", path.display()));
        let meta = std::fs::metadata(path)
            .map_err(|e| refuse(format!("cannot read the redaction key file: {e}")))?;
        if !meta.is_file() {
            return Err(refuse(
                "the redaction key must be a regular file (not a directory, device or pipe)".into(),
            ));
        }
        if meta.len() > MAX_KEY_FILE {
            return Err(refuse(format!(
                "a redaction key file holds at most {MAX_KEY_FILE} bytes (this one {})",
                meta.len()
            )));
        }
        let mut secret = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| {
                std::io::Read::read_to_end(
                    &mut std::io::Read::take(f, MAX_KEY_FILE + 1),
                    &mut secret,
                )
            })
            .map_err(|e| refuse(format!("cannot read the redaction key file: {e}")))?;
        if secret.len() as u64 > MAX_KEY_FILE {
            return Err(refuse(format!(
                "a redaction key file holds at most {MAX_KEY_FILE} bytes"
            )));
        }
        let trimmed = secret.trim_ascii();
        if trimmed.len() < 16 {
            return Err(CaseError::Invalid(format!(
                "{}: a redaction key file must hold a secret of at least 16 bytes (it holds {})",
                path.display(),
                trimmed.len()
            )));
        }
        Ok(Self::from_secret(trimmed))
    }

    /// The key an export asks for: none without `redact`; else the key of
    /// `key_file` when given (so a team's exports line up), else a fresh
    /// random one. The command line and the workbench both choose here.
    pub fn chosen(redact: bool, key_file: Option<&Path>) -> Result<Option<Self>, CaseError> {
        match (redact, key_file) {
            (false, _) => Ok(None),
            (true, Some(path)) => Self::from_file(path).map(Some),
            (true, None) => Self::random().map(Some),
        }
    }

    /// A key derived from `secret` (tests and tools).
    pub fn from_secret(secret: &[u8]) -> Self {
        Self {
            key: blake3::derive_key("hydrascope 2026 redaction key", secret),
        }
    }

    /// A short public name of the key (recorded in the export), so analysts
    /// can tell whether two redacted cases were made with the same key
    /// without learning it.
    pub fn id(&self) -> String {
        let hash = blake3::keyed_hash(&self.key, b"hydrascope redaction key id");
        hash.to_hex()[..12].to_string()
    }

    /// The key itself, for the pseudonyms.
    pub(crate) fn bytes(&self) -> [u8; 32] {
        self.key
    }
}

/// What an export wrote.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportReport {
    /// The new file.
    pub path: PathBuf,
    /// Accounts in it.
    pub accounts: u64,
    /// Exchanges in it.
    pub exchanges: u64,
    /// Clusters in it.
    pub clusters: u64,
    /// Tags in it.
    pub tags: u64,
    /// Audit-log entries in it.
    pub audit_entries: u64,
    /// The redaction key's public id, when redacted.
    pub redaction_key_id: Option<String>,
    /// Rows a redacted export left out because a value in them was not of
    /// its column's type (so could not be told an identifier or not).
    pub rows_left_out: u64,
    /// Size of the new file.
    pub bytes: u64,
}

/// Writes `options`' part of the case at `source` to a new case at `out`.
///
/// The source is only read (an entry saying who exported what is appended
/// to its audit log afterwards when it is writable). The new file appears
/// only when complete: it is written next to `out` as `<out>.partial` and
/// renamed, so a failure leaves no file behind.
pub fn export_case(
    source: &Path,
    out: &Path,
    options: &ExportOptions,
    who: &Who,
    progress: &Progress,
) -> Result<ExportReport, CaseError> {
    let version = check_file(source)?;
    if out.exists() {
        if same_file(source, out) {
            return Err(CaseError::Invalid(format!(
                "{}: the export would overwrite the case it is made from",
                out.display()
            )));
        }
        if !options.force {
            return Err(CaseError::Exists(out.to_path_buf()));
        }
    }
    if let Some(ext) = out.extension().and_then(|e| e.to_str())
        && !ext.eq_ignore_ascii_case("hcase")
    {
        return Err(CaseError::Invalid(format!(
            "{}: a case export must end in .hcase (graph files: .graphml, .gexf)",
            out.display()
        )));
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(CaseError::Invalid(format!(
            "{}: no such folder to write the export into",
            dir.display()
        )));
    }
    if options.clusters.is_some() && version >= 11 {
        super::Case::open_read_only(source)?.needs_exchanges(
            "a subset export (its template and model tables are counted again from the exchanges of the accounts it keeps)",
        )?;
    }
    let partial = crate::base::paths::partial_path(out);
    // A journal left by a killed export would be rolled into the new file.
    remove_if_exists(&journal_of(&partial))?;
    remove_if_exists(&partial)?;
    let result = write_export(source, version, &partial, options, who, progress);
    let result = result.and_then(|counts| {
        std::fs::rename(&partial, out).map_err(|source| CaseError::Io {
            path: out.to_path_buf(),
            source,
        })?;
        Ok(counts)
    });
    let mut report = match result {
        Ok(report) => report,
        Err(err) => {
            let _ = std::fs::remove_file(&partial);
            let _ = std::fs::remove_file(journal_of(&partial));
            return Err(err);
        }
    };
    report.path = out.to_path_buf();
    report.bytes = std::fs::metadata(out).map(|m| m.len()).unwrap_or(0);
    note_export_in_source(source, out, options, who, &report);
    Ok(report)
}

fn write_export(
    source: &Path,
    version: i32,
    partial: &Path,
    options: &ExportOptions,
    who: &Who,
    progress: &Progress,
) -> Result<ExportReport, CaseError> {
    let mut rows_left_out = 0;
    let mut conn = if options.clusters.is_none() && options.redact.is_none() {
        progress.set_phase("copying the case");
        // `export_case` checked the file (its schema is its version's).
        // Read as every read-only command reads it (immutable in a folder
        // this process cannot write, where a WAL case gets no `-shm`).
        let (src, _) = super::open_identified(source, true)?;
        src.busy_timeout(std::time::Duration::from_secs(10))?;
        src.execute("VACUUM INTO ?1", [path_text(partial)?])?;
        drop(src);
        let mut conn = open_work_file(partial)?;
        // Not a case until complete (set again by the last transaction).
        conn.pragma_update(None, "application_id", 0)?;
        if version < SCHEMA_VERSION {
            let tx = conn.transaction()?;
            schema::migrate(&tx, version, SCHEMA_VERSION)?;
            tx.commit()?;
        }
        conn
    } else {
        progress.set_phase(match (&options.clusters, &options.redact) {
            (Some(_), Some(_)) => "copying the chosen clusters, redacted",
            (Some(_), None) => "copying the chosen clusters",
            _ => "copying the case, redacted",
        });
        let (conn, left_out) = build_fresh(
            source,
            version,
            partial,
            options.clusters.as_deref(),
            options.redact.as_ref(),
        )?;
        rows_left_out = left_out;
        conn
    };
    let redaction_key_id = options.redact.as_ref().map(RedactionKey::id);
    let tx = conn.transaction()?;
    stamp_export(&tx, source, options, who, redaction_key_id.as_deref())?;
    // The last write: from here on the file is a case.
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.commit()?;
    let count = |sql: &str| -> Result<u64, CaseError> {
        Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as u64)
    };
    let report = ExportReport {
        path: partial.to_path_buf(),
        accounts: count("SELECT count(*) FROM accounts")?,
        exchanges: count("SELECT count(*) FROM exchanges")?,
        clusters: count("SELECT count(*) FROM clusters")?,
        tags: count("SELECT count(*) FROM tags")?,
        audit_entries: count("SELECT count(*) FROM audit_log")?,
        redaction_key_id,
        rows_left_out,
        bytes: 0,
    };
    conn.close().map_err(|(_, e)| e)?;
    let file = std::fs::File::open(partial).map_err(|source| CaseError::Io {
        path: partial.to_path_buf(),
        source,
    })?;
    file.sync_all().map_err(|source| CaseError::Io {
        path: partial.to_path_buf(),
        source,
    })?;
    Ok(report)
}

/// Opens the file being written: rollback journal (no WAL side files to
/// ship), freed content overwritten with zeros, and temporary tables and
/// sorts kept in memory (never in a temporary file).
fn open_work_file(path: &Path) -> Result<Connection, CaseError> {
    let conn = Connection::open(path)?;
    // The source is attached to this connection: the same defences, and
    // nothing of it runs (its triggers and views stay off).
    guard::harden_for_inspection(&conn)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    Ok(conn)
}

/// How a subset export fills one table from the source (`src`), given the
/// temp tables `sel_accounts(account)` and `sel_clusters(id)`.
enum Rule {
    /// Every row.
    All,
    /// Rows matching this SQL condition on the source table (aliased `t`).
    Where(&'static str),
    /// Recomputed from the copied rows by these SQL statements after the
    /// copy, in order.
    Recompute(&'static [&'static str]),
    /// Kept by SQLite itself.
    Internal,
}

/// The rule of each table. Dictionaries keep only the values the chosen
/// accounts' exchanges use, so a subset leaks nothing of the other accounts.
fn table_rule(table: &str) -> Option<Rule> {
    use Rule::*;
    Some(match table {
        "meta" | "models" | "capabilities" | "analysis_runs" | "indicators" | "merges" => All,
        // The request-key index is not copied (a subset's would name
        // exchanges it leaves out): the copy's first append writes it.
        "sqlite_sequence" | "sqlite_stat1" | "sqlite_stat4" | "request_keys" => Internal,
        "origins" => {
            Where("t.id IN (SELECT origin FROM src.account_origins WHERE account IN sel_accounts)")
        }
        // From the exchanges, which every format has (a subset of a case
        // built on Spark, which holds none, is refused before this).
        "api_keys" => {
            Where("t.id IN (SELECT api_key FROM src.exchanges WHERE account IN sel_accounts)")
        }
        // Format 12's: copied whole; a subset's, or an older case's, from
        // the copied exchanges.
        "account_api_keys" => Recompute(&[schema::ACCOUNT_API_KEYS_FROM_EXCHANGES]),
        // Format 11's, the same way.
        "account_minutes" => Recompute(&[schema::ACCOUNT_MINUTES_FROM_EXCHANGES]),
        "client_fingerprints" => Where(
            "t.id IN (SELECT client_fp FROM src.account_client_fps WHERE account IN sel_accounts)",
        ),
        "templates" => Where(
            "t.id IN (SELECT template FROM src.account_templates WHERE account IN sel_accounts)",
        ),
        "cot_values" => {
            Where("t.id IN (SELECT cot FROM src.exchanges WHERE account IN sel_accounts)")
        }
        "excerpts" => {
            Where("t.id IN (SELECT excerpt FROM src.exchanges WHERE account IN sel_accounts)")
        }
        "accounts" => Where("t.id IN sel_accounts"),
        "exchanges" => Where("t.account IN sel_accounts"),
        "exchange_extra" => {
            Where("t.exchange IN (SELECT id FROM src.exchanges WHERE account IN sel_accounts)")
        }
        "events" => Where("t.account IS NULL OR t.account IN sel_accounts"),
        "account_summary"
        | "account_hourly"
        | "account_origins"
        | "account_templates"
        | "account_client_fps"
        | "account_models"
        | "account_capabilities"
        | "layout"
        | "account_pins"
        | "cluster_members" => Where("t.account IN sel_accounts"),
        "template_stats" => Recompute(&[
            "INSERT INTO template_stats (template, exchanges, accounts, first_ms, last_ms) \
             SELECT template, count(*), count(DISTINCT account), min(ts_ms), max(ts_ms) \
             FROM exchanges WHERE template IS NOT NULL GROUP BY template",
            schema::TEMPLATE_EXAMPLE_FROM_EXCHANGES,
        ]),
        "template_profiles" => Recompute(&[schema::TEMPLATE_PROFILES_FROM_EXCHANGES]),
        "account_model_hourly" => Recompute(&[schema::ACCOUNT_MODEL_HOURLY_FROM_EXCHANGES]),
        "model_hourly" => Recompute(&["INSERT INTO model_hourly \
             SELECT model, ((ts_ms - ((ts_ms % 3600000) + 3600000) % 3600000) / 3600000), \
                    count(*), sum(input_tokens), sum(output_tokens) \
             FROM exchanges GROUP BY 1, 2"]),
        // One example per template, from the chosen accounts' own exchanges.
        "template_examples" => Recompute(&["INSERT INTO template_examples \
             SELECT template, min(excerpt) FROM exchanges \
             WHERE template IS NOT NULL AND excerpt IS NOT NULL GROUP BY template"]),
        "clusters" | "cluster_model_hourly" => Where(if table == "clusters" {
            "t.id IN sel_clusters"
        } else {
            "t.cluster IN sel_clusters"
        }),
        "links" | "link_evidence" => Where("t.a IN sel_accounts AND t.b IN sel_accounts"),
        // A campaign travels with any of its clusters (its row describes
        // the whole campaign as analysed).
        "campaigns" => Where(
            "t.id IN (SELECT campaign FROM src.campaign_clusters WHERE cluster IN sel_clusters)",
        ),
        "campaign_clusters" => Where("t.cluster IN sel_clusters"),
        "tags" => Where(
            "t.cluster IN sel_clusters OR (t.cluster IS NULL AND t.id IN \
             (SELECT tag FROM src.tag_accounts WHERE account IN sel_accounts))",
        ),
        "tag_accounts" => {
            Where("t.account IN sel_accounts AND t.tag IN (SELECT id FROM main.tags)")
        }
        // A conflict travels with both of its tags (its snapshots hold both).
        "merge_conflicts" => {
            Where("t.ours IN (SELECT id FROM main.tags) AND t.theirs IN (SELECT id FROM main.tags)")
        }
        // Notes on what the subset holds (a time range is nobody's).
        "notes" => Where(
            "(t.target = 'account' AND t.account IN sel_accounts) \
             OR (t.target = 'link' AND t.account IN sel_accounts AND t.other IN sel_accounts) \
             OR (t.target = 'cluster' AND t.cluster IN sel_clusters) \
             OR (t.target = 'campaign' AND t.campaign IN \
                 (SELECT campaign FROM src.campaign_clusters WHERE cluster IN sel_clusters)) \
             OR t.target = 'time'",
        ),
        "note_accounts" => {
            Where("t.account IN sel_accounts AND t.note IN (SELECT id FROM main.notes)")
        }
        // A saved view travels when the subset holds every account it
        // selects.
        "saved_views" => Where(
            "NOT EXISTS (SELECT 1 FROM src.saved_view_accounts v \
             WHERE v.view = t.id AND v.account NOT IN sel_accounts)",
        ),
        "saved_view_accounts" => Where("t.view IN (SELECT id FROM main.saved_views)"),
        // Entries that name a chosen cluster.
        "audit_log" => Where(
            "EXISTS (SELECT 1 FROM sel_clusters s WHERE instr(',' || t.clusters || ',', ',' || s.id || ',') > 0)",
        ),
        _ => return None,
    })
}

/// Builds a new case at `partial` from the source's tables of the format:
/// the rows `clusters` selects (every row when `None`), pseudonymised when
/// `redact` is given. Returns the open file (its `application_id` not set
/// yet) and how many rows redaction left out.
fn build_fresh(
    source: &Path,
    version: i32,
    partial: &Path,
    clusters: Option<&[String]>,
    redact: Option<&RedactionKey>,
) -> Result<(Connection, u64), CaseError> {
    if clusters.is_some_and(<[String]>::is_empty) {
        return Err(CaseError::Invalid(
            "no clusters named: pass --clusters c1,c2,… or leave it out to export the whole case"
                .into(),
        ));
    }
    if clusters.is_some() && version < SCHEMA_VERSION {
        return Err(CaseError::NeedsMigration {
            path: source.to_path_buf(),
            version,
            supported: SCHEMA_VERSION,
        });
    }
    let mut conn = open_work_file(partial)?;
    {
        let tx = conn.transaction()?;
        schema::migrate(&tx, 0, SCHEMA_VERSION)?;
        tx.commit()?;
    }
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute("ATTACH DATABASE ?1 AS src", [super::read_only_uri(source)?])?;
    // The source's size bounds the work of copying it, as for every open.
    super::step_budget_on(&mut conn, super::default_step_budget(source))?;
    // One transaction: every read of `src` sees the same snapshot.
    let tx = conn.transaction()?;
    // The file attached is the file checked.
    if let Some(problem) = guard::schema_problems(&tx, "src", version)?.first() {
        return Err(CaseError::UnexpectedSchema {
            path: source.to_path_buf(),
            first: problem.to_string(),
            more: String::new(),
        });
    }
    if let Some(clusters) = clusters {
        select_clusters(&tx, source, clusters)?;
    }
    let scrubber = match redact {
        Some(key) => Some(Scrubber::from_source(
            &tx,
            "src",
            Redactor::new(key.bytes()),
        )?),
        None => None,
    };
    let reference = guard::reference(SCHEMA_VERSION)?;
    let source_tables: Vec<String> = {
        let mut stmt = tx.prepare("SELECT name FROM src.sqlite_schema WHERE type = 'table'")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    let mut recompute = Vec::new();
    let mut left_out = 0;
    for shape in &reference.tables {
        let table = shape.name.as_str();
        let in_source = source_tables.iter().any(|t| t == table);
        let rule = match (clusters, table_rule(table)) {
            (_, Some(Rule::Internal)) => continue,
            // A whole export copies the rollups; a subset, or a source of a
            // format without them, has them recomputed.
            (None, Some(Rule::Recompute(_))) if in_source => Rule::All,
            (_, Some(Rule::Recompute(sql))) => Rule::Recompute(sql),
            (Some(_), Some(rule)) => rule,
            (None, Some(_)) => Rule::All,
            (Some(_), None) => {
                return Err(CaseError::Invalid(format!(
                    "export does not know how to subset table {table}; export the whole case"
                )));
            }
            // A table a later format adds, in a whole export: every row.
            (None, None) => Rule::All,
        };
        let condition = match rule {
            Rule::Internal => continue,
            Rule::Recompute(sql) => {
                if redact.is_none() || !super::redact::DROPPED_TABLES.contains(&table) {
                    recompute.push(sql);
                }
                continue;
            }
            Rule::All => "1",
            Rule::Where(condition) => condition,
        };
        if !in_source {
            continue; // an older format without it: it stays empty
        }
        // The columns of the format the source has (an older format lacks
        // some; they take their defaults).
        let present = column_names(&tx, "src", table)?;
        let columns: Vec<guard::ColumnShape> = shape
            .columns
            .iter()
            .filter(|c| present.iter().any(|p| p.eq_ignore_ascii_case(&c.name)))
            .cloned()
            .collect();
        match &scrubber {
            Some(scrubber) => {
                let (_, dropped) =
                    super::redact::copy_rows(&tx, table, &columns, condition, scrubber)?;
                left_out += dropped;
            }
            None => {
                let list = columns
                    .iter()
                    .map(|c| format!("\"{}\"", c.name))
                    .collect::<Vec<_>>()
                    .join(", ");
                tx.execute(
                    &format!(
                        "INSERT INTO main.\"{table}\" ({list}) SELECT {list} FROM src.\"{table}\" AS t WHERE {condition}"
                    ),
                    [],
                )?;
            }
        }
    }
    for sql in recompute.into_iter().flatten() {
        tx.execute(sql, [])?;
    }
    super::request_keys::forget(&tx)?;
    if version < 9 {
        // Columns format 9 added to copied tables, from the copied
        // exchanges (a whole export of an older case: every exchange).
        for sql in [
            schema::TEMPLATE_EXAMPLE_FROM_EXCHANGES,
            schema::ACCOUNT_COT_FROM_EXCHANGES,
        ] {
            tx.execute(sql, [])?;
        }
    }
    if clusters.is_some() {
        renumber_accounts(&tx)?;
        // The counts and time span of what was exported, not of the source.
        tx.execute_batch(
            "INSERT OR REPLACE INTO meta (key, value)
                 SELECT 'accounts', count(*) FROM accounts
                 UNION ALL SELECT 'exchanges', count(*) FROM exchanges
                 UNION ALL SELECT 'events', count(*) FROM events
                 UNION ALL SELECT 'indicators', count(*) FROM indicators;
             DELETE FROM meta WHERE key IN ('first_ms', 'last_ms');
             INSERT INTO meta (key, value) SELECT 'first_ms', min(ts_ms) FROM exchanges HAVING count(*) > 0;
             INSERT INTO meta (key, value) SELECT 'last_ms', max(ts_ms) FROM exchanges HAVING count(*) > 0;",
        )?;
    }
    if source_tables.iter().any(|t| t == "sqlite_sequence") {
        // Ids of tags and audit entries are never reused, in the copy too.
        tx.execute_batch(
            "UPDATE main.sqlite_sequence SET seq = max(seq, coalesce((SELECT max(s.seq) FROM src.sqlite_sequence s \
             WHERE s.name = main.sqlite_sequence.name AND typeof(s.seq) = 'integer'), 0));
             INSERT INTO main.sqlite_sequence (name, seq) SELECT name, max(seq) FROM src.sqlite_sequence \
             WHERE typeof(seq) = 'integer' AND name IN (SELECT name FROM main.sqlite_schema WHERE type = 'table') \
             AND name NOT IN (SELECT name FROM main.sqlite_sequence) GROUP BY name;",
        )?;
    }
    tx.commit()?;
    conn.execute("DETACH DATABASE src", [])?;
    Ok((conn, left_out))
}

/// Numbers the accounts of a subset export 1..N again, in their order in
/// the source, in every column that names one (`schema::REFERENCES`) and in
/// the snapshots of the audit entries it carries: a case's accounts are
/// numbered without gaps (`hydrascope verify` refuses one that is not,
/// and with it a merge of the export).
fn renumber_accounts(tx: &Transaction<'_>) -> Result<(), CaseError> {
    tx.execute_batch(
        "CREATE TEMP TABLE account_renumber (old INTEGER PRIMARY KEY, new INTEGER NOT NULL);
         INSERT INTO account_renumber (old, new)
             SELECT id, row_number() OVER (ORDER BY id) FROM main.accounts;",
    )?;
    let moved: i64 = tx.query_row(
        "SELECT count(*) FROM account_renumber WHERE old <> new",
        [],
        |r| r.get(0),
    )?;
    if moved == 0 {
        tx.execute_batch("DROP TABLE temp.account_renumber")?;
        return Ok(());
    }
    let mut columns: Vec<(&str, &str)> = vec![("accounts", "id")];
    columns.extend(
        schema::REFERENCES
            .iter()
            .filter(|(_, _, target, _)| *target == "accounts")
            .map(|(table, column, _, _)| (*table, *column)),
    );
    for (table, column) in columns {
        // Through the negatives first: no new number meets an old one in a
        // key while the rows move.
        tx.execute_batch(&format!(
            "UPDATE main.\"{table}\" SET \"{column}\" = -\"{column}\" WHERE \"{column}\" > 0;
             UPDATE main.\"{table}\" SET \"{column}\" = \
                 (SELECT new FROM account_renumber WHERE old = -\"{table}\".\"{column}\") \
                 WHERE \"{column}\" < 0;"
        ))?;
    }
    // Snapshots name accounts by index (id − 1).
    let index_of: std::collections::HashMap<u32, u32> = {
        let mut stmt = tx.prepare("SELECT old, new FROM account_renumber")?;
        stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?
            .filter_map(|row| match row {
                Ok((old, new)) => Some(Ok((
                    u32::try_from(old - 1).ok()?,
                    u32::try_from(new - 1).ok()?,
                ))),
                Err(e) => Some(Err(e)),
            })
            .collect::<rusqlite::Result<_>>()?
    };
    let entries: Vec<(i64, String, String)> = {
        let mut stmt = tx.prepare("SELECT id, before_json, after_json FROM main.audit_log")?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    let triggers: Vec<String> = {
        let mut stmt = tx.prepare(
            "SELECT sql FROM main.sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit_log' ORDER BY name",
        )?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?
    };
    tx.execute_batch(
        "DROP TRIGGER IF EXISTS main.audit_log_is_append_only_update;
         DROP TRIGGER IF EXISTS main.audit_log_is_append_only_delete;",
    )?;
    {
        let mut update = tx
            .prepare("UPDATE main.audit_log SET before_json = ?2, after_json = ?3 WHERE id = ?1")?;
        let remap = |text: &str| -> String {
            match serde_json::from_str::<super::casework::Snapshot>(text) {
                Ok(mut snapshot) => {
                    snapshot.remap_accounts(&|a| index_of.get(&a).copied());
                    serde_json::to_string(&snapshot).unwrap_or_else(|_| text.to_string())
                }
                // Not a snapshot this build reads: left as it is.
                Err(_) => text.to_string(),
            }
        };
        for (id, before, after) in &entries {
            update.execute(params![id, remap(before), remap(after)])?;
        }
    }
    for sql in triggers {
        tx.execute_batch(&sql)?;
    }
    tx.execute_batch("DROP TABLE temp.account_renumber")?;
    Ok(())
}

/// Fills the temp tables `sel_clusters(id)` and `sel_accounts(account)` of
/// a subset export; an unknown cluster stops it.
fn select_clusters(
    tx: &Transaction<'_>,
    source: &Path,
    clusters: &[String],
) -> Result<(), CaseError> {
    tx.execute_batch(
        "CREATE TEMP TABLE sel_clusters (id TEXT PRIMARY KEY);
         CREATE TEMP TABLE sel_accounts (account INTEGER PRIMARY KEY);",
    )?;
    let mut known = tx.prepare("SELECT 1 FROM src.clusters WHERE id = ?1")?;
    let mut add = tx.prepare("INSERT OR IGNORE INTO sel_clusters (id) VALUES (?1)")?;
    for id in clusters {
        if !known.exists([id])? {
            return Err(CaseError::Invalid(format!(
                "{}: no cluster {id} in this case (run analyze, or see the cluster table)",
                source.display()
            )));
        }
        add.execute([id])?;
    }
    tx.execute(
        "INSERT OR IGNORE INTO sel_accounts SELECT account FROM src.cluster_members \
         WHERE cluster IN sel_clusters AND typeof(account) = 'integer'",
        [],
    )?;
    Ok(())
}

fn column_names(tx: &Transaction<'_>, db: &str, table: &str) -> Result<Vec<String>, CaseError> {
    let mut stmt = tx.prepare(&format!("PRAGMA \"{db}\".table_info(\"{table}\")"))?;
    let names = stmt
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(names)
}

/// Records in the new file where it came from, and appends an `export`
/// entry to its audit log.
fn stamp_export(
    tx: &Transaction<'_>,
    source: &Path,
    options: &ExportOptions,
    who: &Who,
    redaction_key_id: Option<&str>,
) -> Result<(), CaseError> {
    let at = crate::base::time::now_rfc3339();
    let source_name = file_name_of(source);
    let scope = scope_of(options);
    // A file name often names the organisation: a redacted export names
    // its source by fingerprint.
    let source_name = match redaction_key_id {
        Some(_) => format!(
            "case {}",
            super::Case::open_read_only(source)
                .and_then(|c| c.fingerprint())
                .unwrap_or_default()
        ),
        None => source_name,
    };
    let mut meta = vec![
        ("exported_at", at.clone()),
        ("exported_by", who.analyst.clone()),
        ("exported_from", source_name.clone()),
        ("export_scope", scope.clone()),
    ];
    // Without a key, a redacted source's marker stays (every export of a
    // redacted case is redacted) — if it is true of the bytes written; a
    // forged mark on raw data is not carried on.
    if redaction_key_id.is_none() && redaction_of(tx)?.is_none() {
        tx.execute(
            "DELETE FROM meta WHERE key IN ('redacted', 'redaction_key_id')",
            [],
        )?;
    }
    if let Some(id) = redaction_key_id {
        meta.push(("redacted", "1".into()));
        meta.push(("redaction_key_id", id.to_string()));
        // Where the raw data was imported from says who holds it.
        tx.execute(
            "UPDATE meta SET value = '(redacted)' WHERE key = 'source'",
            [],
        )?;
    }
    let mut put = tx.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
    for (key, value) in &meta {
        put.execute((key, value))?;
    }
    let clusters = options.clusters.clone().unwrap_or_default().join(",");
    let summary = format!(
        "exported from {source_name} ({scope}{})",
        if redaction_key_id.is_some() {
            ", redacted"
        } else {
            ""
        }
    );
    append_note(tx, who, &at, "export", &clusters, &summary)
}

/// Appends an audit entry that changes no rows (an export, a note).
fn append_note(
    tx: &Connection,
    who: &Who,
    at: &str,
    action: &str,
    clusters: &str,
    summary: &str,
) -> Result<(), CaseError> {
    let empty = serde_json::to_string(&Snapshot::default())
        .map_err(|e| CaseError::Invalid(format!("audit snapshot: {e}")))?;
    tx.execute(
        "INSERT INTO audit_log (at, analyst, origin, session, action, clusters, summary, before_json, after_json, reverts) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, NULL)",
        params![at, who.analyst, who.origin.name(), who.session, action, clusters, summary, empty],
    )?;
    Ok(())
}

/// Appends "exported … to …" to the source's audit log, so the case says
/// what left it. A source that cannot be written (write-protected, busy)
/// keeps no such entry; the export itself stands.
fn note_export_in_source(
    source: &Path,
    out: &Path,
    options: &ExportOptions,
    who: &Who,
    report: &ExportReport,
) {
    // Only a current-format source, and without changing its journal mode:
    // an export never migrates or converts the case it reads.
    if check_file(source).ok() != Some(SCHEMA_VERSION) {
        return;
    }
    let Ok(conn) = super::open_hardened(source, false) else {
        return;
    };
    if conn
        .busy_timeout(std::time::Duration::from_secs(10))
        .is_err()
    {
        return;
    }
    let out_name = file_name_of(out);
    let scope = scope_of(options);
    let summary = format!(
        "exported {scope} to {out_name}: {} accounts, {} exchanges, {} tags{}",
        report.accounts,
        report.exchanges,
        report.tags,
        match &report.redaction_key_id {
            Some(id) => format!(", redacted with key {id}"),
            None => String::new(),
        }
    );
    let clusters = options.clusters.clone().unwrap_or_default().join(",");
    let at = crate::base::time::now_rfc3339();
    let _ = append_note(&conn, who, &at, "export", &clusters, &summary);
}

// ------------------------------------------------------------------ helpers

/// Whether a case says it is a redacted export, with its key id.
pub fn redaction_of(conn: &Connection) -> Result<Option<String>, CaseError> {
    if !marked_redacted(conn)? {
        return Ok(None);
    }
    // The mark is a claim about the bytes: a case whose identifier columns
    // hold raw values is not redacted, whatever its meta says.
    if super::redact::raw_identifiers(conn)? > 0 {
        return Ok(None);
    }
    let key: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'redaction_key_id'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    Ok(Some(key.unwrap_or_default()))
}

/// Whether the case's meta says it is redacted (`meta.redacted` = `1`): a
/// claim, which [`redaction_of`] checks against the bytes.
pub(crate) fn marked_redacted(conn: &Connection) -> Result<bool, CaseError> {
    let redacted: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'redacted'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(redacted.as_deref() == Some("1"))
}

impl super::Case {
    /// A short fingerprint of the case's state: its data (accounts,
    /// exchanges, time span, where it was imported from), the stored
    /// analysis and the newest audit entry. It changes whenever any of them
    /// does, so a picture or a report can be traced to the exact state it
    /// shows (8 hex digits; printed in captions and reports).
    pub fn fingerprint(&self) -> Result<String, CaseError> {
        let conn = self.conn();
        let mut text = String::new();
        let mut meta = conn.prepare(
            "SELECT key, value FROM meta WHERE key IN \
             ('accounts', 'exchanges', 'first_ms', 'last_ms', 'imported_at', 'exported_at') ORDER BY key",
        )?;
        for row in meta.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (k, v) = row?;
            text.push_str(&format!("{k}={v};"));
        }
        let run: Option<(i64, String)> = conn
            .query_row(
                "SELECT id, finished_at FROM analysis_runs ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        if let Some((id, at)) = run {
            text.push_str(&format!("run={id}@{at};"));
        }
        let audit: Option<i64> =
            conn.query_row("SELECT max(id) FROM audit_log", [], |r| r.get(0))?;
        text.push_str(&format!("audit={};", audit.unwrap_or(0)));
        Ok(format!(
            "{:08x}",
            xxhash_rust::xxh3::xxh3_64(text.as_bytes()) as u32
        ))
    }

    /// The redaction key id if this case is a redacted export.
    pub fn redaction(&self) -> Result<Option<String>, CaseError> {
        redaction_of(self.conn())
    }
}

fn file_name_of(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// "whole case" or "clusters c17,c4", as `meta.export_scope` says it.
fn scope_of(options: &ExportOptions) -> String {
    match &options.clusters {
        None => "whole case".to_string(),
        Some(ids) => format!("clusters {}", ids.join(",")),
    }
}

fn journal_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push("-journal");
    PathBuf::from(name)
}

fn remove_if_exists(path: &Path) -> Result<(), CaseError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(CaseError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

fn path_text(path: &Path) -> Result<&str, CaseError> {
    path.to_str().ok_or_else(|| {
        CaseError::Invalid(format!(
            "{}: the path is not valid UTF-8; choose another name",
            path.display()
        ))
    })
}

/// `file:` URI of a path, with every byte SQLite could read as URI syntax
/// percent-encoded.
pub(crate) fn sqlite_uri(path: &Path) -> Result<String, CaseError> {
    let text = path_text(path)?;
    let mut uri = String::from("file:");
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'/' | b'-' | b'_' | b'.' | b'~') {
            uri.push(byte as char);
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    Ok(uri)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_escapes_characters_sqlite_would_read_as_syntax() {
        assert_eq!(
            sqlite_uri(Path::new("/tmp/a b?c#d%e.hcase")).unwrap(),
            "file:/tmp/a%20b%3Fc%23d%25e.hcase"
        );
    }
}
