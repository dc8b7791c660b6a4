//! The security matrix (issue 4): every case over real TLS 1.3 on loopback against a
//! real server started in-process on real sockets. Each case is refused with the
//! documented error (docs/security.md), and afterwards a bystander session opened
//! before the case still answers and a fresh root connection still works: the server
//! stays up and other sessions are untouched.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kalavar::client::{Client, ClientError};
use kalavar_protocol::frame::frame;
use kalavar_protocol::{AdminRequest, Role, ServerMessage, codes};
use kalavar_tests::TestServer;
use kalavar_tests::forge;
use kalavar_tests::harness::{connect_from, connect_with_config, options};
use rustls::{AlertDescription, Error as TlsError};

/// Starts a server on 127.0.0.1 with a bystander session.
fn setup() -> (TestServer, Client) {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let bystander = ts.root_client();
    (ts, bystander)
}

/// The server is still up and the bystander untouched.
fn still_fine(ts: &TestServer, bystander: &mut Client) {
    bystander
        .ping()
        .expect("the bystander session still answers");
    let mut fresh = ts.root_client();
    fresh.ping().expect("a new root connection still works");
    fresh.close().unwrap();
}

fn connect_forged(ts: &TestServer, forged: &forge::Forged) -> Result<Client, ClientError> {
    let tls = forge::client_config(&ts.data(), forged);
    connect_with_config(&ts.root, tls)
}

#[track_caller]
fn assert_alert(result: Result<Client, ClientError>, alert: AlertDescription) {
    match result {
        Err(ClientError::Tls(TlsError::AlertReceived(got))) => assert_eq!(got, alert),
        Err(other) => panic!("expected TLS alert {alert:?}, got error {other}"),
        Ok(c) => panic!(
            "expected TLS alert {alert:?}, but connected as {}",
            c.welcome().user
        ),
    }
}

#[track_caller]
fn assert_refused(result: Result<Client, ClientError>, code: &str) {
    match result {
        Err(e) => assert_eq!(e.code(), Some(code), "expected {code}, got {e}"),
        Ok(c) => panic!("expected {code}, but connected as {}", c.welcome().user),
    }
}

#[test]
fn a_valid_certificate_connects_as_its_user_and_nothing_else() {
    let (ts, mut bystander) = setup();
    assert_eq!(bystander.welcome().user, "root");
    assert_eq!(bystander.welcome().role, Role::Root);
    let alice = ts.user("alice", Role::User, "127.0.0.1");
    let mut c = connect_from(&alice.profile, None).unwrap();
    assert_eq!(c.welcome().user, "alice");
    assert_eq!(c.welcome().role, Role::User);
    c.ping().unwrap();
    // A user may not make admin requests.
    let e = c.admin(AdminRequest::ListUsers).unwrap_err();
    assert_eq!(e.code(), Some(codes::PERMISSION_DENIED), "{e}");
    // The session goes on after a refused request.
    c.ping().unwrap();
    still_fine(&ts, &mut bystander);
}

#[test]
fn no_client_certificate() {
    let (ts, mut bystander) = setup();
    let result = connect_with_config(&ts.root, forge::no_client_cert(&ts.data()));
    assert_alert(result, AlertDescription::CertificateRequired);
    still_fine(&ts, &mut bystander);
}

#[test]
fn expired_certificate() {
    let (ts, mut bystander) = setup();
    let forged = forge::expired(&ts.data(), "root");
    assert_alert(
        connect_forged(&ts, &forged),
        AlertDescription::CertificateExpired,
    );
    still_fine(&ts, &mut bystander);
}

#[test]
fn not_yet_valid_certificate() {
    let (ts, mut bystander) = setup();
    let forged = forge::not_yet_valid(&ts.data(), "root");
    assert_alert(
        connect_forged(&ts, &forged),
        AlertDescription::CertificateExpired,
    );
    still_fine(&ts, &mut bystander);
}

#[test]
fn signed_by_another_ca_with_the_same_subject() {
    let (ts, mut bystander) = setup();
    let forged = forge::other_ca_same_subject(&ts.data(), "root");
    assert_alert(connect_forged(&ts, &forged), AlertDescription::DecryptError);
    still_fine(&ts, &mut bystander);
}

