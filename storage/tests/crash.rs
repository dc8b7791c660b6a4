//! Crash recovery: a child process (`storage-crash-worker`) upserts, deletes, flushes
//! and compacts with durable commits and is killed with SIGKILL at random points, then
//! aborted at every failpoint of flush and compaction (every step of the manifest
//! swap). After each restart every acknowledged write is present, nothing deleted has
//! come back, and no orphan file survives.
//!
//! `KALAVAR_CRASH_KILLS` sets the number of SIGKILL rounds (default 50).

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::Int64Type;
use kalavar_storage::*;

const WORKER: &str = env!("CARGO_BIN_EXE_storage-crash-worker");

#[derive(Debug, Clone)]
enum Op {
    Upsert(i64, Vec<i64>),
    Delete(Vec<i64>),
    Other,
}

fn parse(line: &str) -> Op {
    let mut it = line.split_whitespace().skip(1);
    match it.next() {
        Some("upsert") => {
            let x = it.next().unwrap().parse().unwrap();
            Op::Upsert(x, it.map(|k| k.parse().unwrap()).collect())
        }
        Some("delete") => Op::Delete(it.map(|k| k.parse().unwrap()).collect()),
        _ => Op::Other,
    }
}

fn apply(model: &mut BTreeMap<i64, i64>, op: &Op) {
    match op {
        Op::Upsert(x, keys) => {
            for k in keys {
                model.insert(*k, *x);
            }
        }
        Op::Delete(keys) => {
            for k in keys {
                model.remove(k);
            }
        }
        Op::Other => {}
    }
}

