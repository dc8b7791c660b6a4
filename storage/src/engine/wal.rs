//! The write-ahead log's files: recycled, and written once at open, so that the sync
//! of a durable commit overwrites blocks the file system has already allocated and
//! written.
//!
//! A durable commit ends in one `fdatasync` of RocksDB's log. On ext4 that sync costs
//! about 290 µs when the write grows the file (a fresh log: the size and the new
//! extent go through the journal), about 190 µs inside a region RocksDB reserved with
//! `fallocate(KEEP_SIZE)` (the extent still flips from unwritten to written), and
//! about 110 µs when it overwrites blocks written before (data only; this is what
//! PostgreSQL's zero-filled, recycled 16 MB segments get). RocksDB reuses a log that
//! is no longer needed (`recycle_log_file_num`) by renaming it and writing it again
//! from its start, with records that name their log so that stale ones past the end
//! are recognised at recovery. But a log of an earlier process is never recycled, and
//! every open starts a fresh one; so [`prime`] writes `bytes` of filler (log-only
//! records, which reach no memtable) into the fresh log and switches logs, twice: the
//! log in use is then a recycled one at least `bytes` long, and the next one waiting
//! for recycling is as long.

use std::path::Path;

use rocksdb::{DB, FlushOptions, WriteBatch, WriteOptions};

use super::open::HOT_CF;
use crate::catalog::CATALOG_CF;
use crate::error::{Result, StorageError};

/// Logs RocksDB keeps for reuse instead of deleting them.
pub(crate) const RECYCLED_LOGS: usize = 2;

/// Filler written per write, bytes.
const CHUNK: usize = 1 << 20;

/// Fills the log in use with `bytes` of filler and switches to a new one, until the
/// log in use is a recycled log at least `bytes` long: two rounds (the first log
/// becomes the one in use, the second waits for recycling), a third if RocksDB's
/// background purge had not yet released the first log when the second switch came.
pub(crate) fn prime(db: &DB, wal_dir: &Path, bytes: usize) -> Result<()> {
    if bytes == 0 {
        return Ok(());
    }
    let cat = db.cf_handle(CATALOG_CF).expect("catalog cf");
    let hot = db.cf_handle(HOT_CF).expect("hot cf");
    let filler = vec![0u8; CHUNK];
    for _ in 0..3 {
        let mut left = bytes;
        while left > 0 {
            let n = left.min(CHUNK);
            let mut batch = WriteBatch::default();
            batch.put_log_data(&filler[..n]);
            let mut wo = WriteOptions::default();
            wo.set_sync(n == left);
            db.write_opt(batch, &wo)?;
            left -= n;
        }
        // A memtable must hold something for a flush to switch logs.
        let mut batch = WriteBatch::default();
        batch.put_cf(cat, b"~wal-prime", b"");
        batch.delete_cf(cat, b"~wal-prime");
        db.write(batch)?;
        let mut fo = FlushOptions::default();
        fo.set_wait(true);
        db.flush_cfs_opt(&[cat, hot], &fo)?;
        if current_log_len(wal_dir)? >= bytes as u64 {
            return Ok(());
        }
    }
    Ok(())
}

/// Length of the newest log file in `wal_dir` (RocksDB names them `<number>.log`).
fn current_log_len(wal_dir: &Path) -> Result<u64> {
    let mut best: Option<(u64, u64)> = None;
    for entry in std::fs::read_dir(wal_dir).map_err(|e| StorageError::io(wal_dir, e))? {
        let entry = entry.map_err(|e| StorageError::io(wal_dir, e))?;
        let name = entry.file_name();
        let Some(number) = name
            .to_str()
            .and_then(|n| n.strip_suffix(".log"))
            .and_then(|n| n.parse::<u64>().ok())
        else {
            continue;
        };
        let len = entry
            .metadata()
            .map_err(|e| StorageError::io(&entry.path(), e))?
            .len();
        if best.is_none_or(|(b, _)| number > b) {
            best = Some((number, len));
        }
    }
    Ok(best.map_or(0, |(_, len)| len))
}
