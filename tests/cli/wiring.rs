//! Wiring: every file the GitOps engine must reconcile is reachable from the engine's
//! entry points, and nothing is written that nothing deploys.
//!
//! The walk follows what Flux and Argo CD follow: a FluxInstance's sync path, the
//! resources, components, generators and patches of a kustomization, the path of a
//! Flux Kustomization, the source of a HelmRelease, the sources of an Argo CD
//! Application, and the Applications an ApplicationSet generates from its git file or
//! list generators (Go templates expanded with each element). Along the way it checks
//! that each path and source exists, each `dependsOn` and project names something
//! that is there, each chart from outside the repository has a pinned version, each
//! release and Application goes into a namespace that is deployed or created, and each
//! custom resource (an issuer, a store, a rule) is applied after the release that brings
//! its CRDs: by a Kustomization that depends on that release's, or in a later sync wave.
//! It parses the files itself, with serde-saphyr, as the engines would read them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Test, code, stderr};

/// The repository's files, by path relative to its root.
struct Repo {
    files: BTreeMap<String, Vec<u8>>,
}

impl Repo {
    fn read(root: &Path) -> Repo {
        let files = levelup::files::on_disk(root, &|path| {
            !path.starts_with(".git") && !path.starts_with(".levelup")
        })
        .expect("readable")
        .into_iter()
        .map(|file| (file.path.to_string_lossy().replace('\\', "/"), file.bytes))
        .collect();
        Repo { files }
    }

    fn text(&self, path: &str) -> Option<String> {
        self.files
            .get(path)
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
    }

    fn is_dir(&self, path: &str) -> bool {
        let prefix = format!("{path}/");
        self.files.keys().any(|file| file.starts_with(&prefix))
    }

    /// Files under `dir`: directly in it, or at any depth.
    fn under(&self, dir: &str, recurse: bool) -> Vec<String> {
        let prefix = format!("{dir}/");
        self.files
            .keys()
            .filter(|file| {
                file.strip_prefix(&prefix)
                    .is_some_and(|rest| recurse || !rest.contains('/'))
            })
            .cloned()
            .collect()
    }
}

/// `a/b/../c` → `a/c`, `./x` → `x`; `None` when it leaves the repository.
fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            part => parts.push(part),
        }
    }
    Some(parts.join("/"))
}

fn join(dir: &str, relative: &str) -> Option<String> {
    normalize(&format!("{dir}/{relative}"))
}

/// `*` matches within one path segment; no other special characters are used here.
fn glob(pattern: &str, path: &str) -> bool {
    fn matches(pattern: &[u8], path: &[u8]) -> bool {
        match pattern.split_first() {
            None => path.is_empty(),
            Some((b'*', rest)) => (0..=path.len())
                .take_while(|&i| i == 0 || path[i - 1] != b'/')
                .any(|i| matches(rest, &path[i..])),
            Some((c, rest)) => path.first() == Some(c) && matches(rest, &path[1..]),
        }
    }
    matches(pattern.as_bytes(), path.as_bytes())
}

fn is_manifest(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml") || path.ends_with(".json")
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> Option<&'a str> {
    value.pointer(pointer).and_then(Value::as_str)
}

/// An exact chart version: `1.2.3` or `v1.2.3`, nothing that floats.
fn is_pinned(version: &str) -> bool {
    let parts: Vec<&str> = version.trim_start_matches('v').split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
}

/// What one walk from the entry points found.
struct Walk<'a> {
    repo: &'a Repo,
    repo_url: String,
    reached: BTreeSet<String>,
    problems: Vec<String>,
    /// `kind namespace/name` of every source object met, and what the engines create.
    sources: BTreeSet<String>,
    /// HelmReleases: where, and the `kind namespace/name` of the source they need.
    needed_sources: Vec<(String, String)>,
    flux_kustomizations: BTreeSet<String>,
    depends_on: Vec<(String, String)>,
    /// HelmReleases `namespace/name`, and where one depends on another.
    helm_releases: BTreeSet<String>,
    release_depends_on: Vec<(String, String)>,
    projects: BTreeSet<String>,
    needed_projects: Vec<(String, String)>,
    destinations: Vec<(String, String)>,
    /// Argo CD objects by name, so that one met twice is walked once.
    seen: BTreeSet<String>,
    /// What applies the objects being walked: a Flux Kustomization `namespace/name`, or
    /// for Argo CD the sync wave of the root application's child that leads here.
    unit: Unit,
    /// How deep in Applications and ApplicationSets the walk is (Argo CD).
    depth: usize,
    /// Flux Kustomization → the Kustomizations it depends on.
    flux_edges: Vec<(String, String)>,
    namespaces: BTreeSet<String>,
    needed_namespaces: Vec<(String, String)>,
    /// Chart name → what installs its release.
    charts: BTreeMap<String, Unit>,
    /// Custom resources: where, the chart whose CRDs they need, what applies them.
    custom: Vec<(String, &'static str, Unit)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Unit {
    None,
    Flux(String),
    Wave(i64),
}

