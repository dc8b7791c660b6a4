//! The execution layer's error: a stable code and a message saying what was wrong and
//! where. The VM's own failures carry `X` codes ([`XCode`]); errors of the layers it
//! drives pass through with their codes: storage (`S`), plan decoding and verification
//! (`C`, `V`), compilation of query text (`K`, `B`, with the span to blame), and
//! cancellation (`P009`). Nothing a client sends makes the VM panic: every failure is
//! one of these.

use std::fmt;

macro_rules! exec_codes {
    ($( $(#[doc = $doc:literal])+ $name:ident = $code:literal, )*) => {
        /// Why the VM stopped a statement. Codes are stable; clients match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum XCode {
            $( $(#[doc = $doc])+ $name, )*
        }

        impl XCode {
            pub const ALL: &'static [XCode] = &[$(XCode::$name),*];

            pub fn code(self) -> &'static str {
                match self { $( XCode::$name => $code, )* }
            }

            /// The meaning in words (the doc comment), for `docs/bytecode.md`.
            pub fn meaning(self) -> &'static str {
                match self { $( XCode::$name => concat!($($doc),+), )* }
            }
        }
    };
}

exec_codes! {
    /// The VM met a state the verifier rules out. This is a bug in the VM or the
    /// verifier, never the client's fault; the statement is abandoned and nothing of it
    /// is applied.
    Internal = "X001",
    /// Integer, decimal or float overflow (or float underflow) in arithmetic, an
    /// aggregate or a cast.
    Overflow = "X002",
    /// Division or remainder by zero.
    DivisionByZero = "X003",
    /// A value that does not convert to the type of a cast.
    CastFailed = "X004",
    /// A function argument outside its domain: a bad regular expression, a negative
    /// `substring` bound, text that is not JSON.
    BadArgument = "X005",
    /// A null written to a column that does not allow nulls.
    NullViolation = "X006",
    /// A negative `take`, `skip` or top-k bound.
    BadLimit = "X007",
    /// A row key (`#key`) that does not decode as a key of the table written.
    BadRowKey = "X008",
    /// A parameter that is missing, unknown, or of a type its slot does not take.
    BadParameter = "X009",
    /// The statement holds more memory in registers and cursors than
    /// `limits.query_memory_mb` allows.
    MemoryLimit = "X010",
    /// The statement returns more rows than `limits.query_max_rows` allows.
    RowLimit = "X011",
    /// The statement ran longer than `limits.query_timeout_s` allows.
    TimeLimit = "X012",
    /// `execute as` names a user that does not exist, is disabled, or whose role the
    /// caller may not act for.
    ExecuteAs = "X013",
    /// A statement out of place for the session's transaction: `begin` inside a
    /// transaction, `commit` without one, DDL, admin or maintenance statements inside
    /// one.
    TransactionState = "X014",
    /// The session's transaction failed: a statement in it failed, so it applies
    /// nothing; statements until `rollback` (or `commit`, which rolls back) get this.
    TransactionAborted = "X015",
    /// Something this server cannot run here: a live query sent as `Execute` or
    /// `Query` instead of `Subscribe`, a column type that cannot be stored, a
    /// subscription whose table changed under it.
    Unsupported = "X016",
    /// A user, certificate or maintenance statement failed for a reason of its own: a
    /// user that exists, a certificate request that does not parse, a serial nobody
    /// issued.
    AdminFailed = "X017",
    /// A live query fell too far behind the changes of its table and was ended.
    SubscriptionLagged = "X018",
}

/// Byte offsets into query text, end exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

/// A failed statement: a stable code (any layer's), a message, and for query text the
/// span to blame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError {
    pub code: &'static str,
    pub message: String,
    pub span: Option<Span>,
}

/// Shorthand for the VM's results.
pub type Result<T, E = ExecError> = std::result::Result<T, E>;

impl ExecError {
    pub fn new(code: XCode, message: impl Into<String>) -> Self {
        ExecError {
            code: code.code(),
            message: message.into(),
            span: None,
        }
    }

