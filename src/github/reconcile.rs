//! The reconcile plan for roadmap issues: what to create, update, leave, or report,
//! computed from the desired issues and the ones GitHub has. Pure: the client
//! applies the plan, `--dry-run` prints it.

use std::collections::{BTreeMap, BTreeSet};

use super::body::{self, Marker};

/// An issue levelup wants for one step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Desired {
    pub step: String,
    pub title: String,
    /// The full body, marker included.
    pub body: String,
    pub labels: Vec<String>,
    pub milestone: String,
}

/// An issue that exists on GitHub with levelup's label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Existing {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub open: bool,
    pub labels: Vec<String>,
    pub milestone: Option<String>,
}

/// Where a step stands relative to the plan being reconciled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Above the level reached, up to the target: it has a desired issue.
    Planned,
    /// At or below the level reached: its issue is left as it is.
    Reached,
    /// Not in the content, or above a lowered target.
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Create(Desired),
    /// The generated text, title, labels or milestone changed; ticks are carried over.
    Update {
        number: u64,
        desired: Desired,
    },
    Unchanged {
        number: u64,
        step: String,
    },
    /// A person edited the body, the title or the milestone: reported, and
    /// overwritten only with `--force`.
    Edited {
        number: u64,
        desired: Desired,
        /// What the person changed: `body`, `title`, `milestone`.
        fields: Vec<&'static str>,
    },
    /// An open issue whose step left the plan: reported, closed with `--close-removed`.
    Removed {
        number: u64,
        step: String,
    },
}

/// The labels levelup owns: `levelup` and the level and dimension labels it
/// creates, lowercased. Every other label, `levelup:blocked` included, belongs to
/// the people triaging and is kept.
#[derive(Debug, Clone, Default)]
pub struct OwnedLabels(BTreeSet<String>);

impl OwnedLabels {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> OwnedLabels {
        OwnedLabels(names.into_iter().map(str::to_lowercase).collect())
    }

    pub fn owns(&self, name: &str) -> bool {
        self.0.contains(&name.to_lowercase())
    }
}

/// Whether an issue carries the `levelup` label.
fn labelled(issue: &Existing) -> bool {
    issue
        .labels
        .iter()
        .any(|label| label.eq_ignore_ascii_case(super::issues::LABEL))
}

/// Matches existing issues to desired ones by the marker's step id; if several
/// carry the same step, the lowest number is the one kept in step.
///
/// A marker is trusted on an issue with the `levelup` label, or on one whose
/// body is levelup's untouched text: anyone can open an issue ending in a marker,
/// and such an issue neither claims a step nor is closed as removed (closing
/// needs the label). An issue with the label but no marker (a person deleted
/// it) is matched by its exact generated title and reported as edited, not
/// duplicated.
///
/// Only levelup's own labels are compared; an update sends them together with
/// the person's. A title or milestone whose hash in the marker no longer matches
/// was changed by a person, like an edited body. A marker written before the
/// title and milestone were hashed is rewritten once, so those gain protection.
pub fn reconcile(
    desired: &[Desired],
    existing: &[Existing],
    owned_labels: &OwnedLabels,
    standing: &dyn Fn(&str) -> Standing,
) -> Vec<Decision> {
    let mut by_step: BTreeMap<String, (&Existing, Marker)> = BTreeMap::new();
    let mut without_marker: Vec<&Existing> = Vec::new();
    let mut sorted: Vec<&Existing> = existing.iter().collect();
    sorted.sort_by_key(|issue| issue.number);
    for issue in sorted {
        match body::marker(&issue.body) {
            Some(marker) if labelled(issue) || !body::edited_by_a_human(&issue.body) => {
                by_step
                    .entry(marker.step.clone())
                    .or_insert((issue, marker));
            }
            None if labelled(issue) => without_marker.push(issue),
            _ => {}
        }
    }
    let keep_persons = |issue: &Existing, wanted: &Desired| {
        let mut labels = wanted.labels.clone();
        labels.extend(
            issue
                .labels
                .iter()
                .filter(|label| !owned_labels.owns(label))
                .cloned(),
        );
        labels
    };

    let mut decisions = Vec::new();
    for wanted in desired {
        let Some((issue, marker)) = by_step.get(&wanted.step) else {
            match without_marker
                .iter()
                .position(|issue| issue.title == wanted.title)
            {
                Some(index) => {
                    let issue = without_marker.remove(index);
                    decisions.push(Decision::Edited {
                        number: issue.number,
                        desired: Desired {
                            body: body::carry_ticks(&issue.body, &wanted.body),
                            labels: keep_persons(issue, wanted),
                            ..wanted.clone()
                        },
                        fields: vec!["body"],
                    });
                }
                None => decisions.push(Decision::Create(wanted.clone())),
            }
            continue;
        };
        let generated = body::marker(&wanted.body);
        let milestone = issue.milestone.as_deref().unwrap_or_default();
        let mut fields = Vec::new();
        if body::edited_by_a_human(&issue.body) {
            fields.push("body");
        }
        if marker
            .title
            .as_ref()
            .is_some_and(|hash| *hash != body::short_hash(&issue.title))
        {
            fields.push("title");
        }
        if marker
            .milestone
            .as_ref()
            .is_some_and(|hash| *hash != body::short_hash(milestone))
        {
            fields.push("milestone");
        }
        let same_text = Some(&marker.hash) == generated.as_ref().map(|m| &m.hash);
        let same_meta = issue.title == wanted.title
            && owned(&issue.labels, owned_labels) == owned(&wanted.labels, owned_labels)
            && issue.milestone.as_deref() == Some(wanted.milestone.as_str());
        let old_marker = marker.title.is_none() || marker.milestone.is_none();
        let labels = keep_persons(issue, wanted);
        if !fields.is_empty() {
            decisions.push(Decision::Edited {
                number: issue.number,
                desired: Desired {
                    body: body::carry_ticks(&issue.body, &wanted.body),
                    labels,
                    ..wanted.clone()
                },
                fields,
            });
        } else if same_text && same_meta && !old_marker {
            decisions.push(Decision::Unchanged {
                number: issue.number,
                step: wanted.step.clone(),
            });
        } else {
            decisions.push(Decision::Update {
                number: issue.number,
                desired: Desired {
                    body: body::carry_ticks(&issue.body, &wanted.body),
                    labels,
                    ..wanted.clone()
                },
            });
        }
    }
    for (step, (issue, _)) in &by_step {
        if issue.open && labelled(issue) && standing(step) == Standing::Removed {
            decisions.push(Decision::Removed {
                number: issue.number,
                step: step.clone(),
            });
        }
    }
    decisions
}

