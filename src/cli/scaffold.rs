//! `levelup init` and `levelup apply`: resolve the flags into the library's
//! requests, run the workflow, and print its outcome (the change set as a diff
//! and a summary).

use super::args::{ApplyArgs, InitArgs};
use super::{Error, Exit, Printer, settings};
use crate::blueprint::Catalog;
use crate::config::{self, Application, GitOps, PolicyEngine, Provider};
use crate::model::{Level, Pack};
use crate::scaffold::{self, ApplyRequest, InitRequest};
use crate::suggest;
use crate::tree::{Action, ChangeSet, Lock, git_mode};

pub fn init(
    pack: &Pack,
    catalog: &Catalog,
    args: &InitArgs,
    printer: &Printer,
) -> Result<Exit, Error> {
    let InitArgs {
        dir,
        level,
        gitops,
        policy,
        provider,
        name,
        apps,
    } = args;
    if dir.join(config::FILE_NAME).exists() {
        // Said before any flag is checked: no flag makes this folder right.
        return Err(scaffold::Error::AlreadyInitialized { dir: dir.clone() }.into());
    }
    let level = settings::parse_level(pack, level, "--level")?;
    let gitops = choice(gitops, "--gitops", GitOps::from_name, GitOps::names())?;
    let policy = choice(
        policy,
        "--policy",
        PolicyEngine::from_name,
        PolicyEngine::names(),
    )?;
    let provider = choice(
        provider,
        "--provider",
        Provider::from_name,
        Provider::names(),
    )?;
    let name = match name {
        Some(name) => name.clone(),
        None => dir
            .canonicalize()
            .unwrap_or_else(|_| dir.clone())
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default(),
    };
    if !config::is_dns_label(&name) {
        return Err(Error::usage(
            format!("`{name}` is not a valid platform name"),
            "names are lowercase letters, digits and `-`, starting with a letter; choose one with `--name`",
        ));
    }
    let applications = apps
        .iter()
        .map(|app| parse_app(app))
        .collect::<Result<Vec<_>, _>>()?;
    let request = InitRequest {
        dir: dir.clone(),
        level,
        name,
        gitops,
        policy,
        provider,
        applications,
    };
    let outcome = scaffold::init(pack, catalog, &request, printer.reporter())?;
    printer.finish();
    printer.status(&format!(
        "scaffolded `{}` up to level {} in {}: {} files, first commit made",
        outcome.name,
        outcome.level,
        outcome.dir.display(),
        outcome.files
    ));
    Ok(Exit::Done)
}

pub fn apply(
    pack: &Pack,
    catalog: &Catalog,
    args: &ApplyArgs,
    printer: &Printer,
) -> Result<Exit, Error> {
    let ApplyArgs { to, dry_run, force } = args;
    let (root, config, level) = settings::platform(pack, to.as_deref())?;
    let request = ApplyRequest {
        root,
        config,
        level,
        force: *force,
        dry_run: *dry_run,
    };
    let outcome = scaffold::apply(pack, catalog, &request, printer.reporter())?;
    printer.finish();
    let changes = &outcome.changes;
    if changes.is_noop() {
        printer.status(&format!(
            "nothing to change: the files are already scaffolded up to level {level}"
        ));
        return Ok(Exit::Done);
    }
    if !outcome.written {
        printer.diff(changes)?;
        printer.data(&summary(changes, level))?;
        return Ok(Exit::ChangesPending);
    }
    if !outcome.forced_uncommitted.is_empty() {
        printer.warning(&format!(
            "--force: changed files with uncommitted changes: {}",
            outcome.forced_uncommitted.join(", ")
        ));
    }
    printer.data(&summary(changes, level))?;
    if outcome.has_conflicts() {
        let actions: Vec<Action> = changes.changes.iter().map(|change| change.action).collect();
        if actions.contains(&Action::Conflict) {
            printer.hint(
                "resolve the conflict markers (<<<<<<< ours … >>>>>>> theirs: yours, then levelup's) and commit",
            );
        }
        if actions.contains(&Action::BinaryConflict) {
            printer.hint(
                "binary files are never merged: keep yours and commit it, or copy levelup's version over it",
            );
        }
        return Ok(Exit::Conflicts);
    }
    Ok(Exit::Done)
}

