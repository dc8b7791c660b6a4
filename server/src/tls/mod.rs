//! TLS for the listener: the server configuration ([`server_config`]) and the
//! client-certificate verifier whose CRL can change while the server runs
//! ([`RevocableVerifier`]).

mod config;
mod verifier;

pub use config::{provider, server_config};
pub use verifier::RevocableVerifier;
