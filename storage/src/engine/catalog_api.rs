//! The catalog half of the public API: namespaces, tables, users and certificate
//! records. Every change is atomic and durable before it returns; lookups go through
//! [`Engine::catalog`], an in-memory snapshot.

use std::sync::Arc;

use super::handle::Engine;
use crate::catalog::{
    self, AccessLevel, AlterTable, CatalogSnapshot, CertificateRecord, Namespace, TableDef,
    TableId, TableKind, TableOptions, TableSpec, UserChange, UserId, UserRecord, UserSpec,
};
use crate::error::Result;

impl Engine {
    /// The current catalog (cheap: an `Arc` to an immutable snapshot).
    pub fn catalog(&self) -> Arc<CatalogSnapshot> {
        self.inner.catalog.snapshot()
    }

    fn ddl<T>(&self, op: impl FnOnce(&mut catalog::ops::Change<'_>) -> Result<T>) -> Result<T> {
        let inner = &self.inner;
        let (out, pending) = inner.catalog.change(&inner.db, inner.fsync(), op)?;
        for (n, work) in pending {
            inner.run_pending(n, &work)?;
        }
        Ok(out)
    }

    /// Options for a new table of `kind`: the engine's flush defaults, public access,
    /// and for streams a TTL of one hour.
    pub fn default_table_options(&self, kind: TableKind) -> TableOptions {
        TableOptions {
            flush: self.inner.options.flush_defaults.clone(),
            ttl_secs: (kind == TableKind::Stream).then_some(3600),
            access: AccessLevel::Public,
        }
    }

    pub fn create_namespace(&self, name: &str) -> Result<Namespace> {
        self.ddl(|c| catalog::ops::create_namespace(c, name))
    }

    /// Drops an empty namespace (`S124` while it still holds tables).
    pub fn drop_namespace(&self, name: &str) -> Result<()> {
        self.ddl(|c| catalog::ops::drop_namespace(c, name))
    }

    pub fn create_table(&self, spec: &TableSpec) -> Result<TableDef> {
        self.ddl(|c| catalog::ops::create_table(c, spec))
    }

    /// One DDL change; the table's `schema_version` changes.
    pub fn alter_table(&self, table: TableId, change: &AlterTable) -> Result<TableDef> {
        self.ddl(|c| catalog::ops::alter_table(c, table, change))
    }

    /// Drops a table and erases all its partitions, hot and cold.
    pub fn drop_table(&self, table: TableId) -> Result<()> {
        self.ddl(|c| catalog::ops::drop_table(c, table))
    }

    pub fn create_user(&self, spec: &UserSpec) -> Result<UserRecord> {
        self.ddl(|c| catalog::ops::create_user(c, spec))
    }

    pub fn alter_user(&self, user: UserId, change: &UserChange) -> Result<UserRecord> {
        self.ddl(|c| catalog::ops::alter_user(c, user, change))
    }

    /// Drops a user and erases every partition they own. Their certificate records stay
    /// (revoke them first); the user id is never reused.
    pub fn drop_user(&self, user: UserId) -> Result<()> {
        self.ddl(|c| catalog::ops::drop_user(c, user))
    }

    /// Erases every partition (hot and cold) the user owns; the user record stays.
    /// Idempotent, and resumed at the next open if the process dies midway.
    pub fn erase_user(&self, user: UserId) -> Result<()> {
        self.ddl(|c| catalog::ops::erase_user_data(c, user))
    }

    /// Stores (or replaces) a certificate record; the serial is normalised to
    /// upper-case hex. The user must exist.
    pub fn put_certificate(&self, record: CertificateRecord) -> Result<CertificateRecord> {
        self.ddl(|c| catalog::ops::put_certificate(c, record))
    }

    /// The record of (issuer key id, serial), if any.
    pub fn get_certificate(&self, issuer_key_id: &str, serial: &str) -> Option<CertificateRecord> {
        self.catalog().certificate(issuer_key_id, serial).cloned()
    }

    /// Certificate records of one user.
    pub fn certificates_of(&self, user: UserId) -> Vec<CertificateRecord> {
        self.catalog().certificates_of(user).cloned().collect()
    }

    /// Marks one certificate revoked at `at_us` (µs since the epoch); revoking twice
    /// keeps the first time.
    pub fn revoke_certificate(
        &self,
        issuer_key_id: &str,
        serial: &str,
        at_us: i64,
    ) -> Result<CertificateRecord> {
        self.ddl(|c| catalog::ops::revoke_certificate(c, issuer_key_id, serial, at_us))
    }

    /// Revokes every unrevoked certificate of a user; returns how many.
    pub fn revoke_user_certificates(&self, user: UserId, at_us: i64) -> Result<usize> {
        self.ddl(|c| catalog::ops::revoke_user_certificates(c, user, at_us))
    }
}
