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

/// `platform.docs_url` while `github.repo` is empty.
pub const DOCS_URL: &str =
    "https://github.com/LEVELUP-PLACEHOLDER/set-github-repo-in-levelup-yaml/blob/HEAD/docs";

/// Whether a file's content holds a placeholder.
pub fn holds_marker(content: &[u8]) -> bool {
    let marker = MARKER.as_bytes();
    content.windows(marker.len()).any(|window| window == marker)
}

/// The keys of `levelup.yaml` the placeholders in `content` ask for: a placeholder reads
/// `LEVELUP-PLACEHOLDER-set-<section>-<key>-in-levelup-yaml` (or `/set-...` inside a
/// URL), so `azure.client_id` is `set-azure-client_id`. A marker that names no key gives
/// the empty string.
pub fn keys(content: &[u8]) -> std::collections::BTreeSet<String> {
    let text = String::from_utf8_lossy(content);
    text.match_indices(MARKER)
        .map(|(at, _)| {
            let rest: String = text[at + MARKER.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
                .collect();
            rest.get(1..)
                .and_then(|rest| rest.strip_prefix("set-"))
                .and_then(|rest| rest.split_once("-in-levelup-yaml"))
                .map(|(key, _)| key.replacen('-', ".", 1))
                .unwrap_or_default()
        })
        .collect()
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
    fn a_placeholder_names_the_key_to_set() {
        let keys = |text: &str| keys(text.as_bytes()).into_iter().collect::<Vec<_>>();
        assert_eq!(keys(&format!("url: {REPO_URL}\n")), ["github.repo"]);
        assert_eq!(
            keys(
                "a: LEVELUP-PLACEHOLDER-set-azure-client_id-in-levelup-yaml\nb: https://LEVELUP-PLACEHOLDER-set-backups-s3_url-in-levelup-yaml.invalid\n"
            ),
            ["azure.client_id", "backups.s3_url"]
        );
        assert_eq!(keys("LEVELUP-PLACEHOLDER and more"), [""]);
        assert!(keys("nothing here").is_empty());
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
