//! Storage benchmarks, run side by side with the peers in one process run:
//!
//! 1. ingest — rows/s inserted in batches of 10,000 with durable commits, against
//!    `db_bench fillrandom --sync=1 --batch_size=10000` (same durability, same batch);
//! 2. point get — random primary keys over a realistic state (keys split hot and cold),
//!    against `db_bench readrandom` on a database larger than its block cache;
//! 3. `sum(x)` and `sum(x) group by g` over 10M rows in ≥ 20 cold segments made by real
//!    flushes, with 1% of rows updated or deleted in the hot tier, one thread, against
//!    DuckDB (`threads = 1`) on the compacted copy of the very same Parquet files; both
//!    answers are checked equal. The same queries also run on the compacted copy.
//! 4. file count — 10,000 users writing a few rows each into a user table, after the
//!    flush policy ran: how many files the cold tier holds.
//!
//! Run: `cargo bench -p kalavar-storage --bench storage_bench`. Sizes:
//! `KALAVAR_BENCH_SCAN_ROWS` (10,000,000), `KALAVAR_BENCH_SEGMENTS` (20),
//! `KALAVAR_BENCH_INGEST_ROWS` (1,000,000), `KALAVAR_BENCH_GETS` (100,000),
//! `KALAVAR_BENCH_ROUNDS` (3), `KALAVAR_BENCH_USERS` (10,000).
//!
//! For profiling without peers: `KALAVAR_BENCH_ONLY=profile` builds the realistic
//! state once in `KALAVAR_BENCH_PROFILE_DIR` (kept between runs, reused when present),
//! then times `KALAVAR_BENCH_PROFILE` = `get` (random point gets) or `scan` (sum and
//! group by), `KALAVAR_BENCH_ROUNDS` times. Run it under `perf record`.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, Int64Type};
use arrow_array::{ArrayRef, Int32Array, Int64Array, RecordBatch, StringArray};
use kalavar_storage::*;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn range(v: &[f64]) -> String {
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    format!("{lo:.3}–{hi:.3}")
}

/// splitmix64, for reproducible random keys.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// A multiplicative hasher for the group-by's i32 keys.
#[derive(Default)]
struct IntHasher(u64);
impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ *b as u64).wrapping_mul(0x100_0000_01B3);
        }
    }
    fn write_i32(&mut self, i: i32) {
        self.0 = (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

fn table(e: &Engine, name: &str, kind: TableKind, flush: FlushPolicy) -> TableDef {
    if e.catalog().namespace("bench").is_none() {
        e.create_namespace("bench").unwrap();
    }
    e.create_table(&TableSpec {
        namespace: "bench".into(),
        name: name.into(),
        kind,
        columns: vec![
            ColumnSpec::new("id", DataType::Int64, false),
            ColumnSpec::new("g", DataType::Int32, false),
            ColumnSpec::new("x", DataType::Int64, false),
            ColumnSpec::new("note", DataType::Text, true),
        ],
        primary_key: vec!["id".into()],
        options: TableOptions {
            flush,
            ..Default::default()
        },
    })
    .unwrap()
}

fn batch(def: &TableDef, ids: &[i64], salt: i64) -> RecordBatch {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids.to_vec())),
        Arc::new(Int32Array::from_iter_values(
            ids.iter().map(|i| (i.rem_euclid(100)) as i32),
        )),
        Arc::new(Int64Array::from_iter_values(
            ids.iter().map(|i| (i.rem_euclid(1000)) + salt),
        )),
        Arc::new(StringArray::from_iter_values(
            ids.iter().map(|i| format!("n{}", i % 10_000)),
        )),
    ];
    RecordBatch::try_new(def.arrow_schema(), cols).unwrap()
}

/// `KALAVAR_BENCH_CODEC`: `lz4` (the default), `zstd` or `none`.
fn codec() -> SegmentCodec {
    match std::env::var("KALAVAR_BENCH_CODEC").as_deref() {
        Ok("zstd") => SegmentCodec::Zstd(1),
        Ok("none") => SegmentCodec::None,
        _ => SegmentCodec::Lz4,
    }
}

