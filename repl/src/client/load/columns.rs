//! Text fields to typed Arrow columns, one builder per table column, with the Arrow
//! types the server stores each KQL type as (`row::arrow_type`). An unquoted empty
//! field is null; a quoted empty field is the empty string (text and json) and an
//! error elsewhere. Numbers, booleans, dates and times may have surrounding spaces.
//!
//! | type | accepted text |
//! |---|---|
//! | `bool` | `true` `false` `t` `f` `yes` `no` `on` `off` `1` `0` (any case) |
//! | `int16` `int32` `int64` | decimal integers in range |
//! | `float32` `float64` | decimal or exponent notation, `NaN`, `inf`, `-inf` |
//! | `decimal(p, s)` | a decimal that fits `p` digits, rounded to `s` places |
//! | `text` | as it is |
//! | `json` | JSON text (checked) |
//! | `bytes` | `\x` and hex digits (PostgreSQL's `bytea` hex form) |
//! | `timestamp` | `2024-05-01 12:00:00`, `…T…`, fractions, `Z` or `±hh:mm` (no offset: UTC); years 1677–2262 |
//! | `date` | `2024-05-01` |
//! | `time` | `12:30:00`, `12:30:00.250` |
//! | `uuid` | 32 hex digits, dashes anywhere |

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, FixedSizeBinaryBuilder,
    Float32Builder, Float64Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::types::{Date32Type, Decimal128Type, Time64MicrosecondType};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_cast::parse::{Parser, parse_decimal, string_to_timestamp_nanos};
use arrow_schema::{ArrowError, SchemaRef};
use kalavar_protocol::Value;
use kql_compiler::types::DataType;

/// A column being built.
enum Builder {
    Bool(BooleanBuilder),
    I16(Int16Builder),
    I32(Int32Builder),
    I64(Int64Builder),
    F32(Float32Builder),
    F64(Float64Builder),
    Decimal(Decimal128Builder, u8, i8),
    Text(StringBuilder),
    Json(StringBuilder),
    Bytes(BinaryBuilder),
    Timestamp(TimestampMicrosecondBuilder),
    Date(Date32Builder),
    Time(Time64MicrosecondBuilder),
    Uuid(FixedSizeBinaryBuilder),
}

impl Builder {
    fn new(ty: DataType, capacity: usize) -> Result<Builder, String> {
        Ok(match ty {
            DataType::Bool => Builder::Bool(BooleanBuilder::with_capacity(capacity)),
            DataType::Int16 => Builder::I16(Int16Builder::with_capacity(capacity)),
            DataType::Int32 => Builder::I32(Int32Builder::with_capacity(capacity)),
            DataType::Int64 => Builder::I64(Int64Builder::with_capacity(capacity)),
            DataType::Float32 => Builder::F32(Float32Builder::with_capacity(capacity)),
            DataType::Float64 => Builder::F64(Float64Builder::with_capacity(capacity)),
            DataType::Decimal { precision, scale } => Builder::Decimal(
                Decimal128Builder::with_capacity(capacity),
                precision,
                scale as i8,
            ),
            DataType::Text => Builder::Text(StringBuilder::with_capacity(capacity, capacity * 16)),
            DataType::Json => Builder::Json(StringBuilder::with_capacity(capacity, capacity * 16)),
            DataType::Bytes => {
                Builder::Bytes(BinaryBuilder::with_capacity(capacity, capacity * 16))
            }
            DataType::Timestamp => Builder::Timestamp(
                TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone("UTC"),
            ),
            DataType::Date => Builder::Date(Date32Builder::with_capacity(capacity)),
            DataType::Time => Builder::Time(Time64MicrosecondBuilder::with_capacity(capacity)),
            DataType::Uuid => Builder::Uuid(FixedSizeBinaryBuilder::with_capacity(capacity, 16)),
            other => return Err(format!("a {other} column cannot be loaded")),
        })
    }

    fn append_null(&mut self) {
        match self {
            Builder::Bool(b) => b.append_null(),
            Builder::I16(b) => b.append_null(),
            Builder::I32(b) => b.append_null(),
            Builder::I64(b) => b.append_null(),
            Builder::F32(b) => b.append_null(),
            Builder::F64(b) => b.append_null(),
            Builder::Decimal(b, ..) => b.append_null(),
            Builder::Text(b) | Builder::Json(b) => b.append_null(),
            Builder::Bytes(b) => b.append_null(),
            Builder::Timestamp(b) => b.append_null(),
            Builder::Date(b) => b.append_null(),
            Builder::Time(b) => b.append_null(),
            Builder::Uuid(b) => b.append_null(),
        }
    }

