//! Opening a data directory: the format check, RocksDB with its column families, the
//! catalog load, and recovery of interrupted work.
//!
//! ```text
//! <dir>/FORMAT                 "kalavar-storage <version>"
//! <dir>/hot/                   RocksDB: column families `catalog` and `hot`
//! <dir>/load/                  bulk-load table files until their ingestion
//! <dir>/cold/t<table>/<part>/  Parquet segments and manifest.json per partition
//! ```

use std::path::Path;
use std::sync::Arc;

use rocksdb::{
    BlockBasedOptions, BlockBasedTablePinningTier, Cache, ColumnFamilyDescriptor, DB,
    DBCompressionType, DataBlockIndexType, Options,
};

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, RwLock};

use rocksdb::IteratorMode;

use super::handle::{CommitState, Engine, Inner};
use crate::catalog::{CATALOG_CF, Catalog};
use crate::catalog::{TableKind, UserId, read_u64};
use crate::cold::PartitionId;
use crate::cold::layout;
use crate::cold::partition::{Partitions, load_partition_dir};
use crate::encoding::value;
use crate::error::{Result, StorageError};
use crate::options::{Durability, EngineOptions};

/// The on-disk format this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;
const FORMAT_FILE: &str = "FORMAT";
/// Name of the column family holding row versions.
pub(crate) const HOT_CF: &str = "hot";

/// Checks `dir`'s `FORMAT` file, or writes it when `dir` is empty. Returns whether
/// the directory was initialised before (its `FORMAT` was there).
fn check_format(dir: &Path) -> Result<bool> {
    let path = dir.join(FORMAT_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let version = text
                .trim()
                .strip_prefix("kalavar-storage ")
                .and_then(|v| v.parse::<u32>().ok())
                .ok_or_else(|| {
                    StorageError::UnsupportedFormat(format!(
                        "{} does not name a Kalavar storage format (found {:?})",
                        path.display(),
                        text.trim()
                    ))
                })?;
            if version != FORMAT_VERSION {
                return Err(StorageError::UnsupportedFormat(format!(
                    "data directory {} has format version {version}; this build reads \
                     version {FORMAT_VERSION} only",
                    dir.display()
                )));
            }
            Ok(true)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let non_empty = std::fs::read_dir(dir)
                .map_err(|e| StorageError::io(dir, e))?
                .next()
                .is_some();
            if non_empty {
                return Err(StorageError::UnsupportedFormat(format!(
                    "{} is not empty and has no {FORMAT_FILE} file: not a Kalavar data directory",
                    dir.display()
                )));
            }
            crate::util::write_atomic(
                &path,
                format!("kalavar-storage {FORMAT_VERSION}\n").as_bytes(),
            )?;
            Ok(false)
        }
        Err(e) => Err(StorageError::io(&path, e)),
    }
}

pub(crate) fn rocks_options(o: &EngineOptions) -> (Options, Options, Options) {
    let mut db = Options::default();
    db.create_if_missing(true);
    db.create_missing_column_families(true);
    db.set_max_background_jobs(2);
    db.set_keep_log_file_num(3);
    db.set_max_total_wal_size(256 << 20);
    // Logs no longer needed are kept and written again from their start (see
    // `wal.rs`); RocksDB's default recovery mode (point in time) allows it.
    db.set_recycle_log_file_num(super::wal::RECYCLED_LOGS);
    // Every commit also writes the catalog column family (the sequence and row-id
    // high-water marks), so a log is needed until *both* memtables it fed are
    // flushed. Flushing them together when the hot memtable fills frees the old log
    // at once, for the next switch to recycle; otherwise logs would wait for the
    // small catalog memtable to fill or for `max_total_wal_size`, and most switches
    // would start a fresh log.
    db.set_atomic_flush(true);
    let cache = Cache::new_lru_cache(o.block_cache_bytes);
    let mut table = BlockBasedOptions::default();
    table.set_block_cache(&cache);
    table.set_bloom_filter(10.0, false);
    table.set_cache_index_and_filter_blocks(true);
    table.set_pin_l0_filter_and_index_blocks_in_cache(true);
    // Point gets: every table file's index and filter stay pinned in the block cache
    // (still charged to it), so a get looks up only its data block there rather than
    // three blocks; and a hash index in each data block finds the key without the
    // binary search over restart points.
    table.set_unpartitioned_pinning_tier(BlockBasedTablePinningTier::All);
    table.set_data_block_index_type(DataBlockIndexType::BinaryAndHash);
    table.set_data_block_hash_ratio(0.75);
    let mut hot = Options::default();
    hot.set_block_based_table_factory(&table);
    hot.set_write_buffer_size(o.write_buffer_bytes);
    hot.set_max_write_buffer_number(3);
    // A bloom filter over whole keys in each memtable: a point get of a key that is
    // not hot (every cold lookup starts with one), and the uniqueness check of an
    // insert or a load (a multi-get of keys that mostly do not exist), skip the
    // skiplist search. RocksDB maintains it with the memtable, so it is exact under
    // concurrent writes.
    hot.set_memtable_prefix_bloom_ratio(0.02);
    hot.set_memtable_whole_key_filtering(true);
    // Hot SST blocks stay uncompressed at every level: the hot tier is small (it is
    // flushed to Parquet by row count, age and memory), and a scan that does not fill
    // the block cache would otherwise decompress every block it reads, every time
    // (zstd was a sixth of a hot aggregate's time).
    hot.set_compression_type(DBCompressionType::None);
    hot.set_bottommost_compression_type(DBCompressionType::None);
    hot.set_level_compaction_dynamic_level_bytes(true);
    let mut catalog = Options::default();
    catalog.set_block_based_table_factory(&table);
    catalog.set_write_buffer_size(4 << 20);
    (db, hot, catalog)
}

