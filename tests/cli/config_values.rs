//! The catalog's keys of `levelup.yaml` (owners, certificates, secret store,
//! machines, error rates) reach templates, and the repository URL is a clear
//! placeholder until `github.repo` is set: end to end, through init and apply.

use std::path::{Path, PathBuf};

use crate::support::{Test, code, content_naming, copy_tree, fixture, git_in, replace_in, stderr};

/// `levelup --blueprints B --content C apply --to 1` in `repo`, where the
/// level-1 manifests step also names the fixture blueprint `values/context`.
fn apply_with_context_blueprint(root: &Path, home: &Path, repo: &Path) -> std::process::Output {
    let blueprints = root.join("blueprints");
    if !blueprints.exists() {
        copy_tree(
            &fixture("blueprints/values/context"),
            &blueprints.join("context"),
        );
        let content = root.join("content");
        content_naming(&content, "context");
    }
    Test::new()
        .current_dir(repo)
        .home(home)
        .args([
            "--blueprints",
            blueprints.to_str().expect("utf-8"),
            "--content",
            root.join("content").to_str().expect("utf-8"),
            "apply",
            "--to",
            "1",
        ])
        .run()
        .0
}

fn init_aws(root: &Path, home: &Path) -> PathBuf {
    let output = Test::new()
        .current_dir(root)
        .home(home)
        .args([
            "init",
            "platform",
            "--provider",
            "aws",
            "--app",
            "shop=ghcr.io/acme/shop:1.2.0:8080",
        ])
        .run()
        .0;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    root.join("platform")
}

