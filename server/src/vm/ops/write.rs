//! The write sinks: `Insert`, `Upsert`, `Update`, `Delete`, all into the statement's
//! storage transaction (committed after `Halt`, or with the session's `commit`).
//! Rows reach storage as full rows in table order; a null in a non-nullable column is
//! `X006` before anything is written. `Update` and `Delete` name rows by `#key`,
//! decoded against the table (`X008` when it does not decode). When a live query
//! watches the table, the changed rows are recorded for publication after the commit.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, RecordBatch, UInt32Array};
use kalavar_protocol::ChangeKind;
use kalavar_storage::{ColumnId, ScalarValue, TableDef};
use kql_compiler::bytecode::{Col, Insn, TableRef};

use super::read::get_row;
use super::{operands, owner, table_def};
use crate::live::RowChange;
use crate::vm::context::Ctx;
use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::machine::{Flow, Vm};
use crate::vm::rowkey;

/// Fails with `X006` when a non-nullable column of `def` holds a null in `rows`
/// (full rows in table order).
fn check_nulls(def: &TableDef, rows: &RecordBatch) -> Result<()> {
    for (c, a) in def.columns.iter().zip(rows.columns()) {
        if !c.nullable && a.null_count() > 0 {
            let row = (0..a.len()).find(|r| a.is_null(*r)).unwrap_or(0);
            return Err(ExecError::new(
                XCode::NullViolation,
                format!(
                    "column `{}` of {} does not allow nulls (row {} of the batch)",
                    c.name,
                    def.qualified_name(),
                    row + 1
                ),
            ));
        }
    }
    Ok(())
}

/// The schema of full rows of `def`, every field nullable (the VM checks nulls itself,
/// to name the column).
fn rows_schema(def: &TableDef) -> arrow_schema::SchemaRef {
    Arc::new(arrow_schema::Schema::new(
        def.arrow_schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect::<Vec<_>>(),
    ))
}

/// Full rows of `def` from `src`, whose column *i* is table column `columns[i]`.
fn full_rows(def: &TableDef, src: &RecordBatch, columns: &[Col]) -> Result<RecordBatch> {
    let schema = rows_schema(def);
    let mut cols: Vec<ArrayRef> = Vec::with_capacity(def.columns.len());
    for (c, field) in def.columns.iter().zip(schema.fields()) {
        let i = columns
            .iter()
            .position(|x| x.0 == c.id.0)
            .ok_or_else(|| ExecError::internal(format!("column `{}` gets no value", c.name)))?;
        let a = src
            .columns()
            .get(i)
            .cloned()
            .ok_or_else(|| ExecError::internal("a written column is missing"))?;
        cols.push(if a.data_type().equals_datatype(field.data_type()) {
            a
        } else {
            arrow_cast::cast(&a, field.data_type())?
        });
    }
    let out = crate::vm::types::batch(&schema, cols, src.num_rows())?;
    check_nulls(def, &out)?;
    Ok(out)
}

/// Hands `rows` to storage in pieces of at most the engine's batch limit.
fn in_pieces(
    cx: &mut Ctx<'_>,
    rows: &RecordBatch,
    mut f: impl FnMut(&mut kalavar_storage::Txn, &RecordBatch) -> kalavar_storage::Result<usize>,
) -> Result<usize> {
    let max = cx.db.engine.options().limits.max_batch_rows.max(1);
    let txn = cx.txn()?;
    let mut n = 0;
    let mut at = 0;
    while at < rows.num_rows() {
        let len = max.min(rows.num_rows() - at);
        n += f(txn, &rows.slice(at, len))?;
        at += len;
    }
    Ok(n)
}

fn record(vm: &mut Vm, cx: &Ctx<'_>, def: &TableDef, kind: ChangeKind, rows: RecordBatch) {
    if rows.num_rows() > 0 && cx.db.live.watching(def.id) {
        vm.changes.push(RowChange {
            table: def.id,
            owner: owner(def, cx),
            kind,
            columns: def.columns.iter().map(|c| c.id).collect(),
            rows,
        });
    }
}

fn insert_or_upsert(
    vm: &mut Vm,
    cx: &mut Ctx<'_>,
    table: TableRef,
    src: kql_compiler::bytecode::Reg,
    columns: &[Col],
    upsert: bool,
) -> Result<Flow> {
    let def = table_def(vm, cx, table)?;
    let b = vm.reg(src)?.clone();
    if b.num_rows() == 0 {
        return Ok(Flow::Next);
    }
    let rows = full_rows(&def, &b, columns)?;
    let part = owner(&def, cx);
    let n = in_pieces(cx, &rows, |t, piece| {
        if upsert {
            t.upsert(def.id, part, piece)
        } else {
            t.insert(def.id, part, piece)
        }
    })?;
    vm.rows_affected += n as u64;
    record(vm, cx, &def, ChangeKind::Insert, rows);
    Ok(Flow::Next)
}

pub fn op_insert(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        Insert {
            table,
            src,
            columns
        }
    );
    insert_or_upsert(vm, cx, *table, *src, columns, false)
}

pub fn op_upsert(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        Upsert {
            table,
            src,
            columns
        }
    );
    insert_or_upsert(vm, cx, *table, *src, columns, true)
}

