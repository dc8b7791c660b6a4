//! The streaming k-way merge by key that compaction and ordered scans share.
//!
//! ```text
//!  source 0 (oldest segment) ─┐
//!  source 1                   ├─► heap of sources by current key ─► one version per key:
//!  …                          │     the highest sequence number wins (hot beats cold;
//!  source n (hot, newest)  ───┘     between equal sequences the later source) ─► live,
//!                                   in range? ─► output batch (arrow `interleave`)
//! ```
//!
//! Every source yields [`Run`]s: batches sorted by key, one version per key. The merge
//! holds one run per source and the output it is assembling; it emits a batch when it
//! reaches the asked size or before a source moves to its next run (so that output only
//! ever refers to runs still held). Run sizes adapt to the memory budget: after the
//! first runs, `budget / (sources + 1)` bytes per run. Nothing else is held, so memory
//! does not grow with the number of rows merged.

use std::cmp::Ordering;

use arrow_array::{Array, ArrayRef, BinaryArray, BooleanArray, UInt64Array};

use crate::error::Result;

/// A sorted piece of one source: keys ascending, one version per key.
pub(crate) struct Run {
    pub keys: BinaryArray,
    /// Sequence numbers; `None` for the hot tier, which is newer than every segment.
    pub seqs: Option<UInt64Array>,
    /// Tombstone flags; `None` when the run holds none.
    pub deleted: Option<BooleanArray>,
    /// The merged columns, the same in every source.
    pub arrays: Vec<ArrayRef>,
}

impl Run {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn seq(&self, i: usize) -> u64 {
        self.seqs.as_ref().map(|s| s.value(i)).unwrap_or(u64::MAX)
    }

    fn deleted(&self, i: usize) -> bool {
        self.deleted.as_ref().is_some_and(|d| d.value(i))
    }

    fn bytes(&self) -> usize {
        self.keys.get_array_memory_size()
            + self
                .arrays
                .iter()
                .map(|a| a.get_array_memory_size())
                .sum::<usize>()
    }
}

/// A key-ordered input: the next run of at most `rows` rows, `None` at the end.
pub(crate) trait SortedSource: Send {
    fn next_run(&mut self, rows: usize) -> Result<Option<Run>>;
}

/// Merged output: the winning live versions in key order.
pub(crate) struct Merged {
    pub keys: ArrayRef,
    /// Present when every source carries sequence numbers (compaction).
    pub seqs: Option<ArrayRef>,
    pub arrays: Vec<ArrayRef>,
}

impl Merged {
    pub(crate) fn rows(&self) -> usize {
        self.keys.len()
    }
}

/// What the merge keeps.
pub(crate) struct MergeRules {
    /// Keys in `[lo, hi)` only.
    pub lo: Vec<u8>,
    pub hi: Option<Vec<u8>>,
    /// Memory for runs, bytes (see the module summary).
    pub budget: usize,
}

struct Head {
    run: Run,
    pos: usize,
}

pub(crate) struct Merge {
    sources: Vec<Box<dyn SortedSource>>,
    heads: Vec<Option<Head>>,
    /// Source indices ordered as a binary min-heap by (current key, source index).
    heap: Vec<usize>,
    rules: MergeRules,
    run_rows: usize,
    started: bool,
    with_seqs: bool,
    /// Output being assembled: (source, row) per merged row.
    picks: Vec<(usize, usize)>,
}

impl Merge {
    /// A merge of `sources`, listed oldest first.
    pub(crate) fn new(sources: Vec<Box<dyn SortedSource>>, rules: MergeRules) -> Merge {
        let n = sources.len();
        Merge {
            sources,
            heads: (0..n).map(|_| None).collect(),
            heap: Vec::with_capacity(n),
            rules,
            run_rows: 1024,
            started: false,
            with_seqs: true,
            picks: Vec::new(),
        }
    }

    fn key(&self, s: usize) -> &[u8] {
        let h = self.heads[s]
            .as_ref()
            .expect("sources in the heap have a head");
        h.run.keys.value(h.pos)
    }

    /// Heap order: smaller key first; for equal keys the older source first.
    fn before(&self, a: usize, b: usize) -> bool {
        match self.key(a).cmp(self.key(b)) {
            Ordering::Less => true,
            Ordering::Greater => false,
            Ordering::Equal => a < b,
        }
    }

    fn sift_up(&mut self, mut i: usize) {
        while i > 0 {
            let parent = (i - 1) / 2;
            if !self.before(self.heap[i], self.heap[parent]) {
                break;
            }
            self.heap.swap(i, parent);
            i = parent;
        }
    }

