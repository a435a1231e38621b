//! Cluster API: the ClusterClass of each provider against the Clusters that use it. Every
//! variable a Cluster sets is declared, with a schema its value satisfies; every variable
//! declared is applied by a patch; every patch selects a template the class references and
//! lands on a path that template holds, applied in order as Cluster API applies them. And a
//! Kubernetes upgrade is one line of `levelup.yaml` that becomes one line of one Cluster.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value as Json;

use crate::support;

const PROVIDERS: [&str; 4] = ["docker", "aws", "azure", "vsphere"];

use support::yaml_documents as documents;

fn text<'a>(value: &'a Json, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Json::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value}"))
}

/// A template the class references: `(apiVersion, kind, name)`.
type Key = (String, String, String);

fn key_of(reference: &Json) -> Key {
    (
        text(reference, "/apiVersion").to_string(),
        text(reference, "/kind").to_string(),
        text(reference, "/name").to_string(),
    )
}

/// The templates a patch definition's selector picks out of the class.
fn selected(class: &Json, selector: &Json) -> Vec<Key> {
    let api_version = text(selector, "/apiVersion");
    let kind = text(selector, "/kind");
    let resources = &selector["matchResources"];
    let mut candidates = Vec::new();
    if resources["controlPlane"] == Json::Bool(true) {
        candidates.push(key_of(&class["spec"]["controlPlane"]["templateRef"]));
        candidates.push(key_of(
            &class["spec"]["controlPlane"]["machineInfrastructure"]["templateRef"],
        ));
    }
    if resources["infrastructureCluster"] == Json::Bool(true) {
        candidates.push(key_of(&class["spec"]["infrastructure"]["templateRef"]));
    }
    let names: Vec<&str> = resources["machineDeploymentClass"]["names"]
        .as_array()
        .map(|names| names.iter().filter_map(Json::as_str).collect())
        .unwrap_or_default();
    for deployment in class["spec"]["workers"]["machineDeployments"]
        .as_array()
        .expect("worker classes")
    {
        if names.contains(&text(deployment, "/class")) {
            candidates.push(key_of(&deployment["bootstrap"]["templateRef"]));
            candidates.push(key_of(&deployment["infrastructure"]["templateRef"]));
        }
    }
    candidates
        .into_iter()
        .filter(|(version, found, _)| version == api_version && found == kind)
        .collect()
}

/// What a patch writes, as far as its shape goes: the literal value, the Cluster's value of
/// the variable, or the Go template read as YAML with each `{{ ... }}` standing for a word.
fn patch_value(patch: &Json, variables: &BTreeMap<String, Json>) -> Json {
    if let Some(value) = patch.get("value") {
        return value.clone();
    }
    let from = &patch["valueFrom"];
    if let Some(name) = from.get("variable").and_then(Json::as_str) {
        if let Some(builtin) = name.strip_prefix("builtin.") {
            return Json::String(format!("<{builtin}>"));
        }
        return variables
            .get(name)
            .cloned()
            .unwrap_or_else(|| panic!("a patch reads `{name}`, which the Cluster does not set"));
    }
    let template = text(from, "/template");
    let words = regex::Regex::new(r"\{\{-?[^}]*-?\}\}").expect("regex");
    let yaml = words.replace_all(template, "x");
    levelup::yaml::parse_documents(&yaml)
        .unwrap_or_else(|error| panic!("template {template:?} is not YAML: {error}"))
        .into_iter()
        .next()
        .unwrap_or(Json::Null)
}

