//! The whole pipeline for text: parse, bind, optimize, emit. Each stage is callable
//! alone; this module only chains them.

use crate::binder::{BindCode, BindError, Binder};
use crate::bytecode::{Insn, Limits, MAX_CELLS, MAX_NODES, ParamDecl, Program};
use crate::catalog::Catalog;
use crate::emit::{emit, emit_shared};
use crate::identity::Caller;
use crate::optimizer::optimize;
use crate::plan::BoundStatement;
use kql::ast::{Span, StatementKind};
use std::sync::Arc;

/// What a compile checks against.
#[derive(Debug, Clone, Copy)]
pub struct CompileOptions<'a> {
    pub catalog: &'a Catalog,
    /// With a caller, permissions known at compile time are checked (`B013`).
    pub caller: Option<&'a Caller>,
    /// Run the optimizer (on by default; off shows the plan as bound).
    pub optimize: bool,
    /// Keep the plan as bound, before optimization, in [`Compiled::bound`] (for
    /// `explain` and tests; off by default since it costs a copy).
    pub keep_bound: bool,
}

impl<'a> CompileOptions<'a> {
    pub fn new(catalog: &'a Catalog) -> Self {
        CompileOptions {
            catalog,
            caller: None,
            optimize: true,
            keep_bound: false,
        }
    }
}

/// A compiled statement.
#[derive(Debug, Clone)]
pub struct Compiled {
    /// The statement's source text (the same allocation as `program.source`).
    pub text: Arc<str>,
    /// The plan tree as bound, before optimization (with `keep_bound`).
    pub bound: Option<BoundStatement>,
    /// The plan tree that was emitted.
    pub optimized: BoundStatement,
    pub program: Program,
}

/// Why text did not compile.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CompileError {
    #[error("{0}")]
    Parse(kql::Diagnostics),
    #[error("{0}")]
    Bind(BindError),
}

impl CompileError {
    /// The stable codes of the errors (`K…` from the parser, `B…` from the binder).
    pub fn codes(&self) -> Vec<&'static str> {
        match self {
            CompileError::Parse(d) => d.codes(),
            CompileError::Bind(b) => vec![b.code.code()],
        }
    }
}

/// Compiles every statement of a script (a `let` defines a name and yields no
/// program).
pub fn compile(source: &str, opts: CompileOptions<'_>) -> Result<Vec<Compiled>, CompileError> {
    let script = kql::parse(source).map_err(CompileError::Parse)?;
    let mut binder = Binder::new(opts.catalog, opts.caller, source);
    let mut out = Vec::with_capacity(script.statements.len());
    for statement in &script.statements {
        let (bound, params) = binder.bind(statement).map_err(CompileError::Bind)?;
        if matches!(statement.kind, StatementKind::Let { .. }) {
            continue;
        }
        let text = Arc::from(source.get(statement.span.range()).unwrap_or_default());
        out.push(finish(bound, &params, text, &opts, statement.span).map_err(CompileError::Bind)?);
    }
    Ok(out)
}

/// The rest of a bound statement's compile: keep the bound tree when asked, optimize,
/// emit, and check the plan against the format's limits the binder cannot see (an
/// expression's size after optimization), so the server's decoder never has to refuse
/// a plan this compiler made. Shared by KQL text (`compile`) and translated SQL trees;
/// `span` is the statement's.
pub(crate) fn finish(
    bound: BoundStatement,
    params: &[ParamDecl],
    text: Arc<str>,
    opts: &CompileOptions<'_>,
    span: Span,
) -> Result<Compiled, BindError> {
    let kept = opts.keep_bound.then(|| bound.clone());
    let optimized = if opts.optimize {
        optimize(bound)
    } else {
        bound
    };
    let program = emit_shared(&optimized, params, Some(text.clone()));
    check_plan_limits(&program, span)?;
    Ok(Compiled {
        text,
        bound: kept,
        optimized,
        program,
    })
}

/// Checks a program against the format's limits and the verifier's default resource
/// limits that the binder cannot see (sizes after optimization and emission), so the
/// server never refuses a plan this compiler made with a message about bytes or
/// counts of internals; `span` is the statement's. Every path that emits a plan
/// should call it ([`compile`] does).
pub fn check_plan_limits(program: &Program, span: Span) -> Result<(), BindError> {
    let at = Span::new(span.start, span.start);
    let too_big = |what: String, hint: &str| {
        Err(BindError::new(BindCode::TooComplex, at, what).hint(hint.to_owned()))
    };
    let split = "split the statement (many rows: several inserts of fewer rows, in one transaction if they must land together)";
    if let Some(n) = program
        .exprs
        .iter()
        .map(|e| e.nodes.len())
        .find(|n| *n > MAX_NODES)
    {
        return too_big(
            format!(
                "an expression of this statement has {n} parts (values, columns and operations); one expression can have at most {MAX_NODES}"
            ),
            "split the statement; for a long list of values, put them in a table and join it",
        );
    }
    let limits = Limits::default();
    let cells: usize = program
        .insns
        .iter()
        .map(|i| match i {
            Insn::Values { cells, .. } => cells.len(),
            _ => 0,
        })
        .sum();
    let nodes: usize = program.exprs.iter().map(|e| e.nodes.len()).sum();
    let checks = [
        (
            cells,
            MAX_CELLS.min(limits.max_value_cells),
            "values written inline",
        ),
        (
            program.constants.len(),
            limits.max_constants,
            "distinct constant values",
        ),
        (
            program.exprs.len(),
            limits.max_exprs,
            "distinct expressions",
        ),
        (nodes, limits.max_nodes, "expression parts in all"),
        (program.insns.len(), limits.max_insns, "plan instructions"),
    ];
    for (n, max, what) in checks {
        if n > max {
            return too_big(
                format!("the statement has {n} {what}; a server accepts at most {max}"),
                split,
            );
        }
    }
    Ok(())
}

/// Compiles the one statement of `source` (after any `let`s) and encodes it.
pub fn compile_to_bytes(source: &str, opts: CompileOptions<'_>) -> Result<Vec<u8>, CompileError> {
    let compiled = compile(source, opts)?;
    let last = compiled
        .last()
        .map(|c| c.program.encode())
        .unwrap_or_else(|| emit(&BoundStatement::Nothing, &[], Some(source)).encode());
    Ok(last)
}

impl BindError {
    /// The error as a front-end diagnostic, so both render the same way.
    pub fn to_diagnostic(&self) -> kql::Diagnostic {
        let d = kql::Diagnostic::new(self.code.code(), self.span, self.message.clone());
        match &self.hint {
            Some(h) => d.with_hint(h.clone()),
            None => d,
        }
    }
}

impl CompileError {
    /// The errors with the source line and a caret under the span.
    pub fn render(&self, source_name: &str, source: &str, color: bool) -> String {
        match self {
            CompileError::Parse(d) => d.render_with(source_name, source, color),
            CompileError::Bind(b) => b.to_diagnostic().render_with(source_name, source, color),
        }
    }
}
