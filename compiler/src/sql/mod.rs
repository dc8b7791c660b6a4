//! PostgreSQL SQL to KQL, on the client: the server only ever sees KQL.
//!
//! The life of a SQL statement here:
//!
//! 1. `source` cuts the text into statements with sqlparser's tokenizer and
//!    parses each with the PostgreSQL dialect (depth-limited);
//! 2. `statement` dispatches on the kind of statement; queries go through
//!    `query` (`WITH` → `let`, `UNION`, `VALUES`), `select` (`FROM` in
//!    `from`, the select list, `ORDER BY`/`LIMIT` in `order`) and `group`
//!    (aggregation); writes through `insert` and `write`; definitions
//!    through `ddl`; every expression through `expr`, `function`,
//!    `literal`, `like` and `types`;
//! 3. the result is a [`kql::ast::Script`] that `kql::format_script` prints as
//!    canonical KQL, which parses back to the same tree.
//!
//! Nothing changes meaning silently: a construct without a faithful KQL form is an
//! error ([`codes`], `Q…`) that points at it in the SQL and names it. `docs/sql.md`
//! is the mapping, construct by construct.

mod build;
mod ddl;
mod depth;
mod error;
mod expr;
mod from;
mod function;
mod group;
mod insert;
mod like;
mod literal;
mod names;
mod order;
mod query;
mod rewrite;
mod schema;
mod select;
mod session;
mod source;
mod statement;
mod translator;
mod types;
mod write;

pub use error::codes;
pub use schema::{Schema, TableSchema};
pub use session::{CompiledSql, SqlCompileError, SqlSession, apply};
pub use source::MAX_SQL_DEPTH;
pub use translator::{Translation, Translator, source_from_bytes, translate};
