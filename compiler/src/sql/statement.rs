//! One SQL statement to KQL statements: the per-statement state ([`Tx`]: the
//! schema, the CTEs in scope, the `let`s emitted so far, fresh helper names), the
//! dispatch on the kind of statement, transactions and `EXPLAIN`.

use super::build::statement;
use super::error::{R, SqlError, codes, fail};
use super::names::FreshNames;
use super::query::QueryOut;
use super::schema::{Schema, SchemaChange};
use kql::ast::{Name, Statement, StatementKind};
use sqlparser::ast::{self as sql, Spanned};

/// A CTE in scope: the SQL name, the `let` it became, its columns when known.
pub(crate) struct CteEntry {
    pub sql_name: Name,
    pub let_name: Name,
    pub columns: Option<Vec<Name>>,
    /// The KQL types of its columns, where known.
    pub types: Vec<(Name, kql::ast::TypeKind)>,
}

/// The state of translating one statement.
pub(crate) struct Tx<'t> {
    pub schema: &'t Schema,
    /// `let`s to emit before the statement.
    pub lets: Vec<Statement>,
    /// Every `let` name of the script so far (a KQL `let` lasts for the script).
    pub used_lets: &'t mut Vec<Name>,
    /// CTEs in scope, innermost last.
    pub ctes: Vec<CteEntry>,
    pub fresh: FreshNames<'t>,
    /// Schema changes to apply once the statement has translated.
    pub changes: Vec<SchemaChange>,
    /// Set while translating a statement's own query, whose output names and
    /// types no one reads (taken by the first query or select that sees it).
    pub outputs_unused: bool,
}

impl<'t> Tx<'t> {
    pub fn new(schema: &'t Schema, used_lets: &'t mut Vec<Name>, text: &'t str) -> Self {
        Tx {
            schema,
            lets: Vec::new(),
            used_lets,
            ctes: Vec::new(),
            fresh: FreshNames::new(text),
            changes: Vec::new(),
            outputs_unused: false,
        }
    }

    pub fn cte(&self, name: &str) -> Option<&CteEntry> {
        self.ctes.iter().rev().find(|c| c.sql_name == name)
    }

    /// Whether an unqualified table name would resolve to a `let` that is not a
    /// CTE in scope here.
    pub fn shadowing_let(&self, name: &str) -> bool {
        self.used_lets.iter().any(|l| l == name)
    }

    /// A `let` name for a CTE, unique in the script.
    pub fn let_name(&mut self, name: &str) -> Name {
        let mut candidate = Name::new(name);
        let mut n = 2;
        while self.used_lets.contains(&candidate) {
            candidate = format!("{name}_{n}").into();
            n += 1;
        }
        self.used_lets.push(candidate.clone());
        candidate
    }

    /// The KQL statements for one SQL statement, `let`s first.
    pub fn statement(&mut self, s: &sql::Statement) -> R<Vec<Statement>> {
        let main = self.main(s)?;
        if self.lets.is_empty() {
            // The common case: no CTE, so no buffer to grow and no move.
            return Ok(main);
        }
        let mut out = std::mem::take(&mut self.lets);
        out.extend(main);
        Ok(out)
    }

