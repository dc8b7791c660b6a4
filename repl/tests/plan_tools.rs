//! `kalavar explain` and `kalavar inspect` as a user runs them: compile with a
//! catalog file, write a plan, inspect it, and see a tampered plan refused.

use std::path::PathBuf;
use std::process::Command;

fn kalavar() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kalavar"))
}

fn catalog() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../compiler/tests/corpus/catalog.json")
}

#[test]
fn explain_emit_then_inspect() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("q.kqlp");
    let out = kalavar()
        .args([
            "explain",
            "from chat.messages | where id == $id | select content",
            "--catalog",
        ])
        .arg(catalog())
        .arg("--emit")
        .arg(&plan)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("Seek chat.messages [content] key ($p0)"),
        "{text}"
    );
    assert!(text.contains("SeekKey"), "{text}");
    assert!(text.contains("param p0: $id int64"), "{text}");

    let out = kalavar()
        .arg("inspect")
        .arg(&plan)
        .arg("--catalog")
        .arg(catalog())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("-- verified"), "{text}");
    assert!(text.contains("SeekKey"), "{text}");

    let out = kalavar()
        .arg("inspect")
        .arg(&plan)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["verified"], true);
    assert_eq!(json["plan"]["listing"][0]["opcode"], "SeekKey");

    let out = kalavar()
        .arg("inspect")
        .arg(&plan)
        .args(["--format", "dot"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("digraph plan {"));
}

#[test]
fn inspect_refuses_a_tampered_plan_and_names_the_instruction() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("q.kqlp");
    let out = kalavar()
        .args(["explain", "from staging.rows | select content", "--catalog"])
        .arg(catalog())
        .arg("--emit")
        .arg(&plan)
        .output()
        .unwrap();
    assert!(out.status.success());
    // A plain user may not read the private table.
    let out = kalavar()
        .arg("inspect")
        .arg(&plan)
        .arg("--catalog")
        .arg(catalog())
        .args(["--user", "alice", "--role", "user"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("V015") && err.contains("at 0 (OpenScan)"),
        "{err}"
    );
    // Cut the last byte: a decoding error with its offset.
    let mut bytes = std::fs::read(&plan).unwrap();
    bytes.pop();
    std::fs::write(&plan, &bytes).unwrap();
    let out = kalavar().arg("inspect").arg(&plan).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("C001"));
}

#[test]
fn explain_reports_binder_errors_with_a_caret() {
    let out = kalavar()
        .args([
            "explain",
            "from chat.messages | where titel == 1",
            "--catalog",
        ])
        .arg(catalog())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("B002") && err.contains("did you mean `title`?"),
        "{err}"
    );
}
