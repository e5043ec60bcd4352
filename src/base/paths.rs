//! Where Hydrascope keeps its own files (the demo case, the cases opened
//! lately, in the platform's data directory), and how any file it writes is
//! written whole: into a partial file beside it, renamed into place.

use std::path::{Path, PathBuf};

/// The platform data directory (`~/.local/share/hydrascope` on Linux), or
/// `./.hydrascope` when the platform has none.
pub fn data_dir() -> PathBuf {
    directories::ProjectDirs::from("org", "Hydrascope", "hydrascope")
        .map(|dirs| dirs.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".hydrascope"))
}

/// Where the demo case is generated on first run. Named after its
/// scenario, so a demo made by an earlier build (the classic `demo`) is not
/// mistaken for it.
pub fn demo_case_path() -> PathBuf {
    data_dir().join("demo-evasive.hcase")
}

/// The seed of the bundled demo case.
pub const DEMO_SEED: u64 = 1;

fn last_case_file() -> PathBuf {
    data_dir().join("last_case.txt")
}

fn recent_cases_file() -> PathBuf {
    data_dir().join("recent_cases.txt")
}

/// Cases at most in the recent list.
pub const MAX_RECENT: usize = 10;

/// Recently opened cases that still exist, newest first.
pub fn recent_cases() -> Vec<PathBuf> {
    let text = std::fs::read_to_string(recent_cases_file())
        .or_else(|_| std::fs::read_to_string(last_case_file()))
        .unwrap_or_default();
    text.lines()
        .map(|l| PathBuf::from(l.trim()))
        .filter(|p| !p.as_os_str().is_empty() && p.is_file())
        .take(MAX_RECENT)
        .collect()
}

/// The case opened last, if it still exists.
pub fn last_case() -> Option<PathBuf> {
    recent_cases().into_iter().next()
}

/// Puts `case` first in the recent list (best effort: a read-only home
/// directory must not stop the analyst).
pub fn remember_case(case: &Path) {
    let path = std::fs::canonicalize(case).unwrap_or_else(|_| case.to_path_buf());
    let mut recent = recent_cases();
    recent.retain(|p| p != &path);
    recent.insert(0, path);
    recent.truncate(MAX_RECENT);
    let text: String = recent
        .iter()
        .map(|p| format!("{}\n", p.to_string_lossy()))
        .collect();
    let _ = std::fs::create_dir_all(data_dir());
    let _ = std::fs::write(recent_cases_file(), text);
}

/// Cases at most in the list of cases known here.
const MAX_KNOWN: usize = 500;

fn known_cases_file() -> PathBuf {
    data_dir().join("verified_cases.txt")
}

/// The line that stands for the file at `path` now: its inode (on Unix) and
/// canonical path, so a file put in its place — moved in, or saved by a
/// program that writes a new file — is not taken for it.
fn case_identity(path: &Path) -> Option<String> {
    let canonical = std::fs::canonicalize(path).ok()?;
    // A name with a line break could write lines of its own into the list.
    if canonical.to_string_lossy().contains(['\n', '\r']) {
        return None;
    }
    #[cfg(unix)]
    let inode = {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&canonical).ok()?.ino()
    };
    // Without an inode a path alone would stand for whatever file is put
    // there: nothing is known, every case from elsewhere is checked.
    #[cfg(not(unix))]
    return None;
    #[cfg(unix)]
    Some(format!("{inode}\t{}", canonical.to_string_lossy()))
}

fn known_lines() -> Vec<String> {
    std::fs::read_to_string(known_cases_file())
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// What stands for the file at `path` now, to be passed to
/// [`remember_known_case_if_unchanged`] after checking it.
pub fn known_case_token(path: &Path) -> Option<String> {
    case_identity(path)
}

/// [`remember_known_case`], only if the file at `path` is still the one
/// `token` stood for when its check began (not one put in its place
/// meanwhile).
pub fn remember_known_case_if_unchanged(path: &Path, token: Option<String>) {
    if token.is_some() && case_identity(path) == token {
        remember_known_case(path);
    }
}

/// Remembers that the case file at `path` was written on this machine (by
/// `import`, `generate`, `repair`, the workbench) or passed every check of
/// `verify`, so the workbench opens it without checking it again (best
/// effort: a read-only home directory must not stop the analyst).
pub fn remember_known_case(path: &Path) {
    let Some(line) = case_identity(path) else {
        return;
    };
    let mut lines = known_lines();
    lines.retain(|l| *l != line);
    lines.insert(0, line);
    lines.truncate(MAX_KNOWN);
    let _ = std::fs::create_dir_all(data_dir());
    // Whole or not at all: a partial list beside it, renamed into place.
    let file = known_cases_file();
    let partial = partial_path(&file);
    if std::fs::write(&partial, lines.join("\n") + "\n").is_ok() {
        let _ = std::fs::rename(&partial, &file);
    }
}

/// Whether the case file at `path` is one [`remember_known_case`] recorded
/// (the same path and the same file).
pub fn is_known_case(path: &Path) -> bool {
    case_identity(path).is_some_and(|line| known_lines().contains(&line))
}

/// `<path>.partial`, beside `path`: where a file is written before it is
/// renamed into place.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".partial");
    path.with_file_name(name)
}

/// Writes `path` whole or not at all: `write` fills `<path>.partial`, which
/// is synced and renamed into place; on any error the partial file is
/// removed and `path` is left as it was.
pub fn write_whole(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let partial = partial_path(path);
    let written = (|| {
        let mut file = std::fs::File::create(&partial)?;
        write(&mut file)?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&partial, path)
    })();
    if written.is_err() {
        // Best effort: the error that matters is the one being returned.
        let _ = std::fs::remove_file(&partial);
    }
    written
}
