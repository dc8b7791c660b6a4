//! Query benchmarks (issue 6), Kalavar against PostgreSQL with client-certificate
//! auth, side by side in one run with the peers interleaved round by round:
//!
//! | workload | Kalavar | PostgreSQL | ratio (target) |
//! |---|---|---|---|
//! | single-row insert, durable | prepared insert, `storage.fsync = "always"` | `pgbench -M prepared`, default commit | p50/p99 latency, PG / ours (≥ 1) |
//! | single-row insert, relaxed | `storage.fsync = "never"` | `synchronous_commit=off` | same |
//! | primary-key lookup, 1 and 8 clients | prepared `where id == $id` | `pgbench -M prepared` | ours / PG per second (≥ 1.5) |
//! | 100-row range scan | prepared `where id >= $lo && id < $hi` | same SQL | ours / PG per second (≥ 1) |
//! | aggregate over the loaded rows, hot | `aggregate sum(v), count()` before a flush | `select sum(v), count(*)` | PG time / ours (≥ 1) |
//! | same, cold | after `flush table` | same | PG time / ours (≥ 5) |
//! | same, hot, after a write elsewhere | each run right after a one-row write to another table (the hot scan cache keeps its entry) | same | PG time / ours (≥ 1) |
//! | same, hot, after a write to it | each run right after a one-row upsert into `bench.kv` itself, `v` raised by one, answer checked (the cache patches its entry) | each `select` right after the same `update` (pgbench `-r`: the `select`'s latency) | PG time / ours (≥ 1) |
//! | load the rows | `kalavar load bench.kv -` (CSV on stdin, Arrow batches) | `COPY … FROM STDIN` (psql) | PG time / ours (≥ 2) |
//!
//! Start the peer first: `shared/peers/pg-mtls.sh start /tmp/pgb 5433`, then build
//! with `cargo build --release -p kalavar-server -p kalavar-tests` and run
//! `target/release/kalavar-bench --pg /tmp/pgb:5433` (it finds `kalavard` and
//! `kalavar` next to itself). `--rows`, `--rounds`, `--seconds` scale it down or up; `--only
//! insert,lookup,range,aggregate` picks workloads (the load always runs: the others
//! read its rows).

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kalavar::client::{Client, Profile, Value, named};

struct Args {
    rounds: usize,
    seconds: u64,
    rows: u64,
    kalavard: PathBuf,
    kalavar: PathBuf,
    pg: Option<(PathBuf, u16)>,
    /// The workloads to run besides the load (which the others read).
    only: Vec<String>,
}

const WORKLOADS: [&str; 4] = ["insert", "lookup", "range", "aggregate"];

