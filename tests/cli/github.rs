//! `levelup issues` and `levelup pr` against a fake GitHub on loopback.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::fake_github::{FakeGitHub, Fault, Recorder, openapi};
use crate::support::{Test, code, stderr, stdout};

const TOKEN: &str = "ghp_levelupTestTokenThatMustNeverBePrinted";

/// A folder outside any platform repository, with a git identity in its home.
struct Place {
    dir: tempfile::TempDir,
}

impl Place {
    fn new() -> Place {
        let place = Place {
            dir: tempfile::tempdir().expect("temporary folder"),
        };
        crate::support::home_with_git_identity(&place.dir.path().join("home"));
        place
    }

    fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// levelup in a clean environment (nothing inherited), with this place's home
    /// and the token for the loopback host the fake GitHub runs on.
    fn run(&self, cwd: &Path, args: &[&str]) -> Output {
        self.run_with(cwd, args, &[("GH_ENTERPRISE_TOKEN", TOKEN)])
    }

    /// Like [`Place::run`], with exactly the variables `env` besides the home.
    fn run_with(&self, cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut test = Test::new()
            .args(args)
            .current_dir(cwd)
            .home(&self.path("home"));
        for (name, value) in env {
            test = test.env(name, value);
        }
        let output = test.run().0;
        // The token must never appear in anything levelup prints.
        assert!(!stdout(&output).contains(TOKEN), "token on stdout");
        assert!(!stderr(&output).contains(TOKEN), "token on stderr");
        output
    }

    /// `levelup issues --repo acme/platform --api-url <fake> --pace 0 ARGS...` outside a platform.
    fn issues(&self, github: &FakeGitHub, args: &[&str]) -> Output {
        let api = github.api_url();
        let mut full = vec![
            "issues",
            "--repo",
            "acme/platform",
            "--api-url",
            api.as_str(),
            "--pace",
            "0",
        ];
        full.extend_from_slice(args);
        self.run(self.dir.path(), &full)
    }

