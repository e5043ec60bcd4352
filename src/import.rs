//! `hydrascope import`: an activity-log folder into a new case file.
//!
//! All-or-nothing by default: the first bad row stops the import and no case
//! file is left behind. With `skip_invalid`, bad rows go to a rejects file
//! beside the case (`CASE.rejects.jsonl`) and the rest is imported.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use crate::base::Progress;
use crate::base::time::now_rfc3339;
use crate::case::builder::{AddError, Rejected, RowOrigin};
use crate::case::{BuildOptions, BuildStats, CaseBuilder, CaseError};
use crate::logs::folder::{FolderError, LogFile, StreamError};
use crate::logs::row::FieldError;
use crate::logs::section::{
    account_from_row, event_from_row, exchange_from_row, indicator_from_row,
};
use crate::logs::{Exchange, Section, discover, for_each_row};
use std::borrow::Cow;

/// How an import behaves.
#[derive(Clone, Debug, Default)]
pub struct ImportOptions {
    /// Import the valid rows and write the others to a rejects file.
    pub skip_invalid: bool,
    /// Overwrite an existing case file.
    pub force: bool,
}

/// What an import did.
#[derive(Clone, Debug)]
pub struct ImportReport {
    /// What was stored.
    pub stats: BuildStats,
    /// Rows turned away (only with `skip_invalid`).
    pub rejected: u64,
    /// Where they were written.
    pub rejects_path: Option<PathBuf>,
    /// Things the analyst should know that did not stop the import.
    pub warnings: Vec<String>,
    /// Wall-clock time.
    pub elapsed_secs: f64,
}

/// Why an import failed.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The folder is not a usable activity-log folder.
    #[error(transparent)]
    Folder(#[from] FolderError),
    /// A row breaks the contract.
    #[error("{}: {error}", place(file, *line))]
    BadRow {
        /// The file's name.
        file: String,
        /// 1-based line number.
        line: u64,
        /// What is wrong.
        error: FieldError,
    },
    /// A file could not be read or decoded.
    #[error("{0}")]
    Read(String),
    /// The case could not be written.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// The rejects file could not be written.
    #[error("{path}: {source}")]
    Rejects {
        /// The rejects file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl ImportError {
    /// Whether the input or the arguments are at fault (exit status 2).
    pub fn is_bad_input(&self) -> bool {
        match self {
            ImportError::Folder(_) | ImportError::BadRow { .. } | ImportError::Read(_) => true,
            ImportError::Case(err) => err.is_bad_input(),
            ImportError::Rejects { .. } => false,
        }
    }
}

/// Where a row is, as errors say it: `exchanges.jsonl:12` for a line of a
/// text file, `exchanges/part-0.parquet (row group 1), row 12` for a
/// Parquet row (whose `file` names the part and row group).
fn place(file: &str, line: u64) -> String {
    if file.ends_with(')') && file.contains(" (row group ") {
        format!("{file}, row {line}")
    } else {
        format!("{file}:{line}")
    }
}

/// The rejects file of a case: `CASE.rejects.jsonl`.
pub fn rejects_path_for(case: &Path) -> PathBuf {
    let mut name = case
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".rejects.jsonl");
    case.with_file_name(name)
}

struct Rejects {
    path: PathBuf,
    out: Option<BufWriter<File>>,
    count: u64,
}

impl Rejects {
    fn write(
        &mut self,
        file: &str,
        line: u64,
        error: &FieldError,
        text: &str,
    ) -> Result<(), ImportError> {
        let io = |source| ImportError::Rejects {
            path: self.path.clone(),
            source,
        };
        if self.out.is_none() {
            self.out = Some(BufWriter::new(File::create(&self.path).map_err(io)?));
        }
        let record = serde_json::json!({
            "file": file, "line": line, "field": error.field, "reason": error.message, "row": text,
        });
        if let Some(out) = &mut self.out {
            writeln!(out, "{record}").map_err(|e| ImportError::Rejects {
                path: self.path.clone(),
                source: e,
            })?;
        }
        self.count += 1;
        Ok(())
    }

    fn write_rejected(&mut self, rejected: Vec<Rejected>) -> Result<(), ImportError> {
        for r in rejected {
            self.write(&r.origin.file, r.origin.line, &r.error, &r.origin.text)?;
        }
        Ok(())
    }
}

