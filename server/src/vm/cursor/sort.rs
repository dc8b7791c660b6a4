//! Sorting. Sort keys are evaluated over each fed batch and turned into
//! `arrow-row` rows (descending and nulls-first folded into the byte order), so the
//! sort compares bytes; ties keep their feeding order (a stable sort). `Next` hands
//! out the rows in order, [`super::OUT_BATCH_ROWS`] at a time. Float keys are
//! canonical ([`crate::vm::floats`]): `-0.0` ties with `0.0`, NaN sorts above every
//! number.

use arrow_array::{ArrayRef, RecordBatch};
use arrow_row::{RowConverter, Rows, SortField};
use arrow_schema::SortOptions;
use kql_compiler::bytecode::{Expr, SortKey};

use super::{OUT_BATCH_ROWS, chunks};
use crate::vm::error::{ExecError, Result};
use crate::vm::expr::{EvalCtx, eval};
use crate::vm::floats;
use crate::vm::types::batch_bytes;

/// Sort keys: their expressions and the row converter made for their types.
pub struct Keys {
    exprs: Vec<(Expr, SortKey)>,
    converter: Option<RowConverter>,
}

impl Keys {
    pub fn new(exprs: Vec<(Expr, SortKey)>) -> Keys {
        Keys {
            exprs,
            converter: None,
        }
    }

    /// The key columns of `b` (a constant column when there are no keys).
    pub fn arrays(&self, b: &RecordBatch, ev: &EvalCtx<'_>) -> Result<Vec<ArrayRef>> {
        let arrays = self
            .exprs
            .iter()
            .map(|(e, _)| eval(e, Some(b), b.num_rows(), ev))
            .collect::<Result<Vec<_>>>()?;
        Ok(super::or_unit(floats::canonical_all(arrays), b.num_rows()))
    }

    /// The key rows of `b`, appended to `rows` when given.
    pub fn rows(&mut self, b: &RecordBatch, ev: &EvalCtx<'_>) -> Result<Rows> {
        let arrays = self.arrays(b, ev)?;
        let conv = self.converter(&arrays)?;
        Ok(conv.convert_columns(&arrays)?)
    }

    fn converter(&mut self, arrays: &[ArrayRef]) -> Result<&RowConverter> {
        if self.converter.is_none() {
            let fields = arrays
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let k = self.exprs.get(i).map(|(_, k)| *k);
                    SortField::new_with_options(
                        a.data_type().clone(),
                        SortOptions {
                            descending: k.is_some_and(|k| k.descending),
                            nulls_first: k.is_some_and(|k| k.nulls_first),
                        },
                    )
                })
                .collect();
            self.converter = Some(RowConverter::new(fields)?);
        }
        self.converter
            .as_ref()
            .ok_or_else(|| ExecError::internal("no row converter"))
    }
}

/// Sorts `batches` by `keys` (one `Rows` per batch) and returns the rows in order;
/// `range` keeps only positions `[skip, skip + take)` of the order.
pub fn sorted(
    batches: &[RecordBatch],
    keys: &[Rows],
    skip: usize,
    take: usize,
) -> Result<Vec<RecordBatch>> {
    let mut order: Vec<(u32, u32)> = Vec::new();
    for (b, batch) in batches.iter().enumerate() {
        for r in 0..batch.num_rows() {
            order.push((b as u32, r as u32));
        }
    }
    order.sort_by(|x, y| {
        keys[x.0 as usize]
            .row(x.1 as usize)
            .cmp(&keys[y.0 as usize].row(y.1 as usize))
    });
    let end = skip.saturating_add(take).min(order.len());
    let start = skip.min(end);
    let picked = &order[start..end];
    let refs: Vec<&RecordBatch> = batches.iter().collect();
    let mut out = Vec::new();
    for part in picked.chunks(OUT_BATCH_ROWS) {
        let idx: Vec<(usize, usize)> = part
            .iter()
            .map(|(b, r)| (*b as usize, *r as usize))
            .collect();
        out.push(arrow_select::interleave::interleave_record_batch(
            &refs, &idx,
        )?);
    }
    Ok(out)
}

enum State {
    Filling {
        batches: Vec<RecordBatch>,
        keys: Vec<Rows>,
    },
    Reading(std::collections::VecDeque<RecordBatch>),
}

/// A sorter.
pub struct SortCursor {
    keys: Keys,
    state: State,
    held: usize,
}

impl SortCursor {
    pub fn new(keys: Keys) -> SortCursor {
        SortCursor {
            keys,
            state: State::Filling {
                batches: Vec::new(),
                keys: Vec::new(),
            },
            held: 0,
        }
    }

    pub fn held(&self) -> usize {
        self.held
    }

    pub fn feed(&mut self, b: &RecordBatch, ev: &EvalCtx<'_>) -> Result<()> {
        if b.num_rows() == 0 {
            return Ok(());
        }
        let rows = self.keys.rows(b, ev)?;
        let State::Filling { batches, keys } = &mut self.state else {
            return Err(ExecError::internal("Feed into a sealed sorter"));
        };
        self.held += batch_bytes(b) + rows.size();
        batches.push(b.clone());
        keys.push(rows);
        Ok(())
    }

    pub fn seal(&mut self) -> Result<()> {
        let State::Filling { batches, keys } = &mut self.state else {
            return Err(ExecError::internal("a sorter sealed twice"));
        };
        let out = sorted(batches, keys, 0, usize::MAX)?;
        self.held = out.iter().map(batch_bytes).sum();
        self.state = State::Reading(out.into_iter().flat_map(chunks).collect());
        Ok(())
    }

    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        let State::Reading(q) = &mut self.state else {
            return Err(ExecError::internal("Next on a sorter before Seal"));
        };
        let b = q.pop_front();
        if let Some(b) = &b {
            self.held = self.held.saturating_sub(batch_bytes(b));
        }
        Ok(b)
    }
}