    /// Appends the value of `text`, or says why it is not one.
    fn append(&mut self, text: &str) -> Result<(), String> {
        let t = text.trim();
        match self {
            Builder::Text(b) => b.append_value(text),
            Builder::Json(b) => {
                check_json(text)?;
                b.append_value(text)
            }
            Builder::Bool(b) => b.append_value(parse_bool(t).ok_or("not a bool")?),
            Builder::I16(b) => b.append_value(t.parse().map_err(|_| "not an int16")?),
            Builder::I32(b) => b.append_value(t.parse().map_err(|_| "not an int32")?),
            Builder::I64(b) => b.append_value(t.parse().map_err(|_| "not an int64")?),
            Builder::F32(b) => b.append_value(t.parse().map_err(|_| "not a float32")?),
            Builder::F64(b) => b.append_value(t.parse().map_err(|_| "not a float64")?),
            Builder::Decimal(b, p, s) => b.append_value(decimal_of(t, *p, *s)?),
            Builder::Bytes(b) => b.append_value(parse_hex_bytes(t)?),
            Builder::Timestamp(b) => b.append_value(timestamp_micros(t)?),
            Builder::Date(b) => b.append_value(date_days(t)?),
            Builder::Time(b) => b.append_value(time_micros(t)?),
            Builder::Uuid(b) => b
                .append_value(parse_uuid(t).ok_or("not a uuid")?)
                .map_err(|e| e.to_string())?,
        }
        Ok(())
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::I16(b) => Arc::new(b.finish()),
            Builder::I32(b) => Arc::new(b.finish()),
            Builder::I64(b) => Arc::new(b.finish()),
            Builder::F32(b) => Arc::new(b.finish()),
            Builder::F64(b) => Arc::new(b.finish()),
            Builder::Decimal(b, p, s) => Arc::new(
                b.finish()
                    .with_precision_and_scale(*p, *s)
                    .expect("precision checked by the catalog"),
            ),
            Builder::Text(b) | Builder::Json(b) => Arc::new(b.finish()),
            Builder::Bytes(b) => Arc::new(b.finish()),
            Builder::Timestamp(b) => Arc::new(b.finish()),
            Builder::Date(b) => Arc::new(b.finish()),
            Builder::Time(b) => Arc::new(b.finish()),
            Builder::Uuid(b) => Arc::new(b.finish()),
        }
    }

    fn takes_empty_quoted(&self) -> bool {
        matches!(self, Builder::Text(_))
    }
}

/// The value `text` spells for a slot of type `ty`, by the rules of the table above:
/// parameters given as text (as `kalavar --param` gives them, and as PostgreSQL's
/// text-format parameters work) become values of the plan's declared type.
pub(crate) fn parse_value(text: &str, ty: DataType) -> Result<Value, String> {
    let t = text.trim();
    let int = |range: Result<i64, String>| range.map(Value::Int);
    Ok(match ty {
        DataType::Text => Value::Text(text.to_owned()),
        DataType::Json => {
            check_json(text)?;
            Value::Text(text.to_owned())
        }
        DataType::Bool => Value::Bool(parse_bool(t).ok_or("not a bool")?),
        DataType::Int16 => int(t
            .parse::<i16>()
            .map(i64::from)
            .map_err(|_| "not an int16".into()))?,
        DataType::Int32 => int(t
            .parse::<i32>()
            .map(i64::from)
            .map_err(|_| "not an int32".into()))?,
        DataType::Int64 => int(t.parse::<i64>().map_err(|_| "not an int64".into()))?,
        DataType::Float32 | DataType::Float64 => {
            Value::Float(t.parse().map_err(|_| format!("not a {ty}"))?)
        }
        DataType::Decimal { precision, scale } => Value::Decimal {
            unscaled: decimal_of(t, precision, scale as i8)?,
            precision,
            scale,
        },
        DataType::Bytes => Value::Bytes(parse_hex_bytes(t)?),
        DataType::Timestamp => Value::Timestamp(timestamp_micros(t)?),
        DataType::Date => Value::Date(date_days(t)?),
        DataType::Time => Value::Time(time_micros(t)?),
        DataType::Uuid => Value::Uuid(parse_uuid(t).ok_or("not a uuid")?),
        other => return Err(format!("a {other} cannot be given as text")),
    })
}

