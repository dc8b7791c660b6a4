//! Bulk load over real mTLS: CSV through the client library's pipelined loader
//! (`Client::load_csv`, what `kalavar load` runs) and hand-made `Load` messages sent
//! straight to the server. A few thousand rows arrive whole; a per-user table keeps
//! each loader's rows in their own partition; bad input — a wrong column count, a
//! value of the wrong type, a duplicate key, an oversized batch, a batch whose schema
//! lies — is refused with an error naming the column or row, and writes nothing.

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use kalavar::client::{Client, ClientError, LoadMode, LoadOptions};
use kalavar_protocol::{ClientMessage, Role, ipc};
use kalavar_tests::TestServer;
use kalavar_tests::harness::connect_from;

#[track_caller]
fn run(client: &mut Client, text: &str) {
    if let Err(e) = client.query(text, &[]) {
        panic!("`{text}` failed: {e}");
    }
}

/// `count()` and `sum(v)` of a table, as text.
fn count_sum(client: &mut Client, table: &str) -> (String, String) {
    let r = client
        .query_one(
            &format!("from {table} | aggregate n = count(), s = sum(v)"),
            &[],
        )
        .unwrap();
    let row = &r.rows()[0];
    (row[0].clone(), row[1].clone())
}

fn options(batch_rows: usize) -> LoadOptions {
    LoadOptions {
        batch_rows,
        ..LoadOptions::default()
    }
}

/// Sends one `Load` of `batch` (any schema) and returns the server's answer.
fn raw_load(client: &mut Client, table: &str, batch: &RecordBatch) -> Result<u64, ClientError> {
    let bytes = ipc::encode_batches(&batch.schema(), std::slice::from_ref(batch)).unwrap();
    raw_load_bytes(client, table, bytes)
}

fn raw_load_bytes(client: &mut Client, table: &str, bytes: Vec<u8>) -> Result<u64, ClientError> {
    let request = client.next_request();
    match client.request(&ClientMessage::Load {
        request,
        table: table.into(),
        mode: LoadMode::Insert,
        arrow_ipc: bytes,
    })? {
        kalavar_protocol::ServerMessage::Complete { rows_affected, .. } => Ok(rows_affected),
        other => panic!("unexpected answer {}", other.name()),
    }
}

fn batch(fields: Vec<(&str, DataType)>, columns: Vec<ArrayRef>) -> RecordBatch {
    let schema = Schema::new(
        fields
            .into_iter()
            .map(|(n, t)| Field::new(n, t, true))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(Arc::new(schema), columns).unwrap()
}

#[track_caller]
fn expect_code(r: Result<impl std::fmt::Debug, ClientError>, code: &str, words: &[&str]) {
    let e = r.expect_err("should be refused");
    assert_eq!(e.code(), Some(code), "{e}");
    let text = e.to_string();
    for w in words {
        assert!(text.contains(w), "`{w}` not in: {text}");
    }
}

#[test]
fn a_few_thousand_rows_arrive_whole_in_pipelined_batches() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut root = ts.root_client();
    run(
        &mut root,
        "create namespace bulk;
         create shared table bulk.kv (id int64 key, v int64 not null, name text, at timestamp, ok bool);",
    );
    let rows = 5_000i64;
    let mut csv = String::from("id,v,name,at,ok\n");
    for id in 1..=rows {
        let name = match id % 3 {
            0 => "\"with, comma\"".to_owned(),
            1 => String::new(), // null
            _ => format!("n{id}"),
        };
        csv.push_str(&format!(
            "{id},{},{name},2024-05-01 12:00:{:02},{}\n",
            id * 7,
            id % 60,
            id % 2 == 0
        ));
    }
    // 700-row batches, three in flight: eight transactions, pipelined.
    let report = root
        .load_csv("bulk.kv", csv.as_bytes(), &options(700))
        .unwrap();
    assert_eq!(report.rows, rows as u64);
    assert_eq!(report.batches, 8);
    let (n, s) = count_sum(&mut root, "bulk.kv");
    assert_eq!(n, rows.to_string());
    assert_eq!(s, (7 * rows * (rows + 1) / 2).to_string());
    let r = root
        .query_one("from bulk.kv | where id == 3 | select name, ok", &[])
        .unwrap();
    assert_eq!(
        r.rows(),
        vec![vec!["with, comma".to_string(), "false".into()]]
    );
    let r = root
        .query_one("from bulk.kv | where id == 4 | select name, at", &[])
        .unwrap();
    assert_eq!(r.rows()[0][0], "null");
    assert!(r.rows()[0][1].contains("2024-05-01"), "{:?}", r.rows());

    // Upsert replaces; insert of the same keys fails and changes nothing.
    let again = "id,v\n1,100\n2,200\n";
    expect_code(
        root.load_csv("bulk.kv", again.as_bytes(), &options(10)),
        "S111",
        &["duplicate primary key", "input lines 2–3", "0 rows written"],
    );
    let upsert = LoadOptions {
        mode: LoadMode::Upsert,
        ..options(10)
    };
    // (A byte order mark before the header, as spreadsheets write, is skipped.)
    let with_bom = format!("\u{feff}{again}");
    assert_eq!(
        root.load_csv("bulk.kv", with_bom.as_bytes(), &upsert)
            .unwrap()
            .rows,
        2
    );
    let r = root
        .query_one(
            "from bulk.kv | where id <= 2 | sort id | select v, name",
            &[],
        )
        .unwrap();
    assert_eq!(
        r.rows(),
        vec![
            vec!["100".to_string(), "null".into()],
            vec!["200".into(), "null".into()]
        ]
    );
}

