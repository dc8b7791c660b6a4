//! Verification errors: a stable `V` code, the instruction address when one is to
//! blame, and why.

use std::fmt;

macro_rules! verify_codes {
    ($( $(#[doc = $doc:literal])+ $name:ident = $code:literal, )*) => {
        /// Which rule a plan broke. Codes are stable; clients may match on them.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum VerifyCode {
            $( $(#[doc = $doc])+ $name, )*
        }

        impl VerifyCode {
            pub const ALL: &'static [VerifyCode] = &[$(VerifyCode::$name),*];

            pub fn code(self) -> &'static str {
                match self { $( VerifyCode::$name => $code, )* }
            }

            /// The rule in words (the doc comment), for docs/bytecode.md.
            pub fn rule(self) -> &'static str {
                match self { $( VerifyCode::$name => concat!($($doc),+), )* }
            }
        }
    };
}

verify_codes! {
    /// The plan exceeds a resource bound of the server: instructions, registers,
    /// cursors, constants (count or bytes), expressions, expression nodes, rows of
    /// `Values`.
    ResourceLimit = "V001",
    /// An index is out of range: a register, cursor, schema, table, expression,
    /// constant, parameter or column position.
    BadIndex = "V002",
    /// A jump (`Goto`, `Next`'s or `Limit`'s `done`) lands outside the program.
    BadJump = "V003",
    /// A loop not bounded by a cursor: a backward jump that does not land on a `Next`,
    /// or a `done` target that is not forward.
    UnboundedLoop = "V004",
    /// A path runs past the last instruction: the program must end every path in
    /// `Halt` (the last instruction is `Halt` or `Goto`), and must not be empty.
    FallsOffEnd = "V005",
    /// A register is read before it is written on some path.
    Unassigned = "V006",
    /// A cursor is used in the wrong state on some path: not opened, opened twice or by
    /// two instructions, fed after `Seal`, read before `Seal` or after it was
    /// exhausted.
    CursorState = "V007",
    /// An operand of the wrong kind: a cursor declared as one kind used by an opcode
    /// for another (`Feed` into a scan, `Probe` of a sorter).
    OperandKind = "V008",
    /// What an instruction produces does not match the declared schema of its
    /// destination register or cursor, or its input has the wrong columns.
    SchemaMismatch = "V009",
    /// An expression is malformed or ill-typed: a node refers to itself or a later
    /// node, operand types do not fit, a predicate is not `bool`, a constant
    /// expression reads a column.
    BadExpression = "V010",
    /// A plan flagged read-only contains a write, DDL, admin or transaction opcode.
    ReadOnlyViolation = "V011",
    /// A table id is not in the catalog.
    UnknownTable = "V012",
    /// A table's schema version is not the catalog's: the plan is stale; recompile
    /// against a fresh catalog.
    StaleSchema = "V013",
    /// A column id is not in its table.
    UnknownColumn = "V014",
    /// The caller may not read or write a table the plan touches.
    TableDenied = "V015",
    /// The caller's role may not run this statement (DDL, users, certificates, jobs).
    StatementDenied = "V016",
    /// `execute as` names a user the caller may not act for, or the acting plan holds
    /// DDL, admin or transaction opcodes.
    ActAsDenied = "V017",
    /// A write that cannot be applied: columns missing or repeated, a key column
    /// updated, an upsert into a table without key, a write to a system table, an
    /// unusable table definition.
    BadWrite = "V018",
    /// A transaction opcode shares its plan with other work.
    TransactionMix = "V019",
    /// The header is inconsistent: a parameter or field of type `null`, a cursor whose
    /// schemas do not fit its kind.
    BadHeader = "V020",
}

/// A plan broke a rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct VerifyError {
    pub code: VerifyCode,
    /// The instruction to blame, when there is one.
    pub at: Option<usize>,
    /// Its opcode name.
    pub opcode: Option<&'static str>,
    pub message: String,
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.at, self.opcode) {
            (Some(at), Some(op)) => {
                write!(f, "{}: at {at} ({op}): {}", self.code.code(), self.message)
            }
            (Some(at), None) => write!(f, "{}: at {at}: {}", self.code.code(), self.message),
            _ => write!(f, "{}: {}", self.code.code(), self.message),
        }
    }
}

/// Decoding or verification failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Decode(#[from] crate::codec::DecodeError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
}

impl PlanError {
    pub fn code(&self) -> &'static str {
        match self {
            PlanError::Decode(e) => e.code.code(),
            PlanError::Verify(e) => e.code.code(),
        }
    }
}
