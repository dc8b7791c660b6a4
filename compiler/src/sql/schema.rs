//! What the translator knows about tables: their columns in order and their
//! primary key. It learns from `CREATE TABLE`, `ALTER TABLE` and `DROP TABLE` in
//! the SQL it translates, and can be given tables up front. It needs them only for
//! what SQL leaves implicit: `*` next to other columns or over `USING`, `INSERT`
//! without a column list, and checking that `ON CONFLICT … DO UPDATE` is an upsert;
//! and column types, so that a string literal compared with or stored into a date
//! or timestamp column becomes a date or timestamp, as PostgreSQL reads it.

use kql::ast::{Name, TypeKind};

/// One table: `namespace.name (columns…)` with its key columns and the KQL types
/// of the columns whose types are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableSchema {
    pub namespace: Option<Name>,
    pub name: Name,
    pub columns: Vec<Name>,
    pub key: Vec<Name>,
    pub types: Vec<(Name, TypeKind)>,
}

impl TableSchema {
    /// The KQL type of a column, when known.
    pub fn column_type(&self, column: &str) -> Option<TypeKind> {
        self.types
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, t)| *t)
    }
}

/// The tables the translator knows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schema {
    tables: Vec<TableSchema>,
}

impl Schema {
    pub fn new() -> Self {
        Schema::default()
    }

    /// Adds a table, replacing one of the same qualified name.
    pub fn add_table(&mut self, table: TableSchema) {
        self.remove_table(table.namespace.as_deref(), &table.name);
        self.tables.push(table);
    }

    /// Forgets a table (an unqualified name removes every table of that name).
    pub fn remove_table(&mut self, namespace: Option<&str>, name: &str) {
        self.tables.retain(|t| {
            !(t.name == name && (namespace.is_none() || t.namespace.as_deref() == namespace))
        });
    }

    /// The table `namespace.name`, or the only table called `name` when no
    /// namespace is given (as KQL resolves unqualified names).
    pub fn table(&self, namespace: Option<&str>, name: &str) -> Option<&TableSchema> {
        let mut found = self.tables.iter().filter(|t| {
            t.name == name && (namespace.is_none() || t.namespace.as_deref() == namespace)
        });
        let first = found.next()?;
        match found.next() {
            None => Some(first),
            Some(_) => None,
        }
    }

    pub(crate) fn table_mut(
        &mut self,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<&mut TableSchema> {
        let count = self
            .tables
            .iter()
            .filter(|t| {
                t.name == name && (namespace.is_none() || t.namespace.as_deref() == namespace)
            })
            .count();
        if count != 1 {
            return None;
        }
        self.tables.iter_mut().find(|t| {
            t.name == name && (namespace.is_none() || t.namespace.as_deref() == namespace)
        })
    }

    pub fn tables(&self) -> &[TableSchema] {
        &self.tables
    }
}

/// A change to the schema a statement makes once it has translated.
#[derive(Debug, Clone)]
pub(crate) enum SchemaChange {
    Create(TableSchema),
    Drop(Option<Name>, Name),
    AddColumn(Option<Name>, Name, Name, TypeKind),
    DropColumn(Option<Name>, Name, Name),
    RenameColumn(Option<Name>, Name, Name, Name),
}

impl Schema {
    pub(crate) fn apply(&mut self, change: SchemaChange) {
        match change {
            SchemaChange::Create(t) => self.add_table(t),
            SchemaChange::Drop(ns, n) => self.remove_table(ns.as_deref(), &n),
            SchemaChange::AddColumn(ns, t, c, ty) => {
                if let Some(t) = self.table_mut(ns.as_deref(), &t) {
                    t.types.push((c.clone(), ty));
                    t.columns.push(c);
                }
            }
            SchemaChange::DropColumn(ns, t, c) => {
                if let Some(t) = self.table_mut(ns.as_deref(), &t) {
                    t.columns.retain(|x| *x != c);
                    t.types.retain(|(x, _)| *x != c);
                }
            }
            SchemaChange::RenameColumn(ns, t, from, to) => {
                if let Some(t) = self.table_mut(ns.as_deref(), &t) {
                    let types = t.types.iter_mut().map(|(c, _)| c);
                    for c in t.columns.iter_mut().chain(t.key.iter_mut()).chain(types) {
                        if *c == from {
                            *c = to.clone();
                        }
                    }
                }
            }
        }
    }
}

impl Schema {
    /// The user tables of a catalog snapshot (what a client fetched from the
    /// server, or a `--catalog` file).
    pub fn from_catalog(catalog: &crate::catalog::Catalog) -> Schema {
        let mut schema = Schema::new();
        for t in catalog.user_defined_tables() {
            schema.add_table(TableSchema {
                namespace: Some(Name::new(&t.namespace)),
                name: Name::new(&t.name),
                columns: t.columns.iter().map(|c| Name::new(&c.name)).collect(),
                key: t.key.iter().map(Name::from).collect(),
                types: t
                    .columns
                    .iter()
                    .filter_map(|c| type_kind(c.ty).map(|k| (Name::new(&c.name), k)))
                    .collect(),
            });
        }
        schema
    }
}

/// The KQL type name of a compiler type (durations and the null type have none).
fn type_kind(t: crate::types::DataType) -> Option<TypeKind> {
    use crate::types::DataType as D;
    Some(match t {
        D::Bool => TypeKind::Bool,
        D::Int16 => TypeKind::Int16,
        D::Int32 => TypeKind::Int32,
        D::Int64 => TypeKind::Int64,
        D::Float32 => TypeKind::Float32,
        D::Float64 => TypeKind::Float64,
        D::Decimal { precision, scale } => TypeKind::Decimal { precision, scale },
        D::Text => TypeKind::Text,
        D::Bytes => TypeKind::Bytes,
        D::Json => TypeKind::Json,
        D::Timestamp => TypeKind::Timestamp,
        D::Date => TypeKind::Date,
        D::Time => TypeKind::Time,
        D::Uuid => TypeKind::Uuid,
        D::Null | D::Duration => return None,
    })
}
