//! `hydrascope generate`: synthetic but realistic activity for developing and
//! testing detection, deterministic for a seed. Writes an activity-log folder
//! (exactly what `import` reads) or a case file directly, and keeps the
//! ground truth apart from what the analyst sees.
//!
//! The scenarios:
//!
//! - `tiny`, `demo`, `seed-scale` ([`scenario`]): the three publicly reported
//!   campaigns among benign traps, fixed parameters per size; their output
//!   per seed is a regression baseline.
//! - `tiny-evasive`, `demo-evasive`, `seed-scale-evasive` ([`evasive`]): the
//!   same sizes, campaigns run by an adversary who read the reports, and
//!   more look-alikes; evasion knobs drawn per seed within narrow ranges.
//! - `families-small`, `families-large` ([`families`]): every group's
//!   parameters drawn per seed from wide ranges (sizes, volumes, template
//!   modes, schedules, card and address sharing, token shapes, adoption of
//!   the new model), six benign look-alike kinds (a course, coding-agent
//!   users, a public benchmark, a prompt community, a browser extension, a
//!   bot platform) and three campaign kinds (templated, crews sharing no
//!   prompt, a paid crowd) in every seed. Tune on seeds 1–8, judge on
//!   101–108 (`examples/quality.rs --tune` / `--eval`). What each group drew
//!   is in [`Population::families`] ([`knobs`]).

pub use crate::base::rng;
pub mod disguise;
pub mod evasive;
pub mod families;
pub mod group;
pub mod knobs;
pub mod scenario;
pub mod traffic;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;

pub use disguise::{CampaignKnobs, Disguise, Evasion};
pub use group::Group;
pub use knobs::{Families, FamilyKnobs, FamilyPlan, Shape, TemplateMode};
pub use scenario::{Population, Scenario};

use crate::base::Progress;
use crate::base::time::now_rfc3339;
use crate::case::{BuildOptions, CaseBuilder, CaseError};
use crate::logs::record::{Event, EventKind, Indicator, IndicatorKind, template_hex};
use crate::logs::{Format, LogWriter, Section};

/// How to write the generated data.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// The scenario.
    pub scenario: Scenario,
    /// The seed: the same seed gives the same data.
    pub seed: u64,
    /// Folder format.
    pub format: Format,
    /// Gzip the folder's files.
    pub gzip: bool,
    /// Overwrite an existing output.
    pub force: bool,
}

/// What was generated.
#[derive(Clone, Debug)]
pub struct GenerateReport {
    /// Accounts written.
    pub accounts: u64,
    /// Exchanges written.
    pub exchanges: u64,
    /// Events written.
    pub events: u64,
    /// Indicators written.
    pub indicators: u64,
    /// Where the ground truth is.
    pub truth_path: PathBuf,
}

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The output exists and `force` was not given.
    #[error("{0}: already exists; pass --force to overwrite it")]
    Exists(PathBuf),
    /// Writing files failed.
    #[error("{path}: {source}")]
    Io {
        /// What was being written.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
    /// Writing the case failed.
    #[error(transparent)]
    Case(#[from] CaseError),
    /// A generated row was refused (a bug in the generator).
    #[error("generated row refused: {0}")]
    Refused(String),
}

/// Whether `out` names a case file (by its extension) rather than a folder.
pub fn is_case_path(out: &Path) -> bool {
    out.extension().is_some_and(|e| e == "hcase")
}

/// The ground-truth file of a generated case: `CASE.truth.csv`.
pub fn truth_path_for_case(case: &Path) -> PathBuf {
    let mut name = case
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".truth.csv");
    case.with_file_name(name)
}

/// The ground-truth file of a generated folder.
pub const TRUTH_FILE: &str = "ground_truth.csv";

