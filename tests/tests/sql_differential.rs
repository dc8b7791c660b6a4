//! The SQL differential corpus (`tests/sql/differential/`).
//!
//! - Every construct issue 7 lists has at least three cases.
//! - Every statement of the data set and the cases translates to KQL and compiles
//!   against the catalog the data set's DDL builds (the KQL is recorded in
//!   `cases.kql`, so a change in translation shows up as a diff).
//! - The differential check proper: the data set loads into a real PostgreSQL
//!   and into a real Kalavar server (mTLS on loopback, RocksDB), every case runs
//!   on both, and the rows must be the same (in order when the query orders
//!   them). PostgreSQL's answers are also recorded in `postgres.expected`, and
//!   must not change unnoticed.
//!
//! PostgreSQL is the cluster `KALAVAR_PG_DIR` (and `KALAVAR_PG_PORT`, default
//! 5433) names, else one the test starts and stops with `tests/sql/postgres.sh`
//! (PostgreSQL must be installed: `tests/sql/postgres.sh install`). When none can
//! be started the test says so loudly and compares Kalavar with the recorded
//! answers only; `KALAVAR_REQUIRE_PG=1` (CI) makes that a failure.
//!
//! `UPDATE_GOLDEN=1 cargo test -p kalavar-tests --test sql_differential`
//! rewrites `cases.kql` and (with PostgreSQL) `postgres.expected`; review the diff.

use kalavar_tests::differential::corpus::{CONSTRUCTS, MIN_CASES_PER_CONSTRUCT};
use kalavar_tests::differential::kalavar::Kalavar;
use kalavar_tests::differential::postgres::{Found, Postgres};
use kalavar_tests::differential::{Answer, Corpus, Engine};
use kql_compiler::catalog::Catalog;
use kql_compiler::sql::{SqlCompileError, SqlSession};
use std::collections::BTreeMap;
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

/// Cases that fail on Kalavar for a reason outside the translation, each with
/// the reason. The test checks they still fail, so the list shrinks as the
/// server catches up; they do not count toward any construct's passes.
const KNOWN_GAPS: &[(&str, &str)] = &[];

/// PostgreSQL's answers, recorded (and checked against `postgres.expected`), or
/// the recorded ones when no PostgreSQL can be had.
fn postgres_answers(corpus: &Corpus) -> Vec<(String, Answer)> {
    let mut pg: Postgres = match Postgres::find() {
        Found::Ready(pg) => pg,
        Found::Unavailable(why) => {
            assert!(
                std::env::var_os("KALAVAR_REQUIRE_PG").is_none(),
                "KALAVAR_REQUIRE_PG is set but no PostgreSQL could be started: {why}"
            );
            eprintln!(
                "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
                 !! SKIPPED the live PostgreSQL side of the SQL differential test:\n\
                 !! {why}\n\
                 !! Kalavar is compared with the RECORDED answers (postgres.expected).\n\
                 !! Install PostgreSQL with `tests/sql/postgres.sh install` (root).\n\
                 !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
            );
            let text = std::fs::read_to_string(Corpus::dir().join("postgres.expected"))
                .expect("postgres.expected");
            return Answer::parse_all(&text).expect("postgres.expected reads");
        }
    };
    pg.reset(corpus)
        .unwrap_or_else(|e| panic!("loading the data set into PostgreSQL: {e}"));
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
    // The recording reads back to the same answers, so a run without PostgreSQL
    // compares against the same thing.
    let parsed = Answer::parse_all(&recorded).unwrap();
    assert_eq!(parsed.len(), answers.len());
    for ((name, expected), (pname, read)) in answers.iter().zip(&parsed) {
        assert_eq!(name, pname);
        expected
            .compare(read)
            .unwrap_or_else(|e| panic!("case {name} does not read back: {e}"));
    }
    eprintln!(
        "PostgreSQL answered all {} cases as recorded",
        answers.len()
    );
    answers
}

#[test]
fn kalavar_gives_the_answers_postgres_gives() {
    let corpus = Corpus::load().unwrap();
    let expected = postgres_answers(&corpus);
    let mut kalavar = Kalavar::start();
    kalavar
        .reset(&corpus)
        .unwrap_or_else(|e| panic!("loading the data set into Kalavar: {e}"));
    let mut passes: BTreeMap<&str, usize> = BTreeMap::new();
    let mut passed = 0;
    let mut failures = Vec::new();
    for case in &corpus.cases {
        let (_, want) = expected
            .iter()
            .find(|(n, _)| *n == case.name)
            .unwrap_or_else(|| panic!("no PostgreSQL answer for {}", case.name));
        let outcome = kalavar.run(case).and_then(|got| want.compare(&got));
        let gap = KNOWN_GAPS.iter().find(|(n, _)| *n == case.name);
        match (outcome, gap) {
            (Ok(()), None) => {
                passed += 1;
                for t in &case.tags {
                    *passes.entry(t.as_str()).or_insert(0) += 1;
                }
            }
            (Ok(()), Some(_)) => {
                failures.push(format!("{} passes now: take it off KNOWN_GAPS", case.name))
            }
            (Err(e), None) => failures.push(format!(
                "{} (cases.sql line {}):\n{}\n  {e}",
                case.name,
                case.line,
                case.statements.join(";\n")
            )),
            (Err(_), Some(_)) => {}
        }
    }
    let summary: Vec<String> = CONSTRUCTS
        .iter()
        .map(|c| format!("{c} {}", passes.get(c).copied().unwrap_or(0)))
        .collect();
    eprintln!(
        "SQL differential: {passed} of {} cases give PostgreSQL's rows on Kalavar \
         ({} known gaps); passing cases per construct: {}",
        corpus.cases.len(),
        KNOWN_GAPS.len(),
        summary.join(", ")
    );
    for (name, why) in KNOWN_GAPS {
        eprintln!("known gap: {name}: {why}");
    }
    assert!(
        failures.is_empty(),
        "{} differential cases fail:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    let short: Vec<String> = CONSTRUCTS
        .iter()
        .filter(|c| passes.get(**c).copied().unwrap_or(0) < MIN_CASES_PER_CONSTRUCT)
        .map(|c| c.to_string())
        .collect();
    assert!(
        short.is_empty(),
        "constructs with fewer than {MIN_CASES_PER_CONSTRUCT} passing cases: {}",
        short.join(", ")
    );
}
