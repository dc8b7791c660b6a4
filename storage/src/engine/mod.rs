//! The [`Engine`]: one data directory, shared by every session behind an `Arc`. Its
//! methods are grouped by file: the handle (`handle`), opening and recovery (`open`),
//! catalog changes (`catalog_api`), data calls (`data_api`, `txn`, `commit`, `rows`,
//! `read`, `bulk`, `ingest`), flush and compaction (`flush`, `compact`), scheduled
//! work (`jobs`), erasure and export (`erase`, `export`), and counters (`stats`).

mod bulk;
mod catalog_api;
mod commit;
mod compact;
mod data_api;
mod erase;
mod export;
mod flush;
mod handle;
mod ingest;
mod jobs;
mod open;
mod read;
mod rows;
mod stats;
mod txn;
mod wal;

pub use commit::MAX_COMMIT_GROUP;
pub use compact::CompactReport;
pub use flush::FlushReport;
pub use handle::Engine;
pub(crate) use handle::Inner;
pub use jobs::{FlushReason, JobReport};
pub use open::FORMAT_VERSION;
pub(crate) use open::HOT_CF;
pub(crate) use read::projection_of;
pub use rows::ROW_ID_COLUMN;
pub use stats::{EngineStats, PartitionStats};
pub(crate) use txn::Pending;
pub use txn::{CommitInfo, Txn};
