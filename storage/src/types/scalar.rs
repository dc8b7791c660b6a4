//! [`ScalarValue`]: one typed constant — a key part, a predicate operand, a column
//! default or a statistic — with conversions to and from Arrow arrays.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, FixedSizeBinaryArray,
    Float32Array, Float64Array, Int16Array, Int32Array, Int64Array, StringArray,
    Time64MicrosecondArray, TimestampMicrosecondArray, new_null_array,
};
use serde::{Deserialize, Serialize};

use super::DataType;
use crate::error::{Result, StorageError};

/// A typed constant. `Null` fits every nullable column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ScalarValue {
    Null,
    Bool(bool),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    /// Unscaled value, precision, scale.
    Decimal(i128, u8, i8),
    Text(String),
    Bytes(Vec<u8>),
    Json(String),
    /// Microseconds since the Unix epoch, UTC.
    Timestamp(i64),
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since midnight.
    Time(i64),
    Uuid([u8; 16]),
}

impl ScalarValue {
    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, ScalarValue::Null)
    }

    /// The value's type; `None` for `Null`.
    pub fn data_type(&self) -> Option<DataType> {
        Some(match self {
            ScalarValue::Null => return None,
            ScalarValue::Bool(_) => DataType::Bool,
            ScalarValue::Int16(_) => DataType::Int16,
            ScalarValue::Int32(_) => DataType::Int32,
            ScalarValue::Int64(_) => DataType::Int64,
            ScalarValue::Float32(_) => DataType::Float32,
            ScalarValue::Float64(_) => DataType::Float64,
            ScalarValue::Decimal(_, p, s) => DataType::Decimal(*p, *s),
            ScalarValue::Text(_) => DataType::Text,
            ScalarValue::Bytes(_) => DataType::Bytes,
            ScalarValue::Json(_) => DataType::Json,
            ScalarValue::Timestamp(_) => DataType::Timestamp,
            ScalarValue::Date(_) => DataType::Date,
            ScalarValue::Time(_) => DataType::Time,
            ScalarValue::Uuid(_) => DataType::Uuid,
        })
    }

    /// Converts the value to column type `to`: exact matches pass, integers widen or
    /// narrow when the value fits, integers become floats, text becomes JSON. Anything
    /// else is a type mismatch naming both types.
    pub fn coerce_to(&self, to: &DataType) -> Result<ScalarValue> {
        use ScalarValue as S;
        let Some(from) = self.data_type() else {
            return Ok(S::Null);
        };
        if from == *to {
            return Ok(self.clone());
        }
        let as_i64 = match self {
            S::Int16(v) => Some(*v as i64),
            S::Int32(v) => Some(*v as i64),
            S::Int64(v) => Some(*v),
            _ => None,
        };
        let out = match (to, as_i64) {
            (DataType::Int16, Some(v)) => i16::try_from(v).ok().map(S::Int16),
            (DataType::Int32, Some(v)) => i32::try_from(v).ok().map(S::Int32),
            (DataType::Int64, Some(v)) => Some(S::Int64(v)),
            (DataType::Float64, Some(v)) => Some(S::Float64(v as f64)),
            (DataType::Float32, Some(v)) => Some(S::Float32(v as f32)),
            (DataType::Decimal(p, s), Some(v)) if *s >= 0 => (v as i128)
                .checked_mul(10i128.pow(*s as u32))
                .filter(|u| u.unsigned_abs() < 10u128.pow(*p as u32))
                .map(|u| S::Decimal(u, *p, *s)),
            _ => match (self, to) {
                (S::Float32(v), DataType::Float64) => Some(S::Float64(*v as f64)),
                (S::Text(t), DataType::Json) => Some(S::Json(t.clone())),
                (S::Json(t), DataType::Text) => Some(S::Text(t.clone())),
                _ => None,
            },
        };
        out.ok_or_else(|| {
            StorageError::TypeMismatch(format!(
                "value {self} of type {} does not fit type {}",
                from.name(),
                to.name()
            ))
        })
    }

    /// An Arrow array of `len` copies of this value, typed as `dt`.
    pub fn to_array(&self, dt: &DataType, len: usize) -> Result<ArrayRef> {
        let v = self.coerce_to(dt)?;
        use ScalarValue as S;
        Ok(match v {
            S::Null => new_null_array(&dt.to_arrow(), len),
            S::Bool(b) => Arc::new(BooleanArray::from(vec![b; len])),
            S::Int16(x) => Arc::new(Int16Array::from_value(x, len)),
            S::Int32(x) => Arc::new(Int32Array::from_value(x, len)),
            S::Int64(x) => Arc::new(Int64Array::from_value(x, len)),
            S::Float32(x) => Arc::new(Float32Array::from_value(x, len)),
            S::Float64(x) => Arc::new(Float64Array::from_value(x, len)),
            S::Decimal(x, p, s) => {
                Arc::new(Decimal128Array::from_value(x, len).with_precision_and_scale(p, s)?)
            }
            S::Text(t) | S::Json(t) => Arc::new(StringArray::from_iter_values(
                std::iter::repeat_n(t.as_str(), len),
            )),
            S::Bytes(b) => Arc::new(BinaryArray::from_iter_values(std::iter::repeat_n(
                b.as_slice(),
                len,
            ))),
            S::Timestamp(x) => {
                Arc::new(TimestampMicrosecondArray::from_value(x, len).with_timezone("UTC"))
            }
            S::Date(x) => Arc::new(Date32Array::from_value(x, len)),
            S::Time(x) => Arc::new(Time64MicrosecondArray::from_value(x, len)),
            S::Uuid(u) => Arc::new(
                FixedSizeBinaryArray::try_from_iter(std::iter::repeat_n(u, len))
                    .unwrap_or_else(|_| FixedSizeBinaryArray::new_null(16, len)),
            ),
        })
    }

    /// Reads row `row` of an Arrow array of column type `dt`.
    pub fn from_array(array: &dyn Array, row: usize, dt: &DataType) -> Result<ScalarValue> {
        if array.is_null(row) {
            return Ok(ScalarValue::Null);
        }
        fn get<T: 'static>(a: &dyn Array) -> Result<&T> {
            a.as_any().downcast_ref::<T>().ok_or_else(|| {
                StorageError::TypeMismatch(format!(
                    "array of type {} where another was expected",
                    a.data_type()
                ))
            })
        }
        use ScalarValue as S;
        Ok(match dt {
            DataType::Bool => S::Bool(get::<BooleanArray>(array)?.value(row)),
            DataType::Int16 => S::Int16(get::<Int16Array>(array)?.value(row)),
            DataType::Int32 => S::Int32(get::<Int32Array>(array)?.value(row)),
            DataType::Int64 => S::Int64(get::<Int64Array>(array)?.value(row)),
            DataType::Float32 => S::Float32(get::<Float32Array>(array)?.value(row)),
            DataType::Float64 => S::Float64(get::<Float64Array>(array)?.value(row)),
            DataType::Decimal(p, s) => {
                S::Decimal(get::<Decimal128Array>(array)?.value(row), *p, *s)
            }
            DataType::Text => S::Text(get::<StringArray>(array)?.value(row).to_string()),
            DataType::Json => S::Json(get::<StringArray>(array)?.value(row).to_string()),
            DataType::Bytes => S::Bytes(get::<BinaryArray>(array)?.value(row).to_vec()),
            DataType::Timestamp => {
                S::Timestamp(get::<TimestampMicrosecondArray>(array)?.value(row))
            }
            DataType::Date => S::Date(get::<Date32Array>(array)?.value(row)),
            DataType::Time => S::Time(get::<Time64MicrosecondArray>(array)?.value(row)),
            DataType::Uuid => {
                let b = get::<FixedSizeBinaryArray>(array)?.value(row);
                let mut u = [0u8; 16];
                u.copy_from_slice(b);
                S::Uuid(u)
            }
        })
    }

    /// Orders two values of the same type (floats by IEEE total order); `None` when
    /// either is null or the types differ.
    pub fn compare(&self, other: &ScalarValue) -> Option<Ordering> {
        use ScalarValue as S;
        Some(match (self, other) {
            (S::Bool(a), S::Bool(b)) => a.cmp(b),
            (S::Int16(a), S::Int16(b)) => a.cmp(b),
            (S::Int32(a), S::Int32(b)) => a.cmp(b),
            (S::Int64(a), S::Int64(b)) => a.cmp(b),
            (S::Float32(a), S::Float32(b)) => a.total_cmp(b),
            (S::Float64(a), S::Float64(b)) => a.total_cmp(b),
            (S::Decimal(a, _, s1), S::Decimal(b, _, s2)) if s1 == s2 => a.cmp(b),
            (S::Text(a), S::Text(b)) | (S::Json(a), S::Json(b)) => a.cmp(b),
            (S::Bytes(a), S::Bytes(b)) => a.cmp(b),
            (S::Timestamp(a), S::Timestamp(b)) => a.cmp(b),
            (S::Date(a), S::Date(b)) => a.cmp(b),
            (S::Time(a), S::Time(b)) => a.cmp(b),
            (S::Uuid(a), S::Uuid(b)) => a.cmp(b),
            _ => return None,
        })
    }
}

