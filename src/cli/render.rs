//! `hydrascope render`: draw a view headless, as the workbench shows it, for briefings.

use clap::ValueEnum;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use crate::base::Progress;

use super::{Failure, ProgressBar, campaign_clusters};

// The arguments; their help is the command line's (`hydrascope render --help`).
#[derive(clap::Args, Debug)]
pub(super) struct RenderArgs {
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
    /// Draw a view saved in the workbench by this name: its colours, filters, selection, focus, time window, camera and chart (`views CASE` lists them; a Hydrascope addition)
    #[arg(long, conflicts_with_all = ["cluster", "campaign", "tag", "chart", "from"])]
    view_name: Option<String>,
    /// The timeline chart (a Hydrascope addition)
    #[arg(long, value_enum, default_value_t = ChartArg::Requests)]
    chart: ChartArg,
    /// What the rows of --view networks are (a Hydrascope addition)
    #[arg(long, value_enum, default_value_t = AxisArg::Asn)]
    axis: AxisArg,
    /// Draw the graph's legend in a strip beside the graph (PNG only; a Hydrascope addition)
    #[arg(long)]
    legend: bool,
    /// Overwrite an existing output (a Hydrascope addition)
    #[arg(long)]
    force: bool,
    /// Frames of the graph over time from this time (RFC 3339), each showing only the accounts active in its window; --out is then a folder of PNG frames (a Hydrascope addition)
    #[arg(long, requires_all = ["to", "step"])]
    from: Option<String>,
    /// The end of the frames (RFC 3339, exclusive) (a Hydrascope addition)
    #[arg(long, requires_all = ["from", "step"])]
    to: Option<String>,
    /// Each frame's window and the step between frames, in whole hours or days: 1h, 6h, 1d (a Hydrascope addition)
    #[arg(long, requires_all = ["from", "to"])]
    step: Option<String>,
}

/// The most frames one `render --step` writes.
const MAX_FRAMES: i64 = 10_000;

/// Hours in a step written `6h` or `1d` (whole hours, at least one).
fn step_hours(text: &str) -> Option<i64> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.len().checked_sub(1)?);
    let n: i64 = number.parse().ok().filter(|n| *n >= 1)?;
    match unit {
        "h" | "H" => Some(n),
        "d" | "D" => n.checked_mul(24),
        _ => None,
    }
}

/// Runs `hydrascope render` with `args`.
pub(super) fn run(args: RenderArgs) -> Result<(), Failure> {
    let RenderArgs {
        case,
        view,
        out,
        width,
        height,
        scale,
        cluster,
        campaign,
        tag,
        view_name,
        chart,
        axis,
        legend,
        force,
        from,
        to,
        step,
    } = args;
    use crate::render::{PictureFormat, PictureSize, SavedPicture, ViewKind};
    if let (Some(from), Some(to), Some(step)) = (from, to, step) {
        let frames = FrameArgs {
            from,
            to,
            step,
            legend,
            force,
            focus: (cluster, tag, campaign),
        };
        return frames_run(
            &case,
            view,
            &out,
            PictureSize {
                width: width as f32,
                height: height as f32,
                scale,
            },
            frames,
        );
    }
    super::check_output_file(&out)?;
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
        ViewArg::Graph => ViewKind::Graph,
        ViewArg::Timeline => ViewKind::Timeline,
        ViewArg::Journeys => ViewKind::Journeys,
        ViewArg::Networks => ViewKind::Networks,
    };
    if what == ViewKind::Journeys
        && cluster.is_none()
        && campaign.is_none()
        && tag.is_none()
        && view_name.is_none()
    {
        return Err(Failure::bad_input(
            "--view journeys draws the journeys of a cluster's, a campaign's, a tag's or a saved view's accounts: pass --cluster, --campaign, --tag or --view-name",
        ));
    }
    if legend && (svg || what != ViewKind::Graph) {
        return Err(Failure::bad_input(
            "--legend draws the graph's legend beside a PNG picture of the graph",
        ));
    }
    if svg && what != ViewKind::Graph {
        return Err(Failure::bad_input(
            "SVG is for the graph; render the timeline, the journeys or the networks as .png",
        ));
    }
    let size = PictureSize {
        width: width as f32,
        height: height as f32,
        scale,
    };
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::start(progress.clone(), "steps");
    let opened = match &view_name {
        Some(name) => open_saved_view(&case, name, legend, &progress),
        None => open_picture(&case, (cluster, tag, campaign), chart, legend, &progress),
    };
    let opened = opened.and_then(|(scene, mut picture)| {
        if what == ViewKind::Journeys {
            progress.set_phase("reading the accounts' requests");
            picture.journeys = Some(scene.journeys(&picture.selection).map_err(render_failure)?);
        }
        if what == ViewKind::Networks {
            use crate::views::networks::Axis;
            progress.set_phase("reading where the requests came from");
            let axis = match axis {
                AxisArg::Asn => Axis::Asn,
                AxisArg::Network => Axis::Network,
                AxisArg::Country => Axis::Country,
            };
            // A campaign is a column of its own; anything else selected is
            // the selection's column.
            let selection = if picture.view.campaign.is_some() {
                Vec::new()
            } else {
                picture.selection.clone()
            };
            picture.networks = Some(scene.networks(&selection, axis).map_err(render_failure)?);
        }
        Ok((scene, picture))
    });
    bar.stop();
    let (_, picture) = opened?;
    let saved =
        crate::render::save_picture(&picture, what, size, format, &out).map_err(render_failure)?;
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

