//! The hot scan cache against scans without it: random interleavings of writes
//! (inserts, updates, deletes, upserts, transactions, loads, flushes; in and out of
//! the cached ranges, in other partitions and tables) with scans of cached ranges
//! must return exactly what an engine without the cache returns, in the same order;
//! and scans racing commits must each see one consistent snapshot.

mod common;

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use arrow_array::{Array, RecordBatch};
use common::*;
use kalavar_storage::*;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn open_engine(dir: &std::path::Path, cache: bool) -> Engine {
    Engine::open(
        dir,
        EngineOptions {
            scan_threads: 3,
            hot_scan_cache_bytes: if cache { 64 << 20 } else { 0 },
            ..options()
        },
    )
    .unwrap()
}

/// The batches of a scan, as returned.
fn run(e: &Engine, spec: ScanSpec) -> Vec<RecordBatch> {
    e.scan(spec).unwrap().collect::<Result<_>>().unwrap()
}

/// Every value of every batch, in order, as text (any column types).
fn flat(batches: &[RecordBatch]) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        for i in 0..b.num_rows() {
            let row: Vec<String> = b
                .columns()
                .iter()
                .map(|c| {
                    if c.is_null(i) {
                        "null".to_string()
                    } else if let Some(a) = c.as_primitive_opt::<Int64Type>() {
                        a.value(i).to_string()
                    } else {
                        c.as_string::<i32>().value(i).to_string()
                    }
                })
                .collect();
            out.push(row.join("|"));
        }
    }
    out
}

/// Two engines, one with the cache and one without, written to alike.
struct Pair {
    on: Engine,
    off: Engine,
    t: TableDef,
    other: TableDef,
    users: Vec<UserId>,
}

impl Pair {
    fn both(&self, f: impl Fn(&Engine) -> Result<usize>) {
        let a = f(&self.on).map_err(|e| e.to_string());
        let b = f(&self.off).map_err(|e| e.to_string());
        assert_eq!(a, b, "the write went the same way on both engines");
    }

    fn txn(&self, f: impl Fn(&mut Txn) -> Result<usize>) {
        self.both(|e| {
            let mut txn = e.begin();
            let n = f(&mut txn)?;
            txn.commit()?;
            Ok(n)
        });
    }
}

fn setup(on: &std::path::Path, off: &std::path::Path) -> Pair {
    let on = open_engine(on, true);
    let off = open_engine(off, false);
    let mut made = Vec::new();
    for e in [&on, &off] {
        let t = table(e, "t", TableKind::User);
        let other = table(e, "other", TableKind::Shared);
        let users = vec![user(e, "alice"), user(e, "bob")];
        made.push((t, other, users));
    }
    let (t, other, users) = made.pop().unwrap();
    assert_eq!(made[0].0.id, t.id, "both engines number alike");
    Pair {
        on,
        off,
        t,
        other,
        users,
    }
}

