//! Checks the shape of a step's evidence rules: exactly one kind per rule, valid
//! globs, regular expressions and field paths, known policy engines and modes,
//! `any_of` alternatives, and `manual` standing alone. Whether a repository
//! satisfies them is `crate::evidence`'s question.

use super::loader::{Checker, Origin, suggestion};
use super::raw::RawEvidence;
use crate::model::{
    EvidenceRule, Expectation, FieldCheck, FieldPath, PolicyEngineName, PolicyMode,
};

impl Checker<'_> {
    pub(super) fn evidence_rules(
        &mut self,
        raw: &[RawEvidence],
        origin: &Origin,
    ) -> Vec<EvidenceRule> {
        if raw.is_empty() {
            self.report_step(
                origin,
                "evidence",
                "the step has no evidence rule".to_string(),
                "add a `path`, `kind`, `workflow`, `workflow_step`, `policy_mode`, `wired` or `any_of` rule, or one `manual` rule saying what a person checks".to_string(),
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

    pub(super) fn evidence(
        &mut self,
        raw: &RawEvidence,
        origin: &Origin,
        key: &str,
        nested: bool,
    ) -> Option<EvidenceRule> {
        if raw.fields.is_some() && raw.kind.is_none() {
            self.report_step(
                origin,
                &format!("{key}.fields"),
                "`fields` belongs to a `kind` rule".to_string(),
                "add `kind` and `api_version` to say which documents must have these fields"
                    .to_string(),
            );
            return None;
        }
        let set = [
            raw.path.is_some(),
            raw.kind.is_some(),
            raw.workflow.is_some(),
            raw.workflow_step.is_some(),
            raw.policy_mode.is_some(),
            raw.wired.is_some(),
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
                    "an evidence rule sets {set} of `path`, `kind`, `workflow`, `workflow_step`, `policy_mode`, `wired`, `any_of`, `manual`"
                ),
                "set exactly one of them (`api_version` and `fields` go with `kind`)".to_string(),
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
            return self
                .glob(path, origin, key)
                .then(|| EvidenceRule::Path(path.clone()));
        }
        if let (Some(kind), Some(api_version)) = (&raw.kind, &raw.api_version) {
            let mut fields = Vec::new();
            let mut valid = true;
            for (name, value) in raw.fields.iter().flatten() {
                let field_key = format!("{key}.fields.{name}");
                match FieldPath::parse(name) {
                    Ok(path) => fields.push(FieldCheck {
                        path,
                        expect: expectation(value),
                    }),
                    Err(reason) => {
                        self.report_step(
                            origin,
                            &field_key,
                            format!("invalid field path `{name}`: {reason}"),
                            "write keys separated by `.`, with `[0]` or `[*]` for list elements and `[\"a.b/c\"]` for a key holding dots"
                                .to_string(),
                        );
                        valid = false;
                    }
                }
            }
            return valid.then(|| EvidenceRule::Kind {
                kind: kind.clone(),
                api_version: api_version.clone(),
                fields,
            });
        }
        if let Some(pattern) = &raw.workflow {
            return self
                .regex(pattern, origin, key)
                .then(|| EvidenceRule::Workflow(pattern.clone()));
        }
        if let Some(step) = &raw.workflow_step {
            let key = format!("{key}.workflow_step");
            if step.run.is_none() && step.uses.is_none() {
                self.report_step(
                    origin,
                    &key,
                    "a `workflow_step` rule names neither `run` nor `uses`".to_string(),
                    "set `run` to a regular expression for the step's script, `uses` to an action such as `actions/checkout`, or both".to_string(),
                );
                return None;
            }
            if let Some(pattern) = &step.run
                && !self.regex(pattern, origin, &format!("{key}.run"))
            {
                return None;
            }
            if let Some(uses) = &step.uses
                && (uses.contains('@')
                    || uses.trim().is_empty()
                    || uses.contains(char::is_whitespace))
            {
                let bare = uses.split('@').next().unwrap_or_default();
                self.report_step(
                    origin,
                    &format!("{key}.uses"),
                    format!("`{uses}` is not an action name"),
                    format!("name the action without a version or SHA, such as `{}`: any pin of it counts", if bare.is_empty() { "actions/checkout" } else { bare }),
                );
                return None;
            }
            return Some(EvidenceRule::WorkflowStep {
                run: step.run.clone(),
                uses: step.uses.clone(),
            });
        }
        if let Some(policy) = &raw.policy_mode {
            let key = format!("{key}.policy_mode");
            let engine = match &policy.engine {
                None => None,
                Some(name) => match PolicyEngineName::ALL.iter().find(|e| e.as_str() == name) {
                    Some(engine) => Some(*engine),
                    None => {
                        let hint = suggestion(
                            name,
                            PolicyEngineName::ALL.iter().map(|e| e.as_str()),
                            "engines",
                        );
                        self.report_step(
                            origin,
                            &format!("{key}.engine"),
                            format!("unknown policy engine `{name}`"),
                            hint,
                        );
                        return None;
                    }
                },
            };
            let Some(mode) = PolicyMode::ALL
                .iter()
                .find(|mode| mode.as_str() == policy.mode)
            else {
                let hint = suggestion(
                    &policy.mode,
                    PolicyMode::ALL.iter().map(|m| m.as_str()),
                    "modes",
                );
                self.report_step(
                    origin,
                    &format!("{key}.mode"),
                    format!("unknown policy mode `{}`", policy.mode),
                    hint,
                );
                return None;
            };
            return Some(EvidenceRule::PolicyMode {
                engine,
                mode: *mode,
                every: policy.every.unwrap_or(true),
            });
        }
        if let Some(wired) = &raw.wired {
            let key = format!("{key}.wired");
            if !self.glob(&wired.from, origin, &format!("{key}.from")) {
                return None;
            }
            if wired.kind.trim().is_empty() {
                self.report_step(
                    origin,
                    &format!("{key}.kind"),
                    "`kind` is empty".to_string(),
                    "name the kind that must be reachable, such as `Deployment`".to_string(),
                );
                return None;
            }
            return Some(EvidenceRule::Wired {
                from: wired.from.clone(),
                kind: wired.kind.clone(),
                api_version: wired.api_version.clone(),
            });
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

    /// Whether `path` is a glob inside the repository; reports it if not.
    fn glob(&mut self, path: &str, origin: &Origin, key: &str) -> bool {
        if path.starts_with('/') || path.split('/').any(|part| part == "..") {
            self.report_step(
                origin,
                key,
                format!("the glob `{path}` leaves the repository"),
                "evidence paths are relative to the repository root".to_string(),
            );
            return false;
        }
        if let Err(error) = globset::Glob::new(path) {
            self.report_step(
                origin,
                key,
                format!("invalid glob `{path}`: {}", error.kind()),
                "globs use `*`, `**`, `?`, `[...]` and `{a,b}`".to_string(),
            );
            return false;
        }
        true
    }

    /// Whether `pattern` is a valid regular expression; reports it if not.
    fn regex(&mut self, pattern: &str, origin: &Origin, key: &str) -> bool {
        // Checking the syntax is enough here, and far cheaper than compiling
        // the matcher on every load; the evaluator compiles what it evaluates.
        let Err(error) = regex_syntax::Parser::new().parse(pattern) else {
            return true;
        };
        let error = error.to_string();
        let last_line = error.lines().last().unwrap_or_default();
        let first_line = last_line
            .strip_prefix("error: ")
            .unwrap_or(last_line)
            .to_string();
        self.report_step(
            origin,
            key,
            format!("invalid regular expression `{pattern}`: {first_line}"),
            "escape characters such as `.`, `(` and `[` with `\\` to match them literally"
                .to_string(),
        );
        false
    }
}

/// `present` and `absent` are markers; any other value must be equal.
fn expectation(value: &serde_json::Value) -> Expectation {
    match value.as_str() {
        Some("present") => Expectation::Present,
        Some("absent") => Expectation::Absent,
        _ => Expectation::Equals(value.clone()),
    }
}