/// Runs the worker until `kill_after` (SIGKILL) or until it dies by itself (failpoint).
/// Returns the acknowledged ops and the one in flight.
fn run_worker(
    dir: &std::path::Path,
    seed: u64,
    failpoint: Option<&str>,
    kill_after: Duration,
) -> (Vec<Op>, Option<Op>) {
    let mut cmd = Command::new(WORKER);
    cmd.arg(dir).arg(seed.to_string());
    if let Some(f) = failpoint {
        cmd.arg(f);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut acked = Vec::new();
    let mut in_flight: Option<Op> = None;
    let mut started: Option<Instant> = None;
    loop {
        let deadline = started.map(|s| s + kill_after);
        let wait = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(30),
        };
        match rx.recv_timeout(wait) {
            Ok(line) if line == "ready" => started = Some(Instant::now()),
            Ok(line) if line == "ack" => acked.push(in_flight.take().expect("ack follows begin")),
            Ok(line) => in_flight = Some(parse(&line)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                assert!(started.is_some(), "worker did not start");
                // SIGKILL: no chance to clean up.
                unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
                break;
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
        }
    }
    child.wait().unwrap();
    reader.join().unwrap();
    // Lines read after the kill decision were still sent before death.
    while let Ok(line) = rx.try_recv() {
        if line == "ack" {
            if let Some(op) = in_flight.take() {
                acked.push(op);
            }
        } else if line != "ready" {
            in_flight = Some(parse(&line));
        }
    }
    (acked, in_flight)
}

fn read_state(dir: &std::path::Path) -> (Engine, BTreeMap<i64, i64>) {
    let e = Engine::open(dir, common::options()).unwrap();
    let t = e.catalog().table_by_name("crash", "t").unwrap().clone();
    let b = e
        .scan(ScanSpec::new(t.id, None))
        .unwrap()
        .collect_batch()
        .unwrap();
    let ids = b.column(0).as_primitive::<Int64Type>();
    let xs = b.column(1).as_primitive::<Int64Type>();
    let mut got = BTreeMap::new();
    for i in 0..b.num_rows() {
        assert!(!xs.is_null(i));
        assert!(
            got.insert(ids.value(i), xs.value(i)).is_none(),
            "key {} twice",
            ids.value(i)
        );
    }
    // Point gets agree with the scan.
    for (k, x) in got.iter().take(20) {
        let row = e
            .get(t.id, None, &[ScalarValue::Int64(*k)], None)
            .unwrap()
            .unwrap();
        assert_eq!(row.column(1).as_primitive::<Int64Type>().value(0), *x);
    }
    (e, got)
}

/// Checks the recovered state against the model plus the possibly-applied op, and
/// returns the recovered state as the new model.
fn check(
    dir: &std::path::Path,
    model: &BTreeMap<i64, i64>,
    acked: &[Op],
    in_flight: &Option<Op>,
    what: &str,
) -> BTreeMap<i64, i64> {
    let mut want = model.clone();
    for op in acked {
        apply(&mut want, op);
    }
    let mut want_if = want.clone();
    if let Some(op) = in_flight {
        apply(&mut want_if, op);
    }
    let (e, got) = read_state(dir);
    assert!(
        got == want || got == want_if,
        "{what}: recovered state differs from every acknowledged history\n in flight: {in_flight:?}\n got-want: {:?}\n want-got: {:?}",
        got.iter()
            .filter(|(k, v)| want.get(k) != Some(v))
            .collect::<Vec<_>>(),
        want.iter()
            .filter(|(k, v)| got.get(k) != Some(v))
            .collect::<Vec<_>>(),
    );
    // No file outside what the manifests name.
    let stats = e.stats();
    let t = e.catalog().table_by_name("crash", "t").unwrap().id;
    let part_dir = dir.join(format!("cold/t{}/shared", t.0));
    if part_dir.exists() {
        let files: Vec<String> = std::fs::read_dir(&part_dir)
            .unwrap()
            .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "manifest.json")
            .collect();
        assert_eq!(files.len(), stats.segments, "{what}: files {files:?}");
    }
    got
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn acknowledged_writes_survive_sigkill_at_random_points() {
    let dir = tempfile::tempdir().unwrap();
    let kills = env("KALAVAR_CRASH_KILLS", 50);
    let mut model = BTreeMap::new();
    let mut total_acked = 0;
    for round in 0..kills {
        // Deterministic but varied kill delays, 30–330 ms after the worker is ready.
        let delay = Duration::from_millis(30 + (round * 7919 % 300));
        let (acked, in_flight) = run_worker(dir.path(), round + 1, None, delay);
        total_acked += acked.len();
        model = check(
            dir.path(),
            &model,
            &acked,
            &in_flight,
            &format!("kill {round}"),
        );
    }
    assert!(
        total_acked > kills as usize,
        "the worker made progress ({total_acked} acks)"
    );
}

#[test]
fn every_step_of_flush_and_compaction_is_crash_safe() {
    let steps = [
        "flush.segment_written",
        "flush.manifest.tmp_written",
        "flush.manifest.tmp_synced",
        "flush.manifest.renamed",
        "flush.manifest.dir_synced",
        "flush.hot_deleted",
        "compact.segment_written",
        "compact.manifest.tmp_written",
        "compact.manifest.tmp_synced",
        "compact.manifest.renamed",
        "compact.manifest.dir_synced",
        "compact.installed",
    ];
    for (i, step) in steps.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        // First run: build some state (two flushes) and stop.
        let (acked, in_flight) = run_worker(
            dir.path(),
            1000 + i as u64,
            None,
            Duration::from_millis(150),
        );
        let model = check(dir.path(), &BTreeMap::new(), &acked, &in_flight, "setup");
        // Second run aborts at the failpoint (or is killed if it never gets there).
        let (acked, in_flight) = run_worker(
            dir.path(),
            2000 + i as u64,
            Some(step),
            Duration::from_secs(20),
        );
        assert!(
            !acked.is_empty() || in_flight.is_some(),
            "{step}: worker did nothing"
        );
        let model = check(dir.path(), &model, &acked, &in_flight, step);
        // And the directory keeps working: a third run, then a final check.
        let (acked, in_flight) = run_worker(
            dir.path(),
            3000 + i as u64,
            None,
            Duration::from_millis(100),
        );
        check(
            dir.path(),
            &model,
            &acked,
            &in_flight,
            &format!("after {step}"),
        );
    }
}

#[test]
fn erasing_a_user_resumes_after_a_crash_midway() {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(WORKER)
        .arg(dir.path())
        .arg("0")
        .arg("erase.hot_deleted")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert!(!status.success(), "the failpoint aborted the erase midway");
    let e = Engine::open(dir.path(), common::options()).unwrap();
    let cat = e.catalog();
    let t = cat.table_by_name("erase", "u").unwrap().clone();
    let alice = cat.user_by_name("alice").unwrap().id;
    let bob = cat.user_by_name("bob").unwrap().id;
    // The erase finished at open: no rows, no cold directory; bob untouched.
    let count = |u| {
        e.scan(ScanSpec::new(t.id, Some(u)))
            .unwrap()
            .collect_batch()
            .unwrap()
            .num_rows()
    };
    assert_eq!(count(alice), 0);
    assert_eq!(count(bob), 10);
    assert!(
        !dir.path()
            .join(format!("cold/t{}/u{}", t.id.0, alice.0))
            .exists()
    );
    // Erasing again is a no-op.
    e.erase_user(alice).unwrap();
    assert_eq!(count(bob), 10);
}
