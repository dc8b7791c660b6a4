//! `kalavar`: the Kalavar command-line client. Each subcommand lives in its own
//! module under `cli/` with an `Args` struct (clap) and a `run` function; this
//! file only lists them. Without a subcommand `kalavar` is the interactive shell
//! (`kalavar repl`, with `-c`, `-f`, `--format`). `--profile DIR` (before or after
//! the subcommand) selects the profile the commands that talk to a server use.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

fn main() -> ExitCode {
    // Output piped into a reader that stops early (`kalavar -c … | head`) ends the
    // program quietly, as other Unix tools do, rather than as a panic in `println!`.
    // Connections are not affected: the standard library writes sockets with
    // MSG_NOSIGNAL, so a server that went away is still an error the shell reports.
    // SAFETY: setting a signal's disposition to the default at start-up, before any
    // thread exists, has no memory-safety requirement.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let kalavar = Kalavar::parse();
    let profile = kalavar.profile.as_deref();
    let Some(command) = kalavar.command else {
        return cli::shell::run(kalavar.shell, profile);
    };
    // The shell's own flags mean nothing to a subcommand. (clap's
    // `args_conflicts_with_subcommands` would say so too, but also refuses the global
    // `--profile` before the subcommand.)
    let shell = &kalavar.shell;
    if shell.command.is_some()
        || shell.file.is_some()
        || shell.timing
        || shell.sql
        || shell.format != cli::shell::OutputFormat::Table
    {
        eprintln!(
            "kalavar: -c, -f, --format, --timing and --sql belong to the shell; \
             give them to `kalavar repl` or without a subcommand"
        );
        return ExitCode::from(2);
    }
    match command {
        Command::Repl(args) => cli::shell::run(args, profile),
        Command::Fmt(args) => cli::fmt::run(args),
        Command::Transpile(args) => cli::transpile::run(args),
        Command::Ping(args) => cli::ping::run(args, profile),
        Command::Cert(args) => cli::cert::run(args, profile),
        Command::User(args) => cli::user::run(args, profile),
        Command::Explain(args) => cli::explain::run(args, profile),
        Command::Inspect(args) => cli::inspect::run(args),
    }
}
