//! Flush: moving a partition's hot versions to a new Parquet segment.
//!
//! 1. Under the partition's work lock, read every hot version of the partition at one
//!    RocksDB snapshot, sorted by key — tombstones included: a tombstone whose older
//!    version sits in a segment must keep hiding it after the flush (it is dropped only
//!    when the partition has no segment at all).
//! 2. Write `seg-N.parquet` and fsync it (`flush.segment_written`).
//! 3. Swap `manifest.json` atomically (`flush.manifest.tmp_written`, `…tmp_synced`,
//!    `…renamed`, `…dir_synced`).
//! 4. Under the commit lock and the exclusive view lock, delete exactly the hot
//!    versions written out (a key rewritten since step 1 keeps its newer version) and
//!    publish the new cold view (`flush.hot_deleted`).
//!
//! A crash before 3 leaves an unnamed segment file, removed at the next open; a crash
//! between 3 and 4 leaves the same versions hot and cold, and hot wins (same content).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use arrow_array::{ArrayRef, BinaryArray, BooleanArray, RecordBatch, UInt64Array};
use rocksdb::{IteratorMode, ReadOptions, WriteBatch, WriteOptions};

use super::handle::Inner;
use super::open::HOT_CF;
use crate::catalog::{TableDef, TableKind};
use crate::cold::PartitionId;
use crate::cold::layout;
use crate::cold::partition::{ColdView, Partition};
use crate::cold::segment::Segment;
use crate::cold::segment_writer::{segment_schema, write_segment};
use crate::encoding::column::ColumnBuilder;
use crate::encoding::key::{partition_prefix, prefix_successor};
use crate::encoding::row::RowDecoder;
use crate::encoding::value;
use crate::error::{Result, StorageError};
use crate::options::Durability;
use crate::util::write_atomic_steps;

/// What one flush did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlushReport {
    pub partition: PartitionId,
    /// Hot versions written out (rows and tombstones).
    pub versions: u64,
    /// The new segment's file name (`None` when only droppable tombstones were hot).
    pub segment: Option<String>,
}

