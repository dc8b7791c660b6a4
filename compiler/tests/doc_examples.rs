//! docs/kql.md stays true beyond syntax: every statement of its `kql` blocks binds and
//! compiles against a catalog holding the tables the examples use
//! (`corpus/docs_catalog.json`), and every function the reference lists exists.
//! (`kql/tests/docs.rs` checks that the same blocks parse and round-trip.)

use kql_compiler::catalog::Catalog;
use kql_compiler::{CompileOptions, compile};

#[path = "../../kql/tests/support/doc_blocks.rs"]
mod doc_blocks;

use doc_blocks::{kql_blocks, reference};

#[test]
fn every_example_statement_compiles() {
    // The catalog as the examples expect it, then as DDL examples expect it before
    // they run: without the column `add column` adds, without tables, without
    // namespaces. A statement passes if it compiles against one of them.
    let json = include_str!("corpus/docs_catalog.json");
    let edited = r#",
        {"id": 6, "name": "edited", "type": "bool", "default": "false"}"#;
    assert!(json.contains(edited));
    let no_tables = format!("{}[]}}", &json[..json.find("\"tables\"").unwrap() + 10]);
    let catalogs = [
        Catalog::from_json(json).unwrap(),
        Catalog::from_json(&json.replace(edited, "")).unwrap(),
        Catalog::from_json(&no_tables).unwrap(),
        Catalog::empty(),
    ];
    let doc = reference();
    let blocks = kql_blocks(&doc);
    assert!(blocks.len() >= 15, "found only {} examples", blocks.len());
    let mut failures = Vec::new();
    for (line, text) in blocks {
        let script = kql::parse(&text).unwrap();
        // Statements are compiled one at a time (a `let` with what follows it), as
        // DDL in a block does not change the catalog the next statement sees.
        let mut lets = String::new();
        for st in &script.statements {
            let piece = &text[st.span.range()];
            if matches!(st.kind, kql::ast::StatementKind::Let { .. }) {
                lets.push_str(piece);
                lets.push_str(";\n");
                continue;
            }
            let source = format!("{lets}{piece}");
            let result = compile(&source, CompileOptions::new(&catalogs[0]));
            let ok = result.is_ok()
                || catalogs[1..]
                    .iter()
                    .any(|c| compile(&source, CompileOptions::new(c)).is_ok());
            if let (false, Err(e)) = (ok, result) {
                failures.push(format!(
                    "docs/kql.md block at line {line}:\n{}",
                    e.render("docs/kql.md", &source, false)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The words of the "The functions are …" sentence of docs/kql.md.
fn documented_functions(doc: &str) -> Vec<String> {
    let start = doc.find("The functions are").expect("the function list");
    let rest = &doc[start..];
    let end = rest
        .find("(docs/bytecode.md")
        .expect("end of the function list");
    rest[..end]
        .split('`')
        .skip(1)
        .step_by(2)
        .flat_map(|names| names.split_whitespace())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_documented_function_exists_and_every_function_is_documented() {
    let catalog = Catalog::from_json(include_str!("corpus/docs_catalog.json")).unwrap();
    let doc = reference();
    let listed = documented_functions(&doc);
    assert!(listed.len() >= 30, "found only {listed:?}");
    for name in &listed {
        // Called with no arguments: anything but "unknown function" shows it exists.
        let text = format!("from t | select v = {name}()");
        if let Err(e) = compile(&text, CompileOptions::new(&catalog)) {
            assert!(
                !e.codes().contains(&"B004"),
                "docs/kql.md lists `{name}`, which does not exist:\n{}",
                e.render("q", &text, false)
            );
        }
    }
    for f in kql_compiler::bytecode::Func::ALL {
        assert!(
            listed.iter().any(|n| n == f.name()),
            "function `{}` is missing from docs/kql.md's list",
            f.name()
        );
    }
}

#[test]
fn compiler_limits_are_documented_and_reported_before_the_server() {
    use kql_compiler::binder::{MAX_NAME_CHARS, MAX_STAGES};
    use kql_compiler::bytecode::{MAX_CELLS, MAX_NODES};
    assert_eq!(MAX_CELLS, 1_048_576);
    let doc = reference();
    for row in [
        format!("| {MAX_STAGES} (`kql_compiler::binder::MAX_STAGES`) | B017 |"),
        format!("| {MAX_NODES} (`kql_compiler::bytecode::MAX_NODES`) | B017 |"),
        format!("| {} (the list, the value tested", MAX_NODES - 2),
        "| 1,048,576 (`kql_compiler::bytecode::MAX_CELLS`)".to_owned(),
        format!("| 1–{MAX_NAME_CHARS} characters, no control characters"),
    ] {
        assert!(doc.contains(&row), "docs/kql.md lacks `{row}`");
    }
    let catalog = Catalog::from_json(include_str!("corpus/docs_catalog.json")).unwrap();
    let list = |n: usize| {
        let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        format!("from t | where n in [{}]", items.join(", "))
    };
    // The longest list compiles into a plan the server's decoder accepts.
    let ok = compile(&list(MAX_NODES - 2), CompileOptions::new(&catalog)).unwrap();
    let bytes = ok[0].program.encode();
    kql_compiler::bytecode::Program::decode(&bytes).unwrap();
    let text = list(MAX_NODES - 1);
    let e = compile(&text, CompileOptions::new(&catalog)).unwrap_err();
    assert_eq!(e.codes(), ["B017"]);
    let shown = e.render("q", &text, false);
    assert!(
        shown.contains("`in` list of 4095 values; at most 4094"),
        "{shown}"
    );
    assert!(shown.contains("join"), "{shown}");
    // Thousands of inline rows are one instruction (past the 4,096 items of an
    // operand list), and decode; past the server's default of 65,536 distinct
    // constants, the compiler says so before the verifier would.
    let rows = |from: usize, n: usize| {
        let r: Vec<String> = (from..from + n)
            .map(|i| format!("{{id: {i}, total: 1}}"))
            .collect();
        format!("insert into orders {}", r.join(", "))
    };
    let ok = compile(&rows(0, 30_000), CompileOptions::new(&catalog)).unwrap();
    kql_compiler::bytecode::Program::decode(&ok[0].program.encode()).unwrap();
    let text = rows(0, 70_000);
    let e = compile(&text, CompileOptions::new(&catalog)).unwrap_err();
    assert_eq!(e.codes(), ["B017"]);
    let shown = e.render("q", &text[..200], false);
    assert!(
        shown.contains("70000 distinct constant values; a server accepts at most 65536"),
        "{shown}"
    );
    // Any other expression past the limit: the compiler says so, not the decoder.
    let args = vec!["s"; MAX_NODES + 10].join(", ");
    let text = format!("from t | select v = concat({args})");
    let e = compile(&text, CompileOptions::new(&catalog)).unwrap_err();
    assert_eq!(e.codes(), ["B017"]);
    let shown = e.render("q", &text, false);
    assert!(shown.contains("at most 4096"), "{shown}");
}
