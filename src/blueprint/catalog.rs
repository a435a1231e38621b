//! The blueprints levelup knows: the built-in ones, plus a folder that adds or replaces.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use handlebars::Handlebars;

use include_dir::{Dir, include_dir};
use serde::Deserialize;

use super::Error;
use super::helpers;
use super::manifest::{Blueprint, FileSpec, RawManifest};
use crate::diagnostic::Diagnostic;
use crate::files::{self, InputFile};
use crate::model::Level;
use crate::yaml;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/blueprints");

const MANIFEST: &str = "blueprint.yaml";
const PINS: &str = "pins.yaml";
const CHARTS: &str = "charts.yaml";

/// A GitHub Action pinned to a full commit SHA.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pin {
    pub action: String,
    pub sha: String,
    pub version: String,
}

impl Pin {
    /// The `uses:` value with the version as a comment: `owner/repo@<sha> # v1.2.3`.
    pub fn uses(&self) -> String {
        format!("{}@{} # {}", self.action, self.sha, self.version)
    }
}

/// A Helm chart a blueprint installs, pinned to one exact version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Chart {
    /// The chart repository's `https://` URL (`index.yaml` lives there).
    pub repository: String,
    pub chart: String,
    /// An exact version as the repository lists it, `1.2.3` or `v1.2.3`: never a range.
    pub version: String,
}

#[derive(Debug, Default)]
pub struct Catalog {
    blueprints: BTreeMap<String, Blueprint>,
    pins: BTreeMap<String, Pin>,
    charts: BTreeMap<String, Chart>,
    /// The policy rules of `policies/`, which the policy blueprints render.
    policies: Option<super::policies::Policies>,
    /// The names of the blueprints that came from the `--blueprints` folder.
    from_dir: BTreeSet<String>,
    /// The templates compiled so far. Loading compiles nothing: a render compiles
    /// each template it needs the first time, and every later render of the run
    /// (`pr` renders twice) reuses it.
    registry: Mutex<Handlebars<'static>>,
}

impl Catalog {
    /// The built-in blueprints, with those in `dir` added (a same-named one replaces).
    pub fn load(dir: Option<&Path>) -> Result<Catalog, Error> {
        let mut catalog = Catalog {
            registry: Mutex::new(helpers::registry()),
            ..Catalog::default()
        };
        catalog.add(
            Path::new("<embedded>/blueprints"),
            files::embedded(&EMBEDDED),
        )?;
        if let Some(dir) = dir {
            let read = files::on_disk(dir, &|_| true)
                .map_err(|(path, source)| Error::Read { path, source })?;
            let added = catalog.add(dir, read)?;
            // A folder may bring only policy rules (policies/), which replace the built-in ones.
            if added.is_empty() && !dir.join(super::policies::FOLDER).is_dir() {
                return Err(Error::NoBlueprints {
                    dir: dir.to_path_buf(),
                });
            }
            catalog.from_dir = added;
        }
        Ok(catalog)
    }

    /// Whether the blueprint `name` came from the `--blueprints` folder (adding
    /// a blueprint, or replacing the built-in one of that name).
    pub fn is_from_dir(&self, name: &str) -> bool {
        self.from_dir.contains(name)
    }

    /// The registry templates are compiled into, for the render that holds it.
    pub(super) fn registry(&self) -> MutexGuard<'_, Handlebars<'static>> {
        // A panic in another render cannot leave a half-registered template:
        // registering is one insert.
        self.registry.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// How many templates (files and targets) have been compiled so far.
    pub fn compiled_templates(&self) -> usize {
        self.registry().get_templates().len()
    }

    pub fn get(&self, name: &str) -> Option<&Blueprint> {
        self.blueprints.get(name)
    }

    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.blueprints.keys().map(String::as_str)
    }

    pub fn pins(&self) -> &BTreeMap<String, Pin> {
        &self.pins
    }

    pub fn charts(&self) -> &BTreeMap<String, Chart> {
        &self.charts
    }

