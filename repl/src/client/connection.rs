//! [`Client`]: a blocking connection to a Kalavar server over `std::net` and rustls.
//! `connect` dials, completes TLS 1.3 with the profile's certificate, sends `Hello`
//! and waits for `Welcome`; a refusal arrives as [`ClientError::Server`] with the
//! server's code (an `A` code after TLS) or as [`ClientError::Tls`] (an alert, when
//! TLS itself refused the certificate). Requests are answered in order; each call
//! sends one request and reads until its answer.

use std::io::Write;
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kalavar_protocol::frame::{DEFAULT_MAX_FRAME_BYTES, read_frame};
use kalavar_protocol::version::{
    FEATURE_COMPACT_ROWS, FEATURE_LOAD, FEATURE_PLAN_CACHE, FEATURE_SUBSCRIPTIONS,
    MIN_PROTOCOL_VERSION, PROTOCOL_VERSION,
};
use kalavar_protocol::{AdminRequest, AdminResponse, ClientMessage, ServerMessage, Welcome};
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use rustls_pki_types::ServerName;

use kql_compiler::catalog::Catalog;

use super::cancel::CancelHandle;
use super::error::ClientError;
use super::inbox::{Inbox, READ_TICK};
use super::profile::Profile;
use super::row::RowShape;

/// Options beyond the profile.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Dial this `HOST:PORT` instead of the profile's.
    pub server: Option<String>,
    /// Connect from this local address (tests use 127.0.0.2 and friends).
    pub source: Option<IpAddr>,
    /// Timeout for connecting, and for each read and write.
    pub timeout: Duration,
    /// The name sent in `Hello`.
    pub client_name: String,
    /// Protocol versions to offer.
    pub versions: (u16, u16),
    /// Feature bits to ask for (`kalavar_protocol::version::FEATURE_*`); `Welcome`
    /// says which the server granted. The library handles all of them.
    pub features: u64,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            server: None,
            source: None,
            timeout: Duration::from_secs(10),
            client_name: format!("kalavar {}", env!("CARGO_PKG_VERSION")),
            versions: (MIN_PROTOCOL_VERSION, PROTOCOL_VERSION),
            features: FEATURE_COMPACT_ROWS
                | FEATURE_SUBSCRIPTIONS
                | FEATURE_PLAN_CACHE
                | FEATURE_LOAD,
        }
    }
}

/// An open session.
pub struct Client {
    pub(super) stream: StreamOwned<ClientConnection, TcpStream>,
    welcome: Welcome,
    next_request: u32,
    /// The catalog snapshot statements are compiled against (fetched on first use).
    pub(super) catalog: Option<Arc<Catalog>>,
    /// Set from any thread to cancel the request under way.
    pub(super) cancel: CancelHandle,
    /// Statements compiled on this connection (tests and `\\timing` read it).
    pub(super) compiles: u64,
    /// The frame being read.
    pub(super) inbox: Inbox,
    /// The columns of the last one-row answer, parsed.
    pub(super) row_shape: Option<Arc<RowShape>>,
    /// Where `ExecuteCached` requests are encoded (kept between requests).
    pub(super) send_buf: Vec<u8>,
    /// How long a read other than a statement's answer waits without a byte.
    timeout: Duration,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("welcome", &self.welcome)
            .finish_non_exhaustive()
    }
}

/// Opens a TCP connection to `server`, optionally from `source`.
pub fn dial(
    server: &str,
    source: Option<IpAddr>,
    timeout: Duration,
) -> Result<TcpStream, ClientError> {
    let connect_err = |source| ClientError::Connect {
        addr: server.to_owned(),
        source,
    };
    let addrs: Vec<SocketAddr> = server.to_socket_addrs().map_err(connect_err)?.collect();
    let mut last = std::io::Error::new(
        std::io::ErrorKind::NotFound,
        "the name resolves to no address",
    );
    for addr in addrs {
        let attempt = (|| {
            let socket = socket2::Socket::new(
                socket2::Domain::for_address(addr),
                socket2::Type::STREAM,
                None,
            )?;
            if let Some(ip) = source {
                socket.bind(&SocketAddr::new(ip, 0).into())?;
            }
            socket.connect_timeout(&addr.into(), timeout)?;
            let stream: TcpStream = socket.into();
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(timeout))?;
            stream.set_write_timeout(Some(timeout))?;
            Ok::<_, std::io::Error>(stream)
        })();
        match attempt {
            Ok(s) => return Ok(s),
            Err(e) => last = e,
        }
    }
    Err(connect_err(last))
}

impl Client {
    /// Connects with a profile.
    pub fn connect(profile: &Profile) -> Result<Self, ClientError> {
        Self::connect_with(profile, profile.tls_config()?, &ConnectOptions::default())
    }

    /// Connects with a profile, a TLS configuration of the caller's (tests reuse one to
    /// try resumption) and options.
    pub fn connect_with(
        profile: &Profile,
        tls: Arc<ClientConfig>,
        options: &ConnectOptions,
    ) -> Result<Self, ClientError> {
        let server = options
            .server
            .clone()
            .unwrap_or_else(|| profile.server.clone());
        let name = profile.server_name()?;
        Self::connect_raw(&server, name, tls, options)
    }

