//! One Parquet data page, decoded just far enough to read a single value: the header
//! ([`super::thrift`]), decompression (uncompressed; LZ4 raw only up to the value
//! wanted, [`super::lz4`]; or zstd with a context reused per thread), the definition
//! levels (RLE/bit-packed, bit width 1) and PLAIN values. This is what makes a cold point lookup cheap: no column reader, no Arrow
//! array of a whole page, no decompressor set up per call.
//!
//! Anything else — dictionary pages or encodings, nested columns, other codecs — makes
//! [`decode_page`] answer `None`, and the caller falls back to parquet-rs's reader.

use std::borrow::Cow;
use std::cell::RefCell;

use parquet::basic::{Compression, Type as PhysicalType};

use super::lz4::Lz4Prefix;
use super::thrift::{DATA_PAGE, DATA_PAGE_V2, PageHeader, read_page_header};
use crate::encoding::column::ColumnBuilder;
use crate::error::{Result, StorageError};
use crate::types::DataType;

/// Parquet encodings (`parquet.thrift` `Encoding`).
const PLAIN: i32 = 0;
const RLE: i32 = 3;

thread_local! {
    /// A zstd decompression context per thread: creating one costs more than
    /// decompressing a small page.
    static ZSTD: RefCell<Option<zstd::bulk::Decompressor<'static>>> = const { RefCell::new(None) };
}

/// A data page whose values and definition levels can be read by index.
pub(crate) struct Page<'a> {
    /// v1: the decompressed body; v2: the decompressed values section.
    data: Body<'a>,
    /// RLE/bit-packed definition levels of bit width 1; `None` for a required column.
    levels: Option<Levels<'a>>,
    /// Where the PLAIN values sit in `data`.
    values: std::ops::Range<usize>,
    num_values: usize,
}

/// A page's decompressed bytes: all of them, or an LZ4 block decompressed on demand.
enum Body<'a> {
    Ready(Cow<'a, [u8]>),
    Lz4(Lz4Prefix<'a>),
}

impl Body<'_> {
    /// The bytes available so far.
    fn bytes(&self) -> &[u8] {
        match self {
            Body::Ready(b) => b,
            Body::Lz4(d) => d.bytes(),
        }
    }

    fn total(&self) -> usize {
        match self {
            Body::Ready(b) => b.len(),
            Body::Lz4(d) => d.total(),
        }
    }

    /// Makes the first `n` bytes available (an error past the end).
    fn need(&mut self, n: usize) -> Result<()> {
        match self {
            Body::Ready(b) if n > b.len() => Err(damaged("values truncated")),
            Body::Ready(_) => Ok(()),
            Body::Lz4(d) => d.fill(n),
        }
    }
}

/// Where a page's definition levels are: inside the decompressed body (v1), or in the
/// raw page before the compressed values (v2).
enum Levels<'a> {
    InData(std::ops::Range<usize>),
    Raw(&'a [u8]),
}

/// One PLAIN value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Plain<'a> {
    Bool(bool),
    I32(i32),
    I64(i64),
    F32(f32),
    F64(f64),
    Bytes(&'a [u8]),
}

fn damaged(what: impl std::fmt::Display) -> StorageError {
    StorageError::corrupt(format!("damaged Parquet data page: {what}"))
}

/// The largest decompressed page this reader accepts (a damaged header must not make
/// it allocate gigabytes); segments written by the engine stay far below.
const MAX_PAGE_BYTES: usize = 256 << 20;

fn decompress<'a>(codec: Compression, input: &'a [u8], size: usize) -> Result<Option<Body<'a>>> {
    if size > MAX_PAGE_BYTES && codec != Compression::UNCOMPRESSED {
        return Err(damaged(format!("page claims {size} bytes decompressed")));
    }
    match codec {
        Compression::UNCOMPRESSED => Ok(Some(Body::Ready(Cow::Borrowed(input)))),
        Compression::LZ4_RAW => Ok(Some(Body::Lz4(Lz4Prefix::new(input, size)))),
        Compression::ZSTD(_) => ZSTD.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                *slot = Some(zstd::bulk::Decompressor::new().map_err(damaged)?);
            }
            let d = slot.as_mut().expect("set above");
            let mut out = vec![0u8; size];
            let n = d.decompress_to_buffer(input, &mut out).map_err(damaged)?;
            if n != size {
                return Err(damaged("zstd frame shorter than the header says"));
            }
            Ok(Some(Body::Ready(Cow::Owned(out))))
        }),
        _ => Ok(None),
    }
}

