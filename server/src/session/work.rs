//! The statement side of a session. Requests that run statements (`Execute`,
//! `ExecuteCached`, `Query`, and bulk `Load`s) queue for the session's executor task,
//! which runs them one at a time, in order, on blocking threads — the session's
//! transaction lives in its [`Executor`] — while the session loop keeps reading, so a
//! `Cancel` reaches a running statement (checked between batches) or takes a queued
//! one off the queue. The short path skips the queue: when nothing is queued or
//! running, the session loop runs an `ExecuteCached` of a short plan itself (see
//! [`Executor::try_short`]), which saves the hops to the executor task and a blocking
//! thread and back; a plan that turns out not to be short is abandoned within its
//! slice, before anything of it is applied or sent, and queued. A short write whose
//! commit syncs waits for the commit thread ([`crate::exec::commit`]).
//! `Subscribe` starts a live-query task of its own. Every answer goes through the
//! session's outgoing channel, bounded so a client that does not read slows the
//! statement producing for it instead of filling memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kalavar_protocol::{Language, LoadMode, Param, ServerMessage, Statement, codes};
use tokio::sync::{Notify, mpsc};

use super::registry::{Activity, SHOWN_CHARS};
use crate::exec::{Executor, LoadTicket, Request};
use crate::live::driver::{Live, drive};
use crate::vm::error::{ExecError, XCode};

/// What a queued request runs.
#[derive(Debug)]
pub enum Job {
    Plan(Vec<u8>),
    Cached([u8; 32]),
    Text(String),
    /// A bulk load (`Load`); its ticket counts it in flight until it is answered.
    Load {
        table: String,
        mode: LoadMode,
        arrow_ipc: Vec<u8>,
        _ticket: LoadTicket,
    },
}

/// One queued request.
#[derive(Debug)]
pub struct Work {
    pub request: u32,
    pub job: Job,
    pub params: Vec<Param>,
    pub cancel: Arc<AtomicBool>,
}

/// Cancel flags of the requests queued or running, by request id.
pub type Running = Arc<Mutex<HashMap<u32, Arc<AtomicBool>>>>;

/// An error answer to `request`.
pub fn error_message(request: u32, e: &ExecError) -> ServerMessage {
    ServerMessage::Error {
        request,
        code: e.code.to_owned(),
        message: e.message.clone(),
        span: e.span.map(|s| kalavar_protocol::ErrorSpan {
            start: s.start,
            end: s.end,
        }),
    }
}

/// Query text is KQL; SQL arrives once the SQL translator runs on the server.
pub fn text_of(language: Language, text: String) -> Result<String, ExecError> {
    match language {
        Language::Kql => Ok(text),
        Language::Sql => Err(ExecError::with_code(
            codes::NOT_SUPPORTED,
            "this server runs KQL text; translate SQL on the client (kalavar transpile)",
        )),
    }
}

/// A session's executor, shared by the executor task and the short path (which
/// takes it only when nothing is queued or running).
pub type SharedExecutor = Arc<Mutex<Executor>>;

/// The executor task: runs queued requests in order until the queue closes.
pub async fn executor(
    ex: SharedExecutor,
    mut queue: mpsc::UnboundedReceiver<Work>,
    out: mpsc::Sender<ServerMessage>,
    running: Running,
    activity: Option<Arc<Activity>>,
    compact: bool,
) {
    while let Some(work) = queue.recv().await {
        let request = work.request;
        if work.cancel.load(Ordering::Relaxed) {
            let _ = out
                .send(error_message(request, &ExecError::cancelled()))
                .await;
            running
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&request);
            continue;
        }
        if let Some(a) = &activity {
            a.start(match &work.job {
                Job::Text(t) => Some(t.chars().take(SHOWN_CHARS).collect()),
                _ => None,
            });
        }
        let out2 = out.clone();
        let ex2 = ex.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let mut ex = ex2.lock().unwrap_or_else(|p| p.into_inner());
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let mut send =
                    |m: ServerMessage| out2.blocking_send(m).map_err(|_| ExecError::cancelled());
                let req = match &work.job {
                    Job::Plan(b) => Request::Plan(b),
                    Job::Cached(h) => Request::Cached(h),
                    Job::Text(t) => Request::Text(t),
                    Job::Load {
                        table,
                        mode,
                        arrow_ipc,
                        ..
                    } => {
                        let rows_affected =
                            ex.load(table, *mode, arrow_ipc, work.cancel.clone())?;
                        return send(ServerMessage::Complete {
                            request,
                            rows_affected,
                        });
                    }
                };
                ex.execute(
                    req,
                    request,
                    &work.params,
                    work.cancel.clone(),
                    compact,
                    &mut send,
                )
            }));
            let result = result.unwrap_or_else(|_| {
                // Never expected; the session's transaction is abandoned with it.
                ex.abandon();
                Err(ExecError::new(
                    XCode::Internal,
                    "the statement failed unexpectedly; its transaction was rolled back",
                ))
            });
            if let Err(e) = result {
                let _ = out2.blocking_send(error_message(request, &e));
            }
        })
        .await;
        if let Some(a) = &activity {
            a.end();
        }
        running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&request);
        if joined.is_err() {
            return;
        }
    }
}

/// A live query of the session.
pub struct SubHandle {
    pub stop: Arc<AtomicBool>,
    pub wake: Arc<Notify>,
}

impl SubHandle {
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.wake.notify_one();
    }
}

/// Starts a subscription: prepares it, answers `Subscribed` (or `Error`), then runs it.
#[allow(clippy::too_many_arguments)]
pub async fn subscribe(
    mut ex: Executor,
    request: u32,
    statement: Statement,
    params: Vec<Param>,
    subscription: u64,
    handle: (Arc<AtomicBool>, Arc<Notify>),
    out: mpsc::Sender<ServerMessage>,
    done: mpsc::UnboundedSender<u64>,
) {
    let prepared = tokio::task::spawn_blocking(move || {
        let r = match statement {
            Statement::Plan(bytes) => ex.prepare_subscription(Request::Plan(&bytes), &params),
            Statement::Text { language, text } => match text_of(language, text) {
                Ok(t) => ex.prepare_subscription(Request::Text(&t), &params),
                Err(e) => Err(e),
            },
        };
        (ex, r)
    })
    .await;
    let (ex, prepared) = match prepared {
        Ok(x) => x,
        Err(_) => {
            let _ = done.send(subscription);
            return;
        }
    };
    let (vm, who) = match prepared {
        Ok(x) => x,
        Err(e) => {
            let _ = out.send(error_message(request, &e)).await;
            let _ = done.send(subscription);
            return;
        }
    };
    if out
        .send(ServerMessage::Subscribed {
            request,
            subscription,
        })
        .await
        .is_err()
    {
        let _ = done.send(subscription);
        return;
    }
    let live = Live {
        vm,
        who,
        db: ex.db.clone(),
        host: ex.host.clone(),
        subscription,
        stop: handle.0,
        wake: handle.1,
        out: out.clone(),
    };
    if let Err(e) = drive(live).await {
        let _ = out.send(error_message(request, &e)).await;
    }
    let _ = done.send(subscription);
}
