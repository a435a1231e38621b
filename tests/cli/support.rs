//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

pub fn fixture(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(relative)
}

/// The small, valid pack most tests plan against.
pub fn valid_pack() -> PathBuf {
    fixture("packs/valid")
}

/// The `levelup` binary in a clean environment: nothing is inherited from the
/// machine running the tests (no `HOME`, no `GH_TOKEN`, no git configuration, no
/// `CI`), only `PATH` so that levelup can find `git` and `gh` the way a user's
/// shell would. Each test adds exactly the variables it means.
pub fn levelup() -> Command {
    let mut command = Command::cargo_bin("levelup").expect("the levelup binary is built");
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_TERMINAL_PROMPT", "0");
    command
}

/// One run of levelup, built fluently (after just's `Test`):
///
/// ```ignore
/// Test::new().args(["plan", "--to", "2"]).home(&home).run().code(0).stdout_has("# Level 2");
/// ```
pub struct Test {
    command: Command,
}

impl Test {
    pub fn new() -> Test {
        Test { command: levelup() }
    }

    pub fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.command.args(args);
        self
    }

    pub fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Test {
        self.command.arg(arg);
        self
    }

    /// Runs in `dir`.
    pub fn current_dir(mut self, dir: &Path) -> Test {
        self.command.current_dir(dir);
        self
    }

    /// Uses `home` as the home folder, and its `.gitconfig` as git's global configuration.
    pub fn home(mut self, home: &Path) -> Test {
        self.command
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"));
        self
    }

    pub fn env(mut self, name: &str, value: impl AsRef<std::ffi::OsStr>) -> Test {
        self.command.env(name, value);
        self
    }

    /// Removes a variable the clean environment sets (such as `NO_COLOR`).
    pub fn env_remove(mut self, name: &str) -> Test {
        self.command.env_remove(name);
        self
    }

    pub fn run(mut self) -> Ran {
        Ran(self.command.output().expect("levelup runs"))
    }
}

/// What a [`Test`] did, with assertions that name what was expected.
pub struct Ran(pub Output);

impl Ran {
    fn stdout(&self) -> String {
        stdout(&self.0)
    }

    fn stderr(&self) -> String {
        stderr(&self.0)
    }

    /// Asserts the exit code, showing both streams when it differs.
    pub fn code(self, expected: i32) -> Ran {
        let actual = code(&self.0);
        assert_eq!(
            actual,
            expected,
            "exit code {actual}, expected {expected}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }

    /// What the run wrote to stdout.
    pub fn stdout_text(&self) -> String {
        self.stdout()
    }

    /// What the run wrote to stderr.
    pub fn stderr_text(&self) -> String {
        self.stderr()
    }

    /// Asserts stdout is exactly `expected`.
    pub fn stdout_is(self, expected: &str) -> Ran {
        assert_eq!(self.stdout(), expected);
        self
    }

    /// Asserts stderr is exactly `expected`.
    pub fn stderr_is(self, expected: &str) -> Ran {
        assert_eq!(self.stderr(), expected);
        self
    }
}

/// Runs levelup with `args` in a clean environment and returns what it did.
pub fn run(args: &[&str]) -> Output {
    Test::new().args(args).run().0
}

/// Runs levelup against the valid fixture pack.
pub fn run_on_fixture(args: &[&str]) -> Output {
    let pack = valid_pack();
    let mut full = vec!["--content", pack.to_str().expect("utf-8 path")];
    full.extend_from_slice(args);
    run(&full)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

pub fn code(output: &Output) -> i32 {
    output.status.code().expect("levelup exited normally")
}

/// Copies the valid pack into a temporary folder and lays the files of
/// `tests/fixtures/packs/broken/<name>` over it.
pub fn broken_pack(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary folder");
    copy_tree(&valid_pack(), dir.path());
    let overlay = fixture(&format!("packs/broken/{name}"));
    assert!(overlay.is_dir(), "no broken fixture `{name}`");
    copy_tree(&overlay, dir.path());
    dir
}

/// Copies the folder `from` to `to`, recursively.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create folder");
    for entry in std::fs::read_dir(from).expect("read fixture folder") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy fixture file");
        }
    }
}

