//! The storage layer's one error type, [`StorageError`], with stable codes (`S` + three
//! digits) that the server passes on to clients. Variants are grouped by what the caller
//! does about them: retry (`S0xx`), fix the request (`S1xx`), investigate the data
//! directory (`S2xx`), or look at the machine (`S3xx`).

use std::path::{Path, PathBuf};

/// Shorthand for results of this crate.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// Everything that can go wrong in the storage engine.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    // ── retry ────────────────────────────────────────────────────────────────
    /// S001: another transaction wrote a key this one read or wrote; retry the
    /// whole transaction.
    #[error("S001 transaction conflict: {detail}; retry the transaction")]
    Conflict { detail: String },

    // ── bad request ──────────────────────────────────────────────────────────
    /// S100: an argument is malformed (names, CIDRs, serials, options, specs).
    #[error("S100 invalid argument: {0}")]
    InvalidArgument(String),
    /// S101: no such namespace.
    #[error("S101 unknown namespace `{0}`")]
    UnknownNamespace(String),
    /// S102: no such table.
    #[error("S102 unknown table {0}")]
    UnknownTable(String),
    /// S103: no such column in a table.
    #[error("S103 unknown column `{column}` in table {table}")]
    UnknownColumn { table: String, column: String },
    /// S104: no such user.
    #[error("S104 unknown user {0}")]
    UnknownUser(String),
    /// S105: no certificate record with that issuer and serial.
    #[error("S105 unknown certificate issuer {issuer} serial {serial}")]
    UnknownCertificate { issuer: String, serial: String },
    /// S110: a namespace, table, column, user or certificate of that name exists.
    #[error("S110 {what} already exists")]
    AlreadyExists { what: String },
    /// S111: insert of a primary key that is already present (hot or cold).
    #[error("S111 duplicate primary key {key} in table {table}")]
    DuplicateKey { table: String, key: String },
    /// S112: update of a primary key that is not present.
    #[error("S112 no row with primary key {key} in table {table}")]
    KeyNotFound { table: String, key: String },
    /// S120: a value has the wrong type for its column (or a batch the wrong schema).
    #[error("S120 type mismatch: {0}")]
    TypeMismatch(String),
    /// S121: a null in a column that does not allow it.
    #[error("S121 null value in non-nullable column `{column}` of table {table} (row {row})")]
    NullViolation {
        table: String,
        column: String,
        row: usize,
    },
    /// S122: a documented limit was exceeded (row size, batch rows, key size, counts).
    #[error("S122 limit exceeded: {0}")]
    LimitExceeded(String),
    /// S123: the owner argument does not fit the table kind.
    #[error("S123 owner mismatch: {0}")]
    OwnerMismatch(String),
    /// S124: the object still holds others (a namespace with tables).
    #[error("S124 {0}")]
    NotEmpty(String),

    // ── the data directory ───────────────────────────────────────────────────
    /// S200: the data directory is inconsistent (missing file, bad manifest, bad row).
    #[error("S200 corrupt data: {0}")]
    Corrupt(String),
    /// S201: the data directory has a format version this build cannot read.
    #[error("S201 unsupported data directory format: {0}")]
    UnsupportedFormat(String),
    /// S202: another process holds the data directory.
    #[error("S202 data directory {0} is in use by another process")]
    Locked(PathBuf),

    // ── the machine ──────────────────────────────────────────────────────────
    /// S300: an I/O error on a path.
    #[error("S300 I/O error on {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// S301: the disk holding the data directory is full; nothing was half-written.
    #[error("S301 disk full while writing {0}; the write was not applied")]
    DiskFull(String),
    /// S302: the data directory is read-only (or not writable by this process).
    #[error("S302 data directory is read-only or not writable: {0}")]
    ReadOnly(String),
    /// S303: RocksDB reported an error.
    #[error("S303 RocksDB error: {0}")]
    RocksDb(String),
    /// S304: Parquet or Arrow reported an error.
    #[error("S304 Parquet/Arrow error: {0}")]
    Parquet(String),
}

