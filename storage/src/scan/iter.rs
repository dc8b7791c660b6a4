//! [`ScanIter`]: plans a scan of one partition and streams its record batches.
//!
//! ```text
//!  plan (at ScanIter::new)                         stream (next)
//!  ───────────────────────                         ─────────────
//!  view lock ─► RocksDB snapshot + cold view       for each task:
//!  hot versions in range (+ txn overlay)             single segment: row groups pruned by
//!  segments in range ─► overlap clusters               key range and statistics; rows masked
//!    single: no other segment overlaps it              by tombstones and hot keys
//!    cluster: liveness by key merge (cluster.rs)     cluster: masks from the merge
//!  tasks = clusters …, then the hot rows             hot: live hot rows decoded
//!                                                    ─► predicates, exactly ─► projection
//! ```
//! An unordered scan (the default) returns batches task by task. An ordered scan
//! streams a k-way merge by key of the segments in range and the hot versions
//! ([`super::merge`]), so it holds one run per source, never all matching rows; a
//! segment no other segment overlaps is still pruned by statistics, row group by row
//! group.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::{Array, ArrayRef, BinaryArray, BooleanArray, Int64Array, RecordBatch};
use arrow_schema::{Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::ParquetRecordBatchReader;
use parquet::arrow::arrow_reader::statistics::StatisticsConverter;

use super::cluster::{Masks, cluster_masks};
use super::direct::read_direct;
use super::hot::{HotEntry, overlay, read_hot};
use super::hot_cache::CacheKey;
use super::merge::{Merge, MergeRules, SortedSource};
use super::predicate::{BoundPredicate, bind};
use super::sources::{HotSource, SegmentSource};
use super::spec::ScanSpec;
use crate::catalog::{ColumnId, TableDef};
use crate::cold::partition::ColdView;
use crate::cold::segment::{Loaded, Segment, SegmentRef};
use crate::encoding::column::ColumnBuilder;
use crate::encoding::key::{encode_key, partition_prefix, prefix_successor};
use crate::encoding::row::RowDecoder;
use crate::engine::{Inner, Pending, ROW_ID_COLUMN};
use crate::error::{Result, StorageError};
use crate::types::ScalarValue;

/// Everything a scan's tasks share.
pub(crate) struct Ctx {
    pub def: Arc<TableDef>,
    /// Columns read, each once: the projection first, then predicate columns not
    /// projected.
    pub read_cols: Vec<ColumnId>,
    /// For each output column, its slot in `read_cols` (a projection may repeat one).
    pub out_slots: Vec<usize>,
    pub preds: Vec<BoundPredicate>,
    pub pred_slots: Vec<usize>,
    pub lo: Vec<u8>,
    pub hi: Option<Vec<u8>>,
    /// Every hot key in range (tombstones too), sorted.
    pub hot_keys: Vec<Vec<u8>>,
    /// For tables keyed by one `int64` column: that column and the hot keys as values,
    /// so that segments are checked against hot keys on the column itself instead of
    /// reading `__key`.
    pub int_key: Option<(ColumnId, Vec<i64>)>,
    pub keep_keys: bool,
    pub with_row_id: bool,
    pub batch_size: usize,
    pub out_schema: SchemaRef,
}

impl Ctx {
    pub(crate) fn in_range(&self, key: &[u8]) -> bool {
        key >= self.lo.as_slice() && self.hi.as_deref().is_none_or(|hi| key < hi)
    }

    pub(crate) fn hot_has(&self, key: &[u8]) -> bool {
        self.hot_keys
            .binary_search_by(|k| k.as_slice().cmp(key))
            .is_ok()
    }

    /// Hot keys within `[min, max]`.
    fn hot_between(&self, min: &[u8], max: &[u8]) -> &[Vec<u8>] {
        let a = self.hot_keys.partition_point(|k| k.as_slice() < min);
        let b = self.hot_keys.partition_point(|k| k.as_slice() <= max);
        &self.hot_keys[a..b]
    }
}

/// Read columns plus (when kept) the keys of a piece of output.
#[derive(Clone)]
pub(crate) struct Chunk {
    pub rows: usize,
    pub arrays: Vec<ArrayRef>,
    pub keys: Option<ArrayRef>,
}

enum Task {
    Single(SegmentRef),
    Cluster(Vec<SegmentRef>),
    Hot(Vec<HotEntry>),
}

/// The single `int64` key column and the hot keys decoded to its values.
fn int_key_of(def: &TableDef, hot: &[HotEntry], has_owner: bool) -> Option<(ColumnId, Vec<i64>)> {
    let [id] = def.primary_key.as_slice() else {
        return None;
    };
    if def.column(*id)?.data_type != crate::types::DataType::Int64 {
        return None;
    }
    let prefix = if has_owner { 16 } else { 8 };
    let values = hot
        .iter()
        .map(|e| {
            let b: [u8; 8] = e.key.get(prefix..prefix + 8)?.try_into().ok()?;
            Some((u64::from_be_bytes(b) ^ (1 << 63)) as i64)
        })
        .collect::<Option<Vec<i64>>>()?;
    Some((*id, values))
}

/// How a segment stream checks rows against hot keys and the key range.
#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyCheck {
    None,
    /// Compare encoded `__key`s (any key shape, and key ranges).
    Encoded,
    /// Compare values of the single `int64` key column (no key range cut).
    Int,
}

