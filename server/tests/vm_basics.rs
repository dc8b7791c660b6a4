//! First end-to-end runs of the VM on a real database: DDL, inserts, scans with
//! filters and projections, point seeks, aggregates, sorts.

mod support;

use kalavar_storage::Role;
use support::*;

#[test]
fn create_insert_and_query() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace chat");
    ok(
        &mut root,
        "create user table chat.messages (id int64 key default snowflake(), conversation_id int64, role text, content text, tokens int32)",
    );
    let r = ok(
        &mut root,
        r#"insert into chat.messages {conversation_id: 1, role: "user", content: "Hello", tokens: 5},
                                     {conversation_id: 1, role: "assistant", content: "Hi!", tokens: 3},
                                     {conversation_id: 2, role: "user", content: "Bye", tokens: 7}"#,
    );
    assert_eq!(r.rows_affected, 3);
    let r = ok(
        &mut root,
        "from chat.messages | where conversation_id == 1 | select role, content | sort role",
    );
    assert_eq!(r.col("role"), ["assistant", "user"]);
    assert_eq!(r.col("content"), ["Hi!", "Hello"]);
    let r = ok(
        &mut root,
        "from chat.messages | aggregate n = count(), t = sum(tokens) by conversation_id | sort conversation_id",
    );
    assert_eq!(r.col("n"), ["2", "1"]);
    assert_eq!(r.col("t"), ["8", "7"]);
    let r = ok(
        &mut root,
        "from chat.messages | sort tokens desc | take 2 | select tokens",
    );
    assert_eq!(r.col("tokens"), ["7", "5"]);
}

#[test]
fn users_see_only_their_partition() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace chat");
    ok(
        &mut root,
        "create user table chat.notes (id int64 key, body text)",
    );
    let mut alice = t.session("alice", Role::User);
    let mut bob = t.session("bob", Role::User);
    ok(
        &mut alice,
        r#"insert into chat.notes {id: 1, body: "alice's"}"#,
    );
    ok(&mut bob, r#"insert into chat.notes {id: 1, body: "bob's"}"#);
    assert_eq!(ok(&mut alice, "from chat.notes").col("body"), ["alice's"]);
    assert_eq!(
        ok(&mut bob, "from chat.notes | where id == 1").col("body"),
        ["bob's"]
    );
    assert_eq!(ok(&mut root, "from chat.notes").rows(), 0);
}
