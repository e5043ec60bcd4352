//! `hydrascope analyze`: build the relationship graph, find clusters, score them, store the result.

use std::path::PathBuf;

use crate::case::Case;
use crate::case::casework::{Origin, Who};

use super::{Failure, clean};

// The arguments; their help is the command line's (`hydrascope analyze --help`).
#[derive(clap::Args, Debug)]
pub(super) struct AnalyzeArgs {
    /// The case file
    case: PathBuf,
    /// Print exactly one JSON document on stdout
    #[arg(long)]
    json: bool,
    /// Leiden resolution: higher gives smaller clusters
    #[arg(long, default_value_t = 1.0)]
    resolution: f64,
    /// Seed of the clustering
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Score at or above which a cluster is suspected
    #[arg(long, default_value_t = 0.5)]
    threshold: f64,
    /// Print the seconds each phase took on stderr
    #[arg(long)]
    timings: bool,
}

/// Runs `hydrascope analyze` with `args`.
pub(super) fn run(args: AnalyzeArgs) -> Result<(), Failure> {
    let AnalyzeArgs {
        case,
        json,
        resolution,
        seed,
        threshold,
        timings,
    } = args;
    if !(resolution > 0.0 && resolution.is_finite()) {
        return Err(Failure::bad_input(format!(
            "--resolution must be a positive number, not {resolution}"
        )));
    }
    if !(0.0..=1.0).contains(&threshold) {
        return Err(Failure::bad_input(format!(
            "--threshold must be in 0..1, not {threshold}"
        )));
    }
    let case = Case::open(&case).map_err(Failure::from_case)?;
    let params = crate::analysis::Params {
        resolution,
        seed,
        suspect_threshold: threshold,
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let result = crate::pipeline::analyze_case(&case, &params, &Who::from_env(Origin::Cli))
        .map_err(Failure::from_case)?;
    if timings {
        print_timings(&result.stats, started.elapsed().as_secs_f64());
    }
    let features_ids = case.account_ids().map_err(Failure::other)?;
    if json {
        println!("{}", analysis_json(&result, &features_ids));
    } else {
        print_analysis(&result, &features_ids);
    }
    Ok(())
}

/// `--timings`: seconds per phase on stderr, one phase a line: "series" is
/// the pass over the exchanges that makes each cluster's series and the
/// template examples, "storing" writing the results, "other" the rest of
/// the run (opening the case, carrying analyst work over).
fn print_timings(s: &crate::analysis::RunStats, total: f64) {
    let mut lines = vec![("reading".to_string(), s.load_secs)];
    lines.push(("graph".to_string(), s.graph_secs));
    for (name, secs) in &s.graph_phases {
        lines.push((format!("  {name}"), *secs));
    }
    lines.push(("clustering".to_string(), s.cluster_secs));
    lines.push(("scoring".to_string(), s.score_secs));
    lines.push(("campaigns".to_string(), s.campaign_secs));
    lines.push(("series".to_string(), s.series_secs));
    lines.push(("storing".to_string(), s.store_secs));
    let counted = s.load_secs
        + s.graph_secs
        + s.cluster_secs
        + s.score_secs
        + s.campaign_secs
        + s.series_secs
        + s.store_secs;
    lines.push(("other".to_string(), (total - counted).max(0.0)));
    lines.push(("total".to_string(), total));
    for (name, secs) in lines {
        eprintln!("{:<40} {secs:>7.2} s", clean(&name));
    }
}

/// The `analyze --json` document of the contract.
fn analysis_json(
    result: &crate::analysis::AnalysisResult,
    account_ids: &[String],
) -> serde_json::Value {
    let clusters: Vec<serde_json::Value> = result
        .clusters
        .iter()
        .map(|c| {
            let indicators: serde_json::Map<String, serde_json::Value> =
                c.indicators.named().iter().map(|(n, v)| (n.to_string(), serde_json::json!(round4(*v)))).collect();
            serde_json::json!({
                "id": c.id,
                "accounts": c.members.iter().filter_map(|&a| account_ids.get(a as usize).map(String::as_str)).collect::<Vec<_>>(),
                "score": round4(c.score),
                "suspected": c.suspected,
                "indicators": indicators,
            })
        })
        .collect();
    // The contract's optional `campaigns` list: every cluster in at most one.
    let campaigns: Vec<serde_json::Value> = result
        .campaigns
        .iter()
        .map(|k| {
            let mut indicators: serde_json::Map<String, serde_json::Value> = k
                .indicators
                .named()
                .iter()
                .map(|(n, v)| (n.to_string(), serde_json::json!(round4(*v))))
                .collect();
            indicators.insert("cohesion".into(), serde_json::json!(round4(k.cohesion)));
            serde_json::json!({
                "id": k.id,
                "clusters": k.clusters,
                "accounts": k.members.len(),
                "score": round4(k.score),
                "suspected": k.suspected,
                "indicators": indicators,
                "reasons": k.reasons.iter().map(|r| format!("{}: {}", r.indicator, r.text)).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({ "clusters": clusters, "campaigns": campaigns })
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The human summary: the suspected campaigns first, each with its
/// clusters and strongest reasons, then the clusters outside any of them.
fn print_analysis(result: &crate::analysis::AnalysisResult, account_ids: &[String]) {
    let suspected = result.clusters.iter().filter(|c| c.suspected).count();
    let flagged_accounts: usize = result
        .clusters
        .iter()
        .filter(|c| c.suspected)
        .map(|c| c.members.len())
        .sum();
    let campaigns = result.campaigns.iter().filter(|k| k.suspected).count();
    let s = &result.stats;
    println!(
        "{} accounts, {} links, {} clusters; {} suspected campaigns ({} clusters, {} accounts). \
         Graph {:.1} s, clustering {:.1} s, scoring {:.1} s, campaigns {:.1} s, reading {:.1} s.",
        s.accounts,
        s.links,
        result.clusters.len(),
        campaigns,
        suspected,
        flagged_accounts,
        s.graph_secs,
        s.cluster_secs,
        s.score_secs,
        s.campaign_secs,
        s.load_secs
    );
    let mut in_campaign = std::collections::HashSet::new();
    for k in &result.campaigns {
        in_campaign.extend(k.clusters.iter().map(String::as_str));
    }
    for k in result.campaigns.iter().filter(|k| k.suspected) {
        let shown: Vec<&str> = k.clusters.iter().take(6).map(String::as_str).collect();
        println!(
            "{:>8}  score {:.2}  SUSPECTED CAMPAIGN  {} cluster{} ({}{}), {} accounts, {} exchanges",
            clean(&k.id),
            k.score,
            k.clusters.len(),
            if k.clusters.len() == 1 { "" } else { "s" },
            clean(&shown.join(", ")),
            if k.clusters.len() > shown.len() {
                ", …"
            } else {
                ""
            },
            k.members.len(),
            k.exchanges
        );
        for r in k.reasons.iter().take(3) {
            println!("            {}: {}", clean(&r.indicator), clean(&r.text));
        }
    }
    let others: Vec<&crate::analysis::Cluster> = result
        .clusters
        .iter()
        .filter(|c| !in_campaign.contains(c.id.as_str()) || !c.suspected)
        .take(if campaigns > 0 { 5 } else { 12 })
        .collect();
    if campaigns > 0 && !others.is_empty() {
        println!("clusters outside suspected campaigns:");
    }
    for c in others {
        let first = account_ids
            .get(c.members[0] as usize)
            .map_or("?", String::as_str);
        println!(
            "{:>8}  score {:.2}{}  {} accounts (e.g. {}), {} exchanges",
            clean(&c.id),
            c.score,
            if c.suspected { "  SUSPECTED" } else { "" },
            c.members.len(),
            clean(first),
            c.exchanges
        );
        for r in c.reasons.iter().take(2) {
            println!("            {}: {}", clean(&r.indicator), clean(&r.text));
        }
    }
}
