//! Bulk load: [`Engine::load`] writes record batches into one partition as one
//! transaction without the bookkeeping of a [`crate::Txn`]. The rows are encoded
//! straight from the Arrow columns and sorted before any lock is taken; then, under the
//! commit lock, one multi-get checks that no key exists (hot, or in a cold segment) —
//! or, when the partition has no cold segment and no hot key between the load's
//! smallest and largest key, one iterator seek shows that none can — and the rows are
//! written with their sequence numbers, durable at the engine's durability, all or
//! none: as one table file ingested into the hot column family (`ingest`: no log,
//! memtable or memtable flush; synced commits, at least `INGEST_MIN_ROWS` rows, no hot
//! key in the range) or else as one RocksDB write batch with one sync. Holding the
//! commit lock for the check is what makes it valid at the write: no other commit,
//! flush or erasure can run in between, so nothing needs to be observed and validated
//! again, and a load never conflicts (`S001`). A transaction that read one of the
//! keys, or scanned the range, before the load sees the load's versions at its commit
//! (they carry sequence numbers above what it saw) and fails with `S001`, whichever way
//! they were written.

use arrow_array::RecordBatch;
use rocksdb::WriteBatch;

use super::handle::Engine;
use super::open::HOT_CF;
use super::read::describe_row_key;
use super::rows::{EncodedRow, KeySource, encode_batch};
use crate::catalog::{TableId, UserId};
use crate::encoding::value;
use crate::error::{Result, StorageError};
use crate::scan::hot_cache::HotWrite;
use crate::util::now_us;

impl Engine {
    /// Writes `batches` (full rows, one column per table column in table order) into
    /// the partition of `table` and `owner` in one transaction, and returns the rows
    /// written. Without `upsert`, a key that exists or repeats across `batches` fails
    /// the whole load with `S111` (and writes nothing); with it, rows replace the rows
    /// with their keys (a key repeated across `batches` still fails). Tables without a
    /// primary key get fresh row ids (upsert needs a key). At most
    /// `limits.max_txn_rows` rows.
    pub fn load(
        &self,
        table: TableId,
        owner: Option<UserId>,
        batches: &[RecordBatch],
        upsert: bool,
    ) -> Result<usize> {
        let inner = &self.inner;
        let (def, part) = inner.resolve(table, owner)?;
        let limits = &inner.options.limits;
        let total: usize = batches.iter().map(|b| b.num_rows()).sum();
        if total > limits.max_txn_rows {
            return Err(StorageError::LimitExceeded(format!(
                "a transaction may write at most {} rows; this load holds {total}",
                limits.max_txn_rows
            )));
        }
        if upsert && def.has_hidden_key() {
            return Err(StorageError::invalid(format!(
                "table {} has no primary key, so upsert has nothing to match on; use insert",
                def.qualified_name()
            )));
        }
        let next = || inner.next_row_id();
        let source = if def.has_hidden_key() {
            KeySource::NewRowIds(&next)
        } else {
            KeySource::Columns
        };
        // Encoded rows with the batch and row they came from, for error messages.
        let mut rows: Vec<(EncodedRow, u32, u32)> = Vec::with_capacity(total);
        let max = limits.max_batch_rows.max(1);
        for (bi, b) in batches.iter().enumerate() {
            let mut at = 0;
            while at < b.num_rows() {
                let len = max.min(b.num_rows() - at);
                let encoded =
                    encode_batch(&def, owner, &b.slice(at, len), source_ref(&source), limits)?;
                rows.extend(
                    encoded
                        .into_iter()
                        .enumerate()
                        .map(|(r, e)| (e, bi as u32, (at + r) as u32)),
                );
                at += len;
            }
        }
        if rows.is_empty() {
            return Ok(0);
        }
        // Sorted by key: a repeat is a neighbour, and RocksDB's multi-get takes the
        // keys as they are (often already in order: ids ascending).
        rows.sort_unstable_by(|a, b| a.0.key.cmp(&b.0.key));
        let describe = |i: usize| {
            let (_, bi, r) = &rows[i];
            describe_row_key(&def, &batches[*bi as usize], *r as usize)
        };
        if let Some(i) = rows.windows(2).position(|w| w[0].0.key == w[1].0.key) {
            return Err(StorageError::DuplicateKey {
                table: def.qualified_name(),
                key: format!("{} (twice in the same load)", describe(i)),
            });
        }
        let mut state = inner.commit.lock().expect("commit lock");
        let (lo, hi) = (&rows[0].0.key, &rows[rows.len() - 1].0.key);
        // No cold segment and no hot key in the load's range: no key can exist.
        let empty = inner.range_is_empty(part, lo, hi)?;
        let ingest =
            inner.ingest_suits(rows.len()) && (empty || inner.hot_range_is_empty(lo, hi)?);
        if !upsert && !def.has_hidden_key() && !empty {
            let keys: Vec<&[u8]> = rows.iter().map(|r| r.0.key.as_slice()).collect();
            let (_, found) = inner.exists_many(part, &keys, true)?;
            if let Some(i) = found.iter().position(|(_, live)| *live) {
                return Err(StorageError::DuplicateKey {
                    table: def.qualified_name(),
                    key: describe(i),
                });
            }
        }
        let catalog = inner.catalog.snapshot();
        if catalog.table(table).is_none() {
            return Err(StorageError::UnknownTable(format!(
                "{} (dropped meanwhile)",
                def.qualified_name()
            )));
        }
        if let Some(u) = owner
            && catalog.user(u).is_none()
        {
            return Err(StorageError::UnknownUser(format!(
                "{u} (dropped meanwhile)"
            )));
        }
        let at = now_us();
        let first = state.last_seq + 1;
        let last = state.last_seq + rows.len() as u64;
        let bytes = if ingest {
            let pairs = rows.iter().map(|(e, _, _)| (&e.key[..], &e.row[..]));
            // Sequence numbers are never reused, even those of a failed ingestion
            // (its counters may already be written).
            let r = inner.ingest_rows(part, pairs, first, at, def.has_hidden_key());
            state.last_seq = last;
            r?
        } else {
            let hot = inner.db.cf_handle(HOT_CF).expect("hot cf");
            let mut batch = WriteBatch::default();
            let mut bytes = 0i64;
            let mut v = Vec::with_capacity(256);
            for (seq, (e, _, _)) in (first..).zip(&rows) {
                v.clear();
                value::encode_into(false, seq, at, &e.row, &mut v);
                bytes += (e.key.len() + v.len()) as i64;
                batch.put_cf(hot, &e.key, &v);
            }
            let mut writes = rows.iter().map(|(e, _, _)| HotWrite {
                part,
                key: &e.key,
                row: Some(&e.row[..]),
            });
            inner.write_commit(batch, last, vec![part], &mut writes)?;
            state.last_seq = last;
            bytes
        };
        drop(state);
        inner
            .partition(part)
            .note_hot_write(rows.len() as i64, bytes, at);
        Ok(rows.len())
    }
}

fn source_ref<'a>(s: &'a KeySource<'a>) -> KeySource<'a> {
    match s {
        KeySource::Columns => KeySource::Columns,
        KeySource::NewRowIds(f) => KeySource::NewRowIds(*f),
        KeySource::RowIdColumn => KeySource::RowIdColumn,
    }
}
