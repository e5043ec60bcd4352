//! The menu bar: Case, Edit, Analysis and View, Back and Forward, and the
//! status line beside them. It reads what it shows from [`MenuState`] and
//! answers with [`Command`]s; the shell carries them out.

use std::path::PathBuf;

use super::command::Command;
use super::share_dialog::ShareKind;
use crate::base::paths;
use crate::render::ViewKind;
use crate::views::state::ViewSettings;

/// What the menus need to know of the shell.
pub struct MenuState<'a> {
    /// Cases opened lately, newest first.
    pub recent: &'a [PathBuf],
    /// Whether a case is open.
    pub loaded: bool,
    /// Whether the open case can be written (tags, merges).
    pub writable: bool,
    /// Merge conflicts recorded in the case, and how many are open.
    pub conflicts: usize,
    /// Of them, still open.
    pub open_conflicts: usize,
    /// Whether a picture, export or merge is being made.
    pub sharing: bool,
    /// Whether the analysis is being re-run.
    pub analysing: bool,
    /// Whether the graph has a layout that can be made again now.
    pub can_relayout: bool,
    /// Whether Back and Forward have somewhere to go.
    pub can_back: bool,
    /// See [`MenuState::can_back`].
    pub can_forward: bool,
    /// The view settings the View menu changes.
    pub settings: &'a ViewSettings,
}

/// Draws the menu bar with `status` (the status line) after the menus;
/// returns what the analyst asked for.
pub fn bar(
    ui: &mut egui::Ui,
    state: &MenuState<'_>,
    status: impl FnOnce(&mut egui::Ui) -> Option<Command>,
) -> Vec<Command> {
    let mut commands = Vec::new();
    egui::MenuBar::new().ui(ui, |ui| {
        ui.menu_button("Case", |ui| {
            if ui
                .add(
                    egui::Button::new("Open…").shortcut_text(ui.ctx().format_shortcut(
                        &egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::O),
                    )),
                )
                .clicked()
            {
                commands.push(Command::OpenDialog);
            }
            ui.menu_button("Open recent", |ui| {
                if state.recent.is_empty() {
                    ui.label("No recent cases");
                }
                for path in state.recent {
                    if ui.button(path.display().to_string()).clicked() {
                        commands.push(Command::OpenCase(path.clone()));
                    }
                }
            });
            if ui.button("Open the demo case").clicked() {
                commands.push(Command::OpenCase(paths::demo_case_path()));
            }
            ui.separator();
            let (loaded, writable) = (state.loaded, state.writable);
            if ui
                .add_enabled(loaded, egui::Button::new("Export case…"))
                .on_hover_text("The whole case or chosen clusters, optionally redacted, to a new .hcase to share")
                .clicked()
            {
                commands.push(Command::OpenShare(ShareKind::CaseExport));
            }
            if ui
                .add_enabled(writable, egui::Button::new("Merge another case into this one…"))
                .clicked()
            {
                commands.push(Command::OpenShare(ShareKind::Merge));
            }
            let open_conflicts = state.open_conflicts;
            if ui
                .add_enabled(
                    state.conflicts > 0,
                    egui::Button::new(format!("Merge conflicts ({open_conflicts} open)…")),
                )
                .clicked()
            {
                commands.push(Command::ShowConflicts);
            }
            ui.separator();
            if ui
                .add_enabled(loaded, egui::Button::new("Save view as picture…"))
                .on_hover_text("The graph or the timelines as on screen, at 1x, 2x or 4x, with a caption; PNG or SVG")
                .clicked()
            {
                commands.push(Command::OpenShare(ShareKind::Picture));
            }
            for (label, view) in [
                ("Copy graph view", ViewKind::Graph),
                ("Copy timelines view", ViewKind::Timeline),
            ] {
                if ui
                    .add_enabled(loaded && !state.sharing, egui::Button::new(label))
                    .clicked()
                {
                    commands.push(Command::CopyView(view));
                }
            }
            if ui
                .add_enabled(loaded, egui::Button::new("Export graph (GraphML, GEXF)…"))
                .clicked()
            {
                commands.push(Command::OpenShare(ShareKind::GraphFile));
            }
            if ui
                .add_enabled(loaded, egui::Button::new("Write briefing report…"))
                .clicked()
            {
                commands.push(Command::OpenShare(ShareKind::Report));
            }
            ui.separator();
            ui.label(egui::RichText::new("Or drop a .hcase file on the window").weak());
        });
        ui.menu_button("Edit", |ui| {
            if ui
                .add(egui::Button::new("Undo").shortcut_text("Ctrl+Z"))
                .clicked()
            {
                commands.push(Command::Undo);
            }
            if ui
                .add(egui::Button::new("Redo").shortcut_text("Ctrl+Shift+Z"))
                .clicked()
            {
                commands.push(Command::Redo);
            }
        });
        ui.menu_button("Analysis", |ui| {
            let enabled = state.loaded && !state.analysing;
            if ui
                .add_enabled(enabled, egui::Button::new("Re-run analysis…"))
                .clicked()
            {
                commands.push(Command::OpenRerunDialog);
            }
            if ui
                .add_enabled(
                    state.can_relayout,
                    egui::Button::new("Re-layout graph"),
                )
                .clicked()
            {
                commands.push(Command::Relayout);
            }
        });
        ui.menu_button("View", |ui| {
            if ui
                .add_enabled(
                    state.can_back,
                    egui::Button::new("Back").shortcut_text("Alt+Left"),
                )
                .on_hover_text("The selection before this one")
                .clicked()
            {
                commands.push(Command::Back);
            }
            if ui
                .add_enabled(
                    state.can_forward,
                    egui::Button::new("Forward").shortcut_text("Alt+Right"),
                )
                .clicked()
            {
                commands.push(Command::Forward);
            }
            ui.separator();
            let mut settings = state.settings.clone();
            ui.checkbox(&mut settings.suspected_only, "Only suspected clusters");
            ui.checkbox(&mut settings.show_unlinked, "Accounts without links");
            ui.checkbox(&mut settings.show_links, "Links");
            ui.checkbox(&mut settings.size_by_volume, "Size by exchanges");
            if settings != *state.settings {
                commands.push(Command::Settings(settings));
            }
            if ui.button("Reset view settings").clicked() {
                commands.push(Command::Settings(ViewSettings::default()));
            }
        });
        ui.separator();
        // Back and Forward through the selections, as in a browser.
        if ui
            .add_enabled(state.can_back, egui::Button::new("Back").small())
            .on_hover_text("The selection before this one (Alt+Left)")
            .clicked()
        {
            commands.push(Command::Back);
        }
        if ui
            .add_enabled(state.can_forward, egui::Button::new("Forward").small())
            .on_hover_text("Forward again (Alt+Right)")
            .clicked()
        {
            commands.push(Command::Forward);
        }
        ui.separator();
        if let Some(command) = status(ui) {
            commands.push(command);
        }
    });
    commands
}
