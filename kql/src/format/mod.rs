//! AST to canonical KQL text. Parsing what the printer writes gives the same tree
//! back (spans aside): names are quoted exactly when needed, brackets appear only
//! where precedence needs them, literals are spelled in one canonical way, and a
//! statement prints on one line when it fits in 80 columns, otherwise with each
//! pipeline stage on its own line starting `| `.

mod display;
mod expr;
mod ident;
mod literal;
mod pipeline;
mod statement;

pub use display::{format_expr, format_script, format_statement};
pub use ident::needs_quotes;
pub use statement::WIDTH;