    fn git(&self, repo: &Path, args: &[&str]) -> String {
        let output = std::process::Command::new("git")
            .args(args)
            .current_dir(repo)
            .env("HOME", self.path("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }
}

/// The step ids `plan` gives for `--from 2 --to 3`, in order.
fn planned_steps(content: Option<&Path>) -> Vec<String> {
    let mut args = vec![];
    let content = content.map(|path| path.to_str().expect("utf-8").to_string());
    if let Some(content) = &content {
        args.extend(["--content", content.as_str()]);
    }
    args.extend(["plan", "--from", "2", "--to", "3", "--format", "json"]);
    let output = crate::support::run(&args);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("plan JSON");
    document["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .map(|step| step["id"].as_str().expect("id").to_string())
        .collect()
}

fn issue_steps(github: &FakeGitHub) -> Vec<String> {
    let mut steps: Vec<String> = github
        .issues()
        .iter()
        .filter_map(|issue| {
            let body = issue["body"].as_str()?;
            levelup::github::body::marker(body).map(|marker| marker.step)
        })
        .collect();
    steps.sort();
    steps
}

fn sorted(mut items: Vec<String>) -> Vec<String> {
    items.sort();
    items
}

fn assert_contract(github: &FakeGitHub) {
    let violations = github.contract_violations(openapi());
    assert!(
        violations.is_empty(),
        "requests outside GitHub's API description: {violations:#?}"
    );
}

#[test]
fn issues_first_run_creates_the_plan_and_a_second_run_writes_nothing() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(issue_steps(&github), sorted(planned_steps(None)));
    let milestones: Vec<String> = github
        .milestones()
        .iter()
        .map(|m| m["title"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(milestones, ["Level 3: Scale"]);
    assert_eq!(
        github.labels().len(),
        11,
        "levelup, five levels, five dimensions"
    );
    for issue in github.issues() {
        assert_eq!(issue["milestone"]["title"], "Level 3: Scale");
        let labels: Vec<&str> = issue["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .filter_map(|l| l["name"].as_str())
            .collect();
        assert!(
            labels.contains(&"levelup") && labels.contains(&"levelup:level-3-scale"),
            "{labels:?}"
        );
        assert!(
            issue["body"]
                .as_str()
                .unwrap_or_default()
                .contains("- [ ] "),
            "a task list"
        );
    }

    let writes = github.write_count();
    let again = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(
        github.write_count(),
        writes,
        "a re-run makes zero write calls"
    );
    assert!(
        stdout(&again).contains(&format!("{} unchanged", planned_steps(None).len())),
        "{}",
        stdout(&again)
    );
    assert_contract(&github);
}

#[test]
fn issues_dry_run_writes_nothing() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let output = place.issues(&github, &["--from", "2", "--to", "3", "--dry-run"]);
    assert_eq!(code(&output), 3, "{}", stderr(&output));
    assert_eq!(github.write_count(), 0);
    assert!(
        stdout(&output).starts_with("dry run against acme/platform: nothing was written\n"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("created     label levelup\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn issues_follow_content_changes_and_human_edits() {
    let place = Place::new();
    let github = FakeGitHub::start("/api/v3", "acme", "platform", TOKEN);
    let first = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));

    // A ticked box is progress, not an edit: still zero writes.
    let issue = github.issues()[0].clone();
    let number = issue["number"].as_u64().expect("number");
    let ticked = issue["body"]
        .as_str()
        .expect("body")
        .replacen("- [ ] ", "- [x] ", 1);
    github.set_issue_body(number, &ticked);
    let writes = github.write_count();
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(github.write_count(), writes);

    // One step's text changes in the content: exactly one update, ticks kept.
    let content = place.path("content");
    crate::support::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("content"),
        &content,
    );
    let step = levelup::github::body::marker(&ticked).expect("marker").step;
    let file = crate::support::file_with_step(&content, &step);
    crate::support::replace_in(
        &file,
        &format!("id: {step}\n"),
        &format!("id: {step}\n    # edited\n"),
    );
    let text = std::fs::read_to_string(&file).expect("read");
    let summary_at = text.find(&format!("id: {step}\n")).expect("step");
    let summary_key = text[summary_at..].find("summary: >-\n").expect("summary")
        + summary_at
        + "summary: >-\n".len();
    let mut edited = text.clone();
    edited.insert_str(summary_key, "      Reworded for this test.\n");
    std::fs::write(&file, edited).expect("write");
    let content_arg = content.to_str().expect("utf-8");
    let output = place.issues(
        &github,
        &["--content", content_arg, "--from", "2", "--to", "3"],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(github.write_count(), writes + 1, "exactly one update");
    let updated = github
        .issues()
        .into_iter()
        .find(|i| i["number"] == number)
        .expect("issue");
    let body = updated["body"].as_str().expect("body");
    assert!(body.contains("Reworded for this test."));
    assert!(body.contains("- [x] "), "the tick survives the update");

    // A person rewrites a body: reported, not overwritten; --force overwrites.
    github.set_issue_body(number, &format!("{}\n\nAlso: a note from a person.", body));
    let writes = github.write_count();
    let output = place.issues(
        &github,
        &["--content", content_arg, "--from", "2", "--to", "3"],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(github.write_count(), writes);
    assert!(
        stdout(&output).contains("1 edited by a person"),
        "{}",
        stdout(&output)
    );
    let forced = place.issues(
        &github,
        &[
            "--content",
            content_arg,
            "--from",
            "2",
            "--to",
            "3",
            "--force",
        ],
    );
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    assert_eq!(github.write_count(), writes + 1);
    assert_contract(&github);
}

#[test]
fn steps_that_leave_the_plan_are_reported_or_closed() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    assert_eq!(
        code(&place.issues(&github, &["--from", "2", "--to", "4"])),
        0
    );
    // Lowering the target takes the level-4 steps out of the plan.
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let level_4 = github
        .issues()
        .iter()
        .filter(|i| i["milestone"]["title"] == "Level 4: Improve")
        .count();
    assert!(
        stdout(&output).contains(&format!("{level_4} removed from the plan")),
        "{}",
        stdout(&output)
    );
    assert!(
        github.issues().iter().all(|issue| issue["state"] == "open"),
        "only reported"
    );

    let would_close = place.issues(
        &github,
        &["--from", "2", "--to", "3", "--close-removed", "--dry-run"],
    );
    assert_eq!(code(&would_close), 3, "closing is a change");
    assert!(
        github.issues().iter().all(|issue| issue["state"] == "open"),
        "a dry run closes nothing"
    );
    let closed = place.issues(&github, &["--from", "2", "--to", "3", "--close-removed"]);
    assert_eq!(code(&closed), 0, "{}", stderr(&closed));
    for issue in github
        .issues()
        .iter()
        .filter(|i| i["milestone"]["title"] == "Level 4: Improve")
    {
        assert_eq!(issue["state"], "closed");
        assert_eq!(issue["state_reason"], "not_planned");
        assert_eq!(
            github
                .comments(issue["number"].as_u64().expect("number"))
                .len(),
            1
        );
    }
    assert_contract(&github);
}

#[test]
fn faults_neither_duplicate_nor_lose_work() {
    let place = Place::new();
    let github = FakeGitHub::start("/api/v3", "acme", "platform", TOKEN);
    github.set_page_size(2); // a page boundary falls in the middle of levelup's issues
    github.add_pull_request("Unrelated change", "feature", "main"); // listed among issues, like GitHub
    github.add_milestone("Level 3: Scale", "closed"); // a closed milestone of the same title
    github.inject(Fault::BadGatewayAfterStore {
        method: "POST",
        path_suffix: "/issues",
    });
    github.inject(Fault::SecondaryRateLimit {
        method: "POST",
        path_suffix: "/labels",
        retry_after: 1,
    });
    github.inject(Fault::TooManyRequests {
        method: "GET",
        path_suffix: "/milestones",
        retry_after: 1,
    });
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(
        issue_steps(&github),
        sorted(planned_steps(None)),
        "no duplicate after the 502"
    );
    assert_eq!(
        github.milestones().len(),
        1,
        "the closed milestone is reused"
    );
    assert_eq!(github.pulls().len(), 1);
    let writes = github.write_count();
    let again = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(
        github.write_count(),
        writes,
        "every page was read: nothing created twice"
    );
    assert_contract(&github);
}

#[test]
fn a_missing_token_says_what_was_tried() {
    let place = Place::new();
    let output = Test::new()
        .args([
            "issues",
            "--repo",
            "acme/platform",
            "--to",
            "3",
            "--from",
            "2",
        ])
        .current_dir(place.dir.path())
        .home(&place.path("home"))
        .env("PATH", "/nonexistent") // no `gh` to ask
        .run()
        .0;
    assert_eq!(code(&output), 2);
    assert_eq!(
        stderr(&output),
        "error: no GitHub token for `github.com`: tried GH_TOKEN, GITHUB_TOKEN, `gh auth token --hostname github.com`\n\
         hint: set GH_TOKEN (or GITHUB_TOKEN) to a token with access to the repository, or run `gh auth login --hostname github.com`\n"
    );
}

/// A platform at level 1 whose `main` is pushed to a bare repository, its `origin`.
fn platform_with_remote(place: &Place) -> (PathBuf, PathBuf) {
    platform_with_remote_using(place, &[])
}

/// [`platform_with_remote`], initialised with the global flags `flags` (such as
/// `--content` and `--blueprints`).
fn platform_with_remote_using(place: &Place, flags: &[String]) -> (PathBuf, PathBuf) {
    let bare = place.path("remote.git");
    place.git(
        place.dir.path(),
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            bare.to_str().expect("utf-8"),
        ],
    );
    let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
    args.extend([
        "init",
        "platform",
        "--level",
        "1",
        "--app",
        "shop=ghcr.io/acme/shop:1.2.0:8080",
    ]);
    let output = place.run(place.dir.path(), &args);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let repo = place.path("platform");
    place.git(&repo, &["branch", "-M", "main"]);
    place.git(
        &repo,
        &["remote", "add", "origin", bare.to_str().expect("utf-8")],
    );
    place.git(&repo, &["push", "-q", "origin", "main"]);
    (repo, bare)
}

fn pr(place: &Place, repo: &Path, github: &FakeGitHub, level: &str) -> Output {
    let api = github.api_url();
    place.run(
        repo,
        &[
            "pr",
            "--to",
            level,
            "--repo",
            "acme/platform",
            "--api-url",
            &api,
            "--pace",
            "0",
        ],
    )
}

#[test]
fn pr_commits_pushes_and_opens_without_touching_the_working_tree() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let (repo, bare) = platform_with_remote(&place);
    let head_before = place.git(&repo, &["rev-parse", "HEAD"]);
    let output = pr(&place, &repo, &github, "2");
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.contains("pushed      levelup/level-2 to origin\n"),
        "{out}"
    );
    assert!(out.contains("opened      pull request #"), "{out}");

    // The branch is one commit on top of main, with the level-2 scaffold.
    let tip = place.git(&bare, &["rev-parse", "refs/heads/levelup/level-2"]);
    assert_eq!(
        place.git(&bare, &["rev-parse", &format!("{tip}^")]),
        head_before
    );
    let readme = place.git(&bare, &["show", &format!("{tip}:README.md")]);
    assert!(readme.contains("currently up to **level 2**"), "{readme}");
    // The user's working tree and branch are as they were.
    assert_eq!(place.git(&repo, &["rev-parse", "HEAD"]), head_before);
    assert_eq!(
        place.git(&repo, &["symbolic-ref", "--short", "HEAD"]),
        "main"
    );
    assert_eq!(place.git(&repo, &["status", "--porcelain"]), "");

    let pulls = github.pulls();
    assert_eq!(pulls.len(), 1);
    assert_eq!(pulls[0]["head"]["ref"], "levelup/level-2");
    assert_eq!(pulls[0]["base"]["ref"], "main");
    let body = pulls[0]["body"].as_str().expect("body");
    assert!(
        body.contains("## Roadmap delta\n\n### Level 2: Operate\n"),
        "{body}"
    );
    assert!(body.contains("  - [ ] "), "checklists");
    assert!(body.contains("- updated `README.md`"), "{body}");

    // Again: the same branch and pull request, no new commit, no write.
    let writes = github.write_count();
    let again = pr(&place, &repo, &github, "2");
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(
        place.git(&bare, &["rev-parse", "refs/heads/levelup/level-2"]),
        tip
    );
    assert!(
        stdout(&again).contains("unchanged   levelup/level-2"),
        "{}",
        stdout(&again)
    );
    assert_eq!(github.pulls().len(), 1);
    assert_eq!(
        github.write_count(),
        writes,
        "the pull request is left untouched"
    );
    assert!(
        stdout(&again).contains("unchanged   pull request #"),
        "{}",
        stdout(&again)
    );
    assert_eq!(
        github.pulls()[0]["body"].as_str().expect("body"),
        body,
        "the same description"
    );
    assert_contract(&github);
}

#[test]
fn pr_builds_on_reviewers_commits_and_stops_on_conflicts() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let (repo, bare) = platform_with_remote(&place);
    assert_eq!(code(&pr(&place, &repo, &github, "2")), 0);

    // A reviewer pushes a commit to the branch that edits a generated file.
    let review = place.path("review");
    place.git(
        place.dir.path(),
        &[
            "clone",
            "-q",
            "-b",
            "levelup/level-2",
            bare.to_str().expect("utf-8"),
            review.to_str().expect("utf-8"),
        ],
    );
    crate::support::replace_in(
        &review.join("docs/roadmap.md"),
        "# Roadmap of platform",
        "# Roadmap of platform (reviewed)",
    );
    place.git(&review, &["commit", "-qam", "review"]);
    place.git(&review, &["push", "-q", "origin", "levelup/level-2"]);
    let reviewed = place.git(&bare, &["rev-parse", "refs/heads/levelup/level-2"]);

    // Level 3 on the same branch? The level-2 branch stays; a new target has its own
    // branch. On the level-2 branch, a re-run keeps the reviewer's commit.
    let again = pr(&place, &repo, &github, "2");
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(
        place.git(&bare, &["rev-parse", "refs/heads/levelup/level-2"]),
        reviewed,
        "never force-pushed"
    );

    // A reviewer change that overlaps what levelup would write: fail, push nothing.
    crate::support::replace_in(
        &review.join("README.md"),
        "currently up to **level 2**",
        "currently up to **level 2 (almost)**",
    );
    place.git(&review, &["commit", "-qam", "overlap"]);
    place.git(&review, &["push", "-q", "origin", "levelup/level-2"]);
    let before = place.git(&bare, &["rev-parse", "refs/heads/levelup/level-2"]);
    let blueprints = place.path("blueprints");
    crate::support::copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("blueprints/repository"),
        &blueprints.join("repository"),
    );
    crate::support::replace_in(
        &blueprints.join("repository/templates/README.md.hbs"),
        "currently up to",
        "now scaffolded up to",
    );
    let api = github.api_url();
    let output = place.run(
        &repo,
        &[
            "--blueprints",
            blueprints.to_str().expect("utf-8"),
            "pr",
            "--to",
            "2",
            "--repo",
            "acme/platform",
            "--api-url",
            &api,
            "--pace",
            "0",
        ],
    );
    assert_eq!(code(&output), 4, "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with(
            "error: the scaffold conflicts with commits on `levelup/level-2`: README.md\n"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(
        place.git(&bare, &["rev-parse", "refs/heads/levelup/level-2"]),
        before,
        "nothing pushed"
    );
}

#[test]
fn a_push_the_server_rejects_is_an_error() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let (repo, bare) = platform_with_remote(&place);
    // The git server listens on another port than the fake API, so it gets no
    // token (see `a_git_remote_on_another_loopback_port_gets_no_token`): it
    // accepts anonymous pushes, and its hook refuses them.
    let server = crate::git_http::GitHttpServer::start(&bare, None);
    server.reject_pushes("levelup test: pushes are closed");
    place.git(&repo, &["remote", "set-url", "origin", &server.url()]);
    let output = pr(&place, &repo, &github, "2");
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(stderr(&output).contains("rejected"), "{}", stderr(&output));
    assert!(
        github.pulls().is_empty(),
        "no pull request for a branch that was not pushed"
    );
    assert!(
        server.authorization_headers().is_empty(),
        "no token to another port"
    );
}

#[test]
fn a_label_or_milestone_created_meanwhile_is_used_not_duplicated() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    github.inject(Fault::CreatedConcurrently {
        method: "POST",
        path_suffix: "/labels",
    });
    github.inject(Fault::CreatedConcurrently {
        method: "POST",
        path_suffix: "/milestones",
    });
    github.inject(Fault::PrimaryRateLimit {
        method: "GET",
        path_suffix: "/issues",
        reset_after: 1,
    });
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(github.pending_faults().is_empty(), "every fault fired");
    assert_eq!(
        github.labels().len(),
        11,
        "the label created meanwhile was used"
    );
    let milestones = github.milestones();
    assert_eq!(
        milestones.len(),
        1,
        "the milestone created meanwhile was used"
    );
    let number = milestones[0]["number"].clone();
    assert!(
        github
            .issues()
            .iter()
            .all(|issue| issue["milestone"]["number"] == number)
    );
    assert_eq!(issue_steps(&github), sorted(planned_steps(None)));
    assert_contract(&github);
}

