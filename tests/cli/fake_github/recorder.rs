//! A second loopback server, on `127.0.0.2` (another host than the fake GitHub's
//! `127.0.0.1`), that records every request it receives (method, path, headers)
//! and answers `401` asking for HTTP Basic credentials, so a git client that
//! holds a token is tempted to send it. Tests assert it never sees the token.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// One request the recorder received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub url: String,
    /// Every header as `name: value`.
    pub headers: Vec<String>,
}

pub struct Recorder {
    server: Arc<tiny_http::Server>,
    seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    base: String,
}

impl Recorder {
    pub fn start() -> Recorder {
        let server = Arc::new(tiny_http::Server::http("127.0.0.2:0").expect("bind 127.0.0.2"));
        let port = server.server_addr().to_ip().expect("an IP listener").port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let server = Arc::clone(&server);
            let seen = Arc::clone(&seen);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    let Ok(mut request) = server.recv() else {
                        continue;
                    };
                    let mut sink = Vec::new();
                    let _ = std::io::Read::read_to_end(request.as_reader(), &mut sink);
                    seen.lock().unwrap_or_else(|p| p.into_inner()).push(Seen {
                        method: request.method().as_str().to_string(),
                        url: request.url().to_string(),
                        headers: request
                            .headers()
                            .iter()
                            .map(|header| format!("{}: {}", header.field, header.value))
                            .collect(),
                    });
                    let response =
                        tiny_http::Response::from_string("{\"message\": \"who are you\"}")
                            .with_status_code(401)
                            .with_header(
                                tiny_http::Header::from_bytes(
                                    "WWW-Authenticate",
                                    "Basic realm=\"git\"",
                                )
                                .expect("header"),
                            );
                    let _ = request.respond(response);
                }
            })
        };
        Recorder {
            server,
            seen,
            stop,
            thread: Some(thread),
            base: format!("http://127.0.0.2:{port}"),
        }
    }

    /// `http://127.0.0.2:PORT`
    pub fn url(&self) -> String {
        self.base.clone()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Whether any request carried `token`, as it is or as HTTP Basic credentials.
    pub fn saw_token(&self, token: &str) -> bool {
        let basic = base64(format!("x-access-token:{token}").as_bytes());
        self.seen().iter().any(|seen| {
            seen.url.contains(token)
                || seen
                    .headers
                    .iter()
                    .any(|header| header.contains(token) || header.contains(&basic))
        })
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_matches_the_known_encoding() {
    assert_eq!(
        base64(b"x-access-token:s3cret"),
        "eC1hY2Nlc3MtdG9rZW46czNjcmV0"
    );
    assert_eq!(base64(b"a"), "YQ==");
}
