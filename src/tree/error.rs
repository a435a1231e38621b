//! What reading a tree, computing a change set or writing it can fail with.

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot write `{}`", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read `{path}`: {message}")]
    Read { path: String, message: String },
    #[error("refusing to follow `{}`, a symbolic link (levelup never writes through links; writing `{path}`)", .link.display())]
    Escapes { path: String, link: PathBuf },
    #[error("{cause}; undoing it failed too: the original files are kept in `{}`", .staging.display())]
    RollbackIncomplete { cause: String, staging: PathBuf },
    /// An earlier write left its staging folder, which may hold the only copy of
    /// a file; nothing is written until the user has looked at it.
    #[error("an earlier write left `{}`, which may hold original files", .staging.display())]
    StaleStaging { staging: PathBuf },
    #[error("the lock is invalid: {0}")]
    Lock(Diagnostic),
}
