//! `hydrascope tags`: list the tags recorded in a case.

use std::path::PathBuf;

use crate::case::Case;

use super::{Failure, clean};

// The arguments; their help is the command line's (`hydrascope tags --help`).
#[derive(clap::Args, Debug)]
pub(super) struct TagsArgs {
    /// The case file
    case: PathBuf,
    /// Print exactly one JSON document on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `hydrascope tags` with `args`.
pub(super) fn run(args: TagsArgs) -> Result<(), Failure> {
    let TagsArgs { case, json } = args;
    let path = case;
    // A damaged page found while reading is bad input naming the file.
    let failed = |e| Failure::from_case(crate::case::damaged(&path, e));
    let case = Case::open_read_only(&path).map_err(Failure::from_case)?;
    let state = case.casework_state().map_err(failed)?;
    let claims = case.claims().map_err(failed)?;
    let claim_of = |t: &crate::case::casework::Tag| t.merged_from.and_then(|m| claims.get(&m));
    let ids = case.account_ids().map_err(failed)?;
    let mut tags = Vec::new();
    for t in &state.tags {
        let accounts: Vec<String> = match &t.cluster {
            Some(c) => case.cluster_account_ids(c).map_err(failed)?,
            None => t
                .accounts
                .iter()
                .filter_map(|&a| ids.get(a as usize).cloned())
                .collect(),
        };
        tags.push((t, accounts));
    }
    if json {
        let doc: Vec<serde_json::Value> = tags
            .iter()
            .map(|(t, accounts)| {
                serde_json::json!({
                    "cluster": t.cluster,
                    "accounts": accounts,
                    "label": t.label,
                    "status": t.status.name(),
                    "confidence": t.confidence,
                    "note": t.notes,
                    "analyst": t.updated_by,
                    "at": t.updated_at,
                    "id": t.id,
                    "capability": t.capability,
                    "actor": t.actor,
                    "created_by": t.analyst,
                    "created_at": t.created_at,
                    // Null for a tag made here; for a merged one, whose
                    // claim its analyst and times are.
                    "claimed_by": claim_of(t),
                })
            })
            .collect();
        println!("{}", serde_json::json!({ "tags": doc }));
    } else if tags.is_empty() {
        println!("no tags in {}", case.path().display());
    } else {
        // Tags made here first; merged tags apart, under the case whose
        // claim they are.
        tags.sort_by_key(|(t, _)| (t.merged_from.is_some(), t.merged_from, t.id));
        let mut heading = None;
        for (t, accounts) in &tags {
            if t.merged_from.is_some() && heading != Some(t.merged_from) {
                heading = Some(t.merged_from);
                let claim = claim_of(t)
                    .map_or_else(|| "claimed by another case".to_string(), |c| c.describe());
                println!("\nMerged tags, {claim}; who made them and when is what that case says:");
            }
            println!(
                "#{:<4} {:<10} {:<10} {:.2}  {} ({} accounts){}{}  by {} at {}",
                t.id,
                clean(t.cluster.as_deref().unwrap_or("accounts")),
                t.status.name(),
                t.confidence,
                clean(&t.label),
                accounts.len(),
                if t.capability.is_empty() {
                    String::new()
                } else {
                    format!("; {}", clean(&t.capability))
                },
                if t.actor.is_empty() {
                    String::new()
                } else {
                    format!("; actor {}", clean(&t.actor))
                },
                clean(&t.updated_by),
                clean(&t.updated_at)
            );
            if !t.notes.is_empty() {
                println!(
                    "      {}",
                    crate::base::text::terminal_safe_lines(&t.notes).replace('\n', "\n      ")
                );
            }
        }
    }
    Ok(())
}
