//! The Journeys tab: a Gantt chart of the selection's accounts (a handful,
//! side by side on one time axis, UTC): each session a bar in its main
//! model's colour, bans and model releases as markers, and a hand-over —
//! one account stopping and another starting within the hour — drawn as a
//! line from the one to the other with its gap. Hovering a bar lists the
//! session's models, capabilities, networks and ASNs; clicking an
//! account's name selects it.

use egui::{Align2, FontId, Pos2, Rect, Sense, Stroke, Vec2};

use crate::base::time::format_rfc3339_ms;
use crate::views::journey::{Journeys, Session, duration_label};
use crate::views::model::Loaded;
use crate::views::palette;

use super::command::Command;
use super::panel::Panel;

/// The Journeys tab (no state of its own).
#[derive(Default)]
pub struct JourneyPanel;

/// What the Journeys tab shows.
pub struct JourneyInput<'a> {
    /// The open case.
    pub loaded: &'a Loaded,
    /// The journeys of the selection, once read.
    pub journeys: Option<&'a Journeys>,
    /// Whether anything is selected.
    pub selected: bool,
    /// The account in focus (drawn in the selection's colour).
    pub focus: Option<u32>,
}

const LABEL_WIDTH: f32 = 150.0;
const ROW_HEIGHT: f32 = 22.0;
const BAR_HEIGHT: f32 = 12.0;

/// "2026-01-14 09:12".
fn minute_label(ms: i64) -> String {
    let s = format_rfc3339_ms(ms);
    format!("{} {}", &s[..10.min(s.len())], s.get(11..16).unwrap_or(""))
}

fn list<T: std::fmt::Display>(items: &[(T, u64)], most: usize) -> String {
    let mut parts: Vec<String> = items
        .iter()
        .take(most)
        .map(|(name, n)| format!("{name} ({n})"))
        .collect();
    if items.len() > most {
        parts.push(format!("{} more", items.len() - most));
    }
    if parts.is_empty() {
        "none recorded".into()
    } else {
        parts.join(", ")
    }
}

fn session_text(account: &str, s: &Session) -> String {
    format!(
        "{account}\n{} – {} UTC ({}): {} requests\nmodels: {}\ncapabilities: {}\nnetworks: {}\nASNs: {}",
        minute_label(s.start_ms),
        minute_label(s.end_ms),
        duration_label(s.end_ms - s.start_ms),
        s.exchanges,
        list(&s.models, 3),
        list(&s.capabilities, 3),
        list(&s.networks, 3),
        list(&s.asns, 3),
    )
}

impl Panel for JourneyPanel {
    type Input<'a> = JourneyInput<'a>;

