//! Building a new case file in bulk: used by `import` and by `generate`.
//!
//! The caller's thread validates and dictionary-encodes rows; a writer thread
//! owns the SQLite connection, inserts rows and folds them into the rollups.
//! The file is built under a temporary name beside the target and renamed
//! into place only when complete, and its `application_id` is set only in
//! the final commit, so an interrupted build never leaves anything that opens
//! as a case.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, SyncSender};
use std::thread::JoinHandle;

use rusqlite::types::Null;
use rusqlite::{Connection, OptionalExtension, Statement, params};
use rustc_hash::{FxHashMap, FxHashSet};

use super::CaseError;
use super::request_keys::request_hash;
use super::schema::{self, APPLICATION_ID, SCHEMA_VERSION};
use crate::base::net::ip_prefix;
use crate::logs::record::{Account, Capability, Event, EventKind, Exchange, Indicator};
use crate::logs::row::FieldError;

/// How a build behaves.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Replace an existing file at the target path.
    pub force: bool,
    /// Collect duplicate request ids for [`CaseBuilder::take_rejected`]
    /// instead of failing on the first one (import's `--skip-invalid`).
    pub collect_duplicates: bool,
}

/// Counts of what a build stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BuildStats {
    /// Accounts stored.
    pub accounts: u64,
    /// Exchanges stored.
    pub exchanges: u64,
    /// Events stored.
    pub events: u64,
    /// Indicators stored.
    pub indicators: u64,
    /// Earliest exchange, ms since the epoch.
    pub first_ms: Option<i64>,
    /// Latest exchange, ms since the epoch.
    pub last_ms: Option<i64>,
    /// Appending: accounts the case held whose details changed.
    pub accounts_updated: u64,
    /// Appending: events and indicators the case already held, skipped.
    pub repeats_skipped: u64,
}

impl BuildStats {
    /// Counts one stored exchange.
    fn count(&mut self, ts_ms: i64) {
        self.exchanges += 1;
        self.first_ms = Some(self.first_ms.map_or(ts_ms, |t| t.min(ts_ms)));
        self.last_ms = Some(self.last_ms.map_or(ts_ms, |t| t.max(ts_ms)));
    }
}

/// Where a row came from, kept for rows whose verdict comes later.
#[derive(Clone, Debug)]
pub struct RowOrigin {
    /// The file's name.
    pub file: String,
    /// 1-based line number.
    pub line: u64,
    /// The row's text.
    pub text: String,
}

/// A row turned away after it was handed to the builder.
#[derive(Clone, Debug)]
pub struct Rejected {
    /// Where it came from.
    pub origin: RowOrigin,
    /// Why.
    pub error: FieldError,
}

/// Suspected duplicates held back before they are checked, at most.
const MAX_HELD_SUSPECTS: usize = 4096;
/// Exchanges per message to the writer thread.
const BATCH_ROWS: usize = 8192;

/// Builds one new case file.
pub struct CaseBuilder {
    final_path: PathBuf,
    tmp_path: PathBuf,
    options: BuildOptions,
    sender: Option<SyncSender<Msg>>,
    writer: Option<JoinHandle<Result<WriterReport, CaseError>>>,
    accounts: FxHashMap<Box<str>, u32>,
    models: StrDict,
    origins: KeyDict<OriginKey>,
    cot_values: KeyDict<u64>,
    api_keys: StrDict,
    client_fps: StrDict,
    templates: KeyDict<u64>,
    excerpts: StrDict,
    /// 32 bits of each request id's hash → the first exchange with them.
    /// A repeat is only a suspect until the stored id is compared.
    request_ids: FxHashMap<u32, u32>,
    /// Request ids that were suspects and proved unique.
    cleared_suspects: FxHashSet<String>,
    /// The request-id hashes of the exchanges stored, for the case's index
    /// ([`super::request_keys`]); with `index_whole`, those of every
    /// exchange the case holds (the index is then written anew).
    request_hashes: Vec<u64>,
    index_whole: bool,
    /// Exchanges came folded elsewhere (no request id is stored).
    folded: bool,
    held: Vec<Held>,
    rejected: Vec<Rejected>,
    batch: Batch,
    next_exchange_id: i64,
    stats: BuildStats,
    finished: bool,
    /// Appending to an existing case: what it held before.
    appending: Option<Appending>,
}

/// The 32 bits of a request id's hash ([`request_hash`]) that duplicate
/// detection in memory keys on.
fn request_fragment(hash: u64) -> u32 {
    (hash >> 32) as u32
}

/// What an append brings, read ahead of it: its request ids' hashes
/// ([`request_hash`]) and the accounts its exchanges name.
#[derive(Debug, Default)]
pub struct DayKeys {
    /// Hashes of the request ids.
    pub hashes: FxHashSet<u64>,
    /// `account_id`s named.
    pub account_ids: FxHashSet<Box<str>>,
}

/// What a case held before rows were appended to it.
struct Appending {
    /// Its totals.
    before: BuildStats,
    /// (account, API key) pairs of its exchanges.
    api_keys: FxHashSet<(u32, u32)>,
}

struct Held {
    first_id: u32,
    row: Row,
    request_id: String,
    extra: Option<String>,
    dict: Batch,
    origin: RowOrigin,
}

/// Where a request came from: its address and the address's ASN.
type OriginKey = (Option<IpAddr>, Option<i64>);

/// A dictionary of small copyable keys (addresses, hashes, bit patterns).
struct KeyDict<K> {
    ids: FxHashMap<K, u32>,
    /// The largest id given so far (a case appended to may have gaps).
    top: u32,
}

impl<K> Default for KeyDict<K> {
    fn default() -> Self {
        Self {
            ids: FxHashMap::default(),
            top: 0,
        }
    }
}

impl<K: std::hash::Hash + Eq + Copy> KeyDict<K> {
    /// The id of `key`, allocating one (and recording the new row) if new.
    fn id(&mut self, key: K, new_rows: &mut Vec<(u32, K)>) -> u32 {
        let next = self.top + 1;
        let id = *self.ids.entry(key).or_insert_with(|| {
            new_rows.push((next, key));
            next
        });
        self.top = self.top.max(id);
        id
    }

    /// Gives ids to the new ones of `keys` in their sorted order (so the
    /// same values are numbered alike however they arrived).
    fn number_in_order(&mut self, keys: impl IntoIterator<Item = K>, new_rows: &mut Vec<(u32, K)>)
    where
        K: Ord,
    {
        let mut keys: Vec<K> = keys.into_iter().collect();
        keys.sort_unstable();
        keys.dedup();
        for key in keys {
            self.id(key, new_rows);
        }
    }

    /// Records a row the case already holds.
    fn known(&mut self, key: K, id: u32) {
        self.ids.insert(key, id);
        self.top = self.top.max(id);
    }
}

#[derive(Default)]
struct StrDict {
    ids: FxHashMap<Box<str>, u32>,
    /// The largest id given so far.
    top: u32,
}

impl StrDict {
    /// The id of `text`, allocating one (and recording the new row) if new.
    fn id(&mut self, text: &str, new_rows: &mut Vec<(u32, String)>) -> u32 {
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        self.top += 1;
        let id = self.top;
        self.ids.insert(text.into(), id);
        new_rows.push((id, text.to_string()));
        id
    }

    /// Gives ids to the new ones of `texts` in their sorted order.
    fn number_in_order<'a>(
        &mut self,
        texts: impl IntoIterator<Item = &'a str>,
        new_rows: &mut Vec<(u32, String)>,
    ) {
        let mut texts: Vec<&str> = texts.into_iter().collect();
        texts.sort_unstable();
        texts.dedup();
        for text in texts {
            self.id(text, new_rows);
        }
    }

    /// Records a row the case already holds.
    fn known(&mut self, text: String, id: u32) {
        self.ids.insert(text.into_boxed_str(), id);
        self.top = self.top.max(id);
    }
}

/// One encoded exchange: dictionary ids, 0 (or a negative / NaN) for absent.
#[derive(Clone, Copy)]
struct Row {
    id: i64,
    account: u32,
    ts_ms: i64,
    model: u32,
    input_tokens: i64,
    output_tokens: i64,
    origin: u32,
    api_key: u32,
    client_fp: u32,
    template: u32,
    capability: u8,
    cot: f64,
    cot_id: u32,
    excerpt: u32,
    request_id: (u32, u32),
    extra: (u32, u32),
}

const NO_CAPABILITY: u8 = u8::MAX;

#[derive(Default)]
struct Batch {
    rows: Vec<Row>,
    text: String,
    models: Vec<(u32, String)>,
    origins: Vec<(u32, OriginKey)>,
    /// Chain-of-thought scores as `f64` bit patterns (exact, hashable).
    cot_values: Vec<(u32, u64)>,
    api_keys: Vec<(u32, String)>,
    client_fps: Vec<(u32, String)>,
    templates: Vec<(u32, u64)>,
    excerpts: Vec<(u32, String)>,
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.rows.is_empty()
            && self.models.is_empty()
            && self.origins.is_empty()
            && self.cot_values.is_empty()
            && self.api_keys.is_empty()
            && self.client_fps.is_empty()
            && self.templates.is_empty()
            && self.excerpts.is_empty()
    }

    fn append_dict(&mut self, other: Batch) {
        self.models.extend(other.models);
        self.origins.extend(other.origins);
        self.cot_values.extend(other.cot_values);
        self.api_keys.extend(other.api_keys);
        self.client_fps.extend(other.client_fps);
        self.templates.extend(other.templates);
        self.excerpts.extend(other.excerpts);
    }

    fn push_text(&mut self, text: &str) -> (u32, u32) {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        (start, text.len() as u32)
    }
}

enum Msg {
    Accounts(Vec<(u32, Account)>),
    Exchanges(Box<Batch>),
    UpdateAccounts(Vec<(u32, Account)>),
    Events(Vec<(Event, Option<u32>)>),
    Indicators(Vec<Indicator>),
    Lookup(
        Vec<u32>,
        mpsc::Sender<Result<Vec<Option<String>>, CaseError>>,
    ),
    /// Exchanges folded elsewhere: their dictionary rows and rollups.
    Folded(Box<Batch>, Box<Rollups>),
    /// The request-id hashes for the case's index, and whether they are
    /// every exchange's (the index is written anew) or the new ones'.
    RequestKeys(Vec<u64>, bool),
    Finish(Vec<(String, String)>, Option<AuditEntry>),
}

