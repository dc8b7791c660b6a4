//! Short writes when commits sync (`Durability::Sync`): the write runs on the short
//! path up to its commit (`Short::Commit`), then commits it where it ran when no other
//! commit is in flight, else through the commit thread (`PendingCommit::finish`).
//! These check what that must keep: the answer only after the commit (and nothing
//! applied without it), uniqueness across writers racing to the commit, one leader at
//! a time and none while the thread has work, writers arriving together sharing one
//! write, a DDL between the
//! run and the commit sending the statement back to the queue, and a write the disk
//! refuses failing the statement with nothing applied.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use kalavar_protocol::{ServerMessage, Value};
use kalavar_server::db::ExecLimits;
use kalavar_server::exec::{Executor, PendingCommit, Request, Short};
use kalavar_server::vm::{ExecError, plan_hash};
use kalavar_storage::{Durability, EngineOptions, Role};
use support::*;

fn durable() -> EngineOptions {
    EngineOptions {
        durability: Durability::Sync,
        ..engine_options()
    }
}

fn setup(t: &TestDb) {
    let mut root = t.root();
    ok(&mut root, "create namespace s");
    ok(&mut root, "create user table s.kv (id int64 key, v int64)");
}

const INSERT: &str = "insert into s.kv {id: $id, v: $v}";

/// Puts the insert plan in `ex`'s plan cache (running it once through the executor,
/// which may fail) and returns its hash.
fn cache_insert(t: &TestDb, ex: &mut Executor, id: i64) -> ([u8; 32], Result<Res, ExecError>) {
    let bytes = plan(t, ex, INSERT);
    let r = run_req(ex, Request::Plan(&bytes), &row(id, id), false);
    (plan_hash(&bytes), r)
}

fn row(id: i64, v: i64) -> [kalavar_protocol::Param; 2] {
    [p("id", Value::Int(id)), p("v", Value::Int(v))]
}