#[test]
fn each_user_loads_into_their_own_partition() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut root = ts.root_client();
    run(
        &mut root,
        "create namespace notes; create user table notes.n (id int64 key, v int64);",
    );
    let mut alice = connect_from(&ts.user("alice", Role::User, "127.0.0.1").profile, None).unwrap();
    let mut bob = connect_from(&ts.user("bob", Role::User, "127.0.0.1").profile, None).unwrap();
    let csv = |n: i64, mul: i64| {
        let mut s = String::from("id,v\n");
        for id in 1..=n {
            s.push_str(&format!("{id},{}\n", id * mul));
        }
        s
    };
    // The same keys for both: each partition holds its own.
    alice
        .load_csv("notes.n", csv(300, 1).as_bytes(), &options(100))
        .unwrap();
    bob.load_csv("n", csv(120, 10).as_bytes(), &options(50))
        .unwrap();
    assert_eq!(
        count_sum(&mut alice, "notes.n"),
        ("300".into(), "45150".into())
    );
    assert_eq!(
        count_sum(&mut bob, "notes.n"),
        ("120".into(), "72600".into())
    );
    // Root's own partition is empty: nothing was written for anybody else.
    assert_eq!(count_sum(&mut root, "notes.n").0, "0");
}

#[test]
fn bad_input_is_refused_by_name_and_writes_nothing() {
    let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut root = ts.root_client();
    run(
        &mut root,
        "create namespace bad;
         create shared table bad.t (id int64 key, v int64 not null, name text);
         create shared table bad.ro (id int64 key, v int64) with (access = read_only);
         insert into bad.t {id: 1, v: 1, name: \"one\"};",
    );
    let before = count_sum(&mut root, "bad.t");

    // CSV checked on the client: field counts, types, header names. Nothing of the
    // file is sent when its first batch is bad.
    let bad_csv = [
        (
            "id,v,name\n2,2,x\n3,3\n",
            &["line 3", "2 field(s), expected 3"][..],
        ),
        (
            "id,v,name\n2,2,x\n3,abc,y\n",
            &["line 3", "column `v`", "`abc`", "int64"],
        ),
        ("id,v,nope\n2,2,x\n", &["`nope` is not a column of bad.t"]),
        ("id,name\n2,x\n", &["column `v`", "takes no null"]),
        (
            "id,v,name\n2,,x\n",
            &["line 2", "column `v`", "takes no null"],
        ),
    ];
    for (csv, words) in bad_csv {
        let e = root
            .load_csv("bad.t", csv.as_bytes(), &options(10))
            .expect_err(csv);
        let text = e.to_string();
        for w in words {
            assert!(text.contains(w), "`{w}` not in: {text}");
        }
        if let ClientError::Load { rows_written, .. } = e {
            assert_eq!(rows_written, 0, "{text}");
        }
        assert_eq!(count_sum(&mut root, "bad.t"), before, "{csv}");
    }

    // A duplicate key inside one batch, or one that exists: S111, nothing written.
    expect_code(
        root.load_csv("bad.t", "id,v\n5,5\n6,6\n5,7\n".as_bytes(), &options(10)),
        "S111",
        &["twice in the same load"],
    );
    expect_code(
        root.load_csv("bad.t", "id,v\n7,7\n1,1\n".as_bytes(), &options(10)),
        "S111",
        &["duplicate primary key"],
    );
    assert_eq!(count_sum(&mut root, "bad.t"), before);

    // A later batch fails: the batches before it stay, whole, and the error says so.
    let e = root
        .load_csv(
            "bad.t",
            "id,v\n10,1\n11,1\n12,1\n13,1\n1,1\n".as_bytes(),
            &LoadOptions {
                in_flight: 1,
                ..options(2)
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), Some("S111"), "{e}");
    let ClientError::Load {
        rows_written, at, ..
    } = &e
    else {
        panic!("{e:?}")
    };
    assert_eq!((*rows_written, at.as_str()), (4, "input lines 6–6"), "{e}");
    run(&mut root, "from bad.t | where id >= 10 | delete");

    // Pipelined: batches already sent after the refused one are answered and
    // committed; the error counts them and names their lines.
    let e = root
        .load_csv(
            "bad.t",
            "id,v
10,1
11,1
1,1
12,1
13,1
14,1
"
            .as_bytes(),
            &LoadOptions {
                in_flight: 8,
                ..options(1)
            },
        )
        .unwrap_err();
    assert_eq!(e.code(), Some("S111"), "{e}");
    let ClientError::Load {
        rows_written,
        at,
        also_written,
        ..
    } = &e
    else {
        panic!("{e:?}")
    };
    let written = root
        .query_one("from bad.t | where id >= 10 | aggregate n = count()", &[])
        .unwrap()
        .rows();
    assert_eq!(written, vec![vec![rows_written.to_string()]], "{e}");
    assert_eq!(at, "input lines 4–4", "{e}");
    let after: u64 = also_written.len() as u64;
    assert_eq!(*rows_written, 2 + after, "{e}");
    assert!(
        after == 0
            || e.to_string()
                .contains("including batches sent after it: input lines 5–5"),
        "{e}"
    );
    run(&mut root, "from bad.t | where id >= 10 | delete");

    // Hand-made batches: the server checks every one against the table.
    let ids = || Arc::new(Int64Array::from(vec![20, 21])) as ArrayRef;
    let names = || Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef;
    expect_code(
        raw_load(
            &mut root,
            "bad.t",
            &batch(
                vec![("id", DataType::Int64), ("v", DataType::Int64)],
                vec![ids(), ids()],
            ),
        ),
        "P013",
        &["3 column(s)", "the load batch has 2"],
    );
    expect_code(
        raw_load(
            &mut root,
            "bad.t",
            &batch(
                vec![
                    ("id", DataType::Int64),
                    ("v", DataType::Utf8),
                    ("name", DataType::Utf8),
                ],
                vec![ids(), names(), names()],
            ),
        ),
        "P013",
        &["column `v`", "Utf8", "int64"],
    );
    expect_code(
        raw_load(
            &mut root,
            "bad.t",
            &batch(
                vec![
                    ("id", DataType::Int64),
                    ("name", DataType::Utf8),
                    ("v", DataType::Int64),
                ],
                vec![ids(), names(), ids()],
            ),
        ),
        "P013",
        &["column 2 of the load batch is `name`"],
    );
    expect_code(
        raw_load(
            &mut root,
            "bad.t",
            &batch(
                vec![
                    ("id", DataType::Int64),
                    ("v", DataType::Int64),
                    ("name", DataType::Utf8),
                ],
                vec![
                    ids(),
                    Arc::new(Int64Array::from(vec![Some(1), None])),
                    names(),
                ],
            ),
        ),
        "S121",
        &["`v`", "row 2 of the load"],
    );
    expect_code(
        raw_load_bytes(&mut root, "bad.t", b"not arrow at all".to_vec()),
        "P013",
        &["not an Arrow IPC stream"],
    );
    expect_code(
        raw_load(
            &mut root,
            "bad.nope",
            &batch(vec![("id", DataType::Int64)], vec![ids()]),
        ),
        "P013",
        &["unknown table bad.nope"],
    );
    let big = kalavar_protocol::limits::MAX_LOAD_ROWS as i64 + 1;
    let many = || Arc::new(Int64Array::from_iter_values(0..big)) as ArrayRef;
    expect_code(
        raw_load(
            &mut root,
            "bad.t",
            &batch(
                vec![
                    ("id", DataType::Int64),
                    ("v", DataType::Int64),
                    ("name", DataType::Utf8),
                ],
                vec![
                    many(),
                    many(),
                    Arc::new(StringArray::from(vec![None::<&str>; big as usize])),
                ],
            ),
        ),
        "P013",
        &["at most 100000 rows"],
    );
    // Inside a transaction a load is refused: it is a transaction of its own.
    run(&mut root, "begin");
    expect_code(
        root.load_csv("bad.t", "id,v\n30,1\n".as_bytes(), &options(10)),
        "P013",
        &["inside begin"],
    );
    run(&mut root, "rollback");
    assert_eq!(count_sum(&mut root, "bad.t"), before);

    // A user may not load into a read-only shared table; the session goes on.
    let mut carol = connect_from(&ts.user("carol", Role::User, "127.0.0.1").profile, None).unwrap();
    expect_code(
        carol.load_csv("bad.ro", "id,v\n1,1\n".as_bytes(), &options(10)),
        "A009",
        &["may not write bad.ro"],
    );
    assert_eq!(count_sum(&mut carol, "bad.ro").0, "0");
    assert_eq!(count_sum(&mut root, "bad.ro").0, "0");
    // The sessions are still usable after every refusal.
    assert_eq!(count_sum(&mut root, "bad.t"), before);
}

/// `hot_rows` and `cold_rows` of `table` in `system.stats`.
fn tiers(client: &mut Client, table: &str) -> (String, String) {
    (
        stat(client, table, "hot_rows"),
        stat(client, table, "cold_rows"),
    )
}

/// One figure of `system.stats`: of a table, or server-wide (`scope` empty).
fn stat(client: &mut Client, scope: &str, name: &str) -> String {
    let filter = if scope.is_empty() {
        format!("name == \"{name}\"")
    } else {
        format!("scope == \"{scope}\" && name == \"{name}\"")
    };
    let answer = client
        .query(
            &format!("from system.stats | where {filter} | select value"),
            &[],
        )
        .unwrap();
    let rows = answer.last().map(|r| r.rows()).unwrap_or_default();
    assert_eq!(rows.len(), 1, "{scope} {name} in system.stats: {rows:?}");
    rows[0][0].clone()
}

fn ids_csv(ids: impl Iterator<Item = i64>, v: impl Fn(i64) -> i64) -> String {
    let mut csv = String::from("id,v\n");
    for id in ids {
        csv.push_str(&format!("{id},{}\n", v(id)));
    }
    csv
}

/// Batches of 10,000 rows with durable commits are written by ingesting a table file
/// (storage's bulk path); they survive a restart, count as hot in `system.stats`,
/// refuse keys that exist hot or cold, and upsert over cold rows.
#[test]
fn large_durable_batches_survive_a_restart_and_are_checked_hot_and_cold() {
    let mut ts = TestServer::start(&["127.0.0.1:0"], |_| {});
    let mut root = ts.root_client();
    run(
        &mut root,
        "create namespace big; create shared table big.kv (id int64 key, v int64 not null)",
    );
    let csv = ids_csv(1..=30_000, |id| id * 3);
    let report = root
        .load_csv("big.kv", csv.as_bytes(), &options(10_000))
        .unwrap();
    assert_eq!((report.rows, report.batches), (30_000, 3));
    let sum = (3 * 30_000i64 * 30_001 / 2).to_string();
    assert_eq!(
        count_sum(&mut root, "big.kv"),
        ("30000".into(), sum.clone())
    );
    assert_eq!(tiers(&mut root, "big.kv"), ("30000".into(), "0".into()));
    assert_eq!(
        stat(&mut root, "", "loads_ingested"),
        "3",
        "each 10,000-row batch is ingested"
    );

    drop(root);
    ts.restart(|_| {});
    let mut root = ts.root_client();
    assert_eq!(
        count_sum(&mut root, "big.kv"),
        ("30000".into(), sum.clone())
    );
    assert_eq!(tiers(&mut root, "big.kv"), ("30000".into(), "0".into()));

    // Key 30000 is hot: the whole batch is refused.
    let clash = ids_csv(30_000..40_000, |id| id);
    expect_code(
        root.load_csv("big.kv", clash.as_bytes(), &options(50_000)),
        "S111",
        &["30000", "0 rows written"],
    );
    run(&mut root, "flush table big.kv");
    assert_eq!(tiers(&mut root, "big.kv"), ("0".into(), "30000".into()));
    // Key 25000 is cold only.
    let clash = ids_csv(25_000..35_000, |id| id);
    expect_code(
        root.load_csv("big.kv", clash.as_bytes(), &options(50_000)),
        "S111",
        &["25000", "0 rows written"],
    );
    assert_eq!(count_sum(&mut root, "big.kv"), ("30000".into(), sum));
    // Upsert over cold rows and new keys.
    let upsert = LoadOptions {
        mode: LoadMode::Upsert,
        ..options(50_000)
    };
    let csv = ids_csv(25_001..=35_000, |_| 1);
    assert_eq!(
        root.load_csv("big.kv", csv.as_bytes(), &upsert)
            .unwrap()
            .rows,
        10_000
    );
    let kept: i64 = 3 * 25_000 * 25_001 / 2;
    assert_eq!(
        count_sum(&mut root, "big.kv"),
        ("35000".into(), (kept + 10_000).to_string())
    );
    assert_eq!(
        stat(&mut root, "", "loads_ingested"),
        "1",
        "the upsert was ingested too (counted since the restart)"
    );
}
