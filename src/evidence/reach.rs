//! What a GitOps engine reconciles, followed from its entry points through the
//! repository's files.
//!
//! From a folder: its `kustomization.yaml` (or `.yml`, `Kustomization`) if it has
//! one, else every YAML file in it and in its subfolders (as Flux generates a
//! kustomization). From a kustomization: its `resources`, `components` and `bases`
//! (remote ones are skipped), and the files its patches and generators read. From a
//! manifest, each document that points elsewhere in the repository:
//!
//! - Flux `Kustomization` (`kustomize.toolkit.fluxcd.io`): `spec.path`, from the root, or
//!   through an `ArtifactGenerator`'s `copy` folders for an `ExternalArtifact` source;
//! - Argo CD `Application`: `spec.source.path` and `spec.sources[].path` (a folder with
//!   `Chart.yaml` is a chart, with its `helm.valueFiles`; a plain folder is read
//!   without its subfolders unless `directory.recurse` is true);
//! - Argo CD `ApplicationSet`: the template's paths, with `{{...}}` filled from `list`
//!   elements and `git` directory generators (also inside `matrix`);
//! - Flux `HelmRelease`: a chart in a `GitRepository` (`spec.chart.spec.chart`), and
//!   its `sourceRef`/`chartRef`, which must name an object that is reached too.
//!
//! Every link that leads nowhere is listed in [`Reach::broken`]. What an engine
//! would fetch from elsewhere (remote bases, other repositories, Helm repositories)
//! is not followed; the source objects naming it are.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use serde_json::Value;

use super::Repository;
use crate::model::Segment;

/// What the entry points reach.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Reach {
    /// Files whose documents the engine applies, each with the file (or entry
    /// point) that led to it.
    pub manifests: BTreeMap<String, String>,
    /// Other files reached objects read: kustomizations, patches, values files,
    /// the files of a chart.
    pub used: BTreeSet<String>,
    /// Links that lead nowhere.
    pub broken: Vec<BrokenLink>,
}

impl Reach {
    /// The YAML files of `repo` that nothing reached: neither applied nor read by
    /// what is applied. A wiring test filters out what no engine reconciles
    /// (`.github/`, `levelup.yaml`, policy tests) and expects the rest to be empty.
    pub fn unreached<'r>(&self, repo: &'r Repository) -> Vec<&'r str> {
        repo.paths()
            .filter(|path| path.ends_with(".yaml") || path.ends_with(".yml"))
            .filter(|path| !self.manifests.contains_key(*path) && !self.used.contains(*path))
            .collect()
    }

    /// The chain of files from an entry point to `file`: `[entry, ..., file]`.
    pub fn chain(&self, file: &str) -> Vec<String> {
        let mut chain = vec![file.to_string()];
        let mut current = file;
        while let Some(via) = self.manifests.get(current) {
            if via == current || chain.contains(via) {
                break;
            }
            chain.push(via.clone());
            current = via;
        }
        chain.reverse();
        chain
    }
}

/// A reference in `file`, at `field`, to `target`, which does not exist.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub file: String,
    pub field: String,
    pub target: String,
    pub reason: String,
}

/// Everything reachable from `entries`: folders (`clusters/dev`, `` for the root)
/// or files of the repository.
pub fn reachable(repo: &Repository, entries: &[String]) -> Reach {
    let mut walker = Walker {
        repo,
        reach: Reach::default(),
        folders: BTreeSet::new(),
        sources: Vec::new(),
    };
    for entry in entries {
        if repo.contains(entry) {
            walker.manifest(entry, entry);
        } else {
            walker.folder(entry, entry, true);
        }
    }
    walker.check_sources();
    walker.reach
}

const KUSTOMIZATION_NAMES: &[&str] = &["kustomization.yaml", "kustomization.yml", "Kustomization"];

/// A HelmRelease's reference to a source object, checked once the walk is over.
struct SourceRef {
    file: String,
    field: String,
    kind: String,
    name: String,
}

struct Walker<'r> {
    repo: &'r Repository,
    reach: Reach,
    /// Folders already read, with whether their subfolders were.
    folders: BTreeSet<(String, bool)>,
    sources: Vec<SourceRef>,
}

