//! The inspector: what is selected, and why, and the analyst's case work on
//! it (tags; merge, move and split). For a campaign: its score, each
//! sub-score and its cohesion with the numbers behind them, its tags and
//! its clusters; with nothing selected, the suspected campaigns to start
//! from. For a cluster: each sub-score
//! as a bar with the numbers behind it, its top prompt templates with
//! excerpts, and its capability / model / country / access-path mix. For an
//! account: its metadata, its cluster, and every link with its evidence.
//! For any of them: why it is related to an account, a cluster or a
//! campaign the analyst names (the shortest and the strongest chains of
//! evidence links, [`crate::views::why`]).

use super::notes_panel::{NotesAbout, notes_on_ui};
use std::collections::BTreeMap;

use egui::{Color32, RichText};

use super::command::Command;
use super::jobs::CaseworkRequest;
use super::panel::Panel;
use super::tag_dialog::TagTarget;
use crate::base::text::{count, thousands};
use crate::base::time::format_rfc3339_ms;
use crate::case::analysis_store::{INDICATOR_COLUMNS, StoredCluster};
use crate::case::casework::{MoveTarget, Tag};
use crate::case::workbench::AccountLink;
use crate::views::model::{Loaded, NO_CLUSTER, cluster_facts};
use crate::views::palette;
use crate::views::series::SelectionSeries;
use crate::views::state::CaseView;
use crate::views::why::{Chain, EvidenceChains};

/// Accounts listed under a cluster, at most.
const MAX_LISTED_ACCOUNTS: usize = 100;

/// What the inspector shows this frame.
pub struct InspectorInput<'a> {
    /// The open case.
    pub loaded: &'a Loaded,
    /// Selection.
    pub view: &'a CaseView,
    /// The selection's series and mixes, once the worker answered.
    pub series: Option<&'a SelectionSeries>,
    /// The selected account's links, once the worker answered.
    pub account_links: Option<&'a [AccountLink]>,
    /// Case work is off (the case could not be opened for writing).
    pub read_only: bool,
    /// The last "Why related to…" answer.
    pub why: Option<&'a WhyAnswer>,
}

/// An answer to "Why related to…": the chains from the accounts that were
/// selected to what the analyst named.
#[derive(Clone, Debug, PartialEq)]
pub struct WhyAnswer {
    /// The accounts selected when it was asked.
    pub from: Vec<u32>,
    /// What the analyst named.
    pub to: String,
    /// The chains; `None` while the worker is on it.
    pub chains: Option<EvidenceChains>,
}

/// The inspector panel.
#[derive(Default)]
pub struct Inspector {
    /// The cluster id typed for "Merge into" / "Move to".
    target: String,
    /// The account, cluster or campaign typed for "Why related to…".
    why_to: String,
    /// The k of "Keep the k-core" (2 until changed).
    core_k: Option<u32>,
}

impl Inspector {}

impl Panel for Inspector {
    type Input<'a> = InspectorInput<'a>;

    /// Draws the selection; returns the analyst's commands (follow a link,
    /// select a member).
    fn ui(&mut self, ui: &mut egui::Ui, input: &InspectorInput<'_>) -> Vec<Command> {
        let mut commands = Vec::new();
        let loaded = input.loaded;
        let view = input.view;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                if let Some(from) = loaded.selected_accounts(view) {
                    self.why_ui(ui, input, &from, &mut commands);
                    self.neighbourhood_ui(ui, input, &from, &mut commands);
                }
                if let Some(account) = view.account {
                    account_ui(ui, input, account, &mut commands);
                    notes_on_ui(ui, loaded, NotesAbout::Account(account));
                    if !input.read_only {
                        self.account_edit_ui(ui, loaded, &[account], &mut commands);
                    }
                    ui.separator();
                }
                if let Some((index, c)) = view.cluster.and_then(|c| Some((c, loaded.clusters.get(c)?))) {
                    cluster_ui(ui, loaded, c, &mut commands);
                    notes_on_ui(ui, loaded, NotesAbout::Cluster(&c.id));
                    self.cluster_casework_ui(ui, input, index, c, &mut commands);
                    if view.account.is_none() {
                        mix_ui(ui, input, &c.members);
                    }
                    members_ui(ui, loaded, &c.members, &mut commands);
                } else if !view.accounts.is_empty() && view.account.is_none() {
                    ui.heading(format!("{} accounts selected", thousands(view.accounts.len() as u64)));
                    let mut by_cluster: BTreeMap<&str, usize> = BTreeMap::new();
                    for &a in &view.accounts {
                        let id = loaded.cluster_of_account(a).map_or("(none)", |c| c.id.as_str());
                        *by_cluster.entry(id).or_default() += 1;
                    }
                    ui.label(format!("in {} clusters", by_cluster.len()));
                    if !input.read_only {
                        self.selection_casework_ui(ui, loaded, &view.accounts, &mut commands);
                    }
                    mix_ui(ui, input, &view.accounts);
                    members_ui(ui, loaded, &view.accounts, &mut commands);
                } else if let Some((k, _)) = view
                    .campaign
                    .filter(|_| view.account.is_none())
                    .and_then(|k| Some((k, loaded.campaigns.get(k)?)))
                {
                    campaign_ui(ui, input, k, &mut commands);
                    if let Some(campaign) = loaded.campaigns.get(k) {
                        notes_on_ui(ui, loaded, NotesAbout::Campaign(&campaign.id));
                    }
                    mix_ui(ui, input, loaded.campaign_members(k));
                    members_ui(ui, loaded, loaded.campaign_members(k), &mut commands);
                } else if view.account.is_none() {
                    ui.heading("Inspector");
                    ui.label("Click a campaign, an account in the graph, a row in a table, or shift-drag a box to see what it is and why it is there");
                    overview_ui(ui, loaded, &mut commands);
                }
            });
        commands
    }
}

