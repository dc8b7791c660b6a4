//! Pipelines: a source, then stages separated by `|`, optionally ending in a sink
//! that writes the rows it receives.

use super::{Expr, Ident, QualifiedName, RecordField, Span};

/// `from T | stage | … [| sink]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub source: Source,
    pub stages: Vec<Stage>,
    pub sink: Option<Sink>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub kind: SourceKind,
    /// `as t`.
    pub alias: Option<Ident>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SourceKind {
    /// A table, a system table (`system.tables`) or a `let` name.
    Table(QualifiedName),
    /// `(from t | …)`.
    Pipeline(Box<Pipeline>),
    /// `[{a: 1}, {a: 2}]`: rows written inline.
    Rows(Vec<Vec<RecordField>>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stage {
    pub kind: StageKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StageKind {
    Where(Expr),
    Select(Vec<Projection>),
    Extend(Vec<Assignment>),
    /// `aggregate n = count(), s = sum(x) by k1, k2`.
    Aggregate {
        aggregates: Vec<Projection>,
        by: Vec<Projection>,
    },
    Sort(Vec<SortKey>),
    Take(Expr),
    Skip(Expr),
    /// `distinct` (all columns) or `distinct a, b`.
    Distinct(Vec<Projection>),
    Join {
        kind: JoinKind,
        right: Source,
        on: Expr,
    },
    Union(Source),
}

/// An output column: `expr` (named after the column it reads, or by the binder) or
/// `name = expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    pub name: Option<Ident>,
    pub expr: Expr,
    pub span: Span,
}

/// `name = expr`.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    pub expr: Expr,
    pub descending: bool,
    /// `None` when not written: nulls sort last.
    pub nulls_first: Option<bool>,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

/// The write that ends a pipeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Sink {
    pub kind: SinkKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum SinkKind {
    /// `| update a = 1, b = b + 1`.
    Update(Vec<Assignment>),
    /// `| delete`.
    Delete,
    /// `| insert into T`.
    Insert(QualifiedName),
    /// `| upsert into T`.
    Upsert(QualifiedName),
}