/// Where the generated rows go.
trait Sink {
    fn accounts(&mut self, pop: &Population) -> Result<(), GenerateError>;
    fn exchange(&mut self, e: &crate::logs::Exchange<'_>) -> Result<(), GenerateError>;
    fn event(&mut self, e: Event) -> Result<(), GenerateError>;
    fn indicator(&mut self, i: Indicator) -> Result<(), GenerateError>;
    fn finish(self: Box<Self>, meta: Vec<(String, String)>) -> Result<(), GenerateError>;
}

struct FolderSink {
    writer: LogWriter,
}

impl FolderSink {
    fn io(&self, source: std::io::Error) -> GenerateError {
        GenerateError::Io {
            path: self.writer.dir().to_path_buf(),
            source,
        }
    }
}

impl Sink for FolderSink {
    fn accounts(&mut self, pop: &Population) -> Result<(), GenerateError> {
        for plan in &pop.plans {
            self.writer.account(&plan.account).map_err(|e| self.io(e))?;
        }
        Ok(())
    }
    fn exchange(&mut self, e: &crate::logs::Exchange<'_>) -> Result<(), GenerateError> {
        self.writer.exchange(e).map_err(|err| self.io(err))
    }
    fn event(&mut self, e: Event) -> Result<(), GenerateError> {
        self.writer.event(&e).map_err(|err| self.io(err))
    }
    fn indicator(&mut self, i: Indicator) -> Result<(), GenerateError> {
        self.writer.indicator(&i).map_err(|err| self.io(err))
    }
    fn finish(self: Box<Self>, _meta: Vec<(String, String)>) -> Result<(), GenerateError> {
        let dir = self.writer.dir().to_path_buf();
        self.writer
            .finish()
            .map_err(|source| GenerateError::Io { path: dir, source })
    }
}

struct CaseSink {
    builder: CaseBuilder,
}

impl Sink for CaseSink {
    fn accounts(&mut self, pop: &Population) -> Result<(), GenerateError> {
        let accounts = pop.plans.iter().map(|p| p.account.clone()).collect();
        self.builder.add_accounts(accounts).map_err(|bad| {
            GenerateError::Refused(bad.first().map(|(_, e)| e.to_string()).unwrap_or_default())
        })
    }
    fn exchange(&mut self, e: &crate::logs::Exchange<'_>) -> Result<(), GenerateError> {
        self.builder
            .add_exchange(e, generated_origin)
            .map_err(|err| match err {
                crate::case::builder::AddError::Case(c) => GenerateError::Case(c),
                other => GenerateError::Refused(other.to_string()),
            })
    }
    fn event(&mut self, e: Event) -> Result<(), GenerateError> {
        self.builder
            .add_event(e)
            .map_err(|err| GenerateError::Refused(err.to_string()))
    }
    fn indicator(&mut self, i: Indicator) -> Result<(), GenerateError> {
        Ok(self.builder.add_indicator(i)?)
    }
    fn finish(self: Box<Self>, meta: Vec<(String, String)>) -> Result<(), GenerateError> {
        self.builder.finish(meta)?;
        Ok(())
    }
}

fn generated_origin() -> crate::case::builder::RowOrigin {
    crate::case::builder::RowOrigin {
        file: "generated".into(),
        line: 0,
        text: String::new(),
    }
}

/// Plans the population of a scenario for a seed.
pub fn plan(scenario: Scenario, seed: u64) -> Population {
    if scenario.is_families() {
        families::plan_families(scenario, seed)
    } else if scenario.is_evasive() {
        evasive::plan_evasive(scenario, seed)
    } else {
        scenario::plan_classic(scenario, seed)
    }
}

/// Generates a scenario into `out`: a case file if it ends in `.hcase`,
/// otherwise an activity-log folder. `progress` counts exchanges.
pub fn generate(
    out: &Path,
    options: &GenerateOptions,
    progress: &Progress,
) -> Result<GenerateReport, GenerateError> {
    progress.set_phase(format!(
        "planning {} (seed {})",
        options.scenario.name(),
        options.seed
    ));
    let pop = plan(options.scenario, options.seed);
    progress.total.store(
        pop.plans.iter().map(|p| p.exchanges).sum(),
        Ordering::Relaxed,
    );
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| GenerateError::Io { path, source }
    };
    let (mut sink, truth_path): (Box<dyn Sink>, PathBuf) = if is_case_path(out) {
        let builder = CaseBuilder::create(
            out,
            BuildOptions {
                force: options.force,
                collect_duplicates: false,
            },
        )
        .map_err(|err| match err {
            CaseError::Exists(path) => GenerateError::Exists(path),
            other => other.into(),
        })?;
        (Box::new(CaseSink { builder }), truth_path_for_case(out))
    } else {
        if !options.force && has_log_files(out) {
            return Err(GenerateError::Exists(out.to_path_buf()));
        }
        if options.force {
            remove_log_files(out).map_err(io(out))?;
        }
        let writer = LogWriter::create(out, options.format, options.gzip).map_err(io(out))?;
        (Box::new(FolderSink { writer }), out.join(TRUTH_FILE))
    };