#[test]
fn self_signed_with_the_roots_subject() {
    let (ts, mut bystander) = setup();
    let forged = forge::self_signed("root");
    assert_alert(connect_forged(&ts, &forged), AlertDescription::UnknownCA);
    still_fine(&ts, &mut bystander);
}

#[test]
fn a_signed_certificate_with_no_catalog_record() {
    // Signed by the real CA (say, with a stolen CA key) but never issued: no record.
    let (ts, mut bystander) = setup();
    let now = time::OffsetDateTime::now_utc();
    let forged = forge::signed_by_real_ca(
        &ts.data(),
        "root",
        &["127.0.0.1"],
        now - time::Duration::hours(1),
        now + time::Duration::hours(1),
    );
    assert_refused(connect_forged(&ts, &forged), codes::CERTIFICATE_UNKNOWN);
    still_fine(&ts, &mut bystander);
}

#[test]
fn revoked_certificate_closes_its_session_and_cannot_resume() {
    let (ts, mut bystander) = setup();
    let alice = ts.user("alice", Role::User, "127.0.0.1");
    // One TLS configuration for every attempt, so its session cache would offer
    // resumption if the server had issued anything to resume with.
    let tls = alice.profile.tls_config().unwrap();
    let mut open = connect_with_config(&alice.profile, tls.clone()).unwrap();
    assert_eq!(open.handshake_kind(), Some(rustls::HandshakeKind::Full));
    let second = connect_with_config(&alice.profile, tls.clone()).unwrap();
    assert_eq!(
        second.handshake_kind(),
        Some(rustls::HandshakeKind::Full),
        "the server never resumes"
    );
    second.close().unwrap();

    let mut root = ts.root_client();
    let revoked_at = Instant::now();
    root.admin(AdminRequest::RevokeCertificate {
        serial: alice.serial.clone(),
    })
    .unwrap();
    // The open session is told within a second.
    match open.recv() {
        Err(ClientError::Goodbye { code, .. }) => assert_eq!(code, codes::CERTIFICATE_REVOKED),
        other => panic!("expected Goodbye A008, got {other:?}"),
    }
    assert!(
        revoked_at.elapsed() < Duration::from_secs(1),
        "closed after {:?}",
        revoked_at.elapsed()
    );
    // A reconnect, offering whatever the cache holds, is refused by TLS.
    assert_alert(
        connect_with_config(&alice.profile, tls),
        AlertDescription::CertificateRevoked,
    );
    // And so is one with a fresh configuration.
    assert_alert(
        connect_from(&alice.profile, None),
        AlertDescription::CertificateRevoked,
    );
    root.close().unwrap();
    still_fine(&ts, &mut bystander);
}

#[test]
fn revoking_every_certificate_of_a_user() {
    let (ts, mut bystander) = setup();
    let a1 = ts.user("alice", Role::User, "127.0.0.1");
    let a2 = ts.user("alice", Role::User, "127.0.0.1");
    let bob = ts.user("bob", Role::User, "127.0.0.1");
    let mut bob_session = connect_from(&bob.profile, None).unwrap();
    let mut root = ts.root_client();
    let answer = root
        .admin(AdminRequest::RevokeCertificatesFor {
            user: "alice".into(),
        })
        .unwrap();
    let kalavar_protocol::AdminResponse::Revoked { mut serials } = answer else {
        panic!("{answer:?}")
    };
    serials.sort();
    let mut expected = vec![a1.serial.clone(), a2.serial.clone()];
    expected.sort();
    assert_eq!(serials, expected);
    for p in [&a1, &a2] {
        assert_alert(
            connect_from(&p.profile, None),
            AlertDescription::CertificateRevoked,
        );
    }
    bob_session.ping().expect("bob is untouched");
    still_fine(&ts, &mut bystander);
}

