//! Turns the raw YAML of a pack into a validated [`Pack`], or every problem found.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use super::raw::{RawEvidence, RawPack, RawStep, RawStepFile, RawText};
use super::{Diagnostic, Error, Source, SourceFile};
use crate::model::{
    Dimension, DimensionIndex, EvidenceRule, Language, Level, LevelInfo, ModelInfo, Pack, Step,
    StepId, Text, Topic,
};
use crate::suggest;
use crate::yaml::{self, find_line, quoted_list, strip_item};

/// The only pack format this version of levelup reads.
const FORMAT: u32 = 1;

/// Loads and validates the pack in `source`. With `blueprints`, every blueprint a
/// step names must be one of them.
pub fn load(source: &Source, blueprints: Option<&BTreeSet<String>>) -> Result<Pack, Error> {
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
        for (raw, origin) in raw_file.steps.iter().zip(origins) {
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
    Ok(Pack::new(
        model,
        checker.default_language,
        checker.languages,
        levels,
        dimensions,
        steps.into_iter().map(|(step, _)| step).collect(),
    ))
}

/// The parts of `pack.yaml` that steps are checked against.
struct Skeleton {
    model: ModelInfo,
    levels: Vec<LevelInfo>,
    dimensions: Vec<Dimension>,
}

/// Where a step was written: its file, its index there, and the lines it spans.
#[derive(Debug, Clone)]
struct Origin {
    file: usize,
    index: usize,
    /// First line of the step (1-based) and the first line after it.
    lines: Option<(usize, usize)>,
}

impl Origin {
    fn describe(&self, source: &Source) -> String {
        let file = &source.files()[self.file];
        match self.lines {
            Some((line, _)) => format!("{}:{line}", source.display_path(file).display()),
            None => source.display_path(file).display().to_string(),
        }
    }
}

struct Checker<'s> {
    source: &'s Source,
    blueprints: Option<&'s BTreeSet<String>>,
    diagnostics: Vec<Diagnostic>,
    default_language: Language,
    languages: Vec<Language>,
}

/// Where a value was read from, for diagnostics.
struct At<'a> {
    file: &'a SourceFile,
    line: Line,
    key: String,
}

/// A line number, or how to find it: searching is only worth it for a problem.
enum Line {
    Known(Option<usize>),
    /// Within a step's lines: the line of `field:`, then of `needle` after it.
    InStep {
        lines: Option<(usize, usize)>,
        field: String,
        needle: Option<String>,
    },
}

impl Line {
    fn resolve(&self, text: &str) -> Option<usize> {
        match self {
            Line::Known(line) => *line,
            Line::InStep {
                lines,
                field,
                needle,
            } => lines.and_then(|(start, end)| {
                let key_line = find_line(text, start, end, |line| {
                    strip_item(line).starts_with(&format!("{field}:"))
                });
                match needle {
                    Some(needle) => find_line(text, key_line.unwrap_or(start), end, |line| {
                        line.contains(needle.as_str())
                    })
                    .or(key_line),
                    None => key_line,
                }
                .or(Some(start))
            }),
        }
    }
}

impl<'s> Checker<'s> {
    fn report(&mut self, at: &At<'_>, message: String, hint: Option<String>) {
        self.diagnostics.push(Diagnostic {
            file: self.source.display_path(at.file),
            line: at.line.resolve(&at.file.text),
            key: Some(at.key.clone()),
            message,
            hint,
        });
    }

