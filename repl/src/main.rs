//! `kalavar`: the Kalavar client. One module per subcommand under `cli/`.

mod cli;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kalavar::client::Profile;

#[derive(Parser)]
#[command(name = "kalavar", version, about = "The Kalavar client")]
struct Cli {
    /// Profile directory (key, certificate, CA, server address). Default:
    /// $KALAVAR_PROFILE, else $XDG_CONFIG_HOME/kalavar/profile, else
    /// ~/.config/kalavar/profile.
    #[arg(long, global = true, value_name = "DIR")]
    profile: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Connect, show the session's identity and time round trips.
    Ping {
        #[arg(long, default_value_t = 3)]
        count: u32,
    },
    /// Certificates: request, show, issue, revoke, list.
    #[command(subcommand)]
    Cert(cli::cert::CertCommand),
    /// Users: create, alter, drop, list (dba/root).
    #[command(subcommand)]
    User(cli::user::UserCommand),
}

fn profile_dir(args: &Cli) -> Result<PathBuf, String> {
    args.profile
        .clone()
        .or_else(kalavar_protocol::profile::default_dir_from_env)
        .ok_or_else(|| "no profile: pass --profile DIR or set KALAVAR_PROFILE".to_owned())
}

fn run(args: Cli) -> Result<(), String> {
    let dir = profile_dir(&args);
    let load = || Profile::load(&dir.clone()?).map_err(|e| e.to_string());
    match args.command {
        Command::Ping { count } => cli::ping::run(&load()?, count),
        Command::User(cmd) => cli::user::run(&load()?, cmd),
        Command::Cert(cmd) => {
            let profile = if cmd.needs_profile() {
                Some(load()?)
            } else {
                None
            };
            cli::cert::run(profile.as_ref(), cmd)
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kalavar: {e}");
            ExitCode::FAILURE
        }
    }
}
