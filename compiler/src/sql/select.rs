//! One `SELECT`: `FROM` and joins, `WHERE`, the select list, `DISTINCT`, `ORDER BY`
//! and `LIMIT`. Aggregating selects continue in `group`. The stages come in this
//! order:
//!
//! ```text
//! from … | join …            FROM
//! | where …                  WHERE
//! | sort … | skip | take     ORDER BY on the input, when a key is not an output
//! | select …  /  distinct …  the select list
//! | sort … | skip | take     ORDER BY on the outputs
//! ```
//!
//! KQL's `select` keeps the order of its rows, so sorting before it is the same as
//! sorting after it.

use super::build::{and_all, column, pipeline, projection, source, stage};
use super::error::{R, SqlError, codes, fail};
use super::expr::Cx;
use super::from::{From, Relation};
use super::function::has_aggregate;
use super::names::{dedupe, derived_name, fold};
use super::order::{Limit, Output, SortTarget, resolve};
use super::query::QueryOut;
use super::statement::Tx;
use kql::ast::{Expr, Name, RecordField, SourceKind, StageKind};
use sqlparser::ast::{self as sql, Spanned};

/// The select list after `*` is expanded (when it can be).
pub(crate) struct SelectList {
    /// The output columns, when known.
    pub outputs: Option<Vec<Output>>,
    /// A lone `*`: no projection is needed.
    pub star: bool,
}

