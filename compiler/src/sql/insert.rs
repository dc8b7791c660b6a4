//! `INSERT`: `VALUES` rows become `insert into T (cols) values (…)` (or records
//! when a row uses `DEFAULT`, leaving that column to its default); a query becomes
//! a pipeline ending in `| insert into T`, its columns renamed to the target's by
//! position. `ON CONFLICT (key) DO UPDATE SET c = EXCLUDED.c, …` becomes `upsert`
//! exactly when that is its meaning: the conflict target is the table's primary
//! key, the insert lists every column, and every non-key column is set to the
//! excluded value. Anything else would keep some old values that an upsert
//! replaces, so it is refused.

use super::build::{column, ident, projection, qualified, sink, stage, statement};
use super::error::{R, SqlError, codes, fail};
use super::expr::{Cx, assigned};
use super::names::{fold, single, table_name};
use super::query::QueryOut;
use super::statement::Tx;
use kql::ast::{
    Expr, InsertRows, InsertValues, Name, QualifiedName, RecordField, SinkKind, StageKind,
    Statement, StatementKind,
};
use sqlparser::ast::{self as sql, Spanned};

impl Tx<'_> {
    pub(crate) fn insert(&mut self, i: &sql::Insert) -> R<Statement> {
        let name = match &i.table {
            sql::TableObject::TableName(n) => n,
            _ => {
                return fail(
                    codes::INSERT,
                    i.table.span(),
                    "INSERT INTO a table function has no KQL form",
                );
            }
        };
        if i.returning.is_some() {
            return Err(returning(i.span()));
        }
        if i.or.is_some()
            || i.ignore
            || i.overwrite
            || !i.assignments.is_empty()
            || i.partitioned.is_some()
            || !i.after_columns.is_empty()
            || i.replace_into
            || i.priority.is_some()
            || i.insert_alias.is_some()
            || i.settings.is_some()
            || i.format_clause.is_some()
            || i.output.is_some()
            || i.multi_table_insert_type.is_some()
        {
            return fail(
                codes::INSERT,
                i.span(),
                "this INSERT form is not PostgreSQL",
            );
        }
        let (ns, table) = table_name(name)?;
        let target = qualified(ns.as_deref(), &table);
        let known = self.schema.table(ns.as_deref(), &table).cloned();
        let columns: Vec<Name> = if i.columns.is_empty() {
            match &known {
                Some(t) => t.columns.clone(),
                None => {
                    return Err(SqlError::new(
                        codes::INSERT,
                        name.span(),
                        format!("INSERT without a column list needs the columns of `{table}`, which the translator does not know"),
                    )
                    .hint("list the columns: INSERT INTO t (a, b) VALUES …"));
                }
            }
        } else {
            i.columns
                .iter()
                .map(|c| single(c, "an insert column"))
                .collect::<R<_>>()?
        };
        for (k, c) in columns.iter().enumerate() {
            if columns[..k].contains(c) {
                return fail(
                    codes::INSERT,
                    i.span(),
                    format!("column `{c}` is given more than once"),
                );
            }
        }
        let upsert = match &i.on {
            None => false,
            Some(on) => {
                self.check_upsert(on, &table, known.as_ref(), &columns, i)?;
                true
            }
        };
        let Some(src) = &i.source else {
            // DEFAULT VALUES: every column takes its default.
            let rows = InsertRows::Records(vec![Vec::new()]);
            return Ok(write_values(target, rows, upsert));
        };
        if let sql::SetExpr::Values(v) = &*src.body
            && src.with.is_none()
            && src.order_by.is_none()
            && src.limit_clause.is_none()
            && src.fetch.is_none()
        {
            let types: Vec<Option<kql::ast::TypeKind>> = columns
                .iter()
                .map(|c| known.as_ref().and_then(|t| t.column_type(c)))
                .collect();
            return self.insert_values(target, &columns, &types, v, upsert, src);
        }
        let QueryOut {
            mut pipeline,
            columns: out,
            types: out_types,
        } = self.query(src)?;
        let Some(out) = out else {
            return Err(SqlError::new(
                codes::INSERT,
                src.span(),
                "INSERT … SELECT * needs the query's columns to match them to the table's by position, and the translator does not know them",
            )
            .hint("list the columns in the SELECT"));
        };
        if out.len() != columns.len() {
            return fail(
                codes::INSERT,
                src.span(),
                format!(
                    "INSERT has {} target columns but the query gives {}",
                    columns.len(),
                    out.len()
                ),
            );
        }
        let types: Vec<Option<kql::ast::TypeKind>> = columns
            .iter()
            .map(|c| known.as_ref().and_then(|t| t.column_type(c)))
            .collect();
        let last_is_select = matches!(
            pipeline.stages.last(),
            Some(s) if matches!(&s.kind, StageKind::Select(p) if p.len() == columns.len())
        );
        let last_is_distinct = matches!(
            pipeline.stages.last(),
            Some(s) if matches!(&s.kind, StageKind::Distinct(p) if p.len() == columns.len())
        );
        let casts = (0..columns.len()).any(|i| {
            let source = out_types.get(i).copied().flatten();
            types[i].is_some_and(|t| super::expr::is_number(t) && source != Some(t))
        });
        if last_is_select || (last_is_distinct && !casts) {
            // Name (and convert) the query's own projection for the target columns.
            if let Some(StageKind::Select(projs) | StageKind::Distinct(projs)) =
                pipeline.stages.last_mut().map(|s| &mut s.kind)
            {
                for (i, (p, target)) in projs.iter_mut().zip(&columns).enumerate() {
                    let from = out_types.get(i).copied().flatten();
                    p.expr = assigned(p.expr.clone(), types[i], from, src.span())?;
                    let same = super::order::kql_default_name(&p.expr) == Some(target.as_str());
                    p.name = (!same).then(|| ident(target));
                }
            }
        } else if out != columns || casts {
            let mut projs = Vec::with_capacity(columns.len());
            for (i, (target, from)) in columns.iter().zip(&out).enumerate() {
                let source = out_types.get(i).copied().flatten();
                let e = assigned(column(None, from), types[i], source, src.span())?;
                let same = super::order::kql_default_name(&e) == Some(target.as_str());
                projs.push(projection((!same).then_some(target.as_str()), e));
            }
            pipeline.stages.push(stage(StageKind::Select(projs)));
        }
        pipeline.sink = Some(sink(if upsert {
            SinkKind::Upsert(target)
        } else {
            SinkKind::Insert(target)
        }));
        Ok(statement(StatementKind::Pipeline(pipeline)))
    }

    fn insert_values(
        &mut self,
        target: QualifiedName,
        columns: &[Name],
        types: &[Option<kql::ast::TypeKind>],
        v: &sql::Values,
        upsert: bool,
        src: &sql::Query,
    ) -> R<Statement> {
        let cx = Cx::empty().without_aggregates("VALUES");
        let mut rows: Vec<Vec<Option<Expr>>> = Vec::with_capacity(v.rows.len());
        for row in &v.rows {
            if row.len() != columns.len() {
                return fail(
                    codes::INSERT,
                    row.first().map(|e| e.span()).unwrap_or(src.span()),
                    format!(
                        "a row of {} values for {} columns",
                        row.len(),
                        columns.len()
                    ),
                );
            }
            let mut cells = Vec::with_capacity(row.len());
            for (e, ty) in row.iter().zip(types) {
                cells.push(if is_default(e) {
                    None
                } else {
                    Some(assigned(cx.expr(e)?, *ty, None, e.span())?)
                });
            }
            rows.push(cells);
        }
        let any_default = rows.iter().flatten().any(Option::is_none);
        let rows = if any_default {
            InsertRows::Records(
                rows.into_iter()
                    .map(|cells| {
                        columns
                            .iter()
                            .zip(cells)
                            .filter_map(|(c, v)| {
                                v.map(|value| RecordField {
                                    name: ident(c),
                                    value,
                                })
                            })
                            .collect()
                    })
                    .collect(),
            )
        } else {
            InsertRows::Values {
                columns: columns.iter().map(ident).collect(),
                rows: rows
                    .into_iter()
                    .map(|cells| cells.into_iter().map(|c| c.expect("no defaults")).collect())
                    .collect(),
            }
        };
        Ok(write_values(target, rows, upsert))
    }

    fn check_upsert(
        &self,
        on: &sql::OnInsert,
        table: &str,
        known: Option<&super::schema::TableSchema>,
        columns: &[Name],
        i: &sql::Insert,
    ) -> R<()> {
        let refuse = |span, why: String| -> R<()> {
            Err(SqlError::new(
                codes::ON_CONFLICT,
                span,
                format!("this ON CONFLICT is not an upsert: {why}"),
            ))
        };
        let sql::OnInsert::OnConflict(c) = on else {
            return refuse(i.span(), "ON DUPLICATE KEY is MySQL".into());
        };
        let update = match &c.action {
            sql::OnConflictAction::DoNothing => {
                return Err(SqlError::new(
                    codes::ON_CONFLICT,
                    i.span(),
                    "ON CONFLICT DO NOTHING has no KQL form: KQL has no insert that skips existing keys",
                )
                .hint("filter the new rows against the table before inserting"));
            }
            sql::OnConflictAction::DoUpdate(u) => u,
        };
        let target: Vec<Name> = match &c.conflict_target {
            Some(sql::ConflictTarget::Columns(cols)) => cols.iter().map(fold).collect::<R<_>>()?,
            Some(sql::ConflictTarget::OnConstraint(n)) => {
                return refuse(
                    n.span(),
                    "ON CONSTRAINT names a constraint; name the key columns instead".into(),
                );
            }
            None => return refuse(i.span(), "DO UPDATE needs the conflict columns".into()),
        };
        if let Some(w) = &update.selection {
            return refuse(
                w.span(),
                "a WHERE on DO UPDATE keeps some rows unchanged, and an upsert replaces them all"
                    .into(),
            );
        }
        let Some(t) = known else {
            return Err(SqlError::new(
                codes::ON_CONFLICT,
                i.span(),
                format!("cannot tell whether this ON CONFLICT is an upsert: the translator does not know the key and columns of `{table}`"),
            )
            .hint("create the table in the same script, or give the translator the schema"));
        };
        let mut sorted_target = target.clone();
        sorted_target.sort();
        let mut key = t.key.clone();
        key.sort();
        if key.is_empty() || sorted_target != key {
            return refuse(
                i.span(),
                format!(
                    "the conflict columns ({}) are not the primary key of `{table}` ({})",
                    target.join(", "),
                    t.key.join(", ")
                ),
            );
        }
        if let Some(missing) = t.columns.iter().find(|c| !columns.contains(c)) {
            return refuse(
                i.span(),
                format!(
                    "column `{missing}` is not inserted, so PostgreSQL keeps its old value where an upsert resets it"
                ),
            );
        }
        let mut set: Vec<Name> = Vec::new();
        for a in &update.assignments {
            let col = match &a.target {
                sql::AssignmentTarget::ColumnName(n) => {
                    let parts = super::names::object_parts(n)?;
                    parts.last().cloned().unwrap_or_default()
                }
                sql::AssignmentTarget::Tuple(_) => {
                    return refuse(a.value.span(), "a tuple assignment".into());
                }
            };
            let excluded = match &a.value {
                sql::Expr::CompoundIdentifier(parts) if parts.len() == 2 => {
                    fold(&parts[0])? == "excluded" && fold(&parts[1])? == col
                }
                _ => false,
            };
            if !excluded {
                return refuse(
                    a.value.span(),
                    format!("`{col}` is set to `{}`, not to EXCLUDED.{col}", a.value),
                );
            }
            set.push(col);
        }
        for c in columns {
            if !t.key.contains(c) && !set.contains(c) {
                return refuse(
                    i.span(),
                    format!(
                        "column `{c}` is inserted but not updated, so PostgreSQL keeps its old value where an upsert replaces it"
                    ),
                );
            }
        }
        Ok(())
    }
}

fn write_values(table: QualifiedName, rows: InsertRows, upsert: bool) -> Statement {
    let v = InsertValues {
        table,
        rows,
        span: super::build::NO_SPAN,
    };
    statement(if upsert {
        StatementKind::Upsert(v)
    } else {
        StatementKind::Insert(v)
    })
}

/// `DEFAULT` in a `VALUES` row (sqlparser reads it as a name).
fn is_default(e: &sql::Expr) -> bool {
    matches!(e, sql::Expr::Identifier(id) if id.quote_style.is_none() && id.value.eq_ignore_ascii_case("default"))
}

pub(crate) fn returning(span: sqlparser::tokenizer::Span) -> SqlError {
    SqlError::new(
        codes::RETURNING,
        span,
        "RETURNING has no KQL form: KQL writes report a count, not rows",
    )
    .hint("read the rows back with a query in the same transaction")
}
