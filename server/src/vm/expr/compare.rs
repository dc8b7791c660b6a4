//! Comparisons (arrow's `cmp` kernels: a comparison with null is null),
//! three-valued `&&` and `||`, case-insensitive text equality (`=~`, `!~`: both sides
//! lower-cased, Unicode simple mappings), and `in` lists (a chain of `==` joined by `||`). Floats are
//! compared canonical ([`crate::vm::floats`]): `-0.0 == 0.0`, NaN equals NaN and is
//! greater than every number.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BooleanArray, StringArray};
use arrow_ord::cmp;
use kql_compiler::bytecode::BinaryOp;

use super::eval::Val;
use crate::vm::error::{ExecError, Result};
use crate::vm::floats;

/// `v` with canonical floats (any other value as it is).
fn canon(v: &Val) -> Val {
    Val::from_parts(floats::canonical(&v.array), v.scalar)
}

fn boolean(v: &Val, rows: usize, scalar: bool) -> Result<BooleanArray> {
    let a = if scalar {
        v.array.clone()
    } else {
        v.materialize(rows)?
    };
    a.as_boolean_opt()
        .cloned()
        .ok_or_else(|| ExecError::internal("a boolean operator on a value that is not bool"))
}

/// Lower-cases every value of a text array ([`super::case::lower`]).
pub fn lower(a: &dyn Array) -> Result<StringArray> {
    let s = a
        .as_string_opt::<i32>()
        .ok_or_else(|| ExecError::internal("lower() of a value that is not text"))?;
    Ok(s.iter().map(|v| v.map(super::case::lower)).collect())
}

/// `lhs op rhs` for comparisons and boolean connectives.
pub fn binary(op: BinaryOp, l: &Val, r: &Val, rows: usize) -> Result<Val> {
    let scalar = Val::all_scalar(&[l, r]);
    let (cl, cr);
    let (l, r) = if floats::is_float(l.array.as_ref()) || floats::is_float(r.array.as_ref()) {
        (cl, cr) = (canon(l), canon(r));
        (&cl, &cr)
    } else {
        (l, r)
    };
    let out: BooleanArray = match op {
        BinaryOp::Eq => cmp::eq(l, r)?,
        BinaryOp::NotEq => cmp::neq(l, r)?,
        BinaryOp::Lt => cmp::lt(l, r)?,
        BinaryOp::LtEq => cmp::lt_eq(l, r)?,
        BinaryOp::Gt => cmp::gt(l, r)?,
        BinaryOp::GtEq => cmp::gt_eq(l, r)?,
        BinaryOp::And | BinaryOp::Or => {
            let (a, b) = (boolean(l, rows, scalar)?, boolean(r, rows, scalar)?);
            if op == BinaryOp::And {
                arrow_arith::boolean::and_kleene(&a, &b)?
            } else {
                arrow_arith::boolean::or_kleene(&a, &b)?
            }
        }
        BinaryOp::EqCi | BinaryOp::NotEqCi => {
            let a = Val::from_parts(Arc::new(lower(l.array.as_ref())?), l.scalar);
            let b = Val::from_parts(Arc::new(lower(r.array.as_ref())?), r.scalar);
            if op == BinaryOp::EqCi {
                cmp::eq(&a, &b)?
            } else {
                cmp::neq(&a, &b)?
            }
        }
        other => {
            return Err(ExecError::internal(format!(
                "`{}` is not a comparison",
                other.symbol()
            )));
        }
    };
    Ok(Val::from_parts(Arc::new(out) as ArrayRef, scalar))
}

/// `arg in [items]` (or `not in`): true if any item equals `arg`, else null if `arg`
/// or any item is null, else false.
pub fn in_list(arg: &Val, items: &[&Val], negated: bool, rows: usize) -> Result<Val> {
    let mut all: Vec<&Val> = items.to_vec();
    all.push(arg);
    let scalar = Val::all_scalar(&all);
    let width = if scalar { 1 } else { rows };
    let mut acc = BooleanArray::from(vec![false; width]);
    let arg = &canon(arg);
    for item in items {
        let eq = cmp::eq(arg, &canon(item))?;
        let eq = if !scalar && eq.len() == 1 && width != 1 {
            Val::scalar(Arc::new(eq))
                .materialize(width)?
                .as_boolean()
                .clone()
        } else {
            eq
        };
        acc = arrow_arith::boolean::or_kleene(&acc, &eq)?;
    }
    if negated {
        acc = arrow_arith::boolean::not(&acc)?;
    }
    Ok(Val::from_parts(Arc::new(acc), scalar))
}
