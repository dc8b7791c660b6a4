//! The inputs of a [`super::merge::Merge`]: a segment read row group by row group in
//! key order ([`SegmentSource`]), and the hot versions of a scan decoded a run at a
//! time ([`HotSource`]). Both hand out the same columns: the table columns asked for,
//! with a column the segment predates read as its backfill value.

use std::collections::VecDeque;
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{ArrayRef, BinaryArray, BooleanArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;

use super::hot::HotEntry;
use super::merge::{Run, SortedSource};
use crate::catalog::{ColumnId, TableDef};
use crate::cold::segment::{Loaded, SegmentRef};
use crate::encoding::column::ColumnBuilder;
use crate::encoding::row::RowDecoder;
use crate::error::Result;
use crate::types::{DataType, ScalarValue};

/// Where a merged column comes from in one segment.
enum ColumnRead {
    /// Position in the fields read.
    Field(usize),
    /// The segment predates the column.
    Backfill(ScalarValue, DataType),
}

/// One segment, the given row groups in order.
pub(crate) struct SegmentSource {
    seg: SegmentRef,
    loaded: Arc<Loaded>,
    rgs: VecDeque<usize>,
    reader: Option<ParquetRecordBatchReader>,
    fields: Vec<usize>,
    cols: Vec<ColumnRead>,
    key: usize,
    seq: usize,
    deleted: Option<usize>,
}

impl SegmentSource {
    /// Reads `cols` of `def` from row groups `rgs` (ascending) of `seg`.
    pub(crate) fn new(
        def: &TableDef,
        cols: &[ColumnId],
        seg: SegmentRef,
        rgs: Vec<usize>,
    ) -> Result<SegmentSource> {
        let loaded = seg.loaded()?;
        let sc = &loaded.cols;
        let mut fields: Vec<usize> = cols
            .iter()
            .filter_map(|id| sc.by_id.get(&id.0).copied())
            .chain([sc.key, sc.seq])
            .collect();
        let has_tombstones = seg.meta.tombstones > 0;
        if has_tombstones {
            fields.push(sc.deleted);
        }
        fields.sort_unstable();
        fields.dedup();
        let pos = |f: usize| fields.iter().position(|x| *x == f).expect("read");
        let reads = cols
            .iter()
            .map(|id| match sc.by_id.get(&id.0) {
                Some(f) => ColumnRead::Field(pos(*f)),
                None => {
                    let c = def.column(*id).expect("current column");
                    ColumnRead::Backfill(c.backfill.clone(), c.data_type)
                }
            })
            .collect();
        Ok(SegmentSource {
            key: pos(sc.key),
            seq: pos(sc.seq),
            deleted: has_tombstones.then(|| pos(sc.deleted)),
            cols: reads,
            fields,
            rgs: rgs.into(),
            reader: None,
            loaded,
            seg,
        })
    }
}

impl SortedSource for SegmentSource {
    fn next_run(&mut self, rows: usize) -> Result<Option<Run>> {
        loop {
            if self.reader.is_none() {
                let Some(rg) = self.rgs.pop_front() else {
                    return Ok(None);
                };
                let reader =
                    self.seg
                        .read(&self.loaded, &self.fields, Some(vec![rg]), None, rows)?;
                self.reader = Some(reader);
            }
            let Some(batch) = self.reader.as_mut().expect("set above").next() else {
                self.reader = None;
                continue;
            };
            let batch = batch?;
            let n = batch.num_rows();
            let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.cols.len());
            for c in &self.cols {
                arrays.push(match c {
                    ColumnRead::Field(p) => batch.column(*p).clone(),
                    ColumnRead::Backfill(v, dt) => v.to_array(dt, n)?,
                });
            }
            return Ok(Some(Run {
                keys: batch.column(self.key).as_binary::<i32>().clone(),
                seqs: Some(batch.column(self.seq).as_primitive().clone()),
                deleted: self.deleted.map(|p| batch.column(p).as_boolean().clone()),
                arrays,
            }));
        }
    }
}

/// A scan's hot versions (tombstones included), sorted by key.
pub(crate) struct HotSource {
    entries: Vec<HotEntry>,
    pos: usize,
    decoder: RowDecoder,
    types: Vec<DataType>,
}

impl HotSource {
    pub(crate) fn new(def: &TableDef, cols: &[ColumnId], entries: Vec<HotEntry>) -> HotSource {
        HotSource {
            entries,
            pos: 0,
            decoder: RowDecoder::new(def, cols),
            types: cols
                .iter()
                .map(|id| def.column(*id).expect("current column").data_type)
                .collect(),
        }
    }
}

impl SortedSource for HotSource {
    fn next_run(&mut self, rows: usize) -> Result<Option<Run>> {
        if self.pos >= self.entries.len() {
            return Ok(None);
        }
        let end = (self.pos + rows.max(1)).min(self.entries.len());
        let part = &self.entries[self.pos..end];
        let mut builders: Vec<ColumnBuilder> = self
            .types
            .iter()
            .map(|t| ColumnBuilder::new(t, part.len()))
            .collect();
        for e in part {
            if e.tombstone {
                builders.iter_mut().for_each(|b| b.append_null());
            } else {
                self.decoder.decode(&e.row, &mut builders)?;
            }
        }
        self.pos = end;
        Ok(Some(Run {
            keys: BinaryArray::from_iter_values(part.iter().map(|e| e.key.as_slice())),
            seqs: None,
            deleted: Some(BooleanArray::from(
                part.iter().map(|e| e.tombstone).collect::<Vec<_>>(),
            )),
            arrays: builders.into_iter().map(|b| b.finish()).collect(),
        }))
    }
}
