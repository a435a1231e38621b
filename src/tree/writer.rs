//! Writes a change set to disk as one transaction, as far as a filesystem allows.
//!
//! Every new content is first written to a staging folder inside `.levelup/` (on
//! the same filesystem, so renames are atomic). The write phase is then a short
//! series of renames: an existing file is moved aside, the staged one moved in.
//! If any step fails, the steps done so far are undone in reverse, so the
//! repository is left as it was. The operations come in order with the lock last.
//!
//! Each write stages in a folder of its own, created exclusively under a name no
//! other write uses. A staging folder left behind by an earlier write (one whose
//! undo failed, or one killed midway) may hold the only copy of a user's file, so
//! no write starts while one exists: the user looks at it first.

use std::path::{Path, PathBuf};

use super::Error;
use super::changeset::Operation;
use super::guard::Guard;
use crate::repo_path::STATE_DIR;

/// Applies `operations` below `root`, all or nothing.
pub fn write(root: &Path, operations: &[Operation]) -> Result<(), Error> {
    write_checked(root, operations, &|_| Ok(()))
}

/// Called before each operation of the write phase with its index; an error stops
/// the write there and rolls it back. Production passes a check that never fails;
/// the tests pass one that fails at every step in turn.
type BeforeStep<'a> = &'a dyn Fn(usize) -> Result<(), Error>;

fn write_checked(
    root: &Path,
    operations: &[Operation],
    before_step: BeforeStep<'_>,
) -> Result<(), Error> {
    if operations.is_empty() {
        return Ok(());
    }
    let guard = Guard::new(root);
    let targets = operations
        .iter()
        .map(|operation| guard.contained(&operation.path))
        .collect::<Result<Vec<PathBuf>, Error>>()?;

    let state_dir = root.join(STATE_DIR);
    if let Some(stale) = stale_staging(&state_dir)? {
        return Err(Error::StaleStaging { staging: stale });
    }
    let mut created_dirs = Vec::new();
    create_dirs(&state_dir, &mut created_dirs)?;
    let staging = match create_staging(&state_dir) {
        Ok(staging) => staging,
        Err(error) => {
            remove_empty_dirs(&created_dirs);
            return Err(error);
        }
    };
    let result = stage_and_commit(
        &staging,
        operations,
        &targets,
        before_step,
        &mut created_dirs,
    );
    if let Err(Error::RollbackIncomplete { .. }) = &result {
        // The staging folder may hold the only copy of a file: keep it.
        return result;
    }
    // The staging folder holds only copies now: removing it loses nothing.
    let _ = std::fs::remove_dir_all(&staging);
    if result.is_err() {
        remove_empty_dirs(&created_dirs);
    } else {
        remove_emptied_dirs(root, operations, &targets);
    }
    result
}

/// After a write, the folders its removals left empty go too (an environment or an
/// application dropped from levelup.yaml leaves no empty folder behind), up to but never
/// including `root`. A folder that still holds anything, the user's files included, stays.
fn remove_emptied_dirs(root: &Path, operations: &[Operation], targets: &[PathBuf]) {
    for (operation, target) in operations.iter().zip(targets) {
        if operation.content.is_some() {
            continue;
        }
        let mut dir = target.parent();
        while let Some(folder) = dir {
            if folder == root || !folder.starts_with(root) || std::fs::remove_dir(folder).is_err() {
                break;
            }
            dir = folder.parent();
        }
    }
}

/// What the write phase did to one target, so it can be undone.
enum Done {
    /// A new file was moved into place where there was none.
    Placed(PathBuf),
    /// The old file was moved aside to the backup path; maybe a new one placed.
    Replaced {
        target: PathBuf,
        backup: PathBuf,
        placed: bool,
    },
}

