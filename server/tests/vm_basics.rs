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

#[test]
fn aggregates_without_keys_over_many_batches() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace a");
    ok(
        &mut root,
        "create shared table a.t (id int64 key, v int64, f float64)",
    );
    // 30,000 rows (several scan batches); every tenth `v` is null.
    for chunk in 0..15 {
        let values: Vec<String> = (0..2000)
            .map(|i| {
                let id = chunk * 2000 + i;
                let v = if id % 10 == 0 {
                    "null".to_owned()
                } else {
                    id.to_string()
                };
                format!("{{id: {id}, v: {v}, f: 0.5}}")
            })
            .collect();
        ok(&mut root, &format!("insert into a.t {}", values.join(", ")));
    }
    let expected: i64 = (0..30_000i64).filter(|id| id % 10 != 0).sum();
    let r = ok(
        &mut root,
        "from a.t | aggregate s = sum(v), n = count(), nv = count(v), fs = sum(f), lo = min(v)",
    );
    assert_eq!(r.col("s"), [expected.to_string()]);
    assert_eq!(r.col("n"), ["30000"]);
    assert_eq!(r.col("nv"), ["27000"]);
    assert_eq!(r.col("fs"), ["15000.0"]);
    assert_eq!(r.col("lo"), ["1"]);
    // No row passes: one row, count 0, sum null.
    let r = ok(
        &mut root,
        "from a.t | where id < 0 | aggregate s = sum(v), n = count()",
    );
    assert_eq!(r.col("s"), ["null"]);
    assert_eq!(r.col("n"), ["0"]);
    // Only nulls: the sum is null, not 0.
    let r = ok(
        &mut root,
        "from a.t | where id == 10 | aggregate s = sum(v), n = count(v)",
    );
    assert_eq!(r.col("s"), ["null"]);
    assert_eq!(r.col("n"), ["0"]);
    // A sum past int64 is an error, whichever batch it happens in.
    ok(
        &mut root,
        "insert into a.t {id: 100000, v: 9223372036854775807, f: 0}",
    );
    let e = err(&mut root, "from a.t | aggregate s = sum(v)");
    assert_eq!(e.code, "X002", "{e}");
}
