//! The catalog snapshot: what the compiler knows of the database it compiles for.
//!
//! A snapshot holds namespaces, tables (id, kind, columns with stable ids, types,
//! nullability, defaults as KQL text, primary key, schema version) and a catalog
//! generation. The built-in system tables are always present; their schemas are
//! defined here, once, and the server fills their rows. The server builds a snapshot
//! from its own catalog and hands each client only what its user may see, either as
//! the compact wire encoding ([`Catalog::encode`]) or, offline, as a JSON file
//! ([`Catalog::from_json`], the `--catalog FILE` of `kalavar explain`).

mod json;
mod snapshot;
mod system;
mod wire;

pub use snapshot::{
    Access, Catalog, CatalogError, Column, ColumnId, KEY_COLUMN_ID, Table, TableId, TableKind,
};
pub use system::{SYSTEM_NAMESPACE, SYSTEM_TABLE_ID_BASE, system_tables, system_tables_markdown};
