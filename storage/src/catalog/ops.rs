//! Catalog changes. [`Catalog::change`] is the one path every DDL takes: under the DDL
//! lock it copies the current snapshot, lets the operation edit the copy and fill a
//! RocksDB write batch, bumps the generation, writes the batch (synced under
//! `Durability::Sync`), and only then publishes the copy.

use std::sync::{Arc, Mutex, RwLock};

use rocksdb::{DB, WriteBatch, WriteOptions};

use super::model::*;
use super::snapshot::CatalogSnapshot;
use super::store::{
    self, CATALOG_CF, PendingErase, cert_key, ns_key, pending_key, table_key, to_json, user_key,
};
use super::validate::{self, MAX_COLUMNS};
use crate::error::{Result, StorageError};
use crate::types::ScalarValue;
use crate::util::now_us;

/// The live catalog: the published snapshot and the DDL lock.
pub(crate) struct Catalog {
    current: RwLock<Arc<CatalogSnapshot>>,
    ddl: Mutex<()>,
}

/// What an operation adds to the batch besides records: erasure work to run after the
/// change is durable.
pub(crate) struct Change<'a> {
    pub snap: &'a mut CatalogSnapshot,
    batch: &'a mut WriteBatch,
    db: &'a DB,
    pending: Vec<PendingErase>,
}

impl Change<'_> {
    fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        let cf = self.db.cf_handle(CATALOG_CF).expect("catalog cf");
        self.batch.put_cf(cf, key, value);
    }

    fn delete(&mut self, key: Vec<u8>) {
        let cf = self.db.cf_handle(CATALOG_CF).expect("catalog cf");
        self.batch.delete_cf(cf, key);
    }

    fn erase_later(&mut self, what: PendingErase) {
        self.pending.push(what);
    }
}

impl Catalog {
    pub(crate) fn new(snap: CatalogSnapshot) -> Catalog {
        Catalog {
            current: RwLock::new(Arc::new(snap)),
            ddl: Mutex::new(()),
        }
    }

    /// The current snapshot (cheap: an `Arc` clone).
    pub(crate) fn snapshot(&self) -> Arc<CatalogSnapshot> {
        self.current.read().expect("catalog lock").clone()
    }

