//! The protocol layer's error: everything that can go wrong reading or writing frames
//! and messages. Each variant maps to a stable `P` code from [`crate::codes`].

use crate::codes;

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("frame of {len} bytes exceeds the maximum frame size of {max} bytes")]
    FrameTooLarge { len: usize, max: usize },
    #[error(
        "message truncated at byte {offset} reading {field}: needs {needed} bytes, {available} left"
    )]
    Truncated {
        field: &'static str,
        offset: usize,
        needed: usize,
        available: usize,
    },
    #[error("{field} at byte {offset} is {len} long, the limit is {max}")]
    TooLong {
        field: &'static str,
        offset: usize,
        len: usize,
        max: usize,
    },
    #[error("invalid {field} at byte {offset}: {reason}")]
    Invalid {
        field: &'static str,
        offset: usize,
        reason: String,
    },
    #[error("{count} unexpected bytes after the end of a {message} message")]
    TrailingBytes { message: &'static str, count: usize },
    #[error("unknown message type 0x{tag:02x}")]
    UnknownMessage { tag: u8 },
    #[error("empty frame: every frame holds at least a message type byte")]
    EmptyFrame,
    #[error("connection closed by the peer")]
    Closed,
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl ProtocolError {
    /// The stable code sent to the peer when this error ends a request or a session.
    pub fn code(&self) -> &'static str {
        match self {
            Self::FrameTooLarge { .. } => codes::FRAME_TOO_LARGE,
            Self::UnknownMessage { .. } => codes::UNKNOWN_MESSAGE,
            Self::Truncated { .. }
            | Self::TooLong { .. }
            | Self::Invalid { .. }
            | Self::TrailingBytes { .. }
            | Self::EmptyFrame => codes::MALFORMED_MESSAGE,
            Self::Closed | Self::Io(_) => codes::MALFORMED_MESSAGE,
        }
    }
}