impl Inspector {
    /// "Why related to…": a field for an account, cluster or campaign id
    /// and the chains of evidence links from the selection to it.
    fn why_ui(
        &mut self,
        ui: &mut egui::Ui,
        input: &InspectorInput<'_>,
        from: &[u32],
        commands: &mut Vec<Command>,
    ) {
        if !input.loaded.analysed {
            return;
        }
        let loaded = input.loaded;
        egui::CollapsingHeader::new("Why related to…")
            .id_salt("why_related")
            .default_open(input.why.is_some_and(|w| w.from == from))
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    let field = ui.add(
                        egui::TextEdit::singleline(&mut self.why_to)
                            .id_salt("why_related_to")
                            .hint_text("account, cluster or campaign id")
                            .desired_width(180.0),
                    );
                    let to = self.why_to.trim().to_string();
                    let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
                    if (ui
                        .add_enabled(!to.is_empty(), egui::Button::new("Find chains"))
                        .on_hover_text(
                            "The shortest and the strongest chains of evidence links from the selection to it",
                        )
                        .clicked()
                        || enter)
                        && !to.is_empty()
                    {
                        commands.push(Command::FindWhy {
                            from: from.to_vec(),
                            to,
                        });
                    }
                });
                // The answer stays with the selection it was asked for, and
                // with a chain once it is selected.
                let Some(answer) = input.why.filter(|w| {
                    w.from == from
                        || w
                            .chains
                            .as_ref()
                            .is_some_and(|c| c.distinct().any(|chain| chain.accounts == from))
                }) else {
                    return;
                };
                if ui
                    .small_button("Clear")
                    .on_hover_text("Forget these chains and stop drawing them on the graph")
                    .clicked()
                {
                    commands.push(Command::ClearWhy);
                }
                let Some(chains) = &answer.chains else {
                    ui.label(RichText::new(format!("Looking for chains to {}…", answer.to)).weak());
                    return;
                };
                match (&chains.shortest, &chains.strongest) {
                    (Some(shortest), _) if shortest.hops.is_empty() => {
                        ui.label(format!(
                            "{} is part of both: no link is needed",
                            loaded.account_name(shortest.accounts[0])
                        ));
                    }
                    (Some(shortest), Some(strongest)) => {
                        ui.label(
                            RichText::new("Drawn on the graph: the shortest in yellow, the strongest in cyan")
                                .small()
                                .weak(),
                        );
                        chain_ui(ui, loaded, 0, shortest, commands);
                        if strongest != shortest {
                            chain_ui(ui, loaded, 1, strongest, commands);
                        } else {
                            ui.label(RichText::new("The strongest chain is the same.").weak());
                        }
                    }
                    _ => {
                        ui.label(format!(
                            "No chain of evidence links joins the selection to {} (in the links the last analysis kept)",
                            answer.to
                        ));
                    }
                }
            });
    }

    /// "Neighbourhood": grow the selection by one hop, keep its largest
    /// connected part or its k-core (through the links the graph shows),
    /// and show only it.
    fn neighbourhood_ui(
        &mut self,
        ui: &mut egui::Ui,
        input: &InspectorInput<'_>,
        from: &[u32],
        commands: &mut Vec<Command>,
    ) {
        use crate::views::neighbourhood::Grow;
        if !input.loaded.analysed {
            return;
        }
        egui::CollapsingHeader::new("Neighbourhood")
            .id_salt("neighbourhood")
            .show(ui, |ui| {
                ui.label(
                    RichText::new(format!(
                        "{} selected; through the evidence kinds and the link weight the Evidence filter shows (Back undoes)",
                        count(from.len() as u64, "account", "accounts")
                    ))
                    .small()
                    .weak(),
                );
                ui.horizontal_wrapped(|ui| {
                    if ui
                        .button("One hop more")
                        .on_hover_text("Add every account one shown link away")
                        .clicked()
                    {
                        commands.push(Command::Grow(Grow::OneHop));
                    }
                    if ui
                        .button("Largest connected part")
                        .on_hover_text("Keep the largest part of the selection its shown links hold together")
                        .clicked()
                    {
                        commands.push(Command::Grow(Grow::LargestPart));
                    }
                    let k = self.core_k.get_or_insert(2);
                    if ui
                        .button("k-core")
                        .on_hover_text("Keep the accounts with at least k shown links to others of the selection that have as many")
                        .clicked()
                    {
                        commands.push(Command::Grow(Grow::Core(*k)));
                    }
                    ui.add(egui::DragValue::new(k).range(1..=50).prefix("k = "));
                });
                let mut isolate = input.view.isolate;
                if ui
                    .checkbox(&mut isolate, "Show only the selection on the graph")
                    .changed()
                {
                    commands.push(Command::Isolate(isolate));
                }
            });
    }

    fn cluster_casework_ui(
        &mut self,
        ui: &mut egui::Ui,
        input: &InspectorInput<'_>,
        index: usize,
        c: &StoredCluster,
        commands: &mut Vec<Command>,
    ) {
        let loaded = input.loaded;
        if loaded.casework.edited.contains(&c.id) {
            ui.label(
                RichText::new("Membership edited by hand: the score is from the last analysis; re-run it to rescore")
                    .small()
                    .color(palette::RELEASE),
            );
        }
        ui.add_space(4.0);
        ui.strong("Analyst tags");
        let mut any = false;
        for tag in loaded.casework.cluster_tags(index) {
            any = true;
            tag_card_ui(ui, tag, !input.read_only, commands);
        }
        if !any {
            ui.label(RichText::new("Not tagged").weak());
        }
        if input.read_only {
            return;
        }
        ui.horizontal(|ui| {
            let newest = loaded.casework.newest_cluster_tag(index).cloned();
            let text = if newest.is_some() {
                "Edit tag…"
            } else {
                "Tag as campaign…"
            };
            if ui.button(text).clicked() {
                commands.push(Command::OpenTagDialog(TagTarget::Clusters(
                    vec![c.id.clone()],
                    vec![newest],
                )));
            }
            let target = cluster_id_field_ui(ui, &mut self.target);
            if ui
                .add_enabled(
                    !target.is_empty() && target != c.id,
                    egui::Button::new("Merge into"),
                )
                .on_hover_text(
                    "Move all of this cluster's accounts into the cluster typed; its tags follow",
                )
                .clicked()
            {
                commands.push(Command::Casework(CaseworkRequest::Merge {
                    sources: vec![c.id.clone()],
                    into: target,
                }));
            }
        });
        ui.add_space(6.0);
    }

    /// Tag, split or move a selection of accounts.
    fn selection_casework_ui(
        &mut self,
        ui: &mut egui::Ui,
        loaded: &Loaded,
        accounts: &[u32],
        commands: &mut Vec<Command>,
    ) {
        let mut clusters: Vec<(String, Option<Tag>)> = Vec::new();
        for &a in accounts {
            let c = loaded
                .cluster_of
                .get(a as usize)
                .copied()
                .unwrap_or(NO_CLUSTER);
            if let Some(stored) = loaded.clusters.get(c as usize)
                && !clusters.iter().any(|(id, _)| *id == stored.id)
            {
                clusters.push((
                    stored.id.clone(),
                    loaded.casework.newest_cluster_tag(c as usize).cloned(),
                ));
            }
        }
        ui.horizontal_wrapped(|ui| {
            if ui
                .button("Tag selection…")
                .on_hover_text("One tag on exactly these accounts")
                .clicked()
            {
                commands.push(Command::OpenTagDialog(TagTarget::Accounts(
                    accounts.to_vec(),
                )));
            }
            if !clusters.is_empty()
                && ui
                    .button(format!("Tag their {} clusters…", clusters.len()))
                    .on_hover_text("The same tag on every cluster the selection touches")
                    .clicked()
            {
                let (ids, seen) = clusters.iter().cloned().unzip();
                commands.push(Command::OpenTagDialog(TagTarget::Clusters(ids, seen)));
            }
        });
        self.account_edit_ui(ui, loaded, accounts, commands);
        if clusters.len() >= 2 {
            let ids: Vec<String> = clusters.iter().map(|(id, _)| id.clone()).collect();
            if ui
                .button(format!(
                    "Merge these {} clusters into {}",
                    ids.len(),
                    ids[0]
                ))
                .clicked()
            {
                commands.push(Command::Casework(CaseworkRequest::Merge {
                    sources: ids[1..].to_vec(),
                    into: ids[0].clone(),
                }));
            }
        }
    }

    /// Split accounts into a new cluster or move them to another.
    fn account_edit_ui(
        &mut self,
        ui: &mut egui::Ui,
        loaded: &Loaded,
        accounts: &[u32],
        commands: &mut Vec<Command>,
    ) {
        if !loaded.analysed {
            return;
        }
        let what = if accounts.len() == 1 {
            "this account".to_string()
        } else {
            format!("these {} accounts", accounts.len())
        };
        ui.horizontal_wrapped(|ui| {
            if ui
                .button("Split into new cluster")
                .on_hover_text(format!(
                    "Put {what} in a cluster of their own; a re-analysis keeps it"
                ))
                .clicked()
            {
                commands.push(Command::Casework(CaseworkRequest::Move(
                    accounts.to_vec(),
                    MoveTarget::NewCluster,
                )));
            }
            let target = cluster_id_field_ui(ui, &mut self.target);
            if ui
                .add_enabled(!target.is_empty(), egui::Button::new("Move to"))
                .on_hover_text(format!(
                    "Move {what} into the cluster typed; a re-analysis keeps them there"
                ))
                .clicked()
            {
                commands.push(Command::Casework(CaseworkRequest::Move(
                    accounts.to_vec(),
                    MoveTarget::Cluster(target),
                )));
            }
        });
        if let Some(tag) = accounts
            .first()
            .filter(|_| accounts.len() == 1)
            .and_then(|&a| loaded.casework.tag_of(a))
            .filter(|t| t.cluster.is_none())
        {
            tag_card_ui(ui, tag, true, commands);
        }
    }
}

