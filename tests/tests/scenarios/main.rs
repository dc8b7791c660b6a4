//! End-to-end scenarios (issue 6): a real `kalavard` on loopback with a fresh data
//! directory, real mTLS, real RocksDB and Parquet, and clients that compile KQL
//! locally through the client library, exactly as `kalavar` does. Each module is a
//! story a user would live through: `chat` (per-user tables, `execute as`, flushes
//! between tiers), `stream` (rows that expire), `shared` (access levels per role),
//! `transactions` (atomicity and conflicts), `durable_inserts` (the commit thread), `hostile` (bad input and hand-made
//! plans), `shell` (the `kalavar` binary with `-c` and `-f`), `terminal` (the shell
//! on a pseudo-terminal, as a person types into it).
//!
//! Run them with `cargo test -p kalavar-tests --test scenarios` (the shell tests need
//! the `kalavar` binary built: `cargo build -p kalavar`).

mod common;

mod chat;
mod durable_inserts;
mod golden;
mod hostile;
mod shared;
mod shell;
mod stream;
mod terminal;
mod transactions;