    fn ui(&mut self, ui: &mut egui::Ui, input: &JourneyInput<'_>) -> Vec<Command> {
        let mut commands = Vec::new();
        let Some(journeys) = input.journeys else {
            ui.label(if input.selected {
                "Reading the accounts' requests…"
            } else {
                "Select an account, a cluster or a campaign (or box-select a few accounts) to see their journeys: sessions, models, networks, bans and hand-overs side by side."
            });
            return commands;
        };
        let loaded = input.loaded;
        let name = |a: u32| {
            loaded
                .accounts
                .get(a as usize)
                .map_or_else(|| format!("account {a}"), |r| r.account_id.clone())
        };
        let Some((first, last)) = journeys.span() else {
            ui.label("These accounts sent no requests.");
            return commands;
        };
        // The models seen, in a fixed order: each its colour.
        let mut models: Vec<&str> = journeys
            .journeys
            .iter()
            .flat_map(|j| j.sessions.iter())
            .flat_map(|s| s.models.iter().map(|(m, _)| m.as_str()))
            .collect();
        models.sort_unstable();
        models.dedup();
        let color_of = |model: Option<&str>| {
            model
                .and_then(|m| models.iter().position(|x| *x == m))
                .map_or(palette::LONE, palette::series_color)
        };
        ui.horizontal_wrapped(|ui| {
            ui.label(egui::RichText::new("Journeys").strong());
            let shown = journeys.journeys.len();
            ui.label(if journeys.left_out > 0 {
                format!(
                    "{shown} of {} accounts (the busiest, and the one in focus; select fewer to choose), UTC",
                    shown + journeys.left_out
                )
            } else {
                format!("{shown} account(s), UTC")
            });
            for (i, m) in models.iter().enumerate() {
                let (swatch, _) = ui.allocate_exact_size(Vec2::splat(10.0), Sense::hover());
                ui.painter()
                    .rect_filled(swatch, 2.0, palette::series_color(i));
                ui.label(*m);
            }
            ui.label(egui::RichText::new("|").color(palette::BAN));
            ui.label("ban");
            ui.label(egui::RichText::new("|").color(palette::RELEASE));
            ui.label("release");
        });
        for t in &journeys.takeovers {
            ui.label(
                egui::RichText::new(format!(
                    "Hand-over: {} stopped {}, {} started {} later",
                    name(t.from),
                    minute_label(t.stopped_ms),
                    name(t.to),
                    duration_label(t.started_ms - t.stopped_ms)
                ))
                .color(palette::SELECTION),
            );
        }
        let rows = journeys.journeys.len();
        let height = rows as f32 * ROW_HEIGHT + 22.0;
        egui::ScrollArea::vertical().show(ui, |ui| {
            let width = ui.available_width().max(LABEL_WIDTH + 100.0);
            let (rect, response) = ui.allocate_exact_size(Vec2::new(width, height), Sense::click());
            let painter = ui.painter_at(rect);
            let plot = Rect::from_min_max(
                Pos2::new(rect.left() + LABEL_WIDTH, rect.top()),
                Pos2::new(rect.right() - 8.0, rect.bottom() - 20.0),
            );
            let span = (last - first).max(1) as f32;
            let x_of = |ms: i64| plot.left() + (ms - first) as f32 / span * plot.width();
            let row_y = |i: usize| plot.top() + (i as f32 + 0.5) * ROW_HEIGHT;
            let text = ui.visuals().text_color();
            let weak = ui.visuals().weak_text_color();
            // Day ticks.
            let day = 86_400_000i64;
            let days = ((last - first) / day).max(1);
            let step = ((days + 7) / 8).max(1) * day;
            let mut tick = (first / day + 1) * day;
            while tick <= last {
                let x = x_of(tick);
                painter.line_segment(
                    [Pos2::new(x, plot.top()), Pos2::new(x, plot.bottom())],
                    Stroke::new(1.0, weak.gamma_multiply(0.25)),
                );
                painter.text(
                    Pos2::new(x, plot.bottom() + 3.0),
                    Align2::CENTER_TOP,
                    &format_rfc3339_ms(tick)[5..10],
                    FontId::proportional(11.0),
                    weak,
                );
                tick += step;
            }
            for (model, at) in &journeys.releases {
                if (first..=last).contains(at) {
                    let x = x_of(*at);
                    painter.line_segment(
                        [Pos2::new(x, plot.top()), Pos2::new(x, plot.bottom())],
                        Stroke::new(1.5, palette::RELEASE),
                    );
                    painter.text(
                        Pos2::new(x + 3.0, plot.top()),
                        Align2::LEFT_TOP,
                        model,
                        FontId::proportional(10.0),
                        palette::RELEASE,
                    );
                }
            }
            let pointer = response.hover_pos();
            let mut hovered: Option<String> = None;
            for (i, j) in journeys.journeys.iter().enumerate() {
                let y = row_y(i);
                let label = name(j.account);
                let label_rect = Rect::from_min_size(
                    Pos2::new(rect.left(), y - ROW_HEIGHT / 2.0),
                    Vec2::new(LABEL_WIDTH - 6.0, ROW_HEIGHT),
                );
                let focused = input.focus == Some(j.account);
                painter.text(
                    Pos2::new(rect.left() + 2.0, y),
                    Align2::LEFT_CENTER,
                    &label,
                    FontId::monospace(11.0),
                    if focused { palette::SELECTION } else { text },
                );
                if response.clicked() && pointer.is_some_and(|p| label_rect.contains(p)) {
                    commands.push(Command::SelectAccount(Some(j.account)));
                }
                if pointer.is_some_and(|p| label_rect.contains(p)) {
                    hovered = Some(format!("{label}: click to select it"));
                }
                for s in &j.sessions {
                    let x0 = x_of(s.start_ms);
                    let x1 = x_of(s.end_ms).max(x0 + 2.0);
                    let bar = Rect::from_min_max(
                        Pos2::new(x0, y - BAR_HEIGHT / 2.0),
                        Pos2::new(x1, y + BAR_HEIGHT / 2.0),
                    );
                    painter.rect_filled(bar, 2.0, color_of(s.main_model()));
                    if pointer.is_some_and(|p| bar.expand2(Vec2::new(2.0, 3.0)).contains(p)) {
                        hovered = Some(session_text(&label, s));
                    }
                }
                if let Some(at) = j.banned_ms {
                    let x = x_of(at);
                    painter.line_segment(
                        [
                            Pos2::new(x, y - ROW_HEIGHT / 2.0 + 2.0),
                            Pos2::new(x, y + ROW_HEIGHT / 2.0 - 2.0),
                        ],
                        Stroke::new(2.5, palette::BAN),
                    );
                }
            }
            let row_of = |a: u32| journeys.journeys.iter().position(|j| j.account == a);
            for t in &journeys.takeovers {
                if let (Some(from), Some(to)) = (row_of(t.from), row_of(t.to)) {
                    painter.arrow(
                        Pos2::new(x_of(t.stopped_ms), row_y(from)),
                        Pos2::new(x_of(t.started_ms), row_y(to))
                            - Pos2::new(x_of(t.stopped_ms), row_y(from)),
                        Stroke::new(1.5, palette::SELECTION),
                    );
                }
            }
            if let Some(tip) = hovered {
                response.on_hover_text_at_pointer(tip);
            }
        });
        commands
    }
}
