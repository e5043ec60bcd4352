//! `hydrascope report`: write a briefing report of the tagged campaigns, with pictures (a Hydrascope addition).

use std::path::PathBuf;
use std::sync::Arc;

use crate::base::Progress;
use crate::case::CaseError;

use super::{Failure, ProgressBar, campaign_clusters};

// The arguments; their help is the command line's (`hydrascope report --help`).
#[derive(clap::Args, Debug)]
pub(super) struct ReportArgs {
    /// The case file
    case: PathBuf,
    /// The report: .html (one self-contained file) or .md (pictures in a folder next to it)
    #[arg(long)]
    out: PathBuf,
    /// Only this campaign of the analysis (an id from `analyze --json`, e.g. k17): its score and reasons, then the tags and suspected clusters among its clusters
    #[arg(long)]
    campaign: Option<String>,
    /// Overwrite an existing report
    #[arg(long)]
    force: bool,
}

/// Runs `hydrascope report` with `args`.
pub(super) fn run(args: ReportArgs) -> Result<(), Failure> {
    let ReportArgs {
        case,
        out,
        campaign,
        force,
    } = args;
    super::check_output_file(&out)?;
    if out.exists() && !force {
        return Err(Failure::from_case(CaseError::Exists(out.clone())));
    }
    if let Some(id) = &campaign {
        campaign_clusters(&case, id)?;
    }
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::start(progress.clone(), "steps");
    let result = crate::export::write_briefing_of(&case, &out, campaign.as_deref(), &progress);
    bar.stop();
    let summary = result.map_err(|e| {
        let bad_input = e.is_bad_input();
        Failure::classified(e, bad_input)
    })?;
    println!(
        "wrote {}: {} campaign(s), {} dismissed, {} suspected cluster(s) not tagged, {} picture(s)",
        summary.path.display(),
        summary.campaigns,
        summary.dismissed,
        summary.untagged_suspected,
        summary.pictures
    );
    // The report is kept (every figure that failed says so in its place),
    // but a briefing short of a picture is no success: exit 1, one line.
    if let Some(first) = summary.missing_pictures.first() {
        return Err(Failure::other(format!(
            "{}: written, but {} of its {} picture(s) could not be drawn (the first: {first})",
            summary.path.display(),
            summary.missing_pictures.len(),
            summary.pictures + summary.missing_pictures.len()
        )));
    }
    Ok(())
}
