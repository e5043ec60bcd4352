//! Writing a section as Parquet (`generate --format parquet`): typed
//! columns (timestamps as `timestamp[ms, UTC]`, counts as `int64`, scores
//! as `float64`, everything else as strings, dictionary-encoded by the
//! writer where that pays), Snappy-compressed as Spark writes them.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{
    Float64Builder, Int64Builder, StringBuilder, TimestampMillisecondBuilder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::section::Section;

/// Rows gathered before they are handed to the writer as one batch.
const BATCH_ROWS: usize = 65_536;
/// Rows per row group.
pub const ROW_GROUP_ROWS: usize = 1 << 20;

/// The Arrow type a field is written as.
fn field_type(name: &str) -> DataType {
    match name {
        "created_at" | "ts" => DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into())),
        "input_tokens" | "output_tokens" | "asn" => DataType::Int64,
        "cot_elicitation" => DataType::Float64,
        _ => DataType::Utf8,
    }
}

enum Column {
    Str(StringBuilder),
    Int(Int64Builder),
    Num(Float64Builder),
    Ts(TimestampMillisecondBuilder),
}

impl Column {
    fn new(data_type: &DataType) -> Self {
        match data_type {
            DataType::Int64 => Column::Int(Int64Builder::with_capacity(BATCH_ROWS)),
            DataType::Float64 => Column::Num(Float64Builder::with_capacity(BATCH_ROWS)),
            DataType::Timestamp(_, _) => Column::Ts(
                TimestampMillisecondBuilder::with_capacity(BATCH_ROWS).with_timezone("UTC"),
            ),
            _ => Column::Str(StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 16)),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Column::Str(b) => Arc::new(b.finish()),
            Column::Int(b) => Arc::new(b.finish()),
            Column::Num(b) => Arc::new(b.finish()),
            Column::Ts(b) => Arc::new(b.finish()),
        }
    }
}

/// One cell to write.
pub enum Value<'a> {
    /// A string.
    Str(&'a str),
    /// An integer.
    Int(i64),
    /// A number.
    Num(f64),
    /// A timestamp, ms since the epoch.
    Ts(i64),
}

/// A section written as one Parquet file, or as a folder of part files
/// of at most `part_rows` rows each.
pub struct ParquetSection {
    schema: SchemaRef,
    columns: Vec<Column>,
    rows: usize,
    writer: Option<ArrowWriter<File>>,
    /// The folder of parts, or `None` for one file at `path`.
    folder: Option<PathBuf>,
    path: PathBuf,
    part_rows: usize,
    rows_in_part: usize,
    parts: usize,
}

impl ParquetSection {
    /// Starts `section` at `path` (one file), or in the folder `path` as
    /// parts of `part_rows` rows if `part_rows` is given.
    pub fn create(path: &Path, section: Section, part_rows: Option<usize>) -> io::Result<Self> {
        let fields: Vec<Field> = section
            .fields()
            .iter()
            .map(|name| Field::new(*name, field_type(name), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let columns = schema
            .fields()
            .iter()
            .map(|f| Column::new(f.data_type()))
            .collect();
        if part_rows.is_some() {
            std::fs::create_dir_all(path)?;
        }
        let mut this = Self {
            schema,
            columns,
            rows: 0,
            writer: None,
            folder: part_rows.map(|_| path.to_path_buf()),
            path: path.to_path_buf(),
            part_rows: part_rows.unwrap_or(usize::MAX),
            rows_in_part: 0,
            parts: 0,
        };
        this.open_part()?;
        Ok(this)
    }

    fn open_part(&mut self) -> io::Result<()> {
        let path = match &self.folder {
            Some(dir) => dir.join(format!("part-{:05}.parquet", self.parts)),
            None => self.path.clone(),
        };
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
            .build();
        let writer = ArrowWriter::try_new(File::create(path)?, self.schema.clone(), Some(props))
            .map_err(io::Error::other)?;
        self.writer = Some(writer);
        self.parts += 1;
        self.rows_in_part = 0;
        Ok(())
    }

    /// Adds one row: a value or `None` (null) per field, in field order.
    pub fn push(&mut self, cells: &[Option<Value<'_>>]) -> io::Result<()> {
        for (column, cell) in self.columns.iter_mut().zip(cells) {
            match (column, cell) {
                (Column::Str(b), Some(Value::Str(s))) => b.append_value(s),
                (Column::Int(b), Some(Value::Int(v))) => b.append_value(*v),
                (Column::Num(b), Some(Value::Num(v))) => b.append_value(*v),
                (Column::Ts(b), Some(Value::Ts(v))) => b.append_value(*v),
                (Column::Str(b), _) => b.append_null(),
                (Column::Int(b), _) => b.append_null(),
                (Column::Num(b), _) => b.append_null(),
                (Column::Ts(b), _) => b.append_null(),
            }
        }
        self.rows += 1;
        self.rows_in_part += 1;
        if self.rows >= BATCH_ROWS || self.rows_in_part >= self.part_rows {
            self.flush()?;
        }
        if self.rows_in_part >= self.part_rows {
            self.close_part()?;
            self.open_part()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self.columns.iter_mut().map(Column::finish).collect();
        let batch = RecordBatch::try_new(self.schema.clone(), arrays).map_err(io::Error::other)?;
        self.rows = 0;
        match &mut self.writer {
            Some(writer) => writer.write(&batch).map_err(io::Error::other),
            None => Ok(()),
        }
    }

    fn close_part(&mut self) -> io::Result<()> {
        self.flush()?;
        if let Some(writer) = self.writer.take() {
            writer.close().map_err(io::Error::other)?;
        }
        Ok(())
    }

    /// Writes what is left and closes the file (a folder's last part is
    /// removed if it holds no row and is not the only one).
    pub fn finish(mut self) -> io::Result<()> {
        let empty_tail = self.rows_in_part == 0 && self.parts > 1;
        self.close_part()?;
        if empty_tail && let Some(dir) = &self.folder {
            std::fs::remove_file(dir.join(format!("part-{:05}.parquet", self.parts - 1)))?;
        }
        Ok(())
    }
}