/// levelup's own labels of a list, sorted and lowercased.
fn owned(labels: &[String], owned_labels: &OwnedLabels) -> Vec<String> {
    let mut owned: Vec<String> = labels
        .iter()
        .filter(|label| owned_labels.owns(label))
        .map(|label| label.to_lowercase())
        .collect();
    owned.sort_unstable();
    owned.dedup();
    owned
}

#[cfg(test)]
mod tests {
    use super::*;

    fn desired(step: &str, text: &str) -> Desired {
        Desired {
            step: step.to_string(),
            title: format!("Title of {step}"),
            body: body::with_marker(step, text, &format!("Title of {step}"), "Level 2: Operate"),
            labels: vec!["levelup".into(), "levelup:level-2-operate".into()],
            milestone: "Level 2: Operate".into(),
        }
    }

    fn existing(number: u64, wanted: &Desired) -> Existing {
        Existing {
            number,
            title: wanted.title.clone(),
            body: wanted.body.clone(),
            open: true,
            labels: wanted.labels.iter().rev().cloned().collect(),
            milestone: Some(wanted.milestone.clone()),
        }
    }

    fn owned_labels() -> OwnedLabels {
        OwnedLabels::new(["levelup", "levelup:level-2-operate"])
    }

    fn planned(_: &str) -> Standing {
        Standing::Planned
    }

