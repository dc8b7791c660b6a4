//! The session's short path (`Executor::try_short`): a cached short plan runs where
//! its request arrives. These check what it must keep: answers equal to the queued
//! path's, each user's own partition and plan cache, the transaction's reads going to
//! the queue, limits, a write that fails leaving nothing, and a plan that overruns its
//! slice declined before anything was sent, then queued for good.

mod support;

use arrow_array::RecordBatch;
use kalavar_protocol::{ServerMessage, Value};
use kalavar_server::db::ExecLimits;
use kalavar_server::exec::{Executor, Request, Short};
use kalavar_server::vm::plan_hash;
use kalavar_storage::Role;
use support::*;

/// Compiles `text` for `ex`, runs it once through `execute` (which caches the plan
/// for this user) and returns its hash.
fn cached(
    t: &TestDb,
    ex: &mut Executor,
    text: &str,
    params: &[kalavar_protocol::Param],
) -> [u8; 32] {
    let bytes = plan(t, ex, text);
    run_req(ex, Request::Plan(&bytes), params, false).unwrap_or_else(|e| panic!("{text}: {e}"));
    plan_hash(&bytes)
}

/// The rows of a short run's `Batch` messages and its `Complete` count.
fn answer(messages: &[ServerMessage]) -> (Vec<RecordBatch>, Option<u64>) {
    let mut batches = Vec::new();
    let mut complete = None;
    for m in messages {
        match m {
            ServerMessage::Batch { arrow_ipc, .. } => {
                batches.extend(kalavar_protocol::ipc::decode_batches(arrow_ipc).unwrap())
            }
            ServerMessage::Complete { rows_affected, .. } => complete = Some(*rows_affected),
            other => panic!("unexpected {other:?}"),
        }
    }
    (batches, complete)
}

fn ran(s: Short) -> (Vec<ServerMessage>, Option<kalavar_server::vm::ExecError>) {
    match s {
        Short::Ran(m, e) => (m, e),
        Short::Row(r) => (vec![r.into_message()], None),
        Short::Declined => panic!("the short path declined"),
        Short::Commit(_) => panic!("a write waits for a synced commit without fsync"),
    }
}

fn int_col(batches: &[RecordBatch], i: usize) -> Vec<i64> {
    use arrow_array::cast::AsArray;
    batches
        .iter()
        .flat_map(|b| {
            b.column(i)
                .as_primitive::<arrow_array::types::Int64Type>()
                .values()
                .to_vec()
        })
        .collect()
}

fn setup(t: &TestDb) {
    let mut root = t.root();
    ok(&mut root, "create namespace s");
    ok(&mut root, "create user table s.kv (id int64 key, v int64)");
}

