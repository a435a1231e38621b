//! The level-up branch: fetch, commit a change set on top of a commit without
//! touching the working tree, and push without force.

use std::path::Path;

use git2::{
    Cred, CredentialType, FetchOptions, Index, IndexEntry, IndexTime, Oid, PushOptions,
    RemoteCallbacks, Repository, Signature,
};

use super::Error;
use crate::scaffold::Operation;

/// How to authenticate to the remote: a token over HTTPS, the SSH agent over SSH.
pub struct Credentials<'a> {
    pub token: Option<&'a str>,
}

fn callbacks<'a>(
    credentials: &'a Credentials<'a>,
    attempts: &'a std::cell::Cell<u32>,
) -> RemoteCallbacks<'a> {
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |_url, username, allowed| {
        // libgit2 asks again after a refused credential; stop instead of looping.
        attempts.set(attempts.get() + 1);
        if attempts.get() > 3 {
            return Err(git2::Error::from_str("the remote refused the credentials"));
        }
        if allowed.contains(CredentialType::SSH_KEY) {
            return Cred::ssh_key_from_agent(username.unwrap_or("git"));
        }
        if allowed.contains(CredentialType::USER_PASS_PLAINTEXT)
            && let Some(token) = credentials.token
        {
            return Cred::userpass_plaintext("x-access-token", token);
        }
        Err(git2::Error::from_str(
            "no credentials for this remote: set GH_TOKEN, or use an SSH remote with an agent",
        ))
    });
    callbacks
}

fn remote_error(repository: &Repository, message: String) -> Error {
    Error::Git {
        path: repository.path().to_path_buf(),
        message,
    }
}

/// Fetches `branches` from `remote` into `refs/remotes/<remote>/<branch>`; a branch
/// the remote does not have is simply absent afterwards.
pub fn fetch(
    repository: &Repository,
    remote: &str,
    branches: &[&str],
    credentials: &Credentials<'_>,
) -> Result<(), Error> {
    let mut origin = repository.find_remote(remote).map_err(|error| {
        remote_error(
            repository,
            format!("no remote `{remote}`: {}", error.message()),
        )
    })?;
    let remote_heads: Vec<String> = {
        let attempts = std::cell::Cell::new(0);
        let connection = origin
            .connect_auth(
                git2::Direction::Fetch,
                Some(callbacks(credentials, &attempts)),
                None,
            )
            .map_err(|error| {
                remote_error(
                    repository,
                    format!("cannot reach `{remote}`: {}", error.message()),
                )
            })?;
        connection
            .list()
            .map_err(|error| remote_error(repository, error.message().to_string()))?
            .iter()
            .map(|head| head.name().to_string())
            .collect()
    };
    let refspecs: Vec<String> = branches
        .iter()
        .filter(|branch| remote_heads.contains(&format!("refs/heads/{branch}")))
        .map(|branch| format!("+refs/heads/{branch}:refs/remotes/{remote}/{branch}"))
        .collect();
    if refspecs.is_empty() {
        return Ok(());
    }
    let attempts = std::cell::Cell::new(0);
    let mut options = FetchOptions::new();
    options.remote_callbacks(callbacks(credentials, &attempts));
    origin
        .fetch(&refspecs, Some(&mut options), None)
        .map_err(|error| {
            remote_error(
                repository,
                format!("cannot fetch from `{remote}`: {}", error.message()),
            )
        })
}

/// The commit a remote-tracking branch points to, if it exists.
pub fn remote_branch(repository: &Repository, remote: &str, branch: &str) -> Option<Oid> {
    repository
        .refname_to_id(&format!("refs/remotes/{remote}/{branch}"))
        .ok()
}

/// The tree of `base` with `operations` applied (content written, `None` removed).
pub fn tree_with(
    repository: &Repository,
    base: Oid,
    operations: &[Operation],
) -> Result<Oid, Error> {
    let error = |error: git2::Error| remote_error(repository, error.message().to_string());
    let commit = repository.find_commit(base).map_err(error)?;
    let tree = commit.tree().map_err(error)?;
    let mut index = Index::new().map_err(error)?;
    index.read_tree(&tree).map_err(error)?;
    for operation in operations {
        let path = operation.path.as_str();
        match &operation.content {
            Some(content) => {
                let blob = repository.blob(content).map_err(error)?;
                let entry = IndexEntry {
                    ctime: IndexTime::new(0, 0),
                    mtime: IndexTime::new(0, 0),
                    dev: 0,
                    ino: 0,
                    mode: 0o100_644,
                    uid: 0,
                    gid: 0,
                    file_size: u32::try_from(content.len()).unwrap_or(u32::MAX),
                    id: blob,
                    flags: u16::try_from(path.len()).unwrap_or(0x0fff).min(0x0fff),
                    flags_extended: 0,
                    path: path.as_bytes().to_vec(),
                };
                index.add(&entry).map_err(error)?;
            }
            None => {
                // Removing a path the tree does not have is not an error.
                let _ = index.remove_path(Path::new(path));
            }
        }
    }
    index.write_tree_to(repository).map_err(error)
}

/// Commits `tree` on top of `parent` and points the private ref `reference` at it;
/// no branch, no HEAD and no working tree is touched.
pub fn commit_on(
    repository: &Repository,
    reference: &str,
    parent: Oid,
    tree: Oid,
    signature: &Signature<'_>,
    message: &str,
) -> Result<Oid, Error> {
    let error = |error: git2::Error| remote_error(repository, error.message().to_string());
    let parent = repository.find_commit(parent).map_err(error)?;
    let tree = repository.find_tree(tree).map_err(error)?;
    let commit = repository
        .commit(None, signature, signature, message, &tree, &[&parent])
        .map_err(error)?;
    repository
        .reference(reference, commit, true, "levelup: level-up commit")
        .map_err(error)?;
    Ok(commit)
}

/// Pushes `local` to `refs/heads/<branch>` on `remote`, never forcing. A ref the
/// remote rejects (libgit2 reports it per ref, not as an error) is an error.
pub fn push(
    repository: &Repository,
    remote: &str,
    local: &str,
    branch: &str,
    credentials: &Credentials<'_>,
) -> Result<(), Error> {
    let mut origin = repository.find_remote(remote).map_err(|error| {
        remote_error(
            repository,
            format!("no remote `{remote}`: {}", error.message()),
        )
    })?;
    let rejected = std::cell::RefCell::new(Vec::new());
    let attempts = std::cell::Cell::new(0);
    let mut callbacks = callbacks(credentials, &attempts);
    callbacks.push_update_reference(|refname, status| {
        if let Some(status) = status {
            rejected.borrow_mut().push(format!("{refname}: {status}"));
        }
        Ok(())
    });
    let mut options = PushOptions::new();
    options.remote_callbacks(callbacks);
    let refspec = format!("{local}:refs/heads/{branch}");
    origin
        .push(&[refspec.as_str()], Some(&mut options))
        .map_err(|error| {
            remote_error(
                repository,
                format!("push to `{remote}` failed: {}", error.message()),
            )
        })?;
    drop(options);
    let rejected = rejected.into_inner();
    if rejected.is_empty() {
        Ok(())
    } else {
        Err(remote_error(
            repository,
            format!("the remote rejected the push: {}", rejected.join("; ")),
        ))
    }
}
