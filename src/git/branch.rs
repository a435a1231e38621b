//! The level-up branch: fetch, commit a change set on top of a commit without
//! touching the working tree, and push without force; and which remote may
//! receive the token (https to the token's own host, or loopback http for tests).

use std::path::Path;

use git2::{
    Cred, CredentialType, FetchOptions, Index, IndexEntry, IndexTime, Oid, PushOptions,
    RemoteCallbacks, Repository, Signature,
};

use super::Error;
use crate::tree::Operation;

/// How to authenticate to the remote: a token over HTTPS to its own host, the SSH
/// agent over SSH.
pub struct Credentials<'a> {
    pub token: Option<&'a str>,
    /// The host the token belongs to; no other remote receives it.
    pub token_host: &'a str,
}

impl Credentials<'_> {
    /// Whether the remote at `url` may receive the token: over `https` to the
    /// token's host, or over `http` when that host is a loopback address.
    pub fn token_may_go_to(&self, url: &str) -> bool {
        let Some((scheme, host)) = scheme_and_host(url) else {
            return false;
        };
        let same_host = host.eq_ignore_ascii_case(self.token_host);
        match scheme.as_str() {
            "https" => same_host,
            "http" => same_host && is_loopback(&host),
            _ => false,
        }
    }
}

/// The scheme and the lowercase host of a URL (`SCHEME://[USER@]HOST[:PORT]/...`),
/// or `ssh` and the host of an scp-like `[USER@]HOST:PATH`. Brackets of an IPv6
/// address are removed.
pub fn scheme_and_host(url: &str) -> Option<(String, String)> {
    let url = url.trim();
    let (scheme, authority) = match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            (scheme.to_ascii_lowercase(), authority)
        }
        None => {
            let (authority, _) = url.split_once(':')?;
            if authority.contains('/') {
                return None; // a local path such as `./a:b`
            }
            ("ssh".to_string(), authority)
        }
    };
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if let Some(rest) = host_port.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    if host.is_empty() || scheme.is_empty() {
        return None;
    }
    Some((scheme, host.to_ascii_lowercase()))
}

/// Whether `host` is a loopback address: `localhost`, 127.0.0.0/8 or `::1`.
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

fn callbacks<'a>(
    credentials: &'a Credentials<'a>,
    attempts: &'a std::cell::Cell<u32>,
) -> RemoteCallbacks<'a> {
    let mut callbacks = RemoteCallbacks::new();
    callbacks.credentials(move |url, username, allowed| {
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
            if !credentials.token_may_go_to(url) {
                let host = scheme_and_host(url)
                    .map(|(scheme, host)| format!("{scheme}://{host}"))
                    .unwrap_or_else(|| "this remote".to_string());
                return Err(git2::Error::from_str(&format!(
                    "levelup sends its GitHub token only over https to `{}`, not to `{host}`: use an SSH remote with an agent, or a remote on `{}`",
                    credentials.token_host, credentials.token_host
                )));
            }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn for_host(host: &str) -> Credentials<'_> {
        Credentials {
            token: Some("t"),
            token_host: host,
        }
    }

    #[test]
    fn the_token_goes_only_over_https_to_its_own_host() {
        let github = for_host("github.com");
        assert!(github.token_may_go_to("https://github.com/acme/platform.git"));
        assert!(github.token_may_go_to("https://user@GitHub.com:443/acme/platform"));
        assert!(!github.token_may_go_to("http://github.com/acme/platform.git"));
        assert!(!github.token_may_go_to("https://evil.example/acme/platform.git"));
        assert!(!github.token_may_go_to("https://github.com.evil.example/a/b"));
        assert!(!github.token_may_go_to("ssh://git@github.com/acme/platform.git"));
        assert!(!github.token_may_go_to("git@github.com:acme/platform.git"));
        assert!(!github.token_may_go_to("/srv/git/platform.git"));
    }

    #[test]
    fn plain_http_only_to_the_same_loopback_host() {
        let loopback = for_host("127.0.0.1");
        assert!(loopback.token_may_go_to("http://127.0.0.1:8080/origin.git"));
        assert!(!loopback.token_may_go_to("http://127.0.0.2:8080/origin.git"));
        assert!(!loopback.token_may_go_to("http://localhost:8080/origin.git"));
        assert!(!for_host("ghe.example").token_may_go_to("http://ghe.example/a/b.git"));
    }

    #[test]
    fn recognises_loopback_hosts() {
        for host in ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"] {
            assert!(is_loopback(host), "{host}");
        }
        for host in [
            "example.com",
            "10.0.0.1",
            "128.0.0.1",
            "::2",
            "localhost.evil",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
        assert_eq!(
            scheme_and_host("http://[::1]:9/x"),
            Some(("http".into(), "::1".into()))
        );
    }
}
