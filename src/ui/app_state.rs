//! What the analyst is looking at, apart from everything the shell merely
//! holds (the loaded case, caches, jobs, dialogs): the view settings, which
//! are remembered between sessions, and the selection, filters and time
//! range of the open case. Panels read it; only the shell's `apply`
//! changes it.

use crate::views::state::{CaseView, ViewSettings};

/// The analyst's view of the workbench.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppState {
    /// Colours, sizes, hidden evidence kinds, tabs (persisted).
    pub settings: ViewSettings,
    /// Selection, focus, time range, search (per open case).
    pub view: CaseView,
}
