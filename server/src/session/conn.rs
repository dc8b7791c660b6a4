//! One connection, from TCP accept to close:
//!
//! ```text
//!  TCP accepted ──► TLS 1.3 handshake ──► authorize ──► Hello ──► Welcome ──► requests …
//!                  └───────── within limits.handshake_timeout_ms ─────────┘
//!                                          │ refused: Error(0, A0xx), close
//! ```
//!
//! After `Welcome` the session loop waits for whichever comes first: a frame, an
//! answer to send (statement results come from the executor task and live queries,
//! see [`super::work`]), the idle timeout (Goodbye `P007`; only while nothing runs),
//! or a close from the registry (Goodbye with the reason: revoked, dropped, disabled,
//! shutdown). A frame that is too large or does not decode ends the session with
//! `Error(0, P001/P002/P003)`: a peer that sends bytes we cannot read is not one to
//! keep talking to. A request that fails on its own gets `Error(request, …)` and the
//! session goes on.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kalavar_protocol::frame::{FrameAssembler, HANDSHAKE_MAX_FRAME_BYTES};
use kalavar_protocol::limits::MAX_LOADS_IN_FLIGHT;
use kalavar_protocol::net::canonical;
use kalavar_protocol::version::{
    FEATURE_COMPACT_ROWS, FEATURE_LOAD, FEATURE_PLAN_CACHE, FEATURE_SUBSCRIPTIONS, negotiate,
};
use kalavar_protocol::{CertSummary, ClientMessage, ProtocolError, ServerMessage, Welcome, codes};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, OwnedSemaphorePermit, mpsc, watch};
use tokio::time::{Instant, timeout_at};
use tokio_rustls::TlsAcceptor;
use tracing::{debug, info};

use super::admin;
use super::registry::Closing;
use super::work::{self, Job, Running, SharedExecutor, SubHandle, Work};
use crate::auth::{Identity, authorize};
use crate::exec::{Executor, LoadTicket, Short};
use crate::state::Shared;
use crate::vm::ExecError;

/// Feature bits this server offers: compact one-row answers, live queries, the plan
/// cache.
pub const SERVER_FEATURES: u64 =
    FEATURE_COMPACT_ROWS | FEATURE_SUBSCRIPTIONS | FEATURE_PLAN_CACHE | FEATURE_LOAD;

/// Messages waiting to be written to the client before producers wait.
const OUT_QUEUE: usize = 64;

/// What woke the session loop.
enum Event {
    Closing,
    Idle,
    Frame(Result<Vec<u8>, ProtocolError>),
    Out(ServerMessage),
    SubDone(u64),
}
/// Bytecode opcode-set version the server verifies against.
pub const OPCODE_SET: u16 = 1;

const READ_CHUNK: usize = 4096;

