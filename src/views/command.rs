//! What a view asks for when the analyst clicks, drags or picks in it. The
//! workbench turns each into its own [`crate::ui::command::Command`] and
//! applies it in one place; a headless picture ignores them.

use super::state::ViewSettings;

/// A request from the graph or the timelines.
#[derive(Clone, Debug, PartialEq)]
pub enum ViewCommand {
    /// Select a campaign (by id), or nothing.
    SelectCampaign(Option<String>),
    /// Select an account (index) and highlight its cluster, or clear the selection.
    SelectAccount(Option<u32>),
    /// Select a set of accounts (box select).
    SelectAccounts(Vec<u32>),
    /// Show only a cluster and its one-hop neighbours, or everything.
    Focus(Option<usize>),
    /// Keep only accounts active in an hour range (inclusive), or all.
    SetTimeRange(Option<(i64, i64)>),
    /// Change the view settings.
    Settings(ViewSettings),
    /// Compute the graph layout again.
    Relayout,
    /// Stop the running layout.
    CancelLayout,
    /// Grow or trim the selection over the links the graph shows.
    Grow(super::neighbourhood::Grow),
    /// Show only the selected accounts (or everything again).
    Isolate(bool),
    /// Find the chains of evidence links from these accounts to an
    /// account, cluster or campaign (by id).
    FindWhy {
        /// The accounts of the selection.
        from: Vec<u32>,
        /// The account, cluster or campaign id.
        to: String,
    },
}
