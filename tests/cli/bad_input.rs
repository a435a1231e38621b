//! Bad input on the command line: one error line, one hint line, exit code 2.

use crate::support::{Test, code, run_on_fixture, stderr, valid_pack};

const LEVELS: &str =
    "levels are 1 Build, 2 Operate, 3 Scale, 4 Improve, 5 Adapt; 0 means nothing in place yet";

fn assert_rejected(args: &[&str], error: &str, hint: &str) {
    Test::new()
        .args(["--content".as_ref(), valid_pack().as_os_str()])
        .arg("plan")
        .args(args)
        .run()
        .code(2)
        .stdout_is("")
        .stderr_is(&format!("error: {error}\nhint: {hint}\n"));
}

#[test]
fn from_above_to() {
    assert_rejected(
        &["--from", "4", "--to", "2"],
        "`--from 4` is above `--to 2`",
        "a roadmap goes upwards: the target must be above the level already reached",
    );
}

#[test]
fn negative_from() {
    assert_rejected(
        &["--from", "-1"],
        "`--from` takes a level from 0 to 4, not `-1`",
        LEVELS,
    );
}

#[test]
fn target_zero() {
    assert_rejected(
        &["--to", "0"],
        "`--to` takes a level from 1 to 5, not `0`",
        LEVELS,
    );
}

#[test]
fn level_six() {
    assert_rejected(
        &["--to", "6"],
        "`--to` takes a level from 1 to 5, not `6`",
        LEVELS,
    );
    assert_rejected(
        &["--from", "6"],
        "`--from` takes a level from 0 to 4, not `6`",
        LEVELS,
    );
    assert_rejected(
        &["--from", "process=6"],
        "`--from` takes a level from 0 to 5, not `6`",
        LEVELS,
    );
}

#[test]
fn from_five_overall() {
    assert_rejected(
        &["--from", "adapt"],
        "`--from` takes a level from 0 to 4, not `adapt` (level 5)",
        LEVELS,
    );
}

#[test]
fn unknown_level_name() {
    assert_rejected(
        &["--from", "opearte"],
        "unknown level `opearte` for `--from`",
        &format!("did you mean `operate`? {LEVELS}"),
    );
    assert_rejected(
        &["--to", "expert"],
        "unknown level `expert` for `--to`",
        LEVELS,
    );
}

#[test]
fn a_dimension_where_a_level_belongs() {
    assert_rejected(
        &["--from", "process"],
        "unknown level `process` for `--from`",
        "`process` is a dimension: write `--from process=LEVEL` to set one dimension",
    );
}

#[test]
fn unknown_dimension() {
    assert_rejected(
        &["--dimension", "tehcnology"],
        "unknown dimension `tehcnology` for `--dimension`",
        "did you mean `technology`? dimensions are process, technology",
    );
    assert_rejected(
        &["--from", "procss=2"],
        "unknown dimension `procss` for `--from`",
        "did you mean `process`? dimensions are process, technology",
    );
}

#[test]
fn a_dimension_named_twice() {
    assert_rejected(
        &["--from", "process=1,process=2"],
        "dimension `process` is named twice in `--from`",
        "give each dimension one level",
    );
}

#[test]
fn malformed_per_dimension_levels() {
    assert_rejected(
        &["--from", "process=1,technology"],
        "`technology` in `--from` is not DIMENSION=LEVEL",
        "write `--from technology=3,process=2`, or one level for every dimension",
    );
}

#[test]
fn unknown_format() {
    assert_rejected(
        &["--format", "xml"],
        "unknown format `xml`",
        "formats are markdown, json and yaml",
    );
    assert_rejected(
        &["--format", "jsno"],
        "unknown format `jsno`",
        "did you mean `json`? formats are markdown, json and yaml",
    );
}

