//! The client library's error: what went wrong connecting or talking to a server,
//! with the server's stable code when the server refused.

use kalavar_protocol::{ErrorSpan, ProtocolError};
use kql_compiler::CompileError;

/// Codes the client library acts on.
pub mod codes {
    /// The plan names a table at a schema version the server no longer has: the
    /// client refetches the catalog, recompiles and retries once.
    pub const STALE_PLAN: &str = "V013";
    /// The plan names a table id the server's catalog no longer has (dropped, perhaps
    /// created again under a new id): as stale as `V013` for a plan this client
    /// compiled from its cached catalog.
    pub const UNKNOWN_TABLE: &str = "V012";
    /// A concurrent transaction wrote the same rows first; retry the transaction.
    pub const TRANSACTION_CONFLICT: &str = "S001";
    /// The request was cancelled.
    pub const CANCELLED: &str = kalavar_protocol::codes::CANCELLED;
    /// `ExecuteCached` named a plan the server does not hold: send it in full.
    pub const PLAN_NOT_CACHED: &str = kalavar_protocol::codes::PLAN_NOT_CACHED;
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The profile directory is missing a file or holds something unusable.
    #[error("profile {path}: {message}")]
    Profile { path: String, message: String },
    /// Connecting the TCP socket failed.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: String,
        source: std::io::Error,
    },
    /// TLS failed: a handshake refused by either side, or an alert from the server
    /// (a certificate it refuses shows up here as e.g. `CertificateRevoked`).
    #[error("TLS: {0}")]
    Tls(rustls::Error),
    /// The server answered with an error (stable `code`, e.g. `A005`, `X004`);
    /// `span` points into the statement's text when the server could place it.
    #[error("server refused ({code}): {message}")]
    Server {
        code: String,
        message: String,
        span: Option<ErrorSpan>,
    },
    /// The statement did not compile on the client (parse or bind error); `text` is
    /// the source the error's spans point into.
    #[error("{}", error.render("query", text, false).trim_end())]
    Compile { text: String, error: CompileError },
    /// The parameters given do not fit the statement's parameter slots.
    #[error("parameters: {0}")]
    Params(String),
    /// The catalog the server sent does not decode.
    #[error("catalog from the server: {0}")]
    Catalog(String),
    /// The server closed the session (Goodbye), saying why.
    #[error("server closed the session ({code}): {message}")]
    Goodbye { code: String, message: String },
    /// The server sent something this client cannot read or did not expect.
    #[error("protocol: {0}")]
    Protocol(String),
    /// Input to a bulk load that does not fit its table (a CSV line that does not
    /// parse, a value of the wrong type), with the line and column.
    #[error("{0}")]
    Input(String),
    /// A bulk load stopped at the batch `at` names (its input lines or rows): the
    /// stopped batch wrote nothing; `rows_written` rows, in whole batches, were
    /// written — those before it and, listed in `also_written`, those already sent
    /// after it (batches in flight are answered, and committed, one by one).
    #[error(
        "{source} ({at}; {rows_written} rows written, in whole batches{})",
        also_note(also_written)
    )]
    Load {
        rows_written: u64,
        at: String,
        also_written: Vec<String>,
        source: Box<ClientError>,
    },
    /// The connection ended.
    #[error("connection closed by the server")]
    Closed,
    #[error("I/O: {0}")]
    Io(std::io::Error),
}

impl ClientError {
    /// The stable error code: the server's, or the first compile error's (`K…`,
    /// `B…`).
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Server { code, .. } | Self::Goodbye { code, .. } => Some(code),
            Self::Compile { error, .. } => error.codes().first().copied(),
            Self::Load { source, .. } => source.code(),
            _ => None,
        }
    }

    /// Whether the plan was compiled against a catalog the server has moved past
    /// (`V013`, or `V012` for a table dropped since): the client library refetches
    /// the catalog, recompiles and retries once.
    pub fn is_stale_plan(&self) -> bool {
        matches!(
            self,
            Self::Server { code, .. } if code == codes::STALE_PLAN || code == codes::UNKNOWN_TABLE
        )
    }

    /// Whether running the same statement or transaction again may succeed: a
    /// transaction conflict (`S001`).
    pub fn is_retryable(&self) -> bool {
        self.code() == Some(codes::TRANSACTION_CONFLICT)
    }

    /// The TLS alert or error, if TLS failed.
    pub fn tls(&self) -> Option<&rustls::Error> {
        match self {
            Self::Tls(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for ClientError {
    fn from(e: std::io::Error) -> Self {
        // rustls reports TLS failures through io::Error with the rustls::Error inside.
        if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
            return Self::Tls(inner.clone());
        }
        match e.kind() {
            std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe => Self::Closed,
            _ => Self::Io(e),
        }
    }
}

impl From<ProtocolError> for ClientError {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::Io(io) => io.into(),
            ProtocolError::Closed => Self::Closed,
            other => Self::Protocol(other.to_string()),
        }
    }
}

/// The batches a failed load wrote after the one that failed, for its message.
fn also_note(labels: &[String]) -> String {
    if labels.is_empty() {
        String::new()
    } else {
        format!(", including batches sent after it: {}", labels.join(", "))
    }
}
