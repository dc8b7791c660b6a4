//! [`Segment`]: an open handle on one Parquet segment. It caches the file's metadata
//! (with the page index) and its `__key` bloom filters on first use, answers "may this
//! segment hold key K, and where", reads projections of row groups, and deletes its
//! file when it has been replaced by compaction and the last reader lets go of it.

use std::fs::File;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};

use arrow_array::cast::AsArray;
use arrow_array::{Array, RecordBatch};
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReader,
    ParquetRecordBatchReaderBuilder, RowSelection, RowSelector,
};
use parquet::bloom_filter::Sbbf;
use parquet::file::metadata::PageIndexPolicy;
use parquet::file::page_index::column_index::ColumnIndexMetaData;
use parquet::file::statistics::Statistics;

use super::manifest::SegmentMeta;
use super::segment_writer::SegmentColumns;
use crate::error::{Result, StorageError};

/// An open segment, shared by the manifest view and running readers.
pub(crate) struct Segment {
    pub meta: SegmentMeta,
    pub path: PathBuf,
    reader_meta: OnceLock<(ArrowReaderMetadata, SegmentColumns)>,
    blooms: OnceLock<Vec<Option<Sbbf>>>,
    /// Set when a compaction replaced this segment: the file goes with the last `Arc`.
    obsolete: AtomicBool,
}

impl std::fmt::Debug for Segment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Segment({})", self.path.display())
    }
}

/// What a point lookup found in a segment.
pub(crate) struct Found {
    pub deleted: bool,
    /// One row with the segment's full schema.
    pub row: RecordBatch,
}

impl Segment {
    pub(crate) fn new(meta: SegmentMeta, path: PathBuf) -> Segment {
        Segment {
            meta,
            path,
            reader_meta: OnceLock::new(),
            blooms: OnceLock::new(),
            obsolete: AtomicBool::new(false),
        }
    }

    /// Marks the file for deletion once nobody reads it any more.
    pub(crate) fn mark_obsolete(&self) {
        self.obsolete.store(true, Ordering::SeqCst);
    }

    fn open_file(&self) -> Result<File> {
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

    /// The file's metadata (with page index) and column map, loaded once.
    pub(crate) fn reader_meta(&self) -> Result<&(ArrowReaderMetadata, SegmentColumns)> {
        if let Some(m) = self.reader_meta.get() {
            return Ok(m);
        }
        let file = self.open_file()?;
        let opts = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Optional);
        let meta = ArrowReaderMetadata::load(&file, opts)
            .map_err(|e| StorageError::corrupt(format!("segment {}: {e}", self.path.display())))?;
        let cols = SegmentColumns::of(meta.schema(), &self.path)?;
        let _ = self.reader_meta.set((meta, cols));
        Ok(self.reader_meta.get().expect("just set"))
    }

    pub(crate) fn columns(&self) -> Result<&SegmentColumns> {
        Ok(&self.reader_meta()?.1)
    }

    fn blooms(&self) -> Result<&Vec<Option<Sbbf>>> {
        if let Some(b) = self.blooms.get() {
            return Ok(b);
        }
        let (meta, cols) = self.reader_meta()?;
        let file = self.open_file()?;
        let mut out = Vec::new();
        for rg in meta.metadata().row_groups() {
            out.push(Sbbf::read_from_column_chunk(rg.column(cols.key), &file)?);
        }
        let _ = self.blooms.set(out);
        Ok(self.blooms.get().expect("just set"))
    }

