//! `levelup issues`: the roadmap as GitHub issues, one per step, with a milestone
//! per level and labels for levelup, each level and each dimension.

use std::collections::BTreeMap;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;
use serde_json::{Value, json};

use super::body;
use super::client::{Client, Error};
use super::reconcile::{self, Decision, Desired, Existing, Standing};
use super::wire;
use crate::model::{Baseline, Language, Level, Pack, Step};
use crate::plan::{Plan, Request};

/// The label every levelup issue carries; issues are listed by it.
pub const LABEL: &str = "levelup";

/// What to reconcile.
pub struct Options<'a> {
    pub pack: &'a Pack,
    /// The level each dimension has reached, indexed like the pack's dimensions.
    pub from: Vec<Baseline>,
    pub to: Level,
    pub language: Language,
    /// Files each blueprint writes, for the issue bodies (empty outside a platform repository).
    pub files: BTreeMap<String, Vec<String>>,
    pub dry_run: bool,
    pub force: bool,
    pub close_removed: bool,
}

/// What happened (or, with `--dry-run`, would happen).
#[derive(Debug, Default, Serialize)]
pub struct Outcome {
    pub dry_run: bool,
    pub labels_created: Vec<String>,
    pub labels_updated: Vec<String>,
    pub milestones_created: Vec<String>,
    pub milestones_updated: Vec<String>,
    pub created: Vec<IssueRef>,
    pub updated: Vec<IssueRef>,
    pub unchanged: usize,
    /// Edited by a person: left alone without `--force`, overwritten with it.
    pub edited: Vec<IssueRef>,
    pub overwritten: Vec<IssueRef>,
    /// Steps that left the plan: reported, closed with `--close-removed`.
    pub removed: Vec<IssueRef>,
    pub closed: Vec<IssueRef>,
    /// Write requests sent to GitHub.
    pub writes: usize,
}