impl Engine {
    /// Opens (or creates) the data directory `dir`. Refuses a directory whose format
    /// version this build does not know, naming the version found.
    pub fn open(dir: impl AsRef<Path>, options: EngineOptions) -> Result<Engine> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| StorageError::io(&dir, e))?;
        let initialised = check_format(&dir)?;
        let (db_opts, hot_opts, cat_opts) = rocks_options(&options);
        let hot_dir = dir.join("hot");
        // An initialised directory without its hot tier (which holds the catalog) is
        // damaged: starting afresh would take every cold file for an orphan.
        // (A first open that stopped between writing FORMAT and creating the hot tier
        // left nothing else, and may go on.)
        let only_format = || -> Result<bool> {
            let mut names = std::fs::read_dir(&dir).map_err(|e| StorageError::io(&dir, e))?;
            Ok(names.all(|e| {
                e.is_ok_and(|e| {
                    e.file_name() == FORMAT_FILE
                        || (e.file_name() == "hot"
                            && std::fs::read_dir(e.path()).is_ok_and(|mut d| d.next().is_none()))
                })
            }))
        };
        if initialised && !hot_dir.join("CURRENT").exists() && !only_format()? {
            return Err(StorageError::corrupt(format!(
                "{} is missing or has no CURRENT file, but {} says this directory was \
                 initialised: the hot tier and catalog are gone; restore them from a \
                 backup (nothing was changed)",
                hot_dir.display(),
                dir.join(FORMAT_FILE).display()
            )));
        }
        let db = DB::open_cf_descriptors(
            &db_opts,
            &hot_dir,
            [
                ColumnFamilyDescriptor::new(CATALOG_CF, cat_opts),
                ColumnFamilyDescriptor::new(HOT_CF, hot_opts),
            ],
        )
        .map_err(|e| {
            let text = e.to_string();
            if text.contains("/LOCK") || text.contains("While lock file") {
                StorageError::Locked(hot_dir.clone())
            } else {
                StorageError::from(e)
            }
        })?;
        if options.durability == Durability::Sync {
            let bytes = options.wal_prefill_bytes.min(options.write_buffer_bytes);
            super::wal::prime(&db, &hot_dir, bytes)?;
        }
        // Only now, holding RocksDB's lock: no other process loads into this directory.
        super::ingest::remove_stale_load_files(&dir)?;
        let (snapshot, pending) = crate::catalog::load_catalog(&db)?;
        let last_seq = read_u64(&db, "seq")?.unwrap_or(0);
        let next_row_id = read_u64(&db, "rowid")?.unwrap_or(1).max(1);
        let inner = Inner {
            dir,
            db,
            catalog: Catalog::new(snapshot),
            partitions: Partitions::default(),
            segment_cache: crate::cold::cache::SegmentCache::new(
                options.segment_cache_bytes,
                options.max_open_segments,
            ),
            commit: Mutex::new(CommitState { last_seq }),
            view_lock: RwLock::new(()),
            next_row_id: AtomicU64::new(next_row_id),
            counters: Default::default(),
            hot_scan_cache: crate::scan::hot_cache::HotScanCache::new(options.hot_scan_cache_bytes),
            get_options: rocksdb::ReadOptions::default(),
            options,
        };
        let engine = Engine {
            inner: Arc::new(inner),
        };
        for (n, work) in pending {
            engine.inner.run_pending(n, &work)?;
        }
        let max_cold_seq = engine.inner.load_cold()?;
        let max_hot_seq = engine.inner.count_hot()?;
        let mut state = engine.inner.commit.lock().expect("commit lock");
        state.last_seq = state.last_seq.max(max_cold_seq).max(max_hot_seq);
        drop(state);
        Ok(engine)
    }
}

