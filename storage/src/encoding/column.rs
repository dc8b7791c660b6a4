//! Typed access to Arrow columns: [`TypedCol`] reads one value of a column in the
//! engine's encodings without going through `ScalarValue`; [`ColumnBuilder`] builds a
//! column from decoded row payloads or scalars.

use std::sync::Arc;

use arrow_array::builder::{
    BinaryBuilder, BooleanBuilder, Date32Builder, Decimal128Builder, FixedSizeBinaryBuilder,
    Float32Builder, Float64Builder, Int16Builder, Int32Builder, Int64Builder, StringBuilder,
    Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
};
use arrow_array::cast::AsArray;
use arrow_array::types::*;
use arrow_array::{Array, ArrayRef};

use super::key;
use crate::error::{Result, StorageError};
use crate::types::{DataType, ScalarValue};

/// A column of a record batch, downcast once to its concrete array type.
pub(crate) enum TypedCol<'a> {
    Bool(&'a arrow_array::BooleanArray),
    I16(&'a arrow_array::Int16Array),
    I32(&'a arrow_array::PrimitiveArray<Int32Type>),
    D32(&'a arrow_array::Date32Array),
    I64(&'a arrow_array::Int64Array),
    Ts(&'a arrow_array::TimestampMicrosecondArray),
    Tm(&'a arrow_array::Time64MicrosecondArray),
    F32(&'a arrow_array::Float32Array),
    F64(&'a arrow_array::Float64Array),
    Dec(&'a arrow_array::Decimal128Array),
    Str(&'a arrow_array::StringArray),
    Bin(&'a arrow_array::BinaryArray),
    Uuid(&'a arrow_array::FixedSizeBinaryArray),
}

impl<'a> TypedCol<'a> {
    /// Downcasts `array` for column type `dt`; the caller has checked the Arrow type.
    pub(crate) fn new(array: &'a dyn Array, dt: &DataType) -> Result<TypedCol<'a>> {
        let wrong = || {
            StorageError::TypeMismatch(format!(
                "expected an Arrow {} column for type {}, got {}",
                dt.to_arrow(),
                dt.name(),
                array.data_type()
            ))
        };
        if !dt.matches_arrow(array.data_type()) {
            return Err(wrong());
        }
        Ok(match dt {
            DataType::Bool => TypedCol::Bool(array.as_boolean()),
            DataType::Int16 => TypedCol::I16(array.as_primitive::<Int16Type>()),
            DataType::Int32 => TypedCol::I32(array.as_primitive::<Int32Type>()),
            DataType::Date => TypedCol::D32(array.as_primitive::<Date32Type>()),
            DataType::Int64 => TypedCol::I64(array.as_primitive::<Int64Type>()),
            DataType::Timestamp => TypedCol::Ts(array.as_primitive::<TimestampMicrosecondType>()),
            DataType::Time => TypedCol::Tm(array.as_primitive::<Time64MicrosecondType>()),
            DataType::Float32 => TypedCol::F32(array.as_primitive::<Float32Type>()),
            DataType::Float64 => TypedCol::F64(array.as_primitive::<Float64Type>()),
            DataType::Decimal(_, _) => TypedCol::Dec(array.as_primitive::<Decimal128Type>()),
            DataType::Text | DataType::Json => TypedCol::Str(array.as_string::<i32>()),
            DataType::Bytes => TypedCol::Bin(array.as_binary::<i32>()),
            DataType::Uuid => TypedCol::Uuid(array.as_fixed_size_binary()),
        })
    }

    pub(crate) fn is_null(&self, row: usize) -> bool {
        match self {
            TypedCol::Bool(a) => a.is_null(row),
            TypedCol::I16(a) => a.is_null(row),
            TypedCol::I32(a) => a.is_null(row),
            TypedCol::D32(a) => a.is_null(row),
            TypedCol::I64(a) => a.is_null(row),
            TypedCol::Ts(a) => a.is_null(row),
            TypedCol::Tm(a) => a.is_null(row),
            TypedCol::F32(a) => a.is_null(row),
            TypedCol::F64(a) => a.is_null(row),
            TypedCol::Dec(a) => a.is_null(row),
            TypedCol::Str(a) => a.is_null(row),
            TypedCol::Bin(a) => a.is_null(row),
            TypedCol::Uuid(a) => a.is_null(row),
        }
    }

    /// Appends the order-preserving key encoding of a non-null value.
    pub(crate) fn put_key(&self, row: usize, out: &mut Vec<u8>) {
        match self {
            TypedCol::Bool(a) => out.push(a.value(row) as u8),
            TypedCol::I16(a) => key::put_i16(out, a.value(row)),
            TypedCol::I32(a) => key::put_i32(out, a.value(row)),
            TypedCol::D32(a) => key::put_i32(out, a.value(row)),
            TypedCol::I64(a) => key::put_i64(out, a.value(row)),
            TypedCol::Ts(a) => key::put_i64(out, a.value(row)),
            TypedCol::Tm(a) => key::put_i64(out, a.value(row)),
            TypedCol::F32(a) => key::put_f32(out, a.value(row)),
            TypedCol::F64(a) => key::put_f64(out, a.value(row)),
            TypedCol::Dec(a) => key::put_i128(out, a.value(row)),
            TypedCol::Str(a) => key::put_bytes(out, a.value(row).as_bytes()),
            TypedCol::Bin(a) => key::put_bytes(out, a.value(row)),
            TypedCol::Uuid(a) => out.extend_from_slice(a.value(row)),
        }
    }

    /// The row-format width class of this column's values (see [`super::row`]).
    pub(crate) fn width(&self) -> u8 {
        use super::row::{W1, W2, W4, W8, W16, WVAR};
        match self {
            TypedCol::Bool(_) => W1,
            TypedCol::I16(_) => W2,
            TypedCol::I32(_) | TypedCol::D32(_) | TypedCol::F32(_) => W4,
            TypedCol::I64(_) | TypedCol::Ts(_) | TypedCol::Tm(_) | TypedCol::F64(_) => W8,
            TypedCol::Dec(_) | TypedCol::Uuid(_) => W16,
            TypedCol::Str(_) | TypedCol::Bin(_) => WVAR,
        }
    }

    /// Appends the row-format payload of a non-null value (see [`super::row`]) and
    /// returns its width class.
    pub(crate) fn put_payload(&self, row: usize, out: &mut Vec<u8>) -> u8 {
        use super::row::{W1, W2, W4, W8, W16, WVAR, put_varint};
        match self {
            TypedCol::Bool(a) => {
                out.push(a.value(row) as u8);
                W1
            }
            TypedCol::I16(a) => {
                out.extend_from_slice(&a.value(row).to_le_bytes());
                W2
            }
            TypedCol::I32(a) => {
                out.extend_from_slice(&a.value(row).to_le_bytes());
                W4
            }
            TypedCol::D32(a) => {
                out.extend_from_slice(&a.value(row).to_le_bytes());
                W4
            }
            TypedCol::F32(a) => {
                out.extend_from_slice(&a.value(row).to_le_bytes());
                W4
            }
            TypedCol::I64(a) => {
                out.extend_from_slice(&a.value(row).to_le_bytes());
                W8
            }
            TypedCol::Ts(a) => {
                out.extend_from_slice(&a.value(row).to_le_bytes());
                W8
            }
            TypedCol::Tm(a) => {
                out.extend_from_slice(&a.value(row).to_le_bytes());
                W8
            }
            TypedCol::F64(a) => {
                out.extend_from_slice(&a.value(row).to_le_bytes());
                W8
            }
            TypedCol::Dec(a) => {
                out.extend_from_slice(&a.value(row).to_le_bytes());
                W16
            }
            TypedCol::Uuid(a) => {
                out.extend_from_slice(a.value(row));
                W16
            }
            TypedCol::Str(a) => {
                let v = a.value(row).as_bytes();
                put_varint(out, v.len() as u64);
                out.extend_from_slice(v);
                WVAR
            }
            TypedCol::Bin(a) => {
                let v = a.value(row);
                put_varint(out, v.len() as u64);
                out.extend_from_slice(v);
                WVAR
            }
        }
    }
}

/// The value of a row-format payload of a column of type `dt` (what
/// [`ColumnBuilder::append_payload`] appends, as a scalar).
pub(crate) fn payload_scalar(dt: &DataType, p: &[u8]) -> Result<ScalarValue> {
    use ScalarValue as S;
    Ok(match dt {
        DataType::Bool => S::Bool(arr::<1>(p)?[0] != 0),
        DataType::Int16 => S::Int16(i16::from_le_bytes(arr(p)?)),
        DataType::Int32 => S::Int32(i32::from_le_bytes(arr(p)?)),
        DataType::Date => S::Date(i32::from_le_bytes(arr(p)?)),
        DataType::Int64 => S::Int64(i64::from_le_bytes(arr(p)?)),
        DataType::Timestamp => S::Timestamp(i64::from_le_bytes(arr(p)?)),
        DataType::Time => S::Time(i64::from_le_bytes(arr(p)?)),
        DataType::Float32 => S::Float32(f32::from_le_bytes(arr(p)?)),
        DataType::Float64 => S::Float64(f64::from_le_bytes(arr(p)?)),
        DataType::Decimal(prec, scale) => S::Decimal(i128::from_le_bytes(arr(p)?), *prec, *scale),
        DataType::Text | DataType::Json => {
            let s = std::str::from_utf8(p)
                .map_err(|_| StorageError::corrupt("row text is not UTF-8"))?
                .to_owned();
            if *dt == DataType::Json {
                S::Json(s)
            } else {
                S::Text(s)
            }
        }
        DataType::Bytes => S::Bytes(p.to_vec()),
        DataType::Uuid => S::Uuid(arr::<16>(p)?),
    })
}

/// Builds one Arrow column of a given [`DataType`].
pub(crate) enum ColumnBuilder {
    Bool(BooleanBuilder),
    I16(Int16Builder),
    I32(Int32Builder),
    D32(Date32Builder),
    I64(Int64Builder),
    Ts(TimestampMicrosecondBuilder),
    Tm(Time64MicrosecondBuilder),
    F32(Float32Builder),
    F64(Float64Builder),
    Dec(Decimal128Builder, u8, i8),
    Str(StringBuilder),
    Bin(BinaryBuilder),
    Uuid(FixedSizeBinaryBuilder),
}

fn arr<const N: usize>(p: &[u8]) -> Result<[u8; N]> {
    p.try_into()
        .map_err(|_| StorageError::corrupt(format!("row value of {} bytes, expected {N}", p.len())))
}

impl ColumnBuilder {
    pub(crate) fn new(dt: &DataType, capacity: usize) -> ColumnBuilder {
        match dt {
            DataType::Bool => ColumnBuilder::Bool(BooleanBuilder::with_capacity(capacity)),
            DataType::Int16 => ColumnBuilder::I16(Int16Builder::with_capacity(capacity)),
            DataType::Int32 => ColumnBuilder::I32(Int32Builder::with_capacity(capacity)),
            DataType::Date => ColumnBuilder::D32(Date32Builder::with_capacity(capacity)),
            DataType::Int64 => ColumnBuilder::I64(Int64Builder::with_capacity(capacity)),
            DataType::Timestamp => ColumnBuilder::Ts(
                TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone("UTC"),
            ),
            DataType::Time => ColumnBuilder::Tm(Time64MicrosecondBuilder::with_capacity(capacity)),
            DataType::Float32 => ColumnBuilder::F32(Float32Builder::with_capacity(capacity)),
            DataType::Float64 => ColumnBuilder::F64(Float64Builder::with_capacity(capacity)),
            DataType::Decimal(p, s) => {
                ColumnBuilder::Dec(Decimal128Builder::with_capacity(capacity), *p, *s)
            }
            DataType::Text | DataType::Json => {
                ColumnBuilder::Str(StringBuilder::with_capacity(capacity, capacity * 8))
            }
            DataType::Bytes => {
                ColumnBuilder::Bin(BinaryBuilder::with_capacity(capacity, capacity * 8))
            }
            DataType::Uuid => {
                ColumnBuilder::Uuid(FixedSizeBinaryBuilder::with_capacity(capacity, 16))
            }
        }
    }

    pub(crate) fn append_null(&mut self) {
        match self {
            ColumnBuilder::Bool(b) => b.append_null(),
            ColumnBuilder::I16(b) => b.append_null(),
            ColumnBuilder::I32(b) => b.append_null(),
            ColumnBuilder::D32(b) => b.append_null(),
            ColumnBuilder::I64(b) => b.append_null(),
            ColumnBuilder::Ts(b) => b.append_null(),
            ColumnBuilder::Tm(b) => b.append_null(),
            ColumnBuilder::F32(b) => b.append_null(),
            ColumnBuilder::F64(b) => b.append_null(),
            ColumnBuilder::Dec(b, _, _) => b.append_null(),
            ColumnBuilder::Str(b) => b.append_null(),
            ColumnBuilder::Bin(b) => b.append_null(),
            ColumnBuilder::Uuid(b) => b.append_null(),
        }
    }

    /// Appends a value from its row-format payload.
    pub(crate) fn append_payload(&mut self, p: &[u8]) -> Result<()> {
        match self {
            ColumnBuilder::Bool(b) => b.append_value(arr::<1>(p)?[0] != 0),
            ColumnBuilder::I16(b) => b.append_value(i16::from_le_bytes(arr(p)?)),
            ColumnBuilder::I32(b) => b.append_value(i32::from_le_bytes(arr(p)?)),
            ColumnBuilder::D32(b) => b.append_value(i32::from_le_bytes(arr(p)?)),
            ColumnBuilder::I64(b) => b.append_value(i64::from_le_bytes(arr(p)?)),
            ColumnBuilder::Ts(b) => b.append_value(i64::from_le_bytes(arr(p)?)),
            ColumnBuilder::Tm(b) => b.append_value(i64::from_le_bytes(arr(p)?)),
            ColumnBuilder::F32(b) => b.append_value(f32::from_le_bytes(arr(p)?)),
            ColumnBuilder::F64(b) => b.append_value(f64::from_le_bytes(arr(p)?)),
            ColumnBuilder::Dec(b, _, _) => b.append_value(i128::from_le_bytes(arr(p)?)),
            ColumnBuilder::Str(b) => b.append_value(
                std::str::from_utf8(p)
                    .map_err(|_| StorageError::corrupt("row text is not UTF-8"))?,
            ),
            ColumnBuilder::Bin(b) => b.append_value(p),
            ColumnBuilder::Uuid(b) => b
                .append_value(arr::<16>(p)?)
                .map_err(|e| StorageError::corrupt(e.to_string()))?,
        }
        Ok(())
    }

    /// Appends a scalar already coerced to the column type (used for backfills).
    pub(crate) fn append_scalar(&mut self, v: &ScalarValue) -> Result<()> {
        use ScalarValue as S;
        match (self, v) {
            (b, S::Null) => b.append_null(),
            (ColumnBuilder::Bool(b), S::Bool(x)) => b.append_value(*x),
            (ColumnBuilder::I16(b), S::Int16(x)) => b.append_value(*x),
            (ColumnBuilder::I32(b), S::Int32(x)) => b.append_value(*x),
            (ColumnBuilder::D32(b), S::Date(x)) => b.append_value(*x),
            (ColumnBuilder::I64(b), S::Int64(x)) => b.append_value(*x),
            (ColumnBuilder::Ts(b), S::Timestamp(x)) => b.append_value(*x),
            (ColumnBuilder::Tm(b), S::Time(x)) => b.append_value(*x),
            (ColumnBuilder::F32(b), S::Float32(x)) => b.append_value(*x),
            (ColumnBuilder::F64(b), S::Float64(x)) => b.append_value(*x),
            (ColumnBuilder::Dec(b, _, _), S::Decimal(x, _, _)) => b.append_value(*x),
            (ColumnBuilder::Str(b), S::Text(x) | S::Json(x)) => b.append_value(x),
            (ColumnBuilder::Bin(b), S::Bytes(x)) => b.append_value(x),
            (ColumnBuilder::Uuid(b), S::Uuid(x)) => b
                .append_value(x)
                .map_err(|e| StorageError::corrupt(e.to_string()))?,
            (_, v) => {
                return Err(StorageError::TypeMismatch(format!(
                    "value {v} does not fit the column being built"
                )));
            }
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> ArrayRef {
        match self {
            ColumnBuilder::Bool(mut b) => Arc::new(b.finish()),
            ColumnBuilder::I16(mut b) => Arc::new(b.finish()),
            ColumnBuilder::I32(mut b) => Arc::new(b.finish()),
            ColumnBuilder::D32(mut b) => Arc::new(b.finish()),
            ColumnBuilder::I64(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Ts(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Tm(mut b) => Arc::new(b.finish()),
            ColumnBuilder::F32(mut b) => Arc::new(b.finish()),
            ColumnBuilder::F64(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Dec(mut b, p, s) => Arc::new(
                b.finish()
                    .with_precision_and_scale(p, s)
                    .expect("precision validated at create"),
            ),
            ColumnBuilder::Str(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Bin(mut b) => Arc::new(b.finish()),
            ColumnBuilder::Uuid(mut b) => Arc::new(b.finish()),
        }
    }
}