    /// Connects without a profile.
    pub fn connect_raw(
        server: &str,
        name: ServerName<'static>,
        tls: Arc<ClientConfig>,
        options: &ConnectOptions,
    ) -> Result<Self, ClientError> {
        let tcp = dial(server, options.source, options.timeout)?;
        let conn = ClientConnection::new(tls, name).map_err(ClientError::Tls)?;
        let mut stream = StreamOwned::new(conn, tcp);
        while stream.conn.is_handshaking() {
            stream.conn.complete_io(&mut stream.sock)?;
        }
        let hello = ClientMessage::Hello {
            min_version: options.versions.0,
            max_version: options.versions.1,
            opcode_set: 1,
            features: options.features,
            client: options.client_name.clone(),
        };
        stream.write_all(&hello.encode())?;
        stream.flush()?;
        let body = read_frame(&mut stream, DEFAULT_MAX_FRAME_BYTES)?;
        let welcome =
            match ServerMessage::decode(&body).map_err(|e| ClientError::Protocol(e.to_string()))? {
                ServerMessage::Welcome(welcome) => welcome,
                other => return Err(unexpected(other)),
            };
        // From here on reads wake every tick (see `inbox`).
        stream.sock.set_read_timeout(Some(READ_TICK))?;
        Ok(Self {
            stream,
            welcome,
            next_request: 1,
            catalog: None,
            cancel: CancelHandle::default(),
            compiles: 0,
            inbox: Inbox::default(),
            row_shape: None,
            send_buf: Vec::new(),
            timeout: options.timeout,
        })
    }

    pub fn welcome(&self) -> &Welcome {
        &self.welcome
    }

    /// Whether TLS was a full handshake or a resumption (the server never resumes).
    pub fn handshake_kind(&self) -> Option<rustls::HandshakeKind> {
        self.stream.conn.handshake_kind()
    }

    /// Sends a frame as it is, unchecked (tests use it to send hostile bytes).
    pub fn send_raw(&mut self, bytes: &[u8]) -> Result<(), ClientError> {
        self.stream.write_all(bytes)?;
        self.stream.flush()?;
        Ok(())
    }

    pub fn send(&mut self, msg: &ClientMessage) -> Result<(), ClientError> {
        self.send_raw(&msg.encode())
    }

    /// Reads the next message, waiting at most the connection's timeout for each
    /// byte. A session-wide `Error` (request 0) and `Goodbye` come back as errors,
    /// since the server closes the connection after them.
    pub fn recv(&mut self) -> Result<ServerMessage, ClientError> {
        let body = self.read_body(Some(self.timeout), |_| Ok(()))?;
        Self::message(&body)
    }

    /// Decodes a message body; see [`Client::recv`].
    pub(super) fn message(body: &[u8]) -> Result<ServerMessage, ClientError> {
        match ServerMessage::decode(body).map_err(|e| ClientError::Protocol(e.to_string()))? {
            ServerMessage::Error {
                request: 0,
                code,
                message,
                span,
            } => Err(ClientError::Server {
                code,
                message,
                span,
            }),
            ServerMessage::Goodbye { code, message } => Err(ClientError::Goodbye { code, message }),
            other => Ok(other),
        }
    }

    /// A fresh request id.
    pub fn next_request(&mut self) -> u32 {
        let id = self.next_request;
        self.next_request = self.next_request.wrapping_add(1).max(1);
        id
    }

    /// Sends a request and reads until the message that answers it.
    pub fn request(&mut self, msg: &ClientMessage) -> Result<ServerMessage, ClientError> {
        let id = msg.request();
        self.send(msg)?;
        loop {
            let answer = self.recv()?;
            let answers = match &answer {
                ServerMessage::Error { request, .. }
                | ServerMessage::Complete { request, .. }
                | ServerMessage::Catalog { request, .. }
                | ServerMessage::Subscribed { request, .. }
                | ServerMessage::AdminResult { request, .. } => Some(*request) == id,
                _ => false,
            };
            if !answers {
                continue;
            }
            return match answer {
                ServerMessage::Error {
                    code,
                    message,
                    span,
                    ..
                } => Err(ClientError::Server {
                    code,
                    message,
                    span,
                }),
                other => Ok(other),
            };
        }
    }

    /// Round trip: Ping, Pong. Returns the time it took.
    pub fn ping(&mut self) -> Result<Duration, ClientError> {
        let start = Instant::now();
        let nonce = u64::from(self.next_request());
        self.send(&ClientMessage::Ping { nonce })?;
        loop {
            match self.recv()? {
                ServerMessage::Pong { nonce: n } if n == nonce => return Ok(start.elapsed()),
                ServerMessage::Pong { .. } => continue,
                other => return Err(unexpected(other)),
            }
        }
    }

    /// Sends an admin request and returns its answer.
    pub fn admin(&mut self, admin: AdminRequest) -> Result<AdminResponse, ClientError> {
        let request = self.next_request();
        match self.request(&ClientMessage::Admin { request, admin })? {
            ServerMessage::AdminResult { result, .. } => Ok(result),
            other => Err(unexpected(other)),
        }
    }

    /// Says Goodbye and closes.
    pub fn close(mut self) -> Result<(), ClientError> {
        self.send(&ClientMessage::Goodbye)?;
        self.stream.conn.send_close_notify();
        let _ = self.stream.flush();
        Ok(())
    }
}

pub(super) fn unexpected(msg: ServerMessage) -> ClientError {
    match msg {
        ServerMessage::Error {
            code,
            message,
            span,
            ..
        } => ClientError::Server {
            code,
            message,
            span,
        },
        ServerMessage::Goodbye { code, message } => ClientError::Goodbye { code, message },
        other => ClientError::Protocol(format!("unexpected {} from the server", other.name())),
    }
}
