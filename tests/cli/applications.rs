//! Applications: each `delivery` (a Kustomize base or a Helm chart), what deploys it with
//! each GitOps engine, and the namespace per application and environment.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Test, code, home_with_git_identity, replace_in, stderr, stdout};

const WEB: &str = "web=ghcr.io/acme/web:1.4.0:8080";
const API: &str = "api=registry.example.com:5000/acme/api:2.0.1:9000:helm";
const ENVIRONMENTS: [&str; 3] = ["dev", "staging", "production"];

struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let dir = tempfile::tempdir().expect("temporary folder");
        home_with_git_identity(&dir.path().join("home"));
        Workspace { dir }
    }

    fn run(&self, cwd: &Path, args: &[&str]) -> std::process::Output {
        Test::new()
            .current_dir(cwd)
            .home(&self.dir.path().join("home"))
            .args(args)
            .run()
            .0
    }

    /// `levelup init NAME --level LEVEL --gitops GITOPS` with `apps`.
    fn init(&self, name: &str, level: &str, gitops: &str, apps: &[&str]) -> PathBuf {
        let mut args = vec!["init", name, "--level", level, "--gitops", gitops];
        for app in apps {
            args.extend(["--app", app]);
        }
        let output = self.run(self.dir.path(), &args);
        assert_eq!(code(&output), 0, "init failed: {}", stderr(&output));
        self.dir.path().join(name)
    }

    fn commit(&self, repo: &Path, message: &str) {
        let status = std::process::Command::new("git")
            .args(["commit", "-qam", message])
            .current_dir(repo)
            .env("HOME", self.dir.path().join("home"))
            .status()
            .expect("git");
        assert!(status.success());
    }
}

