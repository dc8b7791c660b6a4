//! Live queries over real mTLS: `subscribe … with (last = N)` sends the last N
//! matching rows, then each committed insert, update and delete that matches — the
//! subscriber's own partition only, nothing of a rolled-back transaction — until
//! `Unsubscribe`; an unknown subscription is `P012`.

use std::time::Duration;

use kalavar::client::{ChangeKind, Client, QueryResult};
use kalavar_protocol::{ClientMessage, Role};
use kalavar_tests::TestServer;
use kalavar_tests::harness::connect_from;

#[track_caller]
fn run(client: &mut Client, text: &str) {
    if let Err(e) = client.query(text, &[]) {
        panic!("`{text}` failed: {e}");
    }
}

fn connect(ts: &TestServer, name: &str) -> Client {
    let user = ts.user(name, Role::User, "127.0.0.1");
    connect_from(&user.profile, None).expect("connects")
}

const WAIT: Duration = Duration::from_secs(10);

#[test]
fn a_subscription_starts_from_the_last_rows_and_follows_commits() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut root = ts.root_client();
    run(
        &mut root,
        "create namespace chat; create user table chat.m (id int64 key, room int64, body text);",
    );
    let mut alice = connect(&ts, "alice");
    let mut writer = connect_from(&ts.user("alice", Role::User, "127.0.0.1").profile, None)
        .expect("alice's second session");
    let mut bob = connect(&ts, "bob");
    for id in 1..=5 {
        run(
            &mut writer,
            &format!("insert into chat.m {{id: {id}, room: 1, body: \"old {id}\"}};"),
        );
    }
    run(
        &mut writer,
        "insert into chat.m {id: 6, room: 2, body: \"elsewhere\"};",
    );

    let mut sub = alice
        .subscribe(
            "subscribe from chat.m | where room == 1 with (last = 2)",
            &[],
        )
        .unwrap();
    let first = sub.next_within(WAIT).unwrap().expect("the snapshot");

    assert_eq!(first.kind, ChangeKind::Snapshot);
    assert_eq!(first.num_rows(), 2, "the last two matching rows");

    run(
        &mut bob,
        "insert into chat.m {id: 7, room: 1, body: \"bob's\"};",
    );
    run(
        &mut writer,
        "begin; insert into chat.m {id: 8, room: 1, body: \"never\"}; rollback;",
    );
    run(
        &mut writer,
        "insert into chat.m {id: 9, room: 2, body: \"no match\"};",
    );
    run(
        &mut writer,
        "insert into chat.m {id: 10, room: 1, body: \"new\"};",
    );
    let e = sub.next_within(WAIT).unwrap().expect("alice's insert");
    assert_eq!(e.kind, ChangeKind::Insert);
    assert_eq!(e.num_rows(), 1);
    let rows = QueryResult::new(Some(e.batches[0].schema()), e.batches.clone());
    assert_eq!(
        rows.column("id"),
        Some(vec!["10".to_owned()]),
        "not bob's, not rolled back, not room 2"
    );

    run(
        &mut writer,
        "from chat.m | where id == 10 | update body = \"edited\";",
    );
    let e = sub.next_within(WAIT).unwrap().expect("the update");
    assert_eq!(e.kind, ChangeKind::Update);
    run(&mut writer, "from chat.m | where id == 1 | delete;");
    let e = sub.next_within(WAIT).unwrap().expect("the delete");
    assert_eq!(e.kind, ChangeKind::Delete);
    assert!(
        sub.next_within(Duration::from_millis(300))
            .unwrap()
            .is_none(),
        "nothing else"
    );
    sub.unsubscribe().unwrap();

    // After Unsubscribe, nothing more arrives and the session runs statements.
    run(
        &mut writer,
        "insert into chat.m {id: 11, room: 1, body: \"late\"};",
    );
    let r = alice
        .query("from chat.m | aggregate n = count();", &[])
        .unwrap();
    // 1–6, 9, 10 and 11, less the deleted 1.
    assert_eq!(r[0].rows(), vec![vec!["8".to_owned()]]);
}

#[test]
fn unsubscribing_an_unknown_subscription_is_p012() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut root = ts.root_client();
    let request = root.next_request();
    let e = root
        .request(&ClientMessage::Unsubscribe {
            request,
            subscription: 77,
        })
        .unwrap_err();
    assert_eq!(e.code(), Some("P012"), "{e}");
    let r = root.query("from [{a: 1}];", &[]).unwrap();
    assert_eq!(
        r[0].rows(),
        vec![vec!["1".to_owned()]],
        "the session goes on"
    );
}

#[test]
fn dropping_a_table_or_changing_its_access_ends_its_subscriptions() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut root = ts.root_client();
    run(
        &mut root,
        "create namespace d;
         create shared table d.ro (id int64 key, v text) with (access = read_only);
         create shared table d.gone (id int64 key) with (access = public);",
    );
    let mut alice = connect(&ts, "alice");
    let mut alice2 = connect_from(&ts.user("alice", Role::User, "127.0.0.1").profile, None)
        .expect("alice's second session");

    // Made private, the table is no longer alice's to read: her subscription ends
    // rather than carry on sending its rows.
    let mut sub = alice.subscribe("subscribe from d.ro", &[]).unwrap();
    let _ = sub.next_within(Duration::from_millis(300)).unwrap();
    run(&mut root, "alter table d.ro set (access = private)");
    run(&mut root, "insert into d.ro {id: 2, v: \"secret\"}");
    match sub.next_within(WAIT) {
        Err(e) => {
            assert_eq!(e.code(), Some("X016"), "{e}");
            assert!(e.to_string().contains("access level changed"), "{e}");
        }
        Ok(other) => panic!("the subscription should end, got {other:?}"),
    }

    // Dropped: the subscriber hears so instead of waiting forever.
    let mut sub = alice2.subscribe("subscribe from d.gone", &[]).unwrap();
    let _ = sub.next_within(Duration::from_millis(300)).unwrap();
    run(&mut root, "drop table d.gone");
    match sub.next_within(WAIT) {
        Err(e) => {
            assert_eq!(e.code(), Some("X016"), "{e}");
            assert!(e.to_string().contains("dropped"), "{e}");
        }
        Ok(other) => panic!("the subscription should end, got {other:?}"),
    }
}
