//! Graph files (GraphML, GEXF) of the relationship graph: what
//! `Case::graph_rows` reads, and that the files parse as XML and read back
//! into the same graph, for the whole case and for some clusters.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use hydrascope::case::casework::{Origin, TagPatch, TagStatus, Who};
use hydrascope::case::graph_rows::{GraphEdge, GraphNode, GraphRows, NodeCluster, NodeTag};
use hydrascope::case::{Case, CaseError};
use hydrascope::export::graph_file::{GraphFormat, write_gexf, write_graph_file, write_graphml};
use hydrascope::generate::Scenario;

const GRAPHML_NS: &str = "http://graphml.graphdrawing.org/xmlns";
const GEXF_NS: &str = "http://gexf.net/1.3";
const VIZ_NS: &str = "http://gexf.net/1.3/viz";

/// The demo case, generated and analysed once per test run.
fn demo_case() -> &'static Path {
    static CASE: OnceLock<PathBuf> = OnceLock::new();
    CASE.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap().keep();
        common::analysed_case(&dir, Scenario::Demo, 1)
    })
}

/// A copy of the demo case in `dir`, for a test to open and change.
fn demo_copy(dir: &Path) -> Case {
    let path = dir.join("demo.hcase");
    std::fs::copy(demo_case(), &path).unwrap();
    Case::open(&path).unwrap()
}

fn graphml_text(rows: &GraphRows) -> String {
    let mut out = Vec::new();
    write_graphml(&mut out, rows).unwrap();
    String::from_utf8(out).unwrap()
}

fn gexf_text(rows: &GraphRows) -> String {
    let mut out = Vec::new();
    write_gexf(&mut out, rows).unwrap();
    String::from_utf8(out).unwrap()
}

/// A graph read back from a file: node id → attributes, and
/// (source, target) → attributes (the weight among them), in file order.
#[derive(Debug, Default)]
struct Reloaded {
    nodes: Vec<(String, BTreeMap<String, Typed>)>,
    edges: Vec<((String, String), BTreeMap<String, Typed>)>,
}

/// A value read back by its declared type.
#[derive(Clone, Debug, PartialEq)]
enum Typed {
    Str(String),
    Num(f64),
    Int(i64),
    Bool(bool),
}

fn typed(ty: &str, text: &str) -> Typed {
    match ty {
        "string" => Typed::Str(text.to_string()),
        "double" => Typed::Num(text.parse().unwrap_or_else(|_| panic!("double {text:?}"))),
        "int" | "long" | "integer" => {
            Typed::Int(text.parse().unwrap_or_else(|_| panic!("{ty} {text:?}")))
        }
        "boolean" => match text {
            "true" => Typed::Bool(true),
            "false" => Typed::Bool(false),
            _ => panic!("boolean {text:?}"),
        },
        _ => panic!("unexpected attribute type {ty}"),
    }
}

