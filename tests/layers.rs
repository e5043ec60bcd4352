//! The layers of `src/` point one way, and the files of one folder do not
//! import each other in a circle. This test reads the source (no compiling
//! involved) and fails naming the file and the path that break the order,
//! so the order in ARCHITECTURE.md stays true.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The top-level modules from the bottom up. A module may use the modules
/// of lower rows only; modules of one row are peers and use none of each
/// other (`case` and `analysis`: the analysis is pure, it never reads a case
/// itself).
const LAYERS: &[&[&str]] = &[
    &["base"],
    &["logs"],
    &["facts"],
    &["case", "analysis"],
    &["import", "generate"],
    &["lake"],
    &["pipeline"],
    &["views"],
    &["render"],
    &["export"],
    &["ui"],
    &["cli"],
];

/// Files that only declare the modules and start the program.
const ROOTS: &[&str] = &["lib.rs", "main.rs"];

/// One source file: its path under `src/` and its text.
struct Source {
    path: PathBuf,
    text: String,
}

fn read_sources(dir: &Path, root: &Path, out: &mut Vec<Source>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("a directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_sources(&path, root, out);
        } else if path.extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(&path).expect("a source file");
            let path = path.strip_prefix(root).expect("under src").to_path_buf();
            out.push(Source { path, text });
        }
    }
}

/// The text without `//` comments (doc links are not imports).
fn without_comments(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(i) => &line[..i],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '*'
}

/// The paths of one use-tree starting at `at`: `a::b`, `a::{b, c::d}`.
fn use_tree(chars: &[char], at: &mut usize) -> Vec<Vec<String>> {
    let skip_space = |at: &mut usize| {
        while *at < chars.len() && chars[*at].is_whitespace() {
            *at += 1;
        }
    };
    skip_space(at);
    if *at < chars.len() && chars[*at] == '{' {
        *at += 1;
        let mut paths = Vec::new();
        loop {
            skip_space(at);
            if *at >= chars.len() {
                return paths;
            }
            match chars[*at] {
                '}' => {
                    *at += 1;
                    return paths;
                }
                ',' => *at += 1,
                _ => {
                    let before = *at;
                    paths.extend(use_tree(chars, at));
                    if *at == before {
                        *at += 1;
                    }
                }
            }
        }
    }
    let start = *at;
    while *at < chars.len() && is_ident(chars[*at]) {
        *at += 1;
    }
    if start == *at {
        return Vec::new();
    }
    let head: String = chars[start..*at].iter().collect();
    if chars.get(*at) == Some(&':') && chars.get(*at + 1) == Some(&':') {
        *at += 2;
        let tails = use_tree(chars, at);
        if tails.is_empty() {
            return vec![vec![head]];
        }
        return tails
            .into_iter()
            .map(|mut t| {
                t.insert(0, head.clone());
                t
            })
            .collect();
    }
    vec![vec![head]]
}

/// Every path in `text` that starts with `prefix::` (`crate`, `super`,
/// `hydrascope`), without the prefix.
fn paths_from(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = text.chars().collect();
    let needle: Vec<char> = format!("{prefix}::").chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i + needle.len() <= chars.len() {
        let starts_word = i == 0 || !is_ident(chars[i - 1]);
        if starts_word && chars[i..i + needle.len()] == needle[..] {
            let mut at = i + needle.len();
            out.extend(use_tree(&chars, &mut at));
            i = at.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

/// The module path of a file: `case/merge.rs` → `[case, merge]`,
/// `case/mod.rs` → `[case]`.
fn module_of(path: &Path) -> Vec<String> {
    let mut parts: Vec<String> = path
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" {
            parts.push(stem);
        }
    }
    parts
}

/// Absolute module paths (from the crate root) that a file refers to.
fn references(source: &Source) -> Vec<Vec<String>> {
    let text = without_comments(&source.text);
    let module = module_of(&source.path);
    let mut out = paths_from(&text, "crate");
    out.extend(paths_from(&text, "hydrascope"));
    // `super` of `case/merge.rs` is `case`; of `case/mod.rs`, the crate.
    let parent = module[..module.len().saturating_sub(1)].to_vec();
    for tail in paths_from(&text, "super") {
        let mut path = parent.clone();
        path.extend(tail);
        out.push(path);
    }
    out
}

/// Row of a top-level module in [`LAYERS`].
fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|row| row.contains(&module))
}