/// The chart that brings the CRDs of a custom resource, by API group and kind.
fn crd_chart(group: &str, kind: &str) -> Option<&'static str> {
    Some(match (group, kind) {
        ("cert-manager.io", _) => "cert-manager",
        ("external-secrets.io", _) => "external-secrets",
        ("monitoring.coreos.com", _) => "kube-prometheus-stack",
        ("keda.sh", _) => "keda",
        ("opentelemetry.io", _) => "opentelemetry-operator",
        ("flagger.app", _) => "flagger",
        ("argoproj.io", "Rollout" | "AnalysisTemplate" | "ClusterAnalysisTemplate") => {
            "argo-rollouts"
        }
        _ => return None,
    })
}

/// Namespaces that exist before any of the repository is applied.
const GIVEN_NAMESPACES: [&str; 4] = ["default", "kube-system", "flux-system", "argocd"];

impl<'a> Walk<'a> {
    fn new(repo: &'a Repo, repo_url: &str) -> Walk<'a> {
        Walk {
            repo,
            repo_url: repo_url.to_string(),
            reached: BTreeSet::new(),
            problems: Vec::new(),
            sources: BTreeSet::new(),
            needed_sources: Vec::new(),
            flux_kustomizations: BTreeSet::new(),
            depends_on: Vec::new(),
            helm_releases: BTreeSet::new(),
            release_depends_on: Vec::new(),
            projects: BTreeSet::new(),
            needed_projects: Vec::new(),
            destinations: Vec::new(),
            seen: BTreeSet::new(),
            unit: Unit::None,
            depth: 0,
            flux_edges: Vec::new(),
            namespaces: BTreeSet::new(),
            needed_namespaces: Vec::new(),
            charts: BTreeMap::new(),
            custom: Vec::new(),
        }
    }

    fn problem(&mut self, message: String) {
        self.problems.push(message);
    }

    /// A folder as kustomize (its kustomization.yaml) or as plain manifests.
    fn folder(&mut self, dir: &str, recurse: bool, from: &str) {
        if self
            .repo
            .files
            .contains_key(&format!("{dir}/kustomization.yaml"))
        {
            self.kustomization(dir);
        } else if self.repo.files.contains_key(&format!("{dir}/Chart.yaml")) {
            for file in self.repo.under(dir, true) {
                self.reached.insert(file);
            }
        } else if self.repo.is_dir(dir) {
            for file in self.repo.under(dir, recurse) {
                if is_manifest(&file) {
                    self.file(&file);
                }
            }
        } else {
            self.problem(format!("{from}: the path `{dir}` does not exist"));
        }
    }

    fn kustomization(&mut self, dir: &str) {
        let path = format!("{dir}/kustomization.yaml");
        if !self.reached.insert(path.clone()) {
            return;
        }
        let Some(text) = self.repo.text(&path) else {
            return;
        };
        let document: Value = match serde_saphyr::from_str(&text) {
            Ok(document) => document,
            Err(error) => return self.problem(format!("{path}: {error}")),
        };
        if document.get("helmCharts").is_some() {
            self.problem(format!("{path}: `helmCharts` cannot be built offline"));
        }
        let mut entries: Vec<String> = Vec::new();
        for key in ["resources", "components"] {
            for entry in document[key].as_array().into_iter().flatten() {
                entries.extend(entry.as_str().map(str::to_string));
            }
        }
        for entry in &entries {
            if entry.contains("://") || entry.starts_with("github.com/") {
                self.problem(format!("{path}: `{entry}` is a remote base"));
                continue;
            }
            let Some(target) = join(dir, entry) else {
                self.problem(format!("{path}: `{entry}` leaves the repository"));
                continue;
            };
            if self.repo.files.contains_key(&target) {
                self.file(&target);
            } else if self.repo.is_dir(&target) {
                self.folder(&target, false, &path);
            } else {
                self.problem(format!("{path}: `{entry}` does not exist"));
            }
        }
        // Files that generators and patches read.
        let mut read: Vec<String> = Vec::new();
        for generator in ["configMapGenerator", "secretGenerator"] {
            for item in document[generator].as_array().into_iter().flatten() {
                for key in ["files", "envs"] {
                    for file in item[key].as_array().into_iter().flatten() {
                        if let Some(file) = file.as_str() {
                            let file = file.split_once('=').map_or(file, |(_, file)| file);
                            read.push(file.to_string());
                        }
                    }
                }
                read.extend(item["env"].as_str().map(str::to_string));
            }
        }
        for patch in document["patches"].as_array().into_iter().flatten() {
            read.extend(patch["path"].as_str().map(str::to_string));
        }
        for file in read {
            match join(dir, &file) {
                Some(target) if self.repo.files.contains_key(&target) => {
                    self.reached.insert(target);
                }
                _ => self.problem(format!("{path}: `{file}` does not exist")),
            }
        }
    }

    fn file(&mut self, path: &str) {
        if !self.reached.insert(path.to_string()) {
            return;
        }
        let Some(text) = self.repo.text(path) else {
            return;
        };
        let documents: Vec<Value> = if path.ends_with(".json") {
            match serde_json::from_str(&text) {
                Ok(document) => vec![document],
                Err(error) => return self.problem(format!("{path}: {error}")),
            }
        } else {
            match serde_saphyr::from_multiple(&text) {
                Ok(documents) => documents,
                Err(error) => return self.problem(format!("{path}: {error}")),
            }
        };
        for document in documents.iter().filter(|d| !d.is_null()) {
            self.object(path, document);
        }
    }

    fn object(&mut self, path: &str, object: &Value) {
        let api_version = str_at(object, "/apiVersion").unwrap_or_default();
        let kind = str_at(object, "/kind").unwrap_or_default();
        let group = api_version.split_once('/').map_or("", |(group, _)| group);
        let name = str_at(object, "/metadata/name").unwrap_or_default();
        let namespace = str_at(object, "/metadata/namespace").unwrap_or("default");
        let here = format!("{path} ({kind} {name})");
        if let Some(chart) = crd_chart(group, kind) {
            // Any object the root application applies itself is applied in its sync wave
            // (Argo CD's SkipDryRunOnMissingResource lets it wait for CRDs a wave brings).
            let unit = match str_at(
                object,
                "/metadata/annotations/argocd.argoproj.io~1sync-wave",
            ) {
                Some(wave) if self.depth == 1 => Unit::Wave(wave.parse().unwrap_or(0)),
                _ => self.unit.clone(),
            };
            self.custom.push((here.clone(), chart, unit));
        }
        if kind == "Namespace" && api_version == "v1" {
            self.namespaces.insert(name.to_string());
        }
        match (group, kind) {
            ("fluxcd.controlplane.io", "FluxInstance") => {
                let sync_name = str_at(object, "/spec/sync/name").unwrap_or(namespace);
                let sync_kind = str_at(object, "/spec/sync/kind").unwrap_or_default();
                self.sources
                    .insert(format!("{sync_kind} {namespace}/{sync_name}"));
                if str_at(object, "/spec/sync/url") != Some(self.repo_url.as_str()) {
                    self.problem(format!("{here}: does not sync {}", self.repo_url));
                }
            }
            ("source.toolkit.fluxcd.io", source) => {
                self.sources.insert(format!("{source} {namespace}/{name}"));
                if source == "OCIRepository"
                    && !str_at(object, "/spec/ref/tag").is_some_and(is_pinned)
                {
                    self.problem(format!("{here}: the chart's tag is not pinned"));
                }
            }
            ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
                self.flux_kustomizations
                    .insert(format!("{namespace}/{name}"));
                for needed in depends_on(object, namespace) {
                    self.depends_on.push((here.clone(), needed.clone()));
                    self.flux_edges
                        .push((format!("{namespace}/{name}"), needed));
                }
                let source_kind = str_at(object, "/spec/sourceRef/kind").unwrap_or_default();
                let source_name = str_at(object, "/spec/sourceRef/name").unwrap_or_default();
                let source_namespace =
                    str_at(object, "/spec/sourceRef/namespace").unwrap_or(namespace);
                // Only a source of this repository is walked: the FluxInstance's.
                if source_kind != "GitRepository" || source_name != "flux-system" {
                    self.problem(format!(
                        "{here}: builds another source, {source_kind} {source_name}"
                    ));
                }
                self.needed_sources.push((
                    here.clone(),
                    format!("{source_kind} {source_namespace}/{source_name}"),
                ));
                let outer =
                    std::mem::replace(&mut self.unit, Unit::Flux(format!("{namespace}/{name}")));
                match str_at(object, "/spec/path").and_then(normalize) {
                    Some(dir) => self.folder(&dir, true, &here),
                    None => self.problem(format!("{here}: no path")),
                }
                self.unit = outer;
            }
            ("helm.toolkit.fluxcd.io", "HelmRelease") => {
                let (source, chart) = if let Some(reference) = object.pointer("/spec/chartRef") {
                    (reference.clone(), None)
                } else {
                    (
                        object
                            .pointer("/spec/chart/spec/sourceRef")
                            .cloned()
                            .unwrap_or(Value::Null),
                        str_at(object, "/spec/chart/spec/chart"),
                    )
                };
                let source_kind = str_at(&source, "/kind").unwrap_or_default();
                let source_name = str_at(&source, "/name").unwrap_or_default();
                let source_namespace = str_at(&source, "/namespace").unwrap_or(namespace);
                self.charts
                    .insert(chart.unwrap_or(name).to_string(), self.unit.clone());
                self.helm_releases.insert(format!("{namespace}/{name}"));
                for needed in depends_on(object, namespace) {
                    self.release_depends_on.push((here.clone(), needed));
                }
                let creates = object
                    .pointer("/spec/install/createNamespace")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                self.needed_namespaces
                    .push((here.clone(), namespace.to_string()));
                if let Some(into) = str_at(object, "/spec/targetNamespace") {
                    self.namespace_into(&here, into, creates);
                }
                self.needed_sources.push((
                    here.clone(),
                    format!("{source_kind} {source_namespace}/{source_name}"),
                ));
                if source_kind == "GitRepository" {
                    match chart.and_then(normalize) {
                        Some(dir) => self.folder(&dir, true, &here),
                        None => self.problem(format!("{here}: no chart path")),
                    }
                } else if source_kind == "HelmRepository"
                    && !str_at(object, "/spec/chart/spec/version").is_some_and(is_pinned)
                {
                    self.problem(format!("{here}: the chart's version is not pinned"));
                }
            }
            ("argoproj.io", "AppProject") => {
                self.projects.insert(name.to_string());
            }
            ("argoproj.io", "Application" | "ApplicationSet") => {
                // An object met twice (a file two walks reach) is walked once.
                let first = self.seen.insert(format!("{kind} {name}"));
                // The root application's children are ordered by their sync waves; what
                // they create is applied in their wave.
                let outer = self.unit.clone();
                if self.depth == 1 {
                    let wave = str_at(
                        object,
                        "/metadata/annotations/argocd.argoproj.io~1sync-wave",
                    )
                    .and_then(|wave| wave.parse().ok())
                    .unwrap_or(0);
                    self.unit = Unit::Wave(wave);
                }
                self.depth += 1;
                match kind {
                    "Application" if first => {
                        let spec = object.get("spec").cloned().unwrap_or(Value::Null);
                        self.application(&here, &spec);
                    }
                    "ApplicationSet" if first => self.application_set(&here, object),
                    _ => {}
                }
                self.depth -= 1;
                self.unit = outer;
            }
            _ => {}
        }
    }

