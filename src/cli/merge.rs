//! `hydrascope merge`: merge another analyst's case into this one: their tags and history, attributed to them (a Hydrascope addition).

use std::path::PathBuf;

use crate::case::Case;

use super::{Failure, clean, who_of};

// The arguments; their help is the command line's (`hydrascope merge --help`).
#[derive(clap::Args, Debug)]
pub(super) struct MergeArgs {
    /// Your case file (written)
    case: PathBuf,
    /// Their case file (only read)
    #[arg(long)]
    from: PathBuf,
    /// Analyst name recorded with the merge [default: $HYDRASCOPE_ANALYST, else the login name]
    #[arg(long)]
    analyst: Option<String>,
}

/// Runs `hydrascope merge` with `args`.
pub(super) fn run(args: MergeArgs) -> Result<(), Failure> {
    let MergeArgs {
        case,
        from,
        analyst,
    } = args;
    let who = who_of(analyst.as_deref());
    // Their case passes every check before this one is opened (and
    // so possibly upgraded or switched to WAL).
    let checked = crate::case::verify::verify_case(&from, crate::case::verify::Integrity::Quick)
        .map_err(Failure::from_case)?;
    if let Some(first) = checked.findings.first() {
        return Err(Failure::bad_input(format!(
            "{}: refused to merge: {} ({} problem(s) in all; see hydrascope verify); nothing was written",
            from.display(),
            first.message,
            checked.findings.len()
        )));
    }
    let case = Case::open(&case).map_err(Failure::from_case)?;
    let report = case.merge_from(&who, &from).map_err(Failure::from_case)?;
    println!("{}", clean(&report.summary));
    if !report.conflicts.is_empty() {
        println!(
            "{} conflict(s) to resolve: hydrascope conflicts {}",
            report.conflicts.len(),
            case.path().display()
        );
    }
    Ok(())
}
