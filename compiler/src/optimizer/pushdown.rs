//! Predicate pushdown: a `where` moves as close to the scan as its meaning allows,
//! and into the scan itself, where storage can prune with it.
//!
//! A filter moves below a projection when every column it reads is projected as a
//! plain column, literal or parameter (so nothing is computed twice and expressions
//! cannot grow), below a sort or `distinct`, into the sides of an inner join (each
//! conjunct to the side whose columns it reads), into both sides of a union, below an
//! aggregation when it reads only grouping columns, and into a scan's filter. It never
//! moves below `take`/`skip` (that would change which rows are counted) nor into the
//! nullable side of an outer join. A subscription takes it as its own filter (except
//! what reads `_change`), so `with (last = N)` counts matching rows.

use crate::bytecode::JoinKind;
use crate::plan::{Plan, Scalar, ScalarKind};

/// Pushes every filter of the plan down as far as it goes.
pub fn push_filters(mut plan: Plan) -> Plan {
    in_place(&mut plan);
    plan
}

/// Pushes where the plan lies: only a filter is moved out and pushed down.
fn in_place(plan: &mut Plan) {
    if matches!(plan, Plan::Filter { .. }) {
        let Plan::Filter { input, predicate } = plan.take() else {
            unreachable!("matched above");
        };
        *plan = push(*input, predicate);
    }
    plan.for_each_input_mut(&mut in_place);
}

fn filter(input: Plan, parts: Vec<Scalar>) -> Plan {
    match Scalar::conjoin(parts) {
        Some(predicate) => Plan::Filter {
            input: Box::new(input),
            predicate,
        },
        None => input,
    }
}

fn simple(s: &Scalar) -> bool {
    matches!(
        s.kind,
        ScalarKind::Column(_) | ScalarKind::Literal(_) | ScalarKind::Param(_)
    )
}

/// `predicate` over the output of `input`, pushed into it.
fn push(input: Plan, predicate: Scalar) -> Plan {
    match input {
        Plan::Filter {
            input,
            predicate: inner,
        } => {
            let mut parts = inner.conjuncts();
            parts.extend(predicate.conjuncts());
            push(*input, Scalar::conjoin(parts).expect("not empty"))
        }
        Plan::Scan {
            table,
            columns,
            schema,
            filter: existing,
            range,
            key_names,
        } => {
            let mut parts = existing.map(|f| f.conjuncts()).unwrap_or_default();
            parts.extend(predicate.conjuncts());
            Plan::Scan {
                table,
                columns,
                schema,
                filter: Scalar::conjoin(parts),
                range,
                key_names,
            }
        }
        Plan::Project {
            input,
            exprs,
            schema,
        } => {
            let (down, up): (Vec<Scalar>, Vec<Scalar>) =
                predicate.conjuncts().into_iter().partition(|p| {
                    let mut cols = Vec::new();
                    p.columns(&mut cols);
                    cols.iter().all(|c| simple(&exprs[*c]))
                });
            let down: Vec<Scalar> = down.iter().map(|p| p.substitute(&exprs)).collect();
            let inner = match Scalar::conjoin(down) {
                Some(p) => push(*input, p),
                None => *input,
            };
            filter(
                Plan::Project {
                    input: Box::new(inner),
                    exprs,
                    schema,
                },
                up,
            )
        }
        Plan::Subscribe {
            table,
            columns,
            schema,
            filter: existing,
            last,
        } => {
            // The subscription filters before it counts `last` rows, so `with (last =
            // N)` means the last N rows that match. `_change` (the last column) is not
            // there yet when the cursor filters: conjuncts reading it stay above.
            let change = schema.len() - 1;
            let (down, up): (Vec<Scalar>, Vec<Scalar>) =
                predicate.conjuncts().into_iter().partition(|p| {
                    let mut cols = Vec::new();
                    p.columns(&mut cols);
                    !cols.contains(&change)
                });
            let mut parts = existing.map(|f| f.conjuncts()).unwrap_or_default();
            parts.extend(down);
            filter(
                Plan::Subscribe {
                    table,
                    columns,
                    schema,
                    filter: Scalar::conjoin(parts),
                    last,
                },
                up,
            )
        }
        Plan::Sort { input, keys } => Plan::Sort {
            input: Box::new(push(*input, predicate)),
            keys,
        },
        Plan::Distinct { input } => Plan::Distinct {
            input: Box::new(push(*input, predicate)),
        },
        Plan::Union { left, right } => Plan::Union {
            left: Box::new(push(*left, predicate.clone())),
            right: Box::new(push(*right, predicate)),
        },
        Plan::Aggregate {
            input,
            keys,
            aggs,
            schema,
        } => {
            let k = keys.len();
            let (down, up): (Vec<Scalar>, Vec<Scalar>) =
                predicate.conjuncts().into_iter().partition(|p| {
                    let mut cols = Vec::new();
                    p.columns(&mut cols);
                    cols.iter().all(|c| *c < k && simple(&keys[*c]))
                });
            let down: Vec<Scalar> = down.iter().map(|p| p.substitute(&keys)).collect();
            let inner = match Scalar::conjoin(down) {
                Some(p) => push(*input, p),
                None => *input,
            };
            filter(
                Plan::Aggregate {
                    input: Box::new(inner),
                    keys,
                    aggs,
                    schema,
                },
                up,
            )
        }
        Plan::Join {
            left,
            right,
            kind,
            keys,
            schema,
        } => {
            let nl = left.schema().len();
            let (mut to_left, mut to_right, mut stay) = (Vec::new(), Vec::new(), Vec::new());
            for p in predicate.conjuncts() {
                let mut cols = Vec::new();
                p.columns(&mut cols);
                let left_ok = matches!(kind, JoinKind::Inner | JoinKind::Left);
                let right_ok = matches!(kind, JoinKind::Inner | JoinKind::Right);
                if !cols.is_empty() && cols.iter().all(|c| *c < nl) && left_ok {
                    to_left.push(p);
                } else if !cols.is_empty() && cols.iter().all(|c| *c >= nl) && right_ok {
                    let mut p = p;
                    p.map_columns(&mut |c| c - nl);
                    to_right.push(p);
                } else {
                    stay.push(p);
                }
            }
            let left = match Scalar::conjoin(to_left) {
                Some(p) => push(*left, p),
                None => *left,
            };
            let right = match Scalar::conjoin(to_right) {
                Some(p) => push(*right, p),
                None => *right,
            };
            filter(
                Plan::Join {
                    left: Box::new(left),
                    right: Box::new(right),
                    kind,
                    keys,
                    schema,
                },
                stay,
            )
        }
        other => Plan::Filter {
            input: Box::new(other),
            predicate,
        },
    }
}
