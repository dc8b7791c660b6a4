//! The data half of the public API: transactions, auto-commit conveniences, point
//! gets and scans. Every call names the partition by table and owner; the owner must be
//! `Some(user)` exactly for user tables (`S123` otherwise).

use arrow_array::RecordBatch;

use super::handle::{Engine, Inner};
use super::txn::{CommitInfo, Txn};
use crate::catalog::{ColumnId, TableId, UserId};
use crate::error::Result;
use crate::scan::{ScanIter, ScanSpec};
use crate::types::ScalarValue;

impl Engine {
    /// Starts a transaction.
    pub fn begin(&self) -> Txn {
        Txn::new(self.inner.clone())
    }

    /// Runs `f` in a transaction and commits it.
    pub fn with_txn<T>(&self, f: impl FnOnce(&mut Txn) -> Result<T>) -> Result<(T, CommitInfo)> {
        let mut txn = self.begin();
        let out = f(&mut txn)?;
        let info = txn.commit()?;
        Ok((out, info))
    }

    /// Auto-commit [`Txn::insert`].
    pub fn insert(
        &self,
        table: TableId,
        owner: Option<UserId>,
        rows: &RecordBatch,
    ) -> Result<usize> {
        self.with_txn(|t| t.insert(table, owner, rows)).map(|r| r.0)
    }

    /// Auto-commit [`Txn::upsert`].
    pub fn upsert(
        &self,
        table: TableId,
        owner: Option<UserId>,
        rows: &RecordBatch,
    ) -> Result<usize> {
        self.with_txn(|t| t.upsert(table, owner, rows)).map(|r| r.0)
    }

    /// Auto-commit [`Txn::update`].
    pub fn update(
        &self,
        table: TableId,
        owner: Option<UserId>,
        rows: &RecordBatch,
    ) -> Result<usize> {
        self.with_txn(|t| t.update(table, owner, rows)).map(|r| r.0)
    }

    /// Auto-commit [`Txn::delete`].
    pub fn delete(
        &self,
        table: TableId,
        owner: Option<UserId>,
        keys: &[Vec<ScalarValue>],
    ) -> Result<usize> {
        self.with_txn(|t| t.delete(table, owner, keys)).map(|r| r.0)
    }

    /// Point lookup of committed data by primary key (`[row id]` for tables without
    /// one): one RocksDB get when the row is hot; otherwise only the cold segments whose
    /// key range and bloom filter admit the key, and in them one small `__key` page and
    /// one page per returned non-key column.
    pub fn get(
        &self,
        table: TableId,
        owner: Option<UserId>,
        key: &[ScalarValue],
        projection: Option<&[ColumnId]>,
    ) -> Result<Option<RecordBatch>> {
        let (def, part) = self.inner.resolve(table, owner)?;
        let k = crate::encoding::key::encode_key(&def, owner, key, false)?;
        let plan = super::read::GetPlan::new(&def, projection, key)?;
        let (_, _, hit) = self.inner.lookup_committed(part, &k, &plan.wanted)?;
        self.inner.hit_to_batch(&def, &plan, hit)
    }

    /// [`Engine::get`] answering the row's values, one per column of `projection`
    /// (every current column for `None`), instead of a one-row batch: the short path
    /// of a point get that answers one row, with no Arrow arrays built for it.
    pub fn get_values(
        &self,
        table: TableId,
        owner: Option<UserId>,
        key: &[ScalarValue],
        projection: Option<&[ColumnId]>,
    ) -> Result<Option<Vec<ScalarValue>>> {
        self.get_values_at(
            &self.inner.catalog.snapshot(),
            table,
            owner,
            key,
            projection,
        )
    }

    /// [`Engine::get_values`] with the table and owner looked up in `catalog`, a
    /// snapshot the caller already holds (from [`Engine::catalog`]).
    pub fn get_values_at(
        &self,
        catalog: &crate::catalog::CatalogSnapshot,
        table: TableId,
        owner: Option<UserId>,
        key: &[ScalarValue],
        projection: Option<&[ColumnId]>,
    ) -> Result<Option<Vec<ScalarValue>>> {
        let (def, part) = Inner::resolve_in(catalog, table, owner)?;
        let k = crate::encoding::key::encode_key(&def, owner, key, false)?;
        let plan = super::read::GetPlan::new(&def, projection, key)?;
        let (_, _, hit) = self.inner.lookup_committed(part, &k, &plan.wanted)?;
        self.inner.hit_to_values(&def, &plan, hit)
    }

    /// A scan of committed data at one consistent snapshot.
    pub fn scan(&self, spec: ScanSpec) -> Result<ScanIter> {
        ScanIter::new(&self.inner, spec, None)
    }
}
