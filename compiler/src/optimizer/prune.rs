//! Projection pushdown: every operator keeps only the columns someone above it
//! reads, so scans read (and storage decodes) only those columns.
//!
//! `prune(plan, needed, map)` reduces the plan where it lies to (at least) the
//! `needed` output columns (sorted, without duplicates) and writes into `map`, for
//! each old output position, its new position. A node is rebuilt only where its
//! shape changes (a projection added or removed); kept columns are filtered out of
//! the node's lists in place, and one map buffer is passed down the chain of
//! single-input operators instead of one being allocated per node. The working
//! lists (columns an operator needs, a join side's map) come from a per-thread
//! pool kept between statements, so pruning a usual plan allocates nothing. A
//! scan that would read no column still reads one (its first key column, or its
//! first column), so batches keep a row count.

use crate::plan::{Plan, PlanField, Scalar, ScalarKind};
use std::cell::Cell;

type Map = Vec<Option<usize>>;

/// Emptied working lists, reused from one node (and statement) to the next.
#[derive(Default)]
struct Pool {
    lists: Vec<Vec<usize>>,
    maps: Vec<Map>,
}

impl Pool {
    /// The most room (in entries) a kept list may have, and the most lists kept.
    const KEPT: usize = 1024;

    fn take() -> Pool {
        POOL.take().unwrap_or_default()
    }

    /// Keeps the pool for the next statement on this thread.
    fn give_back(self) {
        POOL.set(Some(self));
    }

    fn list(&mut self) -> Vec<usize> {
        self.lists.pop().unwrap_or_default()
    }

    /// A list holding `from`.
    fn list_of(&mut self, from: &[usize]) -> Vec<usize> {
        let mut l = self.list();
        l.extend_from_slice(from);
        l
    }

    fn put(&mut self, mut l: Vec<usize>) {
        if l.capacity() <= Self::KEPT && self.lists.len() < Self::KEPT {
            l.clear();
            self.lists.push(l);
        }
    }

    fn map(&mut self) -> Map {
        self.maps.pop().unwrap_or_default()
    }

    fn put_map(&mut self, mut m: Map) {
        if m.capacity() <= Self::KEPT && self.maps.len() < Self::KEPT {
            m.clear();
            self.maps.push(m);
        }
    }
}

thread_local! {
    static POOL: Cell<Option<Pool>> = const { Cell::new(None) };
}

/// Prunes the plan, keeping all of its output columns.
pub fn prune_columns(mut plan: Plan) -> Plan {
    // `0..n` as a list: a constant one for the usual widths, no allocation.
    const FIRST: [usize; 64] = {
        let mut a = [0; 64];
        let mut i = 0;
        while i < 64 {
            a[i] = i;
            i += 1;
        }
        a
    };
    let n = plan.schema().len();
    let owned: Vec<usize>;
    let all: &[usize] = if n <= FIRST.len() {
        &FIRST[..n]
    } else {
        owned = (0..n).collect();
        &owned
    };
    let mut pool = Pool::take();
    let mut map = pool.map();
    prune(&mut plan, all, &mut map, &mut pool);
    pool.put_map(map);
    pool.give_back();
    plan
}

fn cols_of<'a>(exprs: impl IntoIterator<Item = &'a Scalar>, out: &mut Vec<usize>) {
    for e in exprs {
        e.columns(out);
    }
}

fn sort(v: &mut Vec<usize>) {
    v.sort_unstable();
    v.dedup();
}

fn remap(e: &mut Scalar, m: &Map) {
    e.map_columns(&mut |c| m[c].expect("pruning keeps every column an expression reads"));
}

/// Writes into `m` the map of an operator that keeps the (sorted) `keep` columns of
/// its `old_len` outputs.
fn keep_map(m: &mut Map, old_len: usize, keep: &[usize]) {
    m.clear();
    m.resize(old_len, None);
    for (new, old) in keep.iter().enumerate() {
        m[*old] = Some(new);
    }
}

fn identity_map(m: &mut Map, len: usize) {
    m.clear();
    m.extend((0..len).map(Some));
}

/// Keeps the items of `list` at the (sorted) positions `keep`, in order.
fn retain_at<T>(list: &mut Vec<T>, keep: &[usize]) {
    if keep.len() == list.len() {
        return;
    }
    // `keep` is sorted: walk it alongside the list instead of searching it.
    let mut i = 0;
    let mut next = keep.iter().copied().peekable();
    list.retain(|_| {
        let kept = next.next_if_eq(&i).is_some();
        i += 1;
        kept
    });
}

/// `needed` (sorted), or the first column when nothing is needed.
fn at_least_one(needed: &[usize]) -> std::borrow::Cow<'_, [usize]> {
    if needed.is_empty() {
        std::borrow::Cow::Owned(vec![0])
    } else {
        std::borrow::Cow::Borrowed(needed)
    }
}

/// Reduces `plan` to exactly the `needed` columns, in order.
fn exact(plan: &mut Plan, m: &Map, needed: &[usize]) {
    let positions: Vec<usize> = needed.iter().map(|n| m[*n].expect("kept")).collect();
    let schema = plan.schema();
    if positions.len() == schema.len() && positions.iter().enumerate().all(|(i, p)| i == *p) {
        return;
    }
    let exprs = positions
        .iter()
        .map(|p| Scalar::column(*p, schema[*p].ty))
        .collect();
    let out = positions.iter().map(|p| schema[*p].clone()).collect();
    *plan = Plan::Project {
        input: Box::new(plan.take()),
        exprs,
        schema: out,
    };
}