/// Splits a v1 body into (levels, values) ranges: the levels are prefixed by their
/// length as a little-endian u32. Makes the levels available.
fn split_levels(body: &mut Body<'_>) -> Result<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let total = body.total();
    if total < 4 {
        return Err(damaged("level length missing"));
    }
    body.need(4)?;
    let len: [u8; 4] = body.bytes()[..4].try_into().expect("4 bytes");
    let len = u32::from_le_bytes(len) as usize;
    if total - 4 < len {
        return Err(damaged("levels longer than the page"));
    }
    body.need(4 + len)?;
    Ok((4..4 + len, 4 + len..total))
}

/// Decodes the page at the start of `bytes` (header included) for a flat column of
/// `max_def` ≤ 1. `None` when the page is of a kind this reader leaves to parquet-rs.
pub(crate) fn decode_page(
    bytes: &[u8],
    codec: Compression,
    max_def: i16,
) -> Result<Option<Page<'_>>> {
    if max_def > 1 {
        return Ok(None);
    }
    let h: PageHeader = read_page_header(bytes)?;
    let body = &bytes[h.header_len..];
    if body.len() < h.compressed_size as usize {
        return Err(damaged("page shorter than its header says"));
    }
    let body = &body[..h.compressed_size as usize];
    if h.encoding != PLAIN {
        return Ok(None);
    }
    let size = h.uncompressed_size as usize;
    match h.page_type {
        DATA_PAGE => {
            if max_def == 1 && h.def_level_encoding != RLE {
                return Ok(None);
            }
            let Some(mut data) = decompress(codec, body, size)? else {
                return Ok(None);
            };
            let (levels, values) = if max_def == 0 {
                (None, 0..data.total())
            } else {
                let (l, v) = split_levels(&mut data)?;
                (Some(Levels::InData(l)), v)
            };
            Ok(Some(Page {
                data,
                levels,
                values,
                num_values: h.num_values as usize,
            }))
        }
        DATA_PAGE_V2 => {
            let (rl, dl) = (h.rep_levels_len as usize, h.def_levels_len as usize);
            if rl != 0 || body.len() < dl {
                return Ok(None);
            }
            let (levels, values) = body.split_at(dl);
            let values = if h.is_compressed {
                match decompress(codec, values, size.saturating_sub(dl))? {
                    Some(v) => v,
                    None => return Ok(None),
                }
            } else {
                Body::Ready(Cow::Borrowed(values))
            };
            Ok(Some(Page {
                values: 0..values.total(),
                data: values,
                levels: (max_def == 1).then_some(Levels::Raw(levels)),
                num_values: h.num_values as usize,
            }))
        }
        _ => Ok(None),
    }
}

fn varint(buf: &[u8], pos: &mut usize) -> Result<u64> {
    let mut out = 0u64;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos).ok_or_else(|| damaged("levels truncated"))?;
        *pos += 1;
        out |= u64::from(b & 0x7F) << shift;
        if b & 0x80 == 0 {
            return Ok(out);
        }
    }
    Err(damaged("level run header too long"))
}

/// For value slot `i` of bit-width-1 levels: whether it is defined, and how many
/// defined slots precede it.
fn level_at(levels: &[u8], i: usize) -> Result<(bool, usize)> {
    let (mut pos, mut slot, mut defined) = (0usize, 0usize, 0usize);
    while pos < levels.len() {
        let header = varint(levels, &mut pos)?;
        let n = usize::try_from(header >> 1).map_err(|_| damaged("level run too long"))?;
        if header & 1 == 0 {
            let v = *levels.get(pos).ok_or_else(|| damaged("levels truncated"))?;
            pos += 1;
            if i < slot + n {
                return Ok((v != 0, defined + if v != 0 { i - slot } else { 0 }));
            }
            if v != 0 {
                defined += n;
            }
            slot += n;
        } else {
            let bytes = levels
                .get(pos..pos + n)
                .ok_or_else(|| damaged("bit-packed levels truncated"))?;
            pos += n;
            if i < slot + n * 8 {
                let k = i - slot;
                let before: usize = bytes[..k / 8].iter().map(|b| b.count_ones() as usize).sum();
                let partial = (bytes[k / 8] & ((1u8 << (k % 8)) - 1)).count_ones() as usize;
                let set = bytes[k / 8] >> (k % 8) & 1 == 1;
                return Ok((set, defined + before + partial));
            }
            defined += bytes.iter().map(|b| b.count_ones() as usize).sum::<usize>();
            slot += n * 8;
        }
    }
    Err(damaged("fewer levels than values"))
}

impl<'a> Page<'a> {
    pub(crate) fn num_values(&self) -> usize {
        self.num_values
    }