/// Imports the activity-log folder `dir` into a new case at `out`.
pub fn import_folder(
    dir: &Path,
    out: &Path,
    options: &ImportOptions,
    progress: &Progress,
) -> Result<ImportReport, ImportError> {
    let meta = vec![
        ("source".to_string(), dir.display().to_string()),
        ("imported_at".to_string(), now_rfc3339()),
    ];
    import_new(discover(dir)?, out, options, progress, meta, None)
}

/// Imports `folder` into a new case at `out`, with `folded` (exchanges
/// folded elsewhere) in place of exchanges when given.
fn import_new(
    folder: crate::logs::LogFolder,
    out: &Path,
    options: &ImportOptions,
    progress: &Progress,
    meta: Vec<(String, String)>,
    folded: Option<crate::case::folded::Folded>,
) -> Result<ImportReport, ImportError> {
    let builder = CaseBuilder::create(
        out,
        BuildOptions {
            force: options.force,
            collect_duplicates: options.skip_invalid,
        },
    )?;
    run(
        folder,
        builder,
        rejects_path_for(out),
        options,
        progress,
        Ending {
            meta,
            audit: None,
            folded,
        },
    )
}

/// Builds a case from exchanges folded elsewhere (`hydrascope spark`):
/// the `accounts`, `events` and `indicators` sections of the folder `dir`
/// are imported as [`import_folder`] imports them, and `folded` takes the
/// place of the exchanges (the case holds their rollups and no exchange).
pub fn import_folded(
    dir: &Path,
    out: &Path,
    options: &ImportOptions,
    progress: &Progress,
    folded: crate::case::folded::Folded,
    meta: Vec<(String, String)>,
) -> Result<ImportReport, ImportError> {
    let folder = crate::logs::folder::discover_requiring(dir, &[Section::Accounts])?;
    import_new(folder, out, options, progress, meta, Some(folded))
}

/// Appends the activity-log folder `dir` (a day, a partition) to the case
/// at `case`, all or nothing: one transaction, committed only if every row
/// is good (or, with `skip_invalid`, the bad ones are set aside). A request
/// id the case already holds is a duplicate; an account it holds takes the
/// folder's details; events and indicators it holds are not added twice.
/// The folder needs no `accounts` section. Rejected rows go to
/// `CASE.append-SECONDS.rejects.jsonl`, so an earlier import's rejects
/// file stays. The audit log records the append as `import.append`.
pub fn append_folder(
    dir: &Path,
    case: &Path,
    options: &ImportOptions,
    progress: &Progress,
    who: crate::case::casework::Who,
) -> Result<ImportReport, ImportError> {
    let folder = crate::logs::folder::discover_requiring(dir, &[Section::Exchanges])?;
    progress.set_phase("reading the folder's request ids");
    let day = day_keys(&folder)?;
    progress.set_phase("reading the case's request ids");
    let builder = CaseBuilder::append(
        case,
        BuildOptions {
            force: false,
            collect_duplicates: options.skip_invalid,
        },
        &day,
    )?;
    let now = now_rfc3339();
    let meta = vec![
        ("last_appended_from".to_string(), dir.display().to_string()),
        ("last_appended_at".to_string(), now),
    ];
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let mut name = case
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".append-{stamp}.rejects.jsonl"));
    let rejects = case.with_file_name(name);
    let audit = crate::case::builder::AuditEntry {
        who,
        summary: format!("appended {}", dir.display()),
    };
    run(
        folder,
        builder,
        rejects,
        options,
        progress,
        Ending {
            meta,
            audit: Some(audit),
            folded: None,
        },
    )
}

/// The request ids' hashes and the accounts of a folder's
/// exchanges, read ahead of an append (rows that cannot be read are left
/// for the append itself to name).
fn day_keys(folder: &crate::logs::LogFolder) -> Result<crate::case::builder::DayKeys, ImportError> {
    let mut day = crate::case::builder::DayKeys::default();
    let Some(file) = folder.file(Section::Exchanges) else {
        return Ok(day);
    };
    let streamed = for_each_row(file, Arc::new(AtomicU64::new(0)), |row| {
        if let Ok(cells) = row.row {
            if let Ok(request_id) = cells.req_str(0) {
                day.hashes.insert(crate::case::request_keys::request_hash(
                    request_id.as_bytes(),
                ));
            }
            if let Ok(account) = cells.req_str(1)
                && !day.account_ids.contains(account.as_ref())
            {
                day.account_ids.insert(account.as_ref().into());
            }
        }
        Ok::<(), ()>(())
    });
    match streamed {
        Ok(_) | Err(StreamError::Stopped(())) => Ok(day),
        Err(StreamError::Read { file, message }) => {
            Err(ImportError::Read(format!("{file}: {message}")))
        }
    }
}

