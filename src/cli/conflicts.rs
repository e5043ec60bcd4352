//! `hydrascope conflicts`: list merge conflicts, both tags side by side (a Hydrascope addition).

use std::path::PathBuf;

use crate::case::Case;

use super::{Failure, clean};

// The arguments; their help is the command line's (`hydrascope conflicts --help`).
#[derive(clap::Args, Debug)]
pub(super) struct ConflictsArgs {
    /// The case file
    case: PathBuf,
    /// Print exactly one JSON document on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `hydrascope conflicts` with `args`.
pub(super) fn run(args: ConflictsArgs) -> Result<(), Failure> {
    let ConflictsArgs { case, json } = args;
    let case = Case::open_read_only(&case).map_err(Failure::from_case)?;
    let conflicts = case.merge_conflicts().map_err(Failure::from_case)?;
    if json {
        let tag_json = |t: &crate::case::casework::Tag| {
            serde_json::json!({
                "id": t.id, "cluster": t.cluster, "label": t.label, "status": t.status.name(),
                "confidence": t.confidence, "capability": t.capability, "actor": t.actor,
                "note": t.notes, "analyst": t.updated_by, "at": t.updated_at,
            })
        };
        let doc = serde_json::json!({"conflicts": conflicts.iter().map(|c| serde_json::json!({
                "id": c.id, "merged_from": c.source_name, "status": c.status.name(),
                "overlap": c.overlap, "fields": c.fields,
                "ours": tag_json(&c.ours), "theirs": tag_json(&c.theirs),
                "resolved_by": c.resolved_by, "resolved_at": c.resolved_at,
            })).collect::<Vec<_>>()});
        println!("{doc}");
    } else if conflicts.is_empty() {
        println!("no merge conflicts");
    } else {
        for c in &conflicts {
            println!(
                "conflict #{} ({}; merged from {}; {} shared accounts; differs in {})",
                c.id,
                c.status.name(),
                clean(&c.source_name),
                c.overlap,
                clean(&c.fields.join(", "))
            );
            for (side, t) in [("ours  ", &c.ours), ("theirs", &c.theirs)] {
                println!(
                    "  {side} #{:<4} {:<10} {:<9} {:.2}  {}  by {} at {}",
                    t.id,
                    clean(t.cluster.as_deref().unwrap_or("accounts")),
                    t.status.name(),
                    t.confidence,
                    clean(&t.label),
                    clean(&t.updated_by),
                    clean(&t.updated_at)
                );
            }
        }
    }
    Ok(())
}
