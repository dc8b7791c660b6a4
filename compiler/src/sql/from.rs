//! The `FROM` clause: the first relation becomes the pipeline's source and every
//! join a `join` stage. `USING (k)` becomes `on l.k == r.k`, and later unqualified
//! uses of `k` become the merged column PostgreSQL means (`l.k` for inner and left
//! joins, `r.k` for right joins, `coalesce(l.k, r.k)` for full joins). A comma or
//! `CROSS JOIN` becomes an inner join on the `WHERE` conditions that tie the new
//! relation to the ones before it (exact, since `WHERE` filters the same rows);
//! KQL has no join without an equality, so one is required.

use super::build::{
    and_all, binary, call, column, pipeline, pipeline_source, projection, qualified, source, stage,
};
use super::error::{R, SqlError, codes, fail};
use super::expr::Cx;
use super::names::{fold, table_name};
use super::query::QueryOut;
use super::schema::Schema;
use super::statement::Tx;
use kql::ast::{BinaryOp, Expr, JoinKind, Name, Pipeline, Source, SourceKind, StageKind, TypeKind};
use sqlparser::ast::{self as sql, Spanned};
use std::borrow::Cow;

/// A relation of the `FROM` clause as later clauses see it. A table's columns
/// and types are borrowed from the schema (`'s`), not copied per statement.
#[derive(Debug, Clone)]
pub(crate) struct Relation<'s> {
    /// The name its columns are qualified with (`t` or the alias); `None` for a
    /// subquery without an alias.
    pub qualifier: Option<Name>,
    /// Its columns, when the translator knows them.
    pub columns: Option<Cow<'s, [Name]>>,
    /// The KQL types of the columns whose types are known.
    pub types: Cow<'s, [(Name, TypeKind)]>,
}

/// The translated `FROM` clause.
pub(crate) struct From<'q> {
    pub pipeline: Pipeline,
    pub relations: Vec<Relation<'q>>,
    /// Columns merged by `USING`, by unqualified name.
    pub using: Vec<(Name, Expr)>,
    /// The `WHERE` conditions still to apply (all of them unless a comma join took
    /// some).
    pub filter: Vec<&'q sql::Expr>,
}

impl From<'_> {
    /// The columns of every relation, in order, when all are known: what `*` means
    /// (qualifier and name; the columns merged by `USING` first, unqualified).
    /// Borrowed, so expanding `*` copies each name only where it is kept.
    pub fn star(&self) -> Option<impl Iterator<Item = (Option<&str>, &Name)> + Clone + '_> {
        if self.relations.iter().any(|r| r.columns.is_none()) {
            return None;
        }
        let merged = self.using.iter().map(|(n, _)| (None, n));
        let rest = self.relations.iter().flat_map(move |r| {
            let q = r.qualifier.as_deref();
            r.columns
                .as_deref()
                .unwrap_or_default()
                .iter()
                .filter(move |c| !self.using.iter().any(|(n, _)| n == *c))
                .map(move |c| (q, c))
        });
        Some(merged.chain(rest))
    }

    /// The relation with this qualifier.
    pub fn relation(&self, qualifier: &str) -> Option<&Relation<'_>> {
        self.relations
            .iter()
            .find(|r| r.qualifier.as_deref() == Some(qualifier))
    }
}