/// One chain: its length and weakest link, each link with its evidence;
/// account names select the account, "Select the chain" its accounts.
fn chain_ui(
    ui: &mut egui::Ui,
    loaded: &Loaded,
    which: usize,
    chain: &Chain,
    commands: &mut Vec<Command>,
) {
    let title = if which == 0 { "Shortest" } else { "Strongest" };
    ui.horizontal(|ui| {
        ui.label(
            RichText::new(format!(
                "{title}: {}, weakest link {:.2}",
                count(chain.hops.len() as u64, "link", "links"),
                chain.weakest().unwrap_or(0.0)
            ))
            .strong()
            .color(crate::views::graph_view::chain_color(which)),
        );
        if ui
            .small_button("Select the chain")
            .on_hover_text("Select its accounts on the graph and the timelines")
            .clicked()
        {
            commands.push(Command::SelectAccounts(chain.accounts.clone()));
        }
    });
    for hop in &chain.hops {
        ui.horizontal_wrapped(|ui| {
            for (i, a) in [hop.a, hop.b].into_iter().enumerate() {
                if i == 1 {
                    ui.label("—");
                }
                let name = crate::base::text::for_drawing(&loaded.account_name(a)).into_owned();
                if ui.link(name).clicked() {
                    commands.push(Command::SelectAccount(Some(a)));
                }
            }
            ui.label(RichText::new(format!("{:.2}", hop.weight)).weak());
        });
        for e in &hop.evidence {
            evidence_ui(ui, e);
        }
    }
}

