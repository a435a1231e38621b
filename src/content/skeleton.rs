//! Checks `pack.yaml`, the skeleton steps are checked against: format, languages,
//! levels, dimensions and their topics.

use std::collections::HashMap;

use super::SourceFile;
use super::loader::{At, Checker, Skeleton, level_number};
use super::raw::RawPack;
use crate::model::{Dimension, Language, LevelInfo, ModelInfo, Topic};

/// The only pack format this version of levelup reads.
const FORMAT: u32 = 1;

impl Checker<'_> {
    pub(super) fn skeleton(&mut self, raw: RawPack, file: &SourceFile) -> Skeleton {
        let at = |key: &str| At {
            file,
            key: key.to_string(),
        };
        if raw.format != FORMAT {
            self.report(
                &at("format"),
                format!("unsupported pack format `{}`", raw.format),
                Some(format!("this levelup reads format `{FORMAT}`")),
            );
        }
        self.default_language = Language::new(raw.default_language.clone());
        self.languages = raw.languages.iter().cloned().map(Language::new).collect();
        if !self.languages.contains(&self.default_language) {
            self.report(
                &at("languages"),
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
            let level_at = at(&format!("{key}.number"));
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
            let name = self.text(&level.name, &at(&format!("{key}.name")));
            let title = self.text(&level.title, &at(&format!("{key}.title")));
            let description = self.text(&level.description, &at(&format!("{key}.description")));
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
                        &at(&key),
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
                &at("levels"),
                format!("the pack defines levels {numbers:?}"),
                Some("a pack defines each of the levels 1 to 5 exactly once".to_string()),
            );
        }

        let mut dimensions: Vec<Dimension> = Vec::new();
        for (index, raw_dimension) in raw.dimensions.iter().enumerate() {
            let key = format!("dimensions[{index}]");
            if dimensions.iter().any(|d| d.id == raw_dimension.id) {
                self.report(
                    &at(&format!("{key}.id")),
                    format!("dimension `{}` is defined twice", raw_dimension.id),
                    None,
                );
                continue;
            }
            let name = self.text(&raw_dimension.name, &at(&format!("{key}.name")));
            let mut topics: Vec<Topic> = Vec::new();
            for (topic_index, raw_topic) in raw_dimension.topics.iter().enumerate() {
                let topic_key = format!("{key}.topics[{topic_index}]");
                if topics.iter().any(|t| t.id == raw_topic.id) {
                    self.report(
                        &at(&format!("{topic_key}.id")),
                        format!(
                            "topic `{}` is defined twice in dimension `{}`",
                            raw_topic.id, raw_dimension.id
                        ),
                        None,
                    );
                    continue;
                }
                let name = self.text(&raw_topic.name, &at(&format!("{topic_key}.name")));
                let mut topic_levels = Vec::new();
                for &number in &raw_topic.levels {
                    match level_number(number) {
                        Some(level) => topic_levels.push(level),
                        None => self.report(
                            &at(&format!("{topic_key}.levels")),
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
                &at("dimensions"),
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
}
