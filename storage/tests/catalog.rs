//! The catalog: users and certificate records (what the server needs first), tables,
//! namespaces, persistence across reopen, and refusal of unknown formats.

use kalavar_storage::*;

fn open(dir: &std::path::Path) -> Engine {
    Engine::open(dir, EngineOptions::default()).unwrap()
}

fn alice() -> UserSpec {
    UserSpec {
        name: "alice".into(),
        role: Role::User,
        enabled: true,
        allowed_ips: vec!["10.0.0.0/8".into(), "::1".into()],
    }
}

fn cert(user: UserId, serial: &str) -> CertificateRecord {
    CertificateRecord {
        issuer_key_id: "ab12".into(),
        serial: serial.into(),
        user,
        not_before_us: 1_000,
        not_after_us: 2_000,
        addresses: vec!["127.0.0.1/32".into()],
        revoked_at_us: None,
        der: vec![0x30, 0x82, 0x01],
    }
}

#[test]
fn users_and_certificates_persist_and_look_up_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let (alice_id, gen_before);
    {
        let e = open(dir.path());
        gen_before = e.catalog().generation();
        let a = e.create_user(&alice()).unwrap();
        alice_id = a.id;
        assert!(e.catalog().generation() > gen_before);
        let err = e.create_user(&alice()).unwrap_err();
        assert_eq!(err.code(), "S110");
        let rec = e.put_certificate(cert(a.id, "0a:ff")).unwrap();
        assert_eq!(rec.serial, "0AFF");
        e.put_certificate(cert(a.id, "01")).unwrap();
        let bob = e
            .create_user(&UserSpec {
                name: "bob".into(),
                role: Role::Dba,
                enabled: true,
                allowed_ips: vec![],
            })
            .unwrap();
        e.put_certificate(cert(bob.id, "02")).unwrap();
        let revoked = e.revoke_certificate("ab12", "0aff", 1_500).unwrap();
        assert_eq!(revoked.revoked_at_us, Some(1_500));
        // Revoking again keeps the first time.
        let again = e.revoke_certificate("ab12", "0AFF", 1_900).unwrap();
        assert_eq!(again.revoked_at_us, Some(1_500));
        let changed = e
            .alter_user(
                a.id,
                &UserChange {
                    enabled: Some(false),
                    ..Default::default()
                },
            )
            .unwrap();
        assert!(!changed.enabled);
    }
    let e = open(dir.path());
    let cat = e.catalog();
    assert!(cat.generation() > gen_before);
    let a = cat.user_by_name("alice").unwrap();
    assert_eq!(a.id, alice_id);
    assert!(!a.enabled);
    assert_eq!(a.allowed_ips, vec!["10.0.0.0/8", "::1"]);
    assert_eq!(cat.user_by_name("bob").unwrap().role, Role::Dba);
    let c = e.get_certificate("ab12", "0AFF").unwrap();
    assert_eq!(c.revoked_at_us, Some(1_500));
    assert_eq!(c.der, vec![0x30, 0x82, 0x01]);
    assert_eq!(e.certificates_of(alice_id).len(), 2);
    assert_eq!(cat.certificates().count(), 3);
    assert_eq!(e.revoke_user_certificates(alice_id, 3_000).unwrap(), 1);
    assert!(
        e.certificates_of(alice_id)
            .iter()
            .all(|c| c.revoked_at_us.is_some())
    );
    assert!(e.get_certificate("ab12", "99").is_none());
    assert_eq!(
        e.revoke_certificate("ab12", "99", 1).unwrap_err().code(),
        "S105"
    );
}

#[test]
fn recreated_user_gets_a_new_id_and_not_the_old_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let a = e.create_user(&alice()).unwrap();
    e.put_certificate(cert(a.id, "01")).unwrap();
    e.revoke_user_certificates(a.id, 5).unwrap();
    e.drop_user(a.id).unwrap();
    // The record stays (revocation lists, audit) but names the old id.
    let old = e.get_certificate("ab12", "01").unwrap();
    assert_eq!(old.user, a.id);
    assert_eq!(old.revoked_at_us, Some(5));
    assert!(e.catalog().user(old.user).is_none());
    assert!(e.catalog().user_by_name("alice").is_none());
    let a2 = e.create_user(&alice()).unwrap();
    assert_ne!(a.id, a2.id);
    assert!(e.certificates_of(a2.id).is_empty());
    // Issuers may be long (hex of a DER name), within the documented limit.
    let mut long = cert(a2.id, "02");
    long.issuer_key_id = "ab".repeat(300);
    e.put_certificate(long).unwrap();
    let mut too_long = cert(a2.id, "03");
    too_long.issuer_key_id = "a".repeat(1025);
    assert_eq!(e.put_certificate(too_long).unwrap_err().code(), "S100");
    drop(e);
    let e = open(dir.path());
    assert_eq!(e.catalog().user_by_name("alice").unwrap().id, a2.id);
    assert!(e.catalog().user(a.id).is_none());
}

