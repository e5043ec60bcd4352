//! `--campaign ID` on export, render and report: a campaign of the
//! analysis resolves to its clusters, and an unknown id is bad input (exit
//! 2) that names campaigns there are.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hydrascope::case::Case;
use hydrascope::generate::Scenario;

/// The demo case, generated and analysed once per test run (tests copy it).
fn demo_case() -> &'static Path {
    static CASE: OnceLock<PathBuf> = OnceLock::new();
    CASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        common::analysed_case(&dir, Scenario::Demo, 1)
    })
}

fn demo_copy(dir: &Path) -> PathBuf {
    let case = dir.join("demo.hcase");
    std::fs::copy(demo_case(), &case).unwrap();
    case
}

/// The suspected campaign with the most clusters.
fn widest_suspected_campaign(case: &Path) -> hydrascope::case::analysis_store::StoredCampaign {
    let campaigns = Case::open_read_only(case)
        .unwrap()
        .stored_campaigns()
        .unwrap();
    campaigns
        .into_iter()
        .filter(|k| k.suspected)
        .max_by_key(|k| (k.clusters.len(), std::cmp::Reverse(k.id.clone())))
        .expect("the demo case has a suspected campaign")
}

#[test]
fn export_with_a_campaign_keeps_exactly_its_clusters() {
    let dir = tempfile::tempdir().unwrap();
    let case = demo_copy(dir.path());
    let campaign = widest_suspected_campaign(&case);
    assert!(
        campaign.clusters.len() >= 2,
        "a campaign of several clusters: {campaign:?}"
    );
    let out = dir.path().join("k.hcase");
    let (code, stdout, stderr) = common::run(&[
        "export",
        case.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--campaign",
        &campaign.id,
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!("{} clusters", campaign.clusters.len())),
        "{stdout}"
    );
    let exported = Case::open_read_only(&out).unwrap();
    let mut ids: Vec<String> = exported
        .stored_clusters()
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    ids.sort();
    let mut expected = campaign.clusters.clone();
    expected.sort();
    assert_eq!(ids, expected);
    assert_eq!(exported.summary().unwrap().accounts, campaign.accounts);
}

#[test]
fn an_unknown_campaign_is_bad_input_naming_known_ones() {
    let dir = tempfile::tempdir().unwrap();
    let case = demo_copy(dir.path());
    let known = widest_suspected_campaign(&case).id;
    let case = case.to_str().unwrap();
    let picture = dir.path().join("k.png");
    let report = dir.path().join("k.html");
    let export = dir.path().join("k.hcase");
    for args in [
        vec!["export", case, "--out", export.to_str().unwrap()],
        vec![
            "render",
            case,
            "--view",
            "graph",
            "--out",
            picture.to_str().unwrap(),
        ],
        vec!["report", case, "--out", report.to_str().unwrap()],
    ] {
        let mut args = args.clone();
        args.extend(["--campaign", "k999999"]);
        let (code, _, stderr) = common::run(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("no campaign k999999 in this case; known: "),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains(&known), "{args:?} names {known}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    }
    assert!(!picture.exists() && !report.exists() && !export.exists());
}

#[test]
fn render_and_report_with_a_campaign_show_that_campaign() {
    let dir = tempfile::tempdir().unwrap();
    let case = demo_copy(dir.path());
    let campaign = widest_suspected_campaign(&case);
    let picture = dir.path().join("k.png");
    let (code, stdout, stderr) = common::run(&[
        "render",
        case.to_str().unwrap(),
        "--view",
        "graph",
        "--out",
        picture.to_str().unwrap(),
        "--campaign",
        &campaign.id,
        "--width",
        "800",
        "--height",
        "500",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("800 x 500 px"), "{stdout}");
    assert!(image::open(&picture).is_ok());

    let report = dir.path().join("k.html");
    let (code, _, stderr) = common::run(&[
        "report",
        case.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
        "--campaign",
        &campaign.id,
    ]);
    assert_eq!(code, 0, "{stderr}");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains(&format!("Distillation campaign {}", campaign.id)),
        "the report is about the campaign"
    );
    assert!(html.contains("cohesion"), "its cohesion is shown");
    for cluster in &campaign.clusters {
        assert!(html.contains(cluster.as_str()), "lists {cluster}");
    }
    // Its graph and timeline pictures are inlined.
    assert!(html.matches("data:image/png;base64,").count() >= 2);
}
