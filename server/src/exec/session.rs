//! [`Executor`]: the execution state of one session — its user, and the storage
//! transaction `begin … commit` holds — and how it runs a statement.
//!
//! How a plan runs depends on its kind ([`PlanKind`]):
//! - reads run on a storage snapshot (inside a transaction: on the transaction, so
//!   they see its writes);
//! - writes run in a transaction of their own, committed after `Halt` (inside
//!   `begin … commit`: in the session's transaction);
//! - DDL, user and maintenance statements run outside transactions (`X014` inside
//!   one), DDL with the database's DDL lock held exclusively;
//! - `begin`, `commit` and `rollback` change the session's transaction.
//!
//! A statement that fails inside a transaction fails the transaction: later
//! statements get `X015` until `rollback` (or `commit`, which then rolls back and
//! says so), so a failed statement never leaves part of the transaction applied.
//! Changes written are published to live queries after their commit.

use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use arrow_array::ArrayRef;
use kalavar_protocol::{Param, ServerMessage, Value};
use kalavar_storage::{Durability, Txn, UserId};
use kql_compiler::identity::Role;

use super::commit::Outcome;
use super::output::{ResultSink, Send};
use super::params;
use super::prepare::{self, check_pins, check_pins_at};
use super::query::Script;
use crate::db::{CatalogViews, Counters, Database};
use crate::live::RowChange;
use crate::session::Activity;
use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::{Budget, Ctx, Host, Output, PlanKind, PointGet, PointRun, Prepared, Vm, Who};

