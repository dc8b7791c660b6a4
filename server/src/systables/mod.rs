//! The system tables. Their schemas are the compiler's (`kql_compiler::catalog`); the
//! server fills their rows when a scan opens, from the catalog, the storage engine's
//! statistics, the job log, the session registry and its own counters. Roles decide
//! rows:
//!
//! | table | `dba`, `root` | `user`, `service` |
//! |---|---|---|
//! | `system.tables`, `system.columns` | every table | the tables their role may see; row counts of `user` tables are their own partition's |
//! | `system.users` | every user | themselves |
//! | `system.certificates` | every certificate | their own |
//! | `system.sessions` | every session | their own |
//! | `system.jobs` | every job | jobs on their own partitions |
//! | `system.stats` | server-wide counters and per-table figures | per-table figures of their own partitions, their session count |

mod build;
mod catalog;
mod server;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;
use kql_compiler::bytecode::Col;
use kql_compiler::catalog::SYSTEM_TABLE_ID_BASE;

use crate::vm::context::Ctx;
use crate::vm::error::{ExecError, Result};
use crate::vm::types::batch;

/// The rows of system table `id` for the caller, projected on `columns` (system
/// column ids are their 1-based positions) and labelled with `out`.
pub fn scan(cx: &Ctx<'_>, id: u64, columns: &[Col], out: &SchemaRef) -> Result<Vec<RecordBatch>> {
    let n = id - SYSTEM_TABLE_ID_BASE;
    let full = match n {
        0 => catalog::tables(cx)?,
        1 => catalog::columns(cx)?,
        2 => catalog::users(cx)?,
        3 => catalog::certificates(cx)?,
        4 => server::sessions(cx)?,
        5 => server::jobs(cx)?,
        6 => server::stats(cx)?,
        _ => {
            return Err(ExecError::with_code(
                "S102",
                format!("system table {id} does not exist"),
            ));
        }
    };
    let rows = full.first().map_or(0, |c| c.len());
    let mut cols = Vec::with_capacity(columns.len());
    for c in columns {
        let at = (c.0 as usize)
            .checked_sub(1)
            .and_then(|i| full.get(i))
            .ok_or_else(|| ExecError::internal(format!("system column #{} does not exist", c.0)))?;
        cols.push(at.clone());
    }
    if rows == 0 {
        return Ok(Vec::new());
    }
    Ok(super::vm::cursor::chunks(batch(out, cols, rows)?))
}
