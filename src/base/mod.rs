//! Small helpers every layer may use, and which use nothing of Hydrascope's:
//! timestamps and the clock, progress of long work, text on its way to a
//! terminal or a screen, a fixed pseudo-random generator, and where
//! Hydrascope keeps its files and how it writes them whole.

pub mod net;
pub mod paths;
pub mod progress;
pub mod rng;
pub mod text;
pub mod time;

pub use progress::Progress;
