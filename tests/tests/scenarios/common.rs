//! What every scenario starts from: a server, a root session, users with
//! certificates, and short ways to run statements and compare rows.

use kalavar::client::{Client, ClientError, Param, QueryResult};
use kalavar_protocol::Role;
use kalavar_tests::TestServer;
use kalavar_tests::harness::connect_from;

pub struct World {
    pub ts: TestServer,
    pub root: Client,
}

impl World {
    /// A fresh server and a root session.
    pub fn new() -> World {
        let ts = TestServer::start(&["127.0.0.1:0"], |_| {});
        let root = ts.root_client();
        World { ts, root }
    }

    /// A user with `role` and a certificate for 127.0.0.1, connected.
    pub fn connect(&self, name: &str, role: Role) -> Client {
        let user = self.ts.user(name, role, "127.0.0.1");
        connect_from(&user.profile, None).expect("the new user connects")
    }
}

/// Runs `text`, which must succeed; returns the last statement's result.
#[track_caller]
pub fn run(client: &mut Client, text: &str) -> QueryResult {
    match client.query(text, &[]) {
        Ok(mut results) => results.pop().unwrap_or_default(),
        Err(e) => panic!("`{text}` failed: {e}"),
    }
}

/// Runs `text` with parameters, which must succeed.
#[track_caller]
pub fn run_with(client: &mut Client, text: &str, params: &[Param]) -> QueryResult {
    match client.query_one(text, params) {
        Ok(r) => r,
        Err(e) => panic!("`{text}` failed: {e}"),
    }
}

/// Runs `text`, which must fail; returns the error.
#[track_caller]
pub fn fails(client: &mut Client, text: &str) -> ClientError {
    match client.query(text, &[]) {
        Ok(results) => panic!(
            "`{text}` should fail, returned {:?}",
            results.iter().map(QueryResult::rows).collect::<Vec<_>>()
        ),
        Err(e) => e,
    }
}

/// The rows of a query, sorted, as text.
#[track_caller]
pub fn rows(client: &mut Client, text: &str) -> Vec<Vec<String>> {
    run(client, text).sorted_rows()
}

/// Rows written as `[["1", "hi"], …]` for comparing.
pub fn table(rows: &[&[&str]]) -> Vec<Vec<String>> {
    let mut out: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|c| (*c).to_owned()).collect())
        .collect();
    out.sort();
    out
}

/// The session still answers a query after an error.
#[track_caller]
pub fn still_usable(client: &mut Client) {
    assert_eq!(
        rows(client, "from [{a: 1}, {a: 2}]"),
        table(&[&["1"], &["2"]])
    );
}