    /// What deploys into `namespace` either creates it or needs it to be deployed.
    fn namespace_into(&mut self, here: &str, namespace: &str, creates: bool) {
        if creates {
            self.namespaces.insert(namespace.to_string());
        } else {
            self.needed_namespaces
                .push((here.to_string(), namespace.to_string()));
        }
    }

    fn application(&mut self, here: &str, spec: &Value) {
        if let Some(project) = str_at(spec, "/project") {
            self.needed_projects
                .push((here.to_string(), project.to_string()));
        }
        let creates = spec
            .pointer("/syncPolicy/syncOptions")
            .and_then(Value::as_array)
            .is_some_and(|options| {
                options
                    .iter()
                    .any(|option| option.as_str() == Some("CreateNamespace=true"))
            });
        if let Some(namespace) = str_at(spec, "/destination/namespace") {
            self.namespace_into(here, namespace, creates);
        }
        if let Some(destination) = str_at(spec, "/destination/name") {
            self.destinations
                .push((here.to_string(), destination.to_string()));
        } else {
            self.problem(format!("{here}: a destination without a cluster name"));
        }
        let sources: Vec<Value> = match (spec.get("source"), spec.get("sources")) {
            (Some(source), _) => vec![source.clone()],
            (None, Some(Value::Array(sources))) => sources.clone(),
            _ => Vec::new(),
        };
        if sources.is_empty() {
            self.problem(format!("{here}: no source"));
        }
        // `$ref/path` of a value file names a source of ours by its `ref`.
        let refs: BTreeSet<String> = sources
            .iter()
            .filter_map(|source| str_at(source, "/ref").map(str::to_string))
            .collect();
        for source in &sources {
            let repo_url = str_at(source, "/repoURL").unwrap_or_default();
            // A chart's value files: beside it in this repository, or `$ref/path` in the
            // source of ours with that `ref` (a remote chart read with our values).
            for value_file in source
                .pointer("/helm/valueFiles")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let file = match value_file.split_once('/') {
                    Some((reference, rest)) if reference.starts_with('$') => {
                        if !refs.contains(&reference[1..]) {
                            self.problem(format!("{here}: no source has ref `{reference}`"));
                        }
                        normalize(rest)
                    }
                    _ if repo_url != self.repo_url => {
                        self.problem(format!(
                            "{here}: value file `{value_file}` is in the chart's repository, not ours"
                        ));
                        continue;
                    }
                    _ => str_at(source, "/path").and_then(|dir| join(dir, value_file)),
                };
                match file {
                    Some(file) if self.repo.files.contains_key(&file) => {
                        self.reached.insert(file);
                    }
                    _ => self.problem(format!("{here}: value file `{value_file}` does not exist")),
                }
            }
            if let Some(chart) = str_at(source, "/chart") {
                self.charts.insert(chart.to_string(), self.unit.clone());
            }
            if repo_url != self.repo_url {
                let version = str_at(source, "/targetRevision").unwrap_or_default();
                if str_at(source, "/chart").is_none() || !is_pinned(version) {
                    self.problem(format!(
                        "{here}: `{repo_url}` is not a chart at a pinned version"
                    ));
                }
                continue;
            }
            let Some(dir) = str_at(source, "/path").and_then(normalize) else {
                if str_at(source, "/ref").is_none() {
                    self.problem(format!(
                        "{here}: a source of this repository without a path"
                    ));
                }
                continue;
            };
            let recurse = source
                .pointer("/directory/recurse")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            let exclude = str_at(source, "/directory/exclude").map(str::to_string);
            if let Some(exclude) = exclude {
                if !self.repo.is_dir(&dir) {
                    self.problem(format!("{here}: the path `{dir}` does not exist"));
                }
                for file in self.repo.under(&dir, recurse) {
                    let relative = &file[dir.len() + 1..];
                    if is_manifest(&file) && !glob(&exclude, relative) {
                        self.file(&file);
                    }
                }
            } else {
                self.folder(&dir, recurse, here);
            }
        }
    }

    fn application_set(&mut self, here: &str, object: &Value) {
        let mut elements: Vec<BTreeMap<String, String>> = Vec::new();
        for generator in object
            .pointer("/spec/generators")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(git) = generator.get("git") {
                if str_at(git, "/repoURL") != Some(self.repo_url.as_str()) {
                    self.problem(format!("{here}: a git generator on another repository"));
                }
                for pattern in git["files"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|file| str_at(file, "/path"))
                {
                    let matched: Vec<String> = self
                        .repo
                        .files
                        .keys()
                        .filter(|file| glob(pattern, file))
                        .cloned()
                        .collect();
                    if matched.is_empty() {
                        self.problem(format!("{here}: no file matches `{pattern}`"));
                    }
                    for file in matched {
                        self.reached.insert(file.clone());
                        let text = self.repo.text(&file).unwrap_or_default();
                        let parsed: Value = if file.ends_with(".json") {
                            serde_json::from_str(&text).unwrap_or(Value::Null)
                        } else {
                            serde_saphyr::from_str(&text).unwrap_or(Value::Null)
                        };
                        let mut element = parameters(&parsed);
                        let (dir, filename) = file.rsplit_once('/').unwrap_or(("", &file));
                        element.insert("path.path".to_string(), dir.to_string());
                        element.insert(
                            "path.basename".to_string(),
                            dir.rsplit('/').next().unwrap_or_default().to_string(),
                        );
                        element.insert("path.filename".to_string(), filename.to_string());
                        elements.push(element);
                    }
                }
            } else if let Some(list) = generator.get("list") {
                for element in list["elements"].as_array().into_iter().flatten() {
                    elements.push(parameters(element));
                }
            } else {
                self.problem(format!("{here}: a generator the wiring test does not know"));
            }
        }
        if elements.is_empty() {
            self.problem(format!("{here}: generates no application"));
        }
        let template = object
            .pointer("/spec/template")
            .cloned()
            .unwrap_or(Value::Null);
        for element in elements {
            let generated = expand(&template, &element);
            let name = str_at(&generated, "/metadata/name").unwrap_or_default();
            let at = format!("{here} → Application {name}");
            let text = generated.to_string();
            if text.contains("{{") || text.contains('\\') {
                self.problem(format!("{at}: an unexpanded template: {text}"));
            }
            let spec = generated.get("spec").cloned().unwrap_or(Value::Null);
            if self.seen.insert(format!("Application {name}")) {
                self.application(&at, &spec);
            }
        }
    }

    fn finish(&mut self, clusters: &BTreeSet<String>) {
        for (here, needed) in std::mem::take(&mut self.needed_sources) {
            if !self.sources.contains(&needed) {
                self.problem(format!("{here}: its source {needed} is not deployed"));
            }
        }
        for (here, needed) in std::mem::take(&mut self.depends_on) {
            if !self.flux_kustomizations.contains(&needed) {
                self.problem(format!(
                    "{here}: depends on {needed}, which is not deployed"
                ));
            }
        }
        for (here, needed) in std::mem::take(&mut self.release_depends_on) {
            if !self.helm_releases.contains(&needed) {
                self.problem(format!(
                    "{here}: depends on the HelmRelease {needed}, which is not deployed"
                ));
            }
        }
        for (here, needed) in std::mem::take(&mut self.needed_projects) {
            if !self.projects.contains(&needed) && needed != "default" {
                self.problem(format!("{here}: its project {needed} is not deployed"));
            }
        }
        for (here, namespace) in std::mem::take(&mut self.needed_namespaces) {
            if !self.namespaces.contains(&namespace)
                && !GIVEN_NAMESPACES.contains(&namespace.as_str())
            {
                self.problem(format!(
                    "{here}: its namespace {namespace} is neither deployed nor created"
                ));
            }
        }
        for (here, chart, unit) in std::mem::take(&mut self.custom) {
            let Some(controller) = self.charts.get(chart).cloned() else {
                self.problem(format!("{here}: no release of {chart} brings its CRDs"));
                continue;
            };
            if !self.applied_after(&unit, &controller) {
                self.problem(format!(
                    "{here}: applied by {unit:?}, not after {controller:?}, which installs {chart} and its CRDs"
                ));
            }
        }
        for (here, destination) in std::mem::take(&mut self.destinations) {
            if !clusters.contains(&destination) {
                self.problem(format!("{here}: no cluster is named `{destination}`"));
            }
        }
    }
}

