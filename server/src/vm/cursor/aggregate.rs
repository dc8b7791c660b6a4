//! Hash aggregation. Group keys are evaluated per fed batch and encoded with
//! `arrow-row` (so every key type, nulls included — nulls form one group — hashes
//! and compares as bytes); each row's group id indexes the accumulators, which update
//! column-at-a-time. Without keys there is one group, even when nothing was fed.
//! `Seal` decodes the group keys back into columns, finishes the aggregates and hands
//! out one row per group, in the order groups were first seen. Float keys and
//! `count_distinct` arguments are canonical ([`crate::vm::floats`]): `-0.0` and `0.0`
//! are one group (keyed `0.0`), all NaNs another; `min`/`max` order NaN above every
//! number.
//!
//! Aggregates skip nulls. `count` is never null; `sum`, `avg`, `min` and `max` of a
//! group with no non-null value are null. Integer sums are `int64` and overflow is an
//! error; decimal sums and averages are `decimal(38, s)`; a float sum or average whose
//! running sum of finite values becomes infinite is an overflow too.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, DurationMicrosecondType, Float64Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, ArrowPrimitiveType, Decimal128Array, DurationMicrosecondArray, Float64Array,
    Int64Array, PrimitiveArray, RecordBatch,
};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::{DataType as Arrow, SchemaRef};
use kql_compiler::bytecode::{AggFunc, Expr};

use super::chunks;
use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::expr::arith::{div_round, pow10};
use crate::vm::expr::{EvalCtx, eval};
use crate::vm::floats;
use crate::vm::hash::{RowMap, RowSet};
use crate::vm::types::{batch, batch_bytes};

/// Adds each valid value of `v` to its group's sum, failing on overflow.
fn checked_sums<T: ArrowPrimitiveType<Native = i64>>(
    sums: &mut [i64],
    seen: &mut [bool],
    groups: &[u32],
    v: &PrimitiveArray<T>,
) -> Result<()> {
    for (i, g) in groups.iter().enumerate() {
        if v.is_valid(i) {
            let g = *g as usize;
            sums[g] = sums[g]
                .checked_add(v.value(i))
                .ok_or_else(|| overflow("sum()"))?;
            seen[g] = true;
        }
    }
    Ok(())
}

fn overflow(what: &str) -> ExecError {
    ExecError::new(XCode::Overflow, format!("{what} overflows"))
}

/// Whether the argument is a bare `null` (arrow's `NullArray`, whose slots report
/// themselves valid): every aggregate but `count()` skips all of its rows, so
/// `count(null)` is 0.
fn is_all_null(arg: Option<&ArrayRef>) -> bool {
    arg.is_some_and(|a| a.data_type() == &Arrow::Null)
}

/// `acc + v` for float sums: an infinite sum of finite values is an overflow (as in
/// PostgreSQL); an infinity or NaN among the values goes through.
fn float_add(acc: f64, v: f64, what: &str) -> Result<f64> {
    let sum = acc + v;
    if sum.is_infinite() && acc.is_finite() && v.is_finite() {
        return Err(overflow(what));
    }
    Ok(sum)
}

/// One aggregate's running state, one slot per group.
enum Acc {
    CountRows(Vec<i64>),
    Count(Vec<i64>),
    CountDistinct {
        converter: Option<RowConverter>,
        sets: Vec<RowSet>,
        bytes: usize,
    },
    SumInt(Vec<i64>, Vec<bool>),
    SumFloat(Vec<f64>, Vec<bool>),
    /// Decimal sums, at the argument's scale.
    SumDecimal(Vec<i128>, Vec<bool>, i8),
    SumDuration(Vec<i64>, Vec<bool>),
    AvgFloat(Vec<f64>, Vec<i64>),
    AvgInt(Vec<i128>, Vec<i64>),
    AvgDecimal(Vec<i128>, Vec<i64>, i8),
    AvgDuration(Vec<i128>, Vec<i64>),
    /// Min or max of any ordered type, compared as `arrow-row` bytes.
    Extreme {
        max: bool,
        converter: RowConverter,
        best: Vec<Option<Box<[u8]>>>,
        bytes: usize,
    },
}

