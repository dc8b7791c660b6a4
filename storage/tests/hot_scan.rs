//! Scans of ranges only the hot tier holds, read by several threads at once: the same
//! rows as one thread, in key order, at one snapshot, within one user's partition,
//! with deleted and updated rows decided, and a transaction's own writes seen.

mod common;

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use common::*;
use kalavar_storage::*;

/// Ids of the batches of a scan, in the order returned, with their `x`.
fn in_order(batches: &[RecordBatch]) -> Vec<(i64, Option<i64>)> {
    let mut out = Vec::new();
    for b in batches {
        let ids = b.column(0).as_primitive::<Int64Type>();
        let xs = b.column(1).as_primitive::<Int64Type>();
        for i in 0..b.num_rows() {
            out.push((ids.value(i), (!xs.is_null(i)).then(|| xs.value(i))));
        }
    }
    out
}

fn scan(e: &Engine, spec: ScanSpec) -> Vec<RecordBatch> {
    e.scan(spec).unwrap().collect::<Result<_>>().unwrap()
}

fn open_with_threads(dir: &std::path::Path, threads: usize) -> Engine {
    Engine::open(
        dir,
        EngineOptions {
            scan_threads: threads,
            ..options()
        },
    )
    .unwrap()
}

#[test]
fn a_hot_range_read_by_several_threads_returns_what_one_thread_does() {
    let dir = tempfile::tempdir().unwrap();
    let e = open_with_threads(dir.path(), 4);
    let t = table(&e, "notes", TableKind::User);
    let alice = user(&e, "alice");
    let bob = user(&e, "bob");
    // Alice: 120,000 rows, unevenly spread (dense, then sparse), written in pieces so
    // that they sit in several SST files and the memtable (4 MiB write buffers).
    let alice_ids: Vec<i64> = (0..100_000i64)
        .chain((0..20_000).map(|i| 1_000_000 + i * 1_000))
        .collect();
    for piece in alice_ids.chunks(20_000) {
        let r: Vec<_> = piece.iter().map(|id| (*id, Some(id * 2))).collect();
        e.insert(t.id, Some(alice), &rows(&t, &r)).unwrap();
    }
    // Bob's rows sit on both sides of alice's in key order (user ids are in the key)
    // and share her ids: none may leak into her scan.
    let bob_rows: Vec<_> = (0..50_000i64).map(|id| (id, Some(-1))).collect();
    e.insert(t.id, Some(bob), &rows(&t, &bob_rows)).unwrap();
    // Deletes (tombstones, also in runs longer than the first thread's share) and
    // updates of alice's rows.
    let deleted: Vec<Vec<ScalarValue>> = (40_000..80_000)
        .chain(
            (0..100_000)
                .step_by(7)
                .filter(|id| !(40_000..80_000).contains(id)),
        )
        .map(key)
        .collect();
    e.delete(t.id, Some(alice), &deleted).unwrap();
    let updated: Vec<_> = (0..100_000i64)
        .step_by(5)
        .filter(|id| !(40_000..80_000).contains(id) && id % 7 != 0)
        .map(|id| (id, None))
        .collect();
    e.update(t.id, Some(alice), &rows(&t, &updated)).unwrap();

    let mut want: Vec<(i64, Option<i64>)> = alice_ids
        .iter()
        .filter(|id| {
            let gone = (40_000..80_000).contains(*id) || (**id < 100_000 && *id % 7 == 0);
            !gone
        })
        .map(|id| (*id, (*id >= 100_000 || id % 5 != 0).then_some(id * 2)))
        .collect();
    want.sort();
    let parallel = scan(&e, all(&t, Some(alice)));
    assert_eq!(in_order(&parallel), want, "parallel scan, in key order");
    assert!(parallel.iter().all(|b| b.num_rows() <= 8192));
    assert_eq!(
        in_order(&scan(&e, all(&t, Some(bob)))),
        bob_rows,
        "bob's partition"
    );
    // Bounded ranges and predicates over the same rows.
    let range = KeyRange {
        start: std::ops::Bound::Included(key(10_000)),
        end: std::ops::Bound::Excluded(key(5_000_000)),
    };
    let spec = all(&t, Some(alice))
        .range(range.clone())
        .filter(x_col(&t), PredicateOp::Gt(ScalarValue::Int64(50_000)));
    let want_range: Vec<_> = want
        .iter()
        .filter(|(id, x)| *id >= 10_000 && *id < 5_000_000 && x.is_some_and(|x| x > 50_000))
        .copied()
        .collect();
    assert_eq!(in_order(&scan(&e, spec.clone())), want_range);
    drop(e);

    // One thread reads exactly the same rows.
    let e = open_with_threads(dir.path(), 1);
    assert_eq!(in_order(&scan(&e, all(&t, Some(alice)))), want);
    assert_eq!(in_order(&scan(&e, spec)), want_range);
}

