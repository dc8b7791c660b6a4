//! Transactions: optimistic concurrency with backward validation.
//!
//! A [`Txn`] buffers its writes in memory and remembers, for every key it read or
//! wrote, what the hot tier held for that key when it first looked (absent, or the
//! sequence number of the version there), plus the manifest version of every partition
//! it looked into. `commit` takes the engine's commit lock, re-reads those keys, and
//! fails with the retryable `S001 Conflict` if any changed — another transaction
//! committed a write to a key this one read or wrote — or if a partition it looked
//! into was flushed or compacted meanwhile (a flush can move a concurrently inserted
//! key to the cold tier, so the hot tier alone would not show it). Otherwise it assigns
//! sequence numbers in commit order and writes everything in one RocksDB batch, synced
//! per [`crate::Durability`]. Reads inside the transaction see its own writes; reads of
//! committed data see the latest commit (each scan a consistent snapshot).
//!
//! Scans inside a transaction record the key range they covered and the last sequence
//! number committed when they started; at commit, any hot version in a scanned range
//! newer than that — a row inserted, updated or deleted there by another transaction,
//! a phantom included — is a conflict, as is a flush or compaction of the partition.
//! A transaction that writes therefore commits only if everything it read (point reads
//! and scans) is still what it would read at its commit point: serializable. A
//! transaction that wrote nothing is not validated: each of its reads sees the latest
//! committed state at the time of that read (each scan one consistent snapshot), but
//! two reads may see different states.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use arrow_array::RecordBatch;
use rocksdb::{WriteBatch, WriteOptions};

use super::handle::Inner;
use super::read::{GetPlan, describe_row_key};
use super::rows::{EncodedRow, KeySource, encode_batch};
use crate::catalog::{CATALOG_CF, ColumnId, TableDef, TableId, UserId, meta_key};
use crate::cold::PartitionId;
use crate::encoding::key::encode_key;
use crate::error::{Result, StorageError};
use crate::options::Durability;
use crate::scan::hot_cache::{HotWrite, Scope};
use crate::scan::{ScanIter, ScanSpec};
use crate::types::ScalarValue;

/// What the hot tier held for a key when the transaction first looked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HotObs {
    Missing,
    Present(u64),
}

/// A buffered write.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub part: PartitionId,
    pub tombstone: bool,
    pub row: Vec<u8>,
}

/// What a successful commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    /// Sequence number of the last version written (0 for a read-only transaction).
    pub last_seq: u64,
    /// Row versions written (rows and tombstones).
    pub writes: usize,
}

/// A transaction. Dropping it without `commit` rolls it back.
pub struct Txn {
    pub(super) inner: Arc<Inner>,
    pub(crate) writes: BTreeMap<Vec<u8>, Pending>,
    pub(super) observed: HashMap<Vec<u8>, (PartitionId, HotObs)>,
    pub(super) versions: HashMap<PartitionId, u64>,
    pub(super) scanned: Vec<ScannedRange>,
}

/// A key range a scan of this transaction covered.
#[derive(Debug, Clone)]
pub(super) struct ScannedRange {
    pub part: PartitionId,
    pub lo: Vec<u8>,
    pub hi: Vec<u8>,
    /// Every version committed with a sequence up to this one was visible to the scan.
    pub seen_seq: u64,
}

impl Txn {
    pub(crate) fn new(inner: Arc<Inner>) -> Txn {
        Txn {
            inner,
            writes: BTreeMap::new(),
            observed: HashMap::new(),
            versions: HashMap::new(),
            scanned: Vec::new(),
        }
    }

    /// Rows written so far (not yet committed).
    pub fn pending_writes(&self) -> usize {
        self.writes.len()
    }

    fn check_room(&self, more: usize) -> Result<()> {
        let max = self.inner.options.limits.max_txn_rows;
        if self.writes.len() + more > max {
            return Err(StorageError::LimitExceeded(format!(
                "a transaction may write at most {max} rows; commit in smaller steps"
            )));
        }
        Ok(())
    }

