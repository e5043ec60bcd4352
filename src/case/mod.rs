//! The case file: one SQLite database per investigation. Every SQL statement
//! of Hydrascope lives in this module and below it.

pub mod analysis_store;
pub mod builder;
pub mod casework;
pub mod conflict_row;
pub mod export;
pub mod features;
pub mod folded;
pub mod graph_rows;
pub mod guard;
pub mod merge;
pub mod minutes;
mod note_rows;
pub mod notes;
pub mod provenance;
pub mod records;
mod redact;
pub mod report_data;
pub mod request_keys;
pub mod schema;
pub mod summary;
pub mod verify;
pub mod workbench;

use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

pub use builder::{BuildOptions, BuildStats, CaseBuilder};
pub use schema::{APPLICATION_ID, SCHEMA_VERSION};
pub use summary::CaseSummary;

/// Why a case file cannot be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    /// No file at the path.
    #[error("{0}: no such case file")]
    NotFound(PathBuf),
    /// The file is not an SQLite database.
    #[error("{0}: not a Hydrascope case file (not an SQLite database)")]
    NotSqlite(PathBuf),
    /// An SQLite database made by something else.
    #[error(
        "{path}: not a Hydrascope case file (an SQLite database with application_id {application_id:#x})"
    )]
    Foreign {
        /// The file.
        path: PathBuf,
        /// Its application_id.
        application_id: i32,
    },
    /// A case from a newer Hydrascope.
    #[error(
        "{path}: made by a newer Hydrascope: case format v{version}, this build reads up to v{supported}; \
         update Hydrascope to open it"
    )]
    Newer {
        /// The file.
        path: PathBuf,
        /// Its format version.
        version: i32,
        /// The newest this build knows.
        supported: i32,
    },
    /// An older case that must be migrated, opened read-only.
    #[error(
        "{path}: case format v{version} must be upgraded to v{supported}; open it once read-write (`hydrascope open`, or a command that writes to it such as `hydrascope analyze`)"
    )]
    NeedsMigration {
        /// The file.
        path: PathBuf,
        /// Its format version.
        version: i32,
        /// The version it would be upgraded to.
        supported: i32,
    },
    /// A format version no Hydrascope writes (zero or negative).
    #[error("{path}: not a Hydrascope case file (case format v{version} does not exist)")]
    BadVersion {
        /// The file.
        path: PathBuf,
        /// Its `user_version`.
        version: i32,
    },
    /// The path is a folder, a named pipe, a device: not a file to open.
    #[error("{path}: {what}, not a case file")]
    NotRegularFile {
        /// The path.
        path: PathBuf,
        /// What it is.
        what: &'static str,
    },
    /// The case holds objects that are not Hydrascope's (a trigger, a view,
    /// a virtual table, a changed table): nothing of it is run or read.
    #[error(
        "{path}: refused: {first}{more}; `hydrascope verify` lists what is wrong, \
         `hydrascope repair CASE --out NEW` copies what is sound into a new case"
    )]
    UnexpectedSchema {
        /// The file.
        path: PathBuf,
        /// The first problem, naming the object.
        first: String,
        /// ", and N more" when there are more.
        more: String,
    },
    /// SQLite found the file damaged (or not a database behind an SQLite
    /// header).
    #[error(
        "{path}: damaged case file ({reason}); `hydrascope verify` says more, \
         `hydrascope repair CASE --out NEW` copies what is readable"
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        reason: String,
    },
    /// Upgrading an older format failed.
    #[error("{path}: cannot upgrade case format v{from} to v{to}: {reason}")]
    Upgrade {
        /// The file.
        path: PathBuf,
        /// Its format version.
        from: i32,
        /// The version it was to be upgraded to.
        to: i32,
        /// What went wrong, in one line.
        reason: String,
    },
    /// The target exists and overwriting was not asked for.
    #[error("{0}: already exists; pass --force to overwrite it")]
    Exists(PathBuf),
    /// A file-system error.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// An SQLite error (a statement stopped by its step budget says so).
    #[error("{}", sqlite_message(.0))]
    Sqlite(#[from] rusqlite::Error),
    /// A request the case cannot satisfy (an unknown cluster, a bad value).
    #[error("{0}")]
    Invalid(String),
    /// The case holds rollups and no single exchange (built on Spark), and
    /// what was asked needs the exchanges.
    #[error(
        "{path}: built from rollups on Spark, it holds no single exchanges, and {what} needs them; \
         import these accounts' logs with `hydrascope import` to see it"
    )]
    RollupsOnly {
        /// The case.
        path: PathBuf,
        /// What needed the exchanges.
        what: String,
    },
    /// The rows an action or an undo works on were changed by someone else
    /// (another workbench or `hydrascope tag`) since they were read.
    #[error("{0}")]
    Conflict(String),
    /// The writer thread died.
    #[error("case writer stopped unexpectedly: {0}")]
    Writer(String),
}

