//! YAML parsing and writing: errors name the file, line and key, with a hint;
//! alias expansion is bounded.
//!
//! The parser is serde-saphyr (maintained, panic-free, with source positions).
//! Its errors are structured values: the line comes from the error's location and
//! the key from serde_path_to_error, never from scraping the message text.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::de::{self, DeserializeOwned, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_saphyr::{DefaultMessageFormatter, Error, MessageFormatter, Spanned};

use crate::diagnostic::Diagnostic;
use crate::suggest;

/// Where a parse error's hint sends the reader for the list of keys: the
/// documentation the author of that file has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Docs {
    /// Content packs and blueprints, written in a clone of levelup's source.
    Source,
    /// `levelup.yaml`, written by the user of the installed binary.
    ConfigSchema,
    /// Files levelup writes itself, such as the lock.
    Generated,
}

impl Docs {
    fn keys(self) -> &'static str {
        match self {
            Docs::Source => "content/README.md lists every key",
            Docs::ConfigSchema => "`levelup config schema` lists every key",
            Docs::Generated => "the file is written by levelup; restore it from git",
        }
    }
}

/// At most this many events replayed from aliases in one file. levelup's own
/// files use no aliases; a document that expands past this is an attack
/// (nested anchors, "billion laughs"), refused before it costs memory.
const MAX_REPLAYED_EVENTS: usize = 100_000;

fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.alias_limits.max_total_replayed_events = MAX_REPLAYED_EVENTS;
    // levelup prints its own `file:line: key: message`; no source snippet.
    options.with_snippet = false;
    options
}

/// Parses one YAML file, turning a syntax or shape error into a diagnostic.
/// `docs` is where the hint points for the keys allowed.
pub fn parse<T: DeserializeOwned>(file: PathBuf, text: &str, docs: Docs) -> Result<T, Diagnostic> {
    let first = match serde_saphyr::from_str_with_options(text, options()) {
        Ok(value) => return Ok(value),
        Err(error) => error,
    };
    // Tracking the path costs on every value, so it is done only to name the
    // key of an error: the same text read again gives the same error.
    let mut path = None;
    let tracked =
        serde_saphyr::with_deserializer_from_str_with_options(text, options(), |deserializer| {
            serde_path_to_error::deserialize::<_, T>(deserializer).map_err(|error| {
                path = Some(key_path(error.path()));
                error.into_inner()
            })
        });
    let error = tracked.err().unwrap_or(first);
    Err(diagnostic(
        file,
        &error,
        path.filter(|path| !path.is_empty()),
        docs,
    ))
}

/// Every document of a multi-document YAML text (empty ones skipped), with the
/// same bounds on alias expansion as [`parse`]; the error is the parser's message.
/// For files levelup only inspects, such as a repository's manifests. Booleans
/// are YAML 1.2's (`true`, `false`): a workflow's `on:` stays the key `on`.
pub fn parse_documents<T: DeserializeOwned>(text: &str) -> Result<Vec<T>, String> {
    let mut options = options();
    options.strict_booleans = true;
    serde_saphyr::from_multiple_with_options(text, options).map_err(|error| {
        let line = error
            .location()
            .map(|location| location.line())
            .filter(|line| *line > 0);
        let message = original(&error).to_string();
        let message = message.lines().next().unwrap_or_default().to_string();
        match line {
            Some(line) => format!("line {line}: {message}"),
            None => message,
        }
    })
}

/// `steps[0].needs[1]`: the path serde followed, without the `value` field
/// through which [`serde_saphyr::Spanned`] reaches its value (no file levelup
/// reads has a key of that name).
fn key_path(path: &serde_path_to_error::Path) -> String {
    let mut key = String::new();
    for segment in path.iter() {
        match segment {
            serde_path_to_error::Segment::Seq { index } => key.push_str(&format!("[{index}]")),
            serde_path_to_error::Segment::Map { key: name } if name == "value" => {}
            other => {
                if !key.is_empty() {
                    key.push('.');
                }
                key.push_str(&other.to_string());
            }
        }
    }
    key
}

/// The original error under the wrappers that only add locations or snippets.
fn original(mut error: &Error) -> &Error {
    while let Error::AliasError { error: inner, .. } | Error::WithSnippet { error: inner, .. } =
        error
    {
        error = inner;
    }
    error
}