#[test]
fn bad_catalog_input_is_refused_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let e = open(dir.path());
    let mut bad = alice();
    bad.allowed_ips = vec!["10.0.0.0/40".into()];
    let err = e.create_user(&bad).unwrap_err();
    assert_eq!(err.code(), "S100");
    assert!(err.to_string().contains("10.0.0.0/40"), "{err}");
    bad = alice();
    bad.name = "no spaces".into();
    assert_eq!(e.create_user(&bad).unwrap_err().code(), "S100");
    let a = e.create_user(&alice()).unwrap();
    assert_eq!(
        e.put_certificate(cert(a.id, "xyz")).unwrap_err().code(),
        "S100"
    );
    assert_eq!(
        e.put_certificate(cert(UserId(999), "01"))
            .unwrap_err()
            .code(),
        "S104"
    );
    let mut c = cert(a.id, "01");
    c.not_before_us = 5_000;
    assert_eq!(e.put_certificate(c).unwrap_err().code(), "S100");
    assert_eq!(
        e.alter_user(UserId(999), &UserChange::default())
            .unwrap_err()
            .code(),
        "S104"
    );
}

fn spec(ns: &str, name: &str, kind: TableKind) -> TableSpec {
    TableSpec {
        namespace: ns.into(),
        name: name.into(),
        kind,
        columns: vec![
            ColumnSpec::new("id", DataType::Int64, false),
            ColumnSpec::new("body", DataType::Text, true),
        ],
        primary_key: vec!["id".into()],
        options: TableOptions::default(),
    }
}

#[test]
fn tables_namespaces_and_schema_versions() {
    let dir = tempfile::tempdir().unwrap();
    let table_id;
    {
        let e = open(dir.path());
        assert_eq!(
            e.create_table(&spec("chat", "messages", TableKind::User))
                .unwrap_err()
                .code(),
            "S101"
        );
        e.create_namespace("chat").unwrap();
        let t = e
            .create_table(&spec("chat", "messages", TableKind::User))
            .unwrap();
        table_id = t.id;
        assert_eq!(t.schema_version, 1);
        let g = e.catalog().generation();
        let mut col = ColumnSpec::new("stars", DataType::Int32, false);
        col.backfill = ScalarValue::Int64(0);
        let t2 = e.alter_table(t.id, &AlterTable::AddColumn(col)).unwrap();
        assert_eq!(t2.schema_version, 2);
        assert_eq!(t2.column_by_name("stars").unwrap().id, ColumnId(3));
        assert_eq!(
            t2.column_by_name("stars").unwrap().backfill,
            ScalarValue::Int32(0)
        );
        assert!(e.catalog().generation() > g);
        // A not-null column without a backfill is refused.
        let err = e
            .alter_table(
                t.id,
                &AlterTable::AddColumn(ColumnSpec::new("x", DataType::Int32, false)),
            )
            .unwrap_err();
        assert_eq!(err.code(), "S100");
        e.alter_table(
            t.id,
            &AlterTable::RenameColumn {
                from: "body".into(),
                to: "text".into(),
            },
        )
        .unwrap();
        assert_eq!(
            e.alter_table(t.id, &AlterTable::DropColumn("id".into()))
                .unwrap_err()
                .code(),
            "S100"
        );
        let mut stream = spec("chat", "typing", TableKind::Stream);
        assert_eq!(e.create_table(&stream).unwrap_err().code(), "S100");
        stream.options.ttl_secs = Some(60);
        e.create_table(&stream).unwrap();
        assert_eq!(e.drop_namespace("chat").unwrap_err().code(), "S124");
    }
    let e = open(dir.path());
    let cat = e.catalog();
    let t = cat.table_by_name("chat", "messages").unwrap();
    assert_eq!(t.id, table_id);
    assert_eq!(t.schema_version, 3);
    assert!(t.column_by_name("text").is_some());
    assert_eq!(t.kind, TableKind::User);
    assert_eq!(cat.tables_in("chat").count(), 2);
    e.drop_table(t.id).unwrap();
    let typing = e.catalog().table_by_name("chat", "typing").unwrap().id;
    e.drop_table(typing).unwrap();
    e.drop_namespace("chat").unwrap();
    assert!(e.catalog().namespace("chat").is_none());
}

#[test]
fn unknown_format_versions_are_refused_naming_the_version() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    std::fs::write(dir.path().join("FORMAT"), "kalavar-storage 99\n").unwrap();
    let err = Engine::open(dir.path(), EngineOptions::default())
        .err()
        .unwrap();
    assert_eq!(err.code(), "S201");
    assert!(err.to_string().contains("version 99"), "{err}");
    let other = tempfile::tempdir().unwrap();
    std::fs::write(other.path().join("something"), "x").unwrap();
    let err = Engine::open(other.path(), EngineOptions::default())
        .err()
        .unwrap();
    assert_eq!(err.code(), "S201");
}

#[test]
fn a_second_open_of_the_same_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let _e = open(dir.path());
    let err = Engine::open(dir.path(), EngineOptions::default())
        .err()
        .unwrap();
    assert_eq!(err.code(), "S202", "{err}");
}
