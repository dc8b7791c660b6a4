//! Keeps translated trees within the KQL front end's limits, so that printed KQL
//! always parses back: every expression node and every bracketed sub-pipeline
//! counts one level, which bounds both the expression depth (`MAX_EXPR_DEPTH`) and
//! the brackets open at once (`MAX_NESTING`) of the printed text.

use kql::ast::*;

/// The deepest translated statement allowed (one under KQL's bracket limit: a
/// printed node opens at most one bracket, and a negative literal under a cast one
/// more).
pub const MAX_KQL_DEPTH: usize = kql::limits::MAX_NESTING - 1;

pub(crate) fn statement_depth(s: &Statement) -> usize {
    match &s.kind {
        StatementKind::Pipeline(p) | StatementKind::Let { pipeline: p, .. } => pipeline_depth(p),
        StatementKind::Insert(v) | StatementKind::Upsert(v) => match &v.rows {
            InsertRows::Records(rows) => rows_depth(rows),
            InsertRows::Values { rows, .. } => {
                1 + rows
                    .iter()
                    .flat_map(|r| r.iter().map(expr_depth))
                    .max()
                    .unwrap_or(0)
            }
        },
        StatementKind::CreateTable(t) => {
            1 + t
                .columns
                .iter()
                .filter_map(|c| c.default.as_ref().map(expr_depth))
                .chain(t.options.iter().map(|o| expr_depth(&o.value)))
                .max()
                .unwrap_or(0)
        }
        StatementKind::Explain { statement, .. } => statement_depth(statement),
        _ => 0,
    }
}

fn rows_depth(rows: &[Vec<RecordField>]) -> usize {
    2 + rows
        .iter()
        .flat_map(|r| r.iter().map(|f| expr_depth(&f.value)))
        .max()
        .unwrap_or(0)
}

fn source_depth(s: &Source) -> usize {
    match &s.kind {
        SourceKind::Table(_) => 0,
        SourceKind::Pipeline(p) => 1 + pipeline_depth(p),
        SourceKind::Rows(rows) => rows_depth(rows),
    }
}

fn pipeline_depth(p: &Pipeline) -> usize {
    let stages = p.stages.iter().map(|s| match &s.kind {
        StageKind::Where(e) | StageKind::Take(e) | StageKind::Skip(e) => expr_depth(e),
        StageKind::Select(ps) | StageKind::Distinct(ps) => {
            ps.iter().map(|p| expr_depth(&p.expr)).max().unwrap_or(0)
        }
        StageKind::Extend(a) => a.iter().map(|a| expr_depth(&a.value)).max().unwrap_or(0),
        StageKind::Aggregate { aggregates, by } => aggregates
            .iter()
            .chain(by)
            .map(|p| expr_depth(&p.expr))
            .max()
            .unwrap_or(0),
        StageKind::Sort(keys) => keys.iter().map(|k| expr_depth(&k.expr)).max().unwrap_or(0),
        StageKind::Join { right, on, .. } => source_depth(right).max(expr_depth(on)),
        StageKind::Union(s) => source_depth(s),
    });
    let sink = match p.sink.as_ref().map(|s| &s.kind) {
        Some(SinkKind::Update(a)) => a.iter().map(|a| expr_depth(&a.value)).max().unwrap_or(0),
        _ => 0,
    };
    stages
        .chain([source_depth(&p.source), sink])
        .max()
        .unwrap_or(0)
}

pub(crate) fn expr_depth(e: &Expr) -> usize {
    1 + match &e.kind {
        ExprKind::Literal(_) | ExprKind::Column(_) | ExprKind::Param(_) => 1,
        ExprKind::Unary { operand, .. } => expr_depth(operand),
        ExprKind::Binary { lhs, rhs, .. } => expr_depth(lhs).max(expr_depth(rhs)),
        ExprKind::Call { args, .. } | ExprKind::List(args) => {
            args.iter().map(expr_depth).max().unwrap_or(0)
        }
        ExprKind::InList { expr, list, .. } => list
            .iter()
            .map(expr_depth)
            .max()
            .unwrap_or(0)
            .max(expr_depth(expr)),
        ExprKind::Between {
            expr, low, high, ..
        } => expr_depth(expr).max(expr_depth(low)).max(expr_depth(high)),
        ExprKind::Cast { expr, .. } => expr_depth(expr),
        ExprKind::Record(fields) => fields
            .iter()
            .map(|f| expr_depth(&f.value))
            .max()
            .unwrap_or(0),
    }
}
