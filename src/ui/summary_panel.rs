//! The case summary: what is in the case, over which time span, on which
//! models, capabilities and access paths. Read from the rollups only.

use egui::RichText;

use super::command::Command;
use super::panel::Panel;
use crate::base::text::thousands;
use crate::base::time::format_rfc3339_ms;
use crate::views::model::Loaded;

/// The case-summary panel.
#[derive(Default)]
pub struct SummaryPanel {}

impl Panel for SummaryPanel {
    type Input<'a> = Loaded;

    /// Draws the summary; it asks for nothing.
    fn ui(&mut self, ui: &mut egui::Ui, loaded: &Loaded) -> Vec<Command> {
        let s = &loaded.summary;
        {
            ui.label(format!(
                "Format v{} · source: {}",
                s.format_version,
                s.source.as_deref().unwrap_or("unknown")
            ));
            ui.add_space(8.0);
            egui::Grid::new("counts")
                .num_columns(2)
                .min_col_width(110.0)
                .show(ui, |ui| {
                    for (i, (label, value)) in [
                        ("accounts", s.accounts),
                        ("exchanges", s.exchanges),
                        ("events", s.events),
                        ("partner indicators", s.indicators),
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        ui.vertical(|ui| {
                            ui.label(RichText::new(thousands(value)).size(18.0).strong());
                            ui.label(RichText::new(label).small());
                        });
                        if i % 2 == 1 {
                            ui.end_row();
                        }
                    }
                });
            if !s.exchanges_stored {
                ui.label(
                    "Built from rollups on Spark: the exchanges are counted, not stored \
                     (account journeys and subset exports need them).",
                );
            }
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
            table_ui(ui, "Models", "exchanges", &s.models);
            ui.add_space(8.0);
            table_ui(ui, "Capabilities", "exchanges", &s.capabilities);
            ui.add_space(8.0);
            table_ui(ui, "Access paths", "accounts", &s.access_paths);
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
            let releases: Vec<_> = s
                .events_list
                .iter()
                .filter(|(_, kind, _)| kind != "account_banned")
                .collect();
            ui.strong(format!(
                "Events ({} account bans not listed)",
                thousands(s.bans_total())
            ));
            for (ts, kind, what) in releases {
                ui.label(format!("{} UTC  {kind}  {what}", format_rfc3339_ms(*ts)));
            }
        }
        Vec::new()
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
