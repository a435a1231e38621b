//! The lock: what levelup generated, so an update can merge instead of overwrite.
//!
//! `.levelup/lock.yaml` records the level reached and, per generated file, the
//! blueprint and version that wrote it, the SHA-256 of what was written and
//! whether it was written executable. The
//! text itself is kept content-addressed under `.levelup/base/<sha256>`: it is the
//! base of the next three-way merge, so an update never re-renders an old
//! blueprint version.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use sha2::{Digest, Sha256};

use crate::diagnostic::Diagnostic;
use crate::repo_path::RepoPath;
use crate::yaml::{self, Docs};

/// The lock format this levelup writes, and the newest it reads. Format 2 added
/// `executable` to the files.
const FORMAT: u32 = 2;

/// The highest level a lock may record; 0 is "nothing scaffolded yet".
const MAX_LEVEL: i64 = 5;

const HINT: &str = "the lock is written by levelup; restore it from git";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lock {
    pub format: u32,
    /// The level the scaffold has reached.
    pub level: u8,
    /// The level reached per dimension, by dimension id.
    pub dimensions: BTreeMap<String, u8>,
    /// Generated files by path.
    pub files: BTreeMap<String, LockEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockEntry {
    pub blueprint: String,
    pub version: String,
    /// SHA-256 of the text levelup wrote; the base text is stored under this name.
    pub sha256: String,
    /// Whether levelup wrote it executable: the base of the mode, as `sha256`
    /// is the base of the content. Written only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub executable: bool,
}

/// Only the `format` key, read before anything else: it decides how the rest is read.
#[derive(Deserialize)]
struct FormatOnly {
    format: Spanned<u32>,
}

/// The lock as written on disk, with the position of every value that is checked;
/// `Entry` is the shape of one file in the format being read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLock<Entry> {
    #[serde(rename = "format")]
    _format: u32,
    level: Spanned<i64>,
    // Keys stay plain strings so that an error inside names them (`files.a.yaml`);
    // a problem with a key is placed at the line of its value.
    dimensions: BTreeMap<String, Spanned<i64>>,
    files: BTreeMap<String, Spanned<Entry>>,
}

/// A file in format 2 (the current one).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryV2 {
    blueprint: String,
    version: String,
    sha256: Spanned<String>,
    #[serde(default)]
    executable: bool,
}

/// A file in format 1, which knew no modes: every file was written 100644.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryV1 {
    blueprint: String,
    version: String,
    sha256: Spanned<String>,
}

impl From<EntryV1> for EntryV2 {
    fn from(entry: EntryV1) -> EntryV2 {
        EntryV2 {
            blueprint: entry.blueprint,
            version: entry.version,
            sha256: entry.sha256,
            executable: false,
        }
    }
}

/// Reads the text of an older lock format into the current [`Lock`].
type Migration = fn(&Path, &str) -> Result<Lock, Diagnostic>;

/// Every older format levelup wrote, with the function that migrates it. Adding
/// a format is: bump [`FORMAT`], keep the old format's struct and its reading
/// here as one entry, and test that an old lock migrates.
///
/// A migrated lock is the current [`Lock`]: it is written in the current format
/// the next time levelup writes anything, and not before (a run with nothing to
/// change writes nothing, and a teammate's older levelup still reads it).
const MIGRATIONS: &[(u32, Migration)] = &[(1, parse_v1)];

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
    /// every level, path and hash in it is checked: an edited lock must not be
    /// able to point levelup at a file outside `.levelup/base/` or outside the
    /// repository, nor stand for a level that does not exist.
    ///
    /// `format` is read first: the current format is read directly, an older
    /// one through its migration, and a newer one is refused.
    pub fn parse(file: &Path, text: &str) -> Result<Lock, Diagnostic> {
        // levelup writes `format` as the first key: a lock it wrote in the current
        // format is then read once rather than twice.
        if first_key_is_current_format(text) {
            return parse_v2(file, text);
        }
        let format: FormatOnly = yaml::parse(file.to_path_buf(), text, Docs::Generated)?;
        let version = format.format.value;
        if version == FORMAT {
            return parse_v2(file, text);
        }
        if let Some((_, migrate)) = MIGRATIONS.iter().find(|(old, _)| *old == version) {
            return migrate(file, text);
        }
        let line = Some(line_of(&format.format));
        Err(if version > FORMAT {
            Diagnostic {
                file: file.to_path_buf(),
                line,
                key: Some("format".to_string()),
                message: format!("lock format `{version}` was written by a newer levelup"),
                hint: Some(format!(
                    "this levelup reads lock formats up to `{FORMAT}`; upgrade levelup"
                )),
            }
        } else {
            Diagnostic {
                file: file.to_path_buf(),
                line,
                key: Some("format".to_string()),
                message: format!("unknown lock format `{version}`"),
                hint: Some(HINT.to_string()),
            }
        })
    }

    pub fn to_text(&self) -> String {
        // Serializing plain maps, strings and numbers does not fail.
        let body = yaml::to_string(self).unwrap_or_default();
        format!(
            "# Written by levelup: what it generated, so updates can merge your edits.\n\
             # Do not edit by hand; commit it with the files.\n{body}"
        )
    }
}

