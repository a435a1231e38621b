//! `init` as a transaction: check everything, then create the folder, git init,
//! write every file up to the level, and make the first commit; on any failure,
//! remove exactly what was added.

use std::path::{Path, PathBuf};

use super::{Error, prepare};
use crate::blueprint::Catalog;
use crate::config::{self, Application, GitOps, PolicyEngine, Provider};
use crate::git;
use crate::model::{Level, Pack};
use crate::progress::Reporter;
use crate::repo_path::RepoPath;
use crate::tree::{self, Action, FileContent, Operation, WorkTree};

/// A new platform repository, with every choice already resolved.
#[derive(Debug, Clone)]
pub struct InitRequest {
    pub dir: PathBuf,
    pub level: Level,
    pub name: String,
    pub gitops: GitOps,
    pub policy: PolicyEngine,
    pub provider: Provider,
    pub applications: Vec<Application>,
    /// `github.repo`, `owner/name`, written into levelup.yaml; `None` leaves it unset.
    pub repo: Option<String>,
}

/// What `init` made.
#[derive(Debug, Clone)]
pub struct InitOutcome {
    pub dir: PathBuf,
    pub name: String,
    /// The level the files are scaffolded up to (not a level reached).
    pub level: Level,
    /// Every file written and committed, `levelup.yaml` included; levelup's own
    /// state under `.levelup/` is not counted.
    pub files: usize,
    /// The files written with a placeholder for a value `levelup.yaml` does not
    /// give yet (the repository URL, while `github.repo` is empty).
    /// By the key of levelup.yaml each asks for.
    pub placeholders: std::collections::BTreeMap<String, Vec<RepoPath>>,
}

/// Creates the platform repository `request` describes, or leaves the folder as
/// it was. Everything that can fail on input is checked before the folder is touched.
pub fn init(
    pack: &Pack,
    catalog: &Catalog,
    request: &InitRequest,
    reporter: &dyn Reporter,
) -> Result<InitOutcome, Error> {
    let InitRequest {
        dir,
        level,
        name,
        gitops,
        policy,
        provider,
        applications,
        repo,
    } = request;
    if dir.join(config::FILE_NAME).exists() {
        return Err(Error::AlreadyInitialized { dir: dir.clone() });
    }
    let text = config::default_file(
        name,
        *gitops,
        *policy,
        *provider,
        applications,
        repo.as_deref(),
    );
    let config = config::parse(&dir.join(config::FILE_NAME), &text)?;
    let signature = git::configured_signature()?;

    reporter.stage("rendering the blueprints");
    let changes = prepare(&WorkTree::new(dir), pack, catalog, &config, *level, false)?;
    // init only adds files: anything already in the folder that levelup would
    // change belongs to the user, and `init` is not the command to merge into it.
    let in_the_way: Vec<String> = changes
        .changes
        .iter()
        .filter(|change| change.action != Action::Create && change.action != Action::Unchanged)
        .map(|change| change.path.to_string())
        .collect();
    if !in_the_way.is_empty() {
        return Err(Error::InTheWay {
            dir: dir.clone(),
            paths: in_the_way,
        });
    }
    let mut operations = vec![Operation {
        path: RepoPath::constant(config::FILE_NAME),
        content: Some(FileContent::regular(text.into_bytes())),
    }];
    operations.extend(changes.operations());
    let written: Vec<String> = operations
        .iter()
        .map(|operation| operation.path.to_string())
        .collect();

    let undo = Undo::before(dir);
    reporter.stage("writing the files");
    let result = (|| -> Result<(), Error> {
        std::fs::create_dir_all(dir).map_err(|source| Error::Create {
            path: dir.clone(),
            source,
        })?;
        let repository = git::init(dir)?;
        tree::write(dir, &operations)?;
        reporter.stage("making the first commit");
        git::commit_paths(
            &repository,
            &signature,
            &format!("Scaffold platform {name} up to level {level} with levelup"),
            &written,
        )?;
        Ok(())
    })();
    if let Err(error) = result {
        undo.run(dir, &written);
        return Err(error);
    }
    Ok(InitOutcome {
        dir: dir.clone(),
        name: name.clone(),
        level: *level,
        files: changes.changes.len() + 1,
        placeholders: super::placeholders(&changes),
    })
}

/// What `init` must remove if it fails: the outermost folder it creates, or else
/// (in a folder that existed) the files it wrote, its state and a new `.git`.
struct Undo {
    created: Option<PathBuf>,
    new_repository: bool,
    /// Whether `.levelup/` is new: one that existed may hold a staging folder
    /// with a user's only copy of a file, and is left alone.
    new_state_dir: bool,
}

impl Undo {
    fn before(dir: &Path) -> Undo {
        Undo {
            created: dir
                .ancestors()
                .take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.exists())
                .last()
                .map(Path::to_path_buf),
            new_repository: !dir.join(".git").exists(),
            new_state_dir: !dir.join(crate::repo_path::STATE_DIR).exists(),
        }
    }

    /// Best effort: the error that caused the undo is the one to report.
    fn run(&self, dir: &Path, written: &[String]) {
        match &self.created {
            // Nothing of the user's is in a folder levelup just made.
            Some(created) => {
                let _ = std::fs::remove_dir_all(created);
            }
            None => {
                for path in written {
                    let _ = std::fs::remove_file(dir.join(path));
                }
                if self.new_state_dir {
                    let _ = std::fs::remove_dir_all(dir.join(crate::repo_path::STATE_DIR));
                }
                if self.new_repository {
                    let _ = std::fs::remove_dir_all(dir.join(".git"));
                }
            }
        }
    }
}
