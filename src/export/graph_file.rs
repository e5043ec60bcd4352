//! GraphML and GEXF writers for the relationship graph (Gephi, Cytoscape).
//!
//! Both formats carry the same attributes ([`NODE_ATTRIBUTES`], the edge
//! weight, the evidence kinds and one shared count per kind), documented in
//! `docs/sharing.md`. The writers stream: one pass over the nodes and one
//! over the edges, through a buffer, with nothing held per element.

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::base::text::write_xml_escaped as write_escaped;
use crate::case::casework::TagStatus;
use crate::case::graph_rows::{GraphEdge, GraphNode, GraphRows};
use crate::case::{Case, CaseError};

/// A graph-file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GraphFormat {
    /// GraphML (`.graphml`): Gephi, Cytoscape, yEd, NetworkX.
    GraphMl,
    /// GEXF 1.3 (`.gexf`): Gephi, with positions and colours.
    Gexf,
}

impl GraphFormat {
    /// The format a file name asks for by its extension (`.graphml` or
    /// `.gexf`, in any case); `None` for anything else.
    pub fn from_path(path: &Path) -> Option<GraphFormat> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("graphml") {
            Some(GraphFormat::GraphMl)
        } else if ext.eq_ignore_ascii_case("gexf") {
            Some(GraphFormat::Gexf)
        } else {
            None
        }
    }

    /// Writes `rows` in this format.
    pub fn write(self, out: &mut impl Write, rows: &GraphRows) -> io::Result<()> {
        match self {
            GraphFormat::GraphMl => write_graphml(out, rows),
            GraphFormat::Gexf => write_gexf(out, rows),
        }
    }
}

/// Why a case's graph file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum GraphFileError {
    /// The case could not be read.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// The file could not be written.
    #[error("{path}: {source}")]
    Write {
        /// The graph file.
        path: PathBuf,
        /// What went wrong (it names the file too).
        source: io::Error,
    },
}

/// What [`write_case_graph`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GraphFileReport {
    /// The format, from the file name.
    pub format: GraphFormat,
    /// Accounts written.
    pub accounts: usize,
    /// Links written.
    pub links: usize,
}

/// Writes the graph of the case at `case` (of `clusters`, or all) to `out`
/// in the format its extension names: what `hydrascope export` and the
/// workbench's *Share → Graph file…* both do.
pub fn write_case_graph(
    case: &Path,
    clusters: Option<&[String]>,
    out: &Path,
) -> Result<GraphFileReport, GraphFileError> {
    let source = Case::open_read_only(case)?;
    let rows = source.graph_rows(clusters)?;
    drop(source);
    let format = write_graph_file(out, &rows).map_err(|source| GraphFileError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(GraphFileReport {
        format,
        accounts: rows.nodes.len(),
        links: rows.edges.len(),
    })
}

/// Writes `rows` to `path` in the format its extension names. The file is
/// written as `PATH.partial`, synced and renamed into place, so a failed
/// write leaves neither a partial file nor a changed old one. Returns the
/// format written.
pub fn write_graph_file(path: &Path, rows: &GraphRows) -> Result<GraphFormat, io::Error> {
    let with_path =
        |err: io::Error| io::Error::new(err.kind(), format!("{}: {err}", path.display()));
    let format = GraphFormat::from_path(path).ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{}: not a graph file name; end it in .graphml or .gexf",
                path.display()
            ),
        )
    })?;
    crate::base::paths::write_whole(path, |file| format.write(file, rows)).map_err(with_path)?;
    Ok(format)
}

/// The type of an attribute, as both formats name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttributeType {
    /// Text.
    String,
    /// A 64-bit float.
    Double,
    /// A 32-bit integer.
    Int,
    /// A 64-bit integer.
    Long,
    /// `true` or `false`.
    Boolean,
}

