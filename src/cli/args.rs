//! The command line as clap sees it: plain strings, resolved later in `settings`.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
  levelup init acme-platform --level 2 --gitops flux --policy kyverno --provider docker
  levelup apply --to 3 --dry-run
  levelup plan --from 0 --to 3
  levelup plan --from operate --to adapt --format json
  levelup plan --from technology=3,process=2,policy=2 --to 4 --dimension policy
  levelup content check
  levelup content check ./my-pack
  levelup blueprints list
  levelup blueprints show app-kustomize --format json";

/// GitOps-native roadmap generator for the CNCF Cloud Native Maturity Model.
///
/// levelup computes the gap between the maturity level a platform has reached and
/// the level it aims for, as ordered, checkable steps. Levels: 1 Build, 2 Operate,
/// 3 Scale, 4 Improve, 5 Adapt (0 means nothing is in place yet).
#[derive(Debug, Parser)]
#[command(name = "levelup", version, after_help = EXAMPLES)]
pub struct Args {
    /// Use the content pack in DIR instead of the one built into levelup
    #[arg(long, global = true, value_name = "DIR")]
    pub content: Option<PathBuf>,

    /// Add the blueprints in DIR to the built-in ones (a blueprint of the same name replaces)
    #[arg(long, global = true, value_name = "DIR")]
    pub blueprints: Option<PathBuf>,

    /// Print no status messages on stderr (data and errors are still printed)
    #[arg(long, short, global = true)]
    pub quiet: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the roadmap from one maturity level to another
    #[command(after_help = PLAN_HELP)]
    Plan(PlanArgs),
    /// Create a platform repository: levelup.yaml, every file up to a level, a first commit
    #[command(after_help = INIT_HELP)]
    Init(InitArgs),
    /// Scaffold the platform repository's files up to a level: write the gap, merge your edits
    #[command(after_help = APPLY_HELP)]
    Apply(ApplyArgs),
    /// Open (or update) the level-up pull request: branch, commit, push, pull request
    #[command(after_help = PR_HELP)]
    Pr(PrArgs),
    /// Track the roadmap as GitHub issues: a milestone per level, an issue per step
    #[command(after_help = ISSUES_HELP)]
    Issues(IssuesArgs),
    /// Work with content packs
    #[command(subcommand)]
    Content(ContentCommand),
    /// Show the blueprints: which steps use them, their conditions, the files they write
    #[command(subcommand)]
    Blueprints(BlueprintsCommand),
    /// Work with levelup.yaml
    #[command(subcommand)]
    Config(ConfigCommand),
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the JSON Schema of levelup.yaml: every key, with what it means
    #[command(
        after_help = "For editors: save it, then start levelup.yaml with\n  # yaml-language-server: $schema=<the saved file>"
    )]
    Schema,
}

const ISSUES_HELP: &str = "\
issues creates (or updates) a milestone per level, labels for levelup, each level and each
dimension, and one issue per step above the level reached, up to the target. Each issue
carries a hidden marker with its step id, so a re-run finds it again: with nothing changed it
makes no write at all, and a run stopped halfway is finished by the next without duplicates.
Ticking a task box is not an edit; a body a person edited is reported and overwritten only
with --force. Steps that left the plan are reported, and closed as not planned with
--close-removed.

GitHub is found the way gh finds it: the repository from --repo, GH_REPO or the `origin`
remote; the host from --host, GH_HOST or the repository; the API at https://api.github.com
or https://HOST/api/v3 (GitHub Enterprise Server), or --api-url / GITHUB_API_URL; the token
from GH_TOKEN or GITHUB_TOKEN (GH_ENTERPRISE_TOKEN or GITHUB_ENTERPRISE_TOKEN for other
hosts), then `gh auth token`. The repository may also be `github.repo` in levelup.yaml (after
--repo and GH_REPO). The token is never printed.

The token is looked up for the API URL's host (api.github.com is github.com), so an --api-url
on another host never gets a github.com token; plain http:// is accepted only for loopback
addresses. Only levelup's labels are compared; a person's labels, assignees, and a title or
milestone they changed are kept (--force overwrites the title and milestone).

Inside a platform repository the plan starts from the level its files are scaffolded up to
(recorded in its lock); --from overrides it.

Exit status: 0 done, 3 changes pending (--dry-run).

Examples:
  levelup issues --to 4 --repo acme/platform --dry-run
  levelup issues --to 4
  levelup issues --from technology=3,process=2 --to 4 --repo acme/platform --close-removed";

const PR_HELP: &str = "\
pr scaffolds the gap to the target level on the branch levelup/level-N, without touching
your working tree or your current branch: it fetches the remote, computes the change set
against the branch tip (or the default branch when the branch is new), commits it on top
(no commit when nothing changes), pushes without force (commits reviewers pushed are kept),
and opens the pull request, or updates the open one. If the scaffold would conflict with
commits on the branch, it fails with the list and pushes nothing. The pull request's body
is the roadmap delta with checklists, the files changed, and links to tracking issues.