impl<'t> Tx<'t> {
    pub(crate) fn select<'q>(
        &mut self,
        s: &'q sql::Select,
        order: Option<&'q sql::OrderBy>,
        limit: Limit,
        outputs_unused: bool,
    ) -> R<QueryOut> {
        check_clauses(s)?;
        if s.from.is_empty() && simple_values(s) {
            let empty = From {
                pipeline: pipeline(source(SourceKind::Rows(Vec::new()), None)),
                relations: Vec::new(),
                using: Vec::new(),
                filter: Vec::new(),
            };
            let list = select_list(&s.projection, &empty)?;
            let outputs = list.outputs.unwrap_or_default();
            if !outputs.iter().any(|o| has_aggregate(&o.kql)) {
                return self.select_values(s, outputs, order, limit);
            }
        }
        let mut from = if s.from.is_empty() {
            // A one-row source with a helper column the select list never reads.
            let one = self.fresh.fresh("one");
            let row = vec![RecordField {
                name: super::build::ident(&one),
                value: super::build::lit(kql::ast::Literal::Int(1)),
            }];
            From {
                pipeline: pipeline(source(SourceKind::Rows(vec![row]), None)),
                relations: vec![Relation {
                    qualifier: None,
                    columns: Some(std::borrow::Cow::Borrowed(&[])),
                    types: std::borrow::Cow::Borrowed(&[]),
                }],
                using: Vec::new(),
                filter: s.selection.iter().collect(),
            }
        } else {
            self.translate_from(&s.from, s.selection.as_ref())?
        };
        // Later clauses read only the relations of `from`: its pipeline moves out.
        let empty = pipeline(source(SourceKind::Rows(Vec::new()), None));
        let mut p = std::mem::replace(&mut from.pipeline, empty);
        if !from.filter.is_empty() {
            let cx = Cx::over(&from).without_aggregates("WHERE");
            let parts = from
                .filter
                .iter()
                .map(|e| cx.expr(e))
                .collect::<R<Vec<_>>>()?;
            p.stages
                .push(stage(StageKind::Where(and_all(parts).expect("not empty"))));
        }
        // A statement's own `SELECT * FROM …` without ORDER BY, grouping or USING:
        // the rows as they are, and nothing reads the outputs' names or types, so
        // they are not built (the path below gives the same pipeline).
        if outputs_unused
            && order.is_none()
            && !s.from.is_empty()
            && from.using.is_empty()
            && s.having.is_none()
            && matches!(&s.group_by, sql::GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty())
            && let [item @ sql::SelectItem::Wildcard(opts)] = s.projection.as_slice()
        {
            check_wildcard(opts, item)?;
            if matches!(s.distinct, Some(sql::Distinct::Distinct)) {
                p.stages.push(stage(StageKind::Distinct(Vec::new())));
            }
            p.stages.extend(limit.stages());
            return Ok(QueryOut {
                pipeline: p,
                columns: None,
                types: Vec::new(),
            });
        }
        let list = select_list(&s.projection, &from)?;
        let sorts = resolve(order, list.outputs.as_deref())?;
        let cx = Cx::over(&from);
        let mut sort_exprs = Vec::with_capacity(sorts.len());
        for item in &sorts {
            sort_exprs.push(match item.target {
                SortTarget::Input(e) => Some(cx.expr(e)?),
                SortTarget::Output(_) => None,
            });
        }
        let grouped = !matches!(&s.group_by, sql::GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty())
            || s.having.is_some()
            || list.outputs.iter().flatten().any(|o| has_aggregate(&o.kql))
            || sort_exprs.iter().flatten().any(has_aggregate);
        let distinct = match &s.distinct {
            None | Some(sql::Distinct::All) => false,
            Some(sql::Distinct::Distinct) => true,
            Some(sql::Distinct::On(_)) => unreachable!("refused by check_clauses"),
        };
        if grouped {
            return self.grouped(s, p, &from, list, sorts, sort_exprs, distinct, limit);
        }
        // The output types, for an enclosing query (a statement's own query
        // has none).
        let types: Vec<Option<kql::ast::TypeKind>> = if outputs_unused {
            Vec::new()
        } else {
            list.outputs
                .iter()
                .flatten()
                .map(|o| cx.infer(&o.kql))
                .collect()
        };
        // A lone `*` projects nothing: its outputs give their names and are done.
        let (columns, outputs) = match list.outputs {
            Some(outputs) if list.star => {
                (Some(outputs.into_iter().map(|o| o.name).collect()), None)
            }
            Some(outputs) if outputs_unused => (None, Some(outputs)),
            Some(outputs) => (
                Some(outputs.iter().map(|o| o.name.clone()).collect()),
                Some(outputs),
            ),
            None => (None, None),
        };
        let Some(outputs) = outputs else {
            // `SELECT *` (or `t.*`) of a single relation: the rows as they are.
            let keys = sorts
                .iter()
                .zip(&sort_exprs)
                .map(|(item, e)| match (item.target, e) {
                    (_, Some(e)) => item.key(e.clone()),
                    (SortTarget::Output(i), None) => {
                        let star = from.star().expect("outputs known");
                        let (q, c) = star.clone().nth(i).expect("output in range");
                        let repeated = star.filter(|(_, n)| *n == c).count() > 1;
                        item.key(column(q.filter(|_| repeated), c))
                    }
                    (SortTarget::Input(_), None) => unreachable!("inputs are translated"),
                })
                .collect::<Vec<_>>();
            if distinct {
                p.stages.push(stage(StageKind::Distinct(Vec::new())));
            }
            if !keys.is_empty() {
                p.stages.push(stage(StageKind::Sort(keys)));
            }
            p.stages.extend(limit.stages());
            return Ok(QueryOut {
                pipeline: p,
                columns,
                types,
            });
        };
        // Each key as an output name, when it is one.
        let as_output: Vec<Option<usize>> = sorts
            .iter()
            .zip(&sort_exprs)
            .map(|(item, e)| match (item.target, e) {
                (SortTarget::Output(i), _) => Some(i),
                (_, Some(e)) => outputs.iter().position(|o| o.kql == *e),
                _ => None,
            })
            .collect();
        let after = as_output.iter().all(Option::is_some);
        if distinct && !after {
            let bad = sorts
                .iter()
                .zip(&as_output)
                .find(|(_, o)| o.is_none())
                .map(|(s, _)| s.span)
                .unwrap_or(s.span());
            return Err(SqlError::new(
                codes::ORDER_BY,
                bad,
                "for SELECT DISTINCT, ORDER BY expressions must appear in the select list (PostgreSQL requires this too)",
            ));
        }
        if after {
            let keys: Vec<_> = sorts
                .iter()
                .zip(&as_output)
                .map(|(item, o)| item.key(column(None, &outputs[o.expect("all outputs")].name)))
                .collect();
            let projections = outputs.into_iter().map(Output::into_projection).collect();
            p.stages.push(stage(if distinct {
                StageKind::Distinct(projections)
            } else {
                StageKind::Select(projections)
            }));
            if !keys.is_empty() {
                p.stages.push(stage(StageKind::Sort(keys)));
            }
            p.stages.extend(limit.stages());
        } else {
            let keys: Vec<_> = sorts
                .iter()
                .zip(sort_exprs)
                .map(|(item, e)| match (item.target, e) {
                    (SortTarget::Output(i), _) => item.key(outputs[i].kql.clone()),
                    (_, Some(e)) => item.key(e),
                    (SortTarget::Input(_), None) => unreachable!("inputs are translated"),
                })
                .collect();
            let projections = outputs.into_iter().map(Output::into_projection).collect();
            p.stages.push(stage(StageKind::Sort(keys)));
            p.stages.extend(limit.stages());
            p.stages.push(stage(StageKind::Select(projections)));
        }
        Ok(QueryOut {
            pipeline: p,
            columns,
            types,
        })
    }

    /// `SELECT 1 AS a, 'x' AS b`: one inline row.
    fn select_values<'q>(
        &mut self,
        s: &'q sql::Select,
        outputs: Vec<Output>,
        order: Option<&'q sql::OrderBy>,
        limit: Limit,
    ) -> R<QueryOut> {
        let row: Vec<RecordField> = outputs
            .iter()
            .map(|o| RecordField {
                name: super::build::ident(&o.name),
                value: o.kql.clone(),
            })
            .collect();
        let mut p = pipeline(source(SourceKind::Rows(vec![row]), None));
        let sorts = resolve(order, Some(&outputs))?;
        let mut keys = Vec::new();
        for item in &sorts {
            match item.target {
                SortTarget::Output(i) => keys.push(item.key(column(None, &outputs[i].name))),
                // A constant row sorts the same by anything; only names are checked.
                SortTarget::Input(e) => {
                    let k = Cx::empty().expr(e)?;
                    keys.push(item.key(k));
                }
            }
        }
        if matches!(s.distinct, Some(sql::Distinct::Distinct)) {
            p.stages.push(stage(StageKind::Distinct(Vec::new())));
        }
        if !keys.is_empty() {
            p.stages.push(stage(StageKind::Sort(keys)));
        }
        p.stages.extend(limit.stages());
        Ok(QueryOut {
            pipeline: p,
            columns: Some(outputs.into_iter().map(|o| o.name).collect()),
            types: Vec::new(),
        })
    }
}