    fn sift_down(&mut self, mut i: usize) {
        loop {
            let (l, r) = (2 * i + 1, 2 * i + 2);
            let mut m = i;
            if l < self.heap.len() && self.before(self.heap[l], self.heap[m]) {
                m = l;
            }
            if r < self.heap.len() && self.before(self.heap[r], self.heap[m]) {
                m = r;
            }
            if m == i {
                return;
            }
            self.heap.swap(i, m);
            i = m;
        }
    }

    fn push(&mut self, s: usize) {
        self.heap.push(s);
        let i = self.heap.len() - 1;
        self.sift_up(i);
    }

    fn pop(&mut self) -> Option<usize> {
        if self.heap.is_empty() {
            return None;
        }
        let top = self.heap.swap_remove(0);
        if !self.heap.is_empty() {
            self.sift_down(0);
        }
        Some(top)
    }

    /// Loads source `s`'s next non-empty run; false at its end.
    fn load(&mut self, s: usize) -> Result<bool> {
        loop {
            match self.sources[s].next_run(self.run_rows)? {
                None => {
                    self.heads[s] = None;
                    return Ok(false);
                }
                Some(run) if run.len() == 0 => continue,
                Some(run) => {
                    if run.seqs.is_none() {
                        self.with_seqs = false;
                    }
                    // Adapt the run size to the budget: what one row costs here, times
                    // the rows every source and the output may hold.
                    let per_row = (run.bytes() / run.len()).max(1);
                    let share = self.rules.budget / (self.sources.len() + 1);
                    self.run_rows = (share / per_row).clamp(16, 65_536);
                    self.heads[s] = Some(Head { run, pos: 0 });
                    return Ok(true);
                }
            }
        }
    }

    fn in_range(&self, key: &[u8]) -> bool {
        key >= self.rules.lo.as_slice() && self.rules.hi.as_deref().is_none_or(|hi| key < hi)
    }

    /// The next batch of at most `max_rows` merged rows; `None` when every source is
    /// done.
    pub(crate) fn next_batch(&mut self, max_rows: usize) -> Result<Option<Merged>> {
        if !self.started {
            self.started = true;
            for s in 0..self.sources.len() {
                if self.load(s)? {
                    self.push(s);
                }
            }
        }
        let mut same: Vec<usize> = Vec::new();
        while self.picks.len() < max_rows {
            let Some(first) = self.pop() else {
                break;
            };
            same.clear();
            same.push(first);
            while let Some(&top) = self.heap.first() {
                if self.key(top) != self.key(first) {
                    break;
                }
                same.push(self.pop().expect("peeked"));
            }
            // The winner: highest sequence; the hot tier (no sequence) beats every
            // segment; between equal sequences, the later source.
            let mut winner = first;
            for &s in &same[1..] {
                let (hw, hs) = (
                    self.heads[winner].as_ref().expect("head"),
                    self.heads[s].as_ref().expect("head"),
                );
                if hs.run.seq(hs.pos) > hw.run.seq(hw.pos)
                    || (hs.run.seq(hs.pos) == hw.run.seq(hw.pos) && s > winner)
                {
                    winner = s;
                }
            }
            let w = self.heads[winner].as_ref().expect("head");
            if !w.run.deleted(w.pos) && self.in_range(w.run.keys.value(w.pos)) {
                self.picks.push((winner, w.pos));
            }
            // Advance every source that held the key. A source at the end of its run
            // must not move on while the output refers to that run.
            let mut exhausted = false;
            for &s in &same {
                let h = self.heads[s].as_mut().expect("head");
                h.pos += 1;
                if h.pos < h.run.len() {
                    self.push(s);
                } else {
                    exhausted = true;
                }
            }
            if exhausted {
                let out = self.emit()?;
                for &s in &same {
                    let done = self.heads[s].as_ref().is_some_and(|h| h.pos >= h.run.len());
                    if done && self.load(s)? {
                        self.push(s);
                    }
                }
                if out.is_some() {
                    return Ok(out);
                }
            }
        }
        self.emit()
    }

