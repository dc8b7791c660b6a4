//! Compaction: rewriting all segments of a partition into one, keeping only the newest
//! version of each key and dropping tombstones (nothing older remains for them to hide).
//!
//! 1. Under the partition's work lock (no flush runs meanwhile), decide versions over
//!    all segments with the same merge the scans use, read the live rows, sort by key.
//! 2. Write the new segment and fsync it (`compact.segment_written`).
//! 3. Swap the manifest (`compact.manifest.*`) and publish the view under the view lock
//!    (`compact.installed`). The replaced segments are marked obsolete: their files are
//!    deleted when the last running scan that holds them finishes (or, after a crash, at
//!    the next open, since no manifest names them).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use arrow_array::{ArrayRef, BooleanArray, RecordBatch};

use super::handle::Inner;
use crate::catalog::TableDef;
use crate::cold::PartitionId;
use crate::cold::layout;
use crate::cold::partition::{ColdView, Partition};
use crate::cold::segment::Segment;
use crate::cold::segment_writer::{segment_schema, write_segment};
use crate::error::Result;
use crate::scan::{ScanIter, ScanSpec};
use crate::util::write_atomic_steps;

/// What one compaction did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompactReport {
    pub partition: PartitionId,
    pub segments_before: usize,
    pub rows_before: u64,
    pub rows_after: u64,
}

impl Inner {
    /// Compacts a partition's segments into one; `None` when there is nothing to gain
    /// (fewer than two segments and no dead versions).
    pub(crate) fn compact_partition(
        self: &Arc<Self>,
        def: &TableDef,
        part: &Arc<Partition>,
    ) -> Result<Option<CompactReport>> {
        let _work = part.work.lock().expect("partition work lock");
        let view = part.view();
        let n = view.segments.len();
        if n == 0 || (n == 1 && view.segments[0].meta.tombstones == 0) {
            return Ok(None);
        }
        let rows_before: u64 = view.segments.iter().map(|s| s.meta.rows).sum();
        // The cold-only merge: a scan over this view alone, keys kept, sorted.
        let spec = ScanSpec::new(part.id.table, part.id.owner).ordered();
        let batch = ScanIter::cold_only(self, spec, def, view.clone())?;
        let mut manifest = view.manifest.clone();
        let mut segments = Vec::new();
        let rows_after = batch.as_ref().map(|b| b.0.num_rows() as u64).unwrap_or(0);
        if let Some((data, keys, seqs)) = batch {
            let mut arrays: Vec<ArrayRef> = data.columns().to_vec();
            arrays.push(keys);
            arrays.push(seqs);
            arrays.push(Arc::new(BooleanArray::from(vec![false; data.num_rows()])));
            let batch = RecordBatch::try_new(segment_schema(def), arrays)?;
            let id = manifest.next_segment;
            let path = part.dir.join(layout::segment_file(id));
            let meta = write_segment(&path, id, def, &batch, &self.options.segments, self.fsync())
                .inspect_err(|_| {
                    let _ = std::fs::remove_file(&path);
                })?;
            crate::util::sync_dir(&part.dir, self.fsync())?;
            self.failpoint("compact.segment_written");
            manifest.next_segment += 1;
            manifest.segments = vec![meta.clone()];
            segments.push(Arc::new(Segment::new(meta, path)));
        } else {
            manifest.segments.clear();
        }
        manifest.version += 1;
        write_atomic_steps(
            &part.dir.join(layout::MANIFEST),
            &manifest.to_bytes(),
            self.fsync(),
            |s| self.failpoint(&format!("compact.manifest.{s}")),
        )?;
        {
            let _view = self.view_lock.write().expect("view lock");
            part.install(ColdView { manifest, segments });
        }
        for s in &view.segments {
            s.mark_obsolete();
        }
        self.failpoint("compact.installed");
        part.compactions.fetch_add(1, Ordering::Relaxed);
        self.counters.compactions.fetch_add(1, Ordering::Relaxed);
        Ok(Some(CompactReport {
            partition: part.id,
            segments_before: n,
            rows_before,
            rows_after,
        }))
    }
}
