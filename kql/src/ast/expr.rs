//! Expressions, literals and types.

use super::{Ident, Span};

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Literal(Literal),
    /// `c` or `t.c`.
    Column(ColumnRef),
    /// `$name` or `$1`.
    Param(Param),
    Unary {
        op: UnaryOp,
        operand: Box<Expr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    /// `f(a, b)`; also aggregates (`count()`, `sum(x)`), resolved by the binder.
    Call {
        name: Ident,
        args: Vec<Expr>,
    },
    /// `x in [a, b]` / `x not in [a, b]`.
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
        negated: bool,
    },
    /// `x between lo and hi` / `x not between lo and hi`.
    Between {
        expr: Box<Expr>,
        low: Box<Expr>,
        high: Box<Expr>,
        negated: bool,
    },
    /// `x :: int64`.
    Cast {
        expr: Box<Expr>,
        ty: TypeName,
    },
    /// `[a, b, c]`.
    List(Vec<Expr>),
    /// `{a: 1, b: "x"}`.
    Record(Vec<RecordField>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ColumnRef {
    pub qualifier: Option<Ident>,
    pub name: Ident,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Param {
    Named(String),
    Positional(u32),
}

#[derive(Debug, Clone, PartialEq)]
pub struct RecordField {
    pub name: Ident,
    pub value: Expr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `not x` / `!x`.
    Not,
    /// `-x`.
    Neg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Or,
    And,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    /// `=~`: case-insensitive string equality.
    EqCi,
    /// `!~`: case-insensitive string inequality.
    NotEqCi,
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    /// A duration in microseconds (`30s`, `250ms`, `7d`).
    Duration(i64),
    /// Days since 1970-01-01 (`@2026-11-21`).
    Date(i32),
    /// Microseconds since 1970-01-01T00:00:00Z (`@2026-11-21T10:00:00Z`).
    Timestamp(i64),
}

/// A column or cast type as written: `int64`, `decimal(10, 2)`, `text`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeName {
    pub kind: TypeKind,
    pub span: Span,
}

/// The types of KQL. `int`, `float` and `string` are aliases the parser maps to
/// `Int64`, `Float64` and `Text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TypeKind {
    Bool,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Decimal { precision: u8, scale: u8 },
    Text,
    Bytes,
    Json,
    Timestamp,
    Date,
    Time,
    Uuid,
}
