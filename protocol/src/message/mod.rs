//! The messages of the protocol: what a client sends ([`ClientMessage`]), what a
//! server sends ([`ServerMessage`]), the admin requests and answers they carry, and
//! parameter values. Each message encodes to a frame body (type byte + fields) and
//! decodes from one with bounded reads; see `docs/protocol.md` for the layout.

mod admin;
mod client;
mod server;
mod value;

#[cfg(test)]
mod tests;

pub use admin::{AdminRequest, AdminResponse, CertInfo, UserInfo};
pub use client::{ClientMessage, Language, LoadMode, Statement};
pub use server::{ChangeKind, ErrorSpan, RowRef, ServerMessage, Welcome};
pub use value::{Param, Value};
