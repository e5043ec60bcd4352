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
    assert!(
        html.matches("data:image/png;base64,").count() >= 2,
        "pictures left out: {stderr}"
    );
}

/// The ids of the clusters carrying a tag labelled `label`, from `tags --json`.
fn clusters_tagged(case: &Path, label: &str) -> std::collections::BTreeSet<String> {
    let (code, stdout, stderr) = common::run(&["tags", case.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["label"] == label)
        .filter_map(|t| t["cluster"].as_str().map(str::to_string))
        .collect()
}

/// `hydrascope tag CASE --campaign ID` with `more` arguments.
fn tag_campaign(case: &Path, id: &str, more: &[&str]) -> (i32, String, String) {
    let mut args = vec!["tag", case.to_str().unwrap(), "--campaign", id];
    args.extend_from_slice(more);
    common::run(&args)
}

#[test]
fn tag_with_a_campaign_tags_its_clusters_in_one_audited_action() {
    let dir = tempfile::tempdir().unwrap();
    let case = demo_copy(dir.path());
    let campaign = widest_suspected_campaign(&case);
    let (code, stdout, stderr) = tag_campaign(
        &case,
        &campaign.id,
        &[
            "--label",
            "Lab C",
            "--status",
            "confirmed",
            "--analyst",
            "alice",
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains(&format!(
            "Tagged campaign {} ({} clusters",
            campaign.id,
            campaign.clusters.len()
        )),
        "{stdout}"
    );
    let expected: std::collections::BTreeSet<String> = campaign.clusters.iter().cloned().collect();
    assert_eq!(clusters_tagged(&case, "Lab C"), expected);
    // One history entry, which one undo takes back whole.
    let (_, history, _) = common::run(&["history", case.to_str().unwrap()]);
    assert_eq!(history.matches("Tagged campaign").count(), 1, "{history}");
    let audit_id: i64 = stdout
        .trim()
        .rsplit('#')
        .next()
        .and_then(|n| n.trim_end_matches(')').parse().ok())
        .expect("the audit entry's number");
    let who =
        hydrascope::case::casework::Who::named("alice", hydrascope::case::casework::Origin::Cli);
    Case::open(&case).unwrap().undo(&who, audit_id).unwrap();
    assert!(clusters_tagged(&case, "Lab C").is_empty());

    // An unknown campaign is bad input, and --campaign excludes --cluster.
    let (code, _, stderr) = tag_campaign(&case, "k999999", &["--label", "x"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no campaign k999999"), "{stderr}");
    let (code, _, _) = tag_campaign(&case, &campaign.id, &["--cluster", "c1", "--label", "x"]);
    assert_eq!(code, 2);
}

#[test]
fn a_tagged_campaign_stays_tagged_whole_across_a_reanalysis() {
    let dir = tempfile::tempdir().unwrap();
    let case = demo_copy(dir.path());
    let campaign = widest_suspected_campaign(&case);
    let (code, _, stderr) = tag_campaign(&case, &campaign.id, &["--label", "Lab C"]);
    assert_eq!(code, 0, "{stderr}");
    let tagged_accounts: std::collections::BTreeSet<String> = {
        let (_, stdout, _) = common::run(&["tags", case.to_str().unwrap(), "--json"]);
        let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        doc["tags"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|t| t["accounts"].as_array().unwrap().clone())
            .map(|a| a.as_str().unwrap().to_string())
            .collect()
    };
    // Another clustering: other seed, finer resolution.
    let (code, stdout, stderr) = common::run(&[
        "analyze",
        case.to_str().unwrap(),
        "--json",
        "--seed",
        "2",
        "--resolution",
        "1.3",
    ]);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let members: std::collections::BTreeMap<String, Vec<String>> = doc["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let accounts = c["accounts"].as_array().unwrap();
            (
                c["id"].as_str().unwrap().to_string(),
                accounts
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect(),
            )
        })
        .collect();
    // The successor: the campaign holding most of the tagged accounts.
    let successor = doc["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|k| {
            k["clusters"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|c| members[c.as_str().unwrap()].iter())
                .filter(|a| tagged_accounts.contains(*a))
                .count()
        })
        .unwrap();
    let successor_clusters: std::collections::BTreeSet<String> = successor["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_string())
        .collect();
    // The run did reach the carry-over of the campaign's tag (not only
    // tags following their own clusters).
    let (_, history, _) = common::run(&["history", case.to_str().unwrap()]);
    assert!(
        history.contains("campaign tag \"Lab C\"") && history.contains("extended to"),
        "{history}"
    );
    let tagged = clusters_tagged(&case, "Lab C");
    assert!(
        successor_clusters.is_subset(&tagged),
        "every cluster of the successor {} carries the campaign's tag; untagged: {:?}",
        successor["id"],
        successor_clusters.difference(&tagged).collect::<Vec<_>>()
    );
}

#[test]
fn the_whole_case_report_lists_untagged_suspected_campaigns_until_they_are_tagged() {
    let dir = tempfile::tempdir().unwrap();
    let case = demo_copy(dir.path());
    let campaign = widest_suspected_campaign(&case);
    let section = |md: &str| -> String {
        let start = md
            .find("Suspected campaigns not tagged yet")
            .expect("the section is there");
        let end = md[start..]
            .find("Suspected clusters not tagged yet")
            .map_or(md.len(), |e| start + e);
        md[start..end].to_string()
    };
    let report = dir.path().join("r.md");
    let write = || {
        let (code, _, stderr) = common::run(&[
            "report",
            case.to_str().unwrap(),
            "--out",
            report.to_str().unwrap(),
            "--force",
        ]);
        assert_eq!(code, 0, "{stderr}");
        std::fs::read_to_string(&report).unwrap()
    };
    let before = section(&write());
    assert!(
        before.contains(&format!("| {} |", campaign.id)),
        "{} is listed: {before}",
        campaign.id
    );
    // Dismissed: looked at all the same, and a report draws no pictures
    // for it (this test needs none).
    let (code, _, stderr) = tag_campaign(
        &case,
        &campaign.id,
        &["--label", "Lab C", "--status", "dismissed"],
    );
    assert_eq!(code, 0, "{stderr}");
    let after = section(&write());
    assert!(
        !after.contains(&format!("| {} |", campaign.id)),
        "tagged, {} is no longer listed: {after}",
        campaign.id
    );
}
