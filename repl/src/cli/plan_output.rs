//! What `explain` and `inspect` share: the output formats and the catalog file.

use kql_compiler::catalog::Catalog;
use std::path::Path;

/// How a plan is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The tree and an aligned listing with comments.
    Text,
    /// The header and listing as JSON (operands by name).
    Json,
    /// The control-flow graph in Graphviz DOT.
    Dot,
}

/// The catalog from `--catalog FILE`, or one with only the system tables.
pub fn load_catalog(path: Option<&Path>) -> Result<Catalog, String> {
    match path {
        None => Ok(Catalog::empty()),
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .map_err(|e| format!("cannot read catalog {}: {e}", p.display()))?;
            Catalog::from_json(&text).map_err(|e| format!("{}: {e}", p.display()))
        }
    }
}
