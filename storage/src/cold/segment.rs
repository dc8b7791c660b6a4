//! [`Segment`]: a handle on one Parquet segment. Its loaded state — the file's
//! metadata with the page index, the column map, the `__key` bloom filters and a
//! read-only memory map of the file ([`super::mmap`]) — is kept in the [`SegmentCache`] (bounded, least recently used state
//! dropped first) and reloaded on demand. The segment answers which row groups can hold
//! a key or a key range, reads projections of row groups, and deletes its file when it
//! has been replaced by compaction and the last reader lets go of it. Point lookups are
//! in [`super::lookup`].

use std::fs::File;

use bytes::Bytes;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder, RowSelection,
};
use parquet::basic::Type as PhysicalType;
use parquet::bloom_filter::Sbbf;
use parquet::file::metadata::PageIndexPolicy;
use parquet::file::statistics::Statistics;

use super::cache::SegmentCache;
use super::manifest::SegmentMeta;
use super::segment_writer::SegmentColumns;
use crate::error::{Result, StorageError};

/// An open segment, shared by the manifest view and running readers.
pub(crate) struct Segment {
    pub meta: SegmentMeta,
    pub path: PathBuf,
    uid: u64,
    pub(crate) cache: Arc<SegmentCache>,
    state: RwLock<Option<Arc<Loaded>>>,
    last_used: AtomicU64,
    /// Set when a compaction replaced this segment: the file goes with the last `Arc`.
    obsolete: AtomicBool,
}

/// What a segment holds while it is in the cache.
pub(crate) struct Loaded {
    pub reader_meta: ArrowReaderMetadata,
    pub cols: SegmentColumns,
    /// The whole file, memory-mapped: point lookups slice pages out of it, scans read
    /// it as their `ChunkReader` (zero-copy column chunks).
    pub data: Bytes,
    blooms: OnceLock<Vec<Option<Sbbf>>>,
    /// Per Parquet leaf column: physical type, type length, max definition level;
    /// `None` when the schema is not flat (the point reader then uses parquet-rs).
    pub leaves: Option<Vec<(PhysicalType, usize, i16)>>,
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Segment({})", self.path.display())
    }
}

fn leaves_of(meta: &ArrowReaderMetadata) -> Option<Vec<(PhysicalType, usize, i16)>> {
    let schema = meta.parquet_schema();
    if schema.num_columns() != meta.schema().fields().len() {
        return None;
    }
    schema
        .columns()
        .iter()
        .map(|c| {
            (c.max_rep_level() == 0 && c.path().parts().len() == 1).then(|| {
                (
                    c.physical_type(),
                    c.type_length().max(0) as usize,
                    c.max_def_level(),
                )
            })
        })
        .collect()
}

impl Segment {
    pub(crate) fn new(meta: SegmentMeta, path: PathBuf, cache: &Arc<SegmentCache>) -> Segment {
        Segment {
            meta,
            path,
            uid: cache.uid(),
            cache: cache.clone(),
            state: RwLock::new(None),
            last_used: AtomicU64::new(0),
            obsolete: AtomicBool::new(false),
        }
    }

    pub(crate) fn uid(&self) -> u64 {
        self.uid
    }

    pub(crate) fn last_used(&self) -> u64 {
        self.last_used.load(Ordering::Relaxed)
    }

    /// Marks the file for deletion once nobody reads it any more.
    pub(crate) fn mark_obsolete(&self) {
        self.obsolete.store(true, Ordering::SeqCst);
    }

