//! Users, certificates and maintenance. Users and certificates go to the [`Host`]
//! (the server: its catalog directory, CA, CRL and session registry, exactly as the
//! admin requests do); `flush` and `compact` run every partition of the table now and
//! record jobs in `system.jobs`.
//!
//! [`Host`]: crate::vm::context::Host

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::DurationMicrosecondType;
use arrow_array::{Array, ArrayRef, StringArray, TimestampMicrosecondArray};
use kql_compiler::bytecode::Insn;

use super::{constant, operands, table_def};
use crate::jobs::scheduler;
use crate::vm::context::{AdminDone, AdminOp, Ctx};
use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::machine::{Flow, Vm};
use crate::vm::types::batch;

fn admin(cx: &mut Ctx<'_>, op: AdminOp<'_>) -> Result<AdminDone> {
    cx.host.admin(cx.who, op)
}

pub fn op_create_user(_vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        CreateUser {
            name,
            role,
            ips,
            enabled
        }
    );
    admin(
        cx,
        AdminOp::CreateUser {
            name,
            role: *role,
            ips,
            enabled: *enabled,
        },
    )?;
    Ok(Flow::Next)
}

pub fn op_alter_user(_vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        AlterUser {
            name,
            role,
            ips,
            enabled
        }
    );
    admin(
        cx,
        AdminOp::AlterUser {
            name,
            role: *role,
            ips: ips.as_deref(),
            enabled: *enabled,
        },
    )?;
    Ok(Flow::Next)
}

pub fn op_drop_user(_vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, DropUser { name, if_exists });
    admin(
        cx,
        AdminOp::DropUser {
            name,
            if_exists: *if_exists,
        },
    )?;
    Ok(Flow::Next)
}

fn text_constant(
    vm: &Vm,
    cx: &Ctx<'_>,
    e: kql_compiler::bytecode::ExprId,
    what: &str,
) -> Result<String> {
    let a = constant(vm, cx, e)?;
    let s = a
        .as_string_opt::<i32>()
        .ok_or_else(|| ExecError::internal(format!("the {what} is not text")))?;
    if s.is_empty() || s.is_null(0) {
        return Err(ExecError::new(
            XCode::AdminFailed,
            format!("the {what} is null"),
        ));
    }
    Ok(s.value(0).to_owned())
}

pub fn op_issue_certificate(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(
        insn,
        IssueCertificate {
            user,
            csr,
            ips,
            valid,
            dest
        }
    );
    let csr = text_constant(vm, cx, *csr, "certificate request")?;
    let valid_us = match valid {
        Some(v) => {
            let a = constant(vm, cx, *v)?;
            let d = a
                .as_primitive_opt::<DurationMicrosecondType>()
                .ok_or_else(|| ExecError::internal("a validity that is not a duration"))?;
            if d.is_empty() || d.is_null(0) {
                None
            } else {
                Some(d.value(0))
            }
        }
        None => None,
    };
    let done = admin(
        cx,
        AdminOp::IssueCertificate {
            user,
            csr_pem: &csr,
            ips,
            valid_us,
        },
    )?;
    let AdminDone::Issued {
        serial,
        user,
        not_after_us,
        pem,
    } = done
    else {
        return Err(ExecError::internal(
            "issuing answered without a certificate",
        ));
    };
    let cols: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(vec![serial])),
        Arc::new(StringArray::from(vec![user])),
        Arc::new(TimestampMicrosecondArray::from(vec![not_after_us]).with_timezone("UTC")),
        Arc::new(StringArray::from(vec![pem])),
    ];
    let out = batch(&vm.reg_schema(*dest)?, cols, 1)?;
    vm.set_reg(*dest, out, cx)?;
    Ok(Flow::Next)
}

pub fn op_revoke_certificate(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, RevokeCertificate { serial });
    let serial = text_constant(vm, cx, *serial, "serial")?;
    admin(cx, AdminOp::RevokeCertificate { serial: &serial })?;
    Ok(Flow::Next)
}

pub fn op_revoke_certificates(_vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, RevokeCertificates { user });
    admin(cx, AdminOp::RevokeCertificates { user })?;
    Ok(Flow::Next)
}

pub fn op_flush(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Flush { table });
    let def = table_def(vm, cx, *table)?;
    if def.kind == kalavar_storage::TableKind::Stream {
        return Ok(Flow::Next);
    }
    scheduler::flush_table(cx.db, def.id)?;
    Ok(Flow::Next)
}

pub fn op_compact(vm: &mut Vm, cx: &mut Ctx<'_>, insn: &Insn) -> Result<Flow> {
    operands!(insn, Compact { table });
    let def = table_def(vm, cx, *table)?;
    if def.kind == kalavar_storage::TableKind::Stream {
        return Ok(Flow::Next);
    }
    scheduler::compact_table(cx.db, def.id)?;
    Ok(Flow::Next)
}
