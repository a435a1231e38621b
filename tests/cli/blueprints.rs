//! `levelup blueprints list` and `levelup blueprints show NAME`: what exists,
//! which steps use each blueprint, its conditions and the files it writes.

use crate::support::{PackWithBlueprint, Test};

/// The fixture blueprint, named by a level-2 step of a copy of the fixture pack.
fn inputs() -> PackWithBlueprint {
    PackWithBlueprint::new("features", "engine-demo", "technology.platform.zz-engine")
}

fn levelup(inputs: &PackWithBlueprint) -> Test {
    Test::new().args(inputs.flags())
}

/// The names of the built-in blueprints, as the library sees them.
fn built_in_names() -> Vec<String> {
    levelup::blueprint::Catalog::load(None)
        .expect("the built-in blueprints")
        .names()
        .map(String::from)
        .collect()
}

#[test]
fn show_prints_one_blueprint_in_full() {
    let inputs = inputs();
    let output = levelup(&inputs)
        .args(["blueprints", "show", "engine-demo"])
        .run()
        .code(0);
    insta::assert_snapshot!(output.stdout_text());
}

#[test]
fn show_json_is_the_versioned_document() {
    let inputs = inputs();
    let output = levelup(&inputs)
        .args(["blueprints", "show", "engine-demo", "--format", "json"])
        .run()
        .code(0);
    insta::assert_snapshot!(output.stdout_text());
}

/// `list` has two lines per blueprint; the built-in ones change with the
/// catalog, so the snapshot holds the fixture's lines and the test checks
/// that every built-in blueprint is listed, by name, in name order.
#[test]
fn list_prints_every_blueprint_with_the_steps_that_use_it() {
    let inputs = inputs();
    let output = levelup(&inputs).args(["blueprints", "list"]).run().code(0);
    let text = output.stdout_text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len() % 2, 0, "{text}");
    let names: Vec<&str> = lines
        .chunks(2)
        .map(|pair| pair[0].split(' ').next().unwrap_or_default())
        .collect();
    let mut expected: Vec<String> = built_in_names();
    expected.push("engine-demo".to_string());
    expected.sort();
    assert_eq!(names, expected);
    for pair in lines.chunks(2) {
        assert!(pair[1].starts_with("    "), "a description: {:?}", pair[1]);
        if pair[0].starts_with("engine-demo ") {
            insta::assert_snapshot!(pair.join("\n"));
        } else {
            // The fixture pack names no built-in blueprint.
            assert!(pair[0].contains(" · used by no step"), "{}", pair[0]);
        }
    }
}

#[test]
fn list_and_show_json_match_the_published_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(levelup::blueprint::SCHEMA).expect("the schema is JSON");
    assert!(jsonschema::meta::is_valid(&schema));
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let inputs = inputs();
    // The built-in catalog with the built-in content, and the fixture.
    let runs = [
        Test::new()
            .args(["blueprints", "list", "--format", "json"])
            .run(),
        levelup(&inputs)
            .args(["blueprints", "list", "--format", "json"])
            .run(),
        levelup(&inputs)
            .args(["blueprints", "show", "engine-demo", "--format", "json"])
            .run(),
    ];
    for run in runs {
        let run = run.code(0);
        let document: serde_json::Value = serde_json::from_str(&run.stdout_text()).expect("JSON");
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|error| format!("{error} at {}", error.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(document["schema"], "levelup.blueprints/v1");
    }
}

