//! The fake's state and its REST endpoints, with GitHub's semantics and error bodies.

use std::collections::VecDeque;

use serde_json::{Value, json};

use super::render::Templates;
use super::{Fault, RATE_LIMIT, Recorded, is_write, unix_now};

const DOCS: &str = "https://docs.github.com/rest";
const SECONDARY: &str = "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 0000:FAKE:0000000:0000000:00000000.";

pub struct State {
    pub owner: String,
    pub name: String,
    pub repo_id: u64,
    pub api_url: String,
    pub html_base: String,
    pub page_cap: Option<usize>,
    pub repository_id_links: bool,
    pub faults: VecDeque<Fault>,
    pub requests: Vec<Recorded>,
    pub remaining: u64,
    pub reset_at: u64,
    /// The fake clock, in seconds after 2024-01-01T00:00:00Z: one tick per change.
    pub clock: u64,
    pub next_id: u64,
    pub labels: Vec<LabelRec>,
    pub milestones: Vec<MilestoneRec>,
    /// Issues and pull requests: one number space, `number == index + 1`.
    pub items: Vec<ItemRec>,
    pub comments: Vec<CommentRec>,
    pub templates: Templates,
}

pub struct LabelRec {
    pub id: u64,
    pub name: String,
    pub color: String,
    pub description: Option<String>,
}

pub struct MilestoneRec {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub description: Option<String>,
    pub state: String,
    pub due_on: Option<String>,
    pub created: u64,
    pub updated: u64,
    pub closed_at: Option<u64>,
}

pub struct ItemRec {
    pub id: u64,
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub state: String,
    pub state_reason: Option<String>,
    /// Label ids, so a renamed label stays on its issues.
    pub labels: Vec<u64>,
    pub milestone: Option<u64>,
    pub created: u64,
    pub updated: u64,
    pub closed_at: Option<u64>,
    pub pull: Option<PullRec>,
}

pub struct PullRec {
    pub id: u64,
    /// "owner:branch"
    pub head_label: String,
    pub head_ref: String,
    pub base_ref: String,
    pub draft: bool,
}

pub struct CommentRec {
    pub id: u64,
    pub issue: u64,
    pub body: String,
    pub created: u64,
    pub updated: u64,
}

impl ItemRec {
    pub fn set_state(&mut self, state: &str, reason: Option<String>, now: u64) {
        match (self.state.as_str(), state) {
            ("open", "closed") => {
                self.closed_at = Some(now);
                self.state_reason = Some(reason.unwrap_or_else(|| "completed".into()));
            }
            ("closed", "open") => {
                self.closed_at = None;
                self.state_reason = Some("reopened".into());
            }
            _ => {
                if reason.is_some() {
                    self.state_reason = reason;
                }
            }
        }
        self.state = state.to_string();
        self.updated = now;
    }
}

/// What the fake answers.
pub struct Answer {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    fn json(status: u16, body: Value) -> Answer {
        Answer {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    fn header(mut self, name: &str, value: impl ToString) -> Answer {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn error(status: u16, message: &str) -> Answer {
        Answer::json(
            status,
            json!({"message": message, "documentation_url": DOCS, "status": status.to_string()}),
        )
    }

    pub fn not_found() -> Answer {
        Answer::error(404, "Not Found")
    }

    fn no_content() -> Answer {
        Answer {
            status: 204,
            body: None,
            headers: Vec::new(),
        }
    }

    /// 422 "Validation Failed" with one error.
    fn invalid(resource: &str, field: &str, code: &str) -> Answer {
        Answer::json(
            422,
            json!({
                "message": "Validation Failed",
                "errors": [{"resource": resource, "code": code, "field": field}],
                "documentation_url": DOCS,
                "status": "422",
            }),
        )
    }

    fn custom(resource: &str, message: &str) -> Answer {
        Answer::json(
            422,
            json!({
                "message": "Validation Failed",
                "errors": [{"resource": resource, "code": "custom", "message": message}],
                "documentation_url": DOCS,
                "status": "422",
            }),
        )
    }

    fn has_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(key, _)| key.eq_ignore_ascii_case(name))
    }
}

/// Decoded query parameters, in order.
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: &str) -> Query {
        Query(
            raw.split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(key, true), decode(value, true))
                })
                .collect(),
        )
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

