//! The account-relationship graph: every account as a dot, every stored
//! link as a line coloured by its strongest evidence, laid out so clusters
//! read as groups. Drawn as one mesh built only when the camera or the
//! scene changes (50K nodes and their links do not fit egui's per-shape
//! path at frame rate), culled to the view, with labels only when zoomed in.
//!
//! A campaign's clusters are laid out as one group; the suspected campaigns
//! (and the selected one) get an outline around that group and their name,
//! so the campaigns read at a glance even among thousands of clusters.
//!
//! Pan: drag. Zoom: wheel, pinch, `+`/`-`. Fit: `F` or double-click on
//! empty space. Box-select: shift-drag. Click: select an account and
//! highlight its cluster; click a campaign's name to select the campaign.
//! Double-click a node: focus its cluster.

use std::sync::Arc;

use egui::epaint::{Mesh, Vertex, WHITE_UV};
use egui::{Color32, Pos2, Rect, Sense, Shape, Stroke, Vec2, pos2, vec2};
use rustc_hash::FxHashMap;

use super::command::ViewCommand;
use super::labels;
use super::model::{Loaded, NO_CLUSTER, cluster_facts};
use super::neighbourhood::Grow;
use super::palette;
use super::state::{CaseView, ColorBy, Corner, LegendMode, ViewSettings};
use super::why::{Chain, EvidenceChains};
use crate::analysis::EvidenceKind;
use crate::base::text::{count, for_drawing, thousands};

/// Links drawn at most (the strongest; the legend says how many are hidden).
pub const MAX_DRAWN_LINKS: usize = 60_000;
/// Labels drawn at most; above this no labels are drawn.
const MAX_LABELS: usize = 300;
/// Width of the legend (points), drawn over the graph's top-left corner.
const LEGEND_WIDTH: f32 = 230.0;
/// Hit-test grid cell, world units.
const GRID_CELL: f32 = 24.0;
/// Campaign names drawn at most (the strongest first).
const MAX_CAMPAIGN_LABELS: usize = 24;
/// Space between a campaign's outermost accounts and its outline, points.
const HULL_PAD: f32 = 7.0;

/// What the graph draws this frame.
pub struct GraphInput<'a> {
    /// The open case.
    pub loaded: &'a Loaded,
    /// Positions by account index (world units).
    pub positions: &'a [[f32; 2]],
    /// Bumped whenever `positions` change.
    pub positions_version: u64,
    /// View settings.
    pub settings: &'a ViewSettings,
    /// Selection and filters.
    pub view: &'a CaseView,
    /// Bumped whenever `settings` or `view` change.
    pub revision: u64,
    /// What the layout is doing, if it is still running.
    pub layout_status: Option<String>,
    /// Drawing a picture (for a briefing): no toolbar, no hover, no input,
    /// no legend over the graph (a picture that has one draws
    /// [`GraphView::legend_contents_ui`] beside the graph).
    pub picture: bool,
    /// The chains of evidence links of "Why related to…", drawn over the
    /// graph.
    pub chains: Option<&'a EvidenceChains>,
}

/// The chains drawn over the graph: the shortest, then the strongest when
/// it is another, each of two accounts or more.
fn drawn_chains(chains: Option<&EvidenceChains>) -> Vec<&Chain> {
    chains
        .into_iter()
        .flat_map(EvidenceChains::distinct)
        .filter(|c| c.accounts.len() >= 2)
        .collect()
}

