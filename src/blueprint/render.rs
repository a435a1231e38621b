//! Renders blueprints for a platform into files in memory.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::{Catalog, Each, Error, helpers};
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
    let mut registry = helpers::registry();
    let context = context(catalog, input);
    let mut rendered: BTreeMap<RepoPath, RenderedFile> = BTreeMap::new();
    for name in &input.blueprints {
        let blueprint = catalog
            .get(name)
            .ok_or_else(|| Error::Unknown { name: name.clone() })?;
        if !blueprint.when.holds(input.config) {
            continue;
        }
        for (spec_index, spec) in blueprint
            .files
            .iter()
            .enumerate()
            .filter(|(_, spec)| spec.when.holds(input.config))
        {
            let template_error = |error: handlebars::RenderError| Error::Template {
                blueprint: blueprint.name.clone(),
                file: format!("templates/{}", spec.source),
                line: error.line_no,
                message: error.reason().to_string(),
            };
            let template_name = format!("{}/{}", blueprint.name, spec.source);
            if spec.is_template() && !registry.has_template(&template_name) {
                let text = blueprint
                    .templates
                    .get(&spec.source)
                    .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
                    .unwrap_or_default();
                registry
                    .register_template_string(&template_name, text)
                    .map_err(|error| Error::Template {
                        blueprint: blueprint.name.clone(),
                        file: format!("templates/{}", spec.source),
                        line: error.pos().map(|(line, _)| line),
                        message: error.reason().to_string(),
                    })?;
            }
            // Compiled once per file spec, not once per item.
            let target_name = format!("{}#target-{spec_index}", blueprint.name);
            if !registry.has_template(&target_name) {
                registry
                    .register_template_string(&target_name, &spec.target)
                    .map_err(|error| Error::Template {
                        blueprint: blueprint.name.clone(),
                        file: format!("blueprint.yaml (the target of `{}`)", spec.source),
                        line: None,
                        message: error.reason().to_string(),
                    })?;
            }
            for item in items(&context, spec.each)
                .into_iter()
                .filter(|item| spec.when.holds_for_item(item))
            {
                // Moved into a Handlebars context once, so neither call copies it again.
                let item = handlebars::Context::from(item);
                let target =
                    registry
                        .render_with_context(&target_name, &item)
                        .map_err(|error| Error::Template {
                            blueprint: blueprint.name.clone(),
                            file: format!("blueprint.yaml (the target of `{}`)", spec.source),
                            line: None,
                            message: error.reason().to_string(),
                        })?;
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
                    },
                );
            }
        }
    }
    check_file_folder_clashes(&rendered)?;
    Ok(rendered)
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
            "management_cluster": config.management_cluster,
            "owners": config.owners,
            "certificates": config.certificates,
            "secret_store": config.secret_store,
        },
        "applications": config.applications,
        "environments": config.environments.iter().map(|name| json!({
            "name": name,
            "clusters": config.clusters.iter().filter(|cluster| &cluster.environment == name).map(|cluster| &cluster.name).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "clusters": config.clusters,
        "roadmap": {
            "reached": input.level,
            "target": Level::MAX,
            "steps": input.roadmap,
        },
        "pins": pins,
    });
    match context {
        Value::Object(map) => map,
        _ => serde_json::Map::new(),
    }
}

/// The context once, or once per item of `each` with the item under its name.
/// The roadmap (hundreds of steps) is only for files without `each`: copying it
/// into every per-item context would dominate the time to render.
fn items(context: &serde_json::Map<String, Value>, each: Option<Each>) -> Vec<Value> {
    let (list, name) = match each {
        None => return vec![Value::Object(context.clone())],
        Some(Each::Applications) => ("applications", "app"),
        Some(Each::Environments) => ("environments", "environment"),
        Some(Each::Clusters) => ("clusters", "cluster"),
        Some(Each::EnvironmentApplications) => {
            let list = |key: &str| {
                context
                    .get(key)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
            };
            let applications = list("applications");
            return list("environments")
                .into_iter()
                .flat_map(|environment| {
                    applications.iter().map(move |app| {
                        item_context(
                            context,
                            [("environment", environment.clone()), ("app", app.clone())],
                        )
                    })
                })
                .collect();
        }
    };
    context
        .get(list)
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .map(|value| item_context(context, [(name, value.clone())]))
                .collect()
        })
        .unwrap_or_default()
}

/// The context without the roadmap, with the item's values under their names.
fn item_context<const N: usize>(
    context: &serde_json::Map<String, Value>,
    values: [(&str, Value); N],
) -> Value {
    let mut item: serde_json::Map<String, Value> = context
        .iter()
        .filter(|(key, _)| key.as_str() != "roadmap")
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    for (name, value) in values {
        item.insert(name.to_string(), value);
    }
    Value::Object(item)
}
