//! The level-up pull request as a workflow: repository info, fetch, base choice,
//! conflict policy, commit on a private ref, push, the body (the roadmap delta),
//! and opening or updating the pull request. It returns a [`PrOutcome`]; the
//! command line resolves the flags and prints it.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use serde_json::json;

use super::client::{self, Client};
use super::target::Target;
use super::{issues, wire};
use crate::blueprint::Catalog;
use crate::config::Config;
use crate::git;
use crate::model::{Language, Level, Pack};
use crate::plan::{Plan, Request as PlanRequest};
use crate::progress::Reporter;
use crate::scaffold;
use crate::tree::{Action, ChangeSet};

/// What can stop `levelup pr`.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Git(#[from] git::Error),
    #[error(transparent)]
    Scaffold(#[from] scaffold::Error),
    #[error(transparent)]
    GitHub(#[from] client::Error),
    #[error("`{remote}` has no branch `{branch}`")]
    NoDefaultBranch { remote: String, branch: String },
    #[error("the scaffold conflicts with commits on `{branch}`: {}", .paths.join(", "))]
    BranchConflicts { branch: String, paths: Vec<String> },
}

/// Everything `levelup pr` works from, resolved by the caller.
pub struct Request<'a> {
    pub pack: &'a Pack,
    pub catalog: &'a Catalog,
    pub config: &'a Config,
    /// The platform repository's working tree (left untouched).
    pub root: &'a Path,
    pub to: Level,
    /// The git remote to fetch from and push to.
    pub remote: &'a str,
    pub target: &'a Target,
    /// The pause between writes to GitHub.
    pub pace: Duration,
}

/// What `levelup pr` did.
#[derive(Debug)]
pub struct PrOutcome {
    pub branch: String,
    pub remote: String,
    /// The commit pushed to the branch; `None` when the scaffold was up to date there.
    pub pushed: Option<String>,
    /// `None` when there is nothing to propose: the default branch is already at the level.
    pub pull_request: Option<PullRequest>,
}

/// Runs the whole workflow. Nothing is pushed when the scaffold conflicts with
/// commits on the branch; the working tree and the current branch are never touched.
pub async fn run(request: &Request<'_>, progress: &dyn Reporter) -> Result<PrOutcome, Error> {
    let Request {
        pack,
        catalog,
        config,
        root,
        to,
        remote,
        target,
        pace,
    } = request;
    let (pack, catalog, config, to, remote) = (*pack, *catalog, *config, *to, *remote);
    let signature = git::configured_signature()?;
    let repository = git::open(root)?;
    let credentials = git::Credentials {
        token: Some(target.token.expose()),
        token_host: &target.token_host,
        api_url: &target.api_url,
    };
    let language = Language::new(config.language.clone());
    let branch = branch(to);
    let private_ref = format!("refs/levelup/level-{to}");

    let mut client = Client::new(target, *pace, progress)?;
    progress.stage("reading the repository on GitHub");
    let info: wire::Repository = client.get(&client.repo("")).await?;
    let default_branch = info.default_branch;

    progress.stage(&format!("fetching `{remote}`"));
    git::fetch(
        &repository,
        remote,
        &[&default_branch, &branch],
        &credentials,
    )?;
    let branch_tip = git::remote_branch(&repository, remote, &branch);
    let base = branch_tip
        .or_else(|| git::remote_branch(&repository, remote, &default_branch))
        .ok_or_else(|| Error::NoDefaultBranch {
            remote: remote.to_string(),
            branch: default_branch.clone(),
        })?;
    let base_tree = git::CommitTree::at(&repository, &base.to_string())?;
    let changes = scaffold::prepare(&base_tree, pack, catalog, config, to, false)?;
    if changes.has_conflicts() {
        let paths = changes
            .conflicted_paths()
            .map(ToString::to_string)
            .collect();
        return Err(Error::BranchConflicts { branch, paths });
    }
    let pushed = if changes.is_noop() {
        None
    } else {
        let tree = git::tree_with(&repository, base, &changes.operations())?;
        let commit = git::commit_on(
            &repository,
            &private_ref,
            base,
            tree,
            &signature,
            &format!("Level up {} to level {to} with levelup", config.name),
        )?;
        progress.stage(&format!("pushing `{branch}`"));
        git::push(&repository, remote, &private_ref, &branch, &credentials)?;
        Some(commit)
    };
    let mut outcome = PrOutcome {
        branch: branch.clone(),
        remote: remote.to_string(),
        pushed: pushed.map(|commit| commit.to_string()),
        pull_request: None,
    };
    if branch_tip.is_none() && pushed.is_none() {
        return Ok(outcome); // nothing to propose
    }
    // The description speaks of the whole pull request: the default branch is
    // where the delta starts, whatever this run added to the branch.
    let default_tip = git::remote_branch(&repository, remote, &default_branch).unwrap_or(base);
    let default_tree = git::CommitTree::at(&repository, &default_tip.to_string())?;
    let scaffolded = scaffold::scaffolded_level(&default_tree)?;
    let whole = scaffold::prepare(&default_tree, pack, catalog, config, to, false)?;
    progress.stage("looking for tracking issues");
    let tracking = issues::tracking_issues(&mut client).await?;
    let text = body(
        pack,
        &config.name,
        scaffolded,
        to,
        &language,
        Some(&whole),
        &tracking,
    );
    let title = format!("Level up to {to}: {}", pack.level(to).name.get(&language));
    progress.stage("opening the pull request");
    outcome.pull_request = Some(
        open_or_update(
            &mut client,
            &target.repo.owner,
            &branch,
            &default_branch,
            &title,
            &text,
        )
        .await?,
    );
    Ok(outcome)
}

