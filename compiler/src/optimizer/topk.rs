//! Limit pushdown: `take` moves below row-wise projections, `skip` then `take` merge
//! into one limit, and a sort followed by a limit becomes a top-k that keeps only
//! `offset + limit` rows in memory.

use crate::plan::Plan;

/// Applies the limit rules everywhere in the plan.
pub fn use_topk(mut plan: Plan) -> Plan {
    in_place(&mut plan);
    plan
}

/// The rules applied where the plan lies: only a limit is moved out and rebuilt.
fn in_place(plan: &mut Plan) {
    if matches!(plan, Plan::Limit { .. }) {
        *plan = rewrite(plan.take());
    }
    plan.for_each_input_mut(&mut in_place);
}

fn rewrite(plan: Plan) -> Plan {
    match plan {
        Plan::Limit {
            input,
            limit,
            offset,
        } => match *input {
            // skip O | take L  →  one limit
            Plan::Limit {
                input: inner,
                limit: None,
                offset: Some(o),
            } if offset.is_none() => rewrite(Plan::Limit {
                input: inner,
                limit,
                offset: Some(o),
            }),
            // take L over a projection: project only the rows kept
            Plan::Project {
                input: inner,
                exprs,
                schema,
            } => {
                let limited = rewrite(Plan::Limit {
                    input: inner,
                    limit,
                    offset,
                });
                Plan::Project {
                    input: Box::new(limited),
                    exprs,
                    schema,
                }
            }
            Plan::Sort { input: inner, keys } if limit.is_some() => Plan::TopK {
                input: inner,
                keys,
                limit: limit.expect("checked"),
                offset,
            },
            other => Plan::Limit {
                input: Box::new(other),
                limit,
                offset,
            },
        },
        other => other,
    }
}