/// A `SELECT` without `FROM` that is just a row of values.
fn simple_values(s: &sql::Select) -> bool {
    s.selection.is_none()
        && s.having.is_none()
        && matches!(&s.group_by, sql::GroupByExpr::Expressions(e, m) if e.is_empty() && m.is_empty())
        && !s.projection.is_empty()
        && s.projection.iter().all(|i| {
            matches!(
                i,
                sql::SelectItem::UnnamedExpr(_) | sql::SelectItem::ExprWithAlias { .. }
            )
        })
}

/// Refuses the clauses of a `SELECT` that KQL has no form for.
fn check_clauses(s: &sql::Select) -> R<()> {
    let refuse = |what: &str| -> R<()> {
        fail(
            codes::CLAUSE,
            s.span(),
            format!("{what} has no KQL equivalent"),
        )
    };
    if let Some(sql::Distinct::On(on)) = &s.distinct {
        return Err(SqlError::new(
            codes::CLAUSE,
            on.first().map_or(s.span(), |e| e.span()),
            "SELECT DISTINCT ON has no KQL equivalent",
        )
        .hint("use GROUP BY with min()/max(), or a join on the grouped keys"));
    }
    if s.into.is_some() {
        return refuse("SELECT INTO");
    }
    if let Some(w) = s.named_window.first() {
        // The SELECT's span ends before its WINDOW clause: point at the window's name.
        return Err(SqlError::new(
            codes::WINDOW,
            w.0.span,
            "WINDOW definitions: KQL has no window functions",
        )
        .hint("aggregate with GROUP BY and join the result back"));
    }
    if s.top.is_some()
        || !s.lateral_views.is_empty()
        || s.prewhere.is_some()
        || !s.connect_by.is_empty()
        || !s.cluster_by.is_empty()
        || !s.distribute_by.is_empty()
        || !s.sort_by.is_empty()
        || s.qualify.is_some()
        || s.value_table_mode.is_some()
        || s.exclude.is_some()
    {
        return refuse("this SELECT clause (not PostgreSQL)");
    }
    if let sql::GroupByExpr::All(_) = &s.group_by {
        return refuse("GROUP BY ALL");
    }
    if let sql::GroupByExpr::Expressions(_, modifiers) = &s.group_by
        && !modifiers.is_empty()
    {
        return refuse("GROUP BY … WITH ROLLUP/CUBE");
    }
    Ok(())
}

