//! Which GitHub to talk to, as `gh` decides it: host, API base, token and repository.
//!
//! The environment is passed in as a function, so the rules are tested without
//! touching the process's variables. The token is kept in a type that never
//! prints itself.
//!
//! Which host a token belongs to: the token is looked up for the host of the API
//! URL (`api.github.com` counts as `github.com`; `https://HOST/api/v3` as `HOST`),
//! so an explicit `--api-url` on another host never receives a github.com token,
//! and git receives the token only for remotes on that same host (over https on
//! the default port or the API's, over loopback http only on the API's port).
//! `http://` is accepted only for loopback addresses (the test servers);
//! everything else must be `https://`.

use std::fmt;

/// The host used when nothing else names one.
pub const DEFAULT_HOST: &str = "github.com";

/// An API token. It has no `Display`, and `Debug` hides it, so it cannot end up in
/// output, logs or errors by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

impl Token {
    pub fn new(secret: impl Into<String>) -> Token {
        Token(secret.into())
    }

    /// The secret, for the HTTP client and git credentials only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(***)")
    }
}

/// `owner/name` of a repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoName {
    pub owner: String,
    pub name: String,
}

impl fmt::Display for RepoName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

/// Everything needed to call GitHub for one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The GitHub host of the repository (`github.com` or a GitHub Enterprise Server).
    pub host: String,
    pub api_url: String,
    pub repo: RepoName,
    pub token: Token,
    /// The host the token was found for, from the API URL: the token goes to no
    /// other host, neither in API requests nor to a git remote.
    pub token_host: String,
}

/// What the user said; `None` where a flag was not given.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub host: Option<String>,
    pub api_url: Option<String>,
    pub repo: Option<String>,
    /// `github.repo` from levelup.yaml: after `--repo` and `GH_REPO`, before the remote.
    pub configured_repo: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("no GitHub token for `{host}`: tried {}", .tried.join(", "))]
    NoToken { host: String, tried: Vec<String> },
    #[error("no GitHub repository: tried {}", .tried.join(", "))]
    NoRepo { tried: Vec<String> },
    #[error("`{value}` is not a GitHub repository")]
    BadRepo { value: String },
    #[error("`{url}` is not an API URL levelup can use")]
    BadApiUrl { url: String },
    #[error(
        "`{url}` is plain http on a host that is not loopback: the token would travel unencrypted"
    )]
    InsecureApiUrl { url: String },
}

/// Resolves the target. `env` reads an environment variable, `remote` is the URL of
/// the git remote (if any), and `gh_token` asks `gh auth token --hostname HOST`.
pub fn resolve(
    flags: &Flags,
    env: &dyn Fn(&str) -> Option<String>,
    remote: Option<&str>,
    gh_token: &dyn Fn(&str) -> Option<String>,
) -> Result<Target, Error> {
    let non_empty = |name: &str| env(name).filter(|value| !value.trim().is_empty());
    let from_remote = remote.and_then(parse_remote);

    // The repository: --repo, GH_REPO ([HOST/]OWNER/REPO), levelup.yaml, then the git remote.
    let named = flags
        .repo
        .clone()
        .or_else(|| non_empty("GH_REPO"))
        .or_else(|| flags.configured_repo.clone());
    let (repo_host, repo) = match named {
        Some(value) => {
            let (host, repo) = parse_repo_flag(&value).ok_or(Error::BadRepo { value })?;
            (host, repo)
        }
        None => match &from_remote {
            Some((host, repo)) => (Some(host.clone()), repo.clone()),
            None => {
                return Err(Error::NoRepo {
                    tried: vec![
                        "--repo".into(),
                        "GH_REPO".into(),
                        "`github.repo` in levelup.yaml".into(),
                        "the git remote `origin`".into(),
                    ],
                });
            }
        },
    };

    let host = flags
        .host
        .clone()
        .or_else(|| non_empty("GH_HOST"))
        .or(repo_host)
        .unwrap_or_else(|| DEFAULT_HOST.to_string())
        .to_lowercase();
    let api_url = flags
        .api_url
        .clone()
        .or_else(|| non_empty("GITHUB_API_URL"))
        .unwrap_or_else(|| api_url_for(&host))
        .trim_end_matches('/')
        .to_string();
    let token_host = token_host(&api_url)?;

    let variables: &[&str] = if token_host == DEFAULT_HOST {
        &["GH_TOKEN", "GITHUB_TOKEN"]
    } else {
        &["GH_ENTERPRISE_TOKEN", "GITHUB_ENTERPRISE_TOKEN"]
    };
    let token = variables
        .iter()
        .find_map(|name| non_empty(name))
        .or_else(|| gh_token(&token_host).filter(|token| !token.trim().is_empty()))
        .map(|token| Token::new(token.trim()))
        .ok_or_else(|| Error::NoToken {
            host: token_host.clone(),
            tried: variables
                .iter()
                .map(|name| name.to_string())
                .chain(std::iter::once(format!(
                    "`gh auth token --hostname {token_host}`"
                )))
                .collect(),
        })?;
    Ok(Target {
        host,
        api_url,
        repo,
        token,
        token_host,
    })
}

