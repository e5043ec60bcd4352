//! `hydrascope export`: write a new, self-contained case file to share (or, for .graphml/.gexf, the graph for Gephi).

use std::path::PathBuf;
use std::sync::Arc;

use crate::base::Progress;
use crate::case::CaseError;

use super::{Failure, ProgressBar, campaign_clusters, who_of};

// The arguments; their help is the command line's (`hydrascope export --help`).
#[derive(clap::Args, Debug)]
pub(super) struct ExportArgs {
    /// The case file
    case: PathBuf,
    /// The new file: .hcase (a case), .graphml or .gexf (the graph; a Hydrascope addition)
    #[arg(long)]
    out: PathBuf,
    /// Only these clusters (comma-separated ids), with their accounts, exchanges, tags and history
    #[arg(long, value_delimiter = ',')]
    clusters: Option<Vec<String>>,
    /// Only the clusters of this campaign (an id from `analyze --json`, e.g. k17) (a Hydrascope addition)
    #[arg(long, conflicts_with = "clusters")]
    campaign: Option<String>,
    /// Replace identifiers by keyed pseudonyms and drop prompt excerpts
    #[arg(long)]
    redact: bool,
    /// File holding the redaction secret, so that a team's exports line up [default: a new random key] (a Hydrascope addition)
    #[arg(long, requires = "redact")]
    redact_key: Option<PathBuf>,
    /// Overwrite an existing output (a Hydrascope addition)
    #[arg(long)]
    force: bool,
    /// Analyst name recorded with the export [default: $HYDRASCOPE_ANALYST, else the login name] (a Hydrascope addition)
    #[arg(long)]
    analyst: Option<String>,
}

/// Runs `hydrascope export` with `args`.
pub(super) fn run(args: ExportArgs) -> Result<(), Failure> {
    let ExportArgs {
        case,
        out,
        clusters,
        campaign,
        redact,
        redact_key,
        force,
        analyst,
    } = args;
    super::check_output_file(&out)?;
    export(
        &case,
        &out,
        match campaign {
            Some(id) => Some(campaign_clusters(&case, &id)?),
            None => clusters,
        },
        redact,
        redact_key.as_deref(),
        force,
        analyst.as_deref(),
    )
}

/// `hydrascope export`: a case file, or a graph file by the extension.
fn export(
    case: &std::path::Path,
    out: &std::path::Path,
    clusters: Option<Vec<String>>,
    redact: bool,
    redact_key: Option<&std::path::Path>,
    force: bool,
    analyst: Option<&str>,
) -> Result<(), Failure> {
    use crate::case::export::{ExportOptions, RedactionKey, export_case};
    use crate::export::graph_file::{GraphFileError, GraphFormat, write_case_graph};
    let clusters = clusters.map(|ids| {
        ids.into_iter()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .collect::<Vec<_>>()
    });
    if GraphFormat::from_path(out).is_some() {
        if redact {
            return Err(Failure::bad_input(
                "--redact is for case files: graph files hold no identifiers to redact",
            ));
        }
        if out.exists() && !force {
            return Err(Failure::from_case(CaseError::Exists(out.to_path_buf())));
        }
        let report = write_case_graph(case, clusters.as_deref(), out).map_err(|e| match e {
            GraphFileError::Case(e) => Failure::from_case(e),
            e @ GraphFileError::Write { .. } => Failure::other(e),
        })?;
        println!(
            "wrote {} ({:?}: {} accounts, {} links)",
            out.display(),
            report.format,
            report.accounts,
            report.links
        );
        return Ok(());
    }
    let key = RedactionKey::chosen(redact, redact_key).map_err(Failure::from_case)?;
    let who = who_of(analyst);
    let options = ExportOptions {
        clusters,
        redact: key,
        force,
    };
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::start(progress.clone(), "steps");
    let result = export_case(case, out, &options, &who, &progress);
    bar.stop();
    let report = result.map_err(Failure::from_case)?;
    println!(
        "exported {} accounts, {} exchanges, {} clusters, {} tags, {} history entries to {} ({:.1} MB){}",
        report.accounts,
        report.exchanges,
        report.clusters,
        report.tags,
        report.audit_entries,
        report.path.display(),
        report.bytes as f64 / 1e6,
        match &report.redaction_key_id {
            Some(id) => format!("; redacted with key {id}"),
            None => String::new(),
        }
    );
    if report.rows_left_out > 0 {
        println!(
            "left out {} row(s) holding values of another type than their column's (`hydrascope verify` names them)",
            report.rows_left_out
        );
    }
    Ok(())
}