fn diagnostic(file: PathBuf, error: &Error, key: Option<String>, docs: Docs) -> Diagnostic {
    let line = error
        .location()
        .map(|location| location.line())
        .filter(|line| *line > 0)
        .and_then(|line| usize::try_from(line).ok());
    let mut key = key;
    let (message, hint) = match original(error) {
        Error::SerdeUnknownField {
            field, expected, ..
        } => {
            // The path ends at the unknown key itself; name the map that holds it.
            key = key.and_then(|key| {
                let parent = key.strip_suffix(field.as_str())?;
                let parent = parent.strip_suffix('.').unwrap_or(parent);
                Some(parent.to_string()).filter(|parent| !parent.is_empty())
            });
            (
                format!("unknown field `{field}`, {}", expected_list(expected)),
                Some(nearest_hint(field, expected, "keys")),
            )
        }
        Error::SerdeUnknownVariant {
            variant, expected, ..
        } => (
            format!("unknown variant `{variant}`, {}", expected_list(expected)),
            Some(nearest_hint(variant, expected, "values")),
        ),
        Error::SerdeMissingField { field, .. } => (
            format!("missing field `{field}`"),
            Some(format!("add `{field}`; {}", docs.keys())),
        ),
        Error::AliasReplayLimitExceeded { .. }
        | Error::AliasExpansionLimitExceeded { .. }
        | Error::AliasReplayStackDepthExceeded { .. }
        | Error::AliasReplayCounterOverflow { .. }
        | Error::Budget { .. } => (
            "the document expands YAML aliases beyond levelup's limits".to_string(),
            Some(
                "write the values out instead of nesting anchors (`&`) and aliases (`*`)"
                    .to_string(),
            ),
        ),
        // The YAML itself is broken: there is no key to name yet.
        inner @ (Error::ExternalMessage { .. }
        | Error::Eof { .. }
        | Error::MultipleDocuments { .. }
        | Error::IndentationError { .. }
        | Error::UnknownAnchor { .. }
        | Error::FoldedBlockScalarMustIndentContent { .. }
        | Error::ContainerEndMismatch { .. }) => {
            key = None;
            (message_of(inner), Some(SYNTAX_HINT.to_string()))
        }
        // A value of the wrong shape, or one a type refused.
        inner => (message_of(inner), Some(docs.keys().to_string())),
    };
    Diagnostic {
        file,
        line,
        key,
        message,
        hint,
    }
}

/// The parser's own message, without its location (levelup shows `file:line`)
/// and with control characters escaped.
fn message_of(error: &Error) -> String {
    DefaultMessageFormatter
        .format_message(error)
        .escape_debug()
        .to_string()
}

const SYNTAX_HINT: &str = "this is not valid YAML: check the indentation, and quote values that contain `: ` or start with `[`, `{`, `*`, `&` or `#`";

/// serde's wording: "expected `a`", "expected `a` or `b`", "expected one of `a`, `b`, `c`".
fn expected_list(expected: &[&str]) -> String {
    match expected {
        [] => "there are none".to_string(),
        [one] => format!("expected `{one}`"),
        [one, two] => format!("expected `{one}` or `{two}`"),
        many => format!("expected one of {}", quoted_list(many.iter().copied())),
    }
}

/// "did you mean" the nearest of `expected`, or the whole list.
fn nearest_hint(input: &str, expected: &[&str], what: &str) -> String {
    match suggest::nearest(input, expected.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!(
            "the {what} allowed here are {}",
            quoted_list(expected.iter().copied())
        ),
    }
}

/// `value` as YAML text. Serializing the plain maps, strings and numbers of
/// levelup's documents does not fail; an error is passed on all the same.
pub fn to_string<T: Serialize>(value: &T) -> Result<String, serde_saphyr::SerializeError> {
    serde_saphyr::to_string(value)
}

/// The line of every value in a YAML document, by its key path (`steps[3].needs[1]`),
/// read by the parser: how a problem found after parsing names its line.
///
/// Reading them costs a second parse, so callers read them only for a file
/// that has a problem.
#[derive(Debug, Default)]
pub struct Positions(BTreeMap<String, usize>);

impl Positions {
    /// The positions in `text`; none if it does not parse.
    pub fn read(text: &str) -> Positions {
        let mut lines = BTreeMap::new();
        if let Ok(root) = serde_saphyr::from_str_with_options::<Spanned<Node>>(text, options()) {
            collect(String::new(), &root, &mut lines);
        }
        Positions(lines)
    }

    /// The line of the value at `key`, or of the nearest value that holds it.
    pub fn line(&self, key: &str) -> Option<usize> {
        let mut key = key;
        loop {
            if let Some(line) = self.0.get(key) {
                return Some(*line);
            }
            key = parent(key)?;
        }
    }
}

/// `a.b[2]` → `a.b` → `a`; none above the root.
fn parent(key: &str) -> Option<&str> {
    let cut = if key.ends_with(']') {
        key.rfind('[')?
    } else {
        key.rfind('.')?
    };
    Some(&key[..cut])
}