    fn levels(&self) -> Option<&[u8]> {
        match self.levels.as_ref()? {
            // `split_levels` made them available.
            Levels::InData(r) => Some(&self.data.bytes()[r.clone()]),
            Levels::Raw(l) => Some(l),
        }
    }

    /// The values section decompressed so far.
    fn values_so_far(&self) -> &[u8] {
        let b = self.data.bytes();
        &b[self.values.start.min(b.len())..self.values.end.min(b.len())]
    }

    /// Makes the first `n` bytes of the values section available.
    fn need_values(&mut self, n: usize) -> Result<()> {
        if n > self.values.len() {
            return Err(damaged("values truncated"));
        }
        self.data.need(self.values.start + n)
    }

    /// The value in slot `i` (`None` when it is null). Decompresses only up to it.
    pub(crate) fn value(
        &mut self,
        i: usize,
        ty: PhysicalType,
        type_len: usize,
    ) -> Result<Option<Plain<'_>>> {
        if i >= self.num_values {
            return Err(damaged(format!("slot {i} past {} values", self.num_values)));
        }
        let v = match self.levels() {
            None => i,
            Some(l) => match level_at(l, i)? {
                (false, _) => return Ok(None),
                (true, v) => v,
            },
        };
        let width = match ty {
            PhysicalType::BOOLEAN => None,
            PhysicalType::INT32 | PhysicalType::FLOAT => Some(4),
            PhysicalType::INT64 | PhysicalType::DOUBLE => Some(8),
            PhysicalType::FIXED_LEN_BYTE_ARRAY => Some(type_len),
            PhysicalType::INT96 => Some(12),
            PhysicalType::BYTE_ARRAY => Some(0),
        };
        match width {
            None => self.need_values(v / 8 + 1)?,
            Some(0) => {
                // Walk the length-prefixed values up to `v`.
                let mut pos = 0usize;
                for k in 0..=v {
                    self.need_values(pos + 4)?;
                    let b = self.values_so_far();
                    let len = u32::from_le_bytes(b[pos..pos + 4].try_into().expect("4 bytes"));
                    let end = pos + 4 + len as usize;
                    if k == v {
                        self.need_values(end)?;
                    }
                    pos = end;
                }
            }
            Some(w) => self.need_values((v + 1) * w)?,
        }
        plain_at(self.values_so_far(), v, ty, type_len).map(Some)
    }

    /// For a required BYTE_ARRAY column sorted ascending (`__key`): the slot holding
    /// `key`, if any. Keys of one length (a single fixed-width key column) are found
    /// by binary search, others by a scan.
    pub(crate) fn find_sorted(&mut self, key: &[u8]) -> Result<Option<usize>> {
        if self.levels.is_some() {
            return Err(damaged("key column with definition levels"));
        }
        self.need_values(self.values.len())?;
        let buf = self.values_so_far();
        let n = self.num_values;
        if n == 0 {
            return Ok(None);
        }
        let stride = 4 + byte_array_at(buf, 0)?.0.len();
        let uniform = buf.len() == stride * n
            && (0..n)
                .all(|i| buf[i * stride..i * stride + 4] == ((stride - 4) as u32).to_le_bytes());
        if uniform {
            let at = |i: usize| &buf[i * stride + 4..(i + 1) * stride];
            let (mut lo, mut hi) = (0, n);
            while lo < hi {
                let mid = (lo + hi) / 2;
                if at(mid) < key {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            return Ok((lo < n && at(lo) == key).then_some(lo));
        }
        let mut pos = 0;
        for slot in 0..n {
            let (v, next) = byte_array_at(buf, pos)?;
            match v.cmp(key) {
                std::cmp::Ordering::Less => pos = next,
                std::cmp::Ordering::Equal => return Ok(Some(slot)),
                std::cmp::Ordering::Greater => return Ok(None),
            }
        }
        Ok(None)
    }
}

fn byte_array_at(buf: &[u8], pos: usize) -> Result<(&[u8], usize)> {
    let len: [u8; 4] = buf
        .get(pos..pos + 4)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| damaged("byte array truncated"))?;
    let len = u32::from_le_bytes(len) as usize;
    let v = buf
        .get(pos + 4..pos + 4 + len)
        .ok_or_else(|| damaged("byte array truncated"))?;
    Ok((v, pos + 4 + len))
}

fn fixed<const N: usize>(buf: &[u8], v: usize) -> Result<[u8; N]> {
    buf.get(v * N..v * N + N)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| damaged("values truncated"))
}