    fn at_step(&self, origin: &Origin, key: &str, needle: Option<&str>) -> At<'s> {
        let file: &'s SourceFile = &self.source.files()[origin.file];
        let field = key.split(['[', '.']).next().unwrap_or(key);
        At {
            file,
            line: Line::InStep {
                lines: origin.lines,
                field: field.to_string(),
                needle: needle.map(str::to_string),
            },
            key: format!("steps[{}].{key}", origin.index),
        }
    }

    fn report_step(&mut self, origin: &Origin, key: &str, message: String, hint: String) {
        let at = self.at_step(origin, key, None);
        self.report(&at, message, Some(hint));
    }

    fn report_step_value(
        &mut self,
        origin: &Origin,
        key: &str,
        value: &str,
        message: String,
        hint: String,
    ) {
        let at = self.at_step(origin, key, Some(value));
        self.report(&at, message, Some(hint));
    }

    fn text(&mut self, raw: &RawText, at: &At<'_>) -> Text {
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

    fn skeleton(&mut self, raw: RawPack, file: &SourceFile) -> Skeleton {
        let at = |key: &str, needle: Option<&str>| At {
            file,
            line: Line::Known(needle.and_then(|needle| {
                find_line(&file.text, 1, usize::MAX, |line| line.contains(needle))
            })),
            key: key.to_string(),
        };
        if raw.format != FORMAT {
            self.report(
                &at("format", Some("format:")),
                format!("unsupported pack format `{}`", raw.format),
                Some(format!("this levelup reads format `{FORMAT}`")),
            );
        }
        self.default_language = Language::new(raw.default_language.clone());
        self.languages = raw.languages.iter().cloned().map(Language::new).collect();
        if !self.languages.contains(&self.default_language) {
            self.report(
                &at("languages", Some("languages:")),
                format!(
                    "the default language `{}` is not in `languages`",
                    raw.default_language
                ),
                Some(
                    "list every language the pack's texts use, the default one included"
                        .to_string(),
                ),
            );
        }

        let mut levels = Vec::new();
        let mut seen_names: HashMap<String, String> = HashMap::new();
        for (index, level) in raw.levels.iter().enumerate() {
            let key = format!("levels[{index}]");
            let level_at = at(
                &format!("{key}.number"),
                Some(&format!("number: {}", level.number)),
            );
            let Some(number) = level_number(level.number) else {
                self.report(
                    &level_at,
                    format!("level `{}` is out of range", level.number),
                    Some("levels are numbered 1 to 5".to_string()),
                );
                continue;
            };
            if levels.iter().any(|info: &LevelInfo| info.level == number) {
                self.report(
                    &level_at,
                    format!("level `{number}` is defined twice"),
                    None,
                );
                continue;
            }
            let id_needle = format!("id: {}", level.id);
            let name = self.text(&level.name, &at(&format!("{key}.name"), Some(&id_needle)));
            let title = self.text(&level.title, &at(&format!("{key}.title"), Some(&id_needle)));
            let description = self.text(
                &level.description,
                &at(&format!("{key}.description"), Some(&id_needle)),
            );
            let info = LevelInfo {
                level: number,
                id: level.id.clone(),
                name,
                aliases: level.aliases.clone(),
                title,
                description,
            };
            for alias in std::iter::once(info.id.as_str())
                .chain(info.name.all())
                .chain(info.aliases.iter().map(String::as_str))
            {
                let folded = alias.to_lowercase();
                if let Some(other) = seen_names.get(&folded).filter(|other| **other != info.id) {
                    self.report(
                        &at(&key, Some(&id_needle)),
                        format!(
                            "the name `{alias}` is used by levels `{other}` and `{}`",
                            info.id
                        ),
                        Some("a name on the command line must point to one level".to_string()),
                    );
                }
                seen_names.insert(folded, info.id.clone());
            }
            levels.push(info);
        }
        levels.sort_by_key(|info| info.level);
        let numbers: Vec<u8> = levels.iter().map(|info| info.level.number()).collect();
        if numbers.len() == raw.levels.len() && numbers != [1, 2, 3, 4, 5] {
            self.report(
                &at("levels", Some("levels:")),
                format!("the pack defines levels {numbers:?}"),
                Some("a pack defines each of the levels 1 to 5 exactly once".to_string()),
            );
        }

        let mut dimensions: Vec<Dimension> = Vec::new();
        for (index, raw_dimension) in raw.dimensions.iter().enumerate() {
            let key = format!("dimensions[{index}]");
            let id_needle = format!("id: {}", raw_dimension.id);
            if dimensions.iter().any(|d| d.id == raw_dimension.id) {
                self.report(
                    &at(&format!("{key}.id"), Some(&id_needle)),
                    format!("dimension `{}` is defined twice", raw_dimension.id),
                    None,
                );
                continue;
            }
            let name = self.text(
                &raw_dimension.name,
                &at(&format!("{key}.name"), Some(&id_needle)),
            );
            let mut topics: Vec<Topic> = Vec::new();
            for (topic_index, raw_topic) in raw_dimension.topics.iter().enumerate() {
                let topic_key = format!("{key}.topics[{topic_index}]");
                let topic_needle = format!("id: {}", raw_topic.id);
                if topics.iter().any(|t| t.id == raw_topic.id) {
                    self.report(
                        &at(&format!("{topic_key}.id"), Some(&topic_needle)),
                        format!(
                            "topic `{}` is defined twice in dimension `{}`",
                            raw_topic.id, raw_dimension.id
                        ),
                        None,
                    );
                    continue;
                }
                let name = self.text(
                    &raw_topic.name,
                    &at(&format!("{topic_key}.name"), Some(&topic_needle)),
                );
                let mut topic_levels = Vec::new();
                for &number in &raw_topic.levels {
                    match level_number(number) {
                        Some(level) => topic_levels.push(level),
                        None => self.report(
                            &at(&format!("{topic_key}.levels"), Some(&topic_needle)),
                            format!("level `{number}` is out of range"),
                            Some("levels are numbered 1 to 5".to_string()),
                        ),
                    }
                }
                topics.push(Topic {
                    id: raw_topic.id.clone(),
                    name,
                    headings: raw_topic.headings.clone(),
                    levels: topic_levels,
                });
            }
            dimensions.push(Dimension {
                id: raw_dimension.id.clone(),
                name,
                aliases: raw_dimension.aliases.clone(),
                topics,
            });
        }
        if dimensions.is_empty() {
            self.report(
                &at("dimensions", Some("dimensions:")),
                "the pack defines no dimensions".to_string(),
                None,
            );
        }
        Skeleton {
            model: ModelInfo {
                name: raw.model.name,
                version: raw.model.version,
                source: raw.model.source,
            },
            levels,
            dimensions,
        }
    }

    fn step(&mut self, raw: &RawStep, origin: &Origin, skeleton: &Skeleton) -> Option<Step> {
        let before = self.diagnostics.len();
        let level = level_number(raw.level);
        if level.is_none() {
            self.report_step(
                origin,
                "level",
                format!("level `{}` is out of range", raw.level),
                "a step's level is one of 1 to 5".to_string(),
            );
        }
        let dimension = skeleton
            .dimensions
            .iter()
            .position(|d| d.id == raw.dimension);
        let mut topic = None;
        match dimension {
            None => {
                let hint = suggestion(
                    &raw.dimension,
                    skeleton.dimensions.iter().map(|d| d.id.as_str()),
                    "dimensions",
                );
                self.report_step(
                    origin,
                    "dimension",
                    format!("unknown dimension `{}`", raw.dimension),
                    hint,
                );
            }
            Some(dimension) => {
                let topics = &skeleton.dimensions[dimension].topics;
                topic = topics.iter().position(|t| t.id == raw.topic);
                if topic.is_none() {
                    let hint = suggestion(
                        &raw.topic,
                        topics.iter().map(|t| t.id.as_str()),
                        &format!("topics of `{}`", raw.dimension),
                    );
                    self.report_step(
                        origin,
                        "topic",
                        format!(
                            "unknown topic `{}` in dimension `{}`",
                            raw.topic, raw.dimension
                        ),
                        hint,
                    );
                }
            }
        }
        self.step_id(raw, origin, dimension.is_some() && topic.is_some());

        let title = self.text(&raw.title, &self.at_step(origin, "title", None));
        let summary = self.text(&raw.summary, &self.at_step(origin, "summary", None));
        if raw.done_when.is_empty() {
            self.report_step(
                origin,
                "done_when",
                "the checklist is empty".to_string(),
                "list at least one condition a reviewer can check".to_string(),
            );
        }
        let done_when = raw
            .done_when
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let at = self.at_step(origin, &format!("done_when[{index}]"), None);
                self.text(item, &at)
            })
            .collect();
        let evidence = self.evidence_rules(&raw.evidence, origin);
        if let Some(known) = self.blueprints {
            for (index, name) in raw.blueprints.iter().enumerate() {
                if !known.contains(name) {
                    let hint = suggestion(name, known.iter().map(String::as_str), "blueprints");
                    self.report_step_value(
                        origin,
                        &format!("blueprints[{index}]"),
                        name,
                        format!("unknown blueprint `{name}`"),
                        hint,
                    );
                }
            }
        }

        if self.diagnostics.len() > before {
            return None;
        }
        Some(Step {
            id: StepId::new(raw.id.clone()),
            level: level?,
            dimension: DimensionIndex(dimension?),
            topic: topic?,
            title,
            summary,
            done_when,
            needs: raw.needs.iter().cloned().map(StepId::new).collect(),
            blueprints: raw.blueprints.clone(),
            evidence,
        })
    }

    fn step_id(&mut self, raw: &RawStep, origin: &Origin, placed: bool) {
        let prefix = format!("{}.{}.", raw.dimension, raw.topic);
        let well_formed = raw.id.split('.').count() >= 3
            && raw.id.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
        if !well_formed {
            self.report_step(
                origin,
                "id",
                format!("malformed step id `{}`", raw.id),
                format!(
                    "ids are `<dimension>.<topic>.<name>` in lowercase letters, digits and `-`, such as `{prefix}my-step`"
                ),
            );
        } else if placed && !raw.id.starts_with(&prefix) {
            self.report_step(
                origin,
                "id",
                format!("step id `{}` does not start with `{prefix}`", raw.id),
                "an id names the step's dimension and topic first, so it reads where it belongs"
                    .to_string(),
            );
        }
    }

    fn evidence_rules(&mut self, raw: &[RawEvidence], origin: &Origin) -> Vec<EvidenceRule> {
        if raw.is_empty() {
            self.report_step(
                origin,
                "evidence",
                "the step has no evidence rule".to_string(),
                "add a `path`, `kind`, `workflow` or `any_of` rule, or one `manual` rule saying what a person checks".to_string(),
            );
            return Vec::new();
        }
        let rules: Vec<EvidenceRule> = raw
            .iter()
            .enumerate()
            .filter_map(|(index, rule)| {
                self.evidence(rule, origin, &format!("evidence[{index}]"), false)
            })
            .collect();
        if raw.len() > 1 && raw.iter().any(|rule| rule.manual.is_some()) {
            self.report_step(
                origin,
                "evidence",
                "a `manual` evidence rule must stand alone".to_string(),
                "a step is either shown by the repository or checked by a person; drop the other rules or the `manual` one".to_string(),
            );
        }
        rules
    }

    fn evidence(
        &mut self,
        raw: &RawEvidence,
        origin: &Origin,
        key: &str,
        nested: bool,
    ) -> Option<EvidenceRule> {
        let set = [
            raw.path.is_some(),
            raw.kind.is_some(),
            raw.workflow.is_some(),
            raw.any_of.is_some(),
            raw.manual.is_some(),
        ]
        .iter()
        .filter(|set| **set)
        .count();
        if set != 1 {
            self.report_step(
                origin,
                key,
                format!(
                    "an evidence rule sets {set} of `path`, `kind`, `workflow`, `any_of`, `manual`"
                ),
                "set exactly one of them (`api_version` goes with `kind`)".to_string(),
            );
            return None;
        }
        if raw.api_version.is_some() != raw.kind.is_some() {
            self.report_step(
                origin,
                key,
                "`kind` and `api_version` go together".to_string(),
                "write both, such as `kind: NetworkPolicy` with `api_version: networking.k8s.io/v1`".to_string(),
            );
            return None;
        }
        if let Some(path) = &raw.path {
            if path.starts_with('/') || path.split('/').any(|part| part == "..") {
                self.report_step_value(
                    origin,
                    key,
                    path,
                    format!("the glob `{path}` leaves the repository"),
                    "evidence paths are relative to the repository root".to_string(),
                );
                return None;
            }
            if let Err(error) = globset::Glob::new(path) {
                self.report_step_value(
                    origin,
                    key,
                    path,
                    format!("invalid glob `{path}`: {}", error.kind()),
                    "globs use `*`, `**`, `?`, `[...]` and `{a,b}`".to_string(),
                );
                return None;
            }
            return Some(EvidenceRule::Path(path.clone()));
        }
        if let (Some(kind), Some(api_version)) = (&raw.kind, &raw.api_version) {
            return Some(EvidenceRule::Kind {
                kind: kind.clone(),
                api_version: api_version.clone(),
            });
        }
        if let Some(pattern) = &raw.workflow {
            // Checking the syntax is enough here, and far cheaper than compiling
            // the matcher on every load; `assess` compiles what it evaluates.
            if let Err(error) = regex_syntax::Parser::new().parse(pattern) {
                let error = error.to_string();
                let last_line = error.lines().last().unwrap_or_default();
                let first_line = last_line
                    .strip_prefix("error: ")
                    .unwrap_or(last_line)
                    .to_string();
                self.report_step_value(
                    origin,
                    key,
                    pattern,
                    format!("invalid regular expression `{pattern}`: {first_line}"),
                    "escape characters such as `.`, `(` and `[` with `\\` to match them literally"
                        .to_string(),
                );
                return None;
            }
            return Some(EvidenceRule::Workflow(pattern.clone()));
        }
        if let Some(alternatives) = &raw.any_of {
            if alternatives.is_empty() {
                self.report_step(
                    origin,
                    key,
                    "`any_of` is empty".to_string(),
                    "list at least one rule".to_string(),
                );
                return None;
            }
            let rules: Vec<EvidenceRule> = alternatives
                .iter()
                .enumerate()
                .filter_map(|(index, rule)| {
                    self.evidence(rule, origin, &format!("{key}.any_of[{index}]"), true)
                })
                .collect();
            return (rules.len() == alternatives.len()).then_some(EvidenceRule::AnyOf(rules));
        }
        let reason = raw.manual.clone().unwrap_or_default();
        if nested {
            self.report_step(
                origin,
                key,
                "a `manual` rule cannot be an alternative in `any_of`".to_string(),
                "a step is either shown by the repository or checked by a person".to_string(),
            );
            return None;
        }
        if reason.trim().is_empty() {
            self.report_step(
                origin,
                key,
                "a `manual` rule needs a reason".to_string(),
                "say what a person checks instead".to_string(),
            );
            return None;
        }
        Some(EvidenceRule::Manual(reason))
    }

    fn needs(
        &mut self,
        steps: &[(Step, Origin)],
        all_ids: &HashMap<String, Origin>,
        complete: bool,
    ) {
        let by_id: HashMap<&StepId, &Step> =
            steps.iter().map(|(step, _)| (&step.id, step)).collect();
        for (step, origin) in steps {
            let mut seen = HashSet::new();
            for (index, need) in step.needs.iter().enumerate() {
                let key = format!("needs[{index}]");
                let value = need.as_str();
                if !seen.insert(need) {
                    self.report_step_value(
                        origin,
                        &key,
                        value,
                        format!("`{need}` is listed twice"),
                        "list each need once".to_string(),
                    );
                } else if need == &step.id {
                    self.report_step_value(
                        origin,
                        &key,
                        value,
                        format!("`{need}` needs itself"),
                        "remove it from its own `needs`".to_string(),
                    );
                } else if !all_ids.contains_key(need.as_str()) && complete {
                    let hint = match suggest::nearest(value, all_ids.keys().map(String::as_str)) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "`needs` lists ids of steps in this pack".to_string(),
                    };
                    self.report_step_value(
                        origin,
                        &key,
                        value,
                        format!("unknown step `{need}`"),
                        hint,
                    );
                } else if let Some(needed) = by_id.get(need) {
                    if needed.level > step.level {
                        self.report_step_value(
                            origin,
                            &key,
                            value,
                            format!(
                                "`{}` (level {}) needs `{need}` of a higher level, {}",
                                step.id, step.level, needed.level
                            ),
                            "a step may only need steps of its own or a lower level".to_string(),
                        );
                    } else if needed.level == step.level && needed.dimension != step.dimension {
                        self.report_step_value(
                            origin,
                            &key,
                            value,
                            format!(
                                "`{}` needs `{need}`, a step of the same level in another dimension",
                                step.id
                            ),
                            "at one level, needs stay within a dimension so the plan's grouping keeps their order; lower the needed step's level or drop the need".to_string(),
                        );
                    }
                }
            }
        }
    }

    fn cycles(&mut self, steps: &[(Step, Origin)]) {
        let index: HashMap<&StepId, usize> = steps
            .iter()
            .enumerate()
            .map(|(position, (step, _))| (&step.id, position))
            .collect();
        let edges: Vec<Vec<usize>> = steps
            .iter()
            .map(|(step, _)| {
                step.needs
                    .iter()
                    .filter(|need| **need != step.id)
                    .filter_map(|need| index.get(need).copied())
                    .collect()
            })
            .collect();
        let mut state = vec![Visit::New; steps.len()];
        let mut path = Vec::new();
        let mut cycles = Vec::new();
        for start in 0..steps.len() {
            find_cycles(start, &edges, &mut state, &mut path, &mut cycles);
        }
        for cycle in cycles {
            let origin = &steps[cycle[0]].1;
            let names: Vec<String> = cycle
                .iter()
                .chain(std::iter::once(&cycle[0]))
                .map(|&position| format!("`{}`", steps[position].0.id))
                .collect();
            self.report_step(
                origin,
                "needs",
                format!("`needs` form a cycle: {}", names.join(" → ")),
                "remove one of these needs so the steps can be ordered".to_string(),
            );
        }
    }

    fn coverage(&mut self, steps: &[(Step, Origin)], skeleton: &Skeleton, pack_file: &SourceFile) {
        let covered: HashSet<(usize, usize, Level)> = steps
            .iter()
            .map(|(step, _)| (step.dimension.0, step.topic, step.level))
            .collect();
        for (d, dimension) in skeleton.dimensions.iter().enumerate() {
            let dimension_line = find_line(&pack_file.text, 1, usize::MAX, |line| {
                strip_item(line) == format!("id: {}", dimension.id)
            });
            for (t, topic) in dimension.topics.iter().enumerate() {
                for &level in &topic.levels {
                    if covered.contains(&(d, t, level)) {
                        continue;
                    }
                    let line = find_line(
                        &pack_file.text,
                        dimension_line.unwrap_or(1),
                        usize::MAX,
                        |line| {
                            line.contains(&format!("id: {},", topic.id))
                                || strip_item(line) == format!("id: {}", topic.id)
                        },
                    );
                    self.report(
                        &At {
                            file: pack_file,
                            line: Line::Known(line),
                            key: format!("dimensions[{d}].topics[{t}].levels"),
                        },
                        format!(
                            "topic `{}` of `{}` has no step at level {level}",
                            topic.name.default_text(),
                            dimension.name.default_text()
                        ),
                        Some(format!(
                            "add a step with `level: {level}`, `dimension: {}` and `topic: {}`, or remove {level} from the topic's `levels`",
                            dimension.id, topic.id
                        )),
                    );
                }
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Active,
    Done,
}

/// Depth-first search that records each cycle once, as the positions on it.
fn find_cycles(
    node: usize,
    edges: &[Vec<usize>],
    state: &mut [Visit],
    path: &mut Vec<usize>,
    cycles: &mut Vec<Vec<usize>>,
) {
    if state[node] != Visit::New {
        return;
    }
    state[node] = Visit::Active;
    path.push(node);
    for &next in &edges[node] {
        match state[next] {
            Visit::New => find_cycles(next, edges, state, path, cycles),
            Visit::Active => {
                let start = path.iter().position(|&p| p == next).unwrap_or(0);
                cycles.push(path[start..].to_vec());
            }
            Visit::Done => {}
        }
    }
    path.pop();
    state[node] = Visit::Done;
}

fn level_number(number: i64) -> Option<Level> {
    u8::try_from(number).ok().and_then(Level::new)
}

fn suggestion<'a>(
    input: &str,
    candidates: impl Iterator<Item = &'a str> + Clone,
    what: &str,
) -> String {
    match suggest::nearest(input, candidates.clone()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!("the {what} are {}", quoted_list(candidates)),
    }
}

/// The lines each step of `file` spans, found by its `id:` line in file order.
fn step_origins(file_index: usize, file: &SourceFile, steps: &[RawStep]) -> Vec<Origin> {
    let mut starts = Vec::with_capacity(steps.len());
    let mut cursor = 1;
    for step in steps {
        let start = find_line(&file.text, cursor, usize::MAX, |line| {
            let line = strip_item(line);
            line.starts_with("id:") && line[3..].trim().trim_matches(['"', '\'']) == step.id
        });
        if let Some(start) = start {
            cursor = start + 1;
        }
        starts.push(start);
    }
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

    #[test]
    fn finds_the_lines_each_step_spans() {
        let text = "steps:\n  - id: a.b.one\n    level: 1\n  - level: 2\n    id: 'a.b.two'\n";
        let file = SourceFile {
            path: "steps/x.yaml".into(),
            text: text.to_string(),
        };
        let steps: RawStepFile = serde_saphyr::from_str(
            "steps:\n  - {id: a.b.one, level: 1, dimension: a, topic: b, title: t, summary: s, done_when: [d], evidence: [{manual: m}]}\n  - {id: a.b.two, level: 2, dimension: a, topic: b, title: t, summary: s, done_when: [d], evidence: [{manual: m}]}\n",
        )
        .expect("steps parse");
        let origins = step_origins(3, &file, &steps.steps);
        assert_eq!(origins[0].lines, Some((2, 5)));
        assert_eq!(origins[1].lines, Some((5, 6)));
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
