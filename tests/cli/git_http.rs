//! A real smart-HTTP git server on loopback, for tests that push with libgit2.
//!
//! libgit2's local (file) transport does not run server-side hooks, so a test
//! that needs the server to *refuse* a push has to talk to a real git server.
//! [`GitHttpServer`] runs `git http-backend` as a CGI program behind a small
//! `tiny_http` server on `127.0.0.1`, optionally behind HTTP Basic auth, and
//! can install a `pre-receive` hook that refuses every push.
//!
//! What libgit2 (git2 0.21 / libgit2 1.9) does against it, as pinned by the
//! self-tests at the bottom of this file:
//!
//! * A push the server's hook refuses does **not** make `Remote::push` fail:
//!   it returns `Ok(())`. The refusal only arrives through the
//!   `push_update_reference` callback, as `(refname, Some("pre-receive hook
//!   declined"))`. The hook's own stderr arrives (if at all) only through the
//!   `sideband_progress` callback (raw text, no `remote: ` prefix). A client
//!   must therefore treat any `Some(status)` from `push_update_reference` as
//!   a failed push; returning `Err(e)` from that callback makes `push` return
//!   that same `e`.
//! * Request bodies: libgit2 sends `POST .../git-receive-pack` with
//!   `Transfer-Encoding: chunked` (no `Content-Length`), which `tiny_http`
//!   decodes; it does not gzip request bodies nor send `Expect: 100-continue`.
//! * Authentication: libgit2 first sends each new connection's request
//!   without credentials, gets 401, then calls the credentials callback and
//!   replays the request with `Authorization: Basic ...`. Without a
//!   credentials callback the push fails at once with an `Auth` error; a
//!   callback returning wrong credentials is called again after every 401
//!   (libgit2 gives up after 15 replays), so a client should count attempts
//!   and return `Err` itself.

use std::io::{Cursor, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tiny_http::{Header, Request, Response, Server, StatusCode};

/// A smart-HTTP git server serving one bare repository; dropping it stops it.
pub struct GitHttpServer {
    server: Arc<Server>,
    addr: SocketAddr,
    bare: PathBuf,
    name: String,
    log: Arc<Mutex<Log>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

#[derive(Default)]
struct Log {
    requests: Vec<String>,
    authorization: Vec<String>,
}

/// What every request handler needs to know.
struct Shared {
    project_root: PathBuf,
    backend: PathBuf,
    token: Option<String>,
    log: Arc<Mutex<Log>>,
}

impl GitHttpServer {
    /// Serves the bare repository `bare` at `http://127.0.0.1:PORT/<dir name>`
    /// (the bare repository's directory name, conventionally `<name>.git`).
    ///
    /// With `require_token = Some(t)`, every request must carry HTTP Basic
    /// auth whose password is `t` (any username), else the answer is 401 with
    /// `WWW-Authenticate: Basic realm="git"`.
    ///
    /// Sets `http.receivepack = true` in the repository, so pushes are also
    /// accepted when no token is required (anonymous pushes).
    pub fn start(bare: &Path, require_token: Option<&str>) -> GitHttpServer {
        let bare = bare
            .canonicalize()
            .unwrap_or_else(|e| panic!("bare repository {} exists: {e}", bare.display()));
        let repo = git2::Repository::open_bare(&bare)
            .unwrap_or_else(|e| panic!("{} is a bare repository: {e}", bare.display()));
        repo.config()
            .and_then(|mut c| c.set_bool("http.receivepack", true))
            .expect("set http.receivepack");
        let name = bare
            .file_name()
            .and_then(|n| n.to_str())
            .expect("bare repository path has a UTF-8 file name")
            .to_owned();
        let project_root = bare
            .parent()
            .expect("bare repository has a parent")
            .to_owned();

        let server = Arc::new(Server::http("127.0.0.1:0").expect("bind 127.0.0.1:0"));
        let addr = server
            .server_addr()
            .to_ip()
            .expect("tiny_http listens on TCP");
        let log = Arc::new(Mutex::new(Log::default()));
        let stop = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            project_root,
            backend: http_backend(),
            token: require_token.map(str::to_owned),
            log: Arc::clone(&log),
        });

        let thread = {
            let server = Arc::clone(&server);
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("git-http-server".into())
                .spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        let request = match server.recv() {
                            Ok(request) => request,
                            Err(_) => continue,
                        };
                        // One thread per request: a stalled client never
                        // blocks another connection.
                        let shared = Arc::clone(&shared);
                        std::thread::spawn(move || serve(&shared, request));
                    }
                })
                .expect("spawn server thread")
        };

        GitHttpServer {
            server,
            addr,
            bare,
            name,
            log,
            stop,
            thread: Some(thread),
        }
    }

    /// The clone/push URL of the served repository.
    pub fn url(&self) -> String {
        format!("http://{}/{}", self.addr, self.name)
    }

    /// Installs an executable `hooks/pre-receive` in the bare repository that
    /// prints `message` to stderr and exits 1, so every push is refused.
    pub fn reject_pushes(&self, message: &str) {
        let hooks = self.bare.join("hooks");
        std::fs::create_dir_all(&hooks).expect("create hooks directory");
        let script = format!(
            "#!/bin/sh\ncat >/dev/null\necho {} >&2\nexit 1\n",
            shell_quote(message)
        );
        let hook = hooks.join("pre-receive");
        // Write under another name, then rename: the hook is never seen
        // half-written, and no writable descriptor of it survives.
        let tmp = hooks.join(".pre-receive.tmp");
        std::fs::write(&tmp, script).expect("write pre-receive hook");
        set_executable(&tmp);
        std::fs::rename(&tmp, &hook).expect("install pre-receive hook");
    }

    /// `"METHOD path?query"` of every request received so far, in order.
    pub fn requests(&self) -> Vec<String> {
        self.log.lock().unwrap().requests.clone()
    }

    /// The raw `Authorization` header values received so far, in order.
    pub fn authorization_headers(&self) -> Vec<String> {
        self.log.lock().unwrap().authorization.clone()
    }
}

