//! In-memory state of every partition: its current cold view (manifest plus open
//! segments), hot-tier counters for the flush policies, and the lock that serialises
//! flush and compaction of the partition.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use super::cache::SegmentCache;
use super::layout;
use super::manifest::Manifest;
use super::segment::{Segment, SegmentRef};
use crate::catalog::{TableId, UserId};
use crate::error::{Result, StorageError};

/// A partition: a table and, for user tables, the owning user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartitionId {
    pub table: TableId,
    pub owner: Option<UserId>,
}

/// One immutable version of a partition's cold tier. Readers hold an `Arc` to it for
/// their whole scan, which keeps its segment files alive.
#[derive(Debug)]
pub(crate) struct ColdView {
    pub manifest: Manifest,
    /// Oldest first, as in the manifest.
    pub segments: Vec<SegmentRef>,
}

impl ColdView {
    pub(crate) fn empty(p: PartitionId) -> ColdView {
        ColdView {
            manifest: Manifest::empty(p.table.0, p.owner.map(|u| u.0)),
            segments: Vec::new(),
        }
    }

    pub(crate) fn from_manifest(
        dir: &Path,
        manifest: Manifest,
        cache: &Arc<SegmentCache>,
    ) -> ColdView {
        let segments = manifest
            .segments
            .iter()
            .map(|m| Arc::new(Segment::new(m.clone(), dir.join(&m.file), cache)))
            .collect();
        ColdView { manifest, segments }
    }
}

/// Live state of one partition.
pub(crate) struct Partition {
    pub id: PartitionId,
    pub dir: PathBuf,
    view: RwLock<Arc<ColdView>>,
    /// Serialises flush and compaction of this partition.
    pub work: Mutex<()>,
    pub hot_rows: AtomicI64,
    pub hot_bytes: AtomicI64,
    /// Write time (µs) of the oldest unflushed hot version; 0 when none is known.
    pub oldest_hot_us: AtomicI64,
    pub flushes: AtomicU64,
    pub compactions: AtomicU64,
    pub evicted: AtomicU64,
}

impl Partition {
    fn new(id: PartitionId, dir: PathBuf, view: ColdView) -> Partition {
        Partition {
            id,
            dir,
            view: RwLock::new(Arc::new(view)),
            work: Mutex::new(()),
            hot_rows: AtomicI64::new(0),
            hot_bytes: AtomicI64::new(0),
            oldest_hot_us: AtomicI64::new(0),
            flushes: AtomicU64::new(0),
            compactions: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
        }
    }

    /// The current cold view.
    pub(crate) fn view(&self) -> Arc<ColdView> {
        self.view.read().expect("view lock").clone()
    }

    /// Publishes a new cold view (callers hold the engine's view lock for writing).
    pub(crate) fn install(&self, view: ColdView) {
        *self.view.write().expect("view lock") = Arc::new(view);
    }

    /// Adds to the hot counters after a commit.
    pub(crate) fn note_hot_write(&self, rows: i64, bytes: i64, at_us: i64) {
        self.hot_rows.fetch_add(rows, Ordering::Relaxed);
        self.hot_bytes.fetch_add(bytes, Ordering::Relaxed);
        let _ = self
            .oldest_hot_us
            .compare_exchange(0, at_us, Ordering::Relaxed, Ordering::Relaxed);
    }
}

/// Every partition the engine has seen, created on first use.
#[derive(Default)]
pub(crate) struct Partitions {
    map: RwLock<HashMap<PartitionId, Arc<Partition>>>,
}

impl Partitions {
    pub(crate) fn get(&self, id: PartitionId) -> Option<Arc<Partition>> {
        self.map.read().expect("partitions lock").get(&id).cloned()
    }

    /// The partition, created empty if it is new.
    pub(crate) fn get_or_create(&self, data_dir: &Path, id: PartitionId) -> Arc<Partition> {
        if let Some(p) = self.get(id) {
            return p;
        }
        let mut map = self.map.write().expect("partitions lock");
        map.entry(id)
            .or_insert_with(|| {
                Arc::new(Partition::new(
                    id,
                    layout::partition_dir(data_dir, id.table, id.owner),
                    ColdView::empty(id),
                ))
            })
            .clone()
    }

    pub(crate) fn insert_loaded(
        &self,
        id: PartitionId,
        dir: PathBuf,
        view: ColdView,
    ) -> Arc<Partition> {
        let p = Arc::new(Partition::new(id, dir, view));
        self.map
            .write()
            .expect("partitions lock")
            .insert(id, p.clone());
        p
    }

    pub(crate) fn all(&self) -> Vec<Arc<Partition>> {
        let mut v: Vec<_> = self
            .map
            .read()
            .expect("partitions lock")
            .values()
            .cloned()
            .collect();
        v.sort_by_key(|p| p.id);
        v
    }

    pub(crate) fn remove_where(&self, pred: impl Fn(&PartitionId) -> bool) {
        self.map
            .write()
            .expect("partitions lock")
            .retain(|id, _| !pred(id));
    }
}

/// Loads one partition directory at open: reads its manifest, checks that every
/// segment it names exists (an error naming the path if not), and removes files no
/// manifest names (segments of an interrupted flush or compaction, temp files).
pub(crate) fn load_partition_dir(
    dir: &Path,
    id: PartitionId,
    sync: bool,
    cache: &Arc<SegmentCache>,
) -> Result<Option<ColdView>> {
    let manifest = Manifest::read(&dir.join(layout::MANIFEST))?;
    if let Some(m) = &manifest {
        if m.table != id.table.0 || m.owner != id.owner.map(|u| u.0) {
            return Err(StorageError::corrupt(format!(
                "manifest in {} belongs to table {} owner {:?}",
                dir.display(),
                m.table,
                m.owner
            )));
        }
        for s in &m.segments {
            let path = dir.join(&s.file);
            if !path.exists() {
                return Err(StorageError::corrupt(format!(
                    "manifest {} names segment {} which is missing",
                    dir.join(layout::MANIFEST).display(),
                    path.display()
                )));
            }
        }
    }
    let named: std::collections::HashSet<&str> = manifest
        .iter()
        .flat_map(|m| m.segments.iter().map(|s| s.file.as_str()))
        .collect();
    // What no manifest names is removed, but only what a crash can leave: the one
    // segment a flush or compaction was writing (numbered `next_segment`: they take
    // turns under the partition's work lock), segments a compaction had replaced,
    // and temp files. A segment numbered past that was committed by a manifest that
    // is gone (deleted, or replaced by an older copy): refuse before removing
    // anything, rather than delete data.
    let next = manifest.as_ref().map_or(1, |m| m.next_segment);
    let mut unnamed = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| StorageError::io(dir, e))? {
        let entry = entry.map_err(|e| StorageError::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == layout::MANIFEST || named.contains(name.as_str()) {
            continue;
        }
        if layout::parse_segment_file(&name).is_some_and(|n| n > next) {
            return Err(StorageError::corrupt(format!(
                "{} is not named by {} (missing or older than the segment: it expects \
                 segment {next} next); refusing to start rather than delete it — restore \
                 the manifest, or move the file away to drop its rows",
                entry.path().display(),
                dir.join(layout::MANIFEST).display()
            )));
        }
        unnamed.push(entry.path());
    }
    let removed = !unnamed.is_empty();
    for path in unnamed {
        std::fs::remove_file(&path).map_err(|e| StorageError::io(&path, e))?;
    }
    if removed {
        crate::util::sync_dir(dir, sync)?;
    }
    Ok(manifest.map(|m| ColdView::from_manifest(dir, m, cache)))
}
