//! The KQL compiler: catalog snapshot, binder, optimizer, bytecode plans.

pub mod bytecode;
pub mod catalog;
pub mod codec;
pub mod identity;
pub mod types;
