//! Aggregating selects (`GROUP BY`, `HAVING`, or an aggregate in the select list).
//! They become one `aggregate` stage:
//!
//! ```text
//! | aggregate <select-list aggregates>, <hidden HAVING / ORDER BY helpers> by <keys>
//! | where <HAVING>
//! | sort … | skip | take
//! | select <the select list in its order>      (only when it differs)
//! ```
//!
//! A `GROUP BY` key that is a plain column keeps its name; any other key is named
//! after the select item that computes it, or gets a helper name. Wherever the
//! select list, `HAVING` or `ORDER BY` repeats a key expression, it reads the key
//! column instead, as PostgreSQL matches them.

use super::build::{column, projection, stage};
use super::error::{R, SqlError, codes, fail};
use super::expr::Cx;
use super::from::From;
use super::function::has_aggregate;
use super::names::fold;
use super::order::{Limit, Output, SortItem, SortTarget, kql_default_name, output_named, position};
use super::query::QueryOut;
use super::rewrite::replace;
use super::select::{SelectList, select_names};
use super::statement::Tx;
use kql::ast::{Expr, ExprKind, Name, Pipeline, Projection, StageKind, TypeKind};
use sqlparser::ast::{self as sql, Spanned};

struct Key {
    /// The key over the input rows.
    expr: Expr,
    /// How the rows after the `aggregate` stage refer to it.
    reference: Expr,
    /// Its column name after the `aggregate` stage.
    name: Name,
    projection: Projection,
}

/// Where an output column comes from after the `aggregate` stage.
enum Post {
    Key(usize),
    /// An aggregate-stage column of this name.
    Computed(Name),
}

