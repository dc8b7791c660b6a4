//! The cold tier: Parquet segments per partition, each partition described by a
//! `manifest.json` that is swapped atomically. [`layout`] names the files, [`manifest`]
//! is their list, [`segment_writer`] writes a segment, [`segment`] reads one, and
//! [`partition`] holds each partition's live state.

pub(crate) mod layout;
pub(crate) mod manifest;
pub(crate) mod partition;
pub(crate) mod segment;
pub(crate) mod segment_writer;

pub use partition::PartitionId;
