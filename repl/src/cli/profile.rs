//! Finding and loading the profile for commands that talk to a server, and the
//! uniform way those commands report failure.

use std::path::Path;
use std::process::ExitCode;

use kalavar::client::Profile;

/// Loads `--profile DIR`, or the default profile of the environment.
pub fn load(dir: Option<&Path>) -> Result<Profile, String> {
    let dir = match dir {
        Some(d) => d.to_owned(),
        None => kalavar_protocol::profile::default_dir_from_env()
            .ok_or("no profile: pass --profile DIR or set KALAVAR_PROFILE")?,
    };
    Profile::load(&dir).map_err(|e| e.to_string())
}

/// Prints `kalavar CMD: error` and exits 1 on failure.
pub fn finish(command: &str, result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("kalavar {command}: {e}");
            ExitCode::FAILURE
        }
    }
}
