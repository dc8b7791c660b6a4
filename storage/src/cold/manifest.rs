//! `manifest.json`: the list of a partition's segments with their statistics. It is the
//! only record of which segment files are live; it is replaced atomically (temp file,
//! fsync, rename, fsync of the directory), so a crash leaves the old or the new list.
//!
//! ```json
//! { "format": 1, "table": 7, "owner": 3, "version": 12, "next_segment": 5,
//!   "segments": [ { "id": 4, "file": "seg-00000004.parquet", "rows": 1000,
//!     "tombstones": 2, "bytes": 40960, "min_key": "00…", "max_key": "00…",
//!     "min_seq": 10, "max_seq": 1012, "schema_version": 2,
//!     "columns": [ { "id": 1, "name": "id", "min": {"Int64": 1}, "max": {"Int64": 999},
//!                    "nulls": 0 } ] } ] }
//! ```

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Result, StorageError};
use crate::types::ScalarValue;

/// Version of the manifest layout.
pub(crate) const MANIFEST_FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Manifest {
    pub format: u32,
    pub table: u64,
    pub owner: Option<u64>,
    /// Increases with every swap.
    pub version: u64,
    pub next_segment: u64,
    /// Oldest first.
    pub segments: Vec<SegmentMeta>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct SegmentMeta {
    pub id: u64,
    pub file: String,
    /// Rows in the file, tombstones included.
    pub rows: u64,
    pub tombstones: u64,
    pub bytes: u64,
    #[serde(with = "crate::util::hex_bytes")]
    pub min_key: Vec<u8>,
    #[serde(with = "crate::util::hex_bytes")]
    pub max_key: Vec<u8>,
    pub min_seq: u64,
    pub max_seq: u64,
    pub schema_version: u64,
    pub columns: Vec<ColumnStats>,
}

/// Statistics of one column over a whole segment (tombstone rows count as nulls).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ColumnStats {
    pub id: u32,
    pub name: String,
    pub min: Option<ScalarValue>,
    pub max: Option<ScalarValue>,
    pub nulls: u64,
}

impl Manifest {
    pub(crate) fn empty(table: u64, owner: Option<u64>) -> Manifest {
        Manifest {
            format: MANIFEST_FORMAT,
            table,
            owner,
            version: 0,
            next_segment: 1,
            segments: Vec::new(),
        }
    }

    pub(crate) fn read(path: &Path) -> Result<Option<Manifest>> {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(StorageError::io(path, e)),
        };
        let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
            StorageError::corrupt(format!("manifest {} does not parse: {e}", path.display()))
        })?;
        if m.format != MANIFEST_FORMAT {
            return Err(StorageError::UnsupportedFormat(format!(
                "manifest {} has format {}; this build reads {MANIFEST_FORMAT}",
                path.display(),
                m.format
            )));
        }
        Ok(Some(m))
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("manifests serialize")
    }
}

impl SegmentMeta {
    /// Statistics of a column, if the segment holds it.
    pub(crate) fn column(&self, id: u32) -> Option<&ColumnStats> {
        self.columns.iter().find(|c| c.id == id)
    }
}
