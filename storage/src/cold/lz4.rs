//! Decompressing an LZ4 block (Parquet `LZ4_RAW`) only as far as needed: a point
//! lookup that wants value 100 of a 512-value page stops after the bytes that hold
//! it, which on average halves what a lookup decompresses. Every length and offset is
//! checked against the input and the size the page header announces, so a damaged
//! block is an error, never a panic or an over-long buffer.

use std::cell::RefCell;

use crate::error::{Result, StorageError};

fn damaged(what: &str) -> StorageError {
    StorageError::corrupt(format!("damaged LZ4 block in a Parquet page: {what}"))
}

/// Bytes past the announced size that the output buffer always has, so that short
/// literals and matches are copied as one fixed 16-byte move (the bytes past the
/// sequence's end are scratch, overwritten by the next sequence and never exposed).
const SLACK: usize = 32;
/// Output buffers kept per thread for reuse (a lookup decodes a few pages at a time).
const POOL: usize = 8;
/// Buffers larger than this are not kept.
const POOL_MAX_BYTES: usize = 1 << 20;

thread_local! {
    /// Output buffers of finished decoders: a point lookup decodes several pages, and
    /// allocating (and zeroing) a buffer per page showed in its profile.
    static BUFFERS: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

/// An LZ4 block being decompressed from its start.
pub(crate) struct Lz4Prefix<'a> {
    src: &'a [u8],
    sp: usize,
    /// At least `total + SLACK` bytes; the first `len` are decompressed output.
    out: Vec<u8>,
    len: usize,
    total: usize,
}

impl Drop for Lz4Prefix<'_> {
    fn drop(&mut self) {
        let buf = std::mem::take(&mut self.out);
        if buf.len() <= POOL_MAX_BYTES {
            BUFFERS.with(|b| {
                let mut pool = b.borrow_mut();
                if pool.len() < POOL {
                    pool.push(buf);
                }
            });
        }
    }
}

impl<'a> Lz4Prefix<'a> {
    /// A block whose decompressed size is `total` (from the page header).
    pub(crate) fn new(src: &'a [u8], total: usize) -> Lz4Prefix<'a> {
        let mut out = BUFFERS.with(|b| b.borrow_mut().pop()).unwrap_or_default();
        if out.len() < total + SLACK {
            // Zeroes only the growth; a reused buffer keeps its old (scratch) bytes.
            out.resize(total + SLACK, 0);
        }
        Lz4Prefix {
            src,
            sp: 0,
            out,
            len: 0,
            total,
        }
    }

    /// The bytes decompressed so far.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.out[..self.len]
    }

    /// The decompressed size announced by the header.
    pub(crate) fn total(&self) -> usize {
        self.total
    }

    fn byte(&mut self) -> Result<u8> {
        let b = *self
            .src
            .get(self.sp)
            .ok_or_else(|| damaged("sequence truncated"))?;
        self.sp += 1;
        Ok(b)
    }

    /// A length: the 4-bit value from the token, extended by 255-bytes when it is 15.
    fn length(&mut self, nibble: u8) -> Result<usize> {
        let mut n = nibble as usize;
        if nibble == 15 {
            loop {
                let b = self.byte()?;
                n += b as usize;
                if n > self.total {
                    return Err(damaged("length past the page size"));
                }
                if b != 255 {
                    break;
                }
            }
        }
        Ok(n)
    }