/// The host whose token an API URL may receive: `github.com` for
/// `https://api.github.com`, the URL's own host otherwise. Plain `http://` is
/// refused unless the host is a loopback address.
pub fn token_host(api_url: &str) -> Result<String, Error> {
    let bad = || Error::BadApiUrl {
        url: api_url.to_string(),
    };
    let (scheme, host) = crate::git::scheme_and_host(api_url).ok_or_else(bad)?;
    match scheme.as_str() {
        "https" => {}
        "http" if crate::git::is_loopback(&host) => {}
        "http" => {
            return Err(Error::InsecureApiUrl {
                url: api_url.to_string(),
            });
        }
        _ => return Err(bad()),
    }
    Ok(if host == "api.github.com" {
        DEFAULT_HOST.to_string()
    } else {
        host
    })
}

/// `https://api.github.com` for github.com, `https://HOST/api/v3` for GitHub Enterprise Server.
pub fn api_url_for(host: &str) -> String {
    if host == DEFAULT_HOST {
        "https://api.github.com".to_string()
    } else {
        format!("https://{host}/api/v3")
    }
}

/// `OWNER/REPO` or `HOST/OWNER/REPO`.
fn parse_repo_flag(value: &str) -> Option<(Option<String>, RepoName)> {
    let parts: Vec<&str> = value.trim().trim_end_matches(".git").split('/').collect();
    let valid = |part: &&str| !part.is_empty() && !part.contains(char::is_whitespace);
    match parts.as_slice() {
        [owner, name] if valid(owner) && valid(name) => Some((None, repo_name(owner, name))),
        [host, owner, name] if valid(host) && valid(owner) && valid(name) => {
            Some((Some(host.to_string()), repo_name(owner, name)))
        }
        _ => None,
    }
}

/// The host and repository of a git remote URL: `https://HOST/OWNER/REPO(.git)`,
/// `ssh://git@HOST(:PORT)/OWNER/REPO(.git)` or `git@HOST:OWNER/REPO(.git)`.
pub fn parse_remote(url: &str) -> Option<(String, RepoName)> {
    let url = url.trim();
    let (host, path) = if let Some(rest) = url.split_once("://").map(|(_, rest)| rest) {
        let (authority, path) = rest.split_once('/')?;
        let host = authority.rsplit('@').next()?.split(':').next()?;
        (host, path)
    } else {
        let (user_host, path) = url.split_once(':')?;
        (user_host.rsplit('@').next()?, path)
    };
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    let (owner, name) = path.split_once('/')?;
    if host.is_empty() || owner.is_empty() || name.is_empty() || name.contains('/') {
        return None;
    }
    Some((host.to_lowercase(), repo_name(owner, name)))
}

