//! Bytecode plans: the instruction set, flat expressions, constants, the program
//! container and its codec, the verifier, and the disassembler.
//!
//! A plan is a flat list of instructions over registers (each holding one Arrow
//! record batch of a declared schema) and cursors (scans, sorters, aggregations, join
//! tables, limit and distinct state). Loops are `Next cursor, dest, done` … `Goto`
//! back to the `Next`, so every loop is bounded by a cursor. See `docs/bytecode.md`.

mod codec;
pub mod disasm;
mod expr;
mod insn;
mod operand;
mod program;
pub mod reference;
mod value;
pub mod verify;

pub use codec::FormatLimits;
pub use expr::{BinaryOp, Expr, Func, MAX_ARGS, MAX_NODES, Node, NodeId, UnaryOp};
pub use insn::{Insn, OpClass, Opcode};
pub use operand::{
    Addr, AggFunc, AggSpec, AlterAction, Bound, Cells, Col, ColumnDef, Cur, ExprId, JoinKind,
    KeyRange, MAX_CELLS, MAX_LIST, MAX_STRING, Operand, Reg, SortKey, TableDef, TableOptions,
    TableRef, read_type, write_type,
};
pub use program::{
    CursorDecl, CursorKind, FORMAT_VERSION, Field, Flags, MAGIC, OPCODE_SET_VERSION, ParamDecl,
    Program, Schema, SchemaId, TableUse,
};
pub use value::{MAX_CONSTANT_BYTES, Value, format_duration};
pub use verify::{
    Limits, PlanError, VerifiedProgram, VerifyCode, VerifyContext, VerifyError, verify,
    verify_bytes,
};
