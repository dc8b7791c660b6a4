//! [`TestServer`]: a server on a fresh data directory, its root profile, and helpers
//! to make users with certificates through the real admin requests.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use kalavar::certs::make_request;
use kalavar::client::{Client, ClientError, ConnectOptions, Profile};
use kalavar_protocol::net::parse_list;
use kalavar_protocol::profile::{CA_FILE, CERT_FILE, KEY_FILE, SETTINGS_FILE, settings_text};
use kalavar_protocol::{AdminRequest, AdminResponse, Role};
use kalavar_server::config::Config;
use kalavar_server::paths::DataDir;
use kalavar_server::{Server, StartOptions};
use tempfile::TempDir;

/// A running server on a temporary data directory.
pub struct TestServer {
    pub server: Option<Server>,
    pub dir: TempDir,
    pub config: Config,
    pub addr: SocketAddr,
    pub root: Profile,
}

/// A user's profile directory made by [`TestServer::user`].
pub struct UserProfile {
    pub name: String,
    pub dir: PathBuf,
    pub profile: Profile,
    pub serial: String,
}

/// The configuration tests start from: loopback, port 0, short deadlines, and a 4 MiB
/// write-ahead log prefill (the default 64 MiB writes ≈ 128 MB at every start; a
/// small one still puts each server on a recycled log).
pub fn test_config(data_dir: &Path, listen: &[&str]) -> Config {
    let mut config = Config::default();
    config.server.data_dir = data_dir.to_owned();
    config.server.listen = listen
        .iter()
        .map(|a| a.parse().expect("listen address"))
        .collect();
    config.limits.handshake_timeout_ms = 1000;
    config.log.level = "warn".into();
    config.storage.wal_prefill_mb = 4;
    config
}

/// Writes a profile directory from PEM text.
pub fn write_profile(dir: &Path, key_pem: &str, cert_pem: &str, ca_pem: &str, server: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let key = dir.join(KEY_FILE);
    std::fs::write(&key, key_pem).unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(dir.join(CERT_FILE), cert_pem).unwrap();
    std::fs::write(dir.join(CA_FILE), ca_pem).unwrap();
    std::fs::write(dir.join(SETTINGS_FILE), settings_text(server, None)).unwrap();
}

impl TestServer {
    /// Starts a server listening on `listen` (use port 0), after `tweak` edits the
    /// configuration.
    pub fn start(listen: &[&str], tweak: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let mut config = test_config(&data, listen);
        tweak(&mut config);
        let server = Server::start(
            config.clone(),
            StartOptions {
                default_profile: None,
                worker_threads: 2,
            },
        )
        .expect("server starts");
        let addr = server.local_addrs()[0];
        let root = Self::root_profile(&data, addr);
        Self {
            server: Some(server),
            dir,
            config,
            addr,
            root,
        }
    }

    /// The root profile `init` wrote, pointed at the real port (on disk too, so the
    /// `kalavar` binary can use `--profile` with it).
    fn root_profile(data: &Path, addr: SocketAddr) -> Profile {
        let dir = DataDir::new(data).profiles().join("root");
        let mut root = Profile::load(&dir).expect("root profile");
        root.server = dial_address(addr);
        std::fs::write(
            dir.join(SETTINGS_FILE),
            settings_text(&root.server, root.server_name.as_deref()),
        )
        .expect("root profile settings");
        root
    }

    pub fn data(&self) -> DataDir {
        DataDir::new(&self.config.server.data_dir)
    }

    /// Stops the server (if running) and starts it again on the same data directory
    /// and ports.
    pub fn restart(&mut self, tweak: impl FnOnce(&mut Config)) {
        if let Some(old) = self.server.take() {
            self.config.server.listen = old.local_addrs().to_vec();
            old.shutdown();
        }
        tweak(&mut self.config);
        let server = Server::start(
            self.config.clone(),
            StartOptions {
                default_profile: None,
                worker_threads: 2,
            },
        )
        .expect("server restarts");
        self.addr = server.local_addrs()[0];
        self.root = Self::root_profile(&self.config.server.data_dir, self.addr);
        self.server = Some(server);
    }

