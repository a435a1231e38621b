//! The commented `levelup.yaml` that `levelup init` writes once.

use super::{Application, Delivery, GitOps, PolicyEngine, Provider};
use crate::yaml::scalar;

/// The text of a new `levelup.yaml`. With no applications, one example is written.
pub fn default_file(
    name: &str,
    gitops: GitOps,
    policy: PolicyEngine,
    provider: Provider,
    applications: &[Application],
) -> String {
    let example = [Application {
        name: "podinfo".to_string(),
        image: "ghcr.io/stefanprodan/podinfo:6.9.2".to_string(),
        port: 9898,
        delivery: Delivery::Kustomize,
    }];
    let applications = if applications.is_empty() {
        &example[..]
    } else {
        applications
    };
    let mut apps = String::new();
    for application in applications {
        apps.push_str(&format!(
            "  - name: {}\n    image: {}\n    port: {}\n    delivery: {}\n",
            scalar(&application.name),
            scalar(&application.image),
            application.port,
            application.delivery,
        ));
    }
    format!(
        "# levelup.yaml: the choices of this platform repository.
# levelup reads this file and never rewrites it. Edit it, then run
# `levelup apply --dry-run` to see what changes and `levelup apply` to write it.

# The platform's name: lowercase letters, digits and `-`.
name: {name}
# The version of the CNCF Cloud Native Maturity Model the roadmap follows.
model: \"4\"
# The level `levelup apply` scaffolds when `--to` is not given (1-5).
# target: 3
# GitOps engine: flux or argocd.
gitops: {gitops}
# Policy engine: kyverno, gatekeeper, or vap (Kubernetes ValidatingAdmissionPolicy).
policy: {policy}
# Cluster API infrastructure provider: docker, aws, azure or vsphere.
provider: {provider}
# Language of generated text.
language: en
# The GitHub repository, for `levelup pr` and `levelup issues`.
# github:
#   repo: acme/platform

environments: [dev, staging, production]

# Workload clusters. Without this list there is one per environment, named after it.
# clusters:
#   - name: dev
#     environment: dev
#     kubernetes_version: v1.34.0
#     control_plane_nodes: 1
#     worker_nodes: 2
#     region: eu-west-1

# The applications the platform deploys, each in a namespace of its own per
# environment (`<name>-<environment>`). `delivery` says how it is packaged:
#   kustomize  a Kustomize base in apps/base/<name>/ (the default)
#   helm       a Helm chart in charts/<name>/, with values per environment in
#              apps/overlays/<environment>/<name>-values.yaml
applications:
{apps}",
        name = scalar(name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_file_is_a_valid_config() {
        let text = default_file(
            "acme-platform",
            GitOps::Flux,
            PolicyEngine::Kyverno,
            Provider::Docker,
            &[],
        );
        let config =
            super::super::parse(std::path::Path::new("levelup.yaml"), &text).expect("valid");
        assert_eq!(config.name, "acme-platform");
        assert_eq!(config.applications.len(), 1);
        assert_eq!(config.clusters.len(), 3);
        assert_eq!(config.environments, ["dev", "staging", "production"]);
    }
}
