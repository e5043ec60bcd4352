//! Sharing: case export (whole, chosen clusters, redacted) and headless
//! pictures, through the library and the command line.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hydrascope::base::Progress;
use hydrascope::case::Case;
use hydrascope::case::casework::{Origin, TagPatch, TagStatus, Who};
use hydrascope::case::export::{ExportOptions, RedactionKey, export_case};
use hydrascope::generate::Scenario;
use rusqlite::Connection;

/// The demo case, generated and analysed once per test run.
fn demo_case() -> &'static Path {
    static CASE: OnceLock<PathBuf> = OnceLock::new();
    CASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        common::analysed_case(&dir, Scenario::Demo, 1)
    })
}

fn demo_copy(dir: &Path) -> PathBuf {
    let path = dir.join("demo.hcase");
    std::fs::copy(demo_case(), &path).unwrap();
    path
}

fn alice() -> Who {
    Who::named("alice", Origin::Cli)
}

fn strings(conn: &Connection, sql: &str) -> BTreeSet<String> {
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// The two largest suspected clusters.
fn two_suspected(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    strings(
        &conn,
        "SELECT id FROM clusters WHERE suspected = 1 ORDER BY size DESC, id LIMIT 2",
    )
    .into_iter()
    .collect()
}

fn tag(path: &Path, clusters: &[String], label: &str, notes: &str) {
    let case = Case::open(path).unwrap();
    let patch = TagPatch {
        label: Some(label.into()),
        status: Some(TagStatus::Confirmed),
        notes: Some(notes.into()),
        ..Default::default()
    };
    case.tag_clusters(&alice(), clusters, &patch, None).unwrap();
}

fn export(source: &Path, out: &Path, options: &ExportOptions) {
    export_case(source, out, options, &alice(), &Progress::default()).unwrap();
}

#[test]
fn a_subset_export_holds_exactly_the_chosen_clusters_and_what_belongs_to_them() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_copy(dir.path());
    let chosen = two_suspected(&source);
    let all = {
        let conn = Connection::open(&source).unwrap();
        strings(&conn, "SELECT id FROM clusters WHERE suspected = 1")
    };
    let other: Vec<String> = all
        .iter()
        .filter(|c| !chosen.contains(c))
        .take(1)
        .cloned()
        .collect();
    tag(&source, &chosen[..1], "chosen campaign", "");
    tag(&source, &other, "someone else's campaign", "");
    let out = dir.path().join("subset.hcase");
    export(
        &source,
        &out,
        &ExportOptions {
            clusters: Some(chosen.clone()),
            ..Default::default()
        },
    );
    let src = Connection::open(&source).unwrap();
    let dst = Connection::open(&out).unwrap();
    let list = chosen
        .iter()
        .map(|c| format!("'{c}'"))
        .collect::<Vec<_>>()
        .join(",");
    let want_accounts = strings(
        &src,
        &format!(
            "SELECT a.account_id FROM accounts a JOIN cluster_members m ON m.account = a.id \
             WHERE m.cluster IN ({list})"
        ),
    );
    assert!(want_accounts.len() >= 2);
    assert_eq!(
        strings(&dst, "SELECT account_id FROM accounts"),
        want_accounts
    );
    let want_requests = strings(
        &src,
        &format!(
            "SELECT e.request_id FROM exchanges e JOIN cluster_members m ON m.account = e.account \
             WHERE m.cluster IN ({list})"
        ),
    );
    assert_eq!(
        strings(&dst, "SELECT request_id FROM exchanges"),
        want_requests
    );
    assert_eq!(
        strings(&dst, "SELECT id FROM clusters"),
        chosen.iter().cloned().collect()
    );
    // The chosen cluster's tag and its history come along, the other's do not.
    assert_eq!(
        strings(&dst, "SELECT label FROM tags"),
        BTreeSet::from(["chosen campaign".to_string()])
    );
    let summaries = strings(&dst, "SELECT summary FROM audit_log");
    assert!(summaries.iter().any(|s| s.contains("chosen campaign")));
    assert!(!summaries.iter().any(|s| s.contains("someone else")));
    // Nothing of the other accounts: their addresses, cards, rollups.
    let origins_used = count(
        &src,
        &format!(
            "SELECT count(DISTINCT o.origin) FROM account_origins o JOIN cluster_members m \
             ON m.account = o.account WHERE m.cluster IN ({list})"
        ),
    );
    assert_eq!(count(&dst, "SELECT count(*) FROM origins"), origins_used);
    assert_eq!(
        count(&dst, "SELECT count(*) FROM account_summary"),
        want_accounts.len() as i64
    );
    assert_eq!(
        count(&dst, "SELECT sum(exchanges) FROM model_hourly"),
        want_requests.len() as i64
    );
    assert_eq!(
        count(
            &dst,
            "SELECT count(*) FROM links WHERE a NOT IN (SELECT id FROM accounts) OR b NOT IN (SELECT id FROM accounts)"
        ),
        0
    );
    assert_eq!(
        dst.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
            .unwrap(),
        "ok"
    );
    // It opens as a case and says where it came from.
    let case = Case::open_read_only(&out).unwrap();
    assert_eq!(case.redaction().unwrap(), None);
    let scope: String = dst
        .query_row(
            "SELECT value FROM meta WHERE key = 'export_scope'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(scope, format!("clusters {}", chosen.join(",")));
    // The source's history says what left it.
    let source_case = Case::open(&source).unwrap();
    let last = source_case.audit_log(None).unwrap();
    assert!(
        last.iter()
            .any(|r| r.entry.action == "export" && r.entry.summary.contains("subset.hcase"))
    );
}

/// Every identifier value of the case.
fn identifiers(path: &Path) -> BTreeSet<String> {
    common::raw_identifiers(path)
}

#[test]
fn a_redacted_export_holds_no_original_identifier_bytes_and_its_links_still_hold() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_copy(dir.path());
    let chosen = two_suspected(&source);
    // An analyst's note that quotes raw identifiers (of accounts outside
    // the chosen clusters too, in any case, next to a port) is redacted too.
    let (ip, card, domain, org): (String, String, String, String) = {
        let conn = Connection::open(&source).unwrap();
        conn.query_row(
            &format!(
                "SELECT signup_ip, payment_fingerprint, email_domain, org_name FROM accounts a \
                 JOIN cluster_members m ON m.account = a.id WHERE signup_ip IS NOT NULL \
                 AND payment_fingerprint IS NOT NULL AND email_domain IS NOT NULL \
                 AND org_name IS NOT NULL AND m.cluster NOT IN ('{}', '{}') LIMIT 1",
                chosen[0], chosen[1]
            ),
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap()
    };
    tag(
        &source,
        &chosen[..1],
        "Lab campaign",
        &format!(
            "signed up from ip:{ip} and {ip}:8443, card {card}, mail {}, org {}.",
            domain.to_ascii_uppercase(),
            org.to_ascii_lowercase()
        ),
    );
    let raw = identifiers(&source);
    assert!(
        raw.len() > 1000,
        "the demo case has identifiers: {}",
        raw.len()
    );
    let key = RedactionKey::from_secret(b"the team's shared redaction secret");
    let out = dir.path().join("redacted.hcase");
    export(
        &source,
        &out,
        &ExportOptions {
            redact: Some(key.clone()),
            ..Default::default()
        },
    );
    // Scan every byte of the file, free pages included, in any letter case;
    // a redacted subset too (its notes quote accounts it does not hold).
    let subset = dir.path().join("redacted-subset.hcase");
    export(
        &source,
        &subset,
        &ExportOptions {
            clusters: Some(chosen.clone()),
            redact: Some(key.clone()),
            ..Default::default()
        },
    );
    for file in [&out, &subset] {
        let bytes = std::fs::read(file).unwrap().to_ascii_lowercase();
        let leaked: Vec<&String> = raw
            .iter()
            .filter(|v| memchr::memmem::find(&bytes, v.to_ascii_lowercase().as_bytes()).is_some())
            .collect();
        assert!(
            leaked.is_empty(),
            "raw identifiers in {}: {leaked:?}",
            file.display()
        );
    }
    assert!(
        strings(
            &Connection::open(&subset).unwrap(),
            "SELECT notes FROM tags"
        )
        .iter()
        .any(|n| n.contains("ip:ip-") && n.contains(":8443")),
        "the note keeps its shape"
    );
    // Passed on again without --redact, it is still marked redacted.
    let passed_on = dir.path().join("passed-on.hcase");
    export(&subset, &passed_on, &ExportOptions::default());
    assert_eq!(
        Case::open_read_only(&passed_on)
            .unwrap()
            .redaction()
            .unwrap(),
        Some(key.id())
    );
    assert!(!Path::new(&format!("{}-wal", out.display())).exists());
    let case = Case::open(&out).unwrap();
    assert_eq!(case.redaction().unwrap(), Some(key.id()));
    let conn = Connection::open(&out).unwrap();
    assert_eq!(count(&conn, "SELECT count(*) FROM excerpts"), 0);
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM exchanges WHERE excerpt IS NOT NULL"
        ),
        0
    );
    // The stored analysis is whole: same clusters, same members, same links.
    let src = Connection::open(&source).unwrap();
    let membership = "SELECT m.cluster || ':' || a.account_id FROM cluster_members m JOIN accounts a ON a.id = m.account";
    assert_eq!(strings(&conn, membership), strings(&src, membership));
    assert_eq!(
        count(&conn, "SELECT count(*) FROM link_evidence"),
        count(&src, "SELECT count(*) FROM link_evidence")
    );
    // Shared values still link the same accounts: re-analysing the redacted
    // copy finds as many links of every kind of shared value and nearly the
    // same clusters as re-analysing the original. Large shared groups are
    // sampled by a hash of the value, so a few tie-breaks may differ. What
    // needs an address's structure (sign-up bursts per network, CIDR
    // indicators) is kept in the stored analysis but cannot be found again.
    let plain = dir.path().join("plain.hcase");
    export(&source, &plain, &ExportOptions::default());
    let analyse = |path: &Path| {
        let case = Case::open(path).unwrap();
        hydrascope::pipeline::analyze_case(&case, &Default::default(), &Who::from_env(Origin::Cli))
            .unwrap();
        let conn = Connection::open(path).unwrap();
        let groups: BTreeSet<String> = strings(
            &conn,
            "SELECT group_concat(account_id, ',') FROM (SELECT m.cluster, a.account_id FROM cluster_members m \
             JOIN accounts a ON a.id = m.account ORDER BY m.cluster, a.account_id) GROUP BY cluster",
        );
        let kinds: Vec<(String, i64)> = {
            let mut stmt = conn
                .prepare("SELECT kind, count(*) FROM link_evidence GROUP BY kind ORDER BY kind")
                .unwrap();
            stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
                .unwrap()
                .map(Result::unwrap)
                .collect()
        };
        (groups, kinds)
    };
    let (plain_groups, plain_kinds) = analyse(&plain);
    let (red_groups, red_kinds) = analyse(&out);
    let red_kinds: std::collections::BTreeMap<String, i64> = red_kinds.into_iter().collect();
    assert!(plain_kinds.iter().any(|(k, _)| k == "indicator"));
    for (kind, plain) in &plain_kinds {
        let red = red_kinds.get(kind).copied().unwrap_or(0);
        if kind == "signup_burst" || kind == "indicator" {
            assert!(red <= *plain, "{kind}: {red} links redacted, {plain} plain");
            continue;
        }
        assert!(
            (red - plain).abs() * 100 <= plain * 3,
            "{kind}: {red} links redacted, {plain} plain"
        );
    }
    let same = plain_groups.intersection(&red_groups).count();
    assert!(
        same * 100 >= plain_groups.len() * 95,
        "{same} of {} clusters identical",
        plain_groups.len()
    );
    // The same key gives the same pseudonyms, another key others.
    let again = dir.path().join("again.hcase");
    export(
        &source,
        &again,
        &ExportOptions {
            clusters: Some(chosen.clone()),
            redact: Some(key),
            ..Default::default()
        },
    );
    let cards = "SELECT payment_fingerprint FROM accounts a JOIN cluster_members m ON m.account = a.id \
                 WHERE payment_fingerprint IS NOT NULL";
    let again_cards = strings(&Connection::open(&again).unwrap(), cards);
    assert!(!again_cards.is_empty());
    assert!(again_cards.is_subset(&strings(&conn, cards)));
    let other = dir.path().join("other-key.hcase");
    export(
        &source,
        &other,
        &ExportOptions {
            clusters: Some(chosen),
            redact: Some(RedactionKey::from_secret(b"a different secret entirely")),
            ..Default::default()
        },
    );
    assert!(strings(&Connection::open(&other).unwrap(), cards).is_disjoint(&again_cards));
}