#[test]
fn wrong_source_address() {
    let (ts, mut bystander) = setup();
    let carol = ts.user("carol", Role::User, "127.0.0.2");
    // From the bound address it works (Linux routes all of 127/8 to loopback).
    let mut ok =
        connect_from(&carol.profile, Some("127.0.0.2")).expect("carol connects from 127.0.0.2");
    ok.ping().unwrap();
    assert_refused(
        connect_from(&carol.profile, Some("127.0.0.1")),
        codes::ADDRESS_NOT_IN_CERTIFICATE,
    );
    assert_refused(
        connect_from(&carol.profile, Some("127.0.0.3")),
        codes::ADDRESS_NOT_IN_CERTIFICATE,
    );
    // A range binding works the same way.
    let dave = ts.user("dave", Role::User, "127.0.0.0/30");
    connect_from(&dave.profile, Some("127.0.0.3"))
        .expect("inside the range")
        .ping()
        .unwrap();
    assert_refused(
        connect_from(&dave.profile, Some("127.0.0.4")),
        codes::ADDRESS_NOT_IN_CERTIFICATE,
    );
    still_fine(&ts, &mut bystander);
}

#[test]
fn the_users_own_allow_list_applies_on_top_of_the_certificate() {
    let (ts, mut bystander) = setup();
    let erin = ts.user("erin", Role::User, "127.0.0.0/29");
    let mut session = connect_from(&erin.profile, Some("127.0.0.2")).unwrap();
    let mut root = ts.root_client();
    root.admin(AdminRequest::AlterUser {
        name: "erin".into(),
        role: None,
        enabled: None,
        allow: Some(vec!["127.0.0.3".parse().unwrap()]),
    })
    .unwrap();
    // The open session from an address no longer allowed is closed.
    match session.recv() {
        Err(ClientError::Goodbye { code, .. }) => {
            assert_eq!(code, codes::ADDRESS_NOT_IN_ALLOW_LIST)
        }
        other => panic!("expected Goodbye A006, got {other:?}"),
    }
    assert_refused(
        connect_from(&erin.profile, Some("127.0.0.2")),
        codes::ADDRESS_NOT_IN_ALLOW_LIST,
    );
    connect_from(&erin.profile, Some("127.0.0.3"))
        .expect("allowed by both")
        .ping()
        .unwrap();
    still_fine(&ts, &mut bystander);
}

#[test]
fn ipv4_client_on_a_dual_stack_listener_is_accepted() {
    // Needs IPv6 loopback: without it the server cannot bind [::] and this fails
    // loudly here rather than skipping.
    let ts = TestServer::start(&["[::]:0"], |_| {});
    let port = ts.addr.port();
    let frank = ts.user("frank", Role::User, "127.0.0.1");
    let mut c = kalavar::client::Client::connect_with(
        &frank.profile,
        frank.profile.tls_config().unwrap(),
        &kalavar::client::ConnectOptions {
            server: Some(format!("127.0.0.1:{port}")),
            ..options(None)
        },
    )
    .expect("an IPv4 client bound to 127.0.0.1 connects through the dual-stack listener");
    assert_eq!(c.welcome().user, "frank");
    c.ping().unwrap();
    // An IPv6 client is not 127.0.0.1.
    let v6 = kalavar::client::Client::connect_with(
        &frank.profile,
        frank.profile.tls_config().unwrap(),
        &kalavar::client::ConnectOptions {
            server: Some(format!("[::1]:{port}")),
            ..options(None)
        },
    );
    assert_refused(v6, codes::ADDRESS_NOT_IN_CERTIFICATE);
}

#[test]
fn no_address_binding() {
    // Issue an unbound certificate while the server allows them, then restart it
    // with the default (refuse unbound certificates).
    let mut ts = TestServer::start(&["127.0.0.1:0"], |c| {
        c.auth.allow_unbound_certificates = true
    });
    let gina = ts.user("gina", Role::User, "");
    connect_from(&gina.profile, None)
        .expect("allowed while configured so")
        .ping()
        .unwrap();
    ts.restart(|c| c.auth.allow_unbound_certificates = false);
    let mut bystander = ts.root_client();
    assert_refused(
        connect_from(&gina.profile, None),
        codes::CERTIFICATE_UNBOUND,
    );
    // And the admin request refuses to make new ones.
    let e = ts.user_result("hank", "");
    assert!(e.contains("unbound"), "{e}");
    still_fine(&ts, &mut bystander);
}

