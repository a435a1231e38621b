//! `levelup init` and `levelup apply`: the scaffold engine, end to end.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{Test, code, copy_tree, replace_in, stderr, stdout};

/// A home with a git identity, and a folder to create platforms in.
struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Workspace {
        let workspace = Workspace {
            dir: tempfile::tempdir().expect("temporary folder"),
        };
        crate::support::home_with_git_identity(&workspace.home());
        workspace
    }

    fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// levelup in `cwd` with this workspace's home, in a clean environment, to
    /// add arguments or variables to.
    fn test(&self, cwd: &Path) -> Test {
        Test::new().current_dir(cwd).home(&self.home())
    }

    /// Runs levelup in `cwd` with this workspace's home.
    fn run(&self, cwd: &Path, args: &[&str]) -> Output {
        self.test(cwd).args(args).run().0
    }

    /// `levelup init platform --level N` with one application; returns the repository.
    fn init(&self, level: &str, extra: &[&str]) -> PathBuf {
        let mut args = vec![
            "init",
            "platform",
            "--level",
            level,
            "--app",
            "shop=ghcr.io/acme/shop:1.2.0:8080",
        ];
        args.extend_from_slice(extra);
        let output = self.run(self.dir.path(), &args);
        assert_eq!(code(&output), 0, "init failed: {}", stderr(&output));
        self.path("platform")
    }

    fn git(&self, repo: &Path, args: &[&str]) -> String {
        crate::support::git_in(&self.home(), repo, args)
    }

    /// A copy of a built-in blueprint in a folder of its own, to change.
    fn blueprint_copy(&self, name: &str) -> PathBuf {
        let root = self.path("custom-blueprints");
        copy_tree(
            &Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("blueprints")
                .join(name),
            &root.join(name),
        );
        root
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// Every file below `root` (`.git` left out) with its modification time and bytes.
fn tree_state(root: &Path) -> Vec<(String, std::time::SystemTime, Vec<u8>)> {
    let mut files: Vec<_> = levelup::files::on_disk(root, &|path| !path.starts_with(".git"))
        .expect("readable")
        .into_iter()
        .map(|file| {
            let modified = std::fs::metadata(root.join(&file.path))
                .and_then(|metadata| metadata.modified())
                .expect("mtime");
            (file.path.display().to_string(), modified, file.bytes)
        })
        .collect();
    files.sort();
    files
}

const DEPLOYMENT: &str = "apps/base/shop/deployment.yaml";

/// What `apply --to 2` (or 3, which adds no file of its own yet) changes in a level-1
/// repository with one application: the level-2 application files, and the documents.
/// What `apply --to 3` says on a repository at level 2: level 3's controllers and canaries.
const LEVEL_3_AFTER_2: &str = "created       .github/CODEOWNERS\n\
created       .github/workflows/deploy.yaml\n\
created       .github/workflows/policy-test.yaml\n\
created       .github/workflows/release.yaml\n\
created       .github/workflows/scan-scheduled.yaml\n\
updated       README.md\n\
updated       apps/base/shop/networkpolicy.yaml\n\
created       apps/overlays/dev/shop/canary.yaml\n\
created       apps/overlays/dev/shop/flagger/kustomization.yaml\n\
created       apps/overlays/dev/shop/image.yaml\n\
created       apps/overlays/dev/shop/keda/kustomization.yaml\n\
updated       apps/overlays/dev/shop/kustomization.yaml\n\
created       apps/overlays/dev/shop/metrictemplate.yaml\n\
updated       apps/overlays/dev/shop/namespace.yaml\n\
created       apps/overlays/dev/shop/networkpolicy-gateway.yaml\n\
updated       apps/overlays/dev/shop/networkpolicy-prometheus.yaml\n\
created       apps/overlays/dev/shop/scaledobject.yaml\n\
updated       apps/overlays/dev/shop/servicemonitor.yaml\n\
created       apps/overlays/production/shop/canary.yaml\n\
created       apps/overlays/production/shop/flagger/kustomization.yaml\n\
created       apps/overlays/production/shop/image.yaml\n\
created       apps/overlays/production/shop/keda/kustomization.yaml\n\
updated       apps/overlays/production/shop/kustomization.yaml\n\
created       apps/overlays/production/shop/metrictemplate.yaml\n\
updated       apps/overlays/production/shop/namespace.yaml\n\
created       apps/overlays/production/shop/networkpolicy-gateway.yaml\n\
updated       apps/overlays/production/shop/networkpolicy-prometheus.yaml\n\
created       apps/overlays/production/shop/scaledobject.yaml\n\
updated       apps/overlays/production/shop/servicemonitor.yaml\n\
created       apps/overlays/staging/shop/canary.yaml\n\
created       apps/overlays/staging/shop/flagger/kustomization.yaml\n\
created       apps/overlays/staging/shop/image.yaml\n\
created       apps/overlays/staging/shop/keda/kustomization.yaml\n\
updated       apps/overlays/staging/shop/kustomization.yaml\n\
created       apps/overlays/staging/shop/metrictemplate.yaml\n\
updated       apps/overlays/staging/shop/namespace.yaml\n\
created       apps/overlays/staging/shop/networkpolicy-gateway.yaml\n\
updated       apps/overlays/staging/shop/networkpolicy-prometheus.yaml\n\
created       apps/overlays/staging/shop/scaledobject.yaml\n\
updated       apps/overlays/staging/shop/servicemonitor.yaml\n\
updated       docs/roadmap.md\n\
updated       infrastructure/configs/kustomization.yaml\n\
created       infrastructure/configs/opentelemetry.yaml\n\
created       infrastructure/controllers/flagger/kustomization.yaml\n\
created       infrastructure/controllers/flagger/loadtester-values.yaml\n\
created       infrastructure/controllers/flagger/release.yaml\n\
created       infrastructure/controllers/flagger/values.yaml\n\
created       infrastructure/controllers/keda/kustomization.yaml\n\
created       infrastructure/controllers/keda/release.yaml\n\
created       infrastructure/controllers/keda/values.yaml\n\
updated       infrastructure/controllers/kustomization.yaml\n\
created       infrastructure/controllers/opencost/kustomization.yaml\n\
created       infrastructure/controllers/opencost/release.yaml\n\
created       infrastructure/controllers/opencost/values.yaml\n\
created       infrastructure/controllers/opentelemetry-operator/kustomization.yaml\n\
created       infrastructure/controllers/opentelemetry-operator/release.yaml\n\
created       infrastructure/controllers/opentelemetry-operator/values.yaml\n\
updated       policies/kyverno/README.md\n\
created       policies/kyverno/base/best-practices/disallow-latest-tag.yaml\n\
created       policies/kyverno/base/best-practices/require-labels.yaml\n\
created       policies/kyverno/base/best-practices/require-pod-requests-limits.yaml\n\
updated       policies/kyverno/base/kustomization.yaml\n\
created       policies/kyverno/base/pod-security-restricted/disallow-capabilities-strict.yaml\n\
created       policies/kyverno/base/pod-security-restricted/disallow-privilege-escalation.yaml\n\
created       policies/kyverno/base/pod-security-restricted/require-run-as-non-root-user.yaml\n\
created       policies/kyverno/base/pod-security-restricted/require-run-as-nonroot.yaml\n\
created       policies/kyverno/base/pod-security-restricted/restrict-seccomp-strict.yaml\n\
created       policies/kyverno/base/pod-security-restricted/restrict-volume-types.yaml\n\
updated       policies/kyverno/overlays/dev/kustomization.yaml\n\
updated       policies/kyverno/overlays/production/kustomization.yaml\n\
updated       policies/kyverno/overlays/staging/kustomization.yaml\n\
created       policies/kyverno/tests/disallow-capabilities-strict/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-capabilities-strict/resources.yaml\n\
created       policies/kyverno/tests/disallow-latest-tag/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-latest-tag/resources.yaml\n\
created       policies/kyverno/tests/disallow-privilege-escalation/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-privilege-escalation/resources.yaml\n\
created       policies/kyverno/tests/require-labels/kyverno-test.yaml\n\
created       policies/kyverno/tests/require-labels/resources.yaml\n\
created       policies/kyverno/tests/require-pod-requests-limits/kyverno-test.yaml\n\
created       policies/kyverno/tests/require-pod-requests-limits/resources.yaml\n\
created       policies/kyverno/tests/require-run-as-non-root-user/kyverno-test.yaml\n\
created       policies/kyverno/tests/require-run-as-non-root-user/resources.yaml\n\
created       policies/kyverno/tests/require-run-as-nonroot/kyverno-test.yaml\n\
created       policies/kyverno/tests/require-run-as-nonroot/resources.yaml\n\
created       policies/kyverno/tests/restrict-seccomp-strict/kyverno-test.yaml\n\
created       policies/kyverno/tests/restrict-seccomp-strict/resources.yaml\n\
created       policies/kyverno/tests/restrict-volume-types/kyverno-test.yaml\n\
created       policies/kyverno/tests/restrict-volume-types/resources.yaml\n\
created       scripts/check-exceptions (mode 100755)\n\
created       scripts/promote (mode 100755)\n\
created       scripts/publish-promotion (mode 100755)\n\
created       scripts/test-policies (mode 100755)\n\
created       scripts/verify-release (mode 100755)\n\
level 3: 72 created, 22 updated, 121 unchanged\n";

/// What `apply --to 3` says on a repository at level 1: level 2's changes, and those
/// of level 3 for each file level 2 did not touch (a file level 2 creates is created).
fn level_3_changes() -> String {
    let mut lines: std::collections::BTreeMap<&str, &str> = std::collections::BTreeMap::new();
    for text in [LEVEL_2_CHANGES, LEVEL_3_AFTER_2] {
        for line in text.lines().filter(|line| !line.starts_with("level ")) {
            let (status, path) = line.split_at(14);
            lines.entry(path).or_insert(status);
        }
    }
    lines
        .into_iter()
        .map(|(path, status)| format!("{status}{path}\n"))
        .collect()
}

const LEVEL_2_CHANGES: &str = "created       .github/workflows/scan.yaml\n\
updated       README.md\n\
updated       apps/base/shop/deployment.yaml\n\
created       apps/base/shop/hpa.yaml\n\
updated       apps/base/shop/kustomization.yaml\n\
created       apps/base/shop/pdb.yaml\n\
created       apps/overlays/dev/shop/externalsecret.yaml\n\
updated       apps/overlays/dev/shop/kustomization.yaml\n\
created       apps/overlays/dev/shop/limitrange.yaml\n\
updated       apps/overlays/dev/shop/namespace.yaml\n\
created       apps/overlays/dev/shop/networkpolicy-prometheus.yaml\n\
created       apps/overlays/dev/shop/prometheusrule.yaml\n\
created       apps/overlays/dev/shop/resourcequota.yaml\n\
created       apps/overlays/dev/shop/servicemonitor.yaml\n\
created       apps/overlays/production/shop/externalsecret.yaml\n\
updated       apps/overlays/production/shop/kustomization.yaml\n\
created       apps/overlays/production/shop/limitrange.yaml\n\
updated       apps/overlays/production/shop/namespace.yaml\n\
created       apps/overlays/production/shop/networkpolicy-prometheus.yaml\n\
created       apps/overlays/production/shop/prometheusrule.yaml\n\
created       apps/overlays/production/shop/resourcequota.yaml\n\
created       apps/overlays/production/shop/servicemonitor.yaml\n\
created       apps/overlays/staging/shop/externalsecret.yaml\n\
updated       apps/overlays/staging/shop/kustomization.yaml\n\
created       apps/overlays/staging/shop/limitrange.yaml\n\
updated       apps/overlays/staging/shop/namespace.yaml\n\
created       apps/overlays/staging/shop/networkpolicy-prometheus.yaml\n\
created       apps/overlays/staging/shop/prometheusrule.yaml\n\
created       apps/overlays/staging/shop/resourcequota.yaml\n\
created       apps/overlays/staging/shop/servicemonitor.yaml\n\
created       clusters/dev/apps.yaml\n\
created       clusters/dev/backups.yaml\n\
created       clusters/dev/flux-instance.yaml\n\
created       clusters/dev/infrastructure.yaml\n\
created       clusters/dev/kustomization.yaml\n\
created       clusters/dev/policies.yaml\n\
created       clusters/production/apps.yaml\n\
created       clusters/production/backups.yaml\n\
created       clusters/production/flux-instance.yaml\n\
created       clusters/production/infrastructure.yaml\n\
created       clusters/production/kustomization.yaml\n\
created       clusters/production/policies.yaml\n\
created       clusters/staging/apps.yaml\n\
created       clusters/staging/backups.yaml\n\
created       clusters/staging/flux-instance.yaml\n\
created       clusters/staging/infrastructure.yaml\n\
created       clusters/staging/kustomization.yaml\n\
created       clusters/staging/policies.yaml\n\
updated       docs/roadmap.md\n\
created       docs/runbooks/restore.md\n\
created       infrastructure/backups/dev/alerts.yaml\n\
created       infrastructure/backups/dev/kustomization.yaml\n\
created       infrastructure/backups/dev/schedule.yaml\n\
created       infrastructure/backups/dev/storage-location.yaml\n\
created       infrastructure/backups/production/alerts.yaml\n\
created       infrastructure/backups/production/kustomization.yaml\n\
created       infrastructure/backups/production/schedule.yaml\n\
created       infrastructure/backups/production/storage-location.yaml\n\
created       infrastructure/backups/staging/alerts.yaml\n\
created       infrastructure/backups/staging/kustomization.yaml\n\
created       infrastructure/backups/staging/schedule.yaml\n\
created       infrastructure/backups/staging/storage-location.yaml\n\
created       infrastructure/configs/cluster-issuers.yaml\n\
created       infrastructure/configs/cluster-secret-store.yaml\n\
created       infrastructure/configs/kustomization.yaml\n\
created       infrastructure/controllers/cert-manager/kustomization.yaml\n\
created       infrastructure/controllers/cert-manager/release.yaml\n\
created       infrastructure/controllers/cert-manager/values.yaml\n\
created       infrastructure/controllers/external-secrets/kustomization.yaml\n\
created       infrastructure/controllers/external-secrets/release.yaml\n\
created       infrastructure/controllers/external-secrets/values.yaml\n\
created       infrastructure/controllers/fluent-bit/kustomization.yaml\n\
created       infrastructure/controllers/fluent-bit/release.yaml\n\
created       infrastructure/controllers/fluent-bit/values.yaml\n\
created       infrastructure/controllers/kube-prometheus-stack/kustomization.yaml\n\
created       infrastructure/controllers/kube-prometheus-stack/release.yaml\n\
created       infrastructure/controllers/kube-prometheus-stack/values.yaml\n\
created       infrastructure/controllers/kustomization.yaml\n\
created       infrastructure/controllers/kyverno/kustomization.yaml\n\
created       infrastructure/controllers/kyverno/release.yaml\n\
created       infrastructure/controllers/kyverno/values.yaml\n\
created       infrastructure/controllers/loki/kustomization.yaml\n\
created       infrastructure/controllers/loki/release.yaml\n\
created       infrastructure/controllers/loki/values.yaml\n\
created       infrastructure/controllers/velero/kustomization.yaml\n\
created       infrastructure/controllers/velero/release.yaml\n\
created       infrastructure/controllers/velero/values.yaml\n\
created       policies/kyverno/README.md\n\
created       policies/kyverno/base/kustomization.yaml\n\
created       policies/kyverno/base/pod-security-baseline/disallow-capabilities.yaml\n\
created       policies/kyverno/base/pod-security-baseline/disallow-host-namespaces.yaml\n\
created       policies/kyverno/base/pod-security-baseline/disallow-host-path.yaml\n\
created       policies/kyverno/base/pod-security-baseline/disallow-host-ports.yaml\n\
created       policies/kyverno/base/pod-security-baseline/disallow-host-process.yaml\n\
created       policies/kyverno/base/pod-security-baseline/disallow-privileged-containers.yaml\n\
created       policies/kyverno/base/pod-security-baseline/disallow-proc-mount.yaml\n\
created       policies/kyverno/base/pod-security-baseline/disallow-selinux.yaml\n\
created       policies/kyverno/base/pod-security-baseline/restrict-seccomp.yaml\n\
created       policies/kyverno/base/pod-security-baseline/restrict-sysctls.yaml\n\
created       policies/kyverno/exceptions/kustomization.yaml\n\
created       policies/kyverno/exceptions/namespace.yaml\n\
created       policies/kyverno/overlays/dev/kustomization.yaml\n\
created       policies/kyverno/overlays/production/kustomization.yaml\n\
created       policies/kyverno/overlays/staging/kustomization.yaml\n\
created       policies/kyverno/tests/disallow-capabilities/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-capabilities/resources.yaml\n\
created       policies/kyverno/tests/disallow-host-namespaces/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-host-namespaces/resources.yaml\n\
created       policies/kyverno/tests/disallow-host-path/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-host-path/resources.yaml\n\
created       policies/kyverno/tests/disallow-host-ports/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-host-ports/resources.yaml\n\
created       policies/kyverno/tests/disallow-host-process/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-host-process/resources.yaml\n\
created       policies/kyverno/tests/disallow-privileged-containers/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-privileged-containers/resources.yaml\n\
created       policies/kyverno/tests/disallow-proc-mount/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-proc-mount/resources.yaml\n\
created       policies/kyverno/tests/disallow-selinux/kyverno-test.yaml\n\
created       policies/kyverno/tests/disallow-selinux/resources.yaml\n\
created       policies/kyverno/tests/restrict-seccomp/kyverno-test.yaml\n\
created       policies/kyverno/tests/restrict-seccomp/resources.yaml\n\
created       policies/kyverno/tests/restrict-sysctls/kyverno-test.yaml\n\
created       policies/kyverno/tests/restrict-sysctls/resources.yaml\n\
created       scripts/list-images (mode 100755)\n\
created       scripts/scan-config (mode 100755)\n\
created       scripts/scan-images (mode 100755)\n";

/// What apply says while the default platform's files wait for `github.repo`.
const PLACEHOLDER_WARNING: &str = "warning: `backups.s3_url` is not set in levelup.yaml: 3 files hold a placeholder for it: `infrastructure/backups/dev/storage-location.yaml`, `infrastructure/backups/production/storage-location.yaml`, `infrastructure/backups/staging/storage-location.yaml`\nhint: set `backups.s3_url` in levelup.yaml (its comment there says what it is), then run `levelup apply`\nwarning: `github.repo` is not set in levelup.yaml: 7 files hold a placeholder for the repository's URL: `README.md`, `clusters/dev/flux-instance.yaml`, `clusters/production/flux-instance.yaml`, `clusters/staging/flux-instance.yaml`, `infrastructure/backups/dev/alerts.yaml`, `infrastructure/backups/production/alerts.yaml`, `infrastructure/backups/staging/alerts.yaml`\nhint: add `github: {repo: OWNER/NAME}` to levelup.yaml, then run `levelup apply`\n";

#[test]
fn init_creates_a_committed_repository() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    assert_eq!(
        workspace.git(&repo, &["status", "--porcelain"]),
        "",
        "everything is committed"
    );
    assert_eq!(
        workspace
            .git(&repo, &["log", "--format=%an <%ae>|%s"])
            .trim(),
        "Test User <test@example.com>|Scaffold platform platform up to level 1 with levelup"
    );
    // The generated tree, apart from the roadmap (it follows the content) and the
    // content-addressed base texts (they repeat the files).
    let mut snapshot = String::new();
    for (path, _, bytes) in tree_state(&repo) {
        if path.starts_with(".levelup/base/") || path == "docs/roadmap.md" {
            continue;
        }
        snapshot.push_str(&format!(
            "=== {path}\n{}\n",
            String::from_utf8_lossy(&bytes)
        ));
    }
    insta::assert_snapshot!(snapshot);
    assert!(read(&repo.join("docs/roadmap.md")).contains("## Level 2: Operate"));
}