/// The import proper, into a new case or an existing one.
/// What an import writes besides the rows of its folder.
struct Ending {
    /// `meta` entries: where the data came from.
    meta: Vec<(String, String)>,
    /// The audit log's entry (an append's).
    audit: Option<crate::case::builder::AuditEntry>,
    /// Exchanges folded elsewhere, in place of an exchanges section.
    folded: Option<crate::case::folded::Folded>,
}

fn run(
    folder: crate::logs::LogFolder,
    mut builder: CaseBuilder,
    rejects_path: PathBuf,
    options: &ImportOptions,
    progress: &Progress,
    ending: Ending,
) -> Result<ImportReport, ImportError> {
    let Ending {
        mut meta,
        audit,
        folded,
    } = ending;
    let started = Instant::now();
    let mut warnings: Vec<String> = folder
        .ignored
        .iter()
        .map(|name| format!("{name}: not an activity-log section file; ignored"))
        .chain(folder.notes.iter().cloned())
        .collect();
    progress.total.store(
        folder.files.iter().map(LogFile::len_bytes).sum(),
        Ordering::Relaxed,
    );
    let bytes_read = Arc::new(AtomicU64::new(0));
    let mut rejects = Rejects {
        path: rejects_path.clone(),
        out: None,
        count: 0,
    };
    let result = (|| -> Result<(), ImportError> {
        for file in &folder.files {
            progress.set_phase(format!("importing {}", file.display_name()));
            let done_before = progress.done.load(Ordering::Relaxed);
            bytes_read.store(0, Ordering::Relaxed);
            let counter = bytes_read.clone();
            let mut ctx = FileImport {
                file,
                name: file.display_name(),
                options,
                rejects: &mut rejects,
                extra_fields: Vec::new(),
                accounts: Vec::new(),
                lines: Vec::new(),
                rows_since_progress: 0,
                progress,
                bytes_read: &counter,
                done_before,
            };
            if file.section == Section::Exchanges {
                warnings.extend(ctx.stream_exchanges(&mut builder, bytes_read.clone())?);
            } else {
                let streamed = for_each_row(file, bytes_read.clone(), |row| {
                    if let Some(place) = row.place
                        && ctx.name != place
                    {
                        ctx.name = place.to_string();
                    }
                    let text = match row.render {
                        Some(render) => Cow::Owned(render()),
                        None => Cow::Borrowed(row.text),
                    };
                    ctx.row(&mut builder, row.line, row.row, &text)
                });
                match streamed {
                    Ok(more) => warnings.extend(more),
                    Err(StreamError::Stopped(err)) => return Err(err),
                    Err(read @ StreamError::Read { .. }) => {
                        return Err(ImportError::Read(read.to_string()));
                    }
                }
            }
            ctx.finish_accounts(&mut builder)?;
            if !ctx.extra_fields.is_empty() {
                warnings.push(format!(
                    "{}: fields outside the contract kept in extra_json: {}",
                    file.display_name(),
                    ctx.extra_fields.join(", ")
                ));
            }
            progress.done.store(
                done_before + bytes_read.load(Ordering::Relaxed),
                Ordering::Relaxed,
            );
            let mut late = builder.settle()?;
            if !options.skip_invalid && !late.is_empty() {
                let first = late.remove(0);
                return Err(ImportError::BadRow {
                    file: first.origin.file,
                    line: first.origin.line,
                    error: first.error,
                });
            }
            rejects.write_rejected(late)?;
        }
        Ok(())
    })();
    if let Err(mut err) = result {
        // A suspected duplicate still held back may precede the row that
        // failed: report whichever comes first in the file.
        if let ImportError::BadRow { file, line, .. } = &err
            && let Ok(held) = builder.settle()
            && let Some(first) = held
                .into_iter()
                .filter(|r| &r.origin.file == file && r.origin.line < *line)
                .min_by_key(|r| r.origin.line)
        {
            err = ImportError::BadRow {
                file: first.origin.file,
                line: first.origin.line,
                error: first.error,
            };
        }
        drop(builder);
        // Remove only a rejects file this run wrote: one left by an earlier
        // import belongs to the existing case, which stays as it was.
        if rejects.out.take().is_some() {
            let _ = std::fs::remove_file(&rejects_path);
        }
        return Err(err);
    }
    if let Some(mut out) = rejects.out.take() {
        out.flush().map_err(|source| ImportError::Rejects {
            path: rejects_path.clone(),
            source,
        })?;
    } else if options.skip_invalid && !builder.is_appending() {
        // A rejects file from an earlier import would now be misleading.
        let _ = std::fs::remove_file(&rejects_path);
    }
    if let Some(folded) = folded {
        progress.set_phase("numbering the rollups from Spark");
        builder.add_folded(folded)?;
    }
    progress.set_phase("writing rollups");
    let appending = builder.is_appending();
    meta.push((
        if appending {
            "last_appended_rejected_rows"
        } else {
            "rejected_rows"
        }
        .to_string(),
        rejects.count.to_string(),
    ));
    let audit = audit.map(|mut a| {
        a.summary = format!("{} ({} rows rejected)", a.summary, rejects.count);
        a
    });
    let stats = builder.finish_with(meta, audit)?;
    Ok(ImportReport {
        stats,
        rejected: rejects.count,
        rejects_path: (rejects.count > 0).then_some(rejects_path),
        warnings,
        elapsed_secs: started.elapsed().as_secs_f64(),
    })
}

