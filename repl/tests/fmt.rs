//! `kalavar fmt` as a user runs it: the real binary, with input from an argument,
//! a file and stdin; errors on stderr with a non-zero status.

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
fn formats_an_argument() {
    let out = kalavar(&["fmt", "FROM chat.messages|WHERE id==7|TAKE 1"], None);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout),
        "from chat.messages | where id == 7 | take 1\n"
    );
}

#[test]
fn formats_a_file_with_several_statements() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.kql");
    std::fs::write(&path, "create namespace chat ; from t|take 1 # comment\n").unwrap();
    let out = kalavar(&["fmt", "--file", path.to_str().unwrap()], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "create namespace chat;\nfrom t | take 1\n"
    );
}

#[test]
fn formats_stdin_and_breaks_long_pipelines() {
    let src = b"from chat.messages | where conversation_id == 1 && created_at > ago(1h) | sort created_at desc | take 20";
    let out = kalavar(&["fmt"], Some(src));
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout),
        "from chat.messages\n| where conversation_id == 1 and created_at > ago(1h)\n| sort created_at desc\n| take 20\n"
    );
}

#[test]
fn reports_errors_on_stderr_and_fails() {
    let out = kalavar(&["fmt", "--color", "false", "from t | where x =="], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(err.contains("K021"), "{err}");
    assert!(
        err.contains("expected an expression after `==`, found end of input"),
        "{err}"
    );
    assert!(err.contains("from t | where x =="), "{err}");
}

#[test]
fn rejects_invalid_utf8() {
    let out = kalavar(
        &["fmt", "--color", "false"],
        Some(b"from t | where s == \"\xff\""),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("K002"));
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let out = kalavar(&["fmt", "--file", "/nonexistent/q.kql"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read"));
}
