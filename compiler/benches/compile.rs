//! Compile throughput: a full KQL compile (parse + bind + optimize + emit + encode)
//! against sqlparser merely parsing the equivalent SQL (PostgreSQL dialect), in the
//! same run. Criterion measures each; then an interleaved loop prints statements/s
//! and the ratio per statement (median of rounds, with the range), since these
//! machines are shared and noisy. Target: ratio ≥ 1 (compile at least as fast as
//! sqlparser's parse alone).
//!
//! `cargo bench -p kql-compiler --bench compile`

use criterion::{Criterion, criterion_group};
use kql_compiler::catalog::Catalog;
use kql_compiler::{CompileOptions, compile_to_bytes};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::hint::black_box;
use std::time::Instant;

const CASES: [(&str, &str, &str); 3] = [
    (
        "point select",
        "from chat.messages | where id == 7 | select content",
        "SELECT content FROM chat.messages WHERE id = 7",
    ),
    (
        "insert",
        r#"insert into chat.messages {conversation_id: 1, role: "user", content: "Hello"}"#,
        "INSERT INTO chat.messages (conversation_id, role, content) VALUES (1, 'user', 'Hello')",
    ),
    (
        "group by",
        "from chat.messages | where conversation_id == 1 | aggregate n = count() by role | sort n desc | take 5",
        "SELECT role, count(*) AS n FROM chat.messages WHERE conversation_id = 1 GROUP BY role ORDER BY n DESC LIMIT 5",
    ),
];

fn catalog() -> Catalog {
    Catalog::from_json(include_str!("../tests/corpus/catalog.json")).expect("catalog")
}

fn kql_compile(catalog: &Catalog, text: &str) -> usize {
    compile_to_bytes(text, CompileOptions::new(catalog))
        .expect("compiles")
        .len()
}

fn sql_parse(text: &str) -> usize {
    Parser::parse_sql(&PostgreSqlDialect {}, text)
        .expect("parses")
        .len()
}

fn bench(c: &mut Criterion) {
    let catalog = catalog();
    for (name, kql, sql) in CASES {
        let mut g = c.benchmark_group(name);
        g.bench_function("kql full compile", |b| {
            b.iter(|| kql_compile(&catalog, black_box(kql)))
        });
        g.bench_function("sqlparser parse", |b| b.iter(|| sql_parse(black_box(sql))));
        g.finish();
    }
}

criterion_group!(benches, bench);

/// Statements per second of `f` over `n` runs.
fn rate(n: usize, mut f: impl FnMut() -> usize) -> f64 {
    let start = Instant::now();
    let mut sink = 0;
    for _ in 0..n {
        sink += f();
    }
    black_box(sink);
    n as f64 / start.elapsed().as_secs_f64()
}

fn ratios() {
    let catalog = catalog();
    println!("\ncompile throughput, interleaved: 15 rounds of 2,000 statements each side");
    println!(
        "{:<13} {:>14} {:>14} {:>8} {:>15} {:>14}",
        "statement", "kql compile/s", "sql parse/s", "ratio", "ratio range", "kql parse/s"
    );
    for (name, kql, sql) in CASES {
        let mut ks = Vec::new();
        let mut ss = Vec::new();
        let mut rs = Vec::new();
        let mut ps = Vec::new();
        for _ in 0..15 {
            ps.push(rate(2000, || {
                kql::parse(black_box(kql)).expect("parses").statements.len()
            }));
            let k = rate(2000, || kql_compile(&catalog, black_box(kql)));
            let s = rate(2000, || sql_parse(black_box(sql)));
            ks.push(k);
            ss.push(s);
            rs.push(k / s);
        }
        let med = |v: &mut Vec<f64>| {
            v.sort_by(|a, b| a.total_cmp(b));
            v[v.len() / 2]
        };
        let (lo, hi) = (
            rs.iter().cloned().fold(f64::MAX, f64::min),
            rs.iter().cloned().fold(0.0, f64::max),
        );
        println!(
            "{:<13} {:>14.0} {:>14.0} {:>7.2}x {:>6.2}–{:<6.2} {:>14.0}",
            name,
            med(&mut ks),
            med(&mut ss),
            med(&mut rs),
            lo,
            hi,
            med(&mut ps)
        );
    }
}

/// Where a compile spends its time, per stage (ns per statement, median of rounds).
fn breakdown() {
    use kql_compiler::binder::Binder;
    let catalog = catalog();
    println!("\nstage breakdown, ns per statement: parse, bind, optimize, emit, encode");
    let only = std::env::var("KALAVAR_BENCH_ONLY").ok();
    for (name, kql, _) in CASES {
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let n = 3000;
        let mut t = [0u128; 5];
        for _ in 0..n {
            let a = Instant::now();
            let script = kql::parse(black_box(kql)).expect("parses");
            let b = Instant::now();
            let mut binder = Binder::new(&catalog, None, kql);
            let (bound, params) = binder.bind(&script.statements[0]).expect("binds");
            let c = Instant::now();
            let opt = kql_compiler::optimizer::optimize(bound);
            let d = Instant::now();
            let program = kql_compiler::emit::emit(&opt, &params, Some(kql));
            let e = Instant::now();
            black_box(program.encode());
            let f = Instant::now();
            for (i, (x, y)) in [(a, b), (b, c), (c, d), (d, e), (e, f)].iter().enumerate() {
                t[i] += (*y - *x).as_nanos();
            }
        }
        let per: Vec<String> = t.iter().map(|x| format!("{:>6}", x / n as u128)).collect();
        println!("{:<13} {}", name, per.join(" "));
    }
}

fn main() {
    if std::env::var_os("KALAVAR_BENCH_BREAKDOWN").is_some() {
        breakdown();
        return;
    }
    benches();
    Criterion::default().configure_from_args().final_summary();
    ratios();
}
