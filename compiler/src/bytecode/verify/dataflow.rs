//! The dataflow pass: on every path, each register is written before it is read and
//! each cursor is in the state its instruction needs.
//!
//! A forward analysis over instructions. The state at an instruction is the set of
//! registers written on *every* path to it (intersection at joins) and, per cursor,
//! the set of states it may be in on *some* path (union at joins):
//!
//! ```text
//!   unopened ──Open(scan, subscription, limit, distinct)──► readable ──Next done──► exhausted
//!      │                                                       ▲
//!      └──Open(sort, topk, aggregate, hash join)──► filling ──Seal
//! ```
//!
//! `Open*` needs `unopened` (so a cursor is opened once per run, never inside a loop);
//! `Feed` and `Seal` need `filling`; `Next`, `Probe`, `Limit` and `Distinct` need
//! `readable`. Together with "a backward jump lands on a `Next`" this bounds every
//! loop: each iteration passes a `Next` that either reads one of the finitely many
//! batches of a readable cursor or leaves the loop, and an exhausted cursor never
//! becomes readable again. Requirements are checked while iterating to the fixpoint;
//! states only lose registers and gain cursor states as iteration proceeds, so an
//! error found on the way holds at the fixpoint too.

use super::error::{VerifyCode, VerifyError};
use crate::bytecode::{Cur, Insn, Program, Reg};
use std::collections::BTreeSet;

const UNOPENED: u8 = 1;
const FILLING: u8 = 2;
const READABLE: u8 = 4;
const EXHAUSTED: u8 = 8;

fn state_names(bits: u8) -> String {
    let mut v = Vec::new();
    for (b, n) in [
        (UNOPENED, "unopened"),
        (FILLING, "filling"),
        (READABLE, "readable"),
        (EXHAUSTED, "exhausted"),
    ] {
        if bits & b != 0 {
            v.push(n);
        }
    }
    v.join(" or ")
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct State {
    regs: Vec<u64>,
    cursors: Vec<u8>,
}

impl State {
    fn has(&self, r: Reg) -> bool {
        self.regs[r.index() / 64] & (1 << (r.index() % 64)) != 0
    }

    fn set(&mut self, r: Reg) {
        self.regs[r.index() / 64] |= 1 << (r.index() % 64);
    }

    /// Merges `other` into `self`; true when `self` changed.
    fn merge(&mut self, other: &State) -> bool {
        let before = self.clone();
        for (a, b) in self.regs.iter_mut().zip(&other.regs) {
            *a &= *b;
        }
        for (a, b) in self.cursors.iter_mut().zip(&other.cursors) {
            *a |= *b;
        }
        *self != before
    }
}

struct Flow<'a> {
    p: &'a Program,
    at: usize,
}

impl Flow<'_> {
    fn err(&self, code: VerifyCode, message: String) -> VerifyError {
        VerifyError {
            code,
            at: Some(self.at),
            opcode: Some(self.p.insns[self.at].opcode().name()),
            message,
        }
    }

    fn read(&self, s: &State, r: Reg) -> Result<(), VerifyError> {
        if !s.has(r) {
            return Err(self.err(
                VerifyCode::Unassigned,
                format!("register {r} is read before it is written on some path"),
            ));
        }
        Ok(())
    }

    fn need(&self, s: &State, c: Cur, want: u8, doing: &str) -> Result<(), VerifyError> {
        let have = s.cursors[c.index()];
        if have & !want != 0 {
            return Err(self.err(
                VerifyCode::CursorState,
                format!(
                    "{doing} cursor {c} needs it {}, but it may be {}",
                    state_names(want),
                    state_names(have)
                ),
            ));
        }
        Ok(())
    }
}