impl Walker<'_> {
    fn broken(&mut self, file: &str, field: &str, target: &str, reason: &str) {
        let link = BrokenLink {
            file: file.to_string(),
            field: field.to_string(),
            target: target.to_string(),
            reason: reason.to_string(),
        };
        if !self.reach.broken.contains(&link) {
            self.reach.broken.push(link);
        }
    }

    fn kustomization_in(&self, folder: &str) -> Option<String> {
        KUSTOMIZATION_NAMES
            .iter()
            .map(|name| join_path(folder, name))
            .find(|path| self.repo.contains(path))
    }

    /// A folder the engine applies as a whole.
    fn folder(&mut self, folder: &str, via: &str, recursive: bool) {
        if !self.folders.insert((folder.to_string(), recursive)) {
            return;
        }
        if let Some(kustomization) = self.kustomization_in(folder) {
            self.kustomization(&kustomization, via);
            return;
        }
        let prefix_len = if folder.is_empty() {
            0
        } else {
            folder.len() + 1
        };
        let mut subfolders = BTreeSet::new();
        let files: Vec<String> = self
            .repo
            .files_under(folder)
            .filter_map(|path| {
                let relative = &path[prefix_len..];
                match relative.split_once('/') {
                    Some((sub, _)) => {
                        subfolders.insert(join_path(folder, sub));
                        None
                    }
                    None => Some(path.to_string()),
                }
            })
            .collect();
        for file in files {
            if file.ends_with(".yaml") || file.ends_with(".yml") {
                self.manifest(&file, via);
            }
        }
        if recursive {
            for sub in subfolders {
                self.folder(&sub, via, true);
            }
        }
    }

    fn kustomization(&mut self, file: &str, via: &str) {
        if !self.reach.used.insert(file.to_string()) {
            return;
        }
        self.reach
            .manifests
            .entry(file.to_string())
            .or_insert_with(|| via.to_string());
        let folder = parent(file);
        let Some(document) = self.repo.documents(file).first() else {
            return;
        };
        let value = document.value.clone();
        for key in ["resources", "components", "bases"] {
            for (index, entry) in strings(value.get(key)).into_iter().enumerate() {
                if is_remote(&entry) {
                    continue;
                }
                let field = format!("{key}[{index}]");
                let Some(target) = resolve(folder, &entry) else {
                    self.broken(file, &field, &entry, "leaves the repository");
                    continue;
                };
                if self.repo.contains(&target) {
                    self.manifest(&target, file);
                } else if self.repo.is_folder(&target) {
                    match self.kustomization_in(&target) {
                        Some(inner) => self.kustomization(&inner, file),
                        None => self.broken(
                            file,
                            &field,
                            &entry,
                            "the folder has no kustomization.yaml",
                        ),
                    }
                } else {
                    self.broken(file, &field, &entry, "does not exist");
                }
            }
        }
        let mut used = Vec::new();
        for (index, patch) in array(value.get("patches")).iter().enumerate() {
            if let Some(path) = patch.get("path").and_then(Value::as_str) {
                used.push((format!("patches[{index}].path"), path.to_string()));
            }
        }
        for (index, patch) in array(value.get("patchesJson6902")).iter().enumerate() {
            if let Some(path) = patch.get("path").and_then(Value::as_str) {
                used.push((format!("patchesJson6902[{index}].path"), path.to_string()));
            }
        }
        for (index, path) in strings(value.get("patchesStrategicMerge"))
            .into_iter()
            .enumerate()
        {
            // An inline patch is YAML text, not a path.
            if !path.contains('\n') {
                used.push((format!("patchesStrategicMerge[{index}]"), path));
            }
        }
        for generator in ["configMapGenerator", "secretGenerator"] {
            for (index, entry) in array(value.get(generator)).iter().enumerate() {
                for list in ["files", "envs"] {
                    for (item, path) in strings(entry.get(list)).into_iter().enumerate() {
                        let path = path.split_once('=').map_or(path.as_str(), |(_, p)| p);
                        used.push((
                            format!("{generator}[{index}].{list}[{item}]"),
                            path.to_string(),
                        ));
                    }
                }
            }
        }
        for (field, path) in used {
            match resolve(folder, &path) {
                Some(target) if self.repo.contains(&target) => {
                    self.reach.used.insert(target);
                }
                Some(_) => self.broken(file, &field, &path, "does not exist"),
                None => self.broken(file, &field, &path, "leaves the repository"),
            }
        }
    }

    /// A YAML file the engine applies: each document that points further is followed.
    fn manifest(&mut self, file: &str, via: &str) {
        if self.reach.manifests.contains_key(file) {
            return;
        }
        self.reach
            .manifests
            .insert(file.to_string(), via.to_string());
        let documents = self.repo.documents(file);
        for document in documents {
            let (Some(kind), Some(group)) = (document.kind(), document.group()) else {
                continue;
            };
            let value = &document.value;
            match (group, kind) {
                ("kustomize.toolkit.fluxcd.io", "Kustomization") => {
                    let path = at(value, &["spec", "path"])
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    let source_kind =
                        at(value, &["spec", "sourceRef", "kind"]).and_then(Value::as_str);
                    let source_name =
                        at(value, &["spec", "sourceRef", "name"]).and_then(Value::as_str);
                    let in_artifact = match (source_kind, source_name) {
                        // Sources outside the repository: nothing here to follow.
                        (Some("OCIRepository" | "Bucket"), _) => continue,
                        (Some("ExternalArtifact"), Some(name)) => Some(name),
                        _ => None,
                    };
                    if let Some(artifact) = in_artifact {
                        match self.artifact_folder(artifact, path) {
                            Some(target) => self.folder(&target, file, true),
                            None => self.broken(
                                file,
                                "spec.path",
                                path,
                                "no ArtifactGenerator of the repository copies a folder there",
                            ),
                        }
                        continue;
                    }
                    match resolve("", path) {
                        Some(target) if self.repo.is_folder(&target) => {
                            self.folder(&target, file, true)
                        }
                        Some(_) => self.broken(file, "spec.path", path, "no such folder"),
                        None => self.broken(file, "spec.path", path, "leaves the repository"),
                    }
                }
                ("argoproj.io", "Application") => {
                    let spec = value.get("spec").cloned().unwrap_or_default();
                    for (field, source) in argo_sources(&spec, "spec") {
                        if let Some(path) = source.get("path").and_then(Value::as_str) {
                            self.argo_source(file, &field, &source, path.to_string());
                        }
                    }
                }
                ("argoproj.io", "ApplicationSet") => self.application_set(file, value),
                ("helm.toolkit.fluxcd.io", "HelmRelease") => self.helm_release(file, value),
                _ => {}
            }
        }
    }

    /// The repository folder that `path` of the Flux 2.7 ExternalArtifact `artifact`
    /// is copied from, by an ArtifactGenerator's `copy` entries (`from:
    /// "@repo/infrastructure/**"`, `to: "@artifact/"`).
    fn artifact_folder(&self, artifact: &str, path: &str) -> Option<String> {
        let path = resolve("", path)?;
        for (_, document) in self.repo.all_documents() {
            if document.kind() != Some("ArtifactGenerator") {
                continue;
            }
            for entry in array(at(&document.value, &["spec", "artifacts"])) {
                if entry.get("name").and_then(Value::as_str) != Some(artifact) {
                    continue;
                }
                for copy in array(entry.get("copy")) {
                    let from = copy.get("from").and_then(Value::as_str).unwrap_or("");
                    let to = copy.get("to").and_then(Value::as_str).unwrap_or("");
                    // `@alias/dir/**` copies a folder; other patterns copy files.
                    let Some(from) = from.strip_suffix("**") else {
                        continue;
                    };
                    let from = from.split_once('/').map_or("", |(_, rest)| rest);
                    let to = to.split_once('/').map_or("", |(_, rest)| rest);
                    let (from, to) = (from.trim_end_matches('/'), to.trim_end_matches('/'));
                    let rest = if to.is_empty() {
                        Some(path.as_str())
                    } else if path == to {
                        Some("")
                    } else {
                        path.strip_prefix(&format!("{to}/"))
                    };
                    if let Some(candidate) = rest.and_then(|rest| resolve(from, rest))
                        && self.repo.is_folder(&candidate)
                    {
                        return Some(candidate);
                    }
                }
            }
        }
        None
    }

    fn argo_source(&mut self, file: &str, source_field: &str, source: &Value, path: String) {
        let field = format!("{source_field}.path");
        let Some(target) = resolve("", &path) else {
            self.broken(file, &field, &path, "leaves the repository");
            return;
        };
        if !self.repo.is_folder(&target) {
            self.broken(file, &field, &path, "no such folder");
            return;
        }
        if self.repo.contains(&join_path(&target, "Chart.yaml")) {
            self.chart(&target);
            for (index, values) in strings(at(source, &["helm", "valueFiles"]))
                .into_iter()
                .enumerate()
            {
                // `$values/...` names another source of the Application: this repository.
                let resolved = match values.strip_prefix('$') {
                    Some(reference) => reference
                        .split_once('/')
                        .and_then(|(_, rest)| resolve("", rest)),
                    None => resolve(&target, &values),
                };
                match resolved {
                    Some(values_file) if self.repo.contains(&values_file) => {
                        self.reach.used.insert(values_file);
                    }
                    _ => self.broken(
                        file,
                        &format!("{source_field}.helm.valueFiles[{index}]"),
                        &values,
                        "does not exist",
                    ),
                }
            }
            return;
        }
        let recursive =
            at(source, &["directory", "recurse"]).and_then(Value::as_bool) == Some(true);
        self.folder(&target, file, recursive);
    }

    fn chart(&mut self, folder: &str) {
        let files: Vec<String> = self.repo.files_under(folder).map(String::from).collect();
        self.reach.used.extend(files);
    }

    fn application_set(&mut self, file: &str, value: &Value) {
        let template = at(value, &["spec", "template", "spec"])
            .cloned()
            .unwrap_or_default();
        let parameters =
            generator_parameters(self.repo, &array(at(value, &["spec", "generators"])));
        for (field, source) in argo_sources(&template, "spec.template.spec") {
            let Some(path) = source.get("path").and_then(Value::as_str) else {
                continue;
            };
            if !path.contains("{{") {
                self.argo_source(file, &field, &source, path.to_string());
                continue;
            }
            let expanded: BTreeSet<String> = parameters
                .iter()
                .filter_map(|parameters| substitute(path, parameters))
                .collect();
            if expanded.is_empty() {
                self.broken(
                    file,
                    &format!("{field}.path"),
                    path,
                    "its generators give no value for the template (levelup expands `list` and `git` directory generators)",
                );
            }
            for concrete in expanded {
                self.argo_source(file, &field, &source, concrete);
            }
        }
    }

    fn helm_release(&mut self, file: &str, value: &Value) {
        let chart = at(value, &["spec", "chart", "spec"]);
        if let Some(chart) = chart {
            let source_kind = at(chart, &["sourceRef", "kind"]).and_then(Value::as_str);
            let source_name = at(chart, &["sourceRef", "name"]).and_then(Value::as_str);
            if let (Some(kind), Some(name)) = (source_kind, source_name) {
                self.sources.push(SourceRef {
                    file: file.to_string(),
                    field: "spec.chart.spec.sourceRef".to_string(),
                    kind: kind.to_string(),
                    name: name.to_string(),
                });
            }
            if source_kind == Some("GitRepository")
                && let Some(path) = chart.get("chart").and_then(Value::as_str)
            {
                match resolve("", path) {
                    Some(target) if self.repo.contains(&join_path(&target, "Chart.yaml")) => {
                        self.chart(&target)
                    }
                    _ => self.broken(
                        file,
                        "spec.chart.spec.chart",
                        path,
                        "no chart (Chart.yaml) there",
                    ),
                }
            }
        }
        let reference = at(value, &["spec", "chartRef"]);
        if let Some(reference) = reference {
            let kind = reference.get("kind").and_then(Value::as_str);
            let name = reference.get("name").and_then(Value::as_str);
            if let (Some(kind), Some(name)) = (kind, name) {
                self.sources.push(SourceRef {
                    file: file.to_string(),
                    field: "spec.chartRef".to_string(),
                    kind: kind.to_string(),
                    name: name.to_string(),
                });
            }
        }
    }

    /// Every source a HelmRelease names must be among the objects reached.
    fn check_sources(&mut self) {
        let reached: BTreeSet<(String, String)> = self
            .reach
            .manifests
            .keys()
            .flat_map(|file| self.repo.documents(file))
            .filter_map(|document| {
                Some((document.kind()?.to_string(), document.name()?.to_string()))
            })
            .collect();
        for source in std::mem::take(&mut self.sources) {
            if !reached.contains(&(source.kind.clone(), source.name.clone())) {
                self.broken(
                    &source.file,
                    &source.field,
                    &format!("{} {}", source.kind, source.name),
                    "no object of that kind and name is reached",
                );
            }
        }
    }
}

