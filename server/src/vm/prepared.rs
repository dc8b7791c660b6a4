//! [`Prepared`]: a verified program with what every run of it needs computed once —
//! the Arrow schema of each declared schema, the constants as one-row arrays, and
//! what kind of statement it is. The plan cache keeps these.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use arrow_array::ArrayRef;
use arrow_schema::SchemaRef;
use kql_compiler::bytecode::{Insn, OpClass, VerifiedProgram};
use kql_compiler::catalog::SYSTEM_TABLE_ID_BASE;

use super::error::Result;
use super::point::PointGet;
use super::types::{arrow_schema, value_array};

/// What a plan does, which decides how the session runs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    /// Reads only.
    Read,
    /// Writes rows (runs in a transaction).
    Write,
    /// Changes the schema (runs alone, outside transactions).
    Ddl,
    /// Users, certificates, flush and compaction (outside transactions).
    Admin,
    Begin,
    Commit,
    Rollback,
    /// A live query (only through `Subscribe`).
    Subscribe,
}

/// A verified plan ready to run.
#[derive(Debug)]
pub struct Prepared {
    pub program: VerifiedProgram,
    /// SHA-256 of the encoded plan.
    pub hash: [u8; 32],
    /// Arrow schema of each of the program's schemas.
    pub schemas: Vec<SchemaRef>,
    /// Each constant as a one-row array.
    pub consts: Vec<ArrayRef>,
    pub kind: PlanKind,
    /// The plan as one point get, when it is exactly that (see [`PointGet::of`]).
    pub point: Option<PointGet>,
    /// Whether the plan looks short enough to run where its request arrives (see
    /// [`short_of`]).
    short: bool,
    /// Runs on that short path that overran their time slice in a row; at
    /// [`SHORT_OVERRUNS`] later runs queue.
    overran: AtomicU32,
}

/// Overruns in a row after which a plan no longer tries the short path (one alone
/// may be a busy machine preempting a short plan).
const SHORT_OVERRUNS: u32 = 3;

/// Most literal rows an insert on the short path writes.
const SHORT_INSERT_ROWS: u32 = 64;

/// Whether `program` is a candidate for the session's short path: a read whose
/// every scan of a stored table has a bounded key range (equality on a key prefix,
/// or both bounds) and reads no system table, or a write that only inserts (or
/// upserts) a few literal rows and reads nothing. A candidate still runs under a
/// time slice and moves to the queue when it overruns it.
fn short_of(program: &VerifiedProgram, kind: PlanKind) -> bool {
    let bounded = |t: &kql_compiler::bytecode::TableRef, r: &kql_compiler::bytecode::KeyRange| {
        let stored = program
            .tables
            .get(t.index())
            .is_some_and(|u| u.id < SYSTEM_TABLE_ID_BASE);
        stored && (!r.eq.is_empty() || (r.lower.is_some() && r.upper.is_some()))
    };
    match kind {
        PlanKind::Read => program.insns.iter().all(|i| match i {
            Insn::OpenScan { table, range, .. } => bounded(table, range),
            Insn::SeekKey { table, .. } => program
                .tables
                .get(table.index())
                .is_some_and(|u| u.id < SYSTEM_TABLE_ID_BASE),
            Insn::OpenSubscription { .. } => false,
            _ => true,
        }),
        PlanKind::Write => program.insns.iter().all(|i| match i {
            Insn::Values { rows, .. } => *rows <= SHORT_INSERT_ROWS,
            Insn::Insert { .. } | Insn::Upsert { .. } => true,
            i => !matches!(
                i.opcode().class(),
                OpClass::Read | OpClass::Write | OpClass::Ddl | OpClass::Admin
            ),
        }),
        _ => false,
    }
}

fn kind_of(program: &VerifiedProgram) -> PlanKind {
    let insns = &program.insns;
    for i in insns.iter() {
        match i {
            Insn::Begin {} => return PlanKind::Begin,
            Insn::Commit {} => return PlanKind::Commit,
            Insn::Rollback {} => return PlanKind::Rollback,
            _ => {}
        }
    }
    let has = |c: OpClass| insns.iter().any(|i| i.opcode().class() == c);
    if insns
        .iter()
        .any(|i| matches!(i, Insn::OpenSubscription { .. }))
    {
        PlanKind::Subscribe
    } else if has(OpClass::Ddl) {
        PlanKind::Ddl
    } else if has(OpClass::Admin) {
        PlanKind::Admin
    } else if has(OpClass::Write) {
        PlanKind::Write
    } else {
        PlanKind::Read
    }
}

impl Prepared {
    pub fn new(program: VerifiedProgram, hash: [u8; 32]) -> Result<Arc<Prepared>> {
        let schemas: Vec<SchemaRef> = program.schemas.iter().map(arrow_schema).collect();
        let consts = program
            .constants
            .iter()
            .map(value_array)
            .collect::<Result<_>>()?;
        let kind = kind_of(&program);
        let short = short_of(&program, kind);
        let point = (kind == PlanKind::Read)
            .then(|| PointGet::of(&program, &schemas))
            .flatten();
        Ok(Arc::new(Prepared {
            program,
            hash,
            schemas,
            consts,
            kind,
            point,
            short,
            overran: AtomicU32::new(0),
        }))
    }

    /// Whether a run may try the session's short path: the plan is a candidate and
    /// its last [`SHORT_OVERRUNS`] tries did not all overrun the slice.
    pub fn runs_short(&self) -> bool {
        self.short && self.overran.load(Ordering::Relaxed) < SHORT_OVERRUNS
    }

    /// A run on the short path overran its slice.
    pub fn mark_overran(&self) {
        self.overran.fetch_add(1, Ordering::Relaxed);
    }

    /// A run on the short path finished within its slice.
    pub fn mark_short(&self) {
        if self.overran.load(Ordering::Relaxed) != 0 {
            self.overran.store(0, Ordering::Relaxed);
        }
    }

    /// The Arrow schema of register `r`.
    pub fn reg_schema(&self, r: usize) -> Option<&SchemaRef> {
        let s = *self.program.registers.get(r)?;
        self.schemas.get(s as usize)
    }
}

/// SHA-256 of plan bytes: the plan cache's key.
pub fn plan_hash(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).into()
}
