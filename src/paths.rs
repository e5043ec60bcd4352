//! Where Hydrascope keeps its own files: the demo case and the last-opened
//! case, in the platform's data directory.

use std::path::{Path, PathBuf};

/// The platform data directory (`~/.local/share/hydrascope` on Linux), or
/// `./.hydrascope` when the platform has none.
pub fn data_dir() -> PathBuf {
    directories::ProjectDirs::from("org", "Hydrascope", "hydrascope")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".hydrascope"))
}

/// Where the demo case is generated on first run.
pub fn demo_case_path() -> PathBuf {
    data_dir().join("demo.hcase")
}

/// The seed of the bundled demo case.
pub const DEMO_SEED: u64 = 1;

fn last_case_file() -> PathBuf {
    data_dir().join("last_case.txt")
}

/// The case opened last, if it still exists.
pub fn last_case() -> Option<PathBuf> {
    let text = std::fs::read_to_string(last_case_file()).ok()?;
    let path = PathBuf::from(text.trim());
    path.is_file().then_some(path)
}

/// Remembers `case` as the one opened last (best effort: a read-only home
/// directory must not stop the analyst).
pub fn remember_last_case(case: &Path) {
    let path = std::fs::canonicalize(case).unwrap_or_else(|_| case.to_path_buf());
    let _ = std::fs::create_dir_all(data_dir());
    let _ = std::fs::write(last_case_file(), path.to_string_lossy().as_bytes());
}
