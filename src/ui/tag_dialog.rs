//! The Tag dialog: label, targeted capability, status, confidence, actor and
//! notes for clusters, a campaign (all its clusters, in one action), a
//! selection of accounts, or an existing tag; asks for the analyst's name
//! the first time.

use crate::case::casework::{DEFAULT_CONFIDENCE, Tag, TagPatch, TagStatus};

use super::jobs::CaseworkRequest;

/// The capabilities the reported campaigns targeted, offered as choices.
pub const CAPABILITIES: [&str; 8] = [
    "reasoning / chain of thought",
    "rubric grading",
    "censorship-safe rewrites",
    "agentic reasoning",
    "tool use",
    "computer use",
    "agentic coding",
    "tool orchestration",
];

/// What the dialog tags.
#[derive(Clone, Debug, PartialEq)]
pub enum TagTarget {
    /// Clusters (ids), with their newest tags as shown.
    Clusters(Vec<String>, Vec<Option<Tag>>),
    /// A campaign: all its clusters, tagged in one action.
    Campaign {
        /// The campaign's id (`k17`).
        id: String,
        /// Its clusters' ids.
        clusters: Vec<String>,
        /// Their newest tags as shown.
        seen: Vec<Option<Tag>>,
    },
    /// A selection of accounts.
    Accounts(Vec<u32>),
    /// One existing tag.
    Tag(Box<Tag>),
}

/// An open Tag dialog.
#[derive(Clone, Debug)]
pub struct TagDialog {
    target: TagTarget,
    label: String,
    capability: String,
    status: TagStatus,
    confidence: f32,
    actor: String,
    notes: String,
    analyst: String,
    /// Whether the analyst's name must be asked for.
    ask_name: bool,
    /// Several clusters, some tagged: write only the fields changed here.
    partial: bool,
    error: Option<String>,
}

/// What the analyst did with the dialog.
pub enum TagDialogOutcome {
    /// Still open.
    Open,
    /// Closed without saving.
    Cancelled,
    /// Save: the request, and the analyst's name.
    Save(Box<CaseworkRequest>, String),
}

impl TagDialog {
    /// A dialog for `target`, filled from the tag being changed (or the
    /// newest tag of the first cluster).
    pub fn new(target: TagTarget, analyst: &str) -> Self {
        // Several clusters start blank: their tags may differ.
        let existing = match &target {
            TagTarget::Clusters(ids, seen) if ids.len() == 1 => {
                seen.iter().flatten().next().cloned()
            }
            TagTarget::Clusters(..) => None,
            // A campaign whose clusters all carry the same tag (tagged as
            // one before) starts from it; otherwise blank.
            TagTarget::Campaign { seen, .. } => uniform_tag(seen),
            TagTarget::Tag(tag) => Some((**tag).clone()),
            TagTarget::Accounts(_) => None,
        };
        let mut dialog = Self {
            target,
            label: String::new(),
            capability: String::new(),
            status: TagStatus::default(),
            confidence: DEFAULT_CONFIDENCE as f32,
            actor: String::new(),
            notes: String::new(),
            analyst: analyst.to_string(),
            ask_name: analyst.trim().is_empty(),
            partial: false,
            error: None,
        };
        match &dialog.target {
            TagTarget::Clusters(ids, seen) => {
                dialog.partial = ids.len() > 1 && seen.iter().any(Option::is_some);
            }
            TagTarget::Campaign { clusters, seen, .. } => {
                dialog.partial = clusters.len() > 1
                    && seen.iter().any(Option::is_some)
                    && uniform_tag(seen).is_none();
            }
            _ => {}
        }
        if let Some(t) = existing {
            dialog.label = t.label;
            dialog.capability = t.capability;
            dialog.status = t.status;
            dialog.confidence = t.confidence as f32;
            dialog.actor = t.actor;
            dialog.notes = t.notes;
        }
        dialog
    }

    /// Sets the label (for tests and scripted use).
    pub fn set_label(&mut self, label: &str) {
        self.label = label.to_string();
    }

