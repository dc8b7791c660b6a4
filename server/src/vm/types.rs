//! Types between the three vocabularies the VM speaks: KQL types of plans
//! ([`kql_compiler::types::DataType`]), Arrow types of record batches, and the storage
//! engine's column types and scalars. Every KQL type has exactly one Arrow type:
//!
//! | KQL | Arrow |
//! |---|---|
//! | `null` | `Null` |
//! | `bool` | `Boolean` |
//! | `int16` / `int32` / `int64` | `Int16` / `Int32` / `Int64` |
//! | `float32` / `float64` | `Float32` / `Float64` |
//! | `decimal(p, s)` | `Decimal128(p, s)` |
//! | `text`, `json` | `Utf8` (JSON fields carry `ARROW:extension:name = arrow.json`) |
//! | `bytes` | `Binary` |
//! | `timestamp` | `Timestamp(Microsecond, "UTC")` |
//! | `date` | `Date32` |
//! | `time` | `Time64(Microsecond)` |
//! | `uuid` | `FixedSizeBinary(16)` |
//! | `duration` | `Duration(Microsecond)` |
//!
//! Fields are always nullable in the VM's batches: nullability in plan schemas is
//! informative, and the VM checks non-null columns when it writes to storage.

use std::collections::HashMap;
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array,
    DurationMicrosecondArray, FixedSizeBinaryArray, Float32Array, Float64Array, Int16Array,
    Int32Array, Int64Array, NullArray, RecordBatch, StringArray, Time64MicrosecondArray,
    TimestampMicrosecondArray,
};
use arrow_schema::{DataType as Arrow, Field, Schema, SchemaRef, TimeUnit};
use kalavar_storage::{DataType as StorageType, ScalarValue};
use kql_compiler::bytecode::{self, Value};
use kql_compiler::types::DataType;

use super::error::{ExecError, Result, XCode};

/// The Arrow type of a KQL type.
pub fn arrow_type(t: DataType) -> Arrow {
    match t {
        DataType::Null => Arrow::Null,
        DataType::Bool => Arrow::Boolean,
        DataType::Int16 => Arrow::Int16,
        DataType::Int32 => Arrow::Int32,
        DataType::Int64 => Arrow::Int64,
        DataType::Float32 => Arrow::Float32,
        DataType::Float64 => Arrow::Float64,
        DataType::Decimal { precision, scale } => Arrow::Decimal128(precision, scale as i8),
        DataType::Text | DataType::Json => Arrow::Utf8,
        DataType::Bytes => Arrow::Binary,
        DataType::Timestamp => Arrow::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
        DataType::Date => Arrow::Date32,
        DataType::Time => Arrow::Time64(TimeUnit::Microsecond),
        DataType::Uuid => Arrow::FixedSizeBinary(16),
        DataType::Duration => Arrow::Duration(TimeUnit::Microsecond),
    }
}

/// The KQL type of an Arrow type the VM produces (JSON reads as text).
pub fn from_arrow(t: &Arrow) -> DataType {
    match t {
        Arrow::Boolean => DataType::Bool,
        Arrow::Int16 => DataType::Int16,
        Arrow::Int32 => DataType::Int32,
        Arrow::Int64 => DataType::Int64,
        Arrow::Float32 => DataType::Float32,
        Arrow::Float64 => DataType::Float64,
        Arrow::Decimal128(p, s) => DataType::Decimal {
            precision: *p,
            scale: (*s).max(0) as u8,
        },
        Arrow::Utf8 => DataType::Text,
        Arrow::Binary => DataType::Bytes,
        Arrow::Timestamp(..) => DataType::Timestamp,
        Arrow::Date32 => DataType::Date,
        Arrow::Time64(_) => DataType::Time,
        Arrow::FixedSizeBinary(_) => DataType::Uuid,
        Arrow::Duration(_) => DataType::Duration,
        _ => DataType::Null,
    }
}

