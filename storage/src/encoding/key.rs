//! Order-preserving key encoding: the byte order of encoded keys is the order of the
//! values, so RocksDB iteration and Parquet `__key` statistics follow key order.
//!
//! ```text
//! key        = table:u64 BE  [owner:u64 BE — user tables only]  pk-part*
//! pk-part    = bool: 00|01
//!            | int16/32/64, timestamp, date, time, hidden row id: big-endian, sign bit flipped
//!            | float32/64: IEEE bits, all bits flipped if negative else sign bit flipped
//!              (-0.0 written as 0.0 and any NaN as one NaN, above +inf)
//!            | decimal: i128 big-endian, sign bit flipped
//!            | text/bytes: bytes with 00 escaped as 00 FF, terminated by 00 00
//!            | uuid: 16 raw bytes
//! ```
//! Every part is self-delimiting, so a prefix of the key columns encodes to a byte
//! prefix of every key that starts with those values (used by key ranges).

use crate::catalog::{TableDef, TableId, UserId};
use crate::error::{Result, StorageError};
use crate::types::{DataType, ScalarValue};

/// The bytes every key of one partition starts with.
pub(crate) fn partition_prefix(table: TableId, owner: Option<UserId>) -> Vec<u8> {
    let mut k = Vec::with_capacity(16);
    k.extend_from_slice(&table.0.to_be_bytes());
    if let Some(o) = owner {
        k.extend_from_slice(&o.0.to_be_bytes());
    }
    k
}

/// The bytes every key of a table (all partitions) starts with.
pub(crate) fn table_prefix(table: TableId) -> Vec<u8> {
    table.0.to_be_bytes().to_vec()
}

/// The smallest byte string greater than every string starting with `prefix`, or
/// `None` when there is none (all bytes 0xFF).
pub(crate) fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut out = prefix.to_vec();
    while let Some(last) = out.pop() {
        if last != 0xFF {
            out.push(last + 1);
            return Some(out);
        }
    }
    None
}

pub(crate) fn put_i64(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(&((v as u64) ^ (1 << 63)).to_be_bytes());
}

pub(crate) fn put_i32(out: &mut Vec<u8>, v: i32) {
    out.extend_from_slice(&((v as u32) ^ (1 << 31)).to_be_bytes());
}

pub(crate) fn put_i16(out: &mut Vec<u8>, v: i16) {
    out.extend_from_slice(&((v as u16) ^ (1 << 15)).to_be_bytes());
}

pub(crate) fn put_i128(out: &mut Vec<u8>, v: i128) {
    out.extend_from_slice(&((v as u128) ^ (1 << 127)).to_be_bytes());
}

/// Floats compare as PostgreSQL compares them: `-0.0` is `0.0`, and every NaN is one
/// value above every number; so a key holds `+0.0` for both zeros and one quiet NaN.
pub(crate) fn put_f64(out: &mut Vec<u8>, v: f64) {
    let v = if v == 0.0 {
        0.0
    } else if v.is_nan() {
        f64::NAN
    } else {
        v
    };
    let b = v.to_bits();
    let b = if b >> 63 == 1 { !b } else { b ^ (1 << 63) };
    out.extend_from_slice(&b.to_be_bytes());
}

pub(crate) fn put_f32(out: &mut Vec<u8>, v: f32) {
    let v = if v == 0.0 {
        0.0
    } else if v.is_nan() {
        f32::NAN
    } else {
        v
    };
    let b = v.to_bits();
    let b = if b >> 31 == 1 { !b } else { b ^ (1 << 31) };
    out.extend_from_slice(&b.to_be_bytes());
}

pub(crate) fn put_bytes(out: &mut Vec<u8>, v: &[u8]) {
    for &b in v {
        out.push(b);
        if b == 0 {
            out.push(0xFF);
        }
    }
    out.extend_from_slice(&[0, 0]);
}

/// Appends one non-null key value, already of the column's type.
pub(crate) fn put_scalar(out: &mut Vec<u8>, v: &ScalarValue) -> Result<()> {
    use ScalarValue as S;
    match v {
        S::Bool(b) => out.push(*b as u8),
        S::Int16(x) => put_i16(out, *x),
        S::Int32(x) | S::Date(x) => put_i32(out, *x),
        S::Int64(x) | S::Timestamp(x) | S::Time(x) => put_i64(out, *x),
        S::Float32(x) => put_f32(out, *x),
        S::Float64(x) => put_f64(out, *x),
        S::Decimal(x, _, _) => put_i128(out, *x),
        S::Text(t) => put_bytes(out, t.as_bytes()),
        S::Bytes(b) => put_bytes(out, b),
        S::Uuid(u) => out.extend_from_slice(u),
        S::Null | S::Json(_) => {
            return Err(StorageError::TypeMismatch(format!(
                "{v} cannot be part of a primary key"
            )));
        }
    }
    Ok(())
}

