//! SQL → KQL → plan throughput against sqlparser's parse alone, on the same
//! statements, in the same run. One side translates each PostgreSQL statement
//! (`Translator::translate`: sqlparser's parse included), prints the KQL
//! (`kql::format_script`, to show it) and compiles the translated tree to an encoded
//! plan (`compile_translated`: bind, optimize, emit, encode; the printed text is not
//! parsed again); the other side only runs `Parser::parse_sql(&PostgreSqlDialect
//! {}, …)`. This is the path the shell's SQL mode takes (`Client::query_translated`).
//! `KALAVAR_BENCH_BREAKDOWN=1` times each stage, and the path that compiles the
//! printed text instead (`compile_to_bytes`, as the shell did before).
//! `KALAVAR_BENCH_PROFILE=translate|whole|parse` runs one of them (or the peer's
//! parse) for 5 seconds, for a profiler (`valgrind --tool=callgrind`, `perf
//! record`).
//! Target: ratio ≥ 0.5 (the whole path at least half as fast as the parse alone).
//!
//! The statements are the queries and writes of the golden corpus
//! (`tests/sql/corpus/*.sql`, without the DDL of `09_ddl_tx.sql`) that compile
//! against the catalog `tests/sql/schema.sql` builds. The two sides are interleaved
//! round by round (these machines are shared and noisy); the median ratio and its
//! range are printed, per corpus file and over all statements; the last column is
//! the ratio for SQL → KQL text alone (translate and print, no compile).
//!
//! `cargo bench -p kql-compiler --bench sql` (`KALAVAR_BENCH_ROUNDS`, default 11).

use kql_compiler::catalog::Catalog;
use kql_compiler::sql::{Schema, SqlSession, Translator, compile_translated};
use kql_compiler::{CompileOptions, compile_to_bytes};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

/// Statements of a file: each ends with `;` at the end of a line; `--` comment
/// lines are dropped.
fn statements(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("--") || (t.is_empty() && current.is_empty()) {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if t.ends_with(';') {
            out.push(current.trim().to_string());
            current.clear();
        }
    }
    out
}

fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sql")
}

/// The catalog `schema.sql` builds.
fn catalog() -> Catalog {
    let schema = std::fs::read_to_string(dir().join("schema.sql")).expect("schema.sql");
    let mut session = SqlSession::new(Catalog::empty());
    for r in session.compile(&schema, true) {
        r.unwrap_or_else(|_| panic!("schema.sql compiles"));
    }
    session.catalog().clone()
}

/// The whole path: translate, print (to show the KQL), compile the translated
/// tree (`compile_translated`, no second parse), encode. Returns the plan's size.
fn sql_to_plan(translator: &mut Translator, catalog: &Catalog, sql: &str) -> usize {
    let script = translator.translate(sql).expect("translates");
    let kql = kql::format_script(&script);
    compile_translated(&script, &kql, CompileOptions::new(catalog))
        .expect("compiles")
        .last()
        .map(|c| c.program.encode().len())
        .unwrap_or(0)
}

/// The same, compiling the printed text instead (`compile_to_bytes`).
fn sql_to_plan_via_text(translator: &mut Translator, catalog: &Catalog, sql: &str) -> usize {
    let script = translator.translate(sql).expect("translates");
    let kql = kql::format_script(&script);
    compile_to_bytes(&kql, CompileOptions::new(catalog))
        .expect("compiles")
        .len()
}

