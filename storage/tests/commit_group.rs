//! Group commit (`Engine::commit_group`): members commit as if one after the other,
//! in order, sharing one write; a member that conflicts with the committed state or
//! with an earlier member is refused alone; a failed write applies no member.

mod common;

use common::*;
use kalavar_storage::*;

#[test]
fn a_group_commits_every_member_in_order_with_consecutive_sequences() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    let txns: Vec<Txn> = (0..5)
        .map(|i| {
            let mut txn = e.begin();
            txn.insert(t.id, None, &rows(&t, &[(i, Some(i * 10))]))
                .unwrap();
            txn
        })
        .collect();
    let out = e.commit_group(txns);
    let seqs: Vec<u64> = out.iter().map(|r| r.as_ref().unwrap().last_seq).collect();
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "{seqs:?}");
    assert!(out.iter().all(|r| r.as_ref().unwrap().writes == 1));
    let want: Vec<_> = (0..5).map(|i| (i, Some(i * 10))).collect();
    assert_eq!(ids_x(&e, all(&t, None)), want);
    assert_eq!(e.stats().hot_rows, 5);
    // Survives a restart (the sequence high-water mark went with the batch).
    drop(e);
    let e = open(dir.path());
    assert_eq!(ids_x(&e, all(&t, None)), want);
    let next = e
        .commit_group(vec![{
            let mut txn = e.begin();
            txn.insert(t.id, None, &rows(&t, &[(9, None)])).unwrap();
            txn
        }])
        .pop()
        .unwrap()
        .unwrap();
    assert_eq!(next.last_seq, seqs[4] + 1);
}

#[test]
fn a_member_that_conflicts_with_an_earlier_member_is_refused_alone() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(50, Some(0))])).unwrap();
    // a and b insert the same new key; c inserts another; d read row 50, which a
    // second member updates before it: in commit order b and d lose.
    let mut a = e.begin();
    a.insert(t.id, None, &rows(&t, &[(1, Some(1))])).unwrap();
    let mut b = e.begin();
    b.insert(t.id, None, &rows(&t, &[(1, Some(2))])).unwrap();
    let mut c = e.begin();
    c.insert(t.id, None, &rows(&t, &[(2, Some(3))])).unwrap();
    let mut u = e.begin();
    u.update(t.id, None, &rows(&t, &[(50, Some(5))])).unwrap();
    let mut d = e.begin();
    d.get(t.id, None, &key(50), None).unwrap().unwrap();
    d.insert(t.id, None, &rows(&t, &[(3, Some(4))])).unwrap();
    let out = e.commit_group(vec![a, b, c, u, d]);
    let codes: Vec<&str> = out
        .iter()
        .map(|r| r.as_ref().map(|_| "ok").unwrap_or_else(|e| e.code()))
        .collect();
    assert_eq!(codes, ["ok", "S001", "ok", "ok", "S001"]);
    assert_eq!(
        ids_x(&e, all(&t, None)),
        vec![(1, Some(1)), (2, Some(3)), (50, Some(5))]
    );
}

#[test]
fn a_write_of_an_earlier_member_into_a_scanned_range_is_a_conflict() {
    use std::ops::Bound::*;
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    let range = all(&t, None).range(KeyRange {
        start: Included(key(0)),
        end: Excluded(key(10)),
    });
    let mut scanner = e.begin();
    let seen: usize = scanner
        .scan(range.clone())
        .unwrap()
        .map(|b| b.unwrap().num_rows())
        .sum();
    assert_eq!(seen, 0);
    scanner
        .insert(t.id, None, &rows(&t, &[(100, Some(0))]))
        .unwrap();
    let mut phantom = e.begin();
    phantom
        .insert(t.id, None, &rows(&t, &[(7, Some(7))]))
        .unwrap();
    // The phantom first: the scanner's range changed before it commits.
    let out = e.commit_group(vec![phantom, scanner]);
    assert!(out[0].is_ok());
    assert_eq!(out[1].as_ref().unwrap_err().code(), "S001");
    // The other order is fine: the scanner commits first, then the insert.
    let mut scanner = e.begin();
    scanner.scan(range).unwrap().for_each(drop);
    scanner
        .insert(t.id, None, &rows(&t, &[(101, Some(0))]))
        .unwrap();
    let mut other = e.begin();
    other
        .insert(t.id, None, &rows(&t, &[(8, Some(8))]))
        .unwrap();
    let out = e.commit_group(vec![scanner, other]);
    assert!(out.iter().all(|r| r.is_ok()), "{out:?}");
    assert_eq!(
        ids_x(&e, all(&t, None)),
        vec![(7, Some(7)), (8, Some(8)), (101, Some(0))]
    );
}

#[test]
fn a_failed_write_applies_no_member_and_fails_each() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    e.insert(t.id, None, &rows(&t, &[(1, Some(1))])).unwrap();
    drop(e);
    let failing = EngineOptions {
        failpoint: Some("error:commit.write".into()),
        ..options()
    };
    let e = Engine::open(dir.path(), failing).unwrap();
    let txns: Vec<Txn> = (2..5)
        .map(|i| {
            let mut txn = e.begin();
            txn.insert(t.id, None, &rows(&t, &[(i, Some(i))])).unwrap();
            txn
        })
        .collect();
    let out = e.commit_group(txns);
    for r in &out {
        let err = r.as_ref().unwrap_err();
        assert_eq!(err.code(), "S303", "{err}");
        assert!(err.to_string().contains("commit.write"), "{err}");
    }
    assert_eq!(ids_x(&e, all(&t, None)), vec![(1, Some(1))]);
    assert_eq!(e.stats().hot_rows, 1);
    drop(e);
    // Nothing of it comes back after a restart, and the keys are free.
    let e = open(dir.path());
    assert_eq!(ids_x(&e, all(&t, None)), vec![(1, Some(1))]);
    e.insert(t.id, None, &rows(&t, &[(2, Some(20))])).unwrap();
    assert_eq!(ids_x(&e, all(&t, None)), vec![(1, Some(1)), (2, Some(20))]);
}

#[test]
fn a_group_longer_than_the_cap_is_committed_in_parts() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let t = table(&e, "t", TableKind::Shared);
    let n = MAX_COMMIT_GROUP as i64 + 3;
    let mut txns: Vec<Txn> = (0..n)
        .map(|i| {
            let mut txn = e.begin();
            txn.insert(t.id, None, &rows(&t, &[(i, None)])).unwrap();
            txn
        })
        .collect();
    // The last one repeats the first key: a conflict across the parts too.
    let mut dup = e.begin();
    dup.insert(t.id, None, &rows(&t, &[(0, Some(1))])).unwrap();
    txns.push(dup);
    txns.push(e.begin());
    let out = e.commit_group(txns);
    assert_eq!(out.len(), n as usize + 2);
    assert!(out[..n as usize].iter().all(|r| r.is_ok()));
    assert_eq!(out[n as usize].as_ref().unwrap_err().code(), "S001");
    assert_eq!(out[n as usize + 1].as_ref().unwrap().writes, 0);
    assert_eq!(e.stats().hot_rows, n as u64);
}
