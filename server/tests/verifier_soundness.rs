//! The verifier-soundness property: whatever bytes a client sends as a plan, the
//! server either refuses them (a `C` decoding or `V` verification error) or runs them
//! to an answer or a clean error — never a panic, never an out-of-bounds access,
//! never an `X001` (the VM meeting a state the verifier should have ruled out).
//!
//! A corpus of plans compiled from real statements (reads, writes, aggregates, sorts,
//! joins, transactions, maintenance) is mutated byte-wise — flips, overwrites with
//! edge values, insertions, deletions, truncations, splices between plans — and every
//! mutant goes through the same path an `Execute` takes (decode, verify with the
//! caller's identity, run) against a small real database. The run is deterministic
//! (seeded); `KALAVAR_SOUNDNESS_SEED` and `KALAVAR_SOUNDNESS_PLANS` change the seed and
//! the number of mutants (at least 100,000 by default). Subscription plans are mutated
//! too (10,000) and run the way `Subscribe` runs them: until they wait, then again
//! after a change.

mod support;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use kalavar_protocol::{Param, ServerMessage, Value};
use kalavar_server::db::ExecLimits;
use kalavar_server::exec::{Executor, Request};
use kalavar_server::vm::{Budget, Collect, Ctx, NoHost, Outcome};
use kalavar_storage::Role;
use support::*;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const SETUP: &[&str] = &[
    "create namespace app",
    "create user table app.msgs (id int64 key, conv int64, body text, score float64, at timestamp default now())",
    "create shared table app.docs (doc text key, version int32, body text) with (access = public)",
    "create stream table app.typing (conv int64, who text) with (ttl = 30s)",
    "create shared table app.gone (k int64 key)",
    "create namespace spare",
];

const ROWS: &[&str] = &[
    r#"insert into app.msgs {id: 1, conv: 1, body: "hello", score: 1.5}, {id: 2, conv: 1, body: "hi", score: -2.0}, {id: 3, conv: 2, body: null, score: 0.0}"#,
    r#"insert into app.docs {doc: "a", version: 1, body: "alpha"}, {doc: "b", version: 2, body: "beta"}"#,
    r#"insert into app.typing {conv: 1, who: "alice"}"#,
];

/// Statements whose plans seed the mutations: every opcode family the VM has.
const CORPUS: &[&str] = &[
    "from app.msgs",
    "from app.msgs | where conv == 1 && body != \"x\" | select id, body",
    "from app.msgs | where id == 2",
    "from app.msgs | where id between 1 and 2 | select id",
    "from app.msgs | extend l = len(body), u = upper(body), s = score * 2.0 | where l > 1",
    "from app.msgs | aggregate n = count(), s = sum(score), m = max(body) by conv",
    "from app.msgs | aggregate n = count_distinct(conv), a = avg(score)",
    "from app.msgs | sort score desc, id | take 2",
    "from app.msgs | sort body nulls first",
    "from app.msgs | skip 1 | take 1",
    "from app.msgs | distinct conv",
    "from app.msgs as m | join app.docs as d on m.body == d.body",
    "from app.msgs as m | join left app.docs as d on m.body == d.body | select m.id, d.doc",
    "from app.msgs | union app.msgs | select id",
    "from app.docs | where doc in [\"a\", \"c\"] | select version + 1",
    "from app.msgs | where id == $id | select body",
    "from app.msgs | select id % 2, coalesce(body, \"none\"), conv::text",
    "from app.typing | aggregate n = count()",
    "from system.tables | select name",
    "insert into app.msgs {id: 10, conv: 3, body: \"new\", score: 1.0}",
    "upsert into app.docs {doc: \"z\", version: 9, body: \"zed\"}",
    "from app.msgs | where id == 10 | update body = \"edited\", score = score + 1.0",
    "from app.msgs | where conv == 3 | delete",
    "from app.docs | where version > 5 | delete",
    "insert into app.typing {conv: 2, who: \"bob\"}",
    "from app.msgs | where conv == 2 | insert into app.msgs",
    "begin",
    "commit",
    "rollback",
    "explain analyze from app.msgs | aggregate n = count() by conv",
];

