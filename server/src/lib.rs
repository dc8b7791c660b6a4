//! The Kalavar server (`kalavard`).
//!
//! 1. [`config`] reads the TOML configuration over the compiled-in reference defaults,
//!    with `KALAVARD_*` environment overrides.
//! 2. [`init`] makes the CA, the server certificate and the `root` user on first start.
//! 3. [`server::Server::start`] checks key permissions, loads the CA, the catalog's
//!    [`directory`] and the CRL, and binds the listeners.
//! 4. [`tls`] accepts TLS 1.3 with a client certificate verified against the CA and
//!    the current CRL; [`auth::authorize`] then decides who the peer is from that
//!    certificate, the catalog and the peer address.
//! 5. [`session`] speaks the protocol with that identity until the peer leaves, goes
//!    idle, or is revoked ([`state::Shared::revoke`]).

pub mod auth;
pub mod config;
pub mod db;
pub mod directory;
pub mod error;
pub mod exec;
pub mod host;
pub mod init;
pub mod jobs;
pub mod live;
pub mod paths;
pub mod pki;
pub mod server;
pub mod session;
pub mod state;
pub mod systables;
pub mod tls;
pub mod vm;

pub use config::Config;
pub use error::ServerError;
pub use server::{Server, StartOptions};
