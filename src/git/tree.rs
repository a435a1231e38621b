//! A commit's tree as a [`Tree`] for change sets: `levelup pr` computes the change
//! set against a branch tip without touching the working directory.

use std::path::Path;

use git2::{ErrorCode, Repository};

use super::Error;
use crate::repo_path::RepoPath;
use crate::tree::{self, Tree};

/// The files of one commit.
pub struct CommitTree<'r> {
    repository: &'r Repository,
    tree: git2::Tree<'r>,
}

impl<'r> CommitTree<'r> {
    /// The tree of `revision` (a branch, tag or commit id) in `repository`.
    pub fn at(repository: &'r Repository, revision: &str) -> Result<CommitTree<'r>, Error> {
        let path = repository.path().to_path_buf();
        let tree = repository
            .revparse_single(revision)
            .and_then(|object| object.peel_to_tree())
            .map_err(|error| Error::Git {
                path,
                message: format!("`{revision}`: {}", error.message()),
            })?;
        Ok(CommitTree { repository, tree })
    }
}

impl Tree for CommitTree<'_> {
    fn read_file(&self, path: &RepoPath) -> Result<Option<tree::FileContent>, tree::Error> {
        let entry = match self.tree.get_path(Path::new(path.as_str())) {
            Ok(entry) => entry,
            Err(error) if error.code() == ErrorCode::NotFound => return Ok(None),
            Err(error) => return Err(tree_error(path, &error)),
        };
        let object = entry
            .to_object(self.repository)
            .map_err(|error| tree_error(path, &error))?;
        match object.into_blob() {
            Ok(blob) => Ok(Some(tree::FileContent {
                bytes: blob.content().to_vec(),
                executable: entry.filemode() == 0o100_755,
            })),
            Err(_) => Ok(None), // a folder where a file would be: no such file
        }
    }
}

fn tree_error(path: &RepoPath, error: &git2::Error) -> tree::Error {
    tree::Error::Read {
        path: path.to_string(),
        message: error.message().to_string(),
    }
}
