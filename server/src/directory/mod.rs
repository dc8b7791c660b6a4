//! The users and certificate records the server authenticates against. [`Directory`]
//! is the interface the session layer needs from the catalog; [`StorageDirectory`]
//! implements it over the storage engine's catalog (`kalavar-storage`), where users
//! and certificate records live next to the tables.

mod records;
mod storage;

pub use records::{CertRecord, Directory, DirectoryError, UserChange, UserRecord, issuer_id};
pub use storage::StorageDirectory;