/// The types of a table's key parts (`Int64` for the hidden row id).
pub(crate) fn key_types(def: &TableDef) -> Vec<(&str, DataType)> {
    if def.primary_key.is_empty() {
        return vec![("__rowid", DataType::Int64)];
    }
    def.primary_key
        .iter()
        .map(|id| {
            let c = def.column(*id).expect("key columns are never dropped");
            (c.name.as_str(), c.data_type)
        })
        .collect()
}

/// Encodes the key of a table partition from key values (all key parts, or a prefix of
/// them when `allow_prefix`), coercing each value to its column type.
pub(crate) fn encode_key(
    def: &TableDef,
    owner: Option<UserId>,
    values: &[ScalarValue],
    allow_prefix: bool,
) -> Result<Vec<u8>> {
    let types = key_types(def);
    if values.len() > types.len() || (!allow_prefix && values.len() != types.len()) {
        return Err(StorageError::invalid(format!(
            "table {} has {} key part(s) ({}), got {} value(s)",
            def.qualified_name(),
            types.len(),
            types.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "),
            values.len()
        )));
    }
    let mut out = partition_prefix(def.id, owner);
    for (v, (name, dt)) in values.iter().zip(&types) {
        let v = v.coerce_to(dt).map_err(|e| {
            StorageError::TypeMismatch(format!(
                "key column `{name}` of {}: {e}",
                def.qualified_name()
            ))
        })?;
        if v.is_null() {
            return Err(StorageError::TypeMismatch(format!(
                "key column `{name}` of {} cannot be null",
                def.qualified_name()
            )));
        }
        put_scalar(&mut out, &v)?;
    }
    Ok(out)
}

/// Renders a key for messages: the key values of a row, or the raw bytes.
pub(crate) fn describe(values: &[ScalarValue]) -> String {
    let parts: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    format!("({})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(v: ScalarValue) -> Vec<u8> {
        let mut out = Vec::new();
        put_scalar(&mut out, &v).unwrap();
        out
    }

    #[test]
    fn encoding_preserves_order() {
        let ints = [i64::MIN, -5, -1, 0, 1, 7, i64::MAX];
        for w in ints.windows(2) {
            assert!(enc(ScalarValue::Int64(w[0])) < enc(ScalarValue::Int64(w[1])));
        }
        let floats = [
            f64::NEG_INFINITY,
            -2.5,
            -1e-9,
            0.0,
            1e-9,
            3.0,
            f64::INFINITY,
            f64::NAN,
        ];
        for w in floats.windows(2) {
            assert!(enc(ScalarValue::Float64(w[0])) < enc(ScalarValue::Float64(w[1])));
        }
        // One key for both zeros and for every NaN, as PostgreSQL compares them.
        assert_eq!(
            enc(ScalarValue::Float64(-0.0)),
            enc(ScalarValue::Float64(0.0))
        );
        assert_eq!(
            enc(ScalarValue::Float32(-0.0)),
            enc(ScalarValue::Float32(0.0))
        );
        assert_eq!(
            enc(ScalarValue::Float64(-f64::NAN)),
            enc(ScalarValue::Float64(f64::NAN))
        );
        let texts = ["", "a", "a\0", "a\0b", "ab", "b"];
        for w in texts.windows(2) {
            assert!(
                enc(ScalarValue::Text(w[0].into())) < enc(ScalarValue::Text(w[1].into())),
                "{:?} < {:?}",
                w[0],
                w[1]
            );
        }
        let decs = [-1000i128, -1, 0, 5];
        for w in decs.windows(2) {
            assert!(
                enc(ScalarValue::Decimal(w[0], 10, 2)) < enc(ScalarValue::Decimal(w[1], 10, 2))
            );
        }
        // composite keys: (text, int) order is lexicographic by part
        let mut a = enc(ScalarValue::Text("a".into()));
        a.extend(enc(ScalarValue::Int32(9)));
        let mut b = enc(ScalarValue::Text("ab".into()));
        b.extend(enc(ScalarValue::Int32(1)));
        assert!(a < b);
        assert_eq!(prefix_successor(&[1, 0xFF]), Some(vec![2]));
        assert_eq!(prefix_successor(&[0xFF]), None);
    }
}