impl Acc {
    fn for_arg(func: AggFunc, arg: Option<&ArrayRef>) -> Result<Acc> {
        let t = arg.map(|a| a.data_type().clone());
        Ok(match (func, t) {
            (AggFunc::CountRows, _) => Acc::CountRows(Vec::new()),
            (AggFunc::Count, _) => Acc::Count(Vec::new()),
            (AggFunc::CountDistinct, _) => Acc::CountDistinct {
                converter: None,
                sets: Vec::new(),
                bytes: 0,
            },
            (AggFunc::Sum, Some(Arrow::Int16 | Arrow::Int32 | Arrow::Int64)) => {
                Acc::SumInt(Vec::new(), Vec::new())
            }
            (AggFunc::Sum, Some(Arrow::Float32 | Arrow::Float64)) => {
                Acc::SumFloat(Vec::new(), Vec::new())
            }
            (AggFunc::Sum, Some(Arrow::Decimal128(_, s))) => {
                Acc::SumDecimal(Vec::new(), Vec::new(), s)
            }
            (AggFunc::Sum, Some(Arrow::Duration(_))) => Acc::SumDuration(Vec::new(), Vec::new()),
            (AggFunc::Avg, Some(Arrow::Int16 | Arrow::Int32 | Arrow::Int64)) => {
                Acc::AvgInt(Vec::new(), Vec::new())
            }
            (AggFunc::Avg, Some(Arrow::Float32 | Arrow::Float64)) => {
                Acc::AvgFloat(Vec::new(), Vec::new())
            }
            (AggFunc::Avg, Some(Arrow::Decimal128(_, s))) => {
                Acc::AvgDecimal(Vec::new(), Vec::new(), s)
            }
            (AggFunc::Avg, Some(Arrow::Duration(_))) => Acc::AvgDuration(Vec::new(), Vec::new()),
            (AggFunc::Min | AggFunc::Max, Some(t)) => Acc::Extreme {
                max: func == AggFunc::Max,
                converter: RowConverter::new(vec![SortField::new(t)])?,
                best: Vec::new(),
                bytes: 0,
            },
            (f, t) => {
                return Err(ExecError::internal(format!("{}() of {t:?}", f.name())));
            }
        })
    }

    fn grow(&mut self, n: usize) {
        match self {
            Acc::CountRows(c) | Acc::Count(c) => c.resize(n, 0),
            Acc::CountDistinct { sets, .. } => sets.resize_with(n, RowSet::default),
            Acc::SumInt(s, seen) | Acc::SumDuration(s, seen) => {
                s.resize(n, 0);
                seen.resize(n, false);
            }
            Acc::SumFloat(s, seen) => {
                s.resize(n, 0.0);
                seen.resize(n, false);
            }
            Acc::SumDecimal(s, seen, _) => {
                s.resize(n, 0);
                seen.resize(n, false);
            }
            Acc::AvgFloat(s, c) => {
                s.resize(n, 0.0);
                c.resize(n, 0);
            }
            Acc::AvgInt(s, c) | Acc::AvgDecimal(s, c, _) | Acc::AvgDuration(s, c) => {
                s.resize(n, 0);
                c.resize(n, 0);
            }
            Acc::Extreme { best, .. } => best.resize(n, None),
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Acc::CountRows(c) | Acc::Count(c) => c.len() * 8,
            Acc::CountDistinct { sets, bytes, .. } => sets.len() * 48 + bytes,
            Acc::SumInt(s, _) | Acc::SumDuration(s, _) => s.len() * 9,
            Acc::SumFloat(s, _) => s.len() * 9,
            Acc::SumDecimal(s, ..) => s.len() * 17,
            Acc::AvgFloat(s, _) => s.len() * 16,
            Acc::AvgInt(s, _) | Acc::AvgDecimal(s, ..) | Acc::AvgDuration(s, _) => s.len() * 24,
            Acc::Extreme { best, bytes, .. } => best.len() * 16 + bytes,
        }
    }

