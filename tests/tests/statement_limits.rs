//! Per-statement limits and cancel over real mTLS against a real server: rows
//! returned (`limits.query_max_rows`, `X011`), memory held (`limits.query_memory_mb`,
//! `X010`, including a join that fans out), time (`limits.query_timeout_s`, `X012`),
//! and a client's `Cancel` stopping a running statement between batches (`P009`).
//! After each the session answers the next statement.

use std::time::{Duration, Instant};

use kalavar::client::{Client, ClientError};
use kalavar_server::config::Config;
use kalavar_tests::TestServer;

/// A server with `tweak`ed limits, and root's session on it holding `big.t`: 65,536
/// rows whose `g` takes 64 values (so a self-join on `g` has 67 million pairs, some
/// seconds of work even on a fast machine).
fn server_with(tweak: impl FnOnce(&mut Config)) -> (TestServer, Client) {
    let ts = TestServer::start(&["127.0.0.1:0"], tweak);
    let mut root = ts.root_client();
    run(
        &mut root,
        "create namespace big;
         create shared table big.t (id int64 key default snowflake(), g int64) with (access = public);",
    );
    let values: Vec<String> = (0..64).map(|g| format!("{{g: {g}}}")).collect();
    run(
        &mut root,
        &format!("insert into big.t {};", values.join(", ")),
    );
    for _ in 0..10 {
        run(&mut root, "from big.t | select g | insert into big.t;");
    }
    let n = run(&mut root, "from big.t | aggregate n = count();");
    assert_eq!(n.rows(), vec![vec!["65536".to_owned()]]);
    (ts, root)
}

#[track_caller]
fn run(client: &mut Client, text: &str) -> kalavar::client::QueryResult {
    match client.query(text, &[]) {
        Ok(mut r) => r.pop().unwrap_or_default(),
        Err(e) => panic!("`{text}` failed: {e}"),
    }
}

#[track_caller]
fn fails(client: &mut Client, text: &str) -> ClientError {
    match client.query(text, &[]) {
        Ok(r) => panic!("`{text}` should fail; returned {} result(s)", r.len()),
        Err(e) => e,
    }
}

#[track_caller]
fn still_usable(client: &mut Client) {
    let r = run(client, "from big.t | where g == 3 | aggregate n = count();");
    assert_eq!(r.rows(), vec![vec!["1024".to_owned()]]);
}

const FAN_OUT: &str = "from big.t as a | join big.t as b on a.g == b.g | aggregate n = count();";

#[test]
fn too_many_rows_fail_with_x011() {
    let (_ts, mut root) = server_with(|c| c.limits.query_max_rows = 1000);
    let e = fails(&mut root, "from big.t;");
    assert_eq!(e.code(), Some("X011"), "{e}");
    assert!(e.to_string().contains("query_max_rows"), "{e}");
    let r = run(&mut root, "from big.t | take 1000;");
    assert_eq!(r.num_rows(), 1000);
    still_usable(&mut root);
}

#[test]
fn too_much_memory_fails_with_x010() {
    let (_ts, mut root) = server_with(|c| c.limits.query_memory_mb = 1);
    // Sorting 65,536 rows of some 80 bytes holds them all: 5 MiB.
    let pad = "x".repeat(64);
    let e = fails(
        &mut root,
        &format!("from big.t | extend pad = \"{pad}\" | sort pad, g, id;"),
    );
    assert_eq!(e.code(), Some("X010"), "{e}");
    assert!(e.to_string().contains("query_memory_mb"), "{e}");
    assert!(
        e.to_string().contains("more than 1 MiB"),
        "the message says what was exceeded: {e}"
    );
    // So do an aggregation and a distinct with a group per row.
    let e = fails(
        &mut root,
        &format!("from big.t | extend pad = \"{pad}\" | aggregate n = count() by id, pad;"),
    );
    assert_eq!(e.code(), Some("X010"), "{e}");
    let e = fails(
        &mut root,
        &format!("from big.t | select id, pad = \"{pad}\" | distinct;"),
    );
    assert_eq!(e.code(), Some("X010"), "{e}");
    // A join that fans out is stopped before it builds its output.
    let e = fails(&mut root, FAN_OUT);
    assert_eq!(e.code(), Some("X010"), "{e}");
    still_usable(&mut root);
}

#[test]
fn a_long_statement_fails_with_x012() {
    let (_ts, mut root) = server_with(|c| c.limits.query_timeout_s = 1);
    let started = Instant::now();
    let e = fails(&mut root, FAN_OUT);
    assert_eq!(e.code(), Some("X012"), "{e}");
    assert!(e.to_string().contains("query_timeout_s"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "stopped near its limit, not at the end: {:?}",
        started.elapsed()
    );
    still_usable(&mut root);
}

#[test]
fn cancel_stops_a_running_statement() {
    let (_ts, mut root) = server_with(|_| {});
    let handle = root.cancel_handle();
    let canceller = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        handle.cancel();
    });
    let started = Instant::now();
    let e = fails(&mut root, FAN_OUT);
    canceller.join().unwrap();
    assert_eq!(e.code(), Some("P009"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "cancelled between batches: {:?}",
        started.elapsed()
    );
    still_usable(&mut root);
}