/// Reading a segment row group by row group, with optional precomputed masks.
struct SegStream {
    seg: SegmentRef,
    loaded: Arc<Loaded>,
    rgs: VecDeque<usize>,
    masks: Option<Masks>,
    reader: Option<(usize, ParquetRecordBatchReader, usize)>,
    fields: Vec<usize>,
    need_deleted: bool,
    key_check: KeyCheck,
    /// Field of the int key column when `key_check` is `Int`.
    int_field: usize,
}

/// A running scan: an iterator of record batches.
pub struct ScanIter {
    ctx: Arc<Ctx>,
    tasks: VecDeque<Task>,
    /// Hot rows already decoded (a scan of a range only the hot tier holds).
    ready: VecDeque<Chunk>,
    streams: VecDeque<SegStream>,
    hot: Option<(Vec<HotEntry>, usize, RowDecoder)>,
    remaining: Option<usize>,
    /// Ordered scans: the merge of every source.
    merge: Option<Merge>,
    done: bool,
}

impl ScanIter {
    pub(crate) fn new(
        inner: &Arc<Inner>,
        spec: ScanSpec,
        pending: Option<&BTreeMap<Vec<u8>, Pending>>,
    ) -> Result<ScanIter> {
        let (def, part) = inner.resolve(spec.table, spec.owner)?;
        Self::build(inner, spec, def, part, pending)
    }