struct FileImport<'a> {
    file: &'a LogFile,
    name: String,
    options: &'a ImportOptions,
    rejects: &'a mut Rejects,
    extra_fields: Vec<String>,
    accounts: Vec<crate::logs::Account>,
    /// Per account read: where it was (file, line) and its text.
    lines: Vec<(String, u64, String)>,
    rows_since_progress: u32,
    progress: &'a Progress,
    bytes_read: &'a AtomicU64,
    done_before: u64,
}

impl FileImport<'_> {
    fn bad(&mut self, line: u64, error: FieldError, text: &str) -> Result<(), ImportError> {
        if self.options.skip_invalid {
            let name = self.name.clone();
            self.rejects.write(&name, line, &error, text)
        } else {
            Err(ImportError::BadRow {
                file: self.name.clone(),
                line,
                error,
            })
        }
    }

    fn row(
        &mut self,
        builder: &mut CaseBuilder,
        line: u64,
        row: Result<&mut crate::logs::row::RawRow<'_>, FieldError>,
        text: &str,
    ) -> Result<(), ImportError> {
        self.tick_progress();
        let row = match row {
            Ok(row) => row,
            Err(error) => return self.bad(line, error, text),
        };
        if self.extra_fields.len() < 20 {
            for name in row.extra_names() {
                if !self.extra_fields.iter().any(|n| n == name) {
                    self.extra_fields.push(name.to_string());
                }
            }
        }
        match self.file.section {
            Section::Accounts => match account_from_row(row) {
                Ok(account) => {
                    self.accounts.push(account);
                    self.lines.push((self.name.clone(), line, text.to_string()));
                    Ok(())
                }
                Err(error) => self.bad(line, error, text),
            },
            Section::Exchanges => match exchange_from_row(row) {
                Ok(exchange) => self.add_exchange(builder, line, &exchange, text),
                Err(error) => self.bad(line, error, text),
            },
            Section::Events => match event_from_row(row) {
                Ok(event) => match builder.add_event(event) {
                    Ok(()) => Ok(()),
                    Err(error) => self.bad(line, error, text),
                },
                Err(error) => self.bad(line, error, text),
            },
            Section::Indicators => match indicator_from_row(row) {
                Ok(indicator) => Ok(builder.add_indicator(indicator)?),
                Err(error) => self.bad(line, error, text),
            },
        }
    }

    fn add_exchange(
        &mut self,
        builder: &mut CaseBuilder,
        line: u64,
        exchange: &Exchange<'_>,
        text: &str,
    ) -> Result<(), ImportError> {
        let name = &self.name;
        // A Parquet row has no text of its own: what it said is the
        // exchange it was read as.
        let text = || {
            if text.is_empty() {
                crate::logs::write::exchange_json(exchange)
            } else {
                text.to_string()
            }
        };
        let added = builder.add_exchange(exchange, || RowOrigin {
            file: name.clone(),
            line,
            text: text(),
        });
        match added {
            Ok(()) => {
                let late = builder.take_rejected();
                self.rejects.write_rejected(late)
            }
            Err(AddError::Row(error)) => self.bad(line, error, &text()),
            Err(AddError::Duplicate(held)) => Err(ImportError::BadRow {
                file: held.origin.file,
                line: held.origin.line,
                error: held.error,
            }),
            Err(AddError::Case(err)) => Err(err.into()),
        }
    }

    fn tick_progress(&mut self) {
        self.rows_since_progress += 1;
        if self.rows_since_progress >= 65_536 {
            self.rows_since_progress = 0;
            self.progress.done.store(
                self.done_before + self.bytes_read.load(Ordering::Relaxed),
                Ordering::Relaxed,
            );
        }
    }

    /// Exchanges, the bulk of every import, are read and validated on a
    /// thread of their own while this one encodes and deduplicates.
    fn stream_exchanges(
        &mut self,
        builder: &mut CaseBuilder,
        bytes_read: Arc<AtomicU64>,
    ) -> Result<Vec<String>, ImportError> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<ParsedBatch>(4);
        let file = self.file;
        std::thread::scope(|scope| {
            let parser = scope.spawn(move || parse_exchanges(file, bytes_read, sender));
            let mut result = Ok(Vec::new());
            for batch in &receiver {
                if let Err(err) = self.parsed_batch(builder, &batch) {
                    result = Err(err);
                    break;
                }
            }
            drop(receiver);
            match parser.join() {
                Ok(Ok((extra_fields, warnings))) => {
                    if self.extra_fields.is_empty() {
                        self.extra_fields = extra_fields;
                    }
                    if let Ok(all) = &mut result {
                        *all = warnings;
                    }
                }
                Ok(Err(StreamError::Read { file, message })) if result.is_ok() => {
                    result = Err(ImportError::Read(format!("{file}: {message}")));
                }
                Ok(Err(_)) => {}
                Err(_) => {
                    result = result.and(Err(ImportError::Read(
                        "the exchange parser panicked".into(),
                    )));
                }
            }
            result
        })
    }

    fn parsed_batch(
        &mut self,
        builder: &mut CaseBuilder,
        batch: &ParsedBatch,
    ) -> Result<(), ImportError> {
        let text = |(start, len): Span| &batch.text[start as usize..(start + len) as usize];
        let cow = |span: Span| Cow::Borrowed(text(span));
        if let Some(place) = &batch.place {
            self.name.clone_from(place);
        }
        for item in &batch.items {
            self.tick_progress();
            match item {
                Parsed::Bad { line, raw, error } => self.bad(*line, error.clone(), text(*raw))?,
                Parsed::Row(p) => {
                    let exchange = Exchange {
                        request_id: cow(p.request_id),
                        account_id: cow(p.account_id),
                        ts_ms: p.ts_ms,
                        model: cow(p.model),
                        input_tokens: p.input_tokens,
                        output_tokens: p.output_tokens,
                        ip: p.ip,
                        asn: p.asn,
                        api_key_id: p.api_key_id.map(cow),
                        client_fingerprint: p.client_fingerprint.map(cow),
                        prompt_template: p.prompt_template,
                        capability: p.capability,
                        cot_elicitation: p.cot_elicitation,
                        prompt_excerpt: p.prompt_excerpt.map(cow),
                        extra_json: p.extra_json.map(|span| text(span).to_string()),
                    };
                    self.add_exchange(builder, p.line, &exchange, text(p.raw))?;
                }
            }
        }
        Ok(())
    }

    /// Accounts are checked for duplicates together, then stored in one go.
    fn finish_accounts(&mut self, builder: &mut CaseBuilder) -> Result<(), ImportError> {
        if self.accounts.is_empty() {
            return Ok(());
        }
        let mut seen = rustc_hash::FxHashSet::default();
        let mut keep = Vec::with_capacity(self.accounts.len());
        let mut known = Vec::new();
        let accounts = std::mem::take(&mut self.accounts);
        let lines = std::mem::take(&mut self.lines);
        for (account, (name, line, text)) in accounts.into_iter().zip(lines) {
            self.name = name;
            let first_here = seen.insert(account.account_id.clone());
            if first_here && builder.is_appending() && builder.has_account(&account.account_id) {
                // Appending: an account the case holds takes these details.
                known.push(account);
                continue;
            }
            if !first_here || builder.has_account(&account.account_id) {
                let error = FieldError::new(
                    "account_id",
                    format!("duplicate account_id {:?}", account.account_id),
                );
                self.bad(line, error, &text)?;
                continue;
            }
            keep.push(account);
        }
        builder.update_accounts(known)?;
        builder
            .add_accounts(keep)
            .map_err(|bad| match bad.into_iter().next() {
                Some((_, error)) => ImportError::Read(format!("{}: {error}", self.name)),
                None => ImportError::Read(format!("{}: accounts could not be stored", self.name)),
            })
    }
}

