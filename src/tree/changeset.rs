//! The change set: what `apply` would do to each file, computed without writing.
//!
//! For each file the inputs are three texts: what the blueprint renders now, what
//! the tree holds, and the base (what levelup wrote last time, from the lock).
//! Comparing them says whether the user edited the file, whether the blueprint
//! changed, and so whether to write, merge, keep or leave alone. The executable
//! bit is compared the same way, with the lock's `executable` as its base: a
//! user's `chmod` is an edit like any other. Binary files are never merged.

use std::collections::{BTreeMap, BTreeSet};

use diffy::{ConflictStyle, MergeOptions};

use super::Error;
use super::content::{FileContent, is_binary};
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
    /// A binary file the user edited and the blueprint changed: never merged, the
    /// user's file stays as it is and levelup's version is in the base store.
    BinaryConflict,
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
            Action::BinaryConflict => "conflict (binary)",
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
    pub before: Option<FileContent>,
    /// The file after the change; `None` removes it.
    pub after: Option<FileContent>,
}

impl Change {
    /// The executable bit before and after, when the change sets or clears it.
    pub fn mode_change(&self) -> Option<(bool, bool)> {
        match (&self.before, &self.after) {
            (Some(before), Some(after)) if before.executable != after.executable => {
                Some((before.executable, after.executable))
            }
            _ => None,
        }
    }
}

/// One generated file, as a change set takes it: the content and its mode, and
/// the blueprint name and version the lock records for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedFile {
    pub blueprint: String,
    pub version: String,
    pub content: Vec<u8>,
    pub executable: bool,
}