fn pending(s: Short) -> PendingCommit {
    match s {
        Short::Commit(c) => c,
        Short::Ran(_, e) => panic!("ran without waiting for a commit ({e:?})"),
        Short::Row(r) => panic!("a write answered a row ({r:?})"),
        Short::Declined => panic!("declined"),
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// `v` of `id` in the caller's partition (empty when absent).
fn v_of(ex: &mut Executor, id: i64) -> Vec<String> {
    ok(ex, &format!("from s.kv | where id == {id} | select v")).col("v")
}

#[test]
fn a_durable_insert_is_answered_after_its_commit_and_survives_a_restart() {
    let t = TestDb::with_options(durable(), ExecLimits::default());
    setup(&t);
    let mut alice = t.session("alice", Role::User);
    let (ins, r) = cache_insert(&t, &mut alice, 0);
    r.unwrap();
    let c = pending(alice.try_short(&ins, 7, &row(1, 10), true));
    // Run, not committed: nobody sees it yet, alice included.
    assert!(v_of(&mut alice, 1).is_empty());
    let rt = runtime();
    match rt.block_on(c.finish()) {
        Short::Ran(m, None) => assert!(
            matches!(
                &m[..],
                [ServerMessage::Complete {
                    request: 7,
                    rows_affected: 1
                }]
            ),
            "{m:?}"
        ),
        Short::Ran(_, Some(e)) => panic!("{e}"),
        _ => panic!("declined"),
    }
    assert_eq!(v_of(&mut alice, 1), ["10"]);
    let committer = t.db.committer().unwrap();
    assert_eq!(committer.groups_and_commits(), (1, 1));
    // A run that is dropped before its commit applies nothing.
    drop(pending(alice.try_short(&ins, 8, &row(2, 20), true)));
    assert!(v_of(&mut alice, 2).is_empty());
    assert_eq!(committer.groups_and_commits(), (1, 1));
    // Committed means written to the log: it is there after a restart.
    let dir = t.dir;
    drop(alice);
    let db = Arc::into_inner(t.db).expect("the test holds the only handle");
    drop(db);
    let engine =
        kalavar_storage::Engine::open(dir.path().join("storage"), durable()).expect("reopen");
    let db = Arc::new(kalavar_server::db::Database::new(
        engine,
        ExecLimits::default(),
        64,
    ));
    let t = TestDb { dir, db };
    let mut alice = t.session("alice", Role::User);
    assert_eq!(v_of(&mut alice, 1), ["10"]);
    assert!(v_of(&mut alice, 2).is_empty());
}

#[test]
fn a_duplicate_key_fails_before_the_commit_and_a_race_to_it_has_one_winner() {
    let t = TestDb::with_options(durable(), ExecLimits::default());
    setup(&t);
    let mut a = t.session("alice", Role::User);
    // A second session of the same user: the same partition.
    let mut b = t.session("alice", Role::User);
    let (ins_a, _) = cache_insert(&t, &mut a, 0);
    let (ins_b, _) = cache_insert(&t, &mut b, 100);
    assert_eq!(ins_a, ins_b);
    let rt = runtime();
    // Key 0 exists: the uniqueness check on the short path refuses it, nothing waits.
    match a.try_short(&ins_a, 1, &row(0, 5), false) {
        Short::Ran(_, Some(e)) => assert_eq!(e.code, "S111", "{e}"),
        _ => panic!("a duplicate key reached the commit"),
    }
    // Both check key 1 before either commits: both pass, the commit thread takes one.
    let ca = pending(a.try_short(&ins_a, 1, &row(1, 11), false));
    let cb = pending(b.try_short(&ins_b, 1, &row(1, 22), false));
    let (ra, rb) = rt.block_on(async { tokio::join!(ca.finish(), cb.finish()) });
    let won = |s: &Short| matches!(s, Short::Ran(_, None));
    assert!(won(&ra) != won(&rb), "exactly one insert of key 1 commits");
    // The loser applied nothing and goes back to the queue, which runs it again and
    // now finds the key.
    let (loser, winner) = if won(&ra) {
        (&mut b, "11")
    } else {
        (&mut a, "22")
    };
    assert!(matches!(if won(&ra) { &rb } else { &ra }, Short::Declined));
    let again = run_req(loser, Request::Cached(&ins_a), &row(1, 99), false);
    assert_eq!(again.unwrap_err().code, "S111");
    assert_eq!(v_of(&mut a, 1), [winner]);
}

#[test]
fn one_writer_leads_at_a_time_and_none_while_the_thread_has_work() {
    let t = TestDb::with_options(durable(), ExecLimits::default());
    setup(&t);
    let mut a = t.session("alice", Role::User);
    let (hash, r) = cache_insert(&t, &mut a, 0);
    r.unwrap();
    let committer = t.db.committer().unwrap();
    let lead = committer.try_lead().expect("nothing is in flight");
    assert!(committer.try_lead().is_none(), "a second leader");
    // A writer arriving while another leads goes to the commit thread; the DDL lock
    // held exclusively keeps the thread from writing it, so its commit stays in
    // flight and nobody may lead meanwhile, not even once the first leader is done.
    let rt = runtime();
    let waiting = pending(a.try_short(&hash, 1, &row(1, 10), false));
    let ddl = t.db.ddl.write().unwrap();
    let (groups_before, _) = committer.groups_and_commits();
    let handle = rt.spawn(waiting.finish());
    std::thread::sleep(Duration::from_millis(50));
    drop(lead);
    assert!(
        committer.try_lead().is_none(),
        "led while the thread had a commit"
    );
    assert!(!handle.is_finished(), "answered before its commit");
    drop(ddl);
    match rt.block_on(handle).unwrap() {
        Short::Ran(m, None) => assert_eq!(m.len(), 1),
        Short::Ran(_, Some(e)) => panic!("{e}"),
        _ => panic!("declined"),
    }
    assert_eq!(committer.groups_and_commits().0, groups_before + 1);
    assert_eq!(v_of(&mut a, 1), ["10"]);
    // Nothing in flight again: the next writer leads, on its own thread.
    let alone = pending(a.try_short(&hash, 1, &row(2, 20), false));
    match rt.block_on(alone.finish()) {
        Short::Ran(m, None) => assert_eq!(m.len(), 1),
        Short::Ran(_, Some(e)) => panic!("{e}"),
        _ => panic!("declined"),
    }
    assert!(committer.try_lead().is_some(), "a leader left behind");
    assert_eq!(v_of(&mut a, 2), ["20"]);
}

#[test]
fn writers_arriving_together_share_one_write() {
    const WRITERS: usize = 8;
    let t = TestDb::with_options(durable(), ExecLimits::default());
    setup(&t);
    let mut sessions: Vec<Executor> = (0..WRITERS)
        .map(|i| t.session(&format!("u{i}"), Role::User))
        .collect();
    let hashes: Vec<[u8; 32]> = sessions
        .iter_mut()
        .map(|ex| {
            let (h, r) = cache_insert(&t, ex, 0);
            r.unwrap();
            h
        })
        .collect();
    let committer = t.db.committer().unwrap();
    let rt = runtime();
    let started = Arc::new(AtomicUsize::new(0));
    let pendings: Vec<PendingCommit> = sessions
        .iter_mut()
        .enumerate()
        .map(|(i, ex)| pending(ex.try_short(&hashes[i], 1, &row(1, i as i64), false)))
        .collect();
    // The DDL lock held exclusively keeps the commit thread from writing until every
    // writer has handed its transaction over.
    let ddl = t.db.ddl.write().unwrap();
    let mut handles = Vec::new();
    for c in pendings {
        let started = started.clone();
        handles.push(rt.spawn(async move {
            started.fetch_add(1, Ordering::SeqCst);
            c.finish().await
        }));
    }
    while started.load(Ordering::SeqCst) < WRITERS {
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    drop(ddl);
    for h in handles {
        match rt.block_on(h).unwrap() {
            Short::Ran(m, None) => assert_eq!(m.len(), 1),
            Short::Ran(_, Some(e)) => panic!("{e}"),
            _ => panic!("declined"),
        }
    }
    let (groups, commits) = committer.groups_and_commits();
    assert_eq!(commits, WRITERS as u64);
    // The first writer found nothing in flight and committed alone on its own
    // thread (waiting for the lock); the thread may have taken the next one alone
    // before it waited for the lock too; everything else was waiting together.
    assert!(
        groups <= 3,
        "{WRITERS} writers waiting together took {groups} writes"
    );
    for (i, ex) in sessions.iter_mut().enumerate() {
        assert_eq!(v_of(ex, 1), [i.to_string()]);
    }
}

#[test]
fn a_schema_change_between_the_run_and_the_commit_sends_it_back_to_the_queue() {
    let t = TestDb::with_options(durable(), ExecLimits::default());
    setup(&t);
    let mut alice = t.session("alice", Role::User);
    let (ins, r) = cache_insert(&t, &mut alice, 0);
    r.unwrap();
    let c = pending(alice.try_short(&ins, 1, &row(1, 1), false));
    ok(
        &mut t.root(),
        "alter table s.kv add column w int64 default 3",
    );
    let rt = runtime();
    assert!(matches!(rt.block_on(c.finish()), Short::Declined));
    assert!(v_of(&mut alice, 1).is_empty());
    // Through the queue: the stale plan is reported (no longer cached, or at an old
    // schema version: the client library recompiles and retries either way).
    let e = run_req(&mut alice, Request::Cached(&ins), &row(1, 1), false).unwrap_err();
    assert!(e.code == "P011" || e.code == "V013", "{e}");
}

#[test]
fn a_write_the_disk_refuses_fails_the_statement_and_applies_nothing() {
    let options = EngineOptions {
        failpoint: Some("error:commit.write".into()),
        ..durable()
    };
    let t = TestDb::with_options(options, ExecLimits::default());
    setup(&t);
    let mut alice = t.session("alice", Role::User);
    // The executor's own commit fails the same way (and caches the plan).
    let (ins, r) = cache_insert(&t, &mut alice, 0);
    assert_eq!(r.unwrap_err().code, "S303");
    let failed_before = t.db.counters.statements_failed.load(Ordering::Relaxed);
    let c = pending(alice.try_short(&ins, 1, &row(1, 1), false));
    let rt = runtime();
    match rt.block_on(c.finish()) {
        Short::Ran(m, Some(e)) => {
            assert!(m.is_empty(), "no Complete for a failed commit: {m:?}");
            assert_eq!(e.code, "S303", "{e}");
            assert!(e.message.contains("commit.write"), "{e}");
        }
        Short::Ran(_, None) => panic!("a refused write was reported done"),
        _ => panic!("declined"),
    }
    assert_eq!(
        t.db.counters.statements_failed.load(Ordering::Relaxed),
        failed_before + 1
    );
    assert!(v_of(&mut alice, 0).is_empty());
    assert!(v_of(&mut alice, 1).is_empty());
}