/// The sources of an Argo CD Application spec: `source` and `sources[]`, with their keys.
fn argo_sources(spec: &Value, key: &str) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    if let Some(source) = spec.get("source") {
        found.push((format!("{key}.source"), source.clone()));
    }
    for (index, source) in array(spec.get("sources")).iter().enumerate() {
        found.push((format!("{key}.sources[{index}]"), source.clone()));
    }
    found
}

/// The parameter sets of an ApplicationSet's generators that levelup can know
/// from the repository: `list` elements and `git` directories, combined by `matrix`.
fn generator_parameters(repo: &Repository, generators: &[Value]) -> Vec<BTreeMap<String, String>> {
    let mut all = Vec::new();
    for generator in generators {
        all.extend(one_generator(repo, generator));
    }
    all
}

fn one_generator(repo: &Repository, generator: &Value) -> Vec<BTreeMap<String, String>> {
    if let Some(list) = generator.get("list") {
        return array(list.get("elements"))
            .iter()
            .map(|element| {
                let mut parameters = BTreeMap::new();
                flatten("", element, &mut parameters);
                parameters
            })
            .collect();
    }
    if let Some(git) = generator.get("git")
        && git.get("files").is_some()
    {
        return git_files(repo, git);
    }
    if let Some(git) = generator.get("git") {
        let (include, exclude) = path_globs(git.get("directories"));
        return repo
            .folders()
            .iter()
            .filter(|folder| include.iter().any(|glob| glob.is_match(folder.as_str())))
            .filter(|folder| !exclude.iter().any(|glob| glob.is_match(folder.as_str())))
            .map(|folder| {
                let basename = folder.rsplit('/').next().unwrap_or(folder).to_string();
                BTreeMap::from([
                    ("path".to_string(), folder.clone()),
                    ("path.path".to_string(), folder.clone()),
                    ("path.basename".to_string(), basename.clone()),
                    ("path.basenameNormalized".to_string(), basename),
                ])
            })
            .collect();
    }
    if let Some(matrix) = generator.get("matrix") {
        let children = array(matrix.get("generators"));
        let mut combined = vec![BTreeMap::new()];
        for child in &children {
            let sets = one_generator(repo, child);
            combined = combined
                .iter()
                .flat_map(|left| {
                    sets.iter().map(move |right| {
                        let mut merged = left.clone();
                        merged.extend(right.clone());
                        merged
                    })
                })
                .collect();
        }
        return if children.is_empty() {
            Vec::new()
        } else {
            combined
        };
    }
    Vec::new()
}

