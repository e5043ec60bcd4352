//! `hydrascope history`: print the audit log: every analyst action (a Hydrascope addition to the contract).

use clap::ValueEnum;
use std::path::PathBuf;

use crate::case::Case;
use crate::case::casework::HistoryExport;

use super::Failure;

// The arguments; their help is the command line's (`hydrascope history --help`).
#[derive(clap::Args, Debug)]
pub(super) struct HistoryArgs {
    /// The case file
    case: PathBuf,
    /// Only actions touching this cluster
    #[arg(long)]
    cluster: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    format: HistoryFormat,
}

/// Runs `hydrascope history` with `args`.
pub(super) fn run(args: HistoryArgs) -> Result<(), Failure> {
    let HistoryArgs {
        case,
        cluster,
        format,
    } = args;
    let case = Case::open_read_only(&case).map_err(Failure::from_case)?;
    let records = case
        .audit_log(cluster.as_deref())
        .map_err(Failure::from_case)?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let format = match format {
        HistoryFormat::Text => HistoryExport::Text,
        HistoryFormat::Jsonl => HistoryExport::Jsonl,
        HistoryFormat::Csv => HistoryExport::Csv,
    };
    crate::case::casework::write_history(&mut out, &records, format).map_err(Failure::other)?;
    Ok(())
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum HistoryFormat {
    /// One line per action
    Text,
    /// One JSON object per line, with the rows before and after
    Jsonl,
    /// CSV with a header, with the rows before and after
    Csv,
}
