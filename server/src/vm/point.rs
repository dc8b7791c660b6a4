//! The point get without Arrow: a plan that is exactly `SeekKey` into a register,
//! (a `Project` of plain column references, when the `select` reorders or repeats
//! columns,) `Emit` of that register and `Halt` — a lookup by the whole primary key,
//! the most common prepared statement — answered from the stored row's values straight into
//! the compact `Row` frame, with no one-row record batches on the way (storage row →
//! batch → output batch → values was most of the server's own work per lookup).
//!
//! [`PointGet::of`] recognises the shape when a plan is prepared (so the verifier has
//! accepted it); [`PointGet::run`] does what the VM's `SeekKey` and `Emit` do — the
//! table checked against the version the plan pinned, the key parts evaluated as
//! constant expressions, the caller's partition for `user` tables, the row limit —
//! and answers [`PointRun::Declined`] whenever the VM's answer could differ (a table
//! keyed by its hidden row id, a column whose stored type is not the output's, a row
//! too large to compare with the memory limit cheaply), for the caller to run the
//! plan in the VM instead. The session decides when the path is taken (see
//! `Executor::try_short`): a compact answer, outside a transaction.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::{Field, SchemaRef};
use kalavar_protocol::Value;
use kalavar_storage::{CatalogSnapshot, ColumnId, ScalarValue, TableKind};
use kql_compiler::bytecode::{ExprId, Insn, Node, TableRef, VerifiedProgram};
use kql_compiler::catalog::{KEY_COLUMN_ID, SYSTEM_TABLE_ID_BASE};

use super::context::{Budget, Who};
use super::error::{ExecError, Result, XCode};
use super::expr::{EvalCtx, eval_constant};
use super::machine::now_us;
use super::ops::plan_table_def_at;
use super::prepared::Prepared;
use super::types::{from_arrow, storage_scalar};
use crate::db::Database;

/// A plan that is one point get and its `Emit`.
#[derive(Debug)]
pub struct PointGet {
    table: TableRef,
    key: Vec<ExprId>,
    columns: Vec<ColumnId>,
    /// The Arrow schema of the register `SeekKey` writes and `Emit` sends.
    pub schema: SchemaRef,
    /// The column names and types of the compact answer, computed once and shared
    /// by every answer.
    pub row_columns: Arc<[(String, String)]>,
    /// Per output column, whether its text is JSON (the field's extension type).
    json: Vec<bool>,
}

/// What [`PointGet::run`] found.
#[derive(Debug)]
pub enum PointRun {
    /// The row's values, one per output column, as the compact frame carries them.
    Row(Vec<Value>),
    /// No row has the key (or a key part is null).
    Absent,
    /// The VM's answer could differ: run the plan there.
    Declined,
}

impl PointGet {
    /// The point get `program` is, if it is exactly `SeekKey` of a stored table, then
    /// (a `Project` of its columns, then) `Emit` of the register, then `Halt`, without
    /// `explain analyze`.
    pub fn of(program: &VerifiedProgram, schemas: &[SchemaRef]) -> Option<PointGet> {
        if program.flags.analyze() {
            return None;
        }
        let (seek, out_reg, columns) = match program.insns.as_slice() {
            [
                seek @ Insn::SeekKey { dest, columns, .. },
                Insn::Emit { src },
                Insn::Halt {},
            ] if src == dest => (seek, dest, columns.clone()),
            // A `select` in another order than the table's, or repeating a column:
            // a `Project` of plain column references.
            [
                seek @ Insn::SeekKey { dest, columns, .. },
                Insn::Project {
                    src,
                    exprs,
                    dest: projected,
                },
                Insn::Emit { src: emitted },
                Insn::Halt {},
            ] if src == dest && emitted == projected => {
                let picked = exprs
                    .iter()
                    .map(|e| match program.exprs.get(e.index())?.nodes.as_slice() {
                        [Node::Column { index }] => columns.get(usize::from(*index)).copied(),
                        _ => None,
                    })
                    .collect::<Option<Vec<_>>>()?;
                (seek, projected, picked)
            }
            _ => return None,
        };
        let Insn::SeekKey { table, key, .. } = seek else {
            return None;
        };
        let stored = program
            .tables
            .get(table.index())
            .is_some_and(|t| t.id < SYSTEM_TABLE_ID_BASE);
        if !stored || columns.iter().any(|c| c.0 == KEY_COLUMN_ID) {
            return None;
        }
        let schema = program
            .registers
            .get(out_reg.index())
            .and_then(|s| schemas.get(*s as usize))?
            .clone();
        if schema.fields().len() != columns.len() {
            return None;
        }
        Some(PointGet {
            table: *table,
            key: key.clone(),
            columns: columns.iter().map(|c| ColumnId(c.0)).collect(),
            row_columns: crate::exec::output::row_columns(&schema).into(),
            json: schema.fields().iter().map(|f| is_json(f)).collect(),
            schema,
        })
    }

