//! Key access: a scan whose filter fixes every primary-key column with `==` becomes
//! a point seek; one that fixes a key prefix and/or bounds the next key column
//! becomes a key-range scan. The conjuncts used are removed from the filter (the
//! range is exact); the rest stays.
//!
//! Only constant sides qualify: literals, parameters, and functions of them that
//! give one value per statement (`now()`, `ago(1h)`) — never per-row ones
//! (`snowflake()`, `uuid()`).

use crate::bytecode::{BinaryOp, Func};
use crate::plan::{Plan, Scalar, ScalarKind, ScanRange};

fn per_row(s: &Scalar) -> bool {
    matches!(&s.kind, ScalarKind::Call(Func::Snowflake | Func::Uuid, _))
        || s.children().iter().any(|c| per_row(c))
}

fn constant(s: &Scalar) -> bool {
    !s.reads_columns() && !per_row(s)
}

/// `column op constant` (or mirrored) as (column, op as seen from the column, constant).
fn split(p: &Scalar) -> Option<(usize, BinaryOp, &Scalar)> {
    let ScalarKind::Binary(op, a, b) = &p.kind else {
        return None;
    };
    let mirrored = match op {
        BinaryOp::Eq => BinaryOp::Eq,
        BinaryOp::Lt => BinaryOp::Gt,
        BinaryOp::LtEq => BinaryOp::GtEq,
        BinaryOp::Gt => BinaryOp::Lt,
        BinaryOp::GtEq => BinaryOp::LtEq,
        _ => return None,
    };
    match (&a.kind, &b.kind) {
        (ScalarKind::Column(c), _) if constant(b) => Some((*c, *op, &**b)),
        (_, ScalarKind::Column(c)) if constant(a) => Some((*c, mirrored, &**a)),
        _ => None,
    }
}

/// Turns key predicates of scans into seeks and key ranges, everywhere in the plan.
pub fn use_keys(mut plan: Plan) -> Plan {
    in_place(&mut plan);
    plan
}

/// The rule applied where the plan lies: only a scan it applies to is moved out and
/// rebuilt.
fn in_place(plan: &mut Plan) {
    if matches!(plan, Plan::Scan { filter: Some(_), range, key_names, .. }
        if range.as_deref().is_none_or(ScanRange::is_full) && !key_names.is_empty())
    {
        let Plan::Scan {
            table,
            columns,
            schema,
            filter: Some(f),
            key_names,
            ..
        } = plan.take()
        else {
            unreachable!("matched above");
        };
        *plan = key_access(table, columns, schema, f, key_names);
    }
    plan.for_each_input_mut(&mut in_place);
}

fn key_access(
    table: crate::plan::TableInfo,
    columns: Vec<u32>,
    schema: crate::plan::PlanSchema,
    filter: Scalar,
    key_names: std::sync::Arc<[String]>,
) -> Plan {
    let positions: Vec<Option<usize>> = key_names
        .iter()
        .map(|k| schema.iter().position(|f| !f.hidden && *f.name == **k))
        .collect();
    let mut parts: Vec<Option<Scalar>> = filter.conjuncts().into_iter().map(Some).collect();
    let mut range = ScanRange::default();
    for pos in &positions {
        let Some(pos) = pos else { break };
        let eq = parts.iter().position(
            |p| matches!(p.as_ref().and_then(split), Some((c, BinaryOp::Eq, _)) if c == *pos),
        );
        match eq {
            Some(i) => {
                let (_, _, v) = split(parts[i].as_ref().expect("present")).expect("matched");
                range.eq.push(v.clone());
                parts[i] = None;
            }
            None => {
                for slot in parts.iter_mut() {
                    let Some((c, op, v)) = slot
                        .as_ref()
                        .and_then(split)
                        .map(|(c, op, v)| (c, op, v.clone()))
                    else {
                        continue;
                    };
                    if c != *pos {
                        continue;
                    }
                    match op {
                        BinaryOp::Gt | BinaryOp::GtEq if range.lower.is_none() => {
                            range.lower = Some((v, op == BinaryOp::GtEq));
                            *slot = None;
                        }
                        BinaryOp::Lt | BinaryOp::LtEq if range.upper.is_none() => {
                            range.upper = Some((v, op == BinaryOp::LtEq));
                            *slot = None;
                        }
                        _ => {}
                    }
                }
                break;
            }
        }
    }
    let rest = Scalar::conjoin(parts.into_iter().flatten().collect());
    if range.eq.len() == key_names.len() {
        let seek = Plan::Seek {
            table,
            columns,
            schema,
            key: range.eq,
        };
        return match rest {
            Some(predicate) => Plan::Filter {
                input: Box::new(seek),
                predicate,
            },
            None => seek,
        };
    }
    Plan::Scan {
        table,
        columns,
        schema,
        filter: rest,
        range: (!range.is_full()).then(|| Box::new(range)),
        key_names,
    }
}
