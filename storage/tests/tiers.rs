//! The known traps of a tiered store, tested exactly: resurrection across a flush,
//! versions decided before filters (hot over cold, cold over cold), primary-key
//! uniqueness across tiers, per-user isolation, TTL eviction, schema evolution.

mod common;

use arrow_array::Array;
use common::*;
use kalavar_storage::*;

#[test]
fn a_deleted_row_stays_deleted_after_a_flush_that_carries_other_live_rows() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(5, Some(1)), (6, Some(1))]))
        .unwrap();
    e.flush(t.id, None).unwrap().unwrap();
    assert_eq!(e.delete(t.id, None, &[key(5)]).unwrap(), 1);
    // The same flush carries live rows too.
    e.insert(t.id, None, &rows(&t, &[(7, Some(2)), (8, Some(2))]))
        .unwrap();
    e.flush(t.id, None).unwrap().unwrap();
    assert_eq!(e.stats().hot_rows, 0);
    let want = vec![(6, Some(1)), (7, Some(2)), (8, Some(2))];
    assert_eq!(ids_x(&e, all(&t, None)), want);
    assert!(e.get(t.id, None, &key(5), None).unwrap().is_none());
    // And after a restart, and after a compaction.
    drop(e);
    let e = open(dir.path());
    assert_eq!(ids_x(&e, all(&t, None)), want);
    assert!(e.get(t.id, None, &key(5), None).unwrap().is_none());
    e.compact(t.id, None).unwrap().unwrap();
    assert_eq!(ids_x(&e, all(&t, None)), want);
    assert_eq!(e.stats().partitions[0].cold_tombstones, 0);
    assert!(e.get(t.id, None, &key(5), None).unwrap().is_none());
}

#[test]
fn versions_are_decided_before_filters_hot_over_cold() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(5, Some(1))])).unwrap();
    e.flush(t.id, None).unwrap();
    e.update(t.id, None, &rows(&t, &[(5, Some(2))])).unwrap();
    let x = x_col(&t);
    let q = |op| ids_x(&e, all(&t, None).filter(x, op));
    assert_eq!(q(PredicateOp::Eq(ScalarValue::Int64(1))), vec![]);
    assert_eq!(
        q(PredicateOp::Eq(ScalarValue::Int64(2))),
        vec![(5, Some(2))]
    );
    assert_eq!(q(PredicateOp::Lt(ScalarValue::Int64(2))), vec![]);
    // Ordered scans take the same path.
    let ordered = ids_x(
        &e,
        all(&t, None)
            .filter(x, PredicateOp::Eq(ScalarValue::Int64(1)))
            .ordered(),
    );
    assert_eq!(ordered, vec![]);
}

#[test]
fn versions_are_decided_before_filters_cold_over_cold() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(5, Some(1)), (9, Some(1))]))
        .unwrap();
    e.flush(t.id, None).unwrap();
    e.update(t.id, None, &rows(&t, &[(5, Some(2))])).unwrap();
    e.flush(t.id, None).unwrap();
    assert_eq!(e.stats().partitions[0].segments, 2);
    let x = x_col(&t);
    let q = |op| ids_x(&e, all(&t, None).filter(x, op));
    // Segment 2's statistics (x = 2) exclude it for `x == 1`; segment 1 still must not
    // return its stale version of id 5.
    assert_eq!(
        q(PredicateOp::Eq(ScalarValue::Int64(1))),
        vec![(9, Some(1))]
    );
    assert_eq!(
        q(PredicateOp::Eq(ScalarValue::Int64(2))),
        vec![(5, Some(2))]
    );
    assert_eq!(
        q(PredicateOp::In(vec![
            ScalarValue::Int64(1),
            ScalarValue::Int64(2)
        ])),
        vec![(5, Some(2)), (9, Some(1))]
    );
    let got = e.get(t.id, None, &key(5), None).unwrap().unwrap();
    assert_eq!(pairs(&got), vec![(5, Some(2))]);
    // Deleting in the hot tier hides both cold versions.
    e.delete(t.id, None, &[key(5)]).unwrap();
    assert_eq!(
        q(PredicateOp::Eq(ScalarValue::Int64(1))),
        vec![(9, Some(1))]
    );
    assert_eq!(q(PredicateOp::Eq(ScalarValue::Int64(2))), vec![]);
}

