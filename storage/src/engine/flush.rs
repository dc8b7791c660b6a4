//! Flush: moving a partition's hot versions to a new Parquet segment.
//!
//! 1. Under the partition's work lock, read every hot version of the partition at one
//!    RocksDB snapshot, sorted by key — tombstones included: a tombstone whose older
//!    version sits in a segment must keep hiding it after the flush (it is dropped only
//!    when the partition has no segment at all).
//! 2. Write `seg-N.parquet` as the versions stream out of RocksDB (a batch of 8,192
//!    rows and the segment writer's current row group in memory, plus the keys and
//!    sequence numbers written), and fsync it (`flush.segment_written`).
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
use crate::cold::segment_writer::{SegmentWriter, segment_schema};
use crate::encoding::column::ColumnBuilder;
use crate::encoding::key::{partition_prefix, prefix_successor};
use crate::encoding::row::RowDecoder;
use crate::encoding::value;
use crate::error::{Result, StorageError};
use crate::options::Durability;
use crate::scan::hot_cache::Scope;
use crate::util::write_atomic_steps;

/// A flush that deletes at least this many hot versions compacts the partition's hot
/// range afterwards, so scans do not step over their tombstones.
const COMPACT_AFTER_VERSIONS: u64 = 10_000;

/// What one flush did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlushReport {
    pub partition: PartitionId,
    /// Hot versions written out (rows and tombstones).
    pub versions: u64,
    /// The new segment's file name (`None` when only droppable tombstones were hot).
    pub segment: Option<String>,
}

/// Rows a flush decodes before handing them to the segment writer.
const FLUSH_BATCH_ROWS: usize = 8192;

/// Hot versions decoded for the segment writer, a batch at a time.
struct FlushChunk<'a> {
    def: &'a TableDef,
    builders: Vec<ColumnBuilder>,
    keys: Vec<Vec<u8>>,
    seqs: Vec<u64>,
    deleted: Vec<bool>,
}

impl<'a> FlushChunk<'a> {
    fn new(def: &'a TableDef) -> FlushChunk<'a> {
        FlushChunk {
            def,
            builders: def
                .columns
                .iter()
                .map(|c| ColumnBuilder::new(&c.data_type, 1024))
                .collect(),
            keys: Vec::new(),
            seqs: Vec::new(),
            deleted: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        self.keys.len()
    }

    fn push(
        &mut self,
        key: &[u8],
        seq: u64,
        tombstone: bool,
        row: &[u8],
        dec: &mut RowDecoder,
    ) -> Result<()> {
        if tombstone {
            // Tombstones are all-null rows.
            for b in self.builders.iter_mut() {
                b.append_null();
            }
        } else {
            dec.decode(row, &mut self.builders)?;
        }
        self.keys.push(key.to_vec());
        self.seqs.push(seq);
        self.deleted.push(tombstone);
        Ok(())
    }

    /// The batch so far, in the segment schema; the chunk starts over.
    fn take(&mut self) -> Result<RecordBatch> {
        let fresh = FlushChunk::new(self.def);
        let old = std::mem::replace(self, fresh);
        let mut arrays: Vec<ArrayRef> = old.builders.into_iter().map(|b| b.finish()).collect();
        arrays.push(Arc::new(BinaryArray::from_iter_values(old.keys.iter())));
        arrays.push(Arc::new(UInt64Array::from(old.seqs)));
        arrays.push(Arc::new(BooleanArray::from(old.deleted)));
        Ok(RecordBatch::try_new(segment_schema(self.def), arrays)?)
    }
}

impl Inner {
    /// Writes a flush chunk, creating the partition directory and the segment file on
    /// the first one.
    fn write_chunk(
        &self,
        def: &TableDef,
        part: &Partition,
        id: u64,
        path: &std::path::Path,
        writer: &mut Option<SegmentWriter>,
        chunk: &mut FlushChunk<'_>,
    ) -> Result<()> {
        if writer.is_none() {
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
            *writer = Some(SegmentWriter::create(
                path,
                id,
                def,
                &self.options.segments,
            )?);
        }
        let batch = chunk.take()?;
        writer.as_mut().expect("created above").write(&batch)
    }

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
        let mut chunk = FlushChunk::new(def);
        let mut decoder = RowDecoder::new(def, &cols);
        // (key, seq) of every version read, to delete exactly those afterwards.
        let mut written: Vec<(Vec<u8>, u64)> = Vec::new();
        let keep_tombstones = !view.segments.is_empty();
        let mut manifest = view.manifest.clone();
        let id = manifest.next_segment;
        let name = layout::segment_file(id);
        let path = part.dir.join(&name);
        let mut writer: Option<SegmentWriter> = None;
        let streamed = (|| -> Result<()> {
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
                if hv.tombstone && !keep_tombstones {
                    continue;
                }
                chunk.push(&k, hv.seq, hv.tombstone, hv.row, &mut decoder)?;
                if chunk.len() >= FLUSH_BATCH_ROWS {
                    self.write_chunk(def, part, id, &path, &mut writer, &mut chunk)?;
                }
            }
            if chunk.len() > 0 {
                self.write_chunk(def, part, id, &path, &mut writer, &mut chunk)?;
            }
            Ok(())
        })();
        if let Err(e) = streamed {
            if writer.take().is_some() {
                // Best effort: a file left behind is removed at the next open.
                let _ = std::fs::remove_file(&path);
            }
            return Err(e);
        }
        if written.is_empty() {
            return Ok(None);
        }
        let mut segment = None;
        let mut new_segments = view.segments.clone();
        if let Some(w) = writer {
            let meta = w.finish(self.fsync())?.expect("rows were written");
            crate::util::sync_dir(&part.dir, self.fsync())?;
            self.failpoint("flush.segment_written");
            manifest.next_segment += 1;
            manifest.segments.push(meta.clone());
            new_segments.push(Arc::new(Segment::new(meta, path, &self.segment_cache)));
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
            // The partition's cached hot scans go with the versions removed.
            let _cached = self.hot_scan_cache.begin(Scope::Parts(vec![part.id]));
            self.db.write_opt(batch, &wo)?;
            part.install(ColdView {
                manifest,
                segments: new_segments,
            });
        }
        self.failpoint("flush.hot_deleted");
        if versions >= COMPACT_AFTER_VERSIONS {
            // Every deleted version leaves a RocksDB tombstone that each later scan
            // of the partition steps over until a compaction drops it: after a
            // million-row flush, reading the (empty) hot tier took longer than the
            // cold segment. Compacting the partition's range drops them now.
            self.db.compact_range_cf(cf, Some(&prefix), Some(&end));
        }
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
