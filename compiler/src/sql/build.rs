//! Small constructors for KQL syntax trees. Translated trees carry empty spans: the
//! KQL is printed and parsed again before it is bound, so positions in the tree
//! would point nowhere useful; errors point into the SQL instead.

use kql::ast::*;

pub(crate) const NO_SPAN: Span = Span::new(0, 0);

pub(crate) fn ident(name: impl Into<Name>) -> Ident {
    Ident {
        name: name.into(),
        span: NO_SPAN,
    }
}

pub(crate) fn expr(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: NO_SPAN,
    }
}

pub(crate) fn lit(l: Literal) -> Expr {
    expr(ExprKind::Literal(l))
}

pub(crate) fn string(s: impl Into<String>) -> Expr {
    lit(Literal::String(s.into()))
}

pub(crate) fn boolean(b: bool) -> Expr {
    lit(Literal::Bool(b))
}

pub(crate) fn column(qualifier: Option<&str>, name: &str) -> Expr {
    expr(ExprKind::Column(ColumnRef {
        qualifier: qualifier.map(ident),
        name: ident(name),
        span: NO_SPAN,
    }))
}

/// [`column`] from names already owned (folded identifiers), without copying them.
pub(crate) fn column_owned(qualifier: Option<Name>, name: Name) -> Expr {
    expr(ExprKind::Column(ColumnRef {
        qualifier: qualifier.map(ident),
        name: ident(name),
        span: NO_SPAN,
    }))
}

pub(crate) fn call(name: &str, args: Vec<Expr>) -> Expr {
    expr(ExprKind::Call {
        name: ident(name),
        args,
    })
}

pub(crate) fn binary(op: BinaryOp, lhs: Expr, rhs: Expr) -> Expr {
    expr(ExprKind::Binary {
        op,
        lhs: Box::new(lhs),
        rhs: Box::new(rhs),
    })
}

pub(crate) fn not(e: Expr) -> Expr {
    expr(ExprKind::Unary {
        op: UnaryOp::Not,
        operand: Box::new(e),
    })
}

pub(crate) fn cast(e: Expr, kind: TypeKind) -> Expr {
    expr(ExprKind::Cast {
        expr: Box::new(e),
        ty: TypeName {
            kind,
            span: NO_SPAN,
        },
    })
}

/// `a and b and …` (`None` for no parts).
pub(crate) fn and_all(parts: Vec<Expr>) -> Option<Expr> {
    parts.into_iter().reduce(|a, b| binary(BinaryOp::And, a, b))
}

pub(crate) fn stage(kind: StageKind) -> Stage {
    Stage {
        kind,
        span: NO_SPAN,
    }
}

pub(crate) fn projection(name: Option<&str>, e: Expr) -> Projection {
    Projection {
        name: name.map(ident),
        expr: e,
        span: NO_SPAN,
    }
}

pub(crate) fn assignment(name: &str, value: Expr) -> Assignment {
    Assignment {
        name: ident(name),
        value,
        span: NO_SPAN,
    }
}

pub(crate) fn qualified(namespace: Option<&str>, name: &str) -> QualifiedName {
    QualifiedName {
        namespace: namespace.map(ident),
        name: ident(name),
        span: NO_SPAN,
    }
}

pub(crate) fn source(kind: SourceKind, alias: Option<&str>) -> Source {
    Source {
        kind,
        alias: alias.map(ident),
        span: NO_SPAN,
    }
}

pub(crate) fn pipeline(source: Source) -> Pipeline {
    Pipeline {
        source,
        stages: Vec::new(),
        sink: None,
        span: NO_SPAN,
    }
}

pub(crate) fn sink(kind: SinkKind) -> Sink {
    Sink {
        kind,
        span: NO_SPAN,
    }
}

pub(crate) fn statement(kind: StatementKind) -> Statement {
    Statement {
        kind,
        span: NO_SPAN,
    }
}

/// A pipeline as a source: its own source when it has no stages, else bracketed.
pub(crate) fn pipeline_source(p: Pipeline, alias: Option<&str>) -> Source {
    if p.stages.is_empty() && p.sink.is_none() && p.source.alias.is_none() {
        return source(p.source.kind, alias);
    }
    source(SourceKind::Pipeline(Box::new(p)), alias)
}