/// The select list with `*` expanded where the columns are known.
pub(crate) fn select_list(items: &[sql::SelectItem], from: &From<'_>) -> R<SelectList> {
    let cx = Cx::over(from);
    let lone = items.len() == 1;
    let mut outputs: Vec<Output> = Vec::with_capacity(items.len());
    let mut star = false;
    for item in items {
        match item {
            sql::SelectItem::UnnamedExpr(e) => {
                let kql = cx.expr(e)?;
                let name = derived_name(e)
                    .unwrap_or_else(|| format!("column{}", outputs.len() + 1).into());
                outputs.push(Output::new(name, kql));
            }
            sql::SelectItem::ExprWithAlias { expr, alias } => {
                let kql = cx.expr(expr)?;
                outputs.push(Output::new(fold(alias)?, kql));
            }
            sql::SelectItem::Wildcard(opts) => {
                check_wildcard(opts, item)?;
                // A lone `*` needs no projection: the rows of the joins are the
                // columns PostgreSQL gives, in its order (USING merges columns, so
                // it does need one).
                if lone && from.using.is_empty() {
                    star = true;
                }
                match from.star() {
                    Some(cols) => {
                        // Room for every relation's columns (USING merges make it
                        // a little more than needed): the outputs are large, so
                        // growing the list one push at a time copies them twice.
                        outputs.reserve(
                            from.relations
                                .iter()
                                .map(|r| r.columns.as_deref().map_or(0, <[_]>::len))
                                .sum(),
                        );
                        for (q, c) in cols {
                            let kql = match q {
                                None => from
                                    .using
                                    .iter()
                                    .find(|(n, _)| n == c)
                                    .map(|(_, e)| e.clone())
                                    .unwrap_or_else(|| column(None, c)),
                                Some(q) => column(Some(q), c),
                            };
                            outputs.push(Output::new(c.clone(), kql));
                        }
                    }
                    None if star => {
                        return Ok(SelectList {
                            outputs: None,
                            star,
                        });
                    }
                    None => return Err(unknown_star(item, from)),
                }
            }
            sql::SelectItem::QualifiedWildcard(kind, opts) => {
                check_wildcard(opts, item)?;
                let q = match kind {
                    sql::SelectItemQualifiedWildcardKind::ObjectName(n) => {
                        let (_, t) = super::names::table_name(n)?;
                        t
                    }
                    sql::SelectItemQualifiedWildcardKind::Expr(e) => {
                        return fail(
                            codes::NAME,
                            e.span(),
                            format!("`{e}.*` is not a relation's columns"),
                        );
                    }
                };
                let Some(rel) = from.relation(&q) else {
                    return fail(
                        codes::NAME,
                        item.span(),
                        format!("`{q}.*`: no relation `{q}` in FROM"),
                    );
                };
                let single = from.relations.len() == 1 && from.using.is_empty();
                match &rel.columns {
                    Some(cols) => {
                        outputs.reserve(cols.len());
                        for c in cols.iter() {
                            outputs.push(Output::new(c.clone(), column(Some(&q), c)));
                        }
                        if lone && single {
                            star = true;
                        }
                    }
                    None if lone && single => {
                        return Ok(SelectList {
                            outputs: None,
                            star: true,
                        });
                    }
                    None => return Err(unknown_star(item, from)),
                }
            }
            sql::SelectItem::ExprWithAliases { .. } => {
                return fail(
                    codes::CLAUSE,
                    item.span(),
                    "multiple aliases are not PostgreSQL",
                );
            }
        }
    }
    // A pairwise scan for the usual short list; a long one goes to `dedupe`.
    let repeated = outputs.len() > 64
        || outputs
            .iter()
            .enumerate()
            .any(|(i, o)| outputs[..i].iter().any(|p| p.name == o.name));
    if repeated {
        let mut names: Vec<Name> = outputs.iter().map(|o| o.name.clone()).collect();
        dedupe(&mut names);
        for (o, n) in outputs.iter_mut().zip(names) {
            if o.name != n {
                o.renamed_from = Some(std::mem::replace(&mut o.name, n));
            }
        }
    }
    Ok(SelectList {
        outputs: Some(outputs),
        star,
    })
}

fn check_wildcard(opts: &sql::WildcardAdditionalOptions, item: &sql::SelectItem) -> R<()> {
    if opts.opt_ilike.is_some()
        || opts.opt_exclude.is_some()
        || opts.opt_except.is_some()
        || opts.opt_replace.is_some()
        || opts.opt_rename.is_some()
        || opts.opt_alias.is_some()
    {
        return fail(
            codes::CLAUSE,
            item.span(),
            format!("`{item}` is not PostgreSQL"),
        );
    }
    Ok(())
}

fn unknown_star(item: &sql::SelectItem, from: &From<'_>) -> SqlError {
    let unknown: Vec<Name> = from
        .relations
        .iter()
        .filter(|r| r.columns.is_none())
        .filter_map(|r| r.qualifier.clone())
        .collect();
    let why = if !from.using.is_empty() {
        "with USING, `*` shows each merged column once, so the translator must list the columns"
    } else {
        "next to other columns or relations, `*` must be expanded into the columns it stands for"
    };
    SqlError::new(
        codes::NAME,
        item.span(),
        format!(
            "`{item}`: {why}, and it does not know the columns of {}",
            if unknown.is_empty() {
                "a subquery".to_string()
            } else {
                unknown.join(", ")
            }
        ),
    )
    .hint("list the columns, or create the tables in the same script (or pass the schema) first")
}

/// The projection of outputs that are already computed columns (after an
/// aggregate).
pub(crate) fn select_names(outputs: &[(Name, Expr)]) -> StageKind {
    StageKind::Select(
        outputs
            .iter()
            .map(|(name, e)| {
                let same = super::order::kql_default_name(e) == Some(name.as_str());
                projection((!same).then_some(name.as_str()), e.clone())
            })
            .collect(),
    )
}
