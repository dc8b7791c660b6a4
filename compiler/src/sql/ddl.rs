//! Definitions: `CREATE TABLE` (types, `PRIMARY KEY`, `NOT NULL`, `DEFAULT`, and
//! the table kind and options as storage parameters), `CREATE SCHEMA` (a
//! namespace), `DROP TABLE`/`DROP SCHEMA`, and the `ALTER TABLE` changes KQL has.
//!
//! The table kind is chosen with PostgreSQL's storage-parameter clause:
//!
//! ```sql
//! CREATE TABLE chat.messages (…) WITH (kind = 'user');      -- user, shared, stream
//! CREATE TABLE chat.typing (…) WITH (kind = 'stream', ttl = '30 seconds');
//! CREATE TABLE docs.content (…) WITH (access = 'public', flush_rows = 1000, flush_interval = '1 minute');
//! ```
//!
//! Without `kind` the table is `shared`, as in KQL.

use super::build::{expr, ident, lit, statement};
use super::error::{R, SqlError, codes, fail};
use super::expr::Cx;
use super::literal::parse_interval;
use super::names::{fold, table_name};
use super::schema::{SchemaChange, TableSchema};
use super::statement::Tx;
use super::types::kql_type;
use kql::ast::{
    AlterTableAction, ColumnDef, ColumnRef, CreateTable, Expr, ExprKind, Literal, Name,
    OptionSetting, Statement, StatementKind, TableKind, TypeName,
};
use sqlparser::ast::{self as sql, Spanned};

