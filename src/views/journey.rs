//! Account journeys: for a handful of accounts, their sessions over time
//! (runs of requests with no gap over [`SESSION_GAP_MS`]), each with its
//! models, capabilities, networks and ASNs, their bans, the model releases,
//! and the hand-overs between them — one account stopping and another
//! starting within [`TAKEOVER_MS`] — so that a ban-and-replace is seen at a
//! glance. Built from [`JourneyRows`] (read by the query worker); drawn by
//! the workbench's Journeys tab.

use egui::{Align2, FontId, Pos2, Rect, Sense, Stroke, Vec2};
use rustc_hash::FxHashMap;

use crate::base::time::format_rfc3339_ms;
use crate::case::workbench::{AccountRow, JourneyRows};
use crate::views::model::Loaded;
use crate::views::palette;

/// A gap longer than this between two requests ends a session.
pub const SESSION_GAP_MS: i64 = 30 * 60_000;

/// One account stopping and another starting within this is a hand-over.
pub const TAKEOVER_MS: i64 = 60 * 60_000;

/// The most accounts shown side by side.
pub const MAX_JOURNEYS: usize = 12;

/// A run of requests with no gap over [`SESSION_GAP_MS`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Session {
    /// First request, ms (UTC).
    pub start_ms: i64,
    /// Last request, ms.
    pub end_ms: i64,
    /// Requests.
    pub exchanges: u64,
    /// Model names with their requests, most first.
    pub models: Vec<(String, u64)>,
    /// Capabilities with their requests, most first.
    pub capabilities: Vec<(String, u64)>,
    /// Networks (prefixes, else addresses) with their requests, most first.
    pub networks: Vec<(String, u64)>,
    /// ASNs with their requests, most first.
    pub asns: Vec<(i64, u64)>,
}

impl Session {
    /// The model most of its requests went to.
    pub fn main_model(&self) -> Option<&str> {
        self.models.first().map(|(m, _)| m.as_str())
    }
}

/// One account's journey.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Journey {
    /// Account index.
    pub account: u32,
    /// Its sessions in time order.
    pub sessions: Vec<Session>,
    /// When it was banned, if it was.
    pub banned_ms: Option<i64>,
}

impl Journey {
    /// First request, ms.
    pub fn first_ms(&self) -> Option<i64> {
        self.sessions.first().map(|s| s.start_ms)
    }

    /// Last request, ms.
    pub fn last_ms(&self) -> Option<i64> {
        self.sessions.last().map(|s| s.end_ms)
    }
}

/// One account stopping and another starting soon after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Takeover {
    /// The account that stopped.
    pub from: u32,
    /// The account that started.
    pub to: u32,
    /// When the first stopped, ms.
    pub stopped_ms: i64,
    /// When the second started, ms.
    pub started_ms: i64,
}

/// The journeys of the accounts shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Journeys {
    /// One per account, by first request.
    pub journeys: Vec<Journey>,
    /// Hand-overs between them, in time order.
    pub takeovers: Vec<Takeover>,
    /// Model releases: (model, when).
    pub releases: Vec<(String, i64)>,
    /// The selection's accounts not shown (over [`MAX_JOURNEYS`]).
    pub left_out: usize,
    /// Why there are none to show, when the case could not give them (a
    /// case built from rollups holds no single exchanges).
    pub unavailable: Option<String>,
}

impl Journeys {
    /// The first and last request over all journeys, ms.
    pub fn span(&self) -> Option<(i64, i64)> {
        let first = self.journeys.iter().filter_map(Journey::first_ms).min()?;
        let last = self.journeys.iter().filter_map(Journey::last_ms).max()?;
        Some((first, last.max(first + 1)))
    }
}

/// Which accounts of a selection to show: all of them up to
/// [`MAX_JOURNEYS`]; of a larger selection, the account in focus and the
/// busiest others. Returns the accounts and how many were left out.
pub fn pick_accounts(
    selection: &[u32],
    rows: &[AccountRow],
    focus: Option<u32>,
) -> (Vec<u32>, usize) {
    let mut picked: Vec<u32> = selection.to_vec();
    picked.sort_unstable();
    picked.dedup();
    let total = picked.len();
    if total > MAX_JOURNEYS {
        let busy = |a: u32| rows.get(a as usize).map_or(0, |r| r.exchanges);
        picked.sort_by(|&x, &y| {
            let focused = |a: u32| Some(a) == focus;
            focused(y)
                .cmp(&focused(x))
                .then(busy(y).cmp(&busy(x)))
                .then(x.cmp(&y))
        });
        picked.truncate(MAX_JOURNEYS);
        picked.sort_unstable();
    }
    let shown = picked.len();
    (picked, total - shown)
}

fn most_first<K: Ord + Clone>(counts: FxHashMap<K, u64>) -> Vec<(K, u64)> {
    let mut list: Vec<(K, u64)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    list
}