fn plain_at(buf: &[u8], v: usize, ty: PhysicalType, type_len: usize) -> Result<Plain<'_>> {
    Ok(match ty {
        PhysicalType::BOOLEAN => {
            let b = buf.get(v / 8).ok_or_else(|| damaged("values truncated"))?;
            Plain::Bool(b >> (v % 8) & 1 == 1)
        }
        PhysicalType::INT32 => Plain::I32(i32::from_le_bytes(fixed(buf, v)?)),
        PhysicalType::INT64 => Plain::I64(i64::from_le_bytes(fixed(buf, v)?)),
        PhysicalType::FLOAT => Plain::F32(f32::from_le_bytes(fixed(buf, v)?)),
        PhysicalType::DOUBLE => Plain::F64(f64::from_le_bytes(fixed(buf, v)?)),
        PhysicalType::FIXED_LEN_BYTE_ARRAY => Plain::Bytes(
            buf.get(v * type_len..(v + 1) * type_len)
                .ok_or_else(|| damaged("values truncated"))?,
        ),
        PhysicalType::BYTE_ARRAY => {
            let mut pos = 0;
            for _ in 0..v {
                pos = byte_array_at(buf, pos)?.1;
            }
            Plain::Bytes(byte_array_at(buf, pos)?.0)
        }
        PhysicalType::INT96 => return Err(damaged("INT96 values are not written by Kalavar")),
    })
}

