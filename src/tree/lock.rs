//! The lock: what levelup generated, so an update can merge instead of overwrite.
//!
//! `.levelup/lock.yaml` records the level reached and, per generated file, the
//! blueprint and version that wrote it and the SHA-256 of what was written. The
//! text itself is kept content-addressed under `.levelup/base/<sha256>`: it is the
//! base of the next three-way merge, so an update never re-renders an old
//! blueprint version.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;
use crate::repo_path::RepoPath;
use crate::yaml;

const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub format: u32,
    /// The level the scaffold has reached.
    pub level: u8,
    /// The level reached per dimension, by dimension id.
    pub dimensions: BTreeMap<String, u8>,
    /// Generated files by path.
    pub files: BTreeMap<String, LockEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockEntry {
    pub blueprint: String,
    pub version: String,
    /// SHA-256 of the text levelup wrote; the base text is stored under this name.
    pub sha256: String,
}

impl Lock {
    pub fn new(level: u8, dimensions: BTreeMap<String, u8>) -> Lock {
        Lock {
            format: FORMAT,
            level,
            dimensions,
            files: BTreeMap::new(),
        }
    }

    /// Where the lock lives.
    pub fn path() -> RepoPath {
        RepoPath::state("lock.yaml")
    }

    /// Where the base text with this hash lives.
    pub fn base_path(sha256: &str) -> RepoPath {
        RepoPath::state(&format!("base/{sha256}"))
    }

    /// Parses a lock. A lock is machine-written but lives in the repository, so
    /// every path and hash in it is checked: an edited lock must not be able to
    /// point levelup at a file outside `.levelup/base/` or outside the repository.
    pub fn parse(file: &Path, text: &str) -> Result<Lock, Diagnostic> {
        let lock: Lock = yaml::parse(file.to_path_buf(), text)?;
        let problem = |key: String, message: String| Diagnostic {
            file: file.to_path_buf(),
            line: yaml::find_line(text, 1, usize::MAX, |line| {
                line.contains(key.rsplit('.').next().unwrap_or(&key))
            }),
            key: Some(key),
            message,
            hint: Some("the lock is written by levelup; restore it from git".to_string()),
        };
        if lock.format != FORMAT {
            return Err(problem(
                "format".to_string(),
                format!("unknown lock format `{}`", lock.format),
            ));
        }
        for (path, entry) in &lock.files {
            if RepoPath::new(path).is_err() || path == "levelup.yaml" {
                return Err(problem(
                    format!("files.{path}"),
                    format!("`{path}` is not a file levelup may generate"),
                ));
            }
            if !is_sha256(&entry.sha256) {
                return Err(problem(
                    format!("files.{path}.sha256"),
                    format!("`{}` is not a SHA-256 digest", entry.sha256),
                ));
            }
        }
        Ok(lock)
    }

    pub fn to_text(&self) -> String {
        // Serializing plain maps, strings and numbers cannot fail.
        let body = serde_yaml_ng::to_string(self).unwrap_or_default();
        format!(
            "# Written by levelup: what it generated, so updates can merge your edits.\n\
             # Do not edit by hand; commit it with the files.\n{body}"
        )
    }
}

/// Whether `text` is 64 lowercase hex digits.
pub fn is_sha256(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        let mut lock = Lock::new(2, BTreeMap::from([("process".to_string(), 2)]));
        lock.files.insert(
            "a.yaml".to_string(),
            LockEntry {
                blueprint: "app".to_string(),
                version: "1.0.0".to_string(),
                sha256: sha256_hex(b"x"),
            },
        );
        let parsed = Lock::parse(Path::new("lock.yaml"), &lock.to_text()).expect("parses");
        assert_eq!(parsed, lock);
    }

    #[test]
    fn a_lock_cannot_point_outside_its_base_folder() {
        let mut lock = Lock::new(1, BTreeMap::new());
        lock.files.insert(
            "gone.txt".to_string(),
            LockEntry {
                blueprint: "x".to_string(),
                version: "1.0.0".to_string(),
                sha256: "../../../victim.txt".to_string(),
            },
        );
        let error = Lock::parse(Path::new("lock.yaml"), &lock.to_text()).expect_err("rejected");
        assert_eq!(
            error.message,
            "`../../../victim.txt` is not a SHA-256 digest"
        );
        for path in ["../outside", "levelup.yaml", ".git/config"] {
            let mut lock = Lock::new(1, BTreeMap::new());
            lock.files.insert(
                path.to_string(),
                LockEntry {
                    blueprint: "x".to_string(),
                    version: "1.0.0".to_string(),
                    sha256: sha256_hex(b"x"),
                },
            );
            assert!(
                Lock::parse(Path::new("lock.yaml"), &lock.to_text()).is_err(),
                "{path}"
            );
        }
    }

    #[test]
    fn hashes_are_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