/// What a failure to draw is: bad input, a case that cannot be read, or
/// anything else.
fn render_failure(e: crate::render::RenderError) -> Failure {
    match e {
        crate::render::RenderError::Invalid(_) => Failure::bad_input(e),
        crate::render::RenderError::Case(e) => Failure::from_case(e),
        e => Failure::other(e),
    }
}

/// The case's scene (read with `progress`) and the picture of it that
/// `focus` (--cluster, --tag, --campaign) selects, with `chart` for a
/// timeline and the legend if asked; an unknown --campaign is bad input.
fn open_picture(
    case: &std::path::Path,
    (cluster, tag, campaign): (Option<String>, Option<i64>, Option<String>),
    chart: ChartArg,
    legend: bool,
    progress: &Progress,
) -> Result<(crate::render::Scene, crate::render::ViewPicture), Failure> {
    if let Some(id) = &campaign {
        campaign_clusters(case, id)?;
    }
    let scene = crate::render::Scene::open(case, progress).map_err(render_failure)?;
    let mut picture = scene
        .picture(
            &focus_of(cluster, tag, campaign),
            chart.chart(),
            &crate::base::time::now_for_caption(),
        )
        .map_err(render_failure)?;
    picture.legend = legend;
    Ok((scene, picture))
}

/// The case's scene and the picture of its view saved as `name`; what the
/// view names that the case no longer holds is said on stderr.
fn open_saved_view(
    case: &std::path::Path,
    name: &str,
    legend: bool,
    progress: &Progress,
) -> Result<(crate::render::Scene, crate::render::ViewPicture), Failure> {
    let scene = crate::render::Scene::open(case, progress).map_err(render_failure)?;
    let (mut picture, missing) = scene
        .saved_view_picture(name, &crate::base::time::now_for_caption())
        .map_err(render_failure)?;
    for what in missing {
        eprintln!(
            "view {:?}: this case no longer holds its {what}; its accounts are selected instead",
            crate::base::text::terminal_safe(name)
        );
    }
    picture.legend = legend;
    Ok((scene, picture))
}

/// What the picture selects and focuses.
fn focus_of(
    cluster: Option<String>,
    tag: Option<i64>,
    campaign: Option<String>,
) -> crate::render::Focus {
    use crate::render::Focus;
    match (cluster, tag, campaign) {
        (Some(id), _, _) => Focus::Cluster(id),
        (None, Some(tag), _) => Focus::Tag(tag),
        (None, None, Some(id)) => Focus::Campaign(id),
        (None, None, None) => Focus::Everything,
    }
}

/// What `render --from --to --step` draws.
struct FrameArgs {
    from: String,
    to: String,
    step: String,
    legend: bool,
    force: bool,
    /// --cluster, --tag, --campaign.
    focus: (Option<String>, Option<i64>, Option<String>),
}

