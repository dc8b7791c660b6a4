//! [`Prepared`]: a verified program with what every run of it needs computed once —
//! the Arrow schema of each declared schema, the constants as one-row arrays, and
//! what kind of statement it is. The plan cache keeps these.

use std::sync::Arc;

use arrow_array::ArrayRef;
use arrow_schema::SchemaRef;
use kql_compiler::bytecode::{Insn, OpClass, VerifiedProgram};

use super::error::Result;
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
        let schemas = program.schemas.iter().map(arrow_schema).collect();
        let consts = program
            .constants
            .iter()
            .map(value_array)
            .collect::<Result<_>>()?;
        let kind = kind_of(&program);
        Ok(Arc::new(Prepared {
            program,
            hash,
            schemas,
            consts,
            kind,
        }))
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
