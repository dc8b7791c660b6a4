//! Text to tokens. A [logos](https://docs.rs/logos) state machine cuts the source
//! into [`Token`]s with byte [`Span`](crate::ast::Span)s; keywords are looked up in
//! one table ([`Keyword`]) and are case-insensitive; literal values are converted
//! and validated here so that every lexical mistake is reported with its exact span.
//! [`tokens`] is public for golden tests and highlighting, [`is_incomplete`] for
//! the REPL's line continuation.

mod continuation;
mod error;
mod keyword;
pub(crate) mod literal;
mod raw;
mod token;

pub use continuation::is_incomplete;
pub use error::LexError;
pub use keyword::Keyword;
pub use literal::DURATION_UNITS;
pub use token::{Token, Tokens, tokens};
