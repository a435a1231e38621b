//! `apply`: the change set that brings a platform repository's files up to a
//! level, checked against uncommitted work, then written (or only shown).

use std::path::PathBuf;

use super::{Error, prepare};
use crate::blueprint::Catalog;
use crate::config::Config;
use crate::git;
use crate::model::{Level, Pack};
use crate::progress::Reporter;
use crate::repo_path::RepoPath;
use crate::tree::{self, ChangeSet, WorkTree};

/// One `apply`, with the repository found and its configuration loaded.
#[derive(Debug, Clone)]
pub struct ApplyRequest {
    pub root: PathBuf,
    pub config: Config,
    pub level: Level,
    /// Replace the user's edits, and change files with uncommitted changes.
    pub force: bool,
    /// Compute the change set, write nothing.
    pub dry_run: bool,
}

/// What `apply` found and did.
#[derive(Debug, Clone)]
pub struct ApplyOutcome {
    pub changes: ChangeSet,
    /// Whether the change set was written (false for a dry run or a no-op).
    pub written: bool,
    /// Files with uncommitted changes that `--force` changed anyway.
    pub forced_uncommitted: Vec<String>,
    /// The files that hold a placeholder once the change set is written (see
    /// [`crate::blueprint::placeholder`]), changed or not.
    /// By the key of levelup.yaml each asks for.
    pub placeholders: std::collections::BTreeMap<String, Vec<RepoPath>>,
}

impl ApplyOutcome {
    /// Whether files were left with conflict markers for the user to resolve.
    pub fn has_conflicts(&self) -> bool {
        self.changes.has_conflicts()
    }
}

/// Brings the files of the repository in `request.root` up to `request.level`.
/// Without `force`, a change to a file with uncommitted changes is refused before
/// anything is written.
pub fn apply(
    pack: &Pack,
    catalog: &Catalog,
    request: &ApplyRequest,
    reporter: &dyn Reporter,
) -> Result<ApplyOutcome, Error> {
    let ApplyRequest {
        root,
        config,
        level,
        force,
        dry_run,
    } = request;
    reporter.stage("rendering the blueprints");
    let changes = prepare(&WorkTree::new(root), pack, catalog, config, *level, *force)?;
    let placeholders = super::placeholders(&changes);
    if changes.is_noop() || *dry_run {
        return Ok(ApplyOutcome {
            changes,
            written: false,
            forced_uncommitted: Vec::new(),
            placeholders,
        });
    }
    let paths: Vec<String> = changes.changed_paths().map(RepoPath::to_string).collect();
    let dirty = git::uncommitted(root, &paths)?;
    if !dirty.is_empty() && !*force {
        return Err(Error::Uncommitted(dirty));
    }
    reporter.stage("writing the files");
    tree::write(root, &changes.operations())?;
    Ok(ApplyOutcome {
        changes,
        written: true,
        forced_uncommitted: dirty,
        placeholders,
    })
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use super::*;

    #[derive(Default)]
    struct Stages(RefCell<Vec<String>>);

    impl Reporter for Stages {
        fn stage(&self, message: &str) {
            self.0.borrow_mut().push(message.to_string());
        }
    }

    fn request(root: &std::path::Path, dry_run: bool) -> ApplyRequest {
        ApplyRequest {
            root: root.to_path_buf(),
            config: crate::config::demo_config(),
            level: Level::new(1).expect("level 1"),
            force: false,
            dry_run,
        }
    }

    #[test]
    fn apply_returns_its_outcome_and_a_dry_run_writes_nothing() {
        let pack = crate::content::load_from(None, None).expect("embedded pack");
        let catalog = Catalog::load(None).expect("built-in blueprints");
        let root = tempfile::tempdir().expect("temporary folder");

        let stages = Stages::default();
        let dry = apply(&pack, &catalog, &request(root.path(), true), &stages).expect("dry run");
        assert!(!dry.written);
        assert!(!dry.changes.is_noop());
        assert_eq!(std::fs::read_dir(root.path()).expect("readable").count(), 0);
        assert_eq!(*stages.0.borrow(), ["rendering the blueprints"]);

        let real = apply(&pack, &catalog, &request(root.path(), false), &stages).expect("apply");
        assert!(real.written && !real.has_conflicts());
        let written: Vec<_> = real.changes.changed_paths().collect();
        assert_eq!(written, dry.changes.changed_paths().collect::<Vec<_>>());
        for path in written {
            assert!(path.under(root.path()).is_file(), "{path} written");
        }
        let again = apply(&pack, &catalog, &request(root.path(), false), &stages).expect("again");
        assert!(again.changes.is_noop() && !again.written);
    }
}
