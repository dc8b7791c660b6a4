//! Round trips for every message, and the decoder's behaviour on hostile bytes.

use proptest::prelude::*;

use super::*;
use crate::error::ProtocolError;
use crate::net::parse_list;
use crate::role::Role;

fn client_samples() -> Vec<ClientMessage> {
    let params = vec![
        Param {
            name: String::new(),
            value: Value::Int(7),
        },
        Param {
            name: "who".into(),
            value: Value::Text("alice".into()),
        },
        Param {
            name: "n".into(),
            value: Value::Null,
        },
        Param {
            name: "b".into(),
            value: Value::Bool(true),
        },
        Param {
            name: "f".into(),
            value: Value::Float(-0.5),
        },
        Param {
            name: "raw".into(),
            value: Value::Bytes(vec![0, 1, 2]),
        },
        Param {
            name: "ts".into(),
            value: Value::Timestamp(1_700_000_000_000_000),
        },
        Param {
            name: "u".into(),
            value: Value::Uuid([9; 16]),
        },
        Param {
            name: "d".into(),
            value: Value::Decimal {
                unscaled: -12345,
                precision: 10,
                scale: 2,
            },
        },
        Param {
            name: "day".into(),
            value: Value::Date(-3),
        },
        Param {
            name: "t".into(),
            value: Value::Time(86_399_999_999),
        },
        Param {
            name: "dur".into(),
            value: Value::Duration(-5),
        },
        Param {
            name: "j".into(),
            value: Value::Json("{\"a\": 1}".into()),
        },
    ];
    let nets = parse_list("10.0.0.5, 10.0.1.0/24, ::1, fd00::/8").unwrap();
    vec![
        ClientMessage::Hello {
            min_version: 1,
            max_version: 3,
            opcode_set: 2,
            features: 5,
            client: "kalavar 0.1".into(),
        },
        ClientMessage::Execute {
            request: 1,
            plan: vec![1, 2, 3],
            params: params.clone(),
        },
        ClientMessage::Query {
            request: 2,
            language: Language::Sql,
            text: "SELECT 1".into(),
            params: params.clone(),
        },
        ClientMessage::ExecuteCached {
            request: 17,
            hash: [0xAB; 32],
            params,
        },
        ClientMessage::CatalogFetch {
            request: 3,
            known_generation: 42,
        },
        ClientMessage::Subscribe {
            request: 4,
            statement: Statement::Plan(vec![5]),
            params: vec![],
        },
        ClientMessage::Subscribe {
            request: 5,
            statement: Statement::Text {
                language: Language::Kql,
                text: "from t".into(),
            },
            params: vec![],
        },
        ClientMessage::Unsubscribe {
            request: 6,
            subscription: 99,
        },
        ClientMessage::Cancel { request: 4 },
        ClientMessage::Ping { nonce: u64::MAX },
        ClientMessage::Goodbye,
        ClientMessage::Admin {
            request: 7,
            admin: AdminRequest::CreateUser {
                name: "alice".into(),
                role: Role::User,
                allow: nets.clone(),
            },
        },
        ClientMessage::Admin {
            request: 8,
            admin: AdminRequest::AlterUser {
                name: "alice".into(),
                role: Some(Role::Dba),
                enabled: Some(false),
                allow: Some(vec![]),
            },
        },
        ClientMessage::Admin {
            request: 9,
            admin: AdminRequest::AlterUser {
                name: "bob".into(),
                role: None,
                enabled: None,
                allow: None,
            },
        },
        ClientMessage::Admin {
            request: 10,
            admin: AdminRequest::DropUser {
                name: "alice".into(),
            },
        },
        ClientMessage::Admin {
            request: 11,
            admin: AdminRequest::IssueCertificate {
                user: "alice".into(),
                csr: vec![0x30, 0],
                addresses: nets,
                valid_days: 90,
            },
        },
        ClientMessage::Admin {
            request: 12,
            admin: AdminRequest::RevokeCertificate {
                serial: "0a1b".into(),
            },
        },
        ClientMessage::Admin {
            request: 13,
            admin: AdminRequest::RevokeCertificatesFor {
                user: "alice".into(),
            },
        },
        ClientMessage::Admin {
            request: 14,
            admin: AdminRequest::ListUsers,
        },
        ClientMessage::Admin {
            request: 15,
            admin: AdminRequest::ListCertificates {
                user: Some("alice".into()),
            },
        },
        ClientMessage::Admin {
            request: 16,
            admin: AdminRequest::ListCertificates { user: None },
        },
        ClientMessage::Load {
            request: 17,
            table: "shop.items".into(),
            mode: LoadMode::Insert,
            arrow_ipc: vec![1, 2, 3],
        },
        ClientMessage::Load {
            request: 18,
            table: "shop.items".into(),
            mode: LoadMode::Upsert,
            arrow_ipc: Vec::new(),
        },
    ]
}

