//! `hydrascope generate`: write a synthetic scenario as an activity-log folder or a case file.

use clap::ValueEnum;
use std::path::PathBuf;
use std::sync::Arc;

use crate::base::Progress;
use crate::generate::{GenerateError, GenerateOptions, Scenario};
use crate::logs::Format;

use super::{Failure, ProgressBar};

// The arguments; their help is the command line's (`hydrascope generate --help`).
#[derive(clap::Args, Debug)]
pub(super) struct GenerateArgs {
    /// Scenario: tiny, demo, seed-scale, or tiny-evasive, demo-evasive,
    /// seed-scale-evasive (the same sizes, campaigns that evade), or
    /// families-small, families-large (every group's parameters drawn per seed)
    #[arg(long)]
    scenario: String,
    /// Output: a folder, or a case file if it ends in .hcase
    #[arg(long)]
    out: PathBuf,
    /// Seed: the same seed gives the same data
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Format of a folder's files
    #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
    format: FormatArg,
    /// Gzip a folder's files
    #[arg(long)]
    gzip: bool,
    /// Overwrite an existing output
    #[arg(long)]
    force: bool,
}

/// Runs `hydrascope generate` with `args`.
pub(super) fn run(args: GenerateArgs) -> Result<(), Failure> {
    let GenerateArgs {
        scenario,
        out,
        seed,
        format,
        gzip,
        force,
    } = args;
    let scenario = Scenario::parse(&scenario).ok_or_else(|| {
        let names: Vec<_> = Scenario::ALL.iter().map(|s| s.name()).collect();
        Failure::bad_input(format!(
            "unknown scenario {scenario:?}; choose one of: {}",
            names.join(", ")
        ))
    })?;
    let format = match format {
        FormatArg::Jsonl => Format::Jsonl,
        FormatArg::Csv => Format::Csv,
        FormatArg::Parquet if gzip => {
            return Err(Failure::bad_input(
                "--gzip applies to JSON Lines and CSV; Parquet compresses its own pages",
            ));
        }
        FormatArg::Parquet => Format::Parquet,
    };
    let options = GenerateOptions {
        scenario,
        seed,
        format,
        gzip,
        force,
    };
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::start(progress.clone(), "exchanges");
    let started = std::time::Instant::now();
    let result = crate::generate::generate(&out, &options, &progress);
    bar.stop();
    let report = result.map_err(|e| match e {
        GenerateError::Exists(_) => Failure::bad_input(e),
        other => Failure::other(other),
    })?;
    if crate::generate::is_case_path(&out) {
        // Written here: the workbench opens it without checking it again.
        crate::base::paths::remember_known_case(&out);
    }
    println!(
        "generated {} accounts, {} exchanges, {} events, {} indicators into {} in {:.1} s; ground truth: {}",
        report.accounts,
        report.exchanges,
        report.events,
        report.indicators,
        out.display(),
        started.elapsed().as_secs_f64(),
        report.truth_path.display()
    );
    Ok(())
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Jsonl,
    Csv,
    /// Parquet: exchanges as a folder of part files (`exchanges/`), the
    /// other sections as one file each
    Parquet,
}
