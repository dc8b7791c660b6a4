//! Code for whole statements: a query emits its rows, a write ends in its sink, a
//! command is one instruction; every program ends in `Halt`.

use super::builder::Builder;
use super::relational::Step;
use crate::bytecode::{Col, Flags, FormatLimits, Insn, ParamDecl, Program, Value};
use crate::plan::{BoundStatement, Command, Plan, PlanField, Scalar};
use crate::types::DataType;
use std::sync::Arc;

/// The program for a bound (and usually optimized) statement.
pub fn emit(statement: &BoundStatement, params: &[ParamDecl], source: Option<&str>) -> Program {
    emit_shared(statement, params, source.map(Arc::from))
}

/// [`emit`] with the source text already shared (the compiled statement keeps the
/// same text: one copy serves both). The text travels in the plan only for listings;
/// a statement longer than the format carries ([`FormatLimits::SOURCE`], a large
/// `insert`) goes without it.
pub fn emit_shared(
    statement: &BoundStatement,
    params: &[ParamDecl],
    source: Option<Arc<str>>,
) -> Program {
    let mut b = Builder::new();
    b.p.params = params.to_vec();
    b.p.source = source.filter(|s| s.len() <= FormatLimits::SOURCE);
    match statement {
        BoundStatement::ExecuteAs { user, body } => {
            b.p.act_as = Some(user.clone());
            for s in body {
                statement_code(&mut b, s);
            }
        }
        BoundStatement::Explain {
            analyze: true,
            statement,
        } => {
            b.p.flags.0 |= Flags::ANALYZE;
            statement_code(&mut b, statement);
        }
        BoundStatement::Explain {
            analyze: false,
            statement,
        } => {
            let inner = emit_shared(statement, params, b.p.source.clone());
            let plan = listing_rows(&inner);
            b.produce(&plan, &[Step::Emit]);
        }
        other => statement_code(&mut b, other),
    }
    b.push(Insn::Halt {});
    let read_only =
        b.p.insns
            .iter()
            .all(|i| i.opcode().class().allowed_read_only());
    if read_only {
        b.p.flags.0 |= Flags::READ_ONLY;
    }
    b.finish()
}

/// The listing of `inner` as constant rows: `addr`, `opcode`, `operands`, `comment`.
fn listing_rows(inner: &Program) -> Plan {
    let schema = vec![
        PlanField::new("addr", DataType::Int64, false),
        PlanField::new("opcode", DataType::Text, false),
        PlanField::new("operands", DataType::Text, false),
        PlanField::new("comment", DataType::Text, false),
    ];
    let rows = crate::bytecode::disasm::listing(inner)
        .into_iter()
        .map(|l| {
            let ops = l
                .operands
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join(" ");
            vec![
                Scalar::literal(Value::Int64(l.addr as i64)),
                Scalar::literal(Value::Text(l.opcode.to_owned())),
                Scalar::literal(Value::Text(ops)),
                Scalar::literal(Value::Text(l.comment)),
            ]
        })
        .collect();
    Plan::Values { schema, rows }
}

fn statement_code(b: &mut Builder, s: &BoundStatement) {
    match s {
        BoundStatement::Query(plan) => b.produce(plan, &[Step::Emit]),
        BoundStatement::Insert {
            table,
            columns,
            input,
            upsert,
        } => {
            let table = b.table(table);
            let columns = columns.iter().map(|c| Col(*c)).collect();
            b.produce(
                input,
                &[Step::Insert {
                    table,
                    columns,
                    upsert: *upsert,
                }],
            );
        }
        BoundStatement::Update { table, set, input } => {
            let table = b.table(table);
            let set = set.iter().map(|c| Col(*c)).collect();
            b.produce(input, &[Step::Update { table, set }]);
        }
        BoundStatement::Delete { table, input } => {
            let table = b.table(table);
            b.produce(input, &[Step::Delete { table }]);
        }
        BoundStatement::Command(c) => command(b, c),
        BoundStatement::ExecuteAs { body, .. } => {
            for s in body {
                statement_code(b, s);
            }
        }
        BoundStatement::Explain { statement, .. } => statement_code(b, statement),
        BoundStatement::Nothing => {}
    }
}

fn command(b: &mut Builder, c: &Command) {
    let insn = match c {
        Command::Begin => Insn::Begin {},
        Command::Commit => Insn::Commit {},
        Command::Rollback => Insn::Rollback {},
        Command::CreateNamespace {
            name,
            if_not_exists,
        } => Insn::CreateNamespace {
            name: name.clone(),
            if_not_exists: *if_not_exists,
        },
        Command::DropNamespace { name, if_exists } => Insn::DropNamespace {
            name: name.clone(),
            if_exists: *if_exists,
        },
        Command::CreateTable { def, if_not_exists } => Insn::CreateTable {
            def: Box::new(def.clone()),
            if_not_exists: *if_not_exists,
        },
        Command::AlterTable { table, action } => Insn::AlterTable {
            table: b.table(table),
            action: Box::new(action.clone()),
        },
        Command::DropTable { table } => Insn::DropTable {
            table: b.table(table),
        },
        Command::Flush { table } => Insn::Flush {
            table: b.table(table),
        },
        Command::Compact { table } => Insn::Compact {
            table: b.table(table),
        },
        Command::CreateUser {
            name,
            role,
            ips,
            enabled,
        } => Insn::CreateUser {
            name: name.clone(),
            role: *role,
            ips: ips.clone(),
            enabled: *enabled,
        },
        Command::AlterUser {
            name,
            role,
            ips,
            enabled,
        } => Insn::AlterUser {
            name: name.clone(),
            role: *role,
            ips: ips.clone(),
            enabled: *enabled,
        },
        Command::DropUser { name, if_exists } => Insn::DropUser {
            name: name.clone(),
            if_exists: *if_exists,
        },
        Command::IssueCertificate {
            user,
            csr,
            ips,
            valid,
        } => {
            let schema = vec![
                PlanField::new("serial", DataType::Text, false),
                PlanField::new("user", DataType::Text, false),
                PlanField::new("not_after", DataType::Timestamp, false),
                PlanField::new("certificate", DataType::Text, false),
            ];
            let dest = b.reg(&schema);
            let csr = b.expr(csr);
            let valid = valid.as_ref().map(|v| b.expr(v));
            b.push(Insn::IssueCertificate {
                user: user.clone(),
                csr,
                ips: ips.clone(),
                valid,
                dest,
            });
            Insn::Emit { src: dest }
        }
        Command::RevokeCertificate { serial } => Insn::RevokeCertificate {
            serial: b.expr(serial),
        },
        Command::RevokeCertificates { user } => Insn::RevokeCertificates { user: user.clone() },
    };
    b.push(insn);
}
