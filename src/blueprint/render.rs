//! Renders blueprints for a platform into files in memory.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::context_use::ContextUse;
use super::{Blueprint, Catalog, Each, Error, FileSpec};
use crate::config::Config;
use crate::model::Level;
use crate::repo_path::RepoPath;
use crate::tree::RenderedFile;

/// What to render: the platform, the level scaffolded, and the blueprints to use.
#[derive(Debug)]
pub struct Input<'a> {
    pub config: &'a Config,
    pub level: Level,
    /// Blueprint names in the order their steps come in the content.
    pub blueprints: Vec<String>,
    /// The steps still ahead after `level`, for the roadmap document.
    pub roadmap: Vec<RoadmapStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoadmapStep {
    pub id: String,
    pub level: Level,
    pub dimension: String,
    pub title: String,
    pub done_when: Vec<String>,
}

/// Renders every file of the named blueprints whose conditions hold.
pub fn render(
    catalog: &Catalog,
    input: &Input<'_>,
) -> Result<BTreeMap<RepoPath, RenderedFile>, Error> {
    let mut registry = catalog.registry();
    let context = context(catalog, input);
    let mut rendered: BTreeMap<RepoPath, RenderedFile> = BTreeMap::new();
    for name in &input.blueprints {
        let blueprint = catalog
            .get(name)
            .ok_or_else(|| Error::Unknown { name: name.clone() })?;
        if !blueprint.when.holds(input.config) {
            continue;
        }
        for (spec_index, spec) in
            blueprint.files.iter().enumerate().filter(|(_, spec)| {
                spec.when.holds(input.config) && spec.when.holds_at(input.level)
            })
        {
            let (template_name, target_name, origins) =
                compile(&mut registry, blueprint, spec_index, spec)?;
            let template_error = |error: handlebars::RenderError| Error::Template {
                blueprint: blueprint.name.clone(),
                file: format!("templates/{}", spec.source),
                line: error
                    .line_no
                    .map(|line| origins.get(line.wrapping_sub(1)).copied().unwrap_or(line)),
                message: error.reason().to_string(),
            };
            let uses = ContextUse::of(
                [&target_name, &template_name]
                    .into_iter()
                    .filter_map(|name| registry.get_template(name)),
            );
            for item in items(&context, spec.each, &uses)
                .into_iter()
                .filter(|item| spec.when.holds_for_item(item))
            {
                // Moved into a Handlebars context once, so neither call copies it again.
                let item = handlebars::Context::from(item);
                let target = registry
                    .render_with_context(&target_name, &item)
                    .map_err(|error| target_error(blueprint, spec, error.reason()))?;
                let path = RepoPath::new(&target)
                    .and_then(|path| {
                        if path.as_str() == crate::config::FILE_NAME {
                            Err("`levelup.yaml` is the user's file, never generated".to_string())
                        } else {
                            Ok(path)
                        }
                    })
                    .map_err(|reason| Error::Target {
                        blueprint: blueprint.name.clone(),
                        target: target.clone(),
                        reason,
                    })?;
                let content = if spec.is_template() {
                    registry
                        .render_with_context(&template_name, &item)
                        .map_err(template_error)?
                        .into_bytes()
                } else {
                    blueprint
                        .templates
                        .get(&spec.source)
                        .cloned()
                        .unwrap_or_default()
                };
                if let Some(first) = rendered.get(&path) {
                    return Err(Error::Collision {
                        path: path.to_string(),
                        first: first.blueprint.clone(),
                        second: blueprint.name.clone(),
                    });
                }
                rendered.insert(
                    path,
                    RenderedFile {
                        blueprint: blueprint.name.clone(),
                        version: blueprint.version.clone(),
                        content,
                        executable: spec.executable,
                    },
                );
            }
        }
    }
    check_file_folder_clashes(&rendered)?;
    Ok(rendered)
}

/// Compiles every template of every blueprint in `catalog` (files and targets),
/// whatever the platform: `content check` reports a syntax error before any
/// render meets it. Returns how many templates the catalog has compiled.
pub fn compile_all(catalog: &Catalog) -> Result<usize, Error> {
    let mut registry = catalog.registry();
    for name in catalog.names() {
        let Some(blueprint) = catalog.get(name) else {
            continue;
        };
        for (spec_index, spec) in blueprint.files.iter().enumerate() {
            compile(&mut registry, blueprint, spec_index, spec)?;
        }
    }
    Ok(registry.get_templates().len())
}

