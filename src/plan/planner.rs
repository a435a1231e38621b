//! Gap computation and ordering.
//!
//! Order: by level, then dimension (the pack's order); within one level and
//! dimension, a topological order of `needs`, ties broken by topic (the pack's
//! order) and then id. The content check guarantees that a step needs only steps
//! of lower levels or of its own level and dimension, so the grouping never
//! contradicts a need.

use std::collections::{BTreeSet, HashMap};

use super::Request;
use crate::model::{DimensionIndex, Level, Pack, Step, StepId};

/// An ordered roadmap.
#[derive(Debug)]
pub struct Plan<'p> {
    pub pack: &'p Pack,
    pub request: Request,
    pub steps: Vec<PlannedStep<'p>>,
    /// Steps outside the requested dimension that planned steps still need.
    pub prerequisites: Vec<&'p Step>,
}

#[derive(Debug)]
pub struct PlannedStep<'p> {
    pub step: &'p Step,
    /// The needs not yet satisfied by the baseline, in the order they are listed.
    pub open_needs: Vec<&'p Step>,
}

impl<'p> Plan<'p> {
    pub fn new(pack: &'p Pack, request: Request) -> Plan<'p> {
        let in_gap = |step: &Step| {
            !request.baseline(step.dimension).covers(step.level) && step.level <= request.to
        };
        let mut groups: Vec<((Level, DimensionIndex), Vec<&'p Step>)> = Vec::new();
        for step in pack.steps.iter().filter(|step| in_gap(step)) {
            if request.dimension.is_some_and(|only| only != step.dimension) {
                continue;
            }
            let key = (step.level, step.dimension);
            match groups.iter_mut().find(|(group, _)| *group == key) {
                Some((_, members)) => members.push(step),
                None => groups.push((key, vec![step])),
            }
        }
        groups.sort_by_key(|(key, _)| *key);

        let open = |step: &'p Step| -> Vec<&'p Step> {
            step.needs
                .iter()
                .filter_map(|id| pack.step(id))
                .filter(|needed| in_gap(needed))
                .collect()
        };
        let steps: Vec<PlannedStep<'p>> = groups
            .into_iter()
            .flat_map(|(_, members)| order_group(members))
            .map(|step| PlannedStep {
                step,
                open_needs: open(step),
            })
            .collect();

        let mut prerequisites: Vec<&'p Step> = Vec::new();
        if let Some(only) = request.dimension {
            for planned in &steps {
                for needed in &planned.open_needs {
                    if needed.dimension != only && !prerequisites.iter().any(|p| p.id == needed.id)
                    {
                        prerequisites.push(needed);
                    }
                }
            }
            prerequisites.sort_by_key(|step| (step.level, step.dimension, step.topic, &step.id));
        }
        Plan {
            pack,
            request,
            steps,
            prerequisites,
        }
    }

    /// Whether the baseline already covers the target.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The levels that have at least one step in the plan, lowest first.
    pub fn levels(&self) -> Vec<Level> {
        let mut levels: Vec<Level> = self
            .steps
            .iter()
            .map(|planned| planned.step.level)
            .collect();
        levels.dedup();
        levels
    }
}

/// Kahn's algorithm over the needs inside one group, always taking the ready step
/// with the lowest (topic, id).
fn order_group(members: Vec<&Step>) -> Vec<&Step> {
    let position: HashMap<&StepId, usize> = members
        .iter()
        .enumerate()
        .map(|(index, step)| (&step.id, index))
        .collect();
    let mut waiting_on = vec![0usize; members.len()];
    let mut needed_by: Vec<Vec<usize>> = vec![Vec::new(); members.len()];
    for (index, step) in members.iter().enumerate() {
        for need in &step.needs {
            if let Some(&needed) = position.get(need) {
                waiting_on[index] += 1;
                needed_by[needed].push(index);
            }
        }
    }
    let key = |index: usize| (members[index].topic, members[index].id.as_str(), index);
    let mut ready: BTreeSet<(usize, &str, usize)> = (0..members.len())
        .filter(|&index| waiting_on[index] == 0)
        .map(key)
        .collect();
    let mut ordered = Vec::with_capacity(members.len());
    while let Some((_, _, index)) = ready.pop_first() {
        ordered.push(members[index]);
        for &dependent in &needed_by[index] {
            waiting_on[dependent] -= 1;
            if waiting_on[dependent] == 0 {
                ready.insert(key(dependent));
            }
        }
    }
    // A cycle would leave steps behind; the content check rejects cycles, but a
    // plan must never lose a step, so any leftovers keep their (topic, id) order.
    if ordered.len() < members.len() {
        let mut rest: Vec<usize> = (0..members.len())
            .filter(|&index| waiting_on[index] > 0)
            .collect();
        rest.sort_by_key(|&index| key(index));
        ordered.extend(rest.into_iter().map(|index| members[index]));
    }
    ordered
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{
        Baseline, Dimension, Language, LevelInfo, ModelInfo, Step, StepId, Text, Topic,
    };

    fn text(value: &str) -> Text {
        Text::new(value, BTreeMap::new())
    }

    fn level(number: u8) -> Level {
        Level::new(number).expect("valid level")
    }

    /// A step in dimension `dimension` (0 = process, 1 = technology) and topic `topic`.
    fn step(id: &str, level_number: u8, dimension: usize, topic: usize, needs: &[&str]) -> Step {
        Step {
            id: StepId::new(id),
            level: level(level_number),
            dimension: DimensionIndex(dimension),
            topic,
            title: text(id),
            summary: text(id),
            done_when: vec![text("done")],
            needs: needs.iter().map(|need| StepId::new(*need)).collect(),
            blueprints: Vec::new(),
            no_blueprint: None,
            evidence: Vec::new(),
        }
    }

    fn pack(steps: Vec<Step>) -> Pack {
        let topics = |names: &[&str]| {
            names
                .iter()
                .map(|name| Topic {
                    id: name.to_string(),
                    name: text(name),
                    headings: Vec::new(),
                    levels: Vec::new(),
                })
                .collect()
        };
        let dimensions = vec![
            Dimension {
                id: "process".into(),
                name: text("Process"),
                aliases: Vec::new(),
                topics: topics(&["release", "security"]),
            },
            Dimension {
                id: "technology".into(),
                name: text("Technology"),
                aliases: Vec::new(),
                topics: topics(&["platform", "security"]),
            },
        ];
        let levels = Level::all()
            .map(|level| LevelInfo {
                level,
                id: format!("l{level}"),
                name: text(&format!("L{level}")),
                aliases: Vec::new(),
                title: text("title"),
                description: text("description"),
            })
            .collect();
        let model = ModelInfo {
            name: "test".into(),
            version: "1".into(),
            source: None,
        };
        Pack::new(
            model,
            Language::new("en"),
            vec![Language::new("en")],
            levels,
            dimensions,
            steps,
        )
    }

    fn ids(plan: &Plan<'_>) -> Vec<String> {
        plan.steps
            .iter()
            .map(|planned| planned.step.id.to_string())
            .collect()
    }

    fn request(pack: &Pack, from: &[u8], to: u8) -> Request {
        assert_eq!(from.len(), pack.dimensions.len(), "one level per dimension");
        Request {
            from: from
                .iter()
                .map(|&n| Baseline::new(n).expect("baseline"))
                .collect(),
            to: level(to),
            dimension: None,
        }
    }

    #[test]
    fn groups_by_level_then_dimension() {
        let pack = pack(vec![
            step("technology.platform.b", 2, 1, 0, &[]),
            step("process.release.a", 2, 0, 0, &[]),
            step("technology.platform.a", 1, 1, 0, &[]),
            step("process.release.b", 1, 0, 0, &[]),
        ]);
        let plan = Plan::new(&pack, request(&pack, &[0, 0], 5));
        assert_eq!(
            ids(&plan),
            [
                "process.release.b",
                "technology.platform.a",
                "process.release.a",
                "technology.platform.b"
            ]
        );
    }

    #[test]
    fn needs_come_first_and_ties_go_by_topic_then_id() {
        let pack = pack(vec![
            // topic 0 sorts before topic 1, whatever the ids say
            step("technology.security.a", 1, 1, 1, &[]),
            step("technology.platform.z", 1, 1, 0, &[]),
            // a need overrides both topic and id order
            step("technology.platform.m", 1, 1, 0, &["technology.security.c"]),
            step("technology.security.c", 1, 1, 1, &[]),
        ]);
        let plan = Plan::new(&pack, request(&pack, &[0, 0], 1));
        assert_eq!(
            ids(&plan),
            [
                "technology.platform.z",
                "technology.security.a",
                "technology.security.c",
                "technology.platform.m",
            ]
        );
    }

    #[test]
    fn a_chain_of_needs_keeps_its_order() {
        let pack = pack(vec![
            step("process.release.a", 3, 0, 0, &["process.release.b"]),
            step("process.release.b", 3, 0, 0, &["process.release.c"]),
            step("process.release.c", 3, 0, 0, &[]),
        ]);
        let plan = Plan::new(&pack, request(&pack, &[0, 0], 3));
        assert_eq!(
            ids(&plan),
            [
                "process.release.c",
                "process.release.b",
                "process.release.a"
            ]
        );
    }

    #[test]
    fn each_dimension_starts_from_its_own_level() {
        let pack = pack(vec![
            step("process.release.one", 1, 0, 0, &[]),
            step("process.release.three", 3, 0, 0, &[]),
            step("technology.platform.one", 1, 1, 0, &[]),
            step("technology.platform.three", 3, 1, 0, &[]),
            step("technology.platform.four", 4, 1, 0, &[]),
        ]);
        let plan = Plan::new(&pack, request(&pack, &[2, 0], 3));
        assert_eq!(
            ids(&plan),
            [
                "technology.platform.one",
                "process.release.three",
                "technology.platform.three"
            ]
        );
        assert_eq!(plan.levels(), [level(1), level(3)]);
    }

    #[test]
    fn needs_at_or_below_the_baseline_are_satisfied() {
        let pack = pack(vec![
            step("process.release.base", 1, 0, 0, &[]),
            step(
                "technology.platform.top",
                2,
                1,
                0,
                &["process.release.base"],
            ),
        ]);
        let from_zero = Plan::new(&pack, request(&pack, &[0, 0], 2));
        assert_eq!(from_zero.steps[1].open_needs.len(), 1);
        let process_done = Plan::new(&pack, request(&pack, &[1, 0], 2));
        assert_eq!(ids(&process_done), ["technology.platform.top"]);
        assert!(process_done.steps[0].open_needs.is_empty());
    }

    #[test]
    fn one_dimension_lists_outside_needs_as_prerequisites() {
        let pack = pack(vec![
            step("process.release.base", 1, 0, 0, &[]),
            step("process.release.done", 1, 0, 0, &[]),
            step(
                "technology.platform.top",
                2,
                1,
                0,
                &["process.release.base"],
            ),
        ]);
        let mut only_technology = request(&pack, &[0, 0], 2);
        only_technology.dimension = Some(DimensionIndex(1));
        let plan = Plan::new(&pack, only_technology);
        assert_eq!(ids(&plan), ["technology.platform.top"]);
        let prerequisites: Vec<&str> = plan.prerequisites.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(prerequisites, ["process.release.base"]);
    }

    #[test]
    fn nothing_to_do_when_the_baseline_reaches_the_target() {
        let pack = pack(vec![step("process.release.a", 3, 0, 0, &[])]);
        assert!(Plan::new(&pack, request(&pack, &[3, 3], 3)).is_empty());
        assert!(Plan::new(&pack, request(&pack, &[5, 4], 2)).is_empty());
        assert!(!Plan::new(&pack, request(&pack, &[2, 2], 3)).is_empty());
    }

    #[test]
    fn steps_above_the_target_are_left_out() {
        let pack = pack(vec![
            step("process.release.two", 2, 0, 0, &[]),
            step("process.release.five", 5, 0, 0, &[]),
        ]);
        let plan = Plan::new(&pack, request(&pack, &[0, 0], 4));
        assert_eq!(ids(&plan), ["process.release.two"]);
    }

    #[test]
    fn a_cycle_that_slipped_through_loses_no_step() {
        let pack = pack(vec![
            step("process.release.a", 1, 0, 0, &["process.release.b"]),
            step("process.release.b", 1, 0, 0, &["process.release.a"]),
            step("process.release.c", 1, 0, 0, &[]),
        ]);
        let plan = Plan::new(&pack, request(&pack, &[0, 0], 1));
        assert_eq!(
            ids(&plan),
            [
                "process.release.c",
                "process.release.a",
                "process.release.b"
            ]
        );
    }
}