/// A string inside a [`ParsedBatch`]'s text: start and length in bytes.
type Span = (u32, u32);

/// A validated exchange whose strings live in its batch's text.
struct ParsedExchange {
    line: u64,
    raw: Span,
    request_id: Span,
    account_id: Span,
    ts_ms: i64,
    model: Span,
    input_tokens: i64,
    output_tokens: i64,
    ip: Option<std::net::IpAddr>,
    asn: Option<i64>,
    api_key_id: Option<Span>,
    client_fingerprint: Option<Span>,
    prompt_template: Option<u64>,
    capability: Option<crate::logs::Capability>,
    cot_elicitation: Option<f64>,
    prompt_excerpt: Option<Span>,
    extra_json: Option<Span>,
}

enum Parsed {
    Row(ParsedExchange),
    Bad {
        line: u64,
        raw: Span,
        error: FieldError,
    },
}

/// Rows parsed on the reader thread, in file order.
#[derive(Default)]
struct ParsedBatch {
    /// Parquet: the part and row group the rows come from.
    place: Option<String>,
    text: String,
    items: Vec<Parsed>,
}

impl ParsedBatch {
    fn push(&mut self, text: &str) -> Span {
        let start = self.text.len() as u32;
        self.text.push_str(text);
        (start, text.len() as u32)
    }
}