fn stage_and_commit(
    staging: &Path,
    operations: &[Operation],
    targets: &[PathBuf],
    before_step: BeforeStep<'_>,
    created_dirs: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    for (index, operation) in operations.iter().enumerate() {
        if let Some(content) = &operation.content {
            let staged = staging.join(format!("{index}.new"));
            std::fs::write(&staged, &content.bytes).map_err(|source| Error::Io {
                path: staged.clone(),
                source,
            })?;
            if content.executable {
                make_executable(&staged)?;
            }
        }
    }

    let mut done: Vec<Done> = Vec::new();
    let result = (|| -> Result<(), Error> {
        for (index, (operation, target)) in operations.iter().zip(targets).enumerate() {
            before_step(index)?;
            let exists = std::fs::symlink_metadata(target).is_ok();
            let backup = staging.join(format!("{index}.old"));
            if exists {
                rename(target, &backup)?;
                done.push(Done::Replaced {
                    target: target.clone(),
                    backup: backup.clone(),
                    placed: false,
                });
            }
            if operation.content.is_some() {
                if let Some(parent) = target.parent() {
                    create_dirs(parent, created_dirs)?;
                }
                rename(&staging.join(format!("{index}.new")), target)?;
                match done.last_mut() {
                    Some(Done::Replaced { placed, .. }) if exists => *placed = true,
                    _ => done.push(Done::Placed(target.clone())),
                }
            }
        }
        Ok(())
    })();
    if let Err(error) = result {
        // Undo as much as possible, newest first; if any undo fails, the staging
        // folder keeps the originals and the error says where.
        let mut incomplete = false;
        for step in done.into_iter().rev() {
            match step {
                Done::Placed(target) => {
                    incomplete |= std::fs::remove_file(&target).is_err();
                }
                Done::Replaced {
                    target,
                    backup,
                    placed,
                } => {
                    if placed {
                        incomplete |= std::fs::remove_file(&target).is_err();
                    }
                    incomplete |= std::fs::rename(&backup, &target).is_err();
                }
            }
        }
        if incomplete {
            return Err(Error::RollbackIncomplete {
                cause: error.to_string(),
                staging: staging.to_path_buf(),
            });
        }
        return Err(error);
    }
    Ok(())
}

/// The first staging folder in `state_dir` (in name order), if any is left.
fn stale_staging(state_dir: &Path) -> Result<Option<PathBuf>, Error> {
    let entries = match std::fs::read_dir(state_dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(Error::Io {
                path: state_dir.to_path_buf(),
                source,
            });
        }
    };
    let mut stale = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Io {
            path: state_dir.to_path_buf(),
            source,
        })?;
        if entry
            .file_name()
            .to_string_lossy()
            .starts_with(STAGING_PREFIX)
        {
            stale.push(entry.path());
        }
    }
    stale.sort();
    Ok(stale.into_iter().next())
}

const STAGING_PREFIX: &str = "staging-";

/// Creates a new, empty staging folder in `state_dir`: `create_dir` fails on a
/// folder that exists, so no two writes (nor a write and a leftover) share one.
fn create_staging(state_dir: &Path) -> Result<PathBuf, Error> {
    let started = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_nanos());
    let mut attempt = 0u32;
    loop {
        let staging = state_dir.join(format!(
            "{STAGING_PREFIX}{}-{started}-{attempt}",
            std::process::id()
        ));
        match std::fs::create_dir(&staging) {
            Ok(()) => return Ok(staging),
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(source) => {
                return Err(Error::Io {
                    path: staging,
                    source,
                });
            }
        }
    }
}

/// Adds the execute bit wherever the new file may be read, as git does on
/// checkout: `rw-r--r--` (umask 022) becomes `rwxr-xr-x`. The file was just
/// created, so its mode is the umask's and nothing else. Elsewhere than on Unix
/// there is no such bit to set.
#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), Error> {
    use std::os::unix::fs::PermissionsExt;
    let io_error = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let mode = std::fs::metadata(path)
        .map_err(io_error)?
        .permissions()
        .mode();
    let executable = mode | ((mode & 0o444) >> 2);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(executable)).map_err(io_error)
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), Error> {
    Ok(())
}

fn rename(from: &Path, to: &Path) -> Result<(), Error> {
    std::fs::rename(from, to).map_err(|source| Error::Io {
        path: to.to_path_buf(),
        source,
    })
}

