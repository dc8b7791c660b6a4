//! `kalavar`: the Kalavar command-line client. Each subcommand lives in its own
//! module under `cli/` with an `Args` struct (clap) and a `run` function; this
//! file only lists them. Without a subcommand `kalavar` is the interactive shell
//! (`kalavar repl`, with `-c`, `-f`, `--format`). `--profile DIR` (before or after
//! the subcommand) selects the profile the commands that talk to a server use.

/// `print!` that never panics: see `cli::stdout`.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::stdout::write(format_args!($($arg)*)) };
}

/// `println!` that never panics: see `cli::stdout`.
macro_rules! outln {
    () => { $crate::cli::stdout::write(format_args!("\n")) };
    ($($arg:tt)*) => { $crate::cli::stdout::write(format_args!("{}\n", format_args!($($arg)*))) };
}

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "kalavar",
    version,
    about = "The Kalavar client: an interactive shell without a subcommand"
)]
struct Kalavar {
    /// Profile directory (key, certificate, CA, server address). Default:
    /// $KALAVAR_PROFILE, else $XDG_CONFIG_HOME/kalavar/profile, else
    /// ~/.config/kalavar/profile.
    #[arg(long, global = true, value_name = "DIR")]
    profile: Option<PathBuf>,
    #[command(flatten)]
    shell: cli::shell::Args,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// The interactive shell (the default without a subcommand).
    Repl(cli::shell::Args),
    /// Print KQL statements in canonical form.
    Fmt(cli::fmt::Args),
    /// Translate PostgreSQL SQL to KQL.
    Transpile(cli::transpile::Args),
    /// Connect, show the session's identity and time round trips.
    Ping(cli::ping::Args),
    /// Certificates: request, show, issue, revoke, list.
    Cert(cli::cert::Args),
    /// Users: create, alter, drop, list (dba/root).
    User(cli::user::Args),
    /// Compile KQL and print the plan tree and the bytecode listing.
    Explain(cli::explain::Args),
    /// Decode, verify and list a binary plan (.kqlp).
    Inspect(cli::inspect::Args),
    /// Bulk-load a CSV file (or `-` for standard input) into a table.
    Load(cli::load::Args),
}

fn main() -> ExitCode {
    // SIGPIPE stays ignored: a server that closed the connection is an error to
    // report, not a silent death. Output goes through `out!`/`outln!`
    // (`cli::stdout`), which end quietly when the reader of a pipe went away.
    let matches = Kalavar::command().get_matches();
    let kalavar = match Kalavar::from_arg_matches(&matches) {
        Ok(k) => k,
        Err(e) => e.exit(),
    };
    // The shell's own flags (`-c`, `-f`, `--format`…) at the top level belong to the
    // shell; with a subcommand they would be ignored, so say so instead. `--profile`
    // is global and fits everywhere.
    if let Some(sub) = matches.subcommand_name()
        && let Some(arg) = shell_flag_given(&matches)
    {
        eprintln!("error: `--{arg}` is a shell option; it cannot be used with `kalavar {sub}`");
        return ExitCode::from(2);
    }
    let profile = kalavar.profile.as_deref();
    let Some(command) = kalavar.command else {
        return cli::shell::run(kalavar.shell, profile);
    };
    match command {
        Command::Repl(args) => cli::shell::run(args, profile),
        Command::Fmt(args) => cli::fmt::run(args),
        Command::Transpile(args) => cli::transpile::run(args),
        Command::Ping(args) => cli::ping::run(args, profile),
        Command::Cert(args) => cli::cert::run(args, profile),
        Command::User(args) => cli::user::run(args, profile),
        Command::Explain(args) => cli::explain::run(args, profile),
        Command::Inspect(args) => cli::inspect::run(args),
        Command::Load(args) => cli::load::run(args, profile),
    }
}

/// The first top-level argument other than `--profile` given on the command line.
fn shell_flag_given(matches: &clap::ArgMatches) -> Option<String> {
    matches
        .ids()
        .map(|id| id.as_str())
        .filter(|id| *id != "profile")
        .find(|id| matches.value_source(id) == Some(clap::parser::ValueSource::CommandLine))
        .map(str::to_owned)
}
