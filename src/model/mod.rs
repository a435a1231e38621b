//! The maturity model as levelup sees it: levels, dimensions, topics and steps.
//!
//! Values here are already validated by [`crate::content`]; this module does no I/O
//! and knows nothing of YAML files or the command line.

mod level;
mod pack;
mod step;
mod text;

pub use level::{Baseline, Level};
pub use pack::{Dimension, DimensionIndex, LevelInfo, ModelInfo, ModelReference, Pack, Topic};
pub use step::{
    EvidenceRule, Expectation, FieldCheck, FieldPath, PolicyEngineName, PolicyMode, Segment, Step,
    StepId,
};
pub use text::{Language, Text};
