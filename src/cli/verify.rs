//! `hydrascope verify`: run every check on a case: schema, integrity, types, ids, value sizes; exit 2 if any fails (a Hydrascope addition).

use std::path::PathBuf;

use super::{Failure, clean};

// The arguments; their help is the command line's (`hydrascope verify --help`).
#[derive(clap::Args, Debug)]
pub(super) struct VerifyArgs {
    /// The case file (only read)
    case: PathBuf,
    /// Print exactly one JSON document on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `hydrascope verify` with `args`.
pub(super) fn run(args: VerifyArgs) -> Result<(), Failure> {
    let VerifyArgs { case, json } = args;
    use crate::case::verify::{Integrity, verify_case};
    let report = verify_case(&case, Integrity::Full).map_err(Failure::from_case)?;
    if json {
        let doc = serde_json::json!({
            "case": case.display().to_string(),
            "format_version": report.format_version,
            "clean": report.is_clean(),
            "findings": report.findings,
        });
        println!("{doc}");
    } else {
        for f in &report.findings {
            println!("{:<10} {}", f.check, clean(&f.message));
        }
        if report.is_clean() {
            println!(
                "{}: case format v{}; every check passed",
                clean(&case.display().to_string()),
                report.format_version
            );
        }
    }
    if report.is_clean() {
        // Checked here: the workbench opens it without checking it again.
        crate::base::paths::remember_known_case(&case);
        Ok(())
    } else {
        Err(Failure::bad_input(format!(
            "{}: {} problem(s) found; `hydrascope repair {} --out NEW` copies what is sound",
            case.display(),
            report.findings.len(),
            case.display()
        )))
    }
}
