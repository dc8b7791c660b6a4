//! Deciding which version of each key survives when segments overlap ("versions
//! before filters"). For a cluster of segments whose key ranges overlap, the `__key`,
//! `__seq` and `__deleted` columns of every member are merged by key: the version with
//! the highest sequence number wins, and it is live unless it is a tombstone, a hot
//! version shadows it, or it lies outside the scan's key range. No predicate is looked
//! at here, so statistics can never make a stale version reappear.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use arrow_array::{Array, BooleanArray};

use super::iter::Ctx;
use crate::cold::segment::{Segment, SegmentRef};
use crate::error::Result;

/// Per member: row group → liveness mask over that row group's rows.
pub(crate) type Masks = HashMap<usize, BooleanArray>;

struct MemberKeys {
    keys: Vec<arrow_array::BinaryArray>,
    seqs: Vec<arrow_array::UInt64Array>,
    deleted: Vec<BooleanArray>,
    rgs: Vec<usize>,
}

fn read_member(ctx: &Ctx, seg: &SegmentRef) -> Result<MemberKeys> {
    let l = seg.loaded()?;
    let cols = &l.cols;
    let mut fields = vec![cols.key, cols.seq, cols.deleted];
    fields.sort();
    let pos = |f: usize| fields.iter().position(|x| *x == f).expect("requested");
    let mut m = MemberKeys {
        keys: vec![],
        seqs: vec![],
        deleted: vec![],
        rgs: vec![],
    };
    for rg in Segment::row_groups_in_range(&l, &ctx.lo, ctx.hi.as_deref()) {
        let rows = l.row_group_rows(rg);
        let mut parts_k = Vec::new();
        let mut parts_s = Vec::new();
        let mut parts_d = Vec::new();
        for b in seg.read(&l, &fields, Some(vec![rg]), None, rows.max(1))? {
            let b = b?;
            parts_k.push(b.column(pos(cols.key)).clone());
            parts_s.push(b.column(pos(cols.seq)).clone());
            parts_d.push(b.column(pos(cols.deleted)).clone());
        }
        let cat = |v: Vec<arrow_array::ArrayRef>| -> Result<arrow_array::ArrayRef> {
            let refs: Vec<&dyn Array> = v.iter().map(|a| a.as_ref()).collect();
            Ok(arrow_select::concat::concat(&refs)?)
        };
        m.keys.push(cat(parts_k)?.as_binary::<i32>().clone());
        m.seqs
            .push(cat(parts_s)?.as_primitive::<UInt64Type>().clone());
        m.deleted.push(cat(parts_d)?.as_boolean().clone());
        m.rgs.push(rg);
    }
    Ok(m)
}

/// Computes the liveness masks of every member of an overlapping cluster.
pub(crate) fn cluster_masks(ctx: &Ctx, members: &[SegmentRef]) -> Result<Vec<Masks>> {
    let data: Vec<MemberKeys> = members
        .iter()
        .map(|s| read_member(ctx, s))
        .collect::<Result<_>>()?;
    let mut live: Vec<Vec<Vec<bool>>> = data
        .iter()
        .map(|m| m.keys.iter().map(|k| vec![false; k.len()]).collect())
        .collect();
    // Cursor per member: (row group slot, row).
    let mut cursor: Vec<(usize, usize)> = vec![(0, 0); data.len()];
    let key_at = |m: usize, c: (usize, usize)| -> Option<&[u8]> {
        let d = &data[m];
        d.keys
            .get(c.0)
            .filter(|k| c.1 < k.len())
            .map(|k| k.value(c.1))
    };
    let advance = |m: usize, c: &mut (usize, usize)| {
        let d = &data[m];
        c.1 += 1;
        while c.0 < d.keys.len() && c.1 >= d.keys[c.0].len() {
            c.0 += 1;
            c.1 = 0;
        }
    };
    for (m, c) in cursor.iter_mut().enumerate() {
        while c.0 < data[m].keys.len() && data[m].keys[c.0].is_empty() {
            c.0 += 1;
        }
    }
    let mut heap: BinaryHeap<Reverse<(Vec<u8>, usize)>> = BinaryHeap::new();
    for (m, c) in cursor.iter().enumerate() {
        if let Some(k) = key_at(m, *c) {
            heap.push(Reverse((k.to_vec(), m)));
        }
    }
    let mut same: Vec<usize> = Vec::new();
    while let Some(Reverse((key, m))) = heap.pop() {
        same.clear();
        same.push(m);
        while let Some(Reverse((k2, _))) = heap.peek() {
            if *k2 != key {
                break;
            }
            let Reverse((_, m2)) = heap.pop().expect("peeked");
            same.push(m2);
        }
        let winner = *same
            .iter()
            .max_by_key(|&&mm| {
                let c = cursor[mm];
                data[mm].seqs[c.0].value(c.1)
            })
            .expect("at least one");
        let visible = ctx.in_range(&key) && !ctx.hot_has(&key);
        for &mm in &same {
            let c = cursor[mm];
            let deleted = data[mm].deleted[c.0].value(c.1);
            live[mm][c.0][c.1] = mm == winner && visible && !deleted;
            let mut c2 = c;
            advance(mm, &mut c2);
            cursor[mm] = c2;
            if let Some(k) = key_at(mm, c2) {
                heap.push(Reverse((k.to_vec(), mm)));
            }
        }
    }
    Ok(data
        .iter()
        .zip(live)
        .map(|(d, l)| {
            d.rgs
                .iter()
                .zip(l)
                .map(|(rg, bits)| (*rg, BooleanArray::from(bits)))
                .collect()
        })
        .collect())
}
