//! Compaction: rewriting all segments of a partition into one, keeping only the newest
//! version of each key and dropping tombstones (nothing older remains for them to hide).
//!
//! 1. Under the partition's work lock (no flush runs meanwhile), stream a k-way merge
//!    by key of all segments ([`crate::scan::merge`]) into a new segment: memory stays
//!    within `EngineOptions::merge_memory_bytes` for the merge's runs, plus one row
//!    group being read per segment and the row group being written.
//! 2. Fsync the new segment (`compact.segment_written`).
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
use crate::cold::segment_writer::{SegmentWriter, segment_schema};
use crate::encoding::key::{partition_prefix, prefix_successor};
use crate::error::Result;
use crate::scan::merge::{Merge, MergeRules, SortedSource};
use crate::scan::sources::SegmentSource;
use crate::util::write_atomic_steps;

/// Rows per batch handed from the merge to the segment writer.
const COMPACT_BATCH_ROWS: usize = 8192;

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
        let cols: Vec<_> = def.columns.iter().map(|c| c.id).collect();
        let mut sources: Vec<Box<dyn SortedSource>> = Vec::with_capacity(n);
        for seg in &view.segments {
            let l = seg.loaded()?;
            let rgs = (0..l.reader_meta.metadata().num_row_groups()).collect();
            sources.push(Box::new(SegmentSource::new(def, &cols, seg.clone(), rgs)?));
        }
        let lo = partition_prefix(part.id.table, part.id.owner);
        let hi = prefix_successor(&lo);
        let mut merge = Merge::new(
            sources,
            MergeRules {
                lo,
                hi,
                budget: self.options.merge_memory_bytes,
            },
        );
        let mut manifest = view.manifest.clone();
        let id = manifest.next_segment;
        let path = part.dir.join(layout::segment_file(id));
        let mut writer = SegmentWriter::create(&path, id, def, &self.options.segments)?;
        let schema = segment_schema(def);
        let streamed = (|| -> Result<()> {
            while let Some(m) = merge.next_batch(COMPACT_BATCH_ROWS)? {
                let rows = m.rows();
                let mut arrays: Vec<ArrayRef> = m.arrays;
                arrays.push(m.keys);
                arrays.push(m.seqs.expect("segments carry sequence numbers"));
                arrays.push(Arc::new(BooleanArray::from(vec![false; rows])));
                writer.write(&RecordBatch::try_new(schema.clone(), arrays)?)?;
            }
            Ok(())
        })();
        if let Err(e) = streamed {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
        let rows_after = writer.rows();
        let mut segments = Vec::new();
        if let Some(meta) = writer.finish(self.fsync())? {
            crate::util::sync_dir(&part.dir, self.fsync())?;
            self.failpoint("compact.segment_written");
            manifest.next_segment += 1;
            manifest.segments = vec![meta.clone()];
            segments.push(Arc::new(Segment::new(meta, path, &self.segment_cache)));
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