impl Args {
    fn runs(&self, workload: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|w| w == workload)
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        rounds: 3,
        seconds: 5,
        rows: 1_000_000,
        kalavard: std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("kalavard"),
        kalavar: std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("kalavar"),
        pg: None,
        only: Vec::new(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--rounds" => args.rounds = value()?.parse().map_err(|e| format!("--rounds: {e}"))?,
            "--seconds" => {
                args.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?
            }
            "--rows" => args.rows = value()?.parse().map_err(|e| format!("--rows: {e}"))?,
            "--kalavard" => args.kalavard = value()?.into(),
            "--kalavar" => args.kalavar = value()?.into(),
            "--only" => {
                for w in value()?.split(',') {
                    if !WORKLOADS.contains(&w) {
                        return Err(format!(
                            "--only: unknown workload {w:?} (known: {})",
                            WORKLOADS.join(", ")
                        ));
                    }
                    args.only.push(w.to_owned());
                }
            }
            "--pg" => {
                let v = value()?;
                let (dir, port) = v.split_once(':').unwrap_or((&v, "5433"));
                args.pg = Some((
                    dir.into(),
                    port.parse().map_err(|e| format!("--pg port: {e}"))?,
                ));
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if args.rounds == 0 || args.rows < 1000 {
        return Err("--rounds must be at least 1 and --rows at least 1000".into());
    }
    Ok(args)
}

/// A `kalavard serve` child on a fresh data directory.
struct Kalavard {
    child: Child,
    root: Profile,
    root_dir: PathBuf,
}

impl Kalavard {
    // The child is owned by the returned value, whose Drop kills and waits for it.
    #[allow(clippy::zombie_processes)]
    fn start(binary: &Path, dir: &Path, fsync: &str) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let data = dir.join("data");
        let mut child = Command::new(binary)
            .args(["serve", "--data"])
            .arg(&data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("KALAVAR_PROFILE", dir.join("default-profile"))
            .env("KALAVARD_LOG_LEVEL", "warn")
            .env("KALAVARD_STORAGE_FSYNC", fsync)
            // The hot aggregate needs the loaded rows to stay hot until the bench
            // flushes them itself: no flush by row count, age or memory on the way.
            .env("KALAVARD_STORAGE_FLUSH_ROWS", "1000000000")
            .env("KALAVARD_STORAGE_FLUSH_INTERVAL_S", "86400")
            .env("KALAVARD_STORAGE_MEMORY_BUDGET_MB", "8192")
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let root_dir = data.join("profiles/root");
            if let Ok(root) = Profile::load(&root_dir)
                && let Ok(c) = Client::connect(&root)
            {
                let _ = c.close();
                return Self {
                    child,
                    root,
                    root_dir,
                };
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("kalavard exited during start-up ({status})");
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("kalavard did not come up");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn client(&self) -> Client {
        Client::connect(&self.root).expect("connect")
    }
}

impl Drop for Kalavard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The PostgreSQL peer: a cluster from `pg-mtls.sh start DIR PORT`.
struct Pg {
    dir: PathBuf,
    port: u16,
    tmp: PathBuf,
}

impl Pg {
    fn command(&self, program: &str) -> Command {
        let certs = self.dir.join("certs");
        let mut c = Command::new(program);
        c.env("PGHOST", "localhost")
            .env("PGHOSTADDR", "127.0.0.1")
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", "bench")
            .env("PGDATABASE", "bench")
            .env("PGSSLMODE", "verify-full")
            .env("PGSSLCERT", certs.join("client.crt"))
            .env("PGSSLKEY", certs.join("client.key"))
            .env("PGSSLROOTCERT", certs.join("ca.crt"));
        c
    }

    /// Runs `sql`; returns what psql printed, unaligned, without headers.
    fn psql(&self, sql: &str) -> String {
        let out = self
            .command("psql")
            .args(["-qXtA", "-F", ",", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .expect("psql runs");
        assert!(
            out.status.success(),
            "psql {sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Loads `rows` rows with COPY from standard input; returns the seconds taken.
    fn copy(&self, rows: u64) -> f64 {
        self.psql("drop table if exists kv; create table kv (id bigint primary key, v bigint not null, pad text)");
        let start = Instant::now();
        let mut child = self
            .command("psql")
            .args([
                "-qX",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                "copy kv from stdin (format csv)",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("psql runs");
        {
            let mut stdin = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
            for id in 1..=rows {
                writeln!(stdin, "{id},{},{}", value_of(id), PAD).expect("copy data");
            }
        }
        assert!(child.wait().expect("psql ends").success(), "COPY failed");
        let secs = start.elapsed().as_secs_f64();
        self.psql("vacuum analyze kv");
        let [sum, count] = &expected_aggregate(rows)[0][..] else {
            unreachable!()
        };
        assert_eq!(
            self.psql("select sum(v), count(*) from kv"),
            format!("{sum},{count}"),
            "PostgreSQL holds other rows than Kalavar"
        );
        secs
    }

    /// `pgbench -M prepared` of `script` for `seconds`: transactions per second and,
    /// with `latencies`, every transaction's latency in µs.
    fn bench(
        &self,
        name: &str,
        script: &str,
        clients: usize,
        seconds: u64,
        options: &str,
        latencies: bool,
    ) -> (f64, Vec<f64>) {
        let file = self.tmp.join(format!("{name}.sql"));
        std::fs::write(&file, script).expect("write the pgbench script");
        let prefix = self.tmp.join(format!("{name}-log"));
        let mut cmd = self.command("pgbench");
        cmd.args(["-n", "-M", "prepared", "-c", &clients.to_string()])
            .args(["-j", &clients.to_string(), "-T", &seconds.to_string(), "-f"])
            .arg(&file)
            .env("PGOPTIONS", options)
            .current_dir(&self.tmp);
        if latencies {
            cmd.arg("-l")
                .arg(format!("--log-prefix={}", prefix.display()));
        }
        let out = cmd.output().expect("pgbench runs");
        let text = String::from_utf8_lossy(&out.stdout);
        let tps = text
            .lines()
            .find_map(|l| l.strip_prefix("tps = "))
            .and_then(|l| l.split_whitespace().next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "no tps in pgbench output:\n{text}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        let mut lat = Vec::new();
        if latencies {
            for entry in std::fs::read_dir(&self.tmp).expect("list logs").flatten() {
                let p = entry.path();
                let is_log = p
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with(&format!("{name}-log")));
                if is_log {
                    let body = std::fs::read_to_string(&p).unwrap_or_default();
                    lat.extend(
                        body.lines()
                            .filter_map(|l| l.split_whitespace().nth(2))
                            .filter_map(|t| t.parse::<f64>().ok()),
                    );
                    let _ = std::fs::remove_file(p);
                }
            }
        }
        (tps, lat)
    }

    /// Runs `script` with `pgbench -r` (one client, `seconds`) and returns the mean
    /// latency in ms of its statement starting with `statement`.
    fn statement_ms(&self, name: &str, script: &str, seconds: u64, statement: &str) -> f64 {
        let file = self.tmp.join(format!("{name}.sql"));
        std::fs::write(&file, script).expect("write the pgbench script");
        let out = self
            .command("pgbench")
            .args(["-n", "-r", "-M", "prepared", "-c", "1", "-j", "1", "-T"])
            .arg(seconds.to_string())
            .arg("-f")
            .arg(&file)
            .current_dir(&self.tmp)
            .output()
            .expect("pgbench runs");
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find_map(|l| {
                // `latency [failures] statement` (newer pgbench counts failures).
                let (ms, rest) = l.trim().split_once(char::is_whitespace)?;
                let rest = rest
                    .trim_start()
                    .trim_start_matches(|c: char| c.is_ascii_digit())
                    .trim_start();
                rest.starts_with(statement).then(|| ms.parse().ok())?
            })
            .unwrap_or_else(|| {
                panic!(
                    "no latency of `{statement}` in pgbench output:\n{text}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
    }
}

const PAD: &str = "padpadpadpadpadpadpadpadpadpadpa";

/// The `v` column of row `id`: spread out, deterministic.
fn value_of(id: u64) -> i64 {
    (id.wrapping_mul(2_654_435_761) % 1_000_003) as i64
}

/// Loads `rows` rows into `bench.kv` as a user would: the same CSV that COPY reads
/// (with a header line), piped into `kalavar load bench.kv -`, which sends it as
/// Arrow batches of 10,000 rows, each one transaction synced at the server's
/// durability. Returns the seconds taken; checks the count and the sum after.
fn kalavar_load(server: &Kalavard, kalavar: &Path, client: &mut Client, rows: u64) -> f64 {
    let _ = client.query("drop table if exists bench.kv", &[]);
    client
        .query(
            "create namespace if not exists bench;
             create shared table bench.kv (id int64 key, v int64 not null, pad text)",
            &[],
        )
        .expect("create bench.kv");
    let start = Instant::now();
    let mut child = Command::new(kalavar)
        .arg("--profile")
        .arg(&server.root_dir)
        .args(["load", "--quiet", "bench.kv", "-"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", kalavar.display()));
    {
        let mut stdin = std::io::BufWriter::new(child.stdin.take().expect("stdin"));
        writeln!(stdin, "id,v,pad").expect("load data");
        for id in 1..=rows {
            writeln!(stdin, "{id},{},{}", value_of(id), PAD).expect("load data");
        }
    }
    assert!(
        child.wait().expect("kalavar ends").success(),
        "kalavar load failed"
    );
    let secs = start.elapsed().as_secs_f64();
    let got = client
        .query_one("from bench.kv | aggregate s = sum(v), n = count()", &[])
        .expect("count the loaded rows")
        .rows();
    assert_eq!(
        got,
        expected_aggregate(rows),
        "Kalavar holds other rows than loaded"
    );
    secs
}

/// Single-row inserts for `seconds`: every latency in µs.
fn kalavar_inserts(client: &mut Client, seconds: u64) -> Vec<f64> {
    let _ = client.query(
        "create namespace if not exists bench;
         create shared table bench.ins (id int64 key default snowflake(), v int64, pad text)",
        &[],
    );
    let mut insert = client
        .prepare("insert into bench.ins {v: $v, pad: \"x\"}")
        .expect("prepare the insert");
    let mut lat = Vec::new();
    let end = Instant::now() + Duration::from_secs(seconds);
    let mut v = 0;
    while Instant::now() < end {
        v += 1;
        let t = Instant::now();
        client
            .execute_prepared(&mut insert, &[named("v", Value::Int(v))])
            .expect("insert");
        lat.push(t.elapsed().as_secs_f64() * 1e6);
    }
    lat
}

/// `clients` threads running the prepared `text` with a random key for `seconds`:
/// statements per second.
/// Every answer must hold `expect` rows.
fn kalavar_rate(
    server: &Kalavard,
    clients: usize,
    seconds: u64,
    rows: u64,
    text: &str,
    expect: usize,
) -> f64 {
    let count = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..clients {
            let (count, stop) = (&count, &stop);
            s.spawn(move || {
                let mut client = server.client();
                let mut q = client.prepare(text).expect("prepare");
                let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ t as u64;
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    let lo = (x % (rows - 100)) as i64 + 1;
                    let r = client
                        .execute_prepared(
                            &mut q,
                            &[
                                named("id", Value::Int(lo)),
                                named("lo", Value::Int(lo)),
                                named("hi", Value::Int(lo + 100)),
                            ],
                        )
                        .expect("run");
                    assert_eq!(r.num_rows(), expect, "{text} with {lo}");
                    n += 1;
                }
                count.fetch_add(n, Ordering::Relaxed);
            });
        }
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// Seconds per run of `text`, the median of `reps` runs; every answer must be
/// `expect` (its rows as text).
fn kalavar_time(client: &mut Client, text: &str, reps: usize, expect: &[Vec<String>]) -> f64 {
    kalavar_time_each(client, text, reps, expect, |_| {})
}

/// The median of `reps` timed runs of `text`, each preceded (untimed) by `before`.
fn kalavar_time_each(
    client: &mut Client,
    text: &str,
    reps: usize,
    expect: &[Vec<String>],
    mut before: impl FnMut(&mut Client),
) -> f64 {
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            before(client);
            let t = Instant::now();
            let answer = client.query(text, &[]).expect("query");
            let secs = t.elapsed().as_secs_f64();
            let rows = answer.last().map(|r| r.rows()).unwrap_or_default();
            assert_eq!(rows, expect, "{text}");
            secs
        })
        .collect();
    median(&mut times)
}

/// Like [`kalavar_time`], but each run follows a one-row write into `bench.touch`
/// (another table: the hot scan cache keeps what it read of `bench.kv`).
fn kalavar_time_after_write(
    client: &mut Client,
    text: &str,
    reps: usize,
    expect: &[Vec<String>],
) -> f64 {
    client
        .query(
            "drop table if exists bench.touch;
             create shared table bench.touch (id int64 key)",
            &[],
        )
        .expect("create bench.touch");
    kalavar_time_each(client, text, reps, expect, |client| {
        client
            .query("upsert into bench.touch {id: 1}", &[])
            .expect("write bench.touch");
    })
}

/// Like [`kalavar_time`], but each run follows a one-row upsert into `bench.kv` itself
/// (the scanned rows: the hot scan cache patches its entry), each raising another
/// row's `v` by one, so every answer differs from the one before and is checked;
/// the rows are put back after.
fn kalavar_time_after_own_write(client: &mut Client, text: &str, reps: usize, rows: u64) -> f64 {
    let base: i64 = (1..=rows).map(value_of).sum();
    let id_of = |i: u64| 1 + (i * 7919) % rows;
    let set = |client: &mut Client, id: u64, v: i64| {
        client
            .query(
                &format!("upsert into bench.kv {{id: {id}, v: {v}, pad: \"{PAD}\"}}"),
                &[],
            )
            .expect("write bench.kv");
    };
    let mut times = Vec::with_capacity(reps);
    for i in 1..=reps as u64 {
        set(client, id_of(i), value_of(id_of(i)) + 1);
        let t = Instant::now();
        let answer = client.query(text, &[]).expect("query");
        times.push(t.elapsed().as_secs_f64());
        let got = answer.last().map(|r| r.rows()).unwrap_or_default();
        let want = vec![vec![(base + i as i64).to_string(), rows.to_string()]];
        assert_eq!(got, want, "{text} after {i} writes");
    }
    for i in 1..=reps as u64 {
        set(client, id_of(i), value_of(id_of(i)));
    }
    median(&mut times)
}

/// The rows of `bench.kv` in the hot and the cold tier, from `system.stats`.
fn tiers(client: &mut Client) -> (u64, u64) {
    let answer = client
        .query(
            "from system.stats | where scope == \"bench.kv\" | select name, value",
            &[],
        )
        .expect("system.stats");
    let mut tiers = (0, 0);
    for row in answer.last().map(|r| r.rows()).unwrap_or_default() {
        let value = row[1].parse().unwrap_or(0);
        match row[0].as_str() {
            "hot_rows" => tiers.0 = value,
            "cold_rows" => tiers.1 = value,
            _ => {}
        }
    }
    tiers
}

/// `sum(v)` and `count()` of the loaded rows, as the aggregate prints them.
fn expected_aggregate(rows: u64) -> Vec<Vec<String>> {
    let sum: i64 = (1..=rows).map(value_of).sum();
    vec![vec![sum.to_string(), rows.to_string()]]
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

/// Per-workload figures over the rounds.
#[derive(Default)]
struct Figures {
    ours: Vec<f64>,
    pg: Vec<f64>,
}

impl Figures {
    fn push(&mut self, ours: f64, pg: Option<f64>) {
        self.ours.push(ours);
        if let Some(p) = pg {
            self.pg.push(p);
        }
    }

    /// Prints medians and ranges; `higher_is_better` picks the ratio's direction
    /// so that a ratio above 1 always means Kalavar is ahead.
    fn report(&mut self, name: &str, unit: &str, higher_is_better: bool, target: &str) {
        if self.ours.is_empty() {
            return;
        }
        let m = median(&mut self.ours);
        let range = format!("{:.1}–{:.1}", self.ours[0], self.ours[self.ours.len() - 1]);
        if self.pg.is_empty() {
            println!("| {name} | {m:.1} {unit} ({range}) | — | — | {target} |");
            return;
        }
        let p = median(&mut self.pg);
        let prange = format!("{:.1}–{:.1}", self.pg[0], self.pg[self.pg.len() - 1]);
        let ratio = if higher_is_better { m / p } else { p / m };
        println!(
            "| {name} | {m:.1} {unit} ({range}) | {p:.1} {unit} ({prange}) | {ratio:.2}× | {target} |"
        );
    }
}

fn main() {
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("kalavar-bench: {e}");
        std::process::exit(2);
    });
    let tmp = tempfile::tempdir().expect("temp dir");
    let durable = Kalavard::start(&args.kalavard, &tmp.path().join("durable"), "always");
    let relaxed = Kalavard::start(&args.kalavard, &tmp.path().join("relaxed"), "never");
    let pg = args.pg.as_ref().map(|(dir, port)| Pg {
        dir: dir.clone(),
        port: *port,
        tmp: tmp.path().to_owned(),
    });
    if let Some(pg) = &pg {
        pg.psql("drop table if exists ins; create table ins (id bigserial primary key, v bigint, pad text)");
    }
    let mut d = durable.client();
    let mut r = relaxed.client();
    let secs = args.seconds;
    let rows = args.rows;
    let lookup = "select v, pad from kv where id = :id;";
    let range = "select id, v from kv where id >= :id and id < :id + 100;";
    let random = format!("\\set id random(1, {})\n", rows - 100);
    let mut f: Vec<Figures> = (0..12).map(|_| Figures::default()).collect();
    for round in 1..=args.rounds {
        eprintln!("round {round} of {}", args.rounds);
        // Load: ours, then COPY.
        let ours = kalavar_load(&durable, &args.kalavar, &mut d, rows);
        let theirs = pg.as_ref().map(|p| p.copy(rows));
        f[0].push(
            rows as f64 / ours / 1000.0,
            theirs.map(|t| rows as f64 / t / 1000.0),
        );

        // Single-row inserts, durable then relaxed.
        let inserts = [(&mut d, ""), (&mut r, "-c synchronous_commit=off")];
        for (i, (client, options)) in inserts.into_iter().enumerate() {
            if !args.runs("insert") {
                break;
            }
            let mut ours = kalavar_inserts(client, secs);
            let theirs = pg.as_ref().map(|p| {
                p.bench(
                    "insert",
                    "\\set v random(1, 1000000)\ninsert into ins (v, pad) values (:v, 'x');\n",
                    1,
                    secs,
                    options,
                    true,
                )
                .1
            });
            let mut theirs = theirs.unwrap_or_default();
            let has = !theirs.is_empty();
            f[1 + 2 * i].push(
                percentile(&mut ours, 0.5),
                has.then(|| percentile(&mut theirs, 0.5)),
            );
            f[2 + 2 * i].push(
                percentile(&mut ours, 0.99),
                has.then(|| percentile(&mut theirs, 0.99)),
            );
        }

        // Primary-key lookups with 1 and 8 clients, and the 100-row range.
        let point = "from bench.kv | where id == $id | select v, pad";
        let scan = "from bench.kv | where id >= $lo && id < $hi | select id, v";
        for (i, clients) in [1usize, 8].into_iter().enumerate() {
            if !args.runs("lookup") {
                break;
            }
            let ours = kalavar_rate(&durable, clients, secs, rows, point, 1);
            let theirs = pg.as_ref().map(|p| {
                p.bench(
                    "lookup",
                    &format!("{random}{lookup}\n"),
                    clients,
                    secs,
                    "",
                    false,
                )
                .0
            });
            f[5 + i].push(ours, theirs);
        }
        if args.runs("range") {
            let ours = kalavar_rate(&durable, 1, secs, rows, scan, 100);
            let theirs = pg.as_ref().map(|p| {
                p.bench("range", &format!("{random}{range}\n"), 1, secs, "", false)
                    .0
            });
            f[7].push(ours, theirs);
        }
        if !args.runs("aggregate") {
            continue;
        }

        // The aggregate, hot; then flushed, cold.
        let agg = "from bench.kv | aggregate s = sum(v), n = count()";
        let expect = expected_aggregate(rows);
        assert_eq!(
            tiers(&mut d),
            (rows, 0),
            "the loaded rows should all be hot"
        );
        // Right after a write to another table (the hot scan cache keeps its entry),
        // and right after a write into the scanned rows (it patches its entry).
        let elsewhere = kalavar_time_after_write(&mut d, agg, 3, &expect);
        let patched = kalavar_time_after_own_write(&mut d, agg, 5, rows);
        let ours = kalavar_time(&mut d, agg, 3, &expect);
        let pg_agg = pg.as_ref().map(|p| {
            1.0 / p
                .bench(
                    "agg",
                    "select sum(v), count(*) from kv;\n",
                    1,
                    secs,
                    "",
                    false,
                )
                .0
        });
        f[8].push(ours * 1000.0, pg_agg.map(|t| t * 1000.0));
        f[10].push(elsewhere * 1000.0, pg_agg.map(|t| t * 1000.0));
        let pg_patched = pg.as_ref().map(|p| {
            p.statement_ms(
                "agg-after-write",
                &format!(
                    "{random}update kv set v = v where id = :id;\nselect sum(v), count(*) from kv;\n"
                ),
                secs,
                "select sum(v)",
            )
        });
        f[11].push(patched * 1000.0, pg_patched);
        d.query("flush table bench.kv", &[]).expect("flush");
        // (The hot row count counts writes, so the upserts of existing rows above
        // leave it a few rows high after the flush; the cold count is exact.)
        assert_eq!(
            tiers(&mut d).1,
            rows,
            "the flush should leave every row cold"
        );
        let ours = kalavar_time(&mut d, agg, 3, &expect);
        f[9].push(ours * 1000.0, pg_agg.map(|t| t * 1000.0));
    }
    println!(
        "\n{} rows, {} rounds of {} s, peers interleaved; median (range)\n",
        rows, args.rounds, secs
    );
    println!("| workload | Kalavar | PostgreSQL | ratio | target |");
    println!("|---|---|---|---|---|");
    let names = [
        ("load (kalavar load vs COPY)", "k rows/s", true, "≥ 2×"),
        ("insert p50, durable", "µs", false, "≥ 1× (PG/ours)"),
        ("insert p99, durable", "µs", false, "≥ 1× (PG/ours)"),
        ("insert p50, relaxed", "µs", false, "≥ 1× (PG/ours)"),
        ("insert p99, relaxed", "µs", false, "≥ 1× (PG/ours)"),
        ("primary-key lookup, 1 client", "/s", true, "≥ 1.5×"),
        ("primary-key lookup, 8 clients", "/s", true, "≥ 1.5×"),
        ("100-row range scan, 1 client", "/s", true, "≥ 1×"),
        ("aggregate, hot", "ms", false, "≥ 1×"),
        ("aggregate, cold (after flush)", "ms", false, "≥ 5×"),
        (
            "aggregate, hot, after a write elsewhere",
            "ms",
            false,
            "≥ 1×",
        ),
        ("aggregate, hot, after a write to it", "ms", false, "≥ 1×"),
    ];
    for (fig, (name, unit, higher, target)) in f.iter_mut().zip(names) {
        fig.report(name, unit, higher, target);
    }
}
