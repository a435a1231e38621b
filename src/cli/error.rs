//! Everything a command can fail with, and the exit code each maps to.

use std::process::ExitCode;

use crate::diagnostic::Diagnostic;
use crate::github::{client as github_client, target as github_target};
use crate::{blueprint, config, content, git, report, scaffold, tree};

/// The exit codes every command shares (see the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Done = 0,
    Failure = 1,
    InvalidInput = 2,
    ChangesPending = 3,
    Conflicts = 4,
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
    Config(#[from] config::Error),
    #[error(transparent)]
    Blueprint(#[from] blueprint::Error),
    #[error(transparent)]
    Scaffold(#[from] scaffold::Error),
    #[error(transparent)]
    Git(#[from] git::Error),
    #[error(transparent)]
    GitHub(#[from] github_client::Error),
    #[error(transparent)]
    Target(#[from] github_target::Error),
    #[error("the scaffold conflicts with commits on `{branch}`: {}", .paths.join(", "))]
    BranchConflicts { branch: String, paths: Vec<String> },
    #[error("cannot read the current folder")]
    WorkingDir(#[source] std::io::Error),
    #[error("cannot create `{}`", .path.display())]
    Create {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
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
            Error::Config(config::Error::Read { .. }) => Exit::Failure,
            Error::Config(_) => Exit::InvalidInput,
            Error::Blueprint(blueprint::Error::Read { .. }) => Exit::Failure,
            Error::Blueprint(_) => Exit::InvalidInput,
            Error::Scaffold(
                scaffold::Error::Blueprint(blueprint::Error::Read { .. })
                | scaffold::Error::Config(config::Error::Read { .. }),
            ) => Exit::Failure,
            Error::Scaffold(
                scaffold::Error::Blueprint(_)
                | scaffold::Error::Config(_)
                | scaffold::Error::Tree(tree::Error::Escapes { .. } | tree::Error::Lock(_))
                | scaffold::Error::Git(git::Error::NoIdentity)
                | scaffold::Error::AlreadyInitialized { .. }
                | scaffold::Error::InTheWay { .. },
            ) => Exit::InvalidInput,
            Error::Scaffold(_) => Exit::Failure,
            Error::Git(git::Error::NoIdentity) => Exit::InvalidInput,
            Error::Git(_) | Error::Create { .. } | Error::WorkingDir(_) => Exit::Failure,
            Error::Report(_) | Error::Output(_) => Exit::Failure,
            Error::GitHub(_) => Exit::Failure,
            Error::BranchConflicts { .. } => Exit::Conflicts,
            Error::Target(_) => Exit::InvalidInput,
        }
    }

    /// The problems of an invalid input file, each printed on its own.
    pub fn diagnostics(&self) -> Option<&[Diagnostic]> {
        match self {
            Error::Content(content::Error::Invalid(found))
            | Error::Config(config::Error::Invalid(found))
            | Error::Blueprint(blueprint::Error::Invalid(found))
            | Error::Scaffold(scaffold::Error::Blueprint(blueprint::Error::Invalid(found)))
            | Error::Scaffold(scaffold::Error::Config(config::Error::Invalid(found))) => {
                Some(found)
            }
            _ => None,
        }
    }

    /// What the user can do about it, where levelup knows.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Usage { hint, .. } => hint.clone(),
            Error::Config(config::Error::NotFound { .. }) => Some(
                "run levelup inside a platform repository, or create one with `levelup init DIR`".to_string(),
            ),
            Error::Git(git::Error::NoIdentity)
            | Error::Scaffold(scaffold::Error::Git(git::Error::NoIdentity)) => Some(
                "set them with `git config --global user.name \"Your Name\"` and `git config --global user.email you@example.com`".to_string(),
            ),
            Error::BranchConflicts { branch, .. } => Some(format!(
                "nothing was pushed; resolve it on `{branch}` (check it out, run `levelup apply`, commit, push), then run `levelup pr` again"
            )),
            Error::Scaffold(scaffold::Error::AlreadyInitialized { .. }) => Some(
                "to change its level, run `levelup apply --to N` inside it".to_string(),
            ),
            Error::Scaffold(scaffold::Error::InTheWay { .. }) => Some(
                "init into a new or empty folder, or move those files aside".to_string(),
            ),
            Error::Scaffold(scaffold::Error::Uncommitted(_)) => Some(
                "commit or stash them first, or pass `--force` to proceed anyway".to_string(),
            ),
            Error::Target(github_target::Error::NoToken { host, .. }) => Some(format!(
                "set GH_TOKEN (or GITHUB_TOKEN) to a token with access to the repository, or run `gh auth login --hostname {host}`"
            )),
            Error::Target(github_target::Error::NoRepo { .. } | github_target::Error::BadRepo { .. }) => Some(
                "pass `--repo OWNER/NAME`, or run levelup in a clone whose `origin` is on GitHub".to_string(),
            ),
            Error::Target(github_target::Error::InsecureApiUrl { .. }) => Some(
                "use an https:// URL; plain http:// is accepted only for loopback addresses (127.0.0.0/8, ::1, localhost)".to_string(),
            ),
            Error::Target(github_target::Error::BadApiUrl { .. }) => Some(
                "pass the API base URL, such as https://api.github.com or https://HOST/api/v3".to_string(),
            ),
            Error::GitHub(github_client::Error::CreationCap { .. }) => Some(
                "GitHub allows 500 content-creating requests an hour: run the same command again later, it continues where this run stopped".to_string(),
            ),
            Error::GitHub(github_client::Error::WaitTooLong { .. }) => Some(
                "GitHub's rate limit resets within the hour: run the same command again later, it continues where this run stopped".to_string(),
            ),
            Error::GitHub(github_client::Error::Uncertain { .. }) => Some(
                "run the same command again: it finds what was stored and creates nothing twice".to_string(),
            ),
            Error::Scaffold(scaffold::Error::Tree(tree::Error::StaleStaging { staging })) => Some(format!(
                "move any file in `{}` back where it belongs (`N.old` is an original, `N.new` levelup's version), delete the folder, then run levelup again",
                staging.display()
            )),
            Error::Blueprint(blueprint::Error::Template { .. })
            | Error::Scaffold(scaffold::Error::Blueprint(blueprint::Error::Template { .. })) => Some(
                "see blueprints/README.md for the template syntax; to write `{{` as it is (Helm, GitHub Actions), write `\\{{` or put the text in `{{{{raw}}}}`…`{{{{/raw}}}}`".to_string(),
            ),
            Error::Scaffold(scaffold::Error::Tree(tree::Error::Lock(_))) => Some(
                "restore `.levelup/lock.yaml` from git (`git checkout -- .levelup/lock.yaml`)".to_string(),
            ),
            _ => None,
        }
    }
}