#[test]
fn init_writes_a_config_levelup_reads_back_with_comments() {
    let workspace = Workspace::new();
    let repo = workspace.init(
        "2",
        &["--gitops", "argocd", "--policy", "vap", "--provider", "aws"],
    );
    let config = read(&repo.join("levelup.yaml"));
    assert!(config.contains("# levelup reads this file and never rewrites it."));
    let parsed = levelup::config::load(&repo).expect("valid config");
    assert_eq!(parsed.gitops.as_str(), "argocd");
    assert_eq!(parsed.policy.as_str(), "vap");
    assert_eq!(parsed.provider.as_str(), "aws");
    assert_eq!(parsed.applications[0].image, "ghcr.io/acme/shop:1.2.0");
}

#[test]
fn init_refuses_a_folder_with_a_levelup_yaml() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    let before = tree_state(&repo);
    let output = workspace.run(workspace.dir.path(), &["init", "platform", "--level", "2"]);
    assert_eq!(code(&output), 2);
    assert!(
        stderr(&output).starts_with("error: `platform` already holds a `levelup.yaml`\nhint: ")
    );
    assert_eq!(tree_state(&repo), before);
}

#[test]
fn init_without_a_git_identity_creates_nothing() {
    let workspace = Workspace::new();
    std::fs::remove_file(workspace.home().join(".gitconfig")).expect("remove");
    let output = workspace.run(workspace.dir.path(), &["init", "platform", "--level", "1"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: git has no author identity: `user.name` and `user.email` are not set\n\
         hint: set them with `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com`\n"
    );
    assert!(!workspace.path("platform").exists());
}

#[test]
fn a_second_apply_changes_nothing() {
    let workspace = Workspace::new();
    let repo = workspace.init("2", &[]);
    let before = tree_state(&repo);
    let output = workspace.run(&repo.join("apps"), &["apply", "--to", "2"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(
        stderr(&output),
        format!(
            "{PLACEHOLDER_WARNING}nothing to change: the files are already scaffolded up to level 2\n"
        )
    );
    assert_eq!(
        tree_state(&repo),
        before,
        "no file written, no timestamp touched"
    );
}

/// What `apply --to 2` prints after `init --level 1` (Flux, one application): the
/// engine's files arrive, the README and the roadmap change.
#[test]
fn dry_run_prints_the_diff_and_writes_nothing() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    let before = tree_state(&repo);
    let output = workspace.run(&repo, &["apply", "--to", "2", "--dry-run"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(out.contains("--- a/README.md\n+++ b/README.md\n"), "{out}");
    assert!(
        out.contains(
            "-levelup, currently up to **level 1**.\n+levelup, currently up to **level 2**.\n"
        ),
        "{out}"
    );
    assert!(
        out.ends_with(&format!(
            "{LEVEL_2_CHANGES}level 2: 117 created, 10 updated, 16 unchanged\n"
        )),
        "{out}"
    );
    assert_eq!(tree_state(&repo), before);
}

#[test]
fn apply_then_reapply_is_a_no_op() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    let output = workspace.run(&repo, &["apply", "--to", "3"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!(
            "{}level 3: 189 created, 11 updated, 15 unchanged\n",
            level_3_changes()
        )
    );
    let lock = read(&repo.join(".levelup/lock.yaml"));
    assert!(lock.contains("\nlevel: 3\n"), "{lock}");
    workspace.git(&repo, &["add", "-A"]);
    workspace.git(&repo, &["commit", "-qm", "level 3"]);
    let before = tree_state(&repo);
    let again = workspace.run(&repo, &["apply", "--to", "3"]);
    assert_eq!(code(&again), 0);
    assert_eq!(tree_state(&repo), before);
}

/// `levelup --blueprints BLUEPRINTS apply --to 1 EXTRA...` in `repo`.
fn apply_with_blueprints(
    workspace: &Workspace,
    repo: &Path,
    blueprints: &Path,
    extra: &[&str],
) -> Output {
    let mut args = vec![
        "--blueprints",
        blueprints.to_str().expect("utf-8"),
        "apply",
        "--to",
        "1",
    ];
    args.extend_from_slice(extra);
    workspace.run(repo, &args)
}

/// A copy of `app-kustomize` whose deployment asks for more memory.
fn bigger_memory_blueprints(workspace: &Workspace) -> PathBuf {
    let root = workspace.blueprint_copy("app-kustomize");
    let manifest = root.join("app-kustomize/blueprint.yaml");
    replace_in(&manifest, "version: 2.6.0", "version: 2.7.0");
    replace_in(
        &root.join("app-kustomize/templates/base/deployment.yaml.hbs"),
        "memory: 256Mi",
        "memory: 512Mi",
    );
    root
}

#[test]
fn a_user_edit_survives_a_blueprint_update() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    replace_in(&repo.join(DEPLOYMENT), "replicas: 2", "replicas: 5");
    workspace.git(&repo, &["commit", "-qam", "scale the shop"]);
    let blueprints = bigger_memory_blueprints(&workspace);
    let output = apply_with_blueprints(&workspace, &repo, &blueprints, &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "merged        apps/base/shop/deployment.yaml\nlevel 1: 1 merged, 25 unchanged\n"
    );
    let deployment = read(&repo.join(DEPLOYMENT));
    assert!(
        deployment.contains("replicas: 5"),
        "the user's edit is kept"
    );
    assert!(
        deployment.contains("memory: 512Mi"),
        "the blueprint's change is merged"
    );
    let lock = read(&repo.join(".levelup/lock.yaml"));
    assert!(lock.contains("version: \"2.7.0\""), "{lock}");
}

#[test]
fn overlapping_edits_leave_conflict_markers() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    replace_in(&repo.join(DEPLOYMENT), "memory: 256Mi", "memory: 1Gi");
    workspace.git(&repo, &["commit", "-qam", "more memory"]);
    let blueprints = bigger_memory_blueprints(&workspace);
    let output = apply_with_blueprints(&workspace, &repo, &blueprints, &[]);
    assert_eq!(code(&output), 4, "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "conflict      apps/base/shop/deployment.yaml\nlevel 1: 1 conflict, 25 unchanged\n"
    );
    let deployment = read(&repo.join(DEPLOYMENT));
    assert!(
        deployment.contains("<<<<<<< ours\n              memory: 1Gi\n=======\n              memory: 512Mi\n>>>>>>> theirs\n"),
        "{deployment}"
    );
    // Once resolved and committed, a re-run leaves the user's resolution alone.
    replace_in(
        &repo.join(DEPLOYMENT),
        "<<<<<<< ours\n              memory: 1Gi\n=======\n              memory: 512Mi\n>>>>>>> theirs\n",
        "              memory: 1Gi\n",
    );
    workspace.git(&repo, &["commit", "-qam", "resolve"]);
    let again = apply_with_blueprints(&workspace, &repo, &blueprints, &[]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(read(&repo.join(DEPLOYMENT)).contains("memory: 1Gi"));
}

#[test]
fn force_overwrites_user_edits_and_says_which() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    replace_in(&repo.join(DEPLOYMENT), "memory: 256Mi", "memory: 1Gi");
    workspace.git(&repo, &["commit", "-qam", "more memory"]);
    let blueprints = bigger_memory_blueprints(&workspace);
    let output = apply_with_blueprints(&workspace, &repo, &blueprints, &["--force"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(stdout(&output).starts_with("overwritten   apps/base/shop/deployment.yaml\n"));
    assert!(read(&repo.join(DEPLOYMENT)).contains("memory: 512Mi"));
}

#[test]
fn a_deleted_file_stays_deleted() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    workspace.git(
        &repo,
        &["rm", "-q", "apps/overlays/dev/shop/namespace.yaml"],
    );
    workspace.git(&repo, &["commit", "-qm", "no namespace"]);
    let output = workspace.run(&repo, &["apply", "--to", "2"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stdout(&output).contains("kept deleted  apps/overlays/dev/shop/namespace.yaml\n"),
        "{}",
        stdout(&output)
    );
    assert!(!repo.join("apps/overlays/dev/shop/namespace.yaml").exists());
}

#[test]
fn files_no_longer_generated_are_removed_unless_edited() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    // The user edits one environment's namespace; then drops two environments.
    replace_in(
        &repo.join("apps/overlays/staging/shop/namespace.yaml"),
        "name: shop-staging",
        "name: shop-staging # ours",
    );
    replace_in(
        &repo.join("levelup.yaml"),
        "environments: [dev, staging, production]",
        "environments: [dev]",
    );
    workspace.git(&repo, &["commit", "-qam", "one environment"]);
    let output = workspace.run(&repo, &["apply", "--to", "1"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("removed       apps/overlays/production/shop/namespace.yaml\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "kept (edited, no longer generated) apps/overlays/staging/shop/namespace.yaml\n"
        ),
        "{out}"
    );
    assert!(
        !repo.join("apps/overlays/production").exists()
            || !repo
                .join("apps/overlays/production/shop/namespace.yaml")
                .exists()
    );
    assert!(read(&repo.join("apps/overlays/staging/shop/namespace.yaml")).contains("# ours"));
}

#[test]
fn uncommitted_changes_block_apply_unless_forced() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    replace_in(&repo.join("README.md"), "# ", "# Our ");
    let before = tree_state(&repo);
    let output = workspace.run(&repo, &["apply", "--to", "2"]);
    assert_eq!(code(&output), 1);
    assert_eq!(
        stderr(&output),
        "error: a file with uncommitted changes would be changed: README.md\n\
         hint: commit or stash them first, or pass `--force` to proceed anyway\n"
    );
    assert_eq!(tree_state(&repo), before);
    // levelup.yaml is exempt: editing it is how a user asks for a change.
    let forced = workspace.run(&repo, &["apply", "--to", "2", "--force"]);
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    assert!(read(&repo.join("README.md")).contains("level 2"));
}

#[test]
fn an_uncommitted_levelup_yaml_does_not_block() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    replace_in(&repo.join("levelup.yaml"), "# target: 3", "target: 2");
    let output = workspace.run(&repo, &["apply"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(read(&repo.join(".levelup/lock.yaml")).contains("\nlevel: 2\n"));
}

#[test]
fn hostile_blueprints_cannot_write_outside_the_repository() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    for (name, message) in [
        (
            "escape",
            "error: blueprint `escape` writes outside the repository: `../outside.txt`: the path has a `..` segment\n",
        ),
        (
            "absolute",
            "error: blueprint `absolute` writes outside the repository: `/tmp/levelup-absolute-target.txt`: the path is absolute\n",
        ),
    ] {
        let blueprints = workspace.path(&format!("hostile-{name}"));
        copy_tree(
            &crate::support::fixture(&format!("blueprints/hostile/{name}")),
            &blueprints.join(name),
        );
        let content = workspace.path(&format!("content-{name}"));
        crate::support::content_naming(&content, name);
        let before = tree_state(&repo);
        let output = workspace.run(
            &repo,
            &[
                "--blueprints",
                blueprints.to_str().expect("utf-8"),
                "--content",
                content.to_str().expect("utf-8"),
                "apply",
                "--to",
                "1",
            ],
        );
        assert_eq!(code(&output), 2, "{}", stderr(&output));
        assert_eq!(stderr(&output), message);
        assert_eq!(tree_state(&repo), before);
        assert!(!workspace.path("outside.txt").exists());
        assert!(!Path::new("/tmp/levelup-absolute-target.txt").exists());
    }
}

#[test]
fn a_symlink_out_of_the_repository_is_not_followed() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    let outside = workspace.path("elsewhere");
    std::fs::create_dir_all(&outside).expect("folder");
    std::fs::remove_dir_all(repo.join("apps/overlays/dev")).expect("remove");
    std::os::unix::fs::symlink(&outside, repo.join("apps/overlays/dev")).expect("symlink");
    workspace.git(&repo, &["add", "-A"]);
    workspace.git(&repo, &["commit", "-qm", "link"]);
    let output = workspace.run(&repo, &["apply", "--to", "1", "--force"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with("error: refusing to follow `"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_dir(&outside).expect("readable").count(),
        0,
        "nothing written outside"
    );
}

#[test]
fn a_misspelt_key_in_levelup_yaml_is_named_with_its_line() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    replace_in(&repo.join("levelup.yaml"), "gitops: flux", "gitopps: flux");
    let output = workspace.run(&repo, &["apply", "--to", "1"]);
    assert_eq!(code(&output), 2);
    let err = stderr(&output).replace(&repo.display().to_string(), "<repo>");
    assert!(
        err.starts_with("error: <repo>/levelup.yaml:12: unknown field `gitopps`, expected one of"),
        "{err}"
    );
    assert!(err.contains("\n  hint: did you mean `gitops`?\n"), "{err}");
}

#[test]
fn apply_outside_a_platform_repository_explains() {
    let workspace = Workspace::new();
    let output = workspace.run(workspace.dir.path(), &["apply", "--to", "1"]);
    assert_eq!(code(&output), 2);
    assert!(stderr(&output).ends_with(
        "hint: run levelup inside a platform repository, or create one with `levelup init DIR`\n"
    ));
}

/// A `--blueprints` folder with one extra blueprint from
/// `tests/fixtures/blueprints/<group>/<name>`, and a copy of the built-in content
/// whose level-1 manifests step names it: the flags that make levelup use it.
fn extra_blueprint_flags(workspace: &Workspace, group: &str, name: &str) -> Vec<String> {
    let blueprints = workspace.path(&format!("{group}-{name}"));
    if !blueprints.exists() {
        copy_tree(
            &crate::support::fixture(&format!("blueprints/{group}/{name}")),
            &blueprints.join(name),
        );
    }
    let content = workspace.path(&format!("content-{group}-{name}"));
    if !content.exists() {
        crate::support::content_naming(&content, name);
    }
    vec![
        "--blueprints".to_string(),
        blueprints.display().to_string(),
        "--content".to_string(),
        content.display().to_string(),
    ]
}

/// Applies with one extra blueprint from `tests/fixtures/blueprints/<group>/<name>`,
/// named by the level-1 manifests step; returns the output.
fn apply_with_extra_blueprint(
    workspace: &Workspace,
    repo: &Path,
    group: &str,
    name: &str,
) -> Output {
    workspace
        .test(repo)
        .args(extra_blueprint_flags(workspace, group, name))
        .args(["apply", "--to", "1"])
        .run()
        .0
}

const TEMPLATE_HINT: &str = "hint: see blueprints/README.md for the template syntax; to write `{{` as it is (Helm, GitHub Actions), write `\\{{` or put the text in `{{{{raw}}}}`…`{{{{/raw}}}}`\n";

#[test]
fn a_template_syntax_error_names_the_blueprint_file_and_line() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    let before = tree_state(&repo);
    let output = apply_with_extra_blueprint(&workspace, &repo, "broken", "syntax");
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.starts_with(
            "error: blueprint `syntax`, templates/note.md.hbs, line 5: invalid handlebars syntax"
        ),
        "{err}"
    );
    assert!(err.ends_with(TEMPLATE_HINT), "{err}");
    assert_eq!(tree_state(&repo), before);
}

/// Templates are compiled when a render needs them, never when the catalog is
/// loaded: `plan` works beside a broken template, and the commands that render
/// it name it.
#[test]
fn plan_compiles_no_template_and_init_names_the_broken_one() {
    let workspace = Workspace::new();
    let flags = extra_blueprint_flags(&workspace, "broken", "syntax");
    let plan = workspace
        .test(&workspace.path(""))
        .args(&flags)
        .args(["plan", "--to", "1", "--format", "json"])
        .run()
        .code(0);
    let document: serde_json::Value =
        serde_json::from_str(&plan.stdout_text()).expect("the plan is JSON");
    let steps = document["steps"].as_array().expect("steps");
    assert!(
        steps.iter().any(|step| step["blueprints"]
            == serde_json::json!(["repository", "app-kustomize", "app-helm", "syntax"])),
        "a step names the broken blueprint"
    );
    let init = workspace
        .test(&workspace.path(""))
        .args(&flags)
        .args(["init", "platform", "--level", "1"])
        .run()
        .code(2);
    assert!(
        init.stderr_text().starts_with(
            "error: blueprint `syntax`, templates/note.md.hbs, line 5: invalid handlebars syntax"
        ),
        "{}",
        init.stderr_text()
    );
    assert!(!workspace.path("platform").exists(), "init created nothing");
}

/// `content check` compiles every template, for any platform: the check that
/// loading the catalog no longer makes.
#[test]
fn content_check_compiles_every_template() {
    let workspace = Workspace::new();
    let flags = extra_blueprint_flags(&workspace, "broken", "syntax");
    let check = workspace
        .test(&workspace.path(""))
        .args(&flags)
        .args(["content", "check"])
        .run()
        .code(2);
    assert!(
        check.stderr_text().starts_with(
            "error: blueprint `syntax`, templates/note.md.hbs, line 5: invalid handlebars syntax"
        ),
        "{}",
        check.stderr_text()
    );
    assert!(check.stderr_text().ends_with(TEMPLATE_HINT));
}

#[test]
fn a_missing_template_value_names_the_blueprint_file_and_line() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    let before = tree_state(&repo);
    let output = apply_with_extra_blueprint(&workspace, &repo, "broken", "missing-value");
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.starts_with("error: blueprint `missing-value`, templates/note.md.hbs, line 4: "),
        "{err}"
    );
    assert!(err.contains("platform.owner"), "{err}");
    assert_eq!(
        tree_state(&repo),
        before,
        "a render failure changes nothing"
    );
}

