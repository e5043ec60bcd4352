//! The command-line front end: the contract of `shared/spec/activity-logs.md`
//! (exit 0 on success, 2 on bad input or arguments, 1 on anything else, one
//! line on stderr) over the library's functions. One file per command, each
//! with its arguments and a `run`; this file parses, dispatches and holds
//! what several commands share (the failure type, a progress bar).

mod analyze;
mod conflicts;
mod export;
mod generate;
mod history;
mod import;
mod info;
mod merge;
mod note;
mod open;
mod path;
mod render;
mod repair;
mod report;
mod resolve;
mod spark;
mod tag;
mod tags;
mod verify;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::base::Progress;
use crate::case::casework::{Origin, Who};
use crate::case::{Case, CaseError};

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
    Open(open::OpenArgs),
    /// Build a case file from an activity-log folder
    Import(import::ImportArgs),
    /// Build a case on Apache Spark through Spark Connect: Spark reads and folds the logs, the case holds their rollups (a Hydrascope addition)
    Spark(spark::SparkArgs),
    /// Write a synthetic scenario as an activity-log folder or a case file
    Generate(generate::GenerateArgs),
    /// Build the relationship graph, find clusters, score them, store the result
    Analyze(analyze::AnalyzeArgs),
    /// Record an analyst's tag on a cluster (or on accounts), as the workbench does
    Tag(tag::TagArgs),
    /// List the tags recorded in a case
    Tags(tags::TagsArgs),
    /// Print the audit log: every analyst action (a Hydrascope addition to the contract)
    History(history::HistoryArgs),
    /// Write a new, self-contained case file to share (or, for .graphml/.gexf, the graph for Gephi)
    Export(export::ExportArgs),
    /// Draw a view headless, as the workbench shows it, for briefings
    Render(render::RenderArgs),
    /// Write a briefing report of the tagged campaigns, with pictures (a Hydrascope addition)
    Report(report::ReportArgs),
    /// Merge another analyst's case into this one: their tags and history, attributed to them (a Hydrascope addition)
    Merge(merge::MergeArgs),
    /// List merge conflicts, both tags side by side (a Hydrascope addition)
    Conflicts(conflicts::ConflictsArgs),
    /// Resolve a merge conflict (a Hydrascope addition)
    Resolve(resolve::ResolveArgs),
    /// Run every check on a case: schema, integrity, types, ids, value sizes; exit 2 if any fails (a Hydrascope addition)
    Verify(verify::VerifyArgs),
    /// Copy what is sound in a damaged or hostile case into a new case (a Hydrascope addition)
    Repair(repair::RepairArgs),
    /// Print what a case holds (a Hydrascope addition to the contract)
    Info(info::InfoArgs),
    /// Why two accounts, clusters or campaigns are related: the shortest and the strongest chains of evidence links (a Hydrascope addition)
    Path(path::PathArgs),
    /// Write, change or remove an analyst's note on an account, a link, a cluster, a campaign or a time range (a Hydrascope addition)
    Note(note::NoteArgs),
    /// List the analysts' notes in a case (a Hydrascope addition)
    Notes(note::NotesArgs),
    /// List the views saved in a case (draw one with `render --view-name`; a Hydrascope addition)
    Views(note::ViewsArgs),
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
    /// Exit 2 when the file or the arguments are at fault, else 1.
    fn from_case(err: CaseError) -> Self {
        let bad_input = err.is_bad_input();
        Self::classified(err, bad_input)
    }
    /// `message` with exit 2 when `bad_input` (the input or the arguments
    /// are at fault), else 1.
    fn classified(message: impl ToString, bad_input: bool) -> Self {
        if bad_input {
            Self::bad_input(message)
        } else {
            Self::other(message)
        }
    }
}

