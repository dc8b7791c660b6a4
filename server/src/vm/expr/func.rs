//! Scalar functions (`docs/bytecode.md`, *Functions*). Each takes its arguments as
//! [`Val`]s of exactly the verified types and returns one value per row; nulls in give
//! nulls out except where a function says otherwise (`coalesce`).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Decimal128Type, DurationMicrosecondType, Float32Type, Float64Type, Int16Type, Int32Type,
    Int64Type,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Decimal128Array, FixedSizeBinaryArray, Int64Array,
    PrimitiveArray, StringArray, TimestampMicrosecondArray,
};
use arrow_schema::DataType as Arrow;
use kql_compiler::bytecode::Func;

use super::arith::{div_round, pow10};
use super::eval::{EvalCtx, Val};
use crate::vm::error::{ExecError, Result, XCode, regex_message};

fn text(v: &Val) -> Result<&StringArray> {
    v.array
        .as_string_opt::<i32>()
        .ok_or_else(|| ExecError::internal("a text function on a value that is not text"))
}

fn arg<'a>(args: &[&'a Val], i: usize) -> Result<&'a Val> {
    args.get(i)
        .copied()
        .ok_or_else(|| ExecError::internal(format!("argument {} is missing", i + 1)))
}

fn idx(v: &Val, i: usize) -> usize {
    if v.scalar { 0 } else { i }
}

fn map_text(v: &Val, f: impl Fn(&str) -> String) -> Result<Val> {
    let out: StringArray = text(v)?.iter().map(|s| s.map(&f)).collect();
    Ok(Val::from_parts(Arc::new(out), v.scalar))
}

fn bad(message: impl Into<String>) -> ExecError {
    ExecError::new(XCode::BadArgument, message)
}

/// Calls `func` on `args` over `rows` rows.
pub fn call(func: Func, args: &[&Val], rows: usize, ctx: &EvalCtx<'_>) -> Result<Val> {
    let scalar = Val::all_scalar(args);
    let width = if scalar { 1 } else { rows };
    Ok(match func {
        Func::Len => {
            let a = arg(args, 0)?;
            let out: Int64Array = match a.array.data_type() {
                Arrow::Utf8 => text(a)?
                    .iter()
                    .map(|s| s.map(|s| s.chars().count() as i64))
                    .collect(),
                Arrow::Binary => a
                    .array
                    .as_binary::<i32>()
                    .iter()
                    .map(|b| b.map(|b| b.len() as i64))
                    .collect(),
                other => return Err(ExecError::internal(format!("len() of {other}"))),
            };
            Val::from_parts(Arc::new(out), a.scalar)
        }
        Func::Lower => map_text(arg(args, 0)?, super::case::lower)?,
        Func::Upper => map_text(arg(args, 0)?, super::case::upper)?,
        Func::Trim => map_text(arg(args, 0)?, |s| s.trim().to_owned())?,
        Func::Contains | Func::StartsWith | Func::EndsWith => {
            let (a, b) = (arg(args, 0)?, arg(args, 1)?);
            use arrow_string::like;
            let out = match func {
                Func::Contains => like::contains(a, b)?,
                Func::StartsWith => like::starts_with(a, b)?,
                _ => like::ends_with(a, b)?,
            };
            Val::from_parts(Arc::new(out), scalar)
        }
        Func::Matches => matches(arg(args, 0)?, arg(args, 1)?, width, scalar)?,
        Func::Substring => substring(args, width, scalar)?,
        Func::Concat => {
            let arrays: Vec<&StringArray> = args.iter().map(|a| text(a)).collect::<Result<_>>()?;
            let mut out: Vec<Option<String>> = Vec::with_capacity(width);
            for i in 0..width {
                let mut s = String::new();
                let mut null = false;
                for (a, v) in arrays.iter().zip(args) {
                    let j = idx(v, i);
                    if a.is_null(j) {
                        null = true;
                        break;
                    }
                    s.push_str(a.value(j));
                }
                out.push((!null).then_some(s));
            }
            Val::from_parts(Arc::new(StringArray::from(out)), scalar)
        }
        Func::Coalesce => {
            let first = arg(args, 0)?;
            let mut acc = first.materialize(width)?;
            for next in &args[1..] {
                let next = next.materialize(width)?;
                let keep = arrow_arith::boolean::is_not_null(acc.as_ref())?;
                acc = arrow_select::zip::zip(&keep, &acc, &next)?;
            }
            Val::from_parts(acc, scalar)
        }
        Func::If | Func::Case => {
            // From the last value back: each condition picks its value over what
            // follows it, so the first true condition wins.
            let last = arg(args, args.len().saturating_sub(1))?;
            let mut acc = last.materialize(width)?;
            for pair in args[..args.len() - 1].chunks(2).rev() {
                let [cond, value] = pair else {
                    return Err(ExecError::internal(format!(
                        "{}() with an even number of arguments",
                        func.name()
                    )));
                };
                let cond = cond.materialize(width)?;
                let mask = cond.as_boolean_opt().ok_or_else(|| {
                    ExecError::internal(format!("a condition of {}() is not bool", func.name()))
                })?;
                // A null condition is not true (the helper requires a null buffer).
                let cleared;
                let mask = if mask.null_count() > 0 {
                    cleared = arrow_select::filter::prep_null_mask_filter(mask);
                    &cleared
                } else {
                    mask
                };
                acc = arrow_select::zip::zip(mask, &value.materialize(width)?, &acc)?;
            }
            Val::from_parts(acc, scalar)
        }
        Func::Abs => abs(arg(args, 0)?)?,
        Func::Round | Func::Floor | Func::Ceil => rounding(func, arg(args, 0)?)?,
        Func::Now => Val::scalar(Arc::new(
            TimestampMicrosecondArray::from(vec![ctx.now_us]).with_timezone("UTC"),
        )),
        Func::Ago => {
            let d = arg(args, 0)?;
            let durations = d.array.as_primitive::<DurationMicrosecondType>();
            let mut out = Vec::with_capacity(durations.len());
            for v in durations.iter() {
                out.push(match v {
                    None => None,
                    Some(v) => Some(ctx.now_us.checked_sub(v).ok_or_else(|| {
                        ExecError::new(XCode::Overflow, "ago(): the timestamp overflows")
                    })?),
                });
            }
            Val::from_parts(
                Arc::new(TimestampMicrosecondArray::from(out).with_timezone("UTC")),
                d.scalar,
            )
        }
        Func::Snowflake => {
            let ids: Int64Array = (0..rows).map(|_| Some(snowflake())).collect();
            Val::array(Arc::new(ids))
        }
        Func::Uuid => {
            let mut bytes = vec![0u8; rows * 16];
            random_bytes(&mut bytes)?;
            for chunk in bytes.chunks_mut(16) {
                chunk[6] = (chunk[6] & 0x0F) | 0x40;
                chunk[8] = (chunk[8] & 0x3F) | 0x80;
            }
            let out = if rows == 0 {
                FixedSizeBinaryArray::new_null(16, 0)
            } else {
                FixedSizeBinaryArray::try_from_iter(bytes.chunks(16))
                    .map_err(|e| ExecError::internal(e.to_string()))?
            };
            Val::array(Arc::new(out))
        }
        Func::CurrentUser => Val::scalar(Arc::new(StringArray::from(vec![ctx.user]))),
    })
}