    /// Looks the row up for `who` (already resolved for `execute as`) with the bound
    /// `params`, the table and the owner taken from `catalog`. Errors are the VM's for
    /// the same plan; the caller holds the DDL lock shared and has checked the plan's
    /// pins in `catalog`.
    pub fn run(
        &self,
        p: &Prepared,
        db: &Database,
        catalog: &CatalogSnapshot,
        who: &Who,
        params: &[ArrayRef],
        budget: &Budget,
    ) -> Result<PointRun> {
        let seek = p
            .program
            .insns
            .first()
            .ok_or_else(|| ExecError::internal("a point get without its instruction"))?;
        let at_seek = |e: ExecError| super::machine::locate(e, 0, seek);
        let def = plan_table_def_at(&p.program, catalog, self.table).map_err(at_seek)?;
        if def.has_hidden_key() {
            return Ok(PointRun::Declined);
        }
        let schema = &self.schema;
        // Each output column exactly as stored: nothing for the VM to cast.
        for (id, f) in self.columns.iter().zip(schema.fields()) {
            match def.column(*id) {
                Some(c) if c.data_type.matches_arrow(f.data_type()) => {}
                _ => return Ok(PointRun::Declined),
            }
        }
        // Made (and the clock read, for `now()`) only for a key part that is
        // evaluated; every evaluated part sees the same time.
        let mut ev: Option<EvalCtx<'_>> = None;
        let mut parts = Vec::with_capacity(self.key.len());
        for e in &self.key {
            let expr = p.program.exprs.get(e.index()).ok_or_else(|| {
                at_seek(ExecError::internal(format!(
                    "expression {e} does not exist"
                )))
            })?;
            // A key part that is one parameter or one constant is that array, as
            // the evaluator would return it; anything else is evaluated.
            let a = match expr.nodes.as_slice() {
                [Node::Param { index }] => params.get(usize::from(*index)).cloned(),
                [Node::Const { index }] => p.consts.get(*index as usize).cloned(),
                _ => None,
            };
            let a = match a {
                Some(a) => a,
                None => {
                    let ev = ev.get_or_insert_with(|| EvalCtx {
                        consts: &p.consts,
                        params,
                        now_us: now_us(),
                        user: &who.effective,
                    });
                    eval_constant(expr, ev).map_err(at_seek)?
                }
            };
            let part = storage_scalar(a.as_ref(), 0, from_arrow(a.data_type())).map_err(at_seek)?;
            if part.is_null() {
                return Ok(PointRun::Absent);
            }
            parts.push(part);
        }
        let owner = (def.kind == TableKind::User).then_some(who.owner);
        let Some(values) = db
            .engine
            .get_values_at(catalog, def.id, owner, &parts, Some(&self.columns))
            .map_err(|e| at_seek(e.into()))?
        else {
            return Ok(PointRun::Absent);
        };
        // The VM holds the row in a register under the memory limit; a row anywhere
        // near it goes there to be measured the same way.
        let bytes: usize = values.iter().map(scalar_bytes).sum();
        if bytes.saturating_mul(2) >= budget.max_memory {
            return Ok(PointRun::Declined);
        }
        if budget.max_rows < 1 {
            // The `Emit` before the closing `Halt`.
            let at = p.program.insns.len().saturating_sub(2);
            let emit = p.program.insns.get(at).unwrap_or(seek);
            return Err(super::machine::locate(
                ExecError::new(
                    XCode::RowLimit,
                    format!(
                        "the statement returns more than {} rows (limits.query_max_rows); narrow it with `where` or `take`",
                        budget.max_rows
                    ),
                ),
                at,
                emit,
            ));
        }
        let values = values
            .into_iter()
            .zip(&self.json)
            .map(|(v, json)| cell(v, *json))
            .collect();
        Ok(PointRun::Row(values))
    }
}

/// Bytes a value takes (its heap part, at least 16).
fn scalar_bytes(v: &ScalarValue) -> usize {
    match v {
        ScalarValue::Text(s) | ScalarValue::Json(s) => s.len() + 16,
        ScalarValue::Bytes(b) => b.len() + 16,
        _ => 16,
    }
}

/// Whether the field holds JSON text (`arrow.json`), as the compact answer says.
fn is_json(f: &Field) -> bool {
    f.metadata()
        .get("ARROW:extension:name")
        .is_some_and(|n| n == "arrow.json")
}

/// One compact cell from a stored value of the field's type (`json`: a JSON text
/// field): what the compact answer of the VM's one-row batch holds (`exec::output`).
fn cell(v: ScalarValue, json: bool) -> Value {
    use ScalarValue as S;
    match v {
        S::Null => Value::Null,
        S::Bool(b) => Value::Bool(b),
        S::Int16(i) => Value::Int(i64::from(i)),
        S::Int32(i) => Value::Int(i64::from(i)),
        S::Int64(i) => Value::Int(i),
        S::Float32(x) => Value::Float(f64::from(x)),
        S::Float64(x) => Value::Float(x),
        S::Decimal(unscaled, precision, scale) => Value::Decimal {
            unscaled,
            precision,
            scale: scale.max(0) as u8,
        },
        S::Text(s) | S::Json(s) => {
            if json {
                Value::Json(s)
            } else {
                Value::Text(s)
            }
        }
        S::Bytes(b) => Value::Bytes(b),
        S::Timestamp(t) => Value::Timestamp(t),
        S::Date(d) => Value::Date(d),
        S::Time(t) => Value::Time(t),
        S::Uuid(u) => Value::Uuid(u),
    }
}
