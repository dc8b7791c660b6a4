//! The chat application: a `user` table where alice and bob each see only their own
//! rows, a service account writing for alice with `execute as`, flushes to the cold
//! tier while writes go on, and changes after a flush that stay changed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kalavar::client::{ChangeKind, Client, Value, named};
use kalavar_protocol::Role;

use super::common::{World, fails, rows, run, run_with, still_usable, table};

const SCHEMA: &str = "create namespace chat;
create user table chat.messages (
  id int64 key,
  conversation_id int64,
  content text not null
);";

fn chat() -> World {
    let mut w = World::new();
    run(&mut w.root, SCHEMA);
    w
}

fn insert(client: &mut Client, id: i64, content: &str) {
    run_with(
        client,
        "insert into chat.messages {id: $id, conversation_id: 1, content: $content}",
        &[
            named("id", Value::Int(id)),
            named("content", Value::Text(content.into())),
        ],
    );
}

const ALL: &str = "from chat.messages | select id, content";

/// Parquet files under `dir`, at any depth.
fn parquet_files(dir: &Path) -> BTreeSet<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeSet::new();
    };
    let mut out = BTreeSet::new();
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(parquet_files(&p));
        } else if p.extension().is_some_and(|x| x == "parquet") {
            out.insert(p);
        }
    }
    out
}

/// Flushes the table, which must write a new segment (the statement returns once
/// it is written; scheduled compaction may merge older ones meanwhile, so this looks
/// for a file that was not there before rather than counting).
fn flush(w: &mut World) {
    let before = parquet_files(w.ts.dir.path());
    run(&mut w.root, "flush table chat.messages");
    let deadline = Instant::now() + Duration::from_secs(20);
    while parquet_files(w.ts.dir.path()).is_subset(&before) {
        assert!(Instant::now() < deadline, "flush wrote no Parquet segment");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn alice_and_bob_see_only_their_rows() {
    let w = chat();
    let mut alice = w.connect("alice", Role::User);
    let mut bob = w.connect("bob", Role::User);
    insert(&mut alice, 1, "alice one");
    insert(&mut alice, 2, "alice two");
    // The same key in another partition is another row.
    insert(&mut bob, 1, "bob one");
    assert_eq!(
        rows(&mut alice, ALL),
        table(&[&["1", "alice one"], &["2", "alice two"]])
    );
    assert_eq!(rows(&mut bob, ALL), table(&[&["1", "bob one"]]));
    // A point lookup takes the short path, still in the caller's partition.
    assert_eq!(
        rows(
            &mut bob,
            "from chat.messages | where id == 2 | select content"
        ),
        Vec::<Vec<String>>::new()
    );
}

#[test]
fn a_service_account_writes_for_alice() {
    let w = chat();
    let mut alice = w.connect("alice", Role::User);
    let mut bob = w.connect("bob", Role::User);
    let mut svc = w.connect("notifier", Role::Service);
    run(
        &mut svc,
        "execute as alice {
           insert into chat.messages {id: 10, conversation_id: 1, content: \"from the service\"}
         }",
    );
    assert_eq!(rows(&mut alice, ALL), table(&[&["10", "from the service"]]));
    assert!(rows(&mut bob, ALL).is_empty());
    assert!(
        rows(&mut svc, ALL).is_empty(),
        "the service's own partition"
    );
    // A plain user may act only for themselves: the compiler refuses, naming it.
    let e = fails(
        &mut bob,
        "execute as alice { from chat.messages | where id == 10 | delete }",
    );
    assert!(e.code().is_some_and(|c| c.starts_with('B')), "{e}");
    assert_eq!(rows(&mut alice, ALL), table(&[&["10", "from the service"]]));
    still_usable(&mut bob);
}

#[test]
fn a_flush_while_writes_continue_keeps_every_row() {
    let mut w = chat();
    let alice_profile = w.ts.user("alice", Role::User, "127.0.0.1");
    let writer = std::thread::spawn(move || {
        let mut alice = kalavar_tests::harness::connect_from(&alice_profile.profile, None)
            .expect("alice connects");
        let mut insert = alice
            .prepare(
                "insert into chat.messages {id: $id, conversation_id: $id % 7, content: \"m\"}",
            )
            .expect("prepare");
        for id in 1..=300 {
            alice
                .execute_prepared(&mut insert, &[named("id", Value::Int(id))])
                .expect("insert");
        }
        alice
    });
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(100));
        run(&mut w.root, "flush table chat.messages");
    }
    let mut alice = writer.join().expect("the writer finishes");
    let summary = "from chat.messages | aggregate n = count(), s = sum(id)";
    let expected = table(&[&["300", "45150"]]);
    let third = "from chat.messages | where conversation_id == 3 | aggregate c = count()";
    assert_eq!(rows(&mut alice, summary), expected, "hot and cold together");
    assert_eq!(rows(&mut alice, third), table(&[&["43"]]));
    let before = rows(&mut alice, ALL);
    // The flushes above may have caught every row already: this one may write nothing.
    run(&mut w.root, "flush table chat.messages");
    assert!(!parquet_files(w.ts.dir.path()).is_empty(), "rows are cold");
    assert_eq!(rows(&mut alice, summary), expected, "after the last flush");
    assert_eq!(rows(&mut alice, third), table(&[&["43"]]));
    assert_eq!(
        rows(&mut alice, ALL),
        before,
        "the same rows from both tiers"
    );
}

