//! The alerts of each application are real: every expression of its PrometheusRule
//! selects the application's own series (its job and namespace), and that job is what
//! its ServiceMonitor scrapes: the Service of the application, on a port it has.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;

use crate::support::{Test, code, stderr};

const ENVIRONMENTS: [&str; 3] = ["dev", "staging", "production"];

fn read(path: &Path) -> Vec<Value> {
    let text =
        std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
        .into_iter()
        .filter(|document| !document.is_null())
        .collect()
}

fn str_at<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The vector selectors of a PromQL expression: `(metric, {label: value})`, matchers
/// with `=` only (`=~` and `!=` narrow a selection; they never choose the series).
fn selectors(expression: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(open) = expression[at..].find('{').map(|i| at + i) {
        let close = expression[open..]
            .find('}')
            .map_or(expression.len(), |i| open + i);
        let start = expression[..open]
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
            .map_or(0, |i| i + 1);
        let metric = expression[start..open].to_string();
        let mut labels = Vec::new();
        for matcher in expression[open + 1..close].split(',') {
            if let Some((name, value)) = matcher.split_once('=')
                && !name.ends_with('!')
                && !value.starts_with('~')
            {
                labels.push((
                    name.trim().to_string(),
                    value.trim().trim_matches('"').to_string(),
                ));
            }
        }
        found.push((metric, labels));
        at = close + 1;
    }
    found
}

#[test]
fn the_selector_reader_finds_every_series() {
    assert_eq!(
        selectors(
            r#"sum(rate(http_requests_total{job="shop",code=~"5.."}[5m])) / absent(up{job="shop", namespace="shop-dev"})"#
        ),
        [
            (
                "http_requests_total".to_string(),
                vec![("job".to_string(), "shop".to_string())]
            ),
            (
                "up".to_string(),
                vec![
                    ("job".to_string(), "shop".to_string()),
                    ("namespace".to_string(), "shop-dev".to_string())
                ]
            ),
        ]
    );
}

#[test]
fn every_alert_of_an_application_watches_what_its_service_monitor_scrapes() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let home = workspace.path().join("home");
    crate::support::home_with_git_identity(&home);
    let output = Test::new()
        .current_dir(workspace.path())
        .home(&home)
        .args([
            "init",
            "platform",
            "--level",
            "2",
            "--app",
            "shop=ghcr.io/acme/shop:1.2.0:8080",
            "--app",
            "cart=ghcr.io/acme/cart:2.0.1:9000",
        ])
        .run()
        .0;
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let repo = workspace.path().join("platform");
    for app in ["shop", "cart"] {
        let service = &read(&repo.join(format!("apps/base/{app}/service.yaml")))[0];
        let ports: BTreeSet<&str> = service["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|port| str_at(port, "/name"))
            .collect();
        for environment in ENVIRONMENTS {
            let dir = repo.join(format!("apps/overlays/{environment}/{app}"));
            let namespace = format!("{app}-{environment}");
            // The ServiceMonitor scrapes the application's Service, on a port it has: the
            // series it produces carry job=<the Service's name>.
            let monitor = &read(&dir.join("servicemonitor.yaml"))[0];
            let selected = monitor["spec"]["selector"]["matchLabels"]
                .as_object()
                .expect("matchLabels");
            for (label, value) in selected {
                assert_eq!(
                    service["metadata"]["labels"][label], *value,
                    "{app}: the ServiceMonitor selects {label}={value}"
                );
            }
            let endpoints = monitor["spec"]["endpoints"].as_array().expect("endpoints");
            assert!(!endpoints.is_empty());
            for endpoint in endpoints {
                assert!(
                    ports.contains(str_at(endpoint, "/port")),
                    "{app}: {endpoint}"
                );
            }
            let job = str_at(service, "/metadata/name");
            assert_eq!(job, app);
            // Each alert selects only that job, in the application's namespace.
            let rules = &read(&dir.join("prometheusrule.yaml"))[0];
            let mut alerts = Vec::new();
            let mut metrics = BTreeSet::new();
            for group in rules["spec"]["groups"].as_array().expect("groups") {
                for rule in group["rules"].as_array().expect("rules") {
                    let alert = str_at(rule, "/alert");
                    assert!(!alert.is_empty(), "{app}: a rule without alert");
                    alerts.push(alert.to_string());
                    for key in [
                        "/labels/severity",
                        "/annotations/summary",
                        "/annotations/runbook_url",
                    ] {
                        assert!(!str_at(rule, key).is_empty(), "{app} {alert}: no {key}");
                    }
                    assert_eq!(str_at(rule, "/labels/application"), app, "{alert}");
                    let expression = str_at(rule, "/expr");
                    let found = selectors(expression);
                    assert!(
                        !found.is_empty(),
                        "{app} {alert}: no series in {expression}"
                    );
                    for (metric, labels) in found {
                        assert!(
                            labels.contains(&("job".to_string(), job.to_string())),
                            "{app} {alert}: `{metric}` is not selected by job: {expression}"
                        );
                        for (label, value) in &labels {
                            if label == "namespace" {
                                assert_eq!(value, &namespace, "{app} {alert}: {expression}");
                            }
                        }
                        metrics.insert(metric);
                    }
                }
            }
            // Availability (the scrape's own `up`) and the error rate of levelup.yaml.
            assert!(metrics.contains("up"), "{app}: {metrics:?}");
            assert!(
                metrics.contains("http_requests_total"),
                "{app}: {metrics:?}"
            );
            assert!(alerts.len() >= 2, "{app}: {alerts:?}");
        }
    }
}
