//! One problem found in an input file (a content pack, `levelup.yaml`, a blueprint),
//! located as precisely as the source allows.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// 1-based line, when the problem can be pinned to one.
    pub line: Option<usize>,
    /// The key in the file, such as `steps[3].needs[0]`.
    pub key: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": `{key}`")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// "1 problem" or "N problems", for the summary line of an invalid input.
pub fn problem_count(diagnostics: &[Diagnostic]) -> String {
    match diagnostics.len() {
        1 => "1 problem".to_string(),
        n => format!("{n} problems"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_file_line_key_and_hint() {
        let diagnostic = Diagnostic {
            file: PathBuf::from("content/steps/a.yaml"),
            line: Some(7),
            key: Some("steps[0].needs[1]".to_string()),
            message: "unknown step `x`".to_string(),
            hint: Some("did you mean `y`?".to_string()),
        };
        assert_eq!(
            diagnostic.to_string(),
            "content/steps/a.yaml:7: `steps[0].needs[1]`: unknown step `x`\n  hint: did you mean `y`?"
        );
    }
}
