//! Binding pipelines: a source, then stages, each handing a plan to the next.

use super::Binder;
use super::error::{BindCode, BindError};
use super::expr::{AggCollector, assignable, coerce_to};
use super::suggest::did_you_mean;
use crate::bytecode::{BinaryOp, JoinKind as BJoin, MAX_CELLS};
use crate::catalog::{Catalog, KEY_COLUMN_ID, Table};
use crate::plan::{JoinKeys, Plan, PlanField, PlanSchema, Scalar, ScalarKind, SortSpec, TableInfo};
use crate::types::DataType;
use kql::ast::{
    Expr, ExprKind, JoinKind, Pipeline, Projection, QualifiedName, RecordField, Source, SourceKind,
    Span, Stage, StageKind,
};
use std::borrow::Cow;
use std::sync::Arc;

type R<T> = Result<T, BindError>;

/// Most stages over all pipelines of one statement.
pub const MAX_STAGES: usize = 256;

pub(crate) fn table_info(catalog: &Catalog, t: &Table) -> TableInfo {
    TableInfo {
        id: t.id,
        name: catalog.table_names(t).0,
        schema_version: t.schema_version,
        kind: t.kind,
    }
}

/// A scan of every column of `t` (plus the hidden row key when `with_key`). The
/// fields share the catalog's names (`t` is one of `catalog`'s tables), so at most
/// the qualifier (an alias) is allocated, not one name per column.
pub(crate) fn scan(catalog: &Catalog, t: &Table, qualifier: &str, with_key: bool) -> Plan {
    // A table read without an alias is qualified with its own name: the
    // catalog's copy is shared.
    let q: Arc<str> = match catalog.bare_name(t) {
        Some(n) if **n == *qualifier => n.clone(),
        _ => Arc::from(qualifier),
    };
    let mut columns: Vec<u32> = Vec::with_capacity(t.columns.len() + usize::from(with_key));
    columns.extend(t.columns.iter().map(|c| c.id));
    let shared = catalog.column_names(t);
    let mut schema: PlanSchema = Vec::with_capacity(columns.capacity());
    schema.extend(t.columns.iter().enumerate().map(|(i, c)| PlanField {
        name: match shared {
            Some(names) => names[i].clone(),
            None => c.name.as_str().into(),
        },
        qualifier: Some(q.clone()),
        ty: c.ty,
        nullable: c.nullable,
        hidden: false,
    }));
    if with_key {
        columns.push(KEY_COLUMN_ID);
        schema.push(PlanField {
            name: "#key".into(),
            qualifier: None,
            ty: DataType::Bytes,
            nullable: false,
            hidden: true,
        });
    }
    let (name, key_names) = catalog.table_names(t);
    Plan::Scan {
        table: TableInfo {
            id: t.id,
            name,
            schema_version: t.schema_version,
            kind: t.kind,
        },
        columns,
        schema,
        filter: None,
        range: None,
        key_names,
    }
}

/// The name an output column gets when the query does not name it (borrowed
/// from the tree when it is written there).
pub(crate) fn output_name(p: &Projection, i: usize) -> Cow<'_, str> {
    if let Some(n) = &p.name {
        return Cow::Borrowed(&n.name);
    }
    match &p.expr.kind {
        ExprKind::Column(c) => Cow::Borrowed(&c.name.name),
        ExprKind::Call { name, args } => match args.first().map(|a| &a.kind) {
            Some(ExprKind::Column(c)) => Cow::Owned(format!("{}_{}", name.name, c.name.name)),
            _ => Cow::Borrowed(&name.name),
        },
        _ => Cow::Owned(format!("column{}", i + 1)),
    }
}

