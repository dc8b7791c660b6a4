//! [`Vm`]: the registers, cursors and program counter of one run, and the loop that
//! dispatches each instruction to its handler.
//!
//! Every opcode has one handler with the same signature, `fn(&mut Vm, &mut Ctx,
//! &Insn) -> Result<Flow>`, and [`handler`] maps opcodes to handlers with an
//! exhaustive `match`, so an opcode without a handler does not compile. A handler
//! says where control goes next ([`Flow`]). A subscription's `Next` answers
//! [`Flow::Wait`] when no change is queued: the run returns [`Outcome::Waiting`] and
//! resumes at the same `Next` when called again — the driver awaits the change on the
//! async side, so no thread blocks on a live query.
//!
//! The verifier's guarantees (indexes in range, registers written before read,
//! cursors used in the right state, types exact) are relied on for meaning, never for
//! memory safety: every access is checked and a broken guarantee is `X001`, not a
//! panic. Between batches — at every `Next` and backward jump — the run checks the
//! client's cancel flag and the deadline; after every instruction that grows them, the
//! bytes held in registers and cursors are checked against the memory limit.

use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, RecordBatch};
use kalavar_protocol::ChangeKind;
use kql_compiler::bytecode::{Cur, Insn, Opcode, Reg};

use super::context::Ctx;
use super::cursor::Cursor;
use super::error::{ExecError, Result, XCode};
use super::expr::EvalCtx;
use super::ops;
use super::prepared::Prepared;
use super::types::batch_bytes;
use crate::live::RowChange;

/// Where control goes after an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// The next instruction.
    Next,
    /// Instruction `n`.
    Jump(usize),
    Halt,
    /// A subscription has nothing to read yet: suspend here.
    Wait,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Halted,
    /// Suspended at a subscription's `Next`; call [`Vm::run`] again when a change
    /// is queued.
    Waiting,
}

/// A transaction opcode the session must apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnOp {
    Begin,
    Commit,
    Rollback,
}

/// Per-instruction figures for `explain analyze`.
#[derive(Debug, Clone, Copy, Default)]
pub struct InsnStats {
    pub calls: u64,
    pub rows: u64,
    pub time: Duration,
}

/// Signature shared by every opcode handler.
pub type Handler = fn(&mut Vm, &mut Ctx<'_>, &Insn) -> Result<Flow>;

/// The handler of each opcode.
pub fn handler(op: Opcode) -> Handler {
    use ops::*;
    match op {
        Opcode::Halt => control::op_halt,
        Opcode::Goto => control::op_goto,
        Opcode::Next => control::op_next,
        Opcode::OpenScan => read::op_open_scan,
        Opcode::SeekKey => read::op_seek_key,
        Opcode::Values => compute::op_values,
        Opcode::OpenSubscription => read::op_open_subscription,
        Opcode::Filter => compute::op_filter,
        Opcode::Project => compute::op_project,
        Opcode::OpenLimit => compute::op_open_limit,
        Opcode::Limit => compute::op_limit,
        Opcode::OpenDistinct => compute::op_open_distinct,
        Opcode::Distinct => compute::op_distinct,
        Opcode::OpenSort => fill::op_open_sort,
        Opcode::OpenTopK => fill::op_open_topk,
        Opcode::OpenAggregate => fill::op_open_aggregate,
        Opcode::OpenHashJoin => fill::op_open_hash_join,
        Opcode::Feed => fill::op_feed,
        Opcode::Seal => fill::op_seal,
        Opcode::Probe => fill::op_probe,
        Opcode::Emit => control::op_emit,
        Opcode::Insert => write::op_insert,
        Opcode::Upsert => write::op_upsert,
        Opcode::Update => write::op_update,
        Opcode::Delete => write::op_delete,
        Opcode::CreateNamespace => ddl::op_create_namespace,
        Opcode::DropNamespace => ddl::op_drop_namespace,
        Opcode::CreateTable => ddl::op_create_table,
        Opcode::AlterTable => ddl::op_alter_table,
        Opcode::DropTable => ddl::op_drop_table,
        Opcode::CreateUser => admin::op_create_user,
        Opcode::AlterUser => admin::op_alter_user,
        Opcode::DropUser => admin::op_drop_user,
        Opcode::IssueCertificate => admin::op_issue_certificate,
        Opcode::RevokeCertificate => admin::op_revoke_certificate,
        Opcode::RevokeCertificates => admin::op_revoke_certificates,
        Opcode::Flush => admin::op_flush,
        Opcode::Compact => admin::op_compact,
        Opcode::Begin => control::op_begin,
        Opcode::Commit => control::op_commit,
        Opcode::Rollback => control::op_rollback,
    }
}

/// The state of one run of a prepared plan.
pub struct Vm {
    pub(crate) p: Arc<Prepared>,
    pub(crate) pc: usize,
    regs: Vec<Option<RecordBatch>>,
    reg_bytes: Vec<usize>,
    pub(crate) cursors: Vec<Option<Cursor>>,
    cursor_bytes: Vec<usize>,
    held: usize,
    pub(crate) params: Vec<ArrayRef>,
    pub(crate) now_us: i64,
    /// Rows the write sinks touched.
    pub rows_affected: u64,
    /// Rows sent to the output.
    pub rows_emitted: u64,
    /// Per instruction, when the plan has the `analyze` flag.
    pub stats: Option<Vec<InsnStats>>,
    /// The kind of the batch last read from a subscription.
    pub(crate) change: Option<ChangeKind>,
    /// Writes to publish to live queries after the commit.
    pub changes: Vec<RowChange>,
    /// A transaction opcode the session applies after the run.
    pub txn_op: Option<TxnOp>,
}

impl std::fmt::Debug for Vm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vm")
            .field("pc", &self.pc)
            .field("held", &self.held)
            .finish_non_exhaustive()
    }
}