/// The dictionary key of a folded origin: its address parsed as an import
/// parses it (so `2001:DB8::1` and `2001:db8::1` are one origin).
fn origin_key(o: &super::folded::FoldedOrigin) -> Result<OriginKey, CaseError> {
    let ip = match o.ip.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(text) => Some(text.parse::<IpAddr>().map_err(|_| {
            CaseError::Invalid(format!(
                "rollup account_origins from Spark: {text:?} is not an IPv4 or IPv6 address"
            ))
        })?),
        None => None,
    };
    if let Some(asn) = o.asn
        && !(0..=i64::from(u32::MAX)).contains(&asn)
    {
        return Err(CaseError::Invalid(format!(
            "rollup account_origins from Spark: ASN {asn} is outside 0..=4294967295"
        )));
    }
    Ok((ip, o.asn))
}

/// The audit log's entry for an append, written in its transaction.
pub struct AuditEntry {
    /// Who appended.
    pub who: super::casework::Who,
    /// What, in words.
    pub summary: String,
}

/// What the writer thread reports when it commits.
#[derive(Default)]
struct WriterReport {
    accounts_updated: u64,
    events_skipped: u64,
    indicators_skipped: u64,
}

impl CaseBuilder {
    /// Starts building a case that will be at `path` when [`Self::finish`]
    /// returns. Refuses an existing `path` unless `options.force`.
    pub fn create(path: &Path, options: BuildOptions) -> Result<Self, CaseError> {
        if path.exists() && !options.force {
            return Err(CaseError::Exists(path.to_path_buf()));
        }
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        if !dir.is_dir() {
            return Err(CaseError::Invalid(format!(
                "{}: no such folder to write the case into",
                dir.display()
            )));
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp_path = dir.join(format!(".{name}.partial-{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp_path);
        let conn = Connection::open(&tmp_path)?;
        let setup = || -> rusqlite::Result<()> {
            conn.execute_batch(
                "PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; \
                 PRAGMA locking_mode = EXCLUSIVE; PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY;",
            )?;
            conn.execute_batch("BEGIN")?;
            schema::create(&conn, SCHEMA_VERSION)
        };
        if let Err(err) = setup() {
            drop(conn);
            let _ = std::fs::remove_file(&tmp_path);
            return Err(err.into());
        }
        let (sender, receiver) = mpsc::sync_channel(4);
        let writer = std::thread::Builder::new()
            .name("case-writer".into())
            .spawn(move || writer_main(conn, receiver, None))
            .map_err(|source| CaseError::Io {
                path: tmp_path.clone(),
                source,
            })?;
        let mut this = Self::empty(path, tmp_path, options);
        this.sender = Some(sender);
        this.writer = Some(writer);
        Ok(this)
    }

    /// A builder with no writer yet and nothing known.
    fn empty(path: &Path, tmp_path: PathBuf, options: BuildOptions) -> Self {
        Self {
            final_path: path.to_path_buf(),
            tmp_path,
            options,
            sender: None,
            writer: None,
            accounts: FxHashMap::default(),
            models: StrDict::default(),
            origins: KeyDict::default(),
            cot_values: KeyDict::default(),
            api_keys: StrDict::default(),
            client_fps: StrDict::default(),
            templates: KeyDict::default(),
            excerpts: StrDict::default(),
            request_ids: FxHashMap::default(),
            cleared_suspects: FxHashSet::default(),
            request_hashes: Vec::new(),
            index_whole: true,
            folded: false,
            held: Vec::new(),
            rejected: Vec::new(),
            batch: Batch::default(),
            next_exchange_id: 1,
            stats: BuildStats::default(),
            finished: false,
            appending: None,
        }
    }

    /// Starts appending to the case at `path`, all or nothing: everything
    /// is written in one transaction that [`Self::finish`] commits (a
    /// failure, or dropping the builder, leaves the case as it was). The
    /// case's dictionaries, accounts and request ids are read first, so
    /// that ids continue and a request id the case holds is a duplicate.
    pub fn append(path: &Path, options: BuildOptions, day: &DayKeys) -> Result<Self, CaseError> {
        // Opened the usual way first: checked, and brought to this format.
        // A case built on Spark keeps no request id: a repeat of one it
        // counted could not be told.
        super::Case::open(path)?.needs_exchanges(
            "appending a day (it could not tell a repeat of a request id it counted)",
        )?;
        let conn = Connection::open(path)?;
        // The workbench may be writing case work to it: wait for that.
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.execute_batch(
            "PRAGMA cache_size = -131072; PRAGMA temp_store = MEMORY; BEGIN IMMEDIATE;",
        )?;
        let mut this = Self::empty(path, PathBuf::new(), options);
        this.read_existing(&conn, day)?;
        let api_keys = this
            .appending
            .as_mut()
            .map(|a| std::mem::take(&mut a.api_keys))
            .unwrap_or_default();
        let (sender, receiver) = mpsc::sync_channel(4);
        this.writer = Some(
            std::thread::Builder::new()
                .name("case-writer".into())
                .spawn(move || writer_main(conn, receiver, Some(api_keys)))
                .map_err(|source| CaseError::Io {
                    path: path.to_path_buf(),
                    source,
                })?,
        );
        this.sender = Some(sender);
        Ok(this)
    }

    /// Reads what an appended-to case holds: accounts, dictionaries, the
    /// request ids that may repeat one of `day`'s (their hash fragments,
    /// as [`Self::add_exchange`] keeps them) and the (account, API key)
    /// pairs of `day`'s accounts.
    fn read_existing(&mut self, conn: &Connection, day: &DayKeys) -> Result<(), CaseError> {
        let mut stmt = conn.prepare("SELECT id, account_id FROM accounts")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, account): (u32, String) = (r.get(0)?, r.get(1)?);
            self.accounts.insert(account.into_boxed_str(), id);
        }
        for (table, column, dict) in [
            ("models", "name", &mut self.models),
            ("api_keys", "key_id", &mut self.api_keys),
            ("client_fingerprints", "fingerprint", &mut self.client_fps),
            ("excerpts", "text", &mut self.excerpts),
        ] {
            let mut stmt = conn.prepare(&format!("SELECT id, {column} FROM {table}"))?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                dict.known(r.get(1)?, r.get(0)?);
            }
        }
        let mut stmt = conn.prepare("SELECT id, ip, asn FROM origins")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let ip: Option<String> = r.get(1)?;
            let ip = match ip {
                Some(text) => Some(text.parse::<IpAddr>().map_err(|_| {
                    CaseError::Invalid(format!("origins: {text:?} is not an address"))
                })?),
                None => None,
            };
            self.origins.known((ip, r.get(2)?), r.get(0)?);
        }
        let mut stmt = conn.prepare("SELECT id, value FROM cot_values")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            self.cot_values
                .known(r.get::<_, f64>(1)?.to_bits(), r.get(0)?);
        }
        let mut stmt = conn.prepare("SELECT id, simhash FROM templates")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            self.templates.known(r.get::<_, i64>(1)? as u64, r.get(0)?);
        }
        // The (account, API key) pairs of the day's accounts.
        let day_accounts: Vec<u32> = day
            .account_ids
            .iter()
            .filter_map(|id| self.accounts.get(id.as_ref()).copied())
            .collect();
        let mut api_keys = FxHashSet::default();
        let mut stmt = conn.prepare("SELECT api_key FROM account_api_keys WHERE account = ?1")?;
        for &account in &day_accounts {
            let mut rows = stmt.query([account])?;
            while let Some(r) = rows.next()? {
                api_keys.insert((account, r.get::<_, u32>(0)?));
            }
        }
        // A repeat of a request id the case holds has its hash. With the
        // index whole, only the day's hashes it holds are looked for among
        // the exchanges (none, unless the day repeats some); without, every
        // exchange is read, and its hash kept to write the index whole.
        self.index_whole = !super::request_keys::is_complete(conn)?;
        let suspects = if self.index_whole {
            None
        } else {
            Some(super::request_keys::matching(conn, &day.hashes)?)
        };
        if suspects.as_ref().is_none_or(|s| !s.is_empty()) {
            let wanted = suspects.as_ref().unwrap_or(&day.hashes);
            let mut stmt = conn.prepare("SELECT id, request_id FROM exchanges")?;
            let mut rows = stmt.query([])?;
            while let Some(r) = rows.next()? {
                let id: i64 = r.get(0)?;
                let request_id = r.get_ref(1)?.as_bytes().map_err(|e| {
                    CaseError::Invalid(format!("exchanges: row {id} has no request_id text: {e}"))
                })?;
                let hash = request_hash(request_id);
                if self.index_whole {
                    self.request_hashes.push(hash);
                }
                if wanted.contains(&hash)
                    && let Ok(id32) = u32::try_from(id)
                {
                    self.request_ids
                        .entry(request_fragment(hash))
                        .or_insert(id32);
                    // Two of the case's ids may share a fragment, and the
                    // map keeps the first only: the id itself is known, so
                    // a row repeating the second is refused too (as a
                    // suspect that was cleared).
                    self.cleared_suspects
                        .insert(String::from_utf8_lossy(request_id).into_owned());
                }
            }
        }
        let top: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM exchanges", [], |r| {
            r.get(0)
        })?;
        self.next_exchange_id = top + 1;
        let meta = |key: &str| -> Result<Option<i64>, CaseError> {
            Ok(conn
                .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
                    r.get::<_, String>(0)
                })
                .optional()?
                .and_then(|v| v.parse().ok()))
        };
        let count = |table: &str| -> Result<u64, CaseError> {
            Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?)
        };
        let before = BuildStats {
            accounts: count("accounts")?,
            exchanges: meta("exchanges")?.unwrap_or(0).max(0) as u64,
            events: count("events")?,
            indicators: count("indicators")?,
            first_ms: meta("first_ms")?,
            last_ms: meta("last_ms")?,
            ..BuildStats::default()
        };
        self.appending = Some(Appending { before, api_keys });
        Ok(())
    }

    /// Whether this builder appends to an existing case.
    pub fn is_appending(&self) -> bool {
        self.appending.is_some()
    }

    /// Appending: replaces the details of accounts the case holds (by
    /// `account_id`) with `accounts`'; those that differ are counted in
    /// [`BuildStats::accounts_updated`].
    pub fn update_accounts(&mut self, accounts: Vec<Account>) -> Result<(), CaseError> {
        let rows: Vec<(u32, Account)> = accounts
            .into_iter()
            .filter_map(|a| {
                let id = *self.accounts.get(a.account_id.as_str())?;
                Some((id, a))
            })
            .collect();
        if rows.is_empty() {
            return Ok(());
        }
        self.send(Msg::UpdateAccounts(rows))
    }

    /// What has been stored so far.
    pub fn stats(&self) -> &BuildStats {
        &self.stats
    }

    fn send(&mut self, msg: Msg) -> Result<(), CaseError> {
        let sent = match &self.sender {
            Some(sender) => sender.send(msg).is_ok(),
            None => false,
        };
        if sent {
            Ok(())
        } else {
            Err(self.writer_failure())
        }
    }

    /// The writer thread's own error, once it has stopped.
    fn writer_failure(&mut self) -> CaseError {
        self.sender = None;
        match self.writer.take().map(JoinHandle::join) {
            Some(Ok(Err(err))) => err,
            Some(Err(_)) => CaseError::Writer("the writer thread panicked".into()),
            _ => CaseError::Writer("the writer thread is gone".into()),
        }
    }

    /// Adds accounts. Every account must be added before the exchanges and
    /// events that name it.
    pub fn add_accounts(&mut self, accounts: Vec<Account>) -> Result<(), Vec<(usize, FieldError)>> {
        let mut bad = Vec::new();
        let mut rows = Vec::with_capacity(accounts.len());
        // After the largest id held (a case appended to may have gaps).
        let mut next = self.accounts.values().copied().max().unwrap_or(0) + 1;
        for (i, account) in accounts.into_iter().enumerate() {
            if self.accounts.contains_key(account.account_id.as_str()) {
                bad.push((
                    i,
                    FieldError::new(
                        "account_id",
                        format!("duplicate account_id {:?}", account.account_id),
                    ),
                ));
                continue;
            }
            let id = next;
            next += 1;
            self.accounts.insert(account.account_id.as_str().into(), id);
            rows.push((id, account));
        }
        self.stats.accounts += rows.len() as u64;
        if !rows.is_empty()
            && let Err(err) = self.send(Msg::Accounts(rows))
        {
            bad.push((usize::MAX, FieldError::new("", err.to_string())));
        }
        if bad.is_empty() { Ok(()) } else { Err(bad) }
    }

    /// Whether an account id is known.
    pub fn has_account(&self, account_id: &str) -> bool {
        self.accounts.contains_key(account_id)
    }

    /// Adds one exchange. A row whose request id may repeat an earlier one
    /// is held back (with its `origin`, asked for only then) until a batch of
    /// such rows is checked against the stored ids. A real duplicate is then
    /// an [`AddError::Duplicate`], or with `collect_duplicates` goes to
    /// [`Self::take_rejected`].
    pub fn add_exchange(
        &mut self,
        exchange: &Exchange<'_>,
        origin: impl FnOnce() -> RowOrigin,
    ) -> Result<(), AddError> {
        let Some(&account) = self.accounts.get(exchange.account_id.as_ref()) else {
            return Err(AddError::Row(FieldError::new(
                "account_id",
                format!(
                    "unknown account {:?} (not in accounts)",
                    exchange.account_id
                ),
            )));
        };
        let Ok(next_id) = u32::try_from(self.next_exchange_id) else {
            return Err(AddError::Case(CaseError::Writer(
                "a case holds at most 4,294,967,295 exchanges".into(),
            )));
        };
        let hash = request_hash(exchange.request_id.as_bytes());
        let first_id = match self.request_ids.entry(request_fragment(hash)) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(next_id);
                self.request_hashes.push(hash);
                self.encode_into_batch(account, exchange);
                return self.maybe_flush();
            }
            std::collections::hash_map::Entry::Occupied(slot) => *slot.get(),
        };
        // These hash bits were seen before: a duplicate, or (about once per
        // four billion pairs) another id. Encode the row on its own so it can
        // be admitted later if it proves unique.
        let mut own = Batch::default();
        // Counted only if admitted (a rejected duplicate must not widen the span).
        let stats_before = self.stats.clone();
        std::mem::swap(&mut own, &mut self.batch);
        self.encode_into_batch(account, exchange);
        std::mem::swap(&mut own, &mut self.batch);
        let Some(mut row) = own.rows.pop() else {
            return Ok(());
        };
        // A held row gets its id only when admitted: ids then grow in the
        // order rows are written, and SQLite appends instead of splitting
        // pages (out-of-order ids left them half empty).
        self.next_exchange_id -= 1;
        self.stats = stats_before;
        let request_id = exchange.request_id.to_string();
        let extra = exchange.extra_json.clone();
        row.request_id = (0, 0);
        row.extra = (0, 0);
        own.text.clear();
        self.held.push(Held {
            first_id,
            row,
            request_id,
            extra,
            dict: own,
            origin: origin(),
        });
        if self.held.len() >= MAX_HELD_SUSPECTS {
            self.resolve_held().map_err(AddError::Case)?;
        }
        if !self.options.collect_duplicates && !self.rejected.is_empty() {
            return Err(AddError::Duplicate(self.rejected.remove(0)));
        }
        Ok(())
    }

    fn encode_into_batch(&mut self, account: u32, e: &Exchange<'_>) {
        let b = &mut self.batch;
        let model = self.models.id(&e.model, &mut b.models);
        let origin = if e.ip.is_none() && e.asn.is_none() {
            0
        } else {
            self.origins.id((e.ip, e.asn), &mut b.origins)
        };
        let cot_id = e
            .cot_elicitation
            .map_or(0, |v| self.cot_values.id(v.to_bits(), &mut b.cot_values));
        let api_key = e
            .api_key_id
            .as_deref()
            .map_or(0, |k| self.api_keys.id(k, &mut b.api_keys));
        let client_fp = e
            .client_fingerprint
            .as_deref()
            .map_or(0, |k| self.client_fps.id(k, &mut b.client_fps));
        let template = e
            .prompt_template
            .map_or(0, |h| self.templates.id(h, &mut b.templates));
        let excerpt = e
            .prompt_excerpt
            .as_deref()
            .map_or(0, |t| self.excerpts.id(t, &mut b.excerpts));
        let request_id = b.push_text(&e.request_id);
        let extra = e.extra_json.as_deref().map_or((0, 0), |x| b.push_text(x));
        let id = self.next_exchange_id;
        self.next_exchange_id += 1;
        b.rows.push(Row {
            id,
            account,
            ts_ms: e.ts_ms,
            model,
            input_tokens: e.input_tokens,
            output_tokens: e.output_tokens,
            origin,
            api_key,
            client_fp,
            template,
            capability: e.capability.map_or(NO_CAPABILITY, Capability::code),
            cot: e.cot_elicitation.unwrap_or(f64::NAN),
            cot_id,
            excerpt,
            request_id,
            extra,
        });
        self.stats.count(e.ts_ms);
    }

    fn maybe_flush(&mut self) -> Result<(), AddError> {
        if self.batch.rows.len() >= BATCH_ROWS {
            self.flush().map_err(AddError::Case)?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), CaseError> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.send(Msg::Exchanges(Box::new(batch)))
    }

    /// Compares the held suspects with the stored request ids (one rowid
    /// lookup each); real duplicates go to the rejected list, the rest are
    /// stored.
    fn resolve_held(&mut self) -> Result<(), CaseError> {
        if self.held.is_empty() {
            return Ok(());
        }
        self.flush()?;
        let first_ids: Vec<u32> = self.held.iter().map(|h| h.first_id).collect();
        let (reply, answer) = mpsc::channel();
        self.send(Msg::Lookup(first_ids, reply))?;
        let stored = match answer.recv() {
            Ok(result) => result?,
            Err(_) => return Err(self.writer_failure()),
        };
        for (held, stored) in std::mem::take(&mut self.held).into_iter().zip(stored) {
            // Dictionary entries the row created must reach the file either way.
            self.batch.append_dict(held.dict);
            let repeated = stored.as_deref() == Some(held.request_id.as_str())
                || !self.cleared_suspects.insert(held.request_id.clone());
            if repeated {
                self.rejected.push(Rejected {
                    error: FieldError::new(
                        "request_id",
                        format!(
                            "duplicate request_id {:?} (it appeared earlier)",
                            held.request_id
                        ),
                    ),
                    origin: held.origin,
                });
                continue;
            }
            let mut row = held.row;
            self.stats.count(row.ts_ms);
            self.request_hashes
                .push(request_hash(held.request_id.as_bytes()));
            row.id = self.next_exchange_id;
            self.next_exchange_id += 1;
            row.request_id = self.batch.push_text(&held.request_id);
            if let Some(extra) = &held.extra {
                row.extra = self.batch.push_text(extra);
            }
            self.batch.rows.push(row);
        }
        self.flush()
    }

    /// Rows turned away since the last call (only with `collect_duplicates`).
    pub fn take_rejected(&mut self) -> Vec<Rejected> {
        std::mem::take(&mut self.rejected)
    }

    /// Checks every held row now; returns what was turned away.
    pub fn settle(&mut self) -> Result<Vec<Rejected>, CaseError> {
        self.resolve_held()?;
        Ok(self.take_rejected())
    }

    /// Adds events; an event naming an unknown account is refused.
    pub fn add_event(&mut self, event: Event) -> Result<(), FieldError> {
        let account = match &event.account_id {
            None => None,
            Some(id) => match self.accounts.get(id.as_str()) {
                Some(&account) => Some(account),
                None => {
                    return Err(FieldError::new(
                        "account_id",
                        format!("unknown account {id:?} (not in accounts)"),
                    ));
                }
            },
        };
        if event.kind == EventKind::ModelRelease
            && let Some(model) = &event.model
        {
            let _ = self.models.id(model, &mut self.batch.models);
        }
        self.stats.events += 1;
        self.send(Msg::Events(vec![(event, account)]))
            .map_err(|e| FieldError::new("", e.to_string()))
    }

    /// Adds exchanges folded elsewhere ([`super::folded`], from `hydrascope
    /// spark`) in place of the exchanges themselves: the case's rollups are
    /// written from them as an import writes its own, and `exchanges` stays
    /// empty. Call once, after the accounts and before [`Self::finish`];
    /// dictionary values are numbered in sorted order. A value the logs'
    /// contract refuses (an unknown account, capability or model-less row,
    /// a bad address or template) fails the build, naming the rollup.
    pub fn add_folded(&mut self, folded: super::folded::Folded) -> Result<(), CaseError> {
        if self.stats.exchanges > 0 || self.appending.is_some() {
            return Err(CaseError::Writer(
                "folded exchanges go into a new case without exchanges of its own".into(),
            ));
        }
        self.folded = true;
        let bad = |table: &str, what: String| {
            CaseError::Invalid(format!("rollup {table} from Spark: {what}"))
        };
        let accounts = &self.accounts;
        let account = |table: &str, id: &str| -> Result<u32, CaseError> {
            accounts.get(id).copied().ok_or_else(|| {
                bad(
                    table,
                    format!("account {id:?} is not in the accounts brought back with it"),
                )
            })
        };
        let mut b = Batch::default();
        let mut r = Rollups::default();
        // Dictionaries in sorted order, so the same logs number alike.
        self.models
            .number_in_order(folded.hours.iter().map(|h| h.model.as_str()), &mut b.models);
        let origins = folded
            .origins
            .iter()
            .map(origin_key)
            .collect::<Result<Vec<OriginKey>, _>>()?;
        self.origins
            .number_in_order(origins.iter().copied(), &mut b.origins);
        let template_of = |hex: &str, table: &str| {
            crate::logs::record::parse_template_hex(hex)
                .ok_or_else(|| bad(table, format!("template {hex:?} is not 16 hex digits")))
        };
        let templates = folded
            .templates
            .iter()
            .map(|t| template_of(&t.template, "templates"))
            .collect::<Result<Vec<u64>, _>>()?;
        self.templates.number_in_order(templates, &mut b.templates);
        self.client_fps.number_in_order(
            folded.client_fps.iter().map(|v| v.value.as_str()),
            &mut b.client_fps,
        );
        self.api_keys.number_in_order(
            folded.api_keys.iter().map(|v| v.value.as_str()),
            &mut b.api_keys,
        );
        self.excerpts.number_in_order(
            folded.templates.iter().filter_map(|t| t.example.as_deref()),
            &mut b.excerpts,
        );
        let size = self.accounts.values().copied().max().unwrap_or(0) as usize + 1;
        r.accounts = vec![AccountSums::default(); size];
        for a in &folded.accounts {
            let id = account("account_sums", &a.account_id)?;
            let sums = &mut r.accounts[id as usize];
            sums.sums.exchanges = sums.sums.exchanges.saturating_add(a.exchanges);
            sums.sums.input_tokens = sums.sums.input_tokens.saturating_add(a.input_tokens);
            sums.sums.output_tokens = sums.sums.output_tokens.saturating_add(a.output_tokens);
            sums.first_ms = sums.first_ms.min(a.first_ms);
            sums.last_ms = sums.last_ms.max(a.last_ms);
            sums.cot_sum += a.cot_sum;
            sums.cot_count = sums.cot_count.saturating_add(a.cot_count);
            sums.cot_high = sums.cot_high.saturating_add(a.cot_high);
            if a.exchanges > 0 {
                self.stats.exchanges = self.stats.exchanges.saturating_add(a.exchanges);
                self.stats.first_ms = Some(
                    self.stats
                        .first_ms
                        .map_or(a.first_ms, |t| t.min(a.first_ms)),
                );
                self.stats.last_ms =
                    Some(self.stats.last_ms.map_or(a.last_ms, |t| t.max(a.last_ms)));
            }
        }
        let capability = |name: &str, table: &str| {
            crate::logs::Capability::parse(name).ok_or_else(|| {
                bad(
                    table,
                    format!("capability {name:?} is not one of the contract's"),
                )
            })
        };
        for c in &folded.capabilities {
            let id = account("account_capabilities", &c.account_id)?;
            let code = capability(&c.capability, "account_capabilities")?.code();
            let slot = &mut r.accounts[id as usize].capabilities[usize::from(code)];
            slot.exchanges = slot.exchanges.saturating_add(c.exchanges);
            slot.cot_sum += c.cot_sum;
            slot.cot_count = slot.cot_count.saturating_add(c.cot_count);
        }
        for h in &folded.hours {
            let id = account("account_model_hourly", &h.account_id)?;
            let model = self.models.id(&h.model, &mut b.models);
            let sums = Sums {
                exchanges: h.exchanges,
                input_tokens: h.input_tokens,
                output_tokens: h.output_tokens,
            };
            r.account_hourly
                .entry((id, h.hour, model))
                .or_default()
                .merge(&sums);
            r.model_hourly
                .entry((model, h.hour))
                .or_default()
                .merge(&sums);
            *r.account_models.entry((id, model)).or_default() += h.exchanges;
        }
        for (o, key) in folded.origins.iter().zip(origins) {
            let id = account("account_origins", &o.account_id)?;
            let origin = self.origins.id(key, &mut b.origins);
            *r.account_origins.entry((id, origin)).or_default() += o.exchanges;
        }
        for t in &folded.templates_used {
            let id = account("account_templates", &t.account_id)?;
            let template = self.templates.id(
                template_of(&t.value, "account_templates")?,
                &mut b.templates,
            );
            *r.account_templates.entry((id, template)).or_default() += t.exchanges;
        }
        for f in &folded.client_fps {
            let id = account("account_client_fps", &f.account_id)?;
            let fp = self.client_fps.id(&f.value, &mut b.client_fps);
            *r.account_client_fps.entry((id, fp)).or_default() += f.exchanges;
        }
        for k in &folded.api_keys {
            let id = account("account_api_keys", &k.account_id)?;
            let key = self.api_keys.id(&k.value, &mut b.api_keys);
            r.account_api_keys.insert((id, key));
        }
        for t in &folded.templates {
            let template = self
                .templates
                .id(template_of(&t.template, "templates")?, &mut b.templates);
            let excerpt = t
                .example
                .as_deref()
                .map_or(0, |e| self.excerpts.id(e, &mut b.excerpts));
            let sums = r.templates.entry(template).or_insert(TemplateSums {
                exchanges: 0,
                first_ms: i64::MAX,
                last_ms: i64::MIN,
                example: (0, 0),
            });
            sums.exchanges = sums.exchanges.saturating_add(t.exchanges);
            sums.first_ms = sums.first_ms.min(t.first_ms);
            sums.last_ms = sums.last_ms.max(t.last_ms);
            if sums.example.1 == 0 {
                sums.example = (0, excerpt);
            }
        }
        for p in &folded.profiles {
            let template = self.templates.id(
                template_of(&p.template, "template_profiles")?,
                &mut b.templates,
            );
            let code = match &p.capability {
                Some(name) => capability(name, "template_profiles")?.code(),
                None => NO_CAPABILITY,
            };
            let slot = r.template_profiles.entry((template, code)).or_default();
            slot.exchanges = slot.exchanges.saturating_add(p.exchanges);
            slot.cot_scored = slot.cot_scored.saturating_add(p.cot_scored);
            slot.cot_high = slot.cot_high.saturating_add(p.cot_high);
            slot.input_tokens = slot.input_tokens.saturating_add(p.input_tokens.max(0));
            slot.output_tokens = slot.output_tokens.saturating_add(p.output_tokens.max(0));
        }
        r.minutes = vec![Vec::new(); size];
        for (account_id, minutes) in &folded.minutes {
            let id = account("account_minutes", account_id)?;
            let list = &mut r.minutes[id as usize];
            for &m in minutes {
                let minute = u32::try_from(m).map_err(|_| {
                    bad(
                        "account_minutes",
                        format!("minute {m} of account {account_id:?} is outside 0..2^32"),
                    )
                })?;
                list.push(minute);
            }
        }
        self.send(Msg::Folded(Box::new(b), Box::new(r)))
    }

    /// Adds one indicator.
    pub fn add_indicator(&mut self, indicator: Indicator) -> Result<(), CaseError> {
        self.stats.indicators += 1;
        self.send(Msg::Indicators(vec![indicator]))
    }

    /// Writes the rollups and `meta`, commits, and moves the file into place.
    /// `meta` entries describe where the data came from.
    pub fn finish(self, meta: Vec<(String, String)>) -> Result<BuildStats, CaseError> {
        self.finish_with(meta, None)
    }

    /// [`Self::finish`], appending `audit` to the audit log in the same
    /// transaction (for an append: the case's history says what came in).
    pub fn finish_with(
        mut self,
        meta: Vec<(String, String)>,
        audit: Option<AuditEntry>,
    ) -> Result<BuildStats, CaseError> {
        let leftover = self.settle()?;
        if let Some(first) = leftover.into_iter().next() {
            return Err(CaseError::Writer(format!(
                "{}:{}: {} (settle() before finish() to handle it)",
                first.origin.file, first.origin.line, first.error
            )));
        }
        self.flush()?;
        let mut meta = meta;
        let stats = self.stats.clone();
        // The case's totals: an append adds to what it held (accounts,
        // events and indicators are counted by the writer, which skips
        // repeats of the last two).
        let (exchanges, first_ms, last_ms) = match &self.appending {
            None => (stats.exchanges, stats.first_ms, stats.last_ms),
            Some(a) => (
                a.before.exchanges + stats.exchanges,
                min_opt(a.before.first_ms, stats.first_ms),
                max_opt(a.before.last_ms, stats.last_ms),
            ),
        };
        meta.extend([
            ("format_version".to_string(), SCHEMA_VERSION.to_string()),
            ("exchanges".to_string(), exchanges.to_string()),
        ]);
        if self.appending.is_none() {
            meta.extend([
                (
                    "created_by".to_string(),
                    format!("hydrascope {}", env!("CARGO_PKG_VERSION")),
                ),
                ("accounts".to_string(), stats.accounts.to_string()),
                ("events".to_string(), stats.events.to_string()),
                ("indicators".to_string(), stats.indicators.to_string()),
            ]);
        }
        if let (Some(first), Some(last)) = (first_ms, last_ms) {
            meta.push(("first_ms".into(), first.to_string()));
            meta.push(("last_ms".into(), last.to_string()));
        }
        if !self.folded {
            let hashes = std::mem::take(&mut self.request_hashes);
            self.send(Msg::RequestKeys(hashes, self.index_whole))?;
        }
        self.send(Msg::Finish(meta, audit))?;
        self.sender = None;
        let report = match self.writer.take().map(JoinHandle::join) {
            Some(Ok(Ok(report))) => report,
            Some(Ok(Err(err))) => return Err(err),
            _ => return Err(CaseError::Writer("the writer thread panicked".into())),
        };
        let mut stats = stats;
        stats.accounts_updated = report.accounts_updated;
        // Counted as stored: those the case held already were skipped.
        stats.events = stats.events.saturating_sub(report.events_skipped);
        stats.indicators = stats.indicators.saturating_sub(report.indicators_skipped);
        stats.repeats_skipped = report.events_skipped + report.indicators_skipped;
        if self.appending.is_some() {
            self.finished = true;
            return Ok(stats);
        }
        if self.final_path.exists() && !self.options.force {
            return Err(CaseError::Exists(self.final_path.clone()));
        }
        let io = |source| CaseError::Io {
            path: self.final_path.clone(),
            source,
        };
        std::fs::File::open(&self.tmp_path)
            .and_then(|f| f.sync_all())
            .map_err(io)?;
        std::fs::rename(&self.tmp_path, &self.final_path).map_err(io)?;
        self.finished = true;
        Ok(stats)
    }
}