impl Tx<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn grouped<'q>(
        &mut self,
        s: &'q sql::Select,
        mut p: Pipeline,
        from: &From<'_>,
        list: SelectList,
        sorts: Vec<SortItem<'q>>,
        sort_exprs: Vec<Option<Expr>>,
        distinct: bool,
        limit: Limit,
    ) -> R<QueryOut> {
        let Some(outputs) = list.outputs else {
            return Err(SqlError::new(
                codes::NAME,
                s.span(),
                "SELECT * with GROUP BY needs the columns `*` stands for, which the translator does not know",
            )
            .hint("list the columns"));
        };
        let keys = self.keys(s, from, &outputs)?;
        let key_of = |e: &Expr| {
            keys.iter()
                .find(|k| k.expr == *e)
                .map(|k| k.reference.clone())
        };
        let rewrite = |e: &Expr| replace(e, &key_of);

        // The select list over the grouped rows.
        let mut computed: Vec<(Name, Expr)> = Vec::new();
        let mut post = Vec::with_capacity(outputs.len());
        for o in &outputs {
            let r = rewrite(&o.kql);
            if let Some(k) = keys.iter().position(|k| same_column(&k.reference, &r)) {
                post.push(Post::Key(k));
                continue;
            }
            let taken =
                keys.iter().any(|k| k.name == o.name) || computed.iter().any(|(n, _)| *n == o.name);
            let name = if taken {
                self.fresh.fresh("a")
            } else {
                o.name.clone()
            };
            computed.push((name.clone(), r));
            post.push(Post::Computed(name));
        }
        let by_name = |computed: &[(Name, Expr)], e: &Expr| -> Option<Expr> {
            computed
                .iter()
                .find(|(_, c)| c == e)
                .map(|(n, _)| column(None, n))
        };

        // HAVING: a filter after the aggregate; aggregates it needs that the select
        // list does not compute become hidden columns.
        let mut having = None;
        if let Some(h) = &s.having {
            let e = rewrite(&Cx::over(from).expr(h)?);
            let snapshot = computed.clone();
            let e = replace(&e, &|x| by_name(&snapshot, x));
            having = Some(if has_aggregate(&e) {
                let name = self.fresh.fresh("having");
                computed.push((name.clone(), e));
                column(None, &name)
            } else {
                e
            });
        }

        // ORDER BY over the grouped rows (or over the outputs, after DISTINCT).
        let mut keys_sort = Vec::with_capacity(sorts.len());
        for (item, e) in sorts.iter().zip(sort_exprs) {
            let out_index = match (item.target, &e) {
                (SortTarget::Output(i), _) => Some(i),
                (_, Some(e)) => outputs.iter().position(|o| o.kql == *e),
                _ => None,
            };
            if distinct {
                let Some(i) = out_index else {
                    return fail(
                        codes::ORDER_BY,
                        item.span,
                        "for SELECT DISTINCT, ORDER BY expressions must appear in the select list (PostgreSQL requires this too)",
                    );
                };
                keys_sort.push(item.key(column(None, &outputs[i].name)));
                continue;
            }
            let k = match (out_index, e) {
                (Some(i), _) => match &post[i] {
                    Post::Key(k) => keys[*k].reference.clone(),
                    Post::Computed(n) => column(None, n),
                },
                (None, Some(e)) => {
                    let snapshot = computed.clone();
                    let r = replace(&rewrite(&e), &|x| by_name(&snapshot, x));
                    if has_aggregate(&r) {
                        let name = self.fresh.fresh("s");
                        computed.push((name.clone(), r));
                        column(None, &name)
                    } else {
                        r
                    }
                }
                (None, None) => unreachable!("inputs are translated"),
            };
            keys_sort.push(item.key(k));
        }

        let aggregates: Vec<Projection> = computed
            .iter()
            .map(|(n, e)| {
                let same = kql_default_name(e) == Some(n.as_str());
                projection((!same).then_some(n.as_str()), e.clone())
            })
            .collect();
        p.stages.push(stage(StageKind::Aggregate {
            aggregates,
            by: keys.iter().map(|k| k.projection.clone()).collect(),
        }));
        if let Some(h) = having {
            p.stages.push(stage(StageKind::Where(h)));
        }
        let finals: Vec<(Name, Expr)> = outputs
            .iter()
            .zip(&post)
            .map(|(o, p)| {
                let e = match p {
                    Post::Key(k) => keys[*k].reference.clone(),
                    Post::Computed(n) => column(None, n),
                };
                (o.name.clone(), e)
            })
            .collect();
        let columns = Some(outputs.iter().map(|o| o.name.clone()).collect());
        let cx = Cx::over(from);
        let types: Vec<Option<TypeKind>> = post
            .iter()
            .map(|p| match p {
                Post::Key(k) => cx.column_type(&keys[*k].expr),
                Post::Computed(_) => None,
            })
            .collect();
        if distinct {
            let StageKind::Select(projs) = select_names(&finals) else {
                unreachable!("select_names builds a select")
            };
            p.stages.push(stage(StageKind::Distinct(projs)));
            if !keys_sort.is_empty() {
                p.stages.push(stage(StageKind::Sort(keys_sort)));
            }
            p.stages.extend(limit.stages());
            return Ok(QueryOut {
                pipeline: p,
                columns,
                types,
            });
        }
        if !keys_sort.is_empty() {
            p.stages.push(stage(StageKind::Sort(keys_sort)));
        }
        p.stages.extend(limit.stages());
        // The aggregate's own columns: keys, then computed columns.
        let natural: Vec<(Name, Expr)> = keys
            .iter()
            .map(|k| (k.name.clone(), k.reference.clone()))
            .chain(computed.iter().map(|(n, _)| (n.clone(), column(None, n))))
            .collect();
        if finals != natural {
            p.stages.push(stage(select_names(&finals)));
        }
        Ok(QueryOut {
            pipeline: p,
            columns,
            types,
        })
    }

    /// The `GROUP BY` keys. A position names a select item; a bare name is an input
    /// column first and an output alias second (PostgreSQL's order; when the
    /// translator does not know the input's columns, a name that is an alias of
    /// a computed output is taken as that alias).
    fn keys(&mut self, s: &sql::Select, from: &From<'_>, outputs: &[Output]) -> R<Vec<Key>> {
        let exprs: &[sql::Expr] = match &s.group_by {
            sql::GroupByExpr::Expressions(e, _) => e,
            sql::GroupByExpr::All(_) => &[],
        };
        let cx = Cx::over(from).without_aggregates("GROUP BY");
        let mut keys: Vec<Key> = Vec::new();
        for g in exprs {
            if matches!(
                g,
                sql::Expr::GroupingSets(_) | sql::Expr::Cube(_) | sql::Expr::Rollup(_)
            ) {
                return fail(
                    codes::CLAUSE,
                    g.span(),
                    "GROUPING SETS, CUBE and ROLLUP have no KQL equivalent",
                );
            }
            let e = if let Some(n) = position(g)? {
                if n < 1 || n as usize > outputs.len() {
                    return fail(
                        codes::NAME,
                        g.span(),
                        format!(
                            "GROUP BY position {n} is not in the select list (1 to {})",
                            outputs.len()
                        ),
                    );
                }
                outputs[n as usize - 1].kql.clone()
            } else if let sql::Expr::Identifier(id) = g {
                let name = fold(id)?;
                let known = from.relations.iter().all(|r| r.columns.is_some());
                let is_input = from.using.iter().any(|(n, _)| *n == name)
                    || from
                        .relations
                        .iter()
                        .any(|r| r.columns.as_ref().is_some_and(|c| c.contains(&name)));
                let alias = output_named(&name, outputs, g.span())?;
                match alias {
                    Some(i) if !is_input || !known => outputs[i].kql.clone(),
                    _ => cx.expr(g)?,
                }
            } else {
                cx.expr(g)?
            };
            if has_aggregate(&e) {
                return fail(
                    codes::AGGREGATE,
                    g.span(),
                    "GROUP BY cannot group by an aggregate",
                );
            }
            if keys.iter().any(|k| k.expr == e) {
                continue;
            }
            let key = if let ExprKind::Column(c) = &e.kind {
                Key {
                    reference: e.clone(),
                    name: c.name.name.clone(),
                    projection: projection(None, e.clone()),
                    expr: e,
                }
            } else {
                let alias = outputs
                    .iter()
                    .find(|o| o.kql == e)
                    .map(|o| o.name.clone())
                    .filter(|n| !keys.iter().any(|k| k.name == *n));
                let name = match alias {
                    Some(n) => n,
                    None => self.fresh.fresh("g"),
                };
                Key {
                    reference: column(None, &name),
                    projection: projection(Some(&name), e.clone()),
                    name,
                    expr: e,
                }
            };
            keys.push(key);
        }
        Ok(keys)
    }
}

/// Whether `r` reads the same grouped column as the key reference `k` (`city` and
/// `p.city` both name the key `p.city`).
fn same_column(k: &Expr, r: &Expr) -> bool {
    match (&k.kind, &r.kind) {
        (ExprKind::Column(a), ExprKind::Column(b)) => {
            a.name == b.name
                && (a.qualifier.is_none() || b.qualifier.is_none() || a.qualifier == b.qualifier)
        }
        _ => false,
    }
}
