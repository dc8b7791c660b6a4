//! Primitive encoding shared by every message: big-endian integers, length-prefixed
//! bytes and strings, counted lists. [`Reader`] never trusts a length: every count is
//! checked against the bytes that remain before anything is allocated, and every
//! field names itself in the error it returns.

use crate::error::ProtocolError;

/// Appends encoded fields to a byte buffer.
#[derive(Debug, Default)]
pub struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn with_buffer(buf: Vec<u8>) -> Self {
        Self { buf }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    pub fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn i64(&mut self, v: i64) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub fn f64(&mut self, v: f64) {
        self.buf.extend_from_slice(&v.to_bits().to_be_bytes());
    }

    pub fn raw(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    /// A `u32` length followed by the bytes.
    pub fn bytes(&mut self, v: &[u8]) {
        self.u32(len_u32(v.len()));
        self.buf.extend_from_slice(v);
    }

    /// A `u32` length followed by UTF-8.
    pub fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    /// A `u32` count followed by each item.
    pub fn list<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        self.u32(len_u32(items.len()));
        for item in items {
            each(self, item);
        }
    }

    /// A presence byte (0 or 1) followed by the value when present.
    pub fn option<T>(&mut self, v: Option<&T>, each: impl FnOnce(&mut Self, &T)) {
        match v {
            None => self.u8(0),
            Some(v) => {
                self.u8(1);
                each(self, v);
            }
        }
    }
}

/// Lengths on the wire are `u32`; a frame is capped far below that, so a longer value
/// can only be a bug in the caller.
fn len_u32(len: usize) -> u32 {
    u32::try_from(len).expect("a field longer than 4 GiB cannot be framed")
}

