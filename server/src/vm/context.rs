//! What a run needs besides the program: who runs it ([`Who`]), where its rows go
//! ([`Output`]), the bounds it must keep ([`Budget`]), and the services it calls
//! ([`Host`] for users and certificates, which live in the server rather than in the
//! database). [`Ctx`] bundles them with the database and, for a statement that writes
//! or runs inside `begin … commit`, the storage transaction.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use arrow_array::RecordBatch;
use kalavar_protocol::ChangeKind;
use kalavar_storage::{ScanIter, ScanSpec, Txn, UserId};
use kql_compiler::identity::Role;

use super::error::{ExecError, Result, XCode};
use crate::db::Database;

/// Who runs a statement: the session's verified user, and the user it acts as
/// (itself, or the target of `execute as`), whose partitions `user` tables read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Who {
    pub user: String,
    pub user_id: u64,
    /// The role read from the catalog when the statement started.
    pub role: Role,
    pub session: u64,
    /// `current_user()`: the `execute as` target, or `user`.
    pub effective: String,
    /// The storage owner of `user` tables: the effective user's id.
    pub owner: UserId,
}

impl Who {
    /// A session user acting as itself.
    pub fn new(user: &str, user_id: u64, role: Role, session: u64) -> Who {
        Who {
            user: user.to_owned(),
            user_id,
            role,
            session,
            effective: user.to_owned(),
            owner: UserId(user_id),
        }
    }

    /// Whether the role may see every row of the system tables (dba and root).
    pub fn is_admin(&self) -> bool {
        self.role >= Role::Dba
    }
}

/// Where emitted rows go.
pub trait Output {
    /// A non-empty batch of a statement's result; `change` is the kind of change a
    /// subscription's batch reports.
    fn emit(&mut self, batch: &RecordBatch, change: Option<ChangeKind>) -> Result<()>;

    /// An `Emit` of an empty batch with this schema (a result with no rows still has
    /// columns).
    fn empty(&mut self, _schema: &arrow_schema::SchemaRef) {}
}

/// An output that keeps everything (tests, `explain analyze`, internal statements).
#[derive(Debug, Default)]
pub struct Collect {
    pub batches: Vec<RecordBatch>,
    pub changes: Vec<Option<ChangeKind>>,
}

impl Output for Collect {
    fn emit(&mut self, batch: &RecordBatch, change: Option<ChangeKind>) -> Result<()> {
        self.batches.push(batch.clone());
        self.changes.push(change);
        Ok(())
    }
}

/// The bounds of one run: memory held in registers and cursors, rows returned, a
/// deadline, and the client's cancel flag. Checked between batches.
#[derive(Debug, Clone)]
pub struct Budget {
    pub cancel: Arc<AtomicBool>,
    pub deadline: Option<Instant>,
    pub max_memory: usize,
    pub max_rows: u64,
    /// The configured limits, for messages.
    pub timeout_s: u64,
}

impl Budget {
    /// No limits but the cancel flag (internal statements, tests).
    pub fn unlimited() -> Budget {
        Budget {
            cancel: Arc::new(AtomicBool::new(false)),
            deadline: None,
            max_memory: usize::MAX,
            max_rows: u64::MAX,
            timeout_s: 0,
        }
    }

    /// Fails when the client cancelled or the deadline passed.
    pub fn check(&self) -> Result<()> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(ExecError::cancelled());
        }
        if let Some(d) = self.deadline
            && Instant::now() >= d
        {
            return Err(ExecError::new(
                XCode::TimeLimit,
                format!(
                    "the statement ran longer than {}s (limits.query_timeout_s)",
                    self.timeout_s
                ),
            ));
        }
        Ok(())
    }
}

/// Users, certificates and sessions: the server's side of admin statements and of
/// `system.sessions`.
pub trait Host: Send + Sync {
    /// Runs an admin statement (the verifier checked the role; the host re-checks what
    /// it must).
    fn admin(&self, who: &Who, op: AdminOp<'_>) -> Result<AdminDone>;
    /// The open sessions.
    fn sessions(&self) -> Vec<SessionRow>;
}

/// An admin statement.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminOp<'a> {
    CreateUser {
        name: &'a str,
        role: Role,
        ips: &'a [String],
        enabled: bool,
    },
    AlterUser {
        name: &'a str,
        role: Option<Role>,
        ips: Option<&'a [String]>,
        enabled: Option<bool>,
    },
    DropUser {
        name: &'a str,
        if_exists: bool,
    },
    IssueCertificate {
        user: &'a str,
        csr_pem: &'a str,
        ips: &'a [String],
        /// Validity in µs (`None`: the server default).
        valid_us: Option<i64>,
    },
    RevokeCertificate {
        serial: &'a str,
    },
    RevokeCertificates {
        user: &'a str,
    },
}

/// What an admin statement did.
#[derive(Debug, Clone, PartialEq)]
pub enum AdminDone {
    Done,
    Issued {
        serial: String,
        user: String,
        not_after_us: i64,
        pem: String,
    },
}

/// One open session, for `system.sessions`.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRow {
    pub id: u64,
    pub user: String,
    pub peer: String,
    pub connected_at_us: i64,
    pub last_active_us: Option<i64>,
    pub statements: u64,
    pub current: Option<String>,
}

/// A host without users or sessions: admin statements fail (tests, tools).
#[derive(Debug, Default)]
pub struct NoHost;

impl Host for NoHost {
    fn admin(&self, _who: &Who, _op: AdminOp<'_>) -> Result<AdminDone> {
        Err(ExecError::new(
            XCode::AdminFailed,
            "users and certificates are not available here",
        ))
    }

    fn sessions(&self) -> Vec<SessionRow> {
        Vec::new()
    }
}

/// Everything one run touches.
pub struct Ctx<'a> {
    pub db: &'a Database,
    pub host: &'a dyn Host,
    pub who: &'a Who,
    /// The storage transaction writes go to (and reads see) — present for plans that
    /// write and inside `begin … commit`.
    pub txn: Option<&'a mut Txn>,
    pub out: &'a mut dyn Output,
    pub budget: &'a Budget,
}

impl Ctx<'_> {
    /// A scan that sees the transaction's writes when there is one.
    pub fn scan(&mut self, spec: ScanSpec) -> Result<ScanIter> {
        Ok(match self.txn.as_deref_mut() {
            Some(t) => t.scan(spec)?,
            None => self.db.engine.scan(spec)?,
        })
    }

    /// A point read that sees the transaction's writes when there is one.
    pub fn get(
        &mut self,
        table: kalavar_storage::TableId,
        owner: Option<UserId>,
        key: &[kalavar_storage::ScalarValue],
        projection: Option<&[kalavar_storage::ColumnId]>,
    ) -> Result<Option<RecordBatch>> {
        Ok(match self.txn.as_deref_mut() {
            Some(t) => t.get(table, owner, key, projection)?,
            None => self.db.engine.get(table, owner, key, projection)?,
        })
    }

    /// The transaction a write goes to.
    pub fn txn(&mut self) -> Result<&mut Txn> {
        self.txn
            .as_deref_mut()
            .ok_or_else(|| ExecError::internal("a write outside a transaction"))
    }
}
