//! The timelines under the graph (egui_plot): requests per hour, tokens per
//! hour, the model mix with release and ban markers, account creations per
//! day, and an hour-of-day × day heat map; each for the selection above
//! and all traffic below, on one linked UTC time axis. Dragging across a
//! time plot brushes a range: the shell keeps only accounts active then.

use std::collections::BTreeSet;

use egui::{Color32, RichText};
use egui_plot::{FilledArea, GridInput, GridMark, Line, Plot, PlotPoints, Span, VLine};

use super::command::ViewCommand;
use super::model::Loaded;
use super::palette;
use super::series::SelectionSeries;
use super::state::CaseView;
pub use super::state::Chart;
use crate::base::text::thousands;
use crate::base::time::{civil_from_days, format_rfc3339_ms};
use crate::case::workbench::HourTraffic;

/// What the timelines show this frame.
pub struct TimelineInput<'a> {
    /// The open case.
    pub loaded: &'a Loaded,
    /// Selection, time range.
    pub view: &'a CaseView,
    /// What the selection is called ("cluster c17", "3 accounts"), if any.
    pub selection_label: Option<String>,
    /// The accounts described.
    pub selection: &'a [u32],
    /// The selection's series, once the worker has answered.
    pub series: Option<&'a SelectionSeries>,
    /// Drawing a picture (for a briefing): the chart's name instead of the
    /// chart picker.
    pub picture: bool,
}

/// The timeline panel.
#[derive(Default)]
pub struct Timeline {
    /// The chart shown.
    pub chart: Chart,
    /// Brush start (hour), while dragging.
    brush_start: Option<f64>,
    brush_now: Option<f64>,
    /// Where the timelines were drawn last (points), header included.
    pub last_rect: Option<egui::Rect>,
    /// Accounts created per day, of the case and of the selection, kept
    /// while the creation times they count are the same (building the
    /// count over every account is too much for every frame at seed scale;
    /// hashing the times is not).
    creations_all: Option<(u64, Vec<[f64; 2]>)>,
    creations_selection: Option<(u64, Vec<[f64; 2]>)>,
}

/// Accounts created per day from `created`, reused from `slot` when the
/// times are the same as last time.
fn creations_cached(
    slot: &mut Option<(u64, Vec<[f64; 2]>)>,
    created: impl Iterator<Item = i64> + Clone,
) -> Vec<[f64; 2]> {
    use std::hash::{Hash, Hasher};
    let mut hasher = rustc_hash::FxHasher::default();
    for ms in created.clone() {
        ms.hash(&mut hasher);
    }
    let key = hasher.finish();
    match slot {
        Some((k, days)) if *k == key => days.clone(),
        _ => {
            let days = creations_per_day(created);
            *slot = Some((key, days.clone()));
            days
        }
    }
}

