//! YAML parsing whose errors name the file, line and key, with a hint.

use std::path::PathBuf;

use serde::de::DeserializeOwned;

use crate::diagnostic::Diagnostic;
use crate::suggest;

/// Parses one YAML file, turning a syntax or shape error into a diagnostic.
pub fn parse<T: DeserializeOwned>(file: PathBuf, text: &str) -> Result<T, Diagnostic> {
    serde_yaml_ng::from_str(text).map_err(|error| {
        let line = error.location().map(|location| location.line());
        let message = error.to_string();
        // The location is shown as `file:line`; drop serde's own " at line N column M".
        let message = match message.find(" at line ") {
            Some(position) => message[..position].to_string(),
            None => message,
        };
        let (key, message) = match message.split_once(": ") {
            Some((key, rest)) if !key.contains(' ') => (Some(key.to_string()), rest.to_string()),
            _ => (None, message),
        };
        let hint = unknown_field_hint(&message).or_else(|| parse_hint(&message, key.is_some()));
        Diagnostic {
            file,
            line,
            key,
            message,
            hint,
        }
    })
}

/// A hint for the other shapes of parse error.
pub fn parse_hint(message: &str, has_key: bool) -> Option<String> {
    if let Some(rest) = message.strip_prefix("missing field `") {
        let field = rest.split('`').next().unwrap_or_default();
        return Some(format!("add `{field}`; content/README.md lists every key"));
    }
    if !has_key {
        return Some(
            "this is not valid YAML: check the indentation, and quote values that contain `: ` or start with `[`, `{`, `*`, `&` or `#`"
                .to_string(),
        );
    }
    None
}

/// For serde's "unknown field `x`, expected one of ..." the nearest expected field.
pub fn unknown_field_hint(message: &str) -> Option<String> {
    let (rest, what) = match message.strip_prefix("unknown field `") {
        Some(rest) => (rest, "keys"),
        None => (message.strip_prefix("unknown variant `")?, "values"),
    };
    let (field, expected) = rest.split_once("`, expected ")?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    Some(match suggest::nearest(field, candidates.iter().copied()) {
        Some(near) => format!("did you mean `{near}`?"),
        None => format!(
            "the {what} allowed here are {}",
            quoted_list(candidates.iter().copied())
        ),
    })
}

/// A line with a leading `- ` (a YAML list item) removed, and surrounding blanks.
pub fn strip_item(line: &str) -> &str {
    let line = line.trim();
    line.strip_prefix("- ").map_or(line, str::trim_start)
}

/// The first line number in `from..to` (1-based) whose text satisfies `matches`.
pub fn find_line(
    text: &str,
    from: usize,
    to: usize,
    matches: impl Fn(&str) -> bool,
) -> Option<usize> {
    text.lines()
        .enumerate()
        .map(|(index, line)| (index + 1, line))
        .skip(from.saturating_sub(1))
        .take_while(|(number, _)| *number < to)
        .find(|(_, line)| matches(line))
        .map(|(number, _)| number)
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

#[cfg(test)]
mod tests {
    use super::*;

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
            let read: String = serde_yaml_ng::from_str(&format!("key: {written}\n"))
                .map(|map: std::collections::BTreeMap<String, String>| map["key"].clone())
                .unwrap_or_else(|error| panic!("`{value}` written as `{written}`: {error}"));
            assert_eq!(read, value, "written as `{written}`");
        }
    }
}