#[test]
fn the_ca_certificate_used_as_a_client_certificate() {
    let (ts, mut bystander) = setup();
    let forged = forge::ca_itself(&ts.data());
    assert_alert(
        connect_forged(&ts, &forged),
        AlertDescription::CertificateUnknown,
    );
    still_fine(&ts, &mut bystander);
}

#[test]
fn a_server_certificate_used_as_a_client_certificate() {
    let (ts, mut bystander) = setup();
    let forged = forge::server_itself(&ts.data());
    assert_alert(
        connect_forged(&ts, &forged),
        AlertDescription::UnsupportedCertificate,
    );
    still_fine(&ts, &mut bystander);
}

#[test]
fn a_dropped_users_certificate() {
    let (ts, mut bystander) = setup();
    let ivan = ts.user("ivan", Role::User, "127.0.0.1");
    let mut open = connect_from(&ivan.profile, None).unwrap();
    let mut root = ts.root_client();
    root.admin(AdminRequest::DropUser {
        name: "ivan".into(),
    })
    .unwrap();
    match open.recv() {
        Err(ClientError::Goodbye { code, .. }) => assert!(
            code == codes::USER_REMOVED || code == codes::CERTIFICATE_REVOKED,
            "expected A010 or A008, got {code}"
        ),
        other => panic!("expected Goodbye, got {other:?}"),
    }
    assert_alert(
        connect_from(&ivan.profile, None),
        AlertDescription::CertificateRevoked,
    );
    still_fine(&ts, &mut bystander);
}

#[test]
fn a_disabled_user() {
    let (ts, mut bystander) = setup();
    let judy = ts.user("judy", Role::User, "127.0.0.1");
    let mut open = connect_from(&judy.profile, None).unwrap();
    let mut root = ts.root_client();
    let disable = |enabled| AdminRequest::AlterUser {
        name: "judy".into(),
        role: None,
        enabled: Some(enabled),
        allow: None,
    };
    root.admin(disable(false)).unwrap();
    match open.recv() {
        Err(ClientError::Goodbye { code, .. }) => assert_eq!(code, codes::USER_REMOVED),
        other => panic!("expected Goodbye A010, got {other:?}"),
    }
    assert_refused(connect_from(&judy.profile, None), codes::USER_DISABLED);
    root.admin(disable(true)).unwrap();
    connect_from(&judy.profile, None)
        .expect("enabled again")
        .ping()
        .unwrap();
    still_fine(&ts, &mut bystander);
}

#[test]
fn a_tls12_only_client() {
    let (ts, mut bystander) = setup();
    let root_forged = forge::Forged {
        cert_pem: std::fs::read_to_string(ts.root.dir.join("cert.pem")).unwrap(),
        key_pem: std::fs::read_to_string(ts.root.dir.join("key.pem")).unwrap(),
    };
    let result = connect_with_config(&ts.root, forge::tls12_only(&ts.data(), &root_forged));
    assert_alert(result, AlertDescription::ProtocolVersion);
    still_fine(&ts, &mut bystander);
}

#[test]
fn a_client_that_never_finishes_the_handshake_is_cut_off_at_the_deadline() {
    let (ts, mut bystander) = setup();
    let deadline = Duration::from_millis(ts.config.limits.handshake_timeout_ms);
    let start = Instant::now();
    let mut silent = TcpStream::connect(ts.addr).unwrap();
    silent.set_read_timeout(Some(deadline * 5)).unwrap();
    let mut byte = [0u8; 1];
    let n = silent.read(&mut byte).unwrap_or(0);
    let waited = start.elapsed();
    assert_eq!(n, 0, "the server closes the connection without a word");
    assert!(
        waited >= deadline - Duration::from_millis(50),
        "closed too early: {waited:?}"
    );
    assert!(waited < deadline * 4, "closed too late: {waited:?}");
    // Half a handshake (a ClientHello prefix) is cut off the same way.
    let mut partial = TcpStream::connect(ts.addr).unwrap();
    partial
        .write_all(&[0x16, 0x03, 0x01, 0x02, 0x00, 0x01])
        .unwrap();
    partial.set_read_timeout(Some(deadline * 5)).unwrap();
    let mut sink = Vec::new();
    let _ = partial.read_to_end(&mut sink);
    assert!(start.elapsed() < deadline * 6);
    still_fine(&ts, &mut bystander);
}