    /// Updates the one group of an aggregation without keys with every row of `arg`
    /// (`n` rows) by whole-array kernels; false when this aggregate has no such path
    /// (the caller then updates it row by row).
    fn update_single(&mut self, n: usize, arg: Option<&ArrayRef>) -> Result<bool> {
        let need = || arg.ok_or_else(|| ExecError::internal("an aggregate without its argument"));
        if is_all_null(arg) && !matches!(self, Acc::CountRows(_)) {
            return Ok(true);
        }
        match self {
            Acc::CountRows(c) => c[0] += n as i64,
            Acc::Count(c) => {
                let a = need()?;
                c[0] += (a.len() - a.null_count()) as i64;
            }
            Acc::SumInt(s, seen) => {
                let a = arrow_cast::cast(need()?, &Arrow::Int64)?;
                let part = arrow_arith::aggregate::sum_checked(a.as_primitive::<Int64Type>())
                    .map_err(|_| overflow("sum()"))?;
                if let Some(part) = part {
                    s[0] = s[0].checked_add(part).ok_or_else(|| overflow("sum()"))?;
                    seen[0] = true;
                }
            }
            // Float sums stay row by row: a kernel's summation order would change
            // their rounding.
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn update(&mut self, groups: &[u32], arg: Option<&ArrayRef>) -> Result<()> {
        let need = || arg.ok_or_else(|| ExecError::internal("an aggregate without its argument"));
        if is_all_null(arg) && !matches!(self, Acc::CountRows(_)) {
            return Ok(());
        }
        match self {
            Acc::CountRows(c) => {
                for g in groups {
                    c[*g as usize] += 1;
                }
            }
            Acc::Count(c) => {
                let a = need()?;
                for (i, g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        c[*g as usize] += 1;
                    }
                }
            }
            Acc::CountDistinct {
                converter,
                sets,
                bytes,
            } => {
                let a = need()?;
                if converter.is_none() {
                    *converter = Some(RowConverter::new(vec![SortField::new(
                        a.data_type().clone(),
                    )])?);
                }
                let conv = converter
                    .as_ref()
                    .ok_or_else(|| ExecError::internal("no converter"))?;
                let rows = conv.convert_columns(&[floats::canonical(a)])?;
                for (i, g) in groups.iter().enumerate() {
                    if a.is_valid(i) {
                        let r = rows.row(i).data();
                        let set = &mut sets[*g as usize];
                        if !set.contains(r) {
                            *bytes += r.len() + 16;
                            set.insert(r.into());
                        }
                    }
                }
            }
            Acc::SumInt(s, seen) => {
                let a = arrow_cast::cast(need()?, &Arrow::Int64)?;
                checked_sums(s, seen, groups, a.as_primitive::<Int64Type>())?;
            }
            Acc::SumDuration(s, seen) => {
                let v = need()?.as_primitive::<DurationMicrosecondType>();
                checked_sums(s, seen, groups, v)?;
            }
            Acc::SumFloat(s, seen) => {
                let a = arrow_cast::cast(need()?, &Arrow::Float64)?;
                let v = a.as_primitive::<Float64Type>();
                for (i, g) in groups.iter().enumerate() {
                    if v.is_valid(i) {
                        let g = *g as usize;
                        s[g] = float_add(s[g], v.value(i), "sum()")?;
                        seen[g] = true;
                    }
                }
            }
            Acc::SumDecimal(s, seen, _) => {
                let v = need()?.as_primitive::<Decimal128Type>();
                let limit = pow10(38) as u128;
                for (i, g) in groups.iter().enumerate() {
                    if v.is_valid(i) {
                        let g = *g as usize;
                        s[g] = s[g]
                            .checked_add(v.value(i))
                            .filter(|x| x.unsigned_abs() < limit)
                            .ok_or_else(|| overflow("sum()"))?;
                        seen[g] = true;
                    }
                }
            }
            Acc::AvgFloat(s, c) => {
                let a = arrow_cast::cast(need()?, &Arrow::Float64)?;
                let v = a.as_primitive::<Float64Type>();
                for (i, g) in groups.iter().enumerate() {
                    if v.is_valid(i) {
                        let g = *g as usize;
                        s[g] = float_add(s[g], v.value(i), "avg()")?;
                        c[g] += 1;
                    }
                }
            }
            Acc::AvgInt(s, c) => {
                let a = arrow_cast::cast(need()?, &Arrow::Int64)?;
                let v = a.as_primitive::<Int64Type>();
                for (i, g) in groups.iter().enumerate() {
                    if v.is_valid(i) {
                        let g = *g as usize;
                        s[g] = s[g]
                            .checked_add(i128::from(v.value(i)))
                            .ok_or_else(|| overflow("avg()"))?;
                        c[g] += 1;
                    }
                }
            }
            Acc::AvgDecimal(s, c, _) => {
                let v = need()?.as_primitive::<Decimal128Type>();
                for (i, g) in groups.iter().enumerate() {
                    if v.is_valid(i) {
                        let g = *g as usize;
                        s[g] = s[g]
                            .checked_add(v.value(i))
                            .ok_or_else(|| overflow("avg()"))?;
                        c[g] += 1;
                    }
                }
            }
            Acc::AvgDuration(s, c) => {
                let v = need()?.as_primitive::<DurationMicrosecondType>();
                for (i, g) in groups.iter().enumerate() {
                    if v.is_valid(i) {
                        let g = *g as usize;
                        s[g] = s[g]
                            .checked_add(i128::from(v.value(i)))
                            .ok_or_else(|| overflow("avg()"))?;
                        c[g] += 1;
                    }
                }
            }
            Acc::Extreme {
                max,
                converter,
                best,
                bytes,
            } => {
                let a = need()?;
                let rows = converter.convert_columns(&[floats::canonical_nan(a)])?;
                for (i, g) in groups.iter().enumerate() {
                    if !a.is_valid(i) {
                        continue;
                    }
                    let r = rows.row(i).data();
                    let slot = &mut best[*g as usize];
                    let better = match slot {
                        None => true,
                        Some(cur) => {
                            if *max {
                                r > cur.as_ref()
                            } else {
                                r < cur.as_ref()
                            }
                        }
                    };
                    if better {
                        *bytes += r.len();
                        *slot = Some(r.into());
                    }
                }
            }
        }
        Ok(())
    }

    /// The results, one per group; `out` is the declared result type.
    fn finish(self, out: &Arrow) -> Result<ArrayRef> {
        let opt = |v: Vec<i64>, seen: Vec<bool>| -> Int64Array {
            v.into_iter()
                .zip(seen)
                .map(|(x, s)| s.then_some(x))
                .collect()
        };
        Ok(match self {
            Acc::CountRows(c) | Acc::Count(c) => Arc::new(Int64Array::from(c)),
            Acc::CountDistinct { sets, .. } => Arc::new(Int64Array::from(
                sets.iter().map(|s| s.len() as i64).collect::<Vec<_>>(),
            )),
            Acc::SumInt(s, seen) => Arc::new(opt(s, seen)),
            Acc::SumDuration(s, seen) => Arc::new(DurationMicrosecondArray::from(
                s.into_iter()
                    .zip(seen)
                    .map(|(x, s)| s.then_some(x))
                    .collect::<Vec<_>>(),
            )),
            Acc::SumFloat(s, seen) => Arc::new(
                s.into_iter()
                    .zip(seen)
                    .map(|(x, s)| s.then_some(x))
                    .collect::<Float64Array>(),
            ),
            Acc::SumDecimal(s, seen, scale) => Arc::new(
                s.into_iter()
                    .zip(seen)
                    .map(|(x, s)| s.then_some(x))
                    .collect::<Decimal128Array>()
                    .with_precision_and_scale(38, scale)?,
            ),
            Acc::AvgFloat(s, c) => Arc::new(
                s.into_iter()
                    .zip(c)
                    .map(|(x, n)| (n > 0).then(|| x / n as f64))
                    .collect::<Float64Array>(),
            ),
            Acc::AvgInt(s, c) => Arc::new(
                s.into_iter()
                    .zip(c)
                    .map(|(x, n)| (n > 0).then(|| x as f64 / n as f64))
                    .collect::<Float64Array>(),
            ),
            Acc::AvgDecimal(s, c, scale) => Arc::new(
                s.into_iter()
                    .zip(c)
                    .map(|(x, n)| {
                        if n > 0 {
                            div_round(x, i128::from(n))
                        } else {
                            None
                        }
                    })
                    .collect::<Decimal128Array>()
                    .with_precision_and_scale(38, scale)?,
            ),
            Acc::AvgDuration(s, c) => {
                let mut out = Vec::with_capacity(s.len());
                for (x, n) in s.into_iter().zip(c) {
                    out.push(if n > 0 {
                        let v = div_round(x, i128::from(n)).ok_or_else(|| overflow("avg()"))?;
                        Some(i64::try_from(v).map_err(|_| overflow("avg()"))?)
                    } else {
                        None
                    });
                }
                Arc::new(DurationMicrosecondArray::from(out))
            }
            Acc::Extreme {
                converter, best, ..
            } => {
                let empty = arrow_array::new_null_array(out, 1);
                let null_row = converter.convert_columns(&[empty])?;
                let parser = converter.parser();
                let rows: Vec<arrow_row::Row<'_>> = best
                    .iter()
                    .map(|b| match b {
                        Some(bytes) => parser.parse(bytes),
                        None => null_row.row(0),
                    })
                    .collect();
                converter
                    .convert_rows(rows)?
                    .pop()
                    .ok_or_else(|| ExecError::internal("min/max without a column"))?
            }
        })
    }
}

/// A hash aggregation.
pub struct AggregateCursor {
    keys: Vec<Expr>,
    aggs: Vec<(AggFunc, Option<Expr>)>,
    out: SchemaRef,
    converter: Option<RowConverter>,
    map: RowMap<u32>,
    group_rows: Option<Rows>,
    groups: usize,
    accs: Option<Vec<Acc>>,
    result: Option<VecDeque<RecordBatch>>,
    held: usize,
}

impl AggregateCursor {
    pub fn new(keys: Vec<Expr>, aggs: Vec<(AggFunc, Option<Expr>)>, out: SchemaRef) -> Self {
        AggregateCursor {
            groups: usize::from(keys.is_empty()),
            keys,
            aggs,
            out,
            converter: None,
            map: RowMap::default(),
            group_rows: None,
            accs: None,
            result: None,
            held: 0,
        }
    }