impl Outcome {
    /// Whether anything was (or, with `--dry-run`, would be) changed on GitHub:
    /// an issue, a label or a milestone. Edited issues left alone and steps only
    /// reported as removed change nothing.
    pub fn has_changes(&self) -> bool {
        !(self.labels_created.is_empty()
            && self.labels_updated.is_empty()
            && self.milestones_created.is_empty()
            && self.milestones_updated.is_empty()
            && self.created.is_empty()
            && self.updated.is_empty()
            && self.overwritten.is_empty()
            && self.closed.is_empty())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct IssueRef {
    pub step: String,
    /// `None` for an issue not created yet (`--dry-run`).
    pub number: Option<u64>,
    pub title: String,
    /// What a person changed (`body`, `title`, `milestone`), for edited issues.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub edited: Vec<&'static str>,
}

/// A label levelup wants, with its colour and description.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LabelSpec {
    name: String,
    color: String,
    description: String,
}

pub async fn run(client: &mut Client<'_>, options: &Options<'_>) -> Result<Outcome, Error> {
    let pack = options.pack;
    let plan = Plan::new(
        pack,
        Request {
            from: options.from.clone(),
            to: options.to,
            dimension: None,
        },
    );
    let mut outcome = Outcome {
        dry_run: options.dry_run,
        ..Outcome::default()
    };

    let specs = label_specs(pack, &options.language);
    let owned_labels = reconcile::OwnedLabels::new(specs.iter().map(|spec| spec.name.as_str()));
    ensure_labels(client, &specs, options.dry_run, &mut outcome).await?;
    let milestones = ensure_milestones(
        client,
        &plan,
        &options.language,
        options.dry_run,
        &mut outcome,
    )
    .await?;

    let desired: Vec<Desired> = plan
        .steps
        .iter()
        .map(|planned| desired_issue(pack, planned.step, options))
        .collect();
    // The plan is made from the issues with levelup's label; the marker is the
    // identity, though, so before creating anything every issue is listed once:
    // an issue whose label a person removed is found again, not duplicated.
    let mut existing = list_issues(client, Some(LABEL)).await?;
    let standing = |step: &str| standing(pack, options, step);
    let mut decisions = reconcile::reconcile(&desired, &existing, &owned_labels, &standing);
    if decisions
        .iter()
        .any(|decision| matches!(decision, Decision::Create(_)))
    {
        existing = list_issues(client, None).await?;
        decisions = reconcile::reconcile(&desired, &existing, &owned_labels, &standing);
    }

    for decision in decisions {
        match decision {
            Decision::Unchanged { .. } => outcome.unchanged += 1,
            Decision::Create(wanted) => {
                let number = if options.dry_run {
                    None
                } else {
                    Some(create_issue(client, &wanted, &milestones).await?)
                };
                outcome.created.push(issue_ref(&wanted, number));
            }
            Decision::Update { number, desired } => {
                if !options.dry_run {
                    update_issue(client, number, &desired, &milestones).await?;
                }
                outcome.updated.push(issue_ref(&desired, Some(number)));
            }
            Decision::Edited {
                number,
                desired,
                fields,
            } => {
                if options.force {
                    if !options.dry_run {
                        update_issue(client, number, &desired, &milestones).await?;
                    }
                    outcome.overwritten.push(IssueRef {
                        edited: fields,
                        ..issue_ref(&desired, Some(number))
                    });
                } else {
                    outcome.edited.push(IssueRef {
                        edited: fields,
                        ..issue_ref(&desired, Some(number))
                    });
                }
            }
            Decision::Removed { number, step } => {
                let title = existing
                    .iter()
                    .find(|issue| issue.number == number)
                    .map(|issue| issue.title.clone())
                    .unwrap_or_default();
                let reference = IssueRef {
                    step,
                    number: Some(number),
                    title,
                    edited: Vec::new(),
                };
                if options.close_removed {
                    if !options.dry_run {
                        close_removed(client, number).await?;
                    }
                    outcome.closed.push(reference);
                } else {
                    outcome.removed.push(reference);
                }
            }
        }
    }
    outcome.writes = client.writes();
    Ok(outcome)
}

fn issue_ref(desired: &Desired, number: Option<u64>) -> IssueRef {
    IssueRef {
        step: desired.step.clone(),
        number,
        title: desired.title.clone(),
        edited: Vec::new(),
    }
}

/// Where a step stands: planned, already reached, or gone from the plan.
fn standing(pack: &Pack, options: &Options<'_>, step: &str) -> Standing {
    let Some(step) = pack.step(&crate::model::StepId::new(step)) else {
        return Standing::Removed;
    };
    let reached = options
        .from
        .get(step.dimension.0)
        .copied()
        .unwrap_or_default();
    if reached.covers(step.level) {
        Standing::Reached
    } else if step.level > options.to {
        Standing::Removed
    } else {
        Standing::Planned
    }
}

fn level_label(pack: &Pack, level: Level) -> String {
    format!("{LABEL}:level-{}-{}", level, pack.level(level).id)
}

fn dimension_label(id: &str) -> String {
    format!("{LABEL}:{id}")
}

fn label_specs(pack: &Pack, language: &Language) -> Vec<LabelSpec> {
    const LEVEL_COLORS: [&str; 5] = ["c5def5", "bfd4f2", "a2c4f0", "7aa6e8", "4a7fd6"];
    const DIMENSION_COLORS: [&str; 6] =
        ["fbca04", "d93f0b", "0e8a16", "5319e7", "1d76db", "b60205"];
    let mut specs = vec![LabelSpec {
        name: LABEL.to_string(),
        color: "6f42c1".to_string(),
        description: "A step of the cloud native maturity roadmap, tracked by levelup".to_string(),
    }];
    for (index, info) in pack.levels.iter().enumerate() {
        specs.push(LabelSpec {
            name: level_label(pack, info.level),
            color: LEVEL_COLORS[index % LEVEL_COLORS.len()].to_string(),
            description: truncate(info.title.get(language), 100),
        });
    }
    for (index, dimension) in pack.dimensions.iter().enumerate() {
        specs.push(LabelSpec {
            name: dimension_label(&dimension.id),
            color: DIMENSION_COLORS[index % DIMENSION_COLORS.len()].to_string(),
            description: truncate(
                &format!("Maturity dimension: {}", dimension.name.get(language)),
                100,
            ),
        });
    }
    specs
}

fn truncate(text: &str, limit: usize) -> String {
    text.chars().take(limit).collect()
}

async fn ensure_labels(
    client: &mut Client<'_>,
    specs: &[LabelSpec],
    dry_run: bool,
    outcome: &mut Outcome,
) -> Result<(), Error> {
    let path = client.repo("/labels");
    let existing: BTreeMap<String, wire::Label> = client
        .list::<wire::Label>(&path)
        .await?
        .into_iter()
        .map(|label| (label.name.to_lowercase(), label))
        .collect();
    for spec in specs {
        let wanted =
            json!({"name": spec.name, "color": spec.color, "description": spec.description});
        match existing.get(&spec.name.to_lowercase()) {
            None => {
                if !dry_run {
                    match client.create::<wire::Label>(&path, &wanted).await {
                        Ok(_) => {}
                        Err(error) if error.is_already_exists() => {
                            // Someone created it meanwhile: it exists, carry on.
                            let _: wire::Label =
                                client.get(&client.repo(&label_path(&spec.name))).await?;
                            continue;
                        }
                        Err(Error::Uncertain { .. }) => {
                            // Whether it was stored or not, a re-run settles it; a
                            // label is not a duplicate hazard (its name is unique).
                        }
                        Err(error) => return Err(error),
                    }
                }
                outcome.labels_created.push(spec.name.clone());
            }
            Some(label) => {
                let same = label.color.eq_ignore_ascii_case(&spec.color)
                    && label.description.as_deref().unwrap_or_default() == spec.description;
                if !same {
                    if !dry_run {
                        let _: wire::Label = client
                            .update(
                                &client.repo(&label_path(&spec.name)),
                                &json!({"color": spec.color, "description": spec.description}),
                            )
                            .await?;
                    }
                    outcome.labels_updated.push(spec.name.clone());
                }
            }
        }
    }
    Ok(())
}

/// Milestone numbers by level, creating the missing ones (title and description
/// from the content). Milestones are matched by title in every state.
async fn ensure_milestones(
    client: &mut Client<'_>,
    plan: &Plan<'_>,
    language: &Language,
    dry_run: bool,
    outcome: &mut Outcome,
) -> Result<BTreeMap<Level, u64>, Error> {
    let path = client.repo("/milestones");
    let mut existing = list_milestones(client).await?;
    let mut numbers = BTreeMap::new();
    for level in plan.levels() {
        let info = plan.pack.level(level);
        let title = info.title.get(language).to_string();
        let description = info.description.get(language).to_string();
        match existing.get(&title) {
            None => {
                if !dry_run {
                    match client
                        .create::<wire::Milestone>(
                            &path,
                            &json!({"title": title, "description": description}),
                        )
                        .await
                    {
                        Ok(milestone) => {
                            existing.insert(title.clone(), milestone);
                        }
                        Err(error)
                            if error.is_already_exists()
                                || matches!(error, Error::Uncertain { .. }) =>
                        {
                            // It exists (perhaps closed, perhaps just stored): use it.
                            existing = list_milestones(client).await?;
                        }
                        Err(error) => return Err(error),
                    }
                }
                outcome.milestones_created.push(title.clone());
            }
            Some(milestone) => {
                if milestone.description.as_deref().unwrap_or_default() != description {
                    if !dry_run {
                        let _: wire::Milestone = client
                            .update(
                                &client.repo(&format!("/milestones/{}", milestone.number)),
                                &json!({"description": description}),
                            )
                            .await?;
                    }
                    outcome.milestones_updated.push(title.clone());
                }
            }
        }
        if let Some(milestone) = existing.get(&title) {
            numbers.insert(level, milestone.number);
        }
    }
    Ok(numbers)
}

async fn list_milestones(
    client: &mut Client<'_>,
) -> Result<BTreeMap<String, wire::Milestone>, Error> {
    let path = client.repo("/milestones?state=all");
    Ok(client
        .list::<wire::Milestone>(&path)
        .await?
        .into_iter()
        .map(|milestone| (milestone.title.clone(), milestone))
        .collect())
}

/// The issue number of every step that has a tracking issue.
pub async fn tracking_issues(client: &mut Client<'_>) -> Result<BTreeMap<String, u64>, Error> {
    Ok(list_issues(client, Some(LABEL))
        .await?
        .into_iter()
        .filter_map(|issue| Some((body::marker(&issue.body)?.step, issue.number)))
        .collect())
}

/// Every issue with `label` (or every issue, without one), in every state, pull
/// requests left out. Never filtered by creator: a CI token cannot ask who it is,
/// and its issues belong to `github-actions[bot]`.
async fn list_issues(client: &mut Client<'_>, label: Option<&str>) -> Result<Vec<Existing>, Error> {
    let filter = label
        .map(|label| format!("labels={}&", utf8_percent_encode(label, SEGMENT)))
        .unwrap_or_default();
    let path = client.repo(&format!("/issues?{filter}state=all"));
    Ok(client
        .list::<wire::Issue>(&path)
        .await?
        .into_iter()
        .filter(|issue| issue.pull_request.is_none())
        .map(|issue| Existing {
            number: issue.number,
            title: issue.title,
            body: issue.body.unwrap_or_default(),
            open: issue.state == "open",
            labels: issue
                .labels
                .iter()
                .map(|label| label.name().to_string())
                .collect(),
            milestone: issue.milestone.map(|milestone| milestone.title),
        })
        .collect())
}

fn desired_issue(pack: &Pack, step: &Step, options: &Options<'_>) -> Desired {
    let language = &options.language;
    let mut text = format!("{}\n\n**Done when**\n\n", step.summary.get(language).trim());
    for item in &step.done_when {
        text.push_str(&format!("- [ ] {}\n", item.get(language).trim()));
    }
    let files: Vec<&String> = step
        .blueprints
        .iter()
        .flat_map(|name| options.files.get(name).into_iter().flatten())
        .collect();
    if !files.is_empty() {
        text.push_str(&format!(
            "\n**Files** (`levelup apply --to {}` writes them)\n\n",
            step.level
        ));
        for file in files {
            text.push_str(&format!("- `{file}`\n"));
        }
    } else if !step.blueprints.is_empty() {
        text.push_str(&format!(
            "\n**Blueprints**: {} (`levelup apply --to {}` writes their files)\n",
            step.blueprints
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", "),
            step.level
        ));
    }
    let reference = pack.reference(step);
    text.push_str(&format!(
        "\n**Model**: {} v{}, level {}, {}, {} · step `{}`\n",
        reference.model,
        reference.version,
        reference.level,
        reference.dimension,
        reference.topic,
        step.id
    ));
    let title = step.title.get(language).to_string();
    let milestone = pack.level(step.level).title.get(language).to_string();
    Desired {
        step: step.id.to_string(),
        body: body::with_marker(step.id.as_str(), &text, &title, &milestone),
        title,
        labels: vec![
            LABEL.to_string(),
            level_label(pack, step.level),
            dimension_label(&pack.dimension(step.dimension).id),
        ],
        milestone,
    }
}

