//! The `clade` command-line tool. It parses arguments, calls into the library
//! crates and prints results; the work itself lives in those crates.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "clade", version, about = "Clade: a self-improving coding agent with a wasm sandbox and a git archive")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build and run untrusted candidates in the wasm sandbox.
    Sandbox {
        #[command(subcommand)]
        command: commands::sandbox::SandboxCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Sandbox { command } => commands::sandbox::run(command),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line: the error and its causes.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
