//! Briefing reports (HTML and Markdown) of the tagged campaigns, of the
//! whole case or of one campaign the analysis found.
//!
//! [`write_report`] reads [`ReportData`] from the case, lays the report out
//! once as a list of [`Block`]s, and hands that to one of two writers: HTML
//! (one self-contained file, pictures inlined as base64 PNG) or Markdown
//! (pictures as PNG files in a `<stem>_files/` folder beside it). Pictures
//! come from a caller-supplied function (the headless renderer in the
//! application); one that fails becomes a visible note, not a failed
//! report. Everything is written under a temporary name and renamed into
//! place, so a failure leaves no half-written report.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;

use crate::analysis::Reason;
use crate::base::text::{count, thousands};
use crate::base::time::format_rfc3339_ms;
use crate::case::analysis_store::{INDICATOR_COLUMNS, StoredCampaign, StoredCluster};
use crate::case::report_data::{Campaign, CampaignCluster, ReportData};
use crate::case::{Case, CaseError};
use crate::views::series::FamilyUse;

/// The two report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// One self-contained HTML file.
    Html,
    /// A Markdown file with its pictures in a `<stem>_files/` folder.
    Markdown,
}

impl ReportFormat {
    /// The format named by `path`'s extension: `.html` or `.htm` for HTML,
    /// `.md` for Markdown (any case); anything else is
    /// [`ReportError::UnknownFormat`].
    pub fn from_path(path: &Path) -> Result<Self, ReportError> {
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match extension.as_str() {
            "html" | "htm" => Ok(ReportFormat::Html),
            "md" => Ok(ReportFormat::Markdown),
            _ => Err(ReportError::UnknownFormat {
                path: path.to_path_buf(),
                extension: path
                    .extension()
                    .map(|e| e.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            }),
        }
    }
}

/// Which view a picture shows: the renderer's own.
pub use crate::render::ViewKind;

impl ViewKind {
    /// The name `hydrascope render --view` takes.
    pub fn name(self) -> &'static str {
        match self {
            ViewKind::Graph => "graph",
            ViewKind::Timeline => "timeline",
            ViewKind::Journeys => "journeys",
            ViewKind::Networks => "networks",
        }
    }

    fn title(self) -> &'static str {
        match self {
            ViewKind::Graph => "Relationship graph",
            ViewKind::Timeline => "Activity timeline (UTC)",
            ViewKind::Journeys => "Account journeys (UTC)",
            ViewKind::Networks => "Where requests come from",
        }
    }
}

/// A picture the report asks for: a view focused on a campaign.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Picture {
    /// The view to draw.
    pub view: ViewKind,
    /// The cluster to focus on (`None` for a tag on a set of accounts).
    pub cluster: Option<String>,
    /// The tag whose campaign it shows (`tags.id`), whose accounts an
    /// ad-hoc tag's picture shows.
    pub tag: Option<i64>,
    /// The campaign of the analysis it shows (`k17`), for the picture of a
    /// report about one campaign.
    pub campaign: Option<String>,
    /// The saved view it shows (by name), which sets everything else.
    pub saved_view: Option<String>,
}

/// What [`write_report`] wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportSummary {
    /// The report file.
    pub path: PathBuf,
    /// Campaigns reported (tags not dismissed).
    pub campaigns: usize,
    /// Dismissed tags listed.
    pub dismissed: usize,
    /// Suspected clusters without a tag.
    pub untagged_suspected: usize,
    /// Pictures included.
    pub pictures: usize,
    /// Pictures left out, each with why, as the report says it.
    pub missing_pictures: Vec<String>,
    /// Picture files written beside a Markdown report (none for HTML).
    pub files: Vec<PathBuf>,
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The output's extension names no report format.
    #[error(
        "{path}: unknown report format {}; use .html, .htm or .md",
        if extension.is_empty() { "(no extension)".to_string() } else { format!("\".{extension}\"") }
    )]
    UnknownFormat {
        /// The output path.
        path: PathBuf,
        /// Its extension, as given (empty when it has none).
        extension: String,
    },
    /// The case could not be read.
    #[error("{path}: cannot read the case for the report: {source}")]
    Case {
        /// The case file.
        path: PathBuf,
        /// What went wrong.
        source: CaseError,
    },
    /// The campaign asked for is not in the case.
    #[error("no campaign {id} in this case{}", known_campaigns(known))]
    UnknownCampaign {
        /// The id asked for.
        id: String,
        /// A few ids that are there, highest score first.
        known: Vec<String>,
    },
    /// A file of the report could not be written.
    #[error("{path}: cannot write the report: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS said.
        source: std::io::Error,
    },
}

impl ReportError {
    /// Whether the user (the arguments or the case file) is at fault, as
    /// opposed to the machine: the CLI exits 2 for these and 1 for the rest.
    pub fn is_bad_input(&self) -> bool {
        match self {
            ReportError::UnknownFormat { .. } | ReportError::UnknownCampaign { .. } => true,
            ReportError::Case { source, .. } => source.is_bad_input(),
            ReportError::Io { .. } => false,
        }
    }
}

/// Writes the briefing report of `case` to `out` in `format`.
///
/// `generated_at` is printed as the generation time (RFC 3339, UTC).
/// `pictures` draws each [`Picture`] the report asks for and returns PNG
/// bytes, or why it could not; a picture that fails (or is not a PNG) is
/// replaced by a note saying why. An existing report at `out` (and its
/// `<stem>_files/` folder, for Markdown) is replaced only once the new one
/// is complete.
pub fn write_report(
    case: &Case,
    out: &Path,
    format: ReportFormat,
    generated_at: &str,
    pictures: &mut dyn FnMut(&Picture) -> Result<Vec<u8>, String>,
) -> Result<ReportSummary, ReportError> {
    write_report_of(case, out, format, generated_at, None, pictures)
}