fn matches(t: &Val, p: &Val, width: usize, scalar: bool) -> Result<Val> {
    let texts = t.materialize(width)?;
    let texts = texts.as_string::<i32>();
    let out = if p.scalar {
        let pattern = text(p)?;
        if pattern.is_null(0) {
            BooleanArray::new_null(width)
        } else {
            arrow_string::regexp::regexp_is_match_scalar(texts, pattern.value(0), None)
                .map_err(|e| bad(format!("matches(): {}", regex_message(&e.to_string()))))?
        }
    } else {
        let patterns = p.materialize(width)?;
        arrow_string::regexp::regexp_is_match(
            texts,
            patterns.as_string::<i32>(),
            None::<&StringArray>,
        )
        .map_err(|e| bad(format!("matches(): {}", regex_message(&e.to_string()))))?
    };
    Ok(Val::from_parts(Arc::new(out), scalar))
}

fn substring(args: &[&Val], width: usize, scalar: bool) -> Result<Val> {
    let (t, s, l) = (arg(args, 0)?, arg(args, 1)?, arg(args, 2)?);
    let texts = text(t)?;
    let starts = s.array.as_primitive::<Int64Type>();
    let lens = l.array.as_primitive::<Int64Type>();
    let mut out: Vec<Option<String>> = Vec::with_capacity(width);
    for i in 0..width {
        let (a, b, c) = (idx(t, i), idx(s, i), idx(l, i));
        if texts.is_null(a) || starts.is_null(b) || lens.is_null(c) {
            out.push(None);
            continue;
        }
        let (start, len) = (starts.value(b), lens.value(c));
        if start < 0 || len < 0 {
            return Err(bad(format!(
                "substring(): start ({start}) and length ({len}) must not be negative"
            )));
        }
        out.push(Some(
            texts
                .value(a)
                .chars()
                .skip(start as usize)
                .take(len as usize)
                .collect(),
        ));
    }
    Ok(Val::from_parts(Arc::new(StringArray::from(out)), scalar))
}