impl AttributeType {
    /// The GraphML `attr.type`.
    pub fn graphml_name(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Double => "double",
            AttributeType::Int => "int",
            AttributeType::Long => "long",
            AttributeType::Boolean => "boolean",
        }
    }

    /// The GEXF `type`.
    pub fn gexf_name(self) -> &'static str {
        match self {
            AttributeType::String => "string",
            AttributeType::Double => "double",
            AttributeType::Int => "integer",
            AttributeType::Long => "long",
            AttributeType::Boolean => "boolean",
        }
    }
}

/// The node attributes of both formats, in file order. GraphML adds `x`
/// and `y` ([`POSITION_ATTRIBUTES`]); GEXF carries them as `viz:position`.
pub const NODE_ATTRIBUTES: [(&str, AttributeType); 14] = [
    ("account_id", AttributeType::String),
    ("created", AttributeType::String),
    ("billing_country", AttributeType::String),
    ("access_path", AttributeType::String),
    ("verification", AttributeType::String),
    ("exchanges", AttributeType::Long),
    ("cluster", AttributeType::String),
    ("cluster_score", AttributeType::Double),
    ("suspected", AttributeType::Boolean),
    ("cluster_edited", AttributeType::Boolean),
    ("tag_id", AttributeType::Long),
    ("tag_label", AttributeType::String),
    ("tag_status", AttributeType::String),
    ("tag_confidence", AttributeType::Double),
];

/// The layout position, as GraphML node attributes.
pub const POSITION_ATTRIBUTES: [(&str, AttributeType); 2] =
    [("x", AttributeType::Double), ("y", AttributeType::Double)];

/// The edge's weight (a GraphML attribute; GEXF's own `weight`).
pub const WEIGHT_ATTRIBUTE: (&str, AttributeType) = ("weight", AttributeType::Double);

/// The evidence kinds on an edge, sorted and comma-joined.
pub const EVIDENCE_ATTRIBUTE: (&str, AttributeType) = ("evidence", AttributeType::String);

/// Prefix of the per-kind shared-count edge attributes (`shared_card`, …),
/// one per kind in [`GraphRows::evidence_kinds`], type int.
pub const SHARED_PREFIX: &str = "shared_";

/// One attribute value.
#[derive(Clone, Copy)]
enum Value<'a> {
    Str(&'a str),
    F64(f64),
    I64(i64),
    Bool(bool),
}

/// The values of [`NODE_ATTRIBUTES`] for `node`; `None` where absent.
fn node_values(node: &GraphNode) -> [Option<Value<'_>>; 14] {
    let cluster = node.cluster.as_ref();
    let tag = node.tag.as_ref();
    [
        Some(Value::Str(&node.account_id)),
        Some(Value::Str(&node.created)),
        node.billing_country.as_deref().map(Value::Str),
        node.access_path.as_deref().map(Value::Str),
        node.verification.as_deref().map(Value::Str),
        Some(Value::I64(node.exchanges)),
        cluster.map(|c| Value::Str(&c.id)),
        cluster.map(|c| Value::F64(c.score)),
        cluster.map(|c| Value::Bool(c.suspected)),
        cluster.map(|c| Value::Bool(c.edited)),
        tag.map(|t| Value::I64(t.id)),
        tag.map(|t| Value::Str(&t.label)),
        tag.map(|t| Value::Str(t.status.name())),
        tag.map(|t| Value::F64(t.confidence)),
    ]
}

/// The longest text attribute or label written (bytes); node ids are
/// written whole (edges name them).
pub const MAX_ATTRIBUTE_TEXT: usize = 4096;

/// Writes a value as attribute or element text. Callers leave out values
/// that are not [`is_writable`].
fn write_value(out: &mut impl Write, value: Value<'_>) -> io::Result<()> {
    match value {
        // A text attribute is cut at [`MAX_ATTRIBUTE_TEXT`] bytes (marked):
        // one tag label of megabytes, repeated on every node of its
        // cluster, would otherwise make a file of gigabytes.
        Value::Str(text) => write_escaped(
            out,
            &crate::base::text::truncate_for_display(text, MAX_ATTRIBUTE_TEXT),
        ),
        // `{}` of an f64 is the shortest text that reads back to the same
        // number, and never uses an exponent.
        Value::F64(x) => write!(out, "{x}"),
        Value::I64(n) => write!(out, "{n}"),
        Value::Bool(b) => out.write_all(if b { b"true" } else { b"false" }),
    }
}