/// Parses GraphML, checking on the way that every `<key>` comes before the
/// graph, and that every `<data>` names a key declared for its element
/// (node or edge) whose type parses its text.
fn reload_graphml(text: &str) -> Reloaded {
    let doc = roxmltree::Document::parse(text).expect("GraphML is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "graphml");
    assert_eq!(root.tag_name().namespace(), Some(GRAPHML_NS));
    let mut keys: BTreeMap<(String, String), String> = BTreeMap::new();
    let mut graph = None;
    for child in root.children().filter(|n| n.is_element()) {
        match child.tag_name().name() {
            "key" => {
                assert!(graph.is_none(), "a key after the graph");
                let id = child.attribute("id").unwrap().to_string();
                assert_eq!(child.attribute("attr.name"), Some(id.as_str()));
                let domain = child.attribute("for").unwrap().to_string();
                let ty = child.attribute("attr.type").unwrap().to_string();
                assert!(
                    keys.insert((domain, id.clone()), ty).is_none(),
                    "key {id} declared twice"
                );
            }
            "graph" => graph = Some(child),
            other => panic!("unexpected <{other}>"),
        }
    }
    let graph = graph.expect("a <graph>");
    assert_eq!(graph.attribute("edgedefault"), Some("undirected"));
    let data = |element: roxmltree::Node<'_, '_>, domain: &str| {
        let mut values = BTreeMap::new();
        for d in element.children().filter(|n| n.is_element()) {
            assert_eq!(d.tag_name().name(), "data");
            let key = d.attribute("key").unwrap();
            let ty = keys
                .get(&(domain.to_string(), key.to_string()))
                .unwrap_or_else(|| panic!("<data key={key:?}> on a {domain} has no <key>"));
            let value = typed(ty, d.text().unwrap_or(""));
            assert!(values.insert(key.to_string(), value).is_none());
        }
        values
    };
    let mut reloaded = Reloaded::default();
    for element in graph.children().filter(|n| n.is_element()) {
        match element.tag_name().name() {
            "node" => {
                let id = element.attribute("id").unwrap().to_string();
                reloaded.nodes.push((id, data(element, "node")));
            }
            "edge" => {
                let ends = (
                    element.attribute("source").unwrap().to_string(),
                    element.attribute("target").unwrap().to_string(),
                );
                reloaded.edges.push((ends, data(element, "edge")));
            }
            other => panic!("unexpected <{other}> in the graph"),
        }
    }
    reloaded
}

/// The attributes `graph_rows` says a node has, as GraphML should hold them.
fn expected_node(node: &GraphNode) -> BTreeMap<String, Typed> {
    let mut values = BTreeMap::new();
    let mut put = |name: &str, value: Typed| {
        values.insert(name.to_string(), value);
    };
    put("account_id", Typed::Str(node.account_id.clone()));
    put("created", Typed::Str(node.created.clone()));
    for (name, value) in [
        ("billing_country", &node.billing_country),
        ("access_path", &node.access_path),
        ("verification", &node.verification),
    ] {
        if let Some(value) = value {
            put(name, Typed::Str(value.clone()));
        }
    }
    put("exchanges", Typed::Int(node.exchanges));
    if let Some(c) = &node.cluster {
        put("cluster", Typed::Str(c.id.clone()));
        put("cluster_score", Typed::Num(c.score));
        put("suspected", Typed::Bool(c.suspected));
        put("cluster_edited", Typed::Bool(c.edited));
    }
    if let Some(t) = &node.tag {
        put("tag_id", Typed::Int(t.id));
        put("tag_label", Typed::Str(t.label.clone()));
        put("tag_status", Typed::Str(t.status.name().to_string()));
        put("tag_confidence", Typed::Num(t.confidence));
    }
    if let Some([x, y]) = node.position {
        put("x", Typed::Num(x));
        put("y", Typed::Num(y));
    }
    values
}

/// The attributes of an edge, as GraphML should hold them.
fn expected_edge(
    rows: &GraphRows,
    edge: &GraphEdge,
) -> ((String, String), BTreeMap<String, Typed>) {
    let mut values = BTreeMap::new();
    values.insert("weight".to_string(), Typed::Num(edge.weight));
    if !edge.evidence.is_empty() {
        let kinds: Vec<&str> = edge.evidence.iter().map(|e| rows.kind_name(e)).collect();
        values.insert("evidence".to_string(), Typed::Str(kinds.join(",")));
        for e in &edge.evidence {
            values.insert(
                format!("shared_{}", rows.kind_name(e)),
                Typed::Int(e.shared),
            );
        }
    }
    let ends = (
        rows.nodes[edge.source as usize].account_id.clone(),
        rows.nodes[edge.target as usize].account_id.clone(),
    );
    (ends, values)
}

fn assert_graphml_holds(text: &str, rows: &GraphRows) {
    let reloaded = reload_graphml(text);
    assert_eq!(reloaded.nodes.len(), rows.nodes.len());
    for ((id, values), node) in reloaded.nodes.iter().zip(&rows.nodes) {
        assert_eq!(id, &node.account_id);
        assert_eq!(values, &expected_node(node), "node {id}");
    }
    assert_eq!(reloaded.edges.len(), rows.edges.len());
    for (edge, expected) in reloaded.edges.iter().zip(&rows.edges) {
        assert_eq!(edge, &expected_edge(rows, expected));
    }
}

/// Every attribute value and text in an XML document.
fn all_values(doc: &roxmltree::Document<'_>) -> HashSet<String> {
    let mut values = HashSet::new();
    for node in doc.descendants() {
        if let Some(text) = node.text() {
            values.insert(text.to_string());
        }
        for a in node.attributes() {
            values.insert(a.value().to_string());
        }
    }
    values
}

#[test]
fn graphml_reloads_into_the_same_nodes_edges_and_attributes_as_graph_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo_copy(tmp.path());
    let rows = case.graph_rows(None).unwrap();
    let accounts = case.workbench_accounts().unwrap();
    assert_eq!(rows.nodes.len(), accounts.len());
    assert!(rows.nodes.iter().all(|n| n.cluster.is_some()));
    assert!(
        rows.nodes
            .iter()
            .any(|n| n.cluster.as_ref().unwrap().suspected)
    );
    assert!(
        rows.nodes
            .iter()
            .any(|n| !n.cluster.as_ref().unwrap().suspected)
    );
    assert!(rows.edges.len() > 100, "{} edges", rows.edges.len());
    assert!(rows.edges.iter().all(|e| !e.evidence.is_empty()));
    assert!(rows.evidence_kinds.len() > 1);
    assert!(rows.evidence_kinds.is_sorted());
    // By accounts.id, and links by (a, b).
    let ids: Vec<&str> = accounts.iter().map(|a| a.account_id.as_str()).collect();
    let node_ids: Vec<&str> = rows.nodes.iter().map(|n| n.account_id.as_str()).collect();
    assert_eq!(node_ids, ids);
    assert!(rows.edges.is_sorted_by_key(|e| (e.source, e.target)));

    let text = graphml_text(&rows);
    assert_graphml_holds(&text, &rows);

    let doc = roxmltree::Document::parse(&text).unwrap();
    let types: BTreeMap<&str, &str> = doc
        .descendants()
        .filter(|n| n.has_tag_name((GRAPHML_NS, "key")))
        .map(|k| {
            (
                k.attribute("id").unwrap(),
                k.attribute("attr.type").unwrap(),
            )
        })
        .collect();
    for (key, ty) in [
        ("account_id", "string"),
        ("created", "string"),
        ("exchanges", "long"),
        ("cluster", "string"),
        ("cluster_score", "double"),
        ("suspected", "boolean"),
        ("cluster_edited", "boolean"),
        ("tag_id", "long"),
        ("tag_label", "string"),
        ("tag_status", "string"),
        ("tag_confidence", "double"),
        ("x", "double"),
        ("y", "double"),
        ("weight", "double"),
        ("evidence", "string"),
    ] {
        assert_eq!(types.get(key), Some(&ty), "key {key}");
    }
    for kind in &rows.evidence_kinds {
        assert_eq!(types.get(format!("shared_{kind}").as_str()), Some(&"int"));
    }

    // Identifiers that name a customer are nowhere in the file.
    for name in [
        "org_name",
        "email_domain",
        "payment_fingerprint",
        "signup_ip",
    ] {
        assert!(!types.contains_key(name), "{name} is declared");
    }
    let values = all_values(&doc);
    let mut identifiers = 0;
    for a in &accounts {
        for value in [
            &a.org_name,
            &a.email_domain,
            &a.payment_fingerprint,
            &a.signup_ip,
        ]
        .into_iter()
        .flatten()
        {
            identifiers += 1;
            assert!(!values.contains(value), "{value} is in the graph file");
        }
    }
    assert!(
        identifiers > 0,
        "the demo case has identifiers to leave out"
    );
}

