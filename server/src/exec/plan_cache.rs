//! The prepared-plan cache: verified plans by (SHA-256 of their bytes, user, role),
//! bounded and least-recently-used. A hit skips decoding and verification; it is
//! valid only while every table the plan names is still at the schema version it
//! was verified against (the permission rules that depend on a table — its kind and
//! access level — change only with its version), so a stale entry is dropped and the
//! plan verified again, which reports `V013` to the client.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kql_compiler::catalog::Catalog;
use kql_compiler::identity::Role;

use crate::vm::Prepared;

/// One verified plan, for one user and role.
struct Entry {
    user: String,
    role: Role,
    plan: Arc<Prepared>,
    used: u64,
}

/// The entries by plan hash (a hash's list holds one entry per user and role that
/// prepared it, usually one), so a lookup borrows the user's name instead of
/// building a key.
#[derive(Default)]
struct Inner {
    by_hash: HashMap<[u8; 32], Vec<Entry>>,
    len: usize,
    clock: u64,
}

impl Inner {
    fn remove(&mut self, hash: &[u8; 32], at: usize) {
        if let Some(list) = self.by_hash.get_mut(hash) {
            list.swap_remove(at);
            self.len -= 1;
            if list.is_empty() {
                self.by_hash.remove(hash);
            }
        }
    }
}

/// The cache (one per server).
pub struct PlanCache {
    capacity: usize,
    inner: Mutex<Inner>,
}

impl std::fmt::Debug for PlanCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanCache")
            .field("capacity", &self.capacity)
            .field("len", &self.len())
            .finish()
    }
}

fn still_valid(plan: &Prepared, catalog: &Catalog) -> bool {
    plan.program.tables.iter().all(|t| {
        catalog
            .get_table_by_id(t.id)
            .is_some_and(|c| c.schema_version == t.schema_version)
    })
}

impl PlanCache {
    pub fn new(capacity: usize) -> PlanCache {
        PlanCache {
            capacity,
            inner: Mutex::new(Inner::default()),
        }
    }

    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).len
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cached plan for `hash`, verified for `user` with `role`, if it still fits
    /// `catalog`.
    pub fn get(
        &self,
        hash: &[u8; 32],
        user: &str,
        role: Role,
        catalog: &Catalog,
    ) -> Option<Arc<Prepared>> {
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let inner = &mut *guard;
        let list = inner.by_hash.get_mut(hash)?;
        let at = list.iter().position(|e| e.role == role && e.user == user)?;
        if !still_valid(&list[at].plan, catalog) {
            inner.remove(hash, at);
            return None;
        }
        inner.clock += 1;
        let entry = &mut list[at];
        entry.used = inner.clock;
        Some(entry.plan.clone())
    }

    /// Keeps a plan verified for `user` with `role`.
    pub fn put(&self, user: &str, role: Role, plan: Arc<Prepared>) {
        if self.capacity == 0 {
            return;
        }
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let inner = &mut *guard;
        inner.clock += 1;
        let used = inner.clock;
        let hash = plan.hash;
        if let Some(e) = inner
            .by_hash
            .get_mut(&hash)
            .and_then(|l| l.iter_mut().find(|e| e.role == role && e.user == user))
        {
            e.plan = plan;
            e.used = used;
            return;
        }
        if inner.len >= self.capacity {
            let oldest = inner
                .by_hash
                .iter()
                .flat_map(|(h, l)| l.iter().enumerate().map(move |(i, e)| (e.used, *h, i)))
                .min();
            if let Some((_, h, i)) = oldest {
                inner.remove(&h, i);
            }
        }
        inner.by_hash.entry(hash).or_default().push(Entry {
            user: user.to_owned(),
            role,
            plan,
            used,
        });
        inner.len += 1;
    }
}
