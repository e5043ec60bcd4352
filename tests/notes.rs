//! Notes and saved views as case work: written, changed, removed, undone
//! and redone; following their accounts when clusters change; carried by
//! export, redaction and merge; listed and drawn from the command line.

mod common;

use std::path::{Path, PathBuf};

use hydrascope::base::Progress;
use hydrascope::case::Case;
use hydrascope::case::casework::{Origin, Who};
use hydrascope::case::export::{ExportOptions, RedactionKey, export_case};
use hydrascope::case::notes::NoteOn;
use hydrascope::generate::Scenario;
use hydrascope::views::saved_view::SavedViewSpec;
use hydrascope::views::state::ColorBy;

use common::{analysed_case, run};

fn alice() -> Who {
    Who::named("alice", Origin::Cli)
}

/// A tiny analysed case and its two largest clusters (ids, members).
fn case_with_clusters(dir: &Path) -> (PathBuf, Vec<(String, Vec<u32>)>) {
    let path = analysed_case(dir, Scenario::Tiny, 4);
    let case = Case::open(&path).unwrap();
    let mut clusters: Vec<(String, Vec<u32>)> = case
        .stored_clusters()
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|c| (c.id, c.members))
        .collect();
    clusters.sort_by_key(|c| std::cmp::Reverse(c.1.len()));
    assert!(
        clusters[1].1.len() >= 2,
        "the tiny case has two real clusters"
    );
    (path, clusters)
}

#[test]
fn notes_are_case_work_that_undo_and_redo_bring_back() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, clusters) = case_with_clusters(tmp.path());
    let case = Case::open(&path).unwrap();
    let (cluster, members) = &clusters[0];
    let on_account = case
        .add_note(
            &alice(),
            NoteOn::Account {
                account: members[0],
            },
            "  card shared with the lab's office  ",
        )
        .unwrap();
    case.add_note(
        &alice(),
        NoteOn::Link {
            a: members[1],
            b: members[0],
        },
        "hand-off within minutes",
    )
    .unwrap();
    case.add_note(
        &alice(),
        NoteOn::Cluster {
            id: cluster.clone(),
        },
        "the crew",
    )
    .unwrap();
    case.add_note(
        &alice(),
        NoteOn::Time {
            from_ms: 1_769_904_000_000,
            to_ms: 1_769_907_600_000,
        },
        "release day",
    )
    .unwrap();
    let notes = case.notes().unwrap();
    assert_eq!(notes.len(), 4);
    assert_eq!(notes[0].note.text, "card shared with the lab's office");
    // A link's ends in order, whichever order they were given in.
    assert_eq!(
        notes[1].note.on,
        NoteOn::Link {
            a: members[0].min(members[1]),
            b: members[0].max(members[1])
        }
    );
    assert_eq!(&notes[2].note.accounts, members);
    assert_eq!(notes[2].now_on.as_deref(), Some(cluster.as_str()));
    let audit = case.audit_entries().unwrap();
    assert!(audit.iter().any(|e| e.action == "note.create"
        && e.summary.contains("card shared")
        && e.clusters.is_empty()));
    assert!(
        audit
            .iter()
            .any(|e| e.action == "note.create" && e.clusters == *cluster),
        "a note on a cluster names it in the audit log"
    );

    // Change, remove, undo the removal, redo it.
    let first = notes[0].note.clone();
    case.update_note(&alice(), &first, "card shared with two labs")
        .unwrap();
    assert!(
        case.remove_note(&alice(), &first).is_err(),
        "a note changed since it was seen is a conflict"
    );
    let changed = case.notes().unwrap()[0].note.clone();
    let removed = case.remove_note(&alice(), &changed).unwrap();
    assert_eq!(case.notes().unwrap().len(), 3);
    let undo = case.undo(&alice(), removed.audit_id).unwrap();
    assert_eq!(case.notes().unwrap()[0].note, changed);
    case.redo(&alice(), undo.audit_id).unwrap();
    assert_eq!(case.notes().unwrap().len(), 3);
    // Undoing the creation of a note that was changed since is refused.
    assert!(case.undo(&alice(), on_account.audit_id).is_err());

    for bad in [
        case.add_note(&alice(), NoteOn::Account { account: 999_999 }, "x"),
        case.add_note(
            &alice(),
            NoteOn::Cluster {
                id: "c-none".into(),
            },
            "x",
        ),
        case.add_note(
            &alice(),
            NoteOn::Time {
                from_ms: 10,
                to_ms: 10,
            },
            "x",
        ),
        case.add_note(&alice(), NoteOn::Account { account: 0 }, "   "),
        case.add_note(&alice(), NoteOn::Link { a: 1, b: 1 }, "x"),
    ] {
        assert!(bad.is_err(), "{bad:?}");
    }
    assert_eq!(
        case.notes().unwrap().len(),
        3,
        "a refused note writes nothing"
    );
}

