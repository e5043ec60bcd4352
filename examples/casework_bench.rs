//! Seed-scale timings of case work through the library the workbench and
//! `hydrascope tag` share: one tag, every suspected cluster tagged at once,
//! a large merge and its undo, the workbench's reload after an edit, and a
//! re-analysis that carries the tags and hand placements over.
//!
//!     cargo run --release --example casework_bench -- CASE
//!
//! CASE is changed (tags, edits, a new analysis): run it on a copy.

use std::time::Instant;

use hydrascope::analysis::Params;
use hydrascope::case::Case;
use hydrascope::case::casework::{Origin, TagPatch, TagStatus, Who};
use hydrascope::pipeline::analyze_case;

fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("usage: casework_bench CASE (a copy: it is changed)")?;
    let case = Case::open(std::path::Path::new(&path))?;
    let who = Who::named("bench", Origin::Cli);
    let mut suspected = case.stored_clusters()?.ok_or("analyse the case first")?;
    suspected.retain(|c| c.suspected);
    suspected.sort_by_key(|c| std::cmp::Reverse(c.members.len()));
    println!("{} suspected clusters", suspected.len());
    let patch = |label: &str| TagPatch {
        label: Some(label.into()),
        status: Some(TagStatus::Open),
        confidence: Some(0.7),
        ..Default::default()
    };

    let mut single = Vec::new();
    for (i, c) in suspected.iter().take(20).enumerate() {
        let started = Instant::now();
        case.tag_clusters(
            &who,
            std::slice::from_ref(&c.id),
            &patch(&format!("one-{i}")),
            None,
        )?;
        single.push(ms(started));
    }
    single.sort_by(f64::total_cmp);
    println!(
        "tag one cluster: median {:.1} ms, max {:.1} ms (20 actions, each fsynced)",
        single[single.len() / 2],
        single[single.len() - 1]
    );

    let ids: Vec<String> = suspected.iter().map(|c| c.id.clone()).collect();
    let started = Instant::now();
    case.tag_clusters(&who, &ids, &patch("every suspected cluster"), None)?;
    println!(
        "tag all {} suspected clusters in one action: {:.1} ms",
        ids.len(),
        ms(started)
    );

    // Merge every suspected cluster but the largest into the largest.
    let (into, sources) = ids.split_first().ok_or("no suspected cluster")?;
    let moved: usize = suspected[1..].iter().map(|c| c.members.len()).sum();
    let started = Instant::now();
    let merge = case.merge_clusters(&who, sources, into)?;
    println!(
        "merge {} clusters ({moved} accounts) into {into}: {:.1} ms",
        sources.len(),
        ms(started)
    );
    if let Some(entry) = case
        .audit_log(None)?
        .iter()
        .find(|r| r.entry.id == merge.audit_id)
    {
        println!(
            "the merge's audit entry keeps {:.1} MB of rows before and after",
            (entry.before_json.len() + entry.after_json.len()) as f64 / 1e6
        );
    }
    let started = Instant::now();
    let state = case.casework_state()?;
    let clusters = case.stored_clusters()?.unwrap_or_default();
    let history = case.audit_entries()?;
    println!(
        "workbench reload after an edit (tags, clusters, history): {:.1} ms ({} tags, {} clusters, {} log entries)",
        ms(started),
        state.tags.len(),
        clusters.len(),
        history.len()
    );
    let started = Instant::now();
    let undo = case.undo(&who, merge.audit_id)?;
    println!("undo the merge: {:.1} ms", ms(started));
    let started = Instant::now();
    let redo = case.redo(&who, undo.audit_id)?;
    println!(
        "redo it: {:.1} ms ({})",
        ms(started),
        redo.summary.chars().take(60).collect::<String>()
    );

    let started = Instant::now();
    let result = analyze_case(&case, &Params::default(), &who)?;
    println!(
        "re-analysis carrying {} tags and {} placed accounts over: {:.1} s ({} clusters)",
        case.casework_state()?.tags.len(),
        case.casework_state()?.pinned.len(),
        started.elapsed().as_secs_f64(),
        result.clusters.len()
    );
    let log = case.audit_log(None)?;
    if let Some(last) = log.last() {
        println!(
            "its audit entry: {} chars of summary, {} KiB of snapshots",
            last.entry.summary.len(),
            (last.before_json.len() + last.after_json.len()) / 1024
        );
    }
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM")) {
        println!("peak memory: {}", line.trim_start_matches("VmHWM:").trim());
    }
    Ok(())
}
