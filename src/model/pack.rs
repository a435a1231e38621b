//! A validated content pack: the model's levels and dimensions, and the steps.

use std::collections::HashMap;

use super::{Language, Level, Step, StepId, Text};

/// Which model a pack encodes.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ModelInfo {
    pub name: String,
    pub version: String,
    pub source: Option<String>,
}

#[derive(Debug, Clone)]
pub struct LevelInfo {
    pub level: Level,
    pub id: String,
    pub name: Text,
    pub aliases: Vec<String>,
    pub title: Text,
    pub description: Text,
}

/// Position of a dimension in the pack; plans group dimensions in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DimensionIndex(pub usize);

#[derive(Debug, Clone)]
pub struct Dimension {
    pub id: String,
    pub name: Text,
    pub aliases: Vec<String>,
    pub topics: Vec<Topic>,
}

#[derive(Debug, Clone)]
pub struct Topic {
    pub id: String,
    pub name: Text,
    /// The model's own section headings for this topic, when they differ from its name.
    pub headings: Vec<String>,
    /// The levels whose text in the model has a section for this topic.
    pub levels: Vec<Level>,
}

/// Where in the model a step comes from, for traceability.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ModelReference {
    pub model: String,
    pub version: String,
    pub level: Level,
    pub dimension: String,
    pub topic: String,
}

#[derive(Debug, Clone)]
pub struct Pack {
    pub model: ModelInfo,
    pub default_language: Language,
    pub languages: Vec<Language>,
    /// Exactly one entry per level, lowest first.
    pub levels: Vec<LevelInfo>,
    pub dimensions: Vec<Dimension>,
    pub steps: Vec<Step>,
    step_index: HashMap<StepId, usize>,
}

impl Pack {
    /// Assembles a pack. `levels` must hold levels 1–5 in order and every step must
    /// name dimensions and topics that exist: the content loader guarantees both.
    pub fn new(
        model: ModelInfo,
        default_language: Language,
        languages: Vec<Language>,
        levels: Vec<LevelInfo>,
        dimensions: Vec<Dimension>,
        steps: Vec<Step>,
    ) -> Pack {
        let step_index = steps
            .iter()
            .enumerate()
            .map(|(index, step)| (step.id.clone(), index))
            .collect();
        Pack {
            model,
            default_language,
            languages,
            levels,
            dimensions,
            steps,
            step_index,
        }
    }

    pub fn step(&self, id: &StepId) -> Option<&Step> {
        self.step_index.get(id).map(|&index| &self.steps[index])
    }

    pub fn level(&self, level: Level) -> &LevelInfo {
        &self.levels[usize::from(level.number() - 1)]
    }

    pub fn dimension(&self, index: DimensionIndex) -> &Dimension {
        &self.dimensions[index.0]
    }

    pub fn dimension_indices(&self) -> impl Iterator<Item = DimensionIndex> + use<> {
        (0..self.dimensions.len()).map(DimensionIndex)
    }

    pub fn topic(&self, step: &Step) -> &Topic {
        &self.dimension(step.dimension).topics[step.topic]
    }

    /// The dimension whose id, name (in any language) or alias is `name`, ignoring case.
    pub fn find_dimension(&self, name: &str) -> Option<DimensionIndex> {
        self.dimensions
            .iter()
            .position(|dimension| {
                std::iter::once(dimension.id.as_str())
                    .chain(dimension.name.all())
                    .chain(dimension.aliases.iter().map(String::as_str))
                    .any(|candidate| candidate.eq_ignore_ascii_case(name) || candidate == name)
            })
            .map(DimensionIndex)
    }

    /// The level whose id, name (in any language) or alias is `name`, ignoring case.
    pub fn find_level(&self, name: &str) -> Option<Level> {
        self.levels
            .iter()
            .find(|info| {
                std::iter::once(info.id.as_str())
                    .chain(info.name.all())
                    .chain(info.aliases.iter().map(String::as_str))
                    .any(|candidate| candidate.eq_ignore_ascii_case(name) || candidate == name)
            })
            .map(|info| info.level)
    }

    /// Every name a level can be given by, for suggestions.
    pub fn level_names(&self) -> impl Iterator<Item = &str> {
        self.levels.iter().flat_map(|info| {
            std::iter::once(info.id.as_str())
                .chain(info.name.all())
                .chain(info.aliases.iter().map(String::as_str))
        })
    }

    /// Every name a dimension can be given by, for suggestions.
    pub fn dimension_names(&self) -> impl Iterator<Item = &str> {
        self.dimensions.iter().flat_map(|dimension| {
            std::iter::once(dimension.id.as_str())
                .chain(dimension.name.all())
                .chain(dimension.aliases.iter().map(String::as_str))
        })
    }

    /// Where in the model `step` comes from, in the pack's default language.
    pub fn reference(&self, step: &Step) -> ModelReference {
        ModelReference {
            model: self.model.name.clone(),
            version: self.model.version.clone(),
            level: step.level,
            dimension: self
                .dimension(step.dimension)
                .name
                .default_text()
                .to_string(),
            topic: self.topic(step).name.default_text().to_string(),
        }
    }
}