    pub fn held(&self) -> usize {
        self.held
    }

    /// The group of each row of `b`, creating groups as they appear.
    fn group_ids(&mut self, b: &RecordBatch, ev: &EvalCtx<'_>) -> Result<Vec<u32>> {
        let n = b.num_rows();
        if self.keys.is_empty() {
            return Ok(vec![0; n]);
        }
        let arrays = self
            .keys
            .iter()
            .map(|e| eval(e, Some(b), n, ev).map(|a| floats::canonical(&a)))
            .collect::<Result<Vec<_>>>()?;
        if self.converter.is_none() {
            let fields = arrays
                .iter()
                .map(|a| SortField::new(a.data_type().clone()))
                .collect();
            let conv = RowConverter::new(fields)?;
            self.group_rows = Some(conv.empty_rows(1024, 16 * 1024));
            self.converter = Some(conv);
        }
        let conv = self
            .converter
            .as_ref()
            .ok_or_else(|| ExecError::internal("no converter"))?;
        let rows = conv.convert_columns(&arrays)?;
        let group_rows = self
            .group_rows
            .as_mut()
            .ok_or_else(|| ExecError::internal("no group rows"))?;
        let mut ids = Vec::with_capacity(n);
        for i in 0..n {
            let r = rows.row(i);
            let id = match self.map.get(r.data()) {
                Some(g) => *g,
                None => {
                    let g = u32::try_from(self.groups).map_err(|_| {
                        ExecError::new(XCode::MemoryLimit, "more than 4 billion groups")
                    })?;
                    self.map.insert(r.data().into(), g);
                    group_rows.push(r);
                    self.groups += 1;
                    g
                }
            };
            ids.push(id);
        }
        Ok(ids)
    }

