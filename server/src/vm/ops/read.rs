//! `OpenScan`, `SeekKey` (the short path: one storage get) and `OpenSubscription`.

use std::collections::VecDeque;

use arrow_array::RecordBatch;
use kalavar_storage::{ColumnId, KeyRange as StorageRange, ScalarValue, TableDef};
use kql_compiler::bytecode::{Col, Insn, KeyRange};
use kql_compiler::catalog::SYSTEM_TABLE_ID_BASE;

use super::{constant, expr, operands, owner, table_def};
use crate::vm::context::Ctx;
use crate::vm::cursor::Cursor;
use crate::vm::cursor::scan::{self, Layout, ScanCursor, Source};
use crate::vm::cursor::subscription::SubscriptionCursor;
use crate::vm::error::{ExecError, Result};
use crate::vm::machine::{Flow, Vm};
use crate::vm::types::{empty_batch, storage_scalar};

/// The value of a constant key part.
fn key_part(vm: &Vm, cx: &Ctx<'_>, e: kql_compiler::bytecode::ExprId) -> Result<ScalarValue> {
    let a = constant(vm, cx, e)?;
    let ty = crate::vm::types::from_arrow(a.data_type());
    storage_scalar(a.as_ref(), 0, ty)
}

/// The storage key range of a plan range; `None` when a part is null.
fn storage_range(vm: &Vm, cx: &Ctx<'_>, r: &KeyRange) -> Result<Option<StorageRange>> {
    let eq =
        r.eq.iter()
            .map(|e| key_part(vm, cx, *e))
            .collect::<Result<Vec<_>>>()?;
    let lower = match r.lower {
        Some(b) => Some((key_part(vm, cx, b.expr)?, b.inclusive)),
        None => None,
    };
    let upper = match r.upper {
        Some(b) => Some((key_part(vm, cx, b.expr)?, b.inclusive)),
        None => None,
    };
    Ok(scan::key_range(eq, lower, upper))
}

fn plan_table_id(vm: &Vm, t: kql_compiler::bytecode::TableRef) -> Result<u64> {
    vm.p.program
        .tables
        .get(t.index())
        .map(|u| u.id)
        .ok_or_else(|| ExecError::internal(format!("table {t} is not in the plan")))
}

pub fn op_open_scan(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        OpenScan {
            cursor,
            table,
            columns,
            filter,
            range
        }
    );
    let decl = *vm
        .p
        .program
        .cursors
        .get(cursor.index())
        .ok_or_else(|| ExecError::internal(format!("cursor {cursor} is not declared")))?;
    let out = vm.schema(decl.output)?;
    let filter_expr = match filter {
        Some(f) => Some(expr(vm, *f)?.clone()),
        None => None,
    };
    let id = plan_table_id(vm, *table)?;
    let source = if id >= SYSTEM_TABLE_ID_BASE {
        let rows = crate::systables::scan(cx, id, columns, &out)?;
        Source::Memory(rows.into())
    } else {
        let def = table_def(vm, cx, *table)?;
        match storage_range(vm, cx, range)? {
            None => Source::Memory(VecDeque::new()),
            Some(range) => {
                let (projection, layout, row_id) = Layout::plan(&def, columns)?;
                let predicates = match &filter_expr {
                    Some(f) => {
                        let types: Vec<_> = vm.p.program.params.iter().map(|p| p.ty).collect();
                        scan::pushdown(
                            f,
                            columns,
                            &vm.eval_ctx(cx),
                            &vm.p.program.constants,
                            &types,
                        )
                    }
                    None => Vec::new(),
                };
                let spec = scan::spec(&def, owner(&def, cx), projection, row_id, predicates, range);
                Source::Storage(Box::new(cx.scan(spec)?), layout)
            }
        }
    };
    vm.open_cursor(
        *cursor,
        Cursor::Scan(ScanCursor::new(source, filter_expr, out)),
        cx,
    )?;
    Ok(Flow::Next)
}

/// Reads one row by key into the output layout of `columns`; `None` when absent.
pub(crate) fn get_row(
    cx: &mut Ctx<'_>,
    def: &TableDef,
    key: &[ScalarValue],
    columns: &[Col],
    out: &arrow_schema::SchemaRef,
) -> Result<Option<RecordBatch>> {
    let (projection, layout, row_id) = Layout::plan(def, columns)?;
    if row_id {
        // A table without a primary key is keyed by its hidden row id.
        let Some(raw) = cx.get(def.id, owner(def, cx), key, Some(&projection))? else {
            return Ok(None);
        };
        let mut cols = raw.columns().to_vec();
        cols.push(
            ScalarValue::Int64(match key.first() {
                Some(ScalarValue::Int64(v)) => *v,
                _ => return Err(ExecError::internal("a row id key that is not int64")),
            })
            .to_array(&kalavar_storage::DataType::Int64, raw.num_rows())?,
        );
        let raw = RecordBatch::try_new(
            std::sync::Arc::new(arrow_schema::Schema::new(
                cols.iter()
                    .enumerate()
                    .map(|(i, c)| {
                        arrow_schema::Field::new(format!("c{i}"), c.data_type().clone(), true)
                    })
                    .collect::<Vec<_>>(),
            )),
            cols,
        )?;
        return layout.build(&raw, out).map(Some);
    }
    let proj: Vec<ColumnId> = projection;
    match cx.get(def.id, owner(def, cx), key, Some(&proj))? {
        None => Ok(None),
        Some(raw) => layout.build(&raw, out).map(Some),
    }
}

