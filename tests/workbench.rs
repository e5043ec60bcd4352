//! The workbench driven headless with egui_kittest: the real app on the
//! demo case, clicked and typed at like an analyst would, with snapshot
//! images of the main views (rendered by wgpu; `UPDATE_SNAPSHOTS=1` to
//! accept new ones after looking at them).

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use egui_kittest::kittest::Queryable;
use egui_kittest::{Harness, SnapshotOptions};
use hydrascope::case::Case;
use hydrascope::case::casework::{Origin, TagPatch, Who};
use hydrascope::generate::Scenario;
use hydrascope::ui::command::Command;
use hydrascope::ui::share_dialog::ShareKind;
use hydrascope::ui::{App, AppOptions};

/// The demo case, generated and analysed once per test run. The file is
/// copied per test, since opening it stores the layout.
fn demo_case() -> &'static Path {
    static CASE: OnceLock<PathBuf> = OnceLock::new();
    CASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        common::analysed_case(&dir, Scenario::Demo, 1)
    })
}

fn harness_on_demo(dir: &Path) -> Harness<'static, App> {
    let case = dir.join("demo.hcase");
    std::fs::copy(demo_case(), &case).unwrap();
    let mut harness = harness_on(case, [1500.0, 950.0]);
    settle(&mut harness, |app| {
        app.loaded().is_some() && app.has_layout()
    });
    harness
}

/// The real app opening `case`, in a window of `size` points, without
/// touching the analyst's recent-cases list.
fn harness_on(case: PathBuf, size: [f32; 2]) -> Harness<'static, App> {
    let app = App::new(
        egui::Context::default(),
        AppOptions {
            case: Some(case),
            remember: false,
            settings: Default::default(),
        },
    );
    Harness::builder()
        .with_size(size)
        .with_max_steps(100)
        .build_ui_state(|ui, app: &mut App| app.show(ui), app)
}

/// Steps until a widget labelled `label` is on screen (a window appears
/// a frame or two after it is asked for).
fn step_until_shown(harness: &mut Harness<'static, App>, label: &str) {
    for _ in 0..10 {
        harness.step();
        if harness.query_by_label(label).is_some() {
            return;
        }
    }
    panic!("{label:?} never appeared");
}

/// Steps until `done` holds and no background work is pending.
fn settle(harness: &mut Harness<'static, App>, done: impl Fn(&App) -> bool) {
    let started = Instant::now();
    loop {
        harness.step();
        let app = harness.state();
        if let Some(failure) = app.failure() {
            panic!("the workbench failed: {failure}");
        }
        if done(app) && !app.busy() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the workbench did not settle: cluster {:?}, account {:?}, busy {}, status {:?}",
            app.view().cluster,
            app.view().account,
            app.busy(),
            app.status()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // A few more frames so every panel shows the answers.
    for _ in 0..3 {
        harness.step();
    }
}

/// A real pointer click (press and release) at `pos`.
fn click_at(harness: &mut Harness<'static, App>, pos: egui::Pos2) {
    harness.hover_at(pos);
    harness.step();
    harness.drag_at(pos);
    harness.step();
    harness.drop_at(pos);
    harness.step();
}

/// A pointer drag from `start` to `end`, moved in six steps as a hand would.
fn drag_in_steps(harness: &mut Harness<'static, App>, start: egui::Pos2, end: egui::Pos2) {
    harness.hover_at(start);
    harness.step();
    harness.drag_at(start);
    harness.step();
    for i in 1..=6 {
        harness.hover_at(start + (end - start) * (i as f32 / 6.0));
        harness.step();
    }
    harness.drop_at(end);
}

/// Opens the bottom panel's tab `name` (the topmost widget of that name:
/// a table below may have a column called the same).
fn click_tab(harness: &mut Harness<'static, App>, name: &str) {
    let tab = harness
        .query_all_by_label(name)
        .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .unwrap_or_else(|| panic!("no tab {name:?}"))
        .rect();
    click_at(harness, tab.center());
    harness.step();
    harness.step();
}

/// Clicks the lowest widget labelled `label` (a table row's cell, when the
/// inspector above names the same thing).
fn click_lowest(harness: &mut Harness<'static, App>, label: &str) {
    let rect = harness
        .query_all_by_label(label)
        .max_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .unwrap_or_else(|| panic!("no {label:?}"))
        .rect();
    click_at(harness, rect.center());
}

/// The suspected campaign of the most clusters: (id, index, cluster ids).
fn widest_suspected_campaign(app: &App) -> (String, usize, Vec<String>) {
    let loaded = app.loaded().unwrap();
    let k = (0..loaded.campaigns.len())
        .filter(|&k| loaded.campaigns[k].suspected)
        .max_by_key(|&k| {
            (
                loaded.campaign_index.clusters[k].len(),
                std::cmp::Reverse(k),
            )
        })
        .expect("the demo case has a suspected campaign");
    let clusters = loaded.campaign_index.clusters[k]
        .iter()
        .map(|&c| loaded.clusters[c].id.clone())
        .collect();
    (loaded.campaigns[k].id.clone(), k, clusters)
}

fn snapshot_options() -> SnapshotOptions {
    // Software rasterisers differ a little in anti-aliasing.
    SnapshotOptions::new()
        .threshold(2.0)
        .max_failed_pixels(2_000)
}

#[test]
fn workbench_opens_the_demo_case_with_its_graph_laid_out_and_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let app = harness.state();
    let loaded = app.loaded().unwrap();
    assert_eq!(loaded.accounts.len(), 1988);
    assert!(!loaded.clusters.is_empty());
    harness.get_by_label("Colour by");
    harness.get_by_label("Timelines");
    harness.snapshot_options("workbench_demo", &snapshot_options());
    // The layout was stored: reopening reads it instead of computing it.
    let case = Case::open_read_only(&tmp.path().join("demo.hcase")).unwrap();
    assert_eq!(
        case.stored_layout(1988).unwrap().map(|p| p.len()),
        Some(1988)
    );
}

#[test]
fn selecting_a_cluster_in_the_table_shows_it_in_the_inspector() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let top = harness.state().loaded().unwrap().clusters[0].clone();
    assert!(
        top.suspected,
        "the demo's top cluster is a suspected campaign"
    );
    click_tab(&mut harness, "Clusters");
    let row = harness.get_by_label(&top.id).rect();
    click_at(&mut harness, row.center());
    settle(&mut harness, |app| app.view().cluster == Some(0));
    harness.get_by_label(&format!("Cluster {}", top.id));
    harness.get_by_label("SUSPECTED");
    harness.get_by_label("Top prompt templates");
    harness.snapshot_options("workbench_cluster_selected", &snapshot_options());
}

#[test]
fn searching_an_account_id_selects_that_account_and_lists_its_links() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let loaded = harness.state().loaded().unwrap();
    // An account in the top cluster: it has links.
    let target = loaded.clusters[0].members[0];
    let id = loaded.accounts[target as usize].account_id.clone();
    let search = harness.get_by_role(egui::accesskit::Role::TextInput);
    search.click();
    harness.step();
    harness
        .get_by_role(egui::accesskit::Role::TextInput)
        .type_text(&id);
    harness.step();
    harness.get_by_label("Search").click();
    settle(&mut harness, |app| app.view().account == Some(target));
    assert_eq!(harness.state().view().search_hits, vec![target]);
    harness.get_by_label(&format!("Account {id}"));
    harness.get_by_label_contains("strongest first");
}

