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
  levelup content check ./my-pack";

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
    /// Bring the platform repository to a level: write the gap, merge your edits
    #[command(after_help = APPLY_HELP)]
    Apply(ApplyArgs),
    /// Work with content packs
    #[command(subcommand)]
    Content(ContentCommand),
}

const INIT_HELP: &str = "\
init creates DIR (or uses it if it exists), runs `git init`, writes a commented
levelup.yaml with your choices, renders every file of the steps up to --level, records
them in .levelup/lock.yaml and makes a first commit. The commit's author comes from
git's configuration (user.name and user.email). It refuses a folder that already holds
a levelup.yaml.

Examples:
  levelup init acme-platform --level 2
  levelup init acme-platform --level 2 --gitops argocd --policy gatekeeper --provider aws
  levelup init shop --level 1 --app web=ghcr.io/acme/web:1.4.0:8080 --app api=ghcr.io/acme/api:2.0.1:9000";

const APPLY_HELP: &str = "\
apply finds levelup.yaml in the current folder or above, renders the files of every step
up to the target level and compares them with the repository and its lock:

  created       a new file
  updated       you had not edited it; the blueprint's output changed
  merged        you edited it and the blueprint changed: merged cleanly
  conflict      overlapping edits: conflict markers are written for you to resolve
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

    /// An application as NAME=IMAGE:PORT (repeatable) [default: one example]
    #[arg(long = "app", value_name = "NAME=IMAGE:PORT")]
    pub apps: Vec<String>,
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
pub enum ContentCommand {
    /// Validate a content pack (the built-in one unless DIR or --content names another)
    #[command(after_help = "Exit status: 0 when the pack is valid, 2 when it is not.")]
    Check {
        /// The folder holding the pack's `pack.yaml`
        dir: Option<PathBuf>,
    },
}
