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

use crate::base::Progress;
use crate::base::time::format_rfc3339_ms;
use crate::case::casework::{HistoryExport, Origin, TagPatch, TagStatus, Who};
use crate::case::{Case, CaseError};
use crate::generate::{GenerateError, GenerateOptions, Scenario};
use crate::import::ImportOptions;
use crate::logs::Format;

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
        /// Scenario: tiny, demo, seed-scale, or tiny-evasive, demo-evasive,
        /// seed-scale-evasive (the same sizes, campaigns that evade)
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
    /// Record an analyst's tag on a cluster (or on accounts), as the workbench does
    Tag {
        /// The case file
        case: PathBuf,
        /// The cluster to tag (several: c1,c2,c3); its newest tag is changed if it has one
        #[arg(
            long,
            required_unless_present_any = ["accounts", "campaign"],
            conflicts_with_all = ["accounts", "campaign"]
        )]
        cluster: Option<String>,
        /// Tag these accounts instead of a cluster (ids, comma-separated; a Hydrascope addition)
        #[arg(long, conflicts_with = "campaign")]
        accounts: Option<String>,
        /// Tag every cluster of this campaign (an id from `analyze --json`, e.g. k17) as one action (a Hydrascope addition)
        #[arg(long)]
        campaign: Option<String>,
        /// Campaign name
        #[arg(long)]
        label: String,
        /// open, confirmed or dismissed
        #[arg(long)]
        status: Option<String>,
        /// The analyst's confidence, 0..1
        #[arg(long)]
        confidence: Option<f64>,
        /// Notes
        #[arg(long)]
        note: Option<String>,
        /// Targeted capability, e.g. "agentic coding" (a Hydrascope addition)
        #[arg(long)]
        capability: Option<String>,
        /// Attributed actor (a Hydrascope addition)
        #[arg(long)]
        actor: Option<String>,
        /// Analyst name [default: $HYDRASCOPE_ANALYST, else the login name] (a Hydrascope addition)
        #[arg(long)]
        analyst: Option<String>,
    },
    /// List the tags recorded in a case
    Tags {
        /// The case file
        case: PathBuf,
        /// Print exactly one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Print the audit log: every analyst action (a Hydrascope addition to the contract)
    History {
        /// The case file
        case: PathBuf,
        /// Only actions touching this cluster
        #[arg(long)]
        cluster: Option<String>,
        /// Output format
        #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
        format: HistoryFormat,
    },
    /// Write a new, self-contained case file to share (or, for .graphml/.gexf, the graph for Gephi)
    Export {
        /// The case file
        case: PathBuf,
        /// The new file: .hcase (a case), .graphml or .gexf (the graph; a Hydrascope addition)
        #[arg(long)]
        out: PathBuf,
        /// Only these clusters (comma-separated ids), with their accounts, exchanges, tags and history
        #[arg(long, value_delimiter = ',')]
        clusters: Option<Vec<String>>,
        /// Only the clusters of this campaign (an id from `analyze --json`, e.g. k17) (a Hydrascope addition)
        #[arg(long, conflicts_with = "clusters")]
        campaign: Option<String>,
        /// Replace identifiers by keyed pseudonyms and drop prompt excerpts
        #[arg(long)]
        redact: bool,
        /// File holding the redaction secret, so that a team's exports line up [default: a new random key] (a Hydrascope addition)
        #[arg(long, requires = "redact")]
        redact_key: Option<PathBuf>,
        /// Overwrite an existing output (a Hydrascope addition)
        #[arg(long)]
        force: bool,
        /// Analyst name recorded with the export [default: $HYDRASCOPE_ANALYST, else the login name] (a Hydrascope addition)
        #[arg(long)]
        analyst: Option<String>,
    },
    /// Draw a view headless, as the workbench shows it, for briefings
    Render {
        /// The case file
        case: PathBuf,
        /// Which view
        #[arg(long, value_enum)]
        view: ViewArg,
        /// The picture: .png (or .svg for the graph; a Hydrascope addition)
        #[arg(long)]
        out: PathBuf,
        /// Width in points (pixels at --scale 1)
        #[arg(long, default_value_t = 1600)]
        width: u32,
        /// Height in points, caption strip included
        #[arg(long, default_value_t = 1000)]
        height: u32,
        /// Pixels per point: 1, 2 or 4 for briefing-grade pictures (0.5 to 8)
        #[arg(long, default_value_t = 1.0)]
        scale: f32,
        /// Select and focus this cluster (it and its one-hop neighbours) (a Hydrascope addition)
        #[arg(long, conflicts_with_all = ["tag", "campaign"])]
        cluster: Option<String>,
        /// Select and frame this campaign: its clusters highlighted, its outline and name (a Hydrascope addition)
        #[arg(long, conflicts_with = "tag")]
        campaign: Option<String>,
        /// Select and focus what this tag is on (a tag id from `tags --json`) (a Hydrascope addition)
        #[arg(long)]
        tag: Option<i64>,
        /// The timeline chart (a Hydrascope addition)
        #[arg(long, value_enum, default_value_t = ChartArg::Requests)]
        chart: ChartArg,
        /// Overwrite an existing output (a Hydrascope addition)
        #[arg(long)]
        force: bool,
    },
    /// Write a briefing report of the tagged campaigns, with pictures (a Hydrascope addition)
    Report {
        /// The case file
        case: PathBuf,
        /// The report: .html (one self-contained file) or .md (pictures in a folder next to it)
        #[arg(long)]
        out: PathBuf,
        /// Only this campaign of the analysis (an id from `analyze --json`, e.g. k17): its score and reasons, then the tags and suspected clusters among its clusters
        #[arg(long)]
        campaign: Option<String>,
        /// Overwrite an existing report
        #[arg(long)]
        force: bool,
    },
    /// Merge another analyst's case into this one: their tags and history, attributed to them (a Hydrascope addition)
    Merge {
        /// Your case file (written)
        case: PathBuf,
        /// Their case file (only read)
        #[arg(long)]
        from: PathBuf,
        /// Analyst name recorded with the merge [default: $HYDRASCOPE_ANALYST, else the login name]
        #[arg(long)]
        analyst: Option<String>,
    },
    /// List merge conflicts, both tags side by side (a Hydrascope addition)
    Conflicts {
        /// The case file
        case: PathBuf,
        /// Print exactly one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Resolve a merge conflict (a Hydrascope addition)
    Resolve {
        /// The case file
        case: PathBuf,
        /// The conflict id (from `conflicts`)
        #[arg(long)]
        conflict: i64,
        /// Which tag to keep
        #[arg(long, value_enum)]
        keep: KeepArg,
        /// Analyst name [default: $HYDRASCOPE_ANALYST, else the login name]
        #[arg(long)]
        analyst: Option<String>,
    },
    /// Run every check on a case: schema, integrity, types, ids, value sizes; exit 2 if any fails (a Hydrascope addition)
    Verify {
        /// The case file (only read)
        case: PathBuf,
        /// Print exactly one JSON document on stdout
        #[arg(long)]
        json: bool,
    },
    /// Copy what is sound in a damaged or hostile case into a new case (a Hydrascope addition)
    Repair {
        /// The damaged case file (only read)
        case: PathBuf,
        /// The new case file
        #[arg(long)]
        out: PathBuf,
        /// Overwrite an existing output
        #[arg(long)]
        force: bool,
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
enum HistoryFormat {
    /// One line per action
    Text,
    /// One JSON object per line, with the rows before and after
    Jsonl,
    /// CSV with a header, with the rows before and after
    Csv,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum KeepArg {
    /// Keep the tag that was here; remove theirs
    Ours,
    /// Keep their tag; remove the one that was here
    Theirs,
    /// Keep both
    Both,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ViewArg {
    /// The account-relationship graph
    Graph,
    /// The timelines
    Timeline,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ChartArg {
    /// Requests per hour
    Requests,
    /// Tokens per hour
    Tokens,
    /// Share of traffic per model, with releases and bans
    ModelMix,
    /// Accounts created per day
    Creations,
    /// Requests by hour of day and day
    Heatmap,
}

impl ChartArg {
    fn chart(self) -> crate::views::timeline::Chart {
        use crate::views::timeline::Chart;
        match self {
            ChartArg::Requests => Chart::Requests,
            ChartArg::Tokens => Chart::Tokens,
            ChartArg::ModelMix => Chart::ModelMix,
            ChartArg::Creations => Chart::Creations,
            ChartArg::Heatmap => Chart::HeatMap,
        }
    }
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
    /// Exit 2 when the file or the arguments are at fault, else 1.
    fn from_case(err: CaseError) -> Self {
        if err.is_bad_input() {
            Self::bad_input(err)
        } else {
            Self::other(err)
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
        Some(Command::Open { case }) => {
            // Refuse a bad file here, with the contract's exit status, rather
            // than in a window.
            Case::open_read_only(&case)
                .or_else(|_| Case::open(&case))
                .map_err(Failure::from_case)?;
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
            let case = Case::open(&case).map_err(Failure::from_case)?;
            let params = crate::analysis::Params {
                resolution,
                seed,
                suspect_threshold: threshold,
                ..Default::default()
            };
            let result = crate::pipeline::analyze_case(&case, &params, &Who::from_env(Origin::Cli))
                .map_err(Failure::from_case)?;
            let features_ids = case.account_ids().map_err(Failure::other)?;
            if json {
                println!("{}", analysis_json(&result, &features_ids));
            } else {
                print_analysis(&result, &features_ids);
            }
            Ok(())
        }
        Some(Command::Tag {
            case,
            cluster,
            accounts,
            campaign,
            label,
            status,
            confidence,
            note,
            capability,
            actor,
            analyst,
        }) => {
            let status = match status.as_deref() {
                None => None,
                Some(name) => Some(TagStatus::parse(name).ok_or_else(|| {
                    Failure::bad_input(format!(
                        "--status must be open, confirmed or dismissed, not {name:?}"
                    ))
                })?),
            };
            if let Some(c) = confidence
                && !(0.0..=1.0).contains(&c)
            {
                return Err(Failure::bad_input(format!(
                    "--confidence must be in 0..1, not {c}"
                )));
            }
            let who = match analyst {
                Some(name) if !name.trim().is_empty() => Who::named(name.trim(), Origin::Cli),
                Some(_) => return Err(Failure::bad_input("--analyst must not be empty")),
                None => Who::from_env(Origin::Cli),
            };
            let patch = TagPatch {
                label: Some(label),
                capability,
                status,
                confidence,
                actor,
                notes: note,
            };
            let of_campaign = match &campaign {
                Some(id) => Some(campaign_clusters(&case, id)?),
                None => None,
            };
            let case = Case::open(&case).map_err(Failure::from_case)?;
            let recorded = match (cluster, accounts, campaign, of_campaign) {
                (_, _, Some(id), Some(clusters)) => {
                    case.tag_campaign(&who, &id, &clusters, &patch, None)
                }
                (Some(clusters), _, _, _) => {
                    let clusters: Vec<String> = split_list(&clusters);
                    case.tag_clusters(&who, &clusters, &patch, None)
                }
                (None, Some(accounts), _, _) => {
                    let indices = case
                        .account_indices(&split_list(&accounts))
                        .map_err(Failure::from_case)?;
                    case.tag_accounts(&who, &indices, &patch)
                }
                _ => {
                    return Err(Failure::bad_input(
                        "name --cluster, --accounts or --campaign",
                    ));
                }
            }
            .map_err(Failure::from_case)?;
            println!(
                "{} (by {}; audit log entry #{})",
                clean(&recorded.summary),
                clean(&who.analyst),
                recorded.audit_id
            );
            Ok(())
        }
        Some(Command::Tags { case, json }) => {
            let case = Case::open_read_only(&case).map_err(Failure::from_case)?;
            let state = case.casework_state().map_err(Failure::from_case)?;
            let ids = case.account_ids().map_err(Failure::other)?;
            let mut tags = Vec::new();
            for t in &state.tags {
                let accounts: Vec<String> = match &t.cluster {
                    Some(c) => case.cluster_account_ids(c).map_err(Failure::other)?,
                    None => t
                        .accounts
                        .iter()
                        .filter_map(|&a| ids.get(a as usize).cloned())
                        .collect(),
                };
                tags.push((t, accounts));
            }
            if json {
                let doc: Vec<serde_json::Value> = tags
                    .iter()
                    .map(|(t, accounts)| {
                        serde_json::json!({
                            "cluster": t.cluster,
                            "accounts": accounts,
                            "label": t.label,
                            "status": t.status.name(),
                            "confidence": t.confidence,
                            "note": t.notes,
                            "analyst": t.updated_by,
                            "at": t.updated_at,
                            "id": t.id,
                            "capability": t.capability,
                            "actor": t.actor,
                            "created_by": t.analyst,
                            "created_at": t.created_at,
                        })
                    })
                    .collect();
                println!("{}", serde_json::json!({ "tags": doc }));
            } else if tags.is_empty() {
                println!("no tags in {}", case.path().display());
            } else {
                for (t, accounts) in &tags {
                    println!(
                        "#{:<4} {:<10} {:<10} {:.2}  {} ({} accounts){}{}  by {} at {}",
                        t.id,
                        clean(t.cluster.as_deref().unwrap_or("accounts")),
                        t.status.name(),
                        t.confidence,
                        clean(&t.label),
                        accounts.len(),
                        if t.capability.is_empty() {
                            String::new()
                        } else {
                            format!("; {}", clean(&t.capability))
                        },
                        if t.actor.is_empty() {
                            String::new()
                        } else {
                            format!("; actor {}", clean(&t.actor))
                        },
                        clean(&t.updated_by),
                        clean(&t.updated_at)
                    );
                    if !t.notes.is_empty() {
                        println!(
                            "      {}",
                            crate::base::text::terminal_safe_lines(&t.notes)
                                .replace('\n', "\n      ")
                        );
                    }
                }
            }
            Ok(())
        }
        Some(Command::History {
            case,
            cluster,
            format,
        }) => {
            let case = Case::open_read_only(&case).map_err(Failure::from_case)?;
            let records = case
                .audit_log(cluster.as_deref())
                .map_err(Failure::from_case)?;
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            let format = match format {
                HistoryFormat::Text => HistoryExport::Text,
                HistoryFormat::Jsonl => HistoryExport::Jsonl,
                HistoryFormat::Csv => HistoryExport::Csv,
            };
            crate::case::casework::write_history(&mut out, &records, format)
                .map_err(Failure::other)?;
            Ok(())
        }
        Some(Command::Export {
            case,
            out,
            clusters,
            campaign,
            redact,
            redact_key,
            force,
            analyst,
        }) => export(
            &case,
            &out,
            match campaign {
                Some(id) => Some(campaign_clusters(&case, &id)?),
                None => clusters,
            },
            redact,
            redact_key.as_deref(),
            force,
            analyst.as_deref(),
        ),
        Some(Command::Render {
            case,
            view,
            out,
            width,
            height,
            scale,
            cluster,
            campaign,
            tag,
            chart,
            force,
        }) => {
            use crate::render::{
                Focus, PictureFormat, PictureSize, PictureView, SavedPicture, Scene,
            };
            if out.exists() && !force {
                return Err(Failure::bad_input(format!(
                    "{}: already exists; pass --force to overwrite it",
                    out.display()
                )));
            }
            let Some(format) = PictureFormat::from_path(&out) else {
                return Err(Failure::bad_input(format!(
                    "{}: --out must end in .png (or .svg for the graph)",
                    out.display()
                )));
            };
            let svg = format == PictureFormat::Svg;
            let what = match view {
                ViewArg::Graph => PictureView::Graph,
                ViewArg::Timeline => PictureView::Timeline,
            };
            if svg && what != PictureView::Graph {
                return Err(Failure::bad_input(
                    "SVG is for the graph; render the timeline as .png",
                ));
            }
            let size = PictureSize {
                width: width as f32,
                height: height as f32,
                scale,
            };
            let render_failure = |e: crate::render::RenderError| match e {
                crate::render::RenderError::Invalid(_) => Failure::bad_input(e),
                crate::render::RenderError::Case(e) => Failure::from_case(e),
                e => Failure::other(e),
            };
            if let Some(id) = &campaign {
                campaign_clusters(&case, id)?;
            }
            let progress = Arc::new(Progress::default());
            let bar = ProgressBar::start(progress.clone(), "steps");
            let scene = Scene::open(&case, &progress);
            bar.stop();
            let scene = scene.map_err(render_failure)?;
            let focus = match (cluster, tag, campaign) {
                (Some(id), _, _) => Focus::Cluster(id),
                (None, Some(tag), _) => Focus::Tag(tag),
                (None, None, Some(id)) => Focus::Campaign(id),
                (None, None, None) => Focus::Everything,
            };
            let picture = scene
                .picture(&focus, chart.chart(), &crate::base::time::now_for_caption())
                .map_err(render_failure)?;
            let saved = crate::render::save_picture(&picture, what, size, format, &out)
                .map_err(render_failure)?;
            match saved {
                SavedPicture::Svg => println!(
                    "wrote {} ({} x {} points, SVG)",
                    out.display(),
                    width,
                    height
                ),
                SavedPicture::Png { .. } => {
                    let (w, h) = size.pixels();
                    println!("wrote {} ({w} x {h} px)", out.display());
                }
            }
            Ok(())
        }
        Some(Command::Report {
            case,
            out,
            campaign,
            force,
        }) => {
            if out.exists() && !force {
                return Err(Failure::from_case(CaseError::Exists(out.clone())));
            }
            if let Some(id) = &campaign {
                campaign_clusters(&case, id)?;
            }
            let progress = Arc::new(Progress::default());
            let bar = ProgressBar::start(progress.clone(), "steps");
            let result =
                crate::export::write_briefing_of(&case, &out, campaign.as_deref(), &progress);
            bar.stop();
            let summary = result.map_err(|e| {
                if e.is_bad_input() {
                    Failure::bad_input(e)
                } else {
                    Failure::other(e)
                }
            })?;
            println!(
                "wrote {}: {} campaign(s), {} dismissed, {} suspected cluster(s) not tagged, {} picture(s)",
                summary.path.display(),
                summary.campaigns,
                summary.dismissed,
                summary.untagged_suspected,
                summary.pictures
            );
            for missing in &summary.missing_pictures {
                eprintln!("warning: picture left out: {missing}");
            }
            Ok(())
        }
        Some(Command::Merge {
            case,
            from,
            analyst,
        }) => {
            let who = who_of(analyst.as_deref());
            // Their case passes every check before this one is opened (and
            // so possibly upgraded or switched to WAL).
            let checked =
                crate::case::verify::verify_case(&from, crate::case::verify::Integrity::Quick)
                    .map_err(Failure::from_case)?;
            if let Some(first) = checked.findings.first() {
                return Err(Failure::bad_input(format!(
                    "{}: refused to merge: {} ({} problem(s) in all; see hydrascope verify); nothing was written",
                    from.display(),
                    first.message,
                    checked.findings.len()
                )));
            }
            let case = Case::open(&case).map_err(Failure::from_case)?;
            let report = case.merge_from(&who, &from).map_err(Failure::from_case)?;
            println!("{}", clean(&report.summary));
            if !report.conflicts.is_empty() {
                println!(
                    "{} conflict(s) to resolve: hydrascope conflicts {}",
                    report.conflicts.len(),
                    case.path().display()
                );
            }
            Ok(())
        }
        Some(Command::Conflicts { case, json }) => {
            let case = Case::open_read_only(&case).map_err(Failure::from_case)?;
            let conflicts = case.merge_conflicts().map_err(Failure::from_case)?;
            if json {
                let tag_json = |t: &crate::case::casework::Tag| {
                    serde_json::json!({
                        "id": t.id, "cluster": t.cluster, "label": t.label, "status": t.status.name(),
                        "confidence": t.confidence, "capability": t.capability, "actor": t.actor,
                        "note": t.notes, "analyst": t.updated_by, "at": t.updated_at,
                    })
                };
                let doc = serde_json::json!({"conflicts": conflicts.iter().map(|c| serde_json::json!({
                    "id": c.id, "merged_from": c.source_name, "status": c.status.name(),
                    "overlap": c.overlap, "fields": c.fields,
                    "ours": tag_json(&c.ours), "theirs": tag_json(&c.theirs),
                    "resolved_by": c.resolved_by, "resolved_at": c.resolved_at,
                })).collect::<Vec<_>>()});
                println!("{doc}");
            } else if conflicts.is_empty() {
                println!("no merge conflicts");
            } else {
                for c in &conflicts {
                    println!(
                        "conflict #{} ({}; merged from {}; {} shared accounts; differs in {})",
                        c.id,
                        c.status.name(),
                        clean(&c.source_name),
                        c.overlap,
                        clean(&c.fields.join(", "))
                    );
                    for (side, t) in [("ours  ", &c.ours), ("theirs", &c.theirs)] {
                        println!(
                            "  {side} #{:<4} {:<10} {:<9} {:.2}  {}  by {} at {}",
                            t.id,
                            clean(t.cluster.as_deref().unwrap_or("accounts")),
                            t.status.name(),
                            t.confidence,
                            clean(&t.label),
                            clean(&t.updated_by),
                            clean(&t.updated_at)
                        );
                    }
                }
            }
            Ok(())
        }
        Some(Command::Resolve {
            case,
            conflict,
            keep,
            analyst,
        }) => {
            use crate::case::merge::Resolution;
            let who = who_of(analyst.as_deref());
            let case = Case::open(&case).map_err(Failure::from_case)?;
            let resolution = match keep {
                KeepArg::Ours => Resolution::KeepOurs,
                KeepArg::Theirs => Resolution::KeepTheirs,
                KeepArg::Both => Resolution::KeepBoth,
            };
            let recorded = case
                .resolve_conflict(&who, conflict, resolution)
                .map_err(Failure::from_case)?;
            println!(
                "{} (audit log entry #{})",
                clean(&recorded.summary),
                recorded.audit_id
            );
            Ok(())
        }
        Some(Command::Verify { case, json }) => {
            use crate::case::verify::{Integrity, verify_case};
            let report = verify_case(&case, Integrity::Full).map_err(Failure::from_case)?;
            if json {
                let doc = serde_json::json!({
                    "case": case.display().to_string(),
                    "format_version": report.format_version,
                    "clean": report.is_clean(),
                    "findings": report.findings,
                });
                println!("{doc}");
            } else {
                for f in &report.findings {
                    println!("{:<10} {}", f.check, clean(&f.message));
                }
                if report.is_clean() {
                    println!(
                        "{}: case format v{}; every check passed",
                        clean(&case.display().to_string()),
                        report.format_version
                    );
                }
            }
            if report.is_clean() {
                Ok(())
            } else {
                Err(Failure::bad_input(format!(
                    "{}: {} problem(s) found; `hydrascope repair {} --out NEW` copies what is sound",
                    case.display(),
                    report.findings.len(),
                    case.display()
                )))
            }
        }
        Some(Command::Repair { case, out, force }) => {
            let report =
                crate::case::verify::repair_case(&case, &out, force).map_err(Failure::from_case)?;
            for object in &report.objects {
                println!("object  {}", clean(object));
            }
            for (table, rows) in &report.dropped {
                println!("dropped {rows} row(s) of {table}");
            }
            let copied: u64 = report.copied.iter().map(|(_, n)| n).sum();
            let dropped: u64 = report.dropped.iter().map(|(_, n)| n).sum();
            println!(
                "wrote {}: {copied} row(s) copied, {dropped} row(s) and {} object(s) left out or remade",
                out.display(),
                report.objects.len()
            );
            Ok(())
        }
        Some(Command::Info { case, json }) => {
            let case = Case::open_read_only(&case).map_err(Failure::from_case)?;
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
                println!("{}", clean(&case.path().display().to_string()));
                println!(
                    "  format v{}; source: {}",
                    s.format_version,
                    clean(s.source.as_deref().unwrap_or("unknown"))
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
                    println!("  model {}: {n} exchanges", clean(model));
                }
            }
            Ok(())
        }
    }
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

/// `hydrascope export`: a case file, or a graph file by the extension.
fn export(
    case: &std::path::Path,
    out: &std::path::Path,
    clusters: Option<Vec<String>>,
    redact: bool,
    redact_key: Option<&std::path::Path>,
    force: bool,
    analyst: Option<&str>,
) -> Result<(), Failure> {
    use crate::case::export::{ExportOptions, RedactionKey, export_case};
    use crate::export::graph_file::{GraphFileError, GraphFormat, write_case_graph};
    let clusters = clusters.map(|ids| {
        ids.into_iter()
            .map(|id| id.trim().to_string())
            .filter(|id| !id.is_empty())
            .collect::<Vec<_>>()
    });
    if GraphFormat::from_path(out).is_some() {
        if redact {
            return Err(Failure::bad_input(
                "--redact is for case files: graph files hold no identifiers to redact",
            ));
        }
        if out.exists() && !force {
            return Err(Failure::from_case(CaseError::Exists(out.to_path_buf())));
        }
        let report = write_case_graph(case, clusters.as_deref(), out).map_err(|e| match e {
            GraphFileError::Case(e) => Failure::from_case(e),
            e @ GraphFileError::Write { .. } => Failure::other(e),
        })?;
        println!(
            "wrote {} ({:?}: {} accounts, {} links)",
            out.display(),
            report.format,
            report.accounts,
            report.links
        );
        return Ok(());
    }
    let key = RedactionKey::chosen(redact, redact_key).map_err(Failure::from_case)?;
    let who = who_of(analyst);
    let options = ExportOptions {
        clusters,
        redact: key,
        force,
    };
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::start(progress.clone(), "steps");
    let result = export_case(case, out, &options, &who, &progress);
    bar.stop();
    let report = result.map_err(Failure::from_case)?;
    println!(
        "exported {} accounts, {} exchanges, {} clusters, {} tags, {} history entries to {} ({:.1} MB){}",
        report.accounts,
        report.exchanges,
        report.clusters,
        report.tags,
        report.audit_entries,
        report.path.display(),
        report.bytes as f64 / 1e6,
        match &report.redaction_key_id {
            Some(id) => format!("; redacted with key {id}"),
            None => String::new(),
        }
    );
    Ok(())
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
