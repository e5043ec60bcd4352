//! Pictures of the workbench's views for briefings: the graph or the
//! timelines, drawn by the same `views` code the window shows
//! ([`GraphView`](crate::views::graph_view::GraphView),
//! [`Timeline`](crate::views::timeline::Timeline)) into an offscreen egui pass
//! that wgpu rasterises (software GL when there is no GPU), at 1×, 2× or 4×
//! the on-screen resolution, with a caption strip that says what the picture
//! shows. `hydrascope render` and the workbench's *Save view as picture…*
//! both save through [`save_picture`] (PNG, or SVG for the graph, by the
//! file's extension); the report draws through [`render_picture`].

pub mod svg;

use std::path::Path;
use std::sync::Arc;

use egui::{Color32, RichText, vec2};

use crate::base::Progress;
use crate::case::Case;
use crate::views::graph_view::{GraphInput, GraphView};
use crate::views::model::Loaded;
use crate::views::series::{SelectionSeries, selection_series};
use crate::views::state::{CaseView, ViewSettings};
use crate::views::timeline::{Chart, Timeline, TimelineInput};

/// Which view a picture shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ViewKind {
    /// The account-relationship graph.
    Graph,
    /// The timelines (the chart chosen).
    Timeline,
    /// The selection's account journeys (a handful of accounts).
    Journeys,
    /// Where requests come from: places against the campaigns.
    Networks,
}

/// Largest picture side in pixels (the renderer's texture limit).
pub const MAX_SIDE_PX: u32 = 8192;
/// Height of the caption strip, in points.
pub const CAPTION_HEIGHT: f32 = 46.0;

/// Why a picture could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A size or scale out of range, an unknown cluster.
    #[error("{0}")]
    Invalid(String),
    /// The case could not be read.
    #[error(transparent)]
    Case(#[from] crate::case::CaseError),
    /// The renderer failed (no usable GPU or software renderer, or another
    /// failure it reported).
    #[error("could not draw the picture: {}", renderer_words(.0))]
    Renderer(String),
    /// The renderer did not finish the frame within its wait, three times
    /// (software rendering on a busy machine, or a very large picture).
    #[error(
        "could not draw the picture: the renderer did not finish the {0} x {1} pixel frame in \
         time, three tries (the machine is busy, or the picture is large); try again, or lower \
         --scale or the size"
    )]
    TimedOut(u32, u32),
    /// The file could not be written.
    #[error("{path}: {message}")]
    Write {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
}

/// Everything a picture shows: the case in memory and the analyst's view
/// of it. The workbench fills it from what is on screen; the command line
/// from a case and its options.
#[derive(Clone)]
pub struct ViewPicture {
    /// The case.
    pub loaded: Arc<Loaded>,
    /// Account positions (world units), by account index.
    pub positions: Arc<Vec<[f32; 2]>>,
    /// View settings (colours, filters).
    pub settings: ViewSettings,
    /// Selection, focus, time range.
    pub view: CaseView,
    /// The graph camera (world centre, points per world unit); `None` fits
    /// everything shown.
    pub camera: Option<([f32; 2], f32)>,
    /// The timeline chart.
    pub chart: Chart,
    /// The accounts described (the selection).
    pub selection: Vec<u32>,
    /// What the selection is called, if anything is selected.
    pub selection_label: Option<String>,
    /// The selection's series (for the timelines).
    pub series: Option<SelectionSeries>,
    /// The selection's account journeys (for the journeys), once read.
    pub journeys: Option<crate::views::journey::Journeys>,
    /// Where requests come from (for the networks): the columns and the
    /// matrix, once read.
    pub networks: Option<(
        Vec<crate::views::networks::NetworkColumn>,
        crate::views::networks::Matrix,
    )>,
    /// Case name and short fingerprint for the caption.
    pub case_name: String,
    /// Short fingerprint of the case's state.
    pub case_fingerprint: String,
    /// Redaction key id, when the case is a redacted export.
    pub redacted: Option<String>,
    /// UTC time written in the caption.
    pub exported_at: String,
    /// Draw the graph's legend in a strip beside the graph (never over
    /// it); without it a picture shows the graph and its caption only.
    pub legend: bool,
}