#[test]
fn the_change_set_is_the_same_against_a_commit_as_against_the_working_tree() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    replace_in(&repo.join(DEPLOYMENT), "replicas: 2", "replicas: 3");
    workspace.git(&repo, &["commit", "-qam", "three replicas"]);
    // The working tree moves on after the commit; the commit's tree does not.
    replace_in(&repo.join(DEPLOYMENT), "replicas: 3", "replicas: 4");

    let pack = levelup::content::load_from(None, None).expect("content");
    let catalog = levelup::blueprint::Catalog::load(None).expect("blueprints");
    let config = levelup::config::load(&repo).expect("config");
    let level = levelup::model::Level::new(2).expect("level");
    let repository = git2::Repository::open(&repo).expect("repository");
    let commit = levelup::git::CommitTree::at(&repository, "HEAD").expect("HEAD");
    let from_commit = levelup::scaffold::prepare(&commit, &pack, &catalog, &config, level, false)
        .expect("from the commit");

    // Put the working tree back to the commit: both trees now hold the same files.
    replace_in(&repo.join(DEPLOYMENT), "replicas: 4", "replicas: 3");
    let work_tree = levelup::tree::WorkTree::new(&repo);
    let from_disk = levelup::scaffold::prepare(&work_tree, &pack, &catalog, &config, level, false)
        .expect("from disk");

    assert_eq!(from_commit.changes, from_disk.changes);
    assert_eq!(from_commit.operations(), from_disk.operations());
    let updated: Vec<&str> = from_commit
        .changes
        .iter()
        .filter(|change| change.action == levelup::tree::Action::Update)
        .map(|change| change.path.as_str())
        .collect();
    // The deployment's replicas were edited where level 2 drops them: not a plain update.
    assert_eq!(
        updated,
        [
            "README.md",
            "apps/base/shop/kustomization.yaml",
            "apps/overlays/dev/shop/kustomization.yaml",
            // Level 2 enforces baseline in the namespaces (blueprints/policies/bundle.yaml).
            "apps/overlays/dev/shop/namespace.yaml",
            "apps/overlays/production/shop/kustomization.yaml",
            "apps/overlays/production/shop/namespace.yaml",
            "apps/overlays/staging/shop/kustomization.yaml",
            "apps/overlays/staging/shop/namespace.yaml",
            "docs/roadmap.md"
        ]
    );
}

