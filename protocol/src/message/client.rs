//! Messages a client sends. Every request that expects an answer carries a
//! client-chosen `request` id (not 0, which the server uses for session-wide errors)
//! that the answers echo.

use super::admin::AdminRequest;
use super::value::{Param, decode_params, encode_params};
use crate::error::ProtocolError;
use crate::frame::HEADER_LEN;
use crate::limits::{MAX_NAME_BYTES, MAX_QUERY_BYTES};
use crate::wire::{Reader, Writer};

/// The language of query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Kql,
    Sql,
}

/// What a subscription watches: a compiled plan or query text.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    Plan(Vec<u8>),
    Text { language: Language, text: String },
}

/// What a `Load` does with a row whose primary key already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadMode {
    /// A key that exists, or repeats inside the batch, fails the batch (`S111`).
    Insert,
    /// A row replaces the row with its key (a key repeated inside the batch still
    /// fails it: which copy wins would be arbitrary).
    Upsert,
}

/// A client-to-server message.
#[derive(Debug, Clone, PartialEq)]
pub enum ClientMessage {
    /// First message of every session: the protocol versions the client speaks
    /// (inclusive range), the bytecode opcode-set version it compiles for, feature
    /// bits it would like, and a free-form client name for `system.sessions`.
    Hello {
        min_version: u16,
        max_version: u16,
        opcode_set: u16,
        features: u64,
        client: String,
    },
    /// Run an encoded bytecode plan (`.kqlp` bytes) with parameters.
    Execute {
        request: u32,
        plan: Vec<u8>,
        params: Vec<Param>,
    },
    /// Run a plan the server has cached, named by the SHA-256 of its encoded bytes
    /// (a plan sent before with `Execute` on a server offering
    /// `FEATURE_PLAN_CACHE`). A plan the server no longer holds is `P011`; the client
    /// then sends it again with `Execute`.
    ExecuteCached {
        request: u32,
        hash: [u8; 32],
        params: Vec<Param>,
    },
    /// Compile and run query text on the server.
    Query {
        request: u32,
        language: Language,
        text: String,
        params: Vec<Param>,
    },
    /// Ask for the catalog the user may see; `known_generation` lets the server
    /// answer "unchanged" with an empty body.
    CatalogFetch {
        request: u32,
        known_generation: u64,
    },
    /// Start a live query: the server answers `Subscribed`, then `Change` events.
    Subscribe {
        request: u32,
        statement: Statement,
        params: Vec<Param>,
    },
    /// Stop a live query; answered by `Complete`.
    Unsubscribe {
        request: u32,
        subscription: u64,
    },
    /// Stop a running request; it ends with an error of code `P009`.
    Cancel {
        request: u32,
    },
    Ping {
        nonce: u64,
    },
    /// The client is leaving; the server closes the connection.
    Goodbye,
    Admin {
        request: u32,
        admin: AdminRequest,
    },
    /// Bulk load: write the rows of one Arrow IPC stream into `table`
    /// (`namespace.name`) in one transaction, answered by `Complete(rows)`.
    Load {
        request: u32,
        table: String,
        mode: LoadMode,
        arrow_ipc: Vec<u8>,
    },
}

mod tag {
    pub const HELLO: u8 = 0x01;
    pub const EXECUTE: u8 = 0x02;
    pub const QUERY: u8 = 0x03;
    pub const CATALOG_FETCH: u8 = 0x04;
    pub const SUBSCRIBE: u8 = 0x05;
    pub const UNSUBSCRIBE: u8 = 0x06;
    pub const CANCEL: u8 = 0x07;
    pub const PING: u8 = 0x08;
    pub const GOODBYE: u8 = 0x09;
    pub const ADMIN: u8 = 0x0A;
    pub const EXECUTE_CACHED: u8 = 0x0B;
    pub const LOAD: u8 = 0x0C;
}

fn encode_language(w: &mut Writer, l: Language) {
    w.u8(match l {
        Language::Kql => 0,
        Language::Sql => 1,
    });
}

fn decode_language(r: &mut Reader<'_>) -> Result<Language, ProtocolError> {
    match r.u8("language")? {
        0 => Ok(Language::Kql),
        1 => Ok(Language::Sql),
        other => Err(r.invalid("language", format!("{other}, expected 0 (KQL) or 1 (SQL)"))),
    }
}

/// The body of an `ExecuteCached` request.
fn write_execute_cached(w: &mut Writer, request: u32, hash: &[u8; 32], params: &[Param]) {
    w.u8(tag::EXECUTE_CACHED);
    w.u32(request);
    w.raw(hash);
    encode_params(w, params);
}

