//! Scheduled maintenance: every `storage.jobs_interval_ms` the scheduler asks the
//! engine to do what its policies say is due (flush by rows, interval, age or memory
//! budget; compact after flushes; evict expired stream rows) on a blocking thread,
//! and records each job in the log. On-demand jobs (`flush table`, `compact table`)
//! go through [`flush_table`] and [`compact_table`], which do every partition of the
//! table.

use std::sync::Arc;
use std::time::Duration;

use kalavar_storage::{FlushReason, JobReport, TableId, UserId};
use tokio::sync::watch;
use tracing::warn;

use crate::db::Database;
use crate::vm::error::Result;

fn names(db: &Database, table: TableId) -> (Option<String>, Option<String>) {
    match db.engine.catalog().table(table) {
        Some(t) => (Some(t.namespace.clone()), Some(t.name.clone())),
        None => (None, None),
    }
}

fn record(
    db: &Database,
    kind: &'static str,
    reason: &'static str,
    table: TableId,
    owner: Option<UserId>,
    rows: i64,
) {
    let (ns, name) = names(db, table);
    let id = db.jobs.start(
        kind,
        reason,
        ns.as_deref(),
        name.as_deref(),
        owner.map(|u| u.0),
    );
    db.jobs.finish(id, Some(rows), None, None);
}

/// Runs what is due once; returns how many jobs ran.
pub fn run_due(db: &Database) -> Result<usize> {
    let reports = db.engine.run_due_jobs()?;
    for r in &reports {
        match r {
            JobReport::Flushed { report, reason } => {
                let reason = match reason {
                    FlushReason::RowCount => "rows",
                    FlushReason::Interval => "interval",
                    FlushReason::MaxAge => "age",
                    FlushReason::MemoryBudget => "memory",
                };
                record(
                    db,
                    "flush",
                    reason,
                    report.partition.table,
                    report.partition.owner,
                    report.versions as i64,
                );
            }
            JobReport::Compacted(c) => record(
                db,
                "compact",
                "segments",
                c.partition.table,
                c.partition.owner,
                c.rows_after as i64,
            ),
            JobReport::Evicted { table, rows } => {
                record(db, "ttl", "ttl", *table, None, *rows as i64)
            }
        }
    }
    Ok(reports.len())
}

/// The partitions of a table that exist (that have ever held rows).
fn partitions(db: &Database, table: TableId) -> Vec<Option<UserId>> {
    db.engine
        .stats()
        .partitions
        .into_iter()
        .filter(|p| p.table == table)
        .map(|p| p.owner)
        .collect()
}

/// `flush table`: flushes every partition of `table`; returns the versions written.
pub fn flush_table(db: &Database, table: TableId) -> Result<u64> {
    each_partition(db, table, "flush", |owner| {
        Ok(db.engine.flush(table, owner)?.map_or(0, |r| r.versions))
    })
}

/// `compact table`: compacts every partition of `table`; returns the rows kept.
pub fn compact_table(db: &Database, table: TableId) -> Result<u64> {
    each_partition(db, table, "compact", |owner| {
        Ok(db.engine.compact(table, owner)?.map_or(0, |r| r.rows_after))
    })
}

/// Runs an on-demand job on every partition of `table`, each recorded in the job log
/// with the count `job` returns; stops at the first failure (recorded too).
fn each_partition(
    db: &Database,
    table: TableId,
    kind: &'static str,
    mut job: impl FnMut(Option<UserId>) -> std::result::Result<u64, kalavar_storage::StorageError>,
) -> Result<u64> {
    let (ns, name) = names(db, table);
    let mut total = 0;
    for owner in partitions(db, table) {
        let id = db.jobs.start(
            kind,
            "statement",
            ns.as_deref(),
            name.as_deref(),
            owner.map(|u| u.0),
        );
        match job(owner) {
            Ok(n) => {
                total += n;
                db.jobs.finish(id, Some(n as i64), None, None);
            }
            Err(e) => {
                db.jobs.finish(id, None, None, Some(e.to_string()));
                return Err(e.into());
            }
        }
    }
    Ok(total)
}

/// Runs due jobs every `interval` until `stop` turns true.
pub async fn run(db: Arc<Database>, interval: Duration, mut stop: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => return,
            _ = tokio::time::sleep(interval) => {}
        }
        let db = db.clone();
        match tokio::task::spawn_blocking(move || run_due(&db)).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => warn!(error = %e, "scheduled maintenance failed"),
            Err(e) => warn!(error = %e, "scheduled maintenance panicked"),
        }
    }
}