#[test]
fn brushing_a_time_range_keeps_only_accounts_active_then() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    click_tab(&mut harness, "Timelines");
    // The all-traffic plot fills the timeline panel under its chart picker.
    let picker = harness.get_by_label("Requests / hour").rect();
    let y = picker.bottom() + 80.0;
    let start = egui::pos2(picker.left() + 200.0, y);
    let end = egui::pos2(picker.left() + 420.0, y);
    drag_in_steps(&mut harness, start, end);
    settle(&mut harness, |app| app.view().active_in_range.is_some());
    let view = harness.state().view();
    let (first, last) = view.time_range.expect("a brushed range");
    assert!(first < last, "{first}..{last}");
    let active = view.active_in_range.as_ref().unwrap();
    let count = active.iter().filter(|a| **a).count();
    assert!(
        count > 0 && count < active.len(),
        "{count} of {} active",
        active.len()
    );
    harness.get_by_label("Clear time range");
    // The cluster table keeps only clusters with a member active then.
    click_tab(&mut harness, "Clusters");
    harness.step();
    harness.step();
    harness.get_by_label_contains("active in the brushed time range");
}

#[test]
fn switching_off_an_evidence_type_hides_its_links() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    assert!(harness.state().settings().hidden_kinds.is_empty());
    harness.get_by_label_contains("card (").click();
    harness.step();
    harness.step();
    assert!(harness.state().settings().hidden_kinds.contains("card"));
    harness.get_by_label_contains("card (").click();
    harness.step();
    harness.step();
    assert!(harness.state().settings().hidden_kinds.is_empty());
}

#[test]
fn a_case_that_is_not_a_case_file_shows_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let bogus = tmp.path().join("notes.hcase");
    std::fs::write(&bogus, "not sqlite").unwrap();
    let mut harness = harness_on(bogus, [1000.0, 700.0]);
    let started = Instant::now();
    while harness.state().failure().is_none() {
        harness.step();
        assert!(started.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(10));
    }
    harness.step();
    assert!(
        harness
            .query_all_by_label_contains("not a Hydrascope case file")
            .next()
            .is_some()
    );
}

/// A file dropped on the window, as the windowing layer hands it to egui.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

#[test]
fn dropping_a_case_on_the_window_opens_it_and_other_files_are_refused_with_a_message() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let notes = tmp.path().join("notes.txt");
    std::fs::write(&notes, "not a case").unwrap();
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(notes)));
    harness.step();
    let status = harness.state().status().unwrap_or_default().to_string();
    assert!(
        status.contains("notes.txt") && status.contains(".hcase"),
        "{status}"
    );
    assert!(
        harness.state().loaded().is_some(),
        "the open case stays open"
    );
    let other = tmp.path().join("other.hcase");
    std::fs::copy(demo_case(), &other).unwrap();
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(other.clone())));
    // A case dropped on an open one: open it, or merge it in.
    step_until_shown(&mut harness, "Merge it into this case");
    harness.get_by_label("Open it").click();
    settle(&mut harness, |app| {
        app.loaded().is_some_and(|l| l.path == other) && app.has_layout()
    });
}

#[test]
fn a_dropped_case_merges_in_and_conflicts_are_resolved_side_by_side() {
    let tmp = tempfile::tempdir().unwrap();
    let ours = tmp.path().join("demo.hcase");
    std::fs::copy(demo_case(), &ours).unwrap();
    let theirs = tmp.path().join("bob.hcase");
    std::fs::copy(demo_case(), &theirs).unwrap();
    let cluster = {
        let case = Case::open(&ours).unwrap();
        let mut clusters = case.stored_clusters().unwrap().unwrap();
        clusters.retain(|c| c.suspected);
        clusters[0].id.clone()
    };
    for (path, label, analyst) in [
        (&ours, "Lab A reasoning", "alice"),
        (&theirs, "Lab B coding", "bob"),
    ] {
        let case = Case::open(path).unwrap();
        let patch = TagPatch {
            label: Some(label.into()),
            ..Default::default()
        };
        case.tag_clusters(
            &Who::named(analyst, Origin::Cli),
            std::slice::from_ref(&cluster),
            &patch,
            None,
        )
        .unwrap();
    }
    let mut harness = harness_on(ours.clone(), [1500.0, 950.0]);
    settle(&mut harness, |app| {
        app.loaded().is_some() && app.has_layout()
    });
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(theirs.clone())));
    step_until_shown(&mut harness, "Merge it into this case");
    harness.get_by_label("Merge it into this case").click();
    settle(&mut harness, |app| !app.conflicts().is_empty());
    // Both sides, field by field, with the difference named.
    harness.get_by_label("Lab A reasoning");
    harness.get_by_label("Lab B coding");
    assert_eq!(harness.state().conflicts()[0].fields, ["label"]);
    let tags = harness.state().loaded().unwrap().casework.tags.len();
    assert_eq!(tags, 2, "nothing of either side is lost");
    harness.get_by_label("Keep theirs").click();
    settle(&mut harness, |app| {
        app.conflicts()[0].status == hydrascope::case::merge::ConflictStatus::KeptTheirs
    });
    let loaded = harness.state().loaded().unwrap();
    let labels: Vec<&str> = loaded
        .casework
        .tags
        .iter()
        .map(|t| t.label.as_str())
        .collect();
    assert_eq!(labels, ["Lab B coding"]);
    // The resolution is case work like any other: Ctrl+Z brings ours back.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness, |app| {
        app.loaded().is_some_and(|l| l.casework.tags.len() == 2)
    });
}

#[test]
fn saving_the_view_as_a_picture_writes_what_the_graph_shows_at_twice_the_resolution() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    harness
        .state_mut()
        .push_command(Command::OpenShare(ShareKind::Picture));
    step_until_shown(&mut harness, "Save");
    harness.get_by_label("Save").click();
    settle(&mut harness, |app| {
        app.status().is_some_and(|s| s.starts_with("Saved"))
    });
    let out = tmp.path().join("demo-graph.png");
    let image = image::open(&out).unwrap().to_rgba8();
    let graph = harness.state().graph_rect().unwrap();
    assert_eq!(
        (image.width(), image.height()),
        (
            (graph.width() * 2.0).round() as u32,
            ((graph.height() + hydrascope::render::CAPTION_HEIGHT) * 2.0).round() as u32
        )
    );
    // A case exported redacted says so in the workbench.
    let redacted = tmp.path().join("redacted.hcase");
    hydrascope::case::export::export_case(
        &tmp.path().join("demo.hcase"),
        &redacted,
        &hydrascope::case::export::ExportOptions {
            redact: Some(hydrascope::case::export::RedactionKey::from_secret(
                b"workbench test secret",
            )),
            ..Default::default()
        },
        &Who::named("alice", Origin::Cli),
        &hydrascope::base::Progress::default(),
    )
    .unwrap();
    let mut harness = harness_on(redacted, [1500.0, 950.0]);
    settle(&mut harness, |app| {
        app.loaded().is_some() && app.has_layout()
    });
    harness.get(egui_kittest::kittest::By::new().label_contains("Redacted export (key"));
}

