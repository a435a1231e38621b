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
//! - Waiting is bounded for the whole run ([`WAIT_BUDGET`]), and a listing stops
//!   at [`MAX_PAGES`] pages or at a page it already read.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, StatusCode};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::backoff::Jitter;
use super::target::Target;
use super::wire::ErrorBody;
use crate::progress::Reporter;

/// GitHub allows 500 content-creating requests an hour; stop a little before.
pub const CREATION_CAP: usize = 480;
/// How long one run waits for rate limits in all, before giving up (GitHub's
/// window is an hour): each wait, before sending or after an answer, counts.
pub const WAIT_BUDGET: Duration = Duration::from_secs(3600);
/// The most pages levelup reads of one listing (100 items each).
pub const MAX_PAGES: usize = 1000;
/// Retries of a read after a 5xx or a timeout.
const READ_RETRIES: u32 = 3;
/// Rate-limit waits for one request before levelup gives up on it.
const RATE_LIMIT_WAITS: u32 = 5;

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
        /// The `errors[].code` values of the body (such as `already_exists` for a 422).
        codes: Vec<String>,
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
    #[error(
        "GitHub asks to wait {seconds}s more, after {waited}s of waiting: beyond the {budget}s levelup waits in one run"
    )]
    WaitTooLong {
        seconds: u64,
        /// Seconds this run already waited.
        waited: u64,
        budget: u64,
    },
    #[error("the listing {path} links back to a page already read: `{page}`")]
    RepeatedPage { path: String, page: String },
    #[error("the listing {path} has more than {pages} pages: levelup stops there")]
    TooManyPages { path: String, pages: usize },
    #[error("GitHub still limits {method} {path} after {waits} waits")]
    StillLimited {
        method: String,
        path: String,
        waits: u32,
    },
    #[error("GitHub sent a response levelup cannot read ({method} {path}): {reason}")]
    Decode {
        method: String,
        path: String,
        reason: String,
    },
    #[error("the next page of {path} is on `{origin}`, not under the API URL `{api_url}`")]
    ForeignLink {
        path: String,
        origin: String,
        api_url: String,
    },
}

