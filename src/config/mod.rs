//! `levelup.yaml`: the platform's choices, written by the user and never rewritten.
//!
//! Parsing is strict: an unknown key, a bad value or a broken reference is an error
//! that names the file, the line and the key, with a hint.

mod choices;
mod default_file;
mod error_rate;
mod machines;
mod schema;
mod services;
mod shapes;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

pub use choices::{Delivery, GitOps, PolicyEngine, Provider};
#[cfg(test)]
pub use default_file::demo_config;
pub use default_file::{default_file, example_application};
pub use error_rate::{default_canary_error_rate, default_error_rate};
pub use machines::{Aws, Azure, Machines, Vsphere};
pub use schema::SCHEMA;
pub use services::{Backups, Certificates, Ci, SecretStore, SecretStoreProvider};

use crate::diagnostic::{Diagnostic, problem_count};
use crate::yaml;

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
    /// The cluster that runs the platform's one Argo CD: `management_cluster`, or
    /// the first production cluster.
    pub management_cluster: String,
    pub applications: Vec<Application>,
    /// GitHub users and teams (`@alice`, `@acme/platform-team`) who own the repository.
    pub owners: Vec<String>,
    pub certificates: Certificates,
    pub secret_store: SecretStore,
    pub backups: Backups,
    /// The GitHub features the generated workflows may use.
    pub ci: Ci,
}

impl Config {
    /// The HTTPS clone URL of `github.repo`, when it is set.
    pub fn repo_url(&self) -> Option<String> {
        self.repo
            .as_ref()
            .map(|repo| format!("https://github.com/{repo}.git"))
    }