/// One write: new content for a path, or `None` to delete it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    pub path: RepoPath,
    pub content: Option<FileContent>,
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
            let disk = tree.read_file(path)?;
            // The base only matters when the file differs from the new output.
            let base = match entry {
                Some(entry)
                    if disk.as_ref().map(|disk| disk.bytes.as_slice())
                        != Some(file.content.as_slice()) =>
                {
                    tree.read(&Lock::base_path(&entry.sha256))?
                }
                _ => None,
            };
            let rendered_file = FileContent {
                bytes: file.content.clone(),
                executable: file.executable,
            };
            let (action, after) = decide(
                disk.as_ref(),
                Base {
                    bytes: base.as_deref(),
                    executable: entry.map(|entry| entry.executable),
                },
                &rendered_file,
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
                    executable: file.executable,
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
            let Some(disk) = tree.read_file(&path)? else {
                continue; // already gone
            };
            let base = tree.read(&Lock::base_path(&entry.sha256))?;
            // A changed mode is an edit too: such a file is kept.
            let untouched = base.as_deref() == Some(disk.bytes.as_slice())
                && disk.executable == entry.executable;
            let (action, after) = if untouched {
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
                    content: Some(FileContent::regular(text.to_vec())),
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
                content: Some(FileContent::regular(lock.to_text().into_bytes())),
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

    /// Whether files are left for the user to resolve (text or binary).
    pub fn has_conflicts(&self) -> bool {
        self.conflicted_paths().next().is_some()
    }

    /// The files left for the user to resolve: with conflict markers, or binary
    /// files where the user's version was kept and levelup's is in the base store.
    pub fn conflicted_paths(&self) -> impl Iterator<Item = &RepoPath> {
        self.changes
            .iter()
            .filter(|change| matches!(change.action, Action::Conflict | Action::BinaryConflict))
            .map(|change| &change.path)
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

/// What levelup wrote last time: the base text (when it is still stored) and
/// the mode, both known only for a file the lock tracks.
#[derive(Debug, Clone, Copy)]
struct Base<'a> {
    bytes: Option<&'a [u8]>,
    executable: Option<bool>,
}

/// The action for one generated file, and its content afterwards. The bytes
/// are decided three-way on the text, the mode three-way on the executable bit;
/// the action says what happened to the two together.
fn decide(
    disk: Option<&FileContent>,
    base: Base<'_>,
    rendered: &FileContent,
    force: bool,
) -> (Action, Option<FileContent>) {
    let tracked = base.executable.is_some();
    let Some(disk) = disk else {
        return if tracked && !force {
            (Action::KeptDeleted, None)
        } else {
            (Action::Create, Some(rendered.clone()))
        };
    };
    let (content_action, bytes) = decide_bytes(&disk.bytes, base.bytes, &rendered.bytes, force);
    let file = |bytes: Vec<u8>, executable: bool| Some(FileContent { bytes, executable });
    match content_action {
        Action::Overwrite => (Action::Overwrite, Some(rendered.clone())),
        Action::BinaryConflict => (Action::BinaryConflict, Some(disk.clone())),
        Action::Unchanged => {
            let executable = decide_mode(disk.executable, base.executable, rendered.executable);
            if executable == disk.executable {
                (Action::Unchanged, file(bytes, executable))
            } else if disk.bytes == rendered.bytes {
                // Only the blueprint's mode changed.
                (Action::Update, file(bytes, executable))
            } else {
                // The user's text, the blueprint's new mode.
                (Action::Merge, file(bytes, executable))
            }
        }
        Action::Update => {
            let executable = decide_mode(disk.executable, base.executable, rendered.executable);
            // A mode the user changed stays: the new text, the user's mode.
            let action = if executable == rendered.executable {
                Action::Update
            } else {
                Action::Merge
            };
            (action, file(bytes, executable))
        }
        action => {
            let executable = decide_mode(disk.executable, base.executable, rendered.executable);
            (action, file(bytes, executable))
        }
    }
}

/// The executable bit afterwards: the blueprint's, unless the user changed it
/// since levelup wrote it (then theirs stays, like an edit). With one bit and
/// the base equal to one side, the two cannot both have changed it.
fn decide_mode(disk: bool, base: Option<bool>, rendered: bool) -> bool {
    match base {
        Some(base) if base != disk => disk,
        _ => rendered,
    }
}

/// The action on the bytes alone, and the bytes afterwards.
fn decide_bytes(
    disk: &[u8],
    base: Option<&[u8]>,
    rendered: &[u8],
    force: bool,
) -> (Action, Vec<u8>) {
    if disk == rendered {
        return (Action::Unchanged, disk.to_vec());
    }
    if base == Some(disk) {
        return (Action::Update, rendered.to_vec());
    }
    if base == Some(rendered) {
        // The user edited it and the blueprint did not change: the edit stands.
        return (Action::Unchanged, disk.to_vec());
    }
    if force {
        return (Action::Overwrite, rendered.to_vec());
    }
    // A line merge of binary bytes would corrupt them: the user decides.
    if is_binary(disk) || is_binary(rendered) || base.is_some_and(is_binary) {
        return (Action::BinaryConflict, disk.to_vec());
    }
    let mut options = MergeOptions::new();
    options.set_conflict_style(ConflictStyle::Merge);
    match options.merge_bytes(base.unwrap_or_default(), disk, rendered) {
        Ok(merged) => (Action::Merge, merged),
        Err(conflicted) => (Action::Conflict, conflicted),
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
        let disk = disk.map(|text| FileContent::regular(text.as_bytes().to_vec()));
        let (action, after) = decide(
            disk.as_ref(),
            Base {
                bytes: base.map(str::as_bytes),
                executable: tracked.then_some(false),
            },
            &FileContent::regular(rendered.as_bytes().to_vec()),
            force,
        );
        (
            action,
            after.map(|file| String::from_utf8(file.bytes).expect("text")),
        )
    }

    fn file(text: &str, executable: bool) -> FileContent {
        FileContent {
            bytes: text.as_bytes().to_vec(),
            executable,
        }
    }

    /// The action and the mode afterwards, for a tracked file.
    fn with_modes(
        disk: (&str, bool),
        base: (&str, bool),
        rendered: (&str, bool),
    ) -> (Action, Option<FileContent>) {
        decide(
            Some(&file(disk.0, disk.1)),
            Base {
                bytes: Some(base.0.as_bytes()),
                executable: Some(base.1),
            },
            &file(rendered.0, rendered.1),
            false,
        )
    }

    #[test]
    fn a_mode_the_blueprint_changes_is_an_update() {
        assert_eq!(
            with_modes(("a\n", false), ("a\n", false), ("a\n", true)),
            (Action::Update, Some(file("a\n", true)))
        );
        assert_eq!(
            with_modes(("a\n", true), ("a\n", true), ("a\n", false)),
            (Action::Update, Some(file("a\n", false)))
        );
        // With new text too.
        assert_eq!(
            with_modes(("a\n", false), ("a\n", false), ("b\n", true)),
            (Action::Update, Some(file("b\n", true)))
        );
    }

    #[test]
    fn a_users_chmod_is_an_edit_that_stays() {
        // The blueprint did not change: the user's mode stands, nothing to do.
        assert_eq!(
            with_modes(("a\n", true), ("a\n", false), ("a\n", false)),
            (Action::Unchanged, Some(file("a\n", true)))
        );
        // The blueprint changed the text: new text, the user's mode.
        assert_eq!(
            with_modes(("a\n", true), ("a\n", false), ("b\n", false)),
            (Action::Merge, Some(file("b\n", true)))
        );
        // The user chose the mode the blueprint now has: an ordinary update.
        assert_eq!(
            with_modes(("a\n", true), ("a\n", false), ("b\n", true)),
            (Action::Update, Some(file("b\n", true)))
        );
    }

    #[test]
    fn a_users_text_edit_keeps_its_text_and_takes_the_blueprints_new_mode() {
        assert_eq!(
            with_modes(("mine\n", false), ("a\n", false), ("a\n", true)),
            (Action::Merge, Some(file("mine\n", true)))
        );
    }

    #[test]
    fn force_takes_the_blueprints_mode_with_its_text() {
        let (action, after) = decide(
            Some(&file("mine\n", false)),
            Base {
                bytes: Some(b"base\n"),
                executable: Some(false),
            },
            &file("theirs\n", true),
            true,
        );
        assert_eq!(
            (action, after),
            (Action::Overwrite, Some(file("theirs\n", true)))
        );
    }

    #[test]
    fn new_files_get_the_blueprints_mode() {
        assert_eq!(
            decide(
                None,
                Base {
                    bytes: None,
                    executable: None
                },
                &file("#!/bin/sh\n", true),
                false
            ),
            (Action::Create, Some(file("#!/bin/sh\n", true)))
        );
    }

    /// The first bytes of a PNG: a signature with a NUL-padded header chunk.
    const PNG: &[u8] =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";

    fn binary(tail: &[u8]) -> FileContent {
        let mut bytes = PNG.to_vec();
        bytes.extend_from_slice(tail);
        FileContent::regular(bytes)
    }

    #[test]
    fn an_edited_binary_file_is_never_merged() {
        let (base, mine, theirs) = (binary(b"base"), binary(b"mine"), binary(b"theirs"));
        fn tracked(base: &FileContent) -> Base<'_> {
            Base {
                bytes: Some(base.bytes.as_slice()),
                executable: Some(false),
            }
        }
        // Edited by the user, changed by the blueprint: the user's bytes stay.
        assert_eq!(
            decide(Some(&mine), tracked(&base), &theirs, false),
            (Action::BinaryConflict, Some(mine.clone()))
        );
        // Not edited: replaced byte for byte.
        assert_eq!(
            decide(Some(&base), tracked(&base), &theirs, false),
            (Action::Update, Some(theirs.clone()))
        );
        // Edited, blueprint unchanged: the edit stands.
        assert_eq!(
            decide(Some(&mine), tracked(&base), &base, false),
            (Action::Unchanged, Some(mine.clone()))
        );
        // --force replaces it.
        assert_eq!(
            decide(Some(&mine), tracked(&base), &theirs, true),
            (Action::Overwrite, Some(theirs.clone()))
        );
        // A text file the blueprint turns into a binary one is not merged either.
        let text = FileContent::regular(b"mine\n".to_vec());
        assert_eq!(
            decide(
                Some(&text),
                Base {
                    bytes: Some(b"base\n"),
                    executable: Some(false)
                },
                &theirs,
                false
            )
            .0,
            Action::BinaryConflict
        );
        assert!(Action::BinaryConflict.label().starts_with("conflict"));
        assert!(!Action::BinaryConflict.changes_file());
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
