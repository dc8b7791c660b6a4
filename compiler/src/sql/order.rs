//! `ORDER BY`, `LIMIT` and `OFFSET`. A sort key names an output column (by alias or
//! derived name, or by position, as PostgreSQL resolves a bare name or a number) or
//! is an expression over the input. PostgreSQL puts NULLs last when ascending and
//! first when descending; KQL puts them last unless told, so descending keys get
//! an explicit `nulls first`.

use super::build::{NO_SPAN, ident, stage};
use super::error::{R, SqlError, codes, fail};
use super::expr::Cx;
use super::names::fold;
use kql::ast::{Expr, ExprKind, Literal, Name, SortKey, Stage, StageKind};
use sqlparser::ast::{self as sql, Spanned};
use sqlparser::tokenizer::Span as SqlSpan;

/// An output column of a `SELECT`.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    /// Its name in the result (made unique).
    pub name: Name,
    /// Its name before it was made unique, when that differs (`ORDER BY name`
    /// matches [`Output::original`]).
    pub renamed_from: Option<Name>,
    /// The expression, translated over the input.
    pub kql: Expr,
}

impl Output {
    /// An output under its own name.
    pub fn new(name: Name, kql: Expr) -> Output {
        Output {
            name,
            renamed_from: None,
            kql,
        }
    }

    /// Its name before it was made unique: what `ORDER BY name` matches.
    pub fn original(&self) -> &str {
        self.renamed_from.as_deref().unwrap_or(&self.name)
    }

    /// The select-list projection: `name = expr`, or just `expr` when KQL names it
    /// the same way (a column, `count()`).
    pub fn into_projection(self) -> kql::ast::Projection {
        let named = !self.named_by_kql();
        kql::ast::Projection {
            name: named.then(|| ident(self.name)),
            expr: self.kql,
            span: NO_SPAN,
        }
    }

    /// Whether KQL's default name for the expression is this output's name.
    pub fn named_by_kql(&self) -> bool {
        kql_default_name(&self.kql).is_some_and(|n| n == self.name)
    }
}

/// The name the KQL binder gives an unnamed projection, where it does not depend on
/// its position.
pub(crate) fn kql_default_name(e: &Expr) -> Option<&str> {
    match &e.kind {
        ExprKind::Column(c) => Some(&c.name.name),
        ExprKind::Call { name, args } if args.is_empty() => Some(&name.name),
        _ => None,
    }
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum SortTarget<'q> {
    /// The output column at this index.
    Output(usize),
    /// An expression over the input rows.
    Input(&'q sql::Expr),
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct SortItem<'q> {
    pub target: SortTarget<'q>,
    pub descending: bool,
    /// As written: `None` when the query does not say.
    pub nulls_first: Option<bool>,
    pub span: SqlSpan,
}

impl SortItem<'_> {
    /// The KQL sort key for `e`, with PostgreSQL's placement of NULLs.
    pub fn key(&self, e: Expr) -> SortKey {
        let nulls_first = match self.nulls_first {
            Some(true) => Some(true),
            Some(false) => None,
            None if self.descending => Some(true),
            None => None,
        };
        SortKey {
            expr: e,
            descending: self.descending,
            nulls_first,
            span: NO_SPAN,
        }
    }
}

/// The keys of an `ORDER BY`, resolved against the outputs (`None` when the
/// outputs are not known, as for `SELECT *` over unknown tables).
pub(crate) fn resolve<'q>(
    order: Option<&'q sql::OrderBy>,
    outputs: Option<&[Output]>,
) -> R<Vec<SortItem<'q>>> {
    let Some(order) = order else {
        return Ok(Vec::new());
    };
    if order.interpolate.is_some() {
        return fail(codes::CLAUSE, order.span(), "INTERPOLATE is not PostgreSQL");
    }
    let exprs = match &order.kind {
        sql::OrderByKind::Expressions(e) => e,
        sql::OrderByKind::All(_) => {
            return fail(
                codes::CLAUSE,
                order.span(),
                "ORDER BY ALL is not PostgreSQL",
            );
        }
    };
    let mut out = Vec::with_capacity(exprs.len());
    for o in exprs {
        if o.with_fill.is_some() {
            return fail(codes::CLAUSE, o.span(), "WITH FILL is not PostgreSQL");
        }
        let descending = match &o.options.sort {
            None | Some(sql::OrderBySort::Asc) => false,
            Some(sql::OrderBySort::Desc) => true,
            Some(sql::OrderBySort::Using(op)) => {
                return fail(
                    codes::CLAUSE,
                    o.span(),
                    format!("ORDER BY … USING {op} has no KQL form"),
                );
            }
        };
        let target = target(&o.expr, outputs)?;
        out.push(SortItem {
            target,
            descending,
            nulls_first: o.options.nulls_first,
            span: o.expr.span(),
        });
    }
    Ok(out)
}

