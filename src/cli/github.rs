//! `levelup issues`: resolve where GitHub is and what is planned, run the
//! reconcile, show progress on a terminal, print the outcome.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

use super::args::{GitHubArgs, IssuesArgs, PrArgs};
use super::{Error, Exit, settings, write_stdout};
use crate::blueprint::Catalog;
use crate::config;
use crate::git;
use crate::github::client::Client;
use crate::github::issues::{self, IssueRef, Outcome};
use crate::github::pr;
use crate::github::target::{self, Flags, Target};
use crate::model::{Baseline, Language, Pack};
use crate::progress::Reporter;
use crate::scaffold;
use crate::tree::{Action, WorkTree};

/// The spinner on stderr; hidden when stderr is not a terminal or with `--quiet`.
struct Spinner(ProgressBar);

impl Spinner {
    fn new(quiet: bool) -> Spinner {
        if quiet || !std::io::stderr().is_terminal() {
            return Spinner(ProgressBar::hidden());
        }
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message("talking to GitHub");
        Spinner(bar)
    }
}

impl Reporter for Spinner {
    fn waiting(&self, seconds: u64, reason: &str) {
        self.0
            .set_message(format!("waiting {seconds}s for {reason}"));
    }
}

pub fn issues(
    pack: &Pack,
    catalog: &Catalog,
    args: &IssuesArgs,
    quiet: bool,
) -> Result<Exit, Error> {
    let IssuesArgs {
        to,
        from,
        github:
            GitHubArgs {
                repo,
                host,
                api_url,
                pace,
            },
        dry_run,
        force,
        close_removed,
        format,
    } = args;
    let json = match format.as_str() {
        "text" => false,
        "json" => true,
        other => {
            return Err(Error::usage(
                format!("unknown format `{other}`"),
                "`--format` takes text or json",
            ));
        }
    };
    let cwd = settings::working_dir()?;
    let platform = config::find_root(&cwd).ok();
    let config = platform.as_deref().map(config::load).transpose()?;

    let to = settings::target_level(
        pack,
        config.as_ref().and_then(|config| config.target),
        to.as_deref(),
    )?;
    let from: Vec<Baseline> = match (from, &platform) {
        (Some(text), _) => settings::parse_from(pack, text, to)?,
        (None, Some(root)) => {
            let reached = scaffold::reached_level(&WorkTree::new(root))?;
            vec![Baseline::new(reached).unwrap_or_default(); pack.dimensions.len()]
        }
        (None, None) => vec![Baseline::NOTHING; pack.dimensions.len()],
    };
    let language = Language::new(
        config
            .as_ref()
            .map_or("en".to_string(), |config| config.language.clone()),
    );

    // The files each blueprint writes, for the issue bodies.
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(config) = &config {
        for (path, file) in scaffold::render_level(pack, catalog, config, to)? {
            files
                .entry(file.blueprint)
                .or_default()
                .push(path.to_string());
        }
    }

    let target = resolve_target(&cwd, repo, host, api_url)?;
    let spinner = Spinner::new(quiet);
    let options = issues::Options {
        pack,
        from,
        to,
        language,
        files,
        dry_run: *dry_run,
        force: *force,
        close_removed: *close_removed,
    };
    let runtime = runtime()?;
    let outcome = runtime.block_on(async {
        let mut client = Client::new(&target, Duration::from_millis(*pace), &spinner)?;
        issues::run(&mut client, &options).await
    });
    spinner.0.finish_and_clear();
    let outcome = outcome?;

    if json {
        let text = serde_json::to_string_pretty(&outcome).map_err(crate::report::Error::Json)?;
        write_stdout(&(text + "\n"))?;
    } else {
        write_stdout(&summary(&outcome, &target))?;
    }
    let pending = !outcome.created.is_empty()
        || !outcome.updated.is_empty()
        || !outcome.overwritten.is_empty()
        || !outcome.closed.is_empty()
        || !outcome.labels_created.is_empty()
        || !outcome.milestones_created.is_empty();
    Ok(if *dry_run && pending {
        Exit::ChangesPending
    } else {
        Exit::Done
    })
}