/// A git `files` generator: one parameter set per JSON or YAML file its globs
/// match (every key of the file, flattened, and the file's `path.*` values).
fn git_files(repo: &Repository, git: &Value) -> Vec<BTreeMap<String, String>> {
    let (include, exclude) = path_globs(git.get("files"));
    repo.paths()
        .filter(|path| include.iter().any(|glob| glob.is_match(path)))
        .filter(|path| !exclude.iter().any(|glob| glob.is_match(path)))
        .filter_map(|path| {
            let bytes = repo.bytes(path)?;
            let value: Value = if path.ends_with(".json") {
                serde_json::from_slice(bytes).ok()?
            } else {
                repo.documents(path).first()?.value.clone()
            };
            let mut parameters = BTreeMap::new();
            flatten("", &value, &mut parameters);
            let folder = parent(path).to_string();
            let filename = path.rsplit('/').next().unwrap_or(path).to_string();
            let basename = folder.rsplit('/').next().unwrap_or(&folder).to_string();
            parameters.insert("path".to_string(), folder.clone());
            parameters.insert("path.path".to_string(), folder);
            parameters.insert("path.basename".to_string(), basename.clone());
            parameters.insert("path.basenameNormalized".to_string(), basename);
            parameters.insert("path.filename".to_string(), filename.clone());
            parameters.insert("path.filenameNormalized".to_string(), filename);
            Some(parameters)
        })
        .collect()
}

