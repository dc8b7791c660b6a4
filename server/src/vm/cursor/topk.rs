//! Top-k: like sorting, but only the rows at positions `[offset, offset + limit)` of
//! the order are kept. Fed batches are buffered; whenever the buffer holds twice `k =
//! offset + limit` rows (and at `Seal`) it is sorted and cut back to the first `k`,
//! so memory stays bounded by about `2k` rows plus one batch and the work by
//! `n log k`. Ties keep their feeding order.

use std::collections::VecDeque;

use arrow_array::RecordBatch;
use arrow_row::Rows;

use super::chunks;
use super::sort::{Keys, sorted};
use crate::vm::error::{ExecError, Result};
use crate::vm::expr::EvalCtx;
use crate::vm::types::batch_bytes;

/// A top-k sorter.
pub struct TopKCursor {
    keys: Keys,
    offset: usize,
    limit: usize,
    batches: Vec<RecordBatch>,
    rows: Vec<Rows>,
    buffered: usize,
    out: Option<VecDeque<RecordBatch>>,
    held: usize,
}

impl TopKCursor {
    pub fn new(keys: Keys, limit: u64, offset: u64) -> TopKCursor {
        TopKCursor {
            keys,
            offset: usize::try_from(offset).unwrap_or(usize::MAX),
            limit: usize::try_from(limit).unwrap_or(usize::MAX),
            batches: Vec::new(),
            rows: Vec::new(),
            buffered: 0,
            out: None,
            held: 0,
        }
    }

    fn k(&self) -> usize {
        self.offset.saturating_add(self.limit)
    }

    pub fn held(&self) -> usize {
        self.held
    }

    /// Sorts the buffer and keeps its first `k` rows.
    fn compact(&mut self, ev: &EvalCtx<'_>) -> Result<()> {
        let kept = sorted(&self.batches, &self.rows, 0, self.k())?;
        self.batches.clear();
        self.rows.clear();
        self.buffered = 0;
        self.held = 0;
        for b in kept {
            let r = self.keys.rows(&b, ev)?;
            self.buffered += b.num_rows();
            self.held += batch_bytes(&b) + r.size();
            self.batches.push(b);
            self.rows.push(r);
        }
        Ok(())
    }

    pub fn feed(&mut self, b: &RecordBatch, ev: &EvalCtx<'_>) -> Result<()> {
        if self.out.is_some() {
            return Err(ExecError::internal("Feed into a sealed top-k"));
        }
        if b.num_rows() == 0 || self.limit == 0 {
            return Ok(());
        }
        let r = self.keys.rows(b, ev)?;
        self.buffered += b.num_rows();
        self.held += batch_bytes(b) + r.size();
        self.batches.push(b.clone());
        self.rows.push(r);
        if self.buffered >= self.k().saturating_mul(2).max(super::OUT_BATCH_ROWS) {
            self.compact(ev)?;
        }
        Ok(())
    }

    pub fn seal(&mut self) -> Result<()> {
        if self.out.is_some() {
            return Err(ExecError::internal("a top-k sealed twice"));
        }
        let out = sorted(&self.batches, &self.rows, self.offset, self.limit)?;
        self.batches.clear();
        self.rows.clear();
        self.held = out.iter().map(batch_bytes).sum();
        self.out = Some(out.into_iter().flat_map(chunks).collect());
        Ok(())
    }

    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let q = self
            .out
            .as_mut()
            .ok_or_else(|| ExecError::internal("Next on a top-k before Seal"))?;
        let b = q.pop_front();
        if let Some(b) = &b {
            self.held = self.held.saturating_sub(batch_bytes(b));
        }
        Ok(b)
    }
}
