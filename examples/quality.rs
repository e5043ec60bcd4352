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
//! Prints one Markdown table row per case and, for a scenario run on more
//! than one seed, a summary row over its seeds (pooled precision and recall,
//! the worst benign group over all seeds, the least unity), then the
//! per-group shares. `--drawn` also prints what each group of a families
//! scenario drew for each seed.
//!
//! The families scenarios (`families-small`, `families-large`) draw every
//! group's parameters per seed, so their seeds come in two fixed sets:
//!
//! ```text
//! cargo run --release --example quality -- --tune families-small   # seeds 1–8
//! cargo run --release --example quality -- --eval families-small   # seeds 101–108
//! ```
//!
//! `--tune` gives a scenario named without seeds the tuning seeds 1–8,
//! `--eval` the evaluation seeds 101–108 (with no scenario named:
//! `families-small`). Thresholds, weights and rules are chosen on the tuning
//! seeds only; no threshold may be chosen, and nothing changed, by looking at
//! seeds 101–108. They are run to judge a change once it is made.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Instant;

use hydrascope::analysis::Params;
use hydrascope::base::Progress;
use hydrascope::case::Case;
use hydrascope::case::casework::{Origin, Who};
use hydrascope::generate::{
    GenerateOptions, Group, Scenario, generate, plan, read_truth, truth_path_for_case,
};
use hydrascope::logs::Format;
use hydrascope::pipeline::analyze_case;

/// The families scenarios' tuning seeds: thresholds are chosen on these.
const TUNE_SEEDS: &str = "1,2,3,4,5,6,7,8";
/// The families scenarios' evaluation seeds: never tuned on.
const EVAL_SEEDS: &str = "101,102,103,104,105,106,107,108";

/// Takes a flag out of `args`; whether it was there.
fn take_flag(args: &mut Vec<String>, flag: &str) -> bool {
    let before = args.len();
    args.retain(|a| a != flag);
    args.len() != before
}

/// Totals of one scenario over its seeds, for the summary row.
#[derive(Default)]
struct Pooled {
    seeds: Vec<u64>,
    flagged: usize,
    true_pos: usize,
    campaign_accounts: usize,
    worst: (String, f64, u64),
    unity: Option<(String, f64, u64)>,
    purity: f64,
    secs: f64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut keep: Option<PathBuf> = None;
    if let Some(i) = args.iter().position(|a| a == "--keep") {
        keep = args.get(i + 1).map(PathBuf::from);
        args.drain(i..(i + 2).min(args.len()));
    }
    let drawn = take_flag(&mut args, "--drawn");
    let tune = take_flag(&mut args, "--tune");
    let eval = take_flag(&mut args, "--eval");
    if tune && eval {
        return Err("--tune and --eval name different seed sets; give one".into());
    }
    let default_seeds = if tune {
        TUNE_SEEDS
    } else if eval {
        EVAL_SEEDS
    } else {
        "1"
    };
    if (tune || eval) && args.is_empty() {
        args.push("families-small".into());
    }
    let tmp = tempfile::tempdir()?;
    let dir = keep.unwrap_or_else(|| tmp.path().to_path_buf());
    std::fs::create_dir_all(&dir)?;
    println!(
        "| scenario | seed | precision | recall | worst benign group (flagged) | campaigns suspected | unity per planted campaign | purity (min) | analyze s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    let mut shares_table: Vec<(String, BTreeMap<String, f64>)> = Vec::new();
    let mut drawn_table: Vec<String> = Vec::new();
    for arg in &args {
        let (name, seeds) = arg.split_once(':').unwrap_or((arg.as_str(), default_seeds));
        let scenario = Scenario::parse(name).ok_or_else(|| format!("unknown scenario {name}"))?;
        let mut pooled = Pooled {
            purity: 1.0,
            ..Pooled::default()
        };
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
            let mut least_unity: Option<(String, f64)> = None;
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
                let short = g.name().trim_start_matches("campaign_");
                let u = best as f64 / flagged_here.len().max(1) as f64;
                unity.push(format!("{short} {u:.2}"));
                if least_unity.as_ref().is_none_or(|(_, least)| u < *least) {
                    least_unity = Some((short.to_string(), u));
                }
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
            pooled.seeds.push(seed);
            pooled.flagged += flagged.len();
            pooled.true_pos += true_pos;
            pooled.campaign_accounts += campaign_accounts;
            if pooled.seeds.len() == 1 || worst.1 > pooled.worst.1 {
                pooled.worst = (worst.0.clone(), worst.1, seed);
            }
            if let Some((g, u)) = least_unity
                && pooled.unity.as_ref().is_none_or(|(_, least, _)| u < *least)
            {
                pooled.unity = Some((g, u, seed));
            }
            pooled.purity = pooled.purity.min(purity);
            pooled.secs += secs;
            if drawn && let Some(families) = plan(scenario, seed).families {
                drawn_table.push(format!(
                    "{name} seed {seed}: release day {:.2}, proxy exits {} ({:.2} exact)",
                    families.release_day,
                    families.exits.len(),
                    families.exact_exit_share
                ));
                for k in &families.groups {
                    drawn_table.push(format!("  {}: {}", k.group.name(), k.summary()));
                }
            }
        }
        if pooled.seeds.len() > 1 {
            let (first, last) = (pooled.seeds[0], pooled.seeds[pooled.seeds.len() - 1]);
            let unity = pooled
                .unity
                .as_ref()
                .map(|(g, u, seed)| format!("least {g} {u:.2} (seed {seed})"))
                .unwrap_or_else(|| "-".into());
            println!(
                "| **{name}** | **{first}–{last} ({} seeds)** | **{:.3}** | **{:.3}** | **{} {:.3} (seed {})** | - | **{unity}** | **{:.3}** | {:.1} |",
                pooled.seeds.len(),
                pooled.true_pos as f64 / pooled.flagged.max(1) as f64,
                pooled.true_pos as f64 / pooled.campaign_accounts.max(1) as f64,
                pooled.worst.0,
                pooled.worst.1,
                pooled.worst.2,
                pooled.purity,
                pooled.secs,
            );
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
    if !drawn_table.is_empty() {
        println!();
        for line in drawn_table {
            println!("{line}");
        }
    }
    Ok(())
}