#[test]
fn shift_dragging_a_box_selects_the_accounts_inside_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let toolbar = harness.get_by_label("Colour by").rect();
    let tabs = harness.get_by_label("Timelines").rect();
    // A box over the middle of the graph, where the clusters are.
    let (top, bottom) = (toolbar.bottom(), tabs.top());
    let middle = egui::pos2(toolbar.left() + 380.0, (top + bottom) / 2.0);
    let start = middle - egui::vec2(120.0, 120.0);
    let end = middle + egui::vec2(120.0, 120.0);
    harness.event(egui::Event::ModifiersChanged(egui::Modifiers::SHIFT));
    drag_in_steps(&mut harness, start, end);
    harness.step();
    harness.event(egui::Event::ModifiersChanged(egui::Modifiers::NONE));
    settle(&mut harness, |app| !app.view().accounts.is_empty());
    let picked = harness.state().view().accounts.len();
    assert!(picked > 10 && picked < 1988, "{picked} accounts in the box");
    harness.get_by_label(&format!("{picked} accounts selected"));
}

#[test]
fn focusing_a_cluster_shows_only_it_and_its_one_hop_neighbours() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let top = harness.state().loaded().unwrap().clusters[0].clone();
    click_tab(&mut harness, "Clusters");
    let row = harness.get_by_label(&top.id).rect();
    click_at(&mut harness, row.center());
    settle(&mut harness, |app| app.view().cluster == Some(0));
    harness.get_by_label("Focus").click();
    settle(&mut harness, |app| app.view().focus == Some(0));
    // The legend (folded on a graph this small: open it) counts what is
    // shown: some, not all, of the accounts.
    harness.get_by_label("Legend").click();
    harness.run_steps(3);
    harness.get_by_label_contains("of 1,988 accounts");
    assert!(
        harness
            .query_by_label_contains("1,988 of 1,988 accounts")
            .is_none(),
        "focus shows the cluster and its neighbours only"
    );
    harness.get_by_label_contains("show all").click();
    settle(&mut harness, |app| app.view().focus.is_none());
    harness.get_by_label_contains("1,988 of 1,988 accounts");
}

/// The text field on the same row as the label `label` (a dialog's field).
fn type_into_field(harness: &mut Harness<'static, App>, label: &str, text: &str) {
    let row = harness.get_by_label(label).rect();
    let field = harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| {
            (n.rect().center().y - row.center().y).abs() < 8.0 && n.rect().left() > row.left()
        })
        .unwrap_or_else(|| panic!("no text field next to {label:?}"));
    field.click();
    harness.step();
    let field = harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| {
            (n.rect().center().y - row.center().y).abs() < 8.0 && n.rect().left() > row.left()
        })
        .unwrap();
    field.type_text(text);
    harness.step();
}

fn select_top_cluster_in_table(harness: &mut Harness<'static, App>) -> String {
    let top = harness.state().loaded().unwrap().clusters[0].id.clone();
    click_tab(harness, "Clusters");
    let row = harness.get_by_label(&top).rect();
    click_at(harness, row.center());
    settle(harness, |app| app.view().cluster == Some(0));
    top
}

#[test]
fn tagging_a_cluster_in_the_workbench_shows_it_in_the_table_and_ctrl_z_undoes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let top = select_top_cluster_in_table(&mut harness);
    harness.get_by_label("Not tagged");
    harness.get_by_label("Tag as campaign…").click();
    // The click, the dialog's sizing pass, then it is shown.
    harness.run_steps(4);
    // First time: the dialog asks who is tagging.
    type_into_field(&mut harness, "Your name", "alice");
    type_into_field(&mut harness, "Campaign label", "Lab C agentic coding");
    harness.get_by_label("confirmed").click();
    harness.step();
    harness.get_by_label("Save tag").click();
    settle(&mut harness, |app| {
        app.history().iter().any(|e| e.action == "tag.create")
    });
    // In the case file, attributed, and in every view.
    let case = Case::open_read_only(&harness.state().loaded().unwrap().path).unwrap();
    let tags = case.casework_state().unwrap().tags;
    assert_eq!(tags.len(), 1);
    assert_eq!(tags[0].cluster.as_deref(), Some(top.as_str()));
    assert_eq!(
        (tags[0].label.as_str(), tags[0].analyst.as_str()),
        ("Lab C agentic coding", "alice")
    );
    assert_eq!(tags[0].status.name(), "confirmed");
    assert_eq!(
        harness.state().settings().analyst,
        "alice",
        "the name is asked once"
    );
    harness.get_by_label("Lab C agentic coding (confirmed)");
    harness.get_by_label("Edit tag…");
    harness.snapshot_options("workbench_cluster_tagged", &snapshot_options());

    // Ctrl+Z while typing in a text field is the field's own undo.
    harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .next()
        .unwrap()
        .click();
    harness.step();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    harness.run_steps(3);
    assert!(!harness.state().busy());
    assert_eq!(case.casework_state().unwrap().tags.len(), 1);
    // Leave the field: a click on empty graph space.
    let empty = harness.get_by_label("Colour by").rect().left_bottom() + egui::vec2(500.0, 400.0);
    click_at(&mut harness, empty);

    // Ctrl+Z takes it back; Ctrl+Shift+Z brings it back.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness, |app| {
        app.history().iter().any(|e| e.action == "undo")
    });
    assert!(case.casework_state().unwrap().tags.is_empty());
    assert!(
        harness
            .query_by_label("Lab C agentic coding (confirmed)")
            .is_none()
    );
    harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    settle(&mut harness, |app| {
        app.history().iter().any(|e| e.action == "redo")
    });
    assert_eq!(case.casework_state().unwrap().tags.len(), 1);
    // In the table (and, with nothing selected, in the campaign overview).
    assert!(
        harness
            .query_all_by_label("Lab C agentic coding (confirmed)")
            .count()
            >= 1
    );
    // The History panel lists all three with who did them.
    click_tab(&mut harness, "History");
    assert!(harness.query_all_by_label("alice").count() >= 3);
    assert!(harness.query_all_by_label_contains("Undid #").count() >= 1);
}

#[test]
fn a_tag_written_by_the_command_line_appears_in_an_open_workbench() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let top = select_top_cluster_in_table(&mut harness);
    let path = harness.state().loaded().unwrap().path.clone();
    let (code, _, err) = common::run(&[
        "tag",
        path.to_str().unwrap(),
        "--cluster",
        &top,
        "--label",
        "seen from the CLI",
        "--analyst",
        "bob",
    ]);
    assert_eq!(code, 0, "{err}");
    // The writer looks for other writers' commits every second.
    let started = Instant::now();
    while harness.query_by_label("seen from the CLI (open)").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the workbench never saw the tag"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        harness
            .state()
            .status()
            .unwrap_or_default()
            .contains("another writer")
    );
}