    progress.set_phase("writing accounts");
    sink.accounts(&pop)?;
    progress.set_phase("writing exchanges");
    let mut exchanges = 0u64;
    let mut failure = None;
    for index in 0..pop.plans.len() {
        traffic::account_traffic(&pop, index, options.seed, |e| {
            if failure.is_none() {
                match sink.exchange(e) {
                    Ok(()) => exchanges += 1,
                    Err(err) => failure = Some(err),
                }
            }
        });
        if let Some(err) = failure.take() {
            return Err(err);
        }
        progress.done.store(exchanges, Ordering::Relaxed);
    }
    let events = events(&pop);
    let event_count = events.len() as u64;
    for event in events {
        sink.event(event)?;
    }
    let indicators = indicators(&pop);
    let indicator_count = indicators.len() as u64;
    for indicator in indicators {
        sink.indicator(indicator)?;
    }
    progress.set_phase("finishing");
    write_truth(&truth_path, &pop).map_err(io(&truth_path))?;
    let meta = vec![
        (
            "source".to_string(),
            format!(
                "generated: scenario {} seed {}",
                options.scenario.name(),
                options.seed
            ),
        ),
        ("generated_at".to_string(), now_rfc3339()),
        ("scenario".to_string(), options.scenario.name().to_string()),
        ("seed".to_string(), options.seed.to_string()),
    ];
    sink.finish(meta)?;
    Ok(GenerateReport {
        accounts: pop.plans.len() as u64,
        exchanges,
        events: event_count,
        indicators: indicator_count,
        truth_path,
    })
}

/// The section files (any format) already in `dir`.
fn existing_log_files(dir: &Path) -> Vec<PathBuf> {
    Section::ALL
        .iter()
        .flat_map(|s| {
            ["jsonl", "csv", "jsonl.gz", "csv.gz"]
                .map(|ext| dir.join(format!("{}.{ext}", s.name())))
        })
        .filter(|path| path.exists())
        .collect()
}

fn has_log_files(dir: &Path) -> bool {
    !existing_log_files(dir).is_empty()
}

fn remove_log_files(dir: &Path) -> std::io::Result<()> {
    existing_log_files(dir)
        .into_iter()
        .try_for_each(std::fs::remove_file)
}

fn write_truth(path: &Path, pop: &Population) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "account_id,group,campaign")?;
    for plan in &pop.plans {
        writeln!(
            out,
            "{},{},{}",
            plan.account.account_id,
            plan.group.name(),
            plan.group.is_campaign()
        )?;
    }
    out.flush()
}

/// Reads a ground-truth file: account id → group.
pub fn read_truth(path: &Path) -> std::io::Result<Vec<(String, Group)>> {
    let text = std::fs::read_to_string(path)?;
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate().skip(1) {
        let mut cells = line.split(',');
        let (Some(id), Some(group)) = (cells.next(), cells.next()) else {
            continue;
        };
        let group = Group::parse(group).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("line {}: unknown group {group:?}", i + 1),
            )
        })?;
        rows.push((id.to_string(), group));
    }
    Ok(rows)
}

fn events(pop: &Population) -> Vec<Event> {
    let mut events = vec![
        Event {
            ts_ms: pop.start_ms - 120 * scenario::DAY_MS,
            kind: EventKind::ModelRelease,
            model: Some(scenario::MODELS[0].to_string()),
            account_id: None,
            text: Some("aurora-2 family generally available".into()),
            extra_json: None,
        },
        Event {
            ts_ms: pop.start_ms + 5 * scenario::DAY_MS + 9 * scenario::HOUR_MS,
            kind: EventKind::RateLimitChange,
            model: None,
            account_id: None,
            text: Some("tier-2 output-token limits raised".into()),
            extra_json: None,
        },
        Event {
            ts_ms: pop.release_ms,
            kind: EventKind::ModelRelease,
            model: Some(scenario::NEW_MODEL.to_string()),
            account_id: None,
            text: Some("aurora-3-large released".into()),
            extra_json: None,
        },
        Event {
            ts_ms: pop.release_ms + 2 * scenario::DAY_MS,
            kind: EventKind::Note,
            model: None,
            account_id: None,
            text: Some("partner report received on a proxy reseller".into()),
            extra_json: None,
        },
    ];
    for plan in &pop.plans {
        if plan.banned {
            events.push(Event {
                ts_ms: plan.to_ms,
                kind: EventKind::AccountBanned,
                model: None,
                account_id: Some(plan.account.account_id.clone()),
                text: Some("terms violation: automated resale of access".into()),
                extra_json: None,
            });
        }
    }
    events.sort_by(|a, b| {
        a.ts_ms
            .cmp(&b.ts_ms)
            .then_with(|| a.account_id.cmp(&b.account_id))
    });
    events
}