/// Checks an output file named on the command line before any work: not a
/// folder, and a name that still fits the file system once the
/// `.partial` suffix it is first written under is added (names of at most
/// 255 bytes, the usual limit).
fn check_output_file(out: &std::path::Path) -> Result<(), Failure> {
    if out.is_dir() {
        return Err(Failure::bad_input(format!(
            "{}: is a folder; --out names the file to write",
            out.display()
        )));
    }
    let name = out.file_name().map_or(0, |n| n.len());
    if name + ".partial".len() > 255 {
        return Err(Failure::bad_input(format!(
            "{}: the file name is {name} bytes long; at most {} (the file is written as NAME.partial first)",
            out.display(),
            255 - ".partial".len()
        )));
    }
    Ok(())
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
            // One line, nothing a terminal would act on, however long or
            // strange the text a case put into the message.
            let line = crate::base::text::terminal_safe(&failure.message);
            eprintln!(
                "hydrascope: {}",
                crate::base::text::truncate_for_display(&line, 2000)
            );
            ExitCode::from(failure.code)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        None => crate::ui::run(None).map_err(Failure::other),
        Some(Command::Open(args)) => open::run(args),
        Some(Command::Import(args)) => import::run(args),
        Some(Command::Spark(args)) => spark::run(args),
        Some(Command::Generate(args)) => generate::run(args),
        Some(Command::Analyze(args)) => analyze::run(args),
        Some(Command::Tag(args)) => tag::run(args),
        Some(Command::Tags(args)) => tags::run(args),
        Some(Command::History(args)) => history::run(args),
        Some(Command::Export(args)) => export::run(args),
        Some(Command::Render(args)) => render::run(args),
        Some(Command::Report(args)) => report::run(args),
        Some(Command::Merge(args)) => merge::run(args),
        Some(Command::Conflicts(args)) => conflicts::run(args),
        Some(Command::Resolve(args)) => resolve::run(args),
        Some(Command::Verify(args)) => verify::run(args),
        Some(Command::Repair(args)) => repair::run(args),
        Some(Command::Info(args)) => info::run(args),
        Some(Command::Path(args)) => path::run(args),
        Some(Command::Note(args)) => note::run(args),
        Some(Command::Notes(args)) => note::run_list(args),
        Some(Command::Views(args)) => note::run_views(args),
    }
}

/// Who a command that writes case work acts as: `--analyst NAME`, else
/// `$HYDRASCOPE_ANALYST` or the login name; an empty `--analyst` is bad
/// input.
fn analyst_who(analyst: Option<String>) -> Result<Who, Failure> {
    match analyst {
        Some(name) if !name.trim().is_empty() => Ok(Who::named(name.trim(), Origin::Cli)),
        Some(_) => Err(Failure::bad_input("--analyst must not be empty")),
        None => Ok(Who::from_env(Origin::Cli)),
    }
}

/// Says what a case-work action wrote, by whom, and its audit entry.
fn print_recorded(recorded: &crate::case::casework::Recorded, who: &Who) {
    println!(
        "{} (by {}; audit log entry #{})",
        clean(&recorded.summary),
        clean(&who.analyst),
        recorded.audit_id
    );
}

fn who_of(analyst: Option<&str>) -> Who {
    match analyst {
        Some(name) => Who::named(name, Origin::Cli),
        None => Who::from_env(Origin::Cli),
    }
}

/// The clusters of campaign `id` in the case at `case` (`--campaign` of
/// export, render and report), or bad input naming a few campaigns there
/// are.
fn campaign_clusters(case: &std::path::Path, id: &str) -> Result<Vec<String>, Failure> {
    let source = Case::open_read_only(case).map_err(Failure::from_case)?;
    let campaigns = source.stored_campaigns().map_err(Failure::from_case)?;
    let id = id.trim();
    // A cluster merged away by hand since the analysis is no longer there.
    let present: std::collections::HashSet<String> = source
        .stored_clusters()
        .map_err(Failure::from_case)?
        .unwrap_or_default()
        .into_iter()
        .map(|c| c.id)
        .collect();
    match campaigns.iter().find(|k| k.id == id) {
        Some(k) if k.clusters.iter().any(|c| present.contains(c)) => Ok(k
            .clusters
            .iter()
            .filter(|c| present.contains(*c))
            .cloned()
            .collect()),
        Some(_) => Err(Failure::bad_input(format!(
            "campaign {} has no clusters left in this case (re-run hydrascope analyze)",
            clean(id)
        ))),
        None if campaigns.is_empty() => Err(Failure::bad_input(format!(
            "no campaign {} in this case: it has no campaigns (run hydrascope analyze first)",
            clean(id)
        ))),
        None => {
            let known: Vec<&str> = campaigns.iter().take(5).map(|k| k.id.as_str()).collect();
            Err(Failure::bad_input(format!(
                "no campaign {} in this case; known: {}{} (hydrascope analyze --json lists them)",
                clean(id),
                known.join(", "),
                if campaigns.len() > known.len() {
                    format!(" and {} more", campaigns.len() - known.len())
                } else {
                    String::new()
                }
            )))
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

/// Case text for the terminal: no control characters.
fn clean(text: &str) -> std::borrow::Cow<'_, str> {
    crate::base::text::terminal_safe(text)
}

/// Splits a comma-separated list, dropping blanks.
fn split_list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
