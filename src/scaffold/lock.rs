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

    pub fn parse(file: &Path, text: &str) -> Result<Lock, Diagnostic> {
        let lock: Lock = yaml::parse(file.to_path_buf(), text)?;
        if lock.format != FORMAT {
            return Err(Diagnostic {
                file: file.to_path_buf(),
                line: None,
                key: Some("format".to_string()),
                message: format!("unknown lock format `{}`", lock.format),
                hint: Some("this lock was written by another version of levelup".to_string()),
            });
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
    fn hashes_are_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
