//! The row key a scan hands out as the pseudo-column `#key` (`bytes`), which `Update`
//! and `Delete` take back to name rows. It is the VM's own encoding, never shown to a
//! query:
//!
//! ```text
//! key  = 0x01  table-id:u64 BE  part*
//! part = bool: 1 byte | int16/32/64, date, time, timestamp: 2/4/8/4/8/8 bytes LE
//!      | float32/64: 4/8 bytes LE | decimal: 16 bytes LE | uuid: 16 bytes
//!      | text, bytes: u32 LE length, then the bytes
//! ```
//!
//! Tables with a primary key encode its columns in key order; tables without one the
//! hidden row id (`int64`). A key is decoded against the table's current definition
//! and must use every byte; anything else — a key of another table, a forged or
//! truncated one — is `X008`. A forged key can only name a row of the caller's own
//! partition (the partition is the VM's choice, not the key's).

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Decimal128Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type,
    Time64MicrosecondType, TimestampMicrosecondType,
};
use arrow_array::{Array, ArrayRef, BinaryArray};
use kalavar_storage::{DataType as StorageType, ScalarValue, TableDef};

use super::error::{ExecError, Result, XCode};

const VERSION: u8 = 1;

fn put_part(out: &mut Vec<u8>, a: &dyn Array, row: usize, t: StorageType) -> Result<()> {
    match t {
        StorageType::Bool => out.push(a.as_boolean().value(row) as u8),
        StorageType::Int16 => out.extend(a.as_primitive::<Int16Type>().value(row).to_le_bytes()),
        StorageType::Int32 => out.extend(a.as_primitive::<Int32Type>().value(row).to_le_bytes()),
        StorageType::Int64 => out.extend(a.as_primitive::<Int64Type>().value(row).to_le_bytes()),
        StorageType::Float32 => {
            out.extend(a.as_primitive::<Float32Type>().value(row).to_le_bytes())
        }
        StorageType::Float64 => {
            out.extend(a.as_primitive::<Float64Type>().value(row).to_le_bytes())
        }
        StorageType::Decimal(..) => {
            out.extend(a.as_primitive::<Decimal128Type>().value(row).to_le_bytes())
        }
        StorageType::Date => out.extend(a.as_primitive::<Date32Type>().value(row).to_le_bytes()),
        StorageType::Time => out.extend(
            a.as_primitive::<Time64MicrosecondType>()
                .value(row)
                .to_le_bytes(),
        ),
        StorageType::Timestamp => out.extend(
            a.as_primitive::<TimestampMicrosecondType>()
                .value(row)
                .to_le_bytes(),
        ),
        StorageType::Uuid => out.extend_from_slice(a.as_fixed_size_binary().value(row)),
        StorageType::Text | StorageType::Json => {
            let s = a.as_string::<i32>().value(row).as_bytes();
            out.extend((s.len() as u32).to_le_bytes());
            out.extend_from_slice(s);
        }
        StorageType::Bytes => {
            let s = a.as_binary::<i32>().value(row);
            out.extend((s.len() as u32).to_le_bytes());
            out.extend_from_slice(s);
        }
    }
    Ok(())
}

/// Encodes the keys of `rows` rows: `parts` are the key columns' arrays (or the row-id
/// column) with their storage types.
pub fn encode(table: u64, parts: &[(ArrayRef, StorageType)], rows: usize) -> Result<ArrayRef> {
    let mut keys: Vec<Vec<u8>> = Vec::with_capacity(rows);
    for r in 0..rows {
        let mut k = Vec::with_capacity(9 + 8 * parts.len());
        k.push(VERSION);
        k.extend(table.to_be_bytes());
        for (a, t) in parts {
            if a.is_null(r) {
                return Err(ExecError::internal("a stored key column holds a null"));
            }
            put_part(&mut k, a.as_ref(), r, *t)?;
        }
        keys.push(k);
    }
    Ok(Arc::new(BinaryArray::from_iter_values(keys.iter())))
}

fn bad(table: &TableDef, why: &str) -> ExecError {
    ExecError::new(
        XCode::BadRowKey,
        format!(
            "a row key is not a key of {}: {why}",
            table.qualified_name()
        ),
    )
}

