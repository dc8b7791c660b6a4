//! The role ladder of user management over real mTLS: a `dba` manages itself and the
//! roles below its own, never a root or another dba (which would let it take over
//! the server); any user may have a certificate issued for itself; and the KQL
//! `issue certificate` statement takes the PEM request `kalavar cert request` writes.

use kalavar::certs::make_request;
use kalavar::client::{Client, ClientError, Value, named};
use kalavar_protocol::net::parse_list;
use kalavar_protocol::{AdminRequest, AdminResponse, Role, codes};
use kalavar_tests::TestServer;
use kalavar_tests::harness::{dial_address, write_profile};

fn connect(p: &kalavar_tests::harness::UserProfile) -> Client {
    Client::connect(&p.profile).unwrap_or_else(|e| panic!("{} connects: {e}", p.name))
}

fn create(name: &str, role: Role) -> AdminRequest {
    AdminRequest::CreateUser {
        name: name.into(),
        role,
        allow: vec![],
    }
}

fn alter(name: &str, role: Option<Role>, enabled: Option<bool>) -> AdminRequest {
    AdminRequest::AlterUser {
        name: name.into(),
        role,
        enabled,
        allow: None,
    }
}

fn issue(name: &str) -> AdminRequest {
    let addresses = parse_list("127.0.0.1").unwrap();
    AdminRequest::IssueCertificate {
        user: name.into(),
        csr: make_request(name, &addresses).unwrap().csr_der,
        addresses,
        valid_days: 1,
    }
}

/// `request` is refused with A009 and a message naming what was refused.
fn assert_refused(client: &mut Client, request: AdminRequest, says: &str) {
    let shown = format!("{request:?}");
    match client.admin(request) {
        Err(ClientError::Server { code, message, .. }) => {
            assert_eq!(code, codes::PERMISSION_DENIED, "{shown}: {message}");
            assert!(message.contains(says), "{shown}: {message}");
        }
        other => panic!("{shown} should be refused, got {other:?}"),
    }
}

