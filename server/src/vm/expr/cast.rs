//! Explicit casts (`x :: T`, and the widenings the binder inserts). Arrow's cast does
//! most of the work with `safe = false`, so a value that does not convert is an error
//! (`X004`) instead of a null. The VM handles itself what Arrow does not spell the
//! KQL way: `json` (text that must parse as JSON), `uuid` ↔ text (the 8-4-4-4-12 hex
//! form), `duration` ↔ text (`90s`, `1h`, `250ms`), numbers to integers, which
//! round as PostgreSQL rounds (Arrow truncates): floats half to even (`2.5` → 2),
//! decimals half away from zero (`2.5` → 3), and timestamps: they are UTC
//! instants typed `Timestamp(µs, "UTC")`, and arrow resolves a named zone only with
//! the `chrono-tz` feature, so a cast from a timestamp reads the same microseconds as
//! a zone-less timestamp (whose wall clock is UTC) and a cast to one produces a
//! zone-less timestamp and labels it `UTC`. A timestamp's text is its canonical
//! literal without the `@`: `2026-11-21T10:00:00.25Z`.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    DurationMicrosecondType, Float32Type, Float64Type, TimestampMicrosecondType,
};
use arrow_array::{Array, ArrayRef, DurationMicrosecondArray, FixedSizeBinaryArray, StringArray};
use arrow_cast::{CastOptions, cast_with_options};
use arrow_schema::{DataType as Arrow, TimeUnit};
use kql_compiler::bytecode::format_duration;
use kql_compiler::types::DataType;

use super::eval::Val;
use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::types::arrow_type;

fn failed(message: impl Into<String>) -> ExecError {
    ExecError::new(XCode::CastFailed, message)
}

/// Casts `v` to `to`.
pub fn cast(v: &Val, to: DataType) -> Result<Val> {
    let a = &v.array;
    let out = cast_array(a, to)?;
    Ok(Val::from_parts(out, v.scalar))
}

/// Casts an array to `to`.
pub fn cast_array(a: &ArrayRef, to: DataType) -> Result<ArrayRef> {
    let from = a.data_type().clone();
    let want = arrow_type(to);
    if to == DataType::Json {
        let text = if from == Arrow::Utf8 {
            a.clone()
        } else {
            cast_array(a, DataType::Text)?
        };
        check_json(&text)?;
        return Ok(text);
    }
    if from.equals_datatype(&want) {
        return Ok(a.clone());
    }
    if let Arrow::Timestamp(TimeUnit::Microsecond, Some(_)) = from {
        let t = a.as_primitive::<TimestampMicrosecondType>();
        if to == DataType::Text {
            let out: StringArray = t
                .iter()
                .map(|v| v.map(kql::calendar::format_timestamp))
                .collect();
            return Ok(Arc::new(out));
        }
        let naive: ArrayRef = Arc::new(t.clone().with_timezone_opt(None::<String>));
        return arrow_cast_checked(&naive, &want, &from, to);
    }
    if to == DataType::Timestamp {
        let naive_type = Arrow::Timestamp(TimeUnit::Microsecond, None);
        let naive = match arrow_cast_checked(a, &naive_type, &from, to) {
            // Arrow wants seconds; `2026-11-21 10:00` (as a KQL literal may be
            // written, and PostgreSQL reads) gets `:00`.
            Err(e) if from == Arrow::Utf8 => {
                let filled: StringArray = a
                    .as_string::<i32>()
                    .iter()
                    .map(|v| v.map(with_seconds))
                    .collect();
                arrow_cast_checked(&(Arc::new(filled) as ArrayRef), &naive_type, &from, to)
                    .map_err(|_| e)?
            }
            other => other?,
        };
        let utc = naive.as_primitive::<TimestampMicrosecondType>().clone();
        return Ok(Arc::new(utc.with_timezone("UTC")));
    }
    if to.is_integer() {
        match &from {
            Arrow::Float32 | Arrow::Float64 => {
                let f = cast_array(a, DataType::Float64)?;
                let rounded: arrow_array::Float64Array = f
                    .as_primitive::<arrow_array::types::Float64Type>()
                    .unary(f64::round_ties_even);
                return arrow_cast(&(Arc::new(rounded) as ArrayRef), to);
            }
            Arrow::Decimal128(_, scale) if *scale > 0 => {
                // Arrow rounds half away from zero when it drops decimal places.
                let whole = arrow_cast(a, DataType::decimal(38, 0).expect("valid"))?;
                return arrow_cast(&whole, to);
            }
            _ => {}
        }
    }
    match (&from, to) {
        (Arrow::Utf8, DataType::Uuid) => return uuid_from_text(a),
        (Arrow::FixedSizeBinary(16), DataType::Text) => return uuid_to_text(a),
        (Arrow::Utf8, DataType::Duration) => return duration_from_text(a),
        (Arrow::Duration(_), DataType::Text) => {
            let d = a.as_primitive::<DurationMicrosecondType>();
            let out: StringArray = d.iter().map(|v| v.map(format_duration)).collect();
            return Ok(Arc::new(out));
        }
        _ => {}
    }
    let out = arrow_cast(a, to)?;
    if matches!(to, DataType::Float32 | DataType::Float64) {
        float_range(a, &out, to)?;
    }
    Ok(out)
}

