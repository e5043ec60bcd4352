//! What a panel, a dialog or a view asks the shell to do. Panels never call
//! each other: they return commands, and the shell applies them in one
//! place (`App::apply`), so a selection is linked everywhere through one path.

use std::path::PathBuf;

use super::jobs::CaseworkRequest;
use super::share_dialog::{ShareKind, ShareRequest};
use super::tag_dialog::TagTarget;
use crate::analysis::Params;
use crate::render::ViewKind;
use crate::views::command::ViewCommand;
use crate::views::state::ViewSettings;

/// What a panel asks the shell to do.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// Open a case file.
    OpenCase(PathBuf),
    /// Ask for a case file with the system dialog.
    OpenDialog,
    /// Select a campaign (by id): its clusters in the graph, the
    /// timelines and the inspector; or nothing.
    SelectCampaign(Option<String>),
    /// Select a cluster (index), or nothing.
    SelectCluster(Option<usize>),
    /// Select an account (index) and highlight its cluster, or clear the selection.
    SelectAccount(Option<u32>),
    /// Select a set of accounts (box select).
    SelectAccounts(Vec<u32>),
    /// Show only a cluster and its one-hop neighbours, or everything.
    Focus(Option<usize>),
    /// Keep only accounts active in an hour range (inclusive), or all.
    SetTimeRange(Option<(i64, i64)>),
    /// Find accounts by id, org, e-mail domain, IP or card token.
    Search(String),
    /// Change the view settings.
    Settings(ViewSettings),
    /// Compute the graph layout again.
    Relayout,
    /// Stop the running layout.
    CancelLayout,
    /// Re-run the analysis with these parameters and reload.
    RerunAnalysis(Params),
    /// Stop the running re-analysis (nothing is stored).
    CancelAnalysis,
    /// Stop opening the case (the check of a case from elsewhere stops at
    /// once; a case being read is dropped when the read ends).
    CancelOpening,
    /// Go back to the selection before this one.
    Back,
    /// Go forward again after a [`Command::Back`].
    Forward,
    /// Undo this session's last tag or edit.
    Undo,
    /// Redo the last undone tag or edit.
    Redo,
    /// Open the Tag dialog.
    OpenTagDialog(TagTarget),
    /// Write a tag or edit to the case.
    Casework(CaseworkRequest),
    /// Export the audit log (of one cluster, or all) with a save dialog.
    ExportHistory(Option<String>),
    /// Open the sharing dialog.
    OpenShare(ShareKind),
    /// Export, save a picture, write a file, or merge a case in.
    Share(ShareRequest),
    /// Copy a picture of the graph or the timelines, as shown, to the
    /// clipboard.
    CopyView(ViewKind),
    /// Show the merge conflicts.
    ShowConflicts,
    /// Open the Re-run analysis dialog, with the stored analysis's
    /// parameters.
    OpenRerunDialog,
    /// Find the chains of evidence links from these accounts to an
    /// account, cluster or campaign (by id).
    FindWhy {
        /// The accounts of the selection.
        from: Vec<u32>,
        /// What the analyst typed.
        to: String,
    },
    /// Grow or trim the selection over the links the graph shows (one hop
    /// more, its largest connected part, its k-core): a new selection.
    Grow(crate::views::neighbourhood::Grow),
    /// Show only the selected accounts on the graph (or everything again).
    Isolate(bool),
    /// Save the view shown (settings, selection, focus, time window,
    /// camera, chart) in the case under this name.
    SaveView(String),
    /// Show a saved view again (by its id).
    ShowView(i64),
    /// Forget the last "Why related to…" answer (and stop drawing its
    /// chains on the graph).
    ClearWhy,
}

impl From<ViewCommand> for Command {
    fn from(command: ViewCommand) -> Self {
        match command {
            ViewCommand::SelectCampaign(id) => Command::SelectCampaign(id),
            ViewCommand::SelectAccount(account) => Command::SelectAccount(account),
            ViewCommand::SelectAccounts(accounts) => Command::SelectAccounts(accounts),
            ViewCommand::Focus(cluster) => Command::Focus(cluster),
            ViewCommand::SetTimeRange(range) => Command::SetTimeRange(range),
            ViewCommand::Settings(settings) => Command::Settings(settings),
            ViewCommand::Relayout => Command::Relayout,
            ViewCommand::CancelLayout => Command::CancelLayout,
            ViewCommand::FindWhy { from, to } => Command::FindWhy { from, to },
            ViewCommand::Grow(how) => Command::Grow(how),
            ViewCommand::Isolate(on) => Command::Isolate(on),
        }
    }
}
