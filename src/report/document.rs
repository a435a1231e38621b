//! The versioned document behind `--format json` and `--format yaml`.
//!
//! Its JSON Schema is `plan.v1.schema.json` beside this file. A change that removes
//! or renames a field, or changes its meaning, needs a new schema version.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::{Baseline, Language, Level, ModelInfo, ModelReference, Step};
use crate::plan::Plan;

/// The value of the document's `schema` field.
pub const SCHEMA_ID: &str = "levelup.plan/v1";

/// The JSON Schema of the document.
pub const SCHEMA: &str = include_str!("plan.v1.schema.json");

#[derive(Debug, Serialize)]
pub struct PlanDocument<'p> {
    pub schema: &'static str,
    pub model: &'p ModelInfo,
    pub language: String,
    /// The level each dimension has reached, by dimension id.
    pub from: BTreeMap<&'p str, Baseline>,
    pub to: Level,
    /// The dimension the plan is limited to, if any.
    pub dimension: Option<&'p str>,
    /// The levels that have steps in the plan (one milestone each).
    pub levels: Vec<LevelEntry<'p>>,
    pub steps: Vec<StepEntry<'p>>,
    /// Steps outside `dimension` that planned steps need and that are not done yet.
    pub prerequisites: Vec<PrerequisiteEntry<'p>>,
}

#[derive(Debug, Serialize)]
pub struct LevelEntry<'p> {
    pub number: Level,
    pub id: &'p str,
    pub name: &'p str,
    pub title: &'p str,
    pub description: &'p str,
}

#[derive(Debug, Serialize)]
pub struct StepEntry<'p> {
    pub id: &'p str,
    pub level: Level,
    pub dimension: &'p str,
    pub topic: &'p str,
    pub title: &'p str,
    pub summary: &'p str,
    pub done_when: Vec<&'p str>,
    /// Every step this one needs, as written in the content.
    pub needs: Vec<&'p str>,
    /// The needs the baseline does not cover yet.
    pub open_needs: Vec<&'p str>,
    pub blueprints: Vec<&'p str>,
    pub reference: ModelReference,
}

#[derive(Debug, Serialize)]
pub struct PrerequisiteEntry<'p> {
    pub id: &'p str,
    pub level: Level,
    pub dimension: &'p str,
    pub title: &'p str,
}

impl<'p> PlanDocument<'p> {
    pub fn new(plan: &Plan<'p>, language: &Language) -> PlanDocument<'p> {
        let pack = plan.pack;
        let levels = plan
            .levels()
            .into_iter()
            .map(|level| {
                let info = pack.level(level);
                LevelEntry {
                    number: level,
                    id: &info.id,
                    name: info.name.get(language),
                    title: info.title.get(language),
                    description: info.description.get(language),
                }
            })
            .collect();
        let steps = plan
            .steps
            .iter()
            .map(|planned| {
                let step = planned.step;
                StepEntry {
                    id: step.id.as_str(),
                    level: step.level,
                    dimension: &pack.dimension(step.dimension).id,
                    topic: &pack.topic(step).id,
                    title: step.title.get(language),
                    summary: step.summary.get(language),
                    done_when: step
                        .done_when
                        .iter()
                        .map(|item| item.get(language))
                        .collect(),
                    needs: step.needs.iter().map(|id| id.as_str()).collect(),
                    open_needs: planned
                        .open_needs
                        .iter()
                        .map(|needed| needed.id.as_str())
                        .collect(),
                    blueprints: step.blueprints.iter().map(String::as_str).collect(),
                    reference: pack.reference(step),
                }
            })
            .collect();
        let prerequisites = plan
            .prerequisites
            .iter()
            .map(|step: &&'p Step| PrerequisiteEntry {
                id: step.id.as_str(),
                level: step.level,
                dimension: &pack.dimension(step.dimension).id,
                title: step.title.get(language),
            })
            .collect();
        PlanDocument {
            schema: SCHEMA_ID,
            model: &pack.model,
            language: language.to_string(),
            from: pack
                .dimension_indices()
                .map(|index| {
                    (
                        pack.dimension(index).id.as_str(),
                        plan.request.baseline(index),
                    )
                })
                .collect(),
            to: plan.request.to,
            dimension: plan
                .request
                .dimension
                .map(|index| pack.dimension(index).id.as_str()),
            levels,
            steps,
            prerequisites,
        }
    }
}