#[test]
fn primary_keys_stay_unique_with_the_row_hot_cold_and_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(1, None)])).unwrap();
    // Hot.
    let err = e.insert(t.id, None, &rows(&t, &[(1, None)])).unwrap_err();
    assert_eq!(err.code(), "S111", "{err}");
    assert!(err.to_string().contains("(1)"), "{err}");
    e.flush(t.id, None).unwrap();
    // Cold.
    assert_eq!(
        e.insert(t.id, None, &rows(&t, &[(1, None)]))
            .unwrap_err()
            .code(),
        "S111"
    );
    // Across segments: 2 in a second segment, a batch touching both segments.
    e.insert(t.id, None, &rows(&t, &[(2, None)])).unwrap();
    e.flush(t.id, None).unwrap();
    let err = e
        .insert(t.id, None, &rows(&t, &[(3, None), (2, None)]))
        .unwrap_err();
    assert_eq!(err.code(), "S111");
    // Nothing of the failed batch was written.
    assert_eq!(ids_x(&e, all(&t, None)), vec![(1, None), (2, None)]);
    // Duplicates inside one batch.
    assert_eq!(
        e.insert(t.id, None, &rows(&t, &[(4, None), (4, None)]))
            .unwrap_err()
            .code(),
        "S111"
    );
    // A deleted key can be inserted again, hot and cold.
    e.delete(t.id, None, &[key(1)]).unwrap();
    e.insert(t.id, None, &rows(&t, &[(1, Some(10))])).unwrap();
    assert_eq!(ids_x(&e, all(&t, None)), vec![(1, Some(10)), (2, None)]);
    // Update of a missing key is refused.
    assert_eq!(
        e.update(t.id, None, &rows(&t, &[(99, None)]))
            .unwrap_err()
            .code(),
        "S112"
    );
}

#[test]
fn concurrent_inserts_of_the_same_key_conflict_instead_of_both_landing() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    let mut a = e.begin();
    let mut b = e.begin();
    a.insert(t.id, None, &rows(&t, &[(1, Some(1))])).unwrap();
    b.insert(t.id, None, &rows(&t, &[(1, Some(2))])).unwrap();
    a.commit().unwrap();
    let err = b.commit().unwrap_err();
    assert_eq!(err.code(), "S001");
    assert!(err.is_retryable());
    assert_eq!(ids_x(&e, all(&t, None)), vec![(1, Some(1))]);
    // A lost update is a conflict too: both read then write the same row.
    let mut a = e.begin();
    let mut b = e.begin();
    a.get(t.id, None, &key(1), None).unwrap().unwrap();
    b.get(t.id, None, &key(1), None).unwrap().unwrap();
    a.update(t.id, None, &rows(&t, &[(1, Some(11))])).unwrap();
    b.update(t.id, None, &rows(&t, &[(1, Some(12))])).unwrap();
    a.commit().unwrap();
    assert_eq!(b.commit().unwrap_err().code(), "S001");
    // The race hidden by a flush: a's insert is moved cold before b commits.
    let mut b = e.begin();
    b.insert(t.id, None, &rows(&t, &[(2, Some(2))])).unwrap();
    e.insert(t.id, None, &rows(&t, &[(2, Some(1))])).unwrap();
    e.flush(t.id, None).unwrap();
    assert_eq!(b.commit().unwrap_err().code(), "S001");
    assert_eq!(ids_x(&e, all(&t, None)), vec![(1, Some(11)), (2, Some(1))]);
}

