//! The policy bundles, evaluated rather than read: every rule levelup generates for kyverno
//! and vap runs as CEL (the `cel` crate), for gatekeeper as Rego (`regorus`, with
//! `input.review` and `input.parameters` as Gatekeeper passes them), on
//! - the samples the engine's own test files name, with the results those files declare;
//! - the test cases of Kyverno's policy library (`../shared/corpus/policy-cases/kyverno/`);
//! - every workload the application blueprints generate.
//!
//! The same rule must give the same verdict in every engine: the parity table is printed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value as Json, json};

use crate::support;

const ENGINES: [&str; 3] = ["kyverno", "gatekeeper", "vap"];
const APPS: [&str; 4] = [
    "--app",
    "web=ghcr.io/acme/web:1.0.0:8080",
    "--app",
    "api=ghcr.io/acme/api:1.0.0:8080:helm",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    Admit,
    Deny,
}

impl Verdict {
    fn word(self) -> &'static str {
        match self {
            Verdict::Admit => "admit",
            Verdict::Deny => "deny",
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn documents(path: &Path) -> Vec<Json> {
    levelup::yaml::parse_documents(&read(path))
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every `*.yaml` file below `dir`, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder)
            .unwrap_or_else(|error| panic!("{}: {error}", folder.display()));
        for entry in entries {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "yaml") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn text_at<'a>(value: &'a Json, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Json::as_str)
        .unwrap_or_default()
}

fn list_at<'a>(value: &'a Json, pointer: &str) -> &'a [Json] {
    value
        .pointer(pointer)
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

// ---- CEL -------------------------------------------------------------------------------------

fn to_cel(value: &Json) -> cel::Value {
    match value {
        Json::Null => cel::Value::Null,
        Json::Bool(b) => cel::Value::Bool(*b),
        Json::Number(n) => n
            .as_i64()
            .map(cel::Value::Int)
            .or_else(|| n.as_u64().map(cel::Value::UInt))
            .unwrap_or_else(|| cel::Value::Float(n.as_f64().unwrap_or(f64::NAN))),
        Json::String(s) => cel::Value::String(Arc::new(s.clone())),
        Json::Array(items) => cel::Value::List(Arc::new(items.iter().map(to_cel).collect())),
        Json::Object(map) => cel::Value::Map(cel::objects::Map {
            map: Arc::new(
                map.iter()
                    .map(|(key, value)| {
                        (
                            cel::objects::Key::String(Arc::new(key.clone())),
                            to_cel(value),
                        )
                    })
                    .collect(),
            ),
        }),
    }
}

/// A ValidatingPolicy's or ValidatingAdmissionPolicy's variables and validations, compiled.
struct CelPolicy {
    env: Arc<cel::Env>,
    variables: Vec<(String, cel::Program)>,
    validations: Vec<cel::Program>,
}

impl CelPolicy {
    fn compile(document: &Json, file: &Path) -> CelPolicy {
        let env = Arc::new(cel::Env::stdlib().with_optional_support(false));
        let compile = |expression: &str| {
            env.compile(expression).unwrap_or_else(|error| {
                panic!(
                    "{}: `{expression}` does not compile: {error}",
                    file.display()
                )
            })
        };
        let variables = list_at(document, "/spec/variables")
            .iter()
            .map(|variable| {
                (
                    text_at(variable, "/name").to_string(),
                    compile(text_at(variable, "/expression")),
                )
            })
            .collect();
        let validations: Vec<cel::Program> = list_at(document, "/spec/validations")
            .iter()
            .map(|validation| compile(text_at(validation, "/expression")))
            .collect();
        assert!(!validations.is_empty(), "{}: no validation", file.display());
        CelPolicy {
            env,
            variables,
            validations,
        }
    }

    /// Admitted when every validation is true; an evaluation error is a failure of the test.
    fn evaluate(&self, object: &Json) -> Result<Verdict, String> {
        let object = to_cel(object);
        let mut values: std::collections::HashMap<cel::objects::Key, cel::Value> =
            std::collections::HashMap::new();
        let context = |values: &std::collections::HashMap<cel::objects::Key, cel::Value>| {
            let mut context = cel::Context::with_env(Arc::clone(&self.env));
            context.add_variable_from_value("object", object.clone());
            context.add_variable_from_value(
                "variables",
                cel::Value::Map(cel::objects::Map {
                    map: Arc::new(values.clone()),
                }),
            );
            context
        };
        for (name, program) in &self.variables {
            let value = program
                .execute(&context(&values))
                .map_err(|error| format!("variables.{name}: {error}"))?;
            values.insert(cel::objects::Key::String(Arc::new(name.clone())), value);
        }
        let context = context(&values);
        for program in &self.validations {
            match program.execute(&context) {
                Ok(cel::Value::Bool(true)) => {}
                Ok(cel::Value::Bool(false)) => return Ok(Verdict::Deny),
                Ok(other) => return Err(format!("a validation gave {other:?}, not a bool")),
                Err(error) => return Err(error.to_string()),
            }
        }
        Ok(Verdict::Admit)
    }
}

// ---- Rego ------------------------------------------------------------------------------------

/// A ConstraintTemplate's Rego with its constraint's parameters.
struct RegoPolicy {
    engine: regorus::Engine,
    package: String,
    parameters: Json,
}

