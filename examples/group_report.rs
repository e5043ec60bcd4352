//! For tuning on the *tuning* seeds only: how the analysis sees one planted
//! group of a generated case — the clusters and campaigns its accounts fall
//! into, with every sub-score and reason.
//!
//! ```text
//! cargo run --release --example group_report -- CASE.hcase GROUP [--all]
//! ```
//!
//! `CASE.hcase` must have been generated (its `CASE.hcase.truth.csv` beside
//! it) and analysed. `GROUP` is a ground-truth group name
//! (`campaign_low_and_slow`, `benign_course`, …). Prints the largest
//! clusters of the group (all of them with `--all`) and the campaigns they
//! are in.

use std::collections::{BTreeMap, HashMap};

use hydrascope::analysis::Params;
use hydrascope::case::Case;
use hydrascope::case::casework::{Origin, Who};
use hydrascope::generate::{Group, read_truth, truth_path_for_case};
use hydrascope::pipeline::analyze_case;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), Some(group)) = (args.first(), args.get(1)) else {
        return Err("usage: group_report CASE.hcase GROUP [--all]".into());
    };
    let all = args.iter().any(|a| a == "--all");
    let path = std::path::PathBuf::from(path);
    let group = Group::parse(group).ok_or("unknown group")?;
    let case = Case::open(&path)?;
    let result = analyze_case(&case, &Params::default(), &Who::from_env(Origin::Cli))?;
    let truth: HashMap<String, Group> = read_truth(&truth_path_for_case(&path))?
        .into_iter()
        .collect();
    let ids = case.account_ids()?;
    let in_group = |a: u32| truth.get(&ids[a as usize]) == Some(&group);
    let size = (0..ids.len() as u32).filter(|&a| in_group(a)).count();
    println!("{} accounts of {}", size, group.name());
    let mut clusters: Vec<(usize, &hydrascope::analysis::Cluster)> = result
        .clusters
        .iter()
        .map(|c| (c.members.iter().filter(|&&a| in_group(a)).count(), c))
        .filter(|(n, _)| *n > 0)
        .collect();
    clusters.sort_by_key(|c| std::cmp::Reverse(c.0));
    let singles = clusters
        .iter()
        .filter(|(_, c)| c.members.len() == 1)
        .count();
    println!("{} clusters ({singles} of one account)", clusters.len());
    let print_reasons = |reasons: &[hydrascope::analysis::Reason]| {
        for r in reasons {
            println!("    [{} {:.2}] {}", r.indicator, r.strength, r.text);
        }
    };
    for (n, c) in clusters.iter().take(if all { usize::MAX } else { 4 }) {
        if c.members.len() == 1 && !all {
            continue;
        }
        let mut others: BTreeMap<&str, usize> = BTreeMap::new();
        for a in &c.members {
            if let Some(g) = truth.get(&ids[*a as usize])
                && *g != group
            {
                *others.entry(g.name()).or_default() += 1;
            }
        }
        println!(
            "\n{} — {n} of {} members from the group (others {others:?}), score {:.3}, suspected {}",
            c.id,
            c.members.len(),
            c.score,
            c.suspected
        );
        println!("  {:?}", c.indicators);
        print_reasons(&c.reasons);
    }
    for k in &result.campaigns {
        let n = k.members.iter().filter(|&&a| in_group(a)).count();
        if n == 0 {
            continue;
        }
        println!(
            "\ncampaign {} — {n} of {} members from the group, {} clusters, score {:.3}, suspected {}",
            k.id,
            k.members.len(),
            k.clusters.len(),
            k.score,
            k.suspected
        );
        println!("  {:?}", k.indicators);
        print_reasons(&k.reasons);
    }
    Ok(())
}
