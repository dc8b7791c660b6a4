//! Expressions with the fewest brackets that keep the tree: each node has a
//! binding strength (the precedence table of docs/kql.md), and a child weaker than
//! its place requires is bracketed. Two rules come from literal folding: `-`
//! before a number literal would fold into it, so `Neg(5)` prints `-(5)`; and a
//! negative literal under a cast prints `(-2)::text`.

use super::ident::{write_ident, write_name};
use super::literal::{spelled_as_cast, type_name, write_literal};
use crate::ast::*;

// Binding strengths, loosest first.
const OR: u8 = 1;
const AND: u8 = 2;
const NOT: u8 = 3;
const CMP: u8 = 4;
const ADD: u8 = 5;
const MUL: u8 = 6;
const NEG: u8 = 7;
const CAST: u8 = 8;
const ATOM: u8 = 9;

fn strength(e: &Expr) -> u8 {
    match &e.kind {
        ExprKind::Binary { op, .. } => binary_strength(*op),
        ExprKind::Unary {
            op: UnaryOp::Not, ..
        } => NOT,
        ExprKind::Unary {
            op: UnaryOp::Neg, ..
        } => NEG,
        ExprKind::InList { .. } | ExprKind::Between { .. } => CMP,
        ExprKind::Cast { .. } => CAST,
        ExprKind::Literal(lit) if spelled_as_cast(lit) => CAST,
        ExprKind::Literal(lit) if is_negative(lit) => NEG,
        _ => ATOM,
    }
}

fn binary_strength(op: BinaryOp) -> u8 {
    match op {
        BinaryOp::Or => OR,
        BinaryOp::And => AND,
        BinaryOp::Eq
        | BinaryOp::NotEq
        | BinaryOp::Lt
        | BinaryOp::LtEq
        | BinaryOp::Gt
        | BinaryOp::GtEq
        | BinaryOp::EqCi
        | BinaryOp::NotEqCi => CMP,
        BinaryOp::Add | BinaryOp::Sub => ADD,
        BinaryOp::Mul | BinaryOp::Div | BinaryOp::Rem => MUL,
    }
}

fn is_negative(lit: &Literal) -> bool {
    match lit {
        Literal::Int(v) | Literal::Duration(v) => *v < 0,
        Literal::Float(v) => v.is_sign_negative() && v.is_finite(),
        _ => false,
    }
}

fn is_number(e: &Expr) -> bool {
    matches!(
        &e.kind,
        ExprKind::Literal(Literal::Int(_) | Literal::Duration(_))
    ) || matches!(&e.kind, ExprKind::Literal(Literal::Float(v)) if v.is_finite())
}

pub fn op_text(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Or => "or",
        BinaryOp::And => "and",
        BinaryOp::Eq => "==",
        BinaryOp::NotEq => "!=",
        BinaryOp::Lt => "<",
        BinaryOp::LtEq => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::GtEq => ">=",
        BinaryOp::EqCi => "=~",
        BinaryOp::NotEqCi => "!~",
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Rem => "%",
    }
}

/// Writes `e` as it may stand anywhere a full expression is allowed.
pub fn write_expr(out: &mut String, e: &Expr) {
    write_at(out, e, OR);
}

/// Writes `e` where at least binding strength `min` is needed (a column
/// default takes a unary-level expression).
pub fn write_unary_level(out: &mut String, e: &Expr) {
    write_at(out, e, NEG);
}

fn write_at(out: &mut String, e: &Expr, min: u8) {
    if strength(e) < min {
        out.push('(');
        write_bare(out, e);
        out.push(')');
    } else {
        write_bare(out, e);
    }
}

fn write_list(out: &mut String, items: &[Expr]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_expr(out, item);
    }
}

pub fn write_fields(out: &mut String, fields: &[RecordField]) {
    out.push('{');
    for (i, f) in fields.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_ident(out, &f.name);
        out.push_str(": ");
        write_expr(out, &f.value);
    }
    out.push('}');
}

fn write_bare(out: &mut String, e: &Expr) {
    match &e.kind {
        ExprKind::Literal(lit) => write_literal(out, lit),
        ExprKind::Column(c) => {
            if let Some(q) = &c.qualifier {
                write_ident(out, q);
                out.push('.');
            }
            write_ident(out, &c.name);
        }
        ExprKind::Param(Param::Named(n)) => {
            out.push('$');
            out.push_str(n);
        }
        ExprKind::Param(Param::Positional(n)) => {
            out.push('$');
            out.push_str(&n.to_string());
        }
        ExprKind::Unary {
            op: UnaryOp::Not,
            operand,
        } => {
            out.push_str("not ");
            write_at(out, operand, NOT);
        }
        ExprKind::Unary {
            op: UnaryOp::Neg,
            operand,
        } => {
            out.push('-');
            let nested = is_number(operand)
                || matches!(
                    operand.kind,
                    ExprKind::Unary {
                        op: UnaryOp::Neg,
                        ..
                    }
                );
            if nested {
                out.push('(');
                write_bare(out, operand);
                out.push(')');
            } else {
                write_at(out, operand, NEG);
            }
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let s = binary_strength(*op);
            let (lmin, rmin) = if s == CMP { (ADD, ADD) } else { (s, s + 1) };
            write_at(out, lhs, lmin);
            out.push(' ');
            out.push_str(op_text(*op));
            out.push(' ');
            write_at(out, rhs, rmin);
        }
        ExprKind::Call { name, args } => {
            write_name(out, &name.name);
            out.push('(');
            write_list(out, args);
            out.push(')');
        }
        ExprKind::InList {
            expr,
            list,
            negated,
        } => {
            write_at(out, expr, ADD);
            out.push_str(if *negated { " not in [" } else { " in [" });
            write_list(out, list);
            out.push(']');
        }
        ExprKind::Between {
            expr,
            low,
            high,
            negated,
        } => {
            write_at(out, expr, ADD);
            out.push_str(if *negated {
                " not between "
            } else {
                " between "
            });
            write_at(out, low, ADD);
            out.push_str(" and ");
            write_at(out, high, ADD);
        }
        ExprKind::Cast { expr, ty } => {
            write_at(out, expr, CAST);
            out.push_str("::");
            out.push_str(&type_name(ty.kind));
        }
        ExprKind::List(items) => {
            out.push('[');
            write_list(out, items);
            out.push(']');
        }
        ExprKind::Record(fields) => write_fields(out, fields),
    }
}
