//! Reading frames off the TLS connection without a `poll` per answer.
//!
//! The socket's read timeout is [`READ_TICK`] once the session is open, so a read
//! that waits returns every tick: a waiting request looks at its cancel flag then,
//! other waits count the ticks against the connection's timeout. Reading straight
//! into a blocking `recv` (rather than `poll` first, then `recv`) saves a system call
//! per answer. [`Inbox`] takes decrypted bytes from rustls exactly as far as the
//! frame under way needs them, so whatever follows stays buffered for the next frame,
//! and a tick in the middle of a frame loses nothing.

use std::io::{ErrorKind, Read};
use std::time::{Duration, Instant};

use kalavar_protocol::frame::{DEFAULT_MAX_FRAME_BYTES, HEADER_LEN, frame_len};
use rustls::ClientConnection;

use super::connection::Client;
use super::error::ClientError;

/// How long one socket read waits before the reader looks at its cancel flag or
/// deadline (the socket's read timeout once the session is open).
pub(super) const READ_TICK: Duration = Duration::from_millis(50);

/// Body bytes read from rustls in one step.
const BODY_STEP: usize = 64 * 1024;

/// The frame being assembled from decrypted bytes.
#[derive(Debug, Default)]
pub(super) struct Inbox {
    header: [u8; HEADER_LEN],
    have: usize,
    body: Vec<u8>,
    len: Option<usize>,
}

impl Inbox {
    /// Takes decrypted bytes from `conn` until a frame is whole (`Some(body)`), or
    /// until rustls holds no more (`None`: read more TLS records first).
    fn take(&mut self, conn: &mut ClientConnection) -> Result<Option<Vec<u8>>, ClientError> {
        let mut reader = conn.reader();
        loop {
            let read = match self.len {
                None => reader.read(&mut self.header[self.have..]),
                Some(len) => {
                    let start = self.body.len();
                    let want = (len - start).min(BODY_STEP);
                    self.body.resize(start + want, 0);
                    let read = reader.read(&mut self.body[start..]);
                    self.body.truncate(start + *read.as_ref().unwrap_or(&0));
                    read
                }
            };
            match read {
                // A clean close (close_notify), between frames or inside one.
                Ok(0) => return Err(ClientError::Closed),
                Ok(n) => match self.len {
                    None => {
                        self.have += n;
                        if self.have == HEADER_LEN {
                            let len = frame_len(self.header, DEFAULT_MAX_FRAME_BYTES)?;
                            self.len = Some(len);
                            self.have = 0;
                            self.body = Vec::with_capacity(len.min(BODY_STEP));
                        }
                    }
                    Some(len) => {
                        if self.body.len() == len {
                            self.len = None;
                            return Ok(Some(std::mem::take(&mut self.body)));
                        }
                    }
                },
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(None),
                Err(e) => return Err(e.into()),
            }
        }
    }
}

impl Client {
    /// Reads the next frame's body. Each [`READ_TICK`] without bytes runs `waiting`;
    /// with `quiet_limit`, that long without a byte is a timeout error.
    pub(super) fn read_body(
        &mut self,
        quiet_limit: Option<Duration>,
        mut waiting: impl FnMut(&mut Self) -> Result<(), ClientError>,
    ) -> Result<Vec<u8>, ClientError> {
        // The clock is read only for a read with a limit (an answer waits unlimited).
        let mut heard = quiet_limit.map(|_| Instant::now());
        loop {
            if let Some(body) = self.inbox.take(&mut self.stream.conn)? {
                return Ok(body);
            }
            match self.stream.conn.read_tls(&mut self.stream.sock) {
                Ok(0) => {
                    self.process_records()?;
                    if let Some(body) = self.inbox.take(&mut self.stream.conn)? {
                        return Ok(body);
                    }
                    return Err(ClientError::Closed);
                }
                Ok(_) => {
                    self.process_records()?;
                    if heard.is_some() {
                        heard = Some(Instant::now());
                    }
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if let (Some(limit), Some(heard)) = (quiet_limit, heard)
                        && heard.elapsed() >= limit
                    {
                        return Err(ClientError::Io(e));
                    }
                    waiting(self)?;
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Decrypts the records read; sends what rustls has to say back (an alert when
    /// the records were bad).
    fn process_records(&mut self) -> Result<(), ClientError> {
        let processed = self.stream.conn.process_new_packets();
        while self.stream.conn.wants_write() {
            match self.stream.conn.write_tls(&mut self.stream.sock) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        processed.map(|_| ()).map_err(ClientError::Tls)
    }
}
