//! The command line: the only place that knows clap and the terminal.

mod args;
mod error;
mod github;
mod scaffold;
mod settings;

use std::collections::BTreeSet;
use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use args::{
    ApplyArgs, Args, Command, ConfigCommand, ContentCommand, InitArgs, IssuesArgs, PlanArgs, PrArgs,
};
pub use error::{Error, Exit};

use crate::blueprint::Catalog;
use crate::model::Pack;
use crate::plan::Plan;
use crate::{content, report};

/// Runs levelup with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(exit) => exit.into(),
        Err(error) => {
            print_error(&error);
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
pub fn run(args: &Args) -> Result<Exit, Error> {
    let Args {
        content: content_dir,
        blueprints: _,
        quiet,
        command,
    } = args;
    match command {
        Command::Plan(plan_args) => {
            let Inputs { pack, .. } = Inputs::load(args, content_dir.as_deref())?;
            let settings = settings::resolve_plan(&pack, plan_args)?;
            let plan = Plan::new(&pack, settings.request);
            if plan.is_empty() {
                if !quiet {
                    eprintln!(
                        "nothing to do: the current level already covers level {}",
                        plan.request.to
                    );
                }
                if settings.format == report::Format::Markdown {
                    return Ok(Exit::Done);
                }
            }
            let text = report::render(&plan, settings.format, &settings.language)?;
            write_stdout(&text)?;
            Ok(Exit::Done)
        }
        Command::Init(init_args) => {
            let inputs = Inputs::load(args, content_dir.as_deref())?;
            scaffold::init(&inputs.pack, &inputs.catalog, init_args, *quiet)
        }
        Command::Apply(apply_args) => {
            let inputs = Inputs::load(args, content_dir.as_deref())?;
            scaffold::apply(&inputs.pack, &inputs.catalog, apply_args, *quiet)
        }
        Command::Pr(pr_args) => {
            let inputs = Inputs::load(args, content_dir.as_deref())?;
            github::pr(&inputs.pack, &inputs.catalog, pr_args, *quiet)
        }
        Command::Issues(issues_args) => {
            let inputs = Inputs::load(args, content_dir.as_deref())?;
            github::issues(&inputs.pack, &inputs.catalog, issues_args, *quiet)
        }
        Command::Config(ConfigCommand::Schema) => {
            write_stdout(crate::config::SCHEMA)?;
            Ok(Exit::Done)
        }
        Command::Content(ContentCommand::Check { dir }) => {
            let dir = dir.as_deref().or(content_dir.as_deref());
            let Inputs { pack, catalog } = Inputs::load(args, dir)?;
            let topics: usize = pack.dimensions.iter().map(|d| d.topics.len()).sum();
            write_stdout(&format!(
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

/// Writes data to stdout; a closed pipe (`levelup plan | head`) is not an error.
fn write_stdout(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(error)),
        _ => Ok(()),
    }
}

fn print_error(error: &Error) {
    let mut stderr = std::io::stderr().lock();
    // Failing to report an error on stderr leaves nothing else to try.
    if let Some(diagnostics) = error.diagnostics() {
        for diagnostic in diagnostics {
            let _ = writeln!(stderr, "error: {diagnostic}");
        }
    }
    let mut message = format!("error: {error}");
    if !matches!(error, Error::Usage { .. }) {
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !message.contains(&cause_text) {
                message.push_str(&format!(": {cause_text}"));
            }
            source = cause.source();
        }
    }
    let _ = writeln!(stderr, "{message}");
    if let Some(hint) = error.hint() {
        let _ = writeln!(stderr, "hint: {hint}");
    }
}
