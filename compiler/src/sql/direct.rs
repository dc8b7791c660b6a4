//! Compiling a translation without printing and parsing it again. The translator's
//! tree is exactly the tree its printed KQL parses to, spans aside (the golden
//! tests check this for every corpus statement), so binding it directly gives the
//! same plan; printing is still needed to show the KQL, not to compile it.
//!
//! Spans are where the two differ: translated trees carry empty ones. So a
//! statement that fails to bind, and any definition (the binder keeps the text
//! of a column's `DEFAULT` from the source), goes through [`crate::compile`] on the
//! printed text instead, which gives the same plan or an error located in that
//! text.

use crate::binder::Binder;
use crate::compile::{CompileError, CompileOptions, Compiled, compile, finish};
use kql::ast::{Script, StatementKind};
use std::sync::Arc;

/// Compiles `script`, a translation whose canonical text is `kql`
/// (`kql::format_script(script)`), as [`compile`] compiles `kql`.
pub fn compile_translated(
    script: &Script,
    kql: &str,
    opts: CompileOptions<'_>,
) -> Result<Vec<Compiled>, CompileError> {
    let direct = script.statements.iter().all(|s| {
        matches!(
            s.kind,
            StatementKind::Pipeline(_)
                | StatementKind::Let { .. }
                | StatementKind::Insert(_)
                | StatementKind::Upsert(_)
                | StatementKind::Begin
                | StatementKind::Commit
                | StatementKind::Rollback
        )
    });
    if !direct {
        return compile(kql, opts);
    }
    let mut binder = Binder::new(opts.catalog, opts.caller, kql);
    let mut out = Vec::with_capacity(1);
    let lets = script
        .statements
        .iter()
        .filter(|s| matches!(s.kind, StatementKind::Let { .. }))
        .count();
    for statement in &script.statements {
        let Ok((bound, params)) = binder.bind(statement) else {
            // For an error that points into the text.
            return compile(kql, opts);
        };
        if matches!(statement.kind, StatementKind::Let { .. }) {
            continue;
        }
        // The statement's own text, as `compile` takes it from the source.
        let text = if lets == 0 && script.statements.len() == 1 {
            Arc::from(kql.trim_end())
        } else {
            Arc::from(
                kql::format_script(&Script {
                    statements: vec![statement.clone()],
                })
                .trim_end(),
            )
        };
        match finish(bound, &params, text, &opts, statement.span) {
            Ok(c) => out.push(c),
            // For an error that points into the text.
            Err(_) => return compile(kql, opts),
        }
    }
    Ok(out)
}
