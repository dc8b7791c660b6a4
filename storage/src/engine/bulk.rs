//! Bulk load: [`Engine::load`] writes record batches into one partition as one
//! transaction without the bookkeeping of a [`crate::Txn`]. The rows are encoded
//! straight from the Arrow columns before any lock is taken; then, under the commit
//! lock, one multi-get checks that no key exists (hot, or in a cold segment) — or, when
//! the partition has no cold segment and no hot key between the load's smallest and
//! largest key, one iterator seek shows that none can — and one
//! RocksDB write batch holding every row is written with one sync at the engine's
//! durability. Holding the commit lock for the check is what makes it valid at the
//! write: no other commit, flush or erasure can run in between, so nothing needs to
//! be observed and validated again, and a load never conflicts (`S001`).

use arrow_array::RecordBatch;
use rocksdb::WriteBatch;

use super::handle::Engine;
use super::open::HOT_CF;
use super::read::describe_row_key;
use super::rows::{EncodedRow, KeySource, encode_batch};
use crate::catalog::{TableId, UserId};
use crate::encoding::value;
use crate::error::{Result, StorageError};
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
        let db = &inner.db;
        let hot = db.cf_handle(HOT_CF).expect("hot cf");
        let mut state = inner.commit.lock().expect("commit lock");
        let (lo, hi) = (&rows[0].0.key, &rows[rows.len() - 1].0.key);
        if !upsert && !def.has_hidden_key() && !inner.range_is_empty(part, lo, hi)? {
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
        let mut batch = WriteBatch::default();
        let mut seq = state.last_seq;
        let mut bytes = 0i64;
        for (e, _, _) in &rows {
            seq += 1;
            let v = value::encode(false, seq, at, &e.row);
            bytes += (e.key.len() + v.len()) as i64;
            batch.put_cf(hot, &e.key, &v);
        }
        inner.write_commit(batch, seq)?;
        state.last_seq = seq;
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
