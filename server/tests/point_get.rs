//! The point get without Arrow (`vm::point`): a cached `SeekKey`-`Emit` plan on the
//! short path with compact answers must answer exactly what the VM answers for the
//! same plan — every column type, nulls, hot and cold rows, added columns, absent and
//! deleted keys — and keep what the VM keeps: each user's own partition, `execute
//! as` rules, the row limit, stale plans, and the `system.stats` counters.

mod support;

use std::sync::atomic::Ordering;

use kalavar_protocol::{Param, Value};
use kalavar_server::db::ExecLimits;
use kalavar_server::exec::{Executor, Request, Short};
use kalavar_server::vm::plan_hash;
use kalavar_storage::Role;
use support::*;

/// Compiles `text` for `ex`, runs it once (caching the plan) and returns its hash.
fn cached(t: &TestDb, ex: &mut Executor, text: &str, params: &[Param]) -> [u8; 32] {
    let bytes = plan(t, ex, text);
    run_req(ex, Request::Plan(&bytes), params, true).unwrap_or_else(|e| panic!("{text}: {e}"));
    plan_hash(&bytes)
}

/// Whether the cached plan `hash` of `ex`'s user is a point get.
fn is_point(t: &TestDb, ex: &Executor, hash: &[u8; 32]) -> bool {
    let who = ex.who().unwrap();
    let views = t.db.views().unwrap();
    let p =
        t.db.plans
            .get(hash, &who.user, who.role, views.for_role(who.role))
            .expect("the plan is cached");
    p.point.is_some()
}

/// The short path's answer, decoded like the VM's.
fn short(ex: &mut Executor, hash: &[u8; 32], params: &[Param]) -> Result<Res, String> {
    match ex.try_short(hash, 1, params, true) {
        Short::Ran(messages, error) => {
            if let Some(e) = error {
                return Err(format!("{}: {}", e.code, e.message));
            }
            let mut res = Res::default();
            for m in messages {
                collect(&mut res, m);
            }
            Ok(res)
        }
        Short::Row(row) => {
            // The frame the session writes is the message's.
            let mut frame = Vec::new();
            row.encode_into(&mut frame);
            let message = row.into_message();
            assert_eq!(frame, message.encode());
            let mut res = Res::default();
            collect(&mut res, message);
            Ok(res)
        }
        Short::Declined => panic!("the short path declined"),
        Short::Commit(_) => panic!("a read waits for a commit"),
    }
}

/// The VM's answer for the same cached plan (the executor's queued path).
fn vm(ex: &mut Executor, hash: &[u8; 32], params: &[Param]) -> Result<Res, String> {
    run_req(ex, Request::Cached(hash), params, true)
        .map_err(|e| format!("{}: {}", e.code, e.message))
}

/// Both answers, which must agree; the short one is returned.
fn same(ex: &mut Executor, hash: &[u8; 32], params: &[Param]) -> Result<Res, String> {
    let a = short(ex, hash, params);
    let b = vm(ex, hash, params);
    match (&a, &b) {
        (Ok(x), Ok(y)) => {
            assert_eq!(x.row, y.row, "{params:?}");
            assert_eq!(x.rows(), y.rows(), "{params:?}");
            assert_eq!(x.schema_only, y.schema_only, "{params:?}");
            assert_eq!(x.rows_affected, y.rows_affected, "{params:?}");
            if x.row.is_none() {
                let s = |r: &Res| r.batches.first().map(|b| b.schema());
                assert_eq!(s(x), s(y), "{params:?}");
            }
        }
        (Err(x), Err(y)) => assert_eq!(x, y, "{params:?}"),
        _ => panic!("{params:?}: short {a:?}, VM {b:?}"),
    }
    a
}

const WIDE: &str = "create shared table s.wide (k text key, b bool, i16 int16, i32 int32, i64 int64, \
     f32 float32, f64 float64, d decimal(12, 3), t text, bin bytes, j json, ts timestamp, \
     dt date, tm time, u uuid) with (access = public)";

fn row_params(i: i64) -> Vec<Param> {
    let null = |v: Value| if i % 4 == 3 { Value::Null } else { v };
    vec![
        p("k", Value::Text(format!("key{i}"))),
        p("b", null(Value::Bool(i % 2 == 0))),
        p("i16", null(Value::Int(-i))),
        p("i32", null(Value::Int(i * 1000))),
        p("i64", null(Value::Int(i << 40))),
        p("f32", null(Value::Float(i as f64 / 4.0))),
        p("f64", null(Value::Float(-(i as f64) / 3.0))),
        p("d", null(Value::Text(format!("{i}.125")))),
        p("t", null(Value::Text(format!("é{i}")))),
        p("bin", null(Value::Bytes(vec![i as u8; (i % 5) as usize]))),
        p("j", null(Value::Text(format!("{{\"n\": {i}}}")))),
        p("ts", null(Value::Timestamp(1_700_000_000_000_000 + i))),
        p("dt", null(Value::Date(19_000 + i as i32))),
        p("tm", null(Value::Time(i * 1_000_000))),
        p(
            "u",
            null(Value::Text(format!("00112233-4455-6677-8899-{i:012}"))),
        ),
    ]
}

