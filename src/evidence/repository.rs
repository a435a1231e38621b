//! A repository's files, by path, with each YAML file parsed once, on first use.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::document::{Document, YamlValue};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read `{path}`")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What a file holds for the evaluator.
#[derive(Debug)]
enum Parsed {
    /// Not a `.yaml`/`.yml` file: never parsed.
    NotYaml,
    Documents(Vec<Document>),
    /// A YAML file that does not parse (a Helm template, a broken file): the reason.
    Invalid(String),
}

#[derive(Debug)]
struct Entry {
    bytes: Vec<u8>,
    parsed: OnceCell<Parsed>,
}

/// The files of a repository, by their path relative to its root (`/`-separated).
#[derive(Debug, Default)]
pub struct Repository {
    files: BTreeMap<String, Entry>,
    folders: OnceCell<BTreeSet<String>>,
}

impl Repository {
    pub fn new(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Repository {
        Repository {
            files: files
                .into_iter()
                .map(|(path, bytes)| {
                    (
                        path,
                        Entry {
                            bytes,
                            parsed: OnceCell::new(),
                        },
                    )
                })
                .collect(),
            folders: OnceCell::new(),
        }
    }

    /// Every file under `root`, except inside `.git`. Symbolic links are not
    /// followed: what they point to may be outside the repository.
    pub fn from_dir(root: &Path) -> Result<Repository, Error> {
        let mut files = Vec::new();
        let mut pending = vec![root.to_path_buf()];
        fn read(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
            move |source| Error::Read {
                path: path.to_path_buf(),
                source,
            }
        }
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).map_err(read(&dir))? {
                let entry = entry.map_err(read(&dir))?;
                let path = entry.path();
                let kind = entry.file_type().map_err(read(&path))?;
                if kind.is_dir() {
                    if entry.file_name() != ".git" {
                        pending.push(path);
                    }
                } else if kind.is_file() {
                    let bytes = std::fs::read(&path).map_err(read(&path))?;
                    let relative = path.strip_prefix(root).unwrap_or(&path);
                    let relative: Vec<String> = relative
                        .components()
                        .map(|part| part.as_os_str().to_string_lossy().into_owned())
                        .collect();
                    files.push((relative.join("/"), bytes));
                }
            }
        }
        Ok(Repository::new(files))
    }

    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    pub fn bytes(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(|entry| entry.bytes.as_slice())
    }

    /// The documents of the YAML file at `path`; none for another file.
    pub fn documents(&self, path: &str) -> &[Document] {
        match self.parsed(path) {
            Some(Parsed::Documents(documents)) => documents,
            _ => &[],
        }
    }

    /// Why the YAML file at `path` does not parse, if it does not.
    pub fn parse_error(&self, path: &str) -> Option<&str> {
        match self.parsed(path) {
            Some(Parsed::Invalid(reason)) => Some(reason),
            _ => None,
        }
    }

    /// Every document of every YAML file, with its file, in path order.
    pub fn all_documents(&self) -> impl Iterator<Item = (&str, &Document)> {
        self.paths()
            .flat_map(move |path| self.documents(path).iter().map(move |doc| (path, doc)))
    }

    /// Whether some file lies below `folder` (`apps/base`, without a trailing `/`;
    /// the empty string is the root).
    pub fn is_folder(&self, folder: &str) -> bool {
        folder.is_empty() || self.files_under(folder).next().is_some()
    }

    /// The files below `folder`, at any depth, in path order.
    pub fn files_under<'a>(&'a self, folder: &str) -> impl Iterator<Item = &'a str> + 'a {
        let prefix = if folder.is_empty() {
            String::new()
        } else {
            format!("{folder}/")
        };
        self.files
            .range(prefix.clone()..)
            .map(|(path, _)| path.as_str())
            .take_while(move |path| path.starts_with(&prefix))
    }

    /// Every folder that holds a file, at any depth (`apps`, `apps/base`, ...).
    pub fn folders(&self) -> &BTreeSet<String> {
        self.folders.get_or_init(|| {
            let mut folders = BTreeSet::new();
            for path in self.files.keys() {
                let mut rest = path.as_str();
                while let Some((parent, _)) = rest.rsplit_once('/') {
                    if !folders.insert(parent.to_string()) {
                        break;
                    }
                    rest = parent;
                }
            }
            folders
        })
    }

    fn parsed(&self, path: &str) -> Option<&Parsed> {
        let entry = self.files.get(path)?;
        Some(entry.parsed.get_or_init(|| parse(path, &entry.bytes)))
    }
}

fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

fn parse(path: &str, bytes: &[u8]) -> Parsed {
    if !is_yaml(path) {
        return Parsed::NotYaml;
    }
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Parsed::Invalid("the file is not UTF-8 text".to_string());
    };
    match crate::yaml::parse_documents::<YamlValue>(text) {
        Ok(values) => Parsed::Documents(
            values
                .into_iter()
                .filter(|YamlValue(value)| !value.is_null())
                .enumerate()
                .map(|(index, YamlValue(value))| Document {
                    number: index + 1,
                    value,
                })
                .collect(),
        ),
        Err(reason) => Parsed::Invalid(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repository(files: &[(&str, &str)]) -> Repository {
        Repository::new(
            files
                .iter()
                .map(|(path, text)| (path.to_string(), text.as_bytes().to_vec())),
        )
    }

    #[test]
    fn yaml_files_are_parsed_into_documents_and_others_tolerated() {
        let repo = repository(&[
            ("a.yaml", "kind: A\n---\n---\nkind: B\n"),
            (
                "chart/templates/x.yaml",
                "kind: {{ .Values.kind }}\n  bad: [\n",
            ),
            ("README.md", "kind: not yaml\n"),
            ("bin.yml", "\u{0}\u{1}"),
        ]);
        let kinds: Vec<(usize, Option<&str>)> = repo
            .documents("a.yaml")
            .iter()
            .map(|doc| (doc.number, doc.kind()))
            .collect();
        assert_eq!(kinds, [(1, Some("A")), (2, Some("B"))]);
        assert!(repo.documents("chart/templates/x.yaml").is_empty());
        assert!(repo.parse_error("chart/templates/x.yaml").is_some());
        assert!(repo.documents("README.md").is_empty());
        assert!(repo.parse_error("README.md").is_none());
        assert!(repo.documents("missing.yaml").is_empty());
        assert_eq!(repo.all_documents().count(), 2);
    }

    #[test]
    fn folders_are_known_from_the_files_in_them() {
        let repo = repository(&[
            ("apps/base/web/a.yaml", ""),
            ("apps/overlays/dev/k.yaml", ""),
        ]);
        assert!(repo.is_folder("apps/base"));
        assert!(!repo.is_folder("apps/bas"));
        assert_eq!(
            repo.files_under("apps/base").collect::<Vec<_>>(),
            ["apps/base/web/a.yaml"]
        );
        assert!(repo.folders().contains("apps/overlays/dev"));
        assert_eq!(repo.folders().len(), 5);
    }

    #[test]
    fn a_folder_is_read_without_git() {
        let dir = tempfile::tempdir().expect("temporary folder");
        std::fs::create_dir_all(dir.path().join(".git")).expect("git");
        std::fs::write(dir.path().join(".git/config"), "x").expect("config");
        std::fs::create_dir_all(dir.path().join("apps/base")).expect("apps");
        std::fs::write(dir.path().join("apps/base/k.yaml"), "kind: K\n").expect("file");
        let repo = Repository::from_dir(dir.path()).expect("reads");
        assert_eq!(repo.paths().collect::<Vec<_>>(), ["apps/base/k.yaml"]);
        assert_eq!(repo.documents("apps/base/k.yaml")[0].kind(), Some("K"));
    }
}
