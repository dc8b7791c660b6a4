//! Schema changes through the storage catalog: namespaces, tables, columns, options.
//! The session runs them outside transactions and while no other statement runs (it
//! holds the database's DDL lock exclusively), so no plan sees a table change under
//! it. Column defaults are KQL text, checked to parse; a column added to a table with
//! rows reads, in those rows, as its default evaluated once (or null).

use kalavar_storage::{
    AccessLevel, AlterTable as StorageAlter, ColumnSpec, ScalarValue, StorageError, TableKind,
    TableOptions as StorageOptions, TableSpec,
};
use kql_compiler::bytecode::{AlterAction, ColumnDef, Insn, TableOptions};
use kql_compiler::catalog::{Access, Catalog, TableKind as KqlKind};

use super::{operands, table_def};
use crate::vm::context::{Budget, Collect, Ctx, NoHost};
use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::machine::{Flow, Vm};
use crate::vm::types::{storage_scalar, to_storage};

fn checked_default(c: &ColumnDef) -> Result<Option<String>> {
    match &c.default {
        None => Ok(None),
        Some(text) => {
            let e = kql::parse_expr(text).map_err(|d| {
                ExecError::new(
                    XCode::BadArgument,
                    format!(
                        "the default of `{}` (`{text}`) is not a KQL expression: {d}",
                        c.name
                    ),
                )
            })?;
            Ok(Some(kql::format_expr(&e)))
        }
    }
}

fn column_spec(c: &ColumnDef, backfill: ScalarValue) -> Result<ColumnSpec> {
    Ok(ColumnSpec {
        name: c.name.clone(),
        data_type: to_storage(c.ty)?,
        nullable: c.nullable,
        default_kql: checked_default(c)?,
        backfill,
    })
}

fn apply_options(base: &mut StorageOptions, o: &TableOptions) {
    if let Some(a) = o.access {
        base.access = match a {
            Access::Public => AccessLevel::Public,
            Access::ReadOnly => AccessLevel::Read,
            Access::Private => AccessLevel::Private,
        };
    }
    if let Some(ttl) = o.ttl {
        base.ttl_secs = Some(u64::from(ttl));
    }
    if let Some(rows) = o.flush_rows {
        base.flush.max_hot_rows = u64::from(rows).max(1);
    }
    if let Some(every) = o.flush_every {
        base.flush.interval_secs = u64::from(every);
        base.flush.min_rows_for_interval = 1;
    }
}

/// Ignores `S110` (exists) or `S101`/`S102` (missing) when the statement said so.
fn tolerate(
    r: std::result::Result<(), StorageError>,
    codes: &[&str],
    tolerate: bool,
) -> Result<()> {
    match r {
        Err(e) if tolerate && codes.contains(&e.code()) => Ok(()),
        other => Ok(other?),
    }
}

pub fn op_create_namespace(_vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        CreateNamespace {
            name,
            if_not_exists
        }
    );
    tolerate(
        cx.db.engine.create_namespace(name).map(|_| ()),
        &["S110"],
        *if_not_exists,
    )?;
    Ok(Flow::Next)
}

pub fn op_drop_namespace(_vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, DropNamespace { name, if_exists });
    tolerate(cx.db.engine.drop_namespace(name), &["S101"], *if_exists)?;
    Ok(Flow::Next)
}

pub fn op_create_table(_vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, CreateTable { def, if_not_exists });
    let engine = &cx.db.engine;
    if *if_not_exists
        && engine
            .catalog()
            .table_by_name(&def.namespace, &def.name)
            .is_some()
    {
        return Ok(Flow::Next);
    }
    let kind = match def.kind {
        KqlKind::User => TableKind::User,
        KqlKind::Shared => TableKind::Shared,
        KqlKind::Stream => TableKind::Stream,
        KqlKind::System => {
            return Err(ExecError::new(
                XCode::Unsupported,
                "system tables are built in",
            ));
        }
    };
    let mut options = engine.default_table_options(kind);
    apply_options(&mut options, &def.options);
    let spec = TableSpec {
        namespace: def.namespace.clone(),
        name: def.name.clone(),
        kind,
        columns: def
            .columns
            .iter()
            .map(|c| column_spec(c, ScalarValue::Null))
            .collect::<Result<_>>()?,
        primary_key: def.key.clone(),
        options,
    };
    engine.create_table(&spec)?;
    Ok(Flow::Next)
}

/// The value rows written before a column existed read back as: its default,
/// evaluated once, or null.
fn backfill(c: &ColumnDef, cx: &Ctx<'_>) -> Result<ScalarValue> {
    let Some(text) = checked_default(c)? else {
        return Ok(ScalarValue::Null);
    };
    let source = format!("from [{{v: ({text})::{}}}]", c.ty);
    let catalog = Catalog::empty();
    let compiled = kql_compiler::compile(&source, kql_compiler::CompileOptions::new(&catalog))
        .map_err(|e| {
            ExecError::new(
                XCode::BadArgument,
                format!("the default of `{}` does not evaluate: {e}", c.name),
            )
        })?;
    let program = compiled
        .into_iter()
        .last()
        .ok_or_else(|| ExecError::internal("a default compiled to nothing"))?
        .program;
    let verified = kql_compiler::bytecode::verify(
        program,
        &kql_compiler::bytecode::VerifyContext::offline(&catalog),
    )?;
    let prepared = crate::vm::Prepared::new(verified, [0; 32])?;
    let mut vm = Vm::new(prepared, Vec::new());
    let mut out = Collect::default();
    let budget = Budget::unlimited();
    let mut inner = Ctx {
        db: cx.db,
        host: &NoHost,
        who: cx.who,
        txn: None,
        out: &mut out,
        budget: &budget,
    };
    vm.run(&mut inner)?;
    let b = out
        .batches
        .first()
        .ok_or_else(|| ExecError::internal("a default evaluated to no row"))?;
    storage_scalar(b.column(0).as_ref(), 0, c.ty)
}

pub fn op_alter_table(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, AlterTable { table, action });
    let def = table_def(vm, cx, *table)?;
    let name_of = |id: u32| {
        def.column(kalavar_storage::ColumnId(id))
            .map(|c| c.name.clone())
            .ok_or_else(|| ExecError::with_code("S103", format!("column #{id} does not exist")))
    };
    let change = match &**action {
        AlterAction::AddColumn(c) => StorageAlter::AddColumn(column_spec(c, backfill(c, cx)?)?),
        AlterAction::DropColumn(c) => StorageAlter::DropColumn(name_of(c.0)?),
        AlterAction::RenameColumn(c, to) => StorageAlter::RenameColumn {
            from: name_of(c.0)?,
            to: to.clone(),
        },
        AlterAction::SetOptions(o) => {
            let mut options = def.options.clone();
            apply_options(&mut options, o);
            StorageAlter::SetOptions(options)
        }
    };
    let access_changed =
        matches!(&change, StorageAlter::SetOptions(o) if o.access != def.options.access);
    cx.db.engine.alter_table(def.id, &change)?;
    if access_changed {
        // Who may read it changed: subscribers subscribe again, under the new rules.
        cx.db
            .live
            .end_table(def.id, "the subscribed table's access level changed");
    }
    Ok(Flow::Next)
}

pub fn op_drop_table(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, DropTable { table });
    let def = table_def(vm, cx, *table)?;
    cx.db.engine.drop_table(def.id)?;
    cx.db
        .live
        .end_table(def.id, "the subscribed table was dropped");
    Ok(Flow::Next)
}
