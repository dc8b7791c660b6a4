//! The client library: load a profile ([`Profile`]), connect and speak the protocol
//! ([`Client`]). Blocking, over `std::net` and rustls; no async runtime and no storage
//! crates in its dependency tree. `kalavar`, the end-to-end tests and the benchmarks
//! all connect through it.

mod connection;
mod error;
mod profile;

pub use connection::{Client, ConnectOptions, dial};
pub use error::ClientError;
pub use kalavar_protocol::Welcome;
pub use profile::{Profile, host_of};
