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
