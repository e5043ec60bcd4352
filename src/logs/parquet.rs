//! Parquet sections: finding a section's part files (one `.parquet` file,
//! or a folder of parts with Hive-style `key=value/` subfolders) and
//! streaming their rows as [`RawRow`]s, typed, so the same validators as
//! JSON Lines and CSV decide what is acceptable.
//!
//! Accepted Arrow types for a field (what the Parquet reader gives):
//! strings (`utf8`, `large_utf8`, `utf8_view`, dictionary-encoded strings,
//! and binary columns holding UTF-8), integers of any width, signed or not,
//! `float32`/`float64`, booleans, and timestamps of any unit (seconds to
//! nanoseconds, Spark's INT96 included) — with a time zone they are instants,
//! without one they are read as UTC. A timestamp field may also be an
//! RFC 3339 string. A column of another type (dates, decimals, lists,
//! structs, maps) on a field stops the import with the file and the column.
//!
//! A row is named by its part file, its row group (counted from 0, as
//! `pyarrow` and `parquet-tools` count them) and its row in the file
//! (counted from 1, like a line).

use std::borrow::Cow;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, TimestampMicrosecondType,
    TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType, UInt8Type, UInt16Type,
    UInt32Type, UInt64Type,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use super::row::{Cell, FieldError, RawRow};
use crate::base::text::push_json_str;
use crate::base::time::write_rfc3339_ms;

/// One Parquet file of a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part {
    /// Where it is.
    pub path: PathBuf,
    /// As errors name it: relative to the log folder
    /// (`exchanges/day=2026-02-01/part-00000.parquet`).
    pub name: String,
    /// Hive-style partition values of the folders above it, outermost
    /// first (`day=2026-02-01` → `("day", "2026-02-01")`).
    pub partition: Vec<(String, String)>,
}

/// The deepest partition folder followed (Hive layouts use one to three).
const MAX_PARTITION_DEPTH: usize = 16;

/// The part files under a section folder `dir` (shown as `shown` in
/// names), sorted by path. Files and folders whose names start with `_`
/// or `.` (Spark's `_SUCCESS`, `_temporary/`, `.crc` files) are skipped;
/// other files that are not `.parquet` are returned in the second list.
pub fn find_parts(dir: &Path, shown: &str) -> Result<(Vec<Part>, Vec<String>), String> {
    let mut parts = Vec::new();
    let mut ignored = Vec::new();
    walk(dir, shown, &mut Vec::new(), &mut parts, &mut ignored, 0)?;
    if parts.is_empty() {
        return Err(format!(
            "{shown}/: a Parquet section folder with no .parquet part files"
        ));
    }
    Ok((parts, ignored))
}

fn walk(
    dir: &Path,
    shown: &str,
    partition: &mut Vec<(String, String)>,
    parts: &mut Vec<Part>,
    ignored: &mut Vec<String>,
    depth: usize,
) -> Result<(), String> {
    if depth > MAX_PARTITION_DEPTH {
        return Err(format!(
            "{shown}: partition folders nested deeper than {MAX_PARTITION_DEPTH}"
        ));
    }
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("{shown}: {e}"))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in names {
        if name.starts_with('_') || name.starts_with('.') {
            continue;
        }
        let path = dir.join(&name);
        let here = format!("{shown}/{name}");
        let meta = std::fs::metadata(&path).map_err(|e| format!("{here}: {e}"))?;
        if meta.is_dir() {
            let Some((key, value)) = name.split_once('=') else {
                ignored.push(format!("{here}/"));
                continue;
            };
            partition.push((unescape(key), unescape(value)));
            walk(&path, &here, partition, parts, ignored, depth + 1)?;
            partition.pop();
        } else if meta.is_file() && (name.ends_with(".parquet") || name.ends_with(".parq")) {
            parts.push(Part {
                path,
                name: here,
                partition: partition.clone(),
            });
        } else {
            ignored.push(here);
        }
    }
    Ok(())
}