fn min_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn max_opt(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

impl Drop for CaseBuilder {
    fn drop(&mut self) {
        if !self.finished {
            // The writer rolls an append back (its transaction is never
            // committed); a new case's partial file is removed.
            self.sender = None;
            if let Some(writer) = self.writer.take() {
                let _ = writer.join();
            }
            if self.appending.is_none() {
                let _ = std::fs::remove_file(&self.tmp_path);
            }
        }
    }
}

/// Why an exchange was not added.
#[derive(Debug, thiserror::Error)]
pub enum AddError {
    /// The row itself is wrong.
    #[error("{0}")]
    Row(FieldError),
    /// A row held back earlier proved to repeat a request id.
    #[error("line {}: {}", .0.origin.line, .0.error)]
    Duplicate(Rejected),
    /// Writing failed.
    #[error(transparent)]
    Case(#[from] CaseError),
}

// ---------------------------------------------------------------------------
// The writer thread.

#[derive(Clone, Copy, Default)]
struct Sums {
    exchanges: u64,
    input_tokens: i64,
    output_tokens: i64,
}

impl Sums {
    fn add(&mut self, row: &Row) {
        self.exchanges += 1;
        self.input_tokens += row.input_tokens;
        self.output_tokens += row.output_tokens;
    }

    fn merge(&mut self, other: &Sums) {
        self.exchanges += other.exchanges;
        self.input_tokens += other.input_tokens;
        self.output_tokens += other.output_tokens;
    }
}

#[derive(Clone, Copy, Default)]
struct CapabilitySums {
    exchanges: u64,
    cot_sum: f64,
    cot_count: u64,
}

#[derive(Clone)]
struct AccountSums {
    sums: Sums,
    first_ms: i64,
    last_ms: i64,
    cot_sum: f64,
    cot_count: u64,
    /// Exchanges with a chain-of-thought score of 0.5 or more.
    cot_high: u64,
    capabilities: [CapabilitySums; Capability::ALL.len()],
}

impl Default for AccountSums {
    fn default() -> Self {
        Self {
            sums: Sums::default(),
            first_ms: i64::MAX,
            last_ms: i64::MIN,
            cot_sum: 0.0,
            cot_count: 0,
            cot_high: 0,
            capabilities: Default::default(),
        }
    }
}

/// Rollups folded from every stored exchange; memory grows with distinct
/// (account, hour) and (account, value) pairs, never with exchanges.
#[derive(Default)]
struct Rollups {
    accounts: Vec<AccountSums>,
    /// Per (account, hour, model): `account_model_hourly`, and summed over
    /// models, `account_hourly`.
    account_hourly: FxHashMap<(u32, i64, u32), Sums>,
    account_origins: FxHashMap<(u32, u32), u64>,
    account_templates: FxHashMap<(u32, u32), u64>,
    account_client_fps: FxHashMap<(u32, u32), u64>,
    account_models: FxHashMap<(u32, u32), u64>,
    account_api_keys: FxHashSet<(u32, u32)>,
    templates: FxHashMap<u32, TemplateSums>,
    /// Per (template, capability code or [`NO_CAPABILITY`]):
    /// `template_profiles`.
    template_profiles: FxHashMap<(u32, u8), ProfileSums>,
    model_hourly: FxHashMap<(u32, i64), Sums>,
    /// Each account's active minutes, by account id (`account_minutes`):
    /// in the order seen, a minute repeated only when not in a row;
    /// sorted when written.
    minutes: Vec<Vec<u32>>,
}

/// A template's `template_stats` row as it is folded.
#[derive(Clone, Copy)]
struct TemplateSums {
    exchanges: u64,
    first_ms: i64,
    last_ms: i64,
    /// The id and excerpt of its first exchange with an excerpt (0, 0:
    /// none yet).
    example: (i64, u32),
}

/// What the exchanges on one template with one capability asked for
/// (`template_profiles`).
#[derive(Clone, Copy, Default)]
struct ProfileSums {
    exchanges: u64,
    cot_scored: u64,
    cot_high: u64,
    /// Tokens, a negative count taken as 0.
    input_tokens: i64,
    output_tokens: i64,
}

/// The hour bucket (hours since the epoch, floored) of a timestamp.
pub fn hour_of_ms(ts_ms: i64) -> i64 {
    ts_ms.div_euclid(3_600_000)
}

impl Rollups {
    fn add(&mut self, row: &Row) {
        let account = row.account as usize;
        if self.accounts.len() <= account {
            self.accounts.resize(account + 1, AccountSums::default());
        }
        if self.minutes.len() <= account {
            self.minutes.resize(account + 1, Vec::new());
        }
        let minute = super::minutes::minute_of_ms(row.ts_ms);
        let list = &mut self.minutes[account];
        if list.last() != Some(&minute) {
            list.push(minute);
        }
        let a = &mut self.accounts[account];
        a.sums.add(row);
        a.first_ms = a.first_ms.min(row.ts_ms);
        a.last_ms = a.last_ms.max(row.ts_ms);
        let has_cot = !row.cot.is_nan();
        let cot_high = has_cot && row.cot >= 0.5;
        if has_cot {
            a.cot_sum += row.cot;
            a.cot_count += 1;
            a.cot_high += u64::from(cot_high);
        }
        if row.capability != NO_CAPABILITY {
            let c = &mut a.capabilities[usize::from(row.capability)];
            c.exchanges += 1;
            if has_cot {
                c.cot_sum += row.cot;
                c.cot_count += 1;
            }
        }
        let hour = hour_of_ms(row.ts_ms);
        self.account_hourly
            .entry((row.account, hour, row.model))
            .or_default()
            .add(row);
        self.model_hourly
            .entry((row.model, hour))
            .or_default()
            .add(row);
        *self
            .account_models
            .entry((row.account, row.model))
            .or_default() += 1;
        if row.origin != 0 {
            *self
                .account_origins
                .entry((row.account, row.origin))
                .or_default() += 1;
        }
        if row.client_fp != 0 {
            *self
                .account_client_fps
                .entry((row.account, row.client_fp))
                .or_default() += 1;
        }
        if row.api_key != 0 {
            self.account_api_keys.insert((row.account, row.api_key));
        }
        if row.template != 0 {
            *self
                .account_templates
                .entry((row.account, row.template))
                .or_default() += 1;
            let t = self.templates.entry(row.template).or_insert(TemplateSums {
                exchanges: 0,
                first_ms: i64::MAX,
                last_ms: i64::MIN,
                example: (0, 0),
            });
            t.exchanges += 1;
            t.first_ms = t.first_ms.min(row.ts_ms);
            t.last_ms = t.last_ms.max(row.ts_ms);
            if row.excerpt != 0 && (t.example.1 == 0 || row.id < t.example.0) {
                t.example = (row.id, row.excerpt);
            }
            let p = self
                .template_profiles
                .entry((row.template, row.capability))
                .or_default();
            p.exchanges += 1;
            p.cot_scored += u64::from(has_cot);
            p.cot_high += u64::from(cot_high);
            p.input_tokens += row.input_tokens.max(0);
            p.output_tokens += row.output_tokens.max(0);
        }
    }
}

fn sorted<K: Ord + Copy, V: Copy>(map: &FxHashMap<K, V>) -> Vec<(K, V)> {
    let mut entries: Vec<(K, V)> = map.iter().map(|(k, v)| (*k, *v)).collect();
    entries.sort_unstable_by_key(|(k, _)| *k);
    entries
}

fn count_by_first<V>(map: &FxHashMap<(u32, u32), V>, accounts: usize) -> Vec<u64> {
    let mut counts = vec![0u64; accounts];
    for (account, _) in map.keys() {
        counts[*account as usize] += 1;
    }
    counts
}

/// The writer thread. `appending` holds the (account, API key) pairs of
/// the case appended to (`None`: a new case).
fn writer_main(
    conn: Connection,
    receiver: Receiver<Msg>,
    appending: Option<FxHashSet<(u32, u32)>>,
) -> Result<WriterReport, CaseError> {
    let mut rollups = Rollups::default();
    let mut report = WriterReport::default();
    let mut account_count = match appending {
        Some(_) => conn.query_row("SELECT coalesce(max(id), 0) FROM accounts", [], |r| {
            r.get::<_, i64>(0)
        })? as usize,
        None => 0,
    };
    // Accounts the case held before (an append's summaries of those
    // without new exchanges stay as they are).
    let accounts_before = account_count;
    let mut insert_exchange = conn.prepare(&exchange_insert_sql(ROWS_PER_INSERT))?;
    while let Ok(msg) = receiver.recv() {
        match msg {
            Msg::Accounts(accounts) => {
                let mut stmt = conn.prepare_cached(
                    "INSERT INTO accounts (id, account_id, created_ms, org_name, email_domain, payment_fingerprint, \
                     signup_ip, billing_country, access_path, verification, extra_json) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                )?;
                for (id, a) in &accounts {
                    stmt.execute(params![
                        id,
                        a.account_id,
                        a.created_ms,
                        a.org_name,
                        a.email_domain,
                        a.payment_fingerprint,
                        a.signup_ip.map(|ip| ip.to_string()),
                        a.billing_country,
                        a.access_path,
                        a.verification,
                        a.extra_json,
                    ])?;
                    account_count = account_count.max(*id as usize);
                }
            }
            Msg::UpdateAccounts(accounts) => {
                let mut stmt = conn.prepare_cached(
                    "UPDATE accounts SET created_ms = ?2, org_name = ?3, email_domain = ?4, \
                     payment_fingerprint = ?5, signup_ip = ?6, billing_country = ?7, access_path = ?8, \
                     verification = ?9, extra_json = ?10 \
                     WHERE id = ?1 AND NOT (created_ms IS ?2 AND org_name IS ?3 AND email_domain IS ?4 \
                     AND payment_fingerprint IS ?5 AND signup_ip IS ?6 AND billing_country IS ?7 \
                     AND access_path IS ?8 AND verification IS ?9 AND extra_json IS ?10)",
                )?;
                for (id, a) in &accounts {
                    report.accounts_updated += stmt.execute(params![
                        id,
                        a.created_ms,
                        a.org_name,
                        a.email_domain,
                        a.payment_fingerprint,
                        a.signup_ip.map(|ip| ip.to_string()),
                        a.billing_country,
                        a.access_path,
                        a.verification,
                        a.extra_json,
                    ])? as u64;
                }
            }
            Msg::Exchanges(batch) => {
                insert_dictionaries(&conn, &batch)?;
                insert_rows(&conn, &mut insert_exchange, &batch, &mut rollups)?;
            }
            Msg::Events(events) => {
                // Appending: an event the case holds (same time, kind,
                // model, account and text) is not added twice.
                let mut stmt = conn.prepare_cached(if appending.is_some() {
                    "INSERT INTO events (ts_ms, kind, model, account_id, account, text, extra_json) \
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM events \
                     WHERE ts_ms = ?1 AND kind = ?2 AND model IS ?3 AND account_id IS ?4 AND text IS ?6)"
                } else {
                    "INSERT INTO events (ts_ms, kind, model, account_id, account, text, extra_json) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
                })?;
                for (e, account) in &events {
                    report.events_skipped += 1 - stmt
                        .execute(params![
                            e.ts_ms,
                            e.kind.as_str(),
                            e.model,
                            e.account_id,
                            account,
                            e.text,
                            e.extra_json
                        ])?
                        .min(1) as u64;
                }
            }
            Msg::Indicators(indicators) => {
                let mut stmt = conn.prepare_cached(if appending.is_some() {
                    "INSERT INTO indicators (kind, value, source, note, extra_json) \
                     SELECT ?1, ?2, ?3, ?4, ?5 WHERE NOT EXISTS (SELECT 1 FROM indicators \
                     WHERE kind = ?1 AND value = ?2 AND source IS ?3 AND note IS ?4)"
                } else {
                    "INSERT INTO indicators (kind, value, source, note, extra_json) VALUES (?1, ?2, ?3, ?4, ?5)"
                })?;
                for i in &indicators {
                    report.indicators_skipped += 1 - stmt
                        .execute(params![
                            i.kind.as_str(),
                            i.value,
                            i.source,
                            i.note,
                            i.extra_json
                        ])?
                        .min(1) as u64;
                }
            }
            Msg::Folded(batch, folded) => {
                insert_dictionaries(&conn, &batch)?;
                rollups = *folded;
            }
            Msg::Lookup(ids, reply) => {
                let _ = reply.send(request_ids_of(&conn, &ids));
            }
            Msg::RequestKeys(mut hashes, whole) => {
                super::request_keys::write_run(&conn, &mut hashes, whole)?;
            }
            Msg::Finish(meta, audit) => {
                drop(insert_exchange);
                match &appending {
                    None => write_rollups(&conn, &rollups, account_count + 1)?,
                    Some(api_keys) => merge_rollups(
                        &conn,
                        &rollups,
                        (accounts_before, account_count + 1),
                        api_keys,
                    )?,
                }
                let put = if appending.is_some() {
                    Put::Add
                } else {
                    Put::Insert
                };
                write_minutes(&conn, &mut rollups.minutes, put)?;
                let mut stmt =
                    conn.prepare("INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)")?;
                for (key, value) in &meta {
                    stmt.execute((key, value))?;
                }
                drop(stmt);
                if appending.is_some() {
                    conn.execute_batch(
                        "INSERT OR REPLACE INTO meta (key, value) VALUES \
                         ('accounts', (SELECT count(*) FROM accounts)), \
                         ('events', (SELECT count(*) FROM events)), \
                         ('indicators', (SELECT count(*) FROM indicators));",
                    )?;
                }
                if let Some(audit) = audit {
                    let empty = serde_json::to_string(&super::casework::Snapshot::default())
                        .map_err(|e| CaseError::Invalid(format!("audit snapshot: {e}")))?;
                    conn.execute(
                        "INSERT INTO audit_log (at, analyst, origin, session, action, clusters, summary, \
                         before_json, after_json, reverts) VALUES (?1, ?2, ?3, ?4, 'import.append', '', ?5, ?6, ?6, NULL)",
                        params![
                            crate::base::time::now_rfc3339(),
                            audit.who.analyst,
                            audit.who.origin.name(),
                            audit.who.session,
                            audit.summary,
                            empty
                        ],
                    )?;
                }
                if appending.is_some() {
                    conn.execute_batch("COMMIT;")?;
                    // Best effort: fold the write-ahead log back into the file.
                    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);");
                } else {
                    conn.pragma_update(None, "application_id", APPLICATION_ID)?;
                    conn.execute_batch("COMMIT; PRAGMA journal_mode = DELETE;")?;
                }
                conn.close().map_err(|(_, err)| CaseError::from(err))?;
                return Ok(report);
            }
        }
    }
    // The builder was dropped without finishing: nothing to keep (an
    // append's transaction is rolled back as the connection closes).
    Ok(report)
}

/// Adds an append's rollups `r` to the case's: sums are added, spans
/// widened, distinct counts grown by the pairs that are new (looked up
/// before they are added), and each touched account's summary and
/// template's stats brought up to date. `accounts` is the largest account
/// id the case held before, and the largest now plus one;
/// `api_keys_before`, the (account, API key) pairs the case's exchanges
/// held (of the appended exchanges' accounts).
fn merge_rollups(
    conn: &Connection,
    r: &Rollups,
    (accounts_before, accounts): (usize, usize),
    api_keys_before: &FxHashSet<(u32, u32)>,
) -> rusqlite::Result<()> {
    // What is new, before anything is added.
    let mut new_hours = vec![0u64; accounts];
    {
        let mut exists =
            conn.prepare("SELECT 1 FROM account_hourly WHERE account = ?1 AND hour = ?2")?;
        // In key order: each page of the table is read once (in hash
        // order every lookup went to another page, and pages fell out of
        // the cache before their next lookup).
        let mut hours: Vec<(u32, i64)> = r
            .account_hourly
            .keys()
            .map(|&(account, hour, _)| (account, hour))
            .collect();
        hours.sort_unstable();
        hours.dedup();
        for (account, hour) in hours {
            if !exists.exists(params![account, hour])? {
                new_hours[account as usize] += 1;
            }
        }
    }
    let mut new_template_accounts: FxHashMap<u32, u64> = FxHashMap::default();
    let mut new_distinct = |table: &str, column: &str, map: &FxHashMap<(u32, u32), u64>| {
        let mut counts = vec![0u64; accounts];
        let mut exists = conn.prepare(&format!(
            "SELECT 1 FROM {table} WHERE account = ?1 AND {column} = ?2"
        ))?;
        let mut keys: Vec<(u32, u32)> = map.keys().copied().collect();
        keys.sort_unstable();
        for (account, value) in keys {
            if !exists.exists(params![account, value])? {
                counts[account as usize] += 1;
                if table == "account_templates" {
                    *new_template_accounts.entry(value).or_default() += 1;
                }
            }
        }
        Ok::<_, rusqlite::Error>(counts)
    };
    let new_origins = new_distinct("account_origins", "origin", &r.account_origins)?;
    let new_templates = new_distinct("account_templates", "template", &r.account_templates)?;
    let new_models = new_distinct("account_models", "model", &r.account_models)?;
    let mut new_api_keys = vec![0u64; accounts];
    let mut new_pairs: Vec<(u32, u32)> = r
        .account_api_keys
        .iter()
        .filter(|pair| !api_keys_before.contains(pair))
        .copied()
        .collect();
    for pair in &new_pairs {
        new_api_keys[pair.0 as usize] += 1;
    }
    new_pairs.sort_unstable();
    write_api_keys(conn, &new_pairs)?;
    write_sums(conn, r, sorted(&r.account_hourly), Put::Add)?;
    let mut stats = conn.prepare(
        "INSERT INTO template_stats (template, exchanges, accounts, first_ms, last_ms, example) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (template) DO UPDATE SET \
         exchanges = exchanges + excluded.exchanges, accounts = accounts + excluded.accounts, \
         first_ms = min(first_ms, excluded.first_ms), last_ms = max(last_ms, excluded.last_ms), \
         example = coalesce(example, excluded.example)",
    )?;
    for (template, t) in sorted(&r.templates) {
        stats.execute(params![
            template,
            t.exchanges,
            new_template_accounts.get(&template).copied().unwrap_or(0),
            t.first_ms,
            t.last_ms,
            (t.example.1 != 0).then_some(t.example.1)
        ])?;
    }
    let mut caps = conn.prepare(
        "INSERT INTO account_capabilities (account, capability, exchanges, cot_sum, cot_count) \
         VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (account, capability) DO UPDATE SET \
         exchanges = exchanges + excluded.exchanges, cot_sum = cot_sum + excluded.cot_sum, \
         cot_count = cot_count + excluded.cot_count",
    )?;
    let mut summary = conn.prepare(
        "INSERT INTO account_summary (account, exchanges, input_tokens, output_tokens, first_ms, last_ms, \
         active_hours, distinct_origins, distinct_templates, distinct_models, distinct_api_keys, cot_mean, \
         top_capability, cot_scored, cot_high) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL, ?13, ?14) \
         ON CONFLICT (account) DO UPDATE SET exchanges = exchanges + excluded.exchanges, \
         input_tokens = input_tokens + excluded.input_tokens, \
         output_tokens = output_tokens + excluded.output_tokens, \
         first_ms = coalesce(min(first_ms, excluded.first_ms), first_ms, excluded.first_ms), \
         last_ms = coalesce(max(last_ms, excluded.last_ms), last_ms, excluded.last_ms), \
         active_hours = active_hours + excluded.active_hours, \
         distinct_origins = distinct_origins + excluded.distinct_origins, \
         distinct_templates = distinct_templates + excluded.distinct_templates, \
         distinct_models = distinct_models + excluded.distinct_models, \
         distinct_api_keys = distinct_api_keys + excluded.distinct_api_keys, \
         cot_mean = CASE WHEN cot_scored + excluded.cot_scored > 0 THEN \
           (coalesce(cot_mean, 0) * cot_scored + coalesce(excluded.cot_mean, 0) * excluded.cot_scored) \
           / (cot_scored + excluded.cot_scored) END, \
         cot_scored = cot_scored + excluded.cot_scored, cot_high = cot_high + excluded.cot_high",
    )?;
    let mut top = conn.prepare(
        "UPDATE account_summary SET top_capability = (SELECT capability FROM account_capabilities \
         WHERE account = ?1 AND exchanges > 0 ORDER BY exchanges DESC, capability ASC LIMIT 1) \
         WHERE account = ?1",
    )?;
    let empty = AccountSums::default();
    for account in 1..accounts {
        let a = r.accounts.get(account).unwrap_or(&empty);
        let active = a.sums.exchanges > 0;
        if !active && account <= accounts_before {
            // Held before and no new exchange: its summary stands.
            continue;
        }
        summary.execute(params![
            account,
            a.sums.exchanges,
            a.sums.input_tokens,
            a.sums.output_tokens,
            active.then_some(a.first_ms),
            active.then_some(a.last_ms),
            new_hours[account],
            new_origins[account],
            new_templates[account],
            new_models[account],
            new_api_keys[account],
            (a.cot_count > 0).then(|| a.cot_sum / a.cot_count as f64),
            a.cot_count,
            a.cot_high,
        ])?;
        if active {
            for (code, c) in a.capabilities.iter().enumerate() {
                if c.exchanges > 0 {
                    caps.execute(params![account, code, c.exchanges, c.cot_sum, c.cot_count])?;
                }
            }
            top.execute([account])?;
        }
    }
    Ok(())
}

fn insert_dictionaries(conn: &Connection, b: &Batch) -> rusqlite::Result<()> {
    for (table, column, rows) in [
        ("models", "name", &b.models),
        ("api_keys", "key_id", &b.api_keys),
        ("client_fingerprints", "fingerprint", &b.client_fps),
        ("excerpts", "text", &b.excerpts),
    ] {
        if rows.is_empty() {
            continue;
        }
        let mut stmt = conn.prepare_cached(&format!(
            "INSERT INTO {table} (id, {column}) VALUES (?1, ?2)"
        ))?;
        for (id, text) in rows {
            stmt.execute((id, text))?;
        }
    }
    if !b.origins.is_empty() {
        let mut stmt = conn.prepare_cached(
            "INSERT INTO origins (id, ip, asn, family, prefix) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for (id, (addr, asn)) in &b.origins {
            let (family, prefix) = addr.map(ip_prefix).unzip();
            stmt.execute(params![
                id,
                addr.map(|a| a.to_string()),
                asn,
                family,
                prefix
            ])?;
        }
    }
    if !b.cot_values.is_empty() {
        let mut stmt = conn.prepare_cached("INSERT INTO cot_values (id, value) VALUES (?1, ?2)")?;
        for (id, bits) in &b.cot_values {
            stmt.execute(params![id, f64::from_bits(*bits)])?;
        }
    }
    if !b.templates.is_empty() {
        let mut stmt =
            conn.prepare_cached("INSERT INTO templates (id, simhash, hex) VALUES (?1, ?2, ?3)")?;
        for (id, simhash) in &b.templates {
            stmt.execute(params![id, *simhash as i64, format!("{simhash:016x}")])?;
        }
    }
    Ok(())
}

/// Columns of one `exchanges` row as inserted.
const EXCHANGE_COLUMNS: usize = 14;
/// Rows per multi-row INSERT: fewer statement runs per row.
const ROWS_PER_INSERT: usize = 32;

/// `INSERT INTO exchanges … VALUES (…), (…)` for `rows` rows.
fn exchange_insert_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO exchanges (id, request_id, account, ts_ms, model, input_tokens, output_tokens, \
         origin, api_key, client_fp, template, capability, cot, excerpt) VALUES ",
    );
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..EXCHANGE_COLUMNS {
            if c > 0 {
                sql.push(',');
            }
            sql.push_str(&format!("?{}", r * EXCHANGE_COLUMNS + c + 1));
        }
        sql.push(')');
    }
    sql
}

