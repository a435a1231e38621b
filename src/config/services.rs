//! Platform services the catalog configures from `levelup.yaml`: the ACME account
//! of cert-manager's ClusterIssuer, the store External Secrets reads from, where Velero
//! keeps the backups, and the owners written to CODEOWNERS. Each has a default that renders and validates.

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

use super::shapes::{is_email, is_http_url, is_owner};
use super::{Checker, line};

/// Let's Encrypt's production directory: what a ClusterIssuer uses unless told otherwise.
pub const DEFAULT_ACME_SERVER: &str = "https://acme-v02.api.letsencrypt.org/directory";
/// A Vault inside the cluster, as its Helm chart installs it (namespace `vault`).
pub const DEFAULT_VAULT_URL: &str = "https://vault.vault.svc.cluster.local:8200";

/// Where Velero keeps each cluster's backups: object storage outside the clusters, one
/// prefix per cluster. What no default can know (the endpoint of an S3-compatible store,
/// Azure's storage account) is empty until set, and the files hold a placeholder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Backups {
    /// The S3 bucket or Azure blob container; default `<name>-velero-backups`.
    pub bucket: String,
    /// The endpoint of an S3-compatible store (providers docker and vsphere), or empty.
    pub s3_url: String,
    /// Azure: the resource group of the storage account, or empty.
    pub resource_group: String,
    /// Azure: the storage account that holds the container, or empty.
    pub storage_account: String,
}

impl Backups {
    pub fn default_for(name: &str) -> Backups {
        Backups {
            bucket: format!("{name}-velero-backups"),
            s3_url: String::new(),
            resource_group: String::new(),
            storage_account: String::new(),
        }
    }
}

/// The ACME account cert-manager's ClusterIssuer registers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Certificates {
    /// The account's contact, or empty: the ACME protocol and cert-manager make it
    /// optional, and Let's Encrypt no longer sends expiry mail to it.
    pub acme_email: String,
    /// The ACME directory URL.
    pub acme_server: String,
}

impl Default for Certificates {
    fn default() -> Self {
        Certificates {
            acme_email: String::new(),
            acme_server: DEFAULT_ACME_SERVER.to_string(),
        }
    }
}

/// The GitHub features the generated workflows use. Both are on by default; a private
/// repository on a plan without GitHub Advanced Security (code scanning) or without
/// artifact attestations (GitHub Enterprise Cloud for private repositories) turns them off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Ci {
    /// Scanners upload their findings as SARIF to code scanning.
    pub code_scanning: bool,
    /// The release workflow records provenance and the SBOM with `actions/attest`.
    pub attestations: bool,
}

impl Default for Ci {
    fn default() -> Self {
        Ci {
            code_scanning: true,
            attestations: true,
        }
    }
}

/// Where External Secrets reads secrets from (its SecretStore or ClusterSecretStore).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretStore {
    pub provider: SecretStoreProvider,
    /// The server (vault) or vault URL (azure); empty for aws.
    pub url: String,
    /// The Secrets Manager region (aws); empty otherwise.
    pub region: String,
}

impl Default for SecretStore {
    fn default() -> Self {
        SecretStore {
            provider: SecretStoreProvider::Vault,
            url: DEFAULT_VAULT_URL.to_string(),
            region: String::new(),
        }
    }
}

/// The External Secrets providers levelup writes a store for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretStoreProvider {
    /// HashiCorp Vault (or OpenBao), reached at `url`.
    Vault,
    /// AWS Secrets Manager, reached by `region`.
    Aws,
    /// Azure Key Vault, reached at its vault URL.
    Azure,
}

