//! Bulk load: rows sent as Arrow record batches in `Load` requests, each batch one
//! transaction on the server, pipelined so the client reads and encodes the next batch
//! while the server writes the previous ones ([`Client::load_batches`]). CSV input
//! ([`Client::load_csv`], `kalavar load`) is parsed here ([`csv`]) and typed column by
//! column into the table's Arrow schema ([`columns`]).

mod columns;
mod csv;
mod from_csv;
mod send;

pub(crate) use columns::parse_value;
pub use from_csv::CsvBatches;
pub use send::{LoadBatch, LoadOptions, LoadReport, LoadTarget};
