//! The Notes tab: the case's saved views (save the current view by name,
//! show one again, remove one) and the analysts' notes (write one on what
//! is selected — an account, the link between two accounts, a cluster, a
//! campaign or the time window — select what a note is on, change or
//! remove one). Both are case work: audited, undoable, exported, merged.

use crate::case::notes::{ListedNote, Note, NoteOn, SavedView};
use crate::views::model::Loaded;
use crate::views::state::CaseView;

use super::command::Command;
use super::jobs::CaseworkRequest;
use super::panel::Panel;

/// The Notes tab's own state: the text fields.
#[derive(Default)]
pub struct NotesPanel {
    view_name: String,
    note_text: String,
    /// The note being changed, and its new text.
    editing: Option<(i64, String)>,
    filter: String,
}

/// What the Notes tab shows.
pub struct NotesInput<'a> {
    /// The open case.
    pub loaded: &'a Loaded,
    /// What is selected.
    pub view: &'a CaseView,
    /// Case work cannot be written (a read-only case).
    pub read_only: bool,
}

/// What a new note would be on, given the selection, in words.
pub fn note_target(loaded: &Loaded, view: &CaseView) -> Option<(NoteOn, String)> {
    if let ([a, b], None) = (view.accounts.as_slice(), view.account) {
        return Some((
            NoteOn::Link { a: *a, b: *b },
            format!(
                "the link {} – {}",
                loaded.account_name(*a),
                loaded.account_name(*b)
            ),
        ));
    }
    if let Some(a) = view.account {
        return Some((
            NoteOn::Account { account: a },
            format!("account {}", loaded.account_name(a)),
        ));
    }
    if let Some(c) = view.cluster.and_then(|c| loaded.clusters.get(c)) {
        return Some((
            NoteOn::Cluster { id: c.id.clone() },
            format!("cluster {} ({} accounts)", c.id, c.members.len()),
        ));
    }
    if let Some(k) = view.campaign.and_then(|k| loaded.campaigns.get(k)) {
        return Some((
            NoteOn::Campaign { id: k.id.clone() },
            format!("campaign {}", k.id),
        ));
    }
    view.time_range.map(|(first, last)| {
        let (from_ms, to_ms) = (first * 3_600_000, (last + 1) * 3_600_000);
        (
            NoteOn::Time { from_ms, to_ms },
            format!(
                "{} to {}",
                crate::base::time::format_rfc3339_ms(from_ms),
                crate::base::time::format_rfc3339_ms(to_ms)
            ),
        )
    })
}

/// What a note is on, in words.
pub fn note_on_words(loaded: &Loaded, note: &ListedNote) -> String {
    match &note.note.on {
        NoteOn::Account { account } => format!("account {}", loaded.account_name(*account)),
        NoteOn::Link { a, b } => format!(
            "link {} – {}",
            loaded.account_name(*a),
            loaded.account_name(*b)
        ),
        NoteOn::Cluster { id } | NoteOn::Campaign { id } => {
            let kind = note.note.on.kind();
            match &note.now_on {
                Some(now) if now != id => format!("{kind} {id} (now {now})"),
                Some(_) => format!("{kind} {id}"),
                None => format!("{kind} {id} (gone)"),
            }
        }
        NoteOn::Time { from_ms, to_ms } => format!(
            "{} to {} UTC",
            crate::base::time::format_rfc3339_ms(*from_ms)
                .trim_end_matches(":00.000Z")
                .replace('T', " "),
            crate::base::time::format_rfc3339_ms(*to_ms)
                .trim_end_matches(":00.000Z")
                .replace('T', " ")
        ),
    }
}

/// The commands that select what a note is on.
fn select_target(loaded: &Loaded, note: &ListedNote) -> Vec<Command> {
    match &note.note.on {
        NoteOn::Account { account } => vec![Command::SelectAccount(Some(*account))],
        NoteOn::Link { a, b } => vec![Command::SelectAccounts(vec![*a, *b])],
        NoteOn::Cluster { id } => {
            let now = note.now_on.as_deref().unwrap_or(id);
            vec![Command::SelectCluster(
                loaded.cluster_by_id(now).map(|(i, _)| i),
            )]
        }
        NoteOn::Campaign { id } => vec![Command::SelectCampaign(Some(
            note.now_on.clone().unwrap_or_else(|| id.clone()),
        ))],
        NoteOn::Time { from_ms, to_ms } => vec![Command::SetTimeRange(Some((
            from_ms.div_euclid(3_600_000),
            (to_ms - 1).div_euclid(3_600_000),
        )))],
    }
}

