//! Reads what [`super::Writer`] wrote, checking every length against the bytes left.
//!
//! Nothing here recurses, and no allocation is larger than the input that remains:
//! a count `n` of elements at least one byte each is refused when `n` exceeds the
//! remaining bytes or the caller's limit, before any vector is reserved.

use super::{DecodeError, DecodeErrorCode};

/// A cursor over untrusted bytes.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Reader { input, pos: 0 }
    }

    pub fn offset(&self) -> usize {
        self.pos
    }

    pub fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    pub fn error(&self, code: DecodeErrorCode, message: impl Into<String>) -> DecodeError {
        DecodeError {
            code,
            offset: self.pos,
            message: message.into(),
        }
    }

    pub fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        let Some(&b) = self.input.get(self.pos) else {
            return Err(self.error(
                DecodeErrorCode::Truncated,
                format!("input ends inside {what}"),
            ));
        };
        self.pos += 1;
        Ok(b)
    }

    pub fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        if n > self.remaining() {
            return Err(self.error(
                DecodeErrorCode::Truncated,
                format!("{what} needs {n} bytes, {} remain", self.remaining()),
            ));
        }
        let s = &self.input[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// An unsigned LEB128 varint of at most 10 bytes with no bits past 64.
    pub fn uvar(&mut self, what: &str) -> Result<u64, DecodeError> {
        let start = self.pos;
        let mut v: u64 = 0;
        for i in 0..10 {
            let b = self.u8(what)?;
            let part = (b & 0x7f) as u64;
            if i == 9 && part > 1 {
                self.pos = start;
                return Err(self.error(
                    DecodeErrorCode::BadVarint,
                    format!("{what} overflows 64 bits"),
                ));
            }
            v |= part << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        self.pos = start;
        Err(self.error(
            DecodeErrorCode::BadVarint,
            format!("{what} is longer than 10 bytes"),
        ))
    }

    pub fn ivar(&mut self, what: &str) -> Result<i64, DecodeError> {
        let u = self.uvar(what)?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }

    /// A varint that must fit `max` (inclusive).
    pub fn bounded(&mut self, max: u64, what: &str) -> Result<u64, DecodeError> {
        let start = self.pos;
        let v = self.uvar(what)?;
        if v > max {
            self.pos = start;
            return Err(self.error(
                DecodeErrorCode::TooLarge,
                format!("{what} is {v}, the limit is {max}"),
            ));
        }
        Ok(v)
    }

    pub fn u16v(&mut self, what: &str) -> Result<u16, DecodeError> {
        Ok(self.bounded(u16::MAX as u64, what)? as u16)
    }

    pub fn u32v(&mut self, what: &str) -> Result<u32, DecodeError> {
        Ok(self.bounded(u32::MAX as u64, what)? as u32)
    }

    /// A count of elements, each at least `min_size` bytes: refused when past `limit`
    /// or when the remaining input cannot hold that many elements.
    pub fn count(
        &mut self,
        limit: usize,
        min_size: usize,
        what: &str,
    ) -> Result<usize, DecodeError> {
        let start = self.pos;
        let n = self.bounded(limit as u64, what)? as usize;
        if n.saturating_mul(min_size.max(1)) > self.remaining() {
            self.pos = start;
            return Err(self.error(
                DecodeErrorCode::TooLarge,
                format!(
                    "{what} is {n}, more than the {} bytes left can hold",
                    self.remaining()
                ),
            ));
        }
        Ok(n)
    }

    pub fn bool(&mut self, what: &str) -> Result<bool, DecodeError> {
        match self.u8(what)? {
            0 => Ok(false),
            1 => Ok(true),
            b => {
                self.pos -= 1;
                Err(self.error(
                    DecodeErrorCode::BadTag,
                    format!("{what}: {b} is not a boolean"),
                ))
            }
        }
    }

    pub fn f64(&mut self, what: &str) -> Result<f64, DecodeError> {
        let b = self.take(8, what)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }

    pub fn bytes(&mut self, limit: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        let n = self.count(limit, 1, what)?;
        self.take(n, what)
    }

    pub fn str(&mut self, limit: usize, what: &str) -> Result<String, DecodeError> {
        self.str_ref(limit, what).map(str::to_owned)
    }

    /// A string as [`Reader::str`] reads it, borrowed from the input.
    pub fn str_ref(&mut self, limit: usize, what: &str) -> Result<&'a str, DecodeError> {
        let start = self.pos;
        let b = self.bytes(limit, what)?;
        match std::str::from_utf8(b) {
            Ok(s) => Ok(s),
            Err(_) => {
                self.pos = start;
                Err(self.error(DecodeErrorCode::BadUtf8, format!("{what} is not UTF-8")))
            }
        }
    }

    pub fn opt_str(&mut self, limit: usize, what: &str) -> Result<Option<String>, DecodeError> {
        if self.bool(what)? {
            Ok(Some(self.str(limit, what)?))
        } else {
            Ok(None)
        }
    }

    /// An optional string as [`Reader::opt_str`] reads it, in a shared allocation.
    pub fn opt_str_shared(
        &mut self,
        limit: usize,
        what: &str,
    ) -> Result<Option<std::sync::Arc<str>>, DecodeError> {
        if self.bool(what)? {
            Ok(Some(self.str_ref(limit, what)?.into()))
        } else {
            Ok(None)
        }
    }

    pub fn expect_end(&self) -> Result<(), DecodeError> {
        if self.remaining() > 0 {
            return Err(self.error(
                DecodeErrorCode::TrailingBytes,
                format!("{} bytes after the end", self.remaining()),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Writer;
    use super::*;

    #[test]
    fn varints_round_trip() {
        let mut w = Writer::new();
        let values = [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX];
        for v in values {
            w.uvar(v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            w.ivar(v);
        }
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        for v in values {
            assert_eq!(r.uvar("v").unwrap(), v);
        }
        for v in [0i64, -1, 1, i64::MIN, i64::MAX] {
            assert_eq!(r.ivar("v").unwrap(), v);
        }
        r.expect_end().unwrap();
    }

    #[test]
    fn overlong_varint_is_refused() {
        let bytes = [0xffu8; 11];
        let err = Reader::new(&bytes).uvar("x").unwrap_err();
        assert_eq!(err.code, DecodeErrorCode::BadVarint);
        let bytes = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02];
        assert_eq!(
            Reader::new(&bytes).uvar("x").unwrap_err().code,
            DecodeErrorCode::BadVarint
        );
    }

    #[test]
    fn counts_are_bounded_by_input() {
        let mut w = Writer::new();
        w.uvar(1_000_000);
        let bytes = w.into_bytes();
        let err = Reader::new(&bytes)
            .count(usize::MAX, 1, "rows")
            .unwrap_err();
        assert_eq!(err.code, DecodeErrorCode::TooLarge);
        let err = Reader::new(&bytes).count(10, 1, "rows").unwrap_err();
        assert!(err.message.contains("limit is 10"), "{err}");
    }
}
