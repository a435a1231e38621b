//! What `levelup blueprints list` and `levelup blueprints show` say about the
//! catalog: each blueprint, the steps of the content pack that name it, its
//! conditions and the files it writes, as the versioned document
//! `levelup.blueprints/v1` or as text. Never prints, never compiles a template.
//!
//! The document's JSON Schema is `blueprints.v1.schema.json` beside this file. A
//! change that removes or renames a field, or changes its meaning, needs a new
//! schema version.

use serde::Serialize;

use super::manifest::{Each, FileSpec, When};
use super::{Blueprint, Catalog};
use crate::config::{Delivery, GitOps, PolicyEngine, Provider};
use crate::model::{Baseline, Level, Pack};
use crate::plan::{Plan, Request};

/// The value of the document's `schema` field.
pub const SCHEMA_ID: &str = "levelup.blueprints/v1";

/// The JSON Schema of the document.
pub const SCHEMA: &str = include_str!("blueprints.v1.schema.json");

/// The blueprints of a catalog, as `levelup blueprints` shows them.
#[derive(Debug, Serialize)]
pub struct CatalogDocument<'c> {
    pub schema: &'static str,
    pub blueprints: Vec<BlueprintEntry<'c>>,
}

#[derive(Debug, Serialize)]
pub struct BlueprintEntry<'c> {
    pub name: &'c str,
    pub description: &'c str,
    pub version: &'c str,
    /// `built-in`, or `directory` for one from `--blueprints` (added or replacing).
    pub origin: &'static str,
    pub when: WhenEntry,
    /// The steps that name it, in plan order.
    pub steps: Vec<StepEntry>,
    pub files: Vec<FileEntry<'c>>,
}

/// Conditions on the platform's choices; an empty list means any.
#[derive(Debug, Serialize)]
pub struct WhenEntry {
    pub gitops: Vec<GitOps>,
    pub policy: Vec<PolicyEngine>,
    pub provider: Vec<Provider>,
    /// On a file produced per application: the deliveries it is written for.
    pub delivery: Vec<Delivery>,
    /// On a file: the lowest level it is written at (`null`: every level of its blueprint).
    pub from_level: Option<Level>,
}

#[derive(Debug, Serialize)]
pub struct StepEntry {
    pub id: String,
    pub level: Level,
    pub dimension: String,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct FileEntry<'c> {
    pub source: &'c str,
    pub target: &'c str,
    /// `template` (rendered) or `copy` (byte for byte).
    pub kind: &'static str,
    pub each: Option<Each>,
    pub when: WhenEntry,
    pub executable: bool,
}

