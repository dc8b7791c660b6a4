//! The write-ahead log at `Durability::Sync`: the log in use after open is a recycled
//! one, written in full by the prefill, so that durable commits overwrite it instead
//! of growing it; a log switch and a reopen keep every committed row.
//! (`tests/crash.rs` kills a durable writer at random points over such logs.)

mod common;

use common::*;
use kalavar_storage::*;

fn synced(prefill: usize) -> EngineOptions {
    EngineOptions {
        durability: Durability::Sync,
        write_buffer_bytes: 1 << 20,
        wal_prefill_bytes: prefill,
        ..options()
    }
}

/// Length of the newest `<number>.log` file (the log in use) in `<dir>/hot`.
fn current_log_len(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir.join("hot"))
        .unwrap()
        .filter_map(|e| {
            let e = e.unwrap();
            let n: u64 = e.file_name().to_str()?.strip_suffix(".log")?.parse().ok()?;
            Some((n, e.metadata().unwrap().len()))
        })
        .max()
        .map(|(_, len)| len)
        .expect("a log file")
}

#[test]
fn durable_commits_overwrite_a_prefilled_recycled_log() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), synced(512 << 10)).unwrap();
    let t = table(&e, "t", TableKind::Shared);
    let before = current_log_len(dir.path());
    assert!(before >= 512 << 10, "the log in use is {before} bytes long");
    for i in 0..200 {
        e.commit_group(vec![{
            let mut txn = e.begin();
            txn.insert(t.id, None, &rows(&t, &[(i, Some(i))])).unwrap();
            txn
        }])
        .pop()
        .unwrap()
        .unwrap();
    }
    // 200 commits of ~100 bytes stay inside the recycled log: it did not grow.
    assert_eq!(current_log_len(dir.path()), before);
    drop(e);
    let e = Engine::open(dir.path(), synced(512 << 10)).unwrap();
    let want: Vec<_> = (0..200).map(|i| (i, Some(i))).collect();
    assert_eq!(ids_x(&e, all(&t, None)), want);
}

#[test]
fn without_prefill_the_log_in_use_starts_empty() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), synced(0)).unwrap();
    assert!(current_log_len(dir.path()) < 64 << 10);
    drop(e);
}

#[test]
fn log_switches_over_recycled_logs_keep_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), synced(256 << 10)).unwrap();
    let t = table(&e, "t", TableKind::Shared);
    // About 6 MiB of rows through 1 MiB memtables: several log switches, each onto a
    // recycled log, with commits both synced alone and in batches.
    let body = "x".repeat(2000);
    let mut id = 0;
    for round in 0..30 {
        let mut txn = e.begin();
        let batch: Vec<(i64, Option<i64>)> = (0..100).map(|k| (id + k, Some(round))).collect();
        txn.insert(t.id, None, &rows_with_body(&t, &batch, &body))
            .unwrap();
        e.commit_group(vec![txn]).pop().unwrap().unwrap();
        id += 100;
    }
    let recycled = std::fs::read_to_string(dir.path().join("hot/LOG")).unwrap();
    assert!(
        recycled.matches("reusing log").count() >= 3,
        "RocksDB switched onto recycled logs"
    );
    drop(e);
    let e = Engine::open(dir.path(), synced(256 << 10)).unwrap();
    let want: Vec<_> = (0..3000).map(|i| (i, Some(i / 100))).collect();
    assert_eq!(ids_x(&e, all(&t, None)), want);
}

/// Like `rows`, with `body` in every row.
fn rows_with_body(
    def: &TableDef,
    data: &[(i64, Option<i64>)],
    body: &str,
) -> arrow_array::RecordBatch {
    use std::sync::Arc;
    let b = rows(def, data);
    let mut cols = b.columns().to_vec();
    cols[2] = Arc::new(arrow_array::StringArray::from(vec![body; data.len()]));
    arrow_array::RecordBatch::try_new(b.schema(), cols).unwrap()
}
