//! Literals: AST literals to typed values, and the conversions of a constant to
//! another type that the binder applies without a cast (an integer literal compared
//! with an `int32` column becomes an `int32`) and the optimizer applies to fold casts.

use crate::bytecode::Value;
use crate::plan::{Scalar, ScalarKind};
use crate::types::DataType;
use kql::ast::Literal;

pub(crate) fn literal_value(lit: &Literal) -> Value {
    match lit {
        Literal::Null => Value::Null(DataType::Null),
        Literal::Bool(b) => Value::Bool(*b),
        Literal::Int(i) => Value::Int64(*i),
        Literal::Float(f) => Value::Float64(*f),
        Literal::String(s) => Value::Text(s.clone()),
        Literal::Duration(d) => Value::Duration(*d),
        Literal::Date(d) => Value::Date(*d),
        Literal::Timestamp(t) => Value::Timestamp(*t),
    }
}

/// The value as an `i128` when it is an integer.
fn as_int(v: &Value) -> Option<i128> {
    match v {
        Value::Int16(x) => Some(*x as i128),
        Value::Int32(x) => Some(*x as i128),
        Value::Int64(x) => Some(*x as i128),
        _ => None,
    }
}

/// `v` as a value of type `to`, when that conversion is exact (or, for casts, when
/// `lossy` and the conversion is defined). `None` when it is not possible at compile
/// time; the caller then keeps a cast (evaluated, and checked, by the VM).
pub(crate) fn convert(v: &Value, to: DataType, lossy: bool) -> Option<Value> {
    use DataType as T;
    if v.ty() == to {
        return Some(v.clone());
    }
    if let Value::Null(_) = v {
        return Some(Value::Null(to));
    }
    if let Some(i) = as_int(v) {
        return match to {
            T::Int16 => i16::try_from(i).ok().map(Value::Int16),
            T::Int32 => i32::try_from(i).ok().map(Value::Int32),
            T::Int64 => i64::try_from(i).ok().map(Value::Int64),
            T::Float32 if lossy || i.unsigned_abs() < (1 << 24) => Some(Value::Float32(i as f32)),
            T::Float64 if lossy || i.unsigned_abs() < (1 << 53) => Some(Value::Float64(i as f64)),
            T::Decimal { precision, scale } => {
                let v = i.checked_mul(10i128.pow(scale as u32))?;
                (v.unsigned_abs() < 10u128.pow(precision as u32))
                    .then_some(Value::Decimal(v, precision, scale))
            }
            T::Text if lossy => Some(Value::Text(i.to_string())),
            T::Bool if lossy => Some(Value::Bool(i != 0)),
            _ => None,
        };
    }
    match (v, to) {
        // A cast out of float32's range (an overflow or underflow error) is left to
        // the VM.
        (Value::Float64(f), T::Float32)
            if (*f as f32) as f64 == *f || (lossy && f32_in_range(*f)) =>
        {
            Some(Value::Float32(*f as f32))
        }
        (Value::Float32(f), T::Float64) => Some(Value::Float64(*f as f64)),
        (Value::Float64(f), T::Decimal { precision, scale }) => {
            let scaled = f * 10f64.powi(scale as i32);
            if !scaled.is_finite() || (!lossy && scaled.fract() != 0.0) {
                return None;
            }
            let v = scaled.round() as i128;
            (v.unsigned_abs() < 10u128.pow(precision as u32))
                .then_some(Value::Decimal(v, precision, scale))
        }
        (Value::Float64(f), T::Int64) if lossy && f.is_finite() && f.abs() < 9.2e18 => {
            Some(Value::Int64(f.round_ties_even() as i64))
        }
        (Value::Decimal(x, _, s), T::Decimal { precision, scale }) if scale >= *s => {
            let v = x.checked_mul(10i128.pow((scale - s) as u32))?;
            (v.unsigned_abs() < 10u128.pow(precision as u32))
                .then_some(Value::Decimal(v, precision, scale))
        }
        (Value::Date(d), T::Timestamp) => Some(Value::Timestamp(*d as i64 * 86_400_000_000)),
        (Value::Text(s), T::Json) => json_error(s).is_none().then(|| Value::Json(s.clone())),
        (Value::Text(s), T::Uuid) => parse_uuid(s).map(Value::Uuid),
        (Value::Bool(b), T::Text) if lossy => Some(Value::Text(b.to_string())),
        (Value::Duration(d), T::Int64) if lossy => Some(Value::Int64(*d)),
        _ => None,
    }
}

/// Whether a finite, non-zero `f` stays finite and non-zero as a `float32`.
fn f32_in_range(f: f64) -> bool {
    let g = f as f32;
    !(f.is_finite() && f != 0.0 && (g.is_infinite() || g == 0.0))
}

/// Why `text` is not JSON, if it is not (the VM checks the same at run time).
pub(crate) fn json_error(text: &str) -> Option<String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .err()
        .map(|e| e.to_string())
}

/// A text literal that is about to become `json` but does not parse: the error.
pub(crate) fn bad_json_literal(s: &Scalar, to: DataType) -> Option<String> {
    match (&s.kind, to) {
        (ScalarKind::Literal(Value::Text(t)), DataType::Json) => json_error(t),
        _ => None,
    }
}

/// `3f2a…` with or without dashes.
fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let hex: String = s.chars().filter(|c| *c != '-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_literals_narrow_when_they_fit() {
        assert_eq!(
            convert(&Value::Int64(5), DataType::Int32, false),
            Some(Value::Int32(5))
        );
        assert_eq!(convert(&Value::Int64(70_000), DataType::Int16, false), None);
        assert_eq!(
            convert(&Value::Int64(12), DataType::decimal(5, 2).unwrap(), false),
            Some(Value::Decimal(1200, 5, 2))
        );
        assert_eq!(
            convert(&Value::Int64(1234), DataType::decimal(5, 2).unwrap(), false),
            None
        );
    }

    #[test]
    fn text_to_uuid() {
        let v = convert(
            &Value::Text("00112233-4455-6677-8899-aabbccddeeff".into()),
            DataType::Uuid,
            false,
        );
        assert!(matches!(v, Some(Value::Uuid(b)) if b[0] == 0 && b[15] == 0xff));
        assert_eq!(
            convert(&Value::Text("nope".into()), DataType::Uuid, false),
            None
        );
    }
}