/// Any YAML value, with the position of each value inside it.
enum Node {
    Map(Vec<(String, Spanned<Node>)>),
    Seq(Vec<Spanned<Node>>),
    Scalar,
}

fn collect(key: String, node: &Spanned<Node>, lines: &mut BTreeMap<String, usize>) {
    if let Some(line) = usize::try_from(node.referenced.line())
        .ok()
        .filter(|line| *line > 0)
    {
        lines.insert(key.clone(), line);
    }
    match &node.value {
        Node::Map(entries) => {
            for (name, value) in entries {
                let child = if key.is_empty() {
                    name.clone()
                } else {
                    format!("{key}.{name}")
                };
                collect(child, value, lines);
            }
        }
        Node::Seq(items) => {
            for (index, item) in items.iter().enumerate() {
                collect(format!("{key}[{index}]"), item, lines);
            }
        }
        Node::Scalar => {}
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Node, D::Error> {
        struct NodeVisitor;

        impl<'de> Visitor<'de> for NodeVisitor {
            type Value = Node;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any YAML value")
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Node, E> {
                Ok(Node::Scalar)
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Node, E> {
                Ok(Node::Scalar)
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<Node, E> {
                Ok(Node::Scalar)
            }

            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Scalar)
            }

            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Scalar)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element::<Spanned<Node>>()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut entries = Vec::new();
                while let Some(name) = map.next_key::<KeyName>()? {
                    entries.push((name.0, map.next_value::<Spanned<Node>>()?));
                }
                Ok(Node::Map(entries))
            }
        }

        deserializer.deserialize_any(NodeVisitor)
    }
}

/// A map key as text, whatever scalar it is written as.
struct KeyName(String);

impl<'de> Deserialize<'de> for KeyName {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<KeyName, D::Error> {
        struct KeyVisitor;

        impl Visitor<'_> for KeyVisitor {
            type Value = KeyName;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a scalar key")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<KeyName, E> {
                Ok(KeyName(text.to_string()))
            }