#[test]
fn cached_scans_equal_uncached_scans_under_random_writes() {
    let (d1, d2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let p = setup(d1.path(), d2.path());
    let t = p.t.clone();
    // Each user: 40,000 rows (ids 0, 2, 4, …), so odd ids are free for inserts.
    for (n, u) in p.users.iter().enumerate() {
        let r: Vec<_> = (0..40_000i64)
            .map(|i| (i * 2, Some(i + n as i64)))
            .collect();
        p.both(|e| e.insert(t.id, Some(*u), &rows(&t, &r)));
    }
    p.both(|e| e.insert(p.other.id, None, &rows(&p.other, &[(1, Some(1))])));
    let x = x_col(&t);
    let id = t.column_by_name("id").unwrap().id;
    let body = t.column_by_name("body").unwrap().id;
    // Scans, each cached by the engine with the cache: whole partitions, a wide range
    // (still over the caching threshold), other columns and batch sizes.
    let scans = |u: UserId| -> Vec<ScanSpec> {
        vec![
            all(&t, Some(u)),
            all(&t, Some(u)).project(vec![x]),
            all(&t, Some(u)).project(vec![id, body]).batch_size(1000),
            all(&t, Some(u)).range(KeyRange {
                start: Bound::Included(key(4_000)),
                end: Bound::Excluded(key(76_000)),
            }),
            all(&t, Some(u)).filter(x, PredicateOp::Lt(ScalarValue::Int64(100))),
        ]
    };
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut flushed = false;
    for step in 0..180 {
        let u = p.users[rng.below(2) as usize];
        let id_of = |r: &mut Rng| r.below(82_000) as i64 - 1_000;
        match rng.below(20) {
            0..=4 => {
                // Upserts (inserts of new ids, updates of present ones).
                let n = 1 + rng.below(3) as usize;
                let r: Vec<_> = (0..n)
                    .map(|_| (id_of(&mut rng), Some(rng.below(1000) as i64)))
                    .collect();
                p.both(|e| e.upsert(t.id, Some(u), &rows(&t, &r)));
            }
            5..=6 => {
                let k = vec![key(id_of(&mut rng)), key(id_of(&mut rng))];
                p.both(|e| e.delete(t.id, Some(u), &k));
            }
            7..=8 => {
                let r = [(id_of(&mut rng) | 1, None)];
                p.both(|e| e.insert(t.id, Some(u), &rows(&t, &r)));
            }
            9..=10 => {
                // A transaction: upsert, delete, upsert of the same key, in two
                // partitions and another table.
                let (a, b, c) = (id_of(&mut rng), id_of(&mut rng), id_of(&mut rng));
                let v = rng.below(1000) as i64;
                let (u0, u1) = (p.users[0], p.users[1]);
                p.txn(|txn| {
                    txn.upsert(t.id, Some(u0), &rows(&t, &[(a, Some(v))]))?;
                    txn.delete(t.id, Some(u0), &[key(b)])?;
                    txn.upsert(t.id, Some(u1), &rows(&t, &[(b, Some(-v))]))?;
                    txn.upsert(t.id, Some(u0), &rows(&t, &[(c, Some(v))]))?;
                    txn.upsert(t.id, Some(u0), &rows(&t, &[(c, Some(v + 1))]))?;
                    txn.upsert(p.other.id, None, &rows(&p.other, &[(a, Some(v))]))
                });
            }
            11 => {
                // A group of transactions, one of them writing a key an earlier one
                // wrote (the later wins).
                let k = id_of(&mut rng);
                let mut outcomes = Vec::new();
                for e in [&p.on, &p.off] {
                    let mut t1 = e.begin();
                    t1.upsert(t.id, Some(u), &rows(&t, &[(k, Some(1))]))
                        .unwrap();
                    let mut t2 = e.begin();
                    t2.upsert(t.id, Some(u), &rows(&t, &[(k + 1, Some(2))]))
                        .unwrap();
                    let mut t3 = e.begin();
                    t3.upsert(t.id, Some(u), &rows(&t, &[(k + 1, Some(3))]))
                        .unwrap();
                    t3.upsert(t.id, Some(u), &rows(&t, &[(k + 3, None)]))
                        .unwrap();
                    let r: Vec<bool> = e
                        .commit_group(vec![t1, t2, t3])
                        .into_iter()
                        .map(|r| r.is_ok())
                        .collect();
                    outcomes.push(r);
                }
                assert_eq!(outcomes[0], outcomes[1]);
            }
            12 => {
                // A load of new keys (a plain write batch at this durability).
                let base = 100_000 + step as i64 * 10;
                let r: Vec<_> = (base..base + 10).map(|i| (i, Some(i))).collect();
                p.both(|e| e.load(t.id, Some(u), &[rows(&t, &r)], true));
            }
            13 => {
                let r = [(id_of(&mut rng), Some(5))];
                p.both(|e| e.upsert(p.other.id, None, &rows(&p.other, &r)));
            }
            14 if !flushed && step > 120 => {
                // Bob's rows go cold; alice's stay cached.
                flushed = true;
                let bob = p.users[1];
                for e in [&p.on, &p.off] {
                    e.flush(t.id, Some(bob)).unwrap();
                }
            }
            _ => {}
        }
        // Every few steps, each scan of one user on both engines.
        if step % 4 == 0 {
            for spec in scans(u) {
                let a = flat(&run(&p.on, spec.clone()));
                let b = flat(&run(&p.off, spec.clone()));
                assert_eq!(a.len(), b.len(), "step {step}: {spec:?}");
                assert!(a == b, "step {step}: rows differ for {spec:?}");
            }
        }
    }
    let s = p.on.stats();
    assert!(
        s.hot_scan_cache_hits > 40,
        "the cache answered ({} hits)",
        s.hot_scan_cache_hits
    );
    assert_eq!(p.off.stats().hot_scan_cache_hits, 0);
}

#[test]
fn scans_racing_commits_each_see_one_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let e = open_engine(dir.path(), true);
    let t = table(&e, "t", TableKind::Shared);
    let other = table(&e, "other", TableKind::Shared);
    const N: i64 = 40_000;
    // Every transaction keeps the sum of x and the number of rows: a scan that saw
    // half a transaction, or missed a write it should see, breaks one of them.
    let r: Vec<_> = (0..N).map(|i| (i, Some(10))).collect();
    e.insert(t.id, None, &rows(&t, &r)).unwrap();
    let x = x_col(&t);
    let stop = Arc::new(AtomicBool::new(false));
    let scans = Arc::new(AtomicU64::new(0));
    std::thread::scope(|s| {
        for reader in 0..2 {
            let (e, t, stop, scans) = (e.clone(), t.clone(), stop.clone(), scans.clone());
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let spec = if reader == 0 {
                        all(&t, None).project(vec![x])
                    } else {
                        all(&t, None).project(vec![x]).batch_size(777)
                    };
                    let b = run(&e, spec);
                    let (mut sum, mut n) = (0i64, 0i64);
                    for b in &b {
                        let xs = b.column(0).as_primitive::<Int64Type>();
                        sum += xs.values().iter().sum::<i64>();
                        n += xs.len() as i64;
                    }
                    assert_eq!((n, sum), (N, N * 10), "one consistent snapshot");
                    scans.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        // Unrelated commits racing the snapshots.
        {
            let (e, other, stop) = (e.clone(), other.clone(), stop.clone());
            s.spawn(move || {
                let mut i = 0i64;
                while !stop.load(Ordering::Relaxed) {
                    e.upsert(other.id, None, &rows(&other, &[(i % 100, Some(i))]))
                        .unwrap();
                    i += 1;
                }
            });
        }
        // The writer: moves value between rows, and moves rows to new keys.
        let mut model: BTreeMap<i64, i64> = (0..N).map(|i| (i, 10)).collect();
        let mut rng = Rng(42);
        let mut next_id = N;
        for i in 0..1500 {
            if i % 500 == 0 {
                // A pause, so that scans surely read the partition with no write
                // racing them (they also cache it while commits race them).
                // (Bounded: a reader that failed stops scanning.)
                let seen = scans.load(Ordering::Relaxed);
                let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
                while scans.load(Ordering::Relaxed) < seen + 4 && std::time::Instant::now() < until
                {
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
            }
            let keys: Vec<i64> = model.keys().copied().collect();
            let a = keys[rng.below(keys.len() as u64) as usize];
            let b = keys[rng.below(keys.len() as u64) as usize];
            let mut txn = e.begin();
            if rng.below(2) == 0 && a != b {
                let d = rng.below(5) as i64;
                let (va, vb) = (model[&a] - d, model[&b] + d);
                txn.update(t.id, None, &rows(&t, &[(a, Some(va)), (b, Some(vb))]))
                    .unwrap();
                txn.commit().unwrap();
                model.insert(a, va);
                model.insert(b, vb);
            } else {
                let v = model[&a];
                let to = if rng.below(2) == 0 { next_id } else { -next_id };
                next_id += 1;
                txn.delete(t.id, None, &[key(a)]).unwrap();
                txn.insert(t.id, None, &rows(&t, &[(to, Some(v))])).unwrap();
                txn.commit().unwrap();
                model.remove(&a);
                model.insert(to, v);
            }
        }
        stop.store(true, Ordering::Relaxed);
    });
    assert!(scans.load(Ordering::Relaxed) > 0);
    // And the final state, scanned twice (the second from the cache), is the model's.
    let sum = |e: &Engine| -> i64 {
        run(e, all(&t, None).project(vec![x]))
            .iter()
            .map(|b| {
                b.column(0)
                    .as_primitive::<Int64Type>()
                    .values()
                    .iter()
                    .sum::<i64>()
            })
            .sum()
    };
    assert_eq!(sum(&e), N * 10);
    let hits = e.stats().hot_scan_cache_hits;
    assert_eq!(sum(&e), N * 10);
    assert_eq!(e.stats().hot_scan_cache_hits, hits + 1);
    assert!(hits > 0, "scans were answered from the patched cache");
}