#[test]
fn gexf_parses_with_the_same_counts_positions_and_a_colour_per_node() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo_copy(tmp.path());
    let accounts = case.workbench_accounts().unwrap().len();
    let layout: Vec<[f32; 2]> = (0..accounts)
        .map(|i| [i as f32 * 1.25 - 300.0, (i % 97) as f32 * -0.5])
        .collect();
    case.store_layout(&layout).unwrap();
    let rows = case.graph_rows(None).unwrap();
    assert!(rows.nodes.iter().all(|n| n.position.is_some()));

    let path = tmp.path().join("demo.gexf");
    write_graph_file(&path, &rows).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = roxmltree::Document::parse(&text).expect("GEXF is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().namespace(), Some(GEXF_NS));
    assert_eq!(root.tag_name().name(), "gexf");
    assert_eq!(root.attribute("version"), Some("1.3"));
    let graph = root
        .children()
        .find(|n| n.has_tag_name((GEXF_NS, "graph")))
        .unwrap();
    assert_eq!(graph.attribute("defaultedgetype"), Some("undirected"));

    let mut declared: BTreeMap<(String, String), String> = BTreeMap::new();
    for attrs in graph
        .children()
        .filter(|n| n.has_tag_name((GEXF_NS, "attributes")))
    {
        let class = attrs.attribute("class").unwrap();
        for a in attrs.children().filter(|n| n.is_element()) {
            declared.insert(
                (class.to_string(), a.attribute("id").unwrap().to_string()),
                a.attribute("type").unwrap().to_string(),
            );
        }
    }
    let check_attvalues = |element: roxmltree::Node<'_, '_>, class: &str| {
        for v in element
            .descendants()
            .filter(|n| n.has_tag_name((GEXF_NS, "attvalue")))
        {
            let id = v.attribute("for").unwrap();
            let ty = declared
                .get(&(class.to_string(), id.to_string()))
                .unwrap_or_else(|| panic!("attvalue for {id} on a {class} is not declared"));
            typed(ty, v.attribute("value").unwrap());
        }
    };

    let nodes: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name((GEXF_NS, "node")))
        .collect();
    let edges: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name((GEXF_NS, "edge")))
        .collect();
    assert_eq!(nodes.len(), rows.nodes.len());
    assert_eq!(edges.len(), rows.edges.len());
    let mut colours = BTreeSet::new();
    for ((element, node), [x, y]) in nodes.iter().zip(&rows.nodes).zip(&layout) {
        assert_eq!(element.attribute("id"), Some(node.account_id.as_str()));
        check_attvalues(*element, "node");
        let position = element
            .children()
            .find(|n| n.has_tag_name((VIZ_NS, "position")))
            .expect("a viz:position");
        let read = |name: &str| position.attribute(name).unwrap().parse::<f64>().unwrap();
        assert_eq!((read("x"), read("y")), (f64::from(*x), f64::from(*y)));
        let colour = element
            .children()
            .find(|n| n.has_tag_name((VIZ_NS, "color")))
            .expect("a viz:color");
        let rgb = ["r", "g", "b"].map(|c| colour.attribute(c).unwrap().parse::<u8>().unwrap());
        colours.insert((node.cluster.as_ref().unwrap().suspected, rgb));
    }
    // Suspected and cleared clusters are told apart, each by one colour.
    assert_eq!(colours.len(), 2, "{colours:?}");
    for (element, edge) in edges.iter().zip(&rows.edges) {
        check_attvalues(*element, "edge");
        let weight: f64 = element.attribute("weight").unwrap().parse().unwrap();
        assert_eq!(weight, edge.weight);
        let (ends, _) = expected_edge(&rows, edge);
        assert_eq!(element.attribute("source"), Some(ends.0.as_str()));
        assert_eq!(element.attribute("target"), Some(ends.1.as_str()));
    }
}

