//! The users and certificate records the server authenticates against. [`Directory`]
//! is the interface the session layer needs from the catalog; [`FileDirectory`]
//! keeps them in one JSON file in the data directory until the storage engine's
//! catalog implements the trait.

mod file;
mod records;

pub use file::FileDirectory;
pub use records::{CertRecord, Directory, DirectoryError, UserChange, UserRecord};