/// [`write_report`], about one campaign of the analysis when `campaign`
/// names one (`k17`): the campaign's score, sub-scores and reasons with its
/// pictures, then only the tags and untagged suspected clusters among its
/// clusters. An unknown id is [`ReportError::UnknownCampaign`], before
/// anything is written.
pub fn write_report_of(
    case: &Case,
    out: &Path,
    format: ReportFormat,
    generated_at: &str,
    campaign: Option<&str>,
    pictures: &mut dyn FnMut(&Picture) -> Result<Vec<u8>, String>,
) -> Result<ReportSummary, ReportError> {
    let case_error = |source| ReportError::Case {
        path: case.path().to_path_buf(),
        source,
    };
    let mut data = case.report_data().map_err(case_error)?;
    if let Some(id) = campaign {
        let campaigns = case.stored_campaigns().map_err(case_error)?;
        let Some(found) = campaigns.iter().find(|k| k.id == id) else {
            return Err(ReportError::UnknownCampaign {
                id: id.to_string(),
                known: campaigns.iter().take(5).map(|k| k.id.clone()).collect(),
            });
        };
        data.keep_campaign(found.clone());
    }
    // The template families each tagged campaign's accounts share (the
    // evidence its score cites), read from the case as the inspector does.
    let radius = data
        .run
        .as_ref()
        .and_then(|run| serde_json::from_str::<crate::analysis::Params>(&run.params_json).ok())
        .unwrap_or_default()
        .template_radius;
    let mut families = |members: &[u32]| -> Vec<FamilyUse> {
        crate::views::series::shared_families(case, members, radius, SHARED_FAMILIES)
            .unwrap_or_default()
    };
    let blocks = layout(&data, generated_at, pictures, &mut families);
    let mut summary = ReportSummary {
        path: out.to_path_buf(),
        campaigns: data.campaigns.len(),
        dismissed: data.dismissed.len(),
        untagged_suspected: data.untagged_suspected.len(),
        ..Default::default()
    };
    for block in &blocks {
        if let Block::Figure { png, .. } = block {
            match png {
                Ok(_) => summary.pictures += 1,
                Err(why) => summary.missing_pictures.push(why.clone()),
            }
        }
    }
    let title = match &data.scope {
        Some(k) => format!("Distillation campaign {}: {}", k.id, data.case_name),
        None => format!("Distillation campaigns: {}", data.case_name),
    };
    match format {
        ReportFormat::Html => {
            let html = to_html(&title, &blocks);
            write_files(out, html.as_bytes(), None)?;
        }
        ReportFormat::Markdown => {
            let stem = out
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let folder_name = format!("{stem}_files");
            let (markdown, images) = to_markdown(&blocks, &folder_name);
            let folder = out.with_file_name(&folder_name);
            write_files(out, markdown.as_bytes(), Some((&folder, &images)))?;
            summary.files = images.iter().map(|(name, _)| folder.join(name)).collect();
        }
    }
    Ok(summary)
}

/// One piece of the report, before it is written in a format. All text is
/// plain; the writers escape it.
enum Block {
    /// A heading of level 1 to 4.
    Heading(u8, String),
    /// A paragraph.
    Paragraph(String),
    /// Analyst-typed text whose line breaks matter.
    Notes(String),
    /// A remark that must stand out (a missing picture, an edited cluster).
    Remark(String),
    /// Two-column facts: (name, value).
    Facts(Vec<(String, String)>),
    /// A table; each cell is one or more lines.
    Table {
        head: Vec<&'static str>,
        rows: Vec<Vec<Vec<String>>>,
    },
    /// A picture, or why it is missing.
    Figure {
        /// The file name a Markdown report gives it.
        file: String,
        /// What it shows: its caption and alternative text.
        title: String,
        /// The PNG, or why there is none.
        png: Result<Vec<u8>, String>,
    },
    /// A campaign's section starts (HTML keeps it on one page when it can).
    SectionStart,
    /// …and ends.
    SectionEnd,
}

/// The most accounts listed by id under a campaign.
const LISTED_ACCOUNTS: usize = 60;
/// The most clusters detailed under one ad-hoc campaign.
const DETAILED_CLUSTERS: usize = 5;
/// Tagged campaigns with a section (facts, clusters, pictures) of their own.
const DETAILED_CAMPAIGNS: usize = 10;
/// The most untagged suspected clusters listed.
const LISTED_UNTAGGED: usize = 100;
/// The most models or capabilities named in a mix.
const MIX_ITEMS: usize = 5;

const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// Lays the report out: header, campaigns, untagged suspected clusters,
/// dismissed tags.
fn layout(
    data: &ReportData,
    generated_at: &str,
    pictures: &mut dyn FnMut(&Picture) -> Result<Vec<u8>, String>,
    families: &mut dyn FnMut(&[u32]) -> Vec<FamilyUse>,
) -> Vec<Block> {
    let mut blocks = vec![Block::Heading(
        1,
        match &data.scope {
            Some(k) => format!("Distillation campaign {}: {}", k.id, data.case_name),
            None => format!("Distillation campaigns: {}", data.case_name),
        },
    )];
    blocks.push(Block::Facts(header_facts(data, generated_at)));
    if let Some(scope) = &data.scope {
        scope_blocks(&mut blocks, scope, pictures);
    }

    blocks.push(Block::Heading(2, "Tagged campaigns".into()));
    if data.campaigns.is_empty() {
        blocks.push(Block::Paragraph(if data.run.is_none() {
            "No campaigns are tagged: the case has not been analysed yet \
             (run hydrascope analyze, then tag clusters in the workbench or with hydrascope tag)."
                .into()
        } else if data.scope.is_some() {
            "None of its clusters is tagged yet.".into()
        } else if data.dismissed.is_empty() {
            "No campaigns are tagged in this case yet.".into()
        } else {
            "No campaigns are tagged in this case: every tag is dismissed.".into()
        }));
    } else {
        blocks.push(Block::Paragraph(
            "Confirmed campaigns first, then open ones; each by the analyst's confidence.".into(),
        ));
        blocks.push(Block::Table {
            head: vec![
                "#",
                "Campaign",
                "Status",
                "Confidence",
                "Clusters",
                "Accounts",
                "Exchanges",
                "Score",
            ],
            rows: data
                .campaigns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    vec![
                        vec![(i + 1).to_string()],
                        vec![match &c.claimed {
                            Some(claim) => format!("{} (merged from {})", c.tag.label, claim.case),
                            None => c.tag.label.clone(),
                        }],
                        vec![c.tag.status.name().to_string()],
                        vec![format!("{:.2}", c.tag.confidence)],
                        vec![clusters_cell(c)],
                        vec![thousands(c.account_ids.len() as u64)],
                        vec![thousands(c.exchanges)],
                        vec![score_cell(c)],
                    ]
                })
                .collect(),
        });
        // A section with pictures for the first few only: a case holding
        // thousands of (merged) tags gets a report of bounded size and time.
        for (i, campaign) in data.campaigns.iter().enumerate().take(DETAILED_CAMPAIGNS) {
            campaign_blocks(&mut blocks, i + 1, campaign, pictures, families);
        }
        if data.campaigns.len() > DETAILED_CAMPAIGNS {
            blocks.push(Block::Remark(format!(
                "{} more tagged campaigns are in the table above without a section of their own \
                 (a report shows at most {DETAILED_CAMPAIGNS}); `hydrascope report --campaign ID` \
                 makes one about a single campaign",
                thousands((data.campaigns.len() - DETAILED_CAMPAIGNS) as u64)
            )));
        }
    }

    if data.scope.is_none() && data.run.is_some() {
        blocks.push(Block::Heading(
            2,
            "Suspected campaigns not tagged yet".into(),
        ));
        untagged_campaign_blocks(&mut blocks, data);
    }

    blocks.push(Block::Heading(
        2,
        "Suspected clusters not tagged yet".into(),
    ));
    untagged_blocks(&mut blocks, data);

    if !data.dismissed.is_empty() {
        blocks.push(Block::Heading(2, "Dismissed".into()));
        blocks.push(Block::Paragraph(
            "Tags an analyst looked at and dismissed.".into(),
        ));
        blocks.push(Block::Table {
            head: vec![
                "Label",
                "Clusters",
                "Accounts",
                "Score",
                "Confidence",
                "Analyst",
                "Last changed",
                "Notes",
            ],
            rows: data
                .dismissed
                .iter()
                .map(|c| {
                    vec![
                        vec![c.tag.label.clone()],
                        vec![clusters_cell(c)],
                        vec![thousands(c.account_ids.len() as u64)],
                        vec![score_cell(c)],
                        vec![format!("{:.2}", c.tag.confidence)],
                        vec![c.tag.analyst.clone()],
                        vec![format!("{} by {}", c.tag.updated_at, c.tag.updated_by)],
                        c.tag.notes.lines().map(str::to_string).collect(),
                    ]
                })
                .collect(),
        });
    }
    notes_and_views_blocks(&mut blocks, data, pictures);
    blocks.push(Block::Paragraph(format!(
        "Made by Hydrascope {} from {}.",
        env!("CARGO_PKG_VERSION"),
        data.case_name
    )));
    blocks
}

