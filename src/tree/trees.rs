//! The trees a change set is computed against: the working directory, or (for a
//! pull request) a commit, so the same change set serves both.

use std::path::Path;

use super::Error;
use super::content::FileContent;
use super::guard::Guard;
use crate::repo_path::RepoPath;

/// Read access to the files of a repository.
pub trait Tree {
    /// The file's bytes and executable bit, or `None` when there is no such file.
    fn read_file(&self, path: &RepoPath) -> Result<Option<FileContent>, Error>;

    /// The file's bytes, or `None` when there is no such file.
    fn read(&self, path: &RepoPath) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.read_file(path)?.map(|file| file.bytes))
    }

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
    fn read_file(&self, path: &RepoPath) -> Result<Option<FileContent>, Error> {
        if self.guard.canonical_root.is_none() {
            return Ok(None); // the repository does not exist yet
        }
        let full = self.guard.contained(path)?;
        let read_error = |source: std::io::Error| Error::Read {
            path: path.to_string(),
            message: source.to_string(),
        };
        // One open: the mode comes from the open file, not from a second lookup.
        let mut file = match std::fs::File::open(&full) {
            Ok(file) => file,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(read_error(source)),
        };
        let metadata = file.metadata().map_err(read_error)?;
        let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0));
        std::io::Read::read_to_end(&mut file, &mut bytes).map_err(read_error)?;
        Ok(Some(FileContent {
            bytes,
            executable: is_executable(&metadata),
        }))
    }

    fn contains(&self, path: &RepoPath) -> Result<bool, Error> {
        if self.guard.canonical_root.is_none() {
            return Ok(false);
        }
        Ok(self.guard.contained(path)?.is_file())
    }
}

/// Whether a file's owner may execute it, as git decides the mode to record.
/// Elsewhere than on Unix there is no such bit, and no file is executable.
#[cfg(unix)]
fn is_executable(metadata: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    metadata.permissions().mode() & 0o100 != 0
}

#[cfg(not(unix))]
fn is_executable(_: &std::fs::Metadata) -> bool {
    false
}

/// A tree in memory, for tests and for computing a change set before anything exists.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    pub files: std::collections::BTreeMap<RepoPath, FileContent>,
}

impl Tree for MemoryTree {
    fn read_file(&self, path: &RepoPath) -> Result<Option<FileContent>, Error> {
        Ok(self.files.get(path).cloned())
    }
}
