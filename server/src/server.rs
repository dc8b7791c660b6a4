//! Starting and stopping the server. [`Server::start`] does everything that can fail
//! before returning (initialise an empty data directory, check key permissions, load
//! the CA, the catalog and the CRL, bind every listener), then runs the accept loops
//! on a Tokio runtime of its own thread. The caller gets the bound addresses and a
//! handle that shuts the server down when dropped. `kalavard serve` and the
//! end-to-end tests both start the server this way.
//!
//! Per connection the accept loop takes a connection permit (`limits.max_connections`)
//! and a handshake permit (`limits.max_handshakes`) without waiting: when either is
//! exhausted the connection is closed at once, before any TLS work.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::JoinHandle;

use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;
use tracing::{info, warn};

use crate::config::Config;
use crate::db::Database;
use crate::directory::{Directory, StorageDirectory};
use crate::error::ServerError;
use crate::init::{InitReport, ensure_server_certificate, init, open_engine};
use crate::paths::DataDir;
use crate::pki::Authority;
use crate::pki::files::{check_key_permissions, read_text};
use crate::session::{Closing, serve_connection};
use crate::state::{Shared, build_crl};
use crate::tls::{RevocableVerifier, provider, server_config};

/// Options that are not configuration keys.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Where `init` writes the root profile besides the data directory (the CLI
    /// passes the default profile location; tests pass nothing).
    pub default_profile: Option<PathBuf>,
    /// Worker threads of the runtime; 0 means one per core.
    pub worker_threads: usize,
}

/// A running server.
pub struct Server {
    addrs: Vec<SocketAddr>,
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
    init: Option<InitReport>,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("addrs", &self.addrs)
            .finish_non_exhaustive()
    }
}

fn bind(addr: SocketAddr) -> Result<TcpListener, ServerError> {
    let err = |source| ServerError::Bind { addr, source };
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(err)?;
    if addr.is_ipv6() {
        // A wildcard IPv6 listener also accepts IPv4 clients (as ::ffff:a.b.c.d),
        // whatever the system default is.
        use std::os::fd::AsRawFd;
        let off: libc::c_int = 0;
        // SAFETY: a valid socket descriptor and a c_int option value of the right size.
        let rc = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::IPPROTO_IPV6,
                libc::IPV6_V6ONLY,
                (&off as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(err(std::io::Error::last_os_error()));
        }
    }
    socket.set_reuseaddr(true).map_err(err)?;
    socket.bind(addr).map_err(err)?;
    socket.listen(1024).map_err(err)
}

/// Loads everything a running server needs from an initialised data directory.
fn prepare(config: &Config, data: &DataDir) -> Result<Shared, ServerError> {
    for key in data.key_files() {
        check_key_permissions(&key)?;
    }
    let authority = Authority::load(&data.pki())?;
    if ensure_server_certificate(&authority, config, data)? {
        info!("server certificate reissued for the configured addresses and names");
    }
    let engine = open_engine(config, data)?;
    let db = Arc::new(Database::new(
        engine.clone(),
        config.exec_limits(),
        config.limits.plan_cache_entries,
    ));
    let directory: Arc<dyn Directory> = Arc::new(StorageDirectory::new(engine));
    let (crl_der, _) = build_crl(directory.as_ref(), &authority)?;
    let verifier = Arc::new(RevocableVerifier::new(
        authority.cert_der(),
        &crl_der,
        provider(),
    )?);
    let shared = Shared::new(
        config.clone(),
        data.clone(),
        directory,
        db,
        authority,
        verifier,
    );
    shared.refresh_crl()?;
    Ok(shared)
}

