//! The generated GitHub workflows, read as parsed YAML: which workflows a platform
//! gets, what triggers each, what each job may do (its `permissions`), and that
//! every action it uses is one of `blueprints/pins.yaml`, by its full commit SHA.
//! A new workflow, trigger or permission fails here until its expectation is written
//! down below, where a reviewer sees it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::{Value, json};

/// A workflow as it must be: the levels whose platforms have it so, its triggers (with
/// their settings) and, per job, its permissions.
struct Expected {
    file: &'static str,
    /// The levels whose platforms have it in this shape.
    levels: (u8, u8),
    triggers: Value,
    jobs: &'static [(&'static str, &'static [(&'static str, &'static str)])],
}

const READ: &[(&str, &str)] = &[("contents", "read")];
const SARIF: &[(&str, &str)] = &[("contents", "read"), ("security-events", "write")];
/// A scan that pulls the applications' images, which may be private.
const PULL_SARIF: &[(&str, &str)] = &[
    ("contents", "read"),
    ("packages", "read"),
    ("security-events", "write"),
];
const PROMOTE: &[(&str, &str)] = &[("contents", "write")];
const RELEASE: &[(&str, &str)] = &[
    ("contents", "read"),
    ("packages", "write"),
    ("id-token", "write"),
    ("attestations", "write"),
    ("artifact-metadata", "write"),
];
const VERIFY: &[(&str, &str)] = &[
    ("contents", "read"),
    ("packages", "read"),
    ("attestations", "read"),
];
/// The one reference that is not a commit SHA: slsa-verifier checks the generator by tag.
const SLSA_GENERATOR: &str =
    "slsa-framework/slsa-github-generator/.github/workflows/generator_container_slsa3.yml@v2.1.0";