/// Now, in µs since the epoch (`now()` of a run).
pub(crate) fn now_us() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1000) as i64
}

impl Vm {
    /// A run of `p` with parameters bound (`params[i]` a one-row array of the
    /// declared type of parameter *i*).
    pub fn new(p: Arc<Prepared>, params: Vec<ArrayRef>) -> Vm {
        let n_regs = p.program.registers.len();
        let n_curs = p.program.cursors.len();
        let stats = p
            .program
            .flags
            .analyze()
            .then(|| vec![InsnStats::default(); p.program.insns.len()]);
        let mut cursors = Vec::with_capacity(n_curs);
        cursors.resize_with(n_curs, || None);
        Vm {
            p,
            pc: 0,
            regs: vec![None; n_regs],
            reg_bytes: vec![0; n_regs],
            cursors,
            cursor_bytes: vec![0; n_curs],
            held: 0,
            params,
            now_us: now_us(),
            rows_affected: 0,
            rows_emitted: 0,
            stats,
            change: None,
            changes: Vec::new(),
            txn_op: None,
        }
    }

    pub fn prepared(&self) -> &Arc<Prepared> {
        &self.p
    }

    /// The hub subscription of the run's `OpenSubscription` cursor, once opened.
    pub fn subscriber(&self) -> Option<Arc<crate::live::Subscriber>> {
        self.cursors.iter().flatten().find_map(|c| match c {
            Cursor::Subscription(s) => Some(s.subscriber().clone()),
            _ => None,
        })
    }

    /// Bytes held now in registers and cursors.
    pub fn held(&self) -> usize {
        self.held
    }

    /// Runs until `Halt` or a subscription waits.
    pub fn run(&mut self, cx: &mut Ctx<'_>) -> Result<Outcome> {
        let p = self.p.clone();
        let insns = &p.program.insns;
        loop {
            let at = self.pc;
            let insn = insns.get(at).ok_or_else(|| {
                ExecError::internal(format!("the program counter {at} left the program"))
            })?;
            let started = self.stats.is_some().then(Instant::now);
            let flow = handler(insn.opcode())(self, cx, insn).map_err(|e| locate(e, at, insn))?;
            if let Some(t0) = started {
                self.record(at, insn, flow, t0.elapsed());
            }
            match flow {
                Flow::Next => self.pc = at + 1,
                Flow::Jump(t) => {
                    if t <= at {
                        cx.budget.check()?;
                    }
                    self.pc = t;
                }
                Flow::Halt => {
                    if self.stats.is_some() {
                        super::analyze::emit_listing(self, cx)?;
                    } else if self.rows_emitted == 0 {
                        announce_columns(&p.program, cx);
                    }
                    self.release_all();
                    return Ok(Outcome::Halted);
                }
                Flow::Wait => return Ok(Outcome::Waiting),
            }
        }
    }

    fn record(&mut self, at: usize, insn: &Insn, flow: Flow, took: Duration) {
        let rows = super::analyze::rows_of(self, insn, flow);
        if let Some(s) = self.stats.as_mut().and_then(|s| s.get_mut(at)) {
            s.calls += 1;
            s.rows += rows;
            s.time += took;
        }
    }

    fn release_all(&mut self) {
        for r in self.regs.iter_mut() {
            *r = None;
        }
        for c in self.cursors.iter_mut() {
            *c = None;
        }
        self.reg_bytes.iter_mut().for_each(|b| *b = 0);
        self.cursor_bytes.iter_mut().for_each(|b| *b = 0);
        self.held = 0;
    }

