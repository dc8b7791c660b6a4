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
}

impl HotScanCache {
    pub(crate) fn new(cap: usize) -> HotScanCache {
        HotScanCache {
            cap,
            entries: Mutex::new(VecDeque::new()),
            hits: AtomicU64::new(0),
        }
    }

    /// The chunks read for `key` at sequence number `seq`, if cached.
    pub(crate) fn get(&self, seq: u64, key: &CacheKey) -> Option<VecDeque<Chunk>> {
        if self.cap == 0 {
            return None;
        }
        let mut entries = self.entries.lock().expect("hot scan cache");
        entries.retain(|e| e.seq >= seq);
        let i = entries.iter().position(|e| e.seq == seq && e.key == *key)?;
        let e = entries.remove(i).expect("found");
        let out = e.chunks.iter().cloned().collect();
        entries.push_back(e);
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some(out)
    }

    /// Keeps the chunks read for `key` at `seq` (when they fit in the cache).
    pub(crate) fn put(&self, seq: u64, key: CacheKey, chunks: &VecDeque<Chunk>) {
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
        entries.retain(|e| e.seq >= seq && !(e.seq == seq && e.key == key));
        let mut used: usize = entries.iter().map(|e| e.bytes).sum();
        while used + bytes > self.cap {
            let Some(old) = entries.pop_front() else {
                break;
            };
            used -= old.bytes;
        }
        entries.push_back(Entry {
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
