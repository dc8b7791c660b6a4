//! Arithmetic. Integers and floats go through arrow's checked kernels (overflow and
//! division by zero are errors; for floats too, division by zero is an error rather
//! than an infinity). Float results are range-checked as PostgreSQL does: an
//! infinite result of finite operands is an overflow, and a zero product or quotient
//! of non-zero operands (a finite divisor) an underflow, both `X002`; infinities and
//! NaN that come in go through (`"inf"::float64 * 2` is `inf`). Decimals compute at
//! SQL's result type ([`BinaryOp::decimal_type`]: `decimal(10, 2) * decimal(10, 2)` is
//! `decimal(20, 4)`), products and quotients rounded half away from zero, a result
//! with more digits than its precision is an overflow. Timestamps, durations and
//! `duration × int64`
//! are computed on their microsecond values with checked `i64` arithmetic.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, DurationMicrosecondType, Float32Type, Float64Type, Int64Type,
    TimestampMicrosecondType,
};
use arrow_array::{
    Array, ArrayRef, Decimal128Array, DurationMicrosecondArray, PrimitiveArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType as Arrow, TimeUnit};
use kql_compiler::bytecode::BinaryOp;

use super::eval::Val;
use crate::vm::error::{ExecError, Result, XCode};

/// `-x` for numbers and durations; overflow is an error.
pub fn neg(a: &ArrayRef) -> Result<ArrayRef> {
    Ok(arrow_arith::numeric::neg(a.as_ref())?)
}

fn overflow(what: &str) -> ExecError {
    ExecError::new(XCode::Overflow, format!("{what} overflows"))
}

fn by_zero() -> ExecError {
    ExecError::new(XCode::DivisionByZero, "division by zero")
}

/// `lhs op rhs` for `+ - * / %`.
pub fn binary(op: BinaryOp, l: &Val, r: &Val, rows: usize) -> Result<Val> {
    let scalar = Val::all_scalar(&[l, r]);
    let lt = l.array.data_type().clone();
    let rt = r.array.data_type().clone();
    let out: ArrayRef = match (&lt, &rt) {
        (Arrow::Decimal128(p1, s1), Arrow::Decimal128(p2, s2)) => {
            decimal(op, l, r, rows, (*p1, *s1), (*p2, *s2))?
        }
        (Arrow::Timestamp(..) | Arrow::Duration(..), _) | (_, Arrow::Timestamp(..)) => {
            temporal(op, l, r, rows, &lt, &rt)?
        }
        (Arrow::Float32 | Arrow::Float64, _) => {
            if matches!(op, BinaryOp::Div | BinaryOp::Rem) && has_zero(r)? {
                return Err(by_zero());
            }
            let out = kernel(op, l, r)?;
            float_range(op, l, r, &out)?;
            out
        }
        _ => kernel(op, l, r)?,
    };
    Ok(Val::from_parts(out, scalar))
}

fn kernel(op: BinaryOp, l: &Val, r: &Val) -> Result<ArrayRef> {
    use arrow_arith::numeric as n;
    Ok(match op {
        BinaryOp::Add => n::add(l, r)?,
        BinaryOp::Sub => n::sub(l, r)?,
        BinaryOp::Mul => n::mul(l, r)?,
        BinaryOp::Div => n::div(l, r)?,
        BinaryOp::Rem => n::rem(l, r)?,
        other => {
            return Err(ExecError::internal(format!(
                "`{}` is not arithmetic",
                other.symbol()
            )));
        }
    })
}

/// Value `i` of a float array, as `f64` (exact for `float32`).
fn float_at(a: &dyn Array, i: usize) -> f64 {
    match a.data_type() {
        Arrow::Float32 => f64::from(a.as_primitive::<Float32Type>().value(i)),
        Arrow::Float64 => a.as_primitive::<Float64Type>().value(i),
        _ => f64::NAN,
    }
}