/// The deterministic branch of the level-up to `level`.
pub fn branch(level: Level) -> String {
    format!("levelup/level-{level}")
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    pub url: String,
    /// Whether this run opened it (rather than finding it).
    pub opened: bool,
    /// Whether this run changed its title or body.
    pub updated: bool,
}

/// The body: steps from `scaffolded` to `to` by level and dimension with their
/// checklists, linked to their tracking issues, then the files this change touches.
pub fn body(
    pack: &Pack,
    platform: &str,
    scaffolded: u8,
    to: Level,
    language: &Language,
    changes: Option<&ChangeSet>,
    issues: &BTreeMap<String, u64>,
) -> String {
    let mut out = format!(
        "Scaffolds **{platform}** up to level {to} ({}) of the {} (v{}), from files scaffolded up to level {scaffolded}; generated by `levelup pr`.\n",
        pack.level(to).name.get(language),
        pack.model.name,
        pack.model.version
    );
    let plan = Plan::new(
        pack,
        PlanRequest::uniform(
            pack,
            crate::model::Baseline::new(scaffolded).unwrap_or_default(),
            to,
        ),
    );
    out.push_str("\n## Roadmap delta\n");
    let mut current = None;
    for planned in &plan.steps {
        let step = planned.step;
        if current.map(|(level, _)| level) != Some(step.level) {
            out.push_str(&format!(
                "\n### {}\n",
                pack.level(step.level).title.get(language)
            ));
            current = None;
        }
        if current != Some((step.level, step.dimension)) {
            out.push_str(&format!(
                "\n#### {}\n\n",
                pack.dimension(step.dimension).name.get(language)
            ));
            current = Some((step.level, step.dimension));
        }
        let link = issues
            .get(step.id.as_str())
            .map(|number| format!(" (#{number})"))
            .unwrap_or_default();
        out.push_str(&format!(
            "- **{}**{link} `{}`\n",
            step.title.get(language),
            step.id
        ));
        for item in &step.done_when {
            out.push_str(&format!("  - [ ] {}\n", item.get(language).trim()));
        }
    }
    if let Some(changes) = changes {
        out.push_str("\n## Files\n\n");
        for change in changes
            .changes
            .iter()
            .filter(|change| change.action != Action::Unchanged)
        {
            out.push_str(&format!("- {} `{}`\n", change.action.label(), change.path));
        }
    }
    out.push_str("\nRe-running `levelup pr` updates this branch and description; commits pushed by reviewers are kept.\n");
    out
}

/// Opens the pull request from `head` into `base`, or updates the open one.
pub async fn open_or_update(
    client: &mut Client<'_>,
    owner: &str,
    head: &str,
    base: &str,
    title: &str,
    body: &str,
) -> Result<PullRequest, client::Error> {
    if let Some(found) = find_open(client, owner, head, title, body).await? {
        return Ok(found);
    }
    let payload = json!({"title": title, "head": head, "base": base, "body": body});
    let created: wire::PullRequest = match client.create(&client.repo("/pulls"), &payload).await {
        Ok(created) => created,
        Err(client::Error::Uncertain { .. }) => {
            // GitHub may have opened it: look before opening another.
            if let Some(found) = find_open(client, owner, head, title, body).await? {
                return Ok(PullRequest {
                    opened: true,
                    ..found
                });
            }
            client.create(&client.repo("/pulls"), &payload).await?
        }
        Err(error) => return Err(error),
    };
    Ok(PullRequest {
        number: created.number,
        url: created.html_url,
        opened: true,
        updated: false,
    })
}

/// The open pull request from `head`, brought up to date with `title` and `body`.
async fn find_open(
    client: &mut Client<'_>,
    owner: &str,
    head: &str,
    title: &str,
    body: &str,
) -> Result<Option<PullRequest>, client::Error> {
    let path = client.repo(&format!("/pulls?state=open&head={owner}:{head}"));
    let open: Vec<wire::PullRequest> = client.list(&path).await?;
    let Some(existing) = open.into_iter().find(|pull| pull.head.branch == head) else {
        return Ok(None);
    };
    let changed = existing.title != title || existing.body.as_deref().unwrap_or_default() != body;
    if changed {
        let _: wire::PullRequest = client
            .update(
                &client.repo(&format!("/pulls/{}", existing.number)),
                &json!({"title": title, "body": body}),
            )
            .await?;
    }
    Ok(Some(PullRequest {
        number: existing.number,
        url: existing.html_url,
        opened: false,
        updated: changed,
    }))
}
