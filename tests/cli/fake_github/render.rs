//! Response objects: GitHub's own examples from the OpenAPI description, with the fields that
//! matter overwritten from the fake's state.

use serde_json::{Map, Value, json};

use super::routes::{CommentRec, ItemRec, LabelRec, MilestoneRec, State};

/// The examples this fake builds its answers from, their URLs already pointing at the fake.
pub struct Templates {
    issue: Value,
    label: Value,
    milestone: Value,
    pull: Value,
    pull_simple: Value,
    repository: Value,
    comment: Value,
    user: Value,
}

impl Templates {
    pub fn new(
        openapi: &Value,
        api_url: &str,
        html_base: &str,
        owner: &str,
        name: &str,
    ) -> Templates {
        let example = |key: &str| -> Value {
            let value = &openapi["components"]["examples"][key]["value"];
            assert!(
                !value.is_null(),
                "the OpenAPI description has no example `{key}`"
            );
            let value = match value {
                Value::Array(items) => items.first().cloned().unwrap_or(Value::Null),
                other => other.clone(),
            };
            rewrite(value, api_url, html_base, owner, name)
        };
        let issue = example("issue");
        let user = issue["user"].clone();
        Templates {
            issue,
            label: example("label"),
            milestone: example("milestone"),
            pull: example("pull-request"),
            pull_simple: example("pull-request-simple-items"),
            repository: example("full-repository"),
            comment: example("issue-comment"),
            user,
        }
    }
}

/// Points the example's URLs at the fake and its `octocat/Hello-World` at `owner/name`.
fn rewrite(value: Value, api_url: &str, html_base: &str, owner: &str, name: &str) -> Value {
    match value {
        Value::String(text) => {
            if text == "Hello-World" {
                return Value::String(name.to_string());
            }
            let text = text
                .replace("https://api.github.com", api_url)
                .replace("https://github.com", html_base)
                .replace("octocat/Hello-World", &format!("{owner}/{name}"));
            Value::String(text)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(|item| rewrite(item, api_url, html_base, owner, name))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(key, item)| (key, rewrite(item, api_url, html_base, owner, name)))
                .collect(),
        ),
        other => other,
    }
}