// Regression tests from a review of the engine: each reproduces a way it went wrong.

#[test]
fn an_edited_lock_cannot_delete_files_outside_its_base_folder() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    let victim = workspace.path("victim.txt");
    std::fs::write(&victim, "precious").expect("write");
    let lock = repo.join(".levelup/lock.yaml");
    let text = read(&lock)
        + "  gone.txt:\n    blueprint: x\n    version: 1.0.0\n    sha256: ../../../victim.txt\n";
    std::fs::write(&lock, text).expect("write");
    workspace.git(&repo, &["commit", "-qam", "tamper"]);
    let output = workspace.run(&repo, &["apply", "--to", "1"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("`../../../victim.txt` is not a SHA-256 digest"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&victim), "precious");
}

#[test]
fn a_symlink_inside_the_repository_cannot_lead_writes_into_git() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    std::fs::remove_dir_all(repo.join("apps/base/shop")).expect("remove");
    std::os::unix::fs::symlink("../../.git/hooks", repo.join("apps/base/shop")).expect("symlink");
    workspace.git(&repo, &["add", "-A"]);
    workspace.git(&repo, &["commit", "-qm", "link"]);
    let hooks_before = std::fs::read_dir(repo.join(".git/hooks"))
        .expect("hooks")
        .count();
    let output = workspace.run(&repo, &["apply", "--to", "1", "--force"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with("error: refusing to follow `"),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        std::fs::read_dir(repo.join(".git/hooks"))
            .expect("hooks")
            .count(),
        hooks_before
    );
}

