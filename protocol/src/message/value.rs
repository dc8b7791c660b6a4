//! Typed values: parameters sent with execute, query and subscribe requests (`$name`
//! / `$1` in KQL), and the cells of a compact one-row answer (`Row`). Other results
//! travel as Arrow IPC.

use crate::error::ProtocolError;
use crate::limits::{MAX_NAME_BYTES, MAX_PARAMS, MAX_QUERY_BYTES};
use crate::wire::{Reader, Writer};

/// One parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    /// Microseconds since the Unix epoch, UTC.
    Timestamp(i64),
    Uuid([u8; 16]),
    /// A decimal: the unscaled value, precision (1–38) and scale (≤ precision);
    /// `unscaled` has at most `precision` digits.
    Decimal {
        unscaled: i128,
        precision: u8,
        scale: u8,
    },
    /// Days since 1970-01-01.
    Date(i32),
    /// Microseconds since midnight (0 ≤ t < 86,400,000,000).
    Time(i64),
    /// Microseconds.
    Duration(i64),
    /// A JSON document as text.
    Json(String),
}

/// A named or positional parameter: `name` is empty for `$1`-style parameters, which
/// are numbered by their position in the list.
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub value: Value,
}

impl Value {
    pub(crate) fn encode(&self, w: &mut Writer) {
        match self {
            Value::Null => w.u8(0),
            Value::Bool(b) => {
                w.u8(1);
                w.bool(*b);
            }
            Value::Int(i) => {
                w.u8(2);
                w.i64(*i);
            }
            Value::Float(f) => {
                w.u8(3);
                w.f64(*f);
            }
            Value::Text(s) => {
                w.u8(4);
                w.str(s);
            }
            Value::Bytes(b) => {
                w.u8(5);
                w.bytes(b);
            }
            Value::Timestamp(t) => {
                w.u8(6);
                w.i64(*t);
            }
            Value::Uuid(u) => {
                w.u8(7);
                w.raw(u);
            }
            Value::Decimal {
                unscaled,
                precision,
                scale,
            } => {
                w.u8(8);
                w.raw(&unscaled.to_be_bytes());
                w.u8(*precision);
                w.u8(*scale);
            }
            Value::Date(d) => {
                w.u8(9);
                w.u32(*d as u32);
            }
            Value::Time(t) => {
                w.u8(10);
                w.i64(*t);
            }
            Value::Duration(d) => {
                w.u8(11);
                w.i64(*d);
            }
            Value::Json(s) => {
                w.u8(12);
                w.str(s);
            }
        }
    }

    pub(crate) fn decode(r: &mut Reader<'_>) -> Result<Self, ProtocolError> {
        Ok(match r.u8("value tag")? {
            0 => Value::Null,
            1 => Value::Bool(r.bool("bool value")?),
            2 => Value::Int(r.i64("int value")?),
            3 => Value::Float(r.f64("float value")?),
            4 => Value::Text(r.str(MAX_QUERY_BYTES, "text value")?),
            5 => Value::Bytes(r.bytes(usize::MAX, "bytes value")?.to_vec()),
            6 => Value::Timestamp(r.i64("timestamp value")?),
            7 => Value::Uuid(r.raw(16, "uuid value")?.try_into().expect("16 bytes")),
            8 => {
                let raw: [u8; 16] = r.raw(16, "decimal value")?.try_into().expect("16 bytes");
                let unscaled = i128::from_be_bytes(raw);
                let precision = r.u8("decimal precision")?;
                let scale = r.u8("decimal scale")?;
                if !(1..=38).contains(&precision) || scale > precision {
                    return Err(r.invalid(
                        "decimal precision",
                        format!("decimal({precision}, {scale}): precision must be 1-38 and scale at most the precision"),
                    ));
                }
                if unscaled.unsigned_abs() >= 10u128.pow(u32::from(precision)) {
                    return Err(r.invalid(
                        "decimal value",
                        format!("{unscaled} has more than {precision} digits"),
                    ));
                }
                Value::Decimal {
                    unscaled,
                    precision,
                    scale,
                }
            }
            9 => Value::Date(r.u32("date value")? as i32),
            10 => {
                let t = r.i64("time value")?;
                if !(0..86_400_000_000).contains(&t) {
                    return Err(r.invalid("time value", format!("{t} µs is not a time of day")));
                }
                Value::Time(t)
            }
            11 => Value::Duration(r.i64("duration value")?),
            12 => Value::Json(r.str(MAX_QUERY_BYTES, "json value")?),
            other => return Err(r.invalid("value tag", format!("unknown value type {other}"))),
        })
    }
}

pub(crate) fn encode_params(w: &mut Writer, params: &[Param]) {
    w.list(params, |w, p| {
        w.str(&p.name);
        p.value.encode(w);
    });
}

pub(crate) fn decode_params(r: &mut Reader<'_>) -> Result<Vec<Param>, ProtocolError> {
    // A parameter takes at least a 4-byte name length and a 1-byte tag.
    r.list(MAX_PARAMS, 5, "parameters", |r| {
        Ok(Param {
            name: r.str(MAX_NAME_BYTES, "parameter name")?,
            value: Value::decode(r)?,
        })
    })
}