/// What a request asks to run.
#[derive(Debug, Clone, Copy)]
pub enum Request<'a> {
    /// Encoded plan bytes (`Execute`).
    Plan(&'a [u8]),
    /// A cached plan by hash (`ExecuteCached`).
    Cached(&'a [u8; 32]),
    /// KQL text (`Query`).
    Text(&'a str),
}

struct OpenTxn {
    txn: Txn,
    failed: bool,
    changes: Vec<RowChange>,
}

/// One session's execution state.
pub struct Executor {
    pub db: Arc<Database>,
    pub host: Arc<dyn Host>,
    pub user: String,
    pub user_id: u64,
    pub session: u64,
    txn: Option<OpenTxn>,
    /// The caller as of a catalog generation, for the short path: rebuilt only when
    /// the catalog changed (a demotion or a drop is a new generation).
    short_who: Option<(u64, Arc<Who>)>,
    /// The cancel flag of short runs, which nothing cancels (a `Cancel` reaches only
    /// queued requests): one for the session, not one per request.
    short_cancel: Arc<AtomicBool>,
    /// Where `system.sessions` reads the running statement: a plan's source text is
    /// recorded once the plan is decoded.
    pub activity: Option<Arc<Activity>>,
}

/// The KQL role of a storage role.
pub fn kql_role(r: kalavar_storage::Role) -> Role {
    match r {
        kalavar_storage::Role::User => Role::User,
        kalavar_storage::Role::Service => Role::Service,
        kalavar_storage::Role::Dba => Role::Dba,
        kalavar_storage::Role::Root => Role::Root,
    }
}

/// The longest a statement runs on the session's short path (where its request
/// arrived) before it is abandoned and queued for the executor instead.
const SHORT_SLICE: Duration = Duration::from_millis(2);

/// `Batch` messages a statement on the short path may hold before it is abandoned
/// and queued (each is about a megabyte, see [`super::output`]).
const SHORT_MAX_BATCHES: usize = 1;

/// What [`Executor::try_short`] did.
pub enum Short {
    /// The statement ran to its end: its messages in order, then its error if it
    /// failed (for the caller to send after them).
    Ran(Vec<ServerMessage>, Option<ExecError>),
    /// A write ran up to its commit, which syncs: hand it to the commit thread with
    /// [`PendingCommit::finish`] (nothing was applied or sent yet).
    Commit(PendingCommit),
    /// Nothing was applied or sent: queue the request as usual.
    Declined,
    /// A point get's whole answer, one `Row` (see [`RowAnswer`]).
    Row(RowAnswer),
}

/// The one-row answer of a point get on the short path: its values, with the
/// plan's column names and types shared rather than copied into each answer.
#[derive(Debug)]
pub struct RowAnswer {
    pub request: u32,
    pub columns: Arc<[(String, String)]>,
    pub values: Vec<Value>,
}

impl RowAnswer {
    /// Appends its `Row` frame to `out` (the bytes of [`RowAnswer::into_message`]).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        ServerMessage::encode_row_into(out, self.request, &self.columns, &self.values);
    }

    /// The answer as a message.
    pub fn into_message(self) -> ServerMessage {
        ServerMessage::Row {
            request: self.request,
            columns: self.columns.to_vec(),
            values: self.values,
        }
    }
}

/// A short write's transaction waiting for its commit, with the messages that answer
/// it once the commit is durable.
pub struct PendingCommit {
    db: Arc<Database>,
    plan: Arc<Prepared>,
    txn: Txn,
    changes: Vec<RowChange>,
    messages: Vec<ServerMessage>,
    rows_affected: u64,
    rows_emitted: u64,
}

/// A write run without its commit ([`Executor::run_inner`] with a slot for it).
struct Deferred {
    txn: Txn,
    changes: Vec<RowChange>,
    rows_emitted: u64,
}

impl PendingCommit {
    /// Commits on the commit thread (see [`super::commit`]) and waits: `Ran` with
    /// the messages once the write is durable, or with the error if it failed (then
    /// nothing was applied); `Declined` when it conflicted or its plan went stale
    /// (nothing applied: queue the request, the executor runs it again). Never
    /// `Commit`.
    pub async fn finish(self) -> Short {
        let db = self.db;
        let Some(committer) = db.committer() else {
            // No thread: nothing was applied; the executor commits as before.
            return Short::Declined;
        };
        // Nothing else in flight: commit right here, as a group of one, and block
        // this runtime thread for the write and its sync (as a PostgreSQL backend
        // blocks in its own `fdatasync`). A lone writer then pays no hand-over to the
        // commit thread and back — two thread wake-ups per insert. At most one
        // leader exists at a time, so at most one runtime thread is blocked this way
        // and the others read the writers arriving meanwhile, which queue for the
        // thread and share its syncs. A runtime of one thread never leads: it would
        // read nobody while it syncs, and no commits would ever be grouped.
        let leader = can_block_one_worker()
            .then(|| committer.try_lead())
            .flatten();
        let outcome = match leader {
            Some(leader) => leader.commit(self.txn, self.plan),
            None => committer
                .submit(self.txn, self.plan)
                .await
                .unwrap_or_else(|_| {
                    Outcome::Failed(ExecError::internal(
                        "the commit thread dropped a commit; whether it was applied is unknown",
                    ))
                }),
        };
        let failed = match outcome {
            Outcome::Again => return Short::Declined,
            Outcome::Committed => None,
            Outcome::Failed(e) => Some(e),
        };
        // The statement ran (once): count it like any other short run.
        Counters::add(&db.counters.plan_cache_hits, 1);
        Counters::add(&db.counters.statements, 1);
        if let Some(e) = failed {
            Counters::add(&db.counters.statements_failed, 1);
            return Short::Ran(Vec::new(), Some(e));
        }
        Counters::add(&db.counters.rows_returned, self.rows_emitted);
        Counters::add(&db.counters.rows_written, self.rows_affected);
        db.live.publish(self.changes);
        Short::Ran(self.messages, None)
    }
}

/// Whether the calling runtime has another thread to serve connections while this
/// one blocks (a multi-threaded runtime of two or more workers).
fn can_block_one_worker() -> bool {
    tokio::runtime::Handle::try_current().is_ok_and(|h| {
        h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
            && h.metrics().num_workers() >= 2
    })
}

/// How many times a statement outside an explicit transaction is re-run after a
/// retryable commit conflict before the conflict (`S001`) goes to the client.
const AUTOCOMMIT_RETRIES: u32 = 5;

impl Executor {
    pub fn new(
        db: Arc<Database>,
        host: Arc<dyn Host>,
        user: &str,
        user_id: u64,
        session: u64,
    ) -> Self {
        Executor {
            db,
            host,
            user: user.to_owned(),
            user_id,
            session,
            txn: None,
            short_who: None,
            short_cancel: Arc::new(AtomicBool::new(false)),
            activity: None,
        }
    }

    /// The caller in the catalog of `views`, kept for the short path until the
    /// catalog's generation changes; `None` when the user no longer exists.
    fn short_who(&mut self, views: &CatalogViews) -> Option<Arc<Who>> {
        if let Some((generation, who)) = &self.short_who
            && *generation == views.generation
        {
            return Some(who.clone());
        }
        let who = Arc::new(self.who_in(&views.storage).ok()?);
        self.short_who = Some((views.generation, who.clone()));
        Some(who)
    }

    /// Drops the session's transaction without committing it.
    pub fn abandon(&mut self) {
        self.txn = None;
    }

    /// Whether `begin` is open.
    pub fn in_transaction(&self) -> bool {
        self.txn.is_some()
    }

    /// The caller as the catalog knows them now (a demotion applies at once).
    pub fn who(&self) -> Result<Who> {
        self.who_in(&self.db.engine.catalog())
    }

    /// [`Executor::who`] in one catalog snapshot.
    fn who_in(&self, storage: &kalavar_storage::CatalogSnapshot) -> Result<Who> {
        let u = storage
            .user(UserId(self.user_id))
            .filter(|u| u.name == self.user)
            .ok_or_else(|| {
                ExecError::with_code(
                    kalavar_protocol::codes::USER_UNKNOWN,
                    format!("user `{}` no longer exists", self.user),
                )
            })?;
        Ok(Who::new(&u.name, u.id.0, kql_role(u.role), self.session))
    }

    /// `who` acting as `act_as` (`execute as`): the target must exist and be enabled;
    /// acting for another user needs a role above theirs (root acts for anyone).
    fn acting(&self, mut who: Who, act_as: Option<&str>) -> Result<Who> {
        let Some(target) = act_as else {
            return Ok(who);
        };
        if target == who.user {
            return Ok(who);
        }
        let storage = self.db.engine.catalog();
        let t = storage.user_by_name(target).ok_or_else(|| {
            ExecError::new(XCode::ExecuteAs, format!("user `{target}` does not exist"))
        })?;
        if !t.enabled {
            return Err(ExecError::new(
                XCode::ExecuteAs,
                format!("user `{target}` is disabled"),
            ));
        }
        let role = kql_role(t.role);
        if !(who.role == Role::Root || role < who.role) {
            return Err(ExecError::new(
                XCode::ExecuteAs,
                format!(
                    "{} (role {}) may not act for `{target}` (role {role})",
                    who.user, who.role
                ),
            ));
        }
        who.effective = t.name.clone();
        who.owner = t.id;
        Ok(who)
    }

    /// The bounds of a statement.
    pub fn budget(&self, cancel: Arc<AtomicBool>, deadline: bool) -> Budget {
        let l = self.db.limits;
        Budget {
            cancel,
            deadline: deadline.then(|| Instant::now() + l.timeout),
            max_memory: l.memory_bytes,
            max_rows: l.max_rows,
            timeout_s: l.timeout.as_secs(),
        }
    }

    /// Runs a request to its end: its results go to `send`, ending with `Complete`
    /// (or `Row`). An error is returned for the caller to send.
    pub fn execute(
        &mut self,
        req: Request<'_>,
        request: u32,
        params: &[Param],
        cancel: Arc<AtomicBool>,
        compact: bool,
        send: Send<'_>,
    ) -> Result<()> {
        let who = self.who()?;
        let budget = self.budget(cancel, true);
        match req {
            Request::Plan(bytes) => {
                let p = prepare::from_bytes(&self.db, &who, bytes)?;
                self.describe(&p);
                let bound = params::bind(&p.program.params, params, true)?;
                let mut sink = ResultSink::new(request, compact, send);
                let n = self.run(p, bound, &who, &mut sink, &budget)?;
                sink.finish(n)
            }
            Request::Cached(hash) => {
                let p = prepare::from_hash(&self.db, &who, hash)?;
                self.describe(&p);
                let bound = params::bind(&p.program.params, params, true)?;
                let mut sink = ResultSink::new(request, compact, send);
                let n = self.run(p, bound, &who, &mut sink, &budget)?;
                sink.finish(n)
            }
            Request::Text(text) => {
                let script = Script::parse(text)?;
                let mut sink = ResultSink::new(request, compact, send);
                let mut total = 0;
                let statements = script.runnable();
                if statements.is_empty() {
                    return sink.finish(0);
                }
                for i in statements {
                    budget.check()?;
                    let who = self.who()?;
                    let program = script.compile(i, &self.db, &who)?;
                    let p = prepare::from_program(&self.db, &who, program)?;
                    // A script's statements each use some of the parameters.
                    let bound = params::bind(&p.program.params, params, false)?;
                    total += self.run(p, bound, &who, &mut sink, &budget)?;
                }
                sink.finish(total)
            }
        }
    }

    /// Records the plan's source text as the session's running statement.
    fn describe(&self, p: &Prepared) {
        if let (Some(a), Some(text)) = (&self.activity, &p.program.source) {
            a.describe(text);
        }
    }

    /// The short path of a cached plan: runs it here and now when it is a short
    /// candidate (see [`Prepared::runs_short`]) and no transaction is open, under the
    /// usual limits plus a time slice of [`SHORT_SLICE`], keeping its messages. A run
    /// that overruns the slice (or produces more than [`SHORT_MAX_BATCHES`] batch
    /// messages) is abandoned before anything of it is applied or sent — a read has
    /// nothing to apply, a write's transaction is dropped uncommitted — and declined,
    /// so that the executor runs it again where a `Cancel` can reach it; a plan that
    /// overruns three times in a row stops trying. When the server syncs each commit
    /// (`storage.fsync = "always"`), a write stops before its commit and comes back
    /// as [`Short::Commit`], for the commit thread to write and sync: a sync must not
    /// block the runtime thread the connection task shares with other sessions.
    /// Anything unusual (an unknown plan, bad parameters) is declined too, and the
    /// executor answers it as before.
    pub fn try_short(
        &mut self,
        hash: &[u8; 32],
        request: u32,
        params: &[Param],
        compact: bool,
    ) -> Short {
        if self.txn.is_some() {
            return Short::Declined;
        }
        let db = self.db.clone();
        let Ok(views) = db.views() else {
            return Short::Declined;
        };
        let Some(who) = self.short_who(&views) else {
            return Short::Declined;
        };
        let who = &*who;
        let p = {
            let catalog = views.for_role(who.role);
            match db.plans.get(hash, &who.user, who.role, catalog) {
                Some(p) if p.runs_short() => p,
                _ => return Short::Declined,
            }
        };
        drop(views);
        // A write that syncs the log waits for the disk (`fdatasync`, 0.2–10 ms here):
        // not on the connection task, whose runtime thread serves other sessions too,
        // but on the commit thread.
        let defer = p.kind == PlanKind::Write && db.engine.options().durability == Durability::Sync;
        if defer && db.committer().is_none() {
            return Short::Declined;
        }
        let mut deferred: Option<Deferred> = None;
        let Ok(bound) = params::bind(&p.program.params, params, true) else {
            return Short::Declined;
        };
        // No deadline for the point get (it reads one row; its time is measured
        // against the slice afterwards); the VM's run gets the slice.
        let mut budget = self.budget(self.short_cancel.clone(), false);
        if compact
            && let Some(point) = &p.point
            && let Some(short) = self.point_short(&db, &p, point, who, &bound, &budget, request)
        {
            return short;
        }
        let now = Instant::now();
        let slice_end = now + SHORT_SLICE;
        budget.deadline = Some(slice_end.min(now + db.limits.timeout));
        let mut messages = Vec::new();
        let full = Cell::new(false);
        let mut keep = |m: ServerMessage| {
            if matches!(m, ServerMessage::Batch { .. }) {
                let batches = messages
                    .iter()
                    .filter(|m| matches!(m, ServerMessage::Batch { .. }))
                    .count();
                if batches >= SHORT_MAX_BATCHES && p.kind == PlanKind::Read {
                    full.set(true);
                    return Err(ExecError::new(XCode::TimeLimit, "short path full"));
                }
            }
            messages.push(m);
            Ok(())
        };
        let mut sink = ResultSink::new(request, compact, &mut keep);
        let slot = defer.then_some(&mut deferred);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.run_inner(&db, p.clone(), bound, who, &mut sink, &budget, slot)
        }));
        let r = match r {
            Ok(r) => r,
            Err(_) => {
                self.abandon();
                Err(ExecError::new(
                    XCode::Internal,
                    "the statement failed unexpectedly; its transaction was rolled back",
                ))
            }
        };
        if let Err(e) = &r
            && e.code == XCode::TimeLimit.code()
            && (full.get() || Instant::now() >= slice_end)
        {
            p.mark_overran();
            return Short::Declined;
        }
        let rows_affected = *r.as_ref().unwrap_or(&0);
        let r = match r {
            Ok(n) => sink.finish(n),
            Err(e) => Err(e),
        };
        if full.get() {
            // Only a read fills up, and a read applied nothing.
            p.mark_overran();
            return Short::Declined;
        }
        p.mark_short();
        if let (Ok(()), Some(d)) = (&r, deferred) {
            return Short::Commit(PendingCommit {
                db: db.clone(),
                plan: p,
                txn: d.txn,
                changes: d.changes,
                messages,
                rows_affected,
                rows_emitted: d.rows_emitted,
            });
        }
        Counters::add(&db.counters.plan_cache_hits, 1);
        Counters::add(&db.counters.statements, 1);
        match r {
            Ok(()) => Short::Ran(messages, None),
            Err(e) => {
                Counters::add(&db.counters.statements_failed, 1);
                Short::Ran(messages, Some(e))
            }
        }
    }

    /// A point get on the short path without the VM ([`PointGet`]): its one `Row`
    /// answer (or the empty result), counted like a VM run of the plan; `None` when
    /// the point get declines (nothing was counted or sent: run the plan in the VM).
    /// A get that took longer than [`SHORT_SLICE`] still answers, and counts as an
    /// overrun of the plan.
    #[allow(clippy::too_many_arguments)]
    fn point_short(
        &mut self,
        db: &Database,
        p: &Arc<Prepared>,
        point: &PointGet,
        who: &Who,
        params: &[ArrayRef],
        budget: &Budget,
        request: u32,
    ) -> Option<Short> {
        let started = Instant::now();
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let acted;
            let who = match p.program.act_as.as_deref() {
                None => who,
                act_as => {
                    acted = self.acting(who.clone(), act_as)?;
                    &acted
                }
            };
            let _shared = db.ddl.read().unwrap_or_else(|e| e.into_inner());
            // One catalog snapshot for the pins, the table and the owner.
            let catalog = db.engine.catalog();
            check_pins_at(&catalog, p)?;
            point.run(p, db, &catalog, who, params, budget)
        }))
        .unwrap_or_else(|_| {
            Err(ExecError::new(
                XCode::Internal,
                "the statement failed unexpectedly; its transaction was rolled back",
            ))
        });
        let answer = match run {
            Ok(PointRun::Declined) => return None,
            Ok(PointRun::Row(values)) => {
                Counters::add(&db.counters.rows_returned, 1);
                Ok(Some(RowAnswer {
                    request,
                    columns: point.row_columns.clone(),
                    values,
                }))
            }
            Ok(PointRun::Absent) => Ok(None),
            Err(e) => Err(e),
        };
        // Done either way (nothing to gain from running it again), but a get slower
        // than the slice (a cold read waiting for the disk) counts as an overrun like
        // the VM's, so that a plan that keeps overrunning is queued from then on.
        if started.elapsed() >= SHORT_SLICE {
            p.mark_overran();
        } else {
            p.mark_short();
        }
        Counters::add(&db.counters.plan_cache_hits, 1);
        Counters::add(&db.counters.statements, 1);
        Some(match answer {
            Ok(Some(row)) => Short::Row(row),
            Ok(None) => {
                let mut messages = Vec::new();
                let mut keep = |m: ServerMessage| {
                    messages.push(m);
                    Ok(())
                };
                let mut sink = ResultSink::new(request, true, &mut keep);
                sink.empty(&point.schema);
                match sink.finish(0) {
                    Ok(()) => Short::Ran(messages, None),
                    Err(e) => {
                        Counters::add(&db.counters.statements_failed, 1);
                        Short::Ran(messages, Some(e))
                    }
                }
            }
            Err(e) => {
                Counters::add(&db.counters.statements_failed, 1);
                Short::Ran(Vec::new(), Some(e))
            }
        })
    }

    /// Runs one prepared plan; returns the rows its sinks touched.
    pub fn run(
        &mut self,
        p: Arc<Prepared>,
        params: Vec<ArrayRef>,
        who: &Who,
        out: &mut dyn Output,
        budget: &Budget,
    ) -> Result<u64> {
        let db = self.db.clone();
        Counters::add(&db.counters.statements, 1);
        let r = self.run_inner(&db, p, params, who, out, budget, None);
        if r.is_err() {
            Counters::add(&db.counters.statements_failed, 1);
            if let Some(t) = self.txn.as_mut() {
                t.failed = true;
            }
        }
        r
    }

    /// Runs one plan. With `defer`, a write outside a transaction stops before its
    /// commit and leaves its transaction in `defer` (see [`Executor::try_short`]).
    #[allow(clippy::too_many_arguments)]
    fn run_inner(
        &mut self,
        db: &Database,
        p: Arc<Prepared>,
        params: Vec<ArrayRef>,
        who: &Who,
        out: &mut dyn Output,
        budget: &Budget,
        defer: Option<&mut Option<Deferred>>,
    ) -> Result<u64> {
        match p.kind {
            PlanKind::Begin => return self.begin(),
            PlanKind::Commit => return self.commit(),
            PlanKind::Rollback => {
                self.txn = None;
                return Ok(0);
            }
            PlanKind::Subscribe => {
                return Err(ExecError::new(
                    XCode::Unsupported,
                    "a live query runs through the Subscribe message, not Execute or Query",
                ));
            }
            PlanKind::Ddl | PlanKind::Admin if self.txn.is_some() => {
                return Err(ExecError::new(
                    XCode::TransactionState,
                    "DDL, user and maintenance statements run outside a transaction; commit or roll back first",
                ));
            }
            _ => {}
        }
        if let Some(t) = &self.txn
            && t.failed
        {
            return Err(ExecError::new(
                XCode::TransactionAborted,
                "the transaction failed and applies nothing; roll it back",
            ));
        }
        let who = self.acting(who.clone(), p.program.act_as.as_deref())?;
        let exclusive = p.kind == PlanKind::Ddl;
        let _shared;
        let _exclusive;
        if exclusive {
            _exclusive = db.ddl.write().unwrap_or_else(|e| e.into_inner());
        } else {
            _shared = db.ddl.read().unwrap_or_else(|e| e.into_inner());
        }
        check_pins(db, &p)?;
        let mut vm = Vm::new(p.clone(), params.clone());
        let host = self.host.clone();
        let writes = !matches!(p.kind, PlanKind::Read);
        let result = match self.txn.as_mut() {
            Some(open) => {
                let mut cx = Ctx {
                    db,
                    host: host.as_ref(),
                    who: &who,
                    txn: Some(&mut open.txn),
                    out,
                    budget,
                };
                vm.run(&mut cx)?;
                open.changes.append(&mut vm.changes);
                vm.rows_affected
            }
            None if writes && defer.is_some() => {
                let mut txn = db.engine.begin();
                let mut cx = Ctx {
                    db,
                    host: host.as_ref(),
                    who: &who,
                    txn: Some(&mut txn),
                    out,
                    budget,
                };
                vm.run(&mut cx)?;
                if let Some(op) = vm.txn_op {
                    return Err(ExecError::internal(format!(
                        "{op:?} in a {:?} plan",
                        p.kind
                    )));
                }
                if let Some(slot) = defer {
                    *slot = Some(Deferred {
                        txn,
                        changes: std::mem::take(&mut vm.changes),
                        rows_emitted: vm.rows_emitted,
                    });
                }
                // Counted once the commit is done (`PendingCommit::finish`).
                return Ok(vm.rows_affected);
            }
            None if writes => {
                // A statement outside `begin … commit` is its own transaction. When
                // its commit conflicts (another writer, or a flush or compaction of a
                // partition it read), nothing was applied and the client saw nothing,
                // so the server runs it again rather than hand the user a retry for a
                // plain `insert`. A statement that already sent rows is not re-run.
                let mut retries = 0;
                loop {
                    let mut txn = db.engine.begin();
                    let mut cx = Ctx {
                        db,
                        host: host.as_ref(),
                        who: &who,
                        txn: Some(&mut txn),
                        out: &mut *out,
                        budget,
                    };
                    vm.run(&mut cx)?;
                    match txn.commit() {
                        Ok(_) => break,
                        Err(e) => {
                            if e.code() == "S001" {
                                Counters::add(&db.counters.transactions_conflicted, 1);
                                if p.kind == PlanKind::Write
                                    && retries < AUTOCOMMIT_RETRIES
                                    && vm.rows_emitted == 0
                                {
                                    retries += 1;
                                    vm = Vm::new(p.clone(), params.clone());
                                    continue;
                                }
                            }
                            return Err(e.into());
                        }
                    }
                }
                db.live.publish(std::mem::take(&mut vm.changes));
                vm.rows_affected
            }
            None => {
                let mut cx = Ctx {
                    db,
                    host: host.as_ref(),
                    who: &who,
                    txn: None,
                    out,
                    budget,
                };
                vm.run(&mut cx)?;
                vm.rows_affected
            }
        };
        if let Some(op) = vm.txn_op {
            // A transaction opcode in a plan the kind did not catch (the kind comes
            // from the same instructions, so this is a verifier-checked impossibility).
            return Err(ExecError::internal(format!(
                "{op:?} in a {:?} plan",
                p.kind
            )));
        }
        Counters::add(&db.counters.rows_returned, vm.rows_emitted);
        Counters::add(&db.counters.rows_written, result);
        Ok(result)
    }

    fn begin(&mut self) -> Result<u64> {
        if self.txn.is_some() {
            return Err(ExecError::new(
                XCode::TransactionState,
                "a transaction is already open; commit or roll it back first",
            ));
        }
        self.txn = Some(OpenTxn {
            txn: self.db.engine.begin(),
            failed: false,
            changes: Vec::new(),
        });
        Ok(0)
    }

    fn commit(&mut self) -> Result<u64> {
        let Some(open) = self.txn.take() else {
            return Err(ExecError::new(
                XCode::TransactionState,
                "there is no transaction to commit",
            ));
        };
        if open.failed {
            return Err(ExecError::new(
                XCode::TransactionAborted,
                "the transaction failed earlier and was rolled back; nothing of it was applied",
            ));
        }
        let db = self.db.clone();
        let n = open.txn.pending_writes() as u64;
        match open.txn.commit() {
            Ok(_) => {
                Counters::add(&db.counters.transactions_committed, 1);
                db.live.publish(open.changes);
                Ok(n)
            }
            Err(e) => {
                if e.code() == "S001" {
                    Counters::add(&db.counters.transactions_conflicted, 1);
                }
                Err(e.into())
            }
        }
    }

    /// Prepares a live query: the plan must be a subscription.
    pub fn prepare_subscription(
        &mut self,
        req: Request<'_>,
        params: &[Param],
    ) -> Result<(Vm, Who)> {
        let who = self.who()?;
        let p = match req {
            Request::Plan(bytes) => prepare::from_bytes(&self.db, &who, bytes)?,
            Request::Cached(hash) => prepare::from_hash(&self.db, &who, hash)?,
            Request::Text(text) => {
                let script = Script::parse(text)?;
                let runnable = script.runnable();
                let [i] = runnable.as_slice() else {
                    return Err(ExecError::new(
                        XCode::Unsupported,
                        "a subscription is exactly one `subscribe` statement",
                    ));
                };
                let program = script.compile(*i, &self.db, &who)?;
                prepare::from_program(&self.db, &who, program)?
            }
        };
        if p.kind != PlanKind::Subscribe {
            return Err(ExecError::new(
                XCode::Unsupported,
                "Subscribe takes a `subscribe` statement",
            ));
        }
        let bound = params::bind(&p.program.params, params, true)?;
        let who = self.acting(who, p.program.act_as.as_deref())?;
        Ok((Vm::new(p, bound), who))
    }
}