impl Timeline {
    /// Draws the chart picker and the chart; returns a time-range command
    /// when a brush ends.
    pub fn ui(&mut self, ui: &mut egui::Ui, input: &TimelineInput<'_>) -> Vec<ViewCommand> {
        let mut commands = Vec::new();
        // The selection's name as drawn (a tag label may be a megabyte).
        let selection_label: Option<String> = input
            .selection_label
            .as_deref()
            .map(|l| crate::base::text::for_drawing(l).into_owned());
        self.last_rect = Some(ui.available_rect_before_wrap());
        // Wraps, so a long selection name (a cluster with its tag) is read
        // whole rather than cut at the panel's edge.
        ui.horizontal_wrapped(|ui| {
            if input.picture {
                ui.label(RichText::new(self.chart.label()).strong());
            } else {
                for chart in Chart::ALL {
                    ui.selectable_value(&mut self.chart, chart, chart.label());
                }
            }
            ui.separator();
            ui.label(RichText::new("times in UTC").weak());
            match &selection_label {
                Some(label) if input.series.is_none() => {
                    ui.spinner();
                    ui.label(format!("reading {label}…"));
                }
                Some(label) => {
                    whole_label_ui(ui, RichText::new(label.clone()).color(palette::SELECTION));
                }
                None => {
                    whole_label_ui(
                        ui,
                        RichText::new("select a campaign or cluster to compare").weak(),
                    );
                }
            }
            whole_label_ui(ui, RichText::new("all traffic").color(palette::ALL_TRAFFIC));
        });
        let loaded = input.loaded;
        let Some(span) = hour_span(&loaded.hourly) else {
            ui.label("No exchanges in this case");
            return commands;
        };
        let brushed = self.current_brush().or(input
            .view
            .time_range
            .map(|(a, b)| (a as f64, b as f64 + 1.0)));
        match self.chart {
            Chart::Requests | Chart::Tokens => {
                let tokens = self.chart == Chart::Tokens;
                let value = |h: &HourTraffic| {
                    if tokens {
                        h.tokens as f64
                    } else {
                        h.exchanges as f64
                    }
                };
                let unit = if tokens { "tokens" } else { "requests" };
                let selection: Option<Vec<[f64; 2]>> = input
                    .series
                    .map(|s| s.hourly.iter().map(|h| [h.hour as f64, value(h)]).collect());
                let all: Vec<[f64; 2]> = loaded
                    .hourly
                    .iter()
                    .map(|h| [h.hour as f64, value(h)])
                    .collect();
                let height = plot_height(ui, input.selection_label.is_some());
                if let Some(points) = selection {
                    let name = selection_label.clone().unwrap_or_default();
                    self.time_plot_ui(ui, "sel", height, span, brushed, &mut commands, |plot_ui| {
                        plot_ui.line(
                            Line::new(format!("{name}: {unit}"), PlotPoints::from(points))
                                .color(palette::SELECTION)
                                .fill(0.0),
                        );
                    });
                }
                self.time_plot_ui(ui, "all", height, span, brushed, &mut commands, |plot_ui| {
                    plot_ui.line(
                        Line::new(format!("all traffic: {unit}"), PlotPoints::from(all))
                            .color(palette::ALL_TRAFFIC)
                            .fill(0.0),
                    );
                });
            }
            Chart::ModelMix => {
                // The key above the plots, never over them.
                model_mix_key(ui, loaded);
                let height = plot_height(ui, input.selection_label.is_some());
                let banned: BTreeSet<&str> = input
                    .selection
                    .iter()
                    .filter_map(|&a| loaded.accounts.get(a as usize))
                    .map(|a| a.account_id.as_str())
                    .collect();
                if let Some(series) = input.series {
                    let rows: Vec<(u32, i64, u64)> = series.model_hourly.clone();
                    let name = selection_label.clone().unwrap_or_default();
                    if rows.is_empty() {
                        ui.label(
                            RichText::new(format!(
                                "{name}: the model mix over time is kept per cluster of two or more accounts; select one \
                                 (or re-run the analysis if this case was analysed before format 4)"
                            ))
                            .weak(),
                        );
                    } else {
                        let summary = &loaded.summary;
                        self.time_plot_ui(
                            ui,
                            "sel",
                            height,
                            span,
                            brushed,
                            &mut commands,
                            |plot_ui| {
                                model_mix_items(plot_ui, &loaded.model_names, &rows, &name);
                                event_markers(plot_ui, summary, Some(&banned), span);
                            },
                        );
                    }
                }
                let rows: Vec<(u32, i64, u64)> = loaded
                    .model_hourly
                    .iter()
                    .map(|&(m, h, e, _)| (m, h, e))
                    .collect();
                let summary = &loaded.summary;
                self.time_plot_ui(
                    ui,
                    "all-mix",
                    height,
                    span,
                    brushed,
                    &mut commands,
                    |plot_ui| {
                        model_mix_items(plot_ui, &loaded.model_names, &rows, "all traffic");
                        event_markers(plot_ui, summary, None, span);
                    },
                );
            }
            Chart::Creations => {
                let height = plot_height(ui, input.selection_label.is_some());
                if input.selection_label.is_some() {
                    let days = creations_cached(
                        &mut self.creations_selection,
                        input
                            .selection
                            .iter()
                            .filter_map(|&a| loaded.accounts.get(a as usize))
                            .map(|a| a.created_ms),
                    );
                    self.time_plot_ui(ui, "sel", height, span, brushed, &mut commands, |plot_ui| {
                        plot_ui.line(
                            Line::new(
                                "selection: accounts created per day",
                                PlotPoints::from(days),
                            )
                            .color(palette::SELECTION)
                            .fill(0.0),
                        );
                    });
                }
                let days = creations_cached(
                    &mut self.creations_all,
                    loaded.accounts.iter().map(|a| a.created_ms),
                );
                self.time_plot_ui(ui, "all", height, span, brushed, &mut commands, |plot_ui| {
                    plot_ui.line(
                        Line::new("all accounts created per day", PlotPoints::from(days))
                            .color(palette::ALL_TRAFFIC)
                            .fill(0.0),
                    );
                });
            }
            Chart::HeatMap => {
                let (hourly, label) = match input.series {
                    Some(s) => (&s.hourly, selection_label.clone().unwrap_or_default()),
                    None => (&loaded.hourly, "all traffic".to_string()),
                };
                heat_map_ui(ui, hourly, &label);
            }
        }
        commands
    }

