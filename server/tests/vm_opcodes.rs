//! The VM's opcodes on a real database in a temporary directory, one story per family:
//! scans and seeks across the hot and cold tiers, filters and projections, limits,
//! distinct, sorts and top-k, aggregates, joins of every kind, `Values`, unions, the
//! write sinks, DDL, transactions, `execute as`, parameters, stale plans and the plan
//! cache, and errors that must be clean.

mod support;

use kalavar_protocol::Value;
use kalavar_server::exec::Request;
use kalavar_storage::Role;
use support::*;

fn shop(t: &TestDb) {
    let mut root = t.root();
    ok(&mut root, "create namespace shop");
    ok(
        &mut root,
        "create shared table shop.items (id int64 key, name text not null, price decimal(10, 2), kind text) with (access = public)",
    );
    ok(
        &mut root,
        "create shared table shop.kinds (kind text key, label text) with (access = public)",
    );
    ok(
        &mut root,
        r#"insert into shop.items {id: 1, name: "pen", price: 1.50, kind: "w"},
                                {id: 2, name: "ink", price: 4.25, kind: "w"},
                                {id: 3, name: "pad", price: 2.00, kind: "p"},
                                {id: 4, name: "tape", price: null, kind: "x"},
                                {id: 5, name: "clip", price: 0.10, kind: null}"#,
    );
    ok(
        &mut root,
        r#"insert into shop.kinds {kind: "w", label: "writing"}, {kind: "p", label: "paper"}, {kind: "z", label: "unused"}"#,
    );
}

#[test]
fn reads_filters_limits_and_seeks_over_both_tiers() {
    let t = TestDb::new();
    shop(&t);
    let mut root = t.root();
    ok(&mut root, "flush table shop.items");
    ok(
        &mut root,
        r#"insert into shop.items {id: 6, name: "glue", price: 3.00, kind: "x"}"#,
    );
    let r = ok(&mut root, "from shop.items | sort id | select id");
    assert_eq!(r.col("id"), ["1", "2", "3", "4", "5", "6"]);
    // SeekKey, cold and hot.
    assert_eq!(
        ok(&mut root, "from shop.items | where id == 2 | select name").col("name"),
        ["ink"]
    );
    assert_eq!(
        ok(&mut root, "from shop.items | where id == 6 | select name").col("name"),
        ["glue"]
    );
    assert_eq!(
        ok(&mut root, "from shop.items | where id == 99 | select name").rows(),
        0
    );
    // Key ranges and filters with nulls (three-valued).
    let r = ok(
        &mut root,
        "from shop.items | where id between 2 and 4 && price > 1.0 | sort id | select id",
    );
    assert_eq!(r.col("id"), ["2", "3"]);
    let r = ok(
        &mut root,
        "from shop.items | where is_null(kind) || kind in [\"p\"] | sort id | select id",
    );
    assert_eq!(r.col("id"), ["3", "5"]);
    // Limit with offset, distinct, top-k.
    let r = ok(
        &mut root,
        "from shop.items | sort id | skip 2 | take 2 | select id",
    );
    assert_eq!(r.col("id"), ["3", "4"]);
    let r = ok(
        &mut root,
        "from shop.items | where !is_null(kind) | distinct kind | sort kind",
    );
    assert_eq!(r.col("kind"), ["p", "w", "x"]);
    let r = ok(
        &mut root,
        "from shop.items | sort price desc nulls last | take 2 | select name",
    );
    assert_eq!(r.col("name"), ["ink", "glue"]);
    let r = ok(&mut root, "from shop.items | sort name | select name");
    assert_eq!(r.col("name"), ["clip", "glue", "ink", "pad", "pen", "tape"]);
    // Projections with expressions.
    let r = ok(
        &mut root,
        "from shop.items | where id == 1 | select u = upper(name), l = len(name), half = id / 2, k = coalesce(kind, \"?\")",
    );
    assert_eq!(r.col("u"), ["PEN"]);
    assert_eq!(r.col("l"), ["3"]);
    assert_eq!(r.col("half"), ["0"]);
    assert_eq!(r.col("k"), ["w"]);
}