/// The most saved views drawn in a report.
const DRAWN_VIEWS: usize = 6;
/// The most notes listed in a report.
const LISTED_NOTES: usize = 500;

/// The analysts' notes (a table) and their saved views (a picture of the
/// graph each, the first few).
fn notes_and_views_blocks(
    blocks: &mut Vec<Block>,
    data: &ReportData,
    pictures: &mut dyn FnMut(&Picture) -> Result<Vec<u8>, String>,
) {
    if !data.notes.is_empty() {
        blocks.push(Block::Heading(2, "Analysts' notes".into()));
        blocks.push(Block::Table {
            head: vec!["#", "On", "Note", "By", "Last changed"],
            rows: data
                .notes
                .iter()
                .take(LISTED_NOTES)
                .map(|n| {
                    vec![
                        vec![n.note.id.to_string()],
                        vec![n.on.clone()],
                        n.note.text.lines().map(str::to_string).collect(),
                        vec![if n.note.merged_from.is_some() {
                            format!("{} (merged)", n.note.analyst)
                        } else {
                            n.note.analyst.clone()
                        }],
                        vec![format!("{} by {}", n.note.updated_at, n.note.updated_by)],
                    ]
                })
                .collect(),
        });
        if data.notes.len() > LISTED_NOTES {
            blocks.push(Block::Remark(format!(
                "{} more notes are in the case (`hydrascope notes CASE`)",
                thousands((data.notes.len() - LISTED_NOTES) as u64)
            )));
        }
    }
    if data.views.is_empty() {
        return;
    }
    blocks.push(Block::Heading(2, "Saved views".into()));
    blocks.push(Block::Paragraph(
        "Views the analysts saved in the workbench, drawn as they were saved \
         (`hydrascope render --view-name NAME` draws one again)."
            .into(),
    ));
    for (i, view) in data.views.iter().enumerate().take(DRAWN_VIEWS) {
        let picture = Picture {
            view: ViewKind::Graph,
            cluster: None,
            tag: None,
            campaign: None,
            saved_view: Some(view.name.clone()),
        };
        let png = match pictures(&picture) {
            Ok(bytes) if bytes.starts_with(PNG_SIGNATURE) => Ok(bytes),
            Ok(_) => Err("the renderer returned something that is not a PNG image".into()),
            Err(why) => Err(why),
        };
        blocks.push(Block::Figure {
            file: format!("view-{}.png", i + 1),
            title: format!(
                "View \u{201c}{}\u{201d}, saved by {} at {}",
                view.name, view.updated_by, view.updated_at
            ),
            png,
        });
    }
    if data.views.len() > DRAWN_VIEWS {
        blocks.push(Block::Remark(format!(
            "{} more saved views are in the case (`hydrascope views CASE`)",
            data.views.len() - DRAWN_VIEWS
        )));
    }
}

/// ", known: k17, k52, k3": a few campaign ids there are, or a hint when
/// there are none.
fn known_campaigns(known: &[String]) -> String {
    if known.is_empty() {
        "; it has no campaigns (run hydrascope analyze)".into()
    } else {
        format!(
            "; known: {} (hydrascope analyze --json lists them all)",
            known.join(", ")
        )
    }
}

/// The campaign a scoped report is about: verdict, size, sub-scores with
/// their evidence, its clusters, and its pictures.
fn scope_blocks(
    blocks: &mut Vec<Block>,
    k: &StoredCampaign,
    pictures: &mut dyn FnMut(&Picture) -> Result<Vec<u8>, String>,
) {
    blocks.push(Block::SectionStart);
    blocks.push(Block::Heading(2, campaign_verdict(k)));
    blocks.push(Block::Paragraph(format!(
        "A group of {} clusters the analysis found doing one job ({} accounts, {} exchanges). \
         Only the tags and suspected clusters among its clusters follow.",
        thousands(k.clusters.len() as u64),
        thousands(k.accounts),
        thousands(k.exchanges)
    )));
    blocks.push(campaign_indicators(k));
    let mut listed = k
        .clusters
        .iter()
        .take(LISTED_ACCOUNTS)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if k.clusters.len() > LISTED_ACCOUNTS {
        let _ = write!(
            listed,
            " and {} more",
            thousands((k.clusters.len() - LISTED_ACCOUNTS) as u64)
        );
    }
    blocks.push(Block::Paragraph(format!("Clusters: {listed}.")));
    for view in [ViewKind::Graph, ViewKind::Timeline] {
        let picture = Picture {
            view,
            cluster: None,
            tag: None,
            campaign: Some(k.id.clone()),
            saved_view: None,
        };
        let png = match pictures(&picture) {
            Ok(bytes) if bytes.starts_with(PNG_SIGNATURE) => Ok(bytes),
            Ok(_) => Err("the renderer returned something that is not a PNG image".into()),
            Err(why) => Err(why),
        };
        blocks.push(Block::Figure {
            file: format!("campaign-{}-{}.png", k.id, view.name()),
            title: format!("{} of campaign {}", view.title(), k.id),
            png,
        });
    }
    blocks.push(Block::SectionEnd);
}