/// A git generator's `directories` or `files`: the globs of the entries to
/// include and of those marked `exclude: true`. A glob that does not compile
/// matches nothing.
fn path_globs(entries: Option<&Value>) -> (Vec<globset::GlobMatcher>, Vec<globset::GlobMatcher>) {
    let mut include = Vec::new();
    let mut exclude = Vec::new();
    for entry in array(entries) {
        let Some(pattern) = entry.get("path").and_then(Value::as_str) else {
            continue;
        };
        let Ok(glob) = globset::Glob::new(pattern) else {
            continue;
        };
        if entry.get("exclude").and_then(Value::as_bool) == Some(true) {
            exclude.push(glob.compile_matcher());
        } else {
            include.push(glob.compile_matcher());
        }
    }
    (include, exclude)
}

fn flatten(prefix: &str, value: &Value, into: &mut BTreeMap<String, String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                let key = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&key, inner, into);
            }
        }
        Value::String(text) => {
            into.insert(prefix.to_string(), text.clone());
        }
        Value::Number(_) | Value::Bool(_) => {
            into.insert(prefix.to_string(), value.to_string());
        }
        _ => {}
    }
}

/// `{{env}}`, `{{ .path.basename }}`: a Go-template or fasttemplate placeholder.
static PLACEHOLDER: LazyLock<Option<regex::Regex>> =
    LazyLock::new(|| regex::Regex::new(r"\{\{-?\s*\.?([A-Za-z0-9_.\-]+)\s*-?\}\}").ok());

