//! Writing an activity-log folder (the generator's output, and test fixtures):
//! JSON Lines or CSV, optionally gzip-compressed, exactly as import reads it.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use flate2::Compression;
use flate2::write::GzEncoder;

use super::folder::Format;
use super::parquet_write::{ParquetSection, Value};
use super::record::{Account, Event, Exchange, Indicator, template_hex};
use super::section::Section;
use crate::base::text::push_json_str;
use crate::base::time::write_rfc3339_ms;

/// One cell to write, typed so JSON keeps numbers as numbers.
enum Out<'a> {
    Str(&'a str),
    Int(i64),
    Num(f64),
    Ts(i64),
    Hex(u64),
    Ip(IpAddr),
}

fn opt<'a, T>(value: &'a Option<T>, f: impl FnOnce(&'a T) -> Out<'a>) -> Option<Out<'a>> {
    value.as_ref().map(f)
}

fn account_cells(a: &Account) -> [Option<Out<'_>>; 9] {
    [
        Some(Out::Str(&a.account_id)),
        Some(Out::Ts(a.created_ms)),
        opt(&a.org_name, |s| Out::Str(s)),
        opt(&a.email_domain, |s| Out::Str(s)),
        opt(&a.payment_fingerprint, |s| Out::Str(s)),
        opt(&a.signup_ip, |ip| Out::Ip(*ip)),
        opt(&a.billing_country, |s| Out::Str(s)),
        opt(&a.access_path, |s| Out::Str(s)),
        opt(&a.verification, |s| Out::Str(s)),
    ]
}

fn exchange_cells<'a>(e: &'a Exchange<'_>) -> [Option<Out<'a>>; 14] {
    [
        Some(Out::Str(&e.request_id)),
        Some(Out::Str(&e.account_id)),
        Some(Out::Ts(e.ts_ms)),
        Some(Out::Str(&e.model)),
        Some(Out::Int(e.input_tokens)),
        Some(Out::Int(e.output_tokens)),
        opt(&e.ip, |ip| Out::Ip(*ip)),
        opt(&e.asn, |n| Out::Int(*n)),
        opt(&e.api_key_id, |s| Out::Str(s)),
        opt(&e.client_fingerprint, |s| Out::Str(s)),
        opt(&e.prompt_template, |h| Out::Hex(*h)),
        e.capability.map(|c| Out::Str(c.as_str())),
        opt(&e.cot_elicitation, |v| Out::Num(*v)),
        opt(&e.prompt_excerpt, |s| Out::Str(s)),
    ]
}

fn event_cells(e: &Event) -> [Option<Out<'_>>; 5] {
    [
        Some(Out::Ts(e.ts_ms)),
        Some(Out::Str(e.kind.as_str())),
        opt(&e.model, |s| Out::Str(s)),
        opt(&e.account_id, |s| Out::Str(s)),
        opt(&e.text, |s| Out::Str(s)),
    ]
}

fn indicator_cells(i: &Indicator) -> [Option<Out<'_>>; 4] {
    [
        Some(Out::Str(i.kind.as_str())),
        Some(Out::Str(&i.value)),
        opt(&i.source, |s| Out::Str(s)),
        opt(&i.note, |s| Out::Str(s)),
    ]
}

fn push_plain(out: &mut String, cell: &Out<'_>) {
    use std::fmt::Write as _;
    match cell {
        Out::Str(s) => out.push_str(s),
        Out::Int(v) => {
            let _ = write!(out, "{v}");
        }
        Out::Num(v) => {
            let _ = write!(out, "{v}");
        }
        Out::Ts(ms) => write_rfc3339_ms(out, *ms),
        Out::Hex(h) => out.push_str(&template_hex(*h)),
        Out::Ip(ip) => {
            let _ = write!(out, "{ip}");
        }
    }
}

/// Appends one JSON object of `cells` (absent ones left out).
fn json_object(line: &mut String, fields: &[&str], cells: &[Option<Out<'_>>]) {
    line.push('{');
    let mut first = true;
    for (name, cell) in fields.iter().zip(cells) {
        let Some(cell) = cell else { continue };
        if !first {
            line.push(',');
        }
        first = false;
        line.push('"');
        line.push_str(name);
        line.push_str("\":");
        match cell {
            Out::Int(_) | Out::Num(_) => push_plain(line, cell),
            Out::Str(s) => push_json_str(line, s),
            _ => {
                line.push('"');
                push_plain(line, cell);
                line.push('"');
            }
        }
    }
    line.push('}');
}

/// An exchange as one JSON Lines object, as a folder would hold it.
pub fn exchange_json(exchange: &Exchange<'_>) -> String {
    let mut line = String::new();
    json_object(
        &mut line,
        Section::Exchanges.fields(),
        &exchange_cells(exchange),
    );
    line
}

enum Sink {
    Plain(BufWriter<File>),
    Gzip(Box<GzEncoder<BufWriter<File>>>),
}

impl Sink {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            Sink::Plain(w) => w.write_all(bytes),
            Sink::Gzip(w) => w.write_all(bytes),
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Sink::Plain(mut w) => w.flush(),
            Sink::Gzip(w) => w.finish()?.flush(),
        }
    }
}

struct SectionWriter {
    out: Sink,
    format: Format,
    fields: &'static [&'static str],
    line: String,
    scratch: String,
}

