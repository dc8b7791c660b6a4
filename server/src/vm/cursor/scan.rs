//! Table scans. A scan of a stored table asks storage for the real columns it needs
//! (plus the key columns when the plan reads `#key`), the key range, and the simple
//! conjuncts of its filter as storage predicates (`column op constant`, `is_null`,
//! `in`), which storage uses to skip segments and row groups. Storage decides
//! versions before it filters; the VM then evaluates the whole filter again, so every
//! row a scan returns satisfies it. A scan of a system table reads rows the server
//! materialised when the scan opened.

use std::collections::VecDeque;
use std::ops::Bound;

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::SchemaRef;
use kalavar_storage::{
    ColumnId, DataType as StorageType, KeyRange as StorageRange, Predicate, PredicateOp,
    ScalarValue, ScanIter, ScanSpec, TableDef,
};
use kql_compiler::bytecode::{BinaryOp, Col, Expr, ExprId, Node, UnaryOp};
use kql_compiler::catalog::KEY_COLUMN_ID;

use crate::vm::context::Budget;
use crate::vm::error::{ExecError, Result};
use crate::vm::expr::{EvalCtx, eval};
use crate::vm::rowkey;
use crate::vm::types::{batch, batch_bytes};

/// Where an output column comes from.
#[derive(Debug, Clone, Copy)]
enum Slot {
    /// Column `i` of the storage batch.
    Col(usize),
    /// The row key, encoded from the key parts.
    Key,
}

/// How storage batches become the scan's output batches.
#[derive(Debug, Clone)]
pub struct Layout {
    slots: Vec<Slot>,
    /// Storage batch columns (and types) that make up the row key.
    key_parts: Vec<(usize, StorageType)>,
    table: u64,
}

impl Layout {
    /// The storage projection for plan `columns` of `def`, the layout to rebuild the
    /// output, and whether the hidden row id must be read.
    pub fn plan(def: &TableDef, columns: &[Col]) -> Result<(Vec<ColumnId>, Layout, bool)> {
        let mut projection: Vec<ColumnId> = Vec::new();
        let pos = |id: ColumnId, projection: &mut Vec<ColumnId>| match projection
            .iter()
            .position(|c| *c == id)
        {
            Some(i) => i,
            None => {
                projection.push(id);
                projection.len() - 1
            }
        };
        let mut slots = Vec::with_capacity(columns.len());
        let wants_key = columns.iter().any(|c| c.0 == KEY_COLUMN_ID);
        for c in columns {
            if c.0 == KEY_COLUMN_ID {
                slots.push(Slot::Key);
                continue;
            }
            let id = ColumnId(c.0);
            if def.column(id).is_none() {
                return Err(ExecError::internal(format!(
                    "column #{} is not in {}",
                    c.0,
                    def.qualified_name()
                )));
            }
            slots.push(Slot::Col(pos(id, &mut projection)));
        }
        let mut key_parts = Vec::new();
        let mut row_id = false;
        if wants_key {
            if def.has_hidden_key() {
                row_id = true;
            } else {
                for id in &def.primary_key {
                    let t = def
                        .column(*id)
                        .map(|c| c.data_type)
                        .ok_or_else(|| ExecError::internal("a key column is missing"))?;
                    key_parts.push((pos(*id, &mut projection), t));
                }
            }
        }
        if row_id {
            // The row id comes after the projected columns.
            key_parts.push((projection.len(), StorageType::Int64));
        }
        Ok((
            projection,
            Layout {
                slots,
                key_parts,
                table: def.id.0,
            },
            row_id,
        ))
    }

    /// The output columns of a storage batch.
    pub fn build(&self, raw: &RecordBatch, out: &SchemaRef) -> Result<RecordBatch> {
        let rows = raw.num_rows();
        let column = |i: usize| -> Result<ArrayRef> {
            raw.columns()
                .get(i)
                .cloned()
                .ok_or_else(|| ExecError::internal("storage returned fewer columns than asked"))
        };
        let mut key: Option<ArrayRef> = None;
        let mut cols = Vec::with_capacity(self.slots.len());
        for s in &self.slots {
            cols.push(match s {
                Slot::Col(i) => column(*i)?,
                Slot::Key => {
                    if key.is_none() {
                        let parts = self
                            .key_parts
                            .iter()
                            .map(|(i, t)| Ok((column(*i)?, *t)))
                            .collect::<Result<Vec<_>>>()?;
                        key = Some(rowkey::encode(self.table, &parts, rows)?);
                    }
                    key.clone().unwrap_or_else(|| raw.column(0).clone())
                }
            });
        }
        let cols = cols
            .into_iter()
            .zip(out.fields())
            .map(|(c, f)| {
                if c.data_type().equals_datatype(f.data_type()) {
                    Ok(c)
                } else {
                    arrow_cast::cast(&c, f.data_type()).map_err(ExecError::from)
                }
            })
            .collect::<Result<Vec<_>>>()?;
        batch(out, cols, rows)
    }
}

