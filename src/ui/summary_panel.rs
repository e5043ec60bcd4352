//! The case summary: what is in the case, over which time span, on which
//! models, and all traffic per hour. Read from the rollups only.

use egui::{Color32, RichText};

use super::app::{Command, Loaded};
use crate::logs::time::format_rfc3339_ms;

/// The case-summary panel.
#[derive(Default)]
pub struct SummaryPanel {}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl SummaryPanel {
    /// Draws the summary; returns a command for the shell, if any.
    pub fn ui(&mut self, ui: &mut egui::Ui, loaded: &Loaded) -> Option<Command> {
        let s = &loaded.summary;
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.heading("Case summary");
            ui.label(format!(
                "Format v{} · source: {}",
                s.format_version,
                s.source.as_deref().unwrap_or("unknown")
            ));
            ui.add_space(8.0);
            ui.horizontal(|ui| {
                for (label, value) in [
                    ("Accounts", s.accounts),
                    ("Exchanges", s.exchanges),
                    ("Events", s.events),
                    ("Partner indicators", s.indicators),
                ] {
                    ui.group(|ui| {
                        ui.vertical(|ui| {
                            ui.label(RichText::new(thousands(value)).size(22.0).strong());
                            ui.label(label);
                        });
                    });
                }
            });
            if let (Some(first), Some(last)) = (s.first_ms, s.last_ms) {
                ui.label(format!(
                    "Activity from {} to {} (UTC)",
                    format_rfc3339_ms(first),
                    format_rfc3339_ms(last)
                ));
            }
            ui.label(format!(
                "Tokens: {} in, {} out",
                thousands(s.input_tokens.max(0) as u64),
                thousands(s.output_tokens.max(0) as u64)
            ));
            ui.add_space(12.0);
            ui.strong("Requests per hour, all accounts (dates in UTC)");
            hourly_chart_ui(ui, &s.hourly, &s.events_list);
            ui.add_space(12.0);
            clusters_ui(ui, loaded);
            ui.add_space(12.0);
            ui.columns(3, |cols| {
                table_ui(&mut cols[0], "Models", "exchanges", &s.models);
                table_ui(&mut cols[1], "Capabilities", "exchanges", &s.capabilities);
                table_ui(&mut cols[2], "Access paths", "accounts", &s.access_paths);
            });
            ui.add_space(12.0);
            ui.strong("Most used prompt templates");
            egui::Grid::new("templates").striped(true).show(ui, |ui| {
                ui.label("SimHash");
                ui.label("exchanges");
                ui.label("accounts");
                ui.end_row();
                for (hex, exchanges, accounts) in &s.top_templates {
                    ui.monospace(hex);
                    ui.label(thousands(*exchanges));
                    ui.label(thousands(*accounts));
                    ui.end_row();
                }
            });
            ui.add_space(12.0);
            let (releases, bans): (Vec<_>, Vec<_>) = s
                .events_list
                .iter()
                .partition(|(_, kind, _)| kind != "account_banned");
            ui.strong(format!("Events ({} account bans not listed)", bans.len()));
            for (ts, kind, what) in releases {
                ui.label(format!("{} UTC  {kind}  {what}", format_rfc3339_ms(*ts)));
            }
        });
        None
    }
}

fn table_ui(ui: &mut egui::Ui, title: &str, unit: &str, rows: &[(String, u64)]) {
    ui.strong(title);
    egui::Grid::new(title).striped(true).show(ui, |ui| {
        for (name, n) in rows.iter().take(12) {
            ui.label(name);
            ui.label(format!("{} {unit}", thousands(*n)));
            ui.end_row();
        }
    });
}

