//! `levelup.yaml`: the platform's choices, written by the user and never rewritten.
//!
//! Parsing is strict: an unknown key, a bad value or a broken reference is an error
//! that names the file, the line and the key, with a hint.

mod choices;
mod default_file;
mod schema;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use choices::{GitOps, PolicyEngine, Provider};
pub use default_file::default_file;
pub use schema::SCHEMA;

use crate::diagnostic::{Diagnostic, problem_count};
use crate::yaml::{self, find_line};

/// The file name levelup looks for, upward from the working directory.
pub const FILE_NAME: &str = "levelup.yaml";

/// The platform's choices, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub name: String,
    pub model: String,
    pub target: Option<u8>,
    pub gitops: GitOps,
    pub policy: PolicyEngine,
    pub provider: Provider,
    pub language: String,
    pub repo: Option<String>,
    pub environments: Vec<String>,
    pub clusters: Vec<Cluster>,
    pub applications: Vec<Application>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cluster {
    pub name: String,
    pub environment: String,
    pub kubernetes_version: String,
    pub control_plane_nodes: u32,
    pub worker_nodes: u32,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Application {
    pub name: String,
    pub image: String,
    pub port: u16,
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("no `levelup.yaml` in `{start}` or any folder above it")]
    NotFound { start: PathBuf },
    #[error("`{}` is invalid: {}", .0[0].file.display(), problem_count(.0))]
    Invalid(Vec<Diagnostic>),
}

