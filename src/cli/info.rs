//! `hydrascope info`: print what a case holds (a Hydrascope addition to the contract).

use std::path::PathBuf;

use crate::base::time::format_rfc3339_ms;
use crate::case::Case;

use super::{Failure, clean};

// The arguments; their help is the command line's (`hydrascope info --help`).
#[derive(clap::Args, Debug)]
pub(super) struct InfoArgs {
    /// The case file
    case: PathBuf,
    /// Print one JSON document instead of text
    #[arg(long)]
    json: bool,
}

/// Runs `hydrascope info` with `args`.
pub(super) fn run(args: InfoArgs) -> Result<(), Failure> {
    let InfoArgs { case, json } = args;
    let path = case;
    // A damaged page found while reading is bad input naming the file.
    let failed = |e| Failure::from_case(crate::case::damaged(&path, e));
    let case = Case::open_read_only(&path).map_err(Failure::from_case)?;
    let s = case.summary().map_err(failed)?;
    if json {
        let doc = serde_json::json!({
            "format_version": s.format_version,
            "source": s.source,
            "accounts": s.accounts,
            "exchanges": s.exchanges,
            "events": s.events,
            "indicators": s.indicators,
            "first": s.first_ms.map(format_rfc3339_ms),
            "last": s.last_ms.map(format_rfc3339_ms),
            "input_tokens": s.input_tokens,
            "output_tokens": s.output_tokens,
            "last_appended_at": s.last_append.as_ref().map(|(at, _)| at),
            "last_appended_from": s.last_append.as_ref().map(|(_, from)| from),
            "analysis_predates_last_append": s.analysis_predates_append,
            "exchanges_stored": s.exchanges_stored,
            "models": s.models.iter().map(|(m, n)| serde_json::json!({"model": m, "exchanges": n})).collect::<Vec<_>>(),
        });
        println!("{doc}");
    } else {
        println!("{}", clean(&case.path().display().to_string()));
        println!(
            "  format v{}; source: {}",
            s.format_version,
            clean(s.source.as_deref().unwrap_or("unknown"))
        );
        println!(
            "  {} accounts, {} exchanges, {} events, {} indicators",
            s.accounts, s.exchanges, s.events, s.indicators
        );
        if !s.exchanges_stored {
            println!(
                "  built from rollups on Spark: the exchanges are counted in them and not stored \
                 (account journeys and subset exports need them)"
            );
        }
        if let (Some(first), Some(last)) = (s.first_ms, s.last_ms) {
            println!(
                "  from {} to {} (UTC)",
                format_rfc3339_ms(first),
                format_rfc3339_ms(last)
            );
        }
        if let Some((at, from)) = &s.last_append {
            println!(
                "  last appended {} from {}{}",
                clean(at),
                clean(from),
                if s.analysis_predates_append {
                    "; the stored analysis predates it: run hydrascope analyze"
                } else {
                    ""
                }
            );
        }
        for (model, n) in &s.models {
            println!("  model {}: {n} exchanges", clean(model));
        }
    }
    Ok(())
}
