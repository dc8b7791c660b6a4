//! The segment cache: what a segment costs to open — its parsed footer with the page
//! index, its `__key` bloom filters and an open file handle — kept for the segments
//! used most recently, bounded by bytes and by open files.
//!
//! A segment loads its state on first use and registers it here; when the cache is over
//! either bound, the least recently used segments drop their state (readers that hold
//! it keep it until they finish) and reload it when next used. The bytes held are part
//! of the memory manager's estimate (`Engine::memory_used`).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

use super::segment::Segment;

pub(crate) struct SegmentCache {
    cap_bytes: u64,
    cap_files: usize,
    used: AtomicU64,
    clock: AtomicU64,
    next_uid: AtomicU64,
    /// Loaded segments: uid → (segment, bytes accounted to it).
    loaded: Mutex<HashMap<u64, (Weak<Segment>, u64)>>,
    /// Loads and evictions, for stats.
    loads: AtomicU64,
    evictions: AtomicU64,
    /// Point lookups that read a segment page, and those that needed parquet-rs.
    pub(crate) lookups: AtomicU64,
    pub(crate) slow_lookups: AtomicU64,
}

/// What [`SegmentCache::stats`] reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct CacheStats {
    pub bytes: u64,
    pub open_segments: usize,
    pub loads: u64,
    pub evictions: u64,
    pub lookups: u64,
    pub slow_lookups: u64,
}

impl SegmentCache {
    pub(crate) fn new(cap_bytes: u64, cap_files: usize) -> Arc<SegmentCache> {
        Arc::new(SegmentCache {
            cap_bytes,
            cap_files: cap_files.max(1),
            used: AtomicU64::new(0),
            clock: AtomicU64::new(1),
            next_uid: AtomicU64::new(1),
            loaded: Mutex::new(HashMap::new()),
            loads: AtomicU64::new(0),
            evictions: AtomicU64::new(0),
            lookups: AtomicU64::new(0),
            slow_lookups: AtomicU64::new(0),
        })
    }

    pub(crate) fn uid(&self) -> u64 {
        self.next_uid.fetch_add(1, Ordering::Relaxed)
    }

    /// A fresh recency stamp.
    pub(crate) fn tick(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed)
    }

    pub(crate) fn bytes(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    pub(crate) fn stats(&self) -> CacheStats {
        CacheStats {
            bytes: self.bytes(),
            open_segments: self.loaded.lock().expect("cache lock").len(),
            loads: self.loads.load(Ordering::Relaxed),
            evictions: self.evictions.load(Ordering::Relaxed),
            lookups: self.lookups.load(Ordering::Relaxed),
            slow_lookups: self.slow_lookups.load(Ordering::Relaxed),
        }
    }

    /// Records that `seg` now holds `bytes` of loaded state, then evicts others if the
    /// cache is over a bound.
    pub(crate) fn register(&self, seg: &Arc<Segment>, bytes: u64) {
        self.loaded
            .lock()
            .expect("cache lock")
            .insert(seg.uid(), (Arc::downgrade(seg), bytes));
        self.used.fetch_add(bytes, Ordering::Relaxed);
        self.loads.fetch_add(1, Ordering::Relaxed);
        self.evict_over(Some(seg.uid()));
    }

    /// Adds bytes loaded later (bloom filters) to a registered segment.
    pub(crate) fn grow(&self, uid: u64, bytes: u64) {
        let grown = match self.loaded.lock().expect("cache lock").get_mut(&uid) {
            Some(e) => {
                e.1 += bytes;
                true
            }
            None => false,
        };
        if grown {
            self.used.fetch_add(bytes, Ordering::Relaxed);
            self.evict_over(Some(uid));
        }
    }

    /// Forgets a segment that dropped its state (evicted, or dropped itself).
    pub(crate) fn forget(&self, uid: u64) {
        if let Some((_, bytes)) = self.loaded.lock().expect("cache lock").remove(&uid) {
            self.used.fetch_sub(bytes, Ordering::Relaxed);
        }
    }

    fn over(&self, bytes: u64, files: usize) -> bool {
        self.used.load(Ordering::Relaxed) > bytes
            || self.loaded.lock().expect("cache lock").len() > files
    }

    /// When over a bound, drops the least recently used segments' state until the
    /// cache is at 90% of its bounds (never `keep`, the segment being used).
    pub(crate) fn evict_over(&self, keep: Option<u64>) {
        if !self.over(self.cap_bytes, self.cap_files) {
            return;
        }
        self.shrink_to(self.cap_bytes / 10 * 9, self.cap_files / 10 * 9, keep);
    }

    /// Drops the least recently used segments' state until the cache holds at most
    /// `bytes` and `files`. Used by eviction and by the memory manager.
    pub(crate) fn shrink_to(&self, bytes: u64, files: usize, keep: Option<u64>) {
        // Upgrade under the lock, unload without it: a segment dropped here runs its
        // destructor, which takes the lock again.
        let mut live: Vec<Arc<Segment>> = self
            .loaded
            .lock()
            .expect("cache lock")
            .values()
            .filter_map(|(w, _)| w.upgrade())
            .collect();
        live.sort_by_key(|s| s.last_used());
        for s in &live {
            if !self.over(bytes, files) {
                break;
            }
            if Some(s.uid()) == keep {
                continue;
            }
            if s.unload() {
                self.evictions.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
