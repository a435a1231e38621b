//! The command line: the only place that knows clap and the terminal; everything
//! it shows goes through the [`Printer`].

mod args;
mod blueprints;
mod error;
mod github;
mod printer;
mod scaffold;
mod settings;

use std::collections::BTreeSet;
use std::process::ExitCode;

use clap::Parser;

pub use args::{
    ApplyArgs, Args, BlueprintsCommand, Command, ConfigCommand, ContentCommand, InitArgs,
    IssuesArgs, PlanArgs, PrArgs,
};
pub use error::{Error, Exit};
pub use printer::Printer;

use crate::blueprint::Catalog;
use crate::model::Pack;
use crate::plan::Plan;
use crate::{content, report};

/// Runs levelup with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    let args = Args::parse();
    let printer = Printer::new(args.quiet);
    match run(&args, &printer) {
        Ok(exit) => exit.into(),
        Err(error) => {
            printer.error(&error);
            error.exit().into()
        }
    }
}

/// The inputs every command shares: the blueprint catalog and the content pack.
struct Inputs {
    catalog: Catalog,
    pack: Pack,
}

impl Inputs {
    fn load(args: &Args, content_dir: Option<&std::path::Path>) -> Result<Inputs, Error> {
        let catalog = Catalog::load(args.blueprints.as_deref())?;
        let names: BTreeSet<String> = catalog.names().map(String::from).collect();
        let pack = content::load_from(content_dir, Some(&names))?;
        Ok(Inputs { catalog, pack })
    }
}

/// Runs one command.
pub fn run(args: &Args, printer: &Printer) -> Result<Exit, Error> {
    let Args {
        content: content_dir,
        blueprints: _,
        // Resolved into the printer by `main`.
        quiet: _,
        command,
    } = args;
    match command {
        Command::Plan(plan_args) => {
            let Inputs { pack, .. } = Inputs::load(args, content_dir.as_deref())?;
            let settings = settings::resolve_plan(&pack, plan_args)?;
            let plan = Plan::new(&pack, settings.request);
            if plan.is_empty() {
                printer.status(&format!(
                    "nothing to do: the current level already covers level {}",
                    plan.request.to
                ));
                if settings.format == report::Format::Markdown {
                    return Ok(Exit::Done);
                }
            }
            let text = report::render(&plan, settings.format, &settings.language)?;
            printer.data(&text)?;
            Ok(Exit::Done)
        }
        Command::Init(init_args) => {
            let inputs = Inputs::load(args, content_dir.as_deref())?;
            scaffold::init(&inputs.pack, &inputs.catalog, init_args, printer)
        }
        Command::Apply(apply_args) => {
            let inputs = Inputs::load(args, content_dir.as_deref())?;
            scaffold::apply(&inputs.pack, &inputs.catalog, apply_args, printer)
        }
        Command::Pr(pr_args) => {
            let inputs = Inputs::load(args, content_dir.as_deref())?;
            github::pr(&inputs.pack, &inputs.catalog, pr_args, printer)
        }
        Command::Issues(issues_args) => {
            let inputs = Inputs::load(args, content_dir.as_deref())?;
            github::issues(&inputs.pack, &inputs.catalog, issues_args, printer)
        }
        Command::Blueprints(blueprints_command) => {
            let inputs = Inputs::load(args, content_dir.as_deref())?;
            blueprints::run(&inputs.pack, &inputs.catalog, blueprints_command, printer)
        }
        Command::Config(ConfigCommand::Schema) => {
            printer.data(crate::config::SCHEMA)?;
            Ok(Exit::Done)
        }
        Command::Content(ContentCommand::Check { dir }) => {
            let dir = dir.as_deref().or(content_dir.as_deref());
            let Inputs { pack, catalog } = Inputs::load(args, dir)?;
            // Loading compiles no template; the check compiles every one.
            crate::blueprint::compile_all(&catalog)?;
            let topics: usize = pack.dimensions.iter().map(|d| d.topics.len()).sum();
            printer.data(&format!(
                "content pack is valid: {} {}, {} levels, {} dimensions, {} topics, {} steps, {} blueprints\n",
                pack.model.name,
                pack.model.version,
                pack.levels.len(),
                pack.dimensions.len(),
                topics,
                pack.steps.len(),
                catalog.names().count()
            ))?;
            Ok(Exit::Done)
        }
    }
}
