//! `levelup content check`: one broken fixture pack per problem it must find.
//!
//! Each folder under `tests/fixtures/packs/broken/` holds the files that differ
//! from the valid pack; the test lays them over a copy of it.

use crate::support::{broken_pack, code, run, stderr, stdout, valid_pack};

/// Runs `content check` on a broken fixture and returns stderr with the
/// temporary folder replaced by `<pack>`.
fn check_broken(name: &str) -> String {
    let dir = broken_pack(name);
    let path = dir.path().to_str().expect("utf-8 path");
    let output = run(&["content", "check", path]);
    assert_eq!(
        code(&output),
        2,
        "exit code for `{name}`: {}",
        stderr(&output)
    );
    assert_eq!(stdout(&output), "", "nothing on stdout for `{name}`");
    stderr(&output).replace(path, "<pack>")
}

#[test]
fn the_valid_fixture_passes() {
    let output = run(&["content", "check", valid_pack().to_str().expect("utf-8")]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "content pack is valid: Test Maturity Model 1, 5 levels, 2 dimensions, 4 topics, 11 steps, 34 blueprints\n\
         steps with and without a blueprint, by dimension:\n\
         \x20 dimension   steps  blueprint  without  manual  no file  unexplained\n\
         \x20 process         5          0        5       1        1            3\n\
         \x20 technology      6          0        6       0        0            6\n\
         \x20 all            11          0       11       1        1            9\n\
         \x20 (without = manual + no file + unexplained. manual: only a person can check the step;\n\
         \x20  no file: the step says why no blueprint can write what shows it; unexplained:\n\
         \x20  repository evidence, and neither a blueprint nor a reason)\n"
    );
}

macro_rules! broken {
    ($($name:ident => $fixture:literal,)*) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(check_broken($fixture));
            }
        )*
    };
}

broken! {
    unknown_field => "unknown-field",
    duplicate_id => "duplicate-id",
    dangling_need => "dangling-need",
    cycle_in_needs => "cycle",
    need_on_a_higher_level => "need-higher-level",
    need_on_the_same_level_in_another_dimension => "need-same-level-other-dimension",
    level_out_of_range => "level-out-of-range",
    topic_without_a_step => "uncovered-topic",
    unknown_dimension => "unknown-dimension",
    unknown_topic => "unknown-topic",
    id_outside_its_topic => "id-prefix",
    manual_evidence_with_other_rules => "manual-not-alone",
    invalid_glob_and_regex => "bad-evidence-pattern",
    invalid_content_rules => "bad-evidence-rules",
    unknown_language => "unknown-language",
    yaml_syntax_error => "yaml-syntax",
    pack_level_out_of_range => "pack-level-out-of-range",
    unknown_blueprint => "unknown-blueprint",
    no_blueprint_beside_blueprints_or_manual_evidence => "no-blueprint-misplaced",
}

#[test]
fn content_flag_and_argument_name_the_same_pack() {
    let dir = broken_pack("duplicate-id");
    let path = dir.path().to_str().expect("utf-8 path");
    let by_flag = run(&["--content", path, "content", "check"]);
    let by_argument = run(&["content", "check", path]);
    assert_eq!(code(&by_flag), 2);
    assert_eq!(by_flag.stderr, by_argument.stderr);
}

/// A step whose blueprint writes a Flux Kustomization without `wait`, and only for
/// Flux: the rule asking for `wait` fails on every platform, the path rule on Argo CD.
#[test]
fn a_blueprint_that_cannot_satisfy_its_step_is_reported() {
    let dir = broken_pack("unsatisfied-evidence");
    let path = dir.path().to_str().expect("utf-8 path");
    let blueprints = crate::support::fixture("blueprints/evidence");
    let output = run(&[
        "--blueprints",
        blueprints.to_str().expect("utf-8 path"),
        "content",
        "check",
        path,
    ]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    insta::assert_snapshot!(stderr(&output).replace(path, "<pack>"));
}

/// The built-in pack with the validate workflow as it was before its checks moved into
/// `scripts/validate-manifests`: the step asks for that script, so content check fails.
#[test]
fn the_built_in_pack_catches_a_stale_validate_workflow() {
    let blueprints = crate::support::fixture("blueprints/evidence-stale");
    let output = run(&[
        "--blueprints",
        blueprints.to_str().expect("utf-8 path"),
        "content",
        "check",
    ]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    insta::assert_snapshot!(stderr(&output));
}

/// The built-in pack and catalog satisfy every rule they can.
#[test]
fn the_built_in_pack_satisfies_its_evidence() {
    let output = run(&["content", "check"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("content pack is valid: CNCF Cloud Native Maturity Model 4"),
        "{}",
        stdout(&output)
    );
}
