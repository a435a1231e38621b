//! Changing `gitops` in levelup.yaml: the old engine's files go, the new one's come,
//! and a file of the old engine a person edited stays where it is.

use crate::support::{Test, git_in, replace_in, stdout};

#[test]
fn switching_from_flux_to_argocd_removes_flux_keeps_edits_and_writes_argocd() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let home = workspace.path().join("home");
    crate::support::home_with_git_identity(&home);
    Test::new()
        .current_dir(workspace.path())
        .home(&home)
        .args(["init", "platform", "--level", "2", "--gitops", "flux"])
        .run()
        .code(0);
    let repo = workspace.path().join("platform");
    // A person tunes one cluster's Flux, then the team moves to Argo CD.
    replace_in(
        &repo.join("clusters/production/flux-instance.yaml"),
        "networkPolicy: true",
        "networkPolicy: true\n    size: large",
    );
    // An edit to a controller's values, which both engines read.
    replace_in(
        &repo.join("infrastructure/controllers/cert-manager/values.yaml"),
        "replicaCount: 2\n",
        "replicaCount: 3\n",
    );
    replace_in(&repo.join("levelup.yaml"), "gitops: flux", "gitops: argocd");
    git_in(&home, &repo, &["commit", "-qam", "move to Argo CD"]);

    let output = Test::new()
        .current_dir(&repo)
        .home(&home)
        .args(["apply", "--to", "2"])
        .run()
        .code(0);
    let summary = stdout(&output.0);
    let status_of = |path: &str| -> String {
        summary
            .lines()
            .find(|line| line.ends_with(&format!(" {path}")))
            .map(|line| line[..line.len() - path.len()].trim().to_string())
            .unwrap_or_else(|| panic!("{path} is not in the summary:\n{summary}"))
    };
    for cluster in ["dev", "staging", "production"] {
        for file in ["apps.yaml", "infrastructure.yaml", "kustomization.yaml"] {
            let path = format!("clusters/{cluster}/{file}");
            assert_eq!(status_of(&path), "removed", "{path}");
            assert!(!repo.join(&path).exists(), "{path}");
        }
    }
    for cluster in ["dev", "staging"] {
        let path = format!("clusters/{cluster}/flux-instance.yaml");
        assert_eq!(status_of(&path), "removed", "{path}");
    }
    let edited = "clusters/production/flux-instance.yaml";
    assert_eq!(status_of(edited), "kept (edited, no longer generated)");
    assert!(
        std::fs::read_to_string(repo.join(edited))
            .expect("kept")
            .contains("size: large")
    );
    // Argo CD's files are written; cert-manager's folder changes engine and keeps its values.
    for path in [
        "argocd/bootstrap/root.yaml",
        "argocd/applicationsets/apps.yaml",
        "argocd/clusters/production.json",
        "infrastructure/controllers/argo-cd.yaml",
        "infrastructure/controllers/cert-manager/applicationset.yaml",
    ] {
        assert_eq!(status_of(path), "created", "{path}");
        assert!(repo.join(path).is_file(), "{path}");
    }
    assert_eq!(
        status_of("infrastructure/controllers/cert-manager/release.yaml"),
        "removed"
    );
    assert_eq!(
        status_of("infrastructure/controllers/cert-manager/kustomization.yaml"),
        "updated"
    );
    assert!(
        std::fs::read_to_string(
            repo.join("infrastructure/controllers/cert-manager/kustomization.yaml")
        )
        .expect("written")
        .contains("- applicationset.yaml")
    );
    let values =
        std::fs::read_to_string(repo.join("infrastructure/controllers/cert-manager/values.yaml"))
            .expect("kept");
    assert!(values.contains("replicaCount: 3\n"), "{values}");
    assert!(
        !summary.contains(" infrastructure/controllers/cert-manager/values.yaml"),
        "{summary}"
    );
    // The lock no longer tracks the kept file: another apply leaves it alone.
    git_in(&home, &repo, &["add", "-A"]);
    git_in(&home, &repo, &["commit", "-qm", "Argo CD"]);
    let again = Test::new()
        .current_dir(&repo)
        .home(&home)
        .args(["apply", "--to", "2"])
        .run()
        .code(0);
    assert!(
        !stdout(&again.0).contains("clusters/"),
        "{}",
        stdout(&again.0)
    );
    assert!(repo.join(edited).is_file());
}
