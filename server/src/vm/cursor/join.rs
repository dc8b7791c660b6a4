//! Hash joins. The build side (the right input) is fed and kept; `Seal` evaluates
//! its keys, encodes them with `arrow-row` and chains the rows of each key in a hash
//! table (rows with a null key are left out: they never match). `Probe` evaluates the
//! probe keys over a batch of the left input and writes the probe columns followed by
//! the build columns of every matching pair — plus, for left and full joins, each
//! unmatched probe row with nulls on the build side — and marks matched build rows.
//! For right and full joins, `Next` then hands out the build rows no probe matched,
//! with nulls on the probe side. Float keys are canonical ([`crate::vm::floats`]), so
//! `-0.0` matches `0.0` and NaN matches NaN.

use std::collections::VecDeque;

use arrow_array::{Array, ArrayRef, RecordBatch, UInt32Array};
use arrow_row::{RowConverter, SortField};
use arrow_schema::SchemaRef;
use kql_compiler::bytecode::{Expr, JoinKind};

use super::chunks;
use crate::vm::error::{ExecError, Result, XCode};
use crate::vm::expr::{EvalCtx, eval};
use crate::vm::floats;
use crate::vm::hash::RowMap;
use crate::vm::types::{batch, batch_bytes};

const END: u32 = u32::MAX;

/// A hash join.
pub struct JoinCursor {
    kind: JoinKind,
    build_keys: Vec<Expr>,
    /// The build side's columns (the cursor's input schema).
    input: SchemaRef,
    /// Probe columns then build columns.
    out: SchemaRef,
    fed: Vec<RecordBatch>,
    build: Option<RecordBatch>,
    converter: Option<RowConverter>,
    heads: RowMap<u32>,
    chain: Vec<u32>,
    matched: Vec<bool>,
    unmatched: Option<VecDeque<RecordBatch>>,
    held: usize,
}

fn any_null(arrays: &[ArrayRef], i: usize) -> bool {
    arrays.iter().any(|a| a.is_null(i))
}

impl JoinCursor {
    pub fn new(kind: JoinKind, build_keys: Vec<Expr>, input: SchemaRef, out: SchemaRef) -> Self {
        JoinCursor {
            kind,
            build_keys,
            input,
            out,
            fed: Vec::new(),
            build: None,
            converter: None,
            heads: RowMap::default(),
            chain: Vec::new(),
            matched: Vec::new(),
            unmatched: None,
            held: 0,
        }
    }

    pub fn held(&self) -> usize {
        self.held
    }

    pub fn feed(&mut self, b: &RecordBatch) -> Result<()> {
        if self.build.is_some() {
            return Err(ExecError::internal("Feed into a sealed hash join"));
        }
        if b.num_rows() > 0 {
            self.held += batch_bytes(b);
            self.fed.push(b.clone());
        }
        Ok(())
    }

    /// The key columns of `b` (a constant column when there are no keys: every row
    /// then matches every row).
    fn key_arrays(keys: &[Expr], b: &RecordBatch, ev: &EvalCtx<'_>) -> Result<Vec<ArrayRef>> {
        let arrays = keys
            .iter()
            .map(|e| eval(e, Some(b), b.num_rows(), ev))
            .collect::<Result<Vec<_>>>()?;
        Ok(super::or_unit(floats::canonical_all(arrays), b.num_rows()))
    }

    pub fn seal(&mut self, ev: &EvalCtx<'_>) -> Result<()> {
        if self.build.is_some() {
            return Err(ExecError::internal("a hash join sealed twice"));
        }
        let build = arrow_select::concat::concat_batches(&self.input, &self.fed)
            .map_err(ExecError::from)?;
        self.fed.clear();
        let n = build.num_rows();
        if u32::try_from(n).is_err() {
            return Err(ExecError::internal(
                "a join build side of more than 4 billion rows",
            ));
        }
        let keys = Self::key_arrays(&self.build_keys, &build, ev)?;
        let fields = keys
            .iter()
            .map(|a| SortField::new(a.data_type().clone()))
            .collect();
        let conv = RowConverter::new(fields)?;
        let rows = conv.convert_columns(&keys)?;
        self.chain = vec![END; n];
        for i in 0..n {
            if any_null(&keys, i) {
                continue;
            }
            let slot = self.heads.entry(rows.row(i).data().into()).or_insert(END);
            self.chain[i] = *slot;
            *slot = i as u32;
        }
        self.matched = vec![false; n];
        self.held = batch_bytes(&build) + rows.size() * 2 + n * 5;
        self.converter = Some(conv);
        self.build = Some(build);
        Ok(())
    }