fn expected() -> Vec<Expected> {
    let pull_request_and_main = json!({"pull_request": null, "push": {"branches": ["main"]}});
    let release_call = json!({"workflow_call": {
        "inputs": {
            "context": {"description": "The build context, relative to the caller's repository", "type": "string", "default": "."},
            "file": {"description": "The Containerfile, relative to the caller's repository", "type": "string", "default": "Dockerfile"},
            "platforms": {"description": "The platforms to build for, such as linux/amd64,linux/arm64", "type": "string", "default": "linux/amd64"},
        },
        "outputs": {
            "image": {"description": "The image's name, without a tag", "value": "${{ jobs.release.outputs.image }}"},
            "digest": {"description": "The digest of the released image, which the deploy workflow promotes", "value": "${{ jobs.release.outputs.digest }}"},
        },
    }});
    let dispatch = json!({"workflow_dispatch": {"inputs": {
        "application": {"description": "The application to promote, as named in levelup.yaml", "type": "string", "required": true},
        "image": {"description": "The released image by digest, registry/name@sha256:...", "type": "string", "required": true},
    }}});
    vec![
        Expected {
            file: "validate.yaml",
            levels: (1, 5),
            triggers: pull_request_and_main.clone(),
            jobs: &[("validate", READ)],
        },
        Expected {
            file: "build.yaml",
            levels: (1, 5),
            triggers: json!({"workflow_call": {
                "inputs": {
                    "push": {"description": "Push the image (true on merges to the default branch, false on pull requests)", "type": "boolean", "default": false},
                    "context": {"description": "The build context, relative to the caller's repository", "type": "string", "default": "."},
                    "file": {"description": "The Containerfile, relative to the caller's repository", "type": "string", "default": "Dockerfile"},
                    "platforms": {"description": "The platforms to build for, such as linux/amd64,linux/arm64", "type": "string", "default": "linux/amd64"},
                },
                "outputs": {
                    "image": {"description": "The image's name, without a tag", "value": "${{ jobs.build.outputs.image }}"},
                    "digest": {"description": "The digest of the pushed image (empty when nothing was pushed)", "value": "${{ jobs.build.outputs.digest }}"},
                },
            }}),
            jobs: &[("build", &[("contents", "read"), ("packages", "write")])],
        },
        Expected {
            file: "scan.yaml",
            levels: (2, 5),
            triggers: pull_request_and_main,
            jobs: &[
                ("config", SARIF),
                ("images", PULL_SARIF),
                ("dependencies", READ),
            ],
        },
        Expected {
            file: "scan-scheduled.yaml",
            levels: (3, 5),
            triggers: json!({"schedule": [{"cron": "17 5 * * *"}], "workflow_dispatch": null}),
            jobs: &[("production", PULL_SARIF)],
        },
        Expected {
            file: "policy-test.yaml",
            levels: (3, 5),
            triggers: {
                let paths = json!([
                    "policies/**",
                    "scripts/test-policies",
                    "scripts/check-exceptions",
                    ".github/workflows/policy-test.yaml",
                    ".github/actions/setup-tools/**"
                ]);
                json!({
                    "pull_request": {"paths": paths},
                    "push": {"branches": ["main"], "paths": paths},
                    // Daily, for the exceptions that expire with no change at all.
                    "schedule": [{"cron": "41 5 * * *"}],
                })
            },
            jobs: &[("test", READ)],
        },
        Expected {
            file: "release.yaml",
            levels: (3, 4),
            triggers: release_call.clone(),
            jobs: &[("release", RELEASE)],
        },
        Expected {
            file: "release.yaml",
            levels: (5, 5),
            triggers: release_call,
            jobs: &[
                ("release", RELEASE),
                (
                    "provenance",
                    &[
                        ("actions", "read"),
                        ("id-token", "write"),
                        ("packages", "write"),
                    ],
                ),
            ],
        },
        Expected {
            file: "deploy.yaml",
            levels: (3, 3),
            triggers: dispatch.clone(),
            jobs: &[("promote", PROMOTE), ("production", PROMOTE)],
        },
        Expected {
            file: "deploy.yaml",
            levels: (4, 5),
            triggers: dispatch,
            jobs: &[
                ("verify", VERIFY),
                ("promote", PROMOTE),
                ("test", READ),
                ("production", PROMOTE),
            ],
        },
        Expected {
            file: "scorecard.yaml",
            levels: (4, 5),
            triggers: json!({
                "push": {"branches": ["main"]},
                "schedule": [{"cron": "43 4 * * 1"}],
                "branch_protection_rule": null,
            }),
            jobs: &[(
                "analysis",
                &[
                    ("security-events", "write"),
                    ("id-token", "write"),
                    ("contents", "read"),
                    ("actions", "read"),
                ],
            )],
        },
    ]
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

/// Appends to the platform's levelup.yaml, or replaces a text in it, then applies level
/// `level`, which must succeed.
fn reconfigure(workspace: &Path, repo: &Path, edit: Edit<'_>, level: &str) {
    let config = repo.join("levelup.yaml");
    match edit {
        Edit::Append(addition) => {
            let text = std::fs::read_to_string(&config).expect("levelup.yaml");
            std::fs::write(&config, format!("{text}\n{addition}")).expect("write");
        }
        Edit::Replace(from, to) => crate::support::replace_in(&config, from, to),
    }
    let output = crate::support::Test::new()
        .current_dir(repo)
        .home(&workspace.join("home"))
        .args(["apply", "--to", level])
        .run()
        .0;
    assert_eq!(
        crate::support::code(&output),
        0,
        "{}",
        crate::support::stderr(&output)
    );
}

enum Edit<'a> {
    Append(&'a str),
    Replace(&'a str, &'a str),
}

/// A generated workflow, as text and parsed.
fn workflow(repo: &Path, name: &str) -> (String, Value) {
    let text = std::fs::read_to_string(repo.join(".github/workflows").join(name)).expect(name);
    let parsed = serde_saphyr::from_str(&text).expect("parses");
    (text, parsed)
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
        assert_eq!(
            jobs[*job]["permissions"],
            permissions_of(permissions),
            "{name}: permissions of job {job}"
        );
    }
    check_pins(path, &text, pins);
}

