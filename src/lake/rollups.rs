//! Reads what the Spark job brought back (`rollups/*.parquet`) into
//! [`Folded`]. Every file is checked for the columns and Arrow types the job
//! writes (utf8, int64, float64, list<int64>); anything else is refused,
//! naming the file and the column.

use std::fs::File;
use std::path::Path;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::case::folded::{
    Folded, FoldedAccount, FoldedCapability, FoldedHour, FoldedOrigin, FoldedProfile,
    FoldedTemplate, FoldedValue,
};

/// One rollup file's rows, column by column.
struct Table {
    name: String,
    batches: Vec<RecordBatch>,
}

/// A value a column holds at a row.
struct Col<'a> {
    table: &'a str,
    name: &'a str,
    array: &'a dyn Array,
}

impl Col<'_> {
    fn wrong(&self, row: usize, what: &str) -> String {
        format!(
            "{}: column `{}`, row {}: {what}",
            self.table,
            self.name,
            row + 1
        )
    }

    fn opt_str(&self, row: usize) -> Result<Option<String>, String> {
        match self.array.data_type() {
            DataType::Utf8 => {
                let a = self.array.as_string::<i32>();
                Ok((!a.is_null(row)).then(|| a.value(row).to_string()))
            }
            DataType::LargeUtf8 => {
                let a = self.array.as_string::<i64>();
                Ok((!a.is_null(row)).then(|| a.value(row).to_string()))
            }
            DataType::Null => Ok(None),
            other => Err(self.wrong(row, &format!("expected text, found {other}"))),
        }
    }

    fn str(&self, row: usize) -> Result<String, String> {
        self.opt_str(row)?
            .ok_or_else(|| self.wrong(row, "empty where a value is required"))
    }

    fn opt_i64(&self, row: usize) -> Result<Option<i64>, String> {
        match self.array.data_type() {
            DataType::Int64 => {
                let a = self.array.as_primitive::<Int64Type>();
                Ok((!a.is_null(row)).then(|| a.value(row)))
            }
            DataType::Null => Ok(None),
            other => Err(self.wrong(row, &format!("expected int64, found {other}"))),
        }
    }

    fn i64(&self, row: usize) -> Result<i64, String> {
        self.opt_i64(row)?
            .ok_or_else(|| self.wrong(row, "empty where a number is required"))
    }

    fn count(&self, row: usize) -> Result<u64, String> {
        let v = self.i64(row)?;
        u64::try_from(v).map_err(|_| self.wrong(row, &format!("{v} is not a count")))
    }

    fn f64(&self, row: usize) -> Result<f64, String> {
        match self.array.data_type() {
            DataType::Float64 => {
                let a = self.array.as_primitive::<Float64Type>();
                if a.is_null(row) {
                    Ok(0.0)
                } else {
                    let v = a.value(row);
                    if v.is_finite() {
                        Ok(v)
                    } else {
                        Err(self.wrong(row, "not a finite number"))
                    }
                }
            }
            other => Err(self.wrong(row, &format!("expected float64, found {other}"))),
        }
    }

    fn list_i64(&self, row: usize) -> Result<Vec<i64>, String> {
        match self.array.data_type() {
            DataType::List(field) if field.data_type() == &DataType::Int64 => {
                let a = self.array.as_list::<i32>();
                if a.is_null(row) {
                    return Ok(Vec::new());
                }
                let values = a.value(row);
                let values = values.as_primitive::<Int64Type>();
                Ok(values.iter().flatten().collect())
            }
            other => Err(self.wrong(row, &format!("expected list<int64>, found {other}"))),
        }
    }
}

