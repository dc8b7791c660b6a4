//! Reading a Parquet page header: the Thrift compact protocol, just enough of it to
//! decode `PageHeader` (type, sizes, and the data page headers v1 and v2) and to skip
//! everything else. parquet-rs keeps its own decoder private; the point-lookup reader
//! ([`super::page`]) needs headers without setting up a column reader.
//!
//! Every read is bounds-checked and nesting is limited, so a damaged file gives an
//! error, never a panic or a deep recursion.

use crate::error::{Result, StorageError};

/// Page types (`parquet.thrift` `PageType`).
pub(crate) const DATA_PAGE: i32 = 0;
pub(crate) const DATA_PAGE_V2: i32 = 3;

/// How deep nested structs may go before the header is called damaged.
const MAX_DEPTH: u32 = 16;

/// The fields of a page header the point reader uses.
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct PageHeader {
    pub page_type: i32,
    pub uncompressed_size: i32,
    pub compressed_size: i32,
    /// Data page (v1 and v2): values in the page, nulls included.
    pub num_values: i32,
    /// Encoding of the values.
    pub encoding: i32,
    /// v1: encoding of the definition levels (RLE = 3).
    pub def_level_encoding: i32,
    /// v2: byte lengths of the level sections, stored uncompressed before the values.
    pub def_levels_len: i32,
    pub rep_levels_len: i32,
    /// v2: whether the values section is compressed (default true).
    pub is_compressed: bool,
    /// Bytes the header itself took.
    pub header_len: usize,
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

fn damaged(what: &str) -> StorageError {
    StorageError::corrupt(format!("damaged Parquet page header: {what}"))
}

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Result<u8> {
        let b = *self.buf.get(self.pos).ok_or_else(|| damaged("truncated"))?;
        self.pos += 1;
        Ok(b)
    }

    fn skip_bytes(&mut self, n: usize) -> Result<()> {
        if self.buf.len() - self.pos < n {
            return Err(damaged("truncated"));
        }
        self.pos += n;
        Ok(())
    }

    fn varint(&mut self) -> Result<u64> {
        let mut out = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            out |= u64::from(b & 0x7F) << shift;
            if b & 0x80 == 0 {
                return Ok(out);
            }
        }
        Err(damaged("varint longer than 10 bytes"))
    }

    fn zigzag(&mut self) -> Result<i64> {
        let v = self.varint()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }

    fn i32(&mut self) -> Result<i32> {
        i32::try_from(self.zigzag()?).map_err(|_| damaged("i32 out of range"))
    }

    /// The next field's (type, id), or `None` at the end of the struct.
    fn field(&mut self, last: &mut i16) -> Result<Option<(u8, i16)>> {
        let b = self.byte()?;
        if b == 0 {
            return Ok(None);
        }
        let (ty, delta) = (b & 0x0F, b >> 4);
        let id = if delta == 0 {
            i16::try_from(self.zigzag()?).map_err(|_| damaged("field id out of range"))?
        } else {
            last.checked_add(i16::from(delta))
                .ok_or_else(|| damaged("field id out of range"))?
        };
        *last = id;
        Ok(Some((ty, id)))
    }

    /// Skips one value of compact type `ty`.
    fn skip(&mut self, ty: u8, depth: u32) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(damaged("nested too deeply"));
        }
        match ty {
            1 | 2 => Ok(()),
            3 => self.skip_bytes(1),
            4..=6 => self.varint().map(|_| ()),
            7 => self.skip_bytes(8),
            8 => {
                let n = self.varint()?;
                self.skip_bytes(usize::try_from(n).map_err(|_| damaged("length"))?)
            }
            9 | 10 => {
                let h = self.byte()?;
                let mut n = u64::from(h >> 4);
                if n == 15 {
                    n = self.varint()?;
                }
                for _ in 0..n {
                    // Booleans inside lists take one byte each.
                    if matches!(h & 0x0F, 1 | 2) {
                        self.skip_bytes(1)?;
                    } else {
                        self.skip(h & 0x0F, depth + 1)?;
                    }
                }
                Ok(())
            }
            11 => {
                let n = self.varint()?;
                if n > 0 {
                    let kv = self.byte()?;
                    for _ in 0..n {
                        self.skip(kv >> 4, depth + 1)?;
                        self.skip(kv & 0x0F, depth + 1)?;
                    }
                }
                Ok(())
            }
            12 => {
                let mut last = 0;
                while let Some((t, _)) = self.field(&mut last)? {
                    self.skip(t, depth + 1)?;
                }
                Ok(())
            }
            _ => Err(damaged("unknown field type")),
        }
    }

    /// Reads an i32 field value, checking the wire type.
    fn i32_field(&mut self, ty: u8) -> Result<i32> {
        if ty != 5 {
            return Err(damaged("expected an i32 field"));
        }
        self.i32()
    }

    fn data_page_v1(&mut self, h: &mut PageHeader) -> Result<()> {
        let mut last = 0;
        while let Some((ty, id)) = self.field(&mut last)? {
            match id {
                1 => h.num_values = self.i32_field(ty)?,
                2 => h.encoding = self.i32_field(ty)?,
                3 => h.def_level_encoding = self.i32_field(ty)?,
                _ => self.skip(ty, 1)?,
            }
        }
        Ok(())
    }

    fn data_page_v2(&mut self, h: &mut PageHeader) -> Result<()> {
        let mut last = 0;
        h.is_compressed = true;
        while let Some((ty, id)) = self.field(&mut last)? {
            match id {
                1 => h.num_values = self.i32_field(ty)?,
                4 => h.encoding = self.i32_field(ty)?,
                5 => h.def_levels_len = self.i32_field(ty)?,
                6 => h.rep_levels_len = self.i32_field(ty)?,
                7 => h.is_compressed = ty == 1,
                _ => self.skip(ty, 1)?,
            }
        }
        Ok(())
    }
}

