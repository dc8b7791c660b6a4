//! The subcommands of `kalavar`, one module each.

pub mod cert;
pub mod explain;
pub mod fmt;
pub mod inspect;
pub mod load;
pub mod ping;
pub mod plan_output;
pub mod profile;
pub mod shell;
pub mod stdout;
pub mod transpile;
pub mod user;
