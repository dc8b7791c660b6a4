//! Binding statements: queries, writes, transactions, `execute as`, `explain`,
//! subscriptions, `show` and `describe`; DDL and administration are in `ddl`.

use super::Binder;
use super::error::{BindCode, BindError};
use super::expr::{assignable, coerce_to};
use super::literal::bad_json_literal;
use super::pipeline::{scan, table_info};
use super::suggest::did_you_mean;
use crate::bytecode::{MAX_CELLS, Value};
use crate::catalog::{Column, Table};
use crate::plan::{BoundStatement, Command, Plan, PlanField, Scalar, ScalarKind};
use crate::types::DataType;
use kql::ast::{
    Assignment, Expr, Ident, InsertRows, InsertValues, OptionSetting, Pipeline, QualifiedName,
    SinkKind, SourceKind, Span, StageKind, Statement, StatementKind,
};

type R<T> = Result<T, BindError>;

impl<'a> Binder<'a> {
    pub(crate) fn statement(&mut self, s: &Statement) -> R<BoundStatement> {
        match &s.kind {
            StatementKind::Pipeline(p) => self.pipeline_statement(p),
            StatementKind::Let { name, pipeline } => {
                if self.lets.contains_key(name.name.as_str()) {
                    return Err(BindError::new(
                        BindCode::DuplicateName,
                        name.span,
                        format!("`{}` is already defined", name.name),
                    ));
                }
                if pipeline.sink.is_some() {
                    return Err(BindError::new(
                        BindCode::Unsupported,
                        pipeline.span,
                        "a `let` pipeline cannot end in a write",
                    ));
                }
                let plan = self.pipeline(pipeline)?;
                self.lets.insert(name.name.to_string(), plan);
                Ok(BoundStatement::Nothing)
            }
            StatementKind::Insert(v) => self.insert_values(v, false),
            StatementKind::Upsert(v) => self.insert_values(v, true),
            StatementKind::Begin => Ok(BoundStatement::Command(Command::Begin)),
            StatementKind::Commit => Ok(BoundStatement::Command(Command::Commit)),
            StatementKind::Rollback => Ok(BoundStatement::Command(Command::Rollback)),
            StatementKind::ExecuteAs { user, body } => {
                if let Some(c) = self.caller
                    && !c.can_act_as(&user.name)
                {
                    return Err(BindError::new(
                        BindCode::PermissionDenied,
                        user.span,
                        format!(
                            "{} (role {}) may not execute as {}",
                            c.user, c.role, user.name
                        ),
                    )
                    .hint("only service, dba and root act for other users"));
                }
                let mut bound = Vec::with_capacity(body.len());
                for st in body {
                    match &st.kind {
                        StatementKind::Pipeline(_)
                        | StatementKind::Insert(_)
                        | StatementKind::Upsert(_) => bound.push(self.statement(st)?),
                        StatementKind::ExecuteAs { .. } => {
                            return Err(BindError::new(
                                BindCode::Unsupported,
                                st.span,
                                "`execute as` cannot be nested",
                            ));
                        }
                        _ => {
                            return Err(BindError::new(
                                BindCode::Unsupported,
                                st.span,
                                "`execute as` holds only queries and writes",
                            ));
                        }
                    }
                }
                Ok(BoundStatement::ExecuteAs {
                    user: user.name.to_string(),
                    body: bound,
                })
            }
            StatementKind::Subscribe { pipeline, options } => self.subscribe(pipeline, options),
            StatementKind::Show { what } => self.show(what),
            StatementKind::Describe { table } => self.describe(table),
            StatementKind::Explain { analyze, statement } => {
                if matches!(statement.kind, StatementKind::Explain { .. }) {
                    return Err(BindError::new(
                        BindCode::Unsupported,
                        statement.span,
                        "`explain` of an `explain`",
                    ));
                }
                let inner = self.statement(statement)?;
                Ok(BoundStatement::Explain {
                    analyze: *analyze,
                    statement: Box::new(inner),
                })
            }
            _ => self.command(s),
        }
    }

