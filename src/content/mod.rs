//! Loading and validating content packs: YAML files in, a [`crate::model::Pack`] out.
//!
//! Every problem is reported as a [`Diagnostic`] naming the file, the line and the
//! key, with a hint; loading collects all of them instead of stopping at the first.

mod coverage;
mod error;
mod evidence;
mod loader;
mod needs;
mod raw;
mod skeleton;
mod source;
mod step;

pub use crate::diagnostic::Diagnostic;
pub use coverage::{BlueprintCoverage, blueprint_coverage, blueprint_coverage_table};
pub use error::Error;
pub use loader::{Locations, load, load_located};
pub use source::{Source, SourceFile};

/// Loads the pack embedded in the binary, or the one in `dir`; with `blueprints`,
/// the blueprint names steps may use.
pub fn load_from(
    dir: Option<&std::path::Path>,
    blueprints: Option<&std::collections::BTreeSet<String>>,
) -> Result<crate::model::Pack, Error> {
    let source = match dir {
        Some(dir) => Source::from_dir(dir)?,
        None => Source::embedded(),
    };
    load(&source, blueprints)
}

/// [`load_from`], also returning where each step was written.
pub fn load_located_from(
    dir: Option<&std::path::Path>,
    blueprints: Option<&std::collections::BTreeSet<String>>,
) -> Result<(crate::model::Pack, Locations), Error> {
    let source = match dir {
        Some(dir) => Source::from_dir(dir)?,
        None => Source::embedded(),
    };
    load_located(&source, blueprints)
}