pub fn op_seek_key(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        SeekKey {
            table,
            key,
            columns,
            dest
        }
    );
    let out = vm.reg_schema(*dest)?;
    let def = table_def(vm, cx, *table)?;
    let parts = key
        .iter()
        .map(|e| key_part(vm, cx, *e))
        .collect::<Result<Vec<_>>>()?;
    let found = if parts.iter().any(ScalarValue::is_null) {
        None
    } else {
        get_row(cx, &def, &parts, columns, &out)?
    };
    let b = found.unwrap_or_else(|| empty_batch(&out));
    vm.set_reg(*dest, b, cx)?;
    Ok(Flow::Next)
}

pub fn op_open_subscription(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        OpenSubscription {
            cursor,
            table,
            columns,
            filter,
            last
        }
    );
    let decl = *vm
        .p
        .program
        .cursors
        .get(cursor.index())
        .ok_or_else(|| ExecError::internal(format!("cursor {cursor} is not declared")))?;
    let (input, out) = (vm.schema(decl.input)?, vm.schema(decl.output)?);
    let filter_expr = match filter {
        Some(f) => Some(expr(vm, *f)?.clone()),
        None => None,
    };
    let id = plan_table_id(vm, *table)?;
    if id >= SYSTEM_TABLE_ID_BASE {
        return Err(ExecError::new(
            crate::vm::error::XCode::Unsupported,
            "system tables cannot be subscribed to",
        ));
    }
    let def = table_def(vm, cx, *table)?;
    let hub = cx.db.live.clone();
    let sub = hub.subscribe(def.id, owner(&def, cx));
    let ids: Vec<ColumnId> = columns.iter().map(|c| ColumnId(c.0)).collect();
    let mut c = SubscriptionCursor::new(hub, sub, ids, filter_expr.clone(), input.clone(), out);
    if *last > 0 {
        let snapshot = snapshot(vm, cx, &def, columns, filter_expr, &input, *last as usize)?;
        c.set_snapshot(snapshot)?;
    }
    vm.open_cursor(*cursor, Cursor::Subscription(Box::new(c)), cx)?;
    Ok(Flow::Next)
}

/// The newest `last` rows of the partition passing `filter`, oldest first: the tail
/// of the partition in key order, in as few batches as [`crate::vm::cursor::chunks`]
/// makes.
fn snapshot(
    vm: &Vm,
    cx: &mut Ctx<'_>,
    def: &TableDef,
    columns: &[Col],
    filter: Option<kql_compiler::bytecode::Expr>,
    input: &arrow_schema::SchemaRef,
    last: usize,
) -> Result<Vec<RecordBatch>> {
    let (projection, layout, row_id) = Layout::plan(def, columns)?;
    let mut spec = scan::spec(
        def,
        owner(def, cx),
        projection,
        row_id,
        Vec::new(),
        StorageRange::all(),
    );
    spec.ordered = true;
    let it = cx.scan(spec)?;
    let mut sc = ScanCursor::new(Source::Storage(Box::new(it), layout), filter, input.clone());
    let ev = vm.eval_ctx(cx);
    let mut kept: VecDeque<RecordBatch> = VecDeque::new();
    let mut rows = 0usize;
    while let Some(b) = sc.next(&ev, cx.budget)? {
        rows += b.num_rows();
        kept.push_back(b);
        while rows > last {
            let Some(front) = kept.pop_front() else { break };
            let extra = rows - last;
            if front.num_rows() <= extra {
                rows -= front.num_rows();
            } else {
                kept.push_front(front.slice(extra, front.num_rows() - extra));
                rows -= extra;
            }
        }
    }
    // One Change message for the snapshot, however the rows were stored.
    if kept.len() <= 1 {
        return Ok(kept.into());
    }
    let kept: Vec<RecordBatch> = kept.into();
    let whole = arrow_select::concat::concat_batches(input, &kept).map_err(ExecError::from)?;
    Ok(crate::vm::cursor::chunks(whole))
}
