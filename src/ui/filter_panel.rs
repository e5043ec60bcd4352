//! The left panel's working half: search, filters, evidence-type toggles
//! and the active time range. Every change goes to the shell as a command.

use egui::RichText;

use super::command::Command;
use super::panel::Panel;
use crate::base::text::thousands;
use crate::base::time::format_rfc3339_ms;
use crate::views::model::Loaded;
use crate::views::palette;
use crate::views::state::{CaseView, ViewSettings};

/// The filter panel.
#[derive(Default)]
pub struct FilterPanel {
    /// The search text being typed.
    search: String,
}

/// What the filter panel reads.
pub struct FilterInput<'a> {
    /// The open case.
    pub loaded: &'a Loaded,
    /// The view settings its toggles change.
    pub settings: &'a ViewSettings,
    /// The case view (selection, time range).
    pub view: &'a CaseView,
}

impl Panel for FilterPanel {
    type Input<'a> = FilterInput<'a>;

    /// Draws search, filters and toggles; returns the analyst's commands.
    fn ui(&mut self, ui: &mut egui::Ui, input: &FilterInput<'_>) -> Vec<Command> {
        let FilterInput {
            loaded,
            settings,
            view,
        } = *input;
        let mut commands = Vec::new();
        ui.heading("Find");
        let response = ui.add(
            egui::TextEdit::singleline(&mut self.search)
                .hint_text("account, org, e-mail domain, IP, card")
                .desired_width(f32::INFINITY),
        );
        if response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
            commands.push(Command::Search(self.search.trim().to_string()));
        }
        ui.horizontal(|ui| {
            if ui.button("Search").clicked() {
                commands.push(Command::Search(self.search.trim().to_string()));
            }
            if !view.search.is_empty() && ui.button("Clear").clicked() {
                self.search.clear();
                commands.push(Command::Search(String::new()));
            }
        });
        if !view.search.is_empty() {
            ui.label(format!(
                "“{}”: {} accounts",
                view.search,
                thousands(view.search_hits.len() as u64)
            ));
        }
        ui.add_space(8.0);
        ui.heading("Show");
        let mut new = settings.clone();
        ui.checkbox(&mut new.suspected_only, "Only suspected clusters")
            .on_hover_text("Hide every account outside a cluster the tool suspects");
        ui.checkbox(&mut new.show_unlinked, "Accounts without links");
        if let Some((first, last)) = view.time_range {
            ui.horizontal_wrapped(|ui| {
                let active = view
                    .active_in_range
                    .as_ref()
                    .map(|a| thousands(a.iter().filter(|x| **x).count() as u64));
                ui.label(format!(
                    "Active {} to {} UTC{}",
                    format_rfc3339_ms(first * 3_600_000),
                    format_rfc3339_ms((last + 1) * 3_600_000),
                    active.map_or(" (counting…)".to_string(), |n| format!(": {n} accounts"))
                ));
                if ui.button("Clear time range").clicked() {
                    commands.push(Command::SetTimeRange(None));
                }
            });
        } else {
            ui.label(
                RichText::new("Drag on a timeline to keep only accounts active then")
                    .small()
                    .weak(),
            );
        }
        ui.add_space(8.0);
        ui.heading("Evidence");
        ui.label(
            RichText::new("Links carrying only hidden kinds are not drawn")
                .small()
                .weak(),
        );
        let counts = &loaded.kind_counts;
        for (i, name) in loaded.links.kind_names.iter().enumerate() {
            let mut on = !new.hidden_kinds.contains(name);
            ui.horizontal(|ui| {
                let (r, _) = ui.allocate_exact_size(egui::vec2(10.0, 10.0), egui::Sense::hover());
                ui.painter()
                    .circle_filled(r.center(), 4.5, palette::evidence_color_by_name(name));
                if ui
                    .checkbox(
                        &mut on,
                        format!("{} ({})", name.replace('_', " "), thousands(counts[i])),
                    )
                    .changed()
                {
                    if on {
                        new.hidden_kinds.remove(name);
                    } else {
                        new.hidden_kinds.insert(name.clone());
                    }
                }
            });
        }
        if loaded.links.kind_names.is_empty() {
            ui.label("No links: analyse the case to find them");
        }
        ui.add(
            egui::Slider::new(&mut new.min_link_weight, 0.0..=3.0)
                .text("min link weight")
                .step_by(0.05),
        );
        if new != *settings {
            commands.push(Command::Settings(new));
        }
        commands
    }
}
