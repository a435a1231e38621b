//! A stateful fake GitHub served over real HTTP on loopback, for levelup's `issues` and `pr`
//! commands: the real octocrab client talks to it the way it talks to api.github.com or a
//! GitHub Enterprise Server (`/api/v3`).
//!
//! - State: one repository with labels, milestones, issues and pull requests (one number
//!   space, like GitHub: a pull request is also an issue and shows up in the issues list with a
//!   `pull_request` key), issue comments.
//! - Responses are GitHub's own examples from the official OpenAPI description (npm package
//!   `@octokit/openapi`, installed by `scripts/install-openapi`) with the fields that matter
//!   overwritten, so their shape is the real one; [`FakeGitHub::response_violations`] checks them
//!   against the documented response schemas.
//! - Every request is recorded; [`FakeGitHub::contract_violations`] checks each against the
//!   description: a path template and method exist, query parameters are declared (and their
//!   values allowed), and a JSON body validates against the operation's request-body schema.
//! - Faults ([`Fault`]) are queued and each fires once, on the first matching request.
//!
//! Pagination: `per_page` (default 30, at most 100, and at most [`FakeGitHub::set_page_size`])
//! and `page`; a `Link` header with `rel="prev"`, `"next"`, `"last"` and `"first"` as GitHub
//! sends it, absolute URLs under [`FakeGitHub::api_url`]: the request's path and query with
//! `page=N` replaced or appended. With [`FakeGitHub::set_repository_id_links`] the links use
//! GitHub's real `/repositories/{id}/...` form instead, which the fake serves too.
#![allow(dead_code)] // a toolbox: each test uses the part it needs

mod contract;
mod recorder;
mod render;
mod routes;
#[cfg(test)]
mod self_tests;
mod wire;

use std::collections::VecDeque;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub use recorder::Recorder;
pub use wire::Reply;

/// The rate-limit window the fake reports (GitHub's primary limit for a token).
const RATE_LIMIT: u64 = 5000;

/// A running fake GitHub. Dropping it stops the server.
pub struct FakeGitHub {
    state: Arc<Mutex<routes::State>>,
    server: Arc<tiny_http::Server>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    api_url: String,
    token: String,
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The path without the API prefix and without the query, as sent (percent-encoded).
    pub path: String,
    /// The raw query string, without `?` (empty when there was none).
    pub query: String,
    /// The body parsed as JSON; a body that is not JSON is kept as a JSON string.
    pub body: Option<Value>,
    pub authorization: Option<String>,
    /// The status the fake answered.
    pub status: u16,
    /// The JSON the fake answered (None for an empty body).
    pub response: Option<Value>,
    /// When the request arrived, counted from the server's start.
    pub elapsed: Duration,
    /// False when the request's path was not under the API prefix (the fake answered 404).
    pub under_prefix: bool,
}

/// A fault to inject. `path_suffix` matches the end of the request path without prefix and
/// query (e.g. "/issues", "/labels", "/milestones", "/issues/3"); `method` is compared
/// case-insensitively.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Store the created resource, then answer 502 (the client must not create it twice).
    BadGatewayAfterStore {
        method: &'static str,
        path_suffix: &'static str,
    },
    /// 403 with `retry-after: secs` and a "You have exceeded a secondary rate limit" message.
    /// Nothing is stored.
    SecondaryRateLimit {
        method: &'static str,
        path_suffix: &'static str,
        retry_after: u64,
    },
    /// 429 with `retry-after: secs`. Nothing is stored.
    TooManyRequests {
        method: &'static str,
        path_suffix: &'static str,
        retry_after: u64,
    },
    /// 403 "API rate limit exceeded" with `x-ratelimit-remaining: 0` and `x-ratelimit-reset`
    /// `reset_after` seconds from now, no `retry-after` (the primary, hourly limit). Nothing is
    /// stored.
    PrimaryRateLimit {
        method: &'static str,
        path_suffix: &'static str,
        reset_after: u64,
    },
    /// Answer `status` (e.g. 500, 502, 503) without acting on the request.
    ServerError {
        method: &'static str,
        path_suffix: &'static str,
        status: u16,
    },
    /// Someone else created the same resource just before: store it, then answer the 422
    /// `already_exists` GitHub gives for a duplicate label name or milestone title (a later GET
    /// finds the resource).
    CreatedConcurrently {
        method: &'static str,
        path_suffix: &'static str,
    },
    /// Answer `302 Found` with `Location: location`, acting on nothing.
    Redirect {
        method: &'static str,
        path_suffix: &'static str,
        location: String,
    },
    /// Answer as usual, with a `Link` header whose `rel="next"` is `next`.
    NextLink {
        method: &'static str,
        path_suffix: &'static str,
        next: String,
    },
}

