//! The command line as clap sees it: plain strings, resolved later in `settings`.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand};

const EXAMPLES: &str = "\
Examples:
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
    /// Work with content packs
    #[command(subcommand)]
    Content(ContentCommand),
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
