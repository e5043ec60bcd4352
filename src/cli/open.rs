//! `hydrascope open`: open the workbench on a case file.

use std::path::PathBuf;

use crate::case::{Case, CaseError};

use super::Failure;

// The arguments; their help is the command line's (`hydrascope open --help`).
#[derive(clap::Args, Debug)]
pub(super) struct OpenArgs {
    /// The case file (.hcase)
    case: PathBuf,
}

/// Runs `hydrascope open` with `args`.
pub(super) fn run(args: OpenArgs) -> Result<(), Failure> {
    let OpenArgs { case } = args;
    // Refuse a bad file here, with the contract's exit status, rather
    // than in a window. An older format is no bad file: the workbench
    // upgrades it as it opens it, saying so (it can take a while).
    match Case::open_read_only(&case) {
        Ok(_) | Err(CaseError::NeedsMigration { .. }) => {}
        Err(_) => {
            Case::open(&case).map_err(Failure::from_case)?;
        }
    }
    crate::ui::run(Some(case)).map_err(Failure::other)
}