/// Whether the first line that is not a comment or blank is `format: <FORMAT>`.
fn first_key_is_current_format(text: &str) -> bool {
    text.lines()
        .map(str::trim_end)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .is_some_and(|line| line == format!("format: {FORMAT}"))
}

fn line_of<T>(value: &Spanned<T>) -> usize {
    usize::try_from(value.referenced.line()).unwrap_or(0)
}

/// Format 1: as format 2, with no file executable.
fn parse_v1(file: &Path, text: &str) -> Result<Lock, Diagnostic> {
    let raw: RawLock<EntryV1> = yaml::parse(file.to_path_buf(), text, Docs::Generated)?;
    let files = raw
        .files
        .into_iter()
        .map(|(path, entry)| {
            let Spanned {
                value,
                referenced,
                defined,
            } = entry;
            (
                path,
                Spanned {
                    value: EntryV2::from(value),
                    referenced,
                    defined,
                },
            )
        })
        .collect();
    check(
        file,
        RawLock {
            _format: raw._format,
            level: raw.level,
            dimensions: raw.dimensions,
            files,
        },
    )
}

fn parse_v2(file: &Path, text: &str) -> Result<Lock, Diagnostic> {
    check(
        file,
        yaml::parse(file.to_path_buf(), text, Docs::Generated)?,
    )
}

