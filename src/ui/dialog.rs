//! What a dialog window says at the end of a frame.

/// The analyst's answer to a dialog, this frame.
#[derive(Clone, Debug, PartialEq)]
pub enum DialogOutcome<T> {
    /// Still open, nothing decided.
    Open,
    /// Closed or cancelled.
    Closed,
    /// Confirmed with this answer; the dialog closes.
    Confirmed(T),
}
