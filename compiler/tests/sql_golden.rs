//! Golden tests of the SQL translator over two corpora. Every statement of
//! `tests/sql/corpus/*.sql` must translate; its KQL is compared with
//! `tests/sql/corpus/*.golden`, must parse back to the same tree, and must print the
//! same way again. Every statement of `tests/sql/errors/*.sql` must fail; its
//! rendered diagnostic is compared with `tests/sql/errors/*.golden`. Each file is
//! translated after `tests/sql/schema.sql`, so the translator knows those tables.
//! `UPDATE_GOLDEN=1 cargo test -p kql-compiler --test sql_golden` regenerates the
//! golden files; review the diff.

use kql_compiler::sql::Translator;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The bars the corpora must clear (issue 7).
const MIN_TRANSLATED: usize = 300;
const MIN_REFUSED: usize = 50;

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/sql")
        .join(name)
}

fn files(name: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir(name))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .sql files in {name}");
    files
}

fn translator() -> Translator {
    let schema = std::fs::read_to_string(dir("schema.sql")).unwrap();
    let mut t = Translator::new();
    for r in t.translate_statements(&schema) {
        if let Err(d) = r {
            panic!("schema.sql: {}", d.render("schema.sql", &schema));
        }
    }
    t
}

fn check_golden(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path)
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

/// The printed KQL parses back to the same tree and prints the same way.
fn round_trip(kql: &str, tree: &kql::ast::Script, what: &str) {
    let again = kql::parse(kql).unwrap_or_else(|d| {
        panic!(
            "{what}: printed KQL does not parse:\n{}",
            d.render("kql", kql)
        )
    });
    assert_eq!(
        again.without_spans(),
        tree.without_spans(),
        "{what}: the printed KQL parses to another tree:\n{kql}"
    );
    assert_eq!(
        kql::format_script(&again),
        kql,
        "{what}: printing is not stable"
    );
}

#[test]
fn corpus() {
    let mut total = 0;
    for path in files("corpus") {
        let src = std::fs::read_to_string(&path).unwrap();
        let mut t = translator();
        let mut out = String::new();
        for (i, r) in t.translate_statements(&src).into_iter().enumerate() {
            let what = format!("{} statement {}", path.display(), i + 1);
            let tr = r.unwrap_or_else(|d| {
                panic!("{what} does not translate:\n{}", d.render("sql", &src))
            });
            let script = kql::ast::Script {
                statements: tr.statements,
            };
            let kql = kql::format_script(&script);
            round_trip(&kql, &script, &what);
            let _ = write!(out, "{}\n---\n{kql}\n", src[tr.span.range()].trim());
            total += 1;
        }
        check_golden(&path.with_extension("golden"), &out);
    }
    assert!(
        total >= MIN_TRANSLATED,
        "the corpus has {total} statements; issue 7 asks for at least {MIN_TRANSLATED}"
    );
}

#[test]
fn errors() {
    let mut total = 0;
    for path in files("errors") {
        let src = std::fs::read_to_string(&path).unwrap();
        let mut t = translator();
        let mut out = String::new();
        for (i, r) in t.translate_statements(&src).into_iter().enumerate() {
            let what = format!("{} statement {}", path.display(), i + 1);
            match r {
                Ok(tr) => panic!(
                    "{what} translates but must fail:\n{}",
                    kql::format_script(&kql::ast::Script {
                        statements: tr.statements
                    })
                ),
                Err(d) => {
                    assert!(d.code.starts_with('Q'), "{what}: code {}", d.code);
                    out.push_str(&d.render("sql", &src));
                    out.push('\n');
                    total += 1;
                }
            }
        }
        check_golden(&path.with_extension("golden"), &out);
    }
    assert!(
        total >= MIN_REFUSED,
        "the error corpus has {total} statements; issue 7 asks for at least {MIN_REFUSED}"
    );
}

/// Every translation compiles: the KQL binds (functions, types, names) against
/// the catalog `schema.sql` builds, as the server would compile it. Statements
/// over tables `schema.sql` does not define (`events`, …) are there to show
/// translation without knowing a table's columns; they translate, and binding
/// them fails only for the unknown table (B001).
#[test]
fn corpus_compiles() {
    use kql_compiler::catalog::Catalog;
    use kql_compiler::sql::{SqlCompileError, SqlSession};
    let schema = std::fs::read_to_string(dir("schema.sql")).unwrap();
    let mut failures = Vec::new();
    let mut unknown_tables = 0;
    for path in files("corpus") {
        let mut session = SqlSession::new(Catalog::empty());
        for r in session.compile(&schema, true) {
            if let Err(e) = r {
                panic!("schema.sql does not compile: {e:?}");
            }
        }
        let src = std::fs::read_to_string(&path).unwrap();
        for (i, r) in session.compile(&src, true).into_iter().enumerate() {
            match r {
                Ok(_) => {}
                Err(SqlCompileError::Translate(d)) => failures.push(format!(
                    "{} statement {}: {}",
                    path.display(),
                    i + 1,
                    d.render("sql", &src)
                )),
                Err(SqlCompileError::Compile { error, .. }) if error.codes() == ["B001"] => {
                    unknown_tables += 1
                }
                Err(SqlCompileError::Compile { kql, error }) => failures.push(format!(
                    "{} statement {}:\n{kql}\n{}",
                    path.display(),
                    i + 1,
                    error.render("kql", &kql, false)
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} corpus statements do not compile:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    assert!(
        unknown_tables <= 3,
        "{unknown_tables} statements over unknown tables"
    );
}

/// `docs/sql.md` lists every error code with its summary.
#[test]
fn docs_list_every_code() {
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/sql.md"))
        .expect("docs/sql.md");
    for (code, summary) in kql_compiler::sql::codes::ALL {
        assert!(
            doc.contains(&format!("| {code} | {summary} |")),
            "docs/sql.md does not list `| {code} | {summary} |`"
        );
    }
}