impl<'c> CatalogDocument<'c> {
    /// Every blueprint of `catalog`, or only `only`, with the steps of `pack`.
    /// `only` must be a name the catalog has.
    pub fn new(catalog: &'c Catalog, pack: &Pack, only: Option<&str>) -> CatalogDocument<'c> {
        let plan = Level::new(Level::MAX)
            .map(|top| Plan::new(pack, Request::uniform(pack, Baseline::NOTHING, top)));
        let language = &pack.default_language;
        let blueprints = catalog
            .names()
            .filter(|name| only.is_none_or(|only| only == *name))
            .filter_map(|name| catalog.get(name))
            .map(|blueprint| {
                let steps = plan
                    .iter()
                    .flat_map(|plan| &plan.steps)
                    .map(|planned| planned.step)
                    .filter(|step| step.blueprints.contains(&blueprint.name))
                    .map(|step| StepEntry {
                        id: step.id.to_string(),
                        level: step.level,
                        dimension: pack.dimension(step.dimension).id.clone(),
                        title: step.title.get(language).to_string(),
                    })
                    .collect();
                entry(catalog, blueprint, steps)
            })
            .collect();
        CatalogDocument {
            schema: SCHEMA_ID,
            blueprints,
        }
    }

    /// The document as pretty JSON, with a final newline.
    pub fn to_json(&self) -> String {
        // Plain strings, numbers, lists and maps: serializing does not fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Two lines per blueprint: what it is and who uses it, then its description.
    pub fn list_text(&self) -> String {
        let mut out = String::new();
        for blueprint in &self.blueprints {
            let files = match blueprint.files.len() {
                1 => "1 file".to_string(),
                count => format!("{count} files"),
            };
            let origin = match blueprint.origin {
                "directory" => " · from --blueprints",
                _ => "",
            };
            out.push_str(&format!(
                "{} {} · {files} · {}{origin}\n    {}\n",
                blueprint.name,
                blueprint.version,
                used_by(&blueprint.steps),
                blueprint.description
            ));
        }
        out
    }

    /// Each blueprint in full: conditions, steps, and every file it writes.
    pub fn show_text(&self) -> String {
        let mut out = String::new();
        for blueprint in &self.blueprints {
            let origin = match blueprint.origin {
                "directory" => "from the --blueprints folder",
                _ => "built in",
            };
            out.push_str(&format!(
                "{} {} ({origin})\n{}\n\nwhen: {}\n",
                blueprint.name,
                blueprint.version,
                blueprint.description,
                conditions(&blueprint.when).unwrap_or_else(|| "any platform".to_string())
            ));
            if blueprint.steps.is_empty() {
                out.push_str(
                    "steps: none; no step of the content pack names it, so it is never rendered\n",
                );
            } else {
                out.push_str("steps:\n");
                for step in &blueprint.steps {
                    out.push_str(&format!(
                        "  level {}  {}  {}\n",
                        step.level, step.id, step.title
                    ));
                }
            }
            out.push_str(&format!("files ({}):\n", blueprint.files.len()));
            for file in &blueprint.files {
                let mut notes = vec![
                    match file.kind {
                        "template" => "rendered",
                        _ => "copied byte for byte",
                    }
                    .to_string(),
                ];
                if let Some(each) = file.each {
                    notes.push(format!("once per {}", each_item(each)));
                }
                if file.executable {
                    notes.push("executable (100755)".to_string());
                }
                if let Some(when) = conditions(&file.when) {
                    notes.push(format!("when {when}"));
                }
                out.push_str(&format!(
                    "  {}\n    → {}\n    {}\n",
                    file.source,
                    file.target,
                    notes.join(", ")
                ));
            }
        }
        out
    }
}

fn entry<'c>(
    catalog: &Catalog,
    blueprint: &'c Blueprint,
    steps: Vec<StepEntry>,
) -> BlueprintEntry<'c> {
    BlueprintEntry {
        name: &blueprint.name,
        description: &blueprint.description,
        version: &blueprint.version,
        origin: if catalog.is_from_dir(&blueprint.name) {
            "directory"
        } else {
            "built-in"
        },
        when: when_entry(&blueprint.when),
        steps,
        files: blueprint.files.iter().map(file_entry).collect(),
    }
}

fn file_entry(spec: &FileSpec) -> FileEntry<'_> {
    FileEntry {
        source: &spec.source,
        target: &spec.target,
        kind: if spec.is_template() {
            "template"
        } else {
            "copy"
        },
        each: spec.each,
        when: when_entry(&spec.when),
        executable: spec.executable,
    }
}

fn when_entry(when: &When) -> WhenEntry {
    WhenEntry {
        gitops: when.gitops.clone(),
        policy: when.policy.clone(),
        provider: when.provider.clone(),
        delivery: when.delivery.clone(),
        from_level: when.from_level,
    }
}

/// `gitops: flux, argocd; policy: kyverno`, or `None` for no condition.
fn conditions(when: &WhenEntry) -> Option<String> {
    fn part<T: std::fmt::Display>(name: &str, values: &[T]) -> Option<String> {
        (!values.is_empty()).then(|| {
            let values: Vec<String> = values.iter().map(ToString::to_string).collect();
            format!("{name}: {}", values.join(", "))
        })
    }
    let parts: Vec<String> = [
        part("gitops", &when.gitops),
        part("policy", &when.policy),
        part("provider", &when.provider),
        part("delivery", &when.delivery),
        when.from_level.map(|level| format!("from level {level}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn each_item(each: Each) -> &'static str {
    match each {
        Each::Applications => "application",
        Each::Environments => "environment",
        Each::Clusters => "cluster",
        Each::ManagedClusters => "cluster but the management cluster",
        Each::EnvironmentApplications => "application in each environment",
        Each::PolicyRules => "policy rule",
        Each::PolicySamples => "sample of each policy rule",
        Each::PolicyImages => "bundle that checks images",
    }
}

/// `used by a.b.c (level 1), d.e.f (level 2)`, or `used by no step`.
fn used_by(steps: &[StepEntry]) -> String {
    if steps.is_empty() {
        return "used by no step".to_string();
    }
    let steps: Vec<String> = steps
        .iter()
        .map(|step| format!("{} (level {})", step.id, step.level))
        .collect();
    format!("used by {}", steps.join(", "))
}