impl Tx<'_> {
    pub(crate) fn create_table(&mut self, ct: &sql::CreateTable) -> R<Statement> {
        let refuse = |what: &str| -> R<Statement> {
            fail(
                codes::TABLE_DEFINITION,
                ct.name.span(),
                format!("{what} has no KQL equivalent"),
            )
        };
        if ct.or_replace {
            return refuse("CREATE OR REPLACE TABLE");
        }
        if ct.temporary || ct.global.is_some() {
            return refuse("a temporary table");
        }
        if ct.unlogged {
            return refuse(
                "UNLOGGED (KQL writes are durable; a stream table is the ephemeral kind)",
            );
        }
        if ct.query.is_some() {
            return Err(SqlError::new(
                codes::TABLE_DEFINITION,
                ct.name.span(),
                "CREATE TABLE … AS SELECT has no KQL equivalent",
            )
            .hint("create the table, then INSERT … SELECT"));
        }
        if ct.like.is_some() || ct.clone.is_some() {
            return refuse("CREATE TABLE … LIKE");
        }
        if ct.inherits.is_some() || ct.partition_of.is_some() || ct.partition_by.is_some() {
            return refuse("table inheritance or partitioning");
        }
        if ct.on_commit.is_some() || ct.comment.is_some() || ct.external || ct.location.is_some() {
            return refuse("this table clause");
        }
        let (ns, name) = table_name(&ct.name)?;
        if ns.is_none() {
            return Err(SqlError::new(
                codes::TABLE_DEFINITION,
                ct.name.span(),
                format!("`{}` has no schema: a KQL table lives in a namespace, and KQL has no search path to pick one", ct.name),
            )
            .hint(format!("CREATE SCHEMA app; CREATE TABLE app.{name} (…)")));
        }
        let mut columns = Vec::with_capacity(ct.columns.len());
        let mut names: Vec<Name> = Vec::with_capacity(ct.columns.len());
        let mut column_key: Vec<Name> = Vec::new();
        let mut types = Vec::with_capacity(ct.columns.len());
        for c in &ct.columns {
            let (def, is_key) = column_def(c)?;
            types.push((def.name.name.clone(), def.ty.kind));
            if names.contains(&def.name.name) {
                return fail(
                    codes::TABLE_DEFINITION,
                    c.name.span,
                    format!("column `{}` is given twice", def.name.name),
                );
            }
            names.push(def.name.name.clone());
            if is_key {
                column_key.push(def.name.name.clone());
            }
            columns.push(def);
        }
        let mut table_key: Option<Vec<Name>> = None;
        for k in &ct.constraints {
            match k {
                sql::TableConstraint::PrimaryKey(pk) => {
                    if table_key.is_some() || !column_key.is_empty() {
                        return fail(
                            codes::TABLE_DEFINITION,
                            k.span(),
                            "multiple primary keys are not allowed (PostgreSQL refuses them too)",
                        );
                    }
                    let mut key = Vec::with_capacity(pk.columns.len());
                    for ic in &pk.columns {
                        let sql::Expr::Identifier(id) = &ic.column.expr else {
                            return fail(
                                codes::TABLE_DEFINITION,
                                ic.column.span(),
                                "a primary key lists column names",
                            );
                        };
                        let n = fold(id)?;
                        if !names.contains(&n) {
                            return fail(
                                codes::TABLE_DEFINITION,
                                id.span,
                                format!("primary key column `{n}` is not a column of the table"),
                            );
                        }
                        key.push(n);
                    }
                    table_key = Some(key);
                }
                other => return Err(constraint_error(other)),
            }
        }
        if column_key.len() > 1 {
            return fail(
                codes::TABLE_DEFINITION,
                ct.name.span(),
                "multiple primary keys are not allowed (PostgreSQL refuses them too)",
            );
        }
        // A one-column key reads best on its column.
        let key_element = match table_key {
            Some(k) if k.len() == 1 => {
                if let Some(c) = columns.iter_mut().find(|c| c.name.name == k[0]) {
                    c.key = true;
                }
                column_key = k;
                None
            }
            Some(k) => {
                column_key = k.clone();
                Some(k.iter().map(ident).collect())
            }
            None => None,
        };
        let (kind, options) = table_options(&ct.table_options, ct)?;
        self.changes.push(SchemaChange::Create(TableSchema {
            namespace: ns.clone(),
            name: name.clone(),
            columns: names,
            key: column_key,
            types,
        }));
        Ok(statement(StatementKind::CreateTable(CreateTable {
            kind,
            if_not_exists: ct.if_not_exists,
            name: super::build::qualified(ns.as_deref(), &name),
            columns,
            key: key_element,
            options,
            span: super::build::NO_SPAN,
        })))
    }

    pub(crate) fn drop(&mut self, s: &sql::Statement) -> R<Vec<Statement>> {
        let sql::Statement::Drop {
            object_type,
            if_exists,
            names,
            cascade,
            purge,
            temporary,
            table,
            ..
        } = s
        else {
            unreachable!("called for DROP only")
        };
        if *purge || *temporary || table.is_some() {
            return fail(
                codes::STATEMENT,
                s.span(),
                "this DROP form is not PostgreSQL",
            );
        }
        let mut out = Vec::with_capacity(names.len());
        match object_type {
            sql::ObjectType::Table => {
                // CASCADE drops dependent views and foreign keys; KQL has neither,
                // so it drops nothing more.
                for n in names {
                    let (ns, t) = table_name(n)?;
                    self.changes.push(SchemaChange::Drop(ns.clone(), t.clone()));
                    out.push(statement(StatementKind::DropTable {
                        table: super::build::qualified(ns.as_deref(), &t),
                        if_exists: *if_exists,
                    }));
                }
            }
            sql::ObjectType::Schema => {
                if *cascade {
                    return Err(SqlError::new(
                        codes::CASCADE,
                        s.span(),
                        "DROP SCHEMA … CASCADE has no KQL form: KQL drops only empty namespaces",
                    )
                    .hint("drop the tables first, then the schema"));
                }
                for n in names {
                    let ns = super::names::single(n, "a schema name")?;
                    out.push(statement(StatementKind::DropNamespace {
                        name: ident(&ns),
                        if_exists: *if_exists,
                    }));
                }
            }
            other => {
                return fail(
                    codes::STATEMENT,
                    s.span(),
                    format!("DROP {other} has no KQL translation"),
                );
            }
        }
        Ok(out)
    }

    pub(crate) fn alter_table(
        &mut self,
        a: &sql::AlterTable,
        s: &sql::Statement,
    ) -> R<Vec<Statement>> {
        if a.if_exists || a.location.is_some() || a.on_cluster.is_some() {
            return fail(
                codes::STATEMENT,
                s.span(),
                "ALTER TABLE IF EXISTS has no KQL form",
            );
        }
        let [op] = a.operations.as_slice() else {
            return Err(SqlError::new(
                codes::STATEMENT,
                s.span(),
                "an ALTER TABLE with several changes has no KQL form: PostgreSQL applies them together, KQL one at a time",
            )
            .hint("write one ALTER TABLE per change"));
        };
        let (ns, t) = table_name(&a.name)?;
        let table = super::build::qualified(ns.as_deref(), &t);
        let action = match op {
            sql::AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                column_position,
                ..
            } => {
                if *if_not_exists || column_position.is_some() {
                    return fail(
                        codes::STATEMENT,
                        s.span(),
                        "ADD COLUMN IF NOT EXISTS has no KQL form",
                    );
                }
                let (def, key) = column_def_checked(column_def)?;
                if key {
                    return fail(
                        codes::TABLE_DEFINITION,
                        column_def.span(),
                        "adding a primary-key column has no KQL form: a table's key is fixed when it is created",
                    );
                }
                self.changes.push(SchemaChange::AddColumn(
                    ns.clone(),
                    t.clone(),
                    def.name.name.clone(),
                    def.ty.kind,
                ));
                AlterTableAction::AddColumn(def)
            }
            sql::AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                drop_behavior,
                ..
            } => {
                if *if_exists || matches!(drop_behavior, Some(sql::DropBehavior::Cascade)) {
                    return fail(
                        codes::STATEMENT,
                        s.span(),
                        "DROP COLUMN IF EXISTS or CASCADE has no KQL form",
                    );
                }
                let [c] = column_names.as_slice() else {
                    return fail(
                        codes::STATEMENT,
                        s.span(),
                        "drop one column per ALTER TABLE",
                    );
                };
                let c = fold(c)?;
                self.changes
                    .push(SchemaChange::DropColumn(ns.clone(), t.clone(), c.clone()));
                AlterTableAction::DropColumn(ident(&c))
            }
            sql::AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let from = fold(old_column_name)?;
                let to = fold(new_column_name)?;
                self.changes.push(SchemaChange::RenameColumn(
                    ns.clone(),
                    t.clone(),
                    from.clone(),
                    to.clone(),
                ));
                AlterTableAction::RenameColumn {
                    from: ident(&from),
                    to: ident(&to),
                }
            }
            other => {
                return fail(
                    codes::STATEMENT,
                    s.span(),
                    format!(
                        "ALTER TABLE … {other} has no KQL form; KQL adds, drops and renames columns"
                    ),
                );
            }
        };
        Ok(vec![statement(StatementKind::AlterTable { table, action })])
    }
}