    fn build(
        inner: &Arc<Inner>,
        spec: ScanSpec,
        def: Arc<TableDef>,
        part: crate::cold::PartitionId,
        pending: Option<&BTreeMap<Vec<u8>, Pending>>,
    ) -> Result<ScanIter> {
        let limits = &inner.options.limits;
        if spec.batch_size == 0 || spec.batch_size > limits.max_scan_batch_rows {
            return Err(StorageError::LimitExceeded(format!(
                "scan batch_size {} must be 1..={}",
                spec.batch_size, limits.max_scan_batch_rows
            )));
        }
        if spec.with_row_id && !def.has_hidden_key() {
            return Err(StorageError::invalid(format!(
                "table {} has a primary key; `{ROW_ID_COLUMN}` exists only on tables without one",
                def.qualified_name()
            )));
        }
        let projection = crate::engine::projection_of(&def, spec.projection.as_deref())?;
        let preds = bind(&def, &spec.predicates, limits)?;
        let mut read_cols: Vec<ColumnId> = Vec::new();
        let mut out_slots = Vec::with_capacity(projection.len());
        for id in &projection {
            let slot = match read_cols.iter().position(|c| c == id) {
                Some(s) => s,
                None => {
                    read_cols.push(*id);
                    read_cols.len() - 1
                }
            };
            out_slots.push(slot);
        }
        let mut pred_slots = Vec::new();
        for p in &preds {
            let slot = match read_cols.iter().position(|c| *c == p.column) {
                Some(s) => s,
                None => {
                    read_cols.push(p.column);
                    read_cols.len() - 1
                }
            };
            pred_slots.push(slot);
        }
        // Key range → [lo, hi) over encoded keys.
        let prefix = partition_prefix(def.id, spec.owner);
        let part_end = prefix_successor(&prefix).expect("prefix starts with a table id");
        use std::ops::Bound::*;
        let lo = match &spec.key_range.start {
            Unbounded => prefix.clone(),
            Included(v) => encode_key(&def, spec.owner, v, true)?,
            Excluded(v) => prefix_successor(&encode_key(&def, spec.owner, v, true)?)
                .unwrap_or_else(|| part_end.clone()),
        };
        let hi = match &spec.key_range.end {
            Unbounded => part_end.clone(),
            Included(v) => prefix_successor(&encode_key(&def, spec.owner, v, true)?)
                .unwrap_or_else(|| part_end.clone()),
            Excluded(v) => encode_key(&def, spec.owner, v, true)?,
        };
        let hi = hi.min(part_end);
        // One consistent view: the RocksDB snapshot and the cold view, taken together.
        let partition = inner.partition(part);
        // A plain scan of a range no segment touches, with no pending writes of the
        // scanning transaction in it, needs neither the hot keys nor the raw rows:
        // its rows are decoded straight from RocksDB into the projected columns.
        let mine_pending = pending.is_some_and(|p| {
            lo < hi && p.range(lo.clone()..hi.clone()).any(|(_, x)| x.part == part)
        });
        let direct_ok = lo < hi && !spec.ordered && !spec.with_row_id && !mine_pending;
        // A range bounded on both sides is cached (small ranges are read again and
        // again); a partition scanned from end to end is not.
        let cache =
            !matches!(spec.key_range.start, Unbounded) && !matches!(spec.key_range.end, Unbounded);
        let (hot, ready, view) = {
            let _view_lock = inner.view_lock.read().expect("view lock");
            // The snapshot's sequence number, when no write slipped in while it was
            // taken (the hot scan cache answers for it), and the cache's token, read
            // before.
            let token = inner.hot_scan_cache.token();
            let before = inner.db.latest_sequence_number();
            let snapshot = inner.db.snapshot();
            let exact_seq = (inner.db.latest_sequence_number() == before).then_some(before);
            let view = partition.view();
            let touches_segment = view.segments.iter().any(|s| {
                s.meta.max_key.as_slice() >= lo.as_slice()
                    && s.meta.min_key.as_slice() < hi.as_slice()
            });
            if direct_ok && !touches_segment {
                let key = CacheKey {
                    part,
                    lo: lo.clone(),
                    hi: hi.clone(),
                    cols: read_cols.clone(),
                    batch_size: spec.batch_size,
                    schema_version: def.schema_version,
                };
                let ready = read_direct(inner, &snapshot, token, exact_seq, key, cache, &def)?;
                (Vec::new(), ready, view)
            } else if lo < hi {
                (
                    read_hot(inner, &snapshot, &lo, &hi, cache)?,
                    VecDeque::new(),
                    view,
                )
            } else {
                (Vec::new(), VecDeque::new(), view)
            }
        };
        let hot = match pending {
            Some(p) if lo < hi => overlay(hot, p, part, &lo, &hi),
            _ => hot,
        };
        let mut fields: Vec<Field> = projection
            .iter()
            .map(|id| {
                let c = def.column(*id).expect("checked");
                c.data_type.to_field(&c.name, c.nullable)
            })
            .collect();
        if spec.with_row_id {
            fields.push(Field::new(
                ROW_ID_COLUMN,
                arrow_schema::DataType::Int64,
                false,
            ));
        }
        let segs: Vec<SegmentRef> = if lo < hi {
            view.segments
                .iter()
                .filter(|s| {
                    s.meta.max_key.as_slice() >= lo.as_slice()
                        && s.meta.min_key.as_slice() < hi.as_slice()
                })
                .cloned()
                .collect()
        } else {
            Vec::new()
        };
        // Hot keys only matter against segments: without any in range (a table
        // entirely hot), they are not copied.
        let (int_key, hot_keys) = if segs.is_empty() {
            (None, Vec::new())
        } else {
            (
                int_key_of(&def, &hot, spec.owner.is_some()),
                hot.iter().map(|e| e.key.clone()).collect(),
            )
        };
        let ctx = Arc::new(Ctx {
            out_slots,
            read_cols,
            preds,
            pred_slots,
            int_key,
            hot_keys,
            keep_keys: spec.with_row_id,
            with_row_id: spec.with_row_id,
            batch_size: spec.batch_size,
            out_schema: Arc::new(Schema::new(fields)),
            lo: lo.clone(),
            hi: Some(hi.clone()),
            def: def.clone(),
        });
        let mut tasks = VecDeque::new();
        let mut merge = None;
        if lo < hi {
            let clusters = clusters_of(segs);
            if spec.ordered {
                merge = Some(ordered_merge(inner, &ctx, &view, clusters, hot)?);
            } else {
                for c in clusters {
                    push_cluster(&mut tasks, c);
                }
                tasks.push_back(Task::Hot(hot));
            }
        }
        Ok(ScanIter {
            ctx,
            tasks,
            ready,
            streams: VecDeque::new(),
            hot: None,
            remaining: spec.limit,
            merge,
            done: spec.limit == Some(0),
        })
    }

