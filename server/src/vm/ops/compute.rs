//! Batch-to-batch operators: `Values`, `Filter`, `Project`; limits (`OpenLimit`,
//! `Limit`) and distinct sets (`OpenDistinct`, `Distinct`).

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef};
use kql_compiler::bytecode::Insn;

use super::{bound, constant, expr, operands};
use crate::vm::context::Ctx;
use crate::vm::cursor::Cursor;
use crate::vm::cursor::distinct::DistinctCursor;
use crate::vm::cursor::limit::{LimitCursor, Pass};
use crate::vm::error::{ExecError, Result};
use crate::vm::expr::eval;
use crate::vm::machine::{Flow, Vm};
use crate::vm::types::{batch, conform, from_arrow};

pub fn op_values(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Values { dest, rows, cells });
    let out = vm.reg_schema(*dest)?;
    let width = out.fields().len();
    let rows = *rows as usize;
    if cells.len() != rows.saturating_mul(width) {
        return Err(ExecError::internal(format!(
            "{} cells for {rows} rows of {width} columns",
            cells.len()
        )));
    }
    let mut cols: Vec<Vec<ArrayRef>> = vec![Vec::with_capacity(rows); width];
    for (i, cell) in cells.iter().enumerate() {
        let a = constant(vm, cx, *cell)?;
        cols[i % width.max(1)].push(a);
    }
    let mut arrays = Vec::with_capacity(width);
    for (c, field) in cols.into_iter().zip(out.fields()) {
        let refs: Vec<&dyn Array> = c.iter().map(|a| a.as_ref()).collect();
        let a = if refs.is_empty() {
            arrow_array::new_empty_array(field.data_type())
        } else {
            arrow_select::concat::concat(&refs)?
        };
        arrays.push(conform(a, from_arrow(field.data_type()))?);
    }
    let b = batch(&out, arrays, rows)?;
    vm.set_reg(*dest, b, cx)?;
    Ok(Flow::Next)
}

pub fn op_filter(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        Filter {
            src,
            predicate,
            dest
        }
    );
    let b = vm.reg(*src)?;
    let mask = eval(
        expr(vm, *predicate)?,
        Some(b),
        b.num_rows(),
        &vm.eval_ctx(cx),
    )?;
    let mask = mask
        .as_boolean_opt()
        .ok_or_else(|| ExecError::internal("a predicate that is not bool"))?;
    let out = arrow_select::filter::filter_record_batch(b, mask)?;
    vm.set_reg(*dest, out, cx)?;
    Ok(Flow::Next)
}

pub fn op_project(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Project { src, exprs, dest });
    let b = vm.reg(*src)?;
    let n = b.num_rows();
    let ev = vm.eval_ctx(cx);
    let cols = exprs
        .iter()
        .map(|e| eval(expr(vm, *e)?, Some(b), n, &ev))
        .collect::<Result<Vec<_>>>()?;
    let out = batch(&vm.reg_schema(*dest)?, cols, n)?;
    vm.set_reg(*dest, out, cx)?;
    Ok(Flow::Next)
}

pub fn op_open_limit(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        OpenLimit {
            cursor,
            limit,
            offset
        }
    );
    let limit = bound(vm, cx, *limit, "limit")?;
    let offset = bound(vm, cx, *offset, "offset")?.unwrap_or(0);
    vm.open_cursor(*cursor, Cursor::Limit(LimitCursor::new(limit, offset)), cx)?;
    Ok(Flow::Next)
}

pub fn op_limit(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        Limit {
            cursor,
            src,
            dest,
            done
        }
    );
    let b = vm.reg(*src)?.clone();
    let pass = match vm.cursor(*cursor)? {
        Cursor::Limit(l) => l.pass(&b),
        other => {
            return Err(ExecError::internal(format!(
                "Limit on a {} cursor",
                other.name()
            )));
        }
    };
    match pass {
        Pass::Done => Ok(Flow::Jump(done.index())),
        Pass::Rows(rows) => {
            vm.set_reg(*dest, rows, cx)?;
            Ok(Flow::Next)
        }
    }
}

pub fn op_open_distinct(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, OpenDistinct { cursor });
    vm.open_cursor(*cursor, Cursor::Distinct(DistinctCursor::default()), cx)?;
    Ok(Flow::Next)
}

pub fn op_distinct(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Distinct { cursor, src, dest });
    let b = vm.reg(*src)?.clone();
    let mut c = vm.take_cursor(*cursor)?;
    let out = match &mut c {
        Cursor::Distinct(d) => d.pass(&b),
        other => Err(ExecError::internal(format!(
            "Distinct on a {} cursor",
            other.name()
        ))),
    };
    vm.put_cursor(*cursor, c, cx)?;
    vm.set_reg(*dest, out?, cx)?;
    Ok(Flow::Next)
}