#[test]
fn a_parallel_hot_scan_reads_one_snapshot_and_a_transaction_sees_its_writes() {
    let dir = tempfile::tempdir().unwrap();
    let e = Arc::new(open_with_threads(dir.path(), 2));
    let t = table(&e, "t", TableKind::Shared);
    let first: Vec<_> = (0..100_000i64).map(|id| (id * 2, Some(1))).collect();
    e.insert(t.id, None, &rows(&t, &first)).unwrap();
    // A writer keeps adding rows (odd ids, all over the range) while scans run: each
    // scan sees a whole number of the writer's batches, never part of one.
    let writer = {
        let e = e.clone();
        let t = t.clone();
        std::thread::spawn(move || {
            for b in 0..20i64 {
                let r: Vec<_> = (0..1_000i64)
                    .map(|i| (i * 200 + b * 2 + 1, Some(2)))
                    .collect();
                e.insert(t.id, None, &rows(&t, &r)).unwrap();
            }
        })
    };
    for _ in 0..10 {
        let got = in_order(&scan(&e, all(&t, None)));
        let new = got.iter().filter(|r| r.1 == Some(2)).count();
        assert_eq!(got.len(), 100_000 + new);
        assert_eq!(new % 1_000, 0, "a partial commit was visible");
        assert!(got.windows(2).all(|w| w[0].0 < w[1].0), "key order");
    }
    writer.join().unwrap();
    assert_eq!(in_order(&scan(&e, all(&t, None))).len(), 120_000);
    // A transaction's own pending writes (and deletes) are part of what it scans.
    let mut txn = e.begin();
    txn.insert(t.id, None, &rows(&t, &[(-5, Some(3))])).unwrap();
    txn.delete(t.id, None, &[key(0), key(2)]).unwrap();
    let b = txn.scan(all(&t, None)).unwrap().collect_batch().unwrap();
    let got = pairs(&b);
    assert_eq!(got.len(), 120_000 - 1);
    assert_eq!(got[0], (-5, Some(3)));
    assert_eq!(got[1].0, 1);
    // Others do not see them until the commit.
    assert_eq!(in_order(&scan(&e, all(&t, None))).len(), 120_000);
    txn.commit().unwrap();
    assert_eq!(in_order(&scan(&e, all(&t, None))).len(), 120_000 - 1);
}