    fn current_brush(&self) -> Option<(f64, f64)> {
        let (a, b) = (self.brush_start?, self.brush_now?);
        Some((a.min(b), a.max(b)))
    }

    /// One time plot: hours since the epoch on x, labelled as UTC dates;
    /// dragging brushes a range (wheel zooms, double-click resets).
    #[allow(clippy::too_many_arguments)]
    fn time_plot_ui<'a>(
        &mut self,
        ui: &mut egui::Ui,
        id: &str,
        height: f32,
        span: (f64, f64),
        brushed: Option<(f64, f64)>,
        commands: &mut Vec<ViewCommand>,
        add: impl FnOnce(&mut egui_plot::PlotUi<'a>) + 'a,
    ) {
        let link = ui.make_persistent_id("timeline-x");
        // No legend inside a plot: the model mix's key is a row above
        // the plots ([`model_mix_key`]), the other charts have one series
        // each and say so in their titles and hover text.
        let plot = Plot::new(("timeline", id)).height(height);
        let response = plot
            .link_axis(link, [true, false])
            .link_cursor(link, [true, false])
            .allow_drag(false)
            .allow_boxed_zoom(false)
            .allow_zoom([true, false])
            .allow_scroll([true, false])
            .include_x(span.0)
            .include_x(span.1)
            .include_y(0.0)
            .x_grid_spacer(hour_grid)
            .x_axis_formatter(|mark, _range| hour_label(mark.value, mark.step_size))
            .y_axis_min_width(48.0)
            .label_formatter(|hover| {
                let (name, point) = match hover {
                    egui_plot::HoverPosition::NearDataPoint {
                        plot_name,
                        position,
                        ..
                    } => (*plot_name, *position),
                    egui_plot::HoverPosition::Elsewhere { position, .. } => ("", *position),
                };
                let when = format_rfc3339_ms((point.x.floor() as i64) * 3_600_000);
                Some(format!(
                    "{name}\n{} UTC\n{:.0}",
                    &when[..16.min(when.len())],
                    point.y
                ))
            })
            .show(ui, move |plot_ui| {
                if let Some((a, b)) = brushed {
                    plot_ui.span(
                        Span::new("time range", a..=b)
                            .fill(Color32::from_rgba_unmultiplied(255, 255, 255, 18))
                            .border_color(Color32::from_gray(160)),
                    );
                }
                add(plot_ui);
                plot_ui.pointer_coordinate()
            });
        let pointer = response.inner;
        let r = &response.response;
        if r.drag_started() {
            self.brush_start = pointer.map(|p| p.x);
            self.brush_now = self.brush_start;
        } else if r.dragged() {
            if let Some(p) = pointer {
                self.brush_now = Some(p.x);
            }
        } else if r.drag_stopped() {
            if let Some((a, b)) = self.current_brush()
                && b - a >= 1.0
            {
                commands.push(ViewCommand::SetTimeRange(Some((
                    a.floor() as i64,
                    b.ceil() as i64 - 1,
                ))));
            }
            self.brush_start = None;
            self.brush_now = None;
        }
    }
}