impl<'a> Binder<'a> {
    pub(crate) fn resolve_table(&self, name: &QualifiedName) -> R<&'a Table> {
        let catalog = self.catalog;
        let table = &name.name.name;
        match &name.namespace {
            Some(ns) => {
                if !catalog.has_namespace(&ns.name) {
                    let hint =
                        did_you_mean(&ns.name, catalog.namespaces().iter().map(|s| s.as_str()));
                    return Err(BindError::new(
                        BindCode::UnknownNamespace,
                        ns.span,
                        format!("unknown namespace `{}`", ns.name),
                    )
                    .maybe_hint(hint));
                }
                catalog.get_table(&ns.name, table).ok_or_else(|| {
                    let names = catalog
                        .tables()
                        .iter()
                        .filter(|t| t.namespace == ns.name)
                        .map(|t| t.name.as_str());
                    let hint = did_you_mean(table, names);
                    BindError::new(
                        BindCode::UnknownTable,
                        name.span,
                        format!("unknown table `{}.{table}`", ns.name),
                    )
                    .maybe_hint(hint)
                })
            }
            None => {
                let found: Vec<&'a Table> = catalog
                    .tables()
                    .iter()
                    .filter(|t| t.name == *table)
                    .collect();
                match found.as_slice() {
                    [t] => Ok(t),
                    [] => {
                        let mut names: Vec<String> =
                            catalog.tables().iter().map(|t| t.name.clone()).collect();
                        names.extend(self.lets.keys().cloned());
                        let hint =
                            did_you_mean(table, names.iter().map(|s| s.as_str())).or_else(|| {
                                catalog
                                    .tables()
                                    .iter()
                                    .find(|t| t.name.eq_ignore_ascii_case(table))
                                    .map(|t| format!("did you mean `{}`?", t.qualified_name()))
                            });
                        Err(BindError::new(
                            BindCode::UnknownTable,
                            name.span,
                            format!("unknown table `{table}`"),
                        )
                        .maybe_hint(hint))
                    }
                    many => {
                        let options: Vec<String> =
                            many.iter().map(|t| t.qualified_name()).collect();
                        Err(BindError::new(
                            BindCode::AmbiguousName,
                            name.span,
                            format!("table `{table}` is in more than one namespace"),
                        )
                        .hint(format!("qualify it: {}", options.join(" or "))))
                    }
                }
            }
        }
    }

    fn count_stage(&mut self, span: Span) -> R<()> {
        self.stages += 1;
        if self.stages > MAX_STAGES {
            return Err(BindError::new(
                BindCode::TooComplex,
                span,
                format!("more than {MAX_STAGES} pipeline stages in one statement"),
            ));
        }
        Ok(())
    }

    pub(crate) fn source(&mut self, s: &Source) -> R<Plan> {
        self.count_stage(s.span)?;
        let plan = match &s.kind {
            SourceKind::Table(name) => {
                if name.namespace.is_none()
                    && let Some(p) = self.lets.get(name.name.name.as_str())
                {
                    let qualifier = s
                        .alias
                        .as_ref()
                        .map(|a| a.name.clone())
                        .unwrap_or_else(|| name.name.name.clone());
                    return Ok(requalified(p.clone(), &qualifier));
                }
                let t = self.resolve_table(name)?;
                self.check_read(t, name.span)?;
                let qualifier = s.alias.as_ref().map(|a| a.name.as_str()).unwrap_or(&t.name);
                return Ok(scan(self.catalog, t, qualifier, false));
            }
            SourceKind::Pipeline(p) => self.pipeline(p)?,
            SourceKind::Rows(rows) => self.rows(rows, s.span)?,
        };
        Ok(match &s.alias {
            Some(a) => requalified(plan, &a.name),
            None => plan,
        })
    }

    /// Inline rows `[{a: 1}, {a: 2}]`: columns in order of first appearance, each of
    /// the common type of its values; a missing field is null.
    fn rows(&mut self, rows: &[Vec<RecordField>], span: Span) -> R<Plan> {
        let mut names: Vec<String> = Vec::new();
        let mut bound: Vec<Vec<(usize, Scalar)>> = Vec::with_capacity(rows.len());
        for row in rows {
            let mut cells = Vec::with_capacity(row.len());
            for f in row {
                let i = match names.iter().position(|n| *n == f.name.name) {
                    Some(i) => i,
                    None => {
                        names.push(f.name.name.to_string());
                        names.len() - 1
                    }
                };
                if cells.iter().any(|(j, _)| *j == i) {
                    return Err(BindError::new(
                        BindCode::DuplicateName,
                        f.name.span,
                        format!("field `{}` appears twice in a row", f.name.name),
                    ));
                }
                cells.push((i, self.expr(&f.value, &[], None)?));
            }
            bound.push(cells);
        }
        if names.is_empty() {
            return Err(BindError::new(
                BindCode::Unsupported,
                span,
                "inline rows need at least one field",
            ));
        }
        // One plan instruction holds every value of every row.
        if rows.len() * names.len() > MAX_CELLS {
            return Err(BindError::new(
                BindCode::TooComplex,
                span,
                format!(
                    "{} inline rows of {} fields are {} values; one statement holds at most {MAX_CELLS}",
                    rows.len(),
                    names.len(),
                    rows.len() * names.len()
                ),
            )
            .hint("keep the rows in a table (insert them in several statements) and read it with `from`"));
        }
        let mut types = vec![DataType::Null; names.len()];
        for cells in &bound {
            for (i, s) in cells {
                types[*i] = DataType::common(types[*i], s.ty).ok_or_else(|| {
                    BindError::new(
                        BindCode::TypeMismatch,
                        span,
                        format!(
                            "field `{}` has values of types {} and {}",
                            names[*i], types[*i], s.ty
                        ),
                    )
                })?;
            }
        }
        let mut out_rows = Vec::with_capacity(bound.len());
        for cells in bound {
            let mut row: Vec<Scalar> = types
                .iter()
                .map(|t| Scalar::literal(crate::bytecode::Value::Null(*t)))
                .collect();
            for (i, s) in cells {
                row[i] = coerce_to(s, types[i]);
            }
            out_rows.push(row);
        }
        let schema = names
            .into_iter()
            .zip(types)
            .map(|(n, t)| PlanField::new(n, t, true))
            .collect();
        Ok(Plan::Values {
            schema,
            rows: out_rows,
        })
    }

    /// A pipeline without its sink.
    pub(crate) fn pipeline(&mut self, p: &Pipeline) -> R<Plan> {
        let mut plan = self.source(&p.source)?;
        for stage in &p.stages {
            plan = self.stage(plan, stage)?;
        }
        Ok(plan)
    }

    pub(crate) fn stage(&mut self, plan: Plan, stage: &Stage) -> R<Plan> {
        self.count_stage(stage.span)?;
        let scope = plan.schema();
        match &stage.kind {
            StageKind::Where(e) => {
                let predicate = self.condition(e, scope, "`where`")?;
                Ok(Plan::Filter {
                    input: Box::new(plan),
                    predicate,
                })
            }
            StageKind::Select(projs) => self.select(plan, projs),
            StageKind::Extend(assigns) => {
                let mut exprs: Vec<Scalar> = scope
                    .iter()
                    .enumerate()
                    .map(|(i, f)| Scalar::column(i, f.ty))
                    .collect();
                let mut schema = scope.clone();
                for a in assigns {
                    let s = self.expr(&a.value, scope, None)?;
                    let field = PlanField::new(a.name.name.as_str(), s.ty, true);
                    match schema
                        .iter()
                        .position(|f| !f.hidden && *f.name == *a.name.name)
                    {
                        Some(i) => {
                            schema[i] = field;
                            exprs[i] = s;
                        }
                        None => {
                            schema.push(field);
                            exprs.push(s);
                        }
                    }
                }
                Ok(Plan::Project {
                    input: Box::new(plan),
                    exprs,
                    schema,
                })
            }
            StageKind::Aggregate { aggregates, by } => self.aggregate(plan, aggregates, by),
            StageKind::Sort(keys) => {
                let mut specs = Vec::with_capacity(keys.len());
                for k in keys {
                    let expr = self.expr(&k.expr, scope, None)?;
                    if !expr.ty.is_ordered() {
                        return Err(BindError::new(
                            BindCode::TypeMismatch,
                            k.expr.span,
                            format!("values of type {} have no order", expr.ty),
                        ));
                    }
                    specs.push(SortSpec {
                        expr,
                        descending: k.descending,
                        nulls_first: k.nulls_first.unwrap_or(false),
                    });
                }
                Ok(Plan::Sort {
                    input: Box::new(plan),
                    keys: specs,
                })
            }
            StageKind::Take(e) => {
                let n = self.count_expr(e, "take")?;
                Ok(Plan::Limit {
                    input: Box::new(plan),
                    limit: Some(n),
                    offset: None,
                })
            }
            StageKind::Skip(e) => {
                let n = self.count_expr(e, "skip")?;
                Ok(Plan::Limit {
                    input: Box::new(plan),
                    limit: None,
                    offset: Some(n),
                })
            }
            StageKind::Distinct(projs) => {
                let plan = if projs.is_empty() {
                    plan
                } else {
                    self.select(plan, projs)?
                };
                if let Some(f) = plan.schema().iter().find(|f| !f.ty.is_hashable()) {
                    return Err(BindError::new(
                        BindCode::TypeMismatch,
                        stage.span,
                        format!("`distinct` over column `{}` of type {}", f.name, f.ty),
                    ));
                }
                Ok(Plan::Distinct {
                    input: Box::new(plan),
                })
            }
            StageKind::Join { kind, right, on } => self.join(plan, *kind, right, on),
            StageKind::Union(source) => {
                let right = self.source(source)?;
                self.union(plan, right, source.span)
            }
        }
    }

    /// A `take`/`skip` count: a constant `int64`, not negative when known.
    fn count_expr(&mut self, e: &Expr, what: &str) -> R<Scalar> {
        let s = self.expr(e, &[], Some(DataType::Int64))?;
        if !assignable(&s, DataType::Int64) {
            return Err(BindError::new(
                BindCode::TypeMismatch,
                e.span,
                format!("`{what}` needs an integer, not {}", s.ty),
            ));
        }
        if let ScalarKind::Literal(crate::bytecode::Value::Int64(n)) = s.kind
            && n < 0
        {
            return Err(BindError::new(
                BindCode::BadValue,
                e.span,
                format!("`{what}` needs a count ≥ 0, not {n}"),
            ));
        }
        Ok(coerce_to(s, DataType::Int64))
    }

    fn select(&mut self, plan: Plan, projs: &[Projection]) -> R<Plan> {
        let scope = plan.schema();
        let mut exprs = Vec::with_capacity(projs.len());
        let mut schema: PlanSchema = Vec::with_capacity(projs.len());
        for (i, p) in projs.iter().enumerate() {
            let s = self.expr(&p.expr, scope, None)?;
            let name = output_name(p, i);
            if schema.iter().any(|f| *f.name == *name) {
                return Err(BindError::new(
                    BindCode::DuplicateName,
                    p.span,
                    format!("two output columns are named `{name}`"),
                )
                .hint(format!("name one of them: other = {name}")));
            }
            let field = match s.kind {
                // The column under its own name: its field as it is (no name
                // copied).
                ScalarKind::Column(c) if *scope[c].name == *name => scope[c].clone(),
                ScalarKind::Column(c) => scope[c].renamed(&*name),
                _ => PlanField::new(&*name, s.ty, true),
            };
            schema.push(field);
            exprs.push(s);
        }
        Ok(Plan::Project {
            input: Box::new(plan),
            exprs,
            schema,
        })
    }

    fn aggregate(&mut self, plan: Plan, aggregates: &[Projection], by: &[Projection]) -> R<Plan> {
        let scope = plan.schema().clone();
        let mut keys = Vec::with_capacity(by.len());
        let mut key_fields: PlanSchema = Vec::with_capacity(by.len());
        for (i, p) in by.iter().enumerate() {
            let s = self.expr(&p.expr, &scope, None)?;
            if !s.ty.is_hashable() {
                return Err(BindError::new(
                    BindCode::TypeMismatch,
                    p.span,
                    format!("cannot group by a {} value", s.ty),
                ));
            }
            let name = output_name(p, i);
            let field = match s.kind {
                ScalarKind::Column(c) if *scope[c].name == *name => scope[c].clone(),
                ScalarKind::Column(c) => scope[c].renamed(&*name),
                _ => PlanField::new(&*name, s.ty, true),
            };
            key_fields.push(field);
            keys.push(s);
        }
        self.agg = Some(AggCollector {
            input: scope,
            key_count: keys.len(),
            aggs: Vec::new(),
            in_argument: false,
        });
        let mut outputs = Vec::with_capacity(aggregates.len());
        for (i, p) in aggregates.iter().enumerate() {
            let r = self.expr(&p.expr, &key_fields, None);
            let s = match r {
                Ok(s) => s,
                Err(e) => {
                    self.agg = None;
                    return Err(e);
                }
            };
            let name = output_name(p, by.len() + i);
            if key_fields.iter().any(|f| *f.name == *name)
                || outputs
                    .iter()
                    .any(|(n, _, _): &(Arc<str>, Scalar, Span)| **n == *name)
            {
                self.agg = None;
                return Err(BindError::new(
                    BindCode::DuplicateName,
                    p.span,
                    format!("two output columns are named `{name}`"),
                ));
            }
            outputs.push((Arc::<str>::from(&*name), s, p.span));
        }
        let collected = self.agg.take().expect("set above");
        let k = keys.len();
        // Bare aggregate calls in order need no projection afterwards.
        let direct = outputs.len() == collected.aggs.len()
            && outputs
                .iter()
                .enumerate()
                .all(|(i, (_, s, _))| matches!(s.kind, ScalarKind::Column(c) if c == k + i));
        let mut schema = key_fields.clone();
        for (i, (_, _, ty)) in collected.aggs.iter().enumerate() {
            let name: Arc<str> = if direct {
                outputs[i].0.clone()
            } else {
                format!("_agg{i}").into()
            };
            schema.push(PlanField::new(name, *ty, true));
        }
        let aggs = collected.aggs.into_iter().map(|(f, a, _)| (f, a)).collect();
        let agg = Plan::Aggregate {
            input: Box::new(plan),
            keys,
            aggs,
            schema,
        };
        if direct {
            return Ok(agg);
        }
        let mut exprs: Vec<Scalar> = key_fields
            .iter()
            .enumerate()
            .map(|(i, f)| Scalar::column(i, f.ty))
            .collect();
        let mut out_schema = key_fields;
        for (name, s, _) in outputs {
            out_schema.push(PlanField::new(name, s.ty, true));
            exprs.push(s);
        }
        Ok(Plan::Project {
            input: Box::new(agg),
            exprs,
            schema: out_schema,
        })
    }

    fn join(&mut self, left: Plan, kind: JoinKind, right: &Source, on: &Expr) -> R<Plan> {
        let right = self.source(right)?;
        let nl = left.schema().len();
        let mut scope = left.schema().clone();
        scope.extend(right.schema().iter().cloned());
        let cond = self.condition(on, &scope, "`on`")?;
        let mut lkeys = Vec::new();
        let mut rkeys = Vec::new();
        let mut residual = Vec::new();
        for part in cond.conjuncts() {
            if let ScalarKind::Binary(BinaryOp::Eq, a, b) = &part.kind {
                let side = |s: &Scalar| {
                    let mut cols = Vec::new();
                    s.columns(&mut cols);
                    if cols.is_empty() {
                        None
                    } else if cols.iter().all(|c| *c < nl) {
                        Some(false)
                    } else if cols.iter().all(|c| *c >= nl) {
                        Some(true)
                    } else {
                        None
                    }
                };
                let pair = match (side(a), side(b)) {
                    (Some(false), Some(true)) => Some(((**a).clone(), (**b).clone())),
                    (Some(true), Some(false)) => Some(((**b).clone(), (**a).clone())),
                    _ => None,
                };
                if let Some((l, mut r)) = pair {
                    r.map_columns(&mut |c| c - nl);
                    lkeys.push(l);
                    rkeys.push(r);
                    continue;
                }
            }
            residual.push(part);
        }
        if lkeys.is_empty() {
            return Err(BindError::new(
                BindCode::Unsupported,
                on.span,
                "a join needs at least one equality between the two sides",
            )
            .hint("join … on left.k == right.k"));
        }
        let bkind = match kind {
            JoinKind::Inner => BJoin::Inner,
            JoinKind::Left => BJoin::Left,
            JoinKind::Right => BJoin::Right,
            JoinKind::Full => BJoin::Full,
        };
        if !residual.is_empty() && bkind != BJoin::Inner {
            return Err(BindError::new(
                BindCode::Unsupported,
                on.span,
                "an outer join's `on` may only hold equalities joined by `&&`",
            )
            .hint("filter the inputs with `where` before joining"));
        }
        let mut schema = scope;
        for (i, f) in schema.iter_mut().enumerate() {
            let on_right = i >= nl;
            if (on_right && matches!(bkind, BJoin::Left | BJoin::Full))
                || (!on_right && matches!(bkind, BJoin::Right | BJoin::Full))
            {
                f.nullable = true;
            }
        }
        let plan = Plan::Join {
            left: Box::new(left),
            right: Box::new(right),
            kind: bkind,
            keys: JoinKeys {
                left: lkeys,
                right: rkeys,
            },
            schema,
        };
        Ok(match Scalar::conjoin(residual) {
            Some(predicate) => Plan::Filter {
                input: Box::new(plan),
                predicate,
            },
            None => plan,
        })
    }

    pub(crate) fn union(&mut self, left: Plan, right: Plan, span: Span) -> R<Plan> {
        let (ls, rs) = (left.schema().clone(), right.schema().clone());
        let lv: Vec<usize> = (0..ls.len()).filter(|i| !ls[*i].hidden).collect();
        let rv: Vec<usize> = (0..rs.len()).filter(|i| !rs[*i].hidden).collect();
        if lv.len() != rv.len() {
            return Err(BindError::new(
                BindCode::UnionMismatch,
                span,
                format!("`union` of {} columns with {} columns", lv.len(), rv.len()),
            )
            .hint("select the same columns on both sides"));
        }
        let mut types = Vec::with_capacity(lv.len());
        for (a, b) in lv.iter().zip(&rv) {
            let t = DataType::common(ls[*a].ty, rs[*b].ty).ok_or_else(|| {
                BindError::new(
                    BindCode::UnionMismatch,
                    span,
                    format!(
                        "column `{}` is {} on the left and {} on the right",
                        ls[*a].name, ls[*a].ty, rs[*b].ty
                    ),
                )
            })?;
            types.push(t);
        }
        let conform =
            |plan: Plan, schema: &PlanSchema, cols: &[usize], names: &PlanSchema| -> Plan {
                let exprs: Vec<Scalar> = cols
                    .iter()
                    .zip(&types)
                    .map(|(c, t)| coerce_to(Scalar::column(*c, schema[*c].ty), *t))
                    .collect();
                let out: PlanSchema = lv
                    .iter()
                    .zip(&types)
                    .map(|(c, t)| PlanField {
                        ty: *t,
                        nullable: true,
                        ..names[*c].clone()
                    })
                    .collect();
                let identity = cols.len() == schema.len()
                    && exprs
                        .iter()
                        .enumerate()
                        .all(|(i, e)| e.kind == ScalarKind::Column(i) && e.ty == schema[i].ty);
                if identity && out == *schema {
                    plan
                } else {
                    Plan::Project {
                        input: Box::new(plan),
                        exprs,
                        schema: out,
                    }
                }
            };
        let left = conform(left, &ls, &lv, &ls);
        let right = conform(right, &rs, &rv, &ls);
        Ok(Plan::Union {
            left: Box::new(left),
            right: Box::new(right),
        })
    }
}