    /// The encoded key range `[lo, hi)` this scan covers (a transaction records it to
    /// detect phantoms at commit).
    pub(crate) fn key_range(&self) -> (&[u8], &[u8]) {
        let hi = self.ctx.hi.as_deref().unwrap_or(&self.ctx.lo);
        (&self.ctx.lo, hi)
    }

    /// The schema of the batches this scan returns.
    pub fn schema(&self) -> SchemaRef {
        self.ctx.out_schema.clone()
    }

    /// Collects everything into one batch (convenience for small results and tests).
    pub fn collect_batch(self) -> Result<RecordBatch> {
        let schema = self.schema();
        let batches: Vec<RecordBatch> = self.collect::<Result<_>>()?;
        Ok(arrow_select::concat::concat_batches(&schema, &batches)?)
    }

    /// The next chunk of merged rows, before predicates.
    fn next_chunk(&mut self) -> Result<Option<Chunk>> {
        if let Some(c) = self.ready.pop_front() {
            return Ok(Some(c));
        }
        loop {
            if let Some(s) = self.streams.front_mut() {
                match next_seg_chunk(&self.ctx, s)? {
                    Some(c) => return Ok(Some(c)),
                    None => {
                        self.streams.pop_front();
                        continue;
                    }
                }
            }
            if let Some((entries, pos, dec)) = &mut self.hot {
                if *pos >= entries.len() {
                    self.hot = None;
                    continue;
                }
                return hot_chunk(&self.ctx, entries, pos, dec).map(Some);
            }
            let Some(task) = self.tasks.pop_front() else {
                return Ok(None);
            };
            match task {
                Task::Single(seg) => {
                    if segment_can_match(&self.ctx, &seg)
                        && let Some(s) = plan_stream(&self.ctx, seg, None)?
                    {
                        self.streams.push_back(s);
                    }
                }
                Task::Cluster(members) => {
                    if members.iter().all(|m| !segment_can_match(&self.ctx, m)) {
                        continue;
                    }
                    let masks = cluster_masks(&self.ctx, &members)?;
                    for (m, mask) in members.into_iter().zip(masks) {
                        if segment_can_match(&self.ctx, &m)
                            && let Some(s) = plan_stream(&self.ctx, m, Some(mask))?
                        {
                            self.streams.push_back(s);
                        }
                    }
                }
                Task::Hot(entries) => {
                    let entries: Vec<HotEntry> =
                        entries.into_iter().filter(|e| !e.tombstone).collect();
                    let dec = RowDecoder::new(&self.ctx.def, &self.ctx.read_cols);
                    self.hot = Some((entries, 0, dec));
                }
            }
        }
    }

