//! What the blueprint engine does beyond rendering text: `{{ }}` that must reach
//! a file untouched, executable files and binary files, through `init` and
//! `apply` (the pull request's commit is in `github.rs`).
//!
//! Every test uses `tests/fixtures/blueprints/features/engine-demo`, named by the
//! level-1 step of a copy of the fixture pack: a Helm template written through a
//! raw block, a workflow with `$\{{ }}`, an executable script and a PNG.

use std::path::{Path, PathBuf};

use crate::support::{PackWithBlueprint, Test, fixture, home_with_git_identity, replace_in};

const DEPLOYMENT: &str = "charts/shop/templates/deployment.yaml";
const WORKFLOW: &str = ".github/workflows/build.yaml";
const SCRIPT: &str = "scripts/validate.sh";
const LOGO: &str = "docs/logo.png";

/// A home with a git identity, the pack and blueprint, and a folder for the platform.
struct Setup {
    dir: tempfile::TempDir,
    inputs: PackWithBlueprint,
}

impl Setup {
    fn new() -> Setup {
        let setup = Setup {
            dir: tempfile::tempdir().expect("temporary folder"),
            inputs: PackWithBlueprint::new(
                "features",
                "engine-demo",
                "technology.platform.manifests-in-git",
            ),
        };
        home_with_git_identity(&setup.dir.path().join("home"));
        setup
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("platform")
    }

    /// levelup with the pack and the blueprint, in `cwd`.
    fn levelup(&self, cwd: &Path) -> Test {
        Test::new()
            .current_dir(cwd)
            .home(&self.dir.path().join("home"))
            .args(self.inputs.flags())
    }

    fn init(&self) -> PathBuf {
        self.levelup(self.dir.path())
            .args([
                "init",
                "platform",
                "--level",
                "1",
                "--app",
                "shop=ghcr.io/acme/shop:1.2.0:8080",
            ])
            .run()
            .code(0);
        self.repo()
    }

    fn apply(&self, extra: &[&str]) -> Test {
        self.levelup(&self.repo())
            .args(["apply", "--to", "1"])
            .args(extra)
    }

    /// Changes the blueprint's manifest, and bumps its version.
    fn edit_manifest(&self, from: &str, to: &str) {
        replace_in(&self.manifest(), from, to);
        self.bump_version();
    }

    fn manifest(&self) -> PathBuf {
        self.inputs.blueprint("engine-demo").join("blueprint.yaml")
    }

    /// The next minor version, as a release of the blueprint would have.
    fn bump_version(&self) {
        let text = std::fs::read_to_string(self.manifest()).expect("readable");
        let bumped: Vec<String> = text
            .lines()
            .map(|line| match line.strip_prefix("version: 1.") {
                Some(rest) => {
                    let minor: u32 = rest.trim_end_matches(".0").parse().expect("1.N.0");
                    format!("version: 1.{}.0", minor + 1)
                }
                None => line.to_string(),
            })
            .collect();
        std::fs::write(self.manifest(), bumped.join("\n") + "\n").expect("writable");
    }

    /// Replaces one of the blueprint's template files.
    fn write_template(&self, source: &str, bytes: &[u8]) {
        let path = self
            .inputs
            .blueprint("engine-demo")
            .join("templates")
            .join(source);
        std::fs::write(path, bytes).expect("writable");
    }

    fn git(&self, args: &[&str]) -> String {
        crate::support::git_in(&self.dir.path().join("home"), &self.repo(), args)
    }

    /// The mode and path of `path` in git's index, as `git ls-files -s` shows them.
    fn git_mode(&self, path: &str) -> String {
        let line = self.git(&["ls-files", "-s", "--", path]);
        let mode = line.split(' ').next().unwrap_or_default();
        format!("{mode} {path}")
    }

    fn read(&self, path: &str) -> Vec<u8> {
        std::fs::read(self.repo().join(path)).expect("readable")
    }
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .expect("exists")
        .permissions()
        .mode()
        & 0o111
        != 0
}

/// The bytes of the fixture's PNG, and a variant with `tail` appended.
fn png(tail: &[u8]) -> Vec<u8> {
    let mut bytes = std::fs::read(fixture(
        "blueprints/features/engine-demo/templates/docs/logo.png",
    ))
    .expect("the fixture PNG");
    bytes.extend_from_slice(tail);
    bytes
}