impl Table {
    fn read(dir: &Path, name: &str) -> Result<Self, String> {
        let path = dir.join(format!("{name}.parquet"));
        let shown = format!("rollups/{name}.parquet");
        let file = File::open(&path).map_err(|e| format!("{shown}: {e}"))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| b.with_batch_size(65_536).build())
            .map_err(|e| format!("{shown}: not a readable Parquet file: {e}"))?;
        let batches = reader
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("{shown}: {e}"))?;
        Ok(Self {
            name: shown,
            batches,
        })
    }

    /// Calls `each` with the columns named `columns` for every row.
    fn rows(
        &self,
        columns: &[&str],
        mut each: impl FnMut(&[Col<'_>], usize) -> Result<(), String>,
    ) -> Result<(), String> {
        for batch in &self.batches {
            let mut cols = Vec::with_capacity(columns.len());
            for &name in columns {
                let array = batch
                    .column_by_name(name)
                    .ok_or_else(|| format!("{}: no column `{name}`", self.name))?;
                cols.push(Col {
                    table: &self.name,
                    name,
                    array: array.as_ref(),
                });
            }
            for row in 0..batch.num_rows() {
                each(&cols, row)?;
            }
        }
        Ok(())
    }
}

/// The per-account values of one kind (`account_templates`' templates…).
fn values(
    dir: &Path,
    table: &str,
    column: &str,
    counted: bool,
) -> Result<Vec<FoldedValue>, String> {
    let t = Table::read(dir, table)?;
    let mut out = Vec::new();
    let columns: &[&str] = if counted {
        &["account_id", column, "exchanges"]
    } else {
        &["account_id", column]
    };
    t.rows(columns, |c, r| {
        out.push(FoldedValue {
            account_id: c[0].str(r)?,
            value: c[1].str(r)?,
            exchanges: if counted { c[2].count(r)? } else { 0 },
        });
        Ok(())
    })?;
    Ok(out)
}

/// Reads every rollup the job writes from `dir` (its `rollups/` folder).
pub fn read_folded(dir: &Path) -> Result<Folded, String> {
    let mut f = Folded::default();
    Table::read(dir, "account_sums")?.rows(
        &[
            "account_id",
            "exchanges",
            "input_tokens",
            "output_tokens",
            "first_ms",
            "last_ms",
            "cot_sum",
            "cot_count",
            "cot_high",
        ],
        |c, r| {
            f.accounts.push(FoldedAccount {
                account_id: c[0].str(r)?,
                exchanges: c[1].count(r)?,
                input_tokens: c[2].i64(r)?,
                output_tokens: c[3].i64(r)?,
                first_ms: c[4].i64(r)?,
                last_ms: c[5].i64(r)?,
                cot_sum: c[6].f64(r)?,
                cot_count: c[7].count(r)?,
                cot_high: c[8].count(r)?,
            });
            Ok(())
        },
    )?;
    Table::read(dir, "account_capabilities")?.rows(
        &[
            "account_id",
            "capability",
            "exchanges",
            "cot_sum",
            "cot_count",
        ],
        |c, r| {
            f.capabilities.push(FoldedCapability {
                account_id: c[0].str(r)?,
                capability: c[1].str(r)?,
                exchanges: c[2].count(r)?,
                cot_sum: c[3].f64(r)?,
                cot_count: c[4].count(r)?,
            });
            Ok(())
        },
    )?;
    Table::read(dir, "account_model_hourly")?.rows(
        &[
            "account_id",
            "hour",
            "model",
            "exchanges",
            "input_tokens",
            "output_tokens",
        ],
        |c, r| {
            f.hours.push(FoldedHour {
                account_id: c[0].str(r)?,
                hour: c[1].i64(r)?,
                model: c[2].str(r)?,
                exchanges: c[3].count(r)?,
                input_tokens: c[4].i64(r)?,
                output_tokens: c[5].i64(r)?,
            });
            Ok(())
        },
    )?;
    Table::read(dir, "account_origins")?.rows(
        &["account_id", "ip", "asn", "exchanges"],
        |c, r| {
            f.origins.push(FoldedOrigin {
                account_id: c[0].str(r)?,
                ip: c[1].opt_str(r)?,
                asn: c[2].opt_i64(r)?,
                exchanges: c[3].count(r)?,
            });
            Ok(())
        },
    )?;
    f.templates_used = values(dir, "account_templates", "prompt_template", true)?;
    f.client_fps = values(dir, "account_client_fps", "client_fingerprint", true)?;
    f.api_keys = values(dir, "account_api_keys", "api_key_id", false)?;
    Table::read(dir, "templates")?.rows(
        &[
            "prompt_template",
            "exchanges",
            "first_ms",
            "last_ms",
            "example",
        ],
        |c, r| {
            f.templates.push(FoldedTemplate {
                template: c[0].str(r)?,
                exchanges: c[1].count(r)?,
                first_ms: c[2].i64(r)?,
                last_ms: c[3].i64(r)?,
                example: c[4].opt_str(r)?,
            });
            Ok(())
        },
    )?;
    Table::read(dir, "template_profiles")?.rows(
        &[
            "prompt_template",
            "capability",
            "exchanges",
            "cot_scored",
            "cot_high",
            "input_tokens",
            "output_tokens",
        ],
        |c, r| {
            f.profiles.push(FoldedProfile {
                template: c[0].str(r)?,
                capability: c[1].opt_str(r)?,
                exchanges: c[2].count(r)?,
                cot_scored: c[3].count(r)?,
                cot_high: c[4].count(r)?,
                input_tokens: c[5].i64(r)?,
                output_tokens: c[6].i64(r)?,
            });
            Ok(())
        },
    )?;
    Table::read(dir, "account_minutes")?.rows(&["account_id", "minutes"], |c, r| {
        f.minutes.push((c[0].str(r)?, c[1].list_i64(r)?));
        Ok(())
    })?;
    Ok(f)
}