    /// Joins a probe batch. `allowance` is the memory the statement may still take:
    /// the matching pairs are counted against it before the output is built, so a
    /// join that fans out (every row matching every row) fails with `X010` instead of
    /// materialising a batch past the limit.
    pub fn probe(
        &mut self,
        b: &RecordBatch,
        keys: &[Expr],
        ev: &EvalCtx<'_>,
        allowance: usize,
    ) -> Result<RecordBatch> {
        let build = self
            .build
            .as_ref()
            .ok_or_else(|| ExecError::internal("Probe before Seal"))?;
        let conv = self
            .converter
            .as_ref()
            .ok_or_else(|| ExecError::internal("Probe before Seal"))?;
        let arrays = Self::key_arrays(keys, b, ev)?;
        let rows = conv.convert_columns(&arrays)?;
        let keep_unmatched = matches!(self.kind, JoinKind::Left | JoinKind::Full);
        // Bytes one output row costs: its share of both sides plus the indices.
        let width = batch_bytes(b) / b.num_rows().max(1)
            + batch_bytes(build) / build.num_rows().max(1)
            + 16;
        let max_pairs = allowance / width.max(1);
        let mut probe_idx: Vec<u32> = Vec::new();
        let mut build_idx: Vec<Option<u32>> = Vec::new();
        for i in 0..b.num_rows() {
            if probe_idx.len() > max_pairs {
                return Err(ExecError::new(
                    XCode::MemoryLimit,
                    format!(
                        "a join produces more than {max_pairs} rows from one batch of {} rows, past the memory the statement may still use (limits.query_memory_mb)",
                        b.num_rows()
                    ),
                ));
            }
            let mut hit = false;
            if !any_null(&arrays, i)
                && let Some(head) = self.heads.get(rows.row(i).data())
            {
                let mut j = *head;
                while j != END {
                    probe_idx.push(i as u32);
                    build_idx.push(Some(j));
                    self.matched[j as usize] = true;
                    hit = true;
                    j = self.chain[j as usize];
                }
            }
            if !hit && keep_unmatched {
                probe_idx.push(i as u32);
                build_idx.push(None);
            }
        }
        let pi = UInt32Array::from(probe_idx);
        let bi = UInt32Array::from(build_idx);
        let mut cols = Vec::with_capacity(self.out.fields().len());
        for c in b.columns() {
            cols.push(arrow_select::take::take(c.as_ref(), &pi, None)?);
        }
        for c in build.columns() {
            cols.push(arrow_select::take::take(c.as_ref(), &bi, None)?);
        }
        batch(&self.out, cols, pi.len())
    }

    /// After the probes: build rows nobody matched (right and full joins).
    pub fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if self.unmatched.is_none() {
            let build = self
                .build
                .as_ref()
                .ok_or_else(|| ExecError::internal("Next on a hash join before Seal"))?;
            let mut out = VecDeque::new();
            if matches!(self.kind, JoinKind::Right | JoinKind::Full) {
                let idx: Vec<u32> = (0..build.num_rows() as u32)
                    .filter(|j| !self.matched[*j as usize])
                    .collect();
                if !idx.is_empty() {
                    let idx = UInt32Array::from(idx);
                    let n_probe = self.out.fields().len().saturating_sub(build.num_columns());
                    let mut cols: Vec<ArrayRef> = self.out.fields()[..n_probe]
                        .iter()
                        .map(|f| arrow_array::new_null_array(f.data_type(), idx.len()))
                        .collect();
                    for c in build.columns() {
                        cols.push(arrow_select::take::take(c.as_ref(), &idx, None)?);
                    }
                    out.extend(chunks(batch(&self.out, cols, idx.len())?));
                }
            }
            self.unmatched = Some(out);
        }
        Ok(self.unmatched.as_mut().and_then(|q| q.pop_front()))
    }
}
