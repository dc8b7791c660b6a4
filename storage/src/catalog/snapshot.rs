//! [`CatalogSnapshot`]: an immutable in-memory copy of the catalog. Readers hold an
//! `Arc` to one; a DDL builds the next and swaps it in, so lookups never block on DDL.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::model::{CertificateRecord, Namespace, TableDef, TableId, UserId, UserRecord};

/// The catalog as of one `generation`.
#[derive(Debug, Clone, Default)]
pub struct CatalogSnapshot {
    generation: u64,
    pub(crate) next_table: u64,
    pub(crate) next_user: u64,
    namespaces: BTreeMap<String, Namespace>,
    tables: BTreeMap<TableId, Arc<TableDef>>,
    table_names: HashMap<(String, String), TableId>,
    users: BTreeMap<UserId, UserRecord>,
    user_names: HashMap<String, UserId>,
    certificates: BTreeMap<(String, String), CertificateRecord>,
}

impl CatalogSnapshot {
    pub(crate) fn build(
        generation: u64,
        next_table: u64,
        next_user: u64,
        namespaces: BTreeMap<String, Namespace>,
        tables: Vec<TableDef>,
        users: Vec<UserRecord>,
        certs: Vec<CertificateRecord>,
    ) -> CatalogSnapshot {
        let mut s = CatalogSnapshot {
            generation,
            next_table,
            next_user,
            namespaces,
            ..Default::default()
        };
        for t in tables {
            s.put_table(t);
        }
        for u in users {
            s.put_user(u);
        }
        for c in certs {
            s.put_certificate(c);
        }
        s
    }

    /// Changes with every catalog change anywhere.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    pub fn namespaces(&self) -> impl Iterator<Item = &Namespace> {
        self.namespaces.values()
    }

    pub fn namespace(&self, name: &str) -> Option<&Namespace> {
        self.namespaces.get(name)
    }

    /// All tables, by id.
    pub fn tables(&self) -> impl Iterator<Item = &Arc<TableDef>> {
        self.tables.values()
    }

    pub fn table(&self, id: TableId) -> Option<&Arc<TableDef>> {
        self.tables.get(&id)
    }

    pub fn table_by_name(&self, namespace: &str, name: &str) -> Option<&Arc<TableDef>> {
        self.table_names
            .get(&(namespace.to_string(), name.to_string()))
            .and_then(|id| self.tables.get(id))
    }

    /// Tables of one namespace.
    pub fn tables_in(&self, namespace: &str) -> impl Iterator<Item = &Arc<TableDef>> {
        self.tables
            .values()
            .filter(move |t| t.namespace == namespace)
    }

    pub fn users(&self) -> impl Iterator<Item = &UserRecord> {
        self.users.values()
    }

    pub fn user(&self, id: UserId) -> Option<&UserRecord> {
        self.users.get(&id)
    }

    pub fn user_by_name(&self, name: &str) -> Option<&UserRecord> {
        self.user_names.get(name).and_then(|id| self.users.get(id))
    }

    /// All certificate records, ordered by (issuer, serial).
    pub fn certificates(&self) -> impl Iterator<Item = &CertificateRecord> {
        self.certificates.values()
    }

    /// The record of (issuer key id, serial); the serial is matched after
    /// [`crate::normalize_serial`].
    pub fn certificate(&self, issuer_key_id: &str, serial: &str) -> Option<&CertificateRecord> {
        let serial = super::normalize_serial(serial).ok()?;
        self.certificates.get(&(issuer_key_id.to_string(), serial))
    }

    /// Certificate records of one user.
    pub fn certificates_of(&self, user: UserId) -> impl Iterator<Item = &CertificateRecord> {
        self.certificates.values().filter(move |c| c.user == user)
    }

    // ── mutation, used by `ops` on a private copy before it is published ──

    pub(crate) fn bump_generation(&mut self) -> u64 {
        self.generation += 1;
        self.generation
    }

    pub(crate) fn put_namespace(&mut self, ns: Namespace) {
        self.namespaces.insert(ns.name.clone(), ns);
    }

    pub(crate) fn remove_namespace(&mut self, name: &str) {
        self.namespaces.remove(name);
    }

    pub(crate) fn put_table(&mut self, t: TableDef) {
        if let Some(old) = self.tables.get(&t.id) {
            self.table_names
                .remove(&(old.namespace.clone(), old.name.clone()));
        }
        self.table_names
            .insert((t.namespace.clone(), t.name.clone()), t.id);
        self.tables.insert(t.id, Arc::new(t));
    }

    pub(crate) fn remove_table(&mut self, id: TableId) {
        if let Some(old) = self.tables.remove(&id) {
            self.table_names
                .remove(&(old.namespace.clone(), old.name.clone()));
        }
    }

    pub(crate) fn put_user(&mut self, u: UserRecord) {
        self.user_names.insert(u.name.clone(), u.id);
        self.users.insert(u.id, u);
    }

    pub(crate) fn remove_user(&mut self, id: UserId) {
        if let Some(old) = self.users.remove(&id) {
            self.user_names.remove(&old.name);
        }
    }

    pub(crate) fn put_certificate(&mut self, c: CertificateRecord) {
        self.certificates
            .insert((c.issuer_key_id.clone(), c.serial.clone()), c);
    }
}
