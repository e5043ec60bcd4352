//! The timeline under the workbench: all requests per hour, with model
//! releases marked and dates in UTC.

use egui::Color32;

use super::app::Loaded;
use crate::logs::time::format_rfc3339_ms;

/// The timeline panel.
#[derive(Default)]
pub struct Timeline {}

impl Timeline {
    /// Draws the hourly chart of all traffic.
    pub fn ui(&mut self, ui: &mut egui::Ui, loaded: &Loaded) {
        let s = &loaded.summary;
        ui.strong("Requests per hour, all accounts (dates in UTC)");
        hourly_chart_ui(ui, &s.hourly, &s.events_list);
    }
}

/// A bar per hour, with model releases marked.
fn hourly_chart_ui(ui: &mut egui::Ui, hourly: &[(i64, u64)], events: &[(i64, String, String)]) {
    let width = ui.available_width().max(200.0);
    let (outer, response) = ui.allocate_exact_size(
        egui::vec2(width, (ui.available_height() - 4.0).max(80.0)),
        egui::Sense::hover(),
    );
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