impl ViewPicture {
    /// What the graph panel draws for this picture.
    pub fn graph_input(&self) -> GraphInput<'_> {
        GraphInput {
            chains: None,
            loaded: &self.loaded,
            positions: &self.positions,
            positions_version: 1,
            settings: &self.settings,
            view: &self.view,
            revision: 1,
            layout_status: None,
            picture: true,
        }
    }
}

/// Size of a picture in points, caption strip included (the view gets
/// the height less [`CAPTION_HEIGHT`]), and the pixels per point.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PictureSize {
    /// Width in points.
    pub width: f32,
    /// Height in points, caption included.
    pub height: f32,
    /// Pixels per point: 1, 2 or 4 for "exactly what is on screen" at that
    /// resolution; any value in 0.5..=8.
    pub scale: f32,
}

impl PictureSize {
    /// The picture's size in pixels, caption included.
    pub fn pixels(&self) -> (u32, u32) {
        (
            (self.width * self.scale).round() as u32,
            (self.height * self.scale).round() as u32,
        )
    }

    fn check(&self) -> Result<(), RenderError> {
        if !(0.5..=8.0).contains(&self.scale) {
            return Err(RenderError::Invalid(format!(
                "--scale {}: must be between 0.5 and 8",
                self.scale
            )));
        }
        if self.width < 200.0 || self.height < 120.0 + CAPTION_HEIGHT {
            return Err(RenderError::Invalid(format!(
                "picture {}x{}: at least 200 wide and {} high",
                self.width,
                self.height,
                120.0 + CAPTION_HEIGHT
            )));
        }
        let (w, h) = self.pixels();
        if w > MAX_SIDE_PX || h > MAX_SIDE_PX {
            return Err(RenderError::Invalid(format!(
                "picture {w}x{h} px: at most {MAX_SIDE_PX} px a side; lower --scale or the size"
            )));
        }
        Ok(())
    }
}

/// Width (points) of the strip a picture's legend takes beside the graph.
const LEGEND_STRIP: f32 = 250.0;

