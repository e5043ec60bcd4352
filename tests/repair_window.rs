//! The workbench's *Open* on a case from elsewhere: the checks of
//! `hydrascope verify` run first, a case that fails them is refused with a
//! *Repair…* button, and the repair (the library's, on a thread, into a new
//! file) gives a case that opens. Driven headless with egui_kittest.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use hydrascope::base::Progress;
use hydrascope::case::verify::{Integrity, verify_case};
use hydrascope::generate::Scenario;
use hydrascope::ui::repair_window::{RepairWindow, verify_if_new};
use hydrascope::ui::{App, AppOptions};

/// An analysed tiny case with a row that breaks the schema's rules (a
/// member of a cluster that does not exist): the schema check at open
/// lets it through, `verify` does not.
fn damaged_case(dir: &Path) -> PathBuf {
    let path = common::analysed_case(dir, Scenario::Tiny, 2);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("UPDATE cluster_members SET cluster = 'nowhere' WHERE account = 1;")
        .unwrap();
    path
}

fn harness_on(case: PathBuf) -> Harness<'static, App> {
    let app = App::new(
        egui::Context::default(),
        AppOptions {
            case: Some(case),
            remember: false,
            settings: Default::default(),
        },
    );
    Harness::builder()
        .with_size([1200.0, 800.0])
        .with_max_steps(100)
        .build_ui_state(|ui, app: &mut App| app.show(ui), app)
}

/// Steps until `label` is on screen, for at most 60 s.
fn step_until_shown(harness: &mut Harness<'static, App>, label: &str) {
    let started = Instant::now();
    while harness.query_by_label(label).is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{label:?} never appeared"
        );
        harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_case_that_fails_verify_is_refused_before_it_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let path = damaged_case(tmp.path());
    let err = verify_if_new(&path, &Progress::default()).unwrap_err();
    assert!(err.contains("cluster_members"), "{err}");
    assert!(err.contains("hydrascope repair"), "{err}");
    // Refused, so not remembered: the next open checks it again.
    assert!(verify_if_new(&path, &Progress::default()).is_err());
    let window = RepairWindow::for_refusal(Some(&path), &err).unwrap();
    assert_eq!(
        window.out(),
        tmp.path().join(format!(
            "{}-repaired.hcase",
            path.file_stem().unwrap().to_string_lossy()
        ))
    );
    assert!(RepairWindow::for_refusal(Some(&path), "no such case file").is_none());
}

#[test]
fn open_refuses_a_damaged_case_and_repair_gives_one_that_opens() {
    let tmp = tempfile::tempdir().unwrap();
    let path = damaged_case(tmp.path());
    let before = std::fs::read(&path).unwrap();
    let mut harness = harness_on(path.clone());
    step_until_shown(&mut harness, "Repair…");
    assert!(harness.state().failure().is_some());
    harness.get_by_label("Repair…").click();
    step_until_shown(&mut harness, "Open the repaired case");
    let repaired = tmp.path().join(format!(
        "{}-repaired.hcase",
        path.file_stem().unwrap().to_string_lossy()
    ));
    assert!(verify_case(&repaired, Integrity::Full).unwrap().is_clean());
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the source is only read"
    );
    harness.get_by_label("Open the repaired case").click();
    let started = Instant::now();
    loop {
        harness.step();
        if harness.state().loaded().is_some() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never opened: {:?}",
            harness.state().failure()
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(harness.state().loaded().unwrap().path, repaired);
}

#[test]
fn a_case_the_command_line_wrote_here_opens_without_the_check_and_a_copy_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("written-here.hcase");
    let (code, _, err) = common::generate_cli("tiny", &case, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        hydrascope::base::paths::is_known_case(&case),
        "generate wrote it here"
    );
    // The same bytes in another file are another case: checked on Open.
    let copy = dir.path().join("sent-by-someone.hcase");
    std::fs::copy(&case, &copy).unwrap();
    assert!(!hydrascope::base::paths::is_known_case(&copy));
    // A verify that passes makes it known.
    let (code, out, err) = common::run(&["verify", copy.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(hydrascope::base::paths::is_known_case(&copy));
}

#[test]
fn a_cancelled_check_stops_says_so_and_leaves_the_case_unchecked() {
    let tmp = tempfile::tempdir().unwrap();
    let path = common::generated_case(tmp.path(), Scenario::Tiny, 4);
    // Cancelled before it starts: every statement stops at once.
    let progress = Progress::default();
    progress.cancel();
    let err = verify_if_new(&path, &progress).unwrap_err();
    assert!(err.contains("the check was cancelled"), "{err}");
    // What was safe to show meanwhile: the size the case says it has.
    let accounts = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT count(*) FROM accounts", [], |r| r.get::<_, i64>(0))
        .unwrap();
    let about = progress.about();
    assert!(
        about.starts_with(&format!("{accounts} accounts, ")) && about.contains("being checked"),
        "{about}"
    );
    assert!(
        RepairWindow::for_refusal(Some(&path), &err).is_none(),
        "a cancel offers no repair"
    );
    // Not remembered as checked: the next open checks it, and it passes.
    assert!(!hydrascope::base::paths::is_known_case(&path));
    verify_if_new(&path, &Progress::default()).unwrap();
}