/// What one session used, counted as its requests are read.
#[derive(Default)]
struct Tally {
    models: FxHashMap<String, u64>,
    capabilities: FxHashMap<String, u64>,
    networks: FxHashMap<String, u64>,
    asns: FxHashMap<i64, u64>,
}

impl Tally {
    /// Writes the counts into `session`, most first, and starts afresh.
    fn close(&mut self, session: &mut Session) {
        let done = std::mem::take(self);
        session.models = most_first(done.models);
        session.capabilities = most_first(done.capabilities);
        session.networks = most_first(done.networks);
        session.asns = most_first(done.asns);
    }
}

/// Sessions, bans and hand-overs of the accounts in `rows`; model names
/// by index from `model_names`.
pub fn journeys(rows: &JourneyRows, model_names: &[String], left_out: usize) -> Journeys {
    let model = |m: u32| {
        model_names
            .get(m as usize)
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| format!("model {}", m + 1))
    };
    let mut journeys: Vec<Journey> = rows
        .accounts
        .iter()
        .map(|(account, exchanges)| {
            let mut sessions: Vec<Session> = Vec::new();
            let mut counts = Tally::default();
            let mut current: Option<Session> = None;
            for e in exchanges {
                if let Some(s) = current.as_mut()
                    && e.ts_ms - s.end_ms > SESSION_GAP_MS
                {
                    let mut done = current.take().unwrap_or_default();
                    counts.close(&mut done);
                    sessions.push(done);
                }
                let s = current.get_or_insert_with(|| Session {
                    start_ms: e.ts_ms,
                    end_ms: e.ts_ms,
                    ..Default::default()
                });
                s.end_ms = e.ts_ms;
                s.exchanges += 1;
                *counts.models.entry(model(e.model)).or_default() += 1;
                if let Some(name) = e.capability.and_then(|c| rows.capabilities.get(&c)) {
                    *counts.capabilities.entry(name.clone()).or_default() += 1;
                }
                if let Some((network, asn)) = e.origin.and_then(|o| rows.origins.get(&o)) {
                    *counts.networks.entry(network.clone()).or_default() += 1;
                    if let Some(asn) = asn {
                        *counts.asns.entry(*asn).or_default() += 1;
                    }
                }
            }
            if let Some(mut done) = current {
                counts.close(&mut done);
                sessions.push(done);
            }
            let banned_ms = rows
                .bans
                .iter()
                .filter(|(a, _)| a == account)
                .map(|(_, t)| *t)
                .min();
            Journey {
                account: *account,
                sessions,
                banned_ms,
            }
        })
        .collect();
    journeys.sort_by_key(|j| (j.first_ms().unwrap_or(i64::MAX), j.account));
    let mut takeovers = Vec::new();
    for x in &journeys {
        let Some(stopped) = x.last_ms() else { continue };
        for y in &journeys {
            let Some(started) = y.first_ms() else {
                continue;
            };
            if x.account != y.account && (0..=TAKEOVER_MS).contains(&(started - stopped)) {
                takeovers.push(Takeover {
                    from: x.account,
                    to: y.account,
                    stopped_ms: stopped,
                    started_ms: started,
                });
            }
        }
    }
    takeovers.sort_by_key(|t| (t.started_ms, t.from, t.to));
    Journeys {
        journeys,
        takeovers,
        releases: rows.releases.clone(),
        left_out,
        unavailable: None,
    }
}

/// "4 min", "2 h 5 min": a short duration.
pub fn duration_label(ms: i64) -> String {
    if ms < 60_000 {
        return "under a minute".into();
    }
    let minutes = (ms + 30_000) / 60_000;
    if minutes < 60 {
        format!("{minutes} min")
    } else if minutes % 60 == 0 {
        format!("{} h", minutes / 60)
    } else {
        format!("{} h {} min", minutes / 60, minutes % 60)
    }
}

// Drawing.

const LABEL_WIDTH: f32 = 150.0;
const ROW_HEIGHT: f32 = 22.0;
const BAR_HEIGHT: f32 = 12.0;
const RELEASE_STRIP: f32 = 13.0;

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

