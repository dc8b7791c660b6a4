//! Parse throughput: a set of KQL statements against the equivalent PostgreSQL SQL
//! parsed by `sqlparser`, in the same run. Criterion measures each side; then an
//! interleaved summary (KQL, SQL, KQL, SQL, …) prints statements per second for
//! both and their ratio, median and range over the rounds, because these machines
//! are shared and noisy.
//!
//! Run: `cargo bench -p kql --bench parse` (see docs/benchmarks.md).

use criterion::{Criterion, criterion_group};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::parser::Parser;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// (KQL, the same statement in PostgreSQL SQL).
const PAIRS: &[(&str, &str)] = &[
    (
        "from users | where id == 42 | take 1",
        "SELECT * FROM users WHERE id = 42 LIMIT 1",
    ),
    (
        "insert into chat.messages {conversation_id: 1, role: \"user\", content: \"Hello\"}",
        "INSERT INTO chat.messages (conversation_id, role, content) VALUES (1, 'user', 'Hello')",
    ),
    (
        "from chat.messages | where conversation_id == 1 | aggregate count = count() by role | sort count desc | take 5",
        "SELECT role, count(*) AS count FROM chat.messages WHERE conversation_id = 1 GROUP BY role ORDER BY count DESC LIMIT 5",
    ),
    (
        "from chat.messages | where conversation_id == 1 and created_at > now() - 1h | sort created_at desc | take 20",
        "SELECT * FROM chat.messages WHERE conversation_id = 1 AND created_at > now() - INTERVAL '1 hour' ORDER BY created_at DESC LIMIT 20",
    ),
    (
        "from orders as o | join left customers as c on o.customer_id == c.id | where o.total between 10 and 100 | select o.id, c.name, total = o.total * 1.2",
        "SELECT o.id, c.name, o.total * 1.2 AS total FROM orders AS o LEFT JOIN customers AS c ON o.customer_id = c.id WHERE o.total BETWEEN 10 AND 100",
    ),
    (
        "from chat.messages | where id == 42 | update content = \"edited\", edited = true",
        "UPDATE chat.messages SET content = 'edited', edited = true WHERE id = 42",
    ),
    (
        "from chat.messages | where created_at < now() - 30d | delete",
        "DELETE FROM chat.messages WHERE created_at < now() - INTERVAL '30 days'",
    ),
    (
        "create table chat.messages (id int64 key, conversation_id int64 not null, role text, content text, created_at timestamp default now())",
        "CREATE TABLE chat.messages (id BIGINT PRIMARY KEY, conversation_id BIGINT NOT NULL, role TEXT, content TEXT, created_at TIMESTAMP DEFAULT now())",
    ),
    (
        "from events | where kind in [\"click\", \"view\", \"buy\"] and not is_null(user_id) | aggregate n = count(), total = sum(amount) by kind, day = date_trunc(\"day\", at)",
        "SELECT kind, date_trunc('day', at) AS day, count(*) AS n, sum(amount) AS total FROM events WHERE kind IN ('click', 'view', 'buy') AND user_id IS NOT NULL GROUP BY kind, day",
    ),
    (
        "upsert into kv.settings {key: \"theme\", value: \"dark\"}",
        "INSERT INTO kv.settings (key, value) VALUES ('theme', 'dark') ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    ),
];

fn parse_kql_all() {
    for (kql, _) in PAIRS {
        black_box(kql::parse(black_box(kql)).unwrap());
    }
}

fn parse_sql_all() {
    let dialect = PostgreSqlDialect {};
    for (_, sql) in PAIRS {
        black_box(Parser::parse_sql(&dialect, black_box(sql)).unwrap());
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    group.throughput(criterion::Throughput::Elements(PAIRS.len() as u64));
    group.bench_function("kql", |b| b.iter(parse_kql_all));
    group.bench_function("sqlparser", |b| b.iter(parse_sql_all));
    group.finish();
}

criterion_group!(benches, bench);

/// Statements per second of `f` over one round of about `budget`.
fn rate(f: fn(), budget: Duration) -> f64 {
    let started = Instant::now();
    let mut sets = 0u64;
    while started.elapsed() < budget {
        f();
        sets += 1;
    }
    (sets * PAIRS.len() as u64) as f64 / started.elapsed().as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn summary() {
    // Sanity: every pair parses on both sides.
    parse_kql_all();
    parse_sql_all();
    let rounds = 11;
    let (mut kql, mut sql, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let k = rate(parse_kql_all, Duration::from_millis(300));
        let s = rate(parse_sql_all, Duration::from_millis(300));
        kql.push(k);
        sql.push(s);
        ratio.push(k / s);
    }
    let (rmin, rmax) = ratio
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &r| (a.min(r), b.max(r)));
    println!(
        "\nparse summary ({} statement pairs, {rounds} interleaved rounds of 300 ms each):",
        PAIRS.len()
    );
    println!(
        "  kql        {:>10.0} statements/s (median)",
        median(&mut kql)
    );
    println!(
        "  sqlparser  {:>10.0} statements/s (median)",
        median(&mut sql)
    );
    println!(
        "  ratio kql/sqlparser: median {:.2}x, range {rmin:.2}x–{rmax:.2}x",
        median(&mut ratio)
    );
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    if !test_mode {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    summary();
}
