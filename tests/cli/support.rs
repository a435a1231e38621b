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

/// Runs levelup with `args` and returns what it did.
pub fn run(args: &[&str]) -> Output {
    Command::cargo_bin("levelup")
        .expect("the levelup binary is built")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("levelup runs")
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