/// A nullable Arrow field of a KQL type.
pub fn arrow_field(name: &str, t: DataType) -> Field {
    let f = Field::new(name, arrow_type(t), true);
    if t == DataType::Json {
        f.with_metadata(HashMap::from([(
            "ARROW:extension:name".to_owned(),
            "arrow.json".to_owned(),
        )]))
    } else {
        f
    }
}

/// The Arrow schema of a plan schema.
pub fn arrow_schema(s: &bytecode::Schema) -> SchemaRef {
    Arc::new(Schema::new(
        s.fields
            .iter()
            .map(|f| arrow_field(&f.name, f.ty))
            .collect::<Vec<_>>(),
    ))
}

/// A batch of `schema` from columns, with a row count for zero-column batches.
pub fn batch(schema: &SchemaRef, columns: Vec<ArrayRef>, rows: usize) -> Result<RecordBatch> {
    let options = arrow_array::RecordBatchOptions::new().with_row_count(Some(rows));
    RecordBatch::try_new_with_options(schema.clone(), columns, &options).map_err(|e| {
        ExecError::internal(format!(
            "a batch does not fit its declared schema ({schema}): {e}"
        ))
    })
}

/// An empty batch of `schema`.
pub fn empty_batch(schema: &SchemaRef) -> RecordBatch {
    RecordBatch::new_empty(schema.clone())
}

/// The KQL type of a storage column type.
pub fn from_storage(t: StorageType) -> DataType {
    match t {
        StorageType::Bool => DataType::Bool,
        StorageType::Int16 => DataType::Int16,
        StorageType::Int32 => DataType::Int32,
        StorageType::Int64 => DataType::Int64,
        StorageType::Float32 => DataType::Float32,
        StorageType::Float64 => DataType::Float64,
        StorageType::Decimal(p, s) => DataType::Decimal {
            precision: p,
            scale: s.max(0) as u8,
        },
        StorageType::Text => DataType::Text,
        StorageType::Bytes => DataType::Bytes,
        StorageType::Json => DataType::Json,
        StorageType::Timestamp => DataType::Timestamp,
        StorageType::Date => DataType::Date,
        StorageType::Time => DataType::Time,
        StorageType::Uuid => DataType::Uuid,
    }
}

/// The storage column type of a KQL type; `null` and `duration` cannot be stored.
pub fn to_storage(t: DataType) -> Result<StorageType> {
    Ok(match t {
        DataType::Bool => StorageType::Bool,
        DataType::Int16 => StorageType::Int16,
        DataType::Int32 => StorageType::Int32,
        DataType::Int64 => StorageType::Int64,
        DataType::Float32 => StorageType::Float32,
        DataType::Float64 => StorageType::Float64,
        DataType::Decimal { precision, scale } => StorageType::Decimal(precision, scale as i8),
        DataType::Text => StorageType::Text,
        DataType::Bytes => StorageType::Bytes,
        DataType::Json => StorageType::Json,
        DataType::Timestamp => StorageType::Timestamp,
        DataType::Date => StorageType::Date,
        DataType::Time => StorageType::Time,
        DataType::Uuid => StorageType::Uuid,
        DataType::Null | DataType::Duration => {
            return Err(ExecError::new(
                XCode::Unsupported,
                format!("a column of type {t} cannot be stored"),
            ));
        }
    })
}

