//! The subcommands of `kalavar`, one module each.

pub mod fmt;
