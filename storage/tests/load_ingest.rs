//! Bulk loads written by ingesting a table file (`Engine::load` with synced commits, at
//! least 10,000 rows, no hot key in the load's range): the same checks, atomicity,
//! visibility and conflicts as loads written through a write batch; durable across a
//! reopen and a crash at each step (`storage-crash-worker DIR load FAILPOINT`); row ids
//! never handed out twice; the flush to Parquet reads the ingested rows.

mod common;

use std::process::{Command, Stdio};
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use common::*;
use kalavar_storage::*;

const WORKER: &str = env!("CARGO_BIN_EXE_storage-crash-worker");

fn durable() -> EngineOptions {
    EngineOptions {
        durability: Durability::Sync,
        ..options()
    }
}

fn load_ids(
    e: &Engine,
    def: &TableDef,
    owner: Option<UserId>,
    ids: impl Iterator<Item = i64>,
    x: impl Fn(i64) -> i64,
    upsert: bool,
) -> Result<usize> {
    let r: Vec<(i64, Option<i64>)> = ids.map(|i| (i, Some(x(i)))).collect();
    e.load(def.id, owner, &[rows(def, &r)], upsert)
}

fn ingested(e: &Engine) -> u64 {
    e.stats().loads_ingested
}

fn hot_rows(e: &Engine, def: &TableDef, owner: Option<UserId>) -> u64 {
    e.stats()
        .partitions
        .iter()
        .find(|p| p.table == def.id && p.owner == owner)
        .map_or(0, |p| p.hot_rows)
}

#[test]
fn ingested_loads_are_checked_atomic_and_flushed_like_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), durable()).unwrap();
    let def = table(&e, "t", TableKind::Shared);
    assert_eq!(
        load_ids(&e, &def, None, 0..20_000, |i| i, false).unwrap(),
        20_000
    );
    assert_eq!(ingested(&e), 1, "a durable 20,000-row load is ingested");
    assert_eq!(hot_rows(&e, &def, None), 20_000);

    // One key already hot (19,999): nothing of the load is written.
    let err = load_ids(&e, &def, None, 19_999..40_000, |i| i, false).unwrap_err();
    assert_eq!(err.code(), "S111", "{err}");
    assert!(err.to_string().contains("19999"), "{err}");
    // A key twice in one load.
    let twice = (50_000..70_000).chain([65_000]);
    let err = load_ids(&e, &def, None, twice, |i| i, false).unwrap_err();
    assert!(err.to_string().contains("twice in the same load"), "{err}");
    assert_eq!(ids_x(&e, all(&def, None)).len(), 20_000);
    assert_eq!(ingested(&e), 1);

    // The flush reads the ingested rows into a segment.
    let report = e.flush(def.id, None).unwrap().expect("something to flush");
    assert_eq!(report.versions, 20_000);
    assert_eq!(hot_rows(&e, &def, None), 0);
    // A key only cold (15,000): the hot range is empty, so the load is ingestible, but
    // the cold segment still refuses it.
    let err = load_ids(&e, &def, None, 15_000..35_000, |i| i, false).unwrap_err();
    assert_eq!(err.code(), "S111", "{err}");
    assert!(err.to_string().contains("15000"), "{err}");
    assert_eq!(ingested(&e), 1);

    // Upsert over cold rows (10,000..20,000) and new keys (20,000..30,000): ingested, the new
    // versions win.
    assert_eq!(
        load_ids(&e, &def, None, 10_000..30_000, |i| -i, true).unwrap(),
        20_000
    );
    assert_eq!(ingested(&e), 2);
    let got = ids_x(&e, all(&def, None));
    assert_eq!(got.len(), 30_000);
    assert_eq!(got[9_999], (9_999, Some(9_999)));
    assert_eq!(got[10_000], (10_000, Some(-10_000)));
    assert_eq!(got[29_999], (29_999, Some(-29_999)));
    assert_eq!(
        e.get(def.id, None, &key(12_345), None)
            .unwrap()
            .map(|b| pairs(&b)),
        Some(vec![(12_345, Some(-12_345))])
    );

    // Flushed again: the segments hold every row with its newest version.
    e.flush(def.id, None).unwrap().expect("something to flush");
    let got = ids_x(&e, all(&def, None));
    assert_eq!(got.len(), 30_000);
    assert_eq!(got[15_000], (15_000, Some(-15_000)));
    assert_eq!(hot_rows(&e, &def, None), 0);
}