/// Applies one JSON patch operation to `document`, failing the test when its path does not
/// exist as the operation requires: `replace` the whole path, `add` its parent (and, in a
/// list, an index up to its length or `-`).
fn apply(document: &mut Json, op: &str, path: &str, value: Json, context: &str) {
    let (parent_path, last) = path.rsplit_once('/').expect("a JSON pointer");
    let last = last.replace("~1", "/").replace("~0", "~");
    let parent = document
        .pointer_mut(parent_path)
        .unwrap_or_else(|| panic!("{context}: `{op} {path}`: no {parent_path} in the template"));
    match (op, parent) {
        ("add", Json::Object(map)) => {
            map.insert(last, value);
        }
        ("add", Json::Array(list)) => {
            let index = if last == "-" {
                list.len()
            } else {
                last.parse()
                    .unwrap_or_else(|_| panic!("{context}: `{path}`: `{last}` is no index"))
            };
            assert!(index <= list.len(), "{context}: `{path}` is past the list");
            list.insert(index, value);
        }
        ("replace", Json::Object(map)) => {
            assert!(
                map.contains_key(&last),
                "{context}: `replace {path}`: the template has no `{last}` to replace"
            );
            map.insert(last, value);
        }
        ("replace", Json::Array(list)) => {
            let index: usize = last
                .parse()
                .unwrap_or_else(|_| panic!("{context}: `{path}`: `{last}` is no index"));
            assert!(
                index < list.len(),
                "{context}: `replace {path}`: no element {index}"
            );
            list[index] = value;
        }
        (op, parent) => panic!("{context}: `{op} {path}` on {parent}"),
    }
}

/// Each provider's class and Clusters, from `init --level 4`.
fn classes_and_clusters() -> Vec<(String, Vec<Json>, Vec<Json>)> {
    let workspace = tempfile::tempdir().expect("temp dir");
    PROVIDERS
        .iter()
        .map(|provider| {
            let dir = workspace.path().join(provider);
            std::fs::create_dir_all(&dir).expect("dir");
            let repo = support::init_platform(
                &dir,
                "4",
                "flux",
                &["--provider", provider, "--repo", "acme/platform"],
            );
            let capi = repo.join("clusters/management/capi");
            let class = documents(&capi.join(format!("clusterclasses/{provider}.yaml")));
            let clusters: Vec<Json> = support::file_names(&capi.join("clusters"))
                .iter()
                .flat_map(|name| documents(&capi.join("clusters").join(name)))
                .filter(|document| document["kind"] == "Cluster")
                .collect();
            (provider.to_string(), class, clusters)
        })
        .collect()
}