/// A short field for a cluster id (the target of a merge or move); returns
/// what is typed, trimmed.
fn cluster_id_field_ui(ui: &mut egui::Ui, target: &mut String) -> String {
    ui.add(
        egui::TextEdit::singleline(target)
            .hint_text("cluster id")
            .desired_width(70.0),
    );
    target.trim().to_string()
}

/// One tag: label and status, confidence, capability, actor, notes, who
/// and when; with Edit and Remove.
fn tag_card_ui(ui: &mut egui::Ui, tag: &Tag, editable: bool, commands: &mut Vec<Command>) {
    let color = palette::tag_status_color(tag.status);
    egui::Frame::group(ui.style())
        .stroke(egui::Stroke::new(1.0, color))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.label(RichText::new(&tag.label).strong().color(color));
                ui.label(
                    RichText::new(tag.status.name().to_uppercase())
                        .small()
                        .color(color),
                );
                ui.label(format!("confidence {:.2}", tag.confidence));
            });
            let mut facts = Vec::new();
            if !tag.capability.is_empty() {
                facts.push(format!("targets {}", tag.capability));
            }
            if !tag.actor.is_empty() {
                facts.push(format!("actor {}", tag.actor));
            }
            if tag.cluster.is_none() {
                facts.push(format!("on {} accounts", tag.accounts.len()));
            }
            if !facts.is_empty() {
                ui.label(facts.join(" · "));
            }
            if !tag.notes.is_empty() {
                ui.add(
                    egui::Label::new(RichText::new(&tag.notes).italics())
                        .wrap_mode(egui::TextWrapMode::Wrap),
                );
            }
            ui.label(
                RichText::new(format!(
                    "by {} at {}{}",
                    tag.analyst,
                    tag.created_at.replace('T', " "),
                    if tag.updated_at != tag.created_at {
                        format!(
                            "; changed by {} at {}",
                            tag.updated_by,
                            tag.updated_at.replace('T', " ")
                        )
                    } else {
                        String::new()
                    }
                ))
                .small()
                .weak(),
            );
            if editable {
                ui.horizontal(|ui| {
                    if ui.small_button("Edit…").clicked() {
                        commands.push(Command::OpenTagDialog(TagTarget::Tag(Box::new(
                            tag.clone(),
                        ))));
                    }
                    if ui.small_button("Remove").clicked() {
                        commands.push(Command::Casework(CaseworkRequest::RemoveTag(Box::new(
                            tag.clone(),
                        ))));
                    }
                });
            }
        });
}