fn column_def_checked(c: &sql::ColumnDef) -> R<(ColumnDef, bool)> {
    column_def(c)
}

/// A column: its KQL type, `key`, `not null` and `default`.
fn column_def(c: &sql::ColumnDef) -> R<(ColumnDef, bool)> {
    let name = fold(&c.name)?;
    let kind = kql_type(&c.data_type, c.span())?;
    let mut def = ColumnDef {
        name: ident(&name),
        ty: TypeName {
            kind,
            span: super::build::NO_SPAN,
        },
        key: false,
        not_null: false,
        default: None,
        span: super::build::NO_SPAN,
    };
    let mut key = false;
    for o in &c.options {
        match &o.option {
            sql::ColumnOption::Null => {}
            sql::ColumnOption::NotNull => def.not_null = true,
            sql::ColumnOption::Default(e) => {
                let d = Cx::empty().without_aggregates("DEFAULT").expr(e)?;
                def.default = Some(super::expr::assigned(d, Some(kind), None, e.span())?);
            }
            sql::ColumnOption::PrimaryKey(_) => key = true,
            sql::ColumnOption::Collation(n) => {
                let c = n.to_string().trim_matches('"').to_ascii_lowercase();
                if !code_point_collation(&c) {
                    return fail(
                        codes::TABLE_DEFINITION,
                        o.option.span(),
                        format!(
                            "COLLATE {n}: KQL compares text by code point only, as COLLATE \"C\" does"
                        ),
                    );
                }
            }
            sql::ColumnOption::Unique(_) => {
                return Err(SqlError::new(
                    codes::TABLE_DEFINITION,
                    o.option.span(),
                    "UNIQUE has no KQL equivalent: KQL enforces only the primary key",
                )
                .hint("make the column the primary key, or check uniqueness in the application"));
            }
            sql::ColumnOption::ForeignKey(_) => {
                return fail(
                    codes::TABLE_DEFINITION,
                    o.option.span(),
                    "REFERENCES has no KQL equivalent: KQL has no foreign keys",
                );
            }
            sql::ColumnOption::Check(_) => {
                return fail(
                    codes::TABLE_DEFINITION,
                    o.option.span(),
                    "CHECK has no KQL equivalent: KQL has no check constraints",
                );
            }
            sql::ColumnOption::Generated { .. } | sql::ColumnOption::Identity(_) => {
                return Err(SqlError::new(
                    codes::TABLE_DEFINITION,
                    o.option.span(),
                    "GENERATED columns have no KQL equivalent",
                )
                .hint("for ids, use bigint DEFAULT snowflake() in KQL (unique, time-ordered, not consecutive)"));
            }
            other => {
                return fail(
                    codes::TABLE_DEFINITION,
                    other.span(),
                    format!("column option `{other}` has no KQL equivalent"),
                );
            }
        }
    }
    def.key = key;
    Ok((def, key))
}