/// Two plots share the height when there is a selection to compare.
fn plot_height(ui: &egui::Ui, two: bool) -> f32 {
    let available = ui.available_height() - 4.0;
    if two {
        available / 2.0 - 2.0
    } else {
        available
    }
    .max(60.0)
}

fn hour_span(hourly: &[HourTraffic]) -> Option<(f64, f64)> {
    Some((
        hourly.first()?.hour as f64,
        hourly.last()?.hour as f64 + 1.0,
    ))
}

/// Grid marks at whole hours, days or weeks, about eight across.
fn hour_grid(input: GridInput) -> Vec<GridMark> {
    let (lo, hi) = input.bounds;
    let width = (hi - lo).max(1.0);
    let steps = [1.0, 3.0, 6.0, 12.0, 24.0, 48.0, 168.0, 336.0, 672.0, 1344.0];
    let step = steps
        .into_iter()
        .find(|s| width / s <= 10.0)
        .unwrap_or(2688.0);
    let mut marks = Vec::new();
    let mut v = (lo / step).floor() * step;
    while v <= hi && marks.len() < 200 {
        if v >= lo {
            marks.push(GridMark {
                value: v,
                step_size: step,
            });
        }
        v += step;
    }
    marks
}

/// `MM-DD` for day steps, `MM-DD HH:00` for hour steps (UTC).
fn hour_label(hours: f64, step: f64) -> String {
    let hour = hours.round() as i64;
    let (_, month, day) = civil_from_days(hour.div_euclid(24));
    if step >= 24.0 {
        format!("{month:02}-{day:02}")
    } else {
        format!("{month:02}-{day:02} {:02}:00", hour.rem_euclid(24))
    }
}

fn creations_per_day(created: impl Iterator<Item = i64>) -> Vec<[f64; 2]> {
    let mut days: std::collections::BTreeMap<i64, u64> = std::collections::BTreeMap::new();
    for ms in created {
        *days.entry(ms.div_euclid(86_400_000)).or_default() += 1;
    }
    // One point at the start and end of each day, so a day reads as a step.
    days.into_iter()
        .flat_map(|(d, n)| {
            [
                [(d * 24) as f64, n as f64],
                [(d * 24 + 24) as f64, n as f64],
            ]
        })
        .collect()
}

/// Stacked shares per model (0–100 %), one band per model.
fn model_mix_items(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    names: &[String],
    rows: &[(u32, i64, u64)],
    label: &str,
) {
    let models = names.len().max(1);
    let mut hours: Vec<i64> = rows.iter().map(|r| r.1).collect();
    hours.dedup();
    let mut counts = vec![vec![0u64; models]; hours.len()];
    let mut at = 0;
    for &(model, hour, n) in rows {
        while hours[at] != hour {
            at += 1;
        }
        if let Some(slot) = counts[at].get_mut(model as usize) {
            *slot += n;
        }
    }
    let xs: Vec<f64> = hours.iter().map(|h| *h as f64 + 0.5).collect();
    let mut below = vec![0.0f64; hours.len()];
    for (m, name) in names.iter().enumerate() {
        if counts.iter().all(|c| c[m] == 0) {
            continue;
        }
        let above: Vec<f64> = counts
            .iter()
            .zip(&below)
            .map(|(c, b)| {
                let total: u64 = c.iter().sum();
                b + if total == 0 {
                    0.0
                } else {
                    c[m] as f64 * 100.0 / total as f64
                }
            })
            .collect();
        plot_ui.add(
            FilledArea::new(format!("{label}: {name} (%)"), &xs, &below, &above)
                .fill_color(palette::series_color(m).gamma_multiply(0.8)),
        );
        below = above;
    }
}

