//! `kalavar ping`: connect with the profile, say who the server thinks we are, and
//! time a few round trips.

use std::path::Path;
use std::process::ExitCode;

use kalavar::client::Client;

#[derive(clap::Args)]
pub struct Args {
    /// Round trips to time.
    #[arg(long, default_value_t = 3)]
    count: u32,
}

pub fn run(args: Args, profile: Option<&Path>) -> ExitCode {
    super::profile::finish("ping", ping(args, profile))
}

fn ping(args: Args, profile: Option<&Path>) -> Result<(), String> {
    let profile = super::profile::load(profile)?;
    let mut client = Client::connect(&profile).map_err(|e| e.to_string())?;
    let w = client.welcome().clone();
    outln!(
        "connected to {} at {} as {} (role {}, session {}, protocol {})",
        w.server,
        profile.server,
        w.user,
        w.role,
        w.session,
        w.version
    );
    for _ in 0..args.count {
        let rtt = client.ping().map_err(|e| e.to_string())?;
        outln!("pong in {} µs", rtt.as_micros());
    }
    client.close().map_err(|e| e.to_string())
}