fn bind_row(stmt: &mut Statement<'_>, slot: usize, row: &Row, b: &Batch) -> rusqlite::Result<()> {
    let at = slot * EXCHANGE_COLUMNS;
    let text = |(start, len): (u32, u32)| &b.text[start as usize..(start + len) as usize];
    stmt.raw_bind_parameter(at + 1, row.id)?;
    stmt.raw_bind_parameter(at + 2, text(row.request_id))?;
    stmt.raw_bind_parameter(at + 3, row.account)?;
    stmt.raw_bind_parameter(at + 4, row.ts_ms)?;
    stmt.raw_bind_parameter(at + 5, row.model)?;
    stmt.raw_bind_parameter(at + 6, row.input_tokens)?;
    stmt.raw_bind_parameter(at + 7, row.output_tokens)?;
    bind_id(stmt, at + 8, row.origin)?;
    bind_id(stmt, at + 9, row.api_key)?;
    bind_id(stmt, at + 10, row.client_fp)?;
    bind_id(stmt, at + 11, row.template)?;
    if row.capability != NO_CAPABILITY {
        stmt.raw_bind_parameter(at + 12, row.capability)?;
    } else {
        stmt.raw_bind_parameter(at + 12, Null)?;
    }
    bind_id(stmt, at + 13, row.cot_id)?;
    bind_id(stmt, at + 14, row.excerpt)
}