    /// Row groups whose `__key` range includes `key`.
    fn row_groups_with(&self, key: &[u8]) -> Result<Vec<usize>> {
        let (meta, cols) = self.reader_meta()?;
        let mut out = Vec::new();
        for (i, rg) in meta.metadata().row_groups().iter().enumerate() {
            let inside = match rg.column(cols.key).statistics() {
                Some(Statistics::ByteArray(s)) => match (s.min_opt(), s.max_opt()) {
                    (Some(min), Some(max)) => min.data() <= key && key <= max.data(),
                    _ => true,
                },
                _ => true,
            };
            if inside {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// Row groups (with their row counts) whose `__key` range meets `[lo, hi)`.
    pub(crate) fn row_groups_in_range(&self, lo: &[u8], hi: Option<&[u8]>) -> Result<Vec<usize>> {
        let (meta, cols) = self.reader_meta()?;
        let mut out = Vec::new();
        for (i, rg) in meta.metadata().row_groups().iter().enumerate() {
            let keep = match rg.column(cols.key).statistics() {
                Some(Statistics::ByteArray(s)) => match (s.min_opt(), s.max_opt()) {
                    (Some(min), Some(max)) => {
                        max.data() >= lo && hi.is_none_or(|hi| min.data() < hi)
                    }
                    _ => true,
                },
                _ => true,
            };
            if keep {
                out.push(i);
            }
        }
        Ok(out)
    }

    /// Rows in row group `rg`.
    pub(crate) fn row_group_rows(&self, rg: usize) -> Result<usize> {
        Ok(self.reader_meta()?.0.metadata().row_group(rg).num_rows() as usize)
    }

    /// A reader over `row_groups` (all when `None`) for the given field indices.
    pub(crate) fn read(
        &self,
        fields: &[usize],
        row_groups: Option<Vec<usize>>,
        selection: Option<RowSelection>,
        batch_size: usize,
    ) -> Result<ParquetRecordBatchReader> {
        let (meta, _) = self.reader_meta()?;
        let file = self.open_file()?;
        let mask = ProjectionMask::roots(meta.parquet_schema(), fields.iter().copied());
        let mut b = ParquetRecordBatchReaderBuilder::new_with_metadata(file, meta.clone())
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

    /// Finds the version of `key` in this segment, reading as little as possible:
    /// key range, then row-group statistics and bloom filter, then only the page that
    /// can hold the key (page index), then a binary search in it.
    pub(crate) fn lookup(&self, key: &[u8]) -> Result<Option<Found>> {
        if key < self.meta.min_key.as_slice() || key > self.meta.max_key.as_slice() {
            return Ok(None);
        }
        for rg in self.row_groups_with(key)? {
            if let Some(Some(bloom)) = self.blooms()?.get(rg)
                && !bloom.check(key)
            {
                continue;
            }
            if let Some(found) = self.lookup_in_row_group(rg, key)? {
                return Ok(Some(found));
            }
        }
        Ok(None)
    }

    fn lookup_in_row_group(&self, rg: usize, key: &[u8]) -> Result<Option<Found>> {
        let (meta, cols) = self.reader_meta()?;
        let md = meta.metadata();
        let rows = md.row_group(rg).num_rows() as usize;
        // Narrow to the page whose key range holds the key, if the page index is there.
        let page_index = md.page_index_for_row_group(rg);
        let mut selection = None;
        let mut selected = rows;
        if let (Some(ColumnIndexMetaData::BYTE_ARRAY(ci)), Some(oi)) = (
            page_index.column_index(cols.key),
            page_index.offset_index(cols.key),
        ) {
            let locs = oi.page_locations();
            let page = (0..locs.len()).find(|&p| {
                matches!((ci.min_value(p), ci.max_value(p)), (Some(lo), Some(hi)) if lo <= key && key <= hi)
            });
            let Some(p) = page else {
                return Ok(None);
            };
            let first = locs[p].first_row_index as usize;
            let end = locs
                .get(p + 1)
                .map(|l| l.first_row_index as usize)
                .unwrap_or(rows);
            selected = end - first;
            selection = Some(RowSelection::from(vec![
                RowSelector::skip(first),
                RowSelector::select(end - first),
                RowSelector::skip(rows - end),
            ]));
        }
        let all: Vec<usize> = (0..meta.schema().fields().len()).collect();
        let reader = self.read(&all, Some(vec![rg]), selection, selected.max(1))?;
        for batch in reader {
            let batch = batch?;
            let keys = batch.column(cols.key).as_binary::<i32>();
            // Keys are sorted within a segment: binary search.
            let (mut lo, mut hi) = (0usize, keys.len());
            while lo < hi {
                let mid = (lo + hi) / 2;
                if keys.value(mid) < key {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            if lo < keys.len() && keys.value(lo) == key {
                let deleted = batch.column(cols.deleted).as_boolean().value(lo);
                return Ok(Some(Found {
                    deleted,
                    row: batch.slice(lo, 1),
                }));
            }
        }
        Ok(None)
    }
}

impl Drop for Segment {
    fn drop(&mut self) {
        if self.obsolete.load(Ordering::SeqCst) {
            // Best effort: a file left behind is removed at the next open, because no
            // manifest names it.
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Shared handle type.
pub(crate) type SegmentRef = Arc<Segment>;
