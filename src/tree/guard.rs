//! The guard that keeps every path levelup reads or writes inside the repository
//! and refuses symbolic links along the way.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::Error;
use crate::repo_path::RepoPath;

/// Keeps paths inside a repository: resolves `root` once, then checks each path.
#[derive(Debug)]
pub struct Guard {
    pub(super) root: PathBuf,
    /// The root with symbolic links resolved; `None` while it does not exist.
    pub(super) canonical_root: Option<PathBuf>,
    /// Folders already found to be real folders, not links: the thousands of
    /// files of one folder cost one look at it rather than one each. A guard
    /// lives for one command, and a write checks every target before it starts.
    folders: Mutex<HashSet<PathBuf>>,
}

/// A copy looks at every folder afresh.
impl Clone for Guard {
    fn clone(&self) -> Guard {
        Guard {
            root: self.root.clone(),
            canonical_root: self.canonical_root.clone(),
            folders: Mutex::new(HashSet::new()),
        }
    }
}

impl Guard {
    pub fn new(root: &Path) -> Guard {
        Guard {
            root: root.to_path_buf(),
            canonical_root: root.canonicalize().ok(),
            folders: Mutex::new(HashSet::new()),
        }
    }

    /// `path` below the root. Any symbolic link along it is refused, whatever it
    /// points to: a link inside the repository could still lead into `.git/` or
    /// `.levelup/`, and levelup never writes through a link.
    pub fn contained(&self, path: &RepoPath) -> Result<PathBuf, Error> {
        let full = path.under(&self.root);
        if self.canonical_root.is_none() {
            return Ok(full); // the repository does not exist yet: nothing can point out
        }
        let mut folders = self
            .folders
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut current = self.root.clone();
        let mut segments = path.as_str().split('/').peekable();
        while let Some(segment) = segments.next() {
            current.push(segment);
            let is_last = segments.peek().is_none();
            if !is_last && folders.contains(&current) {
                continue;
            }
            match std::fs::symlink_metadata(&current) {
                Ok(metadata) if metadata.file_type().is_symlink() => {
                    return Err(Error::Escapes {
                        path: path.to_string(),
                        link: current,
                    });
                }
                Ok(metadata) => {
                    if !is_last && metadata.is_dir() {
                        folders.insert(current.clone());
                    }
                }
                Err(_) => break, // from here on nothing exists yet
            }
        }
        Ok(full)
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn path(text: &str) -> RepoPath {
        RepoPath::new(text).expect("valid")
    }

    /// A folder looked at once is not looked at again, but every other folder,
    /// and every file itself, still is.
    #[test]
    fn links_are_refused_beside_and_below_folders_already_checked() {
        let root = tempfile::tempdir().expect("temp dir");
        let outside = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(root.path().join("apps/base")).expect("folders");
        std::os::unix::fs::symlink(outside.path(), root.path().join("apps/link")).expect("link");
        std::os::unix::fs::symlink(outside.path().join("x"), root.path().join("apps/base/file"))
            .expect("link");
        let guard = Guard::new(root.path());
        assert!(guard.contained(&path("apps/base/deployment.yaml")).is_ok());
        for linked in ["apps/link/deployment.yaml", "apps/base/file", "apps/link"] {
            assert!(
                matches!(guard.contained(&path(linked)), Err(Error::Escapes { .. })),
                "{linked}"
            );
        }
        assert!(guard.contained(&path("apps/base/service.yaml")).is_ok());
    }
}
