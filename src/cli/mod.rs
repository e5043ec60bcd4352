//! The command-line front end: the contract of `shared/spec/activity-logs.md`
//! (exit 0 on success, 2 on bad input or arguments, 1 on anything else, one
//! line on stderr) over the library's functions.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::case::Case;
use crate::generate::{GenerateError, GenerateOptions, Scenario};
use crate::import::{ImportOptions, Progress};
use crate::logs::Format;
use crate::logs::time::format_rfc3339_ms;

/// Hydrascope: investigate distillation campaigns against an LLM API.
#[derive(Parser, Debug)]
#[command(name = "hydrascope", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Open the workbench on a case file
    Open {
        /// The case file (.hcase)
        case: PathBuf,
    },
    /// Build a case file from an activity-log folder
    Import {
        /// Folder with accounts, exchanges, events and indicators files
        dir: PathBuf,
        /// The case file to write
        #[arg(long)]
        out: PathBuf,
        /// Import the valid rows and write the others to CASE.rejects.jsonl
        #[arg(long)]
        skip_invalid: bool,
        /// Overwrite an existing case file
        #[arg(long)]
        force: bool,
    },
    /// Write a synthetic scenario as an activity-log folder or a case file
    Generate {
        /// Scenario: tiny, demo or seed-scale
        #[arg(long)]
        scenario: String,
        /// Output: a folder, or a case file if it ends in .hcase
        #[arg(long)]
        out: PathBuf,
        /// Seed: the same seed gives the same data
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Format of a folder's files
        #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
        format: FormatArg,
        /// Gzip a folder's files
        #[arg(long)]
        gzip: bool,
        /// Overwrite an existing output
        #[arg(long)]
        force: bool,
    },
    /// Build the relationship graph, find clusters, score them, store the result
    Analyze {
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
    },
    /// Print what a case holds (a Hydrascope addition to the contract)
    Info {
        /// The case file
        case: PathBuf,
        /// Print one JSON document instead of text
        #[arg(long)]
        json: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Jsonl,
    Csv,
}

/// A failure with its exit status.
struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    fn bad_input(message: impl ToString) -> Self {
        Self {
            code: 2,
            message: message.to_string(),
        }
    }
    fn other(message: impl ToString) -> Self {
        Self {
            code: 1,
            message: message.to_string(),
        }
    }
}

/// Runs the command line; the binary's whole `main`.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("hydrascope: {}", failure.message);
            ExitCode::from(failure.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        None => crate::ui::run(None).map_err(Failure::other),
        Some(Command::Open { case }) => {
            // Refuse a bad file here, with the contract's exit status, rather
            // than in a window.
            Case::open_read_only(&case)
                .or_else(|_| Case::open(&case))
                .map_err(|e| {
                    if e.is_bad_input() {
                        Failure::bad_input(e)
                    } else {
                        Failure::other(e)
                    }
                })?;
            crate::ui::run(Some(case)).map_err(Failure::other)
        }
        Some(Command::Import {
            dir,
            out,
            skip_invalid,
            force,
        }) => {
            let progress = Arc::new(Progress::default());
            let bar = ProgressBar::start(progress.clone(), "bytes");
            let result = crate::import::import_folder(
                &dir,
                &out,
                &ImportOptions {
                    skip_invalid,
                    force,
                },
                &progress,
            );
            bar.stop();
            let report = result.map_err(|e| {
                if e.is_bad_input() {
                    Failure::bad_input(&e)
                } else {
                    Failure::other(&e)
                }
            })?;
            for warning in &report.warnings {
                eprintln!("warning: {warning}");
            }
            let s = &report.stats;
            println!(
                "imported {} accounts, {} exchanges, {} events, {} indicators into {} in {:.1} s ({:.0} exchanges/s)",
                s.accounts,
                s.exchanges,
                s.events,
                s.indicators,
                out.display(),
                report.elapsed_secs,
                s.exchanges as f64 / report.elapsed_secs.max(1e-9)
            );
            if let Some(path) = &report.rejects_path {
                println!(
                    "skipped {} invalid rows; see {}",
                    report.rejected,
                    path.display()
                );
            }
            Ok(())
        }
        Some(Command::Generate {
            scenario,
            out,
            seed,
            format,
            gzip,
            force,
        }) => {
            let scenario = Scenario::parse(&scenario).ok_or_else(|| {
                let names: Vec<_> = Scenario::ALL.iter().map(|s| s.name()).collect();
                Failure::bad_input(format!(
                    "unknown scenario {scenario:?}; choose one of: {}",
                    names.join(", ")
                ))
            })?;
            let format = match format {
                FormatArg::Jsonl => Format::Jsonl,
                FormatArg::Csv => Format::Csv,
            };
            let options = GenerateOptions {
                scenario,
                seed,
                format,
                gzip,
                force,
            };
            let progress = Arc::new(Progress::default());
            let bar = ProgressBar::start(progress.clone(), "exchanges");
            let started = std::time::Instant::now();
            let result = crate::generate::generate(&out, &options, &progress);
            bar.stop();
            let report = result.map_err(|e| match e {
                GenerateError::Exists(_) => Failure::bad_input(e),
                other => Failure::other(other),
            })?;
            println!(
                "generated {} accounts, {} exchanges, {} events, {} indicators into {} in {:.1} s; ground truth: {}",
                report.accounts,
                report.exchanges,
                report.events,
                report.indicators,
                out.display(),
                started.elapsed().as_secs_f64(),
                report.truth_path.display()
            );
            Ok(())
        }
        Some(Command::Analyze {
            case,
            json,
            resolution,
            seed,
            threshold,
        }) => {
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
            let case = Case::open(&case).map_err(|e| {
                if e.is_bad_input() {
                    Failure::bad_input(e)
                } else {
                    Failure::other(e)
                }
            })?;
            let params = crate::analysis::Params {
                resolution,
                seed,
                suspect_threshold: threshold,
                ..Default::default()
            };
            let result = crate::analysis::analyze_case(&case, &params).map_err(Failure::other)?;
            let features_ids = case.account_ids().map_err(Failure::other)?;
            if json {
                println!("{}", analysis_json(&result, &features_ids));
            } else {
                print_analysis(&result, &features_ids);
            }
            Ok(())
        }
        Some(Command::Info { case, json }) => {
            let case = Case::open_read_only(&case).map_err(|e| {
                if e.is_bad_input() {
                    Failure::bad_input(e)
                } else {
                    Failure::other(e)
                }
            })?;
            let s = case.summary().map_err(Failure::other)?;
            if json {
                let doc = serde_json::json!({
                    "format_version": s.format_version,
                    "source": s.source,
                    "accounts": s.accounts,
                    "exchanges": s.exchanges,
                    "events": s.events,
                    "indicators": s.indicators,
                    "first": s.first_ms.map(format_rfc3339_ms),
                    "last": s.last_ms.map(format_rfc3339_ms),
                    "input_tokens": s.input_tokens,
                    "output_tokens": s.output_tokens,
                    "models": s.models.iter().map(|(m, n)| serde_json::json!({"model": m, "exchanges": n})).collect::<Vec<_>>(),
                });
                println!("{doc}");
            } else {
                println!("{}", case.path().display());
                println!(
                    "  format v{}; source: {}",
                    s.format_version,
                    s.source.as_deref().unwrap_or("unknown")
                );
                println!(
                    "  {} accounts, {} exchanges, {} events, {} indicators",
                    s.accounts, s.exchanges, s.events, s.indicators
                );
                if let (Some(first), Some(last)) = (s.first_ms, s.last_ms) {
                    println!(
                        "  from {} to {} (UTC)",
                        format_rfc3339_ms(first),
                        format_rfc3339_ms(last)
                    );
                }
                for (model, n) in &s.models {
                    println!("  model {model}: {n} exchanges");
                }
            }
            Ok(())
        }
    }
}

