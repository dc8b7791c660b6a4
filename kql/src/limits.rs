//! The documented limits of the front end. Anything past them is a diagnostic, not
//! a crash: they keep every later stage (printer, binder, drop of the tree) within a
//! normal 2 MiB thread stack. `docs/kql.md` lists them.

/// Largest source text accepted, in bytes (8 MiB). Spans are `u32`, so this also
/// keeps every offset representable.
pub const MAX_INPUT_BYTES: usize = 8 << 20;

/// Most brackets (`(`, `[`, `{`) open at once.
pub const MAX_NESTING: usize = 128;

/// Deepest expression tree: operator chains (`a + a + …`, `- - x`, `not not x`),
/// calls, lists and records all count one level per node.
pub const MAX_EXPR_DEPTH: usize = 256;

/// Most diagnostics reported for one input; parsing stops after that many.
pub const MAX_DIAGNOSTICS: usize = 100;
