//! The Kalavar engine: a real server ([`TestServer`], mTLS on loopback, RocksDB on
//! a fresh data directory) and the client library. Each SQL statement is
//! translated with `kql_compiler::sql::Translator` against the tables of the
//! catalog the server sent (as the shell's `\sql` mode does), printed as KQL (to
//! be shown) and its tree compiled and run (`Client::query_translated`); the last
//! statement's Arrow batches become the [`Answer`].
//!
//! Column types come from the recorded PostgreSQL answer, since values are
//! compared by the expected column's class; this engine only reports names and
//! values as text (the shell's own formatting).

use super::Engine;
use super::answer::{Answer, Column};
use super::corpus::{Case, Corpus};
use crate::TestServer;
use kalavar::client::{Client, QueryResult, positional};
use kalavar_protocol::{Param, Value};
use kql_compiler::sql::{Schema, Translator};

pub struct Kalavar {
    /// Kept so the server lives as long as the engine.
    pub server: TestServer,
    client: Client,
}

impl Kalavar {
    /// Starts a server on a fresh data directory and connects as root.
    pub fn start() -> Kalavar {
        let server = TestServer::start(&["127.0.0.1:0"], |_| {});
        let client = server.root_client();
        Kalavar { server, client }
    }

    /// Translates one SQL statement against the server's current tables and
    /// runs it; the result of its last KQL statement (`None` for a `let`-only
    /// translation). The error names the stage that failed.
    pub fn execute(
        &mut self,
        sql: &str,
        params: &[Param],
    ) -> Result<(String, Option<QueryResult>), String> {
        let catalog = self
            .client
            .catalog()
            .map_err(|e| format!("fetching the catalog: {e}"))?;
        let mut translator = Translator::with_schema(Schema::from_catalog(&catalog));
        let script = translator
            .translate(sql)
            .map_err(|d| format!("translation fails:\n{}", d.render("sql", sql)))?;
        let kql = kql::format_script(&script);
        // The translated tree is compiled as it is, as the shell's SQL mode does.
        let mut last = None;
        self.client
            .query_translated(&script, &kql, params, |r| {
                last = Some(r);
                Ok(())
            })
            .map_err(|e| format!("the KQL fails: {e}\n{kql}"))?;
        Ok((kql, last))
    }
}

/// A `-- params:` literal as a protocol value: `NULL`, `true`/`false`, an
/// integer, a number with a fraction, or `'text'`.
pub fn param_value(literal: &str) -> Result<Value, String> {
    let t = literal.trim();
    if t.eq_ignore_ascii_case("null") {
        return Ok(Value::Null);
    }
    if t.eq_ignore_ascii_case("true") || t.eq_ignore_ascii_case("false") {
        return Ok(Value::Bool(t.eq_ignore_ascii_case("true")));
    }
    if let Some(inner) = t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return Ok(Value::Text(inner.replace("''", "'")));
    }
    if let Ok(i) = t.parse::<i64>() {
        return Ok(Value::Int(i));
    }
    t.parse::<f64>()
        .map(Value::Float)
        .map_err(|_| format!("parameter `{t}` is not a literal the harness reads"))
}

/// A query result as an answer: column names, values as the shell prints them,
/// NULL as `None`. Column types are left empty (the expected answer's are used).
pub fn answer_of(result: &QueryResult, ordered: bool) -> Answer {
    let columns = result
        .columns()
        .into_iter()
        .map(|name| Column {
            name,
            ty: String::new(),
        })
        .collect();
    let text = result.rows();
    let mut rows = Vec::with_capacity(text.len());
    let mut at = 0;
    for batch in result.batches() {
        for r in 0..batch.num_rows() {
            rows.push(
                batch
                    .columns()
                    .iter()
                    .zip(&text[at])
                    .map(|(c, v)| (!c.is_null(r)).then(|| v.clone()))
                    .collect(),
            );
            at += 1;
        }
    }
    Answer {
        columns,
        rows,
        ordered,
    }
}

impl Engine for Kalavar {
    /// Loads the data set. The server is fresh (one per engine), so nothing of
    /// an earlier run is there to drop.
    fn reset(&mut self, corpus: &Corpus) -> Result<(), String> {
        for s in &corpus.setup {
            self.execute(s, &[])
                .map_err(|e| format!("data set statement `{s}`: {e}"))?;
        }
        Ok(())
    }

    fn run(&mut self, case: &Case) -> Result<Answer, String> {
        let params = case
            .params
            .iter()
            .map(|p| param_value(p).map(positional))
            .collect::<Result<Vec<_>, _>>()?;
        let mut last = None;
        for s in &case.statements {
            let used = Case::max_param(s).min(params.len());
            let (_, result) = self.execute(s, &params[..used])?;
            last = result;
        }
        let result = last.ok_or("the last statement returned nothing")?;
        if result.schema().is_none() {
            return Err(format!(
                "the last statement returned no rows ({})",
                result.tag
            ));
        }
        Ok(answer_of(&result, case.ordered))
    }
}
