//! The `levelup` binary: parse, run, map the outcome to an exit code.

fn main() -> std::process::ExitCode {
    levelup::cli::main()
}
