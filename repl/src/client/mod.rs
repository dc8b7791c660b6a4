//! The client library: load a profile ([`Profile`]), connect and speak the protocol
//! ([`Client`]), fetch the catalog and compile KQL locally, run statements with typed
//! parameters and decode their Arrow results ([`Client::query`]), prepared
//! statements ([`Client::prepare`]), bulk loads ([`Client::load_csv`],
//! [`Client::load_batches`]), transactions, live queries
//! ([`Client::subscribe`]) and cancellation ([`CancelHandle`]). Blocking, over
//! `std::net` and rustls; no async runtime and no storage crates in its dependency
//! tree. `kalavar`, the end-to-end tests and the benchmarks all connect through it.

mod cancel;
mod catalog;
mod compile;
mod connection;
mod error;
mod execute;
mod inbox;
mod load;
mod params;
mod prepared;
mod profile;
mod results;
mod row;
mod subscribe;
mod transaction;
mod translated;

pub use cancel::CancelHandle;
pub use catalog::decode_catalog;
pub use compile::ParsedScript;
pub use connection::{Client, ConnectOptions, dial};
pub use error::{ClientError, codes};
pub use kalavar_protocol::{ChangeKind, ErrorSpan, LoadMode, Param, Value, Welcome};
pub use load::{CsvBatches, LoadBatch, LoadOptions, LoadReport, LoadTarget};
pub use params::{bind_params, convert, named, positional};
pub use prepared::Prepared;
pub use profile::{Profile, host_of};
pub use results::{QueryResult, completion_tag};
pub use row::{arrow_type, row_batch};
pub use subscribe::{ChangeEvent, Subscription};