#[test]
fn an_oversized_frame() {
    let (ts, mut bystander) = setup();
    let mut c = ts.root_client();
    let max = ts.config.limits.max_frame_bytes as u32;
    c.send_raw(&(max + 1).to_be_bytes()).unwrap();
    match c.recv() {
        Err(ClientError::Server { code, message, .. }) => {
            assert_eq!(code, codes::FRAME_TOO_LARGE);
            assert!(message.contains(&(max + 1).to_string()), "{message}");
        }
        other => panic!("expected Error P001, got {other:?}"),
    }
    assert!(
        matches!(c.recv(), Err(ClientError::Closed | ClientError::Io(_))),
        "then the server hangs up"
    );
    still_fine(&ts, &mut bystander);
}

#[test]
fn garbage_frames() {
    let (ts, mut bystander) = setup();
    // An unknown message type.
    let mut c = ts.root_client();
    c.send_raw(&frame(&[0xEE, 1, 2, 3])).unwrap();
    assert_refused_recv(&mut c, codes::UNKNOWN_MESSAGE);
    // A known type whose fields do not decode (a Ping with 3 bytes of nonce).
    let mut c = ts.root_client();
    c.send_raw(&frame(&[0x08, 1, 2, 3])).unwrap();
    assert_refused_recv(&mut c, codes::MALFORMED_MESSAGE);
    // An empty frame.
    let mut c = ts.root_client();
    c.send_raw(&[0, 0, 0, 0]).unwrap();
    assert_refused_recv(&mut c, codes::MALFORMED_MESSAGE);
    // A server message sent by a client.
    let mut c = ts.root_client();
    c.send_raw(&ServerMessage::Pong { nonce: 1 }.encode())
        .unwrap();
    assert_refused_recv(&mut c, codes::UNKNOWN_MESSAGE);
    // Random bytes straight after the TLS handshake, before Hello: the server
    // refuses them as a frame and hangs up.
    let tls = ts.root.tls_config().unwrap();
    let tcp = TcpStream::connect(ts.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let conn = rustls::ClientConnection::new(tls, ts.root.server_name().unwrap()).unwrap();
    let mut s = rustls::StreamOwned::new(conn, tcp);
    s.write_all(&[0xff; 64]).unwrap();
    s.flush().unwrap();
    let body = kalavar_protocol::frame::read_frame(&mut s, 1 << 20).unwrap();
    match ServerMessage::decode(&body).unwrap() {
        ServerMessage::Error {
            request: 0, code, ..
        } => assert_eq!(code, codes::FRAME_TOO_LARGE),
        other => panic!("expected an Error, got {other:?}"),
    }
    still_fine(&ts, &mut bystander);
}

fn assert_refused_recv(c: &mut Client, code: &str) {
    match c.recv() {
        Err(ClientError::Server { code: got, .. }) => assert_eq!(got, code),
        other => panic!("expected Error {code}, got {other:?}"),
    }
}

#[test]
fn a_key_file_readable_by_others_stops_start_up() {
    use std::os::unix::fs::PermissionsExt;
    let mut ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let key = ts.data().ca_key();
    let server = ts.server.take().unwrap();
    server.shutdown();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let err = kalavar_server::Server::start(ts.config.clone(), Default::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&key.display().to_string()),
        "names the file: {err}"
    );
    assert!(
        err.contains(&format!("chmod 600 {}", key.display())),
        "says the fix: {err}"
    );
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    ts.restart(|_| {});
    ts.root_client().ping().unwrap();
}