/// Appends a PLAIN value (or null) to a builder of column type `dt`; `false` when the
/// physical value does not fit the type (the caller falls back to parquet-rs).
pub(crate) fn append_plain(
    b: &mut ColumnBuilder,
    dt: &DataType,
    v: Option<Plain<'_>>,
) -> Result<bool> {
    use crate::types::ScalarValue as S;
    let Some(v) = v else {
        b.append_null();
        return Ok(true);
    };
    let s = match (dt, v) {
        (DataType::Bool, Plain::Bool(x)) => S::Bool(x),
        (DataType::Int16, Plain::I32(x)) => match i16::try_from(x) {
            Ok(x) => S::Int16(x),
            Err(_) => return Ok(false),
        },
        (DataType::Int32, Plain::I32(x)) => S::Int32(x),
        (DataType::Date, Plain::I32(x)) => S::Date(x),
        (DataType::Int64, Plain::I64(x)) => S::Int64(x),
        (DataType::Timestamp, Plain::I64(x)) => S::Timestamp(x),
        (DataType::Time, Plain::I64(x)) => S::Time(x),
        (DataType::Float32, Plain::F32(x)) => S::Float32(x),
        (DataType::Float64, Plain::F64(x)) => S::Float64(x),
        (DataType::Decimal(p, s), Plain::I32(x)) => S::Decimal(i128::from(x), *p, *s),
        (DataType::Decimal(p, s), Plain::I64(x)) => S::Decimal(i128::from(x), *p, *s),
        (DataType::Decimal(p, s), Plain::Bytes(x)) if !x.is_empty() && x.len() <= 16 => {
            // Big-endian two's complement, sign-extended.
            let fill = if x[0] & 0x80 != 0 { 0xFF } else { 0 };
            let mut be = [fill; 16];
            be[16 - x.len()..].copy_from_slice(x);
            S::Decimal(i128::from_be_bytes(be), *p, *s)
        }
        (DataType::Text | DataType::Json, Plain::Bytes(x)) => match std::str::from_utf8(x) {
            Ok(t) if *dt == DataType::Text => S::Text(t.to_string()),
            Ok(t) => S::Json(t.to_string()),
            Err(_) => return Err(damaged("text value is not UTF-8")),
        },
        (DataType::Bytes, Plain::Bytes(x)) => S::Bytes(x.to_vec()),
        (DataType::Uuid, Plain::Bytes(x)) if x.len() == 16 => {
            S::Uuid(x.try_into().expect("16 bytes"))
        }
        _ => return Ok(false),
    };
    b.append_scalar(&s)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_find_slots_in_rle_and_bit_packed_runs() {
        // RLE run of 3 defined, then a bit-packed group of 8: 0b1010_0110, then RLE 2 nulls.
        let levels = [3 << 1, 1, (1 << 1) | 1, 0b1010_0110, 2 << 1, 0];
        assert_eq!(level_at(&levels, 0).unwrap(), (true, 0));
        assert_eq!(level_at(&levels, 2).unwrap(), (true, 2));
        assert_eq!(level_at(&levels, 3).unwrap(), (false, 3));
        assert_eq!(level_at(&levels, 4).unwrap(), (true, 3));
        assert_eq!(level_at(&levels, 5).unwrap(), (true, 4));
        assert_eq!(level_at(&levels, 10).unwrap(), (true, 6));
        assert_eq!(level_at(&levels, 11).unwrap(), (false, 7));
        assert_eq!(level_at(&levels, 12).unwrap(), (false, 7));
        assert!(level_at(&levels, 13).is_err());
        assert!(level_at(&[0x81], 0).is_err());
    }

    #[test]
    fn fixed_width_keys_are_found_by_binary_search_and_lz4_values_lazily() {
        let keys: Vec<[u8; 3]> = (0..50u8).map(|i| [1, i * 2, 0]).collect();
        let mut buf = Vec::new();
        for k in &keys {
            buf.extend_from_slice(&3u32.to_le_bytes());
            buf.extend_from_slice(k);
        }
        let block = lz4_flex::block::compress(&buf);
        let page = |b: &[u8]| Page {
            levels: None,
            values: 0..buf.len(),
            data: Body::Lz4(Lz4Prefix::new(&block, b.len())),
            num_values: keys.len(),
        };
        for (i, k) in keys.iter().enumerate() {
            assert_eq!(page(&buf).find_sorted(k).unwrap(), Some(i));
            let odd = [1, i as u8 * 2 + 1, 0];
            assert_eq!(page(&buf).find_sorted(&odd).unwrap(), None);
        }
        assert_eq!(page(&buf).find_sorted(&[0]).unwrap(), None);
        assert_eq!(page(&buf).find_sorted(&[2]).unwrap(), None);
        // Reading value 3 decompresses little of the page; value 49 all of it.
        let mut p = page(&buf);
        assert_eq!(
            p.value(3, PhysicalType::BYTE_ARRAY, 0).unwrap(),
            Some(Plain::Bytes(&keys[3][..]))
        );
        assert!(p.data.bytes().len() < buf.len());
        let mut p = page(&buf);
        assert_eq!(
            p.value(49, PhysicalType::BYTE_ARRAY, 0).unwrap(),
            Some(Plain::Bytes(&keys[49][..]))
        );
        // Fixed-width values from a lazily decompressed page.
        let ints: Vec<u8> = (0..1000i64).flat_map(|v| (v * 3).to_le_bytes()).collect();
        let block = lz4_flex::block::compress(&ints);
        for i in [0, 1, 500, 999] {
            let mut p = Page {
                levels: None,
                values: 0..ints.len(),
                data: Body::Lz4(Lz4Prefix::new(&block, ints.len())),
                num_values: 1000,
            };
            assert_eq!(
                p.value(i, PhysicalType::INT64, 0).unwrap(),
                Some(Plain::I64(i as i64 * 3))
            );
        }
    }

    #[test]
    fn plain_values_decode_by_physical_type() {
        let mut buf = Vec::new();
        for s in ["a", "", "xyz"] {
            buf.extend_from_slice(&(s.len() as u32).to_le_bytes());
            buf.extend_from_slice(s.as_bytes());
        }
        let mut p = Page {
            levels: None,
            values: 0..buf.len(),
            data: Body::Ready(Cow::Borrowed(&buf)),
            num_values: 3,
        };
        assert_eq!(
            p.value(2, PhysicalType::BYTE_ARRAY, 0).unwrap(),
            Some(Plain::Bytes(b"xyz"))
        );
        assert_eq!(
            p.find_sorted(b"").unwrap(),
            None,
            "not sorted: stops at 'a'"
        );
        assert_eq!(p.find_sorted(b"a").unwrap(), Some(0));
        assert!(p.value(3, PhysicalType::BYTE_ARRAY, 0).is_err());
        let ints: Vec<u8> = [5i64, -7].iter().flat_map(|v| v.to_le_bytes()).collect();
        assert_eq!(
            plain_at(&ints, 1, PhysicalType::INT64, 0).unwrap(),
            Plain::I64(-7)
        );
        assert!(plain_at(&ints, 2, PhysicalType::INT64, 0).is_err());
        assert_eq!(
            plain_at(&[0b100], 2, PhysicalType::BOOLEAN, 0).unwrap(),
            Plain::Bool(true)
        );
        let mut b = ColumnBuilder::new(&DataType::Decimal(30, 2), 1);
        assert!(
            append_plain(
                &mut b,
                &DataType::Decimal(30, 2),
                Some(Plain::Bytes(&[0xFF, 0x85]))
            )
            .unwrap()
        );
        let a = b.finish();
        let v = crate::types::ScalarValue::from_array(a.as_ref(), 0, &DataType::Decimal(30, 2))
            .unwrap();
        assert_eq!(v, crate::types::ScalarValue::Decimal(-123, 30, 2));
    }
}