impl Walk<'_> {
    /// Whether `later` is applied only once `earlier` is ready: a Kustomization that
    /// depends on it, directly or not, or a later sync wave.
    fn applied_after(&self, later: &Unit, earlier: &Unit) -> bool {
        match (later, earlier) {
            (Unit::Wave(later), Unit::Wave(earlier)) => later > earlier,
            (Unit::Flux(later), Unit::Flux(earlier)) => {
                let mut seen = BTreeSet::new();
                let mut next = vec![later.clone()];
                while let Some(at) = next.pop() {
                    for (from, to) in &self.flux_edges {
                        if from == &at && seen.insert(to.clone()) {
                            if to == earlier {
                                return true;
                            }
                            next.push(to.clone());
                        }
                    }
                }
                false
            }
            _ => false,
        }
    }
}

/// A generator element as template parameters: its string, number and bool values,
/// nested ones under their dotted key (`{{.a.b}}`).
/// `namespace/name` of each object a Flux Kustomization or HelmRelease `dependsOn`
/// (the namespace defaults to its own).
fn depends_on(object: &Value, namespace: &str) -> Vec<String> {
    object
        .pointer("/spec/dependsOn")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|needed| {
            let name = str_at(needed, "/name").unwrap_or_default();
            let needed_namespace = str_at(needed, "/namespace").unwrap_or(namespace);
            format!("{needed_namespace}/{name}")
        })
        .collect()
}