    /// Decompresses until at least `n` bytes (at most the announced size) are
    /// available. Asking for more than the announced size is an error.
    pub(crate) fn fill(&mut self, n: usize) -> Result<()> {
        let total = self.total;
        if n > total {
            return Err(damaged("value past the page size"));
        }
        while self.len < n {
            if self.sp >= self.src.len() {
                return Err(damaged("block shorter than the header says"));
            }
            let token = self.byte()?;
            let lit = self.length(token >> 4)?;
            if lit > total - self.len {
                return Err(damaged("literals past the page size"));
            }
            let (sp, len) = (self.sp, self.len);
            if lit <= 16 && sp + 16 <= self.src.len() {
                // `len + 16 <= total + SLACK`: within the buffer; bytes past `lit` are
                // scratch.
                let chunk: [u8; 16] = self.src[sp..sp + 16].try_into().expect("16 bytes");
                self.out[len..len + 16].copy_from_slice(&chunk);
            } else {
                let lits = self
                    .src
                    .get(sp..sp + lit)
                    .ok_or_else(|| damaged("literals truncated"))?;
                self.out[len..len + lit].copy_from_slice(lits);
            }
            self.len += lit;
            self.sp += lit;
            if self.sp == self.src.len() {
                // The last sequence holds only literals.
                if self.len != total {
                    return Err(damaged("block shorter than the header says"));
                }
                break;
            }
            let offset = u16::from_le_bytes([self.byte()?, self.byte()?]) as usize;
            let m = self.length(token & 15)? + 4;
            let len = self.len;
            if offset == 0 || offset > len {
                return Err(damaged("match offset out of range"));
            }
            if m > total - len {
                return Err(damaged("match past the page size"));
            }
            let start = len - offset;
            if m <= 16 && offset >= 16 {
                // Source and destination do not overlap within 16 bytes, and both
                // end within the buffer (`start + 16 <= len + 16 <= total + SLACK`).
                let chunk: [u8; 16] = self.out[start..start + 16].try_into().expect("16 bytes");
                self.out[len..len + 16].copy_from_slice(&chunk);
            } else if offset >= m {
                self.out.copy_within(start..start + m, len);
            } else {
                // Overlapping: the match repeats the last `offset` bytes; copy in
                // chunks that never read what this copy has not written yet.
                let mut done = 0;
                while done < m {
                    let k = offset.min(m - done);
                    self.out
                        .copy_within(start + done..start + done + k, len + done);
                    done += k;
                }
            }
            self.len += m;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let mut v = Vec::new();
        for i in 0..5_000u32 {
            v.extend_from_slice(&(i % 97).to_le_bytes());
            if i % 13 == 0 {
                v.extend_from_slice(b"some text that repeats now and then");
            }
        }
        v
    }

    #[test]
    fn prefixes_match_the_reference_decoder() {
        for data in [sample(), b"short".to_vec(), vec![7u8; 10_000], Vec::new()] {
            let block = lz4_flex::block::compress(&data);
            for want in [0, 1, 17, data.len() / 3, data.len()] {
                let want = want.min(data.len());
                let mut d = Lz4Prefix::new(&block, data.len());
                d.fill(want).unwrap();
                assert!(d.bytes().len() >= want);
                assert_eq!(d.bytes(), &data[..d.bytes().len()]);
            }
            let mut d = Lz4Prefix::new(&block, data.len());
            d.fill(data.len()).unwrap();
            assert_eq!(d.bytes(), data.as_slice());
            assert!(d.fill(data.len() + 1).is_err());
        }
    }

    /// Random blocks with short and long literals and matches (overlapping ones
    /// included), decoded one after another so that output buffers are reused with
    /// stale bytes in them.
    #[test]
    fn reused_buffers_decode_random_blocks_exactly() {
        let mut x = 0x9E37_79B9u32;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x
        };
        for round in 0..300 {
            let mut data = Vec::new();
            let len = (next() % 6000) as usize;
            while data.len() < len {
                match next() % 4 {
                    0 => data.extend((0..next() % 40).map(|_| next() as u8)),
                    1 if !data.is_empty() => {
                        let back = 1 + (next() as usize % data.len().min(64));
                        for _ in 0..next() % 50 {
                            data.push(data[data.len() - back]);
                        }
                    }
                    _ => data.extend_from_slice(format!("value-{}", next() % 100).as_bytes()),
                }
            }
            let block = lz4_flex::block::compress(&data);
            let mut d = Lz4Prefix::new(&block, data.len());
            let part = (next() as usize) % (data.len() + 1);
            d.fill(part).unwrap();
            assert_eq!(d.bytes(), &data[..d.bytes().len()], "round {round}");
            d.fill(data.len()).unwrap();
            assert_eq!(d.bytes(), data.as_slice(), "round {round}");
        }
    }

    #[test]
    fn damaged_blocks_are_errors() {
        let data = sample();
        let block = lz4_flex::block::compress(&data);
        // Announced size larger than the block holds.
        let mut d = Lz4Prefix::new(&block, data.len() + 10);
        assert!(d.fill(data.len() + 10).is_err());
        // Every truncation fails cleanly (or stops short of what was asked).
        for cut in [0, 1, 2, 5, block.len() / 2, block.len() - 1] {
            let mut d = Lz4Prefix::new(&block[..cut], data.len());
            assert!(d.fill(data.len()).is_err(), "cut at {cut}");
        }
        // A match pointing before the start.
        let bad = [0x0F, 0xFF, 0xFF, 0x00];
        assert!(Lz4Prefix::new(&bad, 100).fill(100).is_err());
        // Arbitrary bytes never panic.
        let mut x = 0x1234_5678u32;
        for _ in 0..200 {
            let junk: Vec<u8> = (0..64)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 17;
                    x ^= x << 5;
                    x as u8
                })
                .collect();
            let _ = Lz4Prefix::new(&junk, 4096).fill(4096);
        }
    }
}