/// A cast to a float out of the target's range, as PostgreSQL reports it: text or a
/// `float64` whose value is finite and not zero but became infinite (overflow) or
/// zero (underflow). Text that spells an infinity (`inf`, `-Infinity`) or a zero
/// (`0e5`) converts as written.
fn float_range(a: &ArrayRef, out: &ArrayRef, to: DataType) -> Result<()> {
    let value = |i: usize| -> f64 {
        match out.data_type() {
            Arrow::Float32 => f64::from(out.as_primitive::<Float32Type>().value(i)),
            _ => out.as_primitive::<Float64Type>().value(i),
        }
    };
    for i in 0..out.len() {
        if out.is_null(i) {
            continue;
        }
        let z = value(i);
        if z.is_finite() && z != 0.0 {
            continue;
        }
        let (finite, nonzero, shown) = match a.data_type() {
            Arrow::Utf8 => {
                let t = a.as_string::<i32>().value(i).trim();
                let mantissa = t.split(['e', 'E']).next().unwrap_or("");
                let digits = mantissa.chars().any(|c| c.is_ascii_digit());
                (
                    digits,
                    mantissa.chars().any(|c| ('1'..='9').contains(&c)),
                    format!("`{t}`"),
                )
            }
            Arrow::Float64 => {
                let x = a.as_primitive::<Float64Type>().value(i);
                (x.is_finite(), x != 0.0, format!("{x:e}"))
            }
            _ => continue,
        };
        if finite && nonzero && (z.is_infinite() || z == 0.0) {
            let what = if z == 0.0 { "underflow" } else { "overflow" };
            return Err(ExecError::new(
                XCode::Overflow,
                format!("{shown} is out of range for {to} ({what})"),
            ));
        }
    }
    Ok(())
}

/// Arrow's cast with `safe = false`, its errors as `X004`.
fn arrow_cast(a: &ArrayRef, to: DataType) -> Result<ArrayRef> {
    arrow_cast_checked(a, &arrow_type(to), a.data_type(), to)
}

/// Arrow's cast of `a` to `want` with errors instead of nulls; `from` and `to` name
/// the types in messages.
fn arrow_cast_checked(a: &ArrayRef, want: &Arrow, from: &Arrow, to: DataType) -> Result<ArrayRef> {
    let options = CastOptions {
        safe: false,
        ..CastOptions::default()
    };
    cast_with_options(a, want, &options).map_err(|e| match e {
        arrow_schema::ArrowError::CastError(m)
        | arrow_schema::ArrowError::ParseError(m)
        | arrow_schema::ArrowError::InvalidArgumentError(m)
        | arrow_schema::ArrowError::ComputeError(m)
        | arrow_schema::ArrowError::ArithmeticOverflow(m) => {
            failed(format!("cannot cast {} to {to}: {m}", kql_name(from)))
        }
        other => failed(format!("cannot cast {} to {to}: {other}", kql_name(from))),
    })
}

/// `YYYY-MM-DD[T ]hh:mm` with nothing, `Z` or an offset after it gets `:00` after
/// the minutes; any other text is returned as it is.
fn with_seconds(t: &str) -> String {
    let b = t.trim().as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let shape = digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), Some(b'T' | b't' | b' '))
        && digits(11..13)
        && b.get(13) == Some(&b':')
        && digits(14..16)
        && matches!(b.get(16), None | Some(b'Z' | b'z' | b'+' | b'-'));
    let t = t.trim();
    if shape {
        format!("{}:00{}", &t[..16], &t[16..])
    } else {
        t.to_owned()
    }
}

fn kql_name(t: &Arrow) -> String {
    match t {
        Arrow::Utf8 => "text".into(),
        Arrow::Binary => "bytes".into(),
        Arrow::FixedSizeBinary(16) => "uuid".into(),
        Arrow::Boolean => "bool".into(),
        other => other.to_string().to_lowercase(),
    }
}