#[test]
fn the_hot_scan_cache_answers_with_every_write_applied() {
    let dir = tempfile::tempdir().unwrap();
    let e = open_with_threads(dir.path(), 2);
    let t = table(&e, "t", TableKind::Shared);
    let other = table(&e, "other", TableKind::Shared);
    let mut model: std::collections::BTreeMap<i64, Option<i64>> =
        (0..60_000i64).map(|id| (id, Some(id))).collect();
    let r: Vec<_> = model.iter().map(|(k, v)| (*k, *v)).collect();
    e.insert(t.id, None, &rows(&t, &r)).unwrap();
    let check = |e: &Engine, model: &std::collections::BTreeMap<i64, Option<i64>>| {
        let want: Vec<_> = model.iter().map(|(k, v)| (*k, *v)).collect();
        assert_eq!(in_order(&scan(e, all(&t, None))), want);
    };
    check(&e, &model);
    let s = e.stats();
    assert!(s.hot_scan_cache_bytes > 0, "a large hot scan is cached");
    assert_eq!(s.hot_scan_cache_hits, 0);
    // The same scan again, with nothing written in between: from the cache.
    check(&e, &model);
    assert_eq!(e.stats().hot_scan_cache_hits, 1);
    // Other columns are another entry; predicates apply to cached rows too.
    let body = t.column_by_name("body").unwrap().id;
    let b = e
        .scan(all(&t, None).project(vec![body]))
        .unwrap()
        .collect_batch()
        .unwrap();
    assert_eq!(b.num_rows(), 60_000);
    assert_eq!(b.column(0).as_string::<i32>().value(7), "row 7");
    let spec = all(&t, None).filter(x_col(&t), PredicateOp::Lt(ScalarValue::Int64(10)));
    assert_eq!(in_order(&scan(&e, spec.clone())).len(), 10);
    assert_eq!(in_order(&scan(&e, spec)).len(), 10);
    assert_eq!(e.stats().hot_scan_cache_hits, 3);

    // Every kind of write is seen by the next scan: elsewhere (another table: the
    // entry stays and answers) …
    e.insert(other.id, None, &rows(&other, &[(1, Some(1))]))
        .unwrap();
    check(&e, &model);
    assert_eq!(
        e.stats().hot_scan_cache_hits,
        4,
        "a write elsewhere keeps it"
    );
    // … inserts, updates and deletes of the scanned rows (the entry is patched) …
    e.insert(t.id, None, &rows(&t, &[(-1, Some(5))])).unwrap();
    model.insert(-1, Some(5));
    check(&e, &model);
    e.update(t.id, None, &rows(&t, &[(3, None)])).unwrap();
    model.insert(3, None);
    check(&e, &model);
    e.delete(t.id, None, &[key(4)]).unwrap();
    model.remove(&4);
    check(&e, &model);
    assert_eq!(e.stats().hot_scan_cache_hits, 7, "writes to it patch it");
    // … a transaction's own writes (seen by it only, until it commits) …
    let mut txn = e.begin();
    txn.insert(t.id, None, &rows(&t, &[(-2, Some(6))])).unwrap();
    txn.delete(t.id, None, &[key(5)]).unwrap();
    let got = pairs(&txn.scan(all(&t, None)).unwrap().collect_batch().unwrap());
    assert_eq!(got.len(), model.len());
    assert_eq!(got[0], (-2, Some(6)));
    check(&e, &model);
    txn.commit().unwrap();
    model.insert(-2, Some(6));
    model.remove(&5);
    check(&e, &model);
    // … a new column (its backfill) …
    let mut col = ColumnSpec::new("stars", DataType::Int32, true);
    col.backfill = ScalarValue::Int32(7);
    let t2 = e.alter_table(t.id, &AlterTable::AddColumn(col)).unwrap();
    let b = e.scan(all(&t2, None)).unwrap().collect_batch().unwrap();
    let stars = b
        .column(3)
        .as_any()
        .downcast_ref::<arrow_array::Int32Array>()
        .unwrap();
    assert_eq!(stars.len(), model.len());
    assert!(stars.null_count() == 0 && stars.values().iter().all(|v| *v == 7));
    // … and a flush that moves the rows to the cold tier, then new hot rows.
    e.flush(t.id, None).unwrap().unwrap();
    check(&e, &model);
    let more: Vec<_> = (100_000..150_000i64).map(|id| (id, Some(1))).collect();
    e.insert(t.id, None, &rows(&t2, &more)).unwrap();
    model.extend(more);
    check(&e, &model);
    check(&e, &model);
    // Off: nothing is held.
    drop(e);
    let e = Engine::open(
        dir.path(),
        EngineOptions {
            hot_scan_cache_bytes: 0,
            ..options()
        },
    )
    .unwrap();
    check(&e, &model);
    check(&e, &model);
    assert_eq!(e.stats().hot_scan_cache_bytes, 0);
    assert_eq!(e.stats().hot_scan_cache_hits, 0);
}

#[test]
fn a_load_ingested_as_a_table_file_is_seen_by_the_next_scan() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(
        dir.path(),
        EngineOptions {
            durability: Durability::Sync,
            ..options()
        },
    )
    .unwrap();
    let t = table(&e, "t", TableKind::Shared);
    let first: Vec<_> = (0..40_000i64).map(|id| (id, Some(1))).collect();
    e.load(t.id, None, &[rows(&t, &first)], false).unwrap();
    assert_eq!(in_order(&scan(&e, all(&t, None))).len(), 40_000);
    assert_eq!(in_order(&scan(&e, all(&t, None))).len(), 40_000);
    assert_eq!(e.stats().hot_scan_cache_hits, 1);
    // Keys past every existing one: RocksDB may ingest the file without a new
    // sequence number.
    let more: Vec<_> = (100_000..120_000i64).map(|id| (id, Some(2))).collect();
    e.load(t.id, None, &[rows(&t, &more)], false).unwrap();
    assert_eq!(e.stats().loads_ingested, 2, "both loads were ingested");
    let got = in_order(&scan(&e, all(&t, None)));
    assert_eq!(got.len(), 60_000);
    assert_eq!(got.last(), Some(&(119_999, Some(2))));
}