    fn title(&self) -> String {
        match &self.target {
            TagTarget::Clusters(ids, _) if ids.len() == 1 => format!("Tag cluster {}", ids[0]),
            TagTarget::Clusters(ids, _) => format!("Tag {} clusters", ids.len()),
            TagTarget::Campaign { id, clusters, .. } if clusters.len() == 1 => {
                format!("Tag campaign {id} (cluster {})", clusters[0])
            }
            TagTarget::Campaign { id, clusters, .. } => {
                format!("Tag campaign {id} ({} clusters)", clusters.len())
            }
            TagTarget::Accounts(a) => format!("Tag {} selected accounts", a.len()),
            TagTarget::Tag(t) => format!("Edit tag \"{}\"", t.label),
        }
    }

    /// Draws the dialog.
    pub fn ui(&mut self, ctx: &egui::Context) -> TagDialogOutcome {
        let mut open = true;
        let mut outcome = TagDialogOutcome::Open;
        egui::Window::new(self.title())
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .default_width(420.0)
            .pivot(egui::Align2::CENTER_CENTER)
            .default_pos(ctx.content_rect().center())
            .show(ctx, |ui| {
                egui::Grid::new("tag_fields")
                    .num_columns(2)
                    .spacing([10.0, 6.0])
                    .show(ui, |ui| {
                        if self.ask_name {
                            ui.label("Your name");
                            ui.add(
                                egui::TextEdit::singleline(&mut self.analyst)
                                    .hint_text("written with every tag and edit")
                                    .id_salt("tag_analyst"),
                            );
                            ui.end_row();
                        }
                        ui.label("Campaign label");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.label)
                                .hint_text("e.g. Lab C agentic coding")
                                .id_salt("tag_label"),
                        );
                        ui.end_row();
                        ui.label("Targeted capability");
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::TextEdit::singleline(&mut self.capability)
                                    .desired_width(200.0)
                                    .id_salt("tag_capability"),
                            );
                            egui::ComboBox::from_id_salt("tag_capability_choices")
                                .selected_text("choose")
                                .show_ui(ui, |ui| {
                                    for c in CAPABILITIES {
                                        if ui.selectable_label(self.capability == c, c).clicked() {
                                            self.capability = c.to_string();
                                        }
                                    }
                                })
                                .response
                                .accessible_name("Choose a capability");
                        });
                        ui.end_row();
                        ui.label("Status");
                        ui.horizontal(|ui| {
                            for s in TagStatus::ALL {
                                ui.radio_value(&mut self.status, s, s.name());
                            }
                        });
                        ui.end_row();
                        ui.label("Confidence");
                        ui.add(egui::Slider::new(&mut self.confidence, 0.0..=1.0).step_by(0.05));
                        ui.end_row();
                        ui.label("Attributed actor");
                        ui.add(
                            egui::TextEdit::singleline(&mut self.actor)
                                .hint_text("free text")
                                .id_salt("tag_actor"),
                        );
                        ui.end_row();
                        ui.label("Notes");
                        ui.add(
                            egui::TextEdit::multiline(&mut self.notes)
                                .desired_rows(4)
                                .id_salt("tag_notes"),
                        );
                        ui.end_row();
                    });
                if self.partial {
                    ui.label(
                        egui::RichText::new(
                            "Some of these clusters have tags: they get the label and the fields you change here, and keep the rest",
                        )
                        .small(),
                    );
                }
                if !self.ask_name {
                    ui.label(
                        egui::RichText::new(format!("Recorded as {}", self.analyst.trim()))
                            .small()
                            .weak(),
                    );
                }
                if let Some(error) = &self.error {
                    ui.colored_label(ui.visuals().error_fg_color, error);
                }
                ui.horizontal(|ui| {
                    if ui.button("Save tag").clicked() {
                        match self.request() {
                            Ok(request) => {
                                outcome =
                                    TagDialogOutcome::Save(Box::new(request), self.analyst.trim().to_string())
                            }
                            Err(message) => self.error = Some(message),
                        }
                    }
                    if ui.button("Cancel").clicked() {
                        outcome = TagDialogOutcome::Cancelled;
                    }
                });
            });
        if !open {
            outcome = TagDialogOutcome::Cancelled;
        }
        outcome
    }

    /// The request the dialog's fields make, or what is missing.
    pub fn request(&self) -> Result<CaseworkRequest, String> {
        if self.analyst.trim().is_empty() {
            return Err("Enter your name: it is written with every tag".into());
        }
        if self.label.trim().is_empty() {
            return Err("Enter a campaign label".into());
        }
        // A field left as the dialog started is not written over a tag of
        // one of several clusters.
        let keep = |changed: bool| !self.partial || changed;
        let patch = TagPatch {
            label: Some(self.label.trim().to_string()),
            capability: keep(!self.capability.trim().is_empty())
                .then(|| self.capability.trim().to_string()),
            status: keep(self.status != TagStatus::default()).then_some(self.status),
            confidence: keep(self.confidence != DEFAULT_CONFIDENCE as f32)
                .then(|| (f64::from(self.confidence) * 100.0).round() / 100.0),
            actor: keep(!self.actor.trim().is_empty()).then(|| self.actor.trim().to_string()),
            notes: keep(!self.notes.is_empty()).then(|| self.notes.clone()),
        };
        Ok(match &self.target {
            TagTarget::Clusters(clusters, seen) => CaseworkRequest::TagClusters {
                clusters: clusters.clone(),
                patch,
                seen: seen.clone(),
            },
            TagTarget::Campaign { id, clusters, seen } => CaseworkRequest::TagCampaign {
                campaign: id.clone(),
                clusters: clusters.clone(),
                patch,
                seen: seen.clone(),
            },
            TagTarget::Accounts(accounts) => CaseworkRequest::TagAccounts {
                accounts: accounts.clone(),
                patch,
            },
            TagTarget::Tag(tag) => CaseworkRequest::UpdateTag(tag.clone(), patch),
        })
    }
}

