//! The Kalavar client: the library that connects to a server with a profile,
//! compiles KQL and runs it ([`client`]), results and errors as people read them
//! ([`display`]), and the client-side certificate work behind `kalavar cert`
//! ([`certs`]). No RocksDB, no Parquet writer, no async runtime.

pub mod certs;
pub mod client;
pub mod display;