/// Runs the pass. Indexes were checked by the per-instruction checks already.
pub(super) fn check_dataflow(p: &Program) -> Result<(), VerifyError> {
    let n = p.insns.len();
    let entry = State {
        regs: vec![0; p.registers.len().div_ceil(64)],
        cursors: vec![UNOPENED; p.cursors.len()],
    };
    let mut states: Vec<Option<State>> = vec![None; n];
    states[0] = Some(entry);
    let mut work: BTreeSet<usize> = BTreeSet::from([0]);
    while let Some(at) = work.pop_first() {
        let s = states[at]
            .clone()
            .expect("queued instructions have a state");
        let flow = Flow { p, at };
        let mut out = s.clone();
        let mut edges: Vec<(usize, State)> = Vec::with_capacity(2);
        let next = at + 1;
        match &p.insns[at] {
            Insn::Halt {} => {}
            Insn::Goto { target } => edges.push((target.index(), out)),
            Insn::Next { cursor, dest, done } => {
                flow.need(&s, *cursor, READABLE, "Next of")?;
                let mut exhausted = s.clone();
                exhausted.cursors[cursor.index()] = EXHAUSTED;
                edges.push((done.index(), exhausted));
                out.set(*dest);
                edges.push((next, out));
            }
            Insn::Limit {
                cursor,
                src,
                dest,
                done,
            } => {
                flow.need(&s, *cursor, READABLE, "Limit through")?;
                flow.read(&s, *src)?;
                edges.push((done.index(), s.clone()));
                out.set(*dest);
                edges.push((next, out));
            }
            Insn::OpenScan { cursor, .. }
            | Insn::OpenSubscription { cursor, .. }
            | Insn::OpenLimit { cursor, .. }
            | Insn::OpenDistinct { cursor } => {
                flow.need(&s, *cursor, UNOPENED, "opening")?;
                out.cursors[cursor.index()] = READABLE;
                edges.push((next, out));
            }
            Insn::OpenSort { cursor, .. }
            | Insn::OpenTopK { cursor, .. }
            | Insn::OpenAggregate { cursor, .. }
            | Insn::OpenHashJoin { cursor, .. } => {
                flow.need(&s, *cursor, UNOPENED, "opening")?;
                out.cursors[cursor.index()] = FILLING;
                edges.push((next, out));
            }
            Insn::Feed { cursor, src } => {
                flow.need(&s, *cursor, FILLING, "Feed into")?;
                flow.read(&s, *src)?;
                edges.push((next, out));
            }
            Insn::Seal { cursor } => {
                flow.need(&s, *cursor, FILLING, "Seal of")?;
                out.cursors[cursor.index()] = READABLE;
                edges.push((next, out));
            }
            Insn::Distinct { cursor, src, dest }
            | Insn::Probe {
                cursor, src, dest, ..
            } => {
                flow.need(&s, *cursor, READABLE, "using")?;
                flow.read(&s, *src)?;
                out.set(*dest);
                edges.push((next, out));
            }
            Insn::Filter { src, dest, .. } | Insn::Project { src, dest, .. } => {
                flow.read(&s, *src)?;
                out.set(*dest);
                edges.push((next, out));
            }
            Insn::SeekKey { dest, .. }
            | Insn::Values { dest, .. }
            | Insn::IssueCertificate { dest, .. } => {
                out.set(*dest);
                edges.push((next, out));
            }
            Insn::Emit { src }
            | Insn::Insert { src, .. }
            | Insn::Upsert { src, .. }
            | Insn::Update { src, .. }
            | Insn::Delete { src, .. } => {
                flow.read(&s, *src)?;
                edges.push((next, out));
            }
            Insn::CreateNamespace { .. }
            | Insn::DropNamespace { .. }
            | Insn::CreateTable { .. }
            | Insn::AlterTable { .. }
            | Insn::DropTable { .. }
            | Insn::CreateUser { .. }
            | Insn::AlterUser { .. }
            | Insn::DropUser { .. }
            | Insn::RevokeCertificate { .. }
            | Insn::RevokeCertificates { .. }
            | Insn::Flush { .. }
            | Insn::Compact { .. }
            | Insn::Begin {}
            | Insn::Commit {}
            | Insn::Rollback {} => edges.push((next, out)),
        }
        for (to, state) in edges {
            if to >= n {
                return Err(flow.err(
                    VerifyCode::FallsOffEnd,
                    "this path runs past the last instruction".into(),
                ));
            }
            let changed = match &mut states[to] {
                Some(existing) => existing.merge(&state),
                slot @ None => {
                    *slot = Some(state);
                    true
                }
            };
            if changed {
                work.insert(to);
            }
        }
    }
    Ok(())
}