#[test]
fn merging_a_cluster_in_the_inspector_moves_its_accounts_and_undo_restores_them() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let (first, second, sizes) = {
        let loaded = harness.state().loaded().unwrap();
        (
            loaded.clusters[0].id.clone(),
            loaded.clusters[1].id.clone(),
            (
                loaded.clusters[0].members.len(),
                loaded.clusters[1].members.len(),
            ),
        )
    };
    select_top_cluster_in_table(&mut harness);
    let field = harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| {
            n.rect().left() > harness.get_by_label("Merge into").rect().left() - 120.0
                && (n.rect().center().y - harness.get_by_label("Merge into").rect().center().y)
                    .abs()
                    < 8.0
        })
        .unwrap();
    field.click();
    harness.step();
    harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .find(|n| n.is_focused())
        .unwrap()
        .type_text(&second);
    harness.step();
    harness.get_by_label("Merge into").click();
    settle(&mut harness, |app| {
        app.history().iter().any(|e| e.action == "members.merge")
    });
    let loaded = harness.state().loaded().unwrap();
    assert!(loaded.cluster_by_id(&first).is_none(), "merged away");
    let (_, merged) = loaded.cluster_by_id(&second).unwrap();
    assert_eq!(merged.members.len(), sizes.0 + sizes.1);
    assert!(loaded.casework.edited.contains(&second));
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness, |app| {
        app.history().iter().any(|e| e.action == "undo")
    });
    let loaded = harness.state().loaded().unwrap();
    assert_eq!(
        loaded.cluster_by_id(&first).unwrap().1.members.len(),
        sizes.0
    );
    assert_eq!(
        loaded.cluster_by_id(&second).unwrap().1.members.len(),
        sizes.1
    );
}

#[test]
fn the_campaign_table_comes_first_and_a_click_selects_the_campaign_everywhere() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    // An analysed case opens on its campaigns, suspected first.
    harness.get_by_label_contains("suspected distillation campaigns (");
    let (id, k, clusters) = widest_suspected_campaign(harness.state());
    assert!(clusters.len() >= 2, "{id} groups several clusters");
    let loaded = harness.state().loaded().unwrap();
    let first_row = (0..loaded.campaigns.len())
        .find(|&i| loaded.campaigns[i].suspected)
        .unwrap();
    assert_eq!(
        first_row, 0,
        "the strongest suspected campaign is listed first"
    );
    let members = loaded.campaign_members(k).to_vec();
    click_lowest(&mut harness, &id);
    settle(&mut harness, |app| app.view().campaign == Some(k));
    let app = harness.state();
    assert_eq!(app.view().cluster, None);
    // The timelines and mixes describe the campaign's accounts.
    assert!(app.view().accounts.is_empty());
    harness.get_by_label(&format!("Campaign {id}"));
    harness.get_by_label("SUSPECTED");
    harness.get_by_label("Top prompt templates");
    harness.get_by_label(&format!("Accounts ({})", members.len()));
    harness.snapshot_options("workbench_campaign_selected", &snapshot_options());
    // Its clusters are listed; a click selects one, which names its campaign.
    let loaded = harness.state().loaded().unwrap();
    let (ci, cluster) = loaded.cluster_by_id(&clusters[1]).unwrap();
    let facts = hydrascope::views::model::cluster_facts(cluster);
    // The list may start below the inspector's fold (long reasons above it).
    harness.get_by_label(&facts).scroll_to_me();
    for _ in 0..3 {
        harness.step();
    }
    harness.get_by_label(&facts).click();
    settle(&mut harness, |app| app.view().cluster == Some(ci));
    assert_eq!(harness.state().view().campaign, None);
    harness.get_by_label("Part of suspected campaign");
    // And the campaign is one click away again (at the inspector's top,
    // which may have been scrolled past to reach the cluster list).
    let topmost = |harness: &Harness<'static, App>| {
        harness
            .query_all_by_label(&id)
            .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
            .unwrap()
            .rect()
    };
    let rect = topmost(&harness);
    harness
        .query_all_by_label(&id)
        .find(|n| n.rect() == rect)
        .unwrap()
        .scroll_to_me();
    for _ in 0..3 {
        harness.step();
    }
    let at = topmost(&harness).center();
    click_at(&mut harness, at);
    settle(&mut harness, |app| app.view().campaign == Some(k));
    // Back goes to the cluster followed from the campaign, then to the
    // campaign, then to nothing; Forward returns.
    harness.get_by_label("Back").click();
    settle(&mut harness, |app| app.view().cluster == Some(ci));
    assert_eq!(harness.state().view().campaign, None);
    harness.get_by_label("Back").click();
    settle(&mut harness, |app| app.view().campaign == Some(k));
    harness.get_by_label("Back").click();
    settle(&mut harness, |app| {
        app.view().campaign.is_none() && app.view().cluster.is_none()
    });
    harness.get_by_label("Forward").click();
    settle(&mut harness, |app| app.view().campaign == Some(k));
    harness.get_by_label("Forward").click();
    settle(&mut harness, |app| app.view().cluster == Some(ci));
}

#[test]
fn the_graph_coloured_by_campaign_names_the_suspected_campaigns_in_its_legend() {
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("demo.hcase");
    std::fs::copy(demo_case(), &case).unwrap();
    let app = App::new(
        egui::Context::default(),
        AppOptions {
            case: Some(case),
            remember: false,
            settings: hydrascope::views::state::ViewSettings {
                color_by: hydrascope::views::state::ColorBy::Cluster,
                bottom_tab: hydrascope::views::state::BottomTab::Timelines,
                legend: hydrascope::views::state::LegendMode::Shown,
                ..Default::default()
            },
        },
    );
    let mut harness = Harness::builder()
        .with_size([1500.0, 950.0])
        .with_max_steps(100)
        .build_ui_state(|ui, app: &mut App| app.show(ui), app);
    settle(&mut harness, |app| {
        app.loaded().is_some() && app.has_layout()
    });
    harness.get_by_label("one colour per cluster");
    // Colour by: Campaign.
    harness
        .get(
            egui_kittest::kittest::By::new()
                .role(egui::accesskit::Role::ComboBox)
                .value("Cluster"),
        )
        .click();
    harness.run_steps(2);
    harness.get_by_label("Campaign").click();
    harness.run_steps(3);
    assert_eq!(
        harness.state().settings().color_by,
        hydrascope::views::state::ColorBy::Campaign
    );
    let loaded = harness.state().loaded().unwrap();
    let suspected: Vec<String> = loaded
        .campaigns
        .iter()
        .enumerate()
        .filter(|(_, c)| c.suspected)
        .map(|(k, c)| {
            format!(
                "{} · {} accounts · score {:.2}",
                c.id,
                loaded.campaign_members(k).len(),
                c.score
            )
        })
        .collect();
    assert!(!suspected.is_empty());
    for entry in &suspected {
        harness.get_by_label(entry);
    }
    harness.get_by_label("campaign not suspected");
    harness.get_by_label("cluster in no campaign");
    harness.get_by_label("Campaign outlines");
    harness.snapshot_options("workbench_graph_by_campaign", &snapshot_options());
}

#[test]
fn tagging_a_campaign_tags_all_its_clusters_in_one_action_and_ctrl_z_undoes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let (id, k, clusters) = widest_suspected_campaign(harness.state());
    click_lowest(&mut harness, &id);
    settle(&mut harness, |app| app.view().campaign == Some(k));
    harness.get_by_label("Tag campaign…").click();
    harness.run_steps(4);
    harness.get_by_label(&format!("Tag campaign {id} ({} clusters)", clusters.len()));
    type_into_field(&mut harness, "Your name", "alice");
    type_into_field(&mut harness, "Campaign label", "Lab B reasoning");
    harness.get_by_label("Save tag").click();
    settle(&mut harness, |app| {
        app.history().iter().any(|e| e.action == "tag.create")
    });
    let path = harness.state().loaded().unwrap().path.clone();
    let case = Case::open_read_only(&path).unwrap();
    let tags = case.casework_state().unwrap().tags;
    let mut tagged: Vec<String> = tags.iter().filter_map(|t| t.cluster.clone()).collect();
    tagged.sort();
    let mut expected = clusters.clone();
    expected.sort();
    assert_eq!(
        tagged, expected,
        "every cluster of the campaign, nothing else"
    );
    assert!(tags.iter().all(|t| t.label == "Lab B reasoning"));
    // One action in the history, naming the campaign.
    let entries: Vec<_> = harness
        .state()
        .history()
        .iter()
        .filter(|e| e.action == "tag.create")
        .collect();
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0].summary.starts_with(&format!(
            "Tagged campaign {id} ({} clusters",
            clusters.len()
        )),
        "{}",
        entries[0].summary
    );
    // The table and the inspector show the campaign's tag.
    harness.get_by_label("Lab B reasoning (open)");
    harness.get_by_label("Edit campaign tag…");
    // One Ctrl+Z takes the whole action back.
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness, |app| {
        app.history().iter().any(|e| e.action == "undo")
    });
    assert!(case.casework_state().unwrap().tags.is_empty());
    harness.get_by_label("Tag campaign…");
}