/// Serves one accepted TCP connection to its end.
pub async fn serve_connection(
    shared: Arc<Shared>,
    acceptor: TlsAcceptor,
    tcp: TcpStream,
    peer: SocketAddr,
    handshake_permit: OwnedSemaphorePermit,
    _connection_permit: OwnedSemaphorePermit,
) {
    let deadline =
        Instant::now() + Duration::from_millis(shared.config.limits.handshake_timeout_ms);
    let _ = tcp.set_nodelay(true);
    let mut tls = match timeout_at(deadline, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => {
            info!(%peer, error = %e, "TLS handshake refused");
            return;
        }
        Err(_) => {
            info!(%peer, "TLS handshake not finished within the deadline; closed");
            return;
        }
    };
    let cert = tls
        .get_ref()
        .1
        .peer_certificates()
        .and_then(|c| c.first())
        .map(|c| c.to_vec());
    let Some(cert) = cert else {
        // Unreachable with a mandatory client certificate; refuse rather than assume.
        let _ = send(
            &mut tls,
            &ServerMessage::error(0, codes::CERTIFICATE_UNKNOWN, "no client certificate"),
        )
        .await;
        return;
    };
    let summary = match CertSummary::parse(&cert) {
        Ok(s) => s,
        Err(e) => {
            let _ = send(
                &mut tls,
                &ServerMessage::error(0, codes::CERTIFICATE_UNKNOWN, e),
            )
            .await;
            return;
        }
    };
    // Register before authorising: a revocation updates the catalog before it closes
    // sessions, so either `authorize` sees the revoked record or the registry sees this
    // session. Registering after would leave a window where both miss.
    let session_id = shared.next_session_id();
    let user = summary.user.clone().unwrap_or_default();
    let (_guard, closing) =
        shared
            .sessions
            .register(session_id, &user, &summary.serial, canonical(peer.ip()));
    let allow_unbound = shared.config.auth.allow_unbound_certificates;
    let identity = match authorize(
        shared.directory.as_ref(),
        &summary,
        peer.ip(),
        allow_unbound,
    ) {
        Ok(identity) => identity,
        Err(e) => {
            info!(%peer, code = e.code(), error = %e, "client refused");
            let _ = send(&mut tls, &ServerMessage::error(0, e.code(), e.to_string())).await;
            let _ = tls.shutdown().await;
            return;
        }
    };
    let mut session = Session {
        shared,
        identity,
        id: session_id,
        assembler: FrameAssembler::new(HANDSHAKE_MAX_FRAME_BYTES),
        welcomed: false,
        features: 0,
    };
    match timeout_at(deadline, session.hello(&mut tls)).await {
        Ok(Ok(())) => {}
        Ok(Err(end)) => {
            session.end(&mut tls, end).await;
            return;
        }
        Err(_) => {
            info!(%peer, "no Hello within the handshake deadline; closed");
            return;
        }
    }
    drop(handshake_permit);
    info!(session = session_id, user = %session.identity.user, %peer, "session opened");
    let end = session.run(&mut tls, closing).await;
    session.end(&mut tls, end).await;
    info!(session = session_id, "session closed");
}

/// How a session ends.
enum End {
    /// The peer left (Goodbye or EOF); nothing more to send.
    Quiet,
    /// Send this message, then close.
    With(ServerMessage),
}

impl From<ProtocolError> for End {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::Closed | ProtocolError::Io(_) => End::Quiet,
            other => End::With(ServerMessage::error(0, other.code(), other.to_string())),
        }
    }
}

struct Session {
    shared: Arc<Shared>,
    identity: Identity,
    id: u64,
    assembler: FrameAssembler,
    welcomed: bool,
    /// Feature bits both sides have.
    features: u64,
}

/// The Goodbye of a session the registry closes.
fn goodbye(closing: &watch::Receiver<Option<Closing>>) -> End {
    let c = closing.borrow().clone().unwrap_or(Closing {
        code: codes::SHUTTING_DOWN,
        message: "session closed by the server".into(),
    });
    End::With(ServerMessage::Goodbye {
        code: c.code.to_owned(),
        message: c.message,
    })
}

async fn send<S: AsyncWrite + Unpin>(stream: &mut S, msg: &ServerMessage) -> std::io::Result<()> {
    send_all(stream, &mut Vec::new(), [msg]).await
}

/// Messages already waiting are written together up to about this many bytes.
const COALESCE_BYTES: usize = 64 * 1024;

/// Writes `messages` framed into `buf` (the session's buffer), then flushes once: a
/// statement's `Batch` and its `Complete` leave in one TLS record and one system
/// call, so the client wakes once for the whole answer.
async fn send_all<'a, S: AsyncWrite + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
    messages: impl IntoIterator<Item = &'a ServerMessage>,
) -> std::io::Result<()> {
    buf.clear();
    for msg in messages {
        msg.encode_into(buf);
    }
    write_out(stream, buf).await
}

/// A session's buffer for outgoing frames larger than this is freed after use, not
/// kept (a `Batch` is about a megabyte; an idle session should not hold one).
const KEEP_OUT_BUFFER: usize = 64 * 1024;