    /// Applies predicates and projection to a chunk.
    fn finish(&self, c: Chunk) -> Result<Option<(RecordBatch, Option<ArrayRef>)>> {
        let ctx = &self.ctx;
        let n = c.rows;
        if n == 0 {
            return Ok(None);
        }
        let pred_arrays: Vec<&ArrayRef> = ctx.pred_slots.iter().map(|s| &c.arrays[*s]).collect();
        let mask = super::predicate::evaluate_all(&ctx.preds, &pred_arrays)?;
        let mut cols: Vec<ArrayRef> = ctx.out_slots.iter().map(|s| c.arrays[*s].clone()).collect();
        if ctx.with_row_id {
            let keys = c
                .keys
                .as_ref()
                .expect("kept for row ids")
                .as_binary::<i32>();
            let ids: Int64Array = keys
                .iter()
                .map(|k| {
                    let k = k.expect("keys are not null");
                    let b: [u8; 8] = k[k.len() - 8..].try_into().expect("8 bytes");
                    Some((u64::from_be_bytes(b) ^ (1 << 63)) as i64)
                })
                .collect();
            cols.push(Arc::new(ids));
        }
        let opts = arrow_array::RecordBatchOptions::new().with_row_count(Some(n));
        let mut batch = RecordBatch::try_new_with_options(ctx.out_schema.clone(), cols, &opts)?;
        let mut keys = c.keys;
        if let Some(m) = mask {
            batch = arrow_select::filter::filter_record_batch(&batch, &m)?;
            if let Some(k) = keys {
                keys = Some(arrow_select::filter::filter(k.as_ref(), &m)?);
            }
        }
        if batch.num_rows() == 0 {
            return Ok(None);
        }
        Ok(Some((batch, keys)))
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        loop {
            let c = if self.merge.is_some() {
                self.next_merged()?
            } else {
                self.next_chunk()?
            };
            let Some(c) = c else {
                return Ok(None);
            };
            if let Some((mut b, _)) = self.finish(c)? {
                if let Some(rem) = &mut self.remaining {
                    if b.num_rows() >= *rem {
                        b = b.slice(0, *rem);
                        self.done = true;
                    }
                    *rem -= b.num_rows();
                }
                return Ok(Some(b));
            }
        }
    }

    /// The next merged chunk of an ordered scan.
    fn next_merged(&mut self) -> Result<Option<Chunk>> {
        let keep_keys = self.ctx.keep_keys;
        let batch = self.ctx.batch_size;
        let merge = self.merge.as_mut().expect("ordered scans merge");
        Ok(merge.next_batch(batch)?.map(|m| Chunk {
            rows: m.rows(),
            keys: keep_keys.then_some(m.keys),
            arrays: m.arrays,
        }))
    }
}

