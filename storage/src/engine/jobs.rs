//! Maintenance the server drives: explicit flush and compaction, stream TTL eviction,
//! and [`Engine::run_due_jobs`], which evaluates every partition's flush policy and the
//! memory budget and does what is due.
//!
//! Policy, per partition of a user or shared table (see [`crate::FlushPolicy`]):
//! flush when it holds `max_hot_rows` hot versions; or when its oldest hot write is
//! `interval_secs` old and it holds at least `min_rows_for_interval` versions (small
//! partitions stay hot, so 10,000 users do not become 10,000 tiny files per interval);
//! or when its oldest hot write is `max_age_secs` old. After a flush, compact once the
//! partition has `compact_at_segments` segments. Memory: when the hot tier's unflushed
//! bytes plus RocksDB's memtables plus the segment cache exceed 90% of the budget,
//! flush the largest partitions until the estimate is under 70%, then trim the segment
//! cache if that was not enough.

use std::sync::atomic::Ordering;

use rocksdb::{Direction, IteratorMode, ReadOptions, WriteBatch, WriteOptions};

use super::compact::CompactReport;
use super::flush::FlushReport;
use super::handle::Engine;
use super::open::HOT_CF;
use crate::catalog::{TableId, TableKind, UserId};
use crate::cold::PartitionId;
use crate::encoding::key::{partition_prefix, prefix_successor};
use crate::encoding::value;
use crate::error::Result;
use crate::options::Durability;
use crate::scan::hot_cache::Scope;
use crate::util::now_us;

/// One thing [`Engine::run_due_jobs`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobReport {
    Flushed {
        report: FlushReport,
        reason: FlushReason,
    },
    Compacted(CompactReport),
    Evicted {
        table: TableId,
        rows: u64,
    },
}

/// Why a partition was flushed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlushReason {
    RowCount,
    Interval,
    MaxAge,
    MemoryBudget,
}

impl Engine {
    /// Flushes one partition's hot versions to a new segment.
    pub fn flush(&self, table: TableId, owner: Option<UserId>) -> Result<Option<FlushReport>> {
        let (def, part) = self.inner.resolve(table, owner)?;
        let p = self.inner.partition(part);
        self.inner.flush_partition(&def, &p)
    }

