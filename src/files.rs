//! Folders of input files, from the binary (`include_dir`) or from disk, as a flat
//! list of relative paths and bytes. Content packs and blueprint catalogs share it.

use std::path::{Path, PathBuf};

use include_dir::Dir;

/// A file of an input folder: its path relative to the folder, and its bytes.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

impl InputFile {
    /// A text file at `path`, for tests.
    #[cfg(test)]
    pub fn text(path: &str, text: &str) -> InputFile {
        InputFile {
            path: PathBuf::from(path),
            bytes: text.as_bytes().to_vec(),
        }
    }
}

/// Every file below `dir`, embedded in the binary.
pub fn embedded(dir: &Dir<'static>) -> Vec<InputFile> {
    let mut files = Vec::new();
    collect_embedded(dir, &mut files);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

fn collect_embedded(dir: &Dir<'static>, files: &mut Vec<InputFile>) {
    for file in dir.files() {
        files.push(InputFile {
            path: file.path().to_path_buf(),
            bytes: file.contents().to_vec(),
        });
    }
    for sub in dir.dirs() {
        collect_embedded(sub, files);
    }
}

/// Every file below `root` on disk for which `keep` holds, sorted by path. Symbolic
/// links are not followed: an input folder cannot pull in files from elsewhere.
pub fn on_disk(
    root: &Path,
    keep: &dyn Fn(&Path) -> bool,
) -> Result<Vec<InputFile>, (PathBuf, std::io::Error)> {
    let mut files = Vec::new();
    collect_dir(root, Path::new(""), keep, &mut files)?;
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

fn collect_dir(
    root: &Path,
    relative: &Path,
    keep: &dyn Fn(&Path) -> bool,
    files: &mut Vec<InputFile>,
) -> Result<(), (PathBuf, std::io::Error)> {
    let dir = root.join(relative);
    let entries = std::fs::read_dir(&dir).map_err(|error| (dir.clone(), error))?;
    for entry in entries {
        let entry = entry.map_err(|error| (dir.clone(), error))?;
        let path = relative.join(entry.file_name());
        let file_type = entry.file_type().map_err(|error| (entry.path(), error))?;
        if file_type.is_dir() {
            collect_dir(root, &path, keep, files)?;
        } else if file_type.is_file() && keep(&path) {
            let bytes = std::fs::read(entry.path()).map_err(|error| (entry.path(), error))?;
            files.push(InputFile { path, bytes });
        }
    }
    Ok(())
}