/// The ids of the two largest clusters with links inside.
fn two_clusters(case: &Case) -> Vec<String> {
    let mut clusters = case.stored_clusters().unwrap().unwrap();
    clusters.sort_by_key(|c| (std::cmp::Reverse(c.members.len()), c.id.clone()));
    clusters.into_iter().take(2).map(|c| c.id).collect()
}

#[test]
fn a_cluster_subset_holds_exactly_their_members_and_only_the_edges_among_them() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo_copy(tmp.path());
    let chosen = two_clusters(&case);
    let rows = case.graph_rows(Some(&chosen)).unwrap();

    let mut members: Vec<String> = chosen
        .iter()
        .flat_map(|c| case.cluster_account_ids(c).unwrap())
        .collect();
    let node_ids: Vec<String> = rows.nodes.iter().map(|n| n.account_id.clone()).collect();
    let mut sorted = node_ids.clone();
    sorted.sort();
    members.sort();
    assert_eq!(sorted, members);
    assert!(
        rows.nodes
            .iter()
            .all(|n| chosen.contains(&n.cluster.as_ref().unwrap().id))
    );

    // The same edges as the whole graph's whose both ends are members.
    let all = case.graph_rows(None).unwrap();
    let members: HashSet<&str> = members.iter().map(String::as_str).collect();
    let among: Vec<_> = all
        .edges
        .iter()
        .map(|e| expected_edge(&all, e))
        .filter(|((a, b), _)| members.contains(a.as_str()) && members.contains(b.as_str()))
        .collect();
    let subset: Vec<_> = rows.edges.iter().map(|e| expected_edge(&rows, e)).collect();
    assert!(!subset.is_empty());
    assert!(subset.len() < all.edges.len());
    assert_eq!(subset, among);
    let used: BTreeSet<&str> = rows
        .edges
        .iter()
        .flat_map(|e| &e.evidence)
        .map(|e| rows.kind_name(e))
        .collect();
    assert_eq!(used.into_iter().collect::<Vec<_>>(), rows.evidence_kinds);

    let path = tmp.path().join("two.graphml");
    write_graph_file(&path, &rows).unwrap();
    assert_graphml_holds(&std::fs::read_to_string(&path).unwrap(), &rows);
}