/// Reads encoded fields from a byte slice, bounds-checking every step.
#[derive(Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ProtocolError> {
        if n > self.remaining() {
            return Err(ProtocolError::Truncated {
                field,
                offset: self.pos,
                needed: n,
                available: self.remaining(),
            });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], ProtocolError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, field)?);
        Ok(out)
    }

    pub fn u8(&mut self, field: &'static str) -> Result<u8, ProtocolError> {
        Ok(self.take(1, field)?[0])
    }

    pub fn bool(&mut self, field: &'static str) -> Result<bool, ProtocolError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(self.invalid(field, format!("boolean byte {other}, expected 0 or 1"))),
        }
    }

    pub fn u16(&mut self, field: &'static str) -> Result<u16, ProtocolError> {
        Ok(u16::from_be_bytes(self.array(field)?))
    }

    pub fn u32(&mut self, field: &'static str) -> Result<u32, ProtocolError> {
        Ok(u32::from_be_bytes(self.array(field)?))
    }

    pub fn u64(&mut self, field: &'static str) -> Result<u64, ProtocolError> {
        Ok(u64::from_be_bytes(self.array(field)?))
    }

    pub fn i64(&mut self, field: &'static str) -> Result<i64, ProtocolError> {
        Ok(i64::from_be_bytes(self.array(field)?))
    }

    pub fn f64(&mut self, field: &'static str) -> Result<f64, ProtocolError> {
        Ok(f64::from_bits(u64::from_be_bytes(self.array(field)?)))
    }

    pub fn raw(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], ProtocolError> {
        self.take(n, field)
    }

    /// Length-prefixed bytes, at most `max` long.
    pub fn bytes(&mut self, max: usize, field: &'static str) -> Result<&'a [u8], ProtocolError> {
        let at = self.pos;
        let len = self.u32(field)? as usize;
        if len > max {
            return Err(ProtocolError::TooLong {
                field,
                offset: at,
                len,
                max,
            });
        }
        self.take(len, field)
    }

    /// Length-prefixed UTF-8, at most `max` bytes long.
    pub fn str(&mut self, max: usize, field: &'static str) -> Result<String, ProtocolError> {
        self.str_ref(max, field).map(str::to_owned)
    }

    /// [`Reader::str`] borrowed from the buffer.
    pub fn str_ref(&mut self, max: usize, field: &'static str) -> Result<&'a str, ProtocolError> {
        let at = self.pos;
        let bytes = self.bytes(max, field)?;
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s),
            Err(e) => Err(ProtocolError::Invalid {
                field,
                offset: at,
                reason: format!("not UTF-8 ({e})"),
            }),
        }
    }

    /// A `u32` count, then that many items. The count is checked against `max` and
    /// against the bytes left (each item takes at least `min_item_bytes`) before the
    /// list is allocated.
    pub fn list<T>(
        &mut self,
        max: usize,
        min_item_bytes: usize,
        field: &'static str,
        mut each: impl FnMut(&mut Self) -> Result<T, ProtocolError>,
    ) -> Result<Vec<T>, ProtocolError> {
        let at = self.pos;
        let count = self.u32(field)? as usize;
        if count > max {
            return Err(ProtocolError::TooLong {
                field,
                offset: at,
                len: count,
                max,
            });
        }
        let needed = count.saturating_mul(min_item_bytes.max(1));
        if needed > self.remaining() {
            return Err(ProtocolError::Truncated {
                field,
                offset: at,
                needed,
                available: self.remaining(),
            });
        }
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            out.push(each(self)?);
        }
        Ok(out)
    }

    pub fn option<T>(
        &mut self,
        field: &'static str,
        each: impl FnOnce(&mut Self) -> Result<T, ProtocolError>,
    ) -> Result<Option<T>, ProtocolError> {
        if self.bool(field)? {
            Ok(Some(each(self)?))
        } else {
            Ok(None)
        }
    }

    /// Fails unless every byte was consumed: trailing bytes mean the peer and we
    /// disagree about the message layout.
    pub fn finish(&self, message: &'static str) -> Result<(), ProtocolError> {
        if self.remaining() == 0 {
            Ok(())
        } else {
            Err(ProtocolError::TrailingBytes {
                message,
                count: self.remaining(),
            })
        }
    }

    /// An error for a value that decoded but is not allowed, at the current offset.
    pub fn invalid(&self, field: &'static str, reason: String) -> ProtocolError {
        ProtocolError::Invalid {
            field,
            offset: self.pos.saturating_sub(1),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_primitive() {
        let mut w = Writer::new();
        w.u8(7);
        w.bool(true);
        w.u16(0xBEEF);
        w.u32(0xDEAD_BEEF);
        w.u64(u64::MAX - 1);
        w.i64(-42);
        w.f64(2.5);
        w.str("héllo");
        w.list(&[1u32, 2, 3], |w, v| w.u32(*v));
        w.option(Some(&9u8), |w, v| w.u8(*v));
        w.option(None::<&u8>, |w, v| w.u8(*v));
        let bytes = w.into_bytes();
        let mut r = Reader::new(&bytes);
        assert_eq!(r.u8("a").unwrap(), 7);
        assert!(r.bool("b").unwrap());
        assert_eq!(r.u16("c").unwrap(), 0xBEEF);
        assert_eq!(r.u32("d").unwrap(), 0xDEAD_BEEF);
        assert_eq!(r.u64("e").unwrap(), u64::MAX - 1);
        assert_eq!(r.i64("f").unwrap(), -42);
        assert_eq!(r.f64("g").unwrap(), 2.5);
        assert_eq!(r.str(100, "h").unwrap(), "héllo");
        assert_eq!(r.list(10, 4, "i", |r| r.u32("i")).unwrap(), vec![1, 2, 3]);
        assert_eq!(r.option("j", |r| r.u8("j")).unwrap(), Some(9));
        assert_eq!(r.option("k", |r| r.u8("k")).unwrap(), None);
        r.finish("test").unwrap();
    }

    #[test]
    fn a_huge_count_is_refused_before_allocating() {
        let bytes = u32::MAX.to_be_bytes();
        let err = Reader::new(&bytes)
            .list(usize::MAX, 1, "items", |r| r.u8("item"))
            .unwrap_err();
        assert!(
            matches!(err, ProtocolError::Truncated { field: "items", .. }),
            "{err}"
        );
    }

    #[test]
    fn a_string_longer_than_its_limit_is_refused() {
        let mut w = Writer::new();
        w.str("abcdef");
        let bytes = w.into_bytes();
        let err = Reader::new(&bytes).str(3, "name").unwrap_err();
        assert!(matches!(
            err,
            ProtocolError::TooLong {
                field: "name",
                len: 6,
                max: 3,
                ..
            }
        ));
    }

    #[test]
    fn invalid_utf8_and_bad_booleans_are_named() {
        let bytes = [0, 0, 0, 2, 0xff, 0xfe];
        let err = Reader::new(&bytes).str(10, "text").unwrap_err();
        assert!(err.to_string().contains("text"), "{err}");
        let err = Reader::new(&[2]).bool("flag").unwrap_err();
        assert!(err.to_string().contains("flag"), "{err}");
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let r = Reader::new(&[1]);
        assert!(matches!(
            r.finish("ping"),
            Err(ProtocolError::TrailingBytes { count: 1, .. })
        ));
    }
}