impl SecretStoreProvider {
    pub const ALL: &'static [SecretStoreProvider] = &[
        SecretStoreProvider::Vault,
        SecretStoreProvider::Aws,
        SecretStoreProvider::Azure,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SecretStoreProvider::Vault => "vault",
            SecretStoreProvider::Aws => "aws",
            SecretStoreProvider::Azure => "azure",
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCertificates {
    #[serde(default)]
    acme_email: Option<Spanned<String>>,
    #[serde(default)]
    acme_server: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBackups {
    #[serde(default)]
    bucket: Option<Spanned<String>>,
    #[serde(default)]
    s3_url: Option<Spanned<String>>,
    #[serde(default)]
    resource_group: Option<Spanned<String>>,
    #[serde(default)]
    storage_account: Option<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSecretStore {
    provider: SecretStoreProvider,
    #[serde(default)]
    url: Option<Spanned<String>>,
    #[serde(default)]
    region: Option<Spanned<String>>,
}

pub(super) fn certificates(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawCertificates>>,
) -> Certificates {
    let Some(raw) = raw else {
        return Certificates::default();
    };
    let mut certificates = Certificates::default();
    if let Some(email) = &raw.value.acme_email {
        if !email.value.is_empty() && !is_email(&email.value) {
            check.report(
                "certificates.acme_email",
                line(email).or(line(raw)),
                format!("`{}` is not an e-mail address", email.value),
                "write it as `platform-team@acme.io`, or leave it out: the ACME account then has no contact",
            );
        }
        certificates.acme_email = email.value.clone();
    }
    if let Some(server) = &raw.value.acme_server {
        if !is_http_url(&server.value) || !server.value.starts_with("https://") {
            check.report(
                "certificates.acme_server",
                line(server).or(line(raw)),
                format!("`{}` is not an https:// URL", server.value),
                &format!("an ACME directory URL, such as `{DEFAULT_ACME_SERVER}`"),
            );
        }
        certificates.acme_server = server.value.clone();
    }
    certificates
}

pub(super) fn backups(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawBackups>>,
    name: &str,
    provider: super::Provider,
) -> Backups {
    let mut backups = Backups::default_for(name);
    let Some(raw) = raw else {
        return backups;
    };
    let azure = provider == super::Provider::Azure;
    if let Some(bucket) = &raw.value.bucket {
        // S3's rules for a bucket name, which also make a valid Azure container name
        // when there is no dot.
        let value = &bucket.value;
        let shaped = (3..=63).contains(&value.len())
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
            && value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value.ends_with(|c: char| c.is_ascii_alphanumeric())
            && !(azure && value.contains('.'));
        if !shaped {
            check.report(
                "backups.bucket",
                line(bucket),
                format!("`{value}` is not a bucket name"),
                if azure {
                    "3 to 63 lowercase letters, digits and `-`, such as `velero-backups`"
                } else {
                    "3 to 63 lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit, such as `acme-velero-backups`"
                },
            );
        }
        backups.bucket = value.clone();
    }
    if let Some(url) = &raw.value.s3_url {
        if azure {
            check.report(
                "backups.s3_url",
                line(url),
                "the azure provider keeps backups in Blob Storage, not at an S3 endpoint"
                    .to_string(),
                "set `resource_group` and `storage_account` instead, and remove `s3_url`",
            );
        } else if !is_http_url(&url.value) {
            check.report(
                "backups.s3_url",
                line(url),
                format!("`{}` is not a URL", url.value),
                "write the S3-compatible endpoint, such as `https://minio.acme.io`",
            );
        }
        backups.s3_url = url.value.clone();
    }
    for (key, field, target) in [
        (
            "resource_group",
            &raw.value.resource_group,
            &mut backups.resource_group,
        ),
        (
            "storage_account",
            &raw.value.storage_account,
            &mut backups.storage_account,
        ),
    ] {
        let Some(value) = field else { continue };
        if !azure {
            check.report(
                &format!("backups.{key}"),
                line(value),
                format!("`{key}` is for the azure provider's Blob Storage"),
                "remove it; other providers keep backups in an S3 bucket (`bucket`, and `s3_url` for docker and vsphere)",
            );
        } else if key == "storage_account"
            && !((3..=24).contains(&value.value.len())
                && value
                    .value
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
        {
            check.report(
                "backups.storage_account",
                line(value),
                format!("`{}` is not a storage account name", value.value),
                "3 to 24 lowercase letters and digits, such as `acmebackups`",
            );
        } else if key == "resource_group"
            && (value.value.is_empty()
                || value.value.len() > 90
                || value.value.ends_with('.')
                || !value
                    .value
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.' | '(' | ')')))
        {
            check.report(
                &format!("backups.{key}"),
                line(value),
                format!("`{}` is not a resource group name", value.value),
                "1 to 90 letters, digits, `-`, `_`, `.` and `()`, such as `platform-backups`",
            );
        }
        *target = value.value.clone();
    }
    backups
}

pub(super) fn secret_store(
    check: &mut Checker<'_>,
    raw: Option<&Spanned<RawSecretStore>>,
) -> SecretStore {
    let Some(spanned) = raw else {
        return SecretStore::default();
    };
    let raw = &spanned.value;
    let provider = raw.provider;
    let name = provider.as_str();
    let url = match (provider, &raw.url) {
        (SecretStoreProvider::Aws, Some(url)) => {
            check.report(
                "secret_store.url",
                line(url),
                "the aws store has no `url`".to_string(),
                "AWS Secrets Manager is reached by `region`; remove `url`",
            );
            String::new()
        }
        (SecretStoreProvider::Aws, None) => String::new(),
        (_, Some(url)) => {
            if !is_http_url(&url.value) {
                check.report(
                    "secret_store.url",
                    line(url),
                    format!("`{}` is not a URL", url.value),
                    match provider {
                        SecretStoreProvider::Azure => {
                            "write the vault's URL, such as `https://acme-platform.vault.azure.net`"
                        }
                        _ => "write the server's URL, such as `https://vault.acme.io:8200`",
                    },
                );
            }
            url.value.clone()
        }
        (SecretStoreProvider::Vault, None) => DEFAULT_VAULT_URL.to_string(),
        (SecretStoreProvider::Azure, None) => {
            check.report(
                "secret_store.url",
                line(spanned),
                "the azure store needs `url`".to_string(),
                "add the Key Vault's URL, such as `url: https://acme-platform.vault.azure.net`",
            );
            String::new()
        }
    };
    let region = match (provider, &raw.region) {
        (SecretStoreProvider::Aws, Some(region)) => {
            if !super::machines::is_aws_region(&region.value) {
                check.report(
                    "secret_store.region",
                    line(region),
                    format!("`{}` is not an AWS region", region.value),
                    "write it as `eu-west-1`",
                );
            }
            region.value.clone()
        }
        (SecretStoreProvider::Aws, None) => {
            check.report(
                "secret_store.region",
                line(spanned),
                "the aws store needs `region`".to_string(),
                "add the Secrets Manager region, such as `region: eu-west-1`",
            );
            String::new()
        }
        (_, Some(region)) => {
            check.report(
                "secret_store.region",
                line(region),
                format!("the {name} store has no `region`"),
                "`region` is for the aws store; remove it",
            );
            String::new()
        }
        (_, None) => String::new(),
    };
    SecretStore {
        provider,
        url,
        region,
    }
}

pub(super) fn owners(check: &mut Checker<'_>, raw: &[Spanned<String>]) -> Vec<String> {
    let mut owners: Vec<String> = Vec::new();
    for (index, owner) in raw.iter().enumerate() {
        let key = format!("owners[{index}]");
        if !is_owner(&owner.value) {
            let prefixed = format!("@{}", owner.value);
            let hint = if is_owner(&prefixed) {
                format!(
                    "did you mean `{prefixed}`? CODEOWNERS names a user as `@alice`, a team as `@acme/platform-team`"
                )
            } else {
                "a GitHub user `@alice` or team `@acme/platform-team`: letters, digits and single `-`"
                    .to_string()
            };
            check.report(
                &key,
                line(owner),
                format!("`{}` is not a GitHub user or team", owner.value),
                &hint,
            );
        } else if owners
            .iter()
            .any(|seen| seen.eq_ignore_ascii_case(&owner.value))
        {
            check.report(
                &key,
                line(owner),
                format!("owner `{}` is listed twice", owner.value),
                "list each owner once (GitHub ignores case)",
            );
            continue;
        }
        owners.push(owner.value.clone());
    }
    owners
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::{Config, parse};
    use super::*;

    const HEAD: &str = "name: acme\ngitops: flux\npolicy: kyverno\nprovider: docker\n";

    fn config(rest: &str) -> Config {
        match parse(Path::new("levelup.yaml"), &format!("{HEAD}{rest}")) {
            Ok(config) => config,
            Err(error) => panic!("{error:?}"),
        }
    }

    /// (line, key, message, hint) of every problem.
    fn problems(rest: &str) -> Vec<(Option<usize>, String, String, String)> {
        crate::config::problem_tuples(&format!("{HEAD}{rest}"))
    }

    #[test]
    fn defaults_when_the_keys_are_left_out() {
        let config = config("");
        assert!(config.owners.is_empty());
        assert_eq!(config.certificates.acme_email, "");
        assert_eq!(config.certificates.acme_server, DEFAULT_ACME_SERVER);
        assert_eq!(config.secret_store, SecretStore::default());
        assert_eq!(config.secret_store.url, DEFAULT_VAULT_URL);
        assert_eq!(
            config.ci,
            Ci {
                code_scanning: true,
                attestations: true
            }
        );
    }

    #[test]
    fn ci_features_turn_off_one_at_a_time() {
        let private = config("ci: {code_scanning: false}\n");
        assert!(!private.ci.code_scanning);
        assert!(private.ci.attestations, "a key left out keeps its default");
        assert!(!config("ci: {attestations: false}\n").ci.attestations);
    }

    #[test]
    fn values_as_written() {
        let config = config(
            "owners: ['@acme/platform-team', '@alice']\n\
             certificates: {acme_email: certs@acme.io, acme_server: 'https://acme-staging-v02.api.letsencrypt.org/directory'}\n\
             secret_store: {provider: aws, region: eu-west-1}\n",
        );
        assert_eq!(config.owners, ["@acme/platform-team", "@alice"]);
        assert_eq!(config.certificates.acme_email, "certs@acme.io");
        assert!(config.certificates.acme_server.contains("staging"));
        assert_eq!(
            config.secret_store,
            SecretStore {
                provider: SecretStoreProvider::Aws,
                url: String::new(),
                region: "eu-west-1".to_string(),
            }
        );
        let azure = super::super::parse(
            Path::new("levelup.yaml"),
            &format!(
                "{HEAD}secret_store:\n  provider: azure\n  url: https://acme.vault.azure.net\n"
            ),
        )
        .expect("valid");
        assert_eq!(azure.secret_store.url, "https://acme.vault.azure.net");
    }

    #[test]
    fn bad_values_are_named_with_their_line_key_and_a_hint() {
        let found = problems(
            "owners:\n  - alice\n  - '@acme/platform team'\n  - '@Alice'\n  - '@alice'\n\
             certificates:\n  acme_email: certs-at-acme.io\n  acme_server: http://acme.example/directory\n",
        );
        let expected = [
            (
                Some(6),
                "owners[0]",
                "`alice` is not a GitHub user or team",
                "did you mean `@alice`? CODEOWNERS names a user as `@alice`, a team as `@acme/platform-team`",
            ),
            (
                Some(7),
                "owners[1]",
                "`@acme/platform team` is not a GitHub user or team",
                "a GitHub user `@alice` or team `@acme/platform-team`: letters, digits and single `-`",
            ),
            (
                Some(9),
                "owners[3]",
                "owner `@alice` is listed twice",
                "list each owner once (GitHub ignores case)",
            ),
            (
                Some(11),
                "certificates.acme_email",
                "`certs-at-acme.io` is not an e-mail address",
                "write it as `platform-team@acme.io`, or leave it out: the ACME account then has no contact",
            ),
            (
                Some(12),
                "certificates.acme_server",
                "`http://acme.example/directory` is not an https:// URL",
                "an ACME directory URL, such as `https://acme-v02.api.letsencrypt.org/directory`",
            ),
        ];
        let found: Vec<(Option<usize>, &str, &str, &str)> = found
            .iter()
            .map(|(l, k, m, h)| (*l, k.as_str(), m.as_str(), h.as_str()))
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn each_secret_store_needs_its_own_address() {
        let summary = |rest: &str| -> Vec<(String, String)> {
            problems(rest)
                .into_iter()
                .map(|(_, key, message, _)| (key, message))
                .collect()
        };
        assert_eq!(
            summary("secret_store: {provider: aws}\n"),
            [(
                "secret_store.region".to_string(),
                "the aws store needs `region`".to_string()
            )]
        );
        assert_eq!(
            summary("secret_store: {provider: aws, region: eu-west-1, url: 'https://x.io'}\n"),
            [(
                "secret_store.url".to_string(),
                "the aws store has no `url`".to_string()
            )]
        );
        assert_eq!(
            summary("secret_store: {provider: azure, region: westeurope}\n"),
            [
                (
                    "secret_store.url".to_string(),
                    "the azure store needs `url`".to_string()
                ),
                (
                    "secret_store.region".to_string(),
                    "the azure store has no `region`".to_string()
                ),
            ]
        );
        assert_eq!(
            summary("secret_store: {provider: vault, url: vault.acme.io}\n"),
            [(
                "secret_store.url".to_string(),
                "`vault.acme.io` is not a URL".to_string()
            )]
        );
        // A misspelt key gets the nearest one, a misspelt provider the nearest value.
        let found = problems("secret_store:\n  provider: vault\n  urll: https://vault.acme.io\n");
        assert_eq!(found[0].0, Some(7));
        assert_eq!(found[0].3, "did you mean `url`?");
        let found = problems("secret_store: {provider: vualt}\n");
        assert_eq!(found[0].3, "did you mean `vault`?");
    }

    #[test]
    fn a_bad_ci_feature_names_its_line_and_key() {
        let found = problems("ci:\n  code_scaning: false\n");
        assert_eq!(found[0].0, Some(6));
        assert_eq!(found[0].1, "ci");
        assert_eq!(found[0].3, "did you mean `code_scanning`?");
        let found = problems("ci:\n  attestations: maybe\n");
        assert_eq!(found[0].0, Some(6));
        assert_eq!(found[0].1, "ci.attestations");
    }
}

#[cfg(test)]
mod backups_tests {
    use std::path::Path;

    use super::super::parse;

    fn parse_with(provider: &str, backups: &str) -> Result<super::Backups, Vec<(String, String)>> {
        let text =
            format!("name: acme\ngitops: flux\npolicy: kyverno\nprovider: {provider}\n{backups}");
        parse(Path::new("levelup.yaml"), &text)
            .map(|config| config.backups)
            .map_err(|_| {
                crate::config::problem_tuples(&text)
                    .into_iter()
                    .map(|(_, key, message, _)| (key, message))
                    .collect()
            })
    }

    #[test]
    fn the_bucket_defaults_to_the_platform_and_each_provider_takes_its_own_keys() {
        let backups = parse_with("aws", "").expect("no backups section");
        assert_eq!(backups.bucket, "acme-velero-backups");
        assert_eq!(backups.s3_url, "");
        let backups = parse_with(
            "docker",
            "backups:\n  bucket: lab.backups\n  s3_url: https://minio.acme.io\n",
        )
        .expect("valid");
        assert_eq!(
            (backups.bucket.as_str(), backups.s3_url.as_str()),
            ("lab.backups", "https://minio.acme.io")
        );
        let backups = parse_with(
            "azure",
            "backups:\n  resource_group: platform-backups\n  storage_account: acmebackups\n",
        )
        .expect("valid");
        assert_eq!(backups.storage_account, "acmebackups");
        assert_eq!(backups.resource_group, "platform-backups");
    }

    #[test]
    fn a_key_of_another_provider_or_a_bad_name_is_refused_by_key() {
        let keys = |provider: &str, backups: &str| -> Vec<String> {
            parse_with(provider, backups)
                .expect_err("refused")
                .into_iter()
                .map(|(key, _)| key)
                .collect()
        };
        assert_eq!(
            keys(
                "aws",
                "backups:\n  bucket: Acme_Backups\n  storage_account: acme\n"
            ),
            ["backups.bucket", "backups.storage_account"]
        );
        assert_eq!(
            keys(
                "azure",
                "backups:\n  bucket: acme.backups\n  s3_url: https://minio.acme.io\n  storage_account: Acme-Backups\n"
            ),
            [
                "backups.bucket",
                "backups.s3_url",
                "backups.storage_account"
            ]
        );
        assert_eq!(
            keys("vsphere", "backups:\n  s3_url: minio\n"),
            ["backups.s3_url"]
        );
    }
}
