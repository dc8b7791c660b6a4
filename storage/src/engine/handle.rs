//! [`Engine`], the shared handle, and [`Inner`], the state behind it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use rocksdb::DB;

use crate::catalog::Catalog;
use crate::cold::cache::SegmentCache;
use crate::cold::partition::Partitions;
use crate::options::EngineOptions;

/// The storage engine. `Send + Sync`; clones share the same engine (put one in an
/// `Arc` or clone it freely).
#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

/// State guarded by the commit lock.
pub(crate) struct CommitState {
    /// Sequence number of the last committed version.
    pub last_seq: u64,
}

pub(crate) struct Inner {
    pub(crate) dir: PathBuf,
    pub(crate) options: EngineOptions,
    pub(crate) db: DB,
    pub(crate) catalog: Catalog,
    pub(crate) partitions: Partitions,
    /// Loaded segment state (metadata, bloom filters, open files), bounded.
    pub(crate) segment_cache: Arc<SegmentCache>,
    /// Serialises commit validation and writing, and flush's removal of hot versions.
    pub(crate) commit: Mutex<CommitState>,
    /// Readers take it shared while they pick up a RocksDB snapshot and a cold view;
    /// a flush takes it exclusively while it removes hot versions and installs the new
    /// view, so a reader never sees a row in neither tier (nor misses a tombstone).
    pub(crate) view_lock: RwLock<()>,
    /// The next hidden row id to hand out.
    pub(crate) next_row_id: AtomicU64,
    pub(crate) counters: Counters,
    /// Decoded large hot scans, valid at one RocksDB sequence number.
    pub(crate) hot_scan_cache: crate::scan::hot_cache::HotScanCache,
    /// The default read options of a point get, made once (RocksDB only reads
    /// them) rather than created and destroyed per get.
    pub(crate) get_options: rocksdb::ReadOptions,
}

/// Engine-wide counters for `stats()`.
#[derive(Default)]
pub(crate) struct Counters {
    pub flushes: AtomicU64,
    pub flushed_rows: AtomicU64,
    pub compactions: AtomicU64,
    pub evicted_rows: AtomicU64,
    pub loads_ingested: AtomicU64,
}

impl Engine {
    /// The data directory.
    pub fn dir(&self) -> &std::path::Path {
        &self.inner.dir
    }

    /// The options the engine was opened with.
    pub fn options(&self) -> &EngineOptions {
        &self.inner.options
    }
}

impl Inner {
    /// Aborts the process at a named step when the test hook asks for it.
    pub(crate) fn failpoint(&self, step: &str) {
        if self.options.failpoint.as_deref() == Some(step) {
            eprintln!("failpoint {step}: aborting");
            std::process::abort();
        }
    }

    /// Fails at a named step, as a write the disk refused would, when the test hook
    /// asks for it (failpoint `error:STEP`); nothing of the step is done.
    pub(crate) fn failpoint_error(&self, step: &str) -> crate::error::Result<()> {
        match self.options.failpoint.as_deref() {
            Some(f) if f.strip_prefix("error:") == Some(step) => Err(
                crate::error::StorageError::RocksDb(format!("IO error: failpoint {step}")),
            ),
            _ => Ok(()),
        }
    }

    /// Whether writes are fsynced (`Durability::Sync`).
    pub(crate) fn fsync(&self) -> bool {
        self.options.durability == crate::options::Durability::Sync
    }

    /// A fresh hidden row id.
    pub(crate) fn next_row_id(&self) -> i64 {
        self.next_row_id.fetch_add(1, Ordering::SeqCst) as i64
    }

    /// Every row id handed out so far is below this.
    pub(crate) fn row_id_high_water(&self) -> u64 {
        self.next_row_id.load(Ordering::SeqCst)
    }

    pub(crate) fn last_seq(&self) -> u64 {
        self.commit.lock().expect("commit lock").last_seq
    }
}