/// The model mix's key, in one wrapped row above its plots: each model's
/// colour, the release line and the ban ticks.
fn model_mix_key(ui: &mut egui::Ui, loaded: &Loaded) {
    let seen: BTreeSet<u32> = loaded.model_hourly.iter().map(|r| r.0).collect();
    ui.horizontal_wrapped(|ui| {
        ui.spacing_mut().item_spacing.x = 10.0;
        for (m, name) in loaded.model_names.iter().enumerate() {
            if !seen.contains(&(m as u32)) {
                continue;
            }
            key_swatch(
                ui,
                palette::series_color(m).gamma_multiply(0.8),
                name,
                false,
            );
        }
        key_swatch(ui, palette::RELEASE, "model release", true);
        let (r, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        ui.painter().add(egui::Shape::convex_polygon(
            vec![
                egui::pos2(r.center().x, r.top() + 1.0),
                egui::pos2(r.right() - 1.0, r.bottom() - 1.0),
                egui::pos2(r.left() + 1.0, r.bottom() - 1.0),
            ],
            palette::BAN,
            egui::Stroke::NONE,
        ));
        ui.label(RichText::new("account banned").small());
        ui.label(RichText::new("(% of each hour's exchanges)").small().weak());
    });
}

/// A colour swatch (a filled square, or a vertical line) and its name.
fn key_swatch(ui: &mut egui::Ui, color: Color32, name: &str, line: bool) {
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        let (r, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
        if line {
            ui.painter().line_segment(
                [r.center_top(), r.center_bottom()],
                egui::Stroke::new(2.0, color),
            );
        } else {
            ui.painter().rect_filled(r, 2.0, color);
        }
        ui.label(RichText::new(name).small());
    });
}

/// Model releases (always, as lines) and bans (of `banned` accounts, or
/// all; as ticks along the bottom, since a campaign's bans run to
/// thousands), inside the case's span (hours).
fn event_markers(
    plot_ui: &mut egui_plot::PlotUi<'_>,
    summary: &crate::case::CaseSummary,
    banned: Option<&BTreeSet<&str>>,
    span: (f64, f64),
) {
    let mut bans: Vec<[f64; 2]> = Vec::new();
    for (ts, kind, what) in &summary.events_list {
        let hour = *ts as f64 / 3_600_000.0;
        if hour < span.0 || hour > span.1 {
            continue;
        }
        match kind.as_str() {
            "model_release" => plot_ui.vline(
                VLine::new(format!("release: {what}"), hour)
                    .color(palette::RELEASE)
                    .width(2.0),
            ),
            "account_banned" if banned.is_none_or(|set| set.contains(what.as_str())) => {
                bans.push([hour, 0.0]);
            }
            _ => {}
        }
    }
    if !bans.is_empty() {
        plot_ui.points(
            egui_plot::Points::new(
                format!("account banned ({})", bans.len()),
                PlotPoints::from(bans),
            )
            .color(palette::BAN)
            .shape(egui_plot::MarkerShape::Up)
            .radius(3.0),
        );
    }
}