/// The key column types of a table, in key order (`int64` for the hidden row id).
pub fn key_types(def: &TableDef) -> Result<Vec<StorageType>> {
    if def.has_hidden_key() {
        return Ok(vec![StorageType::Int64]);
    }
    def.primary_key
        .iter()
        .map(|id| {
            def.column(*id)
                .map(|c| c.data_type)
                .ok_or_else(|| ExecError::internal("a key column is missing from its table"))
        })
        .collect()
}

fn take<'a>(b: &mut &'a [u8], n: usize, def: &TableDef) -> Result<&'a [u8]> {
    if b.len() < n {
        return Err(bad(def, "it ends early"));
    }
    let (head, rest) = b.split_at(n);
    *b = rest;
    Ok(head)
}

fn arr<const N: usize>(b: &mut &[u8], def: &TableDef) -> Result<[u8; N]> {
    let s = take(b, N, def)?;
    let mut a = [0u8; N];
    a.copy_from_slice(s);
    Ok(a)
}

/// Decodes one key of `def` into the values storage takes (`[row id]` for tables
/// without a primary key).
pub fn decode(bytes: &[u8], def: &TableDef) -> Result<Vec<ScalarValue>> {
    let mut b = bytes;
    if take(&mut b, 1, def)? != [VERSION] {
        return Err(bad(def, "unknown key format"));
    }
    let table = u64::from_be_bytes(arr::<8>(&mut b, def)?);
    if table != def.id.0 {
        return Err(bad(def, "it names another table"));
    }
    let mut out = Vec::new();
    for t in key_types(def)? {
        out.push(match t {
            StorageType::Bool => match take(&mut b, 1, def)?[0] {
                0 => ScalarValue::Bool(false),
                1 => ScalarValue::Bool(true),
                _ => return Err(bad(def, "a bool part is neither 0 nor 1")),
            },
            StorageType::Int16 => ScalarValue::Int16(i16::from_le_bytes(arr(&mut b, def)?)),
            StorageType::Int32 => ScalarValue::Int32(i32::from_le_bytes(arr(&mut b, def)?)),
            StorageType::Int64 => ScalarValue::Int64(i64::from_le_bytes(arr(&mut b, def)?)),
            StorageType::Float32 => ScalarValue::Float32(f32::from_le_bytes(arr(&mut b, def)?)),
            StorageType::Float64 => ScalarValue::Float64(f64::from_le_bytes(arr(&mut b, def)?)),
            StorageType::Decimal(p, s) => {
                let v = i128::from_le_bytes(arr(&mut b, def)?);
                if v.unsigned_abs() >= 10u128.pow(u32::from(p.min(38))) {
                    return Err(bad(def, "a decimal part has too many digits"));
                }
                ScalarValue::Decimal(v, p, s)
            }
            StorageType::Date => ScalarValue::Date(i32::from_le_bytes(arr(&mut b, def)?)),
            StorageType::Time => {
                let v = i64::from_le_bytes(arr(&mut b, def)?);
                if !(0..86_400_000_000).contains(&v) {
                    return Err(bad(def, "a time part is not a time of day"));
                }
                ScalarValue::Time(v)
            }
            StorageType::Timestamp => ScalarValue::Timestamp(i64::from_le_bytes(arr(&mut b, def)?)),
            StorageType::Uuid => ScalarValue::Uuid(arr(&mut b, def)?),
            StorageType::Text | StorageType::Json => {
                let n = u32::from_le_bytes(arr(&mut b, def)?) as usize;
                let s = std::str::from_utf8(take(&mut b, n, def)?)
                    .map_err(|_| bad(def, "a text part is not UTF-8"))?;
                ScalarValue::Text(s.to_owned())
            }
            StorageType::Bytes => {
                let n = u32::from_le_bytes(arr(&mut b, def)?) as usize;
                ScalarValue::Bytes(take(&mut b, n, def)?.to_vec())
            }
        });
    }
    if !b.is_empty() {
        return Err(bad(def, "bytes follow the last key part"));
    }
    Ok(out)
}