impl RegoPolicy {
    fn compile(template: &Json, constraint: &Json, file: &Path) -> RegoPolicy {
        let rego = text_at(template, "/spec/targets/0/rego");
        assert_eq!(
            text_at(template, "/spec/targets/0/target"),
            "admission.k8s.gatekeeper.sh",
            "{}",
            file.display()
        );
        let package = rego
            .lines()
            .find_map(|line| line.trim().strip_prefix("package "))
            .unwrap_or_else(|| panic!("{}: no package", file.display()))
            .trim()
            .to_string();
        let mut engine = regorus::Engine::new();
        // Gatekeeper's `rego` field is Rego v0 (its `code` field with `version: v1` is not used).
        engine.set_rego_v0(true);
        engine
            .add_policy(file.display().to_string(), rego.to_string())
            .unwrap_or_else(|error| panic!("{}: {error}", file.display()));
        RegoPolicy {
            engine,
            package,
            parameters: constraint
                .pointer("/spec/parameters")
                .cloned()
                .unwrap_or_else(|| json!({})),
        }
    }

    fn evaluate(&mut self, object: &Json) -> Result<Verdict, String> {
        let api_version = text_at(object, "/apiVersion");
        let (group, version) = api_version.split_once('/').unwrap_or(("", api_version));
        let input = json!({
            "review": {
                "kind": {"group": group, "version": version, "kind": text_at(object, "/kind")},
                "name": text_at(object, "/metadata/name"),
                "namespace": text_at(object, "/metadata/namespace"),
                "operation": "CREATE",
                "object": object,
            },
            "parameters": self.parameters,
        });
        self.engine.set_input(
            regorus::Value::from_json_str(&input.to_string()).map_err(|error| error.to_string())?,
        );
        let results = self
            .engine
            .eval_query(format!("data.{}.violation", self.package), false)
            .map_err(|error| error.to_string())?;
        let value = results
            .result
            .first()
            .and_then(|result| result.expressions.first())
            .map(|expression| expression.value.clone())
            .unwrap_or(regorus::Value::Undefined);
        let violations = match &value {
            regorus::Value::Undefined => 0,
            regorus::Value::Set(set) => set.len(),
            other => return Err(format!("violation is not a set: {other:?}")),
        };
        Ok(if violations == 0 {
            Verdict::Admit
        } else {
            Verdict::Deny
        })
    }
}

// ---- Bundles ---------------------------------------------------------------------------------

enum Evaluator {
    Cel(CelPolicy),
    Rego(Box<RegoPolicy>),
}

/// One engine's rules in a generated repository, by rule name, with the kinds each matches.
struct Bundle {
    engine: &'static str,
    repo: PathBuf,
    rules: BTreeMap<String, (Evaluator, BTreeSet<String>)>,
}

impl Bundle {
    fn load(repo: &Path, engine: &'static str) -> Bundle {
        let root = repo.join("policies").join(engine);
        let mut rules = BTreeMap::new();
        let plural = |kind: &str| format!("{}s", kind.to_ascii_lowercase());
        match engine {
            "gatekeeper" => {
                let constraints: BTreeMap<String, Json> = yaml_files(&root.join("base"))
                    .iter()
                    .flat_map(|file| documents(file))
                    .filter(|document| {
                        text_at(document, "/apiVersion").starts_with("constraints.gatekeeper.sh/")
                    })
                    .map(|document| (text_at(&document, "/kind").to_string(), document))
                    .collect();
                for file in yaml_files(&root.join("templates")) {
                    for template in documents(&file)
                        .into_iter()
                        .filter(|document| text_at(document, "/kind") == "ConstraintTemplate")
                    {
                        let kind = text_at(&template, "/spec/crd/spec/names/kind");
                        let constraint = constraints.get(kind).unwrap_or_else(|| {
                            panic!("{}: no constraint of kind {kind}", file.display())
                        });
                        let kinds = list_at(constraint, "/spec/match/kinds")
                            .iter()
                            .flat_map(|entry| {
                                list_at(entry, "/kinds").iter().filter_map(Json::as_str)
                            })
                            .map(str::to_string)
                            .collect();
                        let name = text_at(constraint, "/metadata/name").to_string();
                        rules.insert(
                            name,
                            (
                                Evaluator::Rego(Box::new(RegoPolicy::compile(
                                    &template, constraint, &file,
                                ))),
                                kinds,
                            ),
                        );
                    }
                }
            }
            _ => {
                let kind = if engine == "kyverno" {
                    "ValidatingPolicy"
                } else {
                    "ValidatingAdmissionPolicy"
                };
                for file in yaml_files(&root.join("base")) {
                    for policy in documents(&file)
                        .into_iter()
                        .filter(|document| text_at(document, "/kind") == kind)
                    {
                        let resources: BTreeSet<&str> =
                            list_at(&policy, "/spec/matchConstraints/resourceRules")
                                .iter()
                                .flat_map(|rule| {
                                    list_at(rule, "/resources").iter().filter_map(Json::as_str)
                                })
                                .collect();
                        let kinds = [
                            "Pod",
                            "Deployment",
                            "ReplicaSet",
                            "StatefulSet",
                            "DaemonSet",
                            "Job",
                            "CronJob",
                        ]
                        .into_iter()
                        .filter(|kind| resources.contains(plural(kind).as_str()))
                        .map(str::to_string)
                        .collect();
                        rules.insert(
                            text_at(&policy, "/metadata/name").to_string(),
                            (Evaluator::Cel(CelPolicy::compile(&policy, &file)), kinds),
                        );
                    }
                }
            }
        }
        Bundle {
            engine,
            repo: repo.to_path_buf(),
            rules,
        }
    }

    /// The rule's verdict on `object`, or none when the rule does not match its kind.
    fn verdict(&mut self, rule: &str, object: &Json) -> Option<Verdict> {
        let (evaluator, kinds) = self
            .rules
            .get_mut(rule)
            .unwrap_or_else(|| panic!("{}: no rule {rule}", self.engine));
        if !kinds.contains(text_at(object, "/kind")) {
            return None;
        }
        let result = match evaluator {
            Evaluator::Cel(policy) => policy.evaluate(object),
            Evaluator::Rego(policy) => policy.evaluate(object),
        };
        Some(result.unwrap_or_else(|error| {
            panic!(
                "{} rule {rule} on {} {}: {error}",
                self.engine,
                text_at(object, "/kind"),
                text_at(object, "/metadata/name")
            )
        }))
    }
}

