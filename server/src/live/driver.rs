//! Running a live query. The subscription's VM runs on a blocking thread until its
//! `Next` finds no change queued ([`Outcome::Waiting`]); the driver then awaits the
//! subscriber's notification (a change was queued) or the session's stop signal
//! (`Unsubscribe`, disconnect) on the async side, and runs the VM again. No thread
//! is held while a subscription waits.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kalavar_protocol::ServerMessage;
use tokio::sync::{Notify, mpsc};

use crate::db::Database;
use crate::exec::output::ChangeSink;
use crate::vm::error::{ExecError, Result};
use crate::vm::{Budget, Ctx, Host, Outcome, Vm, Who};

/// What a subscription needs to run.
pub struct Live {
    pub vm: Vm,
    pub who: Who,
    pub db: Arc<Database>,
    pub host: Arc<dyn Host>,
    pub subscription: u64,
    /// Set by `Unsubscribe` and disconnect (with `wake` notified).
    pub stop: Arc<AtomicBool>,
    pub wake: Arc<Notify>,
    pub out: mpsc::Sender<ServerMessage>,
}

/// Runs a subscription until it is stopped (`Ok`) or fails.
pub async fn drive(mut live: Live) -> Result<()> {
    loop {
        if live.stop.load(Ordering::Relaxed) {
            return Ok(());
        }
        let (back, outcome) = tokio::task::spawn_blocking(move || {
            let outcome = step(&mut live);
            (live, outcome)
        })
        .await
        .map_err(|e| ExecError::internal(format!("the subscription's thread failed: {e}")))?;
        live = back;
        match outcome {
            Ok(Outcome::Halted) => return Ok(()),
            Ok(Outcome::Waiting) => {
                let Some(sub) = live.vm.subscriber() else {
                    return Err(ExecError::internal("a waiting run without a subscription"));
                };
                tokio::select! {
                    _ = sub.notify.notified() => {}
                    _ = live.wake.notified() => {}
                }
            }
            Err(e) if live.stop.load(Ordering::Relaxed) => {
                let _ = e;
                return Ok(());
            }
            Err(e) => return Err(e),
        }
    }
}

fn step(live: &mut Live) -> Result<Outcome> {
    let out = live.out.clone();
    let mut send = |m: ServerMessage| out.blocking_send(m).map_err(|_| ExecError::cancelled());
    let mut sink = ChangeSink {
        subscription: live.subscription,
        send: &mut send,
    };
    let budget = Budget {
        cancel: live.stop.clone(),
        deadline: None,
        max_memory: live.db.limits.memory_bytes,
        max_rows: u64::MAX,
        timeout_s: 0,
    };
    let mut cx = Ctx {
        db: &live.db,
        host: live.host.as_ref(),
        who: &live.who,
        txn: None,
        out: &mut sink,
        budget: &budget,
    };
    live.vm.run(&mut cx)
}
