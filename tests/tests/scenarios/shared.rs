//! `shared` tables: one partition for everybody, with the access level deciding who
//! reads and who writes, per role (`public`, `read_only`, `private`).

use kalavar_protocol::Role;

use super::common::{World, fails, rows, run, still_usable, table};

#[test]
fn access_levels_are_enforced_per_role() {
    let mut w = World::new();
    run(
        &mut w.root,
        "create namespace docs;
         create shared table docs.wiki (slug text key, body text) with (access = public);
         create shared table docs.rules (slug text key, body text) with (access = read_only);
         create shared table docs.secrets (slug text key, body text) with (access = private);
         insert into docs.rules {slug: \"r1\", body: \"be kind\"};
         insert into docs.secrets {slug: \"s1\", body: \"hunter2\"};",
    );
    let mut alice = w.connect("alice", Role::User);
    let mut bob = w.connect("bob", Role::User);
    let mut svc = w.connect("indexer", Role::Service);

    // public: everybody reads and writes, and everybody sees the same rows.
    run(
        &mut alice,
        "insert into docs.wiki {slug: \"home\", body: \"hi\"}",
    );
    assert_eq!(
        rows(&mut bob, "from docs.wiki | select slug, body"),
        table(&[&["home", "hi"]])
    );

    // read_only: users read, a service writes.
    assert_eq!(
        rows(&mut alice, "from docs.rules | select body"),
        table(&[&["be kind"]])
    );
    let e = fails(
        &mut alice,
        "insert into docs.rules {slug: \"r2\", body: \"mine\"}",
    );
    assert!(e.code().is_some(), "{e}");
    run(
        &mut svc,
        "insert into docs.rules {slug: \"r2\", body: \"indexed\"}",
    );
    assert_eq!(
        rows(&mut bob, "from docs.rules | select slug"),
        table(&[&["r1"], &["r2"]])
    );

    // private: users neither read nor write; a service does both.
    let e = fails(&mut bob, "from docs.secrets");
    assert!(e.code().is_some(), "{e}");
    let e = fails(
        &mut bob,
        "insert into docs.secrets {slug: \"s2\", body: \"x\"}",
    );
    assert!(e.code().is_some(), "{e}");
    assert_eq!(
        rows(&mut svc, "from docs.secrets | select body"),
        table(&[&["hunter2"]])
    );
    still_usable(&mut alice);
    still_usable(&mut bob);
}
