//! Colours shared by the graph, its legend, the timelines and the
//! inspector, so one thing has one colour everywhere.

use crate::case::casework::TagStatus;
use egui::Color32;

use super::model::Loaded;
use crate::analysis::EvidenceKind;

/// Accounts outside any cluster of two or more.
pub const LONE: Color32 = Color32::from_rgb(120, 126, 138);
/// A suspected cluster (verdict colouring, badges).
pub const SUSPECTED: Color32 = Color32::from_rgb(228, 86, 64);
/// A cluster the tool does not suspect.
pub const CLEARED: Color32 = Color32::from_rgb(96, 150, 200);
/// Model-release markers.
pub const RELEASE: Color32 = Color32::from_rgb(240, 160, 40);
/// Account-ban markers.
pub const BAN: Color32 = Color32::from_rgb(200, 70, 200);
/// The selection's series on the timelines.
pub const SELECTION: Color32 = Color32::from_rgb(240, 110, 60);
/// The shortest chain of evidence links drawn over the graph.
pub const CHAIN_SHORTEST: Color32 = Color32::from_rgb(250, 214, 60);
/// The strongest chain of evidence links drawn over the graph.
pub const CHAIN_STRONGEST: Color32 = Color32::from_rgb(70, 220, 230);
/// An account no tag covers (colour by tag).
pub const UNTAGGED: Color32 = Color32::from_rgb(70, 76, 88);
/// A campaign the tool does not suspect (colour by campaign).
pub const CAMPAIGN_CLEARED: Color32 = Color32::from_rgb(80, 118, 168);
/// A cluster in no campaign (colour by campaign): there, but quiet.
pub const NO_CAMPAIGN: Color32 = Color32::from_rgb(92, 98, 112);
/// A lone account (colour by campaign): quieter still.
pub const NO_CAMPAIGN_LONE: Color32 = Color32::from_rgb(58, 62, 72);
/// All traffic on the timelines.
pub const ALL_TRAFFIC: Color32 = Color32::from_rgb(110, 150, 210);

/// The outline of an account under an analyst's tag, by the tag's status.
pub fn tag_status_color(status: TagStatus) -> Color32 {
    match status {
        TagStatus::Confirmed => Color32::from_rgb(255, 72, 72),
        TagStatus::Open => Color32::from_rgb(255, 196, 40),
        TagStatus::Dismissed => Color32::from_rgb(150, 160, 175),
    }
}

/// The colour of tag label number `i` (of the sorted distinct labels).
pub fn tag_label_color(i: usize) -> Color32 {
    cluster_color(i * 3 + 1)
}

/// The colour of the suspected campaign ranked `rank` (0: highest score):
/// a few vivid colours that read apart on the dark graph, then
/// golden-angle hues.
pub fn campaign_color(rank: usize) -> Color32 {
    const COLORS: [Color32; 8] = [
        Color32::from_rgb(242, 92, 70),
        Color32::from_rgb(250, 184, 48),
        Color32::from_rgb(206, 104, 236),
        Color32::from_rgb(72, 214, 150),
        Color32::from_rgb(255, 128, 182),
        Color32::from_rgb(110, 232, 240),
        Color32::from_rgb(196, 232, 84),
        Color32::from_rgb(255, 150, 92),
    ];
    COLORS
        .get(rank)
        .copied()
        .unwrap_or_else(|| hsl((rank as f32 * 0.618_034).fract(), 0.75, 0.6))
}

/// A distinct colour for cluster number `i` (golden-angle hues).
pub fn cluster_color(i: usize) -> Color32 {
    let hue = (i as f32 * 0.618_034).fract();
    let lightness = if i.is_multiple_of(2) { 0.62 } else { 0.52 };
    hsl(hue, 0.65, lightness)
}

