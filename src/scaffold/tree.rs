//! The trees a change set is computed against: the working directory, or (for a
//! pull request) a commit, so the same change set serves both.

use std::path::{Path, PathBuf};

use super::Error;
use crate::repo_path::RepoPath;

/// Read access to the files of a repository.
pub trait Tree {
    /// The file's bytes, or `None` when there is no such file.
    fn read(&self, path: &RepoPath) -> Result<Option<Vec<u8>>, Error>;
}

/// The working directory of a repository on disk.
#[derive(Debug, Clone)]
pub struct WorkTree {
    root: PathBuf,
}

impl WorkTree {
    pub fn new(root: &Path) -> WorkTree {
        WorkTree {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Tree for WorkTree {
    fn read(&self, path: &RepoPath) -> Result<Option<Vec<u8>>, Error> {
        let full = contained(&self.root, path)?;
        match std::fs::read(&full) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(Error::Io { path: full, source }),
        }
    }
}

/// `path` below `root`, refusing any path whose existing part is a symbolic link
/// that points outside `root`: a repository cannot redirect levelup's writes.
pub fn contained(root: &Path, path: &RepoPath) -> Result<PathBuf, Error> {
    let full = path.under(root);
    let Ok(canonical_root) = root.canonicalize() else {
        return Ok(full); // the repository does not exist yet: nothing can point out
    };
    let mut current = root.to_path_buf();
    for segment in path.as_str().split('/') {
        current.push(segment);
        match std::fs::symlink_metadata(&current) {
            Ok(metadata) if metadata.file_type().is_symlink() => {
                let target = current.canonicalize().unwrap_or_default();
                if !target.starts_with(&canonical_root) {
                    return Err(Error::Escapes {
                        path: path.to_string(),
                        link: current,
                    });
                }
            }
            Ok(_) => {}
            Err(_) => break, // from here on nothing exists yet
        }
    }
    Ok(full)
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