/// Whether either format can hold `value`: a float that is not finite
/// (`inf` in Rust's spelling) is not a valid XML Schema double.
fn is_writable(value: Value<'_>) -> bool {
    !matches!(value, Value::F64(x) if !x.is_finite())
}

/// The two ends of `edge`, or an error for an index outside the nodes.
fn ends<'a>(rows: &'a GraphRows, edge: &GraphEdge) -> io::Result<(&'a str, &'a str)> {
    let end = |i: u32| {
        rows.nodes
            .get(i as usize)
            .map(|n| n.account_id.as_str())
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "an edge names node {i}, but the graph has {}",
                        rows.nodes.len()
                    ),
                )
            })
    };
    Ok((end(edge.source)?, end(edge.target)?))
}

/// Writes the evidence kinds of `edge`, comma-joined.
fn write_evidence(out: &mut impl Write, rows: &GraphRows, edge: &GraphEdge) -> io::Result<()> {
    for (i, e) in edge.evidence.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_escaped(out, rows.kind_name(e))?;
    }
    Ok(())
}

const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// Writes `rows` as GraphML: every attribute declared as a `<key>` with its
/// type before the graph, an undirected graph whose node ids are the
/// account ids. Absent values are left out.
pub fn write_graphml(out: &mut impl Write, rows: &GraphRows) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let out = &mut out;
    out.write_all(XML_DECLARATION.as_bytes())?;
    out.write_all(
        b"<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\" \
          xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
          xsi:schemaLocation=\"http://graphml.graphdrawing.org/xmlns \
          http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd\">\n",
    )?;
    out.write_all(
        b"  <!-- Hydrascope relationship graph. Organisation names, e-mail domains, \
          payment fingerprints and sign-up addresses are left out. -->\n",
    )?;
    for (name, ty) in NODE_ATTRIBUTES.iter().chain(&POSITION_ATTRIBUTES) {
        graphml_key(out, "node", name, "", *ty)?;
    }
    for (name, ty) in [WEIGHT_ATTRIBUTE, EVIDENCE_ATTRIBUTE] {
        graphml_key(out, "edge", name, "", ty)?;
    }
    for kind in &rows.evidence_kinds {
        graphml_key(out, "edge", SHARED_PREFIX, kind, AttributeType::Int)?;
    }
    out.write_all(b"  <graph id=\"hydrascope\" edgedefault=\"undirected\">\n")?;
    for node in &rows.nodes {
        out.write_all(b"    <node id=\"")?;
        write_escaped(out, &node.account_id)?;
        out.write_all(b"\">")?;
        let [x, y] = node.position.map_or([None, None], |[x, y]| {
            [Some(Value::F64(x)), Some(Value::F64(y))]
        });
        let values = node_values(node).into_iter().chain([x, y]);
        let names = NODE_ATTRIBUTES.iter().chain(&POSITION_ATTRIBUTES);
        for ((name, _), value) in names.zip(values) {
            if let Some(value) = value.filter(|v| is_writable(*v)) {
                out.write_all(b"<data key=\"")?;
                out.write_all(name.as_bytes())?;
                out.write_all(b"\">")?;
                write_value(out, value)?;
                out.write_all(b"</data>")?;
            }
        }
        out.write_all(b"</node>\n")?;
    }
    for (i, edge) in rows.edges.iter().enumerate() {
        let (source, target) = ends(rows, edge)?;
        write!(out, "    <edge id=\"e{i}\" source=\"")?;
        write_escaped(out, source)?;
        out.write_all(b"\" target=\"")?;
        write_escaped(out, target)?;
        out.write_all(b"\">")?;
        if is_writable(Value::F64(edge.weight)) {
            out.write_all(b"<data key=\"weight\">")?;
            write_value(out, Value::F64(edge.weight))?;
            out.write_all(b"</data>")?;
        }
        if !edge.evidence.is_empty() {
            out.write_all(b"<data key=\"evidence\">")?;
            write_evidence(out, rows, edge)?;
            out.write_all(b"</data>")?;
            for e in &edge.evidence {
                out.write_all(b"<data key=\"")?;
                out.write_all(SHARED_PREFIX.as_bytes())?;
                write_escaped(out, rows.kind_name(e))?;
                write!(out, "\">{}</data>", e.shared)?;
            }
        }
        out.write_all(b"</edge>\n")?;
    }
    out.write_all(b"  </graph>\n</graphml>\n")?;
    out.flush()
}