#[test]
fn a_tag_label_with_markup_characters_survives_both_formats() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo_copy(tmp.path());
    let chosen = two_clusters(&case);
    let label = r#"<Lab & "Co"> it's"#;
    let who = Who::named("alice", Origin::Cli);
    let patch = TagPatch {
        label: Some(label.into()),
        status: Some(TagStatus::Confirmed),
        confidence: Some(0.75),
        ..Default::default()
    };
    case.tag_clusters(&who, &chosen[..1], &patch, None).unwrap();
    let rows = case.graph_rows(None).unwrap();
    let tagged: Vec<&GraphNode> = rows.nodes.iter().filter(|n| n.tag.is_some()).collect();
    assert_eq!(
        tagged.len(),
        case.cluster_account_ids(&chosen[0]).unwrap().len()
    );
    for node in &tagged {
        let tag = node.tag.as_ref().unwrap();
        assert_eq!(tag.label, label);
        assert_eq!(tag.status, TagStatus::Confirmed);
        assert_eq!(node.cluster.as_ref().unwrap().id, chosen[0]);
    }

    let graphml = graphml_text(&rows);
    assert!(graphml.contains("&lt;Lab &amp; &quot;Co&quot;&gt; it&apos;s"));
    assert_graphml_holds(&graphml, &rows);

    let gexf = gexf_text(&rows);
    let doc = roxmltree::Document::parse(&gexf).unwrap();
    let labels: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name((GEXF_NS, "attvalue")))
        .filter(|n| n.attribute("for") == Some("tag_label"))
        .map(|n| n.attribute("value").unwrap())
        .collect();
    assert_eq!(labels.len(), tagged.len());
    assert!(labels.iter().all(|l| *l == label));
    // Confirmed campaigns are coloured alike, apart from untagged clusters.
    let colour_of = |id: &str| {
        let node = doc
            .descendants()
            .find(|n| n.has_tag_name((GEXF_NS, "node")) && n.attribute("id") == Some(id))
            .unwrap();
        let c = node
            .children()
            .find(|n| n.has_tag_name((VIZ_NS, "color")))
            .unwrap();
        ["r", "g", "b"].map(|k| c.attribute(k).unwrap().to_string())
    };
    let confirmed = colour_of(&tagged[0].account_id);
    assert!(tagged.iter().all(|n| colour_of(&n.account_id) == confirmed));
    let untagged = rows.nodes.iter().find(|n| n.tag.is_none()).unwrap();
    assert_ne!(colour_of(&untagged.account_id), confirmed);
}