fn insert_rows(
    conn: &Connection,
    many: &mut Statement<'_>,
    b: &Batch,
    rollups: &mut Rollups,
) -> rusqlite::Result<()> {
    let mut chunks = b.rows.chunks_exact(ROWS_PER_INSERT);
    for chunk in &mut chunks {
        for (slot, row) in chunk.iter().enumerate() {
            bind_row(many, slot, row, b)?;
        }
        many.raw_execute()?;
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut one = conn.prepare_cached(&exchange_insert_sql(1))?;
        for row in rest {
            bind_row(&mut one, 0, row, b)?;
            one.raw_execute()?;
        }
    }
    let mut extra_stmt = None;
    for row in &b.rows {
        if row.extra.1 > 0 {
            let extra = match &mut extra_stmt {
                Some(s) => s,
                None => extra_stmt.insert(conn.prepare_cached(
                    "INSERT INTO exchange_extra (exchange, extra_json) VALUES (?1, ?2)",
                )?),
            };
            let (start, len) = row.extra;
            extra.execute((row.id, &b.text[start as usize..(start + len) as usize]))?;
        }
        rollups.add(row);
    }
    Ok(())
}

fn bind_id(stmt: &mut Statement<'_>, index: usize, id: u32) -> rusqlite::Result<()> {
    if id == 0 {
        stmt.raw_bind_parameter(index, Null)
    } else {
        stmt.raw_bind_parameter(index, id)
    }
}

