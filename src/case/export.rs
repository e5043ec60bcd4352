//! Exporting a case to share: the whole case or chosen clusters, written to
//! a new self-contained case file from one consistent snapshot of the
//! source (so an export taken while a workbench writes is never torn), and
//! optionally redacted.
//!
//! A whole-case export is `VACUUM INTO`. A subset is a new empty case that
//! reads the source through `ATTACH` inside one transaction, table by table,
//! each with its own rule (see [`table_rule`]); a table without a rule stops
//! the export rather than leaking or dropping rows silently.
//!
//! Redaction replaces every identifier (request and sign-up addresses and
//! their prefixes, payment fingerprints, e-mail domains, organisation names,
//! API key ids, client fingerprints) by a keyed pseudonym, the same value
//! always giving the same pseudonym, so the links between accounts still
//! hold; prompt excerpts and unknown imported fields are removed; the same
//! values are also replaced inside free text (tag notes, evidence sentences,
//! the audit log). The file is then rebuilt (`VACUUM`) with
//! `secure_delete`, so no raw byte survives in free pages.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use aho_corasick::{AhoCorasick, MatchKind};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use super::casework::{Snapshot, Who};
use super::{APPLICATION_ID, CaseError, SCHEMA_VERSION, check_file, schema};
use crate::base::Progress;

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
    pub fn from_file(path: &Path) -> Result<Self, CaseError> {
        let secret = std::fs::read(path).map_err(|source| CaseError::Io {
            path: path.into(),
            source,
        })?;
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
    let partial = crate::base::paths::partial_path(out);
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
    let mut conn = match &options.clusters {
        None => {
            progress.set_phase("copying the case");
            // `export_case` checked the file (its schema is its version's).
            let src = super::open_hardened(source, true)?;
            src.busy_timeout(std::time::Duration::from_secs(10))?;
            src.execute("VACUUM INTO ?1", [path_text(partial)?])?;
            drop(src);
            let mut conn = open_work_file(partial)?;
            if version < SCHEMA_VERSION {
                let tx = conn.transaction()?;
                schema::migrate(&tx, version, SCHEMA_VERSION)?;
                tx.commit()?;
            }
            conn
        }
        Some(clusters) => {
            progress.set_phase("copying the chosen clusters");
            copy_subset(source, version, partial, clusters)?
        }
    };
    let redaction_key_id = match &options.redact {
        Some(key) => {
            progress.set_phase("redacting identifiers");
            // The source's identifiers, all of them, name what to look for
            // in free text: a subset's notes may quote accounts it lacks.
            conn.execute(
                "ATTACH DATABASE ?1 AS src",
                [format!("{}?mode=ro", sqlite_uri(source)?)],
            )?;
            let tx = conn.transaction()?;
            redact(&tx, key)?;
            tx.commit()?;
            conn.execute("DETACH DATABASE src", [])?;
            Some(key.id())
        }
        None => None,
    };
    let tx = conn.transaction()?;
    stamp_export(&tx, source, options, who, redaction_key_id.as_deref())?;
    tx.commit()?;
    if options.redact.is_some() || options.clusters.is_some() {
        // Rebuild the file so that rows deleted or rewritten above leave no
        // trace in free pages.
        progress.set_phase("compacting");
        conn.execute_batch("VACUUM")?;
    }
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
/// ship), and freed content overwritten with zeros.
fn open_work_file(path: &Path) -> Result<Connection, CaseError> {
    let conn = Connection::open(path)?;
    // The source is attached to this connection: the same defences.
    super::guard::harden(&conn)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "synchronous", "OFF")?;
    Ok(conn)
}

