//! The inspector: what is selected, and why. For a cluster, each sub-score
//! as a bar with the numbers behind it, and its accounts.

use egui::{Color32, RichText};

use super::app::Loaded;
use super::summary_panel::thousands;
use crate::analysis::Reason;
use crate::case::analysis_store::INDICATOR_COLUMNS;

/// Accounts listed under a cluster, at most.
const MAX_LISTED_ACCOUNTS: usize = 200;

/// The inspector panel.
#[derive(Default)]
pub struct Inspector {}

impl Inspector {
    /// Draws the selected cluster, or a hint when none is selected.
    pub fn ui(&mut self, ui: &mut egui::Ui, loaded: &Loaded, selected: Option<&str>) {
        let cluster = selected.and_then(|id| loaded.clusters.as_ref()?.iter().find(|c| c.id == id));
        let Some(c) = cluster else {
            ui.heading("Inspector");
            ui.label("Select a cluster in the table to see why it is there");
            return;
        };
        egui::ScrollArea::vertical().show(ui, |ui| {
            ui.horizontal(|ui| {
                ui.heading(format!("Cluster {}", c.id));
                if c.suspected {
                    ui.label(
                        RichText::new("SUSPECTED")
                            .color(Color32::from_rgb(230, 90, 70))
                            .strong(),
                    );
                }
            });
            ui.label(format!(
                "Score {:.2} · {} accounts · {} exchanges",
                c.score,
                thousands(c.members.len() as u64),
                thousands(c.exchanges)
            ));
            ui.add_space(8.0);
            let reasons: Vec<Reason> = serde_json::from_str(&c.reasons_json).unwrap_or_default();
            for (i, name) in INDICATOR_COLUMNS.iter().enumerate() {
                let value = c.indicators.get(i).map_or(0.0, |(_, v)| *v);
                ui.add(
                    egui::ProgressBar::new(value as f32)
                        .text(format!("{} {value:.2}", name.replace('_', " ")))
                        .desired_width(ui.available_width()),
                );
                for r in reasons.iter().filter(|r| r.indicator == *name) {
                    ui.add(
                        egui::Label::new(RichText::new(format!("• {}", r.text)).small())
                            .wrap_mode(egui::TextWrapMode::Wrap),
                    );
                }
                ui.add_space(4.0);
            }
            ui.add_space(8.0);
            ui.strong(format!("Accounts ({})", thousands(c.members.len() as u64)));
            for &a in c.members.iter().take(MAX_LISTED_ACCOUNTS) {
                if let Some(id) = loaded.account_ids.get(a as usize) {
                    ui.monospace(id);
                }
            }
            if c.members.len() > MAX_LISTED_ACCOUNTS {
                ui.label(format!(
                    "… and {} more",
                    c.members.len() - MAX_LISTED_ACCOUNTS
                ));
            }
        });
    }
}
