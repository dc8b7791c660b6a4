//! `kalavar ping`: connect with the profile, say who the server thinks we are, and
//! time a few round trips.

use kalavar::client::{Client, Profile};

pub fn run(profile: &Profile, count: u32) -> Result<(), String> {
    let mut client = Client::connect(profile).map_err(|e| e.to_string())?;
    let w = client.welcome().clone();
    println!(
        "connected to {} as {} (role {}, session {}, protocol {})",
        w.server, w.user, w.role, w.session, w.version
    );
    for _ in 0..count {
        let rtt = client.ping().map_err(|e| e.to_string())?;
        println!("pong in {} µs", rtt.as_micros());
    }
    client.close().map_err(|e| e.to_string())
}