/// Writes and flushes the frames in `buf`, then empties it.
async fn write_out<S: AsyncWrite + Unpin>(
    stream: &mut S,
    buf: &mut Vec<u8>,
) -> std::io::Result<()> {
    let written = async {
        stream.write_all(buf).await?;
        stream.flush().await
    }
    .await;
    buf.clear();
    if buf.capacity() > KEEP_OUT_BUFFER {
        *buf = Vec::new();
    }
    written
}

/// Roughly how many bytes `msg` takes on the wire (its Arrow payload; others are
/// small).
fn approx_bytes(msg: &ServerMessage) -> usize {
    match msg {
        ServerMessage::Batch { arrow_ipc, .. } | ServerMessage::Change { arrow_ipc, .. } => {
            arrow_ipc.len()
        }
        _ => 64,
    }
}

/// `first` and whatever else the executor has queued already (up to
/// [`COALESCE_BYTES`] of batches), in order, for one [`send_all`].
fn with_queued(
    first: ServerMessage,
    out_rx: &mut mpsc::Receiver<ServerMessage>,
) -> Vec<ServerMessage> {
    let mut size = approx_bytes(&first);
    let mut all = vec![first];
    while size < COALESCE_BYTES {
        match out_rx.try_recv() {
            Ok(m) => {
                size += approx_bytes(&m);
                all.push(m);
            }
            Err(_) => break,
        }
    }
    all
}

/// Reads until one frame is complete. `pending` holds bytes read but not yet fed.
async fn next_frame<S: AsyncRead + Unpin>(
    stream: &mut S,
    assembler: &mut FrameAssembler,
    pending: &mut Vec<u8>,
) -> Result<Vec<u8>, ProtocolError> {
    loop {
        if !pending.is_empty() {
            let mut data = &pending[..];
            let frame = assembler.feed(&mut data)?;
            let used = pending.len() - data.len();
            pending.drain(..used);
            if let Some(frame) = frame {
                return Ok(frame);
            }
        }
        // Straight into `pending`'s spare room: no zeroed chunk, no copy.
        pending.reserve(READ_CHUNK);
        let n = stream.read_buf(pending).await?;
        if n == 0 {
            return Err(if assembler.is_idle() {
                ProtocolError::Closed
            } else {
                ProtocolError::Io(std::io::ErrorKind::UnexpectedEof.into())
            });
        }
    }
}