fn permissions_of(permissions: &[(&str, &str)]) -> Value {
    Value::Object(
        permissions
            .iter()
            .map(|(scope, level)| (scope.to_string(), json!(level)))
            .collect(),
    )
}

/// Every action is a pin of pins.yaml, by SHA, with that pin's version in the comment.
fn check_pins(path: &Path, text: &str, pins: &BTreeMap<String, (String, String)>) {
    let name = path.display();
    let uses = uses_lines(text);
    assert!(!uses.is_empty(), "{name}: no action at all");
    for (line, reference, comment) in uses {
        if reference.starts_with("./") {
            continue; // an action or workflow of the repository itself
        }
        if reference == SLSA_GENERATOR {
            assert!(
                path.ends_with(".github/workflows/release.yaml"),
                "{name}:{line}: only the release workflow calls the SLSA generator"
            );
            continue;
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

/// What a `run:` script may start a command with: a script of the repository (checked to
/// exist, executable), or a tool that `.github/actions/setup-tools` installs and the
/// script-less lint step calls. Anything else is a check the repository's scripts cannot
/// run locally.
fn check_runs(repo: &Path, path: &Path) {
    let name = path.display();
    let workflow: Value =
        serde_saphyr::from_str(&std::fs::read_to_string(path).expect("workflow")).expect("parses");
    // A workflow that other repositories call runs in their checkout, where this
    // repository's scripts are not: its commands are written out in it.
    if workflow["on"]
        .as_object()
        .is_some_and(|on| on.keys().eq(["workflow_call"]))
    {
        return;
    }
    for (job, body) in workflow["jobs"].as_object().expect("jobs") {
        for step in body["steps"].as_array().into_iter().flatten() {
            let Some(run) = step["run"].as_str() else {
                continue;
            };
            for command in run
                .lines()
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#'))
            {
                let program = command.split_whitespace().next().unwrap_or_default();
                if let Some(script) = program.strip_prefix("scripts/") {
                    let file = repo.join("scripts").join(script);
                    let mode = std::fs::metadata(&file).unwrap_or_else(|_| {
                        panic!(
                            "{name}: job {job} runs {program}, which the repository does not have"
                        )
                    });
                    assert!(
                        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o100 != 0,
                        "{name}: job {job} runs {program}, which is not executable"
                    );
                } else {
                    assert!(
                        ["actionlint", "echo"].contains(&program),
                        "{name}: job {job} runs `{command}` inline: move it into a script under scripts/"
                    );
                }
            }
        }
    }
}

#[test]
fn every_workflow_has_its_triggers_its_permissions_and_pinned_actions() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let pins = pins();
    for (level, gitops) in [
        ("1", "flux"),
        ("2", "argocd"),
        ("5", "flux"),
        ("5", "argocd"),
    ] {
        let repo = platform(workspace.path(), level, gitops);
        let folder = repo.join(".github/workflows");
        let found = crate::support::file_names(&folder);
        let expectations: Vec<Expected> = expected()
            .into_iter()
            .filter(|e| {
                let level = level.parse::<u8>().expect("level");
                e.levels.0 <= level && level <= e.levels.1
            })
            .collect();
        let known: BTreeSet<String> = expectations.iter().map(|e| e.file.to_string()).collect();
        assert_eq!(found, known, "level {level}, {gitops}: the workflows");
        for expectation in &expectations {
            check_workflow(&folder.join(expectation.file), expectation, &pins);
            check_runs(&repo, &folder.join(expectation.file));
        }
        // The one composite action every workflow sets its tools up with is pinned too.
        let action = repo.join(".github/actions/setup-tools/action.yml");
        check_pins(
            &action,
            &std::fs::read_to_string(&action).expect("action"),
            &pins,
        );
    }
}

/// `ci.code_scanning: false` (a private repository without code scanning): the scans
/// still run and fail on findings, but nothing is uploaded and no job may write
/// security events.
#[test]
fn without_code_scanning_the_scans_upload_nothing_and_ask_for_no_write() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let repo = platform(workspace.path(), "2", "flux");
    reconfigure(
        workspace.path(),
        &repo,
        Edit::Append("ci:\n  code_scanning: false\n"),
        "2",
    );
    let scan = repo.join(".github/workflows/scan.yaml");
    let (text, workflow) = workflow(&repo, "scan.yaml");
    assert!(
        !text.contains("upload-sarif") && !text.contains("SARIF_DIR"),
        "{text}"
    );
    for (job, permissions) in [
        ("config", READ),
        ("images", &PULL_SARIF[..2]),
        ("dependencies", READ),
    ] {
        assert_eq!(
            workflow["jobs"][job]["permissions"],
            permissions_of(permissions),
            "{job}"
        );
    }
    // The scans themselves are still there, and still fail on HIGH and CRITICAL.
    check_runs(&repo, &scan);
    assert_eq!(text.matches("SEVERITY: HIGH,CRITICAL").count(), 2, "{text}");
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

/// `ci.attestations: false` (a private repository without artifact attestations): the
/// release still signs with cosign and attaches the SBOM with it, asks for no attestation
/// permission, and the deploy workflow does not look for GitHub attestations.
#[test]
fn without_attestations_the_release_signs_with_cosign_alone() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let repo = platform(workspace.path(), "4", "flux");
    reconfigure(
        workspace.path(),
        &repo,
        Edit::Append("ci:\n  attestations: false\n"),
        "4",
    );
    let (release, parsed) = workflow(&repo, "release.yaml");
    assert!(!release.contains("actions/attest"), "{release}");
    assert!(
        release.contains("cosign sign --yes")
            && release.contains("cosign attest --yes --type spdxjson")
    );
    assert_eq!(
        parsed["jobs"]["release"]["permissions"],
        permissions_of(&RELEASE[..3])
    );
    let (deploy, parsed) = workflow(&repo, "deploy.yaml");
    assert_eq!(
        parsed["jobs"]["verify"]["permissions"],
        permissions_of(&VERIFY[..2])
    );
    assert!(deploy.contains("ATTESTATIONS: \"false\""), "{deploy}");
}

/// The last environment of `levelup.yaml` is production, whatever its name: the deploy
/// workflow promotes the others first, one after the other, and gates the last. With a
/// single environment there is nothing to promote first.
#[test]
fn the_deploy_workflow_gates_the_last_environment_whatever_its_name() {
    for (environments, earlier, last) in
        [("dev, prod", vec!["dev"], "prod"), ("live", vec![], "live")]
    {
        let workspace = tempfile::tempdir().expect("temporary folder");
        let repo = platform(workspace.path(), "1", "flux");
        let environments = format!("environments: [{environments}]");
        reconfigure(
            workspace.path(),
            &repo,
            Edit::Replace("environments: [dev, staging, production]", &environments),
            "4",
        );
        let (text, deploy) = workflow(&repo, "deploy.yaml");
        let jobs = &deploy["jobs"];
        assert_eq!(jobs["production"]["environment"], json!(last), "{text}");
        assert_eq!(
            jobs["production"]["steps"][2]["env"]["ENVIRONMENT"],
            json!(last),
            "{text}"
        );
        if earlier.is_empty() {
            assert!(jobs.get("promote").is_none(), "{text}");
            assert_eq!(jobs["production"]["needs"], json!(["test"]));
        } else {
            assert_eq!(
                jobs["promote"]["strategy"]["matrix"]["environment"],
                json!(earlier)
            );
            assert_eq!(jobs["production"]["needs"], json!(["test", "promote"]));
        }
        // The environments levelup.yaml dropped leave no folder behind.
        let overlays = crate::support::file_names(&repo.join("apps/overlays"));
        let mut wanted: Vec<&str> = earlier.clone();
        wanted.push(last);
        assert_eq!(
            overlays,
            wanted.iter().map(|name| name.to_string()).collect()
        );
    }
}