/// Statements a dba runs: maintenance, DDL, `execute as`.
const DBA_CORPUS: &[&str] = &[
    "create shared table app.tmp (k int64 key, v text, d decimal(10, 2)) with (access = public)",
    "create namespace scratch",
    "execute as alice { insert into app.msgs {id: 20, conv: 9, body: \"as\", score: 0.5} }",
    "from app.msgs | aggregate n = count()",
];

/// Statements that change or drop what the other plans name (a mutant may drop any
/// table): their mutants run last, so they do not turn the rest into stale plans.
/// Flushes go here too: thousands of them would leave thousands of small segments
/// for every later scan to read.
const DESTRUCTIVE: &[&str] = &[
    "flush table app.msgs",
    "compact table app.docs",
    "alter table app.docs add column tag text default \"t\"",
    "drop table app.gone",
    "drop namespace spare",
];

/// Live queries: their mutants go through `Subscribe`'s path (prepare, then the VM
/// run until it waits, a change, and the run resumed).
const SUBSCRIPTIONS: &[&str] = &[
    "subscribe from app.msgs | where conv == 1 with (last = 2)",
    "subscribe from app.msgs | select id, body, l = len(body) | where l > 1",
    "subscribe from app.docs | where version > 0 with (last = 5)",
    "subscribe from app.typing",
];

/// Mutants of [`SUBSCRIPTIONS`] plans.
const SUBSCRIPTION_PLANS: u64 = 10_000;

/// Mutants of [`DESTRUCTIVE`] plans, after the main run.
const DESTRUCTIVE_PLANS: u64 = 5_000;

/// Bytes at the start of a plan that only select the format.
const HEADER: usize = 8;

fn mutate(rng: &mut Rng, base: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut b = base.to_vec();
    // Mostly one in-place edit past the header (magic, format and opcode-set bytes
    // refuse nearly everything), so that many mutants reach the verifier and the VM.
    let edits = if rng.below(4) == 0 {
        2 + rng.below(2)
    } else {
        1
    };
    for _ in 0..edits {
        if b.is_empty() {
            b.push(rng.next() as u8);
            continue;
        }
        let at = if b.len() > HEADER && rng.below(10) != 0 {
            HEADER + rng.below(b.len() - HEADER)
        } else {
            rng.below(b.len())
        };
        let kind = if rng.below(3) == 0 {
            rng.below(9)
        } else {
            rng.below(4)
        };
        match kind {
            0 => b[at] ^= 1 << rng.below(8),
            1 => b[at] = rng.next() as u8,
            2 => b[at] = [0x00, 0x01, 0x7f, 0x80, 0xff][rng.below(5)],
            3 => {
                // A little-endian u16/u32 field set to an edge value.
                let v: u32 = [0, 1, 2, 0xff, 0xffff, 0x7fff_ffff, 0xffff_ffff][rng.below(7)];
                for (i, byte) in v
                    .to_le_bytes()
                    .iter()
                    .enumerate()
                    .take(2 + 2 * rng.below(2))
                {
                    if at + i < b.len() {
                        b[at + i] = *byte;
                    }
                }
            }
            4 => b.insert(at, rng.next() as u8),
            5 => {
                b.remove(at);
            }
            6 => b.truncate(at),
            7 => {
                let n = 1 + rng.below(8);
                let end = (at + n).min(b.len());
                let chunk = b[at..end].to_vec();
                let to = rng.below(b.len());
                b.splice(to..to, chunk);
            }
            _ => {
                // Splice a piece of another plan in.
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let from = rng.below(other.len());
                    let n = 1 + rng.below(16);
                    let end = (from + n).min(other.len());
                    let to = (at + n).min(b.len());
                    b.splice(at..to, other[from..end].iter().copied());
                }
            }
        }
    }
    b
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Default, Debug)]
struct Tally {
    refused: u64,
    ran_ok: u64,
    ran_err: u64,
    /// How many times each error code came back.
    codes: std::collections::BTreeMap<&'static str, u64>,
}

