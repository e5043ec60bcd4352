//! Finding the section files of an activity-log folder and streaming their
//! rows, with the line number of each, whatever the format and compression.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::read::MultiGzDecoder;

use super::parquet::{ParquetStop, Part, find_parts};
use super::row::{FieldError, RawRow};
use super::section::Section;

/// On-disk format of a section file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// JSON Lines: one object per line.
    Jsonl,
    /// CSV with a header row (RFC 4180 quoting).
    Csv,
    /// Apache Parquet: one file, or a folder of part files.
    Parquet,
}

/// One section file of a folder.
#[derive(Clone, Debug)]
pub struct LogFile {
    /// Which section it holds.
    pub section: Section,
    /// Where it is.
    pub path: PathBuf,
    /// JSON Lines or CSV.
    pub format: Format,
    /// Whether it is gzip-compressed.
    pub gzip: bool,
    /// Parquet: the part files (one for a single `.parquet` file).
    pub parts: Vec<Part>,
}

impl LogFile {
    /// The file name, as errors show it (a folder of parts ends in `/`).
    pub fn display_name(&self) -> String {
        let name = self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if self.path.is_dir() {
            format!("{name}/")
        } else {
            name
        }
    }

    /// Size on disk in bytes (compressed size for gzip, every part's for
    /// a folder of Parquet parts).
    pub fn len_bytes(&self) -> u64 {
        let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if self.parts.is_empty() {
            size(&self.path)
        } else {
            self.parts.iter().map(|p| size(&p.path)).sum()
        }
    }
}

/// The section files found in a folder.
#[derive(Clone, Debug, Default)]
pub struct LogFolder {
    /// Section files, in import order.
    pub files: Vec<LogFile>,
    /// Names of other files in the folder, which import ignores.
    pub ignored: Vec<String>,
    /// Other things import should say about the folder (files inside a
    /// Parquet section folder that are not parts, partition keys that name
    /// no field).
    pub notes: Vec<String>,
}

impl LogFolder {
    /// The file of a section, if the folder has one.
    pub fn file(&self, section: Section) -> Option<&LogFile> {
        self.files.iter().find(|f| f.section == section)
    }
}

/// Why a folder cannot be read as activity logs.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// The path is not a readable directory.
    #[error("{path}: {source}")]
    Unreadable {
        /// The folder.
        path: String,
        /// What the OS said.
        source: io::Error,
    },
    /// A required section has no file.
    #[error(
        "{path}: no {section} file (expected {section}.jsonl, .csv, .jsonl.gz, .csv.gz, \
         .parquet, or a {section}/ folder of Parquet parts)"
    )]
    MissingSection {
        /// The folder.
        path: String,
        /// The missing section's name.
        section: &'static str,
    },
    /// A section's name on something that cannot be read as a file.
    #[error("{path}: {what}; a section file must be a regular file (or a link to one)")]
    NotAFile {
        /// The path.
        path: String,
        /// What it is, or why it cannot be followed.
        what: String,
    },
    /// A Parquet section folder that cannot be used.
    #[error("{path}: {message}")]
    Parquet {
        /// The folder.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Two files claim one section.
    #[error("{path}: both {first} and {second} hold {section}; keep one")]
    Ambiguous {
        /// The folder.
        path: String,
        /// The section's name.
        section: &'static str,
        /// One file.
        first: String,
        /// The other.
        second: String,
    },
}

/// Finds the section files in `dir`; `accounts` and `exchanges` must be
/// there.
pub fn discover(dir: &Path) -> Result<LogFolder, FolderError> {
    let required: Vec<Section> = Section::ALL.into_iter().filter(|s| s.required()).collect();
    discover_requiring(dir, &required)
}

