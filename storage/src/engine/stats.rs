//! [`Engine::stats`]: what the server's system tables show — rows and bytes per tier
//! and partition, segments, flushes, compactions, evictions, memory held (hot tier,
//! memtables, block cache, segment cache).

use std::sync::atomic::Ordering;

use super::handle::Engine;
use crate::catalog::{TableId, UserId};

/// One partition's numbers. Hot counts are estimates maintained on commit (exact after
/// open and after each flush); cold counts come from the manifest and include
/// tombstones and versions a compaction would drop.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionStats {
    pub table: TableId,
    pub owner: Option<UserId>,
    pub hot_rows: u64,
    pub hot_bytes: u64,
    pub cold_rows: u64,
    pub cold_tombstones: u64,
    pub cold_bytes: u64,
    pub segments: usize,
    pub flushes: u64,
    pub compactions: u64,
    pub evicted_rows: u64,
    pub manifest_version: u64,
}

/// Engine-wide numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineStats {
    pub partitions: Vec<PartitionStats>,
    pub segments: usize,
    pub hot_rows: u64,
    pub hot_bytes: u64,
    pub cold_rows: u64,
    pub cold_bytes: u64,
    pub flushes: u64,
    pub flushed_versions: u64,
    pub compactions: u64,
    pub evicted_rows: u64,
    /// Bulk loads written by ingesting a table file (not through a write batch).
    pub loads_ingested: u64,
    /// RocksDB memtables, bytes.
    pub memtable_bytes: u64,
    /// RocksDB block cache in use, bytes.
    pub block_cache_bytes: u64,
    /// The segment cache: bytes of parsed segment metadata and bloom filters held,
    /// segments loaded (each with an open file), loads and evictions so far.
    pub segment_cache_bytes: u64,
    pub open_segments: usize,
    pub segment_cache_loads: u64,
    pub segment_cache_evictions: u64,
    /// Row-group probes by cold point lookups (after the bloom filter), and those that
    /// went through parquet-rs because a page was of a kind the direct page reader
    /// leaves to it (dictionary pages, other encodings; never for segments this engine
    /// writes).
    pub cold_lookups: u64,
    pub cold_lookup_fallbacks: u64,
    /// The memory manager's estimate (unflushed hot bytes + memtables + segment
    /// cache) and its budget.
    pub memory_used: u64,
    pub memory_budget: u64,
    pub last_seq: u64,
}

impl Engine {
    /// A snapshot of the engine's counters.
    pub fn stats(&self) -> EngineStats {
        let inner = &self.inner;
        let mut partitions = Vec::new();
        for p in inner.partitions.all() {
            let view = p.view();
            partitions.push(PartitionStats {
                table: p.id.table,
                owner: p.id.owner,
                hot_rows: p.hot_rows.load(Ordering::Relaxed).max(0) as u64,
                hot_bytes: p.hot_bytes.load(Ordering::Relaxed).max(0) as u64,
                cold_rows: view.segments.iter().map(|s| s.meta.rows).sum(),
                cold_tombstones: view.segments.iter().map(|s| s.meta.tombstones).sum(),
                cold_bytes: view.segments.iter().map(|s| s.meta.bytes).sum(),
                segments: view.segments.len(),
                flushes: p.flushes.load(Ordering::Relaxed),
                compactions: p.compactions.load(Ordering::Relaxed),
                evicted_rows: p.evicted.load(Ordering::Relaxed),
                manifest_version: view.manifest.version,
            });
        }
        let c = &inner.counters;
        let block_cache_bytes = inner
            .db
            .property_int_value("rocksdb.block-cache-usage")
            .ok()
            .flatten()
            .unwrap_or(0);
        let cache = inner.segment_cache.stats();
        EngineStats {
            segment_cache_bytes: cache.bytes,
            open_segments: cache.open_segments,
            segment_cache_loads: cache.loads,
            segment_cache_evictions: cache.evictions,
            cold_lookups: cache.lookups,
            cold_lookup_fallbacks: cache.slow_lookups,
            segments: partitions.iter().map(|p| p.segments).sum(),
            hot_rows: partitions.iter().map(|p| p.hot_rows).sum(),
            hot_bytes: partitions.iter().map(|p| p.hot_bytes).sum(),
            cold_rows: partitions.iter().map(|p| p.cold_rows).sum(),
            cold_bytes: partitions.iter().map(|p| p.cold_bytes).sum(),
            partitions,
            flushes: c.flushes.load(Ordering::Relaxed),
            flushed_versions: c.flushed_rows.load(Ordering::Relaxed),
            compactions: c.compactions.load(Ordering::Relaxed),
            evicted_rows: c.evicted_rows.load(Ordering::Relaxed),
            loads_ingested: c.loads_ingested.load(Ordering::Relaxed),
            memtable_bytes: self.memtable_bytes(),
            block_cache_bytes,
            memory_used: self.memory_used(),
            memory_budget: inner.options.memory_budget_bytes,
            last_seq: inner.last_seq(),
        }
    }
}