/// Imports that point up or sideways across the layers, one line each.
fn layer_violations(sources: &[Source]) -> Vec<String> {
    let mut problems = Vec::new();
    for source in sources {
        let name = source.path.to_string_lossy();
        if ROOTS.contains(&name.as_ref()) {
            continue;
        }
        let module = module_of(&source.path);
        let Some(own) = module.first() else { continue };
        let Some(own_rank) = rank(own) else {
            problems.push(format!(
                "{name}: module `{own}` is in no layer; add it to LAYERS"
            ));
            continue;
        };
        let mut seen = BTreeSet::new();
        for path in references(source) {
            let Some(target) = path.first() else { continue };
            if target == own || !seen.insert(target.clone()) {
                continue;
            }
            match rank(target) {
                Some(r) if r < own_rank => {}
                Some(r) if r == own_rank => problems.push(format!(
                    "{name}: `{own}` uses `crate::{}`, its peer in one layer",
                    path.join("::")
                )),
                Some(_) => problems.push(format!(
                    "{name}: `{own}` uses `crate::{}`, a layer above it",
                    path.join("::")
                )),
                None => problems.push(format!(
                    "{name}: uses `crate::{}`, which is in no layer",
                    path.join("::")
                )),
            }
        }
    }
    problems
}

/// Cycles of imports between the files of one folder, one line each.
/// A folder's `mod.rs` is its front door (it declares and re-exports its
/// files, which use its items) and is left out.
fn folder_cycles(sources: &[Source]) -> Vec<String> {
    // folder → file module → sibling file modules it uses.
    let mut graphs: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    let files: BTreeSet<Vec<String>> = sources
        .iter()
        .filter(|s| s.path.file_name().is_some_and(|f| f != "mod.rs"))
        .map(|s| module_of(&s.path))
        .collect();
    for source in sources {
        if source.path.file_name().is_some_and(|f| f == "mod.rs") {
            continue;
        }
        let module = module_of(&source.path);
        let Some((own, folder)) = module.split_last() else {
            continue;
        };
        let graph = graphs.entry(folder.to_vec()).or_default();
        let uses = graph.entry(own.clone()).or_default();
        for path in references(source) {
            if path.len() <= folder.len() || path[..folder.len()] != folder[..] {
                continue;
            }
            let sibling = &path[folder.len()];
            let mut sibling_path = folder.to_vec();
            sibling_path.push(sibling.clone());
            if sibling != own && files.contains(&sibling_path) {
                uses.insert(sibling.clone());
            }
        }
    }
    let mut problems = Vec::new();
    for (folder, graph) in &graphs {
        if let Some(cycle) = find_cycle(graph) {
            let folder = if folder.is_empty() {
                "src".to_string()
            } else {
                format!("src/{}", folder.join("/"))
            };
            problems.push(format!("{folder}: {} import each other", cycle.join(" → ")));
        }
    }
    problems
}

/// One cycle of `graph`, as the files around it (the first one repeated at
/// the end), or `None`.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        done: &mut BTreeSet<String>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = stack.iter().position(|s| s == node) {
            let mut cycle = stack[i..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, done, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, graph, &mut done, &mut Vec::new()) {
            return Some(cycle);
        }
    }
    None
}

fn src_sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut sources = Vec::new();
    read_sources(&root, &root, &mut sources);
    sources
}

#[test]
fn no_module_imports_a_layer_above_it_or_a_peer() {
    let problems = layer_violations(&src_sources());
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn no_files_of_one_folder_import_each_other_in_a_circle() {
    let problems = folder_cycles(&src_sources());
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_top_level_module_is_in_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("src/lib.rs");
    let missing: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';'))
        .filter(|m| rank(m).is_none())
        .collect();
    assert!(missing.is_empty(), "not in LAYERS: {missing:?}");
}

fn fake(path: &str, text: &str) -> Source {
    Source {
        path: PathBuf::from(path),
        text: text.to_string(),
    }
}

#[test]
fn an_upward_import_a_peer_import_and_a_grouped_one_are_reported() {
    let sources = [
        fake("case/mod.rs", "use crate::ui::app::App;\n"),
        fake(
            "analysis/mod.rs",
            "fn f() { crate::case::Case::open(p); }\n",
        ),
        fake("logs/row.rs", "use crate::{base::text, render::Focus};\n"),
        fake(
            "ui/app.rs",
            "use crate::case::Case; // crate::cli::run in a comment\n",
        ),
    ];
    let problems = layer_violations(&sources);
    assert_eq!(problems.len(), 3, "{problems:#?}");
    assert!(
        problems[0].starts_with("case/mod.rs: `case` uses `crate::ui::app::App`, a layer above")
    );
    assert!(problems[1].contains("its peer"), "{}", problems[1]);
    assert!(
        problems[2].contains("crate::render::Focus"),
        "{}",
        problems[2]
    );
}

#[test]
fn a_cycle_through_super_and_crate_paths_is_reported() {
    let sources = [
        fake("case/casework.rs", "use super::merge::ConflictRow;\n"),
        fake("case/merge.rs", "use super::{Case, store::Stored};\n"),
        fake(
            "case/store.rs",
            "fn f() { crate::case::casework::now(); }\n",
        ),
        fake(
            "case/mod.rs",
            "pub use merge::ConflictRow;\nuse super::x;\n",
        ),
    ];
    assert_eq!(
        folder_cycles(&sources),
        ["src/case: casework → merge → store → casework import each other"]
    );
    let acyclic = &sources[1..];
    assert!(folder_cycles(acyclic).is_empty());
}
