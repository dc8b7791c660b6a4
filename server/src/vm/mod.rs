//! The VM: runs a verified bytecode plan against the tiered storage, vectorized over
//! Arrow record batches.
//!
//! 1. [`Prepared::new`] takes a [`kql_compiler::bytecode::VerifiedProgram`] (the only
//!    way to get one is the verifier) and computes what every run needs: Arrow schemas,
//!    constants as arrays, the statement's kind.
//! 2. [`Vm::new`] binds parameters; [`Vm::run`] dispatches each instruction to its
//!    handler ([`machine::handler`]: one `op_*` per opcode, an exhaustive `match`) with
//!    a [`Ctx`]: the database, the caller ([`Who`]), the storage transaction, the
//!    output and the [`Budget`].
//! 3. Handlers evaluate expressions column-at-a-time ([`expr`]), move batches between
//!    registers, and keep state in cursors ([`cursor`]: scans, sorts, top-k, hash
//!    aggregation through `arrow-row`, hash joins, limits, distinct, subscriptions).
//! 4. A run ends at `Halt` ([`Outcome::Halted`]; writes are then committed by the
//!    session), or suspends at a subscription with nothing to read
//!    ([`Outcome::Waiting`]).
//!
//! Every failure is an [`ExecError`] with a stable code; see [`error::XCode`].

pub mod analyze;
pub mod context;
pub mod cursor;
pub mod error;
pub mod expr;
pub mod floats;
pub mod hash;
pub mod machine;
pub mod ops;
pub mod point;
pub mod prepared;
pub mod rowkey;
pub mod types;

pub use context::{
    AdminDone, AdminOp, Budget, Collect, Ctx, Host, NoHost, Output, SessionRow, Who,
};
pub use error::{ExecError, XCode};
pub use machine::{Outcome, TxnOp, Vm};
pub use point::{PointGet, PointRun};
pub use prepared::{PlanKind, Prepared, plan_hash};
