//! `take` and `skip`: a limit cursor counts the rows that pass it.

use arrow_array::RecordBatch;

/// What a limit does to one batch.
#[derive(Debug, PartialEq)]
pub enum Pass {
    /// The limit was reached before this batch: leave the loop.
    Done,
    /// These rows pass (possibly none).
    Rows(RecordBatch),
}

/// A limit counter: rows still to skip, rows still to pass (`None`: no limit).
#[derive(Debug, Clone)]
pub struct LimitCursor {
    skip: u64,
    left: Option<u64>,
}

impl LimitCursor {
    pub fn new(limit: Option<u64>, offset: u64) -> LimitCursor {
        LimitCursor {
            skip: offset,
            left: limit,
        }
    }

    /// Passes a batch through the counter.
    pub fn pass(&mut self, b: &RecordBatch) -> Pass {
        if self.left == Some(0) {
            return Pass::Done;
        }
        let n = b.num_rows() as u64;
        let skipped = self.skip.min(n);
        self.skip -= skipped;
        let avail = n - skipped;
        let take = match self.left {
            Some(l) => l.min(avail),
            None => avail,
        };
        if let Some(l) = self.left.as_mut() {
            *l -= take;
        }
        Pass::Rows(b.slice(skipped as usize, take as usize))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::Int64Array;

    use super::*;

    fn batch(n: i64) -> RecordBatch {
        RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from_iter_values(0..n)) as _)])
            .unwrap()
    }

    #[test]
    fn skips_then_takes_across_batches() {
        let mut l = LimitCursor::new(Some(4), 3);
        let rows = |p: Pass| match p {
            Pass::Rows(b) => b.num_rows(),
            Pass::Done => usize::MAX,
        };
        assert_eq!(rows(l.pass(&batch(2))), 0);
        assert_eq!(rows(l.pass(&batch(3))), 2);
        assert_eq!(rows(l.pass(&batch(5))), 2);
        assert_eq!(l.pass(&batch(5)), Pass::Done);
        let mut zero = LimitCursor::new(Some(0), 0);
        assert_eq!(zero.pass(&batch(1)), Pass::Done);
        let mut all = LimitCursor::new(None, 0);
        assert_eq!(rows(all.pass(&batch(7))), 7);
    }
}