#[test]
fn a_write_into_a_range_a_transaction_scanned_is_a_conflict() {
    use std::ops::Bound::*;
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(
        t.id,
        None,
        &rows(&t, &[(1, Some(1)), (5, Some(5)), (20, Some(20))]),
    )
    .unwrap();
    let range = |a: i64, b: i64| {
        all(&t, None).range(KeyRange {
            start: Included(key(a)),
            end: Excluded(key(b)),
        })
    };
    let count = |txn: &mut Txn, spec: ScanSpec| -> usize {
        txn.scan(spec).unwrap().map(|b| b.unwrap().num_rows()).sum()
    };
    // A phantom: b inserts into the range a counted, then a writes what it derived.
    let mut a = e.begin();
    assert_eq!(count(&mut a, range(0, 10)), 2);
    e.insert(t.id, None, &rows(&t, &[(7, Some(7))])).unwrap();
    a.insert(t.id, None, &rows(&t, &[(100, Some(2))])).unwrap();
    let err = a.commit().unwrap_err();
    assert_eq!(err.code(), "S001");
    assert!(err.is_retryable());
    // An update and a delete in the range conflict too.
    for change in 0..2 {
        let mut a = e.begin();
        count(&mut a, range(0, 10));
        if change == 0 {
            e.update(t.id, None, &rows(&t, &[(5, Some(50))])).unwrap();
        } else {
            e.delete(t.id, None, &[key(5)]).unwrap();
        }
        a.insert(t.id, None, &rows(&t, &[(101, Some(1))])).unwrap();
        assert_eq!(a.commit().unwrap_err().code(), "S001", "change {change}");
    }
    // A write outside the scanned range is not a conflict, nor is the transaction's own
    // write inside it.
    let mut a = e.begin();
    assert_eq!(count(&mut a, range(0, 10)), 2);
    e.insert(t.id, None, &rows(&t, &[(15, Some(15))])).unwrap();
    a.insert(t.id, None, &rows(&t, &[(3, Some(3))])).unwrap();
    assert_eq!(count(&mut a, range(0, 10)), 3);
    a.commit().unwrap();
    // A whole-table scan covers every key of the partition; a flush meanwhile (which
    // moves rows out of the hot tier) is a conflict as well.
    let mut a = e.begin();
    count(&mut a, all(&t, None));
    e.flush(t.id, None).unwrap();
    a.insert(t.id, None, &rows(&t, &[(102, Some(1))])).unwrap();
    assert_eq!(a.commit().unwrap_err().code(), "S001");
    // After the flush the rows are cold: a cold-only range is validated as well.
    let mut a = e.begin();
    assert_eq!(count(&mut a, range(0, 10)), 3);
    e.insert(t.id, None, &rows(&t, &[(8, Some(8))])).unwrap();
    a.insert(t.id, None, &rows(&t, &[(103, Some(1))])).unwrap();
    assert_eq!(a.commit().unwrap_err().code(), "S001");
    assert_eq!(
        ids_x(&e, all(&t, None)),
        vec![
            (1, Some(1)),
            (3, Some(3)),
            (7, Some(7)),
            (8, Some(8)),
            (15, Some(15)),
            (20, Some(20))
        ]
    );
}

#[test]
fn a_transaction_reads_its_own_writes() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(1, Some(1)), (2, Some(2))]))
        .unwrap();
    e.flush(t.id, None).unwrap();
    let mut txn = e.begin();
    txn.insert(t.id, None, &rows(&t, &[(3, Some(3))])).unwrap();
    txn.delete(t.id, None, &[key(1)]).unwrap();
    txn.update(t.id, None, &rows(&t, &[(2, Some(20))])).unwrap();
    assert!(txn.get(t.id, None, &key(1), None).unwrap().is_none());
    assert_eq!(
        pairs(&txn.get(t.id, None, &key(3), None).unwrap().unwrap()),
        vec![(3, Some(3))]
    );
    let seen = pairs(&txn.scan(all(&t, None)).unwrap().collect_batch().unwrap());
    assert_eq!(seen, vec![(2, Some(20)), (3, Some(3))]);
    // Others do not see it before commit.
    assert_eq!(ids_x(&e, all(&t, None)), vec![(1, Some(1)), (2, Some(2))]);
    txn.commit().unwrap();
    assert_eq!(ids_x(&e, all(&t, None)), vec![(2, Some(20)), (3, Some(3))]);
}