    /// Runs one catalog change atomically; returns the operation's result and the
    /// erasures it recorded (keyed by their `pending/` number).
    pub(crate) fn change<T>(
        &self,
        db: &DB,
        sync: bool,
        op: impl FnOnce(&mut Change<'_>) -> Result<T>,
    ) -> Result<(T, Vec<(u64, PendingErase)>)> {
        let _guard = self.ddl.lock().expect("ddl lock");
        let mut next = (*self.snapshot()).clone();
        let mut batch = WriteBatch::default();
        let mut change = Change {
            snap: &mut next,
            batch: &mut batch,
            db,
            pending: Vec::new(),
        };
        let out = op(&mut change)?;
        let pending_work = std::mem::take(&mut change.pending);
        let generation = next.bump_generation();
        let mut pending = Vec::new();
        for (i, p) in pending_work.into_iter().enumerate() {
            let n = generation * 64 + i as u64;
            let cf = db.cf_handle(CATALOG_CF).expect("catalog cf");
            batch.put_cf(cf, pending_key(n), to_json(&p));
            pending.push((n, p));
        }
        store::put_u64(&mut batch, db, "generation", generation);
        store::put_u64(&mut batch, db, "next_table", next.next_table);
        store::put_u64(&mut batch, db, "next_user", next.next_user);
        let mut wo = WriteOptions::default();
        wo.set_sync(sync);
        db.write_opt(batch, &wo)?;
        *self.current.write().expect("catalog lock") = Arc::new(next);
        Ok((out, pending))
    }

    /// Marks pending erasure `n` done.
    pub(crate) fn finish_pending(&self, db: &DB, n: u64, sync: bool) -> Result<()> {
        let cf = db.cf_handle(CATALOG_CF).expect("catalog cf");
        let mut wo = WriteOptions::default();
        wo.set_sync(sync);
        db.delete_cf_opt(cf, pending_key(n), &wo)?;
        Ok(())
    }
}

// ── namespaces ───────────────────────────────────────────────────────────────

pub(crate) fn create_namespace(c: &mut Change<'_>, name: &str) -> Result<Namespace> {
    validate::identifier("namespace", name)?;
    if c.snap.namespace(name).is_some() {
        return Err(StorageError::AlreadyExists {
            what: format!("namespace `{name}`"),
        });
    }
    let ns = Namespace {
        name: name.to_string(),
        created_at_us: now_us(),
    };
    c.put(ns_key(name), to_json(&ns));
    c.snap.put_namespace(ns.clone());
    Ok(ns)
}

pub(crate) fn drop_namespace(c: &mut Change<'_>, name: &str) -> Result<()> {
    if c.snap.namespace(name).is_none() {
        return Err(StorageError::UnknownNamespace(name.to_string()));
    }
    if let Some(t) = c.snap.tables_in(name).next() {
        return Err(StorageError::NotEmpty(format!(
            "namespace `{name}` still holds table `{}`; drop its tables first",
            t.name
        )));
    }
    c.delete(ns_key(name));
    c.snap.remove_namespace(name);
    Ok(())
}

// ── tables ───────────────────────────────────────────────────────────────────

/// `adding`: the column joins a table that may hold rows, so a non-nullable column
/// needs a non-null backfill for them.
fn check_column(table: &str, spec: &ColumnSpec, adding: bool) -> Result<ScalarValue> {
    validate::identifier("column", &spec.name)?;
    spec.data_type.validate()?;
    let backfill = spec.backfill.coerce_to(&spec.data_type).map_err(|e| {
        StorageError::TypeMismatch(format!(
            "backfill of column `{}` in {table}: {e}",
            spec.name
        ))
    })?;
    if adding && backfill.is_null() && !spec.nullable {
        return Err(StorageError::invalid(format!(
            "column `{}` in {table} is not nullable, so it needs a non-null backfill value",
            spec.name
        )));
    }
    Ok(backfill)
}

fn check_options(kind: TableKind, table: &str, o: &TableOptions) -> Result<()> {
    match (kind, o.ttl_secs) {
        (TableKind::Stream, None) | (TableKind::Stream, Some(0)) => {
            return Err(StorageError::invalid(format!(
                "stream table {table} needs a TTL of at least one second"
            )));
        }
        (TableKind::User | TableKind::Shared, Some(_)) => {
            return Err(StorageError::invalid(format!(
                "table {table}: only stream tables take a TTL"
            )));
        }
        _ => {}
    }
    let f = &o.flush;
    if f.max_hot_rows == 0 || f.compact_at_segments < 2 {
        return Err(StorageError::invalid(format!(
            "table {table}: flush max_hot_rows must be ≥ 1 and compact_at_segments ≥ 2"
        )));
    }
    Ok(())
}

pub(crate) fn create_table(c: &mut Change<'_>, spec: &TableSpec) -> Result<TableDef> {
    let qualified = format!("{}.{}", spec.namespace, spec.name);
    if c.snap.namespace(&spec.namespace).is_none() {
        return Err(StorageError::UnknownNamespace(spec.namespace.clone()));
    }
    validate::identifier("table", &spec.name)?;
    if c.snap.table_by_name(&spec.namespace, &spec.name).is_some() {
        return Err(StorageError::AlreadyExists {
            what: format!("table {qualified}"),
        });
    }
    if spec.columns.is_empty() || spec.columns.len() > MAX_COLUMNS {
        return Err(StorageError::invalid(format!(
            "table {qualified} needs 1–{MAX_COLUMNS} columns, got {}",
            spec.columns.len()
        )));
    }
    check_options(spec.kind, &qualified, &spec.options)?;
    let mut columns: Vec<ColumnDef> = Vec::new();
    for (i, col) in spec.columns.iter().enumerate() {
        let backfill = check_column(&qualified, col, false)?;
        if columns.iter().any(|c| c.name == col.name) {
            return Err(StorageError::AlreadyExists {
                what: format!("column `{}` in {qualified}", col.name),
            });
        }
        columns.push(ColumnDef {
            id: ColumnId(i as u32 + 1),
            name: col.name.clone(),
            data_type: col.data_type,
            nullable: col.nullable,
            default_kql: col.default_kql.clone(),
            backfill,
        });
    }
    let mut primary_key = Vec::new();
    for name in &spec.primary_key {
        let col = columns.iter().find(|c| &c.name == name).ok_or_else(|| {
            StorageError::UnknownColumn {
                table: qualified.clone(),
                column: name.clone(),
            }
        })?;
        if col.nullable || !col.data_type.can_be_key() || primary_key.contains(&col.id) {
            return Err(StorageError::invalid(format!(
                "primary key column `{name}` of {qualified} must be non-nullable, listed once, \
                 and not json"
            )));
        }
        primary_key.push(col.id);
    }
    let id = TableId(c.snap.next_table);
    c.snap.next_table += 1;
    let def = TableDef {
        id,
        namespace: spec.namespace.clone(),
        name: spec.name.clone(),
        kind: spec.kind,
        next_column_id: columns.len() as u32 + 1,
        columns,
        primary_key,
        options: spec.options.clone(),
        schema_version: 1,
        created_at_us: now_us(),
    };
    c.put(table_key(id), to_json(&def));
    c.snap.put_table(def.clone());
    Ok(def)
}

pub(crate) fn alter_table(c: &mut Change<'_>, id: TableId, alter: &AlterTable) -> Result<TableDef> {
    let mut def = (**c
        .snap
        .table(id)
        .ok_or_else(|| StorageError::UnknownTable(id.to_string()))?)
    .clone();
    let qualified = def.qualified_name();
    let unknown = |column: &str| StorageError::UnknownColumn {
        table: qualified.clone(),
        column: column.to_string(),
    };
    match alter {
        AlterTable::AddColumn(spec) => {
            let backfill = check_column(&qualified, spec, true)?;
            if def.column_by_name(&spec.name).is_some() {
                return Err(StorageError::AlreadyExists {
                    what: format!("column `{}` in {qualified}", spec.name),
                });
            }
            if def.next_column_id as usize > MAX_COLUMNS {
                return Err(StorageError::LimitExceeded(format!(
                    "table {qualified} has used all {MAX_COLUMNS} column ids"
                )));
            }
            def.columns.push(ColumnDef {
                id: ColumnId(def.next_column_id),
                name: spec.name.clone(),
                data_type: spec.data_type,
                nullable: spec.nullable,
                default_kql: spec.default_kql.clone(),
                backfill,
            });
            def.next_column_id += 1;
        }
        AlterTable::DropColumn(name) => {
            let col = def.column_by_name(name).ok_or_else(|| unknown(name))?;
            if def.primary_key.contains(&col.id) {
                return Err(StorageError::invalid(format!(
                    "column `{name}` is part of the primary key of {qualified} and cannot be dropped"
                )));
            }
            if def.columns.len() == 1 {
                return Err(StorageError::invalid(format!(
                    "cannot drop `{name}`, the last column of {qualified}"
                )));
            }
            let cid = col.id;
            def.columns.retain(|c| c.id != cid);
        }
        AlterTable::RenameColumn { from, to } => {
            validate::identifier("column", to)?;
            if def.column_by_name(to).is_some() {
                return Err(StorageError::AlreadyExists {
                    what: format!("column `{to}` in {qualified}"),
                });
            }
            let idx = def
                .columns
                .iter()
                .position(|c| &c.name == from)
                .ok_or_else(|| unknown(from))?;
            def.columns[idx].name = to.clone();
        }
        AlterTable::SetOptions(options) => {
            check_options(def.kind, &qualified, options)?;
            def.options = options.clone();
        }
    }
    def.schema_version += 1;
    c.put(table_key(id), to_json(&def));
    c.snap.put_table(def.clone());
    Ok(def)
}

pub(crate) fn drop_table(c: &mut Change<'_>, id: TableId) -> Result<()> {
    if c.snap.table(id).is_none() {
        return Err(StorageError::UnknownTable(id.to_string()));
    }
    c.delete(table_key(id));
    c.snap.remove_table(id);
    c.erase_later(PendingErase::Table(id));
    Ok(())
}

// ── users ────────────────────────────────────────────────────────────────────

pub(crate) fn create_user(c: &mut Change<'_>, spec: &UserSpec) -> Result<UserRecord> {
    validate::user_name(&spec.name)?;
    validate::cidr_list("allowed_ips", &spec.allowed_ips)?;
    if c.snap.user_by_name(&spec.name).is_some() {
        return Err(StorageError::AlreadyExists {
            what: format!("user `{}`", spec.name),
        });
    }
    let id = UserId(c.snap.next_user);
    c.snap.next_user += 1;
    let user = UserRecord {
        id,
        name: spec.name.clone(),
        role: spec.role,
        enabled: spec.enabled,
        allowed_ips: spec.allowed_ips.clone(),
        created_at_us: now_us(),
    };
    c.put(user_key(id), to_json(&user));
    c.snap.put_user(user.clone());
    Ok(user)
}

pub(crate) fn alter_user(c: &mut Change<'_>, id: UserId, ch: &UserChange) -> Result<UserRecord> {
    let mut user = c
        .snap
        .user(id)
        .cloned()
        .ok_or_else(|| StorageError::UnknownUser(id.to_string()))?;
    if let Some(ips) = &ch.allowed_ips {
        validate::cidr_list("allowed_ips", ips)?;
        user.allowed_ips = ips.clone();
    }
    if let Some(role) = ch.role {
        user.role = role;
    }
    if let Some(enabled) = ch.enabled {
        user.enabled = enabled;
    }
    c.put(user_key(id), to_json(&user));
    c.snap.put_user(user.clone());
    Ok(user)
}

/// Removes the user and (after the change is durable) every partition they own. The
/// user's certificate records stay, for revocation lists and audit (the caller revokes
/// them first); they name a user id that is never reused, so they authenticate nobody.
pub(crate) fn drop_user(c: &mut Change<'_>, id: UserId) -> Result<()> {
    if c.snap.user(id).is_none() {
        return Err(StorageError::UnknownUser(id.to_string()));
    }
    c.delete(user_key(id));
    c.snap.remove_user(id);
    c.erase_later(PendingErase::User(id));
    Ok(())
}

/// Records that a user's data must be erased (the user itself stays).
pub(crate) fn erase_user_data(c: &mut Change<'_>, id: UserId) -> Result<()> {
    c.erase_later(PendingErase::User(id));
    Ok(())
}

// ── certificates ─────────────────────────────────────────────────────────────

pub(crate) fn put_certificate(
    c: &mut Change<'_>,
    mut rec: CertificateRecord,
) -> Result<CertificateRecord> {
    validate::issuer(&rec.issuer_key_id)?;
    rec.serial = validate::normalize_serial(&rec.serial)?;
    validate::cidr_list("certificate addresses", &rec.addresses)?;
    if c.snap.user(rec.user).is_none() {
        return Err(StorageError::UnknownUser(rec.user.to_string()));
    }
    if rec.not_before_us > rec.not_after_us {
        return Err(StorageError::invalid(format!(
            "certificate {}: not_before is after not_after",
            rec.serial
        )));
    }
    if rec.der.is_empty() || rec.der.len() > 64 * 1024 {
        return Err(StorageError::invalid(format!(
            "certificate {}: DER must be 1 byte to 64 KiB, got {} bytes",
            rec.serial,
            rec.der.len()
        )));
    }
    c.put(cert_key(&rec.issuer_key_id, &rec.serial), to_json(&rec));
    c.snap.put_certificate(rec.clone());
    Ok(rec)
}

pub(crate) fn revoke_certificate(
    c: &mut Change<'_>,
    issuer: &str,
    serial: &str,
    at_us: i64,
) -> Result<CertificateRecord> {
    let serial = validate::normalize_serial(serial)?;
    let mut rec = c
        .snap
        .certificate(issuer, &serial)
        .cloned()
        .ok_or_else(|| StorageError::UnknownCertificate {
            issuer: issuer.to_string(),
            serial: serial.clone(),
        })?;
    if rec.revoked_at_us.is_none() {
        rec.revoked_at_us = Some(at_us);
        c.put(cert_key(issuer, &serial), to_json(&rec));
        c.snap.put_certificate(rec.clone());
    }
    Ok(rec)
}

pub(crate) fn revoke_user_certificates(
    c: &mut Change<'_>,
    user: UserId,
    at_us: i64,
) -> Result<usize> {
    if c.snap.user(user).is_none() {
        return Err(StorageError::UnknownUser(user.to_string()));
    }
    let open: Vec<CertificateRecord> = c
        .snap
        .certificates_of(user)
        .filter(|r| r.revoked_at_us.is_none())
        .cloned()
        .collect();
    for mut rec in open.iter().cloned() {
        rec.revoked_at_us = Some(at_us);
        c.put(cert_key(&rec.issuer_key_id, &rec.serial), to_json(&rec));
        c.snap.put_certificate(rec);
    }
    Ok(open.len())
}
