//! Writing a bulk load as one sorted table file ingested into the hot column family,
//! instead of a write batch through RocksDB's log and memtable.
//!
//! [`Inner::ingest_rows`] writes the load's rows, already sorted, checked and holding
//! their sequence numbers, with an `SstFileWriter` (the hot column family's table
//! format: same blocks and bloom filter, uncompressed) into `<dir>/load/` (the writer
//! syncs it), asks RocksDB to ingest it (`move_files`: a hard link, no copy), then has
//! it read back into the page cache (the writer dropped it). The ingestion is one
//! edit of RocksDB's version set, synced to its MANIFEST: the rows become visible and
//! durable together, or not at all; a reader's snapshot taken before does not see them
//! (RocksDB gives the file a sequence number above every snapshot). Nothing goes
//! through the log, the memtable or a later memtable flush.
//!
//! It is used only when the commits are synced (`Durability::Sync`: an ingestion
//! always syncs the file and the MANIFEST, which is dearer than an unsynced log
//! append), for loads of at least [`INGEST_MIN_ROWS`] rows, and when no hot key lies in
//! the load's key range (one iterator seek): a file overlapping the memtable would make
//! RocksDB flush the memtable first, and one overlapping hot files lands in level 0.
//! Files a crash left in `<dir>/load/` were never ingested; opening removes them.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rocksdb::{
    DBCompressionType, IngestExternalFileOptions, SstFileWriter, WriteBatch, WriteOptions,
};

use super::handle::Inner;
use super::open::{HOT_CF, rocks_options};
use crate::catalog::{CATALOG_CF, meta_key};
use crate::cold::PartitionId;
use crate::encoding::value;
use crate::error::{Result, StorageError};
use crate::scan::hot_cache::Scope;

/// Loads of fewer rows go through a write batch. An ingestion costs five syncs (the
/// file twice, the directory, the MANIFEST twice: 6–9.5 ms on the benchmark machine)
/// against the write batch's one, and leaves a table file per load; at 10,000 rows it
/// already saves a third of the CPU time for the same wall time.
pub(crate) const INGEST_MIN_ROWS: usize = 10_000;

/// Where load files are written before their ingestion, under the data directory.
const LOAD_DIR: &str = "load";

/// Distinguishes the files of concurrent loads.
static NEXT_FILE: AtomicU64 = AtomicU64::new(0);

/// Removes files of loads a crash interrupted before their ingestion (called at open,
/// before any load can run).
pub(crate) fn remove_stale_load_files(dir: &Path) -> Result<()> {
    let path = dir.join(LOAD_DIR);
    match std::fs::remove_dir_all(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StorageError::io(&path, e)),
    }
}

/// Removes the file when dropped (RocksDB unlinks it after a successful ingestion of
/// moved files; after a failure it is still there).
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

impl Inner {
    /// Whether the ingestion path suits a load of `rows` rows whose key range holds no
    /// hot key: synced commits and enough rows.
    pub(crate) fn ingest_suits(&self, rows: usize) -> bool {
        self.fsync() && rows >= INGEST_MIN_ROWS
    }

    /// Whether no hot key lies in `lo..=hi` (one iterator seek).
    pub(crate) fn hot_range_is_empty(&self, lo: &[u8], hi: &[u8]) -> Result<bool> {
        let cf = self.db.cf_handle(HOT_CF).expect("hot cf");
        let mut upper = hi.to_vec();
        upper.push(0);
        let mut ro = rocksdb::ReadOptions::default();
        ro.set_iterate_upper_bound(upper);
        ro.fill_cache(false);
        let mut it = self.db.raw_iterator_cf_opt(cf, ro);
        it.seek(lo);
        it.status()?;
        Ok(!it.valid())
    }