#[test]
fn an_account_shows_the_newest_tag_covering_it_cluster_or_hand_picked() {
    let tmp = tempfile::tempdir().unwrap();
    let case = demo_copy(tmp.path());
    let chosen = two_clusters(&case);
    let who = Who::named("alice", Origin::Cli);
    let patch = |label: &str| TagPatch {
        label: Some(label.into()),
        ..Default::default()
    };
    let members = case
        .stored_clusters()
        .unwrap()
        .unwrap()
        .into_iter()
        .find(|c| c.id == chosen[0])
        .unwrap()
        .members;
    // A hand-picked tag on one member, then a newer tag on its cluster, then
    // a still newer hand-picked tag on another member.
    case.tag_accounts(&who, &members[..1], &patch("older, by hand"))
        .unwrap();
    case.tag_clusters(&who, &chosen[..1], &patch("on the cluster"), None)
        .unwrap();
    case.tag_accounts(&who, &members[1..2], &patch("newest, by hand"))
        .unwrap();
    let rows = case.graph_rows(Some(&chosen[..1])).unwrap();
    let label_of = |i: usize| rows.nodes[i].tag.as_ref().map(|t| t.label.as_str());
    let position = |account: u32| {
        let ids = case.workbench_accounts().unwrap();
        let id = &ids[account as usize].account_id;
        rows.nodes.iter().position(|n| &n.account_id == id).unwrap()
    };
    assert_eq!(label_of(position(members[0])), Some("on the cluster"));
    assert_eq!(label_of(position(members[1])), Some("newest, by hand"));
    if let Some(&third) = members.get(2) {
        assert_eq!(label_of(position(third)), Some("on the cluster"));
    }
    let ids: Vec<i64> = rows
        .nodes
        .iter()
        .filter_map(|n| n.tag.as_ref())
        .map(|t| t.id)
        .collect();
    assert_eq!(ids.len(), members.len());
}

#[test]
fn an_unknown_cluster_id_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("demo.hcase");
    std::fs::copy(demo_case(), &path).unwrap();
    // Exporting only reads: a read-only case will do.
    let case = Case::open_read_only(&path).unwrap();
    assert!(!case.graph_rows(None).unwrap().edges.is_empty());
    let mut asked = two_clusters(&case);
    asked.push("c99999".to_string());
    match case.graph_rows(Some(&asked)) {
        Err(CaseError::Invalid(message)) => {
            assert_eq!(message, "no cluster c99999 in this case");
        }
        other => panic!("expected an invalid-cluster error, got {other:?}"),
    }
    assert!(matches!(
        case.graph_rows(Some(&[])),
        Err(CaseError::Invalid(_))
    ));
}

#[test]
fn a_case_not_yet_analysed_exports_every_account_without_clusters_or_edges() {
    let tmp = tempfile::tempdir().unwrap();
    let path = common::generated_case(tmp.path(), Scenario::Tiny, 3);
    let case = Case::open(&path).unwrap();
    let rows = case.graph_rows(None).unwrap();
    assert_eq!(rows.nodes.len(), case.workbench_accounts().unwrap().len());
    assert!(!rows.nodes.is_empty());
    assert!(
        rows.nodes
            .iter()
            .all(|n| n.cluster.is_none() && n.tag.is_none())
    );
    assert!(rows.edges.is_empty() && rows.evidence_kinds.is_empty());
    assert!(rows.nodes.iter().any(|n| n.exchanges > 0));
    assert!(rows.nodes.iter().all(|n| n.created.ends_with('Z')));
    assert_graphml_holds(&graphml_text(&rows), &rows);
    let gexf = gexf_text(&rows);
    let doc = roxmltree::Document::parse(&gexf).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name((GEXF_NS, "node")))
            .count(),
        rows.nodes.len()
    );
    assert!(matches!(
        case.graph_rows(Some(&["c1".to_string()])),
        Err(CaseError::Invalid(m)) if m.contains("c1")
    ));
}

