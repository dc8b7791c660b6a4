//! System tables that come from the running server, over real mTLS: sessions from the
//! session registry and certificates from the catalog, each role seeing what is its
//! own; and user and certificate statements run as KQL.

use kalavar::client::Client;
use kalavar_protocol::Role;
use kalavar_tests::TestServer;
use kalavar_tests::harness::connect_from;

#[track_caller]
fn column(client: &mut Client, text: &str, name: &str) -> Vec<String> {
    match client.query(text, &[]) {
        Ok(mut r) => {
            let r = r.pop().unwrap_or_default();
            let mut c = r.column(name).unwrap_or_default();
            c.sort();
            c
        }
        Err(e) => panic!("`{text}` failed: {e}"),
    }
}

#[test]
fn sessions_and_certificates_show_each_role_its_own() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut root = ts.root_client();
    let alice_profile = ts.user("alice", Role::User, "127.0.0.1");
    let mut alice = connect_from(&alice_profile.profile, None).unwrap();
    let mut bob = connect_from(&ts.user("bob", Role::User, "127.0.0.1").profile, None).unwrap();

    let users = column(&mut root, "from system.sessions | select user;", "user");
    assert!(
        ["alice", "bob", "root"]
            .iter()
            .all(|u| users.contains(&(*u).to_owned())),
        "root sees every session: {users:?}"
    );
    assert_eq!(
        column(&mut alice, "from system.sessions | select user;", "user"),
        ["alice"]
    );
    let mine = column(
        &mut alice,
        "from system.sessions | select statements;",
        "statements",
    );
    assert_eq!(mine.len(), 1);
    assert!(mine[0].parse::<u64>().unwrap() >= 1, "{mine:?}");
    // A running statement shows its text, even one the client compiled to a plan:
    // this query sees itself; bob's idle session shows nothing.
    let watching = "from system.sessions | where user == \"alice\" | select current_statement";
    assert_eq!(
        column(&mut alice, watching, "current_statement"),
        [watching]
    );
    let seen = column(
        &mut root,
        "from system.sessions | where user == \"bob\" | select current_statement",
        "current_statement",
    );
    assert_eq!(seen, ["null"], "an idle session runs nothing");

    assert_eq!(
        column(
            &mut alice,
            "from system.certificates | select user;",
            "user"
        ),
        ["alice"]
    );
    let all = column(&mut root, "from system.certificates | select user;", "user");
    assert_eq!(all, ["alice", "bob", "root"]);

    // Users and certificates as KQL statements: root disables bob, whose session
    // then ends, and revokes his certificates.
    root.query("alter user bob disable; revoke certificates for bob;", &[])
        .unwrap();
    let revoked = column(
        &mut root,
        "from system.certificates | where user == \"bob\" && !is_null(revoked_at) | select user;",
        "user",
    );
    assert_eq!(revoked, ["bob"]);
    assert!(
        bob.query("from system.users;", &[]).is_err(),
        "bob's session is closed"
    );
    let users = column(&mut root, "from system.sessions | select user;", "user");
    assert!(!users.contains(&"bob".to_owned()), "{users:?}");
    // A user may not manage users.
    let e = alice
        .query("create user mallory role root;", &[])
        .unwrap_err();
    assert!(e.code().is_some(), "{e}");
    assert_eq!(
        column(&mut root, "from system.users | select name;", "name"),
        ["alice", "bob", "root"]
    );
}
