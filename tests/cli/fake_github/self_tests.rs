//! The fake's own tests: raw HTTP round trips, faults, the contract check, and the real octocrab
//! client reading what the fake serves.

use std::time::Instant;

use serde_json::{Value, json};

use super::wire::{self, Reply};
use super::{FakeGitHub, Fault, openapi};

const TOKEN: &str = "ghp_fake_token_for_tests";

fn fake(prefix: &str) -> FakeGitHub {
    FakeGitHub::start(prefix, "acme", "platform", TOKEN)
}

fn post(fake: &FakeGitHub, path: &str, body: Value) -> Reply {
    fake.call("POST", path, Some(&body))
}

fn get(fake: &FakeGitHub, path: &str) -> Reply {
    fake.call("GET", path, None)
}

fn assert_clean(fake: &FakeGitHub) {
    let requests = fake.contract_violations(openapi());
    assert!(
        requests.is_empty(),
        "request violations:\n{}",
        requests.join("\n")
    );
    let responses = fake.response_violations(openapi());
    assert!(
        responses.is_empty(),
        "response violations:\n{}",
        responses.join("\n")
    );
}

#[test]
fn loads_and_compiles_the_openapi_description() {
    let started = Instant::now();
    let doc = openapi();
    let loaded = started.elapsed();
    assert!(doc["paths"]["/repos/{owner}/{repo}/issues"]["post"].is_object());
    let schema = &doc["paths"]["/repos/{owner}/{repo}/issues"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    let started = Instant::now();
    let validator = super::contract::compile(doc, schema).expect("the issue schema compiles");
    let compiled = started.elapsed();
    assert!(validator.is_valid(&json!({"title": "t", "labels": ["a"], "milestone": null})));
    assert!(!validator.is_valid(&json!({"titel": 1})));
    let response = &doc["paths"]["/repos/{owner}/{repo}/issues"]["get"]["responses"]["200"]["content"]
        ["application/json"]["schema"];
    let started = Instant::now();
    super::contract::compile(doc, response).expect("the issue list schema compiles");
    eprintln!(
        "fake_github: OpenAPI description loaded in {loaded:?} (first caller pays; cached after), \
         POST /issues body schema compiled in {compiled:?}, issue list response schema in {:?}",
        started.elapsed()
    );
}

#[test]
fn fake_github_requires_the_token() {
    let fake = fake("");
    let url = format!("{}/repos/acme/platform", fake.api_url());
    let missing = wire::send("GET", &url, None, None);
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json()["message"], "Bad credentials");
    let wrong = wire::send("GET", &url, Some("Bearer nope"), None);
    assert_eq!(wrong.status, 401);
    let old_style = wire::send("GET", &url, Some(&format!("token {TOKEN}")), None);
    assert_eq!(old_style.status, 200);
    assert_eq!(fake.requests()[0].authorization, None);
    assert_eq!(
        fake.requests()[2].authorization.as_deref(),
        Some(&*format!("token {TOKEN}"))
    );
    let violations = fake.contract_violations(openapi());
    assert_eq!(violations.len(), 2, "{violations:?}");
    assert!(violations[0].contains("401"), "{violations:?}");
}

#[test]
fn fake_github_serves_under_api_v3_and_at_the_root() {
    let enterprise = fake("/api/v3");
    assert!(enterprise.api_url().starts_with("http://127.0.0.1:"));
    assert!(enterprise.api_url().ends_with("/api/v3"));
    let repo = get(&enterprise, "/repos/acme/platform");
    assert_eq!(repo.status, 200);
    let repo = repo.json();
    assert_eq!(repo["default_branch"], "main");
    assert_eq!(repo["full_name"], "acme/platform");
    assert_eq!(
        repo["url"],
        format!("{}/repos/acme/platform", enterprise.api_url())
    );
    assert!(
        repo["clone_url"]
            .as_str()
            .unwrap()
            .ends_with("/acme/platform.git")
    );
    assert_eq!(enterprise.requests()[0].path, "/repos/acme/platform");

    // Without the prefix: not the API.
    let root = enterprise.api_url().trim_end_matches("/api/v3").to_string();
    let outside = wire::send(
        "GET",
        &format!("{root}/repos/acme/platform"),
        Some(&format!("Bearer {TOKEN}")),
        None,
    );
    assert_eq!(outside.status, 404);
    assert!(!enterprise.requests()[1].under_prefix);
    assert!(
        enterprise.contract_violations(openapi())[0].contains("not under the API prefix"),
        "{:?}",
        enterprise.contract_violations(openapi())
    );

    for prefix in ["", "/"] {
        let dotcom = fake(prefix);
        assert!(!dotcom.api_url().ends_with('/'), "{}", dotcom.api_url());
        assert_eq!(get(&dotcom, "/repos/acme/platform").status, 200);
        assert_eq!(
            get(&dotcom, "/repos/ACME/Platform").status,
            200,
            "case-insensitive"
        );
        let missing = get(&dotcom, "/repos/acme/other");
        assert_eq!(missing.status, 404);
        assert_eq!(missing.json()["message"], "Not Found");
        assert!(missing.json()["documentation_url"].is_string());
        assert_clean_except_404(&dotcom);
    }
}