#[test]
fn lookups_ranges_and_inserts_run_short_in_the_callers_partition() {
    let t = TestDb::new();
    setup(&t);
    let mut alice = t.session("alice", Role::User);
    let mut bob = t.session("bob", Role::User);
    let insert = "insert into s.kv {id: $id, v: $v}";
    let ins_a = cached(
        &t,
        &mut alice,
        insert,
        &[p("id", Value::Int(0)), p("v", Value::Int(0))],
    );
    let ins_b = cached(
        &t,
        &mut bob,
        insert,
        &[p("id", Value::Int(0)), p("v", Value::Int(-1))],
    );
    for id in 1..=50 {
        let (m, e) = ran(alice.try_short(
            &ins_a,
            1,
            &[p("id", Value::Int(id)), p("v", Value::Int(id * 10))],
            false,
        ));
        assert!(e.is_none(), "{e:?}");
        assert_eq!(answer(&m).1, Some(1));
    }
    // A duplicate key fails on the short path and applies nothing.
    let (_, e) = ran(alice.try_short(
        &ins_a,
        1,
        &[p("id", Value::Int(7)), p("v", Value::Int(0))],
        false,
    ));
    assert!(e.is_some(), "a second row with key 7 must fail");
    let (_, e) = ran(bob.try_short(
        &ins_b,
        1,
        &[p("id", Value::Int(7)), p("v", Value::Int(-7))],
        false,
    ));
    assert!(e.is_none(), "bob's key 7 is another row: {e:?}");

    let lookup = "from s.kv | where id == $id | select v";
    let look_a = cached(&t, &mut alice, lookup, &[p("id", Value::Int(1))]);
    let look_b = cached(&t, &mut bob, lookup, &[p("id", Value::Int(1))]);
    let (m, e) = ran(alice.try_short(&look_a, 1, &[p("id", Value::Int(7))], false));
    assert!(e.is_none(), "{e:?}");
    assert_eq!(int_col(&answer(&m).0, 0), [70]);
    let (m, _) = ran(bob.try_short(&look_b, 1, &[p("id", Value::Int(7))], false));
    assert_eq!(int_col(&answer(&m).0, 0), [-7]);
    let (m, _) = ran(bob.try_short(&look_b, 1, &[p("id", Value::Int(8))], false));
    assert!(answer(&m).0.iter().all(|b| b.num_rows() == 0));
    // Compact answers: one row travels as `Row`.
    let (m, _) = ran(alice.try_short(&look_a, 1, &[p("id", Value::Int(3))], true));
    assert!(matches!(&m[..], [ServerMessage::Row { values, .. }] if values == &[Value::Int(30)]));

    let range = "from s.kv | where id >= $lo && id < $hi | select id";
    let range_a = cached(
        &t,
        &mut alice,
        range,
        &[p("lo", Value::Int(0)), p("hi", Value::Int(1))],
    );
    let (m, e) = ran(alice.try_short(
        &range_a,
        1,
        &[p("lo", Value::Int(10)), p("hi", Value::Int(20))],
        false,
    ));
    assert!(e.is_none(), "{e:?}");
    assert_eq!(int_col(&answer(&m).0, 0), (10..20).collect::<Vec<_>>());
    // Bob's plan cache is his own: a plan only alice sent is not in it.
    assert!(matches!(
        bob.try_short(
            &range_a,
            1,
            &[p("lo", Value::Int(10)), p("hi", Value::Int(20))],
            false
        ),
        Short::Declined
    ));
    // The same answer through the executor's queue path.
    let queued = run_req(
        &mut alice,
        Request::Cached(&range_a),
        &[p("lo", Value::Int(10)), p("hi", Value::Int(20))],
        false,
    )
    .unwrap();
    assert_eq!(int_col(&queued.batches, 0), (10..20).collect::<Vec<_>>());

    // An unbounded scan is not short.
    let all = cached(&t, &mut alice, "from s.kv | select id", &[]);
    assert!(matches!(
        alice.try_short(&all, 1, &[], false),
        Short::Declined
    ));
}

#[test]
fn a_transaction_goes_to_the_queue() {
    let t = TestDb::new();
    setup(&t);
    let mut alice = t.session("alice", Role::User);
    let insert = "insert into s.kv {id: $id, v: $v}";
    let ins = cached(
        &t,
        &mut alice,
        insert,
        &[p("id", Value::Int(0)), p("v", Value::Int(0))],
    );
    ok(&mut alice, "begin");
    assert!(matches!(
        alice.try_short(
            &ins,
            1,
            &[p("id", Value::Int(1)), p("v", Value::Int(1))],
            false
        ),
        Short::Declined
    ));
    run_req(
        &mut alice,
        Request::Cached(&ins),
        &[p("id", Value::Int(1)), p("v", Value::Int(1))],
        false,
    )
    .unwrap();
    ok(&mut alice, "rollback");
    let r = ok(
        &mut alice,
        "from s.kv | where id == 1 | aggregate n = count()",
    );
    assert_eq!(r.col("n"), ["0"]);
}

