//! Paths inside a platform repository, checked once so no write can leave it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A relative, normalised path inside the repository: no absolute paths, no `.`
/// or `..` segments, nothing inside `.git/`. The folder `.levelup/` is levelup's
/// own state and not a place a blueprint may write.
///
/// Both folders are recognised the way git's `verify_path` recognises `.git`
/// (`is_ntfs_dotgit`, `is_hfs_dotgit` in git's `path.c` and `utf8.c`): a file
/// system that folds case, drops trailing dots and spaces, reads `name:stream`
/// as `name`, answers to an 8.3 short name (`GIT~1`) or ignores some Unicode
/// code points (HFS+) would otherwise open the real folder under another name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoPath(String);

/// Where levelup keeps its lock and base texts, relative to the repository root.
pub const STATE_DIR: &str = ".levelup";

impl RepoPath {
    /// A path a blueprint may write.
    pub fn new(path: &str) -> Result<RepoPath, String> {
        let path = RepoPath::any(path)?;
        if path
            .0
            .split('/')
            .any(|segment| names_folder(segment, STATE_DIR))
        {
            return Err(format!("`{STATE_DIR}/` holds levelup's own state"));
        }
        Ok(path)
    }

    /// Any path inside the repository, levelup's own state included.
    pub fn any(path: &str) -> Result<RepoPath, String> {
        if path.is_empty() {
            return Err("the path is empty".to_string());
        }
        if path.starts_with('/') || path.contains('\\') || path.contains(':') && cfg!(windows) {
            return Err("the path is absolute".to_string());
        }
        if path.contains('\0') {
            return Err("the path contains a NUL character".to_string());
        }
        for segment in path.split('/') {
            match segment {
                "" => return Err("the path has an empty segment".to_string()),
                "." | ".." => return Err(format!("the path has a `{segment}` segment")),
                ".git" => return Err("the path is inside `.git/`".to_string()),
                _ if names_folder(segment, ".git") => {
                    return Err(format!(
                        "the path is inside `.git/` (`{}` names it on some file systems)",
                        segment.escape_debug()
                    ));
                }
                _ => {}
            }
        }
        Ok(RepoPath(path.to_string()))
    }

    /// A path written as a constant in levelup's code, such as `levelup.yaml`.
    pub(crate) fn constant(path: &'static str) -> RepoPath {
        RepoPath(path.to_string())
    }