/// Draws `what` of `picture` at `size` and returns the image (RGBA,
/// `size.pixels()`).
pub fn render_picture(
    picture: &ViewPicture,
    what: ViewKind,
    size: PictureSize,
) -> Result<image::RgbaImage, RenderError> {
    size.check()?;
    let caption = caption_lines(picture, what);
    let mut graph = match picture.camera {
        Some((center, scale)) => GraphView::with_camera(center, scale),
        None => GraphView::default(),
    };
    let mut timeline = Timeline::default();
    timeline.chart = picture.chart;
    let view_size = vec2(size.width, size.height - CAPTION_HEIGHT);
    let mut draw = |outer: &mut egui::Ui| {
        // The whole surface, not the harness's margin-inset frame.
        let full = outer.ctx().content_rect();
        let mut root = outer.new_child(egui::UiBuilder::new().max_rect(full));
        let ui = &mut root;
        ui.set_clip_rect(full);
        ui.painter().rect_filled(full, 0.0, ui.visuals().panel_fill);
        ui.spacing_mut().item_spacing = vec2(6.0, 4.0);
        let top = full.min;
        let view_rect = egui::Rect::from_min_size(top, view_size);
        let mut view_ui = ui.new_child(egui::UiBuilder::new().max_rect(view_rect));
        view_ui.set_clip_rect(view_rect);
        match what {
            ViewKind::Graph if picture.legend && view_rect.width() > 3.0 * LEGEND_STRIP => {
                // The legend beside the graph, never over it.
                let graph_rect = egui::Rect::from_min_max(
                    view_rect.min,
                    egui::pos2(view_rect.max.x - LEGEND_STRIP, view_rect.max.y),
                );
                let strip = egui::Rect::from_min_max(
                    egui::pos2(graph_rect.max.x, view_rect.min.y),
                    view_rect.max,
                );
                let mut graph_ui = view_ui.new_child(egui::UiBuilder::new().max_rect(graph_rect));
                graph_ui.set_clip_rect(graph_rect);
                graph.ui(&mut graph_ui, &picture.graph_input());
                view_ui
                    .painter()
                    .rect_filled(strip, 0.0, Color32::from_rgb(24, 26, 34));
                let mut legend_ui = view_ui
                    .new_child(egui::UiBuilder::new().max_rect(strip.shrink2(vec2(10.0, 10.0))));
                legend_ui.set_clip_rect(strip);
                graph.legend_contents_ui(&mut legend_ui, &picture.graph_input());
            }
            ViewKind::Graph => {
                graph.ui(&mut view_ui, &picture.graph_input());
            }
            ViewKind::Timeline => {
                let mut inner =
                    view_ui.new_child(egui::UiBuilder::new().max_rect(view_rect.shrink(6.0)));
                let input = TimelineInput {
                    loaded: &picture.loaded,
                    view: &picture.view,
                    selection_label: picture.selection_label.clone(),
                    selection: &picture.selection,
                    series: picture.series.as_ref(),
                    picture: true,
                };
                timeline.ui(&mut inner, &input);
            }
            ViewKind::Journeys => {
                let mut inner =
                    view_ui.new_child(egui::UiBuilder::new().max_rect(view_rect.shrink(6.0)));
                match &picture.journeys {
                    Some(journeys) => {
                        crate::views::journey::draw(
                            &mut inner,
                            &picture.loaded,
                            journeys,
                            picture.view.account,
                        );
                    }
                    None => {
                        inner.label("No accounts selected: nothing to show.");
                    }
                }
            }
            ViewKind::Networks => {
                let mut inner =
                    view_ui.new_child(egui::UiBuilder::new().max_rect(view_rect.shrink(6.0)));
                match &picture.networks {
                    Some((columns, matrix)) => {
                        inner.label(
                            egui::RichText::new(format!(
                                "Where requests come from: {} (requests per group)",
                                matrix.axis.label()
                            ))
                            .strong(),
                        );
                        crate::views::networks::draw(&mut inner, matrix, columns, false);
                    }
                    None => {
                        inner.label("Nothing read: nothing to show.");
                    }
                }
            }
        }
        let strip = egui::Rect::from_min_size(
            top + vec2(0.0, view_size.y),
            vec2(size.width, CAPTION_HEIGHT),
        );
        caption_ui(ui, strip, &caption);
    };
    let (w, h) = (size.width, size.height);
    // No renderer (no adapter) is an error here, not a crash of the
    // workbench or of a report. Software rendering on a
    // busy machine can outlast the renderer's wait for the frame (ten
    // seconds): that is tried again, twice, before it counts as an error.
    let mut attempts = 0;
    loop {
        attempts += 1;
        match render_once(&mut draw, w, h, size.scale) {
            Err(RenderError::Renderer(message)) if message.contains("timed out") => {
                if attempts < 3 {
                    continue;
                }
                let (pw, ph) = size.pixels();
                return Err(RenderError::TimedOut(pw, ph));
            }
            other => return other,
        }
    }
}

/// What the renderer said, with the packages to install only when what
/// failed is finding a renderer at all.
fn renderer_words(message: &str) -> String {
    let lower = message.to_ascii_lowercase();
    if ["adapter", "egl", "no suitable", "backend"]
        .iter()
        .any(|w| lower.contains(w))
    {
        format!(
            "{message} (headless drawing needs a GPU or Mesa's software renderer: \
             on Debian, apt-get install libegl1 libgl1-mesa-dri)"
        )
    } else {
        message.to_string()
    }
}

/// A fresh headless renderer: egui_kittest's own choice of adapter
/// (software rasterisers first), or why there is none.
fn render_state() -> Result<eframe::egui_wgpu::RenderState, RenderError> {
    use eframe::egui_wgpu;
    let setup = egui_kittest::wgpu::default_wgpu_setup();
    let instance = pollster::block_on(setup.new_instance());
    pollster::block_on(egui_wgpu::RenderState::create(
        &egui_wgpu::WgpuConfiguration {
            wgpu_setup: setup,
            ..Default::default()
        },
        &instance,
        None,
        egui_wgpu::RendererOptions::PREDICTABLE,
    ))
    .map_err(|e| RenderError::Renderer(format!("no renderer: {e}")))
}

