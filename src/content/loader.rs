//! Turns the raw YAML of a pack into a validated [`Pack`], or every problem found:
//! the order of the checks and how a problem is located. The checks themselves
//! are in `skeleton`, `step`, `evidence`, `needs` and `coverage`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use super::raw::{RawPack, RawStep, RawStepFile, RawText};
use super::{Diagnostic, Error, Source, SourceFile};
use crate::model::{Dimension, Language, Level, LevelInfo, ModelInfo, Pack, StepId, Text};
use crate::suggest;
use crate::yaml::{self, Positions, quoted_list};
use serde_saphyr::Spanned;

/// Loads and validates the pack in `source`. With `blueprints`, every blueprint a
/// step names must be one of them.
pub fn load(source: &Source, blueprints: Option<&BTreeSet<String>>) -> Result<Pack, Error> {
    load_located(source, blueprints).map(|(pack, _)| pack)
}

/// Where each step of a loaded pack was written, for checks made after loading
/// (such as `content check` rendering blueprints): they report with file, line
/// and key like the loader does.
#[derive(Debug, Clone)]
pub struct Locations {
    source: Source,
    steps: HashMap<StepId, Origin>,
}

impl Locations {
    /// A problem at `key` of the step `step` (`evidence[1]`), with its file and line.
    pub fn diagnostic(
        &self,
        step: &StepId,
        key: &str,
        message: String,
        hint: String,
    ) -> Diagnostic {
        let Some(origin) = self.steps.get(step) else {
            return Diagnostic {
                file: self.source.display_path(&SourceFile {
                    path: "steps".into(),
                    text: String::new(),
                }),
                line: None,
                key: Some(format!("{step}.{key}")),
                message,
                hint: Some(hint),
            };
        };
        let file = &self.source.files()[origin.file];
        let key = format!("steps[{}].{key}", origin.index);
        Diagnostic {
            file: self.source.display_path(file),
            line: Positions::read(&file.text).line(&key),
            key: Some(key),
            message,
            hint: Some(hint),
        }
    }
}

/// [`load`], also returning where each step was written.
pub fn load_located(
    source: &Source,
    blueprints: Option<&BTreeSet<String>>,
) -> Result<(Pack, Locations), Error> {
    let Some(pack_file) = source
        .files()
        .iter()
        .find(|file| file.path == Path::new("pack.yaml"))
    else {
        return Err(Error::Invalid(vec![Diagnostic {
            file: source.display_path(&SourceFile {
                path: "pack.yaml".into(),
                text: String::new(),
            }),
            line: None,
            key: None,
            message: "the pack has no `pack.yaml`".to_string(),
            hint: Some("a content pack starts with `pack.yaml`; see content/README.md".to_string()),
        }]));
    };
    let mut checker = Checker {
        source,
        blueprints,
        diagnostics: Vec::new(),
        default_language: Language::new(""),
        languages: Vec::new(),
    };
    let raw_pack = match yaml::parse::<RawPack>(
        source.display_path(pack_file),
        &pack_file.text,
        yaml::Docs::Source,
    ) {
        Ok(raw_pack) => raw_pack,
        Err(diagnostic) => return Err(Error::Invalid(vec![diagnostic])),
    };
    let skeleton = checker.skeleton(raw_pack, pack_file);
    if !checker.diagnostics.is_empty() {
        // Steps are checked against levels and dimensions: with those broken,
        // every step would report the same problem again.
        return Err(Error::Invalid(checker.diagnostics));
    }

    let mut steps = Vec::new();
    let mut all_ids: HashMap<String, Origin> = HashMap::new();
    for (file_index, file) in source.files().iter().enumerate() {
        if !file.path.starts_with("steps") {
            continue;
        }
        let raw_file = match yaml::parse::<RawStepFile>(
            source.display_path(file),
            &file.text,
            yaml::Docs::Source,
        ) {
            Ok(raw_file) => raw_file,
            Err(diagnostic) => {
                checker.diagnostics.push(diagnostic);
                continue;
            }
        };
        let origins = step_origins(file_index, file, &raw_file.steps);
        for (raw, origin) in raw_file.steps.iter().map(|raw| &raw.value).zip(origins) {
            if let Some(first) = all_ids.get(&raw.id) {
                let hint = format!(
                    "ids are stable and unique; the first `{}` is at {}",
                    raw.id,
                    first.describe(source)
                );
                checker.report_step(
                    &origin,
                    "id",
                    format!("duplicate step id `{}`", raw.id),
                    hint,
                );
                continue;
            }
            all_ids.insert(raw.id.clone(), origin.clone());
            if let Some(step) = checker.step(raw, &origin, &skeleton) {
                steps.push((step, origin));
            }
        }
    }
    // A file that did not parse hides its ids, and a rejected step hides its
    // topic: checking needs or coverage then would only repeat the same problem.
    let complete = checker.diagnostics.is_empty();
    checker.needs(&steps, &all_ids, complete);
    checker.cycles(&steps);
    if complete {
        checker.coverage(&steps, &skeleton, pack_file);
    }

    if !checker.diagnostics.is_empty() {
        return Err(Error::Invalid(checker.diagnostics));
    }
    let Skeleton {
        model,
        levels,
        dimensions,
    } = skeleton;
    let locations = Locations {
        source: source.clone(),
        steps: steps
            .iter()
            .map(|(step, origin)| (step.id.clone(), origin.clone()))
            .collect(),
    };
    let pack = Pack::new(
        model,
        checker.default_language,
        checker.languages,
        levels,
        dimensions,
        steps.into_iter().map(|(step, _)| step).collect(),
    );
    Ok((pack, locations))
}

