//! Time playback: a window of one hour, six hours or a day over the case's
//! activity, dragged, stepped or played; the graph and the timelines show
//! only the accounts active in it (the same filter as brushing a range on a
//! timeline), so a ban-and-replace hand-off or a release-day pivot can be
//! watched. Playing moves on only once the accounts of the window shown
//! are known, so every step is drawn.

use std::time::{Duration, Instant};

use egui::{Color32, RichText, Sense, Stroke, vec2};

use super::command::Command;
use super::panel::Panel;
use crate::views::model::Loaded;
use crate::views::palette;
use crate::views::state::CaseView;

/// The window's width.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Window {
    /// One hour.
    #[default]
    Hour,
    /// Six hours.
    SixHours,
    /// One day.
    Day,
}

impl Window {
    const ALL: [Window; 3] = [Window::Hour, Window::SixHours, Window::Day];

    /// Hours in it.
    pub fn hours(self) -> i64 {
        match self {
            Window::Hour => 1,
            Window::SixHours => 6,
            Window::Day => 24,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Window::Hour => "1 hour",
            Window::SixHours => "6 hours",
            Window::Day => "1 day",
        }
    }
}

/// How long each step stays on screen while playing.
const STEP_EVERY: Duration = Duration::from_millis(700);

/// The playback bar.
#[derive(Default)]
pub struct Playback {
    window: Window,
    playing: bool,
    last_step: Option<Instant>,
}

/// What the playback bar reads each frame.
pub struct PlaybackInput<'a> {
    /// The open case.
    pub loaded: &'a Loaded,
    /// Its time range and the accounts active in it.
    pub view: &'a CaseView,
}

impl Playback {
    /// Whether it is playing.
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// The window starting at hour `start`, kept inside `span`.
    fn window_at(&self, start: i64, span: (i64, i64)) -> Command {
        let width = self.window.hours();
        let start = start.clamp(span.0, (span.1 - width + 1).max(span.0));
        Command::SetTimeRange(Some((start, start + width - 1)))
    }
}

impl Panel for Playback {
    type Input<'a> = PlaybackInput<'a>;

    fn ui(&mut self, ui: &mut egui::Ui, input: &PlaybackInput<'_>) -> Vec<Command> {
        let mut commands = Vec::new();
        let hourly = &input.loaded.hourly;
        let (Some(first), Some(last)) = (hourly.first(), hourly.last()) else {
            return commands;
        };
        let span = (first.hour, last.hour);
        let width = self.window.hours();
        let start = input.view.time_range.map(|(a, _)| a);
        ui.horizontal(|ui| {
            ui.label(RichText::new("Playback").strong());
            let before = self.window;
            egui::ComboBox::from_id_salt("playback_window")
                .selected_text(self.window.label())
                .width(70.0)
                .show_ui(ui, |ui| {
                    for w in Window::ALL {
                        ui.selectable_value(&mut self.window, w, w.label());
                    }
                })
                .response
                .accessible_name("Playback window");
            if self.window != before
                && let Some(at) = start
            {
                commands.push(self.window_at(at, span));
            }
            let at = start.unwrap_or(span.0);
            if ui
                .button("First")
                .on_hover_text("The first window of the case")
                .clicked()
            {
                self.playing = false;
                commands.push(self.window_at(span.0, span));
            }
            if ui
                .button("Previous")
                .on_hover_text("One window back")
                .clicked()
            {
                self.playing = false;
                commands.push(self.window_at(at - width, span));
            }
            let play = if self.playing { "Pause" } else { "Play" };
            if ui
                .button(play)
                .on_hover_text("Step through the case one window at a time")
                .clicked()
            {
                self.playing = !self.playing;
                self.last_step = None;
                if self.playing && start.is_none() {
                    commands.push(self.window_at(span.0, span));
                    self.last_step = Some(Instant::now());
                }
            }
            if ui.button("Next").on_hover_text("One window on").clicked() {
                self.playing = false;
                let next = if start.is_some() { at + width } else { span.0 };
                commands.push(self.window_at(next, span));
            }
            if start.is_some()
                && ui
                    .button("Stop")
                    .on_hover_text("Show every account again")
                    .clicked()
            {
                self.playing = false;
                commands.push(Command::SetTimeRange(None));
            }
            match input.view.time_range {
                Some((a, b)) => {
                    let active = input
                        .view
                        .active_in_range
                        .as_ref()
                        .map(|v| v.iter().filter(|x| **x).count());
                    ui.label(format!(
                        "{} – {} UTC{}",
                        hour_label(a),
                        hour_label(b + 1),
                        active.map_or(String::new(), |n| format!(" · {n} accounts active"))
                    ));
                }
                None => {
                    ui.label(RichText::new("every hour of the case shown").weak());
                }
            }
        });
        // The case's traffic per hour, the window over it; drag or click
        // to move the window.
        let (rect, response) =
            ui.allocate_exact_size(vec2(ui.available_width(), 26.0), Sense::click_and_drag());
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 2.0, Color32::from_gray(24));
        let hours = (span.1 - span.0 + 1).max(1) as f32;
        let x_of = |h: i64| rect.left() + (h - span.0) as f32 / hours * rect.width();
        let peak = hourly.iter().map(|h| h.exchanges).max().unwrap_or(1).max(1) as f32;
        for h in hourly {
            let x = x_of(h.hour);
            let height = (h.exchanges as f32 / peak) * (rect.height() - 2.0);
            painter.line_segment(
                [
                    egui::pos2(x, rect.bottom()),
                    egui::pos2(x, rect.bottom() - height),
                ],
                Stroke::new(
                    (rect.width() / hours).max(1.0),
                    palette::ALL_TRAFFIC.gamma_multiply(0.8),
                ),
            );
        }
        if let Some((a, b)) = input.view.time_range {
            let window = egui::Rect::from_x_y_ranges(x_of(a)..=x_of(b + 1), rect.y_range());
            painter.rect_filled(window, 0.0, palette::RELEASE.gamma_multiply(0.25));
            painter.rect_stroke(
                window,
                0.0,
                Stroke::new(1.5, palette::RELEASE),
                egui::StrokeKind::Inside,
            );
        }
        if (response.clicked() || response.dragged())
            && let Some(p) = response.interact_pointer_pos()
        {
            self.playing = false;
            let hour = span.0 + ((p.x - rect.left()) / rect.width() * hours) as i64;
            let wanted = self.window_at(hour - width / 2, span);
            if Some(&wanted) != Some(&Command::SetTimeRange(input.view.time_range)) {
                commands.push(wanted);
            }
        }
        // Playing: the next window once this one's accounts are known and
        // it has been on screen long enough; at the end, stop.
        if self.playing {
            let shown = input.view.time_range.is_none() || input.view.active_in_range.is_some();
            let due = self.last_step.is_none_or(|t| t.elapsed() >= STEP_EVERY);
            if shown
                && due
                && let Some(at) = start
            {
                if at + width > span.1 {
                    self.playing = false;
                } else {
                    commands.push(self.window_at(at + width, span));
                    self.last_step = Some(Instant::now());
                }
            }
            ui.ctx().request_repaint_after(Duration::from_millis(50));
        }
        commands
    }
}

/// "2026-01-14 09:00" for an hour since the epoch.
fn hour_label(hour: i64) -> String {
    crate::base::time::format_rfc3339_ms(hour.saturating_mul(3_600_000))
        .get(..16)
        .map(|s| s.replace('T', " "))
        .unwrap_or_default()
}