/// One try of [`render_picture`]'s rendering.
fn render_once(
    draw: &mut impl FnMut(&mut egui::Ui),
    w: f32,
    h: f32,
    scale: f32,
) -> Result<image::RgbaImage, RenderError> {
    // The renderer is made here, so that a machine without one is an
    // error with its reason, not a panic inside the test harness.
    let state = render_state()?;
    let rendered = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut harness = egui_kittest::Harness::builder()
            .with_size(vec2(w, h))
            .with_pixels_per_point(scale)
            .with_context_setup(|ctx| ctx.set_theme(egui::Theme::Dark))
            .renderer(egui_kittest::wgpu::WgpuTestRenderer::from_render_state(
                state,
            ))
            .build_ui(|ui: &mut egui::Ui| draw(ui));
        // Legends and plots size themselves from the pass before.
        harness.run_steps(3);
        harness.render()
    }));
    match rendered {
        Ok(Ok(image)) => Ok(image),
        Ok(Err(message)) => Err(RenderError::Renderer(message)),
        Err(panic) => Err(RenderError::Renderer(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "the renderer stopped".into()),
        )),
    }
}

/// The caption: what the picture shows and where it comes from.
pub fn caption_lines(picture: &ViewPicture, what: ViewKind) -> [String; 2] {
    let loaded = &picture.loaded;
    let settings = &picture.settings;
    let mut filters = Vec::new();
    if settings.suspected_only {
        filters.push("suspected clusters only".to_string());
    }
    if !settings.hidden_kinds.is_empty() {
        let kinds: Vec<&str> = settings.hidden_kinds.iter().map(String::as_str).collect();
        filters.push(format!("evidence hidden: {}", kinds.join(", ")));
    }
    if settings.min_link_weight > 0.0 {
        filters.push(format!("links ≥ {:.2}", settings.min_link_weight));
    }
    if !settings.show_unlinked {
        filters.push("accounts without links hidden".into());
    }
    if let Some(focus) = picture.view.focus.and_then(|f| loaded.clusters.get(f)) {
        filters.push(format!("focus on {} and its neighbours", focus.id));
    }
    let time = match picture.view.time_range {
        Some((first, last)) => format!("active {} – {} UTC", hour_text(first), hour_text(last + 1)),
        None => "all times".into(),
    };
    let view = match what {
        ViewKind::Graph => format!("Graph, colour by {}", settings.color_by.label()),
        ViewKind::Timeline => format!("Timeline: {}", picture.chart.label()),
        ViewKind::Journeys => "Account journeys (UTC)".to_string(),
        ViewKind::Networks => match &picture.networks {
            Some((_, m)) => format!("Where requests come from: {}", m.axis.label()),
            None => "Where requests come from".to_string(),
        },
    };
    let redacted = match &picture.redacted {
        Some(key) => format!(" · REDACTED (key {key})"),
        None => String::new(),
    };
    [
        format!(
            "{view} · {} · {time} · selected: {}",
            if filters.is_empty() {
                "no filters".to_string()
            } else {
                filters.join(", ")
            },
            crate::base::text::for_drawing(picture.selection_label.as_deref().unwrap_or("nothing"))
        ),
        format!(
            "Hydrascope · case {} ({}){redacted} · exported {} UTC",
            crate::base::text::for_drawing(&picture.case_name),
            picture.case_fingerprint,
            picture.exported_at
        ),
    ]
}

fn hour_text(hour: i64) -> String {
    let text = crate::base::time::format_rfc3339_ms(hour * 3_600_000);
    // "2026-02-01T10:00:00.000Z" -> "2026-02-01 10:00"
    text.get(..16).unwrap_or(&text).replacen('T', " ", 1)
}