impl StorageError {
    /// The stable code (`S001`…) clients match on.
    pub fn code(&self) -> &'static str {
        use StorageError::*;
        match self {
            Conflict { .. } => "S001",
            InvalidArgument(_) => "S100",
            UnknownNamespace(_) => "S101",
            UnknownTable(_) => "S102",
            UnknownColumn { .. } => "S103",
            UnknownUser(_) => "S104",
            UnknownCertificate { .. } => "S105",
            AlreadyExists { .. } => "S110",
            DuplicateKey { .. } => "S111",
            KeyNotFound { .. } => "S112",
            TypeMismatch(_) => "S120",
            NullViolation { .. } => "S121",
            LimitExceeded(_) => "S122",
            OwnerMismatch(_) => "S123",
            NotEmpty(_) => "S124",
            Corrupt(_) => "S200",
            UnsupportedFormat(_) => "S201",
            Locked(_) => "S202",
            Io { .. } => "S300",
            DiskFull(_) => "S301",
            ReadOnly(_) => "S302",
            RocksDb(_) => "S303",
            Parquet(_) => "S304",
        }
    }

    /// True when retrying the same transaction may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StorageError::Conflict { .. })
    }

    /// Wraps an I/O error, recognising a full or read-only disk.
    pub fn io(path: &Path, source: std::io::Error) -> StorageError {
        match source.raw_os_error() {
            Some(libc::ENOSPC) | Some(libc::EDQUOT) => {
                StorageError::DiskFull(format!("{}: {source}", path.display()))
            }
            Some(libc::EROFS) | Some(libc::EACCES) | Some(libc::EPERM) => {
                StorageError::ReadOnly(format!("{}: {source}", path.display()))
            }
            _ => StorageError::Io {
                path: path.to_path_buf(),
                source,
            },
        }
    }

    pub(crate) fn corrupt(msg: impl Into<String>) -> StorageError {
        StorageError::Corrupt(msg.into())
    }

    pub(crate) fn invalid(msg: impl Into<String>) -> StorageError {
        StorageError::InvalidArgument(msg.into())
    }
}

impl From<rocksdb::Error> for StorageError {
    fn from(e: rocksdb::Error) -> Self {
        let text = e.to_string();
        let lower = text.to_ascii_lowercase();
        if lower.contains("no space left") {
            StorageError::DiskFull(text)
        } else if lower.contains("read-only file system")
            || lower.contains("permission denied")
            || lower.contains("read only")
        {
            StorageError::ReadOnly(text)
        } else if lower.contains("lock") && lower.contains("resource temporarily unavailable") {
            StorageError::RocksDb(format!("{text} (is another process using the directory?)"))
        } else {
            StorageError::RocksDb(text)
        }
    }
}

/// A Parquet error while reading or writing `path`, keeping a full or read-only disk
/// recognisable.
pub(crate) fn parquet_at(path: &Path, e: parquet::errors::ParquetError) -> StorageError {
    match e {
        parquet::errors::ParquetError::External(inner) => {
            match inner.downcast::<std::io::Error>() {
                Ok(io) => StorageError::io(path, *io),
                Err(other) => StorageError::Parquet(format!("{}: {other}", path.display())),
            }
        }
        other => StorageError::Parquet(format!("{}: {other}", path.display())),
    }
}

impl From<parquet::errors::ParquetError> for StorageError {
    fn from(e: parquet::errors::ParquetError) -> Self {
        match e {
            parquet::errors::ParquetError::External(inner) => {
                match inner.downcast::<std::io::Error>() {
                    Ok(io) => StorageError::io(Path::new("<parquet file>"), *io),
                    Err(other) => StorageError::Parquet(other.to_string()),
                }
            }
            other => StorageError::Parquet(other.to_string()),
        }
    }
}

impl From<arrow_schema::ArrowError> for StorageError {
    fn from(e: arrow_schema::ArrowError) -> Self {
        match e {
            arrow_schema::ArrowError::IoError(msg, io) => {
                StorageError::io(Path::new(&format!("<arrow: {msg}>")), io)
            }
            other => StorageError::Parquet(other.to_string()),
        }
    }
}
