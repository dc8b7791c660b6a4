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

type Key = ([u8; 32], String, Role);

struct Entry {
    plan: Arc<Prepared>,
    used: u64,
}

/// The cache (one per server).
pub struct PlanCache {
    capacity: usize,
    inner: Mutex<(HashMap<Key, Entry>, u64)>,
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
            inner: Mutex::new((HashMap::new(), 0)),
        }
    }

    pub fn len(&self) -> usize {
        self.inner.lock().unwrap_or_else(|p| p.into_inner()).0.len()
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
        let (map, clock) = &mut *guard;
        let key = (*hash, user.to_owned(), role);
        let entry = map.get_mut(&key)?;
        if !still_valid(&entry.plan, catalog) {
            map.remove(&key);
            return None;
        }
        *clock += 1;
        entry.used = *clock;
        Some(entry.plan.clone())
    }

    /// Keeps a plan verified for `user` with `role`.
    pub fn put(&self, user: &str, role: Role, plan: Arc<Prepared>) {
        if self.capacity == 0 {
            return;
        }
        let mut guard = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        let (map, clock) = &mut *guard;
        *clock += 1;
        let key = (plan.hash, user.to_owned(), role);
        if !map.contains_key(&key) && map.len() >= self.capacity {
            let oldest = map
                .iter()
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone());
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        map.insert(key, Entry { plan, used: *clock });
    }
}
