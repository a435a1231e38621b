//! Paths inside a platform repository, checked once so no write can leave it.

use std::fmt;
use std::path::{Path, PathBuf};

/// A relative, normalised path inside the repository: no absolute paths, no `.`
/// or `..` segments, nothing inside `.git/`. The folder `.levelup/` is levelup's
/// own state and not a place a blueprint may write.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RepoPath(String);

/// Where levelup keeps its lock and base texts, relative to the repository root.
pub const STATE_DIR: &str = ".levelup";

impl RepoPath {
    /// A path a blueprint may write.
    pub fn new(path: &str) -> Result<RepoPath, String> {
        let path = RepoPath::any(path)?;
        if path.0 == STATE_DIR || path.0.starts_with(&format!("{STATE_DIR}/")) {
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
}