#[test]
fn issues_json_output_lists_what_happened() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let output = place.issues(&github, &["--from", "2", "--to", "3", "--format", "json"]);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let outcome: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let created: Vec<String> = outcome["created"]
        .as_array()
        .expect("created")
        .iter()
        .map(|issue| issue["step"].as_str().expect("step").to_string())
        .collect();
    assert_eq!(created, planned_steps(None));
    assert!(
        outcome["created"]
            .as_array()
            .expect("created")
            .iter()
            .all(|issue| issue["number"].is_u64())
    );
    assert_eq!(outcome["writes"], github.write_count());
    assert_eq!(outcome["dry_run"], false);
}

#[test]
fn stopping_before_the_creation_cap_resumes_without_duplicates() {
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let pack = levelup::content::load_from(None, None).expect("content");
    let target = levelup::github::target::Target {
        host: "github.com".into(),
        api_url: github.api_url(),
        repo: levelup::github::target::RepoName {
            owner: "acme".into(),
            name: "platform".into(),
        },
        token: levelup::github::target::Token::new(TOKEN),
        token_host: "127.0.0.1".into(),
    };
    let options = levelup::github::issues::Options {
        pack: &pack,
        from: vec![levelup::model::Baseline::new(2).expect("level"); pack.dimensions.len()],
        to: levelup::model::Level::new(3).expect("level"),
        language: levelup::model::Language::new("en"),
        files: Default::default(),
        dry_run: false,
        force: false,
        close_removed: false,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let silent = levelup::progress::Silent;
    let stopped = runtime.block_on(async {
        let client =
            levelup::github::client::Client::new(&target, std::time::Duration::ZERO, &silent)
                .expect("client");
        let mut client = client.with_creation_cap(15);
        levelup::github::issues::run(&mut client, &options).await
    });
    assert!(
        matches!(
            stopped,
            Err(levelup::github::client::Error::CreationCap { created: 15 })
        ),
        "{:?}",
        stopped.map(|outcome| outcome.created.len())
    );
    let created_so_far = github.issues().len();
    assert_eq!(
        created_so_far,
        15 - 11 - 1,
        "11 labels and a milestone, then issues up to the cap"
    );
    let finished = runtime.block_on(async {
        let mut client =
            levelup::github::client::Client::new(&target, std::time::Duration::ZERO, &silent)
                .expect("client");
        levelup::github::issues::run(&mut client, &options).await
    });
    let outcome = finished.expect("the second run finishes");
    assert_eq!(
        outcome.created.len(),
        planned_steps(None).len() - created_so_far
    );
    assert_eq!(
        issue_steps(&github),
        sorted(planned_steps(None)),
        "nothing twice"
    );
}

#[test]
fn the_pull_request_links_the_tracking_issues() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let (repo, _bare) = platform_with_remote(&place);
    let api = github.api_url();
    let issues = place.run(
        &repo,
        &[
            "issues",
            "--to",
            "2",
            "--repo",
            "acme/platform",
            "--api-url",
            &api,
            "--pace",
            "0",
        ],
    );
    assert_eq!(code(&issues), 0, "{}", stderr(&issues));
    let output = pr(&place, &repo, &github, "2");
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let body = github.pulls()[0]["body"]
        .as_str()
        .expect("body")
        .to_string();
    for issue in github.issues() {
        let step = levelup::github::body::marker(issue["body"].as_str().expect("body"))
            .expect("marker")
            .step;
        let number = issue["number"].as_u64().expect("number");
        assert!(
            body.contains(&format!("(#{number}) `{step}`")),
            "#{number} for {step} missing in:\n{body}"
        );
    }
}