#[test]
fn point_gets_answer_what_the_vm_answers_for_every_type_hot_and_cold() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace s");
    ok(&mut root, WIDE);
    let insert = "insert into s.wide {k: $k, b: $b, i16: $i16, i32: $i32, i64: $i64, f32: $f32, \
                  f64: $f64, d: $d, t: $t, bin: $bin, j: $j, ts: $ts, dt: $dt, tm: $tm, u: $u}";
    for i in 0..20 {
        run_req(&mut root, Request::Text(insert), &row_params(i), false).unwrap();
    }
    ok(&mut root, "flush table s.wide");
    for i in 20..30 {
        run_req(&mut root, Request::Text(insert), &row_params(i), false).unwrap();
    }
    ok(&mut root, "from s.wide | where k == 'key5' | delete");
    ok(&mut root, "from s.wide | where k == 'key25' | delete");
    ok(
        &mut root,
        "from s.wide | where k == 'key7' | update i64 = 7",
    );
    let all = "from s.wide | where k == $k | select k, b, i16, i32, i64, f32, f64, d, t, bin, j, ts, dt, tm, u";
    // In another order, and a column twice: a `Project` of the sought columns.
    let some = "from s.wide | where k == $k | select j, d, k, jj = j";
    for text in [all, some] {
        let h = cached(&t, &mut root, text, &[p("k", Value::Text("key1".into()))]);
        assert!(is_point(&t, &root, &h), "{text} is one point get");
        let mut found = 0;
        for i in 0..32 {
            let r = same(&mut root, &h, &[p("k", Value::Text(format!("key{i}")))]).unwrap();
            found += usize::from(r.row.is_some());
        }
        assert_eq!(found, 28, "30 rows, two deleted, two keys never written");
        // A null key finds nothing, like the VM.
        same(&mut root, &h, &[p("k", Value::Null)]).unwrap();
        // A bad parameter is declined on the short path and left to the VM.
        assert!(matches!(
            root.try_short(&h, 1, &[p("x", Value::Int(1))], true),
            Short::Declined
        ));
    }
    // An added column reads its default in rows written before it, hot and cold.
    ok(
        &mut root,
        "alter table s.wide add column extra int64 default 42",
    );
    let h = cached(
        &t,
        &mut root,
        "from s.wide | where k == $k | select extra, i64",
        &[p("k", Value::Text("key1".into()))],
    );
    for key in ["key1", "key7", "key22", "key40"] {
        same(&mut root, &h, &[p("k", Value::Text(key.into()))]).unwrap();
    }
    let r = short(&mut root, &h, &[p("k", Value::Text("key22".into()))]).unwrap();
    assert_eq!(r.row.unwrap().1[0], Value::Int(42));
}

#[test]
fn each_user_reads_their_own_partition_and_execute_as_follows_the_role_rules() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace s");
    ok(&mut root, "create user table s.kv (id int64 key, v text)");
    let mut alice = t.session("alice", Role::User);
    let mut bob = t.session("bob", Role::User);
    let mut svc = t.session("svc", Role::Service);
    ok(&mut alice, "insert into s.kv {id: 1, v: 'alice'}");
    ok(&mut bob, "insert into s.kv {id: 1, v: 'bob'}");
    ok(&mut bob, "insert into s.kv {id: 2, v: 'bob2'}");
    let look = "from s.kv | where id == $id | select v";
    let ha = cached(&t, &mut alice, look, &[p("id", Value::Int(1))]);
    let hb = cached(&t, &mut bob, look, &[p("id", Value::Int(1))]);
    assert!(is_point(&t, &alice, &ha));
    let v = |r: Res| r.row.map(|r| r.1);
    assert_eq!(
        v(same(&mut alice, &ha, &[p("id", Value::Int(1))]).unwrap()),
        Some(vec![Value::Text("alice".into())])
    );
    assert_eq!(
        v(same(&mut bob, &hb, &[p("id", Value::Int(1))]).unwrap()),
        Some(vec![Value::Text("bob".into())])
    );
    // Bob's key 2 is not in alice's partition.
    assert_eq!(
        v(same(&mut alice, &ha, &[p("id", Value::Int(2))]).unwrap()),
        None
    );

    let as_bob = "execute as bob { from s.kv | where id == $id | select v }";
    let hs = cached(&t, &mut svc, as_bob, &[p("id", Value::Int(2))]);
    assert!(is_point(&t, &svc, &hs), "execute as of one point get");
    assert_eq!(
        v(same(&mut svc, &hs, &[p("id", Value::Int(2))]).unwrap()),
        Some(vec![Value::Text("bob2".into())])
    );
    // The target is checked again at run time: once bob is disabled, the same X013
    // as the VM's.
    let bob_id = t.create_user("bob", Role::User);
    t.db.engine
        .alter_user(
            kalavar_storage::UserId(bob_id),
            &kalavar_storage::UserChange {
                role: None,
                enabled: Some(false),
                allowed_ips: None,
            },
        )
        .unwrap();
    let e = same(&mut svc, &hs, &[p("id", Value::Int(2))]).unwrap_err();
    assert!(e.starts_with("X013"), "{e}");
}