    /// The policy rules, when the catalog has them (the built-in one always does).
    pub fn policies(&self) -> Option<&super::policies::Policies> {
        self.policies.as_ref()
    }

    /// A catalog of exactly the blueprints in `files`, for tests.
    #[cfg(test)]
    pub(super) fn from_files(files: Vec<InputFile>) -> Result<Catalog, Error> {
        let mut catalog = Catalog {
            registry: Mutex::new(helpers::registry()),
            ..Catalog::default()
        };
        catalog.add(Path::new("test"), files)?;
        Ok(catalog)
    }

    /// Adds the blueprints among `files` (paths relative to `root`); returns their names.
    fn add(&mut self, root: &Path, files: Vec<InputFile>) -> Result<BTreeSet<String>, Error> {
        let mut diagnostics = Vec::new();
        let mut by_blueprint: BTreeMap<String, Vec<InputFile>> = BTreeMap::new();
        let mut policy_files = Vec::new();
        for file in files {
            if file.path.starts_with(super::policies::FOLDER) {
                policy_files.push(file);
                continue;
            }
            if file.path == Path::new(PINS) {
                match parse_pins(root, &file) {
                    Ok(pins) => self.pins.extend(pins),
                    Err(mut found) => diagnostics.append(&mut found),
                }
                continue;
            }
            if file.path == Path::new(CHARTS) {
                match parse_charts(root, &file) {
                    Ok(charts) => self.charts.extend(charts),
                    Err(mut found) => diagnostics.append(&mut found),
                }
                continue;
            }
            let mut components = file.path.components();
            let (Some(first), Some(_)) = (components.next(), components.next()) else {
                continue; // a file at the top, such as README.md
            };
            let name = first.as_os_str().to_string_lossy().into_owned();
            by_blueprint.entry(name).or_default().push(file);
        }
        // A folder's `policies/` replaces the rules as a whole: one table and its groups.
        if !policy_files.is_empty() {
            match super::policies::parse(root, &policy_files) {
                Ok(policies) => self.policies = Some(policies),
                Err(mut found) => diagnostics.append(&mut found),
            }
        }
        let mut added = BTreeSet::new();
        for (folder, files) in by_blueprint {
            let Some(manifest) = files
                .iter()
                .find(|f| f.path == Path::new(&folder).join(MANIFEST))
            else {
                continue; // a folder that is not a blueprint
            };
            match parse_blueprint(root, &folder, manifest, &files) {
                Ok(blueprint) => {
                    added.insert(blueprint.name.clone());
                    self.blueprints.insert(blueprint.name.clone(), blueprint);
                }
                Err(mut found) => diagnostics.append(&mut found),
            }
        }
        if diagnostics.is_empty() {
            Ok(added)
        } else {
            Err(Error::Invalid(diagnostics))
        }
    }
}

fn diagnostic(file: PathBuf, key: &str, message: String, hint: &str) -> Diagnostic {
    Diagnostic {
        file,
        line: None,
        key: Some(key.to_string()),
        message,
        hint: Some(hint.to_string()),
    }
}

/// The 1-based line a value was read from.
fn line<T>(value: &serde_saphyr::Spanned<T>) -> Option<usize> {
    usize::try_from(value.referenced.line())
        .ok()
        .filter(|line| *line > 0)
}

fn parse_pins(root: &Path, file: &InputFile) -> Result<BTreeMap<String, Pin>, Vec<Diagnostic>> {
    let path = root.join(&file.path);
    let text = String::from_utf8_lossy(&file.bytes);
    let pins: BTreeMap<String, Pin> =
        yaml::parse(path.clone(), &text, yaml::Docs::Source).map_err(|d| vec![d])?;
    let bad: Vec<Diagnostic> = pins
        .iter()
        .filter(|(_, pin)| pin.sha.len() != 40 || !pin.sha.chars().all(|c| c.is_ascii_hexdigit()))
        .map(|(key, pin)| {
            let key = format!("{key}.sha");
            let mut found = diagnostic(
                path.clone(),
                &key,
                format!("`{}` is not a full commit SHA", pin.sha),
                "pin actions to the 40-hex commit, never to a tag",
            );
            found.line = yaml::Positions::read(&text).line(&key);
            found
        })
        .collect();
    if bad.is_empty() { Ok(pins) } else { Err(bad) }
}