impl<'t> Tx<'t> {
    pub(crate) fn translate_from<'q>(
        &mut self,
        from: &'q [sql::TableWithJoins],
        filter: Option<&'q sql::Expr>,
    ) -> R<From<'q>>
    where
        't: 'q,
    {
        let mut conjuncts: Vec<&'q sql::Expr> = Vec::new();
        if let Some(f) = filter {
            if from.len() > 1 || has_cross_join(from) {
                split_and(f, &mut conjuncts);
            } else {
                conjuncts.push(f);
            }
        }
        let first = &from[0];
        let (mut out, leading_joins) = match &first.relation {
            sql::TableFactor::NestedJoin {
                table_with_joins,
                alias: None,
            } => {
                // `(a JOIN b ON …) JOIN c …` is the chain a, b, c.
                let inner = self.translate_from(std::slice::from_ref(table_with_joins), None)?;
                (inner, &first.joins)
            }
            relation => {
                let (src, rel) = self.relation(relation)?;
                (
                    From {
                        pipeline: pipeline(src),
                        relations: vec![rel],
                        using: Vec::new(),
                        filter: Vec::new(),
                    },
                    &first.joins,
                )
            }
        };
        for j in leading_joins {
            self.join(&mut out, j, &mut conjuncts)?;
        }
        for item in &from[1..] {
            if item.joins.iter().any(|j| {
                !matches!(
                    j.join_operator,
                    sql::JoinOperator::Join(_)
                        | sql::JoinOperator::Inner(_)
                        | sql::JoinOperator::Left(_)
                        | sql::JoinOperator::LeftOuter(_)
                )
            }) {
                return fail(
                    codes::JOIN,
                    item.relation.span(),
                    "a comma join followed by a RIGHT or FULL join has no KQL form",
                )
                .map_err(|e: SqlError| e.hint("write the joins with JOIN … ON in one chain"));
            }
            self.cross(&mut out, &item.relation, &mut conjuncts)?;
            for j in &item.joins {
                self.join(&mut out, j, &mut conjuncts)?;
            }
        }
        out.filter = conjuncts;
        Ok(out)
    }

    /// One relation of the clause as a source.
    fn relation(&mut self, r: &sql::TableFactor) -> R<(Source, Relation<'t>)> {
        match r {
            sql::TableFactor::Table {
                name,
                alias,
                args,
                with_hints,
                version,
                with_ordinality,
                partitions,
                sample,
                index_hints,
                json_path,
            } => {
                if args.is_some() {
                    return fail(
                        codes::CLAUSE,
                        r.span(),
                        format!("table function `{name}(…)` has no KQL equivalent"),
                    );
                }
                if !with_hints.is_empty()
                    || version.is_some()
                    || *with_ordinality
                    || !partitions.is_empty()
                    || sample.is_some()
                    || !index_hints.is_empty()
                    || json_path.is_some()
                {
                    return fail(
                        codes::CLAUSE,
                        r.span(),
                        format!("`{r}` has clauses KQL sources do not have"),
                    );
                }
                let (ns, n) = table_name(name)?;
                let alias_name = match alias {
                    Some(a) => Some(fold(&a.name)?),
                    None => None,
                };
                let mut types = Cow::Borrowed(&[][..]);
                let (src, qualifier, columns) = match (&ns, self.cte(&n)) {
                    (None, Some(cte)) => {
                        types = Cow::Owned(cte.types.clone());
                        let shown = alias_name.clone().unwrap_or_else(|| n.clone());
                        let alias = (shown != cte.let_name).then_some(shown.as_str());
                        (
                            source(SourceKind::Table(qualified(None, &cte.let_name)), alias),
                            shown.clone(),
                            cte.columns.clone().map(Cow::Owned),
                        )
                    }
                    _ => {
                        if ns.is_none() && self.shadowing_let(&n) {
                            return Err(SqlError::new(
                                codes::NAME,
                                name.span(),
                                format!("`{n}` names a CTE of an earlier statement in this script, and a KQL `let` lasts for the whole script"),
                            )
                            .hint(format!("qualify the table (namespace.{n}) or rename the CTE")));
                        }
                        let schema: &'t Schema = self.schema;
                        let known = schema.table(ns.as_deref(), &n);
                        let columns = known.map(|t| Cow::Borrowed(t.columns.as_slice()));
                        if let Some(t) = known {
                            types = Cow::Borrowed(t.types.as_slice());
                        }
                        (
                            source(
                                SourceKind::Table(qualified(ns.as_deref(), &n)),
                                alias_name.as_deref(),
                            ),
                            alias_name.clone().unwrap_or_else(|| n.clone()),
                            columns,
                        )
                    }
                };
                let rel = Relation {
                    qualifier: Some(qualifier),
                    columns,
                    types,
                };
                match alias {
                    Some(a) if !a.columns.is_empty() => self.renamed(src, rel, a, r),
                    _ => Ok((src, rel)),
                }
            }
            sql::TableFactor::Derived {
                lateral,
                subquery,
                alias,
                sample,
            } => {
                if *lateral {
                    return Err(SqlError::new(
                        codes::LATERAL,
                        r.span(),
                        "LATERAL has no KQL equivalent: a KQL sub-pipeline cannot see the rows of the pipeline it joins",
                    )
                    .hint("join the subquery on a key instead"));
                }
                if sample.is_some() {
                    return fail(codes::CLAUSE, r.span(), "TABLESAMPLE has no KQL equivalent");
                }
                let QueryOut {
                    pipeline, columns, ..
                } = self.query(subquery)?;
                let alias_name = match alias {
                    Some(a) => Some(fold(&a.name)?),
                    None => None,
                };
                let src = pipeline_source(pipeline, alias_name.as_deref());
                let rel = Relation {
                    qualifier: alias_name,
                    columns: columns.map(Cow::Owned),
                    types: Cow::Borrowed(&[]),
                };
                match alias {
                    Some(a) if !a.columns.is_empty() => self.renamed(src, rel, a, r),
                    _ => Ok((src, rel)),
                }
            }
            sql::TableFactor::NestedJoin { .. } => Err(SqlError::new(
                codes::JOIN,
                r.span(),
                "a bracketed join on the right of a join has no KQL form: a KQL join's right side is one source",
            )
            .hint("write the joins as one chain, or make the bracketed join a subquery")),
            sql::TableFactor::Function { lateral: true, .. } => fail(
                codes::LATERAL,
                r.span(),
                "LATERAL has no KQL equivalent",
            ),
            sql::TableFactor::Function { name, .. } => fail(
                codes::CLAUSE,
                r.span(),
                format!("table function `{name}(…)` has no KQL equivalent"),
            ),
            _ => fail(
                codes::CLAUSE,
                r.span(),
                format!("`{r}` has no KQL equivalent as a source"),
            ),
        }
    }

    /// `t AS x (a, b)`: the columns renamed by position (the rest keep their names).
    fn renamed(
        &mut self,
        src: Source,
        rel: Relation<'t>,
        alias: &sql::TableAlias,
        whole: &sql::TableFactor,
    ) -> R<(Source, Relation<'t>)> {
        let Some(columns) = rel.columns.clone() else {
            return Err(SqlError::new(
                codes::NAME,
                whole.span(),
                "column aliases need the relation's columns, which the translator does not know",
            )
            .hint("create the table in the same script, give the translator the schema, or rename in a subquery"));
        };
        if alias.columns.len() > columns.len() {
            return fail(
                codes::NAME,
                whole.span(),
                format!(
                    "{} column aliases for {} columns",
                    alias.columns.len(),
                    columns.len()
                ),
            );
        }
        let mut names = columns.to_vec();
        for (i, c) in alias.columns.iter().enumerate() {
            names[i] = fold(&c.name)?;
        }
        let mut inner_src = src;
        let q = rel.qualifier.clone();
        inner_src.alias = None;
        let mut p = match inner_src.kind {
            SourceKind::Pipeline(p) => *p,
            _ => pipeline(inner_src),
        };
        p.stages.push(stage(StageKind::Select(
            columns
                .iter()
                .zip(&names)
                .map(|(old, new)| {
                    projection((old != new).then_some(new.as_str()), column(None, old))
                })
                .collect(),
        )));
        Ok((
            pipeline_source(p, q.as_deref()),
            Relation {
                qualifier: q,
                columns: Some(Cow::Owned(names)),
                types: Cow::Borrowed(&[]),
            },
        ))
    }

    fn join<'q>(
        &mut self,
        out: &mut From<'q>,
        j: &sql::Join,
        conjuncts: &mut Vec<&sql::Expr>,
    ) -> R<()>
    where
        't: 'q,
    {
        use sql::JoinOperator as J;
        let (kind, constraint) = match &j.join_operator {
            J::Join(c) | J::Inner(c) => (JoinKind::Inner, c),
            J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, c),
            J::Right(c) | J::RightOuter(c) => (JoinKind::Right, c),
            J::FullOuter(c) => (JoinKind::Full, c),
            J::CrossJoin(sql::JoinConstraint::None) => {
                return self.cross(out, &j.relation, conjuncts);
            }
            other => {
                return fail(
                    codes::JOIN,
                    j.relation.span(),
                    format!("join `{other:?}` is not a PostgreSQL join KQL has"),
                );
            }
        };
        let (mut right, rel) = self.relation(&j.relation)?;
        let on = match constraint {
            sql::JoinConstraint::On(e) if kind != JoinKind::Inner => {
                self.outer_on(out, &mut right, &rel, kind, e)?
            }
            sql::JoinConstraint::On(e) => {
                let mut visible = out.relations.clone();
                visible.push(rel.clone());
                let on = Cx::new(&out.using, &visible)
                    .without_aggregates("JOIN … ON")
                    .expr(e)?;
                let mut parts = Vec::new();
                split_and(e, &mut parts);
                // KQL's join needs an equality between the two sides (`a.k = b.k`),
                // not merely an `=` (`a.x = 1`, `a.x = a.y` match nothing across).
                let refs: Vec<&Relation> = visible.iter().collect();
                let new = rel.qualifier.as_deref();
                let across = |p: &&sql::Expr| {
                    let mut p = *p;
                    while let sql::Expr::Nested(x) = p {
                        p = x;
                    }
                    is_equality_across(p, new, &refs)
                };
                if !parts.iter().any(across) {
                    return Err(SqlError::new(
                        codes::JOIN,
                        e.span(),
                        format!("`{e}`: a join's ON needs an equality between the two sides (`a.k = b.k`) joined to the rest with AND: KQL joins match on equalities"),
                    )
                    .hint("join on an equality and put the other condition in WHERE"));
                }
                on
            }
            sql::JoinConstraint::Using(cols) => self.using(out, &rel, kind, cols, j)?,
            sql::JoinConstraint::Natural => {
                return Err(SqlError::new(
                    codes::JOIN,
                    j.relation.span(),
                    "NATURAL JOIN has no KQL form: it joins on whichever column names the tables share",
                )
                .hint("name the columns: JOIN … USING (…)"));
            }
            sql::JoinConstraint::None => {
                return fail(codes::JOIN, j.relation.span(), "a join needs ON or USING");
            }
        };
        out.pipeline
            .stages
            .push(stage(StageKind::Join { kind, right, on }));
        out.relations.push(rel);
        Ok(())
    }

    /// The `ON` of an outer join. KQL's outer-join `on` holds only equalities
    /// between the two sides; another condition is exact only where it filters the
    /// side whose unmatched rows are dropped anyway, before the join: for `LEFT
    /// JOIN` a condition on the joined (right) relation alone, for `RIGHT JOIN`
    /// one on the relations before it alone. Anything else is refused.
    fn outer_on(
        &mut self,
        out: &mut From<'_>,
        right: &mut Source,
        rel: &Relation,
        kind: JoinKind,
        e: &sql::Expr,
    ) -> R<Expr> {
        let mut visible = out.relations.clone();
        visible.push(rel.clone());
        let refs: Vec<&Relation> = visible.iter().collect();
        let new = rel.qualifier.as_deref();
        let mut parts = Vec::new();
        split_and(e, &mut parts);
        let mut on = Vec::new();
        let mut right_filter = Vec::new();
        let mut left_filter = Vec::new();
        for part in parts {
            let cx = Cx::new(&out.using, &visible).without_aggregates("JOIN … ON");
            if is_equality_across(part, new, &refs) {
                on.push(cx.expr(part)?);
                continue;
            }
            let owners = owners(part, &refs).unwrap_or_default();
            let only_new = !owners.is_empty() && owners.iter().all(|q| Some(q.as_str()) == new);
            let no_new = !owners.is_empty() && owners.iter().all(|q| Some(q.as_str()) != new);
            match kind {
                JoinKind::Left if only_new => right_filter.push(cx.expr(part)?),
                JoinKind::Right if no_new => left_filter.push(cx.expr(part)?),
                _ => {
                    let (join, why) = match kind {
                        JoinKind::Left => (
                            "LEFT JOIN",
                            "it is not an equality between the two sides nor a condition on the joined table alone",
                        ),
                        JoinKind::Right => (
                            "RIGHT JOIN",
                            "it is not an equality between the two sides nor a condition on the left side alone",
                        ),
                        _ => ("FULL JOIN", "it is not an equality between the two sides"),
                    };
                    return Err(SqlError::new(
                        codes::JOIN,
                        part.span(),
                        format!("`{part}` in the ON of a {join} has no KQL form: {why}, and KQL's outer-join `on` holds only equalities"),
                    )
                    .hint("filter in a subquery, or move the condition to WHERE if that is what you mean"));
                }
            }
        }
        let Some(on) = and_all(on) else {
            return fail(
                codes::JOIN,
                e.span(),
                "an outer join's ON needs an equality between the two sides: KQL joins match on equalities",
            );
        };
        if let Some(filter) = and_all(right_filter) {
            let alias = right
                .alias
                .as_ref()
                .map(|a| a.name.clone())
                .or(rel.qualifier.clone());
            let mut p = pipeline(right.clone());
            p.stages.push(stage(StageKind::Where(filter)));
            *right = source(SourceKind::Pipeline(Box::new(p)), alias.as_deref());
        }
        if let Some(filter) = and_all(left_filter) {
            out.pipeline.stages.push(stage(StageKind::Where(filter)));
        }
        Ok(on)
    }

    fn using(
        &mut self,
        out: &mut From<'_>,
        right: &Relation,
        kind: JoinKind,
        cols: &[sql::ObjectName],
        j: &sql::Join,
    ) -> R<Expr> {
        let Some(rq) = right.qualifier.clone() else {
            return fail(
                codes::JOIN,
                j.relation.span(),
                "USING with a subquery that has no alias: KQL needs a name to qualify its columns",
            );
        };
        let mut conditions = Vec::new();
        let mut merged = Vec::new();
        for c in cols {
            let name = super::names::single(c, "a USING column")?;
            let left = if let Some((_, e)) = out.using.iter().find(|(n, _)| *n == name) {
                e.clone()
            } else {
                let owners: Vec<&Relation> = match out.relations.as_slice() {
                    [only] => vec![only],
                    many => many
                        .iter()
                        .filter(|r| r.columns.as_ref().is_some_and(|cs| cs.contains(&name)))
                        .collect(),
                };
                let known = out.relations.iter().all(|r| r.columns.is_some());
                match owners.as_slice() {
                    [r] if out.relations.len() == 1 || known => match &r.qualifier {
                        Some(q) => column(Some(q), &name),
                        None => column(None, &name),
                    },
                    _ => {
                        return Err(SqlError::new(
                            codes::JOIN,
                            c.span(),
                            format!("USING ({name}) after several tables: the translator cannot tell which table on the left has `{name}`"),
                        )
                        .hint("write the condition with ON"));
                    }
                }
            };
            let right_col = column(Some(&rq), &name);
            conditions.push(binary(BinaryOp::Eq, left.clone(), right_col.clone()));
            let m = match kind {
                JoinKind::Inner | JoinKind::Left => left,
                JoinKind::Right => right_col,
                JoinKind::Full => call("coalesce", vec![left, right_col]),
            };
            merged.push((name, m));
        }
        for (name, m) in merged {
            match out.using.iter_mut().find(|(n, _)| *n == name) {
                Some(slot) => slot.1 = m,
                None => out.using.push((name, m)),
            }
        }
        Ok(and_all(conditions).expect("USING lists at least one column"))
    }

    /// `FROM a, b` / `a CROSS JOIN b`: an inner join on the `WHERE` conjuncts that
    /// tie `b` to the relations before it.
    fn cross<'q>(
        &mut self,
        out: &mut From<'q>,
        r: &sql::TableFactor,
        conjuncts: &mut Vec<&sql::Expr>,
    ) -> R<()>
    where
        't: 'q,
    {
        let (right, rel) = self.relation(r)?;
        let mut before: Vec<&Relation> = out.relations.iter().collect();
        before.push(&rel);
        let all: Vec<&Relation> = before.clone();
        let new_q = rel.qualifier.clone();
        let mut taken = Vec::new();
        let mut has_equality = false;
        let mut i = 0;
        while i < conjuncts.len() {
            let c = conjuncts[i];
            let owners = owners(c, &all);
            let usable = matches!(&owners, Some(o) if o.iter().any(|q| Some(q) == new_q.as_ref())
                && o.iter().all(|q| before.iter().any(|r| r.qualifier.as_ref() == Some(q))));
            if usable {
                if is_equality_across(c, new_q.as_deref(), &all) {
                    has_equality = true;
                }
                taken.push(conjuncts.remove(i));
            } else {
                i += 1;
            }
        }
        if !has_equality {
            return Err(SqlError::new(
                codes::JOIN,
                r.span(),
                "a cross join has no KQL form: KQL joins need an equality between the two sides",
            )
            .hint("join with JOIN … ON a.k = b.k, or put a qualified equality in WHERE"));
        }
        let mut visible = out.relations.clone();
        visible.push(rel.clone());
        let cx = Cx::new(&out.using, &visible).without_aggregates("WHERE");
        let parts = taken.iter().map(|c| cx.expr(c)).collect::<R<Vec<_>>>()?;
        let on = and_all(parts).expect("at least the equality");
        out.pipeline.stages.push(stage(StageKind::Join {
            kind: JoinKind::Inner,
            right,
            on,
        }));
        out.relations.push(rel);
        Ok(())
    }
}