/// `levelup issues` against `github` with exactly the variables `env`.
fn issues_with(place: &Place, github: &FakeGitHub, env: &[(&str, &str)]) -> Output {
    let api = github.api_url();
    place.run_with(
        place.dir.path(),
        &[
            "issues",
            "--repo",
            "acme/platform",
            "--api-url",
            &api,
            "--pace",
            "0",
            "--from",
            "2",
            "--to",
            "3",
        ],
        env,
    )
}

#[test]
fn the_token_never_reaches_another_host() {
    let place = Place::new();
    let recorder = Recorder::start();

    // A `Link: rel="next"` to another host is not followed.
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    github.inject(Fault::NextLink {
        method: "GET",
        path_suffix: "/labels",
        next: format!("{}/repos/acme/platform/labels?page=2", recorder.url()),
    });
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with(&format!(
            "error: the next page of /repos/acme/platform/labels?per_page=100 is on `{}`, not under the API URL `{}`\n",
            recorder.url(),
            github.api_url()
        )),
        "{}",
        stderr(&output)
    );

    // A redirect to another host is not followed.
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    github.inject(Fault::Redirect {
        method: "GET",
        path_suffix: "/labels",
        location: format!("{}/repos/acme/platform/labels", recorder.url()),
    });
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(
        stderr(&output).contains("GitHub answered 302 to GET /repos/acme/platform/labels?per_page=100: a redirect, which levelup does not follow"),
        "{}",
        stderr(&output)
    );

    // An API URL on another host does not get the github.com token.
    let output = place.run_with(
        place.dir.path(),
        &[
            "issues",
            "--repo",
            "acme/platform",
            "--api-url",
            &recorder.url(),
            "--from",
            "2",
            "--to",
            "3",
        ],
        &[("GH_TOKEN", TOKEN), ("PATH", "/nonexistent")],
    );
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert!(
        stderr(&output).starts_with("error: no GitHub token for `127.0.0.2`: tried GH_ENTERPRISE_TOKEN, GITHUB_ENTERPRISE_TOKEN"),
        "{}",
        stderr(&output)
    );
    assert!(
        recorder.seen().is_empty(),
        "no API request went there: {:?}",
        recorder.seen()
    );

    // A git remote on another host is asked for credentials and gets none.
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let (repo, _bare) = platform_with_remote(&place);
    place.git(
        &repo,
        &[
            "remote",
            "set-url",
            "origin",
            &format!("{}/origin.git", recorder.url()),
        ],
    );
    let output = pr(&place, &repo, &github, "2");
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(
        stderr(&output).contains(&format!(
            "levelup sends its GitHub token only over https to `127.0.0.1`, not to `{}`",
            recorder.url()
        )),
        "{}",
        stderr(&output)
    );
    assert!(!recorder.seen().is_empty(), "git asked the recorder");
    assert!(
        !recorder.saw_token(TOKEN),
        "the token reached another host: {:?}",
        recorder.seen()
    );
}

