//! Constants: typed values in a plan's constant pool.

use crate::codec::{DecodeError, DecodeErrorCode, Reader, Writer};
use crate::types::DataType;
use serde::Serialize;
use std::fmt;

/// Longest text, JSON or bytes constant, in bytes.
pub const MAX_CONSTANT_BYTES: usize = 16 * 1024 * 1024;

/// A typed constant. `Null(t)` is a null of type `t`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    Null(DataType),
    Bool(bool),
    Int16(i16),
    Int32(i32),
    Int64(i64),
    Float32(f32),
    Float64(f64),
    /// The unscaled value, with precision and scale.
    Decimal(i128, u8, u8),
    Text(String),
    Bytes(Vec<u8>),
    Json(String),
    Timestamp(i64),
    Date(i32),
    Time(i64),
    Uuid([u8; 16]),
    Duration(i64),
}

impl Value {
    pub fn ty(&self) -> DataType {
        match self {
            Value::Null(t) => *t,
            Value::Bool(_) => DataType::Bool,
            Value::Int16(_) => DataType::Int16,
            Value::Int32(_) => DataType::Int32,
            Value::Int64(_) => DataType::Int64,
            Value::Float32(_) => DataType::Float32,
            Value::Float64(_) => DataType::Float64,
            Value::Decimal(_, p, s) => DataType::Decimal {
                precision: *p,
                scale: *s,
            },
            Value::Text(_) => DataType::Text,
            Value::Bytes(_) => DataType::Bytes,
            Value::Json(_) => DataType::Json,
            Value::Timestamp(_) => DataType::Timestamp,
            Value::Date(_) => DataType::Date,
            Value::Time(_) => DataType::Time,
            Value::Uuid(_) => DataType::Uuid,
            Value::Duration(_) => DataType::Duration,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null(_))
    }

    pub fn write(&self, w: &mut Writer) {
        match self {
            Value::Null(t) => {
                w.u8(0);
                super::write_type(w, *t);
            }
            Value::Bool(b) => {
                w.u8(1);
                w.bool(*b);
            }
            Value::Int16(v) => {
                w.u8(2);
                w.ivar(*v as i64);
            }
            Value::Int32(v) => {
                w.u8(3);
                w.ivar(*v as i64);
            }
            Value::Int64(v) => {
                w.u8(4);
                w.ivar(*v);
            }
            Value::Float32(v) => {
                w.u8(5);
                w.bytes_raw(&v.to_le_bytes());
            }
            Value::Float64(v) => {
                w.u8(6);
                w.f64(*v);
            }
            Value::Decimal(v, p, s) => {
                w.u8(7);
                w.u8(*p);
                w.u8(*s);
                w.bytes_raw(&v.to_le_bytes());
            }
            Value::Text(v) => {
                w.u8(8);
                w.str(v);
            }
            Value::Bytes(v) => {
                w.u8(9);
                w.bytes(v);
            }
            Value::Json(v) => {
                w.u8(10);
                w.str(v);
            }
            Value::Timestamp(v) => {
                w.u8(11);
                w.ivar(*v);
            }
            Value::Date(v) => {
                w.u8(12);
                w.ivar(*v as i64);
            }
            Value::Time(v) => {
                w.u8(13);
                w.ivar(*v);
            }
            Value::Uuid(v) => {
                w.u8(14);
                w.bytes_raw(v);
            }
            Value::Duration(v) => {
                w.u8(15);
                w.ivar(*v);
            }
        }
    }

