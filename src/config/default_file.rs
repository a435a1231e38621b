//! The commented `levelup.yaml` that `levelup init` writes once.

use super::{Application, GitOps, PolicyEngine, Provider};
#[cfg(test)]
use super::{Config, parse};
use crate::yaml::scalar;

/// The application a new `levelup.yaml` holds when `init` is given none.
pub fn example_application() -> Application {
    Application::new("podinfo", "ghcr.io/stefanprodan/podinfo:6.9.2", 9898)
}

/// The text of a new `levelup.yaml`. With no applications, one example is written.
pub fn default_file(
    name: &str,
    gitops: GitOps,
    policy: PolicyEngine,
    provider: Provider,
    applications: &[Application],
    repo: Option<&str>,
) -> String {
    let example = [example_application()];
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
# The GitHub repository, for `levelup pr` and `levelup issues`, and the one the
# GitOps engine syncs from. Until it is set, the files that need its URL carry a
# placeholder, and `levelup init`, `levelup apply` and `scripts/validate` name them.
{github}
# Who owns this repository, for CODEOWNERS rules: GitHub users and teams.
# owners: [\"@acme/platform-team\", \"@alice\"]
owners: []

# The ACME account of cert-manager's ClusterIssuer. Without `acme_email` the account
# has no contact address (ACME makes it optional).
certificates:
  # acme_email: platform-team@acme.io
  acme_server: {acme_server}

# Where External Secrets reads secrets from: `provider: vault` with the server's
# `url`, `aws` (Secrets Manager) with a `region`, or `azure` (Key Vault) with the
# vault's `url`, such as https://acme-platform.vault.azure.net.
secret_store:
  provider: vault
  url: {vault_url}

{backups}
# GitHub features the generated workflows use. A private repository needs GitHub
# Advanced Security for code scanning and GitHub Enterprise Cloud for artifact
# attestations: without them, turn the feature off here. Findings then fail the job
# and show in its log only; images are still signed with cosign.
# ci:
#   code_scanning: false
#   attestations: false

{machines}
environments: [dev, staging, production]

# Workload clusters. Without this list there is one per environment, named after it.
# clusters:
#   - name: dev
#     environment: dev
#     kubernetes_version: v1.34.0
#     control_plane_nodes: 1
#     worker_nodes: 2
{cluster_machines}

# The cluster that runs Argo CD (gitops: argocd) and reaches the others as registered
# clusters. Default: the first cluster of `production`.
# management_cluster: production

# The applications the platform deploys, each in a namespace of its own per
# environment (`<name>-<environment>`). `delivery` says how it is packaged:
#   kustomize  a Kustomize base in apps/base/<name>/ (the default)
#   helm       a Helm chart in charts/<name>/, with values per environment in
#              apps/overlays/<environment>/<name>-values.yaml
# `error_rate` (optional) is the PromQL expression of the share of failed requests
# (0 to 1) that progressive delivery watches; by default
#   sum(rate(http_requests_total{{job=\"NAME\",code=~\"5..\"}}[5m]))
#     / sum(rate(http_requests_total{{job=\"NAME\"}}[5m]))
# (with Flux, Flagger's analysis reads that default for the canary's own Service,
# NAME-canary, alone; an expression you set here is used as written)
applications:
{apps}",
        name = scalar(name),
        github = match repo {
            Some(repo) => format!("github:\n  repo: {}\n", scalar(repo)),
            None => "# github:\n#   repo: acme/platform\n".to_string(),
        },
        acme_server = super::services::DEFAULT_ACME_SERVER,
        vault_url = super::services::DEFAULT_VAULT_URL,
        machines = machines(provider),
        backups = backups(name, provider),
        cluster_machines = cluster_machines(provider),
    )
}

/// The provider's machine settings for every cluster, with their defaults.
fn machines(provider: Provider) -> String {
    use super::machines::*;
    match provider {
        Provider::Docker => "# Docker (CAPD) clusters have no machine settings.\n".to_string(),
        Provider::Aws => format!(
            "# The machines of every cluster (a cluster may override them under its own `aws:`).
aws:
  region: {DEFAULT_AWS_REGION}
  instance_type: {DEFAULT_AWS_INSTANCE_TYPE}
"
        ),
        Provider::Azure => format!(
            "# The machines of every cluster (a cluster may override them under its own `azure:`).
# Without `subscription_id`, the subscription is the one of the cluster identity.
# Cluster API acts as the managed identity `client_id` of tenant `tenant_id` through
# workload identity, with no secret: until both are set, clusters/management/capi/
# carries a placeholder (from level 4).
azure:
  location: {DEFAULT_AZURE_LOCATION}
  vm_size: {DEFAULT_AZURE_VM_SIZE}
  # subscription_id: 0b6f1c5e-3c4d-4a8e-9f21-6d2a7e5b9c10
  # tenant_id: 0d7f3a52-1b4c-4e6a-8f90-2c3d4e5f6a7b
  # client_id: 5e1f0c2a-7b3d-4c8e-9a6f-1d2b3c4e5f60
"
        ),
        Provider::Vsphere => format!(
            "# The vCenter and the machines of every cluster (a cluster may override them
# under its own `vsphere:`). Replace the example server and names with yours.
# `template` defaults to ubuntu-2404-kube-<the cluster's kubernetes_version>;
# without `thumbprint` the vCenter's certificate must be trusted. Each cluster
# needs its own `control_plane_endpoint`, the virtual IP of its API server.
vsphere:
  server: {DEFAULT_VSPHERE_SERVER}
  # thumbprint: 5D:01:06:63:55:9D:DF:FE:38:81:6E:2C:FA:71:BC:63:82:C5:16:51
  datacenter: {DEFAULT_VSPHERE_DATACENTER}
  datastore: {DEFAULT_VSPHERE_DATASTORE}
  network: {network}
  cpus: {DEFAULT_VSPHERE_CPUS}
  memory_mib: {DEFAULT_VSPHERE_MEMORY_MIB}
  disk_gib: {DEFAULT_VSPHERE_DISK_GIB}
",
            network = scalar(DEFAULT_VSPHERE_NETWORK),
        ),
    }
}