/// A resource and what a test file or upstream says a rule must do with it.
struct Case {
    source: String,
    object: Json,
    expected: Verdict,
}

/// The cases a generated engine test file declares for `rule`, every path and name resolved.
fn declared_cases(bundle: &Bundle, rule: &str) -> Vec<Case> {
    let tests = bundle
        .repo
        .join("policies")
        .join(bundle.engine)
        .join("tests")
        .join(rule);
    let mut cases = Vec::new();
    if bundle.engine == "gatekeeper" {
        let suite_path = tests.join("suite.yaml");
        let suite = &documents(&suite_path)[0];
        assert_eq!(text_at(suite, "/kind"), "Suite", "{}", suite_path.display());
        for test in list_at(suite, "/tests") {
            for (field, kind) in [("/template", "ConstraintTemplate"), ("/constraint", "")] {
                let path = tests.join(text_at(test, field));
                let first = &documents(&path)[0];
                if kind.is_empty() {
                    assert_eq!(text_at(first, "/metadata/name"), rule, "{}", path.display());
                } else {
                    assert_eq!(text_at(first, "/kind"), kind, "{}", path.display());
                }
            }
            for case in list_at(test, "/cases") {
                let path = tests.join(text_at(case, "/object"));
                let objects = documents(&path);
                assert_eq!(
                    objects.len(),
                    1,
                    "gator reads one object from {}",
                    path.display()
                );
                let violations = list_at(case, "/assertions")
                    .first()
                    .and_then(|assertion| assertion.get("violations"))
                    .and_then(Json::as_str)
                    .unwrap_or_else(|| {
                        panic!("{}: a case without `violations`", suite_path.display())
                    });
                cases.push(Case {
                    source: format!("sample {}", text_at(case, "/name")),
                    object: objects[0].clone(),
                    expected: if violations == "no" {
                        Verdict::Admit
                    } else {
                        Verdict::Deny
                    },
                });
            }
        }
    } else {
        let test_path = tests.join("kyverno-test.yaml");
        let test = &documents(&test_path)[0];
        assert_eq!(text_at(test, "/kind"), "Test", "{}", test_path.display());
        for policy in list_at(test, "/policies").iter().filter_map(Json::as_str) {
            let names: Vec<String> = documents(&tests.join(policy))
                .iter()
                .map(|document| text_at(document, "/metadata/name").to_string())
                .collect();
            assert!(
                names.iter().any(|name| name == rule),
                "{policy} holds {names:?}"
            );
        }
        let resources: Vec<Json> = list_at(test, "/resources")
            .iter()
            .filter_map(Json::as_str)
            .flat_map(|file| documents(&tests.join(file)))
            .collect();
        let flag = if bundle.engine == "kyverno" {
            "/isValidatingPolicy"
        } else {
            "/isValidatingAdmissionPolicy"
        };
        let mut listed = BTreeSet::new();
        for result in list_at(test, "/results") {
            assert_eq!(text_at(result, "/policy"), rule, "{}", test_path.display());
            assert_eq!(
                result.pointer(flag),
                Some(&json!(true)),
                "{}",
                test_path.display()
            );
            let kind = text_at(result, "/kind");
            for name in list_at(result, "/resources")
                .iter()
                .filter_map(Json::as_str)
            {
                let object = resources
                    .iter()
                    .find(|object| {
                        text_at(object, "/kind") == kind
                            && text_at(object, "/metadata/name") == name
                    })
                    .unwrap_or_else(|| {
                        panic!("{}: no {kind} {name} in its resources", test_path.display())
                    });
                listed.insert((kind.to_string(), name.to_string()));
                cases.push(Case {
                    source: format!("sample {name}"),
                    object: object.clone(),
                    expected: match text_at(result, "/result") {
                        "pass" => Verdict::Admit,
                        "fail" => Verdict::Deny,
                        other => panic!("{}: result `{other}`", test_path.display()),
                    },
                });
            }
        }
        assert_eq!(
            listed.len(),
            resources.len(),
            "{}: a resource no result names",
            test_path.display()
        );
    }
    let verdicts: BTreeSet<Verdict> = cases.iter().map(|case| case.expected).collect();
    assert_eq!(
        verdicts.len(),
        2,
        "{} {rule}: a good and a bad sample",
        bundle.engine
    );
    cases
}

/// The rules levelup defines, with the upstream folder each must agree with (empty for a
/// rule of levelup's own).
fn defined_rules() -> BTreeMap<String, String> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/policies");
    yaml_files(&folder)
        .iter()
        .filter(|file| !file.ends_with("bundle.yaml"))
        .flat_map(|file| list_at(&documents(file)[0], "/rules").to_vec())
        .map(|rule| {
            (
                text_at(&rule, "/name").to_string(),
                text_at(&rule, "/upstream").to_string(),
            )
        })
        .collect()
}

/// `path` when it exists; when it does not, a failure under `CI=true`, else a note that
/// `unchecked` is not checked on this machine.
fn required(path: PathBuf, needed_by: &str, unchecked: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is missing: under CI=true {needed_by}",
        path.display()
    );
    eprintln!("{} is missing: {unchecked} not checked", path.display());
    None
}

fn corpus() -> Option<PathBuf> {
    required(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/policy-cases/kyverno"),
        "the upstream test cases are required",
        "the upstream test cases are",
    )
}