impl Inner {
    /// Flushes one partition; `None` when it had nothing hot.
    pub(crate) fn flush_partition(
        &self,
        def: &TableDef,
        part: &Arc<Partition>,
    ) -> Result<Option<FlushReport>> {
        if def.kind == TableKind::Stream {
            return Ok(None);
        }
        let _work = part.work.lock().expect("partition work lock");
        let view = part.view();
        let prefix = partition_prefix(part.id.table, part.id.owner);
        let end = prefix_successor(&prefix).expect("prefix starts with a table id");
        let cf = self.db.cf_handle(HOT_CF).expect("hot cf");
        let cols: Vec<_> = def.columns.iter().map(|c| c.id).collect();
        let mut decoder = RowDecoder::new(def, &cols);
        let mut builders: Vec<ColumnBuilder> = def
            .columns
            .iter()
            .map(|c| ColumnBuilder::new(&c.data_type, 1024))
            .collect();
        let mut keys: Vec<Vec<u8>> = Vec::new();
        let mut seqs: Vec<u64> = Vec::new();
        let mut deleted: Vec<bool> = Vec::new();
        // (key, seq) of every version read, to delete exactly those afterwards.
        let mut written: Vec<(Vec<u8>, u64)> = Vec::new();
        let keep_tombstones = !view.segments.is_empty();
        {
            let snapshot = self.db.snapshot();
            let mut ro = ReadOptions::default();
            ro.set_iterate_upper_bound(end.clone());
            ro.fill_cache(false);
            for item in snapshot.iterator_cf_opt(
                cf,
                ro,
                IteratorMode::From(&prefix, rocksdb::Direction::Forward),
            ) {
                let (k, v) = item?;
                let hv = value::decode(&v)?;
                written.push((k.to_vec(), hv.seq));
                if hv.tombstone {
                    if !keep_tombstones {
                        continue;
                    }
                    for b in builders.iter_mut() {
                        b.append_null();
                    }
                } else {
                    decoder.decode(hv.row, &mut builders)?;
                }
                keys.push(k.to_vec());
                seqs.push(hv.seq);
                deleted.push(hv.tombstone);
            }
        }
        if written.is_empty() {
            return Ok(None);
        }
        let mut manifest = view.manifest.clone();
        let mut segment = None;
        let mut new_segments = view.segments.clone();
        if !keys.is_empty() {
            let mut arrays: Vec<ArrayRef> = builders.into_iter().map(|b| b.finish()).collect();
            arrays.push(Arc::new(BinaryArray::from_iter_values(keys.iter())));
            arrays.push(Arc::new(UInt64Array::from(seqs)));
            arrays.push(Arc::new(BooleanArray::from(deleted)));
            let batch = RecordBatch::try_new(segment_schema(def), arrays)?;
            if !part.dir.exists() {
                // A new partition directory: make its creation durable up to the root.
                std::fs::create_dir_all(&part.dir).map_err(|e| StorageError::io(&part.dir, e))?;
                let mut dir = part.dir.as_path();
                while let Some(parent) = dir.parent() {
                    crate::util::sync_dir(parent, self.fsync())?;
                    if parent == self.dir {
                        break;
                    }
                    dir = parent;
                }
            }
            let id = manifest.next_segment;
            let name = layout::segment_file(id);
            let path = part.dir.join(&name);
            let meta = write_segment(&path, id, def, &batch, &self.options.segments, self.fsync())
                .inspect_err(|_| {
                    // Best effort: a file left behind is removed at the next open.
                    let _ = std::fs::remove_file(&path);
                })?;
            crate::util::sync_dir(&part.dir, self.fsync())?;
            self.failpoint("flush.segment_written");
            manifest.next_segment += 1;
            manifest.segments.push(meta.clone());
            new_segments.push(Arc::new(Segment::new(meta, path)));
            segment = Some(name);
        }
        if segment.is_some() {
            manifest.version += 1;
            write_atomic_steps(
                &part.dir.join(layout::MANIFEST),
                &manifest.to_bytes(),
                self.fsync(),
                |s| self.failpoint(&format!("flush.manifest.{s}")),
            )?;
        }
        let versions = written.len() as u64;
        let mut removed_bytes = 0i64;
        {
            let _commit = self.commit.lock().expect("commit lock");
            let _view = self.view_lock.write().expect("view lock");
            let mut batch = WriteBatch::default();
            let current = self
                .db
                .batched_multi_get_cf(cf, written.iter().map(|(k, _)| k), true);
            for ((k, seq), now) in written.iter().zip(current) {
                if let Some(v) = now?
                    && value::decode(&v)?.seq == *seq
                {
                    removed_bytes += (k.len() + v.len()) as i64;
                    batch.delete_cf(cf, k);
                }
            }
            let mut wo = WriteOptions::default();
            wo.set_sync(self.options.durability == Durability::Sync);
            self.db.write_opt(batch, &wo)?;
            part.install(ColdView {
                manifest,
                segments: new_segments,
            });
        }
        self.failpoint("flush.hot_deleted");
        part.hot_rows.fetch_sub(versions as i64, Ordering::Relaxed);
        part.hot_bytes.fetch_sub(removed_bytes, Ordering::Relaxed);
        if part.hot_rows.load(Ordering::Relaxed) <= 0 {
            part.hot_rows.store(0, Ordering::Relaxed);
            part.hot_bytes.store(0, Ordering::Relaxed);
            part.oldest_hot_us.store(0, Ordering::Relaxed);
        } else {
            part.oldest_hot_us
                .store(crate::util::now_us(), Ordering::Relaxed);
        }
        part.flushes.fetch_add(1, Ordering::Relaxed);
        self.counters.flushes.fetch_add(1, Ordering::Relaxed);
        self.counters
            .flushed_rows
            .fetch_add(versions, Ordering::Relaxed);
        Ok(Some(FlushReport {
            partition: part.id,
            versions,
            segment,
        }))
    }
}
