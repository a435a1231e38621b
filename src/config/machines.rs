//! The machines of each cluster in the terms of its Cluster API provider: where
//! (AWS region, Azure location, vCenter and datacenter) and how big (instance
//! type, VM size, CPUs and memory).
//!
//! A block named after the provider (`aws:`, `azure:`, `vsphere:`) may sit at the
//! top of `levelup.yaml`, for every cluster, and in a cluster, for that one; a key
//! in the cluster wins, then the top-level key, then the default. A block for
//! another provider than the platform's is an error: it would be silently ignored.
//! Docker (CAPD) has no settings.

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::{Checker, Provider, line};

pub const DEFAULT_AWS_REGION: &str = "us-east-1";
pub const DEFAULT_AWS_INSTANCE_TYPE: &str = "t3.large";
pub const DEFAULT_AZURE_LOCATION: &str = "westeurope";
pub const DEFAULT_AZURE_VM_SIZE: &str = "Standard_D2s_v3";
pub const DEFAULT_VSPHERE_SERVER: &str = "vcenter.example.com";
pub const DEFAULT_VSPHERE_DATACENTER: &str = "Datacenter";
pub const DEFAULT_VSPHERE_DATASTORE: &str = "datastore1";
pub const DEFAULT_VSPHERE_NETWORK: &str = "VM Network";
pub const DEFAULT_VSPHERE_CPUS: u32 = 2;
pub const DEFAULT_VSPHERE_MEMORY_MIB: u32 = 8192;
pub const DEFAULT_VSPHERE_DISK_GIB: u32 = 25;

/// CAPA: the cluster's region and the EC2 instance type of its machines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Aws {
    pub region: String,
    pub instance_type: String,
}

/// CAPZ: the cluster's location, the VM size of its machines, and the
/// subscription (empty: the one of the cluster identity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Azure {
    pub location: String,
    pub vm_size: String,
    pub subscription_id: String,
    /// The Entra tenant and the client id of the managed identity CAPZ acts as
    /// (workload identity: no secret). Empty until set; the files that need them then
    /// carry a placeholder.
    pub tenant_id: String,
    pub client_id: String,
}

/// CAPV: the vCenter, where the machines are cloned from and placed, and their size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Vsphere {
    pub server: String,
    /// The vCenter's TLS certificate thumbprint, or empty (the CA is trusted).
    pub thumbprint: String,
    pub datacenter: String,
    pub datastore: String,
    pub network: String,
    /// The VM template machines are cloned from.
    pub template: String,
    /// The address the cluster's API server is reached at (a virtual IP that kube-vip
    /// or a load balancer serves), or empty until set: the Cluster then carries a
    /// placeholder.
    pub control_plane_endpoint: String,
    pub cpus: u32,
    pub memory_mib: u32,
    pub disk_gib: u32,
}

/// One cluster's machine settings: only the platform's provider has a value.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Machines {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws: Option<Aws>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure: Option<Azure>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vsphere: Option<Vsphere>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAws {
    #[serde(default)]
    region: Option<Spanned<String>>,
    #[serde(default)]
    instance_type: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAzure {
    #[serde(default)]
    location: Option<Spanned<String>>,
    #[serde(default)]
    vm_size: Option<Spanned<String>>,
    #[serde(default)]
    subscription_id: Option<Spanned<String>>,
    #[serde(default)]
    tenant_id: Option<Spanned<String>>,
    #[serde(default)]
    client_id: Option<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVsphere {
    #[serde(default)]
    server: Option<Spanned<String>>,
    #[serde(default)]
    thumbprint: Option<Spanned<String>>,
    #[serde(default)]
    datacenter: Option<Spanned<String>>,
    #[serde(default)]
    datastore: Option<Spanned<String>>,
    #[serde(default)]
    network: Option<Spanned<String>>,
    #[serde(default)]
    template: Option<Spanned<String>>,
    #[serde(default)]
    control_plane_endpoint: Option<Spanned<String>>,
    #[serde(default)]
    cpus: Option<Spanned<i64>>,
    #[serde(default)]
    memory_mib: Option<Spanned<i64>>,
    #[serde(default)]
    disk_gib: Option<Spanned<i64>>,
}

/// The provider blocks at one level of the file (the top, or one cluster), and
/// the key they sit under (`""` or `clusters[2].`).
pub(super) struct Blocks<'a> {
    pub prefix: String,
    pub aws: Option<&'a Spanned<RawAws>>,
    pub azure: Option<&'a Spanned<RawAzure>>,
    pub vsphere: Option<&'a Spanned<RawVsphere>>,
}