/// Requests by hour of day (rows, 00 at top) and day (columns), in UTC.
fn heat_map_ui(ui: &mut egui::Ui, hourly: &[HourTraffic], label: &str) {
    let (Some(first), Some(last)) = (hourly.first(), hourly.last()) else {
        ui.label("No traffic");
        return;
    };
    let first_day = first.hour.div_euclid(24);
    let days = (last.hour.div_euclid(24) - first_day + 1).clamp(1, 3660) as usize;
    let mut cells = vec![0u64; days * 24];
    for h in hourly {
        let d = (h.hour.div_euclid(24) - first_day) as usize;
        if d < days {
            cells[d * 24 + h.hour.rem_euclid(24) as usize] += h.exchanges;
        }
    }
    let max = cells.iter().copied().max().unwrap_or(1).max(1) as f32;
    ui.label(format!(
        "{label}: requests by hour of day (rows, UTC) and day (columns)"
    ));
    let size = egui::vec2(
        ui.available_width(),
        (ui.available_height() - 4.0).max(80.0),
    );
    let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
    let painter = ui.painter_at(rect);
    // The grid, with its colour scale in a strip on the right.
    let scale_width = 70.0;
    let grid = egui::Rect::from_min_max(
        rect.min + egui::vec2(40.0, 0.0),
        rect.max - egui::vec2(scale_width, 16.0),
    );
    {
        let bar = egui::Rect::from_min_max(
            egui::pos2(grid.right() + 10.0, grid.top()),
            egui::pos2(grid.right() + 22.0, grid.bottom()),
        );
        let steps = 32;
        for i in 0..steps {
            // Top is the most: colour t ↔ requests max × t².
            let t = 1.0 - i as f32 / steps as f32;
            let y0 = bar.top() + bar.height() * i as f32 / steps as f32;
            let cell = egui::Rect::from_min_max(
                egui::pos2(bar.left(), y0),
                egui::pos2(bar.right(), y0 + bar.height() / steps as f32 + 0.5),
            );
            painter.rect_filled(cell, 0.0, palette::score_color(f64::from(t)));
        }
        let weak = ui.visuals().weak_text_color();
        for (t, align) in [
            (1.0f32, egui::Align2::LEFT_TOP),
            (0.5, egui::Align2::LEFT_CENTER),
            (0.0, egui::Align2::LEFT_BOTTOM),
        ] {
            let value = (max * t * t).round() as u64;
            painter.text(
                egui::pos2(bar.right() + 4.0, bar.top() + bar.height() * (1.0 - t)),
                align,
                thousands(value),
                egui::FontId::proportional(10.0),
                weak,
            );
        }
    }
    let cw = grid.width() / days as f32;
    let ch = grid.height() / 24.0;
    for d in 0..days {
        for h in 0..24 {
            let v = cells[d * 24 + h];
            if v == 0 {
                continue;
            }
            let t = (v as f32 / max).sqrt();
            let c = egui::Rect::from_min_size(
                egui::pos2(grid.left() + d as f32 * cw, grid.top() + h as f32 * ch),
                egui::vec2(cw.max(1.0), ch.max(1.0)),
            );
            painter.rect_filled(c, 0.0, palette::score_color(f64::from(t)));
        }
    }
    let weak = ui.visuals().weak_text_color();
    for h in [0, 6, 12, 18] {
        painter.text(
            egui::pos2(rect.left() + 2.0, grid.top() + h as f32 * ch),
            egui::Align2::LEFT_TOP,
            format!("{h:02}:00"),
            egui::FontId::proportional(10.0),
            weak,
        );
    }
    let every = ((50.0 / cw).ceil() as usize).max(1);
    for d in (0..days).step_by(every) {
        let (_, month, day) = civil_from_days(first_day + d as i64);
        painter.text(
            egui::pos2(grid.left() + d as f32 * cw, grid.bottom() + 2.0),
            egui::Align2::LEFT_TOP,
            format!("{month:02}-{day:02}"),
            egui::FontId::proportional(10.0),
            weak,
        );
    }
    if let Some(p) = response.hover_pos()
        && grid.contains(p)
    {
        let d = ((p.x - grid.left()) / cw) as usize;
        let h = ((p.y - grid.top()) / ch) as usize;
        if d < days && h < 24 {
            let (y, month, day) = civil_from_days(first_day + d as i64);
            response.on_hover_text(format!(
                "{y}-{month:02}-{day:02} {h:02}:00 UTC: {} requests",
                thousands(cells[d * 24 + h])
            ));
        }
    }
}

/// A label that moves to the next line whole rather than breaking.
fn whole_label_ui(ui: &mut egui::Ui, text: RichText) {
    ui.add(egui::Label::new(text).wrap_mode(egui::TextWrapMode::Extend));
}