#[test]
fn an_analysis_rerun_from_the_workbench_is_logged_as_the_workbenchs_and_the_command_lines_as_its_own()
 {
    let dir = tempfile::tempdir().unwrap();
    let case = common::generated_case(dir.path(), Scenario::Tiny, 3);
    let (code, _, stderr) = common::run(&["analyze", case.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    // The app itself, driven frame by frame: what is drawn does not matter.
    let ctx = egui::Context::default();
    let mut app = App::new(
        ctx.clone(),
        AppOptions {
            case: Some(case.clone()),
            remember: false,
            settings: Default::default(),
        },
    );
    let frames_until = |app: &mut App, done: &dyn Fn(&App) -> bool| {
        let started = Instant::now();
        while !done(app) || app.busy() {
            assert!(app.failure().is_none(), "{:?}", app.failure());
            assert!(started.elapsed() < Duration::from_secs(60), "never settled");
            let _ = ctx.run_ui(egui::RawInput::default(), |ui| app.show(ui));
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    frames_until(&mut app, &|app| app.loaded().is_some_and(|l| l.analysed));
    app.push_command(Command::RerunAnalysis(Default::default()));
    frames_until(&mut app, &|app| {
        app.history()
            .iter()
            .filter(|e| e.action == "analysis")
            .count()
            == 2
    });
    drop(app);
    let origins: Vec<String> = Case::open_read_only(&case)
        .unwrap()
        .audit_log(None)
        .unwrap()
        .into_iter()
        .filter(|r| r.entry.action == "analysis")
        .map(|r| r.entry.origin)
        .collect();
    assert_eq!(origins, ["cli", "workbench"]);
}

/// A demo case with five suspected campaigns (the evasive demo), generated
/// and analysed once per test run.
fn five_campaign_case() -> &'static Path {
    static CASE: OnceLock<PathBuf> = OnceLock::new();
    CASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        common::analysed_case(&dir, Scenario::DemoEvasive, 1)
    })
}

/// Whether campaign `id` has its name on the graph in the last frame.
fn is_named(app: &App, id: &str) -> bool {
    app.graph_view()
        .campaign_labels()
        .iter()
        .any(|l| l.id == id)
}

/// Every outlined campaign of the last frame has its name, clear of every
/// other campaign's outline and of the other names, and tied to its own
/// outline: right against it, or by a leader line that ends on it.
fn assert_names_placed_like_a_map(app: &App, at: &str) -> usize {
    assert_names_placed(app, at, true)
}

/// [`assert_names_placed_like_a_map`]; with `all_named` false, an outline
/// may go without a name (zoomed in, a neighbour cut by the view's edge has
/// no room for one: names are left out by priority).
fn assert_names_placed(app: &App, at: &str, all_named: bool) -> usize {
    use hydrascope::views::labels::{hull_meets_rect, nearest_on_hull};
    let graph = app.graph_view();
    let outlines = graph.outlines();
    let labels = graph.campaign_labels();
    let loaded = app.loaded().unwrap();
    let suspected = loaded.campaigns.iter().filter(|c| c.suspected).count();
    assert!(
        !all_named || outlines.len() >= suspected.min(5),
        "{at}: {} outlines",
        outlines.len()
    );
    for (k, _) in outlines.iter().filter(|_| all_named) {
        assert!(
            labels.iter().any(|l| l.campaign == *k),
            "{at}: {} has no name",
            loaded.campaigns[*k].id
        );
    }
    for (i, label) in labels.iter().enumerate() {
        for (k, hull) in outlines {
            if *k != label.campaign {
                assert!(
                    !hull_meets_rect(hull, label.plate),
                    "{at}: {}'s name lies over {}'s outline",
                    label.id,
                    loaded.campaigns[*k].id
                );
            }
        }
        for other in &labels[i + 1..] {
            assert!(!label.plate.intersects(other.plate), "{at}: names overlap");
        }
        let (_, own) = outlines
            .iter()
            .find(|(k, _)| *k == label.campaign)
            .expect("a name belongs to an outline");
        let near = |p: egui::Pos2| nearest_on_hull(own, p).unwrap().distance(p);
        match label.leader {
            Some((on_plate, on_outline)) => {
                assert!(label.plate.expand(0.5).contains(on_plate), "{at}");
                assert!(
                    near(on_outline) < 0.5,
                    "{at}: {}'s leader misses its outline",
                    label.id
                );
            }
            None => {
                let closest = near(
                    label
                        .plate
                        .clamp(nearest_on_hull(own, label.plate.center()).unwrap()),
                );
                assert!(
                    closest < 8.0,
                    "{at}: {}'s name is {closest} from its outline with no leader",
                    label.id
                );
            }
        }
    }
    labels.len()
}

#[test]
fn campaign_names_sit_by_their_own_outlines_at_1280x720_and_after_a_tag() {
    campaign_names_at([1280.0, 720.0], "workbench_campaigns_1280x720");
}

#[test]
fn campaign_names_sit_by_their_own_outlines_at_1600x1000_and_after_a_tag() {
    campaign_names_at([1600.0, 1000.0], "workbench_campaigns_1600x1000");
}

/// The overview of five suspected campaigns in a window of `size`: every
/// name placed like a map's, before and after a campaign is tagged (its
/// name grows), with snapshots of both.
fn campaign_names_at(size: [f32; 2], name: &str) {
    let tmp = tempfile::tempdir().unwrap();
    {
        let case = tmp.path().join(format!("{name}.hcase"));
        std::fs::copy(five_campaign_case(), &case).unwrap();
        let mut harness = harness_on(case.clone(), size);
        settle(&mut harness, |app| {
            app.loaded().is_some() && app.has_layout()
        });
        let suspected = harness
            .state()
            .loaded()
            .unwrap()
            .campaigns
            .iter()
            .filter(|c| c.suspected)
            .count();
        assert!(suspected >= 5, "{suspected} suspected campaigns");
        harness.snapshot_options(name, &snapshot_options());
        let named = assert_names_placed_like_a_map(harness.state(), name);
        assert!(named >= 5, "{name}: {named} names");

        // Tagging a campaign lengthens its name; it keeps a place.
        let (id, _, clusters) = widest_suspected_campaign(harness.state());
        Case::open(&case)
            .unwrap()
            .tag_campaign(
                &Who::named("alice", Origin::Cli),
                &id,
                &clusters,
                &TagPatch {
                    label: Some("Lab C agentic coding".into()),
                    ..Default::default()
                },
                None,
            )
            .unwrap();
        settle(&mut harness, |app| {
            app.loaded().is_some_and(|l| !l.casework.tags.is_empty())
        });
        harness.run_steps(3);
        assert_names_placed_like_a_map(harness.state(), &format!("{name}, tagged"));
        assert!(
            is_named(harness.state(), &id),
            "{name}: the tagged campaign lost its name"
        );
        harness.snapshot_options(format!("{name}_tagged"), &snapshot_options());

        // Zoomed on the tagged campaign: its name still by its own outline.
        harness
            .state_mut()
            .push_command(Command::SelectCampaign(Some(id.clone())));
        settle(&mut harness, |app| {
            app.loaded()
                .and_then(|l| l.campaign_by_id(&id))
                .is_some_and(|(k, _)| app.view().campaign == Some(k))
        });
        harness.run_steps(3);
        assert_names_placed(harness.state(), &format!("{name}, zoomed"), false);
        assert!(
            is_named(harness.state(), &id),
            "{name}: the selected campaign has no name"
        );
        harness.snapshot_options(format!("{name}_zoomed"), &snapshot_options());
    }
}

#[test]
fn the_rerun_dialog_closes_on_cancel_and_on_escape_and_leaves_the_selection() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let (id, k, _) = widest_suspected_campaign(harness.state());
    click_lowest(&mut harness, &id);
    settle(&mut harness, |app| app.view().campaign == Some(k));
    for close in ["Cancel", "Escape"] {
        harness.get_by_label("Analysis").click();
        harness.run_steps(2);
        harness.get_by_label("Re-run analysis…").click();
        step_until_shown(&mut harness, "Run");
        if close == "Cancel" {
            harness.get_by_label("Cancel").click();
        } else {
            harness.key_press(egui::Key::Escape);
        }
        harness.run_steps(3);
        assert!(
            harness.query_by_label("Run").is_none(),
            "{close} left it open"
        );
        assert_eq!(
            harness.state().view().campaign,
            Some(k),
            "{close} cleared the selection"
        );
    }
}

