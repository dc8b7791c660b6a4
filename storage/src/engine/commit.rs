//! Commit: validation and writing of transactions, one at a time ([`crate::Txn::commit`])
//! or several in one group ([`Engine::commit_group`]).
//!
//! Under the engine's commit lock each transaction of the group, in order, is
//! validated as if the ones before it had already been written: a key it read or
//! wrote that the hot tier changed since it looked, or that an earlier member of the
//! group writes, is a conflict; so is a newer hot version, or an earlier member's
//! write, in a range it scanned, and a flush or compaction of a partition it looked
//! into. The members that pass get sequence numbers in group order and go into one
//! RocksDB write batch, written with one sync at the engine's durability. The outcome
//! is exactly that of committing them one after the other, in that order; the group
//! shares the sync. If the write fails, no member is applied and each gets the error.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rocksdb::WriteBatch;

use super::handle::{Engine, Inner};
use super::open::HOT_CF;
use super::txn::{CommitInfo, HotObs, Txn};
use crate::cold::PartitionId;
use crate::encoding::value;
use crate::error::{Result, StorageError};
use crate::scan::hot_cache::HotWrite;
use crate::util::now_us;

/// Most transactions [`Engine::commit_group`] takes at once (a longer list is
/// committed in groups of this size, each with its own sync).
pub const MAX_COMMIT_GROUP: usize = 256;

impl Engine {
    /// Validates and commits `txns` as if one after the other, in order, with one
    /// write and one sync for all that pass validation; returns one result per
    /// transaction, in the same order. A member that conflicts with the committed
    /// state or with an earlier member gets `S001` and is not applied; the others
    /// are. A failed write applies no member and fails each. Every transaction must
    /// come from this engine (`S100` otherwise, for that one).
    pub fn commit_group(&self, txns: Vec<Txn>) -> Vec<Result<CommitInfo>> {
        let mut out = Vec::with_capacity(txns.len());
        let mut txns = txns.into_iter().peekable();
        while txns.peek().is_some() {
            let chunk: Vec<Txn> = txns.by_ref().take(MAX_COMMIT_GROUP).collect();
            out.extend(commit_group(&self.inner, chunk));
        }
        out
    }
}

/// What a group has put in its write batch so far.
struct Staged {
    batch: WriteBatch,
    /// The last sequence number used.
    seq: u64,
    at: i64,
    /// Keys written by the members accepted so far.
    written: BTreeSet<Vec<u8>>,
    /// Rows and bytes written per partition.
    per_part: HashMap<PartitionId, (i64, i64)>,
}

/// Commits `txns` (at most [`MAX_COMMIT_GROUP`]) as one group.
pub(super) fn commit_group(inner: &Arc<Inner>, txns: Vec<Txn>) -> Vec<Result<CommitInfo>> {
    let mut out: Vec<Result<CommitInfo>> = Vec::with_capacity(txns.len());
    if txns.iter().all(|t| t.writes.is_empty()) {
        for _ in &txns {
            out.push(Ok(CommitInfo {
                last_seq: 0,
                writes: 0,
            }));
        }
        return out;
    }
    let hot = inner.db.cf_handle(HOT_CF).expect("hot cf");
    let mut state = inner.commit.lock().expect("commit lock");
    let mut staged = Staged {
        batch: WriteBatch::default(),
        seq: state.last_seq,
        at: now_us(),
        written: BTreeSet::new(),
        per_part: HashMap::new(),
    };
    let mut accepted = Vec::new();
    for (i, t) in txns.iter().enumerate() {
        if t.writes.is_empty() {
            out.push(Ok(CommitInfo {
                last_seq: 0,
                writes: 0,
            }));
            continue;
        }
        if !Arc::ptr_eq(&t.inner, inner) {
            out.push(Err(StorageError::invalid(
                "a transaction of another engine cannot commit in this engine's group",
            )));
            continue;
        }
        match t.validate(&staged.written) {
            Ok(()) => {
                for (key, p) in &t.writes {
                    staged.seq += 1;
                    let v = value::encode(p.tombstone, staged.seq, staged.at, &p.row);
                    let e = staged.per_part.entry(p.part).or_default();
                    e.0 += 1;
                    e.1 += (key.len() + v.len()) as i64;
                    staged.batch.put_cf(hot, key, v);
                    staged.written.insert(key.clone());
                }
                out.push(Ok(CommitInfo {
                    last_seq: staged.seq,
                    writes: t.writes.len(),
                }));
                accepted.push(i);
            }
            Err(e) => out.push(Err(e)),
        }
    }
    if accepted.is_empty() {
        return out;
    }
    let parts: Vec<PartitionId> = staged.per_part.keys().copied().collect();
    let mut writes = accepted.iter().flat_map(|&i| {
        txns[i].writes.iter().map(|(key, p)| HotWrite {
            part: p.part,
            key,
            row: (!p.tombstone).then_some(&p.row[..]),
        })
    });
    if let Err(e) = inner.write_commit(staged.batch, staged.seq, parts, &mut writes) {
        for i in accepted {
            out[i] = Err(copy_error(&e));
        }
        return out;
    }
    state.last_seq = staged.seq;
    drop(state);
    for (part, (rows, bytes)) in staged.per_part {
        inner.partition(part).note_hot_write(rows, bytes, staged.at);
    }
    out
}