fn opts(durability: Durability, cache: usize) -> EngineOptions {
    let mut o = EngineOptions {
        durability,
        block_cache_bytes: cache,
        memory_budget_bytes: 8 << 30,
        ..Default::default()
    };
    o.segments.codec = codec();
    o.segments.page_rows = env("KALAVAR_BENCH_PAGE_ROWS", o.segments.page_rows as u64) as usize;
    o.segments.key_page_rows = env(
        "KALAVAR_BENCH_KEY_PAGE_ROWS",
        o.segments.key_page_rows as u64,
    ) as usize;
    o
}

/// Whether `KALAVAR_BENCH_ONLY` (a comma-separated list of `ingest`, `scan`, `files`)
/// selects this part; everything runs when it is unset.
fn selected(part: &str) -> bool {
    std::env::var("KALAVAR_BENCH_ONLY")
        .map(|v| v.split(',').any(|p| p.trim() == part))
        .unwrap_or(true)
}

fn db_bench(args: &[String]) -> Option<String> {
    let out = Command::new("db_bench").args(args).output().ok()?;
    if !out.status.success() {
        eprintln!("db_bench failed: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// ops/sec from a db_bench report line like `fillrandom : 2.5 micros/op 400000 ops/sec`.
fn ops_per_sec(report: &str, name: &str) -> Option<f64> {
    let line = report.lines().find(|l| l.trim_start().starts_with(name))?;
    let words: Vec<&str> = line.split_whitespace().collect();
    let i = words
        .iter()
        .position(|w| *w == "ops/sec" || w.starts_with("ops/sec"))?;
    words[i - 1].parse().ok()
}

fn bench_ingest(root: &Path, rounds: u64) {
    let n = env("KALAVAR_BENCH_INGEST_ROWS", 1_000_000) as usize;
    let per_batch = 10_000;
    println!("\n## ingest: {n} rows in batches of {per_batch}, durable commits (fsync per batch)");
    let mut ours = Vec::new();
    let mut peer = Vec::new();
    for round in 0..rounds {
        let dir = root.join(format!("ingest-{round}"));
        let e = Engine::open(&dir, opts(Durability::Sync, 64 << 20)).unwrap();
        let def = table(&e, "ingest", TableKind::Shared, FlushPolicy::default());
        let mut rng = Rng(round + 1);
        let ids: Vec<i64> = (0..n).map(|_| (rng.next() >> 1) as i64).collect();
        let batches: Vec<RecordBatch> = ids.chunks(per_batch).map(|c| batch(&def, c, 0)).collect();
        let t = Instant::now();
        for b in &batches {
            e.insert(def.id, None, b).unwrap();
        }
        let secs = t.elapsed().as_secs_f64();
        ours.push(n as f64 / secs);
        drop(e);
        std::fs::remove_dir_all(&dir).ok();
        // The peer, interleaved: same row count, batch and durability; value size close
        // to our encoded rows (~40 bytes).
        let pdir = root.join(format!("db_bench-ingest-{round}"));
        let report = db_bench(&[
            "--benchmarks=fillrandom".into(),
            format!("--db={}", pdir.display()),
            format!("--num={n}"),
            "--key_size=16".into(),
            "--value_size=40".into(),
            format!("--batch_size={per_batch}"),
            "--sync=1".into(),
            "--threads=1".into(),
            "--compression_type=none".into(),
        ]);
        if let Some(r) = report.and_then(|r| ops_per_sec(&r, "fillrandom")) {
            peer.push(r);
        }
        std::fs::remove_dir_all(&pdir).ok();
    }
    let o = median(ours.clone());
    println!(
        "kalavar insert: median {o:.0} rows/s (range {})",
        range(&ours)
    );
    if !peer.is_empty() {
        let p = median(peer.clone());
        println!(
            "db_bench fillrandom: median {p:.0} rows/s (range {})",
            range(&peer)
        );
        println!(
            "RATIO ingest kalavar/db_bench = {:.2} (target ≥ 0.50)",
            o / p
        );
    }
}

/// Builds the realistic scan state; returns the engine and table.
fn build_scan_state(dir: &Path, rows: usize, segments: usize) -> (Engine, TableDef, usize, usize) {
    let e = Engine::open(dir, opts(Durability::NoSync, 64 << 20)).unwrap();
    let policy = FlushPolicy {
        max_hot_rows: u64::MAX / 2,
        ..Default::default()
    };
    let def = table(&e, "events", TableKind::Shared, policy);
    let per_segment = rows / segments;
    let t = Instant::now();
    for s in 0..segments {
        let base = (s * per_segment) as i64;
        for chunk in (0..per_segment as i64).collect::<Vec<_>>().chunks(50_000) {
            let ids: Vec<i64> = chunk.iter().map(|i| base + i).collect();
            e.insert(def.id, None, &batch(&def, &ids, 0)).unwrap();
        }
        e.flush(def.id, None).unwrap();
    }
    // 1% of rows touched in the hot tier: half updated, half deleted.
    let mut rng = Rng(7);
    let touched = rows / 100;
    let mut updated = 0;
    let mut deleted = 0;
    let mut keys: Vec<i64> = (0..touched)
        .map(|_| (rng.next() % rows as u64) as i64)
        .collect();
    keys.sort();
    keys.dedup();
    for chunk in keys.chunks(10_000) {
        let (upd, del) = chunk.split_at(chunk.len() / 2);
        e.update(def.id, None, &batch(&def, upd, 1)).unwrap();
        updated += upd.len();
        let del: Vec<Vec<ScalarValue>> = del.iter().map(|k| vec![ScalarValue::Int64(*k)]).collect();
        deleted += e.delete(def.id, None, &del).unwrap();
    }
    println!(
        "built {rows} rows in {} segments by real flushes, {updated} updated and {deleted} deleted hot, in {:.1}s",
        e.stats().segments,
        t.elapsed().as_secs_f64()
    );
    (e, def, updated, deleted)
}

fn our_sum(e: &Engine, def: &TableDef) -> i128 {
    let x = def.column_by_name("x").unwrap().id;
    let spec = ScanSpec::new(def.id, None)
        .project(vec![x])
        .batch_size(65_536);
    let mut sum = 0i128;
    for b in e.scan(spec).unwrap() {
        let b = b.unwrap();
        sum += arrow_arith::aggregate::sum(b.column(0).as_primitive::<Int64Type>()).unwrap_or(0)
            as i128;
    }
    sum
}

fn our_group(e: &Engine, def: &TableDef) -> Vec<(i32, i64)> {
    let g = def.column_by_name("g").unwrap().id;
    let x = def.column_by_name("x").unwrap().id;
    let spec = ScanSpec::new(def.id, None)
        .project(vec![g, x])
        .batch_size(65_536);
    let mut groups: HashMap<i32, i64, BuildHasherDefault<IntHasher>> = HashMap::default();
    for b in e.scan(spec).unwrap() {
        let b = b.unwrap();
        let gs = b.column(0).as_primitive::<Int32Type>().values();
        let xs = b.column(1).as_primitive::<Int64Type>().values();
        for (g, x) in gs.iter().zip(xs.iter()) {
            *groups.entry(*g).or_insert(0) += *x;
        }
    }
    let mut v: Vec<_> = groups.into_iter().collect();
    v.sort();
    v
}

/// CPU time of the calling thread, in seconds: what a one-thread query cost, whatever
/// else the shared machine runs meanwhile (wall time swings with the load).
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// Runs `f`; its result, wall seconds and CPU seconds of this thread.
fn time_cpu<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let c = thread_cpu();
    let (out, wall) = time(f);
    (out, wall, thread_cpu() - c)
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed().as_secs_f64())
}

const DUCK: &str = r#"
import duckdb, sys, time, statistics, json
files, rounds = sys.argv[1], int(sys.argv[2])
con = duckdb.connect()
con.execute("SET threads = 1")
q_sum = f"SELECT sum(x) FROM read_parquet('{files}')"
q_grp = f"SELECT g, sum(x) FROM read_parquet('{files}') GROUP BY g ORDER BY g"
out = {}
for name, q in [("sum", q_sum), ("group", q_grp)]:
    times, cpu = [], []
    for _ in range(rounds):
        c = time.process_time(); t = time.perf_counter()
        res = con.execute(q).fetchall()
        times.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
    out[name] = {"times": times, "cpu": cpu, "result": [list(map(int, r)) for r in res]}
print(json.dumps(out))
"#;

fn run_duck(glob: &str, rounds: u64) -> Option<serde_json::Value> {
    let script = format!("{DUCK}\n");
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(glob)
        .arg(rounds.to_string())
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!("duckdb: {}", String::from_utf8_lossy(&out.stderr));
        return None;
    }
    serde_json::from_slice(&out.stdout).ok()
}

