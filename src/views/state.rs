//! What the analyst is looking at: the view settings (remembered between
//! sessions) and the selection, filters and time range of the open case.
//! Panels read this; only the shell changes it, by applying commands.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

/// Which chart is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chart {
    /// Requests per hour.
    #[default]
    Requests,
    /// Tokens per hour.
    Tokens,
    /// Share of traffic per model, with release and ban markers.
    ModelMix,
    /// Accounts created per day.
    Creations,
    /// Requests by hour of day and day.
    HeatMap,
}

impl Chart {
    /// Every chart, in tab order.
    pub const ALL: [Chart; 5] = [
        Chart::Requests,
        Chart::Tokens,
        Chart::ModelMix,
        Chart::Creations,
        Chart::HeatMap,
    ];

    /// The chart's name, as its tab and a picture's caption say it.
    pub fn label(self) -> &'static str {
        match self {
            Chart::Requests => "Requests / hour",
            Chart::Tokens => "Tokens / hour",
            Chart::ModelMix => "Model mix",
            Chart::Creations => "Account creations",
            Chart::HeatMap => "Hour × day heat map",
        }
    }
}

/// How graph nodes are coloured.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ColorBy {
    /// One colour per suspected campaign; other campaigns and clusters
    /// muted.
    #[default]
    Campaign,
    /// One colour per cluster of two or more accounts.
    Cluster,
    /// The cluster's distillation score.
    Score,
    /// The tool's verdict on the cluster.
    Verdict,
    /// The account's dominant capability.
    Capability,
    /// The analyst's tag (campaign) covering the account.
    Tag,
}

impl ColorBy {
    /// Every mode, in menu order.
    pub const ALL: [ColorBy; 6] = [
        ColorBy::Campaign,
        ColorBy::Cluster,
        ColorBy::Score,
        ColorBy::Verdict,
        ColorBy::Capability,
        ColorBy::Tag,
    ];

    /// Label in menus and the legend.
    pub fn label(self) -> &'static str {
        match self {
            ColorBy::Campaign => "Campaign",
            ColorBy::Cluster => "Cluster",
            ColorBy::Score => "Score",
            ColorBy::Verdict => "Verdict",
            ColorBy::Capability => "Dominant capability",
            ColorBy::Tag => "Analyst tag",
        }
    }
}

/// The bottom panel's tab.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum BottomTab {
    /// The campaign table: what the analyst sees first.
    #[default]
    Campaigns,
    /// The timelines.
    Timelines,
    /// The cluster table.
    Clusters,
    /// The selection's account journeys.
    Journeys,
    /// Where requests come from.
    Networks,
    /// The audit log.
    History,
    /// Saved views and the analysts' notes.
    Notes,
}

/// View settings, remembered between sessions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ViewSettings {
    /// Node colour.
    pub color_by: ColorBy,
    /// Node size by exchange volume (else all equal).
    pub size_by_volume: bool,
    /// Evidence kinds whose links are hidden.
    pub hidden_kinds: BTreeSet<String>,
    /// Links lighter than this are hidden.
    pub min_link_weight: f32,
    /// Only accounts in suspected clusters.
    pub suspected_only: bool,
    /// Show accounts with no links.
    pub show_unlinked: bool,
    /// Draw links at all.
    pub show_links: bool,
    /// Outline and name the suspected campaigns (and the selected one) in
    /// the graph.
    pub campaign_outlines: bool,
    /// The bottom panel's tab.
    pub bottom_tab: BottomTab,
    /// The analyst's name, written with every tag and edit (asked once).
    pub analyst: String,
    /// Whether the graph's legend is shown over the graph (else only a
    /// small "Legend" button in its corner).
    pub legend: LegendMode,
    /// The graph's corner the legend sits in.
    pub legend_corner: Corner,
}

/// Whether the graph's legend is shown over the graph.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LegendMode {
    /// Shown when the graph has room for it beside the groups (at least
    /// [`LegendMode::ROOM`] points), else folded to a button.
    #[default]
    Auto,
    /// Always shown.
    Shown,
    /// Folded to a button.
    Hidden,
}

impl LegendMode {
    /// The graph size (points) from which [`LegendMode::Auto`] shows it.
    pub const ROOM: [f32; 2] = [900.0, 560.0];

    /// Whether the legend is shown on a graph of `size` points.
    pub fn shown(self, size: [f32; 2]) -> bool {
        match self {
            LegendMode::Auto => size[0] >= Self::ROOM[0] && size[1] >= Self::ROOM[1],
            LegendMode::Shown => true,
            LegendMode::Hidden => false,
        }
    }
}

/// A corner of a view.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Corner {
    /// Top left.
    #[default]
    TopLeft,
    /// Top right.
    TopRight,
    /// Bottom right.
    BottomRight,
    /// Bottom left.
    BottomLeft,
}

impl Corner {
    /// The next corner clockwise.
    pub fn next(self) -> Self {
        match self {
            Corner::TopLeft => Corner::TopRight,
            Corner::TopRight => Corner::BottomRight,
            Corner::BottomRight => Corner::BottomLeft,
            Corner::BottomLeft => Corner::TopLeft,
        }
    }
}

impl Default for ViewSettings {
    fn default() -> Self {
        Self {
            color_by: ColorBy::Campaign,
            size_by_volume: true,
            hidden_kinds: BTreeSet::new(),
            min_link_weight: 0.0,
            suspected_only: false,
            show_unlinked: true,
            show_links: true,
            campaign_outlines: true,
            bottom_tab: BottomTab::Campaigns,
            analyst: String::new(),
            legend: LegendMode::Auto,
            legend_corner: Corner::TopLeft,
        }
    }
}

/// The selection and filters of the open case.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CaseView {
    /// The selected campaign (index into the campaigns).
    pub campaign: Option<usize>,
    /// The selected cluster (index into the clusters).
    pub cluster: Option<usize>,
    /// The selected account (index).
    pub account: Option<u32>,
    /// Accounts selected by box or search (indices, ascending).
    pub accounts: Vec<u32>,
    /// Only this cluster and its one-hop neighbours are shown.
    pub focus: Option<usize>,
    /// Only the selected accounts are shown (the rest hidden).
    pub isolate: bool,
    /// Brushed hour range (inclusive, hours since the epoch, UTC).
    pub time_range: Option<(i64, i64)>,
    /// Accounts active in `time_range`, once the worker has answered.
    pub active_in_range: Option<Vec<bool>>,
    /// The search text.
    pub search: String,
    /// Accounts the search found (indices, ascending).
    pub search_hits: Vec<u32>,
}