    /// The expression context of this run.
    pub(crate) fn eval_ctx<'a>(&'a self, cx: &'a Ctx<'_>) -> EvalCtx<'a> {
        EvalCtx {
            consts: &self.p.consts,
            params: &self.params,
            now_us: self.now_us,
            user: &cx.who.effective,
        }
    }

    /// The batch in register `r`.
    pub(crate) fn reg(&self, r: Reg) -> Result<&RecordBatch> {
        self.regs
            .get(r.index())
            .and_then(|b| b.as_ref())
            .ok_or_else(|| {
                ExecError::internal(format!("register {r} is read before it is written"))
            })
    }

    /// Writes register `r`, relabelled with its declared schema, and checks memory.
    pub(crate) fn set_reg(&mut self, r: Reg, batch: RecordBatch, cx: &Ctx<'_>) -> Result<()> {
        let schema = self
            .p
            .reg_schema(r.index())
            .ok_or_else(|| ExecError::internal(format!("register {r} has no schema")))?;
        let batch = if batch.schema().as_ref() == schema.as_ref() {
            batch
        } else {
            super::types::relabel(schema, &batch)?
        };
        let bytes = batch_bytes(&batch);
        let slot = self
            .regs
            .get_mut(r.index())
            .ok_or_else(|| ExecError::internal(format!("register {r} does not exist")))?;
        *slot = Some(batch);
        let old = std::mem::replace(&mut self.reg_bytes[r.index()], bytes);
        self.held = self.held - old + bytes;
        self.check_memory(cx)
    }

    /// The Arrow schema of register `r`.
    pub(crate) fn reg_schema(&self, r: Reg) -> Result<arrow_schema::SchemaRef> {
        self.p
            .reg_schema(r.index())
            .cloned()
            .ok_or_else(|| ExecError::internal(format!("register {r} has no schema")))
    }

    /// The Arrow schema of program schema `s`.
    pub(crate) fn schema(&self, s: u32) -> Result<arrow_schema::SchemaRef> {
        self.p
            .schemas
            .get(s as usize)
            .cloned()
            .ok_or_else(|| ExecError::internal(format!("schema s{s} does not exist")))
    }

    /// The cursor `c`, opened.
    pub(crate) fn cursor(&mut self, c: Cur) -> Result<&mut Cursor> {
        self.cursors
            .get_mut(c.index())
            .and_then(|x| x.as_mut())
            .ok_or_else(|| ExecError::internal(format!("cursor {c} is used before it is opened")))
    }

    /// Takes cursor `c` out (put it back with [`Vm::put_cursor`]), so a handler can use
    /// it and the rest of the VM at once.
    pub(crate) fn take_cursor(&mut self, c: Cur) -> Result<Cursor> {
        self.cursors
            .get_mut(c.index())
            .and_then(|x| x.take())
            .ok_or_else(|| ExecError::internal(format!("cursor {c} is used before it is opened")))
    }

    /// Puts cursor `c` (back) and accounts its memory.
    pub(crate) fn put_cursor(&mut self, c: Cur, cursor: Cursor, cx: &Ctx<'_>) -> Result<()> {
        let bytes = cursor.held();
        let slot = self
            .cursors
            .get_mut(c.index())
            .ok_or_else(|| ExecError::internal(format!("cursor {c} does not exist")))?;
        *slot = Some(cursor);
        let old = std::mem::replace(&mut self.cursor_bytes[c.index()], bytes);
        self.held = self.held - old + bytes;
        self.check_memory(cx)
    }

    /// Opens cursor `c`.
    pub(crate) fn open_cursor(&mut self, c: Cur, cursor: Cursor, cx: &Ctx<'_>) -> Result<()> {
        if self.cursors.get(c.index()).is_some_and(|x| x.is_some()) {
            return Err(ExecError::internal(format!("cursor {c} is opened twice")));
        }
        self.put_cursor(c, cursor, cx)
    }

    fn check_memory(&self, cx: &Ctx<'_>) -> Result<()> {
        let max = cx.budget.max_memory;
        if self.held > max {
            return Err(ExecError::new(
                XCode::MemoryLimit,
                format!(
                    "the statement needs more than {} MiB in registers and cursors ({:.1} MiB held); the limit is limits.query_memory_mb",
                    max >> 20,
                    self.held as f64 / (1 << 20) as f64
                ),
            ));
        }
        Ok(())
    }
}

/// Adds the instruction to an error of the VM's own.
pub(crate) fn locate(mut e: ExecError, at: usize, insn: &Insn) -> ExecError {
    if e.code.starts_with('X') {
        e.message = format!(
            "{} (at instruction {at}, {})",
            e.message,
            insn.opcode().name()
        );
    }
    e
}

/// A result with no rows still has columns: hands the output the schema of the
/// program's first `Emit` (a scan that found nothing never reaches it). Called only
/// when the run emitted no row, so queries with rows pay nothing for it.
fn announce_columns(program: &kql_compiler::bytecode::Program, cx: &mut Ctx<'_>) {
    let Some(src) = program.insns.iter().find_map(|i| match i {
        Insn::Emit { src } => Some(*src),
        _ => None,
    }) else {
        return;
    };
    let schema = program
        .registers
        .get(src.0 as usize)
        .and_then(|id| program.schemas.get(*id as usize));
    if let Some(schema) = schema {
        cx.out.empty(&super::types::arrow_schema(schema));
    }
}
