//! Checks that the steps cover the pack: every topic has a step at each of the
//! levels `pack.yaml` lists for it.

use std::collections::HashSet;

use super::SourceFile;
use super::loader::{At, Checker, Origin, Skeleton};
use crate::model::{Level, Step};

impl Checker<'_> {
    pub(super) fn coverage(
        &mut self,
        steps: &[(Step, Origin)],
        skeleton: &Skeleton,
        pack_file: &SourceFile,
    ) {
        let covered: HashSet<(usize, usize, Level)> = steps
            .iter()
            .map(|(step, _)| (step.dimension.0, step.topic, step.level))
            .collect();
        for (d, dimension) in skeleton.dimensions.iter().enumerate() {
            for (t, topic) in dimension.topics.iter().enumerate() {
                for &level in &topic.levels {
                    if covered.contains(&(d, t, level)) {
                        continue;
                    }
                    self.report(
                        &At {
                            file: pack_file,
                            key: format!("dimensions[{d}].topics[{t}].levels"),
                        },
                        format!(
                            "topic `{}` of `{}` has no step at level {level}",
                            topic.name.default_text(),
                            dimension.name.default_text()
                        ),
                        Some(format!(
                            "add a step with `level: {level}`, `dimension: {}` and `topic: {}`, or remove {level} from the topic's `levels`",
                            dimension.id, topic.id
                        )),
                    );
                }
            }
        }
    }
}

/// How the steps of one dimension stand with blueprints, for `content check`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct BlueprintCoverage {
    pub steps: usize,
    /// Steps that name at least one blueprint.
    pub scaffolded: usize,
    /// Steps whose evidence is only `manual`: no file shows them.
    pub manual: usize,
    /// Steps with repository evidence that say why no blueprint writes it.
    pub explained: usize,
    /// Steps with repository evidence, no blueprint and no reason.
    pub unexplained: usize,
}

impl BlueprintCoverage {
    fn add(&mut self, step: &Step) {
        self.steps += 1;
        if !step.blueprints.is_empty() {
            self.scaffolded += 1;
        } else if step.is_manual() {
            self.manual += 1;
        } else if step.no_blueprint.is_some() {
            self.explained += 1;
        } else {
            self.unexplained += 1;
        }
    }
}

/// Per dimension of `pack` (in its order, by id), then the whole pack.
pub fn blueprint_coverage(
    pack: &crate::model::Pack,
) -> (Vec<(&str, BlueprintCoverage)>, BlueprintCoverage) {
    let mut by_dimension: Vec<(&str, BlueprintCoverage)> = pack
        .dimensions
        .iter()
        .map(|dimension| (dimension.id.as_str(), BlueprintCoverage::default()))
        .collect();
    let mut total = BlueprintCoverage::default();
    for step in &pack.steps {
        if let Some((_, coverage)) = by_dimension.get_mut(step.dimension.0) {
            coverage.add(step);
        }
        total.add(step);
    }
    (by_dimension, total)
}

/// The table `content check` prints under its verdict.
pub fn blueprint_coverage_table(pack: &crate::model::Pack) -> String {
    let (by_dimension, total) = blueprint_coverage(pack);
    let width = by_dimension
        .iter()
        .map(|(id, _)| id.len())
        .chain(["dimension".len()])
        .max()
        .unwrap_or(0);
    let row = |name: &str, c: &BlueprintCoverage| {
        format!(
            "  {name:<width$}  {:>5}  {:>9}  {:>7}  {:>6}  {:>7}  {:>11}\n",
            c.steps,
            c.scaffolded,
            c.steps - c.scaffolded,
            c.manual,
            c.explained,
            c.unexplained
        )
    };
    let mut table = format!(
        "steps with and without a blueprint, by dimension:\n  {:<width$}  {:>5}  {:>9}  {:>7}  {:>6}  {:>7}  {:>11}\n",
        "dimension", "steps", "blueprint", "without", "manual", "no file", "unexplained"
    );
    for (id, coverage) in &by_dimension {
        table.push_str(&row(id, coverage));
    }
    table.push_str(&row("all", &total));
    table.push_str(
        "  (without = manual + no file + unexplained. manual: only a person can check the step;\n   no file: the step says why no blueprint can write what shows it; unexplained:\n   repository evidence, and neither a blueprint nor a reason)\n",
    );
    table
}