    pub fn read(r: &mut Reader<'_>) -> Result<Value, DecodeError> {
        let at = r.offset();
        let range = |r: &Reader<'_>, what: &str| DecodeError {
            code: DecodeErrorCode::BadValue,
            offset: at,
            message: format!("{what} constant out of range at byte {}", r.offset()),
        };
        let tag = r.u8("constant tag")?;
        Ok(match tag {
            0 => Value::Null(super::read_type(r)?),
            1 => Value::Bool(r.bool("bool constant")?),
            2 => {
                let v = r.ivar("int16 constant")?;
                Value::Int16(i16::try_from(v).map_err(|_| range(r, "int16"))?)
            }
            3 => {
                let v = r.ivar("int32 constant")?;
                Value::Int32(i32::try_from(v).map_err(|_| range(r, "int32"))?)
            }
            4 => Value::Int64(r.ivar("int64 constant")?),
            5 => {
                let b = r.take(4, "float32 constant")?;
                Value::Float32(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            6 => Value::Float64(r.f64("float64 constant")?),
            7 => {
                let p = r.u8("decimal precision")?;
                let s = r.u8("decimal scale")?;
                if DataType::decimal(p, s).is_none() {
                    return Err(range(r, "decimal type"));
                }
                let b = r.take(16, "decimal constant")?;
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                let v = i128::from_le_bytes(a);
                if v.unsigned_abs() >= 10u128.pow(p as u32) {
                    return Err(range(r, "decimal"));
                }
                Value::Decimal(v, p, s)
            }
            8 => Value::Text(r.str(MAX_CONSTANT_BYTES, "text constant")?),
            9 => Value::Bytes(r.bytes(MAX_CONSTANT_BYTES, "bytes constant")?.to_vec()),
            10 => Value::Json(r.str(MAX_CONSTANT_BYTES, "json constant")?),
            11 => Value::Timestamp(r.ivar("timestamp constant")?),
            12 => {
                let v = r.ivar("date constant")?;
                Value::Date(i32::try_from(v).map_err(|_| range(r, "date"))?)
            }
            13 => {
                let v = r.ivar("time constant")?;
                if !(0..86_400_000_000).contains(&v) {
                    return Err(range(r, "time"));
                }
                Value::Time(v)
            }
            14 => {
                let b = r.take(16, "uuid constant")?;
                let mut a = [0u8; 16];
                a.copy_from_slice(b);
                Value::Uuid(a)
            }
            15 => Value::Duration(r.ivar("duration constant")?),
            _ => {
                return Err(DecodeError {
                    code: DecodeErrorCode::BadTag,
                    offset: at,
                    message: format!("constant: unknown tag {tag}"),
                });
            }
        })
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null(DataType::Null) => write!(f, "null"),
            Value::Null(t) => write!(f, "null::{t}"),
            Value::Bool(v) => write!(f, "{v}"),
            Value::Int16(v) => write!(f, "{v}::int16"),
            Value::Int32(v) => write!(f, "{v}::int32"),
            Value::Int64(v) => write!(f, "{v}"),
            Value::Float32(v) => write!(f, "{v:?}::float32"),
            Value::Float64(v) => write!(f, "{v:?}"),
            Value::Decimal(v, _, s) => {
                let scale = 10i128.pow(*s as u32);
                let sign = if *v < 0 { "-" } else { "" };
                let a = v.unsigned_abs();
                if *s == 0 {
                    write!(f, "{sign}{a}")
                } else {
                    write!(
                        f,
                        "{sign}{}.{:0width$}",
                        a / scale as u128,
                        a % scale as u128,
                        width = *s as usize
                    )
                }
            }
            Value::Text(v) => write!(f, "{v:?}"),
            Value::Bytes(v) => write!(f, "0x{}", hex_string(v)),
            Value::Json(v) => write!(f, "{v:?}::json"),
            Value::Timestamp(v) => write!(f, "timestamp({v}µs)"),
            Value::Date(v) => write!(f, "date({v}d)"),
            Value::Time(v) => write!(f, "time({v}µs)"),
            Value::Uuid(v) => write!(f, "uuid(0x{})", hex_string(v)),
            Value::Duration(v) => write!(f, "{}", format_duration(*v)),
        }
    }
}

fn hex_string(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// A duration in the largest KQL unit that divides it (`90s` → `90s`, `3600000000` →
/// `1h`).
pub fn format_duration(us: i64) -> String {
    const UNITS: [(i64, &str); 6] = [
        (86_400_000_000, "d"),
        (3_600_000_000, "h"),
        (60_000_000, "m"),
        (1_000_000, "s"),
        (1000, "ms"),
        (1, "us"),
    ];
    if us == 0 {
        return "0s".into();
    }
    for (n, unit) in UNITS {
        if us % n == 0 {
            return format!("{}{unit}", us / n);
        }
    }
    format!("{us}us")
}
