//! The generated GitHub workflows, read as parsed YAML: which workflows a platform
//! gets, what triggers each, what each job may do (its `permissions`), and that
//! every action it uses is one of `blueprints/pins.yaml`, by its full commit SHA.
//! A new workflow, trigger or permission fails here until its expectation is written
//! down below, where a reviewer sees it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

/// A workflow as it must be: its triggers (with their settings) and, per job, its
/// permissions.
struct Expected {
    file: &'static str,
    triggers: Value,
    jobs: &'static [(&'static str, &'static [(&'static str, &'static str)])],
}

fn expected() -> Vec<Expected> {
    vec![Expected {
        file: "validate.yaml",
        triggers: json!({"pull_request": null, "push": {"branches": ["main"]}}),
        jobs: &[("validate", &[("contents", "read")])],
    }]
}

/// `action → (sha, version)` from `blueprints/pins.yaml`.
fn pins() -> BTreeMap<String, (String, String)> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/pins.yaml"))
            .expect("pins.yaml");
    let pins: BTreeMap<String, Value> = serde_saphyr::from_str(&text).expect("pins.yaml parses");
    pins.values()
        .map(|pin| {
            let field = |key: &str| pin[key].as_str().expect(key).to_string();
            (field("action"), (field("sha"), field("version")))
        })
        .collect()
}

fn platform(workspace: &Path, level: &str, gitops: &str) -> std::path::PathBuf {
    crate::support::init_platform(workspace, level, gitops, &["--repo", "acme/platform"])
}

/// Every `uses:` line of a workflow: `(line number, reference, trailing comment)`.
fn uses_lines(text: &str) -> Vec<(usize, String, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(number, line)| {
            let rest = line.trim_start().trim_start_matches("- ").trim_start();
            let rest = rest.strip_prefix("uses:")?;
            let (reference, comment) = rest.split_once('#').unwrap_or((rest, ""));
            Some((
                number + 1,
                reference.trim().trim_matches(['"', '\'']).to_string(),
                comment.trim().to_string(),
            ))
        })
        .collect()
}

fn check_workflow(path: &Path, expected: &Expected, pins: &BTreeMap<String, (String, String)>) {
    let name = path.display();
    let text = std::fs::read_to_string(path).expect("workflow");
    let workflow: Value = serde_saphyr::from_str(&text).expect("workflow parses");
    // Triggers exactly as expected; no `pull_request_target` can slip in.
    assert_eq!(workflow["on"], expected.triggers, "{name}: triggers");
    // Nothing at the top; each job exactly what it is expected to use.
    assert_eq!(
        workflow["permissions"],
        json!({}),
        "{name}: top-level permissions"
    );
    let jobs = workflow["jobs"].as_object().expect("jobs");
    let names: BTreeSet<&str> = jobs.keys().map(String::as_str).collect();
    let expected_names: BTreeSet<&str> = expected.jobs.iter().map(|(job, _)| *job).collect();
    assert_eq!(names, expected_names, "{name}: jobs");
    for (job, permissions) in expected.jobs {
        let wanted: serde_json::Map<String, Value> = permissions
            .iter()
            .map(|(scope, level)| (scope.to_string(), json!(level)))
            .collect();
        assert_eq!(
            jobs[*job]["permissions"],
            Value::Object(wanted),
            "{name}: permissions of job {job}"
        );
    }
    // Every action is a pin of pins.yaml, by SHA, with that pin's version in the comment.
    let uses = uses_lines(&text);
    assert!(!uses.is_empty(), "{name}: no action at all");
    for (line, reference, comment) in uses {
        if reference.starts_with("./") {
            continue; // an action or workflow of the repository itself
        }
        let (action, sha) = reference
            .split_once('@')
            .unwrap_or_else(|| panic!("{name}:{line}: `{reference}` has no @"));
        let (pinned_sha, version) = pins
            .get(action)
            .unwrap_or_else(|| panic!("{name}:{line}: {action} is not in pins.yaml"));
        assert_eq!(sha, pinned_sha, "{name}:{line}: {action}");
        assert_eq!(&comment, version, "{name}:{line}: {action}");
    }
}

#[test]
fn every_workflow_has_its_triggers_its_permissions_and_pinned_actions() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let pins = pins();
    for (level, gitops) in [("1", "flux"), ("5", "flux"), ("5", "argocd")] {
        let repo = platform(workspace.path(), level, gitops);
        let folder = repo.join(".github/workflows");
        let found = crate::support::file_names(&folder);
        let expectations = expected();
        let known: BTreeSet<String> = expectations.iter().map(|e| e.file.to_string()).collect();
        assert_eq!(found, known, "level {level}, {gitops}: the workflows");
        for expectation in &expectations {
            check_workflow(&folder.join(expectation.file), expectation, &pins);
        }
    }
}

#[test]
fn the_uses_reader_finds_steps_and_jobs() {
    let text = "jobs:\n  a:\n    steps:\n      - uses: actions/checkout@abc # v1\n      - name: x\n        uses: \"docker/login-action@def\"\n  b:\n    uses: ./.github/workflows/build.yaml\n";
    assert_eq!(
        uses_lines(text),
        [
            (4, "actions/checkout@abc".to_string(), "v1".to_string()),
            (6, "docker/login-action@def".to_string(), String::new()),
            (
                8,
                "./.github/workflows/build.yaml".to_string(),
                String::new()
            ),
        ]
    );
}