/// `apps/overlays/{{env}}` with `env=dev` → `apps/overlays/dev`; `None` when a
/// placeholder has no value.
fn substitute(template: &str, parameters: &BTreeMap<String, String>) -> Option<String> {
    let placeholder = PLACEHOLDER.as_ref()?;
    let mut missing = false;
    let text = placeholder.replace_all(template, |captures: &regex::Captures<'_>| match parameters
        .get(&captures[1])
    {
        Some(value) => value.clone(),
        None => {
            missing = true;
            String::new()
        }
    });
    (!missing).then(|| text.into_owned())
}

fn at<'a>(value: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    let segments: Vec<Segment> = keys
        .iter()
        .map(|key| Segment::Key((*key).to_string()))
        .collect();
    super::document::lookup(value, &segments).into_iter().next()
}

fn array(value: Option<&Value>) -> Vec<Value> {
    value.and_then(Value::as_array).cloned().unwrap_or_default()
}

fn strings(value: Option<&Value>) -> Vec<String> {
    array(value)
        .iter()
        .filter_map(|item| item.as_str().map(String::from))
        .collect()
}

fn is_remote(entry: &str) -> bool {
    entry.contains("://")
        || entry.starts_with("github.com/")
        || entry.starts_with("git@")
        || entry.contains("?ref=")
}

fn parent(file: &str) -> &str {
    file.rsplit_once('/').map_or("", |(folder, _)| folder)
}

fn join_path(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_string()
    } else {
        format!("{folder}/{name}")
    }
}