#[test]
fn literal_and_computed_keys_answer_as_the_vm_does() {
    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace s");
    ok(&mut root, "create shared table s.kv (id int64 key, v text)");
    for i in 1..=5 {
        ok(
            &mut root,
            &format!("insert into s.kv {{id: {i}, v: 'v{i}'}}"),
        );
    }
    let v = |r: Res| r.row.map(|r| r.1);
    // A literal key: the plan's constant.
    let h = cached(&t, &mut root, "from s.kv | where id == 3 | select v", &[]);
    assert!(is_point(&t, &root, &h), "a literal key is one point get");
    assert_eq!(
        v(same(&mut root, &h, &[]).unwrap()),
        Some(vec![Value::Text("v3".into())])
    );
    // A key computed from the parameter: evaluated.
    let h = cached(
        &t,
        &mut root,
        "from s.kv | where id == $id + 1 | select v",
        &[p("id", Value::Int(1))],
    );
    for (id, want) in [(1, Some("v2")), (4, Some("v5")), (5, None), (-1, None)] {
        assert_eq!(
            v(same(&mut root, &h, &[p("id", Value::Int(id))]).unwrap()),
            want.map(|w| vec![Value::Text(w.into())]),
            "{id}"
        );
    }
    // A null parameter finds nothing, on both paths.
    let h = cached(
        &t,
        &mut root,
        "from s.kv | where id == $id | select v",
        &[p("id", Value::Int(1))],
    );
    assert_eq!(
        v(same(&mut root, &h, &[p("id", Value::Null)]).unwrap()),
        None
    );
}

#[test]
fn limits_stale_plans_and_stats_stay_exact() {
    let t = TestDb::with_limits(ExecLimits {
        max_rows: 0,
        ..ExecLimits::default()
    });
    let mut root = t.root();
    ok(&mut root, "create namespace s");
    ok(
        &mut root,
        "create shared table s.kv (id int64 key, v int64) with (access = public)",
    );
    ok(&mut root, "insert into s.kv {id: 1, v: 10}");
    let look = "from s.kv | where id == $id | select v";
    let bytes = plan(&t, &root, look);
    let h = plan_hash(&bytes);
    // Caching the plan fails at its row (no row may be returned) but caches it.
    let e = run_req(
        &mut root,
        Request::Plan(&bytes),
        &[p("id", Value::Int(1))],
        true,
    )
    .unwrap_err();
    assert_eq!(e.code, "X011");
    assert!(is_point(&t, &root, &h));
    let e = same(&mut root, &h, &[p("id", Value::Int(1))]).unwrap_err();
    assert!(e.starts_with("X011"), "{e}");
    // No row, no limit to pass.
    same(&mut root, &h, &[p("id", Value::Int(2))]).unwrap();

    let t = TestDb::new();
    let mut root = t.root();
    ok(&mut root, "create namespace s");
    ok(
        &mut root,
        "create shared table s.kv (id int64 key, v int64) with (access = public)",
    );
    ok(&mut root, "insert into s.kv {id: 1, v: 10}, {id: 2, v: 20}");
    let h = cached(&t, &mut root, look, &[p("id", Value::Int(1))]);
    let c = &t.db.counters;
    let get = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    let (st, rows, hits, failed) = (
        get(&c.statements),
        get(&c.rows_returned),
        get(&c.plan_cache_hits),
        get(&c.statements_failed),
    );
    for id in 0..10 {
        short(&mut root, &h, &[p("id", Value::Int(id))]).unwrap();
    }
    assert_eq!(get(&c.statements) - st, 10, "every run is a statement");
    assert_eq!(get(&c.rows_returned) - rows, 2, "ids 1 and 2 exist");
    assert_eq!(get(&c.plan_cache_hits) - hits, 10);
    assert_eq!(get(&c.statements_failed), failed);
    // After a schema change the cached plan is not run on the short path.
    ok(&mut root, "alter table s.kv add column w int64 default 3");
    assert!(matches!(
        root.try_short(&h, 1, &[p("id", Value::Int(1))], true),
        Short::Declined
    ));
    assert!(vm(&mut root, &h, &[p("id", Value::Int(1))]).is_err());
}
