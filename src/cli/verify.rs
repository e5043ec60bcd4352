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
    /// Also check every index against its table (`PRAGMA integrity_check`:
    /// several times slower); by default the pages and records are checked
    /// once (`quick_check`) with every other check
    #[arg(long)]
    full: bool,
}

/// Runs `hydrascope verify` with `args`.
pub(super) fn run(args: VerifyArgs) -> Result<(), Failure> {
    let VerifyArgs { case, json, full } = args;
    use crate::case::verify::{Integrity, verify_case_with};
    let progress = std::sync::Arc::new(crate::base::Progress::default());
    let bar = super::ProgressBar::start(progress.clone(), "checks");
    let integrity = if full {
        Integrity::Full
    } else {
        Integrity::Quick
    };
    // The file as it is before the checks: only that one is remembered.
    let token = crate::base::paths::known_case_token(&case);
    let report = verify_case_with(&case, integrity, &progress);
    bar.stop();
    let report = report.map_err(Failure::from_case)?;
    if json {
        let doc = serde_json::json!({
            "case": case.display().to_string(),
            "format_version": report.format_version,
            "integrity": if full { "integrity_check" } else { "quick_check" },
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
                "{}: case format v{}; every check passed{}",
                clean(&case.display().to_string()),
                report.format_version,
                if full {
                    " (indexes included)"
                } else {
                    " (pages and records by quick_check; --full also checks every index)"
                }
            );
        }
    }
    if report.is_clean() {
        // Checked here: the workbench opens it without checking it again.
        crate::base::paths::remember_known_case_if_unchanged(&case, token);
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