/// "1 cluster", "12 clusters".
fn clusters_phrase(n: usize) -> String {
    if n == 1 {
        "1 cluster".into()
    } else {
        format!("{} clusters", thousands(n as u64))
    }
}

/// With nothing selected: the suspected campaigns, strongest first, each a
/// click away.
fn overview_ui(ui: &mut egui::Ui, loaded: &Loaded, commands: &mut Vec<Command>) {
    if !loaded.analysed {
        return;
    }
    let index = &loaded.campaign_index;
    let suspected: Vec<usize> = (0..loaded.campaigns.len())
        .filter(|&k| loaded.campaigns[k].suspected && !index.clusters[k].is_empty())
        .collect();
    ui.add_space(10.0);
    ui.strong(match suspected.len() {
        0 => "No suspected campaign".to_string(),
        1 => "1 suspected campaign".to_string(),
        n => format!("{n} suspected campaigns"),
    });
    for &k in suspected.iter().take(12) {
        let campaign = &loaded.campaigns[k];
        let color = crate::views::palette::campaign_swatch(loaded, k);
        let response = egui::Frame::group(ui.style())
            .stroke(egui::Stroke::new(1.0, color.gamma_multiply(0.7)))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.horizontal(|ui| {
                    ui.label(
                        RichText::new(&campaign.id)
                            .monospace()
                            .strong()
                            .color(color),
                    );
                    let clusters = index.clusters[k].len();
                    ui.label(format!(
                        "{}{} · score {:.2}",
                        count(index.members[k].len() as u64, "account", "accounts"),
                        if clusters == 1 {
                            " in 1 cluster".to_string()
                        } else {
                            format!(" in {} clusters", thousands(clusters as u64))
                        },
                        campaign.score
                    ));
                });
                if let Some((tag, _)) = loaded.campaign_tags(k).first() {
                    ui.label(
                        RichText::new(format!("{} ({})", tag.label, tag.status.name()))
                            .color(palette::tag_status_color(tag.status)),
                    );
                }
                if let Some(reason) = index.reasons[k].first() {
                    ui.add(
                        egui::Label::new(RichText::new(&reason.text).small())
                            .wrap_mode(egui::TextWrapMode::Wrap),
                    );
                }
            })
            .response
            .interact(egui::Sense::click())
            .on_hover_cursor(egui::CursorIcon::PointingHand)
            .on_hover_text("Select this campaign");
        if response.clicked() {
            commands.push(Command::SelectCampaign(Some(campaign.id.clone())));
        }
    }
    if suspected.len() > 12 {
        ui.label(
            RichText::new(format!(
                "… and {} more in the Campaigns table",
                suspected.len() - 12
            ))
            .weak(),
        );
    }
    let others = loaded.campaigns.len() - suspected.len();
    if others > 0 {
        ui.label(
            RichText::new(format!(
                "{} candidate campaign{} not suspected; {} clusters in all",
                thousands(others as u64),
                if others == 1 { "" } else { "s" },
                thousands(loaded.clusters.len() as u64)
            ))
            .small()
            .weak(),
        );
    }
}