/// Undoes Hive's escaping of partition values (`%3A` → `:`); a `%` not
/// followed by two hex digits stays as it is.
pub fn unescape(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One row handed to [`for_each_row`]'s callback.
pub struct ParquetRow<'a, 'r> {
    /// The part and row group ("exchanges/part-0.parquet (row group 2)").
    pub place: &'r str,
    /// The row's number in its part file, from 1.
    pub row_number: u64,
    /// The row's cells.
    pub row: Result<&'r mut RawRow<'a>, FieldError>,
    /// Renders the row as one JSON object, for a rejects file.
    pub render: &'r dyn Fn() -> String,
}

/// Why streaming stopped.
pub enum ParquetStop<E> {
    /// A part could not be read: its name and what went wrong.
    Read(String, String),
    /// The callback stopped.
    Stopped(E),
}

/// Rows per Arrow batch: small enough that a batch's strings stay in the
/// cache, large enough that per-batch work vanishes.
const BATCH_ROWS: usize = 8192;

/// Streams every row of `parts` (in order) to `each`, with `fields` the
/// section's fields, of which the first `required` are required. Adds the
/// compressed bytes of each row group read to `bytes_read`. Returns
/// warnings (columns outside the contract that cannot be kept).
pub fn for_each_row<E>(
    parts: &[Part],
    fields: &'static [&'static str],
    required: usize,
    bytes_read: &AtomicU64,
    mut each: impl FnMut(ParquetRow<'_, '_>) -> Result<(), E>,
) -> Result<Vec<String>, ParquetStop<E>> {
    let mut warnings = Vec::new();
    for part in parts {
        let fail = |message: String| ParquetStop::Read(part.name.clone(), message);
        let file = File::open(&part.path).map_err(|e| fail(e.to_string()))?;
        let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
            .map_err(|e| fail(format!("not a readable Parquet file: {e}")))?;
        let plan = Plan::new(metadata.schema().fields(), fields, required, part).map_err(&fail)?;
        for name in &plan.dropped {
            // Once per column, however many parts have it.
            if !warnings
                .iter()
                .any(|w: &String| w.contains(&format!("column `{name}` ")))
            {
                warnings.push(format!(
                    "{}: column `{name}` is outside the contract and of a type a case cannot \
                     keep; ignored (in every part that has it)",
                    part.name
                ));
            }
        }
        let mut row_base = 0u64;
        let groups = metadata.metadata().row_groups().to_vec();
        for (g, group) in groups.iter().enumerate() {
            let place = format!("{} (row group {g})", part.name);
            let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
                file.try_clone().map_err(|e| fail(e.to_string()))?,
                metadata.clone(),
            )
            .with_row_groups(vec![g])
            .with_batch_size(BATCH_ROWS)
            .build()
            .map_err(|e| ParquetStop::Read(place.clone(), e.to_string()))?;
            for batch in reader {
                let batch = batch.map_err(|e| ParquetStop::Read(place.clone(), e.to_string()))?;
                plan.rows(&batch, &place, row_base, &mut each)?;
                row_base += batch.num_rows() as u64;
            }
            bytes_read.fetch_add(group.compressed_size().max(0) as u64, Ordering::Relaxed);
        }
    }
    Ok(warnings)
}

/// Where each column of a part goes.
enum Target {
    /// A field of the contract, by index.
    Field(usize),
    /// A column outside the contract, kept in `extra_json`.
    Extra,
    /// A column outside the contract that cannot be kept.
    Skip,
}

struct Plan {
    fields: &'static [&'static str],
    targets: Vec<Target>,
    names: Vec<String>,
    /// Partition values of fields the file has no column for.
    from_partition: Vec<(usize, String)>,
    dropped: Vec<String>,
}

