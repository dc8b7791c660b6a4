//! The `kalavar` subcommands, one module each.

pub mod cert;
pub mod ping;
pub mod user;
