//! The policy rules of `blueprints/policies/`: the one table of modes and namespace labels
//! (`bundle.yaml`), and the rule groups it names (one file each), which the policy
//! blueprints render once per engine (see blueprints/README.md).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::diagnostic::Diagnostic;
use crate::files::InputFile;
use crate::model::Level;
use crate::yaml;

/// The folder of the catalog that holds the policy rules.
pub const FOLDER: &str = "policies";
const BUNDLE: &str = "bundle.yaml";

/// What a group of rules does in an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Reported (and warned about on apply), never refused.
    Audit,
    /// Refused.
    Enforce,
}

impl Mode {
    /// Kyverno's and the VAP binding's `validationActions`.
    fn validation_actions(self) -> [&'static str; 2] {
        match self {
            Mode::Audit => ["Audit", "Warn"],
            Mode::Enforce => ["Deny", ""],
        }
    }

    /// Gatekeeper's `enforcementAction`.
    fn enforcement_action(self) -> &'static str {
        match self {
            Mode::Audit => "warn",
            Mode::Enforce => "deny",
        }
    }
}

/// A value for every environment, or one for production (the last) and one for the others.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum ByEnvironment<T> {
    Split(Split<T>),
    All(T),
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Split<T> {
    pub production: T,
    pub others: T,
}

impl<T: Clone> ByEnvironment<T> {
    pub fn get(&self, production: bool) -> T {
        match self {
            ByEnvironment::All(value) => value.clone(),
            ByEnvironment::Split(split) if production => split.production.clone(),
            ByEnvironment::Split(split) => split.others.clone(),
        }
    }
}

/// A Pod Security Standards level, as a namespace label's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PodSecurity {
    Privileged,
    Baseline,
    Restricted,
}

