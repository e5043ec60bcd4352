//! The campaign table: the candidate campaigns of the stored analysis
//! (groups of clusters doing one job), suspected first, with their size,
//! score, verdict, strongest reasons and the analysts' tags on their
//! clusters. A click selects a campaign; *Tag…* tags all its clusters in one
//! action. This is the workbench's first view of an analysed case: three
//! campaigns, not hundreds of clusters.

use egui::RichText;
use egui_extras::{Column, TableBuilder};

use super::sortable::Sorting;

use super::command::Command;
use super::panel::Panel;
use super::tag_dialog::TagTarget;
use crate::base::text::thousands;
use crate::views::model::Loaded;
use crate::views::palette;

/// What the table is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// Verdict, then combined score (suspected first).
    Score,
    /// Clusters in the campaign.
    Clusters,
    /// Accounts in its clusters.
    Accounts,
    /// Exchanges of those accounts.
    Exchanges,
    /// How strongly its clusters are tied.
    Cohesion,
}

/// What the cached rows depend on.
#[derive(Clone, Debug, PartialEq)]
struct RowsKey {
    generation: u64,
    campaigns: usize,
    sorting: Sorting<SortKey>,
    suspected_only: bool,
    time_range: Option<(i64, i64)>,
    active_known: bool,
}

/// The campaign-table panel.
pub struct CampaignTable {
    sorting: Sorting<SortKey>,
    /// Only suspected campaigns are listed.
    pub suspected_only: bool,
    /// Campaign indices in table order, and what they were computed from:
    /// sorting and filtering run when that changes, not every frame.
    rows: Option<(RowsKey, Vec<usize>)>,
}

impl Default for CampaignTable {
    fn default() -> Self {
        Self {
            sorting: Sorting::new(SortKey::Score),
            suspected_only: false,
            rows: None,
        }
    }
}

/// What the table shows this frame.
pub struct CampaignTableInput<'a> {
    /// The open case.
    pub loaded: &'a Loaded,
    /// The selected campaign (index).
    pub selected: Option<usize>,
    /// The brushed time range, if any.
    pub time_range: Option<(i64, i64)>,
    /// Per account, whether it was active in the brushed time range.
    pub active: Option<&'a [bool]>,
    /// Case work is off (read-only case).
    pub read_only: bool,
}

impl CampaignTable {
    /// Campaign indices in the order and under the filters shown.
    fn rows(&mut self, input: &CampaignTableInput<'_>) -> &[usize] {
        let loaded = input.loaded;
        let key = RowsKey {
            generation: loaded.generation,
            campaigns: loaded.campaigns.len(),
            sorting: self.sorting,
            suspected_only: self.suspected_only,
            time_range: input.time_range,
            active_known: input.active.is_some(),
        };
        if self.rows.as_ref().is_none_or(|(k, _)| *k != key) {
            let index = &loaded.campaign_index;
            let in_range = |k: usize| {
                input.active.is_none_or(|active| {
                    loaded
                        .campaign_members(k)
                        .iter()
                        .any(|&a| active.get(a as usize).copied().unwrap_or(false))
                })
            };
            let mut rows: Vec<usize> = (0..loaded.campaigns.len())
                .filter(|&k| !self.suspected_only || loaded.campaigns[k].suspected)
                .filter(|&k| !index.clusters[k].is_empty() && in_range(k))
                .collect();
            let value = |k: usize| -> (bool, f64) {
                let c = &loaded.campaigns[k];
                match self.sorting.key {
                    SortKey::Score => (c.suspected, c.score),
                    SortKey::Clusters => (true, index.clusters[k].len() as f64),
                    SortKey::Accounts => (true, index.members[k].len() as f64),
                    SortKey::Exchanges => (true, index.exchanges[k] as f64),
                    SortKey::Cohesion => (true, c.cohesion),
                }
            };
            rows.sort_by(|&a, &b| {
                let (va, vb) = (value(a), value(b));
                let order = va.0.cmp(&vb.0).then(va.1.total_cmp(&vb.1));
                let order = if self.sorting.descending {
                    order.reverse()
                } else {
                    order
                };
                order.then_with(|| loaded.campaigns[a].id.cmp(&loaded.campaigns[b].id))
            });
            self.rows = Some((key, rows));
        }
        self.rows.as_ref().map_or(&[], |(_, rows)| rows.as_slice())
    }
}

