//! End-to-end tests over real mTLS on loopback. The harness here starts a real server
//! in-process on real sockets ([`TestServer`]: the same `Server::start` that
//! `kalavard serve` runs, with its own Tokio runtime and threads, a fresh data
//! directory and the storage engine's catalog in RocksDB), and connects with the real
//! client library. The [`forge`] module makes the certificates a hostile or careless
//! client would present. [`differential`] runs the SQL corpus on PostgreSQL and
//! compares answers.

pub mod differential;
pub mod forge;
pub mod harness;

pub use harness::{TestServer, UserProfile};