impl CaseError {
    /// Whether the user (the file or the arguments) is at fault, as opposed to
    /// the machine; the CLI exits 2 for these and 1 for the rest.
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            CaseError::NotFound(_)
                | CaseError::NotSqlite(_)
                | CaseError::Foreign { .. }
                | CaseError::Newer { .. }
                | CaseError::NeedsMigration { .. }
                | CaseError::Exists(_)
                | CaseError::Invalid(_)
                | CaseError::RollupsOnly { .. }
                | CaseError::BadVersion { .. }
                | CaseError::NotRegularFile { .. }
                | CaseError::UnexpectedSchema { .. }
                | CaseError::Damaged { .. }
        ) || matches!(self, CaseError::Sqlite(err) if is_damage(err))
            || self.is_interrupted()
    }
}

/// The error of a statement stopped by its step budget.
pub(crate) fn interrupted() -> CaseError {
    CaseError::Sqlite(rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
        None,
    ))
}

/// An SQLite error in words: "case file: …", or what a spent step budget
/// means and how to allow more.
fn sqlite_message(err: &rusqlite::Error) -> String {
    match err {
        rusqlite::Error::SqliteFailure(e, _)
            if e.code == rusqlite::ErrorCode::OperationInterrupted =>
        {
            format!(
                "case file: stopped: the work on this case went over its budget of steps \
                 (about {} per byte of the file, or cancelled); a case this size needs far less, \
                 so it may be built to hang Hydrascope (`hydrascope verify` checks it); \
                 set {STEP_BUDGET_ENV} to a number of steps to allow more",
                thousands_of(STEPS_PER_BYTE)
            )
        }
        other => format!("case file: {other}"),
    }
}

fn thousands_of(n: u64) -> String {
    crate::base::text::thousands(n)
}

/// The environment variable that sets the step budget of every case a
/// command opens (a number of SQLite virtual-machine steps).
pub const STEP_BUDGET_ENV: &str = "HYDRASCOPE_STEP_BUDGET";

/// The default step budget per byte of a case file (and its `-wal`): every
/// command's work on a case is linear in its size, with room for dozens of
/// passes over every row; only a case built to make a query explode spends
/// it.
pub const STEPS_PER_BYTE: u64 = 1_000;

/// The smallest default step budget, for small cases.
pub const MIN_STEP_BUDGET: u64 = 2_000_000_000;

/// The step budget of a case at `path`: [`STEP_BUDGET_ENV`] when set,
/// else [`STEPS_PER_BYTE`] per byte of the file and its `-wal`, at least
/// [`MIN_STEP_BUDGET`].
pub fn default_step_budget(path: &Path) -> u64 {
    if let Some(steps) = std::env::var(STEP_BUDGET_ENV)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse::<u64>().ok())
    {
        return steps;
    }
    let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    let bytes = size(path) + size(&guard::side_file(path, "-wal"));
    bytes.saturating_mul(STEPS_PER_BYTE).max(MIN_STEP_BUDGET)
}

impl CaseError {
    /// Whether a statement was stopped by its [`StepBudget`].
    pub fn is_interrupted(&self) -> bool {
        matches!(self, CaseError::Sqlite(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::OperationInterrupted)
    }
}

/// Whether an SQLite error comes from the file's content rather than from
/// the machine: a damaged page, a value over the size bound, a column
/// holding another type than the schema says, text that is not UTF-8 (a
/// damaged record can read as text of any bytes).
pub(crate) fn is_damage(err: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode;
    match err {
        rusqlite::Error::SqliteFailure(e, msg) => {
            matches!(
                e.code,
                ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase | ErrorCode::TooBig
            ) || msg.as_deref() == Some("integer overflow")
        }
        rusqlite::Error::InvalidColumnType(..)
        | rusqlite::Error::FromSqlConversionFailure(..)
        | rusqlite::Error::IntegralValueOutOfRange(..)
        | rusqlite::Error::Utf8Error(..) => true,
        _ => false,
    }
}

/// The least and the greatest `key` (a rowid, or its alias) of `table`,
/// asked apart so that each is one look into its b-tree (together, min and
/// max scan the table); none for an empty table.
pub(crate) fn key_bounds(
    conn: &Connection,
    table: &str,
    key: &str,
) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.query_row(
        &format!(
            "SELECT (SELECT min({key}) FROM main.\"{table}\"), (SELECT max({key}) FROM main.\"{table}\")"
        ),
        [],
        |r| Ok((r.get::<_, Option<i64>>(0)?, r.get::<_, Option<i64>>(1)?)),
    )
    .map(|(low, high)| low.zip(high))
}

