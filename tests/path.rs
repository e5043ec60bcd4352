//! `hydrascope path`: the shortest and the strongest chains of evidence
//! links between two accounts, clusters or campaigns, every link one the
//! analysis kept, with its evidence.

mod common;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hydrascope::case::Case;
use hydrascope::generate::Scenario;

/// A tiny evasive case, generated and analysed once per test run.
fn case() -> &'static Path {
    static CASE: OnceLock<PathBuf> = OnceLock::new();
    CASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        common::analysed_case(&dir, Scenario::TinyEvasive, 4)
    })
}

/// The stored links by (account id, account id), both orders.
fn stored_links(path: &Path) -> HashMap<(String, String), f64> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT x.account_id, y.account_id, l.weight FROM links l \
             JOIN accounts x ON x.id = l.a JOIN accounts y ON y.id = l.b",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap();
    let mut out = HashMap::new();
    for row in rows {
        let (a, b, w): (String, String, f64) = row.unwrap();
        out.insert((b.clone(), a.clone()), w);
        out.insert((a, b), w);
    }
    out
}

fn path_json(args: &[&str]) -> serde_json::Value {
    let case = case().to_str().unwrap();
    let mut all = vec!["path", case];
    all.extend_from_slice(args);
    all.push("--json");
    let (code, out, err) = common::run(&all);
    assert_eq!(code, 0, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// Every hop of a chain is a stored link, the chain runs from the first
/// set to the second, and its weakest link is what it says.
fn check_chain(
    chain: &serde_json::Value,
    links: &HashMap<(String, String), f64>,
    from: &HashSet<String>,
    to: &HashSet<String>,
) -> (usize, f64) {
    let accounts: Vec<String> = chain["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    assert!(from.contains(&accounts[0]), "{accounts:?}");
    assert!(to.contains(accounts.last().unwrap()), "{accounts:?}");
    let hops = chain["hops"].as_array().unwrap();
    assert_eq!(hops.len() + 1, accounts.len());
    let mut weakest = f64::INFINITY;
    for (hop, pair) in hops.iter().zip(accounts.windows(2)) {
        let (a, b) = (hop["a"].as_str().unwrap(), hop["b"].as_str().unwrap());
        assert_eq!((a, b), (pair[0].as_str(), pair[1].as_str()));
        let stored = links
            .get(&(a.to_string(), b.to_string()))
            .unwrap_or_else(|| panic!("{a} — {b} is no stored link"));
        let weight = hop["weight"].as_f64().unwrap();
        assert!((weight - stored).abs() < 1e-9);
        assert!(
            !hop["evidence"].as_array().unwrap().is_empty(),
            "{a} — {b} has no evidence"
        );
        weakest = weakest.min(weight);
    }
    assert!((chain["weakest"].as_f64().unwrap() - weakest).abs() < 1e-9);
    (hops.len(), weakest)
}

fn members(path: &Path, clusters: &[String]) -> HashSet<String> {
    let case = Case::open_read_only(path).unwrap();
    clusters
        .iter()
        .flat_map(|c| case.cluster_account_ids(c).unwrap())
        .collect()
}

#[test]
fn between_two_campaigns_the_chains_are_stored_links_the_strongest_no_weaker() {
    let path = case();
    let campaigns = Case::open_read_only(path)
        .unwrap()
        .stored_campaigns()
        .unwrap();
    let suspected: Vec<_> = campaigns.iter().filter(|k| k.suspected).collect();
    assert!(suspected.len() >= 2, "tiny-evasive has several campaigns");
    let links = stored_links(path);
    let mut joined = 0;
    for pair in suspected.windows(2) {
        let (x, y) = (pair[0], pair[1]);
        let doc = path_json(&["--from", &x.id, "--to", &y.id]);
        assert_eq!(doc["from"]["kind"], "campaign");
        assert_eq!(doc["to"]["id"], y.id.as_str());
        if doc["shortest"].is_null() {
            assert!(doc["strongest"].is_null());
            continue;
        }
        joined += 1;
        let (from, to) = (members(path, &x.clusters), members(path, &y.clusters));
        let (short_links, short_weakest) = check_chain(&doc["shortest"], &links, &from, &to);
        let (strong_links, strong_weakest) = check_chain(&doc["strongest"], &links, &from, &to);
        assert!(short_links <= strong_links);
        assert!(strong_weakest >= short_weakest - 1e-9);
    }
    assert!(joined > 0, "some suspected campaigns are joined by a chain");
}

#[test]
fn two_linked_accounts_are_one_link_with_its_evidence_and_text_names_both() {
    let path = case();
    let links = stored_links(path);
    let ((a, b), _) = links
        .iter()
        .max_by(|x, y| x.1.total_cmp(y.1).then(x.0.cmp(y.0)))
        .unwrap();
    let doc = path_json(&["--from", a, "--to", b]);
    assert_eq!(doc["shortest"]["links"], 1);
    assert_eq!(doc["strongest"]["links"], 1);
    let (code, out, err) = common::run(&["path", path.to_str().unwrap(), "--from", a, "--to", b]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(a.as_str()) && out.contains(b.as_str()),
        "{out}"
    );
    assert!(out.contains("shortest: 1 link,"), "{out}");
}

#[test]
fn an_account_no_link_reaches_has_no_chain_and_an_unknown_name_is_bad_input() {
    let path = case();
    let conn = rusqlite::Connection::open(path).unwrap();
    let lonely: String = conn
        .query_row(
            "SELECT account_id FROM accounts WHERE id NOT IN (SELECT a FROM links) \
             AND id NOT IN (SELECT b FROM links) ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let linked: String = conn
        .query_row(
            "SELECT x.account_id FROM links l JOIN accounts x ON x.id = l.a LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let doc = path_json(&["--from", &lonely, "--to", &linked]);
    assert!(
        doc["shortest"].is_null() && doc["strongest"].is_null(),
        "{doc}"
    );
    let (code, out, _) = common::run(&[
        "path",
        path.to_str().unwrap(),
        "--from",
        &lonely,
        "--to",
        &linked,
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("no chain of evidence links"), "{out}");
    let (code, _, err) = common::run(&[
        "path",
        path.to_str().unwrap(),
        "--from",
        "no-such-account\u{1b}[2J",
        "--to",
        &linked,
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no account, cluster or campaign"), "{err}");
    assert!(!err.contains('\u{1b}'), "control characters are not echoed");
}

#[test]
fn a_case_never_analysed_is_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let raw = common::generated_case(dir.path(), Scenario::Tiny, 4);
    let (code, _, err) = common::run(&["path", raw.to_str().unwrap(), "--from", "a", "--to", "b"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("run hydrascope analyze first"), "{err}");
}