fn header_facts(data: &ReportData, generated_at: &str) -> Vec<(String, String)> {
    let c = &data.counts;
    let mut facts = vec![
        ("Case".to_string(), data.case_name.clone()),
        ("Generated".into(), format!("{generated_at} (UTC)")),
        ("Case fingerprint".into(), data.fingerprint.clone()),
        (
            "Redacted".into(),
            match (data.redacted, &data.redaction_key_id) {
                (false, _) => "no".into(),
                (true, None) => "yes".into(),
                (true, Some(id)) => format!("yes (key id {id})"),
            },
        ),
    ];
    if let Some(source) = &data.source {
        facts.push(("Source".into(), source.clone()));
    }
    if let (Some(first), Some(last)) = (data.first_ms, data.last_ms) {
        facts.push(("Traffic".into(), span(first, last)));
    }
    facts.push((
        "Analysis".into(),
        match &data.run {
            Some(run) => format!(
                "run #{}, finished {}{}",
                run.id,
                run.finished_at,
                params_brief(&run.params_json)
            ),
            None => "not analysed yet".into(),
        },
    ));
    facts.extend([
        ("Accounts".into(), thousands(c.accounts)),
        ("Exchanges".into(), thousands(c.exchanges)),
        ("Clusters".into(), thousands(c.clusters)),
        ("Suspected clusters".into(), thousands(c.suspected)),
        ("Tagged clusters".into(), thousands(c.tagged_clusters)),
        ("Tags".into(), {
            let tags: usize = data
                .campaigns
                .iter()
                .chain(&data.dismissed)
                .map(|c| c.tags.len())
                .sum();
            format!(
                "{}, {} dismissed{}",
                count(data.campaigns.len() as u64, "campaign", "campaigns"),
                thousands(data.dismissed.len() as u64),
                if tags > data.campaigns.len() + data.dismissed.len() {
                    format!(
                        " ({} tags: a campaign tagged whole has one per cluster)",
                        thousands(tags as u64)
                    )
                } else {
                    String::new()
                }
            )
        }),
    ]);
    facts
}