/// Checks every level, path and hash of a lock read in the current shape.
fn check(file: &Path, raw: RawLock<EntryV2>) -> Result<Lock, Diagnostic> {
    let problem = |key: String, line: usize, message: String| Diagnostic {
        file: file.to_path_buf(),
        line: Some(line).filter(|line| *line > 0),
        key: Some(key),
        message,
        hint: Some(HINT.to_string()),
    };
    let level = |key: String, value: &Spanned<i64>| {
        u8::try_from(value.value)
            .ok()
            .filter(|level| i64::from(*level) <= MAX_LEVEL)
            .ok_or_else(|| {
                problem(
                    key,
                    line_of(value),
                    format!("level `{}` is outside 0–{MAX_LEVEL}", value.value),
                )
            })
    };
    let overall = level("level".to_string(), &raw.level)?;
    let mut dimensions = BTreeMap::new();
    for (name, value) in &raw.dimensions {
        dimensions.insert(name.clone(), level(format!("dimensions.{name}"), value)?);
    }
    let mut files = BTreeMap::new();
    for (path, entry) in raw.files {
        let line = line_of(&entry);
        let entry = entry.value;
        if RepoPath::new(&path).is_err() || path == crate::config::FILE_NAME {
            return Err(problem(
                format!("files.{path}"),
                line,
                format!("`{path}` is not a file levelup may generate"),
            ));
        }
        if !is_sha256(&entry.sha256.value) {
            return Err(problem(
                format!("files.{path}.sha256"),
                line_of(&entry.sha256),
                format!("`{}` is not a SHA-256 digest", entry.sha256.value),
            ));
        }
        files.insert(
            path,
            LockEntry {
                blueprint: entry.blueprint,
                version: entry.version,
                sha256: entry.sha256.value,
                executable: entry.executable,
            },
        );
    }
    Ok(Lock {
        format: FORMAT,
        level: overall,
        dimensions,
        files,
    })
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
                executable: false,
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
                executable: false,
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
                    executable: false,
                },
            );
            assert!(
                Lock::parse(Path::new("lock.yaml"), &lock.to_text()).is_err(),
                "{path}"
            );
        }
    }

    /// A valid lock's text with `from` replaced by `to`.
    fn edited(from: &str, to: &str) -> String {
        let mut lock = Lock::new(2, BTreeMap::from([("process".to_string(), 2)]));
        lock.files.insert(
            "a.yaml".to_string(),
            LockEntry {
                blueprint: "app".to_string(),
                version: "1.0.0".to_string(),
                sha256: sha256_hex(b"x"),
                executable: false,
            },
        );
        let text = lock.to_text();
        assert!(text.contains(from), "`{from}` not in\n{text}");
        text.replacen(from, to, 1)
    }

    fn rejected(text: &str) -> Diagnostic {
        Lock::parse(Path::new(".levelup/lock.yaml"), text).expect_err("rejected")
    }

    /// The line of `text` that holds `needle`, 1-based.
    fn line(text: &str, needle: &str) -> Option<usize> {
        text.lines()
            .position(|line| line.contains(needle))
            .map(|index| index + 1)
    }

    #[test]
    fn a_level_outside_0_to_5_is_an_error_naming_key_and_line() {
        for (from, to, key, message) in [
            ("level: 2", "level: 6", "level", "level `6` is outside 0–5"),
            (
                "level: 2",
                "level: -1",
                "level",
                "level `-1` is outside 0–5",
            ),
            (
                "process: 2",
                "process: 9",
                "dimensions.process",
                "level `9` is outside 0–5",
            ),
        ] {
            let text = edited(from, to);
            let error = rejected(&text);
            assert_eq!(error.file, Path::new(".levelup/lock.yaml"));
            assert_eq!(error.key.as_deref(), Some(key), "{text}");
            assert_eq!(error.message, message);
            assert_eq!(error.line, line(&text, to), "{text}");
            assert_eq!(error.hint.as_deref(), Some(HINT));
        }
        assert!(Lock::parse(Path::new("lock.yaml"), &edited("level: 2", "level: 0")).is_ok());
        assert!(Lock::parse(Path::new("lock.yaml"), &edited("level: 2", "level: 5")).is_ok());
    }

    #[test]
    fn an_unknown_key_is_an_error_naming_key_and_line() {
        for (from, to, key) in [
            ("level: 2", "level: 2\nmodes: {}", None),
            (
                "blueprint: app",
                "blueprint: app\n    mode: 0755",
                Some("files.a.yaml"),
            ),
        ] {
            let text = edited(from, to);
            let error = rejected(&text);
            assert!(
                error.message.starts_with("unknown field `"),
                "{}",
                error.message
            );
            assert_eq!(error.key.as_deref(), key, "{text}");
            let unknown = to.lines().last().expect("a line").trim();
            assert_eq!(error.line, line(&text, unknown), "{text}");
        }
    }

    #[test]
    fn a_wrong_hash_is_an_error_naming_key_and_line() {
        let digest = sha256_hex(b"x");
        for wrong in [&digest[..63], &digest.to_uppercase(), "sha256:abc"] {
            let text = edited(&digest, wrong);
            let error = rejected(&text);
            assert_eq!(error.key.as_deref(), Some("files.a.yaml.sha256"));
            assert_eq!(error.message, format!("`{wrong}` is not a SHA-256 digest"));
            assert_eq!(error.line, line(&text, "sha256:"), "{text}");
        }
    }

    #[test]
    fn a_newer_format_is_refused_by_name() {
        let text = edited("format: 2", "format: 3");
        let error = rejected(&text);
        assert_eq!(error.key.as_deref(), Some("format"));
        assert_eq!(
            error.message,
            "lock format `3` was written by a newer levelup"
        );
        assert_eq!(
            error.hint.as_deref(),
            Some("this levelup reads lock formats up to `2`; upgrade levelup")
        );
        assert_eq!(error.line, line(&text, "format: 3"));
        // A newer format may have keys this levelup does not know: the format
        // is reported, not the first unknown key.
        let error = rejected(&edited("format: 2", "format: 7\nmodes: {}"));
        assert_eq!(
            error.message,
            "lock format `7` was written by a newer levelup"
        );
        let error = rejected(&edited("format: 2", "format: 0"));
        assert_eq!(error.message, "unknown lock format `0`");
    }

    /// levelup writes `format` first; a lock edited so that it comes later, or says
    /// it twice, is read the same careful way.
    #[test]
    fn the_format_is_found_wherever_it_is_written() {
        let text = edited("", "");
        let written = Lock::parse(Path::new(".levelup/lock.yaml"), &text).expect("valid");
        let moved = format!("{}\nformat: 2\n", text.replacen("format: 2\n", "", 1));
        assert!(!first_key_is_current_format(&moved));
        let read = Lock::parse(Path::new(".levelup/lock.yaml"), &moved).expect("still valid");
        assert_eq!(read.to_text(), written.to_text());
        let older_later = format!("{text}format: 1\n");
        assert!(first_key_is_current_format(&older_later));
        rejected(&older_later);
    }

    #[test]
    fn a_lock_without_format_is_an_error() {
        let error = rejected(&edited("format: 2\n", ""));
        assert_eq!(error.message, "missing field `format`");
    }

    #[test]
    fn the_executable_bit_round_trips_and_is_written_only_when_set() {
        let mut lock = Lock::new(1, BTreeMap::new());
        for (path, executable) in [("run.sh", true), ("notes.md", false)] {
            lock.files.insert(
                path.to_string(),
                LockEntry {
                    blueprint: "scripts".to_string(),
                    version: "1.0.0".to_string(),
                    sha256: sha256_hex(path.as_bytes()),
                    executable,
                },
            );
        }
        let text = lock.to_text();
        assert_eq!(text.matches("executable: true").count(), 1, "{text}");
        assert!(!text.contains("executable: false"), "{text}");
        assert_eq!(Lock::parse(Path::new("lock.yaml"), &text), Ok(lock));
    }

    /// A lock exactly as levelup 0.1 (format 1) wrote it.
    const FORMAT_1: &str = r#"# Written by levelup: what it generated, so updates can merge your edits.
