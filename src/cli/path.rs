//! `hydrascope path`: why two accounts — or an account and a cluster or a
//! campaign, or two of those — are related: the shortest and the strongest
//! chains of evidence links between them, each link with its evidence (a
//! Hydrascope addition to the contract).

use std::path::{Path, PathBuf};

use crate::base::text::{for_drawing, terminal_safe};
use crate::case::Case;
use crate::views::why::{Chain, EvidenceChains, evidence_chains};

use super::Failure;

// The arguments; their help is the command line's (`hydrascope path --help`).
#[derive(clap::Args, Debug)]
pub(super) struct PathArgs {
    /// The case file
    case: PathBuf,
    /// An account id, a cluster id (c…) or a campaign id (k…) of the last analysis
    #[arg(long)]
    from: String,
    /// An account id, a cluster id or a campaign id of the last analysis
    #[arg(long)]
    to: String,
    /// Print exactly one JSON document on stdout
    #[arg(long)]
    json: bool,
}

/// One end of the question: what the analyst named and its accounts.
struct End {
    /// "account", "cluster" or "campaign".
    kind: &'static str,
    id: String,
    accounts: Vec<u32>,
}

/// Runs `hydrascope path` with `args`.
pub(super) fn run(args: PathArgs) -> Result<(), Failure> {
    let PathArgs {
        case,
        from,
        to,
        json,
    } = args;
    let path = case;
    let failed = |e| Failure::from_case(crate::case::damaged(&path, e));
    let case = Case::open_read_only(&path).map_err(Failure::from_case)?;
    if case.stored_clusters().map_err(failed)?.is_none() {
        return Err(Failure::bad_input(format!(
            "{}: no analysis stored: run hydrascope analyze first",
            path.display()
        )));
    }
    let ids = case.account_ids().map_err(failed)?;
    let from = resolve(&case, &path, &from)?;
    let to = resolve(&case, &path, &to)?;
    let EvidenceChains {
        shortest,
        strongest,
    } = evidence_chains(&case, &from.accounts, &to.accounts).map_err(failed)?;
    let name = |a: u32| ids.get(a as usize).map_or("?", String::as_str);
    if json {
        let chain_json = |chain: &Option<Chain>| match chain {
            Some(chain) => serde_json::json!({
                "accounts": chain.accounts.iter().map(|&a| name(a)).collect::<Vec<_>>(),
                "links": chain.hops.len(),
                "weakest": chain.weakest(),
                "hops": chain.hops.iter().map(|h| serde_json::json!({
                    "a": name(h.a),
                    "b": name(h.b),
                    "weight": h.weight,
                    "evidence": h.evidence.iter().map(|e| serde_json::json!({
                        "kind": e.kind,
                        "shared": e.shared,
                        "weight": e.weight,
                        "example": e.example,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            }),
            None => serde_json::Value::Null,
        };
        let end_json = |end: &End| serde_json::json!({"kind": end.kind, "id": end.id, "accounts": end.accounts.len()});
        println!(
            "{}",
            serde_json::json!({
                "from": end_json(&from),
                "to": end_json(&to),
                "shortest": chain_json(&shortest),
                "strongest": chain_json(&strongest),
            })
        );
        return Ok(());
    }
    let describe = |end: &End| match end.kind {
        "account" => format!("account {}", show(&end.id)),
        kind => format!(
            "{kind} {} ({})",
            show(&end.id),
            crate::base::text::count(end.accounts.len() as u64, "account", "accounts")
        ),
    };
    println!("{} → {}", describe(&from), describe(&to));
    let (Some(shortest), Some(strongest)) = (&shortest, &strongest) else {
        println!(
            "no chain of evidence links joins them (in the links the last analysis kept; a lower \
             link floor or other evidence parameters may keep more)"
        );
        return Ok(());
    };
    if shortest.hops.is_empty() {
        println!(
            "both hold account {}: no link is needed",
            show(name(shortest.accounts[0]))
        );
        return Ok(());
    }
    for (title, chain) in [("shortest", shortest), ("strongest", strongest)] {
        println!(
            "\n{title}: {}, weakest link {:.2}",
            crate::base::text::count(chain.hops.len() as u64, "link", "links"),
            chain.weakest().unwrap_or(0.0)
        );
        for h in &chain.hops {
            println!(
                "  {} — {} (weight {:.2})",
                show(name(h.a)),
                show(name(h.b)),
                h.weight
            );
            for e in &h.evidence {
                println!(
                    "      {} ×{} ({:.2}), e.g. {}",
                    e.kind.replace('_', " "),
                    e.shared,
                    e.weight,
                    show(&e.example)
                );
            }
        }
    }
    Ok(())
}

/// A name from the case as printed: control characters out, cut to what a
/// line can show.
fn show(text: &str) -> String {
    terminal_safe(&for_drawing(text)).into_owned()
}

/// What `name` is in the case: an account id first, then a cluster id of
/// the last analysis, then a campaign id; bad input naming it otherwise.
fn resolve(case: &Case, path: &Path, name: &str) -> Result<End, Failure> {
    let failed = |e| Failure::from_case(crate::case::damaged(path, e));
    let id = name.trim();
    if let Ok(accounts) = case.account_indices(&[id.to_string()]) {
        return Ok(End {
            kind: "account",
            id: id.to_string(),
            accounts,
        });
    }
    let members = case.cluster_account_ids(id).map_err(failed)?;
    if !members.is_empty() {
        return Ok(End {
            kind: "cluster",
            id: id.to_string(),
            accounts: case.account_indices(&members).map_err(failed)?,
        });
    }
    let campaigns = case.stored_campaigns().map_err(failed)?;
    if let Some(k) = campaigns.iter().find(|k| k.id == id) {
        let mut accounts = Vec::new();
        for c in &k.clusters {
            let members = case.cluster_account_ids(c).map_err(failed)?;
            accounts.extend(case.account_indices(&members).map_err(failed)?);
        }
        if accounts.is_empty() {
            return Err(Failure::bad_input(format!(
                "campaign {} has no clusters left in this case (re-run hydrascope analyze)",
                show(id)
            )));
        }
        accounts.sort_unstable();
        return Ok(End {
            kind: "campaign",
            id: id.to_string(),
            accounts,
        });
    }
    Err(Failure::bad_input(format!(
        "{}: no account, cluster or campaign {}",
        path.display(),
        show(id)
    )))
}