/// Where Velero keeps the backups, for the provider: what it needs besides the bucket.
fn backups(name: &str, provider: Provider) -> String {
    let head = format!(
        "# Where Velero keeps each cluster's backups (from level 2): object storage outside
# every cluster, one prefix per cluster. The credentials are in the secret store
# (key velero/<cluster>), never here. Bucket names are global: change it if it is taken.
backups:
  bucket: {name}-velero-backups
"
    );
    let tail = match provider {
        Provider::Aws => "",
        Provider::Azure => {
            "  # The storage account that holds the container, and its resource group:
  # until both are set, infrastructure/backups/ carries a placeholder.
  # resource_group: platform-backups
  # storage_account: acmebackups
"
        }
        Provider::Docker | Provider::Vsphere => {
            "  # The S3-compatible store (MinIO, Ceph RGW, a storage array's S3 endpoint):
  # until it is set, infrastructure/backups/ carries a placeholder.
  # s3_url: https://minio.acme.io
"
        }
    };
    format!("{head}{tail}")
}

/// The example cluster's own machine settings, as comment lines.
fn cluster_machines(provider: Provider) -> &'static str {
    match provider {
        Provider::Docker => "",
        Provider::Aws => "#     aws: {instance_type: m6i.xlarge}\n",
        Provider::Azure => "#     azure: {vm_size: Standard_D4s_v5}\n",
        Provider::Vsphere => {
            "#     vsphere: {cpus: 4, memory_mib: 16384, control_plane_endpoint: 10.0.10.5}\n"
        }
    }
}

/// The default platform (flux, kyverno, docker, the example application), parsed:
/// what unit tests elsewhere render or apply.
#[cfg(test)]
pub fn demo_config() -> Config {
    let text = default_file(
        "demo",
        GitOps::Flux,
        PolicyEngine::Kyverno,
        Provider::Docker,
        &[],
        None,
    );
    parse(std::path::Path::new(super::FILE_NAME), &text).expect("the default file is valid")
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
            None,
        );
        let config =
            super::super::parse(std::path::Path::new("levelup.yaml"), &text).expect("valid");
        assert_eq!(config.name, "acme-platform");
        assert_eq!(config.applications.len(), 1);
        assert_eq!(config.clusters.len(), 3);
        assert_eq!(config.environments, ["dev", "staging", "production"]);
    }

    /// For every provider, the file parses, and what it writes out is what the
    /// parser would take by default: writing a key changes nothing.
    #[test]
    fn every_provider_writes_its_defaults_and_nothing_else() {
        let parse = |text: &str| {
            super::super::parse(std::path::Path::new("levelup.yaml"), text)
                .unwrap_or_else(|error| panic!("{error:?}\n{text}"))
        };
        for &provider in Provider::ALL {
            let text = default_file(
                "acme",
                GitOps::Argocd,
                PolicyEngine::Vap,
                provider,
                &[],
                None,
            );
            let written = parse(&text);
            let minimal = parse(&format!(
                "name: acme\ngitops: argocd\npolicy: vap\nprovider: {provider}\napplications:\n  - {{name: podinfo, image: 'ghcr.io/stefanprodan/podinfo:6.9.2', port: 9898}}\n"
            ));
            assert_eq!(written, minimal, "{provider}");
            let blocks: Vec<&str> = ["aws:", "azure:", "vsphere:"]
                .into_iter()
                .filter(|block| text.lines().any(|line| line == *block))
                .collect();
            match provider {
                Provider::Docker => assert!(blocks.is_empty(), "{text}"),
                other => assert_eq!(blocks, [format!("{other}:")], "{text}"),
            }
            assert_eq!(
                written.applications[0].error_rate,
                super::super::default_error_rate("podinfo")
            );
        }
    }
}
