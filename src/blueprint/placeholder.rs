//! Placeholders: values a template needs that `levelup.yaml` does not give yet.
//!
//! `github.repo` may be left empty: `levelup pr` and `levelup issues` can find
//! the repository elsewhere, and most files do not need it. The few that do (the
//! URL a GitOps engine syncs from) get [`REPO_URL`] instead, a well-formed URL
//! that names what to set. Every placeholder holds [`MARKER`], which
//! `levelup init`, `levelup apply` and `scripts/validate` look for, so a
//! repository that cannot work yet says so instead of failing on a cluster.

use std::collections::BTreeMap;

use crate::repo_path::RepoPath;
use crate::tree::RenderedFile;

/// The text every placeholder holds, and the only thing detectors look for.
pub const MARKER: &str = "LEVELUP-PLACEHOLDER";

/// `platform.repo_url` while `github.repo` is empty.
pub const REPO_URL: &str =
    "https://github.com/LEVELUP-PLACEHOLDER/set-github-repo-in-levelup-yaml.git";

/// Whether a file's content holds a placeholder.
pub fn holds_marker(content: &[u8]) -> bool {
    let marker = MARKER.as_bytes();
    content.windows(marker.len()).any(|window| window == marker)
}

/// The rendered files that hold a placeholder, in path order.
pub fn files_with_placeholders(rendered: &BTreeMap<RepoPath, RenderedFile>) -> Vec<RepoPath> {
    rendered
        .iter()
        .filter(|(_, file)| holds_marker(&file.content))
        .map(|(path, _)| path.clone())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_placeholder_is_a_url_that_holds_the_marker() {
        assert!(REPO_URL.contains(MARKER));
        let uri: http::Uri = REPO_URL.parse().expect("a URL");
        assert_eq!(uri.scheme_str(), Some("https"));
        assert_eq!(uri.host(), Some("github.com"));
    }

    #[test]
    fn finds_the_files_that_hold_a_placeholder() {
        let file = |content: &str| RenderedFile {
            blueprint: "b".to_string(),
            version: "1.0.0".to_string(),
            content: content.as_bytes().to_vec(),
            executable: false,
        };
        let rendered: BTreeMap<RepoPath, RenderedFile> = [
            ("a.yaml", file(&format!("url: {REPO_URL}\n"))),
            (
                "b.yaml",
                file("url: https://github.com/acme/platform.git\n"),
            ),
            ("c/d.yaml", file(MARKER)),
        ]
        .into_iter()
        .map(|(path, file)| (RepoPath::new(path).expect("path"), file))
        .collect();
        let found: Vec<String> = files_with_placeholders(&rendered)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(found, ["a.yaml", "c/d.yaml"]);
    }
}