/// The decoded keys of column 0 of `b`.
fn keys_of(def: &TableDef, b: &RecordBatch) -> Result<Vec<Vec<ScalarValue>>> {
    let col = b
        .columns()
        .first()
        .ok_or_else(|| ExecError::internal("a write source without its key column"))?;
    let keys = col
        .as_any()
        .downcast_ref::<arrow_array::BinaryArray>()
        .ok_or_else(|| ExecError::internal("a row key column that is not bytes"))?;
    let mut out = Vec::with_capacity(keys.len());
    for i in 0..keys.len() {
        if keys.is_null(i) {
            return Err(ExecError::new(
                XCode::BadRowKey,
                format!("a null row key for {}", def.qualified_name()),
            ));
        }
        out.push(rowkey::decode(keys.value(i), def)?);
    }
    Ok(out)
}

fn all_columns(def: &TableDef) -> Vec<Col> {
    def.columns.iter().map(|c| Col(c.id.0)).collect()
}

/// The current full rows of `keys` (those that exist) and which input rows they are.
fn current_rows(
    cx: &mut Ctx<'_>,
    def: &TableDef,
    keys: &[Vec<ScalarValue>],
) -> Result<(Option<RecordBatch>, Vec<u32>)> {
    let schema = rows_schema(def);
    let columns = all_columns(def);
    let mut found = Vec::new();
    let mut rows = Vec::new();
    for (i, k) in keys.iter().enumerate() {
        cx.budget.check()?;
        if let Some(r) = get_row(cx, def, k, &columns, &schema)? {
            found.push(i as u32);
            rows.push(r);
        }
    }
    if rows.is_empty() {
        return Ok((None, found));
    }
    Ok((
        Some(arrow_select::concat::concat_batches(&schema, &rows)?),
        found,
    ))
}

pub fn op_update(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Update { table, src, set });
    let def = table_def(vm, cx, *table)?;
    let b = vm.reg(*src)?.clone();
    if b.num_rows() == 0 {
        return Ok(Flow::Next);
    }
    if b.num_columns() != set.len() + 1 {
        return Err(ExecError::internal(
            "an update source that does not fit its columns",
        ));
    }
    let keys = keys_of(&def, &b)?;
    let (current, found) = current_rows(cx, &def, &keys)?;
    let Some(current) = current else {
        return Ok(Flow::Next);
    };
    let idx = UInt32Array::from(found.clone());
    let mut cols = current.columns().to_vec();
    let schema = rows_schema(&def);
    for (j, c) in set.iter().enumerate() {
        let pos = def
            .column_index(ColumnId(c.0))
            .ok_or_else(|| ExecError::internal(format!("column #{} is not in the table", c.0)))?;
        if def.primary_key.contains(&ColumnId(c.0)) {
            return Err(ExecError::internal("a key column set by an update"));
        }
        let v = arrow_select::take::take(b.column(j + 1).as_ref(), &idx, None)?;
        let want = schema.field(pos).data_type();
        cols[pos] = if v.data_type().equals_datatype(want) {
            v
        } else {
            arrow_cast::cast(&v, want)?
        };
    }
    let updated = RecordBatch::try_new(schema, cols)?;
    check_nulls(&def, &updated)?;
    let mut to_store = updated.clone();
    if def.has_hidden_key() {
        let ids: Vec<i64> = found
            .iter()
            .map(|i| match keys[*i as usize].first() {
                Some(ScalarValue::Int64(v)) => Ok(*v),
                _ => Err(ExecError::internal("a row id that is not int64")),
            })
            .collect::<Result<_>>()?;
        let mut cols = updated.columns().to_vec();
        cols.push(Arc::new(arrow_array::Int64Array::from(ids)));
        let mut fields: Vec<arrow_schema::Field> = updated
            .schema()
            .fields()
            .iter()
            .map(|f| f.as_ref().clone())
            .collect();
        fields.push(arrow_schema::Field::new(
            kalavar_storage::ROW_ID_COLUMN,
            arrow_schema::DataType::Int64,
            false,
        ));
        to_store = RecordBatch::try_new(Arc::new(arrow_schema::Schema::new(fields)), cols)?;
    }
    let part = owner(&def, cx);
    let n = in_pieces(cx, &to_store, |t, piece| t.update(def.id, part, piece))?;
    vm.rows_affected += n as u64;
    record(vm, cx, &def, ChangeKind::Update, updated);
    Ok(Flow::Next)
}

pub fn op_delete(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Delete { table, src });
    let def = table_def(vm, cx, *table)?;
    let b = vm.reg(*src)?.clone();
    if b.num_rows() == 0 {
        return Ok(Flow::Next);
    }
    let keys = keys_of(&def, &b)?;
    let old = if cx.db.live.watching(def.id) {
        current_rows(cx, &def, &keys)?.0
    } else {
        None
    };
    let part = owner(&def, cx);
    let max = cx.db.engine.options().limits.max_batch_rows.max(1);
    let txn = cx.txn()?;
    let mut n = 0;
    for piece in keys.chunks(max) {
        n += txn.delete(def.id, part, piece)?;
    }
    vm.rows_affected += n as u64;
    if let Some(old) = old {
        record(vm, cx, &def, ChangeKind::Delete, old);
    }
    Ok(Flow::Next)
}
