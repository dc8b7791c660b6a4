//! [`Committer`]: the commit thread, which commits the short path's durable writes
//! in groups.
//!
//! When commits sync (`storage.fsync = "always"`), a short write (see
//! [`super::Executor::try_short`]) runs on its connection task up to its commit —
//! parameters bound, rows encoded, uniqueness checked, all in a storage transaction
//! — and hands the transaction here, then awaits the outcome: the `fdatasync` never
//! blocks a runtime thread, and there is no hop through the session's executor task
//! and a blocking thread. The thread takes every transaction that is waiting, holds
//! the database's DDL lock shared, checks that each plan's tables are still at the
//! schema versions it ran against (no DDL ran in between, since its run held the
//! same lock), and commits them with [`kalavar_storage::Engine::commit_group`]: each
//! validated under the engine's commit lock as if committed alone, in arrival order,
//! and all written in one RocksDB batch with one sync. Only then is each caller
//! answered, so a client hears "done" only for a write that is durable, and writers
//! arriving together (many clients) share a sync.
//!
//! A transaction that conflicts (`S001`) or whose plan went stale was not applied;
//! its statement runs again through the executor, which retries conflicts and
//! reports stale plans as usual. Any other failure (a write the disk refused) is the
//! statement's error, with nothing of it applied.

use std::sync::atomic::{AtomicU64, Ordering};
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
}

/// What the thread did so far.
#[derive(Debug, Default)]
struct Counts {
    /// Groups handed to the engine (each one write, one sync).
    groups: AtomicU64,
    /// Transactions in them.
    commits: AtomicU64,
}

impl Committer {
    /// Starts the thread. `ddl` is the database's DDL lock.
    pub fn start(engine: Engine, ddl: Arc<RwLock<()>>) -> std::io::Result<Committer> {
        let (tx, rx) = mpsc::channel::<Box<Job>>();
        let counts = Arc::new(Counts::default());
        let c = counts.clone();
        let thread = std::thread::Builder::new()
            .name("kalavar-commit".into())
            .spawn(move || run(&engine, &ddl, &c, rx))?;
        Ok(Committer {
            tx: Some(tx),
            thread: Some(thread),
            counts,
        })
    }

    /// Groups written so far and the transactions they held.
    pub fn groups_and_commits(&self) -> (u64, u64) {
        (
            self.counts.groups.load(Ordering::Relaxed),
            self.counts.commits.load(Ordering::Relaxed),
        )
    }

    /// Queues `txn` (the transaction of a run of `plan`, not yet committed) and
    /// returns where its outcome will arrive.
    pub fn submit(&self, txn: Txn, plan: Arc<Prepared>) -> oneshot::Receiver<Outcome> {
        let (reply, rx) = oneshot::channel();
        let job = Box::new(Job { txn, plan, reply });
        if let Some(Err(mpsc::SendError(job))) = self.tx.as_ref().map(|tx| tx.send(job)) {
            // The thread is gone (it does not stop while the handle lives, so this
            // is a broken invariant): nothing was applied, say so.
            let _ = job.reply.send(Outcome::Failed(ExecError::internal(
                "the commit thread stopped; the statement was not applied",
            )));
        }
        rx
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
        let mut replies = Vec::with_capacity(jobs.len());
        let mut txns = Vec::with_capacity(jobs.len());
        {
            let _ddl = ddl.read().unwrap_or_else(|e| e.into_inner());
            for job in jobs {
                if check_pins_in(engine, &job.plan).is_err() {
                    let _ = job.reply.send(Outcome::Again);
                    continue;
                }
                txns.push(job.txn);
                replies.push(job.reply);
            }
            if txns.is_empty() {
                continue;
            }
            counts.groups.fetch_add(1, Ordering::Relaxed);
            counts
                .commits
                .fetch_add(txns.len() as u64, Ordering::Relaxed);
            let results = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                engine.commit_group(txns)
            }));
            let results = match results {
                Ok(r) => r,
                Err(_) => {
                    error!("a group commit panicked; its statements failed");
                    for reply in replies {
                        let _ = reply.send(Outcome::Failed(ExecError::new(
                            XCode::Internal,
                            "the commit failed unexpectedly; whether it was applied is unknown",
                        )));
                    }
                    continue;
                }
            };
            drop(_ddl);
            for (reply, r) in replies.into_iter().zip(results) {
                let outcome = match r {
                    Ok(_) => Outcome::Committed,
                    Err(e) if e.is_retryable() => Outcome::Again,
                    Err(e) => Outcome::Failed(e.into()),
                };
                let _ = reply.send(outcome);
            }
        }
    }
}