impl Drop for GitHttpServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Creates a bare repository `origin.git` inside `dir` (created if missing)
/// with one commit on `main` adding a README, and `HEAD` pointing at `main`.
/// Returns the bare repository's path.
pub fn bare_repository_with_main(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).expect("create directory for the bare repository");
    let path = dir.join("origin.git");
    let mut options = git2::RepositoryInitOptions::new();
    options.bare(true).initial_head("main");
    let repo = git2::Repository::init_opts(&path, &options).expect("init bare repository");
    repo.config()
        .and_then(|mut c| c.set_bool("http.receivepack", true))
        .expect("set http.receivepack");
    let blob = repo
        .blob(b"# origin\n\nServed by the levelup tests.\n")
        .expect("write README blob");
    let mut tree = repo.treebuilder(None).expect("tree builder");
    tree.insert("README.md", blob, 0o100644)
        .expect("add README");
    let tree = repo
        .find_tree(tree.write().expect("write tree"))
        .expect("tree");
    let who = signature();
    repo.commit(
        Some("refs/heads/main"),
        &who,
        &who,
        "Initial commit",
        &tree,
        &[],
    )
    .expect("commit README on main");
    path
}

fn signature() -> git2::Signature<'static> {
    git2::Signature::new(
        "levelup tests",
        "tests@levelup.invalid",
        &git2::Time::new(1_700_000_000, 0),
    )
    .expect("signature")
}

/// `git --exec-path`/git-http-backend (same git as on PATH), else the Debian path.
fn http_backend() -> PathBuf {
    let from_git = Command::new("git")
        .arg("--exec-path")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()).join("git-http-backend"));
    let candidates = from_git
        .into_iter()
        .chain([PathBuf::from("/usr/lib/git-core/git-http-backend")]);
    for candidate in candidates {
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("git-http-backend not found (tried `git --exec-path` and /usr/lib/git-core)")
}

fn header<'r>(request: &'r Request, name: &'static str) -> Option<&'r str> {
    request
        .headers()
        .iter()
        .find(|h| h.field.equiv(name))
        .map(|h| h.value.as_str())
}