/// A campaign: verdict and size, each sub-score and its cohesion with the
/// reasons behind them, the tags on its clusters, and its clusters.
fn campaign_ui(
    ui: &mut egui::Ui,
    input: &InspectorInput<'_>,
    k: usize,
    commands: &mut Vec<Command>,
) {
    let loaded = input.loaded;
    let campaign = &loaded.campaigns[k];
    let index = &loaded.campaign_index;
    let color = crate::views::palette::campaign_swatch(loaded, k);
    ui.horizontal(|ui| {
        ui.heading(RichText::new(format!("Campaign {}", campaign.id)).color(color));
        if campaign.suspected {
            ui.label(
                RichText::new("SUSPECTED")
                    .color(palette::SUSPECTED)
                    .strong(),
            );
        } else {
            ui.label(RichText::new("not suspected").weak());
        }
    });
    ui.label(format!(
        "Score {:.2} · {} · {} · {} exchanges",
        campaign.score,
        clusters_phrase(index.clusters[k].len()),
        count(index.members[k].len() as u64, "account", "accounts"),
        thousands(index.exchanges[k])
    ));
    ui.add_space(4.0);
    ui.strong("Analyst tags");
    let tags = loaded.campaign_tags(k);
    let clusters = index.clusters[k].len();
    if tags.is_empty() {
        ui.label(RichText::new("Not tagged").weak());
    }
    for (tag, n) in &tags {
        let color = palette::tag_status_color(tag.status);
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(&tag.label).strong().color(color));
            ui.label(
                RichText::new(tag.status.name().to_uppercase())
                    .small()
                    .color(color),
            );
            ui.label(if *n == clusters {
                "on every cluster".to_string()
            } else {
                format!("on {n} of {clusters} clusters")
            });
        });
    }
    if !input.read_only {
        let text = if tags.is_empty() {
            "Tag campaign…"
        } else {
            "Edit campaign tag…"
        };
        if ui
            .button(text)
            .on_hover_text(format!(
                "One tag on each of its {clusters} clusters, as one action (Ctrl+Z undoes it)"
            ))
            .clicked()
        {
            commands.push(Command::OpenTagDialog(
                super::campaign_table::campaign_tag_target(loaded, k),
            ));
        }
    }
    ui.add_space(6.0);
    let reasons = &index.reasons[k];
    let cohesion_bar = |ui: &mut egui::Ui, name: &str, value: f64| {
        ui.add(
            egui::ProgressBar::new(value as f32)
                .text(format!("{name} {value:.2}"))
                .fill(palette::score_color(value).gamma_multiply(0.8))
                .desired_width(ui.available_width()),
        );
    };
    let reasons_of = |ui: &mut egui::Ui, name: &str| {
        for r in reasons.iter().filter(|r| r.indicator == name) {
            ui.add(
                egui::Label::new(RichText::new(format!("• {}", r.text)).small())
                    .wrap_mode(egui::TextWrapMode::Wrap),
            );
        }
    };
    cohesion_bar(ui, "cohesion", campaign.cohesion);
    reasons_of(ui, "cohesion");
    ui.add_space(3.0);
    for (i, name) in INDICATOR_COLUMNS.iter().enumerate() {
        let value = campaign.indicators.get(i).map_or(0.0, |(_, v)| *v);
        cohesion_bar(ui, &name.replace('_', " "), value);
        reasons_of(ui, name);
        if *name == "coordination" {
            // How independent the members are weighs on their coordination.
            reasons_of(ui, "independence");
        }
        ui.add_space(3.0);
    }
    ui.add_space(4.0);
    egui::CollapsingHeader::new(format!("Clusters ({})", thousands(clusters as u64)))
        .id_salt(("campaign_clusters", &campaign.id))
        .default_open(true)
        .show(ui, |ui| {
            for &c in index.clusters[k].iter().take(MAX_LISTED_ACCOUNTS) {
                let Some(cluster) = loaded.clusters.get(c) else {
                    continue;
                };
                ui.horizontal_wrapped(|ui| {
                    if ui
                        .link(cluster_facts(cluster))
                        .on_hover_text("Select this cluster")
                        .clicked()
                    {
                        commands.push(Command::SelectCluster(Some(c)));
                    }
                    if let Some(tag) = loaded.casework.newest_cluster_tag(c) {
                        ui.label(
                            RichText::new(&tag.label)
                                .small()
                                .color(palette::tag_status_color(tag.status)),
                        );
                    }
                });
            }
            if clusters > MAX_LISTED_ACCOUNTS {
                ui.label(format!(
                    "… and {} more (highest score first)",
                    thousands((clusters - MAX_LISTED_ACCOUNTS) as u64)
                ));
            }
        });
}

