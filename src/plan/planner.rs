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
