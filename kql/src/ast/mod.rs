//! The abstract syntax tree of KQL.
//!
//! Every node carries the [`Span`] of the source text it came from, so that the
//! binder and the server can point at the exact place an error comes from. The tree
//! is plain data: the parser builds it, the printer turns it back into canonical KQL
//! (`parse(print(ast)) == ast`, spans aside), and `kql-compiler` binds it against a
//! catalog. `expr` holds expressions and literals, `pipeline` queries and their
//! stages, `statement` everything a script can contain.

mod expr;
mod name;
mod pipeline;
mod span;
mod spans;
mod statement;

pub use expr::*;
pub use name::Name;
pub use pipeline::*;
pub use span::*;
pub use spans::ClearSpans;
pub use statement::*;