impl Plan {
    fn new(
        schema: &arrow_schema::Fields,
        fields: &'static [&'static str],
        required: usize,
        part: &Part,
    ) -> Result<Self, String> {
        let mut targets = Vec::with_capacity(schema.len());
        let mut names = Vec::with_capacity(schema.len());
        let mut dropped = Vec::new();
        for column in schema {
            let name = column.name().clone();
            if names.contains(&name) {
                return Err(format!("column `{name}` appears twice"));
            }
            let supported = accepted(column.data_type());
            targets.push(match fields.iter().position(|f| *f == name) {
                Some(_) if !supported => {
                    return Err(format!(
                        "column `{name}` has the Arrow type {}, which a field cannot take \
                         (accepted: strings, integers, floating point, booleans, timestamps)",
                        column.data_type()
                    ));
                }
                Some(index) => Target::Field(index),
                None if supported => Target::Extra,
                None => {
                    dropped.push(name.clone());
                    Target::Skip
                }
            });
            names.push(name);
        }
        let mut from_partition = Vec::new();
        for (key, value) in &part.partition {
            if let Some(index) = fields.iter().position(|f| f == key)
                && !names.iter().any(|n| n == key)
            {
                from_partition.push((index, value.clone()));
            }
        }
        if let Some(missing) = fields.iter().take(required).enumerate().find(|(i, f)| {
            !names.iter().any(|n| n == *f) && !from_partition.iter().any(|(p, _)| p == i)
        }) {
            return Err(format!(
                "has no column `{}`, which the contract requires",
                missing.1
            ));
        }
        Ok(Self {
            fields,
            targets,
            names,
            from_partition,
            dropped,
        })
    }

    fn rows<E>(
        &self,
        batch: &RecordBatch,
        place: &str,
        row_base: u64,
        each: &mut impl FnMut(ParquetRow<'_, '_>) -> Result<(), E>,
    ) -> Result<(), ParquetStop<E>> {
        let columns: Vec<Col<'_>> = batch
            .columns()
            .iter()
            .zip(&self.targets)
            .map(|(array, target)| match target {
                Target::Skip => Col::Null,
                _ => Col::new(array),
            })
            .collect();
        for i in 0..batch.num_rows() {
            let mut row = RawRow::new(self.fields);
            for ((col, target), name) in columns.iter().zip(&self.targets).zip(&self.names) {
                match target {
                    Target::Field(index) => {
                        if let Some(cell) = col.cell(i) {
                            row.set_cell(*index, cell);
                        }
                    }
                    Target::Extra => {
                        if let Some(json) = col.json(i) {
                            row.push_extra_rendered(name, json);
                        }
                    }
                    Target::Skip => {}
                }
            }
            for (index, value) in &self.from_partition {
                row.set_text(*index, value);
            }
            let render = || self.render(&columns, i);
            each(ParquetRow {
                place,
                row_number: row_base + i as u64 + 1,
                row: Ok(&mut row),
                render: &render,
            })
            .map_err(ParquetStop::Stopped)?;
        }
        Ok(())
    }

    /// Row `i` as one JSON object: its columns, then the partition values
    /// that stand for fields.
    fn render(&self, columns: &[Col<'_>], i: usize) -> String {
        let mut out = String::from("{");
        let mut first = true;
        let mut put = |out: &mut String, name: &str, json: &str| {
            if !first {
                out.push(',');
            }
            first = false;
            push_json_str(out, name);
            out.push(':');
            out.push_str(json);
        };
        for ((col, target), name) in columns.iter().zip(&self.targets).zip(&self.names) {
            if !matches!(target, Target::Skip)
                && let Some(json) = col.json(i)
            {
                put(&mut out, name, &json);
            }
        }
        for (index, value) in &self.from_partition {
            let mut json = String::new();
            push_json_str(&mut json, value);
            put(&mut out, self.fields[*index], &json);
        }
        out.push('}');
        out
    }
}

/// Whether a column of this type can stand for a field.
fn accepted(data_type: &DataType) -> bool {
    match data_type {
        DataType::Null
        | DataType::Boolean
        | DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64
        | DataType::Float32
        | DataType::Float64
        | DataType::Timestamp(_, _)
        | DataType::Utf8
        | DataType::LargeUtf8
        | DataType::Utf8View
        | DataType::Binary
        | DataType::LargeBinary
        | DataType::BinaryView => true,
        DataType::Dictionary(_, values) => matches!(
            values.as_ref(),
            DataType::Utf8
                | DataType::LargeUtf8
                | DataType::Utf8View
                | DataType::Binary
                | DataType::LargeBinary
        ),
        _ => false,
    }
}