# Do not edit by hand; commit it with the files.
format: 1
level: 1
dimensions:
  process: 1
  technology: 1
files:
  README.md:
    blueprint: repository
    version: "1.0.0"
    sha256: 2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824
  apps/base/shop/deployment.yaml:
    blueprint: app-kustomize
    version: "1.2.0"
    sha256: 486ea46224d1bb4fb680f34f7c9ad96a8f24ec88be73ea8e5a6c65260e9cb8a7
"#;

    #[test]
    fn a_format_1_lock_migrates_to_the_current_format() {
        let lock = Lock::parse(Path::new("lock.yaml"), FORMAT_1).expect("format 1 reads");
        assert_eq!(lock.format, FORMAT);
        assert_eq!(lock.level, 1);
        assert_eq!(
            lock.dimensions,
            BTreeMap::from([("process".to_string(), 1), ("technology".to_string(), 1)])
        );
        assert_eq!(
            lock.files.get("README.md"),
            Some(&LockEntry {
                blueprint: "repository".to_string(),
                version: "1.0.0".to_string(),
                sha256: sha256_hex(b"hello"),
                executable: false,
            })
        );
        assert_eq!(lock.files.len(), 2);
        assert!(lock.files.values().all(|entry| !entry.executable));
        // Rewritten, it is a format 2 lock with the same content, read back unchanged.
        let rewritten = lock.to_text();
        assert_eq!(
            rewritten,
            FORMAT_1.replace("format: 1", "format: 2"),
            "only the format changes"
        );
        assert_eq!(Lock::parse(Path::new("lock.yaml"), &rewritten), Ok(lock));
    }

    #[test]
    fn format_1_knows_no_executable_key_and_is_checked_like_format_2() {
        let text = FORMAT_1.replacen(
            "version: \"1.0.0\"\n",
            "version: \"1.0.0\"\n    executable: true\n",
            1,
        );
        let error = rejected(&text);
        assert!(
            error.message.starts_with("unknown field `executable`"),
            "{}",
            error.message
        );
        assert_eq!(error.key.as_deref(), Some("files.README.md"));
        let error = rejected(&FORMAT_1.replacen("level: 1", "level: 8", 1));
        assert_eq!(error.message, "level `8` is outside 0–5");
        assert_eq!(error.line, Some(4));
        let error = rejected(&FORMAT_1.replacen("sha256: 2cf", "sha256: ../2cf", 1));
        assert_eq!(error.key.as_deref(), Some("files.README.md.sha256"));
    }

    #[test]
    fn hashes_are_sha256() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