impl Blocks<'_> {
    /// Reports every block that is not for `provider`.
    pub fn check_provider(&self, check: &mut Checker<'_>, provider: Provider) {
        // The line of each block given: where the block's first key is.
        let given = [
            (Provider::Aws, self.aws.map(line)),
            (Provider::Azure, self.azure.map(line)),
            (Provider::Vsphere, self.vsphere.map(line)),
        ];
        for (block, at) in given {
            let Some(at) = at else { continue };
            if block != provider {
                check.report(
                    &format!("{}{block}", self.prefix),
                    at,
                    format!(
                        "settings for provider `{block}`, but the platform's provider is `{provider}`"
                    ),
                    &format!("remove `{block}:`, or set `provider: {block}`"),
                );
            }
        }
    }
}

/// A cluster's machines: its own keys, then the top-level ones, then defaults.
/// `region` is the cluster's older `region:` key, the AWS region or Azure location
/// when the provider block does not give one.
pub(super) fn resolve(
    check: &mut Checker<'_>,
    provider: Provider,
    top: &Blocks<'_>,
    cluster: &Blocks<'_>,
    region: Option<&Spanned<String>>,
    kubernetes_version: &str,
) -> Machines {
    let mut machines = Machines::default();
    match provider {
        Provider::Docker => {}
        Provider::Aws => {
            let levels = [(&cluster.prefix, cluster.aws), (&top.prefix, top.aws)];
            let region = region_or_legacy(
                check,
                pick(levels, |b: &RawAws| &b.region, "aws.region"),
                region,
                &cluster.prefix,
                false,
            )
            .unwrap_or_else(|| DEFAULT_AWS_REGION.to_string());
            let instance_type = text(
                check,
                pick(levels, |b: &RawAws| &b.instance_type, "aws.instance_type"),
                DEFAULT_AWS_INSTANCE_TYPE,
                is_aws_instance_type,
                "an EC2 instance type",
                "write it as `m6i.large`",
            );
            machines.aws = Some(Aws {
                region,
                instance_type,
            });
        }
        Provider::Azure => {
            let levels = [(&cluster.prefix, cluster.azure), (&top.prefix, top.azure)];
            let location = region_or_legacy(
                check,
                pick(levels, |b: &RawAzure| &b.location, "azure.location"),
                region,
                &cluster.prefix,
                true,
            )
            .unwrap_or_else(|| DEFAULT_AZURE_LOCATION.to_string());
            let vm_size = text(
                check,
                pick(levels, |b: &RawAzure| &b.vm_size, "azure.vm_size"),
                DEFAULT_AZURE_VM_SIZE,
                is_azure_vm_size,
                "an Azure VM size",
                "write it as `Standard_D4s_v5`",
            );
            let subscription_id = text(
                check,
                pick(
                    levels,
                    |b: &RawAzure| &b.subscription_id,
                    "azure.subscription_id",
                ),
                "",
                |id| id.is_empty() || is_uuid(id),
                "a subscription id",
                "write the subscription's id, a UUID such as `0b6f1c5e-3c4d-4a8e-9f21-6d2a7e5b9c10`, or leave it out",
            );
            let mut uuid = |field: fn(&RawAzure) -> &Option<Spanned<String>>,
                            key: &str,
                            what: &str| {
                text(
                    check,
                    pick(levels, field, key),
                    "",
                    |id| id.is_empty() || is_uuid(id),
                    what,
                    "write it as a UUID such as `0b6f1c5e-3c4d-4a8e-9f21-6d2a7e5b9c10`, or leave it out",
                )
            };
            let tenant_id = uuid(|b| &b.tenant_id, "azure.tenant_id", "a tenant id");
            let client_id = uuid(|b| &b.client_id, "azure.client_id", "a client id");
            machines.azure = Some(Azure {
                location,
                vm_size,
                subscription_id,
                tenant_id,
                client_id,
            });
        }
        Provider::Vsphere => {
            let levels = [
                (&cluster.prefix, cluster.vsphere),
                (&top.prefix, top.vsphere),
            ];
            let server = text(
                check,
                pick(levels, |b: &RawVsphere| &b.server, "vsphere.server"),
                DEFAULT_VSPHERE_SERVER,
                is_host,
                "a vCenter host name",
                "write the vCenter's host name or address, such as `vcenter.acme.io`, without `https://`",
            );
            let thumbprint = text(
                check,
                pick(levels, |b: &RawVsphere| &b.thumbprint, "vsphere.thumbprint"),
                "",
                |t| t.is_empty() || is_thumbprint(t),
                "a certificate thumbprint",
                "write the SHA-1 or SHA-256 thumbprint as hex pairs separated by `:`, or leave it out",
            );
            let not_blank = |v: &str| !v.trim().is_empty();
            let as_shown = "write the name as vCenter shows it";
            let datacenter = text(
                check,
                pick(levels, |b: &RawVsphere| &b.datacenter, "vsphere.datacenter"),
                DEFAULT_VSPHERE_DATACENTER,
                not_blank,
                "a datacenter",
                as_shown,
            );
            let datastore = text(
                check,
                pick(levels, |b: &RawVsphere| &b.datastore, "vsphere.datastore"),
                DEFAULT_VSPHERE_DATASTORE,
                not_blank,
                "a datastore",
                as_shown,
            );
            let network = text(
                check,
                pick(levels, |b: &RawVsphere| &b.network, "vsphere.network"),
                DEFAULT_VSPHERE_NETWORK,
                not_blank,
                "a network",
                as_shown,
            );
            let template = text(
                check,
                pick(levels, |b: &RawVsphere| &b.template, "vsphere.template"),
                &format!("ubuntu-2404-kube-{kubernetes_version}"),
                not_blank,
                "a VM template",
                as_shown,
            );
            // Every cluster has an API server address of its own: one for all is a mistake.
            if let Some(given) = top
                .vsphere
                .and_then(|block| block.value.control_plane_endpoint.as_ref())
            {
                check.report(
                    &format!("{}vsphere.control_plane_endpoint", top.prefix),
                    line(given),
                    "`control_plane_endpoint` is the address of one cluster's API server".to_string(),
                    "set it under each cluster in `clusters:`, such as `vsphere: {control_plane_endpoint: 10.0.10.5}`",
                );
            }
            let control_plane_endpoint = text(
                check,
                pick(
                    levels,
                    |b: &RawVsphere| &b.control_plane_endpoint,
                    "vsphere.control_plane_endpoint",
                ),
                "",
                |v| v.is_empty() || is_host(v),
                "a host name or address",
                "write the address of the cluster's API server, such as `10.0.10.5`, without a port",
            );
            let cpus = number(
                check,
                pick(levels, |b: &RawVsphere| &b.cpus, "vsphere.cpus"),
                DEFAULT_VSPHERE_CPUS,
                1..=768,
            );
            let memory_mib = number(
                check,
                pick(levels, |b: &RawVsphere| &b.memory_mib, "vsphere.memory_mib"),
                DEFAULT_VSPHERE_MEMORY_MIB,
                1024..=24 * 1024 * 1024,
            );
            let disk_gib = number(
                check,
                pick(levels, |b: &RawVsphere| &b.disk_gib, "vsphere.disk_gib"),
                DEFAULT_VSPHERE_DISK_GIB,
                1..=62 * 1024,
            );
            machines.vsphere = Some(Vsphere {
                server,
                thumbprint,
                datacenter,
                datastore,
                network,
                template,
                control_plane_endpoint,
                cpus,
                memory_mib,
                disk_gib,
            });
        }
    }
    machines
}