Authentication: over HTTPS the token (as for `levelup issues`), and only to a remote on the
host the token was found for (the API URL's host; plain http only on loopback); over SSH the
SSH agent. The repository may also be `github.repo` in levelup.yaml.

Examples:
  levelup pr --to 3
  levelup pr --to 3 --repo acme/platform";

#[derive(Debug, ClapArgs)]
pub struct PrArgs {
    /// The target level (1-5) [default: `target` in levelup.yaml]
    #[arg(long, value_name = "LEVEL", allow_hyphen_values = true)]
    pub to: Option<String>,

    /// The git remote to fetch from and push to
    #[arg(long, value_name = "NAME", default_value = "origin")]
    pub remote: String,

    #[command(flatten)]
    pub github: GitHubArgs,
}

/// Where GitHub is and how fast to write to it; shared by `pr` and `issues`.
#[derive(Debug, ClapArgs)]
pub struct GitHubArgs {
    /// The repository on GitHub, OWNER/NAME or HOST/OWNER/NAME [default: from the git remote]
    #[arg(long, value_name = "REPO")]
    pub repo: Option<String>,

    /// The GitHub host (github.com, or a GitHub Enterprise Server host)
    #[arg(long, value_name = "HOST")]
    pub host: Option<String>,

    /// The API base URL, for GitHub Enterprise Server or a compatible endpoint
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,

    /// Milliseconds to pause between writes (GitHub asks for about a second)
    #[arg(long, value_name = "MILLISECONDS", default_value_t = 1000)]
    pub pace: u64,
}

#[derive(Debug, ClapArgs)]
pub struct IssuesArgs {
    /// The target level (1-5) [default: `target` in levelup.yaml]
    #[arg(long, value_name = "LEVEL", allow_hyphen_values = true)]
    pub to: Option<String>,

    /// The level reached, as in `plan` [default: the level the lock says the files are scaffolded up to, or 0 outside a platform repository]
    #[arg(long, value_name = "LEVEL", allow_hyphen_values = true)]
    pub from: Option<String>,

    #[command(flatten)]
    pub github: GitHubArgs,

    /// Show what would be created, updated or closed; write nothing (exit status 3 when changes are pending)
    #[arg(long)]
    pub dry_run: bool,

    /// Overwrite issue bodies a person edited
    #[arg(long)]
    pub force: bool,

    /// Close, as not planned and with a comment, the issues of steps that left the plan
    #[arg(long)]
    pub close_removed: bool,

    /// Output: text or json
    #[arg(long, value_name = "FORMAT", default_value = "text")]
    pub format: String,
}

const INIT_HELP: &str = "\
init creates DIR (or uses it if it exists), runs `git init`, writes a commented
levelup.yaml with your choices, renders every file of the steps up to --level, records
them in .levelup/lock.yaml and makes a first commit. The commit's author comes from
git's configuration (user.name and user.email). It refuses a folder that already holds
a levelup.yaml.

levelup.yaml is yours to edit afterwards: `levelup config schema` prints every key it
takes, with what each means, as a JSON Schema that editors read (yaml-language-server).

Examples:
  levelup init acme-platform --level 2
  levelup init acme-platform --level 2 --gitops argocd --policy gatekeeper --provider aws
  levelup init shop --level 1 --app web=ghcr.io/acme/web:1.4.0:8080 --app api=ghcr.io/acme/api:2.0.1:9000:helm";

const APPLY_HELP: &str = "\
apply finds levelup.yaml in the current folder or above, renders the files of every step
up to the target level and compares them with the repository and its lock:

  created       a new file
  updated       you had not edited it; the blueprint's output changed
  merged        you edited it and the blueprint changed: merged cleanly
  conflict      overlapping edits: conflict markers are written for you to resolve
  conflict (binary)  a binary file you edited changed: yours stays, levelup's is named
  kept deleted  you deleted it: it stays deleted
  removed       no longer generated and never edited: removed
  kept          no longer generated but edited by you: left in place

A run with nothing to change writes nothing. Files that apply would change must not have
uncommitted changes (levelup.yaml excepted); --force proceeds anyway and replaces your
edits where they conflict.

Exit status: 0 done, 3 changes pending (--dry-run), 4 conflicts left to resolve.

Examples:
  levelup apply --to 3 --dry-run
  levelup apply --to 3";

#[derive(Debug, ClapArgs)]
pub struct InitArgs {
    /// The folder of the new platform repository
    pub dir: PathBuf,

    /// The level to scaffold (1-5)
    #[arg(
        long,
        value_name = "LEVEL",
        default_value = "1",
        allow_hyphen_values = true
    )]
    pub level: String,

    /// GitOps engine: flux or argocd
    #[arg(long, value_name = "ENGINE", default_value = "flux")]
    pub gitops: String,

    /// Policy engine: kyverno, gatekeeper or vap (ValidatingAdmissionPolicy)
    #[arg(long, value_name = "ENGINE", default_value = "kyverno")]
    pub policy: String,

    /// Cluster API provider: docker, aws, azure or vsphere
    #[arg(long, value_name = "PROVIDER", default_value = "docker")]
    pub provider: String,

    /// The platform's name [default: the folder's name]
    #[arg(long)]
    pub name: Option<String>,

    /// An application as NAME=IMAGE:PORT, or NAME=IMAGE:PORT:helm for a Helm chart (repeatable) [default: one example]
    #[arg(long = "app", value_name = "NAME=IMAGE:PORT[:DELIVERY]")]
    pub apps: Vec<String>,

    /// The GitHub repository the platform lives in, written as `github.repo`: the GitOps engines sync from it [default: unset, and the files that need its URL carry a placeholder until you set it]
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,
}