/// Upstream's cases for `rule`: each resource its kyverno-test.yaml names for that policy.
fn upstream_cases(corpus: &Path, upstream: &str, rule: &str) -> Vec<Case> {
    let dir = corpus.join(upstream).join(".kyverno-test");
    let test = &documents(&dir.join("kyverno-test.yaml"))[0];
    let resources: Vec<Json> = list_at(test, "/resources")
        .iter()
        .filter_map(Json::as_str)
        .flat_map(|file| documents(&dir.join(file)))
        .collect();
    let results = list_at(test, "/results");
    let policy = if results
        .iter()
        .any(|result| text_at(result, "/policy") == rule)
    {
        rule
    } else {
        text_at(test, "/metadata/name")
    };
    let mut cases = Vec::new();
    for result in results
        .iter()
        .filter(|result| text_at(result, "/policy") == policy)
    {
        let expected = match text_at(result, "/result") {
            "pass" => Verdict::Admit,
            "fail" => Verdict::Deny,
            _ => continue,
        };
        let kind = text_at(result, "/kind");
        for name in list_at(result, "/resources")
            .iter()
            .filter_map(Json::as_str)
        {
            let object = resources
                .iter()
                .find(|object| {
                    text_at(object, "/kind") == kind && text_at(object, "/metadata/name") == name
                })
                .unwrap_or_else(|| panic!("{upstream}: no {kind} {name}"));
            cases.push(Case {
                source: format!("upstream {kind}/{name}"),
                object: object.clone(),
                expected,
            });
        }
    }
    assert!(!cases.is_empty(), "{upstream}: no case for {rule}");
    cases
}

fn platforms(workspace: &Path, level: &str) -> Vec<Bundle> {
    ENGINES
        .into_iter()
        .map(|engine| {
            let dir = workspace.join(engine);
            std::fs::create_dir_all(&dir).expect("workspace");
            let mut extra = vec!["--policy", engine, "--repo", "acme/platform"];
            extra.extend_from_slice(&APPS);
            let repo = support::init_platform(&dir, level, "flux", &extra);
            Bundle::load(&repo, engine)
        })
        .collect()
}

#[test]
fn every_rule_gives_its_samples_and_upstreams_cases_the_expected_verdict_in_every_engine() {
    let workspace = tempfile::tempdir().expect("tempdir");
    // Level 4 holds every rule (bundle.yaml); 2 only the baseline ones.
    let mut bundles = platforms(workspace.path(), "4");
    let defined = defined_rules();
    let corpus = corpus();
    for bundle in &bundles {
        let names: BTreeSet<&String> = bundle.rules.keys().collect();
        assert_eq!(
            names,
            defined.keys().collect(),
            "{}: every rule, once",
            bundle.engine
        );
    }
    let mut mismatches = Vec::new();
    let mut table = vec![format!(
        "{:<32} {:<44} {:<8} {:<8} {:<10} {:<8}",
        "rule", "case", "expected", "kyverno", "gatekeeper", "vap"
    )];
    let mut counted = 0;
    for (rule, upstream) in &defined {
        let mut cases: Vec<Case> = Vec::new();
        for bundle in &bundles {
            cases.extend(declared_cases(bundle, rule));
        }
        // A rule of levelup's own has no upstream: its samples are its cases.
        if let Some(corpus) = corpus.as_ref().filter(|_| !upstream.is_empty()) {
            cases.extend(upstream_cases(corpus, upstream, rule));
        }
        let mut seen = BTreeSet::new();
        for case in cases {
            let key = (
                case.source.clone(),
                text_at(&case.object, "/kind").to_string(),
            );
            if !seen.insert(key) {
                continue; // the same sample from another engine's test file
            }
            let verdicts: Vec<Option<Verdict>> = bundles
                .iter_mut()
                .map(|bundle| bundle.verdict(rule, &case.object))
                .collect();
            let word = |verdict: &Option<Verdict>| verdict.map_or("-", Verdict::word);
            let ok = verdicts
                .iter()
                .all(|verdict| *verdict == Some(case.expected));
            table.push(format!(
                "{:<32} {:<44} {:<8} {:<8} {:<10} {:<8}{}",
                rule,
                case.source,
                case.expected.word(),
                word(&verdicts[0]),
                word(&verdicts[1]),
                word(&verdicts[2]),
                if ok { "" } else { "  MISMATCH" }
            ));
            if !ok {
                mismatches.push(format!("{rule}: {}", case.source));
            }
            counted += 1;
        }
    }
    println!("{}", table.join("\n"));
    assert!(
        mismatches.is_empty(),
        "{} of {counted} cases disagree: {mismatches:#?}",
        mismatches.len()
    );
    let floor = if corpus.is_some() { 800 } else { 60 };
    assert!(counted > floor, "only {counted} cases");
}