    pub(crate) fn open_file(&self) -> Result<File> {
        File::open(&self.path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                StorageError::corrupt(format!(
                    "segment {} named by its manifest is missing",
                    self.path.display()
                ))
            } else {
                StorageError::io(&self.path, e)
            }
        })
    }

    /// The segment's loaded state, loading it (and registering it with the cache) if
    /// it is not held.
    pub(crate) fn loaded(self: &Arc<Self>) -> Result<Arc<Loaded>> {
        self.last_used.store(self.cache.tick(), Ordering::Relaxed);
        if let Some(l) = self.state.read().expect("segment lock").as_ref() {
            return Ok(l.clone());
        }
        let file = self.open_file()?;
        let data = super::mmap::map(&file, &self.path)?;
        drop(file);
        let opts = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional);
        let meta = ArrowReaderMetadata::load(&data, opts)
            .map_err(|e| StorageError::corrupt(format!("segment {}: {e}", self.path.display())))?;
        let cols = SegmentColumns::of(meta.schema(), &self.path)?;
        let bytes = meta.metadata().memory_size() as u64 + 4096;
        let loaded = Arc::new(Loaded {
            leaves: leaves_of(&meta),
            reader_meta: meta,
            cols,
            data,
            blooms: OnceLock::new(),
        });
        {
            let mut slot = self.state.write().expect("segment lock");
            if let Some(l) = slot.as_ref() {
                return Ok(l.clone());
            }
            *slot = Some(loaded.clone());
        }
        self.cache.register(self, bytes);
        Ok(loaded)
    }

    /// Drops the loaded state; `true` if there was any.
    pub(crate) fn unload(&self) -> bool {
        let had = self.state.write().expect("segment lock").take().is_some();
        if had {
            self.cache.forget(self.uid);
        }
        had
    }

    /// The `__key` bloom filter of each row group, read once per load.
    pub(crate) fn blooms<'a>(&self, l: &'a Loaded) -> Result<&'a [Option<Sbbf>]> {
        if let Some(b) = l.blooms.get() {
            return Ok(b);
        }
        let mut out = Vec::new();
        let mut bytes = 0u64;
        for rg in l.reader_meta.metadata().row_groups() {
            let c = rg.column(l.cols.key);
            bytes += c.bloom_filter_length().unwrap_or(0).max(0) as u64;
            out.push(Sbbf::read_from_column_chunk(c, &l.data)?);
        }
        if l.blooms.set(out).is_ok() {
            self.cache.grow(self.uid, bytes);
        }
        Ok(l.blooms.get().expect("just set"))
    }

    /// Row groups whose `__key` range includes `key`.
    pub(crate) fn row_groups_with(l: &Loaded, key: &[u8]) -> Vec<usize> {
        Self::row_groups_where(l, |min, max| min <= key && key <= max)
    }

    /// Row groups whose `__key` range meets `[lo, hi)`.
    pub(crate) fn row_groups_in_range(l: &Loaded, lo: &[u8], hi: Option<&[u8]>) -> Vec<usize> {
        Self::row_groups_where(l, |min, max| max >= lo && hi.is_none_or(|hi| min < hi))
    }

    /// Row groups whose `__key` statistics pass `keep(min, max)` (and those without
    /// statistics). Statistics may be truncated, but a truncated min is still a lower
    /// bound and a truncated max an upper bound, so nothing is missed.
    fn row_groups_where(l: &Loaded, keep: impl Fn(&[u8], &[u8]) -> bool) -> Vec<usize> {
        let mut out = Vec::new();
        for (i, rg) in l.reader_meta.metadata().row_groups().iter().enumerate() {
            let ok = match rg.column(l.cols.key).statistics() {
                Some(Statistics::ByteArray(s)) => match (s.min_opt(), s.max_opt()) {
                    (Some(min), Some(max)) => keep(min.data(), max.data()),
                    _ => true,
                },
                _ => true,
            };
            if ok {
                out.push(i);
            }
        }
        out
    }

    /// A reader over `row_groups` (all when `None`) for the given field indices, reading
    /// the mapped file (no file handle, no copy of the compressed column chunks).
    pub(crate) fn read(
        &self,
        l: &Loaded,
        fields: &[usize],
        row_groups: Option<Vec<usize>>,
        selection: Option<RowSelection>,
        batch_size: usize,
    ) -> Result<ParquetRecordBatchReader> {
        let meta = &l.reader_meta;
        let mask = ProjectionMask::roots(meta.parquet_schema(), fields.iter().copied());
        let mut b =
            ParquetRecordBatchReaderBuilder::new_with_metadata(l.data.clone(), meta.clone())
                .with_projection(mask)
                .with_batch_size(batch_size.max(1));
        if let Some(rgs) = row_groups {
            b = b.with_row_groups(rgs);
        }
        if let Some(sel) = selection {
            b = b.with_row_selection(sel);
        }
        Ok(b.build()?)
    }
}

impl Loaded {
    /// Rows in row group `rg`.
    pub(crate) fn row_group_rows(&self, rg: usize) -> usize {
        self.reader_meta.metadata().row_group(rg).num_rows() as usize
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        if self.state.get_mut().map(|s| s.is_some()).unwrap_or(false) {
            self.cache.forget(self.uid);
        }
        if self.obsolete.load(Ordering::SeqCst) {
            // Best effort: a file left behind is removed at the next open, because no
            // manifest names it.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Shared handle type.
pub(crate) type SegmentRef = Arc<Segment>;