    /// An error of another layer, with its code.
    pub fn with_code(code: &'static str, message: impl Into<String>) -> Self {
        ExecError {
            code,
            message: message.into(),
            span: None,
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(XCode::Internal, message)
    }

    /// The request was cancelled by the client (`P009`).
    pub fn cancelled() -> Self {
        Self::with_code(
            kalavar_protocol::codes::CANCELLED,
            "the request was cancelled",
        )
    }

    pub fn is(&self, code: XCode) -> bool {
        self.code == code.code()
    }

    /// Whether retrying the whole transaction may succeed (`S001`).
    pub fn is_retryable(&self) -> bool {
        self.code == "S001"
    }
}

impl fmt::Display for ExecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for ExecError {}

impl From<kalavar_storage::StorageError> for ExecError {
    fn from(e: kalavar_storage::StorageError) -> Self {
        let code = e.code();
        let text = e.to_string();
        // Storage messages start with their code; the code travels separately.
        let message = text
            .strip_prefix(code)
            .map(|m| m.trim_start().to_owned())
            .unwrap_or(text);
        ExecError::with_code(code, message)
    }
}

impl From<kql_compiler::bytecode::PlanError> for ExecError {
    fn from(e: kql_compiler::bytecode::PlanError) -> Self {
        let code = e.code();
        let text = e.to_string();
        let message = text
            .strip_prefix(code)
            .map(|m| m.trim_start_matches(':').trim_start().to_owned())
            .unwrap_or(text);
        ExecError::with_code(code, message)
    }
}

impl From<kql_compiler::bytecode::VerifyError> for ExecError {
    fn from(e: kql_compiler::bytecode::VerifyError) -> Self {
        kql_compiler::bytecode::PlanError::from(e).into()
    }
}

/// Arrow's "Overflow happened on: 9223372036854775807 + 1" as a user reads it.
fn overflow_message(m: &str) -> String {
    match m.split_once("Overflow happened on:") {
        Some((_, what)) => format!(
            "arithmetic overflow: {} is out of range for its type",
            what.trim()
        ),
        None => format!("arithmetic overflow: {}", m.trim()),
    }
}

/// The regex crate's multi-line parse error (the pattern, a caret line, `error: …`)
/// as one line: `invalid regular expression: unclosed group`.
///
/// Arrow wraps it (`Compute error: Regular expression did not compile: Syntax(…)`).
pub(crate) fn regex_message(m: &str) -> String {
    let reason = m
        .lines()
        .find_map(|l| l.trim().strip_prefix("error:"))
        .map(str::trim)
        .filter(|r| !r.is_empty());
    match reason {
        Some(r) => format!("invalid regular expression: {r}"),
        None if m.contains("size limit") => {
            "invalid regular expression: the compiled pattern is too large".to_owned()
        }
        None => format!(
            "invalid regular expression: {}",
            m.lines().next().unwrap_or(m).trim()
        ),
    }
}

impl From<arrow_schema::ArrowError> for ExecError {
    /// Arrow kernels fail on overflow, division by zero and failed conversions; other
    /// failures on verified plans are internal.
    fn from(e: arrow_schema::ArrowError) -> Self {
        use arrow_schema::ArrowError as A;
        match e {
            A::DivideByZero => ExecError::new(XCode::DivisionByZero, "division by zero"),
            A::ArithmeticOverflow(m) => ExecError::new(XCode::Overflow, overflow_message(&m)),
            A::CastError(m) | A::ParseError(m) => ExecError::new(XCode::CastFailed, m),
            A::ComputeError(m) if m.contains("egular expression") => {
                ExecError::new(XCode::BadArgument, regex_message(&m))
            }
            A::ComputeError(m) if m.contains("overflow") || m.contains("Overflow") => {
                ExecError::new(XCode::Overflow, overflow_message(&m))
            }
            A::InvalidArgumentError(m) if m.contains("precision") || m.contains("too large") => {
                ExecError::new(XCode::Overflow, m)
            }
            other => ExecError::internal(format!("arrow: {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_prefixed() {
        for (i, c) in XCode::ALL.iter().enumerate() {
            assert!(c.code().starts_with('X') && c.code().len() == 4);
            assert!(XCode::ALL[..i].iter().all(|o| o.code() != c.code()));
            assert!(!c.meaning().is_empty());
        }
    }

    #[test]
    fn docs_list_every_code_with_its_meaning() {
        let doc = include_str!("../../../docs/bytecode.md");
        for c in XCode::ALL {
            let meaning = c.meaning().split_whitespace().collect::<Vec<_>>().join(" ");
            let row = format!("| `{}` | {} |", c.code(), meaning);
            assert!(
                doc.contains(&row),
                "docs/bytecode.md (Execution error codes) lacks or differs on: {row}"
            );
        }
    }

    #[test]
    fn storage_codes_travel_without_the_prefix_in_the_message() {
        let e: ExecError = kalavar_storage::StorageError::Conflict {
            detail: "a row".into(),
        }
        .into();
        assert_eq!(e.code, "S001");
        assert!(e.is_retryable());
        assert!(
            e.message.starts_with("transaction conflict"),
            "{}",
            e.message
        );
    }
}