fn check_json(text: &str) -> Result<(), String> {
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map(drop)
        .map_err(|e| format!("not JSON ({e})"))
}

fn decimal_of(t: &str, p: u8, s: i8) -> Result<i128, String> {
    parse_decimal::<Decimal128Type>(t, p, s)
        .map_err(|e| format!("not a decimal({p}, {s}) ({})", describe(e)))
}

fn timestamp_micros(t: &str) -> Result<i64, String> {
    string_to_timestamp_nanos(t)
        .map(|nanos| nanos.div_euclid(1000))
        .map_err(|e| format!("not a timestamp ({})", describe(e)))
}

fn date_days(t: &str) -> Result<i32, String> {
    Date32Type::parse(t).ok_or_else(|| "not a date (YYYY-MM-DD)".to_owned())
}

fn time_micros(t: &str) -> Result<i64, String> {
    Time64MicrosecondType::parse(t).ok_or_else(|| "not a time (HH:MM:SS[.ffffff])".to_owned())
}

fn describe(e: ArrowError) -> String {
    match e {
        ArrowError::ParseError(m) | ArrowError::CastError(m) => m,
        other => other.to_string(),
    }
}

fn parse_bool(t: &str) -> Option<bool> {
    match t.to_ascii_lowercase().as_str() {
        "true" | "t" | "yes" | "y" | "on" | "1" => Some(true),
        "false" | "f" | "no" | "n" | "off" | "0" => Some(false),
        _ => None,
    }
}

fn parse_hex_bytes(t: &str) -> Result<Vec<u8>, String> {
    let hex = t
        .strip_prefix("\\x")
        .ok_or("not bytes (write bytes as \\x followed by hex digits, e.g. \\x6869)")?;
    hex::decode(hex).map_err(|e| format!("not bytes (bad hex after \\x: {e})"))
}

fn parse_uuid(t: &str) -> Option<[u8; 16]> {
    let digits: String = t.chars().filter(|c| *c != '-').collect();
    if digits.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    hex::decode_to_slice(&digits, &mut out).ok()?;
    Some(out)
}

/// Builds record batches of a table's columns from text fields.
pub struct Columns {
    schema: SchemaRef,
    names: Vec<String>,
    builders: Vec<Builder>,
    rows: usize,
}