    /// Whether a committed-or-pending live version of each key exists, recording what
    /// the hot tier held the first time (one hot multi-get for all of them).
    fn exists_many(&mut self, part: PartitionId, keys: &[&[u8]]) -> Result<Vec<bool>> {
        let mut out = vec![false; keys.len()];
        let mut ask: Vec<usize> = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            match self.writes.get(*k) {
                Some(p) => out[i] = !p.tombstone,
                None => ask.push(i),
            }
        }
        if ask.is_empty() {
            return Ok(out);
        }
        let asked: Vec<&[u8]> = ask.iter().map(|i| keys[*i]).collect();
        let (version, found) = self.inner.exists_many(part, &asked, false)?;
        for (i, (obs, live)) in ask.into_iter().zip(found) {
            self.observe(part, keys[i], obs, version);
            out[i] = live;
        }
        Ok(out)
    }

    /// Buffers encoded rows as pending writes; returns how many.
    fn buffer(&mut self, part: PartitionId, encoded: Vec<EncodedRow>) -> usize {
        let n = encoded.len();
        for e in encoded {
            let pending = Pending {
                part,
                tombstone: false,
                row: e.row,
            };
            self.writes.insert(e.key, pending);
        }
        n
    }

    fn observe(&mut self, part: PartitionId, key: &[u8], obs: HotObs, manifest_version: u64) {
        self.versions.entry(part).or_insert(manifest_version);
        self.observed.entry(key.to_vec()).or_insert((part, obs));
    }

    fn observe_hot_only(&mut self, part: PartitionId, key: &[u8]) -> Result<()> {
        if self.observed.contains_key(key) || self.writes.contains_key(key) {
            return Ok(());
        }
        let (obs, version) = self.inner.hot_observation(part, key)?;
        self.observe(part, key, obs, version);
        Ok(())
    }

    fn encode(
        &self,
        def: &TableDef,
        owner: Option<UserId>,
        rows: &RecordBatch,
        existing: bool,
    ) -> Result<Vec<EncodedRow>> {
        let next = || self.inner.next_row_id();
        let source = match (def.has_hidden_key(), existing) {
            (false, _) => KeySource::Columns,
            (true, false) => KeySource::NewRowIds(&next),
            (true, true) => KeySource::RowIdColumn,
        };
        let encoded = encode_batch(def, owner, rows, source, &self.inner.options.limits)?;
        let mut seen = std::collections::HashSet::with_capacity(encoded.len());
        for (i, e) in encoded.iter().enumerate() {
            if !seen.insert(e.key.as_slice()) {
                return Err(StorageError::DuplicateKey {
                    table: def.qualified_name(),
                    key: format!(
                        "{} (twice in the same batch)",
                        describe_row_key(def, rows, i)
                    ),
                });
            }
        }
        Ok(encoded)
    }

    /// Inserts full rows; fails with `S111` (and writes nothing) if any key exists,
    /// hot or cold. Rows are positional: one column per table column, in table order.
    pub fn insert(
        &mut self,
        table: TableId,
        owner: Option<UserId>,
        rows: &RecordBatch,
    ) -> Result<usize> {
        let (def, part) = self.inner.resolve(table, owner)?;
        self.check_room(rows.num_rows())?;
        let encoded = self.encode(&def, owner, rows, false)?;
        if !def.has_hidden_key() {
            let keys: Vec<&[u8]> = encoded.iter().map(|e| e.key.as_slice()).collect();
            let found = self.exists_many(part, &keys)?;
            if let Some(i) = found.iter().position(|f| *f) {
                return Err(StorageError::DuplicateKey {
                    table: def.qualified_name(),
                    key: describe_row_key(&def, rows, i),
                });
            }
        }
        Ok(self.buffer(part, encoded))
    }

    /// Inserts rows or replaces the rows with the same keys.
    pub fn upsert(
        &mut self,
        table: TableId,
        owner: Option<UserId>,
        rows: &RecordBatch,
    ) -> Result<usize> {
        let (def, part) = self.inner.resolve(table, owner)?;
        if def.has_hidden_key() {
            return Err(StorageError::invalid(format!(
                "table {} has no primary key, so upsert has nothing to match on; use insert",
                def.qualified_name()
            )));
        }
        self.check_room(rows.num_rows())?;
        let encoded = self.encode(&def, owner, rows, false)?;
        for e in &encoded {
            self.observe_hot_only(part, &e.key)?;
        }
        Ok(self.buffer(part, encoded))
    }

    /// Replaces existing rows by key (full new rows); fails with `S112` (and writes
    /// nothing) if a key is absent. Tables without a primary key take a trailing
    /// `__rowid` int64 column naming the rows (as scans return it).
    pub fn update(
        &mut self,
        table: TableId,
        owner: Option<UserId>,
        rows: &RecordBatch,
    ) -> Result<usize> {
        let (def, part) = self.inner.resolve(table, owner)?;
        self.check_room(rows.num_rows())?;
        let encoded = self.encode(&def, owner, rows, true)?;
        let keys: Vec<&[u8]> = encoded.iter().map(|e| e.key.as_slice()).collect();
        let found = self.exists_many(part, &keys)?;
        if let Some(i) = found.iter().position(|f| !*f) {
            return Err(StorageError::KeyNotFound {
                table: def.qualified_name(),
                key: describe_row_key(&def, rows, i),
            });
        }
        Ok(self.buffer(part, encoded))
    }

    /// Deletes rows by key (the key columns' values; `[row id]` for tables without a
    /// primary key). Returns how many existed.
    pub fn delete(
        &mut self,
        table: TableId,
        owner: Option<UserId>,
        keys: &[Vec<ScalarValue>],
    ) -> Result<usize> {
        let (def, part) = self.inner.resolve(table, owner)?;
        self.check_room(keys.len())?;
        let mut encoded = Vec::with_capacity(keys.len());
        for k in keys {
            encoded.push(encode_key(&def, owner, k, false)?);
        }
        let keys: Vec<&[u8]> = encoded.iter().map(|k| k.as_slice()).collect();
        let found = self.exists_many(part, &keys)?;
        let mut n = 0;
        let mut seen = std::collections::HashSet::new();
        for (k, live) in encoded.into_iter().zip(found) {
            if live && seen.insert(k.clone()) {
                self.writes.insert(
                    k,
                    Pending {
                        part,
                        tombstone: true,
                        row: Vec::new(),
                    },
                );
                n += 1;
            }
        }
        Ok(n)
    }

    /// Point lookup by key, seeing this transaction's own writes. Returns a one-row
    /// batch of the projected columns (all when `None`), or `None`.
    pub fn get(
        &mut self,
        table: TableId,
        owner: Option<UserId>,
        key: &[ScalarValue],
        projection: Option<&[ColumnId]>,
    ) -> Result<Option<RecordBatch>> {
        let (def, part) = self.inner.resolve(table, owner)?;
        let k = encode_key(&def, owner, key, false)?;
        let plan = GetPlan::new(&def, projection, key)?;
        if let Some(p) = self.writes.get(&k) {
            if p.tombstone {
                return Ok(None);
            }
            let row = p.row.clone();
            return self.inner.hot_row_batch(&def, &plan.cols, &row).map(Some);
        }
        let (obs, version, hit) = self.inner.lookup_committed(part, &k, &plan.wanted)?;
        self.observe(part, &k, obs, version);
        self.inner.hit_to_batch(&def, &plan, hit)
    }

    /// A scan that sees this transaction's own writes. Its key range is recorded: a
    /// write by another transaction into it before this one commits is a conflict.
    pub fn scan(&mut self, spec: ScanSpec) -> Result<ScanIter> {
        let (_, part) = self.inner.resolve(spec.table, spec.owner)?;
        // Read before the scan takes its snapshot, so that both can only be older than
        // what the scan sees: a commit in between is at worst a needless conflict.
        // Commits write under the commit lock, so every sequence up to `last_seq` is
        // already in RocksDB.
        let seen_seq = self.inner.commit.lock().expect("commit lock").last_seq;
        let version = self.inner.manifest_version(part);
        let it = ScanIter::new(&self.inner, spec, Some(&self.writes))?;
        let (lo, hi) = it.key_range();
        if lo < hi {
            self.versions.entry(part).or_insert(version);
            self.scanned.push(ScannedRange {
                part,
                lo: lo.to_vec(),
                hi: hi.to_vec(),
                seen_seq,
            });
        }
        Ok(it)
    }

    /// Validates and commits; `S001 Conflict` (retryable) if another transaction
    /// wrote a key this one read or wrote since it looked. (See
    /// [`crate::Engine::commit_group`] for several at once, with one sync.)
    pub fn commit(self) -> Result<CommitInfo> {
        let inner = self.inner.clone();
        let mut out = super::commit::commit_group(&inner, vec![self]);
        out.pop().expect("one result per transaction")
    }

    /// Discards the transaction's writes.
    pub fn rollback(self) {}
}