/// A one-row array holding a plan constant.
pub fn value_array(v: &Value) -> Result<ArrayRef> {
    Ok(match v {
        Value::Null(t) => arrow_array::new_null_array(&arrow_type(*t), 1),
        Value::Bool(b) => Arc::new(BooleanArray::from(vec![*b])),
        Value::Int16(x) => Arc::new(Int16Array::from(vec![*x])),
        Value::Int32(x) => Arc::new(Int32Array::from(vec![*x])),
        Value::Int64(x) => Arc::new(Int64Array::from(vec![*x])),
        Value::Float32(x) => Arc::new(Float32Array::from(vec![*x])),
        Value::Float64(x) => Arc::new(Float64Array::from(vec![*x])),
        Value::Decimal(x, p, s) => Arc::new(
            Decimal128Array::from(vec![*x])
                .with_precision_and_scale(*p, *s as i8)
                .map_err(|e| ExecError::new(XCode::Overflow, e.to_string()))?,
        ),
        Value::Text(s) | Value::Json(s) => Arc::new(StringArray::from(vec![s.as_str()])),
        Value::Bytes(b) => Arc::new(BinaryArray::from_vec(vec![b.as_slice()])),
        Value::Timestamp(x) => {
            Arc::new(TimestampMicrosecondArray::from(vec![*x]).with_timezone("UTC"))
        }
        Value::Date(x) => Arc::new(Date32Array::from(vec![*x])),
        Value::Time(x) => Arc::new(Time64MicrosecondArray::from(vec![*x])),
        Value::Uuid(u) => Arc::new(
            FixedSizeBinaryArray::try_from_iter(std::iter::once(u))
                .map_err(|e| ExecError::internal(e.to_string()))?,
        ),
        Value::Duration(x) => Arc::new(DurationMicrosecondArray::from(vec![*x])),
    })
}

/// A null array of a KQL type.
pub fn null_array(t: DataType, len: usize) -> ArrayRef {
    if t == DataType::Null {
        return Arc::new(NullArray::new(len));
    }
    arrow_array::new_null_array(&arrow_type(t), len)
}

/// Row `row` of `array` (of KQL type `t`) as a storage scalar (key parts, predicate
/// operands, backfills).
pub fn storage_scalar(array: &dyn Array, row: usize, t: DataType) -> Result<ScalarValue> {
    if array.is_null(row) || t == DataType::Null {
        return Ok(ScalarValue::Null);
    }
    let st = to_storage(t)?;
    ScalarValue::from_array(array, row, &st).map_err(ExecError::from)
}

/// A plan constant as a storage scalar (`None` for types storage has no scalar for).
pub fn value_scalar(v: &Value) -> Option<ScalarValue> {
    Some(match v {
        Value::Null(_) => ScalarValue::Null,
        Value::Bool(b) => ScalarValue::Bool(*b),
        Value::Int16(x) => ScalarValue::Int16(*x),
        Value::Int32(x) => ScalarValue::Int32(*x),
        Value::Int64(x) => ScalarValue::Int64(*x),
        Value::Float32(x) => ScalarValue::Float32(*x),
        Value::Float64(x) => ScalarValue::Float64(*x),
        Value::Decimal(x, p, s) => ScalarValue::Decimal(*x, *p, *s as i8),
        Value::Text(s) => ScalarValue::Text(s.clone()),
        Value::Json(s) => ScalarValue::Json(s.clone()),
        Value::Bytes(b) => ScalarValue::Bytes(b.clone()),
        Value::Timestamp(x) => ScalarValue::Timestamp(*x),
        Value::Date(x) => ScalarValue::Date(*x),
        Value::Time(x) => ScalarValue::Time(*x),
        Value::Uuid(u) => ScalarValue::Uuid(*u),
        Value::Duration(_) => return None,
    })
}

/// Re-labels `columns` with `schema` (same types; names, nullability and metadata
/// from the schema). Storage batches carry the table's own field names.
pub fn relabel(schema: &SchemaRef, b: &RecordBatch) -> Result<RecordBatch> {
    batch(schema, b.columns().to_vec(), b.num_rows())
}

/// The approximate bytes a batch holds.
pub fn batch_bytes(b: &RecordBatch) -> usize {
    b.columns().iter().map(|c| c.get_array_memory_size()).sum()
}

/// Casts an array to the KQL type `t` when its Arrow type differs (decimal precision
/// from storage statistics, say); the types of verified plans otherwise match.
pub fn conform(array: ArrayRef, t: DataType) -> Result<ArrayRef> {
    let want = arrow_type(t);
    if array.data_type().equals_datatype(&want) {
        return Ok(array);
    }
    arrow_cast::cast(&array, &want).map_err(ExecError::from)
}