#[cfg(unix)]
#[test]
fn init_writes_helm_and_workflow_braces_executables_and_binaries_exactly() {
    let setup = Setup::new();
    let repo = setup.init();
    assert_eq!(
        String::from_utf8(setup.read(DEPLOYMENT)).expect("text"),
        "\
# Chart of shop, port 8080: Helm's own templates follow, untouched.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"app.fullname\" . }}
  labels:
    {{- include \"app.labels\" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
"
    );
    assert_eq!(
        String::from_utf8(setup.read(WORKFLOW)).expect("text"),
        "\
name: build
on:
  push:
    branches: [main]
permissions:
  contents: read
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - name: Build platform
        run: docker build -t \"ghcr.io/${{ github.repository }}:${{ github.sha }}\" .
"
    );
    assert_eq!(setup.read(LOGO), png(b""), "the PNG, byte for byte");
    assert!(!repo.join("docs/argocd.md").exists(), "an argocd-only file");

    // The executable bit: on disk, in the commit, in the lock. The source file
    // is not executable: the mode comes from the manifest only.
    assert!(is_executable(&repo.join(SCRIPT)));
    assert!(!is_executable(&fixture(
        "blueprints/features/engine-demo/templates/scripts/validate.sh"
    )));
    assert!(!is_executable(&repo.join(LOGO)));
    assert_eq!(setup.git_mode(SCRIPT), "100755 scripts/validate.sh");
    assert_eq!(setup.git_mode(LOGO), "100644 docs/logo.png");
    assert_eq!(
        setup.git_mode(WORKFLOW),
        "100644 .github/workflows/build.yaml"
    );
    let lock = std::fs::read_to_string(repo.join(".levelup/lock.yaml")).expect("lock");
    assert!(lock.contains("\nformat: 2\n"), "{lock}");
    let script_entry = format!(
        "\n  scripts/validate.sh:\n    blueprint: engine-demo\n    version: \"1.0.0\"\n    sha256: {}\n    executable: true\n",
        levelup::tree::sha256_hex(&setup.read(SCRIPT))
    );
    assert!(lock.contains(&script_entry), "{lock}");
    assert_eq!(lock.matches("executable:").count(), 1, "{lock}");
    assert_eq!(setup.git(&["status", "--porcelain"]), "");
}

#[cfg(unix)]
#[test]
fn a_mode_the_blueprint_changes_is_an_update_shown_in_the_dry_run() {
    let setup = Setup::new();
    setup.edit_manifest("executable: true", "executable: false");
    let repo = setup.init();
    assert_eq!(setup.git_mode(SCRIPT), "100644 scripts/validate.sh");

    setup.edit_manifest("executable: false", "executable: true");
    setup.apply(&["--dry-run"]).run().code(3).stdout_is(
        "diff --git a/scripts/validate.sh b/scripts/validate.sh\n\
         old mode 100644\n\
         new mode 100755\n\
         updated       scripts/validate.sh (mode 100644 → 100755)\n\
         level 1: 1 updated, 3 unchanged\n",
    );
    assert!(
        !is_executable(&repo.join(SCRIPT)),
        "a dry run changes nothing"
    );

    setup.apply(&[]).run().code(0).stdout_is(
        "updated       scripts/validate.sh (mode 100644 → 100755)\n\
         level 1: 1 updated, 3 unchanged\n",
    );
    assert!(is_executable(&repo.join(SCRIPT)));
    assert_eq!(
        setup.git(&["diff", "--summary", "--", SCRIPT]),
        " mode change 100644 => 100755 scripts/validate.sh\n"
    );
    setup
        .apply(&[])
        .run()
        .code(0)
        .stdout_is("")
        .stderr_is("nothing to change: the files are already scaffolded up to level 1\n");
}

#[cfg(unix)]
#[test]
fn a_users_chmod_is_an_edit_and_stays() {
    use std::os::unix::fs::PermissionsExt;
    let setup = Setup::new();
    let repo = setup.init();
    std::fs::set_permissions(repo.join(SCRIPT), std::fs::Permissions::from_mode(0o644))
        .expect("chmod");
    setup.git(&["commit", "-qam", "the script is sourced, not run"]);

    // The blueprint did not change: nothing to do, the mode stays the user's.
    setup
        .apply(&[])
        .run()
        .code(0)
        .stderr_is("nothing to change: the files are already scaffolded up to level 1\n");
    assert!(!is_executable(&repo.join(SCRIPT)));

    // The blueprint changes the text: the new text, under the user's mode.
    setup.write_template(SCRIPT, b"#!/bin/sh\nset -eu\necho \"validating, twice\"\n");
    setup.bump_version();
    setup.apply(&[]).run().code(0).stdout_is(
        "merged        scripts/validate.sh\n\
         level 1: 1 merged, 3 unchanged\n",
    );
    assert_eq!(
        setup.read(SCRIPT),
        b"#!/bin/sh\nset -eu\necho \"validating, twice\"\n"
    );
    assert!(!is_executable(&repo.join(SCRIPT)), "the user's mode stays");
}

#[test]
fn an_untouched_binary_file_is_replaced_byte_for_byte() {
    let setup = Setup::new();
    let repo = setup.init();
    let new_png = png(b"\0a new frame\0");
    setup.write_template(LOGO, &new_png);
    setup.bump_version();
    setup.apply(&["--dry-run"]).run().code(3).stdout_is(
        "Binary files a/docs/logo.png and b/docs/logo.png differ\n\
         updated       docs/logo.png\n\
         level 1: 1 updated, 3 unchanged\n",
    );
    setup.apply(&[]).run().code(0);
    assert_eq!(std::fs::read(repo.join(LOGO)).expect("readable"), new_png);
}

#[test]
fn an_edited_binary_file_is_never_merged() {
    let setup = Setup::new();
    let repo = setup.init();
    let mine = png(b"\0my own frame\0");
    std::fs::write(repo.join(LOGO), &mine).expect("writable");
    setup.git(&["commit", "-qam", "our logo"]);
    let theirs = png(b"\0levelup's new frame\0");
    setup.write_template(LOGO, &theirs);
    setup.bump_version();

    let base = format!(".levelup/base/{}", levelup::tree::sha256_hex(&theirs));
    let ran = setup.apply(&[]).run().code(4);
    assert_eq!(
        ran.stdout_text(),
        format!(
            "conflict (binary) docs/logo.png (yours is kept; levelup's version is {base})\n\
             level 1: 1 conflict (binary), 3 unchanged\n"
        )
    );
    assert_eq!(
        ran.stderr_text(),
        "hint: binary files are never merged: keep yours and commit it, or copy levelup's version over it\n"
    );
    assert_eq!(setup.read(LOGO), mine, "the user's file is left as it was");
    assert_eq!(
        setup.read(&base),
        theirs,
        "levelup's version is where it says"
    );
    assert_eq!(
        setup.git(&["status", "--porcelain", "--", "docs"]),
        "",
        "only levelup's state changed"
    );

    // Reported once: the user's file now stands as their edit.
    setup.git(&["add", "-A"]);
    setup.git(&["commit", "-qm", "levelup 1.1.0"]);
    setup
        .apply(&[])
        .run()
        .code(0)
        .stderr_is("nothing to change: the files are already scaffolded up to level 1\n");
    assert_eq!(setup.read(LOGO), mine);
}

/// A lock written before modes (format 1) is read as one where no file is
/// executable; levelup rewrites it in format 2 when it writes, and not before.
#[cfg(unix)]
#[test]
fn a_format_1_lock_is_read_and_rewritten_as_format_2() {
    let setup = Setup::new();
    let repo = setup.init();
    let lock_path = repo.join(".levelup/lock.yaml");
    let current = std::fs::read_to_string(&lock_path).expect("lock");
    let format_1 = current
        .replace("\nformat: 2\n", "\nformat: 1\n")
        .replace("\n    executable: true", "");
    assert_ne!(format_1, current);
    std::fs::write(&lock_path, &format_1).expect("writable");
    setup.git(&["commit", "-qam", "the lock of an older levelup"]);

    // The script is executable on disk and, to the old lock, was not written so:
    // the blueprint did not change, so the mode on disk stands and is recorded.
    setup
        .apply(&[])
        .run()
        .code(0)
        .stdout_is("level 1: 4 unchanged\n");
    assert_eq!(
        std::fs::read_to_string(&lock_path).expect("lock"),
        current,
        "rewritten in format 2, exactly as a new lock"
    );
    assert!(is_executable(&repo.join(SCRIPT)));
}

#[test]
fn a_format_1_lock_with_nothing_to_change_is_left_as_it_is() {
    let setup = Setup::new();
    setup.edit_manifest("executable: true", "executable: false");
    let repo = setup.init();
    let lock_path = repo.join(".levelup/lock.yaml");
    let current = std::fs::read_to_string(&lock_path).expect("lock");
    assert!(!current.contains("executable"), "{current}");
    let format_1 = current.replace("\nformat: 2\n", "\nformat: 1\n");
    std::fs::write(&lock_path, &format_1).expect("writable");
    setup
        .apply(&[])
        .run()
        .code(0)
        .stderr_is("nothing to change: the files are already scaffolded up to level 1\n");
    assert_eq!(std::fs::read_to_string(&lock_path).expect("lock"), format_1);
}
