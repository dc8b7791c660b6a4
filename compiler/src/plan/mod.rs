//! The logical plan: what the binder produces and the optimizer rewrites, before
//! bytecode. A tree of relational operators over typed scalar expressions whose
//! column references are positions in the operator's input.

mod display;
mod node;
mod scalar;
mod statement;

pub use node::{JoinKeys, Plan, PlanField, PlanSchema, ScanRange, SortSpec, TableInfo};
pub use scalar::{Scalar, ScalarKind};
pub use statement::{BoundStatement, Command};