fn choice<T: Copy>(
    text: &str,
    flag: &str,
    from_name: fn(&str) -> Option<T>,
    names: Vec<&'static str>,
) -> Result<T, Error> {
    from_name(&text.to_ascii_lowercase()).ok_or_else(|| {
        let hint = match suggest::nearest(text, names.iter().copied()) {
            Some(near) => format!("did you mean `{near}`? `{flag}` takes {}", names.join(", ")),
            None => format!("`{flag}` takes {}", names.join(", ")),
        };
        Error::usage(format!("unknown value `{text}` for `{flag}`"), hint)
    })
}

/// `NAME=IMAGE:PORT`, the port after the image's last `:`.
fn parse_app(text: &str) -> Result<Application, Error> {
    let malformed = || {
        Error::usage(
            format!("`{text}` is not NAME=IMAGE:PORT"),
            "write `--app shop=ghcr.io/acme/shop:1.2.0:8080`",
        )
    };
    let (name, rest) = text.split_once('=').ok_or_else(malformed)?;
    let (image, port) = rest.rsplit_once(':').ok_or_else(malformed)?;
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|port| *port > 0)
        .ok_or_else(|| {
            Error::usage(
                format!("`{port}` in `--app {text}` is not a port"),
                "a port is a number from 1 to 65535",
            )
        })?;
    if !config::is_dns_label(name) {
        return Err(Error::usage(
            format!("`{name}` in `--app {text}` is not a valid application name"),
            "names are lowercase letters, digits and `-`, starting with a letter",
        ));
    }
    if image.is_empty() {
        return Err(malformed());
    }
    Ok(Application {
        name: name.to_string(),
        image: image.to_string(),
        port,
    })
}

/// One line per file that changes or needs the user's attention, then the counts.
/// A change of mode is named on its file's line; a binary conflict says where
/// levelup's version is.
fn summary(changes: &ChangeSet, level: Level) -> String {
    let mut out = String::new();
    for change in &changes.changes {
        if change.action == Action::Unchanged {
            continue;
        }
        let note = match (change.action, change.mode_change(), &change.after) {
            (Action::BinaryConflict, _, _) => changes
                .lock
                .files
                .get(change.path.as_str())
                .map(|entry| {
                    format!(
                        " (yours is kept; levelup's version is {})",
                        Lock::base_path(&entry.sha256)
                    )
                })
                .unwrap_or_default(),
            (_, Some((before, after)), _) => {
                format!(" (mode {} → {})", git_mode(before), git_mode(after))
            }
            (Action::Create, None, Some(after)) if after.executable => {
                format!(" (mode {})", after.git_mode())
            }
            _ => String::new(),
        };
        out.push_str(&format!(
            "{:<13} {}{note}\n",
            change.action.label(),
            change.path
        ));
    }
    let counts: Vec<String> = changes
        .counts()
        .iter()
        .map(|(action, count)| format!("{count} {}", action.label()))
        .collect();
    out.push_str(&format!("level {level}: {}\n", counts.join(", ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apps_take_the_port_after_the_last_colon() {
        let app = parse_app("shop=ghcr.io/acme/shop:1.2.0:8080").expect("valid");
        assert_eq!(app.image, "ghcr.io/acme/shop:1.2.0");
        assert_eq!(app.port, 8080);
        assert!(parse_app("shop=ghcr.io/acme/shop").is_err());
        assert!(parse_app("Shop=img:80").is_err());
        assert!(parse_app("shop=img:99999").is_err());
    }
}