/// How a subset export fills one table from the source (`src`), given the
/// temp tables `sel_accounts(account)` and `sel_clusters(id)`.
enum Rule {
    /// Every row.
    All,
    /// Rows matching this SQL condition on the source table (aliased `t`).
    Where(&'static str),
    /// Recomputed from the copied rows by this SQL after the copy.
    Recompute(&'static str),
    /// Kept by SQLite itself.
    Internal,
}

/// The rule of each table. Dictionaries keep only the values the chosen
/// accounts' exchanges use, so a subset leaks nothing of the other accounts.
fn table_rule(table: &str) -> Option<Rule> {
    use Rule::*;
    Some(match table {
        "meta" | "models" | "capabilities" | "analysis_runs" | "indicators" | "merges" => All,
        "sqlite_sequence" | "sqlite_stat1" | "sqlite_stat4" => Internal,
        "origins" => {
            Where("t.id IN (SELECT origin FROM src.account_origins WHERE account IN sel_accounts)")
        }
        "api_keys" => {
            Where("t.id IN (SELECT api_key FROM src.exchanges WHERE account IN sel_accounts)")
        }
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
        "template_stats" => Recompute(
            "INSERT INTO template_stats \
             SELECT template, count(*), count(DISTINCT account), min(ts_ms), max(ts_ms) \
             FROM exchanges WHERE template IS NOT NULL GROUP BY template",
        ),
        "model_hourly" => Recompute(
            "INSERT INTO model_hourly \
             SELECT model, ((ts_ms - ((ts_ms % 3600000) + 3600000) % 3600000) / 3600000), \
                    count(*), sum(input_tokens), sum(output_tokens) \
             FROM exchanges GROUP BY 1, 2",
        ),
        // One example per template, from the chosen accounts' own exchanges.
        "template_examples" => Recompute(
            "INSERT INTO template_examples \
             SELECT template, min(excerpt) FROM exchanges \
             WHERE template IS NOT NULL AND excerpt IS NOT NULL GROUP BY template",
        ),
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
        // Entries that name a chosen cluster.
        "audit_log" => Where(
            "EXISTS (SELECT 1 FROM sel_clusters s WHERE instr(',' || t.clusters || ',', ',' || s.id || ',') > 0)",
        ),
        _ => return None,
    })
}

fn copy_subset(
    source: &Path,
    version: i32,
    partial: &Path,
    clusters: &[String],
) -> Result<Connection, CaseError> {
    if clusters.is_empty() {
        return Err(CaseError::Invalid(
            "no clusters named: pass --clusters c1,c2,… or leave it out to export the whole case"
                .into(),
        ));
    }
    if version < SCHEMA_VERSION {
        return Err(CaseError::NeedsMigration {
            path: source.to_path_buf(),
            version,
            supported: SCHEMA_VERSION,
        });
    }
    let mut conn = open_work_file(partial)?;
    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
    {
        let tx = conn.transaction()?;
        schema::migrate(&tx, 0, SCHEMA_VERSION)?;
        tx.commit()?;
    }
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.execute(
        "ATTACH DATABASE ?1 AS src",
        [format!("{}?mode=ro", sqlite_uri(source)?)],
    )?;
    // One transaction: every read of `src` sees the same snapshot.
    let tx = conn.transaction()?;
    tx.execute_batch(
        "CREATE TEMP TABLE sel_clusters (id TEXT PRIMARY KEY);
         CREATE TEMP TABLE sel_accounts (account INTEGER PRIMARY KEY);",
    )?;
    {
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
    }
    tx.execute(
        "INSERT INTO sel_accounts SELECT account FROM src.cluster_members WHERE cluster IN sel_clusters",
        [],
    )?;
    let tables: Vec<String> = {
        let mut stmt =
            tx.prepare("SELECT name FROM main.sqlite_master WHERE type = 'table' ORDER BY rowid")?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    let mut recompute = Vec::new();
    for table in &tables {
        let rule = table_rule(table).ok_or_else(|| {
            CaseError::Invalid(format!(
                "export does not know how to subset table {table}; export the whole case"
            ))
        })?;
        let condition = match rule {
            Rule::Internal => continue,
            Rule::Recompute(sql) => {
                recompute.push(sql);
                continue;
            }
            Rule::All => "1",
            Rule::Where(condition) => condition,
        };
        let columns = column_names(&tx, table)?.join(", ");
        tx.execute(&format!("DELETE FROM main.{table}"), [])?;
        tx.execute(
            &format!(
                "INSERT INTO main.{table} ({columns}) SELECT {columns} FROM src.{table} AS t WHERE {condition}"
            ),
            [],
        )?;
    }
    for sql in recompute {
        tx.execute(sql, [])?;
    }
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
    // Ids of tags and audit entries are never reused, in the copy too.
    tx.execute(
        "UPDATE main.sqlite_sequence SET seq = max(seq, \
         coalesce((SELECT s.seq FROM src.sqlite_sequence s WHERE s.name = main.sqlite_sequence.name), 0))",
        [],
    )?;
    tx.execute(
        "INSERT INTO main.sqlite_sequence (name, seq) SELECT name, seq FROM src.sqlite_sequence \
         WHERE name NOT IN (SELECT name FROM main.sqlite_sequence)",
        [],
    )?;
    tx.commit()?;
    conn.execute("DETACH DATABASE src", [])?;
    Ok(conn)
}

fn column_names(tx: &Transaction<'_>, table: &str) -> Result<Vec<String>, CaseError> {
    let mut stmt = tx.prepare(&format!("PRAGMA main.table_info({table})"))?;
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
    // (Without a key, a redacted source's marker stays: every export of a
    // redacted case is redacted.)
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

// ---------------------------------------------------------------- redaction

/// The pseudonyms of one export.
struct Redactor {
    key: [u8; 32],
}

impl Redactor {
    /// `kind-<16 hex>`: a keyed hash of the value; the kind keeps the
    /// workbench readable ("pay-…" is a card).
    fn token(&self, kind: &str, value: &str) -> String {
        // Domains compare without case in the analysis; so do their tokens.
        let hash = if kind == "dom" {
            blake3::keyed_hash(&self.key, value.to_ascii_lowercase().as_bytes())
        } else {
            blake3::keyed_hash(&self.key, value.as_bytes())
        };
        format!("{kind}-{}", &hash.to_hex()[..16])
    }

    /// The pseudonym of an address (`ip-…`) or a network (`net-…`), from
    /// its canonical text, so the same address written differently gets
    /// the same pseudonym; `None` when `text` is neither. A pseudonym is
    /// never itself an address: it cannot be mistaken for (or coincide
    /// with) a real one.
    fn address_text(&self, text: &str) -> Option<String> {
        match text.split_once('/') {
            Some((addr, len)) => {
                let ip: IpAddr = addr.parse().ok()?;
                let len: u8 = len.parse().ok()?;
                let max = if ip.is_ipv4() { 32 } else { 128 };
                (len <= max).then(|| self.token("net", &format!("{ip}/{len}")))
            }
            None => {
                let ip: IpAddr = text.parse().ok()?;
                Some(self.token("ip", &ip.to_string()))
            }
        }
    }

    /// An address or network, else a token of the text.
    fn address_or_token(&self, text: &str) -> String {
        self.address_text(text.trim())
            .unwrap_or_else(|| self.token("ip", text))
    }
}

/// Shortest identifier replaced inside free text: shorter values ("AB")
/// would also hit ordinary words and numbers; as whole fields they are
/// always replaced.
pub const MIN_REDACTED_SUBSTRING: usize = 4;

/// The identifier columns and how each is pseudonymised.
const TOKEN_COLUMNS: &[(&str, &str, &str)] = &[
    ("accounts", "org_name", "org"),
    ("accounts", "email_domain", "dom"),
    ("accounts", "payment_fingerprint", "pay"),
    ("api_keys", "key_id", "key"),
    ("client_fingerprints", "fingerprint", "cfp"),
];
const ADDRESS_COLUMNS: &[(&str, &str)] = &[
    ("accounts", "signup_ip"),
    ("origins", "ip"),
    ("origins", "prefix"),
];
/// Indicator kinds whose value is an identifier, with the token kind
/// (`None`: an address or network).
const INDICATOR_KINDS: &[(&str, Option<&str>)] = &[
    ("ip", None),
    ("cidr", None),
    ("payment_fingerprint", Some("pay")),
    ("email_domain", Some("dom")),
    ("client_fingerprint", Some("cfp")),
];

/// Text columns that are never rewritten: ids that tie the case to the
/// provider's records and to other analysts' cases, fixed vocabularies, and
/// timestamps.
fn keeps_text(table: &str, column: &str) -> bool {
    matches!(
        (table, column),
        ("accounts", "account_id")
            | ("accounts", "billing_country")
            | ("accounts", "access_path")
            | ("accounts", "verification")
            | ("exchanges", "request_id")
            | ("events", "account_id")
            | ("events", "kind")
            | ("events", "model")
            | ("models", "name")
            | ("capabilities", "name")
            | ("templates", "hex")
            | ("indicators", "kind")
            | ("meta", "key")
            | ("tags", "status")
            | ("clusters", "id")
            | ("campaigns", "id")
            | ("campaign_clusters", "campaign")
            | ("cluster_members", "cluster")
            | ("cluster_model_hourly", "cluster")
            | ("account_pins", "cluster")
            | ("link_evidence", "kind")
            | ("sqlite_sequence", "name")
    ) || column.ends_with("_at")
        || column == "at"
        || column == "cluster"
}

/// Rewrites every identifier of the case in `tx`, then every free-text
/// column through the same mapping.
fn redact(tx: &Transaction<'_>, key: &RedactionKey) -> Result<(), CaseError> {
    let r = Redactor { key: key.key };
    // value -> pseudonym, for the free-text pass
    let mut mapping: BTreeMap<String, String> = BTreeMap::new();
    for (table, column, kind) in TOKEN_COLUMNS {
        rewrite_column(tx, table, column, None, &mut mapping, |v| r.token(kind, v))?;
    }
    for (table, column) in ADDRESS_COLUMNS {
        rewrite_column(tx, table, column, None, &mut mapping, |v| {
            r.address_or_token(v)
        })?;
    }
    for (kind, token) in INDICATOR_KINDS {
        let condition = format!("kind = '{kind}'");
        rewrite_column(
            tx,
            "indicators",
            "value",
            Some(&condition),
            &mut mapping,
            |v| match token {
                Some(token) => r.token(token, v),
                None => r.address_or_token(v),
            },
        )?;
    }
    // Prompt excerpts and fields the contract does not name go entirely.
    tx.execute_batch(
        "UPDATE exchanges SET excerpt = NULL WHERE excerpt IS NOT NULL;
         DELETE FROM excerpts;
         DELETE FROM template_examples;
         DELETE FROM exchange_extra;
         UPDATE accounts SET extra_json = NULL WHERE extra_json IS NOT NULL;
         UPDATE events SET extra_json = NULL WHERE extra_json IS NOT NULL;
         UPDATE indicators SET extra_json = NULL WHERE extra_json IS NOT NULL;",
    )?;
    scrub_free_text(tx, &r, &mapping)
}

/// Replaces each distinct value of `table.column` (rows matching
/// `condition`) by `pseudonym(value)`, remembering the pair.
fn rewrite_column(
    tx: &Transaction<'_>,
    table: &str,
    column: &str,
    condition: Option<&str>,
    mapping: &mut BTreeMap<String, String>,
    pseudonym: impl Fn(&str) -> String,
) -> Result<(), CaseError> {
    let pairs: Vec<(String, String)> = distinct_values(tx, table, column, condition)?
        .into_iter()
        .map(|value| {
            let pseudo = pseudonym(&value);
            (value, pseudo)
        })
        .collect();
    apply_pairs(tx, table, column, condition, &pairs)?;
    mapping.extend(pairs);
    // The source's values too (when it is attached as `src`), for free text.
    let attached: bool = tx.query_row(
        "SELECT count(*) FROM pragma_database_list WHERE name = 'src'",
        [],
        |r| r.get::<_, i64>(0).map(|n| n > 0),
    )?;
    if attached {
        for value in distinct_values(tx, &format!("src.{table}"), column, condition)? {
            mapping.entry(value).or_insert_with_key(|v| pseudonym(v));
        }
    }
    Ok(())
}

fn distinct_values(
    tx: &Transaction<'_>,
    table: &str,
    column: &str,
    condition: Option<&str>,
) -> Result<Vec<String>, CaseError> {
    let filter = condition.map(|c| format!(" AND {c}")).unwrap_or_default();
    let mut stmt = tx.prepare(&format!(
        "SELECT DISTINCT {column} FROM {table} WHERE {column} IS NOT NULL{filter}"
    ))?;
    let values = stmt
        .query_map([], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(values)
}

/// Rewrites `table.column` from `(old, new)` pairs in one statement,
/// through a temp table (a UNIQUE column cannot be rewritten value by value
/// when a new value could equal an old one not yet rewritten, and one
/// UPDATE per value would scan the table each time).
fn apply_pairs(
    tx: &Transaction<'_>,
    table: &str,
    column: &str,
    condition: Option<&str>,
    pairs: &[(String, String)],
) -> Result<(), CaseError> {
    if pairs.is_empty() {
        return Ok(());
    }
    tx.execute_batch(
        "DROP TABLE IF EXISTS temp.pseudonyms;
         CREATE TEMP TABLE pseudonyms (raw TEXT PRIMARY KEY, pseudo TEXT NOT NULL);",
    )?;
    {
        let mut put = tx.prepare("INSERT INTO temp.pseudonyms (raw, pseudo) VALUES (?1, ?2)")?;
        for (raw, pseudo) in pairs {
            put.execute((raw, pseudo))?;
        }
    }
    let filter = condition.map(|c| format!(" AND {c}")).unwrap_or_default();
    tx.execute(
        &format!(
            "UPDATE {table} SET {column} = (SELECT pseudo FROM temp.pseudonyms WHERE raw = {table}.{column}) \
             WHERE {column} IN (SELECT raw FROM temp.pseudonyms){filter}"
        ),
        [],
    )?;
    tx.execute_batch("DROP TABLE temp.pseudonyms")?;
    Ok(())
}

/// Replaces identifiers inside every other text column: known values
/// (longest first) and anything that reads as an IP address or network.
fn scrub_free_text(
    tx: &Transaction<'_>,
    r: &Redactor,
    mapping: &BTreeMap<String, String>,
) -> Result<(), CaseError> {
    let pairs: Vec<(&String, &String)> = mapping
        .iter()
        .filter(|(raw, _)| raw.chars().count() >= MIN_REDACTED_SUBSTRING)
        .collect();
    let matcher = AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostLongest)
        // Domains and names are written in any case ("Example.COM").
        .ascii_case_insensitive(true)
        .build(pairs.iter().map(|(raw, _)| raw.as_str()))
        .map_err(|e| CaseError::Invalid(format!("redaction patterns: {e}")))?;
    let scrub = |text: &str| -> String {
        let replaced = if pairs.is_empty() {
            text.to_string()
        } else {
            let mut out = String::with_capacity(text.len());
            matcher.replace_all_with(text, &mut out, |m, _, dst| {
                dst.push_str(pairs[m.pattern().as_usize()].1);
                true
            });
            out
        };
        scrub_addresses(&replaced, r)
    };
    // The audit log is append-only by trigger; the export rewrites it once,
    // here, and puts the triggers back as they were.
    let triggers: Vec<(String, String)> = {
        let mut stmt = tx.prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?
    };
    for (name, _) in &triggers {
        tx.execute(&format!("DROP TRIGGER \"{name}\""), [])?;
    }
    let tables: Vec<String> = {
        let mut stmt = tx.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?;
        stmt.query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?
    };
    for table in &tables {
        let columns: Vec<(String, String)> = {
            let mut stmt = tx.prepare(&format!("PRAGMA table_info({table})"))?;
            stmt.query_map([], |r| Ok((r.get(1)?, r.get(2)?)))?
                .collect::<Result<_, _>>()?
        };
        let identifier_columns: Vec<&str> = TOKEN_COLUMNS
            .iter()
            .filter(|(t, ..)| t == table)
            .map(|(_, c, _)| *c)
            .chain(
                ADDRESS_COLUMNS
                    .iter()
                    .filter(|(t, _)| t == table)
                    .map(|(_, c)| *c),
            )
            .collect();
        for (column, declared) in columns {
            if !declared.eq_ignore_ascii_case("TEXT")
                || keeps_text(table, &column)
                || identifier_columns.contains(&column.as_str())
            {
                continue;
            }
            let is_json = column.ends_with("_json");
            let pairs: Vec<(String, String)> = distinct_values(tx, table, &column, None)?
                .into_iter()
                .filter_map(|value| {
                    let new = if is_json {
                        scrub_json(&value, &scrub)
                    } else {
                        scrub(&value)
                    };
                    (new != value).then_some((value, new))
                })
                .collect();
            apply_pairs(tx, table, &column, None, &pairs)?;
        }
    }
    for (_, sql) in &triggers {
        tx.execute_batch(sql)?;
    }
    Ok(())
}

/// Scrubs the strings inside a JSON document (keys are Hydrascope's own),
/// so a value escaped inside JSON is found too; text that is not JSON is
/// scrubbed as text.
fn scrub_json(text: &str, scrub: &dyn Fn(&str) -> String) -> String {
    fn walk(value: &mut serde_json::Value, scrub: &dyn Fn(&str) -> String) {
        match value {
            serde_json::Value::String(s) => *s = scrub(s),
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| walk(v, scrub)),
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| walk(v, scrub)),
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut value) => {
            walk(&mut value, scrub);
            serde_json::to_string(&value).unwrap_or_else(|_| scrub(text))
        }
        Err(_) => scrub(text),
    }
}

/// Replaces everything in `text` that reads as an IP address or network
/// (`203.0.113.7`, `203.0.113.0/24`, `2001:db8::1`, also inside
/// `ip:203.0.113.7`, `203.0.113.7:443` or `[2001:db8::1]:443`) by its
/// pseudonym.
fn scrub_addresses(text: &str, r: &Redactor) -> String {
    // IPv4 first: runs of digits and dots (with a /length), whatever
    // surrounds them.
    let v4 = replace_runs(
        text,
        |c| c.is_ascii_digit() || c == '.' || c == '/',
        |run| {
            let trimmed = run.trim_matches(['.', '/']);
            if trimmed.matches('.').count() != 3 {
                return None;
            }
            let pseudo = r.address_text(trimmed).or_else(|| {
                // "10.0.0.0/16." or a date-like "/" after an address
                let addr = trimmed.split('/').next()?;
                r.address_text(addr)
                    .map(|p| format!("{p}{}", &trimmed[addr.len()..]))
            })?;
            let start = run.find(trimmed).unwrap_or(0);
            Some(format!(
                "{}{pseudo}{}",
                &run[..start],
                &run[start + trimmed.len()..]
            ))
        },
    );
    // Then IPv6: runs of hex digits and colons with at least two colons.
    replace_runs(
        &v4,
        |c| c.is_ascii_hexdigit() || c == ':' || c == '/',
        |run| {
            if run.matches(':').count() < 2 {
                return None;
            }
            // Whole, else without a leading "ip:"-like colon or a trailing ":port".
            let candidates = [
                run,
                run.trim_start_matches(':'),
                run.rsplit_once(':').map_or(run, |(head, _)| head),
                run.trim_start_matches(':')
                    .rsplit_once(':')
                    .map_or(run, |(head, _)| head),
            ];
            candidates.iter().find_map(|c| {
                let pseudo = r.address_text(c.trim_end_matches('/'))?;
                let start = run.find(*c)?;
                Some(format!(
                    "{}{pseudo}{}",
                    &run[..start],
                    &run[start + c.trim_end_matches('/').len()..]
                ))
            })
        },
    )
}

/// Rewrites each maximal run of characters matching `part` that
/// `replace` has a replacement for.
fn replace_runs(
    text: &str,
    part: impl Fn(char) -> bool,
    replace: impl Fn(&str) -> Option<String>,
) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(&part) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let end = tail.find(|c: char| !part(c)).unwrap_or(tail.len());
        let run = &tail[..end];
        match replace(run) {
            Some(new) => out.push_str(&new),
            None => out.push_str(run),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

// ------------------------------------------------------------------ helpers

/// Whether a case says it is a redacted export, with its key id.
pub fn redaction_of(conn: &Connection) -> Result<Option<String>, CaseError> {
    let redacted: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'redacted'", [], |r| {
            r.get(0)
        })
        .optional()?;
    if redacted.as_deref() != Some("1") {
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

    fn redactor() -> Redactor {
        Redactor {
            key: RedactionKey::from_secret(b"a test secret of enough bytes").key,
        }
    }

    #[test]
    fn address_pseudonyms_are_keyed_consistent_and_never_addresses() {
        let r = redactor();
        let a = r.address_text("203.0.113.7").unwrap();
        assert!(a.starts_with("ip-") && a.len() == 19, "{a}");
        assert_eq!(a, r.address_text("203.0.113.7").unwrap(), "deterministic");
        assert_ne!(a, r.address_text("203.0.113.8").unwrap());
        assert!(
            r.address_text("203.0.113.0/24")
                .unwrap()
                .starts_with("net-")
        );
        // The canonical form decides: the same IPv6 address written two ways.
        assert_eq!(
            r.address_text("2001:db8::1").unwrap(),
            r.address_text("2001:0db8:0:0:0:0:0:1").unwrap()
        );
        assert_eq!(r.address_text("not an address"), None);
        let other_key = Redactor {
            key: RedactionKey::from_secret(b"another secret of enough bytes").key,
        };
        assert_ne!(other_key.address_text("203.0.113.7").unwrap(), a);
    }

    #[test]
    fn free_text_addresses_are_replaced_wherever_they_stand() {
        let r = redactor();
        let text = "12 sign-ups from 203.0.0.0/16 from 2026-02-01T10:00:00.000Z; see 10.1.2.3. \
                    Also ip:198.51.100.9, 198.51.100.10:8443, [2001:db8::7]:443 and ::ffff:10.9.8.7";
        let out = scrub_addresses(text, &r);
        for raw in [
            "203.0.0.0",
            "10.1.2.3",
            "198.51.100.9",
            "198.51.100.10",
            "2001:db8::7",
            "10.9.8.7",
        ] {
            assert!(!out.contains(raw), "{raw} left in {out}");
        }
        assert!(out.contains("2026-02-01T10:00:00.000Z"), "{out}");
        assert!(
            out.contains(&r.address_text("203.0.0.0/16").unwrap()),
            "{out}"
        );
        assert!(
            out.contains(&format!(
                "{}:8443",
                r.address_text("198.51.100.10").unwrap()
            )),
            "{out}"
        );
        assert!(
            out.contains(&format!("ip:{}", r.address_text("198.51.100.9").unwrap())),
            "{out}"
        );
    }

    #[test]
    fn uri_escapes_characters_sqlite_would_read_as_syntax() {
        assert_eq!(
            sqlite_uri(Path::new("/tmp/a b?c#d%e.hcase")).unwrap(),
            "file:/tmp/a%20b%3Fc%23d%25e.hcase"
        );
    }
}