#[test]
fn why_related_shows_the_chains_from_an_account_to_another_and_selects_one() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let loaded = harness.state().loaded().unwrap();
    // An account of a cluster, and the member of that cluster whose
    // shortest chain from it is longest: two links or more.
    let n = loaded.accounts.len();
    let (from, to, expected) = loaded
        .clusters
        .iter()
        .filter(|c| c.members.len() >= 3)
        .find_map(|c| {
            let from = c.members[0];
            let (to, chain) = c
                .members
                .iter()
                .filter_map(|&b| {
                    let p = hydrascope::analysis::why::evidence_paths(
                        n,
                        &loaded.links.links,
                        &[from],
                        &[b],
                    );
                    Some((b, p.shortest?))
                })
                .max_by_key(|(b, chain)| (chain.len(), std::cmp::Reverse(*b)))?;
            (chain.len() >= 3).then_some((from, to, chain))
        })
        .expect("a cluster whose accounts are not all linked to each other");
    assert!(
        expected.len() >= 3,
        "a chain of two links or more: {expected:?}"
    );
    let from_id = loaded.account_name(from);
    let to_id = loaded.account_name(to);
    harness
        .state_mut()
        .push_command(Command::SelectAccount(Some(from)));
    settle(&mut harness, |app| app.view().account == Some(from));
    harness.get_by_label(&format!("Account {from_id}"));
    harness.get_by_label("Why related to…").click();
    harness.step();
    harness.step();
    // The field and its button are there; what they send is one command.
    harness.get_by_label("Find chains");
    harness.state_mut().push_command(Command::FindWhy {
        from: vec![from],
        to: to_id.clone(),
    });
    let shown = format!("Shortest: {} links", expected.len() - 1);
    let started = Instant::now();
    while harness.query_by_label_contains(&shown).is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{shown:?} not shown; status {:?}",
            harness.state().status()
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    // The chains are drawn on the graph, and the legend (opened) says
    // which is which.
    let mut settings = harness.state().settings().clone();
    settings.legend = hydrascope::views::state::LegendMode::Shown;
    harness
        .state_mut()
        .push_command(Command::Settings(settings));
    settle(&mut harness, |_| true);
    harness.get_by_label("Evidence chain: shortest");
    harness.snapshot_options("workbench_why_related", &snapshot_options());
    // "Select the chain" (the shortest's, listed first) selects its accounts.
    harness
        .query_all_by_label("Select the chain")
        .min_by(|a, b| a.rect().top().total_cmp(&b.rect().top()))
        .unwrap()
        .click();
    settle(&mut harness, |app| !app.view().accounts.is_empty());
    let mut selected = harness.state().view().accounts.clone();
    selected.sort_unstable();
    let mut sorted = expected.clone();
    sorted.sort_unstable();
    assert_eq!(selected, sorted);
    // The answer stays in the inspector with the chain selected; Clear
    // forgets it and the graph stops drawing it.
    assert!(harness.query_by_label_contains(&shown).is_some());
    harness.get_by_label("Clear").click();
    settle(&mut harness, |app| app.why_answer().is_none());
    assert!(harness.query_by_label("Evidence chain: shortest").is_none());
}

#[test]
fn the_graphs_context_menu_asks_why_an_account_is_related_to_the_selection() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let loaded = harness.state().loaded().unwrap();
    // A cluster of three or more: its first account selected, another one
    // right-clicked.
    let cluster = loaded
        .clusters
        .iter()
        .find(|c| c.members.len() >= 3)
        .expect("a cluster of three")
        .clone();
    let from = cluster.members[0];
    harness
        .state_mut()
        .push_command(Command::SelectAccount(Some(from)));
    settle(&mut harness, |app| app.view().account == Some(from));
    // Right-click on the account under another member of the cluster
    // (whichever account the pointer finds there).
    let world = harness.state().positions()[cluster.members[1] as usize];
    let at = harness
        .state()
        .graph_view()
        .screen_of(world)
        .expect("the graph was drawn");
    harness.hover_at(at);
    harness.step();
    let target = harness
        .state()
        .graph_view()
        .hovered()
        .expect("an account under the pointer");
    assert_ne!(
        target, from,
        "the selected account itself was under the pointer"
    );
    let target_id = harness.state().loaded().unwrap().account_name(target);
    for pressed in [true, false] {
        harness.event(egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Secondary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        });
        harness.step();
    }
    harness.step();
    harness.get_by_label("Select this account");
    harness
        .get_by_label("Why related to the selection?")
        .click();
    settle(&mut harness, |app| {
        app.why_answer().is_some_and(|w| w.chains.is_some())
    });
    let answer = harness.state().why_answer().unwrap();
    assert_eq!(answer.from, vec![from]);
    assert_eq!(answer.to, target_id);
    let chains = answer.chains.as_ref().unwrap();
    let shortest = chains.shortest.as_ref().expect("the cluster is linked");
    assert_eq!(shortest.accounts.first(), Some(&from));
    assert_eq!(shortest.accounts.last(), Some(&target));
}

