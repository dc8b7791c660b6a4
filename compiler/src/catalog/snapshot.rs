//! The snapshot types and their lookups.

use super::system::{SYSTEM_NAMESPACE, system_tables};
use crate::types::DataType;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A table's id: stable for the table's life, never reused.
pub type TableId = u64;
/// A column's id: stable within its table across renames and schema versions.
pub type ColumnId = u32;

/// The pseudo-column a scan reads to get each row's storage key (type `bytes`), which
/// the `Update` and `Delete` sinks use to name the rows they change. It is never
/// visible to a query.
pub const KEY_COLUMN_ID: ColumnId = u32::MAX;

/// How a table is partitioned and kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TableKind {
    /// Every user has an isolated partition; the VM picks it from the session identity.
    User,
    /// One partition; the access level decides who reads and writes.
    Shared,
    /// Ephemeral events with a TTL, never flushed; access like a shared table.
    Stream,
    /// A built-in `system.*` table the server fills; read-only.
    System,
}

impl fmt::Display for TableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TableKind::User => "user",
            TableKind::Shared => "shared",
            TableKind::Stream => "stream",
            TableKind::System => "system",
        })
    }
}

/// Who may read and write a shared or stream table (user and system tables ignore it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Access {
    /// Every role reads and writes.
    #[default]
    Public,
    /// Every role reads; `service`, `dba` and `root` write.
    ReadOnly,
    /// Only `service`, `dba` and `root` read or write.
    Private,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Access::Public => "public",
            Access::ReadOnly => "read_only",
            Access::Private => "private",
        })
    }
}

/// One column of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub id: ColumnId,
    pub name: String,
    #[serde(rename = "type")]
    pub ty: DataType,
    #[serde(default = "yes")]
    pub nullable: bool,
    /// The default as KQL expression text (`snowflake()`, `now()`, `0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
}

fn yes() -> bool {
    true
}

/// One table at one schema version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub id: TableId,
    pub namespace: String,
    pub name: String,
    pub kind: TableKind,
    /// Bumped by every `alter table`; plans name the version they were compiled against.
    pub schema_version: u32,
    pub columns: Vec<Column>,
    /// Primary-key column names in key order; empty when the table has no key.
    #[serde(default)]
    pub key: Vec<String>,
    #[serde(default)]
    pub access: Access,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub fn column_by_id(&self, id: ColumnId) -> Option<&Column> {
        self.columns.iter().find(|c| c.id == id)
    }

    pub fn qualified_name(&self) -> String {
        format!("{}.{}", self.namespace, self.name)
    }

    /// The key columns, in key order.
    pub fn key_columns(&self) -> impl Iterator<Item = &Column> {
        self.key.iter().filter_map(|k| self.column(k))
    }

    fn validate(&self) -> Result<(), CatalogError> {
        let name = self.qualified_name();
        let bad = |m: String| Err(CatalogError(format!("table {name}: {m}")));
        if self.columns.is_empty() {
            return bad("has no columns".into());
        }
        for (i, c) in self.columns.iter().enumerate() {
            if c.id == KEY_COLUMN_ID {
                return bad(format!("column id {} is reserved", c.id));
            }
            if c.name.is_empty() {
                return bad(format!("column {i} has an empty name"));
            }
            if self.columns[..i].iter().any(|o| o.name == c.name) {
                return bad(format!("column `{}` appears twice", c.name));
            }
            if self.columns[..i].iter().any(|o| o.id == c.id) {
                return bad(format!("column id {} appears twice", c.id));
            }
        }
        for (i, k) in self.key.iter().enumerate() {
            let Some(col) = self.column(k) else {
                return bad(format!("key column `{k}` is not a column"));
            };
            if self.key[..i].contains(k) {
                return bad(format!("key column `{k}` appears twice"));
            }
            if !col.ty.is_ordered() || !col.ty.is_hashable() || col.ty == DataType::Null {
                return bad(format!(
                    "key column `{k}` has type {}, which cannot be a key",
                    col.ty
                ));
            }
        }
        Ok(())
    }
}