#[test]
fn a_plain_http_api_url_off_loopback_is_refused() {
    let place = Place::new();
    let output = place.run(
        place.dir.path(),
        &[
            "issues",
            "--repo",
            "acme/platform",
            "--api-url",
            "http://ghe.example/api/v3",
            "--to",
            "3",
        ],
    );
    assert_eq!(code(&output), 2, "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: `http://ghe.example/api/v3` is plain http on a host that is not loopback: the token would travel unencrypted\n\
         hint: use an https:// URL; plain http:// is accepted only for loopback addresses (127.0.0.0/8, ::1, localhost)\n"
    );
}

#[test]
fn dry_run_exits_3_when_only_a_label_or_a_milestone_would_change() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    assert_eq!(
        code(&issues_with(
            &place,
            &github,
            &[("GH_ENTERPRISE_TOKEN", TOKEN)]
        )),
        0
    );
    let recolour = github.call(
        "PATCH",
        "/repos/acme/platform/labels/levelup",
        Some(&serde_json::json!({"color": "000000"})),
    );
    assert_eq!(recolour.status, 200);
    let output = place.issues(&github, &["--from", "2", "--to", "3", "--dry-run"]);
    assert_eq!(code(&output), 3, "{}", stdout(&output));
    assert!(
        stdout(&output).contains("updated     label levelup\n"),
        "{}",
        stdout(&output)
    );
    assert_eq!(
        code(&place.issues(&github, &["--from", "2", "--to", "3"])),
        0
    );

    let number = github.milestones()[0]["number"].as_u64().expect("number");
    let reworded = github.call(
        "PATCH",
        &format!("/repos/acme/platform/milestones/{number}"),
        Some(&serde_json::json!({"description": "our own words"})),
    );
    assert_eq!(reworded.status, 200);
    let output = place.issues(&github, &["--from", "2", "--to", "3", "--dry-run"]);
    assert_eq!(code(&output), 3, "{}", stdout(&output));
    assert!(
        stdout(&output).contains("updated     milestone Level 3: Scale\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn issues_keep_peoples_triage_and_find_issues_without_the_label() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    assert_eq!(
        code(&place.issues(&github, &["--from", "2", "--to", "3"])),
        0
    );
    let issue = github.issues()[0].clone();
    let number = issue["number"].as_u64().expect("number");
    let labels: Vec<String> = issue["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|label| label["name"].as_str().map(str::to_string))
        .collect();

    // A person adds a label of their own: no change, no write.
    let mut with_triage: Vec<&str> = labels.iter().map(String::as_str).collect();
    with_triage.push("triage");
    github.set_issue_labels(number, &with_triage);
    let writes = github.write_count();
    let again = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(github.write_count(), writes, "{}", stdout(&again));

    // A person removes the `levelup` label: found by its marker, not duplicated,
    // and levelup's labels come back next to the person's.
    let without_levelup: Vec<&str> = with_triage
        .iter()
        .copied()
        .filter(|label| *label != "levelup")
        .collect();
    github.set_issue_labels(number, &without_levelup);
    let count = github.issues().len();
    let again = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(github.issues().len(), count, "no duplicate");
    let mut restored: Vec<String> = github.issues()[0]["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|label| label["name"].as_str().map(str::to_string))
        .collect();
    restored.sort();
    let mut expected: Vec<String> = with_triage.iter().map(|label| label.to_string()).collect();
    expected.sort();
    assert_eq!(restored, expected);

    // A person retitles it: reported, kept; `--force` overwrites, labels still kept.
    let title = issue["title"].as_str().expect("title").to_string();
    let retitle = github.call(
        "PATCH",
        &format!("/repos/acme/platform/issues/{number}"),
        Some(&serde_json::json!({"title": "Our own wording"})),
    );
    assert_eq!(retitle.status, 200);
    let writes = github.write_count();
    let again = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert_eq!(github.write_count(), writes, "an edit is left alone");
    assert!(
        stdout(&again).contains(&format!("edited      #{number:<6} {title} ("))
            && stdout(&again).contains("[title changed by a person]"),
        "{}",
        stdout(&again)
    );
    assert_eq!(github.issues()[0]["title"], "Our own wording");
    let would_force = place.issues(
        &github,
        &["--from", "2", "--to", "3", "--force", "--dry-run"],
    );
    assert_eq!(code(&would_force), 3, "overwriting is a change");
    assert_eq!(github.issues()[0]["title"], "Our own wording");
    let forced = place.issues(&github, &["--from", "2", "--to", "3", "--force"]);
    assert_eq!(code(&forced), 0, "{}", stderr(&forced));
    assert_eq!(github.issues()[0]["title"], title.as_str());
    assert!(
        github.issues()[0]["labels"]
            .as_array()
            .expect("labels")
            .iter()
            .any(|label| label["name"] == "triage")
    );
    assert!(
        github
            .requests()
            .iter()
            .filter_map(|request| request.body.as_ref())
            .all(|body| body.get("assignees").is_none() && body.get("assignee").is_none()),
        "levelup never sends assignees"
    );
    assert_contract(&github);
}

#[test]
fn the_marker_is_found_among_5000_issues_in_one_listing() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    github.add_human_issues(5000);
    let started = std::time::Instant::now();
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    let elapsed = started.elapsed();
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let issue_lists: Vec<String> = github
        .requests()
        .iter()
        .filter(|request| request.method == "GET" && request.path.ends_with("/issues"))
        .map(|request| request.query.clone())
        .collect();
    let unfiltered = issue_lists
        .iter()
        .filter(|query| !query.contains("labels="))
        .count();
    assert_eq!(
        issue_lists.len() - unfiltered,
        1,
        "one page of levelup's issues: {issue_lists:?}"
    );
    assert_eq!(unfiltered, 50, "every issue, once: 5,000 at 100 a page");
    let full: Vec<std::time::Duration> = github
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/issues") && !request.query.contains("labels="))
        .map(|request| request.elapsed)
        .collect();
    eprintln!(
        "5000 issues: {} GET /issues pages, {:.2?} for the whole run, {:.2?} from the first to the last page of the full listing",
        issue_lists.len(),
        elapsed,
        full.last().copied().unwrap_or_default() - full.first().copied().unwrap_or_default()
    );
    // A re-run with nothing to create never lists them all.
    let before = github.requests().len();
    assert_eq!(
        code(&place.issues(&github, &["--from", "2", "--to", "3"])),
        0
    );
    let listed_all = github.requests()[before..]
        .iter()
        .any(|request| request.path.ends_with("/issues") && !request.query.contains("labels="));
    assert!(!listed_all, "nothing to create, no full listing");
}

#[test]
fn levelup_yaml_names_the_github_repository() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let (repo, _bare) = platform_with_remote(&place);
    let api = github.api_url();
    let args = [
        "issues",
        "--to",
        "2",
        "--api-url",
        api.as_str(),
        "--pace",
        "0",
    ];
    let without = place.run(&repo, &args);
    assert_eq!(code(&without), 2, "{}", stderr(&without));
    crate::support::replace_in(
        &repo.join("levelup.yaml"),
        "# github:\n#   repo: acme/platform\n",
        "github:\n  repo: acme/platform\n",
    );
    place.git(&repo, &["commit", "-qam", "name the repository"]);
    place.git(&repo, &["push", "-q", "origin", "main"]);
    let output = place.run(&repo, &args);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert!(!github.issues().is_empty());
    let output = place.run(
        &repo,
        &["pr", "--to", "2", "--api-url", &api, "--pace", "0"],
    );
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    assert_eq!(github.pulls().len(), 1);
}