#[test]
fn limits_hold_and_a_long_plan_is_declined_then_queued() {
    let t = TestDb::with_limits(ExecLimits {
        max_rows: 5000,
        ..ExecLimits::default()
    });
    setup(&t);
    let mut alice = t.session("alice", Role::User);
    for chunk in 0..10 {
        let values: Vec<String> = (0..2000)
            .map(|i| format!("{{id: {}, v: {i}}}", chunk * 2000 + i))
            .collect();
        ok(
            &mut alice,
            &format!("insert into s.kv {}", values.join(", ")),
        );
    }
    let range = "from s.kv | where id >= $lo && id < $hi | select id, v";
    let params = |lo: i64, hi: i64| [p("lo", Value::Int(lo)), p("hi", Value::Int(hi))];
    let h = cached(&t, &mut alice, range, &params(0, 1));
    // More rows than `max_rows`: the same X011 as the queued path (or, when it took
    // longer than the slice, declined and left to the queue, which fails the same).
    match alice.try_short(&h, 1, &params(0, 20_000), false) {
        Short::Ran(_, Some(e)) => assert_eq!(e.code, "X011", "{e}"),
        Short::Ran(_, None) | Short::Row(_) => panic!("20,000 rows passed a limit of 5,000"),
        Short::Declined | Short::Commit(_) => {}
    }
    // Casting and sorting 20,000 rows takes well over the slice: declined (nothing
    // sent). After three overruns in a row the plan goes straight to the queue.
    let sort = "from s.kv | where id >= $lo && id < $hi | extend k = v::text | sort k desc | take 10 | select id";
    let h = cached(&t, &mut alice, sort, &params(0, 1));
    let mut in_a_row = 0;
    for _ in 0..60 {
        match alice.try_short(&h, 1, &params(0, 20_000), false) {
            Short::Declined => in_a_row += 1,
            Short::Ran(..) | Short::Row(_) | Short::Commit(_) => in_a_row = 0,
        }
        if in_a_row == 3 {
            break;
        }
    }
    assert_eq!(
        in_a_row, 3,
        "sorting 20,000 rows never overran a 2 ms slice"
    );
    assert!(
        matches!(
            alice.try_short(&h, 1, &params(0, 2), false),
            Short::Declined
        ),
        "a plan that overran three times in a row is queued from then on"
    );
    let r = run_req(&mut alice, Request::Cached(&h), &params(0, 20_000), false).unwrap();
    assert_eq!(r.rows(), 10);
}

#[test]
fn a_write_that_syncs_stops_before_its_commit_and_a_read_stays_short() {
    let options = kalavar_storage::EngineOptions {
        durability: kalavar_storage::Durability::Sync,
        ..engine_options()
    };
    let t = TestDb::with_options(options, ExecLimits::default());
    setup(&t);
    let mut alice = t.session("alice", Role::User);
    let ins = cached(
        &t,
        &mut alice,
        "insert into s.kv {id: $id, v: $v}",
        &[p("id", Value::Int(0)), p("v", Value::Int(0))],
    );
    // The write runs up to its commit, which is the commit thread's
    // (`tests/short_commit.rs`); dropped here, so never committed.
    let pending = alice.try_short(
        &ins,
        1,
        &[p("id", Value::Int(1)), p("v", Value::Int(1))],
        false,
    );
    assert!(matches!(pending, Short::Commit(_)));
    drop(pending);
    // Nothing was written: the row is absent.
    let look = cached(
        &t,
        &mut alice,
        "from s.kv | where id == $id | select v",
        &[p("id", Value::Int(0))],
    );
    let (m, e) = ran(alice.try_short(&look, 1, &[p("id", Value::Int(1))], false));
    assert!(e.is_none());
    assert!(int_col(&answer(&m).0, 0).is_empty());
    let (m, e) = ran(alice.try_short(&look, 1, &[p("id", Value::Int(0))], false));
    assert!(e.is_none());
    assert_eq!(int_col(&answer(&m).0, 0), vec![0]);
}
