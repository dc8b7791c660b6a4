//! Projection pushdown: every operator keeps only the columns someone above it
//! reads, so scans read (and storage decodes) only those columns.
//!
//! `prune(plan, needed)` returns the plan reduced to (at least) the `needed` output
//! columns and, for each old output position, its new position. A scan that would
//! read no column still reads one (its first key column, or its first column), so
//! batches keep a row count.

use crate::plan::{Plan, PlanField, Scalar, ScalarKind};

type Map = Vec<Option<usize>>;

/// Prunes the plan, keeping all of its output columns.
pub fn prune_columns(plan: Plan) -> Plan {
    let all: Vec<usize> = (0..plan.schema().len()).collect();
    prune(plan, &all).0
}

fn cols_of<'a>(exprs: impl IntoIterator<Item = &'a Scalar>, out: &mut Vec<usize>) {
    for e in exprs {
        e.columns(out);
    }
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v.dedup();
    v
}

fn remap(e: &mut Scalar, m: &Map) {
    e.map_columns(&mut |c| m[c].expect("pruning keeps every column an expression reads"));
}

fn keep_map(old_len: usize, keep: &[usize]) -> Map {
    let mut m = vec![None; old_len];
    for (new, old) in keep.iter().enumerate() {
        m[*old] = Some(new);
    }
    m
}

/// `plan` reduced to exactly the `needed` columns, in order.
fn exact(plan: Plan, m: &Map, needed: &[usize]) -> Plan {
    let positions: Vec<usize> = needed.iter().map(|n| m[*n].expect("kept")).collect();
    let schema = plan.schema();
    if positions.len() == schema.len() && positions.iter().enumerate().all(|(i, p)| i == *p) {
        return plan;
    }
    let exprs = positions
        .iter()
        .map(|p| Scalar::column(*p, schema[*p].ty))
        .collect();
    let out = positions.iter().map(|p| schema[*p].clone()).collect();
    Plan::Project {
        input: Box::new(plan),
        exprs,
        schema: out,
    }
}

