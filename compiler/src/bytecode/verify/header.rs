//! Checks on the header alone: resource bounds, index ranges, parameter and schema
//! types, and the tables against the catalog (existence, schema versions).

use super::VerifyContext;
use super::error::{VerifyCode, VerifyError};
use crate::bytecode::{CursorKind, Program, Value};
use crate::types::DataType;

pub(super) fn fail(code: VerifyCode, message: impl Into<String>) -> VerifyError {
    VerifyError {
        code,
        at: None,
        opcode: None,
        message: message.into(),
    }
}

pub(super) fn check_header(p: &Program, ctx: &VerifyContext<'_>) -> Result<(), VerifyError> {
    let l = &ctx.limits;
    let bound = |what: &str, n: usize, max: usize| {
        if n > max {
            Err(fail(
                VerifyCode::ResourceLimit,
                format!("{n} {what}; the limit is {max}"),
            ))
        } else {
            Ok(())
        }
    };
    bound("instructions", p.insns.len(), l.max_insns)?;
    bound("registers", p.registers.len(), l.max_registers)?;
    bound("cursors", p.cursors.len(), l.max_cursors)?;
    bound("constants", p.constants.len(), l.max_constants)?;
    bound("expressions", p.exprs.len(), l.max_exprs)?;
    let nodes: usize = p.exprs.iter().map(|e| e.nodes.len()).sum();
    bound("expression nodes", nodes, l.max_nodes)?;
    let bytes: usize = p
        .constants
        .iter()
        .map(|c| match c {
            Value::Text(s) | Value::Json(s) => s.len(),
            Value::Bytes(b) => b.len(),
            _ => 0,
        })
        .sum();
    bound("bytes of constants", bytes, l.max_constant_bytes)?;
    for (i, param) in p.params.iter().enumerate() {
        if param.ty == DataType::Null {
            return Err(fail(
                VerifyCode::BadHeader,
                format!("parameter ${} (p{i}) has type null", param.name),
            ));
        }
    }
    for (i, s) in p.schemas.iter().enumerate() {
        for f in &s.fields {
            if f.ty == DataType::Null && !f.nullable {
                return Err(fail(
                    VerifyCode::BadHeader,
                    format!(
                        "schema s{i}: field `{}` of type null must be nullable",
                        f.name
                    ),
                ));
            }
        }
    }
    for (i, s) in p.registers.iter().enumerate() {
        if *s as usize >= p.schemas.len() {
            return Err(fail(
                VerifyCode::BadIndex,
                format!("register r{i} has schema s{s}, which does not exist"),
            ));
        }
    }
    for (i, c) in p.cursors.iter().enumerate() {
        for s in [c.input, c.output] {
            if s as usize >= p.schemas.len() {
                return Err(fail(
                    VerifyCode::BadIndex,
                    format!("cursor c{i} has schema s{s}, which does not exist"),
                ));
            }
        }
        let same = p.schemas[c.input as usize].same_types(&p.schemas[c.output as usize]);
        let must_be_same = matches!(
            c.kind,
            CursorKind::Sort | CursorKind::TopK | CursorKind::Scan
        );
        if must_be_same && !same {
            return Err(fail(
                VerifyCode::BadHeader,
                format!(
                    "cursor c{i}: a {} cursor's input and output schemas must match",
                    c.kind.name()
                ),
            ));
        }
    }
    if let Some(catalog) = ctx.catalog {
        for (i, t) in p.tables.iter().enumerate() {
            let Some(table) = catalog.get_table_by_id(t.id) else {
                return Err(fail(
                    VerifyCode::UnknownTable,
                    format!("table t{i} ({}, id {}) is not in the catalog", t.name, t.id),
                ));
            };
            if table.schema_version != t.schema_version {
                return Err(fail(
                    VerifyCode::StaleSchema,
                    format!(
                        "table {} is at schema version {}, the plan was compiled against {}",
                        table.qualified_name(),
                        table.schema_version,
                        t.schema_version
                    ),
                ));
            }
        }
    }
    if let (Some(caller), Some(user)) = (ctx.caller, p.act_as.as_deref())
        && !caller.can_act_as(user)
    {
        return Err(fail(
            VerifyCode::ActAsDenied,
            format!(
                "{} (role {}) may not execute as {user}",
                caller.user, caller.role
            ),
        ));
    }
    Ok(())
}
