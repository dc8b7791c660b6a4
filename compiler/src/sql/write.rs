//! `UPDATE … SET … WHERE …` and `DELETE FROM … WHERE …` become pipelines that
//! choose the rows with `where` and end in `| update …` or `| delete`;
//! `TRUNCATE t` deletes every row. Writes over joins (`UPDATE … FROM`, `DELETE …
//! USING`) have no KQL form: a KQL write's source is one table.

use super::build::{assignment, pipeline, qualified, sink, source, stage, statement};
use super::error::{R, SqlError, codes, fail};
use super::expr::{Cx, assigned};
use super::from::Relation;
use super::insert::returning;
use super::names::{fold, object_parts, table_name};
use super::schema::Schema;
use super::statement::Tx;
use kql::ast::{Pipeline, SinkKind, SourceKind, StageKind, Statement, StatementKind};
use sqlparser::ast::{self as sql, Spanned};
use std::borrow::Cow;

impl<'t> Tx<'t> {
    pub(crate) fn update(&mut self, u: &sql::Update) -> R<Statement> {
        if u.returning.is_some() {
            return Err(returning(u.span()));
        }
        if let Some(from) = &u.from {
            return Err(SqlError::new(
                codes::WRITE_FROM,
                from_span(from),
                "UPDATE … FROM has no KQL form: a KQL write reads one table",
            )
            .hint("compute the new values in a query and write them with INSERT … ON CONFLICT (key) DO UPDATE"));
        }
        if u.or.is_some() || !u.order_by.is_empty() || u.limit.is_some() || u.output.is_some() {
            return fail(
                codes::WRITE_FROM,
                u.span(),
                "this UPDATE form is not PostgreSQL",
            );
        }
        let (mut p, rel) = self.write_source(&u.table)?;
        let rels = [rel];
        if let Some(w) = &u.selection {
            let e = Cx::new(&[], &rels).without_aggregates("WHERE").expr(w)?;
            p.stages.push(stage(StageKind::Where(e)));
        }
        let cx = Cx::new(&[], &rels).without_aggregates("UPDATE … SET");
        let mut set = Vec::with_capacity(u.assignments.len());
        for a in &u.assignments {
            let targets: Vec<&sql::ObjectName> = match &a.target {
                sql::AssignmentTarget::ColumnName(n) => vec![n],
                sql::AssignmentTarget::Tuple(ns) => ns.iter().collect(),
            };
            let values: Vec<&sql::Expr> = match (&a.target, &a.value) {
                (sql::AssignmentTarget::Tuple(_), sql::Expr::Tuple(vs)) => vs.iter().collect(),
                (sql::AssignmentTarget::Tuple(_), other) => {
                    return fail(
                        codes::EXPRESSION,
                        other.span(),
                        "(a, b) = … needs a list of values: (a, b) = (1, 2)",
                    );
                }
                (_, v) => vec![v],
            };
            if targets.len() != values.len() {
                return fail(
                    codes::EXPRESSION,
                    a.value.span(),
                    format!("{} columns but {} values", targets.len(), values.len()),
                );
            }
            for (t, v) in targets.into_iter().zip(values) {
                let parts = object_parts(t)?;
                let col = match parts.as_slice() {
                    [c] => c.clone(),
                    _ => {
                        return fail(
                            codes::NAME,
                            t.span(),
                            format!("`{t}`: SET takes a column name"),
                        );
                    }
                };
                if matches!(v, sql::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
                {
                    return fail(
                        codes::EXPRESSION,
                        v.span(),
                        "SET … = DEFAULT has no KQL form: write the default value",
                    );
                }
                let ty = rels[0]
                    .types
                    .iter()
                    .find(|(n, _)| *n == col)
                    .map(|(_, t)| *t);
                let value = cx.expr(v)?;
                let source = cx.infer(&value);
                let value = assigned(value, ty, source, v.span())?;
                set.push(assignment(&col, value));
            }
        }
        p.sink = Some(sink(SinkKind::Update(set)));
        Ok(statement(StatementKind::Pipeline(p)))
    }

    pub(crate) fn delete(&mut self, d: &sql::Delete) -> R<Statement> {
        if d.returning.is_some() {
            return Err(returning(d.span()));
        }
        if let Some(using) = &d.using {
            let span = using.first().map(|t| t.relation.span()).unwrap_or(d.span());
            return Err(SqlError::new(
                codes::WRITE_FROM,
                span,
                "DELETE … USING has no KQL form: a KQL delete reads one table",
            )
            .hint("select the keys to delete in a query first, then DELETE … WHERE key IN (…)"));
        }
        if !d.tables.is_empty() || !d.order_by.is_empty() || d.limit.is_some() || d.output.is_some()
        {
            return fail(
                codes::WRITE_FROM,
                d.span(),
                "this DELETE form is not PostgreSQL",
            );
        }
        let tables = match &d.from {
            sql::FromTable::WithFromKeyword(t) | sql::FromTable::WithoutKeyword(t) => t,
        };
        let [table] = tables.as_slice() else {
            return fail(
                codes::WRITE_FROM,
                d.span(),
                "DELETE from several tables has no KQL form",
            );
        };
        let (mut p, rel) = self.write_source(table)?;
        if let Some(w) = &d.selection {
            let e = Cx::new(&[], &[rel]).without_aggregates("WHERE").expr(w)?;
            p.stages.push(stage(StageKind::Where(e)));
        }
        p.sink = Some(sink(SinkKind::Delete));
        Ok(statement(StatementKind::Pipeline(p)))
    }

    pub(crate) fn truncate(
        &mut self,
        t: &sql::Truncate,
        whole: &sql::Statement,
    ) -> R<Vec<Statement>> {
        if t.identity.is_some()
            || t.cascade.is_some()
            || t.partitions.is_some()
            || t.on_cluster.is_some()
        {
            return fail(
                codes::STATEMENT,
                whole.span(),
                "TRUNCATE options (RESTART IDENTITY, CASCADE) have no KQL form",
            );
        }
        if t.if_exists {
            return fail(
                codes::STATEMENT,
                whole.span(),
                "TRUNCATE IF EXISTS has no KQL form",
            );
        }
        let mut out = Vec::with_capacity(t.table_names.len());
        for target in &t.table_names {
            let (ns, n) = table_name(&target.name)?;
            let mut p = pipeline(source(
                SourceKind::Table(qualified(ns.as_deref(), &n)),
                None,
            ));
            p.sink = Some(sink(SinkKind::Delete));
            out.push(statement(StatementKind::Pipeline(p)));
        }
        Ok(out)
    }

    /// `from T [as x]` for a write: one table, no joins.
    fn write_source(&mut self, t: &sql::TableWithJoins) -> R<(Pipeline, Relation<'t>)> {
        if !t.joins.is_empty() {
            return fail(
                codes::WRITE_FROM,
                t.joins[0].relation.span(),
                "a write over a join has no KQL form",
            );
        }
        let sql::TableFactor::Table {
            name,
            alias,
            args: None,
            ..
        } = &t.relation
        else {
            return fail(
                codes::WRITE_FROM,
                t.relation.span(),
                "a write needs a table",
            );
        };
        let (ns, n) = table_name(name)?;
        let alias = match alias {
            Some(a) if !a.columns.is_empty() => {
                return fail(
                    codes::NAME,
                    t.relation.span(),
                    "column aliases on a written table",
                );
            }
            Some(a) => Some(fold(&a.name)?),
            None => None,
        };
        let schema: &'t Schema = self.schema;
        let known = schema.table(ns.as_deref(), &n);
        let rel = Relation {
            qualifier: Some(alias.clone().unwrap_or_else(|| n.clone())),
            columns: known.map(|t| Cow::Borrowed(t.columns.as_slice())),
            types: known.map_or(Cow::Borrowed(&[][..]), |t| {
                Cow::Borrowed(t.types.as_slice())
            }),
        };
        let p = pipeline(source(
            SourceKind::Table(qualified(ns.as_deref(), &n)),
            alias.as_deref(),
        ));
        Ok((p, rel))
    }
}

fn from_span(from: &sql::UpdateTableFromKind) -> sqlparser::tokenizer::Span {
    match from {
        sql::UpdateTableFromKind::BeforeSet(t) | sql::UpdateTableFromKind::AfterSet(t) => t
            .first()
            .map(|t| t.relation.span())
            .unwrap_or(sqlparser::tokenizer::Span::empty()),
    }
}