#[test]
fn the_neighbourhood_grows_trims_and_isolates_the_selection_and_back_undoes_it() {
    use hydrascope::views::neighbourhood::{Grow, ShownLinks, grow};
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let loaded = harness.state().loaded().unwrap();
    // An account whose one-hop neighbourhood has a 2-core smaller than it
    // (some neighbour tied to the rest by one link only).
    let n = loaded.accounts.len();
    let settings = harness.state().settings().clone();
    let shown = ShownLinks::new(&loaded.links, &settings);
    let (account, one_hop, two_core) = (0..n as u32)
        .find_map(|a| {
            let one_hop = grow(&shown, n, &[a], Grow::OneHop);
            let two_core = grow(&shown, n, &one_hop, Grow::Core(2));
            (one_hop.len() >= 3 && !two_core.is_empty() && two_core != one_hop)
                .then_some((a, one_hop, two_core))
        })
        .expect("an account with a neighbourhood to trim");
    harness
        .state_mut()
        .push_command(Command::SelectAccount(Some(account)));
    settle(&mut harness, |app| app.view().account == Some(account));
    // From the inspector: one hop more.
    harness.get_by_label("Neighbourhood").click();
    harness.step();
    harness.step();
    harness.get_by_label("One hop more").click();
    settle(&mut harness, |app| !app.view().accounts.is_empty());
    assert_eq!(harness.state().view().accounts, one_hop);
    // Its 2-core, then only it on the graph.
    harness
        .state_mut()
        .push_command(Command::Grow(Grow::Core(2)));
    settle(&mut harness, |_| true);
    assert_eq!(harness.state().view().accounts, two_core);
    let selected = harness.state().view().accounts.clone();
    harness.state_mut().push_command(Command::Isolate(true));
    settle(&mut harness, |app| app.view().isolate);
    assert_eq!(
        harness.state().graph_view().shown_counts().0,
        selected.len(),
        "only the selection is shown"
    );
    harness.snapshot_options("workbench_neighbourhood", &snapshot_options());
    harness.get_by_label("Only the selection: show all").click();
    settle(&mut harness, |app| !app.view().isolate);
    assert!(harness.state().graph_view().shown_counts().0 > selected.len());
    // Back undoes the trimming, then the growing.
    harness.state_mut().push_command(Command::Back);
    settle(&mut harness, |_| true);
    assert_eq!(harness.state().view().accounts, one_hop);
    harness.state_mut().push_command(Command::Back);
    settle(&mut harness, |_| true);
    assert_eq!(harness.state().view().account, Some(account));
}

#[test]
fn playback_steps_and_plays_a_window_over_the_case_and_stop_shows_everything() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let first = harness.state().loaded().unwrap().hourly[0].hour;
    let all = harness.state().graph_view().shown_counts().0;
    // One window on from nothing: the case's first hour.
    harness.get_by_label("Next").click();
    settle(&mut harness, |app| app.view().active_in_range.is_some());
    assert_eq!(harness.state().view().time_range, Some((first, first)));
    let shown = harness.state().graph_view().shown_counts().0;
    assert!(
        shown < all,
        "only the accounts active in the first hour: {shown} of {all}"
    );
    // Played, it moves on by itself, one window at a time.
    harness.get_by_label("Play").click();
    let started = Instant::now();
    while harness
        .state()
        .view()
        .time_range
        .is_some_and(|(a, _)| a < first + 2)
    {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "playback did not move on"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
    let (a, b) = harness.state().view().time_range.unwrap();
    assert_eq!(b, a, "a window of one hour");
    harness.get_by_label("Pause").click();
    harness.step();
    let paused = harness.state().view().time_range;
    for _ in 0..5 {
        harness.step();
        std::thread::sleep(Duration::from_millis(200));
    }
    assert_eq!(
        harness.state().view().time_range,
        paused,
        "paused stays put"
    );
    harness.get_by_label("Stop").click();
    settle(&mut harness, |app| app.view().time_range.is_none());
    assert_eq!(harness.state().graph_view().shown_counts().0, all);
}

#[test]
fn journeys_show_a_banned_account_and_its_replacement_side_by_side() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    // Two accounts the analysis tied by a hand-off (one stopped, the other
    // took over): the pair the Journeys tab is for.
    let (a, b): (i64, i64) = rusqlite::Connection::open(tmp.path().join("demo.hcase"))
        .unwrap()
        .query_row(
            "SELECT a, b FROM link_evidence WHERE kind = 'hand_off' ORDER BY weight DESC, a, b LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let (a, b) = ((a - 1) as u32, (b - 1) as u32);
    harness
        .state_mut()
        .push_command(hydrascope::ui::command::Command::SelectAccounts(vec![a, b]));
    harness.step();
    click_tab(&mut harness, "Journeys");
    settle(&mut harness, |app| {
        app.settings().bottom_tab == hydrascope::views::state::BottomTab::Journeys
    });
    let loaded = harness.state().loaded().unwrap();
    let (id_a, id_b) = (
        loaded.accounts[a as usize].account_id.clone(),
        loaded.accounts[b as usize].account_id.clone(),
    );
    // "Hand-over: X stopped <when>, Y started <gap> later", either way.
    let shown = |x: &str, y: &str| {
        harness
            .query_by_label_contains(&format!("Hand-over: {x} stopped"))
            .is_some()
            && harness
                .query_by_label_contains(&format!("{y} started"))
                .is_some()
    };
    assert!(
        shown(&id_a, &id_b) || shown(&id_b, &id_a),
        "no hand-over shown between {id_a} and {id_b}"
    );
    assert!(harness.query_by_label_contains(" later").is_some());
    harness.snapshot_options("workbench_journeys", &snapshot_options());
}

#[test]
fn a_case_built_from_rollups_says_why_it_has_no_journeys_and_shows_the_rest() {
    // What `hydrascope spark` builds: every rollup, no single exchange.
    let tmp = tempfile::tempdir().unwrap();
    let case = tmp.path().join("demo.hcase");
    std::fs::copy(demo_case(), &case).unwrap();
    rusqlite::Connection::open(&case)
        .unwrap()
        .execute_batch(
            "DELETE FROM exchange_extra; DELETE FROM exchanges; \
             INSERT OR REPLACE INTO meta (key, value) VALUES ('exchanges_stored', 'no');",
        )
        .unwrap();
    let mut harness = harness_on(case, [1500.0, 950.0]);
    settle(&mut harness, |app| {
        app.loaded().is_some() && app.has_layout()
    });
    harness
        .state_mut()
        .push_command(hydrascope::ui::command::Command::SelectAccounts(vec![0, 1]));
    harness.step();
    click_tab(&mut harness, "Journeys");
    settle(&mut harness, |_| true);
    for _ in 0..50 {
        if harness
            .query_by_label_contains("No journeys to show")
            .is_some()
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
        harness.step();
    }
    let shown = harness
        .query_by_label_contains("No journeys to show")
        .expect("the Journeys tab says why it is empty");
    let text = format!("{shown:?}");
    assert!(text.contains("holds no single exchanges"), "{text}");
    // The graph and the clusters are all there.
    let loaded = harness.state().loaded().unwrap();
    assert!(!loaded.clusters.is_empty());
}