/// Percent-decoding; `plus` also turns `+` into a space (query strings).
pub fn decode(text: &str, plus: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                match u8::from_str_radix(hex, 16) {
                    Ok(byte) => {
                        out.push(byte);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' if plus => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A body field as text: strings, and numbers GitHub accepts in their place.
fn text_field(body: &Value, key: &str) -> Option<String> {
    match &body[key] {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A nullable string field: Some(None) for an explicit null, None when absent.
fn nullable_text(body: &Value, key: &str) -> Option<Option<String>> {
    match body.get(key) {
        None => None,
        Some(Value::Null) => Some(None),
        Some(other) => Some(text_field(&json!({ key: other }), key)),
    }
}

fn number_field(value: &Value) -> Option<u64> {
    match value {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

impl State {
    pub fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub fn item_mut(&mut self, number: u64) -> &mut ItemRec {
        self.items
            .iter_mut()
            .find(|item| item.number == number)
            .unwrap_or_else(|| panic!("the fake has no issue or pull request #{number}"))
    }

    fn find_label(&self, name: &str) -> Option<usize> {
        self.labels
            .iter()
            .position(|label| label.name.eq_ignore_ascii_case(name))
    }

    pub fn insert_label(&mut self, name: &str, color: &str, description: Option<String>) -> u64 {
        assert!(self.find_label(name).is_none(), "label {name:?} exists");
        let id = self.id();
        self.labels.push(LabelRec {
            id,
            name: name.to_string(),
            color: color.to_string(),
            description,
        });
        id
    }

    /// The id of label `name`, created (like GitHub does for issue labels) when missing.
    pub fn label_id_or_create(&mut self, name: &str) -> u64 {
        match self.find_label(name) {
            Some(index) => self.labels[index].id,
            None => self.insert_label(name, "ededed", None),
        }
    }

    pub fn insert_milestone(
        &mut self,
        title: &str,
        description: Option<String>,
        state: &str,
    ) -> u64 {
        let id = self.id();
        let now = self.tick();
        let number = self.milestones.len() as u64 + 1;
        self.milestones.push(MilestoneRec {
            id,
            number,
            title: title.to_string(),
            description,
            state: state.to_string(),
            due_on: None,
            created: now,
            updated: now,
            closed_at: (state == "closed").then_some(now),
        });
        number
    }

    pub fn insert_issue(
        &mut self,
        title: String,
        body: Option<String>,
        labels: Vec<u64>,
        milestone: Option<u64>,
    ) -> u64 {
        let id = self.id();
        let now = self.tick();
        let number = self.items.len() as u64 + 1;
        self.items.push(ItemRec {
            id,
            number,
            title,
            body,
            state: "open".into(),
            state_reason: None,
            labels,
            milestone,
            created: now,
            updated: now,
            closed_at: None,
            pull: None,
        });
        number
    }

    pub fn insert_pull(
        &mut self,
        title: &str,
        body: Option<String>,
        head: &str,
        base: &str,
        draft: bool,
    ) -> u64 {
        let (head_label, head_ref) = match head.split_once(':') {
            Some((_, branch)) => (head.to_string(), branch.to_string()),
            None => (format!("{}:{head}", self.owner), head.to_string()),
        };
        let number = self.insert_issue(title.to_string(), body, Vec::new(), None);
        let id = self.id();
        self.item_mut(number).pull = Some(PullRec {
            id,
            head_label,
            head_ref,
            base_ref: base.to_string(),
            draft,
        });
        number
    }

    /// Adds the rate-limit headers GitHub sends with every response.
    pub fn finish(&self, answer: &mut Answer) {
        if !answer.has_header("x-ratelimit-remaining") {
            let headers = [
                ("x-ratelimit-limit", RATE_LIMIT.to_string()),
                ("x-ratelimit-remaining", self.remaining.to_string()),
                ("x-ratelimit-reset", self.reset_at.to_string()),
                (
                    "x-ratelimit-used",
                    (RATE_LIMIT - self.remaining).to_string(),
                ),
                ("x-ratelimit-resource", "core".to_string()),
            ];
            answer
                .headers
                .extend(headers.map(|(name, value)| (name.to_string(), value)));
        }
        answer
            .headers
            .push(("x-github-api-version-selected".into(), "2022-11-28".into()));
        answer.headers.push((
            "x-github-request-id".into(),
            format!("FAKE:{:08X}", self.requests.len() + 1),
        ));
    }

    /// Answers an authorised request under the prefix, firing `fault` if one matched.
    pub fn answer(
        &mut self,
        method: &str,
        path: &str,
        query: &str,
        body: Option<&Value>,
        fault: Option<Fault>,
    ) -> Answer {
        match fault {
            None => self.route(method, path, query, body),
            Some(Fault::SecondaryRateLimit { retry_after, .. }) => {
                Answer::error(403, SECONDARY).header("retry-after", retry_after)
            }
            Some(Fault::TooManyRequests { retry_after, .. }) => {
                Answer::error(429, SECONDARY).header("retry-after", retry_after)
            }
            Some(Fault::PrimaryRateLimit { reset_after, .. }) => Answer::error(
                403,
                "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID 0000:FAKE:0000000:0000000:00000000.",
            )
            .header("x-ratelimit-limit", RATE_LIMIT)
            .header("x-ratelimit-remaining", 0)
            .header("x-ratelimit-reset", unix_now() + reset_after)
            .header("x-ratelimit-used", RATE_LIMIT)
            .header("x-ratelimit-resource", "core"),
            Some(Fault::ServerError { status, .. }) => Answer::json(status, json!({"message": "Server Error"})),
            Some(Fault::BadGatewayAfterStore { .. }) => {
                let _stored = self.route(method, path, query, body);
                Answer::json(502, json!({"message": "Server Error"}))
            }
            Some(Fault::Redirect { location, .. }) => Answer {
                status: 302,
                body: None,
                headers: vec![("location".into(), location)],
            },
            Some(Fault::NextLink { next, .. }) => {
                let mut answer = self.route(method, path, query, body);
                answer.headers.retain(|(name, _)| name != "link");
                answer
                    .headers
                    .push(("link".into(), format!("<{next}>; rel=\"next\"")));
                answer
            }
            Some(Fault::CreatedConcurrently { .. }) => {
                let answer = self.route(method, path, query, body);
                if !(200..300).contains(&answer.status) {
                    return answer;
                }
                if path.ends_with("/milestones") {
                    Answer::invalid("Milestone", "title", "already_exists")
                } else if path.ends_with("/labels") {
                    Answer::invalid("Label", "name", "already_exists")
                } else {
                    Answer::custom("Resource", "already exists")
                }
            }
        }
    }

    fn route(&mut self, method: &str, path: &str, raw_query: &str, body: Option<&Value>) -> Answer {
        let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let rest: Vec<String> = match segments.as_slice() {
            ["repos", owner, name, rest @ ..]
                if owner.eq_ignore_ascii_case(&self.owner)
                    && name.eq_ignore_ascii_case(&self.name) =>
            {
                rest.iter().map(|segment| decode(segment, false)).collect()
            }
            ["repositories", id, rest @ ..] if *id == self.repo_id.to_string() => {
                rest.iter().map(|segment| decode(segment, false)).collect()
            }
            _ => return Answer::not_found(),
        };
        let rest: Vec<&str> = rest.iter().map(String::as_str).collect();
        let query = Query::parse(raw_query);
        let empty = json!({});
        let body = if is_write(method) {
            match body {
                None => &empty,
                Some(Value::Object(_)) => body.expect("a body"),
                Some(Value::String(_)) => return Answer::error(400, "Problems parsing JSON"),
                Some(_) => {
                    return Answer::error(422, "Invalid request.\n\nThe body is not an object.");
                }
            }
        } else {
            &empty
        };
        let number = |text: &str| text.parse::<u64>().ok();
        match (method, rest.as_slice()) {
            ("GET", []) => Answer::json(200, self.render_repository()),
            ("GET", ["labels"]) => {
                let mut labels: Vec<&LabelRec> = self.labels.iter().collect();
                labels.sort_by_key(|label| label.name.to_lowercase());
                let items = labels
                    .iter()
                    .map(|label| self.render_label(label))
                    .collect();
                self.paginate(items, path, raw_query, &query)
            }
            ("POST", ["labels"]) => self.create_label(body),
            ("GET", ["labels", name]) => match self.find_label(name) {
                Some(index) => Answer::json(200, self.render_label(&self.labels[index])),
                None => Answer::not_found(),
            },
            ("PATCH", ["labels", name]) => self.update_label(name, body),
            ("DELETE", ["labels", name]) => match self.find_label(name) {
                Some(index) => {
                    let id = self.labels.remove(index).id;
                    for item in &mut self.items {
                        item.labels.retain(|label| *label != id);
                    }
                    Answer::no_content()
                }
                None => Answer::not_found(),
            },
            ("GET", ["milestones"]) => self.list_milestones(path, raw_query, &query),
            ("POST", ["milestones"]) => self.create_milestone(body),
            ("GET", ["milestones", n]) => match number(n).and_then(|n| self.milestone_index(n)) {
                Some(index) => Answer::json(200, self.render_milestone(&self.milestones[index])),
                None => Answer::not_found(),
            },
            ("PATCH", ["milestones", n]) => match number(n).and_then(|n| self.milestone_index(n)) {
                Some(index) => self.update_milestone(index, body),
                None => Answer::not_found(),
            },
            ("DELETE", ["milestones", n]) => {
                match number(n).and_then(|n| self.milestone_index(n)) {
                    Some(index) => {
                        let removed = self.milestones.remove(index).number;
                        for item in &mut self.items {
                            if item.milestone == Some(removed) {
                                item.milestone = None;
                            }
                        }
                        Answer::no_content()
                    }
                    None => Answer::not_found(),
                }
            }
            ("GET", ["issues"]) => self.list_issues(path, raw_query, &query),
            ("POST", ["issues"]) => self.create_issue(body),
            ("GET", ["issues", n]) => match number(n).and_then(|n| self.item_index(n)) {
                Some(index) => Answer::json(200, self.render_issue(&self.items[index])),
                None => Answer::not_found(),
            },
            ("PATCH", ["issues", n]) => match number(n).and_then(|n| self.item_index(n)) {
                Some(index) => self.update_item(index, body, false),
                None => Answer::not_found(),
            },
            ("GET", ["issues", n, "comments"]) => {
                match number(n).and_then(|n| self.item_index(n)) {
                    Some(index) => {
                        let issue = self.items[index].number;
                        let items = self
                            .comments
                            .iter()
                            .filter(|comment| comment.issue == issue)
                            .map(|comment| self.render_comment(comment))
                            .collect();
                        self.paginate(items, path, raw_query, &query)
                    }
                    None => Answer::not_found(),
                }
            }
            ("POST", ["issues", n, "comments"]) => match number(n).and_then(|n| self.item_index(n))
            {
                Some(index) => self.create_comment(index, body),
                None => Answer::not_found(),
            },
            ("GET", ["pulls"]) => self.list_pulls(path, raw_query, &query),
            ("POST", ["pulls"]) => self.create_pull(body),
            ("GET", ["pulls", n]) => match number(n).and_then(|n| self.pull_index(n)) {
                Some(index) => Answer::json(200, self.render_pull(&self.items[index], false)),
                None => Answer::not_found(),
            },
            ("PATCH", ["pulls", n]) => match number(n).and_then(|n| self.pull_index(n)) {
                Some(index) => self.update_item(index, body, true),
                None => Answer::not_found(),
            },
            _ => Answer::not_found(),
        }
    }

    fn milestone_index(&self, number: u64) -> Option<usize> {
        self.milestones.iter().position(|m| m.number == number)
    }

    fn item_index(&self, number: u64) -> Option<usize> {
        self.items.iter().position(|item| item.number == number)
    }

    fn pull_index(&self, number: u64) -> Option<usize> {
        self.item_index(number)
            .filter(|index| self.items[*index].pull.is_some())
    }

    /// One page of `items` with GitHub's `Link` header.
    fn paginate(&self, items: Vec<Value>, path: &str, raw_query: &str, query: &Query) -> Answer {
        let count = items.len();
        self.paginate_lazily(
            count,
            &|range| items[range].to_vec(),
            path,
            raw_query,
            query,
        )
    }

    /// One page of `count` items, rendering only those shown (5,000 issues stay cheap).
    fn paginate_lazily(
        &self,
        count: usize,
        render: &dyn Fn(std::ops::Range<usize>) -> Vec<Value>,
        path: &str,
        raw_query: &str,
        query: &Query,
    ) -> Answer {
        let per_page = query
            .get("per_page")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(30)
            .clamp(1, 100);
        let size = self.page_cap.map_or(per_page, |cap| per_page.min(cap));
        let page = query
            .get("page")
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(1)
            .max(1);
        let last = count.div_ceil(size).max(1);
        let start = ((page - 1) * size).min(count);
        let end = (start + size).min(count);
        let shown: Vec<Value> = render(start..end);

        let link_path = if self.repository_id_links {
            let segments: Vec<&str> = path.trim_start_matches('/').splitn(4, '/').collect();
            match segments.as_slice() {
                ["repos", _, _, rest] => format!("/repositories/{}/{rest}", self.repo_id),
                _ => path.to_string(),
            }
        } else {
            path.to_string()
        };
        let url = |n: usize| {
            let mut pieces: Vec<String> = raw_query
                .split('&')
                .filter(|piece| !piece.is_empty() && piece.split('=').next() != Some("page"))
                .map(str::to_string)
                .collect();
            pieces.push(format!("page={n}"));
            format!("{}{link_path}?{}", self.api_url, pieces.join("&"))
        };
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!("<{}>; rel=\"prev\"", url((page - 1).min(last))));
        }
        if page < last {
            links.push(format!("<{}>; rel=\"next\"", url(page + 1)));
            links.push(format!("<{}>; rel=\"last\"", url(last)));
        }
        if page > 1 {
            links.push(format!("<{}>; rel=\"first\"", url(1)));
        }
        let answer = Answer::json(200, Value::Array(shown));
        if links.is_empty() {
            answer
        } else {
            answer.header("link", links.join(", "))
        }
    }

    fn create_label(&mut self, body: &Value) -> Answer {
        let Some(name) = text_field(body, "name").filter(|name| !name.trim().is_empty()) else {
            return Answer::invalid("Label", "name", "missing_field");
        };
        let color = match text_field(body, "color") {
            None => "ededed".to_string(),
            Some(color) => match valid_color(&color) {
                Some(color) => color,
                None => return Answer::invalid("Label", "color", "invalid"),
            },
        };
        let description = nullable_text(body, "description").flatten();
        if description
            .as_ref()
            .is_some_and(|text| text.chars().count() > 100)
        {
            return Answer::invalid("Label", "description", "invalid");
        }
        if self.find_label(&name).is_some() {
            return Answer::invalid("Label", "name", "already_exists");
        }
        self.insert_label(&name, &color, description);
        let index = self.labels.len() - 1;
        let label = self.render_label(&self.labels[index]);
        let location = label["url"].as_str().unwrap_or_default().to_string();
        Answer::json(201, label).header("location", location)
    }

    fn update_label(&mut self, name: &str, body: &Value) -> Answer {
        let Some(index) = self.find_label(name) else {
            return Answer::not_found();
        };
        if let Some(new_name) = text_field(body, "new_name") {
            if new_name.trim().is_empty() {
                return Answer::invalid("Label", "name", "invalid");
            }
            if self
                .find_label(&new_name)
                .is_some_and(|other| other != index)
            {
                return Answer::invalid("Label", "name", "already_exists");
            }
            self.labels[index].name = new_name;
        }
        if let Some(color) = text_field(body, "color") {
            match valid_color(&color) {
                Some(color) => self.labels[index].color = color,
                None => return Answer::invalid("Label", "color", "invalid"),
            }
        }
        if let Some(description) = nullable_text(body, "description") {
            self.labels[index].description = description;
        }
        Answer::json(200, self.render_label(&self.labels[index]))
    }

    fn list_milestones(&self, path: &str, raw_query: &str, query: &Query) -> Answer {
        let state = query.get("state").unwrap_or("open");
        if !matches!(state, "open" | "closed" | "all") {
            return Answer::invalid("Milestone", "state", "invalid");
        }
        let mut milestones: Vec<&MilestoneRec> = self
            .milestones
            .iter()
            .filter(|m| state == "all" || m.state == state)
            .collect();
        if query.get("direction") == Some("desc") {
            milestones.reverse();
        }
        let items = milestones
            .iter()
            .map(|m| self.render_milestone(m))
            .collect();
        self.paginate(items, path, raw_query, query)
    }

    fn create_milestone(&mut self, body: &Value) -> Answer {
        let Some(title) = text_field(body, "title").filter(|title| !title.trim().is_empty()) else {
            return Answer::invalid("Milestone", "title", "missing_field");
        };
        let state = text_field(body, "state").unwrap_or_else(|| "open".into());
        if state != "open" && state != "closed" {
            return Answer::invalid("Milestone", "state", "invalid");
        }
        if self.milestones.iter().any(|m| m.title == title) {
            return Answer::invalid("Milestone", "title", "already_exists");
        }
        let description = nullable_text(body, "description").flatten();
        let number = self.insert_milestone(&title, description, &state);
        let index = self.milestones.len() - 1;
        self.milestones[index].due_on = nullable_text(body, "due_on").flatten();
        let _ = number;
        let milestone = self.render_milestone(&self.milestones[index]);
        let location = milestone["url"].as_str().unwrap_or_default().to_string();
        Answer::json(201, milestone).header("location", location)
    }

    fn update_milestone(&mut self, index: usize, body: &Value) -> Answer {
        let now = self.tick();
        if let Some(title) = text_field(body, "title") {
            if title.trim().is_empty() {
                return Answer::invalid("Milestone", "title", "invalid");
            }
            if self
                .milestones
                .iter()
                .enumerate()
                .any(|(other, m)| other != index && m.title == title)
            {
                return Answer::invalid("Milestone", "title", "already_exists");
            }
            self.milestones[index].title = title;
        }
        if let Some(state) = text_field(body, "state") {
            if state != "open" && state != "closed" {
                return Answer::invalid("Milestone", "state", "invalid");
            }
            let milestone = &mut self.milestones[index];
            if milestone.state != state {
                milestone.closed_at = (state == "closed").then_some(now);
            }
            milestone.state = state;
        }
        if let Some(description) = nullable_text(body, "description") {
            self.milestones[index].description = description;
        }
        if let Some(due_on) = nullable_text(body, "due_on") {
            self.milestones[index].due_on = due_on;
        }
        self.milestones[index].updated = now;
        Answer::json(200, self.render_milestone(&self.milestones[index]))
    }

    fn list_issues(&self, path: &str, raw_query: &str, query: &Query) -> Answer {
        let state = query.get("state").unwrap_or("open");
        if !matches!(state, "open" | "closed" | "all") {
            return Answer::invalid("Issue", "state", "invalid");
        }
        let wanted: Vec<String> = query
            .get("labels")
            .map(|labels| {
                labels
                    .split(',')
                    .map(|name| name.trim().to_lowercase())
                    .filter(|name| !name.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        let milestone = query.get("milestone");
        let mut items: Vec<&ItemRec> = self
            .items
            .iter()
            .filter(|item| state == "all" || item.state == state)
            .filter(|item| {
                wanted.iter().all(|name| {
                    item.labels.iter().any(|id| {
                        self.labels
                            .iter()
                            .any(|label| label.id == *id && label.name.to_lowercase() == *name)
                    })
                })
            })
            .filter(|item| match milestone {
                None => true,
                Some("*") => item.milestone.is_some(),
                Some("none") => item.milestone.is_none(),
                Some(number) => item.milestone.map(|n| n.to_string()).as_deref() == Some(number),
            })
            .collect();
        match query.get("sort").unwrap_or("created") {
            "updated" => items.sort_by_key(|item| (item.updated, item.number)),
            "comments" => items.sort_by_key(|item| {
                self.comments
                    .iter()
                    .filter(|comment| comment.issue == item.number)
                    .count()
            }),
            _ => items.sort_by_key(|item| (item.created, item.number)),
        }
        if query.get("direction").unwrap_or("desc") != "asc" {
            items.reverse();
        }
        self.paginate_lazily(
            items.len(),
            &|range| {
                items[range]
                    .iter()
                    .map(|item| self.render_issue(item))
                    .collect()
            },
            path,
            raw_query,
            query,
        )
    }

    /// Label ids for a body's `labels` (names or objects with a name), creating missing ones.
    fn body_labels(&mut self, value: &Value) -> Result<Vec<u64>, Answer> {
        let Value::Array(entries) = value else {
            return Err(Answer::invalid("Issue", "labels", "invalid"));
        };
        let mut ids = Vec::new();
        for entry in entries {
            let name = match entry {
                Value::String(name) => name.clone(),
                Value::Object(_) => match text_field(entry, "name") {
                    Some(name) => name,
                    None => return Err(Answer::invalid("Issue", "labels", "invalid")),
                },
                _ => return Err(Answer::invalid("Issue", "labels", "invalid")),
            };
            let id = self.label_id_or_create(&name);
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        Ok(ids)
    }

    /// A body's `milestone`: Ok(None) for null, an error for one that does not exist.
    fn body_milestone(&self, value: &Value) -> Result<Option<u64>, Answer> {
        if value.is_null() {
            return Ok(None);
        }
        match number_field(value) {
            Some(number) if self.milestone_index(number).is_some() => Ok(Some(number)),
            _ => Err(Answer::invalid("Issue", "milestone", "invalid")),
        }
    }

    fn create_issue(&mut self, body: &Value) -> Answer {
        let Some(title) = text_field(body, "title").filter(|title| !title.trim().is_empty()) else {
            return Answer::invalid("Issue", "title", "missing_field");
        };
        let milestone = match body.get("milestone") {
            None => None,
            Some(value) => match self.body_milestone(value) {
                Ok(milestone) => milestone,
                Err(answer) => return answer,
            },
        };
        let labels = match body.get("labels") {
            None | Some(Value::Null) => Vec::new(),
            Some(value) => match self.body_labels(value) {
                Ok(labels) => labels,
                Err(answer) => return answer,
            },
        };
        let text = nullable_text(body, "body").flatten();
        let number = self.insert_issue(title, text, labels, milestone);
        let issue = self.render_issue(&self.items[number as usize - 1]);
        let location = issue["url"].as_str().unwrap_or_default().to_string();
        Answer::json(201, issue).header("location", location)
    }

    /// PATCH of an issue, or of a pull request through `/issues/{n}` or `/pulls/{n}`.
    fn update_item(&mut self, index: usize, body: &Value, as_pull: bool) -> Answer {
        let resource = if as_pull { "PullRequest" } else { "Issue" };
        let state = text_field(body, "state");
        if state
            .as_deref()
            .is_some_and(|state| state != "open" && state != "closed")
        {
            return Answer::invalid(resource, "state", "invalid");
        }
        let reason = match nullable_text(body, "state_reason") {
            Some(Some(reason))
                if !matches!(
                    reason.as_str(),
                    "completed" | "not_planned" | "reopened" | "duplicate"
                ) =>
            {
                return Answer::invalid(resource, "state_reason", "invalid");
            }
            other => other.flatten(),
        };
        if let Some(title) = text_field(body, "title")
            && title.trim().is_empty()
        {
            return Answer::invalid(resource, "title", "missing_field");
        }
        let milestone = match (as_pull, body.get("milestone")) {
            (false, Some(value)) => match self.body_milestone(value) {
                Ok(milestone) => Some(milestone),
                Err(answer) => return answer,
            },
            _ => None,
        };
        let labels = match (as_pull, body.get("labels")) {
            (false, Some(Value::Null)) => Some(Vec::new()),
            (false, Some(value)) => match self.body_labels(value) {
                Ok(labels) => Some(labels),
                Err(answer) => return answer,
            },
            _ => None,
        };
        let now = self.tick();
        let item = &mut self.items[index];
        if let Some(title) = text_field(body, "title") {
            item.title = title;
        }
        if let Some(text) = nullable_text(body, "body") {
            item.body = text;
        }
        match state {
            Some(state) => item.set_state(&state, reason, now),
            None if reason.is_some() && item.state == "closed" => item.state_reason = reason,
            None => {}
        }
        if let Some(milestone) = milestone {
            item.milestone = milestone;
        }
        if let Some(labels) = labels {
            item.labels = labels;
        }
        if as_pull && let (Some(pull), Some(base)) = (item.pull.as_mut(), text_field(body, "base"))
        {
            pull.base_ref = base;
        }
        item.updated = now;
        let item = &self.items[index];
        if as_pull {
            Answer::json(200, self.render_pull(item, false))
        } else {
            Answer::json(200, self.render_issue(item))
        }
    }

    fn create_comment(&mut self, index: usize, body: &Value) -> Answer {
        let Some(text) = text_field(body, "body").filter(|text| !text.is_empty()) else {
            return Answer::invalid("IssueComment", "body", "missing_field");
        };
        let id = self.id();
        let now = self.tick();
        let issue = self.items[index].number;
        self.comments.push(CommentRec {
            id,
            issue,
            body: text,
            created: now,
            updated: now,
        });
        self.items[index].updated = now;
        let comment = self.render_comment(self.comments.last().expect("just pushed"));
        let location = comment["url"].as_str().unwrap_or_default().to_string();
        Answer::json(201, comment).header("location", location)
    }

    fn list_pulls(&self, path: &str, raw_query: &str, query: &Query) -> Answer {
        let state = query.get("state").unwrap_or("open");
        if !matches!(state, "open" | "closed" | "all") {
            return Answer::invalid("PullRequest", "state", "invalid");
        }
        // Like GitHub, `head` filters only in its `user:ref` form; a bare branch is ignored.
        let head = query.get("head").filter(|head| head.contains(':'));
        let base = query.get("base");
        let mut pulls: Vec<&ItemRec> = self
            .items
            .iter()
            .filter(|item| item.pull.is_some())
            .filter(|item| state == "all" || item.state == state)
            .filter(|item| {
                let pull = item.pull.as_ref().expect("a pull request");
                head.is_none_or(|head| pull.head_label.eq_ignore_ascii_case(head))
                    && base.is_none_or(|base| pull.base_ref == base)
            })
            .collect();
        if query.get("direction").unwrap_or("desc") != "asc" {
            pulls.reverse();
        }
        let items = pulls
            .iter()
            .map(|item| self.render_pull(item, true))
            .collect();
        self.paginate(items, path, raw_query, query)
    }

    fn create_pull(&mut self, body: &Value) -> Answer {
        let Some(title) = text_field(body, "title").filter(|title| !title.trim().is_empty()) else {
            return Answer::invalid("PullRequest", "title", "missing_field");
        };
        let Some(head) = text_field(body, "head").filter(|head| !head.is_empty()) else {
            return Answer::invalid("PullRequest", "head", "missing_field");
        };
        let Some(base) = text_field(body, "base").filter(|base| !base.is_empty()) else {
            return Answer::invalid("PullRequest", "base", "missing_field");
        };
        let head_label = if head.contains(':') {
            head.clone()
        } else {
            format!("{}:{head}", self.owner)
        };
        let head_ref = head_label
            .split_once(':')
            .map(|(_, branch)| branch)
            .unwrap_or_default();
        if head_ref == base && head_label.starts_with(&format!("{}:", self.owner)) {
            return Answer::custom(
                "PullRequest",
                &format!("No commits between {base} and {head_ref}"),
            );
        }
        let exists = self.items.iter().any(|item| {
            item.state == "open"
                && item.pull.as_ref().is_some_and(|pull| {
                    pull.head_label.eq_ignore_ascii_case(&head_label) && pull.base_ref == base
                })
        });
        if exists {
            return Answer::custom(
                "PullRequest",
                &format!("A pull request already exists for {head_label}."),
            );
        }
        let text = nullable_text(body, "body").flatten();
        let draft = body["draft"].as_bool().unwrap_or(false);
        let number = self.insert_pull(&title, text, &head, &base, draft);
        let pull = self.render_pull(&self.items[number as usize - 1], false);
        let location = pull["url"].as_str().unwrap_or_default().to_string();
        Answer::json(201, pull).header("location", location)
    }
}

/// A label color as GitHub stores it: six hex digits, a leading `#` dropped.
fn valid_color(color: &str) -> Option<String> {
    let color = color.trim_start_matches('#');
    (color.len() == 6 && color.chars().all(|c| c.is_ascii_hexdigit())).then(|| color.to_lowercase())
}