#[test]
fn init_does_not_merge_into_or_commit_a_users_files() {
    let workspace = Workspace::new();
    let dir = workspace.path("platform");
    std::fs::create_dir_all(&dir).expect("folder");
    std::fs::write(dir.join("README.md"), "my readme\n").expect("write");
    std::fs::write(dir.join("notes.txt"), "secret\n").expect("write");
    let output = workspace.run(workspace.dir.path(), &["init", "platform", "--level", "1"]);
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output)
            .starts_with("error: `platform` already holds files levelup would write: README.md\n"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&dir.join("README.md")), "my readme\n");
    let left: Vec<String> = crate::support::file_names(&dir).into_iter().collect();
    assert_eq!(left, ["README.md", "notes.txt"], "nothing added");

    // Without the clash, init commits only what it wrote.
    std::fs::remove_file(dir.join("README.md")).expect("remove");
    let output = workspace.run(workspace.dir.path(), &["init", "platform", "--level", "1"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let committed = workspace.git(&dir, &["ls-files"]);
    assert!(
        !committed.lines().any(|line| line == "notes.txt"),
        "{committed}"
    );
    assert!(committed.lines().any(|line| line == "levelup.yaml"));
}

#[test]
fn a_file_in_an_untracked_folder_counts_as_uncommitted() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    workspace.git(&repo, &["rm", "-q", "--cached", "docs/roadmap.md"]);
    workspace.git(&repo, &["commit", "-qm", "untrack the roadmap"]);
    std::fs::write(repo.join("docs/roadmap.md"), "mine\n").expect("write");
    let output = workspace.run(&repo, &["apply", "--to", "2"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("uncommitted changes would be changed: docs/roadmap.md"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&repo.join("docs/roadmap.md")), "mine\n");
}

#[test]
fn the_diff_is_coloured_when_forced_and_never_with_no_color() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    let args = ["apply", "--to", "2", "--dry-run"];

    let coloured = workspace
        .test(&repo)
        .args(args)
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
        .run()
        .code(3)
        .stdout_text();
    assert!(coloured.contains("\n\x1b[32m+"), "{coloured:?}");
    assert!(coloured.contains("\n\x1b[31m-"), "{coloured:?}");
    assert!(coloured.contains("\n\x1b[36m@@ "), "{coloured:?}");

    // NO_COLOR wins over CLICOLOR_FORCE; without either, a pipe gets no colour.
    // Either way the text is the coloured one without its styles.
    let stripped = anstream::adapter::strip_str(&coloured).to_string();
    for run in [
        workspace
            .test(&repo)
            .args(args)
            .env("CLICOLOR_FORCE", "1")
            .run(),
        workspace
            .test(&repo)
            .args(args)
            .env_remove("NO_COLOR")
            .run(),
    ] {
        let plain = run.code(3).stdout_text();
        assert!(!plain.contains('\x1b'), "{plain:?}");
        assert_eq!(plain, stripped);
    }
}