/// The AWS region or Azure location of a cluster's machines, if its provider has one.
pub(super) fn region(machines: &Machines) -> Option<String> {
    machines
        .aws
        .as_ref()
        .map(|aws| aws.region.clone())
        .or_else(|| machines.azure.as_ref().map(|azure| azure.location.clone()))
}

/// A value and the key it was read at.
struct Found<'a, T> {
    value: &'a Spanned<T>,
    key: String,
}

/// The first level (cluster, then top) whose block gives the field.
fn pick<'a, B, T>(
    levels: [(&String, Option<&'a Spanned<B>>); 2],
    field: impl Fn(&'a B) -> &'a Option<Spanned<T>>,
    path: &str,
) -> Option<Found<'a, T>> {
    levels.into_iter().find_map(|(prefix, block)| {
        let value = field(&block?.value).as_ref()?;
        Some(Found {
            value,
            key: format!("{prefix}{path}"),
        })
    })
}

/// The region from the cluster's provider block or its `region:` (both, different,
/// is an error), then from the top-level block. The region is checked here, wherever it came from.
fn region_or_legacy(
    check: &mut Checker<'_>,
    from_block: Option<Found<'_, String>>,
    legacy: Option<&Spanned<String>>,
    cluster_prefix: &str,
    azure: bool,
) -> Option<String> {
    let legacy_key = format!("{cluster_prefix}region");
    // The cluster's own `region:` is more specific than a top-level block.
    let from_block =
        from_block.filter(|block| legacy.is_none() || block.key.starts_with(cluster_prefix));
    let (found, key, at) = match (&from_block, legacy) {
        (Some(block), Some(legacy)) if block.value.value != legacy.value => {
            check.report(
                &legacy_key,
                line(legacy),
                format!(
                    "`region: {}` and `{}: {}` disagree",
                    legacy.value, block.key, block.value.value
                ),
                &format!("set it once, as `{}`", block.key),
            );
            return Some(block.value.value.clone());
        }
        (Some(block), _) => (&block.value.value, block.key.clone(), line(block.value)),
        (None, Some(legacy)) => (&legacy.value, legacy_key, line(legacy)),
        (None, None) => return None,
    };
    let (valid, what, hint) = if azure {
        (
            is_azure_location(found),
            "an Azure location",
            "write it as Azure names it, lowercase without spaces: `westeurope`",
        )
    } else {
        (
            is_aws_region(found),
            "an AWS region",
            "write it as `eu-west-1`",
        )
    };
    if !valid {
        check.report(&key, at, format!("`{found}` is not {what}"), hint);
    }
    Some(found.clone())
}

/// The value given, checked; or the default, which needs no check.
fn text(
    check: &mut Checker<'_>,
    given: Option<Found<'_, String>>,
    default: &str,
    valid: impl Fn(&str) -> bool,
    what: &str,
    hint: &str,
) -> String {
    let Some(given) = given else {
        return default.to_string();
    };
    if !valid(&given.value.value) {
        check.report(
            &given.key,
            line(given.value),
            format!("`{}` is not {what}", given.value.value),
            hint,
        );
    }
    given.value.value.clone()
}

fn number(
    check: &mut Checker<'_>,
    given: Option<Found<'_, i64>>,
    default: u32,
    range: std::ops::RangeInclusive<u32>,
) -> u32 {
    let Some(given) = given else {
        return default;
    };
    match u32::try_from(given.value.value)
        .ok()
        .filter(|n| range.contains(n))
    {
        Some(n) => n,
        None => {
            check.report(
                &given.key,
                line(given.value),
                format!("`{}` is out of range", given.value.value),
                &format!("a number from {} to {}", range.start(), range.end()),
            );
            default
        }
    }
}

/// `us-east-1`, `eu-central-2`, `us-gov-west-1`, `ap-southeast-4`.
pub fn is_aws_region(region: &str) -> bool {
    let parts: Vec<&str> = region.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_lowercase()))
        && parts[parts.len() - 1].chars().all(|c| c.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// `m6i.large`, `t3.2xlarge`, `c7g.metal-48xl`: a family, a dot, a size.
fn is_aws_instance_type(instance_type: &str) -> bool {
    let Some((family, size)) = instance_type.split_once('.') else {
        return false;
    };
    !family.is_empty()
        && !size.is_empty()
        && family
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && size
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// `westeurope`, `eastus2`: Azure's programmatic names.
fn is_azure_location(location: &str) -> bool {
    !location.is_empty()
        && location
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
}

/// `Standard_D2s_v3`, `Standard_E16-4ds_v5`.
fn is_azure_vm_size(size: &str) -> bool {
    (size.starts_with("Standard_") || size.starts_with("Basic_"))
        && size
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn is_uuid(id: &str) -> bool {
    let groups: Vec<&str> = id.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

fn is_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// SHA-1 (20 pairs) or SHA-256 (32 pairs) as `AB:CD:...`.
fn is_thumbprint(thumbprint: &str) -> bool {
    let pairs: Vec<&str> = thumbprint.split(':').collect();
    (pairs.len() == 20 || pairs.len() == 32)
        && pairs
            .iter()
            .all(|pair| pair.len() == 2 && pair.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_value_shapes() {
        for good in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(is_aws_region(good), "{good}");
        }
        for bad in [
            "",
            "us-east",
            "useast1",
            "US-EAST-1",
            "eu-west-1a",
            "e-west-1",
        ] {
            assert!(!is_aws_region(bad), "{bad}");
        }
        assert!(is_aws_instance_type("m6i.large"));
        assert!(is_aws_instance_type("c7g.metal-48xl"));
        assert!(!is_aws_instance_type("large"));
        assert!(!is_aws_instance_type("M6i.Large"));
        assert!(is_azure_location("eastus2"));
        assert!(!is_azure_location("West Europe"));
        assert!(is_azure_vm_size("Standard_E16-4ds_v5"));
        assert!(!is_azure_vm_size("D2s_v3"));
        assert!(!is_azure_vm_size("Standard D2s"));
        assert!(is_uuid("0b6f1c5e-3c4d-4a8e-9f21-6d2a7e5b9c10"));
        assert!(!is_uuid("0b6f1c5e3c4d4a8e9f216d2a7e5b9c10"));
        assert!(is_host("vcenter.acme.io"));
        assert!(is_host("10.0.0.5"));
        assert!(!is_host("https://vcenter.acme.io"));
        assert!(is_thumbprint(&["AB"; 20].join(":")));
        assert!(!is_thumbprint("AB:CD"));
    }
}

#[cfg(test)]
mod resolution_tests {
    use std::path::Path;

    use super::super::{Cluster, parse};
    use super::*;

    fn clusters(text: &str) -> Vec<Cluster> {
        match parse(Path::new("levelup.yaml"), text) {
            Ok(config) => config.clusters,
            Err(error) => panic!("{error:?}"),
        }
    }

    fn problems(text: &str) -> Vec<(Option<usize>, String, String, String)> {
        crate::config::problem_tuples(text)
    }

    #[test]
    fn every_provider_has_defaults_and_docker_has_none() {
        let head = "name: acme\ngitops: flux\npolicy: kyverno\n";
        let docker = clusters(&format!("{head}provider: docker\n"));
        assert_eq!(docker.len(), 3);
        assert_eq!(docker[0].machines, Machines::default());
        assert_eq!(docker[0].region, "");
        let aws = clusters(&format!("{head}provider: aws\n"));
        assert_eq!(
            aws[0].machines.aws,
            Some(Aws {
                region: DEFAULT_AWS_REGION.to_string(),
                instance_type: DEFAULT_AWS_INSTANCE_TYPE.to_string(),
            })
        );
        assert_eq!(aws[0].region, DEFAULT_AWS_REGION);
        assert_eq!(aws[0].machines.azure, None);
        let azure = clusters(&format!("{head}provider: azure\n"));
        let settings = azure[0].machines.azure.as_ref().expect("azure");
        assert_eq!(settings.location, DEFAULT_AZURE_LOCATION);
        assert_eq!(settings.subscription_id, "");
        assert_eq!(azure[0].region, DEFAULT_AZURE_LOCATION);
        let vsphere = clusters(&format!(
            "{head}provider: vsphere\nclusters:\n  - name: one\n    environment: dev\n    kubernetes_version: v1.33.2\n"
        ));
        let settings = vsphere[0].machines.vsphere.as_ref().expect("vsphere");
        assert_eq!(settings.template, "ubuntu-2404-kube-v1.33.2");
        assert_eq!(
            (settings.cpus, settings.memory_mib, settings.disk_gib),
            (2, 8192, 25)
        );
    }

    #[test]
    fn the_api_server_address_is_per_cluster_and_the_azure_identity_is_checked() {
        let head = "name: acme\ngitops: flux\npolicy: kyverno\n";
        let vsphere = clusters(&format!(
            "{head}provider: vsphere\nclusters:\n  - name: one\n    environment: dev\n    vsphere: {{control_plane_endpoint: 10.0.10.5}}\n\
             \x20 - name: two\n    environment: production\n"
        ));
        let endpoints: Vec<&str> = vsphere
            .iter()
            .map(|cluster| {
                let settings = cluster.machines.vsphere.as_ref().expect("vsphere");
                settings.control_plane_endpoint.as_str()
            })
            .collect();
        assert_eq!(endpoints, ["10.0.10.5", ""]);
        // One address for every cluster is refused once, where it is written.
        let found = problems(&format!(
            "{head}provider: vsphere\nvsphere:\n  control_plane_endpoint: 10.0.10.5\n"
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, Some(6));
        assert_eq!(found[0].1, "vsphere.control_plane_endpoint");
        let found = problems(&format!(
            "{head}provider: azure\nazure:\n  tenant_id: acme\n  client_id: 5e1f0c2a-7b3d-4c8e-9a6f-1d2b3c4e5f60\n"
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].1, "azure.tenant_id");
        assert!(
            found[0].2.contains("`acme` is not a tenant id"),
            "{found:?}"
        );
    }

    #[test]
    fn a_cluster_overrides_the_top_level_settings_key_by_key() {
        let found = clusters(
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: aws\n\
             aws: {region: eu-west-1, instance_type: m6i.large}\n\
             clusters:\n  - name: one\n    environment: dev\n\
             \x20 - name: two\n    environment: production\n    aws: {instance_type: m6i.xlarge}\n\
             \x20 - name: three\n    environment: production\n    region: eu-central-1\n",
        );
        let settings: Vec<(&str, &str)> = found
            .iter()
            .map(|cluster| {
                let aws = cluster.machines.aws.as_ref().expect("aws");
                (aws.region.as_str(), aws.instance_type.as_str())
            })
            .collect();
        assert_eq!(
            settings,
            [
                ("eu-west-1", "m6i.large"),
                ("eu-west-1", "m6i.xlarge"),
                // The older `region:` key still sets the region, over the top-level one.
                ("eu-central-1", "m6i.large"),
            ]
        );
        assert_eq!(found[2].region, "eu-central-1");
    }

    #[test]
    fn settings_for_another_provider_are_refused_where_they_are() {
        let found = problems(
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: aws\nvsphere:\n  server: vc.acme.io\n\
             clusters:\n  - name: one\n    environment: dev\n    azure: {vm_size: Standard_D4s_v5}\n",
        );
        assert_eq!(
            found,
            [
                (
                    Some(6),
                    "vsphere".to_string(),
                    "settings for provider `vsphere`, but the platform's provider is `aws`"
                        .to_string(),
                    "remove `vsphere:`, or set `provider: vsphere`".to_string()
                ),
                (
                    Some(10),
                    "clusters[0].azure".to_string(),
                    "settings for provider `azure`, but the platform's provider is `aws`"
                        .to_string(),
                    "remove `azure:`, or set `provider: azure`".to_string()
                ),
            ]
        );
    }

    #[test]
    fn bad_values_name_the_key_they_were_read_at() {
        let found = problems(
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: azure\n\
             azure:\n  vm_size: D4s\n\
             clusters:\n  - name: one\n    environment: dev\n    region: eastus\n    azure:\n      location: West Europe\n      subscription_id: nope\n",
        );
        let keys: Vec<(Option<usize>, &str, &str)> = found
            .iter()
            .map(|(line, key, message, _)| (*line, key.as_str(), message.as_str()))
            .collect();
        assert_eq!(
            keys,
            [
                (
                    Some(10),
                    "clusters[0].region",
                    "`region: eastus` and `clusters[0].azure.location: West Europe` disagree"
                ),
                (Some(6), "azure.vm_size", "`D4s` is not an Azure VM size"),
                (
                    Some(13),
                    "clusters[0].azure.subscription_id",
                    "`nope` is not a subscription id"
                ),
            ]
        );
        let found = problems(
            "name: acme\ngitops: flux\npolicy: kyverno\nprovider: vsphere\n\
             vsphere:\n  server: https://vc.acme.io\n  memory_mib: 512\n",
        );
        let keys: Vec<(Option<usize>, &str)> = found
            .iter()
            .map(|(line, key, _, _)| (*line, key.as_str()))
            .collect();
        // Three default clusters share the top-level block: each problem is reported once.
        assert_eq!(keys.len(), 2, "{found:?}");
        assert_eq!(keys[0], (Some(6), "vsphere.server"));
        assert_eq!(keys[1], (Some(7), "vsphere.memory_mib"));
        assert_eq!(found[1].3, "a number from 1024 to 25165824");
    }
}
