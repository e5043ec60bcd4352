//! `hydrascope render`: draw a view headless, as the workbench shows it, for briefings.

use clap::ValueEnum;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// The timeline chart (a Hydrascope addition)
    #[arg(long, value_enum, default_value_t = ChartArg::Requests)]
    chart: ChartArg,
    /// Draw the graph's legend in a strip beside the graph (PNG only; a Hydrascope addition)
    #[arg(long)]
    legend: bool,
    /// Overwrite an existing output (a Hydrascope addition)
    #[arg(long)]
    force: bool,
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
        chart,
        legend,
        force,
    } = args;
    use crate::render::{Focus, PictureFormat, PictureSize, SavedPicture, Scene, ViewKind};
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
    };
    if legend && (svg || what != ViewKind::Graph) {
        return Err(Failure::bad_input(
            "--legend draws the graph's legend beside a PNG picture of the graph",
        ));
    }
    if svg && what != ViewKind::Graph {
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
    let mut picture = scene
        .picture(&focus, chart.chart(), &crate::base::time::now_for_caption())
        .map_err(render_failure)?;
    picture.legend = legend;
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