fn prune(plan: Plan, needed: &[usize]) -> (Plan, Map) {
    let old_len = plan.schema().len();
    let identity = needed.len() == old_len;
    match plan {
        // Every column is needed: leaves stay as they are.
        p @ (Plan::Values { .. } | Plan::Seek { .. }) if identity => {
            (p, (0..old_len).map(Some).collect())
        }
        Plan::Scan { filter: None, .. } if identity => (plan, (0..old_len).map(Some).collect()),
        Plan::Scan {
            table,
            columns,
            schema,
            mut filter,
            range,
            key_names,
        } => {
            let mut keep = needed.to_vec();
            cols_of(filter.iter(), &mut keep);
            let mut keep = sorted(keep);
            if keep.is_empty() {
                let first_key = key_names
                    .first()
                    .and_then(|k| schema.iter().position(|f| *f.name == **k));
                keep.push(first_key.unwrap_or(0));
            }
            let m = keep_map(old_len, &keep);
            if let Some(f) = filter.as_mut() {
                remap(f, &m);
            }
            let columns = keep.iter().map(|i| columns[*i]).collect();
            // `keep` is sorted: the kept fields move out in order.
            let schema = schema
                .into_iter()
                .enumerate()
                .filter(|(i, _)| keep.binary_search(i).is_ok())
                .map(|(_, f)| f)
                .collect();
            (
                Plan::Scan {
                    table,
                    columns,
                    schema,
                    filter,
                    range,
                    key_names,
                },
                m,
            )
        }
        Plan::Seek {
            table,
            columns,
            schema,
            key,
        } => {
            let keep = if needed.is_empty() {
                vec![0]
            } else {
                needed.to_vec()
            };
            let m = keep_map(old_len, &keep);
            let columns = keep.iter().map(|i| columns[*i]).collect();
            let schema = keep.iter().map(|i| schema[*i].clone()).collect();
            (
                Plan::Seek {
                    table,
                    columns,
                    schema,
                    key,
                },
                m,
            )
        }
        Plan::Values { schema, rows } => {
            let keep = if needed.is_empty() {
                vec![0]
            } else {
                needed.to_vec()
            };
            let m = keep_map(old_len, &keep);
            let schema = keep.iter().map(|i| schema[*i].clone()).collect();
            let rows = rows
                .into_iter()
                .map(|r| keep.iter().map(|i| r[*i].clone()).collect())
                .collect();
            (Plan::Values { schema, rows }, m)
        }
        p @ Plan::Subscribe { .. } => (p, (0..old_len).map(Some).collect()),
        Plan::Filter {
            input,
            mut predicate,
        } => {
            let mut need = needed.to_vec();
            predicate.columns(&mut need);
            let (input, m) = prune(*input, &sorted(need));
            remap(&mut predicate, &m);
            (
                Plan::Filter {
                    input: Box::new(input),
                    predicate,
                },
                m,
            )
        }
        Plan::Project {
            input,
            exprs,
            schema,
        } => {
            let keep = if needed.is_empty() && !exprs.is_empty() {
                vec![0]
            } else {
                needed.to_vec()
            };
            // Usually every output is kept: then the expressions and fields move.
            let all = keep.len() == exprs.len() && keep.iter().enumerate().all(|(i, k)| i == *k);
            let (mut kept, schema): (Vec<Scalar>, Vec<PlanField>) = if all {
                (exprs, schema)
            } else {
                (
                    keep.iter().map(|i| exprs[*i].clone()).collect(),
                    keep.iter().map(|i| schema[*i].clone()).collect(),
                )
            };
            let mut need = Vec::new();
            cols_of(kept.iter(), &mut need);
            let (input, m) = prune(*input, &sorted(need));
            for e in kept.iter_mut() {
                remap(e, &m);
            }
            // A projection that passes its input through unchanged goes away.
            let inner = input.schema();
            let identity = kept.len() == inner.len()
                && kept
                    .iter()
                    .enumerate()
                    .all(|(i, e)| e.kind == ScalarKind::Column(i))
                && schema
                    .iter()
                    .zip(inner)
                    .all(|(a, b)| a.name == b.name && a.ty == b.ty);
            if identity {
                return (input, keep_map(old_len, &keep));
            }
            (
                Plan::Project {
                    input: Box::new(input),
                    exprs: kept,
                    schema,
                },
                keep_map(old_len, &keep),
            )
        }
        Plan::Aggregate {
            input,
            mut keys,
            mut aggs,
            schema,
        } => {
            let mut need = Vec::new();
            cols_of(keys.iter(), &mut need);
            cols_of(aggs.iter().filter_map(|a| a.1.as_ref()), &mut need);
            let (input, m) = prune(*input, &sorted(need));
            for k in keys.iter_mut() {
                remap(k, &m);
            }
            for a in aggs.iter_mut().filter_map(|a| a.1.as_mut()) {
                remap(a, &m);
            }
            (
                Plan::Aggregate {
                    input: Box::new(input),
                    keys,
                    aggs,
                    schema,
                },
                (0..old_len).map(Some).collect(),
            )
        }
        Plan::Sort { input, mut keys } => {
            let mut need = needed.to_vec();
            cols_of(keys.iter().map(|k| &k.expr), &mut need);
            let (input, m) = prune(*input, &sorted(need));
            for k in keys.iter_mut() {
                remap(&mut k.expr, &m);
            }
            (
                Plan::Sort {
                    input: Box::new(input),
                    keys,
                },
                m,
            )
        }
        Plan::TopK {
            input,
            mut keys,
            limit,
            offset,
        } => {
            let mut need = needed.to_vec();
            cols_of(keys.iter().map(|k| &k.expr), &mut need);
            let (input, m) = prune(*input, &sorted(need));
            for k in keys.iter_mut() {
                remap(&mut k.expr, &m);
            }
            (
                Plan::TopK {
                    input: Box::new(input),
                    keys,
                    limit,
                    offset,
                },
                m,
            )
        }
        Plan::Limit {
            input,
            limit,
            offset,
        } => {
            let (input, m) = prune(*input, needed);
            (
                Plan::Limit {
                    input: Box::new(input),
                    limit,
                    offset,
                },
                m,
            )
        }
        Plan::Distinct { input } => {
            let all: Vec<usize> = (0..old_len).collect();
            let (input, m) = prune(*input, &all);
            (
                Plan::Distinct {
                    input: Box::new(input),
                },
                m,
            )
        }
        Plan::Join {
            left,
            right,
            kind,
            mut keys,
            schema,
        } => {
            let nl = left.schema().len();
            let mut lneed: Vec<usize> = needed.iter().copied().filter(|c| *c < nl).collect();
            let mut rneed: Vec<usize> = needed
                .iter()
                .filter(|c| **c >= nl)
                .map(|c| c - nl)
                .collect();
            cols_of(keys.left.iter(), &mut lneed);
            cols_of(keys.right.iter(), &mut rneed);
            let (left, ml) = prune(*left, &sorted(lneed));
            let (right, mr) = prune(*right, &sorted(rneed));
            for k in keys.left.iter_mut() {
                remap(k, &ml);
            }
            for k in keys.right.iter_mut() {
                remap(k, &mr);
            }
            let new_nl = left.schema().len();
            let mut m: Map = vec![None; old_len];
            let mut out: Vec<PlanField> = left.schema().clone();
            out.extend(right.schema().iter().cloned());
            for (old, slot) in m.iter_mut().enumerate() {
                *slot = if old < nl {
                    ml[old]
                } else {
                    mr[old - nl].map(|r| r + new_nl)
                };
                if let Some(new) = *slot {
                    out[new].nullable = schema[old].nullable;
                }
            }
            (
                Plan::Join {
                    left: Box::new(left),
                    right: Box::new(right),
                    kind,
                    keys,
                    schema: out,
                },
                m,
            )
        }
        Plan::Union { left, right } => {
            let needed = if needed.is_empty() {
                vec![0]
            } else {
                needed.to_vec()
            };
            let (l, ml) = prune(*left, &needed);
            let (r, mr) = prune(*right, &needed);
            let l = exact(l, &ml, &needed);
            let r = exact(r, &mr, &needed);
            (
                Plan::Union {
                    left: Box::new(l),
                    right: Box::new(r),
                },
                keep_map(old_len, &needed),
            )
        }
    }
}
