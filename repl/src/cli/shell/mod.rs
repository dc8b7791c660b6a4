//! The interactive shell, `kalavar` with no subcommand (or `kalavar repl`): connect
//! with a profile, read statements (ending in `;`, across lines) with line editing
//! and history, run them through the client library, and print results as aligned
//! tables, CSV or JSON. `-c` and `-f` run scripts and exit non-zero on the first
//! error. `args` holds the flags, `session` the loop, `meta` the backslash commands,
//! `sql` the SQL mode (`\sql`, `\kql`, `--sql`), and `kalavar::display` prints
//! results and errors.

mod args;
mod meta;
mod place;
mod session;
mod sql;

pub use args::Args;
pub use session::run;
