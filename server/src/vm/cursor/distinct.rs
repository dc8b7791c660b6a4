//! `distinct`: the set of rows seen so far, as `arrow-row` bytes of all columns (so
//! nulls compare equal here, and floats are canonical — [`crate::vm::floats`] — so
//! `-0.0` and `0.0` are one value; the first row seen is the one kept).

use arrow_array::{BooleanArray, RecordBatch};
use arrow_row::{RowConverter, SortField};

use crate::vm::error::{ExecError, Result};
use crate::vm::floats;
use crate::vm::hash::RowSet;

/// A distinct set.
#[derive(Default)]
pub struct DistinctCursor {
    converter: Option<RowConverter>,
    seen: RowSet,
    held: usize,
}

impl DistinctCursor {
    pub fn held(&self) -> usize {
        self.held
    }

    /// The rows of `b` not seen before (nor earlier in `b`), which it then has seen.
    pub fn pass(&mut self, b: &RecordBatch) -> Result<RecordBatch> {
        if b.num_rows() == 0 {
            return Ok(b.clone());
        }
        let columns = super::or_unit(floats::canonical_all(b.columns().to_vec()), b.num_rows());
        if self.converter.is_none() {
            let fields = columns
                .iter()
                .map(|c| SortField::new(c.data_type().clone()))
                .collect();
            self.converter = Some(RowConverter::new(fields)?);
        }
        let conv = self
            .converter
            .as_ref()
            .ok_or_else(|| ExecError::internal("no converter"))?;
        let rows = conv.convert_columns(&columns)?;
        let mut keep = Vec::with_capacity(b.num_rows());
        for r in rows.iter() {
            let bytes = r.data();
            let new = !self.seen.contains(bytes);
            if new {
                self.held += bytes.len() + 16;
                self.seen.insert(bytes.into());
            }
            keep.push(new);
        }
        Ok(arrow_select::filter::filter_record_batch(
            b,
            &BooleanArray::from(keep),
        )?)
    }
}