#[test]
fn aggregates_joins_values_and_unions() {
    let t = TestDb::new();
    shop(&t);
    let mut root = t.root();
    let r = ok(
        &mut root,
        "from shop.items | aggregate n = count(), total = sum(price), lo = min(name), hi = max(id), k = count_distinct(kind) by kind | sort kind nulls first",
    );
    assert_eq!(r.col("kind"), ["null", "p", "w", "x"]);
    assert_eq!(r.col("n"), ["1", "1", "2", "1"]);
    assert_eq!(r.col("total"), ["0.10", "2.00", "5.75", "null"]);
    assert_eq!(r.col("lo"), ["clip", "pad", "ink", "tape"]);
    assert_eq!(r.col("hi"), ["5", "3", "2", "4"]);
    let r = ok(
        &mut root,
        "from shop.items | aggregate n = count(), a = avg(id)",
    );
    assert_eq!(r.col("n"), ["5"]);
    assert_eq!(r.col("a"), ["3.0"]);
    // An aggregate over no rows is one row.
    let r = ok(
        &mut root,
        "from shop.items | where id > 100 | aggregate n = count(), s = sum(id)",
    );
    assert_eq!(r.col("n"), ["0"]);
    assert_eq!(r.col("s"), ["null"]);

    let inner = ok(
        &mut root,
        "from shop.items as i | join shop.kinds as k on i.kind == k.kind | sort i.id | select i.id, k.label",
    );
    assert_eq!(inner.col("id"), ["1", "2", "3"]);
    assert_eq!(inner.col("label"), ["writing", "writing", "paper"]);
    let left = ok(
        &mut root,
        "from shop.items as i | join left shop.kinds as k on i.kind == k.kind | sort i.id | select i.id, k.label",
    );
    assert_eq!(
        left.col("label"),
        ["writing", "writing", "paper", "null", "null"]
    );
    let right = ok(
        &mut root,
        "from shop.items as i | join right shop.kinds as k on i.kind == k.kind | aggregate n = count()",
    );
    assert_eq!(right.col("n"), ["4"], "three matches and the unused kind");
    let full = ok(
        &mut root,
        "from shop.items as i | join full shop.kinds as k on i.kind == k.kind | aggregate n = count()",
    );
    assert_eq!(full.col("n"), ["6"]);

    let r = ok(
        &mut root,
        "from [{a: 1, b: \"x\"}, {a: 2, b: null}] | sort a desc",
    );
    assert_eq!(r.col("a"), ["2", "1"]);
    assert_eq!(r.col("b"), ["null", "x"]);
    let r = ok(
        &mut root,
        "from shop.kinds | union shop.kinds | aggregate n = count()",
    );
    assert_eq!(r.col("n"), ["6"]);
}

#[test]
fn writes_ddl_and_transactions() {
    let t = TestDb::new();
    shop(&t);
    let mut root = t.root();
    let r = ok(
        &mut root,
        "from shop.items | where kind == \"w\" | update price = price * 2.0",
    );
    assert_eq!(r.rows_affected, 2);
    let r = ok(&mut root, "from shop.items | where id == 2 | select price");
    assert_eq!(r.col("price"), ["8.50"]);
    let r = ok(
        &mut root,
        r#"upsert into shop.items {id: 2, name: "INK", price: 1.00, kind: "w"}, {id: 7, name: "new", price: 1.00, kind: "w"}"#,
    );
    assert_eq!(r.rows_affected, 2);
    assert_eq!(
        ok(&mut root, "from shop.items | where id == 2 | select name").col("name"),
        ["INK"]
    );
    let e = err(
        &mut root,
        r#"insert into shop.items {id: 1, name: "dup", price: 1.00, kind: "w"}"#,
    );
    assert!(e.code.starts_with('S'), "a duplicate key: {e}");
    let r = ok(&mut root, "from shop.items | where is_null(kind) | delete");
    assert_eq!(r.rows_affected, 1);
    let r = ok(
        &mut root,
        "from shop.items | where kind == \"x\" | select id = id + 100, name, price, kind | insert into shop.items",
    );
    assert_eq!(r.rows_affected, 1);
    assert_eq!(
        ok(&mut root, "from shop.items | aggregate n = count()").col("n"),
        ["6"]
    );

    // DDL: a new column with a default; the old rows read it.
    ok(
        &mut root,
        "alter table shop.items add column stock int32 default 5",
    );
    let r = ok(&mut root, "from shop.items | where id == 1 | select stock");
    assert_eq!(r.col("stock"), ["5"]);
    ok(&mut root, "drop table shop.kinds");
    assert_eq!(err(&mut root, "from shop.kinds").code, "B001");

    // Transactions: reads see the transaction's writes; rollback discards them;
    // a failed statement fails the transaction.
    ok(&mut root, "begin");
    ok(
        &mut root,
        r#"insert into shop.items {id: 50, name: "t", price: 1.00, kind: "t"}"#,
    );
    assert_eq!(
        ok(&mut root, "from shop.items | where id == 50 | select name").col("name"),
        ["t"]
    );
    assert_eq!(err(&mut root, "create namespace nope").code, "X014");
    assert_eq!(err(&mut root, "from shop.items").code, "X015");
    ok(&mut root, "rollback");
    assert_eq!(ok(&mut root, "from shop.items | where id == 50").rows(), 0);
    ok(&mut root, "begin");
    ok(
        &mut root,
        r#"insert into shop.items {id: 51, name: "u", price: 1.00, kind: "t"}"#,
    );
    ok(&mut root, "commit");
    assert_eq!(ok(&mut root, "from shop.items | where id == 51").rows(), 1);
    assert_eq!(err(&mut root, "commit").code, "X014");
}