    pub fn feed(&mut self, b: &RecordBatch, ev: &EvalCtx<'_>) -> Result<()> {
        if self.result.is_some() {
            return Err(ExecError::internal("Feed into a sealed aggregation"));
        }
        if b.num_rows() == 0 {
            return Ok(());
        }
        // Without keys every row is in group 0: most aggregates then take whole-array
        // kernels, and group ids are built only for those that do not.
        let single = self.keys.is_empty();
        let ids = if single {
            Vec::new()
        } else {
            self.group_ids(b, ev)?
        };
        let args = self
            .aggs
            .iter()
            .map(|(_, e)| {
                e.as_ref()
                    .map(|e| eval(e, Some(b), b.num_rows(), ev))
                    .transpose()
            })
            .collect::<Result<Vec<_>>>()?;
        if self.accs.is_none() {
            self.accs = Some(
                self.aggs
                    .iter()
                    .zip(&args)
                    .map(|((f, _), a)| Acc::for_arg(*f, a.as_ref()))
                    .collect::<Result<_>>()?,
            );
        }
        let groups = self.groups;
        let accs = self
            .accs
            .as_mut()
            .ok_or_else(|| ExecError::internal("no accumulators"))?;
        let n = b.num_rows();
        for (acc, arg) in accs.iter_mut().zip(&args) {
            acc.grow(groups);
            if single {
                if !acc.update_single(n, arg.as_ref())? {
                    acc.update(&vec![0; n], arg.as_ref())?;
                }
            } else {
                acc.update(&ids, arg.as_ref())?;
            }
        }
        let key_bytes = self.group_rows.as_ref().map_or(0, |r| r.size());
        self.held = key_bytes * 2 + self.groups * 16 + accs.iter().map(Acc::bytes).sum::<usize>();
        Ok(())
    }