/// The `pod-security.kubernetes.io/<mode>` labels of an application namespace.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Labels {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enforce: Option<PodSecurity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<PodSecurity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warn: Option<PodSecurity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlatformNamespace {
    pub name: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Kind {
    pub group: String,
    pub version: String,
    pub resource: String,
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    pub name: String,
    pub expression: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Validation {
    pub expression: String,
    pub message: String,
}

/// The images of the group that verifies them: the platform's own, whose signatures its
/// policy checks, and the reviewed allow-list of the images it runs but does not build.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Images {
    /// The group whose mode the signature policy follows.
    pub group: String,
    pub own: OwnImages,
    pub allowed: Vec<AllowedImage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OwnImages {
    /// A prefix of image references holding [`OWNER`].
    pub prefix: String,
    /// The OIDC issuer of the keyless signing certificates.
    pub issuer: String,
    /// The path of the release workflow in the platform repository, whose identity signs.
    pub workflow: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct AllowedImage {
    /// A prefix of image references that names its registry and owner in full.
    pub prefix: String,
    /// The blueprint that runs these images: the entry is in the bundle only with it.
    pub blueprint: String,
    pub reason: String,
}

/// Where [`OwnImages::prefix`] takes the owner of the platform repository.
pub const OWNER: &str = "{owner}";

/// The values a rule can take as `parameters`, computed for the platform: a CEL variable
/// of kyverno's and vap's policy, a parameter of gatekeeper's constraint.
const PARAMETERS: [&str; 1] = ["imageSources"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBundle {
    groups: Vec<RawGroupModes>,
    namespace_labels: BTreeMap<u8, ByEnvironment<Labels>>,
    platform_namespaces: Vec<PlatformNamespace>,
    #[serde(default)]
    images: Option<Images>,
    kinds: Vec<Kind>,
    cel_variables: Vec<Variable>,
    rego_library: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroupModes {
    name: String,
    modes: BTreeMap<u8, ByEnvironment<Mode>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    group: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    name: String,
    title: String,
    description: String,
    /// None for a rule of levelup's own, which Kyverno's policy library has no test of.
    #[serde(default)]
    upstream: Option<String>,
    /// Where the rule deliberately differs from the upstream policy, and why.
    #[serde(default)]
    differs: Option<String>,
    #[serde(default)]
    parameters: Vec<String>,
    cel: Vec<Validation>,
    rego: String,
    samples: RawSamples,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSamples {
    good: Vec<RawSample>,
    bad: Vec<RawSample>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSample {
    name: String,
    object: String,
}

/// The head of a sample object, read to check it and to list it in the engines' tests.
#[derive(Debug, Deserialize)]
struct ObjectHead {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    metadata: ObjectMeta,
}

#[derive(Debug, Deserialize)]
struct ObjectMeta {
    name: String,
}

/// A resource a rule must admit (`good`) or refuse (`bad`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    pub name: String,
    pub good: bool,
    /// The object as YAML text, one document.
    pub object: String,
    pub kind: String,
    pub api_version: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub title: String,
    pub description: String,
    /// The folder of Kyverno's policy library whose test cases this rule must agree with.
    pub upstream: Option<String>,
    /// Where the rule deliberately differs from the upstream policy, and why.
    pub differs: Option<String>,
    /// Of [`PARAMETERS`].
    pub parameters: Vec<String>,
    pub cel: Vec<Validation>,
    pub rego: String,
    pub samples: Vec<Sample>,
}

impl Rule {
    /// The Gatekeeper constraint kind: `disallow-host-path` → `DisallowHostPath`.
    pub fn kind(&self) -> String {
        self.name
            .split('-')
            .map(|word| {
                let mut chars = word.chars();
                chars
                    .next()
                    .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            })
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    /// From the group's first level to 5.
    pub modes: BTreeMap<u8, ByEnvironment<Mode>>,
    pub rules: Vec<Rule>,
}

impl Group {
    /// The group's mode at `level`, or none before its first level.
    pub fn mode(&self, level: Level, production: bool) -> Option<Mode> {
        self.modes
            .get(&level.number())
            .map(|mode| mode.get(production))
    }
}

/// Everything under `blueprints/policies/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policies {
    pub groups: Vec<Group>,
    /// For each level from 1 to 5.
    pub namespace_labels: BTreeMap<u8, ByEnvironment<Labels>>,
    pub platform_namespaces: Vec<PlatformNamespace>,
    pub images: Option<Images>,
    pub kinds: Vec<Kind>,
    pub cel_variables: Vec<Variable>,
    pub rego_library: String,
}

/// What the policy context needs of the platform beyond its level and environments.
pub struct Platform<'a> {
    /// `owner/name` of the platform repository, or none while levelup.yaml leaves it out.
    pub repository: Option<&'a str>,
    /// Whether this render produces a blueprint.
    pub blueprint: &'a dyn Fn(&str) -> bool,
    /// Each application's name and image.
    pub applications: Vec<(&'a str, &'a str)>,
}

fn problem(file: &Path, key: &str, line: Option<usize>, message: String, hint: &str) -> Diagnostic {
    Diagnostic {
        file: file.to_path_buf(),
        line,
        key: Some(key.to_string()),
        message,
        hint: Some(hint.to_string()),
    }
}

fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

/// Reads the policy folder: `files` are relative to the catalog's `root`, under `policies/`.
pub fn parse(root: &Path, files: &[InputFile]) -> Result<Policies, Vec<Diagnostic>> {
    let folder = Path::new(FOLDER);
    let bundle_path = folder.join(BUNDLE);
    let Some(bundle_file) = files.iter().find(|file| file.path == bundle_path) else {
        return Err(vec![problem(
            &root.join(folder),
            BUNDLE,
            None,
            format!("the policy rules have no `{BUNDLE}`"),
            "bundle.yaml holds the table of modes and namespace labels the groups' rules follow",
        )]);
    };
    let path = root.join(&bundle_file.path);
    let text = String::from_utf8_lossy(&bundle_file.bytes);
    let raw: RawBundle =
        yaml::parse(path.clone(), &text, yaml::Docs::Source).map_err(|d| vec![d])?;
    let positions = yaml::Positions::read(&text);
    let mut problems = Vec::new();
    let mut report = |key: &str, message: String, hint: &str| {
        problems.push(problem(&path, key, positions.line(key), message, hint));
    };
    let all_levels: Vec<u8> = Level::all().map(Level::number).collect();
    for level in raw.namespace_labels.keys() {
        if !all_levels.contains(level) {
            report(
                &format!("namespace_labels.{level}"),
                format!("`{level}` is not a level"),
                "levels are 1 to 5",
            );
        }
    }
    for level in &all_levels {
        if !raw.namespace_labels.contains_key(level) {
            report(
                "namespace_labels",
                format!("level {level} has no namespace labels"),
                "write the labels of every level from 1 to 5, so that none is left to a default",
            );
        }
    }
    let mut group_files: BTreeMap<String, (PathBuf, String, RawGroup)> = BTreeMap::new();
    for file in files.iter().filter(|file| file.path != bundle_path) {
        let name = file.path.strip_prefix(folder).unwrap_or(&file.path);
        let Some(stem) = name.to_str().and_then(|name| name.strip_suffix(".yaml")) else {
            continue; // a README or other notes
        };
        let file_path = root.join(&file.path);
        let text = String::from_utf8_lossy(&file.bytes);
        match yaml::parse::<RawGroup>(file_path.clone(), &text, yaml::Docs::Source) {
            Ok(group) if group.group != stem => {
                report_group_name(&mut problems, &file_path, &text, &group.group, stem)
            }
            Ok(group) => {
                group_files.insert(stem.to_string(), (file_path, text.into_owned(), group));
            }
            Err(diagnostic) => problems.push(diagnostic),
        }
    }
    let mut groups = Vec::new();
    let mut rule_names = BTreeSet::new();
    let table: Vec<String> = raw.groups.iter().map(|group| group.name.clone()).collect();
    for (index, modes) in raw.groups.into_iter().enumerate() {
        let key = format!("groups[{index}]");
        let levels: Vec<u8> = modes.modes.keys().copied().collect();
        let contiguous = levels
            .first()
            .is_some_and(|first| levels == (*first..=Level::MAX).collect::<Vec<u8>>());
        if !contiguous {
            let line = positions.line(&format!("{key}.modes"));
            problems.push(problem(
                &path,
                &format!("{key}.modes"),
                line,
                format!("the modes of `{}` are not given for every level from its first to 5", modes.name),
                "a group is in the bundle from its first level on: write each level after it, such as `3: audit`, `4: enforce`, `5: enforce`",
            ));
        }
        let Some((file_path, group_text, group)) = group_files.remove(&modes.name) else {
            let line = positions.line(&format!("{key}.name"));
            problems.push(problem(
                &path,
                &format!("{key}.name"),
                line,
                format!(
                    "no file `{FOLDER}/{}.yaml` holds the rules of group `{}`",
                    modes.name, modes.name
                ),
                "each group of the table has its rules in a file of its name beside bundle.yaml",
            ));
            continue;
        };
        match rules(&file_path, &group_text, group.rules, &mut rule_names) {
            Ok(rules) => groups.push(Group {
                name: modes.name,
                title: group.title,
                description: group.description,
                modes: modes.modes,
                rules,
            }),
            Err(mut found) => problems.append(&mut found),
        }
    }
    if let Some(images) = &raw.images {
        check_images(images, &table, &path, &positions, &mut problems);
    } else if let Some(rule) = groups
        .iter()
        .flat_map(|group| &group.rules)
        .find(|rule| !rule.parameters.is_empty())
    {
        problems.push(problem(
            &path,
            "images",
            None,
            format!(
                "rule `{}` takes `imageSources`, but there is no `images`",
                rule.name
            ),
            "`images` gives the platform's own images and the allow-list the parameter is made of",
        ));
    }
    for (name, (file_path, _, _)) in group_files {
        problems.push(problem(
            &file_path,
            "group",
            Some(1),
            format!("group `{name}` is not in the table of {BUNDLE}"),
            "add it to `groups` in bundle.yaml with its mode per level, or remove the file",
        ));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Policies {
        groups,
        namespace_labels: raw.namespace_labels,
        platform_namespaces: raw.platform_namespaces,
        images: raw.images,
        kinds: raw.kinds,
        cel_variables: raw.cel_variables,
        rego_library: raw.rego_library,
    })
}

/// The images' group is in the table, the own prefix takes the owner, and every entry of the
/// allow-list names its registry and owner in full: `ghcr.io/fluxcd` would admit
/// `ghcr.io/fluxcd-forks/...` too.
fn check_images(
    images: &Images,
    table: &[String],
    path: &Path,
    positions: &yaml::Positions,
    problems: &mut Vec<Diagnostic>,
) {
    let mut report = |key: &str, message: String, hint: &str| {
        problems.push(problem(path, key, positions.line(key), message, hint));
    };
    if !table.contains(&images.group) {
        report(
            "images.group",
            format!("`{}` is not a group of the table", images.group),
            "the signature policy takes the mode of a group of `groups`",
        );
    }
    if !images.own.prefix.contains(OWNER) || !images.own.prefix.ends_with('/') {
        report(
            "images.own.prefix",
            format!(
                "`{}` does not hold `{OWNER}` and end with `/`",
                images.own.prefix
            ),
            "the platform's own images are those under its repository's owner, such as `ghcr.io/{owner}/`",
        );
    }
    for (index, entry) in images.allowed.iter().enumerate() {
        let names_owner = entry
            .prefix
            .split_once('/')
            .is_some_and(|(registry, rest)| !registry.is_empty() && rest.contains('/'));
        if !names_owner || entry.prefix.contains(char::is_whitespace) {
            report(
                &format!("images.allowed[{index}].prefix"),
                format!(
                    "`{}` does not name a registry and an owner in full",
                    entry.prefix
                ),
                "write at least `registry/owner/`, such as `quay.io/jetstack/cert-manager-`: a shorter prefix admits other owners' images",
            );
        }
    }
}

fn report_group_name(
    problems: &mut Vec<Diagnostic>,
    path: &Path,
    text: &str,
    found: &str,
    stem: &str,
) {
    problems.push(problem(
        path,
        "group",
        yaml::Positions::read(text).line("group"),
        format!("the group is named `{found}` but its file is `{stem}.yaml`"),
        "a group's name is its file's name",
    ));
}

/// Checks a group's rules and reads the head of each sample object.
fn rules(
    path: &Path,
    text: &str,
    raw: Vec<RawRule>,
    names: &mut BTreeSet<String>,
) -> Result<Vec<Rule>, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut found = Vec::new();
    // Read only for a file with a problem: it costs a second parse.
    let mut positions = None;
    let mut report = |key: String, message: String, hint: &str| {
        let line = positions
            .get_or_insert_with(|| yaml::Positions::read(text))
            .line(&key);
        problems.push(problem(path, &key, line, message, hint));
    };
    for (index, rule) in raw.into_iter().enumerate() {
        let key = format!("rules[{index}]");
        if !is_kebab(&rule.name) {
            report(
                format!("{key}.name"),
                format!("`{}` is not a kebab-case name", rule.name),
                "rule names are lowercase words joined by `-`, such as `disallow-host-path`",
            );
        }
        if !names.insert(rule.name.clone()) {
            report(
                format!("{key}.name"),
                format!("rule `{}` is defined twice", rule.name),
                "rule names are unique across every group: each becomes a policy of that name",
            );
        }
        for (position, parameter) in rule.parameters.iter().enumerate() {
            if !PARAMETERS.contains(&parameter.as_str()) {
                report(
                    format!("{key}.parameters[{position}]"),
                    format!("`{parameter}` is not a parameter levelup gives"),
                    &format!("a rule can take {}", PARAMETERS.join(", ")),
                );
            }
        }
        if rule.cel.is_empty() || rule.rego.trim().is_empty() {
            report(
                key.clone(),
                format!("rule `{}` needs both `cel` and `rego`", rule.name),
                "every rule is written for every engine: CEL for kyverno and vap, Rego for gatekeeper",
            );
        }
        if rule.samples.good.is_empty() || rule.samples.bad.is_empty() {
            report(
                format!("{key}.samples"),
                format!("rule `{}` needs a good and a bad sample", rule.name),
                "the engines' test files prove the rule admits one and refuses the other",
            );
        }
        let mut samples = Vec::new();
        let mut sample_names = BTreeSet::new();
        for (verdict, list) in [("good", rule.samples.good), ("bad", rule.samples.bad)] {
            for (position, sample) in list.into_iter().enumerate() {
                let sample_key = format!("{key}.samples.{verdict}[{position}]");
                if !sample_names.insert(sample.name.clone()) {
                    report(
                        format!("{sample_key}.name"),
                        format!(
                            "sample `{}` is named twice in rule `{}`",
                            sample.name, rule.name
                        ),
                        "each sample is a file and a test case of its own name",
                    );
                }
                match serde_saphyr::from_str::<ObjectHead>(&sample.object) {
                    Ok(head) if head.metadata.name != sample.name => report(
                        format!("{sample_key}.object"),
                        format!(
                            "the object is named `{}`, the sample `{}`",
                            head.metadata.name, sample.name
                        ),
                        "the engines' tests name a sample by its object's metadata.name",
                    ),
                    Ok(head) => samples.push(Sample {
                        name: sample.name,
                        good: verdict == "good",
                        object: sample.object,
                        kind: head.kind,
                        api_version: head.api_version,
                    }),
                    Err(error) => report(
                        format!("{sample_key}.object"),
                        format!(
                            "the object of sample `{}` is not a Kubernetes object: {error}",
                            sample.name
                        ),
                        "write one object with apiVersion, kind and metadata.name",
                    ),
                }
            }
        }
        found.push(Rule {
            name: rule.name,
            title: rule.title,
            description: rule.description,
            upstream: rule.upstream,
            differs: rule.differs,
            parameters: rule.parameters,
            cel: rule.cel,
            rego: rule.rego,
            samples,
        });
    }
    if problems.is_empty() {
        Ok(found)
    } else {
        Err(problems)
    }
}

impl Policies {
    /// Whether any rule is in the bundle at `level`.
    pub fn any_at(&self, level: Level) -> bool {
        self.groups
            .iter()
            .any(|group| group.mode(level, true).is_some())
    }

    /// The namespace labels of an environment at `level`.
    pub fn labels(&self, level: Level, production: bool) -> Option<Labels> {
        self.namespace_labels
            .get(&level.number())
            .map(|labels| labels.get(production))
    }

    /// The `policy` value templates see, for a platform with `environments` (in promotion
    /// order: the last is production) scaffolded at `level`.
    pub fn context(&self, level: Level, environments: &[String], platform: &Platform) -> Value {
        let is_production = |index: usize| index + 1 == environments.len();
        let active: Vec<&Group> = self
            .groups
            .iter()
            .filter(|group| group.mode(level, true).is_some())
            .collect();
        let (owner, images) = self.images_context(&active, platform);
        let image_sources: Vec<Value> = images
            .pointer("/sources")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let verifies_images = |group: &Group| {
            self.images
                .as_ref()
                .is_some_and(|images| images.group == group.name)
        };
        let mode_entry = |group: &Group, mode: Mode| {
            let actions: Vec<&str> = mode
                .validation_actions()
                .into_iter()
                .filter(|action| !action.is_empty())
                .collect();
            json!({
                "group": group.name,
                "mode": mode,
                "validation_actions": actions,
                "enforcement_action": mode.enforcement_action(),
                // sigstore policy-controller's ClusterImagePolicy `mode`.
                "sigstore_mode": match mode { Mode::Audit => "warn", Mode::Enforce => "enforce" },
                "verifies_images": verifies_images(group),
            })
        };
        let by_environment: Vec<Value> = environments
            .iter()
            .enumerate()
            .map(|(index, name)| {
                let groups: Vec<Value> = active
                    .iter()
                    .filter_map(|group| {
                        group
                            .mode(level, is_production(index))
                            .map(|mode| mode_entry(group, mode))
                    })
                    .collect();
                json!({"name": name, "production": is_production(index), "groups": groups})
            })
            .collect();
        let rules: Vec<Value> = active
            .iter()
            .flat_map(|group| group.rules.iter().map(move |rule| (*group, rule)))
            .map(|(group, rule)| {
                let modes: Vec<Value> = environments
                    .iter()
                    .enumerate()
                    .filter_map(|(index, name)| {
                        group
                            .mode(level, is_production(index))
                            .map(|mode| json!({"environment": name, "mode": mode}))
                    })
                    .collect();
                let mut results: BTreeMap<(bool, &str), Vec<&str>> = BTreeMap::new();
                for sample in &rule.samples {
                    results
                        .entry((!sample.good, sample.kind.as_str()))
                        .or_default()
                        .push(&sample.name);
                }
                let kyverno_results: Vec<Value> = results
                    .into_iter()
                    .map(|((bad, kind), resources)| {
                        json!({"kind": kind, "result": if bad { "fail" } else { "pass" }, "resources": resources})
                    })
                    .collect();
                let parameters: Vec<Value> = rule
                    .parameters
                    .iter()
                    .map(|name| {
                        // JSON strings are CEL string literals as they are: one per line.
                        let items: Vec<String> = image_sources
                            .iter()
                            .map(|value| format!("  {value}"))
                            .collect();
                        let cel = format!("[\n{}\n]", items.join(",\n"));
                        json!({"name": name, "values": image_sources, "cel": cel})
                    })
                    .collect();
                let samples: Vec<Sample> = rule
                    .samples
                    .iter()
                    .map(|sample| Sample {
                        object: sample.object.replace(OWNER, &owner),
                        ..sample.clone()
                    })
                    .collect();
                json!({
                    "name": rule.name,
                    "group": group.name,
                    "title": rule.title,
                    "description": rule.description,
                    "upstream": rule.upstream,
                    "differs": rule.differs,
                    "kind": rule.kind(),
                    "template_name": rule.kind().to_ascii_lowercase(),
                    "parameters": parameters,
                    "cel": rule.cel,
                    "rego": rule.rego,
                    "samples": samples,
                    "kyverno_results": kyverno_results,
                    "modes": modes,
                })
            })
            .collect();
        // Kyverno's and VAP's resourceRules, and Gatekeeper's match kinds: one entry per API group.
        let mut api_groups: Vec<(&str, &str, Vec<&str>, Vec<&str>)> = Vec::new();
        for kind in &self.kinds {
            match api_groups
                .iter_mut()
                .find(|(group, ..)| *group == kind.group)
            {
                Some((_, _, resources, kinds)) => {
                    resources.push(&kind.resource);
                    // A subresource (pods/ephemeralcontainers) arrives as its kind (Pod).
                    if !kinds.contains(&kind.kind.as_str()) {
                        kinds.push(&kind.kind);
                    }
                }
                None => api_groups.push((
                    &kind.group,
                    &kind.version,
                    vec![&kind.resource],
                    vec![&kind.kind],
                )),
            }
        }
        let api_groups: Vec<Value> = api_groups
            .into_iter()
            .map(|(group, version, resources, kinds)| {
                json!({"group": group, "version": version, "resources": resources, "kinds": kinds})
            })
            .collect();
        json!({
            "active": !active.is_empty(),
            "groups": active.iter().map(|group| json!({
                "name": group.name,
                "title": group.title,
                "rules": group.rules.iter().map(|rule| &rule.name).collect::<Vec<_>>(),
            })).collect::<Vec<_>>(),
            "rules": rules,
            "environments": by_environment,
            "platform_namespaces": self.platform_namespaces,
            "images": images,
            "api_groups": api_groups,
            "cel_variables": self.cel_variables,
            "rego_library": self.rego_library,
        })
    }
}

impl Policies {
    /// The owner the samples name, and the `policy.images` value: null unless the images'
    /// group is in the bundle at the level.
    fn images_context(&self, active: &[&Group], platform: &Platform) -> (String, Value) {
        let marker = super::placeholder::MARKER;
        // Image names are lowercase; the placeholder keeps its marker, so that the files
        // holding it are reported.
        let owner = platform
            .repository
            .map(|repository| {
                let owner = repository
                    .split_once('/')
                    .map_or(repository, |(owner, _)| owner);
                owner.to_ascii_lowercase()
            })
            .unwrap_or_else(|| marker.to_string());
        let Some(images) = self
            .images
            .as_ref()
            .filter(|images| active.iter().any(|group| group.name == images.group))
        else {
            return (owner, Value::Null);
        };
        let repository = platform
            .repository
            .map(str::to_string)
            .unwrap_or_else(|| format!("{marker}/set-github-repo-in-levelup-yaml"));
        let own = images.own.prefix.replace(OWNER, &owner);
        let mut allowed: Vec<Value> = images
            .allowed
            .iter()
            .filter(|entry| (platform.blueprint)(&entry.blueprint))
            .map(|entry| {
                json!({
                    "prefixes": [entry.prefix],
                    "reason": entry.reason,
                    "from": format!("blueprint `{}`", entry.blueprint),
                })
            })
            .collect();
        // An application whose image the release workflow cannot have built (it pushes under
        // the owner) is admitted by its repository, every tag and digest, as levelup.yaml
        // declares it; its signature is not checked.
        for (name, image) in &platform.applications {
            if image.starts_with(&own) {
                continue;
            }
            let repository = image_repository(image);
            allowed.push(json!({
                "prefixes": [format!("{repository}:"), format!("{repository}@")],
                "reason": format!("The image of application `{name}`, which the platform's release workflow does not build: its signature is not checked."),
                "from": format!("application `{name}` of levelup.yaml"),
            }));
        }
        let mut sources = vec![own.clone()];
        for prefix in allowed
            .iter()
            .filter_map(|entry| entry["prefixes"].as_array())
            .flatten()
            .filter_map(Value::as_str)
        {
            if !sources.iter().any(|known| known == prefix) {
                sources.push(prefix.to_string());
            }
        }
        // As scripts/verify-release writes it: names and paths of GitHub hold no other
        // character a regular expression reads.
        let subject = format!(
            "^https://github\\.com/{}@",
            format!("{repository}/{}", images.own.workflow).replace('.', "\\.")
        );
        let value = json!({
            "group": images.group,
            "own": {
                "prefix": own,
                // The same as a CEL string literal, which a JSON string is.
                "prefix_cel": Value::String(own.clone()).to_string(),
                // Kyverno's glob: `*` matches `/` too. sigstore's: `**` does.
                "kyverno_glob": format!("{own}*"),
                "sigstore_glob": format!("{own}**"),
                "issuer": images.own.issuer,
                "subject_regexp": subject,
                "workflow": format!("{repository}/{}", images.own.workflow),
            },
            "allowed": allowed,
            "sources": sources,
        });
        (owner, value)
    }
}

/// An image reference without its tag and digest: `ghcr.io/acme/web:1.0` → `ghcr.io/acme/web`;
/// a registry's port is kept (`registry:5000/web` has no tag).
fn image_repository(image: &str) -> &str {
    let image = image.split_once('@').map_or(image, |(name, _)| name);
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => name,
        _ => image,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, text: &str) -> InputFile {
        InputFile::text(path, text)
    }

    const BUNDLE_TEXT: &str = "groups:\n  - name: demo\n    modes:\n      3: audit\n      4: {production: enforce, others: audit}\n      5: enforce\nnamespace_labels:\n  1: {audit: restricted}\n  2: {enforce: baseline}\n  3: {enforce: restricted}\n  4: {enforce: restricted}\n  5: {enforce: restricted}\nplatform_namespaces: [{name: kube-system, reason: r}]\nkinds: [{group: '', version: v1, resource: pods, kind: Pod}]\ncel_variables: []\nrego_library: ''\n";

    const GROUP_TEXT: &str = "group: demo\ntitle: Demo\nrules:\n  - name: no-host-path\n    title: t\n    description: d\n    upstream: u\n    cel: [{expression: 'true', message: m}]\n    rego: 'violation[{\"msg\": \"m\"}] { false }'\n    samples:\n      good: [{name: fine, object: \"apiVersion: v1\\nkind: Pod\\nmetadata: {name: fine}\\n\"}]\n      bad: [{name: wrong, object: \"apiVersion: v1\\nkind: Pod\\nmetadata: {name: other}\\n\"}]\n";

    #[test]
    fn modes_follow_the_level_and_the_environment() {
        let good = GROUP_TEXT.replace("name: other", "name: wrong");
        let policies = parse(
            Path::new("b"),
            &[
                file("policies/bundle.yaml", BUNDLE_TEXT),
                file("policies/demo.yaml", &good),
            ],
        )
        .expect("valid");
        let level = |n| Level::new(n).expect("level");
        assert_eq!(policies.groups[0].mode(level(2), true), None);
        assert_eq!(policies.groups[0].mode(level(4), true), Some(Mode::Enforce));
        assert_eq!(policies.groups[0].mode(level(4), false), Some(Mode::Audit));
        assert!(!policies.any_at(level(2)));
        let environments = ["dev".to_string(), "production".to_string()];
        let platform = Platform {
            repository: Some("acme/platform"),
            blueprint: &|_| true,
            applications: Vec::new(),
        };
        let context = policies.context(level(4), &environments, &platform);
        let actions: Vec<&Value> = [
            "/environments/0/groups/0/validation_actions",
            "/environments/1/groups/0/validation_actions",
        ]
        .iter()
        .filter_map(|pointer| context.pointer(pointer))
        .collect();
        assert_eq!(actions, [&json!(["Audit", "Warn"]), &json!(["Deny"])]);
        assert_eq!(context.pointer("/rules/0/kind"), Some(&json!("NoHostPath")));
        assert_eq!(
            context.pointer("/rules/0/kyverno_results"),
            Some(&json!([
                {"kind": "Pod", "result": "pass", "resources": ["fine"]},
                {"kind": "Pod", "result": "fail", "resources": ["wrong"]}
            ]))
        );
    }

    #[test]
    fn a_short_allowed_prefix_and_an_unknown_parameter_name_their_keys() {
        let bundle = BUNDLE_TEXT.replace(
            "kinds:",
            "images:\n  group: demo\n  own: {prefix: 'ghcr.io/{owner}/', issuer: i, workflow: w}\n  allowed:\n    - {prefix: ghcr.io/fluxcd, blueprint: b, reason: r}\nkinds:",
        );
        let group = GROUP_TEXT
            .replace("name: other", "name: wrong")
            .replace("    upstream: u\n", "    parameters: [imageSource]\n");
        let problems = parse(
            Path::new("b"),
            &[
                file("policies/bundle.yaml", &bundle),
                file("policies/demo.yaml", &group),
            ],
        )
        .expect_err("two problems");
        let keys: Vec<(Option<&str>, Option<usize>)> = problems
            .iter()
            .map(|problem| (problem.key.as_deref(), problem.line))
            .collect();
        assert_eq!(
            keys,
            [
                (Some("rules[0].parameters[0]"), Some(7)),
                (Some("images.allowed[0].prefix"), Some(18)),
            ]
        );
        assert!(problems[1].message.contains("`ghcr.io/fluxcd`"));
    }

    #[test]
    fn a_misnamed_sample_and_a_gap_in_the_levels_name_their_keys() {
        let bundle = BUNDLE_TEXT.replace("      4: {production: enforce, others: audit}\n", "");
        let problems = parse(
            Path::new("b"),
            &[
                file("policies/bundle.yaml", &bundle),
                file("policies/demo.yaml", GROUP_TEXT),
            ],
        )
        .expect_err("two problems");
        let keys: Vec<(Option<&str>, Option<usize>)> = problems
            .iter()
            .map(|problem| (problem.key.as_deref(), problem.line))
            .collect();
        assert_eq!(keys[0], (Some("groups[0].modes"), Some(4)));
        assert_eq!(keys[1].0, Some("rules[0].samples.bad[0].object"));
        assert!(
            problems[1].message.contains("named `other`"),
            "{}",
            problems[1].message
        );
    }
}
