//! `Engine::load`: many rows in one transaction, checked for existing and repeated
//! keys in both tiers, all or nothing, into the partition it names.

mod common;

use common::*;
use kalavar_storage::*;

#[test]
fn a_load_writes_every_row_or_none() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let def = table(&e, "t", TableKind::Shared);
    let first = rows(
        &def,
        &(1..=500).map(|i| (i, Some(i * 2))).collect::<Vec<_>>(),
    );
    let second = rows(&def, &(501..=800).map(|i| (i, None)).collect::<Vec<_>>());
    assert_eq!(e.load(def.id, None, &[first, second], false).unwrap(), 800);
    let got = ids_x(&e, all(&def, None));
    assert_eq!(got.len(), 800);
    assert_eq!(got[9], (10, Some(20)));

    // Flushed rows count as existing: a key in a cold segment fails the load.
    e.flush(def.id, None).unwrap();
    let clash = rows(&def, &[(900, Some(1)), (250, Some(1))]);
    let err = e.load(def.id, None, &[clash], false).unwrap_err();
    assert_eq!(err.code(), "S111", "{err}");
    assert!(err.to_string().contains("250"), "{err}");
    // A key twice across the batches of one load.
    let a = rows(&def, &[(901, Some(1))]);
    let b = rows(&def, &[(902, Some(1)), (901, Some(2))]);
    let err = e.load(def.id, None, &[a, b], false).unwrap_err();
    assert!(err.to_string().contains("twice in the same load"), "{err}");
    assert_eq!(
        ids_x(&e, all(&def, None)).len(),
        800,
        "nothing of either was written"
    );

    // Upsert replaces, hot or cold.
    let up = rows(&def, &[(250, Some(-1)), (1000, Some(-2))]);
    assert_eq!(e.load(def.id, None, &[up], true).unwrap(), 2);
    let got = ids_x(&e, all(&def, None));
    assert_eq!(got.len(), 801);
    assert!(got.contains(&(250, Some(-1))) && got.contains(&(1000, Some(-2))));
}

#[test]
fn a_load_goes_into_the_named_users_partition_only() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let alice = user(&e, "alice");
    let bob = user(&e, "bob");
    let def = table(&e, "u", TableKind::User);
    let batch = rows(&def, &[(1, Some(1)), (2, Some(2))]);
    assert_eq!(
        e.load(def.id, Some(alice), std::slice::from_ref(&batch), false)
            .unwrap(),
        2
    );
    assert_eq!(
        e.load(def.id, Some(bob), std::slice::from_ref(&batch), false)
            .unwrap(),
        2
    );
    assert_eq!(
        e.load(def.id, Some(alice), &[batch], false)
            .unwrap_err()
            .code(),
        "S111"
    );
    assert_eq!(ids_x(&e, all(&def, Some(alice))).len(), 2);
    assert_eq!(ids_x(&e, all(&def, Some(bob))).len(), 2);
    let err = e
        .load(def.id, None, &[rows(&def, &[(3, None)])], false)
        .unwrap_err();
    assert_eq!(err.code(), "S123", "a user table needs its owner: {err}");
}

#[test]
fn hot_keys_are_found_whether_or_not_the_range_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let def = table(&e, "h", TableKind::Shared);
    let load = |ids: &[i64]| {
        let r: Vec<(i64, Option<i64>)> = ids.iter().map(|i| (*i, Some(*i))).collect();
        e.load(def.id, None, &[rows(&def, &r)], false)
    };
    assert_eq!(load(&[1, 10]).unwrap(), 2);
    // Between existing keys but not one of them: written.
    assert_eq!(load(&[5]).unwrap(), 1);
    // One of them, hot: refused.
    assert_eq!(load(&[4, 5, 6]).unwrap_err().code(), "S111");
    // A deleted key may come back.
    e.delete(def.id, None, &[key(5)]).unwrap();
    assert_eq!(load(&[5, 6]).unwrap(), 2);
    assert_eq!(ids_x(&e, all(&def, None)).len(), 4);
}
