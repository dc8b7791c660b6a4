//! Code generation: a bound, optimized statement to a bytecode [`Program`].
//!
//! `builder` interns schemas, tables, constants and expressions and patches jumps;
//! `relational` emits operator loops in the push style; `statement` wraps them into a
//! program per statement. The result always verifies (tests check that for the whole
//! corpus).

mod builder;
mod relational;
mod statement;

pub use statement::{emit, emit_shared};
