//! The database a statement runs against: the storage engine and the services every
//! session shares — the catalog as the compiler sees it ([`catalog_view`]), the plan
//! cache, the job log, the live-query hub, counters and the per-query limits.

mod catalog_view;
mod database;

pub use catalog_view::{CatalogViews, kql_table};
pub use database::{Counters, Database, ExecLimits};