/// The request ids of the given exchanges (`None` where there is no such row).
fn request_ids_of(conn: &Connection, ids: &[u32]) -> Result<Vec<Option<String>>, CaseError> {
    let mut stmt = conn.prepare_cached("SELECT request_id FROM exchanges WHERE id = ?1")?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(stmt.query_row([id], |r| r.get(0)).optional()?);
    }
    Ok(out)
}

fn write_rollups(conn: &Connection, r: &Rollups, accounts: usize) -> rusqlite::Result<()> {
    let origins = count_by_first(&r.account_origins, accounts);
    let templates = count_by_first(&r.account_templates, accounts);
    let models = count_by_first(&r.account_models, accounts);
    let mut api_keys = vec![0u64; accounts];
    for (account, _) in &r.account_api_keys {
        api_keys[*account as usize] += 1;
    }
    let mut pairs: Vec<(u32, u32)> = r.account_api_keys.iter().copied().collect();
    pairs.sort_unstable();
    write_api_keys(conn, &pairs)?;
    // Hours with any exchange, on any model.
    let hourly = sorted(&r.account_hourly);
    let mut hours = vec![0u64; accounts];
    for (i, ((account, hour, _), _)) in hourly.iter().enumerate() {
        if i == 0 || (hourly[i - 1].0.0, hourly[i - 1].0.1) != (*account, *hour) {
            hours[*account as usize] += 1;
        }
    }
    let mut stmt = conn.prepare(
        "INSERT INTO account_summary (account, exchanges, input_tokens, output_tokens, first_ms, last_ms, \
         active_hours, distinct_origins, distinct_templates, distinct_models, distinct_api_keys, cot_mean, top_capability, \
         cot_scored, cot_high) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
    )?;
    let mut caps = conn.prepare(
        "INSERT INTO account_capabilities (account, capability, exchanges, cot_sum, cot_count) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for account in 1..accounts {
        let empty = AccountSums::default();
        let a = r.accounts.get(account).unwrap_or(&empty);
        let active = a.sums.exchanges > 0;
        let top = a
            .capabilities
            .iter()
            .enumerate()
            .filter(|(_, c)| c.exchanges > 0)
            .max_by_key(|(i, c)| (c.exchanges, std::cmp::Reverse(*i)))
            .map(|(i, _)| i as i64);
        stmt.execute(params![
            account,
            a.sums.exchanges,
            a.sums.input_tokens,
            a.sums.output_tokens,
            active.then_some(a.first_ms),
            active.then_some(a.last_ms),
            hours[account],
            origins[account],
            templates[account],
            models[account],
            api_keys[account],
            (a.cot_count > 0).then(|| a.cot_sum / a.cot_count as f64),
            top,
            a.cot_count,
            a.cot_high,
        ])?;
        for (code, c) in a.capabilities.iter().enumerate() {
            if c.exchanges > 0 {
                caps.execute(params![account, code, c.exchanges, c.cot_sum, c.cot_count])?;
            }
        }
    }
    write_sums(conn, r, hourly, Put::Insert)?;
    let mut template_accounts: FxHashMap<u32, u64> = FxHashMap::default();
    for (_, template) in r.account_templates.keys() {
        *template_accounts.entry(*template).or_default() += 1;
    }
    let mut stats = conn.prepare(
        "INSERT INTO template_stats (template, exchanges, accounts, first_ms, last_ms, example) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (template, t) in sorted(&r.templates) {
        let accounts = template_accounts.get(&template).copied().unwrap_or(0);
        stats.execute(params![
            template,
            t.exchanges,
            accounts,
            t.first_ms,
            t.last_ms,
            (t.example.1 != 0).then_some(t.example.1)
        ])?;
    }
    Ok(())
}