fn caption_ui(ui: &mut egui::Ui, strip: egui::Rect, lines: &[String; 2]) {
    ui.painter()
        .rect_filled(strip, 0.0, Color32::from_rgb(12, 13, 17));
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(strip.shrink2(vec2(8.0, 5.0))));
    child.spacing_mut().item_spacing.y = 2.0;
    for (i, line) in lines.iter().enumerate() {
        let text = RichText::new(line).size(12.0);
        let text = if i == 0 {
            text.color(Color32::from_gray(225))
        } else {
            text.color(Color32::from_gray(160))
        };
        child.add(egui::Label::new(text).truncate());
    }
}

/// A picture's file format, by its file name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PictureFormat {
    /// A raster image (`.png`).
    Png,
    /// Vector graphics (`.svg`), for the graph only.
    Svg,
}

impl PictureFormat {
    /// The format `path`'s extension names (`.png` or `.svg`, in any case);
    /// `None` for anything else.
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?;
        if ext.eq_ignore_ascii_case("png") {
            Some(PictureFormat::Png)
        } else if ext.eq_ignore_ascii_case("svg") {
            Some(PictureFormat::Svg)
        } else {
            None
        }
    }
}

/// What [`save_picture`] wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SavedPicture {
    /// A PNG of this many pixels.
    Png {
        /// Width, px.
        width: u32,
        /// Height, px.
        height: u32,
    },
    /// An SVG of the graph.
    Svg,
}

/// Draws `view` of `picture` at `size` and writes it to `out` whole, as SVG
/// when `format` says so (the graph only) and as PNG otherwise: what
/// `hydrascope render` and the workbench's *Save view as picture…* both do.
pub fn save_picture(
    picture: &ViewPicture,
    view: ViewKind,
    size: PictureSize,
    format: PictureFormat,
    out: &Path,
) -> Result<SavedPicture, RenderError> {
    match format {
        PictureFormat::Svg if view != ViewKind::Graph => Err(RenderError::Invalid(
            "SVG is for the graph; render the timeline as .png".into(),
        )),
        PictureFormat::Svg => {
            let text = svg::graph_svg(picture, size)?;
            write_file(out, text.as_bytes())?;
            Ok(SavedPicture::Svg)
        }
        PictureFormat::Png => {
            let image = render_picture(picture, view, size)?;
            write_file(out, &png_bytes(&image)?)?;
            Ok(SavedPicture::Png {
                width: image.width(),
                height: image.height(),
            })
        }
    }
}

/// PNG bytes of an image.
pub fn png_bytes(image: &image::RgbaImage) -> Result<Vec<u8>, RenderError> {
    let mut out = std::io::Cursor::new(Vec::new());
    image
        .write_to(&mut out, image::ImageFormat::Png)
        .map_err(|e| RenderError::Invalid(format!("PNG encoding: {e}")))?;
    Ok(out.into_inner())
}

/// Writes `bytes` to `path` whole: to `<path>.partial`, then renamed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), RenderError> {
    use std::io::Write as _;
    crate::base::paths::write_whole(path, |file| file.write_all(bytes)).map_err(|e| {
        RenderError::Write {
            path: path.display().to_string(),
            message: e.to_string(),
        }
    })
}

/// What to focus a headless picture on.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Focus {
    /// The whole case.
    #[default]
    Everything,
    /// A cluster: selected, focused (it and its one-hop neighbours).
    Cluster(String),
    /// A tag (by id): its cluster, or its accounts for an ad-hoc tag.
    Tag(i64),
    /// A campaign (by id): selected, its clusters highlighted and framed.
    Campaign(String),
}

/// A case read for headless pictures: read once, drawn as often as asked
/// (the report draws two pictures per campaign).
pub struct Scene {
    loaded: Arc<Loaded>,
    positions: Arc<Vec<[f32; 2]>>,
    case: Case,
    case_name: String,
    fingerprint: String,
    redacted: Option<String>,
}

impl Scene {
    /// Which accounts (by index) sent requests in the hours `first` to
    /// `last` (inclusive, hours since the epoch, UTC): what a picture of a
    /// time window shows.
    pub fn active_between(&self, first: i64, last: i64) -> Result<Vec<bool>, RenderError> {
        Ok(self
            .case
            .active_between(self.loaded.accounts.len(), first, last)?)
    }