/// [`discover`], with only the `required` sections required (a folder
/// appended to a case may bring no new accounts).
pub fn discover_requiring(dir: &Path, required: &[Section]) -> Result<LogFolder, FolderError> {
    let unreadable = |source| FolderError::Unreadable {
        path: dir.display().to_string(),
        source,
    };
    let mut folder = LogFolder::default();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(unreadable)?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        // Symbolic links are followed: a section file linked from elsewhere
        // is imported like any other. A section name on anything that is
        // not a regular file (a folder, a named pipe, a broken link) is an
        // error rather than a silent gap.
        let is_file = std::fs::metadata(dir.join(&name)).map(|m| m.is_file());
        if let Some(section) = parquet_folder(&dir.join(&name), &name) {
            let (parts, stray) =
                find_parts(&dir.join(&name), &name).map_err(|message| FolderError::Parquet {
                    path: dir.display().to_string(),
                    message,
                })?;
            for path in stray {
                folder
                    .notes
                    .push(format!("{path}: not a Parquet part file; ignored"));
            }
            note_partition_keys(&mut folder.notes, &name, section, &parts);
            if let Some(existing) = folder.file(section) {
                return Err(FolderError::Ambiguous {
                    path: dir.display().to_string(),
                    section: section.name(),
                    first: existing.display_name(),
                    second: format!("{name}/"),
                });
            }
            folder.files.push(LogFile {
                section,
                path: dir.join(&name),
                format: Format::Parquet,
                gzip: false,
                parts,
            });
            continue;
        }
        match classify(&name) {
            Some(_) if !matches!(is_file, Ok(true)) => {
                return Err(FolderError::NotAFile {
                    path: dir.join(&name).display().to_string(),
                    what: match is_file {
                        Ok(_) => "not a regular file".to_string(),
                        Err(err) => err.to_string(),
                    },
                });
            }
            None if !matches!(is_file, Ok(true)) => {}
            Some((section, format, gzip)) => {
                if let Some(existing) = folder.file(section) {
                    return Err(FolderError::Ambiguous {
                        path: dir.display().to_string(),
                        section: section.name(),
                        first: existing.display_name(),
                        second: name,
                    });
                }
                let parts = if format == Format::Parquet {
                    vec![Part {
                        path: dir.join(&name),
                        name: name.clone(),
                        partition: Vec::new(),
                    }]
                } else {
                    Vec::new()
                };
                folder.files.push(LogFile {
                    section,
                    path: dir.join(&name),
                    format,
                    gzip,
                    parts,
                });
            }
            None => folder.ignored.push(name),
        }
    }
    if folder.files.is_empty()
        && let Some(file) = partition_of_a_section(dir)?
    {
        // The folder is one partition of one section's Parquet folder
        // (`lake/exchanges/day=2026-02-02/`): its parts are the section.
        folder.ignored.clear();
        note_partition_keys(
            &mut folder.notes,
            &file.display_name(),
            file.section,
            &file.parts,
        );
        folder.files.push(file);
    }
    for &section in required {
        if folder.file(section).is_none() {
            return Err(FolderError::MissingSection {
                path: dir.display().to_string(),
                section: section.name(),
            });
        }
    }
    folder.files.sort_by_key(|f| f.section);
    Ok(folder)
}

/// Notes the partition keys of `parts` that name no field of `section`
/// (they are ignored), once each.
fn note_partition_keys(notes: &mut Vec<String>, name: &str, section: Section, parts: &[Part]) {
    let mut keys: Vec<&str> = Vec::new();
    for part in parts {
        for (key, _) in &part.partition {
            if !section.fields().contains(&key.as_str()) && !keys.contains(&key.as_str()) {
                keys.push(key);
            }
        }
    }
    let name = name.trim_end_matches('/');
    for key in keys {
        notes.push(format!(
            "{name}/: partition key `{key}` is not a field of {}; ignored",
            section.name()
        ));
    }
}

/// `dir` as one Hive partition of a section's Parquet folder: its own name
/// and those above it `key=value` up to a folder named for a section
/// (`exchanges/` or `exchanges.parquet/`), with part files below it. The
/// parts carry the partition values of every folder from the section's.
fn partition_of_a_section(dir: &Path) -> Result<Option<LogFile>, FolderError> {
    let Ok(dir) = dir.canonicalize() else {
        return Ok(None);
    };
    let mut outer: Vec<(String, String)> = Vec::new();
    let mut shown: Vec<String> = Vec::new();
    let mut at = dir.as_path();
    let section = loop {
        let Some(name) = at.file_name().map(|n| n.to_string_lossy().into_owned()) else {
            return Ok(None);
        };
        if let Some(section) = parquet_folder(at, &name) {
            shown.push(name);
            break section;
        }
        let Some((key, value)) = name.split_once('=') else {
            return Ok(None);
        };
        outer.push((
            super::parquet::unescape(key),
            super::parquet::unescape(value),
        ));
        shown.push(name.clone());
        let Some(parent) = at.parent() else {
            return Ok(None);
        };
        at = parent;
    };
    if outer.is_empty() {
        return Ok(None);
    }
    outer.reverse();
    shown.reverse();
    let shown = shown.join("/");
    let (mut parts, _) = find_parts(&dir, &shown).map_err(|message| FolderError::Parquet {
        path: dir.display().to_string(),
        message,
    })?;
    for part in &mut parts {
        let mut partition = outer.clone();
        partition.append(&mut part.partition);
        part.partition = partition;
    }
    Ok(Some(LogFile {
        section,
        path: dir.clone(),
        format: Format::Parquet,
        gzip: false,
        parts,
    }))
}