/// Adds (account, API key) pairs the case does not hold to `account_api_keys`.
fn write_api_keys(conn: &Connection, pairs: &[(u32, u32)]) -> rusqlite::Result<()> {
    let mut stmt =
        conn.prepare("INSERT OR IGNORE INTO account_api_keys (account, api_key) VALUES (?1, ?2)")?;
    for (account, key) in pairs {
        stmt.execute(params![account, key])?;
    }
    Ok(())
}

/// Writes each account's active minutes (`account_minutes`): a new case's
/// as they are, an append's joined with those the account held.
fn write_minutes(conn: &Connection, minutes: &mut [Vec<u32>], put: Put) -> Result<(), CaseError> {
    let mut insert = conn.prepare(
        "INSERT OR REPLACE INTO account_minutes (account, minutes_json) VALUES (?1, ?2)",
    )?;
    let mut held = conn.prepare("SELECT minutes_json FROM account_minutes WHERE account = ?1")?;
    for (account, list) in minutes.iter_mut().enumerate() {
        if list.is_empty() {
            continue;
        }
        list.sort_unstable();
        list.dedup();
        if let Put::Add = put
            && let Some(text) = held
                .query_row([account as i64], |r| r.get::<_, String>(0))
                .optional()?
        {
            let before = super::minutes::decode(&text).map_err(|e| {
                CaseError::Invalid(format!(
                    "account_minutes: account row {account}: {e}; run `hydrascope verify` on the case"
                ))
            })?;
            *list = super::minutes::union(&before, list);
        }
        insert.execute(params![account as i64, super::minutes::encode(list)])?;
    }
    Ok(())
}