fn server_samples() -> Vec<ServerMessage> {
    let user = UserInfo {
        id: 3,
        name: "alice".into(),
        role: Role::Service,
        enabled: true,
        allow: parse_list("10.0.0.0/8").unwrap(),
    };
    let cert = CertInfo {
        serial: "7f".into(),
        user: "alice".into(),
        not_before: 1,
        not_after: 2,
        addresses: parse_list("127.0.0.1").unwrap(),
        revoked_at: Some(3),
    };
    vec![
        ServerMessage::Welcome(Welcome {
            version: 1,
            opcode_set: 1,
            features: 0,
            server: "kalavard 0.1".into(),
            session: 12,
            user: "root".into(),
            user_id: 1,
            role: Role::Root,
            catalog_generation: 77,
            max_frame_bytes: 1 << 24,
        }),
        ServerMessage::Batch {
            request: 1,
            arrow_ipc: vec![1, 2],
        },
        ServerMessage::Complete {
            request: 1,
            rows_affected: 3,
        },
        ServerMessage::Row {
            request: 9,
            columns: vec![
                ("id".into(), "int64".into()),
                ("price".into(), "decimal(10, 2)".into()),
            ],
            values: vec![
                Value::Int(7),
                Value::Decimal {
                    unscaled: 1999,
                    precision: 10,
                    scale: 2,
                },
            ],
        },
        ServerMessage::error(0, "P001", "too big"),
        ServerMessage::Error {
            request: 2,
            code: "K001".into(),
            message: "bad".into(),
            span: Some(ErrorSpan { start: 1, end: 4 }),
        },
        ServerMessage::Catalog {
            request: 3,
            generation: 9,
            body: b"{}".to_vec(),
        },
        ServerMessage::Subscribed {
            request: 4,
            subscription: 8,
        },
        ServerMessage::Change {
            subscription: 8,
            kind: ChangeKind::Delete,
            arrow_ipc: vec![],
        },
        ServerMessage::Pong { nonce: 5 },
        ServerMessage::Goodbye {
            code: "A008".into(),
            message: "revoked".into(),
        },
        ServerMessage::AdminResult {
            request: 5,
            result: AdminResponse::Done {
                message: "ok".into(),
            },
        },
        ServerMessage::AdminResult {
            request: 6,
            result: AdminResponse::User(user.clone()),
        },
        ServerMessage::AdminResult {
            request: 7,
            result: AdminResponse::Certificate {
                info: cert.clone(),
                cert_pem: "PEM".into(),
                ca_pem: "CA".into(),
            },
        },
        ServerMessage::AdminResult {
            request: 8,
            result: AdminResponse::Revoked {
                serials: vec!["01".into(), "02".into()],
            },
        },
        ServerMessage::AdminResult {
            request: 9,
            result: AdminResponse::Users(vec![user]),
        },
        ServerMessage::AdminResult {
            request: 10,
            result: AdminResponse::Certificates(vec![cert]),
        },
    ]
}

#[test]
fn every_client_message_round_trips() {
    for msg in client_samples() {
        let body = msg.encode_body();
        assert_eq!(ClientMessage::decode(&body).unwrap(), msg);
        assert_eq!(&msg.encode()[4..], &body[..]);
    }
}

#[test]
fn every_server_message_round_trips() {
    for msg in server_samples() {
        assert_eq!(ServerMessage::decode(&msg.encode_body()).unwrap(), msg);
    }
}

#[test]
fn frames_appended_to_a_buffer_are_the_frames_encode_makes() {
    let mut out = vec![0xAA];
    let mut expected = vec![0xAA];
    for msg in server_samples() {
        msg.encode_into(&mut out);
        expected.extend(crate::frame::frame(&msg.encode_body()));
        if let ServerMessage::Row {
            request,
            columns,
            values,
        } = &msg
        {
            ServerMessage::encode_row_into(&mut out, *request, columns, values);
            expected.extend(msg.encode());
        }
    }
    assert_eq!(out, expected);
}

#[test]
fn a_row_read_borrowed_is_the_row_decode_reads() {
    for msg in server_samples() {
        let body = msg.encode_body();
        let borrowed = ServerMessage::decode_row(&body).unwrap();
        match &msg {
            ServerMessage::Row {
                request,
                columns,
                values,
            } => {
                let row = borrowed.expect("a Row");
                assert_eq!(row.request, *request);
                let owned: Vec<(String, String)> = row
                    .columns
                    .iter()
                    .map(|(n, t)| (n.to_string(), t.to_string()))
                    .collect();
                assert_eq!(&owned, columns);
                assert_eq!(&row.values, values);
                // Cut or extended, it fails as decode fails.
                for cut in 1..body.len() {
                    let a = ServerMessage::decode_row(&body[..cut]).unwrap_err();
                    let b = ServerMessage::decode(&body[..cut]).unwrap_err();
                    assert_eq!(a.to_string(), b.to_string());
                }
                let mut longer = body.clone();
                longer.push(0);
                assert_eq!(
                    ServerMessage::decode_row(&longer).unwrap_err().to_string(),
                    ServerMessage::decode(&longer).unwrap_err().to_string()
                );
            }
            _ => assert!(borrowed.is_none(), "{msg:?}"),
        }
    }
}

