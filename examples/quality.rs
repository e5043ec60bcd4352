//! Detection quality against the generator's ground truth, per scenario and
//! seed: precision and recall of flagged accounts, each group's flagged
//! share, and how the suspected campaigns line up with the planted ones.
//!
//! ```text
//! cargo run --release --example quality -- demo-evasive:1,2,3 tiny-evasive:4,5
//! cargo run --release --example quality -- --keep /tmp/q demo:1
//! ```
//!
//! Each argument is `SCENARIO:SEED,SEED,…`. Cases are generated into a
//! temporary folder (or `--keep DIR`, where an existing case is reused).
//! Prints one Markdown table row per case, then the per-group shares.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use hydrascope::analysis::Params;
use hydrascope::base::Progress;
use hydrascope::case::Case;
use hydrascope::case::casework::{Origin, Who};
use hydrascope::generate::{
    GenerateOptions, Group, Scenario, generate, read_truth, truth_path_for_case,
};
use hydrascope::logs::Format;
use hydrascope::pipeline::analyze_case;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut keep: Option<PathBuf> = None;
    if let Some(i) = args.iter().position(|a| a == "--keep") {
        keep = args.get(i + 1).map(PathBuf::from);
        args.drain(i..(i + 2).min(args.len()));
    }
    let tmp = tempfile::tempdir()?;
    let dir = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    println!(
        "| scenario | seed | precision | recall | worst benign group (flagged) | campaigns suspected | unity per planted campaign | purity (min) | analyze s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut shares_table: Vec<(String, BTreeMap<String, f64>)> = Vec::new();
    for arg in &args {
        let (name, seeds) = arg.split_once(':').unwrap_or((arg.as_str(), "1"));
        let scenario = Scenario::parse(name).ok_or_else(|| format!("unknown scenario {name}"))?;
        for seed in seeds
            .split(',')
            .filter_map(|s| s.trim().parse::<u64>().ok())
        {
            let path = dir.join(format!("{name}-{seed}.hcase"));
            if !path.exists() {
                generate(
                    &path,
                    &GenerateOptions {
                        scenario,
                        seed,
                        format: Format::Jsonl,
                        gzip: false,
                        force: true,
                    },
                    &Progress::default(),
                )?;
            }
            let case = Case::open(&path)?;
            let started = Instant::now();
            let result = analyze_case(&case, &Params::default(), &Who::from_env(Origin::Cli))?;
            let secs = started.elapsed().as_secs_f64();
            let truth: HashMap<String, Group> = read_truth(&truth_path_for_case(&path))?
                .into_iter()
                .collect();
            let ids = case.account_ids()?;
            let group_of = |a: u32| truth.get(&ids[a as usize]).copied();
            let mut flagged: BTreeSet<u32> = BTreeSet::new();
            for c in result.clusters.iter().filter(|c| c.suspected) {
                flagged.extend(c.members.iter().copied());
            }
            let mut sizes: BTreeMap<Group, usize> = BTreeMap::new();
            let mut hits: BTreeMap<Group, usize> = BTreeMap::new();
            for a in 0..ids.len() as u32 {
                if let Some(g) = group_of(a) {
                    *sizes.entry(g).or_default() += 1;
                    if flagged.contains(&a) {
                        *hits.entry(g).or_default() += 1;
                    }
                }
            }
            let campaign_accounts: usize = sizes
                .iter()
                .filter(|(g, _)| g.is_campaign())
                .map(|(_, n)| n)
                .sum();
            let true_pos: usize = hits
                .iter()
                .filter(|(g, _)| g.is_campaign())
                .map(|(_, n)| n)
                .sum();
            let precision = true_pos as f64 / flagged.len().max(1) as f64;
            let recall = true_pos as f64 / campaign_accounts.max(1) as f64;
            let mut shares = BTreeMap::new();
            let mut worst = (String::from("-"), 0.0f64);
            for (g, n) in &sizes {
                let share = hits.get(g).copied().unwrap_or(0) as f64 / *n as f64;
                shares.insert(g.name().to_string(), share);
                if !g.is_campaign() && share >= worst.1 {
                    worst = (g.name().to_string(), share);
                }
            }
            // Campaign unity: for each planted campaign, the share of its
            // flagged accounts inside its main suspected campaign; purity:
            // each suspected campaign's share from its largest group.
            let suspected: Vec<_> = result.campaigns.iter().filter(|k| k.suspected).collect();
            let mut unity = Vec::new();
            for (g, _) in sizes.iter().filter(|(g, _)| g.is_campaign()) {
                let flagged_here: Vec<u32> = flagged
                    .iter()
                    .copied()
                    .filter(|&a| group_of(a) == Some(*g))
                    .collect();
                let best = suspected
                    .iter()
                    .map(|k| {
                        flagged_here
                            .iter()
                            .filter(|a| k.members.binary_search(a).is_ok())
                            .count()
                    })
                    .max()
                    .unwrap_or(0);
                unity.push(format!(
                    "{} {:.2}",
                    g.name().trim_start_matches("campaign_"),
                    best as f64 / flagged_here.len().max(1) as f64
                ));
            }
            let mut purity: f64 = 1.0;
            for k in &suspected {
                let mut counts: BTreeMap<Group, usize> = BTreeMap::new();
                for &a in &k.members {
                    if let Some(g) = group_of(a) {
                        *counts.entry(g).or_default() += 1;
                    }
                }
                let top = counts.values().copied().max().unwrap_or(0);
                purity = purity.min(top as f64 / k.members.len().max(1) as f64);
            }
            println!(
                "| {name} | {seed} | {precision:.3} | {recall:.3} | {} {:.3} | {} of {} | {} | {purity:.3} | {secs:.1} |",
                worst.0,
                worst.1,
                suspected.len(),
                result.campaigns.len(),
                unity.join(", "),
            );
            shares_table.push((format!("{name} seed {seed}"), shares));
        }
    }
    println!();
    for (label, shares) in shares_table {
        let parts: Vec<String> = shares
            .iter()
            .map(|(g, s)| format!("{g} {:.3}", s))
            .collect();
        println!("{label}: {}", parts.join(", "));
    }
    Ok(())
}