/// Draws `journeys` of `loaded`'s accounts (the account in `focus` in the
/// selection's colour): a legend, the hand-overs, and one row per account
/// on one UTC time axis. Returns the account whose name was clicked, if
/// one was.
pub fn draw(
    ui: &mut egui::Ui,
    loaded: &Loaded,
    journeys: &Journeys,
    focus: Option<u32>,
) -> Option<u32> {
    let name = |a: u32| loaded.account_name(a);
    let mut clicked = None;
    let Some((first, last)) = journeys.span() else {
        ui.label("These accounts sent no requests.");
        return clicked;
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
                "{shown} of {} accounts (the busiest, and the one in focus), UTC",
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
    // A strip above the rows for the releases' names, one below for days.
    let height = rows as f32 * ROW_HEIGHT + 22.0 + RELEASE_STRIP;
    egui::ScrollArea::vertical()
        .id_salt("journeys")
        .show(ui, |ui| {
            let width = ui.available_width().max(LABEL_WIDTH + 100.0);
            let (rect, response) = ui.allocate_exact_size(Vec2::new(width, height), Sense::click());
            let painter = ui.painter_at(rect);
            let plot = Rect::from_min_max(
                Pos2::new(rect.left() + LABEL_WIDTH, rect.top() + RELEASE_STRIP),
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
                        Pos2::new(x + 3.0, plot.top() - RELEASE_STRIP),
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
                let focused = focus == Some(j.account);
                painter.text(
                    Pos2::new(rect.left() + 2.0, y),
                    Align2::LEFT_CENTER,
                    &label,
                    FontId::monospace(11.0),
                    if focused { palette::SELECTION } else { text },
                );
                if response.clicked() && pointer.is_some_and(|p| label_rect.contains(p)) {
                    clicked = Some(j.account);
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
    clicked
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::workbench::JourneyExchange;

    const MIN: i64 = 60_000;

    fn at(minutes: &[i64], model: u32) -> Vec<JourneyExchange> {
        minutes
            .iter()
            .map(|&m| JourneyExchange {
                ts_ms: m * MIN,
                model,
                capability: Some(1),
                origin: Some(7),
            })
            .collect()
    }

    fn rows() -> JourneyRows {
        // Account 3 works two sessions and is banned; account 5 starts 4
        // minutes after it stopped, on the new model; account 9 much later.
        JourneyRows {
            accounts: vec![
                (3, at(&[0, 5, 10, 100, 110], 0)),
                (5, at(&[114, 120, 121], 1)),
                (9, at(&[1000], 0)),
            ],
            origins: [(7, ("45.146.12.0/24".to_string(), Some(209_588)))]
                .into_iter()
                .collect(),
            capabilities: [(1, "agentic_coding".to_string())].into_iter().collect(),
            bans: vec![(3, 111 * MIN)],
            releases: vec![("aurora-3-large".into(), 112 * MIN)],
        }
    }

    #[test]
    fn sessions_split_at_long_gaps_and_say_what_they_used() {
        let j = journeys(&rows(), &["aurora-2".into(), "aurora-3".into()], 0);
        let first = &j.journeys[0];
        assert_eq!(first.account, 3);
        assert_eq!(first.sessions.len(), 2, "{:?}", first.sessions);
        assert_eq!(
            (first.sessions[0].start_ms, first.sessions[0].end_ms),
            (0, 10 * MIN)
        );
        assert_eq!(first.sessions[1].exchanges, 2);
        assert_eq!(first.sessions[1].main_model(), Some("aurora-2"));
        assert_eq!(
            first.sessions[1].networks,
            vec![("45.146.12.0/24".to_string(), 2)]
        );
        assert_eq!(first.sessions[1].asns, vec![(209_588, 2)]);
        assert_eq!(
            first.sessions[1].capabilities,
            vec![("agentic_coding".to_string(), 2)]
        );
        assert_eq!(first.banned_ms, Some(111 * MIN));
        assert_eq!(j.journeys[1].sessions[0].main_model(), Some("aurora-3"));
        assert_eq!(j.releases.len(), 1);
    }

    #[test]
    fn an_account_starting_soon_after_another_stopped_is_a_hand_over() {
        let j = journeys(&rows(), &[], 0);
        assert_eq!(
            j.takeovers,
            vec![Takeover {
                from: 3,
                to: 5,
                stopped_ms: 110 * MIN,
                started_ms: 114 * MIN
            }]
        );
        assert_eq!(duration_label(4 * MIN), "4 min");
        assert_eq!(duration_label(20_000), "under a minute");
        assert_eq!(duration_label(125 * MIN), "2 h 5 min");
        assert_eq!(j.span(), Some((0, 1000 * MIN)));
    }

    #[test]
    fn a_large_selection_shows_the_focus_and_the_busiest() {
        let rows: Vec<AccountRow> = (0..20)
            .map(|i| AccountRow {
                exchanges: i * 10,
                ..Default::default()
            })
            .collect();
        let selection: Vec<u32> = (0..20).collect();
        let (picked, left_out) = pick_accounts(&selection, &rows, Some(0));
        assert_eq!(left_out, 8);
        assert_eq!(picked.len(), MAX_JOURNEYS);
        assert!(picked.contains(&0), "the focus is shown");
        assert!(picked.contains(&19) && !picked.contains(&1), "{picked:?}");
        let (few, none) = pick_accounts(&[4, 2, 4], &rows, None);
        assert_eq!((few, none), (vec![2, 4], 0));
    }
}