impl NotesPanel {
    fn views_ui(&mut self, ui: &mut egui::Ui, input: &NotesInput<'_>, commands: &mut Vec<Command>) {
        ui.label(egui::RichText::new("Saved views").strong());
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.view_name)
                    .hint_text("name of this view")
                    .desired_width(160.0),
            );
            let name = self.view_name.trim();
            let exists = input.loaded.casework.views.iter().any(|v| v.name == name);
            let save = ui
                .add_enabled(
                    !name.is_empty() && !input.read_only,
                    egui::Button::new(if exists { "Save over" } else { "Save view" }),
                )
                .on_hover_text(
                    "Keeps the colours, filters, selection, focus, time window, camera and chart \
                     under this name, in the case (undo with Ctrl+Z; draw it with \
                     `hydrascope render --view-name`)",
                );
            if save.clicked() {
                commands.push(Command::SaveView(name.to_string()));
            }
        });
        if input.loaded.casework.views.is_empty() {
            ui.label(egui::RichText::new("No saved views yet").weak());
        }
        let views: &[SavedView] = &input.loaded.casework.views;
        let described = &input.loaded.casework.view_descriptions;
        for (view, what) in views.iter().zip(described) {
            ui.horizontal(|ui| {
                if ui
                    .link(egui::RichText::new(&view.name).strong())
                    .on_hover_text(format!(
                        "Show this view (saved by {} at {})",
                        view.updated_by, view.updated_at
                    ))
                    .clicked()
                {
                    commands.push(Command::ShowView(view.id));
                }
                if !input.read_only && ui.small_button("Remove").clicked() {
                    commands.push(Command::Casework(CaseworkRequest::RemoveView(Box::new(
                        view.clone(),
                    ))));
                }
            });
            ui.indent(("view", view.id), |ui| {
                ui.label(
                    egui::RichText::new(format!("{what}; saved by {}", view.updated_by)).weak(),
                );
            });
        }
    }

    fn compose_ui(
        &mut self,
        ui: &mut egui::Ui,
        input: &NotesInput<'_>,
        commands: &mut Vec<Command>,
    ) {
        let target = note_target(input.loaded, input.view);
        ui.horizontal(|ui| {
            ui.label(egui::RichText::new("Notes").strong());
            ui.label(match &target {
                Some((_, words)) => egui::RichText::new(format!("new note on {words}")),
                None => egui::RichText::new(
                    "select an account, two accounts (their link), a cluster or a campaign, or \
                     brush a time window, to write a note on it",
                )
                .weak(),
            });
        });
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::multiline(&mut self.note_text)
                    .hint_text("what you found, what to check next…")
                    .desired_rows(2)
                    .desired_width((ui.available_width() - 90.0).max(120.0)),
            );
            let ready = target.is_some() && !self.note_text.trim().is_empty() && !input.read_only;
            if ui
                .add_enabled(ready, egui::Button::new("Add note"))
                .clicked()
                && let Some((on, _)) = target
            {
                commands.push(Command::Casework(CaseworkRequest::AddNote(
                    on,
                    self.note_text.trim().to_string(),
                )));
                self.note_text.clear();
            }
        });
    }

    fn notes_ui(&mut self, ui: &mut egui::Ui, input: &NotesInput<'_>, commands: &mut Vec<Command>) {
        let notes = &input.loaded.casework.notes;
        ui.horizontal(|ui| {
            ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("filter: words, analyst, account")
                    .desired_width(200.0),
            );
            ui.label(egui::RichText::new(format!("{} notes", notes.len())).weak());
        });
        let needle = self.filter.trim().to_lowercase();
        for note in notes.iter().rev() {
            let on = note_on_words(input.loaded, note);
            if !needle.is_empty()
                && !note.note.text.to_lowercase().contains(&needle)
                && !note.note.analyst.to_lowercase().contains(&needle)
                && !on.to_lowercase().contains(&needle)
            {
                continue;
            }
            // The buttons first: a long subject or name must not push them
            // out of the column.
            ui.horizontal(|ui| {
                if !input.read_only {
                    if ui.small_button("Edit").clicked() {
                        self.editing = Some((note.note.id, note.note.text.clone()));
                    }
                    if ui.small_button("Remove").clicked() {
                        commands.push(Command::Casework(CaseworkRequest::RemoveNote(Box::new(
                            note.note.clone(),
                        ))));
                    }
                }
                if ui
                    .link(&on)
                    .on_hover_text("Select what this note is on")
                    .clicked()
                {
                    commands.extend(select_target(input.loaded, note));
                }
            });
            ui.label(
                egui::RichText::new(format!(
                    "{}, {}{}",
                    note.note.updated_by,
                    note.note
                        .updated_at
                        .get(..16)
                        .unwrap_or(&note.note.updated_at)
                        .replace('T', " "),
                    if note.note.merged_from.is_some() {
                        " (merged)"
                    } else {
                        ""
                    }
                ))
                .weak()
                .small(),
            );
            match &mut self.editing {
                Some((id, text)) if *id == note.note.id => {
                    ui.add(
                        egui::TextEdit::multiline(text)
                            .desired_rows(2)
                            .desired_width(f32::INFINITY),
                    );
                    let mut done = false;
                    ui.horizontal(|ui| {
                        if ui
                            .add_enabled(!text.trim().is_empty(), egui::Button::new("Save"))
                            .clicked()
                        {
                            commands.push(Command::Casework(CaseworkRequest::UpdateNote(
                                Box::new(Note::clone(&note.note)),
                                text.trim().to_string(),
                            )));
                            done = true;
                        }
                        if ui.button("Cancel").clicked() {
                            done = true;
                        }
                    });
                    if done {
                        self.editing = None;
                    }
                }
                _ => {
                    ui.indent(("note", note.note.id), |ui| {
                        ui.label(&note.note.text);
                    });
                }
            }
        }
    }
}

