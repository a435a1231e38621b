//! The HTTP side of GitHub: octocrab's raw requests, so status codes and rate-limit
//! headers stay visible, with levelup's own rules on top.
//!
//! - Writes are serial and paced (GitHub asks for about one a second).
//! - `retry-after`, `x-ratelimit-remaining`/`-reset` and the 403 "secondary rate
//!   limit" make the client wait and try again: GitHub did not act on those.
//! - A write that fails with a 5xx or times out is *not* retried: GitHub may have
//!   acted on it. It comes back as [`Error::Uncertain`] so the caller can look for
//!   what it wanted to create before trying again.
//! - Before GitHub's hourly cap on content-creating requests, the client stops
//!   with [`Error::CreationCap`]: a later run resumes where this one stopped.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, StatusCode};
use octocrab::Octocrab;
use serde_json::Value;

use super::target::Target;
use crate::progress::Reporter;

/// GitHub allows 500 content-creating requests an hour; stop a little before.
pub const CREATION_CAP: usize = 480;
/// The longest levelup waits for a rate limit before giving up (GitHub's window is an hour).
const MAX_WAIT: Duration = Duration::from_secs(3600);
/// Retries of a read after a 5xx or a timeout.
const READ_RETRIES: u32 = 3;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot build the GitHub client: {0}")]
    Setup(String),
    #[error("GitHub answered {status} to {method} {path}: {message}")]
    Status {
        method: String,
        path: String,
        status: u16,
        message: String,
        /// The response body, for callers that look at `errors` (such as 422 already_exists).
        body: Value,
    },
    #[error("{method} {path} failed and may or may not have taken effect: {reason}")]
    Uncertain {
        method: String,
        path: String,
        reason: String,
    },
    #[error("cannot reach GitHub ({method} {path}): {reason}")]
    Transport {
        method: String,
        path: String,
        reason: String,
    },
    #[error("stopped after {created} content-creating requests, before GitHub's hourly limit")]
    CreationCap { created: usize },
    #[error("GitHub asks to wait {seconds}s, longer than levelup waits")]
    WaitTooLong { seconds: u64 },
    #[error("GitHub sent a response levelup cannot read ({method} {path}): {reason}")]
    Decode {
        method: String,
        path: String,
        reason: String,
    },
}

impl Error {
    /// Whether this is a 422 whose `errors` say the resource already exists.
    pub fn is_already_exists(&self) -> bool {
        matches!(self, Error::Status { status: 422, body, .. }
        if body["errors"].as_array().is_some_and(|errors| {
            errors.iter().any(|error| error["code"] == "already_exists")
        }))
    }
}

