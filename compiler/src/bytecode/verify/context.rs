//! What the verifier checks a plan against: the catalog, the caller, the limits.

use crate::catalog::Catalog;
use crate::identity::Caller;

/// Resource bounds a server enforces on plans (all inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_insns: usize,
    pub max_registers: usize,
    pub max_cursors: usize,
    pub max_constants: usize,
    /// Total bytes of text, JSON and bytes constants.
    pub max_constant_bytes: usize,
    pub max_exprs: usize,
    /// Total nodes over all expressions.
    pub max_nodes: usize,
    /// Total cells over all `Values` instructions.
    pub max_value_cells: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_insns: 16_384,
            max_registers: 1024,
            max_cursors: 256,
            max_constants: 65_536,
            max_constant_bytes: 64 << 20,
            max_exprs: 65_536,
            max_nodes: 1 << 20,
            max_value_cells: 1 << 20,
        }
    }
}

/// The catalog a plan must match, who runs it, and the bounds it must keep.
#[derive(Debug, Clone, Copy)]
pub struct VerifyContext<'a> {
    /// `None` checks structure only (offline `kalavar inspect` without `--catalog`):
    /// table ids, versions and columns are then taken as the plan states them.
    pub catalog: Option<&'a Catalog>,
    /// `None` skips permission checks (the client checking its own plan); the server
    /// always passes the caller from the verified certificate.
    pub caller: Option<&'a Caller>,
    pub limits: Limits,
}

impl<'a> VerifyContext<'a> {
    /// Full checking, as the server does.
    pub fn server(catalog: &'a Catalog, caller: &'a Caller) -> Self {
        VerifyContext {
            catalog: Some(catalog),
            caller: Some(caller),
            limits: Limits::default(),
        }
    }

    /// Catalog checks without permissions (the client, `kalavar explain`).
    pub fn offline(catalog: &'a Catalog) -> Self {
        VerifyContext {
            catalog: Some(catalog),
            caller: None,
            limits: Limits::default(),
        }
    }

    /// Structure only.
    pub fn structural() -> Self {
        VerifyContext {
            catalog: None,
            caller: None,
            limits: Limits::default(),
        }
    }
}
