//! `hydrascope note`, `notes` and `views`: write, change or remove an
//! analyst's note; list the notes; list the saved views (Hydrascope
//! additions to the contract).

use std::path::PathBuf;

use crate::case::Case;
use crate::case::notes::{ListedNote, NoteOn};

use super::{Failure, clean, split_list};

// The arguments; their help is the command line's (`hydrascope note --help`).
#[derive(clap::Args, Debug)]
pub(super) struct NoteArgs {
    /// The case file
    case: PathBuf,
    /// Note on this account (its id)
    #[arg(long, group = "on")]
    account: Option<String>,
    /// Note on the link between two accounts (ids: A,B)
    #[arg(long, group = "on")]
    link: Option<String>,
    /// Note on this cluster (it follows the cluster's accounts through re-analyses)
    #[arg(long, group = "on")]
    cluster: Option<String>,
    /// Note on this campaign (an id from `analyze --json`, e.g. k17; it follows the campaign's accounts)
    #[arg(long, group = "on")]
    campaign: Option<String>,
    /// Note on the time range from this time (RFC 3339; with --to)
    #[arg(long, group = "on", requires = "to")]
    from: Option<String>,
    /// The end of the time range (RFC 3339, exclusive)
    #[arg(long, requires = "from")]
    to: Option<String>,
    /// Change the text of this note (an id from `notes`) instead of writing a new one
    #[arg(long, group = "on")]
    edit: Option<i64>,
    /// Remove this note (an id from `notes`)
    #[arg(long, group = "on", conflicts_with = "text")]
    remove: Option<i64>,
    /// The note
    #[arg(long, required_unless_present = "remove")]
    text: Option<String>,
    /// Analyst name [default: $HYDRASCOPE_ANALYST, else the login name]
    #[arg(long)]
    analyst: Option<String>,
}

/// Runs `hydrascope note` with `args`.
pub(super) fn run(args: NoteArgs) -> Result<(), Failure> {
    let NoteArgs {
        case,
        account,
        link,
        cluster,
        campaign,
        from,
        to,
        edit,
        remove,
        text,
        analyst,
    } = args;
    let who = super::analyst_who(analyst)?;
    let case = Case::open(&case).map_err(Failure::from_case)?;
    let one = |id: &str| -> Result<u32, Failure> {
        let found = case
            .account_indices(&[id.trim().to_string()])
            .map_err(Failure::from_case)?;
        Ok(found[0])
    };
    let seen = |id: i64| -> Result<crate::case::notes::Note, Failure> {
        let notes = case.notes().map_err(Failure::from_case)?;
        notes
            .into_iter()
            .map(|n| n.note)
            .find(|n| n.id == id)
            .ok_or_else(|| Failure::bad_input(format!("no note #{id} in this case")))
    };
    let text = text.unwrap_or_default();
    let recorded = if let Some(id) = remove {
        case.remove_note(&who, &seen(id)?)
    } else if let Some(id) = edit {
        case.update_note(&who, &seen(id)?, &text)
    } else {
        let on = if let Some(id) = account {
            NoteOn::Account { account: one(&id)? }
        } else if let Some(pair) = link {
            let ids = split_list(&pair);
            let [a, b] = ids.as_slice() else {
                return Err(Failure::bad_input(format!(
                    "--link {pair:?}: two account ids, A,B"
                )));
            };
            NoteOn::Link {
                a: one(a)?,
                b: one(b)?,
            }
        } else if let Some(id) = cluster {
            NoteOn::Cluster {
                id: id.trim().to_string(),
            }
        } else if let Some(id) = campaign {
            NoteOn::Campaign {
                id: id.trim().to_string(),
            }
        } else if let (Some(from), Some(to)) = (from, to) {
            let time = |flag: &str, text: &str| {
                crate::base::time::parse_rfc3339_ms(text).ok_or_else(|| {
                    Failure::bad_input(format!(
                        "--{flag} {text:?}: not an RFC 3339 time (e.g. 2026-02-01T00:00:00Z)"
                    ))
                })
            };
            NoteOn::Time {
                from_ms: time("from", &from)?,
                to_ms: time("to", &to)?,
            }
        } else {
            return Err(Failure::bad_input(
                "say what the note is on: --account, --link, --cluster, --campaign or --from/--to \
                 (or --edit / --remove a note)",
            ));
        };
        case.add_note(&who, on, &text)
    }
    .map_err(Failure::from_case)?;
    super::print_recorded(&recorded, &who);
    Ok(())
}

// The arguments; their help is the command line's (`hydrascope notes --help`).
#[derive(clap::Args, Debug)]
pub(super) struct NotesArgs {
    /// The case file
    case: PathBuf,
    /// Print exactly one JSON document on stdout
    #[arg(long)]
    json: bool,
}