/// The colour of the `i`-th chain drawn over the graph: the shortest, then
/// the strongest.
pub fn chain_color(i: usize) -> Color32 {
    if i == 0 {
        palette::CHAIN_SHORTEST
    } else {
        palette::CHAIN_STRONGEST
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Camera {
    /// World point at the centre of the view.
    center: Pos2,
    /// Points per world unit.
    scale: f32,
}

/// Per-node and per-link drawing data, rebuilt when the selection,
/// filters or positions change.
#[derive(Default)]
struct GraphScene {
    key: (u64, u64),
    visible: Vec<bool>,
    highlighted: Vec<bool>,
    any_highlight: bool,
    color: Vec<Color32>,
    /// Ring around an account under a tag, by the tag's status.
    outline: Vec<Option<Color32>>,
    radius: Vec<f32>,
    /// Indices into the links, strongest first, at most [`MAX_DRAWN_LINKS`].
    links: Vec<u32>,
    link_color: Vec<Color32>,
    /// Links that pass the filters (drawn or not).
    links_passing: usize,
    visible_count: usize,
    /// Smallest rectangle holding every visible node (world).
    bounds: Option<Rect>,
    /// The topmost visible account without links (world) and how many
    /// such accounts are shown: the outer ring gets a caption there.
    unlinked: Option<(Pos2, usize)>,
    /// Campaigns outlined (indices), strongest first: the suspected ones
    /// and the selected one.
    outlined: Vec<usize>,
}

/// Each campaign's outline: the convex hull of its accounts (world),
/// recomputed only when the positions or the clusters change.
#[derive(Default)]
struct Hulls {
    /// The scene's key and the case's generation it was made for.
    key: ((u64, u64), u64),
    /// Per campaign index: hull corners, counter-clockwise on screen.
    corners: Vec<Vec<Pos2>>,
}

/// Where the graph's primitives go: the mesh drawn on screen, or a vector
/// picture ([`crate::render::svg`]).
pub trait GraphSink {
    /// A link from `p` to `q`, `width` points wide.
    fn segment(&mut self, p: Pos2, q: Pos2, width: f32, color: Color32);
    /// A filled disc (a node, or its ring).
    fn disc(&mut self, center: Pos2, radius: f32, color: Color32);
}

impl GraphSink for Mesh {
    fn segment(&mut self, p: Pos2, q: Pos2, width: f32, color: Color32) {
        add_segment(self, p, q, width, color);
    }
    fn disc(&mut self, center: Pos2, radius: f32, color: Color32) {
        add_disc(self, center, radius, color);
    }
}

/// The graph's background.
pub const BACKGROUND: Color32 = Color32::from_rgb(18, 20, 26);

/// A uniform grid over world positions for hit tests.
#[derive(Default)]
struct Grid {
    version: u64,
    cells: FxHashMap<(i32, i32), Vec<u32>>,
}

/// The graph panel.
#[derive(Default)]
pub struct GraphView {
    camera: Option<Camera>,
    /// Accounts to fit into view on the next frame (empty: everything visible).
    fit_request: Option<Vec<u32>>,
    scene: GraphScene,
    grid: Grid,
    mesh: Option<(MeshKey, Arc<Mesh>)>,
    box_start: Option<Pos2>,
    hovered: Option<u32>,
    /// The account right-clicked for the context menu (none: the view).
    menu_node: Option<u32>,
    hulls: Hulls,
    /// Where each campaign name was drawn last frame (screen), to click.
    campaign_labels: Vec<CampaignLabel>,
    /// The outlined campaigns' outlines of the last frame (screen, padded),
    /// with the campaign index.
    outlines: Vec<(usize, Vec<Pos2>)>,
    /// The legend's size when last drawn, to put it in its corner.
    legend_size: std::cell::Cell<Option<Vec2>>,
    /// Milliseconds the last mesh build took (for the frame benchmark).
    pub last_build_ms: f32,
    /// Where the graph was drawn last (points): a picture of the view has
    /// this size.
    pub last_rect: Option<Rect>,
}

/// A campaign's name as drawn on the graph.
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignLabel {
    /// The campaign (index into [`Loaded::campaigns`]).
    pub campaign: usize,
    /// Its id.
    pub id: String,
    /// The name's plate (screen).
    pub plate: Rect,
    /// The leader line to its outline, when the name had to move away.
    pub leader: Option<(Pos2, Pos2)>,
}

#[derive(Clone, Copy, PartialEq)]
struct MeshKey {
    scene: (u64, u64),
    camera: [f32; 3],
    rect: [f32; 4],
}

impl GraphView {
    /// Fits `accounts` into view on the next frame (all visible accounts if empty).
    pub fn request_fit(&mut self, accounts: Vec<u32>) {
        self.fit_request = Some(accounts);
    }

    /// Where the camera is: the world point at the centre of the view and
    /// the points per world unit (`None` before the first frame).
    pub fn camera_view(&self) -> Option<([f32; 2], f32)> {
        self.camera.map(|c| ([c.center.x, c.center.y], c.scale))
    }

    /// Puts the camera at `center` with `scale` points per world unit (a
    /// saved view), instead of any fit asked for.
    pub fn set_camera(&mut self, center: [f32; 2], scale: f32) {
        self.fit_request = None;
        self.camera = Some(Camera {
            center: pos2(center[0], center[1]),
            scale,
        });
    }

    /// Where the world point `world` was drawn last frame (screen points;
    /// `None` before the first frame).
    pub fn screen_of(&self, world: [f32; 2]) -> Option<Pos2> {
        Some(to_screen(self.camera?, self.last_rect?, world))
    }

    /// The account under the pointer last frame, if any.
    pub fn hovered(&self) -> Option<u32> {
        self.hovered
    }

    /// A graph view that starts with the camera at `center` and `scale`,
    /// so a picture shows what the analyst's view showed.
    pub fn with_camera(center: [f32; 2], scale: f32) -> Self {
        Self {
            camera: Some(Camera {
                center: pos2(center[0], center[1]),
                scale,
            }),
            ..Default::default()
        }
    }

    /// Draws the graph and its legend; returns the commands the analyst gave.
    pub fn ui(&mut self, ui: &mut egui::Ui, input: &GraphInput<'_>) -> Vec<ViewCommand> {
        let mut commands = Vec::new();
        if !input.picture {
            self.toolbar_ui(ui, input, &mut commands);
        }
        let (response, painter) = ui.allocate_painter(ui.available_size(), Sense::click_and_drag());
        let rect = response.rect;
        self.last_rect = Some(rect);
        painter.rect_filled(rect, 0.0, BACKGROUND);
        if input.positions.len() != input.loaded.accounts.len() || input.positions.is_empty() {
            painter.text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                if input.loaded.accounts.is_empty() {
                    "This case has no accounts"
                } else {
                    "Laying out the graph…"
                },
                egui::FontId::proportional(16.0),
                Color32::GRAY,
            );
            return commands;
        }
        self.update_scene(input);
        self.update_hulls(input);
        self.update_grid(input);
        if let Some(accounts) = self.fit_request.take() {
            self.fit(input, &accounts, rect);
        }
        if self.camera.is_none() {
            let framed = self.first_framing(input);
            self.fit(input, &framed, rect);
        }
        if !input.picture {
            self.handle_input(ui, &response, input, rect, &mut commands);
            self.context_menu(&response, input, &mut commands);
        }
        let Some(camera) = self.camera else {
            return commands;
        };
        let key = MeshKey {
            scene: self.scene.key,
            camera: [camera.center.x, camera.center.y, camera.scale],
            rect: [rect.min.x, rect.min.y, rect.max.x, rect.max.y],
        };
        let mesh = match &self.mesh {
            Some((k, mesh)) if *k == key => mesh.clone(),
            _ => {
                let started = std::time::Instant::now();
                // Reuse last frame's buffers once egui has let go of them.
                let mut mesh = self
                    .mesh
                    .take()
                    .and_then(|(_, m)| Arc::try_unwrap(m).ok())
                    .unwrap_or_default();
                self.build_mesh(&mut mesh, input, camera, rect);
                let mesh = Arc::new(mesh);
                self.last_build_ms = started.elapsed().as_secs_f32() * 1000.0;
                self.mesh = Some((key, mesh.clone()));
                mesh
            }
        };
        painter.add(Shape::Mesh(mesh));
        // Overlays get their own clip rectangle, so the tessellator starts a
        // new primitive for them instead of growing (and copying) the graph's.
        let painter = painter.with_clip_rect(rect.shrink(0.25));
        self.chains_ui(&painter, input, camera, rect);
        self.labels_ui(&painter, input, camera, rect);
        if let Some((top, n)) = self.scene.unlinked
            && n >= 20
        {
            let at = to_screen(camera, rect, [top.x, top.y]) - vec2(0.0, 10.0);
            if rect.contains(at) {
                painter.text(
                    at,
                    egui::Align2::CENTER_BOTTOM,
                    format!("{} accounts without links", thousands(n as u64)),
                    egui::FontId::proportional(12.0),
                    Color32::from_gray(170),
                );
            }
        }
        if let Some(start) = self.box_start
            && let Some(now) = response.interact_pointer_pos()
        {
            let r = Rect::from_two_pos(start, now);
            painter.rect(
                r,
                0.0,
                Color32::from_rgba_unmultiplied(120, 170, 255, 30),
                Stroke::new(1.0, Color32::from_rgb(120, 170, 255)),
                egui::StrokeKind::Inside,
            );
        }
        if let Some(node) = self.hovered {
            let p = to_screen(camera, rect, input.positions[node as usize]);
            let r = self.node_radius(node, camera) + 3.0;
            painter.circle_stroke(p, r, Stroke::new(1.5, Color32::WHITE));
            response.on_hover_ui_at_pointer(|ui| hover_ui(ui, input.loaded, node));
        }
        let legend = if input.picture {
            Rect::NOTHING
        } else {
            self.legend_ui(ui, input, rect, &mut commands)
        };
        // After the legend, so that no campaign's name hides under it.
        self.campaign_labels_ui(&painter, input, camera, rect, legend);
        commands
    }

    /// The chains of evidence links asked for ([`GraphInput::chains`]):
    /// each link a thick line, each account ringed, the strongest under
    /// the shortest.
    fn chains_ui(
        &self,
        painter: &egui::Painter,
        input: &GraphInput<'_>,
        camera: Camera,
        rect: Rect,
    ) {
        for (i, chain) in drawn_chains(input.chains).into_iter().enumerate().rev() {
            let color = chain_color(i);
            let width = if i == 0 { 3.0 } else { 4.5 };
            let screen: Vec<(u32, Pos2)> = chain
                .accounts
                .iter()
                .filter_map(|&a| {
                    Some((
                        a,
                        to_screen(camera, rect, *input.positions.get(a as usize)?),
                    ))
                })
                .collect();
            for pair in screen.windows(2) {
                painter.line_segment([pair[0].1, pair[1].1], Stroke::new(width, color));
            }
            for &(a, p) in &screen {
                let r = self.node_radius(a, camera) + 3.5;
                painter.circle_stroke(p, r, Stroke::new(2.0, color));
            }
        }
    }

    /// Right-click on the graph: what can be done with the account under
    /// the pointer (select it, focus its cluster, why it is related to
    /// the selection, copy its id), or with the view.
    fn context_menu(
        &mut self,
        response: &egui::Response,
        input: &GraphInput<'_>,
        commands: &mut Vec<ViewCommand>,
    ) {
        if response.secondary_clicked() {
            self.menu_node = self.hovered;
        }
        let loaded = input.loaded;
        response.context_menu(|ui| {
            let Some(node) = self.menu_node.filter(|&a| (a as usize) < loaded.accounts.len())
            else {
                if ui.button("Fit everything shown").clicked() {
                    self.fit_request = Some(Vec::new());
                }
                if ui.button("Clear the selection").clicked() {
                    commands.push(ViewCommand::SelectAccount(None));
                }
                return;
            };
            let id = loaded.account_name(node);
            ui.label(egui::RichText::new(crate::base::text::for_drawing(&id)).strong());
            if ui.button("Select this account").clicked() {
                commands.push(ViewCommand::SelectAccount(Some(node)));
            }
            let cluster = loaded.cluster_of[node as usize];
            if cluster != NO_CLUSTER
                && ui
                    .button("Focus on its cluster")
                    .on_hover_text("Show only its cluster and the accounts one link away")
                    .clicked()
            {
                commands.push(ViewCommand::Focus(Some(cluster as usize)));
            }
            let selection = loaded
                .selected_accounts(input.view)
                .filter(|from| !from.is_empty() && !from.contains(&node));
            let why = ui
                .add_enabled(
                    selection.is_some() && loaded.analysed,
                    egui::Button::new("Why related to the selection?"),
                )
                .on_hover_text(
                    "The shortest and the strongest chains of evidence links from the selection to this account, drawn on the graph and listed in the inspector",
                )
                .on_disabled_hover_text("Select an account, a cluster or a campaign first");
            if why.clicked()
                && let Some(from) = selection
            {
                commands.push(ViewCommand::FindWhy {
                    from,
                    to: id.clone(),
                });
            }
            if ui.button("Copy its id").clicked() {
                ui.ctx().copy_text(id);
            }
            if loaded.selected_accounts(input.view).is_some() {
                ui.separator();
                if ui
                    .button("Grow the selection by one hop")
                    .on_hover_text("Add every account one shown link away from the selection")
                    .clicked()
                {
                    commands.push(ViewCommand::Grow(Grow::OneHop));
                }
            }
        });
    }

    fn toolbar_ui(
        &mut self,
        ui: &mut egui::Ui,
        input: &GraphInput<'_>,
        commands: &mut Vec<ViewCommand>,
    ) {
        // Wrapped: on a narrow graph the last buttons go to a second row
        // instead of being cut off.
        ui.horizontal_wrapped(|ui| {
            let mut settings = input.settings.clone();
            let label = ui.label("Colour by").id;
            egui::ComboBox::from_id_salt("color_by")
                .selected_text(settings.color_by.label())
                .show_ui(ui, |ui| {
                    for mode in ColorBy::ALL {
                        ui.selectable_value(&mut settings.color_by, mode, mode.label());
                    }
                })
                .response
                .labelled_by(label);
            ui.checkbox(&mut settings.size_by_volume, "Size by exchanges");
            ui.checkbox(&mut settings.show_links, "Links");
            if !input.loaded.campaigns.is_empty() {
                ui.checkbox(&mut settings.campaign_outlines, "Campaign outlines")
                    .on_hover_text(
                        "Outline and name the suspected campaigns (and the selected one)",
                    );
            }
            if ui
                .button("Fit")
                .on_hover_text("Fit everything shown into view (F)")
                .clicked()
            {
                self.fit_request = Some(Vec::new());
            }
            if let Some(focus) = input.view.focus {
                let name = input
                    .loaded
                    .clusters
                    .get(focus)
                    .map_or("?", |c| c.id.as_str());
                if ui
                    .button(format!("Focused on {name}: show all"))
                    .on_hover_text("Leave focus mode")
                    .clicked()
                {
                    commands.push(ViewCommand::Focus(None));
                }
            }
            if input.view.isolate
                && ui
                    .button("Only the selection: show all")
                    .on_hover_text("Show every account again")
                    .clicked()
            {
                commands.push(ViewCommand::Isolate(false));
            }
            if let Some(status) = &input.layout_status {
                ui.spinner();
                ui.label(status);
                if ui.button("Stop").clicked() {
                    commands.push(ViewCommand::CancelLayout);
                }
            } else if ui
                .button("Re-layout")
                .on_hover_text("Compute the layout again and store it in the case")
                .clicked()
            {
                commands.push(ViewCommand::Relayout);
            }
            if settings != *input.settings {
                commands.push(ViewCommand::Settings(settings));
            }
        });
    }

    fn node_radius(&self, node: u32, camera: Camera) -> f32 {
        let base = self.scene.radius.get(node as usize).copied().unwrap_or(2.0);
        // Nodes grow (slowly) as the analyst zooms in past ~3 points per node.
        base * (camera.scale / 0.3).sqrt().clamp(1.0, 4.0)
    }

    fn update_scene(&mut self, input: &GraphInput<'_>) {
        let key = (input.revision, input.positions_version);
        if self.scene.key == key && !self.scene.visible.is_empty() {
            return;
        }
        let loaded = input.loaded;
        let settings = input.settings;
        let view = input.view;
        let n = loaded.accounts.len();
        let links = &loaded.links;
        let shown = super::neighbourhood::ShownLinks::new(links, settings);
        let link_passes = |i: usize| shown.passes(i);
        let mut degree = vec![0u32; n];
        for &(a, b, _) in &links.links {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
        }
        let cluster_suspected = |a: usize| {
            loaded
                .clusters
                .get(loaded.cluster_of[a] as usize)
                .is_some_and(|c| c.suspected)
        };
        let mut visible: Vec<bool> = (0..n)
            .map(|a| {
                (!settings.suspected_only || cluster_suspected(a))
                    && (settings.show_unlinked || degree[a] > 0)
                    && view
                        .active_in_range
                        .as_ref()
                        .is_none_or(|active| active.get(a).copied().unwrap_or(false))
            })
            .collect();
        if view.isolate
            && let Some(selected) = loaded.selected_accounts(view)
        {
            let mut keep = vec![false; n];
            for a in selected {
                if let Some(k) = keep.get_mut(a as usize) {
                    *k = true;
                }
            }
            for (v, k) in visible.iter_mut().zip(keep) {
                *v &= k;
            }
        }
        if let Some(focus) = view.focus.and_then(|f| loaded.clusters.get(f)) {
            let mut keep = vec![false; n];
            for &m in &focus.members {
                if let Some(k) = keep.get_mut(m as usize) {
                    *k = true;
                }
            }
            let members = keep.clone();
            for (i, &(a, b, _)) in links.links.iter().enumerate() {
                if link_passes(i) {
                    if members[a as usize] {
                        keep[b as usize] = true;
                    }
                    if members[b as usize] {
                        keep[a as usize] = true;
                    }
                }
            }
            for (v, k) in visible.iter_mut().zip(keep) {
                *v &= k;
            }
        }
        let mut highlighted = vec![false; n];
        let mut any_highlight = false;
        let mut mark = |a: u32| {
            if let Some(h) = highlighted.get_mut(a as usize) {
                *h = true;
                any_highlight = true;
            }
        };
        if let Some(c) = view.cluster.and_then(|c| loaded.clusters.get(c)) {
            c.members.iter().for_each(|&a| mark(a));
        } else if let Some(k) = view.campaign {
            loaded.campaign_members(k).iter().for_each(|&a| mark(a));
        }
        view.accounts.iter().for_each(|&a| mark(a));
        view.search_hits.iter().for_each(|&a| mark(a));
        if let Some(a) = view.account {
            mark(a);
        }
        let labels = loaded.casework.labels();
        let color: Vec<Color32> = (0..n)
            .map(|a| node_color(loaded, &labels, settings.color_by, a))
            .collect();
        let outline: Vec<Option<Color32>> = (0..n)
            .map(|a| {
                loaded
                    .casework
                    .tag_of(a as u32)
                    .map(|t| palette::tag_status_color(t.status))
            })
            .collect();
        let radius: Vec<f32> = loaded
            .accounts
            .iter()
            .map(|a| {
                if settings.size_by_volume {
                    1.4 + 0.8 * (1.0 + a.exchanges as f32).log10()
                } else {
                    2.2
                }
            })
            .collect();
        let mut drawn = Vec::new();
        let mut link_color = Vec::new();
        let mut passing = 0;
        if settings.show_links {
            // The strongest visible kind names the colour.
            let mut kinds_by_strength: Vec<(usize, EvidenceKind)> = links
                .kind_names
                .iter()
                .enumerate()
                .filter_map(|(i, k)| Some((i, EvidenceKind::parse(k)?)))
                .collect();
            kinds_by_strength
                .sort_by(|x, y| y.1.weight().total_cmp(&x.1.weight()).then(x.0.cmp(&y.0)));
            for (i, &(a, b, _)) in links.links.iter().enumerate() {
                if !link_passes(i) || !visible[a as usize] || !visible[b as usize] {
                    continue;
                }
                passing += 1;
                if drawn.len() < MAX_DRAWN_LINKS {
                    drawn.push(i as u32);
                    let kinds = links.kinds[i] & !shown.hidden_kinds();
                    let kind = kinds_by_strength
                        .iter()
                        .find(|(bit, _)| kinds & (1 << bit) != 0)
                        .map(|(_, k)| *k);
                    link_color.push(kind.map_or(palette::LONE, palette::evidence_color));
                }
            }
        }
        let mut bounds: Option<Rect> = None;
        let mut unlinked: Option<(Pos2, usize)> = None;
        for (a, p) in input.positions.iter().enumerate() {
            if visible[a] {
                let p = pos2(p[0], p[1]);
                bounds = Some(bounds.map_or(Rect::from_min_max(p, p), |b| {
                    b.union(Rect::from_min_max(p, p))
                }));
                if degree[a] == 0 {
                    unlinked = Some(match unlinked {
                        Some((top, n)) if top.y <= p.y => (top, n + 1),
                        Some((_, n)) => (p, n + 1),
                        None => (p, 1),
                    });
                }
            }
        }
        let mut outlined: Vec<usize> = Vec::new();
        if settings.campaign_outlines {
            outlined.extend(view.campaign.filter(|&k| k < loaded.campaigns.len()));
            outlined.extend(
                (0..loaded.campaigns.len())
                    .filter(|&k| loaded.campaigns[k].suspected && Some(k) != view.campaign),
            );
            // A campaign filtered out of view (focus, time range, …) gets no
            // outline where nothing of it is drawn.
            outlined.retain(|&k| {
                loaded
                    .campaign_members(k)
                    .iter()
                    .any(|&a| visible.get(a as usize).copied().unwrap_or(false))
            });
        }
        self.scene = GraphScene {
            outlined,
            key,
            visible_count: visible.iter().filter(|v| **v).count(),
            visible,
            highlighted,
            any_highlight,
            color,
            outline,
            radius,
            links: drawn,
            link_color,
            links_passing: passing,
            bounds,
            unlinked,
        };
    }

    /// What a picture frames when no camera is given: the selected
    /// campaign (a briefing picture of a campaign shows its group), else
    /// everything shown.
    fn first_framing(&self, input: &GraphInput<'_>) -> Vec<u32> {
        match input.view.campaign {
            Some(k) if input.picture && input.view.focus.is_none() => {
                input.loaded.campaign_members(k).to_vec()
            }
            _ => Vec::new(),
        }
    }

    /// Each campaign's outline around its accounts shown (a filter, a
    /// time window or "only the selection" draws it around what is left).
    fn update_hulls(&mut self, input: &GraphInput<'_>) {
        let key = (self.scene.key, input.loaded.generation);
        if self.hulls.key == key && self.hulls.corners.len() == input.loaded.campaigns.len() {
            return;
        }
        let visible = &self.scene.visible;
        let corners = (0..input.loaded.campaigns.len())
            .map(|k| {
                let points: Vec<Pos2> = input
                    .loaded
                    .campaign_members(k)
                    .iter()
                    .filter(|&&a| visible.get(a as usize).copied().unwrap_or(false))
                    .filter_map(|&a| input.positions.get(a as usize))
                    .map(|p| pos2(p[0], p[1]))
                    .collect();
                convex_hull(points)
            })
            .collect();
        self.hulls = Hulls { key, corners };
    }

    /// The outlined campaigns' hulls on screen, padded outwards, with the
    /// campaign index.
    fn screen_hulls(&self, camera: Camera, rect: Rect) -> Vec<(usize, Vec<Pos2>)> {
        self.scene
            .outlined
            .iter()
            .filter_map(|&k| {
                let corners = self.hulls.corners.get(k)?;
                if corners.is_empty() {
                    return None;
                }
                let screen: Vec<Pos2> = corners
                    .iter()
                    .map(|p| to_screen(camera, rect, [p.x, p.y]))
                    .collect();
                let centre =
                    screen.iter().fold(Vec2::ZERO, |s, p| s + p.to_vec2()) / screen.len() as f32;
                let padded = screen
                    .iter()
                    .map(|&p| {
                        let d = p.to_vec2() - centre;
                        let len = d.length();
                        if len < 0.01 {
                            p
                        } else {
                            p + d / len * (HULL_PAD + self.node_radius(0, camera))
                        }
                    })
                    .collect();
                Some((k, padded))
            })
            .collect()
    }

    fn update_grid(&mut self, input: &GraphInput<'_>) {
        if self.grid.version == input.positions_version && !self.grid.cells.is_empty() {
            return;
        }
        let mut cells: FxHashMap<(i32, i32), Vec<u32>> = FxHashMap::default();
        for (i, p) in input.positions.iter().enumerate() {
            cells.entry(cell_of(*p)).or_default().push(i as u32);
        }
        self.grid = Grid {
            version: input.positions_version,
            cells,
        };
    }

    /// The visible node under `pointer`, if any.
    fn pick(
        &self,
        input: &GraphInput<'_>,
        camera: Camera,
        rect: Rect,
        pointer: Pos2,
    ) -> Option<u32> {
        let world = to_world(camera, rect, pointer);
        let reach_world = 8.0 / camera.scale;
        let (x0, y0) = cell_of([world.x - reach_world, world.y - reach_world]);
        let (x1, y1) = cell_of([world.x + reach_world, world.y + reach_world]);
        if (x1 - x0) as i64 * (y1 - y0) as i64 > 40_000 {
            return None;
        }
        let mut best: Option<(f32, u32)> = None;
        for cx in x0..=x1 {
            for cy in y0..=y1 {
                for &i in self.grid.cells.get(&(cx, cy)).into_iter().flatten() {
                    if !self.scene.visible[i as usize] {
                        continue;
                    }
                    let p = to_screen(camera, rect, input.positions[i as usize]);
                    let d = p.distance(pointer);
                    let reach = self.node_radius(i, camera).max(4.0) + 2.0;
                    if d <= reach && best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, i));
                    }
                }
            }
        }
        best.map(|(_, i)| i)
    }

    fn fit(&mut self, input: &GraphInput<'_>, accounts: &[u32], rect: Rect) {
        let bounds = if accounts.is_empty() {
            self.scene.bounds
        } else {
            accounts
                .iter()
                .filter_map(|&a| input.positions.get(a as usize))
                .map(|p| Rect::from_min_max(pos2(p[0], p[1]), pos2(p[0], p[1])))
                .reduce(|a, b| a.union(b))
        };
        let Some(bounds) = bounds else {
            return;
        };
        let bounds = bounds.expand(GRID_CELL);
        // Fit beside the legend, not under it, when it is shown over a
        // graph wide enough to leave it a column.
        let legend_shown = !input.picture
            && input.settings.legend.shown([rect.width(), rect.height()])
            && rect.width() > 2.5 * LEGEND_WIDTH;
        let free = match (legend_shown, input.settings.legend_corner) {
            (false, _) => rect,
            (true, Corner::TopLeft | Corner::BottomLeft) => {
                Rect::from_min_max(pos2(rect.min.x + LEGEND_WIDTH + 16.0, rect.min.y), rect.max)
            }
            (true, Corner::TopRight | Corner::BottomRight) => {
                Rect::from_min_max(rect.min, pos2(rect.max.x - LEGEND_WIDTH - 16.0, rect.max.y))
            }
        };
        let scale = ((free.width() - 40.0) / bounds.width())
            .min((free.height() - 40.0) / bounds.height())
            .clamp(0.005, 40.0);
        self.camera = Some(Camera {
            center: bounds.center() - (free.center() - rect.center()) / scale,
            scale,
        });
    }

    fn handle_input(
        &mut self,
        ui: &egui::Ui,
        response: &egui::Response,
        input: &GraphInput<'_>,
        rect: Rect,
        commands: &mut Vec<ViewCommand>,
    ) {
        let Some(mut camera) = self.camera else {
            return;
        };
        let (scroll, zoom, shift, keys) = ui.input(|i| {
            (
                i.smooth_scroll_delta,
                i.zoom_delta(),
                i.modifiers.shift,
                [
                    i.key_pressed(egui::Key::Plus) || i.key_pressed(egui::Key::Equals),
                    i.key_pressed(egui::Key::Minus),
                    i.key_pressed(egui::Key::F),
                ],
            )
        });
        let hover = response.hover_pos();
        if let Some(pointer) = hover {
            let mut factor = zoom;
            if scroll.y != 0.0 {
                factor *= (scroll.y / 200.0).exp();
            }
            if factor != 1.0 {
                let before = to_world(camera, rect, pointer);
                camera.scale = (camera.scale * factor).clamp(0.002, 60.0);
                let after = to_world(camera, rect, pointer);
                camera.center += before - after;
            }
        }
        let keyboard_free = !ui.ctx().egui_wants_keyboard_input();
        if keyboard_free && (response.hovered() || response.has_focus()) {
            if keys[0] {
                camera.scale = (camera.scale * 1.25).min(60.0);
            }
            if keys[1] {
                camera.scale = (camera.scale / 1.25).max(0.002);
            }
        }
        if response.drag_started() && shift {
            self.box_start = response.interact_pointer_pos();
        }
        if self.box_start.is_none() && response.dragged() {
            camera.center -= response.drag_delta() / camera.scale;
        }
        if response.drag_stopped()
            && let Some(start) = self.box_start.take()
            && let Some(end) = response.interact_pointer_pos()
        {
            let r = Rect::from_two_pos(to_world(camera, rect, start), to_world(camera, rect, end));
            let picked: Vec<u32> = input
                .positions
                .iter()
                .enumerate()
                .filter(|(i, p)| self.scene.visible[*i] && r.contains(pos2(p[0], p[1])))
                .map(|(i, _)| i as u32)
                .collect();
            commands.push(ViewCommand::SelectAccounts(picked));
        }
        self.camera = Some(camera);
        self.hovered = hover.and_then(|p| self.pick(input, camera, rect, p));
        if response.double_clicked() {
            match self.hovered {
                Some(node) => {
                    let cluster = input.loaded.cluster_of[node as usize];
                    if cluster != NO_CLUSTER {
                        commands.push(ViewCommand::Focus(Some(cluster as usize)));
                    }
                }
                None => self.fit_request = Some(Vec::new()),
            }
        } else if response.clicked() {
            let label = response.interact_pointer_pos().and_then(|p| {
                self.campaign_labels
                    .iter()
                    .find(|l| l.plate.contains(p))
                    .map(|l| l.id.clone())
            });
            match label {
                Some(id) if self.hovered.is_none() => {
                    commands.push(ViewCommand::SelectCampaign(Some(id)));
                }
                _ => commands.push(ViewCommand::SelectAccount(self.hovered)),
            }
        }
        if keyboard_free && response.hovered() && keys[2] {
            self.fit_request = Some(Vec::new());
        }
    }

    fn build_mesh(&self, mesh: &mut Mesh, input: &GraphInput<'_>, camera: Camera, rect: Rect) {
        let scene = &self.scene;
        mesh.clear();
        mesh.vertices
            .reserve(scene.links.len() * 4 + scene.visible_count * 7);
        mesh.indices
            .reserve(scene.links.len() * 6 + scene.visible_count * 18);
        self.draw_scene(mesh, input, camera, rect);
    }

    /// Draws what the graph shows in `rect` as primitives into `sink`: the
    /// same geometry for the screen's mesh and for an SVG picture. The
    /// camera is fitted first if the view has none yet.
    pub fn draw_into(&mut self, sink: &mut dyn GraphSink, input: &GraphInput<'_>, rect: Rect) {
        if input.positions.len() != input.loaded.accounts.len() {
            return;
        }
        self.update_scene(input);
        self.update_hulls(input);
        if self.camera.is_none() {
            let framed = self.first_framing(input);
            self.fit(input, &framed, rect);
        }
        if let Some(camera) = self.camera {
            self.draw_scene(sink, input, camera, rect);
        }
    }

    /// What the legend says: accounts and links shown, links drawn.
    pub fn shown_counts(&self) -> (usize, usize, usize) {
        (
            self.scene.visible_count,
            self.scene.links_passing,
            self.scene.links.len(),
        )
    }

    fn draw_scene(
        &self,
        sink: &mut dyn GraphSink,
        input: &GraphInput<'_>,
        camera: Camera,
        rect: Rect,
    ) {
        let scene = &self.scene;
        let clip = rect.expand(8.0);
        let positions = input.positions;
        let dim = |c: Color32, on: bool| {
            if scene.any_highlight && !on {
                c.gamma_multiply(0.22)
            } else {
                c
            }
        };
        let screen: Vec<Pos2> = positions
            .iter()
            .map(|&p| to_screen(camera, rect, p))
            .collect();
        let links = &input.loaded.links.links;
        let width = if camera.scale > 1.5 { 1.2 } else { 0.8 };
        for (k, &i) in scene.links.iter().enumerate() {
            let (a, b, _) = links[i as usize];
            let (p, q) = (screen[a as usize], screen[b as usize]);
            if (p.x < clip.left() && q.x < clip.left())
                || (p.x > clip.right() && q.x > clip.right())
                || (p.y < clip.top() && q.y < clip.top())
                || (p.y > clip.bottom() && q.y > clip.bottom())
            {
                continue;
            }
            let on = scene.highlighted[a as usize] && scene.highlighted[b as usize];
            let alpha = if scene.any_highlight && !on {
                0.08
            } else {
                0.35
            };
            let color = scene.link_color[k].gamma_multiply(alpha);
            sink.segment(p, q, if on { width + 0.6 } else { width }, color);
        }
        // Campaign outlines between links and nodes: they frame the group
        // without covering an account.
        for (k, hull) in self.screen_hulls(camera, rect) {
            let on = !scene.any_highlight || input.view.campaign == Some(k);
            let selected = input.view.campaign == Some(k);
            let color = palette::campaign_swatch(input.loaded, k).gamma_multiply(if on {
                0.85
            } else {
                0.3
            });
            let width = if selected { 2.6 } else { 1.5 };
            if hull.len() == 1 {
                continue;
            }
            for (i, &p) in hull.iter().enumerate() {
                let q = hull[(i + 1) % hull.len()];
                sink.segment(p, q, width, color);
                sink.disc(p, width / 2.0, color);
            }
        }
        // Highlighted nodes last, so they sit on top.
        for pass_highlighted in [false, true] {
            for (a, p) in screen.iter().enumerate() {
                if !scene.visible[a]
                    || scene.highlighted[a] != pass_highlighted
                    || !clip.contains(*p)
                {
                    continue;
                }
                let r = self.node_radius(a as u32, camera);
                let color = dim(scene.color[a], scene.highlighted[a]);
                if pass_highlighted {
                    sink.disc(*p, r + 1.2, Color32::WHITE);
                }
                if let Some(ring) = scene.outline[a] {
                    // Ring, dark gap, node: the ring reads on any node colour.
                    sink.disc(*p, r + 2.4, dim(ring, scene.highlighted[a]));
                    sink.disc(*p, r + 1.0, BACKGROUND);
                    sink.disc(*p, r, color);
                } else {
                    sink.disc(*p, r, color);
                }
            }
        }
    }

    /// Account names, thinned out as on a map: the selected account's
    /// first, then the hovered one, the highlighted (selected cluster or
    /// campaign), then by exchanges; a name that would overlap one already
    /// placed goes to the node's other side or is left out. The selected
    /// account keeps a ring when the mouse leaves it.
    fn labels_ui(
        &self,
        painter: &egui::Painter,
        input: &GraphInput<'_>,
        camera: Camera,
        rect: Rect,
    ) {
        let selected = input
            .view
            .account
            .filter(|&a| self.scene.visible.get(a as usize).copied().unwrap_or(false));
        if let Some(a) = selected
            && let Some(&p) = input.positions.get(a as usize)
        {
            let p = to_screen(camera, rect, p);
            let r = self.node_radius(a, camera) + 4.0;
            painter.circle_stroke(p, r + 1.5, Stroke::new(1.5, Color32::BLACK));
            painter.circle_stroke(p, r, Stroke::new(2.0, Color32::WHITE));
        }
        if camera.scale < 2.0 {
            return;
        }
        let mut shown: Vec<(usize, Pos2)> = input
            .positions
            .iter()
            .enumerate()
            .filter(|(a, _)| self.scene.visible[*a])
            .map(|(a, &p)| (a, to_screen(camera, rect, p)))
            .filter(|(_, p)| rect.contains(*p))
            .take(MAX_LABELS + 1)
            .collect();
        if shown.len() > MAX_LABELS {
            return;
        }
        let loaded = input.loaded;
        let rank = |a: usize| {
            (
                Some(a as u32) != selected,
                Some(a as u32) != self.hovered,
                !(self.scene.any_highlight && self.scene.highlighted[a]),
                std::cmp::Reverse(loaded.accounts[a].exchanges),
                a,
            )
        };
        shown.sort_by_key(|&(a, _)| rank(a));
        let font = egui::FontId::proportional(11.0);
        let mut placed: Vec<Rect> = Vec::with_capacity(shown.len());
        for (a, p) in shown {
            let first = placed.is_empty() || Some(a as u32) == selected;
            let color = if Some(a as u32) == selected {
                Color32::WHITE
            } else {
                Color32::from_gray(200)
            };
            let galley = painter.layout_no_wrap(
                for_drawing(&loaded.accounts[a].account_id).into_owned(),
                font.clone(),
                color,
            );
            let r = self.node_radius(a as u32, camera);
            let size = galley.size();
            let right = Rect::from_min_size(p + vec2(r + 3.0, -size.y / 2.0), size);
            let left = Rect::from_min_size(p - vec2(r + 3.0 + size.x, size.y / 2.0), size);
            let Some(spot) = [right, left]
                .into_iter()
                .find(|spot| first || !placed.iter().any(|q| q.intersects(*spot)))
            else {
                continue;
            };
            placed.push(spot);
            painter.galley(spot.min, galley, color);
        }
    }

    /// Each outlined campaign's name next to its outline: id, tag, size and
    /// score, on a dark plate; the selected and the strongest first, none
    /// over another outline, name or the legend, a leader line to its
    /// outline when it had to move ([`labels::place`]).
    fn campaign_labels_ui(
        &mut self,
        painter: &egui::Painter,
        input: &GraphInput<'_>,
        camera: Camera,
        rect: Rect,
        legend: Rect,
    ) {
        self.campaign_labels.clear();
        let loaded = input.loaded;
        let font = egui::FontId::proportional(12.5);
        let mut placed: Vec<Rect> = Vec::new();
        let hulls = self.screen_hulls(camera, rect);
        let boxes: Vec<Rect> = hulls.iter().map(|(_, h)| labels::bounds(h)).collect();
        for (k, hull) in hulls.iter().take(MAX_CAMPAIGN_LABELS).cloned() {
            let Some(campaign) = loaded.campaigns.get(k) else {
                continue;
            };
            let Some(top) = hull.iter().copied().min_by(|a, b| a.y.total_cmp(&b.y)) else {
                continue;
            };
            let (min_x, max_x) = hull.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
                (lo.min(p.x), hi.max(p.x))
            });
            let lowest = hull.iter().map(|p| p.y).fold(f32::MIN, f32::max);
            // A campaign out of view gets no name at the edge of the view.
            if !rect.intersects(Rect::from_min_max(pos2(min_x, top.y), pos2(max_x, lowest))) {
                continue;
            }
            let tag = loaded
                .campaign_tags(k)
                .first()
                .map(|(t, _)| format!(" \"{}\"", for_drawing(&t.label)))
                .unwrap_or_default();
            let clusters = loaded.campaign_index.clusters[k].len();
            let text = format!(
                "{}{tag} · {} · {}{} · score {:.2}",
                campaign.id,
                if campaign.suspected {
                    "suspected campaign"
                } else {
                    "campaign"
                },
                count(
                    loaded.campaign_members(k).len() as u64,
                    "account",
                    "accounts"
                ),
                if clusters > 1 {
                    format!(" in {} clusters", thousands(clusters as u64))
                } else {
                    String::new()
                },
                campaign.score
            );
            // Where the full name does not fit, the id, tag and score.
            let short = format!("{}{tag} · {:.2}", campaign.id, campaign.score);
            let color = palette::campaign_swatch(loaded, k);
            // Next to its own outline, clear of every other outline, name
            // and the legend; tied to its outline by a leader line when it
            // had to move; left out when nothing near fits (far off, it
            // would name the wrong group).
            let mut taken = placed.clone();
            taken.push(legend);
            let Some((galley, spot)) = [text, short].into_iter().find_map(|text| {
                let galley = painter.layout_no_wrap(text, font.clone(), color);
                let size = galley.size() + vec2(10.0, 4.0);
                // Only the outlines within reach of a spot this name could
                // take (hundreds of campaigns at seed scale: each name is
                // tested against its neighbours, not all of them).
                let reach = labels::bounds(&hull).expand2(size + Vec2::splat(labels::MAX_GAP));
                let others: Vec<&[Pos2]> = hulls
                    .iter()
                    .zip(&boxes)
                    .filter(|((other, _), bbox)| *other != k && bbox.intersects(reach))
                    .map(|((_, h), _)| h.as_slice())
                    .collect();
                labels::place(size, &hull, &others, &taken, rect.shrink(2.0))
                    .map(|spot| (galley, spot))
            }) else {
                continue;
            };
            let plate = spot.plate;
            let selected = input.view.campaign == Some(k);
            placed.push(plate);
            let dimmed = self.scene.any_highlight && !selected;
            painter.rect(
                plate,
                3.0,
                Color32::from_rgba_unmultiplied(14, 16, 22, if dimmed { 150 } else { 215 }),
                Stroke::new(
                    if selected { 1.5 } else { 1.0 },
                    color.gamma_multiply(if dimmed { 0.3 } else { 0.8 }),
                ),
                egui::StrokeKind::Inside,
            );
            painter.galley(
                plate.min + vec2(5.0, 2.0),
                galley,
                if dimmed {
                    color.gamma_multiply(0.5)
                } else {
                    color
                },
            );
            if let Some((from, to)) = spot.leader {
                painter.line_segment(
                    [from, to],
                    Stroke::new(1.0, color.gamma_multiply(if dimmed { 0.3 } else { 0.7 })),
                );
                painter.circle_filled(
                    to,
                    2.0,
                    color.gamma_multiply(if dimmed { 0.3 } else { 0.9 }),
                );
            }
            self.campaign_labels.push(CampaignLabel {
                campaign: k,
                id: campaign.id.clone(),
                plate,
                leader: spot.leader,
            });
        }
        self.outlines = hulls;
    }

    /// The campaign names drawn in the last frame, in the order placed.
    pub fn campaign_labels(&self) -> &[CampaignLabel] {
        &self.campaign_labels
    }

    /// The outlined campaigns' outlines in the last frame (screen points,
    /// padded as drawn), with each campaign's index.
    pub fn outlines(&self) -> &[(usize, Vec<Pos2>)] {
        &self.outlines
    }

    /// Draws the legend over the graph in the corner the settings name, as
    /// an overlay the analyst can hide (down to a "Legend" button) or move
    /// to the next corner; returns where it is.
    fn legend_ui(
        &self,
        ui: &mut egui::Ui,
        input: &GraphInput<'_>,
        rect: Rect,
        commands: &mut Vec<ViewCommand>,
    ) -> Rect {
        let settings = input.settings;
        let inner = rect.shrink(8.0);
        let place = |size: Vec2| {
            let min = match settings.legend_corner {
                Corner::TopLeft => inner.min,
                Corner::TopRight => pos2(inner.max.x - size.x, inner.min.y),
                Corner::BottomRight => inner.max - size,
                Corner::BottomLeft => pos2(inner.min.x, inner.max.y - size.y),
            };
            Rect::from_min_size(min, size)
        };
        let mut changed = settings.clone();
        if !settings.legend.shown([rect.width(), rect.height()]) {
            let at = place(vec2(70.0, 22.0));
            let mut child = ui.new_child(egui::UiBuilder::new().max_rect(at));
            if child
                .button("Legend")
                .on_hover_text("Show the legend")
                .clicked()
            {
                changed.legend = LegendMode::Shown;
                commands.push(ViewCommand::Settings(changed));
            }
            return at;
        }
        // From a top corner it grows down as far as it needs; from a bottom
        // corner it stands on the height measured the frame before (egui
        // sizes a frame after drawing it).
        let height = match settings.legend_corner {
            Corner::TopLeft | Corner::TopRight => inner.height(),
            Corner::BottomLeft | Corner::BottomRight => self
                .legend_size
                .get()
                .map_or(inner.height(), |s| s.y.min(inner.height())),
        };
        let area = place(vec2(LEGEND_WIDTH.min(inner.width()), height));
        let mut child = ui.new_child(egui::UiBuilder::new().max_rect(area));
        let shown = egui::Frame::popup(child.style())
            .fill(Color32::from_rgba_unmultiplied(24, 26, 34, 225))
            .show(&mut child, |ui| {
                ui.set_max_width(LEGEND_WIDTH - 16.0);
                ui.horizontal(|ui| {
                    ui.label(egui::RichText::new("Legend").small().strong());
                    ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                        if ui
                            .small_button("Hide")
                            .on_hover_text("Hide the legend (pictures leave it out unless asked)")
                            .clicked()
                        {
                            changed.legend = LegendMode::Hidden;
                        }
                        if ui
                            .small_button("Move")
                            .on_hover_text("Move the legend to the next corner")
                            .clicked()
                        {
                            changed.legend_corner = settings.legend_corner.next();
                        }
                    });
                });
                egui::ScrollArea::vertical()
                    .max_height((inner.height() - 40.0).max(60.0))
                    .show(ui, |ui| self.legend_contents_ui(ui, input));
            });
        if changed != *settings {
            commands.push(ViewCommand::Settings(changed));
        }
        let drawn = shown.response.rect;
        self.legend_size.set(Some(drawn.size()));
        drawn
    }

    /// What the legend says: counts, node colours, tag rings, sizes and the
    /// link colours of the evidence shown. Drawn over the graph in the
    /// workbench and beside it in a picture that asks for it.
    pub fn legend_contents_ui(&self, ui: &mut egui::Ui, input: &GraphInput<'_>) {
        {
            {
                ui.set_max_width(LEGEND_WIDTH - 16.0);
                ui.spacing_mut().item_spacing.y = 1.0;
                let loaded = input.loaded;
                ui.label(
                    egui::RichText::new(format!(
                        "{} of {} accounts · {} links",
                        thousands(self.scene.visible_count as u64),
                        thousands(loaded.accounts.len() as u64),
                        thousands(self.scene.links_passing as u64)
                    ))
                    .small(),
                );
                for (i, name) in ["Evidence chain: shortest", "Evidence chain: strongest"]
                    .iter()
                    .enumerate()
                    .take(drawn_chains(input.chains).len())
                {
                    swatch_ui(ui, chain_color(i), name);
                }
                if self.scene.links_passing > self.scene.links.len() && input.settings.show_links {
                    ui.label(
                        egui::RichText::new(format!(
                            "drawing the {} strongest links",
                            thousands(self.scene.links.len() as u64)
                        ))
                        .small()
                        .weak(),
                    );
                }
                ui.separator();
                ui.label(
                    egui::RichText::new(format!("Nodes: {}", input.settings.color_by.label()))
                        .small()
                        .strong(),
                );
                match input.settings.color_by {
                    ColorBy::Campaign => {
                        let suspected: Vec<usize> = (0..loaded.campaigns.len())
                            .filter(|&k| loaded.campaigns[k].suspected)
                            .collect();
                        if suspected.is_empty() {
                            ui.label(egui::RichText::new("no suspected campaign").small().weak());
                        }
                        for &k in suspected.iter().take(8) {
                            swatch_ui(
                                ui,
                                palette::campaign_swatch(loaded, k),
                                &format!(
                                    "{} · {} accounts · score {:.2}",
                                    loaded.campaigns[k].id,
                                    thousands(loaded.campaign_members(k).len() as u64),
                                    loaded.campaigns[k].score
                                ),
                            );
                        }
                        if suspected.len() > 8 {
                            ui.label(
                                egui::RichText::new(format!(
                                    "and {} more suspected",
                                    suspected.len() - 8
                                ))
                                .small()
                                .weak(),
                            );
                        }
                        swatch_ui(ui, palette::CAMPAIGN_CLEARED, "campaign not suspected");
                        swatch_ui(ui, palette::NO_CAMPAIGN, "cluster in no campaign");
                        swatch_ui(ui, palette::NO_CAMPAIGN_LONE, "lone account");
                    }
                    ColorBy::Cluster => {
                        swatch_ui(ui, palette::cluster_color(0), "one colour per cluster");
                        swatch_ui(ui, palette::LONE, "lone account (no cluster)");
                    }
                    ColorBy::Score => {
                        for (s, label) in [
                            (0.0, "score 0"),
                            (0.5, "0.5 (suspect threshold)"),
                            (1.0, "1"),
                        ] {
                            swatch_ui(ui, palette::score_color(s), label);
                        }
                    }
                    ColorBy::Verdict => {
                        swatch_ui(ui, palette::SUSPECTED, "suspected distillation campaign");
                        swatch_ui(ui, palette::CLEARED, "cluster not suspected");
                        swatch_ui(ui, palette::LONE, "lone account");
                    }
                    // Listed below with the rings.
                    ColorBy::Tag => {}
                    ColorBy::Capability => {
                        let mut seen: Vec<&str> = loaded
                            .summary
                            .capabilities
                            .iter()
                            .map(|(n, _)| n.as_str())
                            .take(8)
                            .collect();
                        seen.sort_unstable();
                        for name in seen {
                            swatch_ui(ui, palette::capability_color(name), name);
                        }
                    }
                }
                if input.settings.color_by == ColorBy::Tag {
                    let labels = loaded.casework.labels();
                    if labels.is_empty() {
                        ui.label(egui::RichText::new("no tags yet").small().weak());
                    }
                    for (i, label) in labels.iter().enumerate().take(10) {
                        swatch_ui(ui, palette::tag_label_color(i), &for_drawing(label));
                    }
                    if labels.len() > 10 {
                        ui.label(
                            egui::RichText::new(format!("and {} more", labels.len() - 10))
                                .small()
                                .weak(),
                        );
                    }
                    swatch_ui(ui, palette::UNTAGGED, "untagged");
                }
                if !loaded.casework.tags.is_empty() {
                    ui.label(egui::RichText::new("Ring: analyst tag").small().strong());
                    for status in crate::case::casework::TagStatus::ALL {
                        ring_swatch_ui(ui, palette::tag_status_color(status), status.name());
                    }
                }
                if input.settings.size_by_volume {
                    ui.label(egui::RichText::new("size: exchanges (log)").small().weak());
                }
                if input.settings.show_links && !loaded.links.kind_names.is_empty() {
                    ui.separator();
                    ui.label(
                        egui::RichText::new("Links: strongest evidence")
                            .small()
                            .strong(),
                    );
                    let shown: Vec<&String> = loaded
                        .links
                        .kind_names
                        .iter()
                        .filter(|k| !input.settings.hidden_kinds.contains(*k))
                        .collect();
                    egui::Grid::new("legend_kinds")
                        .num_columns(2)
                        .spacing(vec2(6.0, 0.0))
                        .show(ui, |ui| {
                            for (i, name) in shown.iter().enumerate() {
                                swatch_ui(
                                    ui,
                                    palette::evidence_color_by_name(name),
                                    &name.replace('_', " "),
                                );
                                if i % 2 == 1 {
                                    ui.end_row();
                                }
                            }
                        });
                }
            }
        }
    }
}

