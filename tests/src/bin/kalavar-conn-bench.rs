//! Connection benchmarks (issue 4), side by side in one run:
//!
//! - new mTLS connections per second (connect, TLS 1.3 with a client certificate,
//!   Hello/Welcome, one Ping, close; `--clients` threads) against a real `kalavard`
//!   process, against a bare rustls accept loop on the same certificates (TLS 1.3,
//!   client certificate verified against the same CA and CRL, a canned Welcome and
//!   Pong, no catalog lookup, no registry), and against PostgreSQL with
//!   client-certificate auth (`pgbench -C`, when `--pg DIR` names a cluster started
//!   with `shared/peers/pg-mtls.sh start DIR`);
//! - memory per idle connection: `kalavard`'s resident memory with `--idle`
//!   connections open minus before, divided by their number.
//!
//! Rounds interleave the peers; the report gives medians and ranges and the ratios.
//! Build with `cargo build --release -p kalavar-server -p kalavar-tests`, then run
//! `target/release/kalavar-conn-bench` (it finds `kalavard` next to itself).

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use kalavar::client::{Client, ConnectOptions, Profile};
use kalavar_protocol::frame::{FrameAssembler, HANDSHAKE_MAX_FRAME_BYTES};
use kalavar_protocol::{ClientMessage, Role, ServerMessage, Welcome};

