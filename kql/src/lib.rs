//! The KQL language: tokens, grammar, AST, printer and diagnostics.

pub mod ast;
