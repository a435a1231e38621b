//! Checks one step: its level, dimension, topic and id, its texts, checklist and
//! blueprints (evidence and needs have their own files).

use super::loader::{Checker, Origin, Skeleton, level_number, suggestion};
use super::raw::RawStep;
use crate::model::{DimensionIndex, EvidenceRule, Step, StepId};

impl Checker<'_> {
    pub(super) fn step(
        &mut self,
        raw: &RawStep,
        origin: &Origin,
        skeleton: &Skeleton,
    ) -> Option<Step> {
        let before = self.diagnostics.len();
        let level = level_number(raw.level);
        if level.is_none() {
            self.report_step(
                origin,
                "level",
                format!("level `{}` is out of range", raw.level),
                "a step's level is one of 1 to 5".to_string(),
            );
        }
        let dimension = skeleton
            .dimensions
            .iter()
            .position(|d| d.id == raw.dimension);
        let mut topic = None;
        match dimension {
            None => {
                let hint = suggestion(
                    &raw.dimension,
                    skeleton.dimensions.iter().map(|d| d.id.as_str()),
                    "dimensions",
                );
                self.report_step(
                    origin,
                    "dimension",
                    format!("unknown dimension `{}`", raw.dimension),
                    hint,
                );
            }
            Some(dimension) => {
                let topics = &skeleton.dimensions[dimension].topics;
                topic = topics.iter().position(|t| t.id == raw.topic);
                if topic.is_none() {
                    let hint = suggestion(
                        &raw.topic,
                        topics.iter().map(|t| t.id.as_str()),
                        &format!("topics of `{}`", raw.dimension),
                    );
                    self.report_step(
                        origin,
                        "topic",
                        format!(
                            "unknown topic `{}` in dimension `{}`",
                            raw.topic, raw.dimension
                        ),
                        hint,
                    );
                }
            }
        }
        self.step_id(raw, origin, dimension.is_some() && topic.is_some());

        let title = self.text(&raw.title, &self.at_step(origin, "title"));
        let summary = self.text(&raw.summary, &self.at_step(origin, "summary"));
        if raw.done_when.is_empty() {
            self.report_step(
                origin,
                "done_when",
                "the checklist is empty".to_string(),
                "list at least one condition a reviewer can check".to_string(),
            );
        }
        let done_when = raw
            .done_when
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let at = self.at_step(origin, &format!("done_when[{index}]"));
                self.text(item, &at)
            })
            .collect();
        let evidence = self.evidence_rules(&raw.evidence, origin);
        if let Some(known) = self.blueprints {
            for (index, name) in raw.blueprints.iter().enumerate() {
                if !known.contains(name) {
                    let hint = suggestion(name, known.iter().map(String::as_str), "blueprints");
                    self.report_step(
                        origin,
                        &format!("blueprints[{index}]"),
                        format!("unknown blueprint `{name}`"),
                        hint,
                    );
                }
            }
        }

        let no_blueprint = raw
            .no_blueprint
            .as_ref()
            .map(|reason| self.text(reason, &self.at_step(origin, "no_blueprint")));
        let manual = evidence
            .iter()
            .all(|rule| matches!(rule, EvidenceRule::Manual(_)));
        if no_blueprint.is_some() && !raw.blueprints.is_empty() {
            self.report_step(
                origin,
                "no_blueprint",
                "the step names blueprints and says why it has none".to_string(),
                "keep `blueprints` or `no_blueprint`, not both".to_string(),
            );
        } else if no_blueprint.is_some() && manual && !evidence.is_empty() {
            self.report_step(
                origin,
                "no_blueprint",
                "the step's evidence is `manual`: there is no file a blueprint could write"
                    .to_string(),
                "remove `no_blueprint`; the `manual` reason already says what a person checks"
                    .to_string(),
            );
        }

        if self.diagnostics.len() > before {
            return None;
        }
        Some(Step {
            id: StepId::new(raw.id.clone()),
            level: level?,
            dimension: DimensionIndex(dimension?),
            topic: topic?,
            title,
            summary,
            done_when,
            needs: raw.needs.iter().cloned().map(StepId::new).collect(),
            blueprints: raw.blueprints.clone(),
            no_blueprint,
            evidence,
        })
    }

    pub(super) fn step_id(&mut self, raw: &RawStep, origin: &Origin, placed: bool) {
        let prefix = format!("{}.{}.", raw.dimension, raw.topic);
        let well_formed = raw.id.split('.').count() >= 3
            && raw.id.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            });
        if !well_formed {
            self.report_step(
                origin,
                "id",
                format!("malformed step id `{}`", raw.id),
                format!(
                    "ids are `<dimension>.<topic>.<name>` in lowercase letters, digits and `-`, such as `{prefix}my-step`"
                ),
            );
        } else if placed && !raw.id.starts_with(&prefix) {
            self.report_step(
                origin,
                "id",
                format!("step id `{}` does not start with `{prefix}`", raw.id),
                "an id names the step's dimension and topic first, so it reads where it belongs"
                    .to_string(),
            );
        }
    }
}
