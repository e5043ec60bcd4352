//! Defences for case files made by someone else. A received `.hcase` is an
//! untrusted document: every connection to a case is hardened the way
//! SQLite recommends for untrusted databases ([`harden`]), a path that is
//! not a regular file is refused before SQLite touches it
//! ([`require_regular_file`]), and the case's `sqlite_schema` must hold
//! exactly Hydrascope's own objects for its format version
//! ([`schema_problems`]) — no trigger, view or virtual table of anyone
//! else's ever runs inside Hydrascope.
//!
//! What "Hydrascope's own" means is not written down twice: the reference
//! for format `v` is an in-memory database made by [`schema::create`] at
//! `v`, so a migration appended to the schema moves the check with it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rusqlite::Connection;
use rusqlite::config::DbConfig;
use rusqlite::limits::Limit;

use super::{CaseError, schema};

/// The largest value (text or blob) Hydrascope reads from a case, in bytes.
/// A larger one stops the read ("string or blob too big") instead of being
/// loaded into memory; `hydrascope verify` names it and `hydrascope repair`
/// leaves its row out.
pub const MAX_VALUE_BYTES: usize = 64 << 20;

/// The longest tag label, capability, actor and analyst name, in bytes
/// (refused when written; cut with a marker when a case holds longer).
pub const MAX_TAG_FIELD_BYTES: usize = 1024;

/// The longest tag notes and audit-log summary, in bytes.
pub const MAX_NOTES_BYTES: usize = 64 << 10;

/// The longest prompt excerpt, in bytes (the contract's 500 characters of
/// up to 4 bytes each).
pub const MAX_EXCERPT_BYTES: usize = 4 * crate::logs::section::MAX_EXCERPT_CHARS;

/// The longest value of any other text column, in bytes, except the JSON
/// columns (`…_json`), which may hold up to [`MAX_VALUE_BYTES`].
pub const MAX_TEXT_BYTES: usize = 1 << 20;

/// Switches on SQLite's defences for untrusted databases on `conn`:
/// defensive mode (no writes to the schema or to shadow tables, no
/// `writable_schema`), `trusted_schema = OFF` (functions and virtual tables
/// reached from the schema must be innocuous), extension loading off,
/// `cell_size_check = ON` (damaged pages are detected, not followed), and a
/// bound of [`MAX_VALUE_BYTES`] on any value read.
pub(crate) fn harden(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, false)?;
    conn.load_extension_disable()?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES as i32)?;
    conn.pragma_update(None, "cell_size_check", true)?;
    Ok(())
}

/// [`harden`], and triggers and views off too: for connections that only
/// look at a case that failed its checks (`verify`, `repair`).
pub(crate) fn harden_for_inspection(conn: &Connection) -> rusqlite::Result<()> {
    harden(conn)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false)?;
    Ok(())
}

/// What kind of file system object `meta` is, in words, if it is not a
/// regular file.
fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let kind = meta.file_type();
    if kind.is_file() {
        return None;
    }
    if kind.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_block_device() || kind.is_char_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// Refuses `path` unless it is a regular file (after symbolic links), and
/// likewise its SQLite side files (`-wal`, `-shm`, `-journal`) where they
/// exist: opening a named pipe or a device would hang or worse.
pub(crate) fn require_regular_file(path: &Path) -> Result<(), CaseError> {
    // What Hydrascope's writers leave when stopped before renaming their
    // output into place: complete or not, it is no case of anyone's.
    if path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().ends_with(".partial"))
    {
        return Err(CaseError::Invalid(format!(
            "{}: an unfinished output (a command writing it stopped before renaming it into \
             place), not a case; run that command again",
            path.display()
        )));
    }
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            return Err(CaseError::NotFound(path.into()));
        }
        Err(source) => {
            return Err(CaseError::Io {
                path: path.into(),
                source,
            });
        }
    };
    if let Some(what) = not_regular(&meta) {
        return Err(CaseError::NotRegularFile {
            path: path.into(),
            what,
        });
    }
    // SQLite keeps its side files beside the file a link points to, so
    // those are checked too (a case linked from elsewhere).
    let target = std::fs::canonicalize(path).ok();
    for base in std::iter::once(path).chain(target.as_deref()) {
        for suffix in ["-wal", "-shm", "-journal"] {
            let side = side_file(base, suffix);
            if let Ok(meta) = std::fs::metadata(&side)
                && let Some(what) = not_regular(&meta)
            {
                return Err(CaseError::NotRegularFile { path: side, what });
            }
        }
    }
    Ok(())
}

