//! `kalavar transpile` and `kalavar explain --sql` as a user runs them: the real
//! binary, SQL from an argument, a file and stdin; errors on stderr with the SQL
//! line and a caret and a non-zero status.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn kalavar(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kalavar"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn translates_an_argument() {
    let out = kalavar(
        &[
            "transpile",
            "SELECT role, count(*) FROM chat.messages WHERE conversation_id = 1 GROUP BY role ORDER BY 2 DESC LIMIT 5",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "from chat.messages\n| where conversation_id == 1\n| aggregate count() by role\n| sort count desc nulls first\n| take 5\n"
    );
}

#[test]
fn translates_a_file_with_ddl_then_uses_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("app.sql");
    std::fs::write(
        &path,
        "CREATE TABLE kv.s (k text PRIMARY KEY, v text);\n\
         -- the translator now knows kv.s\n\
         INSERT INTO kv.s VALUES ('a', 'b') ON CONFLICT (k) DO UPDATE SET v = EXCLUDED.v;\n",
    )
    .unwrap();
    let out = kalavar(&["transpile", "--file", path.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "create table kv.s (k text key, v text);\nupsert into kv.s (k, v) values (\"a\", \"b\")\n"
    );
}

#[test]
fn translates_stdin_with_a_schema_file() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(&schema, "CREATE TABLE shop.t (a int, b text);").unwrap();
    let out = kalavar(
        &["transpile", "--schema", schema.to_str().unwrap()],
        Some(b"SELECT *, a + 1 AS c FROM shop.t"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "from shop.t | select t.a, t.b, c = a + 1\n"
    );
}

#[test]
fn refusals_point_at_the_sql_and_fail() {
    let out = kalavar(
        &[
            "transpile",
            "--color",
            "false",
            "SELECT 1; SELECT name, rank() OVER (ORDER BY age) FROM t",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    // The statement that translates is still printed.
    assert_eq!(text(&out.stdout), "from [{column1: 1}]\n");
    let err = text(&out.stderr);
    assert!(err.contains("[Q011]"), "{err}");
    assert!(
        err.contains("window function `rank(…) OVER (ORDER BY age)`"),
        "{err}"
    );
    assert!(err.contains("<argument>:1:24"), "{err}");
}

#[test]
fn syntax_errors_and_bad_bytes_fail() {
    let out = kalavar(&["transpile", "--color", "false", "SELEC 1"], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("[Q003]"));
    let out = kalavar(&["transpile", "--color", "false"], Some(b"SELECT '\xff'"));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("[Q002]"));
    let out = kalavar(&["transpile", "--file", "/nonexistent/q.sql"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read"));
}

#[test]
fn explain_shows_the_kql_and_the_plan() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("schema.sql");
    std::fs::write(
        &schema,
        "CREATE SCHEMA shop; CREATE TABLE shop.people (id int PRIMARY KEY, name text);",
    )
    .unwrap();
    let out = kalavar(
        &[
            "transpile",
            "--explain",
            "--schema",
            schema.to_str().unwrap(),
            "SELECT name FROM shop.people WHERE id = $1",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("-- kql\nfrom shop.people | where id == $1 | select name\n"),
        "{stdout}"
    );
    assert!(stdout.contains("Seek shop.people"), "{stdout}");
    assert!(stdout.contains("SeekKey"), "{stdout}");
}

#[test]
fn explain_sql_compiles_ddl_before_the_statements_after_it() {
    let out = kalavar(
        &[
            "explain",
            "--sql",
            "CREATE SCHEMA s; CREATE TABLE s.t (k bigint PRIMARY KEY, v text); SELECT v FROM s.t WHERE k > 5 ORDER BY k DESC LIMIT 2",
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("-- kql\ncreate table s.t (k int64 key, v text)\n"),
        "{stdout}"
    );
    assert!(stdout.contains("TopK 2"), "{stdout}");
}

#[test]
fn explain_reports_kql_that_does_not_bind() {
    let out = kalavar(
        &["explain", "--sql", "SELECT nope FROM system.tables"],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("from system.tables | select nope"), "{err}");
    assert!(err.contains("unknown column `nope`"), "{err}");
}