/// The tag every one of `seen` carries, field for field (ids and times
/// aside), if they all carry one and it is the same.
fn uniform_tag(seen: &[Option<Tag>]) -> Option<Tag> {
    let first = seen.first()?.as_ref()?;
    let same = |t: &Tag| {
        t.label == first.label
            && t.capability == first.capability
            && t.status == first.status
            && t.confidence == first.confidence
            && t.actor == first.actor
            && t.notes == first.notes
    };
    seen.iter()
        .all(|t| t.as_ref().is_some_and(same))
        .then(|| first.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(cluster: &str, label: &str) -> Tag {
        Tag {
            id: 1,
            cluster: Some(cluster.into()),
            accounts: Vec::new(),
            label: label.into(),
            capability: String::new(),
            status: TagStatus::Confirmed,
            confidence: 0.9,
            actor: String::new(),
            notes: String::new(),
            analyst: "alice".into(),
            created_at: "2026-02-01T00:00:00Z".into(),
            updated_at: "2026-02-01T00:00:00Z".into(),
            updated_by: "alice".into(),
            merged_from: None,
        }
    }

    fn campaign(seen: Vec<Option<Tag>>) -> TagTarget {
        TagTarget::Campaign {
            id: "k3".into(),
            clusters: (0..seen.len()).map(|i| format!("c{i}")).collect(),
            seen,
        }
    }

    #[test]
    fn a_campaign_is_tagged_as_one_request_on_all_its_clusters() {
        let mut dialog = TagDialog::new(campaign(vec![None, None, None]), "alice");
        assert_eq!(dialog.title(), "Tag campaign k3 (3 clusters)");
        dialog.set_label("Lab A");
        match dialog.request() {
            Ok(CaseworkRequest::TagCampaign {
                campaign,
                clusters,
                patch,
                seen,
            }) => {
                assert_eq!(campaign, "k3");
                assert_eq!(clusters, ["c0", "c1", "c2"]);
                assert_eq!(patch.label.as_deref(), Some("Lab A"));
                assert_eq!(seen, vec![None, None, None]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_campaign_tagged_alike_starts_from_its_tag_and_a_mixed_one_blank() {
        let alike = TagDialog::new(
            campaign(vec![Some(tag("c0", "Lab A")), Some(tag("c1", "Lab A"))]),
            "alice",
        );
        assert_eq!(alike.label, "Lab A");
        assert_eq!(alike.status, TagStatus::Confirmed);
        assert!(!alike.partial, "every field is written, as it was");
        let mixed = TagDialog::new(
            campaign(vec![Some(tag("c0", "Lab A")), Some(tag("c1", "Lab B"))]),
            "alice",
        );
        assert!(mixed.label.is_empty());
        assert!(mixed.partial, "only the fields changed are written");
        let some = TagDialog::new(campaign(vec![Some(tag("c0", "Lab A")), None]), "alice");
        assert!(some.label.is_empty() && some.partial);
    }
}
