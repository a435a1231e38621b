//! Everything a command can fail with, and the exit code each maps to.

use std::process::ExitCode;

use crate::{content, report};

/// The exit codes every command shares (see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Done = 0,
    Failure = 1,
    InvalidInput = 2,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A flag or value on the command line is wrong.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
    #[error(transparent)]
    Content(#[from] content::Error),
    #[error(transparent)]
    Report(#[from] report::Error),
    #[error("cannot write the output")]
    Output(#[source] std::io::Error),
}

impl Error {
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Error {
        Error::Usage {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }

    pub fn exit(&self) -> Exit {
        match self {
            Error::Usage { .. } => Exit::InvalidInput,
            Error::Content(content::Error::Read { .. }) => Exit::Failure,
            Error::Content(_) => Exit::InvalidInput,
            Error::Report(_) | Error::Output(_) => Exit::Failure,
        }
    }
}
