//! Localized texts: every string a person reads, in the pack's languages.

use std::collections::BTreeMap;

/// A language code of a content pack, such as `en` or `de`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Language(String);

impl Language {
    pub fn new(code: impl Into<String>) -> Language {
        Language(code.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A text in the pack's default language, with optional translations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text {
    default: String,
    translations: BTreeMap<Language, String>,
}

impl Text {
    pub fn new(default: impl Into<String>, translations: BTreeMap<Language, String>) -> Text {
        Text {
            default: default.into(),
            translations,
        }
    }

    /// The text in `language`, falling back to the default language.
    pub fn get(&self, language: &Language) -> &str {
        self.translations
            .get(language)
            .map_or(self.default.as_str(), String::as_str)
    }

    /// The text in the pack's default language.
    pub fn default_text(&self) -> &str {
        &self.default
    }

    /// The default text and every translation.
    pub fn all(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.default.as_str()).chain(self.translations.values().map(String::as_str))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn falls_back_to_the_default_language() {
        let text = Text::new(
            "Build",
            BTreeMap::from([(Language::new("de"), "Aufbau".to_string())]),
        );
        assert_eq!(text.get(&Language::new("de")), "Aufbau");
        assert_eq!(text.get(&Language::new("zh")), "Build");
        assert_eq!(text.all().collect::<Vec<_>>(), ["Build", "Aufbau"]);
    }
}
