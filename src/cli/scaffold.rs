//! `levelup init` and `levelup apply`: resolve the flags into the library's
//! requests, run the workflow, and print its outcome (the change set as a diff
//! and a summary).

use super::args::{ApplyArgs, InitArgs};
use super::{Error, Exit, Printer, settings};
use crate::blueprint::Catalog;
use crate::config::{self, Application, Delivery, GitOps, PolicyEngine, Provider};
use crate::model::{Level, Pack};
use crate::repo_path::RepoPath;
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
        repo,
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
    if let Some(repo) = repo
        && !is_owner_and_name(repo)
    {
        return Err(Error::usage(
            format!("`{repo}` is not a GitHub repository for `--repo`"),
            "write it as OWNER/NAME, such as `--repo acme/platform`",
        ));
    }
    let request = InitRequest {
        dir: dir.clone(),
        level,
        name,
        gitops,
        policy,
        provider,
        applications,
        repo: repo.clone(),
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
    warn_placeholders(printer, &outcome.placeholders);
    Ok(Exit::Done)
}

/// `owner/name`, each part made of the characters GitHub allows in them.
fn is_owner_and_name(repo: &str) -> bool {
    let allowed = |part: &str| {
        !part.is_empty()
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    matches!(repo.split_once('/'), Some((owner, name)) if allowed(owner) && allowed(name))
}

/// A repository whose files hold placeholders cannot work yet: say which, and how to fix it.
fn warn_placeholders(
    printer: &Printer,
    placeholders: &std::collections::BTreeMap<String, Vec<RepoPath>>,
) {
    for (key, files) in placeholders {
        let paths: Vec<String> = files.iter().map(|path| format!("`{path}`")).collect();
        let hold = match files.len() {
            1 => "1 file holds".to_string(),
            n => format!("{n} files hold"),
        };
        let paths = paths.join(", ");
        match key.as_str() {
            "github.repo" => {
                printer.warning(&format!(
                    "`github.repo` is not set in levelup.yaml: {hold} a placeholder for the repository's URL: {paths}"
                ));
                printer.hint(
                    "add `github: {repo: OWNER/NAME}` to levelup.yaml, then run `levelup apply`",
                );
            }
            "" => {
                printer.warning(&format!(
                    "{hold} a placeholder (LEVELUP-PLACEHOLDER) for a value levelup.yaml does not give: {paths}"
                ));
                printer.hint("replace it in the file, or set the value in levelup.yaml and run `levelup apply`");
            }
            key => {
                printer.warning(&format!(
                    "`{key}` is not set in levelup.yaml: {hold} a placeholder for it: {paths}"
                ));
                printer.hint(&format!(
                    "set `{key}` in levelup.yaml (its comment there says what it is), then run `levelup apply`"
                ));
            }
        }
    }
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
    warn_placeholders(printer, &outcome.placeholders);
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

/// `NAME=IMAGE:PORT[:DELIVERY]`: the port is the last number after a `:`, and a
/// final `:helm` or `:kustomize` chooses the delivery (a port is never a word, so
/// the two cannot be confused).
fn parse_app(text: &str) -> Result<Application, Error> {
    let malformed = || {
        Error::usage(
            format!("`{text}` is not NAME=IMAGE:PORT[:DELIVERY]"),
            "write `--app shop=ghcr.io/acme/shop:1.2.0:8080`, or `...:8080:helm` for a Helm chart",
        )
    };
    let (name, rest) = text.split_once('=').ok_or_else(malformed)?;
    let (rest, delivery) = match rest.rsplit_once(':') {
        Some((head, last)) if last.parse::<u16>().is_err() && !last.is_empty() => {
            let delivery = Delivery::from_name(&last.to_ascii_lowercase()).ok_or_else(|| {
                let names = Delivery::names();
                let hint = match suggest::nearest(last, names.iter().copied()) {
                    Some(near) => format!(
                        "did you mean `{near}`? the delivery is {}",
                        names.join(" or ")
                    ),
                    None => format!("the delivery is {}", names.join(" or ")),
                };
                Error::usage(
                    format!("`{last}` in `--app {text}` is neither a port nor a delivery"),
                    hint,
                )
            })?;
            (head, delivery)
        }
        _ => (rest, Delivery::Kustomize),
    };
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
        delivery,
        ..Application::new(name, image, port)
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
        assert_eq!(app.delivery, Delivery::Kustomize);
    }

    #[test]
    fn a_final_word_chooses_the_delivery() {
        let app = parse_app("api=registry.example.com:5000/acme/api:2.0:9000:helm").expect("valid");
        assert_eq!(app.image, "registry.example.com:5000/acme/api:2.0");
        assert_eq!(app.port, 9000);
        assert_eq!(app.delivery, Delivery::Helm);
        let app = parse_app("web=web:1.0:80:kustomize").expect("valid");
        assert_eq!(
            (app.image.as_str(), app.delivery),
            ("web:1.0", Delivery::Kustomize)
        );
        let Err(error) = parse_app("api=api:1.0:9000:helmchart") else {
            panic!("a misspelt delivery is refused");
        };
        assert_eq!(
            error.to_string(),
            "`helmchart` in `--app api=api:1.0:9000:helmchart` is neither a port nor a delivery"
        );
        assert!(parse_app("api=api:helm").is_err(), "no port");
    }
}