impl Iterator for ScanIter {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_batch() {
            Ok(Some(b)) => Some(Ok(b)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// Groups segments (in range) into clusters of overlapping key ranges, in key order.
fn clusters_of(mut segs: Vec<SegmentRef>) -> Vec<Vec<SegmentRef>> {
    segs.sort_by(|a, b| a.meta.min_key.cmp(&b.meta.min_key));
    let mut out: Vec<Vec<SegmentRef>> = Vec::new();
    let mut cluster_max: Vec<u8> = Vec::new();
    for s in segs {
        match out.last_mut() {
            Some(c) if s.meta.min_key <= cluster_max => {
                if s.meta.max_key > cluster_max {
                    cluster_max = s.meta.max_key.clone();
                }
                c.push(s);
            }
            _ => {
                cluster_max = s.meta.max_key.clone();
                out.push(vec![s]);
            }
        }
    }
    out
}

/// The merge behind an ordered scan: every segment in range (a segment alone in its
/// cluster pruned by statistics, since only hot versions can compete with its rows)
/// and the hot versions, oldest source first.
fn ordered_merge(
    inner: &Inner,
    ctx: &Arc<Ctx>,
    view: &ColdView,
    clusters: Vec<Vec<SegmentRef>>,
    hot: Vec<HotEntry>,
) -> Result<Merge> {
    let mut chosen: Vec<(usize, SegmentRef, Vec<usize>)> = Vec::new();
    for c in clusters {
        let alone = c.len() == 1;
        for seg in c {
            if alone && !segment_can_match(ctx, &seg) {
                continue;
            }
            let l = seg.loaded()?;
            let rgs = if alone {
                pick_row_groups(ctx, &l)?
            } else {
                Segment::row_groups_in_range(&l, &ctx.lo, ctx.hi.as_deref())
            };
            if rgs.is_empty() {
                continue;
            }
            let age = view
                .segments
                .iter()
                .position(|s| Arc::ptr_eq(s, &seg))
                .unwrap_or(usize::MAX);
            chosen.push((age, seg, rgs));
        }
    }
    chosen.sort_by_key(|c| c.0);
    let mut sources: Vec<Box<dyn SortedSource>> = Vec::with_capacity(chosen.len() + 1);
    for (_, seg, rgs) in chosen {
        sources.push(Box::new(SegmentSource::new(
            &ctx.def,
            &ctx.read_cols,
            seg,
            rgs,
        )?));
    }
    sources.push(Box::new(HotSource::new(&ctx.def, &ctx.read_cols, hot)));
    Ok(Merge::new(
        sources,
        MergeRules {
            lo: ctx.lo.clone(),
            hi: ctx.hi.clone(),
            budget: inner.options.merge_memory_bytes,
        },
    ))
}

fn push_cluster(tasks: &mut VecDeque<Task>, cluster: Vec<SegmentRef>) {
    match cluster.len() {
        0 => {}
        1 => tasks.push_back(Task::Single(cluster.into_iter().next().expect("one"))),
        _ => tasks.push_back(Task::Cluster(cluster)),
    }
}

/// Statistics of column `id` in a segment: its own, or those of the backfill constant
/// when the segment predates the column.
fn stats_for(
    ctx: &Ctx,
    seg: &SegmentRef,
    id: ColumnId,
) -> (Option<ScalarValue>, Option<ScalarValue>, Option<u64>) {
    match seg.meta.column(id.0) {
        Some(s)
            if seg
                .loaded()
                .map(|l| l.cols.by_id.contains_key(&id.0))
                .unwrap_or(true) =>
        {
            (s.min.clone(), s.max.clone(), Some(s.nulls))
        }
        _ => {
            let backfill = ctx
                .def
                .column(id)
                .map(|c| c.backfill.clone())
                .unwrap_or(ScalarValue::Null);
            if backfill.is_null() {
                (None, None, Some(seg.meta.rows))
            } else {
                (Some(backfill.clone()), Some(backfill), Some(0))
            }
        }
    }
}

/// False when segment statistics show no row can satisfy the predicates.
fn segment_can_match(ctx: &Ctx, seg: &SegmentRef) -> bool {
    ctx.preds.iter().all(|p| {
        let (min, max, nulls) = stats_for(ctx, seg, p.column);
        p.can_match(min.as_ref(), max.as_ref(), nulls, seg.meta.rows)
    })
}

/// Row groups of `seg` to read: in the key range and not excluded by row-group
/// statistics of the predicate columns.
fn pick_row_groups(ctx: &Ctx, l: &Loaded) -> Result<Vec<usize>> {
    let mut rgs = Segment::row_groups_in_range(l, &ctx.lo, ctx.hi.as_deref());
    if ctx.preds.is_empty() || rgs.is_empty() {
        return Ok(rgs);
    }
    let (meta, cols) = (&l.reader_meta, &l.cols);
    let md = meta.metadata();
    let schema = meta.schema();
    for p in &ctx.preds {
        let Some(&field) = cols.by_id.get(&p.column.0) else {
            continue;
        };
        let name = schema.field(field).name();
        let Ok(conv) = StatisticsConverter::try_new(name, schema, meta.parquet_schema()) else {
            continue;
        };
        let groups = rgs.iter().map(|i| md.row_group(*i));
        let (Ok(mins), Ok(maxs), Ok(nulls)) = (
            conv.row_group_mins(groups.clone()),
            conv.row_group_maxes(groups.clone()),
            conv.row_group_null_counts(groups),
        ) else {
            continue;
        };
        let mut keep = Vec::new();
        for (i, rg) in rgs.iter().enumerate() {
            let min = ScalarValue::from_array(mins.as_ref(), i, &p.data_type).ok();
            let max = ScalarValue::from_array(maxs.as_ref(), i, &p.data_type).ok();
            let null_count = (!nulls.is_null(i)).then(|| nulls.value(i));
            let rows = md.row_group(*rg).num_rows() as u64;
            if p.can_match(
                min.as_ref().filter(|v| !v.is_null()),
                max.as_ref().filter(|v| !v.is_null()),
                null_count,
                rows,
            ) {
                keep.push(*rg);
            }
        }
        rgs = keep;
    }
    Ok(rgs)
}

fn plan_stream(ctx: &Arc<Ctx>, seg: SegmentRef, masks: Option<Masks>) -> Result<Option<SegStream>> {
    let loaded = seg.loaded()?;
    let rgs = pick_row_groups(ctx, &loaded)?;
    if rgs.is_empty() {
        return Ok(None);
    }
    let cols = &loaded.cols;
    let mut fields: Vec<usize> = ctx
        .read_cols
        .iter()
        .filter_map(|id| cols.by_id.get(&id.0).copied())
        .collect();
    let range_cuts = seg.meta.min_key.as_slice() < ctx.lo.as_slice()
        || ctx
            .hi
            .as_deref()
            .is_some_and(|hi| seg.meta.max_key.as_slice() >= hi);
    let hot_overlap = !ctx
        .hot_between(&seg.meta.min_key, &seg.meta.max_key)
        .is_empty();
    let need_key_check = masks.is_none() && (range_cuts || hot_overlap);
    let need_deleted = masks.is_none() && seg.meta.tombstones > 0;
    // Tombstone rows hold nulls in every data column, which would break the sort
    // order of the key column: segments with tombstones use `__key`.
    let int_field = match &ctx.int_key {
        Some((id, _)) if !range_cuts && seg.meta.tombstones == 0 => cols.by_id.get(&id.0).copied(),
        _ => None,
    };
    let key_check = match (need_key_check, int_field) {
        (false, _) => KeyCheck::None,
        (true, Some(f)) => {
            fields.push(f);
            KeyCheck::Int
        }
        (true, None) => KeyCheck::Encoded,
    };
    if key_check == KeyCheck::Encoded || ctx.keep_keys {
        fields.push(cols.key);
    }
    if need_deleted {
        fields.push(cols.deleted);
    }
    if fields.is_empty() {
        // Nothing projected (a count): read the smallest column for the row count.
        fields.push(cols.deleted);
    }
    fields.sort();
    fields.dedup();
    Ok(Some(SegStream {
        seg,
        loaded,
        rgs: rgs.into(),
        masks,
        reader: None,
        fields,
        need_deleted,
        key_check,
        int_field: int_field.unwrap_or(usize::MAX),
    }))
}

fn next_seg_chunk(ctx: &Ctx, s: &mut SegStream) -> Result<Option<Chunk>> {
    loop {
        if s.reader.is_none() {
            let Some(rg) = s.rgs.pop_front() else {
                return Ok(None);
            };
            let reader = s
                .seg
                .read(&s.loaded, &s.fields, Some(vec![rg]), None, ctx.batch_size)?;
            s.reader = Some((rg, reader, 0));
        }
        let (rg, reader, offset) = s.reader.as_mut().expect("set above");
        let Some(batch) = reader.next() else {
            s.reader = None;
            continue;
        };
        let batch = batch?;
        let n = batch.num_rows();
        let cols = &s.loaded.cols;
        let pos = |f: usize| s.fields.iter().position(|x| *x == f);
        let keys = pos(cols.key).map(|p| batch.column(p).clone());
        let mut mask: Option<BooleanArray> = match &s.masks {
            Some(m) => m.get(rg).map(|full| full.slice(*offset, n)),
            None => None,
        };
        *offset += n;
        if s.need_deleted {
            let del = batch.column(pos(cols.deleted).expect("read")).as_boolean();
            let alive = arrow_arith::boolean::not(del)?;
            mask = Some(and_opt(mask, alive)?);
        }
        match s.key_check {
            KeyCheck::None => {}
            KeyCheck::Encoded => {
                let k = keys.as_ref().expect("read").as_binary::<i32>();
                mask = Some(and_opt(mask, key_mask(ctx, k))?);
            }
            KeyCheck::Int => {
                let ids = batch.column(pos(s.int_field).expect("read"));
                let ids = ids.as_primitive::<arrow_array::types::Int64Type>();
                let hot = &ctx.int_key.as_ref().expect("int key").1;
                mask = Some(and_opt(mask, int_key_mask(hot, ids.values()))?);
            }
        }
        let mut arrays = Vec::with_capacity(ctx.read_cols.len());
        for id in &ctx.read_cols {
            match cols.by_id.get(&id.0).and_then(|f| pos(*f)) {
                Some(p) => arrays.push(batch.column(p).clone()),
                None => {
                    let c = ctx.def.column(*id).expect("current column");
                    arrays.push(c.backfill.to_array(&c.data_type, n)?);
                }
            }
        }
        let keys = if ctx.keep_keys { keys } else { None };
        let chunk = match mask {
            None => Chunk {
                rows: n,
                arrays,
                keys,
            },
            Some(m) => {
                if m.true_count() == 0 {
                    continue;
                }
                let arrays = arrays
                    .iter()
                    .map(|a| arrow_select::filter::filter(a.as_ref(), &m))
                    .collect::<std::result::Result<Vec<_>, _>>()?;
                let keys = match keys {
                    Some(k) => Some(arrow_select::filter::filter(k.as_ref(), &m)?),
                    None => None,
                };
                Chunk {
                    rows: m.true_count(),
                    arrays,
                    keys,
                }
            }
        };
        return Ok(Some(chunk));
    }
}

fn and_opt(a: Option<BooleanArray>, b: BooleanArray) -> Result<BooleanArray> {
    Ok(match a {
        None => b,
        Some(a) => arrow_arith::boolean::and(&a, &b)?,
    })
}

/// Rows of a sorted key column that are in range and not shadowed by a hot version.
fn key_mask(ctx: &Ctx, keys: &BinaryArray) -> BooleanArray {
    let n = keys.len();
    let mut bits = vec![true; n];
    if n == 0 {
        return BooleanArray::from(bits);
    }
    let find = |target: &[u8]| -> usize {
        let (mut lo, mut hi) = (0usize, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if keys.value(mid) < target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    };
    let start = find(&ctx.lo);
    let end = ctx.hi.as_deref().map(find).unwrap_or(n);
    for (i, b) in bits.iter_mut().enumerate() {
        if i < start || i >= end {
            *b = false;
        }
    }
    for hk in ctx.hot_between(keys.value(0), keys.value(n - 1)) {
        let i = find(hk);
        if i < n && keys.value(i) == hk.as_slice() {
            bits[i] = false;
        }
    }
    BooleanArray::from(bits)
}

/// Rows of a sorted `int64` key column not shadowed by a hot key (`hot` sorted).
fn int_key_mask(hot: &[i64], ids: &[i64]) -> BooleanArray {
    let n = ids.len();
    let mut bits = arrow_buffer::BooleanBufferBuilder::new(n);
    bits.append_n(n, true);
    if n > 0 {
        let a = hot.partition_point(|h| *h < ids[0]);
        let b = hot.partition_point(|h| *h <= ids[n - 1]);
        for h in &hot[a..b] {
            if let Ok(i) = ids.binary_search(h) {
                bits.set_bit(i, false);
            }
        }
    }
    BooleanArray::new(bits.finish(), None)
}

fn hot_chunk(
    ctx: &Ctx,
    entries: &[HotEntry],
    pos: &mut usize,
    dec: &mut RowDecoder,
) -> Result<Chunk> {
    let end = (*pos + ctx.batch_size).min(entries.len());
    let mut builders: Vec<ColumnBuilder> = ctx
        .read_cols
        .iter()
        .map(|id| ColumnBuilder::new(&ctx.def.column(*id).expect("current").data_type, end - *pos))
        .collect();
    for e in &entries[*pos..end] {
        dec.decode(&e.row, &mut builders)?;
    }
    let keys = ctx.keep_keys.then(|| {
        Arc::new(BinaryArray::from_iter_values(
            entries[*pos..end].iter().map(|e| e.key.as_slice()),
        )) as ArrayRef
    });
    let rows = end - *pos;
    *pos = end;
    Ok(Chunk {
        rows,
        arrays: builders.into_iter().map(|b| b.finish()).collect(),
        keys,
    })
}