/// The parameters an analyst asks about first, from the run's JSON.
fn params_brief(params_json: &str) -> String {
    let Ok(serde_json::Value::Object(params)) = serde_json::from_str(params_json) else {
        return String::new();
    };
    let parts: Vec<String> = [
        ("resolution", "resolution"),
        ("seed", "seed"),
        ("suspect_threshold", "suspect threshold"),
    ]
    .iter()
    .filter_map(|(key, name)| params.get(*key).map(|v| format!("{name} {v}")))
    .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

fn campaign_blocks(
    blocks: &mut Vec<Block>,
    number: usize,
    c: &Campaign,
    pictures: &mut dyn FnMut(&Picture) -> Result<Vec<u8>, String>,
    families: &mut dyn FnMut(&[u32]) -> Vec<FamilyUse>,
) {
    let tag = &c.tag;
    blocks.push(Block::SectionStart);
    blocks.push(Block::Heading(3, format!("{number}. {}", tag.label)));
    let or_dash = |s: &str| {
        if s.trim().is_empty() {
            "–".to_string()
        } else {
            s.to_string()
        }
    };
    let mut facts = vec![
        ("Status".to_string(), tag.status.name().to_string()),
        ("Confidence".into(), format!("{:.2}", tag.confidence)),
        ("Capability".into(), or_dash(&tag.capability)),
        ("Actor".into(), or_dash(&tag.actor)),
        (
            "Analyst".into(),
            format!("{} (tagged {})", tag.analyst, tag.created_at),
        ),
        (
            "Last changed".into(),
            format!("{} by {}", tag.updated_at, tag.updated_by),
        ),
        (
            if c.tags.len() > 1 { "Tags" } else { "Tag" }.into(),
            match (&c.of_campaign, c.tags.len()) {
                (Some(k), n) if n > 1 => format!(
                    "#{} and {} more: one on each of {} clusters of campaign {}, tagged as one",
                    tag.id,
                    thousands(n as u64 - 1),
                    thousands(c.clusters.len() as u64),
                    k.id
                ),
                _ => format!("#{}", tag.id),
            },
        ),
    ];
    if let Some(claim) = &c.claimed {
        // Its analyst and times are what the other case says.
        facts.push(("Provenance".into(), claim.describe()));
    }
    facts.extend([
        (
            if c.of_campaign.is_some() {
                "Clusters"
            } else {
                "Cluster"
            }
            .into(),
            clusters_cell(c),
        ),
        ("Accounts".into(), thousands(c.account_ids.len() as u64)),
        (
            "Exchanges".into(),
            format!(
                "{} ({} tokens)",
                thousands(c.exchanges),
                thousands(c.tokens.max(0) as u64)
            ),
        ),
    ]);
    if let (Some(first), Some(last)) = (c.first_ms, c.last_ms) {
        facts.push(("Active".into(), span(first, last)));
    }
    if !c.models.is_empty() {
        facts.push(("Models".into(), mix(&c.models)));
    }
    if !c.capabilities.is_empty() {
        facts.push(("Capabilities".into(), mix(&c.capabilities)));
    }
    blocks.push(Block::Facts(facts));
    if !tag.notes.trim().is_empty() {
        blocks.push(Block::Notes(tag.notes.clone()));
    }

    if c.clusters.is_empty() {
        blocks.push(Block::Remark(match &tag.cluster {
            Some(id) => format!(
                "Cluster {id} is no longer in the case (its accounts were moved elsewhere); \
                 there is no score to show"
            ),
            None => "None of the tag's accounts is in a cluster; there is no score to show".into(),
        }));
    }
    if let Some(k) = &c.of_campaign {
        blocks.push(Block::Heading(
            4,
            format!(
                "{} ({} clusters, {} accounts)",
                campaign_verdict(k),
                thousands(k.clusters.len() as u64),
                thousands(k.accounts)
            ),
        ));
        blocks.push(campaign_indicators(k));
    }
    // Clusters of several accounts in detail; clusters of one account (a
    // campaign's short-lived accounts, each scored alone at nothing) in one
    // line.
    let (several, singles): (Vec<&CampaignCluster>, Vec<&CampaignCluster>) = c
        .clusters
        .iter()
        .partition(|k| k.cluster.members.len() > 1 || c.clusters.len() == 1);
    for k in several.iter().take(DETAILED_CLUSTERS) {
        let cluster = &k.cluster;
        let mut heading = cluster_heading(cluster);
        if tag.cluster.is_none() {
            let _ = write!(
                heading,
                " ({} of the tag's accounts)",
                thousands(k.campaign_accounts as u64),
            );
        }
        blocks.push(Block::Heading(4, heading));
        if k.edited {
            blocks.push(Block::Remark(
                "Members were changed by hand since this cluster was scored; the score and \
                 sub-scores are those of the last analysis"
                    .into(),
            ));
        }
        if cluster.members.len() > 1 {
            blocks.push(indicator_table(cluster));
        }
    }
    if several.len() > DETAILED_CLUSTERS {
        blocks.push(Block::Paragraph(format!(
            "And {} more clusters of several accounts: {}.",
            several.len() - DETAILED_CLUSTERS,
            several[DETAILED_CLUSTERS..]
                .iter()
                .map(|k| format!(
                    "{} ({} accounts, {})",
                    k.cluster.id,
                    thousands(k.cluster.members.len() as u64),
                    match k.cluster.inherited_from() {
                        Some(id) => format!("suspected as part of {id}"),
                        None => format!("score {:.2}", k.cluster.score),
                    }
                ))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if !singles.is_empty() {
        blocks.push(Block::Paragraph(singles_line(&singles)));
    }
    // The template families its accounts share, with an excerpt each.
    let members: Vec<u32> = match &tag.cluster {
        Some(_) => c
            .clusters
            .iter()
            .flat_map(|k| k.cluster.members.iter().copied())
            .collect(),
        None => tag.accounts.clone(),
    };
    let shared = families(&members);
    if !shared.is_empty() {
        blocks.push(Block::Heading(4, "Shared template families".into()));
        blocks.push(Block::Table {
            head: vec![
                "Family",
                "Wordings",
                "Exchanges",
                "Share",
                "Accounts",
                "Excerpt",
            ],
            rows: shared
                .iter()
                .map(|f| {
                    vec![
                        vec![f.hex.clone()],
                        vec![thousands(f.variants as u64)],
                        vec![thousands(f.exchanges)],
                        vec![format!(
                            "{}%",
                            (f.exchanges * 100)
                                .checked_div(f.group_exchanges)
                                .unwrap_or(0)
                        )],
                        vec![format!(
                            "{} of {}",
                            thousands(f.accounts as u64),
                            thousands(f.group_accounts as u64)
                        )],
                        vec![f.excerpt.clone().unwrap_or_else(|| "–".into())],
                    ]
                })
                .collect(),
        });
    }

    for view in [ViewKind::Graph, ViewKind::Timeline] {
        // Tags on a campaign's clusters: the campaign's picture.
        let picture = match &c.of_campaign {
            Some(k) => Picture {
                view,
                cluster: None,
                tag: None,
                campaign: Some(k.id.clone()),
                saved_view: None,
            },
            None => Picture {
                view,
                cluster: tag.cluster.clone(),
                tag: Some(tag.id),
                campaign: None,
                saved_view: None,
            },
        };
        let png = match pictures(&picture) {
            Ok(bytes) if bytes.starts_with(PNG_SIGNATURE) => Ok(bytes),
            Ok(_) => Err("the renderer returned something that is not a PNG image".into()),
            Err(why) => Err(why),
        };
        let subject = match (&c.of_campaign, &tag.cluster) {
            (Some(k), _) => format!(
                "campaign \u{201c}{}\u{201d} (campaign {}, {} clusters)",
                tag.label,
                k.id,
                thousands(c.clusters.len() as u64)
            ),
            (None, Some(id)) => format!("campaign \u{201c}{}\u{201d} (cluster {id})", tag.label),
            (None, None) => format!(
                "campaign \u{201c}{}\u{201d} ({} accounts)",
                tag.label,
                c.account_ids.len()
            ),
        };
        blocks.push(Block::Figure {
            file: format!("tag-{}-{}.png", tag.id, view.name()),
            title: format!("{} of {subject}", view.title()),
            png,
        });
    }

    if !c.account_ids.is_empty() {
        let mut listed = c
            .account_ids
            .iter()
            .take(LISTED_ACCOUNTS)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if c.account_ids.len() > LISTED_ACCOUNTS {
            let _ = write!(
                listed,
                " and {} more",
                thousands((c.account_ids.len() - LISTED_ACCOUNTS) as u64)
            );
        }
        blocks.push(Block::Paragraph(format!("Accounts: {listed}.")));
    }
    blocks.push(Block::SectionEnd);
}

/// "Cluster c23 (34 accounts): score 0.69, suspected", or for a cluster
/// suspected only as part of its campaign "…: suspected as part of
/// campaign k3 (score 0.12 alone)" — never a bare low score beside
/// "suspected".
fn cluster_heading(cluster: &StoredCluster) -> String {
    let size = cluster.members.len();
    let accounts = count(size as u64, "account", "accounts");
    match cluster.inherited_from() {
        Some(k) if size == 1 => format!(
            "Cluster {} ({accounts}): suspected as part of campaign {k} (one account scores nothing alone)",
            cluster.id
        ),
        Some(k) => format!(
            "Cluster {} ({accounts}): suspected as part of campaign {k} (score {:.2} alone)",
            cluster.id, cluster.score
        ),
        None => format!(
            "Cluster {} ({accounts}): score {:.2}, {}",
            cluster.id,
            cluster.score,
            if cluster.suspected {
                "suspected"
            } else {
                "not suspected"
            }
        ),
    }
}

/// The most shared template families listed under a campaign.
const SHARED_FAMILIES: usize = 8;

/// The most one-account clusters named in one line.
const LISTED_SINGLES: usize = 30;

/// One line for a campaign's clusters of one account each: how many, their
/// exchanges, where their verdict comes from, and the first few ids.
fn singles_line(singles: &[&CampaignCluster]) -> String {
    let exchanges: u64 = singles.iter().map(|k| k.cluster.exchanges).sum();
    let mut from: Vec<&str> = singles
        .iter()
        .filter_map(|k| k.cluster.inherited_from())
        .collect();
    from.sort_unstable();
    from.dedup();
    let verdict = match from.as_slice() {
        [] => String::new(),
        [one] => format!(", suspected as part of campaign {one}"),
        many => format!(", suspected as part of campaigns {}", many.join(", ")),
    };
    let mut ids = singles
        .iter()
        .take(LISTED_SINGLES)
        .map(|k| k.cluster.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    if singles.len() > LISTED_SINGLES {
        let _ = write!(
            ids,
            " and {} more",
            thousands((singles.len() - LISTED_SINGLES) as u64)
        );
    }
    format!(
        "And {} of one account each ({} exchanges){verdict}: {ids}.",
        count(singles.len() as u64, "cluster", "clusters"),
        thousands(exchanges),
    )
}

/// "Campaign k3: score 0.57, suspected".
fn campaign_verdict(k: &StoredCampaign) -> String {
    format!(
        "Campaign {}: score {:.2}, {}",
        k.id,
        k.score,
        if k.suspected {
            "suspected"
        } else {
            "not suspected"
        }
    )
}

/// A campaign's cohesion and sub-scores with the evidence behind each.
fn campaign_indicators(k: &StoredCampaign) -> Block {
    let mut indicators = vec![("cohesion".to_string(), k.cohesion)];
    indicators.extend(k.indicators.iter().cloned());
    indicators_table(&indicators, &k.reasons_json)
}

/// The sub-scores of a cluster with the evidence behind each.
fn indicator_table(cluster: &StoredCluster) -> Block {
    indicators_table(&cluster.indicators, &cluster.reasons_json)
}

/// Named sub-scores with the evidence behind each (the reasons, as JSON).
fn indicators_table(indicators: &[(String, f64)], reasons_json: &str) -> Block {
    let reasons: Vec<Reason> = serde_json::from_str(reasons_json).unwrap_or_default();
    let named = |name: &str| indicators.iter().any(|(n, _)| n == name);
    let mut rows: Vec<Vec<Vec<String>>> = indicators
        .iter()
        .map(|(name, value)| {
            // How independent the members are weighs on their coordination.
            let evidence: Vec<String> = reasons
                .iter()
                .filter(|r| {
                    &r.indicator == name
                        || (name == "coordination" && r.indicator == "independence")
                })
                .map(|r| r.text.clone())
                .collect();
            vec![
                vec![name.replace('_', " ")],
                vec![format!("{value:.2}")],
                if evidence.is_empty() {
                    vec!["–".into()]
                } else {
                    evidence
                },
            ]
        })
        .collect();
    // Reasons for an indicator the case has no column for still count.
    let others: Vec<String> = reasons
        .iter()
        .filter(|r| {
            let shown = INDICATOR_COLUMNS.contains(&r.indicator.as_str())
                || named(&r.indicator)
                || (r.indicator == "independence" && named("coordination"));
            !shown
        })
        .map(|r| format!("{}: {}", r.indicator, r.text))
        .collect();
    if !others.is_empty() {
        rows.push(vec![vec!["other".into()], vec!["–".into()], others]);
    }
    Block::Table {
        head: vec!["Indicator", "Sub-score", "Evidence"],
        rows,
    }
}

/// The suspected campaigns of the analysis that still hold untagged
/// suspected clusters: the analyst's next work, a campaign at a time.
fn untagged_campaign_blocks(blocks: &mut Vec<Block>, data: &ReportData) {
    let campaigns = &data.untagged_campaigns;
    if campaigns.is_empty() {
        blocks.push(Block::Paragraph(
            "None: every suspected campaign of the analysis is tagged.".into(),
        ));
        return;
    }
    blocks.push(Block::Paragraph(format!(
        "{} suspected campaign{} of the analysis hold{} suspected clusters with no tag, highest score first (hydrascope tag --campaign ID tags one whole; hydrascope report --campaign ID writes its own report).",
        thousands(campaigns.len() as u64),
        if campaigns.len() == 1 { "" } else { "s" },
        if campaigns.len() == 1 { "s" } else { "" },
    )));
    blocks.push(Block::Table {
        head: vec![
            "Campaign",
            "Clusters",
            "Accounts",
            "Exchanges",
            "Score",
            "Cohesion",
            "Leading evidence",
        ],
        rows: campaigns
            .iter()
            .take(LISTED_UNTAGGED)
            .map(|k| {
                let reasons: Vec<Reason> =
                    serde_json::from_str(&k.reasons_json).unwrap_or_default();
                vec![
                    vec![k.id.clone()],
                    vec![thousands(k.clusters.len() as u64)],
                    vec![thousands(k.accounts)],
                    vec![thousands(k.exchanges)],
                    vec![format!("{:.2}", k.score)],
                    vec![format!("{:.2}", k.cohesion)],
                    reasons.iter().take(2).map(|r| r.text.clone()).collect(),
                ]
            })
            .collect(),
    });
    if campaigns.len() > LISTED_UNTAGGED {
        blocks.push(Block::Paragraph(format!(
            "And {} more (hydrascope analyze --json lists every campaign).",
            thousands((campaigns.len() - LISTED_UNTAGGED) as u64)
        )));
    }
}

fn untagged_blocks(blocks: &mut Vec<Block>, data: &ReportData) {
    let untagged = &data.untagged_suspected;
    if data.run.is_none() {
        blocks.push(Block::Paragraph(
            "The case has not been analysed yet.".into(),
        ));
        return;
    }
    if untagged.is_empty() {
        blocks.push(Block::Paragraph(if data.counts.suspected == 0 {
            "The analysis suspects no cluster.".into()
        } else {
            "None: every suspected cluster carries a tag.".into()
        }));
        return;
    }
    // Clusters suspected only as part of their campaign are counted by
    // campaign (the campaigns are above), not listed with a score of their
    // own that says nothing.
    let (own, inherited): (Vec<&StoredCluster>, Vec<&StoredCluster>) =
        untagged.iter().partition(|c| c.inherited_from().is_none());
    let mut by_campaign: std::collections::BTreeMap<&str, (usize, usize)> =
        std::collections::BTreeMap::new();
    for c in &inherited {
        if let Some(k) = c.inherited_from() {
            let slot = by_campaign.entry(k).or_default();
            slot.0 += 1;
            slot.1 += c.members.len();
        }
    }
    let inherited_line = (!inherited.is_empty()).then(|| {
        format!(
            "{} more {} no tag and {} suspected only as part of {}: {}.",
            thousands(inherited.len() as u64),
            plural(inherited.len(), "cluster carries", "clusters carry"),
            plural(inherited.len(), "is", "are"),
            plural(by_campaign.len(), "a campaign", "campaigns"),
            by_campaign
                .iter()
                .map(|(k, (n, a))| format!(
                    "{} ({}) of {k}",
                    count(*n as u64, "cluster", "clusters"),
                    count(*a as u64, "account", "accounts")
                ))
                .collect::<Vec<_>>()
                .join("; ")
        )
    });
    if own.is_empty() {
        blocks.push(Block::Paragraph(inherited_line.unwrap_or_default()));
        return;
    }
    let untagged = own;
    blocks.push(Block::Paragraph(format!(
        "{} suspected {} no tag, highest score first.",
        thousands(untagged.len() as u64),
        plural(untagged.len(), "cluster carries", "clusters carry")
    )));
    blocks.push(Block::Table {
        head: vec![
            "Cluster",
            "Accounts",
            "Exchanges",
            "Score",
            "Strongest sub-scores",
            "Leading evidence",
        ],
        rows: untagged
            .iter()
            .take(LISTED_UNTAGGED)
            .map(|c| {
                let mut named: Vec<&(String, f64)> = c.indicators.iter().collect();
                named.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let reasons: Vec<Reason> =
                    serde_json::from_str(&c.reasons_json).unwrap_or_default();
                vec![
                    vec![c.id.clone()],
                    vec![thousands(c.members.len() as u64)],
                    vec![thousands(c.exchanges)],
                    vec![format!("{:.2}", c.score)],
                    named
                        .iter()
                        .take(3)
                        .map(|(n, v)| format!("{} {v:.2}", n.replace('_', " ")))
                        .collect(),
                    reasons.iter().take(2).map(|r| r.text.clone()).collect(),
                ]
            })
            .collect(),
    });
    if untagged.len() > LISTED_UNTAGGED {
        blocks.push(Block::Paragraph(format!(
            "And {} more (hydrascope analyze --json lists every cluster).",
            thousands((untagged.len() - LISTED_UNTAGGED) as u64)
        )));
    }
    if let Some(line) = inherited_line {
        blocks.push(Block::Paragraph(line));
    }
}

/// The cluster (or clusters) a campaign is on, in one cell.
fn clusters_cell(c: &Campaign) -> String {
    if let Some(k) = &c.of_campaign {
        return match c.clusters.len() {
            n if n == k.clusters.len() => format!("campaign {} (all {n} clusters)", k.id),
            n => format!("{n} of campaign {}'s {} clusters", k.id, k.clusters.len()),
        };
    }
    match &c.tag.cluster {
        Some(id) => id.clone(),
        None => match c.clusters.len() {
            0 => "accounts (no cluster)".into(),
            1 => format!("accounts in {}", c.clusters[0].cluster.id),
            n => format!("accounts in {n} clusters"),
        },
    }
}

/// A tagged campaign's score in one cell: its campaign's for the tags on
/// a campaign's clusters, else its (first) cluster's — and for a cluster
/// suspected only as part of its campaign, that campaign's, said so.
fn score_cell(c: &Campaign) -> String {
    if let Some(k) = &c.of_campaign {
        return format!("{:.2} (campaign {})", k.score, k.id);
    }
    match c.clusters.first() {
        None => "–".into(),
        Some(k) => match k.cluster.inherited_from() {
            Some(id) => format!("– (suspected as part of {id})"),
            None => format!("{:.2}", k.cluster.score),
        },
    }
}

/// `one` or `many` by `n`.
fn plural(n: usize, one: &'static str, many: &'static str) -> &'static str {
    if n == 1 { one } else { many }
}

/// `first – last UTC, over N days`.
fn span(first_ms: i64, last_ms: i64) -> String {
    let days = (last_ms - first_ms).max(0) as f64 / 86_400_000.0;
    format!(
        "{} to {} ({days:.1} days)",
        utc_minute(first_ms),
        utc_minute(last_ms)
    )
}

/// `2026-01-12 03:04 UTC`.
fn utc_minute(ms: i64) -> String {
    let text = format_rfc3339_ms(ms);
    match (text.get(0..10), text.get(11..16)) {
        (Some(day), Some(minute)) => format!("{day} {minute} UTC"),
        _ => text,
    }
}

/// The largest parts of a mix with their shares: `a 62%, b 30%, 2 others 8%`.
fn mix(counts: &[(String, u64)]) -> String {
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    let share = |n: u64| {
        if total == 0 {
            0.0
        } else {
            n as f64 * 100.0 / total as f64
        }
    };
    let mut parts: Vec<String> = counts
        .iter()
        .take(MIX_ITEMS)
        .map(|(name, n)| format!("{name} {:.0}%", share(*n)))
        .collect();
    if counts.len() > MIX_ITEMS {
        let rest: u64 = counts[MIX_ITEMS..].iter().map(|(_, n)| n).sum();
        parts.push(format!(
            "{} others {:.0}%",
            counts.len() - MIX_ITEMS,
            share(rest)
        ));
    }
    parts.join(", ")
}

// ---------------------------------------------------------------- HTML

const CSS: &str = "\
body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:#1d2330;max-width:60rem;\
margin:2rem auto;padding:0 1rem;line-height:1.45;font-size:15px}\
h1{font-size:1.6rem;margin-bottom:.5rem}h2{font-size:1.3rem;border-bottom:2px solid #c9ced8;\
padding-bottom:.2rem;margin-top:2.2rem}h3{font-size:1.15rem;margin:0 0 .6rem}\
h4{font-size:1rem;margin:1.1rem 0 .2rem}\
table{border-collapse:collapse;margin:.6rem 0 1rem;width:100%}\
th,td{border:1px solid #c9ced8;padding:.3rem .5rem;text-align:left;vertical-align:top}\
th{background:#eef0f4}table.facts th{width:11rem;font-weight:600}\
section.campaign{border:1px solid #c9ced8;border-radius:6px;padding:1rem;margin:1.2rem 0}\
.notes{white-space:pre-wrap;background:#f6f7f9;border-left:4px solid #8a94a8;padding:.5rem .8rem}\
.remark{background:#fff4d6;border-left:4px solid #d9a400;padding:.4rem .8rem}\
figure{margin:1rem 0}figure img{max-width:100%;border:1px solid #c9ced8}\
figcaption{font-size:.9rem;color:#4a5264}\
@media print{body{max-width:none;margin:0;font-size:11pt}section.campaign,figure,tr\
{break-inside:avoid;page-break-inside:avoid}h2,h3,h4{break-after:avoid;page-break-after:avoid}\
a{color:inherit;text-decoration:none}}";

fn to_html(title: &str, blocks: &[Block]) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    let _ = writeln!(out, "<title>{}</title>", html(title));
    let _ = writeln!(
        out,
        "<meta name=\"generator\" content=\"Hydrascope {}\">",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(out, "<style>{CSS}</style>\n</head>\n<body>");
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "<h{level}>{}</h{level}>", html(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "<p>{}</p>", html(text));
            }
            Block::Notes(text) => {
                let _ = writeln!(out, "<div class=\"notes\">{}</div>", html(text));
            }
            Block::Remark(text) => {
                let _ = writeln!(out, "<p class=\"remark\">{}</p>", html(text));
            }
            Block::Facts(facts) => {
                out.push_str("<table class=\"facts\">\n");
                for (name, value) in facts {
                    let _ = writeln!(
                        out,
                        "<tr><th scope=\"row\">{}</th><td>{}</td></tr>",
                        html(name),
                        html(value)
                    );
                }
                out.push_str("</table>\n");
            }
            Block::Table { head, rows } => {
                out.push_str("<table>\n<thead><tr>");
                for h in head {
                    let _ = write!(out, "<th scope=\"col\">{}</th>", html(h));
                }
                out.push_str("</tr></thead>\n<tbody>\n");
                for row in rows {
                    out.push_str("<tr>");
                    for cell in row {
                        let lines: Vec<String> = cell.iter().map(|l| html(l)).collect();
                        let _ = write!(out, "<td>{}</td>", lines.join("<br>"));
                    }
                    out.push_str("</tr>\n");
                }
                out.push_str("</tbody>\n</table>\n");
            }
            Block::Figure { title, png, .. } => match png {
                Ok(bytes) => {
                    let _ = writeln!(
                        out,
                        "<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\">\
                         <figcaption>{}</figcaption></figure>",
                        base64::engine::general_purpose::STANDARD.encode(bytes),
                        html(title),
                        html(title)
                    );
                }
                Err(why) => {
                    let _ = writeln!(
                        out,
                        "<p class=\"remark\">{} is not available: {}</p>",
                        html(title),
                        html(why)
                    );
                }
            },
            Block::SectionStart => out.push_str("<section class=\"campaign\">\n"),
            Block::SectionEnd => out.push_str("</section>\n"),
        }
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// `text` safe inside HTML text and attribute values.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\n' | '\t' => out.push(ch),
            // Control characters (ESC, BEL, C1) from a case mean nothing in
            // a document and act on a terminal that shows it: left out.
            c if c.is_control() => {}
            _ => out.push(ch),
        }
    }
    out
}

// ------------------------------------------------------------ Markdown

/// A picture file beside a Markdown report: its name and PNG bytes.
type ImageFile<'a> = (String, &'a [u8]);