#[test]
fn the_catalog_keys_reach_templates_and_the_repository_url_waits_for_github_repo() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let root = workspace.path();
    let home = root.join("home");
    crate::support::home_with_git_identity(&home);
    let repo = init_aws(root, &home);
    let config = repo.join("levelup.yaml");

    // The defaults init writes, as templates see them.
    let output = apply_with_context_blueprint(root, &home, &repo);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let values = std::fs::read_to_string(repo.join("docs/values.txt")).expect("written");
    let error_rate = r#"sum(rate(http_requests_total{job="shop",code=~"5.."}[5m])) / sum(rate(http_requests_total{job="shop"}[5m]))"#;
    let canary = r#"sum(rate(http_requests_total{job="shop",service="shop-canary",namespace="{{ namespace }}",code=~"5.."}[{{ interval }}])) / sum(rate(http_requests_total{job="shop",service="shop-canary",namespace="{{ namespace }}"}[{{ interval }}]))"#;
    assert_eq!(
        values,
        format!(
            "repo_url: https://github.com/LEVELUP-PLACEHOLDER/set-github-repo-in-levelup-yaml.git
repo_placeholder: true
owners:
acme_email: []
acme_server: https://acme-v02.api.letsencrypt.org/directory
secret_store: vault [https://vault.vault.svc.cluster.local:8200] []
cluster dev: region us-east-1, aws us-east-1 t3.large
cluster staging: region us-east-1, aws us-east-1 t3.large
cluster production: region us-east-1, aws us-east-1 t3.large
application shop: {error_rate}; canary: {canary}
"
        )
    );
    // The file with the placeholder is named, with what to do.
    assert!(
        stderr(&output).contains(
            "warning: `github.repo` is not set in levelup.yaml: 1 file holds a placeholder for the repository's URL: `docs/values.txt`\nhint: add `github: {repo: OWNER/NAME}` to levelup.yaml, then run `levelup apply`\n"
        ),
        "{}",
        stderr(&output)
    );
    git_in(&home, &repo, &["add", "-A"]);
    git_in(&home, &repo, &["commit", "-q", "-m", "context values"]);

    // Every key set by hand, the repository among them.
    replace_in(
        &config,
        "# github:\n#   repo: acme/platform\n",
        "github:\n  repo: acme/platform\n",
    );
    replace_in(
        &config,
        "owners: []",
        "owners: [\"@acme/platform-team\", \"@alice\"]",
    );
    replace_in(
        &config,
        "  # acme_email: platform-team@acme.io\n",
        "  acme_email: certs@acme.io\n",
    );
    replace_in(
        &config,
        "secret_store:\n  provider: vault\n  url: https://vault.vault.svc.cluster.local:8200\n",
        "secret_store:\n  provider: aws\n  region: eu-central-1\n",
    );
    replace_in(&config, "  region: us-east-1\n", "  region: eu-west-1\n");
    replace_in(
        &config,
        "environments: [dev, staging, production]\n",
        "environments: [dev, production]\nclusters:\n  - name: dev\n    environment: dev\n  - name: prod\n    environment: production\n    aws: {instance_type: m6i.xlarge}\n",
    );
    replace_in(
        &config,
        "    port: 8080\n",
        "    port: 8080\n    error_rate: shop:errors:ratio5m\n",
    );
    let output = apply_with_context_blueprint(root, &home, &repo);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let values = std::fs::read_to_string(repo.join("docs/values.txt")).expect("written");
    assert_eq!(
        values,
        "repo_url: https://github.com/acme/platform.git
repo_placeholder: false
owners: @acme/platform-team @alice
acme_email: [certs@acme.io]
acme_server: https://acme-v02.api.letsencrypt.org/directory
secret_store: aws [] [eu-central-1]
cluster dev: region eu-west-1, aws eu-west-1 t3.large
cluster prod: region eu-west-1, aws eu-west-1 m6i.xlarge
application shop: shop:errors:ratio5m; canary: shop:errors:ratio5m
"
    );
    assert!(
        !stderr(&output).contains("placeholder"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_bad_catalog_value_is_refused_with_its_line_and_a_hint() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let root = workspace.path();
    let home = root.join("home");
    crate::support::home_with_git_identity(&home);
    let repo = init_aws(root, &home);
    let config = repo.join("levelup.yaml");
    replace_in(&config, "owners: []", "owners: [platform-team]");
    let output = Test::new()
        .current_dir(&repo)
        .home(&home)
        .args(["apply", "--dry-run"])
        .run()
        .0;
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    let text = std::fs::read_to_string(&config).expect("config");
    let line = text
        .lines()
        .position(|line| line.starts_with("owners:"))
        .expect("owners")
        + 1;
    assert_eq!(
        stderr(&output),
        format!(
            "error: {}:{line}: `owners[0]`: `platform-team` is not a GitHub user or team\n  hint: did you mean `@platform-team`? CODEOWNERS names a user as `@alice`, a team as `@acme/platform-team`\nerror: `{}` is invalid: 1 problem\n",
            config.display(),
            config.display()
        )
    );
}

#[test]
fn init_with_repo_writes_github_repo_and_the_engines_sync_from_it() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let root = workspace.path();
    let home = root.join("home");
    crate::support::home_with_git_identity(&home);
    let init = |dir: &str, extra: &[&str]| {
        Test::new()
            .current_dir(root)
            .home(&home)
            // aws: where a docker platform keeps its backups (`backups.s3_url`) has a
            // placeholder of its own.
            .args([
                "init",
                dir,
                "--level",
                "2",
                "--gitops",
                "flux",
                "--provider",
                "aws",
            ])
            .args(extra)
            .run()
            .0
    };

    let output = init("platform", &["--repo", "acme/platform"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    // No placeholder is left, so nothing is said about one.
    assert!(
        !stderr(&output).contains("placeholder"),
        "{}",
        stderr(&output)
    );
    let repo = root.join("platform");
    let config = std::fs::read_to_string(repo.join("levelup.yaml")).expect("levelup.yaml");
    assert!(
        config.contains("\ngithub:\n  repo: acme/platform\n"),
        "{config}"
    );
    let instance = std::fs::read_to_string(repo.join("clusters/dev/flux-instance.yaml"))
        .expect("the dev cluster's FluxInstance");
    assert!(
        instance.contains("url: https://github.com/acme/platform.git\n"),
        "{instance}"
    );
    assert!(!instance.contains("LEVELUP-PLACEHOLDER"), "{instance}");

    // Without it, the same files carry the placeholder and init names them.
    let output = init("unset", &[]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("`clusters/dev/flux-instance.yaml`"),
        "{}",
        stderr(&output)
    );

    // A repository that is not OWNER/NAME is refused before anything is created.
    for bad in ["acme", "acme/platform/extra", "/platform", "acme/plat form"] {
        let output = init("refused", &["--repo", bad]);
        assert_eq!(code(&output), 2, "{bad}: {}", stderr(&output));
        assert_eq!(
            stderr(&output),
            format!(
                "error: `{bad}` is not a GitHub repository for `--repo`\nhint: write it as OWNER/NAME, such as `--repo acme/platform`\n"
            )
        );
        assert!(!root.join("refused").exists(), "{bad}");
    }
}
