//! git through libgit2: create a repository, commit, and ask which files have
//! uncommitted changes.

mod branch;
mod tree;

use std::path::{Path, PathBuf};

use git2::{Repository, Signature, Status};

pub use branch::{
    Credentials, commit_on, fetch, is_loopback, push, remote_branch, scheme_and_host, tree_with,
};
pub use tree::CommitTree;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("git has no author identity: `user.name` and `user.email` are not set")]
    NoIdentity,
    #[error("git failed in `{}`: {message}", .path.display())]
    Git { path: PathBuf, message: String },
}

fn git_error(path: &Path) -> impl Fn(git2::Error) -> Error + '_ {
    move |error| Error::Git {
        path: path.to_path_buf(),
        message: error.message().to_string(),
    }
}

/// The author and committer from git's configuration (the global and system files),
/// or an error naming what is missing. Checked before anything is created.
pub fn configured_signature() -> Result<Signature<'static>, Error> {
    let config = git2::Config::open_default().map_err(|_| Error::NoIdentity)?;
    let name = config
        .get_string("user.name")
        .map_err(|_| Error::NoIdentity)?;
    let email = config
        .get_string("user.email")
        .map_err(|_| Error::NoIdentity)?;
    Signature::now(&name, &email).map_err(|_| Error::NoIdentity)
}

/// The URL of the `origin` remote of the repository containing `dir`, if any.
pub fn origin_url(dir: &Path) -> Option<String> {
    let repository = Repository::discover(dir).ok()?;
    let remote = repository.find_remote("origin").ok()?;
    remote.url().ok().map(str::to_string)
}

/// The repository containing `dir`.
pub fn open(dir: &Path) -> Result<Repository, Error> {
    Repository::discover(dir).map_err(git_error(dir))
}

/// Creates a repository in `dir` (which may exist).
pub fn init(dir: &Path) -> Result<Repository, Error> {
    Repository::init(dir).map_err(git_error(dir))
}

/// Commits exactly `paths` (relative to the working tree) on top of HEAD, nothing
/// else: the commit's tree is HEAD's tree with only those entries added, so files
/// a user already had, and changes a user has staged, stay out of levelup's
/// commit. The repository's index gains only those entries (so they are not shown
/// as staged deletions afterwards); everything else a user staged stays staged.
/// The index on disk is written only once the commit is made: on any failure it
/// is as it was.
pub fn commit_paths(
    repository: &Repository,
    signature: &Signature<'_>,
    message: &str,
    paths: &[String],
) -> Result<git2::Oid, Error> {
    let path = repository
        .workdir()
        .unwrap_or_else(|| repository.path())
        .to_path_buf();
    let error = git_error(&path);
    let mut index = repository.index().map_err(&error)?;
    let result = commit_in_memory(repository, &mut index, signature, message, paths)
        .and_then(|commit| index.write().map(|()| commit));
    if result.is_err() {
        // The in-memory index may hold the new entries: drop them.
        let _ = index.read(true);
    }
    result.map_err(&error)
}

/// Adds `paths` to the in-memory `index` and commits HEAD's tree with only those
/// entries changed; the index is not written.
fn commit_in_memory(
    repository: &Repository,
    index: &mut git2::Index,
    signature: &Signature<'_>,
    message: &str,
    paths: &[String],
) -> Result<git2::Oid, git2::Error> {
    let parent = match repository.head() {
        Ok(head) => Some(head.peel_to_commit()?),
        Err(_) => None, // the first commit
    };
    let base = match &parent {
        Some(commit) => commit.tree()?,
        None => {
            let empty = repository.treebuilder(None)?.write()?;
            repository.find_tree(empty)?
        }
    };
    let mut update = git2::build::TreeUpdateBuilder::new();
    for file in paths {
        // Hashes the file as git would (filters, executable bit) into the object store.
        index.add_path(Path::new(file))?;
        let entry = index.get_path(Path::new(file), 0).ok_or_else(|| {
            git2::Error::from_str(&format!("`{file}` is not in the index after adding it"))
        })?;
        let mode = match entry.mode {
            0o100_755 => git2::FileMode::BlobExecutable,
            0o120_000 => git2::FileMode::Link,
            _ => git2::FileMode::Blob,
        };
        update.upsert(file, entry.id, mode);
    }
    let tree_id = update.create_updated(repository, &base)?;
    let tree = repository.find_tree(tree_id)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    repository.commit(Some("HEAD"), signature, signature, message, &tree, &parents)
}

/// Of `paths` (relative to the working tree of the repository containing `root`),
/// those with uncommitted changes. Outside a git repository nothing is known to
/// be uncommitted, and the list is empty.
pub fn uncommitted(root: &Path, paths: &[String]) -> Result<Vec<String>, Error> {
    let Ok(repository) = Repository::discover(root) else {
        return Ok(Vec::new());
    };
    let Some(workdir) = repository.workdir() else {
        return Ok(Vec::new());
    };
    let workdir = workdir.canonicalize().map_err(|error| Error::Git {
        path: workdir.to_path_buf(),
        message: error.to_string(),
    })?;
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let prefix = root.strip_prefix(&workdir).unwrap_or(Path::new(""));
    // One status per file: a file inside an untracked folder is reported as new,
    // where the repository-wide listing shows only the folder.
    let mut dirty = Vec::new();
    for path in paths {
        let in_repo = prefix.join(path.as_str());
        match repository.status_file(&in_repo) {
            Ok(status) if status != Status::CURRENT && !status.contains(Status::IGNORED) => {
                dirty.push(path.clone());
            }
            Ok(_) => {}
            Err(error) if error.code() == git2::ErrorCode::NotFound => {}
            Err(error) => return Err(git_error(&workdir)(error)),
        }
    }
    Ok(dirty)
}