#[test]
fn user_partitions_are_isolated_and_erasable() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "notes", TableKind::User);
    let alice = user(&e, "alice");
    let bob = user(&e, "bob");
    e.insert(t.id, Some(alice), &rows(&t, &[(1, Some(1)), (2, Some(2))]))
        .unwrap();
    e.insert(t.id, Some(bob), &rows(&t, &[(1, Some(100))]))
        .unwrap();
    e.flush(t.id, Some(alice)).unwrap();
    assert_eq!(
        ids_x(&e, all(&t, Some(alice))),
        vec![(1, Some(1)), (2, Some(2))]
    );
    assert_eq!(ids_x(&e, all(&t, Some(bob))), vec![(1, Some(100))]);
    // The owner must be given for user tables, and refused for others.
    assert_eq!(e.scan(all(&t, None)).err().unwrap().code(), "S123");
    let s = table(&e, "shared", TableKind::Shared);
    assert_eq!(e.scan(all(&s, Some(bob))).err().unwrap().code(), "S123");
    assert_eq!(
        e.scan(all(&t, Some(UserId(999)))).err().unwrap().code(),
        "S104"
    );
    // Export writes alice's rows only.
    let out = tempfile::tempdir().unwrap();
    let files = e.export_user(alice, out.path()).unwrap();
    assert_eq!(files.len(), 1);
    let f = std::fs::File::open(&files[0]).unwrap();
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .build()
        .unwrap();
    let n: usize = reader.map(|b| b.unwrap().num_rows()).sum();
    assert_eq!(n, 2);
    // Erase alice: hot and cold gone, bob untouched; idempotent.
    e.erase_user(alice).unwrap();
    e.erase_user(alice).unwrap();
    assert_eq!(ids_x(&e, all(&t, Some(alice))), vec![]);
    assert_eq!(ids_x(&e, all(&t, Some(bob))), vec![(1, Some(100))]);
    assert!(
        !dir.path()
            .join(format!("cold/t{}/u{}", t.id.0, alice.0))
            .exists()
    );
    // A re-created user of the same name never sees the old rows.
    e.insert(t.id, Some(alice), &rows(&t, &[(7, None)]))
        .unwrap();
    e.flush(t.id, Some(alice)).unwrap();
    e.drop_user(alice).unwrap();
    let alice2 = user(&e, "alice");
    assert_ne!(alice, alice2);
    assert_eq!(ids_x(&e, all(&t, Some(alice2))), vec![]);
    drop(e);
    let e = open(dir.path());
    assert_eq!(ids_x(&e, all(&t, Some(alice2))), vec![]);
    assert_eq!(ids_x(&e, all(&t, Some(bob))), vec![(1, Some(100))]);
}

#[test]
fn stream_rows_are_evicted_after_their_ttl_and_never_flushed() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    e.create_namespace("app").unwrap();
    let mut spec = TableSpec {
        namespace: "app".into(),
        name: "typing".into(),
        kind: TableKind::Stream,
        columns: vec![
            ColumnSpec::new("id", DataType::Int64, false),
            ColumnSpec::new("x", DataType::Int64, true),
            ColumnSpec::new("body", DataType::Text, true),
        ],
        primary_key: vec!["id".into()],
        options: TableOptions::default(),
    };
    spec.options.ttl_secs = Some(1);
    let t = e.create_table(&spec).unwrap();
    e.insert(t.id, None, &rows(&t, &[(1, None), (2, None)]))
        .unwrap();
    assert!(e.flush(t.id, None).unwrap().is_none());
    assert_eq!(e.evict_expired().unwrap(), vec![]);
    assert_eq!(ids_x(&e, all(&t, None)).len(), 2);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    e.insert(t.id, None, &rows(&t, &[(3, None)])).unwrap();
    assert_eq!(e.evict_expired().unwrap(), vec![(t.id, 2)]);
    assert_eq!(ids_x(&e, all(&t, None)), vec![(3, None)]);
    assert!(!dir.path().join(format!("cold/t{}", t.id.0)).exists());
}

#[test]
fn added_columns_read_their_backfill_in_old_segments_and_dropped_ones_never_return() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(1, Some(1))])).unwrap();
    e.flush(t.id, None).unwrap();
    e.insert(t.id, None, &rows(&t, &[(2, Some(2))])).unwrap();
    let mut col = ColumnSpec::new("stars", DataType::Int32, false);
    col.backfill = ScalarValue::Int32(7);
    let t = e.alter_table(t.id, &AlterTable::AddColumn(col)).unwrap();
    let stars = t.column_by_name("stars").unwrap().id;
    let b = e
        .scan(all(&t, None).ordered())
        .unwrap()
        .collect_batch()
        .unwrap();
    let s = b
        .column(3)
        .as_any()
        .downcast_ref::<arrow_array::Int32Array>()
        .unwrap();
    assert_eq!(s.values().to_vec(), vec![7, 7]);
    // The backfill prunes and filters like stored data.
    let hits = ids_x(
        &e,
        all(&t, None).filter(stars, PredicateOp::Eq(ScalarValue::Int32(7))),
    );
    assert_eq!(hits.len(), 2);
    // Drop `x`, re-add a column named `x`: the old values do not come back.
    let t = e
        .alter_table(t.id, &AlterTable::DropColumn("x".into()))
        .unwrap();
    let t = e
        .alter_table(
            t.id,
            &AlterTable::AddColumn(ColumnSpec::new("x", DataType::Int64, true)),
        )
        .unwrap();
    let x = t.column_by_name("x").unwrap().id;
    let b = e
        .scan(all(&t, None).project(vec![x]))
        .unwrap()
        .collect_batch()
        .unwrap();
    assert_eq!(b.num_rows(), 2);
    assert_eq!(b.column(0).null_count(), 2);
    e.flush(t.id, None).unwrap();
    e.compact(t.id, None).unwrap();
    let b = e
        .scan(all(&t, None).project(vec![x]))
        .unwrap()
        .collect_batch()
        .unwrap();
    assert_eq!(b.column(0).null_count(), 2);
}

