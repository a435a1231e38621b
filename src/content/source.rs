//! Where a pack's files come from: the binary itself, or a folder on disk.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

use crate::files;

use super::Error;

static EMBEDDED: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/content");

/// The YAML files of a pack, with paths relative to the pack's root.
#[derive(Debug, Clone)]
pub struct Source {
    /// How the pack's root is shown in messages.
    root: PathBuf,
    files: Vec<SourceFile>,
}

#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    /// The pack built into the binary.
    pub fn embedded() -> Source {
        // The embedded pack is checked by the test suite, so a file that is not
        // UTF-8 would fail there first; skipping it keeps loading infallible.
        let files = files::embedded(&EMBEDDED)
            .into_iter()
            .filter_map(|file| {
                String::from_utf8(file.bytes).ok().map(|text| SourceFile {
                    path: file.path,
                    text,
                })
            })
            .collect();
        Source::new(PathBuf::from("<embedded>/content"), files)
    }

    /// The pack in `dir`: `pack.yaml` and every YAML file below `steps/`.
    pub fn from_dir(dir: &Path) -> Result<Source, Error> {
        if !dir.join("pack.yaml").is_file() {
            return Err(Error::NotAPack {
                dir: dir.to_path_buf(),
            });
        }
        let read = files::on_disk(dir, &is_pack_file)
            .map_err(|(path, source)| Error::Read { path, source })?;
        let mut files = Vec::with_capacity(read.len());
        for file in read {
            let text = String::from_utf8(file.bytes).map_err(|_| Error::Read {
                path: dir.join(&file.path),
                source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
            })?;
            files.push(SourceFile {
                path: file.path,
                text,
            });
        }
        Ok(Source::new(dir.to_path_buf(), files))
    }

    /// A pack from files in memory (tests, and packs assembled by tools).
    pub fn new(root: PathBuf, mut files: Vec<SourceFile>) -> Source {
        files.retain(|file| is_pack_file(&file.path));
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Source { root, files }
    }

    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }

    /// The path of `file` as shown to the user.
    pub fn display_path(&self, file: &SourceFile) -> PathBuf {
        self.root.join(&file.path)
    }
}

fn is_pack_file(path: &Path) -> bool {
    let yaml = matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml")
    );
    path == Path::new("pack.yaml") || (yaml && path.starts_with("steps"))
}
