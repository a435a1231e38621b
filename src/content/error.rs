//! Why a content pack could not be loaded.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, problem_count};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("`{dir}` is not a content pack: it has no `pack.yaml`")]
    NotAPack { dir: PathBuf },
    #[error("the content pack is invalid: {}", problem_count(.0))]
    Invalid(Vec<Diagnostic>),
}