    /// Where GitHub shows the repository's `docs/` on its default branch, when `github.repo`
    /// is set: what an alert's `runbook_url` links into.
    pub fn docs_url(&self) -> Option<String> {
        self.repo
            .as_ref()
            .map(|repo| format!("https://github.com/{repo}/blob/HEAD/docs"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Cluster {
    pub name: String,
    pub environment: String,
    pub kubernetes_version: String,
    pub control_plane_nodes: u32,
    pub worker_nodes: u32,
    /// The AWS region or Azure location, or the `region` as written (may be empty).
    pub region: String,
    /// The machines in the provider's terms: only the platform's provider is set.
    #[serde(flatten)]
    pub machines: Machines,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Application {
    pub name: String,
    pub image: String,
    pub port: u16,
    /// The PromQL expression of the application's error rate (0 to 1), for the
    /// analysis of progressive delivery.
    pub error_rate: String,
    /// What Flagger's analysis reads: the canary's own error rate by default, else
    /// `error_rate` as written.
    pub canary_error_rate: String,
    /// Seen by templates as `app.delivery`: `kustomize` or `helm`.
    pub delivery: Delivery,
}

impl Application {
    /// A Kustomize-delivered application with the default error-rate expression for its name.
    pub fn new(name: &str, image: &str, port: u16) -> Application {
        Application {
            name: name.to_string(),
            image: image.to_string(),
            port,
            error_rate: default_error_rate(name),
            canary_error_rate: default_canary_error_rate(name),
            delivery: Delivery::Kustomize,
        }
    }
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

/// `levelup.yaml` as written. Every value a check may refuse carries its
/// position ([`Spanned`]), so a problem names the line it is on.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    name: Spanned<String>,
    #[serde(default = "default_model")]
    model: Spanned<String>,
    #[serde(default)]
    target: Option<Spanned<i64>>,
    gitops: GitOps,
    policy: PolicyEngine,
    provider: Provider,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default)]
    github: Option<RawGithub>,
    #[serde(default = "default_environments")]
    environments: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    clusters: Vec<Spanned<RawCluster>>,
    #[serde(default)]
    management_cluster: Option<Spanned<String>>,
    #[serde(default)]
    applications: Vec<RawApplication>,
    #[serde(default)]
    owners: Vec<Spanned<String>>,
    #[serde(default)]
    certificates: Option<Spanned<services::RawCertificates>>,
    #[serde(default)]
    secret_store: Option<Spanned<services::RawSecretStore>>,
    #[serde(default)]
    backups: Option<Spanned<services::RawBackups>>,
    #[serde(default)]
    ci: Ci,
    #[serde(default)]
    aws: Option<Spanned<machines::RawAws>>,
    #[serde(default)]
    azure: Option<Spanned<machines::RawAzure>>,
    #[serde(default)]
    vsphere: Option<Spanned<machines::RawVsphere>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGithub {
    repo: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCluster {
    name: Spanned<String>,
    environment: Spanned<String>,
    #[serde(default)]
    kubernetes_version: Option<Spanned<String>>,
    #[serde(default)]
    control_plane_nodes: Option<Spanned<u32>>,
    #[serde(default)]
    worker_nodes: Option<u32>,
    #[serde(default)]
    region: Option<Spanned<String>>,
    #[serde(default)]
    aws: Option<Spanned<machines::RawAws>>,
    #[serde(default)]
    azure: Option<Spanned<machines::RawAzure>>,
    #[serde(default)]
    vsphere: Option<Spanned<machines::RawVsphere>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawApplication {
    name: Spanned<String>,
    image: Spanned<String>,
    port: Spanned<i64>,
    #[serde(default)]
    error_rate: Option<Spanned<String>>,
    #[serde(default = "default_delivery")]
    delivery: Delivery,
}

/// A value levelup supplies itself: it has no position in the file.
fn unplaced<T>(value: T) -> Spanned<T> {
    Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN)
}

fn default_model() -> Spanned<String> {
    unplaced("4".to_string())
}

/// Kustomize, the delivery levelup wrote before there was a choice.
fn default_delivery() -> Delivery {
    Delivery::Kustomize
}

fn default_language() -> String {
    "en".to_string()
}

fn default_environments() -> Spanned<Vec<Spanned<String>>> {
    unplaced(
        ["dev", "staging", "production"]
            .map(|name| unplaced(name.to_string()))
            .to_vec(),
    )
}

/// The 1-based line of a value, when it was read from the file.
fn line<T>(value: &Spanned<T>) -> Option<usize> {
    usize::try_from(value.referenced.line())
        .ok()
        .filter(|line| *line > 0)
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
        diagnostics: Vec::new(),
    };
    check.dns_label("name", &raw.name);
    if raw.model.value != "4" {
        check.report(
            "model",
            line(&raw.model),
            format!("unknown model version `{}`", raw.model.value),
            "levelup knows version `4` of the model",
        );
    }
    let target = raw.target.as_ref().and_then(|target| {
        let valid = u8::try_from(target.value)
            .ok()
            .filter(|t| (1..=5).contains(t));
        if valid.is_none() {
            check.report(
                "target",
                line(target),
                format!("target level `{}` is out of range", target.value),
                "the target is a level from 1 to 5",
            );
        }
        valid
    });
    let environments: Vec<String> = raw
        .environments
        .value
        .iter()
        .map(|environment| environment.value.clone())
        .collect();
    let mut seen = HashSet::new();
    for (index, environment) in raw.environments.value.iter().enumerate() {
        check.dns_label(&format!("environments[{index}]"), environment);
        if !seen.insert(&environment.value) {
            check.report(
                &format!("environments[{index}]"),
                line(environment),
                format!("environment `{}` is listed twice", environment.value),
                "list each environment once",
            );
        }
    }
    if environments.is_empty() {
        check.report(
            "environments",
            line(&raw.environments),
            "no environments are listed".to_string(),
            "list at least one, such as `[dev, production]`",
        );
    }

    let top_blocks = machines::Blocks {
        prefix: String::new(),
        aws: raw.aws.as_ref(),
        azure: raw.azure.as_ref(),
        vsphere: raw.vsphere.as_ref(),
    };
    top_blocks.check_provider(&mut check, raw.provider);
    let clusters: Vec<Cluster> = if raw.clusters.is_empty() {
        // One workload cluster per environment, named after it.
        let none = machines::Blocks {
            prefix: String::new(),
            aws: None,
            azure: None,
            vsphere: None,
        };
        environments
            .iter()
            .map(|environment| {
                let machines = machines::resolve(
                    &mut check,
                    raw.provider,
                    &top_blocks,
                    &none,
                    None,
                    DEFAULT_KUBERNETES_VERSION,
                );
                Cluster {
                    name: environment.clone(),
                    environment: environment.clone(),
                    kubernetes_version: DEFAULT_KUBERNETES_VERSION.to_string(),
                    control_plane_nodes: 1,
                    worker_nodes: 2,
                    region: machines::region(&machines).unwrap_or_default(),
                    machines,
                }
            })
            .collect()
    } else {
        let mut names = HashSet::new();
        raw.clusters
            .iter()
            .enumerate()
            .map(|(index, spanned)| {
                let cluster = &spanned.value;
                let key = format!("clusters[{index}]");
                check.dns_label(&format!("{key}.name"), &cluster.name);
                if !names.insert(cluster.name.value.clone()) {
                    check.report(
                        &format!("{key}.name"),
                        line(&cluster.name),
                        format!("cluster `{}` is listed twice", cluster.name.value),
                        "cluster names are unique",
                    );
                }
                if !environments.contains(&cluster.environment.value) {
                    let hint = match crate::suggest::nearest(
                        &cluster.environment.value,
                        environments.iter().map(String::as_str),
                    ) {
                        Some(near) => format!(
                            "did you mean `{near}`? a cluster belongs to one of `environments`"
                        ),
                        None => format!(
                            "a cluster belongs to one of `environments`: {}",
                            environments.join(", ")
                        ),
                    };
                    check.report(
                        &format!("{key}.environment"),
                        line(&cluster.environment),
                        format!("unknown environment `{}`", cluster.environment.value),
                        &hint,
                    );
                }
                // A default has no line of its own: the cluster's is used.
                let version = cluster
                    .kubernetes_version
                    .clone()
                    .unwrap_or_else(|| unplaced(DEFAULT_KUBERNETES_VERSION.to_string()));
                if !is_kubernetes_version(&version.value) {
                    check.report(
                        &format!("{key}.kubernetes_version"),
                        line(&version).or(line(spanned)),
                        format!("`{}` is not a Kubernetes version", version.value),
                        "write it as `v1.34.0`",
                    );
                }
                let control_plane = cluster.control_plane_nodes.clone();
                let control_plane_nodes = control_plane.as_ref().map_or(1, |nodes| nodes.value);
                if control_plane_nodes == 0 || control_plane_nodes % 2 == 0 {
                    check.report(
                        &format!("{key}.control_plane_nodes"),
                        control_plane.as_ref().and_then(line).or(line(spanned)),
                        format!("{control_plane_nodes} control plane nodes cannot keep quorum"),
                        "use an odd number: 1, 3 or 5",
                    );
                }
                let blocks = machines::Blocks {
                    prefix: format!("{key}."),
                    aws: cluster.aws.as_ref(),
                    azure: cluster.azure.as_ref(),
                    vsphere: cluster.vsphere.as_ref(),
                };
                blocks.check_provider(&mut check, raw.provider);
                let machines = machines::resolve(
                    &mut check,
                    raw.provider,
                    &top_blocks,
                    &blocks,
                    cluster.region.as_ref(),
                    &version.value,
                );
                let region = machines::region(&machines).unwrap_or_else(|| {
                    cluster
                        .region
                        .as_ref()
                        .map(|region| region.value.clone())
                        .unwrap_or_default()
                });
                Cluster {
                    name: cluster.name.value.clone(),
                    environment: cluster.environment.value.clone(),
                    kubernetes_version: version.value,
                    control_plane_nodes,
                    worker_nodes: cluster.worker_nodes.unwrap_or(2),
                    region,
                    machines,
                }
            })
            .collect()
    };

    let management_cluster = management_cluster(
        &mut check,
        raw.management_cluster.as_ref(),
        &clusters,
        &environments,
    );

    let mut names = HashSet::new();
    let applications = raw
        .applications
        .iter()
        .enumerate()
        .filter_map(|(index, application)| {
            let key = format!("applications[{index}]");
            check.dns_label(&format!("{key}.name"), &application.name);
            if !names.insert(application.name.value.clone()) {
                check.report(
                    &format!("{key}.name"),
                    line(&application.name),
                    format!("application `{}` is listed twice", application.name.value),
                    "application names are unique",
                );
            }
            // Each application gets a namespace per environment, `<name>-<environment>`.
            if let Some(environment) = environments
                .iter()
                .find(|environment| application.name.value.len() + 1 + environment.len() > 63)
            {
                check.report(
                    &format!("{key}.name"),
                    line(&application.name),
                    format!(
                        "the namespace `{}-{environment}` would be longer than 63 characters",
                        application.name.value
                    ),
                    "each application has a namespace `<name>-<environment>`: shorten the name or the environment",
                );
            }
            let image = &application.image.value;
            if image.trim().is_empty() || image.chars().any(char::is_whitespace) {
                check.report(
                    &format!("{key}.image"),
                    line(&application.image),
                    format!("`{image}` is not an image reference"),
                    "write it as `registry/name:tag`, such as `ghcr.io/acme/shop:1.2.0`",
                );
            }
            let port = u16::try_from(application.port.value)
                .ok()
                .filter(|port| *port > 0);
            if port.is_none() {
                check.report(
                    &format!("{key}.port"),
                    line(&application.port),
                    format!("port `{}` is out of range", application.port.value),
                    "a port is a number from 1 to 65535",
                );
            }
            let canary_error_rate =
                error_rate::canary(&application.name.value, application.error_rate.as_ref());
            let error_rate = error_rate::check(
                &mut check,
                &key,
                &application.name.value,
                application.error_rate.as_ref(),
            );
            Some(Application {
                name: application.name.value.clone(),
                image: image.clone(),
                port: port?,
                error_rate,
                canary_error_rate,
                delivery: application.delivery,
            })
        })
        .collect();

    let repo = raw.github.and_then(|github| github.repo);
    if let Some(repo) = &repo {
        let parts: Vec<&str> = repo.value.split('/').collect();
        if parts.len() != 2 || parts.iter().any(|part| part.is_empty()) {
            check.report(
                "github.repo",
                line(repo),
                format!("`{}` is not a GitHub repository", repo.value),
                "write it as `owner/name`",
            );
        }
    }

    let owners = services::owners(&mut check, &raw.owners);
    let certificates = services::certificates(&mut check, raw.certificates.as_ref());
    let secret_store = services::secret_store(&mut check, raw.secret_store.as_ref());
    let backups = services::backups(
        &mut check,
        raw.backups.as_ref(),
        &raw.name.value,
        raw.provider,
    );

    if !check.diagnostics.is_empty() {
        return Err(Error::Invalid(check.diagnostics));
    }
    Ok(Config {
        name: raw.name.value,
        model: raw.model.value,
        target,
        gitops: raw.gitops,
        policy: raw.policy,
        provider: raw.provider,
        language: raw.language,
        repo: repo.map(|repo| repo.value),
        environments,
        clusters,
        management_cluster,
        applications,
        owners,
        certificates,
        secret_store,
        backups,
        ci: raw.ci,
    })
}

/// The cluster that runs the platform's one Argo CD (and, later, Cluster API): the
/// one `management_cluster` names, or else the first cluster of the `production`
/// environment, or else the first cluster of the last environment that has one
/// (environments are listed in promotion order, so the last is the closest to
/// production).
fn management_cluster(
    check: &mut Checker<'_>,
    named: Option<&Spanned<String>>,
    clusters: &[Cluster],
    environments: &[String],
) -> String {
    if let Some(named) = named {
        if !clusters.iter().any(|cluster| cluster.name == named.value) {
            let hint = match crate::suggest::nearest(
                &named.value,
                clusters.iter().map(|cluster| cluster.name.as_str()),
            ) {
                Some(near) => format!("did you mean `{near}`? name one of `clusters`"),
                None => format!(
                    "name one of `clusters`: {}",
                    clusters
                        .iter()
                        .map(|cluster| cluster.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            check.report(
                "management_cluster",
                line(named),
                format!("unknown cluster `{}`", named.value),
                &hint,
            );
        }
        return named.value.clone();
    }
    let first_of = |environment: &str| {
        clusters
            .iter()
            .find(|cluster| cluster.environment == environment)
    };
    first_of("production")
        .or_else(|| environments.iter().rev().find_map(|e| first_of(e)))
        .or(clusters.first())
        .map(|cluster| cluster.name.clone())
        .unwrap_or_default()
}

struct Checker<'a> {
    path: &'a Path,
    diagnostics: Vec<Diagnostic>,
}

impl Checker<'_> {
    /// Reports a problem at `key`, on the line its value was read from.
    /// A problem already reported (a top-level value every cluster inherits) is
    /// reported once.
    fn report(&mut self, key: &str, line: Option<usize>, message: String, hint: &str) {
        let diagnostic = Diagnostic {
            file: self.path.to_path_buf(),
            line,
            key: Some(key.to_string()),
            message,
            hint: Some(hint.to_string()),
        };
        if !self.diagnostics.contains(&diagnostic) {
            self.diagnostics.push(diagnostic);
        }
    }

    /// Names become Kubernetes object names and paths: DNS labels only.
    fn dns_label(&mut self, key: &str, value: &Spanned<String>) {
        if !is_dns_label(&value.value) {
            self.report(
                key,
                line(value),
                format!("`{}` is not a valid name", value.value),
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

/// For the tests of the config's parts: (line, key, message, hint) of every
/// problem `parse` finds in `text`, which must be invalid.
#[cfg(test)]
pub(crate) fn problem_tuples(text: &str) -> Vec<(Option<usize>, String, String, String)> {
    match parse(Path::new("levelup.yaml"), text) {
        Err(Error::Invalid(found)) => found
            .into_iter()
            .map(|d| {
                (
                    d.line,
                    d.key.unwrap_or_default(),
                    d.message,
                    d.hint.unwrap_or_default(),
                )
            })
            .collect(),
        other => panic!("expected invalid, got {other:?}"),
    }
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

    /// levelup.yaml nests no deeper than lists and maps of scalars, so a "billion
    /// laughs" cannot hide in a valid shape: its anchors sit at keys the strict
    /// parser refuses first, or where a scalar is expected.
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

    /// The line is where the value was read, not the first line that holds the
    /// same text (the search this replaced put the repeated `shop` on line 6).
    #[test]
    fn a_problem_names_the_line_of_its_value() {
        let text = "name: shop\ngitops: flux\npolicy: kyverno\nprovider: docker\n\
                    environments:\n  - shop\n  - shop\napplications:\n  - name: shop\n    image: shop\n    port: 0\n";
        let found = problems(text);
        let summary: Vec<(Option<usize>, Option<&str>, &str)> = found
            .iter()
            .map(|d| (d.line, d.key.as_deref(), d.message.as_str()))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    Some(7),
                    Some("environments[1]"),
                    "environment `shop` is listed twice"
                ),
                (
                    Some(11),
                    Some("applications[0].port"),
                    "port `0` is out of range"
                ),
            ]
        );
        let found = problems(
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\nclusters:\n  - name: one\n    environment: dev\n  - name: two\n    environment: dev\n    control_plane_nodes: 2\n",
        );
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, Some(10));
        assert_eq!(
            found[0].key.as_deref(),
            Some("clusters[1].control_plane_nodes")
        );
    }

    const CHOICES: &str = "name: acme\ngitops: argocd\npolicy: kyverno\nprovider: docker\n";

    fn management(text: &str) -> String {
        parse(Path::new("levelup.yaml"), &format!("{CHOICES}{text}"))
            .expect("valid")
            .management_cluster
    }

    #[test]
    fn the_management_cluster_is_named_or_the_first_production_cluster() {
        // Without clusters there is one per environment: `production`'s.
        assert_eq!(management(""), "production");
        let clusters = "clusters:\n  - {name: eu-dev, environment: dev}\n  - {name: eu-prod, environment: production}\n  - {name: us-prod, environment: production}\n";
        assert_eq!(management(clusters), "eu-prod");
        assert_eq!(
            management(&format!("{clusters}management_cluster: us-prod\n")),
            "us-prod"
        );
        // No production environment: the first cluster of the last one that has clusters.
        assert_eq!(
            management(
                "environments: [dev, test, live]\nclusters:\n  - {name: a, environment: dev}\n  - {name: b, environment: test}\n"
            ),
            "b"
        );
    }

    #[test]
    fn an_unknown_management_cluster_is_named_with_its_line_and_a_suggestion() {
        let found = problems(&format!("{CHOICES}management_cluster: prodution\n"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, Some(5));
        assert_eq!(found[0].key.as_deref(), Some("management_cluster"));
        assert_eq!(found[0].message, "unknown cluster `prodution`");
        assert_eq!(
            found[0].hint.as_deref(),
            Some("did you mean `production`? name one of `clusters`")
        );
    }

    #[test]
    fn delivery_defaults_to_kustomize_and_a_misspelling_names_its_line() {
        let head = "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\napplications:\n";
        let config = parse(
            Path::new("levelup.yaml"),
            &format!("{head}  - {{name: web, image: web, port: 80}}\n  - {{name: api, image: api, port: 90, delivery: helm}}\n"),
        )
        .expect("valid");
        let deliveries: Vec<Delivery> =
            config.applications.iter().map(|app| app.delivery).collect();
        assert_eq!(deliveries, [Delivery::Kustomize, Delivery::Helm]);
        let found = problems(&format!(
            "{head}  - name: api\n    image: api\n    port: 90\n    delivery: helms\n"
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].line, Some(9));
        assert!(
            found[0].message.starts_with("unknown variant `helms`"),
            "{}",
            found[0].message
        );
        assert_eq!(found[0].hint.as_deref(), Some("did you mean `helm`?"));
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