/// With the built-in content, every built-in blueprint a step names says so.
#[test]
fn the_built_in_steps_are_listed_under_their_blueprints() {
    let run = Test::new()
        .args(["blueprints", "list", "--format", "json"])
        .run()
        .code(0);
    let document: serde_json::Value = serde_json::from_str(&run.stdout_text()).expect("JSON");
    let plan = Test::new().args(["plan", "--format", "json"]).run().code(0);
    let plan: serde_json::Value = serde_json::from_str(&plan.stdout_text()).expect("JSON");
    for blueprint in document["blueprints"].as_array().expect("blueprints") {
        let name = &blueprint["name"];
        let listed: Vec<&serde_json::Value> = blueprint["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .map(|step| &step["id"])
            .collect();
        let naming: Vec<&serde_json::Value> = plan["steps"]
            .as_array()
            .expect("steps")
            .iter()
            .filter(|step| {
                step["blueprints"]
                    .as_array()
                    .is_some_and(|names| names.contains(name))
            })
            .map(|step| &step["id"])
            .collect();
        assert_eq!(listed, naming, "{name}");
        assert_eq!(blueprint["origin"], "built-in");
    }
}

#[test]
fn an_unknown_name_exits_2_with_the_name_meant() {
    Test::new()
        .args(["blueprints", "show", "app-kustomise"])
        .run()
        .code(2)
        .stdout_is("")
        .stderr_is(
            "error: unknown blueprint `app-kustomise`\n\
             hint: did you mean `app-kustomize`? `levelup blueprints list` shows them all\n",
        );
    Test::new()
        .args(["blueprints", "list", "--format", "jsno"])
        .run()
        .code(2)
        .stderr_is(
            "error: unknown format `jsno`\nhint: did you mean `json`? formats are text and json\n",
        );
}

/// A blueprint of the `--blueprints` folder that replaces a built-in one says so.
#[test]
fn a_replaced_built_in_blueprint_comes_from_the_folder() {
    let dir = tempfile::tempdir().expect("temporary folder");
    crate::support::copy_tree(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/repository"),
        &dir.path().join("repository"),
    );
    let run = Test::new()
        .args(["--blueprints", dir.path().to_str().expect("utf-8")])
        .args(["blueprints", "show", "repository", "--format", "json"])
        .run()
        .code(0);
    let document: serde_json::Value = serde_json::from_str(&run.stdout_text()).expect("JSON");
    assert_eq!(document["blueprints"][0]["origin"], "directory");
    let text = Test::new()
        .args(["--blueprints", dir.path().to_str().expect("utf-8")])
        .args(["blueprints", "show", "repository"])
        .run()
        .code(0)
        .stdout_text();
    assert!(
        text.starts_with("repository ")
            && text
                .lines()
                .next()
                .unwrap_or_default()
                .ends_with(" (from the --blueprints folder)"),
        "{text}"
    );
}

/// A `policies/` folder in `--blueprints` replaces the rules and their table as a whole: a
/// broken table is refused with its file and line, a changed one reaches the overlays.
#[test]
fn a_policies_folder_replaces_the_rules_and_is_checked_like_a_blueprint() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let policies = dir.path().join("blueprints/policies");
    crate::support::copy_tree(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/policies"),
        &policies,
    );
    let bundle = policies.join("bundle.yaml");
    let folder = dir.path().join("blueprints");
    let flag = folder.to_str().expect("utf-8");
    // A group whose modes skip level 4.
    crate::support::replace_in(
        &bundle,
        "      4: {production: enforce, others: audit}\n",
        "",
    );
    let text = std::fs::read_to_string(&bundle).expect("bundle");
    let line = text
        .lines()
        .position(|line| line.contains("- name: best-practices"))
        .expect("the group")
        + 3; // the first line of its modes
    let run = Test::new()
        .args(["--blueprints", flag, "blueprints", "list"])
        .run()
        .code(2);
    let stderr = run.stderr_text();
    assert!(
        stderr.contains(&format!(
            "{}:{line}: `groups[2].modes`: the modes of `best-practices` are not given for every level from its first to 5",
            bundle.display()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: a group is in the bundle from its first level on"),
        "{stderr}"
    );
    // Best practices only audited, even at level 5.
    crate::support::replace_in(
        &bundle,
        "      3: audit\n      5: enforce\n",
        "      3: audit\n      4: audit\n      5: audit\n",
    );
    let home = dir.path().join("home");
    crate::support::home_with_git_identity(&home);
    Test::new()
        .current_dir(dir.path())
        .home(&home)
        .args(["--blueprints", flag, "init", "platform", "--level", "5"])
        .run()
        .code(0);
    let overlay = std::fs::read_to_string(
        dir.path()
            .join("platform/policies/kyverno/overlays/production/kustomization.yaml"),
    )
    .expect("overlay");
    assert!(
        overlay.contains("  # best-practices: audit\n")
            && overlay.contains("  # pod-security-restricted: enforce\n"),
        "{overlay}"
    );
}
