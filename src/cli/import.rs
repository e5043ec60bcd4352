//! `hydrascope import`: build a case file from an activity-log folder.

use std::path::PathBuf;
use std::sync::Arc;

use crate::base::Progress;
use crate::import::ImportOptions;

use super::{Failure, ProgressBar};

// The arguments; their help is the command line's (`hydrascope import --help`).
#[derive(clap::Args, Debug)]
pub(super) struct ImportArgs {
    /// Folder with accounts, exchanges, events and indicators files
    dir: PathBuf,
    /// The case file to write
    #[arg(long)]
    out: PathBuf,
    /// Import the valid rows and write the others to CASE.rejects.jsonl
    #[arg(long)]
    skip_invalid: bool,
    /// Overwrite an existing case file
    #[arg(long)]
    force: bool,
}

/// Runs `hydrascope import` with `args`.
pub(super) fn run(args: ImportArgs) -> Result<(), Failure> {
    let ImportArgs {
        dir,
        out,
        skip_invalid,
        force,
    } = args;
    super::check_output_file(&out)?;
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::start(progress.clone(), "bytes");
    let result = crate::import::import_folder(
        &dir,
        &out,
        &ImportOptions {
            skip_invalid,
            force,
        },
        &progress,
    );
    bar.stop();
    let report = result.map_err(|e| {
        if e.is_bad_input() {
            Failure::bad_input(&e)
        } else {
            Failure::other(&e)
        }
    })?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    // Written here: the workbench opens it without checking it again.
    crate::base::paths::remember_known_case(&out);
    let s = &report.stats;
    println!(
        "imported {} accounts, {} exchanges, {} events, {} indicators into {} in {:.1} s ({:.0} exchanges/s)",
        s.accounts,
        s.exchanges,
        s.events,
        s.indicators,
        out.display(),
        report.elapsed_secs,
        s.exchanges as f64 / report.elapsed_secs.max(1e-9)
    );
    if let Some(path) = &report.rejects_path {
        println!(
            "skipped {} invalid rows; see {}",
            report.rejected,
            path.display()
        );
    }
    Ok(())
}
