//! `levelup issues` and `levelup pr`: resolve the flags and where GitHub is, run
//! the library workflow, show progress on a terminal, print the outcome.

use std::collections::BTreeMap;
use std::time::Duration;

use super::args::{GitHubArgs, IssuesArgs, PrArgs};
use super::printer::printable_line;
use super::{Error, Exit, Printer, settings};
use crate::blueprint::Catalog;
use crate::config;
use crate::git;
use crate::github::client::Client;
use crate::github::issues::{self, IssueRef, Outcome};
use crate::github::pr;
use crate::github::target::{self, Flags, Target};
use crate::model::{Baseline, Language, Pack};
use crate::scaffold;
use crate::tree::WorkTree;

pub fn issues(
    pack: &Pack,
    catalog: &Catalog,
    args: &IssuesArgs,
    printer: &Printer,
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
            let scaffolded = scaffold::scaffolded_level(&WorkTree::new(root))?;
            vec![Baseline::new(scaffolded).unwrap_or_default(); pack.dimensions.len()]
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

    let target = resolve_target(
        &cwd,
        repo,
        host,
        api_url,
        config.as_ref().and_then(|config| config.repo.as_deref()),
    )?;
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
    printer.reporter().stage("talking to GitHub");
    let outcome = runtime.block_on(async {
        let mut client = Client::new(&target, Duration::from_millis(*pace), printer.reporter())?;
        issues::run(&mut client, &options).await
    });
    printer.finish();
    let outcome = outcome?;

    if json {
        let text = serde_json::to_string_pretty(&outcome).map_err(crate::report::Error::Json)?;
        printer.data(&(text + "\n"))?;
    } else {
        printer.data(&summary(&outcome, &target))?;
    }
    Ok(if *dry_run && outcome.has_changes() {
        Exit::ChangesPending
    } else {
        Exit::Done
    })
}

pub fn pr(pack: &Pack, catalog: &Catalog, args: &PrArgs, printer: &Printer) -> Result<Exit, Error> {
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
    let target = resolve_target(&root, repo, host, api_url, config.repo.as_deref())?;
    // Checked before anything touches the network.
    git::configured_signature()?;
    let request = pr::Request {
        pack,
        catalog,
        config: &config,
        root: &root,
        to,
        remote,
        target: &target,
        pace: Duration::from_millis(*pace),
    };
    printer.reporter().stage("talking to GitHub");
    let outcome = runtime()?.block_on(pr::run(&request, printer.reporter()));
    printer.finish();
    printer.data(&pr_summary(&outcome?))?;
    Ok(Exit::Done)
}

impl From<pr::Error> for Error {
    fn from(error: pr::Error) -> Error {
        match error {
            pr::Error::Git(error) => Error::Git(error),
            pr::Error::Scaffold(error) => Error::Scaffold(error),
            pr::Error::GitHub(error) => Error::GitHub(error),
            pr::Error::BranchConflicts { branch, paths } => {
                Error::BranchConflicts { branch, paths }
            }
            pr::Error::NoDefaultBranch { remote, branch } => Error::usage(
                format!("`{remote}` has no branch `{branch}`"),
                "push the default branch first: `levelup pr` starts from it",
            ),
        }
    }
}

fn pr_summary(outcome: &pr::PrOutcome) -> String {
    let pr::PrOutcome {
        branch,
        remote,
        pushed,
        pull_request,
    } = outcome;
    let mut report = String::new();
    match pushed {
        None => report.push_str(&format!(
            "unchanged   {branch}: the scaffold is up to date there\n"
        )),
        Some(commit) => {
            let short = commit.get(..12).unwrap_or(commit);
            report.push_str(&format!("committed   {branch} {short}\n"));
            report.push_str(&format!("pushed      {branch} to {remote}\n"));
        }
    }
    match pull_request {
        None => {
            report.push_str("nothing to propose: the default branch is already at this level\n")
        }
        Some(pull) => {
            let verb = if pull.opened {
                "opened"
            } else if pull.updated {
                "updated"
            } else {
                "unchanged"
            };
            report.push_str(&format!(
                "{verb:<11} pull request #{} {}\n",
                pull.number,
                printable_line(&pull.url)
            ));
        }
    }
    report
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
    configured_repo: Option<&str>,
) -> Result<Target, Error> {
    let remote = crate::git::origin_url(cwd);
    let flags = Flags {
        host: host.clone(),
        api_url: api_url.clone(),
        repo: repo.clone(),
        configured_repo: configured_repo.map(str::to_string),
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
            let edited = if item.edited.is_empty() {
                String::new()
            } else {
                format!(" [{} changed by a person]", item.edited.join(", "))
            };
            // The title is a person's (or the server's) text, and so may the step
            // be, read from a marker in someone else's issue.
            out.push_str(&format!(
                "{verb:<11} {number:<7} {} ({}){edited}\n",
                printable_line(&item.title),
                printable_line(&item.step)
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
        out.push_str("hint: issues a person edited (body, title or milestone) are left alone; `--force` overwrites them\n");
    }
    if !outcome.removed.is_empty() {
        out.push_str("hint: `--close-removed` closes the issues of steps that left the plan, as not planned\n");
    }
    out
}