/// A hand-made graph whose text holds every character XML makes hard.
fn awkward_rows() -> GraphRows {
    let node = |id: &str| GraphNode {
        account_id: id.to_string(),
        created: "2026-01-02T03:04:05.006Z".to_string(),
        billing_country: Some("A\u{1}B\u{1f}C\u{b}\u{c}\u{fffe}".to_string()),
        access_path: Some("line\nbreak\ttab\r".to_string()),
        verification: None,
        exchanges: 3,
        cluster: Some(NodeCluster {
            id: "c<1>".to_string(),
            score: f64::INFINITY,
            suspected: true,
            edited: false,
        }),
        tag: Some(NodeTag {
            id: 7,
            label: "\u{0}'&'".to_string(),
            status: TagStatus::Dismissed,
            confidence: 0.1,
        }),
        position: Some([0.1, -2.5e-7]),
    };
    GraphRows {
        nodes: vec![node("a&\"1\""), node("b<2>")],
        edges: vec![GraphEdge {
            source: 0,
            target: 1,
            weight: 0.30000000000000004,
            evidence: vec![hydrascope::case::graph_rows::EdgeEvidence { kind: 0, shared: 2 }],
        }],
        evidence_kinds: vec!["odd \"kind\" & <co>".to_string()],
    }
}

#[test]
fn characters_xml_forbids_are_replaced_and_the_rest_round_trip_exactly() {
    let rows = awkward_rows();
    for text in [graphml_text(&rows), gexf_text(&rows)] {
        let doc = roxmltree::Document::parse(&text).expect("well-formed despite controls");
        let values = all_values(&doc);
        assert!(values.contains("A\u{fffd}B\u{fffd}C\u{fffd}\u{fffd}\u{fffd}"));
        assert!(values.contains("line\nbreak\ttab\r"), "whitespace kept");
        assert!(values.contains("\u{fffd}'&'"));
        assert!(values.contains("a&\"1\"") && values.contains("b<2>"));
        assert!(values.contains("c<1>"));
        assert!(values.contains("odd \"kind\" & <co>"));
        // The infinite score cannot be written, so it is left out.
        assert!(!text.contains("inf"));
    }
    let reloaded = reload_graphml(&graphml_text(&rows));
    let (ends, values) = &reloaded.edges[0];
    assert_eq!(ends, &("a&\"1\"".to_string(), "b<2>".to_string()));
    assert_eq!(values.get("weight"), Some(&Typed::Num(0.30000000000000004)));
    assert_eq!(
        values.get("shared_odd \"kind\" & <co>"),
        Some(&Typed::Int(2))
    );
    assert_eq!(reloaded.nodes[0].1.get("y"), Some(&Typed::Num(-2.5e-7)));
    assert_eq!(reloaded.nodes[0].1.get("cluster_score"), None);
}

