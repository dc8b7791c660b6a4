//! The listing as text and JSON.

use super::comment;
use crate::bytecode::Program;
use serde::Serialize;

/// One line of a listing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    pub addr: usize,
    pub opcode: &'static str,
    pub operands: Vec<(&'static str, String)>,
    pub comment: String,
}

/// The listing lines of a plan.
pub fn listing(p: &Program) -> Vec<Line> {
    p.insns
        .iter()
        .enumerate()
        .map(|(addr, insn)| Line {
            addr,
            opcode: insn.opcode().name(),
            operands: insn.operands(),
            comment: comment(p, addr),
        })
        .collect()
}

/// The header and listing as text, one instruction per line:
/// `addr  Opcode  name=value …  ; comment`.
pub fn to_text(p: &Program) -> String {
    let mut out = String::new();
    let flags = p.flags.names();
    out.push_str(&format!(
        "plan: {} | {} registers, {} cursors, {} constants, {} expressions, {} instructions\n",
        if flags.is_empty() {
            "read-write".to_string()
        } else {
            flags.join(", ")
        },
        p.registers.len(),
        p.cursors.len(),
        p.constants.len(),
        p.exprs.len(),
        p.insns.len()
    ));
    if let Some(user) = &p.act_as {
        out.push_str(&format!("execute as: {user}\n"));
    }
    for (i, t) in p.tables.iter().enumerate() {
        out.push_str(&format!(
            "table t{i}: {} (id {}, schema version {})\n",
            t.name, t.id, t.schema_version
        ));
    }
    for (i, param) in p.params.iter().enumerate() {
        out.push_str(&format!("param p{i}: ${} {}\n", param.name, param.ty));
    }
    for (i, s) in p.registers.iter().enumerate() {
        let fields = p.schemas.get(*s as usize).map(|s| {
            s.fields
                .iter()
                .map(|f| format!("{} {}{}", f.name, f.ty, if f.nullable { "" } else { "!" }))
                .collect::<Vec<_>>()
                .join(", ")
        });
        out.push_str(&format!(
            "register r{i}: ({})\n",
            fields.unwrap_or_else(|| "?".into())
        ));
    }
    for (i, c) in p.cursors.iter().enumerate() {
        out.push_str(&format!("cursor c{i}: {}\n", c.kind.name()));
    }
    let lines = listing(p);
    let rendered: Vec<(String, String, String)> = lines
        .iter()
        .map(|l| {
            let ops = l
                .operands
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            (format!("{:>4}", l.addr), l.opcode.to_string(), ops)
        })
        .collect();
    let op_w = rendered.iter().map(|r| r.1.len()).max().unwrap_or(0);
    let ops_w = rendered
        .iter()
        .map(|r| r.2.chars().count())
        .max()
        .unwrap_or(0)
        .min(60);
    out.push_str(&format!(
        "{:>4}  {:op_w$}  {:ops_w$}  comment\n",
        "addr", "opcode", "operands"
    ));
    for (r, l) in rendered.iter().zip(&lines) {
        let line = format!("{}  {:op_w$}  {:ops_w$}  ; {}", r.0, r.1, r.2, l.comment);
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct JsonPlan<'a> {
    flags: Vec<&'static str>,
    act_as: &'a Option<String>,
    source: Option<&'a str>,
    tables: &'a [crate::bytecode::TableUse],
    params: &'a [crate::bytecode::ParamDecl],
    schemas: &'a [crate::bytecode::Schema],
    registers: &'a [u32],
    cursors: &'a [crate::bytecode::CursorDecl],
    constants: Vec<String>,
    exprs: Vec<String>,
    listing: Vec<JsonLine>,
}

#[derive(Serialize)]
struct JsonLine {
    addr: usize,
    opcode: &'static str,
    operands: serde_json::Map<String, serde_json::Value>,
    comment: String,
}

/// The plan as JSON: the header, then `listing` with each instruction's operands by
/// name and its comment.
pub fn to_json(p: &Program) -> String {
    let params = p.param_names();
    let plan = JsonPlan {
        flags: p.flags.names(),
        act_as: &p.act_as,
        source: p.source.as_deref(),
        tables: &p.tables,
        params: &p.params,
        schemas: &p.schemas,
        registers: &p.registers,
        cursors: &p.cursors,
        constants: p.constants.iter().map(|c| c.to_string()).collect(),
        exprs: p
            .exprs
            .iter()
            .map(|e| e.render(None, &p.constants, &params))
            .collect(),
        listing: listing(p)
            .into_iter()
            .map(|l| JsonLine {
                addr: l.addr,
                opcode: l.opcode,
                operands: l
                    .operands
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), serde_json::Value::String(v)))
                    .collect(),
                comment: l.comment,
            })
            .collect(),
    };
    serde_json::to_string_pretty(&plan).expect("plans serialize")
}