/// An RFC 3339 UTC timestamp of the fake's clock: 2024-01-01T00:00:00Z plus `tick` seconds.
pub fn timestamp(tick: u64) -> String {
    let secs = 1_704_067_200 + tick;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Howard Hinnant's days-to-civil.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Percent-encodes one path segment (a label name).
pub fn encode_segment(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

fn set(target: &mut Value, pairs: Vec<(&str, Value)>) {
    let map: &mut Map<String, Value> = target.as_object_mut().expect("an example object");
    for (key, value) in pairs {
        map.insert(key.to_string(), value);
    }
}

/// A fake 40-hex commit id, stable for a branch name.
fn sha_for(text: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}{:016x}{:08x}", hash.rotate_left(17), hash >> 32)
}

fn opt(text: &Option<String>) -> Value {
    text.as_ref()
        .map_or(Value::Null, |text| Value::String(text.clone()))
}

impl State {
    fn repo_api(&self) -> String {
        format!("{}/repos/{}/{}", self.api_url, self.owner, self.name)
    }

    fn repo_html(&self) -> String {
        format!("{}/{}/{}", self.html_base, self.owner, self.name)
    }

    pub fn render_user(&self) -> Value {
        self.templates.user.clone()
    }

    pub fn render_label(&self, label: &LabelRec) -> Value {
        let mut value = self.templates.label.clone();
        set(
            &mut value,
            vec![
                ("id", json!(label.id)),
                ("node_id", json!(format!("LA_fake{}", label.id))),
                (
                    "url",
                    json!(format!(
                        "{}/labels/{}",
                        self.repo_api(),
                        encode_segment(&label.name)
                    )),
                ),
                ("name", json!(label.name)),
                ("description", opt(&label.description)),
                ("color", json!(label.color)),
                ("default", json!(false)),
            ],
        );
        value
    }

    pub fn render_milestone(&self, milestone: &MilestoneRec) -> Value {
        let mut value = self.templates.milestone.clone();
        let counted = |state: &str| {
            self.items
                .iter()
                .filter(|item| item.milestone == Some(milestone.number) && item.state == state)
                .count()
        };
        let api = format!("{}/milestones/{}", self.repo_api(), milestone.number);
        set(
            &mut value,
            vec![
                ("url", json!(api)),
                (
                    "html_url",
                    json!(format!(
                        "{}/milestone/{}",
                        self.repo_html(),
                        milestone.number
                    )),
                ),
                ("labels_url", json!(format!("{api}/labels"))),
                ("id", json!(milestone.id)),
                ("node_id", json!(format!("MI_fake{}", milestone.id))),
                ("number", json!(milestone.number)),
                ("state", json!(milestone.state)),
                ("title", json!(milestone.title)),
                ("description", opt(&milestone.description)),
                ("creator", self.render_user()),
                ("open_issues", json!(counted("open"))),
                ("closed_issues", json!(counted("closed"))),
                ("created_at", json!(timestamp(milestone.created))),
                ("updated_at", json!(timestamp(milestone.updated))),
                (
                    "closed_at",
                    milestone
                        .closed_at
                        .map_or(Value::Null, |tick| json!(timestamp(tick))),
                ),
                ("due_on", opt(&milestone.due_on)),
            ],
        );
        value
    }

    fn rendered_labels(&self, item: &ItemRec) -> Value {
        Value::Array(
            item.labels
                .iter()
                .filter_map(|id| self.labels.iter().find(|label| label.id == *id))
                .map(|label| self.render_label(label))
                .collect(),
        )
    }

    fn rendered_milestone(&self, item: &ItemRec) -> Value {
        item.milestone
            .and_then(|number| self.milestones.iter().find(|m| m.number == number))
            .map_or(Value::Null, |milestone| self.render_milestone(milestone))
    }

    /// An issue or a pull request as the issues endpoints return it.
    pub fn render_issue(&self, item: &ItemRec) -> Value {
        let mut value = self.templates.issue.clone();
        let api = format!("{}/issues/{}", self.repo_api(), item.number);
        let html_kind = if item.pull.is_some() {
            "pull"
        } else {
            "issues"
        };
        let closed = item
            .closed_at
            .map_or(Value::Null, |tick| json!(timestamp(tick)));
        set(
            &mut value,
            vec![
                ("id", json!(item.id)),
                ("node_id", json!(format!("I_fake{}", item.id))),
                ("url", json!(api)),
                ("repository_url", json!(self.repo_api())),
                ("labels_url", json!(format!("{api}/labels{{/name}}"))),
                ("comments_url", json!(format!("{api}/comments"))),
                ("events_url", json!(format!("{api}/events"))),
                (
                    "html_url",
                    json!(format!("{}/{html_kind}/{}", self.repo_html(), item.number)),
                ),
                ("number", json!(item.number)),
                ("state", json!(item.state)),
                ("state_reason", opt(&item.state_reason)),
                ("title", json!(item.title)),
                ("body", opt(&item.body)),
                ("user", self.render_user()),
                ("labels", self.rendered_labels(item)),
                ("assignee", Value::Null),
                ("assignees", json!([])),
                ("milestone", self.rendered_milestone(item)),
                ("locked", json!(false)),
                ("active_lock_reason", Value::Null),
                (
                    "comments",
                    json!(
                        self.comments
                            .iter()
                            .filter(|c| c.issue == item.number)
                            .count()
                    ),
                ),
                ("closed_at", closed),
                (
                    "closed_by",
                    if item.closed_at.is_some() {
                        self.render_user()
                    } else {
                        Value::Null
                    },
                ),
                ("created_at", json!(timestamp(item.created))),
                ("updated_at", json!(timestamp(item.updated))),
                ("author_association", json!("OWNER")),
            ],
        );
        let map = value.as_object_mut().expect("an issue object");
        if item.pull.is_some() {
            let pulls = format!("{}/pull/{}", self.repo_html(), item.number);
            map.insert(
                "pull_request".into(),
                json!({
                    "url": format!("{}/pulls/{}", self.repo_api(), item.number),
                    "html_url": pulls,
                    "diff_url": format!("{pulls}.diff"),
                    "patch_url": format!("{pulls}.patch"),
                    "merged_at": null,
                }),
            );
        } else {
            map.remove("pull_request");
        }
        value
    }

    /// A pull request as `GET /pulls/{n}` (full) or `GET /pulls` (`simple`) returns it.
    pub fn render_pull(&self, item: &ItemRec, simple: bool) -> Value {
        let pull = item.pull.as_ref().expect("a pull request");
        let mut value = if simple {
            self.templates.pull_simple.clone()
        } else {
            self.templates.pull.clone()
        };
        let api = format!("{}/pulls/{}", self.repo_api(), item.number);
        let issue_api = format!("{}/issues/{}", self.repo_api(), item.number);
        let html = format!("{}/pull/{}", self.repo_html(), item.number);
        let head_sha = sha_for(&pull.head_label);
        let branch = |template: &Value, label: &str, reference: &str, sha: &str| {
            let mut branch = template.clone();
            set(
                &mut branch,
                vec![
                    ("label", json!(label)),
                    ("ref", json!(reference)),
                    ("sha", json!(sha)),
                    ("user", self.render_user()),
                ],
            );
            if let Some(repo) = branch.get_mut("repo").filter(|repo| repo.is_object()) {
                set(
                    repo,
                    vec![
                        ("id", json!(self.repo_id)),
                        ("name", json!(self.name)),
                        ("full_name", json!(format!("{}/{}", self.owner, self.name))),
                        ("default_branch", json!("main")),
                    ],
                );
            }
            branch
        };
        let head = branch(&value["head"], &pull.head_label, &pull.head_ref, &head_sha);
        let base = branch(
            &value["base"],
            &format!("{}:{}", self.owner, pull.base_ref),
            &pull.base_ref,
            &sha_for(&pull.base_ref),
        );
        let closed = item
            .closed_at
            .map_or(Value::Null, |tick| json!(timestamp(tick)));
        set(
            &mut value,
            vec![
                ("url", json!(api)),
                ("id", json!(pull.id)),
                ("node_id", json!(format!("PR_fake{}", pull.id))),
                ("html_url", json!(html)),
                ("diff_url", json!(format!("{html}.diff"))),
                ("patch_url", json!(format!("{html}.patch"))),
                ("issue_url", json!(issue_api)),
                ("commits_url", json!(format!("{api}/commits"))),
                ("review_comments_url", json!(format!("{api}/comments"))),
                (
                    "review_comment_url",
                    json!(format!("{}/pulls/comments{{/number}}", self.repo_api())),
                ),
                ("comments_url", json!(format!("{issue_api}/comments"))),
                (
                    "statuses_url",
                    json!(format!("{}/statuses/{head_sha}", self.repo_api())),
                ),
                ("number", json!(item.number)),
                ("state", json!(item.state)),
                ("locked", json!(false)),
                ("title", json!(item.title)),
                ("user", self.render_user()),
                ("body", opt(&item.body)),
                ("labels", self.rendered_labels(item)),
                ("milestone", self.rendered_milestone(item)),
                ("active_lock_reason", Value::Null),
                ("created_at", json!(timestamp(item.created))),
                ("updated_at", json!(timestamp(item.updated))),
                ("closed_at", closed),
                ("merged_at", Value::Null),
                ("merge_commit_sha", Value::Null),
                ("assignee", Value::Null),
                ("assignees", json!([])),
                ("requested_reviewers", json!([])),
                ("requested_teams", json!([])),
                ("head", head),
                ("base", base),
                (
                    "_links",
                    json!({
                        "self": {"href": api},
                        "html": {"href": html},
                        "issue": {"href": issue_api},
                        "comments": {"href": format!("{issue_api}/comments")},
                        "review_comments": {"href": format!("{api}/comments")},
                        "review_comment": {"href": format!("{}/pulls/comments{{/number}}", self.repo_api())},
                        "commits": {"href": format!("{api}/commits")},
                        "statuses": {"href": format!("{}/statuses/{head_sha}", self.repo_api())},
                    }),
                ),
                ("author_association", json!("OWNER")),
                ("auto_merge", Value::Null),
                ("draft", json!(pull.draft)),
            ],
        );
        if !simple {
            set(
                &mut value,
                vec![
                    ("merged", json!(false)),
                    ("mergeable", json!(true)),
                    ("rebaseable", json!(true)),
                    ("mergeable_state", json!("clean")),
                    ("merged_by", Value::Null),
                    (
                        "comments",
                        json!(
                            self.comments
                                .iter()
                                .filter(|c| c.issue == item.number)
                                .count()
                        ),
                    ),
                    ("review_comments", json!(0)),
                    ("commits", json!(1)),
                ],
            );
        }
        value
    }

    pub fn render_comment(&self, comment: &CommentRec) -> Value {
        let mut value = self.templates.comment.clone();
        set(
            &mut value,
            vec![
                ("id", json!(comment.id)),
                ("node_id", json!(format!("IC_fake{}", comment.id))),
                (
                    "url",
                    json!(format!(
                        "{}/issues/comments/{}",
                        self.repo_api(),
                        comment.id
                    )),
                ),
                (
                    "html_url",
                    json!(format!(
                        "{}/issues/{}#issuecomment-{}",
                        self.repo_html(),
                        comment.issue,
                        comment.id
                    )),
                ),
                ("body", json!(comment.body)),
                ("user", self.render_user()),
                ("created_at", json!(timestamp(comment.created))),
                ("updated_at", json!(timestamp(comment.updated))),
                (
                    "issue_url",
                    json!(format!("{}/issues/{}", self.repo_api(), comment.issue)),
                ),
                ("author_association", json!("OWNER")),
            ],
        );
        value
    }

    pub fn render_repository(&self) -> Value {
        let mut value = self.templates.repository.clone();
        let html = self.repo_html();
        let host = self
            .html_base
            .trim_start_matches("http://")
            .trim_start_matches("https://")
            .to_string();
        let open_issues = self
            .items
            .iter()
            .filter(|item| item.state == "open")
            .count();
        set(
            &mut value,
            vec![
                ("id", json!(self.repo_id)),
                ("node_id", json!(format!("R_fake{}", self.repo_id))),
                ("name", json!(self.name)),
                ("full_name", json!(format!("{}/{}", self.owner, self.name))),
                ("private", json!(false)),
                ("html_url", json!(html)),
                ("url", json!(self.repo_api())),
                ("clone_url", json!(format!("{html}.git"))),
                (
                    "git_url",
                    json!(format!("git://{host}/{}/{}.git", self.owner, self.name)),
                ),
                (
                    "ssh_url",
                    json!(format!("git@{host}:{}/{}.git", self.owner, self.name)),
                ),
                ("svn_url", json!(html)),
                ("mirror_url", Value::Null),
                ("homepage", Value::Null),
                ("default_branch", json!("main")),
                ("fork", json!(false)),
                ("open_issues_count", json!(open_issues)),
                ("open_issues", json!(open_issues)),
                ("has_issues", json!(true)),
                // Required by the description's full-repository schema, missing from its example.
                ("has_discussions", json!(false)),
                ("archived", json!(false)),
                ("disabled", json!(false)),
                ("template_repository", Value::Null),
                ("organization", Value::Null),
                (
                    "permissions",
                    json!({"admin": true, "maintain": true, "push": true, "triage": true, "pull": true}),
                ),
            ],
        );
        if let Some(owner) = value.get_mut("owner").filter(|owner| owner.is_object()) {
            set(owner, vec![("login", json!(self.owner))]);
        }
        let map = value.as_object_mut().expect("a repository object");
        map.remove("parent");
        map.remove("source");
        value
    }
}
