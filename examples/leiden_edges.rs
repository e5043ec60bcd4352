//! Times Hydrascope's Leiden on an edge list, for the comparison with
//! python-igraph in `benches/analysis.sh`.
//!
//! Usage: leiden_edges EDGES.tsv NODES MEMBERSHIP_OUT [RESOLUTION]
//! EDGES.tsv has one `a<TAB>b<TAB>weight` line per undirected edge (0-based).

use std::io::{BufRead, Write};
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: leiden_edges EDGES.tsv NODES MEMBERSHIP_OUT [RESOLUTION]");
        std::process::exit(2);
    }
    let nodes: usize = args[2].parse()?;
    let resolution: f64 = args.get(4).map_or(Ok(1.0), |r| r.parse())?;
    let mut edges = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(&args[1])?).lines() {
        let line = line?;
        let mut cells = line.split('\t');
        let (Some(a), Some(b), Some(w)) = (cells.next(), cells.next(), cells.next()) else {
            continue;
        };
        edges.push((a.parse::<u32>()?, b.parse::<u32>()?, w.parse::<f64>()?));
    }
    let started = Instant::now();
    let membership = hydrascope::analysis::leiden::leiden(nodes, &edges, resolution, 1, 2);
    let secs = started.elapsed().as_secs_f64();
    let q = hydrascope::analysis::leiden::modularity(nodes, &edges, &membership, resolution);
    let communities = membership
        .iter()
        .map(|&c| c as usize + 1)
        .max()
        .unwrap_or(0);
    println!(
        "hydrascope leiden: {} nodes, {} edges, {secs:.3} s, {communities} communities, modularity {q:.4}",
        nodes,
        edges.len()
    );
    let mut out = std::io::BufWriter::new(std::fs::File::create(&args[3])?);
    for c in membership {
        writeln!(out, "{c}")?;
    }
    Ok(())
}