const DEFAULT_KUBERNETES_VERSION: &str = "v1.34.0";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: String,
    #[serde(default = "default_model")]
    model: String,
    #[serde(default)]
    target: Option<i64>,
    gitops: GitOps,
    policy: PolicyEngine,
    provider: Provider,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default)]
    github: Option<RawGithub>,
    #[serde(default = "default_environments")]
    environments: Vec<String>,
    #[serde(default)]
    clusters: Vec<RawCluster>,
    #[serde(default)]
    applications: Vec<RawApplication>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGithub {
    repo: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCluster {
    name: String,
    environment: String,
    #[serde(default)]
    kubernetes_version: Option<String>,
    #[serde(default)]
    control_plane_nodes: Option<u32>,
    #[serde(default)]
    worker_nodes: Option<u32>,
    #[serde(default)]
    region: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApplication {
    name: String,
    image: String,
    port: i64,
}

fn default_model() -> String {
    "4".to_string()
}

fn default_language() -> String {
    "en".to_string()
}

fn default_environments() -> Vec<String> {
    ["dev", "staging", "production"].map(String::from).to_vec()
}

/// The folder holding `levelup.yaml`: `start` or the nearest folder above it.
pub fn find_root(start: &Path) -> Result<PathBuf, Error> {
    start
        .ancestors()
        .find(|dir| dir.join(FILE_NAME).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| Error::NotFound {
            start: start.to_path_buf(),
        })
}

/// Reads and validates `root/levelup.yaml`.
pub fn load(root: &Path) -> Result<Config, Error> {
    let path = root.join(FILE_NAME);
    let bytes = std::fs::read(&path).map_err(|source| Error::Read {
        path: path.clone(),
        source,
    })?;
    let Ok(text) = String::from_utf8(bytes) else {
        return Err(Error::Invalid(vec![Diagnostic {
            file: path,
            line: None,
            key: None,
            message: "the file is not UTF-8 text".to_string(),
            hint: Some("save it as UTF-8".to_string()),
        }]));
    };
    parse(&path, &text)
}

/// Validates the text of a `levelup.yaml`; `path` is how it is named in errors.
pub fn parse(path: &Path, text: &str) -> Result<Config, Error> {
    let raw: RawConfig = yaml::parse(path.to_path_buf(), text, yaml::Docs::ConfigSchema)
        .map_err(|d| Error::Invalid(vec![d]))?;
    let mut check = Checker {
        path,
        text,
        diagnostics: Vec::new(),
    };
    check.dns_label("name", &raw.name);
    if raw.model != "4" {
        check.report(
            "model",
            &raw.model,
            format!("unknown model version `{}`", raw.model),
            "levelup knows version `4` of the model",
        );
    }
    let target = raw.target.and_then(|target| {
        let valid = u8::try_from(target).ok().filter(|t| (1..=5).contains(t));
        if valid.is_none() {
            check.report(
                "target",
                &target.to_string(),
                format!("target level `{target}` is out of range"),
                "the target is a level from 1 to 5",
            );
        }
        valid
    });
    let mut seen = HashSet::new();
    for (index, environment) in raw.environments.iter().enumerate() {
        check.dns_label(&format!("environments[{index}]"), environment);
        if !seen.insert(environment) {
            check.report(
                &format!("environments[{index}]"),
                environment,
                format!("environment `{environment}` is listed twice"),
                "list each environment once",
            );
        }
    }
    if raw.environments.is_empty() {
        check.report(
            "environments",
            "environments:",
            "no environments are listed".to_string(),
            "list at least one, such as `[dev, production]`",
        );
    }

    let clusters: Vec<Cluster> = if raw.clusters.is_empty() {
        // One workload cluster per environment, named after it.
        raw.environments
            .iter()
            .map(|environment| Cluster {
                name: environment.clone(),
                environment: environment.clone(),
                kubernetes_version: DEFAULT_KUBERNETES_VERSION.to_string(),
                control_plane_nodes: 1,
                worker_nodes: 2,
                region: String::new(),
            })
            .collect()
    } else {
        let mut names = HashSet::new();
        raw.clusters
            .iter()
            .enumerate()
            .map(|(index, cluster)| {
                let key = format!("clusters[{index}]");
                check.dns_label(&format!("{key}.name"), &cluster.name);
                if !names.insert(cluster.name.clone()) {
                    check.report(
                        &format!("{key}.name"),
                        &cluster.name,
                        format!("cluster `{}` is listed twice", cluster.name),
                        "cluster names are unique",
                    );
                }
                if !raw.environments.contains(&cluster.environment) {
                    let hint = match crate::suggest::nearest(
                        &cluster.environment,
                        raw.environments.iter().map(String::as_str),
                    ) {
                        Some(near) => format!(
                            "did you mean `{near}`? a cluster belongs to one of `environments`"
                        ),
                        None => format!(
                            "a cluster belongs to one of `environments`: {}",
                            raw.environments.join(", ")
                        ),
                    };
                    check.report(
                        &format!("{key}.environment"),
                        &cluster.environment,
                        format!("unknown environment `{}`", cluster.environment),
                        &hint,
                    );
                }
                let version = cluster
                    .kubernetes_version
                    .clone()
                    .unwrap_or_else(|| DEFAULT_KUBERNETES_VERSION.to_string());
                if !is_kubernetes_version(&version) {
                    check.report(
                        &format!("{key}.kubernetes_version"),
                        &version,
                        format!("`{version}` is not a Kubernetes version"),
                        "write it as `v1.34.0`",
                    );
                }
                let control_plane_nodes = cluster.control_plane_nodes.unwrap_or(1);
                if control_plane_nodes == 0 || control_plane_nodes % 2 == 0 {
                    check.report(
                        &format!("{key}.control_plane_nodes"),
                        &control_plane_nodes.to_string(),
                        format!("{control_plane_nodes} control plane nodes cannot keep quorum"),
                        "use an odd number: 1, 3 or 5",
                    );
                }
                Cluster {
                    name: cluster.name.clone(),
                    environment: cluster.environment.clone(),
                    kubernetes_version: version,
                    control_plane_nodes,
                    worker_nodes: cluster.worker_nodes.unwrap_or(2),
                    region: cluster.region.clone().unwrap_or_default(),
                }
            })
            .collect()
    };

    let mut names = HashSet::new();
    let applications = raw
        .applications
        .iter()
        .enumerate()
        .filter_map(|(index, application)| {
            let key = format!("applications[{index}]");
            check.dns_label(&format!("{key}.name"), &application.name);
            if !names.insert(application.name.clone()) {
                check.report(
                    &format!("{key}.name"),
                    &application.name,
                    format!("application `{}` is listed twice", application.name),
                    "application names are unique",
                );
            }
            if application.image.trim().is_empty()
                || application.image.chars().any(char::is_whitespace)
            {
                check.report(
                    &format!("{key}.image"),
                    &application.image,
                    format!("`{}` is not an image reference", application.image),
                    "write it as `registry/name:tag`, such as `ghcr.io/acme/shop:1.2.0`",
                );
            }
            let port = u16::try_from(application.port)
                .ok()
                .filter(|port| *port > 0);
            if port.is_none() {
                check.report(
                    &format!("{key}.port"),
                    &application.port.to_string(),
                    format!("port `{}` is out of range", application.port),
                    "a port is a number from 1 to 65535",
                );
            }
            Some(Application {
                name: application.name.clone(),
                image: application.image.clone(),
                port: port?,
            })
        })
        .collect();

    let repo = raw.github.and_then(|github| github.repo);
    if let Some(repo) = &repo {
        let parts: Vec<&str> = repo.split('/').collect();
        if parts.len() != 2 || parts.iter().any(|part| part.is_empty()) {
            check.report(
                "github.repo",
                repo,
                format!("`{repo}` is not a GitHub repository"),
                "write it as `owner/name`",
            );
        }
    }

    if !check.diagnostics.is_empty() {
        return Err(Error::Invalid(check.diagnostics));
    }
    Ok(Config {
        name: raw.name,
        model: raw.model,
        target,
        gitops: raw.gitops,
        policy: raw.policy,
        provider: raw.provider,
        language: raw.language,
        repo,
        environments: raw.environments,
        clusters,
        applications,
    })
}

struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// Reports a problem with `value` at `key`; the line is where the value appears.
    fn report(&mut self, key: &str, value: &str, message: String, hint: &str) {
        let field = key.rsplit('.').next().unwrap_or(key);
        let field = field.split('[').next().unwrap_or(field);
        let line = find_line(self.text, 1, usize::MAX, |line| {
            line.contains(value)
                && (line.contains(&format!("{field}:"))
                    || line.trim_start().starts_with('-')
                    || line.contains('['))
        })
        .or_else(|| find_line(self.text, 1, usize::MAX, |line| line.contains(value)));
        self.diagnostics.push(Diagnostic {
            file: self.path.to_path_buf(),
            line,
            key: Some(key.to_string()),
            message,
            hint: Some(hint.to_string()),
        });
    }

    /// Names become Kubernetes object names and paths: DNS labels only.
    fn dns_label(&mut self, key: &str, value: &str) {
        if !is_dns_label(value) {
            self.report(
                key,
                value,
                format!("`{value}` is not a valid name"),
                "names are lowercase letters, digits and `-`, start with a letter, end with a letter or digit, 63 characters at most",
            );
        }
    }
}

/// A DNS-1123 label that starts with a letter: safe as a Kubernetes name and a path segment.
pub fn is_dns_label(value: &str) -> bool {
    let bytes = value.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes[0].is_ascii_lowercase()
        && bytes[bytes.len() - 1] != b'-'
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}

fn is_kubernetes_version(version: &str) -> bool {
    let Some(rest) = version.strip_prefix('v') else {
        return false;
    };
    let parts: Vec<&str> = rest.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<Diagnostic> {
        match parse(Path::new("levelup.yaml"), text) {
            Err(Error::Invalid(found)) => found,
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    /// levelup.yaml has no key that nests, so a "billion laughs" cannot hide in
    /// a valid shape: its anchors sit at keys the strict parser refuses first.
    #[test]
    fn nested_aliases_are_refused_quickly() {
        let started = std::time::Instant::now();
        let found = problems(&crate::yaml::billion_laughs("name"));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, Some(1));
        assert!(found[0].message.starts_with("unknown field `a0`"));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Nested where a list of names is expected, the first alias is refused.
        let text = "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\nenvironments:\n  - &a0 [x, x]\n  - [*a0, *a0]\n";
        let found = problems(text);
        assert_eq!(
            found[0].key.as_deref(),
            Some("environments[0]"),
            "{found:?}"
        );
    }

    #[test]
    fn a_missing_key_points_to_the_schema_the_binary_prints() {
        let found = problems("name: acme\ngitops: flux\npolicy: kyverno\n");
        assert_eq!(found[0].message, "missing field `provider`");
        assert_eq!(
            found[0].hint.as_deref(),
            Some("add `provider`; `levelup config schema` lists every key")
        );
    }
}
