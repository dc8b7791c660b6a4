//! [`EngineOptions`]: durability, memory, caches, segment shape and limits, with the
//! defaults a server gets when it sets nothing.

/// When a commit is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// After the write-ahead log is fsynced (the default): an acknowledged write
    /// survives a power cut.
    Sync,
    /// After the write reaches the OS (WAL written, not fsynced): survives a process
    /// crash, not a power cut; roughly 100× lower commit latency on a disk with 3 ms
    /// fsyncs.
    NoSync,
}

/// Documented size limits; requests past them fail with `S122` before anything is
/// written.
#[derive(Debug, Clone, PartialEq)]
pub struct Limits {
    /// Largest encoded row (all columns), bytes. Default 1 MiB.
    pub max_row_bytes: usize,
    /// Largest encoded primary key, bytes. Default 4 KiB.
    pub max_key_bytes: usize,
    /// Most rows in one record batch handed to `insert`/`upsert`/`update`. Default 100,000.
    pub max_batch_rows: usize,
    /// Most rows a transaction may write before it commits. Default 1,000,000.
    pub max_txn_rows: usize,
    /// Largest `batch_size` a scan may ask for. Default 65,536.
    pub max_scan_batch_rows: usize,
    /// Most constants in one `in` predicate. Default 10,000.
    pub max_in_list: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_row_bytes: 1 << 20,
            max_key_bytes: 4096,
            max_batch_rows: 100_000,
            max_txn_rows: 1_000_000,
            max_scan_batch_rows: 65_536,
            max_in_list: 10_000,
        }
    }
}

/// How segment pages are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SegmentCodec {
    /// No compression: the largest files, the cheapest reads.
    None,
    /// LZ4 (Parquet `LZ4_RAW`), the default: decompresses several times faster than
    /// zstd, which is what a cold point lookup mostly waits for, at about a third of
    /// zstd's compression on typical columns.
    Lz4,
    /// zstd at the given level (1–22): the smallest files; cold point lookups take
    /// about twice as long as with LZ4 (see `docs/benchmarks.md`).
    Zstd(i32),
}

/// Shape of the Parquet segments a flush or compaction writes.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentOptions {
    /// Rows per row group. Default 65,536.
    pub row_group_rows: usize,
    /// Rows per data page of the data columns; a cold point lookup decodes (part of)
    /// one page per column it returns. Default 512: measured against 1,024, cold point
    /// gets ran ≈ 25% faster; scans may be slightly slower (more pages), within the
    /// measurement noise (see `docs/benchmarks.md`).
    pub page_rows: usize,
    /// Rows per data page of the hidden `__key` column, which every cold point lookup
    /// decodes to find its row. Default 128.
    pub key_page_rows: usize,
    /// Page compression. Default [`SegmentCodec::Lz4`].
    pub codec: SegmentCodec,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            row_group_rows: 65_536,
            page_rows: 512,
            key_page_rows: 128,
            codec: SegmentCodec::Lz4,
        }
    }
}

/// Everything `Engine::open` takes.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    pub durability: Durability,
    /// Memory the engine may hold for the hot tier (memtables plus unflushed rows) and
    /// the segment cache, bytes; the memory manager flushes the largest partitions
    /// (and then trims the segment cache) before it is exceeded. Default 512 MiB.
    pub memory_budget_bytes: u64,
    /// RocksDB block cache, bytes. Default 128 MiB.
    pub block_cache_bytes: usize,
    /// RocksDB memtable size, bytes. Default 64 MiB.
    pub write_buffer_bytes: usize,
    pub segments: SegmentOptions,
    /// Memory for the segment cache: parsed footers and page indexes, bloom filters
    /// (see `docs/storage.md`). The least recently used segments' entries are dropped
    /// beyond it. Counts towards `memory_budget_bytes`. Default 64 MiB.
    pub segment_cache_bytes: u64,
    /// Segments kept open (one file handle each) by the segment cache. Default 512.
    pub max_open_segments: usize,
    /// Memory for the run buffers of one k-way merge (a compaction or an ordered
    /// scan), bytes: each source holds one run and the output one batch, sized so that
    /// together they fit. Default 64 MiB. See `docs/storage.md` for what else a merge
    /// holds.
    pub merge_memory_bytes: usize,
    /// Threads one scan of a range only the hot tier holds may read it with (the
    /// range is split by key once it holds more than 32,768 versions; see
    /// `docs/storage.md`). 1 reads every range on the calling thread. Default: the
    /// number of CPUs, at most 4.
    pub scan_threads: usize,
    /// Memory for the hot scan cache, bytes: the decoded columns of scans of at least
    /// 32,768 rows of ranges only the hot tier holds, valid until the next write to
    /// the database (see `docs/storage.md`). Not part of `memory_budget_bytes`. 0
    /// turns it off. Default 64 MiB.
    pub hot_scan_cache_bytes: usize,
    /// Filler written into the write-ahead log at open when commits are synced
    /// ([`Durability::Sync`]), bytes, at most `write_buffer_bytes` (the log is switched
    /// when a memtable fills, so more would never be reached). RocksDB reuses old logs
    /// (two are kept), and the filler makes the log in use at open, and the next one,
    /// recycled logs of at least this length: a durable commit's sync then overwrites
    /// blocks already written, instead of growing the file (about 1.5× cheaper on
    /// ext4; see `docs/storage.md`). Costs twice this much writing at each open and up
    /// to twice this much disk. 0 turns it off. Default 64 MiB.
    pub wal_prefill_bytes: usize,
    /// The flush policy [`crate::Engine::default_table_options`] hands out for new
    /// tables (each table keeps its own copy; change one with `AlterTable::SetOptions`).
    pub flush_defaults: crate::catalog::FlushPolicy,
    pub limits: Limits,
    /// Test hook: the name of a step (see `docs/storage.md`, "Failpoints") at which the
    /// process aborts, to test crash recovery, or `error:STEP` for a step that fails
    /// with an error instead (`error:commit.write`: every commit's write fails, as
    /// one the disk refused would). `None` in production.
    #[doc(hidden)]
    pub failpoint: Option<String>,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            durability: Durability::Sync,
            memory_budget_bytes: 512 << 20,
            block_cache_bytes: 128 << 20,
            write_buffer_bytes: 64 << 20,
            segments: SegmentOptions::default(),
            segment_cache_bytes: 64 << 20,
            max_open_segments: 512,
            merge_memory_bytes: 64 << 20,
            scan_threads: std::thread::available_parallelism()
                .map(|n| n.get().min(4))
                .unwrap_or(1),
            hot_scan_cache_bytes: 64 << 20,
            wal_prefill_bytes: 64 << 20,
            flush_defaults: crate::catalog::FlushPolicy::default(),
            limits: Limits::default(),
            failpoint: None,
        }
    }
}
