//! The change set: what `apply` would do to each file, computed without writing.
//!
//! For each file the inputs are three texts: what the blueprint renders now, what
//! the tree holds, and the base (what levelup wrote last time, from the lock).
//! Comparing them says whether the user edited the file, whether the blueprint
//! changed, and so whether to write, merge, keep or leave alone.

use std::collections::{BTreeMap, BTreeSet};

use diffy::{ConflictStyle, MergeOptions};

use super::Error;
use super::lock::{Lock, LockEntry, sha256_hex};
use super::trees::Tree;
use crate::repo_path::RepoPath;

/// What happens to one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    /// A new file.
    Create,
    /// Not edited by the user; the blueprint's output changed.
    Update,
    /// Edited by the user and changed by the blueprint; merged cleanly.
    Merge,
    /// Overlapping edits: written with conflict markers for the user to resolve.
    Conflict,
    /// `--force`: the user's edits are replaced by the blueprint's output.
    Overwrite,
    /// The user deleted the file: it stays deleted.
    KeptDeleted,
    /// No longer produced and never edited: removed.
    Remove,
    /// No longer produced but edited by the user: left in place, no longer tracked.
    KeepEdited,
    /// Nothing to do.
    Unchanged,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Create => "created",
            Action::Update => "updated",
            Action::Unchanged => "unchanged",
            Action::Merge => "merged",
            Action::Conflict => "conflict",
            Action::KeptDeleted => "kept deleted",
            Action::Remove => "removed",
            Action::KeepEdited => "kept (edited, no longer generated)",
            Action::Overwrite => "overwritten",
        }
    }

    /// Whether the file in the tree changes.
    pub fn changes_file(self) -> bool {
        matches!(
            self,
            Action::Create
                | Action::Update
                | Action::Merge
                | Action::Conflict
                | Action::Remove
                | Action::Overwrite
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: RepoPath,
    pub action: Action,
    /// The file in the tree now.
    pub before: Option<Vec<u8>>,
    /// The file after the change; `None` removes it.
    pub after: Option<Vec<u8>>,
}

/// One generated file, as a change set takes it: the content, and the blueprint
/// name and version the lock records for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub blueprint: String,
    pub version: String,
    pub content: Vec<u8>,
}

/// One write: new content for a path, or `None` to delete it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub path: RepoPath,
    pub content: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct ChangeSet {
    /// Every generated or formerly generated file, by path.
    pub changes: Vec<Change>,
    /// The lock after the change.
    pub lock: Lock,
    /// Writes to levelup's own state (base texts, then the lock), after the files.
    state: Vec<Operation>,
}

impl ChangeSet {
    /// Compares `rendered` with `tree` and the lock `old` (if any). `lock` carries the
    /// level and dimensions to record; its files are filled in here.
    pub fn compute(
        tree: &dyn Tree,
        old: Option<&Lock>,
        rendered: &BTreeMap<RepoPath, RenderedFile>,
        mut lock: Lock,
        force: bool,
    ) -> Result<ChangeSet, Error> {
        let mut changes = Vec::new();
        let mut base_texts: BTreeMap<String, &[u8]> = BTreeMap::new();
        for (path, file) in rendered {
            let entry = old.and_then(|old| old.files.get(path.as_str()));
            let disk = tree.read(path)?;
            // The base only matters when the file differs from the new output.
            let base = match entry {
                Some(entry) if disk.as_deref() != Some(file.content.as_slice()) => {
                    tree.read(&Lock::base_path(&entry.sha256))?
                }
                _ => None,
            };
            let (action, after) = decide(
                disk.as_deref(),
                base.as_deref(),
                entry.is_some(),
                &file.content,
                force,
            );
            let sha256 = sha256_hex(&file.content);
            base_texts.insert(sha256.clone(), &file.content);
            lock.files.insert(
                path.to_string(),
                LockEntry {
                    blueprint: file.blueprint.clone(),
                    version: file.version.clone(),
                    sha256,
                },
            );
            changes.push(Change {
                path: path.clone(),
                action,
                before: disk,
                after,
            });
        }

        for (path, entry) in old.map(|old| &old.files).into_iter().flatten() {
            let Ok(path) = RepoPath::new(path) else {
                continue; // a lock entry outside the repository is ignored, never followed
            };
            if rendered.contains_key(&path) {
                continue;
            }
            let Some(disk) = tree.read(&path)? else {
                continue; // already gone
            };
            let base = tree.read(&Lock::base_path(&entry.sha256))?;
            let (action, after) = if base.as_deref() == Some(disk.as_slice()) {
                (Action::Remove, None)
            } else {
                (Action::KeepEdited, Some(disk.clone()))
            };
            changes.push(Change {
                path,
                action,
                before: Some(disk),
                after,
            });
        }
        changes.sort_by(|a, b| a.path.cmp(&b.path));

        let mut state = Vec::new();
        for (sha256, text) in &base_texts {
            let path = Lock::base_path(sha256);
            // Named by its hash: if it exists, it holds this text.
            if !tree.contains(&path)? {
                state.push(Operation {
                    path,
                    content: Some(text.to_vec()),
                });
            }
        }
        let kept: BTreeSet<&String> = lock.files.values().map(|entry| &entry.sha256).collect();
        let dropped: BTreeSet<&String> = old
            .map(|old| old.files.values().map(|entry| &entry.sha256).collect())
            .unwrap_or_default();
        for sha256 in dropped.difference(&kept) {
            let path = Lock::base_path(sha256);
            if tree.contains(&path)? {
                state.push(Operation {
                    path,
                    content: None,
                });
            }
        }
        if old != Some(&lock) {
            state.push(Operation {
                path: Lock::path(),
                content: Some(lock.to_text().into_bytes()),
            });
        }
        Ok(ChangeSet {
            changes,
            lock,
            state,
        })
    }