    /// Flushes every partition that holds hot versions (stream tables excepted).
    pub fn flush_all(&self) -> Result<Vec<FlushReport>> {
        let cat = self.inner.catalog.snapshot();
        let mut out = Vec::new();
        for p in self.inner.partitions.all() {
            if let Some(def) = cat.table(p.id.table)
                && p.hot_rows.load(Ordering::Relaxed) > 0
                && let Some(r) = self.inner.flush_partition(def, &p)?
            {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Compacts one partition's segments into one.
    pub fn compact(&self, table: TableId, owner: Option<UserId>) -> Result<Option<CompactReport>> {
        let (def, part) = self.inner.resolve(table, owner)?;
        let p = self.inner.partition(part);
        self.inner.compact_partition(&def, &p)
    }

    /// Compacts every partition with more than one segment or with tombstones.
    pub fn compact_all(&self) -> Result<Vec<CompactReport>> {
        let cat = self.inner.catalog.snapshot();
        let mut out = Vec::new();
        for p in self.inner.partitions.all() {
            if let Some(def) = cat.table(p.id.table)
                && let Some(r) = self.inner.compact_partition(def, &p)?
            {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Deletes stream rows older than their table's TTL; returns how many per table.
    pub fn evict_expired(&self) -> Result<Vec<(TableId, u64)>> {
        let cat = self.inner.catalog.snapshot();
        let mut out = Vec::new();
        for def in cat.tables().filter(|t| t.kind == TableKind::Stream) {
            let ttl = def.options.ttl_secs.unwrap_or(u64::MAX);
            let cutoff = now_us().saturating_sub((ttl as i64).saturating_mul(1_000_000));
            let n = self.evict_older_than(def.id, cutoff)?;
            if n > 0 {
                out.push((def.id, n));
            }
        }
        Ok(out)
    }

    fn evict_older_than(&self, table: TableId, cutoff_us: i64) -> Result<u64> {
        let inner = &self.inner;
        let prefix = partition_prefix(table, None);
        let end = prefix_successor(&prefix).expect("table prefix");
        let cf = inner.db.cf_handle(HOT_CF).expect("hot cf");
        let mut expired: Vec<(Vec<u8>, u64)> = Vec::new();
        let mut ro = ReadOptions::default();
        ro.set_iterate_upper_bound(end);
        for item in
            inner
                .db
                .iterator_cf_opt(cf, ro, IteratorMode::From(&prefix, Direction::Forward))
        {
            let (k, v) = item?;
            let hv = value::decode(&v)?;
            if hv.written_at_us < cutoff_us {
                expired.push((k.to_vec(), hv.seq));
            }
        }
        if expired.is_empty() {
            return Ok(0);
        }
        // Delete exactly the versions seen: a row rewritten meanwhile is not expired.
        let _commit = inner.commit.lock().expect("commit lock");
        let mut batch = WriteBatch::default();
        let mut n = 0u64;
        let mut bytes = 0i64;
        let current = inner
            .db
            .batched_multi_get_cf(cf, expired.iter().map(|(k, _)| k), true);
        for ((k, seq), now) in expired.iter().zip(current) {
            if let Some(v) = now?
                && value::decode(&v)?.seq == *seq
            {
                bytes += (k.len() + v.len()) as i64;
                batch.delete_cf(cf, k);
                n += 1;
            }
        }
        let mut wo = WriteOptions::default();
        wo.set_sync(inner.options.durability == Durability::Sync);
        let cached = inner
            .hot_scan_cache
            .begin(Scope::Parts(vec![PartitionId { table, owner: None }]));
        inner.db.write_opt(batch, &wo)?;
        drop(cached);
        let p = inner.partition(PartitionId { table, owner: None });
        p.hot_rows.fetch_sub(n as i64, Ordering::Relaxed);
        p.hot_bytes.fetch_sub(bytes, Ordering::Relaxed);
        p.evicted.fetch_add(n, Ordering::Relaxed);
        inner.counters.evicted_rows.fetch_add(n, Ordering::Relaxed);
        Ok(n)
    }

    /// Memory held by the memory manager's estimate: unflushed hot bytes, RocksDB
    /// memtables and the segment cache.
    pub fn memory_used(&self) -> u64 {
        let hot: i64 = self
            .inner
            .partitions
            .all()
            .iter()
            .map(|p| p.hot_bytes.load(Ordering::Relaxed).max(0))
            .sum();
        hot as u64 + self.memtable_bytes() + self.inner.segment_cache.bytes()
    }

    pub(crate) fn memtable_bytes(&self) -> u64 {
        let cf = self.inner.db.cf_handle(HOT_CF).expect("hot cf");
        self.inner
            .db
            .property_int_value_cf(cf, "rocksdb.cur-size-all-mem-tables")
            .ok()
            .flatten()
            .unwrap_or(0)
    }

    /// Evaluates flush policies, the memory budget, compaction thresholds and stream
    /// TTLs, and does what is due. Meant to be called from a timer (every second or so).
    pub fn run_due_jobs(&self) -> Result<Vec<JobReport>> {
        let inner = &self.inner;
        let cat = inner.catalog.snapshot();
        let now = now_us();
        let mut out = Vec::new();
        let mut flushed: Vec<PartitionId> = Vec::new();
        for p in inner.partitions.all() {
            let Some(def) = cat.table(p.id.table) else {
                continue;
            };
            if def.kind == TableKind::Stream {
                continue;
            }
            let rows = p.hot_rows.load(Ordering::Relaxed);
            if rows <= 0 {
                continue;
            }
            let f = &def.options.flush;
            let oldest = p.oldest_hot_us.load(Ordering::Relaxed);
            let age_secs = if oldest > 0 {
                ((now - oldest).max(0) / 1_000_000) as u64
            } else {
                0
            };
            let reason = if rows as u64 >= f.max_hot_rows {
                Some(FlushReason::RowCount)
            } else if age_secs >= f.interval_secs && rows as u64 >= f.min_rows_for_interval {
                Some(FlushReason::Interval)
            } else if oldest > 0 && age_secs >= f.max_age_secs {
                Some(FlushReason::MaxAge)
            } else {
                None
            };
            if let Some(reason) = reason
                && let Some(report) = inner.flush_partition(def, &p)?
            {
                flushed.push(p.id);
                out.push(JobReport::Flushed { report, reason });
            }
        }
        // Memory budget: flush the largest partitions first.
        let budget = inner.options.memory_budget_bytes;
        if self.memory_used() > budget / 10 * 9 {
            let mut parts: Vec<_> = inner
                .partitions
                .all()
                .into_iter()
                .filter(|p| {
                    p.hot_rows.load(Ordering::Relaxed) > 0
                        && cat
                            .table(p.id.table)
                            .is_some_and(|d| d.kind != TableKind::Stream)
                })
                .collect();
            parts.sort_by_key(|p| std::cmp::Reverse(p.hot_bytes.load(Ordering::Relaxed)));
            for p in parts {
                if self.memory_used() <= budget / 10 * 7 {
                    break;
                }
                let def = cat.table(p.id.table).expect("filtered");
                if let Some(report) = inner.flush_partition(def, &p)? {
                    flushed.push(p.id);
                    out.push(JobReport::Flushed {
                        report,
                        reason: FlushReason::MemoryBudget,
                    });
                }
            }
            let cf = inner.db.cf_handle(HOT_CF).expect("hot cf");
            inner.db.flush_cf(cf)?;
            // Still over: the segment cache gives back what it must.
            let used = self.memory_used();
            let target = budget / 10 * 7;
            if used > target {
                let cache = &inner.segment_cache;
                let keep = cache.bytes().saturating_sub(used - target);
                cache.shrink_to(keep, usize::MAX, None);
            }
        }
        for id in flushed {
            let p = inner.partition(id);
            let Some(def) = cat.table(id.table) else {
                continue;
            };
            if p.view().segments.len() >= def.options.flush.compact_at_segments as usize
                && let Some(r) = inner.compact_partition(def, &p)?
            {
                out.push(JobReport::Compacted(r));
            }
        }
        for (table, rows) in self.evict_expired()? {
            out.push(JobReport::Evicted { table, rows });
        }
        Ok(out)
    }
}
