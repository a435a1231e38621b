//! Checks a step's evidence rules: exactly one kind per rule, valid globs and
//! regular expressions, `any_of` alternatives, and `manual` standing alone.

use super::loader::{Checker, Origin};
use super::raw::RawEvidence;
use crate::model::EvidenceRule;

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

    pub(super) fn evidence(
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
                self.report_step(
                    origin,
                    key,
                    format!("the glob `{path}` leaves the repository"),
                    "evidence paths are relative to the repository root".to_string(),
                );
                return None;
            }
            if let Err(error) = globset::Glob::new(path) {
                self.report_step(
                    origin,
                    key,
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
                self.report_step(
                    origin,
                    key,
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
}
