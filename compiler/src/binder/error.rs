//! Binder errors: a stable `B` code, the span of the source to blame, what was wrong,
//! and a hint (often a did-you-mean).

use kql::ast::Span;
use std::fmt;

macro_rules! bind_codes {
    ($( $(#[doc = $doc:literal])+ $name:ident = $code:literal, )*) => {
        /// What kind of mistake. Codes are stable.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum BindCode {
            $( $(#[doc = $doc])+ $name, )*
        }

        impl BindCode {
            pub const ALL: &'static [BindCode] = &[$(BindCode::$name),*];

            pub fn code(self) -> &'static str {
                match self { $( BindCode::$name => $code, )* }
            }

            pub fn meaning(self) -> &'static str {
                match self { $( BindCode::$name => concat!($($doc),+), )* }
            }
        }
    };
}

bind_codes! {
    /// A table (or `let` name) that does not exist.
    UnknownTable = "B001",
    /// A column that does not exist in the rows at that point of the pipeline.
    UnknownColumn = "B002",
    /// A namespace that does not exist.
    UnknownNamespace = "B003",
    /// A function that does not exist.
    UnknownFunction = "B004",
    /// A function called with the wrong number or types of arguments.
    BadArguments = "B005",
    /// Operand types that do not fit the operator or the place (`"a" + 1`, a `where`
    /// that is not `bool`, a value that does not fit its column).
    TypeMismatch = "B006",
    /// An aggregate outside `aggregate`, or nested in another aggregate, or a column
    /// in `aggregate` that is neither grouped nor aggregated.
    MisplacedAggregate = "B007",
    /// A name that more than one input column answers to.
    AmbiguousName = "B008",
    /// A parameter whose type cannot be inferred, or that is used with two types.
    ParameterType = "B009",
    /// A literal value out of range or not allowed here (negative `take`, bad option
    /// value).
    BadValue = "B010",
    /// A write that cannot be done: unknown or repeated column, missing value for a
    /// non-null column, key column updated, upsert without key, write to a system
    /// table, a sink after a pipeline that is not a plain scan.
    BadWrite = "B011",
    /// A construct KQL does not support in this place.
    Unsupported = "B012",
    /// The caller may not do this (known at compile time).
    PermissionDenied = "B013",
    /// A table or column definition that cannot be created: duplicate names, bad key,
    /// unknown option, table exists.
    BadDefinition = "B014",
    /// A `let` name defined twice or shadowing a table.
    DuplicateName = "B015",
    /// `union` of inputs whose columns do not line up.
    UnionMismatch = "B016",
    /// A statement past the compiler's documented limits (pipeline stages, plan size).
    TooComplex = "B017",
}

/// A statement does not bind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindError {
    pub code: BindCode,
    pub span: Span,
    pub message: String,
    pub hint: Option<String>,
}

impl BindError {
    pub fn new(code: BindCode, span: Span, message: impl Into<String>) -> BindError {
        BindError {
            code,
            span,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> BindError {
        self.hint = Some(hint.into());
        self
    }

    pub fn maybe_hint(mut self, hint: Option<String>) -> BindError {
        self.hint = hint;
        self
    }
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (at {}..{})",
            self.code.code(),
            self.message,
            self.span.start,
            self.span.end
        )?;
        if let Some(h) = &self.hint {
            write!(f, "; {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for BindError {}