    pub fn server(&self) -> &Server {
        self.server.as_ref().expect("running")
    }

    pub fn root_client(&self) -> Client {
        Client::connect(&self.root).expect("root connects")
    }

    /// Creates `name` with `role` and issues it a certificate bound to `addresses`
    /// (comma-separated; empty for none), through admin requests as root. The key is
    /// made on the "client" side and only the CSR travels.
    pub fn user(&self, name: &str, role: Role, addresses: &str) -> UserProfile {
        let mut root = self.root_client();
        match root.admin(AdminRequest::CreateUser {
            name: name.into(),
            role,
            allow: vec![],
        }) {
            Ok(_) => {}
            Err(ClientError::Server { message, .. }) if message.contains("already exists") => {}
            Err(e) => panic!("create user {name}: {e}"),
        }
        let profile = self.issue(&mut root, name, addresses);
        root.close().unwrap();
        profile
    }

    /// Like [`TestServer::user`] but expects issuing to fail; returns the error.
    pub fn user_result(&self, name: &str, addresses: &str) -> String {
        let mut root = self.root_client();
        let _ = root.admin(AdminRequest::CreateUser {
            name: name.into(),
            role: Role::User,
            allow: vec![],
        });
        let addresses = parse_list(addresses).expect("addresses");
        let req = make_request(name, &addresses).expect("CSR");
        match root.admin(AdminRequest::IssueCertificate {
            user: name.into(),
            csr: req.csr_der,
            addresses,
            valid_days: 1,
        }) {
            Err(e) => e.to_string(),
            Ok(answer) => panic!("issuing for {name} should fail, got {answer:?}"),
        }
    }

    /// Issues one more certificate for an existing user into a new profile directory.
    pub fn issue(&self, root: &mut Client, name: &str, addresses: &str) -> UserProfile {
        let addresses = parse_list(addresses).expect("addresses");
        let req = make_request(name, &addresses).expect("CSR");
        let answer = root
            .admin(AdminRequest::IssueCertificate {
                user: name.into(),
                csr: req.csr_der,
                addresses,
                valid_days: 1,
            })
            .expect("issue certificate");
        let AdminResponse::Certificate {
            info,
            cert_pem,
            ca_pem,
        } = answer
        else {
            panic!("unexpected answer {answer:?}");
        };
        let dir = self
            .dir
            .path()
            .join("profiles")
            .join(format!("{name}-{}", info.serial));
        write_profile(
            &dir,
            &req.key_pem,
            &cert_pem,
            &ca_pem,
            &dial_address(self.addr),
        );
        UserProfile {
            name: name.into(),
            profile: Profile::load(&dir).expect("user profile"),
            dir,
            serial: info.serial,
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown();
        }
    }
}

/// `HOST:PORT` a client dials for a bound address (a wildcard becomes loopback).
pub fn dial_address(addr: SocketAddr) -> String {
    if addr.ip().is_unspecified() {
        if addr.is_ipv4() {
            format!("127.0.0.1:{}", addr.port())
        } else {
            format!("[::1]:{}", addr.port())
        }
    } else {
        addr.to_string()
    }
}

/// Connect options with a short timeout, optionally from a source address.
pub fn options(source: Option<&str>) -> ConnectOptions {
    ConnectOptions {
        source: source.map(|s| s.parse().expect("source address")),
        timeout: Duration::from_secs(5),
        ..ConnectOptions::default()
    }
}

/// Connects with a profile from `source`.
pub fn connect_from(profile: &Profile, source: Option<&str>) -> Result<Client, ClientError> {
    Client::connect_with(profile, profile.tls_config()?, &options(source))
}

/// Connects with a TLS configuration the caller keeps (to attempt resumption).
pub fn connect_with_config(
    profile: &Profile,
    tls: Arc<rustls::ClientConfig>,
) -> Result<Client, ClientError> {
    Client::connect_with(profile, tls, &options(None))
}