    /// Reads the case at `path` (and lays the graph out if the case keeps
    /// no layout, as the workbench would; nothing is written).
    pub fn open(path: &Path, progress: &Progress) -> Result<Self, RenderError> {
        let loaded = Loaded::read_as(path, progress, false)?;
        let positions = match &loaded.stored_layout {
            Some(positions) => positions.clone(),
            None => {
                progress.set_phase("laying out the graph");
                let links: Vec<(u32, u32, f32)> = loaded.links.links.clone();
                let groups = loaded.layout_groups();
                let input = crate::analysis::layout::LayoutInput {
                    cluster_of: &groups,
                    links: &links,
                };
                crate::analysis::layout::layout(&input, &mut |_, _| {
                    std::ops::ControlFlow::Continue(())
                })
                .unwrap_or_default()
            }
        };
        let case = Case::open_read_only(path)?;
        let fingerprint = case.fingerprint()?;
        let redacted = case.redaction()?;
        Ok(Self {
            loaded: Arc::new(loaded),
            positions: Arc::new(positions),
            case,
            case_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            fingerprint,
            redacted,
        })
    }

    /// The journeys of `selection`'s accounts (a handful of them: the
    /// busiest of a larger selection), read from the case: what a picture
    /// of the journeys shows.
    pub fn journeys(
        &self,
        selection: &[u32],
    ) -> Result<crate::views::journey::Journeys, RenderError> {
        use crate::views::journey::{journeys, pick_accounts};
        let (accounts, left_out) = pick_accounts(selection, &self.loaded.accounts, None);
        let rows = self.case.journey_rows(&accounts)?;
        Ok(journeys(&rows, &self.loaded.model_names, left_out))
    }

    /// Where the requests of `selection` (empty: none), each suspected
    /// campaign and everyone else come from, by `axis`: what a picture of
    /// the networks shows.
    pub fn networks(
        &self,
        selection: &[u32],
        axis: crate::views::networks::Axis,
    ) -> Result<
        (
            Vec<crate::views::networks::NetworkColumn>,
            crate::views::networks::Matrix,
        ),
        RenderError,
    > {
        use crate::views::networks::{Axis, columns_for, matrix};
        let (columns, column_of, selection) = columns_for(&self.loaded, selection);
        let origins = if axis == Axis::Country {
            Default::default()
        } else {
            self.case.origin_rows()?
        };
        let m = matrix(
            axis,
            &origins,
            &self.loaded.accounts,
            &column_of,
            columns.len(),
            (&selection, 0),
        );
        Ok((columns, m))
    }

    /// The case as read.
    pub fn loaded(&self) -> &Loaded {
        &self.loaded
    }

