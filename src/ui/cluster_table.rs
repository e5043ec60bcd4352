//! The cluster table: every cluster of the stored analysis with its
//! campaign, analyst tag, score and sub-scores, sortable by any column and
//! filtered by tag; a click selects a cluster. Sorting and filtering run
//! when what they depend on changes, not every frame (20,000 clusters at
//! seed scale).

use egui::{Color32, RichText};
use egui_extras::{Column, TableBuilder};

use super::sortable::Sorting;

use super::command::Command;
use super::panel::Panel;
use crate::base::text::thousands;
use crate::case::analysis_store::{INDICATOR_COLUMNS, StoredCluster};
use crate::case::casework::TagStatus;
use crate::views::model::Loaded;
use crate::views::palette;

/// What the table is sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SortKey {
    /// Combined score.
    Score,
    /// Accounts in the cluster.
    Size,
    /// Exchanges of the cluster.
    Exchanges,
    /// Prompt plus completion tokens of the cluster.
    Tokens,
    /// One of the six sub-scores, by index in [`INDICATOR_COLUMNS`].
    Indicator(usize),
}

/// Which clusters the tag filter keeps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum TagFilter {
    /// All.
    #[default]
    All,
    /// Clusters with a tag.
    Tagged,
    /// Clusters without one.
    Untagged,
    /// Clusters whose newest tag has this status.
    Status(TagStatus),
    /// Clusters with a tag of this label.
    Label(String),
}

impl TagFilter {
    fn text(&self) -> String {
        match self {
            TagFilter::All => "all tags".into(),
            TagFilter::Tagged => "tagged".into(),
            TagFilter::Untagged => "untagged".into(),
            TagFilter::Status(s) => s.name().into(),
            TagFilter::Label(l) => format!("\"{l}\""),
        }
    }
}

/// What the cached rows depend on.
#[derive(Clone, Debug, PartialEq)]
struct RowsKey {
    generation: u64,
    clusters: usize,
    sorting: Sorting<SortKey>,
    suspected_only: bool,
    tag_filter: TagFilter,
    time_range: Option<(i64, i64)>,
    active_known: bool,
}

/// The cluster-table panel.
pub struct ClusterTable {
    sorting: Sorting<SortKey>,
    suspected_only: bool,
    /// Which clusters to list by tag.
    pub tag_filter: TagFilter,
    /// Cluster indices in table order, and what they were computed from.
    rows: Option<(RowsKey, Vec<usize>)>,
}

impl Default for ClusterTable {
    fn default() -> Self {
        Self {
            sorting: Sorting::new(SortKey::Score),
            suspected_only: false,
            tag_filter: TagFilter::All,
            rows: None,
        }
    }
}

fn sort_value(c: &StoredCluster, tokens: i64, key: SortKey) -> f64 {
    match key {
        SortKey::Tokens => tokens as f64,
        SortKey::Score => c.score,
        SortKey::Size => c.members.len() as f64,
        SortKey::Exchanges => c.exchanges as f64,
        SortKey::Indicator(i) => c.indicators.get(i).map_or(0.0, |(_, v)| *v),
    }
}

/// A sub-score as a short bar with its value.
fn score_cell_ui(ui: &mut egui::Ui, value: f64) {
    let bar = egui::ProgressBar::new(value as f32)
        .desired_width(56.0)
        .text(format!("{value:.2}"));
    ui.add(bar);
}

impl ClusterTable {
    /// Cluster indices in the order and under the filters shown.
    fn rows(
        &mut self,
        loaded: &Loaded,
        time_range: Option<(i64, i64)>,
        active: Option<&[bool]>,
    ) -> Vec<usize> {
        let key = RowsKey {
            generation: loaded.generation,
            clusters: loaded.clusters.len(),
            sorting: self.sorting,
            suspected_only: self.suspected_only,
            tag_filter: self.tag_filter.clone(),
            time_range,
            active_known: active.is_some(),
        };
        if let Some((k, rows)) = &self.rows
            && *k == key
        {
            return rows.clone();
        }
        let tags = &loaded.casework;
        let tag_ok = |i: usize| match &self.tag_filter {
            TagFilter::All => true,
            TagFilter::Tagged => tags.newest_cluster_tag(i).is_some(),
            TagFilter::Untagged => tags.newest_cluster_tag(i).is_none(),
            TagFilter::Status(s) => tags.newest_cluster_tag(i).is_some_and(|t| t.status == *s),
            TagFilter::Label(l) => tags.cluster_tags(i).any(|t| &t.label == l),
        };
        let in_range = |c: &StoredCluster| {
            active.is_none_or(|active| {
                c.members
                    .iter()
                    .any(|&a| active.get(a as usize).copied().unwrap_or(false))
            })
        };
        let clusters = &loaded.clusters;
        let mut rows: Vec<usize> = (0..clusters.len())
            .filter(|&i| {
                let c = &clusters[i];
                (!self.suspected_only || c.suspected) && in_range(c) && tag_ok(i)
            })
            .collect();
        let key_sort = self.sorting.key;
        let tokens = &loaded.cluster_tokens;
        rows.sort_by(|&ia, &ib| {
            let (a, b) = (&clusters[ia], &clusters[ib]);
            let token = |i: usize| tokens.get(i).copied().unwrap_or(0);
            let order =
                sort_value(a, token(ia), key_sort).total_cmp(&sort_value(b, token(ib), key_sort));
            let order = if self.sorting.descending {
                order.reverse()
            } else {
                order
            };
            order.then_with(|| a.id.cmp(&b.id))
        });
        self.rows = Some((key, rows.clone()));
        rows
    }
}