#[test]
fn an_export_taken_while_a_writer_is_mid_transaction_is_one_moment_of_the_case() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_copy(dir.path());
    let clusters = two_suspected(&source);
    tag(&source, &clusters[..1], "before", "");
    // Another writer (a workbench) is half-way through an action: its tag
    // row is written, its audit entry not yet, and nothing is committed.
    let writer = Connection::open(&source).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    writer
        .execute(
            "INSERT INTO tags (cluster, label, capability, status, confidence, actor, notes, analyst, \
             created_at, updated_at, updated_by) VALUES (?1, 'half-way', '', 'open', 0.5, '', '', 'bob', \
             '2026-11-22T00:00:00Z', '2026-11-22T00:00:00Z', 'bob')",
            [&clusters[0]],
        )
        .unwrap();
    for (n, subset) in [(0, None), (1, Some(clusters.clone()))] {
        let out = dir.path().join(format!("during-{n}.hcase"));
        let options = ExportOptions {
            clusters: subset,
            ..Default::default()
        };
        export(&source, &out, &options);
        let conn = Connection::open(&out).unwrap();
        assert_eq!(
            strings(&conn, "SELECT label FROM tags"),
            BTreeSet::from(["before".to_string()]),
            "export {n} sees only committed rows"
        );
        assert_eq!(
            conn.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
                .unwrap(),
            "ok"
        );
    }
    writer.execute_batch("COMMIT").unwrap();
    let after = dir.path().join("after.hcase");
    export(&source, &after, &ExportOptions::default());
    assert_eq!(
        strings(&Connection::open(&after).unwrap(), "SELECT label FROM tags"),
        BTreeSet::from(["before".to_string(), "half-way".to_string()])
    );
}