fn requalified(plan: Plan, qualifier: &str) -> Plan {
    let schema = Plan::requalify(plan.schema(), qualifier);
    let n = schema.len();
    if plan.schema().iter().zip(&schema).all(|(a, b)| a == b) {
        return plan;
    }
    let exprs = (0..n).map(|i| Scalar::column(i, schema[i].ty)).collect();
    Plan::Project {
        input: Box::new(plan),
        exprs,
        schema,
    }
}

impl Binder<'_> {
    pub(crate) fn check_read(&self, t: &Table, span: Span) -> R<()> {
        if let Some(c) = self.caller
            && !c.can_read(t)
        {
            return Err(BindError::new(
                BindCode::PermissionDenied,
                span,
                format!(
                    "{} (role {}) may not read {}",
                    c.user,
                    c.role,
                    t.qualified_name()
                ),
            ));
        }
        Ok(())
    }

    pub(crate) fn check_write(&self, t: &Table, span: Span) -> R<()> {
        if t.kind == crate::catalog::TableKind::System {
            return Err(BindError::new(
                BindCode::BadWrite,
                span,
                format!(
                    "{} is a system table and cannot be written",
                    t.qualified_name()
                ),
            ));
        }
        if let Some(c) = self.caller
            && !c.can_write(t)
        {
            return Err(BindError::new(
                BindCode::PermissionDenied,
                span,
                format!(
                    "{} (role {}) may not write {}",
                    c.user,
                    c.role,
                    t.qualified_name()
                ),
            ));
        }
        Ok(())
    }
}
