//! The trees a change set is computed against: the working directory, or (for a
//! pull request) a commit, so the same change set serves both.

use std::path::Path;

use super::Error;
use super::guard::Guard;
use crate::repo_path::RepoPath;

/// Read access to the files of a repository.
pub trait Tree {
    /// The file's bytes, or `None` when there is no such file.
    fn read(&self, path: &RepoPath) -> Result<Option<Vec<u8>>, Error>;

    /// Whether the file exists; trees where this is cheaper than reading say so.
    fn contains(&self, path: &RepoPath) -> Result<bool, Error> {
        Ok(self.read(path)?.is_some())
    }
}

/// The working directory of a repository on disk.
#[derive(Debug, Clone)]
pub struct WorkTree {
    guard: Guard,
}

impl WorkTree {
    pub fn new(root: &Path) -> WorkTree {
        WorkTree {
            guard: Guard::new(root),
        }
    }

    pub fn root(&self) -> &Path {
        &self.guard.root
    }
}

impl Tree for WorkTree {
    fn read(&self, path: &RepoPath) -> Result<Option<Vec<u8>>, Error> {
        if self.guard.canonical_root.is_none() {
            return Ok(None); // the repository does not exist yet
        }
        let full = self.guard.contained(path)?;
        match std::fs::read(&full) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Read {
                path: path.to_string(),
                message: source.to_string(),
            }),
        }
    }

    fn contains(&self, path: &RepoPath) -> Result<bool, Error> {
        if self.guard.canonical_root.is_none() {
            return Ok(false);
        }
        Ok(self.guard.contained(path)?.is_file())
    }
}

/// A tree in memory, for tests and for computing a change set before anything exists.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    pub files: std::collections::BTreeMap<RepoPath, Vec<u8>>,
}

impl Tree for MemoryTree {
    fn read(&self, path: &RepoPath) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.files.get(path).cloned())
    }
}