fn run_one(ex: &mut Executor, bytes: &[u8], params: &[Param], tally: &mut Tally) {
    let mut sink = |_m: ServerMessage| Ok(());
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        ex.execute(
            Request::Plan(bytes),
            1,
            params,
            Arc::new(AtomicBool::new(false)),
            false,
            &mut sink,
        )
    }));
    if let Ok(Err(e)) = &result {
        *tally.codes.entry(e.code).or_default() += 1;
    }
    match result {
        Err(_) => panic!("the server panicked on plan {}", hex(bytes)),
        Ok(Ok(())) => tally.ran_ok += 1,
        Ok(Err(e)) if e.code.starts_with('C') || e.code.starts_with('V') => tally.refused += 1,
        Ok(Err(e)) => {
            assert_ne!(
                e.code,
                "X001",
                "a verified plan reached a state the VM rules out: {} (plan {})",
                e.message,
                hex(bytes)
            );
            tally.ran_err += 1;
        }
    }
    if ex.in_transaction() {
        ex.abandon();
    }
}

/// A subscription mutant: prepared like `Subscribe`, run until it waits, fed one
/// change by `writer`, and resumed.
fn run_subscription(
    ex: &mut Executor,
    writer: &mut Executor,
    bytes: &[u8],
    n: u64,
    tally: &mut Tally,
) {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let (mut vm, who) = ex.prepare_subscription(Request::Plan(bytes), &[])?;
        let budget = Budget {
            cancel: Arc::new(AtomicBool::new(false)),
            deadline: None,
            max_memory: 16 << 20,
            max_rows: 10_000,
            timeout_s: 0,
        };
        let mut out = Collect::default();
        for round in 0..2 {
            let mut cx = Ctx {
                db: &ex.db,
                host: &NoHost,
                who: &who,
                txn: None,
                out: &mut out,
                budget: &budget,
            };
            if vm.run(&mut cx)? == Outcome::Halted {
                break;
            }
            if round == 0 {
                let id = 1_000_000 + n as i64;
                q(
                    writer,
                    &format!(
                        "insert into app.msgs {{id: {id}, conv: 1, body: \"live\", score: 1.0}}"
                    ),
                )?;
            }
        }
        Ok::<_, kalavar_server::vm::ExecError>(())
    }));
    match result {
        Err(_) => panic!("the server panicked on subscription plan {}", hex(bytes)),
        Ok(Ok(())) => tally.ran_ok += 1,
        Ok(Err(e)) => {
            *tally.codes.entry(e.code).or_default() += 1;
            if e.code.starts_with('C') || e.code.starts_with('V') {
                tally.refused += 1;
            } else {
                assert_ne!(
                    e.code,
                    "X001",
                    "a verified subscription reached a state the VM rules out: {} (plan {})",
                    e.message,
                    hex(bytes)
                );
                tally.ran_err += 1;
            }
        }
    }
}