/// Decodes the page header at the start of `buf`.
pub(crate) fn read_page_header(buf: &[u8]) -> Result<PageHeader> {
    let mut r = Reader { buf, pos: 0 };
    let mut h = PageHeader {
        page_type: -1,
        ..Default::default()
    };
    let mut last = 0;
    while let Some((ty, id)) = r.field(&mut last)? {
        match id {
            1 => h.page_type = r.i32_field(ty)?,
            2 => h.uncompressed_size = r.i32_field(ty)?,
            3 => h.compressed_size = r.i32_field(ty)?,
            5 if ty == 12 => r.data_page_v1(&mut h)?,
            8 if ty == 12 => r.data_page_v2(&mut h)?,
            _ => r.skip(ty, 0)?,
        }
    }
    if h.uncompressed_size < 0 || h.compressed_size < 0 || h.num_values < 0 {
        return Err(damaged("negative size"));
    }
    if h.def_levels_len < 0 || h.rep_levels_len < 0 {
        return Err(damaged("negative level length"));
    }
    h.header_len = r.pos;
    Ok(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes compact-protocol bytes for the tests.
    struct W(Vec<u8>);
    impl W {
        fn varint(&mut self, mut v: u64) {
            while v >= 0x80 {
                self.0.push((v as u8) | 0x80);
                v >>= 7;
            }
            self.0.push(v as u8);
        }
        fn i32_field(&mut self, delta: u8, v: i32) {
            self.0.push(delta << 4 | 5);
            self.varint(((v << 1) ^ (v >> 31)) as u32 as u64);
        }
    }

    #[test]
    fn reads_a_v1_header_and_skips_statistics() {
        let mut w = W(Vec::new());
        w.i32_field(1, DATA_PAGE);
        w.i32_field(1, 100);
        w.i32_field(1, 40);
        w.0.push(2 << 4 | 12); // field 5: data page header
        w.i32_field(1, 16);
        w.i32_field(1, 0);
        w.i32_field(1, 3);
        w.i32_field(1, 3);
        w.0.push(1 << 4 | 12); // field 5: statistics struct
        w.0.push(1 << 4 | 8); // binary max
        w.varint(3);
        w.0.extend_from_slice(b"abc");
        w.0.push(2 << 4 | 6); // i64
        w.varint(14);
        w.0.push(0);
        w.0.push(0);
        w.0.push(0);
        w.0.extend_from_slice(b"payload");
        let h = read_page_header(&w.0).unwrap();
        assert_eq!(h.page_type, DATA_PAGE);
        assert_eq!((h.uncompressed_size, h.compressed_size), (100, 40));
        assert_eq!((h.num_values, h.encoding, h.def_level_encoding), (16, 0, 3));
        assert_eq!(&w.0[h.header_len..], b"payload");
    }

    #[test]
    fn damaged_headers_are_errors() {
        assert!(read_page_header(&[]).is_err());
        assert!(read_page_header(&[0x15]).is_err());
        assert!(read_page_header(&[0x1F]).is_err());
        // a struct nested past the limit
        let mut deep = vec![0x1C; 40];
        deep.push(0);
        assert!(read_page_header(&deep).is_err());
        // negative sizes
        let mut w = W(Vec::new());
        w.i32_field(2, -4);
        w.0.push(0);
        assert!(read_page_header(&w.0).is_err());
    }
}
