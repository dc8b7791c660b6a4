//! Messages a server sends. Answers echo the request id of the client message they
//! answer; `Error` with request 0 and `Goodbye` concern the whole session.

use super::admin::AdminResponse;
use super::value::Value;
use crate::error::ProtocolError;
use crate::frame::HEADER_LEN;
use crate::limits::{MAX_MESSAGE_BYTES, MAX_NAME_BYTES, MAX_PARAMS};
use crate::role::Role;
use crate::wire::{Reader, Writer};

/// The kind of a row change in a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// The rows the subscription starts from (`with (last = N)`).
    Snapshot,
    Insert,
    Update,
    Delete,
}

/// Where in the query text an error points: byte offsets, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorSpan {
    pub start: u32,
    pub end: u32,
}

/// The answer to `Hello`: the version both sides now speak, and who the server says
/// the client is (from its certificate, never from anything it sent).
#[derive(Debug, Clone, PartialEq)]
pub struct Welcome {
    pub version: u16,
    pub opcode_set: u16,
    /// The features both sides have (the intersection).
    pub features: u64,
    pub server: String,
    pub session: u64,
    pub user: String,
    pub user_id: u64,
    pub role: Role,
    pub catalog_generation: u64,
    /// The largest frame the server accepts from now on.
    pub max_frame_bytes: u32,
}

/// A server-to-client message.
#[derive(Debug, Clone, PartialEq)]
pub enum ServerMessage {
    Welcome(Welcome),
    /// Result rows: one Arrow IPC stream (schema message, then batches).
    Batch {
        request: u32,
        arrow_ipc: Vec<u8>,
    },
    /// A compact answer of exactly one row, sent instead of `Batch` + `Complete` to a
    /// client that asked for `FEATURE_COMPACT_ROWS`: the column names and KQL types
    /// (`int64`, `decimal(10, 2)`, …) and one value per column. It ends the request.
    Row {
        request: u32,
        columns: Vec<(String, String)>,
        values: Vec<Value>,
    },
    /// A request finished.
    Complete {
        request: u32,
        rows_affected: u64,
    },
    /// A request failed (`request` ≠ 0) or the session is about to close (`request`
    /// = 0).
    Error {
        request: u32,
        code: String,
        message: String,
        span: Option<ErrorSpan>,
    },
    /// The catalog the user may see (JSON); an empty body means "unchanged since
    /// the generation you sent".
    Catalog {
        request: u32,
        generation: u64,
        body: Vec<u8>,
    },
    Subscribed {
        request: u32,
        subscription: u64,
    },
    Change {
        subscription: u64,
        kind: ChangeKind,
        arrow_ipc: Vec<u8>,
    },
    Pong {
        nonce: u64,
    },
    /// The server is closing the session; the code says why (revoked, dropped, idle,
    /// shutdown).
    Goodbye {
        code: String,
        message: String,
    },
    AdminResult {
        request: u32,
        result: AdminResponse,
    },
}

mod tag {
    pub const WELCOME: u8 = 0x41;
    pub const BATCH: u8 = 0x42;
    pub const COMPLETE: u8 = 0x43;
    pub const ERROR: u8 = 0x44;
    pub const CATALOG: u8 = 0x45;
    pub const SUBSCRIBED: u8 = 0x46;
    pub const CHANGE: u8 = 0x47;
    pub const PONG: u8 = 0x48;
    pub const GOODBYE: u8 = 0x49;
    pub const ADMIN_RESULT: u8 = 0x4A;
    pub const ROW: u8 = 0x4B;
}

/// The body of a `Row` answer.
fn write_row(w: &mut Writer, request: u32, columns: &[(String, String)], values: &[Value]) {
    w.u8(tag::ROW);
    w.u32(request);
    w.list(columns, |w, (name, ty)| {
        w.str(name);
        w.str(ty);
    });
    w.list(values, |w, v| v.encode(w));
}

/// A `Row` answer whose column names and types are borrowed from the frame body
/// ([`ServerMessage::decode_row`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RowRef<'a> {
    pub request: u32,
    pub columns: Vec<(&'a str, &'a str)>,
    pub values: Vec<Value>,
}

/// The fields of a `Row` answer after its type byte.
fn read_row<'a>(r: &mut Reader<'a>) -> Result<RowRef<'a>, ProtocolError> {
    Ok(RowRef {
        request: r.u32("request id")?,
        // A column takes at least two 4-byte string lengths; a value one tag byte.
        columns: r.list(MAX_PARAMS, 8, "row columns", |r| {
            Ok((
                r.str_ref(MAX_NAME_BYTES, "column name")?,
                r.str_ref(MAX_NAME_BYTES, "column type")?,
            ))
        })?,
        values: r.list(MAX_PARAMS, 1, "row values", Value::decode)?,
    })
}