fn has_cross_join(from: &[sql::TableWithJoins]) -> bool {
    from.iter().any(|t| {
        t.joins
            .iter()
            .any(|j| matches!(j.join_operator, sql::JoinOperator::CrossJoin(_)))
    })
}

/// The conjuncts of `a AND b AND …` (brackets looked through).
pub(crate) fn split_and<'q>(e: &'q sql::Expr, out: &mut Vec<&'q sql::Expr>) {
    match e {
        sql::Expr::BinaryOp {
            left,
            op: sql::BinaryOperator::And,
            right,
        } => {
            split_and(left, out);
            split_and(right, out);
        }
        sql::Expr::Nested(inner)
            if matches!(
                **inner,
                sql::Expr::BinaryOp {
                    op: sql::BinaryOperator::And,
                    ..
                }
            ) =>
        {
            split_and(inner, out)
        }
        other => out.push(other),
    }
}

/// The qualifiers of the relations an expression reads, when every column in it
/// can be placed (qualified, or the only relation with that known column name).
fn owners(e: &sql::Expr, relations: &[&Relation]) -> Option<Vec<Name>> {
    let mut out = Vec::new();
    let mut ok = true;
    visit_columns(e, &mut |parts: &[sql::Ident]| {
        let owner = match parts {
            [c] => {
                let name = fold(c).ok();
                let known = relations.iter().all(|r| r.columns.is_some());
                let found: Vec<&&Relation> = relations
                    .iter()
                    .filter(|r| {
                        r.columns
                            .as_ref()
                            .is_some_and(|cs| name.as_ref().is_some_and(|n| cs.contains(n)))
                    })
                    .collect();
                match found.as_slice() {
                    [r] if known => r.qualifier.clone(),
                    _ => None,
                }
            }
            [.., q, _] => fold(q).ok(),
            [] => None,
        };
        match owner {
            Some(o) => {
                if !out.contains(&o) {
                    out.push(o)
                }
            }
            None => ok = false,
        }
    });
    ok.then_some(out)
}