/// `relative` from `folder`, with `.` and `..` resolved; `None` when it leaves the
/// root. A leading `/` or `./` counts from the root only when `folder` is the root.
fn resolve(folder: &str, relative: &str) -> Option<String> {
    let mut parts: Vec<&str> = if folder.is_empty() {
        Vec::new()
    } else {
        folder.split('/').collect()
    };
    for part in relative.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository(files: &[(&str, &str)]) -> Repository {
        Repository::new(
            files
                .iter()
                .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec())),
        )
    }

    const FLUX_APPS: &str = "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\nspec:\n  path: ./apps/overlays/dev\n  sourceRef: {kind: GitRepository, name: flux-system}\n";

    #[test]
    fn flux_kustomizations_lead_through_kustomize_resources() {
        let repo = repository(&[
            ("clusters/dev/apps.yaml", FLUX_APPS),
            (
                "apps/overlays/dev/kustomization.yaml",
                "resources: [../../base/web, namespace.yaml]\npatches:\n  - path: replicas.yaml\n",
            ),
            (
                "apps/overlays/dev/namespace.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n",
            ),
            ("apps/overlays/dev/replicas.yaml", "kind: Deployment\n"),
            (
                "apps/base/web/kustomization.yaml",
                "resources: [deployment.yaml, https://example.com/remote.yaml]\n",
            ),
            (
                "apps/base/web/deployment.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n",
            ),
            (
                "apps/base/orphan/deployment.yaml",
                "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: orphan}\n",
            ),
        ]);
        let reach = reachable(&repo, &["clusters/dev".to_string()]);
        assert!(reach.broken.is_empty(), "{:?}", reach.broken);
        assert!(
            reach
                .manifests
                .contains_key("apps/base/web/deployment.yaml")
        );
        assert!(
            !reach
                .manifests
                .contains_key("apps/base/orphan/deployment.yaml")
        );
        assert!(reach.used.contains("apps/overlays/dev/replicas.yaml"));
        assert_eq!(
            reach.chain("apps/base/web/deployment.yaml"),
            [
                "clusters/dev",
                "clusters/dev/apps.yaml",
                "apps/overlays/dev/kustomization.yaml",
                "apps/base/web/kustomization.yaml",
                "apps/base/web/deployment.yaml",
            ]
        );
    }

    #[test]
    fn links_that_lead_nowhere_are_broken() {
        let repo = repository(&[
            ("clusters/dev/apps.yaml", FLUX_APPS),
            (
                "clusters/dev/kustomization.yaml",
                "resources: [apps.yaml, missing.yaml, ../../../outside]\n",
            ),
        ]);
        let reach = reachable(&repo, &["clusters/dev".to_string()]);
        let broken: Vec<(&str, &str, &str)> = reach
            .broken
            .iter()
            .map(|link| {
                (
                    link.field.as_str(),
                    link.target.as_str(),
                    link.reason.as_str(),
                )
            })
            .collect();
        assert_eq!(
            broken,
            [
                ("spec.path", "./apps/overlays/dev", "no such folder"),
                ("resources[1]", "missing.yaml", "does not exist"),
                ("resources[2]", "../../../outside", "leaves the repository"),
            ]
        );
    }

    #[test]
    fn argo_applications_and_application_sets_are_followed() {
        let repo = repository(&[
            (
                "clusters/management/root.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: root}\nspec:\n  source: {repoURL: x, path: argocd/apps}\n",
            ),
            (
                "argocd/apps/set.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: apps}\nspec:\n  generators:\n    - list:\n        elements:\n          - {env: dev}\n          - {env: production}\n  template:\n    metadata: {name: 'apps-{{env}}'}\n    spec:\n      source: {repoURL: x, path: 'apps/overlays/{{env}}'}\n",
            ),
            (
                "argocd/apps/nested/ignored.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: nested}\n",
            ),
            (
                "argocd/apps/chart.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: Application\nmetadata: {name: web}\nspec:\n  sources:\n    - repoURL: x\n      path: charts/web\n      helm:\n        valueFiles: [$values/apps/overlays/dev/web-values.yaml]\n    - {repoURL: x, ref: values}\n",
            ),
            (
                "charts/web/Chart.yaml",
                "apiVersion: v2\nname: web\nversion: 0.1.0\n",
            ),
            (
                "charts/web/templates/deployment.yaml",
                "kind: {{ .Values.kind }}\n",
            ),
            (
                "apps/overlays/dev/kustomization.yaml",
                "resources: [namespace.yaml]\n",
            ),
            (
                "apps/overlays/dev/namespace.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n",
            ),
            ("apps/overlays/dev/web-values.yaml", "replicas: 1\n"),
            (
                "apps/overlays/production/kustomization.yaml",
                "resources: []\n",
            ),
        ]);
        let reach = reachable(&repo, &["clusters/management".to_string()]);
        assert!(reach.broken.is_empty(), "{:?}", reach.broken);
        assert!(
            reach
                .manifests
                .contains_key("apps/overlays/dev/namespace.yaml")
        );
        assert!(
            reach
                .used
                .contains("apps/overlays/production/kustomization.yaml")
        );
        assert!(reach.used.contains("charts/web/templates/deployment.yaml"));
        assert!(reach.used.contains("apps/overlays/dev/web-values.yaml"));
        // An Argo CD directory source does not recurse unless told to.
        assert!(
            !reach
                .manifests
                .contains_key("argocd/apps/nested/ignored.yaml")
        );
    }

    #[test]
    fn git_directory_generators_and_helm_release_sources() {
        let repo = repository(&[
            (
                "clusters/dev/set.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: infra}\nspec:\n  generators:\n    - git:\n        repoURL: x\n        revision: HEAD\n        directories:\n          - path: infrastructure/*\n          - {path: infrastructure/skip, exclude: true}\n  template:\n    metadata: {name: '{{path.basename}}'}\n    spec:\n      source: {repoURL: x, path: '{{path}}'}\n",
            ),
            (
                "infrastructure/controllers/release.yaml",
                "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: cert-manager}\nspec:\n  chart:\n    spec:\n      chart: cert-manager\n      sourceRef: {kind: HelmRepository, name: jetstack}\n",
            ),
            (
                "infrastructure/skip/x.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: skip}\n",
            ),
        ]);
        let reach = reachable(&repo, &["clusters/dev".to_string()]);
        assert!(
            reach
                .manifests
                .contains_key("infrastructure/controllers/release.yaml")
        );
        assert!(!reach.manifests.contains_key("infrastructure/skip/x.yaml"));
        assert_eq!(reach.broken.len(), 1, "{:?}", reach.broken);
        assert_eq!(reach.broken[0].target, "HelmRepository jetstack");
    }

    /// A git `files` generator: each matched file's keys fill the template.
    #[test]
    fn git_file_generators_fill_the_template_from_each_file() {
        let repo = repository(&[
            (
                "argocd/apps.yaml",
                "apiVersion: argoproj.io/v1alpha1\nkind: ApplicationSet\nmetadata: {name: apps}\nspec:\n  goTemplate: true\n  generators:\n    - git:\n        repoURL: x\n        revision: HEAD\n        files:\n          - path: argocd/clusters/*.json\n          - {path: argocd/clusters/old.json, exclude: true}\n  template:\n    metadata: {name: 'apps-{{.name}}'}\n    spec:\n      source: {repoURL: x, path: 'apps/overlays/{{.spec.environment}}'}\n",
            ),
            (
                "argocd/clusters/dev-1.json",
                "{\"name\": \"dev-1\", \"spec\": {\"environment\": \"dev\"}}",
            ),
            (
                "argocd/clusters/old.json",
                "{\"name\": \"old\", \"spec\": {\"environment\": \"old\"}}",
            ),
            (
                "apps/overlays/dev/kustomization.yaml",
                "resources: [namespace.yaml]\n",
            ),
            (
                "apps/overlays/dev/namespace.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: web-dev}\n",
            ),
            (
                "apps/overlays/old/namespace.yaml",
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: web-old}\n",
            ),
        ]);
        let reach = reachable(&repo, &["argocd/apps.yaml".to_string()]);
        assert!(reach.broken.is_empty(), "{:?}", reach.broken);
        assert!(
            reach
                .manifests
                .contains_key("apps/overlays/dev/namespace.yaml")
        );
        assert!(
            !reach
                .manifests
                .contains_key("apps/overlays/old/namespace.yaml")
        );
    }

    /// Flux 2.7 ArtifactGenerator: the path is inside the artifact, copied from a folder.
    #[test]
    fn external_artifacts_lead_to_the_folders_they_copy() {
        let repo = repository(&[
            (
                "clusters/staging/artifacts.yaml",
                "apiVersion: source.extensions.fluxcd.io/v1beta1\nkind: ArtifactGenerator\nmetadata: {name: flux-system}\nspec:\n  sources: [{alias: monorepo, kind: GitRepository, name: flux-system}]\n  artifacts:\n    - name: apps\n      copy:\n        - {from: '@monorepo/apps/base/**', to: '@artifact/base/'}\n        - {from: '@monorepo/apps/staging/**', to: '@artifact/staging/'}\n",
            ),
            (
                "clusters/staging/apps.yaml",
                "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: apps}\nspec:\n  sourceRef: {kind: ExternalArtifact, name: apps}\n  path: ./staging\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: elsewhere}\nspec:\n  sourceRef: {kind: OCIRepository, name: remote}\n  path: ./not-here\n",
            ),
            (
                "apps/staging/kustomization.yaml",
                "resources: [../base/podinfo]\n",
            ),
            (
                "apps/base/podinfo/kustomization.yaml",
                "resources: [release.yaml]\n",
            ),
            (
                "apps/base/podinfo/release.yaml",
                "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: podinfo}\n",
            ),
        ]);
        let reach = reachable(&repo, &["clusters/staging".to_string()]);
        assert!(reach.broken.is_empty(), "{:?}", reach.broken);
        assert!(
            reach
                .manifests
                .contains_key("apps/base/podinfo/release.yaml")
        );
    }

    #[test]
    fn paths_resolve_inside_the_repository_only() {
        assert_eq!(
            resolve("apps/overlays/dev", "../../base/web").as_deref(),
            Some("apps/base/web")
        );
        assert_eq!(resolve("", "./apps/").as_deref(), Some("apps"));
        assert_eq!(resolve("", "./").as_deref(), Some(""));
        assert_eq!(resolve("apps", "../../x"), None);
    }
}
