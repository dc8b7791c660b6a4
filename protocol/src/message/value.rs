//! Parameter values sent with execute, query and subscribe requests (`$name` / `$1`
//! in KQL). Results never use this: they travel as Arrow IPC.

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