/// The Markdown text and the picture files to write into `folder_name`.
fn to_markdown<'a>(blocks: &'a [Block], folder_name: &str) -> (String, Vec<ImageFile<'a>>) {
    let mut out = String::new();
    let mut images = Vec::new();
    for block in blocks {
        match block {
            Block::Heading(level, text) => {
                let _ = writeln!(out, "{} {}\n", "#".repeat(usize::from(*level)), md(text));
            }
            Block::Paragraph(text) => {
                let _ = writeln!(out, "{}\n", md(text));
            }
            Block::Notes(text) => {
                let lines: Vec<String> =
                    text.lines().map(|l| format!("> {}", md_line(l))).collect();
                let _ = writeln!(out, "{}\n", lines.join("  \n"));
            }
            Block::Remark(text) => {
                let _ = writeln!(out, "> **Note:** {}\n", md(text));
            }
            Block::Facts(facts) => {
                out.push_str("| | |\n|---|---|\n");
                for (name, value) in facts {
                    let _ = writeln!(out, "| **{}** | {} |", md(name), md(value));
                }
                out.push('\n');
            }
            Block::Table { head, rows } => {
                let _ = writeln!(
                    out,
                    "| {} |",
                    head.iter().map(|h| md(h)).collect::<Vec<_>>().join(" | ")
                );
                let _ = writeln!(out, "|{}", "---|".repeat(head.len()));
                for row in rows {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|cell| cell.iter().map(|l| md(l)).collect::<Vec<_>>().join("<br>"))
                        .collect();
                    let _ = writeln!(out, "| {} |", cells.join(" | "));
                }
                out.push('\n');
            }
            Block::Figure { file, title, png } => match png {
                Ok(bytes) => {
                    let _ = writeln!(
                        out,
                        "![{}]({}/{})\n\n*{}*\n",
                        md(title),
                        url_path(folder_name),
                        url_path(file),
                        md(title)
                    );
                    images.push((file.clone(), bytes.as_slice()));
                }
                Err(why) => {
                    let _ = writeln!(
                        out,
                        "> **Note:** {} is not available: {}\n",
                        md(title),
                        md(why)
                    );
                }
            },
            Block::SectionStart => {}
            Block::SectionEnd => out.push_str("---\n\n"),
        }
    }
    (out, images)
}