/// What the cluster table reads.
pub struct ClusterTableInput<'a> {
    /// The open case.
    pub loaded: &'a Loaded,
    /// The selected cluster (index).
    pub selected: Option<usize>,
    /// The brushed time range (hours), if any.
    pub time_range: Option<(i64, i64)>,
    /// Per account, whether it was active in `time_range`.
    pub active: Option<&'a [bool]>,
}

impl Panel for ClusterTable {
    type Input<'a> = ClusterTableInput<'a>;

    /// Draws the table; returns `SelectCluster` when a row is clicked (or
    /// `SelectCampaign` when its campaign is). With `active` (per account,
    /// from the brushed `time_range`) only clusters with a member active
    /// then are listed.
    fn ui(&mut self, ui: &mut egui::Ui, input: &ClusterTableInput<'_>) -> Vec<Command> {
        let ClusterTableInput {
            loaded,
            selected,
            time_range,
            active,
        } = *input;
        let clusters = &loaded.clusters;
        if !loaded.analysed {
            ui.heading("Clusters");
            ui.label("Not analysed yet: run `hydrascope analyze` on this case to find suspected campaigns");
            return Vec::new();
        };
        let suspected = clusters.iter().filter(|c| c.suspected).count();
        let flagged: usize = clusters
            .iter()
            .filter(|c| c.suspected)
            .map(|c| c.members.len())
            .sum();
        ui.horizontal_wrapped(|ui| {
            ui.heading("Clusters");
            let campaigns = loaded.campaigns.iter().filter(|k| k.suspected).count();
            ui.label(format!(
                "{} suspected clusters ({} accounts) among {} clusters{}",
                thousands(suspected as u64),
                thousands(flagged as u64),
                thousands(clusters.len() as u64),
                match campaigns {
                    0 => String::new(),
                    1 => "; 1 suspected campaign in the Campaigns tab".to_string(),
                    n => format!("; {n} suspected campaigns in the Campaigns tab"),
                }
            ));
            ui.checkbox(&mut self.suspected_only, "Suspected only");
            egui::ComboBox::from_id_salt("tag_filter")
                .selected_text(format!("Tags: {}", self.tag_filter.text()))
                .show_ui(ui, |ui| {
                    let mut choices = vec![TagFilter::All, TagFilter::Tagged, TagFilter::Untagged];
                    choices.extend(TagStatus::ALL.map(TagFilter::Status));
                    choices.extend(
                        loaded
                            .casework
                            .labels()
                            .into_iter()
                            .map(|l| TagFilter::Label(l.to_string())),
                    );
                    for choice in choices {
                        let text = choice.text();
                        ui.selectable_value(&mut self.tag_filter, choice, text);
                    }
                })
                .response
                .accessible_name("Filter clusters by tag");
        });
        let tags = &loaded.casework;
        let rows = self.rows(loaded, time_range, active);
        if active.is_some() {
            ui.label(format!(
                "{} clusters with accounts active in the brushed time range",
                thousands(rows.len() as u64)
            ));
        }
        let tokens = &loaded.cluster_tokens;
        let mut command = None;
        let mut header_click = None;
        let headers: Vec<(String, Option<SortKey>)> = [
            ("Cluster".to_string(), None),
            ("Campaign".to_string(), None),
            ("Tag".to_string(), None),
            ("Score".to_string(), Some(SortKey::Score)),
            ("Accounts".to_string(), Some(SortKey::Size)),
            ("Exchanges".to_string(), Some(SortKey::Exchanges)),
            ("Tokens".to_string(), Some(SortKey::Tokens)),
        ]
        .into_iter()
        .chain(
            INDICATOR_COLUMNS
                .iter()
                .enumerate()
                .map(|(i, name)| (name.replace('_', " "), Some(SortKey::Indicator(i)))),
        )
        .collect();
        // Cells must not take the click for text selection: a click anywhere
        // on a row selects its cluster.
        ui.style_mut().interaction.selectable_labels = false;
        // Wider than the panel: it scrolls sideways instead of pushing the
        // panel over the inspector.
        egui::ScrollArea::horizontal()
            .id_salt("cluster_table_scroll")
            .auto_shrink([false, true])
            .show(ui, |ui| {
        TableBuilder::new(ui)
            .striped(true)
            .resizable(true)
            .sense(egui::Sense::click())
            .column(Column::auto().at_least(64.0))
            .column(Column::auto().at_least(72.0))
            .column(Column::auto().at_least(230.0).clip(true))
            .column(Column::auto().at_least(64.0))
            .column(Column::auto().at_least(70.0))
            .column(Column::auto().at_least(76.0))
            .column(Column::auto().at_least(90.0))
            .columns(Column::auto().at_least(64.0), INDICATOR_COLUMNS.len())
            .header(22.0, |mut header| {
                header_click = self
                    .sorting
                    .header_ui(&mut header, headers.iter().map(|(n, k)| (n, *k)));
            })
            .body(|body| {
                body.rows(22.0, rows.len(), |mut row| {
                    let index = rows[row.index()];
                    let c = &clusters[index];
                    row.set_selected(selected == Some(index));
                    row.col(|ui| {
                        ui.monospace(&c.id);
                        if tags.edited.contains(&c.id) {
                            ui.label(RichText::new("edited").small().weak())
                                .on_hover_text("Membership edited by hand: the score is from the last analysis");
                        }
                    });
                    row.col(|ui| {
                        match loaded.campaign_index.of_cluster(index).and_then(|k| Some((k, loaded.campaigns.get(k)?))) {
                            Some((k, campaign)) => {
                                let text = RichText::new(&campaign.id)
                                    .monospace()
                                    .color(crate::views::palette::campaign_swatch(loaded, k));
                                if ui
                                    .add(egui::Button::new(text).frame(false).small())
                                    .on_hover_text(format!(
                                        "{} campaign {} (score {:.2}): select it",
                                        if campaign.suspected { "Suspected" } else { "Candidate" },
                                        campaign.id,
                                        campaign.score
                                    ))
                                    .clicked()
                                {
                                    command = Some(Command::SelectCampaign(Some(campaign.id.clone())));
                                }
                            }
                            None => {
                                ui.label(RichText::new("-").weak());
                            }
                        }
                    });
                    row.col(|ui| match tags.newest_cluster_tag(index) {
                        Some(t) => {
                            let more = tags.cluster_tags(index).count() - 1;
                            ui.label(
                                RichText::new(format!(
                                    "{} ({}){}",
                                    t.label,
                                    t.status.name(),
                                    if more > 0 { format!(" +{more}") } else { String::new() }
                                ))
                                .color(palette::tag_status_color(t.status)),
                            )
                            .on_hover_text(format!(
                                "confidence {:.2}{}; by {} at {}",
                                t.confidence,
                                if t.capability.is_empty() { String::new() } else { format!("; {}", t.capability) },
                                t.updated_by,
                                t.updated_at
                            ));
                        }
                        None => {
                            ui.label(RichText::new("-").weak());
                        }
                    });
                    row.col(|ui| {
                        match c.inherited_from() {
                            // Suspected only as part of its campaign: its
                            // own score (0 for one account) is no verdict.
                            Some(k) => {
                                ui.label(
                                    RichText::new(format!("in {k}"))
                                        .color(Color32::from_rgb(230, 90, 70)),
                                )
                                .on_hover_text(format!(
                                    "Suspected as part of campaign {k}; its own score is {:.2}",
                                    c.score
                                ));
                            }
                            None => {
                                let text = RichText::new(format!("{:.2}", c.score));
                                ui.label(if c.suspected {
                                    text.color(Color32::from_rgb(230, 90, 70)).strong()
                                } else {
                                    text
                                });
                            }
                        }
                    });
                    row.col(|ui| {
                        ui.label(thousands(c.members.len() as u64));
                    });
                    row.col(|ui| {
                        ui.label(thousands(c.exchanges));
                    });
                    row.col(|ui| {
                        ui.label(thousands(tokens[index].max(0) as u64));
                    });
                    for (_, value) in &c.indicators {
                        row.col(|ui| score_cell_ui(ui, *value));
                    }
                    if row.response().clicked() && command.is_none() {
                        command = Some(Command::SelectCluster(Some(index)));
                    }
                });
            });
            });
        if let Some(key) = header_click {
            self.sorting.click(key);
        }
        command.into_iter().collect()
    }
}