/// The section a folder holds as Parquet parts: `exchanges/` or
/// `exchanges.parquet/` (as Spark writes `df.write.parquet("exchanges.parquet")`).
fn parquet_folder(path: &Path, name: &str) -> Option<Section> {
    if !path.is_dir() {
        return None;
    }
    let stem = name.strip_suffix(".parquet").unwrap_or(name);
    Section::ALL.into_iter().find(|s| s.name() == stem)
}

fn classify(name: &str) -> Option<(Section, Format, bool)> {
    let (stem, gzip) = match name.strip_suffix(".gz") {
        Some(stem) => (stem, true),
        None => (name, false),
    };
    let (section, ext) = stem.split_once('.')?;
    let format = match ext {
        "jsonl" => Format::Jsonl,
        "csv" => Format::Csv,
        "parquet" if !gzip => Format::Parquet,
        _ => return None,
    };
    let section = Section::ALL.into_iter().find(|s| s.name() == section)?;
    Some((section, format, gzip))
}

/// Counts bytes read from the file on disk, for progress bars.
struct Counting<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

const READ_BUFFER_BYTES: usize = 1 << 20;

/// The longest line a section file may have, in bytes (1 MiB; a row of the
/// contract is well under a kilobyte). A longer line stops the import with
/// its file and line number before it is held in memory whole, however well
/// it compresses.
pub const MAX_LINE_BYTES: usize = 1 << 20;

fn open(file: &LogFile, bytes_read: Arc<AtomicU64>) -> io::Result<Box<dyn BufRead>> {
    let raw = Counting {
        inner: File::open(&file.path)?,
        read: bytes_read,
    };
    Ok(if file.gzip {
        Box::new(LineBound::new(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            MultiGzDecoder::new(BufReader::new(raw)),
        )))
    } else {
        Box::new(LineBound::new(BufReader::with_capacity(
            READ_BUFFER_BYTES,
            raw,
        )))
    })
}

/// A reader that fails on a line longer than [`MAX_LINE_BYTES`]: it hands
/// out at most one line at a time, and never more than the bound allows.
pub struct LineBound<R> {
    inner: R,
    /// Bytes of the current line handed out so far.
    line_bytes: usize,
    /// Lines completed.
    lines: u64,
    /// Where the newline is in the slice last handed out, if it has one.
    newline_at: Option<usize>,
}

impl<R: BufRead> LineBound<R> {
    /// Bounds `inner`'s lines.
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            line_bytes: 0,
            lines: 0,
            newline_at: None,
        }
    }
}

impl<R: BufRead> BufRead for LineBound<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.line_bytes > MAX_LINE_BYTES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "line {} is longer than {MAX_LINE_BYTES} bytes; no row of the contract is that long",
                    self.lines + 1
                ),
            ));
        }
        let allowance = MAX_LINE_BYTES + 1 - self.line_bytes;
        let buf = self.inner.fill_buf()?;
        let (end, newline_at) = match memchr::memchr(b'\n', buf) {
            Some(i) if i < allowance => (i + 1, Some(i)),
            _ => (buf.len().min(allowance), None),
        };
        self.newline_at = newline_at;
        Ok(&buf[..end])
    }

    fn consume(&mut self, amount: usize) {
        match self.newline_at {
            Some(i) if amount > i => {
                self.line_bytes = 0;
                self.lines += 1;
            }
            _ => self.line_bytes += amount,
        }
        self.newline_at = None;
        self.inner.consume(amount);
    }
}

impl<R: BufRead> Read for LineBound<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

/// The longest CSV record (one row, whatever quoted newlines it holds), in
/// bytes: as [`MAX_LINE_BYTES`]. A quoted field that never closes would
/// otherwise gather the rest of the file into one record in memory.
pub const MAX_RECORD_BYTES: usize = MAX_LINE_BYTES;

/// Read-ahead of the CSV parser beyond the record it is parsing.
const CSV_BUFFER_BYTES: u64 = 64 << 10;

