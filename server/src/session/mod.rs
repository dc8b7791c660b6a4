//! Sessions: one task per connection that takes it from TLS handshake to close
//! ([`serve_connection`]), the admin requests it answers ([`admin`]), and the
//! registry through which revocations reach open sessions ([`Registry`]).

pub mod admin;
mod conn;
mod registry;
mod work;

pub use conn::{OPCODE_SET, SERVER_FEATURES, serve_connection};
pub use registry::{Activity, Closing, Registry, SessionGuard};
