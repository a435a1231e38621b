//! `levelup init` and `levelup apply`: resolve the flags, compute the change set,
//! print it, and write it.

use super::args::{ApplyArgs, InitArgs};
use super::{Error, Exit, settings, write_stdout};
use crate::blueprint::Catalog;
use crate::config::{self, Application, GitOps, PolicyEngine, Provider};
use crate::model::{Level, Pack};
use crate::repo_path::RepoPath;
use crate::scaffold;
use crate::tree::{self, Action, ChangeSet, Operation, WorkTree};
use crate::{git, suggest};
use std::io::IsTerminal;

pub fn init(pack: &Pack, catalog: &Catalog, args: &InitArgs, quiet: bool) -> Result<Exit, Error> {
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
        return Err(Error::usage(
            format!("`{}` already holds a `levelup.yaml`", dir.display()),
            "to change its level, run `levelup apply --to N` inside it",
        ));
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
    let text = config::default_file(&name, gitops, policy, provider, &applications);
    let config = config::parse(&dir.join(config::FILE_NAME), &text)?;

    // Everything that can fail on input is checked before the folder is touched.
    let signature = git::configured_signature()?;
    let changes = scaffold::prepare(&WorkTree::new(dir), pack, catalog, &config, level, false)?;
    // init only adds files: anything already in the folder that levelup would
    // change belongs to the user, and `init` is not the command to merge into it.
    let in_the_way: Vec<String> = changes
        .changes
        .iter()
        .filter(|change| change.action != Action::Create && change.action != Action::Unchanged)
        .map(|change| change.path.to_string())
        .collect();
    if !in_the_way.is_empty() {
        return Err(Error::usage(
            format!(
                "`{}` already holds files levelup would write: {}",
                dir.display(),
                in_the_way.join(", ")
            ),
            "init into a new or empty folder, or move those files aside",
        ));
    }
    let mut operations = vec![Operation {
        path: config_path(),
        content: Some(text.into_bytes()),
    }];
    operations.extend(changes.operations());

    // The outermost folder init creates, and whether the repository is new: on
    // failure, exactly what init added is removed again.
    let created = dir
        .ancestors()
        .take_while(|ancestor| !ancestor.as_os_str().is_empty() && !ancestor.exists())
        .last()
        .map(std::path::Path::to_path_buf);
    let new_repository = !dir.join(".git").exists();
    let written: Vec<String> = operations
        .iter()
        .map(|operation| operation.path.to_string())
        .collect();
    let result = (|| {
        std::fs::create_dir_all(dir).map_err(|source| Error::Create {
            path: dir.clone(),
            source,
        })?;
        let repository = git::init(dir)?;
        tree::write(dir, &operations).map_err(scaffold::Error::from)?;
        git::commit_paths(
            &repository,
            &signature,
            &format!("Scaffold platform {name} at level {level} with levelup"),
            &written,
        )?;
        Ok(())
    })();
    if let Err(error) = result {
        match &created {
            // Nothing of the user's is in a folder levelup just made.
            Some(created) => {
                let _ = std::fs::remove_dir_all(created);
            }
            None => {
                for path in &written {
                    let _ = std::fs::remove_file(dir.join(path));
                }
                let _ = std::fs::remove_dir_all(dir.join(".levelup"));
                if new_repository {
                    let _ = std::fs::remove_dir_all(dir.join(".git"));
                }
            }
        }
        return Err(error);
    }
    if !quiet {
        eprintln!(
            "initialized `{name}` at level {level} in {}: {} files, first commit made",
            dir.display(),
            changes.changes.len() + 1
        );
    }
    Ok(Exit::Done)
}

pub fn apply(pack: &Pack, catalog: &Catalog, args: &ApplyArgs, quiet: bool) -> Result<Exit, Error> {
    let ApplyArgs { to, dry_run, force } = args;
    let (root, config, level) = settings::platform(pack, to.as_deref())?;
    let changes = scaffold::prepare(&WorkTree::new(&root), pack, catalog, &config, level, *force)?;

    if changes.is_noop() {
        if !quiet {
            eprintln!("nothing to change: the repository is at level {level}");
        }
        return Ok(Exit::Done);
    }
    if *dry_run {
        write_stdout(&diff(&changes))?;
        write_stdout(&summary(&changes, level))?;
        return Ok(Exit::ChangesPending);
    }
    let paths: Vec<String> = changes.changed_paths().map(RepoPath::to_string).collect();
    let dirty = git::uncommitted(&root, &paths)?;
    if !dirty.is_empty() {
        if !*force {
            return Err(Error::Uncommitted(dirty));
        }
        if !quiet {
            eprintln!(
                "warning: --force: changing files with uncommitted changes: {}",
                dirty.join(", ")
            );
        }
    }
    tree::write(&root, &changes.operations()).map_err(scaffold::Error::from)?;
    write_stdout(&summary(&changes, level))?;
    if changes.has_conflicts() {
        if !quiet {
            eprintln!(
                "hint: resolve the conflict markers (<<<<<<< ours … >>>>>>> theirs: yours, then levelup's) and commit"
            );
        }
        return Ok(Exit::Conflicts);
    }
    Ok(Exit::Done)
}

fn config_path() -> RepoPath {
    RepoPath::constant(config::FILE_NAME)
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
fn summary(changes: &ChangeSet, level: Level) -> String {
    let mut out = String::new();
    for change in &changes.changes {
        if change.action != Action::Unchanged {
            out.push_str(&format!("{:<13} {}\n", change.action.label(), change.path));
        }
    }
    let counts: Vec<String> = changes
        .counts()
        .iter()
        .map(|(action, count)| format!("{count} {}", action.label()))
        .collect();
    out.push_str(&format!("level {level}: {}\n", counts.join(", ")));
    out
}

/// The unified diff of every file that changes, coloured on a terminal.
fn diff(changes: &ChangeSet) -> String {
    let colour = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let mut out = String::new();
    for change in changes
        .changes
        .iter()
        .filter(|change| change.action.changes_file())
    {
        let before = change
            .before
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let after = change
            .after
            .as_deref()
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let path = change.path.as_str();
        let mut options = diffy::DiffOptions::new();
        options
            .set_original_filename(if change.before.is_some() {
                format!("a/{path}")
            } else {
                "/dev/null".to_string()
            })
            .set_modified_filename(if change.after.is_some() {
                format!("b/{path}")
            } else {
                "/dev/null".to_string()
            });
        let patch = options.create_patch(&before, &after).to_string();
        for line in patch.lines() {
            let code = match line.as_bytes().first() {
                _ if !colour => None,
                Some(b'+') if !line.starts_with("+++") => Some("32"),
                Some(b'-') if !line.starts_with("---") => Some("31"),
                Some(b'@') => Some("36"),
                _ => None,
            };
            match code {
                Some(code) => out.push_str(&format!("\x1b[{code}m{line}\x1b[0m\n")),
                None => {
                    out.push_str(line);
                    out.push('\n');
                }
            }
        }
    }
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