/// What levelup sends for an issue: title, body, labels and milestone; never
/// `assignees`, which belong to the people triaging. `desired.labels` already
/// holds the person's labels next to levelup's (see the reconcile). A milestone
/// whose number is unknown (its creation was uncertain) is left out, never sent
/// as `null`, which would clear the issue's milestone.
fn issue_payload(desired: &Desired, milestones: &BTreeMap<String, u64>) -> Value {
    let mut payload = json!({
        "title": desired.title,
        "body": desired.body,
        "labels": desired.labels,
    });
    if let (Some(number), Some(object)) =
        (milestones.get(&desired.milestone), payload.as_object_mut())
    {
        object.insert("milestone".to_string(), json!(number));
    }
    payload
}

async fn create_issue(
    client: &mut Client<'_>,
    desired: &Desired,
    milestones: &BTreeMap<Level, u64>,
) -> Result<u64, Error> {
    let payload = payload_for(desired, milestones);
    let path = client.repo("/issues");
    match client.create::<wire::Issue>(&path, &payload).await {
        Ok(issue) => Ok(issue.number),
        Err(Error::Uncertain { .. }) => {
            // GitHub may have stored it: look for its marker before creating again.
            let existing = list_issues(client, Some(LABEL)).await?;
            if let Some(found) = existing.iter().find(|issue| {
                body::marker(&issue.body).is_some_and(|marker| marker.step == desired.step)
            }) {
                return Ok(found.number);
            }
            let issue: wire::Issue = client.create(&path, &payload).await?;
            Ok(issue.number)
        }
        Err(error) => Err(error),
    }
}