const PARSED_BATCH_ROWS: usize = 4096;

/// The reader thread: parses and validates exchanges, sends them in batches.
/// Returns the names of fields outside the contract it saw.
fn parse_exchanges(
    file: &LogFile,
    bytes_read: Arc<AtomicU64>,
    sender: std::sync::mpsc::SyncSender<ParsedBatch>,
) -> Result<(Vec<String>, Vec<String>), StreamError<()>> {
    let mut batch = ParsedBatch::default();
    let mut extra_fields: Vec<String> = Vec::new();
    let warnings = for_each_row(file, bytes_read, |row| {
        if row.place != batch.place.as_deref() {
            if !batch.items.is_empty() {
                sender.send(std::mem::take(&mut batch)).map_err(|_| ())?;
            }
            batch.place = row.place.map(str::to_string);
        }
        // A Parquet row's text is made only if it is turned away.
        let raw = batch.push(row.text);
        let bad = |batch: &mut ParsedBatch| match row.render {
            Some(render) => batch.push(&render()),
            None => raw,
        };
        let parsed = match row.row {
            Err(error) => Parsed::Bad {
                line: row.line,
                raw: bad(&mut batch),
                error,
            },
            Ok(cells) => {
                if extra_fields.len() < 20 {
                    for name in cells.extra_names() {
                        if !extra_fields.iter().any(|n| n == name) {
                            extra_fields.push(name.to_string());
                        }
                    }
                }
                match exchange_from_row(cells) {
                    Err(error) => Parsed::Bad {
                        line: row.line,
                        raw: bad(&mut batch),
                        error,
                    },
                    Ok(e) => Parsed::Row(ParsedExchange {
                        line: row.line,
                        raw,
                        request_id: batch.push(&e.request_id),
                        account_id: batch.push(&e.account_id),
                        ts_ms: e.ts_ms,
                        model: batch.push(&e.model),
                        input_tokens: e.input_tokens,
                        output_tokens: e.output_tokens,
                        ip: e.ip,
                        asn: e.asn,
                        api_key_id: e.api_key_id.as_deref().map(|s| batch.push(s)),
                        client_fingerprint: e.client_fingerprint.as_deref().map(|s| batch.push(s)),
                        prompt_template: e.prompt_template,
                        capability: e.capability,
                        cot_elicitation: e.cot_elicitation,
                        prompt_excerpt: e.prompt_excerpt.as_deref().map(|s| batch.push(s)),
                        extra_json: e.extra_json.as_deref().map(|s| batch.push(s)),
                    }),
                }
            }
        };
        batch.items.push(parsed);
        if batch.items.len() >= PARSED_BATCH_ROWS {
            sender.send(std::mem::take(&mut batch)).map_err(|_| ())?;
        }
        Ok(())
    })?;
    if !batch.items.is_empty() {
        // The receiver has stopped only if the import already failed.
        let _ = sender.send(batch);
    }
    Ok((extra_fields, warnings))
}