fn cluster_ui(ui: &mut egui::Ui, loaded: &Loaded, c: &StoredCluster, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.heading(format!("Cluster {}", c.id));
        if c.suspected {
            ui.label(
                RichText::new("SUSPECTED")
                    .color(palette::SUSPECTED)
                    .strong(),
            );
        }
        if ui
            .small_button("Focus")
            .on_hover_text("Show only it and its one-hop neighbours")
            .clicked()
            && let Some((i, _)) = loaded.cluster_by_id(&c.id)
        {
            {
                commands.push(Command::Focus(Some(i)));
            }
        }
    });
    let tokens: i64 = c
        .members
        .iter()
        .filter_map(|&a| loaded.accounts.get(a as usize))
        .map(|a| a.tokens)
        .sum();
    let verdict = match c.inherited_from() {
        // A fragment's own score (a one-account cluster's is 0) is no verdict.
        Some(k) => format!(
            "Suspected as part of campaign {k} (own score {:.2})",
            c.score
        ),
        None => format!("Score {:.2}", c.score),
    };
    ui.label(format!(
        "{verdict} · {} · {} exchanges · {} tokens",
        count(c.members.len() as u64, "account", "accounts"),
        thousands(c.exchanges),
        thousands(tokens.max(0) as u64)
    ));
    if let Some((k, campaign)) = c
        .campaign
        .as_deref()
        .and_then(|id| loaded.campaign_by_id(id))
    {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "Part of {}campaign",
                if campaign.suspected { "suspected " } else { "" }
            ));
            if ui
                .link(
                    RichText::new(&campaign.id)
                        .monospace()
                        .color(crate::views::palette::campaign_swatch(loaded, k)),
                )
                .on_hover_text("Select the campaign")
                .clicked()
            {
                commands.push(Command::SelectCampaign(Some(campaign.id.clone())));
            }
            ui.label(format!(
                "({}, {}, score {:.2})",
                clusters_phrase(loaded.campaign_index.clusters[k].len()),
                count(
                    loaded.campaign_members(k).len() as u64,
                    "account",
                    "accounts"
                ),
                campaign.score
            ));
        });
    }
    ui.add_space(6.0);
    let reasons = loaded.cluster_reasons.of(c);
    for (i, name) in INDICATOR_COLUMNS.iter().enumerate() {
        let value = c.indicators.get(i).map_or(0.0, |(_, v)| *v);
        ui.add(
            egui::ProgressBar::new(value as f32)
                .text(format!("{} {value:.2}", name.replace('_', " ")))
                .fill(palette::score_color(value).gamma_multiply(0.8))
                .desired_width(ui.available_width()),
        );
        let independence = *name == "coordination";
        for r in reasons
            .iter()
            .filter(|r| r.indicator == *name || (independence && r.indicator == "independence"))
        {
            ui.add(
                egui::Label::new(RichText::new(format!("• {}", r.text)).small())
                    .wrap_mode(egui::TextWrapMode::Wrap),
            );
        }
        ui.add_space(3.0);
    }
}

/// Templates and the capability / model / country / access-path mix of a
/// set of accounts.
fn mix_ui(ui: &mut egui::Ui, input: &InspectorInput<'_>, accounts: &[u32]) {
    let loaded = input.loaded;
    ui.add_space(6.0);
    let Some(series) = input.series else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("reading templates and mix…");
        });
        return;
    };
    // The families the members share: the evidence behind a score's
    // "template families the members share".
    if !series.families.is_empty() {
        ui.strong("Shared template families");
        for f in &series.families {
            ui.add(egui::Label::new(f.describe()).wrap_mode(egui::TextWrapMode::Wrap));
            if let Some(excerpt) = &f.excerpt {
                ui.add(
                    egui::Label::new(RichText::new(format!("“{excerpt}”")).italics().small())
                        .wrap_mode(egui::TextWrapMode::Wrap),
                );
            }
        }
        ui.add_space(6.0);
    }
    ui.strong("Top prompt templates");
    if series.templates.is_empty() {
        ui.label(RichText::new("no templates recorded").weak());
    }
    for t in &series.templates {
        ui.add(
            egui::Label::new(format!(
                "{}  {} exchanges by {} ({}% of its use in the case)",
                t.hex,
                thousands(t.exchanges),
                count(t.accounts, "account", "accounts"),
                (t.exchanges * 100)
                    .checked_div(t.case_exchanges)
                    .unwrap_or(0)
            ))
            .wrap_mode(egui::TextWrapMode::Wrap),
        );
        if let Some(excerpt) = &t.excerpt {
            ui.add(
                egui::Label::new(RichText::new(format!("“{excerpt}”")).italics().small())
                    .wrap_mode(egui::TextWrapMode::Wrap),
            );
        }
    }
    ui.add_space(6.0);
    let mut countries: BTreeMap<String, u64> = BTreeMap::new();
    let mut paths: BTreeMap<String, u64> = BTreeMap::new();
    for a in accounts
        .iter()
        .filter_map(|&a| loaded.accounts.get(a as usize))
    {
        *countries
            .entry(
                a.billing_country
                    .clone()
                    .unwrap_or_else(|| "(not given)".into()),
            )
            .or_default() += 1;
        *paths
            .entry(
                a.access_path
                    .clone()
                    .unwrap_or_else(|| "(not given)".into()),
            )
            .or_default() += 1;
    }
    let sorted = |m: BTreeMap<String, u64>| {
        let mut v: Vec<(String, u64)> = m.into_iter().collect();
        v.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));
        v
    };
    share_bars_ui(ui, "Capabilities (exchanges)", &series.capabilities);
    share_bars_ui(ui, "Models (exchanges)", &series.models);
    share_bars_ui(ui, "Billing countries (accounts)", &sorted(countries));
    share_bars_ui(ui, "Access paths (accounts)", &sorted(paths));
}

fn share_bars_ui(ui: &mut egui::Ui, title: &str, rows: &[(String, u64)]) {
    ui.strong(title);
    let total: u64 = rows.iter().map(|r| r.1).sum::<u64>().max(1);
    for (name, n) in rows.iter().take(6) {
        let share = *n as f32 / total as f32;
        ui.add(
            egui::ProgressBar::new(share)
                .text(format!("{name}: {} ({:.0}%)", thousands(*n), share * 100.0))
                .fill(Color32::from_rgb(70, 100, 140))
                .desired_width(ui.available_width()),
        );
    }
    if rows.len() > 6 {
        ui.label(
            RichText::new(format!("… {} more", rows.len() - 6))
                .small()
                .weak(),
        );
    }
    ui.add_space(4.0);
}