/// Where a scan's batches come from.
pub enum Source {
    Storage(Box<ScanIter>, Layout),
    /// Rows already in the output layout (system tables, snapshots).
    Memory(VecDeque<RecordBatch>),
}

/// An open scan.
pub struct ScanCursor {
    source: Source,
    filter: Option<Expr>,
    out: SchemaRef,
    held: usize,
}

impl ScanCursor {
    pub fn new(source: Source, filter: Option<Expr>, out: SchemaRef) -> ScanCursor {
        let held = match &source {
            Source::Memory(q) => q.iter().map(batch_bytes).sum(),
            Source::Storage(..) => 0,
        };
        ScanCursor {
            source,
            filter,
            out,
            held,
        }
    }

    pub fn held(&self) -> usize {
        self.held
    }

    /// The next batch with at least one row passing the filter.
    pub fn next(&mut self, ev: &EvalCtx<'_>, budget: &Budget) -> Result<Option<RecordBatch>> {
        loop {
            budget.check()?;
            let b = match &mut self.source {
                Source::Storage(it, layout) => match it.next() {
                    None => return Ok(None),
                    Some(raw) => {
                        let raw = raw?;
                        if raw.num_rows() == 0 {
                            continue;
                        }
                        layout.build(&raw, &self.out)?
                    }
                },
                Source::Memory(q) => match q.pop_front() {
                    None => return Ok(None),
                    Some(b) => {
                        self.held = self.held.saturating_sub(batch_bytes(&b));
                        b
                    }
                },
            };
            let b = match &self.filter {
                Some(f) => {
                    let mask = eval(f, Some(&b), b.num_rows(), ev)?;
                    let mask = mask
                        .as_boolean_opt()
                        .ok_or_else(|| ExecError::internal("a scan filter that is not bool"))?;
                    arrow_select::filter::filter_record_batch(&b, mask)?
                }
                None => b,
            };
            if b.num_rows() > 0 {
                return Ok(Some(b));
            }
        }
    }
}

/// A constant of a simple conjunct, as a storage scalar.
fn operand(
    node: &Node,
    ev: &EvalCtx<'_>,
    consts: &[kql_compiler::bytecode::Value],
    types: &[kql_compiler::types::DataType],
) -> Option<ScalarValue> {
    let v = match node {
        Node::Const { index } => crate::vm::types::value_scalar(consts.get(*index as usize)?)?,
        Node::Param { index } => {
            let a = ev.params.get(*index as usize)?;
            let t = *types.get(*index as usize)?;
            crate::vm::types::storage_scalar(a.as_ref(), 0, t).ok()?
        }
        _ => return None,
    };
    (!v.is_null()).then_some(v)
}