/// The milestone number for a desired issue, found by its level label.
fn payload_for(desired: &Desired, milestones: &BTreeMap<Level, u64>) -> Value {
    let level = desired
        .labels
        .iter()
        .find_map(|label| label.strip_prefix(&format!("{LABEL}:level-")))
        .and_then(|rest| rest.split('-').next())
        .and_then(|number| number.parse::<u8>().ok())
        .and_then(Level::new);
    let by_title: BTreeMap<String, u64> = level
        .and_then(|level| milestones.get(&level))
        .map(|number| BTreeMap::from([(desired.milestone.clone(), *number)]))
        .unwrap_or_default();
    issue_payload(desired, &by_title)
}

async fn update_issue(
    client: &mut Client<'_>,
    number: u64,
    desired: &Desired,
    milestones: &BTreeMap<Level, u64>,
) -> Result<(), Error> {
    let payload = payload_for(desired, milestones);
    let _: wire::Issue = client
        .update(&client.repo(&format!("/issues/{number}")), &payload)
        .await?;
    Ok(())
}

async fn close_removed(client: &mut Client<'_>, number: u64) -> Result<(), Error> {
    let _: serde::de::IgnoredAny = client
        .create(
            &client.repo(&format!("/issues/{number}/comments")),
            &json!({"body": "This step is no longer part of the roadmap levelup plans (its step left the content, or the target level was lowered), so the issue is closed as not planned."}),
        )
        .await?;
    let _: wire::Issue = client
        .update(
            &client.repo(&format!("/issues/{number}")),
            &json!({"state": "closed", "state_reason": "not_planned"}),
        )
        .await?;
    Ok(())
}