impl Inner {
    /// Writes a commit's batch with the catalog's sequence and row-id high-water
    /// marks (`seq` is the last sequence the batch uses), synced at the engine's
    /// durability, and records its hot `writes` (to the partitions `parts`) in the hot
    /// scan cache. Called under the commit lock.
    pub(crate) fn write_commit<'w>(
        &self,
        mut batch: WriteBatch,
        seq: u64,
        parts: Vec<PartitionId>,
        writes: &mut dyn Iterator<Item = HotWrite<'w>>,
    ) -> Result<()> {
        let cat_cf = self.db.cf_handle(CATALOG_CF).expect("catalog cf");
        batch.put_cf(cat_cf, meta_key("seq"), seq.to_be_bytes());
        batch.put_cf(
            cat_cf,
            meta_key("rowid"),
            self.row_id_high_water().to_be_bytes(),
        );
        self.failpoint_error("commit.write")?;
        let mut wo = WriteOptions::default();
        wo.set_sync(self.options.durability == Durability::Sync);
        // Registered before the write, recorded after it: a scan never misses it
        // (see `scan::hot_cache`). A failed write drops the partitions' entries.
        let guard = self.hot_scan_cache.begin(Scope::Parts(parts));
        let lower = self.db.latest_sequence_number() + 1;
        self.db.write_opt(batch, &wo)?;
        let upper = self.db.latest_sequence_number();
        guard.recorded(lower, upper, writes);
        Ok(())
    }
}