fn role_of(root: &mut Client, name: &str) -> Option<Role> {
    match root.admin(AdminRequest::ListUsers).expect("list users") {
        AdminResponse::Users(users) => users.into_iter().find(|u| u.name == name).map(|u| u.role),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn a_dba_manages_only_the_roles_below_its_own() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let dba = ts.user("dba1", Role::Dba, "127.0.0.1");
    let other_dba = ts.user("dba2", Role::Dba, "127.0.0.1");
    ts.user("alice", Role::User, "127.0.0.1");
    let mut d = connect(&dba);

    // Root and other dbas are out of reach, by every request that could take them
    // over or lock them out.
    assert_refused(
        &mut d,
        create("boss", Role::Root),
        "only root grants role root",
    );
    assert_refused(
        &mut d,
        create("dba3", Role::Dba),
        "only root grants role dba",
    );
    assert_refused(
        &mut d,
        alter("root", Some(Role::User), None),
        "alter `root`",
    );
    assert_refused(&mut d, alter("root", None, Some(false)), "alter `root`");
    assert_refused(&mut d, alter("dba2", None, Some(false)), "alter `dba2`");
    assert_refused(
        &mut d,
        alter("dba1", Some(Role::Root), None),
        "only root grants role root",
    );
    assert_refused(
        &mut d,
        alter("alice", Some(Role::Dba), None),
        "only root grants role dba",
    );
    assert_refused(
        &mut d,
        AdminRequest::DropUser {
            name: "root".into(),
        },
        "drop `root`",
    );
    assert_refused(
        &mut d,
        AdminRequest::RevokeCertificatesFor {
            user: "root".into(),
        },
        "revoke the certificates of `root`",
    );
    assert_refused(
        &mut d,
        AdminRequest::RevokeCertificate {
            serial: other_dba.serial.clone(),
        },
        "revoke a certificate of `dba2`",
    );
    assert_refused(&mut d, issue("root"), "issue a certificate for `root`");
    assert_refused(&mut d, issue("dba2"), "issue a certificate for `dba2`");

    // The same through KQL statements.
    for statement in [
        "drop user root",
        "alter user root role user",
        "create user boss role root",
        "revoke certificates for root",
    ] {
        match d.query(statement, &[]) {
            Err(ClientError::Server { code, .. }) => {
                assert_eq!(code, codes::PERMISSION_DENIED, "{statement}")
            }
            other => panic!("{statement} should be refused, got {other:?}"),
        }
    }

    // Users and services below it are the dba's to manage, and so is itself.
    d.admin(create("svc", Role::Service)).expect("a service");
    d.admin(alter("alice", Some(Role::Service), Some(false)))
        .expect("alter alice");
    d.admin(issue("alice")).expect("a certificate for alice");
    d.admin(AdminRequest::DropUser { name: "svc".into() })
        .expect("drop svc");
    d.admin(issue("dba1")).expect("a certificate for itself");
    // An alteration that says nothing to change is refused, not a silent success.
    match d.admin(alter("alice", None, None)) {
        Err(ClientError::Server { message, .. }) => {
            assert!(message.contains("changes nothing"), "{message}")
        }
        other => panic!("an empty alteration should fail, got {other:?}"),
    }

    // Root is untouched and still connects; the other dba too.
    let mut root = ts.root_client();
    assert_eq!(role_of(&mut root, "root"), Some(Role::Root));
    assert_eq!(role_of(&mut root, "dba2"), Some(Role::Dba));
    connect(&other_dba).ping().expect("dba2 still connects");
    // Root manages dbas.
    root.admin(alter("dba2", Some(Role::User), None))
        .expect("root demotes a dba");
    assert_eq!(role_of(&mut root, "dba2"), Some(Role::User));
}

#[test]
fn any_user_may_have_a_certificate_issued_for_itself_and_only_for_itself() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let alice = ts.user("alice", Role::User, "127.0.0.1");
    ts.user("bob", Role::User, "127.0.0.1");
    let mut a = connect(&alice);
    assert_refused(&mut a, issue("bob"), "only for itself");
    // A request made for somebody else is not turned into a certificate for alice.
    let addresses = parse_list("127.0.0.1").unwrap();
    let bobs = AdminRequest::IssueCertificate {
        user: "alice".into(),
        csr: make_request("bob", &addresses).unwrap().csr_der,
        addresses,
        valid_days: 1,
    };
    match ts.root_client().admin(bobs) {
        Err(ClientError::Server { message, .. }) => {
            assert!(message.contains("made for `bob`"), "{message}")
        }
        other => panic!("a request for bob issued for alice should fail, got {other:?}"),
    }
    assert_refused(&mut a, create("eve", Role::User), "create users");
    match a.admin(issue("alice")).expect("alice's own certificate") {
        AdminResponse::Certificate { info, .. } => assert_eq!(info.user, "alice"),
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn the_issue_certificate_statement_takes_a_pem_request() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    ts.user("alice", Role::User, "127.0.0.1");
    let addresses = parse_list("127.0.0.1").unwrap();
    let req = make_request("alice", &addresses).unwrap();
    let mut root = ts.root_client();
    let issued = root
        .query(
            "issue certificate for alice csr $csr ip 127.0.0.1 valid 1d",
            &[named("csr", Value::Text(req.csr_pem.clone()))],
        )
        .expect("issue certificate with a PEM request");
    let rows = issued.last().expect("an answer").rows();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let pem = rows[0]
        .iter()
        .find(|c| c.contains("BEGIN CERTIFICATE"))
        .expect("the certificate's PEM in the answer")
        .clone();
    // The certificate works: alice connects with it and the key she kept.
    let dir = ts.dir.path().join("alice-from-kql");
    let ca = std::fs::read_to_string(ts.root.dir.join("ca.pem")).unwrap();
    write_profile(&dir, &req.key_pem, &pem, &ca, &dial_address(ts.addr));
    let profile = kalavar::client::Profile::load(&dir).unwrap();
    let mut alice = Client::connect(&profile).expect("alice connects with the new certificate");
    assert_eq!(alice.welcome().user, "alice");
    alice.ping().expect("ping");

    // Something that is not a request says so.
    match root.query(
        "issue certificate for alice csr $csr ip 127.0.0.1",
        &[named("csr", Value::Text("hello".into()))],
    ) {
        Err(ClientError::Server { message, .. }) => {
            assert!(message.contains("CERTIFICATE REQUEST"), "{message}")
        }
        other => panic!("expected an error, got {other:?}"),
    }
}