pub fn pr(pack: &Pack, catalog: &Catalog, args: &PrArgs, quiet: bool) -> Result<Exit, Error> {
    let PrArgs {
        to,
        remote,
        github:
            GitHubArgs {
                repo,
                host,
                api_url,
                pace,
            },
    } = args;
    let (root, config, to) = settings::platform(pack, to.as_deref())?;
    let target = resolve_target(&root, repo, host, api_url)?;
    let signature = git::configured_signature()?;
    let repository = git::open(&root)?;
    let credentials = git::Credentials {
        token: Some(target.token.expose()),
    };
    let language = Language::new(config.language.clone());
    let branch = pr::branch(to);
    let spinner = Spinner::new(quiet);
    let runtime = runtime()?;

    let result: Result<String, Error> = runtime.block_on(async {
        let mut client = Client::new(&target, Duration::from_millis(*pace), &spinner)?;
        let repository_info = client.get(&client.repo("")).await?;
        let default_branch = repository_info["default_branch"]
            .as_str()
            .unwrap_or("main")
            .to_string();

        git::fetch(
            &repository,
            remote,
            &[&default_branch, &branch],
            &credentials,
        )?;
        let branch_tip = git::remote_branch(&repository, remote, &branch);
        let base =
            match branch_tip.or_else(|| git::remote_branch(&repository, remote, &default_branch)) {
                Some(base) => base,
                None => {
                    return Err(Error::usage(
                        format!("`{remote}` has no branch `{default_branch}`"),
                        "push the default branch first: `levelup pr` starts from it",
                    ));
                }
            };
        let base_tree = git::CommitTree::at(&repository, &base.to_string())?;
        let changes = scaffold::prepare(&base_tree, pack, catalog, &config, to, false)?;
        if changes.has_conflicts() {
            let paths: Vec<String> = changes
                .changes
                .iter()
                .filter(|change| change.action == Action::Conflict)
                .map(|change| change.path.to_string())
                .collect();
            return Err(Error::BranchConflicts {
                branch: branch.clone(),
                paths,
            });
        }
        let mut report = String::new();
        let head = if changes.is_noop() {
            report.push_str(&format!(
                "unchanged   {branch}: the scaffold is up to date there\n"
            ));
            base
        } else {
            let tree = git::tree_with(&repository, base, &changes.operations())?;
            let commit = git::commit_on(
                &repository,
                &format!("refs/levelup/level-{to}"),
                base,
                tree,
                &signature,
                &format!("Level up {} to level {to} with levelup", config.name),
            )?;
            git::push(
                &repository,
                remote,
                &format!("refs/levelup/level-{to}"),
                &branch,
                &credentials,
            )?;
            report.push_str(&format!(
                "committed   {branch} {}\n",
                &commit.to_string()[..12]
            ));
            report.push_str(&format!("pushed      {branch} to {remote}\n"));
            commit
        };
        if branch_tip.is_none() && head == base {
            report.push_str("nothing to propose: the default branch is already at this level\n");
            return Ok(report);
        }
        // The description speaks of the whole pull request: the default branch is
        // where the delta starts, whatever this run added to the branch.
        let default_tip = git::remote_branch(&repository, remote, &default_branch).unwrap_or(base);
        let default_tree = git::CommitTree::at(&repository, &default_tip.to_string())?;
        let reached = scaffold::reached_level(&default_tree)?;
        let whole = scaffold::prepare(&default_tree, pack, catalog, &config, to, false)?;
        let issues = issues::tracking_issues(&mut client).await?;
        let body = pr::body(
            pack,
            &config.name,
            reached,
            to,
            &language,
            Some(&whole),
            &issues,
        );
        let title = format!("Level up to {to}: {}", pack.level(to).name.get(&language));
        let pull = pr::open_or_update(
            &mut client,
            &target.repo.owner,
            &branch,
            &default_branch,
            &title,
            &body,
        )
        .await?;
        let verb = if pull.opened {
            "opened"
        } else if pull.updated {
            "updated"
        } else {
            "unchanged"
        };
        report.push_str(&format!(
            "{verb:<11} pull request #{} {}\n",
            pull.number, pull.url
        ));
        Ok(report)
    });
    spinner.0.finish_and_clear();
    write_stdout(&result?)?;
    Ok(Exit::Done)
}

/// The single-threaded runtime the GitHub client runs on.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|source| Error::Create {
            path: "tokio runtime".into(),
            source,
        })
}

fn resolve_target(
    cwd: &std::path::Path,
    repo: &Option<String>,
    host: &Option<String>,
    api_url: &Option<String>,
) -> Result<Target, Error> {
    let remote = crate::git::origin_url(cwd);
    let flags = Flags {
        host: host.clone(),
        api_url: api_url.clone(),
        repo: repo.clone(),
    };
    let env = |name: &str| std::env::var(name).ok();
    Ok(target::resolve(
        &flags,
        &env,
        remote.as_deref(),
        &gh_auth_token,
    )?)
}

/// `gh auth token --hostname HOST`, if gh is installed and logged in. Its output is
/// the secret itself: it goes into the token and nowhere else.
fn gh_auth_token(host: &str) -> Option<String> {
    let output = std::process::Command::new("gh")
        .args(["auth", "token", "--hostname", host])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

fn summary(outcome: &Outcome, target: &Target) -> String {
    let mut out = String::new();
    if outcome.dry_run {
        out.push_str(&format!(
            "dry run against {}: nothing was written\n",
            target.repo
        ));
    }
    let list = |out: &mut String, verb: &str, items: &[IssueRef]| {
        for item in items {
            let number = item
                .number
                .map_or_else(|| "(new)".to_string(), |n| format!("#{n}"));
            out.push_str(&format!(
                "{verb:<11} {number:<7} {} ({})\n",
                item.title, item.step
            ));
        }
    };
    for name in &outcome.labels_created {
        out.push_str(&format!("{:<11} label {name}\n", "created"));
    }
    for name in &outcome.labels_updated {
        out.push_str(&format!("{:<11} label {name}\n", "updated"));
    }
    for title in &outcome.milestones_created {
        out.push_str(&format!("{:<11} milestone {title}\n", "created"));
    }
    for title in &outcome.milestones_updated {
        out.push_str(&format!("{:<11} milestone {title}\n", "updated"));
    }
    list(&mut out, "created", &outcome.created);
    list(&mut out, "updated", &outcome.updated);
    list(&mut out, "overwritten", &outcome.overwritten);
    list(&mut out, "edited", &outcome.edited);
    list(&mut out, "closed", &outcome.closed);
    list(&mut out, "removed", &outcome.removed);
    out.push_str(&format!(
        "issues: {} created, {} updated, {} unchanged, {} edited by a person, {} removed from the plan, {} closed; {} writes\n",
        outcome.created.len(),
        outcome.updated.len() + outcome.overwritten.len(),
        outcome.unchanged,
        outcome.edited.len(),
        outcome.removed.len(),
        outcome.closed.len(),
        outcome.writes
    ));
    if !outcome.edited.is_empty() {
        out.push_str("hint: bodies edited by a person are left alone; `--force` overwrites them\n");
    }
    if !outcome.removed.is_empty() {
        out.push_str("hint: `--close-removed` closes the issues of steps that left the plan, as not planned\n");
    }
    out
}
