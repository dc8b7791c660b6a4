//! `kalavar`: the Kalavar command-line client. Each subcommand lives in its own
//! module under `cli/` with an `Args` struct (clap) and a `run` function; this
//! file only lists them.

mod cli;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "kalavar", version, about = "The Kalavar client")]
struct Kalavar {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print KQL statements in canonical form.
    Fmt(cli::fmt::Args),
}

fn main() -> ExitCode {
    match Kalavar::parse().command {
        Command::Fmt(args) => cli::fmt::run(args),
    }
}
