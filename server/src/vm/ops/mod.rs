//! The opcode handlers, grouped like the instruction set: [`control`] (jumps, `Next`,
//! `Emit`, transaction markers), [`read`] (scans, seeks, subscriptions), [`compute`]
//! (batch-to-batch operators, limits, distinct), [`fill`] (sorters, top-k,
//! aggregations and hash joins: `Open*`, `Feed`, `Seal`, `Probe`), [`write`] (the
//! sinks), [`ddl`] and [`admin`]. Every handler has the signature of
//! [`crate::vm::machine::Handler`].

pub mod admin;
pub mod compute;
pub mod control;
pub mod ddl;
pub mod fill;
pub mod read;
pub mod write;

use std::sync::Arc;

use arrow_array::{Array, ArrayRef};
use kalavar_storage::{TableDef, TableId, TableKind, UserId};
use kql_compiler::bytecode::{ExprId, TableRef};

use super::context::Ctx;
use super::error::{ExecError, Result, XCode};
use super::expr::eval_constant;
use super::machine::Vm;

/// Destructures a handler's instruction, or fails as internal when the dispatch table
/// handed it another one (it cannot: the table is one exhaustive `match`).
macro_rules! operands {
    ($insn:expr, $variant:ident { $($f:ident),* }) => {
        let kql_compiler::bytecode::Insn::$variant { $($f),* } = $insn else {
            return Err($crate::vm::error::ExecError::internal(concat!(
                "the handler of ",
                stringify!($variant),
                " got another instruction"
            )));
        };
    };
}
pub(crate) use operands;

/// The expression `e` of the program.
pub(crate) fn expr(vm: &Vm, e: ExprId) -> Result<&kql_compiler::bytecode::Expr> {
    vm.p.program
        .exprs
        .get(e.index())
        .ok_or_else(|| ExecError::internal(format!("expression {e} does not exist")))
}

/// Evaluates constant expression `e` to a one-row array.
pub(crate) fn constant(vm: &Vm, cx: &Ctx<'_>, e: ExprId) -> Result<ArrayRef> {
    let ex = expr(vm, e)?;
    eval_constant(ex, &vm.eval_ctx(cx))
}

/// Evaluates a constant `int64` bound (`take`, `skip`, top-k): `None` when absent;
/// negative or null is `X007`.
pub(crate) fn bound(vm: &Vm, cx: &Ctx<'_>, e: Option<ExprId>, what: &str) -> Result<Option<u64>> {
    let Some(e) = e else { return Ok(None) };
    let a = constant(vm, cx, e)?;
    let v = a
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .ok_or_else(|| ExecError::internal(format!("the {what} is not int64")))?;
    if v.is_empty() || v.is_null(0) {
        return Err(ExecError::new(
            XCode::BadLimit,
            format!("the {what} is null"),
        ));
    }
    let n = v.value(0);
    u64::try_from(n)
        .map(Some)
        .map_err(|_| ExecError::new(XCode::BadLimit, format!("the {what} is negative ({n})")))
}

/// The definition of plan table `t`, checked against the version the plan pinned.
pub(crate) fn table_def(vm: &Vm, cx: &Ctx<'_>, t: TableRef) -> Result<Arc<TableDef>> {
    plan_table_def(&vm.p.program, cx.db, t)
}

/// [`table_def`] of a program, outside a run.
pub(crate) fn plan_table_def(
    program: &kql_compiler::bytecode::VerifiedProgram,
    db: &crate::db::Database,
    t: TableRef,
) -> Result<Arc<TableDef>> {
    plan_table_def_at(program, &db.engine.catalog(), t)
}

/// [`plan_table_def`] in one catalog snapshot.
pub(crate) fn plan_table_def_at(
    program: &kql_compiler::bytecode::VerifiedProgram,
    catalog: &kalavar_storage::CatalogSnapshot,
    t: TableRef,
) -> Result<Arc<TableDef>> {
    let used = program
        .tables
        .get(t.index())
        .ok_or_else(|| ExecError::internal(format!("table {t} is not in the plan")))?;
    let def = catalog.table(TableId(used.id)).cloned().ok_or_else(|| {
        ExecError::with_code("S102", format!("table {} no longer exists", used.name))
    })?;
    if u64::from(used.schema_version) != def.schema_version {
        return Err(ExecError::with_code(
            "V013",
            format!(
                "table {} is at schema version {}, the plan was compiled against {}; recompile",
                def.qualified_name(),
                def.schema_version,
                used.schema_version
            ),
        ));
    }
    Ok(def)
}

/// The partition owner for `def`: the effective user for `user` tables.
pub(crate) fn owner(def: &TableDef, cx: &Ctx<'_>) -> Option<UserId> {
    (def.kind == TableKind::User).then_some(cx.who.owner)
}
