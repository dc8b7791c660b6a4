//! Tokens to AST. [`parse`], [`parse_statement`] and [`parse_expr`] lex the whole
//! input first (checking the size, nesting and prefix-run limits as they go), then
//! run the LALRPOP parser generated from `grammar.lalrpop` with error recovery at
//! `;` and `|`, and turn every problem into a [`crate::Diagnostic`] in user words.

mod api;
pub(crate) mod builder;
mod expected;
mod input;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, unused)]
    grammar,
    "/parser/grammar.rs"
);

pub use api::{parse, parse_expr, parse_statement};
pub use builder::SHOW_TARGETS;
