//! `levelup plan` on the fixture pack: every format, ordering, dimensions.

use crate::support::{code, run_on_fixture, stderr, stdout};

fn step_ids(json: &str) -> Vec<String> {
    let document: serde_json::Value = serde_json::from_str(json).expect("plan is JSON");
    document["steps"]
        .as_array()
        .expect("steps is a list")
        .iter()
        .map(|step| step["id"].as_str().expect("id is a string").to_string())
        .collect()
}

#[test]
fn markdown_is_the_default_format() {
    let output = run_on_fixture(&["plan", "--from", "0", "--to", "3"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn json_output() {
    let output = run_on_fixture(&["plan", "--from", "1", "--to", "3", "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn yaml_output() {
    let output = run_on_fixture(&[
        "plan", "--from", "build", "--to", "scale", "--format", "yaml",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn yaml_and_json_carry_the_same_document() {
    let json = run_on_fixture(&["plan", "--format", "json"]);
    let yaml = run_on_fixture(&["plan", "--format", "yaml"]);
    let from_json: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let from_yaml: serde_json::Value = serde_saphyr::from_slice(&yaml.stdout).expect("YAML");
    assert_eq!(from_json, from_yaml);
}

#[test]
fn steps_follow_level_dimension_needs_then_topic_and_id() {
    let output = run_on_fixture(&["plan", "--format", "json"]);
    assert_eq!(
        step_ids(&stdout(&output)),
        [
            // level 1, process: review-access needs git-workflow, so it comes second
            // although its topic sorts first
            "process.release.git-workflow",
            "process.security.review-access",
            "technology.platform.manifests-in-git",
            "process.release.ci-build",
            "process.security.ci-scanning",
            // zz-engine before aa-rollout: a need beats the id order
            "technology.platform.zz-engine",
            "technology.platform.aa-rollout",
            "technology.security.admission-audit",
            "process.security.policy-tests",
            "technology.platform.multi-cluster",
            "technology.security.signed-images",
        ]
    );
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let first = run_on_fixture(&["plan", "--format", "json"]);
    let second = run_on_fixture(&["plan", "--format", "json"]);
    assert_eq!(first.stdout, second.stdout);
}

#[test]
fn per_dimension_levels_default_unnamed_dimensions_to_zero() {
    let output = run_on_fixture(&[
        "plan",
        "--from",
        "technology=2",
        "--to",
        "3",
        "--format",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        step_ids(&stdout(&output)),
        [
            "process.release.git-workflow",
            "process.security.review-access",
            "process.release.ci-build",
            "process.security.ci-scanning",
            "process.security.policy-tests",
            "technology.platform.multi-cluster",
            "technology.security.signed-images",
        ]
    );
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(
        document["from"],
        serde_json::json!({"process": 0, "technology": 2})
    );
}

#[test]
fn needs_covered_by_the_current_level_are_not_open() {
    let output = run_on_fixture(&[
        "plan",
        "--from",
        "process=2,technology=2",
        "--to",
        "3",
        "--format",
        "json",
    ]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let signed = &document["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|step| step["id"] == "technology.security.signed-images")
        .expect("signed-images is planned")
        .clone();
    assert_eq!(
        signed["needs"],
        serde_json::json!([
            "process.release.ci-build",
            "technology.security.admission-audit"
        ])
    );
    assert_eq!(signed["open_needs"], serde_json::json!([]));
}

#[test]
fn one_dimension_lists_prerequisites_elsewhere_by_id() {
    let output = run_on_fixture(&[
        "plan",
        "--to",
        "3",
        "--dimension",
        "tech",
        "--format",
        "json",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert!(
        step_ids(&stdout(&output))
            .iter()
            .all(|id| id.starts_with("technology."))
    );
    let prerequisites: Vec<&str> = document["prerequisites"]
        .as_array()
        .expect("prerequisites")
        .iter()
        .map(|p| p["id"].as_str().expect("id"))
        .collect();
    assert_eq!(
        prerequisites,
        ["process.release.git-workflow", "process.release.ci-build"]
    );
}

#[test]
fn one_dimension_in_markdown() {
    let output = run_on_fixture(&[
        "plan",
        "--from",
        "1",
        "--to",
        "3",
        "--dimension",
        "technology",
    ]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    insta::assert_snapshot!(stdout(&output));
}

#[test]
fn translated_texts_are_used_and_others_fall_back() {
    let output = run_on_fixture(&["plan", "--to", "1", "--lang", "de", "--format", "json"]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(document["language"], "de");
    assert_eq!(document["levels"][0]["name"], "Aufbau");
    let workflow = &document["steps"][0];
    assert_eq!(workflow["title"], "Einen Git-Ablauf vereinbaren");
    assert_eq!(
        workflow["done_when"],
        serde_json::json!([
            "Das Branching-Modell ist aufgeschrieben.",
            "Pull requests are required for the main branch."
        ])
    );
}

#[test]
fn the_same_level_twice_is_nothing_to_do() {
    let output = run_on_fixture(&["plan", "--from", "3", "--to", "3"]);
    assert_eq!(code(&output), 0);
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        "nothing to do: the current level already covers level 3\n"
    );
}

#[test]
fn nothing_to_do_still_prints_a_valid_empty_document() {
    let output = run_on_fixture(&["plan", "--from", "3", "--to", "3", "--format", "json"]);
    assert_eq!(code(&output), 0);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(document["steps"], serde_json::json!([]));
}

#[test]
fn quiet_hides_status_messages() {
    let output = run_on_fixture(&["--quiet", "plan", "--from", "3", "--to", "3"]);
    assert_eq!(code(&output), 0);
    assert_eq!(stderr(&output), "");
}

#[test]
fn level_names_aliases_and_case_are_accepted() {
    let by_number = run_on_fixture(&["plan", "--from", "2", "--to", "5", "--format", "json"]);
    for (from, to) in [
        ("operate", "adapt"),
        ("Operate", "OPTIMIZE"),
        ("2", "optimize"),
    ] {
        let by_name = run_on_fixture(&["plan", "--from", from, "--to", to, "--format", "json"]);
        assert_eq!(code(&by_name), 0, "{}", stderr(&by_name));
        assert_eq!(by_name.stdout, by_number.stdout, "--from {from} --to {to}");
    }
}