    fn pipeline_statement(&mut self, p: &Pipeline) -> R<BoundStatement> {
        let Some(sink) = &p.sink else {
            return Ok(BoundStatement::Query(self.pipeline(p)?));
        };
        match &sink.kind {
            SinkKind::Insert(name) | SinkKind::Upsert(name) => {
                let upsert = matches!(sink.kind, SinkKind::Upsert(_));
                let input = self.pipeline(p)?;
                let t = self.resolve_table(name)?;
                self.check_write(t, name.span)?;
                self.insert_plan(t, input, upsert, sink.span)
            }
            SinkKind::Update(assigns) => {
                let (t, plan) = self.write_source(p, "update")?;
                self.update(t, plan, assigns)
            }
            SinkKind::Delete => {
                let (t, plan) = self.write_source(p, "delete")?;
                let key = plan.schema().len() - 1;
                let input = Plan::Project {
                    input: Box::new(plan),
                    exprs: vec![Scalar::column(key, DataType::Bytes)],
                    schema: vec![PlanField::new("#key", DataType::Bytes, false)],
                };
                Ok(BoundStatement::Delete {
                    table: table_info(self.catalog, t),
                    input,
                })
            }
        }
    }

    /// The rows an `update` or `delete` touches: `from T | where …` only, scanned
    /// with the row key as the last (hidden) column.
    fn write_source(&mut self, p: &Pipeline, what: &str) -> R<(&'a Table, Plan)> {
        let SourceKind::Table(name) = &p.source.kind else {
            return Err(BindError::new(
                BindCode::BadWrite,
                p.source.span,
                format!("`{what}` needs `from TABLE` as its source"),
            ));
        };
        if name.namespace.is_none() && self.lets.contains_key(name.name.name.as_str()) {
            return Err(BindError::new(
                BindCode::BadWrite,
                name.span,
                format!(
                    "`{what}` needs a table, not the `let` name `{}`",
                    name.name.name
                ),
            ));
        }
        let t = self.resolve_table(name)?;
        self.check_write(t, name.span)?;
        let qualifier = p
            .source
            .alias
            .as_ref()
            .map(|a| a.name.as_str())
            .unwrap_or(&t.name);
        let mut plan = scan(self.catalog, t, qualifier, true);
        for stage in &p.stages {
            if !matches!(stage.kind, StageKind::Where(_)) {
                return Err(BindError::new(
                    BindCode::BadWrite,
                    stage.span,
                    format!("only `where` may come between `from` and `{what}`"),
                )
                .hint(
                    "choose the rows with `where`; sort, take and joins do not apply to writes",
                ));
            }
            plan = self.stage(plan, stage)?;
        }
        Ok((t, plan))
    }

    fn update(&mut self, t: &'a Table, plan: Plan, assigns: &[Assignment]) -> R<BoundStatement> {
        let scope = plan.schema().clone();
        let key = scope.len() - 1;
        let mut exprs = vec![Scalar::column(key, DataType::Bytes)];
        let mut schema = vec![PlanField::new("#key", DataType::Bytes, false)];
        let mut set = Vec::with_capacity(assigns.len());
        for a in assigns {
            let col = self.table_column(t, &a.name)?;
            if t.key.contains(&col.name) {
                return Err(BindError::new(
                    BindCode::BadWrite,
                    a.name.span,
                    format!("key column `{}` cannot be updated", col.name),
                )
                .hint("delete the row and insert a new one"));
            }
            if set.contains(&col.id) {
                return Err(BindError::new(
                    BindCode::BadWrite,
                    a.name.span,
                    format!("column `{}` is set twice", col.name),
                ));
            }
            let s = self.expr(&a.value, &scope, Some(col.ty))?;
            let s = self.fit(s, col, a.value.span)?;
            set.push(col.id);
            schema.push(PlanField::new(col.name.clone(), col.ty, col.nullable));
            exprs.push(s);
        }
        let input = Plan::Project {
            input: Box::new(plan),
            exprs,
            schema,
        };
        Ok(BoundStatement::Update {
            table: table_info(self.catalog, t),
            set,
            input,
        })
    }