/// `1.2.3` or `v1.2.3`: what a chart repository lists, with nothing that floats.
fn is_exact_version(version: &str) -> bool {
    let parts: Vec<&str> = version
        .strip_prefix('v')
        .unwrap_or(version)
        .split('.')
        .collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

fn parse_charts(root: &Path, file: &InputFile) -> Result<BTreeMap<String, Chart>, Vec<Diagnostic>> {
    let path = root.join(&file.path);
    let text = String::from_utf8_lossy(&file.bytes);
    let charts: BTreeMap<String, Chart> =
        yaml::parse(path.clone(), &text, yaml::Docs::Source).map_err(|d| vec![d])?;
    let positions = yaml::Positions::read(&text);
    let mut bad = Vec::new();
    for (key, chart) in &charts {
        let mut report = |field: &str, message: String, hint: &str| {
            let key = format!("{key}.{field}");
            let mut found = diagnostic(path.clone(), &key, message, hint);
            found.line = positions.line(&key);
            bad.push(found);
        };
        if !is_exact_version(&chart.version) {
            report(
                "version",
                format!("`{}` is not an exact chart version", chart.version),
                "pin the chart to one release, such as `1.20.2` or `v1.20.2`: a range would change the cluster unreviewed",
            );
        }
        if !chart.repository.starts_with("https://") {
            report(
                "repository",
                format!("`{}` is not an https:// chart repository", chart.repository),
                "the URL that serves the repository's index.yaml, such as `https://charts.jetstack.io`",
            );
        }
    }
    if bad.is_empty() { Ok(charts) } else { Err(bad) }
}

fn parse_blueprint(
    root: &Path,
    folder: &str,
    manifest: &InputFile,
    files: &[InputFile],
) -> Result<Blueprint, Vec<Diagnostic>> {
    let path = root.join(&manifest.path);
    let text = String::from_utf8_lossy(&manifest.bytes);
    let raw: RawManifest =
        yaml::parse(path.clone(), &text, yaml::Docs::Source).map_err(|d| vec![d])?;
    let mut problems = Vec::new();
    // Each value carries its position: a problem is on the line it was read from.
    let mut report = |key: &str, line: Option<usize>, message: String, hint: &str| {
        let mut found = diagnostic(path.clone(), key, message, hint);
        found.line = line;
        problems.push(found);
    };
    if raw.name.value != folder {
        report(
            "name",
            line(&raw.name),
            format!(
                "the blueprint is named `{}` but lives in `{folder}/`",
                raw.name.value
            ),
            "a blueprint's name is its folder's name",
        );
    }
    if let Err(error) = semver::Version::parse(&raw.version.value) {
        report(
            "version",
            line(&raw.version),
            format!("`{}` is not a semantic version: {error}", raw.version.value),
            "write it as MAJOR.MINOR.PATCH, such as `1.0.0`",
        );
    }
    if let Some(delivery) = &raw.when.delivery {
        report(
            "when.delivery",
            line(delivery),
            "`delivery` is a condition on one application, not on a blueprint".to_string(),
            "put `when: {delivery: ...}` on the files produced with `each: applications`",
        );
    }
    if let Some(level) = &raw.when.from_level {
        report(
            "when.from_level",
            line(level),
            "`from_level` is a condition on one file, not on a blueprint".to_string(),
            "a blueprint is rendered from the lowest level of the steps that name it; put `when: {from_level: N}` on the files that belong to a higher level",
        );
    }
    if raw.files.value.is_empty() {
        report(
            "files",
            line(&raw.files),
            "the blueprint produces no file".to_string(),
            "list at least one file",
        );
    }
    let template_prefix = Path::new(folder).join("templates");
    let templates: BTreeMap<String, Vec<u8>> = files
        .iter()
        .filter_map(|file| {
            let relative = file.path.strip_prefix(&template_prefix).ok()?;
            Some((
                relative.to_string_lossy().replace('\\', "/"),
                file.bytes.clone(),
            ))
        })
        .collect();
    let mut specs = Vec::new();
    for (index, file) in raw.files.value.into_iter().enumerate() {
        let key = format!("files[{index}]");
        if let Some(delivery) = &file.when.delivery
            && !file.each.is_some_and(|each| each.has_app())
        {
            report(
                &format!("{key}.when.delivery"),
                line(delivery),
                "`delivery` is a condition on one application, and this file is not produced per application".to_string(),
                "use it with `each: applications` or `each: environment-applications`",
            );
        }
        if let Some(level) = &file.when.from_level
            && Level::new(level.value).is_none()
        {
            report(
                &format!("{key}.when.from_level"),
                line(level),
                format!("`{}` is not a level", level.value),
                "levels are numbered 1 to 5",
            );
        }
        let source_line = line(&file.source);
        let (source, target) = (file.source.value, file.target.value);
        // Templates are only looked at here, never compiled: that happens when a
        // render needs them (see `Catalog::registry`), so `plan` compiles nothing.
        match templates.get(&source) {
            None => {
                let hint =
                    match crate::suggest::nearest(&source, templates.keys().map(String::as_str)) {
                        Some(near) => {
                            format!("did you mean `{near}`? sources are relative to `templates/`")
                        }
                        None => "sources are relative to the blueprint's `templates/` folder"
                            .to_string(),
                    };
                report(
                    &format!("{key}.source"),
                    source_line,
                    format!("no template `{source}`"),
                    &hint,
                );
            }
            Some(bytes) if source.ends_with(".hbs") && std::str::from_utf8(bytes).is_err() => {
                report(
                    &format!("{key}.source"),
                    source_line,
                    format!("template `{source}` is not UTF-8 text"),
                    "only text files can be templates; drop the `.hbs` suffix to copy a file as it is",
                );
            }
            Some(_) => {}
        }
        specs.push(FileSpec {
            source,
            target,
            each: file.each,
            when: file.when.into_when(),
            executable: file.executable,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Blueprint {
        name: raw.name.value,
        description: raw.description,
        version: raw.version.value,
        when: raw.when.into_when(),
        files: specs,
        templates,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest(text: &str) -> Vec<InputFile> {
        vec![
            InputFile {
                path: PathBuf::from("demo/blueprint.yaml"),
                bytes: text.as_bytes().to_vec(),
            },
            InputFile {
                path: PathBuf::from("demo/templates/note.txt"),
                bytes: b"note".to_vec(),
            },
        ]
    }

    fn parse(text: &str) -> Result<Blueprint, Vec<Diagnostic>> {
        let files = manifest(text);
        parse_blueprint(Path::new("blueprints"), "demo", &files[0], &files)
    }

    /// The line is where the value is; the search this replaced found the first
    /// line holding the same text (here the description, line 2).
    #[test]
    fn a_problem_names_the_line_of_its_value() {
        let problems = parse(
            "name: demo\ndescription: copies notes.txt\nversion: 1.0.0\nfiles:\n  - source: notes.txt\n    target: notes.txt\n",
        )
        .expect_err("no template");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key.as_deref(), Some("files[0].source"));
        assert_eq!(problems[0].message, "no template `notes.txt`");
        assert_eq!(problems[0].line, Some(5));
    }

    #[test]
    fn a_tag_instead_of_a_sha_names_its_line() {
        let file = InputFile {
            path: PathBuf::from("pins.yaml"),
            bytes: format!(
                "checkout:\n  action: actions/checkout\n  sha: {}\n  version: v5\nscan:\n  action: acme/scan\n  sha: v1\n  version: v1\n",
                "a".repeat(40)
            )
            .into_bytes(),
        };
        let problems = parse_pins(Path::new("blueprints"), &file).expect_err("a tag");
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].key.as_deref(), Some("scan.sha"));
        assert_eq!(problems[0].line, Some(7));
    }

    #[test]
    fn delivery_is_a_condition_on_files_produced_per_application() {
        let head = "name: demo\ndescription: d\nversion: 1.0.0\n";
        let blueprint = parse(&format!(
            "{head}files:\n  - source: note.txt\n    target: \"{{{{environment.name}}}}/{{{{app.name}}}}.txt\"\n    each: environment-applications\n    when:\n      delivery: [helm]\n"
        ))
        .expect("valid");
        assert_eq!(
            blueprint.files[0].each,
            Some(super::super::Each::EnvironmentApplications)
        );
        assert_eq!(
            blueprint.files[0].when.delivery,
            [crate::config::Delivery::Helm]
        );
        let problems = parse(&format!(
            "{head}when:\n  delivery: helm\nfiles:\n  - source: note.txt\n    target: a.txt\n    each: environments\n    when: {{delivery: kustomize}}\n"
        ))
        .expect_err("not per application");
        let found: Vec<(Option<&str>, Option<usize>)> = problems
            .iter()
            .map(|problem| (problem.key.as_deref(), problem.line))
            .collect();
        assert_eq!(
            found,
            [
                (Some("when.delivery"), Some(5)),
                (Some("files[0].when.delivery"), Some(10))
            ]
        );
    }

    #[test]
    fn from_level_is_a_level_on_a_file() {
        let head = "name: demo\ndescription: d\nversion: 1.0.0\n";
        let blueprint = parse(&format!(
            "{head}files:\n  - {{source: note.txt, target: a.txt, when: {{from_level: 4}}}}\n"
        ))
        .expect("valid");
        assert_eq!(blueprint.files[0].when.from_level, Level::new(4));
        let problems = parse(&format!(
            "{head}when:\n  from_level: 2\nfiles:\n  - source: note.txt\n    target: a.txt\n    when: {{from_level: 6}}\n"
        ))
        .expect_err("not on a blueprint, and 6 is no level");
        let found: Vec<(Option<&str>, Option<usize>)> = problems
            .iter()
            .map(|problem| (problem.key.as_deref(), problem.line))
            .collect();
        assert_eq!(
            found,
            [
                (Some("when.from_level"), Some(5)),
                (Some("files[0].when.from_level"), Some(9))
            ]
        );
    }

    #[test]
    fn versions_are_semantic_versions() {
        let base = "name: demo\ndescription: d\nfiles:\n  - {source: note.txt, target: note.txt}\n";
        for version in ["1.0.0", "2.10.3", "1.0.0-rc.1"] {
            let blueprint = parse(&format!("version: {version}\n{base}")).expect("valid");
            assert_eq!(blueprint.version, version);
        }
        for version in ["1.0", "01.0.0", "1.0.0.0", "v1.0.0"] {
            let problems = parse(&format!("version: {version}\n{base}")).expect_err(version);
            assert_eq!(problems.len(), 1, "{version}");
            assert_eq!(problems[0].key.as_deref(), Some("version"));
            assert_eq!(problems[0].line, Some(1), "{version}");
            assert!(
                problems[0]
                    .message
                    .starts_with(&format!("`{version}` is not a semantic version: ")),
                "{}",
                problems[0].message
            );
        }
    }

    #[test]
    fn a_chart_version_that_floats_is_refused_with_its_line() {
        let file = InputFile {
            path: PathBuf::from("charts.yaml"),
            bytes: b"a: {repository: 'https://example.com/charts', chart: a, version: 1.2.3}\nb: {repository: 'http://example.com/charts', chart: b, version: '~1.2'}\n".to_vec(),
        };
        let problems = parse_charts(Path::new("blueprints"), &file).expect_err("a range");
        let found: Vec<(Option<&str>, Option<usize>, &str)> = problems
            .iter()
            .map(|p| (p.key.as_deref(), p.line, p.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    Some("b.version"),
                    Some(2),
                    "`~1.2` is not an exact chart version"
                ),
                (
                    Some("b.repository"),
                    Some(2),
                    "`http://example.com/charts` is not an https:// chart repository"
                ),
            ]
        );
    }
}
