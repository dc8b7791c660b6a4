//! Frames: every message travels as a 4-byte big-endian length, then that many bytes:
//! one message-type byte and the message's fields. The length counts the type byte,
//! so the smallest frame is 1; a length above the negotiated maximum is refused before
//! a byte of the body is read, and bodies are buffered only as their bytes arrive, so
//! a peer that announces a large frame and sends nothing costs nothing.
//!
//! [`FrameAssembler`] is the sans-I/O reassembler the async server feeds from
//! cancel-safe reads; [`read_frame`] and [`write_frame`] are the blocking helpers the
//! client uses.

use std::io::{Read, Write};

use crate::error::ProtocolError;

/// Bytes in the length prefix.
pub const HEADER_LEN: usize = 4;
/// Default maximum frame length (type byte + fields): 16 MiB.
pub const DEFAULT_MAX_FRAME_BYTES: usize = 16 * 1024 * 1024;
/// The smallest maximum a server may be configured with: 64 KiB.
pub const MIN_MAX_FRAME_BYTES: usize = 64 * 1024;
/// Before `Hello` is answered, a server accepts frames of at most this many bytes.
pub const HANDSHAKE_MAX_FRAME_BYTES: usize = 4096;

/// Checks a length prefix against the maximum.
pub fn frame_len(header: [u8; HEADER_LEN], max: usize) -> Result<usize, ProtocolError> {
    let len = u32::from_be_bytes(header) as usize;
    if len == 0 {
        return Err(ProtocolError::EmptyFrame);
    }
    if len > max {
        return Err(ProtocolError::FrameTooLarge { len, max });
    }
    Ok(len)
}

/// Prepends the length prefix to a message body (type byte + fields).
pub fn frame(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// Reads one frame body, blocking. A clean end of stream before the first header
/// byte is [`ProtocolError::Closed`].
pub fn read_frame(r: &mut impl Read, max: usize) -> Result<Vec<u8>, ProtocolError> {
    let mut header = [0u8; HEADER_LEN];
    let mut got = 0;
    while got < HEADER_LEN {
        match r.read(&mut header[got..]) {
            Ok(0) if got == 0 => return Err(ProtocolError::Closed),
            Ok(0) => {
                return Err(ProtocolError::Io(std::io::ErrorKind::UnexpectedEof.into()));
            }
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    let len = frame_len(header, max)?;
    let mut body = Vec::new();
    r.take(len as u64).read_to_end(&mut body)?;
    if body.len() != len {
        return Err(ProtocolError::Io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    Ok(body)
}

/// Writes one already-framed message and flushes.
pub fn write_frame(w: &mut impl Write, framed: &[u8]) -> Result<(), ProtocolError> {
    w.write_all(framed)?;
    w.flush()?;
    Ok(())
}

/// Reassembles frames from arbitrary chunks of a byte stream.
#[derive(Debug)]
pub struct FrameAssembler {
    max: usize,
    header: [u8; HEADER_LEN],
    header_have: usize,
    body: Vec<u8>,
    body_len: Option<usize>,
}

impl FrameAssembler {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            header: [0; HEADER_LEN],
            header_have: 0,
            body: Vec::new(),
            body_len: None,
        }
    }

    /// Changes the maximum for frames whose header has not been read yet.
    pub fn set_max(&mut self, max: usize) {
        self.max = max;
    }

    /// True when no partial frame is buffered.
    pub fn is_idle(&self) -> bool {
        self.header_have == 0 && self.body_len.is_none()
    }

    /// Consumes bytes from the front of `data` until one frame is complete (returned)
    /// or `data` is exhausted (`None`). Call again with the rest of `data`.
    pub fn feed(&mut self, data: &mut &[u8]) -> Result<Option<Vec<u8>>, ProtocolError> {
        while !data.is_empty() {
            match self.body_len {
                None => {
                    let n = (HEADER_LEN - self.header_have).min(data.len());
                    self.header[self.header_have..self.header_have + n].copy_from_slice(&data[..n]);
                    self.header_have += n;
                    *data = &data[n..];
                    if self.header_have == HEADER_LEN {
                        let len = frame_len(self.header, self.max)?;
                        self.body_len = Some(len);
                        self.body = Vec::with_capacity(len.min(64 * 1024));
                    }
                }
                Some(len) => {
                    let n = (len - self.body.len()).min(data.len());
                    self.body.extend_from_slice(&data[..n]);
                    *data = &data[n..];
                }
            }
            if let Some(len) = self.body_len
                && self.body.len() == len
            {
                self.header_have = 0;
                self.body_len = None;
                return Ok(Some(std::mem::take(&mut self.body)));
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassembles_frames_split_anywhere() {
        let mut stream = frame(b"\x08hello");
        stream.extend(frame(b"\x09"));
        for split in 0..stream.len() {
            let mut asm = FrameAssembler::new(1024);
            let mut frames = Vec::new();
            for chunk in [&stream[..split], &stream[split..]] {
                let mut data = chunk;
                while let Some(f) = asm.feed(&mut data).unwrap() {
                    frames.push(f);
                }
            }
            assert_eq!(
                frames,
                vec![b"\x08hello".to_vec(), b"\x09".to_vec()],
                "split {split}"
            );
            assert!(asm.is_idle());
        }
    }

    #[test]
    fn oversized_and_empty_frames_are_refused_from_the_header() {
        let mut asm = FrameAssembler::new(10);
        let mut data: &[u8] = &[0, 0, 0, 11];
        assert!(matches!(
            asm.feed(&mut data),
            Err(ProtocolError::FrameTooLarge { len: 11, max: 10 })
        ));
        let mut asm = FrameAssembler::new(10);
        let mut data: &[u8] = &[0, 0, 0, 0];
        assert!(matches!(
            asm.feed(&mut data),
            Err(ProtocolError::EmptyFrame)
        ));
    }

    #[test]
    fn blocking_read_stops_at_the_limit_and_reports_eof() {
        let framed = frame(b"\x08abc");
        assert_eq!(read_frame(&mut &framed[..], 100).unwrap(), b"\x08abc");
        assert!(matches!(
            read_frame(&mut &framed[..], 2),
            Err(ProtocolError::FrameTooLarge { .. })
        ));
        assert!(matches!(
            read_frame(&mut &b""[..], 100),
            Err(ProtocolError::Closed)
        ));
        assert!(matches!(
            read_frame(&mut &framed[..5], 100),
            Err(ProtocolError::Io(_))
        ));
    }
}
