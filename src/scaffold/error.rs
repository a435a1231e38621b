//! What scaffolding (rendering a level, init and apply) can fail with.

use std::path::PathBuf;

use crate::{blueprint, config, git, tree};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Tree(#[from] tree::Error),
    #[error(transparent)]
    Blueprint(#[from] blueprint::Error),
    #[error(transparent)]
    Config(#[from] config::Error),
    #[error(transparent)]
    Git(#[from] git::Error),
    /// `init` into a folder that is already a platform repository.
    #[error("`{}` already holds a `levelup.yaml`", .dir.display())]
    AlreadyInitialized { dir: PathBuf },
    /// `init` would change files that are already in the folder.
    #[error("`{}` already holds files levelup would write: {}", .dir.display(), .paths.join(", "))]
    InTheWay { dir: PathBuf, paths: Vec<String> },
    #[error("cannot create `{}`", .path.display())]
    Create {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `apply` would change files with uncommitted changes, without `--force`.
    #[error("{} with uncommitted changes would be changed: {}", if .0.len() == 1 { "a file" } else { "files" }, .0.join(", "))]
    Uncommitted(Vec<String>),
}