impl Panel for CampaignTable {
    type Input<'a> = CampaignTableInput<'a>;

    /// Draws the table; returns the analyst's commands (select a campaign,
    /// open the Tag dialog on one).
    fn ui(&mut self, ui: &mut egui::Ui, input: &CampaignTableInput<'_>) -> Vec<Command> {
        let mut commands = Vec::new();
        let loaded = input.loaded;
        if !loaded.analysed {
            ui.heading("Campaigns");
            ui.label("Not analysed yet: run `hydrascope analyze` on this case to find suspected campaigns");
            return commands;
        }
        let index = &loaded.campaign_index;
        let suspected: Vec<usize> = (0..loaded.campaigns.len())
            .filter(|&k| loaded.campaigns[k].suspected && !index.clusters[k].is_empty())
            .collect();
        let suspected_clusters: usize = suspected.iter().map(|&k| index.clusters[k].len()).sum();
        let suspected_accounts: usize = suspected.iter().map(|&k| index.members[k].len()).sum();
        ui.horizontal_wrapped(|ui| {
            ui.heading("Campaigns");
            ui.label(format!(
                "{} suspected distillation campaign{} ({} accounts in {} clusters) among {} candidate campaigns; {} clusters in all",
                thousands(suspected.len() as u64),
                if suspected.len() == 1 { "" } else { "s" },
                thousands(suspected_accounts as u64),
                thousands(suspected_clusters as u64),
                thousands(loaded.campaigns.len() as u64),
                thousands(loaded.clusters.len() as u64),
            ));
            ui.checkbox(&mut self.suspected_only, "Suspected only");
        });
        if loaded.campaigns.is_empty() {
            ui.label(
                RichText::new(
                    "No campaigns: no clusters here do the same work together (re-run the analysis to group them)",
                )
                .weak(),
            );
            return commands;
        }
        let rows = self.rows(input).to_vec();
        if input.active.is_some() {
            ui.label(format!(
                "{} campaigns with accounts active in the brushed time range",
                thousands(rows.len() as u64)
            ));
        }
        let headers: [(&str, Option<SortKey>); 9] = [
            ("Campaign", None),
            ("Verdict", None),
            ("Score", Some(SortKey::Score)),
            ("Clusters", Some(SortKey::Clusters)),
            ("Accounts", Some(SortKey::Accounts)),
            ("Exchanges", Some(SortKey::Exchanges)),
            ("Cohesion", Some(SortKey::Cohesion)),
            ("Tags", None),
            ("Strongest reasons", None),
        ];
        let mut header_click = None;
        // A click anywhere on a row selects its campaign.
        ui.style_mut().interaction.selectable_labels = false;
        // Wider than the panel: it scrolls sideways instead of pushing the
        // panel over the inspector.
        egui::ScrollArea::horizontal()
            .id_salt("campaign_table_scroll")
            .auto_shrink([false, true])
            .show(ui, |ui| {
                TableBuilder::new(ui)
                    .striped(true)
                    .resizable(true)
                    .sense(egui::Sense::click())
                    .column(Column::auto().at_least(56.0))
                    .column(Column::auto().at_least(70.0))
                    .column(Column::auto().at_least(48.0))
                    .column(Column::auto().at_least(56.0))
                    .column(Column::auto().at_least(64.0))
                    .column(Column::auto().at_least(72.0))
                    .column(Column::auto().at_least(64.0))
                    .column(Column::auto().at_least(80.0).at_most(260.0).clip(true))
                    .column(Column::remainder().at_least(200.0).clip(true))
                    .header(22.0, |mut header| {
                        header_click = self.sorting.header_ui(&mut header, headers);
                    })
                    .body(|body| {
                        body.rows(22.0, rows.len(), |mut row| {
                            let k = rows[row.index()];
                            let campaign = &loaded.campaigns[k];
                            row.set_selected(input.selected == Some(k));
                            row.col(|ui| {
                                ui.horizontal(|ui| {
                                    let (r, _) = ui.allocate_exact_size(
                                        egui::vec2(10.0, 10.0),
                                        egui::Sense::hover(),
                                    );
                                    ui.painter().circle_filled(
                                        r.center(),
                                        4.5,
                                        crate::views::palette::campaign_swatch(loaded, k),
                                    );
                                    ui.monospace(&campaign.id);
                                });
                            });
                            row.col(|ui| {
                                if campaign.suspected {
                                    ui.label(
                                        RichText::new("suspected")
                                            .color(palette::SUSPECTED)
                                            .strong(),
                                    );
                                } else {
                                    ui.label(RichText::new("not suspected").weak());
                                }
                            });
                            row.col(|ui| {
                                let text = RichText::new(format!("{:.2}", campaign.score));
                                ui.label(if campaign.suspected {
                                    text.color(palette::SUSPECTED).strong()
                                } else {
                                    text
                                });
                            });
                            row.col(|ui| {
                                ui.label(thousands(index.clusters[k].len() as u64));
                            });
                            row.col(|ui| {
                                ui.label(thousands(index.members[k].len() as u64));
                            });
                            row.col(|ui| {
                                ui.label(thousands(index.exchanges[k]));
                            });
                            row.col(|ui| {
                                ui.add(
                                    egui::ProgressBar::new(campaign.cohesion as f32)
                                        .desired_width(56.0)
                                        .text(format!("{:.2}", campaign.cohesion)),
                                );
                            });
                            row.col(|ui| {
                                ui.horizontal(|ui| {
                                    let tags = loaded.campaign_tags(k);
                                    if !input.read_only
                                        && ui
                                            .small_button("Tag…")
                                            .on_hover_text(format!(
                                                "Tag the {} clusters of campaign {} in one action",
                                                index.clusters[k].len(),
                                                campaign.id
                                            ))
                                            .clicked()
                                    {
                                        commands.push(Command::OpenTagDialog(campaign_tag_target(
                                            loaded, k,
                                        )));
                                    }
                                    if tags.is_empty() {
                                        ui.label(RichText::new("-").weak());
                                    }
                                    let clusters = index.clusters[k].len();
                                    for (tag, n) in tags.iter().take(2) {
                                        let text = if *n == clusters {
                                            format!("{} ({})", tag.label, tag.status.name())
                                        } else {
                                            format!(
                                                "{} ({}, {n} of {clusters})",
                                                tag.label,
                                                tag.status.name()
                                            )
                                        };
                                        ui.label(
                                            RichText::new(text)
                                                .color(palette::tag_status_color(tag.status)),
                                        );
                                    }
                                    if tags.len() > 2 {
                                        ui.label(
                                            RichText::new(format!("+{}", tags.len() - 2)).weak(),
                                        );
                                    }
                                });
                            });
                            row.col(|ui| {
                                let reasons = &index.reasons[k];
                                let line = reasons
                                    .iter()
                                    .take(2)
                                    .map(|r| r.text.as_str())
                                    .collect::<Vec<_>>()
                                    .join(" · ");
                                let response = ui
                                    .add(egui::Label::new(RichText::new(line).small()).truncate());
                                if !reasons.is_empty() {
                                    response.on_hover_ui(|ui| {
                                        ui.set_max_width(520.0);
                                        for r in reasons {
                                            ui.label(format!(
                                                "• {} ({}, {:.2})",
                                                r.text,
                                                r.indicator.replace('_', " "),
                                                r.strength
                                            ));
                                        }
                                    });
                                }
                            });
                            if row.response().clicked() {
                                commands.push(Command::SelectCampaign(Some(campaign.id.clone())));
                            }
                        });
                    });
            });
        if let Some(key) = header_click {
            self.sorting.click(key);
        }
        commands
    }
}

/// The Tag dialog's target for campaign index `campaign`: all its clusters,
/// with their newest tags as shown.
pub fn campaign_tag_target(loaded: &Loaded, campaign: usize) -> TagTarget {
    let clusters = loaded
        .campaign_index
        .clusters
        .get(campaign)
        .map_or(&[][..], Vec::as_slice);
    TagTarget::Campaign {
        id: loaded
            .campaigns
            .get(campaign)
            .map(|k| k.id.clone())
            .unwrap_or_default(),
        clusters: clusters
            .iter()
            .filter_map(|&c| loaded.clusters.get(c).map(|x| x.id.clone()))
            .collect(),
        seen: clusters
            .iter()
            .map(|&c| loaded.casework.newest_cluster_tag(c).cloned())
            .collect(),
    }
}
