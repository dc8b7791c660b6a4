//! The subcommands of `kalavar`, one module each.

pub mod cert;
pub mod fmt;
pub mod ping;
pub mod profile;
pub mod transpile;
pub mod user;