#[test]
fn a_cluster_note_follows_most_of_its_accounts_when_they_move() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, clusters) = case_with_clusters(tmp.path());
    let case = Case::open(&path).unwrap();
    let (small, _) = &clusters[1];
    let (large, _) = &clusters[0];
    case.add_note(&alice(), NoteOn::Cluster { id: small.clone() }, "look here")
        .unwrap();
    case.merge_clusters(&alice(), std::slice::from_ref(small), large)
        .unwrap();
    let notes = case.notes().unwrap();
    assert_eq!(notes[0].now_on.as_deref(), Some(large.as_str()));
    let (code, out, err) = run(&["notes", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("cluster {small} (now {large}")),
        "{out}"
    );
}

fn save(case: &Case, name: &str, spec: &SavedViewSpec, accounts: &[u32]) -> i64 {
    case.save_view(&alice(), name, &spec.to_json(), accounts)
        .unwrap()
        .audit_id
}

#[test]
fn a_saved_view_is_saved_over_by_name_and_undo_brings_the_old_one_back() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, clusters) = case_with_clusters(tmp.path());
    let case = Case::open(&path).unwrap();
    let first = SavedViewSpec {
        cluster: Some(clusters[0].0.clone()),
        ..SavedViewSpec::default()
    };
    save(&case, "crew", &first, &clusters[0].1);
    let second = SavedViewSpec {
        cluster: Some(clusters[1].0.clone()),
        ..SavedViewSpec::default()
    };
    let over = save(&case, " crew ", &second, &clusters[1].1);
    let views = case.saved_views().unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].name, "crew");
    assert_eq!(
        SavedViewSpec::from_json(&views[0].view_json).unwrap(),
        second
    );
    case.undo(&alice(), over).unwrap();
    let back = case.saved_view("crew").unwrap();
    assert_eq!(SavedViewSpec::from_json(&back.view_json).unwrap(), first);
    assert_eq!(back.accounts, clusters[0].1);
    let unknown = case.saved_view("nope").unwrap_err().to_string();
    assert!(unknown.contains("\"crew\""), "{unknown}");
    assert!(
        case.save_view(&alice(), "bad", "not json", &[]).is_err()
            && case
                .save_view(&alice(), "bad", "{}", &[u32::MAX - 1])
                .is_err()
    );
}