fn sql_parse(sql: &str) -> usize {
    Parser::parse_sql(&PostgreSqlDialect {}, sql)
        .expect("parses")
        .len()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    // `cargo bench` passes `--bench`; a filter argument is accepted and ignored.
    let catalog = catalog();
    let schema = Schema::from_catalog(&catalog);
    let rounds: usize = std::env::var("KALAVAR_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(11);
    let mut files: Vec<_> = std::fs::read_dir(dir().join("corpus"))
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .filter(|p| !p.ends_with("09_ddl_tx.sql"))
        .collect();
    files.sort();
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut skipped = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("corpus file");
        let mut kept = Vec::new();
        for s in statements(&text) {
            let mut t = Translator::with_schema(schema.clone());
            let ok = t.translate(&s).ok().is_some_and(|script| {
                compile_to_bytes(&kql::format_script(&script), CompileOptions::new(&catalog))
                    .is_ok()
            });
            if ok {
                kept.push(s);
            } else {
                skipped += 1;
            }
        }
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        groups.push((name, kept));
    }
    let all: Vec<String> = groups.iter().flat_map(|(_, s)| s.clone()).collect();
    groups.push(("all".into(), all));
    println!(
        "SQL → KQL → plan vs sqlparser parse: {} statements of the golden corpus \
         ({skipped} left out: DDL-dependent or over unknown tables), {rounds} rounds, interleaved",
        groups.last().unwrap().1.len()
    );
    println!(
        "{:<24} {:>5} {:>15} {:>12} {:>8} {:>12} {:>10}",
        "set", "stmts", "SQL→KQL→plan/s", "sqlparser/s", "ratio", "range", "SQL→KQL"
    );
    let mut translator = Translator::with_schema(schema);
    if let Some(what) = std::env::var_os("KALAVAR_BENCH_PROFILE") {
        // For a profiler: one stage (`translate`), the whole path (`whole`) or
        // sqlparser's parse alone (`parse`), over and over for 5 seconds.
        let set = &groups.last().unwrap().1;
        let start = Instant::now();
        while start.elapsed().as_secs() < 5 {
            pass(set, &mut |s| {
                if what == "whole" {
                    sql_to_plan(&mut translator, &catalog, s)
                } else if what == "parse" {
                    sql_parse(s)
                } else {
                    translator
                        .translate(s)
                        .expect("translates")
                        .statements
                        .len()
                }
            });
        }
        return;
    }
    if std::env::var_os("KALAVAR_BENCH_BREAKDOWN").is_some() {
        breakdown(&mut translator, &catalog, &groups.last().unwrap().1);
        return;
    }
    for (name, set) in &groups {
        // About 20,000 statements per side and round, alternating side every
        // pass over the set, so that a change in the machine's load hits both.
        let reps = (20_000 / set.len().max(1)).max(1);
        let mut text = Translator::with_schema(translator.schema().clone());
        let mut to_kql =
            |s: &str| kql::format_script(&text.translate(s).expect("translates")).len();
        let mut ours = |s: &str| sql_to_plan(&mut translator, &catalog, s);
        pass(set, &mut ours);
        pass(set, &mut sql_parse);
        let (mut rates, mut theirs, mut ratios, mut kql_ratios) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for _ in 0..rounds {
            let (mut t_ours, mut t_theirs, mut t_kql) = (0.0, 0.0, 0.0);
            for _ in 0..reps {
                t_ours += pass(set, &mut ours);
                t_theirs += pass(set, &mut sql_parse);
                t_kql += pass(set, &mut to_kql);
            }
            let n = (set.len() * reps) as f64;
            rates.push(n / t_ours);
            theirs.push(n / t_theirs);
            ratios.push(t_theirs / t_ours);
            kql_ratios.push(t_theirs / t_kql);
        }
        let lo = ratios.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = ratios.iter().cloned().fold(0.0, f64::max);
        println!(
            "{:<24} {:>5} {:>15.0} {:>12.0} {:>7.2}× {:>6.2}–{:.2}× {:>9.2}×",
            name,
            set.len(),
            median(&mut rates),
            median(&mut theirs),
            median(&mut ratios),
            lo,
            hi,
            median(&mut kql_ratios)
        );
    }
}

/// Seconds one pass of `f` over `set` takes.
fn pass(set: &[String], f: &mut dyn FnMut(&str) -> usize) -> f64 {
    let start = Instant::now();
    let mut sink = 0;
    for s in set {
        sink += f(black_box(s));
    }
    black_box(sink);
    start.elapsed().as_secs_f64()
}

/// Microseconds per statement of each stage, over `set` (median of 5 runs).
fn breakdown(translator: &mut Translator, catalog: &Catalog, set: &[String]) {
    let kql: Vec<String> = set
        .iter()
        .map(|s| kql::format_script(&translator.translate(s).expect("translates")))
        .collect();
    let scripts: Vec<kql::ast::Script> = set
        .iter()
        .map(|s| translator.translate(s).expect("translates"))
        .collect();
    // Each stage alternates with sqlparser's parse pass by pass; its time is
    // given in µs per statement and as a multiple of the parse's, measured
    // alongside it.
    let parse = |i: usize| sql_parse(&set[i]);
    let time = |name: &str, f: &mut dyn FnMut(usize) -> usize| {
        let (mut t_stage, mut t_parse) = (0.0, 0.0);
        for _ in 0..100 {
            let start = Instant::now();
            let mut sink = 0;
            for i in 0..set.len() {
                sink += f(i);
            }
            t_stage += start.elapsed().as_secs_f64();
            let start = Instant::now();
            for i in 0..set.len() {
                sink += parse(i);
            }
            t_parse += start.elapsed().as_secs_f64();
            black_box(sink);
        }
        println!(
            "{name:<40} {:>8.2} µs  {:>5.2}× the parse",
            t_stage * 1e6 / (100 * set.len()) as f64,
            t_stage / t_parse
        );
    };
    time("sqlparser tokenize", &mut |i| {
        sqlparser::tokenizer::Tokenizer::new(&PostgreSqlDialect {}, &set[i])
            .tokenize_with_location()
            .expect("tokenizes")
            .len()
    });
    time("sqlparser parse", &mut |i| sql_parse(&set[i]));
    time("translate (parse included)", &mut |i| {
        translator
            .translate(&set[i])
            .expect("translates")
            .statements
            .len()
    });
    time("format KQL", &mut |i| kql::format_script(&scripts[i]).len());
    time("kql parse", &mut |i| {
        kql::parse(&kql[i]).expect("parses").statements.len()
    });
    time("kql compile (parse..encode)", &mut |i| {
        compile_to_bytes(&kql[i], CompileOptions::new(catalog))
            .expect("compiles")
            .len()
    });
    time("whole path, printed KQL compiled", &mut |i| {
        sql_to_plan_via_text(translator, catalog, &set[i])
    });
    time("whole path, tree compiled", &mut |i| {
        sql_to_plan(translator, catalog, &set[i])
    });
}
