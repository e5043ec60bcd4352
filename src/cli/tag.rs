//! `hydrascope tag`: record an analyst's tag on a cluster (or on accounts), as the workbench does.

use std::path::PathBuf;

use crate::case::Case;
use crate::case::casework::{TagPatch, TagStatus};

use super::{Failure, campaign_clusters, split_list};

// The arguments; their help is the command line's (`hydrascope tag --help`).
#[derive(clap::Args, Debug)]
pub(super) struct TagArgs {
    /// The case file
    case: PathBuf,
    /// The cluster to tag (several: c1,c2,c3); its newest tag is changed if it has one
    #[arg(
            long,
            required_unless_present_any = ["accounts", "campaign"],
            conflicts_with_all = ["accounts", "campaign"]
        )]
    cluster: Option<String>,
    /// Tag these accounts instead of a cluster (ids, comma-separated; a Hydrascope addition)
    #[arg(long, conflicts_with = "campaign")]
    accounts: Option<String>,
    /// Tag every cluster of this campaign (an id from `analyze --json`, e.g. k17) as one action (a Hydrascope addition)
    #[arg(long)]
    campaign: Option<String>,
    /// Campaign name
    #[arg(long)]
    label: String,
    /// open, confirmed or dismissed
    #[arg(long)]
    status: Option<String>,
    /// The analyst's confidence, 0..1
    #[arg(long)]
    confidence: Option<f64>,
    /// Notes
    #[arg(long)]
    note: Option<String>,
    /// Targeted capability, e.g. "agentic coding" (a Hydrascope addition)
    #[arg(long)]
    capability: Option<String>,
    /// Attributed actor (a Hydrascope addition)
    #[arg(long)]
    actor: Option<String>,
    /// Analyst name [default: $HYDRASCOPE_ANALYST, else the login name] (a Hydrascope addition)
    #[arg(long)]
    analyst: Option<String>,
}

/// Runs `hydrascope tag` with `args`.
pub(super) fn run(args: TagArgs) -> Result<(), Failure> {
    let TagArgs {
        case,
        cluster,
        accounts,
        campaign,
        label,
        status,
        confidence,
        note,
        capability,
        actor,
        analyst,
    } = args;
    let status = match status.as_deref() {
        None => None,
        Some(name) => Some(TagStatus::parse(name).ok_or_else(|| {
            Failure::bad_input(format!(
                "--status must be open, confirmed or dismissed, not {name:?}"
            ))
        })?),
    };
    if let Some(c) = confidence
        && !(0.0..=1.0).contains(&c)
    {
        return Err(Failure::bad_input(format!(
            "--confidence must be in 0..1, not {c}"
        )));
    }
    let who = super::analyst_who(analyst)?;
    let patch = TagPatch {
        label: Some(label),
        capability,
        status,
        confidence,
        actor,
        notes: note,
    };
    let of_campaign = match &campaign {
        Some(id) => Some(campaign_clusters(&case, id)?),
        None => None,
    };
    let case = Case::open(&case).map_err(Failure::from_case)?;
    let recorded = match (cluster, accounts, campaign, of_campaign) {
        (_, _, Some(id), Some(clusters)) => {
            case.tag_campaign(&who, id.trim(), &clusters, &patch, None)
        }
        (Some(clusters), _, _, _) => {
            let clusters: Vec<String> = split_list(&clusters);
            case.tag_clusters(&who, &clusters, &patch, None)
        }
        (None, Some(accounts), _, _) => {
            let indices = case
                .account_indices(&split_list(&accounts))
                .map_err(Failure::from_case)?;
            case.tag_accounts(&who, &indices, &patch)
        }
        _ => {
            return Err(Failure::bad_input(
                "name --cluster, --accounts or --campaign",
            ));
        }
    }
    .map_err(Failure::from_case)?;
    super::print_recorded(&recorded, &who);
    Ok(())
}