#[test]
fn unknown_language() {
    assert_rejected(
        &["--lang", "fr"],
        "unknown language `fr`",
        "the content pack has en, de",
    );
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let output = run_on_fixture(&["plan", "--form", "2"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).starts_with("error: unexpected argument '--form' found"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_missing_content_folder_is_invalid_input() {
    let output = crate::support::run(&["--content", "/nonexistent/pack", "plan"]);
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: `/nonexistent/pack` is not a content pack: it has no `pack.yaml`\n"
    );
}

/// A `--blueprints` folder whose targets name `.git` or `.levelup` the way a
/// case-folding, dot-trimming, stream-reading, short-name or HFS+ file system
/// would open them: `init` refuses before it creates anything.
#[test]
fn hostile_blueprints_cannot_reach_git_or_levelup_state() {
    use crate::support::{content_naming, copy_tree, fixture, home_with_git_identity};
    for (name, target, reason) in [
        (
            "git-case",
            ".GIT/hooks/pre-commit",
            "the path is inside `.git/` (`.GIT` names it on some file systems)",
        ),
        (
            "git-short-name",
            "GIT~1/hooks/pre-commit",
            "the path is inside `.git/` (`GIT~1` names it on some file systems)",
        ),
        (
            "git-trailing",
            ".git. ./hooks/pre-commit",
            "the path is inside `.git/` (`.git. .` names it on some file systems)",
        ),
        (
            "git-stream",
            ".git::$INDEX_ALLOCATION/hooks/pre-commit",
            "the path is inside `.git/` (`.git::$INDEX_ALLOCATION` names it on some file systems)",
        ),
        (
            "git-hfs",
            ".g\u{200C}it/hooks/pre-commit",
            "the path is inside `.git/` (`.g\\u{200c}it` names it on some file systems)",
        ),
        (
            "state-case",
            ".LevelUp/lock.yaml",
            "`.levelup/` holds levelup's own state",
        ),
    ] {
        let workspace = tempfile::tempdir().expect("temporary folder");
        let home = workspace.path().join("home");
        home_with_git_identity(&home);
        let blueprints = workspace.path().join("blueprints");
        copy_tree(
            &fixture(&format!("blueprints/hostile/{name}")),
            &blueprints.join(name),
        );
        let content = workspace.path().join("content");
        content_naming(&content, name);
        Test::new()
            .arg("--blueprints")
            .arg(&blueprints)
            .arg("--content")
            .arg(&content)
            .args(["init", "platform", "--level", "1"])
            .home(&home)
            .current_dir(workspace.path())
            .run()
            .code(2)
            .stdout_is("")
            .stderr_is(&format!(
                "error: blueprint `{name}` writes outside the repository: `{target}`: {reason}\n"
            ));
        assert!(
            !workspace.path().join("platform").exists(),
            "`{name}`: init wrote nothing"
        );
    }
}

/// `levelup config schema` prints the embedded JSON Schema of levelup.yaml.
#[test]
fn config_schema_prints_the_schema_of_levelup_yaml() {
    let ran = Test::new().args(["config", "schema"]).run().code(0);
    let schema: serde_json::Value =
        serde_json::from_slice(&ran.0.stdout).expect("the schema is JSON");
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["title"], "levelup.yaml");
    assert!(jsonschema::meta::is_valid(&schema));
    assert_eq!(stderr(&ran.0), "");
}

/// A levelup.yaml error sends the user to documentation the installed binary
/// has (`levelup config schema`, named in `init --help` too), not to a file of
/// levelup's source tree.
#[test]
fn a_levelup_yaml_error_points_to_the_schema_command() {
    let dir = tempfile::tempdir().expect("temporary folder");
    std::fs::write(
        dir.path().join("levelup.yaml"),
        "name: acme\ngitops: flux\npolicy: kyverno\n",
    )
    .expect("levelup.yaml");
    let ran = Test::new()
        .args(["apply", "--dry-run"])
        .current_dir(dir.path())
        .run()
        .code(2);
    let err = stderr(&ran.0).replace(&dir.path().display().to_string(), "<repo>");
    assert_eq!(
        err,
        "error: <repo>/levelup.yaml:3: missing field `provider`\n  \
         hint: add `provider`; `levelup config schema` lists every key\n\
         error: `<repo>/levelup.yaml` is invalid: 1 problem\n"
    );
    let help = Test::new().args(["init", "--help"]).run().code(0);
    assert!(
        crate::support::stdout(&help.0).contains("`levelup config schema` prints every key"),
        "init --help names the schema command"
    );
}