    pub fn seal(&mut self) -> Result<()> {
        if self.result.is_some() {
            return Err(ExecError::internal("an aggregation sealed twice"));
        }
        let fields = self.out.fields().clone();
        let n_keys = self.keys.len();
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(fields.len());
        if n_keys > 0 {
            match (&self.converter, &self.group_rows) {
                (Some(conv), Some(rows)) => cols.extend(conv.convert_rows(rows.iter())?),
                _ => {
                    for f in fields.iter().take(n_keys) {
                        cols.push(arrow_array::new_empty_array(f.data_type()));
                    }
                }
            }
        }
        let accs = match self.accs.take() {
            Some(a) => a,
            None => self
                .aggs
                .iter()
                .zip(fields.iter().skip(n_keys))
                .map(|((f, _), field)| {
                    let probe = arrow_array::new_null_array(field.data_type(), 0);
                    let arg = match f {
                        AggFunc::CountRows | AggFunc::Count | AggFunc::CountDistinct => None,
                        // Sum of an empty integer column reads as int64 either way.
                        _ => Some(probe),
                    };
                    Acc::for_arg(*f, arg.as_ref())
                })
                .collect::<Result<Vec<_>>>()?,
        };
        for (mut acc, field) in accs.into_iter().zip(fields.iter().skip(n_keys)) {
            acc.grow(self.groups);
            let a = acc.finish(field.data_type())?;
            cols.push(if a.data_type().equals_datatype(field.data_type()) {
                a
            } else {
                arrow_cast::cast(&a, field.data_type())?
            });
        }
        let b = batch(&self.out, cols, self.groups)?;
        self.map = RowMap::default();
        self.group_rows = None;
        self.held = batch_bytes(&b);
        self.result = Some(chunks(b).into_iter().collect());
        Ok(())
    }

    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let q = self
            .result
            .as_mut()
            .ok_or_else(|| ExecError::internal("Next on an aggregation before Seal"))?;
        let b = q.pop_front();
        if let Some(b) = &b {
            self.held = self.held.saturating_sub(batch_bytes(b));
        }
        Ok(b)
    }
}