#[test]
fn graph_files_are_named_by_extension_and_written_whole_or_not_at_all() {
    assert_eq!(
        GraphFormat::from_path(Path::new("g.graphml")),
        Some(GraphFormat::GraphMl)
    );
    assert_eq!(
        GraphFormat::from_path(Path::new("dir/G.GEXF")),
        Some(GraphFormat::Gexf)
    );
    assert_eq!(GraphFormat::from_path(Path::new("g.xml")), None);
    assert_eq!(GraphFormat::from_path(Path::new("graphml")), None);

    let tmp = tempfile::tempdir().unwrap();
    let rows = awkward_rows();
    let path = tmp.path().join("g.graphml");
    write_graph_file(&path, &rows).unwrap();
    let reloaded = reload_graphml(&std::fs::read_to_string(&path).unwrap());
    assert_eq!((reloaded.nodes.len(), reloaded.edges.len()), (2, 1));
    let names = common::files_containing(tmp.path(), "");
    assert_eq!(names, vec!["g.graphml".to_string()]);

    let err = write_graph_file(&tmp.path().join("g.txt"), &rows).unwrap_err();
    assert!(err.to_string().contains(".graphml or .gexf"), "{err}");
    // An edge naming a node that is not there fails the write, which leaves
    // the earlier file as it was and nothing partial beside it.
    let before = std::fs::read(&path).unwrap();
    let mut broken = rows.clone();
    broken.edges[0].target = 9;
    let err = write_graph_file(&path, &broken).unwrap_err();
    assert!(err.to_string().contains("g.graphml"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(
        common::files_containing(tmp.path(), ""),
        vec!["g.graphml".to_string()]
    );
    let missing = tmp.path().join("no such dir").join("g.gexf");
    assert!(write_graph_file(&missing, &rows).is_err());
}

/// Times `graph_rows` and both writers on a made-up case of 50K accounts
/// and 500K links with three evidence kinds each:
/// `cargo test --release --test graph_file -- --ignored --nocapture`.
#[test]
#[ignore = "a benchmark, run by hand"]
fn graph_files_of_50k_accounts_and_500k_links_are_written_in_seconds() {
    use std::time::Instant;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("scale.hcase");
    let conn = Case::create_empty_at_version(&path, hydrascope::case::SCHEMA_VERSION).unwrap();
    conn.execute_batch(
        "BEGIN;
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000)
         INSERT INTO accounts (id, account_id, created_ms, billing_country, access_path, verification)
             SELECT i, printf('acct_%012d', i), 1767225600000 + i * 60000, 'US', 'direct', 'email' FROM n;
         INSERT INTO account_summary
             SELECT id, id % 500, 0, 0, NULL, NULL, 0, 0, 0, 0, 0, NULL, NULL FROM accounts;
         INSERT INTO analysis_runs VALUES (1, '2026-01-01T00:00:00.000Z', '{}', '{}');
         INSERT INTO clusters
             SELECT printf('c%d', id / 10), 1, 10, 0, 0.5, (id / 10) % 2, 0, 0, 0, 0, 0, 0, '[]', 0
             FROM accounts WHERE id % 10 = 0;
         INSERT INTO cluster_members SELECT id, printf('c%d', max(id, 10) / 10) FROM accounts;
         WITH RECURSIVE d(k) AS (SELECT 1 UNION ALL SELECT k + 1 FROM d WHERE k < 10)
         INSERT INTO links SELECT a.id, a.id + d.k, 1.0 / d.k FROM accounts a, d
             WHERE a.id + d.k <= 50000;
         INSERT INTO link_evidence SELECT a, b, 'card', 1, 0.5, 'tok_0123456789' FROM links;
         INSERT INTO link_evidence SELECT a, b, 'request_ip', 3, 0.3, '203.0.113.7' FROM links;
         INSERT INTO link_evidence SELECT a, b, 'synchrony', 412, 0.2, '412 shared minutes' FROM links;
         INSERT INTO layout SELECT id, id * 0.5, -id * 0.25 FROM accounts;
         COMMIT;",
    )
    .unwrap();
    drop(conn);
    let case = Case::open(&path).unwrap();
    let started = Instant::now();
    let rows = case.graph_rows(None).unwrap();
    let read = started.elapsed();
    assert_eq!(rows.nodes.len(), 50_000);
    assert!(rows.edges.len() > 499_000, "{}", rows.edges.len());
    assert!(
        rows.nodes
            .iter()
            .all(|n| n.position.is_some() && n.cluster.is_some())
    );
    let started = Instant::now();
    write_graph_file(&tmp.path().join("scale.graphml"), &rows).unwrap();
    let graphml = started.elapsed();
    let started = Instant::now();
    write_graph_file(&tmp.path().join("scale.gexf"), &rows).unwrap();
    let gexf = started.elapsed();
    let chosen: Vec<String> = (1..=500).map(|c| format!("c{c}")).collect();
    let started = Instant::now();
    let subset = case.graph_rows(Some(&chosen)).unwrap();
    let subset_read = started.elapsed();
    let size = |name: &str| std::fs::metadata(tmp.path().join(name)).unwrap().len() >> 20;
    println!(
        "graph_rows {read:.2?} ({} nodes, {} edges); GraphML {graphml:.2?} ({} MiB); \
         GEXF {gexf:.2?} ({} MiB); 500 clusters {subset_read:.2?} ({} nodes, {} edges)",
        rows.nodes.len(),
        rows.edges.len(),
        size("scale.graphml"),
        size("scale.gexf"),
        subset.nodes.len(),
        subset.edges.len(),
    );
}