#[test]
fn updates_and_deletes_after_a_flush_stay() {
    let mut w = chat();
    let mut alice = w.connect("alice", Role::User);
    for id in 1..=5 {
        insert(&mut alice, id, &format!("m{id}"));
    }
    flush(&mut w);
    let changed = run(
        &mut alice,
        "from chat.messages | where id == 2 | update content = \"edited\"",
    );
    assert_eq!(changed.rows_affected, 1);
    let deleted = run(&mut alice, "from chat.messages | where id == 3 | delete");
    assert_eq!(deleted.rows_affected, 1);
    let expected = table(&[&["1", "m1"], &["2", "edited"], &["4", "m4"], &["5", "m5"]]);
    assert_eq!(rows(&mut alice, ALL), expected);
    // A filter on the old value finds nothing: versions before filters.
    assert!(rows(&mut alice, "from chat.messages | where content == \"m2\"").is_empty());
    flush(&mut w);
    assert_eq!(rows(&mut alice, ALL), expected, "row 3 stays deleted");
    // Nothing is hot now: this flush writes no segment and changes nothing.
    run(&mut w.root, "flush table chat.messages");
    assert_eq!(rows(&mut alice, ALL), expected);
}

#[test]
fn primary_keys_stay_unique_across_tiers() {
    let mut w = chat();
    let mut alice = w.connect("alice", Role::User);
    insert(&mut alice, 1, "first");
    flush(&mut w);
    let e = fails(
        &mut alice,
        "insert into chat.messages {id: 1, conversation_id: 1, content: \"again\"}",
    );
    assert!(
        e.code().is_some(),
        "a duplicate key is refused with a code: {e}"
    );
    assert_eq!(rows(&mut alice, ALL), table(&[&["1", "first"]]));
    run(
        &mut alice,
        "upsert into chat.messages {id: 1, conversation_id: 1, content: \"replaced\"}",
    );
    assert_eq!(rows(&mut alice, ALL), table(&[&["1", "replaced"]]));
    flush(&mut w);
    assert_eq!(rows(&mut alice, ALL), table(&[&["1", "replaced"]]));
    still_usable(&mut alice);
}

#[test]
fn prepared_statements_compile_once_and_survive_a_schema_change() {
    let mut w = chat();
    let mut alice = w.connect("alice", Role::User);
    for id in 1..=3 {
        insert(&mut alice, id, &format!("m{id}"));
    }
    let mut lookup = alice
        .prepare("from chat.messages | where id == $id | select content")
        .unwrap();
    let compiled = alice.compile_count();
    for id in 1..=3 {
        let r = alice
            .execute_prepared(&mut lookup, &[named("id", Value::Int(id))])
            .unwrap();
        assert_eq!(r.rows(), vec![vec![format!("m{id}")]]);
    }
    assert_eq!(alice.compile_count(), compiled, "no compiling on re-runs");
    // The schema moves on: the old plan is stale, and the client recompiles and
    // retries without the caller noticing.
    run(
        &mut w.root,
        "alter table chat.messages add column edited bool default false",
    );
    let r = alice
        .execute_prepared(&mut lookup, &[named("id", Value::Int(2))])
        .unwrap();
    assert_eq!(r.rows(), vec![vec!["m2".to_owned()]]);
    assert_eq!(alice.compile_count(), compiled + 1, "recompiled once");
}

#[test]
fn a_table_dropped_and_created_again_elsewhere_is_found_again() {
    let mut w = chat();
    let mut alice = w.connect("alice", Role::User);
    insert(&mut alice, 1, "before");
    let text = "from chat.messages | select id, content";
    let mut prepared = alice.prepare(text).unwrap();
    assert_eq!(alice.query(text, &[]).unwrap()[0].rows().len(), 1);
    // Another session drops the table and makes it again (a new table id): alice's
    // cached catalog and plans name the old id, which the server no longer has.
    run(&mut w.root, "drop table chat.messages");
    run(
        &mut w.root,
        "create user table chat.messages (id int64 key, conversation_id int64, content text)",
    );
    let r = alice
        .query(text, &[])
        .expect("the query recompiles against the new table");
    assert_eq!(r[0].num_rows(), 0, "the new table is empty");
    insert(&mut alice, 2, "after");
    let r = alice
        .execute_prepared(&mut prepared, &[])
        .expect("the prepared statement recompiles too");
    assert_eq!(r.rows(), vec![vec!["2".to_owned(), "after".to_owned()]]);
    // Dropped for good: a clear compile error, not the server's `V012`.
    run(&mut w.root, "drop table chat.messages");
    let e = alice.query(text, &[]).unwrap_err();
    assert_eq!(e.code(), Some("B001"), "{e}");
}

#[test]
fn a_subscription_sees_its_own_partitions_changes() {
    let w = chat();
    let mut watcher = w.connect("alice", Role::User);
    let alice_again = w.ts.user("alice", Role::User, "127.0.0.1");
    let mut alice = kalavar_tests::harness::connect_from(&alice_again.profile, None).unwrap();
    let mut bob = w.connect("bob", Role::User);
    let mut sub = watcher
        .subscribe(
            "subscribe from chat.messages | where conversation_id == 1",
            &[],
        )
        .unwrap();
    insert(&mut bob, 7, "bob's, not alice's");
    insert(&mut alice, 8, "for alice");
    let event = sub
        .next_within(Duration::from_secs(10))
        .unwrap()
        .expect("alice's insert arrives");
    assert_eq!(event.kind, ChangeKind::Insert);
    assert_eq!(event.num_rows(), 1);
    assert!(
        sub.next_within(Duration::from_millis(500))
            .unwrap()
            .is_none(),
        "bob's row never reaches alice"
    );
    sub.unsubscribe().unwrap();
    still_usable(&mut watcher);
}