/// An SQLite error in one line, without the SQL text it came from.
pub(crate) fn one_line(err: &rusqlite::Error) -> String {
    let text = match err {
        rusqlite::Error::SqlInputError { msg, .. } => msg.clone(),
        rusqlite::Error::SqliteFailure(e, Some(msg)) => format!("{msg} ({e})"),
        other => other.to_string(),
    };
    let line = text.lines().next().unwrap_or_default();
    crate::base::text::truncate_for_display(&crate::base::text::terminal_safe(line), 300)
        .into_owned()
}

/// An open case file.
pub struct Case {
    conn: Connection,
    path: PathBuf,
    /// The step budget statements on this case spend (see
    /// [`Case::set_step_budget`]); readers opened beside it for a split
    /// scan spend the same.
    budget: Option<StepBudget>,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

impl Case {
    /// Opens a case for reading and writing, upgrading an older format in
    /// one transaction first. The case must pass the checks of
    /// [`open_checked`].
    pub fn open(path: &Path) -> Result<Self, CaseError> {
        let (mut conn, version) = open_checked(path, false)?;
        // Case work is written action by action while other workbenches
        // and `hydrascope tag` may read and write the same file: WAL lets
        // readers go on during a write, and `synchronous = FULL` syncs the
        // log at every commit, so a committed action survives a crash and
        // a power cut (docs/case-file.md, "Writing safely").
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            conn.pragma_update(None, "journal_mode", "WAL")?;
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        if version < SCHEMA_VERSION {
            let upgrade = |err: rusqlite::Error| CaseError::Upgrade {
                path: path.to_path_buf(),
                from: version,
                to: SCHEMA_VERSION,
                reason: one_line(&err),
            };
            let tx = conn.transaction().map_err(upgrade)?;
            schema::migrate(&tx, version, SCHEMA_VERSION).map_err(upgrade)?;
            tx.commit().map_err(upgrade)?;
        }
        let mut case = Self {
            conn,
            path: path.to_path_buf(),
            budget: None,
        };
        case.set_step_budget(default_step_budget(path))?;
        Ok(case)
    }

    /// Opens a case without ever writing to it.
    pub fn open_read_only(path: &Path) -> Result<Self, CaseError> {
        let (conn, version) = open_checked(path, true)?;
        if version < SCHEMA_VERSION {
            return Err(CaseError::NeedsMigration {
                path: path.to_path_buf(),
                version,
                supported: SCHEMA_VERSION,
            });
        }
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mut case = Self {
            conn,
            path: path.to_path_buf(),
            budget: None,
        };
        case.set_step_budget(default_step_budget(path))?;
        Ok(case)
    }

    /// Gives every later statement on this case a budget of about `steps`
    /// SQLite virtual-machine steps (counted in thousands), and stops it
    /// with an "interrupted" error when the budget is spent or when the
    /// returned handle is cancelled. [`StepBudget::refill`] starts a new
    /// budget (before each query of a worker, say). Every case is opened
    /// with [`default_step_budget`]; this replaces it.
    pub fn set_step_budget(&mut self, steps: u64) -> Result<StepBudget, CaseError> {
        let budget = step_budget_on(&mut self.conn, steps)?;
        self.budget = Some(budget.clone());
        Ok(budget)
    }

    /// Another read-only connection to this case, opened and checked as
    /// [`Case::open_read_only`] opens one, whose statements spend this
    /// case's step budget (and stop when it is cancelled): for reading
    /// one large table in parts on several threads.
    pub(crate) fn reader_beside(&self) -> Result<Case, CaseError> {
        let (mut conn, _) = open_checked(&self.path, true)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        if let Some(budget) = &self.budget {
            share_budget_on(&mut conn, budget)?;
        }
        Ok(Case {
            conn,
            path: self.path.clone(),
            budget: self.budget.clone(),
        })
    }

