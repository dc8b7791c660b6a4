//! Test helper for the crash test (`tests/crash.rs`): opens a data directory with
//! durable commits, then upserts and deletes rows of `crash.t (id int64, x int64)`,
//! flushing and compacting as it goes, until it is killed. Before each operation it
//! prints `begin <op>` and after the commit returns `ack`, so the test knows which
//! writes were acknowledged.
//!
//! Usage: `storage-crash-worker DIR SEED [FAILPOINT]` — with a failpoint, the process
//! aborts when it reaches that step. Seed 0 runs the erase scenario instead (see
//! `erase_mode`); `storage-crash-worker DIR load [FAILPOINT]` the bulk-load one (see
//! `load_mode`).

use std::io::Write;
use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch};
use kalavar_storage::*;

/// A tiny deterministic generator (xorshift), so runs differ by seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Seed 0: give users `alice` and `bob` rows in a user table (alice's partly flushed),
/// print `ready`, then erase alice and print `ack` (a failpoint may abort midway).
fn erase_mode(engine: &Engine) {
    engine.create_namespace("erase").expect("namespace");
    let t = engine
        .create_table(&TableSpec {
            namespace: "erase".into(),
            name: "u".into(),
            kind: TableKind::User,
            columns: vec![
                ColumnSpec::new("id", DataType::Int64, false),
                ColumnSpec::new("x", DataType::Int64, true),
            ],
            primary_key: vec!["id".into()],
            options: TableOptions::default(),
        })
        .expect("table");
    let rows = |ids: Vec<i64>| {
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(ids.clone())),
            Arc::new(Int64Array::from(ids)),
        ];
        RecordBatch::try_new(t.arrow_schema(), cols).expect("batch")
    };
    let mut users = Vec::new();
    for name in ["alice", "bob"] {
        let u = engine
            .create_user(&UserSpec {
                name: name.into(),
                role: Role::User,
                enabled: true,
                allowed_ips: vec![],
            })
            .expect("user")
            .id;
        engine
            .insert(t.id, Some(u), &rows((0..10).collect()))
            .expect("insert");
        users.push(u);
    }
    engine.flush(t.id, Some(users[0])).expect("flush");
    engine
        .insert(t.id, Some(users[0]), &rows((10..15).collect()))
        .expect("insert");
    println!("ready");
    engine.erase_user(users[0]).expect("erase");
    println!("ack");
}

/// `load`: two bulk loads of 10,000 rows, each followed by `ack` — into `crash.h (x
/// int64)`, without a primary key, with x = 1 + the rows it held; then into `crash.l`
/// (the keyed table of the upsert scenario) with the ids after the ones it holds.
fn load_mode(engine: &Engine) {
    let create = |name: &str, key: bool| {
        if let Some(t) = engine.catalog().table_by_name("crash", name) {
            return t.clone();
        }
        if engine.catalog().namespace("crash").is_none() {
            engine.create_namespace("crash").expect("namespace");
        }
        let mut columns = vec![ColumnSpec::new("x", DataType::Int64, true)];
        if key {
            columns.insert(0, ColumnSpec::new("id", DataType::Int64, false));
        }
        Arc::new(
            engine
                .create_table(&TableSpec {
                    namespace: "crash".into(),
                    name: name.into(),
                    kind: TableKind::Shared,
                    columns,
                    primary_key: if key { vec!["id".into()] } else { vec![] },
                    options: TableOptions::default(),
                })
                .expect("table"),
        )
    };
    let count = |t: &TableDef| {
        engine
            .scan(ScanSpec::new(t.id, None))
            .and_then(|s| s.collect_batch())
            .expect("scan")
            .num_rows() as i64
    };
    let (h, l) = (create("h", false), create("l", true));
    let x = 1 + count(&h);
    let cols: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(vec![x; 10_000]))];
    let batch = RecordBatch::try_new(h.arrow_schema(), cols).expect("batch");
    println!("ready");
    engine.load(h.id, None, &[batch], false).expect("load h");
    println!("ack");
    let first = count(&l);
    let ids: Vec<i64> = (first..first + 10_000).collect();
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(ids.clone())),
        Arc::new(Int64Array::from(ids)),
    ];
    let batch = RecordBatch::try_new(l.arrow_schema(), cols).expect("batch");
    engine.load(l.id, None, &[batch], false).expect("load l");
    println!("ack");
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: storage-crash-worker DIR SEED [FAILPOINT]");
        std::process::exit(2);
    }
    let seed: u64 = if args[2] == "load" {
        u64::MAX
    } else {
        args[2].parse().expect("seed is a number")
    };
    let options = EngineOptions {
        durability: Durability::Sync,
        block_cache_bytes: 8 << 20,
        write_buffer_bytes: 4 << 20,
        segments: SegmentOptions {
            row_group_rows: 256,
            page_rows: 64,
            key_page_rows: 16,
            codec: SegmentCodec::Lz4,
        },
        failpoint: args.get(3).cloned(),
        ..Default::default()
    };
    let engine = Engine::open(&args[1], options).expect("open");
    if seed == 0 {
        erase_mode(&engine);
        return;
    }
    if seed == u64::MAX {
        load_mode(&engine);
        return;
    }
    let table = match engine.catalog().table_by_name("crash", "t") {
        Some(t) => t.clone(),
        None => {
            engine.create_namespace("crash").expect("namespace");
            Arc::new(
                engine
                    .create_table(&TableSpec {
                        namespace: "crash".into(),
                        name: "t".into(),
                        kind: TableKind::Shared,
                        columns: vec![
                            ColumnSpec::new("id", DataType::Int64, false),
                            ColumnSpec::new("x", DataType::Int64, true),
                        ],
                        primary_key: vec!["id".into()],
                        options: TableOptions::default(),
                    })
                    .expect("table"),
            )
        }
    };
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    writeln!(out, "ready").ok();
    out.flush().ok();
    for i in 0u64.. {
        let x = (seed as i64) * 1_000_000 + i as i64;
        match i % 11 {
            5 => {
                writeln!(out, "begin flush").ok();
                out.flush().ok();
                engine.flush(table.id, None).expect("flush");
            }
            10 => {
                writeln!(out, "begin compact").ok();
                out.flush().ok();
                engine.compact(table.id, None).expect("compact");
            }
            _ if rng.below(4) == 0 => {
                let keys: Vec<i64> = (0..1 + rng.below(3))
                    .map(|_| rng.below(400) as i64)
                    .collect();
                let list: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                writeln!(out, "begin delete {}", list.join(" ")).ok();
                out.flush().ok();
                let keys: Vec<Vec<ScalarValue>> =
                    keys.iter().map(|k| vec![ScalarValue::Int64(*k)]).collect();
                engine.delete(table.id, None, &keys).expect("delete");
            }
            _ => {
                let mut keys: Vec<i64> = (0..1 + rng.below(20))
                    .map(|_| rng.below(400) as i64)
                    .collect();
                keys.sort();
                keys.dedup();
                let list: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                writeln!(out, "begin upsert {x} {}", list.join(" ")).ok();
                out.flush().ok();
                let cols: Vec<ArrayRef> = vec![
                    Arc::new(Int64Array::from(keys.clone())),
                    Arc::new(Int64Array::from(vec![x; keys.len()])),
                ];
                let batch = RecordBatch::try_new(table.arrow_schema(), cols).expect("batch");
                engine.upsert(table.id, None, &batch).expect("upsert");
            }
        }
        writeln!(out, "ack").ok();
        out.flush().ok();
    }
}
