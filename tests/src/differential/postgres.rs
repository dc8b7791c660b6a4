//! The PostgreSQL engine: `psql` over mTLS to a cluster that `tests/sql/postgres.sh
//! start DIR PORT` started (role `bench`, database `bench`; the test starts its own
//! when none is named), one `psql` run per case, in the UTC time zone. The data set lives in
//! the schemas `diff` and `diff_w`, which [`Engine::reset`] drops and reloads.

use super::answer::{Answer, Column};
use super::corpus::{Case, Corpus};
use super::{Engine, csv};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// What psql prints for NULL (a text value never equals it in the data set).
const NULL: &str = "\u{2400}NULL\u{2400}";
const DESC: &str = "\u{241e}desc";
const ROWS: &str = "\u{241e}rows";

/// The schemas the corpus uses; dropped by a reset.
pub const SCHEMAS: &[&str] = &["diff", "diff_w"];

pub struct Postgres {
    dir: PathBuf,
    port: u16,
    /// The directory of a cluster this value started (and stops when dropped).
    owned: Option<tempfile::TempDir>,
}

/// How the differential test gets its PostgreSQL.
pub enum Found {
    /// A cluster to run the cases on.
    Ready(Postgres),
    /// None can be had here, and why (the test says so loudly and skips).
    Unavailable(String),
}

/// The script that installs and starts a cluster (`tests/sql/postgres.sh`).
pub fn script() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sql/postgres.sh")
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.owned.is_some() {
            let _ = Command::new(script())
                .arg("stop")
                .arg(&self.dir)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

impl Postgres {
    /// The cluster named by `KALAVAR_PG_DIR` (the DIR given to `pg-mtls.sh
    /// start`) and `KALAVAR_PG_PORT` (default 5433), if set.
    pub fn from_env() -> Option<Result<Postgres, String>> {
        let dir = std::env::var_os("KALAVAR_PG_DIR")?;
        let port = match std::env::var("KALAVAR_PG_PORT") {
            Ok(p) => match p.parse() {
                Ok(p) => p,
                Err(_) => return Some(Err(format!("KALAVAR_PG_PORT={p} is not a port"))),
            },
            Err(_) => 5433,
        };
        Some(Ok(Postgres {
            dir: PathBuf::from(dir),
            port,
            owned: None,
        }))
    }

    /// The cluster named by the environment ([`Postgres::from_env`]), else one
    /// started here with `tests/sql/postgres.sh start` in a temporary directory
    /// on a free port, stopped when the value is dropped. `Unavailable` when no
    /// PostgreSQL is installed or it does not start.
    pub fn find() -> Found {
        match Self::from_env() {
            Some(Ok(pg)) => return Found::Ready(pg),
            Some(Err(e)) => return Found::Unavailable(e),
            None => {}
        }
        let dir = match tempfile::Builder::new().prefix("kalavar-pg-").tempdir() {
            Ok(d) => d,
            Err(e) => return Found::Unavailable(format!("no temporary directory: {e}")),
        };
        let port = match std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
            Ok(a) => a.port(),
            Err(e) => return Found::Unavailable(format!("no free port: {e}")),
        };
        let cluster = dir.path().join("pg");
        let out = Command::new(script())
            .arg("start")
            .arg(&cluster)
            .arg(port.to_string())
            .output();
        match out {
            Ok(o) if o.status.success() => Found::Ready(Postgres {
                dir: cluster,
                port,
                owned: Some(dir),
            }),
            Ok(o) => Found::Unavailable(format!(
                "{} start failed: {}",
                script().display(),
                String::from_utf8_lossy(&o.stderr).trim()
            )),
            Err(e) => Found::Unavailable(format!("cannot run {}: {e}", script().display())),
        }
    }

    /// Runs a psql script; its standard output, or what went wrong.
    fn psql(&self, script: &str) -> Result<String, String> {
        let certs = self.dir.join("certs");
        let mut child = Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-"])
            .env("PGHOST", "localhost")
            .env("PGHOSTADDR", "127.0.0.1")
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", "bench")
            .env("PGDATABASE", "bench")
            .env("PGSSLMODE", "verify-full")
            .env("PGSSLCERT", certs.join("client.crt"))
            .env("PGSSLKEY", certs.join("client.key"))
            .env("PGSSLROOTCERT", certs.join("ca.crt"))
            .env("PGAPPNAME", "kalavar-differential")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        let mut stdin = child.stdin.take().expect("piped");
        let prelude = format!(
            "\\pset format csv\n\\pset null '{NULL}'\nSET TimeZone = 'UTC';\nSET search_path TO {};\n",
            SCHEMAS.join(", ")
        );
        stdin
            .write_all(prelude.as_bytes())
            .and_then(|_| stdin.write_all(script.as_bytes()))
            .map_err(|e| format!("cannot write to psql: {e}"))?;
        drop(stdin);
        let out = child.wait_with_output().map_err(|e| format!("psql: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// A statement, prepared and executed with the case's parameters when it has
    /// any (`$n`), else as it is; `terminator` ends it (`;` or `\gdesc`).
    fn statement(name: &str, sql: &str, params: &[String], terminator: &str) -> String {
        let n = Case::max_param(sql);
        if n == 0 {
            return format!("{sql}\n{terminator}\n");
        }
        let args = params[..n.min(params.len())].join(", ");
        format!(
            "PREPARE {name} AS {sql};\nEXECUTE {name}({args})\n{terminator}\nDEALLOCATE {name};\n"
        )
    }
}

impl Engine for Postgres {
    fn reset(&mut self, corpus: &Corpus) -> Result<(), String> {
        let mut script = String::new();
        for s in SCHEMAS {
            script.push_str(&format!("DROP SCHEMA IF EXISTS {s} CASCADE;\n"));
        }
        for s in &corpus.setup {
            script.push_str(s);
            script.push_str(";\n");
        }
        self.psql(&script).map(|_| ())
    }

    fn run(&mut self, case: &Case) -> Result<Answer, String> {
        let (last, before) = case.statements.split_last().ok_or("no statements")?;
        let mut script = String::new();
        for (i, s) in before.iter().enumerate() {
            script.push_str(&Self::statement(
                &format!("kdiff_{i}"),
                s,
                &case.params,
                ";",
            ));
        }
        script.push_str(&format!("\\echo {DESC}\n"));
        script.push_str(&Self::statement(
            "kdiff_desc",
            last,
            &case.params,
            "\\gdesc",
        ));
        script.push_str(&format!("\\echo {ROWS}\n"));
        script.push_str(&Self::statement("kdiff_rows", last, &case.params, ";"));
        let out = self.psql(&script)?;
        let desc_at = out.find(DESC).ok_or("psql printed no description")?;
        let rows_at = out.find(ROWS).ok_or("psql printed no rows")?;
        let desc = csv::parse(
            out[desc_at + DESC.len()..rows_at].trim_start_matches('\n'),
            NULL,
        );
        let rows = csv::parse(out[rows_at + ROWS.len()..].trim_start_matches('\n'), NULL);
        let columns: Vec<Column> = desc
            .iter()
            .skip(1)
            .map(|r| Column {
                name: r.first().cloned().flatten().unwrap_or_default(),
                ty: r.get(1).cloned().flatten().unwrap_or_default(),
            })
            .collect();
        let rows: Vec<Vec<Option<String>>> = rows.into_iter().skip(1).collect();
        if rows.iter().any(|r| r.len() != columns.len()) {
            return Err(format!("psql rows do not have {} columns", columns.len()));
        }
        Ok(Answer {
            columns,
            rows,
            ordered: case.ordered,
        })
    }
}
