//! Predicates bound to a table: constants coerced to the column type, exact evaluation
//! over Arrow arrays (arrow kernels), and the pruning test against min/max statistics.

use std::cmp::Ordering;

use arrow_array::{Array, ArrayRef, BooleanArray, Datum, Scalar};
use arrow_ord::cmp;

use super::spec::{Predicate, PredicateOp};
use crate::catalog::{ColumnId, TableDef};
use crate::error::{Result, StorageError};
use crate::options::Limits;
use crate::types::{DataType, ScalarValue};

/// A predicate with its constants coerced and turned into Arrow scalars.
pub(crate) struct BoundPredicate {
    pub column: ColumnId,
    pub data_type: DataType,
    pub op: PredicateOp,
    scalars: Vec<Scalar<ArrayRef>>,
}

/// Checks and binds the predicates of a scan.
pub(crate) fn bind(
    def: &TableDef,
    preds: &[Predicate],
    limits: &Limits,
) -> Result<Vec<BoundPredicate>> {
    let mut out = Vec::with_capacity(preds.len());
    for p in preds {
        let col = def
            .column(p.column)
            .ok_or_else(|| StorageError::UnknownColumn {
                table: def.qualified_name(),
                column: format!("id {}", p.column.0),
            })?;
        let dt = col.data_type;
        let coerce = |v: &ScalarValue| {
            v.coerce_to(&dt).map_err(|e| {
                StorageError::TypeMismatch(format!(
                    "predicate on `{}` of {}: {e}",
                    col.name,
                    def.qualified_name()
                ))
            })
        };
        let op = match &p.op {
            PredicateOp::Eq(v) => PredicateOp::Eq(coerce(v)?),
            PredicateOp::Ne(v) => PredicateOp::Ne(coerce(v)?),
            PredicateOp::Lt(v) => PredicateOp::Lt(coerce(v)?),
            PredicateOp::Le(v) => PredicateOp::Le(coerce(v)?),
            PredicateOp::Gt(v) => PredicateOp::Gt(coerce(v)?),
            PredicateOp::Ge(v) => PredicateOp::Ge(coerce(v)?),
            PredicateOp::Between(a, b) => PredicateOp::Between(coerce(a)?, coerce(b)?),
            PredicateOp::In(vs) => {
                if vs.len() > limits.max_in_list {
                    return Err(StorageError::LimitExceeded(format!(
                        "`in` list of {} values; at most {}",
                        vs.len(),
                        limits.max_in_list
                    )));
                }
                PredicateOp::In(vs.iter().map(coerce).collect::<Result<_>>()?)
            }
            PredicateOp::IsNull => PredicateOp::IsNull,
            PredicateOp::IsNotNull => PredicateOp::IsNotNull,
        };
        let values: Vec<&ScalarValue> = match &op {
            PredicateOp::Eq(v)
            | PredicateOp::Ne(v)
            | PredicateOp::Lt(v)
            | PredicateOp::Le(v)
            | PredicateOp::Gt(v)
            | PredicateOp::Ge(v) => vec![v],
            PredicateOp::Between(a, b) => vec![a, b],
            PredicateOp::In(vs) => vs.iter().collect(),
            PredicateOp::IsNull | PredicateOp::IsNotNull => vec![],
        };
        let scalars = values
            .into_iter()
            .map(|v| v.to_array(&dt, 1).map(Scalar::new))
            .collect::<Result<_>>()?;
        out.push(BoundPredicate {
            column: p.column,
            data_type: dt,
            op,
            scalars,
        });
    }
    Ok(out)
}

fn and(a: BooleanArray, b: BooleanArray) -> Result<BooleanArray> {
    Ok(arrow_arith::boolean::and(&a, &b)?)
}

impl BoundPredicate {
    /// Evaluates the predicate over `array` (the column's values); null means false.
    pub(crate) fn evaluate(&self, array: &dyn Array) -> Result<BooleanArray> {
        let s = |i: usize| &self.scalars[i] as &dyn Datum;
        let a = &array as &dyn Datum;
        let mask = match &self.op {
            PredicateOp::Eq(_) => cmp::eq(a, s(0))?,
            PredicateOp::Ne(_) => cmp::neq(a, s(0))?,
            PredicateOp::Lt(_) => cmp::lt(a, s(0))?,
            PredicateOp::Le(_) => cmp::lt_eq(a, s(0))?,
            PredicateOp::Gt(_) => cmp::gt(a, s(0))?,
            PredicateOp::Ge(_) => cmp::gt_eq(a, s(0))?,
            PredicateOp::Between(_, _) => and(cmp::gt_eq(a, s(0))?, cmp::lt_eq(a, s(1))?)?,
            PredicateOp::In(_) => {
                let mut acc = BooleanArray::from(vec![false; array.len()]);
                for i in 0..self.scalars.len() {
                    acc = arrow_arith::boolean::or_kleene(&acc, &cmp::eq(a, s(i))?)?;
                }
                acc
            }
            PredicateOp::IsNull => arrow_arith::boolean::is_null(array)?,
            PredicateOp::IsNotNull => arrow_arith::boolean::is_not_null(array)?,
        };
        Ok(mask)
    }

    /// False when no row with these statistics can satisfy the predicate. `min`/`max`
    /// are over the non-null values (`None` when unknown or all null), `nulls` and
    /// `rows` count values. Unknown statistics never prune.
    pub(crate) fn can_match(
        &self,
        min: Option<&ScalarValue>,
        max: Option<&ScalarValue>,
        nulls: Option<u64>,
        rows: u64,
    ) -> bool {
        if matches!(self.data_type, DataType::Float32 | DataType::Float64) {
            return true;
        }
        let all_null = nulls == Some(rows);
        match &self.op {
            PredicateOp::IsNull => return nulls.is_none_or(|n| n > 0),
            PredicateOp::IsNotNull => return !all_null,
            _ => {}
        }
        if all_null {
            return false;
        }
        let (Some(min), Some(max)) = (min, max) else {
            return true;
        };
        let c = |a: &ScalarValue, b: &ScalarValue| a.compare(b);
        let le = |a, b| c(a, b).is_none_or(|o| o != Ordering::Greater);
        let lt = |a, b| c(a, b).is_none_or(|o| o == Ordering::Less);
        match &self.op {
            PredicateOp::Eq(v) => le(min, v) && le(v, max),
            PredicateOp::Ne(v) => {
                !(c(min, v) == Some(Ordering::Equal) && c(max, v) == Some(Ordering::Equal))
            }
            PredicateOp::Lt(v) => lt(min, v),
            PredicateOp::Le(v) => le(min, v),
            PredicateOp::Gt(v) => lt(v, max),
            PredicateOp::Ge(v) => le(v, max),
            PredicateOp::Between(a, b) => le(a, max) && le(min, b),
            PredicateOp::In(vs) => vs.iter().any(|v| le(min, v) && le(v, max)),
            PredicateOp::IsNull | PredicateOp::IsNotNull => true,
        }
    }
}

/// Evaluates all predicates (AND) over the arrays of their columns; `arrays[i]` is the
/// column of `preds[i]`. `None` when there are no predicates.
pub(crate) fn evaluate_all(
    preds: &[BoundPredicate],
    arrays: &[&ArrayRef],
) -> Result<Option<BooleanArray>> {
    let mut acc: Option<BooleanArray> = None;
    for (p, a) in preds.iter().zip(arrays) {
        let m = p.evaluate(a.as_ref())?;
        acc = Some(match acc {
            None => m,
            Some(prev) => and(prev, m)?,
        });
    }
    Ok(acc)
}