impl Panel for NotesPanel {
    type Input<'a> = NotesInput<'a>;

    fn ui(&mut self, ui: &mut egui::Ui, input: &NotesInput<'_>) -> Vec<Command> {
        let mut commands = Vec::new();
        ui.columns(2, |columns| {
            egui::ScrollArea::vertical()
                .id_salt("saved_views")
                .auto_shrink([false, false])
                .show(&mut columns[0], |ui| {
                    self.views_ui(ui, input, &mut commands)
                });
            let ui = &mut columns[1];
            self.compose_ui(ui, input, &mut commands);
            ui.separator();
            egui::ScrollArea::vertical()
                .id_salt("notes")
                .auto_shrink([false, false])
                .show(ui, |ui| self.notes_ui(ui, input, &mut commands));
        });
        commands
    }
}

/// What the inspector shows the notes of.
pub enum NotesAbout<'a> {
    /// An account: notes on it and on its links.
    Account(u32),
    /// A cluster (by id): notes now on it.
    Cluster(&'a str),
    /// A campaign (by id): notes now on it.
    Campaign(&'a str),
}

/// The notes on an account, a cluster or a campaign, for the inspector:
/// nothing when there are none.
pub fn notes_on_ui(ui: &mut egui::Ui, loaded: &Loaded, about: NotesAbout<'_>) {
    let on = |n: &&ListedNote| match (&about, &n.note.on) {
        (NotesAbout::Account(a), NoteOn::Account { account }) => a == account,
        (NotesAbout::Account(x), NoteOn::Link { a, b }) => x == a || x == b,
        (NotesAbout::Cluster(id), NoteOn::Cluster { .. })
        | (NotesAbout::Campaign(id), NoteOn::Campaign { .. }) => n.now_on.as_deref() == Some(*id),
        _ => false,
    };
    let notes: Vec<&ListedNote> = loaded.casework.notes.iter().filter(on).collect();
    if notes.is_empty() {
        return;
    }
    ui.label(egui::RichText::new(format!("Notes ({})", notes.len())).strong())
        .on_hover_text("Write, change or remove notes in the Notes and views tab");
    for note in notes {
        ui.group(|ui| {
            if let NoteOn::Link { .. } = note.note.on {
                ui.label(egui::RichText::new(note_on_words(loaded, note)).weak());
            }
            ui.label(&note.note.text);
            ui.label(
                egui::RichText::new(format!(
                    "{}, {}",
                    note.note.updated_by,
                    note.note
                        .updated_at
                        .get(..16)
                        .unwrap_or(&note.note.updated_at)
                        .replace('T', " ")
                ))
                .weak()
                .small(),
            );
        });
    }
}
