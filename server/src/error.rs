//! The server's error for everything outside a session: configuration, files, keys,
//! certificates, the catalog and binding sockets. These never travel on the wire (a
//! session's errors are [`crate::auth::AuthError`] and the protocol's `P` codes);
//! each says what was wrong and where, and `kalavard` prints it and exits non-zero.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("configuration: {0}")]
    Config(String),
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error(
        "key file {path} is readable by group or others (mode {mode:04o}); run `chmod 600 {path}`"
    )]
    KeyPermissions { path: PathBuf, mode: u32 },
    #[error("certificates: {0}")]
    Pki(String),
    #[error("catalog: {0}")]
    Catalog(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("TLS setup: {0}")]
    Tls(String),
}

impl ServerError {
    pub(crate) fn file(path: impl Into<PathBuf>, message: impl std::fmt::Display) -> Self {
        Self::File {
            path: path.into(),
            message: message.to_string(),
        }
    }

    pub(crate) fn pki(message: impl std::fmt::Display) -> Self {
        Self::Pki(message.to_string())
    }
}

impl From<rcgen::Error> for ServerError {
    fn from(e: rcgen::Error) -> Self {
        Self::Pki(e.to_string())
    }
}