impl SectionWriter {
    fn create(path: &Path, section: Section, format: Format, gzip: bool) -> io::Result<Self> {
        let file = BufWriter::with_capacity(1 << 20, File::create(path)?);
        let out = if gzip {
            Sink::Gzip(Box::new(GzEncoder::new(file, Compression::fast())))
        } else {
            Sink::Plain(file)
        };
        let mut writer = Self {
            out,
            format,
            fields: section.fields(),
            line: String::with_capacity(1024),
            scratch: String::new(),
        };
        if format == Format::Csv {
            writer.out.write_all(writer.fields.join(",").as_bytes())?;
            writer.out.write_all(b"\n")?;
        }
        Ok(writer)
    }

    fn write(&mut self, cells: &[Option<Out<'_>>]) -> io::Result<()> {
        self.line.clear();
        match self.format {
            Format::Jsonl | Format::Parquet => json_object(&mut self.line, self.fields, cells),
            Format::Csv => {
                for (i, cell) in cells.iter().enumerate() {
                    if i > 0 {
                        self.line.push(',');
                    }
                    let Some(cell) = cell else { continue };
                    self.scratch.clear();
                    push_plain(&mut self.scratch, cell);
                    if self.scratch.contains([',', '"', '\n', '\r']) {
                        self.line.push('"');
                        self.line.push_str(&self.scratch.replace('"', "\"\""));
                        self.line.push('"');
                    } else {
                        self.line.push_str(&self.scratch);
                    }
                }
            }
        }
        self.line.push('\n');
        self.out.write_all(self.line.as_bytes())
    }
}

/// One section's writer.
enum Writer {
    Text(SectionWriter),
    Parquet(Box<ParquetSection>),
}

impl Writer {
    fn write(&mut self, cells: &[Option<Out<'_>>]) -> io::Result<()> {
        match self {
            Writer::Text(w) => w.write(cells),
            Writer::Parquet(w) => {
                let owned: Vec<Option<String>> = cells
                    .iter()
                    .map(|c| match c {
                        Some(Out::Hex(h)) => Some(template_hex(*h)),
                        Some(Out::Ip(ip)) => Some(ip.to_string()),
                        _ => None,
                    })
                    .collect();
                let values: Vec<Option<Value<'_>>> = cells
                    .iter()
                    .zip(&owned)
                    .map(|(cell, owned)| match (cell, owned) {
                        (_, Some(text)) => Some(Value::Str(text)),
                        (Some(Out::Str(s)), None) => Some(Value::Str(s)),
                        (Some(Out::Int(v)), None) => Some(Value::Int(*v)),
                        (Some(Out::Num(v)), None) => Some(Value::Num(*v)),
                        (Some(Out::Ts(v)), None) => Some(Value::Ts(*v)),
                        _ => None,
                    })
                    .collect();
                w.push(&values)
            }
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            Writer::Text(w) => w.out.finish(),
            Writer::Parquet(w) => w.finish(),
        }
    }
}

/// Exchanges per part file when a folder is written as Parquet.
pub const PARQUET_PART_ROWS: usize = 1 << 22;

/// Writes the four section files of a folder.
pub struct LogWriter {
    dir: PathBuf,
    sections: Vec<(Section, Writer)>,
}

impl LogWriter {
    /// Creates `dir` (if needed) and the four section files in it. As
    /// Parquet, exchanges go to a folder of part files (`exchanges/`) of
    /// [`PARQUET_PART_ROWS`] rows each, the other sections to one file each
    /// (`gzip` does not apply: Parquet compresses its own pages).
    pub fn create(dir: &Path, format: Format, gzip: bool) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let ext = match format {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        };
        let mut sections = Vec::new();
        for section in Section::ALL {
            let writer = match format {
                Format::Parquet if section == Section::Exchanges => {
                    Writer::Parquet(Box::new(ParquetSection::create(
                        &dir.join(section.name()),
                        section,
                        Some(PARQUET_PART_ROWS),
                    )?))
                }
                Format::Parquet => Writer::Parquet(Box::new(ParquetSection::create(
                    &dir.join(format!("{}.parquet", section.name())),
                    section,
                    None,
                )?)),
                _ => {
                    let name = format!("{}.{ext}{}", section.name(), if gzip { ".gz" } else { "" });
                    Writer::Text(SectionWriter::create(
                        &dir.join(name),
                        section,
                        format,
                        gzip,
                    )?)
                }
            };
            sections.push((section, writer));
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            sections,
        })
    }

    /// The folder being written.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn section(&mut self, section: Section) -> &mut Writer {
        &mut self.sections[section as usize].1
    }

    /// Writes one account.
    pub fn account(&mut self, account: &Account) -> io::Result<()> {
        self.section(Section::Accounts)
            .write(&account_cells(account))
    }

    /// Writes one exchange.
    pub fn exchange(&mut self, exchange: &Exchange<'_>) -> io::Result<()> {
        self.section(Section::Exchanges)
            .write(&exchange_cells(exchange))
    }

    /// Writes one event.
    pub fn event(&mut self, event: &Event) -> io::Result<()> {
        self.section(Section::Events).write(&event_cells(event))
    }

    /// Writes one indicator.
    pub fn indicator(&mut self, indicator: &Indicator) -> io::Result<()> {
        self.section(Section::Indicators)
            .write(&indicator_cells(indicator))
    }

    /// Flushes and closes every file (finishing gzip streams).
    pub fn finish(self) -> io::Result<()> {
        for (_, writer) in self.sections {
            writer.finish()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        let mut out = String::new();
        push_json_str(&mut out, "a\"b\\c\n\u{1}é");
        assert_eq!(out, r#""a\"b\\c\n\u0001é""#);
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, "a\"b\\c\n\u{1}é");
    }
}