fn constraint_error(k: &sql::TableConstraint) -> SqlError {
    let what = match k {
        sql::TableConstraint::Unique(_) => {
            "UNIQUE has no KQL equivalent: KQL enforces only the primary key"
        }
        sql::TableConstraint::ForeignKey(_) => {
            "FOREIGN KEY has no KQL equivalent: KQL has no foreign keys"
        }
        sql::TableConstraint::Check(_) => {
            "CHECK has no KQL equivalent: KQL has no check constraints"
        }
        _ => "this table constraint has no KQL equivalent",
    };
    SqlError::new(codes::TABLE_DEFINITION, k.span(), what)
}

/// `WITH (kind = 'user', ttl = '30 seconds', access = 'public', flush_rows = 1000,
/// flush_interval = '1 minute')`.
fn table_options(
    opts: &sql::CreateTableOptions,
    ct: &sql::CreateTable,
) -> R<(Option<TableKind>, Vec<OptionSetting>)> {
    let list = match opts {
        sql::CreateTableOptions::None => return Ok((None, Vec::new())),
        sql::CreateTableOptions::With(list) => list,
        _ => {
            return fail(
                codes::TABLE_DEFINITION,
                ct.name.span(),
                "table options other than WITH (…) have no KQL equivalent",
            );
        }
    };
    let mut kind = None;
    let mut options = Vec::new();
    let mut flush: Vec<Expr> = Vec::new();
    for o in list {
        let sql::SqlOption::KeyValue { key, value } = o else {
            return fail(
                codes::TABLE_DEFINITION,
                o.span(),
                format!("table option `{o}` has no KQL equivalent"),
            );
        };
        let k = fold(key)?;
        let word = option_word(value);
        let bad = |what: &str| -> SqlError {
            SqlError::new(
                codes::TABLE_DEFINITION,
                value.span(),
                format!("`{k}` takes {what}"),
            )
        };
        match k.as_str() {
            "kind" => {
                kind = Some(match word.as_deref() {
                    Some("user") => TableKind::User,
                    Some("shared") => TableKind::Shared,
                    Some("stream") => TableKind::Stream,
                    _ => return Err(bad("'user', 'shared' or 'stream'")),
                });
            }
            "access" => match word.as_deref() {
                Some(w @ ("public" | "read_only" | "private")) => {
                    options.push(setting("access", bare(w)))
                }
                _ => return Err(bad("'public', 'read_only' or 'private'")),
            },
            "ttl" | "flush_interval" => {
                let micros = word
                    .as_deref()
                    .and_then(|w| parse_interval(w).ok())
                    .and_then(|m| i64::try_from(m).ok())
                    .filter(|m| *m > 0)
                    .ok_or_else(|| bad("a positive interval such as '30 seconds'"))?;
                let d = lit(Literal::Duration(micros));
                if k == "ttl" {
                    options.push(setting("ttl", d));
                } else {
                    flush.push(super::build::call("every", vec![d]));
                }
            }
            "flush_rows" => {
                let n = word
                    .as_deref()
                    .and_then(|w| w.parse::<i64>().ok())
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad("a positive number of rows"))?;
                flush.insert(0, super::build::call("rows", vec![lit(Literal::Int(n))]));
            }
            other => {
                return Err(SqlError::new(
                    codes::TABLE_DEFINITION,
                    key.span,
                    format!("storage parameter `{other}` has no KQL meaning"),
                )
                .hint("Kalavar takes kind, access, ttl, flush_rows and flush_interval"));
            }
        }
    }
    if !flush.is_empty() {
        options.push(setting("flush", expr(ExprKind::List(flush))));
    }
    Ok((kind, options))
}

/// An option value as a word: `'user'`, `user`, `1000`.
fn option_word(v: &sql::Expr) -> Option<String> {
    match v {
        sql::Expr::Value(v) => match &v.value {
            sql::Value::SingleQuotedString(s) => Some(s.clone()),
            sql::Value::Number(n, _) => Some(n.clone()),
            _ => None,
        },
        sql::Expr::Identifier(id) => fold(id).ok().map(String::from),
        _ => None,
    }
}

fn bare(word: &str) -> Expr {
    expr(ExprKind::Column(ColumnRef {
        qualifier: None,
        name: ident(word),
        span: super::build::NO_SPAN,
    }))
}

fn setting(name: &str, value: Expr) -> OptionSetting {
    OptionSetting {
        name: ident(name),
        value,
        span: super::build::NO_SPAN,
    }
}

/// Whether a collation (its name folded to lower case) orders text by code point,
/// as KQL does: `C`, `POSIX`, `ucs_basic`, and glibc's `C.UTF-8` (under which
/// PostgreSQL's `lower`/`upper` also map all of Unicode, as KQL's do).
pub(crate) fn code_point_collation(name: &str) -> bool {
    matches!(name, "c" | "posix" | "ucs_basic" | "c.utf8" | "c.utf-8")
}