/// `x = y` with one side reading only `new` and the other only other relations.
fn is_equality_across(e: &sql::Expr, new: Option<&str>, relations: &[&Relation]) -> bool {
    let sql::Expr::BinaryOp {
        left,
        op: sql::BinaryOperator::Eq,
        right,
    } = e
    else {
        return false;
    };
    let (Some(l), Some(r)) = (owners(left, relations), owners(right, relations)) else {
        return false;
    };
    let only_new = |o: &Vec<Name>| !o.is_empty() && o.iter().all(|q| Some(q.as_str()) == new);
    let no_new = |o: &Vec<Name>| !o.is_empty() && o.iter().all(|q| Some(q.as_str()) != new);
    (only_new(&l) && no_new(&r)) || (only_new(&r) && no_new(&l))
}

/// Calls `f` with the parts of every column reference in `e`; a construct it
/// cannot look into counts as an unplaceable column.
fn visit_columns(e: &sql::Expr, f: &mut dyn FnMut(&[sql::Ident])) {
    use sql::Expr as E;
    match e {
        E::Identifier(id) => f(std::slice::from_ref(id)),
        E::CompoundIdentifier(parts) => f(parts),
        E::Value(_) | E::TypedString(_) | E::Interval(_) => {}
        E::Nested(x)
        | E::UnaryOp { expr: x, .. }
        | E::IsNull(x)
        | E::IsNotNull(x)
        | E::IsTrue(x)
        | E::IsNotTrue(x)
        | E::IsFalse(x)
        | E::IsNotFalse(x)
        | E::IsUnknown(x)
        | E::IsNotUnknown(x)
        | E::Cast { expr: x, .. } => visit_columns(x, f),
        E::BinaryOp { left, right, .. }
        | E::IsDistinctFrom(left, right)
        | E::IsNotDistinctFrom(left, right) => {
            visit_columns(left, f);
            visit_columns(right, f);
        }
        E::InList { expr, list, .. } => {
            visit_columns(expr, f);
            list.iter().for_each(|x| visit_columns(x, f));
        }
        E::Between {
            expr, low, high, ..
        } => {
            visit_columns(expr, f);
            visit_columns(low, f);
            visit_columns(high, f);
        }
        E::Like { expr, pattern, .. } | E::ILike { expr, pattern, .. } => {
            visit_columns(expr, f);
            visit_columns(pattern, f);
        }
        E::Function(func) => {
            if let sql::FunctionArguments::List(list) = &func.args {
                for a in &list.args {
                    if let sql::FunctionArg::Unnamed(sql::FunctionArgExpr::Expr(x)) = a {
                        visit_columns(x, f);
                    }
                }
            }
        }
        // Anything else: make the conjunct unplaceable.
        _ => f(&[]),
    }
}
