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
            let catalog = Catalog::load(args.blueprints.as_deref())?;
            // Loading compiles no template; the check compiles every one.
            crate::blueprint::compile_all(&catalog)?;
            let names: BTreeSet<String> = catalog.names().map(String::from).collect();
            let (pack, locations) = content::load_located_from(dir, Some(&names))?;
            let unsatisfied = crate::scaffold::unsatisfied_evidence(&pack, &catalog)?;
            if !unsatisfied.is_empty() {
                let diagnostics = unsatisfied
                    .iter()
                    .map(|problem| unsatisfied_diagnostic(&pack, &locations, problem))
                    .collect();
                return Err(Error::Content(content::Error::Invalid(diagnostics)));
            }
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
            printer.data(&content::blueprint_coverage_table(&pack))?;
            Ok(Exit::Done)
        }
    }
}

/// A rule the step's blueprints cannot satisfy, located in the pack.
fn unsatisfied_diagnostic(
    pack: &Pack,
    locations: &content::Locations,
    problem: &crate::scaffold::Unsatisfied,
) -> crate::diagnostic::Diagnostic {
    let level = pack
        .steps
        .iter()
        .find(|step| step.id == problem.step)
        .map_or(1, |step| step.level.number());
    let blueprints = problem
        .blueprints
        .iter()
        .map(|name| format!("`{name}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let first = &problem.platforms[0];
    let also = match problem.platforms.len() {
        1 => String::new(),
        2 => format!(" (and for {})", problem.platforms[1]),
        n => format!(" (and {} more platforms)", n - 1),
    };
    locations.diagnostic(
        &problem.step,
        &format!("evidence[{}]", problem.rule),
        format!(
            "the files of {blueprints} do not satisfy this rule for {first}{also}: {}",
            problem.reason
        ),
        format!(
            "make the blueprint write what the rule asks for, or the rule ask for what it writes; `levelup init DIR --level {level}` shows the files"
        ),
    )
}
