//! `hydrascope spark`: the heavy part of building a case run on Apache
//! Spark, the case on the laptop.
//!
//! The job is Python (`assets/spark/hydrascope_job.py`, built into the
//! binary and written out for each run) and talks to Spark through Spark
//! Connect with PySpark's own client: Spark reads the logs where Spark sees
//! them, checks the exchanges against the contract, folds them into the
//! case's rollups (per account, hour and model; per account and value;
//! per template; each account's active minutes) and sends those back as
//! Arrow. Here they become a case ([`crate::import::import_folded`]) that
//! holds accounts, events, indicators and every rollup, and no exchange.
//! docs/scale.md says why the job is Python rather than Apache's Rust
//! Spark Connect client.

pub mod rollups;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use crate::base::Progress;
use crate::base::time::now_rfc3339;
use crate::import::{ImportError, ImportOptions, ImportReport};

/// The job, as shipped.
pub const JOB: &str = include_str!("../../assets/spark/hydrascope_job.py");

/// `meta.exchanges_stored` of a case built from rollups alone.
pub const ROLLUPS_ONLY: &str = "no";

/// What `hydrascope spark` is asked to do.
#[derive(Clone, Debug, Default)]
pub struct SparkOptions {
    /// Spark Connect's address, `sc://HOST:PORT`.
    pub remote: String,
    /// Where Spark finds the activity-log folder (a path or URI it reads).
    pub logs: String,
    /// The Python that runs the job (with `pyspark[connect]` installed).
    pub python: PathBuf,
    /// Keep the job's output folder here instead of a temporary one.
    pub keep: Option<PathBuf>,
    /// Keep accounts matching these `FIELD=VALUE[,VALUE…]` (all of them).
    pub only: Vec<String>,
    /// A file of seed account ids: keep those linked to them.
    pub seeds: Option<PathBuf>,
    /// How many steps from a seed.
    pub hops: u32,
    /// Keep accounts whose pre-score is at least this.
    pub min_prescore: Option<f64>,
    /// A value held by more accounts than this links no one (seeds and
    /// pre-score).
    pub crowd: u32,
    /// `spark.sql.shuffle.partitions` for the job's session.
    pub shuffle_partitions: Option<u32>,
    /// What the import of the result does with bad rows and an existing case.
    pub import: ImportOptions,
}

/// What a Spark build did.
#[derive(Debug)]
pub struct SparkReport {
    /// The import of what came back.
    pub import: ImportReport,
    /// Exchanges Spark left out as invalid (with `--skip-invalid`).
    pub rejected_exchanges: u64,
    /// How the population was chosen.
    pub population: String,
    /// Seconds spent in the Spark job.
    pub job_secs: f64,
    /// The Spark version that ran it.
    pub spark_version: String,
}

/// Why a Spark build failed.
#[derive(Debug, thiserror::Error)]
pub enum SparkError {
    /// The job refused the input (bad rows, a missing section, a bad
    /// filter): exit status 2.
    #[error("{0}")]
    BadInput(String),
    /// The job could not run or failed otherwise.
    #[error("{0}")]
    Job(String),
    /// What came back could not be made into a case.
    #[error(transparent)]
    Import(#[from] ImportError),
}

impl SparkError {
    /// Whether the failure is the input's (exit status 2).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::BadInput(_) => true,
            Self::Job(_) => false,
            Self::Import(e) => e.is_bad_input(),
        }
    }
}

/// What `job.json` says.
#[derive(serde::Deserialize)]
struct JobReport {
    rejected: u64,
    #[serde(default)]
    rejected_accounts: u64,
    #[serde(default)]
    rejects: Vec<serde_json::Value>,
    population: String,
    spark_version: String,
}

/// Runs the job on Spark and builds the case at `out` from what it brings
/// back. Progress phases follow the job's steps.
pub fn build_case_on_spark(
    options: &SparkOptions,
    out: &Path,
    progress: &Progress,
) -> Result<SparkReport, SparkError> {
    if out.exists() && !options.import.force {
        return Err(SparkError::BadInput(format!(
            "{}: already exists (use --force to replace it)",
            out.display()
        )));
    }
    let (work, temporary) = match &options.keep {
        Some(dir) => {
            // The analyst's folder: never emptied, so it must be new or empty.
            let holds_files = std::fs::read_dir(dir).is_ok_and(|mut d| d.next().is_some());
            if holds_files || dir.is_file() {
                return Err(SparkError::BadInput(format!(
                    "--keep {}: already holds files; give a new or empty folder",
                    dir.display()
                )));
            }
            (dir.clone(), false)
        }
        None => {
            let name = out
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "case".into());
            let parent = match out.parent() {
                Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                _ => PathBuf::from("."),
            };
            let work = parent.join(format!(".{name}.spark-{}", std::process::id()));
            // One left by a killed run of a process of the same id.
            let _ = std::fs::remove_dir_all(&work);
            (work, true)
        }
    };
    let result = run_in(options, out, progress, &work);
    if temporary {
        let _ = std::fs::remove_dir_all(&work);
    }
    result
}

