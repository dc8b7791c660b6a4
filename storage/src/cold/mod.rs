//! The cold tier: Parquet segments per partition, each partition described by a
//! `manifest.json` that is swapped atomically. [`layout`] names the files, [`manifest`]
//! is their list, [`segment_writer`] writes a segment, [`segment`] reads one (its
//! loaded state — a read-only [`mmap`] of the file among it — kept in the bounded
//! [`cache`]), [`lookup`] finds one key in it through
//! [`page`], [`lz4`] and [`thrift`] (single Parquet pages decoded directly), and [`partition`]
//! holds each partition's live state.

pub(crate) mod cache;
pub(crate) mod layout;
pub(crate) mod lookup;
pub(crate) mod lz4;
pub(crate) mod manifest;
pub(crate) mod mmap;
pub(crate) mod page;
pub(crate) mod partition;
pub(crate) mod segment;
pub(crate) mod segment_writer;
pub(crate) mod thrift;

pub use partition::PartitionId;
