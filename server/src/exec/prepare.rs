//! From what a client sends to a [`Prepared`] plan: plan bytes are decoded and
//! verified against the catalog of the caller's role with the caller's identity
//! (skipped when the plan cache holds them for this user and role), query text is
//! compiled on the server by the same compiler and then verified too.

use std::sync::Arc;

use kql_compiler::bytecode::{Limits, Program, VerifyContext, verify, verify_bytes};
use kql_compiler::catalog::Catalog;
use kql_compiler::identity::Caller;

use crate::db::{Counters, Database};
use crate::vm::error::{ExecError, Result};
use crate::vm::{Prepared, Who, plan_hash};

fn context<'a>(catalog: &'a Catalog, caller: &'a Caller) -> VerifyContext<'a> {
    VerifyContext {
        catalog: Some(catalog),
        caller: Some(caller),
        limits: Limits::default(),
    }
}

/// A plan from its encoded bytes, through the cache.
pub fn from_bytes(db: &Database, who: &Who, bytes: &[u8]) -> Result<Arc<Prepared>> {
    let hash = plan_hash(bytes);
    let views = db.views()?;
    let catalog = views.for_role(who.role);
    if let Some(p) = db.plans.get(&hash, &who.user, who.role, catalog) {
        Counters::add(&db.counters.plan_cache_hits, 1);
        return Ok(p);
    }
    Counters::add(&db.counters.plan_cache_misses, 1);
    let caller = Caller::new(who.user.clone(), who.role);
    let verified = verify_bytes(bytes, &context(catalog, &caller))?;
    let p = Prepared::new(verified, hash)?;
    db.plans.put(&who.user, who.role, p.clone());
    Ok(p)
}

/// A plan the cache holds for this user and role (`ExecuteCached`).
pub fn from_hash(db: &Database, who: &Who, hash: &[u8; 32]) -> Result<Arc<Prepared>> {
    let views = db.views()?;
    let catalog = views.for_role(who.role);
    match db.plans.get(hash, &who.user, who.role, catalog) {
        Some(p) => {
            Counters::add(&db.counters.plan_cache_hits, 1);
            Ok(p)
        }
        None => Err(ExecError::with_code(
            kalavar_protocol::codes::PLAN_NOT_CACHED,
            format!(
                "plan {} is not in this server's cache; send it with Execute",
                hex::encode(&hash[..8])
            ),
        )),
    }
}

/// A program compiled on the server, verified like any other.
pub fn from_program(db: &Database, who: &Who, program: Program) -> Result<Arc<Prepared>> {
    let views = db.views()?;
    let catalog = views.for_role(who.role);
    let caller = Caller::new(who.user.clone(), who.role);
    let bytes = program.encode();
    let verified = verify(program, &context(catalog, &caller))?;
    Prepared::new(verified, plan_hash(&bytes))
}

/// Checks that every table the plan names is still at the version it was verified
/// against (`V013` otherwise: the client recompiles).
pub fn check_pins(db: &Database, p: &Prepared) -> Result<()> {
    check_pins_in(&db.engine, p)
}

/// [`check_pins`] against an engine.
pub fn check_pins_in(engine: &kalavar_storage::Engine, p: &Prepared) -> Result<()> {
    check_pins_at(&engine.catalog(), p)
}

/// [`check_pins`] against one catalog snapshot.
pub fn check_pins_at(storage: &kalavar_storage::CatalogSnapshot, p: &Prepared) -> Result<()> {
    for t in &p.program.tables {
        if t.id >= kql_compiler::catalog::SYSTEM_TABLE_ID_BASE {
            continue;
        }
        match storage.table(kalavar_storage::TableId(t.id)) {
            Some(d) if d.schema_version == u64::from(t.schema_version) => {}
            Some(d) => {
                return Err(ExecError::with_code(
                    "V013",
                    format!(
                        "table {} is at schema version {}, the plan was compiled against {}; recompile against a fresh catalog",
                        d.qualified_name(),
                        d.schema_version,
                        t.schema_version
                    ),
                ));
            }
            None => {
                return Err(ExecError::with_code(
                    "V012",
                    format!("table {} (id {}) no longer exists", t.name, t.id),
                ));
            }
        }
    }
    Ok(())
}