impl Session {
    async fn hello<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
    ) -> Result<(), End> {
        let mut pending = Vec::new();
        let frame = next_frame(stream, &mut self.assembler, &mut pending).await?;
        let msg = ClientMessage::decode(&frame)?;
        let ClientMessage::Hello {
            min_version,
            max_version,
            features,
            ..
        } = msg
        else {
            return Err(End::With(ServerMessage::error(
                0,
                codes::UNEXPECTED_MESSAGE,
                format!("expected Hello as the first message, got {}", msg.name()),
            )));
        };
        let Some(version) = negotiate(min_version, max_version) else {
            return Err(End::With(ServerMessage::error(
                0,
                codes::UNSUPPORTED_VERSION,
                format!(
                    "client speaks protocol versions {min_version}..={max_version}, this server {}..={}",
                    kalavar_protocol::version::MIN_PROTOCOL_VERSION,
                    kalavar_protocol::version::PROTOCOL_VERSION
                ),
            )));
        };
        if !pending.is_empty() {
            return Err(End::With(ServerMessage::error(
                0,
                codes::UNEXPECTED_MESSAGE,
                "messages sent before Welcome",
            )));
        }
        let max_frame = self.shared.config.limits.max_frame_bytes;
        let welcome = ServerMessage::Welcome(Welcome {
            version,
            opcode_set: OPCODE_SET,
            features: features & SERVER_FEATURES,
            server: self.shared.config.server.name.clone(),
            session: self.id,
            user: self.identity.user.clone(),
            user_id: self.identity.user_id,
            role: self.identity.role,
            catalog_generation: self.shared.directory.generation(),
            max_frame_bytes: u32::try_from(max_frame).unwrap_or(u32::MAX),
        });
        self.features = features & SERVER_FEATURES;
        send(stream, &welcome).await.map_err(ProtocolError::from)?;
        self.assembler.set_max(max_frame);
        self.welcomed = true;
        Ok(())
    }

    async fn run<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        mut closing: watch::Receiver<Option<Closing>>,
    ) -> End {
        let idle = Duration::from_secs(self.shared.config.limits.idle_timeout_s);
        let mut pending = Vec::new();
        let (out_tx, mut out_rx) = mpsc::channel::<ServerMessage>(OUT_QUEUE);
        let (work_tx, work_rx) = mpsc::unbounded_channel::<Work>();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<u64>();
        let running: Running = Default::default();
        let loads = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut subs: HashMap<u64, (u32, SubHandle)> = HashMap::new();
        let mut next_sub = 1u64;
        let compact = self.features & FEATURE_COMPACT_ROWS != 0;
        let activity = self.shared.sessions.activity(self.id);
        let mut executor = self.executor();
        executor.activity = activity.clone();
        let ex: SharedExecutor = Arc::new(Mutex::new(executor));
        tokio::spawn(work::executor(
            ex.clone(),
            work_rx,
            out_tx.clone(),
            running.clone(),
            activity.clone(),
            compact,
        ));
        let mut wbuf = Vec::new();
        let mut last_heard = Instant::now();
        // One timer for the session, set again only when it fires early (a request
        // came since): not a timer armed and dropped per request.
        let idle_timer = tokio::time::sleep_until(last_heard + idle);
        tokio::pin!(idle_timer);
        let end = 'session: loop {
            let busy =
                !running.lock().unwrap_or_else(|p| p.into_inner()).is_empty() || !subs.is_empty();
            let event = tokio::select! {
                _ = closing.changed() => Event::Closing,
                read = next_frame(stream, &mut self.assembler, &mut pending) => Event::Frame(read),
                Some(msg) = out_rx.recv() => Event::Out(msg),
                Some(id) = done_rx.recv() => Event::SubDone(id),
                _ = &mut idle_timer, if !busy => {
                    let idle_at = last_heard + idle;
                    if Instant::now() < idle_at {
                        idle_timer.as_mut().reset(idle_at);
                        continue;
                    }
                    Event::Idle
                }
            };
            let frame = match event {
                Event::Closing => break goodbye(&closing),
                Event::Idle => {
                    break End::With(ServerMessage::Goodbye {
                        code: codes::IDLE_TIMEOUT.to_owned(),
                        message: format!("no request for {}s", idle.as_secs()),
                    });
                }
                Event::Out(msg) => {
                    if send_all(stream, &mut wbuf, &with_queued(msg, &mut out_rx))
                        .await
                        .is_err()
                    {
                        break End::Quiet;
                    }
                    continue;
                }
                Event::SubDone(id) => {
                    subs.remove(&id);
                    continue;
                }
                Event::Frame(Err(e)) => break e.into(),
                Event::Frame(Ok(frame)) => frame,
            };
            last_heard = Instant::now();
            let msg = match ClientMessage::decode(&frame) {
                Ok(msg) => msg,
                Err(e) => break e.into(),
            };
            debug!(session = self.id, message = msg.name(), "request");
            let queue = |request: u32, job: Job, params: Vec<kalavar_protocol::Param>| {
                let cancel = Arc::new(AtomicBool::new(false));
                running
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(request, cancel.clone());
                let _ = work_tx.send(Work {
                    request,
                    job,
                    params,
                    cancel,
                });
            };
            let answer = match msg {
                ClientMessage::Goodbye => break End::Quiet,
                ClientMessage::Hello { .. } => {
                    break End::With(ServerMessage::error(
                        0,
                        codes::UNEXPECTED_MESSAGE,
                        "a second Hello",
                    ));
                }
                ClientMessage::Ping { nonce } => Some(ServerMessage::Pong { nonce }),
                ClientMessage::Cancel { request } => {
                    if let Some(flag) = running
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .get(&request)
                    {
                        flag.store(true, Ordering::Relaxed);
                    }
                    if let Some((_, (_, h))) = subs.iter().find(|(_, (r, _))| *r == request) {
                        h.stop();
                    }
                    None
                }
                ClientMessage::Admin { request, admin } => Some(self.admin(request, admin).await),
                ClientMessage::Execute {
                    request,
                    plan,
                    params,
                } => {
                    queue(request, Job::Plan(plan), params);
                    None
                }
                ClientMessage::ExecuteCached {
                    request,
                    hash,
                    params,
                } => {
                    let idle = running.lock().unwrap_or_else(|p| p.into_inner()).is_empty();
                    if !idle {
                        queue(request, Job::Cached(hash), params);
                        continue;
                    }
                    // Nothing queued or running: the executor's answers are all in
                    // `out_rx` already; they go first.
                    while let Ok(m) = out_rx.try_recv() {
                        if send_all(stream, &mut wbuf, &with_queued(m, &mut out_rx))
                            .await
                            .is_err()
                        {
                            break 'session End::Quiet;
                        }
                    }
                    let short = match ex.try_lock() {
                        Ok(mut ex) => {
                            if let Some(a) = &activity {
                                a.start(None);
                            }
                            let short = ex.try_short(&hash, request, &params, compact);
                            if let Some(a) = &activity {
                                a.end();
                            }
                            short
                        }
                        Err(_) => Short::Declined,
                    };
                    let (messages, error) = match short {
                        Short::Declined => {
                            queue(request, Job::Cached(hash), params);
                            continue;
                        }
                        Short::Ran(messages, error) => (messages, error),
                        Short::Row(row) => {
                            row.encode_into(&mut wbuf);
                            if write_out(stream, &mut wbuf).await.is_err() {
                                break 'session End::Quiet;
                            }
                            continue;
                        }
                        Short::Commit(pending) => {
                            // The commit thread writes and syncs it; the session waits
                            // (its next request must see this write). A close does not
                            // wait: the commit still completes (and is published to
                            // live queries) on a task of its own, unanswered.
                            let mut finish = Box::pin(pending.finish());
                            let done = tokio::select! {
                                done = &mut finish => done,
                                _ = closing.changed() => {
                                    tokio::spawn(finish);
                                    break 'session goodbye(&closing);
                                }
                            };
                            match done {
                                Short::Ran(messages, error) => (messages, error),
                                _ => {
                                    queue(request, Job::Cached(hash), params);
                                    continue;
                                }
                            }
                        }
                    };
                    let error = error.map(|e| work::error_message(request, &e));
                    if send_all(stream, &mut wbuf, messages.iter().chain(error.as_ref()))
                        .await
                        .is_err()
                    {
                        break 'session End::Quiet;
                    }
                    None
                }
                ClientMessage::Query {
                    request,
                    language,
                    text,
                    params,
                } => match work::text_of(language, text) {
                    Ok(text) => {
                        queue(request, Job::Text(text), params);
                        None
                    }
                    Err(e) => Some(work::error_message(request, &e)),
                },
                ClientMessage::CatalogFetch {
                    request,
                    known_generation,
                } => Some(self.catalog(request, known_generation).await),
                ClientMessage::Load {
                    request,
                    table,
                    mode,
                    arrow_ipc,
                } => match LoadTicket::take(&loads, MAX_LOADS_IN_FLIGHT) {
                    Some(ticket) => {
                        let job = Job::Load {
                            table,
                            mode,
                            arrow_ipc,
                            _ticket: ticket,
                        };
                        queue(request, job, Vec::new());
                        None
                    }
                    None => Some(ServerMessage::error(
                        request,
                        codes::TOO_MANY_LOADS,
                        format!(
                            "at most {MAX_LOADS_IN_FLIGHT} load requests may wait for their answers; this one was not written"
                        ),
                    )),
                },
                ClientMessage::Subscribe {
                    request,
                    statement,
                    params,
                } => {
                    let id = next_sub;
                    next_sub += 1;
                    let handle = SubHandle {
                        stop: Arc::new(AtomicBool::new(false)),
                        wake: Arc::new(Notify::new()),
                    };
                    tokio::spawn(work::subscribe(
                        self.executor(),
                        request,
                        statement,
                        params,
                        id,
                        (handle.stop.clone(), handle.wake.clone()),
                        out_tx.clone(),
                        done_tx.clone(),
                    ));
                    subs.insert(id, (request, handle));
                    None
                }
                ClientMessage::Unsubscribe {
                    request,
                    subscription,
                } => match subs.remove(&subscription) {
                    Some((_, h)) => {
                        h.stop();
                        Some(ServerMessage::Complete {
                            request,
                            rows_affected: 0,
                        })
                    }
                    None => Some(ServerMessage::error(
                        request,
                        codes::UNKNOWN_SUBSCRIPTION,
                        format!("no subscription {subscription} on this session"),
                    )),
                },
            };
            if let Some(answer) = answer
                && send_all(stream, &mut wbuf, [&answer]).await.is_err()
            {
                break End::Quiet;
            }
        };
        for flag in running.lock().unwrap_or_else(|p| p.into_inner()).values() {
            flag.store(true, Ordering::Relaxed);
        }
        for (_, h) in subs.values() {
            h.stop();
        }
        end
    }

    /// A statement executor for this session's user.
    fn executor(&self) -> Executor {
        Executor::new(
            self.shared.db.clone(),
            self.shared.clone(),
            &self.identity.user,
            self.identity.user_id,
            self.id,
        )
    }

    /// The catalog the user may see, as JSON (empty when unchanged).
    async fn catalog(&self, request: u32, known: u64) -> ServerMessage {
        let shared = self.shared.clone();
        let user = self.identity.user.clone();
        let result = tokio::task::spawn_blocking(move || -> Result<(u64, Vec<u8>), ExecError> {
            let role = shared
                .db
                .engine
                .catalog()
                .user_by_name(&user)
                .map(|u| crate::exec::kql_role(u.role))
                .ok_or_else(|| {
                    ExecError::with_code(
                        codes::USER_UNKNOWN,
                        format!("user `{user}` no longer exists"),
                    )
                })?;
            let views = shared.db.views()?;
            if views.generation == known {
                return Ok((known, Vec::new()));
            }
            Ok((
                views.generation,
                views.for_role(role).to_json().into_bytes(),
            ))
        })
        .await;
        match result {
            Ok(Ok((generation, body))) => ServerMessage::Catalog {
                request,
                generation,
                body,
            },
            Ok(Err(e)) => work::error_message(request, &e),
            Err(e) => ServerMessage::error(request, "X001", format!("internal error: {e}")),
        }
    }

    async fn admin(&self, request: u32, admin: kalavar_protocol::AdminRequest) -> ServerMessage {
        let shared = self.shared.clone();
        let identity = self.identity.clone();
        let result =
            tokio::task::spawn_blocking(move || admin::handle(&shared, &identity.user, admin))
                .await;
        match result {
            Ok(Ok(result)) => ServerMessage::AdminResult { request, result },
            Ok(Err((code, message))) => ServerMessage::error(request, code, message),
            Err(e) => ServerMessage::error(
                request,
                codes::ADMIN_REQUEST_FAILED,
                format!("internal error: {e}"),
            ),
        }
    }

    async fn end<S: AsyncWrite + Unpin>(&self, stream: &mut S, end: End) {
        if let End::With(msg) = end {
            debug!(session = self.id, welcomed = self.welcomed, message = ?msg, "closing");
            let _ = send(stream, &msg).await;
        }
        let _ = stream.shutdown().await;
    }
}
