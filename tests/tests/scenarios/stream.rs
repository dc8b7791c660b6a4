//! A `stream` table: events that expire after their TTL and are never flushed.

use std::time::{Duration, Instant};

use kalavar_protocol::Role;

use super::common::{World, rows, run, table};

#[test]
fn stream_rows_expire_after_their_ttl() {
    let mut w = World::new();
    run(
        &mut w.root,
        "create namespace chat;
         create stream table chat.typing (conversation_id int64, who text, event text)
           with (ttl = 2s);",
    );
    let mut alice = w.connect("alice", Role::User);
    run(
        &mut alice,
        "insert into chat.typing {conversation_id: 1, who: \"alice\", event: \"start\"}",
    );
    let query = "from chat.typing | select who, event";
    assert_eq!(rows(&mut alice, query), table(&[&["alice", "start"]]));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !rows(&mut alice, query).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the event outlived its 2 s TTL by far"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // A fresh event is there again: expiry removed the old one only.
    run(
        &mut alice,
        "insert into chat.typing {conversation_id: 1, who: \"alice\", event: \"stop\"}",
    );
    assert_eq!(rows(&mut alice, query), table(&[&["alice", "stop"]]));
}
