//! The compact wire encoding of a snapshot (the catalog fetch).
//!
//! `"KQLC"`, format version (varint), generation, namespaces (count, strings), tables
//! (count; each: id, namespace, name, kind byte, access byte, schema version, columns
//! (count; each: id, name, type, nullable, optional default), key (count, names)).
//! Decoding checks every count against [`LIMITS`](self) and the bytes left, then
//! validates the result as [`Catalog::new`] does.

use super::snapshot::{Access, Catalog, Column, Table, TableKind};
use crate::bytecode::{read_type, write_type};
use crate::codec::{DecodeError, DecodeErrorCode, Reader, Writer};

const MAGIC: &[u8; 4] = b"KQLC";
const FORMAT_VERSION: u64 = 1;
const MAX_NAME: usize = 1024;
const MAX_DEFAULT: usize = 64 * 1024;
const MAX_NAMESPACES: usize = 1 << 16;
const MAX_TABLES: usize = 1 << 20;
const MAX_COLUMNS: usize = 4096;

impl Catalog {
    /// The compact binary form sent to clients (system tables left out: both sides
    /// have them built in).
    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.bytes_raw(MAGIC);
        w.uvar(FORMAT_VERSION);
        w.uvar(self.generation());
        let namespaces: Vec<&String> = self
            .namespaces()
            .iter()
            .filter(|n| n.as_str() != super::SYSTEM_NAMESPACE)
            .collect();
        w.len(namespaces.len());
        for ns in namespaces {
            w.str(ns);
        }
        let tables: Vec<&Table> = self.user_defined_tables().collect();
        w.len(tables.len());
        for t in tables {
            w.uvar(t.id);
            w.str(&t.namespace);
            w.str(&t.name);
            w.u8(match t.kind {
                TableKind::User => 0,
                TableKind::Shared => 1,
                TableKind::Stream => 2,
                TableKind::System => 3,
            });
            w.u8(match t.access {
                Access::Public => 0,
                Access::ReadOnly => 1,
                Access::Private => 2,
            });
            w.uvar(t.schema_version as u64);
            w.len(t.columns.len());
            for c in &t.columns {
                w.uvar(c.id as u64);
                w.str(&c.name);
                write_type(&mut w, c.ty);
                w.bool(c.nullable);
                w.opt_str(c.default.as_deref());
            }
            w.len(t.key.len());
            for k in &t.key {
                w.str(k);
            }
        }
        w.into_bytes()
    }

    /// Decodes [`Catalog::encode`]'s output; hostile input gets an error, never a
    /// panic or an allocation past what the input holds.
    pub fn decode(bytes: &[u8]) -> Result<Catalog, DecodeError> {
        let mut r = Reader::new(bytes);
        if r.take(4, "magic")? != MAGIC {
            return Err(DecodeError {
                code: DecodeErrorCode::BadMagic,
                offset: 0,
                message: "not a catalog snapshot (magic is not KQLC)".into(),
            });
        }
        let version = r.uvar("format version")?;
        if version != FORMAT_VERSION {
            return Err(r.error(
                DecodeErrorCode::UnsupportedFormat,
                format!("catalog format {version}; this build reads {FORMAT_VERSION}"),
            ));
        }
        let generation = r.uvar("generation")?;
        let n = r.count(MAX_NAMESPACES, 1, "namespace count")?;
        let mut namespaces = Vec::with_capacity(n);
        for _ in 0..n {
            namespaces.push(r.str(MAX_NAME, "namespace")?);
        }
        let n = r.count(MAX_TABLES, 8, "table count")?;
        let mut tables = Vec::with_capacity(n);
        for _ in 0..n {
            let id = r.uvar("table id")?;
            let namespace = r.str(MAX_NAME, "table namespace")?;
            let name = r.str(MAX_NAME, "table name")?;
            let kind = match r.u8("table kind")? {
                0 => TableKind::User,
                1 => TableKind::Shared,
                2 => TableKind::Stream,
                k => return Err(r.error(DecodeErrorCode::BadTag, format!("table kind {k}"))),
            };
            let access = match r.u8("access")? {
                0 => Access::Public,
                1 => Access::ReadOnly,
                2 => Access::Private,
                k => return Err(r.error(DecodeErrorCode::BadTag, format!("access level {k}"))),
            };
            let schema_version = r.u32v("schema version")?;
            let nc = r.count(MAX_COLUMNS, 5, "column count")?;
            let mut columns = Vec::with_capacity(nc);
            for _ in 0..nc {
                columns.push(Column {
                    id: r.u32v("column id")?,
                    name: r.str(MAX_NAME, "column name")?,
                    ty: read_type(&mut r)?,
                    nullable: r.bool("nullable")?,
                    default: r.opt_str(MAX_DEFAULT, "default")?,
                });
            }
            let nk = r.count(MAX_COLUMNS, 1, "key length")?;
            let mut key = Vec::with_capacity(nk);
            for _ in 0..nk {
                key.push(r.str(MAX_NAME, "key column")?);
            }
            tables.push(Table {
                id,
                namespace,
                name,
                kind,
                schema_version,
                columns,
                key,
                access,
            });
        }
        r.expect_end()?;
        Catalog::new(generation, namespaces, tables).map_err(|e| DecodeError {
            code: DecodeErrorCode::BadValue,
            offset: bytes.len(),
            message: e.0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::DataType;

    fn sample() -> Catalog {
        let t = Table {
            id: 9,
            namespace: "kv".into(),
            name: "settings".into(),
            kind: TableKind::Shared,
            schema_version: 4,
            columns: vec![
                Column {
                    id: 1,
                    name: "key".into(),
                    ty: DataType::Text,
                    nullable: false,
                    default: None,
                },
                Column {
                    id: 2,
                    name: "value".into(),
                    ty: DataType::decimal(12, 3).unwrap(),
                    nullable: true,
                    default: Some("0".into()),
                },
            ],
            key: vec!["key".into()],
            access: Access::ReadOnly,
        };
        Catalog::new(5, vec!["kv".into()], vec![t]).unwrap()
    }

    #[test]
    fn round_trips() {
        let c = sample();
        assert_eq!(Catalog::decode(&c.encode()).unwrap(), c);
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample().encode();
        for n in 0..bytes.len() {
            assert!(Catalog::decode(&bytes[..n]).is_err(), "prefix {n} decoded");
        }
        let mut long = bytes.clone();
        long.push(0);
        assert_eq!(
            Catalog::decode(&long).unwrap_err().code,
            DecodeErrorCode::TrailingBytes
        );
    }
}
