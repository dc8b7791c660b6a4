//! The node loop: one [`Val`] per node, the last is the result.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, Datum, RecordBatch, UInt32Array};
use kql_compiler::bytecode::{Expr, Node, UnaryOp};

use super::{arith, cast, compare, func};
use crate::vm::error::{ExecError, Result};

/// What expressions read besides their input: the plan's constants and the bound
/// parameters (one-row arrays), the statement's clock and user.
#[derive(Debug, Clone, Copy)]
pub struct EvalCtx<'a> {
    pub consts: &'a [ArrayRef],
    pub params: &'a [ArrayRef],
    /// `now()`: the statement's start, µs since the epoch.
    pub now_us: i64,
    /// `current_user()`: the user the statement runs as.
    pub user: &'a str,
}

/// A node's value: an array of the batch's length, or a one-row scalar that kernels
/// broadcast.
#[derive(Debug, Clone)]
pub struct Val {
    pub array: ArrayRef,
    pub scalar: bool,
}

impl Datum for Val {
    fn get(&self) -> (&dyn Array, bool) {
        (self.array.as_ref(), self.scalar)
    }
}

impl Val {
    pub fn array(array: ArrayRef) -> Val {
        Val {
            array,
            scalar: false,
        }
    }

    pub fn scalar(array: ArrayRef) -> Val {
        Val {
            array,
            scalar: true,
        }
    }

    /// The values as an array of `rows` rows (a scalar repeated).
    pub fn materialize(&self, rows: usize) -> Result<ArrayRef> {
        if !self.scalar {
            return Ok(self.array.clone());
        }
        if self.array.len() != 1 {
            return Err(ExecError::internal(format!(
                "a scalar of {} rows",
                self.array.len()
            )));
        }
        if rows == 1 {
            return Ok(self.array.clone());
        }
        let idx = UInt32Array::from(vec![0u32; rows]);
        Ok(arrow_select::take::take(self.array.as_ref(), &idx, None)?)
    }

    /// The length of the result of combining `vals`: 1 when all are scalars.
    pub fn width(vals: &[&Val], rows: usize) -> usize {
        if vals.iter().all(|v| v.scalar) {
            1
        } else {
            rows
        }
    }

    /// Whether the result of combining `vals` is a scalar.
    pub fn all_scalar(vals: &[&Val]) -> bool {
        vals.iter().all(|v| v.scalar)
    }

    /// A value of `width` rows: a scalar when `width` came from scalars only.
    pub fn from_parts(array: ArrayRef, scalar: bool) -> Val {
        Val { array, scalar }
    }
}

fn get(vals: &[Val], i: u16) -> Result<&Val> {
    vals.get(i as usize)
        .ok_or_else(|| ExecError::internal(format!("expression node n{i} read before it exists")))
}

/// Evaluates `expr` over `input` (`rows` rows; no input for a constant expression,
/// which is then evaluated over one row). The result has `rows` rows.
pub fn eval(
    expr: &Expr,
    input: Option<&RecordBatch>,
    rows: usize,
    ctx: &EvalCtx<'_>,
) -> Result<ArrayRef> {
    let v = eval_val(expr, input, rows, ctx)?;
    v.materialize(rows)
}

/// Evaluates a constant expression to a one-row array.
pub fn eval_constant(expr: &Expr, ctx: &EvalCtx<'_>) -> Result<ArrayRef> {
    eval(expr, None, 1, ctx)
}

fn eval_val(
    expr: &Expr,
    input: Option<&RecordBatch>,
    rows: usize,
    ctx: &EvalCtx<'_>,
) -> Result<Val> {
    let mut vals: Vec<Val> = Vec::with_capacity(expr.nodes.len());
    for node in &expr.nodes {
        let v = match node {
            Node::Column { index } => {
                let batch = input.ok_or_else(|| {
                    ExecError::internal("a constant expression reads an input column")
                })?;
                let col = batch.columns().get(*index as usize).ok_or_else(|| {
                    ExecError::internal(format!(
                        "column {index} is not in an input of {} columns",
                        batch.num_columns()
                    ))
                })?;
                Val::array(col.clone())
            }
            Node::Const { index } => Val::scalar(
                ctx.consts
                    .get(*index as usize)
                    .ok_or_else(|| ExecError::internal(format!("constant k{index} is missing")))?
                    .clone(),
            ),
            Node::Param { index } => Val::scalar(
                ctx.params
                    .get(*index as usize)
                    .ok_or_else(|| ExecError::internal(format!("parameter p{index} is missing")))?
                    .clone(),
            ),
            Node::Unary { op, arg } => unary(*op, get(&vals, *arg)?)?,
            Node::Binary { op, lhs, rhs } => {
                let (l, r) = (get(&vals, *lhs)?, get(&vals, *rhs)?);
                if op.is_comparison()
                    || matches!(
                        op,
                        kql_compiler::bytecode::BinaryOp::And
                            | kql_compiler::bytecode::BinaryOp::Or
                            | kql_compiler::bytecode::BinaryOp::EqCi
                            | kql_compiler::bytecode::BinaryOp::NotEqCi
                    )
                {
                    compare::binary(*op, l, r, rows)?
                } else {
                    arith::binary(*op, l, r, rows)?
                }
            }
            Node::Call { func, args } => {
                let args: Vec<&Val> = args.iter().map(|a| get(&vals, *a)).collect::<Result<_>>()?;
                func::call(*func, &args, rows, ctx)?
            }
            Node::Cast { arg, to } => cast::cast(get(&vals, *arg)?, *to)?,
            Node::InList { arg, list, negated } => {
                let arg = get(&vals, *arg)?;
                let items: Vec<&Val> =
                    list.iter().map(|a| get(&vals, *a)).collect::<Result<_>>()?;
                compare::in_list(arg, &items, *negated, rows)?
            }
        };
        vals.push(v);
    }
    vals.pop()
        .ok_or_else(|| ExecError::internal("an expression without nodes"))
}

fn unary(op: UnaryOp, v: &Val) -> Result<Val> {
    let out: ArrayRef = match op {
        UnaryOp::Not => {
            let b = v
                .array
                .as_boolean_opt()
                .ok_or_else(|| ExecError::internal("`not` of a value that is not bool"))?;
            Arc::new(arrow_arith::boolean::not(b)?)
        }
        UnaryOp::Neg => arith::neg(&v.array)?,
        UnaryOp::IsNull => Arc::new(arrow_arith::boolean::is_null(v.array.as_ref())?),
        UnaryOp::IsNotNull => Arc::new(arrow_arith::boolean::is_not_null(v.array.as_ref())?),
    };
    Ok(Val::from_parts(out, v.scalar))
}