impl Fault {
    fn matches(&self, method: &str, path: &str) -> bool {
        let (m, suffix) = match self {
            Fault::BadGatewayAfterStore {
                method,
                path_suffix,
            }
            | Fault::SecondaryRateLimit {
                method,
                path_suffix,
                ..
            }
            | Fault::TooManyRequests {
                method,
                path_suffix,
                ..
            }
            | Fault::PrimaryRateLimit {
                method,
                path_suffix,
                ..
            }
            | Fault::ServerError {
                method,
                path_suffix,
                ..
            }
            | Fault::CreatedConcurrently {
                method,
                path_suffix,
            }
            | Fault::Redirect {
                method,
                path_suffix,
                ..
            }
            | Fault::NextLink {
                method,
                path_suffix,
                ..
            } => (method, path_suffix),
        };
        m.eq_ignore_ascii_case(method) && path.ends_with(suffix)
    }
}

impl FakeGitHub {
    /// Serves repository `owner/name` (default branch "main") under `prefix` ("" or "/api/v3"),
    /// accepting only `token`.
    pub fn start(prefix: &str, owner: &str, name: &str, token: &str) -> FakeGitHub {
        let prefix = prefix.trim_end_matches('/').to_string();
        assert!(
            prefix.is_empty() || prefix.starts_with('/'),
            "the API prefix starts with a slash: {prefix:?}"
        );
        let server =
            Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind a loopback port"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let base = format!("http://127.0.0.1:{port}");
        let api_url = format!("{base}{prefix}");
        let templates = render::Templates::new(openapi(), &api_url, &base, owner, name);
        let now = unix_now();
        let state = Arc::new(Mutex::new(routes::State {
            owner: owner.to_string(),
            name: name.to_string(),
            repo_id: 1_296_269,
            api_url: api_url.clone(),
            html_base: base,
            page_cap: None,
            repository_id_links: false,
            faults: VecDeque::new(),
            requests: Vec::new(),
            remaining: RATE_LIMIT,
            reset_at: now + 3600,
            clock: 0,
            next_id: 1000,
            labels: Vec::new(),
            milestones: Vec::new(),
            items: Vec::new(),
            comments: Vec::new(),
            templates,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let server = Arc::clone(&server);
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            let prefix = prefix.clone();
            let token = token.to_string();
            let started = Instant::now();
            std::thread::Builder::new()
                .name(format!("fake-github-{port}"))
                .spawn(move || {
                    loop {
                        match server.recv() {
                            Ok(request) => serve(request, &state, &prefix, &token, started),
                            Err(_) if stop.load(Ordering::SeqCst) => break,
                            Err(_) => continue, // a broken connection
                        }
                    }
                })
                .expect("start the fake GitHub thread")
        };
        FakeGitHub {
            state,
            server,
            stop,
            thread: Some(thread),
            api_url,
            token: token.to_string(),
        }
    }

    /// The API base, e.g. "http://127.0.0.1:PORT/api/v3" (no trailing slash).
    pub fn api_url(&self) -> String {
        self.api_url.clone()
    }

    /// Where the repository's web pages would be: "http://127.0.0.1:PORT/OWNER/NAME".
    pub fn html_url(&self) -> String {
        let state = self.lock();
        format!("{}/{}/{}", state.html_base, state.owner, state.name)
    }

    /// Caps the server-side page size of every list (default: no cap, so `per_page` is honoured
    /// up to 100, and 30 without it).
    pub fn set_page_size(&self, n: usize) {
        assert!(n > 0, "a page holds at least one item");
        self.lock().page_cap = Some(n);
    }

    /// Makes `Link` headers point at `/repositories/{id}/...` as github.com does for the issues
    /// list, instead of repeating the request's `/repos/{owner}/{repo}/...` path.
    pub fn set_repository_id_links(&self, on: bool) {
        self.lock().repository_id_links = on;
    }

    /// Queues a fault; each fires once, on the first matching request.
    pub fn inject(&self, fault: Fault) {
        self.lock().faults.push_back(fault);
    }

    /// The faults that have not fired yet.
    pub fn pending_faults(&self) -> Vec<Fault> {
        self.lock().faults.iter().cloned().collect()
    }

    /// Every request received, in order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.lock().requests.clone()
    }

    /// POST/PATCH/PUT/DELETE requests received (including faulted and rejected ones).
    pub fn write_count(&self) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|request| is_write(&request.method))
            .count()
    }

    /// Stored issues (not pull requests), as the API returns them, by number.
    pub fn issues(&self) -> Vec<Value> {
        let state = self.lock();
        state
            .items
            .iter()
            .filter(|item| item.pull.is_none())
            .map(|item| state.render_issue(item))
            .collect()
    }

    /// Stored labels, as the API returns them, in creation order.
    pub fn labels(&self) -> Vec<Value> {
        let state = self.lock();
        state
            .labels
            .iter()
            .map(|label| state.render_label(label))
            .collect()
    }

    /// Stored milestones of every state, as the API returns them, by number.
    pub fn milestones(&self) -> Vec<Value> {
        let state = self.lock();
        state
            .milestones
            .iter()
            .map(|milestone| state.render_milestone(milestone))
            .collect()
    }

    /// The comments on issue (or pull request) `issue`, oldest first.
    pub fn comments(&self, issue: u64) -> Vec<Value> {
        let state = self.lock();
        state
            .comments
            .iter()
            .filter(|comment| comment.issue == issue)
            .map(|comment| state.render_comment(comment))
            .collect()
    }

    /// Stored pull requests, as `GET /pulls/{n}` returns them, by number.
    pub fn pulls(&self) -> Vec<Value> {
        let state = self.lock();
        state
            .items
            .iter()
            .filter(|item| item.pull.is_some())
            .map(|item| state.render_pull(item, false))
            .collect()
    }

    /// A human edits an issue's body.
    pub fn set_issue_body(&self, number: u64, body: &str) {
        let mut state = self.lock();
        let now = state.tick();
        let item = state.item_mut(number);
        item.body = Some(body.to_string());
        item.updated = now;
    }

    /// A human opens or closes an issue or pull request ("open" or "closed"; closing is
    /// "completed").
    pub fn set_issue_state(&self, number: u64, open_or_closed: &str) {
        let mut state = self.lock();
        let now = state.tick();
        let item = state.item_mut(number);
        item.set_state(open_or_closed, None, now);
    }

    /// A human replaces the labels of an issue or pull request (unknown labels are created).
    pub fn set_issue_labels(&self, number: u64, labels: &[&str]) {
        let mut state = self.lock();
        let ids = labels
            .iter()
            .map(|name| state.label_id_or_create(name))
            .collect();
        let now = state.tick();
        let item = state.item_mut(number);
        item.labels = ids;
        item.updated = now;
    }

    /// Adds an open pull request from branch `head` (or "owner:branch") into `base`. It also
    /// appears in the issues list with a `pull_request` key, like on GitHub. Returns its number.
    pub fn add_pull_request(&self, title: &str, head: &str, base: &str) -> u64 {
        let mut state = self.lock();
        state.insert_pull(title, None, head, base, false)
    }

    /// Adds a milestone in `state` ("open" or "closed"). Returns its number.
    pub fn add_milestone(&self, title: &str, state: &str) -> u64 {
        assert!(
            state == "open" || state == "closed",
            "a milestone is open or closed, not {state:?}"
        );
        self.lock().insert_milestone(title, None, state)
    }

    /// Adds a label (color "ededed", no description).
    pub fn add_label(&self, name: &str) {
        let mut state = self.lock();
        state.insert_label(name, "ededed", None);
    }

    /// Adds an issue as a human would. Returns its number.
    pub fn add_issue(&self, title: &str, body: &str, labels: &[&str]) -> u64 {
        let mut state = self.lock();
        let ids = labels
            .iter()
            .map(|name| state.label_id_or_create(name))
            .collect();
        state.insert_issue(title.to_string(), Some(body.to_string()), ids, None)
    }

    /// Adds `count` issues a person wrote (no labels), quickly.
    pub fn add_human_issues(&self, count: usize) {
        let mut state = self.lock();
        for index in 0..count {
            state.insert_issue(
                format!("Human issue {index}"),
                Some(format!("Written by a person, number {index}.")),
                Vec::new(),
                None,
            );
        }
    }

    /// Sends one request to the fake with the right token (`path_and_query` is relative to
    /// [`api_url`](Self::api_url)), through a minimal HTTP/1.1 client.
    pub fn call(&self, method: &str, path_and_query: &str, body: Option<&Value>) -> Reply {
        let authorization = format!("Bearer {}", self.token);
        wire::send(
            method,
            &format!("{}{path_and_query}", self.api_url),
            Some(&authorization),
            body,
        )
    }

    /// Checks every recorded request against the OpenAPI description: a path template and
    /// method exist, query parameters are declared with allowed values, and a JSON body
    /// validates against the operation's requestBody schema. Returns the mismatches (empty = all
    /// good).
    pub fn contract_violations(&self, openapi: &Value) -> Vec<String> {
        contract::request_violations(openapi, &self.requests())
    }

    /// Checks every JSON response the fake gave with a 2xx status against the response schema
    /// the description documents for that operation and status.
    pub fn response_violations(&self, openapi: &Value) -> Vec<String> {
        contract::response_violations(openapi, &self.requests())
    }

    fn lock(&self) -> MutexGuard<'_, routes::State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Loads GitHub's OpenAPI description via `scripts/install-openapi` (once per test process).