/// A snapshot is malformed (duplicate names, unknown key columns, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CatalogError(pub String);

/// The snapshot of the catalog a statement is compiled against.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalog {
    generation: u64,
    namespaces: Vec<String>,
    tables: Vec<Table>,
    /// namespace → table name → index.
    by_name: HashMap<String, HashMap<String, usize>>,
    by_id: HashMap<TableId, usize>,
    /// Column defaults, parsed once when the snapshot is built.
    defaults: HashMap<(TableId, ColumnId), kql::ast::Expr>,
    /// Each table's names (same order as `tables`) as shared strings, so that a
    /// plan naming a table, its columns or its key copies no text.
    shared: Vec<SharedNames>,
}

/// A table's names, shared by every plan over it.
#[derive(Debug, Clone, PartialEq)]
struct SharedNames {
    /// `namespace.name`.
    qualified: Arc<str>,
    /// `name`: what the table's columns are qualified with when it has no alias.
    name: Arc<str>,
    /// The column names, in column order.
    columns: Vec<Arc<str>>,
    /// The key column names, in key order.
    key: Arc<[String]>,
}

impl Catalog {
    /// A snapshot of the given namespaces and tables, plus the built-in system
    /// tables. Fails when names or ids clash or a table is malformed.
    pub fn new(
        generation: u64,
        namespaces: Vec<String>,
        tables: Vec<Table>,
    ) -> Result<Catalog, CatalogError> {
        let mut catalog = Catalog {
            generation,
            namespaces: Vec::new(),
            tables: Vec::new(),
            by_name: HashMap::new(),
            by_id: HashMap::new(),
            defaults: HashMap::new(),
            shared: Vec::new(),
        };
        for ns in namespaces {
            if ns == SYSTEM_NAMESPACE {
                return Err(CatalogError(format!("namespace `{ns}` is built in")));
            }
            if catalog.namespaces.contains(&ns) {
                return Err(CatalogError(format!("namespace `{ns}` appears twice")));
            }
            catalog.namespaces.push(ns);
        }
        catalog.namespaces.push(SYSTEM_NAMESPACE.to_owned());
        for table in tables {
            if table.kind == TableKind::System || table.namespace == SYSTEM_NAMESPACE {
                return Err(CatalogError(format!(
                    "table {}: system tables are built in",
                    table.qualified_name()
                )));
            }
            if !catalog.namespaces.contains(&table.namespace) {
                return Err(CatalogError(format!(
                    "table {}: namespace `{}` is not in the snapshot",
                    table.qualified_name(),
                    table.namespace
                )));
            }
            catalog.insert(table)?;
        }
        for table in system_tables() {
            catalog.insert(table)?;
        }
        Ok(catalog)
    }

    /// A snapshot with only the system tables.
    pub fn empty() -> Catalog {
        Catalog::new(0, Vec::new(), Vec::new()).expect("system tables are well formed")
    }

    fn insert(&mut self, table: Table) -> Result<(), CatalogError> {
        table.validate()?;
        if self.get_table(&table.namespace, &table.name).is_some() {
            return Err(CatalogError(format!(
                "table {} appears twice",
                table.qualified_name()
            )));
        }
        if self.by_id.contains_key(&table.id) {
            return Err(CatalogError(format!("table id {} appears twice", table.id)));
        }
        for c in &table.columns {
            if let Some(text) = &c.default {
                let expr = kql::parse_expr(text).map_err(|d| {
                    CatalogError(format!(
                        "table {}: the default of `{}` (`{text}`) is not a KQL expression: {d}",
                        table.qualified_name(),
                        c.name
                    ))
                })?;
                self.defaults.insert((table.id, c.id), expr);
            }
        }
        self.by_name
            .entry(table.namespace.clone())
            .or_default()
            .insert(table.name.clone(), self.tables.len());
        self.by_id.insert(table.id, self.tables.len());
        self.shared.push(SharedNames {
            qualified: Arc::from(table.qualified_name()),
            name: Arc::from(table.name.as_str()),
            columns: table
                .columns
                .iter()
                .map(|c| Arc::from(c.name.as_str()))
                .collect(),
            key: Arc::from(table.key.as_slice()),
        });
        self.tables.push(table);
        Ok(())
    }

    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Namespace names, `system` last.
    pub fn namespaces(&self) -> &[String] {
        &self.namespaces
    }