    pub(crate) fn table_column(&self, t: &'a Table, name: &Ident) -> R<&'a Column> {
        t.column(&name.name).ok_or_else(|| {
            let hint = did_you_mean(&name.name, t.columns.iter().map(|c| c.name.as_str()));
            BindError::new(
                BindCode::UnknownColumn,
                name.span,
                format!("unknown column `{}` in {}", name.name, t.qualified_name()),
            )
            .maybe_hint(hint)
        })
    }

    /// A value for column `col`: converted or widened, or an error naming both types.
    pub(crate) fn fit(&self, s: Scalar, col: &Column, span: Span) -> R<Scalar> {
        if let Some(why) = bad_json_literal(&s, col.ty) {
            return Err(BindError::new(
                BindCode::BadValue,
                span,
                format!("the text for json column `{}` is not JSON: {why}", col.name),
            ));
        }
        // As SQL's assignment cast: any integer or decimal goes into a decimal column
        // (rounded to its scale; a value with too many digits fails when cast, X004).
        let int_into_decimal = (s.ty.is_integer() || matches!(s.ty, DataType::Decimal { .. }))
            && matches!(col.ty, DataType::Decimal { .. });
        if !int_into_decimal && !assignable(&s, col.ty) {
            return Err(BindError::new(
                BindCode::TypeMismatch,
                span,
                format!(
                    "a {} value does not fit column `{}` of type {}",
                    s.ty, col.name, col.ty
                ),
            )
            .hint(format!("convert it: (…) :: {}", col.ty)));
        }
        if !col.nullable
            && let ScalarKind::Literal(Value::Null(_)) = s.kind
        {
            return Err(BindError::new(
                BindCode::BadWrite,
                span,
                format!("column `{}` cannot be null", col.name),
            ));
        }
        Ok(coerce_to(s, col.ty))
    }

    /// The default of `col` (parsed from its KQL text and bound as a constant), or
    /// null when it has none and may be null.
    pub(crate) fn default_value(&mut self, t: &Table, col: &Column, span: Span) -> R<Scalar> {
        match (&col.default, self.catalog.get_default(t.id, col.id)) {
            (Some(text), Some(expr)) => {
                let s = self.expr(expr, &[], Some(col.ty)).map_err(|e| {
                    BindError::new(
                        BindCode::BadDefinition,
                        span,
                        format!(
                            "the default of {}.{} (`{text}`): {}",
                            t.qualified_name(),
                            col.name,
                            e.message
                        ),
                    )
                })?;
                self.fit(s, col, span)
            }
            (None, _) if col.nullable => Ok(Scalar::literal(Value::Null(col.ty))),
            _ => Err(BindError::new(
                BindCode::BadWrite,
                span,
                format!(
                    "column `{}` of {} needs a value: it is not null and has no default",
                    col.name,
                    t.qualified_name()
                ),
            )),
        }
    }

    /// `… | insert into T`: the input's columns by name, defaults for the rest.
    fn insert_plan(
        &mut self,
        t: &'a Table,
        input: Plan,
        upsert: bool,
        span: Span,
    ) -> R<BoundStatement> {
        if upsert && t.key.is_empty() {
            return Err(BindError::new(
                BindCode::BadWrite,
                span,
                format!("{} has no primary key to upsert by", t.qualified_name()),
            )
            .hint("use insert"));
        }
        let scope = input.schema().clone();
        for f in scope.iter().filter(|f| !f.hidden) {
            if t.column(&f.name).is_none() {
                let hint = did_you_mean(&f.name, t.columns.iter().map(|c| c.name.as_str()));
                return Err(BindError::new(
                    BindCode::BadWrite,
                    span,
                    format!(
                        "the rows have a column `{}` that {} does not have",
                        f.name,
                        t.qualified_name()
                    ),
                )
                .maybe_hint(hint));
            }
        }
        let mut exprs = Vec::with_capacity(t.columns.len());
        for col in &t.columns {
            let s = match scope.iter().position(|f| !f.hidden && *f.name == *col.name) {
                Some(i) => self.fit(Scalar::column(i, scope[i].ty), col, span)?,
                None => self.default_value(t, col, span)?,
            };
            exprs.push(s);
        }
        let schema = t
            .columns
            .iter()
            .map(|c| PlanField::new(c.name.clone(), c.ty, c.nullable))
            .collect();
        let input = Plan::Project {
            input: Box::new(input),
            exprs,
            schema,
        };
        Ok(BoundStatement::Insert {
            table: table_info(self.catalog, t),
            columns: t.columns.iter().map(|c| c.id).collect(),
            input,
            upsert,
        })
    }

    /// `insert into T {…}, …` / `(a, b) values (…)`: a `Values` plan in table column
    /// order.
    fn insert_values(&mut self, v: &InsertValues, upsert: bool) -> R<BoundStatement> {
        let t = self.resolve_table(&v.table)?;
        self.check_write(t, v.table.span)?;
        if upsert && t.key.is_empty() {
            return Err(BindError::new(
                BindCode::BadWrite,
                v.span,
                format!("{} has no primary key to upsert by", t.qualified_name()),
            )
            .hint("use insert"));
        }
        let rows: Vec<Vec<(&Ident, &Expr)>> = match &v.rows {
            InsertRows::Records(records) => records
                .iter()
                .map(|r| r.iter().map(|f| (&f.name, &f.value)).collect())
                .collect(),
            InsertRows::Values { columns, rows } => {
                let mut out = Vec::with_capacity(rows.len());
                for row in rows {
                    if row.len() != columns.len() {
                        let span = row.first().map(|e| e.span).unwrap_or(v.span);
                        return Err(BindError::new(
                            BindCode::BadWrite,
                            span,
                            format!(
                                "a row of {} values for {} columns",
                                row.len(),
                                columns.len()
                            ),
                        ));
                    }
                    out.push(columns.iter().zip(row).collect());
                }
                out
            }
        };
        // Every row carries a value for every column of the table (defaults filled
        // in), and one plan instruction holds them all.
        let fit = MAX_CELLS / t.columns.len().max(1);
        if rows.len() > fit {
            let span = rows[fit].first().map_or(v.span, |(name, value)| {
                Span::new(name.span.start, value.span.end)
            });
            return Err(BindError::new(
                BindCode::TooComplex,
                span,
                format!(
                    "{} rows of {} values (every column of {}, defaults included) are {} values; one statement holds at most {MAX_CELLS}, so {fit} rows",
                    rows.len(),
                    t.columns.len(),
                    t.qualified_name(),
                    rows.len() * t.columns.len()
                ),
            )
            .hint(format!(
                "split the rows over several inserts of at most {fit} rows, in one transaction (`begin; …; commit`) if they must land together; for files, `kalavar load`"
            )));
        }
        let mut cells_rows = Vec::with_capacity(rows.len());
        for row in rows {
            let mut given: Vec<Option<Scalar>> = vec![None; t.columns.len()];
            for (name, value) in row {
                let col = self.table_column(t, name)?;
                let i = t
                    .columns
                    .iter()
                    .position(|c| c.id == col.id)
                    .expect("found above");
                if given[i].is_some() {
                    return Err(BindError::new(
                        BindCode::BadWrite,
                        name.span,
                        format!("column `{}` is given twice", col.name),
                    ));
                }
                let s = self.expr(value, &[], Some(col.ty))?;
                given[i] = Some(self.fit(s, col, value.span)?);
            }
            let mut cells = Vec::with_capacity(t.columns.len());
            for (i, g) in given.into_iter().enumerate() {
                cells.push(match g {
                    Some(s) => s,
                    None => self.default_value(t, &t.columns[i], v.span)?,
                });
            }
            cells_rows.push(cells);
        }
        let schema = t
            .columns
            .iter()
            .map(|c| PlanField::new(c.name.clone(), c.ty, c.nullable))
            .collect();
        let input = Plan::Values {
            schema,
            rows: cells_rows,
        };
        Ok(BoundStatement::Insert {
            table: table_info(self.catalog, t),
            columns: t.columns.iter().map(|c| c.id).collect(),
            input,
            upsert,
        })
    }

    fn subscribe(&mut self, p: &Pipeline, options: &[OptionSetting]) -> R<BoundStatement> {
        let SourceKind::Table(name) = &p.source.kind else {
            return Err(BindError::new(
                BindCode::Unsupported,
                p.source.span,
                "`subscribe` needs `from TABLE` as its source",
            ));
        };
        if let Some(sink) = &p.sink {
            return Err(BindError::new(
                BindCode::Unsupported,
                sink.span,
                "`subscribe` cannot write",
            ));
        }
        let t = self.resolve_table(name)?;
        self.check_read(t, name.span)?;
        let mut last = 0u32;
        for o in options {
            match o.name.name.as_str() {
                "last" => {
                    let s = self.expr(&o.value, &[], None)?;
                    last = match s.kind {
                        ScalarKind::Literal(Value::Int64(n)) if (0..=100_000).contains(&n) => {
                            n as u32
                        }
                        _ => {
                            return Err(BindError::new(
                                BindCode::BadValue,
                                o.value.span,
                                "`last` takes a number of rows from 0 to 100000",
                            ));
                        }
                    };
                }
                other => {
                    return Err(BindError::new(
                        BindCode::BadValue,
                        o.name.span,
                        format!("unknown subscribe option `{other}`"),
                    )
                    .maybe_hint(did_you_mean(other, ["last"])));
                }
            }
        }
        let qualifier = p
            .source
            .alias
            .as_ref()
            .map(|a| a.name.as_str())
            .unwrap_or(&t.name);
        let Plan::Scan {
            table,
            columns,
            mut schema,
            ..
        } = scan(self.catalog, t, qualifier, false)
        else {
            unreachable!("scan builds a Scan")
        };
        schema.push(PlanField::new("_change", DataType::Text, false));
        let mut plan = Plan::Subscribe {
            table,
            columns,
            schema,
            filter: None,
            last,
        };
        for stage in &p.stages {
            if !matches!(
                stage.kind,
                StageKind::Where(_) | StageKind::Select(_) | StageKind::Extend(_)
            ) {
                return Err(BindError::new(
                    BindCode::Unsupported,
                    stage.span,
                    "a subscription may only use `where`, `select` and `extend`",
                ));
            }
            plan = self.stage(plan, stage)?;
        }
        Ok(BoundStatement::Query(plan))
    }

    fn system_scan(&self, name: &str) -> Plan {
        let t = self
            .catalog
            .get_table(crate::catalog::SYSTEM_NAMESPACE, name)
            .expect("system tables are built in");
        scan(self.catalog, t, name, false)
    }

    fn show(&mut self, what: &Ident) -> R<BoundStatement> {
        const TARGETS: [&str; 7] = [
            "tables",
            "columns",
            "users",
            "certificates",
            "sessions",
            "jobs",
            "stats",
        ];
        let target = what.name.to_lowercase();
        let name = match target.as_str() {
            "namespaces" => "tables",
            t if TARGETS.contains(&t) => t,
            _ => {
                let mut all = TARGETS.to_vec();
                all.push("namespaces");
                return Err(BindError::new(
                    BindCode::Unsupported,
                    what.span,
                    format!("`show {}` is not a thing to show", what.name),
                )
                .hint(
                    did_you_mean(&target, all.iter().copied())
                        .unwrap_or_else(|| format!("show one of: {}", all.join(", "))),
                ));
            }
        };
        let plan = self.system_scan(name);
        if target == "namespaces" {
            let schema = plan.schema().clone();
            let ns = schema
                .iter()
                .position(|f| &*f.name == "namespace")
                .expect("system.tables has namespace");
            let input = Plan::Project {
                input: Box::new(plan),
                exprs: vec![Scalar::column(ns, DataType::Text)],
                schema: vec![PlanField::new("namespace", DataType::Text, false)],
            };
            return Ok(BoundStatement::Query(Plan::Distinct {
                input: Box::new(input),
            }));
        }
        Ok(BoundStatement::Query(plan))
    }

    /// `describe T`: the rows of `system.columns` for T.
    fn describe(&mut self, name: &QualifiedName) -> R<BoundStatement> {
        let t = self.resolve_table(name)?;
        let plan = self.system_scan("columns");
        let schema = plan.schema().clone();
        let col = |n: &str| {
            let i = schema
                .iter()
                .position(|f| &*f.name == n)
                .expect("system.columns schema");
            Scalar::column(i, schema[i].ty)
        };
        let eq = |a: Scalar, v: &str| {
            Scalar::binary(
                crate::bytecode::BinaryOp::Eq,
                a,
                Scalar::literal(Value::Text(v.to_owned())),
                DataType::Bool,
            )
        };
        let predicate = Scalar::binary(
            crate::bytecode::BinaryOp::And,
            eq(col("namespace"), &t.namespace),
            eq(col("table"), &t.name),
            DataType::Bool,
        );
        let filtered = Plan::Filter {
            input: Box::new(plan),
            predicate,
        };
        let keep = ["name", "type", "nullable", "default", "key_position"];
        let exprs: Vec<Scalar> = keep.iter().map(|n| col(n)).collect();
        let out = keep
            .iter()
            .map(|n| {
                schema
                    .iter()
                    .find(|f| *f.name == **n)
                    .expect("listed")
                    .clone()
            })
            .collect();
        let ordinal = col("ordinal");
        let sorted = Plan::Sort {
            input: Box::new(filtered),
            keys: vec![crate::plan::SortSpec {
                expr: ordinal,
                descending: false,
                nulls_first: false,
            }],
        };
        Ok(BoundStatement::Query(Plan::Project {
            input: Box::new(sorted),
            exprs,
            schema: out,
        }))
    }
}
