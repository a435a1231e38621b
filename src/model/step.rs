//! A step of the roadmap: one concrete, checkable action at one level.

use super::{DimensionIndex, Level, Text};

/// A step's stable identifier, `<dimension>.<topic>.<name>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct StepId(String);

impl StepId {
    pub fn new(id: impl Into<String>) -> StepId {
        StepId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for StepId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: StepId,
    pub level: Level,
    pub dimension: DimensionIndex,
    /// Position of the topic within its dimension's topics.
    pub topic: usize,
    pub title: Text,
    pub summary: Text,
    pub done_when: Vec<Text>,
    pub needs: Vec<StepId>,
    pub blueprints: Vec<String>,
    /// Why no blueprint can write the files that show the step (a step with
    /// repository evidence names a blueprint or says this).
    pub no_blueprint: Option<Text>,
    pub evidence: Vec<EvidenceRule>,
}

impl Step {
    /// Whether only a person can check the step: every rule is `manual`.
    pub fn is_manual(&self) -> bool {
        self.evidence
            .iter()
            .all(|rule| matches!(rule, EvidenceRule::Manual(_)))
    }
}

/// What in a repository shows that a step is done. A step's rules must all hold.
/// The YAML shapes are in content/README.md; `crate::evidence` evaluates them.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EvidenceRule {
    /// A file matching the glob exists.
    Path(String),
    /// A YAML document declares this kind and apiVersion, and has every field
    /// check (none: any such document will do).
    Kind {
        kind: String,
        api_version: String,
        fields: Vec<FieldCheck>,
    },
    /// A GitHub Actions workflow matches the regular expression.
    Workflow(String),
    /// A job step of a GitHub Actions workflow runs a script matching `run` and/or
    /// uses the action `uses` (at least one is set; both must hold on one step).
    WorkflowStep {
        run: Option<String>,
        uses: Option<String>,
    },
    /// Admission policies of `engine` (any engine when `None`) exist and are in
    /// `mode`: all of them, or with `every: false` at least one.
    PolicyMode {
        engine: Option<PolicyEngineName>,
        mode: PolicyMode,
        every: bool,
    },
    /// An object of this kind (and apiVersion, when given) is reachable from an
    /// entry point: a folder or file matching the glob `from`.
    Wired {
        from: String,
        kind: String,
        api_version: Option<String>,
    },
    /// At least one of the rules holds.
    AnyOf(Vec<EvidenceRule>),
    /// Nothing in a repository can show it; a person checks what the text says.
    Manual(String),
}

/// One field a document must have: `spec.prune: true`, `spec.dependsOn: present`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FieldCheck {
    pub path: FieldPath,
    pub expect: Expectation,
}

/// What a field check asks of the value(s) at its path.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expectation {
    /// The field exists (with any value, even `null`).
    Present,
    /// The field does not exist.
    Absent,
    /// The field has this value (numbers compare by value, `1` equals `1.0`).
    Equals(serde_json::Value),
}

/// A path into a document: keys separated by `.`, `[N]` for the N-th element of
/// a list, `[*]` for any element, and `["a.b/c"]` for a key holding dots.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(into = "String")]
pub struct FieldPath {
    text: String,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
    AnyElement,
}

impl From<FieldPath> for String {
    fn from(path: FieldPath) -> String {
        path.text
    }
}

impl FieldPath {
    /// Parses `spec.template.spec.containers[*].image`; the error says what is wrong.
    pub fn parse(text: &str) -> Result<FieldPath, String> {
        let mut segments = Vec::new();
        let mut rest = text;
        let mut expect_key = true;
        while !rest.is_empty() {
            if let Some(inside) = rest.strip_prefix('[') {
                let Some(end) = inside.find(']') else {
                    return Err("a `[` is not closed".to_string());
                };
                let index = &inside[..end];
                let quoted = index.len() >= 2 && index.starts_with('"') && index.ends_with('"');
                segments.push(if index == "*" {
                    Segment::AnyElement
                } else if quoted {
                    Segment::Key(index[1..index.len() - 1].to_string())
                } else {
                    Segment::Index(index.parse().map_err(|_| {
                        format!("`[{index}]` is neither an index, `[*]` nor a quoted key")
                    })?)
                });
                rest = &inside[end + 1..];
                expect_key = false;
                continue;
            }
            if !expect_key {
                let Some(after) = rest.strip_prefix('.') else {
                    return Err(format!("expected `.` or `[` before `{rest}`"));
                };
                rest = after;
            }
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return Err("a key is empty".to_string());
            }
            segments.push(Segment::Key(rest[..end].to_string()));
            rest = &rest[end..];
            expect_key = false;
            if rest.starts_with('.') && rest.len() == 1 {
                return Err("the path ends with `.`".to_string());
            }
        }
        if segments.is_empty() {
            return Err("the path is empty".to_string());
        }
        Ok(FieldPath {
            text: text.to_string(),
            segments,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }
}

impl std::fmt::Display for FieldPath {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// The admission policy engines a `policy_mode` rule can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyEngineName {
    Kyverno,
    Gatekeeper,
    Vap,
}

impl PolicyEngineName {
    pub const ALL: [PolicyEngineName; 3] = [
        PolicyEngineName::Kyverno,
        PolicyEngineName::Gatekeeper,
        PolicyEngineName::Vap,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyEngineName::Kyverno => "kyverno",
            PolicyEngineName::Gatekeeper => "gatekeeper",
            PolicyEngineName::Vap => "vap",
        }
    }
}

/// What a policy does with a violation, ordered from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyMode {
    /// Recorded only (Kyverno `Audit`, Gatekeeper `dryrun`, VAP `Audit`).
    Audit,
    /// Admitted with a warning (Kyverno and VAP `Warn`, Gatekeeper `warn`).
    Warn,
    /// Refused (Kyverno `Enforce`/`Deny`, Gatekeeper `deny`, VAP `Deny`).
    Enforce,
}

impl PolicyMode {
    pub const ALL: [PolicyMode; 3] = [PolicyMode::Audit, PolicyMode::Warn, PolicyMode::Enforce];

    pub fn as_str(self) -> &'static str {
        match self {
            PolicyMode::Audit => "audit",
            PolicyMode::Warn => "warn",
            PolicyMode::Enforce => "enforce",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_parse_keys_indexes_and_quoted_keys() {
        let path = FieldPath::parse(r#"metadata.annotations["fluxcd.io/x"].a[2][*]"#).unwrap();
        assert_eq!(
            path.segments(),
            [
                Segment::Key("metadata".into()),
                Segment::Key("annotations".into()),
                Segment::Key("fluxcd.io/x".into()),
                Segment::Key("a".into()),
                Segment::Index(2),
                Segment::AnyElement,
            ]
        );
        assert_eq!(
            FieldPath::parse("spec.prune").unwrap().segments(),
            [Segment::Key("spec".into()), Segment::Key("prune".into())]
        );
    }

    #[test]
    fn broken_field_paths_say_why() {
        for (text, reason) in [
            ("", "the path is empty"),
            ("spec..prune", "a key is empty"),
            ("spec.", "the path ends with `.`"),
            (
                "spec[x]",
                "`[x]` is neither an index, `[*]` nor a quoted key",
            ),
            ("spec[0", "a `[` is not closed"),
            ("spec[0]prune", "expected `.` or `[` before `prune`"),
        ] {
            assert_eq!(FieldPath::parse(text).unwrap_err(), reason, "{text}");
        }
    }
}