/// Answers one request: auth check, then `git http-backend` as CGI.
fn serve(shared: &Shared, mut request: Request) {
    let authorization = header(&request, "Authorization").map(str::to_owned);
    {
        let mut log = shared.log.lock().unwrap();
        log.requests
            .push(format!("{} {}", request.method(), request.url()));
        if let Some(value) = &authorization {
            log.authorization.push(value.clone());
        }
    }

    // Always consume the body (chunked bodies are decoded by tiny_http), so
    // the connection stays usable whatever we answer.
    let mut body = Vec::new();
    if let Err(e) = request.as_reader().read_to_end(&mut body) {
        let _ = request
            .respond(Response::from_string(format!("reading body: {e}")).with_status_code(400));
        return;
    }

    let user = match &shared.token {
        None => None,
        Some(token) => match authorization.as_deref().and_then(basic_credentials) {
            Some((user, password)) if password == *token => Some(if user.is_empty() {
                "token".to_owned()
            } else {
                user
            }),
            _ => {
                let response = Response::from_string("authentication required\n")
                    .with_status_code(401)
                    .with_header(
                        Header::from_bytes("WWW-Authenticate", "Basic realm=\"git\"").unwrap(),
                    );
                let _ = request.respond(response);
                return;
            }
        },
    };

    let response = match run_cgi(shared, &request, user.as_deref(), body) {
        Ok(response) => response,
        Err(e) => {
            Response::from_string(format!("git http-backend failed: {e}\n")).with_status_code(500)
        }
    };
    let _ = request.respond(response);
}

fn run_cgi(
    shared: &Shared,
    request: &Request,
    user: Option<&str>,
    body: Vec<u8>,
) -> Result<Response<Cursor<Vec<u8>>>, String> {
    let (path, query) = match request.url().split_once('?') {
        Some((path, query)) => (path, query),
        None => (request.url(), ""),
    };
    let mut command = Command::new(&shared.backend);
    command
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        // No user or system git config leaks into the server.
        .env("HOME", &shared.project_root)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_PROJECT_ROOT", &shared.project_root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GATEWAY_INTERFACE", "CGI/1.1")
        .env("SERVER_PROTOCOL", "HTTP/1.1")
        .env("SERVER_SOFTWARE", "levelup-test-git-http")
        .env("REQUEST_METHOD", request.method().as_str())
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("CONTENT_LENGTH", body.len().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(addr) = request.remote_addr() {
        command.env("REMOTE_ADDR", addr.ip().to_string());
    }
    if let Some(user) = user {
        command.env("REMOTE_USER", user).env("AUTH_TYPE", "Basic");
    }
    if let Some(content_type) = header(request, "Content-Type") {
        command.env("CONTENT_TYPE", content_type);
    }
    // git http-backend gunzips request bodies itself when told to.
    if let Some(encoding) = header(request, "Content-Encoding") {
        command.env("HTTP_CONTENT_ENCODING", encoding);
    }
    if let Some(protocol) = header(request, "Git-Protocol") {
        command.env("GIT_PROTOCOL", protocol);
    }

    let mut child = command
        .spawn()
        .map_err(|e| format!("spawn {}: {e}", shared.backend.display()))?;
    // Feed stdin and drain stderr on their own threads while this one reads
    // stdout: no pipe can fill up and deadlock, whatever the sizes.
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body); // EPIPE if the backend stops early: fine.
    });
    let mut stderr = child.stderr.take().unwrap();
    let errors = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut output = Vec::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut output)
        .map_err(|e| format!("read stdout: {e}"))?;
    let _ = writer.join();
    let errors = errors.join().unwrap_or_default();
    let status = child.wait().map_err(|e| format!("wait: {e}"))?;
    if !errors.trim().is_empty() {
        // Shown with the output of a failing test.
        eprintln!(
            "git http-backend ({} {}): {}",
            request.method(),
            request.url(),
            errors.trim()
        );
    }
    if output.is_empty() && !status.success() {
        return Err(format!("{status}: {}", errors.trim()));
    }
    cgi_response(output)
}