/// One partner indicator.
fn ind(kind: IndicatorKind, value: String, source: &str, note: &str) -> Indicator {
    Indicator {
        kind,
        value,
        source: Some(source.to_string()),
        note: Some(note.to_string()),
        extra_json: None,
    }
}

/// The false lead, if any: a shared address (a carrier NAT, a campus)
/// somebody put on a block list.
fn nat_lead(pop: &Population) -> Option<Indicator> {
    pop.intel.nat_ip.map(|ip| {
        ind(
            IndicatorKind::Ip,
            ip.to_string(),
            "community-blocklist",
            "spam source",
        )
    })
}

fn indicators(pop: &Population) -> Vec<Indicator> {
    if pop.families.is_some() {
        return family_indicators(pop);
    }
    if pop.evasion.is_some() {
        return sparse_indicators(pop);
    }
    let intel = &pop.intel;
    let mut out = Vec::new();
    for ip in &intel.reasoning_ips {
        out.push(ind(
            IndicatorKind::Ip,
            ip.to_string(),
            "partner-lab-a",
            "seen scraping reasoning traces",
        ));
    }
    if let Some(card) = intel.reasoning_cards.first() {
        out.push(ind(
            IndicatorKind::PaymentFingerprint,
            card.clone(),
            "payments-consortium",
            "chargeback ring",
        ));
    }
    out.push(ind(
        IndicatorKind::EmailDomain,
        intel.reasoning_domain.clone(),
        "partner-lab-a",
        "throwaway mail relay",
    ));
    out.push(ind(
        IndicatorKind::ClientFingerprint,
        intel.agentic_client.clone(),
        "partner-lab-b",
        "custom agent harness",
    ));
    for card in &intel.hydra_cards {
        out.push(ind(
            IndicatorKind::PaymentFingerprint,
            card.clone(),
            "payments-consortium",
            "virtual card batch",
        ));
    }
    out.push(ind(
        IndicatorKind::Cidr,
        intel.relay_cidr.clone(),
        "industry-sharing",
        "proxy reseller egress",
    ));
    out.push(ind(
        IndicatorKind::Asn,
        intel.relay_asn.to_string(),
        "industry-sharing",
        "bulletproof hosting",
    ));
    out.push(ind(
        IndicatorKind::PromptTemplate,
        template_hex(intel.hydra_template),
        "partner-lab-b",
        "harvest template",
    ));
    out.extend(nat_lead(pop));
    out
}

/// The evasive scenarios' partner intelligence: one hosting address of the
/// reasoning campaign and one card of a few hydra accounts, so that nothing
/// can lean on it.
fn sparse_indicators(pop: &Population) -> Vec<Indicator> {
    let intel = &pop.intel;
    let ips = intel.reasoning_ips.iter().map(|ip| {
        ind(
            IndicatorKind::Ip,
            ip.to_string(),
            "partner-lab-a",
            "seen scraping reasoning traces",
        )
    });
    let cards = intel.hydra_cards.iter().map(|card| {
        ind(
            IndicatorKind::PaymentFingerprint,
            card.clone(),
            "payments-consortium",
            "chargeback",
        )
    });
    ips.chain(cards).collect()
}

/// The families scenarios' partner intelligence: one residential proxy exit
/// a crew used (also somebody's home), one card a crew shared (if any), and
/// a campus address somebody put on a block list (a false lead).
fn family_indicators(pop: &Population) -> Vec<Indicator> {
    let intel = &pop.intel;
    let mut out: Vec<Indicator> = intel
        .reasoning_ips
        .iter()
        .map(|ip| {
            ind(
                IndicatorKind::Ip,
                ip.to_string(),
                "partner-lab-a",
                "residential proxy exit seen scraping",
            )
        })
        .collect();
    out.extend(intel.hydra_cards.iter().map(|card| {
        ind(
            IndicatorKind::PaymentFingerprint,
            card.clone(),
            "payments-consortium",
            "chargeback",
        )
    }));
    out.extend(nat_lead(pop));
    out
}
