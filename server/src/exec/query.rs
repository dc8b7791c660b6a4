//! Query text compiled on the server. A script may hold several statements; each is
//! compiled just before it runs, against the catalog as it is then — so `create
//! table t …; insert into t …` works in one script. `let` names carry over: a
//! statement is compiled from the script's text up to its end with the other
//! statements before it blanked out (so spans still point into the original text),
//! or, in a script without `let`, from its own text.

use kql::ast::StatementKind;
use kql_compiler::bytecode::Program;
use kql_compiler::identity::Caller;
use kql_compiler::{CompileError, CompileOptions, compile};

use crate::db::Database;
use crate::vm::Who;
use crate::vm::error::{ExecError, Result, Span};

/// A parsed script.
#[derive(Debug)]
pub struct Script {
    text: String,
    /// Span and whether it is a `let`, per statement.
    statements: Vec<(kql::ast::Span, bool)>,
    has_lets: bool,
}

fn diagnostic_error(d: &kql::Diagnostic, offset: u32) -> ExecError {
    let mut message = d.message.clone();
    if let Some(h) = &d.hint {
        message.push_str(&format!(" (hint: {h})"));
    }
    ExecError {
        code: d.code,
        message,
        span: Some(Span {
            start: d.span.start + offset,
            end: d.span.end + offset,
        }),
    }
}

/// A compile error as an execution error with its code and span.
pub fn compile_error(e: &CompileError, offset: u32) -> ExecError {
    match e {
        CompileError::Parse(ds) => match ds.iter().next() {
            Some(d) => diagnostic_error(d, offset),
            None => ExecError::with_code("K001", "the statement does not parse"),
        },
        CompileError::Bind(b) => diagnostic_error(&b.to_diagnostic(), offset),
    }
}

impl Script {
    pub fn parse(text: &str) -> Result<Script> {
        let script = kql::parse(text).map_err(|d| compile_error(&CompileError::Parse(d), 0))?;
        let statements: Vec<(kql::ast::Span, bool)> = script
            .statements
            .iter()
            .map(|s| (s.span, matches!(s.kind, StatementKind::Let { .. })))
            .collect();
        Ok(Script {
            has_lets: statements.iter().any(|(_, l)| *l),
            text: text.to_owned(),
            statements,
        })
    }

    /// Statements that produce a program (not `let`s).
    pub fn runnable(&self) -> Vec<usize> {
        (0..self.statements.len())
            .filter(|i| !self.statements[*i].1)
            .collect()
    }

    /// The text of statement `i`.
    pub fn text_of(&self, i: usize) -> &str {
        let (span, _) = self.statements[i];
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or_default()
    }

    /// Compiles statement `i` against the catalog of `who`'s role as it is now.
    pub fn compile(&self, i: usize, db: &Database, who: &Who) -> Result<Program> {
        let views = db.views()?;
        let catalog = views.for_role(who.role);
        let caller = Caller::new(who.user.clone(), who.role);
        let opts = CompileOptions {
            caller: Some(&caller),
            ..CompileOptions::new(catalog)
        };
        let (span, _) = self.statements[i];
        let (source, offset) = if self.has_lets {
            let mut s: Vec<u8> = self.text.as_bytes()[..span.end as usize].to_vec();
            for (j, (other, is_let)) in self.statements[..i].iter().enumerate() {
                if !*is_let && j != i {
                    for b in &mut s[other.start as usize..other.end as usize] {
                        if *b != b'\n' {
                            *b = b' ';
                        }
                    }
                }
            }
            // Blanking whole statements keeps the text valid UTF-8.
            (String::from_utf8_lossy(&s).into_owned(), 0)
        } else {
            (self.text_of(i).to_owned(), span.start)
        };
        let compiled = compile(&source, opts).map_err(|e| compile_error(&e, offset))?;
        compiled
            .into_iter()
            .last()
            .map(|c| c.program)
            .ok_or_else(|| ExecError::internal("a statement compiled to no program"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_split_into_statements_and_errors_point_into_the_text() {
        let s = Script::parse("let a = from t; from a | take 1;  from b").unwrap();
        assert_eq!(s.runnable(), vec![1, 2]);
        assert_eq!(s.text_of(2), "from b");
        let err = Script::parse("from t | where").unwrap_err();
        assert!(err.code.starts_with('K'), "{err}");
        assert!(err.span.is_some());
    }
}
