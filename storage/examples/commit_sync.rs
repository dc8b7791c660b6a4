//! Times durable single-row commits on this disk, with and without the write-ahead
//! log prefill (`EngineOptions::wal_prefill_bytes`): two engines at
//! `Durability::Sync` in `DIR/fresh` (prefill 0: the log in use grows with every
//! commit, as RocksDB's fresh log does) and `DIR/prefilled` (the default 64 MiB: the
//! log in use is a recycled one, overwritten), committing one-row transactions
//! alternately through `Engine::commit_group` (the server's commit thread path), so
//! that both see the same moment of a shared disk. Prints p50/p90/p99 per engine.
//!
//! `cargo run -p kalavar-storage --example commit_sync -- DIR [N]`

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use kalavar_storage::*;

fn open(dir: &std::path::Path, prefill: usize) -> (Engine, TableDef) {
    let options = EngineOptions {
        wal_prefill_bytes: prefill,
        ..EngineOptions::default()
    };
    let t = Instant::now();
    let e = Engine::open(dir, options).unwrap();
    println!("{}: open {:?}", dir.display(), t.elapsed());
    e.create_namespace("app").unwrap();
    let def = e
        .create_table(&TableSpec {
            namespace: "app".into(),
            name: "t".into(),
            kind: TableKind::Shared,
            columns: vec![
                ColumnSpec::new("id", DataType::Int64, false),
                ColumnSpec::new("body", DataType::Text, true),
            ],
            primary_key: vec!["id".into()],
            options: TableOptions::default(),
        })
        .unwrap();
    (e, def)
}

fn commit(e: &Engine, def: &TableDef, id: i64) -> u64 {
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(vec![id])),
        Arc::new(StringArray::from(vec![format!("row {id} {:>60}", "")])),
    ];
    let batch = RecordBatch::try_new(def.arrow_schema(), cols).unwrap();
    let mut txn = e.begin();
    txn.insert(def.id, None, &batch).unwrap();
    let t = Instant::now();
    e.commit_group(vec![txn]).pop().unwrap().unwrap();
    t.elapsed().as_micros() as u64
}

fn report(name: &str, mut times: Vec<u64>) {
    times.sort_unstable();
    let q = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{name:>9}: {} commits, p50 {} µs, p90 {} µs, p99 {} µs",
        times.len(),
        q(0.5),
        q(0.9),
        q(0.99)
    );
}

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("usage: commit_sync DIR [N]"));
    let n: usize = args.next().map(|s| s.parse().unwrap()).unwrap_or(3000);
    let (fresh, fdef) = open(&dir.join("fresh"), 0);
    let (prefilled, pdef) = open(&dir.join("prefilled"), 64 << 20);
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..n as i64 {
        a.push(commit(&fresh, &fdef, i));
        b.push(commit(&prefilled, &pdef, i));
    }
    report("fresh", a);
    report("prefilled", b);
}