/// One GraphML `<key>`, whose id and name are `prefix` + `name`.
fn graphml_key(
    out: &mut impl Write,
    domain: &str,
    prefix: &str,
    name: &str,
    ty: AttributeType,
) -> io::Result<()> {
    out.write_all(b"  <key id=\"")?;
    write_escaped(out, prefix)?;
    write_escaped(out, name)?;
    write!(out, "\" for=\"{domain}\" attr.name=\"")?;
    write_escaped(out, prefix)?;
    write_escaped(out, name)?;
    writeln!(out, "\" attr.type=\"{}\"/>", ty.graphml_name())
}

/// An RGB colour.
type Rgb = (u8, u8, u8);

/// The colours of the workbench's palette (`ui/palette.rs`), so a graph
/// opened in Gephi looks like it does in Hydrascope.
const TAG_CONFIRMED: Rgb = (255, 72, 72);
const TAG_OPEN: Rgb = (255, 196, 40);
const TAG_DISMISSED: Rgb = (150, 160, 175);
const SUSPECTED: Rgb = (228, 86, 64);
const CLEARED: Rgb = (96, 150, 200);
const LONE: Rgb = (120, 126, 138);

/// A node's colour: by its tag's status when tagged, else by whether its
/// cluster is suspected, else grey.
fn node_color(node: &GraphNode) -> Rgb {
    match (&node.tag, &node.cluster) {
        (Some(tag), _) => match tag.status {
            TagStatus::Confirmed => TAG_CONFIRMED,
            TagStatus::Open => TAG_OPEN,
            TagStatus::Dismissed => TAG_DISMISSED,
        },
        (None, Some(cluster)) if cluster.suspected => SUSPECTED,
        (None, Some(_)) => CLEARED,
        (None, None) => LONE,
    }
}

