//! `hydrascope spark`: build a case on Apache Spark through Spark Connect
//! (a Hydrascope addition to the contract; docs/scale.md).

use std::path::PathBuf;
use std::sync::Arc;

use crate::base::Progress;
use crate::import::ImportOptions;
use crate::lake::SparkOptions;

use super::{Failure, ProgressBar};

// The arguments; their help is the command line's (`hydrascope spark --help`).
#[derive(clap::Args, Debug)]
pub(super) struct SparkArgs {
    /// Spark Connect's address, e.g. sc://spark-master:15002
    #[arg(long)]
    remote: String,
    /// The activity-log folder as Spark sees it: a path or URI (hdfs://, s3a://,
    /// abfss://, gs://…) holding the sections as JSONL, CSV or Parquet
    #[arg(long)]
    logs: String,
    /// The case file to write on this machine
    #[arg(long)]
    out: PathBuf,
    /// Keep only accounts whose FIELD is one of the VALUEs (repeatable: all
    /// must hold). Fields: payment_fingerprint, email_domain, org_name,
    /// access_path, billing_country, verification, signup_ip (of the
    /// account); ip, asn, client_fingerprint, prompt_template, api_key_id
    /// (of any of its exchanges)
    #[arg(long, value_name = "FIELD=VALUE[,VALUE...]")]
    only: Vec<String>,
    /// Keep only the accounts of this file (one id per line) and those
    /// linked to them through a shared card, e-mail domain, sign-up
    /// address, request address, client fingerprint or template
    #[arg(long, value_name = "FILE")]
    seeds: Option<PathBuf>,
    /// Steps from a seed account (with --seeds)
    #[arg(long, default_value_t = 1)]
    hops: u32,
    /// Keep only accounts whose pre-score, computed on the cluster, is at
    /// least this (0..1: the share of its exchanges carrying an address,
    /// client fingerprint or template another account uses; 1 for a
    /// shared card or sign-up address)
    #[arg(long, value_name = "SCORE")]
    min_prescore: Option<f64>,
    /// A value held by more accounts than this links no one (public
    /// addresses, a popular tool's prompts), for --seeds and --min-prescore
    #[arg(long, default_value_t = 200)]
    crowd: u32,
    /// spark.sql.shuffle.partitions for the job (Spark's default when left out;
    /// a handful suits a Spark in local mode)
    #[arg(long)]
    shuffle_partitions: Option<u32>,
    /// The Python that runs the job; it needs `pip install 'pyspark[connect]'`
    /// [default: $HYDRASCOPE_PYTHON, else python3]
    #[arg(long)]
    python: Option<PathBuf>,
    /// Keep what Spark brought back (Parquet files) in this folder
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// Leave out invalid exchanges (counted and named in a warning) and
    /// write invalid accounts, events and indicators to CASE.rejects.jsonl
    #[arg(long)]
    skip_invalid: bool,
    /// Overwrite an existing case file
    #[arg(long)]
    force: bool,
}

/// Runs `hydrascope spark` with `args`.
pub(super) fn run(args: SparkArgs) -> Result<(), Failure> {
    if let Some(score) = args.min_prescore
        && !(0.0..=1.0).contains(&score)
    {
        return Err(Failure::bad_input(format!(
            "--min-prescore {score}: give a score from 0 to 1"
        )));
    }
    if !args.remote.starts_with("sc://") {
        return Err(Failure::bad_input(format!(
            "--remote {}: give a Spark Connect address, sc://HOST:PORT",
            args.remote
        )));
    }
    super::check_output_file(&args.out)?;
    let options = SparkOptions {
        remote: args.remote,
        logs: args.logs,
        python: args
            .python
            .or_else(|| std::env::var_os("HYDRASCOPE_PYTHON").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("python3")),
        keep: args.keep,
        only: args.only,
        seeds: args.seeds,
        hops: args.hops,
        min_prescore: args.min_prescore,
        crowd: args.crowd,
        shuffle_partitions: args.shuffle_partitions,
        import: ImportOptions {
            skip_invalid: args.skip_invalid,
            force: args.force,
        },
    };
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::start(progress.clone(), "");
    let result = crate::lake::build_case_on_spark(&options, &args.out, &progress);
    bar.stop();
    let report = result.map_err(|e| Failure::classified(&e, e.is_bad_input()))?;
    for warning in &report.import.warnings {
        // They quote rows of the logs: nothing a terminal would act on.
        eprintln!("warning: {}", crate::base::text::terminal_safe(warning));
    }
    crate::base::paths::remember_known_case(&args.out);
    let s = &report.import.stats;
    println!(
        "built {} on Apache Spark {} in {:.1} s (the job {:.1} s): {} accounts ({}), {} exchanges \
         folded into rollups (none stored), {} events, {} indicators",
        args.out.display(),
        report.spark_version,
        report.job_secs + report.import.elapsed_secs,
        report.job_secs,
        s.accounts,
        report.population,
        s.exchanges,
        s.events,
        s.indicators
    );
    if report.rejected_exchanges > 0 {
        println!(
            "Spark left out {} invalid exchanges",
            report.rejected_exchanges
        );
    }
    if let Some(path) = &report.import.rejects_path {
        println!(
            "skipped {} invalid rows; see {}",
            report.import.rejected,
            path.display()
        );
    }
    Ok(())
}