/// Runs git in `repo` with `home` as HOME and no system configuration; it must
/// succeed. Returns what it printed on stdout.
pub fn git_in(home: &Path, repo: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(repo)
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Makes `home` a home folder whose git configuration has an author identity and
/// `main` as the first branch, so commands that commit work in tests.
pub fn home_with_git_identity(home: &Path) {
    std::fs::create_dir_all(home).expect("home");
    std::fs::write(
        home.join(".gitconfig"),
        "[user]\n\tname = Test User\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n",
    )
    .expect("gitconfig");
}

/// `levelup init platform-<gitops>-<level> --level LEVEL --gitops GITOPS EXTRA...` in
/// `workspace`, with a git identity in `workspace/home`; the repository's path.
pub fn init_platform(workspace: &Path, level: &str, gitops: &str, extra: &[&str]) -> PathBuf {
    let home = workspace.join("home");
    home_with_git_identity(&home);
    let name = format!("platform-{gitops}-{level}");
    let mut args = vec!["init", &name, "--level", level, "--gitops", gitops];
    args.extend_from_slice(extra);
    let output = Test::new()
        .current_dir(workspace)
        .home(&home)
        .args(args)
        .run()
        .0;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    workspace.join(name)
}

/// The names of the entries of a folder, sorted.
pub fn file_names(dir: &Path) -> std::collections::BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

/// A copy of the built-in content in `dir` whose level-1 manifests step also names
/// `blueprint`, so that `init --level 1` renders it.
pub fn content_naming(dir: &Path, blueprint: &str) {
    copy_tree(&Path::new(env!("CARGO_MANIFEST_DIR")).join("content"), dir);
    replace_in(
        &dir.join("steps/technology/level-1-platform.yaml"),
        "blueprints: [repository, app-kustomize, app-helm]",
        &format!("blueprints: [repository, app-kustomize, app-helm, {blueprint}]"),
    );
}

/// Replaces the first `from` in the file with `to`; fails the test if `from` is absent.
pub fn replace_in(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("readable");
    assert!(text.contains(from), "`{from}` not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).expect("writable");
}

/// The step file of the content pack in `content` that defines `step`.
pub fn file_with_step(content: &Path, step: &str) -> PathBuf {
    levelup::files::on_disk(content, &|path| {
        path.extension().is_some_and(|e| e == "yaml")
    })
    .expect("readable")
    .into_iter()
    .find(|file| String::from_utf8_lossy(&file.bytes).contains(&format!("id: {step}\n")))
    .map(|file| content.join(file.path))
    .unwrap_or_else(|| panic!("no file defines `{step}`"))
}

/// A copy of the valid pack in which the step `step` names `blueprint`, with the
/// `--blueprints` folder holding `tests/fixtures/blueprints/<group>/<blueprint>`:
/// the pack and the folder, for `--content` and `--blueprints`.
pub struct PackWithBlueprint {
    dir: tempfile::TempDir,
}

impl PackWithBlueprint {
    pub fn new(group: &str, blueprint: &str, step: &str) -> PackWithBlueprint {
        let dir = tempfile::tempdir().expect("temporary folder");
        let pack = dir.path().join("pack");
        copy_tree(&valid_pack(), &pack);
        let file = file_with_step(&pack, step);
        replace_in(
            &file,
            &format!("  - id: {step}\n"),
            &format!("  - id: {step}\n    blueprints: [{blueprint}]\n"),
        );
        copy_tree(
            &fixture(&format!("blueprints/{group}/{blueprint}")),
            &dir.path().join("blueprints").join(blueprint),
        );
        PackWithBlueprint { dir }
    }

    pub fn pack(&self) -> PathBuf {
        self.dir.path().join("pack")
    }

    pub fn blueprints(&self) -> PathBuf {
        self.dir.path().join("blueprints")
    }

    /// The blueprint's own folder, to change it between runs.
    pub fn blueprint(&self, name: &str) -> PathBuf {
        self.blueprints().join(name)
    }

    /// `--content PACK --blueprints FOLDER`.
    pub fn flags(&self) -> Vec<String> {
        vec![
            "--content".to_string(),
            self.pack().display().to_string(),
            "--blueprints".to_string(),
            self.blueprints().display().to_string(),
        ]
    }
}

/// The YAML documents of a generated file, as JSON.
pub fn yaml_documents(path: &Path) -> Vec<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    levelup::yaml::parse_documents(&text)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}