    /// Where the case is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What stands for the case's activity data (not its analysis or case
    /// work): its path and the counts, span and import time in `meta`. An
    /// analysis built from facts read under one stamp can reuse them while
    /// the stamp stays the same.
    pub fn data_stamp(&self) -> Result<String, CaseError> {
        let mut stmt = self.conn.prepare(
            "SELECT key, value FROM meta WHERE key IN \
             ('accounts', 'exchanges', 'events', 'indicators', 'first_ms', 'last_ms', \
              'imported_at', 'generated_at', 'exported_at', 'source') \
             ORDER BY key",
        )?;
        // The file itself too: another file put at the same path (equal
        // counts or not) is another case.
        #[cfg(unix)]
        let file = {
            use std::os::unix::fs::MetadataExt;
            std::fs::metadata(&self.path)
                .map(|m| format!("{}:{}", m.dev(), m.ino()))
                .unwrap_or_default()
        };
        #[cfg(not(unix))]
        let file = String::new();
        let mut text = format!("{};{file};", self.path.display());
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))? {
            let (k, v) = row?;
            text.push_str(&format!("{k}={v};"));
        }
        Ok(text)
    }

    /// The case's format version.
    pub fn format_version(&self) -> Result<i32, CaseError> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// The underlying connection, for the case layer's own modules.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Creates an empty case of an older format, for migration tests and
    /// tools that must write an old format.
    #[doc(hidden)]
    pub fn create_empty_at_version(path: &Path, version: i32) -> Result<Connection, CaseError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        schema::create(&conn, version)?;
        Ok(conn)
    }
}

/// Installs a step budget of about `steps` on `conn` (see
/// [`Case::set_step_budget`]).
pub(crate) fn step_budget_on(conn: &mut Connection, steps: u64) -> Result<StepBudget, CaseError> {
    let budget = StepBudget {
        state: std::sync::Arc::new(BudgetState {
            left: std::sync::atomic::AtomicU64::new(steps / STEPS_PER_CALL),
            per_refill: steps / STEPS_PER_CALL,
            cancelled: std::sync::atomic::AtomicBool::new(false),
        }),
    };
    share_budget_on(conn, &budget)?;
    Ok(budget)
}

/// Makes the statements on `conn` spend `budget` too.
fn share_budget_on(conn: &mut Connection, budget: &StepBudget) -> Result<(), CaseError> {
    let state = budget.state.clone();
    conn.progress_handler(
        STEPS_PER_CALL as i32,
        Some(move || {
            use std::sync::atomic::Ordering;
            if state.cancelled.load(Ordering::Relaxed) {
                return true;
            }
            state
                .left
                .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
                .is_err()
        }),
    )?;
    Ok(())
}

/// Virtual-machine steps between two looks at a [`StepBudget`].
const STEPS_PER_CALL: u64 = 1000;

struct BudgetState {
    left: std::sync::atomic::AtomicU64,
    per_refill: u64,
    cancelled: std::sync::atomic::AtomicBool,
}

/// The handle of a case's step budget (see [`Case::set_step_budget`]);
/// it can be sent to another thread to cancel a query from there.
#[derive(Clone)]
pub struct StepBudget {
    state: std::sync::Arc<BudgetState>,
}

impl StepBudget {
    /// Starts a new, full budget.
    pub fn refill(&self) {
        use std::sync::atomic::Ordering;
        self.state
            .left
            .store(self.state.per_refill, Ordering::Relaxed);
        self.state.cancelled.store(false, Ordering::Relaxed);
    }

    /// The steps spent since the budget was set or last refilled, in
    /// thousands (what bounded-work tests count).
    pub fn spent_thousands(&self) -> u64 {
        use std::sync::atomic::Ordering;
        self.state
            .per_refill
            .saturating_sub(self.state.left.load(Ordering::Relaxed))
    }

