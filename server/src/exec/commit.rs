//! [`Committer`]: commits the short path's durable writes, alone or in groups.
//!
//! When commits sync (`storage.fsync = "always"`), a short write (see
//! [`super::Executor::try_short`]) runs on its connection task up to its commit —
//! parameters bound, rows encoded, uniqueness checked, all in a storage transaction.
//! Then, when no other commit is queued or being written, the task takes the lead
//! ([`Committer::try_lead`]) and commits right there, blocking its runtime thread
//! for the write and its `fdatasync` as a PostgreSQL backend does: a lone writer pays
//! no hand-over to a thread and back (two thread wake-ups per insert). At most one
//! leader exists at a time, so at most one runtime thread blocks this way. Otherwise
//! it hands the transaction to the commit thread and awaits the outcome. The thread
//! takes every transaction that is waiting; leader and thread alike hold the
//! database's DDL lock shared, check that each plan's tables are still at the schema
//! versions it ran against (no DDL ran in between, since its run held the same lock),
//! and commit with [`kalavar_storage::Engine::commit_group`]: each validated under
//! the engine's commit lock as if committed alone, in arrival order, and all written
//! in one RocksDB batch with one sync. Only then is each caller answered, so a client
//! hears "done" only for a write that is durable, and writers arriving together (many
//! clients) share a sync.
//!
//! A transaction that conflicts (`S001`) or whose plan went stale was not applied;
//! its statement runs again through the executor, which retries conflicts and
//! reports stale plans as usual. Any other failure (a write the disk refused) is the
//! statement's error, with nothing of it applied.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, RwLock};
use std::thread::JoinHandle;

use kalavar_storage::{Engine, MAX_COMMIT_GROUP, Txn};
use tokio::sync::oneshot;
use tracing::error;

use super::prepare::check_pins_in;
use crate::vm::Prepared;
use crate::vm::error::{ExecError, XCode};

/// What became of a transaction handed to the commit thread.
#[derive(Debug)]
pub enum Outcome {
    /// Written and synced (at the engine's durability).
    Committed,
    /// Not applied, and running the statement again may succeed: its transaction
    /// conflicted with another commit (`S001`), or a table it wrote changed schema.
    Again,
    /// Not applied: the statement fails with this error.
    Failed(ExecError),
}

struct Job {
    txn: Txn,
    plan: Arc<Prepared>,
    reply: oneshot::Sender<Outcome>,
}

/// The commit thread's handle; dropping it stops the thread (after the group it is
/// writing).
pub struct Committer {
    tx: Option<mpsc::Sender<Box<Job>>>,
    thread: Option<JoinHandle<()>>,
    counts: Arc<Counts>,
    engine: Engine,
    ddl: Arc<RwLock<()>>,
}

/// What the thread did so far.
#[derive(Debug, Default)]
struct Counts {
    /// Groups handed to the engine (each one write, one sync).
    groups: AtomicU64,
    /// Transactions in them.
    commits: AtomicU64,
    /// Transactions queued for the thread or being committed (by it or by a
    /// [`Leader`]) and not yet answered.
    in_flight: AtomicUsize,
}

/// The right to commit on the caller's thread, held while nothing else is in flight
/// ([`Committer::try_lead`]); dropping it ends the turn.
pub struct Leader<'a> {
    committer: &'a Committer,
}

impl Committer {
    /// Starts the thread. `ddl` is the database's DDL lock.
    pub fn start(engine: Engine, ddl: Arc<RwLock<()>>) -> std::io::Result<Committer> {
        let (tx, rx) = mpsc::channel::<Box<Job>>();
        let counts = Arc::new(Counts::default());
        let c = counts.clone();
        let (e, d) = (engine.clone(), ddl.clone());
        let thread = std::thread::Builder::new()
            .name("kalavar-commit".into())
            .spawn(move || run(&e, &d, &c, rx))?;
        Ok(Committer {
            tx: Some(tx),
            thread: Some(thread),
            counts,
            engine,
            ddl,
        })
    }

    /// Groups written so far and the transactions they held.
    pub fn groups_and_commits(&self) -> (u64, u64) {
        (
            self.counts.groups.load(Ordering::Relaxed),
            self.counts.commits.load(Ordering::Relaxed),
        )
    }

