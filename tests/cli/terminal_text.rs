//! Text from a server or a person cannot drive the terminal: escape sequences in
//! GitHub's messages and in issue titles are printed without their control
//! characters, even with colour forced on (where anstream passes escapes through).

use std::path::Path;

use crate::fake_github::FakeGitHub;
use crate::support::Test;

const TOKEN: &str = "ghp_levelupTestTokenForTerminalText";
/// Clears the screen, sets the window title, rings the bell, moves to the line start.
const HOSTILE: &str = "\u{1b}[2J\u{1b}]0;pwned\u{7}\r\u{9b}31m";
/// What is left of [`HOSTILE`]: printable characters only.
const DEFANGED: &str = "[2J]0;pwned31m";

/// `levelup issues --from 2 --to 3` against `api_url` with colour forced on.
fn issues_in_colour(home: &Path, cwd: &Path, api_url: &str) -> Test {
    Test::new()
        .args([
            "issues",
            "--repo",
            "acme/platform",
            "--api-url",
            api_url,
            "--pace",
            "0",
        ])
        .current_dir(cwd)
        .home(home)
        .env("GH_ENTERPRISE_TOKEN", TOKEN)
        .env_remove("NO_COLOR")
        .env("CLICOLOR_FORCE", "1")
}

#[test]
fn a_github_message_is_printed_without_its_escape_sequences() {
    let server = tiny_http::Server::http("127.0.0.1:0").expect("a loopback server");
    let port = server.server_addr().to_ip().expect("an ip address").port();
    let body = serde_json::json!({ "message": format!("Not Found{HOSTILE} here") }).to_string();
    let serving = std::thread::spawn(move || {
        // levelup stops at the first 404, which it does not retry.
        if let Ok(request) = server.recv() {
            let header = tiny_http::Header::from_bytes("content-type", "application/json")
                .expect("a header");
            let _ = request.respond(
                tiny_http::Response::from_string(body)
                    .with_status_code(404)
                    .with_header(header),
            );
        }
    });
    let dir = tempfile::tempdir().expect("temporary folder");
    let home = dir.path().join("home");
    crate::support::home_with_git_identity(&home);
    let ran = issues_in_colour(&home, dir.path(), &format!("http://127.0.0.1:{port}"))
        .args(["--from", "2", "--to", "3"])
        .run()
        .code(1);
    serving.join().expect("the server thread");
    let style = anstyle::AnsiColor::Red.on_default().bold();
    assert_eq!(
        ran.stderr_text(),
        format!(
            "{style}error:{style:#} GitHub answered 404 to GET /repos/acme/platform/labels?per_page=100: Not Found{DEFANGED} here\n"
        )
    );
}

#[test]
fn an_issue_title_is_printed_without_its_escape_sequences() {
    let dir = tempfile::tempdir().expect("temporary folder");
    let home = dir.path().join("home");
    crate::support::home_with_git_identity(&home);
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    issues_in_colour(&home, dir.path(), &github.api_url())
        .args(["--from", "2", "--to", "3"])
        .run()
        .code(0);

    // A person retitles a level-3 issue with escape sequences and line breaks in it.
    let issue = github.issues()[0].clone();
    let number = issue["number"].as_u64().expect("number");
    let step = levelup::github::body::marker(issue["body"].as_str().expect("body"))
        .expect("marker")
        .step;
    let reply = github.call(
        "PATCH",
        &format!("/repos/acme/platform/issues/{number}"),
        Some(&serde_json::json!({ "title": format!("Mine{HOSTILE}\nforged line") })),
    );
    assert!(reply.status < 300, "the fake took the new title: {reply:?}");

    // Planning only up to level 2 takes the level-3 steps out of the plan: their
    // issues are listed as removed, with the titles GitHub has for them.
    let stdout = issues_in_colour(&home, dir.path(), &github.api_url())
        .args(["--from", "1", "--to", "2", "--dry-run"])
        .run()
        .code(3)
        .stdout_text();
    assert!(
        !stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{stdout:?}"
    );
    let line = format!("#{number}");
    assert!(
        stdout.lines().any(|printed| printed
            == format!("removed     {line:<7} Mine{DEFANGED} forged line ({step})")),
        "{stdout:?}"
    );
}