fn prune(plan: &mut Plan, needed: &[usize], m: &mut Map, pool: &mut Pool) {
    let old_len = plan.schema().len();
    let identity = needed.len() == old_len;
    // Set when a projection turns out to pass its input through unchanged.
    let mut lift = false;
    match plan {
        // Every column is needed: leaves stay as they are.
        Plan::Values { .. } | Plan::Seek { .. } | Plan::Scan { filter: None, .. } if identity => {
            identity_map(m, old_len)
        }
        Plan::Scan {
            columns,
            schema,
            filter,
            key_names,
            ..
        } => {
            // Without a filter, `needed` (sorted, deduplicated) is the list as is.
            let mut keep = pool.list_of(needed);
            if let Some(f) = filter {
                f.columns(&mut keep);
                sort(&mut keep);
            }
            if keep.is_empty() {
                let first_key = key_names
                    .first()
                    .and_then(|k| schema.iter().position(|f| *f.name == **k));
                keep.push(first_key.unwrap_or(0));
            }
            keep_map(m, old_len, &keep);
            if let Some(f) = filter.as_mut() {
                remap(f, m);
            }
            retain_at(columns, &keep);
            retain_at(schema, &keep);
            pool.put(keep);
        }
        Plan::Seek {
            columns, schema, ..
        } => {
            let keep = at_least_one(needed);
            keep_map(m, old_len, &keep);
            retain_at(columns, &keep);
            retain_at(schema, &keep);
        }
        Plan::Values { schema, rows } => {
            let keep = at_least_one(needed);
            keep_map(m, old_len, &keep);
            retain_at(schema, &keep);
            for r in rows.iter_mut() {
                retain_at(r, &keep);
            }
        }
        Plan::Subscribe { .. } => identity_map(m, old_len),
        Plan::Filter { input, predicate } => {
            let mut need = pool.list_of(needed);
            predicate.columns(&mut need);
            sort(&mut need);
            prune(input, &need, m, pool);
            pool.put(need);
            remap(predicate, m);
        }
        Plan::Project {
            input,
            exprs,
            schema,
        } => {
            let keep = if needed.is_empty() && !exprs.is_empty() {
                std::borrow::Cow::Owned(vec![0])
            } else {
                std::borrow::Cow::Borrowed(needed)
            };
            // Usually every output is kept: then nothing moves.
            retain_at(exprs, &keep);
            retain_at(schema, &keep);
            let mut need = pool.list();
            cols_of(exprs.iter(), &mut need);
            sort(&mut need);
            prune(input, &need, m, pool);
            pool.put(need);
            for e in exprs.iter_mut() {
                remap(e, m);
            }
            // A projection that passes its input through unchanged goes away.
            let inner = input.schema();
            lift = exprs.len() == inner.len()
                && exprs
                    .iter()
                    .enumerate()
                    .all(|(i, e)| e.kind == ScalarKind::Column(i))
                && schema
                    .iter()
                    .zip(inner)
                    .all(|(a, b)| a.name == b.name && a.ty == b.ty);
            keep_map(m, old_len, &keep);
        }
        Plan::Aggregate {
            input, keys, aggs, ..
        } => {
            let mut need = pool.list();
            cols_of(keys.iter(), &mut need);
            cols_of(aggs.iter().filter_map(|a| a.1.as_ref()), &mut need);
            sort(&mut need);
            prune(input, &need, m, pool);
            pool.put(need);
            for k in keys.iter_mut() {
                remap(k, m);
            }
            for a in aggs.iter_mut().filter_map(|a| a.1.as_mut()) {
                remap(a, m);
            }
            identity_map(m, old_len);
        }
        Plan::Sort { input, keys } | Plan::TopK { input, keys, .. } => {
            let mut need = pool.list_of(needed);
            cols_of(keys.iter().map(|k| &k.expr), &mut need);
            sort(&mut need);
            prune(input, &need, m, pool);
            pool.put(need);
            for k in keys.iter_mut() {
                remap(&mut k.expr, m);
            }
        }
        Plan::Limit { input, .. } => prune(input, needed, m, pool),
        Plan::Distinct { input } => {
            let mut all = pool.list();
            all.extend(0..old_len);
            prune(input, &all, m, pool);
            pool.put(all);
        }
        Plan::Join {
            left,
            right,
            keys,
            schema,
            ..
        } => {
            let nl = left.schema().len();
            let mut lneed = pool.list();
            lneed.extend(needed.iter().copied().filter(|c| *c < nl));
            let mut rneed = pool.list();
            rneed.extend(needed.iter().filter(|c| **c >= nl).map(|c| c - nl));
            cols_of(keys.left.iter(), &mut lneed);
            cols_of(keys.right.iter(), &mut rneed);
            sort(&mut lneed);
            sort(&mut rneed);
            let mut ml = pool.map();
            let mut mr = pool.map();
            prune(left, &lneed, &mut ml, pool);
            prune(right, &rneed, &mut mr, pool);
            pool.put(lneed);
            pool.put(rneed);
            for k in keys.left.iter_mut() {
                remap(k, &ml);
            }
            for k in keys.right.iter_mut() {
                remap(k, &mr);
            }
            let new_nl = left.schema().len();
            m.clear();
            m.resize(old_len, None);
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
            pool.put_map(ml);
            pool.put_map(mr);
            *schema = out;
        }
        Plan::Union { left, right } => {
            let needed = at_least_one(needed);
            let mut ml = pool.map();
            let mut mr = pool.map();
            prune(left, &needed, &mut ml, pool);
            prune(right, &needed, &mut mr, pool);
            exact(left, &ml, &needed);
            exact(right, &mr, &needed);
            pool.put_map(ml);
            pool.put_map(mr);
            keep_map(m, old_len, &needed);
        }
    }
    if lift && let Plan::Project { input, .. } = plan {
        *plan = input.take();
    }
}
