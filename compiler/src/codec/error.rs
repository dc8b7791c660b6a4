//! Decoding errors, with stable `C` codes and the byte offset where decoding stopped.

use std::fmt;

/// What was wrong with the bytes. The code is stable; clients may match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecodeErrorCode {
    /// C001: the input ends in the middle of a value.
    Truncated,
    /// C002: the input does not start with the expected magic bytes.
    BadMagic,
    /// C003: a format version this build does not read.
    UnsupportedFormat,
    /// C004: an opcode-set version this build does not run.
    UnsupportedOpcodeSet,
    /// C005: a flag bit this build does not know.
    UnknownFlags,
    /// C006: an opcode byte this build does not know.
    UnknownOpcode,
    /// C007: an enumeration tag (type, constant, expression node, …) out of range.
    BadTag,
    /// C008: a length or count past its documented limit or past the input.
    TooLarge,
    /// C009: a varint longer than its type or with bits past its width.
    BadVarint,
    /// C010: a string that is not UTF-8.
    BadUtf8,
    /// C011: bytes left after the last section.
    TrailingBytes,
    /// C012: a value outside its domain (decimal precision, duplicate name, …).
    BadValue,
}

impl DecodeErrorCode {
    /// What the code means, for docs.
    pub fn meaning(self) -> &'static str {
        match self {
            DecodeErrorCode::Truncated => "the input ends in the middle of a value",
            DecodeErrorCode::BadMagic => "the input does not start with the expected magic bytes",
            DecodeErrorCode::UnsupportedFormat => "a format version this build does not read",
            DecodeErrorCode::UnsupportedOpcodeSet => {
                "an opcode-set version this build does not run"
            }
            DecodeErrorCode::UnknownFlags => "a header flag bit this build does not know",
            DecodeErrorCode::UnknownOpcode => "an opcode byte this build does not know",
            DecodeErrorCode::BadTag => "an enumeration tag (type, constant, node, …) out of range",
            DecodeErrorCode::TooLarge => "a length or count past its limit or past the input",
            DecodeErrorCode::BadVarint => "a varint longer than 10 bytes or with bits past 64",
            DecodeErrorCode::BadUtf8 => "a string that is not UTF-8",
            DecodeErrorCode::TrailingBytes => "bytes left after the last section",
            DecodeErrorCode::BadValue => {
                "a value outside its domain (decimal precision, time of day, …)"
            }
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            DecodeErrorCode::Truncated => "C001",
            DecodeErrorCode::BadMagic => "C002",
            DecodeErrorCode::UnsupportedFormat => "C003",
            DecodeErrorCode::UnsupportedOpcodeSet => "C004",
            DecodeErrorCode::UnknownFlags => "C005",
            DecodeErrorCode::UnknownOpcode => "C006",
            DecodeErrorCode::BadTag => "C007",
            DecodeErrorCode::TooLarge => "C008",
            DecodeErrorCode::BadVarint => "C009",
            DecodeErrorCode::BadUtf8 => "C010",
            DecodeErrorCode::TrailingBytes => "C011",
            DecodeErrorCode::BadValue => "C012",
        }
    }
}

/// A decoding failure: the code, the byte offset, and what was being read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    pub code: DecodeErrorCode,
    pub offset: usize,
    pub message: String,
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: at byte {}: {}",
            self.code.code(),
            self.offset,
            self.message
        )
    }
}