impl Inner {
    /// Loads every partition's manifest, removing directories of tables and users that
    /// no longer exist and files no manifest names. Returns the highest cold sequence.
    fn load_cold(&self) -> Result<u64> {
        let root = layout::cold_root(&self.dir);
        let cat = self.catalog.snapshot();
        let mut max_seq = 0;
        let tables = match std::fs::read_dir(&root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
            Err(e) => return Err(StorageError::io(&root, e)),
        };
        for t in tables {
            let t = t.map_err(|e| StorageError::io(&root, e))?;
            let path = t.path();
            let name = t.file_name().to_string_lossy().into_owned();
            let table = layout::parse_table_dir(&name).and_then(|id| cat.table(id).cloned());
            let Some(def) = table else {
                std::fs::remove_dir_all(&path).map_err(|e| StorageError::io(&path, e))?;
                continue;
            };
            for p in std::fs::read_dir(&path).map_err(|e| StorageError::io(&path, e))? {
                let p = p.map_err(|e| StorageError::io(&path, e))?;
                let pdir = p.path();
                let owner = layout::parse_partition_dir(&p.file_name().to_string_lossy());
                let valid = match (def.kind, owner) {
                    (TableKind::User, Some(Some(u))) => cat.user(u).is_some(),
                    (TableKind::Shared, Some(None)) => true,
                    _ => false,
                };
                if !valid {
                    std::fs::remove_dir_all(&pdir).map_err(|e| StorageError::io(&pdir, e))?;
                    continue;
                }
                let id = PartitionId {
                    table: def.id,
                    owner: owner.expect("valid"),
                };
                if let Some(view) =
                    load_partition_dir(&pdir, id, self.fsync(), &self.segment_cache)?
                {
                    max_seq = view
                        .segments
                        .iter()
                        .map(|s| s.meta.max_seq)
                        .fold(max_seq, u64::max);
                    self.partitions.insert_loaded(id, pdir, view);
                }
            }
        }
        Ok(max_seq)
    }

    /// Counts hot rows, bytes and the oldest write per partition (for flush policies).
    /// Returns the highest hot sequence.
    fn count_hot(&self) -> Result<u64> {
        let cat = self.catalog.snapshot();
        let cf = self.db.cf_handle(HOT_CF).expect("hot cf");
        let mut acc: HashMap<PartitionId, (i64, i64, i64)> = HashMap::new();
        let mut max_seq = 0;
        for item in self.db.iterator_cf(cf, IteratorMode::Start) {
            let (k, v) = item?;
            if k.len() < 8 {
                return Err(StorageError::corrupt("hot key shorter than a table id"));
            }
            let table = crate::catalog::TableId(u64::from_be_bytes(k[..8].try_into().expect("8")));
            let Some(def) = cat.table(table) else {
                continue;
            };
            let owner = if def.kind == TableKind::User {
                if k.len() < 16 {
                    return Err(StorageError::corrupt(
                        "user-table key shorter than its owner",
                    ));
                }
                Some(UserId(u64::from_be_bytes(k[8..16].try_into().expect("8"))))
            } else {
                None
            };
            let hv = value::decode(&v)?;
            max_seq = max_seq.max(hv.seq);
            let e = acc
                .entry(PartitionId { table, owner })
                .or_insert((0, 0, i64::MAX));
            e.0 += 1;
            e.1 += (k.len() + v.len()) as i64;
            e.2 = e.2.min(hv.written_at_us);
        }
        for (id, (rows, bytes, oldest)) in acc {
            let p = self.partition(id);
            p.hot_rows.store(rows, Ordering::Relaxed);
            p.hot_bytes.store(bytes, Ordering::Relaxed);
            p.oldest_hot_us.store(oldest, Ordering::Relaxed);
        }
        Ok(max_seq)
    }
}