#[test]
fn an_execute_cached_appended_to_a_buffer_is_the_message_encode_makes() {
    let mut out = vec![1, 2];
    let mut expected = vec![1, 2];
    for msg in client_samples() {
        if let ClientMessage::ExecuteCached {
            request,
            hash,
            params,
        } = &msg
        {
            ClientMessage::encode_execute_cached_into(&mut out, *request, hash, params);
            expected.extend(msg.encode());
        }
    }
    assert!(expected.len() > 2, "no ExecuteCached sample");
    assert_eq!(out, expected);
}

#[test]
fn every_truncation_and_extension_is_an_error() {
    for msg in client_samples() {
        let body = msg.encode_body();
        for cut in 0..body.len() {
            let err = ClientMessage::decode(&body[..cut]).unwrap_err();
            assert_eq!(
                err.code(),
                crate::codes::MALFORMED_MESSAGE,
                "{} cut at {cut}: {err}",
                msg.name()
            );
        }
        let mut longer = body.clone();
        longer.push(0);
        assert!(matches!(
            ClientMessage::decode(&longer),
            Err(ProtocolError::TrailingBytes { .. })
        ));
    }
    for msg in server_samples() {
        let body = msg.encode_body();
        for cut in 0..body.len() {
            assert!(
                ServerMessage::decode(&body[..cut]).is_err(),
                "{} cut at {cut}",
                msg.name()
            );
        }
    }
}

#[test]
fn unknown_types_and_crossed_directions_are_refused() {
    assert!(matches!(
        ClientMessage::decode(&[0xEE]),
        Err(ProtocolError::UnknownMessage { tag: 0xEE })
    ));
    let pong = ServerMessage::Pong { nonce: 1 }.encode_body();
    assert!(matches!(
        ClientMessage::decode(&pong),
        Err(ProtocolError::UnknownMessage { .. })
    ));
}

#[test]
fn a_frame_is_the_length_prefix_and_the_body() {
    for m in client_samples() {
        let body = m.encode_body();
        assert_eq!(m.encode(), crate::frame::frame(&body), "{}", m.name());
    }
}

#[test]
fn a_load_with_an_unknown_mode_is_refused() {
    let mut body = ClientMessage::Load {
        request: 1,
        table: "a.b".into(),
        mode: LoadMode::Insert,
        arrow_ipc: vec![],
    }
    .encode_body();
    // type, request (4), table length (4) + "a.b", then the mode byte.
    body[1 + 4 + 4 + 3] = 7;
    let err = ClientMessage::decode(&body).unwrap_err();
    assert!(err.to_string().contains("load mode"), "{err}");
}

#[test]
fn a_lying_parameter_count_does_not_allocate() {
    // Execute, request 1, empty plan, then a parameter count of u32::MAX and no bytes.
    let body = [0x02, 0, 0, 0, 1, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
    let err = ClientMessage::decode(&body).unwrap_err();
    assert!(err.to_string().contains("parameters"), "{err}");
}

#[test]
fn values_out_of_their_domain_are_refused() {
    let encode = |value: Value| {
        ClientMessage::Execute {
            request: 1,
            plan: vec![],
            params: vec![Param {
                name: "x".into(),
                value,
            }],
        }
        .encode_body()
    };
    for (value, what) in [
        (
            Value::Decimal {
                unscaled: 1000,
                precision: 3,
                scale: 0,
            },
            "more than 3 digits",
        ),
        (
            Value::Decimal {
                unscaled: 1,
                precision: 39,
                scale: 0,
            },
            "precision",
        ),
        (
            Value::Decimal {
                unscaled: 1,
                precision: 2,
                scale: 3,
            },
            "precision",
        ),
        (Value::Time(86_400_000_000), "time of day"),
        (Value::Time(-1), "time of day"),
    ] {
        let err = ClientMessage::decode(&encode(value.clone())).unwrap_err();
        assert!(err.to_string().contains(what), "{value:?}: {err}");
    }
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = ClientMessage::decode(&bytes);
        let _ = ServerMessage::decode(&bytes);
    }

    #[test]
    fn mutated_messages_never_panic(index in 0usize..20, pos in any::<usize>(), byte in any::<u8>()) {
        let samples = client_samples();
        let mut body = samples[index % samples.len()].encode_body();
        let at = pos % body.len();
        body[at] = byte;
        let _ = ClientMessage::decode(&body);
    }
}