#[test]
fn the_networks_tab_shows_where_each_campaign_comes_from_and_a_cell_selects_its_accounts() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    click_tab(&mut harness, "Networks");
    settle(&mut harness, |app| app.networks_matrix().is_some());
    let matrix = harness.state().networks_matrix().unwrap().clone();
    assert!(!matrix.rows.is_empty());
    // The hydra's relay: its autonomous system is a row, and its traffic
    // comes from the suspected campaigns, not from everyone else alone.
    let relay = matrix
        .rows
        .iter()
        .position(|r| r == "AS209588")
        .unwrap_or_else(|| panic!("no relay ASN among {:?}", matrix.rows));
    harness.get_by_label("AS209588");
    harness.get_by_label("everyone else");
    let columns = matrix.column_totals.len();
    assert!(
        matrix.cells[relay][..columns - 1]
            .iter()
            .any(|c| c.exchanges > 0),
        "{:?}",
        matrix.cells[relay]
    );
    // A cell whose number is shown once: clicking it selects its accounts.
    let (r, c) = (0..matrix.rows.len())
        .flat_map(|r| (0..columns).map(move |c| (r, c)))
        .find(|&(r, c)| {
            let cell = &matrix.cells[r][c];
            !cell.accounts.is_empty()
                && harness
                    .query_all_by_label(&cell.exchanges.to_string())
                    .count()
                    == 1
        })
        .expect("a cell with a number of its own");
    let cell = matrix.cells[r][c].clone();
    harness.get_by_label(&cell.exchanges.to_string()).click();
    settle(&mut harness, |app| !app.view().accounts.is_empty());
    assert_eq!(harness.state().view().accounts, cell.accounts);
    // Billing countries are counted from the accounts themselves.
    harness.get_by_label("Billing countries").click();
    settle(&mut harness, |app| {
        app.networks_matrix()
            .is_some_and(|m| m.axis == hydrascope::views::networks::Axis::Country)
    });
    harness.snapshot_options("workbench_networks", &snapshot_options());
}

/// Types `text` into the text field on the left of the button `button`
/// (a field and its button on one row).
fn type_left_of(harness: &mut Harness<'static, App>, button: &str, text: &str) {
    let at = harness.get_by_label(button).rect();
    let find = |harness: &Harness<'static, App>| {
        harness
            .query_all_by_role(egui::accesskit::Role::MultilineTextInput)
            .chain(harness.query_all_by_role(egui::accesskit::Role::TextInput))
            .filter(|n| {
                let r = n.rect();
                r.top() <= at.center().y + 1.0
                    && r.bottom() >= at.center().y - 1.0
                    && r.right() <= at.left() + 1.0
            })
            .max_by(|a, b| a.rect().right().total_cmp(&b.rect().right()))
            .map(|n| n.rect())
    };
    let field = find(harness).unwrap_or_else(|| panic!("no text field left of {button:?}"));
    click_at(harness, field.center());
    harness
        .query_all_by_role(egui::accesskit::Role::MultilineTextInput)
        .chain(harness.query_all_by_role(egui::accesskit::Role::TextInput))
        .find(|n| n.rect() == field)
        .unwrap()
        .type_text(text);
    harness.step();
}

#[test]
fn a_note_and_a_saved_view_are_written_in_the_notes_tab_and_the_view_comes_back() {
    let tmp = tempfile::tempdir().unwrap();
    let mut harness = harness_on_demo(tmp.path());
    let top = select_top_cluster_in_table(&mut harness);
    click_tab(&mut harness, "Notes and views");
    harness.get_by_label_contains(&format!("new note on cluster {top}"));
    type_left_of(
        &mut harness,
        "Add note",
        "Same office card as the lab's crew",
    );
    harness.get_by_label("Add note").click();
    settle(&mut harness, |app| {
        app.history().iter().any(|e| e.action == "note.create")
    });
    let path = harness.state().loaded().unwrap().path.clone();
    let notes = Case::open_read_only(&path).unwrap().notes().unwrap();
    assert_eq!(notes.len(), 1);
    assert_eq!(
        notes[0].note.on,
        hydrascope::case::notes::NoteOn::Cluster { id: top.clone() }
    );
    assert_eq!(notes[0].note.text, "Same office card as the lab's crew");

    type_left_of(&mut harness, "Save view", "Top cluster");
    harness.get_by_label("Save view").click();
    settle(&mut harness, |app| {
        app.history().iter().any(|e| e.action == "view.create")
    });
    harness.get_by_label("Top cluster");
    // The note in the tab and in the inspector of its cluster.
    assert_eq!(
        harness
            .query_all_by_label("Same office card as the lab's crew")
            .count(),
        2
    );
    harness.snapshot_options("workbench_notes_and_views", &snapshot_options());

    // Elsewhere, then the view again: its cluster is selected once more.
    harness
        .state_mut()
        .push_command(hydrascope::ui::command::Command::SelectAccount(None));
    settle(&mut harness, |app| app.view().cluster.is_none());
    harness.get_by_label("Top cluster").click();
    settle(&mut harness, |app| app.view().cluster == Some(0));
    assert!(
        harness
            .state()
            .status()
            .is_some_and(|s| s.contains("Showing the view \"Top cluster\"")),
        "{:?}",
        harness.state().status()
    );
    // Ctrl+Z takes the saved view back out of the case.
    let empty = harness.get_by_label("Colour by").rect().left_bottom() + egui::vec2(500.0, 300.0);
    click_at(&mut harness, empty);
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    settle(&mut harness, |app| {
        app.history().iter().any(|e| e.action == "undo")
    });
    assert!(
        Case::open_read_only(&path)
            .unwrap()
            .saved_views()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_folder_of_logs_dropped_on_an_open_case_is_appended_and_the_case_read_again() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let (code, _, err) = common::run(&[
        "generate",
        "--scenario",
        "tiny",
        "--out",
        logs.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    // The last day's exchanges become a folder of their own (no accounts
    // file: an append needs none).
    let day = tmp.path().join("day");
    std::fs::create_dir_all(&day).unwrap();
    let text = std::fs::read_to_string(logs.join("exchanges.jsonl")).unwrap();
    let date = |line: &str| {
        let at = line.find("\"ts\":\"").unwrap() + 6;
        line[at..at + 10].to_string()
    };
    let last = text.lines().map(date).max().unwrap();
    let (later, earlier): (Vec<&str>, Vec<&str>) = text.lines().partition(|l| date(l) == last);
    std::fs::write(logs.join("exchanges.jsonl"), earlier.join("\n") + "\n").unwrap();
    std::fs::write(day.join("exchanges.jsonl"), later.join("\n") + "\n").unwrap();
    let case = tmp.path().join("case.hcase");
    let (code, _, err) = common::import_cli(&logs, &case, &[]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = common::run(&["analyze", case.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let exchanges = |case: &Path| {
        Case::open_read_only(case)
            .unwrap()
            .summary()
            .unwrap()
            .exchanges
    };
    let before = exchanges(&case);

    let mut harness = harness_on(case.clone(), [1400.0, 900.0]);
    settle(&mut harness, |app| {
        app.loaded().is_some() && app.has_layout()
    });
    harness
        .input_mut()
        .dropped_files
        .push(std::sync::Arc::new(Dropped(day.clone())));
    step_until_shown(&mut harness, "Append to this case");
    harness.get_by_label("Append to this case").click();
    settle(&mut harness, |app| {
        app.status().is_some_and(|s| s.starts_with("Appended"))
            && app.loaded().is_some_and(|l| l.path == case)
    });
    let status = harness.state().status().unwrap_or_default().to_string();
    // The case read again says its analysis does not see the new day yet.
    step_until_shown(&mut harness, "Re-run the analysis…");
    let appended = hydrascope::base::text::thousands(later.len() as u64);
    assert!(
        status.contains(&format!("Appended {appended} exchanges")),
        "{status}"
    );
    assert_eq!(exchanges(&case), before + later.len() as u64);
}
