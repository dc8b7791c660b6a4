//! The binary primitives under both wire formats this crate defines (plans and
//! catalog snapshots): LEB128 varints, length-prefixed strings, and a bounded reader
//! whose every length is checked against the bytes that remain before anything is
//! allocated.

mod error;
mod reader;
mod writer;

pub use error::{DecodeError, DecodeErrorCode};
pub use reader::Reader;
pub use writer::Writer;