    /// Stops the running statement, and every later one until
    /// [`StepBudget::refill`].
    pub fn cancel(&self) {
        self.state
            .cancelled
            .store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// Checks that `path` is a Hydrascope case this build can read, and returns
/// its format version (the connection it opened to check is closed).
fn check_file(path: &Path) -> Result<i32, CaseError> {
    open_checked(path, true).map(|(_, version)| version)
}

/// Opens the case at `path` the way every open of a case does: a regular
/// file with an SQLite header, opened with SQLite's defences for untrusted
/// databases ([`guard::harden`]), a Hydrascope `application_id`, a format
/// version this build reads, and exactly the schema objects of that
/// version (see [`guard::schema_problems`]). Returns the connection and the
/// format version.
///
/// A read-only open of a case in WAL mode whose folder cannot be written
/// (so SQLite cannot make its `-shm` file) reads the file as immutable when
/// no `-wal` file is beside it: then nothing is waiting to be folded in.
pub(crate) fn open_checked(path: &Path, read_only: bool) -> Result<(Connection, i32), CaseError> {
    let (conn, version) = open_identified(path, read_only)?;
    finish_checks(conn, path, version)
}

/// [`open_checked`] up to the schema check: the file-level checks, the
/// defences, `application_id` and the format version.
pub(crate) fn open_identified(
    path: &Path,
    read_only: bool,
) -> Result<(Connection, i32), CaseError> {
    let conn = open_hardened(path, read_only)?;
    match identify(&conn, path) {
        Err(CaseError::Sqlite(err)) if read_only && is_cannot_open(&err) && hot_journal(path) => {
            // An unfinished transaction a read-only open cannot roll back:
            // roll it back with a writable open when the file allows, else
            // refuse — never read through it (its half-written pages are
            // not the case).
            drop(conn);
            let journal = guard::side_file(path, "-journal");
            match open_hardened(path, false).and_then(|rw| identify(&rw, path)) {
                Ok(_) => {
                    let conn = open_hardened(path, true)?;
                    let version = identify(&conn, path)?;
                    Ok((conn, version))
                }
                Err(_) => Err(CaseError::Invalid(format!(
                    "{}: an unfinished transaction is waiting in {} and this file cannot be \
                     written to roll it back; open the case where it can be written (any command \
                     rolls it back), or repair it",
                    path.display(),
                    journal.display()
                ))),
            }
        }
        Err(CaseError::Sqlite(err))
            if read_only && is_cannot_open(&err) && !guard::side_file(path, "-wal").exists() =>
        {
            drop(conn);
            let conn = open_immutable(path)?;
            let version = identify(&conn, path)?;
            Ok((conn, version))
        }
        Err(err) => Err(err),
        Ok(version) => Ok((conn, version)),
    }
}

/// A URI that attaches `path` read-only as [`open_identified`] would read
/// it: `mode=ro`, or with `immutable=1` when a read-only open must fall
/// back to it (a WAL case in a folder this process cannot write, where no
/// `-shm` can be made; only when no `-wal` or unfinished journal waits).
pub(crate) fn read_only_uri(path: &Path) -> Result<String, CaseError> {
    let base = export::sqlite_uri(path)?;
    let conn = open_hardened(path, true)?;
    let immutable = match identify(&conn, path) {
        Err(CaseError::Sqlite(err)) => {
            is_cannot_open(&err) && !hot_journal(path) && !guard::side_file(path, "-wal").exists()
        }
        _ => false,
    };
    Ok(if immutable {
        format!("{base}?mode=ro&immutable=1")
    } else {
        format!("{base}?mode=ro")
    })
}

fn finish_checks(
    conn: Connection,
    path: &Path,
    version: i32,
) -> Result<(Connection, i32), CaseError> {
    let problems = guard::schema_problems(&conn, "main", version).map_err(|e| damaged(path, e))?;
    if let Some(first) = problems.first() {
        return Err(CaseError::UnexpectedSchema {
            path: path.into(),
            first: first.to_string(),
            more: match problems.len() {
                1 => String::new(),
                2 => ", and 1 more problem".into(),
                n => format!(", and {} more problems", n - 1),
            },
        });
    }
    Ok((conn, version))
}

/// Opens a hardened connection to `path` after the file-level checks
/// (regular file, SQLite header), without looking inside.
pub(crate) fn open_hardened(path: &Path, read_only: bool) -> Result<Connection, CaseError> {
    guard::require_regular_file(path)?;
    let mut header = [0u8; 16];
    let mut file = std::fs::File::open(path).map_err(|source| CaseError::Io {
        path: path.into(),
        source,
    })?;
    if file.read_exact(&mut header).is_err() || &header != SQLITE_MAGIC {
        return Err(CaseError::NotSqlite(path.into()));
    }
    drop(file);
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
    };
    let conn = Connection::open_with_flags(path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    guard::harden(&conn).map_err(|e| damaged(path, e.into()))?;
    Ok(conn)
}

/// Whether a rollback journal with content lies beside `path`: a
/// transaction that did not finish (SQLite rolls it back on the next
/// writable open).
fn hot_journal(path: &Path) -> bool {
    std::fs::metadata(guard::side_file(path, "-journal")).is_ok_and(|m| m.len() > 0)
}

fn open_immutable(path: &Path) -> Result<Connection, CaseError> {
    let uri = format!("{}?mode=ro&immutable=1", export::sqlite_uri(path)?);
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    guard::harden(&conn).map_err(|e| damaged(path, e.into()))?;
    Ok(conn)
}

fn is_cannot_open(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(e, _)
        if matches!(e.code, rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly))
}

/// A damage error turned into [`CaseError::Damaged`], naming the file (a
/// non-SQLite body behind an SQLite header, a damaged page found at open
/// or while reading).
pub(crate) fn damaged(path: &Path, err: CaseError) -> CaseError {
    match err {
        CaseError::Sqlite(e) if is_damage(&e) || is_schema_error(&e) => CaseError::Damaged {
            path: path.into(),
            reason: one_line(&e),
        },
        other => other,
    }
}

/// "malformed database schema" and the like: SQLite could not parse what
/// the file says its schema is.
fn is_schema_error(err: &rusqlite::Error) -> bool {
    matches!(err, rusqlite::Error::SqliteFailure(_, Some(msg)) if msg.contains("malformed"))
}

/// Checks `application_id` and `user_version`; returns the version.
fn identify(conn: &Connection, path: &Path) -> Result<i32, CaseError> {
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .map_err(|e| damaged(path, e.into()))?;
    if application_id != APPLICATION_ID {
        return Err(CaseError::Foreign {
            path: path.into(),
            application_id,
        });
    }
    let version: i32 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(|e| damaged(path, e.into()))?;
    if version > SCHEMA_VERSION {
        return Err(CaseError::Newer {
            path: path.into(),
            version,
            supported: SCHEMA_VERSION,
        });
    }
    if version < 1 {
        return Err(CaseError::BadVersion {
            path: path.into(),
            version,
        });
    }
    Ok(version)
}

/// Small cases for unit tests, built as an import builds them.
#[cfg(test)]
pub(crate) mod test_cases {
    use std::path::Path;

