//! The wire protocol shared by client and server: length-prefixed frames
//! ([`frame`]), the messages inside them ([`message`]), version negotiation
//! ([`version`]), stable error codes ([`codes`]), and the address types and
//! certificate extension that bind a client certificate to where it may connect from
//! ([`net`], [`cert_ext`]). No I/O beyond blocking frame helpers, no TLS, no storage:
//! `docs/protocol.md` is the reference.

pub mod cert_ext;
pub mod certinfo;
pub mod codes;
pub mod error;
pub mod frame;
pub mod ipc;
pub mod limits;
pub mod message;
pub mod net;
pub mod profile;
pub mod role;
pub mod version;
pub mod wire;

pub use certinfo::CertSummary;
pub use error::ProtocolError;
pub use message::{
    AdminRequest, AdminResponse, CertInfo, ChangeKind, ClientMessage, ErrorSpan, Language,
    LoadMode, Param, RowRef, ServerMessage, Statement, UserInfo, Value, Welcome,
};
pub use net::IpNet;
pub use role::Role;