/// Score 0 → cool blue, 0.5 → yellow, 1 → red.
pub fn score_color(score: f64) -> Color32 {
    let t = score.clamp(0.0, 1.0) as f32;
    let stops = [
        (0.0, [70.0, 110.0, 170.0]),
        (0.5, [235.0, 200.0, 70.0]),
        (1.0, [225.0, 60.0, 50.0]),
    ];
    let (a, b) = if t <= 0.5 {
        (stops[0], stops[1])
    } else {
        (stops[1], stops[2])
    };
    let f = (t - a.0) / (b.0 - a.0);
    let mix = |i: usize| (a.1[i] + (b.1[i] - a.1[i]) * f) as u8;
    Color32::from_rgb(mix(0), mix(1), mix(2))
}

/// The colour of a capability label.
pub fn capability_color(name: &str) -> Color32 {
    let index = crate::logs::Capability::ALL
        .iter()
        .position(|c| c.as_str() == name)
        .unwrap_or(usize::MAX / 2);
    if index == usize::MAX / 2 {
        return LONE;
    }
    hsl((index as f32 * 0.13 + 0.02).fract(), 0.6, 0.58)
}

/// The colour of links carrying a kind of evidence.
pub fn evidence_color(kind: EvidenceKind) -> Color32 {
    match kind {
        EvidenceKind::Card => Color32::from_rgb(235, 80, 80),
        EvidenceKind::SignupIp => Color32::from_rgb(240, 150, 60),
        EvidenceKind::RequestIp => Color32::from_rgb(220, 190, 70),
        EvidenceKind::Prefix => Color32::from_rgb(170, 160, 110),
        EvidenceKind::ClientFingerprint => Color32::from_rgb(90, 190, 170),
        EvidenceKind::EmailDomain => Color32::from_rgb(200, 120, 210),
        EvidenceKind::TemplateFamily => Color32::from_rgb(100, 170, 240),
        EvidenceKind::Synchrony => Color32::from_rgb(130, 220, 110),
        EvidenceKind::SignupBurst => Color32::from_rgb(250, 120, 170),
        EvidenceKind::Indicator => Color32::from_rgb(255, 255, 255),
        EvidenceKind::Cohort => Color32::from_rgb(150, 130, 250),
        EvidenceKind::HandOff => Color32::from_rgb(250, 200, 120),
    }
}

/// The colour of an evidence kind by name (grey for unknown names).
pub fn evidence_color_by_name(name: &str) -> Color32 {
    EvidenceKind::parse(name).map_or(LONE, evidence_color)
}

/// Distinct colours for series number `i` (models on the timelines).
pub fn series_color(i: usize) -> Color32 {
    const COLORS: [Color32; 8] = [
        Color32::from_rgb(110, 150, 210),
        Color32::from_rgb(240, 160, 40),
        Color32::from_rgb(120, 200, 120),
        Color32::from_rgb(210, 110, 200),
        Color32::from_rgb(230, 90, 80),
        Color32::from_rgb(90, 200, 200),
        Color32::from_rgb(200, 200, 90),
        Color32::from_rgb(160, 160, 160),
    ];
    COLORS[i % COLORS.len()]
}

fn hsl(h: f32, s: f32, l: f32) -> Color32 {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let hp = h * 6.0;
    let x = c * (1.0 - (hp % 2.0 - 1.0).abs());
    let (r, g, b) = match hp as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    let m = l - c / 2.0;
    let to = |v: f32| ((v + m) * 255.0).round().clamp(0.0, 255.0) as u8;
    Color32::from_rgb(to(r), to(g), to(b))
}

/// The colour campaign index `campaign` has in the graph (colour by
/// campaign).
pub fn campaign_swatch(loaded: &Loaded, campaign: usize) -> egui::Color32 {
    match loaded
        .campaign_index
        .suspected_rank
        .get(campaign)
        .copied()
        .flatten()
    {
        Some(rank) => campaign_color(rank),
        None => CAMPAIGN_CLEARED,
    }
}
