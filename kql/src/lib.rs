//! The KQL language: text to tokens to syntax tree, and back to canonical text.
//!
//! The life of a statement in this crate:
//!
//! 1. [`lexer::tokens`] cuts the text into [`lexer::Token`]s with byte spans
//!    (logos); keywords are case-insensitive and mostly contextual, literals are
//!    validated here.
//! 2. [`parse`] (or [`parse_statement`], [`parse_expr`]) lexes the whole input,
//!    enforcing [`limits`], and runs the LALRPOP parser generated from
//!    `src/parser/grammar.lalrpop`, which builds an [`ast::Script`]. It recovers
//!    at `;` and `|` so one run reports every mistake as a [`Diagnostic`].
//! 3. [`format`] prints a tree back as canonical KQL; parsing the printed text
//!    gives the same tree (spans aside — see [`ast::Script::without_spans`]).
//!
//! This crate knows nothing of catalogs, storage or plans: the binder in
//! `kql-compiler` gives the tree its meaning.

pub mod ast;
pub mod calendar;
pub mod diagnostic;
pub mod format;
pub mod lexer;
pub mod limits;
mod parser;

pub use diagnostic::{Diagnostic, Diagnostics, Label, codes};
pub use format::{format_expr, format_script, format_statement};
pub use parser::{SHOW_TARGETS, parse, parse_expr, parse_statement};

/// Checks that file or stdin bytes are UTF-8, with a diagnostic pointing at the
/// first bad byte when they are not. The span is meant for rendering against
/// `String::from_utf8_lossy(bytes)`, where the bad bytes became one `U+FFFD`.
pub fn source_from_bytes(bytes: &[u8]) -> Result<&str, Diagnostics> {
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to() as u32;
        let len = char::REPLACEMENT_CHARACTER.len_utf8() as u32;
        Diagnostic::new(
            codes::INVALID_UTF8,
            ast::Span::new(at, at + len),
            format!("the input is not valid UTF-8 (byte {at})"),
        )
        .with_hint("KQL source must be UTF-8 text")
        .into()
    })
}