#[test]
fn small_loads_and_loads_into_hot_ranges_take_a_write_batch() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), durable()).unwrap();
    let def = table(&e, "b", TableKind::Shared);
    assert_eq!(load_ids(&e, &def, None, 0..10, |i| i, false).unwrap(), 10);
    assert_eq!(ingested(&e), 0, "10 rows: a write batch");
    // Even keys hot, then the odd ones between them: not ingestible (the range holds
    // hot keys), written all the same.
    let evens = (100..20_100).step_by(2);
    assert_eq!(
        load_ids(&e, &def, None, evens, |i| i, false).unwrap(),
        10_000
    );
    assert_eq!(ingested(&e), 1);
    let odds = (101..20_100).step_by(2);
    assert_eq!(
        load_ids(&e, &def, None, odds, |i| i, false).unwrap(),
        10_000
    );
    assert_eq!(ingested(&e), 1);
    assert_eq!(ids_x(&e, all(&def, None)).len(), 20_010);
    assert_eq!(hot_rows(&e, &def, None), 20_010);

    // Relaxed durability: always a write batch.
    drop(e);
    let e = Engine::open(dir.path(), options()).unwrap();
    assert_eq!(
        load_ids(&e, &def, None, 30_000..40_000, |i| i, false).unwrap(),
        10_000
    );
    assert_eq!(ingested(&e), 0);
    assert_eq!(ids_x(&e, all(&def, None)).len(), 30_010);
}

#[test]
fn ingested_rows_go_into_the_users_partition_only() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), durable()).unwrap();
    let alice = user(&e, "alice");
    let bob = user(&e, "bob");
    let def = table(&e, "u", TableKind::User);
    load_ids(&e, &def, Some(alice), 0..15_000, |i| i, false).unwrap();
    // Bob's keys are the same ids in another partition: no clash, ingested too.
    load_ids(&e, &def, Some(bob), 0..10_000, |i| i, false).unwrap();
    assert_eq!(ingested(&e), 2);
    assert_eq!(ids_x(&e, all(&def, Some(alice))).len(), 15_000);
    assert_eq!(ids_x(&e, all(&def, Some(bob))).len(), 10_000);
    assert_eq!(hot_rows(&e, &def, Some(alice)), 15_000);
    assert_eq!(hot_rows(&e, &def, Some(bob)), 10_000);
    let err = load_ids(&e, &def, Some(bob), 9_999..20_000, |i| i, false).unwrap_err();
    assert_eq!(err.code(), "S111", "{err}");
}

#[test]
fn transactions_see_ingested_keys_at_commit_and_snapshots_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), durable()).unwrap();
    let def = table(&e, "c", TableKind::Shared);
    let other = table(&e, "o", TableKind::Shared);

    // A transaction read key 5 (absent), then a load ingests it: the read is stale.
    let mut t = e.begin();
    assert!(t.get(def.id, None, &key(5), None).unwrap().is_none());
    t.insert(other.id, None, &rows(&other, &[(1, Some(1))]))
        .unwrap();
    load_ids(&e, &def, None, 0..10_000, |i| i, false).unwrap();
    assert_eq!(ingested(&e), 1);
    let err = t.commit().unwrap_err();
    assert_eq!(err.code(), "S001", "{err}");

    // A transaction scanned a range, then a load ingests rows into it: a phantom.
    let mut t = e.begin();
    let seen = t.scan(all(&def, None)).unwrap().collect_batch().unwrap();
    assert_eq!(seen.num_rows(), 10_000);
    t.insert(other.id, None, &rows(&other, &[(2, Some(2))]))
        .unwrap();
    load_ids(&e, &def, None, 50_000..60_000, |i| i, false).unwrap();
    assert_eq!(ingested(&e), 2);
    assert_eq!(t.commit().unwrap_err().code(), "S001");

    // A scan started before a load does not see the load's rows.
    let scan = e.scan(all(&def, None)).unwrap();
    load_ids(&e, &def, None, 70_000..80_000, |i| i, false).unwrap();
    assert_eq!(ingested(&e), 3);
    assert_eq!(scan.collect_batch().unwrap().num_rows(), 20_000);
    assert_eq!(ids_x(&e, all(&def, None)).len(), 30_000);
}

