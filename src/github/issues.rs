//! `levelup issues`: the roadmap as GitHub issues, one per step, with a milestone
//! per level and labels for levelup, each level and each dimension.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use super::body;
use super::client::{Client, Error};
use super::reconcile::{self, Decision, Desired, Existing, Standing};
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

#[derive(Debug, Clone, Serialize)]
pub struct IssueRef {
    pub step: String,
    /// `None` for an issue not created yet (`--dry-run`).
    pub number: Option<u64>,
    pub title: String,
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

    ensure_labels(
        client,
        &label_specs(pack, &options.language),
        options.dry_run,
        &mut outcome,
    )
    .await?;
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
    let existing = list_issues(client).await?;
    let standing = |step: &str| standing(pack, options, step);
    let decisions = reconcile::reconcile(&desired, &existing, &standing);

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
            Decision::Edited { number, desired } => {
                if options.force {
                    if !options.dry_run {
                        update_issue(client, number, &desired, &milestones).await?;
                    }
                    outcome.overwritten.push(issue_ref(&desired, Some(number)));
                } else {
                    outcome.edited.push(issue_ref(&desired, Some(number)));
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
    let mut existing: BTreeMap<String, Value> = client
        .list(&path)
        .await?
        .into_iter()
        .filter_map(|label| Some((label["name"].as_str()?.to_lowercase(), label)))
        .collect();
    for spec in specs {
        let wanted =
            json!({"name": spec.name, "color": spec.color, "description": spec.description});
        let found = existing.get(&spec.name.to_lowercase()).cloned();
        match found {
            None => {
                if !dry_run {
                    match client.create(&path, &wanted).await {
                        Ok(_) => {}
                        Err(error) if error.is_already_exists() => {
                            // Someone created it meanwhile: fetch it and carry on.
                            let label = client
                                .get(&client.repo(&format!("/labels/{}", encode(&spec.name))))
                                .await?;
                            existing.insert(spec.name.to_lowercase(), label);
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
                let same = label["color"]
                    .as_str()
                    .unwrap_or_default()
                    .eq_ignore_ascii_case(&spec.color)
                    && label["description"].as_str().unwrap_or_default() == spec.description;
                if !same {
                    if !dry_run {
                        client
                            .update(
                                &client.repo(&format!("/labels/{}", encode(&spec.name))),
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
        if !existing.contains_key(&title) && !dry_run {
            match client
                .create(&path, &json!({"title": title, "description": description}))
                .await
            {
                Ok(milestone) => {
                    existing.insert(title.clone(), milestone);
                }
                Err(error)
                    if error.is_already_exists() || matches!(error, Error::Uncertain { .. }) =>
                {
                    // It exists (perhaps closed, perhaps just stored): use it.
                    existing = list_milestones(client).await?;
                }
                Err(error) => return Err(error),
            }
            outcome.milestones_created.push(title.clone());
        } else if !existing.contains_key(&title) {
            outcome.milestones_created.push(title.clone());
        } else if existing[&title]["description"].as_str().unwrap_or_default() != description
            && let Some(number) = existing[&title]["number"].as_u64()
        {
            if !dry_run {
                client
                    .update(
                        &client.repo(&format!("/milestones/{number}")),
                        &json!({"description": description}),
                    )
                    .await?;
            }
            outcome.milestones_updated.push(title.clone());
        }
        if let Some(number) = existing
            .get(&title)
            .and_then(|milestone| milestone["number"].as_u64())
        {
            numbers.insert(level, number);
        }
    }
    Ok(numbers)
}

async fn list_milestones(client: &mut Client<'_>) -> Result<BTreeMap<String, Value>, Error> {
    let path = client.repo("/milestones?state=all");
    Ok(client
        .list(&path)
        .await?
        .into_iter()
        .filter_map(|milestone| Some((milestone["title"].as_str()?.to_string(), milestone)))
        .collect())
}

/// The issue number of every step that has a tracking issue.
pub async fn tracking_issues(client: &mut Client<'_>) -> Result<BTreeMap<String, u64>, Error> {
    Ok(list_issues(client)
        .await?
        .into_iter()
        .filter_map(|issue| Some((body::marker(&issue.body)?.step, issue.number)))
        .collect())
}

/// Every issue with levelup's label, in every state, pull requests left out.
async fn list_issues(client: &mut Client<'_>) -> Result<Vec<Existing>, Error> {
    let path = client.repo(&format!("/issues?labels={LABEL}&state=all"));
    Ok(client
        .list(&path)
        .await?
        .into_iter()
        .filter(|issue| issue.get("pull_request").is_none())
        .filter_map(|issue| {
            Some(Existing {
                number: issue["number"].as_u64()?,
                title: issue["title"].as_str().unwrap_or_default().to_string(),
                body: issue["body"].as_str().unwrap_or_default().to_string(),
                open: issue["state"] == "open",
                labels: issue["labels"]
                    .as_array()
                    .map(|labels| {
                        labels
                            .iter()
                            .filter_map(|label| {
                                label["name"]
                                    .as_str()
                                    .or(label.as_str())
                                    .map(str::to_string)
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
                milestone: issue["milestone"]["title"].as_str().map(str::to_string),
            })
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
    Desired {
        step: step.id.to_string(),
        title: step.title.get(language).to_string(),
        body: body::with_marker(step.id.as_str(), &text),
        labels: vec![
            LABEL.to_string(),
            level_label(pack, step.level),
            dimension_label(&pack.dimension(step.dimension).id),
        ],
        milestone: pack.level(step.level).title.get(language).to_string(),
    }
}

fn issue_payload(desired: &Desired, milestones: &BTreeMap<String, u64>) -> Value {
    json!({
        "title": desired.title,
        "body": desired.body,
        "labels": desired.labels,
        "milestone": milestones.get(&desired.milestone),
    })
}

async fn create_issue(
    client: &mut Client<'_>,
    desired: &Desired,
    milestones: &BTreeMap<Level, u64>,
) -> Result<u64, Error> {
    let payload = payload_for(desired, milestones);
    let path = client.repo("/issues");
    match client.create(&path, &payload).await {
        Ok(issue) => issue["number"].as_u64().ok_or_else(|| Error::Decode {
            method: "POST".into(),
            path,
            reason: "the created issue has no number".into(),
        }),
        Err(Error::Uncertain { .. }) => {
            // GitHub may have stored it: look for its marker before creating again.
            let existing = list_issues(client).await?;
            if let Some(found) = existing.iter().find(|issue| {
                body::marker(&issue.body).is_some_and(|marker| marker.step == desired.step)
            }) {
                return Ok(found.number);
            }
            let issue = client.create(&path, &payload).await?;
            issue["number"].as_u64().ok_or_else(|| Error::Decode {
                method: "POST".into(),
                path,
                reason: "the created issue has no number".into(),
            })
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
    client
        .update(&client.repo(&format!("/issues/{number}")), &payload)
        .await?;
    Ok(())
}

async fn close_removed(client: &mut Client<'_>, number: u64) -> Result<(), Error> {
    client
        .create(
            &client.repo(&format!("/issues/{number}/comments")),
            &json!({"body": "This step is no longer part of the roadmap levelup plans (its step left the content, or the target level was lowered), so the issue is closed as not planned."}),
        )
        .await?;
    client
        .update(
            &client.repo(&format!("/issues/{number}")),
            &json!({"state": "closed", "state_reason": "not_planned"}),
        )
        .await?;
    Ok(())
}

/// A label name as a URL path segment.
fn encode(name: &str) -> String {
    name.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