    /// Writes `rows` — (key, encoded row) in strictly ascending key order — as hot
    /// versions with sequence numbers `first_seq..` and write time `at`, by ingesting one
    /// table file. Called under the commit lock, with the engine's durable sequence and
    /// row-id counters written first when `hidden_key` (fresh row ids must never be
    /// handed out again after a crash). Returns the bytes written (keys and values).
    /// On error nothing is visible, now or after a restart.
    pub(crate) fn ingest_rows<'a>(
        &self,
        part: PartitionId,
        rows: impl ExactSizeIterator<Item = (&'a [u8], &'a [u8])>,
        first_seq: u64,
        at: i64,
        hidden_key: bool,
    ) -> Result<i64> {
        let last_seq = first_seq + rows.len() as u64 - 1;
        if hidden_key {
            self.write_counters(last_seq, true)?;
        }
        let dir = self.dir.join(LOAD_DIR);
        std::fs::create_dir_all(&dir).map_err(|e| StorageError::io(&dir, e))?;
        let file = TempFile(dir.join(format!("{}.sst", NEXT_FILE.fetch_add(1, Ordering::Relaxed))));
        let (_, mut hot_opts, _) = rocks_options(&self.options);
        // The writer would compress every block as for the bottommost level (Zstd: a
        // quarter of a load's CPU time); hot files are short-lived, and RocksDB
        // compresses them when a compaction rewrites them.
        hot_opts.set_bottommost_compression_type(DBCompressionType::None);
        let mut writer = SstFileWriter::create(&hot_opts);
        writer.open(&file.0)?;
        let mut buf = Vec::with_capacity(256);
        let mut bytes = 0i64;
        for (seq, (key, row)) in (first_seq..).zip(rows) {
            buf.clear();
            value::encode_into(false, seq, at, row, &mut buf);
            bytes += (key.len() + buf.len()) as i64;
            writer.put(key, &buf)?;
        }
        writer.finish()?;
        self.failpoint("load.file_written");
        // The writer told the kernel to drop the file from the page cache; the rows are
        // hot, about to be read (scans, lookups, the flush), so ask for them back
        // (asynchronous readahead) once the file is in. Opened before the ingestion
        // moves it; best effort.
        let readback = std::fs::File::open(&file.0).ok();
        let mut io = IngestExternalFileOptions::default();
        io.set_move_files(true);
        let cf = self.db.cf_handle(HOT_CF).expect("hot cf");
        // An ingested file whose keys overlap nothing may take no sequence number: the
        // partition's cached scans are dropped (and none is kept meanwhile).
        let guard = self.hot_scan_cache.begin(Scope::Parts(vec![part]));
        self.db
            .ingest_external_file_cf_opts(cf, &io, vec![&file.0])?;
        drop(guard);
        self.failpoint("load.ingested");
        drop(file);
        if let Some(f) = readback {
            use std::os::fd::AsRawFd;
            // SAFETY: a valid open descriptor; the call reads no memory of ours.
            unsafe { libc::posix_fadvise(f.as_raw_fd(), 0, 0, libc::POSIX_FADV_WILLNEED) };
        }
        self.counters.loads_ingested.fetch_add(1, Ordering::Relaxed);
        if !hidden_key {
            // Bookkeeping only: the ingested versions carry their sequence numbers, and
            // opening takes the highest one it finds, so this need not be synced.
            self.write_counters(last_seq, false)?;
        }
        Ok(bytes)
    }

    /// Writes the sequence and row-id counters (as every commit's write batch does).
    fn write_counters(&self, seq: u64, sync: bool) -> Result<()> {
        let cat_cf = self.db.cf_handle(CATALOG_CF).expect("catalog cf");
        let mut batch = WriteBatch::default();
        batch.put_cf(cat_cf, meta_key("seq"), seq.to_be_bytes());
        batch.put_cf(
            cat_cf,
            meta_key("rowid"),
            self.row_id_high_water().to_be_bytes(),
        );
        let mut wo = WriteOptions::default();
        wo.set_sync(sync);
        self.db.write_opt(batch, &wo)?;
        Ok(())
    }
}