pub struct Client<'p> {
    octocrab: Octocrab,
    api_url: String,
    /// `/repos/OWNER/NAME`
    repo_path: String,
    pace: Duration,
    progress: &'p dyn Reporter,
    last_write: Option<Instant>,
    writes: usize,
    created: usize,
    creation_cap: usize,
    /// Set when a response said no requests remain until this time.
    blocked_until: Option<SystemTime>,
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl<'p> Client<'p> {
    pub fn new(
        target: &Target,
        pace: Duration,
        progress: &'p dyn Reporter,
    ) -> Result<Client<'p>, Error> {
        let octocrab = Octocrab::builder()
            .base_uri(target.api_url.as_str())
            .map_err(|error| Error::Setup(error.to_string()))?
            .personal_token(target.token.expose().to_string())
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(60)))
            .build()
            .map_err(|error| Error::Setup(error.to_string()))?;
        Ok(Client {
            octocrab,
            api_url: target.api_url.clone(),
            repo_path: format!("/repos/{}/{}", target.repo.owner, target.repo.name),
            pace,
            progress,
            last_write: None,
            writes: 0,
            created: 0,
            creation_cap: CREATION_CAP,
            blocked_until: None,
        })
    }

    /// Stops content creation after `cap` requests instead of [`CREATION_CAP`].
    pub fn with_creation_cap(mut self, cap: usize) -> Client<'p> {
        self.creation_cap = cap;
        self
    }

    /// `/repos/OWNER/NAME` followed by `rest`.
    pub fn repo(&self, rest: &str) -> String {
        format!("{}{rest}", self.repo_path)
    }

    /// How many write requests this client sent.
    pub fn writes(&self) -> usize {
        self.writes
    }

    pub async fn get(&mut self, path: &str) -> Result<Value, Error> {
        Ok(self.request(Method::GET, path, None).await?.body)
    }

    /// Every item of a paginated list, following `Link: <...>; rel="next"`.
    pub async fn list(&mut self, path: &str) -> Result<Vec<Value>, Error> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{separator}per_page=100"));
        let mut items = Vec::new();
        while let Some(path) = next.take() {
            let response = self.request(Method::GET, &path, None).await?;
            match response.body {
                Value::Array(page) => items.extend(page),
                other => {
                    return Err(Error::Decode {
                        method: "GET".into(),
                        path,
                        reason: format!("expected a list, got {}", kind_of(&other)),
                    });
                }
            }
            next = next_link(&response.headers).map(|url| {
                url.strip_prefix(&self.api_url)
                    .map(str::to_string)
                    .unwrap_or(url)
            });
        }
        Ok(items)
    }

    /// A content-creating POST.
    pub async fn create(&mut self, path: &str, body: &Value) -> Result<Value, Error> {
        if self.created >= self.creation_cap {
            return Err(Error::CreationCap {
                created: self.created,
            });
        }
        let response = self.request(Method::POST, path, Some(body)).await?;
        self.created += 1;
        Ok(response.body)
    }

    pub async fn update(&mut self, path: &str, body: &Value) -> Result<Value, Error> {
        Ok(self.request(Method::PATCH, path, Some(body)).await?.body)
    }

    /// One request, with pacing and rate-limit waits; reads retry on 5xx.
    async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, Error> {
        let write = method != Method::GET;
        let mut attempts = 0;
        loop {
            self.wait_for_limits().await?;
            if write {
                self.pace_write().await;
            }
            attempts += 1;
            let result = self.send(&method, path, body).await;
            if write {
                self.writes += 1;
                self.last_write = Some(Instant::now());
            }
            let response = match result {
                Ok(response) => response,
                Err(reason) if write => {
                    return Err(Error::Uncertain {
                        method: method.to_string(),
                        path: path.to_string(),
                        reason,
                    });
                }
                Err(reason) if attempts <= READ_RETRIES => {
                    sleep(backoff(attempts)).await;
                    let _ = reason;
                    continue;
                }
                Err(reason) => {
                    return Err(Error::Transport {
                        method: method.to_string(),
                        path: path.to_string(),
                        reason,
                    });
                }
            };
            self.note_limits(&response.headers);
            let status = response.status;
            if let Some(wait) = rate_limit_wait(status, &response.headers, &response.body) {
                if wait > MAX_WAIT {
                    return Err(Error::WaitTooLong {
                        seconds: wait.as_secs(),
                    });
                }
                self.progress.waiting(wait.as_secs(), "GitHub's rate limit");
                sleep(wait).await;
                continue; // GitHub did not act on a rate-limited request
            }
            if status.is_server_error() {
                if write {
                    return Err(Error::Uncertain {
                        method: method.to_string(),
                        path: path.to_string(),
                        reason: format!("GitHub answered {}", status.as_u16()),
                    });
                }
                if attempts <= READ_RETRIES {
                    sleep(backoff(attempts)).await;
                    continue;
                }
            }
            if !status.is_success() {
                return Err(Error::Status {
                    method: method.to_string(),
                    path: path.to_string(),
                    status: status.as_u16(),
                    message: response.body["message"]
                        .as_str()
                        .unwrap_or("no message")
                        .to_string(),
                    body: response.body,
                });
            }
            return Ok(response);
        }
    }

    async fn send(
        &self,
        method: &Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, String> {
        let url = format!("{}{path}", self.api_url);
        let response = match *method {
            Method::GET => self.octocrab._get(url.as_str()).await,
            Method::POST => self.octocrab._post(url.as_str(), body).await,
            Method::PATCH => self.octocrab._patch(url.as_str(), body).await,
            _ => return Err(format!("unsupported method {method}")),
        }
        .map_err(describe)?;
        let status = response.status();
        let headers = response.headers().clone();
        let text = self
            .octocrab
            .body_to_string(response)
            .await
            .map_err(describe)?;
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    async fn pace_write(&self) {
        if let Some(last) = self.last_write {
            let elapsed = last.elapsed();
            if elapsed < self.pace {
                sleep(self.pace - elapsed).await;
            }
        }
    }

    /// Remembers when the primary limit runs out, from the headers of any response.
    fn note_limits(&mut self, headers: &HeaderMap) {
        let remaining = header_number(headers, "x-ratelimit-remaining");
        let reset = header_number(headers, "x-ratelimit-reset");
        self.blocked_until = match (remaining, reset) {
            (Some(0), Some(reset)) => Some(UNIX_EPOCH + Duration::from_secs(reset)),
            _ => None,
        };
    }

    async fn wait_for_limits(&mut self) -> Result<(), Error> {
        if let Some(until) = self.blocked_until.take() {
            let wait = until.duration_since(SystemTime::now()).unwrap_or_default();
            if wait > MAX_WAIT {
                return Err(Error::WaitTooLong {
                    seconds: wait.as_secs(),
                });
            }
            if !wait.is_zero() {
                self.progress
                    .waiting(wait.as_secs(), "GitHub's hourly request limit");
                sleep(wait + Duration::from_secs(1)).await;
            }
        }
        Ok(())
    }
}

/// How long GitHub asks to wait before repeating a request, if it was rate-limited.
fn rate_limit_wait(status: StatusCode, headers: &HeaderMap, body: &Value) -> Option<Duration> {
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    if let Some(seconds) = header_number(headers, "retry-after") {
        return Some(Duration::from_secs(seconds));
    }
    let primary_exhausted = header_number(headers, "x-ratelimit-remaining") == Some(0);
    if primary_exhausted {
        let reset = header_number(headers, "x-ratelimit-reset")?;
        let until = UNIX_EPOCH + Duration::from_secs(reset);
        return Some(
            until.duration_since(SystemTime::now()).unwrap_or_default() + Duration::from_secs(1),
        );
    }
    let message = body["message"].as_str().unwrap_or_default().to_lowercase();
    // A secondary limit without retry-after: GitHub documents waiting at least a minute.
    (message.contains("secondary rate limit") || status == StatusCode::TOO_MANY_REQUESTS)
        .then_some(Duration::from_secs(60))
}

fn header_number(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|param| param.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(200 * 2u64.pow(attempt.min(5)))
}

async fn sleep(duration: Duration) {
    if !duration.is_zero() {
        tokio::time::sleep(duration).await;
    }
}

/// An octocrab error as text, without anything that could hold a credential.
fn describe(error: octocrab::Error) -> String {
    match error {
        octocrab::Error::Hyper { source, .. } => source.to_string(),
        octocrab::Error::Service { source, .. } => source.to_string(),
        other => other.to_string(),
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "nothing",
        Value::Object(_) => "an object",
        Value::String(_) => "text",
        _ => "a value",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("header value"));
        }
        map
    }

    #[test]
    fn follows_the_next_link() {
        let map = headers(&[(
            "link",
            r#"<http://h/api/v3/repos/a/b/issues?page=2>; rel="next", <http://h/api/v3/repos/a/b/issues?page=5>; rel="last""#,
        )]);
        assert_eq!(
            next_link(&map).as_deref(),
            Some("http://h/api/v3/repos/a/b/issues?page=2")
        );
        assert_eq!(
            next_link(&headers(&[("link", r#"<http://h/x?page=1>; rel="prev""#)])),
            None
        );
    }

    #[test]
    fn waits_as_long_as_github_asks() {
        let secondary = serde_json::json!({"message": "You have exceeded a secondary rate limit."});
        assert_eq!(
            rate_limit_wait(
                StatusCode::FORBIDDEN,
                &headers(&[("retry-after", "7")]),
                &secondary
            ),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            rate_limit_wait(StatusCode::FORBIDDEN, &HeaderMap::new(), &secondary),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            rate_limit_wait(
                StatusCode::TOO_MANY_REQUESTS,
                &headers(&[("retry-after", "2")]),
                &Value::Null
            ),
            Some(Duration::from_secs(2))
        );
        let forbidden = serde_json::json!({"message": "Resource not accessible by integration"});
        assert_eq!(
            rate_limit_wait(StatusCode::FORBIDDEN, &HeaderMap::new(), &forbidden),
            None
        );
        assert_eq!(
            rate_limit_wait(
                StatusCode::OK,
                &headers(&[("retry-after", "7")]),
                &Value::Null
            ),
            None
        );
    }

    #[test]
    fn recognises_already_exists() {
        let error = Error::Status {
            method: "POST".into(),
            path: "/repos/a/b/labels".into(),
            status: 422,
            message: "Validation Failed".into(),
            body: serde_json::json!({"errors": [{"resource": "Label", "code": "already_exists", "field": "name"}]}),
        };
        assert!(error.is_already_exists());
    }
}
