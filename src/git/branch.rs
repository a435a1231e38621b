//! The level-up branch: fetch, commit a change set on top of a commit without
//! touching the working tree, and push without force; and which remote may
//! receive the token (https to the token's own host, or loopback http to the
//! API's own port, for tests).

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
    /// The API URL the token was resolved for: its port is the only one a
    /// plain-http remote may use, and one an https remote may use besides 443.
    pub api_url: &'a str,
}

impl Credentials<'_> {
    /// Whether the remote at `url` may receive the token: over `https` to the
    /// token's host on the default port or the API's port, or over `http` when
    /// that host is a loopback address and the port is the API's own (another
    /// port on loopback is another program).
    pub fn token_may_go_to(&self, url: &str) -> bool {
        let Some(remote) = authority(url) else {
            return false;
        };
        if !remote.host.eq_ignore_ascii_case(self.token_host) {
            return false;
        }
        let api_port = authority(self.api_url).and_then(|api| api.port());
        match remote.scheme.as_str() {
            "https" => remote.port() == Some(443) || remote.port() == api_port,
            "http" => is_loopback(&remote.host) && remote.port() == api_port,
            _ => false,
        }
    }
}

/// A URL's scheme, lowercase host and explicit port.
#[derive(Debug, PartialEq, Eq)]
struct Authority {
    scheme: String,
    host: String,
    explicit_port: Option<u16>,
}

impl Authority {
    /// The port, the scheme's default when none is written.
    fn port(&self) -> Option<u16> {
        self.explicit_port.or(match self.scheme.as_str() {
            "https" => Some(443),
            "http" => Some(80),
            _ => None,
        })
    }

    /// `scheme://host[:port]`, for messages.
    fn origin(&self) -> String {
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        match self.explicit_port {
            Some(port) => format!("{}://{host}:{port}", self.scheme),
            None => format!("{}://{host}", self.scheme),
        }
    }
}

/// The scheme and the lowercase host of a URL (`SCHEME://[USER@]HOST[:PORT]/...`),
/// or `ssh` and the host of an scp-like `[USER@]HOST:PATH`. Brackets of an IPv6
/// address are removed.
pub fn scheme_and_host(url: &str) -> Option<(String, String)> {
    authority(url).map(|authority| (authority.scheme, authority.host))
}

/// The parts of a URL that say where it goes; `None` when the port is not a number.
fn authority(url: &str) -> Option<Authority> {
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
    let (host, port) = if let Some(rest) = host_port.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() || scheme.is_empty() {
        return None;
    }
    let explicit_port = match port {
        Some(port) if !port.is_empty() => Some(port.parse::<u16>().ok()?),
        _ => None,
    };
    Some(Authority {
        scheme,
        host: host.to_ascii_lowercase(),
        explicit_port,
    })
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
                let host = authority(url)
                    .map(|authority| authority.origin())
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
                let blob = repository.blob(&content.bytes).map_err(error)?;
                let entry = IndexEntry {
                    ctime: IndexTime::new(0, 0),
                    mtime: IndexTime::new(0, 0),
                    dev: 0,
                    ino: 0,
                    mode: if content.executable {
                        0o100_755
                    } else {
                        0o100_644
                    },
                    uid: 0,
                    gid: 0,
                    file_size: u32::try_from(content.bytes.len()).unwrap_or(u32::MAX),
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

    fn for_api<'a>(host: &'a str, api_url: &'a str) -> Credentials<'a> {
        Credentials {
            token: Some("t"),
            token_host: host,
            api_url,
        }
    }

    #[test]
    fn the_token_goes_only_over_https_to_its_own_host() {
        let github = for_api("github.com", "https://api.github.com");
        assert!(github.token_may_go_to("https://github.com/acme/platform.git"));
        assert!(github.token_may_go_to("https://user@GitHub.com:443/acme/platform"));
        assert!(github.token_may_go_to("HTTPS://github.com/acme/platform"));
        assert!(!github.token_may_go_to("http://github.com/acme/platform.git"));
        assert!(!github.token_may_go_to("https://evil.example/acme/platform.git"));
        assert!(!github.token_may_go_to("https://github.com.evil.example/a/b"));
        assert!(!github.token_may_go_to("https://github.com@evil.example/a/b"));
        assert!(!github.token_may_go_to("https://github.com:8443/acme/platform"));
        assert!(!github.token_may_go_to("https://github.com:x/acme/platform"));
        assert!(!github.token_may_go_to("ssh://git@github.com/acme/platform.git"));
        assert!(!github.token_may_go_to("git@github.com:acme/platform.git"));
        assert!(!github.token_may_go_to("/srv/git/platform.git"));
        let enterprise = for_api("ghe.example", "https://ghe.example:8443/api/v3");
        assert!(enterprise.token_may_go_to("https://ghe.example:8443/a/b.git"));
        assert!(enterprise.token_may_go_to("https://ghe.example/a/b.git"));
        assert!(!enterprise.token_may_go_to("https://ghe.example:9443/a/b.git"));
    }

    #[test]
    fn plain_http_only_to_the_same_loopback_host_and_port() {
        let loopback = for_api("127.0.0.1", "http://127.0.0.1:8080/api/v3");
        assert!(loopback.token_may_go_to("http://127.0.0.1:8080/origin.git"));
        assert!(loopback.token_may_go_to("HTTP://x-access-token@127.0.0.1:8080/origin.git"));
        assert!(!loopback.token_may_go_to("http://127.0.0.1:9999/origin.git"));
        assert!(!loopback.token_may_go_to("http://127.0.0.1/origin.git"));
        assert!(!loopback.token_may_go_to("http://127.0.0.1:99999/origin.git"));
        assert!(!loopback.token_may_go_to("http://127.0.0.2:8080/origin.git"));
        assert!(!loopback.token_may_go_to("http://localhost:8080/origin.git"));
        assert!(!loopback.token_may_go_to("http://127.0.0.1.evil.example:8080/o.git"));
        assert!(!loopback.token_may_go_to("http://127.0.0.1:8080@evil.example:8080/o.git"));
        assert!(!loopback.token_may_go_to("http://[::ffff:127.0.0.1]:8080/origin.git"));
        let six = for_api("::1", "http://[::1]:8080");
        assert!(six.token_may_go_to("http://[::1]:8080/origin.git"));
        assert!(!six.token_may_go_to("http://[::1]:8081/origin.git"));
        assert!(
            !for_api("ghe.example", "http://ghe.example")
                .token_may_go_to("http://ghe.example/a/b.git")
        );
    }

    #[test]
    fn a_refusal_names_the_remote_with_its_port() {
        assert_eq!(
            authority("http://u:p@127.0.0.1:9999/x.git").map(|a| a.origin()),
            Some("http://127.0.0.1:9999".to_string())
        );
        assert_eq!(
            authority("https://[::1]/x").map(|a| a.origin()),
            Some("https://[::1]".to_string())
        );
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
