//! The language reference stays true: every `kql` block of docs/kql.md parses and
//! round-trips, every diagnostic code and reserved word is listed there, and the
//! documented limits are the ones in `kql::limits`.

use kql::lexer::Keyword;

#[path = "support/doc_blocks.rs"]
mod doc_blocks;

use doc_blocks::{kql_blocks, reference};

#[test]
fn every_example_parses_and_round_trips() {
    let doc = reference();
    let blocks = kql_blocks(&doc);
    assert!(blocks.len() >= 15, "found only {} examples", blocks.len());
    for (line, text) in blocks {
        let script = kql::parse(&text).unwrap_or_else(|d| {
            panic!(
                "docs/kql.md line {line}:\n{}",
                d.render("docs/kql.md", &text)
            )
        });
        let printed = kql::format_script(&script);
        let again = kql::parse(&printed).unwrap();
        assert_eq!(
            again.without_spans(),
            script.without_spans(),
            "docs/kql.md line {line}"
        );
    }
}

#[test]
fn every_code_is_documented() {
    let doc = reference();
    for (code, _) in kql::codes::ALL {
        assert!(
            doc.contains(&format!("| {code} |")),
            "{code} is missing from docs/kql.md"
        );
    }
}

#[test]
fn reserved_words_are_documented() {
    let doc = reference();
    let section = doc.split("| word | why it is reserved |").nth(1).unwrap();
    // The first cell of each row of the reserved-word table.
    let table: String = section
        .lines()
        .skip(2)
        .take_while(|l| l.trim_start().starts_with('|'))
        .filter_map(|l| l.split('|').nth(1))
        .collect();
    for k in Keyword::ALL.iter().filter(|k| k.is_reserved()) {
        assert!(
            table.contains(&format!("`{k}`")),
            "reserved word {k} missing from docs/kql.md"
        );
    }
    for k in Keyword::ALL.iter().filter(|k| !k.is_reserved()) {
        assert!(
            !table.contains(&format!("`{k}`")),
            "{k} is not reserved but documented as such"
        );
    }
}

#[test]
fn limits_are_documented() {
    let doc = reference();
    assert!(doc.contains(&format!(
        "{} MiB (`kql::limits::MAX_INPUT_BYTES`)",
        kql::limits::MAX_INPUT_BYTES >> 20
    )));
    assert!(doc.contains(&format!("{} (`MAX_NESTING`)", kql::limits::MAX_NESTING)));
    assert!(doc.contains(&format!(
        "{} (`MAX_EXPR_DEPTH`)",
        kql::limits::MAX_EXPR_DEPTH
    )));
    assert!(doc.contains(&format!(
        "{} (`MAX_DIAGNOSTICS`)",
        kql::limits::MAX_DIAGNOSTICS
    )));
}