#[test]
fn every_variable_a_cluster_sets_is_declared_and_every_patch_lands_on_a_path_its_template_holds() {
    for (provider, class_file, clusters) in classes_and_clusters() {
        let class = class_file
            .iter()
            .find(|document| document["kind"] == "ClusterClass")
            .unwrap_or_else(|| panic!("{provider}: no ClusterClass"));
        assert_eq!(
            class["apiVersion"], "cluster.x-k8s.io/v1beta2",
            "{provider}"
        );
        let templates: BTreeMap<Key, &Json> = class_file
            .iter()
            .filter(|document| document["kind"] != "ClusterClass")
            .map(|document| {
                let key = (
                    text(document, "/apiVersion").to_string(),
                    text(document, "/kind").to_string(),
                    text(document, "/metadata/name").to_string(),
                );
                (key, document)
            })
            .collect();
        // Every reference of the class is a template in the same file.
        let spec = &class["spec"];
        let mut references = vec![
            &spec["controlPlane"]["templateRef"],
            &spec["controlPlane"]["machineInfrastructure"]["templateRef"],
            &spec["infrastructure"]["templateRef"],
        ];
        for deployment in spec["workers"]["machineDeployments"]
            .as_array()
            .expect("workers")
        {
            references.push(&deployment["bootstrap"]["templateRef"]);
            references.push(&deployment["infrastructure"]["templateRef"]);
            assert!(
                deployment["healthCheck"]["checks"]["unhealthyNodeConditions"].is_array(),
                "{provider}: worker class without a health check"
            );
        }
        assert!(
            spec["controlPlane"]["healthCheck"]["checks"]["unhealthyNodeConditions"].is_array(),
            "{provider}: control plane without a health check"
        );
        for reference in references {
            assert!(
                templates.contains_key(&key_of(reference)),
                "{provider}: the class references {reference}, which the file does not hold"
            );
        }

        let declared: BTreeMap<&str, &Json> = spec["variables"]
            .as_array()
            .expect("variables")
            .iter()
            .map(|variable| {
                (
                    text(variable, "/name"),
                    &variable["schema"]["openAPIV3Schema"],
                )
            })
            .collect();
        assert!(!clusters.is_empty(), "{provider}: no Cluster");
        for cluster in &clusters {
            let name = text(cluster, "/metadata/name");
            let topology = &cluster["spec"]["topology"];
            assert_eq!(topology["classRef"]["name"], class["metadata"]["name"]);
            let set: BTreeMap<String, Json> = topology["variables"]
                .as_array()
                .expect("variables")
                .iter()
                .map(|variable| {
                    (
                        text(variable, "/name").to_string(),
                        variable["value"].clone(),
                    )
                })
                .collect();
            for (variable, value) in &set {
                let schema = declared.get(variable.as_str()).unwrap_or_else(|| {
                    panic!("{provider}: Cluster {name} sets `{variable}`, which the class does not declare")
                });
                let validator = jsonschema::validator_for(schema).expect("the schema compiles");
                let errors: Vec<String> = validator
                    .iter_errors(value)
                    .map(|error| error.to_string())
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{provider}: Cluster {name}: `{variable}` = {value} breaks its schema: {errors:?}"
                );
            }
            for variable in declared.keys() {
                assert!(
                    set.contains_key(*variable),
                    "{provider}: Cluster {name} leaves the required `{variable}` unset"
                );
            }

            // The patches, in order, on a copy of each template they select.
            let mut patched: BTreeMap<Key, Json> = templates
                .iter()
                .map(|(key, document)| (key.clone(), (*document).clone()))
                .collect();
            let mut applied: Vec<&str> = Vec::new();
            for patch in spec["patches"].as_array().expect("patches") {
                let patch_name = text(patch, "/name");
                for definition in patch["definitions"].as_array().expect("definitions") {
                    let targets = selected(class, &definition["selector"]);
                    assert!(
                        !targets.is_empty(),
                        "{provider}: patch {patch_name} selects no template of the class"
                    );
                    for target in targets {
                        let document = patched.get_mut(&target).expect("a template");
                        for operation in definition["jsonPatches"].as_array().expect("ops") {
                            let path = text(operation, "/path");
                            let value = patch_value(operation, &set);
                            let context = format!("{provider}: patch {patch_name} on {target:?}");
                            apply(document, text(operation, "/op"), path, value, &context);
                            if let Some(variable) = operation
                                .pointer("/valueFrom/variable")
                                .and_then(Json::as_str)
                            {
                                applied.push(variable);
                            }
                            if let Some(template) = operation
                                .pointer("/valueFrom/template")
                                .and_then(Json::as_str)
                            {
                                applied.extend(
                                    declared
                                        .keys()
                                        .filter(|name| template.contains(&format!(".{name}"))),
                                );
                            }
                        }
                    }
                }
                if let Some(condition) = patch.get("enabledIf").and_then(Json::as_str) {
                    applied.extend(
                        declared
                            .keys()
                            .filter(|name| condition.contains(&format!(".{name}"))),
                    );
                }
            }
            for variable in declared.keys() {
                assert!(
                    applied.contains(variable),
                    "{provider}: the class declares `{variable}`, but no patch applies it"
                );
            }
        }
    }
}

#[test]
fn the_providers_use_the_api_versions_they_serve_and_git_holds_no_credential() {
    let expected = [
        (
            "docker",
            "infrastructure.cluster.x-k8s.io/v1beta2",
            "DevMachineTemplate",
        ),
        (
            "aws",
            "infrastructure.cluster.x-k8s.io/v1beta2",
            "AWSMachineTemplate",
        ),
        (
            "azure",
            "infrastructure.cluster.x-k8s.io/v1beta1",
            "AzureMachineTemplate",
        ),
        (
            "vsphere",
            "infrastructure.cluster.x-k8s.io/v1beta1",
            "VSphereMachineTemplate",
        ),
    ];
    for ((provider, class_file, _), (name, api_version, kind)) in
        classes_and_clusters().into_iter().zip(expected)
    {
        assert_eq!(provider, name);
        let class = &class_file[0];
        let machine = &class["spec"]["controlPlane"]["machineInfrastructure"]["templateRef"];
        assert_eq!(
            (text(machine, "/apiVersion"), text(machine, "/kind")),
            (api_version, kind)
        );
        for document in &class_file {
            let version = text(document, "/apiVersion");
            if version.starts_with("controlplane.") || version.starts_with("bootstrap.") {
                assert!(version.ends_with("/v1beta2"), "{provider}: {version}");
            }
            assert_ne!(document["kind"], "Secret", "{provider}: a Secret in git");
        }
    }
}