/// Splits CGI output into status, headers and body.
fn cgi_response(output: Vec<u8>) -> Result<Response<Cursor<Vec<u8>>>, String> {
    let (head_len, body_start) = find_header_end(&output).ok_or("CGI output has no header end")?;
    let head = std::str::from_utf8(&output[..head_len]).map_err(|_| "CGI headers are not UTF-8")?;
    let mut status = 200u16;
    let mut headers = Vec::new();
    for line in head.lines() {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("bad CGI header line {line:?}"))?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("Status") {
            status = value
                .split_whitespace()
                .next()
                .and_then(|code| code.parse().ok())
                .ok_or_else(|| format!("bad CGI status {value:?}"))?;
        } else if name.eq_ignore_ascii_case("Content-Length")
            || name.eq_ignore_ascii_case("Transfer-Encoding")
        {
            // tiny_http frames the body itself.
        } else {
            headers.push(
                Header::from_bytes(name.as_bytes(), value.as_bytes())
                    .map_err(|_| format!("bad CGI header {line:?}"))?,
            );
        }
    }
    let body = output[body_start..].to_vec();
    let len = body.len();
    Ok(Response::new(
        StatusCode(status),
        headers,
        Cursor::new(body),
        Some(len),
        None,
    ))
}

/// `(end of headers, start of body)`: CGI allows `\r\n\r\n` or `\n\n`.
fn find_header_end(output: &[u8]) -> Option<(usize, usize)> {
    let crlf = output
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, i + 4));
    let lf = output
        .windows(2)
        .position(|w| w == b"\n\n")
        .map(|i| (i, i + 2));
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
        (a, b) => a.or(b),
    }
}

/// `(user, password)` from an `Authorization: Basic ...` value.
fn basic_credentials(value: &str) -> Option<(String, String)> {
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let text = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        if chunk.len() == 1 {
            return None;
        }
        let mut bits = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            bits |= value(c)? << (18 - 6 * i);
        }
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

#[cfg(unix)]
fn set_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod hook");
}