fn assert_clean_except_404(fake: &FakeGitHub) {
    let responses = fake.response_violations(openapi());
    assert!(responses.is_empty(), "{responses:?}");
}

#[test]
fn fake_github_sends_rate_limit_headers() {
    let fake = fake("/api/v3");
    let first = get(&fake, "/repos/acme/platform");
    let second = get(&fake, "/repos/acme/platform");
    assert_eq!(first.header("x-ratelimit-limit"), Some("5000"));
    assert_eq!(first.header("x-ratelimit-remaining"), Some("4999"));
    assert_eq!(second.header("x-ratelimit-remaining"), Some("4998"));
    assert_eq!(second.header("x-ratelimit-used"), Some("2"));
    let reset: u64 = first.header("x-ratelimit-reset").unwrap().parse().unwrap();
    let now = super::unix_now();
    assert!(
        reset > now + 3500 && reset <= now + 3600,
        "{reset} vs {now}"
    );
    assert_eq!(
        first.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[test]
fn fake_github_labels_round_trip() {
    let fake = fake("/api/v3");
    let created = post(
        &fake,
        "/repos/acme/platform/labels",
        json!({"name": "levelup", "color": "0e8a16", "description": "Managed by levelup"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let label = created.json();
    assert_eq!(label["name"], "levelup");
    assert_eq!(label["color"], "0e8a16");
    assert!(label["id"].is_u64() && label["node_id"].is_string());
    assert_eq!(
        label["url"],
        format!("{}/repos/acme/platform/labels/levelup", fake.api_url())
    );

    let again = post(
        &fake,
        "/repos/acme/platform/labels",
        json!({"name": "LevelUp"}),
    );
    assert_eq!(again.status, 422);
    assert_eq!(
        again.json()["errors"],
        json!([{"resource": "Label", "code": "already_exists", "field": "name"}])
    );
    assert_eq!(again.json()["message"], "Validation Failed");

    fake.add_label("good first issue");
    let spaced = get(&fake, "/repos/acme/platform/labels/good%20first%20issue");
    assert_eq!(spaced.status, 200);
    assert_eq!(spaced.json()["name"], "good first issue");
    let patched = fake.call(
        "PATCH",
        "/repos/acme/platform/labels/levelup",
        Some(&json!({"color": "ff0000", "description": "changed"})),
    );
    assert_eq!(patched.status, 200);
    assert_eq!(patched.json()["color"], "ff0000");
    assert_eq!(get(&fake, "/repos/acme/platform/labels/nope").status, 404);
    let list = get(&fake, "/repos/acme/platform/labels");
    let names: Vec<Value> = list
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].clone())
        .collect();
    assert_eq!(names, vec![json!("good first issue"), json!("levelup")]);
    assert_eq!(fake.labels().len(), 2);
    assert_eq!(fake.write_count(), 3);
    assert_clean(&fake);
}

#[test]
fn fake_github_milestones_include_closed_titles() {
    let fake = fake("");
    let closed = fake.add_milestone("Level 2", "closed");
    assert_eq!(closed, 1);
    let open = get(&fake, "/repos/acme/platform/milestones");
    assert_eq!(open.json(), json!([]), "the default is state=open");
    let all = get(
        &fake,
        "/repos/acme/platform/milestones?state=all&per_page=100",
    );
    assert_eq!(all.json().as_array().unwrap().len(), 1);
    assert_eq!(all.json()[0]["state"], "closed");
    assert!(all.json()[0]["closed_at"].is_string());

    let duplicate = post(
        &fake,
        "/repos/acme/platform/milestones",
        json!({"title": "Level 2"}),
    );
    assert_eq!(duplicate.status, 422);
    assert_eq!(
        duplicate.json()["errors"],
        json!([{"resource": "Milestone", "code": "already_exists", "field": "title"}])
    );
    let created = post(
        &fake,
        "/repos/acme/platform/milestones",
        json!({"title": "Level 3", "description": "d", "state": "open"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    assert_eq!(created.json()["number"], 2);
    let reopened = fake.call(
        "PATCH",
        "/repos/acme/platform/milestones/1",
        Some(&json!({"state": "open"})),
    );
    assert_eq!(reopened.status, 200);
    assert_eq!(reopened.json()["closed_at"], Value::Null);
    assert_eq!(
        get(&fake, "/repos/acme/platform/milestones")
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(fake.milestones().len(), 2);
    assert_clean(&fake);
}

#[test]
fn fake_github_issues_paginate_with_link_headers_and_pull_requests() {
    let fake = fake("/api/v3");
    fake.set_page_size(2);
    let milestone = fake.add_milestone("Level 1", "open");
    for n in 1..=5 {
        let created = post(
            &fake,
            "/repos/acme/platform/issues",
            json!({"title": format!("Step {n}"), "body": format!("body {n}"), "labels": ["levelup"], "milestone": milestone}),
        );
        assert_eq!(created.status, 201, "{}", created.text);
        assert_eq!(created.json()["number"], n);
    }
    fake.add_issue("Someone else's", "not ours", &["bug"]);
    let pull = fake.add_pull_request("Add CI", "levelup/ci", "main");
    assert_eq!(pull, 7);
    fake.set_issue_labels(pull, &["levelup"]);

    let mut url = format!(
        "{}/repos/acme/platform/issues?labels=levelup&state=all&per_page=100",
        fake.api_url()
    );
    let mut pages = Vec::new();
    let mut seen = Vec::new();
    loop {
        let reply = wire::send("GET", &url, Some(&format!("Bearer {TOKEN}")), None);
        assert_eq!(reply.status, 200, "{}", reply.text);
        seen.extend(reply.json().as_array().unwrap().clone());
        pages.push(reply.header("link").map(str::to_string));
        match reply.link("next") {
            Some(next) => url = next,
            None => break,
        }
    }
    assert_eq!(pages.len(), 3, "6 items, 2 a page: {pages:?}");
    let base = format!("{}/repos/acme/platform/issues", fake.api_url());
    assert_eq!(
        pages[0].as_deref(),
        Some(&*format!(
            "<{base}?labels=levelup&state=all&per_page=100&page=2>; rel=\"next\", \
             <{base}?labels=levelup&state=all&per_page=100&page=3>; rel=\"last\""
        ))
    );
    assert_eq!(
        pages[1].as_deref(),
        Some(&*format!(
            "<{base}?labels=levelup&state=all&per_page=100&page=1>; rel=\"prev\", \
             <{base}?labels=levelup&state=all&per_page=100&page=3>; rel=\"next\", \
             <{base}?labels=levelup&state=all&per_page=100&page=3>; rel=\"last\", \
             <{base}?labels=levelup&state=all&per_page=100&page=1>; rel=\"first\""
        ))
    );
    assert!(!pages[2].as_deref().unwrap().contains("rel=\"next\""));
    let numbers: Vec<u64> = seen
        .iter()
        .map(|issue| issue["number"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, vec![7, 5, 4, 3, 2, 1], "newest first, like GitHub");
    assert!(
        seen[0]["pull_request"]["url"]
            .as_str()
            .unwrap()
            .ends_with("/pulls/7")
    );
    assert!(
        seen[1..]
            .iter()
            .all(|issue| issue.get("pull_request").is_none())
    );
    assert_eq!(seen[1]["labels"][0]["name"], "levelup");
    assert_eq!(seen[1]["milestone"]["title"], "Level 1");
    assert_eq!(seen[1]["milestone"]["open_issues"], 5);

    // The default state is open; asc order; per_page below the cap is honoured.
    fake.set_issue_state(1, "closed");
    let open = get(
        &fake,
        "/repos/acme/platform/issues?labels=levelup&direction=asc&per_page=1",
    );
    assert_eq!(open.json().as_array().unwrap().len(), 1);
    assert_eq!(open.json()[0]["number"], 2);
    assert!(open.link("last").unwrap().ends_with("page=5"));

    // GitHub's /repositories/{id} form of the links is served too.
    fake.set_repository_id_links(true);
    let first = get(&fake, "/repos/acme/platform/issues?state=all");
    let next = first.link("next").unwrap();
    assert!(
        next.contains("/api/v3/repositories/1296269/issues?state=all&page=2"),
        "{next}"
    );
    let second = wire::send("GET", &next, Some(&format!("Bearer {TOKEN}")), None);
    assert_eq!(second.status, 200);
    assert_eq!(second.json().as_array().unwrap().len(), 2);

    assert_eq!(fake.issues().len(), 6, "the pull request is not an issue");
    assert_eq!(fake.pulls().len(), 1);
    assert_clean(&fake);
}

#[test]
fn fake_github_updates_issues_and_comments() {
    let fake = fake("");
    let created = post(
        &fake,
        "/repos/acme/platform/issues",
        json!({"title": "Step", "body": "old"}),
    );
    assert_eq!(created.status, 201);
    fake.set_issue_body(1, "edited by a human");
    assert_eq!(fake.issues()[0]["body"], "edited by a human");
    let closed = fake.call(
        "PATCH",
        "/repos/acme/platform/issues/1",
        Some(&json!({"state": "closed", "state_reason": "not_planned", "body": "new", "labels": ["x"], "milestone": null})),
    );
    assert_eq!(closed.status, 200, "{}", closed.text);
    let closed = closed.json();
    assert_eq!(closed["state"], "closed");
    assert_eq!(closed["state_reason"], "not_planned");
    assert!(closed["closed_at"].is_string());
    assert_eq!(closed["labels"][0]["name"], "x");
    let bad_milestone = fake.call(
        "PATCH",
        "/repos/acme/platform/issues/1",
        Some(&json!({"milestone": 42})),
    );
    assert_eq!(bad_milestone.status, 422);
    let comment = post(
        &fake,
        "/repos/acme/platform/issues/1/comments",
        json!({"body": "Closed: step removed"}),
    );
    assert_eq!(comment.status, 201);
    assert_eq!(comment.json()["body"], "Closed: step removed");
    assert_eq!(fake.comments(1).len(), 1);
    assert_eq!(
        get(&fake, "/repos/acme/platform/issues/1").json()["comments"],
        1
    );
    assert_eq!(get(&fake, "/repos/acme/platform/issues/9").status, 404);
    assert_eq!(
        post(
            &fake,
            "/repos/acme/platform/issues",
            json!({"body": "no title"})
        )
        .status,
        422
    );
    let violations = fake.contract_violations(openapi());
    assert_eq!(
        violations.len(),
        1,
        "only the untitled issue: {violations:?}"
    );
    assert!(violations[0].contains("\"title\" is a required property"));
    let responses = fake.response_violations(openapi());
    assert!(responses.is_empty(), "{responses:?}");
}

#[test]
fn fake_github_pull_requests() {
    let fake = fake("/api/v3");
    let created = post(
        &fake,
        "/repos/acme/platform/pulls",
        json!({"title": "levelup: scaffold", "head": "levelup/scaffold", "base": "main", "body": "b"}),
    );
    assert_eq!(created.status, 201, "{}", created.text);
    let pull = created.json();
    assert_eq!(pull["head"]["ref"], "levelup/scaffold");
    assert_eq!(pull["head"]["label"], "acme:levelup/scaffold");
    assert_eq!(pull["base"]["ref"], "main");
    assert_eq!(pull["number"], 1);
    let again = post(
        &fake,
        "/repos/acme/platform/pulls",
        json!({"title": "again", "head": "acme:levelup/scaffold", "base": "main"}),
    );
    assert_eq!(again.status, 422);
    assert!(
        again.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already exists")
    );
    fake.add_pull_request("other", "feature", "main");

    let mine = get(
        &fake,
        "/repos/acme/platform/pulls?state=open&head=acme:levelup/scaffold&base=main",
    );
    assert_eq!(mine.json().as_array().unwrap().len(), 1);
    assert_eq!(mine.json()[0]["number"], 1);
    let bare = get(&fake, "/repos/acme/platform/pulls?head=levelup/scaffold");
    assert_eq!(
        bare.json().as_array().unwrap().len(),
        2,
        "GitHub ignores a head without owner"
    );
    let patched = fake.call(
        "PATCH",
        "/repos/acme/platform/pulls/1",
        Some(&json!({"title": "levelup: scaffold v2", "body": "new"})),
    );
    assert_eq!(patched.status, 200);
    assert_eq!(fake.pulls()[0]["title"], "levelup: scaffold v2");
    assert_eq!(
        get(&fake, "/repos/acme/platform/issues/1").json()["pull_request"]["html_url"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next(),
        Some("1")
    );
    assert_eq!(get(&fake, "/repos/acme/platform/pulls/3").status, 404);
    assert_clean(&fake);
}

#[test]
fn fake_github_faults_fire_once() {
    let fake = fake("/api/v3");
    fake.inject(Fault::BadGatewayAfterStore {
        method: "POST",
        path_suffix: "/issues",
    });
    fake.inject(Fault::SecondaryRateLimit {
        method: "POST",
        path_suffix: "/labels",
        retry_after: 3,
    });
    fake.inject(Fault::TooManyRequests {
        method: "post",
        path_suffix: "/milestones",
        retry_after: 2,
    });
    fake.inject(Fault::PrimaryRateLimit {
        method: "GET",
        path_suffix: "/platform",
        reset_after: 5,
    });
    fake.inject(Fault::ServerError {
        method: "GET",
        path_suffix: "/issues",
        status: 503,
    });
    fake.inject(Fault::CreatedConcurrently {
        method: "POST",
        path_suffix: "/labels",
    });

    let first = post(
        &fake,
        "/repos/acme/platform/issues",
        json!({"title": "Step"}),
    );
    assert_eq!(first.status, 502);
    assert_eq!(fake.issues().len(), 1, "stored before the 502");
    let second = post(
        &fake,
        "/repos/acme/platform/issues",
        json!({"title": "Other"}),
    );
    assert_eq!(second.status, 201);

    let limited = post(&fake, "/repos/acme/platform/labels", json!({"name": "a"}));
    assert_eq!(limited.status, 403);
    assert_eq!(limited.header("retry-after"), Some("3"));
    assert!(
        limited.json()["message"]
            .as_str()
            .unwrap()
            .contains("You have exceeded a secondary rate limit")
    );
    assert!(fake.labels().is_empty(), "nothing stored");
    // The next label POST meets the queued CreatedConcurrently fault.
    let raced = post(&fake, "/repos/acme/platform/labels", json!({"name": "a"}));
    assert_eq!(raced.status, 422);
    assert_eq!(raced.json()["errors"][0]["code"], "already_exists");
    assert_eq!(
        get(&fake, "/repos/acme/platform/labels/a").status,
        200,
        "someone else made it"
    );
    assert_eq!(
        post(&fake, "/repos/acme/platform/labels", json!({"name": "b"})).status,
        201
    );

    let too_many = post(
        &fake,
        "/repos/acme/platform/milestones",
        json!({"title": "M"}),
    );
    assert_eq!(too_many.status, 429);
    assert_eq!(too_many.header("retry-after"), Some("2"));
    assert!(fake.milestones().is_empty());
    assert_eq!(
        post(
            &fake,
            "/repos/acme/platform/milestones",
            json!({"title": "M"})
        )
        .status,
        201
    );

    let primary = get(&fake, "/repos/acme/platform");
    assert_eq!(primary.status, 403);
    assert_eq!(primary.header("x-ratelimit-remaining"), Some("0"));
    assert_eq!(primary.header("retry-after"), None);
    assert_eq!(get(&fake, "/repos/acme/platform").status, 200);

    assert_eq!(get(&fake, "/repos/acme/platform/issues").status, 503);
    assert_eq!(get(&fake, "/repos/acme/platform/issues").status, 200);

    assert!(fake.pending_faults().is_empty());
    assert_eq!(fake.write_count(), 7);
    let statuses: Vec<u16> = fake.requests().iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        vec![502, 201, 403, 422, 200, 201, 429, 201, 403, 200, 503, 200]
    );
    let violations = fake.contract_violations(openapi());
    assert!(violations.is_empty(), "{violations:?}");
}

#[test]
fn fake_github_contract_check_catches_a_wrong_request() {
    let first = fake("/api/v3");
    let wrong = post(&first, "/repos/acme/platform/issues", json!({"titel": 1}));
    assert_eq!(wrong.status, 422);
    let right = post(
        &first,
        "/repos/acme/platform/issues",
        json!({"title": "Step", "body": "b", "labels": ["levelup"], "milestone": null}),
    );
    assert_eq!(right.status, 201);
    let violations = first.contract_violations(openapi());
    assert_eq!(violations.len(), 1, "{violations:#?}");
    assert!(
        violations[0].starts_with("POST /repos/acme/platform/issues: request body")
            && violations[0].contains("\"title\" is a required property"),
        "{violations:?}"
    );

    let more = fake("");
    let _ = get(&more, "/repos/acme/platform/issues?statee=all");
    let _ = get(&more, "/repos/acme/platform/issues?state=everything");
    let _ = get(&more, "/repos/acme/platform/milestones?per_page=many");
    let _ = get(&more, "/repos/acme/platform/nonsense/1/2");
    let _ = more.call("PUT", "/repos/acme/platform/issues/1", Some(&json!({})));
    let _ = more.call(
        "PATCH",
        "/repos/acme/platform/issues/1",
        Some(&json!({"state": "gone"})),
    );
    let _ = post(
        &more,
        "/repos/acme/platform/labels",
        json!({"name": "ok", "color": 5}),
    );
    let violations = more.contract_violations(openapi());
    let expected = [
        "query parameter \"statee\" is not a parameter",
        "query parameter state: \"everything\" is not one of",
        "query parameter per_page: \"many\" is not an integer",
        "no path template in the description matches",
        "has no PUT operation",
        "PATCH /repos/acme/platform/issues/1: request body at /state",
        "POST /repos/acme/platform/labels: request body at /color",
    ];
    assert_eq!(violations.len(), expected.len(), "{violations:#?}");
    for (violation, expected) in violations.iter().zip(expected) {
        assert!(
            violation.contains(expected),
            "{violation:?} lacks {expected:?}"
        );
    }
}

#[test]
fn fake_github_stops_when_dropped() {
    let fake = fake("");
    let url = format!("{}/repos/acme/platform", fake.api_url());
    assert_eq!(get(&fake, "/repos/acme/platform").status, 200);
    drop(fake);
    let address = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    // tiny_http closes its listener from its own accept thread, shortly after the drop.
    let deadline = Instant::now() + std::time::Duration::from_secs(5);
    while std::net::TcpStream::connect(&address).is_ok() {
        assert!(
            Instant::now() < deadline,
            "{address} still accepts connections"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The real client levelup uses reads what the fake serves: models deserialize and `Link`
/// pagination is followed.
#[test]
fn fake_github_speaks_to_octocrab() {
    use octocrab::models;

    let fake = fake("/api/v3");
    fake.set_page_size(2);
    fake.add_milestone("Level 1", "closed");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let client = octocrab::Octocrab::builder()
            .base_uri(fake.api_url())
            .expect("a base URI")
            .personal_token(TOKEN.to_string())
            .build()
            .expect("a client");
        let repo = client
            .repos("acme", "platform")
            .get()
            .await
            .expect("the repository");
        assert_eq!(repo.default_branch.as_deref(), Some("main"));

        let label = client
            .issues("acme", "platform")
            .create_label("levelup", "0e8a16", "Managed by levelup")
            .await
            .expect("a label");
        assert_eq!(label.name, "levelup");
        for n in 1..=3 {
            let issue = client
                .issues("acme", "platform")
                .create(format!("Step {n}"))
                .body("body")
                .labels(vec!["levelup".to_string()])
                .send()
                .await
                .expect("an issue");
            assert_eq!(issue.number, n);
            assert_eq!(issue.labels[0].name, "levelup");
        }
        fake.add_pull_request("PR", "levelup/x", "main");
        fake.set_issue_labels(4, &["levelup"]);
        let comment = client
            .issues("acme", "platform")
            .create_comment(1, "hello")
            .await
            .expect("a comment");
        assert_eq!(comment.body.as_deref(), Some("hello"));

        let first = client
            .issues("acme", "platform")
            .list()
            .labels(&["levelup".to_string()])
            .state(octocrab::params::State::All)
            .per_page(100)
            .send()
            .await
            .expect("a page");
        let all = client.all_pages(first).await.expect("every page");
        assert_eq!(all.len(), 4);
        assert_eq!(
            all.iter()
                .filter(|issue| issue.pull_request.is_some())
                .count(),
            1
        );

        let pulls = client
            .pulls("acme", "platform")
            .list()
            .head("acme:levelup/x")
            .send()
            .await
            .expect("pulls");
        assert_eq!(pulls.items.len(), 1);
        let pull: models::pulls::PullRequest = client
            .pulls("acme", "platform")
            .get(4)
            .await
            .expect("a pull request");
        assert_eq!(pull.head.ref_field, "levelup/x");

        let milestones: Vec<models::Milestone> = client
            .get("/repos/acme/platform/milestones", Some(&[("state", "all")]))
            .await
            .expect("milestones");
        assert_eq!(milestones[0].title, "Level 1");
    });
    assert_clean(&fake);
}
