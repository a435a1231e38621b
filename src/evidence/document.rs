//! One YAML document of a repository file, as a JSON value, and field lookup in it.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::model::Segment;

/// A document of a YAML file: its position among the file's documents (1-based)
/// and its value.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    pub number: usize,
    pub value: Value,
}

impl Document {
    pub fn kind(&self) -> Option<&str> {
        self.value.get("kind").and_then(Value::as_str)
    }

    pub fn api_version(&self) -> Option<&str> {
        self.value.get("apiVersion").and_then(Value::as_str)
    }

    /// The group of the apiVersion (`kustomize.toolkit.fluxcd.io`), empty for the core group.
    pub fn group(&self) -> Option<&str> {
        self.api_version()
            .map(|api| api.rsplit_once('/').map_or("", |(group, _)| group))
    }

    pub fn name(&self) -> Option<&str> {
        self.value
            .get("metadata")
            .and_then(|metadata| metadata.get("name"))
            .and_then(Value::as_str)
    }

    /// `Kustomization \`apps\``, for reasons.
    pub fn describe(&self) -> String {
        let kind = self.kind().unwrap_or("an object");
        match self.name() {
            Some(name) => format!("{kind} `{name}`"),
            None => kind.to_string(),
        }
    }
}

/// The values at `segments` in `value`: none when the path does not exist,
/// several when it goes through `[*]`.
pub(super) fn lookup<'a>(value: &'a Value, segments: &[Segment]) -> Vec<&'a Value> {
    let Some((first, rest)) = segments.split_first() else {
        return vec![value];
    };
    match (first, value) {
        (Segment::Key(key), Value::Object(map)) => map
            .get(key)
            .map(|inner| lookup(inner, rest))
            .unwrap_or_default(),
        (Segment::Index(index), Value::Array(items)) => items
            .get(*index)
            .map(|inner| lookup(inner, rest))
            .unwrap_or_default(),
        (Segment::AnyElement, Value::Array(items)) => {
            items.iter().flat_map(|inner| lookup(inner, rest)).collect()
        }
        _ => Vec::new(),
    }
}

/// Equality as YAML means it: numbers by value (`1` is `1.0`), the rest exactly.
pub(super) fn same(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(a, b)| same(a, b))
        }
        (Value::Object(a), Value::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .all(|(key, value)| b.get(key).is_some_and(|other| same(value, other)))
        }
        _ => left == right,
    }
}

/// A value for a reason: `true`, `"Audit"`, `[Deny]`, cut short when long.
pub(super) fn show(value: &Value) -> String {
    let text = match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// Any YAML value as JSON. Unlike `serde_json::Value`'s own deserializer it
/// accepts keys that are not strings (`1: a`, `true: b`), writing them as text.
pub(super) struct YamlValue(pub Value);

impl<'de> Deserialize<'de> for YamlValue {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<YamlValue, D::Error> {
        deserializer.deserialize_any(ValueVisitor).map(YamlValue)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        // NaN and infinities have no JSON number; keep them as text.
        Ok(Number::from_f64(value).map_or_else(|| Value::String(value.to_string()), Value::Number))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_string()))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(YamlValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Map::new();
        while let Some((YamlValue(key), YamlValue(value))) = map.next_entry()? {
            let key = match key {
                Value::String(text) => text,
                other => other.to_string(),
            };
            entries.insert(key, value);
        }
        Ok(Value::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FieldPath;

    fn parse(text: &str) -> Value {
        let documents: Vec<YamlValue> = crate::yaml::parse_documents(text).expect("parses");
        documents.into_iter().next().expect("a document").0
    }

    #[test]
    fn keys_that_are_not_strings_become_text() {
        let value = parse("1: one\ntrue: two\non: push\nflag: yes\n");
        assert_eq!(value["1"], "one");
        assert_eq!(value["true"], "two");
        assert_eq!(value["flag"], "yes");
        // YAML 1.2: `on` is a string, as GitHub reads a workflow's trigger.
        assert_eq!(value["on"], "push");
    }

    #[test]
    fn lookup_follows_keys_indexes_and_any_element() {
        let value = parse("spec:\n  containers:\n    - {name: a, image: x}\n    - {name: b}\n");
        let path = |text: &str| FieldPath::parse(text).expect("path");
        let names: Vec<&Value> = lookup(&value, path("spec.containers[*].name").segments());
        assert_eq!(names, [&Value::from("a"), &Value::from("b")]);
        assert_eq!(
            lookup(&value, path("spec.containers[1].name").segments()),
            [&Value::from("b")]
        );
        assert!(lookup(&value, path("spec.containers[2].name").segments()).is_empty());
        assert!(lookup(&value, path("spec.containers.name").segments()).is_empty());
        assert_eq!(
            lookup(&value, path("spec.containers[*].image").segments()).len(),
            1
        );
    }

    #[test]
    fn numbers_compare_by_value() {
        assert!(same(&serde_json::json!(1), &serde_json::json!(1.0)));
        assert!(same(
            &serde_json::json!({"a": [1, "x"]}),
            &serde_json::json!({"a": [1.0, "x"]})
        ));
        assert!(!same(&serde_json::json!("1"), &serde_json::json!(1)));
    }
}