/// One column of a batch, resolved to its type once.
enum Col<'b> {
    Null,
    Utf8(&'b arrow_array::StringArray),
    LargeUtf8(&'b arrow_array::LargeStringArray),
    Utf8View(&'b arrow_array::StringViewArray),
    Binary(&'b arrow_array::BinaryArray),
    LargeBinary(&'b arrow_array::LargeBinaryArray),
    BinaryView(&'b arrow_array::BinaryViewArray),
    /// Dictionary-encoded: each row's index into `values`, and the keys'
    /// array for nulls.
    Dict {
        keys: Vec<usize>,
        nulls: &'b dyn Array,
        values: Box<Col<'b>>,
    },
    Int(&'b dyn Array, IntValues<'b>),
    Float(&'b dyn Array, FloatValues<'b>),
    Bool(&'b arrow_array::BooleanArray),
    /// Timestamp values and how many of their units make a millisecond
    /// (negative: how many milliseconds make one unit).
    Ts(&'b dyn Array, &'b [i64], TimeUnit),
}

enum IntValues<'b> {
    I8(&'b [i8]),
    I16(&'b [i16]),
    I32(&'b [i32]),
    I64(&'b [i64]),
    U8(&'b [u8]),
    U16(&'b [u16]),
    U32(&'b [u32]),
    U64(&'b [u64]),
}

enum FloatValues<'b> {
    F32(&'b [f32]),
    F64(&'b [f64]),
}

impl<'b> Col<'b> {
    fn new(array: &'b ArrayRef) -> Self {
        Self::of(array.as_ref())
    }

    fn of(array: &'b dyn Array) -> Self {
        macro_rules! int {
            ($t:ty, $v:ident) => {
                Col::Int(array, IntValues::$v(array.as_primitive::<$t>().values()))
            };
        }
        match array.data_type() {
            DataType::Utf8 => Col::Utf8(array.as_string::<i32>()),
            DataType::LargeUtf8 => Col::LargeUtf8(array.as_string::<i64>()),
            DataType::Utf8View => Col::Utf8View(array.as_string_view()),
            DataType::Binary => Col::Binary(array.as_binary::<i32>()),
            DataType::LargeBinary => Col::LargeBinary(array.as_binary::<i64>()),
            DataType::BinaryView => Col::BinaryView(array.as_binary_view()),
            DataType::Int8 => int!(Int8Type, I8),
            DataType::Int16 => int!(Int16Type, I16),
            DataType::Int32 => int!(Int32Type, I32),
            DataType::Int64 => int!(Int64Type, I64),
            DataType::UInt8 => int!(UInt8Type, U8),
            DataType::UInt16 => int!(UInt16Type, U16),
            DataType::UInt32 => int!(UInt32Type, U32),
            DataType::UInt64 => int!(UInt64Type, U64),
            DataType::Float32 => Col::Float(
                array,
                FloatValues::F32(array.as_primitive::<Float32Type>().values()),
            ),
            DataType::Float64 => Col::Float(
                array,
                FloatValues::F64(array.as_primitive::<Float64Type>().values()),
            ),
            DataType::Boolean => Col::Bool(array.as_boolean()),
            DataType::Timestamp(unit, _) => {
                let values: &[i64] = match unit {
                    TimeUnit::Second => array.as_primitive::<TimestampSecondType>().values(),
                    TimeUnit::Millisecond => {
                        array.as_primitive::<TimestampMillisecondType>().values()
                    }
                    TimeUnit::Microsecond => {
                        array.as_primitive::<TimestampMicrosecondType>().values()
                    }
                    TimeUnit::Nanosecond => {
                        array.as_primitive::<TimestampNanosecondType>().values()
                    }
                };
                Col::Ts(array, values, *unit)
            }
            DataType::Dictionary(_, _) => match array.as_any_dictionary_opt() {
                Some(dict) => Col::Dict {
                    keys: dict.normalized_keys(),
                    nulls: dict.keys(),
                    values: Box::new(Col::of(dict.values().as_ref())),
                },
                None => Col::Null,
            },
            _ => Col::Null,
        }
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            Col::Null => true,
            Col::Utf8(a) => a.is_null(i),
            Col::LargeUtf8(a) => a.is_null(i),
            Col::Utf8View(a) => a.is_null(i),
            Col::Binary(a) => a.is_null(i),
            Col::LargeBinary(a) => a.is_null(i),
            Col::BinaryView(a) => a.is_null(i),
            Col::Dict { nulls, .. } => nulls.is_null(i),
            Col::Int(a, _) | Col::Float(a, _) | Col::Ts(a, _, _) => a.is_null(i),
            Col::Bool(a) => a.is_null(i),
        }
    }

    /// Row `i` as a cell, or `None` if it is null.
    fn cell(&self, i: usize) -> Option<Cell<'b>> {
        if self.is_null(i) {
            return None;
        }
        let text = |bytes: &'b [u8]| match std::str::from_utf8(bytes) {
            Ok(s) => Cell::Str(Cow::Borrowed(s)),
            Err(_) => Cell::Nested("bytes that are not UTF-8"),
        };
        Some(match self {
            Col::Null => return None,
            Col::Utf8(a) => Cell::Str(Cow::Borrowed(a.value(i))),
            Col::LargeUtf8(a) => Cell::Str(Cow::Borrowed(a.value(i))),
            Col::Utf8View(a) => Cell::Str(Cow::Borrowed(a.value(i))),
            Col::Binary(a) => text(a.value(i)),
            Col::LargeBinary(a) => text(a.value(i)),
            Col::BinaryView(a) => text(a.value(i)),
            Col::Dict { keys, values, .. } => return values.cell(keys[i]),
            Col::Int(_, v) => match v {
                IntValues::I8(v) => Cell::Int(v[i].into()),
                IntValues::I16(v) => Cell::Int(v[i].into()),
                IntValues::I32(v) => Cell::Int(v[i].into()),
                IntValues::I64(v) => Cell::Int(v[i]),
                IntValues::U8(v) => Cell::Int(v[i].into()),
                IntValues::U16(v) => Cell::Int(v[i].into()),
                IntValues::U32(v) => Cell::Int(v[i].into()),
                IntValues::U64(v) => i64::try_from(v[i]).map_or(Cell::UInt(v[i]), Cell::Int),
            },
            Col::Float(_, v) => Cell::Float(match v {
                FloatValues::F32(v) => v[i].into(),
                FloatValues::F64(v) => v[i],
            }),
            Col::Bool(a) => Cell::Bool(a.value(i)),
            Col::Ts(_, v, unit) => Cell::Ts(match unit {
                TimeUnit::Second => v[i].saturating_mul(1000),
                TimeUnit::Millisecond => v[i],
                TimeUnit::Microsecond => v[i].div_euclid(1000),
                TimeUnit::Nanosecond => v[i].div_euclid(1_000_000),
            }),
        })
    }

    /// Row `i` as JSON text, or `None` if it is null.
    fn json(&self, i: usize) -> Option<String> {
        let mut out = String::new();
        match self.cell(i)? {
            Cell::Str(s) => push_json_str(&mut out, &s),
            Cell::Text(s) => push_json_str(&mut out, s),
            Cell::Int(v) => out = v.to_string(),
            Cell::UInt(v) => out = v.to_string(),
            Cell::Float(v) if v.is_finite() => out = v.to_string(),
            Cell::Float(_) => out.push_str("null"),
            Cell::Bool(b) => out = b.to_string(),
            Cell::Ts(ms) => {
                out.push('"');
                write_rfc3339_ms(&mut out, ms);
                out.push('"');
            }
            Cell::Nested(what) => push_json_str(&mut out, &format!("({what})")),
        }
        Some(out)
    }
}