#[test]
fn retries_are_bounded() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    for _ in 0..10 {
        github.inject(Fault::TooManyRequests {
            method: "GET",
            path_suffix: "/labels",
            retry_after: 0,
        });
    }
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: GitHub still limits GET /repos/acme/platform/labels?per_page=100 after 5 waits\n"
    );
    assert_eq!(github.pending_faults().len(), 4, "one try and five waits");

    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    for _ in 0..10 {
        github.inject(Fault::ServerError {
            method: "GET",
            path_suffix: "/labels",
            status: 502,
        });
    }
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert!(
        stderr(&output)
            .starts_with("error: GitHub answered 502 to GET /repos/acme/platform/labels"),
        "{}",
        stderr(&output)
    );
    assert_eq!(github.requests().len(), 4, "one try and three retries");
}

#[test]
fn a_listing_that_links_back_to_itself_stops_with_an_error() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    github.inject(Fault::NextLink {
        method: "GET",
        path_suffix: "/labels",
        next: format!(
            "{}/repos/acme/platform/labels?per_page=100",
            github.api_url()
        ),
    });
    let output = place.issues(&github, &["--from", "2", "--to", "3"]);
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    assert_eq!(
        stderr(&output),
        "error: the listing /repos/acme/platform/labels?per_page=100 links back to a page already read: `/repos/acme/platform/labels?per_page=100`\n"
    );
    assert_eq!(github.requests().len(), 1, "the page is not read twice");
    assert_eq!(github.write_count(), 0);
}

