//! The differential harness for SQL: the same PostgreSQL queries run on a real
//! PostgreSQL and, translated to KQL, on Kalavar, over the same data; the rows
//! must be the same. The corpus lives in `tests/sql/differential/` (the data set's
//! `schema.sql` and `data.sql`, the `cases.sql` corpus) with PostgreSQL's answers
//! recorded in `postgres.expected`.
//!
//! 1. [`corpus::Corpus::load`] reads the cases (tags name the constructs a case
//!    exercises; [`corpus::CONSTRUCTS`] lists those issue 7 asks for);
//! 2. an [`Engine`] resets the data set and runs each case, giving an
//!    [`Answer`] (column names and types, rows as text);
//! 3. [`Answer::compare`] checks an answer against the recorded one, by value
//!    (numbers numerically, booleans and timestamps in either spelling), in order
//!    when the case orders its rows.
//!
//! [`postgres::Postgres`] is the PostgreSQL engine (psql over mTLS, the cluster
//! `pg-mtls.sh` starts). [`kalavar::Kalavar`] is the Kalavar engine over a
//! `TestServer`: it translates each statement with `kql_compiler::sql::Translator`,
//! runs it, and turns the Arrow batches of the last one into an [`Answer`].

pub mod answer;
pub mod corpus;
mod csv;
pub mod kalavar;
pub mod postgres;

pub use answer::{Answer, Column};
pub use corpus::{Case, Corpus};

/// A database the cases run on.
pub trait Engine {
    /// Drops what earlier runs left and loads the data set (`schema.sql`, then
    /// `data.sql`, as SQL statements).
    fn reset(&mut self, corpus: &Corpus) -> Result<(), String>;

    /// Runs the statements of a case in order; the answer is the last one's.
    fn run(&mut self, case: &Case) -> Result<Answer, String>;
}