/// `crash.h (x int64)`, no primary key, as the worker creates it.
fn hidden_rows(e: &Engine) -> Vec<i64> {
    let t = e.catalog().table_by_name("crash", "h").unwrap().clone();
    let b = e
        .scan(ScanSpec::new(t.id, None))
        .unwrap()
        .collect_batch()
        .unwrap();
    let mut v: Vec<i64> =
        arrow_array::cast::AsArray::as_primitive::<arrow_array::types::Int64Type>(b.column(0))
            .values()
            .to_vec();
    v.sort();
    v
}

fn keyed_rows(e: &Engine) -> usize {
    let t = e.catalog().table_by_name("crash", "l").unwrap().clone();
    e.scan(ScanSpec::new(t.id, None))
        .unwrap()
        .collect_batch()
        .unwrap()
        .num_rows()
}

/// Runs the worker's load mode; returns how many loads it acknowledged.
fn run_loads(dir: &std::path::Path, failpoint: Option<&str>) -> usize {
    let mut cmd = Command::new(WORKER);
    cmd.arg(dir).arg("load");
    if let Some(f) = failpoint {
        cmd.arg(f);
    }
    let out = cmd.stderr(Stdio::null()).output().unwrap();
    assert_eq!(
        out.status.success(),
        failpoint.is_none(),
        "the worker dies at its failpoint and only there"
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| *l == "ack")
        .count()
}

fn load_dir_is_empty(dir: &std::path::Path) -> bool {
    std::fs::read_dir(dir.join("load")).map_or(true, |mut d| d.next().is_none())
}

#[test]
fn a_crash_at_each_step_of_an_ingestion_loses_nothing_acknowledged_and_shows_no_half() {
    let dir = tempfile::tempdir().unwrap();
    // Each run loads 10,000 rows into the hidden-key table `h` (x = 1 + the rows it
    // held), then 10,000 rows into the keyed table `l` (ids after the ones it holds). Killed after the file is
    // written, before its ingestion: the load is not there.
    assert_eq!(run_loads(dir.path(), Some("load.file_written")), 0);
    {
        let e = Engine::open(dir.path(), durable()).unwrap();
        assert!(hidden_rows(&e).is_empty());
        assert_eq!(keyed_rows(&e), 0);
        assert!(load_dir_is_empty(dir.path()), "the stale file was removed");
    }
    // Killed right after the ingestion, before the answer: the whole load is there.
    assert_eq!(run_loads(dir.path(), Some("load.ingested")), 0);
    {
        let e = Engine::open(dir.path(), durable()).unwrap();
        assert_eq!(hidden_rows(&e), vec![1; 10_000]);
        assert_eq!(keyed_rows(&e), 0);
    }
    // A clean run: its 10,000 hidden-key rows get fresh row ids (reusing the ones of the
    // crashed run would overwrite its rows), then the keyed load.
    assert_eq!(run_loads(dir.path(), None), 2);
    let e = Engine::open(dir.path(), durable()).unwrap();
    let h = hidden_rows(&e);
    assert_eq!(h.len(), 20_000, "no row id was handed out twice");
    assert_eq!(h.iter().filter(|x| **x == 10_001).count(), 10_000);
    assert_eq!(keyed_rows(&e), 10_000);
    let stats = e.stats();
    assert_eq!(
        stats.hot_rows, 30_000,
        "hot counts are exact after a reopen"
    );
    assert!(
        stats.last_seq >= 30_000,
        "sequence numbers survive: {}",
        stats.last_seq
    );
    // After the reopen, new commits take sequence numbers above the loaded ones: a
    // single upsert of a loaded key replaces it.
    let l = e.catalog().table_by_name("crash", "l").unwrap().clone();
    let one: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![7])),
        Arc::new(Int64Array::from(vec![-7])),
    ];
    e.upsert(
        l.id,
        None,
        &RecordBatch::try_new(l.arrow_schema(), one).unwrap(),
    )
    .unwrap();
    e.flush(l.id, None).unwrap();
    let got = e
        .get(l.id, None, &key(7), None)
        .unwrap()
        .expect("key 7 is there");
    assert_eq!(
        arrow_array::cast::AsArray::as_primitive::<arrow_array::types::Int64Type>(got.column(1))
            .value(0),
        -7
    );
}
