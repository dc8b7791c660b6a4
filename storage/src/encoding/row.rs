//! The compact row format of the hot tier. A row is a sequence of entries, one per
//! column present when it was written:
//!
//! ```text
//! entry  = header:varint  payload
//! header = column_id << 3 | width      width: 0 null (no payload), 1/2/3/4/5 = 1/2/4/8/16
//!                                            fixed bytes (little-endian), 6 = varint length + bytes
//! ```
//! Every entry says its own size, so a reader skips columns it does not want — also
//! those dropped since — without knowing their type. A column missing from a row was
//! added after the row was written and reads as its backfill value.

use crate::catalog::{ColumnId, TableDef};
use crate::error::{Result, StorageError};
use crate::types::{DataType, ScalarValue};

use super::column::{ColumnBuilder, TypedCol, payload_scalar};

pub(crate) const WNULL: u8 = 0;
pub(crate) const W1: u8 = 1;
pub(crate) const W2: u8 = 2;
pub(crate) const W4: u8 = 3;
pub(crate) const W8: u8 = 4;
pub(crate) const W16: u8 = 5;
pub(crate) const WVAR: u8 = 6;

pub(crate) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(crate) fn get_varint(buf: &[u8], pos: &mut usize) -> Result<u64> {
    let mut v = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf
            .get(*pos)
            .ok_or_else(|| StorageError::corrupt("row ends inside a varint"))?;
        *pos += 1;
        v |= ((b & 0x7F) as u64) << shift;
        if b < 0x80 {
            return Ok(v);
        }
    }
    Err(StorageError::corrupt("varint longer than 10 bytes"))
}

/// Appends the entries of row `row` of `cols` (column id with its typed array).
pub(crate) fn encode_row(cols: &[(ColumnId, TypedCol<'_>)], row: usize, out: &mut Vec<u8>) {
    for (id, col) in cols {
        let head = (id.0 as u64) << 3;
        if col.is_null(row) {
            put_varint(out, head | WNULL as u64);
            continue;
        }
        put_varint(out, head | col.width() as u64);
        col.put_payload(row, out);
    }
}

/// Decodes rows of one table into builders for a projection of its columns.
pub(crate) struct RowDecoder {
    /// By column id: the position in the projection.
    slot_of: Vec<Option<usize>>,
    backfill: Vec<ScalarValue>,
    seen: Vec<bool>,
}

impl RowDecoder {
    /// `projection` lists current column ids of `def`.
    pub(crate) fn new(def: &TableDef, projection: &[ColumnId]) -> RowDecoder {
        let mut slot_of = vec![None; def.next_column_id as usize + 1];
        let mut backfill = Vec::with_capacity(projection.len());
        for (i, id) in projection.iter().enumerate() {
            slot_of[id.0 as usize] = Some(i);
            let col = def.column(*id).expect("projection holds current columns");
            backfill.push(col.backfill.clone());
        }
        RowDecoder {
            slot_of,
            seen: vec![false; projection.len()],
            backfill,
        }
    }

    /// Appends one row to `builders` (one per projected column).
    pub(crate) fn decode(&mut self, row: &[u8], builders: &mut [ColumnBuilder]) -> Result<()> {
        self.walk(row, |slot, payload| match payload {
            None => {
                builders[slot].append_null();
                Ok(())
            }
            Some(p) => builders[slot].append_payload(p),
        })?;
        for (slot, seen) in self.seen.iter().enumerate() {
            if !seen {
                builders[slot].append_scalar(&self.backfill[slot])?;
            }
        }
        Ok(())
    }

    /// One row as scalars of the projected columns' `types` (one per projected
    /// column): the point get's answer, without Arrow builders.
    pub(crate) fn decode_scalars(
        &mut self,
        row: &[u8],
        types: &[DataType],
    ) -> Result<Vec<ScalarValue>> {
        let mut out = vec![ScalarValue::Null; types.len()];
        self.walk(row, |slot, payload| {
            if let Some(p) = payload {
                out[slot] = payload_scalar(&types[slot], p)?;
            }
            Ok(())
        })?;
        for (slot, seen) in self.seen.iter().enumerate() {
            if !seen {
                out[slot] = self.backfill[slot].clone();
            }
        }
        Ok(out)
    }

    /// Hands each projected column's entry of `row` to `f` (its slot and payload,
    /// `None` for null), the first entry of a column only, marking it `seen`.
    fn walk(
        &mut self,
        row: &[u8],
        mut f: impl FnMut(usize, Option<&[u8]>) -> Result<()>,
    ) -> Result<()> {
        self.seen.iter_mut().for_each(|s| *s = false);
        let mut pos = 0;
        while pos < row.len() {
            let head = get_varint(row, &mut pos)?;
            let id = (head >> 3) as usize;
            let width = (head & 7) as u8;
            let len = match width {
                WNULL => 0,
                W1 => 1,
                W2 => 2,
                W4 => 4,
                W8 => 8,
                W16 => 16,
                WVAR => get_varint(row, &mut pos)? as usize,
                _ => return Err(StorageError::corrupt(format!("row entry width {width}"))),
            };
            let end = pos
                .checked_add(len)
                .filter(|e| *e <= row.len())
                .ok_or_else(|| StorageError::corrupt("row entry runs past the row"))?;
            if let Some(Some(slot)) = self.slot_of.get(id) {
                let slot = *slot;
                if !self.seen[slot] {
                    self.seen[slot] = true;
                    f(slot, (width != WNULL).then(|| &row[pos..end]))?;
                }
            }
            pos = end;
        }
        Ok(())
    }
}
