//! Compiling a script on the client, one statement at a time. The compiler's own
//! `compile` binds a whole script against one catalog snapshot; a client must instead
//! recompile a statement after an earlier one changed the schema (`create table t …;
//! insert into t …`) or after the server called its plan stale. So each statement is
//! bound here by a fresh [`Binder`] over the current snapshot, after the `let`s that
//! precede it, and spans stay offsets into the whole script.

use kql::ast::{Script, StatementKind};
use kql_compiler::binder::Binder;
use kql_compiler::bytecode::Program;
use kql_compiler::catalog::Catalog;
use kql_compiler::emit::emit_shared;
use kql_compiler::identity::Caller;
use kql_compiler::optimizer::optimize;
use kql_compiler::{CompileError, Compiled};
use std::sync::Arc;

/// A parsed script and the text it came from.
#[derive(Debug, Clone)]
pub struct ParsedScript {
    pub text: String,
    pub script: Script,
}

impl ParsedScript {
    pub fn parse(text: &str) -> Result<Self, CompileError> {
        let script = kql::parse(text).map_err(CompileError::Parse)?;
        Ok(Self {
            text: text.to_owned(),
            script,
        })
    }

    /// Indexes of the statements that produce a program (every one but `let`).
    pub fn runnable(&self) -> impl Iterator<Item = usize> + '_ {
        self.script
            .statements
            .iter()
            .enumerate()
            .filter(|(_, s)| !matches!(s.kind, StatementKind::Let { .. }))
            .map(|(i, _)| i)
    }

    /// The text of statement `index`.
    pub fn statement_text(&self, index: usize) -> &str {
        let span = self.script.statements[index].span;
        self.text.get(span.range()).unwrap_or_default()
    }

    /// Whether statement `index` changes the schema (the catalog must be refetched
    /// after it runs).
    pub fn changes_schema(&self, index: usize) -> bool {
        matches!(
            self.script.statements[index].kind,
            StatementKind::CreateNamespace { .. }
                | StatementKind::CreateTable(_)
                | StatementKind::AlterTable { .. }
                | StatementKind::DropTable { .. }
                | StatementKind::DropNamespace { .. }
        )
    }

    /// Whether statement `index` is a `subscribe`.
    pub fn is_subscribe(&self, index: usize) -> bool {
        matches!(
            self.script.statements[index].kind,
            StatementKind::Subscribe { .. }
        )
    }

    /// Compiles statement `index` against `catalog`, after binding the `let`s before
    /// it. `index` must not be a `let`.
    pub fn compile(
        &self,
        index: usize,
        catalog: &Catalog,
        caller: &Caller,
    ) -> Result<Compiled, CompileError> {
        let mut binder = Binder::new(catalog, Some(caller), &self.text);
        for earlier in &self.script.statements[..index] {
            if matches!(earlier.kind, StatementKind::Let { .. }) {
                binder.bind(earlier).map_err(CompileError::Bind)?;
            }
        }
        let (bound, params) = binder
            .bind(&self.script.statements[index])
            .map_err(CompileError::Bind)?;
        let text: Arc<str> = Arc::from(self.statement_text(index));
        let optimized = optimize(bound);
        let program: Program = emit_shared(&optimized, &params, Some(text.clone()));
        // Limits the binder cannot see (sizes after optimization), said in words with a
        // caret here rather than as the server decoder's refusal.
        kql_compiler::compile::check_plan_limits(&program, self.script.statements[index].span)
            .map_err(CompileError::Bind)?;
        Ok(Compiled {
            text,
            bound: None,
            optimized,
            program,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kql_compiler::identity::Role;

    #[test]
    fn lets_carry_over_and_spans_stay_in_the_script() {
        let script = ParsedScript::parse(
            "let r = from [{a: 1}, {a: 2}]; from r | where a > 1; from nowhere",
        )
        .unwrap();
        let caller = Caller::new("alice", Role::User);
        let runnable: Vec<usize> = script.runnable().collect();
        assert_eq!(runnable, vec![1, 2]);
        let c = script.compile(1, &Catalog::empty(), &caller).unwrap();
        assert_eq!(&*c.text, "from r | where a > 1");
        assert!(c.program.flags.read_only());
        let err = script.compile(2, &Catalog::empty(), &caller).unwrap_err();
        let rendered = err.render("query", &script.text, false);
        assert!(rendered.contains("nowhere"), "{rendered}");
        assert!(err.codes()[0].starts_with('B'), "{:?}", err.codes());
    }

    #[test]
    fn ddl_is_recognised() {
        let script = ParsedScript::parse("create namespace n; from system.tables; begin").unwrap();
        assert!(script.changes_schema(0));
        assert!(!script.changes_schema(1));
        assert!(!script.changes_schema(2));
    }
}