fn run_in(
    options: &SparkOptions,
    out: &Path,
    progress: &Progress,
    work: &Path,
) -> Result<SparkReport, SparkError> {
    let io = |what: &str, e: std::io::Error| SparkError::Job(format!("{what}: {e}"));
    std::fs::create_dir_all(work).map_err(|e| io(&work.display().to_string(), e))?;
    let script = work.join("hydrascope_job.py");
    std::fs::write(&script, JOB).map_err(|e| io(&script.display().to_string(), e))?;
    let mut cmd = Command::new(&options.python);
    cmd.arg(&script)
        .args([
            "--remote",
            &options.remote,
            "--logs",
            &options.logs,
            "--out",
        ])
        .arg(work)
        .args(["--hops", &options.hops.to_string()])
        .args(["--crowd", &options.crowd.to_string()]);
    if options.import.skip_invalid {
        cmd.arg("--skip-invalid");
    }
    for rule in &options.only {
        cmd.args(["--only", rule]);
    }
    if let Some(seeds) = &options.seeds {
        let seeds = std::fs::canonicalize(seeds)
            .map_err(|e| SparkError::BadInput(format!("--seeds {}: {e}", seeds.display())))?;
        cmd.arg("--seeds").arg(seeds);
    }
    if let Some(score) = options.min_prescore {
        cmd.args(["--min-prescore", &score.to_string()]);
    }
    if let Some(n) = options.shuffle_partitions {
        cmd.args(["--shuffle-partitions", &n.to_string()]);
    }
    let started = Instant::now();
    progress.set_phase(format!("starting the Spark job ({})", options.remote));
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            SparkError::Job(format!(
                "cannot run {} for the Spark job: {e} (give --python with pyspark[connect] installed)",
                options.python.display()
            ))
        })?;
    let mut error: Option<String> = None;
    let mut tail: Vec<String> = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(step) = line.strip_prefix("hydrascope-spark: STEP ") {
                progress.set_phase(format!("Spark job, step {step}"));
            } else if let Some(message) = line.strip_prefix("hydrascope-spark: ERROR: ") {
                error = Some(message.to_string());
            } else if !line.trim().is_empty() && !line.starts_with('\t') {
                tail.push(crate::base::text::truncate_for_display(&line, 300).into_owned());
                if tail.len() > 5 {
                    tail.remove(0);
                }
            }
        }
    }
    let status = child.wait().map_err(|e| io("the Spark job", e))?;
    let job_secs = started.elapsed().as_secs_f64();
    if !status.success() {
        return Err(match (status.code(), error) {
            (Some(2), Some(message)) => SparkError::BadInput(message),
            (_, Some(message)) => SparkError::Job(message),
            (_, None) => SparkError::Job(format!(
                "the Spark job failed ({status}); its last words: {}",
                if tail.is_empty() {
                    "none".to_string()
                } else {
                    tail.join(" | ")
                }
            )),
        });
    }
    let report_path = work.join("job.json");
    let report: JobReport = std::fs::read_to_string(&report_path)
        .map_err(|e| io(&report_path.display().to_string(), e))
        .and_then(|text| {
            serde_json::from_str(&text)
                .map_err(|e| SparkError::Job(format!("{}: {e}", report_path.display())))
        })?;
    progress.set_phase("reading the rollups Spark brought back");
    let folded = rollups::read_folded(&work.join("rollups"))
        .map_err(|e| SparkError::Job(format!("what Spark brought back: {e}")))?;
    let meta = vec![
        ("source".to_string(), options.logs.clone()),
        ("imported_at".to_string(), now_rfc3339()),
        (
            "built_on".to_string(),
            format!(
                "Apache Spark {} via {}",
                report.spark_version, options.remote
            ),
        ),
        ("exchanges_stored".to_string(), ROLLUPS_ONLY.to_string()),
        ("population".to_string(), report.population.clone()),
        (
            "spark_rejected_exchanges".to_string(),
            report.rejected.to_string(),
        ),
        (
            "spark_rejected_accounts".to_string(),
            report.rejected_accounts.to_string(),
        ),
    ];
    let mut import = crate::import::import_folded(
        &work.join("logs"),
        out,
        &options.import,
        progress,
        folded,
        meta,
    )?;
    if report.rejected_accounts > 0 {
        import.warnings.push(format!(
            "Spark left out {} invalid account rows (their exchanges name an unknown account)",
            report.rejected_accounts
        ));
    }
    if report.rejected > 0 {
        let first: Vec<String> = report
            .rejects
            .iter()
            .take(3)
            .map(|r| {
                format!(
                    "{}: {}",
                    r["file"].as_str().unwrap_or("?"),
                    r["reason"].as_str().unwrap_or("?")
                )
            })
            .collect();
        import.warnings.push(format!(
            "Spark left out {} invalid exchange rows; the first: {}",
            report.rejected,
            first.join("; ")
        ));
    }
    Ok(SparkReport {
        import,
        rejected_exchanges: report.rejected,
        population: report.population,
        job_secs,
        spark_version: report.spark_version,
    })
}
