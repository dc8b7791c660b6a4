//! The SQL differential corpus (`tests/sql/differential/`).
//!
//! - Every construct issue 7 lists has at least three cases.
//! - Every statement of the data set and the cases translates to KQL and compiles
//!   against the catalog the data set's DDL builds (the KQL is recorded in
//!   `cases.kql`, so a change in translation shows up as a diff).
//! - On PostgreSQL (when `KALAVAR_PG_DIR`, and `KALAVAR_PG_PORT` unless 5433, name
//!   a cluster started with `pg-mtls.sh start DIR PORT`), the data set loads and
//!   every case gives the answer recorded in `postgres.expected`.
//!   `KALAVAR_REQUIRE_PG=1` makes a missing cluster a failure (CI sets it).
//!
//! `UPDATE_GOLDEN=1 cargo test -p kalavar-tests --test sql_differential`
//! rewrites `cases.kql` and (with PostgreSQL) `postgres.expected`; review the diff.

use kalavar_tests::differential::corpus::{CONSTRUCTS, MIN_CASES_PER_CONSTRUCT};
use kalavar_tests::differential::postgres::Postgres;
use kalavar_tests::differential::{Answer, Corpus, Engine};
use kql_compiler::catalog::Catalog;
use kql_compiler::sql::{SqlCompileError, SqlSession};
use std::fmt::Write;

fn update() -> bool {
    std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1")
}

fn check_golden(name: &str, actual: &str) {
    let path = Corpus::dir().join(name);
    if update() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", path.display()));
    if expected != actual {
        let first = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .find(|(_, (e, a))| e != a)
            .map(|(i, (e, a))| format!("line {}:\n  expected: {e}\n  actual:   {a}", i + 1))
            .unwrap_or_else(|| "one is a prefix of the other".into());
        panic!(
            "{} differs (rerun with UPDATE_GOLDEN=1 and review the diff):\n{first}",
            path.display()
        );
    }
}

#[test]
fn every_construct_has_three_cases() {
    let corpus = Corpus::load().unwrap();
    let coverage = corpus.coverage();
    for tag in coverage.keys() {
        assert!(
            CONSTRUCTS.contains(&tag.as_str()),
            "tag `{tag}` is not a construct of the list"
        );
    }
    let short: Vec<String> = CONSTRUCTS
        .iter()
        .filter(|c| coverage.get(**c).copied().unwrap_or(0) < MIN_CASES_PER_CONSTRUCT)
        .map(|c| format!("{c} ({})", coverage.get(*c).copied().unwrap_or(0)))
        .collect();
    assert!(
        short.is_empty(),
        "constructs with fewer than {MIN_CASES_PER_CONSTRUCT} cases: {}",
        short.join(", ")
    );
}

#[test]
fn every_statement_translates_and_compiles() {
    let corpus = Corpus::load().unwrap();
    let mut session = SqlSession::new(Catalog::empty());
    let mut out = String::new();
    let mut compile = |what: &str, sql: &str, out: &mut String| {
        let results = session.compile(sql, true);
        assert_eq!(results.len(), 1, "{what}: one statement expected: {sql}");
        match results.into_iter().next().expect("one") {
            Ok(c) => out.push_str(&c.kql),
            Err(SqlCompileError::Translate(d)) => {
                panic!("{what} does not translate:\n{}", d.render(what, sql))
            }
            Err(SqlCompileError::Compile { kql, error }) => panic!(
                "{what}: the KQL does not compile:\n{kql}\n{}",
                error.render("kql", &kql, false)
            ),
        }
    };
    out.push_str("# the data set\n");
    for s in &corpus.setup {
        compile("setup", s, &mut out);
    }
    for case in &corpus.cases {
        let _ = writeln!(out, "\n# case: {}", case.name);
        for s in &case.statements {
            compile(&case.name, s, &mut out);
        }
    }
    check_golden("cases.kql", &out);
}

#[test]
fn postgres_gives_the_recorded_answers() {
    let mut pg = match Postgres::from_env() {
        Some(Ok(pg)) => pg,
        Some(Err(e)) => panic!("{e}"),
        None => {
            assert!(
                std::env::var_os("KALAVAR_REQUIRE_PG").is_none(),
                "KALAVAR_REQUIRE_PG is set but KALAVAR_PG_DIR names no PostgreSQL: start one with pg-mtls.sh start DIR PORT"
            );
            eprintln!(
                "skipped: set KALAVAR_PG_DIR (and KALAVAR_PG_PORT) to a cluster started with pg-mtls.sh"
            );
            return;
        }
    };
    let corpus = Corpus::load().unwrap();
    pg.reset(&corpus)
        .unwrap_or_else(|e| panic!("loading the data set: {e}"));
    let mut recorded = String::new();
    let mut answers: Vec<(String, Answer)> = Vec::new();
    for case in &corpus.cases {
        let answer = pg.run(case).unwrap_or_else(|e| {
            panic!(
                "case {} (cases.sql line {}) fails on PostgreSQL: {e}",
                case.name, case.line
            )
        });
        recorded.push_str(&answer.render(&case.name));
        recorded.push('\n');
        answers.push((case.name.clone(), answer));
    }
    check_golden("postgres.expected", &recorded);
    // The recording reads back to the same answers, so the Kalavar side can compare
    // against the file without a PostgreSQL.
    let parsed = Answer::parse_all(&recorded).unwrap();
    assert_eq!(parsed.len(), answers.len());
    for ((name, expected), (pname, read)) in answers.iter().zip(&parsed) {
        assert_eq!(name, pname);
        expected
            .compare(read)
            .unwrap_or_else(|e| panic!("case {name} does not read back: {e}"));
    }
    let coverage = corpus.coverage();
    let summary: Vec<String> = CONSTRUCTS
        .iter()
        .map(|c| format!("{c} {}", coverage.get(*c).copied().unwrap_or(0)))
        .collect();
    eprintln!(
        "{} cases answered by PostgreSQL as recorded; cases per construct: {}",
        answers.len(),
        summary.join(", ")
    );
}

#[test]
fn kalavar_gives_postgres_answers() {
    use kalavar_tests::differential::kalavar::Kalavar;
    let corpus = Corpus::load().unwrap();
    let expected_text = std::fs::read_to_string(Corpus::dir().join("postgres.expected")).unwrap();
    let expected = Answer::parse_all(&expected_text).unwrap();
    let mut kalavar = Kalavar::start();
    kalavar
        .reset(&corpus)
        .unwrap_or_else(|e| panic!("loading the data set into Kalavar: {e}"));
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    for case in &corpus.cases {
        let (_, want) = expected
            .iter()
            .find(|(n, _)| *n == case.name)
            .unwrap_or_else(|| panic!("no recorded answer for {}", case.name));
        let outcome = kalavar.run(case).and_then(|got| want.compare(&got));
        match outcome {
            Ok(()) => passed.push(case.name.clone()),
            Err(e) => failed.push(format!("{} (line {}): {e}", case.name, case.line)),
        }
    }
    eprintln!("{} of {} differential cases pass", passed.len(), corpus.cases.len());
    for f in &failed {
        eprintln!("FAIL {f}");
    }
}