impl ClientMessage {
    /// The message's name, for logs and errors.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Hello { .. } => "Hello",
            Self::Execute { .. } => "Execute",
            Self::ExecuteCached { .. } => "ExecuteCached",
            Self::Query { .. } => "Query",
            Self::CatalogFetch { .. } => "CatalogFetch",
            Self::Subscribe { .. } => "Subscribe",
            Self::Unsubscribe { .. } => "Unsubscribe",
            Self::Cancel { .. } => "Cancel",
            Self::Ping { .. } => "Ping",
            Self::Goodbye => "Goodbye",
            Self::Admin { .. } => "Admin",
            Self::Load { .. } => "Load",
        }
    }

    /// The request id this message carries, if any.
    pub fn request(&self) -> Option<u32> {
        match self {
            Self::Execute { request, .. }
            | Self::ExecuteCached { request, .. }
            | Self::Query { request, .. }
            | Self::CatalogFetch { request, .. }
            | Self::Subscribe { request, .. }
            | Self::Unsubscribe { request, .. }
            | Self::Cancel { request }
            | Self::Admin { request, .. }
            | Self::Load { request, .. } => Some(*request),
            Self::Hello { .. } | Self::Ping { .. } | Self::Goodbye => None,
        }
    }

    /// The body (type byte + fields), without the length prefix.
    pub fn encode_body(&self) -> Vec<u8> {
        let mut w = Writer::new();
        self.write_body(&mut w);
        w.into_bytes()
    }

    /// The whole frame, ready to write: the body is encoded once, after room for the
    /// length prefix, into a buffer sized for it (a `Load` carries a megabyte of Arrow
    /// IPC that would otherwise be copied again to prepend the length).
    pub fn encode(&self) -> Vec<u8> {
        let hint = match self {
            Self::Load {
                table, arrow_ipc, ..
            } => 32 + table.len() + arrow_ipc.len(),
            Self::Execute { plan, .. } => 64 + plan.len(),
            _ => 64,
        };
        let mut buf = Vec::with_capacity(HEADER_LEN + hint);
        buf.extend_from_slice(&[0; HEADER_LEN]);
        let mut w = Writer::with_buffer(buf);
        self.write_body(&mut w);
        let mut out = w.into_bytes();
        let len = (out.len() - HEADER_LEN) as u32;
        out[..HEADER_LEN].copy_from_slice(&len.to_be_bytes());
        out
    }

    /// Appends the frame of an `ExecuteCached` request to `out` (the bytes of
    /// `ClientMessage::ExecuteCached { .. }.encode()`) from borrowed parameters: a
    /// client running a prepared statement again copies nothing into a message.
    pub fn encode_execute_cached_into(
        out: &mut Vec<u8>,
        request: u32,
        hash: &[u8; 32],
        params: &[Param],
    ) {
        let start = out.len();
        out.extend_from_slice(&[0; HEADER_LEN]);
        let mut w = Writer::with_buffer(std::mem::take(out));
        write_execute_cached(&mut w, request, hash, params);
        *out = w.into_bytes();
        let len = (out.len() - start - HEADER_LEN) as u32;
        out[start..start + HEADER_LEN].copy_from_slice(&len.to_be_bytes());
    }

    fn write_body(&self, w: &mut Writer) {
        match self {
            Self::Hello {
                min_version,
                max_version,
                opcode_set,
                features,
                client,
            } => {
                w.u8(tag::HELLO);
                w.u16(*min_version);
                w.u16(*max_version);
                w.u16(*opcode_set);
                w.u64(*features);
                w.str(client);
            }
            Self::Execute {
                request,
                plan,
                params,
            } => {
                w.u8(tag::EXECUTE);
                w.u32(*request);
                w.bytes(plan);
                encode_params(w, params);
            }
            Self::ExecuteCached {
                request,
                hash,
                params,
            } => write_execute_cached(w, *request, hash, params),
            Self::Query {
                request,
                language,
                text,
                params,
            } => {
                w.u8(tag::QUERY);
                w.u32(*request);
                encode_language(w, *language);
                w.str(text);
                encode_params(w, params);
            }
            Self::CatalogFetch {
                request,
                known_generation,
            } => {
                w.u8(tag::CATALOG_FETCH);
                w.u32(*request);
                w.u64(*known_generation);
            }
            Self::Subscribe {
                request,
                statement,
                params,
            } => {
                w.u8(tag::SUBSCRIBE);
                w.u32(*request);
                match statement {
                    Statement::Plan(plan) => {
                        w.u8(0);
                        w.bytes(plan);
                    }
                    Statement::Text { language, text } => {
                        w.u8(1);
                        encode_language(w, *language);
                        w.str(text);
                    }
                }
                encode_params(w, params);
            }
            Self::Unsubscribe {
                request,
                subscription,
            } => {
                w.u8(tag::UNSUBSCRIBE);
                w.u32(*request);
                w.u64(*subscription);
            }
            Self::Cancel { request } => {
                w.u8(tag::CANCEL);
                w.u32(*request);
            }
            Self::Ping { nonce } => {
                w.u8(tag::PING);
                w.u64(*nonce);
            }
            Self::Goodbye => w.u8(tag::GOODBYE),
            Self::Admin { request, admin } => {
                w.u8(tag::ADMIN);
                w.u32(*request);
                admin.encode(w);
            }
            Self::Load {
                request,
                table,
                mode,
                arrow_ipc,
            } => {
                w.u8(tag::LOAD);
                w.u32(*request);
                w.str(table);
                w.u8(match mode {
                    LoadMode::Insert => 0,
                    LoadMode::Upsert => 1,
                });
                w.bytes(arrow_ipc);
            }
        }
    }

    /// Decodes a frame body. Every byte must be used.
    pub fn decode(body: &[u8]) -> Result<Self, ProtocolError> {
        let mut r = Reader::new(body);
        let msg = match r.u8("message type")? {
            tag::HELLO => Self::Hello {
                min_version: r.u16("min version")?,
                max_version: r.u16("max version")?,
                opcode_set: r.u16("opcode set")?,
                features: r.u64("features")?,
                client: r.str(MAX_NAME_BYTES, "client name")?,
            },
            tag::EXECUTE => Self::Execute {
                request: r.u32("request id")?,
                plan: r.bytes(usize::MAX, "plan")?.to_vec(),
                params: decode_params(&mut r)?,
            },
            tag::EXECUTE_CACHED => Self::ExecuteCached {
                request: r.u32("request id")?,
                hash: r.raw(32, "plan hash")?.try_into().expect("32 bytes"),
                params: decode_params(&mut r)?,
            },
            tag::QUERY => Self::Query {
                request: r.u32("request id")?,
                language: decode_language(&mut r)?,
                text: r.str(MAX_QUERY_BYTES, "query text")?,
                params: decode_params(&mut r)?,
            },
            tag::CATALOG_FETCH => Self::CatalogFetch {
                request: r.u32("request id")?,
                known_generation: r.u64("known generation")?,
            },
            tag::SUBSCRIBE => Self::Subscribe {
                request: r.u32("request id")?,
                statement: match r.u8("statement kind")? {
                    0 => Statement::Plan(r.bytes(usize::MAX, "plan")?.to_vec()),
                    1 => Statement::Text {
                        language: decode_language(&mut r)?,
                        text: r.str(MAX_QUERY_BYTES, "query text")?,
                    },
                    other => {
                        return Err(
                            r.invalid("statement kind", format!("{other}, expected 0 or 1"))
                        );
                    }
                },
                params: decode_params(&mut r)?,
            },
            tag::UNSUBSCRIBE => Self::Unsubscribe {
                request: r.u32("request id")?,
                subscription: r.u64("subscription id")?,
            },
            tag::CANCEL => Self::Cancel {
                request: r.u32("request id")?,
            },
            tag::PING => Self::Ping {
                nonce: r.u64("nonce")?,
            },
            tag::GOODBYE => Self::Goodbye,
            tag::ADMIN => Self::Admin {
                request: r.u32("request id")?,
                admin: AdminRequest::decode(&mut r)?,
            },
            tag::LOAD => Self::Load {
                request: r.u32("request id")?,
                table: r.str(MAX_NAME_BYTES, "table name")?,
                mode: match r.u8("load mode")? {
                    0 => LoadMode::Insert,
                    1 => LoadMode::Upsert,
                    other => {
                        return Err(r.invalid(
                            "load mode",
                            format!("{other}, expected 0 (insert) or 1 (upsert)"),
                        ));
                    }
                },
                arrow_ipc: r.bytes(usize::MAX, "arrow ipc")?.to_vec(),
            },
            other => return Err(ProtocolError::UnknownMessage { tag: other }),
        };
        r.finish(msg.name())?;
        Ok(msg)
    }
}