#[test]
fn quiet_silences_status_but_not_data_or_errors() {
    // Two identical repositories, one driven with `--quiet`: each step prints
    // the same data on stdout, and only the loud one its status and warnings.
    let loud = Workspace::new();
    let quiet = Workspace::new();
    let loud_repo = loud.init("1", &[]);
    let quiet_repo = quiet.init("1", &[]);
    let both = |args: &[&str], code: i32, stdout: &str, loud_stderr: &str| {
        loud.test(&loud_repo)
            .args(args)
            .run()
            .code(code)
            .stdout_is(stdout)
            .stderr_is(loud_stderr);
        quiet
            .test(&quiet_repo)
            .arg("--quiet")
            .args(args)
            .run()
            .code(code)
            .stdout_is(stdout)
            .stderr_is("");
    };
    // A status line.
    both(
        &["apply", "--to", "1"],
        0,
        "",
        "nothing to change: the files are already scaffolded up to level 1\n",
    );
    // The summary is data.
    both(
        &["apply", "--to", "2"],
        0,
        &format!("{LEVEL_2_CHANGES}level 2: 117 created, 10 updated, 16 unchanged\n"),
        PLACEHOLDER_WARNING,
    );
    // A warning (the level-2 files are still uncommitted).
    both(
        &["apply", "--to", "3", "--force"],
        0,
        LEVEL_3_AFTER_2,
        &format!(
            "{PLACEHOLDER_WARNING}warning: --force: changed files with uncommitted changes: README.md, apps/overlays/dev/shop/kustomization.yaml, apps/overlays/dev/shop/namespace.yaml, apps/overlays/dev/shop/networkpolicy-prometheus.yaml, apps/overlays/dev/shop/servicemonitor.yaml, apps/overlays/production/shop/kustomization.yaml, apps/overlays/production/shop/namespace.yaml, apps/overlays/production/shop/networkpolicy-prometheus.yaml, apps/overlays/production/shop/servicemonitor.yaml, apps/overlays/staging/shop/kustomization.yaml, apps/overlays/staging/shop/namespace.yaml, apps/overlays/staging/shop/networkpolicy-prometheus.yaml, apps/overlays/staging/shop/servicemonitor.yaml, docs/roadmap.md, infrastructure/configs/kustomization.yaml, infrastructure/controllers/kustomization.yaml, policies/kyverno/README.md, policies/kyverno/base/kustomization.yaml, policies/kyverno/overlays/dev/kustomization.yaml, policies/kyverno/overlays/production/kustomization.yaml, policies/kyverno/overlays/staging/kustomization.yaml\n"
        ),
    );
    // An error and its hint are never silenced.
    quiet
        .test(quiet.dir.path())
        .args(["--quiet", "apply", "--to", "1"])
        .run()
        .code(2)
        .stderr_is(&format!(
            "error: no `levelup.yaml` in `{}` or any folder above it\n\
             hint: run levelup inside a platform repository, or create one with `levelup init DIR`\n",
            quiet.dir.path().canonicalize().expect("canonical").display()
        ));
}