#[test]
fn mutated_plans_are_refused_or_run_cleanly() {
    let t = TestDb::with_limits(ExecLimits {
        memory_bytes: 16 << 20,
        max_rows: 10_000,
        timeout: std::time::Duration::from_secs(5),
    });
    let mut root = t.root();
    for s in SETUP {
        ok(&mut root, s);
    }
    let mut alice = t.session("alice", Role::User);
    let mut dba = t.session("ops", Role::Dba);
    for s in ROWS {
        ok(&mut alice, s);
    }
    // (statement, plan bytes, runs as the dba)
    let compile = |list: &[&'static str], ex: &Executor, as_dba: bool| {
        list.iter()
            .map(|s| (*s, plan(&t, ex, s), as_dba))
            .collect::<Vec<_>>()
    };
    let mut corpus = compile(CORPUS, &alice, false);
    corpus.extend(compile(DBA_CORPUS, &dba, true));
    let destructive = compile(DESTRUCTIVE, &dba, true);
    let with_id = [p("id", Value::Int(2))];
    let params_of = |text: &str| -> Vec<Param> {
        if text.contains("$id") {
            with_id.to_vec()
        } else {
            vec![]
        }
    };
    let pieces: Vec<Vec<u8>> = corpus
        .iter()
        .chain(&destructive)
        .map(|(_, b, _)| b.clone())
        .collect();

    // Every corpus plan runs as it is (the mutations start from working plans).
    let mut tally = Tally::default();
    for (s, bytes, as_dba) in &corpus {
        let ex = if *as_dba { &mut dba } else { &mut alice };
        run_one(ex, bytes, &params_of(s), &mut tally);
        assert_eq!(tally.refused, 0, "`{s}` as compiled is refused");
    }

    let seed = std::env::var("KALAVAR_SOUNDNESS_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6b61_6c61_7661_7221u64);
    let plans: u64 = std::env::var("KALAVAR_SOUNDNESS_PLANS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mutants = |rng: &mut Rng,
                   alice: &mut Executor,
                   dba: &mut Executor,
                   list: &[(&str, Vec<u8>, bool)],
                   n: u64,
                   label: &str| {
        let started = std::time::Instant::now();
        let mut tally = Tally::default();
        for _ in 0..n {
            let (text, base, as_dba) = &list[rng.below(list.len())];
            let mutant = mutate(rng, base, &pieces);
            let ex = if *as_dba { &mut *dba } else { &mut *alice };
            run_one(ex, &mutant, &params_of(text), &mut tally);
        }
        eprintln!(
            "{n} mutated {label} plans in {:.1?} (seed {seed:#x}): {} refused, {} ran, {} ran into an error; codes {:?}",
            started.elapsed(),
            tally.refused,
            tally.ran_ok,
            tally.ran_err,
            tally.codes
        );
        assert_eq!(tally.refused + tally.ran_ok + tally.ran_err, n);
        tally
    };
    let main = mutants(
        &mut rng,
        &mut alice,
        &mut dba,
        &corpus,
        plans,
        "read, write and maintenance",
    );
    // Enough mutants get past the verifier for the VM to be exercised, and the
    // tables the corpus names are still there (stale plans would be refused).
    assert!(
        main.ran_ok + main.ran_err >= plans / 50,
        "too few mutants ran: {main:?}"
    );
    let stale =
        main.codes.get("V012").copied().unwrap_or(0) + main.codes.get("V013").copied().unwrap_or(0);
    assert!(stale < plans / 10, "the corpus went stale: {main:?}");
    let r = ok(&mut alice, "from app.docs | aggregate n = count()");
    assert_eq!(r.rows(), 1, "the database still answers");

    // Live queries, run as alice with a second session of hers writing the changes.
    let subscriptions = compile(SUBSCRIPTIONS, &alice, false);
    let mut writer = t.session("alice", Role::User);
    let started = std::time::Instant::now();
    let mut live = Tally::default();
    for (i, (_, bytes, _)) in subscriptions.iter().enumerate() {
        run_subscription(&mut alice, &mut writer, bytes, i as u64, &mut live);
        assert_eq!(
            live.ran_ok,
            i as u64 + 1,
            "{} as compiled: {live:?}",
            SUBSCRIPTIONS[i]
        );
    }
    let mut live = Tally::default();
    for n in 0..SUBSCRIPTION_PLANS {
        let (_, base, _) = &subscriptions[rng.below(subscriptions.len())];
        let mutant = mutate(&mut rng, base, &pieces);
        run_subscription(&mut alice, &mut writer, &mutant, 100 + n, &mut live);
    }
    eprintln!(
        "{SUBSCRIPTION_PLANS} mutated subscription plans in {:.1?}: {} refused, {} ran, {} ran into an error; codes {:?}",
        started.elapsed(),
        live.refused,
        live.ran_ok,
        live.ran_err,
        live.codes
    );
    assert!(live.ran_ok > 0, "some subscription mutants run: {live:?}");

    mutants(
        &mut rng,
        &mut alice,
        &mut dba,
        &destructive,
        DESTRUCTIVE_PLANS,
        "DDL",
    );
    // Mutants may have dropped any table (the dba may); the catalog still answers and
    // names only tables that exist.
    let r = ok(&mut dba, "from system.tables | select name");
    let storage = t.db.engine.catalog();
    for name in r.col("name") {
        assert!(storage.tables().any(|d| d.name == name), "{name} is listed");
    }
}