    /// Builds the output batch from the picks so far.
    fn emit(&mut self) -> Result<Option<Merged>> {
        if self.picks.is_empty() {
            return Ok(None);
        }
        // Map the sources that appear to positions in the value lists.
        let mut slot: Vec<Option<usize>> = vec![None; self.sources.len()];
        let mut used: Vec<usize> = Vec::new();
        for (s, _) in &self.picks {
            if slot[*s].is_none() {
                slot[*s] = Some(used.len());
                used.push(*s);
            }
        }
        let idx: Vec<(usize, usize)> = self
            .picks
            .iter()
            .map(|(s, r)| (slot[*s].expect("mapped"), *r))
            .collect();
        let runs: Vec<&Run> = used
            .iter()
            .map(|s| &self.heads[*s].as_ref().expect("held").run)
            .collect();
        let gather = |f: &dyn Fn(&Run) -> &dyn Array| -> Result<ArrayRef> {
            let values: Vec<&dyn Array> = runs.iter().map(|r| f(r)).collect();
            Ok(arrow_select::interleave::interleave(&values, &idx)?)
        };
        let keys = gather(&|r| &r.keys)?;
        let seqs = if self.with_seqs && runs.iter().all(|r| r.seqs.is_some()) {
            Some(gather(&|r| r.seqs.as_ref().expect("checked"))?)
        } else {
            None
        };
        let ncols = runs[0].arrays.len();
        let mut arrays = Vec::with_capacity(ncols);
        for c in 0..ncols {
            arrays.push(gather(&|r| r.arrays[c].as_ref())?);
        }
        self.picks.clear();
        Ok(Some(Merged { keys, seqs, arrays }))
    }
}

/// A source over runs already in memory (tests).
#[cfg(test)]
pub(crate) struct VecSource(pub std::collections::VecDeque<Run>);

#[cfg(test)]
impl SortedSource for VecSource {
    fn next_run(&mut self, _rows: usize) -> Result<Option<Run>> {
        Ok(self.0.pop_front())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Int64Array;
    use arrow_array::cast::AsArray;
    use arrow_array::types::Int64Type;
    use std::sync::Arc;

    fn run(rows: &[(u8, Option<u64>, bool, i64)]) -> Run {
        let seqs: Vec<Option<u64>> = rows.iter().map(|r| r.1).collect();
        Run {
            keys: BinaryArray::from_iter_values(rows.iter().map(|r| vec![r.0])),
            seqs: seqs
                .iter()
                .all(|s| s.is_some())
                .then(|| UInt64Array::from_iter_values(seqs.iter().map(|s| s.unwrap()))),
            deleted: Some(BooleanArray::from(
                rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            )),
            arrays: vec![Arc::new(Int64Array::from(
                rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            ))],
        }
    }

    fn merge_all(sources: Vec<Vec<Run>>, lo: u8, batch: usize) -> Vec<(u8, i64)> {
        let sources: Vec<Box<dyn SortedSource>> = sources
            .into_iter()
            .map(|runs| Box::new(VecSource(runs.into())) as Box<dyn SortedSource>)
            .collect();
        let mut m = Merge::new(
            sources,
            MergeRules {
                lo: vec![lo],
                hi: None,
                budget: 1 << 20,
            },
        );
        let mut out = Vec::new();
        while let Some(b) = m.next_batch(batch).unwrap() {
            assert!(b.rows() <= batch);
            let keys = b.keys.as_binary::<i32>();
            let vals = b.arrays[0].as_primitive::<Int64Type>();
            for i in 0..b.rows() {
                out.push((keys.value(i)[0], vals.value(i)));
            }
        }
        out
    }

    #[test]
    fn newest_version_wins_and_tombstones_hide() {
        let old = [
            run(&[(1, Some(1), false, 10), (2, Some(2), false, 20)]),
            run(&[(5, Some(3), false, 50)]),
        ];
        let new = [
            run(&[(2, Some(9), true, 0), (3, Some(8), false, 30)]),
            run(&[(5, Some(7), false, 55), (6, Some(6), false, 60)]),
        ];
        let hot = [run(&[(1, None, false, 11), (6, None, true, 0)])];
        for batch in [1, 2, 100] {
            assert_eq!(
                merge_all(
                    vec![
                        old.iter().map(clone_run).collect(),
                        new.iter().map(clone_run).collect(),
                        hot.iter().map(clone_run).collect()
                    ],
                    0,
                    batch
                ),
                vec![(1, 11), (3, 30), (5, 55)],
                "batch size {batch}"
            );
        }
        // key range: from 3 on
        assert_eq!(
            merge_all(vec![old.iter().map(clone_run).collect()], 2, 10),
            vec![(2, 20), (5, 50)]
        );
        // equal sequences: the later source wins
        let a = vec![run(&[(4, Some(5), false, 1)])];
        let b = vec![run(&[(4, Some(5), false, 2)])];
        assert_eq!(merge_all(vec![a, b], 0, 10), vec![(4, 2)]);
    }

    fn clone_run(r: &Run) -> Run {
        Run {
            keys: r.keys.clone(),
            seqs: r.seqs.clone(),
            deleted: r.deleted.clone(),
            arrays: r.arrays.clone(),
        }
    }
}
