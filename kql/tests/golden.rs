//! Golden tests over one corpus: every `tests/corpus/*.kql` file is lexed, parsed
//! and printed, and the tokens, the tree and the canonical text are compared with
//! `tests/corpus/*.golden`; the printed text must parse back to the same tree.
//! Every `tests/errors/*.kql` file must fail, and its rendered diagnostics are
//! compared with `tests/errors/*.golden`. `UPDATE_GOLDEN=1 cargo test -p kql
//! --test golden` regenerates the files; review the diff.

mod support;

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "kql"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no .kql files in {}", dir.display());
    files
}

#[test]
fn corpus() {
    for path in files("corpus") {
        let src = std::fs::read_to_string(&path).unwrap();
        let script = kql::parse(&src).unwrap_or_else(|d| {
            panic!(
                "{} does not parse:\n{}",
                path.display(),
                d.render("corpus", &src)
            )
        });
        let printed = kql::format_script(&script);
        let again = kql::parse(&printed).unwrap_or_else(|d| {
            panic!(
                "printed {} does not parse:\n{}",
                path.display(),
                d.render("printed", &printed)
            )
        });
        assert_eq!(
            again.without_spans(),
            script.without_spans(),
            "{} round trip",
            path.display()
        );
        assert_eq!(
            kql::format_script(&again),
            printed,
            "{}: printing is not stable",
            path.display()
        );

        let mut out = String::from("=== tokens\n");
        out.push_str(&support::token_listing(&src));
        out.push_str("=== ast\n");
        for s in &script.statements {
            let _ = writeln!(
                out,
                "{}..{} {}",
                s.span.start,
                s.span.end,
                support::statement_tree(s)
            );
        }
        out.push_str("=== canonical\n");
        out.push_str(&printed);
        support::check_golden(&path.with_extension("golden"), &out);
    }
}

#[test]
fn errors() {
    for path in files("errors") {
        let src = std::fs::read_to_string(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let diags = match kql::parse(&src) {
            Ok(_) => panic!("{} parsed, but it is in the errors corpus", path.display()),
            Err(d) => d,
        };
        let mut out = String::new();
        for d in &diags {
            assert!(
                d.span.end as usize <= src.len(),
                "{name}: span out of bounds"
            );
            let _ = writeln!(out, "{d}");
        }
        out.push_str("---\n");
        out.push_str(&diags.render(&name, &src));
        support::check_golden(&path.with_extension("golden"), &out);
    }
}