/// The parts of `pack.yaml` that steps are checked against.
pub(super) struct Skeleton {
    pub(super) model: ModelInfo,
    pub(super) levels: Vec<LevelInfo>,
    pub(super) dimensions: Vec<Dimension>,
}

/// Where a step was written: its file, its index there, and the lines it spans.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    pub(super) file: usize,
    pub(super) index: usize,
    /// First line of the step (1-based) and the first line after it.
    pub(super) lines: Option<(usize, usize)>,
}

impl Origin {
    pub(super) fn describe(&self, source: &Source) -> String {
        let file = &source.files()[self.file];
        match self.lines {
            Some((line, _)) => format!("{}:{line}", source.display_path(file).display()),
            None => source.display_path(file).display().to_string(),
        }
    }
}

pub(super) struct Checker<'s> {
    pub(super) source: &'s Source,
    pub(super) blueprints: Option<&'s BTreeSet<String>>,
    pub(super) diagnostics: Vec<Diagnostic>,
    pub(super) default_language: Language,
    pub(super) languages: Vec<Language>,
}

/// Where a value was read from, for diagnostics: its file and key path.
pub(super) struct At<'a> {
    pub(super) file: &'a SourceFile,
    pub(super) key: String,
}

impl<'s> Checker<'s> {
    /// Reports a problem at `at`; its line is where the parser read that key's
    /// value (or the value that holds it).
    pub(super) fn report(&mut self, at: &At<'_>, message: String, hint: Option<String>) {
        self.diagnostics.push(Diagnostic {
            file: self.source.display_path(at.file),
            line: Positions::read(&at.file.text).line(&at.key),
            key: Some(at.key.clone()),
            message,
            hint,
        });
    }

    /// The key `key` of the step at `origin`, such as `steps[3].needs[1]`.
    pub(super) fn at_step(&self, origin: &Origin, key: &str) -> At<'s> {
        At {
            file: &self.source.files()[origin.file],
            key: format!("steps[{}].{key}", origin.index),
        }
    }

    pub(super) fn report_step(
        &mut self,
        origin: &Origin,
        key: &str,
        message: String,
        hint: String,
    ) {
        let at = self.at_step(origin, key);
        self.report(&at, message, Some(hint));
    }

    pub(super) fn text(&mut self, raw: &RawText, at: &At<'_>) -> Text {
        match raw {
            RawText::Plain(text) => {
                if text.trim().is_empty() {
                    self.report(at, "the text is empty".to_string(), None);
                }
                Text::new(text.clone(), BTreeMap::new())
            }
            RawText::Translated(texts) => {
                let mut translations = BTreeMap::new();
                for (code, text) in texts {
                    let language = Language::new(code.clone());
                    if !self.languages.contains(&language) {
                        let known: Vec<&str> =
                            self.languages.iter().map(Language::as_str).collect();
                        self.report(
                            at,
                            format!("unknown language `{code}`"),
                            Some(format!(
                                "the pack's `languages` are {}",
                                quoted_list(known.iter().copied())
                            )),
                        );
                    } else if text.trim().is_empty() {
                        self.report(at, format!("the `{code}` text is empty"), None);
                    }
                    if language != self.default_language {
                        translations.insert(language, text.clone());
                    }
                }
                let default = texts.get(self.default_language.as_str()).cloned();
                if default.is_none() {
                    self.report(
                        at,
                        format!(
                            "the text has no `{}` version, the pack's default language",
                            self.default_language
                        ),
                        Some(
                            "every text needs its default-language version; others fall back to it"
                                .to_string(),
                        ),
                    );
                }
                Text::new(default.unwrap_or_default(), translations)
            }
        }
    }
}

