//! The dependency direction of levelup's modules, checked on the source:
//! `cli → {github, scaffold, git} → tree/blueprint → plan → model`, with the
//! helpers below all of the workflow layers. A module that imports one above it
//! fails this test with the file and line.

use std::path::{Path, PathBuf};

/// The layers, top first. A module may import modules of its own layer (except
/// the pairs in [`FORBIDDEN`]) and of any layer below it, never one above.
const LAYERS: &[&[&str]] = &[
    &["cli"],
    &["github", "scaffold", "git"],
    &["tree", "blueprint"],
    &["plan"],
    &["model"],
];

/// Leaves and helpers: they may use each other and `plan`/`model`, but nothing of
/// the workflow layers above them.
const HELPERS: &[&str] = &[
    "config",
    "content",
    "report",
    "repo_path",
    "diagnostic",
    "evidence",
    "yaml",
    "files",
    "suggest",
    "progress",
];

/// Imports the layers alone would allow but the design does not: `git` and `tree`
/// stand on their own, and the model and plan know nothing of loading or printing.
const FORBIDDEN: &[(&str, &str)] = &[
    ("git", "scaffold"),
    ("git", "github"),
    ("tree", "blueprint"),
    ("model", "content"),
    ("model", "report"),
    ("plan", "content"),
    ("plan", "report"),
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|layer| layer.contains(&module))
}

/// Why `from` may not import `to`, or `None` when it may.
fn forbidden(from: &str, to: &str) -> Option<String> {
    if from == to {
        return None;
    }
    if FORBIDDEN.contains(&(from, to)) {
        return Some(format!("`{from}` must not depend on `{to}`"));
    }
    let helper_limit = layer("tree").unwrap_or(0);
    match (layer(from), layer(to)) {
        (Some(from_layer), Some(to_layer)) if to_layer < from_layer => {
            Some(format!("`{to}` is above `{from}`"))
        }
        (None, Some(to_layer)) if HELPERS.contains(&from) && to_layer <= helper_limit => Some(
            format!("`{from}` is a helper and must not depend on the workflow module `{to}`"),
        ),
        _ => None,
    }
}

/// The top-level module a source file belongs to (`src/git/tree.rs` → `git`).
fn module_of(relative: &Path) -> Option<String> {
    let first = relative.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (name != "lib" && name != "main").then(|| name.to_string())
}

/// Every `crate::X` a source text refers to, with its line number (1-based);
/// `use crate::{a, b::c}` counts as `a` and `b`. Comments are skipped, so doc
/// links to other modules are not imports.
fn references(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut in_group: Option<usize> = None; // brace depth inside `crate::{`
    for (index, line) in text.lines().enumerate() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        if let Some(depth) = in_group.as_mut() {
            rest = group_names(rest, depth, index + 1, &mut found);
            if *depth == 0 {
                in_group = None;
            } else {
                continue;
            }
        }
        while let Some(at) = rest.find("crate::") {
            let preceded_by_ident = rest[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_');
            rest = &rest[at + "crate::".len()..];
            if preceded_by_ident {
                continue; // `levelup_crate::` or similar, not this crate
            }
            if let Some(group) = rest.strip_prefix('{') {
                let mut depth = 1;
                rest = group_names(group, &mut depth, index + 1, &mut found);
                if depth > 0 {
                    in_group = Some(depth);
                    break;
                }
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push((index + 1, name));
            }
        }
    }
    found
}

/// Collects the first path segment of each item at depth 1 of a `{…}` group,
/// returns what follows the group (or an empty string if it continues).
fn group_names<'a>(
    text: &'a str,
    depth: &mut usize,
    line: usize,
    found: &mut Vec<(usize, String)>,
) -> &'a str {
    let mut at_item_start = true;
    let mut chars = text.char_indices().peekable();
    while let Some((position, c)) = chars.next() {
        match c {
            '{' => *depth += 1,
            '}' => {
                *depth -= 1;
                if *depth == 0 {
                    return &text[position + 1..];
                }
            }
            ',' if *depth == 1 => at_item_start = true,
            c if at_item_start && *depth == 1 && (c.is_alphanumeric() || c == '_') => {
                let mut name = String::from(c);
                while let Some((_, next)) = chars.peek() {
                    if next.is_alphanumeric() || *next == '_' {
                        name.push(*next);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if name != "self" {
                    found.push((line, name));
                }
                at_item_start = false;
            }
            _ => {}
        }
    }
    ""
}

/// Every violation in one file, as `file:line: reason`.
fn violations(relative: &Path, text: &str) -> Vec<String> {
    let Some(module) = module_of(relative) else {
        return Vec::new();
    };
    references(text)
        .into_iter()
        .filter_map(|(line, target)| {
            forbidden(&module, &target).map(|reason| {
                format!(
                    "src/{}:{line}: imports `crate::{target}`: {reason}",
                    relative.display()
                )
            })
        })
        .collect()
}

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable source folder") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn no_module_imports_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files.sort();
    let mut modules = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).expect("below src");
        let text = std::fs::read_to_string(file).expect("readable source");
        if let Some(module) = module_of(relative) {
            modules.insert(module);
        }
        problems.extend(violations(relative, &text));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // A new module must be placed in the table, or it escapes the check.
    for module in &modules {
        assert!(
            layer(module).is_some() || HELPERS.contains(&module.as_str()),
            "module `{module}` is in no layer of tests/cli/architecture.rs"
        );
    }
}

#[test]
fn the_check_finds_upward_imports_in_every_form() {
    let git = Path::new("git/branch.rs");
    assert_eq!(
        violations(git, "use super::Error;\nuse crate::scaffold::Operation;\n"),
        ["src/git/branch.rs:2: imports `crate::scaffold`: `git` must not depend on `scaffold`"]
    );
    assert_eq!(
        violations(
            Path::new("tree/mod.rs"),
            "use crate::{\n    diagnostic,\n    cli::Exit,\n};\n"
        ),
        ["src/tree/mod.rs:3: imports `crate::cli`: `cli` is above `tree`"]
    );
    assert_eq!(
        violations(
            Path::new("plan/planner.rs"),
            "fn f() { crate::blueprint::render(); }\n"
        ),
        ["src/plan/planner.rs:1: imports `crate::blueprint`: `blueprint` is above `plan`"]
    );
    assert_eq!(
        violations(Path::new("yaml.rs"), "use crate::tree::Lock;\n").len(),
        1
    );
    assert!(violations(Path::new("model/mod.rs"), "//! see [`crate::content`]\n").is_empty());
    assert!(violations(Path::new("cli/mod.rs"), "use crate::{git, tree};\n").is_empty());
}