struct Args {
    seconds: u64,
    rounds: usize,
    clients: usize,
    idle: usize,
    kalavard: PathBuf,
    pg: Option<(PathBuf, u16)>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        seconds: 5,
        rounds: 3,
        clients: 4,
        idle: 1000,
        kalavard: std::env::current_exe()
            .map_err(|e| e.to_string())?
            .with_file_name("kalavard"),
        pg: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--seconds" => {
                args.seconds = value()?.parse().map_err(|e| format!("--seconds: {e}"))?
            }
            "--rounds" => args.rounds = value()?.parse().map_err(|e| format!("--rounds: {e}"))?,
            "--clients" => {
                args.clients = value()?.parse().map_err(|e| format!("--clients: {e}"))?
            }
            "--idle" => args.idle = value()?.parse().map_err(|e| format!("--idle: {e}"))?,
            "--kalavard" => args.kalavard = value()?.into(),
            "--pg" => {
                let v = value()?;
                let (dir, port) = v.split_once(':').unwrap_or((&v, "5433"));
                args.pg = Some((
                    dir.into(),
                    port.parse().map_err(|e| format!("--pg port: {e}"))?,
                ));
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `kalavard serve` child process on a fresh data directory.
struct Kalavard {
    child: Child,
    root: Profile,
}

impl Kalavard {
    // The child is owned by the returned value, whose Drop kills and waits for it.
    #[allow(clippy::zombie_processes)]
    fn start(binary: &Path, dir: &Path) -> Self {
        let port = free_port();
        let data = dir.join("data");
        let mut child = Command::new(binary)
            .args(["serve", "--data"])
            .arg(&data)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .env("KALAVAR_PROFILE", dir.join("default-profile"))
            .env("KALAVARD_LOG_LEVEL", "warn")
            .env("KALAVARD_LIMITS_MAX_CONNECTIONS", "4096")
            .stdout(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", binary.display()));
        let profile_dir = data.join("profiles/root");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(root) = Profile::load(&profile_dir)
                && let Ok(c) = Client::connect(&root)
            {
                c.close().unwrap();
                return Self { child, root };
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("kalavard did not come up");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
}

impl Drop for Kalavard {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connections per second: `clients` threads each connecting, pinging once and
/// closing, for `seconds`.
fn connection_rate(profile: &Profile, server: &str, clients: usize, seconds: u64) -> f64 {
    let tls = profile.tls_config().unwrap();
    let count = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let options = ConnectOptions {
        server: Some(server.to_owned()),
        ..ConnectOptions::default()
    };
    let start = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..clients {
            let (tls, count, stop, options) =
                (tls.clone(), count.clone(), stop.clone(), options.clone());
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let mut c =
                        Client::connect_with(profile, tls.clone(), &options).expect("connect");
                    c.ping().expect("ping");
                    c.close().expect("close");
                    count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
    });
    count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// `pgbench -C`: a new connection for every `SELECT 1`.
fn pg_rate(dir: &Path, port: u16, clients: usize, seconds: u64, script: &Path) -> f64 {
    let certs = dir.join("certs");
    let out = Command::new("pgbench")
        .args([
            "-n",
            "-C",
            "-c",
            &clients.to_string(),
            "-j",
            &clients.to_string(),
            "-T",
            &seconds.to_string(),
            "-f",
        ])
        .arg(script)
        .env("PGHOST", "localhost")
        .env("PGHOSTADDR", "127.0.0.1")
        .env("PGPORT", port.to_string())
        .env("PGUSER", "bench")
        .env("PGDATABASE", "bench")
        .env("PGSSLMODE", "verify-full")
        .env("PGSSLCERT", certs.join("client.crt"))
        .env("PGSSLKEY", certs.join("client.key"))
        .env("PGSSLROOTCERT", certs.join("ca.crt"))
        .output()
        .expect("pgbench runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let tps = text
        .lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|n| n.parse().ok());
    tps.unwrap_or_else(|| {
        panic!(
            "no tps in pgbench output:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// The bare accept loop, as a child process of this binary.
fn start_bare(data: &Path) -> (Child, String) {
    let port = free_port();
    let child = Command::new(std::env::current_exe().unwrap())
        .arg("--bare-server")
        .arg(data)
        .arg(port.to_string())
        .spawn()
        .unwrap();
    let addr = format!("127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(&addr).is_err() {
        assert!(Instant::now() < deadline, "bare server did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, addr)
}

/// A bare rustls accept loop: TLS 1.3, the same server certificate, the same
/// client-certificate verification (CA + CRL, webpki), no resumption; answers Hello
/// with a canned Welcome and Ping with Pong. No catalog, no sessions.
fn bare_server(data: &Path, port: u16) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let read = |name: &str| std::fs::read_to_string(data.join("pki").join(name)).unwrap();
    let ca = kalavar_server::pki::pem_to_der(&read("ca.crt")).unwrap();
    let crl = {
        use rustls_pki_types::pem::PemObject;
        rustls_pki_types::CertificateRevocationListDer::from_pem_slice(read("crl.pem").as_bytes())
            .unwrap()
    };
    let verifier = Arc::new(
        kalavar_server::tls::RevocableVerifier::new(&ca, &crl, kalavar_server::tls::provider())
            .unwrap(),
    );
    let config =
        kalavar_server::tls::server_config(verifier, &read("server.crt"), &read("server.key"))
            .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(config);
    let welcome = ServerMessage::Welcome(Welcome {
        version: 1,
        opcode_set: 1,
        features: 0,
        server: "bare".into(),
        session: 1,
        user: "root".into(),
        user_id: 1,
        role: Role::Root,
        catalog_generation: 0,
        max_frame_bytes: 1 << 24,
    })
    .encode();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
            .await
            .unwrap();
        loop {
            let (tcp, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            let welcome = welcome.clone();
            tokio::spawn(async move {
                let _ = tcp.set_nodelay(true);
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut asm = FrameAssembler::new(HANDSHAKE_MAX_FRAME_BYTES);
                let mut buf = [0u8; 4096];
                loop {
                    let Ok(n) = tls.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    let mut data = &buf[..n];
                    while let Ok(Some(frame)) = asm.feed(&mut data) {
                        let reply = match ClientMessage::decode(&frame) {
                            Ok(ClientMessage::Hello { .. }) => welcome.clone(),
                            Ok(ClientMessage::Ping { nonce }) => {
                                ServerMessage::Pong { nonce }.encode()
                            }
                            _ => {
                                let _ = tls.shutdown().await;
                                return;
                            }
                        };
                        if tls.write_all(&reply).await.is_err() || tls.flush().await.is_err() {
                            return;
                        }
                    }
                }
            });
        }
    });
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn summary(name: &str, v: &mut [f64]) -> f64 {
    let m = median(v);
    println!(
        "{name:<28} median {m:>9.1}/s   range {:.1}–{:.1}",
        v[0],
        v[v.len() - 1]
    );
    m
}

fn main() {
    let raw: Vec<String> = std::env::args().collect();
    if raw.get(1).map(String::as_str) == Some("--bare-server") {
        bare_server(Path::new(&raw[2]), raw[3].parse().unwrap());
        return;
    }
    let args = parse_args().unwrap_or_else(|e| {
        eprintln!("kalavar-conn-bench: {e}");
        std::process::exit(2);
    });
    let tmp = tempfile::tempdir().unwrap();
    let server = Kalavard::start(&args.kalavard, tmp.path());
    let (mut bare, bare_addr) = start_bare(&tmp.path().join("data"));
    let script = tmp.path().join("select1.sql");
    std::fs::write(&script, "SELECT 1;\n").unwrap();
    let kalavar_addr = server.root.server.clone();
    println!(
        "new connections per second: {} clients, {} rounds of {} s, peers interleaved",
        args.clients, args.rounds, args.seconds
    );
    let (mut ours, mut bares, mut pgs) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..args.rounds {
        ours.push(connection_rate(
            &server.root,
            &kalavar_addr,
            args.clients,
            args.seconds,
        ));
        bares.push(connection_rate(
            &server.root,
            &bare_addr,
            args.clients,
            args.seconds,
        ));
        if let Some((dir, port)) = &args.pg {
            pgs.push(pg_rate(dir, *port, args.clients, args.seconds, &script));
        }
    }
    let _ = bare.kill();
    let _ = bare.wait();
    let k = summary("kalavard (mTLS + Hello + Ping)", &mut ours);
    let b = summary("bare rustls accept loop", &mut bares);
    println!("kalavard / bare rustls         {:.2}", k / b);
    if !pgs.is_empty() {
        let p = summary("PostgreSQL pgbench -C", &mut pgs);
        println!("kalavard / PostgreSQL          {:.2}", k / p);
    }

    // Memory per idle connection.
    let before = server.rss_kib();
    let tls = server.root.tls_config().unwrap();
    let mut idle = Vec::with_capacity(args.idle);
    for _ in 0..args.idle {
        idle.push(
            Client::connect_with(&server.root, tls.clone(), &ConnectOptions::default())
                .expect("idle connect"),
        );
    }
    std::thread::sleep(Duration::from_secs(1));
    let after = server.rss_kib();
    let per = (after.saturating_sub(before)) as f64 / args.idle as f64;
    println!(
        "idle connections: {} open, kalavard RSS {before} KiB -> {after} KiB, {per:.1} KiB per connection",
        args.idle
    );
    drop(idle);
}
