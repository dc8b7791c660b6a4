//! The storage catalog as the compiler sees it. A [`CatalogViews`] is built once per
//! catalog generation and holds two snapshots:
//!
//! - `full`: every namespace and table — what `service`, `dba` and `root` see;
//! - `user`: without `private` shared and stream tables, which a `user` role may
//!   neither read nor write — what a `user` sees.
//!
//! A session compiles, verifies and fetches (`CatalogFetch`) against the view of its
//! role, so a table a user may not see does not exist for them: a plan naming it is
//! refused as `V012` (unknown table), exactly as a plan naming a dropped table.

use std::sync::Arc;

use kalavar_storage::{AccessLevel, CatalogSnapshot, TableDef, TableKind as StorageKind};
use kql_compiler::catalog::{Access, Catalog, Column, Table, TableKind};
use kql_compiler::identity::Role;

use crate::vm::error::{ExecError, Result};
use crate::vm::types::from_storage;

/// The compiler's catalogs for one storage catalog generation.
#[derive(Debug)]
pub struct CatalogViews {
    pub generation: u64,
    pub storage: Arc<CatalogSnapshot>,
    pub full: Arc<Catalog>,
    pub user: Arc<Catalog>,
}

/// A storage table as the compiler sees it.
pub fn kql_table(def: &TableDef) -> Table {
    let columns = def
        .columns
        .iter()
        .map(|c| Column {
            id: c.id.0,
            name: c.name.clone(),
            ty: from_storage(c.data_type),
            nullable: c.nullable,
            default: c.default_kql.clone(),
        })
        .collect();
    let key = def
        .primary_key
        .iter()
        .filter_map(|id| def.column(*id).map(|c| c.name.clone()))
        .collect();
    Table {
        id: def.id.0,
        namespace: def.namespace.clone(),
        name: def.name.clone(),
        kind: match def.kind {
            StorageKind::User => TableKind::User,
            StorageKind::Shared => TableKind::Shared,
            StorageKind::Stream => TableKind::Stream,
        },
        schema_version: u32::try_from(def.schema_version).unwrap_or(u32::MAX),
        columns,
        key,
        access: match def.options.access {
            AccessLevel::Public => Access::Public,
            AccessLevel::Read => Access::ReadOnly,
            AccessLevel::Private => Access::Private,
        },
    }
}

/// A snapshot of `tables`, leaving out any table the compiler cannot take (a default
/// that does not parse as KQL, say) rather than refusing the whole catalog.
fn snapshot(generation: u64, namespaces: &[String], tables: Vec<Table>) -> Result<Catalog> {
    match Catalog::new(generation, namespaces.to_vec(), tables.clone()) {
        Ok(c) => Ok(c),
        Err(_) => {
            let usable: Vec<Table> = tables
                .into_iter()
                .filter(|t| Catalog::new(0, vec![t.namespace.clone()], vec![t.clone()]).is_ok())
                .collect();
            Catalog::new(generation, namespaces.to_vec(), usable)
                .map_err(|e| ExecError::internal(format!("the catalog does not map: {e}")))
        }
    }
}

impl CatalogViews {
    pub fn build(storage: Arc<CatalogSnapshot>) -> Result<CatalogViews> {
        let generation = storage.generation();
        let namespaces: Vec<String> = storage.namespaces().map(|n| n.name.clone()).collect();
        let all: Vec<Table> = storage.tables().map(|t| kql_table(t)).collect();
        let visible: Vec<Table> = all
            .iter()
            .filter(|t| !(t.kind != TableKind::User && t.access == Access::Private))
            .cloned()
            .collect();
        Ok(CatalogViews {
            generation,
            full: Arc::new(snapshot(generation, &namespaces, all)?),
            user: Arc::new(snapshot(generation, &namespaces, visible)?),
            storage,
        })
    }

    /// The snapshot a role compiles and verifies against.
    pub fn for_role(&self, role: Role) -> &Arc<Catalog> {
        if role == Role::User {
            &self.user
        } else {
            &self.full
        }
    }
}