/// Every `levelup WORD` a text presents as a command: in inline code, at the start of
/// a line in a fenced code block, or after `run:` (a workflow step). Prose such as
/// "levelup merges your changes" is not a command.
fn commands_named(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut in_code_block = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code_block = !in_code_block;
            continue;
        }
        let mut from = 0;
        while let Some(at) = line[from..].find("levelup ").map(|at| from + at) {
            let before = line[..at].trim_end();
            let is_command = (in_code_block && before.is_empty())
                || before.ends_with('`')
                || before.ends_with("run:");
            let word: String = line[at + "levelup ".len()..]
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            if is_command && !word.is_empty() {
                found.push(word);
            }
            from = at + "levelup ".len();
        }
    }
    found
}

#[test]
fn generated_text_names_only_real_commands_and_claims_no_level_reached() {
    assert_eq!(
        commands_named(
            "Run `levelup apply --to 2`.\n```sh\nlevelup plan --to N\n```\nlevelup merges it\n"
        ),
        ["apply", "plan"]
    );
    let workspace = Workspace::new();
    let mut commands = std::collections::BTreeSet::new();
    // Level 1 leaves steps ahead in the roadmap; level 5 leaves none: both texts.
    for (level, name) in [("1", "low"), ("5", "high")] {
        let status = workspace
            .test(workspace.dir.path())
            .args(["init", name, "--level", level, "--gitops", "argocd"])
            .run()
            .code(0)
            .stderr_text();
        let expected = format!("scaffolded `{name}` up to level {level} in {name}: ");
        assert!(status.starts_with(&expected), "{status}");
        let root = workspace.path(name);
        let files = levelup::files::on_disk(&root, &|path| {
            !path.starts_with(".git") && !path.starts_with(".levelup")
        })
        .expect("readable");
        assert!(files.len() > 10, "{} files", files.len());
        for file in files {
            let text = String::from_utf8_lossy(&file.bytes);
            for line in text.lines() {
                let lower = line.to_lowercase();
                assert!(
                    !(lower.contains("reach") && lower.contains("level")),
                    "{}: claims a level is reached: {line}",
                    file.path.display()
                );
            }
            for word in commands_named(&text) {
                commands.insert((word, file.path.display().to_string()));
            }
        }
    }
    assert!(
        commands.iter().any(|(word, _)| word == "apply"),
        "{commands:?}"
    );
    for (word, file) in &commands {
        let help = Test::new().args([word.as_str(), "--help"]).run();
        assert_eq!(
            code(&help.0),
            0,
            "{file} names `levelup {word}`, which is not a command"
        );
    }
}

