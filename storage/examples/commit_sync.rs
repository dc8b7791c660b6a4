//! Times durable single-row commits on this disk: `N` transactions, each inserting one
//! row and committed alone through `Engine::commit_group` (the server's commit thread
//! path), at `Durability::Sync`. Prints p50/p90/p99 per block of commits so that the
//! effect of the write-ahead log's state (fresh, recycled, grown) shows.
//!
//! `cargo run -p kalavar-storage --example commit_sync -- DIR [N] [BLOCK]`; the
//! environment variable `PREFILL_MB` sets `EngineOptions::wal_prefill_bytes`.

use std::sync::Arc;
use std::time::Instant;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use kalavar_storage::*;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("usage: commit_sync DIR [N] [BLOCK]");
    let n: usize = args.next().map(|s| s.parse().unwrap()).unwrap_or(3000);
    let block: usize = args.next().map(|s| s.parse().unwrap()).unwrap_or(1000);
    let t0 = Instant::now();
    let mut options = EngineOptions::default();
    if let Some(mb) = std::env::var("PREFILL_MB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        options.wal_prefill_bytes = mb << 20;
    }
    let e = Engine::open(&dir, options).unwrap();
    println!("open: {:?}", t0.elapsed());
    if e.catalog().namespace("app").is_none() {
        e.create_namespace("app").unwrap();
    }
    let existing = e.catalog().tables().find(|t| t.name == "t").cloned();
    let def = match existing {
        Some(d) => (*d).clone(),
        None => e
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
            .unwrap(),
    };
    let base = e.stats().hot_rows;
    let mut times = Vec::with_capacity(block);
    for i in 0..n {
        let id = (base + i as u64) as i64;
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Int64Array::from(vec![id])),
            Arc::new(StringArray::from(vec![format!("row {id} {:>60}", "")])),
        ];
        let batch = RecordBatch::try_new(def.arrow_schema(), cols).unwrap();
        let mut txn = e.begin();
        txn.insert(def.id, None, &batch).unwrap();
        let t = Instant::now();
        e.commit_group(vec![txn]).pop().unwrap().unwrap();
        times.push(t.elapsed().as_micros() as u64);
        if times.len() == block {
            times.sort_unstable();
            let q = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
            println!(
                "commits {:>6}..{:>6}: p50 {:>4} µs  p90 {:>4} µs  p99 {:>5} µs",
                i + 1 - block,
                i + 1,
                q(0.5),
                q(0.9),
                q(0.99)
            );
            times.clear();
        }
    }
}
