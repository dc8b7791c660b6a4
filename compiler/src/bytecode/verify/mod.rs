//! The verifier: decides whether a decoded plan may run.
//!
//! Three passes, each a loop over the plan: [`header`] checks resource bounds, index
//! ranges and the tables against the catalog; [`insns`] checks every instruction's
//! operands, expression types, schemas, columns and permissions; [`dataflow`] checks
//! that registers are written before they are read and cursors are used in the right
//! state on every path, which with the jump rules bounds every loop. The first broken
//! rule is returned as a [`VerifyError`] with a stable `V` code and the instruction's
//! address.

mod context;
mod dataflow;
mod error;
mod header;
mod insns;

pub use context::{Limits, VerifyContext};
pub use error::{PlanError, VerifyCode, VerifyError};

use super::Program;

/// A plan that passed [`verify`]: the only way to get one, so the VM can take it as
/// proof.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedProgram {
    program: Program,
}

impl VerifiedProgram {
    pub fn program(&self) -> &Program {
        &self.program
    }

    pub fn into_program(self) -> Program {
        self.program
    }
}

impl std::ops::Deref for VerifiedProgram {
    type Target = Program;
    fn deref(&self) -> &Program {
        &self.program
    }
}

/// Checks a decoded plan against the context.
pub fn verify(program: Program, ctx: &VerifyContext<'_>) -> Result<VerifiedProgram, VerifyError> {
    header::check_header(&program, ctx)?;
    insns::InsnChecker::new(&program, ctx).check_all()?;
    dataflow::check_dataflow(&program)?;
    Ok(VerifiedProgram { program })
}

/// Decodes and checks plan bytes from a client.
pub fn verify_bytes(bytes: &[u8], ctx: &VerifyContext<'_>) -> Result<VerifiedProgram, PlanError> {
    let program = Program::decode(bytes)?;
    Ok(verify(program, ctx)?)
}