#[test]
fn execute_as_follows_the_role_rules() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace chat");
    ok(
        &mut root,
        "create user table chat.m (id int64 key, body text)",
    );
    let mut alice = t.session("alice", Role::User);
    let mut bob = t.session("bob", Role::User);
    let mut svc = t.session("svc", Role::Service);
    let r = ok(
        &mut svc,
        r#"execute as alice { insert into chat.m {id: 1, body: "for alice"} }"#,
    );
    assert_eq!(r.rows_affected, 1);
    assert_eq!(ok(&mut alice, "from chat.m").col("body"), ["for alice"]);
    assert_eq!(ok(&mut bob, "from chat.m").rows(), 0);
    assert_eq!(
        ok(&mut svc, "from chat.m").rows(),
        0,
        "the service's own partition"
    );
    // A user may not act for another user; nobody acts for a missing user.
    let e = q(&mut bob, r#"execute as alice { from chat.m }"#).unwrap_err();
    assert_eq!(e.code, "B013", "{e}");
    // The same as a plan made by the service but sent by bob: the verifier refuses.
    let bytes = plan(&t, &svc, r#"execute as alice { from chat.m }"#);
    let e = run_req(&mut bob, Request::Plan(&bytes), &[], false).unwrap_err();
    assert!(e.code.starts_with('V'), "{e}");
    let e = err(&mut svc, r#"execute as nobody { from chat.m }"#);
    assert_eq!(e.code, "X013", "{e}");
    // A user may act for themselves.
    let r = ok(
        &mut alice,
        r#"execute as alice { from chat.m | select id }"#,
    );
    assert_eq!(r.col("id"), ["1"]);
}

#[test]
fn plans_parameters_the_cache_and_stale_versions() {
    let t = TestDb::new();
    shop(&t);
    let mut root = t.root();
    let bytes = plan(&t, &root, "from shop.items | where id == $id | select name");
    let by_id = |ex: &mut kalavar_server::exec::Executor, id: i64| {
        run_req(ex, Request::Plan(&bytes), &[p("id", Value::Int(id))], false)
    };
    assert_eq!(by_id(&mut root, 3).unwrap().col("name"), ["pad"]);
    let hits = |t: &TestDb| {
        t.db.counters
            .plan_cache_hits
            .load(std::sync::atomic::Ordering::Relaxed)
    };
    let before = hits(&t);
    assert_eq!(by_id(&mut root, 1).unwrap().col("name"), ["pen"]);
    assert_eq!(hits(&t), before + 1, "the second run skips verification");
    // ExecuteCached by hash, and a one-row compact answer.
    let hash = kalavar_server::vm::plan_hash(&bytes);
    let r = run_req(
        &mut root,
        Request::Cached(&hash),
        &[p("id", Value::Int(2))],
        true,
    )
    .unwrap();
    let (columns, values) = r.row.expect("one compact row");
    assert_eq!(columns[0].0, "name");
    assert_eq!(values, [Value::Text("ink".into())]);
    // A missing or mistyped parameter.
    assert_eq!(
        run_req(&mut root, Request::Plan(&bytes), &[], false)
            .unwrap_err()
            .code,
        "X009"
    );
    assert_eq!(by_id_text(&mut root, &bytes).unwrap_err().code, "X009");
    // The schema moves on: the old plan is stale.
    ok(&mut root, "alter table shop.items add column note text");
    assert_eq!(by_id(&mut root, 1).unwrap_err().code, "V013");
    let unknown = [7u8; 32];
    assert_eq!(
        run_req(&mut root, Request::Cached(&unknown), &[], false)
            .unwrap_err()
            .code,
        "P011"
    );
}

fn by_id_text(
    ex: &mut kalavar_server::exec::Executor,
    bytes: &[u8],
) -> Result<Res, kalavar_server::vm::ExecError> {
    run_req(
        ex,
        Request::Plan(bytes),
        &[p("id", Value::Text("one".into()))],
        false,
    )
}

#[test]
fn runtime_errors_are_clean() {
    let t = TestDb::new();
    shop(&t);
    let mut root = t.root();
    assert_eq!(
        err(&mut root, "from shop.items | select x = id / 0").code,
        "X003"
    );
    assert_eq!(
        err(
            &mut root,
            "from shop.items | select x = 9223372036854775807 + id"
        )
        .code,
        "X002"
    );
    assert_eq!(
        err(&mut root, "from shop.items | select x = name::int64").code,
        "X004"
    );
    // Nothing of a failing write is applied.
    let e = err(
        &mut root,
        "from shop.items | update price = price / (id - 3)::decimal(10, 2)",
    );
    assert!(e.code.starts_with('X'), "{e}");
    assert_eq!(
        ok(&mut root, "from shop.items | where id == 1 | select price").col("price"),
        ["1.50"]
    );
    // The session goes on.
    assert_eq!(
        ok(&mut root, "from shop.items | aggregate n = count()").col("n"),
        ["5"]
    );
}

#[test]
fn the_plan_cache_is_bounded_and_per_user() {
    let t = TestDb::with_plan_cache(2);
    shop(&t);
    let mut alice = t.session("alice", Role::User);
    let mut bob = t.session("bob", Role::User);
    let plans: Vec<Vec<u8>> = (1..=3)
        .map(|id| plan(&t, &alice, &format!("from shop.items | where id == {id}")))
        .collect();
    for bytes in &plans {
        run_req(&mut alice, Request::Plan(bytes), &[], false).unwrap();
    }
    assert_eq!(t.db.plans.len(), 2);
    let cached = |ex: &mut kalavar_server::exec::Executor, bytes: &[u8]| {
        let hash = kalavar_server::vm::plan_hash(bytes);
        run_req(ex, Request::Cached(&hash), &[], false).map(|r| r.rows())
    };
    // The least recently used (the first) was dropped; the others answer by hash.
    assert_eq!(cached(&mut alice, &plans[0]).unwrap_err().code, "P011");
    assert_eq!(cached(&mut alice, &plans[2]).unwrap(), 1);
    assert_eq!(cached(&mut alice, &plans[1]).unwrap(), 1);
    // Another user's hash is not bob's: he must send the plan, which is verified
    // for him.
    assert_eq!(cached(&mut bob, &plans[1]).unwrap_err().code, "P011");
    assert_eq!(
        run_req(&mut bob, Request::Plan(&plans[1]), &[], false)
            .unwrap()
            .rows(),
        1
    );
    // No cache at all: every run verifies, nothing answers by hash.
    let none = TestDb::with_plan_cache(0);
    shop(&none);
    let mut root = none.root();
    let bytes = plan(&none, &root, "from shop.items | where id == 1");
    run_req(&mut root, Request::Plan(&bytes), &[], false).unwrap();
    assert!(none.db.plans.is_empty());
    assert_eq!(cached(&mut root, &bytes).unwrap_err().code, "P011");
}
