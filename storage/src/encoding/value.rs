//! The value stored under a key in the hot tier:
//!
//! ```text
//! value = flags:u8  seq:u64 LE  written_at_us:i64 LE  row
//! flags = bit 0: tombstone (row is empty)
//! ```
//! `seq` is the engine sequence number of the commit that wrote the version; it orders
//! versions across tiers and lets a flush delete exactly the versions it wrote out.

use crate::error::{Result, StorageError};

pub(crate) const HEADER_LEN: usize = 17;
const TOMBSTONE: u8 = 1;

/// A decoded hot value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HotValue<'a> {
    pub tombstone: bool,
    pub seq: u64,
    pub written_at_us: i64,
    pub row: &'a [u8],
}

pub(crate) fn encode(tombstone: bool, seq: u64, written_at_us: i64, row: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(HEADER_LEN + row.len());
    encode_into(tombstone, seq, written_at_us, row, &mut v);
    v
}

/// [`encode`], appending to `out` (so a caller writing many values reuses one buffer).
pub(crate) fn encode_into(
    tombstone: bool,
    seq: u64,
    written_at_us: i64,
    row: &[u8],
    out: &mut Vec<u8>,
) {
    out.push(if tombstone { TOMBSTONE } else { 0 });
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&written_at_us.to_le_bytes());
    out.extend_from_slice(row);
}

pub(crate) fn decode(bytes: &[u8]) -> Result<HotValue<'_>> {
    if bytes.len() < HEADER_LEN || bytes[0] & !TOMBSTONE != 0 {
        return Err(StorageError::corrupt(format!(
            "hot value of {} bytes has no valid header",
            bytes.len()
        )));
    }
    Ok(HotValue {
        tombstone: bytes[0] & TOMBSTONE != 0,
        seq: u64::from_le_bytes(bytes[1..9].try_into().expect("8 bytes")),
        written_at_us: i64::from_le_bytes(bytes[9..17].try_into().expect("8 bytes")),
        row: &bytes[HEADER_LEN..],
    })
}