/// `path` with `suffix` appended to its file name (`x.hcase-wal`).
pub(crate) fn side_file(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// One row of `sqlite_schema`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SchemaObject {
    /// `table`, `index`, `view` or `trigger`.
    pub kind: String,
    /// The object's name.
    pub name: String,
    /// The table it belongs to.
    pub table: String,
    /// Its SQL with runs of white space made one space (`None` for the
    /// indexes SQLite makes for `UNIQUE` and `PRIMARY KEY`).
    pub sql: Option<String>,
}

impl SchemaObject {
    /// The kind in words: a virtual table is told apart from a table.
    pub fn kind_name(&self) -> &str {
        match (&*self.kind, &self.sql) {
            ("table", Some(sql)) if sql.starts_with("CREATE VIRTUAL TABLE") => "virtual table",
            (kind, _) => kind,
        }
    }

    fn key(&self) -> (String, String) {
        (self.kind.clone(), self.name.to_ascii_lowercase())
    }
}

/// One column of an expected table, as `PRAGMA table_info` gives it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnShape {
    /// Its name.
    pub name: String,
    /// Its declared type (`INTEGER`, `TEXT`, `REAL`, or empty).
    pub decl_type: String,
    /// Whether it is `NOT NULL` (or the `INTEGER PRIMARY KEY`).
    pub not_null: bool,
    /// Its place in the primary key (0: not in it).
    pub pk: i32,
}

/// One table of a format version, with its columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableShape {
    /// Its name.
    pub name: String,
    /// Its columns, in order.
    pub columns: Vec<ColumnShape>,
}

/// Everything a case of one format version holds in `sqlite_schema`.
#[derive(Debug)]
pub struct Reference {
    /// The format version.
    pub version: i32,
    /// Every object, in creation order.
    pub objects: Vec<SchemaObject>,
    /// Objects SQLite itself may add later (`sqlite_stat1`, `sqlite_stat4`
    /// after `ANALYZE`, `sqlite_sequence`).
    pub optional: Vec<SchemaObject>,
    /// The tables (not views, not SQLite's own), in creation order.
    pub tables: Vec<TableShape>,
}