fn members_ui(ui: &mut egui::Ui, loaded: &Loaded, members: &[u32], commands: &mut Vec<Command>) {
    ui.add_space(6.0);
    egui::CollapsingHeader::new(format!("Accounts ({})", thousands(members.len() as u64)))
        .default_open(members.len() <= 20)
        .show(ui, |ui| {
            let mut sorted: Vec<u32> = members.to_vec();
            sorted.sort_by_key(|&a| {
                std::cmp::Reverse(loaded.accounts.get(a as usize).map_or(0, |r| r.exchanges))
            });
            for &a in sorted.iter().take(MAX_LISTED_ACCOUNTS) {
                let Some(row) = loaded.accounts.get(a as usize) else {
                    continue;
                };
                if ui
                    .link(format!(
                        "{}  ({} exchanges)",
                        row.account_id,
                        thousands(row.exchanges)
                    ))
                    .clicked()
                {
                    commands.push(Command::SelectAccount(Some(a)));
                }
            }
            if members.len() > MAX_LISTED_ACCOUNTS {
                ui.label(format!(
                    "… and {} more (largest first)",
                    thousands((members.len() - MAX_LISTED_ACCOUNTS) as u64)
                ));
            }
        });
}

fn account_ui(
    ui: &mut egui::Ui,
    input: &InspectorInput<'_>,
    account: u32,
    commands: &mut Vec<Command>,
) {
    let loaded = input.loaded;
    let Some(row) = loaded.accounts.get(account as usize) else {
        return;
    };
    ui.heading(format!("Account {}", row.account_id));
    egui::Grid::new("account_meta")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let mut field = |name: &str, value: String| {
                ui.label(RichText::new(name).weak());
                ui.label(value);
                ui.end_row();
            };
            let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
            field(
                "Created",
                format!("{} UTC", format_rfc3339_ms(row.created_ms)),
            );
            field("Organization", or_dash(&row.org_name));
            field("E-mail domain", or_dash(&row.email_domain));
            field("Payment", or_dash(&row.payment_fingerprint));
            field("Sign-up IP", or_dash(&row.signup_ip));
            field("Country", or_dash(&row.billing_country));
            field("Access path", or_dash(&row.access_path));
            field("Verification", or_dash(&row.verification));
            field("Exchanges", thousands(row.exchanges));
            field("Tokens", thousands(row.tokens.max(0) as u64));
            field("Top capability", or_dash(&row.top_capability));
            field(
                "Chain-of-thought",
                row.cot_mean.map_or("—".into(), |v| format!("{v:.2} mean")),
            );
            if let (Some(first), Some(last)) = (row.first_ms, row.last_ms) {
                field("First request", format!("{} UTC", format_rfc3339_ms(first)));
                field("Last request", format!("{} UTC", format_rfc3339_ms(last)));
            }
        });
    if let Some(c) = loaded.cluster_of_account(account) {
        ui.horizontal(|ui| {
            ui.label(format!("In cluster {}", cluster_facts(c)));
        });
    }
    ui.add_space(6.0);
    let Some(links) = input.account_links else {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("reading links…");
        });
        return;
    };
    ui.strong(format!("Links ({}), strongest first", links.len()));
    if links.is_empty() {
        ui.label(
            RichText::new("No links: nothing this account shares is evidence of coordination")
                .weak(),
        );
    }
    for link in links {
        ui.horizontal_wrapped(|ui| {
            if ui.link(loaded.account_name(link.other)).clicked() {
                commands.push(Command::SelectAccount(Some(link.other)));
            }
            ui.label(RichText::new(format!("weight {:.2}", link.weight)).weak());
        });
        for e in &link.evidence {
            evidence_ui(ui, e);
        }
    }
}

/// One piece of a link's evidence: its kind's colour, how many values it
/// shares, its weight and an example (cut for drawing).
fn evidence_ui(ui: &mut egui::Ui, e: &crate::case::analysis_store::StoredLinkEvidence) {
    ui.horizontal_wrapped(|ui| {
        ui.add_space(12.0);
        let (r, _) = ui.allocate_exact_size(egui::vec2(8.0, 8.0), egui::Sense::hover());
        ui.painter()
            .circle_filled(r.center(), 3.5, palette::evidence_color_by_name(&e.kind));
        ui.label(
            RichText::new(format!(
                "{}: {} shared (+{:.2}), e.g. {}",
                e.kind.replace('_', " "),
                e.shared,
                e.weight,
                crate::base::text::for_drawing(&e.example)
            ))
            .small(),
        );
    });
}