/// A float operation's result out of range: `x op y` of finite `x` and `y` gave an
/// infinity (overflow), or a product or quotient of non-zero `x` and `y` (a finite
/// divisor) gave zero (underflow). Checked per row only where the result is not a
/// finite non-zero number.
fn float_range(op: BinaryOp, l: &Val, r: &Val, out: &ArrayRef) -> Result<()> {
    let (la, ra) = (l.array.as_ref(), r.array.as_ref());
    let ty = if out.data_type() == &Arrow::Float32 {
        "float32"
    } else {
        "float64"
    };
    for i in 0..out.len() {
        if out.is_null(i) {
            continue;
        }
        let z = float_at(out.as_ref(), i);
        if z.is_finite() && z != 0.0 {
            continue;
        }
        let x = float_at(la, if l.scalar { 0 } else { i });
        let y = float_at(ra, if r.scalar { 0 } else { i });
        let under = z == 0.0
            && x != 0.0
            && match op {
                BinaryOp::Mul => y != 0.0,
                BinaryOp::Div => y.is_finite(),
                _ => false,
            };
        if z.is_infinite() && x.is_finite() && y.is_finite() {
            return Err(ExecError::new(
                XCode::Overflow,
                format!("{x:e} {} {y:e} overflows {ty}", op.symbol()),
            ));
        }
        if under {
            return Err(ExecError::new(
                XCode::Overflow,
                format!("{x:e} {} {y:e} underflows {ty}", op.symbol()),
            ));
        }
    }
    Ok(())
}

/// Whether a float divisor holds a zero in a non-null slot.
fn has_zero(v: &Val) -> Result<bool> {
    let a = v.array.as_ref();
    let zero_at = |i: usize| -> bool {
        match a.data_type() {
            Arrow::Float32 => a.as_primitive::<Float32Type>().value(i) == 0.0,
            Arrow::Float64 => a.as_primitive::<Float64Type>().value(i) == 0.0,
            _ => false,
        }
    };
    Ok((0..a.len()).any(|i| a.is_valid(i) && zero_at(i)))
}

/// `10^s` as i128 (s ≤ 38).
pub fn pow10(s: u32) -> i128 {
    10i128.pow(s.min(38))
}

/// `n / d` rounded half away from zero (d ≠ 0).
pub fn div_round(n: i128, d: i128) -> Option<i128> {
    let q = n.checked_div(d)?;
    let r = n.checked_rem(d)?;
    if r.unsigned_abs().checked_mul(2)? >= d.unsigned_abs() {
        if (n < 0) == (d < 0) {
            q.checked_add(1)
        } else {
            q.checked_sub(1)
        }
    } else {
        Some(q)
    }
}

/// Applies `f` row by row to two arrays of `rows` rows (scalars broadcast); a null on
/// either side gives null.
fn zip_i128(
    l: &PrimitiveArray<Decimal128Type>,
    ls: bool,
    r: &PrimitiveArray<Decimal128Type>,
    rs: bool,
    n: usize,
    mut f: impl FnMut(i128, i128) -> Result<i128>,
) -> Result<Decimal128Array> {
    let mut out: Vec<Option<i128>> = Vec::with_capacity(n);
    for i in 0..n {
        let (li, ri) = (if ls { 0 } else { i }, if rs { 0 } else { i });
        if l.is_null(li) || r.is_null(ri) {
            out.push(None);
        } else {
            out.push(Some(f(l.value(li), r.value(ri))?));
        }
    }
    Ok(Decimal128Array::from(out))
}

