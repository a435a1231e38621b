//! The trees a change set is computed against: the working directory, or (for a
//! pull request) a commit, so the same change set serves both.

use std::path::{Path, PathBuf};

use super::Error;
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

/// Keeps paths inside a repository: resolves `root` once, then checks each path.
#[derive(Debug, Clone)]
pub struct Guard {
    root: PathBuf,
    /// The root with symbolic links resolved; `None` while it does not exist.
    canonical_root: Option<PathBuf>,
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
