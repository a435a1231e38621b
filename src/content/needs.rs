//! Checks the steps' `needs` against each other: known ids, no repeats, no
//! upward or cross-dimension needs at one level, and no cycles.

use std::collections::{HashMap, HashSet};

use super::loader::{Checker, Origin};
use crate::model::{Step, StepId};
use crate::suggest;

impl Checker<'_> {
    pub(super) fn needs(
        &mut self,
        steps: &[(Step, Origin)],
        all_ids: &HashMap<String, Origin>,
        complete: bool,
    ) {
        let by_id: HashMap<&StepId, &Step> =
            steps.iter().map(|(step, _)| (&step.id, step)).collect();
        for (step, origin) in steps {
            let mut seen = HashSet::new();
            for (index, need) in step.needs.iter().enumerate() {
                let key = format!("needs[{index}]");
                let value = need.as_str();
                if !seen.insert(need) {
                    self.report_step(
                        origin,
                        &key,
                        format!("`{need}` is listed twice"),
                        "list each need once".to_string(),
                    );
                } else if need == &step.id {
                    self.report_step(
                        origin,
                        &key,
                        format!("`{need}` needs itself"),
                        "remove it from its own `needs`".to_string(),
                    );
                } else if !all_ids.contains_key(need.as_str()) && complete {
                    let hint = match suggest::nearest(value, all_ids.keys().map(String::as_str)) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "`needs` lists ids of steps in this pack".to_string(),
                    };
                    self.report_step(origin, &key, format!("unknown step `{need}`"), hint);
                } else if let Some(needed) = by_id.get(need) {
                    if needed.level > step.level {
                        self.report_step(
                            origin,
                            &key,
                            format!(
                                "`{}` (level {}) needs `{need}` of a higher level, {}",
                                step.id, step.level, needed.level
                            ),
                            "a step may only need steps of its own or a lower level".to_string(),
                        );
                    } else if needed.level == step.level && needed.dimension != step.dimension {
                        self.report_step(
                            origin,
                            &key,
                            format!(
                                "`{}` needs `{need}`, a step of the same level in another dimension",
                                step.id
                            ),
                            "at one level, needs stay within a dimension so the plan's grouping keeps their order; lower the needed step's level or drop the need".to_string(),
                        );
                    }
                }
            }
        }
    }

    pub(super) fn cycles(&mut self, steps: &[(Step, Origin)]) {
        let index: HashMap<&StepId, usize> = steps
            .iter()
            .enumerate()
            .map(|(position, (step, _))| (&step.id, position))
            .collect();
        let edges: Vec<Vec<usize>> = steps
            .iter()
            .map(|(step, _)| {
                step.needs
                    .iter()
                    .filter(|need| **need != step.id)
                    .filter_map(|need| index.get(need).copied())
                    .collect()
            })
            .collect();
        let mut state = vec![Visit::New; steps.len()];
        let mut path = Vec::new();
        let mut cycles = Vec::new();
        for start in 0..steps.len() {
            find_cycles(start, &edges, &mut state, &mut path, &mut cycles);
        }
        for cycle in cycles {
            let origin = &steps[cycle[0]].1;
            let names: Vec<String> = cycle
                .iter()
                .chain(std::iter::once(&cycle[0]))
                .map(|&position| format!("`{}`", steps[position].0.id))
                .collect();
            self.report_step(
                origin,
                "needs",
                format!("`needs` form a cycle: {}", names.join(" → ")),
                "remove one of these needs so the steps can be ordered".to_string(),
            );
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Visit {
    New,
    Active,
    Done,
}

/// Depth-first search that records each cycle once, as the positions on it.
fn find_cycles(
    node: usize,
    edges: &[Vec<usize>],
    state: &mut [Visit],
    path: &mut Vec<usize>,
    cycles: &mut Vec<Vec<usize>>,
) {
    if state[node] != Visit::New {
        return;
    }
    state[node] = Visit::Active;
    path.push(node);
    for &next in &edges[node] {
        match state[next] {
            Visit::New => find_cycles(next, edges, state, path, cycles),
            Visit::Active => {
                let start = path.iter().position(|&p| p == next).unwrap_or(0);
                cycles.push(path[start..].to_vec());
            }
            Visit::Done => {}
        }
    }
    path.pop();
    state[node] = Visit::Done;
}
