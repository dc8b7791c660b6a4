//! How the catalog sits in RocksDB: the `catalog` column family, its key layout, and
//! loading it back into a [`CatalogSnapshot`] at open.
//!
//! | key | value |
//! |---|---|
//! | `meta/format` | format version, u32 big-endian |
//! | `meta/<counter>` | u64 big-endian (`generation`, `next_table`, `next_user`, `seq`, `rowid`) |
//! | `ns/<name>` | [`Namespace`] as JSON |
//! | `tbl/<id: u64 BE>` | [`TableDef`] as JSON |
//! | `usr/<id: u64 BE>` | [`UserRecord`] as JSON |
//! | `crt/<issuer>\0<serial>` | [`CertificateRecord`] as JSON |
//! | `pending/<n: u64 BE>` | [`PendingErase`] as JSON: work a crash may have interrupted |

use std::collections::BTreeMap;

use rocksdb::{DB, IteratorMode, WriteBatch};
use serde::{Deserialize, Serialize};

use super::model::{CertificateRecord, Namespace, TableDef, TableId, UserId, UserRecord};
use super::snapshot::CatalogSnapshot;
use crate::error::{Result, StorageError};

/// Name of the column family holding the catalog and engine counters.
pub(crate) const CATALOG_CF: &str = "catalog";

/// Erasure work recorded in the same batch as the catalog change that causes it, and
/// removed when done, so that a crash midway resumes at the next open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) enum PendingErase {
    /// Remove every partition (hot and cold) the user owns.
    User(UserId),
    /// Remove every partition of a dropped table.
    Table(TableId),
}

pub(crate) fn meta_key(name: &str) -> Vec<u8> {
    format!("meta/{name}").into_bytes()
}

pub(crate) fn ns_key(name: &str) -> Vec<u8> {
    format!("ns/{name}").into_bytes()
}

pub(crate) fn table_key(id: TableId) -> Vec<u8> {
    let mut k = b"tbl/".to_vec();
    k.extend_from_slice(&id.0.to_be_bytes());
    k
}

pub(crate) fn user_key(id: UserId) -> Vec<u8> {
    let mut k = b"usr/".to_vec();
    k.extend_from_slice(&id.0.to_be_bytes());
    k
}

pub(crate) fn cert_key(issuer: &str, serial: &str) -> Vec<u8> {
    format!("crt/{issuer}\0{serial}").into_bytes()
}

pub(crate) fn pending_key(n: u64) -> Vec<u8> {
    let mut k = b"pending/".to_vec();
    k.extend_from_slice(&n.to_be_bytes());
    k
}

pub(crate) fn to_json<T: Serialize>(v: &T) -> Vec<u8> {
    serde_json::to_vec(v).expect("catalog records always serialize")
}

fn from_json<T: for<'de> Deserialize<'de>>(key: &[u8], bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| {
        StorageError::corrupt(format!(
            "catalog record {:?} does not decode: {e}",
            String::from_utf8_lossy(key)
        ))
    })
}

pub(crate) fn read_u64(db: &DB, name: &str) -> Result<Option<u64>> {
    let cf = db.cf_handle(CATALOG_CF).expect("catalog cf exists");
    match db.get_cf(cf, meta_key(name))? {
        None => Ok(None),
        Some(v) => {
            let arr: [u8; 8] = v.as_slice().try_into().map_err(|_| {
                StorageError::corrupt(format!("catalog counter meta/{name} is not 8 bytes"))
            })?;
            Ok(Some(u64::from_be_bytes(arr)))
        }
    }
}

pub(crate) fn put_u64(batch: &mut WriteBatch, db: &DB, name: &str, v: u64) {
    let cf = db.cf_handle(CATALOG_CF).expect("catalog cf exists");
    batch.put_cf(cf, meta_key(name), v.to_be_bytes());
}

/// Reads the whole catalog column family into memory.
pub(crate) fn load(db: &DB) -> Result<(CatalogSnapshot, Vec<(u64, PendingErase)>)> {
    let cf = db.cf_handle(CATALOG_CF).expect("catalog cf exists");
    let mut namespaces = BTreeMap::new();
    let mut tables = Vec::new();
    let mut users = Vec::new();
    let mut certs = Vec::new();
    let mut pending = Vec::new();
    for item in db.iterator_cf(cf, IteratorMode::Start) {
        let (k, v) = item?;
        if k.starts_with(b"ns/") {
            let ns: Namespace = from_json(&k, &v)?;
            namespaces.insert(ns.name.clone(), ns);
        } else if k.starts_with(b"tbl/") {
            tables.push(from_json::<TableDef>(&k, &v)?);
        } else if k.starts_with(b"usr/") {
            users.push(from_json::<UserRecord>(&k, &v)?);
        } else if k.starts_with(b"crt/") {
            certs.push(from_json::<CertificateRecord>(&k, &v)?);
        } else if let Some(n) = k.strip_prefix(b"pending/") {
            let n: [u8; 8] = n
                .try_into()
                .map_err(|_| StorageError::corrupt("pending-erase key is not 8 bytes"))?;
            pending.push((u64::from_be_bytes(n), from_json::<PendingErase>(&k, &v)?));
        }
    }
    let snap = CatalogSnapshot::build(
        read_u64(db, "generation")?.unwrap_or(0),
        read_u64(db, "next_table")?.unwrap_or(1),
        read_u64(db, "next_user")?.unwrap_or(1),
        namespaces,
        tables,
        users,
        certs,
    );
    Ok((snap, pending))
}
