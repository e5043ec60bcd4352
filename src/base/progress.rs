//! Progress of a long operation (import, export, a briefing, a picture),
//! shared between the thread doing it and whoever draws a progress bar: a
//! terminal's or the workbench's.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;

/// Progress of a long operation, shared with whoever draws a progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    /// Units done (bytes read, for import).
    pub done: AtomicU64,
    /// Units in all, when known.
    pub total: AtomicU64,
    /// What is being done now.
    pub phase: Mutex<String>,
}

impl Progress {
    /// Sets the phase text.
    pub fn set_phase(&self, phase: impl Into<String>) {
        if let Ok(mut p) = self.phase.lock() {
            *p = phase.into();
        }
    }

    /// The phase text.
    pub fn phase(&self) -> String {
        self.phase.lock().map(|p| p.clone()).unwrap_or_default()
    }
}