/// A reader that fails once the CSV record being parsed has taken more
/// than [`MAX_RECORD_BYTES`]: `record_start` is where the parser's record
/// began (set by the reading loop), `handed` counts the bytes handed out.
struct RecordBound<R> {
    inner: R,
    handed: Arc<AtomicU64>,
    record_start: Arc<AtomicU64>,
}

impl<R: Read> Read for RecordBound<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let handed = self.handed.load(Ordering::Relaxed);
        let start = self.record_start.load(Ordering::Relaxed);
        let allowance = (MAX_RECORD_BYTES as u64 + CSV_BUFFER_BYTES)
            .saturating_sub(handed.saturating_sub(start));
        if allowance == 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "a record is longer than {MAX_RECORD_BYTES} bytes (a quoted field that is \
                     never closed?); no row of the contract is that long"
                ),
            ));
        }
        let want = out.len().min(allowance.min(usize::MAX as u64) as usize);
        let n = self.inner.read(&mut out[..want])?;
        self.handed.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// One row handed to a [`for_each_row`] callback.
pub struct RowRef<'a, 'r> {
    /// 1-based line number where the row starts.
    pub line: u64,
    /// The parsed cells, or why the row could not even be split into cells.
    pub row: Result<&'r mut RawRow<'a>, FieldError>,
    /// The row's own text, for a rejects file (empty for Parquet rows,
    /// which are rendered on demand: see [`RowRef::text`]).
    pub text: &'a str,
    /// Parquet: the part file and row group, which name the row instead
    /// of the section's file (`line` is then the row's number in the part).
    pub place: Option<&'r str>,
    /// Parquet: renders the row as one JSON object.
    pub render: Option<&'r dyn Fn() -> String>,
}

impl RowRef<'_, '_> {
    /// The row's text: the line or record as read, or a Parquet row
    /// rendered as JSON.
    pub fn text(&self) -> Cow<'_, str> {
        match self.render {
            Some(render) => Cow::Owned(render()),
            None => Cow::Borrowed(self.text),
        }
    }
}

/// Failure while streaming a file.
#[derive(Debug, thiserror::Error)]
pub enum StreamError<E> {
    /// Reading failed (the file, gzip, or a CSV header).
    #[error("{file}: {message}")]
    Read {
        /// The file's name.
        file: String,
        /// What went wrong.
        message: String,
    },
    /// The callback stopped the stream.
    #[error(transparent)]
    Stopped(E),
}