/// How a rollup's rows reach the file.
#[derive(Clone, Copy)]
enum Put {
    /// Inserted into a new case.
    Insert,
    /// Added to the rows an existing case holds (an append).
    Add,
}

/// Writes the rollups that are sums per key (`account_model_hourly`,
/// `account_hourly`, the (account, value) tables, `template_profiles`,
/// `model_hourly`) of `r`, inserted or added as `put` says; `hourly` is
/// `r.account_hourly` sorted, dropped once used.
fn write_sums(
    conn: &Connection,
    r: &Rollups,
    hourly: Vec<((u32, i64, u32), Sums)>,
    put: Put,
) -> rusqlite::Result<()> {
    let sums_row =
        |a: i64, b: i64, s: &Sums| [a, b, s.exchanges as i64, s.input_tokens, s.output_tokens];
    const SUMS: &str = "exchanges, input_tokens, output_tokens";
    put_int_rows(
        conn,
        put,
        "account_model_hourly",
        "account, hour, model",
        SUMS,
        hourly.iter().map(|((account, hour, model), s)| {
            [
                i64::from(*account),
                *hour,
                i64::from(*model),
                s.exchanges as i64,
                s.input_tokens,
                s.output_tokens,
            ]
        }),
    )?;
    // The same summed over models (the entries are in (account, hour,
    // model) order: one hour's models are next to one another).
    let per_hour = sum_over_models(&hourly);
    drop(hourly);
    put_int_rows(
        conn,
        put,
        "account_hourly",
        "account, hour",
        SUMS,
        per_hour
            .iter()
            .map(|((account, hour), s)| sums_row(i64::from(*account), *hour, s)),
    )?;
    drop(per_hour);
    for (table, column, map) in [
        ("account_origins", "origin", &r.account_origins),
        ("account_templates", "template", &r.account_templates),
        ("account_client_fps", "client_fp", &r.account_client_fps),
        ("account_models", "model", &r.account_models),
    ] {
        put_int_rows(
            conn,
            put,
            table,
            &format!("account, {column}"),
            "exchanges",
            sorted(map)
                .iter()
                .map(|((account, value), n)| [i64::from(*account), i64::from(*value), *n as i64]),
        )?;
    }
    put_int_rows(
        conn,
        put,
        "template_profiles",
        "template, capability",
        "exchanges, cot_scored, cot_high, input_tokens, output_tokens",
        sorted(&r.template_profiles)
            .iter()
            .map(|((template, capability), p)| {
                [
                    i64::from(*template),
                    if *capability == NO_CAPABILITY {
                        -1
                    } else {
                        i64::from(*capability)
                    },
                    p.exchanges as i64,
                    p.cot_scored as i64,
                    p.cot_high as i64,
                    p.input_tokens,
                    p.output_tokens,
                ]
            }),
    )?;
    put_int_rows(
        conn,
        put,
        "model_hourly",
        "model, hour",
        SUMS,
        sorted(&r.model_hourly)
            .iter()
            .map(|((model, hour), s)| sums_row(i64::from(*model), *hour, s)),
    )
}

/// Puts all-integer rows (the `key` columns, then the summed `values`)
/// into `table`: inserted (many rows per statement), or added to the row
/// of the same key where there is one.
fn put_int_rows<const N: usize>(
    conn: &Connection,
    put: Put,
    table: &str,
    key: &str,
    values: &str,
    rows: impl Iterator<Item = [i64; N]>,
) -> rusqlite::Result<()> {
    match put {
        Put::Insert => insert_int_rows(conn, &format!("{table} ({key}, {values})"), rows),
        Put::Add => {
            let params: Vec<String> = (1..=N).map(|i| format!("?{i}")).collect();
            let sets: Vec<String> = values
                .split(", ")
                .map(|v| format!("{v} = {v} + excluded.{v}"))
                .collect();
            let mut stmt = conn.prepare(&format!(
                "INSERT INTO {table} ({key}, {values}) VALUES ({}) ON CONFLICT ({key}) DO UPDATE SET {}",
                params.join(", "),
                sets.join(", ")
            ))?;
            for row in rows {
                stmt.execute(rusqlite::params_from_iter(row))?;
            }
            Ok(())
        }
    }
}

/// `(account, hour, model)` sums, sorted, summed over models: one hour's
/// models are next to one another.
fn sum_over_models(hourly: &[((u32, i64, u32), Sums)]) -> Vec<((u32, i64), Sums)> {
    let mut per_hour: Vec<((u32, i64), Sums)> = Vec::new();
    for ((account, hour, _), s) in hourly {
        match per_hour.last_mut() {
            Some((key, sum)) if *key == (*account, *hour) => sum.merge(s),
            _ => per_hour.push(((*account, *hour), *s)),
        }
    }
    per_hour
}

/// Inserts all-integer rows into `target` ("table (columns)") with
/// multi-row statements: rollups run to millions of rows at seed scale.
fn insert_int_rows<const N: usize>(
    conn: &Connection,
    target: &str,
    rows: impl Iterator<Item = [i64; N]>,
) -> rusqlite::Result<()> {
    const ROWS_PER_STATEMENT: usize = 64;
    let sql = |rows: usize| {
        let tuples: Vec<String> = (0..rows)
            .map(|r| {
                let params: Vec<String> = (0..N).map(|c| format!("?{}", r * N + c + 1)).collect();
                format!("({})", params.join(","))
            })
            .collect();
        format!("INSERT INTO {target} VALUES {}", tuples.join(","))
    };
    let mut many = conn.prepare(&sql(ROWS_PER_STATEMENT))?;
    let mut one = conn.prepare(&sql(1))?;
    let mut pending = Vec::with_capacity(ROWS_PER_STATEMENT);
    for row in rows {
        pending.push(row);
        if pending.len() == ROWS_PER_STATEMENT {
            for (r, row) in pending.iter().enumerate() {
                for (c, value) in row.iter().enumerate() {
                    many.raw_bind_parameter(r * N + c + 1, *value)?;
                }
            }
            many.raw_execute()?;
            pending.clear();
        }
    }
    for row in &pending {
        for (c, value) in row.iter().enumerate() {
            one.raw_bind_parameter(c + 1, *value)?;
        }
        one.raw_execute()?;
    }
    Ok(())
}