impl fmt::Display for ScalarValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ScalarValue as S;
        match self {
            S::Null => write!(f, "null"),
            S::Bool(v) => write!(f, "{v}"),
            S::Int16(v) => write!(f, "{v}"),
            S::Int32(v) => write!(f, "{v}"),
            S::Int64(v) => write!(f, "{v}"),
            S::Float32(v) => write!(f, "{v}"),
            S::Float64(v) => write!(f, "{v}"),
            S::Decimal(v, _, s) => {
                if *s <= 0 {
                    write!(f, "{v}")
                } else {
                    let scale = 10i128.pow(*s as u32);
                    let sign = if *v < 0 { "-" } else { "" };
                    let a = v.unsigned_abs();
                    write!(
                        f,
                        "{sign}{}.{:0width$}",
                        a / scale as u128,
                        a % scale as u128,
                        width = *s as usize
                    )
                }
            }
            S::Text(t) | S::Json(t) => write!(f, "{t:?}"),
            S::Bytes(b) => {
                write!(f, "x'")?;
                for x in b {
                    write!(f, "{x:02x}")?;
                }
                write!(f, "'")
            }
            S::Timestamp(v) => write!(f, "timestamp({v}us)"),
            S::Date(v) => write!(f, "date({v}d)"),
            S::Time(v) => write!(f, "time({v}us)"),
            S::Uuid(u) => {
                for (i, x) in u.iter().enumerate() {
                    if matches!(i, 4 | 6 | 8 | 10) {
                        write!(f, "-")?;
                    }
                    write!(f, "{x:02x}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coercion_and_arrays_round_trip() {
        let v = ScalarValue::Int64(7).coerce_to(&DataType::Int16).unwrap();
        assert_eq!(v, ScalarValue::Int16(7));
        assert!(
            ScalarValue::Int64(1 << 40)
                .coerce_to(&DataType::Int32)
                .is_err()
        );
        assert!(
            ScalarValue::Text("x".into())
                .coerce_to(&DataType::Int64)
                .is_err()
        );
        let d = ScalarValue::Int64(12)
            .coerce_to(&DataType::Decimal(5, 2))
            .unwrap();
        assert_eq!(d, ScalarValue::Decimal(1200, 5, 2));
        assert_eq!(d.to_string(), "12.00");
        for (v, dt) in [
            (ScalarValue::Uuid([7; 16]), DataType::Uuid),
            (ScalarValue::Timestamp(-5), DataType::Timestamp),
            (ScalarValue::Json("{}".into()), DataType::Json),
            (ScalarValue::Decimal(-123, 10, 2), DataType::Decimal(10, 2)),
        ] {
            let a = v.to_array(&dt, 3).unwrap();
            assert_eq!(a.len(), 3);
            assert_eq!(ScalarValue::from_array(a.as_ref(), 2, &dt).unwrap(), v);
        }
        assert_eq!(ScalarValue::Decimal(-123, 10, 2).to_string(), "-1.23");
    }
}
