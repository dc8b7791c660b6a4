//! Cursors: the stateful objects `Open*` instructions create. Readable ones hand out
//! batches through `Next` ([`scan`], [`subscription`], and sealed [`sort`], [`topk`],
//! [`aggregate`] and [`join`] cursors); [`limit`] and [`distinct`] cursors keep the
//! state of a `take`/`skip` or a `distinct` across the batches that pass them. Each
//! reports the bytes it holds, which count against the query's memory limit.

pub mod aggregate;
pub mod distinct;
pub mod join;
pub mod limit;
pub mod scan;
pub mod sort;
pub mod subscription;
pub mod topk;

use arrow_array::RecordBatch;

use super::context::Budget;
use super::error::{ExecError, Result};
use super::expr::EvalCtx;

/// Rows per batch a sealed cursor hands out.
pub const OUT_BATCH_ROWS: usize = 8192;

/// An opened cursor.
pub enum Cursor {
    Scan(scan::ScanCursor),
    Subscription(Box<subscription::SubscriptionCursor>),
    Sort(sort::SortCursor),
    TopK(topk::TopKCursor),
    Aggregate(Box<aggregate::AggregateCursor>),
    HashJoin(Box<join::JoinCursor>),
    Limit(limit::LimitCursor),
    Distinct(distinct::DistinctCursor),
}

/// What `Next` found.
pub enum Read {
    Batch(RecordBatch),
    Exhausted,
    /// A subscription with nothing queued.
    Wait,
}

impl Cursor {
    /// Bytes the cursor holds.
    pub fn held(&self) -> usize {
        match self {
            Cursor::Scan(c) => c.held(),
            Cursor::Subscription(c) => c.held(),
            Cursor::Sort(c) => c.held(),
            Cursor::TopK(c) => c.held(),
            Cursor::Aggregate(c) => c.held(),
            Cursor::HashJoin(c) => c.held(),
            Cursor::Limit(_) => 0,
            Cursor::Distinct(c) => c.held(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Cursor::Scan(_) => "scan",
            Cursor::Subscription(_) => "subscription",
            Cursor::Sort(_) => "sort",
            Cursor::TopK(_) => "topk",
            Cursor::Aggregate(_) => "aggregate",
            Cursor::HashJoin(_) => "hash join",
            Cursor::Limit(_) => "limit",
            Cursor::Distinct(_) => "distinct",
        }
    }

    /// The next non-empty batch of a readable cursor.
    pub fn next(&mut self, ev: &EvalCtx<'_>, budget: &Budget) -> Result<Read> {
        let out = match self {
            Cursor::Scan(c) => c.next(ev, budget)?,
            Cursor::Subscription(c) => return c.next(ev),
            Cursor::Sort(c) => c.next_batch()?,
            Cursor::TopK(c) => c.next_batch()?,
            Cursor::Aggregate(c) => c.next_batch()?,
            Cursor::HashJoin(c) => c.next_batch()?,
            other => {
                return Err(ExecError::internal(format!(
                    "Next on a {} cursor",
                    other.name()
                )));
            }
        };
        Ok(match out {
            Some(b) => Read::Batch(b),
            None => Read::Exhausted,
        })
    }

    /// Adds fed rows to a filling cursor.
    pub fn feed(&mut self, batch: &RecordBatch, ev: &EvalCtx<'_>) -> Result<()> {
        match self {
            Cursor::Sort(c) => c.feed(batch, ev),
            Cursor::TopK(c) => c.feed(batch, ev),
            Cursor::Aggregate(c) => c.feed(batch, ev),
            Cursor::HashJoin(c) => c.feed(batch),
            other => Err(ExecError::internal(format!(
                "Feed into a {} cursor",
                other.name()
            ))),
        }
    }

    /// Ends the filling of a cursor.
    pub fn seal(&mut self, ev: &EvalCtx<'_>) -> Result<()> {
        match self {
            Cursor::Sort(c) => c.seal(),
            Cursor::TopK(c) => c.seal(),
            Cursor::Aggregate(c) => c.seal(),
            Cursor::HashJoin(c) => c.seal(ev),
            other => Err(ExecError::internal(format!(
                "Seal of a {} cursor",
                other.name()
            ))),
        }
    }
}

/// Splits a batch into batches of at most [`OUT_BATCH_ROWS`] rows.
pub fn chunks(b: RecordBatch) -> Vec<RecordBatch> {
    let n = b.num_rows();
    if n <= OUT_BATCH_ROWS {
        return if n == 0 { Vec::new() } else { vec![b] };
    }
    (0..n)
        .step_by(OUT_BATCH_ROWS)
        .map(|at| b.slice(at, OUT_BATCH_ROWS.min(n - at)))
        .collect()
}

/// Key columns for a row encoding: `arrays`, or when there are none a constant
/// column, so that zero keys mean "all rows are equal" (arrow-row needs a column to
/// count rows by).
pub fn or_unit(arrays: Vec<arrow_array::ArrayRef>, rows: usize) -> Vec<arrow_array::ArrayRef> {
    if arrays.is_empty() {
        vec![std::sync::Arc::new(arrow_array::BooleanArray::from(
            vec![true; rows],
        ))]
    } else {
        arrays
    }
}