/// Decimal arithmetic at the result type [`BinaryOp::decimal_type`] gives (the one the
/// compiler and the verifier use): operands are brought to the needed scale, products
/// and quotients rounded half away from zero, a result past its precision overflows.
fn decimal(
    op: BinaryOp,
    l: &Val,
    r: &Val,
    rows: usize,
    lt: (u8, i8),
    rt: (u8, i8),
) -> Result<ArrayRef> {
    let n = Val::width(&[l, r], rows);
    let la = l.array.as_primitive::<Decimal128Type>();
    let ra = r.array.as_primitive::<Decimal128Type>();
    let (s1, s2) = (lt.1.max(0) as u8, rt.1.max(0) as u8);
    let (p, s) = match op.decimal_type((lt.0, s1), (rt.0, s2)) {
        kql_compiler::types::DataType::Decimal { precision, scale } => (precision, scale),
        _ => (lt.0, s1),
    };
    let limit = pow10(u32::from(p));
    let what = || overflow(&format!("decimal({p}, {s}) arithmetic"));
    let fit = |v: Option<i128>| -> Result<i128> {
        match v {
            Some(v) if v.unsigned_abs() < limit as u128 => Ok(v),
            _ => Err(what()),
        }
    };
    // `x` (at scale `from`) at scale `to` ≥ `from`.
    let up = |x: i128, from: u8, to: u8| x.checked_mul(pow10(u32::from(to.saturating_sub(from))));
    let out = zip_i128(la, l.scalar, ra, r.scalar, n, |a, b| match op {
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Rem => {
            let k = s1.max(s2);
            let (a, b) = (
                up(a, s1, k).ok_or_else(what)?,
                up(b, s2, k).ok_or_else(what)?,
            );
            let v = match op {
                BinaryOp::Add => a.checked_add(b),
                BinaryOp::Sub => a.checked_sub(b),
                _ if b == 0 => return Err(by_zero()),
                _ => a.checked_rem(b),
            };
            // `s` is below `k` only when 38 digits cannot hold both scales.
            fit(v.and_then(|v| div_round(v, pow10(u32::from(k.saturating_sub(s))))))
        }
        BinaryOp::Mul => fit(a
            .checked_mul(b)
            .and_then(|x| div_round(x, pow10(u32::from((s1 + s2).saturating_sub(s)))))),
        BinaryOp::Div => {
            if b == 0 {
                return Err(by_zero());
            }
            // a / b at scale s: a · 10^(s + s2 − s1) / b.
            let e = (u32::from(s) + u32::from(s2)).saturating_sub(u32::from(s1));
            fit(a.checked_mul(pow10(e)).and_then(|x| div_round(x, b)))
        }
        other => Err(ExecError::internal(format!(
            "`{}` is not arithmetic",
            other.symbol()
        ))),
    })?;
    Ok(Arc::new(out.with_precision_and_scale(p, s as i8)?))
}

/// The microsecond values of a timestamp, duration or int64 array.
fn micros(a: &dyn Array) -> Result<&[i64]> {
    Ok(match a.data_type() {
        Arrow::Timestamp(TimeUnit::Microsecond, _) => {
            a.as_primitive::<TimestampMicrosecondType>().values()
        }
        Arrow::Duration(TimeUnit::Microsecond) => {
            a.as_primitive::<DurationMicrosecondType>().values()
        }
        Arrow::Int64 => a.as_primitive::<Int64Type>().values(),
        other => {
            return Err(ExecError::internal(format!(
                "{other} in timestamp arithmetic"
            )));
        }
    })
}

enum Out {
    Timestamp,
    Duration,
}

fn temporal(
    op: BinaryOp,
    l: &Val,
    r: &Val,
    rows: usize,
    lt: &Arrow,
    rt: &Arrow,
) -> Result<ArrayRef> {
    use Arrow::{Duration as D, Int64 as I, Timestamp as T};
    let out = match (lt, rt, op) {
        (T(..), D(_), BinaryOp::Add | BinaryOp::Sub) | (D(_), T(..), BinaryOp::Add) => {
            Out::Timestamp
        }
        (T(..), T(..), BinaryOp::Sub)
        | (D(_), D(_), BinaryOp::Add | BinaryOp::Sub)
        | (D(_), I, BinaryOp::Mul | BinaryOp::Div) => Out::Duration,
        _ => {
            return Err(ExecError::internal(format!(
                "`{}` on {lt} and {rt}",
                op.symbol()
            )));
        }
    };
    let n = Val::width(&[l, r], rows);
    let (la, ra) = (l.array.as_ref(), r.array.as_ref());
    let (lv, rv) = (micros(la)?, micros(ra)?);
    let mut values: Vec<Option<i64>> = Vec::with_capacity(n);
    for i in 0..n {
        let (li, ri) = (if l.scalar { 0 } else { i }, if r.scalar { 0 } else { i });
        if la.is_null(li) || ra.is_null(ri) {
            values.push(None);
            continue;
        }
        let (a, b) = (lv[li], rv[ri]);
        let v = match op {
            BinaryOp::Add => a.checked_add(b),
            BinaryOp::Sub => a.checked_sub(b),
            BinaryOp::Mul => a.checked_mul(b),
            BinaryOp::Div => {
                if b == 0 {
                    return Err(by_zero());
                }
                a.checked_div(b)
            }
            _ => None,
        };
        values.push(Some(v.ok_or_else(|| overflow("timestamp arithmetic"))?));
    }
    Ok(match out {
        Out::Timestamp => Arc::new(TimestampMicrosecondArray::from(values).with_timezone("UTC")),
        Out::Duration => Arc::new(DurationMicrosecondArray::from(values)),
    })
}