impl Reference {
    /// The shape of table `name`, if the version has it.
    pub fn table(&self, name: &str) -> Option<&TableShape> {
        self.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

/// The reference schema of format `version` (made once per version and
/// process).
pub fn reference(version: i32) -> Result<Arc<Reference>, CaseError> {
    static CACHE: OnceLock<Mutex<HashMap<i32, Arc<Reference>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Ok(map) = cache.lock()
        && let Some(found) = map.get(&version)
    {
        return Ok(found.clone());
    }
    let made = Arc::new(make_reference(version)?);
    if let Ok(mut map) = cache.lock() {
        map.insert(version, made.clone());
    }
    Ok(made)
}

fn make_reference(version: i32) -> Result<Reference, CaseError> {
    let conn = Connection::open_in_memory()?;
    schema::create(&conn, version)?;
    let objects = read_objects(&conn, "main")?;
    let mut tables = Vec::new();
    for object in &objects {
        if object.kind != "table" || object.name.starts_with("sqlite_") {
            continue;
        }
        let mut stmt =
            conn.prepare("SELECT name, type, \"notnull\", pk FROM pragma_table_info(?1)")?;
        let columns = stmt
            .query_map([&object.name], |r| {
                let decl_type: String = r.get(1)?;
                let pk: i32 = r.get(3)?;
                Ok(ColumnShape {
                    name: r.get(0)?,
                    not_null: r.get::<_, bool>(2)? || (pk == 1 && decl_type == "INTEGER"),
                    decl_type,
                    pk,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        tables.push(TableShape {
            name: object.name.clone(),
            columns,
        });
    }
    // SQLite's own tables that may appear later: statistics (`ANALYZE`)
    // and, in a file an older format was derived from, the AUTOINCREMENT
    // counters. They hold no code.
    conn.execute_batch(
        "CREATE TABLE hydrascope_probe (id INTEGER PRIMARY KEY AUTOINCREMENT); ANALYZE;",
    )?;
    let optional = read_objects(&conn, "main")?
        .into_iter()
        .filter(|o| o.name.starts_with("sqlite_"))
        .filter(|o| !objects.iter().any(|e| e.key() == o.key()))
        .collect();
    Ok(Reference {
        version,
        objects,
        optional,
        tables,
    })
}

/// The rows of `db.sqlite_schema`, in creation order, SQL normalised.
pub(crate) fn read_objects(conn: &Connection, db: &str) -> Result<Vec<SchemaObject>, CaseError> {
    let mut stmt = conn.prepare(&format!(
        "SELECT type, name, tbl_name, sql FROM \"{db}\".sqlite_schema ORDER BY rowid"
    ))?;
    let rows = stmt
        .query_map([], |r| {
            Ok(SchemaObject {
                kind: r.get::<_, Option<String>>(0)?.unwrap_or_default(),
                name: r.get::<_, Option<String>>(1)?.unwrap_or_default(),
                table: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                sql: r.get::<_, Option<String>>(3)?.map(|s| normalise_sql(&s)),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// `sql` with every run of white space made one space, and none next to
/// brackets and commas: formatting is not meaning.
pub fn normalise_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut pending_space = false;
    for c in sql.trim().chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !matches!(c, '(' | ')' | ',') && !out.ends_with(['(', ',']) {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
}

/// How a case's schema differs from what its format version should hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SchemaProblem {
    /// An object that is not Hydrascope's.
    Unexpected(SchemaObject),
    /// One of Hydrascope's objects, with other SQL than this build's.
    Changed(SchemaObject),
    /// One of Hydrascope's objects that is not there.
    Missing(SchemaObject),
    /// A plain index of the analyst's own beyond the [`MAX_OWN_INDEXES`] a
    /// case may hold (each one slows every write of every command).
    ExtraIndex(SchemaObject),
}

/// Plain indexes of their own a case may hold (docs/case-file.md suggests
/// one on `exchanges`): a case with a thousand would make every analysis
/// write each row a thousand times.
pub const MAX_OWN_INDEXES: usize = 8;

impl SchemaProblem {
    /// The object concerned.
    pub fn object(&self) -> &SchemaObject {
        match self {
            SchemaProblem::Unexpected(o)
            | SchemaProblem::Changed(o)
            | SchemaProblem::Missing(o)
            | SchemaProblem::ExtraIndex(o) => o,
        }
    }
}

impl std::fmt::Display for SchemaProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let o = self.object();
        let name = crate::base::text::terminal_safe(&o.name);
        let on = if o.table.eq_ignore_ascii_case(&o.name) {
            String::new()
        } else {
            format!(" on {}", crate::base::text::terminal_safe(&o.table))
        };
        match self {
            SchemaProblem::Unexpected(_) => {
                write!(
                    f,
                    "{} {name}{on} is not part of the case format",
                    o.kind_name()
                )
            }
            SchemaProblem::Changed(_) => write!(
                f,
                "{} {name}{on} is defined otherwise than the case format says",
                o.kind_name()
            ),
            SchemaProblem::Missing(_) => write!(f, "{} {name} is missing", o.kind_name()),
            SchemaProblem::ExtraIndex(_) => write!(
                f,
                "index {name}{on} is one more than the {MAX_OWN_INDEXES} indexes of its own a case may hold"
            ),
        }
    }
}

/// Compares `db.sqlite_schema` on `conn` with the reference of `version`.
/// An index an analyst added on plain columns of one of the case's tables
/// (docs/case-file.md suggests one on `exchanges`) is accepted.
pub fn schema_problems(
    conn: &Connection,
    db: &str,
    version: i32,
) -> Result<Vec<SchemaProblem>, CaseError> {
    let reference = reference(version)?;
    let found = read_objects(conn, db)?;
    let mut problems = Vec::new();
    let mut own_indexes = 0usize;
    for object in &found {
        let expected = reference
            .objects
            .iter()
            .chain(&reference.optional)
            .find(|e| e.key() == object.key());
        match expected {
            Some(e) if e.sql == object.sql && e.table.eq_ignore_ascii_case(&object.table) => {}
            Some(_) => problems.push(SchemaProblem::Changed(object.clone())),
            None if is_plain_index(object, &reference) => {
                own_indexes += 1;
                if own_indexes > MAX_OWN_INDEXES {
                    problems.push(SchemaProblem::ExtraIndex(object.clone()));
                }
            }
            None => problems.push(SchemaProblem::Unexpected(object.clone())),
        }
    }
    for expected in &reference.objects {
        if !found.iter().any(|o| o.key() == expected.key()) {
            problems.push(SchemaProblem::Missing(expected.clone()));
        }
    }
    Ok(problems)
}

/// Whether `object` is `CREATE INDEX name ON table (column [ASC|DESC], …)`
/// over columns of one of the reference's tables: no expressions, no
/// `WHERE`, not `UNIQUE` (which could refuse Hydrascope's own writes).
fn is_plain_index(object: &SchemaObject, reference: &Reference) -> bool {
    if object.kind != "index" {
        return false;
    }
    let Some(sql) = &object.sql else {
        return false;
    };
    let Some(table) = reference.table(&object.table) else {
        return false;
    };
    let Some(rest) = sql.strip_prefix("CREATE INDEX ") else {
        return false;
    };
    let Some((name, rest)) = identifier(rest) else {
        return false;
    };
    if !name.eq_ignore_ascii_case(&object.name) {
        return false;
    }
    let Some(rest) = rest.strip_prefix(" ON ") else {
        return false;
    };
    let Some((on, rest)) = identifier(rest) else {
        return false;
    };
    if !on.eq_ignore_ascii_case(&table.name) {
        return false;
    }
    let Some(list) = rest
        .trim_start()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
    else {
        return false;
    };
    list.split(',').all(|part| {
        let Some((column, order)) = identifier(part.trim()) else {
            return false;
        };
        matches!(
            order.trim().to_ascii_uppercase().as_str(),
            "" | "ASC" | "DESC"
        ) && table
            .columns
            .iter()
            .any(|c| c.name.eq_ignore_ascii_case(&column))
    })
}

/// An SQL identifier at the start of `text` (bare, or quoted with `"…"`,
/// `[…]` or `` `…` ``), and what follows it.
fn identifier(text: &str) -> Option<(String, &str)> {
    let mut chars = text.char_indices();
    let (_, first) = chars.next()?;
    let close = match first {
        '"' => '"',
        '[' => ']',
        '`' => '`',
        c if c.is_ascii_alphabetic() || c == '_' => {
            let end = text
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(text.len());
            return Some((text[..end].to_string(), &text[end..]));
        }
        _ => return None,
    };
    let end = text[1..].find(close)? + 1;
    let name = &text[1..end];
    if name.is_empty() || name.contains(['"', '[', ']', '`']) {
        return None;
    }
    Some((name.to_string(), &text[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalised_sql_ignores_formatting() {
        assert_eq!(
            normalise_sql("CREATE TABLE t (\n    a INTEGER ,\n  b TEXT\n)"),
            "CREATE TABLE t(a INTEGER,b TEXT)"
        );
    }

    #[test]
    fn every_format_version_has_a_reference_with_its_tables() {
        for version in 1..=schema::SCHEMA_VERSION {
            let r = reference(version).unwrap();
            assert!(r.table("accounts").is_some(), "v{version}");
            assert_eq!(r.table("tags").is_some(), version >= 5, "v{version}");
        }
    }

    #[test]
    fn a_plain_index_is_accepted_and_an_expression_index_is_not() {
        let r = reference(schema::SCHEMA_VERSION).unwrap();
        let index = |sql: &str| SchemaObject {
            kind: "index".into(),
            name: "exchanges_by_account".into(),
            table: "exchanges".into(),
            sql: Some(normalise_sql(sql)),
        };
        assert!(is_plain_index(
            &index("CREATE INDEX exchanges_by_account ON exchanges (account, ts_ms DESC)"),
            &r
        ));
        assert!(!is_plain_index(
            &index("CREATE INDEX exchanges_by_account ON exchanges (abs(account))"),
            &r
        ));
        assert!(!is_plain_index(
            &index("CREATE INDEX exchanges_by_account ON exchanges (account) WHERE ts_ms > 0"),
            &r
        ));
        assert!(!is_plain_index(
            &index("CREATE UNIQUE INDEX exchanges_by_account ON exchanges (account)"),
            &r
        ));
    }
}