    /// Whether applying would write nothing at all.
    pub fn is_noop(&self) -> bool {
        self.state.is_empty()
            && !self
                .changes
                .iter()
                .any(|change| change.action.changes_file())
    }

    pub fn has_conflicts(&self) -> bool {
        self.changes
            .iter()
            .any(|change| change.action == Action::Conflict)
    }

    /// The repository files that would change (levelup's own state excluded).
    pub fn changed_paths(&self) -> impl Iterator<Item = &RepoPath> {
        self.changes
            .iter()
            .filter(|change| change.action.changes_file())
            .map(|change| &change.path)
    }

    /// Every write in order: the files, then base texts, then the lock last.
    pub fn operations(&self) -> Vec<Operation> {
        self.changes
            .iter()
            .filter(|change| change.action.changes_file())
            .map(|change| Operation {
                path: change.path.clone(),
                content: change.after.clone(),
            })
            .chain(self.state.iter().cloned())
            .collect()
    }

    /// How many files end in each action.
    pub fn counts(&self) -> BTreeMap<Action, usize> {
        let mut counts = BTreeMap::new();
        for change in &self.changes {
            *counts.entry(change.action).or_insert(0) += 1;
        }
        counts
    }
}

/// The action for one generated file, and its content afterwards.
fn decide(
    disk: Option<&[u8]>,
    base: Option<&[u8]>,
    tracked: bool,
    rendered: &[u8],
    force: bool,
) -> (Action, Option<Vec<u8>>) {
    let Some(disk) = disk else {
        return if tracked && !force {
            (Action::KeptDeleted, None)
        } else {
            (Action::Create, Some(rendered.to_vec()))
        };
    };
    if disk == rendered {
        return (Action::Unchanged, Some(disk.to_vec()));
    }
    if base == Some(disk) {
        return (Action::Update, Some(rendered.to_vec()));
    }
    if base == Some(rendered) {
        // The user edited it and the blueprint did not change: the edit stands.
        return (Action::Unchanged, Some(disk.to_vec()));
    }
    if force {
        return (Action::Overwrite, Some(rendered.to_vec()));
    }
    let mut options = MergeOptions::new();
    options.set_conflict_style(ConflictStyle::Merge);
    match options.merge_bytes(base.unwrap_or_default(), disk, rendered) {
        Ok(merged) => (Action::Merge, Some(merged)),
        Err(conflicted) => (Action::Conflict, Some(conflicted)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decided(
        disk: Option<&str>,
        base: Option<&str>,
        tracked: bool,
        rendered: &str,
        force: bool,
    ) -> (Action, Option<String>) {
        let (action, after) = decide(
            disk.map(str::as_bytes),
            base.map(str::as_bytes),
            tracked,
            rendered.as_bytes(),
            force,
        );
        (
            action,
            after.map(|bytes| String::from_utf8(bytes).expect("text")),
        )
    }

    #[test]
    fn new_files_are_created() {
        assert_eq!(
            decided(None, None, false, "a\n", false),
            (Action::Create, Some("a\n".into()))
        );
    }

    #[test]
    fn untouched_files_follow_the_blueprint() {
        assert_eq!(
            decided(Some("a\n"), Some("a\n"), true, "b\n", false),
            (Action::Update, Some("b\n".into()))
        );
        assert_eq!(
            decided(Some("a\n"), Some("a\n"), true, "a\n", false).0,
            Action::Unchanged
        );
    }

    #[test]
    fn a_user_edit_survives_an_unchanged_blueprint() {
        assert_eq!(
            decided(Some("mine\n"), Some("a\n"), true, "a\n", false),
            (Action::Unchanged, Some("mine\n".into()))
        );
    }

    #[test]
    fn separate_edits_merge() {
        let base = "one\ntwo\nthree\nfour\nfive\n";
        let user = "ONE\ntwo\nthree\nfour\nfive\n";
        let blueprint = "one\ntwo\nthree\nfour\nFIVE\n";
        assert_eq!(
            decided(Some(user), Some(base), true, blueprint, false),
            (Action::Merge, Some("ONE\ntwo\nthree\nfour\nFIVE\n".into()))
        );
    }

    #[test]
    fn overlapping_edits_conflict_with_markers() {
        let (action, after) = decided(Some("mine\n"), Some("base\n"), true, "theirs\n", false);
        assert_eq!(action, Action::Conflict);
        let after = after.expect("content");
        assert!(after.starts_with("<<<<<<<"), "{after}");
        assert!(after.contains("mine\n=======\ntheirs\n"), "{after}");
    }

    #[test]
    fn deleted_files_stay_deleted_unless_forced() {
        assert_eq!(
            decided(None, Some("a\n"), true, "a\n", false),
            (Action::KeptDeleted, None)
        );
        assert_eq!(
            decided(None, Some("a\n"), true, "a\n", true).0,
            Action::Create
        );
    }

    #[test]
    fn force_replaces_user_edits() {
        assert_eq!(
            decided(Some("mine\n"), Some("base\n"), true, "theirs\n", true),
            (Action::Overwrite, Some("theirs\n".into()))
        );
    }
}