/// `LEVELUP_OPENAPI_JSON=/path/api.github.com.json` skips the script.
pub fn openapi() -> &'static Value {
    static DOC: OnceLock<Value> = OnceLock::new();
    DOC.get_or_init(|| {
        let path = match std::env::var("LEVELUP_OPENAPI_JSON") {
            Ok(path) if !path.is_empty() => path,
            _ => {
                let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/install-openapi");
                let output = Command::new(&script)
                    .stdin(Stdio::null())
                    .stderr(Stdio::inherit())
                    .output()
                    .unwrap_or_else(|error| panic!("cannot run {}: {error}", script.display()));
                assert!(
                    output.status.success(),
                    "{} failed ({})",
                    script.display(),
                    output.status
                );
                String::from_utf8(output.stdout)
                    .expect("a UTF-8 path")
                    .trim()
                    .to_string()
            }
        };
        let text =
            std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {path}: {error}"));
        serde_json::from_slice(&text).unwrap_or_else(|error| panic!("{path} is not JSON: {error}"))
    })
}

fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PATCH" | "PUT" | "DELETE")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}

/// Answers one request: records it, checks the token, fires a fault or routes it.
fn serve(
    mut request: tiny_http::Request,
    state: &Mutex<routes::State>,
    prefix: &str,
    token: &str,
    started: Instant,
) {
    let method = request.method().as_str().to_ascii_uppercase();
    let url = request.url().to_string();
    let (raw_path, query) = match url.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (url.clone(), String::new()),
    };
    let (path, under_prefix) = if prefix.is_empty() {
        (raw_path.clone(), true)
    } else if raw_path == prefix {
        ("/".to_string(), true)
    } else {
        match raw_path.strip_prefix(prefix) {
            Some(rest) if rest.starts_with('/') => (rest.to_string(), true),
            _ => (raw_path.clone(), false),
        }
    };
    let authorization = request
        .headers()
        .iter()
        .find(|header| header.field.equiv("authorization"))
        .map(|header| header.value.as_str().to_string());
    let mut text = String::new();
    let body = match request.as_reader().read_to_string(&mut text) {
        Ok(_) if text.trim().is_empty() => None,
        Ok(_) => Some(serde_json::from_str(&text).unwrap_or(Value::String(text))),
        Err(error) => Some(Value::String(format!("<unreadable body: {error}>"))),
    };

    let reply = {
        let mut state = state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.remaining = state.remaining.saturating_sub(1);
        let authorized = authorization.as_deref().is_some_and(|value| {
            let value = value.trim();
            value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("token "))
                .map(str::trim)
                == Some(token)
        });
        let mut reply = if !authorized {
            routes::Answer::error(401, "Bad credentials")
        } else if !under_prefix {
            routes::Answer::not_found()
        } else {
            let fault = state
                .faults
                .iter()
                .position(|fault| fault.matches(&method, &path))
                .and_then(|index| state.faults.remove(index));
            state.answer(&method, &path, &query, body.as_ref(), fault)
        };
        state.finish(&mut reply);
        state.requests.push(Recorded {
            method: method.clone(),
            path,
            query,
            body,
            authorization,
            status: reply.status,
            response: reply.body.clone(),
            elapsed: started.elapsed(),
            under_prefix,
        });
        reply
    };

    let data = reply
        .body
        .as_ref()
        .map(|body| serde_json::to_vec_pretty(body).expect("JSON"))
        .unwrap_or_default();
    let mut response = tiny_http::Response::from_data(data)
        .with_status_code(reply.status)
        .with_chunked_threshold(usize::MAX);
    if reply.body.is_some() {
        response.add_header(header("content-type", "application/json; charset=utf-8"));
    }
    for (name, value) in &reply.headers {
        response.add_header(header(name, value));
    }
    let _ = request.respond(response);
}

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a valid header")
}
