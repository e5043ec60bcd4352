//! The workbench's re-run after a change of resolution, timed at scale: a
//! first run reads the case and builds the evidence graph; the second,
//! with another resolution and threshold, clusters and scores the graph it
//! kept (`pipeline::analyze_case_reusing`, as the workbench's re-run does).
//!
//! ```text
//! cargo run --release --example rerun_bench -- CASE.hcase
//! ```

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use hydrascope::analysis::Params;
use hydrascope::base::Progress;
use hydrascope::case::Case;
use hydrascope::case::casework::{Origin, Who};
use hydrascope::pipeline::analyze_case_reusing;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: rerun_bench CASE.hcase")?;
    let case = Case::open(std::path::Path::new(&path))?;
    let who = Who::from_env(Origin::Workbench);
    let never = AtomicBool::new(false);
    let mut prepared = None;
    let mut run = |label: &str, params: &Params| -> Result<(), Box<dyn std::error::Error>> {
        let started = Instant::now();
        let result = analyze_case_reusing(
            &case,
            params,
            &who,
            &Progress::default(),
            &never,
            &mut prepared,
        )?
        .ok_or("cancelled")?;
        println!(
            "{label}: {:.2} s ({} clusters, {} suspected; reading {:.2} s, graph {:.2} s, clustering {:.2} s, scoring {:.2} s, campaigns {:.2} s, series {:.2} s, storing {:.2} s{})",
            started.elapsed().as_secs_f64(),
            result.clusters.len(),
            result.clusters.iter().filter(|c| c.suspected).count(),
            result.stats.load_secs,
            result.stats.graph_secs,
            result.stats.cluster_secs,
            result.stats.score_secs,
            result.stats.campaign_secs,
            result.stats.series_secs,
            result.stats.store_secs,
            if result.stats.links_kept {
                ", links kept"
            } else {
                ""
            },
        );
        Ok(())
    };
    run("first run (defaults)", &Params::default())?;
    run(
        "re-run, resolution 2.0",
        &Params {
            resolution: 2.0,
            ..Params::default()
        },
    )?;
    run(
        "re-run, threshold 0.6",
        &Params {
            resolution: 2.0,
            suspect_threshold: 0.6,
            ..Params::default()
        },
    )?;
    Ok(())
}