fn checked_unary<T: arrow_array::ArrowPrimitiveType>(
    a: &ArrayRef,
    f: impl Fn(T::Native) -> Option<T::Native>,
    what: &str,
) -> Result<ArrayRef> {
    let p = a.as_primitive::<T>();
    let mut out: Vec<Option<T::Native>> = Vec::with_capacity(p.len());
    for v in p.iter() {
        out.push(match v {
            None => None,
            Some(v) => Some(f(v).ok_or_else(|| {
                ExecError::new(XCode::Overflow, format!("{what}: the result overflows"))
            })?),
        });
    }
    Ok(Arc::new(
        out.into_iter()
            .collect::<PrimitiveArray<T>>()
            .with_data_type(a.data_type().clone()),
    ))
}

fn abs(v: &Val) -> Result<Val> {
    let a = &v.array;
    let out = match a.data_type() {
        Arrow::Int16 => checked_unary::<Int16Type>(a, i16::checked_abs, "abs()")?,
        Arrow::Int32 => checked_unary::<Int32Type>(a, i32::checked_abs, "abs()")?,
        Arrow::Int64 => checked_unary::<Int64Type>(a, i64::checked_abs, "abs()")?,
        Arrow::Float32 => checked_unary::<Float32Type>(a, |x| Some(x.abs()), "abs()")?,
        Arrow::Float64 => checked_unary::<Float64Type>(a, |x| Some(x.abs()), "abs()")?,
        Arrow::Decimal128(..) => checked_unary::<Decimal128Type>(a, i128::checked_abs, "abs()")?,
        other => return Err(ExecError::internal(format!("abs() of {other}"))),
    };
    Ok(Val::from_parts(out, v.scalar))
}

fn rounding(func: Func, v: &Val) -> Result<Val> {
    let a = &v.array;
    // Floats round half to even (PostgreSQL's `round(float8)`, the FPU's rounding);
    // decimals below round half away from zero (PostgreSQL's `round(numeric)`).
    let f64f = |x: f64| match func {
        Func::Round => x.round_ties_even(),
        Func::Floor => x.floor(),
        _ => x.ceil(),
    };
    let out = match a.data_type() {
        Arrow::Float32 => checked_unary::<Float32Type>(a, |x| Some(f64f(x as f64) as f32), "")?,
        Arrow::Float64 => checked_unary::<Float64Type>(a, |x| Some(f64f(x)), "")?,
        Arrow::Decimal128(p, s) => {
            let (p, s) = (*p, *s);
            let unit = pow10(s.max(0) as u32);
            let limit = pow10(u32::from(p));
            let d = a.as_primitive::<Decimal128Type>();
            let mut out: Vec<Option<i128>> = Vec::with_capacity(d.len());
            for x in d.iter() {
                let Some(x) = x else {
                    out.push(None);
                    continue;
                };
                let whole = match func {
                    Func::Round => div_round(x, unit),
                    Func::Floor => Some(x.div_euclid(unit)),
                    _ => Some(-((-x).div_euclid(unit))),
                };
                let r = whole
                    .and_then(|w| w.checked_mul(unit))
                    .filter(|r| r.unsigned_abs() < limit as u128)
                    .ok_or_else(|| {
                        ExecError::new(
                            XCode::Overflow,
                            format!(
                                "{}(): the result does not fit decimal({p}, {s})",
                                func.name()
                            ),
                        )
                    })?;
                out.push(Some(r));
            }
            Arc::new(Decimal128Array::from(out).with_precision_and_scale(p, s)?)
        }
        other => return Err(ExecError::internal(format!("{}() of {other}", func.name()))),
    };
    Ok(Val::from_parts(out, v.scalar))
}

/// Milliseconds of the snowflake epoch (2023-11-14T22:13:20Z).
const SNOWFLAKE_EPOCH_MS: i64 = 1_700_000_000_000;
static LAST_SNOWFLAKE: AtomicI64 = AtomicI64::new(0);

/// A new id, unique in this process and increasing: milliseconds since the snowflake
/// epoch in the high bits, a sequence in the low 22 bits (about four million ids per
/// millisecond before it borrows from the next millisecond).
pub fn snowflake() -> i64 {
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    let base = ((now_ms as i64).saturating_sub(SNOWFLAKE_EPOCH_MS)).max(0) << 22;
    let mut last = LAST_SNOWFLAKE.load(Ordering::Relaxed);
    loop {
        let next = base.max(last.saturating_add(1));
        match LAST_SNOWFLAKE.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => return next,
            Err(seen) => last = seen,
        }
    }
}

/// Fills `buf` from the operating system's random source.
pub fn random_bytes(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf)
        .map_err(|e| ExecError::internal(format!("no random bytes from the system: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_increase() {
        let mut last = 0;
        for _ in 0..10_000 {
            let id = snowflake();
            assert!(id > last);
            last = id;
        }
    }

    #[test]
    fn rounding_half_away_from_zero() {
        assert_eq!(div_round(15, 10), Some(2));
        assert_eq!(div_round(-15, 10), Some(-2));
        assert_eq!(div_round(14, 10), Some(1));
        assert_eq!(div_round(-14, 10), Some(-1));
        assert_eq!(div_round(15, -10), Some(-2));
    }
}