/// A staging folder an earlier write left behind (its undo failed, or it was
/// killed) may hold the only copy of a user's file: levelup writes nothing and
/// removes nothing while it exists, and says what to do.
#[test]
fn a_leftover_staging_folder_is_kept_and_blocks_writes() {
    let workspace = Workspace::new();
    let repo = workspace.init("1", &[]);
    let leftover = repo.join(".levelup/staging-1");
    std::fs::create_dir_all(&leftover).expect("folder");
    std::fs::write(leftover.join("0.old"), "the only copy\n").expect("write");
    let before = tree_state(&repo);
    let shown = repo
        .canonicalize()
        .expect("canonical")
        .join(".levelup/staging-1");
    workspace
        .test(&repo)
        .args(["apply", "--to", "2"])
        .run()
        .code(1)
        .stdout_is("")
        .stderr_is(&format!(
            "error: an earlier write left `{0}`, which may hold original files\n\
             hint: move any file in `{0}` back where it belongs (`N.old` is an original, `N.new` levelup's version), delete the folder, then run levelup again\n",
            shown.display()
        ));
    assert_eq!(
        tree_state(&repo),
        before,
        "nothing written, nothing removed"
    );

    // init into a folder holding one fails the same way, and its undo keeps it.
    let dir = workspace.path("other");
    std::fs::create_dir_all(dir.join(".levelup/staging-7")).expect("folder");
    std::fs::write(dir.join(".levelup/staging-7/3.old"), "mine\n").expect("write");
    let output = workspace.run(workspace.dir.path(), &["init", "other", "--level", "1"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with("error: an earlier write left `"),
        "{}",
        stderr(&output)
    );
    assert_eq!(read(&dir.join(".levelup/staging-7/3.old")), "mine\n");
}

/// An existing repository with a commit, one staged change to a tracked file and
/// one staged new file; returns the folder.
fn repository_with_staged_work(workspace: &Workspace, name: &str) -> PathBuf {
    let dir = workspace.path(name);
    std::fs::create_dir_all(&dir).expect("folder");
    workspace.git(&dir, &["init", "-q", "-b", "main"]);
    std::fs::write(dir.join("notes.txt"), "first\n").expect("write");
    workspace.git(&dir, &["add", "notes.txt"]);
    workspace.git(&dir, &["commit", "-qm", "the user's first commit"]);
    std::fs::write(dir.join("notes.txt"), "second, staged\n").expect("write");
    std::fs::write(dir.join("draft.txt"), "staged, new\n").expect("write");
    workspace.git(&dir, &["add", "notes.txt", "draft.txt"]);
    dir
}

#[test]
fn init_in_a_repository_keeps_the_users_staged_work_out_of_its_commit_and_staged() {
    let workspace = Workspace::new();
    let dir = repository_with_staged_work(&workspace, "platform");
    let output = workspace.run(workspace.dir.path(), &["init", "platform", "--level", "1"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));

    // levelup's commit is the user's commit plus exactly the files it wrote.
    let changed = workspace.git(&dir, &["diff", "--name-status", "HEAD~1", "HEAD"]);
    assert!(
        changed.lines().all(|line| line.starts_with("A\t")),
        "{changed}"
    );
    assert!(
        !changed.contains("draft.txt") && !changed.contains("notes.txt"),
        "{changed}"
    );
    assert!(
        changed.lines().any(|line| line == "A\tlevelup.yaml"),
        "{changed}"
    );
    assert_eq!(workspace.git(&dir, &["show", "HEAD:notes.txt"]), "first\n");
    // The user's changes are still staged, and only they are.
    assert_eq!(
        workspace.git(&dir, &["diff", "--cached", "--name-status"]),
        "A\tdraft.txt\nM\tnotes.txt\n"
    );
    assert_eq!(
        workspace.git(&dir, &["status", "--porcelain"]),
        "A  draft.txt\nM  notes.txt\n"
    );
}

#[test]
fn a_failed_init_commit_leaves_the_index_as_it_was() {
    let workspace = Workspace::new();
    let dir = repository_with_staged_work(&workspace, "platform");
    let index_before = workspace.git(&dir, &["ls-files", "--stage"]);
    let head_before = workspace.git(&dir, &["rev-parse", "HEAD"]);
    // A lock on the branch makes the commit fail after the files are written.
    std::fs::write(dir.join(".git/refs/heads/main.lock"), "").expect("lock");
    let output = workspace.run(workspace.dir.path(), &["init", "platform", "--level", "1"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    std::fs::remove_file(dir.join(".git/refs/heads/main.lock")).expect("unlock");

    assert_eq!(workspace.git(&dir, &["ls-files", "--stage"]), index_before);
    assert_eq!(workspace.git(&dir, &["rev-parse", "HEAD"]), head_before);
    assert_eq!(
        workspace.git(&dir, &["status", "--porcelain"]),
        "A  draft.txt\nM  notes.txt\n",
        "only the user's staged work, no file of levelup's left"
    );
}
