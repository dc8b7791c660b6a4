//! A plan: the header (flags, tables, parameters, schemas, registers, cursors,
//! constants, expressions) and the instructions.

use super::{Expr, Insn, Value};
use crate::catalog::TableId;
use crate::types::DataType;
use serde::Serialize;
use std::sync::Arc;

/// The plan format's magic bytes.
pub const MAGIC: &[u8; 4] = b"KQLP";
/// The layout of the container (header sections and their order).
pub const FORMAT_VERSION: u16 = 1;
/// The meaning of opcodes, functions and operand encodings; client and server agree
/// on it in their hello.
pub const OPCODE_SET_VERSION: u16 = 1;

/// Header flag bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Flags(pub u32);

impl Flags {
    /// The plan contains no write, DDL, admin or transaction opcode (checked).
    pub const READ_ONLY: u32 = 1;
    /// `explain analyze`: run the plan, discard its rows, and return instead the
    /// listing with rows and time per instruction.
    pub const ANALYZE: u32 = 2;
    /// Every bit this build knows.
    pub const KNOWN: u32 = Self::READ_ONLY | Self::ANALYZE;

    pub fn read_only(self) -> bool {
        self.0 & Self::READ_ONLY != 0
    }

    pub fn analyze(self) -> bool {
        self.0 & Self::ANALYZE != 0
    }

    pub fn names(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.read_only() {
            v.push("read_only");
        }
        if self.analyze() {
            v.push("analyze");
        }
        v
    }
}

/// A table the plan touches, at the schema version it was compiled against.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct TableUse {
    pub id: TableId,
    pub schema_version: u32,
    /// `namespace.name`, for listings and messages; the id is what counts.
    /// Shared with the plan the program was emitted from.
    #[serde(serialize_with = "serialize_name")]
    pub name: Arc<str>,
}

/// A parameter slot filled by the execute message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct ParamDecl {
    /// `name` for `$name`, the number for `$1`.
    pub name: String,
    pub ty: DataType,
}

/// A column of a batch schema.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Field {
    /// Shared with the plan the program was emitted from (emitting copies no name).
    #[serde(serialize_with = "serialize_name")]
    pub name: Arc<str>,
    pub ty: DataType,
    pub nullable: bool,
}

/// The schema of the batches a register or cursor holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Schema {
    pub fields: Vec<Field>,
}

fn serialize_name<S: serde::Serializer>(name: &Arc<str>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(name)
}

impl Schema {
    pub fn types(&self) -> Vec<DataType> {
        self.fields.iter().map(|f| f.ty).collect()
    }

    pub fn names(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.name.to_string()).collect()
    }

    /// Whether two schemas carry the same column types (names may differ).
    pub fn same_types(&self, other: &Schema) -> bool {
        self.fields.len() == other.fields.len()
            && self
                .fields
                .iter()
                .zip(&other.fields)
                .all(|(a, b)| a.ty == b.ty)
    }
}

/// Index into [`Program::schemas`].
pub type SchemaId = u32;

/// What a cursor is; fixed by its declaration and checked against its `Open*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CursorKind {
    Scan,
    Subscription,
    Sort,
    TopK,
    Aggregate,
    HashJoin,
    Limit,
    Distinct,
}

impl CursorKind {
    pub const ALL: [CursorKind; 8] = [
        CursorKind::Scan,
        CursorKind::Subscription,
        CursorKind::Sort,
        CursorKind::TopK,
        CursorKind::Aggregate,
        CursorKind::HashJoin,
        CursorKind::Limit,
        CursorKind::Distinct,
    ];

    pub fn name(self) -> &'static str {
        match self {
            CursorKind::Scan => "scan",
            CursorKind::Subscription => "subscription",
            CursorKind::Sort => "sort",
            CursorKind::TopK => "topk",
            CursorKind::Aggregate => "aggregate",
            CursorKind::HashJoin => "hash_join",
            CursorKind::Limit => "limit",
            CursorKind::Distinct => "distinct",
        }
    }
}

/// A cursor's declaration: its kind, the schema of rows fed to it (`input`; for a
/// scan, unused and equal to `output`), and the schema of batches `Next` reads
/// (`output`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct CursorDecl {
    pub kind: CursorKind,
    pub input: SchemaId,
    pub output: SchemaId,
}

/// A bytecode plan, decoded or freshly emitted (not yet verified).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Program {
    pub flags: Flags,
    /// `execute as USER { … }`: the user the plan acts for.
    pub act_as: Option<String>,
    /// The statement text the plan was compiled from (informative), shared with
    /// [`crate::Compiled::text`] instead of copied.
    #[serde(serialize_with = "serialize_source")]
    pub source: Option<Arc<str>>,
    pub tables: Vec<TableUse>,
    pub params: Vec<ParamDecl>,
    pub schemas: Vec<Schema>,
    /// Register *i* holds batches of schema `registers[i]`.
    pub registers: Vec<SchemaId>,
    pub cursors: Vec<CursorDecl>,
    pub constants: Vec<Value>,
    pub exprs: Vec<Expr>,
    pub insns: Vec<Insn>,
}

impl Program {
    /// The schema of a register, if both indexes are in range.
    pub fn register_schema(&self, reg: super::Reg) -> Option<&Schema> {
        self.registers
            .get(reg.index())
            .and_then(|s| self.schemas.get(*s as usize))
    }

    pub fn constant_types(&self) -> Vec<DataType> {
        self.constants.iter().map(Value::ty).collect()
    }

    pub fn param_names(&self) -> Vec<String> {
        self.params.iter().map(|p| p.name.clone()).collect()
    }
}

/// `source` as a plain optional string (serde's `Arc` support is a feature left off).
fn serialize_source<S: serde::Serializer>(
    source: &Option<Arc<str>>,
    s: S,
) -> Result<S::Ok, S::Error> {
    source.as_deref().serialize(s)
}