/// Appends a frame to `out`: room for the length prefix, the body `body` writes,
/// then the prefix filled in.
fn framed(out: &mut Vec<u8>, body: impl FnOnce(&mut Writer)) {
    let start = out.len();
    out.extend_from_slice(&[0; HEADER_LEN]);
    let mut w = Writer::with_buffer(std::mem::take(out));
    body(&mut w);
    *out = w.into_bytes();
    let len = (out.len() - start - HEADER_LEN) as u32;
    out[start..start + HEADER_LEN].copy_from_slice(&len.to_be_bytes());
}

impl ServerMessage {
    pub fn name(&self) -> &'static str {
        match self {
            Self::Welcome { .. } => "Welcome",
            Self::Batch { .. } => "Batch",
            Self::Row { .. } => "Row",
            Self::Complete { .. } => "Complete",
            Self::Error { .. } => "Error",
            Self::Catalog { .. } => "Catalog",
            Self::Subscribed { .. } => "Subscribed",
            Self::Change { .. } => "Change",
            Self::Pong { .. } => "Pong",
            Self::Goodbye { .. } => "Goodbye",
            Self::AdminResult { .. } => "AdminResult",
        }
    }

    /// An error answer to one request, or to the session when `request` is 0.
    pub fn error(request: u32, code: &str, message: impl Into<String>) -> Self {
        Self::Error {
            request,
            code: code.to_owned(),
            message: message.into(),
            span: None,
        }
    }

    pub fn encode_body(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write_body(&mut w);
        w.into_bytes()
    }

    /// Appends the whole frame (length prefix and body) to `out`: a sender that
    /// keeps one buffer for its frames allocates nothing per message.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        framed(out, |w| self.write_body(w));
    }

    /// Appends the frame of a `Row` answer to `out`, from borrowed columns and values
    /// (the same bytes as `ServerMessage::Row { .. }.encode()`): a server answering a
    /// prepared point get keeps the columns once per plan, not once per answer.
    pub fn encode_row_into(
        out: &mut Vec<u8>,
        request: u32,
        columns: &[(String, String)],
        values: &[Value],
    ) {
        framed(out, |w| write_row(w, request, columns, values));
    }

    fn write_body(&self, w: &mut Writer) {
        match self {
            Self::Welcome(welcome) => {
                w.u8(tag::WELCOME);
                w.u16(welcome.version);
                w.u16(welcome.opcode_set);
                w.u64(welcome.features);
                w.str(&welcome.server);
                w.u64(welcome.session);
                w.str(&welcome.user);
                w.u64(welcome.user_id);
                w.u8(welcome.role.tag());
                w.u64(welcome.catalog_generation);
                w.u32(welcome.max_frame_bytes);
            }
            Self::Batch { request, arrow_ipc } => {
                w.u8(tag::BATCH);
                w.u32(*request);
                w.bytes(arrow_ipc);
            }
            Self::Row {
                request,
                columns,
                values,
            } => write_row(w, *request, columns, values),
            Self::Complete {
                request,
                rows_affected,
            } => {
                w.u8(tag::COMPLETE);
                w.u32(*request);
                w.u64(*rows_affected);
            }
            Self::Error {
                request,
                code,
                message,
                span,
            } => {
                w.u8(tag::ERROR);
                w.u32(*request);
                w.str(code);
                w.str(message);
                w.option(span.as_ref(), |w, s| {
                    w.u32(s.start);
                    w.u32(s.end);
                });
            }
            Self::Catalog {
                request,
                generation,
                body,
            } => {
                w.u8(tag::CATALOG);
                w.u32(*request);
                w.u64(*generation);
                w.bytes(body);
            }
            Self::Subscribed {
                request,
                subscription,
            } => {
                w.u8(tag::SUBSCRIBED);
                w.u32(*request);
                w.u64(*subscription);
            }
            Self::Change {
                subscription,
                kind,
                arrow_ipc,
            } => {
                w.u8(tag::CHANGE);
                w.u64(*subscription);
                w.u8(match kind {
                    ChangeKind::Snapshot => 0,
                    ChangeKind::Insert => 1,
                    ChangeKind::Update => 2,
                    ChangeKind::Delete => 3,
                });
                w.bytes(arrow_ipc);
            }
            Self::Pong { nonce } => {
                w.u8(tag::PONG);
                w.u64(*nonce);
            }
            Self::Goodbye { code, message } => {
                w.u8(tag::GOODBYE);
                w.str(code);
                w.str(message);
            }
            Self::AdminResult { request, result } => {
                w.u8(tag::ADMIN_RESULT);
                w.u32(*request);
                result.encode(w);
            }
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    pub fn decode(body: &[u8]) -> Result<Self, ProtocolError> {
        let mut r = Reader::new(body);
        let msg = match r.u8("message type")? {
            tag::WELCOME => Self::Welcome(Welcome {
                version: r.u16("version")?,
                opcode_set: r.u16("opcode set")?,
                features: r.u64("features")?,
                server: r.str(MAX_NAME_BYTES, "server name")?,
                session: r.u64("session id")?,
                user: r.str(MAX_NAME_BYTES, "user name")?,
                user_id: r.u64("user id")?,
                role: {
                    let t = r.u8("role")?;
                    Role::from_tag(t)
                        .ok_or_else(|| r.invalid("role", format!("unknown role tag {t}")))?
                },
                catalog_generation: r.u64("catalog generation")?,
                max_frame_bytes: r.u32("max frame bytes")?,
            }),
            tag::BATCH => Self::Batch {
                request: r.u32("request id")?,
                arrow_ipc: r.bytes(usize::MAX, "Arrow IPC")?.to_vec(),
            },
            tag::ROW => {
                let row = read_row(&mut r)?;
                Self::Row {
                    request: row.request,
                    columns: row
                        .columns
                        .into_iter()
                        .map(|(n, t)| (n.to_owned(), t.to_owned()))
                        .collect(),
                    values: row.values,
                }
            }
            tag::COMPLETE => Self::Complete {
                request: r.u32("request id")?,
                rows_affected: r.u64("rows affected")?,
            },
            tag::ERROR => Self::Error {
                request: r.u32("request id")?,
                code: r.str(MAX_NAME_BYTES, "error code")?,
                message: r.str(MAX_MESSAGE_BYTES, "error message")?,
                span: r.option("span present", |r| {
                    Ok(ErrorSpan {
                        start: r.u32("span start")?,
                        end: r.u32("span end")?,
                    })
                })?,
            },
            tag::CATALOG => Self::Catalog {
                request: r.u32("request id")?,
                generation: r.u64("generation")?,
                body: r.bytes(usize::MAX, "catalog")?.to_vec(),
            },
            tag::SUBSCRIBED => Self::Subscribed {
                request: r.u32("request id")?,
                subscription: r.u64("subscription id")?,
            },
            tag::CHANGE => Self::Change {
                subscription: r.u64("subscription id")?,
                kind: match r.u8("change kind")? {
                    0 => ChangeKind::Snapshot,
                    1 => ChangeKind::Insert,
                    2 => ChangeKind::Update,
                    3 => ChangeKind::Delete,
                    other => {
                        return Err(
                            r.invalid("change kind", format!("unknown change kind {other}"))
                        );
                    }
                },
                arrow_ipc: r.bytes(usize::MAX, "Arrow IPC")?.to_vec(),
            },
            tag::PONG => Self::Pong {
                nonce: r.u64("nonce")?,
            },
            tag::GOODBYE => Self::Goodbye {
                code: r.str(MAX_NAME_BYTES, "goodbye code")?,
                message: r.str(MAX_MESSAGE_BYTES, "goodbye message")?,
            },
            tag::ADMIN_RESULT => Self::AdminResult {
                request: r.u32("request id")?,
                result: AdminResponse::decode(&mut r)?,
            },
            other => return Err(ProtocolError::UnknownMessage { tag: other }),
        };
        r.finish(msg.name())?;
        Ok(msg)
    }

    /// `Some` when `body` is a `Row` answer, decoded with the same checks and errors
    /// as [`ServerMessage::decode`] but with its column names and types borrowed from
    /// `body`: a client that already knows the columns copies none of them.
    pub fn decode_row(body: &[u8]) -> Result<Option<RowRef<'_>>, ProtocolError> {
        if body.first() != Some(&tag::ROW) {
            return Ok(None);
        }
        let mut r = Reader::new(body);
        r.u8("message type")?;
        let row = read_row(&mut r)?;
        r.finish("Row")?;
        Ok(Some(row))
    }
}