    /// A case at `path` with `accounts` accounts (`acct_00`, `acct_01`, …),
    /// and one exchange on model `m` (10 prompt and 20 completion tokens)
    /// for each (account index, time in ms) of `exchanges`, in that order.
    pub(crate) fn build(
        path: &Path,
        accounts: usize,
        exchanges: impl IntoIterator<Item = (usize, i64)>,
    ) {
        let mut builder = crate::case::CaseBuilder::create(path, Default::default()).unwrap();
        let account = |i: usize| crate::logs::record::Account {
            account_id: format!("acct_{i:02}"),
            created_ms: 1_767_225_600_000,
            ..Default::default()
        };
        builder
            .add_accounts((0..accounts).map(account).collect())
            .unwrap();
        for (k, (account, ts_ms)) in exchanges.into_iter().enumerate() {
            let exchange = crate::logs::record::Exchange {
                request_id: format!("req_{k}").into(),
                account_id: format!("acct_{account:02}").into(),
                ts_ms,
                model: "m".into(),
                input_tokens: 10,
                output_tokens: 20,
                ..Default::default()
            };
            builder
                .add_exchange(&exchange, || unreachable!("no duplicate request ids"))
                .unwrap();
        }
        builder.finish(Vec::new()).unwrap();
    }
}

#[cfg(test)]
mod damage_tests {
    #[test]
    fn text_that_is_not_utf8_is_damage_not_a_failure_of_the_machine() {
        // A damaged record can read as text of any bytes: repair copies
        // around it instead of stopping (found by the hostile corpus, a page
        // of `links` whose damaged keys read as text).
        let bytes = vec![0x66u8, 0xff];
        let err: rusqlite::Error = std::str::from_utf8(&bytes).unwrap_err().into();
        assert!(crate::case::is_damage(&err), "{err}");
        assert!(!crate::case::is_damage(
            &rusqlite::Error::QueryReturnedNoRows
        ));
    }
}