/// Streams every row of `file` to `each`, in file order, with bounded memory.
///
/// `bytes_read` grows by the bytes read from disk. Blank lines of JSON Lines
/// files are skipped.
pub fn for_each_row<E>(
    file: &LogFile,
    bytes_read: Arc<AtomicU64>,
    mut each: impl FnMut(RowRef<'_, '_>) -> Result<(), E>,
) -> Result<Vec<String>, StreamError<E>> {
    let name = file.display_name();
    if file.format == Format::Parquet {
        let fields = file.section.fields();
        let required = required_count(file.section);
        return super::parquet::for_each_row(&file.parts, fields, required, &bytes_read, |r| {
            each(RowRef {
                line: r.row_number,
                row: r.row,
                text: "",
                place: Some(r.place),
                render: Some(r.render),
            })
        })
        .map_err(|stop| match stop {
            ParquetStop::Read(file, message) => StreamError::Read { file, message },
            ParquetStop::Stopped(err) => StreamError::Stopped(err),
        });
    }
    let read_error = |err: io::Error| StreamError::Read {
        file: name.clone(),
        message: err.to_string(),
    };
    let mut reader = open(file, bytes_read).map_err(read_error)?;
    let fields = file.section.fields();
    match file.format {
        // Read above, without a byte reader.
        Format::Parquet => {}
        Format::Jsonl => {
            let mut buf = Vec::with_capacity(4096);
            let mut line = 0u64;
            loop {
                buf.clear();
                let n = reader.read_until(b'\n', &mut buf).map_err(read_error)?;
                if n == 0 {
                    break;
                }
                line += 1;
                while matches!(buf.last(), Some(b'\n' | b'\r')) {
                    buf.pop();
                }
                let text = match std::str::from_utf8(&buf) {
                    // Tools on Windows often start a file with a byte-order mark.
                    Ok(text) if line == 1 => text.strip_prefix('\u{feff}').unwrap_or(text),
                    Ok(text) => text,
                    Err(err) => {
                        let bad = FieldError::new(
                            "",
                            format!("not valid UTF-8 (byte {})", err.valid_up_to() + 1),
                        );
                        each(RowRef {
                            place: None,
                            render: None,
                            line,
                            row: Err(bad),
                            text: "",
                        })
                        .map_err(StreamError::Stopped)?;
                        continue;
                    }
                };
                if text.trim().is_empty() {
                    continue;
                }
                match RawRow::from_json(fields, text) {
                    Ok(mut row) => each(RowRef {
                        place: None,
                        render: None,
                        line,
                        row: Ok(&mut row),
                        text,
                    }),
                    Err(err) => each(RowRef {
                        place: None,
                        render: None,
                        line,
                        row: Err(err),
                        text,
                    }),
                }
                .map_err(StreamError::Stopped)?;
            }
        }
        Format::Csv => {
            let record_start = Arc::new(AtomicU64::new(0));
            let bounded = RecordBound {
                inner: reader,
                handed: Arc::new(AtomicU64::new(0)),
                record_start: record_start.clone(),
            };
            let mut csv = csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .buffer_capacity(CSV_BUFFER_BYTES as usize / 8)
                .from_reader(bounded);
            let header = csv.byte_headers().map_err(|e| StreamError::Read {
                file: name.clone(),
                message: e.to_string(),
            })?;
            let mut columns: Vec<Option<usize>> = Vec::with_capacity(header.len());
            let mut names: Vec<String> = Vec::with_capacity(header.len());
            for cell in header {
                let col = String::from_utf8_lossy(cell)
                    .trim()
                    .trim_start_matches('\u{feff}')
                    .to_string();
                if names.contains(&col) {
                    return Err(StreamError::Read {
                        file: name,
                        message: format!("header names column `{col}` twice"),
                    });
                }
                columns.push(fields.iter().position(|f| *f == col));
                names.push(col);
            }
            if let Some(missing) = fields
                .iter()
                .take(required_count(file.section))
                .find(|f| !names.iter().any(|n| n == *f))
            {
                return Err(StreamError::Read {
                    file: name,
                    message: format!(
                        "header has no column `{missing}`, which the contract requires"
                    ),
                });
            }
            let mut record = csv::ByteRecord::new();
            let mut text = String::new();
            loop {
                let line = csv.position().line();
                record_start.store(csv.position().byte(), Ordering::Relaxed);
                match csv.read_byte_record(&mut record) {
                    Ok(false) => break,
                    Ok(true) => {}
                    Err(err) => {
                        return Err(StreamError::Read {
                            file: name,
                            message: format!("line {line}: {err}"),
                        });
                    }
                }
                let line = record.position().map_or(line, |p| p.line());
                text.clear();
                record_text(&record, &mut text);
                if record.len() != columns.len() {
                    let bad = FieldError::new(
                        "",
                        format!(
                            "has {} cells, the header has {}",
                            record.len(),
                            columns.len()
                        ),
                    );
                    each(RowRef {
                        place: None,
                        render: None,
                        line,
                        row: Err(bad),
                        text: &text,
                    })
                    .map_err(StreamError::Stopped)?;
                    continue;
                }
                let mut row = RawRow::new(fields);
                let mut bad = None;
                for (i, cell) in record.iter().enumerate() {
                    let Ok(cell) = std::str::from_utf8(cell) else {
                        bad = Some(FieldError::new(&names[i], "not valid UTF-8"));
                        break;
                    };
                    match columns[i] {
                        Some(index) => row.set_text(index, cell),
                        None => row.push_extra_text(&names[i], cell),
                    }
                }
                let row = match bad {
                    Some(err) => Err(err),
                    None => Ok(&mut row),
                };
                each(RowRef {
                    place: None,
                    render: None,
                    line,
                    row,
                    text: &text,
                })
                .map_err(StreamError::Stopped)?;
            }
        }
    }
    Ok(Vec::new())
}

/// How many leading fields of a section are required in a CSV header.
fn required_count(section: Section) -> usize {
    match section {
        Section::Accounts => 2,
        Section::Exchanges => 6,
        Section::Events => 2,
        Section::Indicators => 2,
    }
}

fn record_text(record: &csv::ByteRecord, out: &mut String) {
    for (i, cell) in record.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = String::from_utf8_lossy(cell);
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(&cell);
        }
    }
}
