//! The alerts of each application are real: every expression of its PrometheusRule
//! selects the application's own series (its job and namespace), and that job is what
//! its ServiceMonitor scrapes: the Services of the application, on a port they have.
//! Where Flagger releases the application (progressive delivery with Flux), the
//! Services are the ones Flagger creates for the Canary, and git holds none of them.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};

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

/// A Service as the ServiceMonitor sees it: its name, labels, port names, and the
/// pods it selects.
struct Service {
    name: String,
    labels: Value,
    ports: BTreeSet<String>,
    selector: Value,
}

impl Service {
    fn from_object(object: &Value) -> Service {
        Service {
            name: str_at(object, "/metadata/name").to_string(),
            labels: object["metadata"]["labels"].clone(),
            ports: object["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|port| str_at(port, "/name").to_string())
                .collect(),
            selector: object["spec"]["selector"].clone(),
        }
    }
}

/// The label Flagger selects pods by: the first of its `-selector-labels` (default
/// `app`, `name`, `app.kubernetes.io/name`) in the target Deployment's selector.
fn flagger_selector_label(deployment: &Value) -> String {
    ["app", "name", "app.kubernetes.io/name"]
        .into_iter()
        .find(|label| deployment["spec"]["selector"]["matchLabels"][label].is_string())
        .expect("the Deployment's selector has a label Flagger selects by")
        .to_string()
}

/// The Services Flagger creates for a Canary (its Kubernetes router): `<name>`
/// and `<name>-primary` select the primary's pods, `<name>-canary` the target's;
/// each is labelled with the selector label of the target (`label`) set to its own
/// name, plus the labels of `spec.service.<apex|primary|canary>`, and has one port,
/// `spec.service.portName` (default `http`).
fn flagger_services(canary: &Value, label: &str) -> Vec<Service> {
    let target = str_at(canary, "/spec/targetRef/name");
    let name = match str_at(canary, "/spec/service/name") {
        "" => target,
        given => given,
    };
    let port = match str_at(canary, "/spec/service/portName") {
        "" => "http",
        given => given,
    };
    [
        ("apex", name.to_string(), format!("{target}-primary")),
        (
            "primary",
            format!("{name}-primary"),
            format!("{target}-primary"),
        ),
        ("canary", format!("{name}-canary"), target.to_string()),
    ]
    .into_iter()
    .map(|(role, service, pods)| {
        let mut labels = canary["spec"]["service"][role]["labels"].clone();
        if !labels.is_object() {
            labels = json!({});
        }
        labels[label] = json!(service);
        Service {
            name: service,
            labels,
            ports: BTreeSet::from([port.to_string()]),
            selector: json!({ label: pods }),
        }
    })
    .collect()
}

/// Whether a label selector (`matchLabels` and `matchExpressions`) selects these labels.
fn selects(selector: &Value, labels: &Value) -> bool {
    let label = |key: &str| labels[key].as_str();
    let by_labels = selector["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .all(|(key, value)| label(key) == value.as_str());
    let by_expressions = selector["matchExpressions"]
        .as_array()
        .into_iter()
        .flatten()
        .all(|expression| {
            let values: Vec<&str> = expression["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let value = label(str_at(expression, "/key"));
            match str_at(expression, "/operator") {
                "In" => value.is_some_and(|value| values.contains(&value)),
                "NotIn" => value.is_none_or(|value| !values.contains(&value)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                other => panic!("unknown selector operator {other}"),
            }
        });
    by_labels && by_expressions
}

/// Whether one of the overlay's components deletes the Service `name` of the base.
fn a_component_deletes_the_service(overlay: &Path, name: &str) -> bool {
    let kustomization = &read(&overlay.join("kustomization.yaml"))[0];
    kustomization["components"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .any(|component| {
            let component = &read(&overlay.join(component).join("kustomization.yaml"))[0];
            component["patches"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|patch| {
                    str_at(patch, "/target/kind") == "Service"
                        && str_at(patch, "/target/name") == name
                        && str_at(patch, "/patch").contains("$patch: delete")
                })
        })
}

fn scaffold(workspace: &Path, level: &str, gitops: &str) -> std::path::PathBuf {
    crate::support::init_platform(
        workspace,
        level,
        gitops,
        &[
            "--app",
            "shop=ghcr.io/acme/shop:1.2.0:8080",
            "--app",
            "cart=ghcr.io/acme/cart:2.0.1:9000",
        ],
    )
}

/// The application's alerts select only the job its ServiceMonitor produces, in its
/// namespace, and that ServiceMonitor scrapes Services that exist, on ports they
/// have, each set of pods once.
fn check_alerts(repo: &Path, app: &str) {
    for environment in ENVIRONMENTS {
        let dir = repo.join(format!("apps/overlays/{environment}/{app}"));
        let namespace = format!("{app}-{environment}");
        let canary = dir.join("canary.yaml");
        let services = if canary.exists() {
            // Flagger creates the Services; one from git would take the traffic back.
            assert!(
                a_component_deletes_the_service(&dir, app),
                "{app} in {environment}: the Canary's Service {app} is still applied from git"
            );
            let deployment = &read(&repo.join(format!("apps/base/{app}/deployment.yaml")))[0];
            flagger_services(&read(&canary)[0], &flagger_selector_label(deployment))
        } else {
            vec![Service::from_object(
                &read(&repo.join(format!("apps/base/{app}/service.yaml")))[0],
            )]
        };
        // The namespace denies all ingress; the application's policies must admit every
        // pod of it: the primary's too, where Flagger runs one.
        let mut policies = vec![
            repo.join(format!("apps/base/{app}/networkpolicy.yaml")),
            dir.join("networkpolicy-prometheus.yaml"),
        ];
        if canary.exists() {
            policies.push(dir.join("networkpolicy-gateway.yaml"));
        }
        for policy in policies {
            let policy_object = &read(&policy)[0];
            for service in &services {
                assert!(
                    selects(&policy_object["spec"]["podSelector"], &service.selector),
                    "{}: does not admit the pods of Service {}",
                    policy.display(),
                    service.name
                );
            }
        }
        let monitor = &read(&dir.join("servicemonitor.yaml"))[0];
        let selected: Vec<&Service> = services
            .iter()
            .filter(|service| selects(&monitor["spec"]["selector"], &service.labels))
            .collect();
        assert!(
            !selected.is_empty(),
            "{app} in {environment}: the ServiceMonitor selects none of {:?}",
            services.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
        let pods: BTreeSet<String> = selected.iter().map(|s| s.selector.to_string()).collect();
        assert_eq!(
            pods.len(),
            selected.len(),
            "{app} in {environment}: two selected Services route to the same pods, which are scraped twice"
        );
        // And every pod of the application is scraped: with a canary, its pods too, or
        // the analysis would read the primary's error rate alone.
        let every_pod: BTreeSet<String> = services.iter().map(|s| s.selector.to_string()).collect();
        assert_eq!(
            pods, every_pod,
            "{app} in {environment}: the ServiceMonitor misses some of the application's pods"
        );
        let endpoints = monitor["spec"]["endpoints"].as_array().expect("endpoints");
        assert!(!endpoints.is_empty());
        let mut jobs = BTreeSet::new();
        for endpoint in endpoints {
            for service in &selected {
                assert!(
                    service.ports.contains(str_at(endpoint, "/port")),
                    "{app} in {environment}: Service {} has no port {endpoint}",
                    service.name
                );
            }
            // The job is the Service's name unless a relabeling sets it.
            let relabeled = endpoint["relabelings"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|rule| str_at(rule, "/targetLabel") == "job")
                .map(|rule| str_at(rule, "/replacement").to_string());
            for service in &selected {
                jobs.insert(relabeled.clone().unwrap_or_else(|| service.name.clone()));
            }
        }
        assert_eq!(
            jobs,
            BTreeSet::from([app.to_string()]),
            "{app} in {environment}"
        );
        // Flagger's analysis reads the canary's own pods: the Service <app>-canary, which
        // the ServiceMonitor scrapes, in the Canary's namespace.
        if canary.exists() {
            let template = &read(&dir.join("metrictemplate.yaml"))[0];
            let query = str_at(template, "/spec/query");
            let canary_service = format!("{app}-canary");
            assert!(
                selected
                    .iter()
                    .any(|service| service.name == canary_service),
                "{app} in {environment}: {canary_service} is not scraped"
            );
            for needed in [
                format!("job=\"{app}\""),
                format!("service=\"{canary_service}\""),
                "namespace=\"{{ namespace }}\"".to_string(),
            ] {
                assert_eq!(
                    query.matches(&needed).count(),
                    2,
                    "{app} in {environment}: both halves of the ratio select {needed}: {query}"
                );
            }
        }
        let job = app;
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

#[test]
fn every_alert_of_an_application_watches_what_its_service_monitor_scrapes() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    let repo = scaffold(workspace.path(), "2", "flux");
    for app in ["shop", "cart"] {
        check_alerts(&repo, app);
    }
}

#[test]
fn with_canary_releases_the_alerts_watch_the_services_the_release_controller_leaves() {
    let workspace = tempfile::tempdir().expect("temporary folder");
    for gitops in ["flux", "argocd"] {
        let repo = scaffold(workspace.path(), "3", gitops);
        let canaries = repo.join("apps/overlays/dev/shop/canary.yaml").exists();
        assert_eq!(canaries, gitops == "flux", "{gitops}: who releases shop");
        for app in ["shop", "cart"] {
            check_alerts(&repo, app);
        }
    }
}

#[test]
fn the_services_flagger_creates_are_what_its_router_makes() {
    let by_app = json!({"spec": {"selector": {"matchLabels": {"app": "shop", "app.kubernetes.io/name": "shop"}}}});
    assert_eq!(flagger_selector_label(&by_app), "app");
    let canary = json!({"spec": {"targetRef": {"name": "shop"}, "service": {"port": 8080}}});
    let services = flagger_services(&canary, "app.kubernetes.io/name");
    let names: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["shop", "shop-primary", "shop-canary"]);
    // The apex routes to the primary's pods, as the primary Service does.
    assert_eq!(services[0].selector, services[1].selector);
    assert_eq!(
        services[2].selector,
        json!({"app.kubernetes.io/name": "shop"})
    );
    let by_primary_and_canary = json!({"matchExpressions": [{"key": "app.kubernetes.io/name",
        "operator": "In", "values": ["shop-primary", "shop-canary"]}]});
    let selected: Vec<bool> = services
        .iter()
        .map(|s| selects(&by_primary_and_canary, &s.labels))
        .collect();
    assert_eq!(selected, [false, true, true]);
    assert!(selects(
        &json!({"matchLabels": {"app.kubernetes.io/name": "shop"}}),
        &services[0].labels
    ));
}
