//! Scaffolding: render the blueprints a level needs, compare with the repository
//! and its lock, and write the difference safely.
//!
//! Computing ([`prepare`]) and writing ([`write`]) are separate: `--dry-run` prints
//! the same change set that a real run writes, and `levelup pr` will compute it
//! against a commit instead of the working directory.

mod changeset;
mod tree;
mod writer;

use std::path::PathBuf;

pub use crate::tree::{Lock, LockEntry, sha256_hex};
pub use changeset::{Action, Change, ChangeSet, Operation};
pub use tree::{Guard, MemoryTree, Tree, WorkTree};
pub use writer::write;

use crate::blueprint::{self, Catalog, RoadmapStep};
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::model::{Language, Level, Pack};
use crate::plan::{Plan, Request};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot write `{path}`")]
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
    #[error("stopped on purpose after {after} operations")]
    Injected { after: usize },
    #[error("the lock is invalid: {0}")]
    Lock(Diagnostic),
    #[error(transparent)]
    Blueprint(#[from] blueprint::Error),
}

/// The blueprints named by the steps of levels 1 to `level`, in plan order, once each.
pub fn blueprints_for(pack: &Pack, level: Level) -> Vec<String> {
    let plan = Plan::new(
        pack,
        Request::uniform(pack, crate::model::Baseline::NOTHING, level),
    );
    let mut names: Vec<String> = Vec::new();
    for planned in &plan.steps {
        for name in &planned.step.blueprints {
            if !names.contains(name) {
                names.push(name.clone());
            }
        }
    }
    names
}

/// The steps above `level`, for the roadmap document.
pub fn roadmap_after(pack: &Pack, level: Level, language: &Language) -> Vec<RoadmapStep> {
    let Some(target) = Level::new(Level::MAX) else {
        return Vec::new();
    };
    let plan = Plan::new(pack, Request::uniform(pack, level.into(), target));
    plan.steps
        .iter()
        .map(|planned| RoadmapStep {
            id: planned.step.id.to_string(),
            level: planned.step.level,
            dimension: pack
                .dimension(planned.step.dimension)
                .name
                .get(language)
                .to_string(),
            title: planned.step.title.get(language).to_string(),
            done_when: planned
                .step
                .done_when
                .iter()
                .map(|item| item.get(language).to_string())
                .collect(),
        })
        .collect()
}

/// Every file the blueprints of levels 1 to `level` produce for `config`, in memory.
pub fn render_level(
    pack: &Pack,
    catalog: &Catalog,
    config: &Config,
    level: Level,
) -> Result<std::collections::BTreeMap<crate::repo_path::RepoPath, blueprint::RenderedFile>, Error>
{
    let language = Language::new(config.language.clone());
    let input = blueprint::Input {
        config,
        level,
        blueprints: blueprints_for(pack, level),
        roadmap: roadmap_after(pack, level, &language),
    };
    Ok(blueprint::render(catalog, &input)?)
}

/// The level the repository in `tree` has reached, from its lock (0 without one).
pub fn reached_level(tree: &dyn Tree) -> Result<u8, Error> {
    Ok(read_lock(tree)?.map_or(0, |lock| lock.level))
}

fn read_lock(tree: &dyn Tree) -> Result<Option<Lock>, Error> {
    let lock_path = Lock::path();
    match tree.read(&lock_path)? {
        None => Ok(None),
        Some(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            Ok(Some(
                Lock::parse(&PathBuf::from(lock_path.as_str()), &text).map_err(Error::Lock)?,
            ))
        }
    }
}

/// Everything `apply` would do to bring the repository in `tree` to `level`.
pub fn prepare(
    tree: &dyn Tree,
    pack: &Pack,
    catalog: &Catalog,
    config: &Config,
    level: Level,
    force: bool,
) -> Result<ChangeSet, Error> {
    let old = read_lock(tree)?;
    let rendered = render_level(pack, catalog, config, level)?;
    let dimensions = pack
        .dimensions
        .iter()
        .map(|dimension| (dimension.id.clone(), level.number()))
        .collect();
    ChangeSet::compute(
        tree,
        old.as_ref(),
        &rendered,
        Lock::new(level.number(), dimensions),
        force,
    )
}
