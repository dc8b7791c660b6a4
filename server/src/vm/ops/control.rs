//! `Halt`, `Goto`, `Next`, `Emit`, and the transaction markers (`Begin`, `Commit`,
//! `Rollback`), which the session applies after the run.

use kql_compiler::bytecode::Insn;

use super::operands;
use crate::vm::context::Ctx;
use crate::vm::cursor::{Cursor, Read};
use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::machine::{Flow, TxnOp, Vm};

pub fn op_halt(_vm: &mut Vm, _cx: &mut Ctx<'_>, _insn: &Insn) -> Result<Flow> {
    Ok(Flow::Halt)
}

pub fn op_goto(_vm: &mut Vm, _cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Goto { target });
    Ok(Flow::Jump(target.index()))
}

pub fn op_next(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Next { cursor, dest, done });
    cx.budget.check()?;
    let mut c = vm.take_cursor(*cursor)?;
    let read = {
        let ev = vm.eval_ctx(cx);
        c.next(&ev, cx.budget)
    };
    if let Cursor::Subscription(s) = &c {
        vm.change = s.last_kind;
    }
    vm.put_cursor(*cursor, c, cx)?;
    match read? {
        Read::Batch(b) => {
            vm.set_reg(*dest, b, cx)?;
            Ok(Flow::Next)
        }
        Read::Exhausted => Ok(Flow::Jump(done.index())),
        Read::Wait => Ok(Flow::Wait),
    }
}

pub fn op_emit(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Emit { src });
    let b = vm.reg(*src)?.clone();
    let n = b.num_rows() as u64;
    if n == 0 {
        if vm.stats.is_none() {
            cx.out.empty(&b.schema());
        }
        return Ok(Flow::Next);
    }
    let total = vm.rows_emitted.saturating_add(n);
    if total > cx.budget.max_rows {
        return Err(ExecError::new(
            XCode::RowLimit,
            format!(
                "the statement returns more than {} rows (limits.query_max_rows); narrow it with `where` or `take`",
                cx.budget.max_rows
            ),
        ));
    }
    vm.rows_emitted = total;
    if vm.stats.is_none() {
        cx.out.emit(&b, vm.change)?;
    }
    Ok(Flow::Next)
}

fn mark(vm: &mut Vm, op: TxnOp) -> Result<Flow> {
    if vm.txn_op.is_some() {
        return Err(ExecError::internal("two transaction opcodes in one plan"));
    }
    vm.txn_op = Some(op);
    Ok(Flow::Next)
}

pub fn op_begin(vm: &mut Vm, _cx: &mut Ctx<'_>, _insn: &Insn) -> Result<Flow> {
    mark(vm, TxnOp::Begin)
}

pub fn op_commit(vm: &mut Vm, _cx: &mut Ctx<'_>, _insn: &Insn) -> Result<Flow> {
    mark(vm, TxnOp::Commit)
}

pub fn op_rollback(vm: &mut Vm, _cx: &mut Ctx<'_>, _insn: &Insn) -> Result<Flow> {
    mark(vm, TxnOp::Rollback)
}
