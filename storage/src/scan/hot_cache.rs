//! The hot scan cache: the decoded columns of large direct hot scans (see
//! [`super::direct`]), kept for the next scan of the same range and columns at the
//! same database state.
//!
//! An entry is valid only at the RocksDB sequence number it was read at. Every write
//! to the database (a commit, a load, a flush removing hot versions, an eviction, an
//! erase, a catalog change) takes a new sequence number, so an entry can only be
//! used by a scan whose snapshot is exactly the one the entry was read from: the same
//! versions, read again, would decode to the same columns. A scan uses it only when
//! its snapshot's sequence number is known exactly (no write slipped in while it was
//! taken). Entries of older sequence numbers can never match again and are dropped
//! at the next lookup; the cache holds at most `EngineOptions::hot_scan_cache_bytes`.
//!
//! One write does not always take a sequence number: RocksDB may ingest a table file
//! (a bulk load, `engine/ingest.rs`) whose keys overlap nothing with sequence number 0.
//! So every ingestion also calls [`HotScanCache::invalidate`], which drops every entry
//! and starts a new generation; a scan reads the generation before its snapshot, and
//! neither uses nor stores entries of another generation, so a scan whose snapshot
//! predates an ingestion cannot leave its rows behind for later scans.
//! Which rows a scan may see does not depend on who runs it beyond the partition
//! (part of the key), and a transaction with pending writes in the range never takes
//! the direct path, so it never reads an entry either.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use arrow_array::Array;

use crate::catalog::ColumnId;
use crate::cold::PartitionId;

use super::iter::Chunk;

/// What a cached scan read.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct CacheKey {
    pub part: PartitionId,
    pub lo: Vec<u8>,
    pub hi: Vec<u8>,
    pub cols: Vec<ColumnId>,
    pub batch_size: usize,
}

struct Entry {
    generation: u64,
    seq: u64,
    key: CacheKey,
    chunks: Vec<Chunk>,
    bytes: usize,
}

/// Decoded large hot scans, by key and sequence number; least recently used first.
pub(crate) struct HotScanCache {
    cap: usize,
    entries: Mutex<VecDeque<Entry>>,
    hits: AtomicU64,
    /// Bumped by [`HotScanCache::invalidate`] (under the entries' lock).
    generation: AtomicU64,
}

impl HotScanCache {
    pub(crate) fn new(cap: usize) -> HotScanCache {
        HotScanCache {
            cap,
            entries: Mutex::new(VecDeque::new()),
            hits: AtomicU64::new(0),
            generation: AtomicU64::new(0),
        }
    }

    /// The current generation: read before a scan takes its snapshot.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Drops every entry and starts a new generation (after a write that may not have
    /// taken a sequence number).
    pub(crate) fn invalidate(&self) {
        let mut entries = self.entries.lock().expect("hot scan cache");
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// The chunks read for `key` at sequence number `seq` in `generation`, if cached.
    pub(crate) fn get(&self, generation: u64, seq: u64, key: &CacheKey) -> Option<VecDeque<Chunk>> {
        if self.cap == 0 {
            return None;
        }
        let mut entries = self.entries.lock().expect("hot scan cache");
        if self.generation.load(Ordering::SeqCst) != generation {
            return None;
        }
        entries.retain(|e| e.seq >= seq);
        let i = entries
            .iter()
            .position(|e| e.generation == generation && e.seq == seq && e.key == *key)?;
        let e = entries.remove(i).expect("found");
        let out = e.chunks.iter().cloned().collect();
        entries.push_back(e);
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(out)
    }

    /// Keeps the chunks read for `key` at `seq` by a scan that started in `generation`
    /// (when they fit, and no invalidation came since).
    pub(crate) fn put(&self, generation: u64, seq: u64, key: CacheKey, chunks: &VecDeque<Chunk>) {
        let bytes: usize = chunks
            .iter()
            .flat_map(|c| c.arrays.iter())
            .map(|a| a.get_array_memory_size())
            .sum::<usize>()
            + key.lo.len()
            + key.hi.len();
        if bytes > self.cap / 2 {
            return;
        }
        let mut entries = self.entries.lock().expect("hot scan cache");
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        entries.retain(|e| e.seq >= seq && !(e.seq == seq && e.key == key));
        let mut used: usize = entries.iter().map(|e| e.bytes).sum();
        while used + bytes > self.cap {
            let Some(old) = entries.pop_front() else {
                break;
            };
            used -= old.bytes;
        }
        entries.push_back(Entry {
            generation,
            seq,
            key,
            chunks: chunks.iter().cloned().collect(),
            bytes,
        });
    }

    /// Bytes held.
    pub(crate) fn bytes(&self) -> usize {
        let entries = self.entries.lock().expect("hot scan cache");
        entries.iter().map(|e| e.bytes).sum()
    }

    /// Scans answered from the cache so far.
    pub(crate) fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::Int64Array;

    use super::*;
    use crate::catalog::TableId;

    fn key(lo: u8) -> CacheKey {
        CacheKey {
            part: PartitionId {
                table: TableId(1),
                owner: None,
            },
            lo: vec![lo],
            hi: vec![9],
            cols: vec![ColumnId(1)],
            batch_size: 8192,
        }
    }

    fn chunks(n: i64) -> VecDeque<Chunk> {
        VecDeque::from([Chunk {
            rows: n as usize,
            arrays: vec![Arc::new(Int64Array::from_iter_values(0..n))],
            keys: None,
        }])
    }

    #[test]
    fn entries_answer_only_their_sequence_number_and_generation() {
        let c = HotScanCache::new(1 << 20);
        let g = c.generation();
        c.put(g, 10, key(1), &chunks(100));
        assert_eq!(c.get(g, 10, &key(1)).map(|v| v[0].rows), Some(100));
        assert!(c.get(g, 10, &key(2)).is_none(), "another range");
        assert!(c.get(g, 11, &key(1)).is_none(), "a later state");
        // The later lookup dropped the entry of the older state.
        assert_eq!(c.bytes(), 0);
        assert_eq!(c.hits(), 1);
        // A scan that started before an invalidation neither fills nor reads.
        c.put(g, 12, key(1), &chunks(5));
        c.invalidate();
        assert_eq!(c.bytes(), 0);
        c.put(g, 12, key(1), &chunks(5));
        assert_eq!(c.bytes(), 0);
        assert!(c.get(g, 12, &key(1)).is_none());
        let g2 = c.generation();
        c.put(g2, 12, key(1), &chunks(5));
        assert!(c.get(g2, 12, &key(1)).is_some());
    }

    #[test]
    fn the_cache_stays_within_its_bytes() {
        let one = {
            let c = HotScanCache::new(usize::MAX);
            c.put(0, 1, key(1), &chunks(10_000));
            c.bytes()
        };
        let c = HotScanCache::new(one * 2 + one / 2);
        for lo in 1..=4 {
            c.put(0, 1, key(lo), &chunks(10_000));
            assert!(c.bytes() <= one * 2 + one / 2);
        }
        // The least recently used went first.
        assert!(c.get(0, 1, &key(1)).is_none());
        assert!(c.get(0, 1, &key(4)).is_some());
        // An entry over half the cache is not kept; off keeps nothing.
        let small = HotScanCache::new(one);
        small.put(0, 1, key(1), &chunks(10_000));
        assert_eq!(small.bytes(), 0);
        let off = HotScanCache::new(0);
        off.put(0, 1, key(1), &chunks(1));
        assert!(off.get(0, 1, &key(1)).is_none());
    }
}
