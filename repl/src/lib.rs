//! The Kalavar client: the library that connects to a server with a profile and
//! speaks the protocol ([`client`]), and the client-side certificate work behind
//! `kalavar cert` ([`certs`]). No RocksDB, no Parquet writer, no async runtime.

pub mod certs;
pub mod client;