/// What a note is on, in words, with account ids.
fn on_words(note: &ListedNote, ids: &[String]) -> String {
    let id = |a: u32| {
        ids.get(a as usize)
            .cloned()
            .unwrap_or_else(|| format!("#{a}"))
    };
    match &note.note.on {
        NoteOn::Account { account } => format!("account {}", id(*account)),
        NoteOn::Link { a, b } => format!("link {} – {}", id(*a), id(*b)),
        NoteOn::Cluster { id } | NoteOn::Campaign { id } => {
            let kind = note.note.on.kind();
            match &note.now_on {
                Some(now) if now != id => format!(
                    "{kind} {id} (now {now}, which holds most of its {} accounts)",
                    note.note.accounts.len()
                ),
                Some(_) => format!("{kind} {id}"),
                None => format!("{kind} {id} (no longer in the case)"),
            }
        }
        NoteOn::Time { from_ms, to_ms } => format!(
            "{} to {}",
            crate::base::time::format_rfc3339_ms(*from_ms),
            crate::base::time::format_rfc3339_ms(*to_ms)
        ),
    }
}

/// Runs `hydrascope notes` with `args`.
pub(super) fn run_list(args: NotesArgs) -> Result<(), Failure> {
    let NotesArgs { case, json } = args;
    let path = case;
    let failed = |e| Failure::from_case(crate::case::damaged(&path, e));
    let case = Case::open_read_only(&path).map_err(Failure::from_case)?;
    let notes = case.notes().map_err(failed)?;
    let ids = case.account_ids().map_err(failed)?;
    if json {
        let doc: Vec<serde_json::Value> = notes
            .iter()
            .map(|n| {
                let account = |a: u32| ids.get(a as usize).cloned();
                let mut value = serde_json::json!({
                    "id": n.note.id,
                    "on": n.note.on.kind(),
                    "text": n.note.text,
                    "analyst": n.note.analyst,
                    "created_at": n.note.created_at,
                    "updated_at": n.note.updated_at,
                    "updated_by": n.note.updated_by,
                });
                let fields = match &n.note.on {
                    NoteOn::Account { account: a } => serde_json::json!({ "account": account(*a) }),
                    NoteOn::Link { a, b } => {
                        serde_json::json!({ "accounts": [account(*a), account(*b)] })
                    }
                    NoteOn::Cluster { id } => {
                        serde_json::json!({ "cluster": id, "now_on": n.now_on })
                    }
                    NoteOn::Campaign { id } => {
                        serde_json::json!({ "campaign": id, "now_on": n.now_on })
                    }
                    NoteOn::Time { from_ms, to_ms } => serde_json::json!({
                        "from": crate::base::time::format_rfc3339_ms(*from_ms),
                        "to": crate::base::time::format_rfc3339_ms(*to_ms),
                    }),
                };
                if let (Some(map), serde_json::Value::Object(more)) =
                    (value.as_object_mut(), fields)
                {
                    map.extend(more);
                }
                value
            })
            .collect();
        println!("{}", serde_json::json!({ "notes": doc }));
    } else if notes.is_empty() {
        println!("no notes in {}", case.path().display());
    } else {
        for n in &notes {
            println!(
                "#{} on {}, by {} at {}{}:",
                n.note.id,
                clean(&on_words(n, &ids)),
                clean(&n.note.updated_by),
                clean(&n.note.updated_at),
                if n.note.merged_from.is_some() {
                    " (merged from another case)"
                } else {
                    ""
                }
            );
            for line in n.note.text.lines() {
                println!("    {}", clean(line));
            }
        }
    }
    Ok(())
}

// The arguments; their help is the command line's (`hydrascope views --help`).
#[derive(clap::Args, Debug)]
pub(super) struct ViewsArgs {
    /// The case file
    case: PathBuf,
    /// Print exactly one JSON document on stdout
    #[arg(long)]
    json: bool,
}

/// Runs `hydrascope views` with `args`.
pub(super) fn run_views(args: ViewsArgs) -> Result<(), Failure> {
    use crate::views::saved_view::SavedViewSpec;
    let ViewsArgs { case, json } = args;
    let path = case;
    let failed = |e| Failure::from_case(crate::case::damaged(&path, e));
    let case = Case::open_read_only(&path).map_err(Failure::from_case)?;
    let views = case.saved_views().map_err(failed)?;
    if json {
        let doc: Vec<serde_json::Value> = views
            .iter()
            .map(|v| {
                let spec: serde_json::Value =
                    serde_json::from_str(&v.view_json).unwrap_or(serde_json::Value::Null);
                serde_json::json!({
                    "id": v.id,
                    "name": v.name,
                    "accounts": v.accounts.len(),
                    "view": spec,
                    "analyst": v.analyst,
                    "created_at": v.created_at,
                    "updated_at": v.updated_at,
                    "updated_by": v.updated_by,
                })
            })
            .collect();
        println!("{}", serde_json::json!({ "views": doc }));
    } else if views.is_empty() {
        println!("no saved views in {}", case.path().display());
    } else {
        for v in &views {
            let what = match SavedViewSpec::from_json(&v.view_json) {
                Ok(spec) => spec.describe(v.accounts.len()),
                Err(e) => e,
            };
            println!(
                "{:?}: {} (saved by {} at {})",
                clean(&v.name),
                clean(&what),
                clean(&v.updated_by),
                clean(&v.updated_at)
            );
        }
    }
    Ok(())
}
