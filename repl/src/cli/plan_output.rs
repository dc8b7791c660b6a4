//! What `explain` and `inspect` share: the output formats and the catalog file.

use kql_compiler::Compiled;
use kql_compiler::bytecode::{VerifyContext, disasm, verify};
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

/// Verifies the compiled plans and prints them in `format`.
pub fn show(compiled: &[Compiled], format: Format, catalog: &Catalog) -> Result<(), String> {
    for c in compiled {
        if let Err(e) = verify(c.program.clone(), &VerifyContext::offline(catalog)) {
            return Err(format!(
                "internal error: the compiled plan does not verify: {e}"
            ));
        }
    }
    match format {
        Format::Text => {
            for (i, c) in compiled.iter().enumerate() {
                if i > 0 {
                    outln!();
                }
                outln!("-- {}", c.text.lines().next().unwrap_or_default());
                outln!("-- plan");
                out!("{}", c.optimized.tree());
                outln!("-- bytecode");
                out!("{}", disasm::to_text(&c.program));
            }
        }
        Format::Json => {
            let items: Vec<serde_json::Value> = compiled
                .iter()
                .map(|c| {
                    serde_json::json!({
                        "statement": &*c.text,
                        "tree": c.optimized.tree().lines().collect::<Vec<_>>(),
                        "plan": serde_json::from_str::<serde_json::Value>(&disasm::to_json(&c.program)).unwrap_or_default(),
                    })
                })
                .collect();
            outln!(
                "{}",
                serde_json::to_string_pretty(&items).unwrap_or_default()
            );
        }
        Format::Dot => {
            for c in compiled {
                out!("{}", disasm::to_dot(&c.program));
            }
        }
    }
    Ok(())
}