    /// Every table, system tables last.
    pub fn tables(&self) -> &[Table] {
        &self.tables
    }

    /// The tables the snapshot was built from (system tables left out).
    pub fn user_defined_tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.iter().filter(|t| t.kind != TableKind::System)
    }

    pub fn has_namespace(&self, name: &str) -> bool {
        self.namespaces.iter().any(|n| n == name)
    }

    pub fn get_table(&self, namespace: &str, name: &str) -> Option<&Table> {
        self.by_name
            .get(namespace)
            .and_then(|m| m.get(name))
            .map(|&i| &self.tables[i])
    }

    /// The parsed default of a column, if it has one.
    pub fn get_default(&self, table: TableId, column: ColumnId) -> Option<&kql::ast::Expr> {
        self.defaults.get(&(table, column))
    }

    /// The column names of `table`, in column order, as shared strings; `None`
    /// when `table` is not one of this snapshot's own.
    pub(crate) fn column_names(&self, table: &Table) -> Option<&[Arc<str>]> {
        self.shared(table).map(|s| s.columns.as_slice())
    }

    /// `table`'s bare name, shared, when `table` is one of this snapshot's own.
    pub(crate) fn bare_name(&self, table: &Table) -> Option<&Arc<str>> {
        self.shared(table).map(|s| &s.name)
    }

    /// `namespace.name` of `table` and its key column names, shared (copied only
    /// when `table` is not one of this snapshot's own).
    pub(crate) fn table_names(&self, table: &Table) -> (Arc<str>, Arc<[String]>) {
        match self.shared(table) {
            Some(s) => (s.qualified.clone(), s.key.clone()),
            None => (
                Arc::from(table.qualified_name()),
                Arc::from(table.key.as_slice()),
            ),
        }
    }

    /// `table`'s shared names when `table` is one of this snapshot's own (the
    /// binder's tables all are): found by its address in `tables`, not by hashing
    /// its id, and checked to be that very element.
    fn shared(&self, table: &Table) -> Option<&SharedNames> {
        let start = self.tables.as_ptr() as usize;
        let offset = (table as *const Table as usize).checked_sub(start)?;
        let i = offset / std::mem::size_of::<Table>();
        let own = self.tables.get(i)?;
        std::ptr::eq(own, table).then(|| &self.shared[i])
    }

    pub fn get_table_by_id(&self, id: TableId) -> Option<&Table> {
        self.by_id.get(&id).map(|&i| &self.tables[i])
    }

    /// Tables named `name` in any namespace (for unqualified names and hints).
    pub fn tables_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Table> + 'a {
        self.tables.iter().filter(move |t| t.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_snapshots_own_tables_get_its_shared_names() {
        let a = Catalog::empty();
        let b = Catalog::empty();
        for (i, t) in a.tables().iter().enumerate() {
            let (name, key) = a.table_names(t);
            let (again, _) = a.table_names(t);
            assert!(Arc::ptr_eq(&name, &again), "own table {i} shares its name");
            assert!(Arc::ptr_eq(&name, &a.shared[i].qualified));
            assert_eq!(&*name, t.qualified_name());
            assert_eq!(&*key, t.key.as_slice());
            let columns = a.column_names(t).expect("own table");
            assert!(
                columns
                    .iter()
                    .map(|c| &**c)
                    .eq(t.columns.iter().map(|c| c.name.as_str()))
            );
            // The same table of another snapshot, or a copy, is not this one's.
            let copy = t.clone();
            assert!(a.column_names(&copy).is_none() && a.column_names(&b.tables()[i]).is_none());
            let (copied, copied_key) = a.table_names(&copy);
            assert!(!Arc::ptr_eq(&name, &copied));
            assert_eq!((&*copied, &*copied_key), (&*name, &*key));
        }
    }
}