#[test]
fn bad_input_gets_clear_errors_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = options();
    o.limits.max_row_bytes = 100;
    let e = Engine::open(dir.path(), o).unwrap();
    let t = table(&e, "t", TableKind::Shared);
    // Wrong column count and type.
    let bad = arrow_array::RecordBatch::try_from_iter(vec![(
        "id",
        std::sync::Arc::new(arrow_array::StringArray::from(vec!["a"])) as arrow_array::ArrayRef,
    )])
    .unwrap();
    let err = e.insert(t.id, None, &bad).unwrap_err();
    assert_eq!(err.code(), "S120");
    assert!(err.to_string().contains("3 column"), "{err}");
    // Null key.
    let b = rows(&t, &[(1, None)]);
    let mut cols = b.columns().to_vec();
    cols[0] = std::sync::Arc::new(arrow_array::Int64Array::from(vec![None::<i64>]));
    let schema = std::sync::Arc::new(arrow_schema::Schema::new(vec![
        arrow_schema::Field::new("id", arrow_schema::DataType::Int64, true),
        arrow_schema::Field::new("x", arrow_schema::DataType::Int64, true),
        arrow_schema::Field::new("body", arrow_schema::DataType::Utf8, true),
    ]));
    let nullkey = arrow_array::RecordBatch::try_new(schema, cols).unwrap();
    let err = e.insert(t.id, None, &nullkey).unwrap_err();
    assert_eq!(err.code(), "S121");
    assert!(err.to_string().contains("`id`"), "{err}");
    // Oversized row, in a batch with a good one: nothing lands.
    let mut big = rows(&t, &[(2, None), (3, None)]);
    let mut cols = big.columns().to_vec();
    cols[2] = std::sync::Arc::new(arrow_array::StringArray::from(vec![
        "ok".to_string(),
        "y".repeat(500),
    ]));
    big = arrow_array::RecordBatch::try_new(big.schema(), cols).unwrap();
    let err = e.insert(t.id, None, &big).unwrap_err();
    assert_eq!(err.code(), "S122");
    assert!(err.to_string().contains("row 1"), "{err}");
    assert_eq!(ids_x(&e, all(&t, None)), vec![]);
    // Unknown table, wrong predicate type.
    assert_eq!(
        e.insert(TableId(999), None, &rows(&t, &[(1, None)]))
            .unwrap_err()
            .code(),
        "S102"
    );
    let err = e
        .scan(all(&t, None).filter(x_col(&t), PredicateOp::Eq(ScalarValue::Text("a".into()))))
        .err()
        .unwrap();
    assert_eq!(err.code(), "S120");
}

#[test]
fn an_empty_projection_counts_rows_and_hidden_keys_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(1, None), (2, None), (3, None)]))
        .unwrap();
    e.flush(t.id, None).unwrap();
    e.delete(t.id, None, &[key(2)]).unwrap();
    e.insert(t.id, None, &rows(&t, &[(4, None)])).unwrap();
    let n: usize = e
        .scan(all(&t, None).project(vec![]))
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
    assert_eq!(n, 3);
    // A table without a primary key: rows are named by the hidden row id.
    let log = e
        .create_table(&TableSpec {
            namespace: "app".into(),
            name: "log".into(),
            kind: TableKind::Shared,
            columns: vec![ColumnSpec::new("msg", DataType::Text, false)],
            primary_key: vec![],
            options: TableOptions::default(),
        })
        .unwrap();
    let msgs = |v: Vec<&str>| {
        arrow_array::RecordBatch::try_new(
            log.arrow_schema(),
            vec![std::sync::Arc::new(arrow_array::StringArray::from(v)) as _],
        )
        .unwrap()
    };
    e.insert(log.id, None, &msgs(vec!["a", "a", "b"])).unwrap();
    e.flush(log.id, None).unwrap();
    let b = e
        .scan(all(&log, None).with_row_id().ordered())
        .unwrap()
        .collect_batch()
        .unwrap();
    assert_eq!(b.num_rows(), 3);
    assert_eq!(b.schema().field(1).name(), ROW_ID_COLUMN);
    let ids = b
        .column(1)
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .unwrap();
    let first = ids.value(0);
    assert_eq!(
        e.delete(log.id, None, &[vec![ScalarValue::Int64(first)]])
            .unwrap(),
        1
    );
    // Update by row id: the trailing __rowid column names the row.
    let upd = arrow_array::RecordBatch::try_from_iter(vec![
        (
            "msg",
            std::sync::Arc::new(arrow_array::StringArray::from(vec!["z"])) as arrow_array::ArrayRef,
        ),
        (
            ROW_ID_COLUMN,
            std::sync::Arc::new(arrow_array::Int64Array::from(vec![ids.value(2)])) as _,
        ),
    ])
    .unwrap();
    assert_eq!(e.update(log.id, None, &upd).unwrap(), 1);
    let b = e
        .scan(all(&log, None).ordered())
        .unwrap()
        .collect_batch()
        .unwrap();
    let m = b
        .column(0)
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .unwrap();
    assert_eq!(m.iter().flatten().collect::<Vec<_>>(), vec!["a", "z"]);
}

