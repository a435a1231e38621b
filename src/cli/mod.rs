//! The command line: the only place that knows clap and the terminal.

mod args;
mod error;
mod settings;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

pub use args::{Args, Command, ContentCommand, PlanArgs};
pub use error::{Error, Exit};

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

/// Runs one command.
pub fn run(args: &Args) -> Result<Exit, Error> {
    let Args {
        content: content_dir,
        quiet,
        command,
    } = args;
    match command {
        Command::Plan(plan_args) => {
            let pack = content::load_from(content_dir.as_deref())?;
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
        Command::Content(ContentCommand::Check { dir }) => {
            let dir = dir.as_deref().or(content_dir.as_deref());
            let pack = content::load_from(dir)?;
            let topics: usize = pack.dimensions.iter().map(|d| d.topics.len()).sum();
            write_stdout(&format!(
                "content pack is valid: {} {}, {} levels, {} dimensions, {} topics, {} steps\n",
                pack.model.name,
                pack.model.version,
                pack.levels.len(),
                pack.dimensions.len(),
                topics,
                pack.steps.len()
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
    let _ = match error {
        Error::Usage { message, hint } => {
            let _ = writeln!(stderr, "error: {message}");
            match hint {
                Some(hint) => writeln!(stderr, "hint: {hint}"),
                None => Ok(()),
            }
        }
        Error::Content(content::Error::Invalid(diagnostics)) => {
            for diagnostic in diagnostics {
                let _ = writeln!(stderr, "error: {diagnostic}");
            }
            writeln!(stderr, "error: {error}")
        }
        _ => {
            let mut message = format!("error: {error}");
            let mut source = std::error::Error::source(error);
            while let Some(cause) = source {
                message.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            writeln!(stderr, "{message}")
        }
    };
}