            fn visit_bool<E: de::Error>(self, value: bool) -> Result<KeyName, E> {
                Ok(KeyName(value.to_string()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<KeyName, E> {
                Ok(KeyName(value.to_string()))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<KeyName, E> {
                Ok(KeyName(value.to_string()))
            }

            fn visit_f64<E: de::Error>(self, value: f64) -> Result<KeyName, E> {
                Ok(KeyName(value.to_string()))
            }

            fn visit_unit<E: de::Error>(self) -> Result<KeyName, E> {
                Ok(KeyName("null".to_string()))
            }
        }

        deserializer.deserialize_any(KeyVisitor)
    }
}

/// `a`, `b`, `c` — items in backticks, separated by commas.
pub fn quoted_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    items
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `value` as a YAML scalar: plain when that reads back as the same string,
/// double-quoted (with JSON escapes, which YAML accepts) otherwise.
pub fn scalar(value: &str) -> String {
    if is_plain_safe(value) {
        value.to_string()
    } else {
        serde_json::Value::String(value.to_string()).to_string()
    }
}

/// Whether `value` written plain parses back as the same string in YAML 1.1 and 1.2.
fn is_plain_safe(value: &str) -> bool {
    const RESERVED: &[&str] = &[
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~",
    ];
    let Some(first) = value.chars().next() else {
        return false;
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || "._/@+=:-".contains(c);
    let looks_numeric = value.parse::<f64>().is_ok()
        || value.starts_with("0x")
        || value.starts_with("0o")
        || value
            .chars()
            .all(|c| c.is_ascii_digit() || c == '_' || c == ':' || c == '.');
    // A leading digit can read as a number, a date or a time in YAML 1.1
    // (`0b11`, `2024-01-01`, `1:30`): such values are always quoted.
    (first.is_ascii_alphabetic() || first == '/' || first == '.' || first == '_')
        && value.chars().all(allowed)
        && !value.ends_with(':')
        && !value.contains(": ")
        && !looks_numeric
        && !RESERVED.contains(&value.to_ascii_lowercase().as_str())
        && !value.eq_ignore_ascii_case(".inf")
        && !value.eq_ignore_ascii_case(".nan")
}

/// A "billion laughs" document: nine levels of ten aliases each, 10⁹ strings
/// once expanded. For tests of the alias limits.
#[cfg(test)]
pub(crate) fn billion_laughs(key: &str) -> String {
    let mut text = String::from("a0: &a0 \"lol\"\n");
    for level in 1..=9 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    text.push_str(&format!("{key}: *a9\n"));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_name_the_line_of_every_value() {
        let text = "name: a\nitems:\n  - needs: [x, y]\n    level: 1\n  - level: 2\n    needs:\n      - z\n      - w\n";
        let positions = Positions::read(text);
        assert_eq!(positions.line("name"), Some(1));
        assert_eq!(positions.line("items[0].needs[1]"), Some(3));
        assert_eq!(positions.line("items[1].level"), Some(5));
        assert_eq!(positions.line("items[1].needs[1]"), Some(8));
        // A key without a value of its own falls back to the value that holds it.
        assert_eq!(
            positions.line("items[1].needs[7]"),
            positions.line("items[1].needs")
        );
        assert_eq!(positions.line("items[1].evidence"), Some(5));
        assert_eq!(positions.line("nothing"), None);
        assert_eq!(Positions::read("a: [").line("a"), None);
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        #[serde(default)]
        items: Vec<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        needs: Vec<String>,
        level: u8,
    }

    fn error(text: &str) -> Diagnostic {
        parse::<Outer>(PathBuf::from("f.yaml"), text, Docs::Source).expect_err("invalid")
    }

    #[test]
    fn an_unknown_key_names_its_line_and_path_and_the_key_meant() {
        let found =
            error("name: a\nitems:\n  - needs: []\n    level: 1\n  - level: 2\n    neds: []\n");
        assert_eq!(found.line, Some(6));
        assert_eq!(found.key.as_deref(), Some("items[1]"));
        assert_eq!(
            found.message,
            "unknown field `neds`, expected `needs` or `level`"
        );
        assert_eq!(found.hint.as_deref(), Some("did you mean `needs`?"));
        let found = error("name: a\nzzzzzz: 1\n");
        assert_eq!(found.line, Some(2));
        assert_eq!(found.key, None);
        assert_eq!(
            found.hint.as_deref(),
            Some("the keys allowed here are `name`, `items`")
        );
    }

    #[test]
    fn a_missing_key_points_to_the_documentation_of_the_file() {
        let text = "name: a\nitems:\n  - needs: []\n";
        assert_eq!(error(text).message, "missing field `level`");
        assert_eq!(
            error(text).hint.as_deref(),
            Some("add `level`; content/README.md lists every key")
        );
        let found = parse::<Outer>(PathBuf::from("levelup.yaml"), text, Docs::ConfigSchema)
            .expect_err("invalid");
        assert_eq!(
            found.hint.as_deref(),
            Some("add `level`; `levelup config schema` lists every key")
        );
    }

    #[test]
    fn a_wrong_type_names_its_line_and_key() {
        let found = error("name: a\nitems:\n  - needs: []\n    level: high\n");
        assert_eq!(found.line, Some(4));
        assert_eq!(found.key.as_deref(), Some("items[0].level"));
        assert!(found.message.starts_with("invalid"), "{}", found.message);
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let found = error("name: a\nitems: [\n  - x: y: z\n");
        assert!(found.line.is_some());
        assert_eq!(found.hint.as_deref(), Some(SYNTAX_HINT));
    }

    #[test]
    fn nested_aliases_are_refused_quickly() {
        let started = std::time::Instant::now();
        let found = parse::<serde_json::Value>(
            PathBuf::from("f.yaml"),
            &billion_laughs("name"),
            Docs::Source,
        )
        .expect_err("refused");
        assert_eq!(
            found.message,
            "the document expands YAML aliases beyond levelup's limits"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn plain_when_safe() {
        assert_eq!(scalar("podinfo"), "podinfo");
        assert_eq!(scalar("ghcr.io/acme/shop:1.2.0"), "ghcr.io/acme/shop:1.2.0");
    }

    #[test]
    fn quoted_when_plain_would_change_the_value() {
        for value in [
            "",
            "a: b",
            "# comment",
            "it's",
            "say \"hi\"",
            "*alias",
            "&anchor",
            "!tag",
            "- item",
            "two\nlines",
            "true",
            "No",
            "null",
            "~",
            "0755",
            "1.5",
            "12:30",
            "trailing:",
            " padded",
            "[list]",
            "{map}",
            "a #b",
            "%directive",
            "@at",
            "`tick`",
            "0x1F",
            ".inf",
            "0b11",
            "2024-01-01",
            "1e3",
            "1_000",
        ] {
            let written = scalar(value);
            let read: String = serde_saphyr::from_str(&format!("key: {written}\n"))
                .map(|map: std::collections::BTreeMap<String, String>| map["key"].clone())
                .unwrap_or_else(|error| panic!("`{value}` written as `{written}`: {error}"));
            assert_eq!(read, value, "written as `{written}`");
        }
    }
}
