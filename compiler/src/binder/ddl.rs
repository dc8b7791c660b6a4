//! Binding DDL and administration: tables and namespaces, users and certificates,
//! storage jobs. Each becomes one [`Command`].

use super::Binder;
use super::error::{BindCode, BindError};
use super::expr::{assignable, coerce_to};
use super::pipeline::table_info;
use super::suggest::did_you_mean;
use crate::bytecode::{AlterAction, Col, ColumnDef, TableDef, TableOptions};
use crate::catalog::{Access, Column, SYSTEM_NAMESPACE, TableKind};
use crate::identity::Role;
use crate::plan::{BoundStatement, Command, ScalarKind};
use crate::types::DataType;
use kql::ast::{
    self, AlterTableAction, ColumnDef as AstColumn, Expr, ExprKind, OptionSetting, Span, Statement,
    StatementKind, UserOption,
};

type R<T> = Result<T, BindError>;

/// The kind of a table created without `user`, `shared` or `stream`: `shared`, the
/// meaning a SQL user expects (one table everybody with access reads), as
/// docs/kql.md says.
pub const DEFAULT_TABLE_KIND: TableKind = TableKind::Shared;

/// Longest namespace, table or column name, in characters (the storage engine's
/// limit, checked here so a statement that binds also runs).
pub const MAX_NAME_CHARS: usize = 64;

/// A name a new namespace, table or column gets: 1–[`MAX_NAME_CHARS`] characters, no
/// control characters, not starting with `__` (reserved for hidden columns). Any
/// other character is allowed (quoted: `` `café table` ``).
fn new_name(what: &str, name: &ast::Ident) -> R<()> {
    let n = name.name.chars().count();
    let problem = if n > MAX_NAME_CHARS {
        format!("is {n} characters long; names are at most {MAX_NAME_CHARS}")
    } else if name.name.chars().any(char::is_control) {
        "contains a control character".to_owned()
    } else if name.name.starts_with("__") {
        "starts with `__`, which is reserved for the engine's hidden columns".to_owned()
    } else {
        return Ok(());
    };
    Err(BindError::new(
        BindCode::BadDefinition,
        name.span,
        format!("{what} name {problem}"),
    )
    .hint(format!(
        "a name is 1–{MAX_NAME_CHARS} characters, any but control characters, not starting with `__`"
    )))
}

