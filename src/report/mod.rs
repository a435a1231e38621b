//! Renders a [`crate::plan::Plan`] as markdown, JSON or YAML text; never prints.

mod document;
mod markdown;

pub use document::{PlanDocument, SCHEMA, SCHEMA_ID};
pub use markdown::markdown;

use crate::model::Language;
use crate::plan::Plan;

/// The output formats of `levelup plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Markdown,
    Json,
    Yaml,
}

impl Format {
    pub const NAMES: [&'static str; 3] = ["markdown", "json", "yaml"];

    pub fn from_name(name: &str) -> Option<Format> {
        match name.to_ascii_lowercase().as_str() {
            "markdown" | "md" => Some(Format::Markdown),
            "json" => Some(Format::Json),
            "yaml" | "yml" => Some(Format::Yaml),
            _ => None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot serialize the plan as JSON")]
    Json(#[source] serde_json::Error),
    #[error("cannot serialize the plan as YAML")]
    Yaml(#[source] serde_saphyr::SerializeError),
}

/// The plan as text in `format`, in `language` where the pack has translations.
pub fn render(plan: &Plan<'_>, format: Format, language: &Language) -> Result<String, Error> {
    match format {
        Format::Markdown => Ok(markdown(plan, language)),
        Format::Json => {
            let document = PlanDocument::new(plan, language);
            serde_json::to_string_pretty(&document)
                .map(|json| json + "\n")
                .map_err(Error::Json)
        }
        Format::Yaml => {
            let document = PlanDocument::new(plan, language);
            crate::yaml::to_string(&document).map_err(Error::Yaml)
        }
    }
}