/// The tools `scripts/install-validators` puts in place, which render what a cluster receives.
fn tool(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let folder = std::env::var_os("LEVELUP_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| home.join(".cache/levelup-tools"));
    required(
        folder.join("bin").join(name),
        "scripts/install-validators must have installed it",
        "the rendered applications are",
    )
}

fn output(command: &mut std::process::Command) -> String {
    let output = command.output().expect("runs");
    assert!(
        output.status.success(),
        "{command:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

/// Every object a cluster of each environment receives from apps/: each overlay built, each
/// chart rendered with the environment's values.
fn rendered_applications(repo: &Path, kubectl: &Path, helm: &Path) -> Vec<Json> {
    let mut objects = Vec::new();
    for overlay in support::file_names(&repo.join("apps/overlays")) {
        let folder = repo.join("apps/overlays").join(&overlay);
        let text = output(
            std::process::Command::new(kubectl)
                .arg("kustomize")
                .arg(&folder),
        );
        objects.extend(levelup::yaml::parse_documents::<Json>(&text).expect("kustomize output"));
        for chart in support::file_names(&repo.join("charts")) {
            let values = folder.join(format!("{chart}-values.yaml"));
            let text = output(
                std::process::Command::new(helm)
                    .args(["template", &chart])
                    .arg(repo.join("charts").join(&chart))
                    .arg("-f")
                    .arg(&values),
            );
            objects.extend(levelup::yaml::parse_documents::<Json>(&text).expect("helm output"));
        }
    }
    objects
}

#[test]
fn every_workload_the_application_blueprints_write_is_admitted_at_every_level() {
    let (Some(kubectl), Some(helm)) = (tool("kubectl"), tool("helm")) else {
        return;
    };
    let workspace = tempfile::tempdir().expect("tempdir");
    for level in ["2", "3", "4", "5"] {
        let mut bundles = platforms(&workspace.path().join(level), level);
        let objects = rendered_applications(&bundles[0].repo, &kubectl, &helm);
        let workloads: Vec<&Json> = objects
            .iter()
            .filter(|object| {
                [
                    "Deployment",
                    "StatefulSet",
                    "DaemonSet",
                    "Job",
                    "CronJob",
                    "Pod",
                ]
                .contains(&text_at(object, "/kind"))
            })
            .collect();
        assert!(
            workloads.len() >= 6,
            "level {level}: {} workloads",
            workloads.len()
        );
        for bundle in &mut bundles {
            assert!(
                !bundle.rules.is_empty(),
                "level {level}: no {} rule",
                bundle.engine
            );
            let rules: Vec<String> = bundle.rules.keys().cloned().collect();
            for rule in &rules {
                for workload in &workloads {
                    assert_eq!(
                        bundle.verdict(rule, workload),
                        Some(Verdict::Admit),
                        "level {level}: {} {rule} refuses {} {}",
                        bundle.engine,
                        text_at(workload, "/kind"),
                        text_at(workload, "/metadata/name")
                    );
                }
            }
        }
    }
}

/// `bundle.yaml`'s value for `level` in an environment: a mode or labels, or none before it.
fn by_environment(table: &Json, level: &str, production: bool) -> Option<Json> {
    let value = table.get(level)?;
    Some(match (value.get("production"), value.get("others")) {
        (Some(production_value), Some(_)) if production => production_value.clone(),
        (Some(_), Some(others)) => others.clone(),
        _ => value.clone(),
    })
}

/// The mode each patch of an overlay sets, by the group its target selects; the patches of one
/// group (a signature policy's beside its rules') must agree.
fn overlay_modes(overlay: &Path, engine: &str) -> BTreeMap<String, String> {
    let kustomization = &documents(overlay)[0];
    assert_eq!(
        list_at(kustomization, "/resources"),
        [json!("../../base")],
        "{}",
        overlay.display()
    );
    list_at(kustomization, "/patches")
        .iter()
        .map(|patch| {
            let group = text_at(patch, "/target/labelSelector")
                .strip_prefix("policies.levelup.dev/group=")
                .unwrap_or_else(|| panic!("{}: a patch without a group", overlay.display()))
                .to_string();
            let operations: Vec<Json> =
                levelup::yaml::parse_documents(text_at(patch, "/patch")).expect("a JSON patch");
            let operation = &operations[0][0];
            let value = operation.get("value").cloned().unwrap_or_default();
            let mode = match (engine, text_at(operation, "/path")) {
                ("gatekeeper", "/spec/enforcementAction") => match value.as_str() {
                    Some("deny") => "enforce",
                    Some("warn") => "audit",
                    other => panic!("{}: enforcementAction {other:?}", overlay.display()),
                },
                (_, "/spec/validationActions") if value == json!(["Deny"]) => "enforce",
                (_, "/spec/validationActions") if value == json!(["Audit", "Warn"]) => "audit",
                // sigstore's ClusterImagePolicy, for gatekeeper and vap.
                ("gatekeeper" | "vap", "/spec/mode") if value == json!("enforce") => "enforce",
                ("gatekeeper" | "vap", "/spec/mode") if value == json!("warn") => "audit",
                other => panic!("{}: {other:?} {value}", overlay.display()),
            };
            (group, mode.to_string())
        })
        .fold(BTreeMap::new(), |mut modes, (group, mode)| {
            if let Some(earlier) = modes.insert(group.clone(), mode.clone()) {
                assert_eq!(
                    earlier,
                    mode,
                    "{}: two modes for {group}",
                    overlay.display()
                );
            }
            modes
        })
}

#[test]
fn each_overlay_and_namespace_follows_the_table_of_levels() {
    let table =
        &documents(&Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/policies/bundle.yaml"))
            [0];
    let workspace = tempfile::tempdir().expect("tempdir");
    let environments = ["dev", "staging", "production"];
    for level in ["1", "2", "3", "4", "5"] {
        for engine in ENGINES {
            let dir = workspace.path().join(level).join(engine);
            std::fs::create_dir_all(&dir).expect("workspace");
            let mut extra = vec!["--policy", engine];
            extra.extend_from_slice(&APPS);
            let repo = support::init_platform(&dir, level, "flux", &extra);
            for (index, environment) in environments.iter().enumerate() {
                let production = index + 1 == environments.len();
                let expected: BTreeMap<String, String> = list_at(table, "/groups")
                    .iter()
                    .filter_map(|group| {
                        by_environment(&group["modes"], level, production).map(|mode| {
                            (
                                text_at(group, "/name").to_string(),
                                mode.as_str().unwrap_or_default().to_string(),
                            )
                        })
                    })
                    .collect();
                let overlay = repo.join(format!(
                    "policies/{engine}/overlays/{environment}/kustomization.yaml"
                ));
                if level == "1" {
                    assert!(
                        expected.is_empty() && !overlay.exists(),
                        "no bundle at level 1"
                    );
                } else {
                    assert_eq!(
                        overlay_modes(&overlay, engine),
                        expected,
                        "level {level}, {engine}, {environment}"
                    );
                }
                // The roadmap's order: audit first, then enforce; everything enforced at 5.
                match level {
                    "2" => assert!(expected.values().all(|mode| mode == "audit")),
                    "5" => assert!(
                        expected.len() == list_at(table, "/groups").len()
                            && expected.values().all(|mode| mode == "enforce")
                    ),
                    _ => {}
                }
                let labels =
                    by_environment(&table["namespace_labels"], level, production).expect("labels");
                for app in ["web", "api"] {
                    let path =
                        repo.join(format!("apps/overlays/{environment}/{app}/namespace.yaml"));
                    let namespace = &documents(&path)[0];
                    for mode in ["enforce", "audit", "warn"] {
                        let key = format!("pod-security.kubernetes.io/{mode}");
                        assert_eq!(
                            namespace
                                .pointer("/metadata/labels")
                                .and_then(|l| l.get(&key)),
                            labels.get(mode),
                            "level {level}: {} {key}",
                            path.display()
                        );
                    }
                }
                // Level 1 only reports: nothing is refused before the audit phase.
                if level == "1" {
                    assert_eq!(labels.get("enforce"), None);
                }
            }
            if level != "1" {
                let readme = read(&repo.join(format!("policies/{engine}/README.md")));
                for (group, mode) in overlay_modes(
                    &repo.join(format!(
                        "policies/{engine}/overlays/production/kustomization.yaml"
                    )),
                    engine,
                ) {
                    let rows: Vec<&str> = readme
                        .lines()
                        .filter(|line| line.contains(&format!(" | {group} | ")))
                        .collect();
                    assert!(!rows.is_empty(), "{engine} README: no rule of {group}");
                    for row in rows {
                        // Production is the last environment's column, before the tests.
                        assert!(
                            row.contains(&format!("| {mode} | [`tests/")),
                            "{engine} README: {row}"
                        );
                    }
                }
            }
        }
    }
}

/// The exception the bundle's README shows, made real: listed in the exceptions component, it
/// reaches every overlay with the effect the README says, and scripts/check-exceptions passes
/// it until its date and fails it after, or without an owner.
#[test]
fn the_readmes_exception_takes_effect_and_fails_the_check_once_expired() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    let workspace = tempfile::tempdir().expect("tempdir");
    for bundle in platforms(workspace.path(), "3") {
        let engine = bundle.engine;
        let root = bundle.repo.join("policies").join(engine);
        let readme = read(&root.join("README.md"));
        let example = readme
            .split("```yaml\n")
            .nth(1)
            .and_then(|rest| rest.split("```").next())
            .unwrap_or_else(|| panic!("{engine}: the README shows no exception"));
        let exceptions = root.join("exceptions");
        std::fs::write(exceptions.join("disallow-host-path-legacy.yaml"), example).expect("write");
        let component = exceptions.join("kustomization.yaml");
        if engine == "kyverno" {
            support::replace_in(
                &component,
                "  - namespace.yaml\n",
                "  - namespace.yaml\n  - disallow-host-path-legacy.yaml\n",
            );
        } else {
            support::replace_in(
                &component,
                "patches: []\n",
                "patches:\n  - path: disallow-host-path-legacy.yaml\n",
            );
        }
        for environment in ["dev", "production"] {
            let built = output(
                std::process::Command::new(&kubectl)
                    .arg("kustomize")
                    .arg(root.join("overlays").join(environment)),
            );
            let objects: Vec<Json> =
                levelup::yaml::parse_documents(&built).expect("kustomize output");
            let named = |kind: &str, name: &str| {
                objects
                    .iter()
                    .find(|object| {
                        text_at(object, "/kind") == kind
                            && text_at(object, "/metadata/name") == name
                    })
                    .unwrap_or_else(|| panic!("{engine} {environment}: no {kind} {name}"))
            };
            let (object, exempt): (&Json, Vec<&str>) = match engine {
                "kyverno" => {
                    let exception = named("PolicyException", "disallow-host-path-legacy");
                    assert_eq!(
                        text_at(exception, "/metadata/namespace"),
                        "policy-exceptions"
                    );
                    assert_eq!(
                        text_at(exception, "/spec/policyRefs/0/name"),
                        "disallow-host-path"
                    );
                    (
                        exception,
                        vec![text_at(exception, "/spec/matchConditions/0/expression")],
                    )
                }
                "gatekeeper" => {
                    let constraint = named("DisallowHostPath", "disallow-host-path");
                    let excluded = list_at(constraint, "/spec/match/excludedNamespaces")
                        .iter()
                        .filter_map(Json::as_str)
                        .collect::<Vec<_>>();
                    // The platform's namespaces stay excluded, and the mode stays the overlay's.
                    assert!(excluded.contains(&"kube-system"), "{excluded:?}");
                    assert_eq!(text_at(constraint, "/spec/enforcementAction"), "deny");
                    (constraint, excluded)
                }
                _ => {
                    let binding = named("ValidatingAdmissionPolicyBinding", "disallow-host-path");
                    assert_eq!(
                        binding.pointer("/spec/validationActions"),
                        Some(&json!(["Deny"]))
                    );
                    let values = list_at(
                        binding,
                        "/spec/matchResources/namespaceSelector/matchExpressions/0/values",
                    )
                    .iter()
                    .filter_map(Json::as_str)
                    .collect::<Vec<_>>();
                    (binding, values)
                }
            };
            assert!(
                exempt
                    .iter()
                    .any(|entry| entry.contains("legacy-production")),
                "{engine} {environment}: the exception does not exempt legacy-production: {exempt:?}"
            );
            let annotations = object
                .pointer("/metadata/annotations")
                .expect("annotations");
            assert_eq!(annotations["policies.levelup.dev/expires"], "2027-03-31");
        }
        let check = |today: &str| {
            std::process::Command::new(bundle.repo.join("scripts/check-exceptions"))
                .env("TODAY", today)
                .output()
                .expect("runs")
        };
        let valid = check("2027-03-31");
        assert!(
            valid.status.success(),
            "{engine}: {}",
            String::from_utf8_lossy(&valid.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&valid.stdout),
            "check-exceptions: 1 exception(s), none expired on 2027-03-31\n"
        );
        let expired = check("2027-04-01");
        assert_eq!(
            expired.status.code(),
            Some(1),
            "{engine}: an expired exception passes"
        );
        let message = String::from_utf8_lossy(&expired.stderr);
        assert!(
            message.contains(&format!(
                "policies/{engine}/exceptions/disallow-host-path-legacy.yaml:"
            )) && message.contains("expired on 2027-03-31"),
            "{message}"
        );
        support::replace_in(
            &exceptions.join("disallow-host-path-legacy.yaml"),
            "    policies.levelup.dev/owner: \"@acme/legacy\"\n",
            "",
        );
        let ownerless = check("2027-01-01");
        assert_eq!(
            ownerless.status.code(),
            Some(1),
            "{engine}: an exception without owner passes"
        );
        assert!(
            String::from_utf8_lossy(&ownerless.stderr)
                .contains("no policies.levelup.dev/owner annotation")
        );
    }
}

/// CODEOWNERS gives the exceptions, and the check that expires them, to the owners of
/// levelup.yaml: while it names none, no line names an owner; once it does, every line names
/// them for a path the repository holds.
#[test]
fn codeowners_give_the_exceptions_and_their_check_to_the_owners() {
    let workspace = tempfile::tempdir().expect("tempdir");
    let repo = support::init_platform(
        workspace.path(),
        "3",
        "flux",
        &["--policy", "gatekeeper", "--repo", "acme/platform"],
    );
    let rules = |repo: &Path| -> Vec<(String, Vec<String>)> {
        read(&repo.join(".github/CODEOWNERS"))
            .lines()
            .filter(|line| !line.trim().is_empty() && !line.starts_with('#'))
            .map(|line| {
                let mut fields = line.split_whitespace().map(str::to_string);
                let pattern = fields.next().expect("a pattern");
                (pattern, fields.collect())
            })
            .collect()
    };
    assert_eq!(
        rules(&repo),
        [],
        "owners are named before levelup.yaml has any"
    );

    let owners = ["@acme/platform-team", "@alice"];
    support::replace_in(
        &repo.join("levelup.yaml"),
        "owners: []",
        "owners: [\"@acme/platform-team\", \"@alice\"]",
    );
    let output = support::Test::new()
        .current_dir(&repo)
        .home(&workspace.path().join("home"))
        .args(["apply", "--to", "3", "--force"])
        .run()
        .0;
    assert_eq!(support::code(&output), 0, "{}", support::stderr(&output));
    let found = rules(&repo);
    let patterns: Vec<&str> = found.iter().map(|(pattern, _)| pattern.as_str()).collect();
    assert_eq!(
        patterns,
        [
            "*",
            "/policies/gatekeeper/exceptions/",
            "/scripts/check-exceptions",
            "/.github/workflows/policy-test.yaml",
            "/.github/CODEOWNERS"
        ]
    );
    for (pattern, named) in &found {
        assert_eq!(named, &owners, "{pattern}");
        if let Some(path) = pattern.strip_prefix('/') {
            assert!(
                repo.join(path).exists(),
                "CODEOWNERS names {pattern}, which is not there"
            );
        }
    }
}

/// Signatures cannot be verified offline, so the signature policies are checked for what they
/// trust: the platform's own images only (the first entry of restrict-image-sources), signed
/// by the release workflow this repository holds, with the issuer of GitHub's OIDC tokens, in
/// each environment's mode; and for gatekeeper and vap, the policy-controller that applies
/// them fails closed in every application namespace and lets the allow-list's images pass.
#[test]
fn the_signature_policies_trust_only_the_release_workflow_for_the_platforms_own_images() {
    let Some(kubectl) = tool("kubectl") else {
        return;
    };
    let workspace = tempfile::tempdir().expect("tempdir");
    for level in ["4", "5"] {
        for bundle in platforms(&workspace.path().join(level), level) {
            let engine = bundle.engine;
            let repo = &bundle.repo;
            let root = repo.join("policies").join(engine);
            let release = ".github/workflows/release.yaml";
            assert!(repo.join(release).is_file(), "{engine}: no {release}");
            for (environment, production) in
                [("dev", false), ("staging", false), ("production", true)]
            {
                let built = output(
                    std::process::Command::new(&kubectl)
                        .arg("kustomize")
                        .arg(root.join("overlays").join(environment)),
                );
                let objects: Vec<Json> =
                    levelup::yaml::parse_documents(&built).expect("kustomize output");
                let kind = if engine == "kyverno" {
                    "ImageValidatingPolicy"
                } else {
                    "ClusterImagePolicy"
                };
                let policies: Vec<&Json> = objects
                    .iter()
                    .filter(|object| text_at(object, "/kind") == kind)
                    .collect();
                assert_eq!(policies.len(), 1, "{engine} {environment}: one {kind}");
                let policy = policies[0];
                let enforced = level == "5" || production;
                let (globs, identities, mode) = if engine == "kyverno" {
                    assert_eq!(text_at(policy, "/apiVersion"), "policies.kyverno.io/v1");
                    assert_eq!(text_at(policy, "/spec/failurePolicy"), "Fail");
                    assert_eq!(
                        policy.pointer("/spec/validationConfigurations"),
                        Some(
                            &json!({"required": true, "mutateDigest": true, "verifyDigest": true})
                        )
                    );
                    let attestors = list_at(policy, "/spec/attestors");
                    assert_eq!(attestors.len(), 1, "{engine}: one attestor");
                    let name = text_at(&attestors[0], "/name");
                    let validations = list_at(policy, "/spec/validations");
                    // Every image of the pod that is the platform's own, and only those: an
                    // image outside matchImageReferences counts no signature.
                    assert_eq!(validations.len(), 1, "{engine}: one validation");
                    if let Err(error) =
                        cel::Program::compile(text_at(&validations[0], "/expression"))
                    {
                        panic!("{engine}: the validation does not parse: {error}");
                    }
                    let expression: String = text_at(&validations[0], "/expression")
                        .split_whitespace()
                        .collect();
                    assert_eq!(
                        expression,
                        format!(
                            "(images.containers+images.initContainers+images.ephemeralContainers).filter(image,image.startsWith(\"ghcr.io/acme/\")).all(image,verifyImageSignatures(image,[attestors.{name}])>0)"
                        ),
                        "{engine}: the validation"
                    );
                    (
                        list_at(policy, "/spec/matchImageReferences").to_vec(),
                        list_at(&attestors[0], "/cosign/keyless/identities").to_vec(),
                        policy.pointer("/spec/validationActions").cloned(),
                    )
                } else {
                    assert_eq!(
                        text_at(policy, "/apiVersion"),
                        "policy.sigstore.dev/v1beta1"
                    );
                    let authorities = list_at(policy, "/spec/authorities");
                    assert_eq!(authorities.len(), 1, "{engine}: one authority");
                    (
                        list_at(policy, "/spec/images").to_vec(),
                        list_at(&authorities[0], "/keyless/identities").to_vec(),
                        policy.pointer("/spec/mode").cloned(),
                    )
                };
                let expected_mode = match (engine, enforced) {
                    ("kyverno", true) => json!(["Deny"]),
                    ("kyverno", false) => json!(["Audit", "Warn"]),
                    (_, true) => json!("enforce"),
                    (_, false) => json!("warn"),
                };
                assert_eq!(
                    mode,
                    Some(expected_mode),
                    "{engine} level {level} {environment}: mode"
                );
                // The scope: exactly the platform's own registry path.
                let wildcard = if engine == "kyverno" { "*" } else { "**" };
                assert_eq!(
                    globs,
                    [json!({"glob": format!("ghcr.io/acme/{wildcard}")})],
                    "{engine}: the images the policy verifies"
                );
                // The identity: GitHub's OIDC issuer, and the release workflow of this
                // repository at any ref, nothing that merely starts like it.
                assert_eq!(identities.len(), 1, "{engine}: one identity");
                assert_eq!(
                    text_at(&identities[0], "/issuer"),
                    "https://token.actions.githubusercontent.com"
                );
                assert!(text_at(&identities[0], "/subject").is_empty());
                let subject = regex::Regex::new(text_at(&identities[0], "/subjectRegExp"))
                    .unwrap_or_else(|error| panic!("{engine}: subjectRegExp: {error}"));
                let workflow = format!("https://github.com/acme/platform/{release}");
                for trusted in ["@refs/heads/main", "@refs/tags/v1.4.0"] {
                    assert!(
                        subject.is_match(&format!("{workflow}{trusted}")),
                        "{engine}: {trusted}"
                    );
                }
                for forged in [
                    format!("https://github.com/acme/platform-fork/{release}@refs/heads/main"),
                    format!("https://github.com/acme/platform/{release}.bak@refs/heads/main"),
                    "https://github.com/acme/platform/.github/workflows/build.yaml@refs/heads/main"
                        .to_string(),
                    format!("https://githubXcom/acme/platform/{release}@refs/heads/main"),
                    format!(
                        "https://evil.example/?https://github.com/acme/platform/{release}@refs/heads/main"
                    ),
                ] {
                    assert!(!subject.is_match(&forged), "{engine} trusts {forged}");
                }
            }
            // The policy verifies what restrict-image-sources admits as the platform's own.
            let sources = read(&root.join(if engine == "gatekeeper" {
                "base/restrict-image-sources.yaml"
            } else {
                "base/image-signatures/restrict-image-sources.yaml"
            }));
            assert!(
                sources.contains("\"ghcr.io/acme/\"") || sources.contains("- ghcr.io/acme/\n"),
                "{engine}: the own prefix is not in imageSources"
            );
            if engine == "kyverno" {
                assert!(
                    !repo
                        .join("infrastructure/controllers/policy-controller")
                        .exists()
                );
                continue;
            }
            let values: Json = serde_saphyr::from_str(&read(
                &repo.join("infrastructure/controllers/policy-controller/values.yaml"),
            ))
            .expect("values parse");
            assert_eq!(
                values.pointer("/webhook/failurePolicy"),
                Some(&json!("Fail"))
            );
            assert_eq!(
                values.pointer("/webhook/configData/no-match-policy"),
                Some(&json!("allow"))
            );
            let namespaces: Vec<PathBuf> = yaml_files(&repo.join("apps/overlays"))
                .into_iter()
                .filter(|path| path.ends_with("namespace.yaml"))
                .collect();
            assert!(!namespaces.is_empty());
            for namespace in namespaces {
                let object = &documents(&namespace)[0];
                assert_eq!(
                    object.pointer("/metadata/labels/policy.sigstore.dev~1include"),
                    Some(&json!("true")),
                    "{}",
                    namespace.display()
                );
            }
        }
    }
}
