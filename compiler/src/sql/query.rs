//! A whole query: `WITH` (each CTE a KQL `let`, emitted before the statement), the
//! body (a `SELECT`, `UNION [ALL]` of bodies, or `VALUES`), and the `ORDER BY` and
//! `LIMIT` that apply to it.

use super::build::{
    column, ident, pipeline, pipeline_source, projection, source, stage, statement,
};
use super::error::{R, SqlError, codes, fail};
use super::expr::Cx;
use super::names::fold;
use super::order::{Limit, Output, SortTarget, resolve};
use super::statement::{CteEntry, Tx};
use kql::ast::{Name, Pipeline, RecordField, SourceKind, StageKind, StatementKind, TypeKind};
use sqlparser::ast::{self as sql, Spanned};

/// A translated query: its pipeline and, when known, its output column names.
pub(crate) struct QueryOut {
    pub pipeline: Pipeline,
    pub columns: Option<Vec<Name>>,
    /// The KQL type of each output column where the translator knows it (empty
    /// when it knows none).
    pub types: Vec<Option<TypeKind>>,
}

impl Tx<'_> {
    pub(crate) fn query(&mut self, q: &sql::Query) -> R<QueryOut> {
        if !q.locks.is_empty() {
            return Err(SqlError::new(
                codes::CLAUSE,
                q.span(),
                "FOR UPDATE/FOR SHARE has no KQL equivalent",
            )
            .hint("KQL transactions are isolated: read and write in one begin … commit"));
        }
        if q.for_clause.is_some()
            || q.settings.is_some()
            || q.format_clause.is_some()
            || !q.pipe_operators.is_empty()
        {
            return fail(
                codes::CLAUSE,
                q.span(),
                "this query clause is not PostgreSQL",
            );
        }
        // Set for this query only, not for its CTEs.
        let outputs_unused = std::mem::take(&mut self.outputs_unused);
        let scope = self.ctes.len();
        if let Some(with) = &q.with {
            self.with(with)?;
        }
        self.outputs_unused = outputs_unused;
        let out = self.body_with_order(q);
        self.ctes.truncate(scope);
        out
    }

    fn body_with_order(&mut self, q: &sql::Query) -> R<QueryOut> {
        let outputs_unused = std::mem::take(&mut self.outputs_unused);
        let limit = Limit::of(q)?;
        match &*q.body {
            sql::SetExpr::Select(s) => self.select(s, q.order_by.as_ref(), limit, outputs_unused),
            body => {
                let mut out = self.body(body)?;
                self.order_outputs(&mut out, q.order_by.as_ref(), body)?;
                out.pipeline.stages.extend(limit.stages());
                Ok(out)
            }
        }
    }

    /// A query body without its own `ORDER BY`/`LIMIT`.
    fn body(&mut self, body: &sql::SetExpr) -> R<QueryOut> {
        match body {
            sql::SetExpr::Select(s) => self.select(
                s,
                None,
                Limit {
                    skip: None,
                    take: None,
                },
                false,
            ),
            sql::SetExpr::Query(q) => self.query(q),
            sql::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let distinct = match (op, set_quantifier) {
                    (sql::SetOperator::Union, sql::SetQuantifier::All) => false,
                    (
                        sql::SetOperator::Union,
                        sql::SetQuantifier::Distinct | sql::SetQuantifier::None,
                    ) => true,
                    (sql::SetOperator::Union, _) => {
                        return fail(
                            codes::SET_OPERATION,
                            body.span(),
                            "UNION BY NAME is not PostgreSQL",
                        );
                    }
                    (op, _) => {
                        return Err(SqlError::new(
                            codes::SET_OPERATION,
                            body.span(),
                            format!(
                                "{op} has no KQL equivalent: KQL combines queries only with union"
                            ),
                        )
                        .hint("rewrite it as a join on the compared columns"));
                    }
                };
                let mut l = self.body(left)?;
                let r = self.body(right)?;
                if let (Some(a), Some(b)) = (&l.columns, &r.columns)
                    && a.len() != b.len()
                {
                    return fail(
                        codes::SET_OPERATION,
                        body.span(),
                        format!(
                            "each UNION query must have the same number of columns ({} and {})",
                            a.len(),
                            b.len()
                        ),
                    );
                }
                l.pipeline
                    .stages
                    .push(stage(StageKind::Union(pipeline_source(r.pipeline, None))));
                if distinct {
                    l.pipeline
                        .stages
                        .push(stage(StageKind::Distinct(Vec::new())));
                }
                Ok(l)
            }
            sql::SetExpr::Values(v) => self.values(v, body),
            sql::SetExpr::Insert(_)
            | sql::SetExpr::Update(_)
            | sql::SetExpr::Delete(_)
            | sql::SetExpr::Merge(_) => fail(
                codes::CLAUSE,
                body.span(),
                "a data-modifying statement inside a query has no KQL form",
            ),
            sql::SetExpr::Table(_) => {
                fail(codes::CLAUSE, body.span(), "TABLE t: write SELECT * FROM t")
            }
        }
    }

    /// `VALUES (…), (…)`: inline rows with columns `column1`, `column2`, … as
    /// PostgreSQL names them.
    fn values(&mut self, v: &sql::Values, whole: &sql::SetExpr) -> R<QueryOut> {
        let cx = Cx::empty().without_aggregates("VALUES");
        let width = v.rows.first().map(|r| r.len()).unwrap_or(0);
        if width == 0 {
            return fail(
                codes::CLAUSE,
                whole.span(),
                "VALUES needs at least one column",
            );
        }
        let names: Vec<Name> = (1..=width).map(|i| format!("column{i}").into()).collect();
        let mut rows = Vec::with_capacity(v.rows.len());
        for row in &v.rows {
            if row.len() != width {
                return fail(
                    codes::CLAUSE,
                    whole.span(),
                    "VALUES lists must all be the same length",
                );
            }
            let mut fields = Vec::with_capacity(width);
            for (name, e) in names.iter().zip(row.iter()) {
                fields.push(RecordField {
                    name: ident(name),
                    value: cx.expr(e)?,
                });
            }
            rows.push(fields);
        }
        Ok(QueryOut {
            pipeline: pipeline(source(SourceKind::Rows(rows), None)),
            columns: Some(names),
            types: Vec::new(),
        })
    }

    /// `ORDER BY` of a `UNION` or `VALUES`: output columns only.
    fn order_outputs(
        &mut self,
        out: &mut QueryOut,
        order: Option<&sql::OrderBy>,
        body: &sql::SetExpr,
    ) -> R<()> {
        let outputs: Option<Vec<Output>> = out.columns.as_ref().map(|cols| {
            cols.iter()
                .map(|c| Output::new(c.clone(), column(None, c)))
                .collect()
        });
        let sorts = resolve(order, outputs.as_deref())?;
        let mut keys = Vec::with_capacity(sorts.len());
        for item in &sorts {
            let e = match item.target {
                SortTarget::Output(i) => column(None, &out.columns.as_ref().expect("resolved")[i]),
                SortTarget::Input(sql::Expr::Identifier(id)) => column(None, &fold(id)?),
                SortTarget::Input(_) => {
                    return Err(SqlError::new(
                        codes::ORDER_BY,
                        item.span,
                        "ORDER BY of a UNION or VALUES must name an output column or give its position",
                    )
                    .hint(format!("order the result in a subquery: SELECT * FROM ({body}) AS u ORDER BY …")));
                }
            };
            keys.push(item.key(e));
        }
        if !keys.is_empty() {
            out.pipeline.stages.push(stage(StageKind::Sort(keys)));
        }
        Ok(())
    }

    /// `WITH a AS (…), b AS (…)`: one `let` per CTE, named after it (with a
    /// suffix if an earlier statement of the script used the name).
    fn with(&mut self, with: &sql::With) -> R<()> {
        if with.recursive {
            return Err(SqlError::new(
                codes::RECURSIVE,
                with.span(),
                "WITH RECURSIVE has no KQL equivalent: a KQL `let` cannot refer to itself",
            )
            .hint("compute the recursion in the client, or store the closure in a table"));
        }
        let mut seen: Vec<Name> = Vec::new();
        for cte in &with.cte_tables {
            if cte.from.is_some() {
                return fail(codes::CLAUSE, cte.span(), "CTE … FROM is not PostgreSQL");
            }
            let name = fold(&cte.alias.name)?;
            if seen.contains(&name) {
                return fail(
                    codes::NAME,
                    cte.alias.name.span,
                    format!("WITH query name `{name}` is given more than once"),
                );
            }
            let QueryOut {
                mut pipeline,
                mut columns,
                types,
            } = self.query(&cte.query)?;
            if !cte.alias.columns.is_empty() {
                let Some(cols) = &columns else {
                    return Err(SqlError::new(
                        codes::NAME,
                        cte.span(),
                        "column names for a CTE need its output columns, which the translator does not know (`*`)",
                    )
                    .hint("list the columns in the CTE's SELECT"));
                };
                if cte.alias.columns.len() > cols.len() {
                    return fail(
                        codes::NAME,
                        cte.span(),
                        format!(
                            "WITH query `{name}` has {} columns available but {} columns specified",
                            cols.len(),
                            cte.alias.columns.len()
                        ),
                    );
                }
                let mut renamed = cols.clone();
                for (i, c) in cte.alias.columns.iter().enumerate() {
                    renamed[i] = fold(&c.name)?;
                }
                pipeline.stages.push(stage(StageKind::Select(
                    cols.iter()
                        .zip(&renamed)
                        .map(|(old, new)| {
                            projection((old != new).then_some(new.as_str()), column(None, old))
                        })
                        .collect(),
                )));
                columns = Some(renamed);
            }
            seen.push(name.clone());
            let let_name = self.let_name(&name);
            self.lets.push(statement(StatementKind::Let {
                name: ident(&let_name),
                pipeline,
            }));
            let types = columns
                .iter()
                .flatten()
                .zip(&types)
                .filter_map(|(c, t)| t.map(|t| (c.clone(), t)))
                .collect();
            self.ctes.push(CteEntry {
                sql_name: name,
                let_name,
                columns,
                types,
            });
        }
        Ok(())
    }
}