impl Error {
    /// Whether this is a 422 whose `errors` say the resource already exists.
    pub fn is_already_exists(&self) -> bool {
        matches!(self, Error::Status { status: 422, codes, .. }
            if codes.iter().any(|code| code == "already_exists"))
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
    reads: usize,
    created: usize,
    creation_cap: usize,
    /// Set when a response said no requests remain until this time (Unix seconds).
    blocked_until: Option<u64>,
    /// Time spent waiting for rate limits so far, and how much this run may.
    waited: Duration,
    wait_budget: Duration,
    max_pages: usize,
    jitter: Jitter,
}

/// A response as text, so it can be decoded into the type the caller expects.
struct Response {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl<'p> Client<'p> {
    pub fn new(
        target: &Target,
        pace: Duration,
        progress: &'p dyn Reporter,
    ) -> Result<Client<'p>, Error> {
        // The token is checked against the API URL's host once more here, for
        // callers that build a `Target` by hand.
        let token_host = super::target::token_host(&target.api_url)
            .map_err(|error| Error::Setup(error.to_string()))?;
        if token_host != target.token_host {
            return Err(Error::Setup(format!(
                "the token is for `{}`, not for the API at `{}`",
                target.token_host, target.api_url
            )));
        }
        // octocrab adds the `Authorization` header only to requests for the API
        // URL's own authority, and is built without `follow-redirect`: a redirect
        // comes back as a response and is never followed with the token.
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
            reads: 0,
            created: 0,
            creation_cap: CREATION_CAP,
            blocked_until: None,
            waited: Duration::ZERO,
            wait_budget: WAIT_BUDGET,
            max_pages: MAX_PAGES,
            jitter: Jitter::seeded(),
        })
    }

    /// Waits at most `budget` in all for rate limits instead of [`WAIT_BUDGET`].
    pub fn with_wait_budget(mut self, budget: Duration) -> Client<'p> {
        self.wait_budget = budget;
        self
    }

    /// Reads at most `pages` pages of one listing instead of [`MAX_PAGES`].
    pub fn with_max_pages(mut self, pages: usize) -> Client<'p> {
        self.max_pages = pages;
        self
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

    /// How many read requests this client sent (every page of a list counts).
    pub fn reads(&self) -> usize {
        self.reads
    }

    pub async fn get<T: DeserializeOwned>(&mut self, path: &str) -> Result<T, Error> {
        let response = self.request(Method::GET, path, None).await?;
        decode(&Method::GET, path, &response.text)
    }

    /// Every item of a paginated list, following `Link: <...>; rel="next"` as long
    /// as it stays under the API URL, never to a page already read and for at
    /// most [`MAX_PAGES`] pages.
    pub async fn list<T: DeserializeOwned>(&mut self, path: &str) -> Result<Vec<T>, Error> {
        let separator = if path.contains('?') { '&' } else { '?' };
        let first = format!("{path}{separator}per_page=100");
        let mut pages = Pages::new(&first, self.max_pages);
        let mut next = Some(first);
        let mut items = Vec::new();
        while let Some(path) = next.take() {
            pages.admit(&path)?;
            let response = self.request(Method::GET, &path, None).await?;
            let page: Vec<T> = decode(&Method::GET, &path, &response.text)?;
            items.extend(page);
            next = match next_link(&response.headers) {
                None => None,
                Some(url) => {
                    Some(
                        under_api(&self.api_url, &url).ok_or_else(|| Error::ForeignLink {
                            path: path.clone(),
                            origin: origin_of(&url),
                            api_url: self.api_url.clone(),
                        })?,
                    )
                }
            };
        }
        Ok(items)
    }

    /// A content-creating POST.
    pub async fn create<T: DeserializeOwned>(
        &mut self,
        path: &str,
        body: &Value,
    ) -> Result<T, Error> {
        if self.created >= self.creation_cap {
            return Err(Error::CreationCap {
                created: self.created,
            });
        }
        let response = self.request(Method::POST, path, Some(body)).await?;
        self.created += 1;
        decode(&Method::POST, path, &response.text)
    }

    pub async fn update<T: DeserializeOwned>(
        &mut self,
        path: &str,
        body: &Value,
    ) -> Result<T, Error> {
        let response = self.request(Method::PATCH, path, Some(body)).await?;
        decode(&Method::PATCH, path, &response.text)
    }

    /// One request, with pacing and rate-limit waits; reads retry on 5xx, a bounded
    /// number of times with jittered backoff.
    async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, Error> {
        let write = method != Method::GET;
        let mut attempts = 0;
        let mut waits = 0;
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
            } else {
                self.reads += 1;
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
                Err(_) if attempts <= READ_RETRIES => {
                    sleep(self.jitter.backoff(attempts)).await;
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
            let error = (!status.is_success()).then(|| ErrorBody::parse(&response.text));
            let message = error
                .as_ref()
                .and_then(|error| error.message.clone())
                .unwrap_or_default();
            if let Some(wait) = rate_limit_wait(status, &response.headers, &message, unix_now()) {
                waits += 1;
                if waits > RATE_LIMIT_WAITS {
                    return Err(Error::StillLimited {
                        method: method.to_string(),
                        path: path.to_string(),
                        waits: RATE_LIMIT_WAITS,
                    });
                }
                self.spend(wait)?;
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
                    sleep(self.jitter.backoff(attempts)).await;
                    continue;
                }
            }
            if let Some(error) = error {
                let message = if status.is_redirection() {
                    "a redirect, which levelup does not follow".to_string()
                } else if message.is_empty() {
                    "no message".to_string()
                } else {
                    message
                };
                return Err(Error::Status {
                    method: method.to_string(),
                    path: path.to_string(),
                    status: status.as_u16(),
                    message,
                    codes: error.codes(),
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
        Ok(Response {
            status,
            headers,
            text,
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
            (Some(0), Some(reset)) => Some(reset),
            _ => None,
        };
    }

    async fn wait_for_limits(&mut self) -> Result<(), Error> {
        if let Some(wait) = self.wait_before_sending(unix_now())? {
            self.progress
                .waiting(wait.as_secs(), "GitHub's hourly request limit");
            sleep(wait).await;
        }
        Ok(())
    }

    /// How long to wait before the next request, when a response said no requests
    /// remain until a reset after `now`: that wait is charged to the budget.
    fn wait_before_sending(&mut self, now: u64) -> Result<Option<Duration>, Error> {
        let Some(until) = self.blocked_until.take() else {
            return Ok(None);
        };
        let seconds = until.saturating_sub(now);
        if seconds == 0 {
            return Ok(None);
        }
        let wait = Duration::from_secs(seconds.saturating_add(1));
        self.spend(wait)?;
        Ok(Some(wait))
    }

    /// Charges `wait` to the run's wait budget, or fails when it would exceed it.
    fn spend(&mut self, wait: Duration) -> Result<(), Error> {
        let total = self.waited.saturating_add(wait);
        if total > self.wait_budget {
            return Err(Error::WaitTooLong {
                seconds: wait.as_secs(),
                waited: self.waited.as_secs(),
                budget: self.wait_budget.as_secs(),
            });
        }
        self.waited = total;
        Ok(())
    }
}

/// The pages one listing has read: a page is read once, and at most `limit` of them.
struct Pages {
    listing: String,
    seen: std::collections::HashSet<String>,
    limit: usize,
}

impl Pages {
    fn new(listing: &str, limit: usize) -> Pages {
        Pages {
            listing: listing.to_string(),
            seen: std::collections::HashSet::new(),
            limit,
        }
    }

    /// Whether `page` may be read next.
    fn admit(&mut self, page: &str) -> Result<(), Error> {
        if self.seen.contains(page) {
            return Err(Error::RepeatedPage {
                path: self.listing.clone(),
                page: page.to_string(),
            });
        }
        if self.seen.len() >= self.limit {
            return Err(Error::TooManyPages {
                path: self.listing.clone(),
                pages: self.limit,
            });
        }
        self.seen.insert(page.to_string());
        Ok(())
    }
}

/// `text` decoded as `T`; a missing or mistyped field names the request.
fn decode<T: DeserializeOwned>(method: &Method, path: &str, text: &str) -> Result<T, Error> {
    let text = if text.trim().is_empty() { "null" } else { text };
    serde_json::from_str(text).map_err(|error| Error::Decode {
        method: method.to_string(),
        path: path.to_string(),
        reason: error.to_string(),
    })
}

/// The path (with query) of `url` below `api_url`, if it is under it: a `Link`
/// to another origin is never followed, since the token would go with it.
fn under_api(api_url: &str, url: &str) -> Option<String> {
    let rest = url.strip_prefix(api_url)?;
    rest.starts_with('/').then(|| rest.to_string())
}

/// `scheme://host[:port]` of a URL, for messages (no path, no credentials).
fn origin_of(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{authority}")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or_default()
}

/// How long GitHub asks to wait before repeating a request, if it was rate-limited.
/// `now` is the current Unix time; any header value, however large or garbled,
/// gives a duration or nothing, never a panic.
fn rate_limit_wait(
    status: StatusCode,
    headers: &HeaderMap,
    message: &str,
    now: u64,
) -> Option<Duration> {
    if status != StatusCode::FORBIDDEN && status != StatusCode::TOO_MANY_REQUESTS {
        return None;
    }
    if let Some(seconds) = header_number(headers, "retry-after") {
        return Some(Duration::from_secs(seconds));
    }
    let primary_exhausted = header_number(headers, "x-ratelimit-remaining") == Some(0);
    if primary_exhausted {
        let reset = header_number(headers, "x-ratelimit-reset")?;
        return Some(Duration::from_secs(
            reset.saturating_sub(now).saturating_add(1),
        ));
    }
    // A secondary limit without retry-after: GitHub documents waiting at least a minute.
    (message.to_lowercase().contains("secondary rate limit")
        || status == StatusCode::TOO_MANY_REQUESTS)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::FileFailurePersistence;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, value.parse().expect("header value"));
        }
        map
    }

    const SECONDARY: &str = "You have exceeded a secondary rate limit.";

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
    fn a_next_link_elsewhere_is_not_followed() {
        let api = "http://127.0.0.1:9/api/v3";
        assert_eq!(
            under_api(api, "http://127.0.0.1:9/api/v3/repos/a/b/issues?page=2").as_deref(),
            Some("/repos/a/b/issues?page=2")
        );
        for foreign in [
            "http://127.0.0.2:9/api/v3/repos/a/b/issues?page=2",
            "http://127.0.0.1:9/api/v3.evil/x",
            "http://127.0.0.1:99/api/v3/x",
            "https://evil.example/api/v3/x",
        ] {
            assert_eq!(under_api(api, foreign), None, "{foreign}");
        }
        assert_eq!(
            origin_of("https://user:secret@evil.example:8443/a?b"),
            "https://evil.example:8443"
        );
    }

    #[test]
    fn waits_as_long_as_github_asks() {
        let now = 1_700_000_000;
        let wait = |status, pairs: &[(&'static str, &str)], message| {
            rate_limit_wait(status, &headers(pairs), message, now)
        };
        assert_eq!(
            wait(StatusCode::FORBIDDEN, &[("retry-after", "7")], SECONDARY),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            wait(StatusCode::FORBIDDEN, &[], SECONDARY),
            Some(Duration::from_secs(60))
        );
        assert_eq!(
            wait(StatusCode::TOO_MANY_REQUESTS, &[("retry-after", "2")], ""),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            wait(
                StatusCode::FORBIDDEN,
                &[],
                "Resource not accessible by integration"
            ),
            None
        );
        assert_eq!(wait(StatusCode::OK, &[("retry-after", "7")], ""), None);
        assert_eq!(
            wait(
                StatusCode::FORBIDDEN,
                &[
                    ("x-ratelimit-remaining", "0"),
                    ("x-ratelimit-reset", "1700000010")
                ],
                ""
            ),
            Some(Duration::from_secs(11))
        );
    }

    #[test]
    fn huge_or_garbage_headers_neither_panic_nor_wait_forever() {
        let now = 1_700_000_000;
        let huge = u64::MAX.to_string();
        let reset = rate_limit_wait(
            StatusCode::FORBIDDEN,
            &headers(&[
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", huge.as_str()),
            ]),
            "",
            now,
        )
        .expect("a wait");
        assert!(reset > WAIT_BUDGET, "too long to wait: levelup gives up");
        let garbage = rate_limit_wait(
            StatusCode::FORBIDDEN,
            &headers(&[
                ("retry-after", "soon"),
                ("x-ratelimit-remaining", "0"),
                ("x-ratelimit-reset", "-1"),
            ]),
            "",
            now,
        );
        assert_eq!(garbage, None, "an unreadable reset is no rate limit");
    }

    fn client_for_tests<'p>(silent: &'p crate::progress::Silent) -> Client<'p> {
        let target = Target {
            host: "github.com".into(),
            api_url: "https://api.github.com".into(),
            repo: super::super::target::RepoName {
                owner: "a".into(),
                name: "b".into(),
            },
            token: super::super::target::Token::new("t"),
            token_host: "github.com".into(),
        };
        Client::new(&target, Duration::ZERO, silent).expect("client")
    }

    #[test]
    fn waits_add_up_to_one_budget_for_the_whole_run() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let _inside = runtime.enter(); // octocrab starts a task when built
        let silent = crate::progress::Silent;
        let mut client = client_for_tests(&silent).with_wait_budget(Duration::from_secs(100));
        assert!(client.spend(Duration::from_secs(60)).is_ok());
        let error = client
            .spend(Duration::from_secs(60))
            .expect_err("120s is over the budget");
        assert!(
            matches!(
                error,
                Error::WaitTooLong {
                    seconds: 60,
                    waited: 60,
                    budget: 100
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            "GitHub asks to wait 60s more, after 60s of waiting: beyond the 100s levelup waits in one run"
        );
        // A wait before sending counts too.
        let now = 1_700_000_000;
        client.blocked_until = Some(now + 30);
        assert_eq!(
            client.wait_before_sending(now).expect("within budget"),
            Some(Duration::from_secs(31))
        );
        client.blocked_until = Some(now + 30);
        assert!(matches!(
            client.wait_before_sending(now),
            Err(Error::WaitTooLong { waited: 91, .. })
        ));
        assert_eq!(client_for_tests(&silent).wait_budget, WAIT_BUDGET);
    }

    #[test]
    fn a_listing_reads_each_page_once_and_a_bounded_number_of_pages() {
        let mut pages = Pages::new("/repos/a/b/issues?per_page=100", 3);
        assert!(pages.admit("/repos/a/b/issues?per_page=100").is_ok());
        assert!(pages.admit("/repos/a/b/issues?per_page=100&page=2").is_ok());
        let repeated = pages
            .admit("/repos/a/b/issues?per_page=100")
            .expect_err("a page already read");
        assert_eq!(
            repeated.to_string(),
            "the listing /repos/a/b/issues?per_page=100 links back to a page already read: `/repos/a/b/issues?per_page=100`"
        );
        assert!(pages.admit("/repos/a/b/issues?per_page=100&page=3").is_ok());
        let many = pages
            .admit("/repos/a/b/issues?per_page=100&page=4")
            .expect_err("over the cap");
        assert_eq!(
            many.to_string(),
            "the listing /repos/a/b/issues?per_page=100 has more than 3 pages: levelup stops there"
        );
        assert_eq!(MAX_PAGES, 1000);
    }

    #[test]
    fn recognises_already_exists() {
        let error = Error::Status {
            method: "POST".into(),
            path: "/repos/a/b/labels".into(),
            status: 422,
            message: "Validation Failed".into(),
            codes: vec!["already_exists".into()],
        };
        assert!(error.is_already_exists());
    }

    #[test]
    fn a_missing_field_is_a_decode_error_naming_the_request() {
        let error = decode::<super::super::wire::PullRequest>(
            &Method::POST,
            "/repos/a/b/pulls",
            r#"{"html_url": "x", "title": "t", "body": "", "head": {"ref": "b"}}"#,
        )
        .expect_err("no number");
        assert!(
            error
                .to_string()
                .starts_with("GitHub sent a response levelup cannot read (POST /repos/a/b/pulls): missing field `number`"),
            "{error}"
        );
    }

    fn header_value() -> impl Strategy<Value = String> {
        prop_oneof![
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            "[ -~]{0,30}",
            Just("18446744073709551616".to_string()),
        ]
    }

    proptest! {
        // Failures found once are replayed first on every run; they are kept with
        // the other test data, not in a folder of their own at the top.
        #![proptest_config(ProptestConfig {
            failure_persistence: Some(Box::new(FileFailurePersistence::Direct(
                "tests/proptest-regressions/github-client.txt",
            ))),
            ..ProptestConfig::default()
        })]

        #[test]
        fn rate_limit_headers_never_panic(
            status in prop_oneof![Just(403u16), Just(429u16), 100u16..600],
            retry_after in proptest::option::of(header_value()),
            remaining in proptest::option::of(header_value()),
            reset in proptest::option::of(header_value()),
            message in ".{0,40}",
            now in prop_oneof![any::<u64>(), 1_600_000_000u64..2_000_000_000],
            exhausted in any::<bool>(),
            reset_in in prop_oneof![Just(0u64), 0u64..8000, any::<u64>()],
            budget in prop_oneof![Just(3600u64), 0u64..8000],
        ) {
            let mut map = HeaderMap::new();
            for (name, value) in [("retry-after", retry_after), ("x-ratelimit-remaining", remaining), ("x-ratelimit-reset", reset)] {
                if let Some(value) = value.and_then(|value| value.parse().ok()) {
                    map.insert(name, value);
                }
            }
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FORBIDDEN);
            let _ = rate_limit_wait(status, &map, &message, now);
            if exhausted {
                map.insert("x-ratelimit-remaining", "0".parse().expect("header"));
                map.insert("x-ratelimit-reset", now.saturating_add(reset_in).to_string().parse().expect("header"));
            }
            let silent = crate::progress::Silent;
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let mut client = client_for_tests(&silent).with_wait_budget(Duration::from_secs(budget));
                client.note_limits(&map);
                let Some(until) = client.blocked_until else {
                    prop_assert!(client.wait_before_sending(now).expect("no wait").is_none());
                    return Ok(());
                };
                prop_assert!(!exhausted || until == now.saturating_add(reset_in));
                // A reset in the past waits nothing; one within the budget waits until
                // just after it, charged; one beyond is an error that waits nothing.
                let wanted = until.saturating_sub(now);
                let charged = wanted.saturating_add(1);
                for round in 1..=2u64 {
                    client.note_limits(&map);
                    let spent = client.waited;
                    match client.wait_before_sending(now) {
                        Ok(None) => prop_assert_eq!(wanted, 0),
                        Ok(Some(wait)) => {
                            prop_assert_eq!(wait, Duration::from_secs(charged));
                            prop_assert!(charged.saturating_mul(round) <= budget);
                            prop_assert_eq!(client.waited, Duration::from_secs(charged * round));
                        }
                        Err(Error::WaitTooLong { seconds, waited, budget: limit }) => {
                            prop_assert_eq!((seconds, waited, limit), (charged, spent.as_secs(), budget));
                            prop_assert!(charged.saturating_mul(round) > budget);
                            prop_assert_eq!(client.waited, spent, "an error waits nothing");
                        }
                        Err(other) => prop_assert!(false, "{other}"),
                    }
                }
                Ok(())
            })?;
        }

        #[test]
        fn link_headers_never_panic(link in "[ -~]{0,200}") {
            let map = headers(&[("link", link.as_str())]);
            if let Some(url) = next_link(&map) {
                let _ = under_api("https://api.github.com", &url);
                let _ = origin_of(&url);
            }
        }

        #[test]
        fn responses_decode_or_fail_cleanly(text in ".{0,200}", number in any::<i64>(), drop_field in 0usize..6) {
            let mut fields = vec![
                format!(r#""number": {number}"#),
                r#""title": "t""#.to_string(),
                r#""body": null"#.to_string(),
                r#""state": "open""#.to_string(),
                r#""labels": []"#.to_string(),
                r#""milestone": null"#.to_string(),
            ];
            let dropped = fields.remove(drop_field);
            let document = format!("{{{}}}", fields.join(", "));
            let decoded = decode::<super::super::wire::Issue>(&Method::GET, "/x", &document);
            let needed = !dropped.starts_with(r#""labels""#) && !dropped.starts_with(r#""milestone""#) && !dropped.starts_with(r#""body""#);
            if needed || number < 0 {
                prop_assert!(decoded.is_err(), "{document}");
            } else {
                prop_assert!(decoded.is_ok(), "{document}");
            }
            let _ = decode::<Vec<super::super::wire::Issue>>(&Method::GET, "/x", &text);
            let _ = decode::<super::super::wire::PullRequest>(&Method::GET, "/x", &text);
            let _ = ErrorBody::parse(&text).codes();
        }
    }
}