fn bench_scan_and_get(root: &Path, rounds: u64) {
    let rows = env("KALAVAR_BENCH_SCAN_ROWS", 10_000_000) as usize;
    let segments = env("KALAVAR_BENCH_SEGMENTS", 20) as usize;
    let gets = env("KALAVAR_BENCH_GETS", 100_000) as usize;
    println!("\n## realistic state: {rows} rows, {segments} flushes, 1% touched hot");
    let dir = root.join("scan");
    let (e, def, _, _) = build_scan_state(&dir, rows, segments);
    let stats = e.stats();
    println!(
        "state: {} segments, {} cold rows ({:.0} MB), {} hot versions; block cache {} MB",
        stats.segments,
        stats.cold_rows,
        stats.cold_bytes as f64 / 1e6,
        stats.hot_rows,
        e.options().block_cache_bytes >> 20
    );
    // Point gets: random keys over the whole key space (hot and cold), fresh keys in
    // every round. The peer's database is filled first; then every round runs our
    // gets and db_bench's reads back to back, so that both see the same machine load.
    println!(
        "\n## point get: {gets} random keys, one thread, rounds interleaved with db_bench readrandom"
    );
    let pdir = root.join("db_bench-read");
    let fill = db_bench(&[
        "--benchmarks=fillrandom".into(),
        format!("--db={}", pdir.display()),
        format!("--num={rows}"),
        "--key_size=16".into(),
        "--value_size=40".into(),
        "--batch_size=10000".into(),
        "--compression_type=none".into(),
    ]);
    let mut rng = Rng(99);
    let mut ours = Vec::new();
    let mut peer = Vec::new();
    let mut ratios = Vec::new();
    let mut hits = 0;
    let read_args = [
        "--benchmarks=readrandom".to_string(),
        "--use_existing_db=1".into(),
        format!("--db={}", pdir.display()),
        format!("--num={rows}"),
        format!("--reads={gets}"),
        "--key_size=16".into(),
        "--value_size=40".into(),
        format!("--cache_size={}", 64 << 20),
        "--threads=1".into(),
    ];
    // One untimed round each first: both sides start with warm OS page caches (our
    // segment cache loads on first use, db_bench's files were just written).
    for k in 0..gets as i64 {
        e.get(
            def.id,
            None,
            &[ScalarValue::Int64(k * 7919 % rows as i64)],
            None,
        )
        .unwrap();
    }
    if fill.is_some() {
        db_bench(&read_args);
    }
    let before = e.stats();
    for _ in 0..rounds {
        let keys: Vec<i64> = (0..gets)
            .map(|_| (rng.next() % rows as u64) as i64)
            .collect();
        let (_, s) = time(|| {
            for k in &keys {
                if e.get(def.id, None, &[ScalarValue::Int64(*k)], None)
                    .unwrap()
                    .is_some()
                {
                    hits += 1;
                }
            }
        });
        let o = gets as f64 / s;
        ours.push(o);
        if fill.is_none() {
            continue;
        }
        let r = db_bench(&read_args);
        if let Some(v) = r.and_then(|r| ops_per_sec(&r, "readrandom")) {
            peer.push(v);
            ratios.push(o / v);
        }
    }
    // Hot-only keys (the touched ones) for reference.
    let hot_keys: Vec<i64> = {
        let mut rng = Rng(7);
        (0..gets.min(rows / 100))
            .map(|_| (rng.next() % rows as u64) as i64)
            .collect()
    };
    let (_, hs) = time(|| {
        for k in &hot_keys {
            e.get(def.id, None, &[ScalarValue::Int64(*k)], None)
                .unwrap();
        }
    });
    let after = e.stats();
    println!(
        "kalavar get: median {:.0} gets/s (range {}), hit {}%; hot-tier keys only: {:.0} gets/s",
        median(ours.clone()),
        range(&ours),
        hits * 100 / (gets * rounds as usize),
        hot_keys.len() as f64 / hs
    );
    println!(
        "cold lookups: {} row-group probes, {} through parquet-rs; segment cache {:.1} MB in {} segments",
        after.cold_lookups - before.cold_lookups,
        after.cold_lookup_fallbacks - before.cold_lookup_fallbacks,
        after.segment_cache_bytes as f64 / 1e6,
        after.open_segments
    );
    if !peer.is_empty() {
        println!(
            "db_bench readrandom: median {:.0} reads/s (range {}); per-round ratios {}",
            median(peer.clone()),
            range(&peer),
            ratios
                .iter()
                .map(|r| format!("{r:.2}"))
                .collect::<Vec<_>>()
                .join(" ")
        );
        println!(
            "RATIO point-get kalavar/db_bench = {:.2} (median of per-round ratios; target ≥ 0.50)",
            median(ratios)
        );
    }
    std::fs::remove_dir_all(&pdir).ok();

    println!("\n## sum(x) and sum(x) group by g, one thread");
    let mut sums = Vec::new();
    let mut groups = Vec::new();
    let (mut sums_cpu, mut groups_cpu) = (Vec::new(), Vec::new());
    let (mut want_sum, mut want_group) = (0, Vec::new());
    for _ in 0..rounds {
        let (s, t1, c1) = time_cpu(|| our_sum(&e, &def));
        let (g, t2, c2) = time_cpu(|| our_group(&e, &def));
        sums.push(t1);
        groups.push(t2);
        sums_cpu.push(c1);
        groups_cpu.push(c2);
        want_sum = s;
        want_group = g;
    }
    println!(
        "kalavar on the realistic state ({} segments + hot): sum {:.3}s (range {}), group by {:.3}s (range {}); CPU time sum {:.3}s, group by {:.3}s",
        e.stats().segments,
        median(sums.clone()),
        range(&sums),
        median(groups.clone()),
        range(&groups),
        median(sums_cpu.clone()),
        median(groups_cpu.clone())
    );
    // The compacted copy DuckDB reads: flush the hot tier and compact.
    e.flush(def.id, None).unwrap();
    let rss_before = rss_mb("VmRSS");
    let peak_reset = reset_peak_rss();
    let (_, tc) = time(|| e.compact(def.id, None).unwrap());
    let part = dir.join(format!("cold/t{}/shared", def.id.0));
    println!(
        "compacted {} segments in {tc:.1}s to {} segment(s); process RSS before {:.0} MB, peak during compaction {} (merge budget {} MB)",
        segments,
        e.stats().segments,
        rss_before.unwrap_or(0.0),
        match (peak_reset, rss_mb("VmHWM")) {
            (true, Some(p)) => format!("{p:.0} MB"),
            _ => "unknown (no /proc/self/clear_refs)".into(),
        },
        e.options().merge_memory_bytes >> 20
    );
    let mut c_sums = Vec::new();
    let mut c_groups = Vec::new();
    let mut duck_sum = Vec::new();
    let mut duck_group = Vec::new();
    let (mut duck_sum_cpu, mut duck_group_cpu) = (Vec::new(), Vec::new());
    let glob = format!("{}/*.parquet", part.display());
    for _ in 0..rounds {
        let (s, t1) = time(|| our_sum(&e, &def));
        let (g, t2) = time(|| our_group(&e, &def));
        assert_eq!(s, want_sum, "the compacted copy answers the same");
        assert_eq!(g, want_group);
        c_sums.push(t1);
        c_groups.push(t2);
        if let Some(d) = run_duck(&glob, 1) {
            duck_sum.push(d["sum"]["times"][0].as_f64().unwrap());
            duck_group.push(d["group"]["times"][0].as_f64().unwrap());
            duck_sum_cpu.push(d["sum"]["cpu"][0].as_f64().unwrap());
            duck_group_cpu.push(d["group"]["cpu"][0].as_f64().unwrap());
            let ds = d["sum"]["result"][0][0].as_i64().unwrap() as i128;
            assert_eq!(ds, want_sum, "DuckDB and Kalavar agree on sum(x)");
            let dg: Vec<(i32, i64)> = d["group"]["result"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| (r[0].as_i64().unwrap() as i32, r[1].as_i64().unwrap()))
                .collect();
            assert_eq!(dg, want_group, "DuckDB and Kalavar agree on the group by");
        }
    }
    println!(
        "kalavar on the compacted copy: sum {:.3}s (range {}), group by {:.3}s (range {})",
        median(c_sums.clone()),
        range(&c_sums),
        median(c_groups.clone()),
        range(&c_groups)
    );
    if !duck_sum.is_empty() {
        println!(
            "duckdb (threads=1) on the compacted copy: sum {:.3}s (range {}), group by {:.3}s (range {}); answers equal",
            median(duck_sum.clone()),
            range(&duck_sum),
            median(duck_group.clone()),
            range(&duck_group)
        );
        let (ds, dg) = (median(duck_sum), median(duck_group));
        println!(
            "RATIO sum time kalavar(realistic)/duckdb = {:.2} (target ≤ 2.0)",
            median(sums) / ds
        );
        println!(
            "RATIO group-by time kalavar(realistic)/duckdb = {:.2} (target ≤ 2.0)",
            median(groups) / dg
        );
        println!(
            "RATIO sum time kalavar(same file)/duckdb = {:.2}",
            median(c_sums) / ds
        );
        println!(
            "RATIO group-by time kalavar(same file)/duckdb = {:.2}",
            median(c_groups) / dg
        );
        // The same comparison in CPU time (one thread each): less at the mercy of
        // the load other processes put on the machine between our rounds and DuckDB's.
        let (dsc, dgc) = (median(duck_sum_cpu), median(duck_group_cpu));
        println!(
            "duckdb CPU time: sum {dsc:.3}s, group by {dgc:.3}s; RATIO (CPU time) kalavar(realistic)/duckdb: sum = {:.2}, group by = {:.2}",
            median(sums_cpu) / dsc,
            median(groups_cpu) / dgc
        );
    }
}

