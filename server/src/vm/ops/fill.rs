//! Pipeline breakers: `OpenSort`, `OpenTopK`, `OpenAggregate`, `OpenHashJoin` open
//! a filling cursor, `Feed` adds batches, `Seal` makes it readable, and `Probe` joins
//! a batch against a sealed hash join.

use kql_compiler::bytecode::{Cur, CursorDecl, Insn, SortKey};

use super::{bound, expr, operands};
use crate::vm::context::Ctx;
use crate::vm::cursor::Cursor;
use crate::vm::cursor::aggregate::AggregateCursor;
use crate::vm::cursor::join::JoinCursor;
use crate::vm::cursor::sort::{Keys, SortCursor};
use crate::vm::cursor::topk::TopKCursor;
use crate::vm::error::{ExecError, Result};
use crate::vm::machine::{Flow, Vm};

fn decl(vm: &Vm, c: Cur) -> Result<CursorDecl> {
    vm.p.program
        .cursors
        .get(c.index())
        .copied()
        .ok_or_else(|| ExecError::internal(format!("cursor {c} is not declared")))
}

fn sort_keys(vm: &Vm, keys: &[SortKey]) -> Result<Keys> {
    Ok(Keys::new(
        keys.iter()
            .map(|k| Ok((expr(vm, k.expr)?.clone(), *k)))
            .collect::<Result<Vec<_>>>()?,
    ))
}

pub fn op_open_sort(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, OpenSort { cursor, keys });
    let keys = sort_keys(vm, keys)?;
    vm.open_cursor(*cursor, Cursor::Sort(SortCursor::new(keys)), cx)?;
    Ok(Flow::Next)
}

pub fn op_open_topk(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        OpenTopK {
            cursor,
            keys,
            limit,
            offset
        }
    );
    let keys = sort_keys(vm, keys)?;
    let limit = bound(vm, cx, Some(*limit), "limit")?.unwrap_or(0);
    let offset = bound(vm, cx, *offset, "offset")?.unwrap_or(0);
    vm.open_cursor(
        *cursor,
        Cursor::TopK(TopKCursor::new(keys, limit, offset)),
        cx,
    )?;
    Ok(Flow::Next)
}

pub fn op_open_aggregate(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, OpenAggregate { cursor, keys, aggs });
    let out = vm.schema(decl(vm, *cursor)?.output)?;
    let keys = keys
        .iter()
        .map(|k| Ok(expr(vm, *k)?.clone()))
        .collect::<Result<Vec<_>>>()?;
    let aggs = aggs
        .iter()
        .map(|a| {
            Ok((
                a.func,
                match a.arg {
                    Some(e) => Some(expr(vm, e)?.clone()),
                    None => None,
                },
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    if out.fields().len() != keys.len() + aggs.len() {
        return Err(ExecError::internal(
            "an aggregation whose output does not have its keys and aggregates",
        ));
    }
    vm.open_cursor(
        *cursor,
        Cursor::Aggregate(Box::new(AggregateCursor::new(keys, aggs, out))),
        cx,
    )?;
    Ok(Flow::Next)
}

pub fn op_open_hash_join(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, OpenHashJoin { cursor, kind, keys });
    let d = decl(vm, *cursor)?;
    let (input, out) = (vm.schema(d.input)?, vm.schema(d.output)?);
    let keys = keys
        .iter()
        .map(|k| Ok(expr(vm, *k)?.clone()))
        .collect::<Result<Vec<_>>>()?;
    vm.open_cursor(
        *cursor,
        Cursor::HashJoin(Box::new(JoinCursor::new(*kind, keys, input, out))),
        cx,
    )?;
    Ok(Flow::Next)
}

pub fn op_feed(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Feed { cursor, src });
    let b = vm.reg(*src)?.clone();
    let mut c = vm.take_cursor(*cursor)?;
    let fed = c.feed(&b, &vm.eval_ctx(cx));
    vm.put_cursor(*cursor, c, cx)?;
    fed?;
    Ok(Flow::Next)
}

pub fn op_seal(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Seal { cursor });
    let mut c = vm.take_cursor(*cursor)?;
    let sealed = c.seal(&vm.eval_ctx(cx));
    vm.put_cursor(*cursor, c, cx)?;
    sealed?;
    Ok(Flow::Next)
}

pub fn op_probe(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        Probe {
            cursor,
            src,
            keys,
            dest
        }
    );
    let b = vm.reg(*src)?.clone();
    let keys = keys
        .iter()
        .map(|k| Ok(expr(vm, *k)?.clone()))
        .collect::<Result<Vec<_>>>()?;
    let mut c = vm.take_cursor(*cursor)?;
    let out = match &mut c {
        Cursor::HashJoin(j) => {
            let allowance = cx.budget.max_memory.saturating_sub(vm.held());
            j.probe(&b, &keys, &vm.eval_ctx(cx), allowance)
        }
        other => Err(ExecError::internal(format!(
            "Probe of a {} cursor",
            other.name()
        ))),
    };
    vm.put_cursor(*cursor, c, cx)?;
    vm.set_reg(*dest, out?, cx)?;
    Ok(Flow::Next)
}