/// Compiles one file's template and its target into `registry`, unless they
/// are there already; returns their names in it, and for each line of the compiled
/// template the line of the blueprint's file it comes from.
fn compile(
    registry: &mut handlebars::Handlebars<'static>,
    blueprint: &super::Blueprint,
    spec_index: usize,
    spec: &super::FileSpec,
) -> Result<(String, String, Vec<usize>), Error> {
    let template_name = format!("{}/{}", blueprint.name, spec.source);
    let (text, origins) = match blueprint.templates.get(&spec.source) {
        Some(bytes) if spec.is_template() => {
            super::helpers::keep_raw_indentation(&String::from_utf8_lossy(bytes))
        }
        _ => (String::new(), Vec::new()),
    };
    if spec.is_template() && !registry.has_template(&template_name) {
        registry
            .register_template_string(&template_name, text)
            .map_err(|error| Error::Template {
                blueprint: blueprint.name.clone(),
                file: format!("templates/{}", spec.source),
                line: error
                    .pos()
                    .map(|(line, _)| origins.get(line.wrapping_sub(1)).copied().unwrap_or(line)),
                message: error.reason().to_string(),
            })?;
    }
    // Compiled once per file spec, not once per item.
    let target_name = format!("{}#target-{spec_index}", blueprint.name);
    if !registry.has_template(&target_name) {
        registry
            .register_template_string(&target_name, &spec.target)
            .map_err(|error| target_error(blueprint, spec, error.reason()))?;
    }
    Ok((template_name, target_name, origins))
}

/// A target path that does not compile or render: it is in the manifest.
fn target_error(blueprint: &Blueprint, spec: &FileSpec, reason: &impl std::fmt::Display) -> Error {
    Error::Template {
        blueprint: blueprint.name.clone(),
        file: format!("blueprint.yaml (the target of `{}`)", spec.source),
        line: None,
        message: reason.to_string(),
    }
}

/// A path that is a file for one blueprint and a folder for another cannot exist.
fn check_file_folder_clashes(rendered: &BTreeMap<RepoPath, RenderedFile>) -> Result<(), Error> {
    let paths: Vec<(&RepoPath, &RenderedFile)> = rendered.iter().collect();
    for pair in paths.windows(2) {
        let ((file, first), (inside, second)) = (pair[0], pair[1]);
        if inside.as_str().starts_with(&format!("{}/", file.as_str())) {
            return Err(Error::Collision {
                path: format!("{file} (a file, and a folder holding {inside})"),
                first: first.blueprint.clone(),
                second: second.blueprint.clone(),
            });
        }
    }
    Ok(())
}

