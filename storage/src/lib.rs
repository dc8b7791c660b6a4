//! Kalavar's tiered storage engine: rows land in RocksDB (the hot tier), move to
//! Parquet segments (the cold tier) when a flush policy fires, and are read back as one
//! table with the newer version of a key winning.
//!
//! The crate is synchronous and knows nothing of KQL: its API speaks schemas, keys,
//! Arrow record batches and predicates it can prune with. `docs/storage.md` describes
//! the on-disk layout, key encoding, manifest format and recovery rules.
//!
//! Entry points:
//! 1. [`Engine::open`] opens a data directory ([`EngineOptions`]).
//! 2. [`Engine::catalog`] and the DDL methods manage namespaces, tables, users and
//!    certificate records ([`catalog`]).
//! 3. [`Engine::begin`] starts a [`Txn`]: `insert`, `upsert`, `update`, `delete`, `get`,
//!    `scan`, then `commit` (optimistic; `S001` conflicts are retryable). Auto-commit
//!    wrappers exist on [`Engine`] for single calls.
//! 4. [`Engine::scan`] takes a [`ScanSpec`] and returns a [`ScanIter`] of Arrow record
//!    batches; [`Engine::get`] is the point lookup.
//! 5. [`Engine::run_due_jobs`] (from a timer) flushes, compacts and evicts as the
//!    policies say; [`Engine::flush`], [`Engine::compact`], [`Engine::evict_expired`],
//!    [`Engine::erase_user`], [`Engine::export_user`] and [`Engine::stats`] are the
//!    explicit forms.
//!
//! The life of a write: the VM hands full rows as a record batch → `rows` checks and
//! encodes them (key, row) → the transaction buffers them → `commit` validates, assigns
//! sequence numbers and writes one RocksDB batch → a flush later writes them to a
//! Parquet segment and swaps the partition's manifest → compaction merges segments.
//!
//! The life of a read: `scan` takes a RocksDB snapshot and the partition's cold view
//! together → segments are grouped by overlapping key ranges → the newest version of
//! each key wins (hot over cold, higher sequence over lower) before any predicate →
//! statistics prune what cannot match → predicates are applied exactly → projection.

pub mod catalog;
mod cold;
mod encoding;
mod engine;
mod error;
mod options;
mod scan;
pub mod types;
mod util;

pub use catalog::{
    AccessLevel, AlterTable, CatalogSnapshot, CertificateRecord, ColumnDef, ColumnId, ColumnSpec,
    FlushPolicy, Namespace, Role, TableDef, TableId, TableKind, TableOptions, TableSpec,
    UserChange, UserId, UserRecord, UserSpec, normalize_serial, parse_cidr,
};
pub use cold::PartitionId;
pub use engine::{
    CommitInfo, CompactReport, Engine, EngineStats, FORMAT_VERSION, FlushReason, FlushReport,
    JobReport, MAX_COMMIT_GROUP, PartitionStats, ROW_ID_COLUMN, Txn,
};
pub use error::{Result, StorageError};
pub use options::{Durability, EngineOptions, Limits, SegmentCodec, SegmentOptions};
pub use scan::{KeyRange, Predicate, PredicateOp, ScanIter, ScanSpec};
pub use types::{DataType, ScalarValue};