#[test]
fn a_git_remote_on_another_loopback_port_gets_no_token() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    let (repo, bare) = platform_with_remote(&place);
    // Same host as the API (127.0.0.1), another port: another program.
    let server = crate::git_http::GitHttpServer::start(&bare, Some(TOKEN));
    assert!(server.url().starts_with("http://127.0.0.1:"));
    place.git(&repo, &["remote", "set-url", "origin", &server.url()]);
    let output = pr(&place, &repo, &github, "2");
    assert_eq!(code(&output), 1, "{}", stderr(&output));
    let origin = server
        .url()
        .rsplit_once('/')
        .map(|(origin, _)| origin.to_string())
        .unwrap_or_default();
    assert!(
        stderr(&output).contains(&format!(
            "levelup sends its GitHub token only over https to `127.0.0.1`, not to `{origin}`"
        )),
        "{}",
        stderr(&output)
    );
    assert!(
        server.authorization_headers().is_empty(),
        "the token went to another port: {:?}",
        server.authorization_headers()
    );
}

/// The branch commit carries modes and bytes as `init` writes them: an
/// executable file as 100755, a binary file byte for byte; and reading them
/// back from the branch finds nothing more to do.
#[test]
fn pr_commits_executable_and_binary_files_as_they_are() {
    let place = Place::new();
    let github = FakeGitHub::start("", "acme", "platform", TOKEN);
    // engine-demo is named by a level-2 step: level 1 has none of its files.
    let inputs = crate::support::PackWithBlueprint::new(
        "features",
        "engine-demo",
        "technology.platform.zz-engine",
    );
    let flags = inputs.flags();
    let (repo, bare) = platform_with_remote_using(&place, &flags);
    assert!(!repo.join("scripts/validate.sh").exists());
    let api = github.api_url();
    let pr_args = |flags: &[String]| {
        let mut args: Vec<String> = flags.to_vec();
        args.extend(
            [
                "pr",
                "--to",
                "2",
                "--repo",
                "acme/platform",
                "--api-url",
                &api,
                "--pace",
                "0",
            ]
            .map(String::from),
        );
        args
    };
    let args = pr_args(&flags);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = place.run(&repo, &args);
    assert_eq!(code(&output), 0, "{}", stderr(&output));
    let tip = place.git(&bare, &["rev-parse", "refs/heads/levelup/level-2"]);
    let entry = |path: &str| {
        place
            .git(&bare, &["ls-tree", &tip, "--", path])
            .split('\t')
            .next()
            .unwrap_or_default()
            .split(' ')
            .take(2)
            .collect::<Vec<_>>()
            .join(" ")
    };
    assert_eq!(entry("scripts/validate.sh"), "100755 blob");
    assert_eq!(entry("docs/logo.png"), "100644 blob");
    assert_eq!(entry(".github/workflows/build.yaml"), "100644 blob");
    let png = crate::support::fixture("blueprints/features/engine-demo/templates/docs/logo.png");
    assert_eq!(
        place.git(&bare, &["rev-parse", &format!("{tip}:docs/logo.png")]),
        place.git(&repo, &["hash-object", png.to_str().expect("utf-8")]),
        "the PNG, byte for byte"
    );
    let lock = place.git(&bare, &["show", &format!("{tip}:.levelup/lock.yaml")]);
    assert!(lock.contains("    executable: true"), "{lock}");

    let again = place.run(&repo, &args);
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    assert!(
        stdout(&again).contains("unchanged   levelup/level-2"),
        "the modes read back from the branch are the ones written: {}",
        stdout(&again)
    );
    assert_eq!(
        place.git(&bare, &["rev-parse", "refs/heads/levelup/level-2"]),
        tip
    );
}