impl Server {
    /// Starts a server; returns once every listener is bound.
    pub fn start(config: Config, options: StartOptions) -> Result<Self, ServerError> {
        config.validate()?;
        let data = DataDir::new(config.data_dir());
        let init_report = if data.is_initialised() {
            None
        } else {
            Some(init(&config, options.default_profile.as_deref())?)
        };
        let shared = Arc::new(prepare(&config, &data)?);
        let tls = server_config(
            shared.verifier.clone(),
            &read_text(&data.server_cert())?,
            &read_text(&data.server_key())?,
        )?;
        let mut builder = tokio::runtime::Builder::new_multi_thread();
        builder.enable_all().thread_name("kalavard");
        if options.worker_threads > 0 {
            builder.worker_threads(options.worker_threads);
        }
        let runtime = builder
            .build()
            .map_err(|e| ServerError::Config(format!("cannot start the runtime: {e}")))?;
        let listeners = runtime.block_on(async {
            config
                .server
                .listen
                .iter()
                .map(|a| bind(*a))
                .collect::<Result<Vec<_>, _>>()
        })?;
        let addrs = listeners
            .iter()
            .map(|l| l.local_addr())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ServerError::Config(format!("listener address: {e}")))?;
        let (stop, stopped) = watch::channel(false);
        let acceptor = TlsAcceptor::from(tls);
        let run_shared = shared.clone();
        let thread = std::thread::Builder::new()
            .name("kalavard-main".into())
            .spawn(move || runtime.block_on(accept_all(run_shared, acceptor, listeners, stopped)))
            .map_err(|e| ServerError::Config(format!("cannot start the server thread: {e}")))?;
        for addr in &addrs {
            info!(%addr, "listening");
        }
        Ok(Self {
            addrs,
            shared,
            stop,
            thread: Some(thread),
            init: init_report,
        })
    }

    /// The bound addresses, in the order of `server.listen` (real ports for port 0).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// What `init` made, when this start initialised the data directory.
    pub fn init_report(&self) -> Option<&InitReport> {
        self.init.as_ref()
    }

    /// Open sessions (past Welcome) right now.
    pub fn session_count(&self) -> usize {
        self.shared.sessions.len()
    }

    /// Says Goodbye (P008) to every session and stops accepting; returns when the
    /// accept loops have ended.
    pub fn shutdown(mut self) {
        self.stop_now();
    }

    /// Blocks until the server stops (it stops only through [`Server::shutdown`] from
    /// another thread, or a fatal error).
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    fn stop_now(&mut self) {
        let _ = self.stop.send(true);
        self.shared.sessions.close_all(&Closing {
            code: kalavar_protocol::codes::SHUTTING_DOWN,
            message: "the server is shutting down".into(),
        });
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// A handle that stops the server from another thread (signal handlers).
    pub fn stopper(&self) -> impl Fn() + Send + Sync + 'static {
        let stop = self.stop.clone();
        let sessions = self.shared.sessions.clone();
        move || {
            let _ = stop.send(true);
            sessions.close_all(&Closing {
                code: kalavar_protocol::codes::SHUTTING_DOWN,
                message: "the server is shutting down".into(),
            });
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop_now();
    }
}

async fn accept_all(
    shared: Arc<Shared>,
    acceptor: TlsAcceptor,
    listeners: Vec<TcpListener>,
    stopped: watch::Receiver<bool>,
) {
    let connections = Arc::new(Semaphore::new(shared.config.limits.max_connections));
    let handshakes = Arc::new(Semaphore::new(shared.config.limits.max_handshakes));
    let scheduler = tokio::spawn(crate::jobs::scheduler::run(
        shared.db.clone(),
        std::time::Duration::from_millis(shared.config.storage.jobs_interval_ms),
        stopped.clone(),
    ));
    let mut loops = Vec::new();
    for listener in listeners {
        loops.push(tokio::spawn(accept_loop(
            shared.clone(),
            acceptor.clone(),
            listener,
            connections.clone(),
            handshakes.clone(),
            stopped.clone(),
        )));
    }
    for l in loops {
        let _ = l.await;
    }
    let _ = scheduler.await;
    // Give sessions told to close a moment to send their Goodbye.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
    while connections.available_permits() < shared.config.limits.max_connections
        && tokio::time::Instant::now() < deadline
    {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

async fn accept_loop(
    shared: Arc<Shared>,
    acceptor: TlsAcceptor,
    listener: TcpListener,
    connections: Arc<Semaphore>,
    handshakes: Arc<Semaphore>,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            _ = stopped.wait_for(|s| *s) => return,
            accepted = listener.accept() => accepted,
        };
        let (tcp, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // Out of descriptors and the like: back off instead of spinning.
                warn!(error = %e, "accept failed");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(connection) = connections.clone().try_acquire_owned() else {
            warn!(%peer, "connection cap (limits.max_connections) reached; closed");
            continue;
        };
        let Ok(handshake) = handshakes.clone().try_acquire_owned() else {
            warn!(%peer, "handshake cap (limits.max_handshakes) reached; closed");
            continue;
        };
        tokio::spawn(serve_connection(
            shared.clone(),
            acceptor.clone(),
            tcp,
            peer,
            handshake,
            connection,
        ));
    }
}
