//! The content pack built into levelup.

use crate::support::Test;

#[test]
fn the_embedded_pack_passes_content_check() {
    let checked = Test::new().args(["content", "check"]).run().code(0);
    let text = checked.stdout_text();
    assert!(
        text.starts_with("content pack is valid: CNCF Cloud Native Maturity Model 4,"),
        "{text}"
    );
}

#[test]
fn the_embedded_pack_on_disk_is_the_one_built_in() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/content");
    let from_disk = Test::new()
        .args(["--content", dir, "plan", "--format", "json"])
        .run()
        .code(0);
    let built_in = Test::new().args(["plan", "--format", "json"]).run().code(0);
    assert_eq!(from_disk.stdout_text(), built_in.stdout_text());
}

#[test]
fn the_whole_roadmap_is_well_over_a_hundred_steps() {
    let output = Test::new()
        .args(["plan", "--from", "0", "--to", "5", "--format", "json"])
        .run()
        .code(0);
    let document: serde_json::Value = serde_json::from_slice(&output.0.stdout).expect("JSON");
    let steps = document["steps"].as_array().expect("steps");
    assert!(steps.len() > 100, "only {} steps", steps.len());
    let levels: Vec<u64> = document["levels"]
        .as_array()
        .expect("levels")
        .iter()
        .map(|level| level["number"].as_u64().expect("number"))
        .collect();
    assert_eq!(levels, [1, 2, 3, 4, 5]);
}

#[test]
fn plan_output_matches_its_published_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(levelup::report::SCHEMA).expect("the schema is JSON");
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    for args in [
        vec!["plan", "--format", "json"],
        vec![
            "plan",
            "--from",
            "technology=3,process=2,policy=2",
            "--to",
            "4",
            "--dimension",
            "policy",
            "--format",
            "json",
        ],
        vec!["plan", "--from", "4", "--to", "4", "--format", "json"],
    ] {
        let output = Test::new().args(&args).run().code(0);
        let document: serde_json::Value = serde_json::from_slice(&output.0.stdout).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|error| format!("{error} at {}", error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    }
}

#[test]
fn one_dimension_of_the_embedded_roadmap() {
    let output = Test::new()
        .args([
            "plan",
            "--from",
            "technology=3,process=2,policy=2",
            "--to",
            "4",
            "--dimension",
            "policy",
        ])
        .run()
        .code(0);
    insta::assert_snapshot!(output.stdout_text());
}