    /// A file of levelup's own state, `.levelup/<relative>`. Only for names
    /// levelup builds itself (constants and hex digests), never user input.
    pub(crate) fn state(relative: &str) -> RepoPath {
        RepoPath(format!("{STATE_DIR}/{relative}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The path below `root` on this machine.
    pub fn under(&self, root: &Path) -> PathBuf {
        self.0
            .split('/')
            .fold(root.to_path_buf(), |path, segment| path.join(segment))
    }
}

/// Whether a file system may open the folder `dot_name` (such as `.git`) when
/// asked for `segment`.
///
/// Following git: ASCII case is folded; the code points HFS+ ignores are dropped;
/// an NTFS alternate stream (`:stream` or `::$INDEX_ALLOCATION`) and trailing dots
/// and spaces are cut off; and the 8.3 short name (`GIT~1`, `LEVELU~1`) matches
/// too, with any digit after the `~` (git checks `~1` for `.git`; a second folder
/// with the same prefix gets `~2`, so all are refused).
fn names_folder(segment: &str, dot_name: &str) -> bool {
    // The common case, cheaply: plain ASCII with no leading dot and no `~` cannot
    // fold to a dot name or read as its 8.3 short name.
    if segment.is_ascii() && !segment.starts_with('.') && !segment.contains('~') {
        return false;
    }
    let folded: String = segment
        .chars()
        .filter(|c| !is_hfs_ignorable(*c))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    let name = folded.split(':').next().unwrap_or_default();
    let name = name.trim_end_matches(['.', ' ']);
    if name == dot_name {
        return true;
    }
    let stem = dot_name.trim_start_matches('.');
    let prefix: String = stem.chars().take(6).collect();
    name.strip_prefix(&prefix)
        .and_then(|rest| rest.strip_prefix('~'))
        .is_some_and(|digit| digit.len() == 1 && digit.bytes().all(|b| (b'1'..=b'9').contains(&b)))
}

/// The code points HFS+ ignores when it compares names (git's `next_hfs_char`).
fn is_hfs_ignorable(c: char) -> bool {
    matches!(
        c,
        '\u{200C}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{206A}'..='\u{206F}' | '\u{FEFF}'
    )
}

impl fmt::Display for RepoPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_relative_paths() {
        let path = RepoPath::new("apps/base/shop/deployment.yaml").expect("valid");
        assert_eq!(path.as_str(), "apps/base/shop/deployment.yaml");
        assert_eq!(
            path.under(Path::new("/repo")),
            Path::new("/repo/apps/base/shop/deployment.yaml")
        );
        assert!(RepoPath::new(".github/workflows/validate.yaml").is_ok());
    }

    #[test]
    fn rejects_paths_that_leave_the_repository() {
        for path in [
            "/etc/passwd",
            "../outside",
            "apps/../../x",
            "a//b",
            "./a",
            "",
            ".git/config",
            "a/.git/hooks/x",
            "a\\b",
        ] {
            assert!(RepoPath::new(path).is_err(), "`{path}` must be rejected");
        }
    }

    #[test]
    fn keeps_blueprints_out_of_levelup_state() {
        assert!(RepoPath::new(".levelup/lock.yaml").is_err());
        assert!(RepoPath::any(".levelup/lock.yaml").is_ok());
        assert!(RepoPath::new(".levelupx/file").is_ok());
    }

    /// Names that a file system may resolve to `.git`, as git's `verify_path` lists them.
    const DOTGIT_VARIANTS: &[&str] = &[
        ".git",
        ".GIT",
        ".Git",
        ".gIt",
        "git~1",
        "GIT~1",
        "Git~1",
        "git~2",
        ".git.",
        ".git ",
        ".git. .",
        ".git...",
        ".git  ",
        ".git::$INDEX_ALLOCATION",
        ".GIT::$INDEX_ALLOCATION",
        ".git:stream",
        "git~1::$INDEX_ALLOCATION",
        ".g\u{200C}it",
        ".gi\u{200D}t",
        "\u{200E}.git",
        ".git\u{200F}",
        ".\u{202A}git",
        ".g\u{202B}it",
        ".gi\u{202C}t",
        ".git\u{202D}",
        ".git\u{202E}",
        ".g\u{206A}it",
        ".g\u{206B}it",
        ".g\u{206C}it",
        ".g\u{206D}it",
        ".g\u{206E}it",
        ".g\u{206F}it",
        "\u{FEFF}.git",
        ".G\u{200C}I\u{FEFF}T. ",
    ];

    #[test]
    fn rejects_every_name_of_the_git_folder() {
        for variant in DOTGIT_VARIANTS {
            for path in [
                format!("{variant}/hooks/pre-commit"),
                format!("apps/{variant}/config"),
                variant.to_string(),
            ] {
                let error =
                    RepoPath::any(&path).expect_err(&format!("`{path:?}` must be rejected"));
                assert!(
                    error.starts_with("the path is inside `.git/`"),
                    "{path:?}: {error}"
                );
                assert!(RepoPath::new(&path).is_err(), "{path:?}");
            }
        }
    }

    #[test]
    fn rejects_every_name_of_the_state_folder() {
        for variant in [
            ".LEVELUP",
            ".LevelUp",
            "levelu~1",
            "LEVELU~1",
            "levelu~3",
            ".levelup.",
            ".levelup ",
            ".levelup. .",
            ".levelup::$INDEX_ALLOCATION",
            ".level\u{200C}up",
            ".levelup\u{FEFF}",
            ".l\u{206A}EVELUP",
            ".\u{202E}levelup",
        ] {
            let path = format!("{variant}/lock.yaml");
            let error = RepoPath::new(&path).expect_err(&format!("`{path:?}` must be rejected"));
            assert_eq!(error, "`.levelup/` holds levelup's own state", "{path:?}");
        }
    }

    #[test]
    fn keeps_names_that_only_look_alike() {
        for path in [
            ".github/workflows/build.yaml",
            ".gitignore",
            ".gitattributes",
            ".git-blame-ignore-revs",
            "git/notes.md",
            ".gitx/file",
            "git~/file",
            "git~10/file",
            "git~a/file",
            "x.git/file",
            ".g\u{00E9}it/file",
            "levelup/file",
            ".levelup-notes/file",
            "docs/.levelupx",
        ] {
            assert!(RepoPath::new(path).is_ok(), "{path:?} must be accepted");
        }
    }
}