/// `text` as literal Markdown text inside a line or a table cell:
/// characters that would start emphasis, links, code or raw HTML, or end a
/// cell, are backslash-escaped, and line breaks become `<br>` so that a
/// cell stays on its row.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(ch);
            }
            '\r' => {}
            '\n' => out.push_str("<br>"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            _ => out.push(ch),
        }
    }
    out
}

/// [`md`] for a line of its own, whose start would otherwise make a list
/// item, a heading or an underline (`- `, `+ `, `#`, `=`, `1. `).
fn md_line(line: &str) -> String {
    let indent = line.len() - line.trim_start_matches(' ').len();
    let digits = line[indent..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    let marker = match line.as_bytes().get(indent + digits) {
        Some(b'.' | b')') if digits > 0 => Some(indent + digits),
        Some(b'-' | b'+' | b'=' | b'#') if digits == 0 => Some(indent),
        _ => None,
    };
    match marker {
        Some(at) => format!("{}\\{}", md(&line[..at]), md(&line[at..])),
        None => md(line),
    }
}

/// A relative link target: bytes outside a safe set percent-encoded, so a
/// name with spaces or brackets still links.
fn url_path(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

// --------------------------------------------------------------- files

/// Writes `text` to `out` and, when given, `images` into `folder`: all of
/// it under temporary names first (`out.partial`, `folder.partial`), then
/// renamed into place. On failure the temporary files are removed and an
/// existing report stays as it was.
fn write_files(
    out: &Path,
    text: &[u8],
    images: Option<(&Path, &[ImageFile<'_>])>,
) -> Result<(), ReportError> {
    let partial = crate::base::paths::partial_path(out);
    let folder_partial = images
        .filter(|(_, files)| !files.is_empty())
        .map(|(folder, files)| (folder, crate::base::paths::partial_path(folder), files));
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ReportError::Io { path, source }
    };
    let written = (|| {
        if let Some((_, tmp, files)) = &folder_partial {
            if tmp.exists() {
                std::fs::remove_dir_all(tmp).map_err(io(tmp))?;
            }
            std::fs::create_dir(tmp).map_err(io(tmp))?;
            for (name, bytes) in *files {
                let path = tmp.join(name);
                std::fs::write(&path, bytes).map_err(io(&path))?;
            }
        }
        let mut file = std::fs::File::create(&partial).map_err(io(&partial))?;
        file.write_all(text).map_err(io(&partial))?;
        file.sync_all().map_err(io(&partial))?;
        drop(file);
        if let Some((folder, tmp, _)) = &folder_partial {
            if folder.exists() {
                std::fs::remove_dir_all(folder).map_err(io(folder))?;
            }
            std::fs::rename(tmp, folder).map_err(io(folder))?;
        }
        std::fs::rename(&partial, out).map_err(io(out))
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
        if let Some((_, tmp, _)) = &folder_partial {
            let _ = std::fs::remove_dir_all(tmp);
        }
    }
    written
}
