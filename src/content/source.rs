//! Where a pack's files come from: the binary itself, or a folder on disk.

use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};

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
        let mut files = Vec::new();
        collect_embedded(&EMBEDDED, &mut files);
        Source::new(PathBuf::from("<embedded>/content"), files)
    }

    /// The pack in `dir`: `pack.yaml` and every YAML file below `steps/`.
    pub fn from_dir(dir: &Path) -> Result<Source, Error> {
        if !dir.join("pack.yaml").is_file() {
            return Err(Error::NotAPack {
                dir: dir.to_path_buf(),
            });
        }
        let mut files = Vec::new();
        collect_dir(dir, Path::new(""), &mut files)?;
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

fn collect_embedded(dir: &Dir<'static>, files: &mut Vec<SourceFile>) {
    for file in dir.files() {
        // The embedded pack is checked by the test suite, so a non-UTF-8 file here
        // would fail there first; skipping it keeps loading infallible.
        if let Some(text) = file.contents_utf8() {
            files.push(SourceFile {
                path: file.path().to_path_buf(),
                text: text.to_string(),
            });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, files);
    }
}

fn collect_dir(root: &Path, relative: &Path, files: &mut Vec<SourceFile>) -> Result<(), Error> {
    let dir = root.join(relative);
    let read_error = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::Read { path, source }
    };
    let entries = std::fs::read_dir(&dir).map_err(read_error(&dir))?;
    for entry in entries {
        let entry = entry.map_err(read_error(&dir))?;
        let path = relative.join(entry.file_name());
        let file_type = entry.file_type().map_err(read_error(&entry.path()))?;
        if file_type.is_dir() {
            collect_dir(root, &path, files)?;
        } else if is_pack_file(&path) {
            let text = std::fs::read_to_string(entry.path()).map_err(read_error(&entry.path()))?;
            files.push(SourceFile { path, text });
        }
    }
    Ok(())
}