/// A terminal progress bar fed from a shared [`Progress`], drawn only when
/// stderr is a terminal.
struct ProgressBar {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl ProgressBar {
    fn start(progress: Arc<Progress>, unit: &'static str) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        if !std::io::stderr().is_terminal() {
            return Self { stop, thread: None };
        }
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let bar = indicatif::ProgressBar::new(0);
            let template = if unit == "bytes" {
                "{msg} [{bar:40}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})"
            } else {
                "{msg} [{bar:40}] {human_pos}/{human_len} ({per_sec}, {eta})"
            };
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            while !flag.load(Ordering::Relaxed) {
                bar.set_length(progress.total.load(Ordering::Relaxed));
                bar.set_position(progress.done.load(Ordering::Relaxed));
                bar.set_message(progress.phase());
                std::thread::sleep(Duration::from_millis(100));
            }
            bar.finish_and_clear();
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
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
                "accounts": c.members.iter().map(|&a| account_ids[a as usize].as_str()).collect::<Vec<_>>(),
                "score": round4(c.score),
                "suspected": c.suspected,
                "indicators": indicators,
            })
        })
        .collect();
    serde_json::json!({ "clusters": clusters })
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The human summary: the top clusters with their score and two strongest reasons.
fn print_analysis(result: &crate::analysis::AnalysisResult, account_ids: &[String]) {
    let suspected = result.clusters.iter().filter(|c| c.suspected).count();
    let flagged_accounts: usize = result
        .clusters
        .iter()
        .filter(|c| c.suspected)
        .map(|c| c.members.len())
        .sum();
    let s = &result.stats;
    println!(
        "{} accounts, {} links, {} clusters; {} suspected ({} accounts). Graph {:.1} s, clustering {:.1} s, scoring {:.1} s, reading {:.1} s.",
        s.accounts,
        s.links,
        result.clusters.len(),
        suspected,
        flagged_accounts,
        s.graph_secs,
        s.cluster_secs,
        s.score_secs,
        s.load_secs
    );
    for c in result.clusters.iter().take(12) {
        let first = account_ids
            .get(c.members[0] as usize)
            .map_or("?", String::as_str);
        println!(
            "{:>8}  score {:.2}{}  {} accounts (e.g. {first}), {} exchanges",
            c.id,
            c.score,
            if c.suspected { "  SUSPECTED" } else { "" },
            c.members.len(),
            c.exchanges
        );
        for r in c.reasons.iter().take(2) {
            println!("            {}: {}", r.indicator, r.text);
        }
    }
}
