//! Backups: Velero's storage location, schedules and alerts for each provider. The plugin in
//! the chart's values serves the location's provider; each cluster writes under its own
//! prefix; each environment has its schedule; what levelup.yaml does not give is a placeholder
//! naming the key to set, and setting it removes the placeholder; the runbook's links land.

use serde_json::Value as Json;

use crate::support;

use support::yaml_documents as documents;

fn of_kind<'a>(documents: &'a [Json], kind: &str) -> &'a Json {
    documents
        .iter()
        .find(|document| document["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn each_provider_stores_each_cluster_under_its_own_prefix_with_the_plugin_it_needs() {
    for (provider, plugin, location_provider) in [
        ("docker", "velero-plugin-for-aws", "aws"),
        ("aws", "velero-plugin-for-aws", "aws"),
        ("azure", "velero-plugin-for-microsoft-azure", "azure"),
        ("vsphere", "velero-plugin-for-aws", "aws"),
    ] {
        let workspace = tempfile::tempdir().expect("temporary folder");
        let repo = support::init_platform(
            workspace.path(),
            "2",
            "flux",
            &["--provider", provider, "--repo", "acme/platform"],
        );
        let values = documents(&repo.join("infrastructure/controllers/velero/values.yaml"));
        let plugins: Vec<&str> = values[0]["initContainers"]
            .as_array()
            .expect("init containers")
            .iter()
            .filter_map(|container| container["image"].as_str())
            .collect();
        assert_eq!(plugins.len(), 1, "{provider}: {plugins:?}");
        assert!(
            plugins[0].starts_with(&format!("docker.io/velero/{plugin}:v")),
            "{provider}: {plugins:?}"
        );
        let mut schedules = Vec::new();
        for cluster in ["dev", "staging", "production"] {
            let folder = repo.join("infrastructure/backups").join(cluster);
            let location = documents(&folder.join("storage-location.yaml"));
            let bsl = of_kind(&location, "BackupStorageLocation");
            assert_eq!(bsl["spec"]["provider"], location_provider, "{provider}");
            assert_eq!(
                bsl["spec"]["objectStorage"]["prefix"], cluster,
                "{provider}"
            );
            assert_eq!(
                bsl["spec"]["objectStorage"]["bucket"], "platform-flux-2-velero-backups",
                "{provider}"
            );
            // The credentials the location reads are the ones External Secrets writes.
            let secret = of_kind(&location, "ExternalSecret");
            assert_eq!(
                secret["spec"]["target"]["name"],
                bsl["spec"]["credential"]["name"]
            );
            assert_eq!(
                secret["spec"]["data"][0]["secretKey"],
                bsl["spec"]["credential"]["key"]
            );
            assert_eq!(
                secret["spec"]["data"][0]["remoteRef"]["key"],
                format!("velero/{cluster}")
            );
            let schedule = documents(&folder.join("schedule.yaml"));
            let schedule = of_kind(&schedule, "Schedule").clone();
            assert_eq!(
                schedule["metadata"]["name"], cluster,
                "one schedule per environment"
            );
            assert_eq!(
                schedule["spec"]["template"]["storageLocation"],
                bsl["metadata"]["name"]
            );
            schedules.push(schedule);
        }
        // Production keeps its backups longest and takes them most often.
        let ttl = |index: usize| schedules[index]["spec"]["template"]["ttl"].clone();
        assert_eq!(ttl(0), "168h0m0s");
        assert_eq!(ttl(2), "720h0m0s");
        assert_ne!(
            schedules[0]["spec"]["schedule"],
            schedules[2]["spec"]["schedule"]
        );
    }
}

#[test]
fn a_value_the_store_needs_is_a_placeholder_until_levelup_yaml_gives_it() {
    for (provider, key, lines) in [
        (
            "docker",
            "backups.s3_url",
            "  s3_url: https://minio.acme.io\n",
        ),
        (
            "azure",
            "backups.storage_account",
            "  resource_group: platform-backups\n  storage_account: acmebackups\n",
        ),
    ] {
        let workspace = tempfile::tempdir().expect("temporary folder");
        let home = workspace.path().join("home");
        support::home_with_git_identity(&home);
        let output = support::Test::new()
            .current_dir(workspace.path())
            .home(&home)
            .args([
                "init",
                "p",
                "--level",
                "2",
                "--provider",
                provider,
                "--repo",
                "acme/platform",
            ])
            .run()
            .0;
        assert_eq!(support::code(&output), 0, "{}", support::stderr(&output));
        assert!(
            support::stderr(&output).contains(&format!(
                "warning: `{key}` is not set in levelup.yaml: 3 files hold a placeholder for it: `infrastructure/backups/dev/storage-location.yaml`"
            )),
            "{}",
            support::stderr(&output)
        );
        let repo = workspace.path().join("p");
        let location = repo.join("infrastructure/backups/production/storage-location.yaml");
        assert!(
            std::fs::read_to_string(&location)
                .expect("location")
                .contains("LEVELUP-PLACEHOLDER")
        );
        let config = repo.join("levelup.yaml");
        let text = std::fs::read_to_string(&config).expect("levelup.yaml");
        let text = text.replacen("backups:\n", &format!("backups:\n{lines}"), 1);
        std::fs::write(&config, text).expect("levelup.yaml");
        let applied = support::Test::new()
            .current_dir(&repo)
            .home(&home)
            .args(["apply", "--to", "2"])
            .run()
            .0;
        assert_eq!(support::code(&applied), 0, "{}", support::stderr(&applied));
        assert!(
            !support::stderr(&applied).contains("placeholder"),
            "{}",
            support::stderr(&applied)
        );
        let bsl = documents(&location);
        let config = &of_kind(&bsl, "BackupStorageLocation")["spec"]["config"];
        match provider {
            "docker" => assert_eq!(config["s3Url"], "https://minio.acme.io"),
            _ => assert_eq!(config["storageAccount"], "acmebackups"),
        }
    }
}

/// The runbook the alerts link to has the sections they name, and its links to other
/// files of the repository resolve.
#[test]
fn the_alerts_link_sections_of_the_runbook_and_its_links_resolve() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let repo = support::init_platform(
        workspace.path(),
        "2",
        "argocd",
        &["--repo", "acme/platform"],
    );
    let runbook_path = repo.join("docs/runbooks/restore.md");
    let runbook = std::fs::read_to_string(&runbook_path).expect("runbook");
    let anchors: Vec<String> = runbook
        .lines()
        .filter_map(|line| line.strip_prefix("## "))
        .map(|heading| heading.to_lowercase().replace(' ', "-"))
        .collect();
    let alerts = documents(&repo.join("infrastructure/backups/production/alerts.yaml"));
    let rule = of_kind(&alerts, "PrometheusRule");
    let mut linked = 0;
    for alert in rule["spec"]["groups"][0]["rules"]
        .as_array()
        .expect("rules")
    {
        let url = alert["annotations"]["runbook_url"]
            .as_str()
            .expect("runbook_url");
        let (page, anchor) = url.split_once('#').expect("a section");
        assert_eq!(
            page,
            "https://github.com/acme/platform/blob/HEAD/docs/runbooks/restore.md"
        );
        assert!(
            anchors.iter().any(|known| known == anchor),
            "{anchor} not in {anchors:?}"
        );
        linked += 1;
    }
    assert_eq!(linked, 2);
    for (_, rest) in runbook
        .match_indices("](")
        .map(|(at, _)| ((), &runbook[at + 2..]))
    {
        let target = &rest[..rest.find(')').expect("a closing parenthesis")];
        if target.starts_with("http") || target.starts_with('#') {
            continue;
        }
        let resolved = runbook_path.parent().expect("docs/runbooks").join(target);
        assert!(resolved.exists(), "{target} does not resolve");
    }
}
