//! The YAML shapes of a content pack, exactly as written; validated by the loader.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use serde_saphyr::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPack {
    pub format: u32,
    pub model: RawModel,
    pub default_language: String,
    pub languages: Vec<String>,
    pub levels: Vec<RawLevel>,
    pub dimensions: Vec<RawDimension>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub name: String,
    pub version: String,
    #[serde(default)]
    pub source: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLevel {
    pub number: i64,
    pub id: String,
    pub name: RawText,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub title: RawText,
    pub description: RawText,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDimension {
    pub id: String,
    pub name: RawText,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub topics: Vec<RawTopic>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTopic {
    pub id: String,
    pub name: RawText,
    #[serde(default)]
    pub headings: Vec<String>,
    pub levels: Vec<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStepFile {
    /// Each step with its position: where it starts in the file.
    pub steps: Vec<Spanned<RawStep>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStep {
    pub id: String,
    pub level: i64,
    pub dimension: String,
    pub topic: String,
    pub title: RawText,
    pub summary: RawText,
    pub done_when: Vec<RawText>,
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub blueprints: Vec<String>,
    #[serde(default)]
    pub no_blueprint: Option<RawText>,
    pub evidence: Vec<RawEvidence>,
}

/// One evidence rule: exactly one of the fields is set (`api_version` and
/// `fields` go with `kind`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvidence {
    pub path: Option<String>,
    pub kind: Option<String>,
    pub api_version: Option<String>,
    pub fields: Option<BTreeMap<String, serde_json::Value>>,
    pub workflow: Option<String>,
    pub workflow_step: Option<RawWorkflowStep>,
    pub policy_mode: Option<RawPolicyMode>,
    pub wired: Option<RawWired>,
    pub any_of: Option<Vec<RawEvidence>>,
    pub manual: Option<String>,
}

/// `workflow_step: {run: REGEX, uses: ACTION}`: at least one of them.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkflowStep {
    pub run: Option<String>,
    pub uses: Option<String>,
}

/// `policy_mode: {engine: kyverno, mode: enforce, every: true}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPolicyMode {
    pub engine: Option<String>,
    pub mode: String,
    pub every: Option<bool>,
}

/// `wired: {from: "clusters/*/", kind: Kustomization, api_version: ...}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWired {
    pub from: String,
    pub kind: String,
    pub api_version: Option<String>,
}

/// A localized text: a plain string in the default language, or a language map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RawText {
    Plain(String),
    Translated(BTreeMap<String, String>),
}

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<RawText, D::Error> {
        struct TextVisitor;

        impl<'de> Visitor<'de> for TextVisitor {
            type Value = RawText;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string, or a map from language code to string")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<RawText, E> {
                Ok(RawText::Plain(text.to_string()))
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<RawText, M::Error> {
                let mut texts = BTreeMap::new();
                while let Some((language, text)) = map.next_entry::<String, String>()? {
                    if texts.insert(language.clone(), text).is_some() {
                        return Err(de::Error::custom(format!(
                            "language `{language}` appears twice"
                        )));
                    }
                }
                Ok(RawText::Translated(texts))
            }
        }

        deserializer.deserialize_any(TextVisitor)
    }
}