    /// The right to commit on the calling thread, when no other commit is queued or
    /// being written: a lone writer then pays no hand-over to the commit thread and
    /// back. `None` when one is: queue with [`Committer::submit`] to share its
    /// group's successor (writers arriving together still share syncs).
    pub fn try_lead(&self) -> Option<Leader<'_>> {
        self.counts
            .in_flight
            .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| Leader { committer: self })
    }

    /// Queues `txn` (the transaction of a run of `plan`, not yet committed) and
    /// returns where its outcome will arrive.
    pub fn submit(&self, txn: Txn, plan: Arc<Prepared>) -> oneshot::Receiver<Outcome> {
        let (reply, rx) = oneshot::channel();
        let job = Box::new(Job { txn, plan, reply });
        self.counts.in_flight.fetch_add(1, Ordering::AcqRel);
        if let Some(Err(mpsc::SendError(job))) = self.tx.as_ref().map(|tx| tx.send(job)) {
            self.counts.in_flight.fetch_sub(1, Ordering::AcqRel);
            // The thread is gone (it does not stop while the handle lives, so this
            // is a broken invariant): nothing was applied, say so.
            let _ = job.reply.send(Outcome::Failed(ExecError::internal(
                "the commit thread stopped; the statement was not applied",
            )));
        }
        rx
    }
}

impl Leader<'_> {
    /// Commits `txn` (a run of `plan`) here, exactly as the thread would commit a
    /// group of one: pins checked under the shared DDL lock, then
    /// [`Engine::commit_group`], which returns after the sync. Blocks for the write.
    pub fn commit(self, txn: Txn, plan: Arc<Prepared>) -> Outcome {
        let c = self.committer;
        commit(&c.engine, &c.ddl, &c.counts, vec![(txn, plan)])
            .pop()
            .unwrap_or_else(|| {
                Outcome::Failed(ExecError::internal("the commit returned no outcome"))
            })
    }
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        self.committer
            .counts
            .in_flight
            .fetch_sub(1, Ordering::AcqRel);
    }
}

impl Drop for Committer {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The thread: one group per wake-up, everything that waits (up to
/// [`MAX_COMMIT_GROUP`]).
fn run(engine: &Engine, ddl: &RwLock<()>, counts: &Counts, rx: mpsc::Receiver<Box<Job>>) {
    while let Ok(first) = rx.recv() {
        let mut jobs = vec![first];
        while jobs.len() < MAX_COMMIT_GROUP {
            match rx.try_recv() {
                Ok(j) => jobs.push(j),
                Err(_) => break,
            }
        }
        let n = jobs.len();
        let (items, replies): (Vec<_>, Vec<_>) =
            jobs.into_iter().map(|j| ((j.txn, j.plan), j.reply)).unzip();
        let outcomes = commit(engine, ddl, counts, items);
        // No longer in flight: a writer arriving now may lead (before the answers
        // go out, so that a session's next write does not queue behind nothing).
        counts.in_flight.fetch_sub(n, Ordering::AcqRel);
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            let _ = reply.send(outcome);
        }
    }
}

/// Commits one group: under the DDL lock (shared), drops the members whose plans
/// went stale (`Again`) and hands the rest to [`Engine::commit_group`]; one outcome
/// per member, in order.
fn commit(
    engine: &Engine,
    ddl: &RwLock<()>,
    counts: &Counts,
    items: Vec<(Txn, Arc<Prepared>)>,
) -> Vec<Outcome> {
    let mut outcomes: Vec<Option<Outcome>> = Vec::with_capacity(items.len());
    let mut txns = Vec::with_capacity(items.len());
    let _ddl = ddl.read().unwrap_or_else(|e| e.into_inner());
    for (txn, plan) in items {
        if check_pins_in(engine, &plan).is_err() {
            outcomes.push(Some(Outcome::Again));
        } else {
            outcomes.push(None);
            txns.push(txn);
        }
    }
    if txns.is_empty() {
        return outcomes.into_iter().flatten().collect();
    }
    counts.groups.fetch_add(1, Ordering::Relaxed);
    counts
        .commits
        .fetch_add(txns.len() as u64, Ordering::Relaxed);
    let results =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| engine.commit_group(txns)));
    drop(_ddl);
    let mut results = match results {
        Ok(r) => r.into_iter(),
        Err(_) => {
            error!("a group commit panicked; its statements failed");
            return outcomes
                .into_iter()
                .map(|o| {
                    o.unwrap_or_else(|| {
                        Outcome::Failed(ExecError::new(
                            XCode::Internal,
                            "the commit failed unexpectedly; whether it was applied is unknown",
                        ))
                    })
                })
                .collect();
        }
    };
    outcomes
        .into_iter()
        .map(|o| {
            o.unwrap_or_else(|| match results.next() {
                Some(Ok(_)) => Outcome::Committed,
                Some(Err(e)) if e.is_retryable() => Outcome::Again,
                Some(Err(e)) => Outcome::Failed(e.into()),
                None => Outcome::Failed(ExecError::internal(
                    "the commit returned fewer results than transactions",
                )),
            })
        })
        .collect()
}