impl Binder<'_> {
    fn need_schema_role(&self, span: Span) -> R<()> {
        match self.caller {
            Some(c) if !c.can_change_schema() => Err(BindError::new(
                BindCode::PermissionDenied,
                span,
                format!(
                    "role {} may not change the schema or run storage jobs",
                    c.role
                ),
            )
            .hint("DDL, flush and compact need role dba or root")),
            _ => Ok(()),
        }
    }

    fn need_user_role(&self, span: Span) -> R<()> {
        match self.caller {
            Some(c) if !c.can_manage_users() => Err(BindError::new(
                BindCode::PermissionDenied,
                span,
                format!("role {} may not manage users or certificates", c.role),
            )),
            _ => Ok(()),
        }
    }

    fn namespace_exists(&self, name: &ast::Ident) -> R<()> {
        if !self.catalog.has_namespace(&name.name) {
            let hint = did_you_mean(
                &name.name,
                self.catalog.namespaces().iter().map(|s| s.as_str()),
            );
            return Err(BindError::new(
                BindCode::UnknownNamespace,
                name.span,
                format!("unknown namespace `{}`", name.name),
            )
            .maybe_hint(hint));
        }
        Ok(())
    }

    pub(crate) fn command(&mut self, s: &Statement) -> R<BoundStatement> {
        let cmd = match &s.kind {
            StatementKind::CreateNamespace {
                name,
                if_not_exists,
            } => {
                self.need_schema_role(s.span)?;
                if name.name == SYSTEM_NAMESPACE {
                    return Err(BindError::new(
                        BindCode::BadDefinition,
                        name.span,
                        "the `system` namespace is built in",
                    ));
                }
                new_name("a namespace", name)?;
                if self.catalog.has_namespace(&name.name) && !if_not_exists {
                    return Err(BindError::new(
                        BindCode::BadDefinition,
                        name.span,
                        format!("namespace `{}` already exists", name.name),
                    )
                    .hint("add `if not exists`"));
                }
                Command::CreateNamespace {
                    name: name.name.to_string(),
                    if_not_exists: *if_not_exists,
                }
            }
            StatementKind::DropNamespace { name, if_exists } => {
                self.need_schema_role(s.span)?;
                if name.name == SYSTEM_NAMESPACE {
                    return Err(BindError::new(
                        BindCode::BadDefinition,
                        name.span,
                        "the `system` namespace is built in",
                    ));
                }
                if !self.catalog.has_namespace(&name.name) {
                    if *if_exists {
                        return Ok(BoundStatement::Nothing);
                    }
                    self.namespace_exists(name)?;
                }
                Command::DropNamespace {
                    name: name.name.to_string(),
                    if_exists: *if_exists,
                }
            }
            StatementKind::CreateTable(ct) => {
                self.need_schema_role(s.span)?;
                return self.create_table(ct);
            }
            StatementKind::AlterTable { table, action } => {
                self.need_schema_role(s.span)?;
                let t = self.resolve_table(table)?;
                if t.kind == TableKind::System {
                    return Err(BindError::new(
                        BindCode::BadDefinition,
                        table.span,
                        "system tables cannot be altered",
                    ));
                }
                let action = match action {
                    AlterTableAction::AddColumn(c) => {
                        if t.column(&c.name.name).is_some() {
                            return Err(BindError::new(
                                BindCode::BadDefinition,
                                c.name.span,
                                format!(
                                    "{} already has a column `{}`",
                                    t.qualified_name(),
                                    c.name.name
                                ),
                            ));
                        }
                        if c.key {
                            return Err(BindError::new(
                                BindCode::BadDefinition,
                                c.span,
                                "a key column cannot be added to an existing table",
                            ));
                        }
                        let def = self.column_def(c, false)?;
                        if !def.nullable && def.default.is_none() {
                            return Err(BindError::new(
                                BindCode::BadDefinition,
                                c.span,
                                format!(
                                    "new column `{}` is not null and needs a default for the rows already stored",
                                    c.name.name
                                ),
                            ));
                        }
                        AlterAction::AddColumn(def)
                    }
                    AlterTableAction::DropColumn(name) => {
                        let col = self.table_column(t, name)?;
                        if t.key.contains(&col.name) {
                            return Err(BindError::new(
                                BindCode::BadDefinition,
                                name.span,
                                format!("key column `{}` cannot be dropped", col.name),
                            ));
                        }
                        if t.columns.len() == 1 {
                            return Err(BindError::new(
                                BindCode::BadDefinition,
                                name.span,
                                "a table keeps at least one column",
                            ));
                        }
                        AlterAction::DropColumn(Col(col.id))
                    }
                    AlterTableAction::RenameColumn { from, to } => {
                        let col = self.table_column(t, from)?;
                        new_name("a column", to)?;
                        if t.column(&to.name).is_some() {
                            return Err(BindError::new(
                                BindCode::BadDefinition,
                                to.span,
                                format!(
                                    "{} already has a column `{}`",
                                    t.qualified_name(),
                                    to.name
                                ),
                            ));
                        }
                        AlterAction::RenameColumn(Col(col.id), to.name.to_string())
                    }
                    AlterTableAction::SetOptions(options) => {
                        AlterAction::SetOptions(self.table_options(options, t.kind)?)
                    }
                };
                Command::AlterTable {
                    table: table_info(self.catalog, t),
                    action,
                }
            }
            StatementKind::DropTable { table, if_exists } => {
                self.need_schema_role(s.span)?;
                match self.resolve_table(table) {
                    Ok(t) if t.kind == TableKind::System => {
                        return Err(BindError::new(
                            BindCode::BadDefinition,
                            table.span,
                            "system tables cannot be dropped",
                        ));
                    }
                    Ok(t) => Command::DropTable {
                        table: table_info(self.catalog, t),
                    },
                    Err(e)
                        if *if_exists
                            && matches!(
                                e.code,
                                BindCode::UnknownTable | BindCode::UnknownNamespace
                            ) =>
                    {
                        return Ok(BoundStatement::Nothing);
                    }
                    Err(e) => return Err(e),
                }
            }
            StatementKind::Flush { table } | StatementKind::Compact { table } => {
                self.need_schema_role(s.span)?;
                let t = self.resolve_table(table)?;
                if t.kind != TableKind::User && t.kind != TableKind::Shared {
                    return Err(BindError::new(
                        BindCode::Unsupported,
                        table.span,
                        format!(
                            "{} is a {} table, which has no cold tier",
                            t.qualified_name(),
                            t.kind
                        ),
                    ));
                }
                if matches!(s.kind, StatementKind::Flush { .. }) {
                    Command::Flush {
                        table: table_info(self.catalog, t),
                    }
                } else {
                    Command::Compact {
                        table: table_info(self.catalog, t),
                    }
                }
            }
            StatementKind::CreateUser { name, options } => {
                self.need_user_role(s.span)?;
                let (role, ips, enabled) = user_options(options, name.span)?;
                Command::CreateUser {
                    name: name.name.to_string(),
                    role: role.unwrap_or(Role::User),
                    ips: ips.unwrap_or_default(),
                    enabled: enabled.unwrap_or(true),
                }
            }
            StatementKind::AlterUser { name, options } => {
                self.need_user_role(s.span)?;
                let (role, ips, enabled) = user_options(options, name.span)?;
                Command::AlterUser {
                    name: name.name.to_string(),
                    role,
                    ips,
                    enabled,
                }
            }
            StatementKind::DropUser { name, if_exists } => {
                self.need_user_role(s.span)?;
                if self.caller.is_some_and(|c| c.user == name.name) {
                    return Err(BindError::new(
                        BindCode::BadValue,
                        name.span,
                        "a user cannot drop themselves",
                    ));
                }
                Command::DropUser {
                    name: name.name.to_string(),
                    if_exists: *if_exists,
                }
            }
            StatementKind::IssueCertificate(ic) => {
                if let Some(c) = self.caller
                    && !c.can_issue_certificate_for(&ic.user.name)
                {
                    return Err(BindError::new(
                        BindCode::PermissionDenied,
                        ic.user.span,
                        format!(
                            "{} may not issue a certificate for {}",
                            c.user, ic.user.name
                        ),
                    ));
                }
                let csr = self.constant(&ic.csr, DataType::Text, "the certificate request")?;
                let valid = match &ic.valid {
                    Some(v) => Some(self.constant(v, DataType::Duration, "the validity")?),
                    None => None,
                };
                Command::IssueCertificate {
                    user: ic.user.name.to_string(),
                    csr,
                    ips: ic.ips.iter().map(|i| i.text.clone()).collect(),
                    valid,
                }
            }
            StatementKind::RevokeCertificate { serial } => {
                self.need_user_role(s.span)?;
                Command::RevokeCertificate {
                    serial: self.constant(serial, DataType::Text, "the serial")?,
                }
            }
            StatementKind::RevokeCertificates { user } => {
                self.need_user_role(s.span)?;
                Command::RevokeCertificates {
                    user: user.name.to_string(),
                }
            }
            _ => unreachable!("statement::statement handles the other kinds"),
        };
        Ok(BoundStatement::Command(cmd))
    }

    /// A constant expression (literals, parameters) of type `ty`.
    fn constant(&mut self, e: &Expr, ty: DataType, what: &str) -> R<crate::plan::Scalar> {
        let s = self.expr(e, &[], Some(ty))?;
        if !assignable(&s, ty) {
            return Err(BindError::new(
                BindCode::TypeMismatch,
                e.span,
                format!("{what} must be {ty}, not {}", s.ty),
            ));
        }
        Ok(coerce_to(s, ty))
    }

    fn column_def(&mut self, c: &AstColumn, in_key: bool) -> R<ColumnDef> {
        new_name("a column", &c.name)?;
        let ty = DataType::from(c.ty.kind);
        let nullable = !(c.not_null || c.key || in_key);
        let default = match &c.default {
            Some(e) => {
                let col = Column {
                    id: 0,
                    name: c.name.name.to_string(),
                    ty,
                    nullable,
                    default: None,
                };
                let s = self.expr(e, &[], Some(ty))?;
                if let ScalarKind::Param(_) = s.kind {
                    return Err(BindError::new(
                        BindCode::BadDefinition,
                        e.span,
                        "a default cannot be a parameter",
                    ));
                }
                if s.reads_columns() {
                    return Err(BindError::new(
                        BindCode::BadDefinition,
                        e.span,
                        "a default cannot read columns",
                    ));
                }
                self.fit(s, &col, e.span)?;
                let text = self
                    .source
                    .get(e.span.range())
                    .unwrap_or_default()
                    .trim()
                    .to_owned();
                if text.is_empty() {
                    return Err(BindError::new(
                        BindCode::BadDefinition,
                        e.span,
                        "the default's source text is not available",
                    ));
                }
                Some(text)
            }
            None => None,
        };
        Ok(ColumnDef {
            name: c.name.name.to_string(),
            ty,
            nullable,
            default,
        })
    }

    fn create_table(&mut self, ct: &ast::CreateTable) -> R<BoundStatement> {
        let Some(ns) = &ct.name.namespace else {
            return Err(BindError::new(
                BindCode::BadDefinition,
                ct.name.span,
                "a new table needs a namespace: create table ns.name (…)",
            ));
        };
        if ns.name == SYSTEM_NAMESPACE {
            return Err(BindError::new(
                BindCode::BadDefinition,
                ns.span,
                "no table can be created in `system`",
            ));
        }
        self.namespace_exists(ns)?;
        new_name("a table", &ct.name.name)?;
        if self
            .catalog
            .get_table(&ns.name, &ct.name.name.name)
            .is_some()
            && !ct.if_not_exists
        {
            return Err(BindError::new(
                BindCode::BadDefinition,
                ct.name.span,
                format!("table {}.{} already exists", ns.name, ct.name.name.name),
            )
            .hint("add `if not exists`"));
        }
        let kind = match ct.kind {
            None => DEFAULT_TABLE_KIND,
            Some(ast::TableKind::User) => TableKind::User,
            Some(ast::TableKind::Shared) => TableKind::Shared,
            Some(ast::TableKind::Stream) => TableKind::Stream,
        };
        let marked: Vec<&ast::Ident> = ct
            .columns
            .iter()
            .filter(|c| c.key)
            .map(|c| &c.name)
            .collect();
        let key: Vec<String> = match (&ct.key, marked.is_empty()) {
            (Some(_), false) => {
                return Err(BindError::new(
                    BindCode::BadDefinition,
                    ct.span,
                    "give the key either on columns or as `key (…)`, not both",
                ));
            }
            (Some(list), true) => list.iter().map(|i| i.name.to_string()).collect(),
            (None, _) => marked.iter().map(|i| i.name.to_string()).collect(),
        };
        if ct.columns.is_empty() {
            return Err(BindError::new(
                BindCode::BadDefinition,
                ct.span,
                "a table needs at least one column",
            ));
        }
        let mut columns = Vec::with_capacity(ct.columns.len());
        for c in &ct.columns {
            if columns.iter().any(|d: &ColumnDef| d.name == c.name.name) {
                return Err(BindError::new(
                    BindCode::BadDefinition,
                    c.name.span,
                    format!("column `{}` appears twice", c.name.name),
                ));
            }
            columns.push(self.column_def(c, key.iter().any(|k| *k == c.name.name))?);
        }
        for (i, k) in key.iter().enumerate() {
            let span = ct
                .key
                .as_ref()
                .and_then(|l| l.get(i))
                .map(|i| i.span)
                .unwrap_or(ct.span);
            let Some(col) = columns.iter().find(|c| &c.name == k) else {
                let hint = did_you_mean(k, columns.iter().map(|c| c.name.as_str()));
                return Err(BindError::new(
                    BindCode::BadDefinition,
                    span,
                    format!("key column `{k}` is not a column"),
                )
                .maybe_hint(hint));
            };
            if key[..i].contains(k) {
                return Err(BindError::new(
                    BindCode::BadDefinition,
                    span,
                    format!("key column `{k}` appears twice"),
                ));
            }
            if !col.ty.is_ordered() || !col.ty.is_hashable() {
                return Err(BindError::new(
                    BindCode::BadDefinition,
                    span,
                    format!("a {} column cannot be a key", col.ty),
                ));
            }
        }
        let options = self.table_options(&ct.options, kind)?;
        let def = TableDef {
            namespace: ns.name.to_string(),
            name: ct.name.name.name.to_string(),
            kind,
            columns,
            key,
            options,
        };
        Ok(BoundStatement::Command(Command::CreateTable {
            def,
            if_not_exists: ct.if_not_exists,
        }))
    }

    /// `with (access = …, ttl = …, flush = [rows(n), every(d)])`.
    fn table_options(&mut self, options: &[OptionSetting], kind: TableKind) -> R<TableOptions> {
        let mut out = TableOptions::default();
        for o in options {
            let value = &o.value;
            match o.name.name.as_str() {
                "access" => {
                    if !matches!(kind, TableKind::Shared | TableKind::Stream) {
                        return Err(BindError::new(
                            BindCode::BadDefinition,
                            o.span,
                            format!(
                                "`access` applies to shared and stream tables, not {kind} tables"
                            ),
                        ));
                    }
                    let word = match &value.kind {
                        ExprKind::Column(c) if c.qualifier.is_none() => c.name.name.to_string(),
                        ExprKind::Literal(ast::Literal::String(s)) => s.clone(),
                        _ => String::new(),
                    };
                    out.access = Some(match word.as_str() {
                        "public" => Access::Public,
                        "read_only" => Access::ReadOnly,
                        "private" => Access::Private,
                        _ => {
                            return Err(BindError::new(
                                BindCode::BadValue,
                                value.span,
                                "`access` is one of public, read_only, private",
                            ));
                        }
                    });
                }
                "ttl" => {
                    if kind != TableKind::Stream {
                        return Err(BindError::new(
                            BindCode::BadDefinition,
                            o.span,
                            "`ttl` applies to stream tables",
                        ));
                    }
                    out.ttl = Some(self.seconds(value, "ttl")?);
                }
                "flush" => {
                    if kind == TableKind::Stream {
                        return Err(BindError::new(
                            BindCode::BadDefinition,
                            o.span,
                            "stream tables are never flushed",
                        ));
                    }
                    let items: Vec<&Expr> = match &value.kind {
                        ExprKind::List(items) => items.iter().collect(),
                        _ => vec![value],
                    };
                    for item in items {
                        let bad = || {
                            BindError::new(
                                BindCode::BadValue,
                                item.span,
                                "a flush policy is rows(N) or every(DURATION)",
                            )
                        };
                        let ExprKind::Call { name, args } = &item.kind else {
                            return Err(bad());
                        };
                        match (name.name.as_str(), args.as_slice()) {
                            ("rows", [n]) => match &n.kind {
                                ExprKind::Literal(ast::Literal::Int(n))
                                    if *n > 0 && *n <= u32::MAX as i64 =>
                                {
                                    out.flush_rows = Some(*n as u32)
                                }
                                _ => {
                                    return Err(BindError::new(
                                        BindCode::BadValue,
                                        n.span,
                                        "rows(N) takes a whole number ≥ 1",
                                    ));
                                }
                            },
                            ("every", [d]) => out.flush_every = Some(self.seconds(d, "every")?),
                            _ => return Err(bad()),
                        }
                    }
                }
                other => {
                    return Err(BindError::new(
                        BindCode::BadDefinition,
                        o.name.span,
                        format!("unknown table option `{other}`"),
                    )
                    .maybe_hint(did_you_mean(other, ["access", "ttl", "flush"])));
                }
            }
        }
        Ok(out)
    }

    /// A duration literal in whole seconds (1 s to about 136 years).
    fn seconds(&mut self, e: &Expr, what: &str) -> R<u32> {
        match &e.kind {
            ExprKind::Literal(ast::Literal::Duration(us))
                if *us >= 1_000_000 && us % 1_000_000 == 0 && us / 1_000_000 <= u32::MAX as i64 =>
            {
                Ok((us / 1_000_000) as u32)
            }
            _ => Err(BindError::new(
                BindCode::BadValue,
                e.span,
                format!("`{what}` takes a duration of whole seconds, at least 1s (e.g. 30s, 5m)"),
            )),
        }
    }
}

type UserOptions = (Option<Role>, Option<Vec<String>>, Option<bool>);

fn user_options(options: &[UserOption], span: Span) -> R<UserOptions> {
    let (mut role, mut ips, mut enabled) = (None, None, None);
    for o in options {
        let dup = match o {
            UserOption::Role(r) => role.replace(Role::from(*r)).is_some(),
            UserOption::Ip(list) => ips
                .replace(list.iter().map(|i| i.text.clone()).collect::<Vec<_>>())
                .is_some(),
            UserOption::Enabled(b) => enabled.replace(*b).is_some(),
        };
        if dup {
            return Err(BindError::new(
                BindCode::BadValue,
                span,
                "a user option is given twice",
            ));
        }
    }
    Ok((role, ips, enabled))
}
