//! Limit pushdown: `take` moves below row-wise projections, `skip` then `take` merge
//! into one limit, and a sort followed by a limit becomes a top-k that keeps only
//! `offset + limit` rows in memory.

use crate::plan::Plan;

/// Applies the limit rules everywhere in the plan.
pub fn use_topk(plan: Plan) -> Plan {
    let mut plan = rewrite(plan);
    plan = plan.map_inputs(&mut use_topk);
    plan
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