    fn main(&mut self, s: &sql::Statement) -> R<Vec<Statement>> {
        use sql::Statement as S;
        Ok(match s {
            S::Query(q) => {
                // A statement's own query: nothing reads its output names and
                // types afterwards.
                self.outputs_unused = true;
                let QueryOut { pipeline, .. } = self.query(q)?;
                vec![statement(StatementKind::Pipeline(pipeline))]
            }
            S::Insert(i) => vec![self.insert(i)?],
            S::Update(u) => vec![self.update(u)?],
            S::Delete(d) => vec![self.delete(d)?],
            S::Truncate(t) => self.truncate(t, s)?,
            S::CreateTable(ct) => vec![self.create_table(ct)?],
            S::CreateSchema {
                schema_name,
                if_not_exists,
                or_replace,
                with,
                options,
                default_collate_spec,
                ..
            } => {
                let name = match schema_name {
                    sql::SchemaName::Simple(n) => super::names::single(n, "a schema name")?,
                    _ => {
                        return fail(
                            codes::STATEMENT,
                            s.span(),
                            "CREATE SCHEMA … AUTHORIZATION has no KQL form: namespaces have no owner",
                        );
                    }
                };
                if *or_replace
                    || with.is_some()
                    || options.is_some()
                    || default_collate_spec.is_some()
                {
                    return fail(
                        codes::STATEMENT,
                        s.span(),
                        "CREATE SCHEMA options have no KQL form",
                    );
                }
                vec![statement(StatementKind::CreateNamespace {
                    name: super::build::ident(&name),
                    if_not_exists: *if_not_exists,
                })]
            }
            S::Drop { .. } => self.drop(s)?,
            S::AlterTable(a) => self.alter_table(a, s)?,
            S::StartTransaction {
                modes,
                modifier,
                statements,
                exception,
                ..
            } => {
                if let Some(m) = modes.first() {
                    return Err(SqlError::new(
                        codes::TRANSACTION,
                        s.span(),
                        format!("transaction mode `{m}` has no KQL form"),
                    )
                    .hint("KQL transactions are isolated (optimistic, with retryable conflicts); write BEGIN alone"));
                }
                if modifier.is_some() || !statements.is_empty() || exception.is_some() {
                    return fail(
                        codes::TRANSACTION,
                        s.span(),
                        format!("`{s}` is not a PostgreSQL BEGIN"),
                    );
                }
                vec![statement(StatementKind::Begin)]
            }
            S::Commit {
                chain, modifier, ..
            } => {
                if *chain || modifier.is_some() {
                    return fail(
                        codes::TRANSACTION,
                        s.span(),
                        "COMMIT AND CHAIN has no KQL form",
                    );
                }
                vec![statement(StatementKind::Commit)]
            }
            S::Rollback { chain, savepoint } => {
                if savepoint.is_some() {
                    return Err(SqlError::new(
                        codes::TRANSACTION,
                        s.span(),
                        "ROLLBACK TO SAVEPOINT has no KQL form: KQL transactions have no savepoints",
                    ));
                }
                if *chain {
                    return fail(
                        codes::TRANSACTION,
                        s.span(),
                        "ROLLBACK AND CHAIN has no KQL form",
                    );
                }
                vec![statement(StatementKind::Rollback)]
            }
            S::Savepoint { .. } | S::ReleaseSavepoint { .. } => {
                return fail(
                    codes::TRANSACTION,
                    s.span(),
                    "savepoints have no KQL form: a KQL transaction commits or rolls back as a whole",
                );
            }
            S::Explain {
                analyze,
                verbose,
                query_plan,
                estimate,
                statement: inner,
                format,
                options,
                describe_alias,
            } => {
                if *verbose
                    || *query_plan
                    || *estimate
                    || format.is_some()
                    || options.as_ref().is_some_and(|o| !o.is_empty())
                    || !matches!(describe_alias, sql::DescribeAlias::Explain)
                {
                    return fail(
                        codes::STATEMENT,
                        s.span(),
                        "EXPLAIN options have no KQL form; KQL has `explain` and `explain analyze`",
                    );
                }
                if matches!(**inner, S::Explain { .. }) {
                    return fail(codes::STATEMENT, inner.span(), "EXPLAIN of an EXPLAIN");
                }
                let mut inner_statements = self.main(inner)?;
                let last = inner_statements.pop().expect("one statement at least");
                if !inner_statements.is_empty() {
                    return fail(
                        codes::STATEMENT,
                        inner.span(),
                        "EXPLAIN of a statement that becomes several KQL statements",
                    );
                }
                vec![statement(StatementKind::Explain {
                    analyze: *analyze,
                    statement: Box::new(last),
                })]
            }
            other => return Err(unsupported_statement(other)),
        })
    }
}

fn unsupported_statement(s: &sql::Statement) -> SqlError {
    use sql::Statement as S;
    let text = s.to_string();
    let head: String = text
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase();
    let (what, hint) = match s {
        S::CreateIndex(_) => (
            "CREATE INDEX".to_string(),
            "KQL tables are ordered by their primary key and have no secondary indexes",
        ),
        S::CreateView(_) => (
            "CREATE VIEW".to_string(),
            "KQL has no views; a `let` names a pipeline within one script",
        ),
        S::Set(_) | S::ShowVariable { .. } => (head.clone(), "KQL has no session settings"),
        S::Grant(_) | S::Revoke(_) | S::CreateRole(_) => (
            head.clone(),
            "access in Kalavar comes from roles and table kinds: see `create user` and `with (access = …)` in docs/kql.md",
        ),
        _ => (
            head.clone(),
            "see docs/sql.md for the statements that translate",
        ),
    };
    SqlError::new(
        codes::STATEMENT,
        s.span(),
        format!("{what} has no KQL translation"),
    )
    .hint(hint)
}