fn bench_file_count(root: &Path) {
    let users = env("KALAVAR_BENCH_USERS", 10_000) as usize;
    println!("\n## file count: {users} users, a user table, 5 rows each, policy run");
    let dir = root.join("users");
    let e = Engine::open(&dir, opts(Durability::NoSync, 16 << 20)).unwrap();
    let def = table(&e, "notes", TableKind::User, FlushPolicy::default());
    let mut ids = Vec::new();
    for i in 0..users {
        let u = e
            .create_user(&UserSpec {
                name: format!("u{i}"),
                role: Role::User,
                enabled: true,
                allowed_ips: vec![],
            })
            .unwrap()
            .id;
        ids.push(u);
    }
    let t = Instant::now();
    for (i, u) in ids.iter().enumerate() {
        let base = i as i64 * 10;
        e.insert(
            def.id,
            Some(*u),
            &batch(&def, &[base, base + 1, base + 2, base + 3, base + 4], 0),
        )
        .unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    let jobs = e.run_due_jobs().unwrap();
    let count = walk(&dir.join("cold"));
    println!(
        "{} rows in {:.1}s; run_due_jobs did {} job(s); cold tier holds {} file(s) for {users} users",
        users * 5,
        secs,
        jobs.len(),
        count
    );
    // The same users a day later, three times over: the max-age rule flushes every
    // partition (simulated with flush_all), then compaction merges each user's segments.
    for round in 0..3 {
        for (i, u) in ids.iter().enumerate() {
            let base = (round + 1) * 1_000_000 + i as i64 * 10;
            e.insert(def.id, Some(*u), &batch(&def, &[base, base + 1], 0))
                .unwrap();
        }
        e.flush_all().unwrap();
    }
    let after_flushes = walk(&dir.join("cold"));
    let (_, tc) = time(|| e.compact_all().unwrap());
    let after_compaction = walk(&dir.join("cold"));
    println!(
        "after 3 age-out flushes of every partition: {after_flushes} files; after compaction ({tc:.1}s): {after_compaction} files ({:.1} per user)",
        after_compaction as f64 / users as f64
    );
}

/// `KALAVAR_BENCH_ONLY=profile`: the realistic state (built once, kept) and one
/// workload timed round after round, without peers.
fn profile(rounds: u64) {
    let dir = std::env::var("KALAVAR_BENCH_PROFILE_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("kalavar-storage-profile"));
    let rows = env("KALAVAR_BENCH_SCAN_ROWS", 10_000_000) as usize;
    let (e, def) = if dir.join("FORMAT").exists() {
        let e = Engine::open(&dir, opts(Durability::NoSync, 64 << 20)).unwrap();
        let def = e
            .catalog()
            .tables()
            .find(|t| t.name == "events")
            .map(|t| (**t).clone())
            .expect("the profile state holds bench.events");
        (e, def)
    } else {
        let segments = env("KALAVAR_BENCH_SEGMENTS", 20) as usize;
        let (e, def, _, _) = build_scan_state(&dir, rows, segments);
        (e, def)
    };
    let what = std::env::var("KALAVAR_BENCH_PROFILE").unwrap_or_else(|_| "get".into());
    let gets = env("KALAVAR_BENCH_GETS", 100_000) as usize;
    let mut rng = Rng(99);
    for round in 0..rounds {
        if what == "get" {
            let keys: Vec<i64> = (0..gets)
                .map(|_| (rng.next() % rows as u64) as i64)
                .collect();
            let (_, s) = time(|| {
                for k in &keys {
                    e.get(def.id, None, &[ScalarValue::Int64(*k)], None)
                        .unwrap();
                }
            });
            println!("round {round}: {:.0} gets/s", gets as f64 / s);
        } else {
            let (_, s1) = time(|| our_sum(&e, &def));
            let (_, s2) = time(|| our_group(&e, &def));
            println!("round {round}: sum {s1:.3}s, group by {s2:.3}s");
        }
    }
}

/// A line of `/proc/self/status` (`VmRSS`, `VmHWM`) in MB.
fn rss_mb(field: &str) -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Resets the process's peak RSS (`VmHWM`) to its current RSS (Linux ≥ 4.0).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn walk(p: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(p) else {
        return 0;
    };
    entries
        .map(|e| {
            let e = e.unwrap();
            if e.file_type().unwrap().is_dir() {
                walk(&e.path())
            } else {
                1
            }
        })
        .sum()
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let rounds = env("KALAVAR_BENCH_ROUNDS", 3);
    let root = std::env::var("KALAVAR_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::env::temp_dir().join("kalavar-storage-bench"));
    std::fs::remove_dir_all(&root).ok();
    std::fs::create_dir_all(&root).unwrap();
    println!(
        "# kalavar-storage benchmarks ({} round(s), dir {})",
        rounds,
        root.display()
    );
    println!("segment codec: {:?}", codec());
    if selected("ingest") {
        bench_ingest(&root, rounds);
    }
    if selected("scan") {
        bench_scan_and_get(&root, rounds);
    }
    if selected("files") {
        bench_file_count(&root);
    }
    if selected("profile") {
        profile(rounds);
    }
    std::fs::remove_dir_all(&root).ok();
}