fn check_json(a: &ArrayRef) -> Result<()> {
    for (i, v) in a.as_string::<i32>().iter().enumerate() {
        if let Some(v) = v
            && let Err(e) = serde_json::from_str::<serde::de::IgnoredAny>(v)
        {
            return Err(failed(format!("value {} is not JSON: {e}", i + 1)));
        }
    }
    Ok(())
}

/// Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (hyphens optional, any case).
pub fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, b) in out.iter_mut().enumerate() {
        *b = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The canonical lower-case 8-4-4-4-12 form.
pub fn format_uuid(b: &[u8]) -> String {
    let h = hex::encode(b);
    if h.len() != 32 {
        return h;
    }
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

fn uuid_from_text(a: &ArrayRef) -> Result<ArrayRef> {
    let s = a.as_string::<i32>();
    let mut values: Vec<Option<[u8; 16]>> = Vec::with_capacity(s.len());
    for v in s.iter() {
        values.push(match v {
            None => None,
            Some(t) => Some(parse_uuid(t).ok_or_else(|| failed(format!("`{t}` is not a uuid")))?),
        });
    }
    let out = FixedSizeBinaryArray::try_from_sparse_iter_with_size(values.into_iter(), 16)
        .map_err(|e| ExecError::internal(e.to_string()))?;
    Ok(Arc::new(out))
}

fn uuid_to_text(a: &ArrayRef) -> Result<ArrayRef> {
    let f = a.as_fixed_size_binary();
    let out: StringArray = f.iter().map(|v| v.map(format_uuid)).collect();
    Ok(Arc::new(out))
}

/// Parses a KQL duration: an optional sign, digits, and a unit (`us`, `ms`, `s`, `m`,
/// `h`, `d`), possibly several (`1h30m`).
pub fn parse_duration(text: &str) -> Option<i64> {
    let t = text.trim();
    let (neg, mut rest) = match t.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, t),
    };
    if rest.is_empty() {
        return None;
    }
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit() && c != '_')
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: i64 = rest[..digits].replace('_', "").parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit: i64 = match &rest[..unit_len] {
            "us" | "µs" => 1,
            "ms" => 1_000,
            "s" => 1_000_000,
            "m" => 60_000_000,
            "h" => 3_600_000_000,
            "d" => 86_400_000_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    Some(if neg { -total } else { total })
}

fn duration_from_text(a: &ArrayRef) -> Result<ArrayRef> {
    let s = a.as_string::<i32>();
    let mut out: Vec<Option<i64>> = Vec::with_capacity(s.len());
    for v in s.iter() {
        out.push(match v {
            None => None,
            Some(t) => {
                Some(parse_duration(t).ok_or_else(|| failed(format!("`{t}` is not a duration")))?)
            }
        });
    }
    Ok(Arc::new(DurationMicrosecondArray::from(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_round_to_integers_as_postgresql_does() {
        let ints = |a: ArrayRef| -> Vec<i64> {
            let out = cast_array(&a, DataType::Int64).unwrap();
            out.as_primitive::<arrow_array::types::Int64Type>()
                .values()
                .to_vec()
        };
        let floats: ArrayRef = Arc::new(arrow_array::Float64Array::from(vec![
            3.9, -3.5, 2.5, 3.5, -2.5, 0.4, -0.6,
        ]));
        assert_eq!(ints(floats), [4, -4, 2, 4, -2, 0, -1]);
        let decimals: ArrayRef = Arc::new(
            arrow_array::Decimal128Array::from(vec![39, -35, 25, 35, -25, 4, -6])
                .with_precision_and_scale(5, 1)
                .unwrap(),
        );
        assert_eq!(ints(decimals), [4, -4, 3, 4, -3, 0, -1]);
        let f32s: ArrayRef = Arc::new(arrow_array::Float32Array::from(vec![2.5f32, 1.5]));
        assert_eq!(ints(f32s), [2, 2]);
        let nan: ArrayRef = Arc::new(arrow_array::Float64Array::from(vec![f64::NAN]));
        assert!(cast_array(&nan, DataType::Int64).is_err());
    }

    #[test]
    fn durations_and_uuids_parse_back() {
        assert_eq!(parse_duration("90s"), Some(90_000_000));
        assert_eq!(parse_duration("1h30m"), Some(5_400_000_000));
        assert_eq!(parse_duration("-250ms"), Some(-250_000));
        for bad in ["", "5", "s", "5x", "99999999999999999d"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
        let u = [0xABu8; 16];
        assert_eq!(parse_uuid(&format_uuid(&u)), Some(u));
        assert_eq!(parse_uuid("nope"), None);
    }
}