fn ring_swatch_ui(ui: &mut egui::Ui, color: Color32, label: &str) {
    ui.horizontal(|ui| {
        let (r, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
        ui.painter()
            .circle_stroke(r.center(), 4.0, Stroke::new(1.6, color));
        ui.label(egui::RichText::new(label).small());
    });
}

fn swatch_ui(ui: &mut egui::Ui, color: Color32, label: &str) {
    ui.horizontal(|ui| {
        let (r, _) = ui.allocate_exact_size(vec2(10.0, 10.0), Sense::hover());
        ui.painter().circle_filled(r.center(), 4.5, color);
        ui.label(egui::RichText::new(label).small());
    });
}

fn node_color(loaded: &Loaded, labels: &[&str], mode: ColorBy, a: usize) -> Color32 {
    let cluster_index = loaded.cluster_of[a];
    let cluster = loaded.clusters.get(cluster_index as usize);
    let grouped = cluster.is_some_and(|c| c.members.len() >= 2);
    match mode {
        ColorBy::Campaign => match loaded.campaign_index.of_cluster(cluster_index as usize) {
            Some(k) => palette::campaign_swatch(loaded, k),
            None if grouped => palette::NO_CAMPAIGN,
            None => palette::NO_CAMPAIGN_LONE,
        },
        ColorBy::Cluster if grouped => palette::cluster_color(cluster_index as usize),
        ColorBy::Cluster => palette::LONE,
        ColorBy::Score => cluster.map_or(palette::LONE, |c| palette::score_color(c.score)),
        ColorBy::Verdict => match cluster {
            Some(c) if c.suspected => palette::SUSPECTED,
            Some(_) if grouped => palette::CLEARED,
            _ => palette::LONE,
        },
        ColorBy::Capability => loaded.accounts[a]
            .top_capability
            .as_deref()
            .map_or(palette::LONE, palette::capability_color),
        ColorBy::Tag => loaded
            .casework
            .tag_of(a as u32)
            .and_then(|t| labels.iter().position(|l| *l == t.label))
            .map_or(palette::UNTAGGED, palette::tag_label_color),
    }
}

fn hover_ui(ui: &mut egui::Ui, loaded: &Loaded, node: u32) {
    let Some(account) = loaded.accounts.get(node as usize) else {
        return;
    };
    ui.strong(for_drawing(&account.account_id));
    if let Some(org) = &account.org_name {
        ui.label(format!("Organization: {}", for_drawing(org)));
    }
    ui.label(format!(
        "{} exchanges · {}",
        thousands(account.exchanges),
        account.top_capability.as_deref().unwrap_or("no capability")
    ));
    if let Some(tag) = loaded.casework.tag_of(node) {
        ui.colored_label(
            palette::tag_status_color(tag.status),
            format!(
                "Tag: {} ({}, confidence {:.2})",
                tag.label,
                tag.status.name(),
                tag.confidence
            ),
        );
    }
    if let Some(k) = loaded.campaign_of_account(node) {
        let campaign = &loaded.campaigns[k];
        ui.colored_label(
            palette::campaign_swatch(loaded, k),
            format!(
                "{} {} (score {:.2})",
                if campaign.suspected {
                    "Suspected campaign"
                } else {
                    "Campaign"
                },
                campaign.id,
                campaign.score
            ),
        );
    }
    if let Some(c) = loaded.cluster_of_account(node) {
        ui.label(format!("Cluster {}", cluster_facts(c)));
        if let Some(top) = loaded.cluster_reasons.of(c).first() {
            ui.label(egui::RichText::new(&top.text).small());
        }
    }
    let links = &loaded.links;
    let strongest: Vec<(usize, u32)> = links
        .links
        .iter()
        .enumerate()
        .filter_map(|(i, &(a, b, _))| {
            (a == node || b == node).then_some((i, if a == node { b } else { a }))
        })
        .take(3)
        .collect();
    for (i, other) in strongest {
        let kinds: Vec<&str> = links
            .kind_names
            .iter()
            .enumerate()
            .filter(|(bit, _)| links.kinds[i] & (1 << bit) != 0)
            .map(|(_, k)| k.as_str())
            .collect();
        ui.label(
            egui::RichText::new(format!(
                "linked to {} ({:.2}): {}",
                loaded.account_name(other),
                links.links[i].2,
                kinds.join(", ").replace('_', " ")
            ))
            .small(),
        );
    }
    ui.label(
        egui::RichText::new("Click to inspect · double-click to focus its cluster")
            .small()
            .weak(),
    );
}

fn cell_of(p: [f32; 2]) -> (i32, i32) {
    (
        (p[0] / GRID_CELL).floor().clamp(-1e6, 1e6) as i32,
        (p[1] / GRID_CELL).floor().clamp(-1e6, 1e6) as i32,
    )
}

fn to_screen(camera: Camera, rect: Rect, p: [f32; 2]) -> Pos2 {
    rect.center() + (pos2(p[0], p[1]) - camera.center) * camera.scale
}

fn to_world(camera: Camera, rect: Rect, p: Pos2) -> Pos2 {
    camera.center + (p - rect.center()) / camera.scale
}

fn add_segment(mesh: &mut Mesh, p: Pos2, q: Pos2, width: f32, color: Color32) {
    let d = q - p;
    let len = d.length();
    if len < 0.5 {
        return;
    }
    let n = Vec2::new(-d.y, d.x) / len * (width / 2.0);
    add_quad(mesh, [p + n, p - n, q - n, q + n], color);
}

/// Two triangles over four corners given in order around the quad.
fn add_quad(mesh: &mut Mesh, corners: [Pos2; 4], color: Color32) {
    let base = mesh.vertices.len() as u32;
    for pos in corners {
        mesh.vertices.push(Vertex {
            pos,
            uv: WHITE_UV,
            color,
        });
    }
    mesh.indices
        .extend_from_slice(&[base, base + 1, base + 2, base, base + 2, base + 3]);
}

/// A filled dot: a square when tiny (indistinguishable at that size), a
/// polygon otherwise.
fn add_disc(mesh: &mut Mesh, c: Pos2, r: f32, color: Color32) {
    if r < 2.2 {
        let corners = [
            c + vec2(-r, -r),
            c + vec2(r, -r),
            c + vec2(r, r),
            c + vec2(-r, r),
        ];
        add_quad(mesh, corners, color);
        return;
    }
    let base = mesh.vertices.len() as u32;
    mesh.vertices.push(Vertex {
        pos: c,
        uv: WHITE_UV,
        color,
    });
    // A hexagon reads as a dot at graph sizes; zoomed in, rounder.
    let k: u32 = if r > 6.0 { 12 } else { 6 };
    for i in 0..k {
        let t = i as f32 / k as f32 * std::f32::consts::TAU;
        mesh.vertices.push(Vertex {
            pos: c + vec2(t.cos(), t.sin()) * r,
            uv: WHITE_UV,
            color,
        });
    }
    for i in 0..k {
        mesh.indices
            .extend_from_slice(&[base, base + 1 + i, base + 1 + (i + 1) % k]);
    }
}

/// The convex hull of `points`, counter-clockwise (Andrew's monotone
/// chain); one point for a single distinct point, empty for none.
fn convex_hull(mut points: Vec<Pos2>) -> Vec<Pos2> {
    points.retain(|p| p.x.is_finite() && p.y.is_finite());
    points.sort_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    points.dedup();
    if points.len() <= 2 {
        return points;
    }
    let cross = |o: Pos2, a: Pos2, b: Pos2| (a.x - o.x) * (b.y - o.y) - (a.y - o.y) * (b.x - o.x);
    let mut hull: Vec<Pos2> = Vec::with_capacity(2 * points.len());
    for pass in [false, true] {
        let start = hull.len();
        let ordered: Box<dyn Iterator<Item = &Pos2>> = if pass {
            Box::new(points.iter().rev())
        } else {
            Box::new(points.iter())
        };
        for &p in ordered {
            while hull.len() >= start + 2
                && cross(hull[hull.len() - 2], hull[hull.len() - 1], p) <= 0.0
            {
                hull.pop();
            }
            hull.push(p);
        }
        hull.pop();
    }
    hull
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn convex_hull_keeps_only_the_outer_corners_counter_clockwise() {
        let points = vec![
            pos2(0.0, 0.0),
            pos2(4.0, 0.0),
            pos2(4.0, 4.0),
            pos2(0.0, 4.0),
            pos2(2.0, 2.0),
            pos2(1.0, 3.0),
            pos2(2.0, 0.0),
            pos2(4.0, 4.0),
        ];
        let hull = convex_hull(points);
        assert_eq!(
            hull,
            vec![
                pos2(0.0, 0.0),
                pos2(4.0, 0.0),
                pos2(4.0, 4.0),
                pos2(0.0, 4.0)
            ]
        );
    }

    #[test]
    fn convex_hull_of_few_or_unusable_points_is_those_points() {
        assert!(convex_hull(Vec::new()).is_empty());
        assert_eq!(
            convex_hull(vec![pos2(1.0, 1.0), pos2(1.0, 1.0)]),
            vec![pos2(1.0, 1.0)]
        );
        assert_eq!(
            convex_hull(vec![pos2(f32::NAN, 0.0), pos2(2.0, 1.0), pos2(0.0, 0.0)]),
            vec![pos2(0.0, 0.0), pos2(2.0, 1.0)]
        );
        // Collinear points give the two ends.
        assert_eq!(
            convex_hull(vec![pos2(0.0, 0.0), pos2(1.0, 1.0), pos2(2.0, 2.0)]),
            vec![pos2(0.0, 0.0), pos2(2.0, 2.0)]
        );
    }
}
