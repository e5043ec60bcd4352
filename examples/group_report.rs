//! For tuning on the *tuning* seeds only: how the analysis sees one planted
//! group of a generated case — the clusters and campaigns its accounts fall
//! into, with every sub-score and reason; with `--missed`, what ties the
//! group's accounts that were not flagged (their kept links by kind, to
//! the group's flagged and missed accounts and to others).
//!
//! ```text
//! cargo run --release --example group_report -- CASE.hcase GROUP [--all] [--missed]
//! ```
//!
//! With `GROUP_REPORT_LINKS=1` and `--missed`, each missed account's kept
//! links are listed too: the other account (`*` a flagged account of the
//! group, `-` a missed one, `?` another group's), the link's weight and each
//! kind's part of it.
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
        return Err("usage: group_report CASE.hcase GROUP [--all] [--missed]".into());
    };
    let all = args.iter().any(|a| a == "--all");
    let missed = args.iter().any(|a| a == "--missed");
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
    if missed {
        print_missed(&result, &in_group);
    }
    Ok(())
}

/// The group's accounts in no suspected cluster: how their kept links are
/// spread over kinds and over whom they reach.
fn print_missed(result: &hydrascope::analysis::AnalysisResult, in_group: &dyn Fn(u32) -> bool) {
    let flagged: std::collections::HashSet<u32> = result
        .clusters
        .iter()
        .filter(|c| c.suspected)
        .flat_map(|c| c.members.iter().copied())
        .collect();
    let cluster_size: HashMap<u32, usize> = result
        .clusters
        .iter()
        .flat_map(|c| c.members.iter().map(move |&a| (a, c.members.len())))
        .collect();
    // Per missed account: links to flagged group accounts, to missed group
    // accounts, to others; and per kind the same three counts.
    let mut per_account: BTreeMap<u32, [usize; 3]> = BTreeMap::new();
    let mut per_kind: BTreeMap<String, [usize; 3]> = BTreeMap::new();
    let reach = |b: u32| {
        if !in_group(b) {
            2
        } else if flagged.contains(&b) {
            0
        } else {
            1
        }
    };
    for l in result.links.iter() {
        for (x, y) in [(l.a, l.b), (l.b, l.a)] {
            if in_group(x) && !flagged.contains(&x) {
                let r = reach(y);
                per_account.entry(x).or_default()[r] += 1;
                for e in &l.evidence {
                    per_kind.entry(format!("{:?}", e.kind)).or_default()[r] += 1;
                }
            }
        }
    }
    let group_size = (0..cluster_size.len() as u32)
        .filter(|&a| in_group(a))
        .count();
    let missed_all: Vec<u32> = (0..cluster_size.len() as u32)
        .filter(|&a| in_group(a) && !flagged.contains(&a))
        .collect();
    let alone = missed_all
        .iter()
        .filter(|a| cluster_size.get(a) == Some(&1))
        .count();
    let unlinked = missed_all
        .iter()
        .filter(|a| !per_account.contains_key(a))
        .count();
    let to_flagged = per_account.values().filter(|c| c[0] > 0).count();
    println!(
        "\nmissed: {} of {group_size} ({alone} alone in their cluster, {unlinked} with no kept link, {to_flagged} linked to a flagged account of the group)",
        missed_all.len()
    );
    if std::env::var_os("GROUP_REPORT_LINKS").is_some() {
        for &a in &missed_all {
            let mut links: Vec<String> = result
                .links
                .iter()
                .filter(|l| l.a == a || l.b == a)
                .map(|l| {
                    let b = if l.a == a { l.b } else { l.a };
                    let kinds: Vec<String> = l
                        .evidence
                        .iter()
                        .map(|e| format!("{:?} {:.2}", e.kind, e.weight))
                        .collect();
                    format!(
                        "{b}{} {:.2} [{}]",
                        ["*", "-", "?"][reach(b)],
                        l.weight,
                        kinds.join(", ")
                    )
                })
                .collect();
            links.sort();
            println!("  {a}: {}", links.join("; "));
        }
    }
    println!(
        "  kept-link evidence of missed accounts by kind: [to flagged of group, to missed of group, to others]"
    );
    for (k, c) in &per_kind {
        println!("    {k}: {c:?}");
    }
    // Links between the group's accounts in different suspected campaigns.
    let campaign_of: HashMap<u32, &str> = result
        .campaigns
        .iter()
        .filter(|k| k.suspected)
        .flat_map(|k| k.members.iter().map(move |&a| (a, k.id.as_str())))
        .collect();
    let mut across: BTreeMap<String, usize> = BTreeMap::new();
    for l in result.links.iter() {
        if !(in_group(l.a) && in_group(l.b)) {
            continue;
        }
        if let (Some(x), Some(y)) = (campaign_of.get(&l.a), campaign_of.get(&l.b))
            && x != y
        {
            for e in &l.evidence {
                *across.entry(format!("{:?}", e.kind)).or_default() += 1;
            }
        }
    }
    println!(
        "  evidence on links between the group's accounts in different suspected campaigns: {across:?}"
    );
}