/// Writes `rows` as GEXF 1.3: attributes declared by class, node ids and
/// labels are the account ids, each node coloured (`viz:color`) by its
/// tag's status, else by whether its cluster is suspected, and placed
/// (`viz:position`) when the case has a layout; edges are undirected, with
/// their weight.
pub fn write_gexf(out: &mut impl Write, rows: &GraphRows) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let out = &mut out;
    out.write_all(XML_DECLARATION.as_bytes())?;
    out.write_all(
        b"<gexf xmlns=\"http://gexf.net/1.3\" xmlns:viz=\"http://gexf.net/1.3/viz\" \
          xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
          xsi:schemaLocation=\"http://gexf.net/1.3 http://gexf.net/1.3/gexf.xsd\" \
          version=\"1.3\">\n",
    )?;
    out.write_all(
        b"  <meta>\n    <creator>Hydrascope</creator>\n    <description>Relationship graph. \
          Organisation names, e-mail domains, payment fingerprints and sign-up addresses \
          are left out.</description>\n  </meta>\n",
    )?;
    out.write_all(b"  <graph defaultedgetype=\"undirected\" mode=\"static\">\n")?;
    out.write_all(b"    <attributes class=\"node\" mode=\"static\">\n")?;
    for (name, ty) in NODE_ATTRIBUTES {
        gexf_attribute(out, "", name, ty)?;
    }
    out.write_all(b"    </attributes>\n    <attributes class=\"edge\" mode=\"static\">\n")?;
    gexf_attribute(out, "", EVIDENCE_ATTRIBUTE.0, EVIDENCE_ATTRIBUTE.1)?;
    for kind in &rows.evidence_kinds {
        gexf_attribute(out, SHARED_PREFIX, kind, AttributeType::Int)?;
    }
    out.write_all(b"    </attributes>\n    <nodes>\n")?;
    for node in &rows.nodes {
        out.write_all(b"      <node id=\"")?;
        write_escaped(out, &node.account_id)?;
        out.write_all(b"\" label=\"")?;
        write_escaped(
            out,
            &crate::base::text::truncate_for_display(&node.account_id, MAX_ATTRIBUTE_TEXT),
        )?;
        out.write_all(b"\"><attvalues>")?;
        for ((name, _), value) in NODE_ATTRIBUTES.iter().zip(node_values(node)) {
            if let Some(value) = value.filter(|v| is_writable(*v)) {
                out.write_all(b"<attvalue for=\"")?;
                out.write_all(name.as_bytes())?;
                out.write_all(b"\" value=\"")?;
                write_value(out, value)?;
                out.write_all(b"\"/>")?;
            }
        }
        out.write_all(b"</attvalues>")?;
        let (r, g, b) = node_color(node);
        write!(out, "<viz:color r=\"{r}\" g=\"{g}\" b=\"{b}\"/>")?;
        if let Some([x, y]) = node.position.filter(|p| p.iter().all(|v| v.is_finite())) {
            out.write_all(b"<viz:position x=\"")?;
            write_value(out, Value::F64(x))?;
            out.write_all(b"\" y=\"")?;
            write_value(out, Value::F64(y))?;
            out.write_all(b"\" z=\"0\"/>")?;
        }
        out.write_all(b"</node>\n")?;
    }
    out.write_all(b"    </nodes>\n    <edges>\n")?;
    for (i, edge) in rows.edges.iter().enumerate() {
        let (source, target) = ends(rows, edge)?;
        write!(out, "      <edge id=\"{i}\" source=\"")?;
        write_escaped(out, source)?;
        out.write_all(b"\" target=\"")?;
        write_escaped(out, target)?;
        out.write_all(b"\"")?;
        if is_writable(Value::F64(edge.weight)) {
            out.write_all(b" weight=\"")?;
            write_value(out, Value::F64(edge.weight))?;
            out.write_all(b"\"")?;
        }
        if edge.evidence.is_empty() {
            out.write_all(b"/>\n")?;
            continue;
        }
        out.write_all(b"><attvalues><attvalue for=\"evidence\" value=\"")?;
        write_evidence(out, rows, edge)?;
        out.write_all(b"\"/>")?;
        for e in &edge.evidence {
            out.write_all(b"<attvalue for=\"")?;
            out.write_all(SHARED_PREFIX.as_bytes())?;
            write_escaped(out, rows.kind_name(e))?;
            write!(out, "\" value=\"{}\"/>", e.shared)?;
        }
        out.write_all(b"</attvalues></edge>\n")?;
    }
    out.write_all(b"    </edges>\n  </graph>\n</gexf>\n")?;
    out.flush()
}

/// One GEXF `<attribute>`, whose id and title are `prefix` + `name`.
fn gexf_attribute(
    out: &mut impl Write,
    prefix: &str,
    name: &str,
    ty: AttributeType,
) -> io::Result<()> {
    out.write_all(b"      <attribute id=\"")?;
    write_escaped(out, prefix)?;
    write_escaped(out, name)?;
    out.write_all(b"\" title=\"")?;
    write_escaped(out, prefix)?;
    write_escaped(out, name)?;
    writeln!(out, "\" type=\"{}\"/>", ty.gexf_name())
}