fn parameters(element: &Value) -> BTreeMap<String, String> {
    fn add(prefix: &str, value: &Value, into: &mut BTreeMap<String, String>) {
        match value {
            Value::String(text) => {
                into.insert(prefix.to_string(), text.clone());
            }
            Value::Number(_) | Value::Bool(_) => {
                into.insert(prefix.to_string(), value.to_string());
            }
            Value::Object(map) => {
                for (key, value) in map {
                    let key = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    add(&key, value, into);
                }
            }
            _ => {}
        }
    }
    let mut parameters = BTreeMap::new();
    add("", element, &mut parameters);
    parameters
}

/// The template with every `{{.key}}` (or `{{ .key }}`) replaced by the element's value.
fn expand(template: &Value, element: &BTreeMap<String, String>) -> Value {
    match template {
        Value::String(text) => {
            let mut text = text.clone();
            for (key, value) in element {
                text = text
                    .replace(&format!("{{{{.{key}}}}}"), value)
                    .replace(&format!("{{{{ .{key} }}}}"), value);
            }
            Value::String(text)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| expand(v, element)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| (key.clone(), expand(value, element)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// Files that are for people, CI or levelup, not for a cluster: outside these folders, a
/// document for people, or a policy bundle's tests (the policy-test workflow runs them).
fn deployable(path: &str) -> bool {
    let for_a_cluster = [
        "apps/",
        "charts/",
        "clusters/",
        "infrastructure/",
        "argocd/",
        "policies/",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix));
    let policy_tests = path.starts_with("policies/") && path.split('/').nth(2) == Some("tests");
    for_a_cluster && !path.ends_with(".md") && !policy_tests
}

/// The clusters of the platform as `levelup.yaml` declares them: name and environment.
const CLUSTERS: &str = "
clusters:
  - name: dev-eu
    environment: dev
  - name: staging-eu
    environment: staging
  - name: prod-eu
    environment: production
  - name: prod-us
    environment: production
management_cluster: prod-us
";

const REPO_URL: &str = "https://github.com/acme/platform.git";

/// Walks the repository from its engine's entry points; returns what is wrong and
/// how many files the walk reached.
fn wiring_problems(root: &Path, gitops: &str) -> (Vec<String>, usize) {
    let repo = Repo::read(root);
    let names = ["dev-eu", "staging-eu", "prod-eu", "prod-us"];
    let mut problems = Vec::new();
    let mut reached = BTreeSet::new();
    if gitops == "flux" {
        // One entry point per cluster: the folder its FluxInstance syncs.
        for cluster in names {
            let mut walk = Walk::new(&repo, REPO_URL);
            let entry = format!("clusters/{cluster}");
            walk.folder(&entry, true, "the entry point");
            let instance = repo
                .text(&format!("{entry}/flux-instance.yaml"))
                .unwrap_or_default();
            let instance: Value = serde_saphyr::from_str(&instance).unwrap_or(Value::Null);
            if str_at(&instance, "/spec/sync/path") != Some(entry.as_str()) {
                walk.problem(format!("{entry}/flux-instance.yaml does not sync {entry}"));
            }
            walk.finish(&BTreeSet::new());
            problems.extend(walk.problems);
            reached.extend(walk.reached);
        }
    } else {
        // The management cluster is Argo CD's own; the others are registered by name.
        let destinations: BTreeSet<String> = names
            .iter()
            .map(|name| match *name {
                "prod-us" => "in-cluster".to_string(),
                other => other.to_string(),
            })
            .collect();
        let mut walk = Walk::new(&repo, REPO_URL);
        if repo.files.contains_key("argocd/bootstrap/root.yaml") {
            walk.file("argocd/bootstrap/root.yaml");
        } else {
            walk.problem("no argocd/bootstrap/root.yaml".to_string());
        }
        walk.finish(&destinations);
        problems.extend(walk.problems);
        reached.extend(walk.reached);
    }
    for path in repo.files.keys() {
        if deployable(path) && !reached.contains(path) {
            problems.push(format!("{path} is written, but nothing deploys it"));
        }
    }
    (problems, reached.len())
}

fn platform(workspace: &Path, gitops: &str) -> PathBuf {
    std::fs::create_dir_all(workspace).expect("folder");
    let home = workspace.join("home");
    crate::support::home_with_git_identity(&home);
    let repo = workspace.join(gitops);
    Test::new()
        .current_dir(workspace)
        .home(&home)
        .args([
            "init",
            gitops,
            "--level",
            "1",
            "--gitops",
            gitops,
            "--app",
            "shop=ghcr.io/acme/shop:1.2.0:8080",
            "--app",
            "cart=ghcr.io/acme/cart:2.0.1:9000",
        ])
        .run()
        .code(0);
    let config = repo.join("levelup.yaml");
    let text = std::fs::read_to_string(&config).expect("levelup.yaml");
    let text = text.replace(
        "# github:\n#   repo: acme/platform\n",
        "github:\n  repo: acme/platform\n",
    );
    std::fs::write(&config, format!("{text}{CLUSTERS}")).expect("levelup.yaml");
    repo
}

fn apply(workspace: &Path, repo: &Path, level: u8) {
    let output = Test::new()
        .current_dir(repo)
        .home(&workspace.join("home"))
        .args(["apply", "--to", &level.to_string(), "--force"])
        .run()
        .0;
    assert_eq!(code(&output), 0, "apply --to {level}: {}", stderr(&output));
}

#[test]
fn every_file_the_engine_reconciles_is_reachable_from_an_entry_point() {
    for gitops in ["flux", "argocd"] {
        let workspace = tempfile::tempdir().expect("temporary folder");
        let repo = platform(workspace.path(), gitops);
        for level in 1..=5 {
            apply(workspace.path(), &repo, level);
            let files = Repo::read(&repo);
            let engine_files = files
                .files
                .keys()
                .filter(|path| {
                    ["clusters/", "argocd/", "infrastructure/"]
                        .iter()
                        .any(|prefix| path.starts_with(prefix))
                })
                .count();
            if level == 1 {
                // The engine is a trial by hand at level 1: levelup writes its files from 2.
                assert_eq!(engine_files, 0, "{gitops} at level 1");
                continue;
            }
            let (problems, reached) = wiring_problems(&repo, gitops);
            assert!(
                problems.is_empty(),
                "{gitops} at level {level}:\n{}",
                problems.join("\n")
            );
            // The walk is not vacuous: it reached the overlays of every environment.
            assert!(reached > 20, "{gitops} at level {level}: {reached} files");
            for environment in ["dev", "staging", "production"] {
                assert!(
                    files
                        .files
                        .contains_key(&format!("apps/overlays/{environment}/kustomization.yaml")),
                    "{environment}"
                );
            }
        }
    }
}

#[test]
fn adding_a_cluster_adds_one_entry_point_and_copies_nothing() {
    for (gitops, entry) in [
        ("flux", "clusters/prod-ap/"),
        ("argocd", "argocd/clusters/prod-ap.json"),
    ] {
        let workspace = tempfile::tempdir().expect("temporary folder");
        let repo = platform(workspace.path(), gitops);
        apply(workspace.path(), &repo, 3);
        let before = Repo::read(&repo);
        let config = repo.join("levelup.yaml");
        let text = std::fs::read_to_string(&config).expect("levelup.yaml");
        let text = text.replace(
            "\nmanagement_cluster: prod-us",
            "\n  - name: prod-ap\n    environment: production\nmanagement_cluster: prod-us",
        );
        std::fs::write(&config, text).expect("levelup.yaml");
        apply(workspace.path(), &repo, 3);
        let after = Repo::read(&repo);
        let added: Vec<&String> = after
            .files
            .keys()
            .filter(|path| !before.files.contains_key(*path))
            .collect();
        let changed: Vec<&String> = after
            .files
            .iter()
            .filter(|(path, bytes)| before.files.get(*path).is_some_and(|old| old != *bytes))
            .map(|(path, _)| path)
            .collect();
        assert!(!added.is_empty(), "{gitops}: nothing added");
        assert!(
            added.iter().all(|path| path.starts_with(entry)
                || path.starts_with("infrastructure/backups/prod-ap/")),
            "{gitops}: added {added:?}"
        );
        // Beyond the entry (and the new cluster's own backup location): levelup.yaml, the
        // README's and the restore runbook's lists of clusters and, for Argo CD, the
        // production project and the platform project, which name their clusters.
        let allowed: &[&str] = if gitops == "flux" {
            &["README.md", "levelup.yaml", "docs/runbooks/restore.md"]
        } else {
            &[
                "README.md",
                "levelup.yaml",
                "docs/runbooks/restore.md",
                "argocd/projects/production.yaml",
                "argocd/projects/platform.yaml",
            ]
        };
        assert!(
            changed.iter().all(|path| allowed.contains(&path.as_str())),
            "{gitops}: changed {changed:?}"
        );
    }
}

#[test]
fn the_wiring_walk_finds_a_missing_path_a_missing_source_and_an_orphan() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let repo = platform(workspace.path(), "flux");
    apply(workspace.path(), &repo, 2);
    assert_eq!(wiring_problems(&repo, "flux").0, Vec::<String>::new());
    // A Kustomization whose path is gone, a release whose source is gone, a stray file.
    std::fs::remove_dir_all(repo.join("apps/overlays/staging")).expect("remove");
    crate::support::replace_in(
        &repo.join("infrastructure/controllers/cert-manager/release.yaml"),
        "kind: HelmRepository\nmetadata:\n  name: jetstack",
        "kind: HelmRepository\nmetadata:\n  name: jetstack-old",
    );
    std::fs::write(
        repo.join("infrastructure/controllers/stray.yaml"),
        "kind: ConfigMap\n",
    )
    .expect("write");
    // An issuer applied with the controllers, before cert-manager's CRDs exist, and a
    // release into a namespace nobody creates.
    std::fs::rename(
        repo.join("infrastructure/configs/cluster-issuers.yaml"),
        repo.join("infrastructure/controllers/cluster-issuers.yaml"),
    )
    .expect("move");
    crate::support::replace_in(
        &repo.join("infrastructure/configs/kustomization.yaml"),
        "  - cluster-issuers.yaml\n",
        "",
    );
    crate::support::replace_in(
        &repo.join("infrastructure/controllers/kustomization.yaml"),
        "  - cert-manager\n",
        "  - cert-manager\n  - cluster-issuers.yaml\n",
    );
    crate::support::replace_in(
        &repo.join("infrastructure/controllers/cert-manager/release.yaml"),
        "kind: Namespace\nmetadata:\n  name: cert-manager",
        "kind: Namespace\nmetadata:\n  name: cert-manager-typo",
    );
    // A release that waits for one that does not exist.
    crate::support::replace_in(
        &repo.join("infrastructure/controllers/cert-manager/release.yaml"),
        "  namespace: cert-manager\nspec:\n  interval: 12h\n  timeout: 10m\n",
        "  namespace: cert-manager\nspec:\n  interval: 12h\n  timeout: 10m\n  dependsOn:\n    - name: trust-manager\n",
    );
    let problems = wiring_problems(&repo, "flux").0.join("\n");
    for expected in [
        "(HelmRelease cert-manager): depends on the HelmRelease cert-manager/trust-manager, which is not deployed",
        "(ClusterIssuer platform-ca): applied by Flux(\"flux-system/infra-controllers\"), not after Flux(\"flux-system/infra-controllers\"), which installs cert-manager and its CRDs",
        "(HelmRelease cert-manager): its namespace cert-manager is neither deployed nor created",
        "the path `apps/overlays/staging` does not exist",
        "its source HelmRepository cert-manager/jetstack is not deployed",
        "infrastructure/controllers/stray.yaml is written, but nothing deploys it",
    ] {
        assert!(problems.contains(expected), "{expected}\n{problems}");
    }
    // Argo CD: an ApplicationSet that points at a project nobody declares.
    let repo = platform(&workspace.path().join("second"), "argocd");
    apply(&workspace.path().join("second"), &repo, 2);
    assert_eq!(wiring_problems(&repo, "argocd").0, Vec::<String>::new());
    std::fs::remove_file(repo.join("argocd/projects/staging.yaml")).expect("remove");
    let problems = wiring_problems(&repo, "argocd").0.join("\n");
    assert!(
        problems.contains("Application apps-staging-eu: its project staging is not deployed"),
        "{problems}"
    );
}

/// Every chart a release or an Argo CD source installs, as `(chart, version, where)`.
fn chart_pins(repo: &Repo) -> Vec<(String, String, String)> {
    fn visit(value: &Value, path: &str, found: &mut Vec<(String, String, String)>) {
        match value {
            Value::Object(map) => {
                // A HelmRelease's chart spec, or an Argo CD source of a chart.
                if let (Some(Value::String(chart)), Some(Value::String(version))) = (
                    map.get("chart"),
                    map.get("version").or(map.get("targetRevision")),
                ) {
                    found.push((chart.clone(), version.clone(), path.to_string()));
                }
                for value in map.values() {
                    visit(value, path, found);
                }
            }
            Value::Array(items) => items.iter().for_each(|item| visit(item, path, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    for path in repo.files.keys().filter(|path| {
        is_manifest(path) && (path.starts_with("infrastructure/") || path.starts_with("argocd/"))
    }) {
        let text = repo.text(path).unwrap_or_default();
        for document in serde_saphyr::from_multiple::<Value>(&text).unwrap_or_default() {
            visit(&document, path, &mut found);
        }
    }
    found
}

#[test]
fn every_chart_version_comes_from_charts_yaml() {
    let pins: BTreeMap<String, Value> = serde_saphyr::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/charts.yaml"),
        )
        .expect("charts.yaml"),
    )
    .expect("parses");
    let pinned: BTreeMap<&str, &str> = pins
        .values()
        .map(|entry| {
            (
                str_at(entry, "/chart").unwrap_or_default(),
                str_at(entry, "/version").unwrap_or_default(),
            )
        })
        .collect();
    // No template writes a chart version of its own (a chart's own Chart.yaml, and the
    // tool versions workflows and their actions install, aside).
    let blueprints = Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints");
    let templates = levelup::files::on_disk(&blueprints, &|path| {
        path.components()
            .any(|part| part.as_os_str() == "templates")
            && !path.to_string_lossy().contains("Chart.yaml")
            && !path.to_string_lossy().contains("workflows")
            && !path.to_string_lossy().contains("actions/")
    })
    .expect("readable");
    assert!(templates.len() > 20);
    for file in templates {
        for (number, line) in String::from_utf8_lossy(&file.bytes).lines().enumerate() {
            let value = line
                .trim()
                .strip_prefix("version:")
                .or_else(|| line.trim().strip_prefix("targetRevision:"))
                .or_else(|| line.split_once("--version ").map(|(_, rest)| rest))
                .map(|value| {
                    value
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .trim_matches('"')
                });
            assert!(
                !value.is_some_and(is_pinned),
                "blueprints/{}:{}: a chart version belongs in charts.yaml: {line}",
                file.path.display(),
                number + 1
            );
        }
    }
    for gitops in ["flux", "argocd"] {
        let workspace = tempfile::tempdir().expect("temporary folder");
        let repo = platform(workspace.path(), gitops);
        apply(workspace.path(), &repo, 5);
        let found = chart_pins(&Repo::read(&repo));
        assert!(found.len() >= 3, "{gitops}: {found:?}");
        for (chart, version, path) in found {
            assert_eq!(
                pinned.get(chart.as_str()),
                Some(&version.as_str()),
                "{gitops}: {path} installs {chart} {version}, which blueprints/charts.yaml does not pin"
            );
        }
    }
}
