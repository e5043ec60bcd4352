//! The activity-log interchange format of `shared/spec/activity-logs.md`:
//! records, their validation, and reading and writing log folders.

pub mod folder;
pub mod parquet;
pub mod parquet_write;
pub mod record;
pub mod row;
pub mod section;
pub mod write;

pub use folder::{Format, LogFile, LogFolder, discover, for_each_row};
pub use record::{Account, Capability, Event, EventKind, Exchange, Indicator, IndicatorKind};
pub use section::Section;
pub use write::LogWriter;
