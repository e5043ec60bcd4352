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
    #[arg(long, required_unless_present = "into", conflicts_with = "into")]
    out: Option<PathBuf>,
    /// Append the folder (a day, a partition) to this existing case
    /// instead, all or nothing; the folder needs no accounts file
    #[arg(long, conflicts_with = "force")]
    into: Option<PathBuf>,
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
        into,
        skip_invalid,
        force,
    } = args;
    let options = ImportOptions {
        skip_invalid,
        force,
    };
    let progress = Arc::new(Progress::default());
    let (out, appending) = match (out, into) {
        (Some(out), _) => (out, false),
        (None, Some(into)) => (into, true),
        (None, None) => return Err(Failure::bad_input("give --out CASE or --into CASE")),
    };
    if appending && !out.is_file() {
        return Err(Failure::bad_input(format!(
            "{}: no such case to append to (use --out to make a new one)",
            out.display()
        )));
    }
    if !appending {
        super::check_output_file(&out)?;
    }
    let bar = ProgressBar::start(progress.clone(), "bytes");
    let result = if appending {
        let who = crate::case::casework::Who::from_env(crate::case::casework::Origin::Cli);
        crate::import::append_folder(&dir, &out, &options, &progress, who)
    } else {
        crate::import::import_folder(&dir, &out, &options, &progress)
    };
    bar.stop();
    let report = result.map_err(|e| Failure::classified(&e, e.is_bad_input()))?;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    // Written here: the workbench opens it without checking it again.
    crate::base::paths::remember_known_case(&out);
    let s = &report.stats;
    if appending {
        println!(
            "appended {} new accounts ({} known ones updated), {} exchanges, {} events, {} indicators \
             (skipped {} events and indicators the case held already) to {} in {:.1} s \
             ({:.0} exchanges/s); its stored analysis predates them: run hydrascope analyze",
            s.accounts,
            s.accounts_updated,
            s.exchanges,
            s.events,
            s.indicators,
            s.repeats_skipped,
            out.display(),
            report.elapsed_secs,
            s.exchanges as f64 / report.elapsed_secs.max(1e-9)
        );
    } else {
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
    }
    if let Some(path) = &report.rejects_path {
        println!(
            "skipped {} invalid rows; see {}",
            report.rejected,
            path.display()
        );
    }
    Ok(())
}
