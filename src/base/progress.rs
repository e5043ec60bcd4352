//! Progress of a long operation (import, export, a briefing, a picture),
//! shared between the thread doing it and whoever draws a progress bar: a
//! terminal's or the workbench's.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Progress of a long operation, shared with whoever draws a progress bar.
#[derive(Debug, Default)]
pub struct Progress {
    /// Units done (bytes read, for import).
    pub done: AtomicU64,
    /// Units in all, when known.
    pub total: AtomicU64,
    /// What is being done now.
    pub phase: Mutex<String>,
    /// Asked to stop: an operation that can stop early looks at it.
    pub cancel: AtomicBool,
    /// What the operation works on, when known (shown beside the phase).
    pub about: Mutex<String>,
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

    /// Sets what the operation works on.
    pub fn set_about(&self, about: impl Into<String>) {
        if let Ok(mut a) = self.about.lock() {
            *a = about.into();
        }
    }

    /// What the operation works on ("" when not known).
    pub fn about(&self) -> String {
        self.about.lock().map(|a| a.clone()).unwrap_or_default()
    }

    /// Asks the operation to stop (those that can stop early do).
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// Whether [`Self::cancel`] was asked.
    pub fn is_cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}
