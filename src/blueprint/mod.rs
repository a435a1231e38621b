//! Blueprints: manifests and Handlebars templates that render repository files.
//!
//! Everything renders to memory; writing is the scaffold module's job. Templates
//! are compiled when a render first needs them; `listing` describes the catalog
//! for `levelup blueprints`.

mod catalog;
mod context_use;
mod helpers;
mod listing;
mod manifest;
pub mod placeholder;
pub mod policies;
mod render;

use std::path::PathBuf;

/// Rendering produces the change set's input type directly.
pub use crate::tree::RenderedFile;
pub use catalog::{Catalog, Chart, Pin};
pub use listing::{CatalogDocument, SCHEMA, SCHEMA_ID};
pub use manifest::{Blueprint, Each, FileSpec, When};
pub use render::{Input, RoadmapStep, compile_all, render};

use crate::diagnostic::{Diagnostic, problem_count};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{dir}` holds no blueprint: no `*/blueprint.yaml` in it")]
    NoBlueprints { dir: PathBuf },
    #[error("the blueprints are invalid: {}", problem_count(.0))]
    Invalid(Vec<Diagnostic>),
    #[error("blueprint `{blueprint}`, {file}{}: {message}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Template {
        blueprint: String,
        file: String,
        line: Option<usize>,
        message: String,
    },
    #[error("blueprint `{blueprint}` writes outside the repository: `{target}`: {reason}")]
    Target {
        blueprint: String,
        target: String,
        reason: String,
    },
    #[error("blueprints `{first}` and `{second}` both write `{path}`")]
    Collision {
        path: String,
        first: String,
        second: String,
    },
    #[error("unknown blueprint `{name}`")]
    Unknown { name: String },
}