/// Every file of the repository but git's and levelup's own, by path.
fn files(root: &Path) -> BTreeSet<String> {
    fn walk(root: &Path, dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("read dir") {
            let path = entry.expect("entry").path();
            let relative = path
                .strip_prefix(root)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            if relative == ".git" || relative == ".levelup" {
                continue;
            }
            if path.is_dir() {
                walk(root, &path, found);
            } else {
                found.insert(relative);
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(root, root, &mut found);
    found
}

/// The YAML documents of a file, as JSON values.
fn documents(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|_| panic!("read {}", path.display()));
    serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn document(path: &Path) -> Value {
    let mut all = documents(path);
    assert_eq!(all.len(), 1, "{}", path.display());
    all.remove(0)
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Helm's merge of values files: maps merge key by key, anything else is replaced.
fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(base), Value::Object(over)) => {
            for (key, value) in over {
                merge(base.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (base, over) => *base = over.clone(),
    }
}

/// Each application's own folder in every overlay at level 1: a namespace `<app>-<env>` that
/// reports against the restricted Pod Security standard, listed by the overlay.
fn assert_namespaces(repo: &Path, apps: &[&str]) {
    for environment in ENVIRONMENTS {
        let overlay = repo.join("apps/overlays").join(environment);
        let listed = strings(&document(&overlay.join("kustomization.yaml"))["resources"]);
        assert_eq!(listed, apps, "{environment}");
        for app in apps {
            let folder = overlay.join(app);
            let namespace = format!("{app}-{environment}");
            assert_eq!(
                document(&folder.join("kustomization.yaml"))["namespace"],
                namespace.as_str()
            );
            let object = document(&folder.join("namespace.yaml"));
            assert_eq!(object["kind"], "Namespace");
            assert_eq!(object["metadata"]["name"], namespace.as_str());
            // Level 1 reports against restricted and refuses nothing yet (policies.rs checks
            // every level against blueprints/policies/bundle.yaml).
            let labels = &object["metadata"]["labels"];
            assert_eq!(labels["pod-security.kubernetes.io/enforce"], Value::Null);
            assert_eq!(labels["pod-security.kubernetes.io/audit"], "restricted");
            assert_eq!(labels["pod-security.kubernetes.io/warn"], "restricted");
            let policies: Vec<Value> = documents(&folder.join("networkpolicies.yaml"));
            assert_eq!(policies[0]["metadata"]["name"], "default-deny-all");
            assert_eq!(policies[0]["spec"]["podSelector"], serde_json::json!({}));
        }
    }
}

#[test]
fn each_delivery_gets_its_own_files_and_flux_installs_the_chart() {
    let workspace = Workspace::new();
    let repo = workspace.init("flux-platform", "1", "flux", &[WEB, API]);
    let all = files(&repo);
    // The Kustomize application has a base and no chart; the Helm one the reverse.
    assert!(all.contains("apps/base/web/deployment.yaml"));
    assert!(!all.iter().any(|path| path.starts_with("charts/web/")));
    assert!(!all.iter().any(|path| path.starts_with("apps/base/api/")));
    let chart: BTreeSet<&str> = all
        .iter()
        .filter_map(|path| path.strip_prefix("charts/api/"))
        .collect();
    assert_eq!(
        chart,
        BTreeSet::from([
            ".helmignore",
            "Chart.yaml",
            "values.yaml",
            "values.schema.json",
            "templates/_helpers.tpl",
            "templates/deployment.yaml",
            "templates/networkpolicy.yaml",
            "templates/service.yaml",
            "templates/serviceaccount.yaml",
        ]),
        "level 1 has no PodDisruptionBudget or autoscaler yet"
    );
    let metadata = document(&repo.join("charts/api/Chart.yaml"));
    assert_eq!(
        (metadata["apiVersion"].as_str(), metadata["name"].as_str()),
        (Some("v2"), Some("api"))
    );
    let values = document(&repo.join("charts/api/values.yaml"));
    assert_eq!(values["image"], "registry.example.com:5000/acme/api:2.0.1");
    assert_eq!(values["port"], 9000);
    // The chart's templates reach the file as Helm wrote them, braces and all.
    let deployment =
        std::fs::read_to_string(repo.join("charts/api/templates/deployment.yaml")).expect("read");
    assert!(
        deployment.contains("name: {{ include \"app.fullname\" . }}"),
        "{deployment}"
    );
    assert_namespaces(&repo, &["web", "api"]);
    assert!(!all.iter().any(|path| path.starts_with("argocd/")));

    for environment in ENVIRONMENTS {
        let folder = repo.join("apps/overlays").join(environment);
        let web = strings(&document(&folder.join("web/kustomization.yaml"))["resources"]);
        assert!(web.contains(&"../../../base/web".to_string()), "{web:?}");
        let api = strings(&document(&folder.join("api/kustomization.yaml"))["resources"]);
        assert!(api.contains(&"helmrelease.yaml".to_string()), "{api:?}");
        let release = document(&folder.join("api/helmrelease.yaml"));
        assert_eq!(release["apiVersion"], "helm.toolkit.fluxcd.io/v2");
        assert_eq!(release["kind"], "HelmRelease");
        let spec = &release["spec"]["chart"]["spec"];
        // The chart and its values come from this repository, through the source the
        // cluster's FluxInstance creates: every path must exist.
        assert_eq!(
            spec["sourceRef"],
            serde_json::json!({"kind": "GitRepository", "name": "flux-system", "namespace": "flux-system"})
        );
        assert_eq!(spec["chart"], "./charts/api");
        assert!(repo.join("charts/api/Chart.yaml").is_file());
        let values_files = strings(&spec["valuesFiles"]);
        assert_eq!(
            values_files,
            [
                "./charts/api/values.yaml".to_string(),
                format!("./apps/overlays/{environment}/api-values.yaml")
            ]
        );
        for file in &values_files {
            assert!(repo.join(file).is_file(), "{file}");
        }
    }
}

#[test]
fn argo_cd_installs_the_chart_on_every_cluster_with_its_environments_values() {
    let workspace = Workspace::new();
    let repo = workspace.init("argo-platform", "1", "argocd", &[WEB, API]);
    let all = files(&repo);
    assert!(
        !all.iter().any(|path| path.ends_with("helmrelease.yaml")),
        "no Flux objects"
    );
    assert_namespaces(&repo, &["web", "api"]);
    let set = document(&repo.join("argocd/applicationsets/api.yaml"));
    assert_eq!(set["kind"], "ApplicationSet");
    assert_eq!(set["spec"]["goTemplate"], true);
    let elements = set["spec"]["generators"][0]["list"]["elements"]
        .as_array()
        .expect("elements")
        .clone();
    let clusters: Vec<(String, String)> = elements
        .iter()
        .map(|e| {
            (
                e["cluster"].as_str().unwrap_or_default().to_string(),
                e["environment"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        clusters,
        ENVIRONMENTS.map(|env| (env.to_string(), env.to_string())),
        "one element per cluster, the default one per environment"
    );
    let spec = &set["spec"]["template"]["spec"];
    // The Go templates reach the file untouched, for the ApplicationSet controller.
    assert_eq!(spec["destination"]["namespace"], "api-{{ .environment }}");
    assert_eq!(spec["destination"]["name"], "{{ .cluster }}");
    let sources = spec["sources"].as_array().expect("sources");
    assert_eq!(sources[0]["path"], "charts/api");
    assert_eq!(sources[1]["ref"], "values");
    let value_files = strings(&sources[0]["helm"]["valueFiles"]);
    assert_eq!(
        value_files,
        ["$values/apps/overlays/{{ .environment }}/api-values.yaml"]
    );
    // What the controller fills in names a file for every element.
    for (_, environment) in &clusters {
        let path = value_files[0]
            .replace("$values/", "")
            .replace("{{ .environment }}", environment);
        assert!(repo.join(&path).is_file(), "{path}");
    }
}

#[test]
fn the_values_schema_accepts_each_environment_and_refuses_invalid_values() {
    let workspace = Workspace::new();
    for level in ["1", "2"] {
        let repo = workspace.init(&format!("level-{level}"), level, "flux", &[API]);
        let schema: Value = serde_json::from_str(
            &std::fs::read_to_string(repo.join("charts/api/values.schema.json")).expect("read"),
        )
        .expect("JSON");
        let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
        let defaults = document(&repo.join("charts/api/values.yaml"));
        assert!(validator.is_valid(&defaults), "level {level}: {defaults}");
        for environment in ENVIRONMENTS {
            let mut merged = defaults.clone();
            merge(
                &mut merged,
                &document(&repo.join(format!("apps/overlays/{environment}/api-values.yaml"))),
            );
            let errors: Vec<String> = validator
                .iter_errors(&merged)
                .map(|e| e.to_string())
                .collect();
            assert!(
                errors.is_empty(),
                "level {level}, {environment}: {errors:?}"
            );
        }
        for (what, bad) in [
            ("an unknown key", serde_json::json!({"replicas": 3})),
            ("a count below one", serde_json::json!({"replicaCount": 0})),
            ("a port out of range", serde_json::json!({"port": 70000})),
            (
                "a memory limit that is no quantity",
                serde_json::json!({"resources": {"limits": {"memory": "lots"}}}),
            ),
            (
                "an image with a space",
                serde_json::json!({"image": "acme/api 2"}),
            ),
        ] {
            let mut merged = defaults.clone();
            merge(&mut merged, &bad);
            assert!(
                !validator.is_valid(&merged),
                "level {level}: {what} is refused"
            );
        }
        if level == "2" {
            let mut merged = defaults.clone();
            merge(
                &mut merged,
                &serde_json::json!({"autoscaling": {"targetCPUUtilizationPercentage": 150}}),
            );
            assert!(!validator.is_valid(&merged), "a target above 100%");
        }
    }
}

#[test]
fn level_2_adds_disruption_budgets_autoscalers_and_namespace_quotas() {
    let workspace = Workspace::new();
    let repo = workspace.init("operate", "2", "flux", &[WEB, API]);
    let base = document(&repo.join("apps/base/web/kustomization.yaml"));
    let resources = strings(&base["resources"]);
    assert!(
        resources.contains(&"pdb.yaml".to_string()) && resources.contains(&"hpa.yaml".to_string()),
        "{resources:?}"
    );
    let budget = document(&repo.join("apps/base/web/pdb.yaml"));
    assert_eq!(
        (budget["apiVersion"].as_str(), budget["kind"].as_str()),
        (Some("policy/v1"), Some("PodDisruptionBudget"))
    );
    let autoscaler = document(&repo.join("apps/base/web/hpa.yaml"));
    assert_eq!(autoscaler["apiVersion"], "autoscaling/v2");
    assert_eq!(autoscaler["spec"]["scaleTargetRef"]["name"], "web");
    // The autoscaler owns the replica count: the Deployment no longer fixes it.
    let deployment = document(&repo.join("apps/base/web/deployment.yaml"));
    assert!(deployment["spec"].get("replicas").is_none(), "{deployment}");
    assert!(repo.join("charts/api/templates/pdb.yaml").is_file());
    assert!(repo.join("charts/api/templates/hpa.yaml").is_file());
    let values = document(&repo.join("charts/api/values.yaml"));
    assert_eq!(values["autoscaling"]["enabled"], true);
    assert_eq!(values["podDisruptionBudget"]["enabled"], true);
    for environment in ENVIRONMENTS {
        for app in ["web", "api"] {
            let folder = repo.join("apps/overlays").join(environment).join(app);
            let listed = strings(&document(&folder.join("kustomization.yaml"))["resources"]);
            for file in ["resourcequota.yaml", "limitrange.yaml"] {
                assert!(
                    listed.contains(&file.to_string()),
                    "{environment}/{app}: {listed:?}"
                );
            }
            assert_eq!(
                document(&folder.join("resourcequota.yaml"))["kind"],
                "ResourceQuota"
            );
            assert_eq!(
                document(&folder.join("limitrange.yaml"))["kind"],
                "LimitRange"
            );
        }
    }
}

#[test]
fn switching_an_applications_delivery_replaces_its_base_with_a_chart() {
    let workspace = Workspace::new();
    let repo = workspace.init("switch", "1", "flux", &[WEB]);
    replace_in(
        &repo.join("levelup.yaml"),
        "delivery: kustomize",
        "delivery: helm",
    );
    workspace.commit(&repo, "deliver web with Helm");
    let output = workspace.run(&repo, &["apply", "--to", "1"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("removed       apps/base/web/deployment.yaml\n"),
        "{out}"
    );
    assert!(
        out.contains("created       charts/web/Chart.yaml\n"),
        "{out}"
    );
    assert!(
        out.contains("created       apps/overlays/dev/web/helmrelease.yaml\n"),
        "{out}"
    );
    assert!(
        out.contains("updated       apps/overlays/dev/web/kustomization.yaml\n"),
        "{out}"
    );
    assert!(
        !files(&repo)
            .iter()
            .any(|path| path.starts_with("apps/base/")),
        "no file of the base is left"
    );
    let listed =
        strings(&document(&repo.join("apps/overlays/dev/web/kustomization.yaml"))["resources"]);
    assert!(
        !listed.iter().any(|entry| entry.contains("base")),
        "{listed:?}"
    );
}

#[test]
fn a_misspelt_delivery_names_the_file_line_and_the_nearest_value() {
    let workspace = Workspace::new();
    let repo = workspace.init("misspelt", "1", "flux", &[WEB]);
    replace_in(
        &repo.join("levelup.yaml"),
        "delivery: kustomize",
        "delivery: helms",
    );
    let output = workspace.run(&repo, &["apply", "--to", "1"]);
    assert_eq!(code(&output), 2);
    let err = stderr(&output);
    assert!(err.contains("unknown variant `helms`"), "{err}");
    assert!(err.contains("hint: did you mean `helm`?"), "{err}");
    let line = std::fs::read_to_string(repo.join("levelup.yaml"))
        .expect("read")
        .lines()
        .position(|line| line.contains("helms"))
        .expect("the line")
        + 1;
    assert!(err.contains(&format!("levelup.yaml:{line}")), "{err}");
}

#[test]
fn apply_from_level_1_to_5_keeps_an_edit_in_an_overlay_and_in_a_charts_values() {
    let workspace = Workspace::new();
    let repo = workspace.init("climbing-platform", "1", "flux", &[WEB, API]);
    let values = repo.join("charts/api/values.yaml");
    replace_in(
        &values,
        "imagePullPolicy: Always",
        "imagePullPolicy: IfNotPresent # ours",
    );
    // Level 2 adds the quota and limit range to this list, next to our patch.
    let overlay = repo.join("apps/overlays/dev/web/kustomization.yaml");
    let patch = "patches:\n  - target: {kind: Deployment, name: web}\n    patch: |-\n      - op: replace\n        path: /spec/replicas\n        value: 1\n";
    let level_1_overlay = std::fs::read_to_string(&overlay).expect("read");
    assert!(
        !level_1_overlay.contains("resourcequota.yaml"),
        "{level_1_overlay}"
    );
    std::fs::write(&overlay, format!("{level_1_overlay}{patch}")).expect("write");
    workspace.commit(
        &repo,
        "pull the image only when missing, one replica in dev",
    );
    for level in ["2", "3", "4", "5"] {
        let output = workspace.run(&repo, &["apply", "--to", level]);
        assert_eq!(code(&output), 0, "level {level}: {}", stderr(&output));
        if level == "2" {
            for merged in [
                "charts/api/values.yaml",
                "apps/overlays/dev/web/kustomization.yaml",
            ] {
                assert!(
                    stdout(&output).contains(&format!("merged        {merged}\n")),
                    "{}",
                    stdout(&output)
                );
            }
        }
        commit_all(&workspace, &repo, &format!("level {level}"));
    }
    let text = std::fs::read_to_string(&values).expect("read");
    assert!(
        text.contains("imagePullPolicy: IfNotPresent # ours"),
        "{text}"
    );
    assert!(
        text.contains("autoscaling:"),
        "level 2's values arrived: {text}"
    );
    // Apart from the edit, the files are those of a fresh init at level 5.
    let fresh = workspace.init("fresh-platform", "5", "flux", &[WEB, API]);
    assert_eq!(files(&repo), files(&fresh));
    for path in files(&fresh) {
        if path == "levelup.yaml" {
            continue;
        }
        let ours = std::fs::read_to_string(repo.join(&path)).expect("read");
        let theirs = std::fs::read_to_string(fresh.join(&path))
            .expect("read")
            .replace("fresh-platform", "climbing-platform");
        if path == "apps/overlays/dev/web/kustomization.yaml" {
            assert!(theirs.contains("resourcequota.yaml"), "{theirs}");
            assert_eq!(ours, format!("{theirs}{patch}"));
        } else if path == "charts/api/values.yaml" {
            assert_eq!(
                ours,
                theirs.replace(
                    "imagePullPolicy: Always",
                    "imagePullPolicy: IfNotPresent # ours"
                )
            );
        } else {
            assert_eq!(ours, theirs, "{path}");
        }
    }
}

/// Commits everything, even when a level changed nothing.
fn commit_all(workspace: &Workspace, repo: &Path, message: &str) {
    for args in [
        &["add", "-A"][..],
        &["commit", "-q", "--allow-empty", "-m", message][..],
    ] {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(repo)
            .env("HOME", workspace.dir.path().join("home"))
            .status()
            .expect("git");
        assert!(status.success(), "git {args:?}");
    }
}

/// The values file of every platform controller the repository has.
fn controller_values(repo: &Path) -> BTreeSet<String> {
    files(repo)
        .into_iter()
        .filter(|path| {
            path.strip_prefix("infrastructure/controllers/")
                .is_some_and(|rest| {
                    rest.ends_with("/values.yaml") && rest.matches('/').count() == 1
                })
        })
        .collect()
}

#[test]
fn apply_from_level_2_to_5_keeps_an_edit_to_every_controllers_values() {
    for gitops in ["flux", "argocd"] {
        let workspace = Workspace::new();
        let repo = workspace.init("controlled-platform", "1", gitops, &[WEB, API]);
        let mut edited: BTreeSet<String> = BTreeSet::new();
        for level in ["2", "3", "4", "5"] {
            let output = workspace.run(&repo, &["apply", "--to", level]);
            assert_eq!(code(&output), 0, "{gitops} {level}: {}", stderr(&output));
            commit_all(&workspace, &repo, &format!("level {level}"));
            // Every edit made so far survived this level's update.
            for path in &edited {
                let text = std::fs::read_to_string(repo.join(path)).expect("read");
                assert!(
                    text.contains("# ours\nextra: true\n"),
                    "{gitops} {level}: {path}\n{text}"
                );
            }
            // Edit the values of each controller this level brought.
            let new: Vec<String> = controller_values(&repo)
                .difference(&edited)
                .cloned()
                .collect();
            if new.is_empty() {
                continue;
            }
            for path in &new {
                let file = repo.join(path);
                let text = std::fs::read_to_string(&file).expect("read");
                std::fs::write(&file, format!("{text}# ours\nextra: true\n")).expect("write");
                edited.insert(path.clone());
            }
            commit_all(&workspace, &repo, &format!("our values at level {level}"));
        }
        assert!(
            edited.contains("infrastructure/controllers/cert-manager/values.yaml"),
            "{gitops}: {edited:?}"
        );
    }
}

#[test]
fn applications_named_like_yaml_words_render_valid_yaml_at_level_5_with_either_engine() {
    // `on`, `y`, `no` are valid names that YAML 1.1 readers take for booleans, so the
    // templates quote them; a name written with a suffix (`on-primary`) must not be.
    let workspace = Workspace::new();
    for gitops in ["flux", "argocd"] {
        let repo = workspace.init(
            &format!("words-{gitops}"),
            "5",
            gitops,
            &[
                "on=ghcr.io/acme/on:1.0.0:8080",
                "y=ghcr.io/acme/y:1.0.0:9000:helm",
            ],
        );
        let yaml: Vec<String> = files(&repo)
            .into_iter()
            .filter(|path| path.ends_with(".yaml") || path.ends_with(".yml"))
            .filter(|path| !path.contains("/templates/"))
            .collect();
        assert!(yaml.len() > 100, "{gitops}: {} files", yaml.len());
        for path in &yaml {
            for object in documents(&repo.join(path)) {
                // The names that carry the application's: never a quoted word with a tail.
                let name = object["metadata"]["name"].as_str().unwrap_or_default();
                assert!(!name.contains('"'), "{gitops}: {path}: {name}");
            }
        }
        let canary = if gitops == "flux" {
            "apps/overlays/dev/on/metrictemplate.yaml"
        } else {
            "apps/overlays/dev/on/analysistemplate.yaml"
        };
        assert_eq!(
            document(&repo.join(canary))["metadata"]["name"],
            "on-error-rate"
        );
        // Flagger creates a Helm application's Service; Argo Rollouts needs the chart's.
        for environment in ENVIRONMENTS {
            let values = document(&repo.join(format!("apps/overlays/{environment}/y-values.yaml")));
            let chart_service = values["service"]["enabled"].as_bool().unwrap_or(true);
            let canary = repo.join(format!("apps/overlays/{environment}/y/canary.yaml"));
            assert_eq!(
                chart_service,
                !canary.exists(),
                "{gitops} {environment}: {values}"
            );
        }
    }
}