#[test]
fn run_due_jobs_flushes_by_policy_and_reports_stats() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    let mut opts = t.options.clone();
    opts.flush.max_hot_rows = 3;
    opts.flush.compact_at_segments = 2;
    e.alter_table(t.id, &AlterTable::SetOptions(opts)).unwrap();
    e.insert(t.id, None, &rows(&t, &[(1, None), (2, None)]))
        .unwrap();
    assert!(
        e.run_due_jobs().unwrap().is_empty(),
        "below every threshold"
    );
    e.insert(t.id, None, &rows(&t, &[(3, None)])).unwrap();
    let jobs = e.run_due_jobs().unwrap();
    assert!(
        matches!(
            jobs.as_slice(),
            [JobReport::Flushed {
                reason: FlushReason::RowCount,
                ..
            }]
        ),
        "{jobs:?}"
    );
    e.insert(t.id, None, &rows(&t, &[(4, None), (5, None), (6, None)]))
        .unwrap();
    let jobs = e.run_due_jobs().unwrap();
    assert_eq!(jobs.len(), 2, "a flush, then a compaction: {jobs:?}");
    assert!(matches!(jobs[1], JobReport::Compacted(_)));
    let s = e.stats();
    assert_eq!(s.segments, 1);
    assert_eq!(s.cold_rows, 6);
    assert_eq!(s.hot_rows, 0);
    assert_eq!(s.flushes, 2);
    assert_eq!(s.compactions, 1);
    assert_eq!(ids_x(&e, all(&t, None)).len(), 6);
    // The memory budget: a tiny budget flushes the largest partition.
    drop(e);
    let mut o = options();
    o.memory_budget_bytes = 1;
    let e = Engine::open(dir.path(), o).unwrap();
    e.insert(t.id, None, &rows(&t, &[(7, None)])).unwrap();
    let jobs = e.run_due_jobs().unwrap();
    assert!(
        jobs.iter().any(|j| matches!(
            j,
            JobReport::Flushed {
                reason: FlushReason::MemoryBudget,
                ..
            }
        )),
        "{jobs:?}"
    );
}

#[test]
fn a_full_disk_during_a_flush_is_a_clear_error_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(1, Some(1)), (2, Some(2))]))
        .unwrap();
    // The segment the flush will write is /dev/full: every write fails with ENOSPC.
    let part = dir.path().join(format!("cold/t{}/shared", t.id.0));
    std::fs::create_dir_all(&part).unwrap();
    std::os::unix::fs::symlink("/dev/full", part.join("seg-00000001.parquet")).unwrap();
    let err = e.flush(t.id, None).unwrap_err();
    assert_eq!(err.code(), "S301", "{err}");
    assert!(err.to_string().contains("disk full"), "{err}");
    // Nothing moved: the rows are still hot and readable, no manifest was written.
    assert_eq!(e.stats().hot_rows, 2);
    assert!(!part.join("manifest.json").exists());
    assert_eq!(ids_x(&e, all(&t, None)), vec![(1, Some(1)), (2, Some(2))]);
    // Once there is room again, the flush goes through.
    let _ = std::fs::remove_file(part.join("seg-00000001.parquet"));
    e.flush(t.id, None).unwrap().unwrap();
    assert_eq!(e.stats().hot_rows, 0);
    assert_eq!(ids_x(&e, all(&t, None)), vec![(1, Some(1)), (2, Some(2))]);
}