/// The same error again, for another member of a failed group.
fn copy_error(e: &StorageError) -> StorageError {
    match e {
        StorageError::DiskFull(s) => StorageError::DiskFull(s.clone()),
        StorageError::ReadOnly(s) => StorageError::ReadOnly(s.clone()),
        StorageError::RocksDb(s) => StorageError::RocksDb(s.clone()),
        other => StorageError::RocksDb(other.to_string()),
    }
}

impl Txn {
    /// Checks, under the commit lock, that everything this transaction read and wrote
    /// is still what it saw, counting `earlier` (keys written by members of the same
    /// group validated before it) as already committed.
    fn validate(&self, earlier: &BTreeSet<Vec<u8>>) -> Result<()> {
        let inner = &self.inner;
        let db = &inner.db;
        let hot = db.cf_handle(HOT_CF).expect("hot cf");
        for (part, version) in &self.versions {
            if inner.manifest_version(*part) != *version {
                return Err(StorageError::Conflict {
                    detail: format!(
                        "partition of table {} was flushed or compacted while the transaction ran",
                        part.table
                    ),
                });
            }
        }
        let conflict = |part: &PartitionId| {
            let def = inner.catalog.snapshot().table(part.table).cloned();
            StorageError::Conflict {
                detail: format!(
                    "a row of {} was written by another transaction",
                    def.map(|d| d.qualified_name())
                        .unwrap_or_else(|| part.table.to_string())
                ),
            }
        };
        let observed: Vec<(&Vec<u8>, &(PartitionId, HotObs))> = self.observed.iter().collect();
        if let Some((_, (part, _))) = observed.iter().find(|(k, _)| earlier.contains(*k)) {
            return Err(conflict(part));
        }
        let current =
            db.batched_multi_get_cf(hot, observed.iter().map(|(k, _)| k.as_slice()), false);
        for ((_, (part, obs)), now) in observed.iter().zip(current) {
            let now = match now? {
                None => HotObs::Missing,
                Some(v) => HotObs::Present(value::decode(&v)?.seq),
            };
            if now != *obs {
                return Err(conflict(part));
            }
        }
        for r in &self.scanned {
            let in_group = earlier
                .range::<[u8], _>((
                    std::ops::Bound::Included(r.lo.as_slice()),
                    std::ops::Bound::Excluded(r.hi.as_slice()),
                ))
                .next()
                .is_some();
            let which = if in_group {
                Some(String::new())
            } else {
                newest_in_range(db, hot, &r.lo, &r.hi, r.seen_seq)?
                    .map(|seq| format!("(sequence {seq}) "))
            };
            if let Some(which) = which {
                let def = inner.catalog.snapshot().table(r.part.table).cloned();
                return Err(StorageError::Conflict {
                    detail: format!(
                        "another transaction wrote a row {which}of {} in a range this transaction scanned",
                        def.map(|d| d.qualified_name())
                            .unwrap_or_else(|| r.part.table.to_string())
                    ),
                });
            }
        }
        let catalog = inner.catalog.snapshot();
        let mut checked: Vec<PartitionId> = Vec::new();
        for p in self.writes.values() {
            if checked.contains(&p.part) {
                continue;
            }
            if catalog.table(p.part.table).is_none() {
                return Err(StorageError::UnknownTable(format!(
                    "{} (dropped meanwhile)",
                    p.part.table
                )));
            }
            if let Some(u) = p.part.owner
                && catalog.user(u).is_none()
            {
                return Err(StorageError::UnknownUser(format!(
                    "{u} (dropped meanwhile)"
                )));
            }
            checked.push(p.part);
        }
        Ok(())
    }
}

/// The sequence of a hot version in `[lo, hi)` newer than `seen`, if any (called under
/// the commit lock, so no commit runs meanwhile).
fn newest_in_range(
    db: &rocksdb::DB,
    hot: &rocksdb::ColumnFamily,
    lo: &[u8],
    hi: &[u8],
    seen: u64,
) -> Result<Option<u64>> {
    let mut ro = rocksdb::ReadOptions::default();
    ro.set_iterate_upper_bound(hi.to_vec());
    ro.fill_cache(false);
    let mode = rocksdb::IteratorMode::From(lo, rocksdb::Direction::Forward);
    for item in db.iterator_cf_opt(hot, ro, mode) {
        let (_, v) = item?;
        let seq = value::decode(&v)?.seq;
        if seq > seen {
            return Ok(Some(seq));
        }
    }
    Ok(None)
}
