//! The catalog: namespaces, tables, users and certificate records, persisted in the
//! `catalog` column family of RocksDB and mirrored in memory as an immutable
//! [`CatalogSnapshot`] that lookups read without touching the disk. Every change is one
//! atomic RocksDB write batch that also bumps the catalog `generation`; the in-memory
//! copy is swapped only after the write succeeded.

mod model;
pub(crate) mod ops;
mod snapshot;
mod store;
mod validate;

pub use model::{
    AccessLevel, AlterTable, CertificateRecord, ColumnDef, ColumnId, ColumnSpec, FlushPolicy,
    Namespace, Role, TableDef, TableId, TableKind, TableOptions, TableSpec, UserChange, UserId,
    UserRecord, UserSpec,
};
pub use snapshot::CatalogSnapshot;
pub use validate::{normalize_serial, parse_cidr};

pub(crate) use ops::Catalog;
pub(crate) use store::{CATALOG_CF, PendingErase, load as load_catalog, meta_key, read_u64};
