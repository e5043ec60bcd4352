//! The case file: one SQLite database per investigation. Every SQL statement
//! of Hydrascope lives in this module and below it.

pub mod analysis_store;
pub mod builder;
pub mod casework;
pub mod export;
pub mod features;
pub mod graph_rows;
pub mod merge;
pub mod records;
pub mod report_data;
pub mod schema;
pub mod summary;
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
        "{path}: case format v{version} must be upgraded to v{supported}; open it once read-write"
    )]
    NeedsMigration {
        /// The file.
        path: PathBuf,
        /// Its format version.
        version: i32,
        /// The version it would be upgraded to.
        supported: i32,
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
    /// An SQLite error.
    #[error("case file: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A request the case cannot satisfy (an unknown cluster, a bad value).
    #[error("{0}")]
    Invalid(String),
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
        )
    }
}

/// An open case file.
pub struct Case {
    conn: Connection,
    path: PathBuf,
}

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

impl Case {
    /// Opens a case for reading and writing, upgrading an older format in
    /// one transaction first.
    pub fn open(path: &Path) -> Result<Self, CaseError> {
        let version = check_file(path)?;
        let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE)?;
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
            let tx = conn.transaction()?;
            schema::migrate(&tx, version, SCHEMA_VERSION)?;
            tx.commit()?;
        }
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Opens a case without ever writing to it.
    pub fn open_read_only(path: &Path) -> Result<Self, CaseError> {
        let version = check_file(path)?;
        if version < SCHEMA_VERSION {
            return Err(CaseError::NeedsMigration {
                path: path.to_path_buf(),
                version,
                supported: SCHEMA_VERSION,
            });
        }
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        Ok(Self {
            conn,
            path: path.to_path_buf(),
        })
    }

    /// Where the case is.
    pub fn path(&self) -> &Path {
        &self.path
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

/// Checks that `path` is a Hydrascope case this build can read, and returns
/// its format version.
fn check_file(path: &Path) -> Result<i32, CaseError> {
    let mut header = [0u8; 16];
    let mut file = match std::fs::File::open(path) {
        Ok(file) => file,
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
    if file.read_exact(&mut header).is_err() || &header != SQLITE_MAGIC {
        return Err(CaseError::NotSqlite(path.into()));
    }
    drop(file);
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let application_id: i32 = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
    if application_id != APPLICATION_ID {
        return Err(CaseError::Foreign {
            path: path.into(),
            application_id,
        });
    }
    let version: i32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if version > SCHEMA_VERSION {
        return Err(CaseError::Newer {
            path: path.into(),
            version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(version)
}