/// The conjuncts of `filter` storage can prune by: `column op constant` (either
/// side), `is_null`/`is_not_null` of a column, and `column in [constants]`, over real
/// columns (not `#key`). The VM still evaluates the whole filter.
pub fn pushdown(
    filter: &Expr,
    columns: &[Col],
    ev: &EvalCtx<'_>,
    consts: &[kql_compiler::bytecode::Value],
    param_types: &[kql_compiler::types::DataType],
) -> Vec<Predicate> {
    let nodes = &filter.nodes;
    let mut out = Vec::new();
    let Some(last) = nodes.len().checked_sub(1) else {
        return out;
    };
    let column = |n: usize| -> Option<ColumnId> {
        match nodes.get(n)? {
            Node::Column { index } => {
                let c = columns.get(*index as usize)?;
                (c.0 != KEY_COLUMN_ID).then_some(ColumnId(c.0))
            }
            _ => None,
        }
    };
    let mut stack = vec![last];
    let mut steps = 0;
    while let Some(n) = stack.pop() {
        steps += 1;
        if steps > nodes.len() * 2 + 2 {
            break;
        }
        let Some(node) = nodes.get(n) else { continue };
        match node {
            Node::Binary {
                op: BinaryOp::And,
                lhs,
                rhs,
            } if (*lhs as usize) < n && (*rhs as usize) < n => {
                stack.push(*lhs as usize);
                stack.push(*rhs as usize);
            }
            Node::Binary { op, lhs, rhs } if op.is_comparison() => {
                let (l, r) = (*lhs as usize, *rhs as usize);
                let (col, value, flipped) = match (column(l), column(r)) {
                    (Some(c), None) => (
                        c,
                        nodes
                            .get(r)
                            .and_then(|x| operand(x, ev, consts, param_types)),
                        false,
                    ),
                    (None, Some(c)) => (
                        c,
                        nodes
                            .get(l)
                            .and_then(|x| operand(x, ev, consts, param_types)),
                        true,
                    ),
                    _ => continue,
                };
                let Some(v) = value else { continue };
                let op = match (op, flipped) {
                    (BinaryOp::Eq, _) => PredicateOp::Eq(v),
                    (BinaryOp::NotEq, _) => PredicateOp::Ne(v),
                    (BinaryOp::Lt, false) | (BinaryOp::Gt, true) => PredicateOp::Lt(v),
                    (BinaryOp::LtEq, false) | (BinaryOp::GtEq, true) => PredicateOp::Le(v),
                    (BinaryOp::Gt, false) | (BinaryOp::Lt, true) => PredicateOp::Gt(v),
                    (BinaryOp::GtEq, false) | (BinaryOp::LtEq, true) => PredicateOp::Ge(v),
                    _ => continue,
                };
                out.push(Predicate::new(col, op));
            }
            Node::Unary { op, arg } if matches!(op, UnaryOp::IsNull | UnaryOp::IsNotNull) => {
                if let Some(c) = column(*arg as usize) {
                    out.push(Predicate::new(
                        c,
                        if *op == UnaryOp::IsNull {
                            PredicateOp::IsNull
                        } else {
                            PredicateOp::IsNotNull
                        },
                    ));
                }
            }
            Node::InList {
                arg,
                list,
                negated: false,
            } => {
                if let Some(c) = column(*arg as usize) {
                    let values: Option<Vec<ScalarValue>> = list
                        .iter()
                        .map(|i| {
                            nodes
                                .get(*i as usize)
                                .and_then(|x| operand(x, ev, consts, param_types))
                        })
                        .collect();
                    if let Some(values) = values
                        && !values.is_empty()
                        && values.len() <= 1000
                    {
                        out.push(Predicate::new(c, PredicateOp::In(values)));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A storage key range from evaluated constants: `eq` for the leading key columns,
/// then optional bounds on the next one. `None` when a part is null (no key matches).
pub fn key_range(
    eq: Vec<ScalarValue>,
    lower: Option<(ScalarValue, bool)>,
    upper: Option<(ScalarValue, bool)>,
) -> Option<StorageRange> {
    if eq.iter().any(ScalarValue::is_null)
        || lower.as_ref().is_some_and(|(v, _)| v.is_null())
        || upper.as_ref().is_some_and(|(v, _)| v.is_null())
    {
        return None;
    }
    let with = |v: ScalarValue| {
        let mut k = eq.clone();
        k.push(v);
        k
    };
    let start = match lower {
        Some((v, true)) => Bound::Included(with(v)),
        Some((v, false)) => Bound::Excluded(with(v)),
        None if eq.is_empty() => Bound::Unbounded,
        None => Bound::Included(eq.clone()),
    };
    let end = match upper {
        Some((v, true)) => Bound::Included(with(v)),
        Some((v, false)) => Bound::Excluded(with(v)),
        None if eq.is_empty() => Bound::Unbounded,
        None => Bound::Included(eq.clone()),
    };
    Some(StorageRange { start, end })
}

/// The scan spec of a stored table.
pub fn spec(
    def: &TableDef,
    owner: Option<kalavar_storage::UserId>,
    projection: Vec<ColumnId>,
    row_id: bool,
    predicates: Vec<Predicate>,
    range: StorageRange,
) -> ScanSpec {
    let mut s = ScanSpec::new(def.id, owner)
        .project(projection)
        .range(range)
        .batch_size(super::OUT_BATCH_ROWS);
    // Storage compares floats by IEEE total order (`-0.0 < 0.0`, NaNs apart) and
    // prunes nothing by them, so a float predicate would only drop rows the VM's
    // comparison keeps (`where ratio == 0` and a stored `-0.0`).
    let float = |c: ColumnId| {
        def.columns.iter().any(|d| {
            d.id == c && matches!(d.data_type, StorageType::Float32 | StorageType::Float64)
        })
    };
    s.predicates = predicates
        .into_iter()
        .filter(|p| !float(p.column))
        .collect();
    if row_id {
        s = s.with_row_id();
    }
    s
}

/// Looks up expression `e`.
pub fn expr(program: &kql_compiler::bytecode::Program, e: ExprId) -> Result<&Expr> {
    program
        .exprs
        .get(e.index())
        .ok_or_else(|| ExecError::internal(format!("expression {e} does not exist")))
}
