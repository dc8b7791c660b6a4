//! Expression evaluation, column-at-a-time: [`eval`] walks an expression's nodes in
//! order and computes one Arrow array per node — an input column, a constant or
//! parameter kept as a one-row *scalar* (broadcast by the kernels), or a kernel
//! applied to earlier nodes: comparisons and boolean logic ([`compare`]), arithmetic
//! ([`arith`]), functions ([`func`]), case mapping ([`case`]) and casts ([`cast`]). Operand types are exact
//! (verified), so no kernel guesses a conversion; overflow, division by zero and
//! failed casts are errors, never silent nulls.

pub mod arith;
pub mod case;
pub mod cast;
pub mod compare;
mod eval;
pub mod func;

pub use eval::{EvalCtx, Val, eval, eval_constant};
