//! Golden snapshots over the statement corpus: for each statement of
//! `tests/corpus/statements.kql`, the plan tree as bound, the optimized tree and the
//! bytecode listing; for each of `tests/corpus/errors.kql`, the rendered error. A
//! change in binding, optimization or code generation shows up as a reviewable diff
//! (`cargo insta review`, or `INSTA_UPDATE=always`).
//!
//! Every compiled program must also pass the verifier, decode to itself, and list the
//! same after a round trip through bytes.

use kql_compiler::bytecode::{Program, VerifyContext, disasm, verify};
use kql_compiler::catalog::Catalog;
use kql_compiler::{CompileOptions, compile};

fn catalog() -> Catalog {
    Catalog::from_json(include_str!("corpus/catalog.json")).expect("corpus catalog")
}

/// `(name, text)` chunks separated by `#> name` lines.
fn chunks(corpus: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in corpus.lines() {
        if let Some(name) = line.strip_prefix("#> ") {
            out.push((name.trim().to_owned(), String::new()));
        } else if let Some((_, text)) = out.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    out.into_iter()
        .map(|(n, t)| (n, t.trim().to_owned()))
        .collect()
}

#[test]
fn statements_compile_verify_and_list() {
    let catalog = catalog();
    let corpus = chunks(include_str!("corpus/statements.kql"));
    assert!(corpus.len() >= 40, "the corpus shrank to {}", corpus.len());
    for (name, text) in corpus {
        let opts = CompileOptions {
            keep_bound: true,
            ..CompileOptions::new(&catalog)
        };
        let compiled = compile(&text, opts).unwrap_or_else(|e| {
            panic!(
                "{name} does not compile:\n{}",
                e.render(&name, &text, false)
            )
        });
        let last = compiled
            .last()
            .unwrap_or_else(|| panic!("{name} produced no program"));
        let bytes = last.program.encode();
        let decoded = Program::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(decoded, last.program, "{name}: decode(encode(p)) != p");
        verify(decoded, &VerifyContext::offline(&catalog)).unwrap_or_else(|e| {
            panic!(
                "{name}: the emitted plan does not verify: {e}\n{}",
                disasm::to_text(&last.program)
            )
        });
        let out = format!(
            "{text}\n\n-- bound\n{}\n-- optimized\n{}\n-- listing\n{}",
            last.bound.as_ref().expect("kept").tree(),
            last.optimized.tree(),
            disasm::to_text(&last.program)
        );
        insta::assert_snapshot!(format!("plan_{name}"), out);
    }
}

#[test]
fn errors_are_rendered_with_codes_and_hints() {
    let catalog = catalog();
    for (name, text) in chunks(include_str!("corpus/errors.kql")) {
        let err = match compile(&text, CompileOptions::new(&catalog)) {
            Ok(_) => panic!("{name} compiled but should not"),
            Err(e) => e,
        };
        insta::assert_snapshot!(
            format!("error_{name}"),
            format!("{text}\n\n{}", err.render(&name, &text, false))
        );
    }
}
