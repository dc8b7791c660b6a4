//! The KQL compiler: catalog snapshot, binder, optimizer, bytecode plans.
//!
//! The life of a statement here, as [`compile::compile`] chains it:
//!
//! 1. `kql::parse` turns text into a syntax tree (the `kql` crate);
//! 2. [`binder::Binder::bind`] resolves names and types against a
//!    [`catalog::Catalog`] snapshot and returns a [`plan::BoundStatement`] (a logical
//!    [`plan::Plan`] and what to do with its rows) plus the parameter slots;
//! 3. [`optimizer::optimize`] rewrites the plan: constant folding, predicate and
//!    projection pushdown, point seeks and key ranges, top-k;
//! 4. [`emit::emit`] generates a [`bytecode::Program`];
//! 5. [`bytecode::Program::encode`] gives the bytes sent to the server, where
//!    [`bytecode::verify_bytes`] decodes and checks them before the VM runs them;
//!    [`bytecode::disasm`] lists a plan for people.

pub mod binder;
pub mod bytecode;
pub mod catalog;
pub mod codec;
pub mod compile;
pub mod emit;
pub mod identity;
mod like;
pub mod optimizer;
pub mod plan;
pub mod sql;
pub mod types;

pub use compile::{CompileError, CompileOptions, Compiled, compile, compile_to_bytes};
