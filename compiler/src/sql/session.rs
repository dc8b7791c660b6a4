//! SQL compiled offline, statement by statement: each statement is translated,
//! printed as KQL (to be shown), and its tree compiled against a catalog snapshot that the DDL before it
//! has updated, as the server's catalog would be. `kalavar transpile --explain`,
//! `kalavar explain --sql` and the tests use it; the server keeps the real catalog.

use super::direct::compile_translated;
use super::schema::Schema;
use super::translator::{Translation, Translator};
use crate::bytecode::{AlterAction, TableDef};
use crate::catalog::{Catalog, Column, Table, TableKind};
use crate::compile::{CompileError, CompileOptions, Compiled};
use crate::plan::{BoundStatement, Command};
use kql::Diagnostic;

/// One SQL statement, translated and compiled.
pub struct CompiledSql {
    pub translation: Translation,
    /// The canonical KQL of the statement (its `let`s included).
    pub kql: String,
    pub compiled: Vec<Compiled>,
    /// The snapshot it was compiled against (before its own DDL applied).
    pub catalog: Catalog,
}

/// Why a SQL statement did not compile.
#[derive(Debug)]
pub enum SqlCompileError {
    /// It does not translate (rendered against the SQL).
    Translate(Diagnostic),
    /// Its KQL does not compile (rendered against the KQL).
    Compile { kql: String, error: CompileError },
}

/// A translator and a catalog kept in step.
pub struct SqlSession {
    translator: Translator,
    catalog: Catalog,
}

impl SqlSession {
    /// A session over a catalog snapshot; the translator knows its tables.
    pub fn new(catalog: Catalog) -> Self {
        SqlSession {
            translator: Translator::with_schema(Schema::from_catalog(&catalog)),
            catalog,
        }
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    pub fn translator_mut(&mut self) -> &mut Translator {
        &mut self.translator
    }

    /// Translates and compiles every statement of `sql`, in order; `CREATE`,
    /// `ALTER` and `DROP` that compile update the catalog for the statements after
    /// them.
    pub fn compile(
        &mut self,
        sql: &str,
        optimize: bool,
    ) -> Vec<Result<CompiledSql, SqlCompileError>> {
        let mut out = Vec::new();
        for t in self.translator.translate_statements(sql) {
            let mut translation = match t {
                Ok(t) => t,
                Err(d) => {
                    out.push(Err(SqlCompileError::Translate(d)));
                    continue;
                }
            };
            let script = kql::ast::Script {
                statements: std::mem::take(&mut translation.statements),
            };
            let kql = kql::format_script(&script);
            let opts = CompileOptions {
                optimize,
                ..CompileOptions::new(&self.catalog)
            };
            // The tree as translated, as a client compiles it (no second parse).
            let result = compile_translated(&script, &kql, opts);
            translation.statements = script.statements;
            match result {
                Ok(compiled) => {
                    let before = self.catalog.clone();
                    for c in &compiled {
                        if let Some(next) = apply(&self.catalog, &c.optimized) {
                            self.catalog = next;
                        }
                    }
                    out.push(Ok(CompiledSql {
                        translation,
                        kql,
                        compiled,
                        catalog: before,
                    }));
                }
                Err(error) => out.push(Err(SqlCompileError::Compile { kql, error })),
            }
        }
        out
    }
}

/// The catalog after a definition statement (`None` when the statement defines
/// nothing, or its change cannot be applied).
pub fn apply(catalog: &Catalog, statement: &BoundStatement) -> Option<Catalog> {
    let BoundStatement::Command(cmd) = statement else {
        return None;
    };
    let mut namespaces: Vec<String> = catalog
        .namespaces()
        .iter()
        .filter(|n| n.as_str() != crate::catalog::SYSTEM_NAMESPACE)
        .cloned()
        .collect();
    let mut tables: Vec<Table> = catalog.user_defined_tables().cloned().collect();
    match cmd {
        Command::CreateNamespace { name, .. } => {
            if !namespaces.contains(name) {
                namespaces.push(name.clone());
            }
        }
        Command::DropNamespace { name, .. } => namespaces.retain(|n| n != name),
        Command::CreateTable { def, .. } => {
            if catalog.get_table(&def.namespace, &def.name).is_some() {
                return None;
            }
            let id = tables.iter().map(|t| t.id).max().unwrap_or(0) + 1;
            tables.push(table(id, def));
        }
        Command::DropTable { table } => tables.retain(|t| t.id != table.id),
        Command::AlterTable { table, action } => {
            let t = tables.iter_mut().find(|t| t.id == table.id)?;
            t.schema_version += 1;
            match action {
                AlterAction::AddColumn(c) => {
                    let id = t.columns.iter().map(|c| c.id).max().unwrap_or(0) + 1;
                    t.columns.push(Column {
                        id,
                        name: c.name.clone(),
                        ty: c.ty,
                        nullable: c.nullable,
                        default: c.default.clone(),
                    });
                }
                AlterAction::DropColumn(col) => t.columns.retain(|c| c.id != col.0),
                AlterAction::RenameColumn(col, to) => {
                    let c = t.columns.iter_mut().find(|c| c.id == col.0)?;
                    let from = std::mem::replace(&mut c.name, to.clone());
                    for k in t.key.iter_mut().filter(|k| **k == from) {
                        *k = to.clone();
                    }
                }
                AlterAction::SetOptions(_) => {}
            }
        }
        _ => return None,
    }
    Catalog::new(catalog.generation() + 1, namespaces, tables).ok()
}

fn table(id: crate::catalog::TableId, def: &TableDef) -> Table {
    Table {
        id,
        namespace: def.namespace.clone(),
        name: def.name.clone(),
        kind: match def.kind {
            TableKind::User => TableKind::User,
            TableKind::Stream => TableKind::Stream,
            _ => TableKind::Shared,
        },
        schema_version: 1,
        columns: def
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| Column {
                id: i as u32 + 1,
                name: c.name.clone(),
                ty: c.ty,
                nullable: c.nullable,
                default: c.default.clone(),
            })
            .collect(),
        key: def.key.clone(),
        access: def.options.access.unwrap_or_default(),
    }
}