/// Creates `dir` and its missing parents, remembering which ones it created.
fn create_dirs(dir: &Path, created: &mut Vec<PathBuf>) -> Result<(), Error> {
    let missing: Vec<&Path> = dir
        .ancestors()
        .take_while(|ancestor| !ancestor.exists())
        .collect();
    for ancestor in missing.into_iter().rev() {
        std::fs::create_dir(ancestor).map_err(|source| Error::Io {
            path: ancestor.to_path_buf(),
            source,
        })?;
        created.push(ancestor.to_path_buf());
    }
    Ok(())
}

/// Removes the folders created for a write that was rolled back, deepest first.
fn remove_empty_dirs(created: &[PathBuf]) {
    for dir in created.iter().rev() {
        // Fails harmlessly on a folder that is not empty.
        let _ = std::fs::remove_dir(dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::repo_path::RepoPath;
    use crate::tree::FileContent;

    fn operation(path: &str, content: Option<&str>) -> Operation {
        Operation {
            path: RepoPath::any(path).expect("valid path"),
            content: content.map(|text| FileContent::regular(text.as_bytes().to_vec())),
        }
    }

    /// Every file below `root` with its content, for comparing trees.
    fn snapshot(root: &Path) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = crate::files::on_disk(root, &|_| true)
            .expect("readable")
            .into_iter()
            .map(|file| {
                (
                    file.path.display().to_string(),
                    String::from_utf8_lossy(&file.bytes).into_owned(),
                )
            })
            .collect();
        files.sort();
        files
    }

    fn dirs(root: &Path) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![root.to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("readable") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    found.push(path.clone());
                    stack.push(path);
                }
            }
        }
        found.sort();
        found
    }

    #[test]
    fn writes_replaces_and_deletes() {
        let root = tempfile::tempdir().expect("temporary folder");
        std::fs::write(root.path().join("old.txt"), "old").expect("write");
        std::fs::write(root.path().join("gone.txt"), "gone").expect("write");
        let operations = [
            operation("a/b/new.txt", Some("new")),
            operation("old.txt", Some("replaced")),
            operation("gone.txt", None),
            operation(".levelup/lock.yaml", Some("lock")),
        ];
        write(root.path(), &operations).expect("write succeeds");
        assert_eq!(
            snapshot(root.path()),
            [
                (".levelup/lock.yaml".to_string(), "lock".to_string()),
                ("a/b/new.txt".to_string(), "new".to_string()),
                ("old.txt".to_string(), "replaced".to_string()),
            ]
        );
    }

    /// Removing the last files of a folder removes the folder, and its parents up to
    /// the first that holds anything else; the user's own file keeps its folder.
    #[test]
    fn removals_leave_no_empty_folder_but_keep_the_users_files() {
        let root = tempfile::tempdir().expect("temporary folder");
        for (path, text) in [
            ("apps/overlays/staging/web/kustomization.yaml", "k"),
            ("apps/overlays/staging/kustomization.yaml", "k"),
            ("apps/overlays/dev/kustomization.yaml", "k"),
            ("apps/overlays/qa/web/kustomization.yaml", "k"),
            ("apps/overlays/qa/notes.md", "mine"),
        ] {
            let file = root.path().join(path);
            std::fs::create_dir_all(file.parent().expect("parent")).expect("folders");
            std::fs::write(file, text).expect("write");
        }
        let operations = [
            operation("apps/overlays/staging/web/kustomization.yaml", None),
            operation("apps/overlays/staging/kustomization.yaml", None),
            operation("apps/overlays/qa/web/kustomization.yaml", None),
            operation(".levelup/lock.yaml", Some("lock")),
        ];
        write(root.path(), &operations).expect("write succeeds");
        let relative: Vec<String> = dirs(root.path())
            .iter()
            .map(|dir| {
                dir.strip_prefix(root.path())
                    .expect("inside")
                    .display()
                    .to_string()
            })
            .collect();
        assert_eq!(
            relative,
            [
                ".levelup",
                "apps",
                "apps/overlays",
                "apps/overlays/dev",
                "apps/overlays/qa"
            ]
        );
    }

    #[cfg(unix)]
    #[test]
    fn executable_files_get_the_execute_bit_and_others_lose_it() {
        use std::os::unix::fs::PermissionsExt;
        let root = tempfile::tempdir().expect("temporary folder");
        let mode = |path: &str| {
            std::fs::metadata(root.path().join(path))
                .expect("written")
                .permissions()
                .mode()
                & 0o777
        };
        std::fs::write(root.path().join("was-executable.sh"), "old").expect("write");
        std::fs::set_permissions(
            root.path().join("was-executable.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .expect("chmod");
        let executable = |path: &str, text: &str| Operation {
            path: RepoPath::any(path).expect("valid path"),
            content: Some(FileContent {
                bytes: text.as_bytes().to_vec(),
                executable: true,
            }),
        };
        let operations = [
            executable("bin/check.sh", "#!/bin/sh\n"),
            operation("notes.md", Some("plain")),
            operation("was-executable.sh", Some("now plain")),
        ];
        write(root.path(), &operations).expect("write succeeds");
        let plain = mode("notes.md");
        assert_eq!(plain & 0o111, 0, "{plain:o}");
        // Executable where readable: the umask's read bits, with execute added.
        assert_eq!(mode("bin/check.sh"), plain | ((plain & 0o444) >> 2));
        assert_eq!(mode("bin/check.sh") & 0o100, 0o100);
        assert_eq!(mode("was-executable.sh"), plain);
    }

    #[test]
    fn a_failure_midway_leaves_no_trace() {
        let root = tempfile::tempdir().expect("temporary folder");
        std::fs::write(root.path().join("keep.txt"), "original").expect("write");
        std::fs::write(root.path().join("delete-me.txt"), "still here").expect("write");
        let before = snapshot(root.path());
        let dirs_before = dirs(root.path());
        let operations = [
            operation("deep/new/file.txt", Some("new")),
            operation("keep.txt", Some("changed")),
            operation("delete-me.txt", None),
            operation("later.txt", Some("never written")),
            operation(".levelup/lock.yaml", Some("lock")),
        ];
        for fail_after in 0..operations.len() {
            let fail = |index: usize| {
                if index == fail_after {
                    Err(Error::Io {
                        path: PathBuf::from("injected"),
                        source: std::io::Error::other("stopped on purpose"),
                    })
                } else {
                    Ok(())
                }
            };
            let error =
                write_checked(root.path(), &operations, &fail).expect_err("injected failure");
            assert!(
                matches!(&error, Error::Io { path, .. } if path == Path::new("injected")),
                "{error}"
            );
            assert_eq!(
                snapshot(root.path()),
                before,
                "files after failing at {fail_after}"
            );
            assert_eq!(
                dirs(root.path()),
                dirs_before,
                "folders after failing at {fail_after}"
            );
        }
    }

    #[test]
    fn a_leftover_staging_folder_stops_the_write_and_is_kept() {
        let root = tempfile::tempdir().expect("temporary folder");
        // What a failed undo leaves: the only copy of the user's file.
        let leftover = root.path().join(".levelup/staging-1");
        std::fs::create_dir_all(&leftover).expect("folder");
        std::fs::write(leftover.join("0.old"), "the only copy").expect("write");
        std::fs::write(root.path().join("keep.txt"), "current").expect("write");
        let before = snapshot(root.path());

        let error =
            write(root.path(), &[operation("keep.txt", Some("changed"))]).expect_err("refused");
        assert!(
            matches!(&error, Error::StaleStaging { staging } if *staging == leftover),
            "{error}"
        );
        assert_eq!(snapshot(root.path()), before, "nothing written or removed");
    }

    #[test]
    fn each_write_stages_in_a_new_folder_of_its_own() {
        let root = tempfile::tempdir().expect("temporary folder");
        let first = create_staging(root.path()).expect("first");
        std::fs::write(first.join("0.old"), "kept").expect("write");
        let second = create_staging(root.path()).expect("second");
        assert_ne!(first, second);
        assert!(
            second
                .file_name()
                .is_some_and(|name| name.to_string_lossy().starts_with("staging-"))
        );
        assert_eq!(
            std::fs::read_to_string(first.join("0.old")).expect("kept"),
            "kept"
        );
        assert_eq!(std::fs::read_dir(&second).expect("readable").count(), 0);
    }
}