#[test]
fn exporting_and_rendering_an_older_case_never_change_it() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_copy(dir.path());
    common::downgrade_to_format_5(&source);
    let before = std::fs::read(&source).unwrap();
    let s = source.to_str().unwrap();
    let out = dir.path().join("whole.hcase");
    let (code, _, err) = common::run(&["export", s, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        Case::open_read_only(&out)
            .unwrap()
            .format_version()
            .unwrap(),
        hydrascope::case::SCHEMA_VERSION,
        "the copy is brought to the current format"
    );
    let png = dir.path().join("g.png");
    let (code, _, err) = common::run(&[
        "render",
        s,
        "--view",
        "graph",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "an older case is refused, not upgraded: {err}");
    assert!(err.contains("upgraded"), "{err}");
    assert_eq!(
        std::fs::read(&source).unwrap(),
        before,
        "the source is unchanged"
    );
}

#[test]
fn export_refuses_bad_requests_with_exit_2_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_copy(dir.path());
    let s = source.to_str().unwrap();
    let out = dir.path().join("x.hcase");
    let o = out.to_str().unwrap();
    let (code, _, err) = common::run(&["export", s, "--out", o, "--clusters", "c999999"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no cluster c999999"), "{err}");
    assert!(!out.exists());
    assert!(!dir.path().join("x.hcase.partial").exists());
    let (code, _, err) = common::run(&["export", s, "--out", s, "--force"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("overwrite the case it is made from"), "{err}");
    let (code, stdout, err) = common::run(&["export", s, "--out", o, "--redact"]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("redacted with key"), "{stdout}");
    let (code, _, err) = common::run(&["export", s, "--out", o]);
    assert_eq!(code, 2);
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = common::run(&[
        "export",
        s,
        "--out",
        dir.path().join("x.txt").to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains(".hcase"), "{err}");
    let nowhere = dir.path().join("no/such/dir/x.hcase");
    let (code, _, err) = common::run(&["export", s, "--out", nowhere.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("no such folder"), "{err}");
    let short_key = dir.path().join("key");
    std::fs::write(&short_key, "short").unwrap();
    let (code, _, err) = common::run(&[
        "export",
        s,
        "--out",
        dir.path().join("y.hcase").to_str().unwrap(),
        "--redact",
        "--redact-key",
        short_key.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("at least 16 bytes"), "{err}");
    // The graph for Gephi, by the extension.
    let graph = dir.path().join("g.graphml");
    let (code, stdout, err) = common::run(&["export", s, "--out", graph.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("accounts"), "{stdout}");
    roxmltree::Document::parse(&std::fs::read_to_string(&graph).unwrap()).unwrap();
}

/// Share of pixels that differ from the most common colour.
fn busy_share(image: &image::RgbaImage) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for p in image.pixels() {
        *counts.entry(p.0).or_insert(0usize) += 1;
    }
    let top = counts.values().max().copied().unwrap_or(0);
    1.0 - top as f64 / (image.width() * image.height()) as f64
}

#[test]
fn render_draws_the_asked_size_at_each_scale_and_is_not_blank() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_copy(dir.path());
    let cluster = two_suspected(&source).remove(0);
    let s = source.to_str().unwrap();
    // The default size at 2× (a briefing's usual picture), with the legend
    // beside the graph.
    for (view, w, h, scale) in [
        ("graph", 640, 400, "1"),
        ("graph", 1600, 1000, "2"),
        ("timeline", 500, 300, "4"),
    ] {
        let out = dir.path().join(format!("{view}-{scale}.png"));
        let (code, stdout, err) = common::run(&[
            "render",
            s,
            "--view",
            view,
            "--out",
            out.to_str().unwrap(),
            "--width",
            &w.to_string(),
            "--height",
            &h.to_string(),
            "--scale",
            scale,
            "--cluster",
            &cluster,
            if view == "graph" {
                "--legend"
            } else {
                "--force"
            },
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(stdout.contains("px"), "{stdout}");
        let image = image::open(&out).unwrap().to_rgba8();
        let k: u32 = scale.parse().unwrap();
        assert_eq!(
            (image.width(), image.height()),
            (w * k, h * k),
            "{view} at {scale}x"
        );
        let busy = busy_share(&image);
        assert!(
            busy > 0.05,
            "{view} at {scale}x is nearly blank ({busy:.3})"
        );
    }
    // A vector graph, and bad requests.
    let svg = dir.path().join("graph.svg");
    let (code, _, err) = common::run(&[
        "render",
        s,
        "--view",
        "graph",
        "--out",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&svg).unwrap();
    let doc = roxmltree::Document::parse(&text).unwrap();
    let circles = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .count();
    assert!(circles > 1000, "{circles} nodes drawn");
    assert!(text.contains("Hydrascope · case demo.hcase"));
    for (args, ext, says) in [
        (["--view", "graph", "--scale", "16"], "png", "--scale"),
        (
            ["--view", "graph", "--cluster", "c999999"],
            "png",
            "no cluster c999999",
        ),
        (
            ["--view", "timeline", "--chart", "tokens"],
            "svg",
            "SVG is for the graph",
        ),
    ] {
        let out = dir.path().join(format!("bad.{ext}"));
        let mut all = vec!["render", s, "--out", out.to_str().unwrap()];
        all.extend(args);
        let (code, _, err) = common::run(&all);
        assert_eq!(code, 2, "{all:?}: {err}");
        assert!(err.contains(says), "{all:?}: {err}");
        assert!(!out.exists());
    }
}

#[test]
fn a_rendered_cluster_view_matches_its_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let source = demo_copy(dir.path());
    let cluster = two_suspected(&source).remove(0);
    let scene = hydrascope::render::Scene::open(&source, &Progress::default()).unwrap();
    let mut picture = scene
        .picture(
            &hydrascope::render::Focus::Cluster(cluster),
            hydrascope::views::timeline::Chart::Requests,
            "2026-02-24 12:00",
        )
        .unwrap();
    // The caption's fingerprint changes with every test case's history.
    picture.case_fingerprint = "00000000".into();
    let size = hydrascope::render::PictureSize {
        width: 720.0,
        height: 480.0,
        scale: 1.0,
    };
    let image =
        hydrascope::render::render_picture(&picture, hydrascope::render::ViewKind::Graph, size)
            .unwrap();
    let options = egui_kittest::SnapshotOptions::new()
        .threshold(2.0)
        .max_failed_pixels(1_500);
    egui_kittest::image_snapshot_options(&image, "render_cluster_graph", &options);
}

#[test]
fn report_merge_and_conflicts_work_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let ours = demo_copy(dir.path());
    let cluster = two_suspected(&ours).remove(0);
    let theirs = dir.path().join("theirs.hcase");
    std::fs::copy(&ours, &theirs).unwrap();
    let o = ours.to_str().unwrap();
    let t = theirs.to_str().unwrap();
    let run_ok = |args: &[&str]| {
        let (code, stdout, err) = common::run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        stdout
    };
    run_ok(&[
        "tag",
        o,
        "--cluster",
        &cluster,
        "--label",
        "Lab A reasoning",
        "--status",
        "confirmed",
        "--analyst",
        "alice",
    ]);
    run_ok(&[
        "tag",
        t,
        "--cluster",
        &cluster,
        "--label",
        "Lab B coding",
        "--analyst",
        "bob",
    ]);
    let merged = run_ok(&["merge", o, "--from", t, "--analyst", "alice"]);
    assert!(merged.contains("1 conflict"), "{merged}");
    let listed: serde_json::Value =
        serde_json::from_str(&run_ok(&["conflicts", o, "--json"])).unwrap();
    let conflict = &listed["conflicts"][0];
    assert_eq!(conflict["ours"]["label"], "Lab A reasoning");
    assert_eq!(conflict["theirs"]["label"], "Lab B coding");
    assert_eq!(conflict["theirs"]["analyst"], "bob");
    let id = conflict["id"].as_i64().unwrap().to_string();
    run_ok(&[
        "resolve",
        o,
        "--conflict",
        &id,
        "--keep",
        "ours",
        "--analyst",
        "alice",
    ]);
    let (code, _, err) = common::run(&["resolve", o, "--conflict", &id, "--keep", "theirs"]);
    assert_eq!(code, 1, "{err}");
    let tags: serde_json::Value = serde_json::from_str(&run_ok(&["tags", o, "--json"])).unwrap();
    let labels: Vec<&str> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["Lab A reasoning"]);
    // The report embeds a graph and a timeline of the campaign.
    let html = dir.path().join("brief.html");
    let said = run_ok(&["report", o, "--out", html.to_str().unwrap()]);
    assert!(
        said.contains("1 campaign(s)") && said.contains("2 picture(s)"),
        "{said}"
    );
    let text = std::fs::read_to_string(&html).unwrap();
    assert_eq!(text.matches("data:image/png;base64,").count(), 2);
    assert!(text.contains("Lab A reasoning"));
    let (code, _, err) = common::run(&[
        "report",
        o,
        "--out",
        dir.path().join("brief.pdf").to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
}
