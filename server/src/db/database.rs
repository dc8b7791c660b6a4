//! [`Database`]: one per server, behind an `Arc`, shared by every session.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::Duration;

use kalavar_storage::Engine;

use super::catalog_view::CatalogViews;
use crate::exec::{Committer, PlanCache};
use crate::jobs::JobLog;
use crate::live::LiveHub;
use crate::vm::error::Result;

/// Per-query limits (`[limits]` in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExecLimits {
    /// Bytes a statement may hold in registers and cursors.
    pub memory_bytes: usize,
    /// Rows a statement may return.
    pub max_rows: u64,
    /// How long a statement may run (subscriptions excepted).
    pub timeout: Duration,
}

impl Default for ExecLimits {
    fn default() -> Self {
        ExecLimits {
            memory_bytes: 512 << 20,
            max_rows: 10_000_000,
            timeout: Duration::from_secs(300),
        }
    }
}

/// Server-wide counters for `system.stats`.
#[derive(Debug, Default)]
pub struct Counters {
    pub statements: AtomicU64,
    pub statements_failed: AtomicU64,
    pub rows_returned: AtomicU64,
    pub rows_written: AtomicU64,
    pub plan_cache_hits: AtomicU64,
    pub plan_cache_misses: AtomicU64,
    pub transactions_committed: AtomicU64,
    pub transactions_conflicted: AtomicU64,
}

impl Counters {
    pub fn add(c: &AtomicU64, n: u64) {
        c.fetch_add(n, Ordering::Relaxed);
    }
}

/// The storage engine and what sessions share around it.
pub struct Database {
    pub engine: Engine,
    pub plans: PlanCache,
    pub jobs: JobLog,
    pub live: Arc<LiveHub>,
    pub counters: Counters,
    pub limits: ExecLimits,
    /// Statements hold it shared for their run; DDL takes it exclusively, so no
    /// table changes between a plan's verification and the end of its run.
    pub ddl: Arc<RwLock<()>>,
    views: Mutex<Option<Arc<CatalogViews>>>,
    /// The commit thread, started by the first short durable write.
    committer: OnceLock<Committer>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("dir", &self.engine.dir())
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl Database {
    pub fn new(engine: Engine, limits: ExecLimits, plan_cache_entries: usize) -> Database {
        Database {
            engine,
            plans: PlanCache::new(plan_cache_entries),
            jobs: JobLog::default(),
            live: Arc::new(LiveHub::default()),
            counters: Counters::default(),
            limits,
            ddl: Arc::new(RwLock::new(())),
            views: Mutex::new(None),
            committer: OnceLock::new(),
        }
    }

    /// The commit thread (see [`Committer`]), started on first use; `None` if the
    /// thread could not be started (the caller then commits as before).
    pub fn committer(&self) -> Option<&Committer> {
        if let Some(c) = self.committer.get() {
            return Some(c);
        }
        match Committer::start(self.engine.clone(), self.ddl.clone()) {
            Ok(c) => Some(self.committer.get_or_init(|| c)),
            Err(e) => {
                tracing::warn!(error = %e, "could not start the commit thread");
                None
            }
        }
    }

    /// The catalog as the compiler sees it, rebuilt when the storage catalog changed.
    pub fn views(&self) -> Result<Arc<CatalogViews>> {
        let snapshot = self.engine.catalog();
        let mut cached = self.views.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = cached.as_ref()
            && v.generation == snapshot.generation()
        {
            return Ok(v.clone());
        }
        let views = Arc::new(CatalogViews::build(snapshot)?);
        *cached = Some(views.clone());
        Ok(views)
    }
}
