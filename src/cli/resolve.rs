//! `hydrascope resolve`: resolve a merge conflict (a Hydrascope addition).

use clap::ValueEnum;
use std::path::PathBuf;

use crate::case::Case;

use super::{Failure, clean, who_of};

// The arguments; their help is the command line's (`hydrascope resolve --help`).
#[derive(clap::Args, Debug)]
pub(super) struct ResolveArgs {
    /// The case file
    case: PathBuf,
    /// The conflict id (from `conflicts`)
    #[arg(long)]
    conflict: i64,
    /// Which tag to keep
    #[arg(long, value_enum)]
    keep: KeepArg,
    /// Analyst name [default: $HYDRASCOPE_ANALYST, else the login name]
    #[arg(long)]
    analyst: Option<String>,
}

/// Runs `hydrascope resolve` with `args`.
pub(super) fn run(args: ResolveArgs) -> Result<(), Failure> {
    let ResolveArgs {
        case,
        conflict,
        keep,
        analyst,
    } = args;
    use crate::case::merge::Resolution;
    let who = who_of(analyst.as_deref());
    let case = Case::open(&case).map_err(Failure::from_case)?;
    let resolution = match keep {
        KeepArg::Ours => Resolution::KeepOurs,
        KeepArg::Theirs => Resolution::KeepTheirs,
        KeepArg::Both => Resolution::KeepBoth,
    };
    let recorded = case
        .resolve_conflict(&who, conflict, resolution)
        .map_err(Failure::from_case)?;
    println!(
        "{} (audit log entry #{})",
        clean(&recorded.summary),
        recorded.audit_id
    );
    Ok(())
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum KeepArg {
    /// Keep the tag that was here; remove theirs
    Ours,
    /// Keep their tag; remove the one that was here
    Theirs,
    /// Keep both
    Both,
}