#[derive(Debug, ClapArgs)]
pub struct ApplyArgs {
    /// The level to bring the repository to (1-5) [default: `target` in levelup.yaml]
    #[arg(long, value_name = "LEVEL", allow_hyphen_values = true)]
    pub to: Option<String>,

    /// Show the unified diff and summary; write nothing (exit status 3 when changes are pending)
    #[arg(long)]
    pub dry_run: bool,

    /// Proceed despite uncommitted changes, and replace your edits where they conflict
    #[arg(long)]
    pub force: bool,
}

const PLAN_HELP: &str = "\
Levels are given by number (0-5), by name (build, operate, scale, improve, adapt) or
by alias (optimize for 5); names ignore case. With a per-dimension --from, every
dimension not named starts at 0.

Steps are grouped by level, then dimension; inside a group a step comes after the
steps it needs. A need on a step the current level already covers is satisfied.

Examples:
  levelup plan                                  # the whole roadmap, 0 to 5
  levelup plan --from 2 --to 4
  levelup plan --from operate --to adapt --format json
  levelup plan --from technology=3,process=2,policy=2 --to 4 --dimension policy";

#[derive(Debug, ClapArgs)]
pub struct PlanArgs {
    /// The level reached: one level for every dimension (0-4), or DIMENSION=LEVEL,... (0-5 each)
    #[arg(
        long,
        value_name = "LEVEL",
        default_value = "0",
        allow_hyphen_values = true
    )]
    pub from: String,

    /// The target level (1-5)
    #[arg(
        long,
        value_name = "LEVEL",
        default_value = "5",
        allow_hyphen_values = true
    )]
    pub to: String,

    /// Show one dimension only (business, people, process, policy, technology); needs in
    /// other dimensions are listed by id
    #[arg(long, value_name = "DIMENSION")]
    pub dimension: Option<String>,

    /// Output format: markdown, json or yaml (json and yaml follow the schema `levelup.plan/v1`)
    #[arg(long, value_name = "FORMAT", default_value = "markdown")]
    pub format: String,

    /// Language of the texts, where the content pack has them (falls back to its default)
    #[arg(long, value_name = "LANG")]
    pub lang: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum BlueprintsCommand {
    /// List every blueprint (built in and from --blueprints), with the steps that name it
    #[command(after_help = BLUEPRINTS_HELP)]
    List {
        /// Output: text, or json (the schema `levelup.blueprints/v1`)
        #[arg(long, value_name = "FORMAT", default_value = "text")]
        format: String,
    },
    /// Show one blueprint: its conditions, the steps that name it and every file it writes
    #[command(after_help = BLUEPRINTS_HELP)]
    Show {
        /// The blueprint's name
        name: String,

        /// Output: text, or json (the schema `levelup.blueprints/v1`)
        #[arg(long, value_name = "FORMAT", default_value = "text")]
        format: String,
    },
}

const BLUEPRINTS_HELP: &str = "\
The steps are those of the content pack (--content) that name the blueprint; --blueprints
adds blueprints or replaces built-in ones by name. Nothing is rendered or compiled.

Examples:
  levelup blueprints list
  levelup blueprints show app-kustomize
  levelup --blueprints ./my-blueprints blueprints list --format json";

#[derive(Debug, Subcommand)]
pub enum ContentCommand {
    /// Validate a content pack (the built-in one unless DIR or --content names another)
    #[command(after_help = "Exit status: 0 when the pack is valid, 2 when it is not.")]
    Check {
        /// The folder holding the pack's `pack.yaml`
        dir: Option<PathBuf>,
    },
}
