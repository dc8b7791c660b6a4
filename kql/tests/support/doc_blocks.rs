//! The language reference (`docs/kql.md`) and its ```` ```kql ```` blocks, for the
//! tests that check the reference against the parser (`kql/tests/docs.rs`) and the
//! compiler (`compiler/tests/doc_examples.rs`, which includes this file by path).

use std::path::Path;

/// The text of `docs/kql.md` (both crates sit one level below the repository root).
pub fn reference() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/kql.md");
    std::fs::read_to_string(path).unwrap()
}

/// Each ```` ```kql ```` block of `doc` with the line its text starts on.
pub fn kql_blocks(doc: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (i, line) in doc.lines().enumerate() {
        let fence = line.trim_start();
        current = match current {
            None if fence == "```kql" => Some((i + 1, String::new())),
            Some(block) if fence == "```" => {
                blocks.push(block);
                None
            }
            Some((start, mut text)) => {
                text.push_str(line);
                text.push('\n');
                Some((start, text))
            }
            None => None,
        };
    }
    blocks
}