fn repo_name(owner: &str, name: &str) -> RepoName {
    RepoName {
        owner: owner.to_string(),
        name: name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| value.to_string())
        }
    }

    fn no_gh(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn github_com_from_the_remote_with_gh_token() {
        let target = resolve(
            &Flags::default(),
            &env_of(&[("GH_TOKEN", "secret-1"), ("GITHUB_TOKEN", "secret-2")]),
            Some("git@github.com:acme/platform.git"),
            &no_gh,
        )
        .expect("resolves");
        assert_eq!(target.host, "github.com");
        assert_eq!(target.api_url, "https://api.github.com");
        assert_eq!(target.repo.to_string(), "acme/platform");
        assert_eq!(target.token.expose(), "secret-1");
    }

    #[test]
    fn enterprise_hosts_use_api_v3_and_enterprise_tokens() {
        let target = resolve(
            &Flags::default(),
            &env_of(&[
                ("GH_TOKEN", "public"),
                ("GH_ENTERPRISE_TOKEN", "enterprise"),
            ]),
            Some("https://git.acme.example/platform/infra.git"),
            &no_gh,
        )
        .expect("resolves");
        assert_eq!(target.host, "git.acme.example");
        assert_eq!(target.api_url, "https://git.acme.example/api/v3");
        assert_eq!(target.token.expose(), "enterprise");
    }

    #[test]
    fn flags_beat_variables_which_beat_the_remote() {
        let flags = Flags {
            host: None,
            api_url: Some("http://127.0.0.1:8080/".into()),
            repo: Some("other/repo".into()),
            configured_repo: Some("from/config".into()),
        };
        let target = resolve(
            &flags,
            &env_of(&[("GH_REPO", "ignored/repo"), ("GH_ENTERPRISE_TOKEN", "t")]),
            Some("git@github.com:acme/platform.git"),
            &no_gh,
        )
        .expect("resolves");
        assert_eq!(target.repo.to_string(), "other/repo");
        assert_eq!(target.api_url, "http://127.0.0.1:8080");
    }

    #[test]
    fn levelup_yaml_names_the_repository_after_the_flag_and_gh_repo() {
        let flags = Flags {
            configured_repo: Some("from/config".into()),
            ..Flags::default()
        };
        let env = env_of(&[("GH_TOKEN", "t")]);
        let remote = Some("git@github.com:from/remote.git");
        let from_config = resolve(&flags, &env, remote, &no_gh).expect("resolves");
        assert_eq!(from_config.repo.to_string(), "from/config");
        let with_gh_repo = resolve(
            &flags,
            &env_of(&[("GH_TOKEN", "t"), ("GH_REPO", "from/variable")]),
            remote,
            &no_gh,
        )
        .expect("resolves");
        assert_eq!(with_gh_repo.repo.to_string(), "from/variable");
        let flag = Flags {
            repo: Some("from/flag".into()),
            ..flags.clone()
        };
        assert_eq!(
            resolve(&flag, &env, remote, &no_gh)
                .expect("resolves")
                .repo
                .to_string(),
            "from/flag"
        );
        assert_eq!(
            resolve(&Flags::default(), &env, remote, &no_gh)
                .expect("resolves")
                .repo
                .to_string(),
            "from/remote"
        );
    }

    #[test]
    fn plain_http_is_refused_except_on_loopback() {
        for url in [
            "http://127.0.0.1:8080",
            "http://127.9.9.9/api/v3",
            "http://[::1]:9000",
            "http://localhost:1",
            "HTTP://127.0.0.1:8080",
            "http://user:secret@127.0.0.1:8080",
        ] {
            assert!(token_host(url).is_ok(), "{url}");
        }
        assert_eq!(
            token_host("HTTP://user@127.0.0.1:8080/api").as_deref(),
            Ok("127.0.0.1"),
            "userinfo and port are not part of the token's host"
        );
        for url in [
            "http://ghe.example/api/v3",
            "http://10.0.0.1",
            "http://api.github.com",
            "HTTP://ghe.example",
            "http://127.0.0.1.evil.example:8080",
            "http://localhost.evil.example",
            "http://127.0.0.1@evil.example",
            "http://127.0.0.1:8080@evil.example:8080",
            "http://[::ffff:127.0.0.1]:8080",
        ] {
            assert_eq!(
                token_host(url),
                Err(Error::InsecureApiUrl { url: url.into() }),
                "{url}"
            );
        }
        assert!(matches!(
            token_host("ftp://x/y"),
            Err(Error::BadApiUrl { .. })
        ));
        assert!(matches!(
            token_host("not a url"),
            Err(Error::BadApiUrl { .. })
        ));
        assert!(
            matches!(
                token_host("http://127.0.0.1:http/api"),
                Err(Error::BadApiUrl { .. })
            ),
            "a port that is not a number"
        );
    }

    #[test]
    fn the_token_is_looked_up_for_the_api_urls_host() {
        let env = env_of(&[
            ("GH_TOKEN", "public"),
            ("GH_ENTERPRISE_TOKEN", "enterprise"),
        ]);
        let asked = std::cell::RefCell::new(Vec::new());
        let gh = |host: &str| {
            asked.borrow_mut().push(host.to_string());
            None
        };
        // An explicit API URL elsewhere never receives the github.com token.
        let flags = Flags {
            api_url: Some("https://proxy.example/api".into()),
            ..Flags::default()
        };
        let target = resolve(&flags, &env, Some("git@github.com:a/b.git"), &gh).expect("resolves");
        assert_eq!(target.host, "github.com");
        assert_eq!(target.token_host, "proxy.example");
        assert_eq!(target.token.expose(), "enterprise");
        let error = resolve(
            &flags,
            &env_of(&[("GH_TOKEN", "public")]),
            Some("git@github.com:a/b.git"),
            &gh,
        )
        .expect_err("no token for the proxy");
        assert!(matches!(error, Error::NoToken { ref host, .. } if host == "proxy.example"));
        assert_eq!(asked.borrow().as_slice(), ["proxy.example"]);
        // api.github.com is github.com's API: GH_TOKEN.
        let github = Flags {
            api_url: Some("https://api.github.com/".into()),
            ..Flags::default()
        };
        let target =
            resolve(&github, &env, Some("git@github.com:a/b.git"), &no_gh).expect("resolves");
        assert_eq!(
            (target.token_host.as_str(), target.token.expose()),
            ("github.com", "public")
        );
    }

    #[test]
    fn gh_repo_may_name_the_host() {
        let target = resolve(
            &Flags::default(),
            &env_of(&[
                ("GH_REPO", "ghe.example/acme/platform"),
                ("GITHUB_ENTERPRISE_TOKEN", "t"),
            ]),
            None,
            &no_gh,
        )
        .expect("resolves");
        assert_eq!(target.host, "ghe.example");
        assert_eq!(target.api_url, "https://ghe.example/api/v3");
    }

    #[test]
    fn falls_back_to_gh_auth_token() {
        let target = resolve(
            &Flags::default(),
            &env_of(&[]),
            Some("https://github.com/acme/platform"),
            &|host| (host == "github.com").then(|| "from-gh\n".to_string()),
        )
        .expect("resolves");
        assert_eq!(target.token.expose(), "from-gh");
    }

    #[test]
    fn a_missing_token_names_what_was_tried_and_never_a_secret() {
        let error = resolve(
            &Flags::default(),
            &env_of(&[("GH_TOKEN", " ")]),
            Some("git@github.com:a/b.git"),
            &no_gh,
        )
        .expect_err("no token");
        assert_eq!(
            error.to_string(),
            "no GitHub token for `github.com`: tried GH_TOKEN, GITHUB_TOKEN, `gh auth token --hostname github.com`"
        );
    }

    #[test]
    fn tokens_never_print() {
        let token = Token::new("ghp_supersecret");
        assert_eq!(format!("{token:?}"), "Token(***)");
        let target = Target {
            host: "github.com".into(),
            api_url: "https://api.github.com".into(),
            repo: repo_name("a", "b"),
            token,
            token_host: "github.com".into(),
        };
        assert!(!format!("{target:?}").contains("supersecret"));
    }

    #[test]
    fn parses_remote_urls() {
        for url in [
            "https://github.com/acme/platform.git",
            "https://user@github.com/acme/platform",
            "ssh://git@github.com:22/acme/platform.git",
            "git@github.com:acme/platform.git",
        ] {
            let (host, repo) = parse_remote(url).unwrap_or_else(|| panic!("{url}"));
            assert_eq!(
                (host.as_str(), repo.to_string().as_str()),
                ("github.com", "acme/platform"),
                "{url}"
            );
        }
        assert_eq!(parse_remote("/srv/git/platform.git"), None);
    }
}