#[test]
fn render_draws_a_saved_view_by_name_and_names_the_views_there_are() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, clusters) = case_with_clusters(tmp.path());
    let case = Case::open(&path).unwrap();
    let spec = SavedViewSpec {
        settings: hydrascope::views::state::ViewSettings {
            color_by: ColorBy::Score,
            ..Default::default()
        },
        cluster: Some(clusters[0].0.clone()),
        focus: Some(clusters[0].0.clone()),
        ..SavedViewSpec::default()
    };
    save(&case, "crew at work", &spec, &clusters[0].1);
    // A view whose cluster a later analysis no longer has.
    let gone = SavedViewSpec {
        cluster: Some("c-gone".into()),
        ..SavedViewSpec::default()
    };
    save(&case, "old crew", &gone, &clusters[1].1);
    drop(case);
    let case_arg = path.to_str().unwrap();
    for (name, picture) in [("crew at work", "view.png"), ("old crew", "old.png")] {
        let out = tmp.path().join(picture);
        let (code, _, err) = run(&[
            "render",
            case_arg,
            "--view",
            "graph",
            "--view-name",
            name,
            "--out",
            out.to_str().unwrap(),
            "--width",
            "400",
            "--height",
            "300",
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(std::fs::read(&out).unwrap().starts_with(b"\x89PNG"));
        assert_eq!(
            err.contains("no longer holds its cluster c-gone"),
            name == "old crew",
            "{err}"
        );
    }
    let (code, _, err) = run(&[
        "render",
        case_arg,
        "--view",
        "graph",
        "--view-name",
        "missing",
        "--out",
        tmp.path().join("x.png").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no view named \"missing\"") && err.contains("\"old crew\""),
        "{err}"
    );
    let (code, out, err) = run(&["views", case_arg, "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["views"][0]["name"], "crew at work");
    assert_eq!(doc["views"][0]["view"]["settings"]["color_by"], "Score");
}

#[test]
fn the_note_command_writes_lists_edits_and_removes() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, clusters) = case_with_clusters(tmp.path());
    let case_arg = path.to_str().unwrap();
    let ids = Case::open(&path).unwrap().account_ids().unwrap();
    let (a, b) = (
        ids[clusters[0].1[0] as usize].clone(),
        ids[clusters[0].1[1] as usize].clone(),
    );
    let note = |extra: &[&str]| {
        let mut args = vec!["note", case_arg, "--analyst", "bob"];
        args.extend_from_slice(extra);
        run(&args)
    };
    let (code, out, err) = note(&["--link", &format!("{a},{b}"), "--text", "same card"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Noted on the link"), "{out}");
    let (code, _, err) = note(&[
        "--from",
        "2026-02-01T00:00:00Z",
        "--to",
        "2026-02-02T00:00:00Z",
        "--text",
        "release day",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = note(&["--account", "no-such-account", "--text", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no-such-account"), "{err}");
    let (code, _, err) = note(&["--text", "on nothing"]);
    assert_eq!(code, 2, "{err}");
    let (code, out, _) = run(&["notes", case_arg, "--json"]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let notes = doc["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 2);
    assert_eq!(notes[0]["on"], "link");
    assert_eq!(notes[0]["analyst"], "bob");
    assert_eq!(notes[1]["from"], "2026-02-01T00:00:00.000Z");
    let id = notes[0]["id"].as_i64().unwrap().to_string();
    let (code, _, err) = note(&["--edit", &id, "--text", "same card, same office"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = note(&["--remove", &id]);
    assert_eq!(code, 0, "{err}");
    let (_, out, _) = run(&["notes", case_arg]);
    assert!(
        !out.contains("same card") && out.contains("release day"),
        "{out}"
    );
}

#[test]
fn export_keeps_the_notes_on_what_it_holds_and_redaction_scrubs_them() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, clusters) = case_with_clusters(tmp.path());
    let case = Case::open(&path).unwrap();
    let (kept, kept_members) = &clusters[0];
    let (_, other_members) = &clusters[1];
    case.add_note(
        &alice(),
        NoteOn::Account {
            account: kept_members[0],
        },
        "seen from 203.0.113.77 again",
    )
    .unwrap();
    case.add_note(
        &alice(),
        NoteOn::Account {
            account: other_members[0],
        },
        "not in the subset",
    )
    .unwrap();
    save(&case, "kept", &SavedViewSpec::default(), kept_members);
    save(&case, "other", &SavedViewSpec::default(), other_members);
    drop(case);
    let out = tmp.path().join("subset.hcase");
    let options = ExportOptions {
        clusters: Some(vec![kept.clone()]),
        redact: Some(RedactionKey::from_secret(b"test key")),
        force: false,
    };
    export_case(&path, &out, &options, &alice(), &Progress::default()).unwrap();
    let exported = Case::open_read_only(&out).unwrap();
    let notes = exported.notes().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(!notes[0].note.text.contains("203.0.113.77"), "{notes:?}");
    assert!(notes[0].note.text.contains("seen from"), "{notes:?}");
    let views = exported.saved_views().unwrap();
    assert_eq!(
        views.iter().map(|v| v.name.as_str()).collect::<Vec<_>>(),
        ["kept"]
    );
    // Its accounts are numbered 1..N again (the cluster's are not the
    // source's first), so it verifies, and merges back into its source.
    let (first, last): (i64, i64) = rusqlite::Connection::open(&out)
        .unwrap()
        .query_row("SELECT min(id), max(id) FROM accounts", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((first, last), (1, kept_members.len() as i64));
    assert!(
        kept_members[0] > 0,
        "the test needs a cluster past account 1"
    );
    assert_eq!(
        notes[0].note.on,
        NoteOn::Account { account: 0 },
        "the note names its account by the new number"
    );
    let (code, stdout, err) = run(&["verify", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}{err}");
    let source = Case::open(&path).unwrap();
    let merged = source.merge_from(&alice(), &out).unwrap();
    // The scrubbed note comes back on its account in the source's numbering.
    assert_eq!(merged.notes_added.len(), 1, "{merged:?}");
    let back = source.notes().unwrap();
    let back = back.iter().find(|n| n.note.merged_from.is_some()).unwrap();
    assert_eq!(
        back.note.on,
        NoteOn::Account {
            account: kept_members[0]
        }
    );
}

#[test]
fn a_merge_brings_their_notes_and_views_once_and_renames_a_taken_name() {
    let tmp = tempfile::tempdir().unwrap();
    let (ours, clusters) = case_with_clusters(tmp.path());
    let theirs = tmp.path().join("bob.hcase");
    std::fs::copy(&ours, &theirs).unwrap();
    let bob = Who::named("bob", Origin::Cli);
    {
        let case = Case::open(&theirs).unwrap();
        case.add_note(
            &bob,
            NoteOn::Account {
                account: clusters[0].1[0],
            },
            "bob's lead",
        )
        .unwrap();
        case.save_view(&bob, "crew", "{}", &clusters[0].1).unwrap();
    }
    let case = Case::open(&ours).unwrap();
    save(
        &case,
        "crew",
        &SavedViewSpec {
            isolate: true,
            ..SavedViewSpec::default()
        },
        &[],
    );
    let report = case.merge_from(&alice(), &theirs).unwrap();
    assert_eq!(report.notes_added.len(), 1);
    assert_eq!(report.views_added.len(), 1);
    let notes = case.notes().unwrap();
    assert_eq!(notes[0].note.text, "bob's lead");
    assert_eq!(notes[0].note.analyst, "bob");
    assert!(notes[0].note.merged_from.is_some());
    let names: Vec<String> = case
        .saved_views()
        .unwrap()
        .into_iter()
        .map(|v| v.name)
        .collect();
    assert_eq!(names, ["crew", "crew (bob)"]);
    let again = case.merge_from(&alice(), &theirs).unwrap();
    assert!(again.notes_added.is_empty() && again.views_added.is_empty());
    assert_eq!((again.notes_skipped, again.views_skipped), (1, 1));
}

#[test]
fn a_report_lists_the_notes_and_draws_each_saved_view() {
    let tmp = tempfile::tempdir().unwrap();
    let (path, clusters) = case_with_clusters(tmp.path());
    let case = Case::open(&path).unwrap();
    case.add_note(
        &alice(),
        NoteOn::Cluster {
            id: clusters[0].0.clone(),
        },
        "Same office card as the lab's crew",
    )
    .unwrap();
    let spec = SavedViewSpec {
        cluster: Some(clusters[0].0.clone()),
        ..SavedViewSpec::default()
    };
    save(&case, "Crew at work", &spec, &clusters[0].1);
    drop(case);
    let out = tmp.path().join("report.html");
    let (code, stdout, err) = run(&[
        "report",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("1 picture(s)"), "{stdout}");
    let html = std::fs::read_to_string(&out).unwrap();
    for text in [
        "Analysts&#39; notes",
        "Same office card as the lab&#39;s crew",
        &format!("cluster {}", clusters[0].0),
        "Saved views",
        "View \u{201c}Crew at work\u{201d}, saved by alice",
    ] {
        assert!(html.contains(text), "{text:?} not in the report");
    }
}
