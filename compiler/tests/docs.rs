//! `docs/bytecode.md` holds generated sections (opcodes, functions, verifier rules,
//! error codes, system tables) taken from the code; this test fails when they drift.
//! `KALAVAR_UPDATE_DOCS=1 cargo test -p kql-compiler --test docs` rewrites them.

use kql_compiler::bytecode::reference::regenerate;

#[test]
fn bytecode_doc_is_in_sync_with_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/bytecode.md");
    let doc = std::fs::read_to_string(path).expect("docs/bytecode.md exists");
    let fresh = regenerate(&doc).expect("the doc has every generated section");
    if std::env::var_os("KALAVAR_UPDATE_DOCS").is_some() {
        std::fs::write(path, &fresh).expect("write docs/bytecode.md");
        return;
    }
    assert!(
        fresh == doc,
        "docs/bytecode.md is out of date: run KALAVAR_UPDATE_DOCS=1 cargo test -p kql-compiler --test docs"
    );
}
