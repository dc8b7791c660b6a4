//! Rewriting translated expressions: replacing the subtrees that equal a
//! `GROUP BY` key or an aggregate output by a reference to that column. The
//! arguments of aggregates are left alone: they read the rows before grouping.

use super::function::KQL_AGGREGATES;
use kql::ast::{Expr, ExprKind, RecordField};

/// `e` with every subtree for which `find` gives a replacement replaced, not
/// looking inside aggregate calls.
pub(crate) fn replace(e: &Expr, find: &dyn Fn(&Expr) -> Option<Expr>) -> Expr {
    if let Some(r) = find(e) {
        return r;
    }
    let go = |x: &Expr| replace(x, find);
    let kind = match &e.kind {
        ExprKind::Call { name, .. } if KQL_AGGREGATES.contains(&name.name.as_str()) => {
            return e.clone();
        }
        ExprKind::Call { name, args } => ExprKind::Call {
            name: name.clone(),
            args: args.iter().map(go).collect(),
        },
        ExprKind::Unary { op, operand } => ExprKind::Unary {
            op: *op,
            operand: Box::new(go(operand)),
        },
        ExprKind::Binary { op, lhs, rhs } => ExprKind::Binary {
            op: *op,
            lhs: Box::new(go(lhs)),
            rhs: Box::new(go(rhs)),
        },
        ExprKind::InList {
            expr,
            list,
            negated,
        } => ExprKind::InList {
            expr: Box::new(go(expr)),
            list: list.iter().map(go).collect(),
            negated: *negated,
        },
        ExprKind::Between {
            expr,
            low,
            high,
            negated,
        } => ExprKind::Between {
            expr: Box::new(go(expr)),
            low: Box::new(go(low)),
            high: Box::new(go(high)),
            negated: *negated,
        },
        ExprKind::Cast { expr, ty } => ExprKind::Cast {
            expr: Box::new(go(expr)),
            ty: ty.clone(),
        },
        ExprKind::List(items) => ExprKind::List(items.iter().map(go).collect()),
        ExprKind::Record(fields) => ExprKind::Record(
            fields
                .iter()
                .map(|f| RecordField {
                    name: f.name.clone(),
                    value: go(&f.value),
                })
                .collect(),
        ),
        ExprKind::Literal(_) | ExprKind::Column(_) | ExprKind::Param(_) => return e.clone(),
    };
    Expr { kind, span: e.span }
}