/// Frames of the graph, one per step from `--from` to `--to`, each showing
/// the accounts active in its window, written to the folder `out` as
/// `frame-00001.png`, … (for a briefing's image sequence or an animation).
fn frames_run(
    case: &std::path::Path,
    view: ViewArg,
    out: &std::path::Path,
    size: crate::render::PictureSize,
    args: FrameArgs,
) -> Result<(), Failure> {
    use crate::render::{PictureFormat, ViewKind};
    if !matches!(view, ViewArg::Graph) {
        return Err(Failure::bad_input(
            "--from, --to and --step draw frames of the graph: use --view graph",
        ));
    }
    let time = |flag: &str, text: &str| {
        crate::base::time::parse_rfc3339_ms(text).ok_or_else(|| {
            Failure::bad_input(format!(
                "--{flag} {text:?}: not an RFC 3339 time (e.g. 2026-02-01T00:00:00Z)"
            ))
        })
    };
    let (from_ms, to_ms) = (time("from", &args.from)?, time("to", &args.to)?);
    let Some(step) = step_hours(&args.step) else {
        return Err(Failure::bad_input(format!(
            "--step {:?}: whole hours or days, such as 1h, 6h or 1d",
            args.step
        )));
    };
    let first = from_ms.div_euclid(3_600_000);
    // The hour the window ending at --to (exclusive) still touches.
    let end = (to_ms - 1).div_euclid(3_600_000);
    if to_ms <= from_ms {
        return Err(Failure::bad_input("--to must be after --from"));
    }
    let count = (end - first) / step + 1;
    if count > MAX_FRAMES {
        return Err(Failure::bad_input(format!(
            "{count} frames from --from to --to at --step {}: at most {MAX_FRAMES}; take a longer step",
            args.step
        )));
    }
    if out.exists() && !out.is_dir() {
        return Err(Failure::bad_input(format!(
            "{}: with --step, --out names a folder for the frames",
            out.display()
        )));
    }
    let name = |i: i64| out.join(format!("frame-{:05}.png", i + 1));
    if !args.force
        && let Some(existing) = (0..count).map(name).find(|p| p.exists())
    {
        return Err(Failure::bad_input(format!(
            "{}: already exists; pass --force to overwrite the frames",
            existing.display()
        )));
    }
    std::fs::create_dir_all(out).map_err(|e| Failure::other(format!("{}: {e}", out.display())))?;
    let progress = Arc::new(Progress::default());
    let bar = ProgressBar::start(progress.clone(), "steps");
    let drawn = (|| {
        let (scene, mut picture) =
            open_picture(case, args.focus, ChartArg::Requests, args.legend, &progress)?;
        progress.set_phase("drawing the frames");
        progress.done.store(0, Ordering::Relaxed);
        progress.total.store(count as u64, Ordering::Relaxed);
        for i in 0..count {
            let start = first + i * step;
            let last = (start + step - 1).min(end);
            picture.view.time_range = Some((start, last));
            picture.view.active_in_range =
                Some(scene.active_between(start, last).map_err(render_failure)?);
            crate::render::save_picture(
                &picture,
                ViewKind::Graph,
                size,
                PictureFormat::Png,
                &name(i),
            )
            .map_err(render_failure)?;
            progress.done.store(i as u64 + 1, Ordering::Relaxed);
        }
        Ok(())
    })();
    bar.stop();
    drawn?;
    let (w, h) = size.pixels();
    println!(
        "wrote {count} frames to {} (frame-00001.png …, {w} x {h} px each, {} per frame)",
        out.display(),
        args.step
    );
    Ok(())
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ViewArg {
    /// The account-relationship graph
    Graph,
    /// The timelines
    Timeline,
    /// The accounts' journeys: sessions, bans, hand-overs (needs --cluster, --campaign or --tag; a Hydrascope addition)
    Journeys,
    /// Where requests come from: ASNs, networks or billing countries against the selection and the campaigns (a Hydrascope addition)
    Networks,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum AxisArg {
    /// Autonomous systems
    Asn,
    /// Networks (/24 or /48 prefixes)
    Network,
    /// Billing countries (the accounts' own)
    Country,
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