/// A bar per hour, with model releases marked.
fn hourly_chart_ui(ui: &mut egui::Ui, hourly: &[(i64, u64)], events: &[(i64, String, String)]) {
    let width = ui.available_width().max(200.0);
    let (outer, response) = ui.allocate_exact_size(egui::vec2(width, 160.0), egui::Sense::hover());
    // The bottom strip holds the UTC date labels.
    let rect = egui::Rect::from_min_max(outer.min, egui::pos2(outer.max.x, outer.max.y - 18.0));
    let painter = ui.painter_at(outer);
    painter.rect_filled(rect, 2.0, ui.visuals().extreme_bg_color);
    let (Some(first), Some(last)) = (hourly.first(), hourly.last()) else {
        painter.text(
            rect.center(),
            egui::Align2::CENTER_CENTER,
            "no exchanges",
            egui::FontId::default(),
            Color32::GRAY,
        );
        return;
    };
    let span = (last.0 - first.0 + 1).max(1) as f32;
    let max = hourly.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1) as f32;
    let bar_w = (rect.width() / span).max(1.0);
    let x_of = |hour: i64| rect.left() + (hour - first.0) as f32 / span * rect.width();
    for (hour, n) in hourly {
        let h = *n as f32 / max * (rect.height() - 16.0);
        let x = x_of(*hour);
        painter.rect_filled(
            egui::Rect::from_min_max(
                egui::pos2(x, rect.bottom() - h),
                egui::pos2(x + bar_w, rect.bottom()),
            ),
            0.0,
            Color32::from_rgb(90, 140, 200),
        );
    }
    day_ticks_ui(
        &painter,
        rect,
        first.0,
        span,
        ui.visuals().weak_text_color(),
    );
    for (ts, kind, what) in events {
        if kind == "model_release" {
            let hour = ts.div_euclid(3_600_000);
            if hour >= first.0 && hour <= last.0 {
                let x = x_of(hour);
                painter.line_segment(
                    [egui::pos2(x, rect.top()), egui::pos2(x, rect.bottom())],
                    egui::Stroke::new(1.5, Color32::from_rgb(230, 120, 40)),
                );
                painter.text(
                    egui::pos2(x + 3.0, rect.top() + 2.0),
                    egui::Align2::LEFT_TOP,
                    what,
                    egui::FontId::proportional(11.0),
                    Color32::from_rgb(230, 120, 40),
                );
            }
        }
    }
    if let Some(pos) = response.hover_pos() {
        let hour = first.0 + ((pos.x - rect.left()) / rect.width() * span) as i64;
        let n = hourly
            .iter()
            .find(|(h, _)| *h == hour)
            .map_or(0, |(_, n)| *n);
        response.on_hover_text(format!(
            "{} UTC: {n} requests",
            format_rfc3339_ms(hour * 3_600_000)
        ));
    }
}

/// Day boundaries under an hourly chart, labelled `MM-DD` in UTC, thinned so
/// labels never overlap.
fn day_ticks_ui(
    painter: &egui::Painter,
    rect: egui::Rect,
    first_hour: i64,
    span_hours: f32,
    color: Color32,
) {
    let px_per_day = rect.width() / span_hours * 24.0;
    let every_days = [1, 2, 7, 14, 28, 56]
        .into_iter()
        .find(|d| px_per_day * *d as f32 >= 48.0)
        .unwrap_or(91);
    let first_day = first_hour.div_euclid(24) + 1;
    let last_day = (first_hour + span_hours as i64).div_euclid(24);
    for day in first_day..=last_day {
        let x = rect.left() + ((day * 24 - first_hour) as f32 / span_hours) * rect.width();
        painter.line_segment(
            [
                egui::pos2(x, rect.bottom()),
                egui::pos2(x, rect.bottom() + 4.0),
            ],
            egui::Stroke::new(1.0, color),
        );
        if (day - first_day) % every_days == 0 {
            let (_, month, dom) = crate::logs::time::civil_from_days(day);
            painter.text(
                egui::pos2(x, rect.bottom() + 5.0),
                egui::Align2::CENTER_TOP,
                format!("{month:02}-{dom:02}"),
                egui::FontId::proportional(11.0),
                color,
            );
        }
    }
}

/// The stored analysis: suspected clusters first, each with its score and
/// the two strongest reasons.
fn clusters_ui(ui: &mut egui::Ui, loaded: &Loaded) {
    let Some(clusters) = &loaded.clusters else {
        ui.strong("Clusters");
        ui.label(
            "Not analysed yet: run `hydrascope analyze` on this case to find suspected campaigns",
        );
        return;
    };
    let suspected: Vec<_> = clusters.iter().filter(|c| c.suspected).collect();
    let flagged: usize = suspected.iter().map(|c| c.members.len()).sum();
    ui.strong(format!(
        "Suspected distillation campaigns: {} clusters, {} accounts (of {} clusters)",
        suspected.len(),
        thousands(flagged as u64),
        thousands(clusters.len() as u64)
    ));
    egui::Grid::new("clusters")
        .striped(true)
        .num_columns(5)
        .show(ui, |ui| {
            for heading in [
                "Cluster",
                "Score",
                "Accounts",
                "Exchanges",
                "Strongest evidence",
            ] {
                ui.label(RichText::new(heading).strong());
            }
            ui.end_row();
            for c in clusters.iter().take(12) {
                ui.monospace(&c.id);
                let score = RichText::new(format!("{:.2}", c.score));
                ui.label(if c.suspected {
                    score.color(Color32::from_rgb(230, 90, 70)).strong()
                } else {
                    score
                });
                let first = c
                    .members
                    .first()
                    .and_then(|&a| loaded.account_ids.get(a as usize));
                ui.label(format!(
                    "{} ({})",
                    thousands(c.members.len() as u64),
                    first.map_or("", String::as_str)
                ));
                ui.label(thousands(c.exchanges));
                let reasons: Vec<crate::analysis::Reason> =
                    serde_json::from_str(&c.reasons_json).unwrap_or_default();
                let text: Vec<String> = reasons
                    .iter()
                    .take(2)
                    .map(|r| format!("{}: {}", r.indicator, r.text))
                    .collect();
                // Wrap in the room left of the panel, not past its edge.
                ui.add(egui::Label::new(text.join("\n")).wrap_mode(egui::TextWrapMode::Wrap));
                ui.end_row();
            }
        });
}
