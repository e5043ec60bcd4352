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
    let case = Case::open_read_only(&case).map_err(Failure::from_case)?;
    let state = case.casework_state().map_err(Failure::from_case)?;
    let ids = case.account_ids().map_err(Failure::other)?;
    let mut tags = Vec::new();
    for t in &state.tags {
        let accounts: Vec<String> = match &t.cluster {
            Some(c) => case.cluster_account_ids(c).map_err(Failure::other)?,
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
                })
            })
            .collect();
        println!("{}", serde_json::json!({ "tags": doc }));
    } else if tags.is_empty() {
        println!("no tags in {}", case.path().display());
    } else {
        for (t, accounts) in &tags {
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
