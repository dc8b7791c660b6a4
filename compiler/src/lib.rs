//! The KQL compiler: catalog snapshot, binder, optimizer, bytecode plans, SQL→KQL.
pub mod sql;
