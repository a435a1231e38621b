//! Scaffolding: which blueprints a level needs, rendering a level, and the change
//! set that brings a repository to it. The trees, the change set and the writer
//! themselves are in [`crate::tree`]; this module adds blueprints and levels.
//!
//! Computing ([`prepare`]) and writing ([`tree::write`]) are separate: `--dry-run`
//! prints the same change set that a real run writes, and `levelup pr` computes it
//! against a commit instead of the working directory. The `init` and `apply`
//! workflows ([`init()`], [`apply()`]) return outcome values; the command line
//! only resolves flags into their requests and prints the outcomes.

mod apply;
mod error;
mod evidence;
mod init;

pub use apply::{ApplyOutcome, ApplyRequest, apply};
pub use error::Error;
pub use evidence::{Unsatisfied, unsatisfied_evidence};
pub use init::{InitOutcome, InitRequest, init};

use crate::blueprint::{self, Catalog, RoadmapStep};
use crate::config::Config;
use crate::model::{Language, Level, Pack};
use crate::plan::{Plan, Request};
use crate::repo_path::RepoPath;
use crate::tree::{self, ChangeSet, Lock, RenderedFile, Tree};

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
) -> Result<std::collections::BTreeMap<RepoPath, RenderedFile>, Error> {
    let language = Language::new(config.language.clone());
    let input = blueprint::Input {
        config,
        level,
        blueprints: blueprints_for(pack, level),
        roadmap: roadmap_after(pack, level, &language),
    };
    Ok(blueprint::render(catalog, &input)?)
}

/// The files of a change set that will hold a placeholder ([`blueprint::placeholder`])
/// once it is written, by the key of `levelup.yaml` the placeholder asks for (empty: none
/// named), each in path order.
pub fn placeholders(changes: &ChangeSet) -> std::collections::BTreeMap<String, Vec<RepoPath>> {
    let mut found: std::collections::BTreeMap<String, Vec<RepoPath>> =
        std::collections::BTreeMap::new();
    for change in &changes.changes {
        let Some(after) = &change.after else { continue };
        for key in blueprint::placeholder::keys(&after.bytes) {
            found.entry(key).or_default().push(change.path.clone());
        }
    }
    found
}

/// The level the repository in `tree` is scaffolded up to, from its lock (0 without
/// one). This is not the level it has reached, which only evidence can tell.
pub fn scaffolded_level(tree: &dyn Tree) -> Result<u8, Error> {
    Ok(tree::read_lock(tree)?.map_or(0, |lock| lock.level))
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
    let old = tree::read_lock(tree)?;
    let rendered = render_level(pack, catalog, config, level)?;
    let dimensions = pack
        .dimensions
        .iter()
        .map(|dimension| (dimension.id.clone(), level.number()))
        .collect();
    Ok(ChangeSet::compute(
        tree,
        old.as_ref(),
        &rendered,
        Lock::new(level.number(), dimensions),
        force,
    )?)
}
