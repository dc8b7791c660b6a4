//! A real database in a temporary directory, users in its catalog, and statements run
//! through the same executor sessions use (KQL text compiled on the server, or plan
//! bytes compiled here), with results decoded from the protocol messages.

#![allow(dead_code)]

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use arrow_array::RecordBatch;
use kalavar_protocol::{Param, ServerMessage, Value};
use kalavar_server::db::{Database, ExecLimits};
use kalavar_server::exec::{Executor, Request};
use kalavar_server::vm::{ExecError, NoHost};
use kalavar_storage::{Durability, Engine, EngineOptions, Role, UserSpec};
use tempfile::TempDir;

pub struct TestDb {
    pub dir: TempDir,
    pub db: Arc<Database>,
}

/// A compact one-row answer: column names and types, then the values.
pub type OneRow = (Vec<(String, String)>, Vec<Value>);

/// What a request returned.
#[derive(Debug, Default)]
pub struct Res {
    pub batches: Vec<RecordBatch>,
    pub rows_affected: u64,
    pub row: Option<OneRow>,
    /// Batch messages that held only a schema.
    pub schema_only: usize,
}

impl Res {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// Column `name` of all batches, formatted (`null` for nulls).
    pub fn col(&self, name: &str) -> Vec<String> {
        let mut out = Vec::new();
        for b in &self.batches {
            let i = b
                .schema()
                .index_of(name)
                .unwrap_or_else(|_| panic!("no column {name} in {:?}", b.schema()));
            let a = displayable(b.column(i));
            let opts = arrow_cast::display::FormatOptions::default().with_null("null");
            let f = arrow_cast::display::ArrayFormatter::try_new(a.as_ref(), &opts).unwrap();
            for r in 0..a.len() {
                out.push(f.value(r).to_string());
            }
        }
        out
    }
}

/// The column as the client shows it: a `UTC` timestamp gets the equal offset
/// `+00:00`, which arrow's formatter reads without a time-zone database.
pub fn displayable(a: &arrow_array::ArrayRef) -> arrow_array::ArrayRef {
    use arrow_schema::DataType;
    match a.data_type() {
        DataType::Timestamp(unit, Some(_)) => {
            arrow_cast::cast(a, &DataType::Timestamp(*unit, Some("+00:00".into()))).unwrap()
        }
        _ => a.clone(),
    }
}

pub fn engine_options() -> EngineOptions {
    EngineOptions {
        durability: Durability::NoSync,
        block_cache_bytes: 8 << 20,
        write_buffer_bytes: 8 << 20,
        ..EngineOptions::default()
    }
}

impl TestDb {
    pub fn new() -> TestDb {
        Self::with_limits(ExecLimits::default())
    }

    pub fn with_limits(limits: ExecLimits) -> TestDb {
        Self::with_options(engine_options(), limits)
    }

    pub fn with_options(options: EngineOptions, limits: ExecLimits) -> TestDb {
        Self::build(options, limits, 64)
    }

    /// A database whose plan cache holds `entries` plans.
    pub fn with_plan_cache(entries: usize) -> TestDb {
        Self::build(engine_options(), ExecLimits::default(), entries)
    }

    fn build(options: EngineOptions, limits: ExecLimits, entries: usize) -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::open(dir.path().join("storage"), options).unwrap();
        let db = Arc::new(Database::new(engine, limits, entries));
        let t = TestDb { dir, db };
        t.create_user("root", Role::Root);
        t
    }

    pub fn create_user(&self, name: &str, role: Role) -> u64 {
        match self.db.engine.catalog().user_by_name(name) {
            Some(u) => u.id.0,
            None => {
                self.db
                    .engine
                    .create_user(&UserSpec {
                        name: name.into(),
                        role,
                        enabled: true,
                        allowed_ips: vec![],
                    })
                    .unwrap()
                    .id
                    .0
            }
        }
    }

    /// A session of `name` (created with `role` if missing).
    pub fn session(&self, name: &str, role: Role) -> Executor {
        let id = self.create_user(name, role);
        Executor::new(self.db.clone(), Arc::new(NoHost), name, id, id)
    }

    pub fn root(&self) -> Executor {
        self.session("root", Role::Root)
    }
}

/// Adds one answer message to `res` (batches decoded, the compact row, the count).
pub fn collect(res: &mut Res, m: ServerMessage) {
    match m {
        ServerMessage::Batch { arrow_ipc, .. } => {
            let batches = kalavar_protocol::ipc::decode_batches(&arrow_ipc).unwrap();
            if batches.is_empty() {
                res.schema_only += 1;
            }
            res.batches.extend(batches);
        }
        ServerMessage::Complete { rows_affected, .. } => res.rows_affected = rows_affected,
        ServerMessage::Row {
            columns, values, ..
        } => res.row = Some((columns, values)),
        other => panic!("unexpected {other:?}"),
    }
}

/// Runs a request on a session.
pub fn run_req(
    ex: &mut Executor,
    req: Request<'_>,
    params: &[Param],
    compact: bool,
) -> Result<Res, ExecError> {
    let mut res = Res::default();
    let mut send = |m: ServerMessage| {
        collect(&mut res, m);
        Ok(())
    };
    ex.execute(
        req,
        1,
        params,
        Arc::new(AtomicBool::new(false)),
        compact,
        &mut send,
    )?;
    Ok(res)
}

/// Runs KQL text.
pub fn q(ex: &mut Executor, text: &str) -> Result<Res, ExecError> {
    run_req(ex, Request::Text(text), &[], false)
}

/// Runs KQL text that must succeed.
pub fn ok(ex: &mut Executor, text: &str) -> Res {
    q(ex, text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Runs KQL text that must fail; returns the error.
pub fn err(ex: &mut Executor, text: &str) -> ExecError {
    match q(ex, text) {
        Ok(r) => panic!("{text}: expected an error, got {r:?}"),
        Err(e) => e,
    }
}

/// Compiles KQL text against the session's catalog into plan bytes.
pub fn plan(t: &TestDb, ex: &Executor, text: &str) -> Vec<u8> {
    let who = ex.who().unwrap();
    let views = t.db.views().unwrap();
    let catalog = views.for_role(who.role);
    kql_compiler::compile_to_bytes(text, kql_compiler::CompileOptions::new(catalog))
        .unwrap_or_else(|e| panic!("{text}: {e}"))
}

pub fn p(name: &str, value: Value) -> Param {
    Param {
        name: name.into(),
        value,
    }
}