/// What stays as it is in a URL path segment or query value: letters, digits and `-_.~`.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// `/labels/NAME`, the name percent-encoded.
fn label_path(name: &str) -> String {
    format!("/labels/{}", utf8_percent_encode(name, SEGMENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_names_are_percent_encoded() {
        assert_eq!(
            label_path("levelup:level-3-scale"),
            "/labels/levelup%3Alevel-3-scale"
        );
        assert_eq!(label_path("a b/ü"), "/labels/a%20b%2F%C3%BC");
    }

    fn payload_keys(payload: &Value) -> Vec<&str> {
        let mut keys: Vec<&str> = payload
            .as_object()
            .map(|object| object.keys().map(String::as_str).collect())
            .unwrap_or_default();
        keys.sort_unstable();
        keys
    }

    #[test]
    fn a_milestone_whose_number_is_unknown_is_left_out_not_cleared() {
        let desired = Desired {
            step: "a.b.c".into(),
            title: "T".into(),
            body: "B".into(),
            labels: vec!["levelup".into(), "levelup:level-2-operate".into()],
            milestone: "Level 2: Operate".into(),
        };
        let known = payload_for(
            &desired,
            &BTreeMap::from([(Level::new(2).expect("level"), 4)]),
        );
        assert_eq!(known["milestone"], json!(4));
        let unknown = payload_for(&desired, &BTreeMap::new());
        assert_eq!(payload_keys(&unknown), ["body", "labels", "title"]);
    }

    #[test]
    fn every_change_and_only_a_change_counts() {
        let one = || {
            vec![IssueRef {
                step: "a".into(),
                number: Some(1),
                title: "t".into(),
                edited: vec!["title"],
            }]
        };
        let name = || vec!["x".to_string()];
        type Set = fn(&mut Outcome, Vec<IssueRef>, Vec<String>);
        let changes: [(&str, Set); 8] = [
            ("labels_created", |o, _, n| o.labels_created = n),
            ("labels_updated", |o, _, n| o.labels_updated = n),
            ("milestones_created", |o, _, n| o.milestones_created = n),
            ("milestones_updated", |o, _, n| o.milestones_updated = n),
            ("created", |o, i, _| o.created = i),
            ("updated", |o, i, _| o.updated = i),
            ("overwritten", |o, i, _| o.overwritten = i),
            ("closed", |o, i, _| o.closed = i),
        ];
        assert!(!Outcome::default().has_changes());
        for (field, set) in changes {
            let mut outcome = Outcome::default();
            set(&mut outcome, one(), name());
            assert!(outcome.has_changes(), "{field} alone is a change");
        }
        let only_reported = Outcome {
            unchanged: 3,
            edited: one(),
            removed: one(),
            writes: 0,
            ..Outcome::default()
        };
        assert!(!only_reported.has_changes());
    }
}