/// A platform at level 5 on `provider` with its clusters written out in levelup.yaml.
fn platform_with_clusters(workspace: &Path, provider: &str) -> std::path::PathBuf {
    let repo = support::init_platform(
        workspace,
        "5",
        "flux",
        &["--provider", provider, "--repo", "acme/platform"],
    );
    let config = repo.join("levelup.yaml");
    let mut text = std::fs::read_to_string(&config).expect("levelup.yaml");
    text.push_str(
        "clusters:\n  - name: dev\n    environment: dev\n    kubernetes_version: v1.34.0\n  - name: staging\n    environment: staging\n    kubernetes_version: v1.34.0\n  - name: production\n    environment: production\n    kubernetes_version: v1.34.0\n    control_plane_nodes: 3\n",
    );
    std::fs::write(&config, text).expect("levelup.yaml");
    let home = workspace.join("home");
    let applied = support::Test::new()
        .current_dir(&repo)
        .home(&home)
        .args(["apply", "--to", "5"])
        .run()
        .0;
    assert_eq!(support::code(&applied), 0, "{}", support::stderr(&applied));
    support::git_in(&home, &repo, &["add", "-A"]);
    support::git_in(&home, &repo, &["commit", "-qm", "clusters"]);
    repo
}

#[test]
fn a_kubernetes_upgrade_is_one_line_in_levelup_yaml_and_one_line_of_one_cluster() {
    for provider in ["docker", "aws"] {
        let workspace = tempfile::tempdir().expect("temp dir");
        let repo = platform_with_clusters(workspace.path(), provider);
        let home = workspace.path().join("home");
        let config = repo.join("levelup.yaml");
        let text = std::fs::read_to_string(&config).expect("levelup.yaml");
        let upgraded = text.replacen(
            "name: staging\n    environment: staging\n    kubernetes_version: v1.34.0",
            "name: staging\n    environment: staging\n    kubernetes_version: v1.35.0",
            1,
        );
        assert_ne!(text, upgraded);
        std::fs::write(&config, upgraded).expect("levelup.yaml");
        support::git_in(&home, &repo, &["commit", "-qam", "upgrade staging"]);

        let applied = support::Test::new()
            .current_dir(&repo)
            .home(&home)
            .args(["apply", "--to", "5"])
            .run()
            .0;
        assert_eq!(support::code(&applied), 0, "{}", support::stderr(&applied));
        // Of the platform's files (levelup's own state in .levelup/ aside), one changed.
        let status = support::git_in(&home, &repo, &["status", "--porcelain"]);
        let changed: Vec<&str> = status
            .lines()
            .map(|line| line[3..].trim())
            .filter(|path| !path.starts_with(".levelup/"))
            .collect();
        assert_eq!(
            changed,
            ["clusters/management/capi/clusters/staging.yaml"],
            "{provider}"
        );
        let diff = support::git_in(
            &home,
            &repo,
            &[
                "diff",
                "-U0",
                "--no-color",
                "clusters/management/capi/clusters/staging.yaml",
            ],
        );
        let lines: Vec<&str> = diff
            .lines()
            .filter(|line| {
                (line.starts_with('+') || line.starts_with('-'))
                    && !line.starts_with("+++")
                    && !line.starts_with("---")
            })
            .collect();
        assert_eq!(
            lines,
            ["-    version: v1.34.0", "+    version: v1.35.0"],
            "{provider}"
        );
    }
}
