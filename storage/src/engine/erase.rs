//! Erasing partitions: a dropped table, or every partition a user owns. The work is
//! recorded as a `pending/` catalog entry in the same batch as the change that causes
//! it and deleted when done, so a crash midway resumes at the next open; each step is
//! idempotent (deleting what is already gone is a no-op).

use rocksdb::{FlushOptions, WriteOptions};

use super::handle::Inner;
use super::open::HOT_CF;
use crate::catalog::{PendingErase, TableId, TableKind, UserId};
use crate::cold::layout;
use crate::encoding::key::{partition_prefix, prefix_successor, table_prefix};
use crate::error::{Result, StorageError};
use crate::scan::hot_cache::Scope;

impl Inner {
    /// Carries out one recorded erasure, then marks it done.
    pub(crate) fn run_pending(&self, n: u64, work: &PendingErase) -> Result<()> {
        match work {
            PendingErase::Table(t) => self.erase_table_data(*t)?,
            PendingErase::User(u) => self.erase_user_data(*u)?,
        }
        self.failpoint("erase.before_done");
        self.catalog.finish_pending(&self.db, n, self.fsync())
    }

    fn delete_hot_prefix(&self, prefix: &[u8]) -> Result<()> {
        let cf = self.db.cf_handle(HOT_CF).expect("hot cf");
        {
            // Under the commit lock, so that no commit validated before the erasure
            // lands rows after it.
            let _commit = self.commit.lock().expect("commit lock");
            let end = prefix_successor(prefix).expect("prefixes start with a table id");
            let mut wo = WriteOptions::default();
            wo.set_sync(self.fsync());
            let _cached = self.hot_scan_cache.begin(Scope::All);
            self.db.delete_range_cf_opt(cf, prefix, &end[..], &wo)?;
        }
        // A range tombstone in a memtable turns that memtable's bloom filter off for
        // every point lookup (RocksDB's rule), which makes the uniqueness checks of
        // later inserts and loads search its skip list key by key; flushing moves the
        // tombstone into an SST file, where it costs nothing of the kind.
        let mut fo = FlushOptions::default();
        fo.set_wait(true);
        self.db.flush_cf_opt(cf, &fo)?;
        Ok(())
    }

    fn remove_dir(&self, path: &std::path::Path) -> Result<()> {
        match std::fs::remove_dir_all(path) {
            Ok(()) => crate::util::sync_dir(path.parent().expect("has parent"), self.fsync()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(StorageError::io(path, e)),
        }
    }

    pub(crate) fn erase_table_data(&self, table: TableId) -> Result<()> {
        let parts: Vec<_> = self
            .partitions
            .all()
            .into_iter()
            .filter(|p| p.id.table == table)
            .collect();
        let _guards: Vec<_> = parts
            .iter()
            .map(|p| p.work.lock().expect("work lock"))
            .collect();
        self.delete_hot_prefix(&table_prefix(table))?;
        self.remove_dir(&layout::table_dir(&self.dir, table))?;
        self.forget_table(table);
        Ok(())
    }

    /// Removes one partition, hot and cold, holding its work lock so that no flush or
    /// compaction of it is half-way meanwhile.
    /// `hot` is false for tables no longer in the catalog (their whole key range goes
    /// with the pending table drop; a user prefix must never be applied to a table
    /// of another kind, whose keys have no owner part).
    fn erase_partition(&self, table: TableId, owner: Option<UserId>, hot: bool) -> Result<()> {
        let part = self
            .partitions
            .get(crate::cold::PartitionId { table, owner });
        let _guard = part.as_ref().map(|p| p.work.lock().expect("work lock"));
        if hot {
            self.delete_hot_prefix(&partition_prefix(table, owner))?;
        }
        self.failpoint("erase.hot_deleted");
        self.remove_dir(&layout::partition_dir(&self.dir, table, owner))?;
        self.forget_partition(table, owner);
        Ok(())
    }

    pub(crate) fn erase_user_data(&self, user: UserId) -> Result<()> {
        let snap = self.catalog.snapshot();
        let user_tables: std::collections::BTreeSet<TableId> = snap
            .tables()
            .filter(|t| t.kind == TableKind::User)
            .map(|t| t.id)
            .collect();
        let mut on_disk = std::collections::BTreeSet::new();
        // Cold directories of every table on disk too, including ones whose drop is
        // still pending.
        let root = layout::cold_root(&self.dir);
        match std::fs::read_dir(&root) {
            Ok(entries) => {
                for entry in entries {
                    let entry = entry.map_err(|e| StorageError::io(&root, e))?;
                    if let Some(t) = layout::parse_table_dir(&entry.file_name().to_string_lossy())
                        && snap.table(t).is_none()
                    {
                        on_disk.insert(t);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(StorageError::io(&root, e)),
        }
        for t in user_tables {
            self.erase_partition(t, Some(user), true)?;
        }
        for t in on_disk {
            self.erase_partition(t, Some(user), false)?;
        }
        Ok(())
    }

    /// Drops in-memory state of a table's partitions. Their segments stay readable by
    /// scans already running (they hold the files open).
    pub(crate) fn forget_table(&self, table: TableId) {
        self.partitions.remove_where(|p| p.table == table);
    }

    /// Drops in-memory state of one partition.
    pub(crate) fn forget_partition(&self, table: TableId, owner: Option<UserId>) {
        self.partitions
            .remove_where(|p| p.table == table && p.owner == owner);
    }
}