pub(super) fn level_number(number: i64) -> Option<Level> {
    u8::try_from(number).ok().and_then(Level::new)
}

pub(super) fn suggestion<'a>(
    input: &str,
    candidates: impl Iterator<Item = &'a str> + Clone,
    what: &str,
) -> String {
    match suggest::nearest(input, candidates.clone()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("the {what} are {}", quoted_list(candidates)),
    }
}

/// The lines each step of `file` spans: from where the parser read it to where
/// the next one starts.
fn step_origins(file_index: usize, file: &SourceFile, steps: &[Spanned<RawStep>]) -> Vec<Origin> {
    let starts: Vec<Option<usize>> = steps
        .iter()
        .map(|step| {
            usize::try_from(step.referenced.line())
                .ok()
                .filter(|line| *line > 0)
        })
        .collect();
    let end_of_file = file.text.lines().count() + 1;
    (0..steps.len())
        .map(|index| {
            let end = starts[index + 1..]
                .iter()
                .flatten()
                .next()
                .copied()
                .unwrap_or(end_of_file);
            Origin {
                file: file_index,
                index,
                lines: starts[index].map(|start| (start, end)),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where each step starts comes from the parser, whatever key comes first
    /// (the search this replaced looked for the `id:` line, so a step that
    /// starts with another key began a line late).
    #[test]
    fn finds_the_lines_each_step_spans() {
        let step = |id: &str| {
            format!(
                "dimension: a\n    id: {id}\n    level: 1\n    topic: b\n    title: t\n    summary: s\n    done_when: [d]\n    evidence: [{{manual: m}}]\n"
            )
        };
        let text = format!("steps:\n  - {}  - {}", step("a.b.one"), step("a.b.two"));
        let file = SourceFile {
            path: "steps/x.yaml".into(),
            text: text.clone(),
        };
        let steps: RawStepFile = serde_saphyr::from_str(&text).expect("steps parse");
        let origins = step_origins(3, &file, &steps.steps);
        assert_eq!(origins[0].lines, Some((2, 10)));
        assert_eq!(origins[1].lines, Some((10, 18)));
        assert_eq!(origins[1].file, 3);
    }

    /// A step whose evidence nests `any_of` through aliases, ten wide and nine
    /// deep: 10⁹ rules once expanded, each of a shape the loader accepts.
    #[test]
    fn nested_aliases_in_a_pack_are_refused_quickly() {
        let started = std::time::Instant::now();
        let valid = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/packs/valid");
        let valid = Source::from_dir(&valid).expect("the fixture pack reads");
        let mut evidence = String::from("evidence:\n      - &e0 {path: \"docs/*.md\"}\n");
        for level in 1..=9 {
            let previous = format!("*e{}", level - 1);
            let items = [previous.as_str(); 10].join(", ");
            evidence.push_str(&format!("      - &e{level} {{any_of: [{items}]}}\n"));
        }
        let files = valid
            .files()
            .iter()
            .map(|file| SourceFile {
                path: file.path.clone(),
                text: if file.path == Path::new("steps/process/level-3.yaml") {
                    file.text.replacen(
                        "evidence:\n      - manual: a reviewer checks the policy test report\n",
                        &evidence,
                        1,
                    )
                } else {
                    file.text.clone()
                },
            })
            .collect();
        let Err(Error::Invalid(diagnostics)) = load(&Source::new("pack".into(), files), None)
        else {
            panic!("a billion laughs must not load");
        };
        assert_eq!(
            diagnostics[0].message,
            "the document expands YAML aliases beyond levelup's limits"
        );
        assert_eq!(
            diagnostics[0].file,
            Path::new("pack/steps/process/level-3.yaml")
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn a_source_without_pack_yaml_is_rejected() {
        let source = Source::new("somewhere".into(), Vec::new());
        let Err(Error::Invalid(diagnostics)) = load(&source, None) else {
            panic!("a pack without pack.yaml must not load");
        };
        assert_eq!(diagnostics[0].message, "the pack has no `pack.yaml`");
    }
}