    #[test]
    fn the_first_run_creates_every_issue() {
        let wanted = [desired("a.b.one", "- [ ] x"), desired("a.b.two", "- [ ] y")];
        let decisions = reconcile(&wanted, &[], &owned_labels(), &planned);
        assert_eq!(
            decisions,
            wanted
                .iter()
                .cloned()
                .map(Decision::Create)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_second_run_changes_nothing_even_with_ticks() {
        let wanted = [desired("a.b.one", "- [ ] x")];
        let mut issue = existing(7, &wanted[0]);
        issue.body = issue.body.replace("- [ ] x", "- [x] x");
        assert_eq!(
            reconcile(&wanted, &[issue], &owned_labels(), &planned),
            [Decision::Unchanged {
                number: 7,
                step: "a.b.one".into()
            }]
        );
    }

    #[test]
    fn changed_content_updates_and_keeps_ticks() {
        let old = desired("a.b.one", "- [ ] x\n- [ ] y");
        let mut issue = existing(7, &old);
        issue.body = issue.body.replace("- [ ] x", "- [x] x");
        let new = desired("a.b.one", "- [ ] x\n- [ ] z");
        let decisions = reconcile(
            std::slice::from_ref(&new),
            &[issue],
            &owned_labels(),
            &planned,
        );
        let [Decision::Update { number: 7, desired }] = decisions.as_slice() else {
            panic!("expected one update: {decisions:?}");
        };
        assert!(
            desired.body.starts_with("- [x] x\n- [ ] z\n"),
            "{}",
            desired.body
        );
        assert!(!body::edited_by_a_human(&desired.body));
    }

    #[test]
    fn a_human_edit_is_reported_not_overwritten() {
        let wanted = desired("a.b.one", "- [ ] x");
        let mut issue = existing(7, &wanted);
        issue.body = issue.body.replace("- [ ] x", "- [ ] x, and also y");
        assert!(matches!(
            reconcile(&[wanted], &[issue], &owned_labels(), &planned).as_slice(),
            [Decision::Edited { number: 7, .. }]
        ));
    }

    #[test]
    fn a_persons_labels_are_kept_and_not_compared() {
        let wanted = desired("a.b.one", "- [ ] x");
        let mut issue = existing(7, &wanted);
        issue.labels.push("triage".into());
        assert_eq!(
            reconcile(
                std::slice::from_ref(&wanted),
                std::slice::from_ref(&issue),
                &owned_labels(),
                &planned
            ),
            [Decision::Unchanged {
                number: 7,
                step: "a.b.one".into()
            }],
            "a label of the person's is no change"
        );
        issue
            .labels
            .retain(|label| label != "levelup:level-2-operate");
        let decisions = reconcile(&[wanted], &[issue], &owned_labels(), &planned);
        let [Decision::Update { desired, .. }] = decisions.as_slice() else {
            panic!("expected an update: {decisions:?}");
        };
        assert_eq!(
            desired.labels,
            ["levelup", "levelup:level-2-operate", "triage"],
            "levelup's labels and the person's"
        );
    }

    #[test]
    fn a_title_or_milestone_a_person_changed_is_an_edit() {
        let wanted = desired("a.b.one", "- [ ] x");
        let mut retitled = existing(7, &wanted);
        retitled.title = "Our own wording".into();
        let mut moved = existing(8, &wanted);
        moved.milestone = Some("Q3".into());
        for (issue, field) in [(retitled, "title"), (moved, "milestone")] {
            let decisions = reconcile(
                std::slice::from_ref(&wanted),
                &[issue],
                &owned_labels(),
                &planned,
            );
            let [Decision::Edited { fields, .. }] = decisions.as_slice() else {
                panic!("expected an edit: {decisions:?}");
            };
            assert_eq!(fields, &[field]);
        }
    }

    #[test]
    fn an_old_marker_is_rewritten_once_and_then_protects_the_title() {
        let wanted = desired("a.b.one", "- [ ] x");
        let mut issue = existing(7, &wanted);
        let marker = body::marker(&issue.body).expect("marker");
        issue.body = format!(
            "- [x] x\n\n<!-- levelup:step=a.b.one hash={} -->\n",
            marker.hash
        );
        let decisions = reconcile(
            std::slice::from_ref(&wanted),
            std::slice::from_ref(&issue),
            &owned_labels(),
            &planned,
        );
        let [Decision::Update { number: 7, desired }] = decisions.as_slice() else {
            panic!("an old marker is upgraded: {decisions:?}");
        };
        let upgraded = body::marker(&desired.body).expect("marker");
        assert!(upgraded.title.is_some() && upgraded.milestone.is_some());
        assert!(desired.body.starts_with("- [x] x\n"), "ticks kept");
        // After the upgrade, a person's title change is an edit, not overwritten.
        let mut upgraded_issue = existing(7, &wanted);
        upgraded_issue.body = desired.body.clone();
        upgraded_issue.title = "Our own wording".into();
        assert!(matches!(
            reconcile(&[wanted], &[upgraded_issue], &owned_labels(), &planned).as_slice(),
            [Decision::Edited { number: 7, .. }]
        ));
    }

    #[test]
    fn force_keeps_the_ticks_of_an_edited_issue() {
        let wanted = desired("a.b.one", "- [ ] x\n- [ ] y");
        let mut issue = existing(7, &wanted);
        issue.body = issue.body.replace("- [ ] x", "- [x] x");
        issue.title = "Our own wording".into();
        let decisions = reconcile(&[wanted], &[issue], &owned_labels(), &planned);
        let [
            Decision::Edited {
                desired, fields, ..
            },
        ] = decisions.as_slice()
        else {
            panic!("expected an edit: {decisions:?}");
        };
        assert_eq!(fields, &["title"]);
        assert!(
            desired.body.starts_with("- [x] x\n- [ ] y\n"),
            "{}",
            desired.body
        );
    }

    #[test]
    fn a_persons_levelup_prefixed_label_is_theirs() {
        let wanted = desired("a.b.one", "- [ ] x");
        let mut issue = existing(7, &wanted);
        issue.labels.push("levelup:blocked".into());
        assert!(
            matches!(
                reconcile(
                    std::slice::from_ref(&wanted),
                    std::slice::from_ref(&issue),
                    &owned_labels(),
                    &planned
                )
                .as_slice(),
                [Decision::Unchanged { number: 7, .. }]
            ),
            "a label levelup does not create is no change"
        );
        issue.title = "Our own wording".into();
        let decisions = reconcile(&[wanted], &[issue], &owned_labels(), &planned);
        let [Decision::Edited { desired, .. }] = decisions.as_slice() else {
            panic!("expected an edit: {decisions:?}");
        };
        assert!(
            desired
                .labels
                .iter()
                .any(|label| label == "levelup:blocked")
        );
    }

    #[test]
    fn an_outsiders_marker_neither_claims_nor_closes_a_step() {
        let wanted = desired("a.b.one", "- [ ] x");
        // Scenario A: an unlabelled issue ending in step X's marker, its own text.
        let mut claim = existing(3, &wanted);
        claim.labels.clear();
        claim.body = claim.body.replace("- [ ] x", "- [ ] buy my product");
        assert_eq!(
            reconcile(
                std::slice::from_ref(&wanted),
                &[claim],
                &owned_labels(),
                &planned
            ),
            [Decision::Create(wanted.clone())]
        );
        // Levelup's untouched text without the label (a person removed it) is
        // found, and its label restored.
        let mut unlabelled = existing(4, &wanted);
        unlabelled.labels.retain(|label| label != "levelup");
        assert!(matches!(
            reconcile(
                std::slice::from_ref(&wanted),
                &[unlabelled.clone()],
                &owned_labels(),
                &planned
            )
            .as_slice(),
            [Decision::Update { number: 4, .. }]
        ));
        // Scenario B: a marker naming a step not in the content is never closed
        // unless the issue carries the label.
        let mut gone = existing(5, &desired("a.b.gone", "- [ ] x"));
        gone.labels.clear();
        let removed = |_: &str| Standing::Removed;
        assert_eq!(
            reconcile(&[], &[gone.clone(), unlabelled], &owned_labels(), &removed),
            []
        );
        gone.body = gone.body.replace("- [ ] x", "- [ ] edited");
        assert_eq!(reconcile(&[], &[gone], &owned_labels(), &removed), []);
    }

    #[test]
    fn steps_that_left_the_plan_are_reported_and_reached_ones_left_alone() {
        let gone = existing(3, &desired("a.b.gone", "- [ ] x"));
        let reached = existing(4, &desired("a.b.done", "- [ ] x"));
        let mut closed = existing(5, &desired("a.b.closed", "- [ ] x"));
        closed.open = false;
        let standing = |step: &str| match step {
            "a.b.done" => Standing::Reached,
            _ => Standing::Removed,
        };
        assert_eq!(
            reconcile(&[], &[gone, reached, closed], &owned_labels(), &standing),
            [Decision::Removed {
                number: 3,
                step: "a.b.gone".into()
            }]
        );
    }

    #[test]
    fn issues_without_a_marker_are_not_levelups() {
        let wanted = desired("a.b.one", "- [ ] x");
        let mut foreign = existing(9, &wanted);
        foreign.body = "written by a person".into();
        foreign.labels.clear();
        assert_eq!(
            reconcile(
                std::slice::from_ref(&wanted),
                &[foreign],
                &owned_labels(),
                &planned
            ),
            [Decision::Create(wanted)]
        );
    }

    #[test]
    fn a_labelled_issue_whose_marker_was_deleted_is_matched_by_title() {
        let wanted = desired("a.b.one", "- [ ] x");
        let mut issue = existing(9, &wanted);
        issue.body = "- [x] x\n\nour notes".into();
        issue.labels.push("triage".into());
        let decisions = reconcile(
            std::slice::from_ref(&wanted),
            &[issue],
            &owned_labels(),
            &planned,
        );
        let [
            Decision::Edited {
                number: 9,
                desired,
                fields,
            },
        ] = decisions.as_slice()
        else {
            panic!("matched, not duplicated: {decisions:?}");
        };
        assert_eq!(fields, &["body"]);
        assert!(desired.body.starts_with("- [x] x\n"), "{}", desired.body);
        assert!(desired.labels.iter().any(|label| label == "triage"));
        let mut retitled = existing(9, &wanted);
        retitled.body = "our notes".into();
        retitled.title = "Another title".into();
        assert_eq!(
            reconcile(
                std::slice::from_ref(&wanted),
                &[retitled],
                &owned_labels(),
                &planned
            ),
            [Decision::Create(wanted)]
        );
    }
}
