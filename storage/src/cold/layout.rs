//! Where cold files live:
//!
//! ```text
//! <dir>/cold/t<table id>/shared/              partition of a shared table
//! <dir>/cold/t<table id>/u<user id>/          a user's partition of a user table
//!     manifest.json                           the partition's current segments
//!     seg-<n:08>.parquet                      segments
//! ```
//! Stream tables are never flushed and have no cold directory.

use std::path::{Path, PathBuf};

use crate::catalog::{TableId, UserId};

pub(crate) fn cold_root(dir: &Path) -> PathBuf {
    dir.join("cold")
}

pub(crate) fn table_dir(dir: &Path, table: TableId) -> PathBuf {
    cold_root(dir).join(format!("t{}", table.0))
}

pub(crate) fn partition_dir(dir: &Path, table: TableId, owner: Option<UserId>) -> PathBuf {
    table_dir(dir, table).join(match owner {
        Some(u) => format!("u{}", u.0),
        None => "shared".to_string(),
    })
}

pub(crate) fn segment_file(n: u64) -> String {
    format!("seg-{n:08}.parquet")
}

/// The number of a segment file's name (`seg-00000004.parquet` → 4).
pub(crate) fn parse_segment_file(name: &str) -> Option<u64> {
    name.strip_prefix("seg-")?
        .strip_suffix(".parquet")?
        .parse()
        .ok()
}

pub(crate) const MANIFEST: &str = "manifest.json";

/// Parses a partition directory name back into its owner (`shared` → `None`).
pub(crate) fn parse_partition_dir(name: &str) -> Option<Option<UserId>> {
    if name == "shared" {
        Some(None)
    } else {
        name.strip_prefix('u')
            .and_then(|n| n.parse().ok())
            .map(|n| Some(UserId(n)))
    }
}

/// Parses a table directory name (`t12`) back into its id.
pub(crate) fn parse_table_dir(name: &str) -> Option<TableId> {
    name.strip_prefix('t')
        .and_then(|n| n.parse().ok())
        .map(TableId)
}