impl Columns {
    /// Builders for `types` (one per field of `schema`, in order).
    pub fn new(schema: SchemaRef, types: &[DataType], capacity: usize) -> Result<Self, String> {
        let builders = types
            .iter()
            .zip(schema.fields())
            .map(|(t, f)| {
                Builder::new(*t, capacity).map_err(|e| format!("column `{}`: {e}", f.name()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Columns {
            names: schema.fields().iter().map(|f| f.name().clone()).collect(),
            schema,
            builders,
            rows: 0,
        })
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Appends field `text` (or null with `None`) to column `c`; a null in a field the
    /// schema says is not nullable is an error. Every column gets one
    /// value per row: the caller appends to each, then calls [`Columns::end_row`].
    pub fn push(&mut self, c: usize, field: Option<(&str, bool)>) -> Result<(), String> {
        let b = &mut self.builders[c];
        match field {
            None | Some(("", false)) => {
                if !self.schema.field(c).is_nullable() {
                    return Err(format!(
                        "column `{}`: a null (an empty field), but the column takes no null",
                        self.names[c]
                    ));
                }
                b.append_null();
                Ok(())
            }
            Some(("", true)) if !b.takes_empty_quoted() => {
                if matches!(b, Builder::Json(_)) {
                    Err(format!("column `{}`: \"\" is not JSON", self.names[c]))
                } else {
                    Err(format!("column `{}`: an empty value", self.names[c]))
                }
            }
            Some((text, _)) => b.append(text).map_err(|why| {
                let shown: String = text.chars().take(60).collect();
                format!("column `{}`: `{shown}` is {why}", self.names[c])
            }),
        }
    }

    pub fn end_row(&mut self) {
        self.rows += 1;
    }

    /// The rows built so far as one batch; the builders start over.
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let columns: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        self.rows = 0;
        RecordBatch::try_new(self.schema.clone(), columns)
    }
}

#[cfg(test)]
mod tests {
    use arrow_array::cast::AsArray;
    use arrow_array::types::{Int64Type, TimestampMicrosecondType};
    use arrow_schema::{Field, Schema};

    use super::*;
    use crate::client::arrow_type;

    fn columns(types: &[DataType]) -> Columns {
        let fields: Vec<Field> = types
            .iter()
            .enumerate()
            .map(|(i, t)| Field::new(format!("c{i}"), arrow_type(*t), true))
            .collect();
        Columns::new(Arc::new(Schema::new(fields)), types, 4).unwrap()
    }

    #[test]
    fn typed_values_nulls_and_empty_strings() {
        let mut c = columns(&[DataType::Int64, DataType::Text, DataType::Timestamp]);
        c.push(0, Some((" 42 ", false))).unwrap();
        c.push(1, Some(("", true))).unwrap();
        c.push(2, Some(("2024-05-01 12:00:00Z", false))).unwrap();
        c.end_row();
        c.push(0, Some(("", false))).unwrap();
        c.push(1, Some(("", false))).unwrap();
        c.push(2, None).unwrap();
        c.end_row();
        let b = c.finish().unwrap();
        assert_eq!(b.num_rows(), 2);
        assert_eq!(b.column(0).as_primitive::<Int64Type>().value(0), 42);
        assert!(b.column(0).is_null(1));
        assert_eq!(b.column(1).as_string::<i32>().value(0), "");
        assert!(b.column(1).is_null(1));
        assert_eq!(
            b.column(2)
                .as_primitive::<TimestampMicrosecondType>()
                .value(0),
            1_714_564_800_000_000
        );
    }

    #[test]
    fn bad_values_name_the_column_and_the_text() {
        let mut c = columns(&[DataType::Int32, DataType::Uuid, DataType::Json]);
        let e = c.push(0, Some(("12x", false))).unwrap_err();
        assert!(
            e.contains("column `c0`") && e.contains("`12x`") && e.contains("int32"),
            "{e}"
        );
        let e = c.push(0, Some(("99999999999", false))).unwrap_err();
        assert!(e.contains("int32"), "{e}");
        let e = c.push(1, Some(("not-a-uuid", false))).unwrap_err();
        assert!(e.contains("uuid"), "{e}");
        let e = c.push(2, Some(("{bad", false))).unwrap_err();
        assert!(e.contains("JSON"), "{e}");
        let e = c.push(0, Some(("", true))).unwrap_err();
        assert!(e.contains("empty"), "{e}");
    }

    #[test]
    fn decimals_uuids_bytes_dates_and_times() {
        let mut c = columns(&[
            DataType::Decimal {
                precision: 6,
                scale: 2,
            },
            DataType::Uuid,
            DataType::Bytes,
            DataType::Date,
            DataType::Time,
            DataType::Bool,
        ]);
        c.push(0, Some(("12.345", false))).unwrap();
        c.push(1, Some(("0b5c1d0e-9c1f-4a8e-8a57-64b6f1b5e001", false)))
            .unwrap();
        c.push(2, Some(("\\x00ff", false))).unwrap();
        c.push(3, Some(("2024-02-29", false))).unwrap();
        c.push(4, Some(("23:59:59.5", false))).unwrap();
        c.push(5, Some(("Yes", false))).unwrap();
        c.end_row();
        let b = c.finish().unwrap();
        assert_eq!(
            b.column(0)
                .as_primitive::<arrow_array::types::Decimal128Type>()
                .value(0),
            1235
        );
        assert_eq!(b.column(2).as_binary::<i32>().value(0), &[0, 255]);
        assert!(
            c.push(0, Some(("12345.6", false))).is_err(),
            "does not fit (6, 2)"
        );
        assert_eq!(
            c.push(2, Some(("6869", false))).unwrap_err(),
            "column `c2`: `6869` is not bytes (write bytes as \\x followed by hex digits, e.g. \\x6869)"
        );
        assert_eq!(
            c.push(2, Some(("\\x6g", false))).unwrap_err(),
            "column `c2`: `\\x6g` is not bytes (bad hex after \\x: Invalid character 'g' at position 1)"
        );
    }
}