/// The values templates see (see blueprints/README.md).
fn context(catalog: &Catalog, input: &Input<'_>) -> serde_json::Map<String, Value> {
    let config = input.config;
    let pins: BTreeMap<&str, String> = catalog
        .pins()
        .iter()
        .map(|(key, pin)| (key.as_str(), pin.uses()))
        .collect();
    // Every blueprint levelup knows, and whether this render produces it: an index
    // file lists the folders of the blueprints that are there, whatever their level.
    let rendered: BTreeMap<&str, bool> = catalog
        .names()
        .map(|name| {
            let produced = input.blueprints.iter().any(|wanted| wanted == name)
                && catalog
                    .get(name)
                    .is_some_and(|blueprint| blueprint.when.holds(config));
            (name, produced)
        })
        .collect();
    let produced = |name: &str| rendered.get(name).copied().unwrap_or(false);
    let platform = super::policies::Platform {
        repository: config.repo.as_deref(),
        blueprint: &produced,
        applications: config
            .applications
            .iter()
            .map(|app| (app.name.as_str(), app.image.as_str()))
            .collect(),
    };
    let policies = catalog
        .policies()
        .map(|policies| policies.context(input.level, &config.environments, &platform));
    let labels = |index: usize| {
        catalog.policies().and_then(|policies| {
            policies.labels(input.level, index + 1 == config.environments.len())
        })
    };
    let context = json!({
        "platform": {
            "name": config.name,
            "level": input.level,
            "gitops": config.gitops,
            "policy": config.policy,
            "provider": config.provider,
            "repo": config.repo.clone().unwrap_or_default(),
            "repo_url": config.repo_url().unwrap_or_else(|| super::placeholder::REPO_URL.to_string()),
            "repo_placeholder": config.repo.is_none(),
            "docs_url": config.docs_url().unwrap_or_else(|| super::placeholder::DOCS_URL.to_string()),
            "management_cluster": config.management_cluster,
            "owners": config.owners,
            "certificates": config.certificates,
            "secret_store": config.secret_store,
            "backups": config.backups,
            "ci": config.ci,
            // Environments are listed in promotion order: the last is production, which a
            // release reaches after all the others.
            "production_environment": config.environments.last(),
            "earlier_environments": config.environments.split_last().map(|(_, earlier)| earlier).unwrap_or_default(),
        },
        "applications": config.applications,
        "environments": config.environments.iter().enumerate().map(|(index, name)| json!({
            "name": name,
            "clusters": config.clusters.iter().filter(|cluster| &cluster.environment == name).map(|cluster| &cluster.name).collect::<Vec<_>>(),
            // The Pod Security labels of its application namespaces (blueprints/policies/bundle.yaml).
            "pod_security": labels(index),
            // Each policy group's mode in it.
            "policy": policies.as_ref().and_then(|policy| policy.pointer(&format!("/environments/{index}"))),
        })).collect::<Vec<_>>(),
        "clusters": config.clusters,
        "roadmap": {
            "reached": input.level,
            "target": Level::MAX,
            "steps": input.roadmap,
        },
        "pins": pins,
        "charts": catalog.charts(),
        "blueprints": rendered,
        "policy": policies,
    });
    match context {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// The context once, or once per item of `each` with the item under its name,
/// each holding only the values the file's templates can reach.
fn items(
    context: &serde_json::Map<String, Value>,
    each: Option<Each>,
    uses: &ContextUse,
) -> Vec<Value> {
    let list = |key: &str| {
        context
            .get(key)
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
    };
    let single = |key: &str, name: &str| -> Vec<Value> {
        list(key)
            .iter()
            .map(|value| item_context(context, uses, [(name, value.clone())]))
            .collect()
    };
    match each {
        None => vec![item_context(context, uses, [])],
        Some(Each::Applications) => single("applications", "app"),
        Some(Each::Environments) => single("environments", "environment"),
        Some(Each::Clusters) => single("clusters", "cluster"),
        Some(Each::ManagedClusters) => {
            let management = context
                .get("platform")
                .and_then(|platform| platform.get("management_cluster"));
            list("clusters")
                .iter()
                .filter(|cluster| cluster.get("name") != management)
                .map(|cluster| item_context(context, uses, [("cluster", cluster.clone())]))
                .collect()
        }
        Some(Each::PolicyRules) => policy_rules(context)
            .iter()
            .map(|rule| item_context(context, uses, [("rule", rule.clone())]))
            .collect(),
        Some(Each::PolicySamples) => policy_rules(context)
            .iter()
            .flat_map(|rule| {
                let samples = rule
                    .get("samples")
                    .and_then(Value::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                samples.iter().map(move |sample| {
                    item_context(
                        context,
                        uses,
                        [("rule", rule.clone()), ("sample", sample.clone())],
                    )
                })
            })
            .collect(),
        Some(Each::PolicyImages) => context
            .get("policy")
            .and_then(|policy| policy.get("images"))
            .filter(|images| !images.is_null())
            .map(|_| item_context(context, uses, []))
            .into_iter()
            .collect(),
        Some(Each::EnvironmentApplications) => list("environments")
            .iter()
            .flat_map(|environment| {
                list("applications").iter().map(move |app| {
                    item_context(
                        context,
                        uses,
                        [("environment", environment.clone()), ("app", app.clone())],
                    )
                })
            })
            .collect(),
    }
}

/// The rules of the policy bundle at the level rendered.
fn policy_rules(context: &serde_json::Map<String, Value>) -> &[Value] {
    context
        .get("policy")
        .and_then(|policy| policy.get("rules"))
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// The values of the context `uses` includes, with the item's values under their names.
fn item_context<const N: usize>(
    context: &serde_json::Map<String, Value>,
    uses: &ContextUse,
    values: [(&str, Value); N],
) -> Value {
    let mut item: serde_json::Map<String, Value> = context
        .iter()
        .filter(|(key, _)| uses.includes(key))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for (name, value) in values {
        item.insert(name.to_string(), value);
    }
    Value::Object(item)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::InputFile;

    fn file(path: &str, text: &str) -> InputFile {
        InputFile::text(path, text)
    }

    /// `demo` renders two templates and copies one file; `argocd-only` and
    /// `unused` have templates that do not compile.
    fn catalog() -> Catalog {
        Catalog::from_files(vec![
            file(
                "demo/blueprint.yaml",
                "name: demo\ndescription: d\nversion: 1.0.0\nfiles:\n  - {source: a.md.hbs, target: a.md}\n  - {source: b.md.hbs, target: \"{{app.name}}/b.md\", each: applications}\n  - {source: c.sh, target: c.sh, executable: true}\n",
            ),
            file("demo/templates/a.md.hbs", "# {{platform.name}}\n"),
            file("demo/templates/b.md.hbs", "{{app.name}} on {{app.port}}\n"),
            file("demo/templates/c.sh", "#!/bin/sh\n"),
            file(
                "argocd-only/blueprint.yaml",
                "name: argocd-only\ndescription: d\nversion: 1.0.0\nwhen: {gitops: argocd}\nfiles:\n  - {source: x.hbs, target: x}\n",
            ),
            file("argocd-only/templates/x.hbs", "{{#if broken}}\n"),
            file(
                "unused/blueprint.yaml",
                "name: unused\ndescription: d\nversion: 1.0.0\nfiles:\n  - {source: y.hbs, target: y}\n",
            ),
            file("unused/templates/y.hbs", "fine\n\n{{/if}}\n"),
        ])
        .expect("the manifests are valid: templates are not compiled yet")
    }

    fn config() -> Config {
        crate::config::demo_config()
    }

    fn input<'a>(config: &'a Config, blueprints: &[&str]) -> Input<'a> {
        Input {
            config,
            level: Level::new(1).expect("level 1"),
            blueprints: blueprints.iter().map(ToString::to_string).collect(),
            roadmap: Vec::new(),
        }
    }

    #[test]
    fn a_file_with_from_level_is_written_from_that_level_on() {
        let catalog = Catalog::from_files(vec![
            file(
                "records/blueprint.yaml",
                "name: records\ndescription: d\nversion: 1.0.0\nfiles:\n  - {source: a.md, target: a.md}\n  - {source: b.md, target: b.md, when: {from_level: 3}}\n",
            ),
            file("records/templates/a.md", "a\n"),
            file("records/templates/b.md", "b\n"),
        ])
        .expect("valid manifest");
        let config = config();
        let paths_at = |number: u8| {
            let mut input = input(&config, &["records"]);
            input.level = Level::new(number).expect("a level");
            render(&catalog, &input)
                .expect("renders")
                .keys()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(paths_at(2), ["a.md"]);
        assert_eq!(paths_at(3), ["a.md", "b.md"]);
        assert_eq!(paths_at(5), ["a.md", "b.md"]);
    }

    #[test]
    fn only_the_templates_a_render_needs_are_compiled_and_each_once() {
        let catalog = catalog();
        assert_eq!(catalog.compiled_templates(), 0, "loading compiles nothing");
        let config = config();
        let input = input(&config, &["demo", "argocd-only"]);
        let first = render(&catalog, &input).expect("renders: argocd-only does not apply");
        // demo's two templates and three targets; nothing of argocd-only.
        assert_eq!(catalog.compiled_templates(), 5);
        let second = render(&catalog, &input).expect("renders again");
        assert_eq!(
            catalog.compiled_templates(),
            5,
            "the second render compiles nothing"
        );
        assert_eq!(first, second);
        let paths: Vec<&str> = first.keys().map(RepoPath::as_str).collect();
        assert_eq!(paths.len(), 2 + config.applications.len());
        let script = first
            .get(&RepoPath::new("c.sh").expect("valid"))
            .expect("copied");
        assert!(script.executable);
        assert_eq!(script.content, b"#!/bin/sh\n");
        assert!(!first[&RepoPath::new("a.md").expect("valid")].executable);
    }

    /// Item contexts leave out what a file never names, and keep whatever it does,
    /// however it reaches it.
    #[test]
    fn each_item_sees_every_value_its_file_names() {
        let catalog = Catalog::from_files(vec![
            file(
                "lists/blueprint.yaml",
                "name: lists\ndescription: d\nversion: 1.0.0\nfiles:\n  - {source: all.hbs, target: \"{{app.name}}/all\", each: applications}\n  - {source: steps.hbs, target: \"{{environment.name}}/steps\", each: environments}\n  - {source: root.hbs, target: \"{{app.name}}/root\", each: applications}\n",
            ),
            file(
                "lists/templates/all.hbs",
                "{{app.name}}:{{#each applications}} {{name}}{{/each}}",
            ),
            file(
                "lists/templates/steps.hbs",
                "{{environment.name}} {{roadmap.reached}} {{@root.platform.name}}",
            ),
            file(
                "lists/templates/root.hbs",
                "{{#with this}}{{#each clusters}}{{name}} {{/each}}{{/with}}",
            ),
        ])
        .expect("valid");
        let config = config();
        let rendered = render(&catalog, &input(&config, &["lists"])).expect("renders");
        let text = |path: &str| {
            String::from_utf8(
                rendered[&RepoPath::new(path).expect("valid")]
                    .content
                    .clone(),
            )
            .expect("utf-8")
        };
        let names: Vec<String> = config
            .applications
            .iter()
            .map(|app| app.name.clone())
            .collect();
        let first = &names[0];
        assert_eq!(
            text(&format!("{first}/all")),
            format!("{first}: {}", names.join(" "))
        );
        let environment = &config.environments[0];
        assert_eq!(
            text(&format!("{environment}/steps")),
            format!("{environment} 1 demo")
        );
        let clusters: String = config
            .clusters
            .iter()
            .map(|cluster| format!("{} ", cluster.name))
            .collect();
        assert!(!clusters.is_empty());
        assert_eq!(text(&format!("{first}/root")), clusters);
    }

    #[test]
    fn a_template_that_does_not_compile_is_named_when_a_render_needs_it() {
        let catalog = catalog();
        let config = config();
        let error = render(&catalog, &input(&config, &["demo", "unused"])).expect_err("y.hbs");
        let Error::Template {
            blueprint,
            file,
            line,
            message,
        } = &error
        else {
            panic!("{error}");
        };
        assert_eq!(
            (blueprint.as_str(), file.as_str()),
            ("unused", "templates/y.hbs")
        );
        assert_eq!(*line, Some(3));
        assert!(
            message.starts_with("invalid handlebars syntax"),
            "{message}"
        );
    }

    #[test]
    fn compile_all_finds_a_template_no_render_for_this_platform_needs() {
        let catalog = catalog();
        let error = compile_all(&catalog).expect_err("two templates do not compile");
        assert!(
            matches!(&error, Error::Template { blueprint, .. } if blueprint == "argocd-only"),
            "{error}"
        );
    }

    #[test]
    fn templates_see_which_blueprints_are_rendered_and_the_pinned_charts() {
        let catalog = Catalog::from_files(vec![
            file(
                "charts.yaml",
                "cert-manager: {repository: 'https://charts.jetstack.io', chart: cert-manager, version: v1.20.2}\n",
            ),
            file(
                "index/blueprint.yaml",
                "name: index\ndescription: d\nversion: 1.0.0\nfiles:\n  - {source: i.hbs, target: i}\n",
            ),
            file(
                "index/templates/i.hbs",
                "{{#if blueprints.[index]}}index{{/if}} {{#if blueprints.[argocd-only]}}argocd{{/if}} {{#unless blueprints.[demo]}}no-demo{{/unless}} {{charts.[cert-manager].chart}}@{{charts.[cert-manager].version}}\n",
            ),
            file(
                "argocd-only/blueprint.yaml",
                "name: argocd-only\ndescription: d\nversion: 1.0.0\nwhen: {gitops: argocd}\nfiles:\n  - {source: x, target: x}\n",
            ),
            file("argocd-only/templates/x", "x\n"),
            file(
                "demo/blueprint.yaml",
                "name: demo\ndescription: d\nversion: 1.0.0\nfiles:\n  - {source: d, target: d}\n",
            ),
            file("demo/templates/d", "d\n"),
        ])
        .expect("valid");
        let config = config();
        // argocd-only is asked for but does not apply to a Flux platform; demo is not asked for.
        let rendered =
            render(&catalog, &input(&config, &["index", "argocd-only"])).expect("renders");
        let index = &rendered[&RepoPath::new("i").expect("path")];
        assert_eq!(
            String::from_utf8_lossy(&index.content),
            "index  no-demo cert-manager@v1.20.2\n"
        );
    }
}