#[test]
fn idle_sessions_are_closed() {
    let ts = TestServer::start(&["127.0.0.1:0"], |c| c.limits.idle_timeout_s = 1);
    let mut c = ts.root_client();
    let start = Instant::now();
    match c.recv() {
        Err(ClientError::Goodbye { code, .. }) => assert_eq!(code, codes::IDLE_TIMEOUT),
        other => panic!("expected Goodbye P007, got {other:?}"),
    }
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn the_connection_cap_closes_extra_connections() {
    let ts = TestServer::start(&["127.0.0.1:0"], |c| c.limits.max_connections = 2);
    let mut a = ts.root_client();
    let mut b = ts.root_client();
    let third = connect_from(&ts.root, None);
    assert!(third.is_err(), "a third connection is closed at once");
    a.ping().unwrap();
    b.ping().unwrap();
    b.close().unwrap();
    // Capacity comes back once a session ends.
    let deadline = Instant::now() + Duration::from_secs(3);
    loop {
        match connect_from(&ts.root, None) {
            Ok(mut c) => {
                c.ping().unwrap();
                break;
            }
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("capacity did not come back: {e}"),
        }
    }
}

#[test]
fn requests_without_a_handler_yet_say_so() {
    let (ts, _bystander) = setup();
    let mut c = ts.root_client();
    let request = c.next_request();
    let e = c
        .request(&kalavar_protocol::ClientMessage::Query {
            request,
            // SQL text is translated on the client; the server runs KQL.
            language: kalavar_protocol::Language::Sql,
            text: "SELECT 1".into(),
            params: vec![],
        })
        .unwrap_err();
    assert_eq!(e.code(), Some(codes::NOT_SUPPORTED), "{e}");
    c.ping().expect("the session goes on");
}

#[test]
fn hello_rules_are_enforced() {
    let (ts, mut bystander) = setup();
    // No common protocol version.
    let future = kalavar::client::ConnectOptions {
        versions: (90, 99),
        ..options(None)
    };
    let e = Client::connect_with(&ts.root, ts.root.tls_config().unwrap(), &future).unwrap_err();
    assert_eq!(e.code(), Some(codes::UNSUPPORTED_VERSION), "{e}");
    assert!(e.to_string().contains("90..=99"), "names both ranges: {e}");
    // Anything but Hello first.
    let tcp = TcpStream::connect(ts.addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let conn = rustls::ClientConnection::new(
        ts.root.tls_config().unwrap(),
        ts.root.server_name().unwrap(),
    )
    .unwrap();
    let mut s = rustls::StreamOwned::new(conn, tcp);
    s.write_all(&kalavar_protocol::ClientMessage::Ping { nonce: 1 }.encode())
        .unwrap();
    s.flush().unwrap();
    let body = kalavar_protocol::frame::read_frame(&mut s, 1 << 20).unwrap();
    match ServerMessage::decode(&body).unwrap() {
        ServerMessage::Error {
            request: 0, code, ..
        } => assert_eq!(code, codes::UNEXPECTED_MESSAGE),
        other => panic!("expected Error P005, got {other:?}"),
    }
    // A second Hello.
    let mut c = ts.root_client();
    c.send(&kalavar_protocol::ClientMessage::Hello {
        min_version: 1,
        max_version: 1,
        opcode_set: 1,
        features: 0,
        client: "again".into(),
    })
    .unwrap();
    assert_refused_recv(&mut c, codes::UNEXPECTED_MESSAGE);
    still_fine(&ts, &mut bystander);
}

#[test]
fn the_handshake_cap_closes_extra_handshakes() {
    let ts = TestServer::start(&["127.0.0.1:0"], |c| {
        c.limits.max_handshakes = 1;
        c.limits.handshake_timeout_ms = 3000;
    });
    // A silent connection holds the only handshake slot...
    let silent = TcpStream::connect(ts.addr).unwrap();
    std::thread::sleep(Duration::from_millis(100));
    // ...so a real client is closed at once, long before the deadline.
    let start = Instant::now();
    assert!(
        connect_from(&ts.root, None).is_err(),
        "refused while the slot is taken"
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "closed at once, not at the deadline"
    );
    drop(silent);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match connect_from(&ts.root, None) {
            Ok(mut c) => {
                c.ping().unwrap();
                break;
            }
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("the slot did not come back: {e}"),
        };
    }
}