#[cfg(not(unix))]
fn set_executable(_path: &Path) {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};

    const TOKEN: &str = "ghs_levelupTestToken123";

    /// Clones `server`'s repository with the token and commits `file` on a
    /// new local branch `feature`. Returns the clone and the commit.
    fn clone_and_commit(server: &GitHttpServer, into: &Path) -> (git2::Repository, git2::Oid) {
        let mut callbacks = git2::RemoteCallbacks::new();
        callbacks.credentials(|_, _, _| git2::Cred::userpass_plaintext("x-access-token", TOKEN));
        let mut fetch = git2::FetchOptions::new();
        fetch.remote_callbacks(callbacks);
        let repo = git2::build::RepoBuilder::new()
            .fetch_options(fetch)
            .clone(&server.url(), into)
            .expect("clone over HTTP");
        let commit = {
            let head = repo.head().unwrap().peel_to_commit().unwrap();
            assert_eq!(repo.head().unwrap().shorthand().ok(), Some("main"));
            std::fs::write(into.join("feature.txt"), "from the test\n").unwrap();
            let mut index = repo.index().unwrap();
            index.add_path(Path::new("feature.txt")).unwrap();
            index.write().unwrap();
            let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
            let who = signature();
            let commit = repo
                .commit(None, &who, &who, "Add feature", &tree, &[&head])
                .unwrap();
            repo.branch("feature", &repo.find_commit(commit).unwrap(), false)
                .unwrap();
            commit
        };
        (repo, commit)
    }

    /// What a push reported.
    struct Pushed {
        result: Result<(), git2::Error>,
        statuses: Vec<(String, Option<String>)>,
        sideband: String,
        credential_calls: usize,
    }

    /// Pushes `feature` with libgit2; `token = None` gives no credentials
    /// callback at all; `Some(t)` answers up to 3 credential requests with `t`.
    fn push_feature(repo: &git2::Repository, url: &str, token: Option<&str>) -> Pushed {
        let statuses = RefCell::new(Vec::new());
        let sideband = RefCell::new(Vec::new());
        let calls = Cell::new(0usize);
        let result = {
            let mut callbacks = git2::RemoteCallbacks::new();
            if let Some(token) = token {
                callbacks.credentials(|_url, _user, allowed| {
                    calls.set(calls.get() + 1);
                    assert!(allowed.contains(git2::CredentialType::USER_PASS_PLAINTEXT));
                    if calls.get() > 3 {
                        return Err(git2::Error::from_str("credentials rejected 3 times"));
                    }
                    git2::Cred::userpass_plaintext("x-access-token", token)
                });
            }
            callbacks.push_update_reference(|refname, status| {
                statuses
                    .borrow_mut()
                    .push((refname.to_owned(), status.map(str::to_owned)));
                Ok(())
            });
            callbacks.sideband_progress(|bytes| {
                sideband.borrow_mut().extend_from_slice(bytes);
                true
            });
            let mut options = git2::PushOptions::new();
            options.remote_callbacks(callbacks);
            let mut remote = repo.remote_anonymous(url).unwrap();
            remote.push(
                &["refs/heads/feature:refs/heads/feature"],
                Some(&mut options),
            )
        };
        Pushed {
            result,
            statuses: statuses.into_inner(),
            sideband: String::from_utf8_lossy(&sideband.into_inner()).into_owned(),
            credential_calls: calls.get(),
        }
    }

    fn remote_feature(bare: &Path) -> Option<git2::Oid> {
        let repo = git2::Repository::open_bare(bare).unwrap();
        repo.find_reference("refs/heads/feature")
            .ok()
            .and_then(|r| r.target())
    }

    #[test]
    fn push_with_token_updates_the_served_repository() {
        let dir = tempfile::tempdir().unwrap();
        let bare = bare_repository_with_main(&dir.path().join("server"));
        let server = GitHttpServer::start(&bare, Some(TOKEN));
        let (repo, commit) = clone_and_commit(&server, &dir.path().join("clone"));

        let pushed = push_feature(&repo, &server.url(), Some(TOKEN));

        pushed.result.expect("push succeeds");
        assert_eq!(
            pushed.statuses,
            vec![("refs/heads/feature".to_owned(), None)],
            "one accepted ref"
        );
        assert_eq!(
            pushed.credential_calls, 1,
            "asked once, after the first 401"
        );
        assert_eq!(remote_feature(&bare), Some(commit));

        let requests = server.requests();
        assert!(
            requests
                .iter()
                .any(|r| r.ends_with("/info/refs?service=git-receive-pack")),
            "{requests:?}"
        );
        assert!(
            requests
                .iter()
                .any(|r| r.starts_with("POST ") && r.ends_with("/git-receive-pack")),
            "{requests:?}"
        );
        assert!(
            requests.iter().all(|r| !r.contains(TOKEN)),
            "token in a URL: {requests:?}"
        );

        let authorizations = server.authorization_headers();
        assert!(!authorizations.is_empty(), "the token was sent");
        for value in &authorizations {
            assert!(value.starts_with("Basic "), "not Basic auth: {value:?}");
            assert!(!value.contains(TOKEN), "token sent in clear: {value:?}");
            assert_eq!(
                basic_credentials(value),
                Some(("x-access-token".to_owned(), TOKEN.to_owned()))
            );
        }
    }

    #[test]
    fn push_refused_by_a_hook_is_reported_per_ref_not_as_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let bare = bare_repository_with_main(&dir.path().join("server"));
        let server = GitHttpServer::start(&bare, Some(TOKEN));
        let (repo, _commit) = clone_and_commit(&server, &dir.path().join("clone"));
        server.reject_pushes("levelup test: refused");

        let pushed = push_feature(&repo, &server.url(), Some(TOKEN));

        // The key fact for a client: `push` itself succeeds...
        assert!(pushed.result.is_ok(), "push returned {:?}", pushed.result);
        // ...and only the per-ref status tells that the ref was refused.
        assert_eq!(
            pushed.statuses,
            vec![(
                "refs/heads/feature".to_owned(),
                Some("pre-receive hook declined".to_owned())
            )]
        );
        // The hook's stderr travels on the progress side band.
        assert!(
            pushed.sideband.contains("levelup test: refused"),
            "sideband: {:?}",
            pushed.sideband
        );
        assert_eq!(remote_feature(&bare), None, "the ref was not created");
    }

    #[test]
    fn push_update_reference_returning_err_turns_a_refusal_into_a_push_error() {
        let dir = tempfile::tempdir().unwrap();
        let bare = bare_repository_with_main(&dir.path().join("server"));
        let server = GitHttpServer::start(&bare, None);
        let (repo, _commit) = clone_and_commit(&server, &dir.path().join("clone"));
        server.reject_pushes("levelup test: refused");

        let mut callbacks = git2::RemoteCallbacks::new();
        callbacks.push_update_reference(|refname, status| match status {
            None => Ok(()),
            Some(status) => Err(git2::Error::from_str(&format!("{refname}: {status}"))),
        });
        let mut options = git2::PushOptions::new();
        options.remote_callbacks(callbacks);
        let mut remote = repo.remote_anonymous(&server.url()).unwrap();
        let result = remote.push(
            &["refs/heads/feature:refs/heads/feature"],
            Some(&mut options),
        );

        // The callback's error comes back unchanged from `push`.
        let error = result.expect_err("the callback's Err fails the push");
        assert_eq!(
            error.message(),
            "refs/heads/feature: pre-receive hook declined"
        );
        assert_eq!(remote_feature(&bare), None);
    }

    #[test]
    fn push_without_credentials_fails_with_an_auth_error() {
        let dir = tempfile::tempdir().unwrap();
        let bare = bare_repository_with_main(&dir.path().join("server"));
        let server = GitHttpServer::start(&bare, Some(TOKEN));
        let (repo, _commit) = clone_and_commit(&server, &dir.path().join("clone"));
        let before = server.requests().len();

        let pushed = push_feature(&repo, &server.url(), None);

        let error = pushed.result.expect_err("push without credentials fails");
        assert_eq!(error.class(), git2::ErrorClass::Http, "{error:?}");
        assert_eq!(error.code(), git2::ErrorCode::Auth, "{error:?}");
        assert!(pushed.statuses.is_empty());
        assert_eq!(remote_feature(&bare), None);
        assert_eq!(
            server.requests()[before..],
            ["GET /origin.git/info/refs?service=git-receive-pack".to_owned()],
            "one unauthenticated request, no retries"
        );
    }

    #[test]
    fn push_with_a_wrong_token_gives_up_after_bounded_attempts() {
        let dir = tempfile::tempdir().unwrap();
        let bare = bare_repository_with_main(&dir.path().join("server"));
        let server = GitHttpServer::start(&bare, Some(TOKEN));
        let (repo, _commit) = clone_and_commit(&server, &dir.path().join("clone"));

        let pushed = push_feature(&repo, &server.url(), Some("wrong-token"));

        let error = pushed.result.expect_err("push with a wrong token fails");
        assert_eq!(error.message(), "credentials rejected 3 times", "{error:?}");
        assert_eq!(
            pushed.credential_calls, 4,
            "3 answers, then the callback gives up"
        );
        assert!(pushed.statuses.is_empty());
        assert_eq!(remote_feature(&bare), None);
    }

    #[test]
    fn anonymous_push_and_large_pack_without_token() {
        let dir = tempfile::tempdir().unwrap();
        let bare = bare_repository_with_main(&dir.path().join("server"));
        let server = GitHttpServer::start(&bare, None);
        let clone = dir.path().join("clone");
        let repo = git2::Repository::clone(&server.url(), &clone).expect("anonymous clone");
        // ~3 MB of incompressible data: a request body far bigger than any
        // pipe buffer, sent by libgit2 with chunked transfer encoding.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let noise: Vec<u8> = (0..3_000_000)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        std::fs::write(clone.join("noise.bin"), &noise).unwrap();
        let mut index = repo.index().unwrap();
        index.add_path(Path::new("noise.bin")).unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        let who = signature();
        let commit = repo
            .commit(None, &who, &who, "Big", &tree, &[&head])
            .unwrap();
        repo.branch("feature", &repo.find_commit(commit).unwrap(), false)
            .unwrap();

        let pushed = push_feature(&repo, &server.url(), None);

        pushed.result.expect("anonymous push succeeds");
        assert_eq!(
            pushed.statuses,
            vec![("refs/heads/feature".to_owned(), None)]
        );
        assert_eq!(remote_feature(&bare), Some(commit));
        assert!(server.authorization_headers().is_empty());
    }

    #[test]
    fn base64_decodes_basic_credentials() {
        assert_eq!(
            basic_credentials("Basic eC1hY2Nlc3MtdG9rZW46czNjcmV0"),
            Some(("x-access-token".to_owned(), "s3cret".to_owned()))
        );
        assert_eq!(base64_decode("YQ==").unwrap(), b"a");
        assert_eq!(base64_decode("YWI=").unwrap(), b"ab");
        assert_eq!(base64_decode("YWJj").unwrap(), b"abc");
        assert_eq!(basic_credentials("Bearer abc"), None);
    }
}