    /// The picture of `focus` with default view settings, as a freshly
    /// opened workbench would show it after selecting the focus.
    pub fn picture(
        &self,
        focus: &Focus,
        chart: Chart,
        exported_at: &str,
    ) -> Result<ViewPicture, RenderError> {
        let loaded = &self.loaded;
        let mut view = CaseView::default();
        let (selection, clusters, label) = match focus {
            Focus::Everything => (Vec::new(), Vec::new(), None),
            Focus::Cluster(id) => {
                let (index, cluster) = loaded
                    .cluster_by_id(id)
                    .ok_or_else(|| RenderError::Invalid(format!("no cluster {id} in this case")))?;
                view.cluster = Some(index);
                view.focus = Some(index);
                let label = loaded.cluster_label(index);
                (
                    cluster.members.clone(),
                    vec![cluster.id.clone()],
                    Some(label),
                )
            }
            Focus::Campaign(id) => {
                let (index, _) = loaded.campaign_by_id(id).ok_or_else(|| {
                    RenderError::Invalid(format!("no campaign {id} in this case"))
                })?;
                view.campaign = Some(index);
                (
                    loaded.campaign_members(index).to_vec(),
                    loaded.campaign_index.clusters[index]
                        .iter()
                        .filter_map(|&c| loaded.clusters.get(c))
                        .filter(|c| c.members.len() >= 2)
                        .map(|c| c.id.clone())
                        .collect(),
                    Some(loaded.campaign_label(index)),
                )
            }
            Focus::Tag(tag_id) => {
                let tag = loaded
                    .casework
                    .tags
                    .iter()
                    .find(|t| t.id == *tag_id)
                    .ok_or_else(|| {
                        RenderError::Invalid(format!("no tag #{tag_id} in this case"))
                    })?;
                match tag.cluster.as_deref().and_then(|c| loaded.cluster_by_id(c)) {
                    Some((index, cluster)) => {
                        view.cluster = Some(index);
                        view.focus = Some(index);
                        (
                            cluster.members.clone(),
                            vec![cluster.id.clone()],
                            Some(loaded.cluster_label(index)),
                        )
                    }
                    None => {
                        view.accounts = tag.accounts.clone();
                        let label = format!(
                            "tag \"{}\" ({}, {} accounts)",
                            tag.label,
                            tag.status.name(),
                            tag.accounts.len()
                        );
                        (tag.accounts.clone(), Vec::new(), Some(label))
                    }
                }
            }
        };
        let series = if selection.is_empty() {
            None
        } else {
            Some(selection_series(&self.case, &selection, &clusters)?)
        };
        Ok(ViewPicture {
            loaded: self.loaded.clone(),
            positions: self.positions.clone(),
            settings: ViewSettings::default(),
            view,
            camera: None,
            chart,
            selection,
            selection_label: label,
            series,
            journeys: None,
            networks: None,
            case_name: self.case_name.clone(),
            case_fingerprint: self.fingerprint.clone(),
            redacted: self.redacted.clone(),
            exported_at: exported_at.to_string(),
            legend: false,
        })
    }
}

impl Scene {
    /// The picture of the saved view `name`: its settings, selection,
    /// focus, time window, camera and chart. Also returns what the view
    /// names that the case no longer holds, in words (its accounts are
    /// selected instead). An unknown name is [`RenderError::Invalid`]
    /// naming the views there are.
    pub fn saved_view_picture(
        &self,
        name: &str,
        exported_at: &str,
    ) -> Result<(ViewPicture, Vec<String>), RenderError> {
        use crate::views::saved_view::SavedViewSpec;
        let saved = self.case.saved_view(name).map_err(|e| match e {
            crate::case::CaseError::Invalid(message) => RenderError::Invalid(message),
            e => RenderError::Case(e),
        })?;
        let spec = SavedViewSpec::from_json(&saved.view_json)
            .map_err(|e| RenderError::Invalid(format!("view {name:?}: {e}")))?;
        let resolved = spec.resolve(&self.loaded, &saved.accounts, &saved.name);
        let mut picture = self.picture(&Focus::Everything, resolved.chart, exported_at)?;
        picture.settings = resolved.settings;
        picture.view = resolved.view;
        if let Some((first, last)) = picture.view.time_range {
            picture.view.active_in_range = Some(self.active_between(first, last)?);
        }
        if !picture.view.search.trim().is_empty() {
            picture.view.search_hits = self.loaded.search(&picture.view.search);
        }
        picture.camera = resolved.camera;
        picture.series = if resolved.selection.is_empty() {
            None
        } else {
            Some(selection_series(
                &self.case,
                &resolved.selection,
                &resolved.clusters,
            )?)
        };
        picture.selection = resolved.selection;
        picture.selection_label = resolved.label;
        Ok((picture, resolved.missing))
    }
}

#[cfg(test)]
mod error_tests {
    use crate::render::RenderError;

    #[test]
    fn only_a_missing_renderer_asks_for_packages_and_a_timeout_says_what_to_do() {
        let missing = RenderError::Renderer("no adapter found".into()).to_string();
        assert!(missing.contains("apt-get install"), "{missing}");
        let other =
            RenderError::Renderer("Buffer size 672070032 is greater than the maximum".into())
                .to_string();
        assert!(!other.contains("apt-get"), "{other}");
        let slow = RenderError::TimedOut(6400, 4000).to_string();
        assert!(
            slow.contains("6400 x 4000")
                && slow.contains("lower --scale")
                && !slow.contains("apt-get"),
            "{slow}"
        );
    }
}
