//! `explain analyze`: a plan with the `analyze` flag runs as usual, but its rows are
//! counted instead of sent, and at `Halt` the run emits the listing with three more
//! columns per instruction — `calls` (times it ran), `rows` (rows it produced: the
//! batch it wrote, or for `Emit`, `Feed` and the write sinks the rows it consumed)
//! and `time_us` (time spent in it, in microseconds).

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, StringArray};
use arrow_schema::{DataType, Field, Schema};
use kql_compiler::bytecode::Insn;

use super::context::Ctx;
use super::error::Result;
use super::machine::{Flow, Vm};

/// Rows an instruction produced or consumed in one call.
pub fn rows_of(vm: &Vm, insn: &Insn, flow: Flow) -> u64 {
    let dest = match insn {
        Insn::Next { dest, .. } | Insn::Limit { dest, .. } if flow == Flow::Next => Some(*dest),
        Insn::Next { .. } | Insn::Limit { .. } => None,
        Insn::SeekKey { dest, .. }
        | Insn::Values { dest, .. }
        | Insn::Filter { dest, .. }
        | Insn::Project { dest, .. }
        | Insn::Distinct { dest, .. }
        | Insn::Probe { dest, .. }
        | Insn::IssueCertificate { dest, .. } => Some(*dest),
        Insn::Emit { src }
        | Insn::Feed { src, .. }
        | Insn::Insert { src, .. }
        | Insn::Upsert { src, .. }
        | Insn::Update { src, .. }
        | Insn::Delete { src, .. } => Some(*src),
        _ => None,
    };
    dest.and_then(|r| vm.reg(r).ok())
        .map_or(0, |b| b.num_rows() as u64)
}

/// The schema of an analyzed listing.
pub fn listing_schema() -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("addr", DataType::Int64, true),
        Field::new("opcode", DataType::Utf8, true),
        Field::new("operands", DataType::Utf8, true),
        Field::new("comment", DataType::Utf8, true),
        Field::new("calls", DataType::Int64, true),
        Field::new("rows", DataType::Int64, true),
        Field::new("time_us", DataType::Int64, true),
    ]))
}

/// Emits the listing with the figures gathered so far.
pub fn emit_listing(vm: &mut Vm, cx: &mut Ctx<'_>) -> Result<()> {
    let Some(stats) = vm.stats.clone() else {
        return Ok(());
    };
    let lines = kql_compiler::bytecode::disasm::listing(&vm.p.program);
    let n = lines.len();
    let mut addr = Vec::with_capacity(n);
    let mut opcode = Vec::with_capacity(n);
    let mut operands = Vec::with_capacity(n);
    let mut comment = Vec::with_capacity(n);
    let (mut calls, mut rows, mut time) = (Vec::new(), Vec::new(), Vec::new());
    for l in lines {
        let s = stats.get(l.addr).copied().unwrap_or_default();
        addr.push(l.addr as i64);
        opcode.push(l.opcode.to_owned());
        operands.push(
            l.operands
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        comment.push(l.comment);
        calls.push(s.calls as i64);
        rows.push(s.rows as i64);
        time.push(s.time.as_micros() as i64);
    }
    let cols: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(addr)),
        Arc::new(StringArray::from(opcode)),
        Arc::new(StringArray::from(operands)),
        Arc::new(StringArray::from(comment)),
        Arc::new(Int64Array::from(calls)),
        Arc::new(Int64Array::from(rows)),
        Arc::new(Int64Array::from(time)),
    ];
    let b = super::types::batch(&listing_schema(), cols, n)?;
    if b.num_rows() > 0 {
        cx.out.emit(&b, None)?;
    }
    Ok(())
}
