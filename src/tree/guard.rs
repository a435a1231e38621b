//! The guard that keeps every path levelup reads or writes inside the repository
//! and refuses symbolic links along the way.

use std::path::{Path, PathBuf};

use super::Error;
use crate::repo_path::RepoPath;

/// Keeps paths inside a repository: resolves `root` once, then checks each path.
#[derive(Debug, Clone)]
pub struct Guard {
    pub(super) root: PathBuf,
    /// The root with symbolic links resolved; `None` while it does not exist.
    pub(super) canonical_root: Option<PathBuf>,
}

impl Guard {
    pub fn new(root: &Path) -> Guard {
        Guard {
            root: root.to_path_buf(),
            canonical_root: root.canonicalize().ok(),
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
        let mut current = self.root.clone();
        for segment in path.as_str().split('/') {
            current.push(segment);
            match std::fs::symlink_metadata(&current) {
                Ok(metadata) if metadata.file_type().is_symlink() => {
                    return Err(Error::Escapes {
                        path: path.to_string(),
                        link: current,
                    });
                }
                Ok(_) => {}
                Err(_) => break, // from here on nothing exists yet
            }
        }
        Ok(full)
    }
}
