//! A step of the roadmap: one concrete, checkable action at one level.

use super::{DimensionIndex, Level, Text};

/// A step's stable identifier, `<dimension>.<topic>.<name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct StepId(String);

impl StepId {
    pub fn new(id: impl Into<String>) -> StepId {
        StepId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for StepId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: StepId,
    pub level: Level,
    pub dimension: DimensionIndex,
    /// Position of the topic within its dimension's topics.
    pub topic: usize,
    pub title: Text,
    pub summary: Text,
    pub done_when: Vec<Text>,
    pub needs: Vec<StepId>,
    pub blueprints: Vec<String>,
    pub evidence: Vec<EvidenceRule>,
}

/// What in a repository shows that a step is done. A step's rules must all hold.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceRule {
    /// A file matching the glob exists.
    Path(String),
    /// A YAML document declares this kind and apiVersion.
    Kind { kind: String, api_version: String },
    /// A GitHub Actions workflow matches the regular expression.
    Workflow(String),
    /// At least one of the rules holds.
    AnyOf(Vec<EvidenceRule>),
    /// Nothing in a repository can show it; a person checks what the text says.
    Manual(String),
}