/// What one `ORDER BY` (or `GROUP BY`) item names: a position, an output name, or
/// an expression.
fn target<'q>(e: &'q sql::Expr, outputs: Option<&[Output]>) -> R<SortTarget<'q>> {
    if let Some(n) = position(e)? {
        let Some(outputs) = outputs else {
            return Err(SqlError::new(
                codes::NAME,
                e.span(),
                format!("position {n} needs the output columns, and the translator does not know what `*` stands for here"),
            )
            .hint("name the column instead, or list the columns in SELECT"));
        };
        if n < 1 || n as usize > outputs.len() {
            return fail(
                codes::NAME,
                e.span(),
                format!(
                    "position {n} is not in the select list (1 to {})",
                    outputs.len()
                ),
            );
        }
        return Ok(SortTarget::Output(n as usize - 1));
    }
    if let (sql::Expr::Identifier(id), Some(outputs)) = (e, outputs) {
        let name = fold(id)?;
        if let Some(i) = output_named(&name, outputs, e.span())? {
            return Ok(SortTarget::Output(i));
        }
    }
    Ok(SortTarget::Input(e))
}

/// The output called `name` (PostgreSQL: ambiguous when two different outputs
/// are).
pub(crate) fn output_named(name: &str, outputs: &[Output], span: SqlSpan) -> R<Option<usize>> {
    let mut found: Option<usize> = None;
    for (i, o) in outputs.iter().enumerate() {
        if o.original() != name {
            continue;
        }
        match found {
            None => found = Some(i),
            Some(j) if outputs[j].kql == o.kql => {}
            Some(_) => {
                return fail(
                    codes::NAME,
                    span,
                    format!("`{name}` is ambiguous: two output columns have that name"),
                );
            }
        }
    }
    Ok(found)
}

/// An integer literal position (`ORDER BY 2`).
pub(crate) fn position(e: &sql::Expr) -> R<Option<i64>> {
    if let sql::Expr::Value(v) = e
        && let sql::Value::Number(text, _) = &v.value
    {
        return match text.parse::<i64>() {
            Ok(n) => Ok(Some(n)),
            Err(_) => fail(
                codes::NAME,
                e.span(),
                format!("`{text}` is not a column position"),
            ),
        };
    }
    Ok(None)
}

/// `LIMIT` and `OFFSET` (or `FETCH FIRST n ROWS ONLY`) as `skip` and `take`.
pub(crate) struct Limit {
    pub skip: Option<Expr>,
    pub take: Option<Expr>,
}

impl Limit {
    pub fn of(q: &sql::Query) -> R<Limit> {
        let cx = Cx::empty().without_aggregates("LIMIT");
        let mut out = Limit {
            skip: None,
            take: None,
        };
        if let Some(l) = &q.limit_clause {
            match l {
                sql::LimitClause::LimitOffset {
                    limit,
                    offset,
                    limit_by,
                } => {
                    if !limit_by.is_empty() {
                        return fail(codes::CLAUSE, l.span(), "LIMIT BY is not PostgreSQL");
                    }
                    if let Some(l) = limit {
                        let e = cx.expr(l)?;
                        if !matches!(e.kind, ExprKind::Literal(Literal::Null)) {
                            out.take = Some(e);
                        }
                    }
                    if let Some(o) = offset {
                        let e = cx.expr(&o.value)?;
                        if !matches!(e.kind, ExprKind::Literal(Literal::Null)) {
                            out.skip = Some(e);
                        }
                    }
                }
                sql::LimitClause::OffsetCommaLimit { .. } => {
                    return fail(
                        codes::CLAUSE,
                        l.span(),
                        "LIMIT offset, count is not PostgreSQL",
                    );
                }
            }
        }
        if let Some(f) = &q.fetch {
            if f.with_ties || f.percent {
                return fail(
                    codes::CLAUSE,
                    q.span(),
                    "FETCH … WITH TIES or PERCENT has no KQL form",
                );
            }
            let n = match &f.quantity {
                Some(e) => cx.expr(e)?,
                None => super::build::lit(Literal::Int(1)),
            };
            out.take = Some(n);
        }
        Ok(out)
    }

    /// `skip` then `take`, as stages.
    pub fn stages(self) -> Vec<Stage> {
        let mut out = Vec::new();
        if let Some(s) = self.skip {
            out.push(stage(StageKind::Skip(s)));
        }
        if let Some(t) = self.take {
            out.push(stage(StageKind::Take(t)));
        }
        out
    }
}
